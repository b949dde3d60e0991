/* SPDX-License-Identifier: MIT */
/*
 * thermalbench: the CPU one control period costs with 8 zones of 8 inputs
 * (64 sim temperature sensors, half PID, half stepwise) and one hwmon PWM
 * output each (files in a temporary hwmon-shaped directory).  Runs the
 * loop body (thermal_step) N times and prints CPU time per period.  A
 * measurement, not a test.  Build and run: ninja -C build thermalbench &&
 * build/thermalbench [PERIODS].
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/bmc.h"
#include "sensors/sensors.h"
#include "thermal/thermal.h"

#define ZONES 8
#define INPUTS 8

static void report(const char *msg, void *userdata)
{
	fprintf(stderr, "board: %s\n", msg);
}

static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void cleanup(const char *dir)
{
	char path[256];

	for (unsigned z = 0; z < ZONES; z++) {
		snprintf(path, sizeof(path), "%s/hwmon0/pwm%u", dir, z + 1);
		unlink(path);
		snprintf(path, sizeof(path), "%s/hwmon0/pwm%u_enable", dir, z + 1);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/hwmon0/name", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/hwmon0", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/sim", dir);	/* the sensors' */
	rmdir(path);
	rmdir(dir);
}

int main(int argc, char **argv)
{
	unsigned periods = argc > 1 ? (unsigned)atoi(argv[1]) : 2000;
	char dir[] = "/tmp/thermalbench-XXXXXX", path[256];
	struct bmc *bmc = calloc(1, sizeof(*bmc));
	struct sensors *ss = calloc(1, sizeof(*ss));
	struct thermal *t = calloc(1, sizeof(*t));
	size_t cap = 1 << 20, len = 0;
	char *json = malloc(cap);
	double t0, t1;
	FILE *f;

	if (!bmc || !ss || !t || !json || !mkdtemp(dir))
		return 1;
	snprintf(path, sizeof(path), "%s/hwmon0", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/hwmon0/name", dir);
	f = fopen(path, "w");
	fputs("benchfan\n", f);
	fclose(f);
	for (unsigned z = 0; z < ZONES; z++) {
		snprintf(path, sizeof(path), "%s/hwmon0/pwm%u", dir, z + 1);
		fclose(fopen(path, "w"));
		snprintf(path, sizeof(path), "%s/hwmon0/pwm%u_enable", dir, z + 1);
		fclose(fopen(path, "w"));
	}
	len += (size_t)snprintf(json + len, cap - len, "{\"name\": \"bench\", \"users\": [{\"id\": 2, \"name\": \"admin\", \"password\": \"password\", \"privilege\": \"administrator\", \"enabled\": true}], \"hwmon_root\": \"%s\", \"sensors\": [", dir);
	for (unsigned i = 0; i < ZONES * INPUTS; i++)
		len += (size_t)snprintf(json + len, cap - len,
			"%s{\"name\": \"T%02u\", \"type\": \"temperature\", \"entity\": \"processor\", "
			"\"units\": \"degrees C\", \"min\": 0, \"max\": 127.5, \"thresholds\": {\"uc\": 95}, "
			"\"source\": {\"kind\": \"sim\", \"value\": 55, \"swing\": 5}}", i ? "," : "", i);
	len += (size_t)snprintf(json + len, cap - len, "], \"thermal\": {\"period_ms\": 1000, \"zones\": [");
	for (unsigned z = 0; z < ZONES; z++) {
		len += (size_t)snprintf(json + len, cap - len, "%s{\"name\": \"z%u\", \"inputs\": [",
					z ? "," : "", z);
		for (unsigned i = 0; i < INPUTS; i++)
			len += (size_t)snprintf(json + len, cap - len, i % 2 ?
				"%s{\"sensor\": \"T%02u\", \"steps\": [[30, 20], [50, 50], [70, 100]]}" :
				"%s{\"sensor\": \"T%02u\", \"setpoint\": 60, \"pid\": {\"kp\": 4, \"ki\": 1}}",
				i ? "," : "", z * INPUTS + i);
		len += (size_t)snprintf(json + len, cap - len,
					"], \"outputs\": [{\"pwm\": \"benchfan/pwm%u\"}], \"min_duty\": 20}", z + 1);
	}
	len += (size_t)snprintf(json + len, cap - len, "]}}");
	if (config_parse(json, len, &bmc->cfg, report, NULL) < 0) {
		cleanup(dir);
		return 1;
	}
	sd_event_new(&bmc->ev);
	bmc->state_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	bmc->sensors = ss;
	bmc->thermal = t;
	if (sensors_init(ss, bmc->ev, &bmc->cfg, bmc->state_fd) < 0 || thermal_init(t, bmc) < 0) {
		cleanup(dir);
		return 1;
	}
	thermal_step(t, 1);
	t0 = cpu_s();
	for (unsigned n = 0; n < periods; n++)
		thermal_step(t, 2 + (uint64_t)n * 1000000u);
	t1 = cpu_s();
	printf("thermal loop: %u zones, %u inputs, %u hwmon outputs: %.1f us CPU per period "
	       "(%u periods)\n", ZONES, ZONES * INPUTS, ZONES, (t1 - t0) / periods * 1e6, periods);
	thermal_done(t);
	sensors_done(ss);
	cleanup(dir);
	return 0;
}
