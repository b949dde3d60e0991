/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "boards/qemu_host.h"
#include "daemon/bmc.h"
#include "daemon/log.h"
#include "kcs/kcs.h"
#include "kcs/stream.h"
#include "kcs/wire.h"

#define ARG_MAX_LEN 1024

struct relay_end {
	int fd;
	sd_event_source *src;
};

struct qemu_host {
	struct bmc *bmc;
	sd_event *ev;
	const struct cfg_qemu *cfg;
	struct power *power;
	pid_t pid;			/* 0: not running */
	sd_event_source *child;
	sd_event_source *settle;	/* report power good after a start */
	sd_event_source *kill_timer;	/* forced off: SIGKILL when still running */
	int serial_lfd, console_lfd;
	sd_event_source *serial_lsrc, *console_lsrc;
	struct relay_end vm, console;	/* the VM's serial port, the console client */
	uint64_t dropped;		/* console bytes nobody could take */
};

/* ------------------------------------------------------------------ */
/* Serial relay: VM serial port <-> one console client                 */

static void relay_close(struct relay_end *e)
{
	e->src = sd_event_source_disable_unref(e->src);
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -EBADF;
}

static int relay_on_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct qemu_host *h = userdata;
	struct relay_end *from = fd == h->vm.fd ? &h->vm : &h->console;
	struct relay_end *to = from == &h->vm ? &h->console : &h->vm;
	uint8_t buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		log_debug("qemu host: %s closed", from == &h->vm ? "VM serial" : "console client");
		relay_close(from);
		return 0;
	}
	if (n < 0)
		return 0;
	if (to->fd < 0 || send(to->fd, buf, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) != n)
		h->dropped += (uint64_t)n;	/* nobody there, or not keeping up */
	return 0;
}

static int relay_accept(struct qemu_host *h, int lfd, struct relay_end *e, const char *what)
{
	int c = stream_accept(lfd);

	if (c < 0)
		return 0;
	relay_close(e);
	e->fd = c;
	if (sd_event_add_io(h->ev, &e->src, c, EPOLLIN, relay_on_io, h) < 0)
		relay_close(e);
	log_debug("qemu host: %s connected", what);
	return 0;
}

static int on_serial_listen(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct qemu_host *h = userdata;

	return relay_accept(h, fd, &h->vm, "VM serial");
}

static int on_console_listen(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct qemu_host *h = userdata;

	return relay_accept(h, fd, &h->console, "console client");
}

static int listen_on(struct qemu_host *h, const char *spec, int *lfd, sd_event_source **src,
		     sd_event_io_handler_t fn)
{
	int r;

	*lfd = -EBADF;
	if (!spec[0])
		return 0;
	*lfd = stream_listen(spec);
	if (*lfd < 0)
		return log_error_errno(*lfd, "qemu host: cannot listen on %s", spec);
	r = sd_event_add_io(h->ev, src, *lfd, EPOLLIN, fn, h);
	if (r < 0)
		return log_error_errno(r, "qemu host: event source");
	return 0;
}

/* ------------------------------------------------------------------ */
/* The VM process                                                      */

static bool chardev_addr(const char *spec, char *out, size_t size)
{
	const char *colon;

	if (!strncmp(spec, "unix:", 5))
		return (size_t)snprintf(out, size, "path=%s", spec + 5) < size;
	if (strncmp(spec, "tcp:", 4))
		return false;
	spec += 4;
	colon = strrchr(spec, ':');
	if (!colon)
		return false;
	if (spec[0] == '[')	/* [v6]:port */
		return (size_t)snprintf(out, size, "host=%.*s,port=%s", (int)(colon - spec - 2),
					spec + 1, colon + 1) < size;
	return (size_t)snprintf(out, size, "host=%.*s,port=%s", (int)(colon - spec), spec,
				colon + 1) < size;
}

