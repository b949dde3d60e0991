/* SPDX-License-Identifier: MIT */
/* Board-file keys "users" and "max_users" (channels/users_cfg.c). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define CFG_MAX_USERS 63	/* user IDs 1..63 */
#define CFG_NAME_MAX 16		/* IPMI user names are at most 16 bytes */
#define CFG_PASSWORD_MAX 20	/* IPMI 2.0 20-byte passwords */

enum ipmi_priv {
	PRIV_NONE = 0,		/* no session: pre-session commands only */
	PRIV_CALLBACK = 1,
	PRIV_USER = 2,
	PRIV_OPERATOR = 3,
	PRIV_ADMIN = 4,
	PRIV_OEM = 5,
	PRIV_NO_ACCESS = 0x0f,
};

struct cfg_user {
	uint8_t id;			/* 1..63; 0 = slot unused */
	char name[CFG_NAME_MAX + 1];
	uint8_t password[CFG_PASSWORD_MAX];	/* zero padded */
	uint8_t password_len;
	enum ipmi_priv privilege;	/* channel privilege limit on LAN */
	bool enabled;
};

struct board_config;
struct json_object;
struct pctx;

/* The board-file hooks of its module (struct bmc_module). */
void users_defaults(struct board_config *cfg);
void users_parse_config(struct pctx *c, struct json_object *root, struct board_config *cfg);
