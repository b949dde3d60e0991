/* SPDX-License-Identifier: MIT */
/*
 * The records the board implies (IPMI 2.0 section 43): a full record for
 * each threshold sensor, a compact one for each discrete sensor, event-only
 * records for the BMC's own event sources (watchdog, event log, power
 * unit), a FRU device locator per FRU device and the BMC's own management
 * controller locator.  Conversions and thresholds come from the running
 * sensors, so the SDRs and the readings always agree.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/bmc.h"
#include "daemon/buf.h"
#include "daemon/config.h"
#include "sdr/sdr.h"
#include "sel/sel.h"
#include "sensors/sensors.h"

#define OWNER_BMC 0x20			/* slave address 20h */
#define ID_ASCII 0xc0			/* ID string type: 8-bit ASCII + Latin 1 */
#define ENTITY_BOARD 0x07
#define ENTITY_POWER_UNIT 0x13
#define ENTITY_MC 0x2e

/* Threshold reading masks, in the high bits of the event masks. */
#define LOWER_READABLE(t) (1u << (12 + (t)))		/* lnc, lc, lnr */
#define UPPER_READABLE(t) (1u << (12 + (t) - THR_UNC))	/* unc, uc, unr */

static void hdr(struct wbuf *w, uint8_t type)
{
	wb_le16(w, 0);		/* record ID: the repository assigns it */
	wb_u8(w, SDR_VERSION);
	wb_u8(w, type);
	wb_u8(w, 0);		/* length: patched by finish() */
}

static void id_string(struct wbuf *w, const char *s)
{
	size_t n = strnlen(s, 16);

	wb_u8(w, (uint8_t)(ID_ASCII | n));
	wb_bytes(w, s, n);
}

static int finish(struct wbuf *w, uint8_t **rec, uint8_t *len)
{
	uint8_t *d;

	if (!wb_ok(w))
		return -EOVERFLOW;
	w->p[4] = (uint8_t)(w->len - SDR_HDR_LEN);
	d = malloc(w->len);
	if (!d)
		return -ENOMEM;
	memcpy(d, w->p, w->len);
	*rec = d;
	*len = (uint8_t)w->len;
	return 0;
}

static void full_record(struct wbuf *w, const struct sensor *s, uint8_t owner, uint8_t channel)
{
	const struct cfg_sensor *c = s->cfg;
	const struct conv *cv = &s->conv;
	uint16_t am = s->assert_sup, dm = s->deassert_sup;
	uint16_t m = (uint16_t)cv->m & 0x3ff, b = (uint16_t)cv->b & 0x3ff;

	for (int t = 0; t < THR_COUNT; t++) {
		if (!(s->thr_present & (1u << t)))
			continue;
		if (t >= THR_UNC)
			dm |= (uint16_t)UPPER_READABLE(t);
		else
			am |= (uint16_t)LOWER_READABLE(t);
	}
	hdr(w, SDR_FULL);
	wb_u8(w, owner);
	wb_u8(w, (uint8_t)(channel << 4));	/* channel, LUN 0 */
	wb_u8(w, s->number);
	wb_u8(w, c->entity_id);
	wb_u8(w, c->entity_instance);
	wb_u8(w, 0x7f);				/* initialise scanning, events, thresholds, ... */
	wb_u8(w, 0x40 | 0x20 | (s->thr_settable ? 0x08 : 0x04));	/* auto re-arm, hysteresis rw, thresholds */
	wb_u8(w, c->type);
	wb_u8(w, c->event_type);
	wb_le16(w, am);
	wb_le16(w, dm);
	wb_u8(w, s->thr_present);		/* readable thresholds */
	wb_u8(w, s->thr_settable);
	wb_u8(w, 0x00);				/* unsigned, no rate, no modifier */
	wb_u8(w, c->unit);
	wb_u8(w, 0);
	wb_u8(w, 0x00);				/* linear */
	wb_u8(w, (uint8_t)(m & 0xff));
	wb_u8(w, (uint8_t)((m >> 8) << 6));	/* tolerance 0 */
	wb_u8(w, (uint8_t)(b & 0xff));
	wb_u8(w, (uint8_t)((b >> 8) << 6));	/* accuracy 0 */
	wb_u8(w, 0);				/* accuracy, direction unspecified */
	wb_u8(w, (uint8_t)((cv->rexp & 0x0f) << 4 | (cv->bexp & 0x0f)));
	wb_u8(w, 0);				/* no nominal/normal values */
	wb_u8(w, 0);
	wb_u8(w, 0);
	wb_u8(w, 0);
	wb_u8(w, 0xff);				/* sensor maximum reading */
	wb_u8(w, 0x00);				/* sensor minimum reading */
	wb_u8(w, s->thr[THR_UNR]);
	wb_u8(w, s->thr[THR_UC]);
	wb_u8(w, s->thr[THR_UNC]);
	wb_u8(w, s->thr[THR_LNR]);
	wb_u8(w, s->thr[THR_LC]);
	wb_u8(w, s->thr[THR_LNC]);
	wb_u8(w, s->hyst_pos);
	wb_u8(w, s->hyst_neg);
	wb_u8(w, 0);
	wb_u8(w, 0);
	wb_u8(w, 0);				/* OEM */
	id_string(w, c->name);
}

