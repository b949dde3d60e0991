/* SPDX-License-Identifier: MIT */
/* Board-file section "lan" (docs/board-file.md, docs/lan-config.md). */
#include <inttypes.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "daemon/config_parse.h"

/* Cipher suites bmcd implements: 0-3, 6-8, 11, 12, 15-17. */
#define SUPPORTED_CIPHERS (0xfu | 7u << 6 | 3u << 11 | 7u << 15)

void lan_defaults(struct board_config *cfg)
{
	struct cfg_lan *l = &cfg->lan;

	config_parse_endpoint("0.0.0.0:623", &l->listen[0]);
	l->n_listen = 1;
	l->cipher_suites = 1u << 3 | 1u << 17;
	l->auth_md5 = true;
	l->session_timeout_s = 60;
	l->max_sessions = 16;
	l->channel = 1;
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

/* What the list parsers below carry from one entry to the next. */
struct lan_list {
	bool ok;			/* every entry so far is good */
	struct cfg_endpoint eps[CFG_MAX_LISTEN];
	unsigned kept;
	uint32_t mask;			/* cipher suites */
	bool seen[3];			/* auth types */
};

/* lan.KEY, an array of t: fn for each entry of that type.  l->ok stays
 * true only when the array is there and every entry good.  'empty' is the
 * message for an empty list (NULL: allowed); only the endpoints have a
 * maximum ('max'). */
static void lan_each(struct pctx *c, json_object *lan, const char *key, const char *empty,
		     size_t max, enum json_type t, cfg_each_fn *fn, struct lan_list *l)
{
	char path[PATH_LEN];
	json_object *arr = cfg_get_array(c, lan, "lan", key, false, path);
	size_t n = arr ? json_object_array_length(arr) : 0;

	if (!arr || (n == 0 && empty)) {
		if (arr)
			cfg_report(c, path, "%s", empty);
		l->ok = false;
		return;
	}
	if (n > max) {
		cfg_report(c, path, "%zu endpoints, at most %zu allowed", n, max);
		l->ok = false;
	}
	if (!cfg_each_of(c, arr, path, n, t, fn, l))
		l->ok = false;
}

static void listen_one(struct pctx *c, json_object *v, const char *ipath, size_t i, void *ctx)
{
	struct lan_list *ll = ctx;
	const char *s = json_object_get_string(v);
	char show[SHOW_LEN];
	struct cfg_endpoint ep;
	unsigned j;

	cfg_escape(show, sizeof(show), s, (size_t)json_object_get_string_len(v));
	if (config_parse_endpoint(s, &ep) < 0) {
		cfg_report(c, ipath, "\"%s\" is not ADDR:PORT", show);
		ll->ok = false;
		return;
	}
	for (j = 0; j < ll->kept && !same_endpoint(&ll->eps[j], &ep); j++)
		;
	if (j < ll->kept) {
		cfg_report(c, ipath, "\"%s\" is listed twice", show);
		ll->ok = false;
	} else if (ll->kept < CFG_MAX_LISTEN) {
		ll->eps[ll->kept++] = ep;
	}
}

static void parse_listen(struct pctx *c, json_object *lan, struct cfg_lan *l)
{
	struct lan_list ll = { .ok = true };

	lan_each(c, lan, "listen", "empty (at least one endpoint is needed)", CFG_MAX_LISTEN,
		 json_type_string, listen_one, &ll);
	if (ll.ok) {
		memcpy(l->listen, ll.eps, sizeof(ll.eps[0]) * ll.kept);
		l->n_listen = ll.kept;
	}
}

static void cipher_one(struct pctx *c, json_object *v, const char *ipath, size_t i, void *ctx)
{
	struct lan_list *ll = ctx;
	int64_t cs = json_object_get_int64(v);

	if (cs < 0 || cs > 31 || !(SUPPORTED_CIPHERS & 1u << cs)) {
		cfg_report(c, ipath, "%s is not a supported cipher suite "
		       "(supported: 0-3, 6-8, 11, 12, 15-17)",
		       json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		ll->ok = false;
	} else if (ll->mask & 1u << cs) {
		cfg_report(c, ipath, "%" PRId64 " is listed twice", cs);
		ll->ok = false;
	} else {
		ll->mask |= 1u << cs;
	}
}

static void parse_ciphers(struct pctx *c, json_object *lan, struct cfg_lan *l)
{
	struct lan_list ll = { .ok = true };

	lan_each(c, lan, "cipher_suites", "empty (at least one cipher suite is needed)", SIZE_MAX,
		 json_type_int, cipher_one, &ll);
	if (ll.ok)
		l->cipher_suites = ll.mask;
}

static void auth_type_one(struct pctx *c, json_object *v, const char *ipath, size_t i, void *ctx)
{
	static const char *const names[] = { "none", "password", "md5", NULL };
	struct lan_list *ll = ctx;
	size_t len = (size_t)json_object_get_string_len(v);
	int t = cfg_lookup_word(json_object_get_string(v), len, names);
	char show[SHOW_LEN];

	cfg_escape(show, sizeof(show), json_object_get_string(v), len);
	if (t < 0) {
		cfg_report(c, ipath, "\"%s\" is not a supported auth type "
		       "(supported: none, password, md5)", show);
		ll->ok = false;
	} else if (ll->seen[t]) {
		cfg_report(c, ipath, "\"%s\" is listed twice", show);
		ll->ok = false;
	} else {
		ll->seen[t] = true;
	}
}

/* An empty list is allowed: no IPMI 1.5 authentication at all. */
static void parse_auth_types(struct pctx *c, json_object *lan, struct cfg_lan *l)
{
	struct lan_list ll = { .ok = true };

	lan_each(c, lan, "auth_types", NULL, SIZE_MAX, json_type_string, auth_type_one, &ll);
	if (ll.ok) {
		l->auth_none = ll.seen[0];
		l->auth_password = ll.seen[1];
		l->auth_md5 = ll.seen[2];
	}
}

/* K_G is a secret: its value never appears in a message. */
static void parse_kg(struct pctx *c, json_object *lan, struct cfg_lan *l)
{
	const char *s;
	int len = cfg_get_ascii(c, lan, "lan", "kg", false, sizeof(l->kg),
				"empty (leave lan.kg out to keep K_G unset)", &s);

	if (len < 0)
		return;
	memset(l->kg, 0, sizeof(l->kg));
	memcpy(l->kg, s, (size_t)len);
	l->kg_set = true;
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

void lan_parse_config(struct pctx *c, json_object *root, struct board_config *cfg)
{
	parse_lan(c, root, &cfg->lan);
}
