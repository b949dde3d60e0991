/* SPDX-License-Identifier: MIT */
/* Thermal control: zones, fail safe, hwmon outputs (thermal/thermal.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chassis/power.h"
#include "daemon/bmc.h"
#include "daemon/log.h"
#include "sel/sel.h"
#include "sensors/sensors.h"
#include "thermal/thermal.h"

/* Severity event offsets (IPMI 2.0 table 42-2, event/reading type 07h). */
#define SEV_TO_OK 0x00
#define SEV_TO_CRITICAL 0x02
#define EVT_SEVERITY 0x07

static uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static struct sensor *sensor_named(struct sensors *ss, const char *name)
{
	for (unsigned i = 0; i < ss->n; i++)
		if (!strcmp(ss->s[i].cfg->name, name))
			return &ss->s[i];
	return NULL;
}

/* A fail-safe event in the SEL, on the sensor that caused it (or its
 * recovery): a severity event, "transition to critical" / "to OK". */
static void thermal_event(struct thermal *t, const struct sensor *s, uint8_t offset)
{
	struct bmc *bmc = t->bmc;

	if (!(bmc->global_enables & 0x08))
		return;
	if (sel_add_event(bmc->sel, SEL_GEN_BMC, s->cfg->type, s->number, EVT_SEVERITY,
			  offset, 0xff, 0xff) < 0)
		log_warning("thermal: sensor %s: event not logged (SEL full or not writable)",
			    s->cfg->name);
}

/* ------------------------------------------------------------------ */
/* hwmon outputs: <root>/hwmonN/pwmN (0-255), pwmN_enable 1 (manual)   */

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	size_t len = strlen(text);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	n = n < 0 ? -errno : (size_t)n == len ? 0 : -EIO;
	close(fd);
	return (int)n;
}

