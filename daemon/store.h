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

/*
 * Loading a store at start.  Only a file that was read completely and
 * failed to parse is corrupt; a file that is not there is absent (start
 * empty); anything else that stops the read (EMFILE, ENFILE, ENOMEM, EIO,
 * EACCES ...) says nothing about the file, and nothing may be rebuilt or
 * saved over it: the BMC does not start.
 *
 * store_load() reads up to cap bytes of 'name' and returns:
 *   >= 0     its length: the whole file was read (parse it; if that fails,
 *            store_set_aside() it);
 *   -ENOENT  there is none, or what was there is no store file (a
 *            directory, a symbolic link, a special file, or longer than
 *            cap): that was moved aside to name.corrupt and logged.  Start
 *            empty;
 *   other    -errno: it could not be read; logged (naming the file and
 *            the errno), nothing touched.  Fail the start with it.
 * 'who' prefixes the log lines ("state", "sel" ...).
 */
ssize_t store_load(int dirfd, const char *name, void *buf, size_t cap, const char *who);
/* The first step of store_load(), for a loader that reads the file itself:
 * 0 (a regular file is there), -ENOENT (none, or it was moved aside), or
 * another -errno (logged). */
int store_check(int dirfd, const char *name, const char *who);
/* Move a corrupt 'name' aside to "name.corrupt" (an older one is
 * replaced; if that cannot be, "name.corrupt.1" ... ".9").  0 or -errno
 * (logged). */
int store_set_aside(int dirfd, const char *name, const char *who);
