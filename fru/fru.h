/* SPDX-License-Identifier: MIT */
/*
 * FRU inventory devices (IPMI 2.0 chapter 34; docs/fru.md).
 *
 * Each device is an image of 'size' bytes held in memory.  Where it comes
 * from at start, in order:
 *   1. the state dir file "fru-<id>", once anything has been written to
 *      the device over IPMI (it is then authoritative);
 *   2. otherwise the board file: the contents given as fields, or the
 *      EEPROM read through.
 * A corrupt state file is logged by name and ignored (step 2 applies).
 * Write FRU Data updates the image, the state file (atomically, before
 * the command is acknowledged) and, for EEPROM-backed devices, the EEPROM.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "daemon/ipmi.h"
#include "fru/fru_cfg.h"

#define FRU_STATE_PREFIX "fru-"

struct fru_dev {
	const struct cfg_fru *cfg;	/* in the board config (not owned) */
	uint8_t *img;			/* size bytes; NULL until loaded */
	uint32_t size;
	bool valid;			/* the image parses as FRU information */
	uint64_t retry_at;		/* unreadable EEPROM: next attempt (CLOCK_MONOTONIC us) */
	char file[16];			/* state file name, "fru-<id>" */
};

struct fru {
	int dirfd;			/* the state directory (not owned) */
	struct fru_dev dev[CFG_MAX_FRUS];
	unsigned n;
	struct cfg_fru *own;		/* fru_add_host_identity()'s device 0 (owned) */
};

/* Load every device of cfg (which must outlive fru).  A device that
 * cannot be loaded (an EEPROM that does not answer) is logged and retried
 * when asked for; only memory exhaustion fails.  0 or -ENOMEM. */
int fru_init(struct fru *fru, const struct board_config *cfg, int dirfd);
void fru_done(struct fru *fru);

/*
 * A host backend that knows its host's identity (a libvirt domain's name
 * and UUID) gives it here, after fru_init: when the board file has no FRU
 * device 0, one is made with a product area of name = name, serial number
 * and asset tag = serial (other fields empty: nothing invented); a board
 * that has device 0 keeps it.  The state file of device 0, once written
 * over IPMI, wins as for any device.  0, or -ENOMEM.
 */
int fru_add_host_identity(struct fru *fru, const char *name, const char *serial);

/* The device with FRU device ID id, loaded; NULL when there is none
 * (*busy set when it exists but cannot be read right now). */
struct fru_dev *fru_get(struct fru *fru, uint8_t id, bool *busy);

/*
 * Write n bytes at off: checked, persisted, written through.  0;
 * -ERANGE past the end; -EROFS read-only device; -EBADMSG when the write
 * covers the whole common header and it is neither a valid header for
 * this device nor blank; -errno when the state file cannot be written
 * (nothing changed).  An EEPROM that fails is logged, not returned: the
 * state file holds the data.
 */
int fru_write(struct fru *fru, struct fru_dev *d, unsigned off, const uint8_t *p, size_t n);

/* The Storage netfn handlers (sel/storage.c lists them). */
int fru_cmd_area_info(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int fru_cmd_read(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int fru_cmd_write(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
