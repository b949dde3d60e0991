/* SPDX-License-Identifier: MIT */
/*
 * /redfish/v1/Systems: the one host, /redfish/v1/Systems/system.
 *
 * Everything is read from, and written through, the state the IPMI side
 * uses: PowerState is the power state machine's (chassis/power.h), Reset
 * starts what Chassis Control would, the Boot override is System Boot
 * Options parameter 5 (chassis/bootopt.h), LocationIndicatorActive is
 * Chassis Identify, the identity is FRU device 0's and the system GUID.
 */
#include <errno.h>
#include <string.h>

#include "chassis/bootopt.h"
#include "chassis/chassis.h"
#include "chassis/power.h"
#include "daemon/bmc.h"
#include "daemon/log.h"
#include "redfish/res.h"

#define RESET_TARGET RES_SYSTEM "/Actions/ComputerSystem.Reset"
#define RESET_INFO RES_SYSTEM "/ResetActionInfo"

enum reset_type {
	RESET_ON, RESET_FORCE_OFF, RESET_GRACEFUL_SHUTDOWN, RESET_GRACEFUL_RESTART,
	RESET_FORCE_RESTART, RESET_POWER_CYCLE, RESET_NMI, RESET_PUSH_POWER_BUTTON,
};

static const char *const reset_types[] = {
	[RESET_ON] = "On",
	[RESET_FORCE_OFF] = "ForceOff",
	[RESET_GRACEFUL_SHUTDOWN] = "GracefulShutdown",
	[RESET_GRACEFUL_RESTART] = "GracefulRestart",
	[RESET_FORCE_RESTART] = "ForceRestart",
	[RESET_POWER_CYCLE] = "PowerCycle",
	[RESET_NMI] = "Nmi",
	[RESET_PUSH_POWER_BUTTON] = "PushPowerButton",
	NULL,
};

/* The boot override's three properties and IPMI's values for them. */
static const char *const boot_targets[] = {
	"None", "Pxe", "Hdd", "Cd", "Usb", "BiosSetup", "Diags", NULL,
};
static const enum bootopt_device target_dev[] = {
	BOOTDEV_NONE, BOOTDEV_PXE, BOOTDEV_DISK, BOOTDEV_CDROM, BOOTDEV_FLOPPY, BOOTDEV_SETUP,
	BOOTDEV_DIAG,
};
enum { ENABLED_DISABLED, ENABLED_ONCE, ENABLED_CONTINUOUS };
static const char *const boot_enabled[] = { "Disabled", "Once", "Continuous", NULL };
enum { MODE_UEFI, MODE_LEGACY };
static const char *const boot_modes[] = { "UEFI", "Legacy", NULL };

/* The Redfish target an IPMI device reads as (the remote and safe-mode
 * variants as their kind; USB is IPMI's "primary removable media"). */
static int dev_target(enum bootopt_device dev)
{
	switch (dev) {
	case BOOTDEV_PXE:
		return 1;
	case BOOTDEV_DISK:
	case BOOTDEV_DISK_SAFE:
	case BOOTDEV_REMOTE_DISK:
		return 2;
	case BOOTDEV_CDROM:
	case BOOTDEV_REMOTE_CDROM:
	case BOOTDEV_REMOTE_MEDIA:
		return 3;
	case BOOTDEV_FLOPPY:
	case BOOTDEV_REMOTE_FLOPPY:
		return 4;
	case BOOTDEV_SETUP:
		return 5;
	case BOOTDEV_DIAG:
		return 6;
	default:
		return 0;
	}
}

/* The override as the flags hold it now. */
struct boot_override {
	int target, enabled, mode;
};

static struct boot_override boot_current(const struct bootopt *b)
{
	const uint8_t *f = b->v.saved.flags;
	struct boot_override o;

