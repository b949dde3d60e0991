/* SPDX-License-Identifier: MIT */
/*
 * The IPMI FRU information format (Platform Management FRU Information
 * Storage Definition v1.0 rev 1.3): an encoder for the contents a board
 * file gives as fields, and a checking parser for images that arrive from
 * outside (Write FRU Data, EEPROMs, the state dir).  Neither allocates nor
 * logs; both work through the bounded buffers of daemon/buf.h.
 *
 * Image layout: an 8-byte common header (format version 01h, then the
 * offsets of the internal use, chassis, board, product and multirecord
 * areas in 8-byte units, 0 = absent, a pad byte and a zero checksum), then
 * the areas.  The chassis, board and product areas are lists of
 * type/length-prefixed fields ending with C1h, padded to a multiple of 8
 * bytes and closed by a zero checksum; multirecords are a chain of
 * 5-byte-header records, the last one flagged.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/buf.h"

#define FRU_FORMAT_VERSION 0x01
#define FRU_HEADER_LEN 8
#define FRU_FIELD_MAX 63		/* the 6-bit length of a type/length byte */
#define FRU_END_OF_FIELDS 0xc1
#define FRU_AREA_MAX (255 * 8)		/* area length byte counts 8-byte units */
#define FRU_MR_HEADER_LEN 5
#define FRU_MR_DATA_MAX 255
#define FRU_MR_END_OF_LIST 0x80
#define FRU_MR_FORMAT 0x02
#define FRU_AREA_FIELDS_MAX 24		/* fixed fields + custom ones, per area */
#define FRU_MR_MAX 8			/* multirecords a board file may give */
#define FRU_DATE_EPOCH 820454400	/* 1996-01-01 00:00 UTC: mfg date zero */

enum fru_area_kind { FRU_AREA_CHASSIS, FRU_AREA_BOARD, FRU_AREA_PRODUCT, FRU_AREAS };

enum fru_type {			/* bits 7:6 of a type/length byte */
	FRU_TYPE_BINARY = 0,
	FRU_TYPE_BCDPLUS = 1,
	FRU_TYPE_ASCII6 = 2,		/* packed 6-bit ASCII */
	FRU_TYPE_TEXT = 3,		/* 8-bit ASCII + Latin-1 (English language code) */
};

/* Fixed bytes after version and length, before the fields: chassis type;
 * board language and 3-byte manufacturing date; product language. */
extern const uint8_t fru_area_fixed_len[FRU_AREAS];
/* Fields every area has before its custom ones (chassis: part number,
 * serial; board: manufacturer, product, serial, part number, FRU file ID;
 * product: manufacturer, name, part/model, version, serial, asset tag,
 * FRU file ID). */
extern const uint8_t fru_area_std_fields[FRU_AREAS];
extern const char *const fru_area_name[FRU_AREAS];

/* The byte that makes the n bytes at p sum to zero (mod 256). */
uint8_t fru_checksum(const uint8_t *p, size_t n);

/* ---- encoding ---------------------------------------------------------- */

struct fru_text {			/* one field, encoded */
	uint8_t type;			/* enum fru_type */
	uint8_t len;			/* 0..63 bytes */
	uint8_t b[FRU_FIELD_MAX];
};

/*
 * UTF-8 text into a field.  Text is stored as 8-bit Latin-1 (type 3),
 * which the spec allows only with two or more bytes; a single character
 * goes into packed 6-bit ASCII instead, so it must be one of the
 * characters 20h-5Fh (space to '_', no lower case).  An empty string is
 * an empty field (C0h).  0, -EILSEQ (not UTF-8, or outside Latin-1 or
 * with control characters), -E2BIG (more than 63 Latin-1 bytes) or
 * -EDOM (a single character 6-bit ASCII cannot hold).
 */
int fru_text_set(struct fru_text *t, const char *utf8, size_t len);

struct fru_area_src {
	bool present;
	uint8_t fixed[4];		/* fru_area_fixed_len[kind] bytes */
	struct fru_text f[FRU_AREA_FIELDS_MAX];	/* standard fields, then custom */
	unsigned n;
};

struct fru_mr_src {
	uint8_t type;			/* record type ID */
	uint8_t len;
	uint8_t data[FRU_MR_DATA_MAX];
};

struct fru_content {
	struct fru_area_src area[FRU_AREAS];
	struct fru_mr_src mr[FRU_MR_MAX];
	unsigned n_mr;
};

/*
 * Encode c as an image into w: header, then chassis, board, product and
 * multirecord areas in that order, each area padded to 8 bytes.  0,
 * -E2BIG when an area would exceed 2040 bytes (*bad_area names it), or
 * -ENOSPC when w is too small (w->err set; the image needs *need bytes),
 * or -ENOMEM (scratch space for the areas).
 */
int fru_encode(const struct fru_content *c, struct wbuf *w, size_t *need, int *bad_area);

/* Minutes since 1996-01-01 00:00 UTC for a Unix time; -1 when out of the
 * 24-bit range. */
int32_t fru_date_from_unix(int64_t t);

/* ---- parsing ------------------------------------------------------------- */

struct fru_field {
	uint8_t type;			/* enum fru_type */
	uint8_t len;
	uint16_t off;			/* of the data, in the image */
};

struct fru_area_view {
	bool present;
	uint16_t off, len;		/* bytes */
	uint8_t fixed[4];
	struct fru_field f[FRU_AREA_FIELDS_MAX];
	unsigned n;			/* fields found; only the first FRU_AREA_FIELDS_MAX kept */
};

struct fru_mr_view {
	uint8_t type;
	uint8_t len;
	uint16_t off;			/* of the data */
};

struct fru_view {
	uint16_t internal_off;		/* internal use area, 0 = none */
	struct fru_area_view area[FRU_AREAS];
	struct fru_mr_view mr[FRU_MR_MAX];
	unsigned n_mr;			/* records found; only the first FRU_MR_MAX kept */
};

/*
 * Check an image and describe it in *v.  0 when it is a valid FRU
 * information image (header, every area and multirecord well formed and
 * checksummed, everything inside len); otherwise -EBADMSG with the first
 * problem in why, e.g. "board area: checksum".  An image whose header is
 * all 00h or all FFh is blank: -ENODATA.
 */
int fru_parse(const uint8_t *img, size_t len, struct fru_view *v, char *why, size_t why_size);

/* A field as text (UTF-8; binary fields as hex), cut to fit out.  Returns
 * the length written (out is always NUL-terminated when size > 0). */
size_t fru_field_text(const uint8_t *img, const struct fru_field *f, char *out, size_t size);
