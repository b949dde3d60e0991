/* SPDX-License-Identifier: MIT */
/* System boot options (IPMI 2.0 28.12, 28.13, table 28-14): see bootopt.h. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "chassis/bootopt.h"
#include "daemon/bmc.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "daemon/param.h"
#include "daemon/store.h"

#define BOOTOPT_FILE "boot-options"
#define BOOTOPT_MAGIC "BOPT"
#define BOOTOPT_FILE_VERSION 1
/* magic, version, invalid marks, parameters 1, 2, 3, 5 and 7 */
#define BOOTOPT_FILE_LEN (4 + 1 + 1 + 3 + BOOTOPT_FLAGS_LEN + BOOTOPT_MBOX_BLOCKS * BOOTOPT_MBOX_BLOCK_LEN)

#define BOOTOPT_PARAM_VERSION 0x01
#define BOOTOPT_SAVED_PARAMS (1u << BOOTOPT_SVC_PARTITION | 1u << BOOTOPT_SVC_SCAN |	\
			      1u << BOOTOPT_VALID_CLEARING | 1u << BOOTOPT_FLAGS |	\
			      1u << BOOTOPT_MAILBOX)

const char *bootopt_device_name(enum bootopt_device dev)
{
	switch (dev) {
	case BOOTDEV_NONE: return "none";
	case BOOTDEV_PXE: return "pxe";
	case BOOTDEV_DISK: return "disk";
	case BOOTDEV_DISK_SAFE: return "disk (safe mode)";
	case BOOTDEV_DIAG: return "diagnostic partition";
	case BOOTDEV_CDROM: return "cd/dvd";
	case BOOTDEV_SETUP: return "bios setup";
	case BOOTDEV_REMOTE_FLOPPY: return "remote floppy";
	case BOOTDEV_REMOTE_CDROM: return "remote cd/dvd";
	case BOOTDEV_REMOTE_MEDIA: return "primary remote media";
	case BOOTDEV_REMOTE_DISK: return "remote disk";
	case BOOTDEV_FLOPPY: return "floppy";
	}
	return "reserved";
}

static enum bootopt_device flags_device(const uint8_t f[BOOTOPT_FLAGS_LEN])
{
	return (enum bootopt_device)((f[1] >> 2) & 0x0f);
}

static bool bootdev_valid(unsigned dev)
{
	return dev <= BOOTDEV_REMOTE_MEDIA || dev == BOOTDEV_REMOTE_DISK || dev == BOOTDEV_FLOPPY;
}

/* Parameter 5: reserved bits and reserved values are refused. */
static int flags_check(const uint8_t f[BOOTOPT_FLAGS_LEN])
{
	if (f[0] & 0x1f)
		return -EINVAL;
	if (!bootdev_valid(flags_device(f)))
		return -EINVAL;
	if ((f[2] & 0x60) == 0x60 || (f[2] & 0x03) == 0x03)	/* verbosity, console */
		return -EINVAL;
	if ((f[3] & 0xf0) || (f[3] & 0x07) > 0x02)		/* BIOS mux control */
		return -EINVAL;
	if (f[4] & 0xe0)
		return -EINVAL;
	return 0;
}

enum bootopt_device bootopt_boot_device(const struct bootopt *b, bool *efi)
{
	const uint8_t *f = b->v.saved.flags;

	if (efi)
		*efi = (f[0] & (BOOTOPT_F1_VALID | BOOTOPT_F1_EFI)) == (BOOTOPT_F1_VALID | BOOTOPT_F1_EFI);
	return (f[0] & BOOTOPT_F1_VALID) ? flags_device(f) : BOOTDEV_NONE;
}

static void flags_log(const uint8_t f[BOOTOPT_FLAGS_LEN])
{
	if (!(f[0] & BOOTOPT_F1_VALID)) {
		log_info("boot options: boot flags not valid (no override)");
		return;
	}
	log_info("boot options: boot device %s, %s, %s boot", bootopt_device_name(flags_device(f)),
		 (f[0] & BOOTOPT_F1_PERSISTENT) ? "all future boots" : "next boot only",
		 (f[0] & BOOTOPT_F1_EFI) ? "EFI" : "legacy");
}

/* ---- the parameters ---------------------------------------------------- */

/* The parameters work on a copy of the values (ctx, struct bootopt_vals),
 * taken by bootopt_commit() once the Set has succeeded. */

