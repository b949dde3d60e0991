/* SPDX-License-Identifier: MIT */
/*
 * Simulated satellite management controllers (board section
 * "ipmb.satellites"): each answers on its IPMB address with its own Device
 * ID, its own device SDRs (Get Device SDR Info / Reserve / Get Device SDR)
 * and its own sensors (the Sensor/Event commands of sensors/cmds.c, run on
 * its sensor set), and, when other satellites sit behind it, bridges Send
 * Message to them: the second level of ipmitool -B/-T -b/-t.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/bmc.h"
#include "daemon/buf.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "ipmb/ipmb_internal.h"
#include "sdr/sdr.h"
#include "sel/sel.h"

#define DEV_SUPPORT_SENSOR 0x01		/* Get Device ID: sensor device */
#define DEV_SUPPORT_EVENT_GEN 0x20	/* IPMB event generator */
#define DEV_SUPPORT_BRIDGE 0x40		/* bridge: satellites behind it */
#define SDR_NONE 0xffff

/* Satellite sensors' events reach the BMC's event receiver as a Platform
 * Event Message over IPMB would: logged with the satellite as generator
 * (slave address, and the BMC's channel it is reached through). */
static void sat_on_sensor_event(void *userdata, const struct sensor *sn, bool deassert, uint8_t ed1,
				uint8_t ed2, uint8_t ed3)
{
	struct sat *s = userdata;
	struct bmc *bmc = ipmb_bmc(s->m);
	unsigned n;
	const struct sat *top = s;
	uint16_t gen;

	if (!(bmc->global_enables & 0x08))
		return;
	if (s->cfg->via >= 0)
		top = &ipmb_sats(s->m, &n)[s->cfg->via];
	gen = (uint16_t)(s->cfg->address | (uint16_t)top->cfg->channel << 12);
	if (sel_add_event(bmc->sel, gen, sn->cfg->type, sn->number,
			  (uint8_t)((deassert ? 0x80 : 0) | sn->cfg->event_type), ed1, ed2, ed3) < 0)
		log_warning("ipmb: %s: sensor %s: event not logged", s->cfg->name, sn->cfg->name);
}

static bool has_children(const struct sat *s)
{
	unsigned n;
	const struct sat *all = ipmb_sats(s->m, &n);

	for (unsigned i = 0; i < n; i++)
		if (all[i].cfg->via == s->index)
			return true;
	return false;
}

int sat_init(struct sat *s, struct ipmb *m, int index)
{
	struct bmc *bmc = ipmb_bmc(m);
	const struct cfg_satellite *c = &bmc->cfg.ipmb.sats[index];
	int r;

	*s = (struct sat){ .cfg = c, .m = m, .index = index };
	r = sensors_init_list(&s->sensors, bmc->sensors, c->sensors, c->n_sensors);
	if (r < 0)
		return log_error_errno(r, "ipmb: satellite %s: sensors", c->name);
	s->sensors.emit = sat_on_sensor_event;
	s->sensors.emit_userdata = s;
	for (unsigned i = 0; i < s->sensors.n; i++) {
		r = sdr_sensor_record(&s->sensors.s[i], c->address, c->channel, &s->sdr[s->n_sdr],
				      &s->sdr_len[s->n_sdr]);
		if (r < 0)
			return log_error_errno(r, "ipmb: satellite %s: SDR", c->name);
		s->n_sdr++;
	}
	return 0;
}

/* Called once every satellite is set up: MC locators of the ones behind s. */
static int sat_locators(struct sat *s)
{
	unsigned n;
	struct sat *all = ipmb_sats(s->m, &n);

	for (unsigned i = 0; i < n; i++) {
		int r;

		if (all[i].cfg->via != s->index || s->n_sdr >= IPMB_SDRS_MAX)
			continue;
		r = sdr_mc_locator(all[i].cfg->name, all[i].cfg->address, all[i].cfg->channel,
				   DEV_SUPPORT_SENSOR, &s->sdr[s->n_sdr], &s->sdr_len[s->n_sdr]);
		if (r < 0)
			return r;
		s->n_sdr++;
	}
	return 0;
}

