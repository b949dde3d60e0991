/* SPDX-License-Identifier: MIT */
/*
 * Board file parser (format: docs/board-file.md).
 *
 * The JSON is parsed strictly by json-c (no comments, no trailing commas,
 * valid UTF-8), then walked section by section into a scratch copy of
 * struct board_config that starts out holding the defaults.  Every problem
 * is reported through the caller's callback as "KEY.PATH: what is wrong"
 * and parsing carries on, so one run lists everything that is wrong with a
 * file.  *cfg is only written when there were no problems at all.
 *
 * Secrets: values found inside users[] entries and lan.kg are never quoted
 * in messages, whichever key they sit under (a password pasted into the
 * wrong key must not leak either).  Scratch copies are wiped after use.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "daemon/config_parse.h"

#define CFG_FILE_MAX (1024 * 1024)	/* board files larger than this are refused */
#define MSG_LEN 512

/* Cipher suites bmcd implements: 0-3, 6-8, 11, 12, 15-17. */
#define SUPPORTED_CIPHERS (0xfu | 7u << 6 | 3u << 11 | 7u << 15)


/* ------------------------------------------------------------------ */
/* Messages and key paths                                              */

/* Report "PATH: message" (just "message" when path is NULL). */
void cfg_report(struct pctx *c, const char *path, const char *fmt, ...)
{
	char msg[MSG_LEN];
	size_t n = 0;
	va_list ap;

	c->n_errors++;
	if (!c->fn)
		return;
	if (path) {
		int r = snprintf(msg, sizeof(msg), "%s: ", path);

		n = r < 0 ? 0 : (size_t)r;
		if (n >= sizeof(msg))
			n = sizeof(msg) - 1;
	}
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - n, fmt, ap);
	va_end(ap);
	c->fn(msg, c->userdata);
}

/*
 * Copy s into out for display: printable ASCII as is, '"' and '\' escaped,
 * other bytes as \xNN, cut short with "..." when it does not fit.
 */
void cfg_escape(char *out, size_t size, const char *s, size_t len)
{
	size_t o = 0, i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		char tmp[8];
		int n;

		if (ch == '"' || ch == '\\')
			n = snprintf(tmp, sizeof(tmp), "\\%c", ch);
		else if (ch < 0x20 || ch > 0x7e)
			n = snprintf(tmp, sizeof(tmp), "\\x%02x", ch);
		else
			n = snprintf(tmp, sizeof(tmp), "%c", ch);
		if (o + (size_t)n + 4 > size) {
			memcpy(out + o, "...", 4);
			return;
		}
		memcpy(out + o, tmp, (size_t)n);
		o += (size_t)n;
	}
	out[o] = '\0';
}

static void path_printf(char *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Paths are PATH_LEN bytes; deeper ones (which bmcd never has) are cut. */
static void path_printf(char *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, PATH_LEN, fmt, ap);
	va_end(ap);
}

void cfg_path_key(char *out, const char *parent, const char *key)
{
	char esc[SHOW_LEN];

	cfg_escape(esc, sizeof(esc), key, strlen(key));
	path_printf(out, "%s%s%s", parent, *parent ? "." : "", esc);
}

void cfg_path_index(char *out, const char *parent, size_t i)
{
	path_printf(out, "%s[%zu]", parent, i);
}

static const char *type_label(enum json_type t)
{
	switch (t) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "boolean";
	case json_type_double:
		return "number";
	case json_type_int:
		return "integer";
	case json_type_object:
		return "object";
	case json_type_array:
		return "array";
	case json_type_string:
		return "string";
	}
	return "unknown";
}

/* ------------------------------------------------------------------ */
/* Typed access                                                        */

bool cfg_is_type(struct pctx *c, const char *path, json_object *v, enum json_type t)
{
	if (json_object_is_type(v, t))
		return true;
	cfg_report(c, path, "expected %s, got %s", type_label(t),
	       type_label(json_object_get_type(v)));
	return false;
}

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return true;
	return false;
}

void cfg_check_keys(struct pctx *c, json_object *obj, const char *parent,
		       const char *const *known)
{
	char path[PATH_LEN];

	json_object_object_foreach(obj, key, val) {
		if (in_list(key, known))
			continue;
		cfg_path_key(path, parent, key);
		cfg_report(c, path, "unknown key");
	}
}

/* Look up obj.key and build its path; reports "missing" when required. */
bool cfg_find(struct pctx *c, json_object *obj, const char *parent, const char *key,
		 bool required, char *path, json_object **v)
{
	cfg_path_key(path, parent, key);
	if (json_object_object_get_ex(obj, key, v))
		return true;
	if (required)
		cfg_report(c, path, "missing");
	return false;
}

bool cfg_int_value(struct pctx *c, const char *path, json_object *v,
		      int64_t lo, int64_t hi, int64_t *out)
{
	int64_t n;

	if (!cfg_is_type(c, path, v, json_type_int))
		return false;
	/* Values beyond int64 come back clamped, so still out of range. */
	n = json_object_get_int64(v);
	if (n < lo || n > hi) {
		cfg_report(c, path, "%s is out of range %" PRId64 "..%" PRId64,
		       json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), lo, hi);
		return false;
	}
	*out = n;
	return true;
}

