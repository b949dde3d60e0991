/* SPDX-License-Identifier: MIT */
/*
 * The system interface: requests from the host into the dispatcher, the
 * message flags and SMS_ATN.  Privilege model (docs/kcs.md): the host is
 * trusted as an administrator — it owns the machine — unless the board
 * lists the commands it may send ("kcs.allow"); anything else is refused
 * with D4h, before the dispatcher sees it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/bmc.h"
#include "daemon/log.h"
#include "kcs/kcs_internal.h"
#include "kcs/wire.h"

static bool kcs_allowed(const struct cfg_kcs *c, uint8_t netfn, uint8_t cmd)
{
	if (c->n_allow == 0)
		return true;
	for (unsigned i = 0; i < c->n_allow; i++) {
		if ((c->allow[i] >> 8) != netfn)
			continue;
		if (c->allow_any[i] || (c->allow[i] & 0xff) == cmd)
			return true;
	}
	return false;
}

int kcs_handle(struct kcs *k, const uint8_t *msg, size_t len, struct wbuf *rsp)
{
	struct bmc *bmc = k->bmc;
	uint8_t data[IPMI_MAX_RSP];
	struct wbuf out = wb_init(data, sizeof(data));
	struct rbuf r = rb_init(msg, len);
	struct ipmi_req req = {
		.channel = IPMI_CHANNEL_SYSIF,
		.priv = PRIV_ADMIN,
		.session = NULL,
		.xport = k,
	};
	uint8_t nl, cc;
	struct rbuf body;

	nl = rb_u8(&r);
	req.cmd = rb_u8(&r);
	if (!rb_ok(&r))
		return -EINVAL;
	req.netfn = nl >> 2;
	req.lun = nl & 3;
	body = rb_rest(&r);
	req.data = body.p;
	req.len = body.len;
	if (req.len > IPMI_MAX_REQ)
		cc = CC_REQ_TOO_LONG;
	else if (!kcs_allowed(&bmc->cfg.kcs, req.netfn, req.cmd))
		cc = CC_INSUFFICIENT_PRIV;
	else
		cc = ipmi_dispatch(bmc, &req, &out);
	if (cc == CC_INSUFFICIENT_PRIV && !kcs_allowed(&bmc->cfg.kcs, req.netfn, req.cmd))
		log_info("kcs: %02x:%02x not in the board's allow-list", req.netfn, req.cmd);
	k->requests++;
	wb_u8(rsp, (uint8_t)((req.netfn | 1) << 2 | req.lun));
	wb_u8(rsp, req.cmd);
	wb_u8(rsp, cc);
	wb_bytes(rsp, data, out.len);
	return cc;
}

uint8_t kcs_message_flags(const struct kcs *k)
{
	return (uint8_t)((k->rxq_count ? KCS_FLAG_RX_MSG : 0) |
			 (k->evbuf_full ? KCS_FLAG_EVBUF_FULL : 0) |
			 (k->wdt_pretimeout ? KCS_FLAG_WDT_PRETIMEOUT : 0));
}

void kcs_update_atn(struct kcs *k)
{
	bool on = kcs_message_flags(k) != 0;
	bool irq;

	if (!k->ops || on == k->atn)
		return;
	irq = (k->bmc->global_enables & (GE_RX_MSG_IRQ | GE_EVBUF_IRQ)) != 0;
	if (k->ops->set_atn(k->be, on, irq) < 0)
		return;		/* tried again at the next change */
	k->atn = on;
	log_debug("kcs: SMS_ATN %s (flags %02xh)", on ? "set" : "cleared", kcs_message_flags(k));
}

