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
