/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "log.h"

int log_max_level = LOG_INFO;

__attribute__((format(printf, 3, 0)))
static void vlog(int level, int err, const char *fmt, va_list ap)
{
	int saved = errno;

	if (level > log_max_level)
		return;
	fprintf(stderr, "<%d>", level);
	vfprintf(stderr, fmt, ap);
	if (err)
		fprintf(stderr, ": %s", strerror(abs(err)));
	fputc('\n', stderr);
	errno = saved;
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, 0, fmt, ap);
	va_end(ap);
}

int log_msg_errno(int level, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(level, err, fmt, ap);
	va_end(ap);
	return -abs(err);
}

/* True when stderr is the journal stream systemd set up for us. */
static bool stderr_is_journal(void)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!e || sscanf(e, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
		return false;
	return st.st_dev == dev && st.st_ino == ino;
}

void log_auth(int level, const char *event, unsigned uid, const char *user, const char *source,
	      unsigned channel, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int saved = errno;

	if (level > log_max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!stderr_is_journal() ||
	    sd_journal_send("MESSAGE=%s", msg, "PRIORITY=%d", level, "SYSLOG_IDENTIFIER=bmcd",
			    "BMCD_EVENT=%s", event, "BMCD_USER_ID=%u", uid, "BMCD_USER=%s", user,
			    "BMCD_SOURCE=%s", source, "BMCD_CHANNEL=%u", channel, NULL) < 0)
		fprintf(stderr, "<%d>%s\n", level, msg);
	errno = saved;
}
void log_limit_init(struct log_limit *l, const char *what, unsigned window_s, unsigned burst)
{
	memset(l, 0, sizeof(*l));
	l->what = what;
	l->window_usec = (uint64_t)window_s * 1000000;
	l->burst = burst;
}

static void log_limit_sum(struct log_limit *l, unsigned i)
{
	if (l->e[i].suppressed)
		log_msg(LOG_NOTICE, "%u more %s from %s in the last %llu s", l->e[i].suppressed, l->what,
			l->e[i].source, (unsigned long long)(l->window_usec / 1000000));
}

bool log_limit_ok(struct log_limit *l, const char *source, uint64_t now_usec)
{
	unsigned i, victim = 0;

	for (i = 0; i < LOG_LIMIT_SOURCES; i++) {
		if (!l->e[i].source[0]) {
			if (l->e[victim].source[0])
				victim = i;	/* an unused slot first */
			continue;
		}
		if (strcmp(l->e[i].source, source) == 0)
			break;
		if (l->e[victim].source[0] && l->e[i].last_usec < l->e[victim].last_usec)
			victim = i;		/* else the source seen longest ago */
	}
	if (i == LOG_LIMIT_SOURCES) {
		i = victim;
		log_limit_sum(l, i);
		memset(&l->e[i], 0, sizeof(l->e[i]));
		snprintf(l->e[i].source, sizeof(l->e[i].source), "%s", source);
		l->e[i].start_usec = now_usec;
	}
	l->e[i].last_usec = now_usec;
	if (l->e[i].logged < l->burst) {
		l->e[i].logged++;
		return true;
	}
	if (l->e[i].suppressed < UINT32_MAX)
		l->e[i].suppressed++;
	return false;
}

void log_limit_flush(struct log_limit *l, uint64_t now_usec)
{
	for (unsigned i = 0; i < LOG_LIMIT_SOURCES; i++) {
		if (!l->e[i].source[0] || now_usec - l->e[i].start_usec < l->window_usec)
			continue;
		log_limit_sum(l, i);
		/* Quiet for a whole window: forget the source. */
		if (!l->e[i].suppressed && !l->e[i].logged) {
			memset(&l->e[i], 0, sizeof(l->e[i]));
			continue;
		}
		l->e[i].start_usec = now_usec;
		l->e[i].logged = 0;
		l->e[i].suppressed = 0;
	}
}