bool cfg_get_byte(struct pctx *c, json_object *obj, const char *parent, const char *key,
		  bool required, uint8_t lo, uint8_t hi, const char *what, uint8_t *out)
{
	char path[PATH_LEN], show[SHOW_LEN];
	json_object *v;
	const char *s;
	size_t len;
	char *end = NULL;
	unsigned long x;
	int64_t n;

	if (!cfg_find(c, obj, parent, key, required, path, &v))
		return false;
	if (json_object_is_type(v, json_type_int)) {
		if (!cfg_int_value(c, path, v, lo, hi, &n))
			return false;
		*out = (uint8_t)n;
		return true;
	}
	if (!cfg_is_type(c, path, v, json_type_string))
		return false;
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	/* "0xN" or "0xNN": strtoul alone would also take signs and spaces */
	x = len > 2 && len <= 4 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isxdigit((unsigned char)s[2])
		    ? strtoul(s + 2, &end, 16) : 0;
	if (end == s + len && x >= lo && x <= hi) {
		*out = (uint8_t)x;
		return true;
	}
	cfg_escape(show, sizeof(show), s, len);
	cfg_report(c, path, "\"%s\" is not %s", show, what);
	return false;
}

bool cfg_get_int(struct pctx *c, json_object *obj, const char *parent, const char *key,
		    int64_t lo, int64_t hi, int64_t *out)
{
	char path[PATH_LEN];
	json_object *v;

	return cfg_find(c, obj, parent, key, false, path, &v) &&
	       cfg_int_value(c, path, v, lo, hi, out);
}

bool cfg_get_number(struct pctx *c, json_object *obj, const char *parent, const char *key,
		    double lo, double hi, double *out)
{
	char path[PATH_LEN];
	json_object *v;
	double n;

	if (!cfg_find(c, obj, parent, key, false, path, &v))
		return false;
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double)) {
		cfg_report(c, path, "expected number, got %s", type_label(json_object_get_type(v)));
		return false;
	}
	n = json_object_get_double(v);
	if (!(n >= lo && n <= hi)) {
		cfg_report(c, path, "%s is out of range %g..%g",
			   json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), lo, hi);
		return false;
	}
	*out = n;
	return true;
}

static void get_ms(struct pctx *c, json_object *obj, const char *key, unsigned *out)
{
	int64_t n;

	if (cfg_get_int(c, obj, "host", key, 0, 600000, &n))
		*out = (unsigned)n;
}

bool cfg_get_bool(struct pctx *c, json_object *obj, const char *parent, const char *key,
		     bool *out)
{
	char path[PATH_LEN];
	json_object *v;

	if (!cfg_find(c, obj, parent, key, false, path, &v) ||
	    !cfg_is_type(c, path, v, json_type_boolean))
		return false;
	*out = json_object_get_boolean(v);
	return true;
}

/* obj.key as a string; false when absent or not a string. */
bool cfg_get_string(struct pctx *c, json_object *obj, const char *parent, const char *key,
		       bool required, char *path, const char **s, size_t *len)
{
	json_object *v;

	if (!cfg_find(c, obj, parent, key, required, path, &v) ||
	    !cfg_is_type(c, path, v, json_type_string))
		return false;
	*s = json_object_get_string(v);
	*len = (size_t)json_object_get_string_len(v);
	return true;
}

json_object *cfg_get_array(struct pctx *c, json_object *obj, const char *parent,
			      const char *key, bool required, char *path)
{
	json_object *v;

	if (!cfg_find(c, obj, parent, key, required, path, &v) ||
	    !cfg_is_type(c, path, v, json_type_array))
		return NULL;
	return v;
}

/* A top-level section: an object whose keys are all known. */
json_object *cfg_section(struct pctx *c, json_object *root, const char *key,
			    const char *const *known)
{
	char path[PATH_LEN];
	json_object *v;

	if (!cfg_find(c, root, "", key, false, path, &v) || !cfg_is_type(c, path, v, json_type_object))
		return NULL;
	cfg_check_keys(c, v, key, known);
	return v;
}

bool cfg_printable_ascii(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return true;
}

/* Index of s in list (NULL terminated), or -1. */
int cfg_lookup_word(const char *s, size_t len, const char *const *list)
{
	int i;

	for (i = 0; list[i]; i++)
		if (strlen(list[i]) == len && !memcmp(s, list[i], len))
			return i;
	return -1;
}

