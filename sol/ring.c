/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sol/ring.h"

/* The buffer comes with the first byte pushed: a BMC whose console stays
 * silent (most of a fleet's, docs/virtual.md) holds none of its rings. */
int ring_init(struct ring *r, size_t cap)
{
	*r = (struct ring){ 0 };
	if (cap == 0)
		return -EINVAL;
	r->cap = cap;
	return 0;
}

/* false: the ring was never set up, or no memory for its buffer. */
static bool ring_buffer(struct ring *r)
{
	if (!r->buf && r->cap)
		r->buf = malloc(r->cap);
	return r->buf != NULL;
}

void ring_free(struct ring *r)
{
	free(r->buf);
	*r = (struct ring){ 0 };
}

/* Copy n bytes (n <= room) in at the tail. */
static void ring_put(struct ring *r, const uint8_t *src, size_t n)
{
	size_t tail = (r->head + r->len) % r->cap;
	size_t first = r->cap - tail < n ? r->cap - tail : n;

	memcpy(r->buf + tail, src, first);
	memcpy(r->buf, src + first, n - first);
	r->len += n;
	r->total += n;
}

void ring_push_over(struct ring *r, const void *src, size_t n)
{
	const uint8_t *p = src;

	if (n == 0 || !ring_buffer(r))
		return;
	if (n > r->cap) {
		r->total += n - r->cap;
		p += n - r->cap;
		n = r->cap;
	}
	if (n > ring_room(r))
		ring_drop(r, n - ring_room(r));
	ring_put(r, p, n);
}

size_t ring_push(struct ring *r, const void *src, size_t n)
{
	if (n == 0 || !ring_buffer(r))
		return 0;
	if (n > ring_room(r))
		n = ring_room(r);
	ring_put(r, src, n);
	return n;
}

size_t ring_peek(const struct ring *r, size_t off, void *dst, size_t n)
{
	uint8_t *d = dst;
	size_t start, first;

	if (off >= r->len)
		return 0;
	if (n > r->len - off)
		n = r->len - off;
	start = (r->head + off) % r->cap;
	first = r->cap - start < n ? r->cap - start : n;
	memcpy(d, r->buf + start, first);
	memcpy(d + first, r->buf, n - first);
	return n;
}

void ring_drop(struct ring *r, size_t n)
{
	if (n > r->len)
		n = r->len;
	r->head = r->len == n ? 0 : (r->head + n) % r->cap;
	r->len -= n;
}

void ring_clear(struct ring *r)
{
	r->head = 0;
	r->len = 0;
}
