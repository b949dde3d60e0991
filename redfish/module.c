/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/module.h"
#include "redfish/server.h"

static int redfish_module_init(struct bmc *bmc)
{
	return redfish_start(bmc->redfish, bmc);
}

static void redfish_module_tick(struct bmc *bmc, uint64_t now_usec)
{
	redfish_tick(bmc->redfish, now_usec);
}

MODULE_HOOK(redfish_module_done, redfish_stop(bmc->redfish))

static const char *const redfish_keys[] = { "redfish", NULL };

const struct bmc_module redfish_module = {
	.name = "redfish", .keys = redfish_keys, .defaults = redfish_defaults,
	.parse = redfish_parse_config, MODULE_PART(redfish), .init = redfish_module_init,
	.done = redfish_module_done, .tick = redfish_module_tick,
};
