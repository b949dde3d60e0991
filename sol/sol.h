/* SPDX-License-Identifier: MIT */
/*
 * Serial over LAN: the SOL payload (RMCP+ payload type 1), its
 * configuration parameters and the console history.  See docs/sol.md.
 */
#pragma once

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
