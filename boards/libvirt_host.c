/* SPDX-License-Identifier: MIT */
/*
 * The host as a libvirt domain (boards/libvirt_host.h, docs/virtual.md).
 *
 * libvirt's event loop runs on the process's sd-event loop: its handles
 * and timeouts (virEventRegisterImpl) are sd-event io and time sources, so
 * no thread is needed.  libvirt's event callbacks carry no context and its
 * event implementation is one per process, so the pool of connections and
 * event sources is reached through one pointer, set while any BMC of the
 * process uses the backend (tests/check-globals.py allows it by name).
 *
 * Connections are shared per URI; a lost connection is logged and
 * reconnected from a timer with a backoff, and meanwhile power good is an
 * error (-ENOTCONN), which the commands answer as an error, never a hang.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "boards/libvirt_host.h"
#include "chassis/bootopt.h"
#include "chassis/power.h"
#include "daemon/bmc.h"
#include "daemon/log.h"
#include "daemon/store.h"
#include "fru/fru.h"
#include "sol/uart.h"

#define RETRY_MIN_MS 500
#define RETRY_MAX_MS 30000
/* The domain's own definition while a next-boot-only device is applied
 * (state directory): a restart in between puts it back. */
#define RESTORE_FILE "libvirt-restore.xml"
#define XML_MAX (1024 * 1024)

struct virt_watch {			/* a libvirt handle or timeout */
	struct virt_watch *next;
	struct virt_pool *pool;
	int id;
	bool is_timer;
	bool removed;			/* freed (and ff called) from the cleanup source */
	int fd;
	int timeout_ms;			/* timers: -1 off, 0 every iteration, else period */
	virEventHandleCallback hcb;
	virEventTimeoutCallback tcb;
	void *opaque;
	virFreeCallback ff;
	sd_event_source *src;
};

struct virt_conn {			/* one connection, shared by its URI's hosts */
	struct virt_conn *next;
	struct virt_pool *pool;
	char uri[256];
	virConnectPtr conn;		/* NULL while disconnected */
	bool lost;			/* closed by libvirt, not reopened yet */
	int lifecycle_id;		/* virConnectDomainEventRegisterAny's, or -1 */
	sd_event_source *retry;
	unsigned backoff_ms;
	struct libvirt_host *hosts;
	unsigned refs;
};

struct virt_pool {
	sd_event *ev;
	struct virt_watch *watches;
	struct virt_conn *conns;
	sd_event_source *cleanup;	/* frees removed watches outside libvirt's calls */
	int next_id;
	unsigned refs;
};

/* The boot device a start applies, read from the boot options. */
struct boot_choice {
	enum bootopt_device dev;
	bool persistent;
};

struct libvirt_host {
	struct libvirt_host *next;	/* in its connection's list */
	struct bmc *bmc;
	struct virt_conn *vc;
	struct power *power;
	char domain[128];
	unsigned char uuid[VIR_UUID_BUFLEN];
	bool have_uuid;
	bool pg;			/* last power-good level reported */
	bool gone;			/* the domain was undefined */
	bool once_live;			/* running with a next-boot-only device applied */
	bool restarting;		/* a reset done as destroy + create: its STOPPED event is ours */
	sd_event_source *restart;	/* that reset, run after the response is sent */
	struct boot_choice restart_boot;	/* the boot options it applies */
	/* SOL: the domain's console stream, bridged to a socket pair whose
	 * other end is SOL's UART fd. */
	int con_fd;			/* our end, or -1 */
	int sol_fd;			/* SOL's end (its UART fd), closed by SOL's uart_close */
	sd_event_source *con_io;
	virStreamPtr st;		/* while the domain runs and its console is open */
	char to_guest[1024];		/* console input the stream did not take yet */
	size_t to_guest_len;
};

/* The process's pool (see the head of this file). */
static struct virt_pool *virt_pool;

/* ------------------------------------------------------------------ */
/* libvirt's event loop on sd-event                                    */

static uint32_t to_epoll(int events)
{
	uint32_t e = 0;

	if (events & VIR_EVENT_HANDLE_READABLE)
		e |= EPOLLIN;
	if (events & VIR_EVENT_HANDLE_WRITABLE)
		e |= EPOLLOUT;
	return e;
}

static int from_epoll(uint32_t e)
{
	int events = 0;

	if (e & EPOLLIN)
		events |= VIR_EVENT_HANDLE_READABLE;
	if (e & EPOLLOUT)
		events |= VIR_EVENT_HANDLE_WRITABLE;
	if (e & EPOLLERR)
		events |= VIR_EVENT_HANDLE_ERROR;
	if (e & EPOLLHUP)
		events |= VIR_EVENT_HANDLE_HANGUP;
	return events;
}

static struct virt_watch *watch_find(int id, bool timer)
{
	if (!virt_pool)
		return NULL;
	for (struct virt_watch *w = virt_pool->watches; w; w = w->next)
		if (w->id == id && w->is_timer == timer && !w->removed)
			return w;
	return NULL;
}

static int on_handle(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct virt_watch *w = userdata;

	if (!w->removed)
		w->hcb(w->id, fd, from_epoll(revents), w->opaque);
	return 0;
}

