/* SPDX-License-Identifier: MIT */
/*
 * IPMB bridging (IPMI 2.0 sections 6.12-6.13, 22.7): the BMC's IPMB
 * channels, Send Message to the controllers on them with response tracking,
 * and the simulated satellite controllers of the sim board.  See
 * docs/bridging.md.
 *
 * A request bridged from a LAN session is answered at once (Send Message,
 * cc 00h) and its controller's answer follows as a second IPMI message on
 * the session, addressed back to the requester's software ID and sequence
 * number, as IPMI 2.0 figure 6-7 describes and ipmitool -b/-t expects.  From
 * the system interface the answer goes to the receive message queue (Get
 * Message).  An answer that does not come within ipmb.timeout_ms is
 * replaced by one with completion code C3h (timeout).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bmc;
struct ipmb;
struct ipmi_req;
struct wbuf;

/* Channels, satellites (their sensors polled like the BMC's), backends.
 * Needs bmc->sensors.  0 or -errno (logged). */
int ipmb_init(struct bmc *bmc);
void ipmb_done(struct bmc *bmc);

/* Whether n is one of the BMC's IPMB channels. */
bool ipmb_has_channel(const struct ipmb *m, uint8_t n);
/* The BMC's own IPMB slave address. */
uint8_t ipmb_own_address(const struct ipmb *m);

/* Send Message to IPMB channel 'channel' (already checked with
 * ipmb_has_channel): 'track' is bits 7:6 of the channel byte, msg the
 * encapsulated IPMB request (rsSA .. checksum).  Returns a completion code. */
int ipmb_send_message(struct bmc *bmc, const struct ipmi_req *req, uint8_t channel, uint8_t track,
		      const uint8_t *msg, size_t len);

/* A message received on IPMB channel 'channel' (from /dev/ipmb-N or a
 * simulated bus; untrusted bytes): an answer is matched against the
 * pending requests and delivered; anything else is dropped. */
void ipmb_receive(struct ipmb *m, uint8_t channel, const uint8_t *f, size_t len);

/* SDRs the BMC's repository holds for the satellites: a management
 * controller locator for each satellite on the BMC's own channels, and the
 * records of their sensors (owner: the satellite; reading them bridges).
 * Appends malloc'd records to rec/len; returns the count or -errno. */
int ipmb_sdr_records(const struct ipmb *m, uint8_t **rec, uint8_t *len, unsigned max);
