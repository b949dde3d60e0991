/* SPDX-License-Identifier: MIT */
/*
 * The SEL store: record IDs and timestamps, get/next, delete, clear,
 * reservations, capacity and overflow, and loading damaged files (a torn
 * last frame, a bad checksum, a bad header, garbage) in a temporary
 * state directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/store.h"
#include "sel/sel.h"
#include "tap.h"

#define FRAME 24

static char dir[] = "/tmp/test-sel-XXXXXX";
static int dirfd_;

static void rec_make(uint8_t rec[SEL_RECORD_LEN], uint8_t type, uint8_t fill)
{
	memset(rec, fill, SEL_RECORD_LEN);
	rec[0] = rec[1] = 0;
	rec[2] = type;
}

static off_t file_size(void)
{
	struct stat st;

	if (fstatat(dirfd_, SEL_FILE, &st, 0) < 0)
		return -1;
	return st.st_size;
}

static void file_patch(off_t at, const void *p, size_t n)
{
	int fd = openat(dirfd_, SEL_FILE, O_WRONLY);

	CHECK(fd >= 0 && pwrite(fd, p, n, at) == (ssize_t)n);
	close(fd);
}

static void file_append(const void *p, size_t n)
{
	file_patch(file_size(), p, n);
}

static void reload(struct sel *s, unsigned cap)
{
	sel_done(s);
	CHECK(sel_init(s, dirfd_, cap) == 0);
}

static void test_add_get(void)
{
	struct sel s;
	uint8_t rec[SEL_RECORD_LEN];
	const struct sel_rec *r;
	uint16_t id, next;
	uint32_t t0;

	unlinkat(dirfd_, SEL_FILE, 0);
	CHECK(sel_init(&s, dirfd_, 16) == 0);
	CHECK(s.count == 0 && file_size() == FRAME);
	CHECK(sel_get(&s, SEL_ID_FIRST, &next) == NULL);
	t0 = sel_time(&s);

	rec_make(rec, SEL_TYPE_SYSTEM, 0x11);
	CHECK(sel_add(&s, rec, &id) == 0 && id == 1);
	rec_make(rec, 0xc5, 0x22);
	CHECK(sel_add(&s, rec, &id) == 0 && id == 2);
	rec_make(rec, 0xe1, 0x33);
	CHECK(sel_add(&s, rec, &id) == 0 && id == 3);
	CHECK(s.count == 3 && file_size() == 4 * FRAME);

	r = sel_get(&s, SEL_ID_FIRST, &next);
	CHECK(r && r->d[0] == 1 && r->d[1] == 0 && next == 2);
	/* timestamped: bytes 3-6 are the SEL time */
	CHECK(r && (uint32_t)(r->d[3] | r->d[4] << 8 | r->d[5] << 16 | (uint32_t)r->d[6] << 24) >= t0);
	CHECK(r && r->d[7] == 0x11);
	r = sel_get(&s, 2, &next);
	CHECK(r && r->d[2] == 0xc5 && r->d[3] != 0x22 && next == 3);
	r = sel_get(&s, SEL_ID_LAST, &next);
	CHECK(r && r->d[0] == 3 && next == SEL_ID_LAST);
	/* not timestamped: left as given */
	CHECK(r && r->d[3] == 0x33 && r->d[15] == 0x33);
	CHECK(sel_get(&s, 7, &next) == NULL);
	CHECK(s.last_add >= t0);

	reload(&s, 16);
	CHECK(s.count == 3 && s.dropped_at_load == 0);
	r = sel_get(&s, SEL_ID_LAST, &next);
	CHECK(r && r->d[0] == 3 && r->d[2] == 0xe1);
	CHECK(sel_add(&s, rec, &id) == 0 && id == 4);
	sel_done(&s);
}

