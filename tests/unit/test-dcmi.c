/* SPDX-License-Identifier: MIT */
/* DCMI: the Get Power Reading statistics window, the power limit's
 * excursion timing, and the state file image. */
#include <errno.h>
#include <string.h>

#include "dcmi/dcmi.h"
#include "tap.h"

static void test_window(void)
{
	struct dcmi_stats st;
	struct dcmi_reading rd;

	CHECK(dcmi_stats_init(&st, 0) == -EINVAL);
	CHECK(dcmi_stats_init(&st, DCMI_SAMPLES_MAX + 1) == -EINVAL);
	CHECK(dcmi_stats_init(&st, 4) == 0);

	/* Empty: nothing measured, nothing covered. */
	dcmi_stats_get(&st, &rd);
	CHECK(!rd.valid && rd.n_slots == 0 && rd.n_readings == 0);
	CHECK(rd.cur == 0 && rd.min == 0 && rd.max == 0 && rd.avg == 0);

	/* Filling up: the window covers what was sampled so far. */
	dcmi_stats_add(&st, 100);
	dcmi_stats_add(&st, 300);
	dcmi_stats_get(&st, &rd);
	CHECK(rd.valid && rd.cur == 300 && rd.min == 100 && rd.max == 300 && rd.avg == 200);
	CHECK(rd.n_slots == 2 && rd.n_readings == 2);

	/* Rolling: after 4 more the first two are gone. */
	dcmi_stats_add(&st, 200);
	dcmi_stats_add(&st, 201);
	dcmi_stats_add(&st, 202);
	dcmi_stats_add(&st, 203);
	dcmi_stats_get(&st, &rd);
	CHECK(rd.cur == 203 && rd.min == 200 && rd.max == 203 && rd.n_slots == 4);
	CHECK(rd.avg == 202);		/* 806 / 4 = 201.5, rounded to nearest */

	/* A slot without a reading: current invalid, the rest still counts. */
	dcmi_stats_add(&st, DCMI_NO_SAMPLE);
	dcmi_stats_get(&st, &rd);
	CHECK(!rd.valid && rd.cur == 0 && rd.n_readings == 3 && rd.n_slots == 4);
	CHECK(rd.min == 201 && rd.max == 203 && rd.avg == 202);

	/* A window of gaps only. */
	for (int i = 0; i < 4; i++)
		dcmi_stats_add(&st, DCMI_NO_SAMPLE);
	dcmi_stats_get(&st, &rd);
	CHECK(!rd.valid && rd.n_readings == 0 && rd.min == 0 && rd.max == 0 && rd.avg == 0);

	/* Readings too large for the field are clamped below the gap marker. */
	dcmi_stats_add(&st, 70000);
	dcmi_stats_get(&st, &rd);
	CHECK(rd.valid && rd.cur == DCMI_NO_SAMPLE - 1);
	dcmi_stats_free(&st);
	CHECK(st.ring == NULL && st.cap == 0);
	dcmi_stats_add(&st, 5);		/* freed: a no-op */
}

static void test_big_window(void)
{
	struct dcmi_stats st;
	struct dcmi_reading rd;

	CHECK(dcmi_stats_init(&st, DCMI_SAMPLES_MAX) == 0);
	for (unsigned i = 0; i < 2 * DCMI_SAMPLES_MAX + 7; i++)
		dcmi_stats_add(&st, i % 1000);
	dcmi_stats_get(&st, &rd);
	CHECK(rd.n_slots == DCMI_SAMPLES_MAX && rd.n_readings == DCMI_SAMPLES_MAX);
	CHECK(rd.min == 0 && rd.max == 999);
	CHECK(rd.cur == (2 * DCMI_SAMPLES_MAX + 6) % 1000);
	dcmi_stats_free(&st);
}

static void test_excursion(void)
{
	struct dcmi_excursion e = { 0 };

	/* Below the limit: nothing. */
	CHECK(!dcmi_excursion_step(&e, 0, true, 300, 300, 1000));
	/* Above: only once the correction time has passed. */
	CHECK(!dcmi_excursion_step(&e, 100, true, 301, 300, 1000));
	CHECK(!dcmi_excursion_step(&e, 1099, true, 350, 300, 1000));
	CHECK(dcmi_excursion_step(&e, 1100, true, 350, 300, 1000));
	/* Once per excursion. */
	CHECK(!dcmi_excursion_step(&e, 5000, true, 350, 300, 1000));
	/* A missing reading neither ends nor restarts it. */
	CHECK(!dcmi_excursion_step(&e, 6000, false, 0, 300, 1000));
	CHECK(e.over && e.acted);
	/* Back below ends it; a new one times from its own start. */
	CHECK(!dcmi_excursion_step(&e, 7000, true, 250, 300, 1000));
	CHECK(!dcmi_excursion_step(&e, 8000, true, 400, 300, 1000));
	CHECK(!dcmi_excursion_step(&e, 8500, true, 400, 300, 1000));
	CHECK(!dcmi_excursion_step(&e, 8600, true, 299, 300, 1000));	/* dipped */
	CHECK(!dcmi_excursion_step(&e, 8700, true, 400, 300, 1000));
	CHECK(!dcmi_excursion_step(&e, 9600, true, 400, 300, 1000));
	CHECK(dcmi_excursion_step(&e, 9700, true, 400, 300, 1000));
}

static void test_state(void)
{
	struct dcmi_persist p = {
		.asset_tag = "TAG", .asset_tag_len = 3, .mc_id = "node", .mc_id_len = 4,
		.limit_active = true, .action = DCMI_ACTION_SEL, .limit_w = 420,
		.correction_ms = 3000, .sampling_s = 20, .discovery = 0x81, .dhcp_initial_s = 4,
		.dhcp_timeout_s = 120, .dhcp_retry_s = 300,
	}, q;
	uint8_t buf[DCMI_STATE_LEN];

	dcmi_state_encode(&p, buf);
	CHECK(dcmi_state_decode(&q, buf, sizeof(buf)) == 0);
	CHECK(q.asset_tag_len == 3 && !memcmp(q.asset_tag, p.asset_tag, DCMI_STRING_MAX));
	CHECK(q.mc_id_len == 4 && !memcmp(q.mc_id, p.mc_id, DCMI_STRING_MAX));
	CHECK(q.limit_active && q.action == DCMI_ACTION_SEL && q.limit_w == 420);
	CHECK(q.correction_ms == 3000 && q.sampling_s == 20 && q.discovery == 0x81);
	CHECK(q.dhcp_initial_s == 4 && q.dhcp_timeout_s == 120 && q.dhcp_retry_s == 300);
	CHECK(dcmi_state_decode(&q, buf, sizeof(buf) - 1) == -EINVAL);
	for (unsigned i = 0; i < sizeof(buf); i++) {
		buf[i] ^= 0x10;
		CHECK(dcmi_state_decode(&q, buf, sizeof(buf)) == -EINVAL);
		buf[i] ^= 0x10;
	}
	p.asset_tag_len = DCMI_STRING_MAX + 1;		/* checked even with a good CRC */
	dcmi_state_encode(&p, buf);
	CHECK(dcmi_state_decode(&q, buf, sizeof(buf)) == -EINVAL);
}

int main(void)
{
	test_window();
	test_big_window();
	test_excursion();
	test_state();
	return tap_done("dcmi");
}
