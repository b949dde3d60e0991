/* SPDX-License-Identifier: MIT */
/* The channel table and Set/Get Channel Access (IPMI 2.0 22.22, 22.23). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "channels/channel.h"
#include "daemon/bmc.h"
#include "chassis/power.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "daemon/store.h"
#include "lan/lancmds.h"

#define CHANNELS_FILE "channels"
#define CHANNELS_MAGIC "BCHN"
#define CHANNELS_VERSION 1
#define CHANNEL_REC_LEN 9
#define CHANNELS_FILE_MAX (4 + 1 + 1 + CHANNEL_MAX * CHANNEL_REC_LEN)

enum {				/* command-specific completion codes */
	CC_CH_NOT_SUPPORTED = 0x82,	/* set/get not supported on this channel */
	CC_CH_MODE_UNSUPPORTED = 0x83,	/* access mode not supported */
};

enum {				/* Set/Get Channel Access byte 2 */
	CHA_ALERTING_OFF = 1 << 5,
	CHA_PER_MSG_OFF = 1 << 4,
	CHA_USER_AUTH_OFF = 1 << 3,
	CHA_MODE_MASK = 0x07,
};

enum {				/* "which" field: bits [7:6] */
	CHA_WHICH_NONE = 0,
	CHA_WHICH_NV = 1,
	CHA_WHICH_VOLATILE = 2,
};

static struct channel *ch_mut(struct channels *c, uint8_t n)
{
	return n < CHANNEL_MAX && c->ch[n].present ? &c->ch[n] : NULL;
}

const struct channel *channel_get(const struct channels *c, uint8_t n)
{
	return n < CHANNEL_MAX && c->ch[n].present ? &c->ch[n] : NULL;
}

bool channel_has_sessions(const struct channels *c, uint8_t n)
{
	const struct channel *ch = channel_get(c, n);

	return ch && ch->sessions != 0;
}

uint8_t channel_priv_limit(const struct channels *c, uint8_t n)
{
	const struct channel *ch = channel_get(c, n);

	return ch ? ch->vol.priv_limit : PRIV_NONE;
}

const struct lockout_policy *channel_lockout(const struct channels *c, uint8_t n)
{
	const struct channel *ch = channel_get(c, n);

	return ch && ch->sessions ? &ch->lockout : NULL;
}

bool channel_accepts_sessions(const struct bmc *bmc, uint8_t n)
{
	const struct channel *ch = channel_get(bmc->channels, n);

	if (!ch || !ch->sessions)
		return false;
	switch (ch->vol.mode) {
	case CH_MODE_ALWAYS:
	case CH_MODE_SHARED:
		return true;
	case CH_MODE_PREBOOT:
		/* bmcd cannot see the host's firmware: "pre-boot" is "off". */
		return bmc->power->state == POWER_OFF;
	default:
		return false;
	}
}

/* ---- the state file ------------------------------------------------------ */

static uint8_t access_byte(const struct channel_access *a)
{
	return (uint8_t)((a->alerting_off ? CHA_ALERTING_OFF : 0) |
			 (a->per_msg_auth_off ? CHA_PER_MSG_OFF : 0) |
			 (a->user_auth_off ? CHA_USER_AUTH_OFF : 0) | (a->mode & CHA_MODE_MASK));
}

static void access_from_byte(struct channel_access *a, uint8_t b)
{
	a->alerting_off = b & CHA_ALERTING_OFF;
	a->per_msg_auth_off = b & CHA_PER_MSG_OFF;
	a->user_auth_off = b & CHA_USER_AUTH_OFF;
	a->mode = b & CHA_MODE_MASK;
}

static bool priv_limit_ok(uint8_t p)
{
	return p >= PRIV_CALLBACK && p <= PRIV_OEM;
}

static int channels_save(const struct channels *c)
{
	uint8_t buf[CHANNELS_FILE_MAX];
	struct wbuf w = wb_init(buf, sizeof(buf));
	uint8_t *count;

	if (c->dirfd < 0)
		return 0;
	wb_bytes(&w, CHANNELS_MAGIC, 4);
	wb_u8(&w, CHANNELS_VERSION);
	count = wb_reserve(&w, 1);
	if (!count)
		return -EOVERFLOW;
	*count = 0;
	for (uint8_t n = 0; n < CHANNEL_MAX; n++) {
		const struct channel *ch = &c->ch[n];

		if (!ch->present || !ch->sessions)
			continue;
		wb_u8(&w, n);
		wb_u8(&w, access_byte(&ch->nv));
		wb_u8(&w, ch->nv.priv_limit);
		wb_u8(&w, ch->lockout.audit ? 1 : 0);
		wb_u8(&w, ch->lockout.threshold);
		wb_le16(&w, ch->lockout.reset_10s);
		wb_le16(&w, ch->lockout.lockout_10s);
		(*count)++;
	}
	if (!wb_ok(&w))
		return -EOVERFLOW;
	return store_write(c->dirfd, CHANNELS_FILE, buf, w.len);
}

