/* SPDX-License-Identifier: MIT */
/* SDR conversions, the "sensors" board section and SDR record validation. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/ipmi.h"
#include "sdr/sdr.h"
#include "sensors/conv.h"
#include "sensors/sensors.h"
#include "tap.h"

/* Every value in the range comes back within one step (and the step is
 * no coarser than the range needs by more than the M/exponent grid). */
static void roundtrip(double min, double max)
{
	struct conv c;
	double step, worst = 0;

	CHECK(conv_fit(min, max, &c));
	step = conv_step(&c);
	CHECK(step > 0);
	CHECK(conv_to_value(&c, 0) <= min + 1e-9);
	CHECK(conv_to_value(&c, 255) >= max - 1e-9);
	/* The finest step that covers the range, give or take the decimal grid. */
	CHECK(step <= (max - min) / 255 * 1.11 + 1e-12 || step <= (max - min) / 200);
	for (int i = 0; i <= 1000; i++) {
		double v = min + (max - min) * i / 1000.0;
		double back = conv_to_value(&c, conv_to_raw(&c, v));

		if (fabs(back - v) > worst)
			worst = fabs(back - v);
	}
	CHECK(worst <= step / 2 + 1e-9);
	if (worst > step / 2 + 1e-9)
		fprintf(stderr, "range %g..%g: M %d B %d Bexp %d Rexp %d worst %g step %g\n", min, max,
			c.m, c.b, c.bexp, c.rexp, worst, step);
}

static void test_conv(void)
{
	struct conv c;

	roundtrip(0, 127.5);
	roundtrip(-40, 87.5);
	roundtrip(0, 15.3);
	roundtrip(0, 25500);
	roundtrip(0, 3.825);
	roundtrip(-128, 127);
	roundtrip(0.5, 1.5);
	roundtrip(1000, 60000);
	roundtrip(-0.01, 0.01);
	/* Exact grids come out exact: 0..127.5 in halves, fans in hundreds. */
	CHECK(conv_fit(0, 127.5, &c) && fabs(conv_step(&c) - 0.5) < 1e-12);
	CHECK(conv_fit(0, 25500, &c) && fabs(conv_step(&c) - 100) < 1e-9);
	CHECK(conv_fit(-40, 87.5, &c) && fabs(conv_to_value(&c, 0) + 40) < 1e-9);
	CHECK(conv_to_raw(&c, -100) == 0);
	CHECK(conv_to_raw(&c, 1000) == 255);
	CHECK(conv_to_raw(&c, NAN) == 0);
	CHECK(!conv_fit(5, 5, &c));
	CHECK(!conv_fit(0, 1e13, &c));
}

static int errors;
static char last[512];

static void on_error(const char *msg, void *userdata)
{
	errors++;
	snprintf(last, sizeof(last), "%s", msg);
}

static const char *HEAD =
	"{\"name\": \"t\", \"users\": [{\"id\": 2, \"name\": \"admin\", \"password\": \"password\","
	" \"privilege\": \"administrator\", \"enabled\": true}], \"sensors\": [";

static int parse_sensors(const char *sensors, struct board_config *cfg)
{
	static char text[8192];

	snprintf(text, sizeof(text), "%s%s]}", HEAD, sensors);
	errors = 0;
	last[0] = '\0';
	return config_parse(text, strlen(text), cfg, on_error, NULL);
}

static void bad(const char *sensors, const char *expect)
{
	static struct board_config cfg;

	CHECK(parse_sensors(sensors, &cfg) < 0);
	CHECK(strstr(last, expect) != NULL);
	if (!strstr(last, expect))
		fprintf(stderr, "  expected \"%s\", got \"%s\"\n", expect, last);
}

