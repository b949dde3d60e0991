/* SPDX-License-Identifier: MIT */
/*
 * Send Message to the BMC's IPMB channels, with response tracking (IPMI 2.0
 * sections 6.12.1-6.12.4, 22.7).  A request from a LAN session goes out
 * with the BMC as requester (its slave address, a sequence number of its
 * own); the controller's answer is matched against the pending table and
 * sent back to the session with the requester's address and sequence
 * restored.  When the bridged request is itself a Send Message (dual
 * bridging: ipmitool -B/-T -b/-t), the transit controller's Send Message
 * response is forwarded, and then the far controller's answer.
 *
 * Backends per channel: the sim board's satellites (ipmb/sim_mc.c), or the
 * kernel's IPMB device interface (/dev/ipmb-N, ipmb_dev_int): one write()
 * is one message [length, rsSA, netFn, ...], one read() one received
 * message in the same layout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "channels/session.h"
#include "daemon/bmc.h"
#include "daemon/buf.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "ipmb/ipmb_internal.h"
#include "kcs/kcs.h"
#include "lan/lan.h"
#include "sdr/sdr.h"

#define PAYLOAD_TYPE_IPMI 0x00

struct pending {
	bool used;
	uint8_t channel;		/* the IPMB channel the request went out on */
	uint8_t rs_sa, netfn, cmd, seq;	/* what its answer carries */
	bool dual;			/* a Send Message: the far answer follows */
	bool far_stage;			/* the transit's answer is in: wait for the far one */
	uint8_t far_sa, far_netfn, far_cmd, far_seq;
	/* where answers go: a LAN session, or the receive message queue */
	bool to_lan;
	uint32_t session_id;
	uint8_t priv;
	uint8_t rq_sa, rq_seq, rq_lun;	/* the requester's own header fields */
	uint64_t deadline;
};

struct chan {
	struct ipmb *m;
	uint8_t number;
	int fd;				/* /dev/ipmb-N, or -1: simulated */
	sd_event_source *io;
};

struct ipmb {
	struct bmc *bmc;
	uint8_t own;			/* the BMC's slave address */
	struct chan ch[IPMB_CHANNELS_MAX];
	unsigned n_ch;
	struct sat *sats;
	unsigned n_sats;
	struct pending p[IPMB_PENDING_MAX];
	uint8_t next_seq;
	sd_event_source *timer;
	struct sim_frame q[SIM_QUEUE_MAX];	/* simulated buses' answers in flight */
	unsigned q_head, q_count;
	sd_event_source *defer;
};

struct bmc *ipmb_bmc(struct ipmb *m)
{
	return m->bmc;
}

struct sat *ipmb_sats(struct ipmb *m, unsigned *n)
{
	*n = m->n_sats;
	return m->sats;
}

bool ipmb_has_channel(const struct ipmb *m, uint8_t n)
{
	for (unsigned i = 0; m && i < m->n_ch; i++)
		if (m->ch[i].number == n)
			return true;
	return false;
}

uint8_t ipmb_own_address(const struct ipmb *m)
{
	return m ? m->own : 0x20;
}

static struct chan *find_chan(struct ipmb *m, uint8_t n)
{
	for (unsigned i = 0; i < m->n_ch; i++)
		if (m->ch[i].number == n)
			return &m->ch[i];
	return NULL;
}

void ipmb_response_frame(struct wbuf *w, const uint8_t *req, uint8_t own_addr, uint8_t cc,
			 const uint8_t *data, size_t len)
{
	size_t start = w->len;
	uint8_t *h = wb_reserve(w, 6);

	if (!h)
		return;
	h[0] = req[F_SRC];
	h[1] = (uint8_t)(((req[F_NETFN] >> 2) | 1) << 2 | (req[F_SEQ] & 3));
	h[2] = ipmi_checksum(h, 2);
	h[3] = own_addr;
	h[4] = (uint8_t)((req[F_SEQ] & 0xfc) | (req[F_NETFN] & 3));
	h[5] = req[F_CMD];
	wb_u8(w, cc);
	wb_bytes(w, data, len);
	if (wb_ok(w))
		wb_u8(w, ipmi_checksum(w->p + start + F_SRC, w->len - start - F_SRC));
}

/* --- answers back to the requester --------------------------------------- */

static void arm_timer(struct ipmb *m)
{
	uint64_t first = UINT64_MAX;

	for (unsigned i = 0; i < IPMB_PENDING_MAX; i++)
		if (m->p[i].used && m->p[i].deadline < first)
			first = m->p[i].deadline;
	if (first == UINT64_MAX) {
		sd_event_source_set_enabled(m->timer, SD_EVENT_OFF);
		return;
	}
	sd_event_source_set_time(m->timer, first);
	sd_event_source_set_enabled(m->timer, SD_EVENT_ONESHOT);
}

