/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/module.h"
#include "sensors/sensors.h"
#include "daemon/log.h"

static void sensors_module_emit(void *userdata, const struct sensor *s, bool deassert,
				uint8_t ed1, uint8_t ed2, uint8_t ed3)
{
	struct sensor_event e = { .sensor = s, .deassert = deassert, .ed1 = ed1, .ed2 = ed2, .ed3 = ed3 };

	bmc_modules_on_sensor_event(userdata, &e);
}

/* After the host module: the sensors that read only with the host on start
 * from its present state. */
static int sensors_module_init(struct bmc *bmc)
{
	int r = sensors_init(bmc->sensors, bmc->ev, &bmc->cfg, bmc->state_fd);

	if (r < 0)
		return log_error_errno(r, "sensors");
	bmc->sensors->emit = sensors_module_emit;
	bmc->sensors->emit_userdata = bmc;
	sensors_host_power(bmc->sensors, bmc->power->on);
	return 0;
}

MODULE_HOOK(sensors_module_done, sensors_done(bmc->sensors))
MODULE_COLD_RESET(sensors_module_reset, sensors_reset_volatile(bmc->sensors))
MODULE_ON_POWER(sensors_on_power, sensors_host_power(bmc->sensors, bmc->power->on))

static const char *const sensors_keys[] = { "sensors", "hwmon_root", "sim_dir", NULL };

const struct bmc_module sensors_module = {
	.name = "sensors", .keys = sensors_keys,
	.defaults = sensors_defaults, .parse = sensors_parse_config,
	MODULE_PART(sensors), .init = sensors_module_init,
	.done = sensors_module_done, .reset = sensors_module_reset,
	.cmds = sensors_cmds, .on_power = sensors_on_power,
};
