/* SPDX-License-Identifier: MIT */
/*
 * FRU inventory devices and the Storage commands that reach them: Get FRU
 * Inventory Area Info (10h), Read FRU Data (11h), Write FRU Data (12h).
 * See fru.h for where images come from and go to.
 *
 * State file "fru-<id>", little-endian:
 *   "BFRU", format 1, 3 zero bytes, image length (4), CRC-32 of the
 *   image (4), then the image.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon/bmc.h"
#include "daemon/log.h"
#include "daemon/store.h"
#include "fru/fru.h"
#include "fru/fru_eeprom.h"
#include "fru/fru_format.h"
#include "sel/sel.h"

#define STATE_MAGIC "BFRU"
#define STATE_FORMAT 1
#define STATE_HDR_LEN 16
#define RETRY_USEC (10 * 1000000ULL)	/* an unreadable EEPROM: try again after */

#define CC_FRU_WRITE_PROTECTED 0x80	/* Write FRU Data: write-protected offset */
#define CC_FRU_BUSY 0x81		/* FRU device busy (temporarily unavailable) */

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000ULL + (uint64_t)ts.tv_nsec / 1000;
}

static const char *source_name(const struct cfg_fru *c)
{
	switch (c->source) {
	case FRU_SRC_FIELDS: return c->image_len ? "board file" : "blank";
	case FRU_SRC_EEPROM_FILE: return c->eeprom_path;
	case FRU_SRC_EEPROM_I2C: return "I2C EEPROM";
	}
	return "?";
}

/* Check the image and say what it holds (once per change of state). */
static void describe(struct fru_dev *d, const char *how)
{
	struct fru_view v;
	char why[96], areas[64] = "";
	int r = fru_parse(d->img, d->size, &v, why, sizeof(why));

	for (int k = 0; k < FRU_AREAS; k++)
		if (v.area[k].present)
			snprintf(areas + strlen(areas), sizeof(areas) - strlen(areas), "%s%s",
				 areas[0] ? ", " : "", fru_area_name[k]);
	if (r == 0 && v.n_mr)
		snprintf(areas + strlen(areas), sizeof(areas) - strlen(areas), "%s%u multirecords",
			 areas[0] ? ", " : "", v.n_mr);
	if (r == 0)
		log_info("fru %u (%s): %u bytes %s: %s", d->cfg->id, d->cfg->name, d->size, how,
			 areas[0] ? areas : "no areas");
	else if (r == -ENODATA)
		log_info("fru %u (%s): %u bytes %s: blank", d->cfg->id, d->cfg->name, d->size, how);
	else
		log_warning("fru %u (%s): %u bytes %s, not valid FRU information: %s",
			    d->cfg->id, d->cfg->name, d->size, how, why);
	d->valid = r == 0;
}

/* ---- the state file ---------------------------------------------------------- */

static int state_save(struct fru *fru, const struct fru_dev *d, const uint8_t *img)
{
	uint8_t *buf = malloc(STATE_HDR_LEN + d->size);
	struct wbuf w;
	int r;

	if (!buf)
		return -ENOMEM;
	w = wb_init(buf, STATE_HDR_LEN + d->size);
	wb_bytes(&w, STATE_MAGIC, 4);
	wb_u8(&w, STATE_FORMAT);
	wb_zero(&w, 3);
	wb_le32(&w, d->size);
	wb_le32(&w, sel_crc32(img, d->size));
	wb_bytes(&w, img, d->size);
	r = store_write(fru->dirfd, d->file, buf, w.len);
	free(buf);
	return r;
}

/* The stored image into d->img: 1 when there is one, 0 when none (or a
 * corrupt one, logged), -ENOMEM. */
