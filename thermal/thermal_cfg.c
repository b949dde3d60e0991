/* SPDX-License-Identifier: MIT */
/* Board-file section "thermal" (docs/thermal.md). */
#include <stdio.h>
#include <string.h>

#include "daemon/config_parse.h"

void thermal_defaults(struct board_config *cfg)
{
	memset(&cfg->thermal, 0, sizeof(cfg->thermal));
	cfg->thermal.period_ms = 1000;
}

/* A required number: reported as missing when absent. */
static bool need_number(struct pctx *c, json_object *obj, const char *parent, const char *key,
			double lo, double hi, double *out)
{
	char path[PATH_LEN];
	json_object *v;

	if (!cfg_find(c, obj, parent, key, true, path, &v))
		return false;
	return cfg_get_number(c, obj, parent, key, lo, hi, out);
}

/* A sensor name (1..16 printable characters) into out. */
static bool get_name(struct pctx *c, json_object *obj, const char *parent, const char *key,
		     bool required, char *out, size_t size)
{
	char path[PATH_LEN];
	const char *s;
	size_t len;

	if (!cfg_get_string(c, obj, parent, key, required, path, &s, &len))
		return false;
	if (len == 0 || len >= size || !cfg_printable_ascii(s, len)) {
		cfg_report(c, path, "not a name of 1 to %zu printable characters", size - 1);
		return false;
	}
	memcpy(out, s, len + 1);
	return true;
}

static bool is_number(json_object *v)
{
	return json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int);
}

static void parse_step(struct pctx *c, json_object *pair, const char *path, size_t i, void *ctx)
{
	struct cfg_thermal_input *in = ctx;
	json_object *t, *d;

	if (json_object_array_length(pair) != 2 ||
	    !is_number(t = json_object_array_get_idx(pair, 0)) ||
	    !is_number(d = json_object_array_get_idx(pair, 1))) {
		cfg_report(c, path, "not a [temperature, duty] pair of numbers");
		return;
	}
	in->step_temp[i] = json_object_get_double(t);
	in->step_duty[i] = json_object_get_double(d);
	if (!(in->step_duty[i] >= 0 && in->step_duty[i] <= 100))
		cfg_report(c, path, "duty %g is not 0..100", in->step_duty[i]);
	if (i > 0 && !(in->step_temp[i] > in->step_temp[i - 1]))
		cfg_report(c, path, "temperatures must rise from step to step");
	in->n_steps = (unsigned)i + 1;
}

static void parse_input(struct pctx *c, json_object *obj, const char *base, size_t idx, void *ctx)
{
	static const char *const keys[] = { "sensor", "setpoint", "pid", "steps", NULL };
	static const char *const pid_keys[] = { "kp", "ki", "kd", NULL };
	struct cfg_thermal_zone *z = ctx;
	struct cfg_thermal_input *in = &z->in[z->n_in++];
	char path[PATH_LEN], sub[PATH_LEN];
	json_object *pid = NULL, *steps = NULL;

	cfg_check_keys(c, obj, base, keys);
	get_name(c, obj, base, "sensor", true, in->sensor, sizeof(in->sensor));
	json_object_object_get_ex(obj, "pid", &pid);
	json_object_object_get_ex(obj, "steps", &steps);
	if (!pid == !steps) {
		cfg_report(c, base, "needs exactly one of \"pid\" and \"steps\"");
		return;
	}
	if (pid) {
		in->ctl = CTL_PID;
		cfg_path_key(path, base, "pid");
		if (!cfg_is_type(c, path, pid, json_type_object))
			return;
		cfg_check_keys(c, pid, path, pid_keys);
		need_number(c, obj, base, "setpoint", -100, 300, &in->setpoint);
		need_number(c, pid, path, "kp", 0, 1000, &in->kp);
		cfg_get_number(c, pid, path, "ki", 0, 1000, &in->ki);
		cfg_get_number(c, pid, path, "kd", 0, 1000, &in->kd);
		return;
	}
	in->ctl = CTL_STEPS;
	cfg_path_key(sub, base, "steps");
	if (!cfg_is_type(c, sub, steps, json_type_array))
		return;
	if (json_object_array_length(steps) == 0 ||
	    json_object_array_length(steps) > THERMAL_MAX_STEPS) {
		cfg_report(c, sub, "needs 1 to %d [temperature, duty] steps", THERMAL_MAX_STEPS);
		return;
	}
	cfg_each_of(c, steps, sub, json_object_array_length(steps), json_type_array, parse_step, in);
	if (json_object_object_get_ex(obj, "setpoint", NULL))
		cfg_report(c, base, "\"setpoint\" goes with \"pid\", not \"steps\"");
}