static int on_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct virt_watch *w = userdata;

	if (w->removed || w->timeout_ms < 0)
		return 0;
	sd_event_source_set_time(src, usec + (uint64_t)w->timeout_ms * 1000);
	sd_event_source_set_enabled(src, SD_EVENT_ON);
	w->tcb(w->id, w->opaque);
	return 0;
}

static int on_cleanup(sd_event_source *src, void *userdata)
{
	struct virt_pool *pool = userdata;
	struct virt_watch **pp = &pool->watches;

	while (*pp) {
		struct virt_watch *w = *pp;

		if (!w->removed) {
			pp = &w->next;
			continue;
		}
		*pp = w->next;
		sd_event_source_disable_unref(w->src);
		if (w->ff)
			w->ff(w->opaque);
		free(w);
	}
	sd_event_source_set_enabled(src, SD_EVENT_OFF);
	return 0;
}

static struct virt_watch *watch_new(bool timer, void *opaque, virFreeCallback ff)
{
	struct virt_watch *w;

	if (!virt_pool)
		return NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->pool = virt_pool;
	w->id = ++virt_pool->next_id;
	w->is_timer = timer;
	w->opaque = opaque;
	w->ff = ff;
	return w;
}

static int add_handle(int fd, int events, virEventHandleCallback cb, void *opaque, virFreeCallback ff)
{
	struct virt_watch *w = watch_new(false, opaque, ff);
	int r;

	if (!w)
		return -1;
	w->fd = fd;
	w->hcb = cb;
	r = sd_event_add_io(virt_pool->ev, &w->src, fd, to_epoll(events), on_handle, w);
	if (r < 0) {
		log_error_errno(r, "libvirt: watch fd %d", fd);
		free(w);
		return -1;
	}
	if (!to_epoll(events))
		sd_event_source_set_enabled(w->src, SD_EVENT_OFF);
	w->next = virt_pool->watches;
	virt_pool->watches = w;
	return w->id;
}

static void update_handle(int id, int events)
{
	struct virt_watch *w = watch_find(id, false);

	if (!w)
		return;
	if (to_epoll(events)) {
		sd_event_source_set_io_events(w->src, to_epoll(events));
		sd_event_source_set_enabled(w->src, SD_EVENT_ON);
	} else {
		sd_event_source_set_enabled(w->src, SD_EVENT_OFF);
	}
}

static int remove_watch(int id, bool timer)
{
	struct virt_watch *w = watch_find(id, timer);

	if (!w)
		return -1;
	w->removed = true;
	sd_event_source_set_enabled(w->src, SD_EVENT_OFF);
	/* libvirt may hold its locks here: ff runs later, from the loop. */
	sd_event_source_set_enabled(w->pool->cleanup, SD_EVENT_ONESHOT);
	return 0;
}

static int remove_handle(int id)
{
	return remove_watch(id, false);
}

static void arm_timer(struct virt_watch *w, int ms)
{
	uint64_t now;

	w->timeout_ms = ms;
	if (ms < 0) {
		sd_event_source_set_enabled(w->src, SD_EVENT_OFF);
		return;
	}
	sd_event_now(w->pool->ev, CLOCK_MONOTONIC, &now);
	sd_event_source_set_time(w->src, now + (uint64_t)ms * 1000);
	sd_event_source_set_enabled(w->src, SD_EVENT_ON);
}

static int add_timeout(int ms, virEventTimeoutCallback cb, void *opaque, virFreeCallback ff)
{
	struct virt_watch *w = watch_new(true, opaque, ff);
	int r;

	if (!w)
		return -1;
	w->tcb = cb;
	/* Accuracy 1 us: sd-event's default (0) would delay libvirt's
	 * timeouts by up to 250 ms. */
	r = sd_event_add_time(virt_pool->ev, &w->src, CLOCK_MONOTONIC, 0, 1, on_timer, w);
	if (r < 0) {
		log_error_errno(r, "libvirt: timer");
		free(w);
		return -1;
	}
	arm_timer(w, ms);
	w->next = virt_pool->watches;
	virt_pool->watches = w;
	return w->id;
}

static void update_timeout(int id, int ms)
{
	struct virt_watch *w = watch_find(id, true);

	if (w)
		arm_timer(w, ms);
}

static int remove_timeout(int id)
{
	return remove_watch(id, true);
}

/* libvirt's errors go to our log where we report them, not to stderr. */
static void quiet_errors(void *userdata, virErrorPtr err)
{
}

static const char *last_error(void)
{
	virErrorPtr e = virGetLastError();

	return e && e->message ? e->message : "unknown libvirt error";
}

static struct virt_pool *pool_get(sd_event *ev)
{
	struct virt_pool *p = virt_pool;
	int r;

