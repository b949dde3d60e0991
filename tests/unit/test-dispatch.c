/* SPDX-License-Identifier: MIT */
/*
 * Walk every command table: entries are consistent, and the dispatcher's
 * checks (C1h unknown, D4h privilege, C7h length) hold for every command,
 * in that order, before any handler runs.
 */
#include <string.h>

#include "daemon/bmc.h"
#include "daemon/ipmi.h"
#include "daemon/module.h"
#include "bmc-parts.h"
#include "tap.h"

static struct bmc bmc;

static uint8_t run(uint8_t netfn, uint8_t cmd, enum ipmi_priv priv, const uint8_t *data, size_t len)
{
	uint8_t out[IPMI_MAX_RSP];
	struct wbuf w = wb_init(out, sizeof(out));
	const struct ipmi_cmd *c = ipmi_lookup(netfn, cmd);
	struct ipmi_req req = {
		.channel = 1, .priv = priv, .netfn = netfn, .cmd = cmd, .data = data, .len = len,
	};

	/* System-interface commands are walked where they exist. */
	if (c && (c->flags & CMD_F_SYSIF_ONLY))
		req.channel = IPMI_CHANNEL_SYSIF;

	return ipmi_dispatch(&bmc, &req, &w);
}

static void test_tables(void)
{
	unsigned n = 0;

	for (const struct bmc_module *const *m = bmc_modules; *m; m++) {
		CHECK((*m)->name && (*m)->name[0]);
		for (const struct ipmi_cmd *e = (*m)->cmds; e && e->fn; e++) {
			n++;
			CHECK((e->netfn & 1) == 0);
			CHECK(e->name && e->name[0]);
			CHECK(e->priv <= PRIV_ADMIN);
			CHECK(e->min_len <= e->max_len);
			CHECK(e->max_len <= IPMI_MAX_REQ);
			/* No command answered twice: the lookup finds this entry. */
			CHECK(ipmi_lookup(e->netfn, e->cmd) == e);
			if (ipmi_lookup(e->netfn, e->cmd) != e)
				fprintf(stderr, "  ^ %s (%02x:%02x) is listed twice\n", e->name, e->netfn, e->cmd);
			/* Exact lengths lie inside the limits. */
			for (size_t k = 0; k < sizeof(e->lens) && e->lens[k]; k++)
				CHECK(e->lens[k] >= e->min_len && e->lens[k] <= e->max_len);
		}
	}
	CHECK(n > 0);
	/* Every command the LAN foundation promises is in a table. */
	static const uint8_t required[][2] = {
		{ NETFN_APP, 0x01 }, { NETFN_APP, 0x02 }, { NETFN_APP, 0x03 }, { NETFN_APP, 0x04 },
		{ NETFN_APP, 0x08 }, { NETFN_APP, 0x2f }, { NETFN_APP, 0x37 }, { NETFN_APP, 0x38 },
		{ NETFN_APP, 0x39 }, { NETFN_APP, 0x3a }, { NETFN_APP, 0x3b }, { NETFN_APP, 0x3c },
		{ NETFN_APP, 0x3d }, { NETFN_APP, 0x41 }, { NETFN_APP, 0x42 }, { NETFN_APP, 0x54 },
		{ NETFN_CHASSIS, 0x01 }, { NETFN_CHASSIS, 0x02 },
	};
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
		CHECK(ipmi_lookup(required[i][0], required[i][1]) != NULL);
}

static void test_checks(void)
{
	uint8_t big[IPMI_MAX_REQ + 1];

	memset(big, 0, sizeof(big));
	/* Unknown netfn, unknown command, response netfn, bad LUN. */
	CHECK(run(0x30, 0x01, PRIV_ADMIN, NULL, 0) == CC_INVALID_CMD);
	CHECK(run(NETFN_APP, 0xff, PRIV_ADMIN, NULL, 0) == CC_INVALID_CMD);
	CHECK(run(NETFN_APP | 1, 0x01, PRIV_ADMIN, NULL, 0) == CC_INVALID_CMD_LUN);

	for (const struct bmc_module *const *m = bmc_modules; *m; m++) {
		for (const struct ipmi_cmd *e = (*m)->cmds; e && e->fn; e++) {
			int before = tap_failed;

			/* Below the minimum privilege: D4h, whatever the length. */
			if (e->priv > PRIV_NONE) {
				CHECK(run(e->netfn, e->cmd, e->priv - 1, big, e->min_len) == CC_INSUFFICIENT_PRIV);
				CHECK(run(e->netfn, e->cmd, e->priv - 1, big, sizeof(big)) == CC_INSUFFICIENT_PRIV);
			}
			/* Privilege is fine, length is not: C7h. */
			if (e->min_len > 0)
				CHECK(run(e->netfn, e->cmd, PRIV_ADMIN, big, e->min_len - 1) == CC_REQ_LEN);
			CHECK(run(e->netfn, e->cmd, PRIV_ADMIN, big, e->max_len + 1u) == CC_REQ_LEN);
			if (tap_failed != before)
				fprintf(stderr, "  ^ %s (%02x:%02x)\n", e->name, e->netfn, e->cmd);
		}
	}
	/* Privilege is checked before length: a too-long Chassis Control from a
	 * USER session is a privilege error. */
	CHECK(run(NETFN_CHASSIS, 0x02, PRIV_USER, big, 9) == CC_INSUFFICIENT_PRIV);
	/* Commands that need no session are reachable without one. */
	CHECK(ipmi_lookup(NETFN_APP, 0x38)->priv == PRIV_NONE);
	CHECK(ipmi_lookup(NETFN_APP, 0x54)->priv == PRIV_NONE);
	CHECK(ipmi_lookup(NETFN_APP, 0x01)->priv == PRIV_USER);
	CHECK(ipmi_lookup(NETFN_CHASSIS, 0x02)->priv == PRIV_OPERATOR);
}

static void test_handlers(void)
{
	const uint8_t self_test[] = { 0 };

	/* A real handler through the dispatcher: Get Self Test Results. */
	CHECK(run(NETFN_APP, 0x04, PRIV_USER, self_test, 0) == CC_OK);
	/* Reserved bits: CCh from the handler. */
	const uint8_t chinfo[] = { 0xf1 };
	CHECK(run(NETFN_APP, 0x42, PRIV_USER, chinfo, 1) == CC_INVALID_FIELD);
	const uint8_t noch[] = { 0x05 };
	CHECK(run(NETFN_APP, 0x42, PRIV_USER, noch, 1) == CC_INVALID_FIELD);
	const uint8_t ctl[] = { 0x06 };
	CHECK(run(NETFN_CHASSIS, 0x02, PRIV_ADMIN, ctl, 1) == CC_INVALID_FIELD);
}

int main(void)
{
	test_bmc_parts(&bmc);
	bmc.cfg.lan.channel = 1;
	test_tables();
	test_checks();
	test_handlers();
	return tap_done("dispatch");
}
