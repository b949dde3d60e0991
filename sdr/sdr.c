/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/bmc.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "daemon/store.h"
#include "sdr/sdr.h"
#include "sel/sel.h"

/*
 * File format (little-endian): "BSDR", format 1, board hash (4), last add
 * (4), last erase (4), count (2), then per record: flags (1, bit 0 = from
 * the board), length (1), the record; then a CRC-32 of everything before.
 */
#define FILE_MAGIC "BSDR"
#define FILE_FORMAT 1
#define FILE_HDR 19
#define FILE_MAX (FILE_HDR + 4 + (SDR_CAPACITY / SDR_HDR_LEN) * (2 + SDR_REC_MAX))
#define UNIT 16				/* allocation unit, bytes */
#define CLEAR_INITIATE 0xaa
#define CLEAR_STATUS 0x00
#define ERASE_DONE 0x01
#define OP_SUPPORT 0x2f			/* non-modal updates, delete, partial add, reserve, alloc info */
#define PROGRESS_LAST 0x01

static uint16_t rec_id(const struct sdr_rec *r)
{
	return (uint16_t)(r->d[0] | r->d[1] << 8);
}

static void set_id(uint8_t *d, uint16_t id)
{
	d[0] = (uint8_t)id;
	d[1] = (uint8_t)(id >> 8);
}

unsigned sdr_count(const struct sdr *sdr)
{
	return sdr->n;
}

static unsigned units(unsigned len)
{
	return (len + UNIT - 1) / UNIT;
}

static unsigned used_units(const struct sdr *sdr)
{
	unsigned u = 0;

	for (unsigned i = 0; i < sdr->n; i++)
		u += units(sdr->recs[i].len);
	return u;
}

static void cancel_reservation(struct sdr *sdr)
{
	sdr->resv_valid = false;
	sdr->part_active = false;
}

void sdr_reset_volatile(struct sdr *sdr)
{
	cancel_reservation(sdr);
}

/* ------------------------------------------------------------------ */
/* Validation                                                          */

/* Fixed body lengths before the ID string (type/length byte included). */
static int fixed_body(uint8_t type)
{
	switch (type) {
	case SDR_FULL: return 43;
	case SDR_COMPACT: return 27;
	case SDR_EVENT_ONLY: return 12;
	case SDR_FRU_LOCATOR: return 11;
	case SDR_MC_LOCATOR: return 11;
	}
	return -1;
}

int sdr_validate(const uint8_t *rec, unsigned len)
{
	int fixed;
	unsigned idlen;

	if (len < SDR_HDR_LEN || len > SDR_REC_MAX)
		return CC_REQ_LEN;
	if (rec[2] != SDR_VERSION)
		return CC_INVALID_FIELD;
	if (rec[4] != len - SDR_HDR_LEN)
		return CC_REQ_LEN;	/* the record's own length disagrees */
	switch (rec[3]) {
	case 0x08: case 0x09: case 0x0a: case 0x0b: case 0x0c: case 0x0d:
	case 0x0e: case 0x0f: case 0x10: case 0x13: case 0x14: case 0xc0:
		return CC_OK;		/* other defined types: kept as given */
	}
	fixed = fixed_body(rec[3]);
	if (fixed < 0)
		return CC_INVALID_FIELD;
	if (len < SDR_HDR_LEN + (unsigned)fixed)
		return CC_REQ_LEN;
	/* The ID string's type/length byte ends the fixed part. */
	idlen = rec[SDR_HDR_LEN + fixed - 1] & 0x1f;
	if (SDR_HDR_LEN + (unsigned)fixed + idlen > len)
		return CC_INVALID_FIELD;
	return CC_OK;
}

/* ------------------------------------------------------------------ */
/* Storage                                                             */

