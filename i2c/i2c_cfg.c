/* SPDX-License-Identifier: MIT */
/*
 * Board file section "i2c" (docs/board-file.md): the buses Master
 * Write-Read (App 52h) may reach and, per bus, the addresses it may touch.
 *
 *   "i2c": {
 *     "privilege": "administrator",
 *     "buses": [
 *       {"bus": "private", "id": 0, "sim": true,
 *        "devices": [{"address": "0x57", "size": 256}],
 *        "allow": [{"address": "0x57", "write": true}]},
 *       {"bus": "private", "id": 3, "device": "/dev/i2c-3",
 *        "allow": [{"address": "0x48", "shared": true}]}
 *     ]
 *   }
 *
 * An allowed address that is one of the BMC's own devices (a FRU EEPROM or
 * a sensor on the same /dev/i2c-N) must say "shared": true, so raw access
 * to them is never granted by accident.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/config_parse.h"
#include "i2c/i2c_cfg.h"

#define ADDR_MIN 0x03			/* 7-bit addresses outside the reserved ones */
#define ADDR_MAX 0x77

/* A 7-bit address: an integer or a string "0xNN". */
static bool get_addr(struct pctx *c, json_object *obj, const char *base, uint8_t *out)
{
	return cfg_get_byte(c, obj, base, "address", true, ADDR_MIN, ADDR_MAX,
			    "a 7-bit address \"0x03\"..\"0x77\"", out);
}

/* "N-00AA" (a Linux I2C client's name) inside s: its bus and address. */
static bool client_name(const char *s, int *bus, uint8_t *addr)
{
	for (const char *p = s; *p; p++) {
		unsigned b, a;
		int used = 0;

		if ((p != s && p[-1] != '/') || *p < '0' || *p > '9')
			continue;
		if (sscanf(p, "%u-%4x%n", &b, &a, &used) == 2 && used >= 6 &&
		    p[used - 5] == '-' && (p[used] == '/' || p[used] == '\0') && a <= 0x7f) {
			*bus = (int)b;
			*addr = (uint8_t)a;
			return true;
		}
	}
	return false;
}

/* The BMC's own device at (linux_bus, addr), for the message; NULL if none. */
static const char *own_device(const struct board_config *cfg, int linux_bus, uint8_t addr,
			      char *buf, size_t size)
{
	int b;
	uint8_t a;

	for (unsigned i = 0; i < cfg->n_frus; i++) {
		const struct cfg_fru *f = &cfg->frus[i];

		if ((f->source == FRU_SRC_EEPROM_I2C && f->i2c_bus == linux_bus && f->i2c_addr == addr) ||
		    (f->source == FRU_SRC_EEPROM_FILE && client_name(f->eeprom_path, &b, &a) &&
		     b == linux_bus && a == addr)) {
			snprintf(buf, size, "FRU %u's EEPROM", f->id);
			return buf;
		}
	}
	for (unsigned i = 0; i < cfg->n_sensors; i++) {
		const struct cfg_sensor *s = &cfg->sensors[i];

		if ((s->src == SRC_I2C && s->i2c_bus == linux_bus && s->i2c_addr == addr) ||
		    (s->src == SRC_HWMON && client_name(s->hwmon_device, &b, &a) &&
		     b == linux_bus && a == addr)) {
			snprintf(buf, size, "sensor \"%s\"'s device", s->name);
			return buf;
		}
	}
	return NULL;
}

/* A bus being parsed, and the board it is checked against. */
struct bus_ctx {
	struct cfg_i2c_bus *b;
	const struct board_config *cfg;
};

static void parse_allow(struct pctx *c, json_object *v, const char *ipath, size_t i, void *ctx)
{
	static const char *const keys[] = { "address", "write", "pointer_bytes", "shared", NULL };
	const struct bus_ctx *bc = ctx;
	struct cfg_i2c_bus *b = bc->b;
	struct cfg_i2c_allow a = { .pointer_bytes = 1 };
	char what[64];
	int64_t x;

	cfg_check_keys(c, v, ipath, keys);
	if (!get_addr(c, v, ipath, &a.addr))
		return;
	cfg_get_bool(c, v, ipath, "write", &a.write);
	if (cfg_get_int(c, v, ipath, "pointer_bytes", 0, 2, &x))
		a.pointer_bytes = (uint8_t)x;
	cfg_get_bool(c, v, ipath, "shared", &a.shared);
	for (unsigned j = 0; j < b->n_allow; j++)
		if (b->allow[j].addr == a.addr)
			cfg_report(c, ipath, "address 0x%02x is listed twice", a.addr);
	if (b->linux_bus >= 0 && !a.shared &&
	    own_device(bc->cfg, b->linux_bus, a.addr, what, sizeof(what)))
		cfg_report(c, ipath, "0x%02x on %s is %s: raw access to it needs \"shared\": true",
			   a.addr, b->device, what);
	b->allow[b->n_allow++] = a;
}