	o.enabled = !(f[0] & BOOTOPT_F1_VALID) ? ENABLED_DISABLED :
		    (f[0] & BOOTOPT_F1_PERSISTENT) ? ENABLED_CONTINUOUS : ENABLED_ONCE;
	o.target = dev_target((enum bootopt_device)((f[1] >> 2) & 0xf));
	o.mode = (f[0] & BOOTOPT_F1_EFI) ? MODE_UEFI : MODE_LEGACY;
	return o;
}

static json_object *string_array(const char *const *v)
{
	json_object *a = json_object_new_array();

	for (; *v; v++)
		json_object_array_add(a, json_object_new_string(*v));
	return a;
}

static json_object *boot_json(struct bmc *bmc)
{
	json_object *o = json_object_new_object();
	struct boot_override c;

	if (!bmc->bootopt)
		return o;
	c = boot_current(bmc->bootopt);
	json_object_object_add(o, "BootSourceOverrideTarget", json_object_new_string(boot_targets[c.target]));
	json_object_object_add(o, "BootSourceOverrideTarget@Redfish.AllowableValues", string_array(boot_targets));
	json_object_object_add(o, "BootSourceOverrideEnabled", json_object_new_string(boot_enabled[c.enabled]));
	json_object_object_add(o, "BootSourceOverrideEnabled@Redfish.AllowableValues", string_array(boot_enabled));
	json_object_object_add(o, "BootSourceOverrideMode", json_object_new_string(boot_modes[c.mode]));
	json_object_object_add(o, "BootSourceOverrideMode@Redfish.AllowableValues", string_array(boot_modes));
	return o;
}

static json_object *system_json(struct bmc *bmc)
{
	json_object *o = rf_object(RES_SYSTEM, "#ComputerSystem.v1_20_0.ComputerSystem", RES_SYSTEM_ID, "System");
	json_object *links = json_object_new_object(), *a;
	bool on = bmc->power && bmc->power->state == POWER_ON;
	struct res_fru fru;
	char uuid[37];

	res_fru_read(bmc, &fru);
	rf_guid_text(bmc->system_guid, uuid);
	json_object_object_add(o, "SystemType", json_object_new_string("Physical"));
	res_add_str(o, "Manufacturer", fru.manufacturer);
	res_add_str(o, "Model", fru.model);
	res_add_str(o, "SerialNumber", fru.serial);
	res_add_str(o, "PartNumber", fru.part);
	res_add_str(o, "AssetTag", fru.asset_tag);
	json_object_object_add(o, "UUID", json_object_new_string(uuid));
	json_object_object_add(o, "PowerState", res_power_state_json(bmc));
	json_object_object_add(o, "Status", res_status(on ? "Enabled" : "StandbyOffline", res_health(bmc)));
	json_object_object_add(o, "LocationIndicatorActive",
			       json_object_new_boolean(bmc->chassis && bmc->chassis->identify != 0));
	json_object_object_add(o, "Boot", boot_json(bmc));
	a = json_object_new_array();
	json_object_array_add(a, res_link(RES_CHASSIS));
	json_object_object_add(links, "Chassis", a);
	a = json_object_new_array();
	json_object_array_add(a, res_link(RES_MANAGER));
	json_object_object_add(links, "ManagedBy", a);
	json_object_object_add(o, "Links", links);
	res_add_action(o, "#ComputerSystem.Reset", RESET_TARGET, RESET_INFO);
	return o;
}

static int get_collection(struct rf_ctx *ctx)
{
	return res_one_member(ctx, "/redfish/v1/Systems",
			      "#ComputerSystemCollection.ComputerSystemCollection",
			      "Computer System Collection", RES_SYSTEM);
}

static int get_system(struct rf_ctx *ctx)
{
	json_object *o = system_json(ctx->bmc);

	rf_json(ctx, 200, o);
	return 0;
}

/* The Boot object of a PATCH into *o (current values where it says
 * nothing).  -1 after a 400. */
