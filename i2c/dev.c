/* SPDX-License-Identifier: MIT */
/* One I2C device, real or simulated: see i2c/dev.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <i2c/smbus.h>
#include <linux/i2c.h>
#include <linux/i2c-dev.h>

#include "i2c/dev.h"

#define I2C_TIMEOUT_10MS 10		/* adapter timeout: 100 ms */

void i2c_dev_init(struct i2c_dev *d, const char *path, uint8_t addr)
{
	*d = (struct i2c_dev){ .addr = addr, .fd = -EBADF, .sim_dir_fd = -EBADF };
	snprintf(d->path, sizeof(d->path), "%s", path);
}

void i2c_dev_init_bus(struct i2c_dev *d, unsigned bus, uint8_t addr)
{
	char path[32];

	snprintf(path, sizeof(path), "/dev/i2c-%u", bus);
	i2c_dev_init(d, path, addr);
}

void i2c_dev_init_sim(struct i2c_dev *d, int dir_fd, const char *name, uint8_t addr,
		      uint32_t size)
{
	i2c_dev_init(d, name, addr);
	d->sim = true;
	d->sim_dir_fd = dir_fd;
	d->sim_size = size ? size : 1;
}

int i2c_dev_open(struct i2c_dev *d)
{
	if (d->sim || d->fd >= 0)
		return 0;
	d->fd = open(d->path, O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (d->fd < 0)
		return d->fd = -errno;
	d->bound = false;
	/* No adapter retries, a short adapter timeout: the event loop waits
	 * for every transfer.  Best effort: a node that refuses these still
	 * transfers with the adapter's defaults. */
	(void)ioctl(d->fd, I2C_TIMEOUT, (unsigned long)I2C_TIMEOUT_10MS);
	(void)ioctl(d->fd, I2C_RETRIES, 0UL);
	return 0;
}

void i2c_dev_close(struct i2c_dev *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -EBADF;
	d->bound = false;
}

/* ---- Linux i2c-dev ------------------------------------------------------- */

static void set_msg(struct i2c_msg *m, uint16_t addr, uint16_t flags, const uint8_t *buf, size_t len)
{
	m->addr = addr;
	m->flags = flags;
	m->len = (uint16_t)len;
	m->buf = (uint8_t *)(uintptr_t)buf;
}

static int dev_xfer(struct i2c_dev *d, const uint8_t *w, size_t wlen, uint8_t *r, size_t rlen)
{
	struct i2c_msg msgs[2];
	struct i2c_rdwr_ioctl_data x;
	int n;

	/* The kernel copies whole structs in, padding included. */
	memset(msgs, 0, sizeof(msgs));
	memset(&x, 0, sizeof(x));
	x.msgs = msgs;
	if (wlen > UINT16_MAX || rlen > UINT16_MAX)
		return -EINVAL;
	n = i2c_dev_open(d);
	if (n < 0)
		return n;
	/* The kernel only reads a message without I2C_M_RD. */
	if (wlen > 0 || rlen == 0)	/* nothing to read: a (possibly empty) write */
		set_msg(&msgs[x.nmsgs++], d->addr, 0, w, wlen);
	if (rlen > 0)
		set_msg(&msgs[x.nmsgs++], d->addr, I2C_M_RD, r, rlen);
	n = ioctl(d->fd, I2C_RDWR, &x);
	if (n < 0)
		return -errno;
	if ((unsigned)n < x.nmsgs)	/* the read did not happen */
		return -ENODATA;
	return 0;
}

int i2c_dev_bind(struct i2c_dev *d)
{
	int r;

	if (d->sim)
		return -EOPNOTSUPP;
	r = i2c_dev_open(d);
	if (r < 0)
		return r;
	if (!d->bound && ioctl(d->fd, I2C_SLAVE, (unsigned long)d->addr) < 0)
		return -errno;
	d->bound = true;
	return 0;
}

static int sim_xfer(struct i2c_dev *d, const uint8_t *w, size_t wlen, uint8_t *r, size_t rlen);

/* libi2c returns -errno (i2c-tools 4) or -1 with errno set (older). */
static int smbus_result(int32_t v)
{
	if (v >= 0)
		return v;
	if (v == -1 && errno > 0)
		return -errno;
	return v;
}

int i2c_dev_smbus_read(struct i2c_dev *d, uint8_t reg, unsigned width)
{
	int r;

	if (d->sim) {			/* the same combined transfer on the wire */
		uint8_t b[2] = { 0 };

		r = sim_xfer(d, &reg, 1, b, width == 2 ? 2 : 1);
		return r < 0 ? r : width == 2 ? b[0] | b[1] << 8 : b[0];
	}
	r = i2c_dev_bind(d);

	if (r < 0)
		return r;
	errno = 0;
	return smbus_result(width == 2 ? i2c_smbus_read_word_data(d->fd, reg)
				       : i2c_smbus_read_byte_data(d->fd, reg));
}

int i2c_dev_smbus_read_byte(struct i2c_dev *d)
{
	int r;

	if (d->sim) {
		uint8_t b = 0;

		r = sim_xfer(d, NULL, 0, &b, 1);
		return r < 0 ? r : b;
	}
	r = i2c_dev_bind(d);

	if (r < 0)
		return r;
	errno = 0;
	return smbus_result(i2c_smbus_read_byte(d->fd));
}

int i2c_dev_smbus_write(struct i2c_dev *d, uint8_t reg, uint16_t value, unsigned width)
{
	int r;

	if (d->sim) {
		const uint8_t w[3] = { reg, (uint8_t)value, (uint8_t)(value >> 8) };

		return sim_xfer(d, w, width == 2 ? 3 : 2, NULL, 0);
	}
	r = i2c_dev_bind(d);

	if (r < 0)
		return r;
	errno = 0;
	return smbus_result(width == 2 ? i2c_smbus_write_word_data(d->fd, reg, value)
				       : i2c_smbus_write_byte_data(d->fd, reg, (uint8_t)value));
}

/* ---- simulated register file ------------------------------------------------ */

/* n bytes at off (wrapping at size) from the file; 0xff past its end. */
static int sim_read(int fd, uint32_t size, uint32_t off, uint8_t *p, size_t n)
{
	while (n > 0) {
		size_t chunk = n < size - off ? n : size - off;
		ssize_t got = fd < 0 ? 0 : pread(fd, p, chunk, off);

		if (got < 0)
			return -errno;
		memset(p + got, 0xff, chunk - (size_t)got);
		p += chunk;
		n -= chunk;
		off = (uint32_t)((off + chunk) % size);
	}
	return 0;
}

/* Grow the file to size with 0xff (an erased EEPROM). */
static int sim_fill(int fd, uint32_t size)
{
	struct stat st;
	uint8_t ff[256];

	if (fstat(fd, &st) < 0)
		return -errno;
	memset(ff, 0xff, sizeof(ff));
	for (off_t at = st.st_size; at < (off_t)size; at += (off_t)sizeof(ff)) {
		size_t k = (off_t)size - at < (off_t)sizeof(ff) ? (size_t)((off_t)size - at) : sizeof(ff);
		ssize_t put = pwrite(fd, ff, k, at);

		if (put < 0)
			return -errno;
		if ((size_t)put != k)
			return -EIO;
	}
	return 0;
}

static int sim_write(int fd, uint32_t size, uint32_t off, const uint8_t *p, size_t n)
{
	int r = sim_fill(fd, size);

	if (r < 0)
		return r;
	while (n > 0) {
		size_t chunk = n < size - off ? n : size - off;
		ssize_t put = pwrite(fd, p, chunk, off);

		if (put < 0)
			return -errno;
		if ((size_t)put != chunk)
			return -EIO;
		p += chunk;
		n -= chunk;
		off = (uint32_t)((off + chunk) % size);
	}
	return 0;
}

/* The fault a test planted for the device: "<name>.fault" in the sim
 * directory holding "nak" or "stall" (i2c/dev.h).  0: none. */
static int sim_fault(const struct i2c_dev *d)
{
	char name[I2C_DEV_PATH_MAX + 8], buf[16];
	ssize_t n;
	int fd;

	snprintf(name, sizeof(name), "%s.fault", d->path);
	fd = openat(d->sim_dir_fd, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	buf[strcspn(buf, " \t\n")] = '\0';
	if (!strcmp(buf, "nak"))
		return -ENXIO;
	if (!strcmp(buf, "stall")) {
		/* What a real adapter does with a slave holding SCL low: the
		 * transfer waits out the adapter timeout (the loop with it). */
		struct timespec ts = { 0, I2C_TIMEOUT_10MS * 10000000L };

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
		return -ETIMEDOUT;
	}
	return 0;
}

static int sim_xfer(struct i2c_dev *d, const uint8_t *w, size_t wlen, uint8_t *r, size_t rlen)
{
	size_t pw = d->sim_size > 256 ? 2 : 1;
	size_t data = wlen > pw ? wlen - pw : 0;
	int fd, e = 0;

	if (d->sim_dir_fd < 0)
		return -EBADF;
	e = sim_fault(d);
	if (e < 0)
		return e;
	fd = openat(d->sim_dir_fd, d->path, (data ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC, 0600);
	if (fd < 0 && (data || errno != ENOENT))
		return -errno;
	if (wlen >= pw) {		/* a shorter write leaves the pointer alone */
		d->sim_ptr = (uint16_t)((pw == 2 ? (unsigned)w[0] << 8 | w[1] : w[0]) % d->sim_size);
		if (data) {
			e = sim_write(fd, d->sim_size, d->sim_ptr, w + pw, data);
			d->sim_ptr = (uint16_t)((d->sim_ptr + data) % d->sim_size);
		}
	}
	if (!e && rlen) {
		e = sim_read(fd, d->sim_size, d->sim_ptr, r, rlen);
		d->sim_ptr = (uint16_t)((d->sim_ptr + rlen) % d->sim_size);
	}
	if (fd >= 0)
		close(fd);
	return e;
}

int i2c_dev_xfer(struct i2c_dev *d, const uint8_t *w, size_t wlen, uint8_t *r, size_t rlen)
{
	return d->sim ? sim_xfer(d, w, wlen, r, rlen) : dev_xfer(d, w, wlen, r, rlen);
}

/* ---- back-off ------------------------------------------------------------- */

uint64_t i2c_now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int i2c_backoff_check(const struct i2c_backoff *b, uint64_t now_usec)
{
	if (b->delay_ms && now_usec < b->until_usec)
		return b->err < 0 ? b->err : -ETIMEDOUT;
	return 0;
}

enum i2c_backoff_event i2c_backoff_done(struct i2c_backoff *b, int r, uint64_t t0_usec,
					uint64_t t1_usec)
{
	bool slow = r < 0 && (r == -ETIMEDOUT || t1_usec - t0_usec >= I2C_BACKOFF_SLOW_USEC);
	bool was = b->delay_ms != 0;

	if (!slow) {
		*b = (struct i2c_backoff){ 0 };
		return was ? I2C_BACKOFF_END : I2C_BACKOFF_NONE;
	}
	if (!was)
		b->delay_ms = I2C_BACKOFF_MIN_MS;
	else if (b->delay_ms < I2C_BACKOFF_MAX_MS / 2)
		b->delay_ms *= 2;
	else
		b->delay_ms = I2C_BACKOFF_MAX_MS;
	b->err = r;
	b->until_usec = t1_usec + (uint64_t)b->delay_ms * 1000u;
	return was ? I2C_BACKOFF_AGAIN : I2C_BACKOFF_START;
}
