/* SPDX-License-Identifier: MIT */
/*
 * Chassis identify as OpenBMC's LED group: xyz.openbmc_project.Led.Group
 * at /xyz/openbmc_project/led/groups/enclosure_identify.  Asserted is
 * true while identify is on, forced or timed (IPMI Chassis Identify with
 * an interval); writing true forces it on, false turns it off, through
 * chassis_set_identify(), the Chassis Identify command's body.  A change
 * made over IPMI, or a timed identify running out, is signalled from the
 * tick.
 */
#include <string.h>

#include "chassis/chassis.h"
#include "daemon/bmc.h"
#include "daemon/log.h"
#include "dbus/dbus.h"

#define LED_PATH "/xyz/openbmc_project/led/groups/enclosure_identify"
#define LED_IFACE "xyz.openbmc_project.Led.Group"

static int get_asserted(sd_bus *bus, const char *path, const char *iface, const char *prop,
			sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	const struct dbus *d = userdata;

	return sd_bus_message_append(reply, "b", (int)(d->bmc->chassis->identify != 0));
}

static int set_asserted(sd_bus *bus, const char *path, const char *iface, const char *prop,
			sd_bus_message *value, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;
	int on, r;

	r = sd_bus_message_read(value, "b", &on);
	if (r >= 0)
		r = dbus_refuse_read_only(d, ret_error);
	if (r < 0)
		return r;
	log_info("dbus: enclosure_identify %s", on ? "asserted" : "deasserted");
	r = chassis_set_identify(d->bmc, 0, on);
	if (r < 0)
		return sd_bus_error_set_errnof(ret_error, r, "chassis identify: %s", strerror(-r));
	dbus_led_changed(d);
	return 0;
}

static const sd_bus_vtable led_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_WRITABLE_PROPERTY("Asserted", "b", get_asserted, set_asserted, 0, EMITS),
	SD_BUS_VTABLE_END,
};

int dbus_led_add(struct dbus *d)
{
	if (!d->bmc->chassis)
		return 0;
	d->identify_shown = d->bmc->chassis->identify;
	return sd_bus_add_object_vtable(d->bus, NULL, LED_PATH, LED_IFACE, led_vtable, d);
}

/* Asserted changed (IPMI, the interval running out, D-Bus): signalled.
 * Timed and forced are both asserted: a move between them is not. */
void dbus_led_changed(struct dbus *d)
{
	uint8_t now;
	int r;

	if (!d->bus || !d->bmc->chassis)
		return;
	now = d->bmc->chassis->identify;
	if ((now != 0) == (d->identify_shown != 0)) {
		d->identify_shown = now;
		return;
	}
	d->identify_shown = now;
	r = sd_bus_emit_properties_changed(d->bus, LED_PATH, LED_IFACE, "Asserted", NULL);
	if (r < 0)
		log_debug("dbus: Asserted changed, not signalled: %s", strerror(-r));
}