	if (p) {
		p->refs++;
		return p;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->ev = ev;
	p->refs = 1;
	r = sd_event_add_defer(ev, &p->cleanup, on_cleanup, p);
	if (r < 0) {
		free(p);
		log_error_errno(r, "libvirt: cleanup source");
		return NULL;
	}
	sd_event_source_set_enabled(p->cleanup, SD_EVENT_OFF);
	virt_pool = p;
	virSetErrorFunc(NULL, quiet_errors);
	virEventRegisterImpl(add_handle, update_handle, remove_handle, add_timeout, update_timeout,
			     remove_timeout);
	return p;
}

static void pool_put(struct virt_pool *p)
{
	if (!p || --p->refs > 0)
		return;
	/* Whatever libvirt still watches is gone with its connections. */
	for (struct virt_watch *w = p->watches; w; w = w->next)
		w->removed = true;
	on_cleanup(p->cleanup, p);
	sd_event_source_disable_unref(p->cleanup);
	virt_pool = NULL;
	free(p);
}

/* ------------------------------------------------------------------ */
/* Domains                                                             */

static virDomainPtr host_domain(struct libvirt_host *h)
{
	virConnectPtr c = h->vc->conn;

	if (!c)
		return NULL;
	if (h->have_uuid)
		return virDomainLookupByUUID(c, h->uuid);
	return virDomainLookupByName(c, h->domain);
}

static void console_attach(struct libvirt_host *h);
static void console_detach(struct libvirt_host *h);

static void host_set_pg(struct libvirt_host *h, bool on)
{
	if (h->pg == on)
		return;
	h->pg = on;
	if (on)
		console_attach(h);
	else
		console_detach(h);
	log_info("libvirt host %s: %s", h->domain, on ? "running" : "shut off");
	if (h->power)
		power_good_changed(h->power, on);
}

static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
	struct virt_conn *vc = opaque;
	unsigned char uuid[VIR_UUID_BUFLEN];

