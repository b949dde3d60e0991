/* SPDX-License-Identifier: MIT */
/* The configuration-parameter table (daemon/param.c): lookup, length,
 * read-only, plain storage, set in progress, revision only, saving, and
 * the completion code of each error. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "daemon/param.h"
#include "tap.h"

struct thing {
	uint8_t in_progress;
	uint8_t mode;			/* plain, bits 7:2 reserved */
	uint8_t mac[6];			/* plain */
	uint8_t entries[3][2];		/* set selectors 1..3 */
	uint16_t port;
	int saves;
	int save_result;
};

static int get_entry(void *ctx, const struct param_query *q, struct wbuf *w)
{
	const struct thing *t = ctx;

	return param_get_entry(w, q->set, 1, 3, t->entries, 2, 2);
}

static int set_entry(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct thing *t = ctx;
	uint8_t set = rb_u8(r);

	if (set == 0 || set > 3)
		return -ERANGE;
	rb_copy(r, t->entries[set - 1], 2);
	return 0;
}

static uint8_t *in_progress(void *ctx)
{
	return &((struct thing *)ctx)->in_progress;
}

static int save(void *ctx)
{
	struct thing *t = ctx;

	t->saves++;
	return t->save_result;
}

static const struct param_def defs[] = {
	PARAM_SET_IN_PROGRESS,
	PARAM_PLAIN_AT(1, struct thing, mode, 0xfc),
	PARAM_PLAIN_AT(2, struct thing, mac, 0x00),
	PARAM_CONST(3, 1, 0x2a),
	{ 4, 3, 3, 0, get_entry, set_entry },
	{ 5, PARAM_ANY_LEN, PARAM_RO, get_entry },
	{ 6, 2, 2, PARAM_RO, param_get_le16, .off = offsetof(struct thing, port) },
};

static const struct param_family fam = {
	PARAM_FAMILY(defs),
	.revision = 0x11,
	.in_progress = in_progress,
	.save = save,
};

static int set(struct thing *t, const struct param_family *f, uint8_t sel, const void *data,
	       size_t len)
{
	struct rbuf r = rb_init(data, len);

	return param_set(f, t, sel, &r);
}

static int get(struct thing *t, const struct param_family *f, uint8_t sel, uint8_t set_sel,
	       bool rev_only, uint8_t *out, size_t *len)
{
	struct param_query q = { .sel = sel, .set = set_sel };
	struct wbuf w = wb_init(out, 32);
	int r = param_get(f, t, &q, rev_only, &w);

	*len = w.len;
	return r;
}

static void test_set(void)
{
	struct thing t = { 0 };

	CHECK(set(&t, &fam, 9, "\x01", 1) == -EOPNOTSUPP);
	CHECK(set(&t, &fam, 1, "\x01\x02", 2) == -EBADMSG);
	CHECK(set(&t, &fam, 1, "", 0) == -EBADMSG);
	CHECK(set(&t, &fam, 1, "\x04", 1) == -EINVAL && t.mode == 0);	/* reserved bit */
	CHECK(set(&t, &fam, 1, "\x03", 1) == 0 && t.mode == 3 && t.saves == 1);
	CHECK(set(&t, &fam, 2, "\x01\x02\x03\x04\x05\x06", 6) == 0 && t.mac[5] == 6);
	/* Read-only: the length is checked first. */
	CHECK(set(&t, &fam, 3, "\x01\x02", 2) == -EBADMSG);
	CHECK(set(&t, &fam, 3, "\x01", 1) == -EROFS);
	CHECK(set(&t, &fam, 5, "", 0) == -EROFS);
	CHECK(set(&t, &fam, 4, "\x04\x01\x02", 3) == -ERANGE);
	CHECK(set(&t, &fam, 4, "\x02\x0a\x0b", 3) == 0 && t.entries[1][1] == 0x0b);
	/* A failed save is the command's failure, and a plain parameter
	 * keeps its stored value; out of space is C4h, the rest FFh. */
	t.save_result = -ENOSPC;
	CHECK(set(&t, &fam, 1, "\x01", 1) == -ENOSPC && t.mode == 3);
	CHECK(param_cc(-ENOSPC) == 0xc4);
	t.save_result = -EROFS;
	CHECK(set(&t, &fam, 1, "\x01", 1) == -EIO && t.mode == 3);
	CHECK(param_cc(-EIO) == 0xff);
}

