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
#include "daemon/param.h"
#include "daemon/store.h"
#include "lan/crypto.h"
#include "sol/sol_internal.h"

#define PARAM_REVISION 0x11

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

int solcfg_load(int dirfd, struct sol_config *c)
{
	uint8_t buf[IMAGE_LEN + 1];
	ssize_t n = store_load(dirfd, SOLCFG_FILE, buf, sizeof(buf), "state");

	solcfg_defaults(c);
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;		/* logged */
	if (solcfg_decode(c, buf, (size_t)n) < 0) {
		log_warning("state: %s is corrupt (%zd bytes); moved to %s.corrupt, SOL "
			    "configuration back to defaults", SOLCFG_FILE, n, SOLCFG_FILE);
		store_set_aside(dirfd, SOLCFG_FILE, "state");
		solcfg_defaults(c);
	}
	return 0;
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

/* ---- the parameters (ctx: struct sol) ---------------------------------- */

static int set_enabled(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct sol *sol = ctx;

	sol->cfg.enabled = rb_u8(r) & 1;	/* bits 7:1 reserved, ignored */
	return 0;
}

static int set_auth(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct sol_config *c = &((struct sol *)ctx)->cfg;
	uint8_t a = rb_u8(r);

	if ((a & 0x0f) < PRIV_USER || (a & 0x0f) > PRIV_OEM)
		return -EINVAL;
	c->force_enc = a & 0x80;
	c->force_auth = a & 0x40;
	c->priv = a & 0x0f;
	return 0;
}

static int get_auth(void *ctx, const struct param_query *q, struct wbuf *w)
{
	const struct sol_config *c = &((struct sol *)ctx)->cfg;

	wb_u8(w, (uint8_t)(c->force_enc << 7 | c->force_auth << 6 | c->priv));
	return 0;
}

static int set_accum(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct sol_config *c = &((struct sol *)ctx)->cfg;
	uint8_t accum = rb_u8(r), threshold = rb_u8(r);

	if (!accum || !threshold)
		return -ERANGE;
	c->accum_5ms = accum;
	c->threshold = threshold;
	return 0;
}

static int set_retry(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct sol_config *c = &((struct sol *)ctx)->cfg;
	uint8_t count = rb_u8(r), interval = rb_u8(r);

	if (count > 7)
		return -ERANGE;
	c->retry_count = count;
	c->retry_10ms = interval;
	return 0;
}

/* Parameters 5 (non-volatile) and 6 (volatile, in effect now). */
static int set_rate(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct sol *sol = ctx;
	uint8_t rate = rb_u8(r) & 0x0f;

	if (!solcfg_rate_valid(rate))
		return -ERANGE;
	if (d->sel == 5) {
		sol->cfg.nv_rate = rate;
		return 0;
	}
	sol->cfg.v_rate = rate;
	sol_apply_rate(sol);
	return 0;
}

static int get_channel(void *ctx, const struct param_query *q, struct wbuf *w)
{
	const struct sol *sol = ctx;

	wb_u8(w, sol->bmc->cfg.lan.channel);
	return 0;
}

static int get_port(void *ctx, const struct param_query *q, struct wbuf *w)
{
	wb_le16(w, sol_session_port(ctx, q->req->session));
	return 0;
}

static int get_history(void *ctx, const struct param_query *q, struct wbuf *w);

static uint8_t *sol_in_progress(void *ctx)
{
	return &((struct sol *)ctx)->set_in_progress;
}

static int sol_save(void *ctx)
{
	const struct sol *sol = ctx;

	return solcfg_save(sol->bmc->state_fd, &sol->cfg);
}

/* Parameters 3 and 4 read as their two bytes, stored side by side. */
_Static_assert(offsetof(struct sol_config, threshold) == offsetof(struct sol_config, accum_5ms) + 1,
	       "parameter 3 is two adjacent bytes");
_Static_assert(offsetof(struct sol_config, retry_10ms) == offsetof(struct sol_config, retry_count) + 1,
	       "parameter 4 is two adjacent bytes");

#define AT(member) .off = offsetof(struct sol, cfg.member)
#define RO(sel, get) { (sel), PARAM_ANY_LEN, PARAM_RO, get }

static const struct param_def sol_params[] = {
	PARAM_SET_IN_PROGRESS,
	{ 1, 1, 1, PARAM_PLAIN, NULL, set_enabled, AT(enabled) },
	{ 2, 1, 1, 0, get_auth, set_auth },
	{ 3, 2, 2, PARAM_PLAIN, NULL, set_accum, AT(accum_5ms) },
	{ 4, 2, 2, PARAM_PLAIN, NULL, set_retry, AT(retry_count) },
	{ 5, 1, 1, PARAM_PLAIN, NULL, set_rate, AT(nv_rate) },
	{ 6, 1, 1, PARAM_PLAIN | PARAM_VOLATILE, NULL, set_rate, AT(v_rate) },
	RO(7, get_channel),
	RO(8, get_port),
	RO(PARAM_HISTORY_INFO, get_history),
	RO(PARAM_HISTORY_READ, get_history),
};

static const struct param_family sol_family = {
	PARAM_FAMILY(sol_params),
	.revision = PARAM_REVISION,
	.in_progress = sol_in_progress,
	.save = sol_save,
};

int sol_cmd_set_config(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t ch = rb_u8(&r), param = rb_u8(&r);

	if (!bmc->sol)
		return CC_NOT_PRESENT;
	if ((ch & 0xf0) || sol_channel(bmc, req, ch) < 0)
		return CC_INVALID_FIELD;
	return param_cc(param_set(&sol_family, bmc->sol, param, &r));
}

static int get_history(void *ctx, const struct param_query *q, struct wbuf *w)
{
	const struct sol *sol = ctx;
	const struct ring *h = &sol->history;
	uint64_t first = h->total - ring_len(h);	/* stream offset of the oldest byte */
	unsigned block = (unsigned)q->block << 8 | q->set;
	uint8_t buf[HISTORY_BLOCK];
	size_t n;

	if (q->def->sel == PARAM_HISTORY_INFO) {
		wb_le32(w, (uint32_t)ring_len(h));
		wb_le32(w, (uint32_t)h->total);
		return 0;
	}
	wb_le32(w, (uint32_t)(first + (uint64_t)block * HISTORY_BLOCK));
	n = ring_peek(h, (size_t)block * HISTORY_BLOCK, buf, sizeof(buf));
	wb_bytes(w, buf, n);
	return 0;
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
	struct rbuf r = ipmi_reader(req);
	uint8_t ch = rb_u8(&r);
	struct param_query q = { .sel = rb_u8(&r), .set = rb_u8(&r), .block = rb_u8(&r), .req = req };
	int cc;

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!bmc->sol)
		return CC_NOT_PRESENT;
	if ((ch & 0x70) || sol_channel(bmc, req, ch) < 0)
		return CC_INVALID_FIELD;
	if (q.sel == PARAM_HISTORY_INFO || q.sel == PARAM_HISTORY_READ) {
		cc = history_access(bmc, req);
		if (cc != CC_OK) {
			log_notice("sol: console history refused to user %u (session %u): %s",
				   req->session->user_id, req->session->handle,
				   cc == CC_NOT_IN_STATE ? "session without the protection SOL requires"
							 : "no SOL access");
			return cc;
		}
	}
	return param_cc(param_get(&sol_family, bmc->sol, &q, ch & 0x80, rsp));
}