/* Parse into a copy; c changes only when the whole file is good. */
static int channels_parse(struct channels *c, const uint8_t *buf, size_t len)
{
	struct channels tmp = *c;
	struct rbuf r = rb_init(buf, len);
	uint8_t magic[4], version, count;

	rb_copy(&r, magic, sizeof(magic));
	version = rb_u8(&r);
	count = rb_u8(&r);
	if (!rb_ok(&r) || memcmp(magic, CHANNELS_MAGIC, 4) != 0)
		return -EBADMSG;
	if (version != CHANNELS_VERSION)
		return -EPROTONOSUPPORT;
	for (unsigned i = 0; i < count; i++) {
		uint8_t n = rb_u8(&r), acc = rb_u8(&r), priv = rb_u8(&r);
		struct lockout_policy lp;
		struct channel *ch;

		lp.audit = rb_u8(&r) & 1;
		lp.threshold = rb_u8(&r);
		lp.reset_10s = rb_le16(&r);
		lp.lockout_10s = rb_le16(&r);
		if (!rb_ok(&r) || (acc & 0xc0) || (acc & CHA_MODE_MASK) > CH_MODE_SHARED ||
		    !priv_limit_ok(priv))
			return -EBADMSG;
		ch = n < CHANNEL_MAX ? &tmp.ch[n] : NULL;
		if (!ch || !ch->present || !ch->sessions) {
			log_info("state: %s: channel %u is not on this board; ignored", CHANNELS_FILE, n);
			continue;
		}
		access_from_byte(&ch->nv, acc);
		ch->nv.priv_limit = priv;
		ch->vol = ch->nv;
		ch->lockout = lp;
	}
	if (!rb_done(&r))
		return -EBADMSG;
	*c = tmp;
	return 0;
}

static int channels_load(struct channels *c)
{
	uint8_t buf[CHANNELS_FILE_MAX];
	ssize_t n = store_load(c->dirfd, CHANNELS_FILE, buf, sizeof(buf), "state");
	int r;

	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;		/* logged */
	r = channels_parse(c, buf, (size_t)n);
	if (r == 0)
		return 0;
	log_error_errno(r, "state: %s is corrupt; moved to %s.corrupt, "
			"using the default channel access", CHANNELS_FILE, CHANNELS_FILE);
	store_set_aside(c->dirfd, CHANNELS_FILE, "state");
	return 0;
}

/* ---- set-up ----------------------------------------------------------------- */

static void channel_add(struct channels *c, uint8_t n, uint8_t medium, uint8_t protocol,
			uint8_t sessions)
{
	struct channel *ch = &c->ch[n];

	*ch = (struct channel){
		.present = true, .medium = medium, .protocol = protocol, .sessions = sessions,
		/* Alerting off until PEF exists; both authentications on. */
		.nv = { .mode = CH_MODE_ALWAYS, .alerting_off = true, .priv_limit = PRIV_ADMIN },
	};
	ch->vol = ch->nv;
	if (sessions)
		ch->lockout = LOCKOUT_DEFAULT;
}

int channels_init(struct channels *c, const struct board_config *cfg, int dirfd)
{
	memset(c, 0, sizeof(*c));
	c->dirfd = dirfd;
	/* 802.3 LAN, IPMB-1.0 protocol, multi-session. */
	channel_add(c, cfg->lan.channel & 0x0f, CH_MEDIUM_LAN, 0x01, 2);
	/* System interface: KCS, session-less. */
	channel_add(c, IPMI_CHANNEL_SYSIF, CH_MEDIUM_SYSIF, 0x05, 0);
	/* IPMB channels (ipmb/): IPMB-1.0, session-less. */
	for (unsigned i = 0; i < cfg->ipmb.n_channels; i++)
		channel_add(c, cfg->ipmb.channels[i].number, CH_MEDIUM_IPMB, 0x01, 0);
	return dirfd >= 0 ? channels_load(c) : 0;
}

