/* SPDX-License-Identifier: MIT */
/*
 * Two BMCs in one process and one sd-event loop (docs/architecture.md,
 * "Instances"): different boards, different state directories, and
 * nothing one does shows on the other: users, SEL, host power.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/bmc.h"
#include "daemon/ipmi.h"
#include "tap.h"

/* A request from the host's system interface (administrator, no session);
 * the response data after the completion code goes to rsp. */
static uint8_t req(struct bmc *bmc, uint8_t netfn, uint8_t cmd, const uint8_t *data, size_t len,
		   uint8_t *rsp, size_t *n)
{
	uint8_t out[IPMI_MAX_RSP];
	struct wbuf w = wb_init(out, sizeof(out));
	struct ipmi_req r = {
		.channel = IPMI_CHANNEL_SYSIF, .priv = PRIV_ADMIN,
		.netfn = netfn, .cmd = cmd, .data = data, .len = len,
	};
	uint8_t cc = ipmi_dispatch(bmc, &r, &w);

	*n = w.len;
	if (rsp)
		memcpy(rsp, out, w.len);
	return cc;
}

/* The name of user uid ("" when it has none). */
static void user_name(struct bmc *bmc, uint8_t uid, char out[CFG_NAME_MAX + 1])
{
	uint8_t rsp[IPMI_MAX_RSP];
	size_t n = 0;

	memset(out, 0, CFG_NAME_MAX + 1);
	CHECK(req(bmc, NETFN_APP, 0x46, &uid, 1, rsp, &n) == CC_OK && n == CFG_NAME_MAX);
	memcpy(out, rsp, n < CFG_NAME_MAX ? n : CFG_NAME_MAX);
}

static unsigned sel_entries(struct bmc *bmc)
{
	uint8_t rsp[IPMI_MAX_RSP];
	size_t n = 0;

	CHECK(req(bmc, NETFN_STORAGE, 0x40, NULL, 0, rsp, &n) == CC_OK && n >= 3);
	return rsp[1] | (unsigned)rsp[2] << 8;
}

static bool power_on(struct bmc *bmc)
{
	uint8_t rsp[IPMI_MAX_RSP];
	size_t n = 0;

	CHECK(req(bmc, NETFN_CHASSIS, 0x01, NULL, 0, rsp, &n) == CC_OK && n >= 1);
	return rsp[0] & 0x01;
}

static void test_users(struct bmc *a, struct bmc *b)
{
	uint8_t set[1 + CFG_NAME_MAX] = { 7, 'a', 'l', 'p', 'h', 'a' };
	char name[CFG_NAME_MAX + 1];
	size_t n;

	/* The boards differ: user 3 is "operator" on one, "oper-b" on the other. */
	user_name(a, 3, name);
	CHECK(!strcmp(name, "operator"));
	user_name(b, 3, name);
	CHECK(!strcmp(name, "oper-b"));

	CHECK(req(a, NETFN_APP, 0x45, set, sizeof(set), NULL, &n) == CC_OK);
	user_name(a, 7, name);
	CHECK(!strcmp(name, "alpha"));
	user_name(b, 7, name);
	CHECK(name[0] == '\0');
}

static void test_sel(struct bmc *a, struct bmc *b)
{
	/* A system event record: ID (assigned), type 02h, time, generator
	 * 41h, EvM rev 04h, sensor type 07h (processor) #1, assertion. */
	static const uint8_t rec[16] = { 0, 0, 0x02, 0, 0, 0, 0, 0x41, 0, 0x04, 0x07, 0x01,
					 0x6f, 0x00, 0xff, 0xff };
	unsigned in_a = sel_entries(a), in_b = sel_entries(b);
	uint8_t rsp[IPMI_MAX_RSP];
	size_t n;

	CHECK(req(a, NETFN_STORAGE, 0x44, rec, sizeof(rec), rsp, &n) == CC_OK && n == 2);
	CHECK(sel_entries(a) == in_a + 1);
	CHECK(sel_entries(b) == in_b);
}

static void test_power(sd_event *ev, struct bmc *a, struct bmc *b)
{
	const uint8_t up = 0x01;
	size_t n;

	CHECK(!power_on(a) && !power_on(b));
	CHECK(req(a, NETFN_CHASSIS, 0x02, &up, 1, NULL, &n) == CC_OK);
	/* The sim host powers on after power_on_ms; the loop runs both BMCs
	 * meanwhile.  The bound only stops a broken build from hanging. */
	for (unsigned i = 0; i < 2000 && !power_on(a); i++)
		sd_event_run(ev, 10000);
	CHECK(power_on(a));
	CHECK(!power_on(b));
}

