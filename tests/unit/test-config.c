/* SPDX-License-Identifier: MIT */
/*
 * Board file parser tests.  Board files are read from $BMCD_SOURCE_ROOT
 * (default "."): boards/sim.json and the broken files in tests/boards/.
 * Inline JSON is written with ' for " to keep it readable.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/config.h"
#include "tap.h"

#define check tap_check	/* this file reports every check, with its values */

#define MAX_MSGS 32
#define MSG_SIZE 512

/* Strings used as secrets below: none may ever reach an error message. */
static const char *const secrets[] = {
	"supersecretpassword123", "hunter2", "Kg-secret-value-too-long", NULL
};

static char msgs[MAX_MSGS][MSG_SIZE];
static unsigned n_msgs;
static unsigned n_leaks;
static const char *root = ".";

static void collect(const char *msg, void *userdata)
{
	const char *const *s;

	(void)userdata;
	for (s = secrets; *s; s++)
		if (strstr(msg, *s))
			n_leaks++;
	if (n_msgs < MAX_MSGS)
		snprintf(msgs[n_msgs], MSG_SIZE, "%s", msg);
	n_msgs++;
}

static void dump_msgs(void)
{
	unsigned i;

	for (i = 0; i < n_msgs && i < MAX_MSGS; i++)
		printf("    got: %s\n", msgs[i]);
}

/* Parse 'tmpl' with ' turned into ". */
static int parse(const char *tmpl, struct board_config *cfg)
{
	size_t len = strlen(tmpl), i;
	char *text = malloc(len + 1);
	int r;

	if (!text)
		abort();
	for (i = 0; i <= len; i++)
		text[i] = tmpl[i] == '\'' ? '"' : tmpl[i];
	n_msgs = 0;
	r = config_parse(text, len, cfg, collect, NULL);
	free(text);
	return r;
}

static int load(const char *rel, struct board_config *cfg)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	n_msgs = 0;
	return config_load(path, cfg, collect, NULL);
}

/* Failure, and exactly the expected messages in order (NULL terminated). */
static bool same_msgs(int r, const char *const *want)
{
	unsigned n = 0;

	for (; want[n]; n++)
		if (n >= n_msgs || strcmp(msgs[n], want[n]))
			return false;
	return r == -EINVAL && n == n_msgs;
}

static void expect_msgs(const char *tmpl, const char *const *want)
{
	struct board_config cfg;
	int r = parse(tmpl, &cfg);
	bool ok = same_msgs(r, want);

	check(ok, "%s (+%u more)", want[0], n_msgs ? n_msgs - 1 : 0);
	if (!ok) {
		printf("    input: %s\n    rc=%d\n", tmpl, r);
		dump_msgs();
	}
}

static void expect1(const char *tmpl, const char *want)
{
	const char *const list[] = { want, NULL };

	expect_msgs(tmpl, list);
}

static void expect_ok(const char *tmpl, struct board_config *cfg, const char *what)
{
	int r = parse(tmpl, cfg);

	check(r == 0 && n_msgs == 0, "valid: %s", what);
	if (r || n_msgs) {
		printf("    input: %s\n    rc=%d\n", tmpl, r);
		dump_msgs();
	}
}

/* Building blocks for inline boards. */
#define ADMIN "{'id':2,'name':'admin','password':'pw'}"
#define USERS "'users':[" ADMIN "]"
#define BOARD(extra) "{'name':'t'," USERS extra "}"

static uint16_t ep_port(const struct cfg_endpoint *ep)
{
	if (ep->addr.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&ep->addr)->sin_port);
	return ntohs(((const struct sockaddr_in6 *)&ep->addr)->sin6_port);
}

static bool ep_is(const struct cfg_endpoint *ep, int family, const char *addr, uint16_t port)
{
	char buf[INET6_ADDRSTRLEN];
	const void *a;

	if (ep->addr.ss_family != family || ep_port(ep) != port)
		return false;
	if (family == AF_INET) {
		a = &((const struct sockaddr_in *)&ep->addr)->sin_addr;
		if (ep->addrlen != sizeof(struct sockaddr_in))
			return false;
	} else {
		a = &((const struct sockaddr_in6 *)&ep->addr)->sin6_addr;
		if (ep->addrlen != sizeof(struct sockaddr_in6))
			return false;
	}
	return inet_ntop(family, a, buf, sizeof(buf)) && !strcmp(buf, addr);
}

static bool user_is(const struct cfg_user *u, unsigned id, const char *name, const char *pw,
		    enum ipmi_priv priv, bool enabled)
{
	size_t len = strlen(pw);
	uint8_t padded[CFG_PASSWORD_MAX] = { 0 };

	memcpy(padded, pw, len);
	return u->id == id && !strcmp(u->name, name) && u->password_len == len &&
	       !memcmp(u->password, padded, sizeof(padded)) && u->privilege == priv &&
	       u->enabled == enabled;
}

