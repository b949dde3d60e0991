/* SPDX-License-Identifier: MIT */
/*
 * SOL configuration parameters: Set/Get SOL Configuration Parameters
 * (Transport 21h/22h, IPMI 2.0 section 26.2/26.3, table 26-5), and the
 * "sol" state file that keeps the non-volatile ones.
 */
#include <errno.h>
#include <string.h>

#include "channels/session.h"
#include "channels/users.h"
#include "daemon/bmc.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "daemon/store.h"
#include "lan/crypto.h"
#include "sol/sol_internal.h"

#define PARAM_REVISION 0x11
#define CC_PARAM_UNSUPPORTED 0x80
#define CC_SET_IN_PROGRESS 0x81
#define CC_READ_ONLY 0x82

/* OEM parameters (C0h..FFh are OEM): the console history. */
#define PARAM_HISTORY_INFO 0xc0
#define PARAM_HISTORY_READ 0xc1
#define HISTORY_BLOCK 128

static const uint8_t magic[4] = { 'S', 'O', 'L', '1' };
#define IMAGE_LEN 13

void solcfg_defaults(struct sol_config *c)
{
	*c = (struct sol_config){
		.enabled = true,
		.force_enc = true,
		.force_auth = true,
		.priv = PRIV_USER,
		.accum_5ms = 1,		/* 5 ms */
		.threshold = 50,
		.retry_count = 7,
		.retry_10ms = 10,	/* 100 ms */
		/* "Use the serial setting": the board's sol.baud. */
		.nv_rate = SOL_RATE_SERIAL,
		.v_rate = SOL_RATE_SERIAL,
	};
}

bool solcfg_rate_valid(uint8_t code)
{
	return code == SOL_RATE_SERIAL || (code >= 0x06 && code <= 0x0a);
}

static uint8_t sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s += *p++;
	return (uint8_t)-s;
}

size_t solcfg_encode(const struct sol_config *c, uint8_t *buf, size_t cap)
{
	struct wbuf w = wb_init(buf, cap);

	wb_bytes(&w, magic, sizeof(magic));
	wb_u8(&w, 2);			/* format version */
	wb_u8(&w, c->enabled);
	wb_u8(&w, (uint8_t)(c->force_enc << 7 | c->force_auth << 6 | c->priv));
	wb_u8(&w, c->accum_5ms);
	wb_u8(&w, c->threshold);
	wb_u8(&w, c->retry_count);
	wb_u8(&w, c->retry_10ms);
	wb_u8(&w, c->nv_rate);
	if (!wb_ok(&w))
		return 0;
	wb_u8(&w, sum8(buf, w.len));
	return wb_ok(&w) ? w.len : 0;
}

int solcfg_decode(struct sol_config *c, const uint8_t *buf, size_t len)
{
	struct rbuf r = rb_init(buf, len);
	struct sol_config n = { 0 };
	uint8_t m[4], ver, en, auth;

	if (len != IMAGE_LEN || sum8(buf, len) != 0)
		return -EINVAL;
	rb_copy(&r, m, sizeof(m));
	ver = rb_u8(&r);
	en = rb_u8(&r);
	auth = rb_u8(&r);
	n.accum_5ms = rb_u8(&r);
	n.threshold = rb_u8(&r);
	n.retry_count = rb_u8(&r);
	n.retry_10ms = rb_u8(&r);
	n.nv_rate = rb_u8(&r);
	(void)rb_u8(&r);		/* checksum, checked above */
	if (!rb_done(&r) || memcmp(m, magic, sizeof(m)) || ver != 2 || en > 1)
		return -EINVAL;
	n.enabled = en;
	n.force_enc = auth & 0x80;
	n.force_auth = auth & 0x40;
	n.priv = auth & 0x0f;
	n.v_rate = n.nv_rate;
	if (n.priv < PRIV_USER || n.priv > PRIV_OEM || (auth & 0x30) || !n.accum_5ms ||
	    !n.threshold || n.retry_count > 7 || !solcfg_rate_valid(n.nv_rate))
		return -EINVAL;
	*c = n;
	return 0;
}