static bool name_matches(int dirfd, const char *name)
{
	char buf[64];
	ssize_t n;
	int fd = openat(dirfd, "name", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return !strcmp(buf, name);
}

static int hwmon_resolve(struct thermal *t, struct thermal_out *o)
{
	const char *root = t->bmc->cfg.hwmon_root;
	DIR *d = opendir(root);
	struct dirent *de;
	char enable[300];
	int r = -ENODEV;

	if (!d)
		return -errno;
	while (r == -ENODEV && (de = readdir(d))) {
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (name_matches(fd, o->cfg->hwmon_name)) {
			int n = snprintf(o->path, sizeof(o->path), "%s/%.64s/pwm%u", root, de->d_name,
					 o->cfg->pwm);

			r = n > 0 && (size_t)n < sizeof(o->path) ? 0 : -ENAMETOOLONG;
		}
		close(fd);
	}
	closedir(d);
	if (r < 0) {
		o->path[0] = '\0';
		return r;
	}
	/* Manual control: the driver's own automatic mode off. */
	snprintf(enable, sizeof(enable), "%s_enable", o->path);
	r = write_text(enable, "1\n");
	if (r < 0)
		o->path[0] = '\0';
	return r;
}

static int hwmon_write(struct thermal *t, struct thermal_out *o, double duty)
{
	char val[16];
	int r = 0;

	if (!o->path[0])
		r = hwmon_resolve(t, o);
	if (r == 0) {
		snprintf(val, sizeof(val), "%ld\n", lround(duty * 255.0 / 100.0));
		r = write_text(o->path, val);
		if (r < 0)
			o->path[0] = '\0';	/* the driver may come back elsewhere */
	}
	return r;
}

static const struct thermal_out_ops hwmon_ops = { .write = hwmon_write };

/* ------------------------------------------------------------------ */
/* The loop                                                            */

static const char *out_name(const struct thermal_out *o, char *buf, size_t size)
{
	if (o->cfg->sim)
		return o->cfg->fan;
	snprintf(buf, size, "%s/pwm%u", o->cfg->hwmon_name, o->cfg->pwm);
	return buf;
}

static void out_write(struct thermal *t, struct thermal_zone *z, struct thermal_out *o, double duty)
{
	int r = o->ops->write(t, o, duty);
	char name[48];

	o->duty = duty;
	if (r < 0 && !o->write_failed)
		log_warning("thermal: zone %s: output %s: cannot set the duty: %s", z->cfg->name,
			    out_name(o, name, sizeof(name)), strerror(-r));
	else if (r == 0 && o->write_failed)
		log_notice("thermal: zone %s: output %s: duty set again", z->cfg->name,
			   out_name(o, name, sizeof(name)));
	o->write_failed = r < 0;
}

/* An input's reading and demand; false when it is a fail-safe reason. */
static bool input_step(struct thermal *t, struct thermal_zone *z, struct thermal_in *in, double dt,
		       double *demand)
{
	struct sensor *s = in->s;
	bool unavailable, critical = false;

	sensor_poll(s);
	unavailable = s->unavailable || !s->valid || !s->scanning;
	if (!unavailable) {
		in->value = conv_to_value(&s->conv, s->raw);
		critical = in->has_crit && in->value > in->crit;
	}
	if (unavailable != in->unavailable) {
		if (unavailable)
			log_warning("thermal: zone %s: input %s unavailable: failsafe duty %g%%",
				    z->cfg->name, s->cfg->name, z->cfg->failsafe_duty);
		else
			log_notice("thermal: zone %s: input %s readable again", z->cfg->name, s->cfg->name);
		thermal_event(t, s, unavailable ? SEV_TO_CRITICAL : SEV_TO_OK);
		in->unavailable = unavailable;
	}
	if (!unavailable && critical != in->critical) {
		if (critical)
			log_warning("thermal: zone %s: input %s at %g, above its critical %g: failsafe duty %g%%",
				    z->cfg->name, s->cfg->name, in->value, in->crit, z->cfg->failsafe_duty);
		else
			log_notice("thermal: zone %s: input %s at %g, below its critical %g again",
				   z->cfg->name, s->cfg->name, in->value, in->crit);
		thermal_event(t, s, critical ? SEV_TO_CRITICAL : SEV_TO_OK);
		in->critical = critical;
	}
	if (unavailable || critical)
		return false;
	if (in->cfg->ctl == CTL_PID)
		*demand = pid_step(&in->pid, in->cfg->kp, in->cfg->ki, in->cfg->kd, in->cfg->setpoint,
				   in->value, dt);
	else
		*demand = steps_duty(in->cfg->step_temp, in->cfg->step_duty, in->cfg->n_steps, in->value);
	return true;
}

/* A fan commanded to turn whose tach reads ~0 for THERMAL_STUCK_S. */
static bool out_check(struct thermal *t, struct thermal_zone *z, struct thermal_out *o, double dt)
{
	struct sensor *s = o->tach;
	bool low, stuck;

	if (!s)
		return true;
	sensor_poll(s);
	if (s->unavailable || !s->valid)
		return !o->stuck;	/* no news: keep what we knew */
	low = conv_to_value(&s->conv, s->raw) < THERMAL_STUCK_RPM;
	if (low && o->duty > THERMAL_STUCK_DUTY)
		o->low_periods++;
	else if (!low)
		o->low_periods = 0;
	stuck = o->low_periods * dt >= THERMAL_STUCK_S || (o->stuck && low);
	if (stuck != o->stuck) {
		if (stuck)
			log_warning("thermal: zone %s: fan %s not turning at duty %.0f%%: failsafe duty %g%%",
				    z->cfg->name, s->cfg->name, o->duty, z->cfg->failsafe_duty);
		else
			log_notice("thermal: zone %s: fan %s turning again", z->cfg->name, s->cfg->name);
		thermal_event(t, s, stuck ? SEV_TO_CRITICAL : SEV_TO_OK);
		o->stuck = stuck;
	}
	return !stuck;
}

static void zone_step(struct thermal *t, struct thermal_zone *z, double dt)
{
	const struct cfg_thermal_zone *c = z->cfg;
	bool ok = true;
	double demand = 0, duty;

	for (unsigned i = 0; i < c->n_in; i++) {
		double d = 0;

		if (input_step(t, z, &z->in[i], dt, &d))
			demand = d > demand ? d : demand;
		else
			ok = false;
	}
	for (unsigned i = 0; i < c->n_out; i++)
		if (!out_check(t, z, &z->out[i], dt))
			ok = false;
	z->demand = demand;
	if (!ok != z->failsafe) {
		if (ok)
			log_notice("thermal: zone %s: fail safe over, %s control again", c->name,
				   z->manual ? "manual" : "automatic");
		else
			log_warning("thermal: zone %s: fail safe: duty %g%%", c->name, c->failsafe_duty);
		z->failsafe = !ok;
	}
	if (z->failsafe)
		duty = c->failsafe_duty;
	else if (t->full)
		duty = 100;
	else if (z->manual)
		duty = z->manual_duty;
	else
		duty = zone_duty(z->duty, demand, c->min_duty, c->max_duty, c->ramp_up, c->ramp_down, dt);
	z->duty = duty;
	for (unsigned i = 0; i < c->n_out; i++)
		out_write(t, z, &z->out[i], duty);
}

void thermal_step(struct thermal *t, uint64_t now_usec)
{
	double dt = t->last_usec && now_usec > t->last_usec ? (double)(now_usec - t->last_usec) / 1e6
							     : t->bmc->cfg.thermal.period_ms / 1000.0;

	t->last_usec = now_usec;
	if (dt > 10)
		dt = 10;
	if (t->sim)
		thermal_sim_step(t, dt);
	for (unsigned i = 0; i < t->n_zones; i++)
		zone_step(t, &t->zones[i], dt);
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct thermal *t = userdata;

	thermal_step(t, mono_usec());
	return sd_event_source_set_time_relative(src, t->bmc->cfg.thermal.period_ms * 1000ull);
}

/* The duty a held zone (full or manual, not in fail safe) is at, written
 * now rather than at the next period. */
static void zone_hold(struct thermal *t, struct thermal_zone *z)
{
	if (z->failsafe || (!t->full && !z->manual))
		return;
	z->duty = t->full ? 100 : z->manual_duty;
	for (unsigned i = 0; i < z->cfg->n_out; i++)
		out_write(t, z, &z->out[i], z->duty);
}

static void zone_manual(struct thermal *t, struct thermal_zone *z, bool manual, double duty,
			const char *by)
{
	if (manual)
		log_notice("thermal: zone %s: manual duty %g%% (%s)", z->cfg->name, duty, by);
	else if (z->manual)
		log_notice("thermal: zone %s: automatic control (%s)", z->cfg->name, by);
	else
		return;
	z->manual = manual;
	z->manual_duty = duty;
	if (!manual)	/* automatic again from where the fans are */
		for (unsigned i = 0; i < z->cfg->n_in; i++)
			z->in[i].pid = (struct pid_state){ .integral = z->duty };
}

static void set_full(struct thermal *t, bool full, const char *by)
{
	if (full != t->full)
		log_notice("thermal: fan mode %s (%s)", full ? "full" : "automatic", by);
	t->full = full;
}

int thermal_set_mode(struct thermal *t, enum thermal_mode mode, const char *by)
{
	if (mode == THERMAL_FULL) {
		set_full(t, true, by);
	} else if (mode == THERMAL_AUTO) {
		set_full(t, false, by);
		for (unsigned i = 0; i < t->n_zones; i++)
			zone_manual(t, &t->zones[i], false, 0, by);
	} else {
		return -EINVAL;
	}
	for (unsigned i = 0; i < t->n_zones; i++)
		zone_hold(t, &t->zones[i]);
	return 0;
}

int thermal_set_duty(struct thermal *t, unsigned zone, double duty, const char *by)
{
	if (zone >= t->n_zones || !(duty >= 0 && duty <= 100))
		return -EINVAL;
	set_full(t, false, by);
	zone_manual(t, &t->zones[zone], true, duty, by);
	for (unsigned i = 0; i < t->n_zones; i++)
		zone_hold(t, &t->zones[i]);
	return 0;
}

int thermal_set_manual(struct thermal *t, unsigned zone, bool manual, const char *by)
{
	struct thermal_zone *z;

	if (zone >= t->n_zones)
		return -EINVAL;
	z = &t->zones[zone];
	if (manual && z->manual)
		return 0;	/* already held */
	zone_manual(t, z, manual, z->duty, by);
	zone_hold(t, z);
	return 0;
}

enum thermal_mode thermal_zone_mode(const struct thermal *t, unsigned zone)
{
	const struct thermal_zone *z = &t->zones[zone];

	return z->failsafe ? THERMAL_FAILSAFE : t->full ? THERMAL_FULL : z->manual ? THERMAL_MANUAL
										   : THERMAL_AUTO;
}

enum thermal_mode thermal_get_mode(const struct thermal *t)
{
	enum thermal_mode m = THERMAL_AUTO;

	for (unsigned i = 0; i < t->n_zones; i++) {
		enum thermal_mode z = thermal_zone_mode(t, i);

		m = z > m ? z : m;
	}
	return m;
}

void thermal_reset_volatile(struct thermal *t)
{
	thermal_set_mode(t, THERMAL_AUTO, "reset");
}

int thermal_init(struct thermal *t, struct bmc *bmc)
{
	const struct cfg_thermal *c = &bmc->cfg.thermal;
	int r;

	t->bmc = bmc;
	t->sim_fd = -1;
	t->n_zones = c->n_zones;
	for (unsigned zi = 0; zi < c->n_zones; zi++) {
		struct thermal_zone *z = &t->zones[zi];

		z->cfg = &c->zones[zi];
		z->duty = z->cfg->failsafe_duty;	/* what the fans are assumed at */
		for (unsigned i = 0; i < z->cfg->n_in; i++) {
			struct thermal_in *in = &z->in[i];

			in->cfg = &z->cfg->in[i];
			in->s = sensor_named(bmc->sensors, in->cfg->sensor);
			if (!in->s)	/* checked with the board file */
				return log_error_errno(-ENOENT, "thermal: no sensor %s", in->cfg->sensor);
			in->has_crit = thermal_critical(in->s->cfg, &in->crit);
			/* The PID starts from the duty the zone starts at. */
			in->pid.integral = z->cfg->min_duty;
		}
		for (unsigned i = 0; i < z->cfg->n_out; i++) {
			struct thermal_out *o = &z->out[i];

			o->cfg = &z->cfg->out[i];
			o->ops = o->cfg->sim ? &thermal_sim_ops : &hwmon_ops;
			o->duty = z->duty;
			o->tach = o->cfg->tach[0] ? sensor_named(bmc->sensors, o->cfg->tach) : NULL;
			if (o->cfg->sim) {
				o->fan = sensor_named(bmc->sensors, o->cfg->fan);
				t->sim = true;
			}
		}
	}
	if (!c->n_zones)
		return 0;
	if (t->sim)
		thermal_sim_init(t);
	r = sd_event_add_time_relative(bmc->ev, &t->timer, CLOCK_MONOTONIC, c->period_ms * 1000ull,
				       1000, on_timer, t);
	if (r < 0)
		return log_error_errno(r, "thermal: timer");
	sd_event_source_set_enabled(t->timer, SD_EVENT_ON);
	log_info("thermal: %u zone%s, every %u ms", c->n_zones, c->n_zones == 1 ? "" : "s", c->period_ms);
	return 0;
}

void thermal_done(struct thermal *t)
{
	t->timer = sd_event_source_disable_unref(t->timer);
	if (t->n_zones && t->bmc)
		log_notice("thermal: stopping: every zone at its failsafe duty");
	for (unsigned zi = 0; zi < t->n_zones; zi++) {
		struct thermal_zone *z = &t->zones[zi];

		if (!z->cfg)
			continue;
		for (unsigned i = 0; i < z->cfg->n_out; i++)
			if (z->out[i].ops)
				out_write(t, z, &z->out[i], z->cfg->failsafe_duty);
	}
	if (t->sim)
		thermal_sim_stop(t);
}
