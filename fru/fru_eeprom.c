/* SPDX-License-Identifier: MIT */
/*
 * EEPROMs behind FRU devices (fru_eeprom.h).
 *
 * The at24 sysfs file: the kernel turns reads and writes into I2C
 * transfers.  Large reads can time out on slow or emulated buses (QEMU's
 * AST2600 I2C controller), and reads may come back short, so everything
 * goes in small chunks and a short transfer just continues where it
 * stopped; a timed-out chunk is retried a few times.
 *
 * Raw I2C: one-byte addressing (24c02-class, up to 256 bytes) is a plain
 * SMBus "read/write byte data" at the offset; two-byte addressing (24c32
 * and up) sets the address pointer with a "write byte data" of the high
 * byte carrying the low byte, then reads bytes sequentially, and writes
 * with a "write word data" (high address byte, then low address byte and
 * the data byte).  After each byte written the EEPROM is busy for its
 * write cycle (up to 5 ms, NAKing meanwhile), so the next transfer is
 * retried for a while.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fru/fru_eeprom.h"
#include "i2c/dev.h"

#define CHUNK 32			/* bytes per sysfs read/write */
#define RETRIES 5
#define WRITE_CYCLE_TRIES 20		/* x 1 ms: at least the 5-10 ms write cycle */

static void pause_ms(long ms)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = ms * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static bool transient(int err)
{
	return err == EINTR || err == EAGAIN || err == ETIMEDOUT || err == EIO;
}

/* ---- the at24 sysfs file ------------------------------------------------- */

static int file_rw(const char *path, bool write, size_t off, uint8_t *p, size_t n)
{
	int fd = open(path, (write ? O_WRONLY : O_RDONLY) | O_CLOEXEC | O_NOCTTY);
	unsigned tries = 0;
	int r = 0;

	if (fd < 0)
		return -errno;
	while (n > 0) {
		size_t len = n < CHUNK ? n : CHUNK;
		ssize_t k = write ? pwrite(fd, p, len, (off_t)off) : pread(fd, p, len, (off_t)off);

		if (k < 0 && transient(errno) && ++tries <= RETRIES) {
			pause_ms(10);
			continue;
		}
		if (k < 0) {
			r = -errno;
			break;
		}
		if (k == 0) {		/* the file ends before the device does */
			r = -ENODATA;
			break;
		}
		tries = 0;
		off += (size_t)k;
		p += k;
		n -= (size_t)k;
	}
	if (close(fd) < 0 && r == 0 && write)
		r = -errno;
	return r;
}

/* ---- raw I2C --------------------------------------------------------------- */

/* The EEPROM's device, bound to its address.  -EBUSY: a kernel driver
 * (at24) owns the address; use its sysfs file instead. */
static int eeprom_dev(const struct cfg_fru *f, struct i2c_dev *d)
{
	int r;

	i2c_dev_init_bus(d, f->i2c_bus, f->i2c_addr);
	r = i2c_dev_bind(d);
	if (r < 0)
		i2c_dev_close(d);
	return r;
}

/* Run op until it succeeds, the EEPROM being busy (NAK) for a while.  A
 * timeout is not a busy EEPROM but a device holding the bus, each try
 * costing the adapter timeout in the loop: no retry. */
#define I2C_RETRY(res, op)							\
	do {									\
		for (int try_ = 0;; try_++) {					\
			res = (op);						\
			if (res >= 0 || res == -ETIMEDOUT || try_ >= WRITE_CYCLE_TRIES) \
				break;						\
			pause_ms(1);						\
		}								\
	} while (0)

static int i2c_read(const struct cfg_fru *f, uint8_t *buf, size_t len)
{
	struct i2c_dev d;
	int v = eeprom_dev(f, &d);

	if (v < 0)
		return v;
	if (f->i2c_addr_width == 2) {
		I2C_RETRY(v, i2c_dev_smbus_write(&d, 0, 0, 1));
		for (size_t i = 0; i < len && v >= 0; i++) {
			v = i2c_dev_smbus_read_byte(&d);
			buf[i] = (uint8_t)v;
		}
	} else {
		for (size_t i = 0; i < len && v >= 0; i++) {
			I2C_RETRY(v, i2c_dev_smbus_read(&d, (uint8_t)i, 1));
			buf[i] = (uint8_t)v;
		}
	}
	i2c_dev_close(&d);
	return v < 0 ? v : 0;
}

static int i2c_write(const struct cfg_fru *f, size_t off, const uint8_t *p, size_t n)
{
	struct i2c_dev d;
	int v = eeprom_dev(f, &d);

	if (v < 0)
		return v;
	for (size_t i = 0; i < n && v >= 0; i++) {
		size_t a = off + i;

		if (f->i2c_addr_width == 2)
			I2C_RETRY(v, i2c_dev_smbus_write(&d, (uint8_t)(a >> 8),
							 (uint16_t)((a & 0xff) | p[i] << 8), 2));
		else
			I2C_RETRY(v, i2c_dev_smbus_write(&d, (uint8_t)a, p[i], 1));
	}
	i2c_dev_close(&d);
	return v < 0 ? v : 0;
}

/* ---- dispatch ---------------------------------------------------------------- */

int fru_eeprom_size(const struct cfg_fru *f, uint32_t *size)
{
	struct stat st;

	if (f->size) {
		*size = f->size;
		return 0;
	}
	if (f->source != FRU_SRC_EEPROM_FILE)
		return -EINVAL;
	if (stat(f->eeprom_path, &st) < 0)
		return -errno;
	if (st.st_size <= 0)
		return -ENODATA;
	*size = st.st_size > CFG_FRU_SIZE_MAX ? CFG_FRU_SIZE_MAX : (uint32_t)st.st_size;
	return 0;
}

int fru_eeprom_read(const struct cfg_fru *f, uint8_t *buf, size_t len)
{
	if (f->source == FRU_SRC_EEPROM_FILE)
		return file_rw(f->eeprom_path, false, 0, buf, len);
	if (f->source == FRU_SRC_EEPROM_I2C)
		return i2c_read(f, buf, len);
	return -EINVAL;
}

int fru_eeprom_write(const struct cfg_fru *f, size_t off, const uint8_t *p, size_t n)
{
	if (f->source == FRU_SRC_EEPROM_FILE)
		return file_rw(f->eeprom_path, true, off, (uint8_t *)p, n);
	if (f->source == FRU_SRC_EEPROM_I2C)
		return i2c_write(f, off, p, n);
	return -EINVAL;
}
