/* SPDX-License-Identifier: MIT */
/*
 * App netfn commands of the system interface (IPMI 2.0 sections 22.3-22.8
 * and 22.14): message flags, the receive message queue, Send Message, the
 * event message buffer, and the system info parameters the host sets at
 * boot (firmware version, system name, OS name).
 */
#include <errno.h>
#include <string.h>

#include "daemon/bmc.h"
#include "channels/channel.h"
#include "daemon/log.h"
#include "daemon/param.h"
#include "daemon/store.h"
#include "ipmb/ipmb.h"
#include "kcs/kcs_internal.h"

#define CC_DATA_NOT_AVAILABLE 0x80	/* Get Message / Read Event Message Buffer: empty */
#define SYSINFO_REV 0x11

/* The non-volatile parameters (all but 0, 4 and 5) in the state dir:
 * magic, version, then each one's 16 blocks in this order. */
#define SYSINFO_FILE "sysinfo"
#define SYSINFO_MAGIC "BSYI"
#define SYSINFO_FILE_VERSION 1
static const uint8_t sysinfo_saved[] = { 1, 2, 3, 6, 7 };
#define SYSINFO_FILE_LEN (4 + 1 + sizeof(sysinfo_saved) * SYSINFO_BLOCKS * 16)

static bool sysinfo_is_saved(uint8_t param)
{
	return memchr(sysinfo_saved, param, sizeof(sysinfo_saved)) != NULL;
}

static int sysinfo_save(const struct kcs *k)
{
	uint8_t buf[SYSINFO_FILE_LEN];
	struct wbuf w = wb_init(buf, sizeof(buf));

	if (k->bmc->state_fd < 0)
		return 0;	/* no state directory: kept in memory only */
	wb_bytes(&w, SYSINFO_MAGIC, 4);
	wb_u8(&w, SYSINFO_FILE_VERSION);
	for (size_t i = 0; i < sizeof(sysinfo_saved); i++)
		wb_bytes(&w, k->sysinfo[sysinfo_saved[i]], sizeof(k->sysinfo[0]));
	if (!wb_ok(&w) || w.len != sizeof(buf))
		return -EOVERFLOW;
	return store_write(k->bmc->state_fd, SYSINFO_FILE, buf, w.len);
}

int kcs_sysinfo_load(struct kcs *k)
{
	uint8_t buf[SYSINFO_FILE_LEN];
	ssize_t n;

	if (k->bmc->state_fd < 0)
		return 0;
	n = store_load(k->bmc->state_fd, SYSINFO_FILE, buf, sizeof(buf), "state");
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;		/* logged */
	if ((size_t)n != sizeof(buf) || memcmp(buf, SYSINFO_MAGIC, 4) != 0 ||
	    buf[4] != SYSINFO_FILE_VERSION) {
		log_warning("state: %s is corrupt or from another version; moved to %s.corrupt, "
			    "system info parameters empty", SYSINFO_FILE, SYSINFO_FILE);
		store_set_aside(k->bmc->state_fd, SYSINFO_FILE, "state");
		return 0;
	}
	for (size_t i = 0; i < sizeof(sysinfo_saved); i++)
		memcpy(k->sysinfo[sysinfo_saved[i]], buf + 5 + i * sizeof(k->sysinfo[0]),
		       sizeof(k->sysinfo[0]));
	return 0;
}

int kcs_cmd_clear_msg_flags(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct kcs *k = bmc->kcs;
	struct rbuf r = ipmi_reader(req);
	uint8_t f = rb_u8(&r);

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (f & KCS_FLAG_RX_MSG)
		k->rxq_count = 0;
	if (f & KCS_FLAG_EVBUF_FULL)
		k->evbuf_full = false;
	if (f & KCS_FLAG_WDT_PRETIMEOUT)
		k->wdt_pretimeout = false;
	kcs_update_atn(k);
	return CC_OK;
}

int kcs_cmd_get_msg_flags(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	wb_u8(rsp, kcs_message_flags(bmc->kcs));
	return CC_OK;
}

