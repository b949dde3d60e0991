/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "daemon/log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A fuzz run logs only LOG_CRIT and worse: the daemon's lines about each
 * malformed input cost more than handling it (fuzz-lan ran at ~700 exec/s
 * writing them).  BMCD_FUZZ_LOG=7 brings every line back when a finding
 * needs reading.  A constructor, so it holds before the first input, in
 * the libFuzzer builds and the replay ones alike. */
__attribute__((constructor)) static void fuzz_quiet(void)
{
	const char *e = getenv("BMCD_FUZZ_LOG");

	log_max_level = e ? atoi(e) : LOG_CRIT;
}