static unsigned users_in_use(const struct board_config *cfg)
{
	unsigned i, n = 0;

	for (i = 0; i <= CFG_MAX_USERS; i++)
		n += cfg->users[i].id != 0;
	return n;
}

static void test_sim(void)
{
	static const uint8_t zero[4];
	struct board_config cfg;
	const struct cfg_lan *l = &cfg.lan;
	const struct cfg_host *h = &cfg.host;
	int r;

	r = load("boards/sim.json", &cfg);
	check(r == 0 && n_msgs == 0, "boards/sim.json loads (rc %d)", r);
	if (r)
		dump_msgs();
	check(!strcmp(cfg.name, "sim"), "sim: name");
	check(cfg.identity.device_id == 32 && cfg.identity.device_revision == 0 &&
	      cfg.identity.fw_major == 0 && cfg.identity.fw_minor == 1 &&
	      cfg.identity.manufacturer_id == 32473 && cfg.identity.product_id == 1 &&
	      !memcmp(cfg.identity.aux, zero, 4), "sim: identity");
	check(l->n_listen == 1 && ep_is(&l->listen[0], AF_INET, "127.0.0.1", 6230) &&
	      !strcmp(l->listen[0].text, "127.0.0.1:6230"), "sim: listens on 127.0.0.1:6230");
	check(l->cipher_suites == (1u << 3 | 1u << 17), "sim: cipher suites 3, 17");
	check(!l->auth_none && !l->auth_password && l->auth_md5 && !l->kg_set,
	      "sim: auth md5 only, no K_G");
	check(l->channel == 1 && l->session_timeout_s == 60 && l->max_sessions == 16,
	      "sim: channel, timeout, sessions");
	check(cfg.max_users == 15 && users_in_use(&cfg) == 3, "sim: 3 users of 15");
	check(user_is(&cfg.users[2], 2, "admin", "password", PRIV_ADMIN, true), "sim: user 2 admin");
	check(user_is(&cfg.users[3], 3, "operator", "operator", PRIV_OPERATOR, true),
	      "sim: user 3 operator");
	check(user_is(&cfg.users[4], 4, "user", "user", PRIV_USER, true), "sim: user 4 user");
	check(!strcmp(h->backend, "sim") && h->power_on_ms == 1500 && h->power_off_ms == 500 &&
	      h->soft_off_ms == 3000 && h->cycle_interval_ms == 1000 && h->reset_ms == 200 &&
	      !h->initially_on, "sim: host");
}

static void test_defaults(void)
{
	struct board_config cfg;

	memset(&cfg, 0xa5, sizeof(cfg));
	expect_ok(BOARD(""), &cfg, "minimal board");
	check(!strcmp(cfg.name, "t") && cfg.identity.device_id == 32 &&
	      cfg.identity.device_revision == 0 && cfg.identity.fw_major == 0 &&
	      cfg.identity.fw_minor == 1 && cfg.identity.manufacturer_id == 32473 &&
	      cfg.identity.product_id == 1 && !cfg.identity.aux[0] && !cfg.identity.aux[3],
	      "defaults: identity");
	check(cfg.lan.n_listen == 1 && ep_is(&cfg.lan.listen[0], AF_INET, "0.0.0.0", 623) &&
	      !strcmp(cfg.lan.listen[0].text, "0.0.0.0:623"), "defaults: listen 0.0.0.0:623");
	check(cfg.lan.cipher_suites == (1u << 3 | 1u << 17) && cfg.lan.auth_md5 &&
	      !cfg.lan.auth_none && !cfg.lan.auth_password && !cfg.lan.kg_set &&
	      cfg.lan.channel == 1 && cfg.lan.session_timeout_s == 60 &&
	      cfg.lan.max_sessions == 16, "defaults: lan");
	check(cfg.max_users == 15 && users_in_use(&cfg) == 1 &&
	      user_is(&cfg.users[2], 2, "admin", "pw", PRIV_ADMIN, true) &&
	      cfg.users[0].id == 0 && cfg.users[1].id == 0, "defaults: user privilege, enabled");
	check(!strcmp(cfg.host.backend, "sim") && cfg.host.power_on_ms == 1500 &&
	      cfg.host.power_off_ms == 500 && cfg.host.soft_off_ms == 3000 &&
	      cfg.host.cycle_interval_ms == 1000 && cfg.host.reset_ms == 200 &&
	      !cfg.host.initially_on, "defaults: host");
}