static void test_config(void)
{
	static struct board_config cfg;

	CHECK(parse_sensors("{\"name\": \"CPU Temp\", \"type\": \"temperature\", \"units\": \"degrees C\","
			    " \"min\": 0, \"max\": 127.5, \"thresholds\": {\"unc\": 80, \"uc\": 90},"
			    " \"source\": {\"kind\": \"sim\", \"value\": 40}},"
			    "{\"name\": \"PSU\", \"type\": \"power_supply\", \"number\": 1, \"states\": [0, 1],"
			    " \"source\": {\"kind\": \"hwmon\", \"name\": \"pmbus\", \"channel\": \"in1\"}}",
			    &cfg) == 0);
	CHECK(cfg.n_sensors == 2);
	CHECK(cfg.sensors[0].number == 2);	/* 1 is taken by the second one */
	CHECK(cfg.sensors[0].threshold && cfg.sensors[0].type == 1 && cfg.sensors[0].unit == 1);
	CHECK(cfg.sensors[0].thr_present == (1 << THR_UNC | 1 << THR_UC));
	CHECK(!cfg.sensors[1].threshold && cfg.sensors[1].event_type == 0x6f);
	CHECK(cfg.sensors[1].states == 0x3);
	CHECK(cfg.sensors[1].src == SRC_HWMON && fabs(cfg.sensors[1].scale - 0.001) < 1e-12);
	CHECK(!strcmp(cfg.hwmon_root, "/sys/class/hwmon"));

	bad("{\"type\": \"fan\", \"source\": {\"kind\": \"sim\"}}", "sensors[0].name: missing");
	bad("{\"name\": \"x\", \"type\": \"nope\", \"source\": {\"kind\": \"sim\"}}",
	    "sensors[0].type: \"nope\" is not a sensor type");
	bad("{\"name\": \"x\", \"type\": \"fan\", \"min\": 10, \"max\": 5, \"source\": {\"kind\": \"sim\"}}",
	    "max (5) must be above min (10)");
	bad("{\"name\": \"x\", \"type\": \"fan\", \"max\": 100, \"thresholds\": {\"unc\": 50, \"uc\": 40},"
	    " \"source\": {\"kind\": \"sim\"}}", "thresholds out of order");
	bad("{\"name\": \"x\", \"type\": \"fan\", \"max\": 100, \"thresholds\": {\"unc\": 500},"
	    " \"source\": {\"kind\": \"sim\"}}", "sensors[0].thresholds.unc: 500 is out of range");
	bad("{\"name\": \"x\", \"type\": \"fan\", \"source\": {\"kind\": \"gpio\"}}",
	    "sensors[0].source.kind: \"gpio\" is not a sensor source");
	bad("{\"name\": \"x\", \"type\": \"fan\", \"source\": {\"kind\": \"i2c\", \"bus\": 1}}",
	    "i2c source needs \"address\"");
	bad("{\"name\": \"a/b\", \"type\": \"fan\", \"source\": {\"kind\": \"sim\"}}",
	    "without '/'");
	bad("{\"name\": \"x\", \"type\": \"fan\", \"source\": {\"kind\": \"sim\"}},"
	    "{\"name\": \"x\", \"type\": \"fan\", \"source\": {\"kind\": \"sim\"}}", "is used by sensors[0]");
	bad("{\"name\": \"x\", \"number\": 3, \"type\": \"fan\", \"source\": {\"kind\": \"sim\"}},"
	    "{\"name\": \"y\", \"number\": 3, \"type\": \"fan\", \"source\": {\"kind\": \"sim\"}}",
	    "sensor number 3 is used twice");
	bad("{\"name\": \"x\", \"number\": 224, \"type\": \"fan\", \"source\": {\"kind\": \"sim\"}}",
	    "224 is out of range 1..223");
	bad("{\"name\": \"x\", \"type\": \"fan\", \"bogus\": 1, \"source\": {\"kind\": \"sim\"}}",
	    "sensors[0].bogus: unknown key");
	bad("{\"name\": \"x\", \"type\": \"fan\"}", "sensors[0].source: missing");
}

static void test_validate(void)
{
	uint8_t rec[64] = { 0, 0, SDR_VERSION, SDR_EVENT_ONLY, 0 };
	unsigned len = SDR_HDR_LEN + 12 + 3;

	rec[4] = (uint8_t)(len - SDR_HDR_LEN);
	rec[SDR_HDR_LEN + 11] = 0xc3;	/* ID: 3 ASCII bytes */
	memcpy(rec + SDR_HDR_LEN + 12, "abc", 3);
	CHECK(sdr_validate(rec, len) == CC_OK);
	CHECK(sdr_validate(rec, 4) == CC_REQ_LEN);
	rec[4]++;
	CHECK(sdr_validate(rec, len) == CC_REQ_LEN);		/* length byte disagrees */
	rec[4]--;
	rec[SDR_HDR_LEN + 11] = 0xc9;				/* ID longer than the record */
	CHECK(sdr_validate(rec, len) == CC_INVALID_FIELD);
	rec[SDR_HDR_LEN + 11] = 0xc3;
	rec[2] = 0x10;						/* not SDR version 51h */
	CHECK(sdr_validate(rec, len) == CC_INVALID_FIELD);
	rec[2] = SDR_VERSION;
	rec[3] = 0x77;						/* unknown type */
	CHECK(sdr_validate(rec, len) == CC_INVALID_FIELD);
	rec[3] = SDR_FULL;					/* too short for a full record */
	CHECK(sdr_validate(rec, len) == CC_REQ_LEN);
}

