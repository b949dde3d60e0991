/* SPDX-License-Identifier: MIT */
/*
 * Linux kcs_bmc character device backend (/dev/ipmi-kcsN on ASPEED and
 * Nuvoton BMCs): one read() returns one whole request, one write() sends
 * one whole response, and the device holds the host's next request until
 * then, so exactly one request is in flight.  SMS_ATN and aborting a
 * transfer are ioctls (linux/ipmi_bmc.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/ipmi_bmc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "daemon/bmc.h"
#include "daemon/log.h"
#include "kcs/kcs_internal.h"

#define KCS_DEV_MSG_MAX 1024	/* the driver's buffer is 1000 bytes */

struct kdev {
	struct kcs *kcs;
	char path[64];
	int fd;
	sd_event_source *src;
};

static int kdev_on_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct kdev *d = userdata;
	uint8_t req[KCS_DEV_MSG_MAX], rspb[3 + IPMI_MAX_RSP];
	struct wbuf rsp = wb_init(rspb, sizeof(rspb));
	ssize_t n = read(d->fd, req, sizeof(req));

	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			log_warning_errno(-errno, "kcs: read %s", d->path);
		return 0;
	}
	if (kcs_handle(d->kcs, req, (size_t)n, &rsp) < 0 || !wb_ok(&rsp)) {
		/* Not even netfn and command: make the host's driver start over. */
		if (ioctl(d->fd, IPMI_BMC_IOCTL_FORCE_ABORT) < 0)
			log_warning_errno(-errno, "kcs: abort on %s", d->path);
		return 0;
	}
	if (write(d->fd, rspb, rsp.len) != (ssize_t)rsp.len)
		log_warning_errno(-errno, "kcs: write %s", d->path);
	return 0;
}

void *kcs_dev_new(struct kcs *k, sd_event *ev, const char *path)
{
	struct kdev *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return NULL;
	d->kcs = k;
	snprintf(d->path, sizeof(d->path), "%s", path);
	d->fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (d->fd < 0) {
		log_error_errno(-errno, "kcs: cannot open %s", path);
		free(d);
		return NULL;
	}
	r = sd_event_add_io(ev, &d->src, d->fd, EPOLLIN, kdev_on_io, d);
	if (r < 0) {
		log_error_errno(r, "kcs: event source");
		close(d->fd);
		free(d);
		return NULL;
	}
	/* Start from a known SMS_ATN level. */
	ioctl(d->fd, IPMI_BMC_IOCTL_CLEAR_SMS_ATN);
	log_info("kcs: kcs_bmc device backend on %s", path);
	return d;
}

static int kdev_set_atn(void *be, bool on, bool irq)
{
	struct kdev *d = be;

	if (ioctl(d->fd, on ? IPMI_BMC_IOCTL_SET_SMS_ATN : IPMI_BMC_IOCTL_CLEAR_SMS_ATN) < 0)
		return log_warning_errno(-errno, "kcs: SMS_ATN on %s", d->path);
	return 0;
}

static bool kdev_connected(const void *be)
{
	return true;
}

static void kdev_free(void *be)
{
	struct kdev *d = be;

	if (!d)
		return;
	d->src = sd_event_source_disable_unref(d->src);
	close(d->fd);
	free(d);
}

const struct kcs_backend kcs_dev_ops = {
	.name = "kcs_bmc",
	.set_atn = kdev_set_atn,
	.control = NULL,
	.connected = kdev_connected,
	.free = kdev_free,
};
