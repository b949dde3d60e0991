/* SPDX-License-Identifier: MIT */
/* Board-file section "sol" (sol/sol_cfg.c, docs/sol.md). */
#pragma once

struct cfg_sol {			/* where the host's serial console is */
	char uart[8];			/* "sim", "tty", "socket", "none"; default: sim on the sim host */
	char tty[64];			/* uart "tty": e.g. "/dev/ttyS4" */
	unsigned baud;			/* uart "tty": 9600..115200, default 115200 */
	char socket[108];		/* uart "socket": "unix:/path" or "tcp:HOST:PORT" */
};

struct board_config;
struct json_object;
struct pctx;

/* The board-file hooks of its module (struct bmc_module). */
void sol_parse_config(struct pctx *c, struct json_object *root, struct board_config *cfg);
