/* SPDX-License-Identifier: MIT */
/*
 * Board file parser (format: docs/board-file.md).
 *
 * The JSON is parsed strictly by json-c (no comments, no trailing commas,
 * valid UTF-8), then handed to every module of bmc_modules[] in turn, each
 * parsing its own sections (daemon/module.h) into a scratch copy of struct
 * board_config that starts out holding every module's defaults.  Every problem
 * is reported through the caller's callback as "KEY.PATH: what is wrong"
 * and parsing carries on, so one run lists everything that is wrong with a
 * file.  *cfg is only written when there were no problems at all.
 *
 * Secrets: a section holding one decides which values its messages quote
 * (channels/users_cfg.c, lan/lan_cfg.c); scratch copies are wiped after
 * use.
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
#include "daemon/module.h"

#define CFG_FILE_MAX (1024 * 1024)	/* board files larger than this are refused */
#define MSG_LEN 512


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

bool cfg_each_of(struct pctx *c, json_object *arr, const char *path, size_t n,
		 enum json_type t, cfg_each_fn *fn, void *ctx)
{
	char ipath[PATH_LEN];
	bool all = true;

	for (size_t i = 0; i < n; i++) {
		json_object *v = json_object_array_get_idx(arr, i);

		cfg_path_index(ipath, path, i);
		if (cfg_is_type(c, ipath, v, t))
			fn(c, v, ipath, i, ctx);
		else
			all = false;
	}
	return all;
}

bool cfg_each_type(struct pctx *c, json_object *obj, const char *parent, const char *key,
		   bool required, unsigned max, const char *noun, enum json_type t,
		   cfg_each_fn *fn, void *ctx)
{
	char path[PATH_LEN];
	json_object *arr = cfg_get_array(c, obj, parent, key, required, path);
	size_t n;

	if (!arr)
		return false;
	n = json_object_array_length(arr);
	/* The first max are still checked: one run lists every problem. */
	if (n > max) {
		cfg_report(c, path, "more than %u %s", max, noun);
		n = max;
	}
	cfg_each_of(c, arr, path, n, t, fn, ctx);
	return true;
}

json_object *cfg_get_array_max(struct pctx *c, json_object *obj, const char *parent,
			       const char *key, size_t max, const char *noun, char *path, size_t *n)
{
	json_object *arr = cfg_get_array(c, obj, parent, key, false, path);

	if (!arr)
		return NULL;
	*n = json_object_array_length(arr);
	if (*n > max) {
		cfg_report(c, path, "%zu %s; bmcd supports at most %zu", *n, noun, max);
		*n = max;
	}
	return arr;
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

int cfg_get_ascii(struct pctx *c, json_object *obj, const char *parent, const char *key,
		  bool required, size_t max, const char *empty, const char **s)
{
	char path[PATH_LEN];
	size_t len;

	if (!cfg_get_string(c, obj, parent, key, required, path, s, &len))
		return -1;
	if (len == 0)
		cfg_report(c, path, "%s", empty);
	else if (len > max)
		cfg_report(c, path, "longer than %zu characters", max);
	else if (!cfg_printable_ascii(*s, len))
		cfg_report(c, path, "not printable ASCII");
	else
		return (int)len;
	return -1;
}

void cfg_get_abs_path(struct pctx *c, json_object *obj, const char *parent, const char *key,
		      const char *what, char *out, size_t size)
{
	char path[PATH_LEN];
	const char *s;
	size_t len;

	if (!cfg_get_string(c, obj, parent, key, false, path, &s, &len))
		return;
	if (len == 0 || len >= size || s[0] != '/')
		cfg_report(c, path, "not an absolute %s of at most %zu bytes", what, size - 1);
	else
		memcpy(out, s, len + 1);
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

bool cfg_decimal(const char *s, size_t len, unsigned *out)
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

void cfg_get_socket_spec(struct pctx *c, json_object *obj, const char *parent, const char *key,
			 char *out, size_t size)
{
	char path[PATH_LEN];
	const char *s;
	size_t len;
	struct cfg_endpoint ep;

	if (!cfg_get_string(c, obj, parent, key, false, path, &s, &len))
		return;
	if (len >= size || (strncmp(s, "unix:/", 6) && strncmp(s, "tcp:", 4)) ||
	    (!strncmp(s, "tcp:", 4) && config_parse_endpoint(s + 4, &ep) < 0))
		cfg_report(c, path, "not \"unix:/PATH\" or \"tcp:HOST:PORT\" (at most %zu bytes)",
			   size - 1);
	else
		memcpy(out, s, len + 1);
}

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
	if (port_s[0] == '0' || !cfg_decimal(port_s, strlen(port_s), &port) || port > 65535)
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

/* ------------------------------------------------------------------ */
/* The sections: every module's                                        */

static void set_defaults(struct board_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	for (const struct bmc_module *const *m = bmc_modules; *m; m++)
		if ((*m)->defaults)
			(*m)->defaults(cfg);
}

/* An unknown top-level key is one no module owns. */
static void check_root_keys(struct pctx *c, json_object *root)
{
	json_object_object_foreach(root, key, val) {
		const struct bmc_module *const *m;
		char path[PATH_LEN];

		for (m = bmc_modules; *m; m++)
			if ((*m)->keys && in_list(key, (*m)->keys))
				break;
		if (*m)
			continue;
		cfg_path_key(path, "", key);
		cfg_report(c, path, "unknown key");
	}
}

/* Sections in module order, so a section may use what an earlier one
 * parsed; check() once all are in. */
static void parse_root(struct pctx *c, json_object *root, struct board_config *cfg)
{
	const struct bmc_module *const *m;

	if (!cfg_is_type(c, "(top level)", root, json_type_object))
		return;
	check_root_keys(c, root);
	for (m = bmc_modules; *m; m++)
		if ((*m)->parse)
			(*m)->parse(c, root, cfg);
	for (m = bmc_modules; *m; m++)
		if ((*m)->check)
			(*m)->check(c, cfg);
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
	/* On the heap, not the stack: a board_config is ~170 KB, which the
	 * stack would keep resident for the life of the process. */
	struct board_config *tmp;
	json_object *root;

	if (!text || !cfg)
		return -EINVAL;
	tmp = malloc(sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	root = tokenize(&c, source, text, len);
	if (!root) {
		free(tmp);
		return -EINVAL;
	}
	set_defaults(tmp);
	parse_root(&c, root, tmp);
	json_object_put(root);
	if (!c.n_errors)
		*cfg = *tmp;
	explicit_bzero(tmp, sizeof(*tmp));
	free(tmp);
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
