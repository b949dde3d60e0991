/* SPDX-License-Identifier: MIT */
/*
 * The sim board's heat model (docs/thermal.md), behind the same output ops
 * as a real PWM: a sim fan output's duty sets its fan's target speed, and
 * each period the model moves the fans and the zone's simulated
 * temperatures and writes them where the sim sensors read
 * (<sim dir>/<sensor name>).  Fast enough for CI: seconds, not minutes.
 *
 *   fan:  rpm -> FAN_MAX_RPM * duty / 100, time constant FAN_TAU_S;
 *         0 while <sim dir>/<fan>.stuck exists (a stuck fan)
 *   heat: host off 0; on HEAT_IDLE + (100 - HEAT_IDLE) * load / 100, the
 *         load (0..100) read from <sim dir>/thermal_load (absent: 0)
 *   temp: -> AMBIENT + GAIN * heat / (AIRFLOW_BASE + rpm / FAN_MAX_RPM),
 *         time constant TEMP_TAU_S
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chassis/power.h"
#include "daemon/bmc.h"
#include "daemon/log.h"
#include "sensors/sensors.h"
#include "thermal/thermal.h"

#define FAN_MAX_RPM 12000.0
#define FAN_TAU_S 0.5
#define HEAT_IDLE 10.0
#define AMBIENT 25.0
#define GAIN 0.39
#define AIRFLOW_BASE 0.3
#define TEMP_TAU_S 3.0
#define LOAD_FILE "thermal_load"

static int sim_write(struct thermal *t, struct thermal_out *o, double duty)
{
	return t->sim_fd >= 0 ? 0 : -ENOENT;	/* the model takes o->duty */
}

const struct thermal_out_ops thermal_sim_ops = { .write = sim_write };

/* A number from a small file in the sim dir; false when absent or bad. */
static bool read_num(int dirfd, const char *name, double *v)
{
	char buf[32], *end;
	ssize_t n;
	int fd = openat(dirfd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	*v = strtod(buf, &end);
	return end != buf;
}

/* <sim dir>/<name> = v, replaced whole (a sensor never reads half of it).
 * A test that put a directory there (an input made unreadable) keeps it. */
static void write_num(int dirfd, const char *name, double v)
{
	char tmp[64], buf[32];
	int fd, n;

	snprintf(tmp, sizeof(tmp), ".%s.thermal", name);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return;
	n = snprintf(buf, sizeof(buf), "%.2f\n", v);
	if (write(fd, buf, (size_t)n) != n || close(fd) < 0 || renameat(dirfd, tmp, dirfd, name) < 0)
		unlinkat(dirfd, tmp, 0);
}

void thermal_sim_init(struct thermal *t)
{
	struct sensors *ss = t->bmc->sensors;

	if (ss->sim_fd < 0) {
		log_warning("thermal: no sim directory: the heat model is off");
		return;
	}
	t->sim_fd = fcntl(ss->sim_fd, F_DUPFD_CLOEXEC, 0);
	for (unsigned zi = 0; zi < t->n_zones; zi++) {
		struct thermal_zone *z = &t->zones[zi];
		bool any = false;

		for (unsigned i = 0; i < z->cfg->n_out; i++)
			any |= z->out[i].cfg->sim;
		for (unsigned i = 0; i < z->cfg->n_out; i++)
			z->out[i].rpm = FAN_MAX_RPM * z->out[i].duty / 100;
		/* The zone's sim temperatures follow its sim fans. */
		for (unsigned i = 0; any && i < z->cfg->n_in; i++) {
			z->in[i].modeled = z->in[i].s->cfg->src == SRC_SIM;
			z->in[i].temp = AMBIENT + 10;
		}
	}
	thermal_sim_step(t, 0);		/* the files, before any sensor reads them */
}

void thermal_sim_step(struct thermal *t, double dt)
{
	double load = 0, heat;

	if (t->sim_fd < 0)
		return;
	read_num(t->sim_fd, LOAD_FILE, &load);
	load = load < 0 ? 0 : load > 100 ? 100 : load;
	heat = t->bmc->power->on ? HEAT_IDLE + (100 - HEAT_IDLE) * load / 100 : 0;
	for (unsigned zi = 0; zi < t->n_zones; zi++) {
		struct thermal_zone *z = &t->zones[zi];
		double flow = 0, target;
		unsigned fans = 0;

		for (unsigned i = 0; i < z->cfg->n_out; i++) {
			struct thermal_out *o = &z->out[i];
			char stuck[40];
			double goal;

			if (!o->cfg->sim || !o->fan)
				continue;
			snprintf(stuck, sizeof(stuck), "%s.stuck", o->cfg->fan);
			goal = faccessat(t->sim_fd, stuck, F_OK, 0) == 0 ? 0 : FAN_MAX_RPM * o->duty / 100;
			o->rpm = goal + (o->rpm - goal) * exp(-dt / FAN_TAU_S);
			write_num(t->sim_fd, o->cfg->fan, o->rpm);
			flow += o->rpm / FAN_MAX_RPM;
			fans++;
		}
		if (!fans)
			continue;
		target = AMBIENT + GAIN * heat / (AIRFLOW_BASE + flow / fans);
		for (unsigned i = 0; i < z->cfg->n_in; i++) {
			struct thermal_in *in = &z->in[i];

			if (!in->modeled)
				continue;
			in->temp = target + (in->temp - target) * exp(-dt / TEMP_TAU_S);
			write_num(t->sim_fd, in->s->cfg->name, in->temp);
		}
	}
}

/* bmcd stops: the fans settle at the duty last written (the failsafe). */
void thermal_sim_stop(struct thermal *t)
{
	for (unsigned zi = 0; t->sim_fd >= 0 && zi < t->n_zones; zi++)
		for (unsigned i = 0; t->zones[zi].cfg && i < t->zones[zi].cfg->n_out; i++) {
			struct thermal_out *o = &t->zones[zi].out[i];

			if (o->cfg->sim && o->fan)
				write_num(t->sim_fd, o->cfg->fan, FAN_MAX_RPM * o->duty / 100);
		}
	if (t->sim_fd >= 0)
		close(t->sim_fd);
	t->sim_fd = -1;
}
