/* SPDX-License-Identifier: MIT */
/* Controller arithmetic (thermal/ctl.h). */
#include "thermal/ctl.h"

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

double pid_step(struct pid_state *p, double kp, double ki, double kd, double setpoint,
		double reading, double dt)
{
	double err = reading - setpoint;
	double deriv = p->started && dt > 0 ? (err - p->last_err) / dt : 0;
	double integral = p->integral + ki * err * dt;
	double out = kp * err + integral + kd * deriv;

	/* Conditional integration: keep the new integral only when it does
	 * not push a saturated output further out. */
	if (!((out > 100 && err > 0) || (out < 0 && err < 0)))
		p->integral = clamp(integral, -100, 100);
	else
		out = kp * err + p->integral + kd * deriv;
	p->last_err = err;
	p->started = true;
	return clamp(out, 0, 100);
}

double steps_duty(const double *temp, const double *duty, unsigned n, double reading)
{
	double d = 0;

	for (unsigned i = 0; i < n && reading >= temp[i]; i++)
		d = duty[i];
	return d;
}

double zone_duty(double prev, double demand, double min, double max, double ramp_up,
		 double ramp_down, double dt)
{
	double d = clamp(demand, min, max);

	if (ramp_up > 0 && d > prev + ramp_up * dt)
		d = prev + ramp_up * dt;
	if (ramp_down > 0 && d < prev - ramp_down * dt)
		d = prev - ramp_down * dt;
	return d;
}
