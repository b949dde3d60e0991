/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "buf.h"

const uint8_t *rb_take(struct rbuf *r, size_t n)
{
	const uint8_t *p;

	if (r->err || n > r->len) {
		r->err = true;
		r->len = 0;
		return NULL;
	}
	p = r->p;
	r->p += n;
	r->len -= n;
	return p;
}

uint8_t rb_u8(struct rbuf *r)
{
	const uint8_t *p = rb_take(r, 1);
	return p ? p[0] : 0;
}

uint16_t rb_le16(struct rbuf *r)
{
	const uint8_t *p = rb_take(r, 2);
	return p ? (uint16_t)(p[0] | p[1] << 8) : 0;
}

uint16_t rb_be16(struct rbuf *r)
{
	const uint8_t *p = rb_take(r, 2);
	return p ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

uint32_t rb_le32(struct rbuf *r)
{
	const uint8_t *p = rb_take(r, 4);
	return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24 : 0;
}

uint32_t rb_be32(struct rbuf *r)
{
	const uint8_t *p = rb_take(r, 4);
	return p ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3] : 0;
}

void rb_copy(struct rbuf *r, void *dst, size_t n)
{
	const uint8_t *p = rb_take(r, n);

	if (p)
		memcpy(dst, p, n);
	else if (n)
		memset(dst, 0, n);
}

struct rbuf rb_sub(struct rbuf *r, size_t n)
{
	const uint8_t *p = rb_take(r, n);

	if (!p)
		return (struct rbuf){ .p = NULL, .len = 0, .err = true };
	return rb_init(p, n);
}

struct rbuf rb_rest(struct rbuf *r)
{
	return rb_sub(r, rb_left(r));
}

uint8_t *wb_reserve(struct wbuf *w, size_t n)
{
	uint8_t *p;

	if (w->err || n > w->cap - w->len) {
		w->err = true;
		return NULL;
	}
	p = w->p + w->len;
	w->len += n;
	return p;
}

void wb_u8(struct wbuf *w, uint8_t v)
{
	uint8_t *p = wb_reserve(w, 1);
	if (p)
		p[0] = v;
}

void wb_le16(struct wbuf *w, uint16_t v)
{
	uint8_t *p = wb_reserve(w, 2);
	if (p) {
		p[0] = v & 0xff;
		p[1] = v >> 8;
	}
}

void wb_be16(struct wbuf *w, uint16_t v)
{
	uint8_t *p = wb_reserve(w, 2);
	if (p) {
		p[0] = v >> 8;
		p[1] = v & 0xff;
	}
}

void wb_le32(struct wbuf *w, uint32_t v)
{
	uint8_t *p = wb_reserve(w, 4);
	if (p)
		for (int i = 0; i < 4; i++)
			p[i] = (v >> (8 * i)) & 0xff;
}

void wb_be32(struct wbuf *w, uint32_t v)
{
	uint8_t *p = wb_reserve(w, 4);
	if (p)
		for (int i = 0; i < 4; i++)
			p[i] = (v >> (24 - 8 * i)) & 0xff;
}

void wb_bytes(struct wbuf *w, const void *src, size_t n)
{
	uint8_t *p = wb_reserve(w, n);
	if (p && n)
		memcpy(p, src, n);
}

void wb_zero(struct wbuf *w, size_t n)
{
	uint8_t *p = wb_reserve(w, n);
	if (p && n)
		memset(p, 0, n);
}

struct wbuf wb_tail(struct wbuf *w)
{
	if (w->err)
		return (struct wbuf){ .p = NULL, .cap = 0, .len = 0, .err = true };
	return wb_init(w->p + w->len, w->cap - w->len);
}

void wb_commit(struct wbuf *w, const struct wbuf *tail)
{
	if (tail->err) {
		w->err = true;
		return;
	}
	(void)wb_reserve(w, tail->len);
}