static int state_load(struct fru *fru, struct fru_dev *d)
{
	size_t cap = STATE_HDR_LEN + CFG_FRU_SIZE_MAX;
	uint8_t *buf = malloc(cap), magic[4], ver;
	struct rbuf r;
	uint32_t len, crc;
	const uint8_t *img;
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	n = store_load(fru->dirfd, d->file, buf, cap, "fru");
	if (n < 0) {
		free(buf);
		return n == -ENOENT ? 0 : (int)n;	/* logged */
	}
	r = rb_init(buf, (size_t)n);
	rb_copy(&r, magic, 4);
	ver = rb_u8(&r);
	rb_take(&r, 3);
	len = rb_le32(&r);
	crc = rb_le32(&r);
	img = rb_take(&r, len);
	if (!rb_done(&r) || memcmp(magic, STATE_MAGIC, 4) || ver != STATE_FORMAT || len == 0 ||
	    len > CFG_FRU_SIZE_MAX || sel_crc32(img, len) != crc) {
		log_error("fru %u: state file %s is corrupt (%zd bytes; bad header, length or "
			  "CRC); moved to %s.corrupt, using the board's contents",
			  d->cfg->id, d->file, n, d->file);
		store_set_aside(fru->dirfd, d->file, "fru");
		free(buf);
		return 0;
	}
	if (len != d->size)
		log_warning("fru %u: state file %s holds %u bytes, the device has %u; %s",
			    d->cfg->id, d->file, len, d->size,
			    len > d->size ? "the end is cut off" : "the rest is zero");
	memset(d->img, 0, d->size);
	memcpy(d->img, img, len < d->size ? len : d->size);
	free(buf);
	return 1;
}

/* ---- loading ------------------------------------------------------------------- */

/* Fill d->img from the state file, the board, or the EEPROM.  0, -ENOMEM,
 * or -errno from an EEPROM (the device stays unavailable, retried later). */
static int dev_load(struct fru *fru, struct fru_dev *d)
{
	const struct cfg_fru *c = d->cfg;
	uint32_t size = c->size;
	int r;

	if (c->source == FRU_SRC_EEPROM_FILE && !size) {
		r = fru_eeprom_size(c, &size);
		if (r < 0)
			return log_error_errno(r, "fru %u: cannot find the size of %s", c->id,
					       c->eeprom_path);
	}
	if (!d->img) {
		d->img = calloc(1, size);
		if (!d->img)
			return -ENOMEM;
		d->size = size;
	}
	r = state_load(fru, d);
	if (r < 0)
		return r;
	if (r > 0) {
		describe(d, "from the state dir (written over IPMI; the board's contents are not used)");
		return 0;
	}
	if (c->source == FRU_SRC_FIELDS) {
		memset(d->img, 0, d->size);
		memcpy(d->img, c->image, c->image_len);
		describe(d, c == fru->own ? "from the host's identity" : "from the board file");
		return 0;
	}
	r = fru_eeprom_read(c, d->img, d->size);
	if (r < 0) {
		if (c->source == FRU_SRC_EEPROM_I2C)
			log_error_errno(r, "fru %u: cannot read the EEPROM at I2C bus %u address "
					"%02xh; retrying when asked", c->id, c->i2c_bus, c->i2c_addr);
		else
			log_error_errno(r, "fru %u: cannot read %s; retrying when asked", c->id,
					c->eeprom_path);
		free(d->img);
		d->img = NULL;
		return r;
	}
	describe(d, "read from the EEPROM");
	return 0;
}

int fru_init(struct fru *fru, const struct board_config *cfg, int dirfd)
{
	memset(fru, 0, sizeof(*fru));
	fru->dirfd = dirfd;
	for (unsigned i = 0; i < cfg->n_frus && i < CFG_MAX_FRUS; i++) {
		struct fru_dev *d = &fru->dev[fru->n++];
		int r;

		d->cfg = &cfg->frus[i];
		snprintf(d->file, sizeof(d->file), FRU_STATE_PREFIX "%u", d->cfg->id);
		r = dev_load(fru, d);
		if (r == -ENOMEM)
			return r;
		if (r < 0)
			d->retry_at = now_usec() + RETRY_USEC;
	}
	return 0;
}

void fru_done(struct fru *fru)
{
	for (unsigned i = 0; i < fru->n; i++) {
		free(fru->dev[i].img);
		fru->dev[i].img = NULL;
	}
	fru->n = 0;
	free(fru->own);
	fru->own = NULL;
}

/* One text field of the identity, empty (and logged) when it cannot be one. */
static void identity_field(struct fru_text *t, const char *what, const char *s)
{
	int r = fru_text_set(t, s, strlen(s));

	if (r < 0) {
		log_warning_errno(r, "fru 0: the host's %s \"%s\" does not fit a FRU field; left empty",
				  what, s);
		fru_text_set(t, "", 0);
	}
}