static void test_values(void)
{
	static const uint8_t kg[CFG_PASSWORD_MAX] = "key";
	static const uint8_t aux[4] = { 1, 2, 254, 255 };
	struct board_config cfg;

	expect_ok("{'name':'full board 1',"
		  "'identity':{'device_id':255,'device_revision':15,'firmware_version':'127.99',"
		  "'manufacturer_id':1048575,'product_id':65535,'aux_firmware':[1,2,254,255]},"
		  "'lan':{'channel':11,'listen':['[::1]:6230','192.0.2.1:65535','[2001:db8::1]:1'],"
		  "'cipher_suites':[0,17],'auth_types':['none','password'],'kg':'key',"
		  "'session_timeout':3600,'max_sessions':64},"
		  "'max_users':63,"
		  "'users':[{'id':1,'name':'','password':''},"
		  "{'id':63,'name':'a','password':'01234567890123456789','privilege':'administrator'},"
		  "{'id':5,'name':'cb','password':'x','privilege':'callback','enabled':false},"
		  "{'id':6,'name':'na','password':'x','privilege':'no_access'}],"
		  "'host':{'backend':'sim','power_on_ms':0,'power_off_ms':600000,'soft_off_ms':1,"
		  "'cycle_interval_ms':2,'reset_ms':3,'initially_on':true}}", &cfg, "every key set");
	check(cfg.identity.device_id == 255 && cfg.identity.device_revision == 15 &&
	      cfg.identity.fw_major == 127 && cfg.identity.fw_minor == 99 &&
	      cfg.identity.manufacturer_id == 0xfffff && cfg.identity.product_id == 65535 &&
	      !memcmp(cfg.identity.aux, aux, 4), "values: identity");
	check(cfg.lan.n_listen == 3 && ep_is(&cfg.lan.listen[0], AF_INET6, "::1", 6230) &&
	      !strcmp(cfg.lan.listen[0].text, "[::1]:6230") &&
	      ep_is(&cfg.lan.listen[1], AF_INET, "192.0.2.1", 65535) &&
	      ep_is(&cfg.lan.listen[2], AF_INET6, "2001:db8::1", 1), "values: listen");
	check(cfg.lan.cipher_suites == (1u << 0 | 1u << 17), "values: cipher 0 when listed");
	check(cfg.lan.auth_none && cfg.lan.auth_password && !cfg.lan.auth_md5,
	      "values: auth none, password");
	check(cfg.lan.kg_set && !memcmp(cfg.lan.kg, kg, sizeof(kg)), "values: K_G zero padded");
	check(cfg.lan.channel == 11 && cfg.lan.session_timeout_s == 3600 &&
	      cfg.lan.max_sessions == 64 && cfg.max_users == 63, "values: lan numbers");
	check(user_is(&cfg.users[1], 1, "", "", PRIV_ADMIN, false), "values: user 1 off by default");
	check(user_is(&cfg.users[63], 63, "a", "01234567890123456789", PRIV_ADMIN, true),
	      "values: user 63, 20-byte password");
	check(user_is(&cfg.users[5], 5, "cb", "x", PRIV_CALLBACK, false) &&
	      user_is(&cfg.users[6], 6, "na", "x", PRIV_NO_ACCESS, true) &&
	      users_in_use(&cfg) == 4, "values: callback, no_access");
	check(cfg.host.power_on_ms == 0 && cfg.host.power_off_ms == 600000 &&
	      cfg.host.soft_off_ms == 1 && cfg.host.cycle_interval_ms == 2 &&
	      cfg.host.reset_ms == 3 && cfg.host.initially_on, "values: host");

	expect_ok(BOARD(",'lan':{'auth_types':[]}"), &cfg, "empty auth_types");
	check(!cfg.lan.auth_none && !cfg.lan.auth_password && !cfg.lan.auth_md5,
	      "values: empty auth_types disables IPMI 1.5");
	expect_ok("{'name':'t','users':[{'id':1,'name':'','password':'','enabled':true},"
		  "{'id':2,'name':'admin','password':'pw','enabled':true}]}", &cfg,
		  "user 1 enabled explicitly");
	check(cfg.users[1].enabled, "values: user 1 enabled when asked");
	expect_ok("{'name':'t','max_users':20,'users':[{'id':20,'name':'a','password':'p'}]}",
		  &cfg, "id up to max_users");
}

static void test_structure_errors(void)
{
	expect1(BOARD(",'bogus':1"), "bogus: unknown key");
	expect1(BOARD(",'host':{'bogus':1}"), "host.bogus: unknown key");
	expect1(BOARD(",'lan':{'allow_cipher_zero':true}"), "lan.allow_cipher_zero: unknown key");
	expect1("{'name':'t','users':[{'id':2,'name':'a','password':'p','pasword':'hunter2'}]}",
		"users[0].pasword: unknown key");
	expect1(BOARD(",'na\\u0001me\\\"':1"), "na\\x01me\\\": unknown key");
	expect1("{" USERS "}", "name: missing");
	expect1("{'name':'t'}", "users: missing");
	expect1("[]", "(top level): expected object, got array");
	expect1("\"sim\"", "(top level): expected object, got string");
	expect1(BOARD(",'identity':[]"), "identity: expected object, got array");
	expect1(BOARD(",'lan':null"), "lan: expected object, got null");
	expect1("{'name':'t','users':{}}", "users: expected array, got object");
}

