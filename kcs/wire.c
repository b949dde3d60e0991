/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "kcs/wire.h"

void kcs_wire_rx_init(struct kcs_wire_rx *rx)
{
	*rx = (struct kcs_wire_rx){ 0 };
}

static enum kcs_wire_frame frame_end(struct kcs_wire_rx *rx, enum kcs_wire_frame kind)
{
	bool bad = rx->overflow || rx->esc;

	rx->esc = false;
	rx->overflow = false;
	rx->done = true;
	if (bad) {
		rx->len = 0;
		return KCS_FRAME_BAD;
	}
	return kind;
}

enum kcs_wire_frame kcs_wire_feed(struct kcs_wire_rx *rx, const uint8_t **p, size_t *n)
{
	/* The frame returned by the previous call is consumed now. */
	if (rx->done) {
		rx->len = 0;
		rx->done = false;
	}
	while (*n) {
		uint8_t c = **p;

		(*p)++;
		(*n)--;
		switch (c) {
		case KCS_WIRE_MSG:
			return frame_end(rx, KCS_FRAME_MSG);
		case KCS_WIRE_CTL:
			return frame_end(rx, KCS_FRAME_CTL);
		case KCS_WIRE_ESC:
			if (rx->esc)	/* AAh AAh: the first escape is bad */
				rx->overflow = true;
			rx->esc = true;
			continue;
		default:
			if (rx->esc) {
				c &= (uint8_t)~0x10;
				rx->esc = false;
			}
			if (rx->len >= KCS_WIRE_MAX) {
				rx->overflow = true;
				continue;
			}
			rx->buf[rx->len++] = c;
		}
	}
	return KCS_FRAME_NONE;
}

int kcs_wire_parse_msg(const uint8_t *frame, size_t len, struct kcs_wire_msg *m)
{
	struct rbuf r = rb_init(frame, len);
	uint8_t sum = 0, nl;

	if (len < 4)		/* seq, netfn/lun, cmd, checksum */
		return -EINVAL;
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + frame[i]);
	if (sum != 0)
		return -EBADMSG;
	m->seq = rb_u8(&r);
	nl = rb_u8(&r);
	m->netfn = nl >> 2;
	m->lun = nl & 3;
	m->cmd = rb_u8(&r);
	m->len = len - 4;
	m->data = rb_take(&r, m->len);
	rb_u8(&r);		/* the checksum, verified above */
	return rb_done(&r) ? 0 : -EINVAL;
}

static void put_escaped(struct wbuf *w, uint8_t c)
{
	if (c == KCS_WIRE_MSG || c == KCS_WIRE_CTL || c == KCS_WIRE_ESC) {
		wb_u8(w, KCS_WIRE_ESC);
		c |= 0x10;
	}
	wb_u8(w, c);
}

void kcs_wire_put_msg(struct wbuf *w, uint8_t seq, uint8_t netfn, uint8_t lun, uint8_t cmd,
		      uint8_t cc, const uint8_t *data, size_t len)
{
	uint8_t head[4] = { seq, (uint8_t)(netfn << 2 | (lun & 3)), cmd, cc };
	uint8_t sum = 0;

	for (size_t i = 0; i < sizeof(head); i++) {
		sum = (uint8_t)(sum + head[i]);
		put_escaped(w, head[i]);
	}
	for (size_t i = 0; i < len; i++) {
		sum = (uint8_t)(sum + data[i]);
		put_escaped(w, data[i]);
	}
	put_escaped(w, (uint8_t)-sum);
	wb_u8(w, KCS_WIRE_MSG);
}

void kcs_wire_put_ctl(struct wbuf *w, const uint8_t *cmd, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put_escaped(w, cmd[i]);
	wb_u8(w, KCS_WIRE_CTL);
}
