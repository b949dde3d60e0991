/* SPDX-License-Identifier: MIT */
/*
 * The controllers' arithmetic, apart from the loop (unit-tested alone):
 * PID on the margin to a setpoint, stepwise tables, and a zone's clamp and
 * ramp.  Duties are percent.
 */
#pragma once

#include <stdbool.h>

struct pid_state {
	double integral;		/* ki * the integral of the error, percent */
	double last_err;
	bool started;			/* last_err is set */
};

/* One PID step over dt seconds for a reading against setpoint: the demand,
 * 0..100.  The error is reading - setpoint (hotter: more duty).  Anti-windup:
 * the integral does not grow while the demand is pinned at 0 or 100 in
 * the direction it would grow. */
double pid_step(struct pid_state *p, double kp, double ki, double kd, double setpoint,
		double reading, double dt);
/* A stepwise table (temperatures rising): the duty of the highest step at
 * or below the reading, 0 below the first. */
double steps_duty(const double *temp, const double *duty, unsigned n, double reading);
/* The zone's new duty from its previous one: demand clamped to min..max
 * and moved at most ramp_up/ramp_down percent per second (0: no limit). */
double zone_duty(double prev, double demand, double min, double max, double ramp_up,
		 double ramp_down, double dt);
