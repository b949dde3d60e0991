/* SPDX-License-Identifier: MIT */
/* SOL pieces without a network: the byte ring, the configuration image. */
#include <errno.h>
#include <string.h>

#include "boards/sim_console.h"
#include "sol/ring.h"
#include "sol/solcfg.h"
#include "sol/uart.h"
#include "tap.h"

static void test_ring(void)
{
	struct ring r;
	uint8_t out[16];

	CHECK(ring_init(&r, 0) == -EINVAL);
	CHECK(ring_push(&r, "a", 1) == 0);		/* never set up: takes nothing */
	ring_push_over(&r, "a", 1);
	CHECK(r.buf == NULL && ring_len(&r) == 0);
	CHECK(ring_init(&r, 8) == 0);
	/* The buffer comes with the first byte: none while silent. */
	CHECK(r.buf == NULL && ring_len(&r) == 0 && ring_room(&r) == 8);
	CHECK(ring_peek(&r, 0, out, sizeof(out)) == 0);
	ring_drop(&r, 1);
	CHECK(ring_push(&r, "", 0) == 0 && r.buf == NULL);
	CHECK(ring_push(&r, "abcdef", 6) == 6);
	CHECK(r.buf != NULL);
	CHECK(ring_push(&r, "ghij", 4) == 2);		/* only what fits */
	CHECK(ring_len(&r) == 8 && ring_room(&r) == 0);
	CHECK(ring_peek(&r, 0, out, sizeof(out)) == 8 && memcmp(out, "abcdefgh", 8) == 0);
	ring_drop(&r, 3);
	CHECK(ring_push(&r, "XYZ", 3) == 3);		/* wraps */
	CHECK(ring_peek(&r, 0, out, 8) == 8 && memcmp(out, "defghXYZ", 8) == 0);
	CHECK(ring_peek(&r, 6, out, 8) == 2 && memcmp(out, "YZ", 2) == 0);
	CHECK(ring_peek(&r, 8, out, 8) == 0);
	ring_drop(&r, 100);
	CHECK(ring_len(&r) == 0);

	/* history mode: the oldest bytes go */
	ring_clear(&r);
	r.total = 0;
	ring_push_over(&r, "0123456789", 10);
	CHECK(ring_len(&r) == 8 && r.total == 10);
	CHECK(ring_peek(&r, 0, out, 8) == 8 && memcmp(out, "23456789", 8) == 0);
	ring_push_over(&r, "ab", 2);
	CHECK(ring_peek(&r, 0, out, 8) == 8 && memcmp(out, "456789ab", 8) == 0);
	CHECK(r.total == 12);
	ring_free(&r);
	CHECK(r.buf == NULL && r.cap == 0);

	/* History first written by push_over: the buffer comes then too. */
	CHECK(ring_init(&r, 4) == 0);
	ring_push_over(&r, "012345", 6);
	CHECK(r.buf != NULL && ring_len(&r) == 4 && r.total == 6);
	CHECK(ring_peek(&r, 0, out, 4) == 4 && memcmp(out, "2345", 4) == 0);
	ring_free(&r);
}

static void test_config_image(void)
{
	struct sol_config a, b;
	uint8_t img[64];
	size_t n;

	solcfg_defaults(&a);
	CHECK(a.enabled && a.force_enc && a.force_auth && a.priv == 2);
	CHECK(a.retry_count == 7 && a.retry_10ms == 10 && a.threshold == 50 && a.accum_5ms == 1);
	a.enabled = false;
	a.force_enc = false;
	a.priv = 4;
	a.retry_count = 3;
	a.nv_rate = 0x09;
	a.v_rate = 0x07;
	n = solcfg_encode(&a, img, sizeof(img));
	CHECK(n > 0);
	memset(&b, 0xaa, sizeof(b));
	CHECK(solcfg_decode(&b, img, n) == 0);
	CHECK(!b.enabled && !b.force_enc && b.force_auth && b.priv == 4 && b.retry_count == 3);
	CHECK(b.nv_rate == 0x09 && b.v_rate == 0x09);	/* volatile starts as non-volatile */

	/* every single-byte corruption is refused (checksum or range) */
	for (size_t i = 0; i < n; i++) {
		img[i] ^= 0x01;
		CHECK(solcfg_decode(&b, img, n) == -EINVAL);
		img[i] ^= 0x01;
	}
	CHECK(solcfg_decode(&b, img, n - 1) == -EINVAL);
	CHECK(solcfg_decode(&b, img, 0) == -EINVAL);

	/* out-of-range values cannot be saved */
	a.retry_count = 8;
	n = solcfg_encode(&a, img, sizeof(img));
	CHECK(solcfg_decode(&b, img, n) == -EINVAL);
	CHECK(solcfg_encode(&a, img, 4) == 0);
}

static void test_rates(void)
{
	CHECK(solcfg_rate_valid(0) && solcfg_rate_valid(6) && solcfg_rate_valid(0x0a));
	CHECK(!solcfg_rate_valid(1) && !solcfg_rate_valid(5) && !solcfg_rate_valid(0x0b));
	CHECK(uart_rate_bps(0x06) == 9600 && uart_rate_bps(0x0a) == 115200 && uart_rate_bps(0) == 0);
	/* the blast pattern the interop test regenerates */
	CHECK(sim_blast_byte(0) == '0' && sim_blast_byte(61) == 'z' && sim_blast_byte(62) == '0');
	CHECK(sim_blast_byte(64) == '3');	/* (64 + 64 / 64) % 62 */
}

int main(void)
{
	test_ring();
	test_config_image();
	test_rates();
	return tap_done("sol");
}
