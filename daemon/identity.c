/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/module.h"
#include "lan/crypto.h"
#include "daemon/store.h"
#include "daemon/log.h"
#include <string.h>
#include <errno.h>

#define GUID_FILE "guid"

/* A random (version 4) GUID in IPMI wire order: the RFC 4122 byte string
 * reversed, least significant byte (the end of the node field) first. */
static int guid_new(uint8_t g[16])
{
	uint8_t rfc[16];
	int r = crypto_random(rfc, sizeof(rfc));

	if (r < 0)
		return r;
	rfc[6] = (rfc[6] & 0x0f) | 0x40;
	rfc[8] = (rfc[8] & 0x3f) | 0x80;
	for (int i = 0; i < 16; i++)
		g[i] = rfc[15 - i];
	return 0;
}

/* The system and device GUIDs are made once and kept in the state dir. */
static int identity_init(struct bmc *bmc)
{
	uint8_t buf[32];
	ssize_t n = store_load(bmc->state_fd, GUID_FILE, buf, sizeof(buf), "state");
	int r;

	bmc->global_enables = 0x0c;	/* SEL logging, event message buffer */
	if (n == (ssize_t)sizeof(buf)) {
		memcpy(bmc->system_guid, buf, 16);
		memcpy(bmc->device_guid, buf + 16, 16);
		return 0;
	}
	if (n < 0 && n != -ENOENT)
		return (int)n;		/* logged; the GUIDs are not made again */
	if (n >= 0) {
		log_warning("state: %s is corrupt (%zd bytes); moved to %s.corrupt, making new GUIDs",
			    GUID_FILE, n, GUID_FILE);
		store_set_aside(bmc->state_fd, GUID_FILE, "state");
	}
	r = guid_new(bmc->system_guid);
	if (r == 0)
		r = guid_new(bmc->device_guid);
	if (r < 0)
		return log_error_errno(r, "state: cannot make GUIDs");
	memcpy(buf, bmc->system_guid, 16);
	memcpy(buf + 16, bmc->device_guid, 16);
	r = store_write(bmc->state_fd, GUID_FILE, buf, sizeof(buf));
	if (r < 0)
		return log_error_errno(r, "state: cannot write %s", GUID_FILE);
	return 0;
}

/* Global enables are volatile: every reset, cold or warm, restores them. */
static void identity_reset(struct bmc *bmc, bool cold)
{
	bmc->global_enables = 0x0c;
}

static const char *const identity_keys[] = { "name", "identity", NULL };

const struct bmc_module identity_module = {
	.name = "identity", .keys = identity_keys,
	.defaults = identity_defaults, .parse = identity_parse_config,
	.init = identity_init, .reset = identity_reset,
	.cmds = identity_cmds,
};
