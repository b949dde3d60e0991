/* SPDX-License-Identifier: MIT */
/*
 * Master Write-Read (i2c/): the request's bit fields and reserved bits, the
 * board section's checks (the BMC's own FRU EEPROMs and sensors need
 * "shared"), the allow-list decisions, and the simulated EEPROM's pointer,
 * wrap-around and persistence in a scratch sim directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon/config.h"
#include "daemon/ipmi.h"
#include "i2c/dev.h"
#include "i2c/master.h"
#include "tap.h"

static char errs[4096];

static void collect(const char *msg, void *userdata)
{
	(void)userdata;
	snprintf(errs + strlen(errs), sizeof(errs) - strlen(errs), "%s\n", msg);
}

/* A minimal board with 'extra' top-level members ("\"i2c\": {...}"). */
static int parse(const char *extra, struct board_config *cfg)
{
	char text[4096];

	snprintf(text, sizeof(text),
		 "{\"name\": \"t\", \"users\": [{\"id\": 2, \"name\": \"admin\", \"password\": "
		 "\"password\", \"privilege\": \"administrator\", \"enabled\": true}], %s}", extra);
	errs[0] = '\0';
	return config_parse(text, strlen(text), cfg, collect, NULL);
}

static int parse_req(const uint8_t *p, size_t len, struct i2c_request *q)
{
	struct rbuf r = rb_init(p, len);

	return i2c_parse_request(&r, q);
}

static void test_parse_request(void)
{
	struct i2c_request q;
	const uint8_t priv[] = { 0xf7, 0xae, 0x04, 0x10, 0x20 };	/* private bus 3, channel bits ignored */
	const uint8_t pub[] = { 0x20, 0xa0, 0x00 };			/* public, channel 2 */

	CHECK(parse_req(priv, sizeof(priv), &q) == CC_OK);
	CHECK(!q.public && q.id == 3 && q.addr == 0x57 && q.read_count == 4);
	CHECK(q.wlen == 2 && q.wdata[0] == 0x10 && q.wdata[1] == 0x20);
	CHECK(parse_req(pub, sizeof(pub), &q) == CC_OK);
	CHECK(q.public && q.id == 2 && q.addr == 0x50 && q.read_count == 0 && q.wlen == 0);
	/* a public bus has bus ID 000b; bit 0 of the address is reserved */
	for (uint8_t b = 1; b < 8; b++) {
		const uint8_t bad[] = { (uint8_t)(b << 1), 0xa0, 1 };

		CHECK(parse_req(bad, sizeof(bad), &q) == CC_INVALID_FIELD);
	}
	const uint8_t odd[] = { 0x01, 0xa1, 1 };
	CHECK(parse_req(odd, sizeof(odd), &q) == CC_INVALID_FIELD);
	CHECK(parse_req(priv, 2, &q) == CC_REQ_LEN);
	CHECK(parse_req(priv, 0, &q) == CC_REQ_LEN);
}

