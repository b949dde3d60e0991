/* SPDX-License-Identifier: MIT */
/* The BMC the whole-daemon fuzz targets (kcs, lan, ipmb) run against: the
 * sim board, built once per process; each aborts on failure, since a target
 * that cannot start has nothing to say about its input. */
#pragma once

#include <stdio.h>
#include <stdlib.h>

#include "daemon/bmc.h"
#include "daemon/config.h"

/* boards/sim.json (under $BMCD_SOURCE_ROOT, else .) into cfg, with no LAN
 * listeners: replies go nowhere. */
static inline void fuzz_sim_config(struct board_config *cfg)
{
	const char *root = getenv("BMCD_SOURCE_ROOT");
	char path[4096];

	snprintf(path, sizeof(path), "%s/boards/sim.json", root ? root : ".");
	if (config_load(path, cfg, NULL, NULL) < 0)
		abort();
	cfg->lan.n_listen = 0;
	cfg->redfish.enabled = false;	/* no HTTPS listener either */
}

/* bmc from cfg, on a new event loop, its state in a new directory
 * /tmp/bmcd-fuzz-NAME-XXXXXX; returns the loop. */
static inline sd_event *fuzz_bmc_init(struct bmc *bmc, const struct board_config *cfg,
				      const char *name)
{
	char dir[64];
	sd_event *ev;

	if (sd_event_new(&ev) < 0)
		abort();
	snprintf(dir, sizeof(dir), "/tmp/bmcd-fuzz-%s-XXXXXX", name);
	if (!mkdtemp(dir) || bmc_init(bmc, ev, cfg, dir) < 0)
		abort();
	return ev;
}
