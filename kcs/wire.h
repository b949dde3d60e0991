/* SPDX-License-Identifier: MIT */
/*
 * The byte protocol QEMU's ipmi-bmc-extern device speaks to an external BMC
 * over a chardev (docs/kcs.md).  Pure code, no I/O: the socket backend
 * (kcs/extern.c), the unit test and the fuzz target all use it.
 *
 * Framing, both directions: a frame is a run of bytes ended by
 *   A0h  end of message:         seq, netfn << 2 | lun, cmd, data..., checksum
 *   A1h  end of control command: one command byte, maybe an argument
 * A0h, A1h and AAh inside a frame are sent as AAh followed by the byte with
 * bit 4 set.  The checksum makes the sum of every message byte zero.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/buf.h"

#define KCS_WIRE_MSG 0xa0
#define KCS_WIRE_CTL 0xa1
#define KCS_WIRE_ESC 0xaa

/* Control commands (the first byte of a control frame). */
enum {
	KCS_VM_NOATTN = 0x00,		/* BMC -> VM: clear SMS_ATN */
	KCS_VM_ATTN = 0x01,		/* set SMS_ATN */
	KCS_VM_ATTN_IRQ = 0x02,		/* set SMS_ATN and raise the interrupt if enabled */
	KCS_VM_POWEROFF = 0x03,		/* power the VM off */
	KCS_VM_RESET = 0x04,		/* BMC -> VM: reset it; VM -> BMC: it was reset */
	KCS_VM_ENABLE_IRQ = 0x05,
	KCS_VM_DISABLE_IRQ = 0x06,
	KCS_VM_SEND_NMI = 0x07,
	KCS_VM_CAPABILITIES = 0x08,	/* VM -> BMC, one argument: KCS_CAP_* */
	KCS_VM_GRACEFUL_SHUTDOWN = 0x09,	/* ACPI power button */
	KCS_VM_VERSION = 0xff,		/* VM -> BMC, one argument: 1 */
};

enum {
	KCS_CAP_POWER = 0x01,
	KCS_CAP_RESET = 0x02,
	KCS_CAP_IRQ = 0x04,
	KCS_CAP_NMI = 0x08,
	KCS_CAP_ATTN = 0x10,
	KCS_CAP_GRACEFUL_SHUTDOWN = 0x20,
};

/* The longest frame body (unescaped): seq, netfn, cmd, 255 data bytes,
 * checksum, with room to spare.  Longer frames are dropped whole. */
#define KCS_WIRE_MAX 272

/* Decoder state: feed it bytes as they arrive. */
struct kcs_wire_rx {
	uint8_t buf[KCS_WIRE_MAX];
	size_t len;
	bool esc;		/* the previous byte was AAh */
	bool overflow;		/* this frame grew past KCS_WIRE_MAX: drop it */
	bool done;		/* buf holds a frame returned to the caller */
};

enum kcs_wire_frame {
	KCS_FRAME_NONE,		/* need more bytes */
	KCS_FRAME_MSG,		/* rx->buf[0..len) is a message (checksum unchecked) */
	KCS_FRAME_CTL,		/* rx->buf[0..len) is a control command */
	KCS_FRAME_BAD,		/* a frame was dropped (too long, or escape at its end) */
};

void kcs_wire_rx_init(struct kcs_wire_rx *rx);
/* Consume bytes from *p (advancing *p and *n) until a frame ends; returns
 * what ended, or KCS_FRAME_NONE when all input is used.  The frame stays in
 * rx->buf until the next call. */
enum kcs_wire_frame kcs_wire_feed(struct kcs_wire_rx *rx, const uint8_t **p, size_t *n);

/* A request from the VM. */
struct kcs_wire_msg {
	uint8_t seq;
	uint8_t netfn;		/* netfn << 2 | lun byte, split */
	uint8_t lun;
	uint8_t cmd;
	const uint8_t *data;	/* points into the frame */
	size_t len;
};

/* Parse a message frame: 0, -EBADMSG (checksum) or -EINVAL (too short). */
int kcs_wire_parse_msg(const uint8_t *frame, size_t len, struct kcs_wire_msg *m);

/* Append an escaped response frame: seq, netfn << 2 | lun, cmd, cc, data,
 * checksum, A0h.  Sets w->err when it does not fit. */
void kcs_wire_put_msg(struct wbuf *w, uint8_t seq, uint8_t netfn, uint8_t lun, uint8_t cmd,
		      uint8_t cc, const uint8_t *data, size_t len);
/* Append an escaped control frame of n bytes, A1h. */
void kcs_wire_put_ctl(struct wbuf *w, const uint8_t *cmd, size_t n);