bool qemu_expand_arg(const char *arg, const char *kcs, const char *serial, char *out, size_t size)
{
	char kaddr[160] = "", saddr[160] = "";
	size_t o = 0;

	if (kcs[0] && !chardev_addr(kcs, kaddr, sizeof(kaddr)))
		return false;
	if (serial[0] && !chardev_addr(serial, saddr, sizeof(saddr)))
		return false;
	while (*arg) {
		const char *rep = NULL;
		size_t skip = 1, len;

		if (!strncmp(arg, "{kcs}", 5)) {
			rep = kaddr;
			skip = 5;
		} else if (!strncmp(arg, "{serial}", 8)) {
			rep = saddr;
			skip = 8;
		}
		len = rep ? strlen(rep) : 1;
		if (o + len + 1 > size)
			return false;
		memcpy(out + o, rep ? rep : arg, len);
		o += len;
		arg += skip;
	}
	out[o] = '\0';
	return true;
}

static int on_settle(sd_event_source *src, void *userdata)
{
	struct qemu_host *h = userdata;

	h->settle = sd_event_source_disable_unref(h->settle);
	if (h->pid && h->power)
		power_good_changed(h->power, true);
	return 0;
}

static int on_child(sd_event_source *src, const siginfo_t *si, void *userdata)
{
	struct qemu_host *h = userdata;

	log_info("qemu host: VM (pid %d) exited (%s %d)", (int)si->si_pid,
		 si->si_code == CLD_EXITED ? "status" : "signal", si->si_status);
	h->child = sd_event_source_disable_unref(h->child);
	h->kill_timer = sd_event_source_disable_unref(h->kill_timer);
	h->settle = sd_event_source_disable_unref(h->settle);
	h->pid = 0;
	relay_close(&h->vm);
	if (h->power)
		power_good_changed(h->power, false);
	return 0;
}

static int qemu_start(struct qemu_host *h)
{
	const struct cfg_qemu *q = h->cfg;
	char *argv[QEMU_ARGS_MAX + 1], *bufs;
	const char *a = q->command;
	pid_t pid;
	int r;

	bufs = calloc(q->argc, ARG_MAX_LEN);
	if (!bufs)
		return -ENOMEM;
	for (unsigned i = 0; i < q->argc; i++) {
		argv[i] = bufs + (size_t)i * ARG_MAX_LEN;
		if (!qemu_expand_arg(a, h->bmc->cfg.kcs.listen, q->serial, argv[i], ARG_MAX_LEN)) {
			free(bufs);
			return log_error_errno(-E2BIG, "qemu host: argument %u too long", i);
		}
		a += strlen(a) + 1;
	}
	argv[q->argc] = NULL;
	pid = fork();
	if (pid < 0) {
		r = -errno;
		free(bufs);
		return log_error_errno(r, "qemu host: fork");
	}
	if (pid == 0) {
		sigset_t all;
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		setpgid(0, 0);		/* a terminal's Ctrl-C is for bmcd, not the VM */
		execvp(argv[0], argv);
		_exit(127);
	}
	free(bufs);
	h->pid = pid;
	r = sd_event_add_child(h->ev, &h->child, pid, WEXITED, on_child, h);
	if (r < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		h->pid = 0;
		return log_error_errno(r, "qemu host: child source");
	}
	log_info("qemu host: VM started (pid %d)", (int)pid);
	/* Power good once press() has returned and the machine waits for it. */
	if (sd_event_add_defer(h->ev, &h->settle, on_settle, h) < 0)
		log_warning("qemu host: cannot report power good");
	return 0;
}

static int on_kill_timer(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct qemu_host *h = userdata;

	if (h->pid) {
		log_warning("qemu host: VM still running %u ms after power off: SIGKILL",
			    h->cfg->stop_timeout_ms);
		kill(h->pid, SIGKILL);
	}
	return 0;
}

static void qemu_force_off(struct qemu_host *h)
{
	unsigned ms = h->cfg->stop_timeout_ms ? h->cfg->stop_timeout_ms : 10000;
	uint64_t now;

	if (kcs_vm_control(h->bmc->kcs, KCS_VM_POWEROFF) < 0) {
		log_info("qemu host: no KCS connection: SIGTERM to the VM");
		kill(h->pid, SIGTERM);
	}
	sd_event_now(h->ev, CLOCK_MONOTONIC, &now);
	h->kill_timer = sd_event_source_disable_unref(h->kill_timer);
	sd_event_add_time(h->ev, &h->kill_timer, CLOCK_MONOTONIC, now + ms * 1000ULL, 10000,
			  on_kill_timer, h);
}