static void test_type_errors(void)
{
	expect1("{'name':7," USERS "}", "name: expected string, got integer");
	expect1(BOARD(",'identity':{'device_id':1.0}"),
		"identity.device_id: expected integer, got number");
	expect1(BOARD(",'identity':{'device_id':'1'}"),
		"identity.device_id: expected integer, got string");
	expect1(BOARD(",'identity':{'device_id':true}"),
		"identity.device_id: expected integer, got boolean");
	expect1(BOARD(",'identity':{'firmware_version':1.2}"),
		"identity.firmware_version: expected string, got number");
	expect1(BOARD(",'lan':{'session_timeout':'60'}"),
		"lan.session_timeout: expected integer, got string");
	expect1(BOARD(",'lan':{'cipher_suites':['3']}"),
		"lan.cipher_suites[0]: expected integer, got string");
	expect1(BOARD(",'lan':{'listen':'127.0.0.1:623'}"),
		"lan.listen: expected array, got string");
	expect1(BOARD(",'host':{'initially_on':1}"),
		"host.initially_on: expected boolean, got integer");
	expect1("{'name':'t','users':[{'id':2,'name':'a','password':'p','enabled':'yes'}]}",
		"users[0].enabled: expected boolean, got string");
	expect1("{'name':'t','users':[{'id':2,'name':'a','password':1234}]}",
		"users[0].password: expected string, got integer");
}

static void test_range_errors(void)
{
	expect1("{'name':''," USERS "}", "name: empty");
	expect1("{'name':'0123456789012345678901234567890123456789012345678901234567890123',"
		USERS "}", "name: longer than 63 characters");
	expect1("{'name':'a\\nb'," USERS "}", "name: not printable ASCII");
	expect1(BOARD(",'identity':{'device_id':256}"),
		"identity.device_id: 256 is out of range 0..255");
	expect1(BOARD(",'identity':{'device_id':-1}"),
		"identity.device_id: -1 is out of range 0..255");
	expect1(BOARD(",'identity':{'device_revision':16}"),
		"identity.device_revision: 16 is out of range 0..15");
	expect1(BOARD(",'identity':{'firmware_version':'0.120'}"),
		"identity.firmware_version: minor 120 is out of range 0..99");
	expect1(BOARD(",'identity':{'firmware_version':'128.0'}"),
		"identity.firmware_version: major 128 is out of range 0..127");
	expect1(BOARD(",'identity':{'firmware_version':'1.2.3'}"),
		"identity.firmware_version: \"1.2.3\" is not MAJOR.MINOR");
	expect1(BOARD(",'identity':{'firmware_version':'1'}"),
		"identity.firmware_version: \"1\" is not MAJOR.MINOR");
	expect1(BOARD(",'identity':{'firmware_version':' 1.2'}"),
		"identity.firmware_version: \" 1.2\" is not MAJOR.MINOR");
	expect1(BOARD(",'identity':{'manufacturer_id':1048576}"),
		"identity.manufacturer_id: 1048576 is out of range 0..1048575");
	expect1(BOARD(",'identity':{'manufacturer_id':18446744073709551615}"),
		"identity.manufacturer_id: 18446744073709551615 is out of range 0..1048575");
	expect1(BOARD(",'identity':{'product_id':65536}"),
		"identity.product_id: 65536 is out of range 0..65535");
	expect1(BOARD(",'identity':{'aux_firmware':[1,2,3]}"),
		"identity.aux_firmware: expected 4 integers, got 3");
	expect1(BOARD(",'identity':{'aux_firmware':[1,2,3,256]}"),
		"identity.aux_firmware[3]: 256 is out of range 0..255");
	expect1(BOARD(",'lan':{'channel':0}"), "lan.channel: 0 is out of range 1..11");
	expect1(BOARD(",'lan':{'channel':12}"), "lan.channel: 12 is out of range 1..11");
	expect1(BOARD(",'lan':{'session_timeout':9}"),
		"lan.session_timeout: 9 is out of range 10..3600");
	expect1(BOARD(",'lan':{'max_sessions':65}"), "lan.max_sessions: 65 is out of range 1..64");
	expect1(BOARD(",'max_users':1"), "max_users: 1 is out of range 2..63");
	expect1(BOARD(",'max_users':64"), "max_users: 64 is out of range 2..63");
	expect1(BOARD(",'host':{'reset_ms':600001}"),
		"host.reset_ms: 600001 is out of range 0..600000");
	expect1(BOARD(",'host':{'backend':'xen'}"),
		"host.backend: \"xen\" is not a supported backend (sim, qemu, gpio, libvirt)");
}

