/* SPDX-License-Identifier: MIT */
/*
 * The board file: what one board is (identity, LAN, users, host, ...).
 * daemon/config.c reads the JSON and has every module of bmc_modules[]
 * parse its own sections, whose structs live in the modules' folders (the
 * *_cfg.h headers below).  Every problem is reported with its key path,
 * e.g. "users[1].password: missing".  See docs/board-file.md.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "boards/host_cfg.h"
#include "channels/users_cfg.h"
#include "daemon/identity_cfg.h"
#include "dbus/dbus_cfg.h"
#include "dcmi/dcmi_cfg.h"
#include "fru/fru_cfg.h"
#include "i2c/i2c_cfg.h"
#include "ipmb/ipmb_cfg.h"
#include "kcs/kcs_cfg.h"
#include "lan/lan_cfg.h"
#include "pef/pef_cfg.h"
#include "redfish/redfish_cfg.h"
#include "sel/sel_cfg.h"
#include "sensors/sensor_cfg.h"
#include "sol/sol_cfg.h"
#include "thermal/thermal_cfg.h"

/*
 * Each BMC keeps a copy (struct bmc), of which only the pages that are not
 * all zero take memory (bmc_init): the small sections come first and the
 * tables sized for the maxima last, so a typical board's few hundred set
 * bytes fill few pages (docs/virtual.md, "Footprint and scale").
 */
struct board_config {
	char name[64];
	struct cfg_identity identity;	/* daemon/identity_cfg.h */
	struct cfg_lan lan;		/* lan/lan_cfg.h */
	unsigned max_users;		/* highest user id the BMC offers, default 15 */
	struct cfg_sol sol;		/* sol/sol_cfg.h */
	struct cfg_pef pef;		/* platform event filtering (pef/pef_cfg.h) */
	unsigned sel_capacity;		/* SEL entries, default 4096 */
	unsigned n_sensors;
	unsigned n_frus;
	struct cfg_kcs kcs;		/* the host interface (kcs/kcs_cfg.h) */
	struct cfg_dcmi dcmi;		/* DCMI (dcmi/dcmi_cfg.h) */
	struct cfg_dbus dbus;		/* D-Bus connection and name (dbus/dbus_cfg.h) */
	struct cfg_redfish redfish;	/* Redfish over HTTPS (redfish/redfish_cfg.h) */
	char hwmon_root[108];		/* default "/sys/class/hwmon" */
	char sim_dir[108];		/* sim sensor overrides; empty: <state dir>/sim */
	struct cfg_host host;		/* boards/host_cfg.h */
	struct cfg_user users[CFG_MAX_USERS + 1];	/* indexed by user id; [0] unused */
	struct cfg_fru frus[CFG_MAX_FRUS];
	struct cfg_sensor sensors[CFG_MAX_SENSORS];
	struct cfg_i2c i2c;		/* Master Write-Read buses and allow-lists (i2c/i2c_cfg.h) */
	struct cfg_ipmb ipmb;		/* IPMB channels and satellites (ipmb/ipmb_cfg.h) */
	struct cfg_thermal thermal;	/* fan zones (thermal/thermal_cfg.h) */
};

/*
 * Parse a board file.  On success fills *cfg (defaults applied) and returns
 * 0.  On failure returns -EINVAL (or -errno for I/O) and, when 'errors' is
 * not NULL, calls errors(path_message, userdata) once per problem found,
 * e.g. "users[1].password: missing".  Cipher suite 0 is enabled only by
 * listing it in lan.cipher_suites.  Never logs passwords.
 */
typedef void (*cfg_error_fn)(const char *msg, void *userdata);
int config_load(const char *path, struct board_config *cfg, cfg_error_fn errors, void *userdata);
int config_parse(const char *json_text, size_t len, struct board_config *cfg,
		 cfg_error_fn errors, void *userdata);

/* Parse "A.B.C.D:PORT" or "[v6]:PORT" into ep.  0 or -EINVAL. */
int config_parse_endpoint(const char *text, struct cfg_endpoint *ep);