/* Strict unsigned decimal: 1..9 digits and nothing else. */
static bool decimal(const char *s, size_t len, unsigned *out)
{
	unsigned v = 0;
	size_t i;

	if (len == 0 || len > 9)
		return false;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* ------------------------------------------------------------------ */
/* Endpoints                                                           */

static bool split_endpoint(const char *text, char *host, size_t hsize, int *family,
			   const char **port)
{
	const char *h = text, *end;

	if (text[0] == '[') {
		h = text + 1;
		end = strchr(h, ']');
		if (!end || end[1] != ':')
			return false;
		*port = end + 2;
		*family = AF_INET6;
	} else {
		end = strchr(text, ':');
		if (!end)
			return false;
		*port = end + 1;
		*family = AF_INET;
	}
	if (end == h || (size_t)(end - h) >= hsize)
		return false;
	memcpy(host, h, (size_t)(end - h));
	host[end - h] = '\0';
	return true;
}

int config_parse_endpoint(const char *text, struct cfg_endpoint *ep)
{
	struct cfg_endpoint tmp;
	char host[INET6_ADDRSTRLEN];
	const char *port_s;
	unsigned port;
	size_t len;
	int family;

	if (!text || !ep)
		return -EINVAL;
	len = strnlen(text, sizeof(tmp.text));
	if (len >= sizeof(tmp.text) || !split_endpoint(text, host, sizeof(host), &family, &port_s))
		return -EINVAL;
	if (port_s[0] == '0' || !decimal(port_s, strlen(port_s), &port) || port > 65535)
		return -EINVAL;

	memset(&tmp, 0, sizeof(tmp));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&tmp.addr;

		if (inet_pton(AF_INET, host, &sin->sin_addr) != 1)
			return -EINVAL;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		tmp.addrlen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&tmp.addr;

		if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1)
			return -EINVAL;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		tmp.addrlen = sizeof(*sin6);
	}
	memcpy(tmp.text, text, len + 1);
	*ep = tmp;
	return 0;
}

static bool same_endpoint(const struct cfg_endpoint *a, const struct cfg_endpoint *b)
{
	const struct sockaddr_in *a4 = (const struct sockaddr_in *)&a->addr;
	const struct sockaddr_in *b4 = (const struct sockaddr_in *)&b->addr;
	const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)&a->addr;
	const struct sockaddr_in6 *b6 = (const struct sockaddr_in6 *)&b->addr;

	if (a->addr.ss_family != b->addr.ss_family)
		return false;
	if (a->addr.ss_family == AF_INET)
		return a4->sin_port == b4->sin_port &&
		       a4->sin_addr.s_addr == b4->sin_addr.s_addr;
	return a6->sin6_port == b6->sin6_port &&
	       !memcmp(&a6->sin6_addr, &b6->sin6_addr, sizeof(a6->sin6_addr));
}

/* ------------------------------------------------------------------ */
/* Sections                                                            */

static void set_defaults(struct board_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->identity.device_id = 32;
	cfg->identity.fw_major = 0;
	cfg->identity.fw_minor = 1;
	cfg->identity.manufacturer_id = 32473;	/* RFC 5612 documentation number */
	cfg->identity.product_id = 1;

	config_parse_endpoint("0.0.0.0:623", &cfg->lan.listen[0]);
	cfg->lan.n_listen = 1;
	cfg->lan.cipher_suites = 1u << 3 | 1u << 17;
	cfg->lan.auth_md5 = true;
	cfg->lan.session_timeout_s = 60;
	cfg->lan.max_sessions = 16;
	cfg->lan.channel = 1;

	cfg->max_users = 15;
	cfg->sel_capacity = 4096;

	strcpy(cfg->host.backend, "sim");
	cfg->host.power_on_ms = 1500;
	cfg->host.power_off_ms = 500;
	cfg->host.soft_off_ms = 3000;
	cfg->host.cycle_interval_ms = 1000;
	cfg->host.reset_ms = 200;
}

static void parse_name(struct pctx *c, json_object *root, struct board_config *cfg)
{
	char path[PATH_LEN];
	const char *s;
	size_t len;

	if (!cfg_get_string(c, root, "", "name", true, path, &s, &len))
		return;
	if (len == 0)
		cfg_report(c, path, "empty");
	else if (len >= sizeof(cfg->name))
		cfg_report(c, path, "longer than %zu characters", sizeof(cfg->name) - 1);
	else if (!cfg_printable_ascii(s, len))
		cfg_report(c, path, "not printable ASCII");
	else
		memcpy(cfg->name, s, len + 1);
}

static void parse_fw_version(struct pctx *c, json_object *obj, struct cfg_identity *id)
{
	char path[PATH_LEN], show[SHOW_LEN];
	unsigned major, minor;
	const char *s, *dot;
	size_t len;
	bool ok = true;

	if (!cfg_get_string(c, obj, "identity", "firmware_version", false, path, &s, &len))
		return;
	dot = memchr(s, '.', len);
	if (!dot || !decimal(s, (size_t)(dot - s), &major) ||
	    !decimal(dot + 1, len - (size_t)(dot - s) - 1, &minor)) {
		cfg_escape(show, sizeof(show), s, len);
		cfg_report(c, path, "\"%s\" is not MAJOR.MINOR", show);
		return;
	}
	if (major > 127) {
		cfg_report(c, path, "major %u is out of range 0..127", major);
		ok = false;
	}
	if (minor > 99) {
		cfg_report(c, path, "minor %u is out of range 0..99", minor);
		ok = false;
	}
	if (ok) {
		id->fw_major = (uint8_t)major;
		id->fw_minor = (uint8_t)minor;
	}
}

