/* SPDX-License-Identifier: MIT */
/*
 * DCMI: the Data Center Manageability Interface (DCMI 1.5), group extension
 * commands in netfn 2Ch whose first data byte is the defining body DCh.
 * docs/dcmi.md.
 *
 * The system power is the sum of the board sensors the board file names
 * (section "dcmi"), sampled by a timer in the event loop into a rolling
 * window (struct dcmi_stats) that Get Power Reading reports.  A power
 * limit, the asset tag, the management controller ID string and the DHCP
 * discovery parameters are kept in the state directory (file "dcmi").
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "dcmi/dcmi_cfg.h"

#define DCMI_GROUP_ID 0xdc		/* defining body of the group extension */
#define DCMI_FILE "dcmi"
#define DCMI_NO_SAMPLE 0xffff		/* a slot of the window without a reading */

/* The rolling window: one slot per sampling interval, oldest overwritten. */
struct dcmi_stats {
	uint16_t *ring;			/* watts, or DCMI_NO_SAMPLE */
	unsigned cap;			/* slots in the window */
	unsigned head;			/* next slot to write */
	unsigned filled;		/* slots written so far, at most cap */
};

struct dcmi_reading {
	bool valid;			/* the newest slot has a reading */
	uint16_t cur, min, max, avg;	/* watts; min/max/avg over the readings in the window */
	unsigned n_readings;		/* slots with a reading */
	unsigned n_slots;		/* slots the window covers so far */
};

/* 0 or -ENOMEM; cap 1..DCMI_SAMPLES_MAX. */
int dcmi_stats_init(struct dcmi_stats *st, unsigned cap);
void dcmi_stats_free(struct dcmi_stats *st);
/* One sampling interval: watts (clamped below DCMI_NO_SAMPLE), or
 * DCMI_NO_SAMPLE when there was no reading. */
void dcmi_stats_add(struct dcmi_stats *st, uint32_t watts);
void dcmi_stats_get(const struct dcmi_stats *st, struct dcmi_reading *out);

/* Power limit exceptions: the limit must be exceeded for the whole
 * correction time before the action is taken, and once per excursion. */
struct dcmi_excursion {
	bool over;			/* above the limit now */
	bool acted;			/* the action for this excursion was taken */
	uint64_t since_ms;		/* when it went above */
};

/* Feed one reading; true when the exception action is due now. */
bool dcmi_excursion_step(struct dcmi_excursion *e, uint64_t now_ms, bool valid, uint32_t watts,
			 uint32_t limit, uint32_t correction_ms);

enum {					/* exception actions (Set Power Limit) */
	DCMI_ACTION_NONE = 0x00,
	DCMI_ACTION_POWER_OFF = 0x01,	/* hard power off and log to the SEL */
	DCMI_ACTION_SEL = 0x11,		/* log to the SEL only */
};

struct dcmi_persist {			/* what the state file keeps */
	uint8_t asset_tag[DCMI_STRING_MAX];
	uint8_t asset_tag_len;
	uint8_t mc_id[DCMI_STRING_MAX];
	uint8_t mc_id_len;
	bool limit_active;
	uint8_t action;
	uint16_t limit_w;
	uint32_t correction_ms;
	uint16_t sampling_s;
	uint8_t discovery;		/* configuration parameter 2 */
	uint8_t dhcp_initial_s;		/* parameter 3 */
	uint16_t dhcp_timeout_s;	/* parameter 4 */
	uint16_t dhcp_retry_s;		/* parameter 5 */
};

struct bmc;
struct sensor;

struct dcmi {
	struct bmc *bmc;
	int dirfd;
	struct sensor *power[DCMI_POWER_SENSORS_MAX];
	unsigned n_power;
	uint16_t limit_max_w;		/* the most the power sensors can read */
	struct dcmi_stats stats;
	struct dcmi_excursion exc;
	struct dcmi_persist p;
	sd_event_source *timer;
};

/* After sensors, the SEL and the power state machine.  0 or -errno. */
int dcmi_init(struct bmc *bmc);
void dcmi_done(struct bmc *bmc);
/* Take one power sample now (the timer; tests). */
void dcmi_sample(struct dcmi *d, uint64_t now_ms);

/* State file image (exposed for the unit test): encode into buf (size
 * DCMI_STATE_LEN), decode: 0 or -EINVAL. */
#define DCMI_STATE_LEN 151
void dcmi_state_encode(const struct dcmi_persist *p, uint8_t *buf);
int dcmi_state_decode(struct dcmi_persist *p, const uint8_t *buf, unsigned len);