static void test_in_progress(void)
{
	struct thing t = { 0 };
	struct param_family keeps = fam;
	uint8_t s = 0;

	CHECK(set(&t, &fam, 0, "\x01", 1) == 0 && t.in_progress == 1 && t.saves == 0);
	CHECK(set(&t, &fam, 0, "\x01", 1) == -EBUSY);
	CHECK(set(&t, &fam, 0, "\x03", 1) == -EINVAL);
	CHECK(set(&t, &fam, 0, "\x05", 1) == -EINVAL);
	CHECK(set(&t, &fam, 0, "\x02", 1) == 0 && t.in_progress == 0);	/* commit ends it */
	keeps.commit_keeps = true;
	CHECK(set(&t, &keeps, 0, "\x01", 1) == 0);
	CHECK(set(&t, &keeps, 0, "\x02", 1) == 0 && t.in_progress == 1);
	CHECK(set(&t, &keeps, 0, "\x00", 1) == 0 && t.in_progress == 0);
	CHECK(param_set_in_progress(&s, 0xfc, false) == -EINVAL && s == 0);
}

static void test_get(void)
{
	struct thing t = { .in_progress = 1, .mode = 2, .mac = { 1, 2, 3, 4, 5, 6 }, .port = 0x026f };
	struct param_family probes = fam;
	uint8_t out[32];
	size_t n;

	t.entries[2][0] = 0x33;
	CHECK(get(&t, &fam, 0, 0, false, out, &n) == 0 && n == 2 && out[0] == 0x11 && out[1] == 1);
	CHECK(get(&t, &fam, 1, 0, false, out, &n) == 0 && n == 2 && out[1] == 2);
	CHECK(get(&t, &fam, 2, 0, false, out, &n) == 0 && n == 7 && out[6] == 6);
	CHECK(get(&t, &fam, 3, 0, false, out, &n) == 0 && n == 2 && out[1] == 0x2a);
	CHECK(get(&t, &fam, 4, 3, false, out, &n) == 0 && n == 4 && out[1] == 3 && out[2] == 0x33);
	CHECK(get(&t, &fam, 4, 0, false, out, &n) == -ERANGE);
	CHECK(get(&t, &fam, 4, 4, false, out, &n) == -ERANGE);
	CHECK(get(&t, &fam, 6, 0, false, out, &n) == 0 && n == 3 && out[1] == 0x6f && out[2] == 0x02);
	CHECK(get(&t, &fam, 7, 0, false, out, &n) == -EOPNOTSUPP);
	/* Revision only: the revision, and the selector must exist. */
	CHECK(get(&t, &fam, 4, 9, true, out, &n) == 0 && n == 1 && out[0] == 0x11);
	CHECK(get(&t, &fam, 7, 0, true, out, &n) == -EOPNOTSUPP);
	/* A family whose revision-only Get checks the set selector too. */
	probes.flags = PARAM_REV_PROBES;
	CHECK(get(&t, &probes, 4, 9, true, out, &n) == -ERANGE);
	CHECK(get(&t, &probes, 4, 1, true, out, &n) == 0 && n == 1);
}

static void test_cc(void)
{
	CHECK(param_cc(0) == 0x00);
	CHECK(param_cc(-EOPNOTSUPP) == 0x80);
	CHECK(param_cc(-EBUSY) == 0x81);
	CHECK(param_cc(-EROFS) == 0x82);
	CHECK(param_cc(-EBADMSG) == 0xc7);
	CHECK(param_cc(-ERANGE) == 0xc9);
	CHECK(param_cc(-EINVAL) == 0xcc);
}

int main(void)
{
	test_set();
	test_in_progress();
	test_get();
	test_cc();
	return tap_done("param");
}
