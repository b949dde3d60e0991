/* SPDX-License-Identifier: MIT */
/*
 * A bounded byte FIFO.  Used three ways by SOL: the console history (the
 * oldest bytes are overwritten), the queue of host output waiting to go to
 * the console, and the queue of console input waiting for the UART (both
 * refuse what does not fit, so nothing acknowledged is ever lost).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct ring {
	uint8_t *buf;
	size_t cap;
	size_t head;		/* index of the oldest byte */
	size_t len;
	uint64_t total;		/* bytes ever pushed (history offsets) */
};

int ring_init(struct ring *r, size_t cap);
void ring_free(struct ring *r);
static inline size_t ring_len(const struct ring *r) { return r->len; }
static inline size_t ring_room(const struct ring *r) { return r->cap - r->len; }
/* Append everything, overwriting the oldest bytes when full. */
void ring_push_over(struct ring *r, const void *src, size_t n);
/* Append what fits; returns how many bytes were taken. */
size_t ring_push(struct ring *r, const void *src, size_t n);
/* Copy up to n bytes starting 'off' bytes after the oldest; returns the count. */
size_t ring_peek(const struct ring *r, size_t off, void *dst, size_t n);
/* Forget the n oldest bytes (at most len). */
void ring_drop(struct ring *r, size_t n);
void ring_clear(struct ring *r);