void sat_done(struct sat *s)
{
	sensors_done(&s->sensors);
	for (unsigned i = 0; i < s->n_sdr; i++)
		free(s->sdr[i]);
	s->n_sdr = 0;
}

static int get_device_id(struct sat *s, struct wbuf *w)
{
	const struct cfg_satellite *c = s->cfg;
	uint8_t support = DEV_SUPPORT_SENSOR | DEV_SUPPORT_EVENT_GEN;

	if (has_children(s))
		support |= DEV_SUPPORT_BRIDGE;
	wb_u8(w, c->device_id);
	wb_u8(w, c->device_rev);
	wb_u8(w, c->fw_major & 0x7f);
	wb_u8(w, (uint8_t)((c->fw_minor / 10) << 4 | c->fw_minor % 10));
	wb_u8(w, 0x02);				/* IPMI 2.0 */
	wb_u8(w, support);
	wb_u8(w, (uint8_t)(c->manufacturer & 0xff));
	wb_u8(w, (uint8_t)(c->manufacturer >> 8 & 0xff));
	wb_u8(w, (uint8_t)(c->manufacturer >> 16 & 0x0f));
	wb_le16(w, c->product);
	return CC_OK;
}

/* Get Device SDR: reservation, record ID, offset, bytes to read. */
static int get_device_sdr(struct sat *s, const uint8_t *d, size_t len, struct wbuf *w)
{
	uint16_t resv, id;
	uint8_t off, cnt;

	if (len != 6)
		return CC_REQ_LEN;
	resv = (uint16_t)(d[0] | d[1] << 8);
	id = (uint16_t)(d[2] | d[3] << 8);
	off = d[4];
	cnt = d[5];
	if (off && resv != s->resv)
		return CC_RESERVATION;
	if (id == SDR_NONE && s->n_sdr)
		id = (uint16_t)(s->n_sdr - 1);		/* FFFFh: the last record */
	if (id >= s->n_sdr)
		return CC_NOT_PRESENT;
	if (off > s->sdr_len[id])
		return CC_PARAM_OUT_OF_RANGE;
	if (cnt == 0xff || off + cnt > s->sdr_len[id])
		cnt = (uint8_t)(s->sdr_len[id] - off);
	wb_le16(w, id + 1u < s->n_sdr ? (uint16_t)(id + 1) : SDR_NONE);
	wb_bytes(w, s->sdr[id] + off, cnt);
	if (!wb_ok(w))
		return CC_CANT_RETURN_BYTES;
	return CC_OK;
}

/* The Sensor/Event commands a satellite runs on its own sensors (the
 * event receiver and PEF commands are the BMC's). */
static bool sat_sensor_cmd(uint8_t cmd)
{
	return cmd >= 0x24 && cmd <= 0x2f && cmd != 0x2c && cmd != 0x2e;
}

static int run_sensor_cmd(struct sat *s, uint8_t priv, uint8_t lun, uint8_t cmd, const uint8_t *d,
			  size_t len, struct wbuf *w)
{
	const struct ipmi_cmd *c = ipmi_find(sensors_cmds, NETFN_SENSOR, cmd);
	struct ipmi_req req = {
		.channel = s->cfg->channel,
		.priv = priv,
		.netfn = NETFN_SENSOR,
		.lun = lun,
		.cmd = cmd,
		.data = d,
		.len = len,
		.sensors = &s->sensors,
	};
	int r;

	if (!c)
		return CC_INVALID_CMD;
	if (priv < c->priv)
		return CC_INSUFFICIENT_PRIV;
	if (len < c->min_len || len > c->max_len)
		return CC_REQ_LEN;
	r = c->fn(ipmb_bmc(s->m), &req, w);
	return r & 0xff;
}

/* Send Message at a satellite that bridges: the far controller is another
 * satellite behind it.  Answers: the Send Message response now, then the
 * far controller's response to its requester (as the bus would carry it
 * back through this controller). */
static unsigned bridge(struct sat *s, uint8_t priv, const uint8_t *req, const uint8_t *d, size_t len,
		       struct sim_frame out[2])
{
	unsigned n;
	struct sat *all = ipmb_sats(s->m, &n), *far = NULL;
	struct sim_frame inner[2];
	uint8_t ch, cc = CC_OK;
	bool known_channel = false;
	struct wbuf w = wb_init(out[0].d, sizeof(out[0].d));
	unsigned k = 0;

