/* SPDX-License-Identifier: MIT */
/*
 * Board-file section "host" (boards/host_cfg.c) with its backends'
 * sub-sections host.qemu (boards/qemu_cfg.c) and host.gpio
 * (boards/gpio_host.c).  See docs/board-file.md and docs/qemu.md.
 */
#pragma once

#include <stdbool.h>

#include "boards/gpio_host.h"
#include "boards/libvirt_host.h"

#define QEMU_CMD_MAX 4096		/* host.qemu.command, every argument with its NUL */
#define QEMU_ARGS_MAX 96

struct cfg_qemu {			/* host.backend "qemu" */
	char command[QEMU_CMD_MAX];	/* argv, each argument NUL-terminated */
	unsigned argc;
	char serial[108];		/* where the VM's serial port connects: "unix:/path" */
	char console[108];		/* where console clients (SOL) connect: "unix:/path" */
	unsigned stop_timeout_ms;	/* after a power off, kill the VM; default 10000 */
};

enum cfg_restore_policy {	/* IPMI power restore policy values */
	RESTORE_ALWAYS_OFF = 0,
	RESTORE_PREVIOUS = 1,
	RESTORE_ALWAYS_ON = 2,
};

struct cfg_host {			/* the simulated host ("sim" backend) */
	char backend[16];		/* "sim" for now */
	unsigned power_on_ms;		/* button press to power good, default 1500 */
	unsigned power_off_ms;		/* hard off: long press to power gone, default 500 */
	unsigned soft_off_ms;		/* ACPI shutdown duration, default 3000 */
	unsigned cycle_interval_ms;	/* off time during a power cycle, default 1000 */
	unsigned reset_ms;		/* reset pulse handling time, default 200 */
	bool initially_on;		/* power state at start, default false */
	unsigned power_good_timeout_ms;	/* press to power good, at most; 0: power_on_ms + 10 s */
	enum cfg_restore_policy restore_policy;	/* until set over IPMI; default always-off */
	struct cfg_qemu qemu;		/* backend "qemu": the VM bmcd runs */
	struct cfg_gpio gpio;		/* backend "gpio": the lines (boards/gpio_host.h) */
	struct cfg_libvirt libvirt;	/* backend "libvirt": the domain (boards/libvirt_host.h) */
};

struct board_config;
struct json_object;
struct pctx;

/* The board-file hooks of its module (struct bmc_module). */
void host_defaults(struct board_config *cfg);
void host_parse_config(struct pctx *c, struct json_object *root, struct board_config *cfg);
/* host.backend, checked against the backends boards/module.c lists, and
 * every backend's own sub-section. */
void host_backend_parse(struct pctx *c, struct json_object *host, struct cfg_host *h);
void qemu_parse_config(struct pctx *c, struct json_object *host, struct cfg_host *h);
void gpio_parse_config(struct pctx *c, struct json_object *host, struct cfg_host *h);
void libvirt_parse_config(struct pctx *c, struct json_object *host, struct cfg_host *h);
