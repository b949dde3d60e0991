/* SPDX-License-Identifier: MIT */
/*
 * One BMC: its state directory, its modules (daemon/modules.c) started in
 * order, a once-a-second tick for expiry, and the deferred reset.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/bmc.h"
#include "daemon/log.h"
#include "daemon/module.h"
#include "daemon/store.h"

uint64_t bmc_now(struct bmc *bmc)
{
	uint64_t now = 0;

	sd_event_now(bmc->ev, CLOCK_MONOTONIC, &now);
	return now;
}

static int bmc_on_tick(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct bmc *bmc = userdata;

	/* 'usec' is when the timer was due, which can be earlier than the
	 * last activity of a session served in this same iteration: use the
	 * loop's current time. */
	uint64_t now = bmc_now(bmc);

	bmc_modules_tick(bmc, now);
	sd_event_source_set_time(src, now + 1000000);
	return 0;
}

static int bmc_on_reset(sd_event_source *src, void *userdata)
{
	struct bmc *bmc = userdata;
	bool cold = bmc->cold_reset;

	/* One reset done: the next one is warm unless it asks to be cold. */
	bmc->cold_reset = false;
	bmc->reset = sd_event_source_disable_unref(bmc->reset);
	log_notice("%s reset", cold ? "cold" : "warm");
	/* Cold: everything volatile, as if the BMC had restarted (sessions
	 * and their SOL payloads, reservations, the watchdog, settings made
	 * over IPMI that the board file gives).  Warm: the global enables. */
	bmc_modules_reset(bmc, cold);
	return 0;
}

void bmc_schedule_reset(struct bmc *bmc, bool cold)
{
	bmc->cold_reset = cold || bmc->cold_reset;
	if (bmc->reset)
		return;
	/* A defer source runs on the next loop iteration, after this
	 * request's response has been sent. */
	if (sd_event_add_defer(bmc->ev, &bmc->reset, bmc_on_reset, bmc) < 0)
		log_error("cannot schedule reset");
}

/*
 * dst = src, a page at a time, writing only the pages that differ.  A
 * board_config is sized for the board maxima (174 kB: 223 sensors, 8 FRUs,
 * IPMB satellites, fan zones) and mostly zero; struct bmc comes from calloc
 * as fresh mapped pages, and reading an untouched page costs no memory, so
 * the zero parts of a BMC's copy stay unallocated (a fleet of hundreds of
 * BMCs, docs/virtual.md).
 */
static void copy_changed(void *dst, const void *src, size_t n)
{
	enum { PAGE = 4096 };	/* only how the work is cut: any size is correct */
	uint8_t *d = dst;
	const uint8_t *s = src;

	while (n > 0) {
		size_t chunk = PAGE - (uintptr_t)d % PAGE;

		if (chunk > n)
			chunk = n;
		if (memcmp(d, s, chunk))
			memcpy(d, s, chunk);
		d += chunk;
		s += chunk;
		n -= chunk;
	}
}

/* explicit_bzero() of the pages of p that are not all zero: the same as
 * of all n bytes, without making the untouched pages resident. */
static void clear_nonzero(void *p, size_t n)
{
	enum { PAGE = 4096 };
	uint8_t *d = p;

	while (n > 0) {
		size_t chunk = PAGE - (uintptr_t)d % PAGE;
		size_t i = 0;

		if (chunk > n)
			chunk = n;
		while (i < chunk && !d[i])
			i++;
		if (i < chunk)
			explicit_bzero(d, chunk);
		d += chunk;
		n -= chunk;
	}
}

int bmc_init(struct bmc *bmc, sd_event *ev, const struct board_config *cfg, const char *state_dir)
{
	size_t cfg_end = offsetof(struct bmc, cfg) + sizeof(bmc->cfg);
	int r;

	/* Everything not set below starts zero (NULL sources, no reset due);
	 * the board's copy touches only the pages where it is not zero. */
	memset(bmc, 0, offsetof(struct bmc, cfg));
	memset((uint8_t *)bmc + cfg_end, 0, sizeof(*bmc) - cfg_end);
	copy_changed(&bmc->cfg, cfg, sizeof(bmc->cfg));
	bmc->ev = ev;
	bmc->state_fd = store_open_dir(state_dir);
	if (bmc->state_fd < 0)
		return log_error_errno(bmc->state_fd, "state: cannot open %s", state_dir);
	r = bmc_modules_init(bmc);
	if (r < 0)
		return r;
	r = sd_event_add_time_relative(ev, &bmc->tick, CLOCK_MONOTONIC, 1000000, 100000,
				       bmc_on_tick, bmc);
	if (r < 0)
		return log_error_errno(r, "tick timer");
	sd_event_source_set_enabled(bmc->tick, SD_EVENT_ON);
	return 0;
}

void bmc_done(struct bmc *bmc)
{
	bmc->tick = sd_event_source_disable_unref(bmc->tick);
	bmc->reset = sd_event_source_disable_unref(bmc->reset);
	bmc_modules_done(bmc);
	if (bmc->state_fd >= 0)
		close(bmc->state_fd);
	bmc->state_fd = -EBADF;
	clear_nonzero(&bmc->cfg, sizeof(bmc->cfg));	/* passwords */
}
