/* SPDX-License-Identifier: MIT */
/* Shared by ipmb/bridge.c and ipmb/sim_mc.c. */
#pragma once

#include <systemd/sd-event.h>

#include "ipmb/ipmb.h"
#include "ipmb/ipmb_cfg.h"
#include "sensors/sensors.h"

#define IPMB_FRAME_MAX 64		/* an IPMB message: 32 bytes by the spec, some slack */
#define IPMB_PENDING_MAX 16		/* bridged requests awaiting an answer */
#define IPMB_REQ_MIN 7			/* rsSA netFn cs1 rqSA seq cmd cs2 */
#define IPMB_SDRS_MAX (IPMB_SAT_SENSORS_MAX + IPMB_SATELLITES_MAX)

/* The frame's fields (IPMI 2.0 figure 6-? / IPMB 1.0): request
 * rsSA netFn/rsLUN cs1 rqSA rqSeq/rqLUN cmd data cs2; a response has the
 * requester first: rqSA netFn/rqLUN cs1 rsSA rqSeq/rsLUN cmd cc data cs2. */
enum { F_DEST, F_NETFN, F_CS1, F_SRC, F_SEQ, F_CMD, F_DATA };

struct sat {
	const struct cfg_satellite *cfg;
	struct ipmb *m;
	int index;
	struct sensors sensors;
	uint8_t *sdr[IPMB_SDRS_MAX];	/* device SDRs, header included */
	uint8_t sdr_len[IPMB_SDRS_MAX];
	unsigned n_sdr;
	uint16_t resv;
};

/* A frame on its way back to the BMC from a simulated bus: delivered from
 * the event loop, after the Send Message response has left. */
struct sim_frame {
	uint8_t channel;
	uint8_t len;
	uint8_t d[IPMB_FRAME_MAX];
};

#define SIM_QUEUE_MAX 8

struct ipmb;

/* sim_mc.c */
int sat_init(struct sat *s, struct ipmb *m, int index);
void sat_done(struct sat *s);
/* Once every satellite is set up: bridging satellites list the ones behind
 * them (MC locators in their device SDRs). */
int sat_finish_init(struct ipmb *m);
/* A request frame for satellite s: its answers (0, 1, or 2 for a bridged
 * Send Message: the Send Message response, then the far controller's).
 * IPMB carries no privilege; a simulated satellite is told the one the
 * request was bridged with, and refuses sensor commands above it (D4h) as
 * the BMC would for its own sensors. */
unsigned sat_handle(struct sat *s, uint8_t priv, const uint8_t *req, size_t len,
		    struct sim_frame out[2]);

/* bridge.c */
struct bmc *ipmb_bmc(struct ipmb *m);
struct sat *ipmb_sats(struct ipmb *m, unsigned *n);
/* Build a response frame to the request 'req' in w: header, cc, data. */
struct wbuf;
void ipmb_response_frame(struct wbuf *w, const uint8_t *req, uint8_t own_addr, uint8_t cc,
			 const uint8_t *data, size_t len);