int fru_add_host_identity(struct fru *fru, const char *name, const char *serial)
{
	/* Product area fields in order: manufacturer, name, part/model,
	 * version, serial, asset tag, FRU file ID. */
	enum { F_NAME = 1, F_SERIAL = 4, F_ASSET = 5 };
	struct fru_content *ct;
	struct fru_area_src *a;
	struct cfg_fru *c;
	struct fru_dev *d;
	struct wbuf w;
	size_t need = 0;
	int area = 0, r;

	for (unsigned i = 0; i < fru->n; i++)
		if (fru->dev[i].cfg->id == 0) {
			log_info("fru 0: the board file's, not the host's identity");
			return 0;
		}
	if (fru->n == CFG_MAX_FRUS || fru->own) {
		log_warning("fru 0: no room for the host's identity (%u FRU devices)", fru->n);
		return 0;
	}
	ct = calloc(1, sizeof(*ct));
	c = calloc(1, sizeof(*c));
	if (!ct || !c) {
		free(ct);
		free(c);
		return -ENOMEM;
	}
	a = &ct->area[FRU_AREA_PRODUCT];
	a->present = true;
	a->n = fru_area_std_fields[FRU_AREA_PRODUCT];
	for (unsigned i = 0; i < a->n; i++)
		fru_text_set(&a->f[i], "", 0);
	identity_field(&a->f[F_NAME], "name", name);
	identity_field(&a->f[F_SERIAL], "serial", serial);
	identity_field(&a->f[F_ASSET], "serial", serial);
	w = wb_init(c->image, sizeof(c->image));
	r = fru_encode(ct, &w, &need, &area);
	free(ct);
	if (r < 0) {
		free(c);
		return log_error_errno(r, "fru 0: cannot encode the host's identity");
	}
	c->id = 0;
	snprintf(c->name, sizeof(c->name), "FRU 0");
	c->source = FRU_SRC_FIELDS;
	c->image_len = (uint16_t)w.len;
	c->size = CFG_FRU_SIZE_DEFAULT > w.len ? CFG_FRU_SIZE_DEFAULT : (uint32_t)w.len;
	fru->own = c;
	d = &fru->dev[fru->n++];
	memset(d, 0, sizeof(*d));
	d->cfg = c;
	snprintf(d->file, sizeof(d->file), FRU_STATE_PREFIX "%u", c->id);
	r = dev_load(fru, d);
	return r == -ENOMEM ? r : 0;
}

struct fru_dev *fru_get(struct fru *fru, uint8_t id, bool *busy)
{
	*busy = false;
	for (unsigned i = 0; i < fru->n; i++) {
		struct fru_dev *d = &fru->dev[i];

		if (d->cfg->id != id)
			continue;
		if (!d->img && now_usec() >= d->retry_at && dev_load(fru, d) < 0)
			d->retry_at = now_usec() + RETRY_USEC;
		if (!d->img) {
			*busy = true;
			return NULL;
		}
		return d;
	}
	return NULL;
}

/* ---- writing -------------------------------------------------------------------- */

/* A write that covers the whole common header must leave a usable one:
 * version 1, zero checksum, area offsets inside the device; or a blank
 * header (all 00h or all FFh), which erases the inventory. */
static bool header_ok(const uint8_t h[FRU_HEADER_LEN], uint32_t size)
{
	bool zero = true, ones = true;

	for (int i = 0; i < FRU_HEADER_LEN; i++) {
		zero &= h[i] == 0x00;
		ones &= h[i] == 0xff;
	}
	if (zero || ones)
		return true;
	if ((h[0] & 0x0f) != FRU_FORMAT_VERSION || fru_checksum(h, FRU_HEADER_LEN) != 0)
		return false;
	for (int i = 1; i <= 5; i++)
		if (h[i] && 8u * h[i] >= size)
			return false;
	return true;
}