static int save(struct sdr *sdr)
{
	size_t cap = FILE_HDR + 4 + (size_t)sdr->n * 2 + sdr->bytes;
	uint8_t *buf = malloc(cap);
	struct wbuf w;
	int r;

	if (!buf)
		return -ENOMEM;
	w = wb_init(buf, cap);
	wb_bytes(&w, FILE_MAGIC, 4);
	wb_u8(&w, FILE_FORMAT);
	wb_le32(&w, sdr->board_hash);
	wb_le32(&w, sdr->last_add);
	wb_le32(&w, sdr->last_erase);
	wb_le16(&w, (uint16_t)sdr->n);
	for (unsigned i = 0; i < sdr->n; i++) {
		wb_u8(&w, sdr->recs[i].board ? 1 : 0);
		wb_u8(&w, sdr->recs[i].len);
		wb_bytes(&w, sdr->recs[i].d, sdr->recs[i].len);
	}
	wb_le32(&w, sel_crc32(buf, w.len));
	r = wb_ok(&w) ? store_write(sdr->dirfd, SDR_FILE, buf, w.len) : -EOVERFLOW;
	free(buf);
	if (r < 0)
		log_error("sdr: cannot write %s: %s", SDR_FILE, strerror(-r));
	return r;
}

static void free_recs(struct sdr *sdr)
{
	for (unsigned i = 0; i < sdr->n; i++)
		free(sdr->recs[i].d);
	free(sdr->recs);
	sdr->recs = NULL;
	sdr->n = 0;
	sdr->bytes = 0;
}

/* Append a copy of rec (its ID already set). */
static int push(struct sdr *sdr, const uint8_t *rec, unsigned len, bool board)
{
	struct sdr_rec *nr = realloc(sdr->recs, (sdr->n + 1) * sizeof(*nr));
	uint8_t *d;

	if (!nr)
		return -ENOMEM;
	sdr->recs = nr;
	d = malloc(len);
	if (!d)
		return -ENOMEM;
	memcpy(d, rec, len);
	sdr->recs[sdr->n++] = (struct sdr_rec){ .d = d, .len = (uint8_t)len, .board = board };
	sdr->bytes += len;
	return 0;
}

static bool id_used(const struct sdr *sdr, uint16_t id)
{
	for (unsigned i = 0; i < sdr->n; i++)
		if (rec_id(&sdr->recs[i]) == id)
			return true;
	return false;
}

/* The next free record ID above every one in use (0000h and FFFFh are
 * "first" and "last" on the wire). */
static uint16_t next_id(const struct sdr *sdr)
{
	uint16_t id = 1;

	for (unsigned i = 0; i < sdr->n; i++)
		if (rec_id(&sdr->recs[i]) >= id)
			id = (uint16_t)(rec_id(&sdr->recs[i]) + 1);
	if (id == 0xffff || id == 0)	/* wrapped: look for a hole */
		for (id = 1; id < 0xffff && id_used(sdr, id); id++)
			;
	return id;
}

/* Parse the stored file; 0 with the records in place, or -EBADMSG. */
static int load(struct sdr *sdr, const uint8_t *buf, size_t len)
{
	struct rbuf r;
	unsigned count;

	if (len < FILE_HDR + 4 || memcmp(buf, FILE_MAGIC, 4) ||
	    sel_crc32(buf, len - 4) != (uint32_t)(buf[len - 4] | buf[len - 3] << 8 |
						  buf[len - 2] << 16 | (uint32_t)buf[len - 1] << 24))
		return -EBADMSG;
	r = rb_init(buf + 4, len - 8);
	if (rb_u8(&r) != FILE_FORMAT)
		return -EBADMSG;
	sdr->board_hash = rb_le32(&r);
	sdr->last_add = rb_le32(&r);
	sdr->last_erase = rb_le32(&r);
	count = rb_le16(&r);
	for (unsigned i = 0; i < count; i++) {
		uint8_t flags = rb_u8(&r), l = rb_u8(&r);
		const uint8_t *d = rb_take(&r, l);

		/* flags: bit 0 "from the board", nothing else (save() writes
		 * no other bit, so a file with one is not ours). */
		if (!d || flags > 1 || sdr_validate(d, l) != CC_OK ||
		    id_used(sdr, (uint16_t)(d[0] | d[1] << 8)) || push(sdr, d, l, flags) < 0) {
			free_recs(sdr);
			return -EBADMSG;
		}
	}
	if (!rb_done(&r)) {
		free_recs(sdr);
		return -EBADMSG;
	}
	return 0;
}

static uint32_t board_hash(uint8_t *const *board, const uint8_t *blen, unsigned n)
{
	uint32_t h = 0;

	for (unsigned i = 0; i < n; i++) {
		uint32_t c = sel_crc32(board[i] + 2, blen[i] - 2u);	/* IDs excluded */

		h = h * 31 + c + blen[i];
	}
	return h ? h : 1;
}