static void parse_output(struct pctx *c, json_object *obj, const char *base, size_t idx, void *ctx)
{
	static const char *const keys[] = { "pwm", "fan", "tach", NULL };
	struct cfg_thermal_zone *z = ctx;
	struct cfg_thermal_output *o = &z->out[z->n_out++];
	char path[PATH_LEN];
	const char *s, *slash;
	size_t len;
	bool has_pwm = json_object_object_get_ex(obj, "pwm", NULL);

	cfg_check_keys(c, obj, base, keys);
	if (has_pwm == json_object_object_get_ex(obj, "fan", NULL)) {
		cfg_report(c, base, "needs exactly one of \"pwm\" (hwmon) and \"fan\" (sim)");
		return;
	}
	get_name(c, obj, base, "tach", false, o->tach, sizeof(o->tach));
	if (!has_pwm) {
		o->sim = true;
		if (get_name(c, obj, base, "fan", true, o->fan, sizeof(o->fan)) && !o->tach[0])
			memcpy(o->tach, o->fan, sizeof(o->tach));
		return;
	}
	if (!cfg_get_string(c, obj, base, "pwm", true, path, &s, &len))
		return;
	slash = memchr(s, '/', len);
	if (!slash || slash == s || (size_t)(slash - s) >= sizeof(o->hwmon_name) ||
	    !cfg_printable_ascii(s, len) || sscanf(slash + 1, "pwm%u", &o->pwm) != 1 ||
	    o->pwm < 1 || o->pwm > 99 || strspn(slash + 4, "0123456789") != len - (size_t)(slash + 4 - s)) {
		cfg_report(c, path, "not \"HWMON-NAME/pwmN\" (e.g. \"nct6775/pwm1\")");
		return;
	}
	memcpy(o->hwmon_name, s, (size_t)(slash - s));
	o->hwmon_name[slash - s] = '\0';
}

static void parse_zone(struct pctx *c, json_object *obj, const char *base, size_t idx, void *ctx)
{
	static const char *const keys[] = {
		"name", "inputs", "outputs", "min_duty", "max_duty", "ramp_up", "ramp_down",
		"failsafe_duty", NULL
	};
	struct cfg_thermal *t = ctx;
	struct cfg_thermal_zone *z = &t->zones[t->n_zones++];

	cfg_check_keys(c, obj, base, keys);
	get_name(c, obj, base, "name", true, z->name, sizeof(z->name));
	cfg_each(c, obj, base, "inputs", true, THERMAL_MAX_INPUTS, "inputs", parse_input, z);
	if (cfg_each(c, obj, base, "outputs", true, THERMAL_MAX_OUTPUTS, "outputs", parse_output, z) &&
	    z->n_out == 0) {
		char path[PATH_LEN];

		cfg_path_key(path, base, "outputs");
		cfg_report(c, path, "a zone needs at least one output");
	}
	z->min_duty = 0;
	z->max_duty = 100;
	z->failsafe_duty = 100;
	cfg_get_number(c, obj, base, "min_duty", 0, 100, &z->min_duty);
	cfg_get_number(c, obj, base, "max_duty", 0, 100, &z->max_duty);
	cfg_get_number(c, obj, base, "ramp_up", 0, 1000, &z->ramp_up);
	cfg_get_number(c, obj, base, "ramp_down", 0, 1000, &z->ramp_down);
	cfg_get_number(c, obj, base, "failsafe_duty", 0, 100, &z->failsafe_duty);
	if (z->min_duty > z->max_duty)
		cfg_report(c, base, "min_duty %g is above max_duty %g", z->min_duty, z->max_duty);
}

