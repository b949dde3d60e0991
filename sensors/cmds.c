/* SPDX-License-Identifier: MIT */
/*
 * The Sensor/Event netfn (04h): event receiver, Platform Event Message
 * (sel/event.c), device SDR info and the sensor commands of IPMI 2.0
 * chapter 35.  Sensor numbers that no board sensor has get CBh; commands
 * that do not fit the sensor's kind (thresholds of a discrete sensor) CDh.
 */
#include <errno.h>

#include "daemon/bmc.h"
#include "sel/sel.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "sdr/sdr.h"
#include "sensors/sensors.h"

#define SENSOR_NUM_RESERVED 0xff

/* Get Sensor Reading byte 2. */
#define RD_EVENTS 0x80
#define RD_SCANNING 0x40
#define RD_UNAVAILABLE 0x20

/* Set Sensor Event Enable byte 2, bits 5:4. */
#define EN_KEEP 0x00
#define EN_ENABLE 0x10
#define EN_DISABLE 0x20

/* The sensor numbered n (the first request byte of every sensor command)
 * among the BMC's sensors or the satellite's the request is for. */
static struct sensor *lookup(struct bmc *bmc, const struct ipmi_req *req, uint8_t n)
{
	return n == SENSOR_NUM_RESERVED ? NULL
					: sensors_find(req->sensors ? req->sensors : bmc->sensors, n);
}

static int set_event_receiver(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t addr = rb_u8(&r), lun = rb_u8(&r);

	if (!rb_done(&r))
		return CC_REQ_LEN;
	bmc->sensors->evr_addr = addr;
	bmc->sensors->evr_lun = lun & 0x03;
	log_info("sensors: event receiver %02xh LUN %u%s", bmc->sensors->evr_addr,
		 bmc->sensors->evr_lun, bmc->sensors->evr_addr == 0xff ? " (event messages off)" : "");
	return CC_OK;
}

static int get_event_receiver(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	wb_u8(rsp, bmc->sensors->evr_addr);
	wb_u8(rsp, bmc->sensors->evr_lun);
	return CC_OK;
}

/* Get Device SDR Info: the sensor count (or, bit 0 of the request set, the
 * SDR count) on LUN 0, a static population. */
static int get_device_sdr_info(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	/* The operation byte is optional: without it, the sensor count. */
	bool sdrs = rb_left(&r) && (rb_u8(&r) & 1);

	if (!rb_done(&r))
		return CC_REQ_LEN;
	wb_u8(rsp, (uint8_t)(sdrs ? sdr_count(bmc->sdr) : bmc->sensors->n));
	wb_u8(rsp, 0x01);	/* static population, LUN 0 has sensors */
	return CC_OK;
}

static int get_sensor_reading(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	const struct sensor *s = lookup(bmc, req, rb_u8(&r));
	uint8_t flags;

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!s)
		return CC_NOT_PRESENT;
	flags = (uint8_t)((s->events ? RD_EVENTS : 0) | (s->scanning ? RD_SCANNING : 0) |
			  (s->unavailable || !s->valid ? RD_UNAVAILABLE : 0));
	if (s->cfg->threshold) {
		wb_u8(rsp, s->raw);
		wb_u8(rsp, flags);
		wb_u8(rsp, 0xc0 | sensor_thr_status(s));	/* bits 7:6 reserved, read as 1 */
	} else {
		wb_u8(rsp, 0);
		wb_u8(rsp, flags);
		wb_u8(rsp, (uint8_t)(s->state & 0xff));
		wb_u8(rsp, (uint8_t)(0x80 | (s->state >> 8 & 0x7f)));
	}
	return CC_OK;
}

static int get_sensor_type(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	const struct sensor *s = lookup(bmc, req, rb_u8(&r));

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!s)
		return CC_NOT_PRESENT;
	wb_u8(rsp, s->cfg->type);
	wb_u8(rsp, s->cfg->event_type);
	return CC_OK;
}