static void test_config(void)
{
	static struct board_config cfg;

	/* no section: nothing reachable, administrator */
	CHECK(parse("\"sel\": {}", &cfg) == 0);
	CHECK(cfg.i2c.n_buses == 0 && cfg.i2c.privilege == PRIV_ADMIN);

	CHECK(parse("\"i2c\": {\"privilege\": \"operator\", \"buses\": ["
		    "{\"bus\": \"private\", \"id\": 2, \"sim\": true, \"devices\": [{\"address\": 87}, "
		    "{\"address\": \"0x50\", \"size\": 4096}], \"allow\": [{\"address\": \"0x57\", "
		    "\"write\": true}, {\"address\": 80, \"pointer_bytes\": 2}]},"
		    "{\"bus\": \"public\", \"channel\": 0, \"device\": \"/dev/i2c-12\"}]}", &cfg) == 0);
	printf("%s", errs);
	CHECK(cfg.i2c.privilege == PRIV_OPERATOR && cfg.i2c.n_buses == 2);
	CHECK(!cfg.i2c.buses[0].public && cfg.i2c.buses[0].id == 2 && cfg.i2c.buses[0].sim);
	CHECK(cfg.i2c.buses[0].n_sim == 2 && cfg.i2c.buses[0].sim_devs[0].size == 256 &&
	      cfg.i2c.buses[0].sim_devs[1].addr == 0x50 && cfg.i2c.buses[0].sim_devs[1].size == 4096);
	CHECK(cfg.i2c.buses[0].n_allow == 2 && cfg.i2c.buses[0].allow[0].write &&
	      cfg.i2c.buses[0].allow[0].pointer_bytes == 1 && !cfg.i2c.buses[0].allow[1].write &&
	      cfg.i2c.buses[0].allow[1].pointer_bytes == 2);
	CHECK(cfg.i2c.buses[1].public && cfg.i2c.buses[1].id == 0 && cfg.i2c.buses[1].linux_bus == 12);

	/* the BMC's own FRU EEPROM (raw I2C, or at24 sysfs) and sensor devices */
	CHECK(parse("\"fru\": [{\"id\": 0, \"eeprom\": {\"bus\": 7, \"address\": 80}}, "
		    "{\"id\": 1, \"eeprom\": {\"path\": \"/sys/bus/i2c/devices/7-0051/eeprom\"}}], "
		    "\"sensors\": [{\"name\": \"T\", \"type\": \"temperature\", \"units\": \"degrees C\", "
		    "\"source\": {\"kind\": \"hwmon\", \"name\": \"lm75\", \"device\": \"7-0048\", "
		    "\"channel\": \"temp1\"}}], "
		    "\"i2c\": {\"buses\": [{\"bus\": \"private\", \"id\": 0, \"device\": \"/dev/i2c-7\", "
		    "\"allow\": [{\"address\": \"0x50\"}, {\"address\": \"0x51\"}, {\"address\": \"0x48\"}, "
		    "{\"address\": \"0x49\"}]}]}", &cfg) < 0);
	CHECK(strstr(errs, "i2c.buses[0].allow[0]: 0x50 on /dev/i2c-7 is FRU 0's EEPROM") != NULL);
	CHECK(strstr(errs, "i2c.buses[0].allow[1]: 0x51 on /dev/i2c-7 is FRU 1's EEPROM") != NULL);
	CHECK(strstr(errs, "i2c.buses[0].allow[2]: 0x48 on /dev/i2c-7 is sensor \"T\"") != NULL);
	CHECK(strstr(errs, "allow[3]") == NULL);
	/* said so: accepted; another bus number: not the same device */
	CHECK(parse("\"fru\": [{\"id\": 0, \"eeprom\": {\"bus\": 7, \"address\": 80}}], "
		    "\"i2c\": {\"buses\": [{\"bus\": \"private\", \"id\": 0, \"device\": \"/dev/i2c-7\", "
		    "\"allow\": [{\"address\": \"0x50\", \"shared\": true}]}, {\"bus\": \"private\", "
		    "\"id\": 1, \"device\": \"/dev/i2c-8\", \"allow\": [{\"address\": \"0x50\"}]}]}",
		    &cfg) == 0);

	/* mistakes, each reported with its path */
	static const char *const bad[] = {
		"{\"bus\": \"private\", \"id\": 8, \"sim\": true}, "
		"{\"bus\": \"private\", \"id\": 1, \"sim\": true, \"device\": \"/dev/i2c-1\"}, "
		"{\"bus\": \"public\", \"sim\": true}, {\"id\": 1, \"sim\": true}, "
		"{\"bus\": \"private\", \"id\": 2}, "
		"{\"bus\": \"private\", \"id\": 3, \"device\": \"/dev/i2c-3\", \"devices\": []}], "
		"\"privilege\": \"user\"",
		"{\"bus\": \"private\", \"id\": 4, \"sim\": true, \"allow\": [{\"address\": \"0x78\"}, "
		"{\"address\": \"57\"}, {\"address\": 2}, {\"address\": \"0x57\", \"pointer_bytes\": 3}, "
		"{\"address\": \"0x20\"}, {\"address\": \"0x20\"}, {\"addr\": 1}]}, "
		"{\"bus\": \"private\", \"id\": 5, \"sim\": true}, {\"bus\": \"private\", \"id\": 5, "
		"\"sim\": true}, {\"bus\": \"isa\"}]",
	};
	static const char *const want[2][12] = { {
		"i2c.buses[0].id: ", "i2c.buses[1]: give \"device\" or \"sim\": true, not both",
		"i2c.buses[2]: a public bus needs \"channel\"", "i2c.buses[3]: needs \"bus\"",
		"i2c.buses[4]: needs \"device\"", "i2c.buses[5].devices: simulated devices need",
		"i2c.privilege: \"user\"", NULL
	}, {
		"i2c.buses[0].allow[0].address: ", "i2c.buses[0].allow[1].address: \"57\" is not",
		"i2c.buses[0].allow[2].address: ", "i2c.buses[0].allow[3].pointer_bytes: ",
		"i2c.buses[0].allow[5]: address 0x20 is listed twice", "i2c.buses[0].allow[6]",
		"i2c.buses[2]: private bus 5 is listed twice", "i2c.buses[3].bus: \"isa\"", NULL
	} };
	for (int i = 0; i < 2; i++) {
		char text[2048];

		snprintf(text, sizeof(text), "\"i2c\": {\"buses\": [%s}", bad[i]);
		CHECK(parse(text, &cfg) < 0);
		for (const char *const *w = want[i]; *w; w++) {
			bool found = strstr(errs, *w) != NULL;

			CHECK(found);
			if (!found)
				fprintf(stderr, "  missing \"%s\" in:\n%s", *w, errs);
		}
	}
}