int sdr_init(struct sdr *sdr, int dirfd, uint8_t *const *board, const uint8_t *blen,
	     unsigned n_board, uint32_t now)
{
	uint32_t hash = board_hash(board, blen, n_board);
	size_t cap = FILE_MAX;
	uint8_t *buf = malloc(cap);
	struct sdr_rec *old = NULL;
	unsigned n_old = 0;
	ssize_t len;
	int r;

	memset(sdr, 0, sizeof(*sdr));
	sdr->dirfd = dirfd;
	if (!buf)
		return -ENOMEM;
	len = store_load(dirfd, SDR_FILE, buf, cap, "sdr");
	if (len < 0 && len != -ENOENT) {
		free(buf);
		return (int)len;	/* logged; not rebuilt over what cannot be read */
	}
	r = len >= 0 ? load(sdr, buf, (size_t)len) : (int)len;
	free(buf);
	if (r == 0 && sdr->board_hash == hash) {
		log_info("sdr: %u records from %s", sdr->n, SDR_FILE);
		return 0;
	}
	if (r == 0)
		log_notice("sdr: the board's records changed; they are made again, added ones kept");
	else if (r != -ENOENT && store_set_aside(dirfd, SDR_FILE, "sdr") == 0)
		log_warning("sdr: %s is unreadable or corrupt (%s), moved to %s.corrupt; the "
			    "repository is made again from the board", SDR_FILE, strerror(-r), SDR_FILE);
	else if (r != -ENOENT)
		log_warning("sdr: %s is unreadable or corrupt (%s); the repository is made again from the board",
			    SDR_FILE, strerror(-r));

	/* Keep the records clients added; the board's come first. */
	old = sdr->recs;
	n_old = sdr->n;
	sdr->recs = NULL;
	sdr->n = 0;
	sdr->bytes = 0;
	r = 0;
	for (unsigned i = 0; i < n_board && r == 0; i++) {
		set_id(board[i], (uint16_t)(i + 1));
		r = push(sdr, board[i], blen[i], true);
	}
	for (unsigned i = 0; i < n_old; i++) {
		if (r == 0 && !old[i].board) {
			set_id(old[i].d, next_id(sdr));
			r = push(sdr, old[i].d, old[i].len, false);
		}
		free(old[i].d);
	}
	free(old);
	if (r < 0)
		return r;
	sdr->board_hash = hash;
	sdr->last_add = now;
	r = save(sdr);
	log_info("sdr: %u records (%u from the board)", sdr->n, n_board);
	return r;
}

void sdr_done(struct sdr *sdr)
{
	free_recs(sdr);
}

/* Index of the record 'id' (0000h: first, FFFFh: last), or -1. */
static int find(const struct sdr *sdr, uint16_t id)
{
	unsigned guess;

	if (!sdr->n)
		return -1;
	if (id == 0x0000)
		return 0;
	if (id == 0xffff)
		return (int)sdr->n - 1;
	/* Record IDs are usually consecutive: a client walking the repository
	 * asks for the next one, so look where it would be first. */
	guess = (uint16_t)(id - rec_id(&sdr->recs[0]));
	if (guess < sdr->n && rec_id(&sdr->recs[guess]) == id)
		return (int)guess;
	for (unsigned i = 0; i < sdr->n; i++)
		if (rec_id(&sdr->recs[i]) == id)
			return (int)i;
	return -1;
}

static bool resv_ok(const struct sdr *sdr, uint16_t id)
{
	return sdr->resv_valid && id == sdr->resv;
}

static int cc_errno(int r)
{
	return r == -ENOSPC ? CC_OUT_OF_SPACE : CC_UNSPECIFIED;
}