static int get_thresholds(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	const struct sensor *s = lookup(bmc, req, rb_u8(&r));

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!s)
		return CC_NOT_PRESENT;
	if (!s->cfg->threshold)
		return CC_ILLEGAL_FOR_SENSOR;
	wb_u8(rsp, s->thr_present);
	for (int t = 0; t < THR_COUNT; t++)
		wb_u8(rsp, (s->thr_present & (1u << t)) ? s->thr[t] : 0);
	return CC_OK;
}

/* Set Sensor Thresholds: only settable ones, and the result must keep
 * lnr <= lc <= lnc < unc <= uc <= unr among the thresholds present
 * (sensor_set_thresholds(), which D-Bus writes go through too). */
static int set_thresholds(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	struct sensor *s = lookup(bmc, req, rb_u8(&r));
	uint8_t mask = rb_u8(&r), given[THR_COUNT];
	int e;

	rb_copy(&r, given, sizeof(given));	/* lnc, lc, lnr, unc, uc, unr */
	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!s)
		return CC_NOT_PRESENT;
	e = sensor_set_thresholds(s, mask, given, "IPMI");
	if (e == -ENOTTY)
		return CC_ILLEGAL_FOR_SENSOR;
	return e < 0 ? CC_INVALID_FIELD : CC_OK;
}

static int get_hysteresis(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	const struct sensor *s = lookup(bmc, req, rb_u8(&r));

	rb_u8(&r);	/* reserved (hysteresis mask) */
	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!s)
		return CC_NOT_PRESENT;
	if (!s->cfg->threshold)
		return CC_ILLEGAL_FOR_SENSOR;
	wb_u8(rsp, s->hyst_pos);
	wb_u8(rsp, s->hyst_neg);
	return CC_OK;
}

static int set_hysteresis(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	struct sensor *s = lookup(bmc, req, rb_u8(&r));
	uint8_t pos, neg;

	rb_u8(&r);	/* reserved (hysteresis mask) */
	pos = rb_u8(&r);
	neg = rb_u8(&r);
	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!s)
		return CC_NOT_PRESENT;
	if (!s->cfg->threshold)
		return CC_ILLEGAL_FOR_SENSOR;
	s->hyst_pos = pos;
	s->hyst_neg = neg;
	return CC_OK;
}

/* Bytes 3-6 of Set Sensor Event Enable and Re-arm: assertion 7:0, 14:8,
 * deassertion 7:0, 14:8; absent bytes are 0. */
static void masks(struct rbuf *r, uint16_t *a, uint16_t *d)
{
	uint8_t b[4] = { 0 };

	for (size_t i = 0; i < sizeof(b) && rb_left(r); i++)
		b[i] = rb_u8(r);
	*a = (uint16_t)(b[0] | (b[1] & 0x7f) << 8);
	*d = (uint16_t)(b[2] | (b[3] & 0x7f) << 8);
}

static int set_event_enable(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	struct sensor *s = lookup(bmc, req, rb_u8(&r));
	uint8_t fb = rb_u8(&r), op = fb & 0x30;
	uint16_t a, d;

	masks(&r, &a, &d);
	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!s)
		return CC_NOT_PRESENT;
	if (op == 0x30)
		return CC_INVALID_FIELD;
	if (op != EN_KEEP && ((a & ~s->assert_sup) || (d & ~s->deassert_sup)))
		return CC_INVALID_FIELD;
	s->events = fb & 0x80;
	s->scanning = fb & 0x40;
	if (op == EN_ENABLE) {
		s->assert_en |= a;
		s->deassert_en |= d;
	} else if (op == EN_DISABLE) {
		s->assert_en &= (uint16_t)~a;
		s->deassert_en &= (uint16_t)~d;
	}
	return CC_OK;
}

static int get_event_enable(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	const struct sensor *s = lookup(bmc, req, rb_u8(&r));

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!s)
		return CC_NOT_PRESENT;
	wb_u8(rsp, (uint8_t)((s->events ? 0x80 : 0) | (s->scanning ? 0x40 : 0)));
	wb_u8(rsp, (uint8_t)(s->assert_en & 0xff));
	wb_u8(rsp, (uint8_t)(s->assert_en >> 8));
	wb_u8(rsp, (uint8_t)(s->deassert_en & 0xff));
	wb_u8(rsp, (uint8_t)(s->deassert_en >> 8));
	return CC_OK;
}