static uint8_t *in_progress(void *ctx)
{
	return &((struct bootopt_vals *)ctx)->set_state;
}

static int set_info_ack(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct bootopt_vals *v = ctx;
	/* Bits 7:5 are reserved, "write as 1b": masked off, never refused. */
	uint8_t mask = rb_u8(r) & 0x1f;
	uint8_t data = rb_u8(r);

	v->ack = (v->ack & ~mask) | (data & mask);
	return 0;
}

static int get_info_ack(void *ctx, const struct param_query *q, struct wbuf *w)
{
	const struct bootopt_vals *v = ctx;

	wb_u8(w, 0x00);		/* the write mask reads as 00h */
	wb_u8(w, v->ack);
	return 0;
}

static int set_flags(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct bootopt_vals *v = ctx;
	uint8_t f[BOOTOPT_FLAGS_LEN];
	int ret;

	rb_copy(r, f, sizeof(f));
	ret = flags_check(f);
	if (ret < 0)
		return ret;
	memcpy(v->saved.flags, f, sizeof(f));
	return 0;
}

static int set_initiator(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct bootopt_vals *v = ctx;
	uint8_t i[BOOTOPT_INITIATOR_LEN];

	rb_copy(r, i, sizeof(i));
	if (i[0] & 0xf0)	/* channel number in [3:0] */
		return -EINVAL;
	memcpy(v->initiator, i, sizeof(i));
	return 0;
}

/* A block write replaces the block; a short one (ipmitool sends only the
 * bytes it has) leaves the rest zero. */
static int set_mailbox(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct bootopt_vals *v = ctx;
	uint8_t block = rb_u8(r);
	size_t n = rb_left(r);

	if (block >= BOOTOPT_MBOX_BLOCKS)
		return -ERANGE;
	memset(v->saved.mbox[block], 0, BOOTOPT_MBOX_BLOCK_LEN);
	rb_copy(r, v->saved.mbox[block], n);
	return 0;
}

static int get_mailbox(void *ctx, const struct param_query *q, struct wbuf *w)
{
	const struct bootopt_vals *v = ctx;

	return param_get_entry(w, q->set, 0, BOOTOPT_MBOX_BLOCKS, v->saved.mbox,
			       BOOTOPT_MBOX_BLOCK_LEN, BOOTOPT_MBOX_BLOCK_LEN);
}

#define PLAIN(sel, member, mask) PARAM_PLAIN_AT(sel, struct bootopt_vals, member, mask)

static const struct param_def bootopt_params[] = {
	PARAM_SET_IN_PROGRESS,
	PLAIN(BOOTOPT_SVC_PARTITION, saved.svc_partition, 0x00),
	PLAIN(BOOTOPT_SVC_SCAN, saved.svc_scan, 0xfc),
	PLAIN(BOOTOPT_VALID_CLEARING, saved.valid_clearing, 0xe0),
	{ BOOTOPT_INFO_ACK, 2, 2, 0, get_info_ack, set_info_ack },
	{ BOOTOPT_FLAGS, BOOTOPT_FLAGS_LEN, BOOTOPT_FLAGS_LEN, PARAM_PLAIN, NULL, set_flags,
	  .off = offsetof(struct bootopt_vals, saved.flags) },
	{ BOOTOPT_INITIATOR, BOOTOPT_INITIATOR_LEN, BOOTOPT_INITIATOR_LEN, PARAM_PLAIN, NULL,
	  set_initiator, .off = offsetof(struct bootopt_vals, initiator) },
	{ BOOTOPT_MAILBOX, 2, 1 + BOOTOPT_MBOX_BLOCK_LEN, 0, get_mailbox, set_mailbox },
};

static const struct param_family bootopt_family = {
	PARAM_FAMILY(bootopt_params),
	.revision = BOOTOPT_PARAM_VERSION,
	.in_progress = in_progress,
	.commit_keeps = true,
};

/* ---- the state file ---------------------------------------------------- */

static int bootopt_save(const struct bootopt *b, const struct bootopt_saved *s)
{
	uint8_t buf[BOOTOPT_FILE_LEN];
	struct wbuf w = wb_init(buf, sizeof(buf));

	if (b->dirfd < 0)
		return 0;	/* no state directory: kept in memory only */
	wb_bytes(&w, BOOTOPT_MAGIC, 4);
	wb_u8(&w, BOOTOPT_FILE_VERSION);
	wb_u8(&w, s->invalid & BOOTOPT_SAVED_PARAMS);
	wb_u8(&w, s->svc_partition);
	wb_u8(&w, s->svc_scan);
	wb_u8(&w, s->valid_clearing);
	wb_bytes(&w, s->flags, sizeof(s->flags));
	wb_bytes(&w, s->mbox, sizeof(s->mbox));
	if (!wb_ok(&w) || w.len != sizeof(buf))
		return -EOVERFLOW;
	return store_write(b->dirfd, BOOTOPT_FILE, buf, w.len);
}

