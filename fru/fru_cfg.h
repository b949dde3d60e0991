/* SPDX-License-Identifier: MIT */
/*
 * FRU devices as the board file describes them (section "fru", parsed by
 * fru/fru_cfg.c).  See docs/fru.md.
 *
 * Contents given as fields are encoded into image[] while the board file
 * is parsed, so every problem (a field too long, an area that does not fit
 * the device) is reported with its key path before bmcd starts.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define CFG_MAX_FRUS 8
#define CFG_FRU_IMAGE_MAX 2048		/* encoded content given as fields */
#define CFG_FRU_SIZE_DEFAULT 512	/* device size when fields are given */
#define CFG_FRU_SIZE_MAX 0xffff		/* Get FRU Inventory Area Info: 16 bits */

enum fru_source {
	FRU_SRC_FIELDS,			/* image[] (or blank), kept in the state dir */
	FRU_SRC_EEPROM_FILE,		/* an at24 sysfs "eeprom" file (or a stand-in) */
	FRU_SRC_EEPROM_I2C,		/* raw I2C through /dev/i2c-N */
};

struct cfg_fru {
	uint8_t id;			/* FRU device ID (0 = the BMC's own FRU) */
	char name[17];			/* device ID string for the locator SDR */
	enum fru_source source;
	uint32_t size;			/* device size in bytes; 0: the EEPROM file's size */
	bool read_only;			/* Write FRU Data answers 80h */
	uint16_t image_len;		/* FRU_SRC_FIELDS: encoded bytes (0: blank device) */
	uint8_t image[CFG_FRU_IMAGE_MAX];
	char eeprom_path[108];		/* FRU_SRC_EEPROM_FILE */
	uint8_t i2c_bus;		/* FRU_SRC_EEPROM_I2C */
	uint8_t i2c_addr;		/* 7-bit */
	uint8_t i2c_addr_width;		/* 1 (24c02..24c16) or 2 (24c32 and up) bytes */
};

struct board_config;
struct json_object;
struct pctx;

/* The board-file hooks of its module (struct bmc_module). */
void fru_parse_config(struct pctx *c, struct json_object *root, struct board_config *cfg);