static void test_lan_errors(void)
{
	expect1(BOARD(",'lan':{'listen':['1.2.3:99']}"),
		"lan.listen[0]: \"1.2.3:99\" is not ADDR:PORT");
	expect1(BOARD(",'lan':{'listen':['127.0.0.1:623',7]}"),
		"lan.listen[1]: expected string, got integer");
	expect1(BOARD(",'lan':{'listen':[]}"), "lan.listen: empty (at least one endpoint is needed)");
	expect1(BOARD(",'lan':{'listen':['127.0.0.1:1','127.0.0.1:2','127.0.0.1:3',"
		      "'127.0.0.1:4','127.0.0.1:5']}"), "lan.listen: 5 endpoints, at most 4 allowed");
	expect1(BOARD(",'lan':{'listen':['[::1]:623','[0::1]:623']}"),
		"lan.listen[1]: \"[0::1]:623\" is listed twice");
	expect1(BOARD(",'lan':{'cipher_suites':[3,17,4]}"),
		"lan.cipher_suites[2]: 4 is not a supported cipher suite "
		"(supported: 0-3, 6-8, 11, 12, 15-17)");
	expect1(BOARD(",'lan':{'cipher_suites':[-1]}"),
		"lan.cipher_suites[0]: -1 is not a supported cipher suite "
		"(supported: 0-3, 6-8, 11, 12, 15-17)");
	expect1(BOARD(",'lan':{'cipher_suites':[3,3]}"), "lan.cipher_suites[1]: 3 is listed twice");
	expect1(BOARD(",'lan':{'cipher_suites':[]}"),
		"lan.cipher_suites: empty (at least one cipher suite is needed)");
	expect1(BOARD(",'lan':{'auth_types':['md2']}"),
		"lan.auth_types[0]: \"md2\" is not a supported auth type "
		"(supported: none, password, md5)");
	expect1(BOARD(",'lan':{'auth_types':['md5','md5']}"),
		"lan.auth_types[1]: \"md5\" is listed twice");
	expect1(BOARD(",'lan':{'kg':''}"), "lan.kg: empty (leave lan.kg out to keep K_G unset)");
	expect1(BOARD(",'lan':{'kg':'Kg-secret-value-too-long'}"),
		"lan.kg: longer than 20 characters");
	expect1(BOARD(",'lan':{'kg':'hunter2\\u00e9'}"), "lan.kg: not printable ASCII");
	expect1(BOARD(",'lan':{'interface':'eth0; rm'}"),
		"lan.interface: \"eth0; rm\" is not a network interface name (1-15 of A-Z a-z 0-9 . _ -)");
	expect1(BOARD(",'lan':{'interface':'averylonginterfacename'}"),
		"lan.interface: \"averylonginterfacename\" is not a network interface name (1-15 of A-Z a-z 0-9 . _ -)");
	expect1(BOARD(",'host':{'restore_policy':'sometimes'}"),
		"host.restore_policy: \"sometimes\" is not a restore policy (always-off, previous, always-on)");
}

static void test_user_errors(void)
{
	static const char *const no_admin[] = {
		"users[0]: expected object, got string",
		"users: no enabled user with privilege \"administrator\"", NULL
	};

	expect1("{'name':'t','users':[{'name':'a','password':'p'}]}", "users[0].id: missing");
	expect1("{'name':'t','users':[{'id':0,'name':'a','password':'p'}]}",
		"users[0].id: 0 is out of range 1..15");
	expect1("{'name':'t','users':[{'id':16,'name':'a','password':'p'}]}",
		"users[0].id: 16 is out of range 1..15");
	expect1("{'name':'t','max_users':4,'users':[{'id':5,'name':'a','password':'p'}]}",
		"users[0].id: 5 is out of range 1..4");
	expect1("{'name':'t','users':[" ADMIN ",{'id':2,'name':'b','password':'p'}]}",
		"users[1].id: 2 is already used by users[0]");
	expect1("{'name':'t','users':[" ADMIN ",{'id':3,'name':'admin','password':'p'}]}",
		"users[1].name: same name as users[0]");
	expect1("{'name':'t','users':[{'id':2,'password':'p'}]}", "users[0].name: missing");
	expect1("{'name':'t','users':[{'id':2,'name':'','password':'p'}]}",
		"users[0].name: empty (only user 1, the anonymous user, has no name)");
	expect1("{'name':'t','users':[{'id':2,'name':'seventeen_chars_x','password':'p'}]}",
		"users[0].name: longer than 16 characters");
	expect1("{'name':'t','users':[{'id':2,'name':'a\\tb','password':'p'}]}",
		"users[0].name: not printable ASCII");
	expect1("{'name':'t','users':[" ADMIN ",{'id':1,'name':'anon','password':''}]}",
		"users[1].name: must be \"\" for user 1 (the anonymous user)");
	expect1("{'name':'t','users':[" ADMIN ",{'id':3,'name':'oper'}]}",
		"users[1].password: missing");
	expect1("{'name':'t','users':[{'id':2,'name':'a','password':'supersecretpassword123'}]}",
		"users[0].password: longer than 20 bytes");
	expect1("{'name':'t','users':[{'id':2,'name':'a','password':''}]}",
		"users[0].password: empty (only user 1 may have an empty password)");
	expect1("{'name':'t','users':[{'id':2,'name':'a','password':'a\\u0000b'}]}",
		"users[0].password: contains a NUL byte");
	expect1("{'name':'t','users':[{'id':2,'name':'a','password':'p','privilege':'root'}]}",
		"users[0].privilege: not one of callback, user, operator, administrator, no_access");
	expect1("{'name':'t','users':[{'id':2,'name':'a','password':'p','enabled':false}]}",
		"users: no enabled user with privilege \"administrator\"");
	expect1("{'name':'t','users':[{'id':2,'name':'a','password':'p','privilege':'operator'}]}",
		"users: no enabled user with privilege \"administrator\"");
	expect1("{'name':'t','users':[]}", "users: no enabled user with privilege \"administrator\"");
	expect_msgs("{'name':'t','users':['admin']}", no_admin);
}

