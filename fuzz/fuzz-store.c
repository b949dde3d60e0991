/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the stores' files as found on flash, through their loaders:
 * the SDR repository (sdr_init), the SEL (sel_init) and a FRU device's
 * state file (fru_init, the devices of boards/sim.json).  The first byte
 * picks the store (bits 0-6, % 3: SDR, SEL, FRU) and, bit 7, whether the
 * target seals the rest with valid CRCs first (the SDR file's trailing
 * CRC-32, each SEL frame's, the FRU file's length and image CRC), so that
 * the fuzzer reaches what lies behind them; the rest is the file.
 *
 * Loading must not crash, and what a loader keeps must survive a save: the
 * file as it is after the first load (kept, or rewritten with what was
 * valid) must load again with nothing dropped, to the same records, and
 * stay as it is.  An SDR file taken as it was must moreover be exactly
 * what saving its records writes.  Anything else aborts.
 *
 * The files live in one directory on tmpfs (fuzz_state_dir), written once
 * per input: the loaders read by name.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/store.h"
#include "fru/fru.h"
#include "sdr/sdr.h"
#include "sel/sel.h"

#include "fuzz-bmc.h"
#include "fuzz.h"

#define SEL_FRAME 24
#define SEL_CAPACITY 64
#define FILE_CAP (1 << 20)

static int dirfd_ = -1;
static struct board_config cfg;
static uint8_t *file1, *file2, *image;	/* FILE_CAP each, allocated once */

static void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> 8 * i);
}

static void put(const char *name, const uint8_t *p, size_t n)
{
	if (store_write(dirfd_, name, p, n) < 0)
		abort();
}

/* The file now, into buf (FILE_CAP bytes); its length. */
static size_t get(const char *name, uint8_t *buf)
{
	ssize_t n = store_read(dirfd_, name, buf, FILE_CAP);

	if (n < 0)
		abort();
	return (size_t)n;
}

static bool same_file(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	return an == bn && memcmp(a, b, an) == 0;
}

/* ---- SDR ---- */

/* What sdr/sdr.c's save() writes for sdr. */
static size_t sdr_image(const struct sdr *sdr, uint8_t *buf, size_t cap)
{
	size_t n = 0;

	if (cap < 23 + (size_t)sdr->n * 257)
		abort();
	memcpy(buf, "BSDR", 4), n = 4;
	buf[n++] = 1;
	put_le32(buf + n, sdr->board_hash), n += 4;
	put_le32(buf + n, sdr->last_add), n += 4;
	put_le32(buf + n, sdr->last_erase), n += 4;
	buf[n++] = (uint8_t)sdr->n, buf[n++] = (uint8_t)(sdr->n >> 8);
	for (unsigned i = 0; i < sdr->n; i++) {
		buf[n++] = sdr->recs[i].board;
		buf[n++] = sdr->recs[i].len;
		memcpy(buf + n, sdr->recs[i].d, sdr->recs[i].len), n += sdr->recs[i].len;
	}
	put_le32(buf + n, sel_crc32(buf, n)), n += 4;
	return n;
}

static bool sdr_same(const struct sdr *a, const struct sdr *b)
{
	if (a->n != b->n)
		return false;
	for (unsigned i = 0; i < a->n; i++)
		if (a->recs[i].len != b->recs[i].len || a->recs[i].board != b->recs[i].board ||
		    memcmp(a->recs[i].d, b->recs[i].d, a->recs[i].len))
			return false;
	return true;
}

static void sdr_case(const uint8_t *x, size_t xn)
{
	struct sdr a, b;
	size_t n1, n2, ni;

	put(SDR_FILE, x, xn);
	/* No board records: their hash is 1, so a file saying 1 is taken. */
	if (sdr_init(&a, dirfd_, NULL, NULL, 0, 1000) < 0)
		abort();
	n1 = get(SDR_FILE, file1);
	if (same_file(x, xn, file1, n1)) {
		ni = sdr_image(&a, image, FILE_CAP);
		if (!same_file(x, xn, image, ni))
			abort();	/* taken as it was, but saving it writes something else */
	}
	if (sdr_init(&b, dirfd_, NULL, NULL, 0, 2000) < 0)
		abort();
	n2 = get(SDR_FILE, file2);
	if (!sdr_same(&a, &b) || !same_file(file1, n1, file2, n2))
		abort();	/* what the first load kept did not load again */
	sdr_done(&a);
	sdr_done(&b);
}

