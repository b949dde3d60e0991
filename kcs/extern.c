/* SPDX-License-Identifier: MIT */
/*
 * QEMU ipmi-bmc-extern backend: bmcd listens, QEMU connects (its chardev
 * "socket" in client mode, with reconnect), then sends VERSION and
 * CAPABILITIES and one request at a time; each gets its response at once.
 * A new connection replaces the old one (a restarted VM).  Output that
 * cannot be written at once waits in a bounded buffer; a peer that lets it
 * fill is dropped.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/bmc.h"
#include "daemon/log.h"
#include "kcs/kcs_internal.h"
#include "kcs/stream.h"
#include "kcs/wire.h"

#define OUT_MAX 4096

struct kext {
	struct kcs *kcs;
	sd_event *ev;
	char spec[108];
	int lfd, fd;
	sd_event_source *listen_src, *conn_src;
	struct kcs_wire_rx rx;
	uint8_t out[OUT_MAX];
	size_t out_len;
	uint8_t caps;			/* KCS_CAP_* the VM announced */
	uint64_t bad_frames;
};

static void kext_drop(struct kext *x, const char *why)
{
	if (x->fd < 0)
		return;
	log_info("kcs: VM disconnected (%s)", why);
	x->conn_src = sd_event_source_disable_unref(x->conn_src);
	close(x->fd);
	x->fd = -EBADF;
	x->out_len = 0;
	x->caps = 0;
	x->kcs->atn = false;
}

/* After a send or recv failed: true to try again (EINTR); otherwise the
 * connection is dropped, unless the call would only have blocked. */
static bool kext_io_failed(struct kext *x)
{
	if (errno == EINTR)
		return true;
	if (errno != EAGAIN)
		kext_drop(x, strerror(errno));
	return false;
}

static void kext_flush(struct kext *x)
{
	if (x->fd < 0) {		/* detached (fuzzing): output goes nowhere */
		x->out_len = 0;
		return;
	}
	while (x->out_len) {
		ssize_t n = send(x->fd, x->out, x->out_len, MSG_NOSIGNAL);

		if (n < 0) {
			if (kext_io_failed(x))
				continue;
			break;
		}
		memmove(x->out, x->out + n, x->out_len - (size_t)n);
		x->out_len -= (size_t)n;
	}
	if (x->conn_src)
		sd_event_source_set_io_events(x->conn_src, EPOLLIN | (x->out_len ? EPOLLOUT : 0));
}

/* Queue an encoded frame; false (and the peer dropped) when it cannot. */
static bool kext_out(struct kext *x, const struct wbuf *w)
{
	if (!wb_ok(w) || w->len > sizeof(x->out) - x->out_len) {
		kext_drop(x, "output backlog full");
		return false;
	}
	memcpy(x->out + x->out_len, w->p, w->len);
	x->out_len += w->len;
	kext_flush(x);
	return true;
}

static int kext_send_ctl(struct kext *x, uint8_t cmd)
{
	uint8_t buf[4];
	struct wbuf w = wb_init(buf, sizeof(buf));

	if (x->fd < 0)
		return -ENOTCONN;
	kcs_wire_put_ctl(&w, &cmd, 1);
	return kext_out(x, &w) ? 0 : -ENOTCONN;
}

static void kext_message(struct kext *x, const uint8_t *frame, size_t len)
{
	struct kcs_wire_msg m;
	uint8_t req[2 + IPMI_MAX_REQ], rspb[3 + IPMI_MAX_RSP], enc[2 * (sizeof(rspb) + 2) + 1];
	struct wbuf rsp = wb_init(rspb, sizeof(rspb)), w = wb_init(enc, sizeof(enc));
	int r = kcs_wire_parse_msg(frame, len, &m);

	if (r < 0 || m.len > IPMI_MAX_REQ) {
		x->bad_frames++;
		log_debug("kcs: dropped a bad message from the VM (%d)", r);
		return;
	}
	req[0] = (uint8_t)(m.netfn << 2 | m.lun);
	req[1] = m.cmd;
	memcpy(req + 2, m.data, m.len);
	if (kcs_handle(x->kcs, req, 2 + m.len, &rsp) < 0 || !wb_ok(&rsp) || rsp.len < 3)
		return;
	kcs_wire_put_msg(&w, m.seq, rspb[0] >> 2, rspb[0] & 3, rspb[1], rspb[2], rspb + 3,
			 rsp.len - 3);
	kext_out(x, &w);
}