static void test_secrets(void)
{
	static const char *const misplaced[] = {
		"users[0].name: longer than 16 characters",
		"users[0].password: longer than 20 bytes",
		"users[0].privilege: not one of callback, user, operator, administrator, no_access",
		NULL
	};
	struct board_config cfg;

	/* Passwords typed into the wrong key are not quoted either. */
	expect_msgs("{'name':'t','users':[{'id':2,'name':'supersecretpassword123',"
		    "'password':'supersecretpassword123','privilege':'hunter2'}]}", misplaced);
	load("tests/boards/bad-values.json", &cfg);
}

/* Every problem, sections in module order (daemon/modules.c). */
static void test_multiple(void)
{
	static const char *const want[] = {
		"identity.device_revision: 16 is out of range 0..15",
		"identity.firmware_version: minor 120 is out of range 0..99",
		"identity.aux_firmware: expected 4 integers, got 3",
		"users[1].password: missing",
		"users[2].id: 2 is already used by users[0]",
		"users[2].name: same name as users[0]",
		"users[2].password: longer than 20 bytes",
		"users[2].privilege: not one of callback, user, operator, administrator, no_access",
		"host.bogus: unknown key",
		"host.reset_ms: 600001 is out of range 0..600000",
		"lan.listen[0]: \"1.2.3:99\" is not ADDR:PORT",
		"lan.cipher_suites[2]: 4 is not a supported cipher suite "
		"(supported: 0-3, 6-8, 11, 12, 15-17)",
		"lan.auth_types[1]: \"md2\" is not a supported auth type "
		"(supported: none, password, md5)",
		"lan.session_timeout: expected integer, got string",
		NULL
	};
	struct board_config cfg, before;
	int r;

	memset(&cfg, 0x5a, sizeof(cfg));
	before = cfg;
	r = load("tests/boards/bad-values.json", &cfg);
	check(same_msgs(r, want), "bad-values.json: all %u errors reported", n_msgs);
	if (!same_msgs(r, want))
		dump_msgs();
	check(!memcmp(&cfg, &before, sizeof(cfg)), "config untouched on failure");
}

/* A file just over 1 MiB is refused before parsing. */
static void test_big_file(void)
{
	char path[] = "/tmp/test-config-XXXXXX", want[64];
	struct board_config cfg;
	static char spaces[4096];
	FILE *f;
	int fd, i, r;

	fd = mkstemp(path);
	f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f) {
		check(false, "temporary file: %s", strerror(errno));
		return;
	}
	memset(spaces, ' ', sizeof(spaces));
	fputs(BOARD(""), f);
	for (i = 0; i < 256; i++)
		fwrite(spaces, 1, sizeof(spaces), f);
	fclose(f);
	n_msgs = 0;
	r = config_load(path, &cfg, collect, NULL);
	unlink(path);
	snprintf(want, sizeof(want), "%s: larger than 1 MiB", path);
	check(r == -EFBIG && n_msgs == 1 && !strcmp(msgs[0], want), "file over 1 MiB: -EFBIG");
}

static void test_syntax(void)
{
	struct board_config cfg;
	char want[600];
	int r;

	r = load("tests/boards/bad-syntax.json", &cfg);
	snprintf(want, sizeof(want), "%s/tests/boards/bad-syntax.json: JSON syntax error at "
		 "line 5, column 2 (byte offset 92): unexpected character", root);
	check(r == -EINVAL && n_msgs == 1 && !strcmp(msgs[0], want),
	      "bad-syntax.json: path, line, offset, json-c text");
	if (n_msgs != 1 || strcmp(msgs[0], want))
		dump_msgs();
	r = load("tests/boards/not-object.json", &cfg);
	check(r == -EINVAL && n_msgs == 1 &&
	      !strcmp(msgs[0], "(top level): expected object, got array"),
	      "not-object.json refused");
	r = load("tests/boards/no-such-board.json", &cfg);
	snprintf(want, sizeof(want), "%s/tests/boards/no-such-board.json: "
		 "No such file or directory", root);
	check(r == -ENOENT && n_msgs == 1 && !strcmp(msgs[0], want), "missing file: -ENOENT");
	r = load("tests/boards", &cfg);
	check(r == -EISDIR && n_msgs == 1, "directory: -EISDIR");
	test_big_file();

	expect1(BOARD(",/* comment */'max_users':15"),
		"JSON syntax error at line 1, column 63 (byte offset 62): "
		"quoted object property name expected");
	expect1("{'name':'t',\n'users':[],}",
		"JSON syntax error at line 2, column 12 (byte offset 24): unexpected character");
	expect1("", "JSON syntax error at line 1, column 1 (byte offset 0): unexpected end of input");
	expect1("{'name':",
		"JSON syntax error at line 1, column 9 (byte offset 8): unexpected end of input");
	expect1(BOARD("") " x", "JSON syntax error at line 1, column 64 (byte offset 63): "
		"unexpected character");
	n_msgs = 0;
	r = config_parse("{}\0{}", 5, &cfg, collect, NULL);
	check(r == -EINVAL && n_msgs == 1 &&
	      !strcmp(msgs[0], "JSON syntax error at line 1, column 3 (byte offset 2): NUL byte"),
	      "NUL byte refused");
}

