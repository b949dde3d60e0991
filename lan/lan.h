/* SPDX-License-Identifier: MIT */
/* The LAN channel: RMCP, IPMI 1.5 and RMCP+ on UDP. */
#pragma once

struct bmc;
struct lan;

/* Bind every endpoint of the board (or of --listen) and start receiving.
 * Logs its own errors. */
int lan_open(struct bmc *bmc, struct lan **ret);
struct lan *lan_free(struct lan *lan);
