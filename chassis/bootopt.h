/* SPDX-License-Identifier: MIT */
/*
 * System boot options: Set/Get System Boot Options (IPMI 2.0 sections
 * 28.12 and 28.13, boot option parameters 0-7 of table 28-14).
 *
 * The BMC keeps the options; the host's firmware reads them at boot.  Until
 * there is a host side to read them, the BMC plays its part on the boots it
 * sees: a Chassis Control (re)start uses a next-boot-only override and
 * clears its valid bit.  Other restarts clear it unless parameter 3 says
 * not to, and a next-boot-only override no Chassis Control follows within
 * the valid-bit timeout (60 s) is cleared.  Persistent flags stay valid.
 *
 * Parameters 1, 2, 3, 5 and 7 live in the state directory ("boot-options");
 * 0 (set in progress), 4 (boot info acknowledge) and 6 (boot initiator info)
 * start afresh with the daemon.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "chassis/power.h"
#include "daemon/buf.h"

#define BOOTOPT_VALID_TIMEOUT_USEC (60ULL * 1000000ULL)
#define BOOTOPT_MBOX_BLOCKS 5		/* 80 bytes of boot initiator mailbox */
#define BOOTOPT_MBOX_BLOCK_LEN 16
#define BOOTOPT_FLAGS_LEN 5
#define BOOTOPT_INITIATOR_LEN 9

enum bootopt_param {
	BOOTOPT_SET_IN_PROGRESS = 0,
	BOOTOPT_SVC_PARTITION = 1,
	BOOTOPT_SVC_SCAN = 2,
	BOOTOPT_VALID_CLEARING = 3,
	BOOTOPT_INFO_ACK = 4,
	BOOTOPT_FLAGS = 5,
	BOOTOPT_INITIATOR = 6,
	BOOTOPT_MAILBOX = 7,
	BOOTOPT_NPARAMS,
};

enum {				/* parameter 0 */
	BOOTOPT_SET_COMPLETE = 0,
	BOOTOPT_SET_BUSY = 1,
	BOOTOPT_SET_COMMIT = 2,
};

enum {				/* parameter 3: don't clear the valid bit on ... */
	BOOTOPT_KEEP_POWER_BUTTON = 1 << 0,	/* power up by push button or wake event */
	BOOTOPT_KEEP_RESET_BUTTON = 1 << 1,	/* push button reset / soft reset */
	BOOTOPT_KEEP_WATCHDOG = 1 << 2,
	BOOTOPT_KEEP_NO_TIMEOUT = 1 << 3,	/* ... nor after the 60 s timeout */
	BOOTOPT_KEEP_PEF = 1 << 4,
};

enum {				/* parameter 5, data 1 */
	BOOTOPT_F1_VALID = 1 << 7,
	BOOTOPT_F1_PERSISTENT = 1 << 6,
	BOOTOPT_F1_EFI = 1 << 5,
};

enum bootopt_device {		/* parameter 5, data 2 [5:2] */
	BOOTDEV_NONE = 0x0,
	BOOTDEV_PXE = 0x1,
	BOOTDEV_DISK = 0x2,
	BOOTDEV_DISK_SAFE = 0x3,
	BOOTDEV_DIAG = 0x4,
	BOOTDEV_CDROM = 0x5,
	BOOTDEV_SETUP = 0x6,
	BOOTDEV_REMOTE_FLOPPY = 0x7,
	BOOTDEV_REMOTE_CDROM = 0x8,
	BOOTDEV_REMOTE_MEDIA = 0x9,
	BOOTDEV_REMOTE_DISK = 0xb,
	BOOTDEV_FLOPPY = 0xf,
};

/* What the state file holds. */
struct bootopt_saved {
	uint8_t invalid;		/* bit n: parameter n marked invalid/locked */
	uint8_t svc_partition;
	uint8_t svc_scan;
	uint8_t valid_clearing;
	uint8_t flags[BOOTOPT_FLAGS_LEN];
	uint8_t mbox[BOOTOPT_MBOX_BLOCKS][BOOTOPT_MBOX_BLOCK_LEN];
};

/* Every parameter's value. */
struct bootopt_vals {
	uint8_t set_state;		/* parameter 0 */
	uint8_t ack;			/* parameter 4, data 2 */
	uint8_t initiator[BOOTOPT_INITIATOR_LEN];
	struct bootopt_saved saved;
};

struct bootopt {
	sd_event *ev;
	int dirfd;			/* the state directory, not owned */
	const struct power *power;	/* to see a Chassis Control boot under way; may be NULL */
	uint64_t valid_timeout_usec;
	sd_event_source *timer;		/* valid-bit timeout */
	struct bootopt_vals v;
};

/* Load the saved parameters (a missing, short or corrupt file is logged and
 * defaults are used).  0 or -errno. */
int bootopt_init(struct bootopt *b, sd_event *ev, int dirfd, const struct power *power,
		 uint64_t valid_timeout_usec);
void bootopt_done(struct bootopt *b);

/* Set System Boot Options request data: 0, or -EOPNOTSUPP (parameter not
 * supported), -EBADMSG (wrong length), -EINVAL (reserved bit or value),
 * -EBUSY (set in progress already), -ERANGE (no such mailbox block), or
 * -EIO (the state file could not be written: nothing changed). */
int bootopt_set(struct bootopt *b, struct rbuf *req);
/* Get System Boot Options: the response data after the completion code
 * into rsp.  0, or -EOPNOTSUPP, -EINVAL, -ERANGE as above. */
int bootopt_get(const struct bootopt *b, struct rbuf *req, struct wbuf *rsp);

/* A BMC cold reset: the volatile parameters (0, 4, 6) start afresh. */
void bootopt_reset_volatile(struct bootopt *b);
/* A host power event (from bmc_on_power_event). */
void bootopt_power_event(struct bootopt *b, enum power_event ev, enum restart_cause cause);

/* The boot device override the host should boot with now (BOOTDEV_NONE if
 * no valid flags), and whether it asks for an EFI boot. */
enum bootopt_device bootopt_boot_device(const struct bootopt *b, bool *efi);
/* Replace the boot flags (parameter 5 data 1 and the device field of
 * data 2; the other bits kept) as Set System Boot Options does, through
 * bootopt_set(): checked, saved, and the valid-bit timeout started.  The
 * D-Bus and Redfish faces' one way in.  0 or bootopt_set()'s -errno. */
int bootopt_set_flags(struct bootopt *b, bool valid, bool persistent, bool efi,
		      enum bootopt_device dev);
const char *bootopt_device_name(enum bootopt_device dev);

struct bmc;
struct ipmi_req;
/* The chassis netfn handlers (commands 08h and 09h). */
int chassis_set_boot_options(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int chassis_get_boot_options(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
