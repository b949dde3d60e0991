/* SPDX-License-Identifier: MIT */
/*
 * The one list of bmcd's subsystems, in init order: a module comes after
 * every module it uses (sdr after sensors and ipmb, whose records it holds;
 * lan after everything its commands reach).  The board-file sections are
 * parsed in this order too, so a section may check names defined by an
 * earlier one (dcmi and i2c name sensors and FRUs).
 */
#include <errno.h>

#include "daemon/bmc.h"
#include "daemon/log.h"
#include "daemon/module.h"

extern const struct bmc_module identity_module, channels_module, users_module, sel_module,
	fru_module, sensors_module, ipmb_module, sdr_module, sessions_module, kcs_module,
	pef_module, host_module, chassis_module, dcmi_module, lanconf_module, lan_module,
	sol_module, i2c_module;

const struct bmc_module *const bmc_modules[] = {
	&identity_module,	/* daemon/identity.c: name, IDs, GUIDs, global enables */
	&channels_module,	/* channels/: the channel table and access */
	&users_module,		/* channels/users.c */
	&sel_module,		/* sel/ */
	&fru_module,		/* fru/ */
	&sensors_module,	/* sensors/ */
	&ipmb_module,		/* ipmb/: IPMB channels, bridging, satellites */
	&sdr_module,		/* sdr/: the repository made from sensors and satellites */
	&sessions_module,	/* channels/session.c */
	&kcs_module,		/* kcs/: the host's system interface */
	&pef_module,		/* pef/ */
	&host_module,		/* boards/: the host backend and its power sequencing */
	&chassis_module,	/* chassis/: chassis, watchdog, boot options, ACPI */
	&dcmi_module,		/* dcmi/ */
	&lanconf_module,	/* channels/lanconfig.c: LAN configuration parameters */
	&lan_module,		/* lan/: RMCP and RMCP+ on UDP */
	&sol_module,		/* sol/: Serial over LAN */
	&i2c_module,		/* i2c/: Master Write-Read */
	NULL,
};
