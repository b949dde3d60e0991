/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "daemon/bmc.h"
#include "channels/lanconfig.h"
#include "chassis/power.h"
#include "sel/sel.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "daemon/param.h"
#include "daemon/store.h"
#include "pef/pef.h"
#include "pef/pet.h"

#define PEF_FILE "pef"
#define PEF_MAGIC "BPEF"
#define PEF_FORMAT 1
#define PEF_VERSION 0x51
#define PARAM_REVISION 0x11
#define CC_ALERT_IN_PROGRESS 0x81	/* Alert Immediate */

enum {					/* PEF configuration parameters */
	P_SET_IN_PROGRESS = 0, P_CONTROL = 1, P_ACTION_CTL = 2, P_STARTUP_DELAY = 3,
	P_ALERT_DELAY = 4, P_NFILTERS = 5, P_FILTER = 6, P_FILTER_DATA1 = 7,
	P_NPOLICIES = 8, P_POLICY = 9, P_GUID = 10, P_NSTRINGS = 11, P_STR_KEY = 12,
	P_STR = 13,
};

/* Filter byte 1 (configuration). */
#define F_ENABLED 0x80
#define F_TYPE_MASK 0x60
#define F_TYPE_PRECONFIGURED 0x40
#define F_TYPE_RESERVED 0x60

/* Event severities (PET), the only values a filter may carry. */
#define SEV_UNSPECIFIED 0x00
#define SEV_NONCRITICAL 0x08
#define SEV_CRITICAL 0x10
#define SEV_NONRECOVERABLE 0x20

static bool severity_ok(uint8_t s)
{
	return s == 0x00 || s == 0x01 || s == 0x02 || s == 0x04 || s == 0x08 || s == 0x10 ||
	       s == 0x20;
}

/* ------------------------------------------------------------------ */
/* Defaults and storage                                                */

/* A pre-configured filter: sensor type, event trigger, offsets, severity. */
static void preset(uint8_t f[PEF_FILTER_LEN], bool on, uint8_t stype, uint8_t trigger,
		   uint16_t offsets, uint8_t severity)
{
	memset(f, 0, PEF_FILTER_LEN);
	f[0] = (uint8_t)((on ? F_ENABLED : 0) | F_TYPE_PRECONFIGURED);
	f[1] = PEF_ACT_ALERT;
	f[2] = 1;			/* alert policy 1 */
	f[3] = severity;
	f[4] = 0xff;			/* any generator */
	f[5] = 0xff;
	f[6] = stype;
	f[7] = 0xff;			/* any sensor */
	f[8] = trigger;
	f[9] = (uint8_t)(offsets & 0xff);
	f[10] = (uint8_t)(offsets >> 8);
	/* event data AND masks 00h: any data */
}

/*
 * The shipped filters, all alerting through policy 1 (destination 1 of the
 * LAN channel): critical and non-recoverable threshold crossings, power
 * supply failures, chassis intrusion, watchdog expiry.
 */
static void defaults(struct pef *pef, bool enabled, uint8_t lan_channel)
{
	struct pef_config *c = &pef->c;

	memset(c, 0, sizeof(*c));
	c->control = enabled ? 0x01 : 0x00;
	c->action_ctl = PEF_ACT_ALL;
	preset(c->filter[0], true, 0xff, 0x01, 1u << 2 | 1u << 9, SEV_CRITICAL);	/* lc low, uc high */
	preset(c->filter[1], true, 0xff, 0x01, 1u << 4 | 1u << 11, SEV_NONRECOVERABLE);	/* lnr, unr */
	preset(c->filter[2], true, 0x08, 0x6f, 1u << 1, SEV_CRITICAL);	/* PSU failure */
	preset(c->filter[3], true, 0x05, 0x6f, 1u << 0, SEV_NONCRITICAL);	/* intrusion */
	preset(c->filter[4], true, 0x23, 0x6f, 0x000f, SEV_NONCRITICAL);	/* watchdog expired */
	/* Policy 1: always send to destination 1 of the LAN channel. */
	c->policy[0][0] = 0x10 | 0x08;	/* policy number 1, enabled, "always send" */
	c->policy[0][1] = (uint8_t)(lan_channel << 4 | 1);
	c->policy[0][2] = 0;
}

