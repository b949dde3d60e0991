/* SPDX-License-Identifier: MIT */
/*
 * DCMI 1.5 commands (netfn 2Ch, defining body DCh), the power sampling
 * timer, the power limit's exception action and the state file.
 * docs/dcmi.md.
 *
 * Every request starts with the group extension byte; a request for
 * another defining body is an unknown command (C1h).  Every response starts
 * with DCh, error responses included, as the group extension requires.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "daemon/bmc.h"
#include "chassis/power.h"
#include "sdr/sdr.h"
#include "sel/sel.h"
#include "sensors/sensors.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "daemon/param.h"
#include "ipmb/ipmb.h"
#include "daemon/store.h"
#include "dcmi/dcmi.h"

#define DCMI_MAJOR 0x01			/* DCMI 1.5 */
#define DCMI_MINOR 0x05
#define CAP_PARAM_REV 0x02		/* capability parameters, DCMI 1.1 and later */
#define CONF_PARAM_REV 0x01

#define STATE_VERSION 1

#define XFER_MAX 16			/* asset tag / MC ID bytes per request */
#define IDS_MAX 8			/* record IDs / readings per response */

#define SENSOR_TYPE_TEMPERATURE 0x01
#define SENSOR_TYPE_POWER_UNIT 0x09
#define EVENT_TYPE_THRESHOLD 0x01
#define EV_UPPER_CRITICAL_HIGH 0x09

#define BMC_SLAVE_ADDR 0x20

#define CORRECTION_MAX_MS 3600000u
#define SAMPLING_MAX_S 3600u

enum {					/* DCMI completion codes */
	CC_DCMI_PARAM_UNSUPPORTED = 0x80,
	CC_DCMI_NO_ACTIVE_LIMIT = 0x80,	/* Get Power Limit: data follows */
	CC_DCMI_LIMIT_RANGE = 0x84,
	CC_DCMI_CORRECTION_RANGE = 0x85,
	CC_DCMI_SAMPLING_RANGE = 0x89,
};

enum {					/* configuration parameters */
	CONF_ACTIVATE_DHCP = 1,
	CONF_DISCOVERY = 2,
	CONF_DHCP_TIMING1 = 3,
	CONF_DHCP_TIMING2 = 4,
	CONF_DHCP_TIMING3 = 5,
};

#define DISCOVERY_VALID 0x83		/* option 12, option 60/43, random back-off */

/* ------------------------------------------------------------------ */
/* State file                                                          */

void dcmi_state_encode(const struct dcmi_persist *p, uint8_t *buf)
{
	struct wbuf w = wb_init(buf, DCMI_STATE_LEN);

	wb_u8(&w, STATE_VERSION);
	wb_u8(&w, p->asset_tag_len);
	wb_bytes(&w, p->asset_tag, DCMI_STRING_MAX);
	wb_u8(&w, p->mc_id_len);
	wb_bytes(&w, p->mc_id, DCMI_STRING_MAX);
	wb_u8(&w, p->limit_active);
	wb_u8(&w, p->action);
	wb_le16(&w, p->limit_w);
	wb_le32(&w, p->correction_ms);
	wb_le16(&w, p->sampling_s);
	wb_u8(&w, p->discovery);
	wb_u8(&w, p->dhcp_initial_s);
	wb_le16(&w, p->dhcp_timeout_s);
	wb_le16(&w, p->dhcp_retry_s);
	wb_le32(&w, sel_crc32(buf, w.len));
}

int dcmi_state_decode(struct dcmi_persist *p, const uint8_t *buf, unsigned len)
{
	struct rbuf r = rb_init(buf, len);
	struct dcmi_persist t = { 0 };
	uint8_t active;

	if (len != DCMI_STATE_LEN || rb_u8(&r) != STATE_VERSION)
		return -EINVAL;
	t.asset_tag_len = rb_u8(&r);
	rb_copy(&r, t.asset_tag, DCMI_STRING_MAX);
	t.mc_id_len = rb_u8(&r);
	rb_copy(&r, t.mc_id, DCMI_STRING_MAX);
	active = rb_u8(&r);
	t.action = rb_u8(&r);
	t.limit_w = rb_le16(&r);
	t.correction_ms = rb_le32(&r);
	t.sampling_s = rb_le16(&r);
	t.discovery = rb_u8(&r);
	t.dhcp_initial_s = rb_u8(&r);
	t.dhcp_timeout_s = rb_le16(&r);
	t.dhcp_retry_s = rb_le16(&r);
	if (rb_le32(&r) != sel_crc32(buf, len - 4) || !rb_done(&r))
		return -EINVAL;
	if (t.asset_tag_len > DCMI_STRING_MAX || t.mc_id_len > DCMI_STRING_MAX || active > 1 ||
	    (t.action != DCMI_ACTION_NONE && t.action != DCMI_ACTION_POWER_OFF &&
	     t.action != DCMI_ACTION_SEL))
		return -EINVAL;
	t.limit_active = active;
	*p = t;
	return 0;
}