static void parse_aux(struct pctx *c, json_object *obj, struct cfg_identity *id)
{
	char path[PATH_LEN], ipath[PATH_LEN];
	uint8_t aux[4];
	json_object *arr;
	size_t n, i;
	bool ok = true;

	arr = cfg_get_array(c, obj, "identity", "aux_firmware", false, path);
	if (!arr)
		return;
	n = json_object_array_length(arr);
	if (n != sizeof(aux)) {
		cfg_report(c, path, "expected %zu integers, got %zu", sizeof(aux), n);
		ok = false;
	}
	for (i = 0; i < n; i++) {
		int64_t v;

		cfg_path_index(ipath, path, i);
		if (!cfg_int_value(c, ipath, json_object_array_get_idx(arr, i), 0, 255, &v))
			ok = false;
		else if (i < sizeof(aux))
			aux[i] = (uint8_t)v;
	}
	if (ok)
		memcpy(id->aux, aux, sizeof(aux));
}

static void parse_identity(struct pctx *c, json_object *root, struct cfg_identity *id)
{
	static const char *const keys[] = {
		"device_id", "device_revision", "firmware_version", "manufacturer_id",
		"product_id", "aux_firmware", NULL
	};
	json_object *obj = cfg_section(c, root, "identity", keys);
	int64_t n;

	if (!obj)
		return;
	if (cfg_get_int(c, obj, "identity", "device_id", 0, 255, &n))
		id->device_id = (uint8_t)n;
	if (cfg_get_int(c, obj, "identity", "device_revision", 0, 15, &n))
		id->device_revision = (uint8_t)n;
	parse_fw_version(c, obj, id);
	if (cfg_get_int(c, obj, "identity", "manufacturer_id", 0, 0xfffff, &n))
		id->manufacturer_id = (uint32_t)n;
	if (cfg_get_int(c, obj, "identity", "product_id", 0, 65535, &n))
		id->product_id = (uint16_t)n;
	parse_aux(c, obj, id);
}

static void parse_listen(struct pctx *c, json_object *lan, struct cfg_lan *l)
{
	struct cfg_endpoint eps[CFG_MAX_LISTEN];
	char path[PATH_LEN], ipath[PATH_LEN], show[SHOW_LEN];
	json_object *arr;
	unsigned kept = 0, j;
	size_t n, i;
	bool ok = true;

	arr = cfg_get_array(c, lan, "lan", "listen", false, path);
	if (!arr)
		return;
	n = json_object_array_length(arr);
	if (n == 0) {
		cfg_report(c, path, "empty (at least one endpoint is needed)");
		return;
	}
	if (n > CFG_MAX_LISTEN) {
		cfg_report(c, path, "%zu endpoints, at most %d allowed", n, CFG_MAX_LISTEN);
		ok = false;
	}
	for (i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		struct cfg_endpoint ep;
		const char *s;

		cfg_path_index(ipath, path, i);
		if (!cfg_is_type(c, ipath, v, json_type_string)) {
			ok = false;
			continue;
		}
		s = json_object_get_string(v);
		cfg_escape(show, sizeof(show), s, (size_t)json_object_get_string_len(v));
		if (config_parse_endpoint(s, &ep) < 0) {
			cfg_report(c, ipath, "\"%s\" is not ADDR:PORT", show);
			ok = false;
			continue;
		}
		for (j = 0; j < kept && !same_endpoint(&eps[j], &ep); j++)
			;
		if (j < kept) {
			cfg_report(c, ipath, "\"%s\" is listed twice", show);
			ok = false;
		} else if (kept < CFG_MAX_LISTEN) {
			eps[kept++] = ep;
		}
	}
	if (ok) {
		memcpy(l->listen, eps, sizeof(eps[0]) * kept);
		l->n_listen = kept;
	}
}

