/* SPDX-License-Identifier: MIT */
/*
 * Chassis state that outlives a command: power restore policy, the last
 * power state (for "previous" after AC loss), the power-on-hours counter,
 * front panel enables, chassis identify.  Persisted in the state dir as
 * "chassis".
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "chassis/power.h"
#include "daemon/config.h"

struct bmc;

/* Chassis capabilities flags (Get/Set Chassis Capabilities): bit 1 front
 * panel lockout, bit 0 intrusion sensor are settable; the rest reserved. */
#define CHASSIS_CAP_SETTABLE_FLAGS 0x03
#define CHASSIS_CAP_DEFAULT_FLAGS 0x02

struct chassis {
	enum cfg_restore_policy policy;
	bool was_on;			/* power state before bmcd last stopped */
	bool ac_failed;			/* bmcd started with the host off that was on */
	uint32_t poh_minutes;		/* minutes the host has been on */
	uint64_t on_since_usec;		/* when the current on-period began (0: off) */
	uint8_t front_panel;		/* Set Front Panel Enables: bits set = disabled */
	uint8_t identify;		/* 0 off, 1 timed, 2 forced on */
	uint8_t restart_channel;	/* channel of the command behind the last restart */
	bool cycle_interval_set;	/* Set Power Cycle Interval was used (else: the board's) */
	uint8_t cycle_interval_s;	/* its value, seconds (0: no wait) */
	uint8_t cap_flags;		/* Set Chassis Capabilities: bit 1 front panel lockout, bit 0 intrusion */
	uint8_t cap_addr[4];		/* FRU info, SDR, SEL, system management device addresses */
	bool cap_bridge_set;		/* a bridge device address was set (Get reports it) */
	uint8_t cap_bridge;
	sd_event_source *identify_timer;
	sd_event_source *poh_timer;
};

/* Load the persisted state (or the board's defaults) and apply the
 * restore policy: may power the host on. */
int chassis_init(struct bmc *bmc);
void chassis_done(struct bmc *bmc);
void chassis_on_power_event(struct bmc *bmc, enum power_event ev, enum restart_cause cause);
/* Persist the state now (after a Set command changed it). */
void chassis_save(struct bmc *bmc);
/* Chassis identify, as the IPMI command sets it: on until turned off
 * (force), on for interval_s seconds, or off (interval_s 0).  -errno if
 * the timer could not be set (logged). */
int chassis_set_identify(struct bmc *bmc, unsigned interval_s, bool force);
/* Minutes of power-on time, including the current on-period. */
uint32_t chassis_poh_minutes(struct bmc *bmc);
