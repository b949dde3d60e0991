/* SPDX-License-Identifier: MIT */
/* SOL configuration parameters (IPMI 2.0 table 26-5) and their state file. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SOLCFG_FILE "sol"

enum {
	SOL_RATE_SERIAL = 0x00,		/* "use the serial port's setting" */
	SOL_RATE_9600 = 0x06,
	SOL_RATE_115200 = 0x0a,
};

struct sol_config {
	bool enabled;			/* param 1 */
	bool force_enc;			/* param 2 bit 7 */
	bool force_auth;		/* param 2 bit 6 */
	uint8_t priv;			/* param 2 [3:0]: 2 user .. 5 OEM */
	uint8_t accum_5ms;		/* param 3 byte 1: 1..255, 5 ms units */
	uint8_t threshold;		/* param 3 byte 2: 1..255 characters */
	uint8_t retry_count;		/* param 4 byte 1: 0..7 */
	uint8_t retry_10ms;		/* param 4 byte 2: 0..255, 10 ms units (0: back to back) */
	uint8_t nv_rate;		/* param 5 */
	uint8_t v_rate;			/* param 6: volatile, starts as nv_rate */
};

void solcfg_defaults(struct sol_config *c);
bool solcfg_rate_valid(uint8_t code);
/* The persistent part as bytes (the volatile rate is not kept). */
size_t solcfg_encode(const struct sol_config *c, uint8_t *buf, size_t cap);
/* 0, or -EINVAL for a short, long or corrupt image (c untouched then). */
int solcfg_decode(struct sol_config *c, const uint8_t *buf, size_t len);
/* Load from the state dir: defaults, with a warning when the file is corrupt. */
int solcfg_load(int dirfd, struct sol_config *c);	/* 0 or -errno (logged) */
int solcfg_save(int dirfd, const struct sol_config *c);
