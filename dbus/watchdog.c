/* SPDX-License-Identifier: MIT */
/*
 * The IPMI watchdog on D-Bus, read-only for now, as phosphor-watchdog
 * names it: xyz.openbmc_project.State.Watchdog at
 * /xyz/openbmc_project/watchdog/host0.  It is set, started and stopped
 * over IPMI (App 22h, 24h); D-Bus shows what IPMI set.
 */
#include <string.h>

#include "chassis/watchdog.h"
#include "daemon/bmc.h"
#include "dbus/dbus.h"

#define WDT_PATH "/xyz/openbmc_project/watchdog/host0"
#define WDT_IFACE "xyz.openbmc_project.State.Watchdog"

/* By the IPMI codes: timer use (bits 2:0) and timeout action (bits 2:0). */
static const char *const uses[8] = {
	WDT_IFACE ".TimerUse.Reserved", WDT_IFACE ".TimerUse.BIOSFRB2",
	WDT_IFACE ".TimerUse.BIOSPOST", WDT_IFACE ".TimerUse.OSLoad",
	WDT_IFACE ".TimerUse.SMSOS", WDT_IFACE ".TimerUse.OEM",
	WDT_IFACE ".TimerUse.Reserved", WDT_IFACE ".TimerUse.Reserved",
};

static const char *const actions[8] = {
	WDT_IFACE ".Action.None", WDT_IFACE ".Action.HardReset",
	WDT_IFACE ".Action.PowerOff", WDT_IFACE ".Action.PowerCycle",
	WDT_IFACE ".Action.None", WDT_IFACE ".Action.None",
	WDT_IFACE ".Action.None", WDT_IFACE ".Action.None",
};

static int get_wdt(sd_bus *bus, const char *path, const char *iface, const char *prop,
		   sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	const struct watchdog *wd = ((struct dbus *)userdata)->bmc->wdt;

	if (!strcmp(prop, "Enabled"))
		return sd_bus_message_append(reply, "b", (int)wd->running);
	if (!strcmp(prop, "Initialized"))
		return sd_bus_message_append(reply, "b", (int)wd->initialized);
	if (!strcmp(prop, "Interval"))
		return sd_bus_message_append(reply, "t", (uint64_t)wd->initial * 100);
	if (!strcmp(prop, "TimeRemaining"))
		return sd_bus_message_append(reply, "t", (uint64_t)watchdog_present(wd) * 100);
	if (!strcmp(prop, "ExpireAction"))
		return sd_bus_message_append(reply, "s", actions[wd->actions & 7]);
	return sd_bus_message_append(reply, "s", uses[wd->use & 7]);
}

/* TimeRemaining changes all the time: read, never signalled. */
static const sd_bus_vtable wdt_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Enabled", "b", get_wdt, 0, EMITS),
	SD_BUS_PROPERTY("Initialized", "b", get_wdt, 0, EMITS),
	SD_BUS_PROPERTY("Interval", "t", get_wdt, 0, EMITS),
	SD_BUS_PROPERTY("TimeRemaining", "t", get_wdt, 0, 0),
	SD_BUS_PROPERTY("ExpireAction", "s", get_wdt, 0, EMITS),
	SD_BUS_PROPERTY("CurrentTimerUse", "s", get_wdt, 0, EMITS),
	SD_BUS_VTABLE_END,
};

/* What the signalled properties last showed, packed to compare. */
static uint64_t wdt_shown(const struct watchdog *wd)
{
	return (uint64_t)wd->running | (uint64_t)wd->initialized << 1 |
	       (uint64_t)(wd->actions & 7) << 2 | (uint64_t)(wd->use & 7) << 5 |
	       (uint64_t)wd->initial << 8;
}

int dbus_watchdog_add(struct dbus *d)
{
	if (!d->bmc->wdt)
		return 0;
	d->wdt_shown = wdt_shown(d->bmc->wdt);
	return sd_bus_add_object_vtable(d->bus, NULL, WDT_PATH, WDT_IFACE, wdt_vtable, d);
}

void dbus_watchdog_changed(struct dbus *d)
{
	uint64_t now;

	if (!d->bus || !d->bmc->wdt)
		return;
	now = wdt_shown(d->bmc->wdt);
	if (now == d->wdt_shown)
		return;
	d->wdt_shown = now;
	sd_bus_emit_properties_changed(d->bus, WDT_PATH, WDT_IFACE, "Enabled", "Initialized",
				       "Interval", "ExpireAction", "CurrentTimerUse", NULL);
}