static int save(struct pef *pef)
{
	uint8_t buf[8 + sizeof(struct pef_config)];
	int r;

	memcpy(buf, PEF_MAGIC, 4);
	buf[4] = PEF_FORMAT;
	buf[5] = buf[6] = buf[7] = 0;
	memcpy(buf + 8, &pef->c, sizeof(pef->c));
	r = store_write(pef->bmc->state_fd, PEF_FILE, buf, sizeof(buf));
	if (r < 0)
		log_error("pef: cannot write %s: %s", PEF_FILE, strerror(-r));
	return r;
}

static int load(struct pef *pef)
{
	uint8_t buf[8 + sizeof(struct pef_config)];
	ssize_t n = store_load(pef->bmc->state_fd, PEF_FILE, buf, sizeof(buf), "pef");

	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;		/* logged */
	if (n != (ssize_t)sizeof(buf) || memcmp(buf, PEF_MAGIC, 4) || buf[4] != PEF_FORMAT) {
		log_warning("pef: %s is corrupt or from another version; moved to %s.corrupt, "
			    "defaults used", PEF_FILE, PEF_FILE);
		store_set_aside(pef->bmc->state_fd, PEF_FILE, "pef");
		return 0;
	}
	memcpy(&pef->c, buf + 8, sizeof(pef->c));
	/* Alert string 0 and its key are volatile (the file has them). */
	memset(pef->c.str_key[0], 0, sizeof(pef->c.str_key[0]));
	memset(pef->c.str[0], 0, sizeof(pef->c.str[0]));
	return 0;
}

/* ------------------------------------------------------------------ */
/* Filtering                                                           */

/* Event data byte comparison (IPMI 2.0 section 17.7): only the AND mask's
 * bits count; those also set in compare 1 must equal compare 2; of the
 * others, at least one must equal its compare 2 bit. */
static bool data_match(uint8_t d, uint8_t and, uint8_t c1, uint8_t c2)
{
	uint8_t exact = and & c1, any = and & (uint8_t)~c1;

	if ((d ^ c2) & exact)
		return false;
	return !any || ((uint8_t)~(d ^ c2) & any);
}

bool pef_filter_match(const uint8_t f[PEF_FILTER_LEN], const uint8_t rec[16])
{
	uint16_t offsets = (uint16_t)(f[9] | f[10] << 8);

	if (!(f[0] & F_ENABLED) || rec[2] != SEL_TYPE_SYSTEM)
		return false;
	if ((f[4] != 0xff && f[4] != rec[7]) || (f[5] != 0xff && f[5] != rec[8]))
		return false;
	if ((f[6] != 0xff && f[6] != rec[10]) || (f[7] != 0xff && f[7] != rec[11]))
		return false;
	if (f[8] != 0xff && f[8] != (rec[12] & 0x7f))
		return false;
	if (!(offsets & (1u << (rec[13] & 0x0f))))
		return false;
	return data_match(rec[13], f[11], f[12], f[13]) && data_match(rec[14], f[14], f[15], f[16]) &&
	       data_match(rec[15], f[17], f[18], f[19]);
}

/* The one power action taken: power down, else cycle, else reset, else
 * diagnostic interrupt. */
static void power_action(struct pef *pef, uint8_t act)
{
	enum power_action a;
	enum restart_cause cause = RESTART_PEF_RESET;
	const char *what;
	int r;

	if (act & PEF_ACT_POWER_DOWN) {
		a = POWER_ACTION_OFF;
		what = "power down";
	} else if (act & PEF_ACT_POWER_CYCLE) {
		a = POWER_ACTION_CYCLE;
		cause = RESTART_PEF_CYCLE;
		what = "power cycle";
	} else if (act & PEF_ACT_RESET) {
		a = POWER_ACTION_RESET;
		what = "reset";
	} else if (act & PEF_ACT_DIAG) {
		a = POWER_ACTION_DIAG;
		what = "diagnostic interrupt";
	} else {
		return;
	}
	r = power_request(pef->bmc->power, a, cause);
	log_notice("pef: %s%s", what, r < 0 ? " not possible now" : "");
}