int kcs_cmd_get_message(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct kcs *k = bmc->kcs;
	const struct kcs_rxmsg *m;

	if (k->rxq_count == 0)
		return CC_DATA_NOT_AVAILABLE;
	m = &k->rxq[k->rxq_head];
	wb_u8(rsp, m->chan_priv);
	wb_bytes(rsp, m->data, m->len);
	if (!wb_ok(rsp))
		return CC_CANT_RETURN_BYTES;
	k->rxq_head = (k->rxq_head + 1) % KCS_RXQ_MAX;
	k->rxq_count--;
	kcs_update_atn(k);
	return CC_OK;
}

/* An IPMB request for this BMC itself (rsSA 20h), sent by the host through
 * Send Message on channel 0: answered here, and the IPMB response queued
 * for Get Message, as if it had travelled the bus. */
static int send_to_self(struct bmc *bmc, const struct ipmi_req *req, struct rbuf *r)
{
	/* The answer travels as a queued IPMB response (netFn cs1 rsSA seq
	 * cmd cc data cs2): the handler gets the room that leaves, so a
	 * response too long for it is the handler's CAh, inside that
	 * response. */
	uint8_t nl, c1, rqsa, seq, cmd, out[KCS_RXMSG_MAX - 7], q[KCS_RXMSG_MAX];
	struct rbuf body;
	struct wbuf w = wb_init(out, sizeof(out)), qw = wb_init(q, sizeof(q));
	struct ipmi_req sub = {
		.channel = 0,
		.priv = req->priv,
		.xport = NULL,
	};
	const struct ipmi_cmd *c;
	const uint8_t *start = r->p;
	uint8_t cc;

	(void)rb_u8(r);		/* rsSA: this BMC (the caller checked) */
	nl = rb_u8(r);
	c1 = rb_u8(r);
	if (!rb_ok(r) || rb_left(r) < 4)
		return CC_REQ_LEN;
	if (ipmi_checksum(start, 2) != c1 || ipmi_checksum(r->p, rb_left(r) - 1) != r->p[rb_left(r) - 1])
		return CC_INVALID_FIELD;
	rqsa = rb_u8(r);
	seq = rb_u8(r);
	cmd = rb_u8(r);
	body = rb_sub(r, rb_left(r) - 1);
	sub.netfn = nl >> 2;
	sub.lun = nl & 3;
	sub.cmd = cmd;
	sub.data = body.p;
	sub.len = body.len;
	/* Session and payload commands belong to LAN transports only: they
	 * must not run with this interface as their transport. */
	c = ipmi_lookup(sub.netfn, sub.cmd);
	cc = c && (c->flags & CMD_F_LAN_ONLY) ? CC_INVALID_CMD : ipmi_dispatch(bmc, &sub, &w);
	/* Get Message data for an IPMB response: channel/privilege, then the
	 * message without its first byte (the requester's address). */
	wb_u8(&qw, (uint8_t)((sub.netfn | 1) << 2 | (seq & 3)));
	wb_u8(&qw, ipmi_checksum((uint8_t[]){ rqsa, (uint8_t)((sub.netfn | 1) << 2 | (seq & 3)) }, 2));
	wb_u8(&qw, ipmb_own_address(bmc->ipmb));
	wb_u8(&qw, (uint8_t)((seq & 0xfc) | sub.lun));
	wb_u8(&qw, cmd);
	wb_u8(&qw, cc);
	wb_bytes(&qw, out, w.len);
	if (!wb_ok(&qw))
		return CC_CANT_RETURN_BYTES;
	wb_u8(&qw, ipmi_checksum(q + 2, qw.len - 2));
	if (!wb_ok(&qw))
		return CC_CANT_RETURN_BYTES;
	if (kcs_queue_message(bmc->kcs, 0x00 | (uint8_t)(req->priv << 4), q, qw.len) < 0)
		return CC_NODE_BUSY;
	return CC_OK;
}

