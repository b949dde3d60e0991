/* SPDX-License-Identifier: MIT */
/* The IPMI FRU information format: see fru_format.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fru/fru_format.h"

#define TL(type, len) ((uint8_t)((type) << 6 | (len)))
#define MR_AREA_MAX (FRU_MR_MAX * (FRU_MR_HEADER_LEN + FRU_MR_DATA_MAX))

const uint8_t fru_area_fixed_len[FRU_AREAS] = { 1, 4, 1 };
const uint8_t fru_area_std_fields[FRU_AREAS] = { 2, 5, 7 };
const char *const fru_area_name[FRU_AREAS] = { "chassis", "board", "product" };

uint8_t fru_checksum(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	while (n--)
		sum += *p++;
	return (uint8_t)-sum;
}

/* ---- text ---------------------------------------------------------------- */

/* The next code point of UTF-8 text, or -1 for a bad sequence.  Only what
 * Latin-1 can hold matters, so anything longer than 2 bytes is just
 * "too large" (but must still be well formed to be skipped safely: json-c
 * has validated it already). */
static long utf8_next(const unsigned char **s, const unsigned char *end)
{
	const unsigned char *p = *s;
	long cp;
	int extra;

	if (p[0] < 0x80) {
		*s = p + 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0) {
		cp = p[0] & 0x1f;
		extra = 1;
	} else if ((p[0] & 0xf0) == 0xe0) {
		cp = p[0] & 0x0f;
		extra = 2;
	} else if ((p[0] & 0xf8) == 0xf0) {
		cp = p[0] & 0x07;
		extra = 3;
	} else {
		return -1;
	}
	if (end - p <= extra)
		return -1;
	for (int i = 1; i <= extra; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	*s = p + 1 + extra;
	return cp;
}

int fru_text_set(struct fru_text *t, const char *utf8, size_t len)
{
	const unsigned char *s = (const unsigned char *)utf8, *end = s + len;
	uint8_t tmp[FRU_FIELD_MAX];
	size_t n = 0;

	while (s < end) {
		long cp = utf8_next(&s, end);

		/* Control characters have no place in an inventory string. */
		if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp > 0xff)
			return -EILSEQ;
		if (n == sizeof(tmp))
			return -E2BIG;
		tmp[n++] = (uint8_t)cp;
	}
	memset(t, 0, sizeof(*t));
	if (n == 1) {
		/* 8-bit text needs two bytes or more (C1h, text of length 1,
		 * is the end-of-fields marker): packed 6-bit ASCII holds
		 * 20h-5Fh, one character in one byte. */
		if (tmp[0] > 0x5f)
			return -EDOM;
		t->type = FRU_TYPE_ASCII6;
		t->len = 1;
		t->b[0] = (uint8_t)(tmp[0] - 0x20);
		return 0;
	}
	t->type = FRU_TYPE_TEXT;
	t->len = (uint8_t)n;
	memcpy(t->b, tmp, n);
	return 0;
}

int32_t fru_date_from_unix(int64_t t)
{
	int64_t m;

	if (t < FRU_DATE_EPOCH)
		return -1;
	m = (t - FRU_DATE_EPOCH) / 60;
	return m > 0xffffff ? -1 : (int32_t)m;
}

/* ---- encoding ------------------------------------------------------------ */

/* One chassis/board/product area into out (FRU_AREA_MAX bytes). */
static int encode_area(const struct fru_area_src *a, enum fru_area_kind kind, uint8_t *out,
		       size_t *len)
{
	struct wbuf w = wb_init(out, FRU_AREA_MAX);
	uint8_t *hdr;
	size_t pad;

	hdr = wb_reserve(&w, 2);
	wb_bytes(&w, a->fixed, fru_area_fixed_len[kind]);
	for (unsigned i = 0; i < a->n; i++) {
		wb_u8(&w, TL(a->f[i].type, a->f[i].len));
		wb_bytes(&w, a->f[i].b, a->f[i].len);
	}
	/* An area always lists its standard fields, empty if not given. */
	for (unsigned i = a->n; i < fru_area_std_fields[kind]; i++)
		wb_u8(&w, TL(FRU_TYPE_TEXT, 0));
	wb_u8(&w, FRU_END_OF_FIELDS);
	/* Room for the checksum, then up to the next multiple of 8. */
	pad = (8 - (w.len + 1) % 8) % 8;
	wb_zero(&w, pad);
	if (!wb_ok(&w) || w.len + 1 > FRU_AREA_MAX)
		return -E2BIG;
	hdr[0] = FRU_FORMAT_VERSION;
	hdr[1] = (uint8_t)((w.len + 1) / 8);
	wb_u8(&w, fru_checksum(out, w.len));
	*len = w.len;
	return 0;
}