void solcfg_load(int dirfd, struct sol_config *c)
{
	uint8_t buf[IMAGE_LEN + 1];
	ssize_t n = store_read(dirfd, SOLCFG_FILE, buf, sizeof(buf));

	solcfg_defaults(c);
	if (n == -ENOENT)
		return;
	if (n < 0 || solcfg_decode(c, buf, (size_t)n) < 0) {
		log_warning("state: %s is corrupt (%zd bytes); SOL configuration back to defaults",
			    SOLCFG_FILE, n);
		solcfg_defaults(c);
	}
}

int solcfg_save(int dirfd, const struct sol_config *c)
{
	uint8_t buf[IMAGE_LEN];
	size_t n = solcfg_encode(c, buf, sizeof(buf));
	int r;

	if (n != IMAGE_LEN)
		return -EINVAL;
	r = store_write(dirfd, SOLCFG_FILE, buf, n);
	if (r < 0)
		log_error_errno(r, "state: cannot write %s", SOLCFG_FILE);
	return r;
}

int sol_channel(struct bmc *bmc, const struct ipmi_req *req, uint8_t ch)
{
	ch &= 0x0f;
	if (ch == IPMI_CHANNEL_CURRENT)
		ch = req->channel;
	return ch == bmc->cfg.lan.channel ? ch : -1;
}

void sol_reset_volatile(struct sol *sol)
{
	if (!sol)
		return;
	sol->set_in_progress = 0;
	if (sol->cfg.v_rate != sol->cfg.nv_rate) {	/* param 6: back to param 5 */
		sol->cfg.v_rate = sol->cfg.nv_rate;
		sol_apply_rate(sol);
	}
}

static int set_param(struct sol *sol, uint8_t param, struct rbuf *r)
{
	struct sol_config *c = &sol->cfg;
	uint8_t a = rb_u8(r), b;

	switch (param) {
	case 0:
		if (!rb_done(r))
			return CC_REQ_LEN;
		if (a & 0xfc)		/* bits 7:2 reserved */
			return CC_INVALID_FIELD;
		switch (a & 3) {
		case 0:
			sol->set_in_progress = 0;
			return CC_OK;
		case 1:
			if (sol->set_in_progress)
				return CC_SET_IN_PROGRESS;
			sol->set_in_progress = 1;
			return CC_OK;
		case 2:		/* commit write: every write is already committed */
			sol->set_in_progress = 0;
			return CC_OK;
		}
		return CC_INVALID_FIELD;
	case 1:
		if (!rb_done(r))
			return CC_REQ_LEN;
		c->enabled = a & 1;
		break;
	case 2:
		if (!rb_done(r))
			return CC_REQ_LEN;
		if ((a & 0x0f) < PRIV_USER || (a & 0x0f) > PRIV_OEM)
			return CC_INVALID_FIELD;
		c->force_enc = a & 0x80;
		c->force_auth = a & 0x40;
		c->priv = a & 0x0f;
		break;
	case 3:
		b = rb_u8(r);
		if (!rb_done(r))
			return CC_REQ_LEN;
		if (!a || !b)
			return CC_PARAM_OUT_OF_RANGE;
		c->accum_5ms = a;
		c->threshold = b;
		break;
	case 4:
		b = rb_u8(r);
		if (!rb_done(r))
			return CC_REQ_LEN;
		if (a > 7)
			return CC_PARAM_OUT_OF_RANGE;
		c->retry_count = a;
		c->retry_10ms = b;
		break;
	case 5:
	case 6:
		if (!rb_done(r))
			return CC_REQ_LEN;
		if (!solcfg_rate_valid(a & 0x0f))
			return CC_PARAM_OUT_OF_RANGE;
		if (param == 6) {
			c->v_rate = a & 0x0f;
			sol_apply_rate(sol);
			return CC_OK;	/* volatile: not saved */
		}
		c->nv_rate = a & 0x0f;
		break;
	case 7:
	case 8:
	case PARAM_HISTORY_INFO:
	case PARAM_HISTORY_READ:
		return CC_READ_ONLY;
	default:
		return CC_PARAM_UNSUPPORTED;
	}
	return solcfg_save(sol->bmc->state_fd, c) < 0 ? CC_UNSPECIFIED : CC_OK;
}

