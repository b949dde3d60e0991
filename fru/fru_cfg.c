/* SPDX-License-Identifier: MIT */
/*
 * Board file section "fru" (docs/fru.md): an array of FRU devices, each
 * with its contents as fields (encoded here, in IPMI FRU format) or an
 * EEPROM to read them from.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "daemon/config_parse.h"
#include "fru/fru_format.h"

#define MAX_CUSTOM(kind) (FRU_AREA_FIELDS_MAX - fru_area_std_fields[kind])
#define I2C_SIZE_DEFAULT 256

/* SMBIOS chassis types (SMBIOS 3.x table 17), which the FRU chassis type
 * byte uses; indexed by value - 1. */
static const char *const chassis_types[] = {
	"other", "unknown", "desktop", "low-profile-desktop", "pizza-box", "mini-tower",
	"tower", "portable", "laptop", "notebook", "hand-held", "docking-station",
	"all-in-one", "sub-notebook", "space-saving", "lunch-box", "main-server",
	"expansion", "sub-chassis", "bus-expansion", "peripheral", "raid", "rack-mount",
	"sealed-case-pc", "multi-system", "compact-pci", "advanced-tca", "blade",
	"blade-enclosure", "tablet", "convertible", "detachable", "iot-gateway",
	"embedded-pc", "mini-pc", "stick-pc", NULL
};

/* The standard fields of each area, in FRU order. */
static const char *const chassis_fields[] = { "part_number", "serial", NULL };
static const char *const board_fields[] = {
	"manufacturer", "product", "serial", "part_number", "fru_file_id", NULL
};
static const char *const product_fields[] = {
	"manufacturer", "name", "part_number", "version", "serial", "asset_tag",
	"fru_file_id", NULL
};
static const char *const *const std_fields[FRU_AREAS] = {
	chassis_fields, board_fields, product_fields
};

/* One text value into a field, with the reason when it cannot be one. */
static void text_field(struct pctx *c, const char *path, const char *s, size_t len,
		       struct fru_text *t)
{
	switch (fru_text_set(t, s, len)) {
	case 0:
		return;
	case -E2BIG:
		cfg_report(c, path, "longer than %d bytes (Latin-1)", FRU_FIELD_MAX);
		return;
	case -EDOM:
		cfg_report(c, path, "a one-character value must be a space, digit, upper-case "
			   "letter or one of !\"#$%%&'()*+,-./:;<=>?@[\\]^_ (6-bit ASCII)");
		return;
	default:
		cfg_report(c, path, "not printable Latin-1 text");
		return;
	}
}

static void custom_one(struct pctx *c, json_object *v, const char *ipath, size_t i, void *ctx)
{
	struct fru_area_src *a = ctx;

	text_field(c, ipath, json_object_get_string(v), (size_t)json_object_get_string_len(v),
		   &a->f[a->n++]);
}

static void parse_custom(struct pctx *c, json_object *obj, const char *base,
			 enum fru_area_kind kind, struct fru_area_src *a)
{
	cfg_each_type(c, obj, base, "custom", false, (unsigned)MAX_CUSTOM(kind), "custom fields",
		      json_type_string, custom_one, a);
}

/* "YYYY-MM-DD HH:MM" (or with 'T', optional ":SS" and "Z"), UTC, or an
 * integer count of minutes since 1996-01-01 00:00 UTC. */
