/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "channels/session.h"
#include "daemon/log.h"
#include "daemon/pages.h"
#include "lan/crypto.h"

int session_table_init(struct session_table *t, unsigned max, unsigned timeout_s)
{
	*t = (struct session_table){ 0 };
	/* Sized for the maximum, resident only as slots are used (slots are
	 * taken lowest first): an idle BMC of a fleet holds none
	 * (daemon/pages.h). */
	t->s = pages_zalloc((size_t)max * sizeof(*t->s));
	if (!t->s)
		return -ENOMEM;
	t->max = max;
	t->timeout_s = timeout_s;
	return 0;
}

void session_table_free(struct session_table *t)
{
	/* Unmapped: the kernel zeroes the pages before any reuse; under
	 * AddressSanitizer pages_free is free(), so wipe first. */
	if (t->s)
		explicit_bzero(t->s, t->max * sizeof(*t->s));
	pages_free(t->s, (size_t)t->max * sizeof(*t->s));
	t->s = NULL;
	t->max = 0;
}

void session_free(struct session *s)
{
	struct session_table *t = s->table;

	if (s->state == SESS_RAKP2 && t && t->on_unproven)
		t->on_unproven(t->unproven_userdata, s);
	if (s->state != SESS_FREE && t && t->on_free)
		t->on_free(t->userdata, s);
	explicit_bzero(s, sizeof(*s));
	s->state = SESS_FREE;
}

void session_clear(struct session_table *t)
{
	for (unsigned i = 0; i < t->max; i++)
		session_free(&t->s[i]);
}

static bool session_half_open(const struct session *s)
{
	return s->state == SESS_CHALLENGE || s->state == SESS_OPENED || s->state == SESS_RAKP2;
}

/* Whether a full table may reap s for a newcomer: only before any RAKP2 was
 * sent, so that reaping never ends a handshake that would count. */
static bool session_reapable(const struct session *s)
{
	return s->state == SESS_CHALLENGE || s->state == SESS_OPENED;
}

static uint32_t session_new_id(struct session_table *t)
{
	uint32_t id;

	do {
		if (crypto_random(&id, sizeof(id)) < 0)
			return 0;
	} while (id == 0 || session_by_id(t, id));
	return id;
}

struct session *session_new(struct session_table *t, enum session_state state, uint64_t now)
{
	struct session *s = NULL, *oldest = NULL;
	unsigned i;

	for (i = 0; i < t->max; i++) {
		if (t->s[i].state == SESS_FREE) {
			s = &t->s[i];
			break;
		}
		if (session_reapable(&t->s[i]) &&
		    (!oldest || t->s[i].created_usec < oldest->created_usec))
			oldest = &t->s[i];
	}
	if (!s && oldest) {
		log_info("session table full: reaping half-open session %08x", oldest->bmc_sid);
		s = oldest;
		session_free(s);
	}
	if (!s)
		return NULL;

	s->bmc_sid = session_new_id(t);
	if (!s->bmc_sid)
		return NULL;
	s->state = state;
	s->table = t;
	s->handle = (uint8_t)(s - t->s + 1);
	s->created_usec = now;
	s->last_usec = now;
	return s;
}

struct session *session_by_id(struct session_table *t, uint32_t bmc_sid)
{
	if (bmc_sid == 0)
		return NULL;
	for (unsigned i = 0; i < t->max; i++)
		if (t->s[i].state != SESS_FREE && t->s[i].bmc_sid == bmc_sid)
			return &t->s[i];
	return NULL;
}

struct session *session_by_handle(struct session_table *t, uint8_t handle)
{
	if (handle == 0 || handle > t->max || t->s[handle - 1].state == SESS_FREE)
		return NULL;
	return &t->s[handle - 1];
}

unsigned session_expire(struct session_table *t, uint64_t now)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t->max; i++) {
		struct session *s = &t->s[i];
		uint64_t limit;

		if (s->state == SESS_FREE)
			continue;
		limit = (uint64_t)(session_half_open(s) ? SESSION_HALF_OPEN_TIMEOUT_S : t->timeout_s) * 1000000;
		if (now > s->last_usec && now - s->last_usec >= limit) {
			log_info("session %u (%08x) timed out", s->handle, s->bmc_sid);
			session_free(s);
			n++;
		}
	}
	return n;
}

unsigned session_count_active(const struct session_table *t)
{
	unsigned n = 0;

	for (unsigned i = 0; i < t->max; i++)
		n += t->s[i].state == SESS_ACTIVE;
	return n;
}

bool seq_window_accept(struct seq_window *w, uint32_t seq)
{
	uint32_t ahead = seq - w->last, behind = w->last - seq;

	if (!w->started) {
		w->started = true;
		w->last = seq;
		w->seen = 1;
		return true;
	}
	if (ahead != 0 && ahead <= 16) {
		w->seen = ahead >= 32 ? 0 : w->seen << ahead;
		w->seen |= 1;
		w->last = seq;
		return true;
	}
	if (behind < 32 && !(w->seen & (1u << behind))) {
		w->seen |= 1u << behind;
		return true;
	}
	return false;
}

bool session_confidential(const struct session *s)
{
	return s->v20 && s->conf_alg != 0;	/* 0: confidentiality "none" */
}
