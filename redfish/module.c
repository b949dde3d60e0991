/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/module.h"
#include "redfish/events.h"
#include "redfish/server.h"

static int redfish_module_init(struct bmc *bmc)
{
	return redfish_start(bmc->redfish, bmc);
}

static void redfish_module_tick(struct bmc *bmc, uint64_t now_usec)
{
	redfish_tick(bmc->redfish, now_usec);
}

/* The module events, as Redfish Events (redfish/res_events.c). */
MODULE_ON_SEL_EVENT(redfish_module_on_sel, rf_events_on_sel(bmc->redfish->svc, rec))
MODULE_ON_POWER(redfish_module_on_power, rf_events_on_power(bmc->redfish->svc, ev))

static void redfish_module_on_sensor(struct bmc *bmc, const struct sensor_event *e)
{
	rf_events_on_sensor(bmc->redfish->svc, e);
}

MODULE_HOOK(redfish_module_done, redfish_stop(bmc->redfish))

static const char *const redfish_keys[] = { "redfish", NULL };

const struct bmc_module redfish_module = {
	.name = "redfish", .keys = redfish_keys, .defaults = redfish_defaults,
	.parse = redfish_parse_config, MODULE_PART(redfish), .init = redfish_module_init,
	.done = redfish_module_done, .tick = redfish_module_tick,
	.on_sel_event = redfish_module_on_sel, .on_power = redfish_module_on_power,
	.on_sensor_event = redfish_module_on_sensor,
};
