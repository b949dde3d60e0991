/* SPDX-License-Identifier: MIT */
/* Board-file section "lan" (lan/lan_cfg.c, docs/board-file.md). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "channels/users_cfg.h"

#define CFG_MAX_LISTEN 4

struct cfg_endpoint {
	struct sockaddr_storage addr;	/* AF_INET or AF_INET6, port set */
	socklen_t addrlen;
	char text[64];			/* as written, e.g. "[::1]:6230" */
};

struct cfg_lan {
	struct cfg_endpoint listen[CFG_MAX_LISTEN];
	unsigned n_listen;
	uint32_t cipher_suites;		/* bit n set = suite n enabled (0..17) */
	bool auth_none;			/* IPMI 1.5 auth type NONE allowed */
	bool auth_password;		/* IPMI 1.5 straight password allowed */
	bool auth_md5;			/* IPMI 1.5 MD5 allowed */
	uint8_t kg[CFG_PASSWORD_MAX];	/* BMC key K_G; all zero = not set */
	bool kg_set;
	unsigned session_timeout_s;	/* idle timeout, default 60 */
	unsigned max_sessions;		/* default 16, 1..64 */
	uint8_t channel;		/* LAN channel number, default 1 */
	char interface[16];		/* the BMC's NIC ("eth0"); empty: settings kept in memory */
};

struct board_config;
struct json_object;
struct pctx;

/* The board-file hooks of its module (struct bmc_module). */
void lan_defaults(struct board_config *cfg);
void lan_parse_config(struct pctx *c, struct json_object *root, struct board_config *cfg);
