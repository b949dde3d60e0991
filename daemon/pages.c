/* SPDX-License-Identifier: MIT */
#include <stdlib.h>
#include <sys/mman.h>

#include "daemon/pages.h"

#if defined(__SANITIZE_ADDRESS__)
#define PAGES_CALLOC 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PAGES_CALLOC 1
#endif
#endif

void *pages_zalloc(size_t size)
{
#ifdef PAGES_CALLOC
	return calloc(1, size ? size : 1);
#else
	void *p = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	return p == MAP_FAILED ? NULL : p;
#endif
}

void pages_free(void *p, size_t size)
{
	if (!p)
		return;
#ifdef PAGES_CALLOC
	(void)size;
	free(p);
#else
	/* The kernel zeroes the pages before it hands them out again. */
	munmap(p, size ? size : 1);
#endif
}
