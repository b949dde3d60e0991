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