/* An answer frame (rqSA netFn cs1 rsSA seq cmd cc data cs2), re-addressed to
 * the original requester and sent to it. */
static void deliver(struct ipmb *m, const struct pending *p, uint8_t channel, const uint8_t *f,
		    size_t len)
{
	uint8_t out[IPMB_FRAME_MAX];
	struct wbuf w = wb_init(out, sizeof(out));
	struct bmc *bmc = m->bmc;

	wb_u8(&w, p->rq_sa);
	wb_u8(&w, (uint8_t)((f[F_NETFN] & 0xfc) | p->rq_lun));
	wb_u8(&w, ipmi_checksum(out, 2));
	wb_u8(&w, f[F_SRC]);
	wb_u8(&w, (uint8_t)(p->rq_seq << 2 | (f[F_SEQ] & 3)));
	wb_bytes(&w, f + F_CMD, len - F_CMD - 1);
	if (!wb_ok(&w))
		return;
	wb_u8(&w, ipmi_checksum(out + F_SRC, w.len - F_SRC));
	if (!wb_ok(&w))
		return;
	if (p->to_lan) {
		struct session *s = session_by_id(bmc->sessions, p->session_id);
		int r = s ? lan_session_send(s, PAYLOAD_TYPE_IPMI, out, w.len) : -ENOTCONN;

		if (r < 0)
			log_debug("ipmb: answer for session %08x dropped: %s", p->session_id, strerror(-r));
		return;
	}
	/* Get Message data: channel and privilege, then the message without
	 * its first byte (the requester's address, which is the BMC's). */
	if (!bmc->kcs || kcs_queue_message(bmc->kcs, (uint8_t)(channel | p->priv << 4), out + 1,
					   w.len - 1) < 0)
		log_warning("ipmb: answer from %02xh on channel %u dropped (receive queue full)",
			    f[F_SRC], channel);
}

static bool matches(const uint8_t *f, uint8_t sa, uint8_t netfn, uint8_t cmd, uint8_t seq)
{
	return f[F_SRC] == sa && f[F_NETFN] >> 2 == (netfn | 1) && f[F_CMD] == cmd &&
	       f[F_SEQ] >> 2 == seq;
}

/* A message received on an IPMB channel. */
void ipmb_receive(struct ipmb *m, uint8_t channel, const uint8_t *f, size_t len)
{
	if (len < IPMB_REQ_MIN + 1 || ipmi_checksum(f, 2) != f[F_CS1] ||
	    ipmi_checksum(f + F_SRC, len - F_SRC - 1) != f[len - 1]) {
		log_debug("ipmb: channel %u: corrupt message (%zu bytes) dropped", channel, len);
		return;
	}
	if (!(f[F_NETFN] & 0x04)) {
		log_debug("ipmb: channel %u: request %02x:%02x from %02xh not served", channel,
			  f[F_NETFN] >> 2, f[F_CMD], f[F_SRC]);
		return;
	}
	for (unsigned i = 0; i < IPMB_PENDING_MAX; i++) {
		struct pending *p = &m->p[i];

		if (!p->used || p->channel != channel)
			continue;
		if (!p->far_stage && matches(f, p->rs_sa, p->netfn, p->cmd, p->seq)) {
			deliver(m, p, channel, f, len);
			if (p->dual && f[F_DATA] == CC_OK)
				p->far_stage = true;
			else
				p->used = false;
			arm_timer(m);
			return;
		}
		if (p->far_stage && matches(f, p->far_sa, p->far_netfn, p->far_cmd, p->far_seq)) {
			deliver(m, p, channel, f, len);
			p->used = false;
			arm_timer(m);
			return;
		}
	}
	log_debug("ipmb: channel %u: answer from %02xh matches no request (late?)", channel, f[F_SRC]);
}