static size_t encode_mr(const struct fru_content *c, uint8_t *out)
{
	struct wbuf w = wb_init(out, MR_AREA_MAX);

	for (unsigned i = 0; i < c->n_mr; i++) {
		const struct fru_mr_src *m = &c->mr[i];
		uint8_t *h = wb_reserve(&w, FRU_MR_HEADER_LEN);

		if (!h)
			break;
		h[0] = m->type;
		h[1] = FRU_MR_FORMAT | (i + 1 == c->n_mr ? FRU_MR_END_OF_LIST : 0);
		h[2] = m->len;
		h[3] = fru_checksum(m->data, m->len);
		h[4] = fru_checksum(h, 4);
		wb_bytes(&w, m->data, m->len);
	}
	return w.len;
}

/* The areas are built before the header can say where they start, in
 * scratch space too large for a small stack (and, for instances that
 * coexist, not a static). */
struct encode_scratch {
	uint8_t areas[FRU_AREAS][FRU_AREA_MAX];
	uint8_t mr[MR_AREA_MAX];
};

static int encode_into(const struct fru_content *c, struct encode_scratch *x, struct wbuf *w,
		       size_t *need, int *bad_area)
{
	size_t alen[FRU_AREAS] = { 0 }, mlen = 0, total = FRU_HEADER_LEN;
	uint8_t hdr[FRU_HEADER_LEN] = { FRU_FORMAT_VERSION };

	for (int k = 0; k < FRU_AREAS; k++) {
		if (!c->area[k].present)
			continue;
		if (encode_area(&c->area[k], (enum fru_area_kind)k, x->areas[k], &alen[k]) < 0) {
			if (bad_area)
				*bad_area = k;
			return -E2BIG;
		}
		/* Offsets count 8-byte units in one byte. */
		if (total / 8 > 255)
			return -E2BIG;
		hdr[2 + k] = (uint8_t)(total / 8);
		total += alen[k];
	}
	if (c->n_mr) {
		if (total / 8 > 255)
			return -E2BIG;
		hdr[5] = (uint8_t)(total / 8);
		mlen = encode_mr(c, x->mr);
		total += mlen;
	}
	hdr[7] = fru_checksum(hdr, 7);
	if (need)
		*need = total;
	if (wb_room(w) < total) {
		w->err = true;
		return -ENOSPC;
	}
	wb_bytes(w, hdr, sizeof(hdr));
	for (int k = 0; k < FRU_AREAS; k++)
		wb_bytes(w, x->areas[k], alen[k]);
	wb_bytes(w, x->mr, mlen);
	return 0;
}

int fru_encode(const struct fru_content *c, struct wbuf *w, size_t *need, int *bad_area)
{
	struct encode_scratch *x = malloc(sizeof(*x));
	int r;

	if (!x)
		return -ENOMEM;
	r = encode_into(c, x, w, need, bad_area);
	free(x);
	return r;
}

/* ---- parsing --------------------------------------------------------------- */