int fru_write(struct fru *fru, struct fru_dev *d, unsigned off, const uint8_t *p, size_t n)
{
	const struct cfg_fru *c = d->cfg;
	bool was_valid = d->valid;
	uint8_t *next;
	int r;

	if (off >= d->size || n > d->size - off)
		return -ERANGE;
	if (c->read_only)
		return -EROFS;
	if (off == 0 && n >= FRU_HEADER_LEN && !header_ok(p, d->size))
		return -EBADMSG;
	if (n == 0)
		return 0;

	/* The new image goes to flash before it is acknowledged or served. */
	next = malloc(d->size);
	if (!next)
		return -ENOMEM;
	memcpy(next, d->img, d->size);
	memcpy(next + off, p, n);
	r = state_save(fru, d, next);
	if (r < 0) {
		free(next);
		log_error_errno(r, "fru %u: cannot write state file %s", c->id, d->file);
		/* -EROFS means a write-protected device to the caller. */
		return r == -ENOSPC ? r : -EIO;
	}
	free(d->img);
	d->img = next;
	log_debug("fru %u: wrote %zu bytes at %u", c->id, n, off);

	if (c->source != FRU_SRC_FIELDS) {
		r = fru_eeprom_write(c, off, p, n);
		if (r < 0)
			log_error_errno(r, "fru %u: writing %zu bytes at %u through to %s failed; "
					"state file %s holds them", c->id, n, off, source_name(c),
					d->file);
	}
	/* A multi-chunk write passes through invalid images: say so only when
	 * the state changes, and at the end when it is whole again. */
	{
		struct fru_view v;
		bool valid = fru_parse(d->img, d->size, &v, NULL, 0) == 0;

		if (valid != was_valid)
			describe(d, "after Write FRU Data");
	}
	return 0;
}

/* ---- commands -------------------------------------------------------------------- */

/* The device a request names, or the completion code saying why not. */
static int cc_lookup(struct bmc *bmc, uint8_t id, struct fru_dev **d)
{
	bool busy;

	*d = fru_get(bmc->fru, id, &busy);
	if (*d)
		return CC_OK;
	return busy ? CC_FRU_BUSY : CC_NOT_PRESENT;
}

/* Get FRU Inventory Area Info: FRU device ID → size (2), access (bit 0:
 * 0 = by bytes). */
int fru_cmd_area_info(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t id = rb_u8(&r);
	struct fru_dev *d;
	int cc = rb_done(&r) ? cc_lookup(bmc, id, &d) : CC_REQ_LEN;

	if (cc)
		return cc;
	wb_le16(rsp, (uint16_t)d->size);
	wb_u8(rsp, 0x00);
	return CC_OK;
}

/* Read FRU Data: FRU device ID, offset (2), count → count returned, data.
 * A count running past the end is cut at the end (the response says how
 * many bytes came back); an offset at or past the end is C9h; a count the
 * response cannot carry (on this transport) is CAh, which clients answer
 * by asking for less. */
int fru_cmd_read(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	struct fru_dev *d;
	uint16_t off;
	uint8_t id, count;
	int cc;

	id = rb_u8(&r);
	off = rb_le16(&r);
	count = rb_u8(&r);
	if (!rb_done(&r))
		return CC_REQ_LEN;
	cc = cc_lookup(bmc, id, &d);
	if (cc)
		return cc;
	if (off >= d->size)
		return CC_PARAM_OUT_OF_RANGE;
	if (count > d->size - off)
		count = (uint8_t)(d->size - off);
	if ((size_t)count + 1 > wb_room(rsp))
		return CC_CANT_RETURN_BYTES;
	wb_u8(rsp, count);
	wb_bytes(rsp, d->img + off, count);
	return CC_OK;
}

/* Write FRU Data: FRU device ID, offset (2), data → count written. */
int fru_cmd_write(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	struct rbuf data;
	struct fru_dev *d;
	uint16_t off;
	uint8_t id;
	int cc, e;

	id = rb_u8(&r);
	off = rb_le16(&r);
	data = rb_rest(&r);
	if (!rb_ok(&r) || !rb_ok(&data) || rb_left(&data) == 0)
		return CC_REQ_LEN;
	cc = cc_lookup(bmc, id, &d);
	if (cc)
		return cc;
	e = fru_write(bmc->fru, d, off, data.p, data.len);
	switch (e) {
	case 0:
		break;
	case -ERANGE:
		return CC_PARAM_OUT_OF_RANGE;
	case -EROFS:
		return CC_FRU_WRITE_PROTECTED;
	case -EBADMSG:
		log_info("fru %u: Write FRU Data refused: not a valid common header", id);
		return CC_INVALID_FIELD;
	case -ENOSPC:
		return CC_OUT_OF_SPACE;
	default:
		return CC_UNSPECIFIED;
	}
	wb_u8(rsp, (uint8_t)data.len);
	return CC_OK;
}