/* ---- SEL ---- */

static void sel_case(const uint8_t *x, size_t xn)
{
	struct sel a, b;
	size_t n1, n2;

	put(SEL_FILE, x, xn);
	if (sel_init(&a, dirfd_, SEL_CAPACITY) < 0)
		abort();
	n1 = get(SEL_FILE, file1);
	if (sel_init(&b, dirfd_, SEL_CAPACITY) < 0)
		abort();
	n2 = get(SEL_FILE, file2);
	if (b.dropped_at_load || a.count != b.count ||
	    memcmp(a.recs, b.recs, a.count * sizeof(*a.recs)) || !same_file(file1, n1, file2, n2))
		abort();
	sel_done(&a);
	sel_done(&b);
}

/* ---- FRU ---- */

static void fru_case(const uint8_t *x, size_t xn)
{
	const struct cfg_fru *c = &cfg.frus[0];
	struct fru *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	char name[32];
	struct fru_dev *da, *db;
	bool busy;

	if (!a || !b)
		abort();
	snprintf(name, sizeof(name), FRU_STATE_PREFIX "%u", c->id);
	put(name, x, xn);
	if (fru_init(a, &cfg, dirfd_) < 0 || fru_init(b, &cfg, dirfd_) < 0)
		abort();
	da = fru_get(a, c->id, &busy);
	db = fru_get(b, c->id, &busy);
	/* Loading never writes: two loads of one file agree. */
	if (!da || !db || da->size != db->size || da->valid != db->valid ||
	    memcmp(da->img, db->img, da->size))
		abort();
	/* What is loaded, written back as Write FRU Data would, loads the same. */
	if (fru_write(a, da, 0, da->img, da->size) == 0) {
		fru_done(b);
		memset(b, 0, sizeof(*b));
		if (fru_init(b, &cfg, dirfd_) < 0)
			abort();
		db = fru_get(b, c->id, &busy);
		if (!db || db->size != da->size || memcmp(da->img, db->img, da->size))
			abort();
	}
	fru_done(a);
	fru_done(b);
	free(a);
	free(b);
}

/* ---- the CRCs, when asked ---- */

static uint8_t *seal(unsigned which, const uint8_t *p, size_t n, size_t *out)
{
	uint8_t *f = malloc(n + 4);

	if (!f)
		abort();
	memcpy(f, p, n);
	*out = n;
	switch (which) {
	case 0:				/* SDR: a CRC-32 of the rest at the end */
		put_le32(f + n, sel_crc32(f, n));
		*out = n + 4;
		break;
	case 1:				/* SEL: each whole frame's */
		for (size_t o = 0; o + SEL_FRAME <= n; o += SEL_FRAME)
			put_le32(f + o + 20, sel_crc32(f + o, 20));
		break;
	default:			/* FRU: the image's length and CRC */
		if (n >= 16) {
			put_le32(f + 8, (uint32_t)(n - 16));
			put_le32(f + 12, sel_crc32(f + 16, n - 16));
		}
		break;
	}
	return f;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	uint8_t *f;
	size_t n;
	unsigned which;

	if (!ready) {
		char dir[4096];

		fuzz_sim_config(&cfg);
		if (!cfg.n_frus)
			abort();
		fuzz_state_dir(dir, sizeof(dir), "store");
		dirfd_ = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		file1 = malloc(FILE_CAP);
		file2 = malloc(FILE_CAP);
		image = malloc(FILE_CAP);
		if (dirfd_ < 0 || !file1 || !file2 || !image)
			abort();
		ready = true;
	}
	if (size < 1 || size > FILE_CAP / 2)
		return 0;
	which = (data[0] & 0x7f) % 3;
	if (data[0] & 0x80) {
		f = seal(which, data + 1, size - 1, &n);
	} else {
		f = malloc(size);
		if (!f)
			abort();
		memcpy(f, data + 1, size - 1);
		n = size - 1;
	}
	if (which == 0)
		sdr_case(f, n);
	else if (which == 1)
		sel_case(f, n);
	else
		fru_case(f, n);
	free(f);
	return 0;
}