static int bad(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int bad(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (why && size) {
		va_start(ap, fmt);
		vsnprintf(why, size, fmt, ap);
		va_end(ap);
	}
	return -EBADMSG;
}

static int parse_area(const uint8_t *img, size_t len, enum fru_area_kind kind, unsigned off,
		      struct fru_area_view *a, char *why, size_t why_size)
{
	const char *name = fru_area_name[kind];
	struct rbuf r = rb_init(img + off, len - off);
	struct rbuf body;
	unsigned alen;
	uint8_t ver;

	ver = rb_u8(&r);
	alen = 8u * rb_u8(&r);
	if (!rb_ok(&r))
		return bad(why, why_size, "%s area: starts past the end", name);
	if ((ver & 0x0f) != FRU_FORMAT_VERSION)
		return bad(why, why_size, "%s area: format version %u", name, ver & 0x0f);
	if (alen == 0 || alen > len - off)
		return bad(why, why_size, "%s area: length %u runs past the end", name, alen);
	if (fru_checksum(img + off, alen) != 0)
		return bad(why, why_size, "%s area: checksum", name);
	a->present = true;
	a->off = (uint16_t)off;
	a->len = (uint16_t)alen;

	/* The fields lie between the fixed bytes and the checksum byte. */
	r = rb_init(img + off + 2, alen - 3);
	rb_copy(&r, a->fixed, fru_area_fixed_len[kind]);
	body = rb_rest(&r);
	if (!rb_ok(&body))
		return bad(why, why_size, "%s area: too short", name);
	for (;;) {
		size_t at = (size_t)(body.p - img);
		uint8_t tl = rb_u8(&body);
		uint8_t n = tl & 0x3f;

		if (!rb_ok(&body))
			return bad(why, why_size, "%s area: no end-of-fields marker (C1h)", name);
		if (tl == FRU_END_OF_FIELDS)
			break;
		if (!rb_take(&body, n))
			return bad(why, why_size, "%s area: field %u runs past the area", name, a->n);
		if (a->n < FRU_AREA_FIELDS_MAX)
			a->f[a->n] = (struct fru_field){ .type = tl >> 6, .len = n,
							 .off = (uint16_t)(at + 1) };
		a->n++;
	}
	if (a->n < fru_area_std_fields[kind])
		return bad(why, why_size, "%s area: %u fields, fewer than the %u standard ones",
			   name, a->n, fru_area_std_fields[kind]);
	return 0;
}

/* The multirecord chain from off; *end is where it stops. */
static int parse_mr(const uint8_t *img, size_t len, unsigned off, struct fru_view *v,
		    size_t *end, char *why, size_t why_size)
{
	struct rbuf r = rb_init(img + off, len - off);

	for (;;) {
		const uint8_t *h = rb_take(&r, FRU_MR_HEADER_LEN);
		const uint8_t *d;
		unsigned i = v->n_mr;

		if (!h)
			return bad(why, why_size, "multirecord %u: header runs past the end", i);
		if (fru_checksum(h, FRU_MR_HEADER_LEN) != 0)
			return bad(why, why_size, "multirecord %u: header checksum", i);
		if ((h[1] & 0x0f) != FRU_MR_FORMAT)
			return bad(why, why_size, "multirecord %u: format version %u", i, h[1] & 0x0f);
		d = rb_take(&r, h[2]);
		if (!d)
			return bad(why, why_size, "multirecord %u: data runs past the end", i);
		if ((uint8_t)(fru_checksum(d, h[2]) - h[3]) != 0)
			return bad(why, why_size, "multirecord %u: data checksum", i);
		if (i < FRU_MR_MAX)
			v->mr[i] = (struct fru_mr_view){ .type = h[0], .len = h[2],
							 .off = (uint16_t)(d - img) };
		v->n_mr++;
		if (h[1] & FRU_MR_END_OF_LIST)
			break;
	}
	*end = (size_t)(r.p - img);
	return 0;
}

int fru_parse(const uint8_t *img, size_t len, struct fru_view *v, char *why, size_t why_size)
{
	struct rbuf r = rb_init(img, len);
	unsigned start[FRU_AREAS + 1], stop[FRU_AREAS + 1], n = 0;
	const uint8_t *h;
	bool zero = true, ones = true;
	int rc;

	memset(v, 0, sizeof(*v));
	if (why && why_size)
		why[0] = '\0';
	/* Offsets are 16-bit in the views; FRU devices are at most 64 KiB. */
	if (len > 0xffff)
		len = 0xffff;
	h = rb_take(&r, FRU_HEADER_LEN);
	if (!h)
		return bad(why, why_size, "shorter than the common header");
	for (int i = 0; i < FRU_HEADER_LEN; i++) {
		zero &= h[i] == 0x00;
		ones &= h[i] == 0xff;
	}
	if (zero || ones) {
		bad(why, why_size, "blank (no common header)");
		return -ENODATA;
	}
	if ((h[0] & 0x0f) != FRU_FORMAT_VERSION)
		return bad(why, why_size, "common header: format version %u", h[0] & 0x0f);
	if (fru_checksum(h, FRU_HEADER_LEN) != 0)
		return bad(why, why_size, "common header: checksum");
	if (h[1] && 8u * h[1] >= len)
		return bad(why, why_size, "internal use area: starts past the end");
	v->internal_off = (uint16_t)(8u * h[1]);

	for (int k = 0; k < FRU_AREAS; k++) {
		unsigned off = 8u * h[2 + k];

		if (!off)
			continue;
		if (off >= len)
			return bad(why, why_size, "%s area: starts past the end", fru_area_name[k]);
		rc = parse_area(img, len, (enum fru_area_kind)k, off, &v->area[k], why, why_size);
		if (rc < 0)
			return rc;
		start[n] = off;
		stop[n++] = off + v->area[k].len;
	}
	if (h[5]) {
		unsigned off = 8u * h[5];
		size_t end = off;

		if (off >= len)
			return bad(why, why_size, "multirecord area: starts past the end");
		rc = parse_mr(img, len, off, v, &end, why, why_size);
		if (rc < 0)
			return rc;
		start[n] = off;
		stop[n++] = (unsigned)end;
	}
	/* Areas must not overlap, nor sit on the header. */
	for (unsigned i = 0; i < n; i++) {
		if (start[i] < FRU_HEADER_LEN)
			return bad(why, why_size, "an area overlaps the common header");
		for (unsigned j = i + 1; j < n; j++)
			if (start[i] < stop[j] && start[j] < stop[i])
				return bad(why, why_size, "areas overlap");
	}
	if (v->internal_off) {
		for (unsigned i = 0; i < n; i++)
			if (v->internal_off >= start[i] && v->internal_off < stop[i])
				return bad(why, why_size, "internal use area: inside another area");
	}
	return 0;
}

/* ---- text out -------------------------------------------------------------- */

struct out {
	char *p;
	size_t size, len;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->size == 0)
		return;
	if (o->len + n >= o->size)
		return;		/* cut at a whole character */
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

size_t fru_field_text(const uint8_t *img, const struct fru_field *f, char *out, size_t size)
{
	static const char bcd[] = "0123456789 -.???";
	static const char hex[] = "0123456789abcdef";
	struct out o = { .p = out, .size = size, .len = 0 };
	const uint8_t *d = img + f->off;

	if (size)
		out[0] = '\0';
	switch (f->type) {
	case FRU_TYPE_TEXT:
		for (unsigned i = 0; i < f->len; i++) {
			char u[2];

			if (d[i] < 0x80) {
				put(&o, (const char *)&d[i], 1);
				continue;
			}
			u[0] = (char)(0xc0 | d[i] >> 6);
			u[1] = (char)(0x80 | (d[i] & 0x3f));
			put(&o, u, 2);
		}
		break;
	case FRU_TYPE_ASCII6:
		/* Four characters in three bytes, least significant bits first. */
		for (unsigned bit = 0; bit + 6 <= 8u * f->len; bit += 6) {
			unsigned byte = bit / 8, sh = bit % 8;
			unsigned v = d[byte] >> sh;
			char ch;

			if (sh > 2 && byte + 1 < f->len)
				v |= (unsigned)d[byte + 1] << (8 - sh);
			ch = (char)((v & 0x3f) + 0x20);
			put(&o, &ch, 1);
		}
		break;
	case FRU_TYPE_BCDPLUS:
		for (unsigned i = 0; i < f->len; i++) {
			put(&o, &bcd[d[i] >> 4], 1);
			put(&o, &bcd[d[i] & 0x0f], 1);
		}
		break;
	default:
		for (unsigned i = 0; i < f->len; i++) {
			char x[2] = { hex[d[i] >> 4], hex[d[i] & 0x0f] };

			put(&o, x, 2);
		}
		break;
	}
	return o.len;
}
