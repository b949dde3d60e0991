/* SPDX-License-Identifier: MIT */
/*
 * The I2C buses that Master Write-Read (App 52h) may reach, as the board
 * file describes them (section "i2c", parsed by i2c/i2c_cfg.c).  Nothing
 * is reachable unless a bus lists it in "allow".  See docs/board-file.md.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define I2C_MAX_BUSES 8
#define I2C_MAX_ALLOW 32		/* allowed addresses per bus */
#define I2C_MAX_SIM 8			/* simulated devices per bus */
#define I2C_SIM_SIZE_MAX 65536

struct cfg_i2c_allow {
	uint8_t addr;			/* 7-bit */
	bool write;			/* false: at most pointer_bytes of write data */
	uint8_t pointer_bytes;		/* 0..2: the register/offset a read-only request may set */
	bool shared;			/* the BMC's own device (FRU EEPROM, sensor): said so */
};

struct cfg_i2c_sim_dev {
	uint8_t addr;			/* 7-bit */
	uint32_t size;			/* bytes; a 2-byte pointer above 256 */
};

struct cfg_i2c_bus {
	bool public;			/* bus type 0: selected by channel; 1: private, by bus ID */
	uint8_t id;			/* private: bus ID 0..7; public: channel 0..15 */
	bool sim;			/* simulated devices instead of a device node */
	char device[64];		/* "/dev/i2c-N" */
	int linux_bus;			/* N of device, or -1 (sim, or another name) */
	struct cfg_i2c_sim_dev sim_devs[I2C_MAX_SIM];
	unsigned n_sim;
	struct cfg_i2c_allow allow[I2C_MAX_ALLOW];
	unsigned n_allow;
};

struct cfg_i2c {
	uint8_t privilege;		/* enum ipmi_priv; default administrator */
	struct cfg_i2c_bus buses[I2C_MAX_BUSES];
	unsigned n_buses;
};

struct board_config;
struct json_object;
struct pctx;

/* The board-file hooks of its module (struct bmc_module). */
void i2c_defaults(struct board_config *cfg);
void i2c_parse_config(struct pctx *c, struct json_object *root, struct board_config *cfg);
