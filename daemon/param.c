/* SPDX-License-Identifier: MIT */
/* Configuration parameters: see param.h. */
#include <errno.h>
#include <string.h>

#include "daemon/ipmi.h"
#include "daemon/param.h"

enum {				/* the completion codes every family's table shares */
	CC_PARAM_UNSUPPORTED = 0x80,
	CC_PARAM_SET_BUSY = 0x81,
	CC_PARAM_READ_ONLY = 0x82,
};

const struct param_def *param_find(const struct param_family *f, uint8_t sel)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->defs[i].sel == sel)
			return &f->defs[i];
	return NULL;
}

int param_set_in_progress(uint8_t *state, uint8_t v, bool commit_keeps)
{
	if ((v & 0xfc) || v == 3)
		return -EINVAL;
	if (v == 1 && *state == 1)
		return -EBUSY;
	/* Writes take effect when they happen (no rollback): a commit
	 * write has nothing left to do. */
	if (v != 2)
		*state = v;
	else if (!commit_keeps)
		*state = 0;
	return 0;
}

static int default_set(const struct param_family *f, void *ctx, const struct param_def *d,
		       struct rbuf *r)
{
	uint8_t v[255];

	if (d->flags & PARAM_PLAIN) {
		rb_copy(r, v, d->max_len);
		if (v[0] & d->mask)
			return -EINVAL;
		memcpy((uint8_t *)ctx + d->off, v, d->max_len);
		return 0;
	}
	if (d->sel != 0 || !f->in_progress)
		return -EROFS;
	return param_set_in_progress(f->in_progress(ctx), rb_u8(r), f->commit_keeps);
}

int param_set(const struct param_family *f, void *ctx, uint8_t sel, struct rbuf *r)
{
	const struct param_def *d = param_find(f, sel);
	size_t n = rb_left(r);
	uint8_t old[255];
	int ret;

	if (!d)
		return -EOPNOTSUPP;
	if (!rb_ok(r) || n < d->min_len || n > d->max_len)
		return -EBADMSG;
	if (d->flags & PARAM_RO)
		return -EROFS;
	if (d->flags & PARAM_PLAIN)
		memcpy(old, (const uint8_t *)ctx + d->off, d->max_len);
	ret = d->set ? d->set(ctx, d, r) : default_set(f, ctx, d, r);
	if (ret < 0)
		return ret;
	if (!rb_done(r))
		return -EBADMSG;
	if ((d->flags & PARAM_VOLATILE) || !f->save)
		return 0;
	ret = f->save(ctx);
	if (ret == 0)
		return 0;
	/* Not stored: a plain parameter reads back what is stored. */
	if (d->flags & PARAM_PLAIN)
		memcpy((uint8_t *)ctx + d->off, old, d->max_len);
	return ret == -ENOSPC ? -ENOSPC : -EIO;
}

int param_get_data(const struct param_family *f, void *ctx, const struct param_query *q,
		   struct wbuf *w)
{
	const struct param_def *d = q->def;

	if (d->get)
		return d->get(ctx, q, w);
	if (d->flags & PARAM_PLAIN)
		wb_bytes(w, (const uint8_t *)ctx + d->off, d->max_len);
	else
		wb_u8(w, d->sel == 0 && f->in_progress ? *f->in_progress(ctx) : d->value);
	return 0;
}

int param_get(const struct param_family *f, void *ctx, const struct param_query *query,
	      bool rev_only, struct wbuf *w)
{
	struct param_query q = *query;
	uint8_t tmp[IPMI_MAX_RSP];
	struct wbuf probe = wb_init(tmp, sizeof(tmp));
	int r;

	q.def = param_find(f, q.sel);
	if (!q.def)
		return -EOPNOTSUPP;
	if (rev_only && (f->flags & PARAM_REV_PROBES)) {
		r = param_get_data(f, ctx, &q, &probe);
		if (r < 0)
			return r;
	}
	wb_u8(w, f->revision);
	if (rev_only)
		return 0;
	return param_get_data(f, ctx, &q, w);
}

int param_get_entry(struct wbuf *w, uint8_t set, uint8_t first, size_t n, const void *base,
		    size_t stride, size_t len)
{
	if (set < first || (size_t)(set - first) >= n)
		return -ERANGE;
	wb_u8(w, set);
	wb_bytes(w, (const uint8_t *)base + (set - first) * stride, len);
	return 0;
}

int param_get_le16(void *ctx, const struct param_query *q, struct wbuf *w)
{
	uint16_t v;

	memcpy(&v, (const uint8_t *)ctx + q->def->off, sizeof(v));
	wb_le16(w, v);
	return 0;
}

int param_cc(int r)
{
	switch (r) {
	case 0: return CC_OK;
	case -EOPNOTSUPP: return CC_PARAM_UNSUPPORTED;
	case -EBUSY: return CC_PARAM_SET_BUSY;
	case -ENOSPC: return CC_OUT_OF_SPACE;
	case -EROFS: return CC_PARAM_READ_ONLY;
	case -EBADMSG: return CC_REQ_LEN;
	case -ERANGE: return CC_PARAM_OUT_OF_RANGE;
	case -EINVAL: return CC_INVALID_FIELD;
	default: return CC_UNSPECIFIED;
	}
}
