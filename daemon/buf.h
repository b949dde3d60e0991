/* SPDX-License-Identifier: MIT */
/*
 * Bounded reader and writer: the only way bmcd touches wire bytes.
 *
 * Both are "sticky": the first access that would run past the end sets
 * ->err, returns zero (reader) or writes nothing (writer), and every later
 * access is a no-op.  A parser reads all its fields, then checks once with
 * rb_done() (nothing missing, nothing left over) or rb_ok().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rbuf {
	const uint8_t *p;
	size_t len;
	bool err;
};

struct wbuf {
	uint8_t *p;
	size_t cap;
	size_t len;
	bool err;
};

static inline struct rbuf rb_init(const void *p, size_t len)
{
	return (struct rbuf){ .p = p, .len = len, .err = false };
}

static inline struct wbuf wb_init(void *p, size_t cap)
{
	return (struct wbuf){ .p = p, .cap = cap, .len = 0, .err = false };
}

static inline size_t rb_left(const struct rbuf *r) { return r->err ? 0 : r->len; }
static inline bool rb_ok(const struct rbuf *r) { return !r->err; }
/* True when every field was present and nothing is left over. */
static inline bool rb_done(const struct rbuf *r) { return !r->err && r->len == 0; }

uint8_t rb_u8(struct rbuf *r);
uint16_t rb_le16(struct rbuf *r);
uint16_t rb_be16(struct rbuf *r);
uint32_t rb_le32(struct rbuf *r);
uint32_t rb_be32(struct rbuf *r);
/* Copy n bytes into dst (zero-filled on error). */
void rb_copy(struct rbuf *r, void *dst, size_t n);
/* Skip n bytes; returns a pointer to them, or NULL on error. */
const uint8_t *rb_take(struct rbuf *r, size_t n);
/* A reader over the next n bytes; the parent advances past them. */
struct rbuf rb_sub(struct rbuf *r, size_t n);
/* Everything that is left, consuming it. */
struct rbuf rb_rest(struct rbuf *r);

static inline size_t wb_room(const struct wbuf *w) { return w->err ? 0 : w->cap - w->len; }
static inline bool wb_ok(const struct wbuf *w) { return !w->err; }

void wb_u8(struct wbuf *w, uint8_t v);
void wb_le16(struct wbuf *w, uint16_t v);
void wb_be16(struct wbuf *w, uint16_t v);
void wb_le32(struct wbuf *w, uint32_t v);
void wb_be32(struct wbuf *w, uint32_t v);
void wb_bytes(struct wbuf *w, const void *src, size_t n);
void wb_zero(struct wbuf *w, size_t n);
/* Reserve n bytes to fill in later; NULL on error. */
uint8_t *wb_reserve(struct wbuf *w, size_t n);
/* A writer over the unused tail; commit its length with wb_commit(). */
struct wbuf wb_tail(struct wbuf *w);
void wb_commit(struct wbuf *w, const struct wbuf *tail);