int sol_cmd_set_config(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = rb_init(req->data, req->len);
	uint8_t ch = rb_u8(&r), param = rb_u8(&r);

	if (!bmc->sol)
		return CC_NOT_PRESENT;
	if ((ch & 0xf0) || sol_channel(bmc, req, ch) < 0)
		return CC_INVALID_FIELD;
	return set_param(bmc->sol, param, &r);
}

static void get_history(struct sol *sol, uint8_t param, unsigned block, struct wbuf *rsp)
{
	const struct ring *h = &sol->history;
	uint64_t first = h->total - ring_len(h);	/* stream offset of the oldest byte */
	uint8_t buf[HISTORY_BLOCK];
	size_t n;

	if (param == PARAM_HISTORY_INFO) {
		wb_le32(rsp, (uint32_t)ring_len(h));
		wb_le32(rsp, (uint32_t)h->total);
		return;
	}
	wb_le32(rsp, (uint32_t)(first + (uint64_t)block * HISTORY_BLOCK));
	n = ring_peek(h, (size_t)block * HISTORY_BLOCK, buf, sizeof(buf));
	wb_bytes(rsp, buf, n);
}

/* The console history is what the SOL payload would show, so a LAN session
 * reads it only if it could activate SOL: SOL enabled, the user's SOL
 * payload access, the SOL privilege level (D4h otherwise), and an RMCP+
 * session with the protection parameter 2 forces (D5h otherwise: IPMI 1.5
 * sessions never qualify).  Outside a session (KCS) it is readable. */
static int history_access(struct bmc *bmc, const struct ipmi_req *req)
{
	const struct sol *sol = bmc->sol;
	const struct session *s = req->session;

	if (!s)
		return CC_OK;
	if (!sol->cfg.enabled || req->priv < sol->cfg.priv ||
	    !users_payload_allowed(bmc->users, s->user_id, req->channel, SOL_PAYLOAD_TYPE))
		return CC_INSUFFICIENT_PRIV;
	if (!s->v20 || (sol->cfg.force_enc && s->conf_alg == CONF_NONE) ||
	    (sol->cfg.force_auth && s->integ_alg == INTEG_NONE))
		return CC_NOT_IN_STATE;
	return CC_OK;
}

int sol_cmd_get_config(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = rb_init(req->data, req->len);
	uint8_t ch = rb_u8(&r), param = rb_u8(&r), set = rb_u8(&r), block = rb_u8(&r);
	struct sol *sol = bmc->sol;
	struct sol_config *c;

	if (!sol)
		return CC_NOT_PRESENT;
	c = &sol->cfg;
	if ((ch & 0x70) || sol_channel(bmc, req, ch) < 0)
		return CC_INVALID_FIELD;
	if (param > 8 && param != PARAM_HISTORY_INFO && param != PARAM_HISTORY_READ)
		return CC_PARAM_UNSUPPORTED;
	if (param == PARAM_HISTORY_INFO || param == PARAM_HISTORY_READ) {
		int cc = history_access(bmc, req);

		if (cc != CC_OK) {
			log_notice("sol: console history refused to user %u (session %u): %s",
				   req->session->user_id, req->session->handle,
				   cc == CC_NOT_IN_STATE ? "session without the protection SOL requires"
							 : "no SOL access");
			return cc;
		}
	}
	wb_u8(rsp, PARAM_REVISION);
	if (ch & 0x80)
		return CC_OK;	/* parameter revision only */
	switch (param) {
	case 0:
		wb_u8(rsp, sol->set_in_progress);
		break;
	case 1:
		wb_u8(rsp, c->enabled);
		break;
	case 2:
		wb_u8(rsp, (uint8_t)(c->force_enc << 7 | c->force_auth << 6 | c->priv));
		break;
	case 3:
		wb_u8(rsp, c->accum_5ms);
		wb_u8(rsp, c->threshold);
		break;
	case 4:
		wb_u8(rsp, c->retry_count);
		wb_u8(rsp, c->retry_10ms);
		break;
	case 5:
		wb_u8(rsp, c->nv_rate);
		break;
	case 6:
		wb_u8(rsp, c->v_rate);
		break;
	case 7:
		wb_u8(rsp, bmc->cfg.lan.channel);
		break;
	case 8:
		wb_le16(rsp, sol_session_port(sol, req->session));
		break;
	default:
		get_history(sol, param, (unsigned)block << 8 | set, rsp);
		break;
	}
	return CC_OK;
}
