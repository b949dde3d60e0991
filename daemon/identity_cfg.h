/* SPDX-License-Identifier: MIT */
/* Board-file keys "name" and "identity" (daemon/identity_cfg.c). */
#pragma once

#include <stdint.h>

struct cfg_identity {
	uint8_t device_id;
	uint8_t device_revision;	/* 0..15 */
	uint8_t fw_major;		/* 0..127 */
	uint8_t fw_minor;		/* 0..99, sent as BCD */
	uint32_t manufacturer_id;	/* IANA enterprise number, 20 bits */
	uint16_t product_id;
	uint8_t aux[4];			/* auxiliary firmware revision */
};

struct board_config;
struct json_object;
struct pctx;

/* The board-file hooks of its module (struct bmc_module). */
/* Sections parsed next to their subsystems: each module's board-file hooks
 * (struct bmc_module), in module order. */
void identity_defaults(struct board_config *cfg);
void identity_parse_config(struct pctx *c, struct json_object *root, struct board_config *cfg);