static void parse_ciphers(struct pctx *c, json_object *lan, struct cfg_lan *l)
{
	char path[PATH_LEN], ipath[PATH_LEN];
	uint32_t mask = 0;
	json_object *arr;
	size_t n, i;
	bool ok = true;

	arr = cfg_get_array(c, lan, "lan", "cipher_suites", false, path);
	if (!arr)
		return;
	n = json_object_array_length(arr);
	if (n == 0) {
		cfg_report(c, path, "empty (at least one cipher suite is needed)");
		return;
	}
	for (i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		int64_t cs;

		cfg_path_index(ipath, path, i);
		if (!cfg_is_type(c, ipath, v, json_type_int)) {
			ok = false;
			continue;
		}
		cs = json_object_get_int64(v);
		if (cs < 0 || cs > 31 || !(SUPPORTED_CIPHERS & 1u << cs)) {
			cfg_report(c, ipath, "%s is not a supported cipher suite "
			       "(supported: 0-3, 6-8, 11, 12, 15-17)",
			       json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
			ok = false;
		} else if (mask & 1u << cs) {
			cfg_report(c, ipath, "%" PRId64 " is listed twice", cs);
			ok = false;
		} else {
			mask |= 1u << cs;
		}
	}
	if (ok)
		l->cipher_suites = mask;
}

static void parse_auth_types(struct pctx *c, json_object *lan, struct cfg_lan *l)
{
	static const char *const names[] = { "none", "password", "md5", NULL };
	char path[PATH_LEN], ipath[PATH_LEN], show[SHOW_LEN];
	bool seen[3] = { false, false, false };
	json_object *arr;
	size_t n, i;
	bool ok = true;

	arr = cfg_get_array(c, lan, "lan", "auth_types", false, path);
	if (!arr)
		return;
	n = json_object_array_length(arr);
	for (i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(arr, i);
		size_t len;
		int t;

		cfg_path_index(ipath, path, i);
		if (!cfg_is_type(c, ipath, v, json_type_string)) {
			ok = false;
			continue;
		}
		len = (size_t)json_object_get_string_len(v);
		t = cfg_lookup_word(json_object_get_string(v), len, names);
		cfg_escape(show, sizeof(show), json_object_get_string(v), len);
		if (t < 0) {
			cfg_report(c, ipath, "\"%s\" is not a supported auth type "
			       "(supported: none, password, md5)", show);
			ok = false;
		} else if (seen[t]) {
			cfg_report(c, ipath, "\"%s\" is listed twice", show);
			ok = false;
		} else {
			seen[t] = true;
		}
	}
	if (ok) {
		l->auth_none = seen[0];
		l->auth_password = seen[1];
		l->auth_md5 = seen[2];
	}
}

/* K_G is a secret: its value never appears in a message. */
static void parse_kg(struct pctx *c, json_object *lan, struct cfg_lan *l)
{
	char path[PATH_LEN];
	const char *s;
	size_t len;

	if (!cfg_get_string(c, lan, "lan", "kg", false, path, &s, &len))
		return;
	if (len == 0)
		cfg_report(c, path, "empty (leave lan.kg out to keep K_G unset)");
	else if (len > sizeof(l->kg))
		cfg_report(c, path, "longer than %zu characters", sizeof(l->kg));
	else if (!cfg_printable_ascii(s, len))
		cfg_report(c, path, "not printable ASCII");
	else {
		memset(l->kg, 0, sizeof(l->kg));
		memcpy(l->kg, s, len);
		l->kg_set = true;
	}
}

static void parse_lan(struct pctx *c, json_object *root, struct cfg_lan *l)
{
	static const char *const keys[] = {
		"channel", "listen", "cipher_suites", "auth_types", "kg",
		"session_timeout", "max_sessions", "interface", NULL
	};
	json_object *obj = cfg_section(c, root, "lan", keys);
	char path[PATH_LEN], show[SHOW_LEN];
	const char *s;
	size_t len;
	int64_t n;

	if (!obj)
		return;
	if (cfg_get_int(c, obj, "lan", "channel", 1, 11, &n))
		l->channel = (uint8_t)n;
	parse_listen(c, obj, l);
	parse_ciphers(c, obj, l);
	parse_auth_types(c, obj, l);
	parse_kg(c, obj, l);
	if (cfg_get_int(c, obj, "lan", "session_timeout", 10, 3600, &n))
		l->session_timeout_s = (unsigned)n;
	if (cfg_get_int(c, obj, "lan", "max_sessions", 1, 64, &n))
		l->max_sessions = (unsigned)n;
	if (cfg_get_string(c, obj, "lan", "interface", false, path, &s, &len)) {
		if (len == 0 || len >= sizeof(l->interface) || strspn(s, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != len) {
			cfg_escape(show, sizeof(show), s, len);
			cfg_report(c, path, "\"%s\" is not a network interface name (1-15 of A-Z a-z 0-9 . _ -)", show);
		} else {
			memcpy(l->interface, s, len + 1);
		}
	}
}

/* What parse_user() needs to know about the entries before it. */
struct user_scan {
	unsigned max_id;			/* ids above this are refused */
	size_t id_owner[CFG_MAX_USERS + 1];	/* entry index + 1 holding each id */
	const char *names[CFG_MAX_USERS];	/* valid non-empty names so far */
	size_t name_owner[CFG_MAX_USERS];
	unsigned n_names;
	bool have_admin;
};

static void user_id(struct pctx *c, json_object *obj, const char *base, size_t idx,
		    struct user_scan *s, struct cfg_user *u)
{
	char path[PATH_LEN];
	json_object *v;
	int64_t id;

	if (!cfg_find(c, obj, base, "id", true, path, &v) ||
	    !cfg_int_value(c, path, v, 1, s->max_id, &id))
		return;
	if (s->id_owner[id]) {
		cfg_report(c, path, "%" PRId64 " is already used by users[%zu]", id,
		       s->id_owner[id] - 1);
		return;
	}
	s->id_owner[id] = idx + 1;
	u->id = (uint8_t)id;
}

/* Names are not secret, but are not quoted either: see the file comment. */
static void user_name(struct pctx *c, json_object *obj, const char *base, size_t idx,
		      struct user_scan *s, struct cfg_user *u)
{
	char path[PATH_LEN];
	const char *name;
	size_t len;
	unsigned i;

	if (!cfg_get_string(c, obj, base, "name", true, path, &name, &len))
		return;
	if (u->id == 1) {
		if (len)
			cfg_report(c, path, "must be \"\" for user 1 (the anonymous user)");
		return;
	}
	if (len == 0) {
		if (u->id)
			cfg_report(c, path, "empty (only user 1, the anonymous user, has no name)");
		return;
	}
	if (len > CFG_NAME_MAX) {
		cfg_report(c, path, "longer than %d characters", CFG_NAME_MAX);
		return;
	}
	if (!cfg_printable_ascii(name, len)) {
		cfg_report(c, path, "not printable ASCII");
		return;
	}
	for (i = 0; i < s->n_names; i++) {
		if (!strcmp(s->names[i], name)) {
			cfg_report(c, path, "same name as users[%zu]", s->name_owner[i]);
			return;
		}
	}
	if (s->n_names < CFG_MAX_USERS) {
		s->names[s->n_names] = name;
		s->name_owner[s->n_names++] = idx;
	}
	memcpy(u->name, name, len + 1);
}

static void user_password(struct pctx *c, json_object *obj, const char *base,
			  struct cfg_user *u)
{
	char path[PATH_LEN];
	const char *pw;
	size_t len;

	if (!cfg_get_string(c, obj, base, "password", true, path, &pw, &len))
		return;
	if (len > CFG_PASSWORD_MAX)
		cfg_report(c, path, "longer than %d bytes", CFG_PASSWORD_MAX);
	else if (memchr(pw, '\0', len))
		cfg_report(c, path, "contains a NUL byte");
	else if (len == 0 && u->id > 1)
		cfg_report(c, path, "empty (only user 1 may have an empty password)");
	else {
		memcpy(u->password, pw, len);
		u->password_len = (uint8_t)len;
	}
}

static void user_privilege(struct pctx *c, json_object *obj, const char *base,
			   struct cfg_user *u)
{
	static const char *const names[] = {
		"callback", "user", "operator", "administrator", "no_access", NULL
	};
	static const enum ipmi_priv privs[] = {
		PRIV_CALLBACK, PRIV_USER, PRIV_OPERATOR, PRIV_ADMIN, PRIV_NO_ACCESS
	};
	char path[PATH_LEN];
	const char *s;
	size_t len;
	int i;

	if (!cfg_get_string(c, obj, base, "privilege", false, path, &s, &len))
		return;
	i = cfg_lookup_word(s, len, names);
	if (i < 0)
		cfg_report(c, path, "not one of callback, user, operator, administrator, no_access");
	else
		u->privilege = privs[i];
}

static void parse_user(struct pctx *c, json_object *v, size_t idx, struct user_scan *s,
		       struct board_config *cfg)
{
	static const char *const keys[] = {
		"id", "name", "password", "privilege", "enabled", NULL
	};
	unsigned errors = c->n_errors;
	char base[PATH_LEN];
	struct cfg_user u;

	cfg_path_index(base, "users", idx);
	if (!cfg_is_type(c, base, v, json_type_object))
		return;
	memset(&u, 0, sizeof(u));
	cfg_check_keys(c, v, base, keys);
	user_id(c, v, base, idx, s, &u);
	user_name(c, v, base, idx, s, &u);
	user_password(c, v, base, &u);
	u.privilege = PRIV_ADMIN;
	user_privilege(c, v, base, &u);
	u.enabled = u.id != 1;
	cfg_get_bool(c, v, base, "enabled", &u.enabled);
	/* An entry with an unreadable privilege counts, to avoid a follow-on error. */
	if (u.enabled && u.privilege == PRIV_ADMIN)
		s->have_admin = true;
	if (c->n_errors == errors)
		cfg->users[u.id] = u;
	explicit_bzero(&u, sizeof(u));
}

/* max_users comes first: user ids are checked against it. */
static void parse_users(struct pctx *c, json_object *root, struct board_config *cfg)
{
	struct user_scan s;
	char path[PATH_LEN];
	json_object *arr;
	int64_t n;
	size_t i, len;

	memset(&s, 0, sizeof(s));
	s.max_id = CFG_MAX_USERS;
	if (cfg_get_int(c, root, "", "max_users", 2, CFG_MAX_USERS, &n)) {
		cfg->max_users = (unsigned)n;
		s.max_id = (unsigned)n;
	} else if (!json_object_object_get_ex(root, "max_users", NULL)) {
		s.max_id = cfg->max_users;
	}

	arr = cfg_get_array(c, root, "", "users", true, path);
	if (!arr)
		return;
	len = json_object_array_length(arr);
	for (i = 0; i < len; i++)
		parse_user(c, json_object_array_get_idx(arr, i), i, &s, cfg);
	if (!s.have_admin)
		cfg_report(c, path, "no enabled user with privilege \"administrator\"");
}

/* A string that must be one of 'words' (NULL-terminated): its index, or
 * -1 when the key is absent or the value is not one of them (reported as
 * '"x" is not <what> (w1, w2, ...)'). */
int cfg_get_word(struct pctx *c, json_object *obj, const char *parent, const char *key,
		    const char *const *words, const char *what)
{
	char path[PATH_LEN], show[SHOW_LEN], list[128] = "";
	const char *s;
	size_t len;
	int k;

	if (!cfg_get_string(c, obj, parent, key, false, path, &s, &len))
		return -1;
	k = cfg_lookup_word(s, len, words);
	if (k >= 0)
		return k;
	for (const char *const *w = words; *w; w++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", w == words ? "" : ", ", *w);
	cfg_escape(show, sizeof(show), s, len);
	cfg_report(c, path, "\"%s\" is not %s (%s)", show, what, list);
	return -1;
}

static void parse_host(struct pctx *c, json_object *root, struct cfg_host *h)
{
	static const char *const keys[] = {
		"backend", "power_on_ms", "power_off_ms", "soft_off_ms",
		"cycle_interval_ms", "reset_ms", "initially_on", "restore_policy",
		"power_good_timeout_ms", "qemu", "gpio", NULL
	};
	static const char *const backends[] = { "sim", "qemu", "gpio", NULL };
	/* Indexed by enum cfg_restore_policy. */
	static const char *const policies[] = { "always-off", "previous", "always-on", NULL };
	json_object *obj = cfg_section(c, root, "host", keys);
	int k;

	if (!obj)
		return;
	k = cfg_get_word(c, obj, "host", "backend", backends, "a supported backend");
	if (k >= 0)
		snprintf(h->backend, sizeof(h->backend), "%s", backends[k]);
	get_ms(c, obj, "power_on_ms", &h->power_on_ms);
	get_ms(c, obj, "power_off_ms", &h->power_off_ms);
	get_ms(c, obj, "soft_off_ms", &h->soft_off_ms);
	get_ms(c, obj, "cycle_interval_ms", &h->cycle_interval_ms);
	get_ms(c, obj, "reset_ms", &h->reset_ms);
	get_ms(c, obj, "power_good_timeout_ms", &h->power_good_timeout_ms);
	cfg_get_bool(c, obj, "host", "initially_on", &h->initially_on);
	k = cfg_get_word(c, obj, "host", "restore_policy", policies, "a restore policy");
	if (k >= 0)
		h->restore_policy = (enum cfg_restore_policy)k;
	qemu_parse_config(c, obj, h);
	gpio_parse_config(c, obj, h);
}

static void parse_sol(struct pctx *c, json_object *root, struct cfg_sol *o)
{
	static const char *const keys[] = { "uart", "tty", "baud", "socket", NULL };
	static const char *const uarts[] = { "sim", "tty", "socket", "none", NULL };
	json_object *obj = cfg_section(c, root, "sol", keys);
	char path[PATH_LEN];
	const char *s;
	size_t len;
	int64_t n;
	int k;

	if (!obj)
		return;
	k = cfg_get_word(c, obj, "sol", "uart", uarts, "a UART backend");
	if (k >= 0)
		snprintf(o->uart, sizeof(o->uart), "%s", uarts[k]);
	if (cfg_get_string(c, obj, "sol", "tty", false, path, &s, &len)) {
		if (len == 0 || len >= sizeof(o->tty) || s[0] != '/')
			cfg_report(c, path, "not an absolute device path of at most %zu bytes", sizeof(o->tty) - 1);
		else
			memcpy(o->tty, s, len + 1);
	}
	if (cfg_get_int(c, obj, "sol", "baud", 9600, 115200, &n)) {
		if (n != 9600 && n != 19200 && n != 38400 && n != 57600 && n != 115200) {
			snprintf(path, sizeof(path), "sol.baud");
			cfg_report(c, path, "%lld is not 9600, 19200, 38400, 57600 or 115200", (long long)n);
		} else {
			o->baud = (unsigned)n;
		}
	}
	if (cfg_get_string(c, obj, "sol", "socket", false, path, &s, &len)) {
		if (len >= sizeof(o->socket) || (strncmp(s, "unix:/", 6) && strncmp(s, "tcp:", 4)))
			cfg_report(c, path, "not \"unix:/PATH\" or \"tcp:HOST:PORT\"");
		else
			memcpy(o->socket, s, len + 1);
	}
	if (!strcmp(o->uart, "tty") && !o->tty[0])
		cfg_report(c, "sol.tty", "missing (sol.uart is \"tty\")");
	if (!strcmp(o->uart, "socket") && !o->socket[0])
		cfg_report(c, "sol.socket", "missing (sol.uart is \"socket\")");
}

static void parse_sel(struct pctx *c, json_object *root, struct board_config *cfg)
{
	static const char *const keys[] = { "capacity", NULL };
	json_object *obj = cfg_section(c, root, "sel", keys);
	int64_t n;

	if (obj && cfg_get_int(c, obj, "sel", "capacity", 16, 32768, &n))
		cfg->sel_capacity = (unsigned)n;
}

static void parse_root(struct pctx *c, json_object *root, struct board_config *cfg)
{
	static const char *const keys[] = {
		"name", "identity", "lan", "max_users", "users", "host", "sol",
		"hwmon_root", "sim_dir", "sensors", "fru", "sel", "pef", "kcs", "dcmi", "i2c", "ipmb", NULL
	};

	if (!cfg_is_type(c, "(top level)", root, json_type_object))
		return;
	cfg_check_keys(c, root, "", keys);
	parse_name(c, root, cfg);
	parse_identity(c, root, &cfg->identity);
	parse_lan(c, root, &cfg->lan);
	parse_users(c, root, cfg);
	parse_host(c, root, &cfg->host);
	parse_sol(c, root, &cfg->sol);
	parse_sel(c, root, cfg);
	pef_parse_config(c, root, cfg);
	sensors_parse_config(c, root, cfg);
	fru_parse_config(c, root, cfg);
	kcs_parse_config(c, root, cfg);
	dcmi_parse_config(c, root, cfg);	/* after sensors: it names them */
	i2c_parse_config(c, root, cfg);		/* after sensors and fru: it checks against them */
	ipmb_parse_config(c, root, cfg);	/* after sensors: names are unique across */
}

/* ------------------------------------------------------------------ */
/* Text and files                                                      */

static void syntax_error(struct pctx *c, const char *source, const char *text, size_t off,
			 const char *what)
{
	unsigned line = 1;
	size_t col = 1, i;

	for (i = 0; i < off; i++) {
		if (text[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	cfg_report(c, source, "JSON syntax error at line %u, column %zu (byte offset %zu): %s",
	       line, col, off, what);
}

/* Strict JSON text to a json-c tree, or NULL after reporting why not. */
static json_object *tokenize(struct pctx *c, const char *source, const char *text, size_t len)
{
	struct json_tokener *tok;
	json_object *root;
	const char *nul;

	if (len > CFG_FILE_MAX) {
		cfg_report(c, source, "larger than 1 MiB");
		return NULL;
	}
	/* json-c would stop quietly at a NUL byte. */
	nul = memchr(text, '\0', len);
	if (nul) {
		syntax_error(c, source, text, (size_t)(nul - text), "NUL byte");
		return NULL;
	}
	tok = json_tokener_new();
	if (!tok) {
		cfg_report(c, source, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	root = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) == json_tokener_continue) {
		syntax_error(c, source, text, len, "unexpected end of input");
	} else if (!root && json_tokener_get_error(tok) != json_tokener_success) {
		syntax_error(c, source, text, json_tokener_get_parse_end(tok),
			     json_tokener_error_desc(json_tokener_get_error(tok)));
	} else if (json_tokener_get_parse_end(tok) != len) {
		syntax_error(c, source, text, json_tokener_get_parse_end(tok),
			     "unexpected data after the top-level value");
		json_object_put(root);
		root = NULL;
	}
	json_tokener_free(tok);
	return root;
}

static int parse_text(const char *text, size_t len, const char *source,
		      struct board_config *cfg, cfg_error_fn errors, void *userdata)
{
	struct pctx c = { .fn = errors, .userdata = userdata, .n_errors = 0 };
	struct board_config tmp;
	json_object *root;

	if (!text || !cfg)
		return -EINVAL;
	root = tokenize(&c, source, text, len);
	if (!root)
		return -EINVAL;
	set_defaults(&tmp);
	parse_root(&c, root, &tmp);
	json_object_put(root);
	if (!c.n_errors)
		*cfg = tmp;
	explicit_bzero(&tmp, sizeof(tmp));
	return c.n_errors ? -EINVAL : 0;
}

int config_parse(const char *json_text, size_t len, struct board_config *cfg,
		 cfg_error_fn errors, void *userdata)
{
	return parse_text(json_text, len, NULL, cfg, errors, userdata);
}

/* Whole file into a malloc'd buffer; -EFBIG beyond CFG_FILE_MAX. */
static int read_file(const char *path, char **out, size_t *out_len)
{
	size_t len = 0;
	char *buf;
	int fd, r = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	buf = malloc(CFG_FILE_MAX + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len <= CFG_FILE_MAX) {
		ssize_t n = read(fd, buf + len, CFG_FILE_MAX + 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (!r && len > CFG_FILE_MAX)
		r = -EFBIG;
	if (r < 0) {
		explicit_bzero(buf, len);
		free(buf);
		return r;
	}
	*out = buf;
	*out_len = len;
	return 0;
}

int config_load(const char *path, struct board_config *cfg, cfg_error_fn errors,
		void *userdata)
{
	struct pctx c = { .fn = errors, .userdata = userdata, .n_errors = 0 };
	char *buf = NULL;
	size_t len = 0;
	int r;

	if (!path || !cfg)
		return -EINVAL;
	r = read_file(path, &buf, &len);
	if (r == -EFBIG)
		cfg_report(&c, path, "larger than 1 MiB");
	else if (r < 0)
		cfg_report(&c, path, "%s", strerror(-r));
	if (r < 0)
		return r;
	r = parse_text(buf, len, path, cfg, errors, userdata);
	explicit_bzero(buf, len);
	free(buf);
	return r;
}
