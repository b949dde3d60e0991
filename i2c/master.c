/* SPDX-License-Identifier: MIT */
/* Master Write-Read (App 52h): see i2c/master.h and docs/board-file.md. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/i2c.h>
#include <linux/i2c-dev.h>

#include "daemon/bmc.h"
#include "sensors/sensors.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "i2c/master.h"

#define I2C_TIMEOUT_10MS 10		/* adapter timeout: 100 ms, as sensors/ and fru/ use */

/* ---- the request ---------------------------------------------------------- */

int i2c_parse_request(const uint8_t *p, size_t len, struct i2c_request *q)
{
	struct rbuf r = rb_init(p, len);
	uint8_t bus, addr;

	bus = rb_u8(&r);
	addr = rb_u8(&r);
	q->read_count = rb_u8(&r);
	if (!rb_ok(&r))
		return CC_REQ_LEN;
	q->wlen = rb_left(&r);
	q->wdata = rb_take(&r, q->wlen);
	q->public = !(bus & 0x01);
	if (q->public) {
		if (bus & 0x0e)		/* bus ID: always 000b on a public bus */
			return CC_INVALID_FIELD;
		q->id = bus >> 4;	/* channel */
	} else {
		q->id = (bus >> 1) & 0x07;	/* channel bits 7:4 are ignored */
	}
	if (addr & 0x01)		/* reserved */
		return CC_INVALID_FIELD;
	q->addr = addr >> 1;
	return CC_OK;
}

const struct cfg_i2c_bus *i2c_find_bus(const struct cfg_i2c *cfg, const struct i2c_request *q)
{
	for (unsigned i = 0; i < cfg->n_buses; i++)
		if (cfg->buses[i].public == q->public && cfg->buses[i].id == q->id)
			return &cfg->buses[i];
	return NULL;
}

int i2c_check_allowed(const struct cfg_i2c_bus *bus, const struct i2c_request *q, const char **why)
{
	for (unsigned i = 0; i < bus->n_allow; i++) {
		const struct cfg_i2c_allow *a = &bus->allow[i];

		if (a->addr != q->addr)
			continue;
		/* Read-only: the write may only set the register pointer. */
		if (a->write || q->wlen <= a->pointer_bytes)
			return CC_OK;
		*why = "read-only: more write data than the register pointer";
		return CC_INSUFFICIENT_PRIV;
	}
	*why = "not in the board's allow-list";
	return CC_INSUFFICIENT_PRIV;
}

/* ---- Linux i2c-dev -------------------------------------------------------- */

/* errno of I2C_RDWR (the kernel's Documentation/i2c/fault-codes) to a
 * completion code. */
static int dev_cc(int err)
{
	switch (err) {
	case ENXIO:			/* no ACK in the address phase */
	case EREMOTEIO:			/* NAK during the transfer (several drivers) */
		return CC_I2C_NAK_ON_WRITE;
	case EAGAIN:			/* lost arbitration */
		return CC_I2C_LOST_ARBITRATION;
	case ETIMEDOUT:
	case EIO:
	case EBUSY:
	case EPROTO:
	case EBADMSG:
		return CC_I2C_BUS_ERROR;
	case EOPNOTSUPP:		/* e.g. an adapter that cannot send zero-length messages */
	case EINVAL:
		return CC_INVALID_FIELD;
	default:
		return CC_UNSPECIFIED;
	}
}

static int dev_xfer(int sim_dir_fd, const struct cfg_i2c *cfg, const struct cfg_i2c_bus *bus,
		    uint8_t addr, const uint8_t *w, size_t wlen, uint8_t *r, size_t rlen)
{
	uint8_t wcopy[IPMI_MAX_REQ];
	struct i2c_msg msgs[2];
	struct i2c_rdwr_ioctl_data xfer = { .msgs = msgs, .nmsgs = 0 };
	int fd, n, e;

	if (wlen > sizeof(wcopy))
		return CC_REQ_TOO_LONG;
	fd = open(bus->device, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		log_warning("i2c: %s: %m", bus->device);
		return CC_DEST_UNAVAILABLE;
	}
	/* No retries, a short adapter timeout: the event loop waits for this. */
	if (ioctl(fd, I2C_TIMEOUT, (unsigned long)I2C_TIMEOUT_10MS) < 0 ||
	    ioctl(fd, I2C_RETRIES, 0UL) < 0)
		log_debug("i2c: %s: cannot set timeout/retries: %m", bus->device);
	memcpy(wcopy, w, wlen);
	if (wlen > 0 || rlen == 0)	/* nothing to read: a (possibly empty) write */
		msgs[xfer.nmsgs++] = (struct i2c_msg){ .addr = addr, .flags = 0,
						       .len = (uint16_t)wlen, .buf = wcopy };
	if (rlen > 0)
		msgs[xfer.nmsgs++] = (struct i2c_msg){ .addr = addr, .flags = I2C_M_RD,
						       .len = (uint16_t)rlen, .buf = r };
	n = ioctl(fd, I2C_RDWR, &xfer);
	e = errno;
	close(fd);
	if (n < 0) {
		log_debug("i2c: %s 0x%02x: %s", bus->device, addr, strerror(e));
		return dev_cc(e);
	}
	if ((unsigned)n < xfer.nmsgs)	/* the read did not happen */
		return CC_I2C_TRUNCATED_READ;
	return CC_OK;
}