/* Send to the destinations of every policy entry with this number. */
static void alert_policy(struct pef *pef, uint8_t number, const uint8_t rec[16], uint8_t severity)
{
	uint8_t lan = pef->bmc->cfg.lan.channel;

	for (unsigned i = 0; i < PEF_POLICIES; i++) {
		const uint8_t *e = pef->c.policy[i];
		uint8_t policy = e[0] & 0x07;

		if ((e[0] >> 4 & 0x0f) != number || !(e[0] & 0x08))
			continue;
		if ((e[1] >> 4) != lan) {
			log_debug("pef: policy %u entry %u: channel %u is not a LAN channel", number,
				  i + 1, e[1] >> 4);
			continue;
		}
		/* "Always send" goes on to the next entry; the others stop
		 * once an alert has left (an acknowledged one is then
		 * retried on its own). */
		if (pet_send(pef, e[1] & 0x0f, rec, severity, false) == 0 && policy != 0)
			break;
	}
}

static void process(struct pef *pef, const uint8_t rec[16])
{
	uint8_t actions = 0, severity = 0;
	uint16_t policies = 0;
	uint16_t id = (uint16_t)(rec[0] | rec[1] << 8);

	for (unsigned i = 0; i < PEF_FILTERS; i++) {
		const uint8_t *f = pef->c.filter[i];

		if (!pef_filter_match(f, rec))
			continue;
		actions |= f[1] & PEF_ACT_ALL;
		if (f[1] & PEF_ACT_ALERT)
			policies |= (uint16_t)(1u << (f[2] & 0x0f));
		if (f[3] > severity)
			severity = f[3];
		log_info("pef: event %u matches filter %u (actions %02xh)", id, i + 1, f[1]);
	}
	actions &= pef->c.action_ctl;
	if (actions & PEF_ACT_ALERT)
		for (uint8_t p = 0; p < 16; p++)
			if (policies & (1u << p))
				alert_policy(pef, p, rec, severity);
	power_action(pef, actions);
	if (id)
		pef->c.last_bmc_id = id;
}

void pef_on_event(void *userdata, const uint8_t rec[16])
{
	struct pef *pef = userdata;

	if (!pef || !(pef->c.control & 0x01))
		return;
	if (pef->postpone) {
		if (pef->queued < PEF_QUEUE)
			memcpy(pef->queue[pef->queued++], rec, 16);
		else
			log_warning("pef: postponed, queue full: event not processed");
		return;
	}
	process(pef, rec);
}

static void postpone_end(struct pef *pef)
{
	pef->postpone = 0;
	pef->postpone_timer = sd_event_source_disable_unref(pef->postpone_timer);
	for (unsigned i = 0; i < pef->queued; i++)
		if (pef->c.control & 0x01)
			process(pef, pef->queue[i]);
	pef->queued = 0;
}

static int on_postpone(sd_event_source *s, uint64_t usec, void *userdata)
{
	postpone_end(userdata);
	return 0;
}

