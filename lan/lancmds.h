/* SPDX-License-Identifier: MIT */
/* App-netfn commands that manage LAN sessions; listed in lan_cmds (lan/module.c). */
#pragma once

#include "daemon/ipmi.h"

int lan_get_auth_caps(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int lan_get_session_challenge(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int lan_activate_session(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int lan_set_session_priv(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int lan_close_session(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int lan_get_session_info(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int lan_get_cipher_suites(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
/* Transport netfn: Get IP/UDP/RMCP Statistics (listed in lan_cmds). */
int lan_get_statistics(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);

/* The channel number a request names: 0Eh means the one it arrived on. */
uint8_t ipmi_req_channel(const struct ipmi_req *req, uint8_t field);