const struct i2c_ops i2c_dev_ops = { .name = "i2c-dev", .xfer = dev_xfer };

/* ---- simulated devices ---------------------------------------------------- */

/*
 * An EEPROM-like register file: the first write byte (two above 256 bytes,
 * high byte first) sets the pointer, the rest is written from there; reads
 * continue from the pointer; both wrap at the device's size.  Contents are
 * the file <sim dir>/i2c-<bus>-0x<addr>, 0xff where it does not reach (an
 * erased EEPROM).  The pointers live here, as a device's would.
 */
static uint16_t sim_ptr[I2C_MAX_BUSES][I2C_MAX_SIM];

void i2c_sim_file_name(const struct cfg_i2c_bus *bus, uint8_t addr, char *out, size_t size)
{
	snprintf(out, size, "i2c-%s%u-0x%02x", bus->public ? "public" : "private", bus->id, addr);
}

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

static int sim_write(int fd, uint32_t size, uint32_t off, const uint8_t *p, size_t n)
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

static int sim_xfer(int sim_dir_fd, const struct cfg_i2c *cfg, const struct cfg_i2c_bus *bus,
		    uint8_t addr, const uint8_t *w, size_t wlen, uint8_t *r, size_t rlen)
{
	const struct cfg_i2c_sim_dev *d = NULL;
	unsigned bi = (unsigned)(bus - cfg->buses), di = 0;
	size_t pw, data;
	uint16_t *ptr;
	char name[64];
	int fd, e = 0;

	for (unsigned i = 0; i < bus->n_sim && !d; i++)
		if (bus->sim_devs[i].addr == addr) {
			d = &bus->sim_devs[i];
			di = i;
		}
	if (!d)
		return CC_I2C_NAK_ON_WRITE;	/* nobody answers the address */
	if (bi >= I2C_MAX_BUSES || sim_dir_fd < 0)
		return CC_UNSPECIFIED;
	ptr = &sim_ptr[bi][di];
	pw = d->size > 256 ? 2 : 1;
	data = wlen > pw ? wlen - pw : 0;
	i2c_sim_file_name(bus, addr, name, sizeof(name));
	fd = openat(sim_dir_fd, name, (data ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC, 0600);
	if (fd < 0 && (data || errno != ENOENT)) {
		log_warning("i2c: sim %s: %m", name);
		return CC_UNSPECIFIED;
	}
	if (wlen >= pw) {		/* a shorter write leaves the pointer alone */
		*ptr = (uint16_t)((pw == 2 ? (unsigned)w[0] << 8 | w[1] : w[0]) % d->size);
		if (data) {
			e = sim_write(fd, d->size, *ptr, w + pw, data);
			*ptr = (uint16_t)((*ptr + data) % d->size);
		}
	}
	if (!e && rlen) {
		e = sim_read(fd, d->size, *ptr, r, rlen);
		*ptr = (uint16_t)((*ptr + rlen) % d->size);
	}
	if (fd >= 0)
		close(fd);
	if (e) {
		log_warning_errno(e, "i2c: sim %s", name);
		return CC_UNSPECIFIED;
	}
	return CC_OK;
}

const struct i2c_ops i2c_sim_ops = { .name = "sim", .xfer = sim_xfer };

/* ---- the command ---------------------------------------------------------- */

int i2c_master_write_read(const struct cfg_i2c *cfg, uint8_t priv, int sim_dir_fd,
			  const uint8_t *req, size_t len, struct wbuf *rsp)
{
	const struct cfg_i2c_bus *bus;
	const struct i2c_ops *ops;
	const char *why = "";
	struct i2c_request q;
	uint8_t *out;
	char where[32];
	int cc;

	if (priv < cfg->privilege)
		return CC_INSUFFICIENT_PRIV;
	cc = i2c_parse_request(req, len, &q);
	if (cc)
		return cc;
	bus = i2c_find_bus(cfg, &q);
	if (!bus)
		return CC_INVALID_FIELD;	/* no such bus on this board */
	snprintf(where, sizeof(where), "%s bus %u, 0x%02x", q.public ? "public" : "private",
		 q.id, q.addr);
	if (q.read_count > wb_room(rsp))
		return CC_CANT_RETURN_BYTES;
	cc = i2c_check_allowed(bus, &q, &why);
	if (cc) {
		log_warning("i2c: %s: refused (write %zu, read %u bytes): %s",
			    where, q.wlen, q.read_count, why);
		return cc;
	}
	out = wb_reserve(rsp, q.read_count);
	if (!out && q.read_count)
		return CC_CANT_RETURN_BYTES;
	ops = bus->sim ? &i2c_sim_ops : &i2c_dev_ops;
	cc = ops->xfer(sim_dir_fd, cfg, bus, q.addr, q.wdata, q.wlen, out, q.read_count);
	log_msg(q.wlen ? LOG_INFO : LOG_DEBUG, "i2c: %s (%s): wrote %zu, read %u bytes -> %02x",
		where, ops->name, q.wlen, q.read_count, cc);
	return cc;
}

int i2c_cmd_master_write_read(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	return i2c_master_write_read(&bmc->cfg.i2c, (uint8_t)req->priv, bmc->sensors->sim_fd,
				     req->data, req->len, rsp);
}