static void test_delete_clear(void)
{
	struct sel s;
	uint8_t rec[SEL_RECORD_LEN];
	const struct sel_rec *r;
	uint16_t id, next, del;

	CHECK(sel_init(&s, dirfd_, 16) == 0);
	CHECK(s.count == 4);
	CHECK(sel_delete(&s, 2, &del) == 0 && del == 2);
	CHECK(sel_delete(&s, 2, &del) == -ENOENT);
	CHECK(s.count == 3 && file_size() == 4 * FRAME && s.last_erase != 0);
	r = sel_get(&s, 1, &next);
	CHECK(r && next == 3);
	/* past the gap an ID is no longer at the first ID + its index */
	r = sel_get(&s, 3, &next);
	CHECK(r && r->d[0] == 3 && next == 4);
	CHECK(sel_delete(&s, SEL_ID_LAST, &del) == 0 && del == 4);
	reload(&s, 16);
	CHECK(s.count == 2 && s.last_erase != 0);
	/* A deleted ID is not given out again, not even after a restart */
	rec_make(rec, SEL_TYPE_SYSTEM, 0);
	CHECK(sel_add(&s, rec, &id) == 0 && id == 5);

	CHECK(sel_clear(&s) == 0);
	/* only the "log area reset/cleared" event is left */
	CHECK(s.count == 1);
	r = sel_get(&s, SEL_ID_FIRST, &next);
	CHECK(r && r->d[2] == SEL_TYPE_SYSTEM && r->d[10] == 0x10 && r->d[12] == 0x6f &&
	      r->d[13] == 0x02 && next == SEL_ID_LAST);
	reload(&s, 16);
	CHECK(s.count == 1 && file_size() == 2 * FRAME);
	sel_done(&s);
}

static void test_reservation(void)
{
	struct sel s;
	uint8_t rec[SEL_RECORD_LEN];
	uint16_t id, r1, r2, del;

	CHECK(sel_init(&s, dirfd_, 16) == 0);
	CHECK(!sel_reservation_ok(&s, 0));
	r1 = sel_reserve(&s);
	CHECK(r1 != 0 && sel_reservation_ok(&s, r1));
	r2 = sel_reserve(&s);
	CHECK(r2 != r1 && !sel_reservation_ok(&s, r1) && sel_reservation_ok(&s, r2));
	rec_make(rec, SEL_TYPE_SYSTEM, 0);
	CHECK(sel_add(&s, rec, &id) == 0);
	CHECK(!sel_reservation_ok(&s, r2));
	r2 = sel_reserve(&s);
	CHECK(sel_delete(&s, id, &del) == 0 && !sel_reservation_ok(&s, r2));
	r2 = sel_reserve(&s);
	CHECK(sel_clear(&s) == 0 && !sel_reservation_ok(&s, r2));
	sel_done(&s);
}

static void test_full(void)
{
	struct sel s;
	uint8_t rec[SEL_RECORD_LEN];
	uint16_t id;

	unlinkat(dirfd_, SEL_FILE, 0);
	CHECK(sel_init(&s, dirfd_, 4) == 0);
	rec_make(rec, SEL_TYPE_SYSTEM, 0);
	for (int i = 0; i < 4; i++)
		CHECK(sel_add(&s, rec, &id) == 0);
	CHECK(!s.overflow);
	CHECK(sel_add(&s, rec, &id) == -ENOSPC);
	CHECK(s.overflow && s.count == 4);
	reload(&s, 4);
	CHECK(s.overflow && s.count == 4);
	/* a smaller capacity keeps the oldest, and says so */
	reload(&s, 2);
	CHECK(s.count == 2 && s.dropped_at_load > 0);
	CHECK(sel_clear(&s) == 0 && !s.overflow && s.count == 1);
	reload(&s, 2);
	CHECK(!s.overflow);
	sel_done(&s);
}

