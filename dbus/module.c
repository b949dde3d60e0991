/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/module.h"
#include "dbus/dbus.h"

static int dbus_module_init(struct bmc *bmc)
{
	return dbus_start(bmc->dbus, bmc);
}

static void dbus_module_tick(struct bmc *bmc, uint64_t now_usec)
{
	dbus_tick(bmc->dbus, now_usec);
}

MODULE_HOOK(dbus_module_done, dbus_stop(bmc->dbus))
MODULE_ON_POWER(dbus_module_on_power, dbus_state_changed(bmc->dbus))

static const char *const dbus_keys[] = { "dbus", NULL };

const struct bmc_module dbus_module = {
	.name = "dbus", .keys = dbus_keys, .defaults = dbus_defaults, .parse = dbus_parse_config,
	MODULE_PART(dbus), .init = dbus_module_init, .done = dbus_module_done,
	.tick = dbus_module_tick, .on_power = dbus_module_on_power,
};
