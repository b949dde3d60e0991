/* SPDX-License-Identifier: MIT */
/* The chassis folder's modules: the watchdog, boot options, chassis control
 * and status, the ACPI power state.  All come after the host module, whose
 * power sequencing they act on. */
#include "chassis/acpi.h"
#include "chassis/bootopt.h"
#include "chassis/chassis.h"
#include "chassis/power.h"
#include "chassis/watchdog.h"
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "daemon/module.h"

static void watchdog_pretimeout(void *userdata)
{
	bmc_modules_on_pretimeout(userdata);
}

static int watchdog_module_init(struct bmc *bmc)
{
	watchdog_init(bmc->wdt, bmc->ev, bmc->power);
	bmc->wdt->on_pretimeout = watchdog_pretimeout;
	bmc->wdt->pretimeout_userdata = bmc;
	bmc->wdt->sel = bmc->sel;
	return 0;
}

MODULE_HOOK(watchdog_module_done, watchdog_done(bmc->wdt))
MODULE_COLD_RESET(watchdog_module_reset, watchdog_reset_volatile(bmc->wdt))
MODULE_ON_POWER(watchdog_module_on_power, watchdog_on_power_event(bmc->wdt, ev))

static const struct ipmi_cmd watchdog_cmds[] = {
	IPMI_CMD(NETFN_APP, 0x22, watchdog_cmd_reset, PRIV_OPERATOR, 0, 0, 0, "Reset Watchdog Timer"),
	IPMI_CMD(NETFN_APP, 0x24, watchdog_cmd_set, PRIV_OPERATOR, 6, 6, 0, "Set Watchdog Timer"),
	IPMI_CMD(NETFN_APP, 0x25, watchdog_cmd_get, PRIV_USER, 0, 0, 0, "Get Watchdog Timer"),
	{ 0 },
};

const struct bmc_module watchdog_module = {
	.name = "watchdog",
	MODULE_PART(wdt), .init = watchdog_module_init,
	.done = watchdog_module_done, .reset = watchdog_module_reset,
	.cmds = watchdog_cmds, .on_power = watchdog_module_on_power,
};

static int bootopt_module_init(struct bmc *bmc)
{
	int r = bootopt_init(bmc->bootopt, bmc->ev, bmc->state_fd, bmc->power, BOOTOPT_VALID_TIMEOUT_USEC);

	return r < 0 ? log_error_errno(r, "boot options") : 0;
}

MODULE_HOOK(bootopt_module_done, bootopt_done(bmc->bootopt))
MODULE_COLD_RESET(bootopt_module_reset, bootopt_reset_volatile(bmc->bootopt))
MODULE_ON_POWER(bootopt_module_on_power, bootopt_power_event(bmc->bootopt, ev, cause))

/* Its commands are the chassis netfn's (chassis/chassis.c). */
const struct bmc_module bootopt_module = {
	.name = "bootopt",
	MODULE_PART(bootopt), .init = bootopt_module_init,
	.done = bootopt_module_done, .reset = bootopt_module_reset,
	.on_power = bootopt_module_on_power,
};

MODULE_ON_POWER(chassis_module_on_power, chassis_on_power_event(bmc, ev, cause))

const struct bmc_module chassis_module = {
	.name = "chassis",
	MODULE_PART(chassis), .init = chassis_init, .done = chassis_done,
	.cmds = chassis_cmds, .on_power = chassis_module_on_power,
};

MODULE_COLD_RESET(acpi_module_reset, acpi_reset(bmc->acpi))
MODULE_ON_POWER(acpi_module_on_power, acpi_power_event(bmc->acpi, ev))

static const struct ipmi_cmd acpi_cmds[] = {
	IPMI_CMD(NETFN_APP, 0x06, acpi_cmd_set, PRIV_ADMIN, 2, 2, 0, "Set ACPI Power State"),
	IPMI_CMD(NETFN_APP, 0x07, acpi_cmd_get, PRIV_USER, 0, 0, 0, "Get ACPI Power State"),
	{ 0 },
};

const struct bmc_module acpi_module = {
	.name = "acpi",
	MODULE_PART(acpi), .reset = acpi_module_reset,
	.cmds = acpi_cmds, .on_power = acpi_module_on_power,
};
