/* SPDX-License-Identifier: MIT */
/* store_load(): what counts as corrupt, absent or unreadable (issue 23).
 * EMFILE is made here for real (the fd limit, every fd taken); EIO,
 * ENOMEM and ENFILE take the same path in store_load() (any errno of the
 * read but ENOENT and EFBIG) and cannot be made for root without a
 * faulty device. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/store.h"
#include "sel/sel.h"
#include "tests/unit/tap.h"

static char dir[] = "/tmp/bmcd-test-store-XXXXXX";
static int dirfd_;

static bool exists(const char *name)
{
	return faccessat(dirfd_, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

static void test_kinds(void)
{
	char buf[16];

	CHECK(store_load(dirfd_, "none", buf, sizeof(buf), "test") == -ENOENT);
	CHECK(store_write(dirfd_, "good", "hello", 5) == 0);
	CHECK(store_load(dirfd_, "good", buf, sizeof(buf), "test") == 5 && !memcmp(buf, "hello", 5));
	CHECK(store_write(dirfd_, "empty", "", 0) == 0);
	CHECK(store_load(dirfd_, "empty", buf, sizeof(buf), "test") == 0);
	/* Longer than any valid one: moved aside, absent. */
	CHECK(store_write(dirfd_, "long", "0123456789abcdefX", 17) == 0);
	CHECK(store_load(dirfd_, "long", buf, sizeof(buf), "test") == -ENOENT);
	CHECK(!exists("long") && exists("long.corrupt"));
	/* A directory, a symbolic link: moved aside, absent. */
	CHECK(mkdirat(dirfd_, "dir", 0700) == 0);
	CHECK(store_load(dirfd_, "dir", buf, sizeof(buf), "test") == -ENOENT);
	CHECK(!exists("dir") && exists("dir.corrupt"));
	CHECK(symlinkat("good", dirfd_, "link") == 0);
	CHECK(store_load(dirfd_, "link", buf, sizeof(buf), "test") == -ENOENT);
	CHECK(!exists("link") && exists("link.corrupt") && exists("good"));
	/* Another directory while dir.corrupt is there: the next name. */
	CHECK(mkdirat(dirfd_, "dir", 0700) == 0);
	CHECK(mkdirat(dirfd_, "dir/x", 0700) == 0);
	CHECK(mkdirat(dirfd_, "dir.corrupt/y", 0700) == 0);
	CHECK(store_load(dirfd_, "dir", buf, sizeof(buf), "test") == -ENOENT);
	CHECK(!exists("dir") && exists("dir.corrupt/y") && exists("dir.corrupt.1/x"));
	/* A corrupt file set aside replaces an older aside file. */
	CHECK(store_write(dirfd_, "long", "again", 5) == 0);
	CHECK(store_set_aside(dirfd_, "long", "test") == 0);
	CHECK(!exists("long") && store_read(dirfd_, "long.corrupt", buf, sizeof(buf)) == 5);
}

/* With every fd taken: the loaders fail with EMFILE and touch nothing. */
static void test_emfile(void)
{
	struct rlimit old, low;
	char buf[16], sel_before[256], sel_after[256];
	uint8_t rec[SEL_RECORD_LEN] = { 0, 0, 0xe0 };
	struct sel s;
	ssize_t n1, n2;
	uint16_t id;
	int fds[64], n = 0, r;

	CHECK(sel_init(&s, dirfd_, 8) == 0);
	CHECK(sel_add(&s, rec, &id) == 0 && id == 1);
	sel_done(&s);
	n1 = store_read(dirfd_, SEL_FILE, sel_before, sizeof(sel_before));
	CHECK(n1 == 48);

	CHECK(getrlimit(RLIMIT_NOFILE, &old) == 0);
	low = old;
	low.rlim_cur = 32;
	CHECK(setrlimit(RLIMIT_NOFILE, &low) == 0);
	while (n < 64) {
		int fd = dup(0);

		if (fd < 0)
			break;
		fds[n++] = fd;
	}
	CHECK(errno == EMFILE);
	CHECK(store_load(dirfd_, "good", buf, sizeof(buf), "test") == -EMFILE);
	r = sel_init(&s, dirfd_, 8);
	CHECK(r == -EMFILE);
	sel_done(&s);		/* as the module's done() after a failed init */
	while (n > 0)
		close(fds[--n]);
	CHECK(setrlimit(RLIMIT_NOFILE, &old) == 0);
	CHECK(exists("good") && !exists("good.corrupt") && !exists(SEL_FILE ".corrupt"));
	n2 = store_read(dirfd_, SEL_FILE, sel_after, sizeof(sel_after));
	CHECK(n2 == n1 && !memcmp(sel_before, sel_after, (size_t)n1));
}

int main(void)
{
	char cmd[sizeof(dir) + 16];

	if (!mkdtemp(dir))
		return 1;
	dirfd_ = store_open_dir(dir);
	if (dirfd_ < 0)
		return 1;
	test_kinds();
	test_emfile();
	close(dirfd_);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return 1;
	return tap_done("store");
}
