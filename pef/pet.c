/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>

#include "daemon/bmc.h"
#include "daemon/buf.h"
#include "channels/lanconfig.h"
#include "sdr/sdr.h"
#include "sel/sel.h"
#include "sensors/sensors.h"
#include "daemon/log.h"
#include "pef/pef.h"
#include "pef/pet.h"

#define PET_EPOCH 883612800u		/* 1998-01-01 00:00:00 UTC, the PET epoch */
#define SOURCE_IPMI 0x20		/* trap and event source type: IPMI */
#define LANGUAGE_ENGLISH 0x19
#define OEM_END 0xc1			/* no OEM custom fields */
#define DEST_PET 0x00
#define DEST_ACK 0x80

static const oid pet_enterprise[] = { 1, 3, 6, 1, 4, 1, 3183, 1, 1 };
static const oid pet_varbind_oid[] = { 1, 3, 6, 1, 4, 1, 3183, 1, 1, 1 };

/* The entity of the event's sensor, from the board (or the BMC's own). */
static void entity_of(struct bmc *bmc, uint8_t number, uint8_t *id, uint8_t *inst)
{
	const struct sensor *s = sensors_find(bmc->sensors, number);
	const struct sdr_own_sensor *o = sdr_own_sensor(number);

	*id = 0;
	*inst = 0;
	if (s) {
		*id = s->cfg->entity_id;
		*inst = s->cfg->entity_instance;
	} else if (o) {
		*id = o->entity;
		*inst = 1;
	}
}

/* PET variable binding (PET 1.0 table 4), multi-byte fields MSB first. */
size_t pet_varbind(struct pef *pef, const uint8_t rec[16], uint8_t severity, uint16_t seq,
		   uint32_t timestamp, uint8_t out[64])
{
	struct bmc *bmc = pef->bmc;
	const struct cfg_identity *idn = &bmc->cfg.identity;
	struct wbuf w = wb_init(out, 64);
	uint8_t guid[16], ent, inst;
	int16_t utc = bmc->sel->utc_offset == SEL_UTC_UNSPECIFIED ? (int16_t)-1 : bmc->sel->utc_offset;

	/* PEF parameter 10 may name another GUID; else the system GUID, in
	 * RFC 4122 order (Get System GUID sends it reversed). */
	if (pef->c.guid[0] & 1)
		memcpy(guid, pef->c.guid + 1, 16);
	else
		for (int i = 0; i < 16; i++)
			guid[i] = bmc->system_guid[15 - i];
	entity_of(bmc, rec[11], &ent, &inst);
	wb_bytes(&w, guid, 16);
	wb_be16(&w, seq);
	wb_be32(&w, timestamp);
	wb_be16(&w, (uint16_t)utc);
	wb_u8(&w, SOURCE_IPMI);
	wb_u8(&w, SOURCE_IPMI);
	wb_u8(&w, severity);
	wb_u8(&w, rec[7]);		/* sensor device: the generator */
	wb_u8(&w, rec[11]);
	wb_u8(&w, ent);
	wb_u8(&w, inst);
	wb_bytes(&w, rec + 13, 3);	/* event data 1-3 */
	wb_zero(&w, 5);
	wb_u8(&w, LANGUAGE_ENGLISH);
	wb_be32(&w, idn->manufacturer_id);
	wb_be16(&w, idn->product_id);
	wb_u8(&w, OEM_END);
	return w.len;
}

/* An SNMPv1 trap PDU, BER-encoded by libnetsnmp into pkt; its length or
 * -errno. */
static int build_trap(struct pef *pef, const uint8_t rec[16], const uint8_t *vb, size_t vblen,
		      uint8_t *pkt, size_t cap, size_t *len)
{
	struct bmc *bmc = pef->bmc;
	const uint8_t *community = bmc->lanconf->community;
	netsnmp_session sess;
	netsnmp_pdu *pdu;
	struct netif_state st;
	u_char *buf = pkt;
	size_t buflen = cap, off = 0;
	int r;

	snmp_sess_init(&sess);
	sess.version = SNMP_VERSION_1;
	sess.community = (u_char *)community;
	sess.community_len = strnlen((const char *)community, 18);
	pdu = snmp_pdu_create(SNMP_MSG_TRAP);
	if (!pdu)
		return -ENOMEM;
	pdu->version = SNMP_VERSION_1;
	pdu->enterprise = snmp_duplicate_objid(pet_enterprise, OID_LENGTH(pet_enterprise));
	pdu->enterprise_length = OID_LENGTH(pet_enterprise);
	pdu->trap_type = SNMP_TRAP_ENTERPRISESPECIFIC;
	pdu->specific_type = (long)((uint32_t)rec[10] << 16 | (uint32_t)(rec[12] & 0x7f) << 8 |
				    (rec[12] & 0x80) | (rec[13] & 0x0f));
	pdu->time = (u_long)((bmc_now(bmc) - pef->started_usec) / 10000);
	if (netif_get(&bmc->lanconf->nif, &st) == 0)
		memcpy(pdu->agent_addr, &st.addr, 4);
	snmp_pdu_add_variable(pdu, pet_varbind_oid, OID_LENGTH(pet_varbind_oid), ASN_OCTET_STR,
			      vb, vblen);
	/* libnetsnmp encodes back to front: the packet ends at buf + buflen. */
	r = snmp_build(&buf, &buflen, &off, &sess, pdu);
	snmp_free_pdu(pdu);
	if (r != 0 || off == 0 || off > cap || buf != pkt)
		return -EMSGSIZE;
	memmove(pkt, pkt + buflen - off, off);
	*len = off;
	return 0;
}

