/* SPDX-License-Identifier: MIT */
/*
 * The D-Bus connection: made at start when the board names a bus, attached
 * to the BMC's event loop (no threads), and made again from a timer when
 * it could not be made or was lost (the bus daemon restarted): after
 * DBUS_RETRY_S, then twice as long after each failure, up to
 * DBUS_RETRY_MAX_S.  A new connection publishes the objects again and asks
 * for the name again.  IPMI never waits for it: a missing or dead bus is a
 * warning in the log, never an error of the BMC.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/bmc.h"
#include "daemon/log.h"
#include "dbus/dbus.h"

/* The name request's answer: logged, since a second bmcd (or a policy
 * that lets only root own the name) leaves this one serving without it,
 * by its unique name only, or queued to own it when the owner leaves. */
static int on_name_reply(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;
	const sd_bus_error *e = sd_bus_message_get_error(m);
	uint32_t answer = 0;

	if (e) {
		log_warning("dbus: cannot own %s: %s", d->bmc->cfg.dbus.name, e->message);
		return 0;
	}
	if (sd_bus_message_read(m, "u", &answer) < 0 || (answer != 1 && answer != 4))
		log_warning("dbus: %s is owned by another connection (answer %u); queued for it",
			    d->bmc->cfg.dbus.name, answer);
	else
		log_info("dbus: owns %s", d->bmc->cfg.dbus.name);
	return 0;
}

static int bus_open(struct dbus *d, sd_bus **ret)
{
	sd_bus *bus = NULL;
	int r;

	if (!strcmp(d->address, "system")) {
		r = sd_bus_open_system(&bus);
	} else {
		r = sd_bus_new(&bus);
		if (r >= 0)
			r = sd_bus_set_address(bus, d->address);
		if (r >= 0)
			r = sd_bus_set_bus_client(bus, 1);
		if (r >= 0)
			r = sd_bus_start(bus);
	}
	if (r < 0) {
		sd_bus_unref(bus);
		return r;
	}
	*ret = bus;
	return 0;
}

static void schedule_retry(struct dbus *d);

/* sd-bus's own signal that the connection is gone (the bus daemon died):
 * logged now; the connection is dropped and made again from the timer,
 * outside sd-bus's dispatch. */
static int on_message(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;

	if (!sd_bus_message_is_signal(m, "org.freedesktop.DBus.Local", "Disconnected") || d->retry)
		return 0;
	log_warning("dbus: lost the connection to %s (reconnecting)", d->address);
	d->warned = true;
	d->retry_s = DBUS_RETRY_S;
	schedule_retry(d);
	return 0;
}

/* The object groups, each publishing its objects on a new connection. */
static int (*const object_groups[])(struct dbus *d) = {
	dbus_state_add, dbus_sensors_add, dbus_logging_add, dbus_watchdog_add, dbus_boot_add,
	dbus_users_add, dbus_inventory_add, dbus_led_add, dbus_network_add,
	dbus_thermal_add,
};

/* Connect, publish the objects and ask for the name (its answer comes
 * through the loop).  Nothing of a failed attempt is kept. */
static int bus_connect(struct dbus *d)
{
	int r = bus_open(d, &d->bus);

	if (r < 0)
		return r;
	r = sd_bus_attach_event(d->bus, d->bmc->ev, SD_EVENT_PRIORITY_NORMAL);
	if (r >= 0)
		r = sd_bus_add_filter(d->bus, NULL, on_message, d);
	for (size_t i = 0; r >= 0 && i < sizeof(object_groups) / sizeof(object_groups[0]); i++)
		r = object_groups[i](d);
	if (r >= 0)
		r = sd_bus_request_name_async(d->bus, NULL, d->bmc->cfg.dbus.name,
					      SD_BUS_NAME_QUEUE, on_name_reply, d);
	if (r < 0)
		d->bus = sd_bus_close_unref(d->bus);
	return r;
}

