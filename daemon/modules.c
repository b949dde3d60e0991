/* SPDX-License-Identifier: MIT */
/*
 * The one list of bmcd's subsystems, in init order: a module comes after
 * every module it uses (sdr after sensors and ipmb, whose records it holds;
 * chassis after the host whose power it sequences; lan after everything its
 * commands reach).  Done runs in reverse.  The board-file sections are
 * parsed in this order too, so a section may check names defined by an
 * earlier one (dcmi and i2c name sensors and FRUs).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/bmc.h"
#include "daemon/log.h"
#include "daemon/module.h"
#include "daemon/pages.h"

extern const struct bmc_module identity_module, channels_module, users_module, sel_module,
	fru_module, sensors_module, ipmb_module, sdr_module, sessions_module, kcs_module,
	pef_module, host_module, watchdog_module, bootopt_module, chassis_module, acpi_module, dcmi_module, lanconf_module, lan_module,
	sol_module, redfish_module, dbus_module, i2c_module, thermal_module;

const struct bmc_module *const bmc_modules[] = {
	&identity_module,	/* daemon/identity.c: name, IDs, GUIDs, global enables */
	&channels_module,	/* channels/: the channel table and access */
	&users_module,		/* channels/users.c */
	&sel_module,		/* sel/ */
	&fru_module,		/* fru/ */
	&sessions_module,	/* channels/session.c */
	&kcs_module,		/* kcs/: the host's system interface */
	&pef_module,		/* pef/ */
	&host_module,		/* boards/: the host backend and its power sequencing */
	&sensors_module,	/* sensors/: after the host, to start from its power state */
	&thermal_module,	/* thermal/: fan zones on the sensors */
	&ipmb_module,		/* ipmb/: IPMB channels, bridging, satellites */
	&sdr_module,		/* sdr/: the repository made from sensors and satellites */
	&watchdog_module,	/* chassis/watchdog.c: the IPMI watchdog */
	&bootopt_module,	/* chassis/bootopt.c: system boot options */
	&chassis_module,	/* chassis/: chassis control and status, restore policy */
	&acpi_module,		/* chassis/acpi.c: the ACPI power state */
	&dcmi_module,		/* dcmi/ */
	&lanconf_module,	/* channels/lanconfig.c: LAN configuration parameters */
	&lan_module,		/* lan/: RMCP and RMCP+ on UDP */
	&sol_module,		/* sol/: Serial over LAN */
	&redfish_module,	/* redfish/: Redfish over HTTPS */
	&dbus_module,		/* dbus/: objects on D-Bus, after all they show */
	&i2c_module,		/* i2c/: Master Write-Read */
	NULL,
};

/* Modules that are up: [0, modules_up).  Events reach only those, so a
 * module is never told of anything before its init or after its done. */
#define EACH_UP(m, bmc) \
	for (const struct bmc_module *const *m = bmc_modules; m < bmc_modules + (bmc)->modules_up; m++)

/* The module's pointer member in struct bmc (MODULE_PART). */
static void **part(struct bmc *bmc, const struct bmc_module *m)
{
	return (void **)((char *)bmc + m->part_offset);
}

/*
 * The modules' parts (~70 kB: fan zones 32 kB, D-Bus 16 kB, the user table
 * 13 kB, PEF 6 kB, ...) are carved from one zeroed block per BMC
 * (daemon/pages.h): the pages a board leaves unused (no fan zones, no bus)
 * take no memory.  calloc'd one by one they came from the heap, zeroed
 * whole when it reused a hole.  Under AddressSanitizer each part is its
 * own allocation, so an overrun from one into the next is still caught.
 */
#if defined(__SANITIZE_ADDRESS__)
#define PARTS_APART 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PARTS_APART 1
#endif
#endif
#ifndef PARTS_APART
#define PARTS_APART 0
#endif

enum { PART_ALIGN = 64 };

static size_t part_end(size_t at, const struct bmc_module *m)
{
	return (at + m->part_size + PART_ALIGN - 1) / PART_ALIGN * PART_ALIGN;
}

static void *part_alloc(struct bmc *bmc, const struct bmc_module *m)
{
	size_t at = 0;

	if (PARTS_APART)
		return calloc(1, m->part_size);
	if (!bmc->parts) {
		for (const struct bmc_module *const *i = bmc_modules; *i; i++)
			at = part_end(at, *i);
		bmc->parts = pages_zalloc(at);
		if (!bmc->parts)
			return NULL;
		bmc->parts_size = at;
		at = 0;
	}
	for (const struct bmc_module *const *i = bmc_modules; *i != m; i++)
		at = part_end(at, *i);
	return (char *)bmc->parts + at;
}

static void module_done(struct bmc *bmc, const struct bmc_module *m)
{
	if (m->part_size && !*part(bmc, m))
		return;		/* never started */
	if (m->done)
		m->done(bmc);
	if (m->part_size) {
		if (PARTS_APART)
			free(*part(bmc, m));
		*part(bmc, m) = NULL;
	}
}

int bmc_modules_init(struct bmc *bmc)
{
	bmc->modules_up = 0;
	for (const struct bmc_module *const *m = bmc_modules; *m; m++) {
		int r = 0;

		if ((*m)->part_size) {
			*part(bmc, *m) = part_alloc(bmc, *m);
			if (!*part(bmc, *m))
				r = -ENOMEM;
		}
		if (r == 0 && (*m)->init)
			r = (*m)->init(bmc);
		if (r < 0) {
			log_error("%s: cannot start (%s)", (*m)->name, strerror(-r));
			/* What it did set up before failing, then the others. */
			module_done(bmc, *m);
			bmc_modules_done(bmc);
			return r;
		}
		bmc->modules_up++;
	}
	return 0;
}

void bmc_modules_done(struct bmc *bmc)
{
	while (bmc->modules_up > 0)
		module_done(bmc, bmc_modules[--bmc->modules_up]);
	pages_free(bmc->parts, bmc->parts_size);
	bmc->parts = NULL;
	bmc->parts_size = 0;
}

void bmc_modules_reset(struct bmc *bmc, bool cold)
{
	EACH_UP(m, bmc)
		if ((*m)->reset)
			(*m)->reset(bmc, cold);
}

void bmc_modules_tick(struct bmc *bmc, uint64_t now_usec)
{
	EACH_UP(m, bmc)
		if ((*m)->tick)
			(*m)->tick(bmc, now_usec);
}

/* Event fan-out: each listener in module order. */
#define FANOUT(hook, decl, ...) \
	void bmc_modules_##hook decl \
	{ \
		EACH_UP(m, bmc) \
			if ((*m)->hook) \
				(*m)->hook(__VA_ARGS__); \
	}

FANOUT(on_power, (struct bmc *bmc, enum power_event ev, enum restart_cause cause), bmc, ev, cause)
FANOUT(on_sel_event, (struct bmc *bmc, const uint8_t rec[16]), bmc, rec)
FANOUT(on_sensor_event, (struct bmc *bmc, const struct sensor_event *e), bmc, e)
FANOUT(on_session_free, (struct bmc *bmc, struct session *s), bmc, s)
FANOUT(on_session_unproven, (struct bmc *bmc, struct session *s), bmc, s)
FANOUT(on_pretimeout, (struct bmc *bmc), bmc)