static int parse_boot(struct rf_ctx *ctx, json_object *boot, struct boot_override *o)
{
	static const char *const known[] = {
		"BootSourceOverrideTarget", "BootSourceOverrideEnabled", "BootSourceOverrideMode", NULL,
	};
	const char *t, *e, *m;
	int i;

	if (!json_object_is_type(boot, json_type_object))
		return rf_error(ctx, 400, RES_MSG("PropertyValueTypeError"),
				rf_value_text(boot), "Boot");
	if (res_check_keys(ctx, boot, known) < 0 ||
	    res_get_string(ctx, boot, known[0], &t) < 0 || res_get_string(ctx, boot, known[1], &e) < 0 ||
	    res_get_string(ctx, boot, known[2], &m) < 0)
		return -1;
	if (t) {
		if ((i = res_enum(ctx, known[0], t, boot_targets)) < 0)
			return -1;
		/* A target alone turns a disabled override on for the next boot. */
		if (!e && o->enabled == ENABLED_DISABLED && i != 0)
			o->enabled = ENABLED_ONCE;
		o->target = i;
	}
	if (e) {
		if ((i = res_enum(ctx, known[1], e, boot_enabled)) < 0)
			return -1;
		o->enabled = i;
	}
	if (m) {
		if ((i = res_enum(ctx, known[2], m, boot_modes)) < 0)
			return -1;
		o->mode = i;
	}
	return 0;
}

/*
 * PATCH: Boot and LocationIndicatorActive.  Everything is checked before
 * anything changes; the boot flags (which can fail to be saved) are
 * written before the identify LED (which cannot fail when not timed).
 */
static int patch_system(struct rf_ctx *ctx)
{
	static const char *const known[] = { "Boot", "LocationIndicatorActive", NULL };
	struct bmc *bmc = ctx->bmc;
	json_object *boot = NULL, *lia = NULL;
	struct boot_override o = { 0 }, old = { 0 };
	int r;

	if (res_check_keys(ctx, ctx->body, known) < 0)
		return -1;
	if (bmc->bootopt)
		o = old = boot_current(bmc->bootopt);
	if (json_object_object_get_ex(ctx->body, "Boot", &boot)) {
		if (!bmc->bootopt)
			return rf_error(ctx, 400, RES_MSG("PropertyNotWritable"), "Boot", NULL);
		if (parse_boot(ctx, boot, &o) < 0)
			return -1;
	}
	if (json_object_object_get_ex(ctx->body, "LocationIndicatorActive", &lia)) {
		if (!json_object_is_type(lia, json_type_boolean))
			return rf_error(ctx, 400, RES_MSG("PropertyValueTypeError"),
					rf_value_text(lia),
					"LocationIndicatorActive");
		if (!bmc->chassis)
			return rf_error(ctx, 400, RES_MSG("PropertyNotWritable"), "LocationIndicatorActive", NULL);
	}
	if (boot && memcmp(&o, &old, sizeof(o))) {
		r = bootopt_set_flags(bmc->bootopt, o.enabled != ENABLED_DISABLED,
				      o.enabled == ENABLED_CONTINUOUS, o.mode == MODE_UEFI,
				      target_dev[o.target]);
		if (r < 0) {
			log_error_errno(r, "redfish: boot override by %s", ctx->user ? ctx->user : "?");
			return rf_error(ctx, 500, RES_MSG("InternalError"), NULL, NULL);
		}
		log_info("redfish: boot override %s, %s, %s by %s", boot_targets[o.target],
			 boot_enabled[o.enabled], boot_modes[o.mode], ctx->user ? ctx->user : "?");
	}
	if (lia) {
		bool on = json_object_get_boolean(lia);

		if (chassis_set_identify(bmc, 0, on) < 0)
			return rf_error(ctx, 500, RES_MSG("InternalError"), NULL, NULL);
	}
	return get_system(ctx);
}

static int get_reset_info(struct rf_ctx *ctx)
{
	rf_json(ctx, 200, res_action_info(RESET_INFO, "ResetActionInfo", "ResetType", reset_types));
	return 0;
}

