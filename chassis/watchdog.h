/* SPDX-License-Identifier: MIT */
/*
 * The BMC watchdog timer (IPMI 2.0 chapter 27): Reset (App 22h), Set (App
 * 24h) and Get (App 25h) Watchdog Timer.  The countdown runs on the
 * monotonic clock: one sd-event timer armed for the next thing that
 * happens (the pre-timeout point or the expiry), and the present countdown
 * computed from the deadline when someone asks.  On expiry the action goes
 * through the power state machine with restart cause "watchdog".
 *
 * Host power: the timer stops when the host powers down (the spec: "the
 * watchdog timer is stopped whenever the system is powered down; a command
 * must be sent to start the timer after the system powers up"), including
 * the off half of a power cycle.  A system reset does not stop it: the spec
 * names only power down, and the Linux ipmi_watchdog driver arms a long
 * timeout before a reboot to catch one that hangs.  A reset clears the
 * "don't log" bit, as the spec says of every hard reset and every timeout.
 * Power on never starts the timer.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "chassis/power.h"
#include "daemon/buf.h"

struct bmc;
struct ipmi_req;
struct sel;

enum {				/* Set/Get byte 1: timer use */
	WDT_USE_MASK = 0x07,
	WDT_USE_RESERVED = 0x38,
	WDT_USE_RUNNING = 0x40,		/* Get: timer running; Set: don't stop */
	WDT_USE_DONT_LOG = 0x80,
};

enum wdt_use {
	WDT_USE_FRB2 = 1,
	WDT_USE_POST = 2,
	WDT_USE_OS_LOAD = 3,
	WDT_USE_SMS_OS = 4,
	WDT_USE_OEM = 5,
};

enum {				/* byte 2: timer actions */
	WDT_ACTION_MASK = 0x07,
	WDT_PRE_SHIFT = 4,
	WDT_PRE_MASK = 0x70,
	WDT_ACTIONS_RESERVED = 0x88,
};

enum wdt_action {
	WDT_ACTION_NONE = 0,
	WDT_ACTION_RESET = 1,
	WDT_ACTION_POWER_DOWN = 2,
	WDT_ACTION_POWER_CYCLE = 3,
};

enum wdt_pre {
	WDT_PRE_NONE = 0,
	WDT_PRE_SMI = 1,
	WDT_PRE_NMI = 2,
	WDT_PRE_MSG = 3,
};

/* Byte 4 (Set: flags to clear; Get: flags): bit n is timer use n. */
#define WDT_FLAGS_RESERVED 0xc1

#define WDT_CC_UNINITIALIZED 0x80	/* Reset: attempt to start un-initialized watchdog */

/* What Set Watchdog Timer carries, decoded. */
struct wdt_settings {
	uint8_t use;			/* byte 1 as sent */
	uint8_t actions;		/* byte 2 */
	uint8_t pretimeout_s;		/* byte 3: seconds before expiry */
	uint8_t clear_flags;		/* byte 4: expiration flags to clear */
	uint16_t countdown;		/* bytes 5-6: 100 ms units */
};

struct watchdog {
	sd_event *ev;
	struct power *power;
	struct sel *sel;		/* where expiry events are logged; NULL: nowhere */
	/* The pre-timeout interrupt reached the host (KCS message flag bit 3). */
	void (*on_pretimeout)(void *userdata);
	void *pretimeout_userdata;
	sd_event_source *timer;
	uint8_t use;			/* don't log (bit 7) and timer use (2:0) */
	uint8_t actions;
	uint8_t pretimeout_s;
	uint8_t expired;		/* timer use expiration flags */
	uint16_t initial;		/* initial countdown, 100 ms units */
	uint16_t stopped_at;		/* present countdown while stopped */
	bool initialized;		/* a Set has been accepted since start */
	bool running;
	bool pretimeout_done;		/* the pre-timeout interrupt has fired */
	uint64_t deadline_usec;		/* CLOCK_MONOTONIC: countdown reaches 0 */
};

void watchdog_init(struct watchdog *wd, sd_event *ev, struct power *power);
void watchdog_done(struct watchdog *wd);
/* Cold reset: stopped and back to its start-up state (never set, so Reset
 * Watchdog Timer gets 80h); the links to power, SEL and KCS stay. */
void watchdog_reset_volatile(struct watchdog *wd);
/* Follow the host: stop on power down, clear "don't log" on reset. */
void watchdog_on_power_event(struct watchdog *wd, enum power_event ev);

/* 0, or -EINVAL for a reserved value or an impossible pre-timeout. */
int watchdog_set(struct watchdog *wd, const struct wdt_settings *s);
/* Start or restart from the initial countdown: 0, -ENODATA if never set,
 * -EBUSY once the pre-timeout interrupt has fired (only Set stops it). */
int watchdog_reset(struct watchdog *wd);
/* Present countdown, 100 ms units. */
uint16_t watchdog_present(const struct watchdog *wd);
/* The Get Watchdog Timer response data (8 bytes). */
void watchdog_get(const struct watchdog *wd, struct wbuf *w);

const char *watchdog_use_name(unsigned use);
const char *watchdog_action_name(unsigned action);
const char *watchdog_pre_name(unsigned pre);

/* App netfn handlers (table in channels/app.c). */
int watchdog_cmd_reset(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int watchdog_cmd_set(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int watchdog_cmd_get(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
