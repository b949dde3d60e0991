/* SPDX-License-Identifier: MIT */
/*
 * The KCS side: the ipmi-bmc-extern wire codec (escaping, framing, checksum,
 * bounds) and the system interface's semantics through kcs_handle() on a
 * BMC built from boards/sim.json (privilege, allow-list, message flags,
 * event message buffer, receive message queue, system info parameters).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "boards/qemu_host.h"
#include "daemon/bmc.h"
#include "daemon/config.h"
#include "kcs/kcs_internal.h"
#include "kcs/wire.h"
#include "tap.h"

/* Feed everything; collect the frames. */
struct frames {
	enum kcs_wire_frame kind[16];
	uint8_t body[16][KCS_WIRE_MAX];
	size_t len[16];
	unsigned n;
};

static void feed_all(struct kcs_wire_rx *rx, const uint8_t *p, size_t n, struct frames *f)
{
	for (;;) {
		enum kcs_wire_frame k = kcs_wire_feed(rx, &p, &n);

		if (k == KCS_FRAME_NONE)
			return;
		if (f->n < 16) {
			f->kind[f->n] = k;
			memcpy(f->body[f->n], rx->buf, rx->len);
			f->len[f->n] = rx->len;
			f->n++;
		}
	}
}

static void test_roundtrip(void)
{
	uint8_t data[] = { 0xa0, 0xa1, 0xaa, 0x00, 0xb0, 0xff };
	uint8_t out[64];
	struct wbuf w = wb_init(out, sizeof(out));
	struct kcs_wire_rx rx;
	struct frames f = { .n = 0 };
	struct kcs_wire_msg m;

	kcs_wire_put_msg(&w, 0x12, 0x07, 1, 0x01, 0x00, data, sizeof(data));
	CHECK(wb_ok(&w));
	/* the three special bytes are escaped; only the last byte is A0h */
	CHECK(memchr(out, 0xa0, w.len - 1) == NULL && memchr(out, 0xa1, w.len) == NULL);
	CHECK(out[w.len - 1] == KCS_WIRE_MSG);
	kcs_wire_rx_init(&rx);
	/* byte by byte: the decoder keeps partial frames */
	for (size_t i = 0; i < w.len; i++)
		feed_all(&rx, out + i, 1, &f);
	CHECK(f.n == 1 && f.kind[0] == KCS_FRAME_MSG);
	/* seq, netfn/lun, cmd, cc, 6 data, checksum */
	CHECK(f.len[0] == 11);
	CHECK(f.body[0][0] == 0x12 && f.body[0][1] == (0x07 << 2 | 1) && f.body[0][2] == 0x01);
	CHECK(memcmp(f.body[0] + 4, data, sizeof(data)) == 0);
	/* as a request (the cc byte is data here) it parses and checks out */
	CHECK(kcs_wire_parse_msg(f.body[0], f.len[0], &m) == 0);
	CHECK(m.seq == 0x12 && m.netfn == 0x07 && m.lun == 1 && m.cmd == 0x01 && m.len == 7);
	f.body[0][5] ^= 1;
	CHECK(kcs_wire_parse_msg(f.body[0], f.len[0], &m) == -EBADMSG);
	CHECK(kcs_wire_parse_msg(f.body[0], 3, &m) == -EINVAL);
}

static void test_control_and_bad_frames(void)
{
	uint8_t buf[2 * KCS_WIRE_MAX + 16];
	struct kcs_wire_rx rx;
	struct frames f = { .n = 0 };
	uint8_t ctl[] = { 0xff, 0x01, KCS_WIRE_CTL, 0x08, 0xaa, 0xb0, KCS_WIRE_CTL };
	size_t n = 0;

	kcs_wire_rx_init(&rx);
	feed_all(&rx, ctl, sizeof(ctl), &f);
	CHECK(f.n == 2 && f.kind[0] == KCS_FRAME_CTL && f.len[0] == 2 && f.body[0][0] == 0xff);
	CHECK(f.kind[1] == KCS_FRAME_CTL && f.len[1] == 2 && f.body[1][1] == 0xa0);

	/* too long: dropped whole, then the next frame is fine */
	memset(buf, 0x11, KCS_WIRE_MAX + 5);
	n = KCS_WIRE_MAX + 5;
	buf[n++] = KCS_WIRE_MSG;
	buf[n++] = 0x03;
	buf[n++] = KCS_WIRE_CTL;
	/* escape right before the end: bad */
	buf[n++] = 0x05;
	buf[n++] = KCS_WIRE_ESC;
	buf[n++] = KCS_WIRE_MSG;
	/* double escape: bad */
	buf[n++] = KCS_WIRE_ESC;
	buf[n++] = KCS_WIRE_ESC;
	buf[n++] = 0xb0;
	buf[n++] = KCS_WIRE_CTL;
	f.n = 0;
	feed_all(&rx, buf, n, &f);
	CHECK(f.n == 4);
	CHECK(f.kind[0] == KCS_FRAME_BAD);
	CHECK(f.kind[1] == KCS_FRAME_CTL && f.len[1] == 1 && f.body[1][0] == 0x03);
	CHECK(f.kind[2] == KCS_FRAME_BAD);
	CHECK(f.kind[3] == KCS_FRAME_BAD);
}