/* sim.json, changed where the text says so: another board. */
static int load_board(const char *path, struct board_config *cfg, bool other)
{
	static const char *const edits[][2] = {
		{ "\"name\": \"sim\"", "\"name\": \"sim-b\"" },
		{ "\"name\": \"operator\"", "\"name\": \"oper-b\"" },
	};
	char text[65536], *p;
	FILE *f = fopen(path, "r");
	size_t len;
	int r;

	if (!f)
		return -1;
	len = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[len] = '\0';
	for (unsigned i = 0; other && i < sizeof(edits) / sizeof(edits[0]); i++) {
		size_t from = strlen(edits[i][0]), to = strlen(edits[i][1]);

		p = strstr(text, edits[i][0]);
		if (!p || len + to - from >= sizeof(text))
			return -1;
		memmove(p + to, p + from, len - (size_t)(p - text) - from + 1);
		memcpy(p, edits[i][1], to);
		len = len + to - from;
	}
	r = config_parse(text, len, cfg, NULL, NULL);
	cfg->lan.n_listen = 0;		/* the interop test has the sockets */
	cfg->redfish.enabled = false;
	cfg->host.power_on_ms = 20;
	return r;
}

static bool zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

/* The BMC's copy of its board is the board, but for the passwords that
 * users_init wipes from it once the user table has them. */
static bool same_board(const struct board_config *x, const struct board_config *y)
{
	size_t u = offsetof(struct board_config, users), e = u + sizeof(x->users);

	for (unsigned id = 1; id <= CFG_MAX_USERS; id++)
		if (strcmp(x->users[id].name, y->users[id].name))
			return false;
	return !memcmp(x, y, u) &&
	       !memcmp((const uint8_t *)x + e, (const uint8_t *)y + e, sizeof(*x) - e);
}

static void rm_rf(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
}

int main(void)
{
	struct board_config *cfg = calloc(2, sizeof(*cfg));
	/* b not zeroed: bmc_init must give the same BMC from any memory (it
	 * writes only the pages of the board copy that differ). */
	struct bmc *a = calloc(1, sizeof(*a)), *b = malloc(sizeof(*b));
	const char *root = getenv("BMCD_SOURCE_ROOT");
	char path[4096], dir_a[] = "/tmp/test-inst-a-XXXXXX", dir_b[] = "/tmp/test-inst-b-XXXXXX";
	sd_event *ev = NULL;
	unsigned sel_b;

	CHECK(cfg && a && b);
	if (!cfg || !a || !b)
		return tap_done("instances");
	memset(b, 0xa5, sizeof(*b));
	snprintf(path, sizeof(path), "%s/boards/sim.json", root ? root : ".");
	CHECK(load_board(path, &cfg[0], false) == 0);
	CHECK(load_board(path, &cfg[1], true) == 0);
	CHECK(sd_event_new(&ev) >= 0);
	CHECK(mkdtemp(dir_a) && mkdtemp(dir_b));
	CHECK(bmc_init(a, ev, &cfg[0], dir_a) == 0);
	CHECK(bmc_init(b, ev, &cfg[1], dir_b) == 0);
	CHECK(!strcmp(a->cfg.name, "sim") && !strcmp(b->cfg.name, "sim-b"));
	CHECK(same_board(&a->cfg, &cfg[0]) && same_board(&b->cfg, &cfg[1]));
	CHECK(b->reset == NULL && !b->cold_reset);	/* zeroed, not 0xa5 */

	test_users(a, b);
	test_sel(a, b);
	test_power(ev, a, b);

	/* Either one stops without the other noticing. */
	sel_b = sel_entries(b);
	bmc_done(a);
	CHECK(!power_on(b) && sel_entries(b) == sel_b);
	sd_event_run(ev, 0);
	bmc_done(b);
	CHECK(zero(&a->cfg, sizeof(a->cfg)) && zero(&b->cfg, sizeof(b->cfg)));	/* passwords wiped */
	sd_event_unref(ev);
	rm_rf(dir_a);
	rm_rf(dir_b);
	free(a);
	free(b);
	free(cfg);
	return tap_done("instances");
}
