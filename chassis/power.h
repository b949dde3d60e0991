/* SPDX-License-Identifier: MIT */
/*
 * The host power state machine.  It drives the host only through
 * struct host_ops (button pulses and the power-good signal), so the same
 * machine runs on the simulated board and, through libgpiod, on real
 * hardware.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

enum host_button {
	BUTTON_POWER,
	BUTTON_RESET,
	BUTTON_NMI,
};

/* Board ops: what a host backend provides. */
struct host_ops {
	const char *name;
	/* Assert the button's line for ms milliseconds (asynchronously).
	 * Buttons are independent lines; pressing a button that is still
	 * held keeps it held and releases it ms from now (one longer press,
	 * as a finger holding the button on). */
	int (*press)(void *ctx, enum host_button b, unsigned ms);
	/* Current level of the power-good input: 1, 0, or -errno. */
	int (*power_good)(void *ctx);
	/* The identify LED (optional). */
	int (*identify)(void *ctx, bool on);
	/* The host's power as the backend knows it now (optional): 1 on,
	 * 0 off, or -errno when it cannot tell (a VM whose hypervisor
	 * connection is down, or whose domain is gone).  Without it, power
	 * good's last edge is the state. */
	int (*power_state)(void *ctx);
	/* Whether the host can honour a boot flags override of device dev
	 * (enum bootopt_device), in EFI mode when efi (optional): 0, or
	 * -ENOTSUP (the reason logged).  Without it, every device is taken. */
	int (*boot_check)(void *ctx, unsigned dev, bool efi);
};

enum power_state {
	POWER_OFF,
	POWER_ON,
	POWER_POWERING_ON,	/* button pressed, waiting for power good */
	POWER_POWERING_OFF,	/* forced off: long press, until it ends and power good is low */
	POWER_SOFT_OFF,		/* ACPI request: short press, waiting for the OS */
	POWER_CYCLE_WAIT,	/* off during a power cycle, waiting to power on */
};

enum power_action {		/* Chassis Control values */
	POWER_ACTION_OFF = 0,
	POWER_ACTION_ON = 1,
	POWER_ACTION_CYCLE = 2,
	POWER_ACTION_RESET = 3,
	POWER_ACTION_DIAG = 4,
	POWER_ACTION_SOFT = 5,
};

enum restart_cause {		/* Get System Restart Cause values */
	RESTART_UNKNOWN = 0x0,
	RESTART_CHASSIS_CMD = 0x1,
	RESTART_RESET_BUTTON = 0x2,
	RESTART_POWER_BUTTON = 0x3,
	RESTART_WATCHDOG = 0x4,
	RESTART_OEM = 0x5,
	RESTART_AC_ALWAYS_ON = 0x6,
	RESTART_AC_PREVIOUS = 0x7,
	RESTART_PEF_RESET = 0x8,
	RESTART_PEF_CYCLE = 0x9,
	RESTART_SOFT_RESET = 0xa,
	RESTART_RTC = 0xb,
};

enum power_event {
	POWER_EV_ON,		/* power good rose: the host boots */
	POWER_EV_OFF,		/* power good fell */
	POWER_EV_RESET,		/* reset pulse: the host reboots */
	POWER_EV_FAULT,		/* a transition failed */
};

/* Called on every event with the cause of the (re)start, for the
 * subsystems that care (boot options, POH, restart cause, SEL). */
typedef void (*power_event_fn)(void *userdata, enum power_event ev, enum restart_cause cause);

struct power_timing {
	unsigned press_ms;		/* short press */
	unsigned force_off_ms;		/* long press that forces power off */
	unsigned reset_ms;		/* reset pulse */
	unsigned cycle_interval_ms;	/* off time in a power cycle */
	unsigned on_timeout_ms;		/* power good must come within this */
	unsigned off_timeout_ms;	/* power good must drop within this */
	unsigned soft_timeout_ms;	/* the OS must shut down within this */
};

struct power {
	sd_event *ev;
	const struct host_ops *ops;
	void *ctx;
	struct power_timing t;
	enum power_state state;
	bool on;			/* last power-good level seen */
	bool fault;			/* last transition failed */
	bool cycle_pending;		/* power on after the cycle interval */
	bool on_pending;		/* power on as soon as the forced off ends */
	bool off_pressing;		/* the forced off's long press is still held */
	bool last_on_by_ipmi;		/* last power on came from a command */
	bool last_off_by_fault;
	enum restart_cause pending_cause;	/* of the transition in progress */
	enum restart_cause restart_cause;	/* of the last (re)start */
	power_event_fn notify;
	void *notify_userdata;
	sd_event_source *timer;
};

int power_init(struct power *p, sd_event *ev, const struct host_ops *ops, void *ctx,
	       const struct power_timing *t);
void power_done(struct power *p);
/* Start an action on behalf of 'cause'.  Every state answers every action
 * at once (docs/commands.md has the table): 0 (started, or merged with the
 * transition under way so that the host ends as the last action asked), or
 * -ENOTSUP (not possible in this state: e.g. reset while off), or the
 * backend's error. */
int power_request(struct power *p, enum power_action a, enum restart_cause cause);
/* The host's power now: 1 on, 0 off, or -errno when the backend cannot
 * tell (host_ops.power_state); Get Chassis Status and Chassis Control
 * answer an error then, never a guess. */
int power_host_state(const struct power *p);
/* The backend calls this on every power-good edge. */
void power_good_changed(struct power *p, bool on);
const char *power_state_name(enum power_state s);