/* An I2C sensor on a bus the machine does not have: "reading
 * unavailable" at every poll, no crash, no fd left behind. */
static void test_i2c_missing_bus(void)
{
	static struct board_config cfg;
	char tdir[] = "/tmp/test-sensors-XXXXXX";
	struct sensors ss;
	sd_event *ev = NULL;
	int dfd;

	CHECK(parse_sensors("{\"name\": \"Inlet\", \"type\": \"temperature\", \"units\": "
			    "\"degrees C\", \"min\": 0, \"max\": 127, \"source\": {\"kind\": \"i2c\", "
			    "\"bus\": 250, \"address\": 72, \"register\": 0}}", &cfg) == 0);
	if (errors)
		fprintf(stderr, "  %s\n", last);
	CHECK(cfg.n_sensors == 1 && cfg.sensors[0].src == SRC_I2C);
	if (cfg.n_sensors != 1)
		return;
	CHECK(mkdtemp(tdir) != NULL);
	dfd = open(tdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dfd >= 0 && sd_event_new(&ev) >= 0);
	CHECK(sensors_init(&ss, ev, &cfg, dfd) == 0 && ss.n == 1);
	for (int i = 0; i < 2 && ss.n == 1; i++) {
		sensor_poll(&ss.s[0]);
		CHECK(ss.s[0].unavailable && !ss.s[0].valid && ss.s[0].i2c.fd < 0);
	}
	sensors_done(&ss);
	sd_event_unref(ev);
	unlinkat(dfd, "sim", AT_REMOVEDIR);
	close(dfd);
	rmdir(tdir);
}

static void put_file(int dfd, const char *name, const void *p, size_t n)
{
	int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	CHECK(fd >= 0 && write(fd, p, n) == (ssize_t)n);
	if (fd >= 0)
		close(fd);
}

/* An I2C sensor whose device holds the bus (the simulated device's
 * "stall" knob, i2c/dev.h): the first poll waits out the adapter timeout,
 * then the device is left alone (reading unavailable, no transfer, so no
 * wait) until its probe is due; healed, the probe brings the reading back. */
static void test_i2c_stall_backoff(void)
{
	static struct board_config cfg;
	char tdir[] = "/tmp/test-sensors-XXXXXX";
	const uint8_t regs[2] = { 0, 42 };	/* register 1: 42 degrees */
	struct sensors ss;
	struct sensor *s;
	sd_event *ev = NULL;
	uint64_t t0;
	int dfd;

	CHECK(parse_sensors("{\"name\": \"Inlet\", \"type\": \"temperature\", \"units\": "
			    "\"degrees C\", \"min\": 0, \"max\": 127, \"source\": {\"kind\": \"i2c\", "
			    "\"bus\": 250, \"address\": 72, \"register\": 1}}", &cfg) == 0);
	if (cfg.n_sensors != 1)
		return;
	CHECK(mkdtemp(tdir) != NULL);
	dfd = open(tdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dfd >= 0 && sd_event_new(&ev) >= 0);
	CHECK(sensors_init(&ss, ev, &cfg, dfd) == 0 && ss.n == 1);
	if (ss.n != 1)
		return;
	s = &ss.s[0];
	/* the device: a simulated register file instead of /dev/i2c-250 */
	i2c_dev_init_sim(&s->i2c, dfd, "chip", 72, 256);
	put_file(dfd, "chip", regs, sizeof(regs));
	sensor_poll(s);
	CHECK(s->valid && !s->unavailable && fabs(conv_to_value(&s->conv, s->raw) - 42) < 1);
	put_file(dfd, "chip.fault", "stall\n", 6);
	t0 = i2c_now_usec();
	sensor_poll(s);
	CHECK(i2c_now_usec() - t0 >= 90000);
	CHECK(s->unavailable && s->i2c_backoff.delay_ms == I2C_BACKOFF_MIN_MS);
	t0 = i2c_now_usec();
	sensor_poll(s);
	CHECK(i2c_now_usec() - t0 < 50000);	/* no transfer */
	CHECK(s->unavailable);
	/* healed: still left alone until the probe, which brings it back */
	unlinkat(dfd, "chip.fault", 0);
	sensor_poll(s);
	CHECK(s->unavailable);
	s->i2c_backoff.until_usec = 0;
	sensor_poll(s);
	CHECK(!s->unavailable && s->i2c_backoff.delay_ms == 0);
	CHECK(fabs(conv_to_value(&s->conv, s->raw) - 42) < 1);
	sensors_done(&ss);
	sd_event_unref(ev);
	unlinkat(dfd, "chip", 0);
	unlinkat(dfd, "sim", AT_REMOVEDIR);
	close(dfd);
	rmdir(tdir);
}