static void parse_mfg_date(struct pctx *c, json_object *obj, const char *base, uint8_t out[3])
{
	char path[PATH_LEN], show[SHOW_LEN];
	int y, mo, d, h, mi, se = 0, used = 0;
	struct tm tm = { 0 }, back;
	json_object *v;
	time_t t;
	int64_t minutes = -1;
	char sep;

	if (!cfg_find(c, obj, base, "mfg_date", false, path, &v))
		return;
	if (json_object_is_type(v, json_type_int)) {
		if (!cfg_int_value(c, path, v, 0, 0xffffff, &minutes))
			return;
	} else if (cfg_is_type(c, path, v, json_type_string)) {
		const char *s = json_object_get_string(v), *p = s;
		bool ok;

		ok = sscanf(s, "%4d-%2d-%2d%c%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi, &used) == 6 &&
		     used == 16 && (sep == ' ' || sep == 'T');
		p = s + (ok ? used : 0);
		if (ok && *p == ':') {
			ok = sscanf(p, ":%2d%n", &se, &used) == 1 && used == 3;
			p += 3;
		}
		if (ok && *p == 'Z')
			p++;
		cfg_escape(show, sizeof(show), s, strlen(s));
		if (!ok || *p) {
			cfg_report(c, path, "\"%s\" is not \"YYYY-MM-DD HH:MM\" (UTC)", show);
			return;
		}
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = se;
		/* timegm() turns 2024-02-30 into March: refuse such dates. */
		t = timegm(&tm);
		gmtime_r(&t, &back);
		if (back.tm_mday == d && back.tm_mon == mo - 1 && back.tm_hour == h &&
		    back.tm_min == mi && se >= 0 && se < 60)
			minutes = fru_date_from_unix((int64_t)t);
		if (minutes < 0) {
			cfg_report(c, path, "\"%s\" is not a date from 1996-01-01 00:00 to "
				   "2027-11-24 20:15 (UTC)", show);
			return;
		}
	} else {
		return;
	}
	out[0] = (uint8_t)minutes;
	out[1] = (uint8_t)(minutes >> 8);
	out[2] = (uint8_t)(minutes >> 16);
}

static void parse_chassis_type(struct pctx *c, json_object *obj, const char *base, uint8_t *out)
{
	char path[PATH_LEN];
	json_object *v;
	int64_t n;
	int k;

	*out = 0x02;			/* unknown */
	if (!cfg_find(c, obj, base, "type", false, path, &v))
		return;
	if (json_object_is_type(v, json_type_int)) {
		if (cfg_int_value(c, path, v, 1, 255, &n))
			*out = (uint8_t)n;
		return;
	}
	k = cfg_get_word(c, obj, base, "type", chassis_types, "an SMBIOS chassis type");
	if (k >= 0)
		*out = (uint8_t)(k + 1);
}

static void parse_area(struct pctx *c, json_object *fru, const char *parent,
		       enum fru_area_kind kind, struct fru_area_src *a)
{
	static const char *const chassis_keys[] = { "type", "part_number", "serial", "custom", NULL };
	static const char *const board_keys[] = {
		"mfg_date", "manufacturer", "product", "serial", "part_number", "fru_file_id",
		"custom", NULL
	};
	static const char *const product_keys[] = {
		"manufacturer", "name", "part_number", "version", "serial", "asset_tag",
		"fru_file_id", "custom", NULL
	};
	static const char *const *const keys[FRU_AREAS] = { chassis_keys, board_keys, product_keys };
	char base[PATH_LEN], path[PATH_LEN];
	json_object *obj;
	const char *s;
	size_t len;

	if (!cfg_find(c, fru, parent, fru_area_name[kind], false, base, &obj) ||
	    !cfg_is_type(c, base, obj, json_type_object))
		return;
	cfg_check_keys(c, obj, base, keys[kind]);
	a->present = true;
	if (kind == FRU_AREA_CHASSIS)
		parse_chassis_type(c, obj, base, &a->fixed[0]);
	else if (kind == FRU_AREA_BOARD)
		parse_mfg_date(c, obj, base, &a->fixed[1]);
	/* fixed[0] of board and product: language code 0, English, which
	 * makes type 3 fields 8-bit ASCII + Latin-1. */
	for (unsigned i = 0; std_fields[kind][i]; i++) {
		struct fru_text *t = &a->f[a->n++];

		t->type = FRU_TYPE_TEXT;
		if (cfg_get_string(c, obj, base, std_fields[kind][i], false, path, &s, &len))
			text_field(c, path, s, len, t);
	}
	parse_custom(c, obj, base, kind, a);
}

static int hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Hex bytes, optionally separated by spaces: "c0 01 ff" or "c001ff". */
static bool parse_hex(const char *s, uint8_t *out, size_t cap, size_t *len)
{
	size_t n = 0;

	while (*s) {
		int hi, lo;

		if (*s == ' ') {
			s++;
			continue;
		}
		hi = hex_digit(s[0]);
		lo = hi < 0 ? -1 : hex_digit(s[1]);
		if (lo < 0 || n == cap)
			return false;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	*len = n;
	return true;
}

static void parse_multirecord(struct pctx *c, json_object *v, const char *base, size_t i,
			      void *ctx)
{
	static const char *const keys[] = { "type", "data", NULL };
	struct fru_content *ct = ctx;
	struct fru_mr_src *m = &ct->mr[ct->n_mr];
	char dpath[PATH_LEN];
	const char *s;
	size_t len;
	int64_t t;

	cfg_check_keys(c, v, base, keys);
	if (cfg_get_int(c, v, base, "type", 0, 255, &t))
		m->type = (uint8_t)t;
	else if (!json_object_object_get_ex(v, "type", NULL))
		cfg_report(c, base, "needs \"type\" (record type ID, 0..255)");
	if (cfg_get_string(c, v, base, "data", true, dpath, &s, &len)) {
		if (!parse_hex(s, m->data, sizeof(m->data), &len))
			cfg_report(c, dpath, "not hex bytes (at most %d)", FRU_MR_DATA_MAX);
		else
			m->len = (uint8_t)len;
	}
	ct->n_mr++;
}

static void parse_multirecords(struct pctx *c, json_object *fru, const char *parent,
			       struct fru_content *ct)
{
	cfg_each(c, fru, parent, "multirecords", false, FRU_MR_MAX, "records", parse_multirecord, ct);
}

static void parse_eeprom(struct pctx *c, json_object *fru, const char *parent, struct cfg_fru *f)
{
	static const char *const keys[] = { "path", "bus", "address", "address_width", NULL };
	char base[PATH_LEN], path[PATH_LEN];
	json_object *obj;
	const char *s;
	size_t len;
	int64_t n;

	if (!cfg_find(c, fru, parent, "eeprom", false, base, &obj) ||
	    !cfg_is_type(c, base, obj, json_type_object))
		return;
	cfg_check_keys(c, obj, base, keys);
	if (cfg_get_string(c, obj, base, "path", false, path, &s, &len)) {
		f->source = FRU_SRC_EEPROM_FILE;
		if (len == 0 || len >= sizeof(f->eeprom_path) || s[0] != '/' ||
		    !cfg_printable_ascii(s, len))
			cfg_report(c, path, "not an absolute path of at most %zu bytes",
				   sizeof(f->eeprom_path) - 1);
		else
			memcpy(f->eeprom_path, s, len + 1);
		if (json_object_object_get_ex(obj, "bus", NULL) ||
		    json_object_object_get_ex(obj, "address", NULL))
			cfg_report(c, base, "give \"path\" (at24 sysfs file) or \"bus\" and "
				   "\"address\" (raw I2C), not both");
		return;
	}
	f->source = FRU_SRC_EEPROM_I2C;
	if (cfg_get_int(c, obj, base, "bus", 0, 255, &n))
		f->i2c_bus = (uint8_t)n;
	else if (!json_object_object_get_ex(obj, "bus", NULL))
		cfg_report(c, base, "needs \"path\", or \"bus\" and \"address\"");
	if (cfg_get_int(c, obj, base, "address", 0x03, 0x77, &n))
		f->i2c_addr = (uint8_t)n;
	else if (!json_object_object_get_ex(obj, "address", NULL))
		cfg_report(c, base, "needs \"address\" (7-bit, 0x03..0x77)");
	f->i2c_addr_width = 0;
	if (cfg_get_int(c, obj, base, "address_width", 1, 2, &n))
		f->i2c_addr_width = (uint8_t)n;
}

static void parse_name(struct pctx *c, json_object *fru, const char *base, struct cfg_fru *f)
{
	char path[PATH_LEN];
	const char *s;
	size_t len;

	snprintf(f->name, sizeof(f->name), "FRU %u", f->id);
	if (!cfg_get_string(c, fru, base, "name", false, path, &s, &len))
		return;
	if (len == 0 || len >= sizeof(f->name) || !cfg_printable_ascii(s, len))
		cfg_report(c, path, "not 1..%zu printable ASCII characters", sizeof(f->name) - 1);
	else
		memcpy(f->name, s, len + 1);
}

/* Contents as fields: encode, and check they fit the device. */
static void encode_fields(struct pctx *c, const char *base, const struct fru_content *ct,
			  struct cfg_fru *f, bool size_given)
{
	struct wbuf w = wb_init(f->image, sizeof(f->image));
	size_t need = 0;
	int area = 0, r;

	r = fru_encode(ct, &w, &need, &area);
	if (r == -E2BIG) {
		char path[PATH_LEN];

		cfg_path_key(path, base, fru_area_name[area]);
		cfg_report(c, path, "encodes to more than %d bytes", FRU_AREA_MAX);
		return;
	}
	if (r == -ENOMEM) {
		cfg_report(c, base, "out of memory encoding the contents");
		return;
	}
	if (r < 0) {
		cfg_report(c, base, "contents need %zu bytes; bmcd holds at most %d", need,
			   CFG_FRU_IMAGE_MAX);
		return;
	}
	f->image_len = (uint16_t)w.len;
	if (!size_given)
		f->size = CFG_FRU_SIZE_DEFAULT > w.len ? CFG_FRU_SIZE_DEFAULT : (uint32_t)w.len;
	if (w.len > f->size) {
		char path[PATH_LEN];

		cfg_path_key(path, base, "size");
		cfg_report(c, path, "%u is too small: the contents need %zu bytes", f->size, w.len);
	}
}

static bool has_fields(json_object *fru)
{
	static const char *const keys[] = { "chassis", "board", "product", "multirecords", NULL };

	for (const char *const *k = keys; *k; k++)
		if (json_object_object_get_ex(fru, *k, NULL))
			return true;
	return false;
}

/* What parse_fru() needs besides the entry. */
struct fru_list {
	struct board_config *cfg;
	uint8_t seen[256 / 8];		/* FRU device IDs given so far */
};

static void parse_fru(struct pctx *c, json_object *v, const char *base, size_t idx, void *ctx)
{
	static const char *const keys[] = {
		"id", "name", "size", "read_only", "chassis", "board", "product",
		"multirecords", "eeprom", NULL
	};
	struct fru_list *fl = ctx;
	struct board_config *cfg = fl->cfg;
	uint8_t *seen = fl->seen;
	struct cfg_fru *f = &cfg->frus[cfg->n_frus];
	struct fru_content ct;
	char path[PATH_LEN];
	unsigned errors = c->n_errors;
	bool size_given = false;
	json_object *idv;
	int64_t n;

	cfg_check_keys(c, v, base, keys);
	memset(f, 0, sizeof(*f));
	memset(&ct, 0, sizeof(ct));

	if (cfg_find(c, v, base, "id", true, path, &idv) && cfg_int_value(c, path, idv, 0, 254, &n)) {
		f->id = (uint8_t)n;
		if (seen[n / 8] & 1u << (n % 8))
			cfg_report(c, path, "FRU device ID %u is used twice", f->id);
		seen[n / 8] |= (uint8_t)(1u << (n % 8));
	}
	parse_name(c, v, base, f);
	if (cfg_get_int(c, v, base, "size", FRU_HEADER_LEN, CFG_FRU_SIZE_MAX, &n)) {
		f->size = (uint32_t)n;
		size_given = true;
	}
	cfg_get_bool(c, v, base, "read_only", &f->read_only);

	f->source = FRU_SRC_FIELDS;
	parse_eeprom(c, v, base, f);
	if (f->source != FRU_SRC_FIELDS) {
		if (has_fields(v))
			cfg_report(c, base, "give the contents as fields or an \"eeprom\", not both");
		if (f->source == FRU_SRC_EEPROM_I2C) {
			if (!size_given)
				f->size = I2C_SIZE_DEFAULT;
			if (!f->i2c_addr_width)
				f->i2c_addr_width = f->size > 256 ? 2 : 1;
			if (f->i2c_addr_width == 1 && f->size > 256) {
				cfg_path_key(path, base, "size");
				cfg_report(c, path, "%u is more than one-byte addressing reaches (256)",
					   f->size);
			}
		}
	} else {
		for (int k = 0; k < FRU_AREAS; k++)
			parse_area(c, v, base, (enum fru_area_kind)k, &ct.area[k]);
		parse_multirecords(c, v, base, &ct);
		if (c->n_errors == errors && has_fields(v))
			encode_fields(c, base, &ct, f, size_given);
		else if (!size_given)
			f->size = CFG_FRU_SIZE_DEFAULT;
	}
	if (c->n_errors == errors)
		cfg->n_frus++;
}

void fru_parse_config(struct pctx *c, json_object *root, struct board_config *cfg)
{
	struct fru_list fl = { .cfg = cfg };
	char path[PATH_LEN];
	json_object *arr;
	size_t n;

	arr = cfg_get_array_max(c, root, "", "fru", CFG_MAX_FRUS, "FRU devices", path, &n);
	if (arr)
		cfg_each_of(c, arr, path, n, json_type_object, parse_fru, &fl);
}
