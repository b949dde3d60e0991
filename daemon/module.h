/* SPDX-License-Identifier: MIT */
/*
 * What bmcd is made of.  Every subsystem describes itself with one
 * struct bmc_module: the board-file sections it owns, how it starts and
 * stops, the IPMI commands it answers and the events it follows.  The one
 * ordered list, bmc_modules[] (daemon/modules.c), is the only place that
 * names them all: it drives the board-file parse, init (in order), done (in
 * reverse), command lookup and every event fan-out.
 *
 * A hook a module does not need is NULL.  Adding a subsystem: its folder, a
 * line in bmc_modules[], its files in meson.build.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "chassis/power.h"

struct bmc;
struct board_config;
struct ipmi_cmd;
struct pctx;
struct session;
struct sensor;

/* A sensor crossing a threshold or changing state, as the BMC's event
 * receiver sees it. */
struct sensor_event {
	const struct sensor *sensor;
	bool deassert;
	uint8_t ed1, ed2, ed3;		/* event data bytes */
};

struct bmc_module {
	const char *name;
	/* Its part of struct bmc, if any: a pointer member that
	 * bmc_modules_init() points at zeroed memory before init() and frees
	 * after done() (MODULE_PART(sel) sets both). */
	size_t part_offset, part_size;

	/* The board file.  'keys' lists the top-level keys the module owns
	 * (NULL-terminated); defaults() runs before any section is parsed,
	 * parse() reports problems with their key path through the pctx,
	 * check() cross-checks against other sections once all are parsed. */
	const char *const *keys;
	void (*defaults)(struct board_config *cfg);
	void (*parse)(struct pctx *c, json_object *root, struct board_config *cfg);
	void (*check)(struct pctx *c, struct board_config *cfg);

	/* Life.  init() logs its own errors and returns -errno; done() undoes
	 * whatever init() did, also after a partial init.  reset() runs for a
	 * BMC cold reset (cold) or warm reset: back to the volatile defaults. */
	int (*init)(struct bmc *bmc);
	void (*done)(struct bmc *bmc);
	void (*reset)(struct bmc *bmc, bool cold);
	/* Once a second, for expiry and housekeeping. */
	void (*tick)(struct bmc *bmc, uint64_t now_usec);

	/* The commands it answers, ended by an entry with .fn == NULL. */
	const struct ipmi_cmd *cmds;

	/* Events it follows. */
	void (*on_power)(struct bmc *bmc, enum power_event ev, enum restart_cause cause);
	void (*on_sel_event)(struct bmc *bmc, const uint8_t rec[16]);
	void (*on_sensor_event)(struct bmc *bmc, const struct sensor_event *e);
	void (*on_session_free)(struct bmc *bmc, struct session *s);
	void (*on_session_unproven)(struct bmc *bmc, struct session *s);
	void (*on_pretimeout)(struct bmc *bmc);
};

#define MODULE_PART(member) \
	.part_offset = offsetof(struct bmc, member), .part_size = sizeof(*((struct bmc *)0)->member)

/* Hooks whose whole body is one call, for a module.c to define in a line
 * each: MODULE_COLD_RESET(sel_reset, sel_reset_volatile(bmc->sel)).  The
 * call sees bmc and the hook's other arguments (cold, ev, cause, rec, s). */
#define MODULE_HOOK(name, call) \
	static void name(struct bmc *bmc) { call; }
#define MODULE_COLD_RESET(name, call) \
	static void name(struct bmc *bmc, bool cold) { if (cold) call; }
#define MODULE_ON_POWER(name, call) \
	static void name(struct bmc *bmc, enum power_event ev, enum restart_cause cause) { call; }
#define MODULE_ON_SEL_EVENT(name, call) \
	static void name(struct bmc *bmc, const uint8_t rec[16]) { call; }

/* Every module, in init order, ended by NULL. */
extern const struct bmc_module *const bmc_modules[];

/* Run each module's init in order; on failure, done() for those already
 * up, in reverse, and the error. */
int bmc_modules_init(struct bmc *bmc);
void bmc_modules_done(struct bmc *bmc);
void bmc_modules_reset(struct bmc *bmc, bool cold);
void bmc_modules_tick(struct bmc *bmc, uint64_t now_usec);

/* Event fan-out: every module's listener, in module order. */
void bmc_modules_on_power(struct bmc *bmc, enum power_event ev, enum restart_cause cause);
void bmc_modules_on_sel_event(struct bmc *bmc, const uint8_t rec[16]);
void bmc_modules_on_sensor_event(struct bmc *bmc, const struct sensor_event *e);
void bmc_modules_on_session_free(struct bmc *bmc, struct session *s);
void bmc_modules_on_session_unproven(struct bmc *bmc, struct session *s);
void bmc_modules_on_pretimeout(struct bmc *bmc);