static int sock(struct pef *pef)
{
	if (pef->fd >= 0)
		return pef->fd;
	pef->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (pef->fd < 0)
		log_error("pef: cannot open the alert socket: %m");
	return pef->fd;
}

static int transmit(struct pef *pef, const struct sockaddr_in *to, const uint8_t *pkt, size_t len)
{
	int fd = sock(pef);

	if (fd < 0)
		return -errno;
	/* Non-blocking: a destination that cannot be reached costs nothing. */
	if (sendto(fd, pkt, len, 0, (const struct sockaddr *)to, sizeof(*to)) < 0)
		return -errno;
	pef->traps_sent++;
	return 0;
}

static void pending_free(struct pef_pending *p)
{
	p->timer = sd_event_source_disable_unref(p->timer);
	p->used = false;
}

/* An acknowledged alert's timer: re-send, or give up when the retries
 * are spent. */
static int on_retry(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct pef *pef = userdata;

	for (unsigned i = 0; i < PEF_PENDING; i++) {
		struct pef_pending *p = &pef->pending[i];

		if (!p->used || p->timer != s)
			continue;
		if (p->retries == 0) {
			log_warning("pef: trap %u to destination %u never acknowledged", p->seq, p->dest);
			if (p->immediate)
				pef->immediate_status = ALERT_ST_RETRIES_FAILED;
			pending_free(p);
			return 0;
		}
		p->retries--;
		if (transmit(pef, &p->to, p->pkt, p->len) < 0)
			log_debug("pef: re-sending trap %u: %m", p->seq);
		sd_event_source_set_time(s, usec + (uint64_t)p->interval_ms * 1000);
		sd_event_source_set_enabled(s, SD_EVENT_ON);
		return 0;
	}
	return 0;
}

int pet_send(struct pef *pef, uint8_t dest, const uint8_t rec[16], uint8_t severity, bool immediate)
{
	struct bmc *bmc = pef->bmc;
	const uint8_t *type = bmc->lanconf->dest_type[dest];
	const uint8_t *addr = bmc->lanconf->dest_addr[dest];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(pef->trap_port) };
	uint8_t vb[64], pkt[512];
	size_t vblen, len;
	uint32_t ts;
	int r;

	if (dest > LANCONF_DESTINATIONS)
		return -EINVAL;
	if ((type[0] & 0x07) != DEST_PET) {
		log_warning("pef: destination %u is not a PET trap destination", dest);
		return -EPROTONOSUPPORT;
	}
	if (addr[0] >> 4 != 0) {
		log_warning("pef: destination %u is not an IPv4 address", dest);
		return -EAFNOSUPPORT;
	}
	memcpy(&to.sin_addr, addr + 2, 4);
	if (to.sin_addr.s_addr == INADDR_ANY) {
		log_debug("pef: destination %u has no address", dest);
		return -EDESTADDRREQ;
	}
	if (++pef->seq == 0)
		pef->seq = 1;
	ts = sel_time(bmc->sel);
	ts = ts > PET_EPOCH ? ts - PET_EPOCH : 0;
	vblen = pet_varbind(pef, rec, severity, pef->seq, ts, vb);
	r = build_trap(pef, rec, vb, vblen, pkt, sizeof(pkt), &len);
	if (r < 0)
		return r;
	r = transmit(pef, &to, pkt, len);
	log_info("pef: trap %u (sensor %02xh, event %02xh/%02xh) to %s:%u, destination %u%s%s",
		 pef->seq, rec[11], rec[12], rec[13], inet_ntoa(to.sin_addr), pef->trap_port, dest,
		 r < 0 ? ": " : "", r < 0 ? strerror(-r) : "");
	if (immediate)
		pef->immediate_status = r < 0 ? ALERT_ST_FAILED : ALERT_ST_NORMAL_END;
	if (r < 0 || !(type[0] & DEST_ACK))
		return r;

	/* Acknowledged alerts: keep it and re-send until PET Acknowledge. */
	for (unsigned i = 0; i < PEF_PENDING; i++) {
		struct pef_pending *p = &pef->pending[i];

		if (p->used)
			continue;
		*p = (struct pef_pending){
			.used = true, .seq = pef->seq, .timestamp = ts, .dest = dest,
			.immediate = immediate, .retries = type[2] & 0x07,
			.interval_ms = (type[1] ? type[1] : 1) * 1000u, .len = len, .to = to,
		};
		memcpy(p->pkt, pkt, len);
		if (immediate)
			pef->immediate_status = ALERT_ST_IN_PROGRESS;
		sd_event_add_time_relative(bmc->ev, &p->timer, CLOCK_MONOTONIC,
					   (uint64_t)p->interval_ms * 1000, 10000, on_retry, pef);
		return 0;
	}
	log_warning("pef: too many alerts waiting for an acknowledgement; trap %u not retried",
		    pef->seq);
	return 0;
}

bool pet_acknowledge(struct pef *pef, uint16_t seq, uint32_t timestamp)
{
	for (unsigned i = 0; i < PEF_PENDING; i++) {
		struct pef_pending *p = &pef->pending[i];

		if (!p->used || p->seq != seq || p->timestamp != timestamp)
			continue;
		log_info("pef: trap %u acknowledged", seq);
		if (p->immediate)
			pef->immediate_status = ALERT_ST_NORMAL_END;
		pending_free(p);
		return true;
	}
	return false;
}

void pet_done(struct pef *pef)
{
	for (unsigned i = 0; i < PEF_PENDING; i++)
		if (pef->pending[i].used)
			pending_free(&pef->pending[i]);
	if (pef->fd >= 0)
		close(pef->fd);
	pef->fd = -1;
}
