/* SPDX-License-Identifier: MIT */
/*
 * Serial over LAN: the SOL payload (RMCP+ payload type 1), its
 * configuration parameters and the console history.  See docs/sol.md.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chassis/power.h"
#include "daemon/buf.h"

struct bmc;
struct ipmi_req;
struct session;
struct sol;

/* Set up SOL for bmc (after the LAN is open): configuration from the
 * state dir, the UART backend, the payload handler.  Sets bmc->sol. */
int sol_init(struct bmc *bmc);
void sol_done(struct bmc *bmc);
/* The host's power changed (the simulated console boots on ON/RESET). */
void sol_power_event(struct sol *sol, enum power_event ev);
/* Cold reset: configuration parameter 0 back to "set complete", the
 * volatile bit rate (6) back to the non-volatile one (5); the others are
 * non-volatile and stay. */
void sol_reset_volatile(struct sol *sol);
/* sessions.on_free hook (userdata = struct sol): a freed session loses its
 * payload. */
void sol_on_session_free(void *userdata, struct session *s);

/*
 * Another console on the host's serial port (the Redfish WebSocket,
 * redfish/ws.c).  One console at a time: attaching fails with -EBUSY while
 * the SOL payload is active or another console is attached, and Activate
 * Payload answers 80h while one is attached.  'out' gets every byte the
 * host prints from then on, from the UART's event handler: it must not
 * detach or free anything itself (schedule that).  ud names the console.
 */
typedef void (*sol_console_out)(void *ud, const uint8_t *data, size_t n);
int sol_console_attach(struct sol *sol, sol_console_out out, void *ud);
void sol_console_detach(struct sol *sol, void *ud);
/* Whether the SOL payload or an attached console holds the port. */
bool sol_console_busy(const struct sol *sol);
/* Bytes for the host: queued for the UART (bounded); returns how many
 * were taken. */
size_t sol_console_input(struct sol *sol, const uint8_t *data, size_t n);
/* The console history (what the host printed, the last 64 KiB): copy up
 * to n bytes from 'off' bytes after its oldest; returns the count. */
size_t sol_console_history(const struct sol *sol, size_t off, void *dst, size_t n);

/* App netfn: payload commands (sol/payload.c). */
int sol_cmd_activate_payload(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int sol_cmd_deactivate_payload(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int sol_cmd_payload_status(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int sol_cmd_payload_instance_info(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int sol_cmd_set_user_payload_access(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int sol_cmd_get_user_payload_access(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int sol_cmd_channel_payload_support(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int sol_cmd_channel_payload_version(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);

/* Transport netfn: SOL configuration parameters (sol/solcfg.c). */
int sol_cmd_set_config(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int sol_cmd_get_config(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