static void kext_control(struct kext *x, const uint8_t *frame, size_t len)
{
	switch (frame[0]) {
	case KCS_VM_VERSION:
		log_info("kcs: VM speaks extern protocol version %u", len > 1 ? frame[1] : 0);
		break;
	case KCS_VM_CAPABILITIES:
		x->caps = len > 1 ? frame[1] : 0;
		log_info("kcs: VM capabilities %02xh", x->caps);
		/* Tell a new connection where SMS_ATN stands. */
		x->kcs->atn = false;
		kcs_update_atn(x->kcs);
		break;
	case KCS_VM_RESET:
		log_info("kcs: the VM was reset");
		kcs_host_reset(x->kcs);
		break;
	default:
		log_debug("kcs: VM control command %02xh ignored", frame[0]);
	}
}

void kcs_extern_input(struct kext *x, const uint8_t *p, size_t n)
{
	for (;;) {
		enum kcs_wire_frame f = kcs_wire_feed(&x->rx, &p, &n);

		if (f == KCS_FRAME_NONE)
			return;
		if (f == KCS_FRAME_BAD) {
			x->bad_frames++;
			continue;
		}
		if (f == KCS_FRAME_MSG)
			kext_message(x, x->rx.buf, x->rx.len);
		else if (x->rx.len)
			kext_control(x, x->rx.buf, x->rx.len);
	}
}

static int kext_on_conn(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct kext *x = userdata;
	uint8_t buf[1024];

	if (revents & EPOLLOUT)
		kext_flush(x);
	if (x->fd < 0 || !(revents & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return 0;
	for (int i = 0; i < 16 && x->fd >= 0; i++) {
		ssize_t n = recv(x->fd, buf, sizeof(buf), 0);

		if (n == 0) {
			kext_drop(x, "end of stream");
			break;
		}
		if (n < 0) {
			if (kext_io_failed(x))
				continue;
			break;
		}
		kcs_extern_input(x, buf, (size_t)n);
	}
	return 0;
}

static int kext_on_listen(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct kext *x = userdata;
	int c = stream_accept(x->lfd);

	if (c < 0) {
		if (c != -EAGAIN)
			log_warning_errno(c, "kcs: accept on %s", x->spec);
		return 0;
	}
	kext_drop(x, "a new connection replaces it");
	x->fd = c;
	kcs_wire_rx_init(&x->rx);
	if (sd_event_add_io(x->ev, &x->conn_src, c, EPOLLIN, kext_on_conn, x) < 0) {
		close(c);
		x->fd = -EBADF;
		return 0;
	}
	log_info("kcs: VM connected on %s", x->spec);
	return 0;
}

struct kext *kcs_extern_detached(struct kcs *k)
{
	struct kext *x = calloc(1, sizeof(*x));

	if (!x)
		return NULL;
	x->kcs = k;
	x->fd = x->lfd = -EBADF;
	kcs_wire_rx_init(&x->rx);
	return x;
}

void kcs_extern_reset_input(struct kext *x)
{
	kcs_wire_rx_init(&x->rx);
}

void *kcs_extern_new(struct kcs *k, sd_event *ev, const char *listen)
{
	struct kext *x = calloc(1, sizeof(*x));
	int r;

	if (!x)
		return NULL;
	x->kcs = k;
	x->ev = ev;
	x->fd = -EBADF;
	snprintf(x->spec, sizeof(x->spec), "%s", listen);
	kcs_wire_rx_init(&x->rx);
	x->lfd = stream_listen(listen);
	if (x->lfd < 0) {
		log_error_errno(x->lfd, "kcs: cannot listen on %s", listen);
		free(x);
		return NULL;
	}
	r = sd_event_add_io(ev, &x->listen_src, x->lfd, EPOLLIN, kext_on_listen, x);
	if (r < 0) {
		log_error_errno(r, "kcs: event source");
		close(x->lfd);
		free(x);
		return NULL;
	}
	log_info("kcs: QEMU ipmi-bmc-extern backend listening on %s", listen);
	return x;
}

static int kext_set_atn(void *be, bool on, bool irq)
{
	struct kext *x = be;

	if (x->fd < 0)
		return -ENOTCONN;
	return kext_send_ctl(x, on ? (irq ? KCS_VM_ATTN_IRQ : KCS_VM_ATTN) : KCS_VM_NOATTN);
}

static int kext_control_cmd(void *be, uint8_t cmd)
{
	return kext_send_ctl(be, cmd);
}

static bool kext_connected(const void *be)
{
	const struct kext *x = be;

	return x->fd >= 0;
}

static void kext_free(void *be)
{
	struct kext *x = be;

	if (!x)
		return;
	kext_drop(x, "shutting down");
	x->listen_src = sd_event_source_disable_unref(x->listen_src);
	if (x->lfd >= 0)
		close(x->lfd);
	stream_unlink(x->spec);
	free(x);
}

const struct kcs_backend kcs_extern_ops = {
	.name = "qemu-extern",
	.set_atn = kext_set_atn,
	.control = kext_control_cmd,
	.connected = kext_connected,
	.free = kext_free,
};
