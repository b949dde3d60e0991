/* SPDX-License-Identifier: MIT */
/*
 * Sensors as the board file describes them (section "sensors", parsed by
 * sensors/sensor_cfg.c).  See docs/sensors.md.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define CFG_MAX_SENSORS 223		/* board sensor numbers 1..DFh; E0h.. are the BMC's own */
#define SENSOR_NAME_MAX 16		/* SDR ID string */

enum sensor_src {
	SRC_SIM,			/* a moving value (sim board), overridable by tests */
	SRC_HWMON,			/* /sys/class/hwmon/hwmonN/<channel>_input */
	SRC_I2C,			/* a raw SMBus register through libi2c */
	SRC_DBUS,			/* pushed by another program over D-Bus (dbus/sensors.c) */
};

enum thr {				/* threshold index: Get Sensor Thresholds bit order */
	THR_LNC, THR_LC, THR_LNR, THR_UNC, THR_UC, THR_UNR, THR_COUNT
};

struct cfg_sensor {
	char name[SENSOR_NAME_MAX + 1];
	uint8_t number;			/* 1..254 */
	uint8_t type;			/* sensor type code (01h temperature, ...) */
	uint8_t event_type;		/* event/reading type: 01h threshold, 6Fh sensor-specific, ... */
	uint8_t entity_id;
	uint8_t entity_instance;
	uint8_t unit;			/* base unit code (01h degrees C, 04h volts, 12h RPM, ...) */
	bool threshold;			/* an analog threshold sensor (event_type 01h) */
	double min, max;		/* engineering range the reading can take */
	double thr[THR_COUNT];		/* engineering units */
	uint8_t thr_present;		/* bit per enum thr */
	uint8_t thr_settable;		/* bit per enum thr */
	double hysteresis;		/* engineering units, both directions */
	uint16_t states;		/* discrete: states (offsets) this sensor can assert */
	unsigned poll_ms;		/* default 1000 */

	enum sensor_src src;
	/* sim */
	double sim_value;		/* threshold: centre value; discrete: initial state mask */
	double sim_swing;		/* threshold: +/- amplitude of the slow wave */
	bool sim_has_off;		/* threshold: follows the host's power ("off") */
	double sim_off;			/* ... the value with the host off (no wave) */
	double sim_settle_s;		/* ... time constant of the move, s (0: at once) */
	/* hwmon */
	char hwmon_name[32];		/* the hwmon device's "name", e.g. "lm75" */
	char hwmon_device[32];		/* optional: its device, e.g. "8-004d" */
	char hwmon_channel[16];		/* e.g. "temp1", "in2", "fan1" */
	/* i2c */
	uint8_t i2c_bus, i2c_addr, i2c_reg, i2c_width;	/* width 1 or 2 bytes */
	bool i2c_big_endian;
	bool i2c_signed;
	/* dbus: a pushed value older than this is no reading (0: never) */
	double timeout_s;
	/* hwmon and i2c: value = raw * scale + offset */
	double scale, offset;
};

struct board_config;
struct json_object;
struct pctx;

/* The board-file hooks of its module (struct bmc_module). */
void sensors_defaults(struct board_config *cfg);
void sensors_parse_config(struct pctx *c, struct json_object *root, struct board_config *cfg);
/* The "sensors" array of obj (path parent) into list (at most max).  A
 * satellite's list passes the BMC's own sensors (bmc, n_bmc): their numbers
 * are refused, and skipped when numbering. */
void sensors_parse_list(struct pctx *c, struct json_object *obj, const char *parent,
			struct cfg_sensor *list, unsigned max, unsigned *count,
			const struct cfg_sensor *bmc, unsigned n_bmc);