	if (len < 1 + IPMB_REQ_MIN) {
		cc = CC_REQ_LEN;
		goto answer;
	}
	ch = d[0] & 0x0f;
	for (unsigned i = 0; i < n; i++) {
		if (all[i].cfg->via != s->index || all[i].cfg->channel != ch)
			continue;
		known_channel = true;
		if (all[i].cfg->address == d[1 + F_DEST])
			far = &all[i];
	}
	if (!known_channel)
		cc = CC_INVALID_FIELD;
	else if (!far)
		cc = 0x83;				/* NAK on write: nobody at that address */
	else if (far->cfg->responds)
		k = sat_handle(far, priv, d + 1, len - 1, inner);
answer:
	ipmb_response_frame(&w, req, s->cfg->address, cc, NULL, 0);
	out[0].len = (uint8_t)w.len;
	if (k) {
		out[1] = inner[0];
		return 2;
	}
	return 1;
}

unsigned sat_handle(struct sat *s, uint8_t priv, const uint8_t *req, size_t len, struct sim_frame out[2])
{
	uint8_t data[IPMB_FRAME_MAX];
	struct wbuf w = wb_init(data, sizeof(data));
	struct wbuf fw = wb_init(out[0].d, sizeof(out[0].d));
	uint8_t netfn, lun, cmd;
	const uint8_t *d;
	size_t dlen;
	int cc;

	/* A corrupt frame is not answered, as on a real bus. */
	if (len < IPMB_REQ_MIN || ipmi_checksum(req, 2) != req[F_CS1] ||
	    ipmi_checksum(req + F_SRC, len - F_SRC - 1) != req[len - 1] || (req[F_NETFN] & 0x04))
		return 0;
	netfn = req[F_NETFN] >> 2;
	lun = req[F_NETFN] & 3;
	cmd = req[F_CMD];
	d = req + F_DATA;
	dlen = len - F_DATA - 1;
	if (lun != 0)
		cc = CC_INVALID_CMD_LUN;
	else if (netfn == NETFN_APP && cmd == 0x01)
		cc = dlen ? CC_REQ_LEN : get_device_id(s, &w);
	else if (netfn == NETFN_APP && cmd == 0x34 && has_children(s))
		return bridge(s, priv, req, d, dlen, out);
	else if (netfn == NETFN_SENSOR && cmd == 0x20) {
		bool sdrs = dlen && (d[0] & 1);

		wb_u8(&w, (uint8_t)(sdrs ? s->n_sdr : s->sensors.n));
		wb_u8(&w, 0x01);		/* static population, LUN 0 */
		cc = dlen > 1 ? CC_REQ_LEN : CC_OK;
	} else if (netfn == NETFN_SENSOR && cmd == 0x21)
		cc = get_device_sdr(s, d, dlen, &w);
	else if (netfn == NETFN_SENSOR && cmd == 0x22) {
		s->resv = (uint16_t)(s->resv + 1 ? s->resv + 1 : 1);
		wb_le16(&w, s->resv);
		cc = dlen ? CC_REQ_LEN : CC_OK;
	} else if (netfn == NETFN_SENSOR && sat_sensor_cmd(cmd))
		cc = run_sensor_cmd(s, priv, lun, cmd, d, dlen, &w);
	else
		cc = CC_INVALID_CMD;
	if (cc != CC_OK)
		w.len = 0;
	ipmb_response_frame(&fw, req, s->cfg->address, (uint8_t)cc, data, w.len);
	if (!wb_ok(&fw)) {
		fw = wb_init(out[0].d, sizeof(out[0].d));
		ipmb_response_frame(&fw, req, s->cfg->address, CC_CANT_RETURN_BYTES, NULL, 0);
	}
	out[0].len = (uint8_t)fw.len;
	return 1;
}

int sat_finish_init(struct ipmb *m)
{
	unsigned n;
	struct sat *all = ipmb_sats(m, &n);

	for (unsigned i = 0; i < n; i++) {
		int r = sat_locators(&all[i]);

		if (r < 0)
			return r;
	}
	return 0;
}
