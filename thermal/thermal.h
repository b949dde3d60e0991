/* SPDX-License-Identifier: MIT */
/*
 * Thermal control (docs/thermal.md): zones of temperature inputs and fan
 * outputs, one timer for all of them.  Each period every zone reads its
 * inputs, takes the highest demand of its controllers (thermal/ctl.h),
 * clamps and ramps it, and writes the duty to its outputs through their
 * ops (hwmon pwmN, or a sim board fan driven by the heat model in
 * thermal/sim.c).  An input it cannot trust or a stuck fan puts the zone
 * at its failsafe duty.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "thermal/ctl.h"
#include "thermal/thermal_cfg.h"

struct bmc;
struct sensor;
struct thermal;
struct thermal_out;

/* What drives one output: set its duty (percent).  0 or -errno. */
struct thermal_out_ops {
	int (*write)(struct thermal *t, struct thermal_out *o, double duty);
};

struct thermal_out {
	const struct cfg_thermal_output *cfg;
	const struct thermal_out_ops *ops;
	struct sensor *tach;		/* NULL: not watched */
	double duty;			/* last written */
	unsigned low_periods;		/* tach ~0 at a duty above THERMAL_STUCK_DUTY */
	bool stuck;
	bool write_failed;		/* logged */
	char path[256];			/* hwmon: <root>/hwmonN/pwmN, "" until found */
	/* sim */
	struct sensor *fan;
	double rpm;
};

struct thermal_in {
	const struct cfg_thermal_input *cfg;
	struct sensor *s;
	struct pid_state pid;
	bool has_crit;
	double crit;
	bool unavailable, critical;	/* fail-safe reasons, each logged once */
	double value;			/* last reading */
	double temp;			/* sim: the heat model's temperature */
	bool modeled;			/* sim: the heat model writes its reading */
};

struct thermal_zone {
	const struct cfg_thermal_zone *cfg;
	struct thermal_in in[THERMAL_MAX_INPUTS];
	struct thermal_out out[THERMAL_MAX_OUTPUTS];
	double duty;			/* commanded */
	double demand;			/* of the controllers, before clamp and ramp */
	bool failsafe;
	bool manual;			/* operator override (volatile) */
	double manual_duty;
};

struct thermal {
	struct bmc *bmc;
	sd_event_source *timer;
	struct thermal_zone zones[THERMAL_MAX_ZONES];
	unsigned n_zones;
	uint64_t last_usec;
	bool full;			/* fan mode "full": every zone at 100 % */
	bool sim;			/* some output is a sim fan: the heat model runs */
	int sim_fd;			/* the sim override directory (sensors'), or -1 */
};

#define THERMAL_STUCK_DUTY 25.0		/* percent: above it a fan must turn */
#define THERMAL_STUCK_RPM 100.0		/* below it a fan is not turning */
#define THERMAL_STUCK_S 2.0		/* for this long */

int thermal_init(struct thermal *t, struct bmc *bmc);
/* Every output at its zone's failsafe duty, then stop. */
void thermal_done(struct thermal *t);
/* Manual modes off: every zone automatic. */
void thermal_reset_volatile(struct thermal *t);
/* One period now (the timer calls it; tests may). */
void thermal_step(struct thermal *t, uint64_t now_usec);
/*
 * The operator's override, one API for every face (the OEM IPMI commands,
 * D-Bus Control.Mode, Redfish's Manager Oem): 'by' names the face in the
 * log.  A held duty takes effect at once (outputs written now, unless the
 * zone is in fail safe), not at the next period.
 */
enum thermal_mode {
	THERMAL_AUTO,			/* every zone automatic */
	THERMAL_MANUAL,			/* some zone held at a duty */
	THERMAL_FULL,			/* every zone at 100 % */
	THERMAL_FAILSAFE,		/* some zone at its failsafe duty (not settable) */
};
/* THERMAL_AUTO: full mode off and every zone automatic (manual duties
 * dropped); THERMAL_FULL: every zone at 100 % until THERMAL_AUTO or a
 * zone's duty is set.  -EINVAL for the others. */
int thermal_set_mode(struct thermal *t, enum thermal_mode mode, const char *by);
/* Hold a zone at duty (0..100, manual); full mode ends, the other zones
 * go back to their own mode.  -EINVAL for a bad zone or duty. */
int thermal_set_duty(struct thermal *t, unsigned zone, double duty, const char *by);
/* Hold a zone at its present duty (manual true; full mode stays), or
 * return it to automatic control (false).  -EINVAL for a bad zone. */
int thermal_set_manual(struct thermal *t, unsigned zone, bool manual, const char *by);
/* The whole board's mode: FAILSAFE over FULL over MANUAL over AUTO. */
enum thermal_mode thermal_get_mode(const struct thermal *t);
/* A zone's own: FAILSAFE, FULL, MANUAL or AUTO. */
enum thermal_mode thermal_zone_mode(const struct thermal *t, unsigned zone);

/* The heat model of the sim board (thermal/sim.c). */
extern const struct thermal_out_ops thermal_sim_ops;
void thermal_sim_init(struct thermal *t);
void thermal_sim_step(struct thermal *t, double dt);
void thermal_sim_stop(struct thermal *t);