static void fill(struct sel *s, unsigned n)
{
	uint8_t rec[SEL_RECORD_LEN];
	uint16_t id;

	unlinkat(dirfd_, SEL_FILE, 0);
	CHECK(sel_init(s, dirfd_, 16) == 0);
	for (unsigned i = 0; i < n; i++) {
		rec_make(rec, SEL_TYPE_SYSTEM, (uint8_t)i);
		CHECK(sel_add(s, rec, &id) == 0);
	}
}

static void test_damage(void)
{
	static const uint8_t junk[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	uint8_t garbage[1000];
	const struct sel_rec *r;
	struct sel s;
	uint16_t next, id;
	uint8_t rec[SEL_RECORD_LEN];

	/* a torn last frame */
	fill(&s, 3);
	file_append(junk, sizeof(junk));
	reload(&s, 16);
	CHECK(s.count == 3 && s.dropped_at_load == 1);
	CHECK(file_size() == 4 * FRAME);
	rec_make(rec, SEL_TYPE_SYSTEM, 0);
	CHECK(sel_add(&s, rec, &id) == 0 && id == 4);
	reload(&s, 16);
	CHECK(s.count == 4 && s.dropped_at_load == 0);
	sel_done(&s);

	/* a flipped byte in the second record */
	fill(&s, 3);
	file_patch(2 * FRAME + 9, "\xff", 1);
	reload(&s, 16);
	CHECK(s.count == 2 && s.dropped_at_load == 1);
	r = sel_get(&s, SEL_ID_FIRST, &next);
	CHECK(r && r->d[0] == 1 && next == 3);
	sel_done(&s);

	/* a record ID twice (the first record's frame again at the end) */
	{
		uint8_t dup[FRAME];
		int fd;

		fill(&s, 3);
		fd = openat(dirfd_, SEL_FILE, O_RDONLY);
		CHECK(fd >= 0 && pread(fd, dup, FRAME, FRAME) == FRAME);
		close(fd);
		file_append(dup, FRAME);
		reload(&s, 16);
		CHECK(s.count == 3 && s.dropped_at_load == 1);
		r = sel_get(&s, SEL_ID_LAST, &next);
		CHECK(r && r->d[0] == 3 && next == SEL_ID_LAST);
		sel_done(&s);
	}

	/* a bad header: the records survive */
	fill(&s, 3);
	file_patch(0, "XSEL", 4);
	reload(&s, 16);
	CHECK(s.count == 3 && s.dropped_at_load == 1);
	reload(&s, 16);
	CHECK(s.count == 3 && s.dropped_at_load == 0);
	sel_done(&s);

	/* garbage */
	for (unsigned i = 0; i < sizeof(garbage); i++)
		garbage[i] = (uint8_t)(i * 7 + 3);
	unlinkat(dirfd_, SEL_FILE, 0);
	CHECK(store_write(dirfd_, SEL_FILE, garbage, sizeof(garbage)) == 0);
	CHECK(sel_init(&s, dirfd_, 16) == 0);
	CHECK(s.count == 0 && s.dropped_at_load > 0 && file_size() == FRAME);
	sel_done(&s);

	/* empty */
	CHECK(store_write(dirfd_, SEL_FILE, "", 0) == 0);
	CHECK(sel_init(&s, dirfd_, 16) == 0);
	CHECK(s.count == 0 && file_size() == FRAME);
	sel_done(&s);
}

static void test_time(void)
{
	struct sel s;

	CHECK(sel_init(&s, dirfd_, 16) == 0);
	sel_set_time(&s, 1000000000);
	CHECK(sel_time(&s) - 1000000000u < 5);
	CHECK(sel_crc32("123456789", 9) == 0xcbf43926);
	sel_done(&s);
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	dirfd_ = store_open_dir(dir);
	if (dirfd_ < 0)
		return 1;
	test_add_get();
	test_delete_clear();
	test_reservation();
	test_full();
	test_damage();
	test_time();
	unlinkat(dirfd_, SEL_FILE, 0);
	close(dirfd_);
	rmdir(dir);
	return tap_done("sel");
}
