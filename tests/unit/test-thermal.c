/* SPDX-License-Identifier: MIT */
/* Thermal controllers: PID on the margin (anti-windup), stepwise tables,
 * a zone's clamp and ramp, and a PID closing a loop on a first-order plant. */
#include <math.h>

#include "tap.h"
#include "thermal/ctl.h"

static bool near(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

static void test_pid(void)
{
	struct pid_state p = { 0 };
	double d;

	/* P only: duty = kp * (reading - setpoint), within 0..100. */
	CHECK(near(pid_step(&p, 5, 0, 0, 60, 62, 1), 10));
	CHECK(near(pid_step(&p, 5, 0, 0, 60, 50, 1), 0));	/* cooler: no demand */
	CHECK(near(pid_step(&p, 5, 0, 0, 60, 90, 1), 100));	/* clamped */

	/* I: the error accumulates over time. */
	p = (struct pid_state){ 0 };
	CHECK(near(pid_step(&p, 0, 2, 0, 60, 61, 0.5), 1));
	CHECK(near(pid_step(&p, 0, 2, 0, 60, 61, 0.5), 2));
	CHECK(near(pid_step(&p, 0, 2, 0, 60, 63, 1), 8));

	/* Anti-windup: pinned at 100, a long hot spell does not store up
	 * integral that would keep the fans high once it cools. */
	p = (struct pid_state){ 0 };
	for (int i = 0; i < 1000; i++)
		d = pid_step(&p, 10, 1, 0, 60, 80, 1);
	CHECK(near(d, 100));
	CHECK(p.integral <= 100);
	d = pid_step(&p, 10, 1, 0, 60, 59, 1);	/* just below: demand falls at once */
	CHECK(d < 100);
	/* ... and pinned at 0 it does not store negative integral either. */
	p = (struct pid_state){ 0 };
	for (int i = 0; i < 1000; i++)
		pid_step(&p, 1, 1, 0, 60, 20, 1);
	CHECK(p.integral >= -1e-9);
	CHECK(pid_step(&p, 1, 1, 0, 60, 61, 1) > 0);

	/* D: a rising reading adds demand, not on the first step. */
	p = (struct pid_state){ 0 };
	CHECK(near(pid_step(&p, 0, 0, 3, 60, 61, 1), 0));
	CHECK(near(pid_step(&p, 0, 0, 3, 60, 63, 1), 6));
}

static void test_steps(void)
{
	static const double t[] = { 30, 45, 60, 75 }, d[] = { 25, 40, 70, 100 };

	CHECK(near(steps_duty(t, d, 4, 10), 0));
	CHECK(near(steps_duty(t, d, 4, 30), 25));
	CHECK(near(steps_duty(t, d, 4, 44.9), 25));
	CHECK(near(steps_duty(t, d, 4, 45), 40));
	CHECK(near(steps_duty(t, d, 4, 74), 70));
	CHECK(near(steps_duty(t, d, 4, 200), 100));
	CHECK(near(steps_duty(t, d, 0, 200), 0));
}

static void test_zone(void)
{
	/* Clamp to min..max. */
	CHECK(near(zone_duty(50, 0, 20, 90, 0, 0, 1), 20));
	CHECK(near(zone_duty(50, 100, 20, 90, 0, 0, 1), 90));
	CHECK(near(zone_duty(50, 60, 20, 90, 0, 0, 1), 60));
	/* Ramps: percent per second, times dt. */
	CHECK(near(zone_duty(50, 100, 0, 100, 10, 0, 0.5), 55));
	CHECK(near(zone_duty(50, 0, 0, 100, 0, 4, 0.5), 48));
	CHECK(near(zone_duty(50, 52, 0, 100, 10, 4, 0.5), 52));
	/* A ramp never overshoots the clamp: from below min it climbs. */
	CHECK(near(zone_duty(0, 0, 20, 100, 10, 10, 1), 10));
}

/* A first-order plant like the sim board's: the PID brings it to its
 * setpoint and holds it there. */
static void test_loop(void)
{
	struct pid_state p = { .integral = 20 };
	double temp = 35, duty = 20, dt = 0.5;

	for (int i = 0; i < 240; i++) {	/* 2 minutes */
		double target = 25 + 0.39 * 100 / (0.3 + duty / 100);
		double demand;

		temp = target + (temp - target) * exp(-dt / 3.0);
		demand = pid_step(&p, 4, 1.5, 0, 65, temp, dt);
		duty = zone_duty(duty, demand, 20, 100, 40, 10, dt);
		CHECK(duty >= 20 && duty <= 100);
	}
	CHECK(fabs(temp - 65) < 0.5);
	CHECK(duty > 60 && duty < 75);
}

int main(void)
{
	test_pid();
	test_steps();
	test_zone();
	test_loop();
	return tap_done("thermal");
}