static void test_endpoints(void)
{
	static const char *const bad[] = {
		"1.2.3:99", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536",
		"127.0.0.1:623x", "127.0.0.1:623 ", " 127.0.0.1:623", "127.0.0.1:+623",
		"127.0.0.1:0623", "127.0.0.1:99999999999", "[::1]623", "::1:623", "[::1]:",
		"[::1:623", "[]:623", "[127.0.0.1]:623", "localhost:623", "[fe80::1%eth0]:623",
		":623", "", "[0000:0000:0000:0000:0000:0000:0000:0001]:6230/too-long-for-text",
		NULL
	};
	struct cfg_endpoint ep;
	const char *const *s;
	unsigned n_bad = 0;

	check(config_parse_endpoint("127.0.0.1:6230", &ep) == 0 &&
	      ep_is(&ep, AF_INET, "127.0.0.1", 6230) && !strcmp(ep.text, "127.0.0.1:6230"),
	      "endpoint 127.0.0.1:6230");
	check(config_parse_endpoint("[::1]:623", &ep) == 0 && ep_is(&ep, AF_INET6, "::1", 623) &&
	      !strcmp(ep.text, "[::1]:623"), "endpoint [::1]:623");
	check(config_parse_endpoint("[::ffff:192.0.2.1]:65535", &ep) == 0 &&
	      ep_is(&ep, AF_INET6, "::ffff:192.0.2.1", 65535), "endpoint v4-mapped v6, port 65535");
	for (s = bad; *s; s++) {
		if (config_parse_endpoint(*s, &ep) != -EINVAL) {
			printf("    accepted: \"%s\"\n", *s);
			n_bad++;
		}
	}
	check(n_bad == 0, "%zu malformed endpoints refused", sizeof(bad) / sizeof(bad[0]) - 1);
	check(config_parse_endpoint(NULL, &ep) == -EINVAL, "NULL endpoint refused");
}

static void test_ipmb_errors(void)
{
	struct board_config cfg;

	expect1(BOARD(",'ipmb':{'channels':[{'channel':0}],'satellites':[{'name':'A','channel':0,'address':'0x73'}]}"),
		"ipmb.satellites[0].address: not an 8-bit IPMB slave address (even, 0x10..0xEE, e.g. \"0x72\")");
	expect1(BOARD(",'ipmb':{'channels':[{'channel':0}],'satellites':[{'name':'A','channel':7,'address':'0x72'}]}"),
		"ipmb.satellites[0]: channel 7 is not one of ipmb.channels");
	expect1(BOARD(",'ipmb':{'channels':[{'channel':0}],'satellites':[{'name':'A','channel':0,'address':'0x72','via':'B'}]}"),
		"ipmb.satellites[0].via: not the name of a satellite listed before this one");
	expect1(BOARD(",'ipmb':{'channels':[{'channel':0}],'satellites':[{'name':'A','channel':0,'address':32}]}"),
		"ipmb.satellites[0]: address 0x20 is the BMC's own");
	expect1(BOARD(",'ipmb':{'channels':[{'channel':1}]}"), "ipmb.channels[0]: channel 1 is the LAN channel");
	expect1(BOARD(",'ipmb':{'channels':[{'channel':0},{'channel':0}]}"),
		"ipmb.channels[1]: channel 0 is listed twice");
	/* The LAN section is parsed after ipmb's: its channel is checked once all are in. */
	expect1(BOARD(",'ipmb':{'channels':[{'channel':0},{'channel':2}]},'lan':{'channel':2}"),
		"ipmb.channels[1]: channel 2 is the LAN channel");
	expect_ok(BOARD(",'ipmb':{'channels':[{'channel':1}]},'lan':{'channel':2}"), &cfg,
		  "ipmb channel 1 when the LAN channel is 2");
	/* A list longer than its maximum: said once, and its first entries still checked. */
	{
		static const char *const want[] = {
			"ipmb.channels: more than 4 channels",
			"ipmb.channels[1]: expected object, got integer",
			NULL
		};

		expect_msgs(BOARD(",'ipmb':{'channels':[{'channel':0},5,{'channel':3},{'channel':4},"
				  "{'channel':6}]}"), want);
	}
	expect1(BOARD(",'ipmb':{'channels':[{'channel':0}],'satellites':[{'name':'A','channel':0,'address':'0x72',"
		      "'sensors':[{'name':'S','type':'temperature','source':{'kind':'sim','value':1}},{'name':'S','type':'fan','source':{'kind':'sim','value':1}}]}]}"),
		"ipmb.satellites[0].sensors[1]: name \"S\" is used by sensors[0] too");
	expect_ok(BOARD(",'ipmb':{'address':'0x22','channels':[{'channel':0},{'channel':7,'device':'/dev/ipmb-7'}],"
			"'satellites':[{'name':'Shelf','channel':0,'address':'0x9e'},"
			"{'name':'Sled','via':'Shelf','channel':7,'address':'0x72','firmware':'3.01','responds':false}]}"),
		  &cfg, "ipmb section");
	check(cfg.ipmb.address == 0x22 && cfg.ipmb.n_channels == 2 && cfg.ipmb.n_sats == 2 &&
	      cfg.ipmb.sats[1].via == 0 && cfg.ipmb.sats[1].fw_major == 3 && cfg.ipmb.sats[1].fw_minor == 1 &&
	      !cfg.ipmb.sats[1].responds && !strcmp(cfg.ipmb.channels[1].device, "/dev/ipmb-7"),
	      "ipmb values");
}

