/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/log.h"
#include "sensors/sensors.h"

#define SIM_DIR "sim"			/* overrides, in the state dir by default */
#define ACCURACY_USEC 50000

struct sensor *sensors_find(struct sensors *ss, uint8_t number)
{
	return ss->by_num[number];
}

/* ------------------------------------------------------------------ */
/* Sources                                                             */

/* A small text file holding one number.  Opened O_NONBLOCK so a FIFO or
 * a device node put there by mistake cannot block the loop. */
static int read_number_at(int dirfd, const char *path, double *out)
{
	char buf[64], *end;
	ssize_t n;
	int fd = openat(dirfd, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ENODATA;
	buf[n] = '\0';
	errno = 0;
	*out = strtod(buf, &end);
	if (end == buf || errno || !isfinite(*out))
		return -EBADMSG;
	while (*end == '\n' || *end == ' ' || *end == '\t')
		end++;
	return *end ? -EBADMSG : 0;
}

static uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* A sim sensor's level on its current move: 1 at its host-on value, 0 at
 * its off value, approaching the target with time constant settle_s. */
static double sim_seg_level(const struct sensor *s, uint64_t t)
{
	double target = s->sim_seg_on ? 1.0 : 0.0;
	double tau = s->cfg->sim_settle_s;

	if (tau <= 0 || t <= s->sim_seg_usec)
		return tau <= 0 ? target : s->sim_level0;
	return target + (s->sim_level0 - target) * exp(-(double)(t - s->sim_seg_usec) / 1e6 / tau);
}

static double sim_level(struct sensor *s, uint64_t now)
{
	const struct sensors *h = s->owner->host ? s->owner->host : s->owner;

	if (h->host_gen == 0)
		return 1.0;
	if (s->sim_gen != h->host_gen) {
		/* The first state known is where the sensor already is; a
		 * later change starts a move from where it had got to. */
		s->sim_level0 = s->sim_gen == 0 || h->host_gen == 1 ? (h->host_on ? 1.0 : 0.0)
								   : sim_seg_level(s, h->host_usec);
		s->sim_seg_on = h->host_on;
		s->sim_seg_usec = h->host_usec;
		s->sim_gen = h->host_gen;
	}
	return sim_seg_level(s, now);
}

void sensors_host_power(struct sensors *ss, bool on)
{
	if (ss->host_gen && ss->host_on == on)
		return;
	ss->host_on = on;
	ss->host_usec = mono_usec();
	ss->host_gen++;
	if (!ss->host_gen)
		ss->host_gen = 2;	/* wrapped: 0 and 1 mean "start" */
}

/* The override file a test (or an operator playing with the sim board)
 * writes: <sim dir>/<sensor name>.  -ENOENT: none, use the wave. */
static int sim_read(struct sensor *s, double *v)
{
	const struct cfg_sensor *c = s->cfg;
	double period, wave, level;
	uint64_t now;
	int r = -ENOENT;

	if (s->owner->sim_fd >= 0)
		r = read_number_at(s->owner->sim_fd, c->name, v);
	if (r != -ENOENT)
		return r;
	if (!s->cfg->threshold) {
		*v = c->sim_value;
		return 0;
	}
	/* A slow wave, each sensor with its own period so they do not move
	 * in step. */
	now = mono_usec();
	period = 60.0 + 7.0 * s->number;
	wave = c->sim_swing * sin(2 * M_PI * (double)(now / 1000000) / period);
	if (!c->sim_has_off) {
		*v = c->sim_value + wave;
		return 0;
	}
	/* With the host off the sensor moves to its off value, and the
	 * wave (the host's load) dies away with it. */
	level = sim_level(s, now);
	*v = c->sim_off + (c->sim_value - c->sim_off) * level + wave * level;
	return 0;
}

static bool hwmon_matches(int dirfd, const char *name, const char *device)
{
	char buf[64], link[PATH_MAX];
	const char *base;
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
	if (strcmp(buf, name))
		return false;
	if (!device[0])
		return true;
	n = readlinkat(dirfd, "device", link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	base = strrchr(link, '/');
	return !strcmp(base ? base + 1 : link, device);
}

/* Find <root>/hwmonN whose "name" (and device) match: s->path. */
static int hwmon_resolve(struct sensor *s)
{
	const struct cfg_sensor *c = s->cfg;
	const char *root = s->owner->hwmon_root;
	struct dirent *de;
	DIR *d = opendir(root);
	int r = -ENODEV;

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (hwmon_matches(fd, c->hwmon_name, c->hwmon_device)) {
			int n = snprintf(s->path, sizeof(s->path), "%s/%.64s/%s_input", root,
					 de->d_name, c->hwmon_channel);

			r = n > 0 && (size_t)n < sizeof(s->path) ? 0 : -ENAMETOOLONG;
		}
		close(fd);
		if (r == 0)
			break;
	}
	closedir(d);
	return r;
}

static int hwmon_read(struct sensor *s, double *v)
{
	int r;

	if (!s->path[0]) {
		r = hwmon_resolve(s);
		if (r < 0)
			return r;
	}
	r = read_number_at(AT_FDCWD, s->path, v);
	if (r < 0) {
		s->path[0] = '\0';	/* the driver may come back elsewhere */
		return r;
	}
	*v = *v * s->cfg->scale + s->cfg->offset;
	return 0;
}

static int i2c_read(struct sensor *s, double *v)
{
	const struct cfg_sensor *c = s->cfg;
	int32_t x;

	uint64_t t0 = i2c_now_usec();
	int r;

	/* A device that held the bus (the adapter timeout, in the loop) is
	 * left alone, its reading unavailable, until its probe is due
	 * (i2c/dev.h): a stalled sensor costs one poll per back-off period,
	 * not one per poll_ms. */
	r = i2c_backoff_check(&s->i2c_backoff, t0);
	if (r < 0)
		return r;
	/* The device stays open between polls; a failure closes it, and the
	 * next poll opens it again (the adapter may come back). */
	x = i2c_dev_smbus_read(&s->i2c, c->i2c_reg, c->i2c_width == 2 ? 2 : 1);
	switch (i2c_backoff_done(&s->i2c_backoff, x < 0 ? x : 0, t0, i2c_now_usec())) {
	case I2C_BACKOFF_START:
		log_warning("sensor %s: i2c bus %u 0x%02x holds the bus (%s): read again after "
			    "%u s, then at growing intervals up to %u s", c->name, c->i2c_bus,
			    c->i2c_addr, strerror(-x), s->i2c_backoff.delay_ms / 1000,
			    I2C_BACKOFF_MAX_MS / 1000);
		break;
	case I2C_BACKOFF_END:
		log_notice("sensor %s: i2c bus %u 0x%02x no longer holds the bus", c->name,
			   c->i2c_bus, c->i2c_addr);
		break;
	default:
		break;
	}
	if (x < 0) {
		i2c_dev_close(&s->i2c);
		return x;
	}
	if (c->i2c_width == 2) {
		if (c->i2c_big_endian)	/* SMBus words are little-endian on the wire */
			x = (x >> 8 & 0xff) | (x & 0xff) << 8;
		if (c->i2c_signed)
			x = (int16_t)x;
	} else if (c->i2c_signed) {
		x = (int8_t)x;
	}
	*v = x * c->scale + c->offset;
	return 0;
}

/* The value another program pushed: none before the first push, nor once
 * it is older than the board's timeout (the program has stopped). */
static int dbus_read(struct sensor *s, double *v)
{
	const struct cfg_sensor *c = s->cfg;

	if (!s->pushed)
		return -ENODATA;
	if (c->timeout_s > 0 && mono_usec() - s->pushed_usec > (uint64_t)(c->timeout_s * 1e6))
		return -ETIME;
	*v = s->pushed_value;
	return 0;
}

static int source_read(struct sensor *s, double *v)
{
	switch (s->cfg->src) {
	case SRC_DBUS:
		return dbus_read(s, v);
	case SRC_SIM:
		return sim_read(s, v);
	case SRC_HWMON:
		return hwmon_read(s, v);
	case SRC_I2C:
		return i2c_read(s, v);
	}
	return -EINVAL;
}

/* ------------------------------------------------------------------ */
/* Events                                                              */

static void emit(struct sensor *s, bool deassert, uint8_t ed1, uint8_t ed2, uint8_t ed3)
{
	struct sensors *ss = s->owner;

	if (!s->events || ss->evr_addr == 0xff || !ss->emit)
		return;
	if (deassert ? !(s->deassert_en & (1u << (ed1 & 0x0f)))
		     : !(s->assert_en & (1u << (ed1 & 0x0f))))
		return;
	ss->emit(ss->emit_userdata, s, deassert, ed1, ed2, ed3);
}

/* Event data 1 for a threshold event: 01b (byte 2 = trigger reading),
 * 01b (byte 3 = trigger threshold), the offset. */
#define ED1_THRESHOLD 0x50

static void thr_change(struct sensor *s, unsigned off, bool assert, enum thr t)
{
	uint16_t bit = (uint16_t)(1u << off);

	if (assert) {
		s->asserted |= bit;
	} else {
		s->asserted &= (uint16_t)~bit;
		s->deasserted |= bit;
	}
	log_info("sensor %s: %s %s going %s (reading %u, threshold %u)", s->cfg->name,
		 assert ? "asserted" : "deasserted",
		 (const char *const[]){ "lower non-critical", "lower critical",
					"lower non-recoverable", "upper non-critical",
					"upper critical", "upper non-recoverable" }[t],
		 off & 1 ? "high" : "low", s->raw, s->thr[t]);
	emit(s, !assert, (uint8_t)(ED1_THRESHOLD | off), s->raw, s->thr[t]);
}

/* Upper thresholds assert going high at reading >= threshold and deassert
 * once the reading is below threshold - hysteresis; lower ones mirror it. */
static void thr_evaluate(struct sensor *s)
{
	for (int t = THR_LNC; t < THR_COUNT; t++) {
		bool upper = t >= THR_UNC;
		unsigned off = upper ? THR_EV_HIGH(t) : THR_EV_LOW(t);
		bool on = s->asserted & (1u << off);
		int raw = s->raw, thr = s->thr[t];

		if (!(s->thr_present & (1u << t)))
			continue;
		if (upper) {
			if (!on && raw >= thr)
				thr_change(s, off, true, (enum thr)t);
			else if (on && raw + s->hyst_pos < thr)
				thr_change(s, off, false, (enum thr)t);
		} else {
			if (!on && raw <= thr)
				thr_change(s, off, true, (enum thr)t);
			else if (on && raw > thr + s->hyst_neg)
				thr_change(s, off, false, (enum thr)t);
		}
	}
}

/* Discrete: each supported state that changed is an assertion or a
 * deassertion (event data 2 and 3 unspecified). */
static void discrete_evaluate(struct sensor *s, uint16_t state)
{
	uint16_t changed = (uint16_t)((state ^ s->asserted) & s->cfg->states);

	for (unsigned off = 0; off < 15; off++) {
		uint16_t bit = (uint16_t)(1u << off);

		if (!(changed & bit))
			continue;
		if (state & bit) {
			s->asserted |= bit;
		} else {
			s->asserted &= (uint16_t)~bit;
			s->deasserted |= bit;
		}
		log_info("sensor %s: state %u %s", s->cfg->name, off,
			 state & bit ? "asserted" : "deasserted");
		emit(s, !(state & bit), (uint8_t)off, 0xff, 0xff);
	}
}

uint8_t sensor_thr_status(const struct sensor *s)
{
	uint8_t st = 0;

	for (int t = THR_LNC; t < THR_COUNT; t++) {
		if (!(s->thr_present & (1u << t)))
			continue;
		if (t >= THR_UNC ? s->raw >= s->thr[t] : s->raw <= s->thr[t])
			st |= (uint8_t)(1u << t);
	}
	return st;
}

/* ------------------------------------------------------------------ */
/* Polling                                                             */

void sensor_poll(struct sensor *s)
{
	double v;
	int r;

	if (!s->scanning)
		return;
	r = source_read(s, &v);
	/* A discrete sensor's value is a state mask: 0..7FFFh. */
	if (r == 0 && !s->cfg->threshold && !(v >= 0 && v <= 0x7fff))
		r = -ERANGE;
	if (r < 0) {
		/* A pushed sensor has no reading until its program's first
		 * push, which is no news. */
		if (!s->unavailable && !(r == -ENODATA && s->cfg->src == SRC_DBUS))
			log_warning("sensor %s: reading unavailable: %s", s->cfg->name,
				    r == -ETIME ? "the last pushed value is too old" : strerror(-r));
		s->unavailable = true;
		return;
	}
	if (s->unavailable)
		log_notice("sensor %s: reading available again", s->cfg->name);
	s->unavailable = false;
	if (s->cfg->threshold) {
		s->raw = conv_to_raw(&s->conv, v);
		thr_evaluate(s);
	} else {
		s->state = (uint16_t)((uint32_t)v & s->cfg->states);
		/* The states found at start are the baseline, not events: a
		 * BMC restart must not log every PSU's presence again.  A
		 * re-arm reports standing states. */
		if (!s->valid)
			s->asserted = s->state;
		discrete_evaluate(s, s->state);
	}
	s->valid = true;
}

int sensor_set_thresholds(struct sensor *s, uint8_t mask, const uint8_t v[THR_COUNT], const char *by)
{
	static const enum thr order[THR_COUNT] = { THR_LNR, THR_LC, THR_LNC, THR_UNC, THR_UC, THR_UNR };
	uint8_t next[THR_COUNT];
	int last = -1;

	if (!s->cfg->threshold)
		return -ENOTTY;
	if (mask & ~s->thr_settable)
		return -EPERM;
	for (int t = 0; t < THR_COUNT; t++)
		next[t] = (mask & (1u << t)) ? v[t] : s->thr[t];
	for (int i = 0; i < THR_COUNT; i++) {
		if (!(s->thr_present & (1u << order[i])))
			continue;
		if (next[order[i]] < last || (order[i] == THR_UNC && next[order[i]] == last &&
					      (s->thr_present & (1u << THR_LNC))))
			return -EDOM;
		last = next[order[i]];
	}
	memcpy(s->thr, next, sizeof(s->thr));
	log_info("sensor %s: thresholds set over %s (mask %02xh)", s->cfg->name, by, mask);
	/* Events follow the new thresholds at once. */
	sensor_rearm(s, 0, 0);
	return 0;
}

int sensor_push(struct sensor *s, double v)
{
	if (s->cfg->src != SRC_DBUS)
		return -ENOTTY;
	if (!isnan(v) && !(v >= s->cfg->min && v <= s->cfg->max))
		return -ERANGE;
	s->pushed = !isnan(v);
	s->pushed_value = v;
	s->pushed_usec = mono_usec();
	sensor_poll(s);
	return 0;
}

void sensor_rearm(struct sensor *s, uint16_t assert_mask, uint16_t deassert_mask)
{
	s->asserted &= (uint16_t)~assert_mask;
	s->deasserted &= (uint16_t)~deassert_mask;
	if (s->valid && !s->unavailable && s->scanning) {
		if (s->cfg->threshold)
			thr_evaluate(s);
		else
			discrete_evaluate(s, s->state);
	}
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct sensor *s = userdata;
	uint64_t now = usec;

	sensor_poll(s);
	sd_event_now(s->owner->ev, CLOCK_MONOTONIC, &now);
	/* After the first poll the sensors spread out by number, so 200 of
	 * them do not all wake together. */
	now += (uint64_t)s->cfg->poll_ms * 1000;
	if (!s->polled) {
		now += (uint64_t)(s->number % 50) * 2000;
		sd_event_source_set_time_accuracy(src, ACCURACY_USEC);
	}
	s->polled = true;
	sd_event_source_set_time(src, now);
	sd_event_source_set_enabled(src, SD_EVENT_ON);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Set-up                                                              */

/* What the board file says and IPMI can change: thresholds, hysteresis,
 * scanning and event enables (s->conv already made). */
static void sensor_board_settings(struct sensor *s)
{
	const struct cfg_sensor *c = s->cfg;

	s->scanning = true;
	s->events = true;
	s->assert_sup = 0;
	if (c->threshold) {
		for (int t = 0; t < THR_COUNT; t++) {
			if (!(c->thr_present & (1u << t)))
				continue;
			s->thr[t] = conv_to_raw(&s->conv, c->thr[t]);
			s->assert_sup |= (uint16_t)(1u << (t >= THR_UNC ? THR_EV_HIGH(t) : THR_EV_LOW(t)));
		}
		s->thr_present = c->thr_present;
		s->thr_settable = c->thr_present & c->thr_settable;
		s->hyst_pos = s->hyst_neg = conv_delta_to_raw(&s->conv, c->hysteresis);
	} else {
		s->assert_sup = c->states;
	}
	s->deassert_sup = s->assert_sup;
	s->assert_en = s->assert_sup;
	s->deassert_en = s->deassert_sup;
}

static int sensor_setup(struct sensors *ss, struct sensor *s, const struct cfg_sensor *c)
{
	int r;

	s->owner = ss;
	s->cfg = c;
	s->number = c->number;
	i2c_dev_init_bus(&s->i2c, c->i2c_bus, c->i2c_addr);
	if (c->threshold && !conv_fit(c->min, c->max, &s->conv)) {
		log_error("sensor %s: no SDR conversion covers %g..%g", c->name, c->min, c->max);
		return -EINVAL;
	}
	sensor_board_settings(s);
	/* Every sensor's first poll runs at once, in the loop's first
	 * iterations, before a client can have logged in and asked for a
	 * reading (a delayed first poll left satellite sensors 128 and up
	 * "reading unavailable" for up to 100 ms after start); then every
	 * poll_ms, spread by number (on_timer). */
	r = sd_event_add_time_relative(ss->ev, &s->timer, CLOCK_MONOTONIC, 1000, 1, on_timer, s);
	if (r < 0)
		return log_error_errno(r, "sensor %s: timer", c->name);
	return 0;
}

static int sensors_setup_all(struct sensors *ss, const struct cfg_sensor *list, unsigned n)
{
	int r;

	ss->n = n;
	if (!ss->n)
		return 0;
	ss->s = calloc(ss->n, sizeof(*ss->s));
	if (!ss->s)
		return -ENOMEM;
	for (unsigned i = 0; i < ss->n; i++) {
		r = sensor_setup(ss, &ss->s[i], &list[i]);
		if (r < 0)
			return r;
		ss->by_num[ss->s[i].number] = &ss->s[i];
	}
	return 0;
}

int sensors_init(struct sensors *ss, sd_event *ev, const struct board_config *cfg, int state_fd)
{
	int r;

	*ss = (struct sensors){
		.ev = ev, .hwmon_root = cfg->hwmon_root, .sim_fd = -1, .evr_addr = 0x20, .evr_lun = 0,
	};
	if (cfg->sim_dir[0]) {
		ss->sim_fd = open(cfg->sim_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (ss->sim_fd < 0)
			log_warning("sensors: sim_dir %s: %m (no overrides)", cfg->sim_dir);
	} else {
		if (mkdirat(state_fd, SIM_DIR, 0700) < 0 && errno != EEXIST)
			log_warning("sensors: cannot make %s in the state dir: %m", SIM_DIR);
		ss->sim_fd = openat(state_fd, SIM_DIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	r = sensors_setup_all(ss, cfg->sensors, cfg->n_sensors);
	if (r < 0)
		return r;
	if (ss->n)
		log_info("sensors: %u from the board", ss->n);
	return 0;
}

int sensors_init_list(struct sensors *ss, const struct sensors *main, const struct cfg_sensor *list,
		      unsigned n)
{
	*ss = (struct sensors){
		.ev = main->ev, .hwmon_root = main->hwmon_root, .evr_addr = 0x20, .evr_lun = 0,
		.sim_fd = main->sim_fd >= 0 ? fcntl(main->sim_fd, F_DUPFD_CLOEXEC, 0) : -1,
		.host = main,
	};
	return sensors_setup_all(ss, list, n);
}

void sensors_reset_volatile(struct sensors *ss)
{
	for (unsigned i = 0; i < ss->n; i++) {
		struct sensor *s = &ss->s[i];

		sensor_board_settings(s);
		/* Events follow the board's thresholds at once. */
		sensor_rearm(s, 0, 0);
	}
}

void sensors_done(struct sensors *ss)
{
	for (unsigned i = 0; i < ss->n && ss->s; i++) {
		ss->s[i].timer = sd_event_source_disable_unref(ss->s[i].timer);
		i2c_dev_close(&ss->s[i].i2c);
	}
	free(ss->s);
	ss->s = NULL;
	ss->n = 0;
	if (ss->sim_fd >= 0)
		close(ss->sim_fd);
	ss->sim_fd = -1;
}
