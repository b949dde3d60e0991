/* SPDX-License-Identifier: MIT */
/*
 * bmcd's state on D-Bus (docs/dbus.md): one sd-bus connection per BMC,
 * attached to the BMC's sd-event loop, that owns a well-known name and
 * publishes phosphor-dbus-interfaces objects.  Without a bus nothing here
 * runs; a bus that is unreachable or goes away is retried from the tick.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "chassis/power.h"
#include "channels/users_cfg.h"
#include "sensors/sensor_cfg.h"

/* A property whose changes are signalled (PropertiesChanged). */
#define EMITS SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE

/* An sd-bus fallback "find": the object at path exists when valid(userdata,
 * path) says so, and is served with the module's userdata. */
#define DBUS_FALLBACK_FIND(name, valid)							\
	static int name(sd_bus *bus, const char *path, const char *iface, void *userdata,	\
			void **ret_found, sd_bus_error *ret_error)				\
	{											\
		if (!valid(userdata, path))							\
			return 0;								\
		*ret_found = userdata;								\
		return 1;									\
	}

struct bmc;
struct sensor;

/* What a sensor's objects last published. */
struct dbus_sensor_shown {
	int16_t raw;			/* reading; -1: none */
	uint8_t status;			/* threshold comparison status */
	uint8_t thr[THR_COUNT];		/* raw thresholds */
};

/* A sensor's objects' userdata: the sensor, and the module for its writes. */
struct dbus_sensor_obj {
	struct dbus *d;
	struct sensor *s;
};

/* The inventory item sensors are associated with (inventory.c publishes
 * it): the system's chassis. */
#define DBUS_CHASSIS_PATH "/xyz/openbmc_project/inventory/system/chassis"

/* What an inventory object last published: a hash of what it shows, 0
 * while it is not there. */
#define DBUS_INVENTORY_SLOTS (3 * 8)	/* FRU areas x CFG_MAX_FRUS (inventory.c checks) */

/* A bit per SEL record ID. */
#define DBUS_SEL_WORDS (65536 / 64)

/* Seconds between two attempts to reach the bus: the first retry, then
 * doubled after each failure up to the most. */
#define DBUS_RETRY_S 1
#define DBUS_RETRY_MAX_S 16

/* What a user's object last showed (name "": none). */
struct dbus_user_shown {
	char name[CFG_NAME_MAX + 1];
	uint8_t priv;
	bool enabled, locked;
};

/* What the network objects last showed. */
struct dbus_net_shown {
	uint8_t mac[6];
	uint32_t addr, gateway;		/* network order */
	uint8_t prefix;
	uint8_t ip_source;
	uint16_t vlan;
};

struct dbus {
	struct bmc *bmc;
	sd_bus *bus;			/* NULL while not connected */
	char address[256];		/* what to connect to; "" when there is no bus */
	bool warned;			/* the bus being unreachable was logged */
	/* What the objects last published, to signal only changes. */
	const char *host_shown, *power_shown;
	/* The last transitions requested over D-Bus (the properties read
	 * back what was written, as phosphor-state-manager's do). */
	const char *host_requested, *power_requested, *bmc_requested;
	struct dbus_sensor_shown sensor_shown[CFG_MAX_SENSORS];
	struct dbus_sensor_obj sensor_obj[CFG_MAX_SENSORS];
	uint64_t inventory_shown[DBUS_INVENTORY_SLOTS];
	uint64_t sel_shown[DBUS_SEL_WORDS];	/* SEL entries published */
	uint64_t wdt_shown;		/* the watchdog's signalled properties */
	uint8_t boot_shown[5];		/* the boot flags (BOOTOPT_FLAGS_LEN) */
	struct dbus_user_shown user_shown[CFG_MAX_USERS + 1];	/* by user ID */
	uint8_t identify_shown;		/* chassis identify: 0 off, 1 timed, 2 forced */
	uint64_t started_ms;		/* the realtime clock at start (LastRebootTime) */
	struct dbus_net_shown net_shown;	/* the LAN channel's settings */
	uint16_t fan_manual_shown, fan_failsafe_shown;	/* a bit per thermal zone */
	sd_event_source *retry;		/* the next connection attempt */
	unsigned retry_s;		/* its delay, doubled up to DBUS_RETRY_MAX_S */
};

/* bus.c: the connection. */
int dbus_start(struct dbus *d, struct bmc *bmc);
/* 0, or AccessDenied (negative) when the board makes the tree read-only. */
int dbus_refuse_read_only(const struct dbus *d, sd_bus_error *ret_error);
void dbus_stop(struct dbus *d);
void dbus_tick(struct dbus *d, uint64_t now_usec);

/* state.c: host and chassis power objects. */
int dbus_state_add(struct dbus *d);
/* Publish what changed since the last call (PropertiesChanged). */
void dbus_state_changed(struct dbus *d);

/* sensors.c: the board's threshold sensors. */
int dbus_sensors_add(struct dbus *d);
void dbus_sensors_changed(struct dbus *d);
/* The published sensor at an object path, or NULL. */
struct sensor *dbus_sensor_find(struct dbus *d, const char *path);

/* inventory.c: the FRU devices' areas as inventory items. */
int dbus_inventory_add(struct dbus *d);
void dbus_inventory_changed(struct dbus *d);

/* watchdog.c: the IPMI watchdog, read-only. */
int dbus_watchdog_add(struct dbus *d);
void dbus_watchdog_changed(struct dbus *d);

/* boot.c: the boot flags as boot source and mode. */
int dbus_boot_add(struct dbus *d);
void dbus_boot_changed(struct dbus *d);

/* users.c: the user table, read-only. */
int dbus_users_add(struct dbus *d);
void dbus_users_changed(struct dbus *d);

/* logging.c: the SEL's records as log entries. */
int dbus_logging_add(struct dbus *d);
void dbus_logging_changed(struct dbus *d);

/* led.c: the chassis identify LED group. */
int dbus_led_add(struct dbus *d);
void dbus_led_changed(struct dbus *d);

/* network.c: the LAN channel's interface settings, read-only. */
int dbus_network_add(struct dbus *d);
/* thermal.c: fan zones (Control.Mode) */
int dbus_thermal_add(struct dbus *d);
void dbus_thermal_changed(struct dbus *d);
void dbus_network_changed(struct dbus *d);
