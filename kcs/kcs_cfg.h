/* SPDX-License-Identifier: MIT */
/*
 * Board-file settings of the host interface (section "kcs"), parsed by
 * kcs/kcs_cfg.c.  See docs/kcs.md.
 */
#pragma once

#include <stdint.h>

#define KCS_ALLOW_MAX 64		/* allow-list entries */

enum kcs_backend_kind {
	KCS_NONE,			/* no host interface */
	KCS_EXTERN,			/* QEMU ipmi-bmc-extern on a socket bmcd listens on */
	KCS_DEVICE,			/* Linux kcs_bmc character device /dev/ipmi-kcsN */
};

struct cfg_kcs {
	enum kcs_backend_kind backend;
	char listen[108];		/* extern: "unix:/path" or "tcp:HOST:PORT" */
	char device[64];		/* device: "/dev/ipmi-kcs3" */
	/* Commands the host may send, as netfn << 8 | cmd (cmd 0x100: any
	 * command of that netfn is written as netfn << 8 | 0xff with 'any').
	 * Empty: every command the dispatcher knows. */
	uint16_t allow[KCS_ALLOW_MAX];
	uint8_t allow_any[KCS_ALLOW_MAX];	/* 1: every command of allow[i]'s netfn */
	unsigned n_allow;
};

struct board_config;
struct json_object;
struct pctx;

/* The board-file hooks of its module (struct bmc_module). */
void kcs_parse_config(struct pctx *c, struct json_object *root, struct board_config *cfg);