static int bootopt_parse(struct bootopt_saved *s, const uint8_t *buf, size_t len)
{
	struct rbuf r = rb_init(buf, len);
	uint8_t magic[4];
	uint8_t version;

	rb_copy(&r, magic, sizeof(magic));
	version = rb_u8(&r);
	s->invalid = rb_u8(&r) & BOOTOPT_SAVED_PARAMS;
	s->svc_partition = rb_u8(&r);
	s->svc_scan = rb_u8(&r);
	s->valid_clearing = rb_u8(&r);
	rb_copy(&r, s->flags, sizeof(s->flags));
	rb_copy(&r, s->mbox, sizeof(s->mbox));
	if (!rb_done(&r) || memcmp(magic, BOOTOPT_MAGIC, sizeof(magic)) != 0)
		return -EBADMSG;
	if (version != BOOTOPT_FILE_VERSION)
		return -EPROTONOSUPPORT;
	if ((s->svc_scan & ~0x03) || (s->valid_clearing & ~0x1f) || flags_check(s->flags) < 0)
		return -EBADMSG;
	return 0;
}

static int bootopt_load(struct bootopt *b)
{
	uint8_t buf[BOOTOPT_FILE_LEN];
	struct bootopt_saved s = { 0 };
	ssize_t n = store_load(b->dirfd, BOOTOPT_FILE, buf, sizeof(buf), "state");
	int r;

	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;		/* logged */
	r = bootopt_parse(&s, buf, (size_t)n);
	if (r < 0) {
		log_warning_errno(r, "state: %s is corrupt; moved to %s.corrupt, default boot options",
				  BOOTOPT_FILE, BOOTOPT_FILE);
		store_set_aside(b->dirfd, BOOTOPT_FILE, "state");
		return 0;
	}
	b->v.saved = s;
	if (s.flags[0] & BOOTOPT_F1_VALID)
		flags_log(s.flags);
	return 0;
}

/* Take v: the saved part is written first, and nothing changes if that
 * fails. */
static int bootopt_commit(struct bootopt *b, const struct bootopt_vals *v)
{
	int r;

	if (memcmp(&v->saved, &b->v.saved, sizeof(v->saved)) != 0) {
		r = bootopt_save(b, &v->saved);
		if (r < 0)
			return log_error_errno(r, "state: cannot write %s", BOOTOPT_FILE);
	}
	b->v = *v;
	return 0;
}

/* The BMC's own changes (timeout, restarts) happen even if the state file
 * cannot be written: the next start clears a stale valid bit again. */
static void bootopt_update(struct bootopt *b, const struct bootopt_vals *v)
{
	if (bootopt_commit(b, v) < 0)
		b->v = *v;
}

/* ---- the valid-bit timeout --------------------------------------------- */

static bool bootopt_expires(const struct bootopt_saved *s)
{
	return (s->flags[0] & (BOOTOPT_F1_VALID | BOOTOPT_F1_PERSISTENT)) == BOOTOPT_F1_VALID &&
	       !(s->valid_clearing & BOOTOPT_KEEP_NO_TIMEOUT);
}

/* A Chassis Control (re)start is under way: power on, a power cycle, or a
 * power on asked while the host goes down. */
static bool chassis_boot_pending(const struct power *p)
{
	if (!p || p->pending_cause != RESTART_CHASSIS_CMD)
		return false;
	return p->state == POWER_POWERING_ON || p->state == POWER_CYCLE_WAIT ||
	       ((p->state == POWER_POWERING_OFF || p->state == POWER_SOFT_OFF) &&
		(p->cycle_pending || p->on_pending));
}

static int bootopt_on_timeout(sd_event_source *src, uint64_t usec, void *userdata);

