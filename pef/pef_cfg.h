/* SPDX-License-Identifier: MIT */
/* Board file section "pef" (pef/pef_cfg.c, docs/pef.md). */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct cfg_pef {
	bool enabled;			/* PEF control bit 0 until set over IPMI; default true */
	uint16_t trap_port;		/* UDP port alerts go to, default 162 */
};

struct board_config;
struct json_object;
struct pctx;

/* The board-file hooks of its module (struct bmc_module). */
void pef_defaults(struct board_config *cfg);
void pef_parse_config(struct pctx *c, struct json_object *root, struct board_config *cfg);
