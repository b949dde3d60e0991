/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/log.h"
#include "daemon/store.h"

static int mkdir_parents(const char *path)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int store_open_dir(const char *path)
{
	struct stat st;
	int r, fd;

	r = mkdir_parents(path);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* 0700 even when it already existed with a wider mode: it holds the
	 * sealed users, their device key and the K_G store.  Only when it
	 * differs: a read-only state directory that is 0700 still opens. */
	if (fstat(fd, &st) < 0 || ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0)) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

ssize_t store_read(int dirfd, const char *name, void *buf, size_t cap)
{
	ssize_t n, total = 0;
	char extra;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	while ((size_t)total < cap) {
		n = read(fd, (char *)buf + total, cap - total);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			n = -errno;
			close(fd);
			return n;
		}
		if (n == 0)
			break;
		total += n;
	}
	if ((size_t)total == cap && read(fd, &extra, 1) == 1)
		total = -EFBIG;
	close(fd);
	return total;
}

int store_write(int dirfd, const char *name, const void *buf, size_t len)
{
	char tmp[256];
	const char *p = buf;
	int fd, r = 0;

	if (snprintf(tmp, sizeof(tmp), ".%s.tmp", name) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			break;
		}
		p += n;
		len -= n;
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dirfd, tmp, 0);
		return r;
	}
	return fsync(dirfd) < 0 ? -errno : 0;
}

int store_set_aside(int dirfd, const char *name, const char *who)
{
	char aside[256];
	int r = 0;

	for (int i = 0; i < 10; i++) {
		int k = i ? snprintf(aside, sizeof(aside), "%s.corrupt.%d", name, i)
			  : snprintf(aside, sizeof(aside), "%s.corrupt", name);

		if (k >= (int)sizeof(aside))
			return -ENAMETOOLONG;
		if (renameat(dirfd, name, dirfd, aside) == 0)
			return 0;
		r = -errno;
		/* An older aside of another kind (a file for a directory, a
		 * directory that is not empty) is in the way: the next name. */
		if (r != -EEXIST && r != -ENOTEMPTY && r != -EISDIR && r != -ENOTDIR)
			break;
	}
	log_error_errno(r, "%s: cannot move %s aside to %s.corrupt", who, name, name);
	return r;
}

static const char *kind_of(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory, not a file";
	if (S_ISLNK(m))
		return "a symbolic link, not a file";
	return "a special file, not a file";
}

static void set_aside_logged(int dirfd, const char *name, const char *who, const char *what)
{
	if (store_set_aside(dirfd, name, who) == 0)
		log_warning("%s: %s is %s: no store; moved to %s.corrupt, starting without it", who,
			    name, what, name);
	else
		log_warning("%s: %s is %s: no store; starting without it", who, name, what);
}

int store_check(int dirfd, const char *name, const char *who)
{
	struct stat st;

	/* What is there, without opening it (a FIFO would block the open). */
	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return log_error_errno(-errno, "%s: cannot read %s; it is left as it is and this "
				       "BMC does not start", who, name);
	}
	if (S_ISREG(st.st_mode))
		return 0;
	set_aside_logged(dirfd, name, who, kind_of(st.st_mode));
	return -ENOENT;
}

ssize_t store_load(int dirfd, const char *name, void *buf, size_t cap, const char *who)
{
	char what[64];
	ssize_t n = store_check(dirfd, name, who);

	if (n < 0)
		return n;
	n = store_read(dirfd, name, buf, cap);
	if (n >= 0 || n == -ENOENT)
		return n;
	if (n != -EFBIG)
		return log_error_errno((int)n, "%s: cannot read %s; it is left as it is and this BMC "
				       "does not start", who, name);
	snprintf(what, sizeof(what), "longer than %zu bytes", cap);
	set_aside_logged(dirfd, name, who, what);
	return -ENOENT;
}