static int rearm_events(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	struct sensor *s = lookup(bmc, req, rb_u8(&r));
	uint8_t fb = rb_u8(&r);
	uint16_t a = 0x7fff, d = 0x7fff, ma, md;

	masks(&r, &ma, &md);
	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!s)
		return CC_NOT_PRESENT;
	/* Bit 7 clear: re-arm all events, whatever masks follow. */
	if (fb & 0x80) {
		a = ma;
		d = md;
	}
	sensor_rearm(s, a, d);
	return CC_OK;
}

static int get_event_status(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	const struct sensor *s = lookup(bmc, req, rb_u8(&r));

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!s)
		return CC_NOT_PRESENT;
	wb_u8(rsp, (uint8_t)((s->events ? 0x80 : 0) | (s->scanning ? 0x40 : 0) |
			     (s->unavailable || !s->valid ? 0x20 : 0)));
	wb_u8(rsp, (uint8_t)(s->asserted & 0xff));
	wb_u8(rsp, (uint8_t)(s->asserted >> 8));
	wb_u8(rsp, (uint8_t)(s->deasserted & 0xff));
	wb_u8(rsp, (uint8_t)(s->deasserted >> 8));
	return CC_OK;
}

const struct ipmi_cmd sensors_cmds[] = {
	IPMI_CMD(NETFN_SENSOR, 0x00, set_event_receiver, PRIV_ADMIN, 2, 2, 0, "Set Event Receiver"),
	IPMI_CMD(NETFN_SENSOR, 0x01, get_event_receiver, PRIV_USER, 0, 0, 0, "Get Event Receiver"),
	IPMI_CMD(NETFN_SENSOR, 0x02, sensor_platform_event, PRIV_OPERATOR, 7, 8, 0, "Platform Event Message"),
	IPMI_CMD(NETFN_SENSOR, 0x20, get_device_sdr_info, PRIV_USER, 0, 1, 0, "Get Device SDR Info"),
	IPMI_CMD(NETFN_SENSOR, 0x21, sdr_cmd_get, PRIV_USER, 6, 6, 0, "Get Device SDR"),
	IPMI_CMD(NETFN_SENSOR, 0x22, sdr_cmd_reserve, PRIV_USER, 0, 0, 0, "Reserve Device SDR Repository"),
	IPMI_CMD(NETFN_SENSOR, 0x24, set_hysteresis, PRIV_OPERATOR, 4, 4, 0, "Set Sensor Hysteresis"),
	IPMI_CMD(NETFN_SENSOR, 0x25, get_hysteresis, PRIV_USER, 2, 2, 0, "Get Sensor Hysteresis"),
	IPMI_CMD(NETFN_SENSOR, 0x26, set_thresholds, PRIV_OPERATOR, 8, 8, 0, "Set Sensor Thresholds"),
	IPMI_CMD(NETFN_SENSOR, 0x27, get_thresholds, PRIV_USER, 1, 1, 0, "Get Sensor Thresholds"),
	IPMI_CMD(NETFN_SENSOR, 0x28, set_event_enable, PRIV_OPERATOR, 2, 6, 0, "Set Sensor Event Enable"),
	IPMI_CMD(NETFN_SENSOR, 0x29, get_event_enable, PRIV_USER, 1, 1, 0, "Get Sensor Event Enable"),
	IPMI_CMD(NETFN_SENSOR, 0x2a, rearm_events, PRIV_OPERATOR, 2, 6, 0, "Re-arm Sensor Events"),
	IPMI_CMD(NETFN_SENSOR, 0x2b, get_event_status, PRIV_USER, 1, 1, 0, "Get Sensor Event Status"),
	IPMI_CMD(NETFN_SENSOR, 0x2d, get_sensor_reading, PRIV_USER, 1, 1, 0, "Get Sensor Reading"),
	IPMI_CMD(NETFN_SENSOR, 0x2f, get_sensor_type, PRIV_USER, 1, 1, 0, "Get Sensor Type"),
	{ 0 },
};