/* A pushed sensor (source "dbus") and the threshold setter IPMI and D-Bus
 * share. */
static void test_push_and_set_thresholds(void)
{
	static struct board_config cfg;
	char tdir[] = "/tmp/test-sensors-XXXXXX";
	struct sensors ss;
	struct sensor *s;
	sd_event *ev = NULL;
	uint8_t v[THR_COUNT] = { 0 };
	int dfd;

	CHECK(parse_sensors("{\"name\": \"Ext\", \"type\": \"temperature\", \"units\": "
			    "\"degrees C\", \"min\": 0, \"max\": 127.5, \"thresholds\": {\"lnc\": 10, "
			    "\"unc\": 80, \"uc\": 90}, \"source\": {\"kind\": \"dbus\", \"timeout_s\": 5}},"
			    "{\"name\": \"Sim\", \"type\": \"temperature\", \"units\": \"degrees C\", "
			    "\"thresholds\": {\"unc\": 80, \"settable\": false}, "
			    "\"source\": {\"kind\": \"sim\", \"value\": 20}}", &cfg) == 0);
	if (errors)
		fprintf(stderr, "  %s\n", last);
	CHECK(cfg.n_sensors == 2 && cfg.sensors[0].src == SRC_DBUS && cfg.sensors[0].timeout_s == 5);
	if (cfg.n_sensors != 2)
		return;
	CHECK(mkdtemp(tdir) != NULL);
	dfd = open(tdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(dfd >= 0 && sd_event_new(&ev) >= 0);
	CHECK(sensors_init(&ss, ev, &cfg, dfd) == 0 && ss.n == 2);
	if (ss.n == 2) {
		s = &ss.s[0];
		/* No reading before the first push, nor after NaN. */
		sensor_poll(s);
		CHECK(s->unavailable && !s->valid);
		CHECK(sensor_push(s, 85) == 0 && !s->unavailable && s->valid && s->raw == 170);
		CHECK(s->asserted == (1u << THR_EV_HIGH(THR_UNC)));
		CHECK(sensor_push(s, 128) == -ERANGE && sensor_push(s, -0.5) == -ERANGE && s->raw == 170);
		CHECK(sensor_push(&ss.s[1], 20) == -ENOTTY);
		CHECK(sensor_push(s, NAN) == 0 && s->unavailable);
		CHECK(sensor_push(s, 40) == 0 && !s->unavailable && s->raw == 80);
		/* Thresholds: the order kept, only settable ones. */
		v[THR_UNC] = 100;
		CHECK(sensor_set_thresholds(s, 1u << THR_UNC, v, "test") == 0 && s->thr[THR_UNC] == 100);
		v[THR_UNC] = 200;	/* above uc (180) */
		CHECK(sensor_set_thresholds(s, 1u << THR_UNC, v, "test") == -EDOM && s->thr[THR_UNC] == 100);
		v[THR_LC] = 1;		/* not present */
		CHECK(sensor_set_thresholds(s, 1u << THR_LC, v, "test") == -EPERM);
		v[THR_UNC] = 150;
		CHECK(sensor_set_thresholds(&ss.s[1], 1u << THR_UNC, v, "test") == -EPERM);
		/* A cold reset brings back the board's. */
		sensors_reset_volatile(&ss);
		CHECK(s->thr[THR_UNC] == 160);
	}
	sensors_done(&ss);
	sd_event_unref(ev);
	unlinkat(dfd, "sim", AT_REMOVEDIR);
	close(dfd);
	rmdir(tdir);

	bad("{\"name\": \"x\", \"type\": \"temperature\", \"units\": \"degrees C\", "
	    "\"source\": {\"kind\": \"dbus\", \"channel\": \"temp1\"}}",
	    "sensors[0].source.channel: not a key of a dbus source");
	bad("{\"name\": \"x\", \"type\": \"temperature\", \"units\": \"degrees F\", "
	    "\"source\": {\"kind\": \"dbus\"}}", "a dbus source needs a threshold sensor");
	bad("{\"name\": \"x\", \"type\": \"fan\", \"source\": {\"kind\": \"sim\", \"timeout_s\": 3}}",
	    "only a dbus source has a timeout");
}

int main(void)
{
	test_conv();
	test_i2c_missing_bus();
	test_i2c_stall_backoff();
	test_push_and_set_thresholds();
	test_config();
	test_validate();
	return tap_done("sensors");
}