/* One command through i2c_master_write_read(); the response in out/len. */
static struct i2c_master mst;	/* one BMC's Master Write-Read state */

static int mwr(const struct cfg_i2c *ic, uint8_t priv, int dir, const uint8_t *req, size_t n,
	       uint8_t *out, size_t cap, size_t *len)
{
	struct wbuf w = wb_init(out, cap);
	struct rbuf r = rb_init(req, n);
	int cc = i2c_master_write_read(&mst, ic, priv, dir, &r, &w);

	*len = w.len;
	return cc;
}

static void test_sim(void)
{
	static struct board_config cfg;
	char dir[] = "/tmp/bmcd-test-i2c-XXXXXX", path[256];
	uint8_t out[IPMI_MAX_RSP], file[300];
	size_t len;
	int fd;

	if (!mkdtemp(dir))
		abort();
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(parse("\"i2c\": {\"buses\": [{\"bus\": \"private\", \"id\": 0, \"sim\": true, "
		    "\"devices\": [{\"address\": \"0x57\"}, {\"address\": \"0x50\", \"size\": 512}, "
		    "{\"address\": \"0x48\", \"size\": 2}], \"allow\": [{\"address\": \"0x57\", \"write\": true}, "
		    "{\"address\": \"0x50\", \"write\": true}, {\"address\": \"0x48\", \"pointer_bytes\": 0}, "
		    "{\"address\": \"0x58\", \"write\": true}]}]}", &cfg) == 0);
	const struct cfg_i2c *ic = &cfg.i2c;

	/* a blank device reads as erased: ff */
	const uint8_t rd0[] = { 0x01, 0xae, 4, 0x00 };
	CHECK(mwr(ic, PRIV_ADMIN, fd, rd0, sizeof(rd0), out, sizeof(out), &len) == CC_OK);
	CHECK(len == 4 && out[0] == 0xff && out[3] == 0xff);
	/* write at fe: wraps to 00; the file holds it */
	const uint8_t wr[] = { 0x01, 0xae, 0, 0xfe, 0x11, 0x22, 0x33 };
	CHECK(mwr(ic, PRIV_ADMIN, fd, wr, sizeof(wr), out, sizeof(out), &len) == CC_OK && len == 0);
	snprintf(path, sizeof(path), "%s/i2c-private0-0x57", dir);
	{
		FILE *f = fopen(path, "rb");
		size_t got = f ? fread(file, 1, sizeof(file), f) : 0;

		if (f)
			fclose(f);
		CHECK(got == 256 && file[0xfe] == 0x11 && file[0xff] == 0x22 && file[0] == 0x33 &&
		      file[1] == 0xff);
	}
	/* the pointer continues after the write: a read without write data */
	const uint8_t cont[] = { 0x01, 0xae, 2 };
	CHECK(mwr(ic, PRIV_ADMIN, fd, cont, sizeof(cont), out, sizeof(out), &len) == CC_OK);
	CHECK(len == 2 && out[0] == 0xff && out[1] == 0xff);	/* bytes 01, 02 */
	const uint8_t rdw[] = { 0x01, 0xae, 3, 0xfe };
	CHECK(mwr(ic, PRIV_ADMIN, fd, rdw, sizeof(rdw), out, sizeof(out), &len) == CC_OK);
	CHECK(len == 3 && out[0] == 0x11 && out[1] == 0x22 && out[2] == 0x33);
	/* the pointer is one BMC's (struct i2c_master), not the process's:
	 * another instance's device starts at 00 */
	{
		struct i2c_master mine = mst;

		memset(&mst, 0, sizeof(mst));
		CHECK(mwr(ic, PRIV_ADMIN, fd, cont, sizeof(cont), out, sizeof(out), &len) == CC_OK);
		CHECK(len == 2 && out[0] == 0x33 && out[1] == 0xff);	/* bytes 00, 01 */
		mst = mine;
		CHECK(mwr(ic, PRIV_ADMIN, fd, cont, sizeof(cont), out, sizeof(out), &len) == CC_OK);
		CHECK(len == 2 && out[0] == 0xff && out[1] == 0xff);	/* this one's: 01, 02 */
	}
	/* 512 bytes: a two-byte pointer, high byte first */
	const uint8_t w2[] = { 0x01, 0xa0, 0, 0x01, 0x80, 0xab };
	CHECK(mwr(ic, PRIV_ADMIN, fd, w2, sizeof(w2), out, sizeof(out), &len) == CC_OK);
	const uint8_t r2[] = { 0x01, 0xa0, 1, 0x01, 0x80 };
	CHECK(mwr(ic, PRIV_ADMIN, fd, r2, sizeof(r2), out, sizeof(out), &len) == CC_OK);
	CHECK(len == 1 && out[0] == 0xab);
	/* pointer_bytes 0: a pure read is fine, any write byte is refused */
	const uint8_t r0[] = { 0x01, 0x90, 2 }, r0w[] = { 0x01, 0x90, 2, 0x00 };
	CHECK(mwr(ic, PRIV_ADMIN, fd, r0, sizeof(r0), out, sizeof(out), &len) == CC_OK && len == 2);
	CHECK(mwr(ic, PRIV_ADMIN, fd, r0w, sizeof(r0w), out, sizeof(out), &len) == CC_INSUFFICIENT_PRIV);
	/* allowed but nobody there: NAK; not allowed: D4h; no such bus: CCh */
	const uint8_t absent[] = { 0x01, 0xb0, 1, 0x00 }, denied[] = { 0x01, 0xa2, 1, 0x00 },
		      nobus[] = { 0x03, 0xae, 1, 0x00 }, pub[] = { 0x00, 0xae, 1, 0x00 };
	CHECK(mwr(ic, PRIV_ADMIN, fd, absent, sizeof(absent), out, sizeof(out), &len) == CC_I2C_NAK_ON_WRITE);
	CHECK(mwr(ic, PRIV_ADMIN, fd, denied, sizeof(denied), out, sizeof(out), &len) == CC_INSUFFICIENT_PRIV);
	CHECK(mwr(ic, PRIV_ADMIN, fd, nobus, sizeof(nobus), out, sizeof(out), &len) == CC_INVALID_FIELD);
	CHECK(mwr(ic, PRIV_ADMIN, fd, pub, sizeof(pub), out, sizeof(out), &len) == CC_INVALID_FIELD);
	/* below the section's privilege (administrator by default) */
	CHECK(mwr(ic, PRIV_OPERATOR, fd, rd0, sizeof(rd0), out, sizeof(out), &len) == CC_INSUFFICIENT_PRIV);
	/* more than the response can hold: CAh; exactly as much: fine */
	const uint8_t big[] = { 0x01, 0xae, 17, 0x00 }, fits[] = { 0x01, 0xae, 16, 0x00 };
	CHECK(mwr(ic, PRIV_ADMIN, fd, big, sizeof(big), out, 16, &len) == CC_CANT_RETURN_BYTES);
	CHECK(mwr(ic, PRIV_ADMIN, fd, fits, sizeof(fits), out, 16, &len) == CC_OK && len == 16);
	/* no sim directory: FFh, never a crash */
	CHECK(mwr(ic, PRIV_ADMIN, -1, rd0, sizeof(rd0), out, sizeof(out), &len) == CC_UNSPECIFIED);

	/* A device that holds the bus (the sim's "stall" knob): the first
	 * transfer waits out the adapter timeout, then the device is left
	 * alone: answers are 82h at once until its probe is due. */
	{
		char knob[300];
		uint64_t t0, t1;
		FILE *f;

		snprintf(knob, sizeof(knob), "%s/i2c-private0-0x57.fault", dir);
		f = fopen(knob, "w");
		CHECK(f && fputs("stall\n", f) >= 0);
		if (f)
			fclose(f);
		t0 = i2c_now_usec();
		CHECK(mwr(ic, PRIV_ADMIN, fd, rd0, sizeof(rd0), out, sizeof(out), &len) == CC_I2C_BUS_ERROR);
		t1 = i2c_now_usec();
		CHECK(t1 - t0 >= 90000);
		CHECK(mst.backoff[0].b.delay_ms == I2C_BACKOFF_MIN_MS && mst.backoff[0].addr == 0x57);
		CHECK(mwr(ic, PRIV_ADMIN, fd, rd0, sizeof(rd0), out, sizeof(out), &len) == CC_I2C_BUS_ERROR);
		CHECK(i2c_now_usec() - t1 < 50000);	/* no transfer: no timeout */
		/* other devices on the bus still work */
		CHECK(mwr(ic, PRIV_ADMIN, fd, r2, sizeof(r2), out, sizeof(out), &len) == CC_OK);
		/* healed, but still backing off until the probe */
		unlink(knob);
		CHECK(mwr(ic, PRIV_ADMIN, fd, rd0, sizeof(rd0), out, sizeof(out), &len) == CC_I2C_BUS_ERROR);
		mst.backoff[0].b.until_usec = 0;	/* the period ends */
		CHECK(mwr(ic, PRIV_ADMIN, fd, rd0, sizeof(rd0), out, sizeof(out), &len) == CC_OK);
		CHECK(mst.backoff[0].b.delay_ms == 0);
		/* a NAK is quick: no back-off, the next request goes through */
		f = fopen(knob, "w");
		CHECK(f && fputs("nak\n", f) >= 0);
		if (f)
			fclose(f);
		CHECK(mwr(ic, PRIV_ADMIN, fd, rd0, sizeof(rd0), out, sizeof(out), &len) == CC_I2C_NAK_ON_WRITE);
		CHECK(mst.backoff[0].b.delay_ms == 0);
		unlink(knob);
		CHECK(mwr(ic, PRIV_ADMIN, fd, rd0, sizeof(rd0), out, sizeof(out), &len) == CC_OK);
	}

	/* a device node that is not there: D3h */
	CHECK(parse("\"i2c\": {\"buses\": [{\"bus\": \"private\", \"id\": 0, \"device\": "
		    "\"/dev/i2c-250\", \"allow\": [{\"address\": \"0x57\"}]}]}", &cfg) == 0);
	CHECK(mwr(&cfg.i2c, PRIV_ADMIN, fd, rd0, sizeof(rd0), out, sizeof(out), &len) == CC_DEST_UNAVAILABLE);

	unlink(path);
	snprintf(path, sizeof(path), "%s/i2c-private0-0x50", dir);
	unlink(path);
	close(fd);
	rmdir(dir);
}