static int qemu_press(void *ctx, enum host_button b, unsigned ms)
{
	struct qemu_host *h = ctx;
	int r;

	switch (b) {
	case BUTTON_POWER:
		if (!h->pid)
			return qemu_start(h);
		if (ms >= QEMU_FORCE_OFF_HOLD_MS) {
			qemu_force_off(h);
			return 0;
		}
		r = kcs_vm_control(h->bmc->kcs, KCS_VM_GRACEFUL_SHUTDOWN);
		if (r < 0)
			log_warning_errno(r, "qemu host: cannot ask the VM to shut down");
		return r;
	case BUTTON_RESET:
		if (!h->pid)
			return 0;
		return kcs_vm_control(h->bmc->kcs, KCS_VM_RESET);
	case BUTTON_NMI:
		if (!h->pid)
			return 0;
		return kcs_vm_control(h->bmc->kcs, KCS_VM_SEND_NMI);
	}
	return -EINVAL;
}

static int qemu_power_good(void *ctx)
{
	struct qemu_host *h = ctx;

	return h->pid != 0 && !h->settle;
}

const struct host_ops qemu_host_ops = {
	.name = "qemu",
	.press = qemu_press,
	.power_good = qemu_power_good,
	.identify = NULL,
};

struct qemu_host *qemu_host_new(struct bmc *bmc)
{
	struct qemu_host *h = calloc(1, sizeof(*h));
	sigset_t chld;

	if (!h)
		return NULL;
	h->bmc = bmc;
	h->ev = bmc->ev;
	h->cfg = &bmc->cfg.host.qemu;
	h->vm.fd = h->console.fd = -EBADF;
	h->serial_lfd = h->console_lfd = -EBADF;
	/* sd_event_add_child() needs SIGCHLD blocked (one thread here). */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	if (listen_on(h, h->cfg->serial, &h->serial_lfd, &h->serial_lsrc, on_serial_listen) < 0 ||
	    listen_on(h, h->cfg->console, &h->console_lfd, &h->console_lsrc, on_console_listen) < 0)
		return qemu_host_free(h);
	return h;
}

void qemu_host_attach(struct qemu_host *h, struct power *power)
{
	h->power = power;
}

struct qemu_host *qemu_host_free(struct qemu_host *h)
{
	if (!h)
		return NULL;
	h->child = sd_event_source_disable_unref(h->child);
	h->settle = sd_event_source_disable_unref(h->settle);
	h->kill_timer = sd_event_source_disable_unref(h->kill_timer);
	if (h->pid) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };

		kill(h->pid, SIGTERM);
		for (int i = 0; i < 300 && waitpid(h->pid, NULL, WNOHANG) == 0; i++)
			nanosleep(&ts, NULL);
		if (kill(h->pid, 0) == 0) {
			kill(h->pid, SIGKILL);
			waitpid(h->pid, NULL, 0);
		}
		log_info("qemu host: VM (pid %d) stopped", (int)h->pid);
	}
	relay_close(&h->vm);
	relay_close(&h->console);
	h->serial_lsrc = sd_event_source_disable_unref(h->serial_lsrc);
	h->console_lsrc = sd_event_source_disable_unref(h->console_lsrc);
	if (h->serial_lfd >= 0) {
		close(h->serial_lfd);
		stream_unlink(h->cfg->serial);
	}
	if (h->console_lfd >= 0) {
		close(h->console_lfd);
		stream_unlink(h->cfg->console);
	}
	free(h);
	return NULL;
}

int qemu_host_power_init(struct bmc *bmc, const struct power_timing *base)
{
	struct power_timing t = *base;
	unsigned stop = bmc->cfg.host.qemu.stop_timeout_ms ? bmc->cfg.host.qemu.stop_timeout_ms : 10000;
	int r;

	bmc->qhost = qemu_host_new(bmc);
	if (!bmc->qhost)
		return -EIO;
	t.force_off_ms = QEMU_FORCE_OFF_HOLD_MS;
	t.off_timeout_ms = stop + 5000;
	r = power_init(bmc->power, bmc->ev, &qemu_host_ops, bmc->qhost, &t);
	if (r < 0)
		return r;
	qemu_host_attach(bmc->qhost, bmc->power);
	return 0;
}