static int dcmi_save(struct dcmi *d)
{
	uint8_t buf[DCMI_STATE_LEN];
	int r;

	dcmi_state_encode(&d->p, buf);
	r = store_write(d->dirfd, DCMI_FILE, buf, sizeof(buf));
	if (r < 0)
		log_error_errno(r, "state: cannot write %s", DCMI_FILE);
	return r;
}

static void dcmi_defaults(struct dcmi *d, const struct cfg_dcmi *c)
{
	d->p = (struct dcmi_persist){
		.action = DCMI_ACTION_NONE,
		.limit_w = d->limit_max_w,
		.correction_ms = c->sample_ms > 5000 ? c->sample_ms : 5000,
		.sampling_s = (uint16_t)c->window_s,
		.dhcp_initial_s = 4,
		.dhcp_timeout_s = 120,
		.dhcp_retry_s = 64,
	};
	d->p.asset_tag_len = (uint8_t)strlen(c->asset_tag);
	memcpy(d->p.asset_tag, c->asset_tag, d->p.asset_tag_len);
	d->p.mc_id_len = (uint8_t)strlen(c->mc_id);
	memcpy(d->p.mc_id, c->mc_id, d->p.mc_id_len);
}

static int dcmi_load(struct dcmi *d, const struct cfg_dcmi *c)
{
	uint8_t buf[DCMI_STATE_LEN];
	ssize_t n = store_load(d->dirfd, DCMI_FILE, buf, sizeof(buf), "state");

	dcmi_defaults(d, c);
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;		/* logged */
	if (dcmi_state_decode(&d->p, buf, (unsigned)n) < 0) {
		log_warning("state: %s is corrupt; moved to %s.corrupt, using the board's DCMI "
			    "settings", DCMI_FILE, DCMI_FILE);
		store_set_aside(d->dirfd, DCMI_FILE, "state");
		dcmi_defaults(d, c);
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Power sampling and the power limit                                  */

/* The system power now: the sum of the power sensors, or false when one
 * of them has no reading. */
static bool system_power(const struct dcmi *d, uint32_t *watts)
{
	double sum = 0;

	if (!d->n_power)
		return false;
	for (unsigned i = 0; i < d->n_power; i++) {
		const struct sensor *s = d->power[i];

		if (!s->valid || s->unavailable)
			return false;
		sum += conv_to_value(&s->conv, s->raw);
	}
	*watts = sum <= 0 ? 0 : (uint32_t)lround(sum);
	return true;
}

static void limit_exception(struct dcmi *d, uint32_t watts)
{
	struct bmc *bmc = d->bmc;
	int r;

	log_warning("dcmi: power %u W above the limit of %u W for %u ms: %s", watts, d->p.limit_w,
		    d->p.correction_ms,
		    d->p.action == DCMI_ACTION_POWER_OFF ? "powering the host off" : "logging");
	/* Power Unit, "upper critical going high": the platform went over
	 * its critical (power) limit. */
	if ((bmc->global_enables & 0x08) &&
	    sel_add_event(bmc->sel, SEL_GEN_BMC, SENSOR_TYPE_POWER_UNIT, SENSOR_NUM_POWER_UNIT,
			  EVENT_TYPE_THRESHOLD, EV_UPPER_CRITICAL_HIGH, 0xff, 0xff) < 0)
		log_warning("dcmi: power limit event not logged (SEL full or not writable)");
	if (d->p.action != DCMI_ACTION_POWER_OFF)
		return;
	r = power_request(bmc->power, POWER_ACTION_OFF, RESTART_UNKNOWN);
	if (r < 0)
		log_warning_errno(r, "dcmi: power limit: cannot power the host off");
}

void dcmi_sample(struct dcmi *d, uint64_t now_ms)
{
	uint32_t watts = 0;
	bool valid = system_power(d, &watts);

	dcmi_stats_add(&d->stats, valid ? watts : DCMI_NO_SAMPLE);
	/* A limit is enforced only while the host is on. */
	if (!d->p.limit_active || d->p.action == DCMI_ACTION_NONE || !d->bmc->power->on) {
		d->exc = (struct dcmi_excursion){ 0 };
		return;
	}
	if (dcmi_excursion_step(&d->exc, now_ms, valid, watts, d->p.limit_w, d->p.correction_ms))
		limit_exception(d, watts);
}

static int on_sample(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct dcmi *d = userdata;
	uint64_t now = bmc_now(d->bmc);

	dcmi_sample(d, now / 1000);
	sd_event_source_set_time(src, usec + (uint64_t)d->bmc->cfg.dcmi.sample_ms * 1000);
	return 0;
}

int dcmi_init(struct bmc *bmc)
{
	struct dcmi *d = bmc->dcmi;
	const struct cfg_dcmi *c = &bmc->cfg.dcmi;
	uint32_t max = 0;
	int r;

	*d = (struct dcmi){ .bmc = bmc, .dirfd = bmc->state_fd };
	if (!c->sample_ms || !c->window_s)	/* a config not made by the parser */
		return log_error_errno(-EINVAL, "dcmi: no statistics window");
	for (unsigned i = 0; i < c->n_power_sensors; i++) {
		for (unsigned j = 0; j < bmc->sensors->n; j++) {
			if (!strcmp(bmc->sensors->s[j].cfg->name, c->power_sensors[i])) {
				d->power[d->n_power++] = &bmc->sensors->s[j];
				max += bmc->sensors->s[j].cfg->max > 0 ? (uint32_t)bmc->sensors->s[j].cfg->max : 0;
				break;
			}
		}
	}
	d->limit_max_w = (!d->n_power || max > 0xfffe || max == 0) ? 0xfffe : (uint16_t)max;
	r = dcmi_load(d, c);
	if (r < 0)
		return r;
	r = dcmi_stats_init(&d->stats, c->window_s * 1000 / c->sample_ms);
	if (r < 0)
		return log_error_errno(r, "dcmi: statistics window");
	r = sd_event_add_time_relative(bmc->ev, &d->timer, CLOCK_MONOTONIC,
				       (uint64_t)c->sample_ms * 1000, 10000, on_sample, d);
	if (r < 0)
		return log_error_errno(r, "dcmi: sampling timer");
	sd_event_source_set_enabled(d->timer, SD_EVENT_ON);
	return 0;
}

void dcmi_done(struct bmc *bmc)
{
	struct dcmi *d = bmc->dcmi;

	d->timer = sd_event_source_disable_unref(d->timer);
	dcmi_stats_free(&d->stats);
}

/* ------------------------------------------------------------------ */
/* Helpers for the handlers                                            */

/* Every handler starts here: the defining body must be DCMI's. */
static bool dcmi_begin(const struct ipmi_req *req, struct rbuf *r, struct wbuf *rsp)
{
	*r = ipmi_reader(req);
	if (rb_u8(r) != DCMI_GROUP_ID)
		return false;
	wb_u8(rsp, DCMI_GROUP_ID);
	return true;
}

/* An error response: the group extension byte and nothing else. */
static int dcmi_fail(struct wbuf *rsp, int cc)
{
	rsp->len = 1;
	return cc | CC_KEEP_DATA;
}

/* Time period byte of the enhanced statistics: [7:6] unit (seconds,
 * minutes, hours, days), [5:0] count; 0 when the window has none. */
static uint8_t window_period(unsigned s)
{
	if (s <= 63)
		return (uint8_t)s;
	if (s % 60 == 0 && s / 60 <= 63)
		return (uint8_t)(0x40 | s / 60);
	if (s % 3600 == 0 && s / 3600 <= 63)
		return (uint8_t)(0x80 | s / 3600);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Capabilities                                                        */

static uint8_t temperature_groups(struct bmc *bmc);

static int cmd_get_capability(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	const struct board_config *cfg = &bmc->cfg;
	uint8_t period = window_period(cfg->dcmi.window_s);
	unsigned poll_ms = 0;
	struct rbuf r;
	uint8_t param;

	if (!dcmi_begin(req, &r, rsp))
		return CC_INVALID_CMD;
	param = rb_u8(&r);
	wb_u8(rsp, DCMI_MAJOR);
	wb_u8(rsp, DCMI_MINOR);
	wb_u8(rsp, CAP_PARAM_REV);
	switch (param) {
	case 1:		/* supported DCMI capabilities */
		wb_u8(rsp, 0x00);
		wb_u8(rsp, bmc->dcmi->n_power ? 0x01 : 0x00);	/* power management */
		wb_u8(rsp, cfg->kcs.backend != KCS_NONE ? 0x01 : 0x00);	/* in-band system interface */
		break;
	case 2:		/* mandatory platform attributes */
		wb_le16(rsp, (uint16_t)(bmc->sel->capacity > 0xfff ? 0xfff : bmc->sel->capacity));
		wb_u8(rsp, 0x04);			/* asset tag */
		wb_u8(rsp, temperature_groups(bmc));
		for (unsigned i = 0; i < bmc->sensors->n; i++)
			if (bmc->sensors->s[i].cfg->type == SENSOR_TYPE_TEMPERATURE &&
			    (!poll_ms || bmc->sensors->s[i].cfg->poll_ms < poll_ms))
				poll_ms = bmc->sensors->s[i].cfg->poll_ms;
		poll_ms = (poll_ms + 999) / 1000;	/* sampling period, whole seconds */
		wb_u8(rsp, (uint8_t)(poll_ms > 255 ? 255 : poll_ms));
		break;
	case 3:		/* optional platform attributes: the BMC measures power */
		wb_u8(rsp, BMC_SLAVE_ADDR);
		wb_u8(rsp, cfg->identity.device_revision & 0x0f);	/* channel 0, revision */
		break;
	case 4:		/* manageability access attributes */
		wb_u8(rsp, cfg->lan.channel);
		wb_u8(rsp, 0xff);
		wb_u8(rsp, 0xff);
		break;
	case 5:		/* enhanced system power statistics: the window */
		wb_u8(rsp, period ? 1 : 0);
		if (period)
			wb_u8(rsp, period);
		break;
	default:
		return dcmi_fail(rsp, CC_DCMI_PARAM_UNSUPPORTED);
	}
	return CC_OK;
}

/* ------------------------------------------------------------------ */
/* Power                                                               */

static int cmd_get_power_reading(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct dcmi *d = bmc->dcmi;
	struct dcmi_reading rd;
	struct rbuf r;
	uint8_t mode, attr;

	if (!dcmi_begin(req, &r, rsp))
		return CC_INVALID_CMD;
	mode = rb_u8(&r);
	attr = rb_u8(&r);
	if (mode == 0x02) {		/* enhanced: only the statistics window's period */
		uint8_t period = window_period(bmc->cfg.dcmi.window_s);

		if (!period || attr != period)
			return dcmi_fail(rsp, CC_INVALID_FIELD);
	} else if (mode != 0x01) {
		return dcmi_fail(rsp, CC_INVALID_FIELD);
	}
	dcmi_stats_get(&d->stats, &rd);
	wb_le16(rsp, rd.cur);
	wb_le16(rsp, rd.min);
	wb_le16(rsp, rd.max);
	wb_le16(rsp, rd.avg);
	wb_le32(rsp, sel_time(bmc->sel));
	wb_le32(rsp, rd.n_slots * bmc->cfg.dcmi.sample_ms);
	wb_u8(rsp, rd.valid ? 0x40 : 0x00);		/* power measurement active */
	return CC_OK;
}

static int cmd_get_power_limit(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	const struct dcmi_persist *p = &bmc->dcmi->p;
	struct rbuf r;

	if (!dcmi_begin(req, &r, rsp))
		return CC_INVALID_CMD;
	wb_le16(rsp, 0);
	wb_u8(rsp, p->action);
	wb_le16(rsp, p->limit_w);
	wb_le32(rsp, p->correction_ms);
	wb_le16(rsp, 0);
	wb_le16(rsp, p->sampling_s);
	/* "No active set power limit" still carries the stored values. */
	return p->limit_active ? CC_OK : (CC_DCMI_NO_ACTIVE_LIMIT | CC_KEEP_DATA);
}

static int cmd_set_power_limit(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct dcmi *d = bmc->dcmi;
	struct dcmi_persist p = d->p;
	uint32_t correction;
	uint16_t limit, sampling;
	struct rbuf r;
	uint8_t action;

	if (!dcmi_begin(req, &r, rsp))
		return CC_INVALID_CMD;
	rb_take(&r, 3);
	action = rb_u8(&r);
	limit = rb_le16(&r);
	correction = rb_le32(&r);
	rb_take(&r, 2);
	sampling = rb_le16(&r);
	if (action != DCMI_ACTION_NONE && action != DCMI_ACTION_POWER_OFF && action != DCMI_ACTION_SEL)
		return dcmi_fail(rsp, CC_INVALID_FIELD);	/* OEM actions: none here */
	if (limit == 0 || limit > d->limit_max_w)
		return dcmi_fail(rsp, CC_DCMI_LIMIT_RANGE);
	if (correction < bmc->cfg.dcmi.sample_ms || correction > CORRECTION_MAX_MS)
		return dcmi_fail(rsp, CC_DCMI_CORRECTION_RANGE);
	if (sampling == 0 || sampling > SAMPLING_MAX_S)
		return dcmi_fail(rsp, CC_DCMI_SAMPLING_RANGE);
	p.action = action;
	p.limit_w = limit;
	p.correction_ms = correction;
	p.sampling_s = sampling;
	d->p = p;
	d->exc = (struct dcmi_excursion){ 0 };
	if (dcmi_save(d) < 0)
		return dcmi_fail(rsp, CC_UNSPECIFIED);
	return CC_OK;
}

static int cmd_activate_power_limit(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct dcmi *d = bmc->dcmi;
	struct rbuf r;
	uint8_t act;

	if (!dcmi_begin(req, &r, rsp))
		return CC_INVALID_CMD;
	act = rb_u8(&r);
	if (act > 1)
		return dcmi_fail(rsp, CC_INVALID_FIELD);
	if (d->p.limit_active == (act == 1))
		return CC_OK;
	d->p.limit_active = act == 1;
	d->exc = (struct dcmi_excursion){ 0 };
	log_notice("dcmi: power limit %u W %s", d->p.limit_w, act ? "activated" : "deactivated");
	if (dcmi_save(d) < 0)
		return dcmi_fail(rsp, CC_UNSPECIFIED);
	return CC_OK;
}

/* ------------------------------------------------------------------ */
/* Asset tag and management controller ID string                       */

static int get_string(const struct ipmi_req *req, struct wbuf *rsp, const uint8_t *s, uint8_t len)
{
	struct rbuf r;
	uint8_t off, n;

	if (!dcmi_begin(req, &r, rsp))
		return CC_INVALID_CMD;
	off = rb_u8(&r);
	n = rb_u8(&r);
	if (n > XFER_MAX || off + n > DCMI_STRING_MAX)
		return dcmi_fail(rsp, CC_PARAM_OUT_OF_RANGE);
	wb_u8(rsp, len);
	if (off < len)
		wb_bytes(rsp, s + off, off + n > len ? (size_t)(len - off) : n);
	return CC_OK;
}

/* Write bytes at an offset.  The new length is offset + count (DCMI 1.5);
 * with 'nul_ends' a NUL among the bytes ends the string there (the MC ID
 * string is sent NUL-terminated).  Returns the bytes written in total, or
 * a negative completion code. */
static int put_string(const struct ipmi_req *req, struct wbuf *rsp, uint8_t *s, uint8_t *len,
		      bool nul_ends)
{
	const uint8_t *data;
	struct rbuf r;
	uint8_t off, n;
	const uint8_t *nul;

	if (!dcmi_begin(req, &r, rsp))
		return -CC_INVALID_CMD;
	off = rb_u8(&r);
	n = rb_u8(&r);
	if (n > XFER_MAX || off + n > DCMI_STRING_MAX)
		return -CC_PARAM_OUT_OF_RANGE;
	if (rb_left(&r) != n)
		return -CC_REQ_LEN;
	if (off > *len)			/* no holes */
		return -CC_INVALID_FIELD;
	data = rb_take(&r, n);
	memcpy(s + off, data, n);
	nul = nul_ends ? memchr(data, 0, n) : NULL;
	*len = (uint8_t)(nul ? off + (nul - data) : off + n);
	memset(s + *len, 0, DCMI_STRING_MAX - *len);
	return off + n;
}

/* Set Asset Tag / Set Management Controller Identifier String: saved, or
 * nothing changes. */
static int set_string(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp, uint8_t *s,
		      uint8_t *len, bool nul_ends)
{
	struct dcmi_persist old = bmc->dcmi->p;
	int written = put_string(req, rsp, s, len, nul_ends);

	if (written == -CC_INVALID_CMD)
		return CC_INVALID_CMD;
	if (written >= 0 && dcmi_save(bmc->dcmi) < 0)
		written = -CC_UNSPECIFIED;
	if (written < 0) {
		bmc->dcmi->p = old;
		return dcmi_fail(rsp, -written);
	}
	wb_u8(rsp, (uint8_t)written);
	return CC_OK;
}

static int cmd_get_asset_tag(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	return get_string(req, rsp, bmc->dcmi->p.asset_tag, bmc->dcmi->p.asset_tag_len);
}

static int cmd_set_asset_tag(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct dcmi_persist *p = &bmc->dcmi->p;

	return set_string(bmc, req, rsp, p->asset_tag, &p->asset_tag_len, false);
}

static int cmd_get_mc_id(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	return get_string(req, rsp, bmc->dcmi->p.mc_id, bmc->dcmi->p.mc_id_len);
}

static int cmd_set_mc_id(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct dcmi_persist *p = &bmc->dcmi->p;

	return set_string(bmc, req, rsp, p->mc_id, &p->mc_id_len, true);
}

/* ------------------------------------------------------------------ */
/* Temperature sensors                                                 */

struct temp_rec {
	uint16_t id;			/* SDR record ID */
	uint8_t instance;		/* entity instance, 0..127 */
	uint8_t number;			/* sensor number */
};

/* DCMI entity IDs and the IPMI ones they stand for. */
static const struct {
	uint8_t dcmi, ipmi;
} temp_groups[] = {
	{ 0x40, 0x37 },			/* inlet: air inlet */
	{ 0x41, 0x03 },			/* CPU: processor */
	{ 0x42, 0x07 },			/* baseboard: system board */
};

static int temp_group(uint8_t entity)
{
	for (unsigned i = 0; i < sizeof(temp_groups) / sizeof(temp_groups[0]); i++)
		if (entity == temp_groups[i].dcmi || entity == temp_groups[i].ipmi)
			return (int)i;
	return -1;
}

/* The repository's temperature sensor records of one group, by entity
 * instance then record ID; 'instance' non-zero keeps only that one. */
static unsigned temp_records(struct bmc *bmc, int group, uint8_t instance, struct temp_rec *out,
			     unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < bmc->sdr->n && n < max; i++) {
		const uint8_t *d = bmc->sdr->recs[i].d;
		struct temp_rec t;
		unsigned j;

		/* the BMC's own sensors only: a satellite's are read over IPMB */
		if (bmc->sdr->recs[i].len < 13 || (d[3] != SDR_FULL && d[3] != SDR_COMPACT) ||
		    d[5] != ipmb_own_address(bmc->ipmb) || (d[6] & 0xf0) ||
		    d[12] != SENSOR_TYPE_TEMPERATURE || temp_group(d[8]) != group)
			continue;
		t = (struct temp_rec){ .id = (uint16_t)(d[0] | d[1] << 8), .instance = d[9] & 0x7f,
				       .number = d[7] };
		if (instance && t.instance != instance)
			continue;
		for (j = n; j > 0 && (out[j - 1].instance > t.instance ||
				      (out[j - 1].instance == t.instance && out[j - 1].id > t.id)); j--)
			out[j] = out[j - 1];
		out[j] = t;
		n++;
	}
	return n;
}

/* Bit per group (inlet, CPU, baseboard) that has a temperature record. */
static uint8_t temperature_groups(struct bmc *bmc)
{
	struct temp_rec t[1];
	uint8_t bits = 0;

	for (int g = 0; g < 3; g++)
		if (temp_records(bmc, g, 0, t, 1))
			bits |= (uint8_t)(1 << g);
	return bits;
}

/* A sensor's temperature in whole degrees, when it has a reading. */
static bool temp_value(struct bmc *bmc, uint8_t number, int *deg)
{
	const struct sensor *s = sensors_find(bmc->sensors, number);
	long v;

	if (!s || !s->cfg->threshold || !s->valid || s->unavailable)
		return false;
	v = lround(conv_to_value(&s->conv, s->raw));
	*deg = v > 127 ? 127 : v < -127 ? -127 : (int)v;
	return true;
}

/* Shared request: sensor type, entity ID, entity instance, instance start. */
static int temp_request(const struct ipmi_req *req, struct wbuf *rsp, int *group,
			uint8_t *instance, unsigned *skip)
{
	struct rbuf r;
	uint8_t type, entity, start;

	if (!dcmi_begin(req, &r, rsp))
		return CC_INVALID_CMD;
	type = rb_u8(&r);
	entity = rb_u8(&r);
	*instance = rb_u8(&r);
	start = rb_u8(&r);
	*group = temp_group(entity);
	if (type != SENSOR_TYPE_TEMPERATURE || *group < 0 || *instance > 0x7f)
		return dcmi_fail(rsp, CC_INVALID_FIELD);
	/* The start is 1-based; ipmitool sends 0 for the first. */
	*skip = *instance ? 0 : start ? start - 1u : 0;
	return CC_OK;
}

static int cmd_get_sensor_info(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct temp_rec t[255];
	unsigned n, skip, cnt;
	uint8_t instance;
	int group, cc;

	cc = temp_request(req, rsp, &group, &instance, &skip);
	if (cc != CC_OK)
		return cc;
	n = temp_records(bmc, group, instance, t, 255);
	cnt = skip >= n ? 0 : n - skip > IDS_MAX ? IDS_MAX : n - skip;
	wb_u8(rsp, (uint8_t)n);
	wb_u8(rsp, (uint8_t)cnt);
	for (unsigned i = 0; i < cnt; i++)
		wb_le16(rsp, t[skip + i].id);
	return CC_OK;
}

static int cmd_get_temperatures(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct temp_rec all[255], t[255];
	unsigned n_all, n = 0, skip, cnt;
	uint8_t instance;
	int group, cc, deg[255];

	cc = temp_request(req, rsp, &group, &instance, &skip);
	if (cc != CC_OK)
		return cc;
	/* Only sensors with a reading now count as instances here. */
	n_all = temp_records(bmc, group, instance, all, 255);
	for (unsigned i = 0; i < n_all; i++)
		if (temp_value(bmc, all[i].number, &deg[n]))
			t[n++] = all[i];
	cnt = skip >= n ? 0 : n - skip > IDS_MAX ? IDS_MAX : n - skip;
	wb_u8(rsp, (uint8_t)n);
	wb_u8(rsp, (uint8_t)cnt);
	for (unsigned i = 0; i < cnt; i++) {
		int v = deg[skip + i];

		wb_u8(rsp, (uint8_t)(v < 0 ? 0x80 | -v : v));
		wb_u8(rsp, t[skip + i].instance);
	}
	return CC_OK;
}

/* ------------------------------------------------------------------ */
/* Configuration parameters                                            */

/* Set's data is a set selector (none of these has sets: 0) and the value;
 * ctx is struct dcmi, .off the value's place in it. */

static int set_activate(void *ctx, const struct param_def *d, struct rbuf *r)
{
	uint8_t set = rb_u8(r), v = rb_u8(r);

	if (set != 0 || v != 0x01)
		return -EINVAL;
	/* bmcd does not run DHCP itself: the address source is the LAN
	 * configuration's; the request is acknowledged. */
	log_info("dcmi: DHCP activation requested");
	return 0;
}

static int set_u8(void *ctx, const struct param_def *d, struct rbuf *r)
{
	uint8_t set = rb_u8(r), v = rb_u8(r);

	if (set != 0 || (v & d->mask))
		return -EINVAL;
	*((uint8_t *)ctx + d->off) = v;
	return 0;
}

static int get_u8(void *ctx, const struct param_query *q, struct wbuf *w)
{
	wb_u8(w, *((const uint8_t *)ctx + q->def->off));
	return 0;
}

static int set_le16(void *ctx, const struct param_def *d, struct rbuf *r)
{
	uint8_t set = rb_u8(r);
	uint16_t v = rb_le16(r);

	if (set != 0)
		return -EINVAL;
	memcpy((uint8_t *)ctx + d->off, &v, sizeof(v));
	return 0;
}

static int dcmi_save_params(void *ctx)
{
	return dcmi_save(ctx);
}

#define AT(member) .off = offsetof(struct dcmi, p.member)

static const struct param_def dcmi_params[] = {
	/* write-only: reads as 0 */
	{ CONF_ACTIVATE_DHCP, 2, 2, PARAM_VOLATILE, NULL, set_activate, .value = 0x00 },
	{ CONF_DISCOVERY, 2, 2, 0, get_u8, set_u8, .mask = (uint8_t)~DISCOVERY_VALID, AT(discovery) },
	{ CONF_DHCP_TIMING1, 2, 2, 0, get_u8, set_u8, AT(dhcp_initial_s) },
	{ CONF_DHCP_TIMING2, 3, 3, 0, param_get_le16, set_le16, AT(dhcp_timeout_s) },
	{ CONF_DHCP_TIMING3, 3, 3, 0, param_get_le16, set_le16, AT(dhcp_retry_s) },
};

static const struct param_family dcmi_family = {
	PARAM_FAMILY(dcmi_params),
	.revision = CONF_PARAM_REV,
	.save = dcmi_save_params,
};

static int cmd_set_conf(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct dcmi *d = bmc->dcmi;
	struct dcmi_persist old = d->p;
	struct rbuf r;
	int ret;

	if (!dcmi_begin(req, &r, rsp))
		return CC_INVALID_CMD;
	ret = param_set(&dcmi_family, d, rb_u8(&r), &r);
	if (ret < 0) {
		d->p = old;	/* a save that failed changes nothing */
		return dcmi_fail(rsp, param_cc(ret));
	}
	return CC_OK;
}

static int cmd_get_conf(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r;
	struct param_query q;

	if (!dcmi_begin(req, &r, rsp))
		return CC_INVALID_CMD;
	q = (struct param_query){ .sel = rb_u8(&r), .set = rb_u8(&r) };
	if (!rb_done(&r))
		return dcmi_fail(rsp, CC_REQ_LEN);
	if (!param_find(&dcmi_family, q.sel))
		return dcmi_fail(rsp, CC_DCMI_PARAM_UNSUPPORTED);
	if (q.set != 0)
		return dcmi_fail(rsp, CC_INVALID_FIELD);
	wb_u8(rsp, DCMI_MAJOR);
	wb_u8(rsp, DCMI_MINOR);
	param_get(&dcmi_family, bmc->dcmi, &q, false, rsp);
	return CC_OK;
}

/* ------------------------------------------------------------------ */

/* Lengths include the group extension byte. */
const struct ipmi_cmd dcmi_cmds[] = {
	IPMI_CMD(NETFN_GROUP, 0x01, cmd_get_capability, PRIV_USER, 2, 2, 0, "Get DCMI Capability Info"),
	IPMI_CMD(NETFN_GROUP, 0x02, cmd_get_power_reading, PRIV_USER, 4, 4, 0, "Get Power Reading"),
	IPMI_CMD(NETFN_GROUP, 0x03, cmd_get_power_limit, PRIV_USER, 3, 3, 0, "Get Power Limit"),
	IPMI_CMD(NETFN_GROUP, 0x04, cmd_set_power_limit, PRIV_OPERATOR, 15, 15, 0, "Set Power Limit"),
	IPMI_CMD(NETFN_GROUP, 0x05, cmd_activate_power_limit, PRIV_OPERATOR, 4, 4, 0,
			  "Activate/Deactivate Power Limit"),
	IPMI_CMD(NETFN_GROUP, 0x06, cmd_get_asset_tag, PRIV_USER, 3, 3, 0, "Get Asset Tag"),
	IPMI_CMD(NETFN_GROUP, 0x07, cmd_get_sensor_info, PRIV_USER, 5, 5, 0, "Get DCMI Sensor Info"),
	IPMI_CMD(NETFN_GROUP, 0x08, cmd_set_asset_tag, PRIV_OPERATOR, 3, 3 + XFER_MAX, 0, "Set Asset Tag"),
	IPMI_CMD(NETFN_GROUP, 0x09, cmd_get_mc_id, PRIV_USER, 3, 3, 0,
			  "Get Management Controller Identifier String"),
	IPMI_CMD(NETFN_GROUP, 0x0a, cmd_set_mc_id, PRIV_ADMIN, 3, 3 + XFER_MAX, 0,
			  "Set Management Controller Identifier String"),
	IPMI_CMD(NETFN_GROUP, 0x10, cmd_get_temperatures, PRIV_USER, 5, 5, 0, "Get Temperature Readings"),
	IPMI_CMD(NETFN_GROUP, 0x12, cmd_set_conf, PRIV_ADMIN, 4, 5, 0, "Set DCMI Configuration Parameters"),
	IPMI_CMD(NETFN_GROUP, 0x13, cmd_get_conf, PRIV_USER, 3, 3, 0, "Get DCMI Configuration Parameters"),
	{ 0 },
};