/* The device helper itself: a bus that does not exist is -ENOENT from
 * every call (no crash, nothing left open); a simulated device without
 * its directory is -EBADF. */
static void test_dev(void)
{
	struct i2c_dev d;
	uint8_t b[2] = { 0 };

	i2c_dev_init_bus(&d, 250, 0x50);
	CHECK(strcmp(d.path, "/dev/i2c-250") == 0 && d.fd < 0);
	CHECK(i2c_dev_open(&d) == -ENOENT && d.fd < 0);
	CHECK(i2c_dev_xfer(&d, b, 1, b, 1) == -ENOENT);
	CHECK(i2c_dev_smbus_read(&d, 0, 1) == -ENOENT);
	CHECK(i2c_dev_smbus_read(&d, 0, 2) == -ENOENT);
	CHECK(i2c_dev_smbus_read_byte(&d) == -ENOENT);
	CHECK(i2c_dev_smbus_write(&d, 0, 0, 1) == -ENOENT);
	i2c_dev_close(&d);
	i2c_dev_close(&d);
	CHECK(d.fd < 0);

	/* not an adapter: opens, but no transfer works */
	i2c_dev_init(&d, "/dev/null", 0x50);
	CHECK(i2c_dev_open(&d) == 0 && d.fd >= 0);
	CHECK(i2c_dev_smbus_read(&d, 0, 1) < 0);
	CHECK(i2c_dev_xfer(&d, b, 1, b, 1) < 0);
	i2c_dev_close(&d);
	CHECK(d.fd < 0);

	i2c_dev_init_sim(&d, -EBADF, "i2c-private0-0x50", 0x50, 256);
	CHECK(i2c_dev_open(&d) == 0);
	CHECK(i2c_dev_xfer(&d, b, 1, b, 1) == -EBADF);
	CHECK(i2c_dev_smbus_read(&d, 0, 1) == -EBADF);
	CHECK(i2c_dev_smbus_read_byte(&d) == -EBADF);
	CHECK(i2c_dev_smbus_write(&d, 0, 0, 1) == -EBADF);
	CHECK(i2c_dev_bind(&d) == -EOPNOTSUPP);
}

