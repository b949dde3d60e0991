/* SPDX-License-Identifier: MIT */
/* Master Write-Read (App 52h): see i2c/master.h and docs/board-file.md. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "daemon/bmc.h"
#include "sensors/sensors.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "i2c/dev.h"
#include "i2c/master.h"

/* ---- the request ---------------------------------------------------------- */

int i2c_parse_request(struct rbuf *r, struct i2c_request *q)
{
	uint8_t bus, addr;

	bus = rb_u8(r);
	addr = rb_u8(r);
	q->read_count = rb_u8(r);
	if (!rb_ok(r))
		return CC_REQ_LEN;
	q->wlen = rb_left(r);
	q->wdata = rb_take(r, q->wlen);
	if (!rb_done(r))
		return CC_REQ_LEN;
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

/* ---- the transaction ------------------------------------------------------ */

/* errno of a transfer (the kernel's Documentation/i2c/fault-codes, and
 * i2c/dev.h) to a completion code. */
static int xfer_cc(int err)
{
	switch (err) {
	case 0:
		return CC_OK;
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
	case ENODATA:			/* the read did not happen */
		return CC_I2C_TRUNCATED_READ;
	case EOPNOTSUPP:		/* e.g. an adapter that cannot send zero-length messages */
	case EINVAL:
		return CC_INVALID_FIELD;
	default:
		return CC_UNSPECIFIED;
	}
}

static int dev_transaction(const struct cfg_i2c_bus *bus, uint8_t addr, const uint8_t *w,
			   size_t wlen, uint8_t *r, size_t rlen, int *err)
{
	struct i2c_dev d;
	int e;

	*err = -EMSGSIZE;
	if (wlen > IPMI_MAX_REQ)
		return CC_REQ_TOO_LONG;
	i2c_dev_init(&d, bus->device, addr);
	e = i2c_dev_open(&d);
	*err = e;
	if (e < 0) {
		log_warning_errno(e, "i2c: %s", bus->device);
		return CC_DEST_UNAVAILABLE;
	}
	e = i2c_dev_xfer(&d, w, wlen, r, rlen);
	*err = e;
	i2c_dev_close(&d);
	if (e < 0)
		log_debug("i2c: %s 0x%02x: %s", bus->device, addr, strerror(-e));
	return xfer_cc(-e);
}

void i2c_sim_file_name(const struct cfg_i2c_bus *bus, uint8_t addr, char *out, size_t size)
{
	snprintf(out, size, "i2c-%s%u-0x%02x", bus->public ? "public" : "private", bus->id, addr);
}

/* A simulated device (i2c/dev.h); its register pointer lives in m, one
 * per device, as a device's own would. */
static int sim_transaction(struct i2c_master *m, int sim_dir_fd, const struct cfg_i2c *cfg,
			   const struct cfg_i2c_bus *bus, uint8_t addr, const uint8_t *w,
			   size_t wlen, uint8_t *r, size_t rlen, int *err)
{
	unsigned bi = (unsigned)(bus - cfg->buses), di;
	char name[I2C_DEV_PATH_MAX];
	struct i2c_dev d;
	int e;

	*err = -ENXIO;
	for (di = 0; di < bus->n_sim; di++)
		if (bus->sim_devs[di].addr == addr)
			break;
	if (di == bus->n_sim)
		return CC_I2C_NAK_ON_WRITE;	/* nobody answers the address */
	if (bi >= I2C_MAX_BUSES || di >= I2C_MAX_SIM || sim_dir_fd < 0)
		return CC_UNSPECIFIED;
	i2c_sim_file_name(bus, addr, name, sizeof(name));
	i2c_dev_init_sim(&d, sim_dir_fd, name, addr, bus->sim_devs[di].size);
	d.sim_ptr = m->sim_ptr[bi][di];
	e = i2c_dev_xfer(&d, w, wlen, r, rlen);
	*err = e;
	m->sim_ptr[bi][di] = d.sim_ptr;
	if (e == -ENXIO || e == -ETIMEDOUT) {
		/* a fault injected on the simulated bus: as the real bus's */
		log_debug("i2c: sim %s: %s", name, strerror(-e));
		return xfer_cc(-e);
	}
	if (e < 0) {
		/* the sim directory failed, not the simulated bus */
		log_warning_errno(e, "i2c: sim %s", name);
		return CC_UNSPECIFIED;
	}
	return CC_OK;
}

/* ---- back-off (i2c/dev.h) ------------------------------------------------- */

/* The device's back-off entry, or NULL: it is not backing off. */
static struct i2c_master_backoff *backoff_find(struct i2c_master *m, unsigned bus, uint8_t addr)
{
	for (unsigned i = 0; i < I2C_MAX_BACKOFF; i++) {
		struct i2c_master_backoff *e = &m->backoff[i];

		if (e->b.delay_ms && e->bus == bus && e->addr == addr)
			return e;
	}
	return NULL;
}

/* A free entry; all taken: the one whose period ends first (that device
 * is only probed earlier). */
static struct i2c_master_backoff *backoff_new(struct i2c_master *m, unsigned bus, uint8_t addr)
{
	struct i2c_master_backoff *e = &m->backoff[0];

	for (unsigned i = 0; i < I2C_MAX_BACKOFF; i++) {
		if (!m->backoff[i].b.delay_ms) {
			e = &m->backoff[i];
			break;
		}
		if (m->backoff[i].b.until_usec < e->b.until_usec)
			e = &m->backoff[i];
	}
	*e = (struct i2c_master_backoff){ .bus = (uint8_t)bus, .addr = addr };
	return e;
}

/* After a transfer to the device (err: its result): start, grow or end
 * its back-off, logged once each way. */
static void backoff_update(struct i2c_master *m, unsigned bus, uint8_t addr, const char *where,
			   int err, uint64_t t0, uint64_t t1)
{
	struct i2c_master_backoff *e = backoff_find(m, bus, addr);
	struct i2c_backoff fresh = { 0 };

	switch (i2c_backoff_done(e ? &e->b : &fresh, err, t0, t1)) {
	case I2C_BACKOFF_START:
		e = backoff_new(m, bus, addr);
		e->b = fresh;
		log_warning("i2c: %s: holds the bus (%s after %" PRIu64 " ms): unavailable; "
			    "tried again after %u s, then at growing intervals up to %u s",
			    where, strerror(-err), (t1 - t0) / 1000, e->b.delay_ms / 1000,
			    I2C_BACKOFF_MAX_MS / 1000);
		break;
	case I2C_BACKOFF_AGAIN:
		log_debug("i2c: %s: still holds the bus; next probe in %u s", where,
			  e->b.delay_ms / 1000);
		break;
	case I2C_BACKOFF_END:
		if (err < 0)
			log_notice("i2c: %s: no longer holds the bus (now: %s)", where,
				   strerror(-err));
		else
			log_notice("i2c: %s: answers again", where);
		break;
	case I2C_BACKOFF_NONE:
		break;
	}
}

/* ---- the command ---------------------------------------------------------- */

int i2c_master_write_read(struct i2c_master *m, const struct cfg_i2c *cfg, uint8_t priv,
			  int sim_dir_fd, struct rbuf *req, struct wbuf *rsp)
{
	const struct cfg_i2c_bus *bus;
	const struct i2c_master_backoff *held;
	const char *why = "";
	struct i2c_request q;
	uint64_t t0, t1;
	unsigned bi;
	uint8_t *out;
	char where[32];
	int cc, err = 0;

	if (priv < cfg->privilege)
		return CC_INSUFFICIENT_PRIV;
	cc = i2c_parse_request(req, &q);
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
	/* A device that held the bus is left alone until its probe is due:
	 * the answer is its failure's, at once. */
	bi = (unsigned)(bus - cfg->buses);
	held = backoff_find(m, bi, q.addr);
	t0 = i2c_now_usec();
	if (held && (err = i2c_backoff_check(&held->b, t0)) < 0) {
		log_debug("i2c: %s: unavailable (backing off: %s)", where, strerror(-err));
		return xfer_cc(-err);
	}
	if (bus->sim)
		cc = sim_transaction(m, sim_dir_fd, cfg, bus, q.addr, q.wdata, q.wlen, out,
				     q.read_count, &err);
	else
		cc = dev_transaction(bus, q.addr, q.wdata, q.wlen, out, q.read_count, &err);
	t1 = i2c_now_usec();
	backoff_update(m, bi, q.addr, where, err, t0, t1);
	log_msg(q.wlen ? LOG_INFO : LOG_DEBUG, "i2c: %s (%s): wrote %zu, read %u bytes -> %02x",
		where, bus->sim ? "sim" : "i2c-dev", q.wlen, q.read_count, cc);
	return cc;
}

int i2c_cmd_master_write_read(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);

	/* The simulated devices' contents share the sensors' sim directory. */
	return i2c_master_write_read(bmc->i2c, &bmc->cfg.i2c, (uint8_t)req->priv,
				     bmc->sensors->sim_fd, &r, rsp);
}