	if (virDomainGetUUID(dom, uuid) < 0)
		return 0;
	for (struct libvirt_host *h = vc->hosts; h; h = h->next) {
		if (!h->have_uuid || memcmp(h->uuid, uuid, sizeof(uuid)))
			continue;
		switch (event) {
		case VIR_DOMAIN_EVENT_STARTED:
			host_set_pg(h, true);
			break;
		case VIR_DOMAIN_EVENT_STOPPED:
			/* A reset done as destroy + create: the host never went
			 * off for IPMI (the domain runs again already). */
			if (h->restarting && virDomainIsActive(dom) == 1) {
				h->restarting = false;
				break;
			}
			h->restarting = false;
			h->once_live = false;
			host_set_pg(h, false);
			break;
		case VIR_DOMAIN_EVENT_UNDEFINED:
			if (virDomainIsActive(dom) != 1) {
				log_error("libvirt host %s: the domain was undefined", h->domain);
				h->gone = true;
				host_set_pg(h, false);
			}
			break;
		case VIR_DOMAIN_EVENT_DEFINED:
			if (h->gone)
				log_info("libvirt host %s: the domain is defined again", h->domain);
			h->gone = false;
			break;
		default: {
			int a = virDomainIsActive(dom);

			if (a >= 0)
				host_set_pg(h, a);
			break;
		}
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Connections                                                         */

static int conn_open(struct virt_conn *vc);

static int on_retry(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct virt_conn *vc = userdata;

	if (conn_open(vc) == 0) {
		log_info("libvirt %s: reconnected", vc->uri);
		vc->backoff_ms = 0;
		/* What changed while we were away. */
		for (struct libvirt_host *h = vc->hosts; h; h = h->next) {
			virDomainPtr d = host_domain(h);

			h->gone = !d;
			if (!d)
				log_error("libvirt host %s: the domain is gone", h->domain);
			host_set_pg(h, d && virDomainIsActive(d) == 1);
			if (d)
				virDomainFree(d);
		}
		return 0;
	}
	vc->backoff_ms = vc->backoff_ms ? vc->backoff_ms * 2 : RETRY_MIN_MS;
	if (vc->backoff_ms > RETRY_MAX_MS)
		vc->backoff_ms = RETRY_MAX_MS;
	sd_event_source_set_time(src, usec + vc->backoff_ms * 1000ULL);
	sd_event_source_set_enabled(src, SD_EVENT_ONESHOT);
	return 0;
}

static void conn_drop(struct virt_conn *vc)
{
	if (!vc->conn)
		return;
	for (struct libvirt_host *h = vc->hosts; h; h = h->next)
		console_detach(h);
	if (vc->lifecycle_id >= 0)
		virConnectDomainEventDeregisterAny(vc->conn, vc->lifecycle_id);
	vc->lifecycle_id = -1;
	virConnectUnregisterCloseCallback(vc->conn, NULL);
	virConnectClose(vc->conn);
	vc->conn = NULL;
}

static void on_close(virConnectPtr conn, int reason, void *opaque)
{
	struct virt_conn *vc = opaque;

	log_error("libvirt %s: connection lost (reason %d); reconnecting", vc->uri, reason);
	/* libvirt calls this with the connection still referenced: drop ours
	 * from the loop, not from here. */
	vc->lost = true;
	vc->backoff_ms = RETRY_MIN_MS;
	sd_event_source_set_time_relative(vc->retry, RETRY_MIN_MS * 1000ULL);
	sd_event_source_set_enabled(vc->retry, SD_EVENT_ONESHOT);
}

static int conn_open(struct virt_conn *vc)
{
	conn_drop(vc);
	vc->conn = virConnectOpen(vc->uri);
	if (!vc->conn) {
		log_error("libvirt %s: cannot connect: %s", vc->uri, last_error());
		return -ECONNREFUSED;
	}
	vc->lost = false;
	if (virConnectRegisterCloseCallback(vc->conn, on_close, vc, NULL) < 0)
		log_warning("libvirt %s: no close callback: %s", vc->uri, last_error());
	vc->lifecycle_id = virConnectDomainEventRegisterAny(vc->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
							    VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), vc,
							    NULL);
	if (vc->lifecycle_id < 0)
		log_warning("libvirt %s: no lifecycle events: %s", vc->uri, last_error());
	return 0;
}

static void conn_put(struct virt_conn *vc)
{
	struct virt_pool *pool;

	if (!vc || --vc->refs > 0)
		return;
	pool = vc->pool;
	for (struct virt_conn **pp = &pool->conns; *pp; pp = &(*pp)->next)
		if (*pp == vc) {
			*pp = vc->next;
			break;
		}
	conn_drop(vc);
	sd_event_source_disable_unref(vc->retry);
	free(vc);
	pool_put(pool);
}

static struct virt_conn *conn_get(sd_event *ev, const char *uri)
{
	struct virt_pool *pool = pool_get(ev);
	struct virt_conn *vc;
	int r;

	if (!pool)
		return NULL;
	for (vc = pool->conns; vc; vc = vc->next)
		if (!strcmp(vc->uri, uri)) {
			vc->refs++;
			pool_put(pool);		/* the connection holds the pool once */
			return vc;
		}
	vc = calloc(1, sizeof(*vc));
	if (!vc) {
		pool_put(pool);
		return NULL;
	}
	vc->pool = pool;
	vc->refs = 1;
	vc->lifecycle_id = -1;
	snprintf(vc->uri, sizeof(vc->uri), "%s", uri);
	r = sd_event_add_time(ev, &vc->retry, CLOCK_MONOTONIC, 0, 0, on_retry, vc);
	if (r < 0) {
		free(vc);
		pool_put(pool);
		log_error_errno(r, "libvirt: retry timer");
		return NULL;
	}
	sd_event_source_set_enabled(vc->retry, SD_EVENT_OFF);
	vc->next = pool->conns;
	pool->conns = vc;
	if (conn_open(vc) < 0) {
		conn_put(vc);
		return NULL;
	}
	return vc;
}

/* ------------------------------------------------------------------ */
/* Boot device                                                         */

/* libvirt's <boot dev=.../> for an IPMI boot device; NULL: none fits. */
static const char *boot_dev_name(enum bootopt_device dev)
{
	switch (dev) {
	case BOOTDEV_PXE:
		return "network";
	case BOOTDEV_DISK:
	case BOOTDEV_DISK_SAFE:
	case BOOTDEV_REMOTE_DISK:
		return "hd";
	case BOOTDEV_CDROM:
	case BOOTDEV_REMOTE_CDROM:
		return "cdrom";
	case BOOTDEV_FLOPPY:
	case BOOTDEV_REMOTE_FLOPPY:
		return "fd";
	default:
		return NULL;
	}
}

/*
 * xml with its <os> element's <boot dev=.../> list reordered so that 'dev'
 * comes first, the others after it in their order; malloc'd, or NULL when
 * the definition has no <os> or names its boot devices per device
 * (<boot order=.../> in a disk or interface, which libvirt does not allow
 * together with <os><boot/>).
 */
static char *boot_first(const char *xml, const char *dev)
{
	const char *os = strstr(xml, "<os"), *end = os ? strstr(os, "</os>") : NULL;
	char want[64], *out, *o;
	const char *p, *first = NULL;
	size_t size;

	if (!os || !end || strstr(xml, "<boot order="))
		return NULL;
	snprintf(want, sizeof(want), "<boot dev='%s'/>", dev);
	size = strlen(xml) + strlen(want) + 1;
	out = malloc(size);
	if (!out)
		return NULL;
	o = out;
	/* Up to the first <boot dev> in <os> (or </os>): copied. */
	for (p = os; p < end; p++)
		if (!strncmp(p, "<boot dev=", 10)) {
			first = p;
			break;
		}
	if (!first)
		first = end;
	memcpy(o, xml, (size_t)(first - xml));
	o += first - xml;
	o += sprintf(o, "%s", want);
	/* The rest of <os>: every <boot dev> but 'want' kept. */
	for (p = first; p < end;) {
		if (!strncmp(p, want, strlen(want))) {
			p += strlen(want);
			continue;
		}
		*o++ = *p++;
	}
	strcpy(o, end);
	return out;
}

/* "network hd": the <os> boot devices of the domain's definition, for the log. */
static void log_boot_order(struct libvirt_host *h, virDomainPtr d, bool live)
{
	char *xml = virDomainGetXMLDesc(d, live ? 0 : VIR_DOMAIN_XML_INACTIVE);
	char order[128] = "";
	size_t len = 0;

	if (!xml)
		return;
	for (const char *p = strstr(xml, "<boot dev='"); p; p = strstr(p, "<boot dev='")) {
		const char *q;

		p += 11;
		q = strchr(p, '\'');
		if (!q || len + (size_t)(q - p) + 2 > sizeof(order))
			break;
		len += (size_t)snprintf(order + len, sizeof(order) - len, "%s%.*s", len ? " " : "",
					(int)(q - p), p);
	}
	log_info("libvirt host %s: %s from: %s", h->domain, live ? "started" : "the next start boots",
		 len ? order : "(default)");
	free(xml);
}

static int define(virConnectPtr c, const char *xml)
{
	virDomainPtr d = virDomainDefineXML(c, xml);

	if (!d)
		return -1;
	virDomainFree(d);
	return 0;
}

/* Whether a definition boots UEFI firmware: <os firmware='efi'>, or a
 * <loader> that is a pflash image (OVMF/AAVMF's way) or names edk2's
 * firmware.  Anything else is SeaBIOS (legacy). */
static bool xml_is_efi(const char *xml)
{
	const char *os = strstr(xml, "<os"), *end = os ? strstr(os, "</os>") : NULL;
	const char *tag_end = os ? strchr(os, '>') : NULL;
	const char *loader;

	if (!os || !end || !tag_end)
		return false;
	if (memmem(os, (size_t)(tag_end - os), "firmware='efi'", 14))
		return true;
	loader = memmem(os, (size_t)(end - os), "<loader", 7);
	if (!loader)
		return false;
	tag_end = strstr(loader, "</loader>");
	if (!tag_end || tag_end > end)
		tag_end = end;
	return memmem(loader, (size_t)(tag_end - loader), "type='pflash'", 13) ||
	       memmem(loader, (size_t)(tag_end - loader), "OVMF", 4) ||
	       memmem(loader, (size_t)(tag_end - loader), "AAVMF", 5) ||
	       memmem(loader, (size_t)(tag_end - loader), "edk2", 4);
}

/* A next-boot-only order left by a bmcd that stopped before restoring it. */
static void boot_restore_saved(struct libvirt_host *h)
{
	char *xml = malloc(XML_MAX);
	ssize_t n;

	if (!xml)
		return;
	n = store_read(h->bmc->state_fd, RESTORE_FILE, xml, XML_MAX - 1);
	if (n >= 0) {
		xml[n] = '\0';
		if (define(h->vc->conn, xml) < 0)
			log_error("libvirt host %s: cannot restore the boot order: %s", h->domain,
				  last_error());
		else {
			log_info("libvirt host %s: boot order restored (a next-boot-only device was "
				 "left applied)", h->domain);
			unlinkat(h->bmc->state_fd, RESTORE_FILE, 0);
		}
	}
	free(xml);
}

/*
 * Power on, with the boot device the boot options ask for: persistent
 * flags rewrite the domain's boot order for good; next-boot-only ones
 * rewrite it, start the domain, and define the old order again (the
 * running domain keeps what it started with; the next start has the old).
 */
static struct boot_choice boot_choice(struct libvirt_host *h)
{
	struct boot_choice c = { BOOTDEV_NONE, false };
	bool efi = false;

	if (h->bmc->bootopt) {
		c.dev = bootopt_boot_device(h->bmc->bootopt, &efi);
		c.persistent = h->bmc->bootopt->v.saved.flags[0] & BOOTOPT_F1_PERSISTENT;
	}
	return c;
}

static int create_with_boot(struct libvirt_host *h, virDomainPtr d, struct boot_choice c)
{
	enum bootopt_device dev = c.dev;
	bool persistent = c.persistent;
	const char *name = boot_dev_name(dev);
	char *orig = NULL, *mod = NULL;
	int r;

	h->once_live = false;
	if (dev == BOOTDEV_NONE)
		return virDomainCreate(d);
	if (!name) {
		log_warning("libvirt host %s: boot device %s has no libvirt equivalent; booting as "
			    "defined", h->domain, bootopt_device_name(dev));
		return virDomainCreate(d);
	}
	orig = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
	mod = orig ? boot_first(orig, name) : NULL;
	if (!mod) {
		log_warning("libvirt host %s: cannot set boot device %s (%s); booting as defined",
			    h->domain, name, orig ? "boot order set per device" : last_error());
		free(orig);
		return virDomainCreate(d);
	}
	if (!persistent && store_write(h->bmc->state_fd, RESTORE_FILE, orig, strlen(orig)) < 0) {
		log_error("libvirt host %s: cannot save the boot order; booting as defined", h->domain);
		free(orig);
		free(mod);
		return virDomainCreate(d);
	}
	if (define(h->vc->conn, mod) < 0) {
		log_error("libvirt host %s: set boot device %s: %s", h->domain, name, last_error());
		r = virDomainCreate(d);
	} else {
		log_info("libvirt host %s: boot device %s (%s)", h->domain, name,
			 persistent ? "persistent" : "next boot only");
		r = virDomainCreate(d);
		if (!persistent) {
			if (define(h->vc->conn, orig) < 0)
				log_error("libvirt host %s: cannot restore the boot order: %s (kept in %s)",
					  h->domain, last_error(), RESTORE_FILE);
			else
				log_info("libvirt host %s: boot order restored for the next start",
					 h->domain);
		}
	}
	h->once_live = !persistent && r == 0;
	if (!persistent && r == 0)
		unlinkat(h->bmc->state_fd, RESTORE_FILE, 0);
	else if (!persistent)
		boot_restore_saved(h);
	if (r == 0)
		log_boot_order(h, d, true);
	log_boot_order(h, d, false);
	free(orig);
	free(mod);
	return r;
}

/* ------------------------------------------------------------------ */
/* Host ops                                                            */

static int dom_call(struct libvirt_host *h, const char *what,
		    int (*fn)(struct libvirt_host *, virDomainPtr))
{
	virDomainPtr d;
	int r;

	if (!h->vc->conn || h->vc->lost)
		return -ENOTCONN;
	d = host_domain(h);
	if (!d) {
		log_error("libvirt host %s: %s: %s", h->domain, what, last_error());
		return -ENODEV;
	}
	r = fn(h, d);
	if (r < 0)
		log_error("libvirt host %s: %s: %s", h->domain, what, last_error());
	else
		log_info("libvirt host %s: %s", h->domain, what);
	virDomainFree(d);
	return r < 0 ? -EIO : 0;
}

static int do_create(struct libvirt_host *h, virDomainPtr d)
{
	return create_with_boot(h, d, boot_choice(h));
}

static int do_destroy(struct libvirt_host *h, virDomainPtr d)
{
	return virDomainDestroy(d);
}

static int do_shutdown(struct libvirt_host *h, virDomainPtr d)
{
	return virDomainShutdown(d);
}

/*
 * A reset is a boot, so it takes the boot device IPMI asks for, and a
 * next-boot-only device applies to one boot only.  QEMU's own reset keeps
 * the order the domain started with, so when a boot device is pending, or
 * the domain runs with a next-boot-only one, the reset is a destroy and a
 * create with the boot options applied, and the SOL console follows.  It
 * runs after the response is sent: it takes a second or more, and a client
 * that times out would send the reset again.
 */
static int on_restart(sd_event_source *src, void *userdata)
{
	struct libvirt_host *h = userdata;
	virDomainPtr d;

	sd_event_source_set_enabled(src, SD_EVENT_OFF);
	if (!h->vc->conn || h->vc->lost)
		return 0;
	d = host_domain(h);
	if (!d) {
		log_error("libvirt host %s: reset: %s", h->domain, last_error());
		return 0;
	}
	console_detach(h);
	if (virDomainDestroy(d) < 0) {
		log_error("libvirt host %s: reset: destroy: %s", h->domain, last_error());
	} else {
		h->restarting = true;
		if (create_with_boot(h, d, h->restart_boot) < 0) {
			log_error("libvirt host %s: reset: create: %s", h->domain, last_error());
			h->restarting = false;
		}
	}
	console_attach(h);
	virDomainFree(d);
	return 0;
}

static int do_reset(struct libvirt_host *h, virDomainPtr d)
{
	struct boot_choice c = boot_choice(h);
	int r;

	if (!h->once_live && !boot_dev_name(c.dev))
		return virDomainReset(d, 0);
	if (!h->restart) {
		r = sd_event_add_defer(h->bmc->ev, &h->restart, on_restart, h);
		if (r < 0)
			return virDomainReset(d, 0);
	}
	log_info("libvirt host %s: reset as destroy and create (%s)", h->domain,
		 boot_dev_name(c.dev) ? "a boot device is pending" :
					"the next-boot-only device applied to one boot");
	h->restart_boot = c;
	sd_event_source_set_enabled(h->restart, SD_EVENT_ONESHOT);
	return 0;
}

static int do_nmi(struct libvirt_host *h, virDomainPtr d)
{
	return virDomainInjectNMI(d, 0);
}

static int libvirt_press(void *ctx, enum host_button b, unsigned ms)
{
	struct libvirt_host *h = ctx;

	switch (b) {
	case BUTTON_POWER:
		if (!h->pg)
			return dom_call(h, "create", do_create);
		if (ms >= LIBVIRT_FORCE_OFF_HOLD_MS)
			return dom_call(h, "destroy", do_destroy);
		return dom_call(h, "shutdown", do_shutdown);
	case BUTTON_RESET:
		return dom_call(h, "reset", do_reset);
	case BUTTON_NMI:
		return dom_call(h, "inject NMI", do_nmi);
	}
	return -EINVAL;
}

static int libvirt_power_good(void *ctx)
{
	struct libvirt_host *h = ctx;

	if (!h->vc->conn || h->vc->lost)
		return -ENOTCONN;
	if (h->gone)
		return -ENODEV;
	return h->pg;
}

/* Known only while connected and the domain exists: otherwise the last
 * state seen may be stale, and a guess would tell a fence agent "off". */
static int libvirt_power_state(void *ctx)
{
	return libvirt_power_good(ctx);
}

/*
 * Set System Boot Options' boot flags, checked when they are set: a
 * device libvirt has no boot device for (BIOS setup, diagnostic
 * partition, remote media) and an EFI boot of a domain whose firmware is
 * SeaBIOS are refused (-ENOTSUP: CCh to the client), rather than taken and
 * silently not done.  A legacy boot of a UEFI domain is taken (most
 * clients send legacy by default; the firmware is the domain's).
 */
static int libvirt_boot_check(void *ctx, unsigned dev, bool efi)
{
	struct libvirt_host *h = ctx;
	virDomainPtr d;
	char *xml;
	bool is_efi;

	if (dev != BOOTDEV_NONE && !boot_dev_name((enum bootopt_device)dev)) {
		log_warning("libvirt host %s: boot device %s refused: libvirt has no way to boot a "
			    "domain into it", h->domain, bootopt_device_name((enum bootopt_device)dev));
		return -ENOTSUP;
	}
	if (!efi)
		return 0;
	if (!h->vc->conn || h->vc->lost)
		return -ENOTCONN;
	d = host_domain(h);
	if (!d)
		return -ENODEV;
	xml = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE);
	virDomainFree(d);
	if (!xml) {
		log_error("libvirt host %s: boot flags: %s", h->domain, last_error());
		return -EIO;
	}
	is_efi = xml_is_efi(xml);
	free(xml);
	if (!is_efi) {
		log_warning("libvirt host %s: EFI boot refused: the domain's firmware is legacy BIOS",
			    h->domain);
		return -ENOTSUP;
	}
	return 0;
}

static int libvirt_identify(void *ctx, bool on)
{
	return 0;		/* a VM has no LED: nothing to light */
}

static const struct host_ops libvirt_host_ops = {
	.name = "libvirt",
	.press = libvirt_press,
	.power_good = libvirt_power_good,
	.identify = libvirt_identify,
	.power_state = libvirt_power_state,
	.boot_check = libvirt_boot_check,
};

/* ------------------------------------------------------------------ */
/* SOL: the domain's console                                           */

static void console_detach(struct libvirt_host *h)
{
	if (!h->st)
		return;
	virStreamEventRemoveCallback(h->st);
	virStreamAbort(h->st);
	virStreamFree(h->st);
	h->st = NULL;
	h->to_guest_len = 0;
	log_debug("libvirt host %s: console closed", h->domain);
}

static void stream_events(struct libvirt_host *h)
{
	int ev = VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP;

	if (h->to_guest_len)
		ev |= VIR_STREAM_EVENT_WRITABLE;
	virStreamEventUpdateCallback(h->st, ev);
	/* Our end is read only while the stream takes what we have. */
	if (h->con_io)
		sd_event_source_set_enabled(h->con_io, h->to_guest_len ? SD_EVENT_OFF : SD_EVENT_ON);
}

/* Console input towards the guest: 0, or -1 (the stream failed). */
static int stream_flush(struct libvirt_host *h)
{
	while (h->to_guest_len) {
		int n = virStreamSend(h->st, h->to_guest, h->to_guest_len);

		if (n == -2)
			return 0;		/* later: WRITABLE */
		if (n < 0)
			return -1;
		memmove(h->to_guest, h->to_guest + n, h->to_guest_len - (size_t)n);
		h->to_guest_len -= (size_t)n;
	}
	return 0;
}

static void on_stream(virStreamPtr st, int events, void *opaque)
{
	struct libvirt_host *h = opaque;
	char buf[4096];

	if ((events & VIR_STREAM_EVENT_WRITABLE) && stream_flush(h) < 0)
		goto fail;
	if (events & VIR_STREAM_EVENT_READABLE) {
		for (;;) {
			int n = virStreamRecv(st, buf, sizeof(buf));

			if (n == -2)
				break;
			if (n <= 0)
				goto fail;
			/* SOL reads as fast as it keeps its history: what it
			 * cannot take now is dropped, as a UART overrun. */
			if (write(h->con_fd, buf, (size_t)n) < 0)
				log_debug("libvirt host %s: console output dropped", h->domain);
		}
	}
	if (events & (VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP))
		goto fail;
	stream_events(h);
	return;
fail:
	log_info("libvirt host %s: console stream ended", h->domain);
	console_detach(h);
	if (h->con_io)
		sd_event_source_set_enabled(h->con_io, SD_EVENT_ON);
}

/* SOL wrote to its UART: towards the guest (dropped while no console). */
static int on_console_in(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct libvirt_host *h = userdata;
	size_t room = sizeof(h->to_guest) - h->to_guest_len;
	ssize_t n = read(fd, h->to_guest + h->to_guest_len, room);

	if (n <= 0) {
		if (n == 0)
			sd_event_source_set_enabled(src, SD_EVENT_OFF);	/* SOL closed its end */
		return 0;
	}
	if (!h->st)
		return 0;
	h->to_guest_len += (size_t)n;
	if (stream_flush(h) < 0) {
		console_detach(h);
		return 0;
	}
	stream_events(h);
	return 0;
}

static void console_attach(struct libvirt_host *h)
{
	virDomainPtr d;

	if (h->con_fd < 0 || h->st || !h->vc->conn)
		return;
	d = host_domain(h);
	if (!d)
		return;
	h->st = virStreamNew(h->vc->conn, VIR_STREAM_NONBLOCK);
	if (!h->st || virDomainOpenConsole(d, NULL, h->st, VIR_DOMAIN_CONSOLE_FORCE) < 0 ||
	    virStreamEventAddCallback(h->st, VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_ERROR |
					     VIR_STREAM_EVENT_HANGUP, on_stream, h, NULL) < 0) {
		log_warning("libvirt host %s: no console for SOL: %s", h->domain, last_error());
		if (h->st)
			virStreamFree(h->st);
		h->st = NULL;
	} else {
		log_info("libvirt host %s: console open for SOL", h->domain);
	}
	virDomainFree(d);
}

static void uart_closed(void *ctx)
{
	struct libvirt_host *h = ctx;

	if (h->sol_fd >= 0)
		close(h->sol_fd);
	h->sol_fd = -1;
}

static const struct uart_ops libvirt_uart_ops = {
	.name = "libvirt console",
	.close = uart_closed,
};

int libvirt_host_open_console(struct libvirt_host *h, struct uart *u)
{
	int sv[2], r;

	if (!h)
		return -ENODEV;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
		return log_error_errno(-errno, "libvirt host %s: console socket pair", h->domain);
	r = sd_event_add_io(h->power->ev, &h->con_io, sv[0], EPOLLIN, on_console_in, h);
	if (r < 0) {
		close(sv[0]);
		close(sv[1]);
		return log_error_errno(r, "libvirt host %s: console", h->domain);
	}
	h->con_fd = sv[0];
	h->sol_fd = sv[1];
	*u = (struct uart){ .ops = &libvirt_uart_ops, .ctx = h, .fd = sv[1] };
	if (h->pg)
		console_attach(h);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Domain lists (the fleet file's patterns)                            */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int libvirt_domain_names(const char *uri, char ***names, size_t *n)
{
	virConnectPtr c = NULL, own = NULL;
	virDomainPtr *doms = NULL;
	char **out = NULL;
	int count, r = 0;

	*names = NULL;
	*n = 0;
	for (struct virt_conn *vc = virt_pool ? virt_pool->conns : NULL; vc && !c; vc = vc->next)
		if (!strcmp(vc->uri, uri) && vc->conn && !vc->lost)
			c = vc->conn;
	if (!c) {
		if (!virt_pool)
			virSetErrorFunc(NULL, quiet_errors);
		c = own = virConnectOpen(uri);
	}
	if (!c) {
		log_error("libvirt %s: cannot connect: %s", uri, last_error());
		return -ECONNREFUSED;
	}
	count = virConnectListAllDomains(c, &doms, 0);
	if (count < 0) {
		log_error("libvirt %s: cannot list the domains: %s", uri, last_error());
		r = -EIO;
		goto out;
	}
	out = calloc((size_t)count + 1, sizeof(*out));
	if (!out)
		r = -ENOMEM;
	for (int i = 0; i < count; i++) {
		const char *name = virDomainGetName(doms[i]);

		if (out && r == 0 && name) {
			out[*n] = strdup(name);
			if (!out[*n])
				r = -ENOMEM;
			else
				(*n)++;
		}
		virDomainFree(doms[i]);
	}
	free(doms);
	if (r < 0) {
		names_free(out, *n);
		*n = 0;
		goto out;
	}
	qsort(out, *n, sizeof(*out), name_cmp);
	*names = out;
out:
	if (own)
		virConnectClose(own);
	return r;
}

/* ------------------------------------------------------------------ */
/* Start and stop                                                      */

/* The domain's UUID as the System GUID, in the byte order SMBIOS (and so
 * the guest's own dmidecode) gives it: the first three fields little-endian. */
static void uuid_to_guid(const unsigned char *u, uint8_t *g)
{
	static const unsigned char order[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };

	for (int i = 0; i < 16; i++)
		g[i] = u[order[i]];
}

struct libvirt_host *libvirt_host_free(struct libvirt_host *h)
{
	struct virt_conn *vc;

	if (!h)
		return NULL;
	console_detach(h);
	sd_event_source_disable_unref(h->restart);
	sd_event_source_disable_unref(h->con_io);
	if (h->con_fd >= 0)
		close(h->con_fd);
	vc = h->vc;
	if (vc) {
		for (struct libvirt_host **pp = &vc->hosts; *pp; pp = &(*pp)->next)
			if (*pp == h) {
				*pp = h->next;
				break;
			}
		conn_put(vc);
	}
	free(h);
	return NULL;
}

int libvirt_host_power_init(struct bmc *bmc, const struct power_timing *base)
{
	const struct cfg_libvirt *cfg = &bmc->cfg.host.libvirt;
	struct power_timing t = *base;
	struct libvirt_host *h;
	virDomainPtr d;
	char name[128] = "", uuid[VIR_UUID_STRING_BUFLEN] = "";
	int a, r;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	bmc->vhost = h;
	h->bmc = bmc;
	h->con_fd = -1;
	h->sol_fd = -1;
	snprintf(h->domain, sizeof(h->domain), "%s", cfg->domain);
	h->vc = conn_get(bmc->ev, cfg->uri);
	if (!h->vc)
		return -ECONNREFUSED;	/* logged; bmc_done frees h */
	h->next = h->vc->hosts;
	h->vc->hosts = h;
	d = virDomainLookupByUUIDString(h->vc->conn, cfg->domain);
	if (!d)
		d = virDomainLookupByName(h->vc->conn, cfg->domain);
	if (!d)
		return log_error_errno(-ENODEV, "libvirt host: no domain \"%s\" at %s", cfg->domain,
				       cfg->uri);
	a = virDomainIsActive(d);
	if (virDomainGetUUID(d, h->uuid) == 0)
		h->have_uuid = true;
	snprintf(name, sizeof(name), "%s", virDomainGetName(d) ? virDomainGetName(d) : "");
	if (virDomainGetUUIDString(d, uuid) < 0)
		uuid[0] = '\0';
	virDomainFree(d);
	if (a < 0 || !h->have_uuid)
		return log_error_errno(-EIO, "libvirt host %s: %s", cfg->domain, last_error());
	h->pg = a;
	boot_restore_saved(h);
	uuid_to_guid(h->uuid, bmc->system_guid);
	/* FRU 0's product: the domain's name, its UUID as serial and asset tag. */
	if (bmc->fru && fru_add_host_identity(bmc->fru, name, uuid) < 0)
		return -ENOMEM;
	t.force_off_ms = LIBVIRT_FORCE_OFF_HOLD_MS;
	r = power_init(bmc->power, bmc->ev, &libvirt_host_ops, h, &t);
	if (r < 0)
		return r;
	h->power = bmc->power;
	log_info("libvirt host: domain %s at %s is %s", name, cfg->uri, a ? "running" : "shut off");
	return 0;
}