static int add(struct bmc *bmc, const uint8_t *rec, unsigned len, uint16_t *id)
{
	struct sdr *sdr = bmc->sdr;
	uint8_t copy[SDR_REC_MAX];
	uint32_t last_add;
	int r;

	if (sdr->bytes + len > SDR_CAPACITY)
		return -ENOSPC;
	memcpy(copy, rec, len);
	*id = next_id(sdr);
	set_id(copy, *id);
	r = push(sdr, copy, len, false);
	if (r < 0)
		return r;
	last_add = sdr->last_add;
	sdr->last_add = sel_time(bmc->sel);
	r = save(sdr);
	if (r < 0) {		/* not durable: not added */
		free(sdr->recs[--sdr->n].d);
		sdr->bytes -= len;
		sdr->last_add = last_add;
		return r;
	}
	cancel_reservation(sdr);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */

int sdr_cmd_repo_info(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	const struct sdr *sdr = bmc->sdr;
	unsigned free_bytes = SDR_CAPACITY - sdr->bytes;

	wb_u8(rsp, SDR_VERSION);
	wb_le16(rsp, (uint16_t)sdr->n);
	wb_le16(rsp, (uint16_t)(free_bytes > 0xfffe ? 0xfffe : free_bytes));
	wb_le32(rsp, sdr->last_add);
	wb_le32(rsp, sdr->last_erase);
	wb_u8(rsp, OP_SUPPORT);
	return CC_OK;
}

int sdr_cmd_alloc_info(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	unsigned total = SDR_CAPACITY / UNIT, free_u = total - used_units(bmc->sdr);

	wb_le16(rsp, (uint16_t)total);
	wb_le16(rsp, UNIT);
	wb_le16(rsp, (uint16_t)free_u);
	wb_le16(rsp, (uint16_t)free_u);		/* records live in the heap: no fragmentation */
	wb_u8(rsp, (uint8_t)units(SDR_REC_MAX));
	return CC_OK;
}

int sdr_cmd_reserve(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct sdr *sdr = bmc->sdr;

	if (++sdr->resv == 0)
		sdr->resv = 1;
	sdr->resv_valid = true;
	sdr->part_active = false;
	wb_le16(rsp, sdr->resv);
	return CC_OK;
}

/* Get SDR: reservation (needed for offsets other than 0), record ID,
 * offset, count (FFh: to the end).  More than the record holds, or than a
 * response can carry on the channel it came on (a whole record of 255
 * bytes fits RMCP+ and KCS, not IPMI 1.5 LAN), is CAh. */
int sdr_cmd_get(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	const struct sdr *sdr = bmc->sdr;
	struct rbuf r = ipmi_reader(req);
	uint16_t resv = rb_le16(&r), id = rb_le16(&r);
	uint8_t off = rb_u8(&r), cnt = rb_u8(&r);
	const struct sdr_rec *rec;
	int i = find(sdr, id);

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (off && !resv_ok(sdr, resv))
		return CC_RESERVATION;
	if (i < 0)
		return CC_NOT_PRESENT;
	rec = &sdr->recs[i];
	if (off >= rec->len)
		return CC_PARAM_OUT_OF_RANGE;
	if (cnt == 0xff)
		cnt = (uint8_t)(rec->len - off);
	if (cnt > rec->len - off || (size_t)cnt + 2 > wb_room(rsp))
		return CC_CANT_RETURN_BYTES;
	wb_le16(rsp, (unsigned)i + 1 < sdr->n ? rec_id(&sdr->recs[i + 1]) : 0xffff);
	wb_bytes(rsp, rec->d + off, cnt);
	return CC_OK;
}

int sdr_cmd_add(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf rb = ipmi_reader(req);
	/* The whole request is the record; sdr_validate() checks its header. */
	unsigned len = (unsigned)rb_left(&rb);
	const uint8_t *rec = rb_take(&rb, len);
	uint16_t id;
	int cc, r;

	if (!rec || !rb_done(&rb))
		return CC_REQ_LEN;
	cc = sdr_validate(rec, len);
	if (cc != CC_OK)
		return cc;
	r = add(bmc, rec, len, &id);
	if (r < 0)
		return cc_errno(r);
	log_info("sdr: record %u added (type %02xh)", id, rec[3]);
	wb_le16(rsp, id);
	return CC_OK;
}

/* Partial Add SDR: reservation, record ID (0000h for the first part),
 * offset, progress (bit 0: last part), data.  The parts are kept aside and
 * the record joins the repository, validated, with its last part. */
int sdr_cmd_partial_add(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct sdr *sdr = bmc->sdr;
	struct rbuf r = ipmi_reader(req);
	uint16_t resv = rb_le16(&r), id = rb_le16(&r);
	uint8_t off = rb_u8(&r), progress = rb_u8(&r) & 0x0f;
	size_t n = rb_left(&r);
	const uint8_t *data = rb_take(&r, n);
	uint16_t new_id;
	int cc, e;

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!resv_ok(sdr, resv))
		return CC_RESERVATION;
	if (progress > PROGRESS_LAST)
		return CC_INVALID_FIELD;
	if (id == 0 && off == 0) {
		sdr->part_active = true;
		sdr->part_len = 0;
		sdr->part_id = next_id(sdr);
	} else if (!sdr->part_active || id != sdr->part_id || off != sdr->part_len) {
		return CC_INVALID_FIELD;
	}
	if (sdr->part_len + n > SDR_REC_MAX) {
		sdr->part_active = false;
		return CC_OUT_OF_SPACE;
	}
	if (n)
		memcpy(sdr->part + sdr->part_len, data, n);
	sdr->part_len += (unsigned)n;
	if (progress != PROGRESS_LAST) {
		wb_le16(rsp, sdr->part_id);
		return CC_OK;
	}
	sdr->part_active = false;
	cc = sdr_validate(sdr->part, sdr->part_len);
	if (cc != CC_OK)
		return cc;
	e = add(bmc, sdr->part, sdr->part_len, &new_id);
	if (e < 0)
		return cc_errno(e);
	log_info("sdr: record %u added in parts (type %02xh)", new_id, sdr->part[3]);
	wb_le16(rsp, new_id);
	return CC_OK;
}

