/* SPDX-License-Identifier: MIT */
/*
 * Crash-safe small files in the state directory: write to a temporary
 * file, fsync, rename over the old one, fsync the directory.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Open (creating it and its parents) the state directory and make it mode
 * 0700, also when it already existed.  fd or -errno. */
int store_open_dir(const char *path);
/* Read up to cap bytes of 'name'.  Returns the length, -ENOENT, -EFBIG if
 * longer than cap, or -errno. */
ssize_t store_read(int dirfd, const char *name, void *buf, size_t cap);
/* Atomically replace 'name' (mode 0600).  0 or -errno. */
int store_write(int dirfd, const char *name, const void *buf, size_t len);