static int on_timeout(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct ipmb *m = userdata;
	uint64_t now = bmc_now(m->bmc);

	for (unsigned i = 0; i < IPMB_PENDING_MAX; i++) {
		struct pending *p = &m->p[i];
		uint8_t f[IPMB_REQ_MIN + 1];

		if (!p->used || p->deadline > now)
			continue;
		p->used = false;
		log_info("ipmb: no answer from %02xh on channel %u within %u ms",
			 p->far_stage ? p->far_sa : p->rs_sa, p->channel, m->bmc->cfg.ipmb.timeout_ms);
		if (!p->to_lan)
			continue;	/* the host's driver keeps its own deadline */
		/* The answer the console waits for, with C3h: timeout. */
		f[F_DEST] = m->own;
		f[F_NETFN] = (uint8_t)((p->far_stage ? p->far_netfn : p->netfn) | 1) << 2;
		f[F_CS1] = ipmi_checksum(f, 2);
		f[F_SRC] = p->far_stage ? p->far_sa : p->rs_sa;
		f[F_SEQ] = 0;
		f[F_CMD] = p->far_stage ? p->far_cmd : p->cmd;
		f[F_DATA] = CC_TIMEOUT;
		f[F_DATA + 1] = ipmi_checksum(f + F_SRC, 4);
		deliver(m, p, p->channel, f, sizeof(f));
	}
	arm_timer(m);
	return 0;
}

/* --- simulated buses ------------------------------------------------------ */

static int on_sim_answers(sd_event_source *src, void *userdata)
{
	struct ipmb *m = userdata;

	while (m->q_count) {
		struct sim_frame f = m->q[m->q_head];

		m->q_head = (m->q_head + 1) % SIM_QUEUE_MAX;
		m->q_count--;
		ipmb_receive(m, f.channel, f.d, f.len);
	}
	sd_event_source_set_enabled(m->defer, SD_EVENT_OFF);
	return 0;
}

/* Put a request on a simulated bus: 0, or -ENXIO when no controller
 * acknowledges the address. */
static int sim_send(struct ipmb *m, uint8_t channel, uint8_t priv, const uint8_t *f, size_t len)
{
	struct sim_frame out[2];
	struct sat *s = NULL;
	unsigned k;

	for (unsigned i = 0; i < m->n_sats && !s; i++)
		if (m->sats[i].cfg->via < 0 && m->sats[i].cfg->channel == channel &&
		    m->sats[i].cfg->address == f[F_DEST])
			s = &m->sats[i];
	if (!s)
		return -ENXIO;
	if (!s->cfg->responds)
		return 0;
	k = sat_handle(s, priv, f, len, out);
	for (unsigned i = 0; i < k; i++) {
		if (m->q_count == SIM_QUEUE_MAX)
			break;
		out[i].channel = channel;
		m->q[(m->q_head + m->q_count++) % SIM_QUEUE_MAX] = out[i];
	}
	if (m->q_count)
		sd_event_source_set_enabled(m->defer, SD_EVENT_ONESHOT);
	return 0;
}

/* --- /dev/ipmb-N ------------------------------------------------------------ */

static int dev_send(struct chan *c, const uint8_t *f, size_t len)
{
	uint8_t buf[IPMB_FRAME_MAX + 1];
	ssize_t n;

	buf[0] = (uint8_t)len;
	memcpy(buf + 1, f, len);
	n = write(c->fd, buf, len + 1);
	if (n < 0)
		return -errno;
	return n == (ssize_t)len + 1 ? 0 : -EIO;
}

static int on_dev_readable(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct chan *c = userdata;
	uint8_t buf[256];

	/* A bounded batch per wake-up: a babbling bus cannot hold the loop. */
	for (int i = 0; i < 16; i++) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno != EAGAIN && errno != EINTR)
			log_warning("ipmb: channel %u: read: %m", c->number);
		if (n <= 0)
			break;
		if (n >= 2 && (size_t)buf[0] + 1 <= (size_t)n && buf[0] <= IPMB_FRAME_MAX)
			ipmb_receive(c->m, c->number, buf + 1, buf[0]);
		else
			log_debug("ipmb: channel %u: malformed read of %zd bytes", c->number, n);
	}
	return 0;
}

/* --- Send Message ------------------------------------------------------------ */

/*
 * The privilege a request needs on a real bus.  The controllers there see
 * only the BMC as requester and trust it; no session privilege travels on
 * IPMB.  So the BMC asks what it would ask for the same command itself
 * (its command table), ADMINISTRATOR for one it does not know (OEM and
 * the like); a Send Message inside (dual bridging) needs its own inner
 * command's too.  Simulated satellites get the session's privilege with
 * the request and check it themselves (sim_mc.c).
 */
static enum ipmi_priv bridged_priv(const uint8_t *msg, size_t len)
{
	const struct ipmi_cmd *c = ipmi_lookup(msg[F_NETFN] >> 2, msg[F_CMD]);
	enum ipmi_priv p = c ? (enum ipmi_priv)c->priv : PRIV_ADMIN;

