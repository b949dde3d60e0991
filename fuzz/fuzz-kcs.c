/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: bytes from a QEMU ipmi-bmc-extern peer (escaped frames,
 * control commands, requests with checksums) into the KCS wire decoder and
 * on through the system interface into the dispatcher of a BMC built from
 * boards/sim.json.  The input is the byte stream as it would arrive on the
 * socket; responses go nowhere.
 */
#include <stdlib.h>

#include "daemon/bmc.h"
#include "daemon/config.h"
#include "kcs/kcs_internal.h"

#include "fuzz.h"

static struct bmc bmc = { .state_fd = -1 };
static struct kext *peer;

static void setup(void)
{
	static struct board_config cfg;
	const char *root = getenv("BMCD_SOURCE_ROOT");
	char path[4096];
	sd_event *ev;

	snprintf(path, sizeof(path), "%s/boards/sim.json", root ? root : ".");
	if (config_load(path, &cfg, NULL, NULL) < 0)
		abort();
	cfg.lan.n_listen = 0;
	if (sd_event_new(&ev) < 0)
		abort();
	char dir[] = "/tmp/bmcd-fuzz-kcs-XXXXXX";
	if (!mkdtemp(dir) || bmc_init(&bmc, ev, &cfg, dir) < 0)
		abort();
	peer = kcs_extern_detached(bmc.kcs);
	if (!peer)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;

	if (!ready) {
		setup();
		ready = true;
	}
	kcs_extern_input(peer, data, size);
	/* A partial frame must not leak into the next input. */
	kcs_extern_reset_input(peer);
	return 0;
}