void thermal_parse_config(struct pctx *c, json_object *root, struct board_config *cfg)
{
	static const char *const keys[] = { "period_ms", "zones", NULL };
	json_object *obj = cfg_section(c, root, "thermal", keys);
	struct cfg_thermal *t = &cfg->thermal;
	int64_t n;

	if (!obj)
		return;
	if (cfg_get_int(c, obj, "thermal", "period_ms", 100, 60000, &n))
		t->period_ms = (unsigned)n;
	cfg_each(c, obj, "thermal", "zones", true, THERMAL_MAX_ZONES, "zones", parse_zone, t);
}

static const struct cfg_sensor *find_sensor(const struct board_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_sensors; i++)
		if (!strcmp(cfg->sensors[i].name, name))
			return &cfg->sensors[i];
	return NULL;
}

/* The reading above which an input is critical: its uc, else its unr. */
bool thermal_critical(const struct cfg_sensor *s, double *crit)
{
	if (s->thr_present & 1u << THR_UC)
		*crit = s->thr[THR_UC];
	else if (s->thr_present & 1u << THR_UNR)
		*crit = s->thr[THR_UNR];
	else
		return false;
	return true;
}

/* Names against the sensors section, and outputs claimed once. */
void thermal_check_config(struct pctx *c, struct board_config *cfg)
{
	const struct cfg_thermal *t = &cfg->thermal;
	char path[PATH_LEN];

	for (unsigned zi = 0; zi < t->n_zones; zi++) {
		const struct cfg_thermal_zone *z = &t->zones[zi];

		for (unsigned i = 0; i < z->n_in; i++) {
			const struct cfg_thermal_input *in = &z->in[i];
			const struct cfg_sensor *s = find_sensor(cfg, in->sensor);
			double crit;

			snprintf(path, sizeof(path), "thermal.zones[%u].inputs[%u].sensor", zi, i);
			if (!in->sensor[0])
				continue;
			if (!s) {
				cfg_report(c, path, "no sensor named \"%s\" in \"sensors\"", in->sensor);
				continue;
			}
			if (!s->threshold) {
				cfg_report(c, path, "\"%s\" is not a threshold sensor", in->sensor);
				continue;
			}
			snprintf(path, sizeof(path), "thermal.zones[%u].inputs[%u].setpoint", zi, i);
			if (in->ctl == CTL_PID && thermal_critical(s, &crit) && in->setpoint >= crit)
				cfg_report(c, path, "%g is not below the critical threshold %g of \"%s\"",
					   in->setpoint, crit, in->sensor);
		}
		for (unsigned i = 0; i < z->n_out; i++) {
			const struct cfg_thermal_output *o = &z->out[i];

			snprintf(path, sizeof(path), "thermal.zones[%u].outputs[%u].%s", zi, i,
				 o->sim ? "fan" : "pwm");
			if (o->sim && o->fan[0] && !find_sensor(cfg, o->fan))
				cfg_report(c, path, "no sensor named \"%s\" in \"sensors\"", o->fan);
			if (o->tach[0] && !find_sensor(cfg, o->tach)) {
				snprintf(path, sizeof(path), "thermal.zones[%u].outputs[%u].tach", zi, i);
				cfg_report(c, path, "no sensor named \"%s\" in \"sensors\"", o->tach);
			}
			/* Claimed before, in this zone or an earlier one? */
			for (unsigned zj = 0; zj <= zi; zj++) {
				const struct cfg_thermal_zone *y = &t->zones[zj];
				unsigned lim = zj == zi ? i : y->n_out;

				for (unsigned k = 0; k < lim; k++) {
					const struct cfg_thermal_output *p = &y->out[k];

					if (p->sim != o->sim || (o->sim ? strcmp(p->fan, o->fan) :
					    strcmp(p->hwmon_name, o->hwmon_name) || p->pwm != o->pwm))
						continue;
					cfg_report(c, path, "already an output of zone \"%s\"", y->name);
					zj = zi + 1;
					break;
				}
			}
		}
	}
}