static int bootopt_arm(struct bootopt *b)
{
	uint64_t now, when;
	int r;

	if (!b->ev)
		return -ENODEV;
	r = sd_event_now(b->ev, CLOCK_MONOTONIC, &now);
	if (r < 0)
		return r;
	when = now + b->valid_timeout_usec;
	if (!b->timer)
		return sd_event_add_time(b->ev, &b->timer, CLOCK_MONOTONIC, when,
					 b->valid_timeout_usec / 100, bootopt_on_timeout, b);
	r = sd_event_source_set_time(b->timer, when);
	if (r < 0)
		return r;
	return sd_event_source_set_enabled(b->timer, SD_EVENT_ONESHOT);
}

/* Start the countdown when the flags need one (afresh if restart, else
 * only if it is not running), stop it when they do not. */
static void bootopt_rearm(struct bootopt *b, bool restart)
{
	int enabled = SD_EVENT_OFF;
	int r;

	if (!bootopt_expires(&b->v.saved)) {
		if (b->timer)
			sd_event_source_set_enabled(b->timer, SD_EVENT_OFF);
		return;
	}
	if (b->timer)
		sd_event_source_get_enabled(b->timer, &enabled);
	if (!restart && enabled != SD_EVENT_OFF)
		return;
	r = bootopt_arm(b);
	if (r < 0)
		log_error_errno(r, "boot options: cannot start the valid-bit timer");
}

static int bootopt_on_timeout(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct bootopt *b = userdata;
	struct bootopt_vals v = b->v;

	if (!bootopt_expires(&v.saved))
		return 0;
	if (chassis_boot_pending(b->power)) {
		/* The Chassis Control came: its boot will use the flags. */
		bootopt_rearm(b, true);
		return 0;
	}
	log_notice("boot options: no Chassis Control within %llu ms: boot flags valid bit cleared",
		   (unsigned long long)(b->valid_timeout_usec / 1000));
	v.saved.flags[0] &= ~BOOTOPT_F1_VALID;
	bootopt_update(b, &v);
	return 0;
}

/* ---- host restarts ----------------------------------------------------- */

/* The parameter 3 bit that keeps the valid bit over a restart of this cause. */
static uint8_t keep_bit(enum restart_cause cause)
{
	switch (cause) {
	case RESTART_POWER_BUTTON:
	case RESTART_RTC:
		return BOOTOPT_KEEP_POWER_BUTTON;
	case RESTART_RESET_BUTTON:
	case RESTART_SOFT_RESET:
		return BOOTOPT_KEEP_RESET_BUTTON;
	case RESTART_WATCHDOG:
		return BOOTOPT_KEEP_WATCHDOG;
	case RESTART_PEF_RESET:
	case RESTART_PEF_CYCLE:
		return BOOTOPT_KEEP_PEF;
	default:
		return 0;
	}
}

static void bootopt_host_boots(struct bootopt *b, enum restart_cause cause)
{
	struct bootopt_vals v = b->v;
	const uint8_t *f = v.saved.flags;
	const char *dev = bootopt_device_name(flags_device(f));

	if (!(f[0] & BOOTOPT_F1_VALID))
		return;
	if (f[0] & BOOTOPT_F1_PERSISTENT) {
		log_info("boot: persistent boot device %s", dev);
		return;
	}
	if (cause == RESTART_CHASSIS_CMD) {
		/* As the BIOS would: use the flags once, acknowledge them. */
		log_info("boot: next-boot device %s used; boot flags valid bit cleared", dev);
		v.ack &= ~0x01;
	} else if (v.saved.valid_clearing & keep_bit(cause)) {
		log_info("boot: restart cause %d: next-boot device %s kept (parameter 3)", cause, dev);
		return;
	} else {
		log_notice("boot: restart cause %d is not a Chassis Control: next-boot device %s dropped",
			   cause, dev);
	}
	v.saved.flags[0] &= ~BOOTOPT_F1_VALID;
	bootopt_update(b, &v);
	bootopt_rearm(b, false);
}

void bootopt_power_event(struct bootopt *b, enum power_event ev, enum restart_cause cause)
{
	if (ev == POWER_EV_FAULT)
		return;
	/* A reset or power down ends a 'set in progress' (parameter 0). */
	b->v.set_state = BOOTOPT_SET_COMPLETE;
	if (ev == POWER_EV_ON || ev == POWER_EV_RESET)
		bootopt_host_boots(b, cause);
}

void bootopt_reset_volatile(struct bootopt *b)
{
	b->v.set_state = BOOTOPT_SET_COMPLETE;
	b->v.ack = 0;
	memset(b->v.initiator, 0, sizeof(b->v.initiator));
}

/* ---- the commands ------------------------------------------------------ */