	if ((msg[F_NETFN] >> 2) == NETFN_APP && msg[F_CMD] == 0x34 && len >= F_DATA + 1 + IPMB_REQ_MIN + 1) {
		enum ipmi_priv inner = bridged_priv(msg + F_DATA + 1, len - F_DATA - 2);

		if (inner > p)
			p = inner;
	}
	return p;
}

int ipmb_send_message(struct bmc *bmc, const struct ipmi_req *req, uint8_t channel, uint8_t track,
		      const uint8_t *msg, size_t len)
{
	struct ipmb *m = bmc->ipmb;
	struct chan *c = find_chan(m, channel);
	uint8_t f[IPMB_FRAME_MAX];
	struct pending *p = NULL;
	bool from_lan = req->channel != IPMI_CHANNEL_SYSIF;
	int r;

	if (!c)
		return CC_INVALID_FIELD;
	if (len < IPMB_REQ_MIN || len > sizeof(f))
		return CC_REQ_LEN;
	if (ipmi_checksum(msg, 2) != msg[F_CS1] || ipmi_checksum(msg + F_SRC, len - F_SRC - 1) != msg[len - 1])
		return CC_INVALID_FIELD;
	if (msg[F_NETFN] & 0x04)
		return CC_INVALID_FIELD;	/* a response: nothing asked for it */
	if (track == 0xc0)
		return CC_INVALID_FIELD;	/* tracking bits 11b: reserved */
	if (msg[F_DEST] == m->own)
		return CC_INVALID_FIELD;	/* the BMC itself: ask it directly */
	if (from_lan && (!req->session || !req->session->v20)) {
		/* The answer travels as a message of its own on the session:
		 * only RMCP+ sessions have the machinery for that here. */
		log_info("ipmb: bridging from an IPMI 1.5 session refused (use RMCP+)");
		return CC_DEST_UNAVAILABLE;
	}
	if (c->fd >= 0 && req->priv < bridged_priv(msg, len)) {
		log_info("ipmb: %02x:%02x to %02xh on channel %u refused: needs %s privilege, the "
			 "request has %s", msg[F_NETFN] >> 2, msg[F_CMD], msg[F_DEST], channel,
			 ipmi_priv_name(bridged_priv(msg, len)), ipmi_priv_name(req->priv));
		return CC_INSUFFICIENT_PRIV;
	}
	for (unsigned i = 0; i < IPMB_PENDING_MAX && !p; i++)
		if (!m->p[i].used)
			p = &m->p[i];
	if (!p)
		return CC_NODE_BUSY;

	memcpy(f, msg, len);
	*p = (struct pending){
		.channel = channel,
		.rs_sa = msg[F_DEST],
		.netfn = msg[F_NETFN] >> 2,
		.cmd = msg[F_CMD],
		.to_lan = from_lan,
		.session_id = req->session ? req->session->bmc_sid : 0,
		.priv = (uint8_t)req->priv,
		.rq_sa = msg[F_SRC],
		.rq_seq = msg[F_SEQ] >> 2,
		.rq_lun = msg[F_SEQ] & 3,
	};
	if (from_lan) {
		/* Tracked: the BMC is the requester on the bus, with a
		 * sequence number of its own; the answer comes back here. */
		f[F_SRC] = m->own;
		f[F_SEQ] = (uint8_t)(m->next_seq << 2 | (msg[F_SEQ] & 3));
		m->next_seq = (uint8_t)((m->next_seq + 1) & 0x3f);
		f[len - 1] = ipmi_checksum(f + F_SRC, len - F_SRC - 1);
	}
	p->seq = f[F_SEQ] >> 2;
	if (p->netfn == NETFN_APP && p->cmd == 0x34 && len >= F_DATA + 1 + IPMB_REQ_MIN + 1) {
		const uint8_t *in = msg + F_DATA + 1;	/* after the transit's channel byte */

		p->dual = true;
		p->far_sa = in[F_DEST];
		p->far_netfn = in[F_NETFN] >> 2;
		p->far_cmd = in[F_CMD];
		p->far_seq = in[F_SEQ] >> 2;
	}

	r = c->fd >= 0 ? dev_send(c, f, len) : sim_send(m, channel, (uint8_t)req->priv, f, len);
	if (r < 0) {
		log_debug("ipmb: channel %u: to %02xh: %s", channel, f[F_DEST], strerror(-r));
		/* ENXIO / EREMOTEIO: nobody acknowledged the address */
		return r == -ENXIO || r == -EREMOTEIO ? 0x83 : r == -EAGAIN ? CC_NODE_BUSY : 0x82;
	}
	p->used = true;
	p->deadline = bmc_now(bmc) + (uint64_t)bmc->cfg.ipmb.timeout_ms * 1000;
	arm_timer(m);
	log_debug("ipmb: %02x:%02x to %02xh on channel %u (%s)", p->netfn, p->cmd, p->rs_sa, channel,
		  from_lan ? "LAN, tracked" : "system interface");
	return CC_OK;
}

