/* SPDX-License-Identifier: MIT */
/*
 * Sensors: the board's sensors polled in the event loop (docs/sensors.md).
 *
 * Each sensor has its own timer.  A read that fails marks only that sensor
 * "reading unavailable", is logged once, and is retried at the next poll.
 * Reads never block: hwmon and override files are opened O_NONBLOCK, I2C
 * adapters get a 100 ms timeout and no retries.  Threshold sensors work in
 * raw counts of the SDR conversion (sensors/conv.h), so what IPMI clients
 * see and what raises events are the same numbers.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "daemon/config.h"
#include "i2c/dev.h"
#include "sensors/conv.h"

#define SENSOR_NUM_BOARD_MAX CFG_MAX_SENSORS

/* Threshold event offsets (IPMI 2.0 table 42-2): going low / going high. */
#define THR_EV_LOW(t) (2 * (t))
#define THR_EV_HIGH(t) (2 * (t) + 1)

struct sensors;

struct sensor {
	struct sensors *owner;
	const struct cfg_sensor *cfg;	/* in the board config (struct bmc owns it) */
	uint8_t number;
	struct conv conv;		/* threshold sensors */
	uint8_t raw;			/* threshold: last reading */
	uint16_t state;			/* discrete: asserted states */
	bool valid;			/* a reading was taken since start */
	bool polled;			/* the first poll (at start) is done */
	bool unavailable;		/* the last read failed */
	bool scanning;			/* Set Sensor Event Enable bit 6 */
	bool events;			/* bit 7 */
	uint8_t thr[THR_COUNT];		/* raw */
	uint8_t thr_present;		/* readable thresholds */
	uint8_t thr_settable;
	uint8_t hyst_pos, hyst_neg;	/* raw counts */
	uint16_t assert_sup, deassert_sup;	/* events the sensor can raise */
	uint16_t assert_en, deassert_en;	/* ... and which are enabled */
	uint16_t asserted;		/* event offsets asserted now */
	uint16_t deasserted;		/* deassertions since the last re-arm */
	sd_event_source *timer;
	/* sim with "off": the move between the off (0) and on (1) values
	 * since the host power change the sensor last took in */
	unsigned sim_gen;		/* that change (struct sensors host_gen) */
	bool sim_seg_on;		/* moving toward on */
	uint64_t sim_seg_usec;		/* since (CLOCK_MONOTONIC) */
	double sim_level0;		/* from this level */
	char path[256];			/* hwmon: the resolved *_input file */
	struct i2c_dev i2c;		/* source "i2c": the device (open between polls) */
	struct i2c_backoff i2c_backoff;	/* ... left alone after it held the bus */
	/* source "dbus": the last value pushed, and when (CLOCK_MONOTONIC) */
	bool pushed;			/* a value was pushed (and not withdrawn) */
	double pushed_value;
	uint64_t pushed_usec;
};

/* Where events go: the BMC's event receiver (bmc.c logs them to the SEL). */
typedef void (*sensor_event_fn)(void *userdata, const struct sensor *s, bool deassert,
				uint8_t ed1, uint8_t ed2, uint8_t ed3);

struct sensors {
	sd_event *ev;
	const char *hwmon_root;
	int sim_fd;			/* directory of sim overrides, or -1 */
	struct sensor *s;		/* n entries, board order */
	unsigned n;
	struct sensor *by_num[256];
	uint8_t evr_addr, evr_lun;	/* Set/Get Event Receiver; FFh: no events */
	sensor_event_fn emit;
	void *emit_userdata;
	/* The host's power (power good), which sim sensors with an "off"
	 * value follow; a satellite's list reads its main list's. */
	const struct sensors *host;	/* NULL: this one */
	bool host_on;
	uint64_t host_usec;		/* of the last change (CLOCK_MONOTONIC) */
	unsigned host_gen;		/* 0: not known yet (sensors read as on) */
};

int sensors_init(struct sensors *ss, sd_event *ev, const struct board_config *cfg, int state_fd);
/* Another controller's sensors (a simulated satellite, ipmb/): the list is
 * polled in the same loop, with the same sim override directory as 'main'. */
int sensors_init_list(struct sensors *ss, const struct sensors *main, const struct cfg_sensor *list,
		      unsigned n);
void sensors_done(struct sensors *ss);
/* Cold reset: thresholds, hysteresis, scanning and event enables set over
 * IPMI go back to the board file's. */
void sensors_reset_volatile(struct sensors *ss);
struct sensor *sensors_find(struct sensors *ss, uint8_t number);
/* The host's power good changed (or, the first time, is known): sim
 * sensors with an "off" value move toward it from now. */
void sensors_host_power(struct sensors *ss, bool on);
/* Poll one sensor now (tests, and the timer). */
void sensor_poll(struct sensor *s);
/* Threshold changes made over IPMI: re-evaluate at once. */
void sensor_rearm(struct sensor *s, uint16_t assert_mask, uint16_t deassert_mask);
/*
 * Set Sensor Thresholds' checks and effect, for IPMI and D-Bus: the
 * thresholds in mask (a bit per enum thr) to the raw values v[] (the others
 * ignored), logged as set by 'by'.  0; -ENOTTY not a threshold sensor;
 * -EPERM a threshold in mask the sensor cannot set; -EDOM the result would
 * not keep lnr <= lc <= lnc < unc <= uc <= unr.  Nothing changes on error.
 * Volatile, as IPMI's: a cold reset or a restart brings the board's back.
 */
int sensor_set_thresholds(struct sensor *s, uint8_t mask, const uint8_t v[THR_COUNT], const char *by);
/*
 * A reading pushed by another program (source "dbus"), in the sensor's
 * unit: taken at once, as a poll takes one (events included).  NaN
 * withdraws it (reading unavailable).  0; -ENOTTY not a "dbus" sensor;
 * -ERANGE outside the sensor's min..max (nothing changes).
 */
int sensor_push(struct sensor *s, double v);
/* Threshold comparison status (Get Sensor Reading byte 3, bits 0-5). */
uint8_t sensor_thr_status(const struct sensor *s);
