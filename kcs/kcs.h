/* SPDX-License-Identifier: MIT */
/*
 * The host's system interface (IPMI 2.0 chapter 9 and section 6.13):
 * requests from the host arrive without a session on channel 0Fh and run at
 * administrator privilege, optionally narrowed to the board's allow-list
 * (docs/kcs.md).  struct kcs holds the interface's state — message flags,
 * the event message buffer, the receive message queue, the system info
 * parameters — and one backend that moves bytes: the Linux kcs_bmc
 * character device or QEMU's ipmi-bmc-extern protocol on a socket.
 *
 * struct kcs exists on every board (Get/Set System Info Parameters and
 * Send Message to channel 0Fh work over LAN too); the backend only when
 * the board file has a "kcs" section.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chassis/power.h"
#include "daemon/buf.h"
#include "daemon/ipmi.h"

struct bmc;
struct kcs;

/* Set up bmc->kcs and its backend from bmc->cfg.kcs.  Logs its errors. */
int kcs_init(struct bmc *bmc);
void kcs_done(struct bmc *bmc);

/* One request from the host: msg = netfn << 2 | lun, cmd, data.  Writes
 * the response (netfn | 1) << 2 | lun, cmd, cc, data into rsp.  Returns the
 * completion code, or -EINVAL when msg is too short to answer at all. */
int kcs_handle(struct kcs *k, const uint8_t *msg, size_t len, struct wbuf *rsp);

/* A system event that reached the SEL (the record as the SEL holds it):
 * into the event message buffer when that is enabled and empty. */
void kcs_on_event(void *userdata, const uint8_t rec[16]);
/* The watchdog's pre-timeout fired with a messaging interrupt. */
void kcs_watchdog_pretimeout(struct kcs *k);
/* The host was reset or powered off: drop what it had not read. */
void kcs_host_reset(struct kcs *k);
/* Host power events: a reset or power off is kcs_host_reset(). */
void kcs_power_event(struct kcs *k, enum power_event ev);
/* Cold reset: the receive message queue, event message buffer and message
 * flags emptied (as kcs_host_reset), System Info Parameters back to "set
 * complete", the volatile strings (OS name, present OS version) cleared;
 * the others (kept in the state dir, file "sysinfo") stay. */
void kcs_reset_volatile(struct kcs *k);

/* BMC Global Enables changed: the host's interrupts follow the receive
 * message queue and event message buffer full interrupt bits. */
void kcs_global_enables_changed(struct kcs *k);

/* QEMU ipmi-bmc-extern: send a control command (KCS_VM_*) to the VM.
 * 0, -ENOTCONN (no VM connected) or -ENOTSUP (not that backend). */
int kcs_vm_control(struct kcs *k, uint8_t cmd);
bool kcs_vm_connected(const struct kcs *k);

/* The current message flags (Get Message Flags byte). */
uint8_t kcs_message_flags(const struct kcs *k);
/* Put a message in the receive message queue (Get Message data: channel
 * and privilege byte, then data); raises SMS_ATN.  0 or -ENOBUFS. */
int kcs_queue_message(struct kcs *k, uint8_t chan_priv, const uint8_t *data, size_t len);

/* Handlers (App netfn), in kcs/sysif.c. */
int kcs_cmd_clear_msg_flags(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int kcs_cmd_get_msg_flags(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int kcs_cmd_get_message(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int kcs_cmd_send_message(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int kcs_cmd_read_event_buffer(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int kcs_cmd_set_sysinfo(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int kcs_cmd_get_sysinfo(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
