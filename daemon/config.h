/* SPDX-License-Identifier: MIT */
/*
 * The board file: what one board is (identity, LAN, users, host).  Parsed by
 * daemon/config.c from JSON; every problem is reported with its key path,
 * e.g. "users[1].password: missing".  See docs/board-file.md.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "boards/gpio_host.h"
#include "dcmi/dcmi_cfg.h"
#include "fru/fru_cfg.h"
#include "i2c/i2c_cfg.h"
#include "pef/pef_cfg.h"
#include "ipmb/ipmb_cfg.h"
#include "kcs/kcs_cfg.h"
#include "sensors/sensor_cfg.h"

#define CFG_MAX_LISTEN 4
#define CFG_MAX_USERS 63	/* user IDs 1..63 */
#define CFG_NAME_MAX 16		/* IPMI user names are at most 16 bytes */
#define CFG_PASSWORD_MAX 20	/* IPMI 2.0 20-byte passwords */

enum ipmi_priv {
	PRIV_NONE = 0,		/* no session: pre-session commands only */
	PRIV_CALLBACK = 1,
	PRIV_USER = 2,
	PRIV_OPERATOR = 3,
	PRIV_ADMIN = 4,
	PRIV_OEM = 5,
	PRIV_NO_ACCESS = 0x0f,
};

struct cfg_endpoint {
	struct sockaddr_storage addr;	/* AF_INET or AF_INET6, port set */
	socklen_t addrlen;
	char text[64];			/* as written, e.g. "[::1]:6230" */
};

struct cfg_user {
	uint8_t id;			/* 1..63; 0 = slot unused */
	char name[CFG_NAME_MAX + 1];
	uint8_t password[CFG_PASSWORD_MAX];	/* zero padded */
	uint8_t password_len;
	enum ipmi_priv privilege;	/* channel privilege limit on LAN */
	bool enabled;
};

struct cfg_identity {
	uint8_t device_id;
	uint8_t device_revision;	/* 0..15 */
	uint8_t fw_major;		/* 0..127 */
	uint8_t fw_minor;		/* 0..99, sent as BCD */
	uint32_t manufacturer_id;	/* IANA enterprise number, 20 bits */
	uint16_t product_id;
	uint8_t aux[4];			/* auxiliary firmware revision */
};

struct cfg_lan {
	struct cfg_endpoint listen[CFG_MAX_LISTEN];
	unsigned n_listen;
	uint32_t cipher_suites;		/* bit n set = suite n enabled (0..17) */
	bool auth_none;			/* IPMI 1.5 auth type NONE allowed */
	bool auth_password;		/* IPMI 1.5 straight password allowed */
	bool auth_md5;			/* IPMI 1.5 MD5 allowed */
	uint8_t kg[CFG_PASSWORD_MAX];	/* BMC key K_G; all zero = not set */
	bool kg_set;
	unsigned session_timeout_s;	/* idle timeout, default 60 */
	unsigned max_sessions;		/* default 16, 1..64 */
	uint8_t channel;		/* LAN channel number, default 1 */
	char interface[16];		/* the BMC's NIC ("eth0"); empty: settings kept in memory */
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
	struct cfg_qemu qemu;		/* backend "qemu": the VM bmcd runs (kcs/kcs_cfg.h) */
	struct cfg_gpio gpio;		/* backend "gpio": the lines (boards/gpio_host.h) */
};

struct cfg_sol {			/* where the host's serial console is */
	char uart[8];			/* "sim", "tty", "socket", "none"; default: sim on the sim host */
	char tty[64];			/* uart "tty": e.g. "/dev/ttyS4" */
	unsigned baud;			/* uart "tty": 9600..115200, default 115200 */
	char socket[108];		/* uart "socket": "unix:/path" or "tcp:HOST:PORT" */
};

struct board_config {
	char name[64];
	struct cfg_identity identity;
	struct cfg_lan lan;
	struct cfg_user users[CFG_MAX_USERS + 1];	/* indexed by user id; [0] unused */
	unsigned max_users;		/* highest user id the BMC offers, default 15 */
	struct cfg_host host;
	struct cfg_sol sol;
	struct cfg_pef pef;		/* platform event filtering (pef/pef_cfg.h) */
	unsigned sel_capacity;		/* SEL entries, default 4096 */
	char hwmon_root[108];		/* default "/sys/class/hwmon" */
	char sim_dir[108];		/* sim sensor overrides; empty: <state dir>/sim */
	struct cfg_sensor sensors[CFG_MAX_SENSORS];
	unsigned n_sensors;
	struct cfg_fru frus[CFG_MAX_FRUS];
	unsigned n_frus;
	struct cfg_kcs kcs;		/* the host interface (kcs/kcs_cfg.h) */
	struct cfg_dcmi dcmi;		/* DCMI (dcmi/dcmi_cfg.h) */
	struct cfg_i2c i2c;		/* Master Write-Read buses and allow-lists (i2c/i2c_cfg.h) */
	struct cfg_ipmb ipmb;		/* IPMB channels and satellites (ipmb/ipmb_cfg.h) */
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