int kcs_queue_message(struct kcs *k, uint8_t chan_priv, const uint8_t *data, size_t len)
{
	struct kcs_rxmsg *m;

	if (k->rxq_count >= KCS_RXQ_MAX || len > KCS_RXMSG_MAX)
		return -ENOBUFS;
	m = &k->rxq[(k->rxq_head + k->rxq_count) % KCS_RXQ_MAX];
	m->chan_priv = chan_priv;
	m->len = (uint8_t)len;
	memcpy(m->data, data, len);
	k->rxq_count++;
	kcs_update_atn(k);
	return 0;
}

void kcs_on_event(void *userdata, const uint8_t rec[16])
{
	struct kcs *k = userdata;

	/* The buffer is for the running host's software; while the host
	 * is off, events are in the SEL only. */
	if (!(k->bmc->global_enables & GE_EVBUF) || k->evbuf_full || !k->bmc->power->on)
		return;
	memcpy(k->evbuf, rec, sizeof(k->evbuf));
	k->evbuf_full = true;
	log_debug("kcs: event in the event message buffer");
	kcs_update_atn(k);
}

void kcs_watchdog_pretimeout(struct kcs *k)
{
	k->wdt_pretimeout = true;
	kcs_update_atn(k);
}

void kcs_host_reset(struct kcs *k)
{
	k->rxq_count = 0;
	k->evbuf_full = false;
	k->wdt_pretimeout = false;
	kcs_update_atn(k);
}

void kcs_power_event(struct kcs *k, enum power_event ev)
{
	if (k && (ev == POWER_EV_RESET || ev == POWER_EV_OFF))
		kcs_host_reset(k);
}

void kcs_reset_volatile(struct kcs *k)
{
	if (!k)
		return;
	kcs_host_reset(k);	/* receive queue, event buffer, flags */
	k->sysinfo_set_in_progress = 0;
	memset(k->sysinfo[SYSINFO_OS_NAME], 0, sizeof(k->sysinfo[SYSINFO_OS_NAME]));
	memset(k->sysinfo[SYSINFO_OS_VERSION], 0, sizeof(k->sysinfo[SYSINFO_OS_VERSION]));
}

void kcs_global_enables_changed(struct kcs *k)
{
	bool irq;

	if (!k || !k->ops || !k->ops->control)
		return;
	irq = (k->bmc->global_enables & (GE_RX_MSG_IRQ | GE_EVBUF_IRQ)) != 0;
	if (k->ops->control(k->be, irq ? KCS_VM_ENABLE_IRQ : KCS_VM_DISABLE_IRQ) == 0)
		log_debug("kcs: host interrupts %s", irq ? "enabled" : "disabled");
}

int kcs_vm_control(struct kcs *k, uint8_t cmd)
{
	if (!k || !k->ops || !k->ops->control)
		return -ENOTSUP;
	return k->ops->control(k->be, cmd);
}

bool kcs_vm_connected(const struct kcs *k)
{
	return k && k->ops && k->ops->connected && k->ops->connected(k->be);
}

int kcs_init(struct bmc *bmc)
{
	const struct cfg_kcs *c = &bmc->cfg.kcs;
	struct kcs *k = calloc(1, sizeof(*k));
	int r;

	if (!k)
		return log_error_errno(-ENOMEM, "kcs");
	k->bmc = bmc;
	bmc->kcs = k;
	r = kcs_sysinfo_load(k);
	if (r < 0)
		return r;
	switch (c->backend) {
	case KCS_NONE:
		return 0;
	case KCS_EXTERN:
		k->be = kcs_extern_new(k, bmc->ev, c->listen);
		k->ops = &kcs_extern_ops;
		break;
	case KCS_DEVICE:
		k->be = kcs_dev_new(k, bmc->ev, c->device);
		k->ops = &kcs_dev_ops;
		break;
	}
	if (!k->be) {
		k->ops = NULL;
		return -EIO;
	}
	return 0;
}

void kcs_done(struct bmc *bmc)
{
	struct kcs *k = bmc->kcs;

	if (!k)
		return;
	if (k->ops)
		k->ops->free(k->be);
	free(k);
	bmc->kcs = NULL;
}
