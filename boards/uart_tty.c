/* SPDX-License-Identifier: MIT */
/* UART backends on a file descriptor: a real tty, a unix or TCP socket. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "daemon/log.h"
#include "sol/uart.h"

struct fd_uart {
	int fd;
};

unsigned uart_rate_bps(uint8_t code)
{
	switch (code) {
	case 0x06: return 9600;
	case 0x07: return 19200;
	case 0x08: return 38400;
	case 0x09: return 57600;
	case 0x0a: return 115200;
	}
	return 0;
}

static speed_t tty_speed(unsigned bps)
{
	switch (bps) {
	case 9600: return B9600;
	case 19200: return B19200;
	case 38400: return B38400;
	case 57600: return B57600;
	case 115200: return B115200;
	}
	return 0;
}

static int tty_set_baud(void *ctx, unsigned bps)
{
	struct fd_uart *t = ctx;
	struct termios tio;
	speed_t sp = tty_speed(bps);

	if (!sp)
		return 0;
	if (tcgetattr(t->fd, &tio) < 0)
		return -errno;
	cfsetispeed(&tio, sp);
	cfsetospeed(&tio, sp);
	if (tcsetattr(t->fd, TCSANOW, &tio) < 0)
		return -errno;
	return 0;
}

static int tty_send_break(void *ctx)
{
	struct fd_uart *t = ctx;

	return tcsendbreak(t->fd, 0) < 0 ? -errno : 0;
}

static int tty_modem(void *ctx, bool cts, bool dcd_dsr)
{
	struct fd_uart *t = ctx;
	int bits = TIOCM_RTS, r;

	/* From the host's side our RTS is its CTS, our DTR its DSR/DCD. */
	r = ioctl(t->fd, cts ? TIOCMBIS : TIOCMBIC, &bits);
	bits = TIOCM_DTR;
	if (r == 0)
		r = ioctl(t->fd, dcd_dsr ? TIOCMBIS : TIOCMBIC, &bits);
	return r < 0 ? -errno : 0;
}

static void fd_close(void *ctx)
{
	struct fd_uart *t = ctx;

	close(t->fd);
	free(t);
}

static const struct uart_ops tty_ops = {
	.name = "tty",
	.set_baud = tty_set_baud,
	.send_break = tty_send_break,
	.modem = tty_modem,
	.close = fd_close,
};

static const struct uart_ops socket_ops = {
	.name = "socket",
	.close = fd_close,
};

static int fd_uart_new(int fd, const struct uart_ops *ops, struct uart *u)
{
	struct fd_uart *t = calloc(1, sizeof(*t));

	if (!t) {
		close(fd);
		return -ENOMEM;
	}
	t->fd = fd;
	*u = (struct uart){ .ops = ops, .ctx = t, .fd = fd };
	return 0;
}

/* The tty opened raw at bps; -errno and what failed in *what (no log). */
static int open_tty(const char *path, unsigned bps, struct uart *u, const char **what)
{
	struct termios tio;
	int fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC), r;

	*what = "cannot open";
	if (fd < 0)
		return -errno;
	*what = "not a tty:";
	if (tcgetattr(fd, &tio) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	cfmakeraw(&tio);
	tio.c_cflag |= CLOCAL | CREAD;
	tio.c_cflag &= ~CRTSCTS;
	*what = "cannot set raw:";
	if (tcsetattr(fd, TCSANOW, &tio) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	r = fd_uart_new(fd, &tty_ops, u);
	if (r == 0 && bps)
		tty_set_baud(u->ctx, bps);
	return r;
}

int uart_open_tty(const char *path, unsigned bps, struct uart *u)
{
	const char *what;
	int r = open_tty(path, bps, u, &what);

	if (r < 0)
		return log_error_errno(r, "sol: %s %s", what, path);
	return 0;
}

static int socket_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd;
}

static int socket_tcp(const char *hostport)
{
	char host[256];
	const char *colon = strrchr(hostport, ':');
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	int fd = -EINVAL;

	if (!colon || (size_t)(colon - hostport) >= sizeof(host))
		return -EINVAL;
	memcpy(host, hostport, (size_t)(colon - hostport));
	host[colon - hostport] = 0;
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		return -EHOSTUNREACH;
	for (struct addrinfo *a = ai; a; a = a->ai_next) {
		fd = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			fd = -errno;
			continue;
		}
		if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -errno;
	}
	freeaddrinfo(ai);
	return fd;
}

static int open_socket(const char *spec, struct uart *u)
{
	int fd;

	if (strncmp(spec, "unix:", 5) == 0)
		fd = socket_unix(spec + 5);
	else if (strncmp(spec, "tcp:", 4) == 0)
		fd = socket_tcp(spec + 4);
	else
		fd = -EINVAL;
	if (fd < 0)
		return fd;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	return fd_uart_new(fd, &socket_ops, u);
}

int uart_open_socket(const char *spec, struct uart *u)
{
	int r = open_socket(spec, u);

	if (r < 0)
		return log_error_errno(r, "sol: cannot connect to %s", spec);
	return 0;
}

int uart_try_reopen(const char *kind, const char *path, unsigned bps, struct uart *u)
{
	const char *what;

	if (!strcmp(kind, "tty"))
		return open_tty(path, bps, u, &what);
	if (!strcmp(kind, "socket"))
		return open_socket(path, u);
	return -EOPNOTSUPP;
}

void uart_close(struct uart *u)
{
	if (u->ops && u->ops->close)
		u->ops->close(u->ctx);
	*u = (struct uart){ .fd = -1 };
}
