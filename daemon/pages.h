/* SPDX-License-Identifier: MIT */
/*
 * Zeroed tables that take no memory until written: a fresh anonymous
 * mapping per table, whose pages stay unallocated until used.  For the
 * tables a BMC sizes for a maximum and mostly leaves empty (the SEL, the
 * modules' parts), where calloc could carve the block out of a dirty hole
 * of the heap (what start-up freed) and zero it whole, resident: in a fleet
 * that was tens of kB per BMC (docs/virtual.md, "Where a BMC's memory
 * goes").  Under AddressSanitizer these are calloc and free, so overruns
 * are still caught.
 */
#pragma once

#include <stddef.h>

/* size bytes of zeroes, or NULL (errno set). */
void *pages_zalloc(size_t size);
/* Give back what pages_zalloc(size) returned; p NULL is a no-op. */
void pages_free(void *p, size_t size);
