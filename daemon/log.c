/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