int kcs_cmd_send_message(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t cb = rb_u8(&r), ch = cb & 0x0f;
	struct rbuf msg;

	if (ch == IPMI_CHANNEL_CURRENT)
		ch = req->channel;
	if (cb & 0x30)
		return CC_INVALID_FIELD;	/* bits 5:4: reserved */
	if (ch == IPMI_CHANNEL_SYSIF) {
		/* To the host's receive message queue (a remote console
		 * talking to system management software). */
		if (req->channel == IPMI_CHANNEL_SYSIF)
			return CC_INVALID_FIELD;
		msg = rb_rest(&r);
		if (msg.len == 0 || msg.len > KCS_RXMSG_MAX)
			return CC_REQ_LEN;
		if (kcs_queue_message(bmc->kcs, (uint8_t)(req->channel | req->priv << 4), msg.p,
				      msg.len) < 0)
			return CC_NODE_BUSY;
		return CC_OK;
	}
	if (ch == 0 && req->channel == IPMI_CHANNEL_SYSIF && rb_left(&r) &&
	    r.p[0] == ipmb_own_address(bmc->ipmb))
		return send_to_self(bmc, req, &r);
	if (ipmb_has_channel(bmc->ipmb, ch)) {
		msg = rb_rest(&r);
		return ipmb_send_message(bmc, req, ch, cb & 0xc0, msg.p, msg.len);
	}
	if (!channel_get(bmc->channels, ch))
		return CC_INVALID_FIELD;
	return CC_DEST_UNAVAILABLE;
}

int kcs_cmd_read_event_buffer(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct kcs *k = bmc->kcs;

	if (!k->evbuf_full)
		return CC_DATA_NOT_AVAILABLE;
	wb_bytes(rsp, k->evbuf, sizeof(k->evbuf));
	k->evbuf_full = false;
	kcs_update_atn(k);
	return CC_OK;
}

/* ---- System Info Parameters ------------------------------------------ */

/* Parameters 1-7: set selector and a 16-byte block (block 0 starts with
 * encoding and string length); a short write leaves the rest zero. */
static int set_block(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct kcs *k = ctx;
	uint8_t set = rb_u8(r), old[16], *b;
	int ret;

	if (set >= SYSINFO_BLOCKS)
		return -ERANGE;
	b = k->sysinfo[d->sel][set];
	memcpy(old, b, 16);
	memset(b, 0, 16);
	rb_copy(r, b, rb_left(r));
	/* Non-volatile ones are written first; nothing changes if that fails. */
	if (!sysinfo_is_saved(d->sel) || memcmp(old, b, 16) == 0)
		return 0;
	ret = sysinfo_save(k);
	if (ret < 0) {
		memcpy(b, old, 16);
		log_error_errno(ret, "state: cannot write %s", SYSINFO_FILE);
		return -EIO;
	}
	return 0;
}

static int get_block(void *ctx, const struct param_query *q, struct wbuf *w)
{
	const struct kcs *k = ctx;

	return param_get_entry(w, q->set, 0, SYSINFO_BLOCKS, k->sysinfo[q->def->sel], 16, 16);
}

static uint8_t *sysinfo_in_progress(void *ctx)
{
	return &((struct kcs *)ctx)->sysinfo_set_in_progress;
}

#define BLOCKS(sel) { (sel), 2, 1 + 16, 0, get_block, set_block }

static const struct param_def sysinfo_params[SYSINFO_PARAMS] = {
	PARAM_SET_IN_PROGRESS,
	BLOCKS(1), BLOCKS(2), BLOCKS(3), BLOCKS(4), BLOCKS(5), BLOCKS(6), BLOCKS(7),
};

static const struct param_family sysinfo_family = {
	PARAM_FAMILY(sysinfo_params),
	.revision = SYSINFO_REV,
	.in_progress = sysinfo_in_progress,
};

/* Set: parameter selector, then its data. */
int kcs_cmd_set_sysinfo(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t param = rb_u8(&r);
	struct rbuf data = r;
	int ret = param_set(&sysinfo_family, bmc->kcs, param, &r);

	if (ret == 0 && param != 0 && rb_u8(&data) == 0)
		log_info("kcs: system info parameter %u set by %s", param,
			 req->channel == IPMI_CHANNEL_SYSIF ? "the host" : "a remote console");
	return param_cc(ret);
}

/* Get: get-revision-only bit, parameter, set selector, block selector. */
int kcs_cmd_get_sysinfo(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t rev = rb_u8(&r);
	struct param_query q = { .sel = rb_u8(&r), .set = rb_u8(&r), .block = rb_u8(&r) };

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (rev & 0x7f)
		return CC_INVALID_FIELD;
	return param_cc(param_get(&sysinfo_family, bmc->kcs, &q, rev & 0x80, rsp));
}