static void parse_sim_device(struct pctx *c, json_object *v, const char *ipath, size_t i, void *ctx)
{
	static const char *const keys[] = { "address", "size", NULL };
	struct cfg_i2c_bus *b = ctx;
	struct cfg_i2c_sim_dev d = { .size = 256 };
	int64_t x;

	cfg_check_keys(c, v, ipath, keys);
	if (!get_addr(c, v, ipath, &d.addr))
		return;
	if (cfg_get_int(c, v, ipath, "size", 1, I2C_SIM_SIZE_MAX, &x))
		d.size = (uint32_t)x;
	for (unsigned j = 0; j < b->n_sim; j++)
		if (b->sim_devs[j].addr == d.addr)
			cfg_report(c, ipath, "address 0x%02x is listed twice", d.addr);
	b->sim_devs[b->n_sim++] = d;
}

static void parse_sim_devices(struct pctx *c, json_object *bus, const char *base,
			      struct cfg_i2c_bus *b)
{
	char path[PATH_LEN];

	if (!b->sim) {
		if (cfg_get_array(c, bus, base, "devices", false, path))
			cfg_report(c, path, "simulated devices need \"sim\": true");
		return;
	}
	cfg_each(c, bus, base, "devices", false, I2C_MAX_SIM, "simulated devices",
		 parse_sim_device, b);
}

static void parse_bus(struct pctx *c, json_object *v, const char *base, size_t idx, void *ctx)
{
	static const char *const keys[] = {
		"bus", "id", "channel", "device", "sim", "devices", "allow", NULL
	};
	static const char *const types[] = { "private", "public", NULL };
	struct board_config *cfg = ctx;
	struct cfg_i2c *ic = &cfg->i2c;
	struct cfg_i2c_bus *b = &ic->buses[ic->n_buses];
	struct bus_ctx bc = { .b = b, .cfg = cfg };
	char path[PATH_LEN];
	unsigned errors = c->n_errors;
	const char *s;
	size_t len;
	int64_t n;
	int k;

	cfg_check_keys(c, v, base, keys);
	memset(b, 0, sizeof(*b));
	b->linux_bus = -1;

	k = cfg_get_word(c, v, base, "bus", types, "a bus type");
	if (k < 0 && !json_object_object_get_ex(v, "bus", NULL))
		cfg_report(c, base, "needs \"bus\": \"private\" or \"public\"");
	b->public = k == 1;
	if (k == 0) {
		if (cfg_get_int(c, v, base, "id", 0, 7, &n))
			b->id = (uint8_t)n;
		else if (!json_object_object_get_ex(v, "id", NULL))
			cfg_report(c, base, "a private bus needs \"id\" (0..7)");
		if (json_object_object_get_ex(v, "channel", NULL))
			cfg_report(c, base, "a private bus has an \"id\", not a \"channel\"");
	} else if (k == 1) {
		if (cfg_get_int(c, v, base, "channel", 0, 15, &n))
			b->id = (uint8_t)n;
		else if (!json_object_object_get_ex(v, "channel", NULL))
			cfg_report(c, base, "a public bus needs \"channel\" (0..15)");
		if (json_object_object_get_ex(v, "id", NULL))
			cfg_report(c, base, "a public bus has a \"channel\", not an \"id\"");
	}

	cfg_get_bool(c, v, base, "sim", &b->sim);
	if (cfg_get_string(c, v, base, "device", false, path, &s, &len)) {
		int used = 0;
		unsigned nb;

		if (len == 0 || len >= sizeof(b->device) || s[0] != '/' || !cfg_printable_ascii(s, len))
			cfg_report(c, path, "not an absolute device path of at most %zu bytes",
				   sizeof(b->device) - 1);
		else
			memcpy(b->device, s, len + 1);
		if (sscanf(b->device, "/dev/i2c-%u%n", &nb, &used) == 1 && (size_t)used == len)
			b->linux_bus = (int)nb;
		if (b->sim)
			cfg_report(c, base, "give \"device\" or \"sim\": true, not both");
	} else if (!b->sim) {
		cfg_report(c, base, "needs \"device\" (e.g. \"/dev/i2c-3\") or \"sim\": true");
	}
	parse_sim_devices(c, v, base, b);
	cfg_each(c, v, base, "allow", false, I2C_MAX_ALLOW, "addresses", parse_allow, &bc);

	if (k >= 0)
		for (unsigned j = 0; j < ic->n_buses; j++)
			if (ic->buses[j].public == b->public && ic->buses[j].id == b->id)
				cfg_report(c, base, "%s bus %s%u is listed twice",
					   b->public ? "public" : "private",
					   b->public ? "on channel " : "", b->id);
	if (c->n_errors == errors)
		ic->n_buses++;
}

void i2c_defaults(struct board_config *cfg)
{
	cfg->i2c.privilege = PRIV_ADMIN;
}

void i2c_parse_config(struct pctx *c, json_object *root, struct board_config *cfg)
{
	static const char *const keys[] = { "privilege", "buses", NULL };
	static const char *const privs[] = { "operator", "administrator", NULL };
	struct cfg_i2c *ic = &cfg->i2c;
	char path[PATH_LEN];
	json_object *obj, *arr;
	size_t n;
	int k;

	obj = cfg_section(c, root, "i2c", keys);
	if (!obj)
		return;
	k = cfg_get_word(c, obj, "i2c", "privilege", privs, "a privilege level");
	if (k >= 0)
		ic->privilege = k == 0 ? PRIV_OPERATOR : PRIV_ADMIN;
	arr = cfg_get_array_max(c, obj, "i2c", "buses", I2C_MAX_BUSES, "buses", path, &n);
	if (arr)
		cfg_each_of(c, arr, path, n, json_type_object, parse_bus, cfg);
}