static void test_dbus(void)
{
	struct board_config cfg;

	expect_ok(BOARD(""), &cfg, "board without a dbus section");
	check(!cfg.dbus.bus[0] && !strcmp(cfg.dbus.name, "xyz.openbmc_project.bmcd") &&
	      !cfg.dbus.read_only, "dbus defaults: bus decided at start, OpenBMC-style name");
	expect_ok(BOARD(",'dbus':{'bus':'unix:path=/run/x','name':'org.example.Bmc_1','read_only':true}"),
		  &cfg, "dbus section");
	check(!strcmp(cfg.dbus.bus, "unix:path=/run/x") && !strcmp(cfg.dbus.name, "org.example.Bmc_1") &&
	      cfg.dbus.read_only, "dbus values");
	expect_ok(BOARD(",'dbus':{'bus':'none'}"), &cfg, "dbus.bus none");
	expect1(BOARD(",'dbus':{'bus':'nowhere'}"),
		"dbus.bus: not \"system\", \"none\" or a D-Bus address (\"unix:path=/PATH\")");
	expect1(BOARD(",'dbus':{'bus':'unix:path=/a b'}"),
		"dbus.bus: not \"system\", \"none\" or a D-Bus address (\"unix:path=/PATH\")");
	expect1(BOARD(",'dbus':{'name':'bmcd'}"),
		"dbus.name: not a D-Bus well-known name (\"xyz.openbmc_project.bmcd\")");
	expect1(BOARD(",'dbus':{'name':'org.1example'}"),
		"dbus.name: not a D-Bus well-known name (\"xyz.openbmc_project.bmcd\")");
	expect1(BOARD(",'dbus':{'name':'org..x'}"),
		"dbus.name: not a D-Bus well-known name (\"xyz.openbmc_project.bmcd\")");
	expect1(BOARD(",'dbus':{'read_only':1}"), "dbus.read_only: expected boolean, got integer");
}

/* Every module's defaults apply, also to the sections a board file leaves out. */
static void test_module_defaults(void)
{
	struct board_config cfg;

	expect_ok(BOARD(""), &cfg, "board without optional sections");
	check(cfg.host.qemu.stop_timeout_ms == 10000 && cfg.host.gpio.force_off_ms == 6000 &&
	      cfg.pef.enabled && cfg.pef.trap_port == 162 && cfg.ipmb.address == 0x20 &&
	      cfg.dcmi.window_s == 60 && cfg.i2c.privilege == PRIV_ADMIN && cfg.sel_capacity == 4096 &&
	      !strcmp(cfg.hwmon_root, "/sys/class/hwmon"), "module defaults without their sections");
	/* A key of any module is known at the top level. */
	expect_ok(BOARD(",'hwmon_root':'/x','sim_dir':'/y','sel':{},'kcs':{},'pef':{},'dcmi':{},"
			"'i2c':{},'ipmb':{},'sol':{},'dbus':{},'host':{},'lan':{},'identity':{},'fru':[],"
			"'max_users':15,'sensors':[]"), &cfg, "every module's top-level keys");
}

int main(void)
{
	const char *env = getenv("BMCD_SOURCE_ROOT");

	if (env && *env)
		root = env;
	test_sim();
	test_defaults();
	test_values();
	test_structure_errors();
	test_type_errors();
	test_range_errors();
	test_lan_errors();
	test_user_errors();
	test_secrets();
	test_multiple();
	test_syntax();
	test_endpoints();
	test_ipmb_errors();
	test_module_defaults();
	test_dbus();
	check(n_leaks == 0, "no secret appeared in any message (%u leaks)", n_leaks);
	return tap_done("config");
}