static void test_writer_bounds(void)
{
	uint8_t data[255], out[64];
	struct wbuf w = wb_init(out, sizeof(out));

	memset(data, 0xaa, sizeof(data));	/* every byte doubles */
	kcs_wire_put_msg(&w, 1, 1, 0, 1, 0, data, sizeof(data));
	CHECK(!wb_ok(&w) && w.len <= sizeof(out));
}

/* ------------------------------------------------------------------ */

static struct bmc bmc = { .state_fd = -1 };

static int req(const uint8_t *msg, size_t len, uint8_t *rsp, size_t *rlen)
{
	struct wbuf w = wb_init(rsp, 3 + IPMI_MAX_RSP);
	int cc = kcs_handle(bmc.kcs, msg, len, &w);

	*rlen = w.len;
	return cc;
}

static void test_system_interface(void)
{
	uint8_t rsp[3 + IPMI_MAX_RSP], ev[16];
	size_t n;
	struct kcs *k = bmc.kcs;

	/* Get Device ID as administrator, response header netfn|1, cmd, cc */
	CHECK(req((uint8_t[]){ 0x06 << 2, 0x01 }, 2, rsp, &n) == CC_OK);
	CHECK(n >= 3 + 11 && rsp[0] == 0x07 << 2 && rsp[1] == 0x01 && rsp[2] == 0);
	CHECK(req((uint8_t[]){ 0x06 << 2 }, 1, rsp, &n) == -EINVAL);
	/* session management is LAN only */
	CHECK(req((uint8_t[]){ 0x06 << 2, 0x3b, 0x04 }, 3, rsp, &n) == CC_INVALID_CMD);
	/* an admin command works from the host */
	CHECK(req((uint8_t[]){ 0x06 << 2, 0x2e, 0x0c }, 3, rsp, &n) == CC_OK);

	/* flags and queues */
	CHECK(req((uint8_t[]){ 0x06 << 2, 0x31 }, 2, rsp, &n) == CC_OK && rsp[3] == 0);
	CHECK(req((uint8_t[]){ 0x06 << 2, 0x33 }, 2, rsp, &n) == 0x80);
	CHECK(kcs_queue_message(k, 0x41, (uint8_t[]){ 1, 2, 3 }, 3) == 0);
	CHECK(req((uint8_t[]){ 0x06 << 2, 0x31 }, 2, rsp, &n) == CC_OK && rsp[3] == 0x01);
	CHECK(req((uint8_t[]){ 0x06 << 2, 0x33 }, 2, rsp, &n) == CC_OK && n == 3 + 4 &&
	      rsp[3] == 0x41 && rsp[6] == 3);
	for (int i = 0; i < KCS_RXQ_MAX; i++)
		CHECK(kcs_queue_message(k, 0x41, (uint8_t[]){ 1 }, 1) == 0);
	CHECK(kcs_queue_message(k, 0x41, (uint8_t[]){ 1 }, 1) == -ENOBUFS);
	CHECK(req((uint8_t[]){ 0x06 << 2, 0x30, 0x01 }, 3, rsp, &n) == CC_OK);
	CHECK(k->rxq_count == 0);

	/* the event message buffer takes events only while the host runs */
	memset(ev, 0x5a, sizeof(ev));
	bmc.power->on = false;
	kcs_on_event(k, ev);
	CHECK(!k->evbuf_full);
	bmc.power->on = true;
	kcs_on_event(k, ev);
	CHECK(k->evbuf_full);
	CHECK(req((uint8_t[]){ 0x06 << 2, 0x31 }, 2, rsp, &n) == CC_OK && rsp[3] == 0x02);
	CHECK(req((uint8_t[]){ 0x06 << 2, 0x35 }, 2, rsp, &n) == CC_OK && n == 3 + 16 &&
	      memcmp(rsp + 3, ev, 16) == 0);
	CHECK(req((uint8_t[]){ 0x06 << 2, 0x35 }, 2, rsp, &n) == 0x80);
	/* the SEL hook: a platform event from the host goes to both */
	CHECK(req((uint8_t[]){ 0x04 << 2, 0x02, 0x41, 0x04, 0x05, 0x07, 0x6f, 0, 0xff, 0xff }, 10,
		  rsp, &n) == CC_OK);
	CHECK(k->evbuf_full && k->evbuf[2] == 0x02 && k->evbuf[7] == 0x41 && k->evbuf[11] == 0x07);
	kcs_power_event(k, POWER_EV_OFF);
	CHECK(!k->evbuf_full);
	bmc.power->on = false;

	/* Send Message to this BMC over IPMB: answered, queued; never a LAN
	 * session command (Activate Session through the system interface) */
	CHECK(req((uint8_t[]){ 0x06 << 2, 0x34, 0x00, 0x20, 0x18, 0xc8, 0x81, 0x04, 0x01, 0x7a },
		  10, rsp, &n) == CC_OK);
	CHECK(req((uint8_t[]){ 0x06 << 2, 0x33 }, 2, rsp, &n) == CC_OK && rsp[3] == (PRIV_ADMIN << 4) &&
	      rsp[4] == 0x1c && rsp[6] == 0x20 && rsp[8] == 0x01 && rsp[9] == 0x00);
	{
		uint8_t m[3 + 7 + 22] = { 0x06 << 2, 0x34, 0x00, 0x20, 0x18, 0xc8, 0x81, 0x04, 0x3a };
		uint8_t sum = 0;

		for (int i = 6; i < 9 + 22; i++)
			sum = (uint8_t)(sum + m[i]);
		m[9 + 22] = (uint8_t)-sum;
		CHECK(req(m, sizeof(m), rsp, &n) == CC_OK);
		CHECK(req((uint8_t[]){ 0x06 << 2, 0x33 }, 2, rsp, &n) == CC_OK && rsp[8] == 0x3a &&
		      rsp[9] == CC_INVALID_CMD);
	}

	/* system info parameters: string blocks, unknown parameter 80h */
	CHECK(req((uint8_t[]){ 0x06 << 2, 0x58, 0x02, 0x00, 0x00, 0x03, 'a', 'b', 'c' }, 9, rsp,
		  &n) == CC_OK);
	CHECK(req((uint8_t[]){ 0x06 << 2, 0x59, 0x00, 0x02, 0x00, 0x00 }, 6, rsp, &n) == CC_OK &&
	      n == 3 + 18 && rsp[3] == 0x11 && rsp[4] == 0 && rsp[6] == 3 && rsp[7] == 'a');
	CHECK(req((uint8_t[]){ 0x06 << 2, 0x59, 0x80, 0x02, 0x00, 0x00 }, 6, rsp, &n) == CC_OK &&
	      n == 4);
	CHECK(req((uint8_t[]){ 0x06 << 2, 0x59, 0x00, 0x30, 0x00, 0x00 }, 6, rsp, &n) == 0x80);
	CHECK(req((uint8_t[]){ 0x06 << 2, 0x58, 0x02, 0x10, 0x00 }, 5, rsp, &n) ==
	      CC_PARAM_OUT_OF_RANGE);

	/* the allow-list: D4h before the dispatcher */
	bmc.cfg.kcs.n_allow = 1;
	bmc.cfg.kcs.allow[0] = 0x06 << 8 | 0x01;
	bmc.cfg.kcs.allow_any[0] = 0;
	CHECK(req((uint8_t[]){ 0x06 << 2, 0x01 }, 2, rsp, &n) == CC_OK);
	CHECK(req((uint8_t[]){ 0x00 << 2, 0x01 }, 2, rsp, &n) == CC_INSUFFICIENT_PRIV);
	bmc.cfg.kcs.allow_any[0] = 1;
	CHECK(req((uint8_t[]){ 0x06 << 2, 0x2f }, 2, rsp, &n) == CC_OK);
	bmc.cfg.kcs.n_allow = 0;
}

