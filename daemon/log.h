/* SPDX-License-Identifier: MIT */
/*
 * Logging to stderr with syslog-style level prefixes ("<3>...") that
 * journald understands when bmcd runs under systemd.  errno is preserved.
 * log_*_errno() take a negative errno, log it with %m-like text, and return
 * it, so callers can write: return log_error_errno(r, "bind %s", addr);
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

extern int log_max_level;	/* LOG_INFO by default; -v raises to LOG_DEBUG */

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int log_msg_errno(int level, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * A login event (success, failure, lockout, refusal) as one line, and, when
 * stderr is connected to journald (JOURNAL_STREAM names it), through the
 * native journal protocol with the fields BMCD_EVENT, BMCD_USER_ID,
 * BMCD_USER, BMCD_SOURCE and BMCD_CHANNEL, so they can be queried
 * (journalctl BMCD_EVENT=login-failure).
 */
void log_auth(int level, const char *event, unsigned uid, const char *user, const char *source,
	      unsigned channel, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/*
 * Per-source rate limit for lines an unauthenticated peer can cause: in
 * each window of a source (its first line starts it) the first 'burst'
 * lines are logged, the rest only counted; log_limit_flush() then writes
 * one line per source, "N more <what> from <source> in the last W s".
 * The table of sources is bounded: a new source past LOG_LIMIT_SOURCES
 * takes the slot of the one seen longest ago, flushing its count first.
 */
#define LOG_LIMIT_SOURCES 32

struct log_limit {
	const char *what;		/* "refused logins" */
	uint64_t window_usec;
	unsigned burst;
	struct {
		char source[48];	/* "" = unused */
		uint64_t start_usec, last_usec;
		unsigned logged, suppressed;
	} e[LOG_LIMIT_SOURCES];
};

void log_limit_init(struct log_limit *l, const char *what, unsigned window_s, unsigned burst);
/* Whether a line about 'source' may be written now; counts it if not. */
bool log_limit_ok(struct log_limit *l, const char *source, uint64_t now_usec);
/* Sum up (and restart) every source whose window is over. */
void log_limit_flush(struct log_limit *l, uint64_t now_usec);

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_error_errno(err, ...) log_msg_errno(LOG_ERR, (err), __VA_ARGS__)
#define log_warning_errno(err, ...) log_msg_errno(LOG_WARNING, (err), __VA_ARGS__)