/* The power state machine's answer as HTTP: 204, or 409 when the state
 * refuses (IPMI's "not in state" / "busy"). */
static int power_answer(struct rf_ctx *ctx, int r, const char *what)
{
	if (r == 0) {
		log_info("redfish: system reset %s by %s", what, ctx->user ? ctx->user : "?");
		res_no_content(ctx);
		return 0;
	}
	if (r == -ENOTSUP || r == -EAGAIN || r == -EBUSY) {
		log_info("redfish: system reset %s refused in power state %s", what,
			 power_state_name(ctx->bmc->power->state));
		return rf_error(ctx, 409, RES_MSG("ResourceInUse"), NULL, NULL);
	}
	log_error_errno(r, "redfish: %s", what);
	return rf_error(ctx, 500, RES_MSG("InternalError"), NULL, NULL);
}

/*
 * #ComputerSystem.Reset, as Chassis Control: On (power up), ForceOff
 * (power down), GracefulShutdown (soft off: an ACPI button press),
 * GracefulRestart (soft off, then on once the host is off), ForceRestart
 * (hard reset), PowerCycle, Nmi (diagnostic interrupt), PushPowerButton
 * (what a short press does: on when off, ACPI soft off when on).
 */
static int post_reset(struct rf_ctx *ctx)
{
	struct power *p = ctx->bmc->power;
	int t = res_action_param(ctx, "ComputerSystem.Reset", "ResetType", reset_types);
	int r;

	if (t < 0)
		return -1;
	if (!p)
		return rf_error(ctx, 409, RES_MSG("ResourceInUse"), NULL, NULL);
	switch (t) {
	case RESET_ON:
		r = power_request(p, POWER_ACTION_ON, RESTART_CHASSIS_CMD);
		break;
	case RESET_FORCE_OFF:
		r = power_request(p, POWER_ACTION_OFF, RESTART_CHASSIS_CMD);
		break;
	case RESET_GRACEFUL_SHUTDOWN:
		r = power_request(p, POWER_ACTION_SOFT, RESTART_CHASSIS_CMD);
		break;
	case RESET_GRACEFUL_RESTART:
		r = p->state == POWER_ON ? power_request(p, POWER_ACTION_SOFT, RESTART_CHASSIS_CMD) : -ENOTSUP;
		if (r == 0)
			r = power_request(p, POWER_ACTION_ON, RESTART_CHASSIS_CMD);
		break;
	case RESET_FORCE_RESTART:
		r = power_request(p, POWER_ACTION_RESET, RESTART_CHASSIS_CMD);
		break;
	case RESET_POWER_CYCLE:
		r = power_request(p, POWER_ACTION_CYCLE, RESTART_CHASSIS_CMD);
		break;
	case RESET_NMI:
		r = power_request(p, POWER_ACTION_DIAG, RESTART_CHASSIS_CMD);
		break;
	case RESET_PUSH_POWER_BUTTON:
	default:
		r = power_request(p, p->state == POWER_OFF ? POWER_ACTION_ON : POWER_ACTION_SOFT,
				  RESTART_CHASSIS_CMD);
		break;
	}
	return power_answer(ctx, r, reset_types[t]);
}

const struct rf_route rf_routes_systems[] = {
	{ "/redfish/v1/Systems", RF_GET, RF_PRIV_LOGIN, 0, .get = get_collection },
	{ RES_SYSTEM, RF_GET | RF_PATCH, RF_PRIV_LOGIN, RF_PRIV_CONFIGURE_COMPONENTS,
	  .get = get_system, .patch = patch_system },
	{ RESET_INFO, RF_GET, RF_PRIV_LOGIN, 0, .get = get_reset_info },
	{ RESET_TARGET, RF_POST, 0, RF_PRIV_CONFIGURE_COMPONENTS, .post = post_reset },
	{ NULL },
};
