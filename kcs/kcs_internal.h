/* SPDX-License-Identifier: MIT */
/* Shared between the files of kcs/ only. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "kcs/kcs.h"
#include "kcs/kcs_cfg.h"

#define KCS_RXQ_MAX 8			/* receive message queue depth */
#define KCS_RXMSG_MAX 64		/* bytes of one queued message */
#define SYSINFO_PARAMS 8		/* parameters 0..7 */
#define SYSINFO_BLOCKS 16		/* set selectors 0..15 of 16 bytes */
#define SYSINFO_OS_NAME 4		/* volatile: the running OS sets it */
#define SYSINFO_OS_VERSION 5		/* volatile: present OS version */

/* Message flags (Get Message Flags). */
#define KCS_FLAG_RX_MSG 0x01
#define KCS_FLAG_EVBUF_FULL 0x02
#define KCS_FLAG_WDT_PRETIMEOUT 0x08

/* BMC Global Enables bits. */
#define GE_RX_MSG_IRQ 0x01
#define GE_EVBUF_IRQ 0x02
#define GE_EVBUF 0x04
#define GE_SEL 0x08

struct kcs_backend {
	const char *name;
	/* Raise or drop SMS_ATN (irq: also interrupt the host if it allows). */
	int (*set_atn)(void *be, bool on, bool irq);
	/* Send a VM control command (extern backend only). */
	int (*control)(void *be, uint8_t cmd);
	bool (*connected)(const void *be);
	void (*free)(void *be);
};

struct kcs_rxmsg {
	uint8_t chan_priv;		/* channel (3:0), privilege (7:4) */
	uint8_t len;
	uint8_t data[KCS_RXMSG_MAX];
};

struct kcs {
	struct bmc *bmc;
	const struct kcs_backend *ops;	/* NULL: no host interface */
	void *be;
	bool atn;			/* SMS_ATN as last set */
	bool wdt_pretimeout;
	bool evbuf_full;
	uint8_t evbuf[16];
	struct kcs_rxmsg rxq[KCS_RXQ_MAX];
	unsigned rxq_head, rxq_count;
	uint8_t sysinfo_set_in_progress;
	uint8_t sysinfo[SYSINFO_PARAMS][SYSINFO_BLOCKS][16];
	uint64_t requests;		/* answered, for the log */
};

/* The non-volatile system info parameters from the state dir (a corrupt
 * file is logged and ignored). */
int kcs_sysinfo_load(struct kcs *k);	/* 0 or -errno (logged) */
/* Recompute the flags and move SMS_ATN to match. */
void kcs_update_atn(struct kcs *k);
/* Queue a message for the host (Get Message): 0 or -ENOBUFS. */

/* Backends: each returns its context or NULL after logging why. */
void *kcs_extern_new(struct kcs *k, sd_event *ev, const char *listen);
extern const struct kcs_backend kcs_extern_ops;
struct kext;
/* Every complete frame in p[0..n); the decoder keeps a partial one. */
void kcs_extern_input(struct kext *x, const uint8_t *p, size_t n);
/* An extern backend with no socket (fuzzing): frees with kcs_extern_ops.free. */
struct kext *kcs_extern_detached(struct kcs *k);
/* Forget a partial frame. */
void kcs_extern_reset_input(struct kext *x);
void *kcs_dev_new(struct kcs *k, sd_event *ev, const char *path);
extern const struct kcs_backend kcs_dev_ops;
