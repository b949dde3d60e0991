/* SPDX-License-Identifier: MIT */
/* The "sel" section of the board file (sel/sel_cfg.c). */
#pragma once

struct board_config;
struct json_object;
struct pctx;

/* The board-file hooks of its module (struct bmc_module). */
void sel_defaults(struct board_config *cfg);
void sel_parse_config(struct pctx *c, struct json_object *root, struct board_config *cfg);
