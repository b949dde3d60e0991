/* SPDX-License-Identifier: MIT */
/*
 * The SEL store.  File format (docs/sel.md), every field little-endian,
 * every frame 24 bytes:
 *
 *   header: "BSEL", version 1, flags (bit 0 overflow, bit 1 base count),
 *           next record ID (2), last erase time (4), last add time (4),
 *           base count (4; 0 without flag bit 1), CRC-32 (4)
 *   record: the 16-byte SEL record, time added (4), CRC-32 (4)
 *
 * Each CRC-32 covers the 20 bytes before it.  The header is only ever
 * written by a whole-file rewrite, with the base count of record frames
 * written with it; record frames are appended.  The next record ID is the
 * header's unless a frame after the base ones was appended: then one past
 * the last appended record's ID.  So a deleted ID is not given out again
 * after a restart.  A file without flag bit 1 (older bmcd) takes it from
 * the last record, as before.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "daemon/buf.h"
#include "daemon/log.h"
#include "daemon/pages.h"
#include "daemon/store.h"
#include "sel/sel.h"

#define FRAME_LEN 24
#define FRAME_BODY 20
#define SEL_MAGIC "BSEL"
#define SEL_FORMAT 1
#define HDR_OVERFLOW 0x01
#define HDR_BASE 0x02

/* Event Logging Disabled (sensor type 10h), offset 02h: log area reset/cleared. */
#define ST_EVENT_LOGGING 0x10
#define EV_LOG_CLEARED 0x02
#define EVT_SENSOR_SPECIFIC 0x6f

uint32_t sel_crc32(const void *p, unsigned long n)
{
	const uint8_t *b = p;
	uint32_t crc = 0xffffffff;

	while (n--) {
		crc ^= *b++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
	}
	return ~crc;
}

uint32_t sel_time(const struct sel *sel)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint32_t)(ts.tv_sec + sel->time_offset);
}

void sel_set_time(struct sel *sel, uint32_t t)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	sel->time_offset = (int64_t)t - ts.tv_sec;
}

static uint16_t rec_id(const uint8_t *d)
{
	return (uint16_t)(d[0] | d[1] << 8);
}

static bool rec_timestamped(uint8_t type)
{
	return type < SEL_TYPE_OEM_NOTS;
}

static int find(const struct sel *sel, uint16_t id)
{
	unsigned guess;

	if (sel->count == 0)
		return -1;
	if (id == SEL_ID_FIRST)
		return 0;
	if (id == SEL_ID_LAST)
		return (int)sel->count - 1;
	/* Record IDs are handed out one after the other: until something is
	 * deleted, record i has the oldest one's ID + i.  A client reading the
	 * SEL through asks for exactly those, so look there first. */
	guess = (uint16_t)(id - rec_id(sel->recs[0].d));
	if (guess < sel->count && rec_id(sel->recs[guess].d) == id)
		return (int)guess;
	for (unsigned i = 0; i < sel->count; i++)
		if (rec_id(sel->recs[i].d) == id)
			return (int)i;
	return -1;
}

/* ---- frames ------------------------------------------------------------ */

static void frame_seal(uint8_t f[FRAME_LEN])
{
	struct wbuf w = wb_init(f + FRAME_BODY, 4);

	wb_le32(&w, sel_crc32(f, FRAME_BODY));
}

static void frame_header(const struct sel *sel, uint32_t base, uint8_t f[FRAME_LEN])
{
	struct wbuf w = wb_init(f, FRAME_LEN);

	wb_bytes(&w, SEL_MAGIC, 4);
	wb_u8(&w, SEL_FORMAT);
	wb_u8(&w, (sel->overflow ? HDR_OVERFLOW : 0) | HDR_BASE);
	wb_le16(&w, sel->next_id);
	wb_le32(&w, sel->last_erase);
	wb_le32(&w, sel->last_add);
	wb_le32(&w, base);
	frame_seal(f);
}

static void frame_record(const struct sel_rec *r, uint8_t f[FRAME_LEN])
{
	struct wbuf w = wb_init(f, FRAME_LEN);

	wb_bytes(&w, r->d, SEL_RECORD_LEN);
	wb_le32(&w, r->added);
	frame_seal(f);
}

