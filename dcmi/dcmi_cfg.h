/* SPDX-License-Identifier: MIT */
/*
 * DCMI as the board file describes it (section "dcmi", parsed by
 * dcmi/dcmi_cfg.c).  See docs/dcmi.md.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "sensors/sensor_cfg.h"

#define DCMI_POWER_SENSORS_MAX 8	/* sensors summed into the system power */
#define DCMI_STRING_MAX 64		/* asset tag, MC ID string: bytes, NUL not stored */
#define DCMI_SAMPLES_MAX 3600		/* statistics window / sample interval */

struct cfg_dcmi {
	char power_sensors[DCMI_POWER_SENSORS_MAX][SENSOR_NAME_MAX + 1];
	unsigned n_power_sensors;
	unsigned window_s;		/* statistics window, default 60 */
	unsigned sample_ms;		/* power sampling interval, default 1000 */
	char mc_id[DCMI_STRING_MAX + 1];	/* default: the board's name */
	char asset_tag[DCMI_STRING_MAX + 1];	/* default: empty */
};

struct board_config;
struct json_object;
struct pctx;

/* The board-file hooks of its module (struct bmc_module). */
void dcmi_cfg_defaults(struct board_config *cfg);
void dcmi_parse_config(struct pctx *c, struct json_object *root, struct board_config *cfg);
