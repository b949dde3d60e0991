/* SPDX-License-Identifier: MIT */
/*
 * The Redfish transport's state (struct redfish, bmc->redfish): listening
 * sockets, connections, the TLS context and the service they feed.
 * Private to redfish/: the other layers see only redfish/redfish.h.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "redfish/http1.h"
#include "redfish/redfish_cfg.h"

struct bmc;
struct rf_conn;
struct rf_service;
struct tls_ctx;

struct redfish {
	struct bmc *bmc;
	struct rf_service *svc;
	struct tls_ctx *tls;
	struct http1_limits lim;
	sd_event_source *listen[CFG_MAX_LISTEN];
	unsigned n_listen;
	struct rf_conn *conns;		/* every open connection, newest first */
	unsigned n_conns;
	unsigned refused;		/* connections refused since the last tick's log line */
};

/* Start serving what bmc->cfg.redfish says (nothing when it is not
 * enabled).  Logs its own errors; -errno. */
int redfish_start(struct redfish *rf, struct bmc *bmc);
/* Close every connection and socket; also after a partial start. */
void redfish_stop(struct redfish *rf);
/* Once a second: timeouts, and the service's own expiry. */
void redfish_tick(struct redfish *rf, uint64_t now_usec);
