/* SPDX-License-Identifier: MIT */
/* Board-file section "redfish" (redfish/redfish_cfg.c, docs/redfish.md). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "lan/lan_cfg.h"		/* struct cfg_endpoint, CFG_MAX_LISTEN */

#define REDFISH_DEFAULT_LISTEN "0.0.0.0:443"

struct cfg_redfish {
	bool enabled;			/* default false; the sim board turns it on */
	struct cfg_endpoint listen[CFG_MAX_LISTEN];	/* TCP, default 0.0.0.0:443 */
	unsigned n_listen;
	char cert[256], key[256];	/* PEM files; empty: made in the state directory */
	/* Bounds of the transport (docs/redfish.md, "Transport"). */
	unsigned max_connections;	/* all peers together, default 64 */
	unsigned max_connections_per_source;	/* one peer address, default 16 */
	unsigned max_url;		/* request target bytes, default 2048 (414) */
	unsigned max_header_bytes;	/* request line and headers, default 16384 (431) */
	unsigned max_headers;		/* header lines, default 64 (431) */
	unsigned max_body;		/* body bytes, default 1 MiB (413) */
	unsigned idle_timeout_s;	/* a kept-alive connection without a request, default 60 */
	unsigned request_timeout_s;	/* handshake or one request from its first byte, default 10 */
};

struct board_config;
struct json_object;
struct pctx;

/* The board-file hooks of its module (struct bmc_module). */
void redfish_defaults(struct board_config *cfg);
void redfish_parse_config(struct pctx *c, struct json_object *root, struct board_config *cfg);