/* The CRC-32 at the end of a frame matches its body. */
static bool frame_ok(const uint8_t *f)
{
	struct rbuf r = rb_init(f + FRAME_BODY, 4);

	return rb_le32(&r) == sel_crc32(f, FRAME_BODY);
}

/* ---- writing ------------------------------------------------------------- */

static int log_open(struct sel *sel)
{
	int fd = openat(sel->dirfd, SEL_FILE, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return -errno;
	sel->log_fd = fd;
	return 0;
}

static void log_close(struct sel *sel)
{
	if (sel->log_fd >= 0)
		close(sel->log_fd);
	sel->log_fd = -1;
}

/* Atomically replace the file with the header and records [0, count),
 * leaving out index 'skip' (-1: none).  Then append to the new file. */
static int rewrite(struct sel *sel, unsigned count, int skip)
{
	size_t cap = (size_t)(count + 1) * FRAME_LEN;
	uint8_t *img = malloc(cap);
	struct wbuf w = wb_init(img, cap);
	uint8_t f[FRAME_LEN];
	int r;

	if (!img)
		return -ENOMEM;
	frame_header(sel, count - (skip >= 0 && (unsigned)skip < count), f);
	wb_bytes(&w, f, FRAME_LEN);
	for (unsigned i = 0; i < count; i++) {
		if ((int)i == skip)
			continue;
		frame_record(&sel->recs[i], f);
		wb_bytes(&w, f, FRAME_LEN);
	}
	log_close(sel);
	r = wb_ok(&w) ? store_write(sel->dirfd, SEL_FILE, img, w.len) : -EOVERFLOW;
	free(img);
	if (r < 0)
		return log_error_errno(r, "sel: cannot write %s", SEL_FILE);
	r = log_open(sel);
	if (r < 0)
		return log_error_errno(r, "sel: cannot open %s", SEL_FILE);
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The open log is still the file SEL_FILE names. */
static bool log_is_file(const struct sel *sel)
{
	struct stat fd_st, name_st;

	if (fstat(sel->log_fd, &fd_st) < 0 ||
	    fstatat(sel->dirfd, SEL_FILE, &name_st, AT_SYMLINK_NOFOLLOW) < 0)
		return false;
	return fd_st.st_dev == name_st.st_dev && fd_st.st_ino == name_st.st_ino;
}

/* Append one record frame and make it durable. */
static int append(struct sel *sel, const struct sel_rec *rec)
{
	uint8_t f[FRAME_LEN];
	int r;

	/* Appending to a file that is no longer the directory's SEL_FILE
	 * stores nothing: write the file again instead. */
	if (sel->log_fd >= 0 && !log_is_file(sel)) {
		log_warning("sel: %s was removed or replaced; writing it again", SEL_FILE);
		log_close(sel);
	}
	if (sel->log_fd < 0) {
		r = rewrite(sel, sel->count, -1);
		if (r < 0)
			return r;
	}
	frame_record(rec, f);
	r = write_all(sel->log_fd, f, FRAME_LEN);
	if (r == 0 && fdatasync(sel->log_fd) < 0)
		r = -errno;
	if (r < 0) {
		/* A torn frame may be on disk: rewrite before the next append. */
		log_close(sel);
		return log_error_errno(r, "sel: cannot append to %s", SEL_FILE);
	}
	return 0;
}

/* ---- loading ------------------------------------------------------------- */

/* The whole file, at most 'cap' bytes (the rest is reported as extra). */
static ssize_t read_file(int dirfd, uint8_t *buf, size_t cap, bool *longer)
{
	ssize_t total = 0, n = 0;
	int fd = openat(dirfd, SEL_FILE, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	uint8_t extra;

	if (fd < 0)
		return -errno;
	while ((size_t)total < cap) {
		n = read(fd, buf + total, cap - (size_t)total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			n = -errno;
		if (n <= 0)
			break;
		total += n;
	}
	if (n < 0)
		total = n;
	*longer = (size_t)total == cap && read(fd, &extra, 1) == 1;
	close(fd);
	return total;
}

/* The header; *base: how many record frames were written with it (0: an
 * older file without the count, or a bad header). */
static bool load_header(struct sel *sel, struct rbuf *rb, uint32_t *base)
{
	const uint8_t *f = rb_take(rb, FRAME_LEN);
	struct rbuf h;
	uint8_t flags;

	if (!f || !frame_ok(f) || memcmp(f, SEL_MAGIC, 4) != 0)
		return false;
	h = rb_init(f + 4, FRAME_BODY - 4);
	if (rb_u8(&h) != SEL_FORMAT)
		return false;
	flags = rb_u8(&h);
	sel->overflow = flags & HDR_OVERFLOW;
	sel->next_id = rb_le16(&h);
	sel->last_erase = rb_le32(&h);
	sel->last_add = rb_le32(&h);
	*base = rb_le32(&h);
	if (!(flags & HDR_BASE))
		*base = 0;
	return rb_ok(&h);
}

/* One record frame: false (and why) if it must be dropped.  seen: a bit per
 * record ID loaded so far. */
static bool load_record(struct sel *sel, const uint8_t *f, bool appended, uint8_t *seen,
			const char **why)
{
	struct rbuf r = rb_init(f, FRAME_BODY);
	struct sel_rec rec;
	uint16_t id;

	*why = "bad checksum";
	if (!frame_ok(f))
		return false;
	rb_copy(&r, rec.d, SEL_RECORD_LEN);
	rec.added = rb_le32(&r);
	id = rec_id(rec.d);
	*why = "bad record ID";
	if (!rb_done(&r) || id == SEL_ID_FIRST || id == SEL_ID_LAST)
		return false;
	*why = "duplicate record ID";
	if (seen[id / 8] & (1u << (id % 8)))
		return false;
	*why = "beyond capacity";
	if (sel->count >= sel->capacity)
		return false;
	sel->recs[sel->count++] = rec;
	seen[id / 8] |= (uint8_t)(1u << (id % 8));
	if (appended)
		sel->next_id = (uint16_t)(id + 1);
	if (rec.added > sel->last_add)
		sel->last_add = rec.added;
	return true;
}

/* Parse an image; returns how many frames (or fragments) were dropped. */
static unsigned load_image(struct sel *sel, const uint8_t *buf, size_t len, uint8_t *seen)
{
	struct rbuf rb = rb_init(buf, len);
	unsigned dropped = 0, frame = 1;
	uint32_t base = 0;
	const char *why;

	if (!load_header(sel, &rb, &base)) {
		log_warning("sel: %s: bad header, reading the records anyway", SEL_FILE);
		dropped++;
		rb = rb_init(buf, len);
		rb_take(&rb, FRAME_LEN);
	}
	while (rb_left(&rb) >= FRAME_LEN) {
		const uint8_t *f = rb_take(&rb, FRAME_LEN);

		if (!load_record(sel, f, frame > base, seen, &why)) {
			log_warning("sel: %s: record frame %u (ID %04xh) dropped: %s", SEL_FILE, frame,
				    rec_id(f), why);
			dropped++;
		}
		frame++;
	}
	if (rb_left(&rb) > 0) {
		log_warning("sel: %s: torn last record (%zu bytes) dropped", SEL_FILE, rb_left(&rb));
		dropped++;
	}
	return dropped;
}

#define SEEN_BYTES (65536 / 8)	/* load()'s bitmap of the record IDs loaded */

static int load(struct sel *sel)
{
	size_t cap = (size_t)(sel->capacity + 1) * FRAME_LEN;
	uint8_t *buf = malloc(cap + SEEN_BYTES);
	bool longer = false;
	ssize_t n;

	if (!buf)
		return log_error_errno(-ENOMEM, "sel: cannot load %s", SEL_FILE);
	/* Only a file read in full is judged: one that is absent (or no
	 * file: moved aside) starts empty; one that cannot be read now is
	 * neither rebuilt nor written over. */
	n = store_check(sel->dirfd, SEL_FILE, "sel");
	if (n == 0) {
		n = read_file(sel->dirfd, buf, cap, &longer);
		if (n < 0 && n != -ENOENT)
			n = log_error_errno((int)n, "sel: cannot read %s; it is left as it is and "
					    "this BMC does not start", SEL_FILE);
	}
	if (n == -ENOENT) {
		free(buf);
		if (rewrite(sel, 0, -1) < 0)
			log_warning("sel: %s not written; retried at the next add", SEL_FILE);
		return 0;
	}
	if (n < 0) {
		free(buf);
		return (int)n;		/* logged */
	}
	memset(buf + cap, 0, SEEN_BYTES);
	sel->dropped_at_load = load_image(sel, buf, (size_t)n, buf + cap);
	free(buf);
	if (longer) {
		log_warning("sel: %s holds more than %u records; the rest dropped", SEL_FILE,
			    sel->capacity);
		sel->dropped_at_load++;
	}
	if (sel->dropped_at_load == 0 && n > 0) {
		/* A read-only state dir: the SEL is served, adds fail. */
		int r = log_open(sel);

		if (r < 0)
			log_warning_errno(r, "sel: cannot open %s for appending; retried at the next add",
					  SEL_FILE);
		return 0;
	}
	if (sel->dropped_at_load)
		log_warning("sel: %u bad frame(s) dropped, %u record(s) kept; rewriting %s",
			    sel->dropped_at_load, sel->count, SEL_FILE);
	/* A full or read-only state dir does not stop the start: what was read
	 * is served, and the next add tries the rewrite again. */
	if (rewrite(sel, sel->count, -1) < 0)
		log_warning("sel: %s not rewritten; retried at the next add", SEL_FILE);
	return 0;
}

int sel_init(struct sel *sel, int dirfd, unsigned capacity)
{
	int r;

	*sel = (struct sel){
		.dirfd = dirfd, .log_fd = -1, .capacity = capacity, .next_id = 1,
		.utc_offset = SEL_UTC_UNSPECIFIED,
	};
	if (capacity == 0 || capacity >= SEL_ID_LAST)
		return -EINVAL;
	/* Sized for the capacity (82 kB for 4096), resident only as
	 * entries are written (daemon/pages.h). */
	sel->recs = pages_zalloc((size_t)capacity * sizeof(*sel->recs));
	if (!sel->recs)
		return -ENOMEM;
	r = load(sel);
	if (r < 0)
		return r;
	log_info("sel: %u of %u entries%s", sel->count, sel->capacity,
		 sel->overflow ? ", overflow" : "");
	return 0;
}

void sel_done(struct sel *sel)
{
	if (!sel->recs)
		return;		/* never initialized (a static struct: log_fd 0) */
	log_close(sel);
	pages_free(sel->recs, (size_t)sel->capacity * sizeof(*sel->recs));
	sel->recs = NULL;
	sel->count = 0;
}

/* ---- changes ------------------------------------------------------------- */

static uint16_t free_id(struct sel *sel)
{
	uint16_t id = sel->next_id;

	for (;;) {
		if (id != SEL_ID_FIRST && id != SEL_ID_LAST && find(sel, id) < 0)
			return id;
		id++;
	}
}

static int set_overflow(struct sel *sel)
{
	if (sel->overflow)
		return 0;
	sel->overflow = true;
	log_warning("sel: full (%u entries): events are dropped", sel->capacity);
	return rewrite(sel, sel->count, -1);
}

int sel_add(struct sel *sel, const uint8_t rec[SEL_RECORD_LEN], uint16_t *id)
{
	struct sel_rec *n;
	struct wbuf w;
	uint32_t now = sel_time(sel);
	int r;

	if (sel->count >= sel->capacity) {
		set_overflow(sel);
		return -ENOSPC;
	}
	n = &sel->recs[sel->count];
	memcpy(n->d, rec, SEL_RECORD_LEN);
	n->added = now;
	*id = free_id(sel);
	w = wb_init(n->d, SEL_RECORD_LEN);
	wb_le16(&w, *id);
	if (rec_timestamped(n->d[2])) {
		wb_u8(&w, n->d[2]);
		wb_le32(&w, now);
	}
	r = append(sel, n);
	if (r < 0)
		return r;
	sel->count++;
	sel->next_id = (uint16_t)(*id + 1);
	sel->last_add = now;
	sel->resv_valid = false;
	return 0;
}

int sel_add_event(struct sel *sel, uint16_t gen, uint8_t sensor_type, uint8_t sensor,
		  uint8_t dir_type, uint8_t ed1, uint8_t ed2, uint8_t ed3)
{
	uint8_t rec[SEL_RECORD_LEN];
	struct wbuf w = wb_init(rec, sizeof(rec));
	uint16_t id;
	int r;

	wb_le16(&w, 0);
	wb_u8(&w, SEL_TYPE_SYSTEM);
	wb_le32(&w, 0);
	wb_le16(&w, gen);
	wb_u8(&w, SEL_EVM_REV);
	wb_u8(&w, sensor_type);
	wb_u8(&w, sensor);
	wb_u8(&w, dir_type);
	wb_u8(&w, ed1);
	wb_u8(&w, ed2);
	wb_u8(&w, ed3);
	r = sel_add(sel, rec, &id);
	if (sel->on_event) {
		uint32_t t = sel_time(sel);

		if (r == 0)
			memcpy(rec, (uint8_t[]){ id & 0xff, id >> 8 }, 2);
		memcpy(rec + 3, (uint8_t[]){ t & 0xff, (t >> 8) & 0xff, (t >> 16) & 0xff, t >> 24 }, 4);
		sel->on_event(sel->on_event_userdata, rec);
	}
	return r;
}

const struct sel_rec *sel_get(const struct sel *sel, uint16_t id, uint16_t *next)
{
	int i = find(sel, id);

	if (i < 0)
		return NULL;
	*next = (unsigned)i + 1 < sel->count ? rec_id(sel->recs[i + 1].d) : SEL_ID_LAST;
	return &sel->recs[i];
}

int sel_delete(struct sel *sel, uint16_t id, uint16_t *deleted)
{
	int i = find(sel, id);
	uint32_t erase = sel->last_erase;
	int r;

	if (i < 0)
		return -ENOENT;
	sel->last_erase = sel_time(sel);
	r = rewrite(sel, sel->count, i);
	if (r < 0) {
		sel->last_erase = erase;
		return r;
	}
	*deleted = rec_id(sel->recs[i].d);
	memmove(&sel->recs[i], &sel->recs[i + 1], (sel->count - (unsigned)i - 1) * sizeof(*sel->recs));
	sel->count--;
	sel->resv_valid = false;
	return 0;
}

int sel_clear(struct sel *sel)
{
	uint32_t erase = sel->last_erase;
	bool overflow = sel->overflow;
	int r;

	sel->last_erase = sel_time(sel);
	sel->overflow = false;
	r = rewrite(sel, 0, -1);
	if (r < 0) {
		sel->last_erase = erase;
		sel->overflow = overflow;
		return r;
	}
	log_notice("sel: cleared (%u entries)", sel->count);
	sel->count = 0;
	sel->resv_valid = false;
	r = sel_add_event(sel, SEL_GEN_BMC, ST_EVENT_LOGGING, SENSOR_NUM_EVENT_LOG, EVT_SENSOR_SPECIFIC,
			  EV_LOG_CLEARED, 0xff, 0xff);
	if (r < 0)
		log_warning_errno(r, "sel: cannot log the clear");
	return 0;
}

uint16_t sel_reserve(struct sel *sel)
{
	sel->resv++;
	if (sel->resv == 0)
		sel->resv = 1;
	sel->resv_valid = true;
	return sel->resv;
}

bool sel_reservation_ok(const struct sel *sel, uint16_t id)
{
	return sel->resv_valid && id != 0 && id == sel->resv;
}

void sel_reset_volatile(struct sel *sel)
{
	/* The counter goes on: the next reservation gets a new ID. */
	sel->resv_valid = false;
}
