/* SPDX-License-Identifier: MIT */
/*
 * IPMB channels and satellite controllers as the board file describes them
 * (section "ipmb", parsed by ipmb/ipmb_cfg.c).  See docs/bridging.md.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "sensors/sensor_cfg.h"

#define IPMB_CHANNELS_MAX 4		/* IPMB channels of the BMC */
#define IPMB_SATELLITES_MAX 8		/* simulated controllers, all levels */
#define IPMB_SAT_SENSORS_MAX 16		/* sensors of one satellite */
#define IPMB_NAME_MAX 16

struct cfg_ipmb_channel {
	uint8_t number;			/* 0 (primary IPMB) .. 11 */
	char device[64];		/* "/dev/ipmb-N" (ipmb_dev_int); empty: simulated bus */
};

/* A simulated management controller: on one of the BMC's IPMB channels, or
 * (via >= 0) on a channel of another satellite, which then bridges to it. */
struct cfg_satellite {
	char name[IPMB_NAME_MAX + 1];
	uint8_t channel;		/* the channel it sits on (the BMC's, or its via's) */
	uint8_t address;		/* 8-bit IPMB slave address */
	int via;			/* index of the satellite it is behind; -1: the BMC */
	bool responds;			/* false: acknowledges, never answers (tests C3h) */
	uint8_t device_id, device_rev, fw_major, fw_minor;
	uint32_t manufacturer;		/* IANA enterprise number */
	uint16_t product;
	struct cfg_sensor sensors[IPMB_SAT_SENSORS_MAX];
	unsigned n_sensors;
};

struct cfg_ipmb {
	uint8_t address;		/* the BMC's own slave address, default 20h */
	unsigned timeout_ms;		/* a bridged request's answer deadline, default 1000 */
	struct cfg_ipmb_channel channels[IPMB_CHANNELS_MAX];
	unsigned n_channels;
	struct cfg_satellite sats[IPMB_SATELLITES_MAX];
	unsigned n_sats;
};

struct board_config;
struct json_object;
struct pctx;

/* The board-file hooks of its module (struct bmc_module). */
void ipmb_defaults(struct board_config *cfg);
void ipmb_parse_config(struct pctx *c, struct json_object *root, struct board_config *cfg);
void ipmb_check_config(struct pctx *c, struct board_config *cfg);
