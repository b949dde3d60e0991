/* SPDX-License-Identifier: MIT */
/* A tiny check harness for the C unit tests: one line per failed check,
 * a closing "NAME: N passed, N failed" line, exit status 1 on failure. */
#pragma once

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

static inline int tap_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, tap_passed, tap_failed);
	return tap_failed ? 1 : 0;
}
