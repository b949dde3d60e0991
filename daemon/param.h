/* SPDX-License-Identifier: MIT */
/*
 * Configuration parameters, one shape for every family: LAN (IPMI 2.0
 * 23.1/23.2), SOL (26.2/26.3), PEF (30.3/30.4), system info (22.14),
 * boot options (28.12/28.13) and DCMI's.  A family is a table of
 * { selector, length of Set's data, flags, get, set }; param.c finds the
 * selector, checks the length and the read-only mark, runs the
 * parameter's own get or set, and answers Get's revision byte.
 *
 * ctx is the family's own object (struct pef, struct sol, ...), handed
 * to every get and set; PARAM_PLAIN parameters are members of it.
 *
 * Errors are -errno, turned into completion codes by param_cc():
 * -EOPNOTSUPP 80h (parameter not supported), -EBUSY 81h (set in progress
 * already), -EROFS 82h (read-only), -EBADMSG C7h, -ERANGE C9h, -EINVAL
 * CCh, anything else FFh.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/buf.h"

struct ipmi_req;
struct param_def;

enum {
	PARAM_RO = 1 << 0,		/* Set answers -EROFS (after the length check) */
	PARAM_VOLATILE = 1 << 1,	/* a Set is not followed by the family's save() */
	/* Without get/set: the data is max_len bytes at ctx + off, as is;
	 * Set refuses a first byte with a bit of .mask set (reserved). */
	PARAM_PLAIN = 1 << 2,
};

enum {					/* family flags */
	/* "Get revision only" still runs the parameter's get, so a bad set
	 * selector fails the same way with and without the bit. */
	PARAM_REV_PROBES = 1 << 0,
};

#define PARAM_ANY_LEN 0, 255		/* min_len, max_len of a parameter Set refuses anyway */
/* A parameter that is a member of the family's ctx type, as is. */
#define PARAM_PLAIN_AT(s, type, member, m)						\
	{ .sel = (s), .min_len = sizeof(((type *)0)->member), .max_len = sizeof(((type *)0)->member), \
	  .flags = PARAM_PLAIN, .off = offsetof(type, member), .mask = (m) }
/* A read-only byte. */
#define PARAM_CONST(s, len, v) { .sel = (s), .min_len = (len), .max_len = (len), .flags = PARAM_RO, .value = (v) }
/* Selector 0, the family's set-in-progress byte (param_set_in_progress()). */
#define PARAM_SET_IN_PROGRESS { .sel = 0, .min_len = 1, .max_len = 1, .flags = PARAM_VOLATILE }

/* What a Get asks for, and the request it came in (for a parameter that
 * depends on the session, such as SOL's port).  param_get() fills in def. */
struct param_query {
	uint8_t sel, set, block;
	const struct ipmi_req *req;
	const struct param_def *def;
};

typedef int (*param_get_fn)(void *ctx, const struct param_query *q, struct wbuf *w);
/* r holds exactly the parameter's data (its length is checked already). */
typedef int (*param_set_fn)(void *ctx, const struct param_def *d, struct rbuf *r);

struct param_def {
	uint8_t sel;
	uint8_t min_len, max_len;	/* Set's data after the selector */
	uint8_t flags;
	/* NULL: PARAM_PLAIN storage (a set with PARAM_PLAIN: its own
	 * checks, a plain get); else selector 0 is the family's
	 * set-in-progress byte, any other reads as the constant .value and
	 * cannot be set (give it PARAM_RO). */
	param_get_fn get;
	param_set_fn set;
	uint8_t value;
	uint8_t mask;
	uint32_t off;
};

struct param_family {
	const struct param_def *defs;
	size_t n;
	uint8_t revision;		/* Get's first byte */
	uint8_t flags;
	/* The set-in-progress byte (selector 0) in ctx, or NULL if none. */
	uint8_t *(*in_progress)(void *ctx);
	bool commit_keeps;		/* "commit write" leaves set in progress as it is */
	int (*save)(void *ctx);		/* after a Set of a non-volatile parameter; may be NULL */
};

#define PARAM_FAMILY(tbl) .defs = (tbl), .n = sizeof(tbl) / sizeof((tbl)[0])

const struct param_def *param_find(const struct param_family *f, uint8_t sel);

/* Set: find sel (-EOPNOTSUPP), check the data length (-EBADMSG), the
 * read-only mark (-EROFS), set, then save unless volatile. */
int param_set(const struct param_family *f, void *ctx, uint8_t sel, struct rbuf *r);

/* Get: find the selector, write the revision, then (unless rev_only) the
 * parameter's data. */
int param_get(const struct param_family *f, void *ctx, const struct param_query *q, bool rev_only,
	      struct wbuf *w);

/* Only the data of parameter q->def (for a family whose Get answers
 * more than the revision before it). */
int param_get_data(const struct param_family *f, void *ctx, const struct param_query *q,
		   struct wbuf *w);

/* Selector 0, set in progress: bits 7:2 and 11b reserved (-EINVAL); "set
 * in progress" while it is already (-EBUSY); "commit write" ends it. */
int param_set_in_progress(uint8_t *state, uint8_t v, bool commit_keeps);

/* The common shape of a table parameter's Get: the set selector, then
 * len bytes of entry set (entries numbered from first, n of them, stride
 * bytes apart from base); -ERANGE when there is no such entry. */
int param_get_entry(struct wbuf *w, uint8_t set, uint8_t first, size_t n, const void *base,
		    size_t stride, size_t len);

/* A get for a uint16_t at ctx + .off, sent little-endian. */
int param_get_le16(void *ctx, const struct param_query *q, struct wbuf *w);

int param_cc(int r);