/* The back-off's arithmetic (i2c/dev.h): slow failures start and double
 * it up to the cap, quick ones and successes end it. */
static void test_backoff(void)
{
	struct i2c_backoff b = { 0 };
	uint64_t t = 1000000000;

	CHECK(i2c_backoff_check(&b, t) == 0);
	CHECK(i2c_backoff_done(&b, 0, t, t + 100) == I2C_BACKOFF_NONE);
	CHECK(i2c_backoff_done(&b, -ENXIO, t, t + 100) == I2C_BACKOFF_NONE && !b.delay_ms);
	/* slow: a timeout, or any failure that took 20 ms */
	CHECK(i2c_backoff_done(&b, -EIO, t, t + 25000) == I2C_BACKOFF_START);
	CHECK(b.delay_ms == I2C_BACKOFF_MIN_MS);
	CHECK(b.until_usec == t + 25000 + I2C_BACKOFF_MIN_MS * 1000ull);
	CHECK(i2c_backoff_check(&b, t + 30000) == -EIO);
	CHECK(i2c_backoff_check(&b, b.until_usec) == 0);
	for (int i = 0; i < 10; i++)
		CHECK(i2c_backoff_done(&b, -ETIMEDOUT, t, t + 100) == I2C_BACKOFF_AGAIN);
	CHECK(b.delay_ms == I2C_BACKOFF_MAX_MS && b.err == -ETIMEDOUT);
	CHECK(i2c_backoff_check(&b, t + 100) == -ETIMEDOUT);
	CHECK(i2c_backoff_done(&b, 0, t, t + 100) == I2C_BACKOFF_END && !b.delay_ms);
	CHECK(i2c_backoff_done(&b, -ETIMEDOUT, t, t + 100) == I2C_BACKOFF_START);
	CHECK(i2c_backoff_done(&b, -ENXIO, t, t + 100) == I2C_BACKOFF_END);
	CHECK(i2c_backoff_check(&b, t) == 0);
}

int main(void)
{
	test_backoff();
	test_dev();
	test_parse_request();
	test_config();
	test_sim();
	return tap_done("i2c");
}
