/* SPDX-License-Identifier: MIT */
/* The BMC the whole-daemon fuzz targets (kcs, lan, ipmb) run against: the
 * sim board, built once per process; each aborts on failure, since a target
 * that cannot start has nothing to say about its input. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/bmc.h"
#include "daemon/config.h"
#include "daemon/module.h"

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

/* A directory for fuzz state, made: "<base>/bmcd-fuzz-NAME-XXXXXX", base
 * $BMCD_FUZZ_STATE (made if missing: fuzz/run's, removed after the run; the
 * unit suite's replays, in the build directory), else /dev/shm, so
 * the stores' fsync()s cost nothing (on ext4 they held fuzz-lan at ~700
 * exec/s) and a long run wears no disk, else /tmp. */
static inline void fuzz_state_dir(char *dir, size_t cap, const char *name)
{
	struct stat st;
	const char *base = getenv("BMCD_FUZZ_STATE");

	if (!base)
		base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
		       access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	else
		mkdir(base, 0700);	/* may exist */
	if ((size_t)snprintf(dir, cap, "%s/bmcd-fuzz-%s-XXXXXX", base, name) >= cap || !mkdtemp(dir))
		abort();
}

/* bmc from cfg, on a new event loop, its state in a new fuzz_state_dir();
 * returns the loop. */
static inline sd_event *fuzz_bmc_init(struct bmc *bmc, const struct board_config *cfg,
				      const char *name)
{
	char dir[4096];
	sd_event *ev;

	if (sd_event_new(&ev) < 0)
		abort();
	fuzz_state_dir(dir, sizeof(dir), name);
	if (bmc_init(bmc, ev, cfg, dir) < 0)
		abort();
	return ev;
}

/* Between inputs: the volatile state back to the board's defaults, as a
 * cold reset does (reservations, set-in-progress, sensor settings, the
 * watchdog, the host interface's queue), so that an input's effect does not
 * hang on the ones before it.  Cheap: no files, no allocation. */
static inline void fuzz_bmc_reset(struct bmc *bmc)
{
	bmc_modules_reset(bmc, true);
}