/* --- SDRs, set-up ------------------------------------------------------------ */

int ipmb_sdr_records(const struct ipmb *m, uint8_t **rec, uint8_t *len, unsigned max)
{
	unsigned n = 0;
	int r;

	for (unsigned i = 0; m && i < m->n_sats; i++) {
		const struct sat *s = &m->sats[i];
		uint8_t support = 0x01 | 0x20;	/* sensor device, event generator */

		if (s->cfg->via >= 0)
			continue;		/* behind a transit: its own SDRs list it */
		if (n >= max)
			return -E2BIG;
		r = sdr_mc_locator(s->cfg->name, s->cfg->address, s->cfg->channel, support, &rec[n],
				   &len[n]);
		if (r < 0)
			return r;
		n++;
		for (unsigned j = 0; j < s->sensors.n; j++) {
			if (n >= max)
				return -E2BIG;
			r = sdr_sensor_record(&s->sensors.s[j], s->cfg->address, s->cfg->channel, &rec[n],
					      &len[n]);
			if (r < 0)
				return r;
			n++;
		}
	}
	return (int)n;
}

static int open_dev(struct ipmb *m, struct chan *c, const char *path)
{
	int r;

	c->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (c->fd < 0)
		return log_error_errno(-errno, "ipmb: channel %u: %s", c->number, path);
	r = sd_event_add_io(m->bmc->ev, &c->io, c->fd, EPOLLIN, on_dev_readable, c);
	if (r < 0)
		return log_error_errno(r, "ipmb: channel %u: event source", c->number);
	return 0;
}

int ipmb_init(struct bmc *bmc)
{
	const struct cfg_ipmb *cfg = &bmc->cfg.ipmb;
	struct ipmb *m;
	int r;

	if (!cfg->n_channels)
		return 0;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	bmc->ipmb = m;
	m->bmc = bmc;
	m->own = cfg->address;
	for (unsigned i = 0; i < cfg->n_channels; i++) {
		struct chan *c = &m->ch[m->n_ch++];

		c->m = m;
		c->number = cfg->channels[i].number;
		c->fd = -1;
		if (cfg->channels[i].device[0]) {
			r = open_dev(m, c, cfg->channels[i].device);
			if (r < 0)
				return r;
		}
	}
	r = sd_event_add_time(bmc->ev, &m->timer, CLOCK_MONOTONIC, UINT64_MAX, 1000, on_timeout, m);
	if (r >= 0)
		r = sd_event_add_defer(bmc->ev, &m->defer, on_sim_answers, m);
	if (r < 0)
		return log_error_errno(r, "ipmb: event sources");
	sd_event_source_set_enabled(m->timer, SD_EVENT_OFF);
	sd_event_source_set_enabled(m->defer, SD_EVENT_OFF);
	if (cfg->n_sats) {
		m->sats = calloc(cfg->n_sats, sizeof(*m->sats));
		if (!m->sats)
			return -ENOMEM;
		for (unsigned i = 0; i < cfg->n_sats; i++) {
			r = sat_init(&m->sats[i], m, (int)i);
			m->n_sats = i + 1;
			if (r < 0)
				return r;
		}
		r = sat_finish_init(m);
		if (r < 0)
			return log_error_errno(r, "ipmb: satellite SDRs");
	}
	log_info("ipmb: %u channel(s), %u simulated satellite(s), address %02xh", m->n_ch, m->n_sats,
		 m->own);
	return 0;
}

void ipmb_done(struct bmc *bmc)
{
	struct ipmb *m = bmc->ipmb;

	if (!m)
		return;
	for (unsigned i = 0; i < m->n_sats; i++)
		sat_done(&m->sats[i]);
	free(m->sats);
	for (unsigned i = 0; i < m->n_ch; i++) {
		m->ch[i].io = sd_event_source_disable_unref(m->ch[i].io);
		if (m->ch[i].fd >= 0)
			close(m->ch[i].fd);
	}
	m->timer = sd_event_source_disable_unref(m->timer);
	m->defer = sd_event_source_disable_unref(m->defer);
	free(m);
	bmc->ipmb = NULL;
}