static void try_connect(struct dbus *d)
{
	int r = bus_connect(d);

	if (r >= 0) {
		log_info("dbus: connected to %s", d->address);
		d->warned = false;
		d->retry_s = DBUS_RETRY_S;
		return;
	}
	if (d->warned)
		log_debug("dbus: %s still unreachable: %s (next try in %u s)", d->address, strerror(-r),
			  d->retry_s);
	else
		log_warning_errno(r, "dbus: cannot reach %s (retrying after %d s, then less often)",
				  d->address, DBUS_RETRY_S);
	d->warned = true;
	schedule_retry(d);
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct dbus *d = userdata;

	d->retry = sd_event_source_disable_unref(d->retry);
	d->bus = sd_bus_close_unref(d->bus);
	try_connect(d);
	return 0;
}

/* The next attempt, retry_s from now; the one after waits twice as long.
 * A timer that cannot be made leaves it to the tick. */
static void schedule_retry(struct dbus *d)
{
	int r;

	if (d->retry)
		return;
	r = sd_event_add_time_relative(d->bmc->ev, &d->retry, CLOCK_MONOTONIC,
				       d->retry_s * 1000000ULL, 100000, on_retry, d);
	if (r < 0) {
		log_debug("dbus: no retry timer: %s", strerror(-r));
		return;
	}
	d->retry_s = d->retry_s * 2 > DBUS_RETRY_MAX_S ? DBUS_RETRY_MAX_S : d->retry_s * 2;
}

/* The address without its "guid=" keys: they name one run of the bus
 * daemon, and a restarted one must be reconnected to all the same. */
static void drop_guids(char *a)
{
	char *g = a;

	while ((g = strstr(g, "guid=")) != NULL) {
		char *end = g + strcspn(g, ",;");

		if (g == a || (g[-1] != ',' && g[-1] != ':')) {
			g = end;	/* inside another key's value */
			continue;
		}
		if (g[-1] == ',')
			g--;		/* its separator goes with it */
		else if (*end == ',')
			end++;		/* first key: the next one's separator */
		memmove(g, end, strlen(end) + 1);
	}
}

int dbus_start(struct dbus *d, struct bmc *bmc)
{
	const char *bus = bmc->cfg.dbus.bus;
	struct timespec now;

	d->bmc = bmc;
	if (clock_gettime(CLOCK_REALTIME, &now) == 0)
		d->started_ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
	if (!bus[0])
		bus = access(DBUS_SYSTEM_SOCKET, F_OK) == 0 ? "system" : "none";
	if (!strcmp(bus, "none"))
		return 0;
	snprintf(d->address, sizeof(d->address), "%s", bus);
	drop_guids(d->address);
	d->retry_s = DBUS_RETRY_S;
	try_connect(d);
	return 0;
}

void dbus_stop(struct dbus *d)
{
	/* Not flushed: a connection still saying Hello would block the exit. */
	d->retry = sd_event_source_disable_unref(d->retry);
	d->bus = sd_bus_close_unref(d->bus);
}

void dbus_tick(struct dbus *d, uint64_t now_usec)
{
	if (!d->address[0])
		return;
	if (d->bus && sd_bus_is_open(d->bus) > 0) {
		/* Transitions no power event marks (a press started), and
		 * sensor readings, SEL records, the watchdog, boot flags, users. */
		dbus_state_changed(d);
		dbus_sensors_changed(d);
		dbus_logging_changed(d);
		dbus_watchdog_changed(d);
		dbus_boot_changed(d);
		dbus_users_changed(d);
		dbus_inventory_changed(d);
		dbus_led_changed(d);
		dbus_network_changed(d);
		dbus_thermal_changed(d);
		return;
	}
	if (d->retry)
		return;		/* the timer runs the next attempt */
	/* A connection gone without its Disconnected signal, or a retry
	 * timer that could not be made. */
	if (d->bus) {
		log_warning("dbus: lost the connection to %s (reconnecting)", d->address);
		d->bus = sd_bus_close_unref(d->bus);
		d->warned = true;
		d->retry_s = DBUS_RETRY_S;
	}
	schedule_retry(d);
	if (!d->retry)
		try_connect(d);
}

int dbus_refuse_read_only(const struct dbus *d, sd_bus_error *ret_error)
{
	if (!d->bmc->cfg.dbus.read_only)
		return 0;
	return sd_bus_error_setf(ret_error, SD_BUS_ERROR_ACCESS_DENIED,
				 "bmcd's objects are read-only (board file: dbus.read_only)");
}
