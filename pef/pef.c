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
#include "daemon/store.h"
#include "pef/pef.h"
#include "pef/pet.h"

#define PEF_FILE "pef"
#define PEF_MAGIC "BPEF"
#define PEF_FORMAT 1
#define PEF_VERSION 0x51
#define PARAM_REVISION 0x11
#define CC_PARAM_UNSUPPORTED 0x80
#define CC_SET_IN_PROGRESS 0x81
#define CC_READ_ONLY 0x82
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

static void load(struct pef *pef)
{
	uint8_t buf[8 + sizeof(struct pef_config)];
	ssize_t n = store_read(pef->bmc->state_fd, PEF_FILE, buf, sizeof(buf));

	if (n == -ENOENT)
		return;
	if (n != (ssize_t)sizeof(buf) || memcmp(buf, PEF_MAGIC, 4) || buf[4] != PEF_FORMAT) {
		log_warning("pef: %s is corrupt or from another version; defaults used", PEF_FILE);
		return;
	}
	memcpy(&pef->c, buf + 8, sizeof(pef->c));
	/* Alert string 0 and its key are volatile (the file has them). */
	memset(pef->c.str_key[0], 0, sizeof(pef->c.str_key[0]));
	memset(pef->c.str[0], 0, sizeof(pef->c.str[0]));
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
	uint8_t t = req->data[0];
	uint64_t now = bmc_now(bmc);

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

static int check_filter(const uint8_t *d)
{
	if ((d[0] & F_TYPE_MASK) == F_TYPE_RESERVED || (d[0] & 0x1f) || (d[1] & 0xc0) ||
	    (d[2] & 0x80) || !severity_ok(d[3]))
		return CC_INVALID_FIELD;
	return CC_OK;
}

/* Set PEF Configuration Parameters: parameter, set selector, data. */
int pef_cmd_set_param(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct pef *pef = bmc->pef;
	struct pef_config *c = &pef->c;
	uint8_t p = req->data[0] & 0x7f, set = req->len > 1 ? req->data[1] : 0;
	const uint8_t *d = req->data + 1;
	size_t n = req->len - 1;

#define NEED(len) do { if (n != (len)) return CC_REQ_LEN; } while (0)
	switch (p) {
	case P_SET_IN_PROGRESS:
		NEED(1);
		if ((d[0] & 0xfc) || (d[0] & 3) == 3)	/* 7:2 and 11b reserved */
			return CC_INVALID_FIELD;
		if ((d[0] & 3) == 1 && pef->set_in_progress == 1)
			return CC_SET_IN_PROGRESS;
		pef->set_in_progress = d[0] & 3;
		if (pef->set_in_progress == 2)	/* commit write: saved already */
			pef->set_in_progress = 0;
		return CC_OK;
	case P_CONTROL:
		NEED(1);
		if (d[0] & 0xf0)
			return CC_INVALID_FIELD;
		c->control = d[0];
		break;
	case P_ACTION_CTL:
		NEED(1);
		if (d[0] & 0xc0)
			return CC_INVALID_FIELD;
		c->action_ctl = d[0];
		break;
	case P_STARTUP_DELAY:
		NEED(1);
		c->startup_delay = d[0];
		break;
	case P_ALERT_DELAY:
		NEED(1);
		c->alert_delay = d[0];
		break;
	case P_NFILTERS:
	case P_NPOLICIES:
	case P_NSTRINGS:
		return CC_READ_ONLY;
	case P_FILTER:
		NEED(1 + PEF_FILTER_LEN);
		if (set == 0 || set > PEF_FILTERS)
			return CC_PARAM_OUT_OF_RANGE;
		if (check_filter(d + 1) != CC_OK)
			return CC_INVALID_FIELD;
		memcpy(c->filter[set - 1], d + 1, PEF_FILTER_LEN);
		break;
	case P_FILTER_DATA1:
		NEED(2);
		if (set == 0 || set > PEF_FILTERS)
			return CC_PARAM_OUT_OF_RANGE;
		if ((d[1] & F_TYPE_MASK) == F_TYPE_RESERVED || (d[1] & 0x1f))
			return CC_INVALID_FIELD;
		c->filter[set - 1][0] = d[1];
		break;
	case P_POLICY:
		NEED(4);
		if (set == 0 || set > PEF_POLICIES)
			return CC_PARAM_OUT_OF_RANGE;
		if ((d[1] & 0x07) > 4)
			return CC_INVALID_FIELD;
		memcpy(c->policy[set - 1], d + 1, 3);
		break;
	case P_GUID:
		NEED(17);
		if (d[0] & 0xfe)
			return CC_INVALID_FIELD;
		memcpy(c->guid, d, 17);
		break;
	case P_STR_KEY:
		NEED(3);
		if (set > PEF_STRINGS)
			return CC_PARAM_OUT_OF_RANGE;
		if (d[1] & 0x80 || d[2] & 0x80)
			return CC_INVALID_FIELD;
		memcpy(c->str_key[set], d + 1, 2);
		break;
	case P_STR: {
		uint8_t block;

		if (n < 3 || n > 18)
			return CC_REQ_LEN;
		block = d[1];
		if (set > PEF_STRINGS || block == 0 || block > PEF_STRING_LEN / 16)
			return CC_PARAM_OUT_OF_RANGE;
		memset(c->str[set] + (block - 1) * 16, 0, 16);
		memcpy(c->str[set] + (block - 1) * 16, d + 2, n - 2);
		break;
	}
	default:
		return CC_PARAM_UNSUPPORTED;
	}
#undef NEED
	/* Volatile entries (set 0) are not worth a write, the rest is. */
	return save(pef) < 0 ? CC_UNSPECIFIED : CC_OK;
}

/* Get PEF Configuration Parameters: [7] revision only, [6:0] parameter;
 * set selector; block selector. */
int pef_cmd_get_param(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	const struct pef *pef = bmc->pef;
	const struct pef_config *c = &pef->c;
	uint8_t p = req->data[0] & 0x7f, set = req->data[1], block = req->data[2];

	wb_u8(rsp, PARAM_REVISION);
	if (req->data[0] & 0x80)
		return CC_OK;
	switch (p) {
	case P_SET_IN_PROGRESS: wb_u8(rsp, pef->set_in_progress); break;
	case P_CONTROL: wb_u8(rsp, c->control); break;
	case P_ACTION_CTL: wb_u8(rsp, c->action_ctl); break;
	case P_STARTUP_DELAY: wb_u8(rsp, c->startup_delay); break;
	case P_ALERT_DELAY: wb_u8(rsp, c->alert_delay); break;
	case P_NFILTERS: wb_u8(rsp, PEF_FILTERS); break;
	case P_NPOLICIES: wb_u8(rsp, PEF_POLICIES); break;
	case P_NSTRINGS: wb_u8(rsp, PEF_STRINGS); break;
	case P_FILTER:
	case P_FILTER_DATA1:
		if (set == 0 || set > PEF_FILTERS)
			return CC_PARAM_OUT_OF_RANGE;
		wb_u8(rsp, set);
		wb_bytes(rsp, c->filter[set - 1], p == P_FILTER ? PEF_FILTER_LEN : 1);
		break;
	case P_POLICY:
		if (set == 0 || set > PEF_POLICIES)
			return CC_PARAM_OUT_OF_RANGE;
		wb_u8(rsp, set);
		wb_bytes(rsp, c->policy[set - 1], 3);
		break;
	case P_GUID: wb_bytes(rsp, c->guid, 17); break;
	case P_STR_KEY:
		if (set > PEF_STRINGS)
			return CC_PARAM_OUT_OF_RANGE;
		wb_u8(rsp, set);
		wb_bytes(rsp, c->str_key[set], 2);
		break;
	case P_STR:
		if (set > PEF_STRINGS || block == 0 || block > PEF_STRING_LEN / 16)
			return CC_PARAM_OUT_OF_RANGE;
		wb_u8(rsp, set);
		wb_u8(rsp, block);
		wb_bytes(rsp, c->str[set] + (block - 1) * 16, 16);
		break;
	default:
		return CC_PARAM_UNSUPPORTED;
	}
	return CC_OK;
}

int pef_cmd_set_last_id(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct pef *pef = bmc->pef;
	uint16_t id = (uint16_t)(req->data[1] | req->data[2] << 8);

	if (req->data[0] & 0xfe)
		return CC_INVALID_FIELD;
	if (req->data[0] & 1)
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
	uint8_t chan = req->data[0] & 0x0f, op = req->data[1] >> 6, dest = req->data[1] & 0x0f;
	uint8_t rec[16] = { 0 };
	int r;

	if (req->len != 3 && req->len != 11)
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
	if (req->len == 11) {
		rec[7] = req->data[3];
		rec[9] = req->data[4];
		memcpy(rec + 10, req->data + 5, 6);
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
	r = pet_send(pef, dest, rec, SEV_UNSPECIFIED, true);
	if (r < 0) {
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
	struct rbuf r = rb_init(req->data, req->len);
	uint16_t seq = rb_le16(&r);
	uint32_t ts = rb_le32(&r);

	return pet_acknowledge(bmc->pef, seq, ts) ? CC_OK : CC_INVALID_FIELD;
}

/* ------------------------------------------------------------------ */

int pef_init(struct bmc *bmc, struct pef *pef)
{
	memset(pef, 0, sizeof(*pef));
	pef->bmc = bmc;
	pef->fd = -1;
	pef->trap_port = bmc->cfg.pef.trap_port;
	pef->started_usec = bmc_now(bmc);
	defaults(pef, bmc->cfg.pef.enabled, bmc->cfg.lan.channel);
	load(pef);
	log_info("pef: %s, alerts to UDP port %u", pef->c.control & 1 ? "enabled" : "disabled",
		 pef->trap_port);
	return 0;
}

void pef_done(struct pef *pef)
{
	pet_done(pef);
	pef->postpone_timer = sd_event_source_disable_unref(pef->postpone_timer);
}
