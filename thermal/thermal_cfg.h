/* SPDX-License-Identifier: MIT */
/* Board-file section "thermal": fan zones (thermal/thermal_cfg.c, docs/thermal.md). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define THERMAL_MAX_ZONES 8
#define THERMAL_MAX_INPUTS 16		/* per zone */
#define THERMAL_MAX_OUTPUTS 8		/* per zone */
#define THERMAL_MAX_STEPS 16
#define THERMAL_NAME_MAX 16

enum thermal_ctl { CTL_PID, CTL_STEPS };

struct cfg_thermal_input {
	char sensor[17];		/* a board sensor's name */
	enum thermal_ctl ctl;
	double setpoint;		/* PID: degrees */
	double kp, ki, kd;
	unsigned n_steps;		/* stepwise: [temp, duty] by rising temp */
	double step_temp[THERMAL_MAX_STEPS], step_duty[THERMAL_MAX_STEPS];
};

struct cfg_thermal_output {
	bool sim;			/* a sim board fan (sensor 'fan') */
	char fan[17];			/* sim: the fan sensor the duty drives */
	char hwmon_name[32];		/* hwmon: the device's "name" */
	unsigned pwm;			/* ... and its pwmN */
	char tach[17];			/* the tach sensor watched for a stuck fan ("": none) */
};

struct cfg_thermal_zone {
	char name[THERMAL_NAME_MAX + 1];
	struct cfg_thermal_input in[THERMAL_MAX_INPUTS];
	unsigned n_in;
	struct cfg_thermal_output out[THERMAL_MAX_OUTPUTS];
	unsigned n_out;
	double min_duty, max_duty;	/* percent */
	double ramp_up, ramp_down;	/* percent per second; 0: unlimited */
	double failsafe_duty;
};

struct cfg_thermal {
	unsigned period_ms;		/* default 1000 */
	struct cfg_thermal_zone zones[THERMAL_MAX_ZONES];
	unsigned n_zones;
};

struct board_config;
struct json_object;
struct pctx;

void thermal_defaults(struct board_config *cfg);
void thermal_parse_config(struct pctx *c, struct json_object *root, struct board_config *cfg);
void thermal_check_config(struct pctx *c, struct board_config *cfg);
struct cfg_sensor;
/* The reading above which an input is critical (its uc, else its unr);
 * false when the sensor has neither. */
bool thermal_critical(const struct cfg_sensor *s, double *crit);
