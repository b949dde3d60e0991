/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "daemon/buf.h"
#include "tap.h"

static void test_reader(void)
{
	const uint8_t in[] = { 0x01, 0x34, 0x12, 0x12, 0x34, 0x78, 0x56, 0x34, 0x12,
			       0x12, 0x34, 0x56, 0x78, 0xaa, 0xbb };
	struct rbuf r = rb_init(in, sizeof(in));
	uint8_t two[2];

	CHECK(rb_u8(&r) == 0x01);
	CHECK(rb_le16(&r) == 0x1234);
	CHECK(rb_be16(&r) == 0x1234);
	CHECK(rb_le32(&r) == 0x12345678);
	CHECK(rb_be32(&r) == 0x12345678);
	CHECK(rb_left(&r) == 2);
	CHECK(!rb_done(&r));
	rb_copy(&r, two, 2);
	CHECK(two[0] == 0xaa && two[1] == 0xbb);
	CHECK(rb_done(&r));

	/* Running short: zero, sticky error, nothing left. */
	CHECK(rb_u8(&r) == 0);
	CHECK(!rb_ok(&r));
	CHECK(rb_left(&r) == 0);
	CHECK(rb_le32(&r) == 0);
	CHECK(!rb_done(&r));
}

static void test_reader_short(void)
{
	const uint8_t in[] = { 1, 2, 3 };
	struct rbuf r = rb_init(in, sizeof(in));
	uint8_t dst[4] = { 9, 9, 9, 9 };

	CHECK(rb_le32(&r) == 0);	/* 4 > 3: fails without consuming */
	CHECK(!rb_ok(&r));
	CHECK(rb_u8(&r) == 0);		/* sticky */
	r = rb_init(in, sizeof(in));
	rb_copy(&r, dst, 4);
	CHECK(dst[0] == 0 && dst[3] == 0);	/* zero-filled on error */
	r = rb_init(in, sizeof(in));
	CHECK(rb_take(&r, 3) == in);
	CHECK(rb_take(&r, 0) != NULL);
	CHECK(rb_take(&r, 1) == NULL);
	r = rb_init(NULL, 0);
	CHECK(rb_done(&r));
	CHECK(rb_take(&r, (size_t)-1) == NULL);
}

static void test_sub(void)
{
	const uint8_t in[] = { 3, 'a', 'b', 'c', 7 };
	struct rbuf r = rb_init(in, sizeof(in)), s;

	s = rb_sub(&r, rb_u8(&r));
	CHECK(rb_left(&s) == 3 && s.p[0] == 'a');
	CHECK(rb_u8(&r) == 7);
	CHECK(rb_done(&r));
	(void)rb_take(&s, 3);
	CHECK(rb_done(&s));

	r = rb_init(in, sizeof(in));
	s = rb_sub(&r, 6);		/* longer than what is there */
	CHECK(!rb_ok(&s) && !rb_ok(&r));

	r = rb_init(in, sizeof(in));
	(void)rb_u8(&r);
	s = rb_rest(&r);
	CHECK(rb_left(&s) == 4 && rb_done(&r));
}

static void test_writer(void)
{
	uint8_t out[8];
	struct wbuf w = wb_init(out, sizeof(out)), t;

	wb_u8(&w, 0xab);
	wb_le16(&w, 0x1234);
	wb_be16(&w, 0x1234);
	CHECK(w.len == 5 && out[1] == 0x34 && out[2] == 0x12 && out[3] == 0x12 && out[4] == 0x34);
	CHECK(wb_room(&w) == 3);
	wb_le32(&w, 1);			/* does not fit: nothing written */
	CHECK(!wb_ok(&w) && w.len == 5);
	wb_u8(&w, 1);			/* sticky */
	CHECK(w.len == 5 && wb_room(&w) == 0);

	w = wb_init(out, sizeof(out));
	wb_be32(&w, 0x01020304);
	wb_le32(&w, 0x01020304);
	CHECK(wb_ok(&w) && w.len == 8 && out[0] == 1 && out[3] == 4 && out[4] == 4 && out[7] == 1);
	CHECK(wb_reserve(&w, 0) != NULL);
	CHECK(wb_reserve(&w, 1) == NULL);

	w = wb_init(out, sizeof(out));
	wb_u8(&w, 1);
	t = wb_tail(&w);
	wb_bytes(&t, "abc", 3);
	wb_commit(&w, &t);
	CHECK(w.len == 4 && memcmp(out + 1, "abc", 3) == 0);
	t = wb_tail(&w);
	wb_zero(&t, 5);			/* 4 + 5 > 8 */
	wb_commit(&w, &t);
	CHECK(!wb_ok(&w));
}

int main(void)
{
	test_reader();
	test_reader_short();
	test_sub();
	test_writer();
	return tap_done("buf");
}