static void compact_record(struct wbuf *w, const struct sensor *s, uint8_t owner, uint8_t channel)
{
	const struct cfg_sensor *c = s->cfg;

	hdr(w, SDR_COMPACT);
	wb_u8(w, owner);
	wb_u8(w, (uint8_t)(channel << 4));
	wb_u8(w, s->number);
	wb_u8(w, c->entity_id);
	wb_u8(w, c->entity_instance);
	wb_u8(w, 0x67);				/* initialise scanning, events, type */
	wb_u8(w, 0x40);				/* auto re-arm, no thresholds or hysteresis */
	wb_u8(w, c->type);
	wb_u8(w, c->event_type);
	wb_le16(w, s->assert_sup);
	wb_le16(w, s->deassert_sup);
	wb_le16(w, c->states);			/* discrete reading mask */
	wb_u8(w, 0xc0);				/* no analog reading */
	wb_u8(w, 0);
	wb_u8(w, 0);
	wb_u8(w, 0x01);				/* record sharing: one sensor */
	wb_u8(w, 0x00);
	wb_u8(w, 0);				/* hysteresis */
	wb_u8(w, 0);
	wb_zero(w, 3);
	wb_u8(w, 0);				/* OEM */
	id_string(w, c->name);
}

static void event_only_record(struct wbuf *w, uint8_t number, uint8_t entity, uint8_t type,
			      const char *name)
{
	hdr(w, SDR_EVENT_ONLY);
	wb_u8(w, OWNER_BMC);
	wb_u8(w, 0);
	wb_u8(w, number);
	wb_u8(w, entity);
	wb_u8(w, 1);
	wb_u8(w, type);
	wb_u8(w, 0x6f);				/* sensor-specific */
	wb_u8(w, 0x01);				/* record sharing: one sensor */
	wb_u8(w, 0x00);
	wb_u8(w, 0);
	wb_u8(w, 0);				/* OEM */
	id_string(w, name);
}

/* The BMC's own event sources: event-only records, entity 1 each. */
static const struct sdr_own_sensor own_sensors[] = {
	{ SENSOR_NUM_WATCHDOG, ENTITY_BOARD, 0x23, "Watchdog" },
	{ SENSOR_NUM_EVENT_LOG, ENTITY_MC, 0x10, "Event Log" },
	{ SENSOR_NUM_POWER_UNIT, ENTITY_POWER_UNIT, 0x09, "Power Unit" },
	{ 0, 0, 0, NULL },
};

const struct sdr_own_sensor *sdr_own_sensor(uint8_t number)
{
	for (const struct sdr_own_sensor *o = own_sensors; o->name; o++)
		if (o->number == number)
			return o;
	return NULL;
}

static void fru_locator(struct wbuf *w, const struct cfg_fru *f)
{
	hdr(w, SDR_FRU_LOCATOR);
	wb_u8(w, OWNER_BMC);
	wb_u8(w, f->id);
	wb_u8(w, 0x80);				/* logical FRU device, LUN 0, no private bus */
	wb_u8(w, 0x00);				/* channel 0 */
	wb_u8(w, 0);
	wb_u8(w, 0x10);				/* FRU inventory device behind the MC */
	wb_u8(w, 0x00);
	wb_u8(w, ENTITY_BOARD);
	wb_u8(w, 1);
	wb_u8(w, 0);				/* OEM */
	id_string(w, f->name[0] ? f->name : "FRU");
}

static void mc_locator(struct wbuf *w, const char *name, uint8_t addr, uint8_t channel,
		       uint8_t support)
{
	hdr(w, SDR_MC_LOCATOR);
	wb_u8(w, addr);
	wb_u8(w, channel & 0x0f);
	wb_u8(w, 0x00);				/* ACPI state notification off */
	wb_u8(w, support);
	wb_zero(w, 3);
	wb_u8(w, ENTITY_MC);
	wb_u8(w, 1);
	wb_u8(w, 0);				/* OEM */
	id_string(w, name);
}

int sdr_generate(const struct sensors *ss, const struct board_config *cfg, uint8_t **rec,
		 uint8_t *len, unsigned max)
{
	uint8_t buf[SDR_REC_MAX];
	unsigned n = 0;
	int r;

#define EMIT(call)							\
	do {								\
		struct wbuf w = wb_init(buf, sizeof(buf));		\
		if (n >= max)						\
			goto too_many;					\
		call;							\
		r = finish(&w, &rec[n], &len[n]);			\
		if (r < 0)						\
			goto fail;					\
		n++;							\
	} while (0)

	EMIT(mc_locator(&w, "BMC", OWNER_BMC, 0, BMC_DEVICE_SUPPORT));
	for (unsigned i = 0; i < ss->n; i++) {
		if (ss->s[i].cfg->threshold)
			EMIT(full_record(&w, &ss->s[i], OWNER_BMC, 0));
		else
			EMIT(compact_record(&w, &ss->s[i], OWNER_BMC, 0));
	}
	for (const struct sdr_own_sensor *o = own_sensors; o->name; o++)
		EMIT(event_only_record(&w, o->number, o->entity, o->type, o->name));
	for (unsigned i = 0; i < cfg->n_frus; i++)
		EMIT(fru_locator(&w, &cfg->frus[i]));
#undef EMIT
	return (int)n;

too_many:
	r = -E2BIG;
fail:
	while (n)
		free(rec[--n]);
	return r;
}

int sdr_sensor_record(const struct sensor *s, uint8_t owner, uint8_t channel, uint8_t **rec,
		      uint8_t *len)
{
	uint8_t buf[SDR_REC_MAX];
	struct wbuf w = wb_init(buf, sizeof(buf));

	if (s->cfg->threshold)
		full_record(&w, s, owner, channel);
	else
		compact_record(&w, s, owner, channel);
	return finish(&w, rec, len);
}

int sdr_mc_locator(const char *name, uint8_t addr, uint8_t channel, uint8_t support, uint8_t **rec,
		   uint8_t *len)
{
	uint8_t buf[SDR_REC_MAX];
	struct wbuf w = wb_init(buf, sizeof(buf));

	mc_locator(&w, name, addr, channel, support);
	return finish(&w, rec, len);
}
