/* SPDX-License-Identifier: MIT */
/* A tiny check harness for the C unit tests: one line per failed check,
 * a closing "NAME: N passed, N failed" line, exit status 1 on failure.
 * tap_check() is the verbose form: one line per check, its text formatted. */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int tap_passed, tap_failed;

#define CHECK(cond)                                                            \
	do {                                                                   \
		if (cond) {                                                    \
			tap_passed++;                                          \
		} else {                                                       \
			tap_failed++;                                          \
			fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
		}                                                              \
	} while (0)

__attribute__((format(printf, 2, 3)))
static inline bool tap_check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s - ", ok ? "ok" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (ok)
		tap_passed++;
	else
		tap_failed++;
	return ok;
}

static inline int tap_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, tap_passed, tap_failed);
	return tap_failed ? 1 : 0;
}
