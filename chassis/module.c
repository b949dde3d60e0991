/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/module.h"
#include "daemon/log.h"

static void chassis_on_pretimeout(void *userdata)
{
	bmc_modules_on_pretimeout(userdata);
}

/* After the host module: the watchdog, boot options and chassis state
 * act on its power sequencing. */
static int chassis_module_init(struct bmc *bmc)
{
	int r;

	watchdog_init(&bmc->wdt, bmc->ev, &bmc->power);
	bmc->wdt.on_pretimeout = chassis_on_pretimeout;
	bmc->wdt.pretimeout_userdata = bmc;
	bmc->wdt.sel = &bmc->sel;
	r = bootopt_init(&bmc->bootopt, bmc->ev, bmc->state_fd, &bmc->power, BOOTOPT_VALID_TIMEOUT_USEC);
	if (r < 0)
		return log_error_errno(r, "boot options");
	return chassis_init(bmc);
}

static void chassis_module_done(struct bmc *bmc)
{
	chassis_done(bmc);
	bootopt_done(&bmc->bootopt);
	watchdog_done(&bmc->wdt);
}

static void chassis_module_reset(struct bmc *bmc, bool cold)
{
	if (!cold)
		return;
	bootopt_reset_volatile(&bmc->bootopt);
	watchdog_reset_volatile(&bmc->wdt);
	acpi_reset(&bmc->acpi);
}

static void chassis_module_on_power(struct bmc *bmc, enum power_event ev, enum restart_cause cause)
{
	chassis_on_power_event(bmc, ev, cause);
	watchdog_on_power_event(&bmc->wdt, ev);
	bootopt_power_event(&bmc->bootopt, ev, cause);
	acpi_power_event(&bmc->acpi, ev);
}

const struct bmc_module chassis_module = {
	.name = "chassis",
	/* board file */
	/* life, commands, events */
	.cmds = chassis_cmds,
	.init = chassis_module_init,
	.done = chassis_module_done,
	.reset = chassis_module_reset,
	.on_power = chassis_module_on_power,
};