void pef_reset_volatile(struct pef *pef)
{
	/* Alerts waiting for PET Acknowledge are not re-sent (their
	 * retries are volatile), Alert Immediate has no status. */
	pet_done(pef);
	pef->immediate_status = ALERT_ST_NONE;
	pef->set_in_progress = 0;
	memset(pef->c.str_key[0], 0, sizeof(pef->c.str_key[0]));
	memset(pef->c.str[0], 0, sizeof(pef->c.str[0]));
	/* The postpone timer (or FEh, "disabled until re-armed") is
	 * volatile: PEF runs again, and the events it held, logged in the
	 * SEL after the last processed one, go through the filters now. */
	postpone_end(pef);
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */

int pef_cmd_capabilities(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	wb_u8(rsp, PEF_VERSION);
	wb_u8(rsp, PEF_ACT_ALL);	/* every action; no OEM event record filtering */
	wb_u8(rsp, PEF_FILTERS);
	return CC_OK;
}

/* Arm PEF Postpone Timer: 00h off, 01h-FDh seconds, FEh disable until
 * re-armed, FFh read the countdown. */
int pef_cmd_postpone(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct pef *pef = bmc->pef;
	struct rbuf r = ipmi_reader(req);
	uint8_t t = rb_u8(&r);
	uint64_t now = bmc_now(bmc);

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (t == 0xff) {
		uint64_t left = 0;

		if (pef->postpone == 0xfe)
			left = 0xfe;
		else if (pef->postpone && pef->postpone_until > now)
			left = (pef->postpone_until - now + 999999) / 1000000;
		wb_u8(rsp, (uint8_t)left);
		return CC_OK;
	}
	if (t == 0) {
		postpone_end(pef);
	} else {
		pef->postpone_timer = sd_event_source_disable_unref(pef->postpone_timer);
		pef->postpone = t;
		if (t != 0xfe) {
			pef->postpone_until = now + (uint64_t)t * 1000000;
			sd_event_add_time(bmc->ev, &pef->postpone_timer, CLOCK_MONOTONIC,
					  pef->postpone_until, 100000, on_postpone, pef);
		}
	}
	wb_u8(rsp, t);
	return CC_OK;
}

/* ---- PEF Configuration Parameters (ctx: struct pef) ------------------ */

static int set_filter(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct pef *pef = ctx;
	uint8_t set = rb_u8(r), f[PEF_FILTER_LEN];

	rb_copy(r, f, sizeof(f));
	if (set == 0 || set > PEF_FILTERS)
		return -ERANGE;
	if ((f[0] & F_TYPE_MASK) == F_TYPE_RESERVED || (f[0] & 0x1f) || (f[1] & 0xc0) ||
	    (f[2] & 0x80) || !severity_ok(f[3]))
		return -EINVAL;
	memcpy(pef->c.filter[set - 1], f, PEF_FILTER_LEN);
	return 0;
}

static int set_filter_data1(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct pef *pef = ctx;
	uint8_t set = rb_u8(r), f0 = rb_u8(r);

	if (set == 0 || set > PEF_FILTERS)
		return -ERANGE;
	if ((f0 & F_TYPE_MASK) == F_TYPE_RESERVED || (f0 & 0x1f))
		return -EINVAL;
	pef->c.filter[set - 1][0] = f0;
	return 0;
}

static int get_filter(void *ctx, const struct param_query *q, struct wbuf *w)
{
	const struct pef *pef = ctx;

	return param_get_entry(w, q->set, 1, PEF_FILTERS, pef->c.filter, PEF_FILTER_LEN,
			       q->def->sel == P_FILTER ? PEF_FILTER_LEN : 1);
}

static int set_policy(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct pef *pef = ctx;
	uint8_t set = rb_u8(r), e[3];

	rb_copy(r, e, sizeof(e));
	if (set == 0 || set > PEF_POLICIES)
		return -ERANGE;
	if ((e[0] & 0x07) > 4)
		return -EINVAL;
	memcpy(pef->c.policy[set - 1], e, sizeof(e));
	return 0;
}

static int get_policy(void *ctx, const struct param_query *q, struct wbuf *w)
{
	const struct pef *pef = ctx;

	return param_get_entry(w, q->set, 1, PEF_POLICIES, pef->c.policy, 3, 3);
}

static int set_str_key(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct pef *pef = ctx;
	uint8_t set = rb_u8(r), k[2];

	rb_copy(r, k, sizeof(k));
	if (set > PEF_STRINGS)
		return -ERANGE;
	if (k[0] & 0x80 || k[1] & 0x80)
		return -EINVAL;
	memcpy(pef->c.str_key[set], k, sizeof(k));
	return 0;
}

static int get_str_key(void *ctx, const struct param_query *q, struct wbuf *w)
{
	const struct pef *pef = ctx;

	return param_get_entry(w, q->set, 0, PEF_STRINGS + 1, pef->c.str_key, 2, 2);
}

static bool str_block_ok(uint8_t set, uint8_t block)
{
	return set <= PEF_STRINGS && block != 0 && block <= PEF_STRING_LEN / 16;
}

/* A block write replaces the block; a short one leaves the rest zero. */
static int set_str(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct pef *pef = ctx;
	uint8_t set = rb_u8(r), block = rb_u8(r);
	uint8_t *b;

	if (!str_block_ok(set, block))
		return -ERANGE;
	b = pef->c.str[set] + (block - 1) * 16;
	memset(b, 0, 16);
	rb_copy(r, b, rb_left(r));
	return 0;
}

static int get_str(void *ctx, const struct param_query *q, struct wbuf *w)
{
	const struct pef *pef = ctx;

	if (!str_block_ok(q->set, q->block))
		return -ERANGE;
	wb_u8(w, q->set);
	wb_u8(w, q->block);
	wb_bytes(w, pef->c.str[q->set] + (q->block - 1) * 16, 16);
	return 0;
}

static uint8_t *pef_in_progress(void *ctx)
{
	return &((struct pef *)ctx)->set_in_progress;
}

static int pef_save(void *ctx)
{
	return save(ctx);
}

#define PLAIN(sel, member, mask) PARAM_PLAIN_AT(sel, struct pef, member, mask)
#define COUNT(sel, n) { (sel), PARAM_ANY_LEN, PARAM_RO, .value = (n) }

static const struct param_def pef_params[] = {
	PARAM_SET_IN_PROGRESS,
	PLAIN(P_CONTROL, c.control, 0xf0),
	PLAIN(P_ACTION_CTL, c.action_ctl, 0xc0),
	PLAIN(P_STARTUP_DELAY, c.startup_delay, 0x00),
	PLAIN(P_ALERT_DELAY, c.alert_delay, 0x00),
	COUNT(P_NFILTERS, PEF_FILTERS),
	{ P_FILTER, 1 + PEF_FILTER_LEN, 1 + PEF_FILTER_LEN, 0, get_filter, set_filter },
	{ P_FILTER_DATA1, 2, 2, 0, get_filter, set_filter_data1 },
	COUNT(P_NPOLICIES, PEF_POLICIES),
	{ P_POLICY, 4, 4, 0, get_policy, set_policy },
	PLAIN(P_GUID, c.guid, 0xfe),
	COUNT(P_NSTRINGS, PEF_STRINGS),
	{ P_STR_KEY, 3, 3, 0, get_str_key, set_str_key },
	{ P_STR, 3, 18, 0, get_str, set_str },
};

static const struct param_family pef_family = {
	PARAM_FAMILY(pef_params),
	.revision = PARAM_REVISION,
	.in_progress = pef_in_progress,
	.save = pef_save,
};

/* Set PEF Configuration Parameters: parameter ([7] ignored), its data. */
int pef_cmd_set_param(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t p = rb_u8(&r) & 0x7f;

	return param_cc(param_set(&pef_family, bmc->pef, p, &r));
}

/* Get PEF Configuration Parameters: [7] revision only, [6:0] parameter;
 * set selector; block selector. */
int pef_cmd_get_param(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t p = rb_u8(&r);
	struct param_query q = { .sel = p & 0x7f, .set = rb_u8(&r), .block = rb_u8(&r) };

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (p & 0x80) {		/* the revision, of any parameter */
		wb_u8(rsp, PARAM_REVISION);
		return CC_OK;
	}
	return param_cc(param_get(&pef_family, bmc->pef, &q, false, rsp));
}

int pef_cmd_set_last_id(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct pef *pef = bmc->pef;
	struct rbuf r = ipmi_reader(req);
	uint8_t which = rb_u8(&r);
	uint16_t id = rb_le16(&r);

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (which & 0xfe)
		return CC_INVALID_FIELD;
	if (which & 1)
		pef->c.last_bmc_id = id;
	else
		pef->c.last_sw_id = id;
	return save(pef) < 0 ? CC_UNSPECIFIED : CC_OK;
}

int pef_cmd_get_last_id(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	const struct sel *sel = bmc->sel;
	uint16_t last = sel->count ? (uint16_t)(sel->recs[sel->count - 1].d[0] |
						sel->recs[sel->count - 1].d[1] << 8)
				   : 0xffff;

	wb_le32(rsp, sel->last_add ? sel->last_add : 0xffffffff);
	wb_le16(rsp, last);
	wb_le16(rsp, bmc->pef->c.last_sw_id);
	wb_le16(rsp, bmc->pef->c.last_bmc_id);
	return CC_OK;
}

/* Alert Immediate: channel; operation (7:6) and destination (3:0); alert
 * string selector; optionally the event to send (generator ID, EvM rev,
 * sensor type, sensor number, event dir/type, event data 1-3). */
int pef_cmd_alert_immediate(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct pef *pef = bmc->pef;
	struct rbuf r = ipmi_reader(req);
	uint8_t chan = rb_u8(&r) & 0x0f, od = rb_u8(&r), op = od >> 6, dest = od & 0x0f;
	uint8_t rec[16] = { 0 };
	bool event;
	int ret;

	(void)rb_u8(&r);	/* alert string selector */
	event = rb_left(&r) == 8;
	if (!rb_ok(&r) || (rb_left(&r) != 0 && !event))
		return CC_REQ_LEN;
	if (chan != bmc->cfg.lan.channel)
		return CC_INVALID_FIELD;
	if (dest > LANCONF_DESTINATIONS)
		return CC_PARAM_OUT_OF_RANGE;
	switch (op) {
	case 1:
		wb_u8(rsp, pef->immediate_status);
		return CC_OK;
	case 2:
		pef->immediate_status = ALERT_ST_NONE;
		wb_u8(rsp, pef->immediate_status);
		return CC_OK;
	case 3:
		return CC_INVALID_FIELD;
	}
	if (pef->immediate_status == ALERT_ST_IN_PROGRESS)
		return CC_ALERT_IN_PROGRESS;
	rec[2] = SEL_TYPE_SYSTEM;
	if (event) {
		rec[7] = rb_u8(&r);
		rec[9] = rb_u8(&r);
		rb_copy(&r, rec + 10, 6);
	} else {
		/* No event given: an "unspecified" event from the BMC. */
		rec[7] = 0x20;
		rec[9] = SEL_EVM_REV;
		rec[10] = 0x12;		/* system event */
		rec[11] = 0xff;
		rec[12] = 0x6f;
		rec[13] = 0x04;		/* PEF action */
		rec[14] = rec[15] = 0xff;
	}
	ret = pet_send(pef, dest, rec, SEV_UNSPECIFIED, true);
	if (ret < 0) {
		pef->immediate_status = ALERT_ST_FAILED;
		wb_u8(rsp, pef->immediate_status);
		return CC_OK;
	}
	wb_u8(rsp, pef->immediate_status);
	return CC_OK;
}

/* PET Acknowledge: sequence number, local timestamp, event source type,
 * sensor device, sensor number, event data 1-3. */
int pef_cmd_pet_ack(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint16_t seq = rb_le16(&r);
	uint32_t ts = rb_le32(&r);

	rb_take(&r, 6);		/* the event: PET Acknowledge matches by sequence and time */
	if (!rb_done(&r))
		return CC_REQ_LEN;
	return pet_acknowledge(bmc->pef, seq, ts) ? CC_OK : CC_INVALID_FIELD;
}

/* ------------------------------------------------------------------ */

int pef_init(struct bmc *bmc, struct pef *pef)
{
	int r;

	memset(pef, 0, sizeof(*pef));
	pef->bmc = bmc;
	pef->fd = -1;
	pef->trap_port = bmc->cfg.pef.trap_port;
	pef->started_usec = bmc_now(bmc);
	defaults(pef, bmc->cfg.pef.enabled, bmc->cfg.lan.channel);
	r = load(pef);
	if (r < 0)
		return r;
	log_info("pef: %s, alerts to UDP port %u", pef->c.control & 1 ? "enabled" : "disabled",
		 pef->trap_port);
	return 0;
}

void pef_done(struct pef *pef)
{
	pet_done(pef);
	pef->postpone_timer = sd_event_source_disable_unref(pef->postpone_timer);
}
