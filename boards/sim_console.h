/* SPDX-License-Identifier: MIT */
/*
 * The simulated host's serial console: a pseudo-terminal pair owned by
 * bmcd.  SOL gets the master side as its UART; the host side is driven by a
 * small state machine that prints a boot log when the host powers on or is
 * reset (firmware POST, GRUB, a Linux kernel, then "sim login: "), logs a
 * user in (any name, password "password"), runs a few shell commands and
 * prints nothing while the host is off.
 *
 * Commands: help, uname [-a], echo ..., whoami, hostname, uptime,
 * blast N (N bytes of a known pattern between "BLAST-BEGIN N" and
 * "BLAST-END N CRC32" lines, for throughput tests), exit / logout.
 * Ctrl-C interrupts blast and clears the line.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "sol/uart.h"

/* Open the console as a UART backend; 'powered' = the host is already on
 * (then the console starts at the login prompt). 0 or -errno. */
int sim_console_open(sd_event *ev, bool powered, struct uart *u);

/* The blast pattern: byte i of the data "blast N" prints. */
static inline uint8_t sim_blast_byte(uint64_t i)
{
	static const char alnum[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

	return (uint8_t)alnum[(i + (i >> 6)) % 62];
}