int bootopt_set(struct bootopt *b, struct rbuf *req)
{
	uint8_t hdr = rb_u8(req);
	uint8_t sel = hdr & 0x7f;
	struct bootopt_vals v = b->v;
	size_t n = rb_left(req);
	int r;

	if (!rb_ok(req))
		return -EBADMSG;
	if (!param_find(&bootopt_family, sel))
		return -EOPNOTSUPP;
	/* No data: only the parameter's invalid/locked mark changes. */
	if (n > 0) {
		r = param_set(&bootopt_family, &v, sel, req);
		if (r < 0)
			return r;
	}
	/* Flags the host cannot honour are refused, not kept and ignored. */
	if (n > 0 && sel == BOOTOPT_FLAGS && (v.saved.flags[0] & BOOTOPT_F1_VALID) && b->power &&
	    b->power->ops && b->power->ops->boot_check) {
		r = b->power->ops->boot_check(b->power->ctx, flags_device(v.saved.flags),
					      v.saved.flags[0] & BOOTOPT_F1_EFI);
		if (r == -ENOTSUP)
			return -EINVAL;
		if (r < 0)
			return r;
	}
	if (hdr & 0x80)
		v.saved.invalid |= 1u << sel;
	else
		v.saved.invalid &= ~(1u << sel);
	r = bootopt_commit(b, &v);
	if (r < 0)
		return r == -ENOSPC ? r : -EIO;
	if (n > 0 && sel == BOOTOPT_FLAGS) {
		flags_log(v.saved.flags);
		bootopt_rearm(b, true);
	} else if (n > 0 && sel == BOOTOPT_VALID_CLEARING) {
		bootopt_rearm(b, false);
	}
	return 0;
}

int bootopt_set_flags(struct bootopt *b, bool valid, bool persistent, bool efi,
		      enum bootopt_device dev)
{
	const uint8_t *old = b->v.saved.flags;
	uint8_t req[1 + BOOTOPT_FLAGS_LEN] = { BOOTOPT_FLAGS };
	struct rbuf rb;

	memcpy(req + 1, old, BOOTOPT_FLAGS_LEN);
	req[1] = (uint8_t)((valid ? BOOTOPT_F1_VALID : 0) | (persistent ? BOOTOPT_F1_PERSISTENT : 0) |
			   (efi ? BOOTOPT_F1_EFI : 0));
	req[2] = (uint8_t)((old[1] & ~0x3c) | (dev & 0xf) << 2);
	rb = rb_init(req, sizeof(req));
	return bootopt_set(b, &rb);
}

int bootopt_get(const struct bootopt *b, struct rbuf *req, struct wbuf *rsp)
{
	struct param_query q = { .sel = rb_u8(req), .set = rb_u8(req) };
	struct bootopt_vals v = b->v;

	rb_u8(req);		/* block selector: no parameter here uses one */
	if (!rb_done(req))
		return -EBADMSG;
	if (q.sel & 0x80)
		return -EINVAL;
	q.def = param_find(&bootopt_family, q.sel);
	if (!q.def)
		return -EOPNOTSUPP;
	/* The revision, then the selector with its invalid mark. */
	wb_u8(rsp, BOOTOPT_PARAM_VERSION);
	wb_u8(rsp, q.sel | ((v.saved.invalid & (1u << q.sel)) ? 0x80 : 0));
	return param_get_data(&bootopt_family, &v, &q, rsp);
}

int chassis_set_boot_options(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);

	return param_cc(bootopt_set(bmc->bootopt, &r));
}

int chassis_get_boot_options(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);

	return param_cc(bootopt_get(bmc->bootopt, &r, rsp));
}

/* ---- life ------------------------------------------------------------- */

int bootopt_init(struct bootopt *b, sd_event *ev, int dirfd, const struct power *power,
		 uint64_t valid_timeout_usec)
{
	*b = (struct bootopt){
		.ev = ev,
		.dirfd = dirfd,
		.power = power,
		.valid_timeout_usec = valid_timeout_usec,
	};
	if (dirfd >= 0) {
		int r = bootopt_load(b);

		if (r < 0)
			return r;
	}
	/* A next-boot override from before the restart gets a fresh countdown. */
	if (bootopt_expires(&b->v.saved))
		return bootopt_arm(b);
	return 0;
}

void bootopt_done(struct bootopt *b)
{
	b->timer = sd_event_source_disable_unref(b->timer);
}
