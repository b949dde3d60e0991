/* SPDX-License-Identifier: MIT */
/*
 * The real host behind GPIO lines (host.backend "gpio"): button outputs
 * pulsed for the power state machine, power good read back as an input
 * whose edges arrive as line events on the sd-event loop.  Lines are found
 * by name (gpio-line-names in the device tree, or gpio-sim names), through
 * libgpiod 1.6.  See docs/board-file.md and docs/qemu.md.
 */
#pragma once

#include <stdbool.h>

#define GPIO_LINE_NAME_MAX 32

/* One signal: a line name and its polarity. */
struct cfg_gpio_line {
	char name[GPIO_LINE_NAME_MAX];	/* empty: not wired */
	bool active_low;		/* asserted = electrically low */
};

struct cfg_gpio {			/* host.gpio */
	struct cfg_gpio_line power_button;	/* out, required */
	struct cfg_gpio_line reset_button;	/* out, required */
	struct cfg_gpio_line power_good;	/* in, required */
	struct cfg_gpio_line nmi;		/* out, optional */
	struct cfg_gpio_line identify_led;	/* out, optional */
	struct cfg_gpio_line post_complete;	/* in, optional */
	unsigned power_pulse_ms;	/* short press, default 200 */
	unsigned force_off_ms;		/* long press forcing power off, default 6000 */
	unsigned reset_pulse_ms;	/* default 200 */
	unsigned nmi_pulse_ms;		/* default 200 */
};

struct bmc;
struct gpio_host;
struct power_timing;

/* Request the lines of bmc->cfg.host.gpio, make bmc->ghost and run
 * bmc->power on it (press widths from the board file, the rest from
 * 'base').  0, or -errno after logging which line is missing or busy. */
int gpio_host_power_init(struct bmc *bmc, const struct power_timing *base);
/* Releases the lines (outputs fall back to the kernel's default). */
struct gpio_host *gpio_host_free(struct gpio_host *h);
/* POST complete (optional input): 1, 0, or -errno (-ENODEV: not wired). */
int gpio_host_post_complete(struct gpio_host *h);
