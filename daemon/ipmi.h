/* SPDX-License-Identifier: MIT */
/*
 * One request type for every transport, and the command tables the
 * dispatcher walks.  Handlers never re-check privilege or the length limits
 * in their table entry: the dispatcher has done that.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/buf.h"
#include "daemon/config.h"

enum {
	NETFN_CHASSIS = 0x00,
	NETFN_BRIDGE = 0x02,
	NETFN_SENSOR = 0x04,
	NETFN_APP = 0x06,
	NETFN_FIRMWARE = 0x08,
	NETFN_STORAGE = 0x0a,
	NETFN_TRANSPORT = 0x0c,
	NETFN_GROUP = 0x2c,
	NETFN_OEM = 0x2e,
};

enum {				/* completion codes (IPMI 2.0 table 5-2) */
	CC_OK = 0x00,
	CC_NODE_BUSY = 0xc0,
	CC_INVALID_CMD = 0xc1,
	CC_INVALID_CMD_LUN = 0xc2,
	CC_TIMEOUT = 0xc3,
	CC_OUT_OF_SPACE = 0xc4,
	CC_RESERVATION = 0xc5,
	CC_DATA_TRUNCATED = 0xc6,
	CC_REQ_LEN = 0xc7,
	CC_REQ_TOO_LONG = 0xc8,
	CC_PARAM_OUT_OF_RANGE = 0xc9,
	CC_CANT_RETURN_BYTES = 0xca,
	CC_NOT_PRESENT = 0xcb,
	CC_INVALID_FIELD = 0xcc,
	CC_ILLEGAL_FOR_SENSOR = 0xcd,
	CC_NO_RESPONSE = 0xce,
	CC_DUPLICATE = 0xcf,
	CC_SDR_UPDATING = 0xd0,
	CC_FW_UPDATING = 0xd1,
	CC_INITIALIZING = 0xd2,
	CC_DEST_UNAVAILABLE = 0xd3,
	CC_INSUFFICIENT_PRIV = 0xd4,
	CC_NOT_IN_STATE = 0xd5,
	CC_SUBFUNCTION_DISABLED = 0xd6,
	CC_UNSPECIFIED = 0xff,
};

/* A handler may return cc | CC_KEEP_DATA to send response data with a
 * non-zero completion code (a few commands define such data). */
#define CC_KEEP_DATA 0x100

#define IPMI_MAX_REQ 255	/* request data bytes after netfn/cmd */
/* Response data bytes after the completion code: the most any channel
 * carries.  A KCS response a Linux host reads is at most 272 bytes with
 * netfn, command and completion code (its driver's IPMI_MAX_MSG_LENGTH);
 * RMCP+ carries the same.  Every transport gives the dispatcher a response
 * writer of exactly what it can carry (an IPMI 1.5 LAN message less, a
 * Send Message to this BMC less still), so a handler that checks
 * wb_room() answers CAh only when the answer cannot fit this channel. */
#define IPMI_MAX_RSP 269

#define IPMI_CHANNEL_CURRENT 0x0e
#define IPMI_CHANNEL_SYSIF 0x0f

struct bmc;
struct session;
struct sensors;

struct ipmi_req {
	uint8_t channel;		/* channel it arrived on */
	enum ipmi_priv priv;		/* privilege it runs at (PRIV_NONE outside a session) */
	struct session *session;	/* NULL outside a session */
	void *xport;			/* the transport's own context, for session set-up */
	uint8_t netfn;			/* even: request */
	uint8_t lun;
	uint8_t cmd;
	const uint8_t *data;
	size_t len;
	struct sensors *sensors;	/* a satellite's sensors (ipmb/); NULL: the BMC's */
};

/* A handler's only access to its request bytes: read every field, then
 * check rb_done() (nothing missing, nothing left over). */
static inline struct rbuf ipmi_reader(const struct ipmi_req *req)
{
	return rb_init(req->data, req->len);
}

/* Returns a completion code; response data (after the cc) goes into rsp. */
typedef int (*ipmi_handler)(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);

enum {
	CMD_F_LAN_ONLY = 1 << 0,	/* session management: LAN channels only */
	CMD_F_SYSIF_ONLY = 1 << 1,	/* message flags, Get Message...: the host's system interface only */
	CMD_F_CONFIDENTIAL = 1 << 2,	/* carries a secret (password, key): on a LAN session only
					 * with confidentiality (RMCP+ with encryption), else D5h */
};

struct ipmi_cmd {
	uint8_t netfn;			/* even: the request netfn */
	uint8_t cmd;
	ipmi_handler fn;		/* NULL: the end of a module's list */
	uint8_t priv;			/* minimum privilege (enum ipmi_priv) */
	uint8_t min_len;		/* request data length limits, inclusive */
	uint8_t max_len;
	uint8_t flags;
	/* Commands with several exact valid lengths (Set User Password: 2, 18
	 * or 22) list them here (IPMI_CMD_LENS); any other length is C7h.  All
	 * zero: every length in min_len..max_len is valid. */
	uint8_t lens[4];
	const char *name;
};

/* One entry of a module's command list: IPMI_CMD(NETFN_APP, 0x01, fn, PRIV_USER, 0, 0, 0, "Get Device ID"). */
#define IPMI_CMD(nf, c, f, p, lo, hi, fl, nm) { .netfn = (nf), .cmd = (c), .fn = (f), .priv = (p), .min_len = (lo), .max_len = (hi), .flags = (fl), .name = (nm) }
/* A command valid at exactly the lengths given (one to four of them, none
 * zero): IPMI_CMD_LENS(NETFN_APP, 0x47, fn, PRIV_ADMIN, 0, "Set User Password", 2, 18, 22). */
#define IPMI_CMD_LENS(nf, c, f, p, fl, nm, ...) { .netfn = (nf), .cmd = (c), .fn = (f), .priv = (p), .min_len = 1, .max_len = IPMI_MAX_REQ, \
	.flags = (fl), .lens = { __VA_ARGS__ }, .name = (nm) }

/* The command lists defined next to their static handlers; the others
 * live in their module's module.c.  Each ends with an entry whose fn is NULL. */
extern const struct ipmi_cmd identity_cmds[], channels_cmds[], chassis_cmds[], dcmi_cmds[],
	sel_cmds[], sensors_cmds[];

/* Look up, check (C1h, D4h, D5h for a secret-bearing command on a LAN
 * session without encryption, C7h; in that order), run.  Returns the
 * completion code; rsp holds the response data (empty unless cc == 0 or the
 * handler asked to keep data). */
uint8_t ipmi_dispatch(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);

/* The IPMB message checksum (LAN messages, Send Message, IPMB frames): the
 * two's complement of the byte sum, so that data + checksum sums to 0. */
uint8_t ipmi_checksum(const uint8_t *p, size_t n);

/* The command every module answers as netfn/cmd (the first listed), or NULL;
 * ipmi_find() looks in one list only. */
const struct ipmi_cmd *ipmi_lookup(uint8_t netfn, uint8_t cmd);
const struct ipmi_cmd *ipmi_find(const struct ipmi_cmd *list, uint8_t netfn, uint8_t cmd);
/* "app", "chassis"... for logs; "other" for the rest. */
const char *ipmi_netfn_name(uint8_t netfn);
const char *ipmi_priv_name(enum ipmi_priv priv);
