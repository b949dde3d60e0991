/* SPDX-License-Identifier: MIT */
/*
 * The host's serial port as SOL sees it: a non-blocking file descriptor
 * (bytes from the host are read from it, bytes for the host are written to
 * it) plus a few optional operations.  Backends: the sim board's console
 * (boards/sim_console.c, a pseudo-terminal pair), a real tty (termios raw at
 * the configured rate, e.g. an AST2600 VUART /dev/ttyS*), and a unix or TCP
 * stream socket (e.g. QEMU's serial chardev), in sol/uart_tty.c.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "chassis/power.h"

struct uart_ops {
	const char *name;
	/* Bit rate in bit/s; 0 = leave the port as it is.  Optional. */
	int (*set_baud)(void *ctx, unsigned bps);
	/* A serial break towards the host.  Optional. */
	int (*send_break)(void *ctx);
	/* Modem lines towards the host: CTS (clear to send) and DCD/DSR.
	 * Optional. */
	int (*modem)(void *ctx, bool cts, bool dcd_dsr);
	/* The host's power changed (only a simulated host cares).  Optional. */
	void (*host_event)(void *ctx, enum power_event ev);
	void (*close)(void *ctx);
};

struct uart {
	const struct uart_ops *ops;
	void *ctx;
	int fd;			/* non-blocking; -1: no UART (SOL is silent) */
};

/* A real tty at 'bps' (0 = keep its rate), raw mode. 0 or -errno. */
int uart_open_tty(const char *path, unsigned bps, struct uart *u);
/* A stream socket: "unix:/path" or "tcp:HOST:PORT" (connected once at
 * start).  0 or -errno. */
int uart_open_socket(const char *spec, struct uart *u);
void uart_close(struct uart *u);
/* Open a UART that went away again, without logging: kind "tty" (path at
 * bps) or "socket" (path is the spec).  0, -errno, or -EOPNOTSUPP for the
 * backends that cannot go away (sim, libvirt). */
int uart_try_reopen(const char *kind, const char *path, unsigned bps, struct uart *u);
/* Bit rate of an IPMI bit-rate code (6 = 9600 .. 0Ah = 115200), 0 if none. */
unsigned uart_rate_bps(uint8_t code);
