/* SPDX-License-Identifier: MIT */
/*
 * FRU devices as the board file describes them (section "fru", parsed by
 * fru/fru_cfg.c).  See docs/fru.md.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define CFG_MAX_FRUS 8

struct cfg_fru {
	uint8_t id;			/* FRU device ID (0 = the BMC's own FRU) */
	char name[17];			/* device ID string for the locator SDR */
};