static void test_expand(void)
{
	char out[64];

	CHECK(qemu_expand_arg("socket,id=k,{kcs},reconnect=1", "unix:/run/k.sock", "", out,
			      sizeof(out)));
	CHECK(strcmp(out, "socket,id=k,path=/run/k.sock,reconnect=1") == 0);
	CHECK(qemu_expand_arg("{serial}", "", "tcp:127.0.0.1:9002", out, sizeof(out)));
	CHECK(strcmp(out, "host=127.0.0.1,port=9002") == 0);
	CHECK(!qemu_expand_arg("{kcs}{kcs}{kcs}", "unix:/a/very/long/path/to/a/socket", "", out,
			       sizeof(out)));
}

int main(void)
{
	static struct board_config cfg;
	const char *root = getenv("BMCD_SOURCE_ROOT");
	char path[4096], dir[] = "/tmp/test-kcs-XXXXXX";
	sd_event *ev;

	test_roundtrip();
	test_control_and_bad_frames();
	test_writer_bounds();
	test_expand();

	snprintf(path, sizeof(path), "%s/boards/sim.json", root ? root : ".");
	CHECK(config_load(path, &cfg, NULL, NULL) == 0);
	cfg.lan.n_listen = 0;
	cfg.redfish.enabled = false;
	CHECK(sd_event_new(&ev) >= 0);
	CHECK(mkdtemp(dir) != NULL);
	CHECK(bmc_init(&bmc, ev, &cfg, dir) == 0);
	test_system_interface();
	bmc_done(&bmc);
	sd_event_unref(ev);
	return tap_done("kcs");
}