int sdr_cmd_delete(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct sdr *sdr = bmc->sdr;
	struct rbuf r = ipmi_reader(req);
	uint16_t resv = rb_le16(&r), id = rb_le16(&r);
	struct sdr_rec gone;
	int i, e;

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!resv_ok(sdr, resv))
		return CC_RESERVATION;
	i = find(sdr, id);
	if (i < 0)
		return CC_NOT_PRESENT;
	gone = sdr->recs[i];
	memmove(&sdr->recs[i], &sdr->recs[i + 1], (sdr->n - (unsigned)i - 1) * sizeof(gone));
	sdr->n--;
	sdr->bytes -= gone.len;
	e = save(sdr);
	if (e < 0) {		/* put it back: nothing changed */
		memmove(&sdr->recs[i + 1], &sdr->recs[i], (sdr->n - (unsigned)i) * sizeof(gone));
		sdr->recs[i] = gone;
		sdr->n++;
		sdr->bytes += gone.len;
		return cc_errno(e);
	}
	sdr->last_erase = sel_time(bmc->sel);
	cancel_reservation(sdr);
	log_info("sdr: record %u deleted", (unsigned)(gone.d[0] | gone.d[1] << 8));
	wb_le16(rsp, (uint16_t)(gone.d[0] | gone.d[1] << 8));
	free(gone.d);
	return CC_OK;
}

/* Clear SDR Repository: reservation, 'C' 'L' 'R', AAh (erase) or 00h
 * (status).  The erase is done before the answer: always "completed". */
int sdr_cmd_clear(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct sdr *sdr = bmc->sdr;
	struct rbuf r = ipmi_reader(req);
	uint16_t resv = rb_le16(&r);
	const uint8_t *clr = rb_take(&r, 3);
	uint8_t op = rb_u8(&r);
	struct sdr_rec *recs = sdr->recs;
	unsigned n = sdr->n, bytes = sdr->bytes;
	int e;

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!resv_ok(sdr, resv))
		return CC_RESERVATION;
	if (!clr || memcmp(clr, "CLR", 3) || (op != CLEAR_INITIATE && op != CLEAR_STATUS))
		return CC_INVALID_FIELD;
	if (op == CLEAR_INITIATE) {
		sdr->recs = NULL;
		sdr->n = 0;
		sdr->bytes = 0;
		e = save(sdr);
		if (e < 0) {
			sdr->recs = recs;
			sdr->n = n;
			sdr->bytes = bytes;
			return cc_errno(e);
		}
		for (unsigned i = 0; i < n; i++)
			free(recs[i].d);
		free(recs);
		sdr->last_erase = sel_time(bmc->sel);
		sdr->part_active = false;
		save(sdr);
		log_notice("sdr: repository cleared (%u records)", n);
	}
	wb_u8(rsp, ERASE_DONE);
	return CC_OK;
}

int sdr_cmd_get_time(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	wb_le32(rsp, sel_time(bmc->sel));
	return CC_OK;
}
