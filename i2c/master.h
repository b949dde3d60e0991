/* SPDX-License-Identifier: MIT */
/*
 * Master Write-Read (App netfn 06h, command 52h; IPMI 2.0 section 22.11):
 * one I2C transaction on a bus the board lists, to an address the board
 * allows: a write of 0..N bytes, then (repeated start) a read of the
 * requested count.  The transaction goes through the one I2C device
 * helper (i2c/dev.h): Linux i2c-dev (/dev/i2c-N, one I2C_RDWR) or a
 * simulated EEPROM-like device whose contents live in the sim directory.
 * See docs/board-file.md ("i2c").
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "daemon/buf.h"
#include "i2c/dev.h"
#include "i2c/i2c_cfg.h"

/* Command-specific completion codes (IPMI 2.0 section 22.11). */
enum {
	CC_I2C_LOST_ARBITRATION = 0x81,
	CC_I2C_BUS_ERROR = 0x82,
	CC_I2C_NAK_ON_WRITE = 0x83,
	CC_I2C_TRUNCATED_READ = 0x84,
};

/* A Master Write-Read request, parsed. */
struct i2c_request {
	bool public;			/* bus type 0: public, selected by channel */
	uint8_t id;			/* private: bus ID (3:1); public: channel (7:4) */
	uint8_t addr;			/* 7-bit slave address */
	uint8_t read_count;
	const uint8_t *wdata;		/* write data, into the request */
	size_t wlen;
};

/* Request bytes to *q (wdata points into r's bytes; r is read to its end).
 * Returns 0, C7h (shorter than 3 bytes) or CCh (a public bus with a bus
 * ID, the slave address's reserved bit 0). */
int i2c_parse_request(struct rbuf *r, struct i2c_request *q);

/* The board's bus for q, or NULL. */
const struct cfg_i2c_bus *i2c_find_bus(const struct cfg_i2c *cfg, const struct i2c_request *q);

/* 0 when the bus's allow-list lets q through, else D4h with the reason in
 * *why (for the log). */
int i2c_check_allowed(const struct cfg_i2c_bus *bus, const struct i2c_request *q, const char **why);

/* A device backing off (i2c/dev.h): the bus (index in the board's list)
 * and the address; unused while b.delay_ms is 0. */
struct i2c_master_backoff {
	uint8_t bus, addr;
	struct i2c_backoff b;
};

#define I2C_MAX_BACKOFF 4		/* devices backing off at once */

/* Master Write-Read's state, one per BMC (zeroed at start): the register
 * pointers of the simulated devices, kept as a device keeps its own, and
 * the devices that held the bus and are left alone for a while (a device
 * that stalls answers at once with its failure's completion code, 82h for
 * a timeout, until its next probe is due). */
struct i2c_master {
	uint16_t sim_ptr[I2C_MAX_BUSES][I2C_MAX_SIM];
	struct i2c_master_backoff backoff[I2C_MAX_BACKOFF];
};

/* The simulated device's file name in the sim directory, e.g.
 * "i2c-private0-0x57" (private bus 0) or "i2c-public0-0x50" (channel 0). */
void i2c_sim_file_name(const struct cfg_i2c_bus *bus, uint8_t addr, char *out, size_t size);

/* The whole command, without struct bmc (the handler below and the unit
 * tests call it): privilege, parsing, bus, allow-list, transaction (on
 * the bus's device node through i2c/dev.h, or a simulated device whose
 * contents are a file in sim_dir_fd, named by i2c_sim_file_name()).
 * Response data (the bytes read) goes into rsp; returns the completion
 * code: 0, 81h-84h, D3h (the bus's device cannot be opened), FFh, or a
 * request error. */
int i2c_master_write_read(struct i2c_master *m, const struct cfg_i2c *cfg, uint8_t priv,
			  int sim_dir_fd, struct rbuf *req, struct wbuf *rsp);

struct bmc;
struct ipmi_req;
int i2c_cmd_master_write_read(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