void channels_reset_volatile(struct channels *c)
{
	for (unsigned n = 0; n < CHANNEL_MAX; n++)
		c->ch[n].vol = c->ch[n].nv;
}

int channel_set_lockout(struct channels *c, uint8_t n, const struct lockout_policy *p)
{
	struct channel *ch = ch_mut(c, n);
	struct lockout_policy old;
	int r;

	if (!ch || !ch->sessions)
		return -ENOENT;
	old = ch->lockout;
	ch->lockout = *p;
	r = channels_save(c);
	if (r < 0) {
		ch->lockout = old;
		return log_error_errno(r, "state: cannot write %s", CHANNELS_FILE);
	}
	log_notice("channel %u: bad password threshold %u, reset interval %u s, lockout %u s",
		   n, p->threshold, p->reset_10s * 10u, p->lockout_10s * 10u);
	return 0;
}

/* ---- commands ---------------------------------------------------------------- */

/* The channel a request names (its first byte, cb), which must exist and
 * carry sessions.  Returns 0 or a completion code. */
static int access_channel(const struct bmc *bmc, const struct ipmi_req *req, uint8_t cb, uint8_t *n)
{
	if (cb & 0xf0)
		return CC_INVALID_FIELD;
	*n = ipmi_req_channel(req, cb);
	if (!channel_get(bmc->channels, *n))
		return CC_INVALID_FIELD;
	if (!channel_has_sessions(bmc->channels, *n))
		return CC_CH_NOT_SUPPORTED;
	return 0;
}

static const char *const mode_names[] = { "disabled", "pre-boot only", "always available", "shared" };

int channel_cmd_set_access(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf rb = ipmi_reader(req);
	uint8_t cb = rb_u8(&rb), acc = rb_u8(&rb), lim = rb_u8(&rb), n;
	uint8_t set_acc = acc >> 6, set_lim = lim >> 6;
	struct channel *ch;
	struct channel_access nv, vol;
	int cc, r;

	if (!rb_done(&rb))
		return CC_REQ_LEN;
	cc = access_channel(bmc, req, cb, &n);
	if (cc)
		return cc;
	if (set_acc == 3 || set_lim == 3 || (lim & 0x30))
		return CC_INVALID_FIELD;
	if (set_acc && (acc & CHA_MODE_MASK) > CH_MODE_SHARED)
		return CC_CH_MODE_UNSUPPORTED;
	if (set_lim && !priv_limit_ok(lim & 0x0f))
		return CC_INVALID_FIELD;
	ch = ch_mut(bmc->channels, n);
	nv = ch->nv;
	vol = ch->vol;
	if (set_acc) {
		struct channel_access *a = set_acc == CHA_WHICH_NV ? &nv : &vol;
		uint8_t keep = a->priv_limit;

		access_from_byte(a, acc & 0x3f);
		a->priv_limit = keep;
	}
	if (set_lim)
		(set_lim == CHA_WHICH_NV ? &nv : &vol)->priv_limit = lim & 0x0f;
	if (memcmp(&nv, &ch->nv, sizeof(nv)) != 0) {
		struct channel_access old = ch->nv;

		ch->nv = nv;
		r = channels_save(bmc->channels);
		if (r < 0) {
			ch->nv = old;
			log_error_errno(r, "state: cannot write %s", CHANNELS_FILE);
			return CC_UNSPECIFIED;
		}
	}
	if (memcmp(&vol, &ch->vol, sizeof(vol)) != 0 && vol.mode != ch->vol.mode)
		log_notice("channel %u: access mode %s", n, mode_names[vol.mode & 3]);
	ch->vol = vol;
	return CC_OK;
}

int channel_cmd_get_access(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t cb = rb_u8(&r), wb = rb_u8(&r), which = wb >> 6, n;
	const struct channel_access *a;
	const struct channel *ch;
	int cc;

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if ((wb & 0x3f) || which == CHA_WHICH_NONE || which == 3)
		return CC_INVALID_FIELD;
	cc = access_channel(bmc, req, cb, &n);
	if (cc)
		return cc;
	ch = channel_get(bmc->channels, n);
	a = which == CHA_WHICH_NV ? &ch->nv : &ch->vol;
	wb_u8(rsp, access_byte(a));
	wb_u8(rsp, a->priv_limit & 0x0f);
	return CC_OK;
}
