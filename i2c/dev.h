/* SPDX-License-Identifier: MIT */
/*
 * One I2C device: the only code that opens an I2C adapter.  Sensors
 * (source "i2c"), FRU EEPROMs on raw I2C and Master Write-Read all go
 * through it.  Two backends behind the same calls:
 *
 *   - Linux i2c-dev: the adapter node (/dev/i2c-N) opened on first use
 *     with a 100 ms adapter timeout and no adapter retries (the event
 *     loop waits for every transfer), the slave address bound only for
 *     SMBus transfers (I2C_RDWR carries it per message, and works on an
 *     address a kernel driver owns);
 *   - simulated: an EEPROM-like register file whose contents are a file
 *     in the sim directory (see i2c_dev_init_sim()).
 *
 * Every call returns 0 (or the value read) or a negative errno, and
 * logs nothing: the caller decides what a failure means.  The fault
 * codes follow the kernel's Documentation/i2c/fault-codes: -ENXIO no ACK
 * in the address phase, -EREMOTEIO NAK later, -EAGAIN lost arbitration,
 * -ETIMEDOUT/-EIO/-EBUSY/-EPROTO/-EBADMSG bus errors; and -ENODATA: the
 * read of a write-read did not happen.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define I2C_DEV_PATH_MAX 64

struct i2c_dev {
	char path[I2C_DEV_PATH_MAX];	/* "/dev/i2c-N"; sim: the file name in dir_fd */
	uint8_t addr;			/* 7-bit */
	int fd;				/* the adapter while open, else -EBADF */
	bool bound;			/* I2C_SLAVE done on fd */
	/* simulated */
	bool sim;
	int sim_dir_fd;			/* the sim directory (not owned), or -EBADF */
	uint32_t sim_size;		/* bytes; a two-byte pointer above 256 */
	uint16_t sim_ptr;		/* the register pointer, as the device keeps it */
};

/* A device at addr on the adapter node path; nothing is opened yet. */
void i2c_dev_init(struct i2c_dev *d, const char *path, uint8_t addr);
/* The same, on /dev/i2c-<bus>. */
void i2c_dev_init_bus(struct i2c_dev *d, unsigned bus, uint8_t addr);
/*
 * A simulated EEPROM-like register file of size bytes: the first write
 * byte (two above 256 bytes, high byte first) sets the pointer, the rest
 * is written from there; reads continue from the pointer; both wrap at
 * size.  The contents are the file 'name' in dir_fd (created on the first
 * write), 0xff where it does not reach (an erased EEPROM).  A file
 * "<name>.fault" beside it injects a bus fault into every transfer while
 * it exists: "nak" (the address is not acknowledged: -ENXIO) or "stall"
 * (the device holds the bus: the transfer waits out the adapter timeout,
 * 100 ms, as a real one would, then -ETIMEDOUT).
 */
void i2c_dev_init_sim(struct i2c_dev *d, int dir_fd, const char *name, uint8_t addr,
		      uint32_t size);

/* Open the adapter now (the transfers below do it when needed).  0 or
 * -errno from open(2); a simulated device is always open. */
int i2c_dev_open(struct i2c_dev *d);
/* Open the adapter and set the slave address on it, which SMBus transfers
 * need (the calls below do it when needed).  0, -errno from open(2), or
 * -EBUSY: a kernel driver (e.g. at24) owns the address. */
int i2c_dev_bind(struct i2c_dev *d);
/* Close the adapter; the next transfer opens it again.  Safe to repeat. */
void i2c_dev_close(struct i2c_dev *d);

/* One combined transfer: write w (wlen may be 0), then, with a repeated
 * start, read rlen bytes into r (rlen may be 0; both 0: an empty write). */
int i2c_dev_xfer(struct i2c_dev *d, const uint8_t *w, size_t wlen, uint8_t *r, size_t rlen);

/* SMBus transfers: "read/write byte data" (width 1) and "read/write word
 * data" (width 2, little-endian on the wire) at reg; "read byte" (no
 * register).  Reads return the value (0..FFFFh).  On a simulated device
 * they are the same bytes as an i2c_dev_xfer() (a one-byte register
 * pointer: the register file of up to 256 bytes a sensor chip has). */
int i2c_dev_smbus_read(struct i2c_dev *d, uint8_t reg, unsigned width);
int i2c_dev_smbus_read_byte(struct i2c_dev *d);
int i2c_dev_smbus_write(struct i2c_dev *d, uint8_t reg, uint16_t value, unsigned width);

/*
 * Back-off for a device that holds the bus.  Every transfer runs in the
 * event loop, so a device that stalls costs the whole BMC the adapter
 * timeout (100 ms) per transfer: the LAN waits with it.  After a slow
 * failure (-ETIMEDOUT, or any failure that took I2C_BACKOFF_SLOW_USEC or
 * more) the caller stops talking to that device for a while: 2 s, then
 * doubling up to I2C_BACKOFF_MAX_MS (30 s), one transfer (the probe) when each
 * period ends.  A stalled device then costs one transfer per period.  A
 * quick failure (a NAK, which takes microseconds) holds nobody and does
 * not back off: the device may answer the next request.
 *
 * Usage: r = i2c_backoff_check(b, now); if r < 0, answer with r without
 * a transfer; else transfer, then ev = i2c_backoff_done(b, r, t0, t1) and
 * log the event (I2C_BACKOFF_START once, I2C_BACKOFF_END once).
 */
#define I2C_BACKOFF_SLOW_USEC 20000	/* a failure this slow held the loop */
#define I2C_BACKOFF_MIN_MS 2000
#define I2C_BACKOFF_MAX_MS 30000

struct i2c_backoff {
	uint64_t until_usec;		/* no transfer before (CLOCK_MONOTONIC) */
	uint32_t delay_ms;		/* the current period; 0: not backing off */
	int err;			/* the failure that started it (-errno) */
};

enum i2c_backoff_event {
	I2C_BACKOFF_NONE,
	I2C_BACKOFF_START,		/* a healthy device held the bus: backing off */
	I2C_BACKOFF_AGAIN,		/* the probe held it too: a longer period */
	I2C_BACKOFF_END,		/* the probe went through (or failed quickly) */
};

/* CLOCK_MONOTONIC in microseconds. */
uint64_t i2c_now_usec(void);
/* 0: transfer; else the -errno to answer with (the failure that started
 * the back-off), no transfer before the period ends. */
int i2c_backoff_check(const struct i2c_backoff *b, uint64_t now_usec);
/* The transfer's result r and when it started and ended. */
enum i2c_backoff_event i2c_backoff_done(struct i2c_backoff *b, int r, uint64_t t0_usec,
					uint64_t t1_usec);
