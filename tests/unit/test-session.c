/* SPDX-License-Identifier: MIT */
/* The session table: expiry, reaping of half-open sessions, the sequence
 * window. */
#include "channels/session.h"
#include "tap.h"

#define S(x) ((uint64_t)(x) * 1000000)

static void test_expiry(void)
{
	struct session_table t;
	struct session *a, *h;

	CHECK(session_table_init(&t, 4, 60) == 0);
	a = session_new(&t, SESS_ACTIVE, S(100));
	h = session_new(&t, SESS_OPENED, S(100));
	CHECK(a && h && a->bmc_sid && a->bmc_sid != h->bmc_sid);
	CHECK(session_by_id(&t, a->bmc_sid) == a);
	CHECK(session_by_handle(&t, a->handle) == a);

	/* A check whose time is before the last activity frees nothing
	 * (regression: the subtraction used to wrap). */
	a->last_usec = S(101);
	CHECK(session_expire(&t, S(100) + 500000) == 0);
	CHECK(a->state == SESS_ACTIVE);

	/* Half-open sessions go after 10 s, active ones after the timeout. */
	CHECK(session_expire(&t, S(100 + SESSION_HALF_OPEN_TIMEOUT_S)) == 1);
	CHECK(h->state == SESS_FREE && a->state == SESS_ACTIVE);
	CHECK(session_expire(&t, S(101 + 59)) == 0);
	CHECK(session_expire(&t, S(101 + 60)) == 1);
	CHECK(session_count_active(&t) == 0);
	session_table_free(&t);
}

static void test_reaping(void)
{
	struct session_table t;
	struct session *s[4], *n;

	CHECK(session_table_init(&t, 4, 60) == 0);
	s[0] = session_new(&t, SESS_ACTIVE, S(1));
	s[1] = session_new(&t, SESS_RAKP2, S(3));
	s[2] = session_new(&t, SESS_OPENED, S(2));
	s[3] = session_new(&t, SESS_ACTIVE, S(4));
	/* Full: the oldest session not yet sent a RAKP2 (s[2], created at
	 * 2 s) is reaped; s[1] (RAKP2, older) is not. */
	n = session_new(&t, SESS_OPENED, S(5));
	CHECK(n == s[2]);
	CHECK(s[0]->state == SESS_ACTIVE && s[1]->state == SESS_RAKP2 && s[3]->state == SESS_ACTIVE);
	/* Only active sessions and one that was sent a RAKP2: no slot. */
	n->state = SESS_ACTIVE;
	CHECK(session_new(&t, SESS_OPENED, S(6)) == NULL);
	CHECK(s[1]->state == SESS_RAKP2);
	session_table_free(&t);
}

static void test_window(void)
{
	struct seq_window w = { 0 };

	CHECK(seq_window_accept(&w, 100));
	CHECK(!seq_window_accept(&w, 100));	/* replay */
	CHECK(seq_window_accept(&w, 101));
	CHECK(seq_window_accept(&w, 99));	/* late but new */
	CHECK(!seq_window_accept(&w, 99));
	CHECK(seq_window_accept(&w, 117));	/* 16 ahead */
	CHECK(!seq_window_accept(&w, 134));	/* 17 ahead */
	CHECK(seq_window_accept(&w, 90));	/* 27 behind, never seen */
	CHECK(!seq_window_accept(&w, 85));	/* 32 behind: outside */
	CHECK(!seq_window_accept(&w, 101));	/* seen, still remembered */

	/* Wrap-around at 2^32. */
	w = (struct seq_window){ 0 };
	CHECK(seq_window_accept(&w, 0xfffffffe));
	CHECK(seq_window_accept(&w, 0xffffffff));
	CHECK(seq_window_accept(&w, 0));
	CHECK(seq_window_accept(&w, 1));
	CHECK(!seq_window_accept(&w, 0xffffffff));
}

int main(void)
{
	test_expiry();
	test_reaping();
	test_window();
	return tap_done("session");
}
