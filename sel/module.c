/* SPDX-License-Identifier: MIT */
#include "daemon/bmc.h"
#include "daemon/config_parse.h"
#include "daemon/ipmi.h"
#include "daemon/module.h"
#include "sensors/sensors.h"
#include "sel/sel.h"
#include "daemon/log.h"

static void sel_module_on_event(void *userdata, const uint8_t rec[SEL_RECORD_LEN])
{
	bmc_modules_on_sel_event(userdata, rec);
}

static int sel_module_init(struct bmc *bmc)
{
	int r = sel_init(bmc->sel, bmc->state_fd, bmc->cfg.sel_capacity);

	if (r < 0)
		return log_error_errno(r, "sel");
	bmc->sel->on_event = sel_module_on_event;
	bmc->sel->on_event_userdata = bmc;
	return 0;
}

MODULE_HOOK(sel_module_done, sel_done(bmc->sel))
MODULE_COLD_RESET(sel_module_reset, sel_reset_volatile(bmc->sel))

/* A sensor event, to the BMC as its own event receiver: into the SEL when
 * SEL logging is enabled. */
static void sel_on_sensor_event(struct bmc *bmc, const struct sensor_event *e)
{
	const struct sensor *s = e->sensor;

	if (!(bmc->global_enables & 0x08))
		return;
	if (sel_add_event(bmc->sel, SEL_GEN_BMC, s->cfg->type, s->number,
			  (uint8_t)((e->deassert ? 0x80 : 0) | s->cfg->event_type), e->ed1, e->ed2, e->ed3) < 0)
		log_warning("sensor %s: event not logged (SEL full or not writable)", s->cfg->name);
}

static const char *const sel_keys[] = { "sel", NULL };

const struct bmc_module sel_module = {
	.name = "sel", .keys = sel_keys, .defaults = sel_defaults, .parse = sel_parse_config,
	MODULE_PART(sel), .init = sel_module_init,
	.done = sel_module_done, .reset = sel_module_reset,
	.cmds = sel_cmds, .on_sensor_event = sel_on_sensor_event,
};
