/* SPDX-License-Identifier: MIT */
/*
 * Host and chassis power on D-Bus, as phosphor-dbus-interfaces name them:
 * xyz.openbmc_project.State.Host at /xyz/openbmc_project/state/host0 and
 * xyz.openbmc_project.State.Chassis at .../chassis0; the BMC itself,
 * xyz.openbmc_project.State.BMC at .../bmc0.  A requested
 * transition runs through power_request(), the state machine IPMI's
 * Chassis Control uses, so both answer alike in every state.
 */
#include <errno.h>
#include <string.h>

#include "daemon/bmc.h"
#include "daemon/log.h"
#include "dbus/dbus.h"

#define ROOT_PATH "/xyz/openbmc_project"
#define HOST_PATH ROOT_PATH "/state/host0"
#define CHASSIS_PATH ROOT_PATH "/state/chassis0"
#define HOST_IFACE "xyz.openbmc_project.State.Host"
#define CHASSIS_IFACE "xyz.openbmc_project.State.Chassis"
#define BMC_PATH ROOT_PATH "/state/bmc0"
#define BMC_IFACE "xyz.openbmc_project.State.BMC"

/* A Transition enum value and the Chassis Control action it is; -1: no
 * counterpart in the power state machine. */
struct transition {
	const char *name;
	int action;
};

/* Host.Off is phosphor's graceful shutdown (the OS is asked: IPMI's soft
 * off); Reboot is a power cycle; ForceWarmReboot the reset pulse. */
static const struct transition host_transitions[] = {
	{ HOST_IFACE ".Transition.Off", POWER_ACTION_SOFT },
	{ HOST_IFACE ".Transition.On", POWER_ACTION_ON },
	{ HOST_IFACE ".Transition.Reboot", POWER_ACTION_CYCLE },
	{ HOST_IFACE ".Transition.GracefulWarmReboot", -1 },
	{ HOST_IFACE ".Transition.ForceWarmReboot", POWER_ACTION_RESET },
	{ NULL, 0 },
};

static const struct transition chassis_transitions[] = {
	{ CHASSIS_IFACE ".Transition.Off", POWER_ACTION_OFF },
	{ CHASSIS_IFACE ".Transition.On", POWER_ACTION_ON },
	{ CHASSIS_IFACE ".Transition.PowerCycle", POWER_ACTION_CYCLE },
	{ CHASSIS_IFACE ".Transition.Reset", POWER_ACTION_RESET },	/* the reset button */
	{ NULL, 0 },
};

/* The BMC's: Reboot is IPMI's Cold Reset (bmcd restarts its volatile
 * state; the BMC's hardware is not bmcd's to reboot). */
#define BMC_T BMC_IFACE ".Transition."
static const char *const bmc_transitions[] = {
	BMC_T "None", BMC_T "Reboot", BMC_T "HardReboot", NULL,
};

static const char *host_state(const struct power *p)
{
	switch (p->state) {
	case POWER_ON:
		return HOST_IFACE ".HostState.Running";
	case POWER_POWERING_ON:
	case POWER_CYCLE_WAIT:
		return HOST_IFACE ".HostState.TransitioningToRunning";
	case POWER_POWERING_OFF:
	case POWER_SOFT_OFF:
		return HOST_IFACE ".HostState.TransitioningToOff";
	case POWER_OFF:
		break;
	}
	return HOST_IFACE ".HostState.Off";
}

/* The chassis stays on while the OS shuts down (soft off), and is off
 * during a power cycle's pause. */
static const char *power_state(const struct power *p)
{
	switch (p->state) {
	case POWER_ON:
	case POWER_SOFT_OFF:
		return CHASSIS_IFACE ".PowerState.On";
	case POWER_POWERING_ON:
		return CHASSIS_IFACE ".PowerState.TransitioningToOn";
	case POWER_POWERING_OFF:
		return CHASSIS_IFACE ".PowerState.TransitioningToOff";
	case POWER_OFF:
	case POWER_CYCLE_WAIT:
		break;
	}
	return CHASSIS_IFACE ".PowerState.Off";
}

static int reply_string(sd_bus_message *reply, const char *s)
{
	return sd_bus_message_append(reply, "s", s);
}

static int get_host_state(sd_bus *bus, const char *path, const char *iface, const char *prop,
			  sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;

	if (power_host_state(d->bmc->power) < 0)
		return sd_bus_error_set(ret_error, "xyz.openbmc_project.Common.Error.Unavailable",
					"the host's power state is unknown (its backend cannot tell)");
	return reply_string(reply, host_state(d->bmc->power));
}

static int get_power_state(sd_bus *bus, const char *path, const char *iface, const char *prop,
			   sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;

	if (power_host_state(d->bmc->power) < 0)
		return sd_bus_error_set(ret_error, "xyz.openbmc_project.Common.Error.Unavailable",
					"the host's power state is unknown (its backend cannot tell)");
	return reply_string(reply, power_state(d->bmc->power));
}

/* RequestedHostTransition, RequestedPowerTransition, RequestedBMCTransition:
 * what was last asked for. */
static int get_requested(sd_bus *bus, const char *path, const char *iface, const char *prop,
			 sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	const struct dbus *d = userdata;

	if (!strcmp(prop, "RequestedHostTransition"))
		return reply_string(reply, d->host_requested);
	if (!strcmp(prop, "RequestedPowerTransition"))
		return reply_string(reply, d->power_requested);
	return reply_string(reply, d->bmc_requested);
}

/* The transition a Set asks for, unless the tree is read-only. */
static int read_transition(const struct dbus *d, sd_bus_message *value, const char **s,
			   sd_bus_error *ret_error)
{
	int r = sd_bus_message_read(value, "s", s);

	return r < 0 ? r : dbus_refuse_read_only(d, ret_error);
}

/*
 * A written transition: refused whole (a D-Bus error naming why) or
 * started; *requested then reads back the value written.  The state
 * machine merges it with one under way as Chassis Control does.
 */
static int request(struct dbus *d, const char *path, const char *iface, const char *prop,
		   sd_bus_message *value, const struct transition *tab, const char **requested,
		   sd_bus_error *ret_error)
{
	const struct transition *t;
	const char *s;
	int r;

	r = read_transition(d, value, &s, ret_error);
	if (r < 0)
		return r;
	for (t = tab; t->name && strcmp(t->name, s); t++)
		;
	if (!t->name)
		return sd_bus_error_setf(ret_error, SD_BUS_ERROR_INVALID_ARGS,
					 "\"%s\" is not a transition of this object", s);
	if (t->action < 0)
		return sd_bus_error_setf(ret_error, SD_BUS_ERROR_NOT_SUPPORTED,
					 "%s: bmcd has no such action", s);
	r = power_request(d->bmc->power, (enum power_action)t->action, RESTART_CHASSIS_CMD);
	if (r == -ENOTSUP)
		return sd_bus_error_setf(ret_error, SD_BUS_ERROR_NOT_SUPPORTED,
					 "%s: not possible while the host is %s", s,
					 power_state_name(d->bmc->power->state));
	if (r < 0)
		return sd_bus_error_set_errnof(ret_error, r, "%s: %s", s, strerror(-r));
	log_info("dbus: %s requested", s);
	*requested = t->name;
	/* sd-bus answers the Set; the signal is ours to send. */
	sd_bus_emit_properties_changed(d->bus, path, iface, prop, NULL);
	dbus_state_changed(d);
	return 0;
}

static int set_host_requested(sd_bus *bus, const char *path, const char *iface, const char *prop,
			      sd_bus_message *value, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;

	return request(d, path, iface, prop, value, host_transitions, &d->host_requested, ret_error);
}

static int set_power_requested(sd_bus *bus, const char *path, const char *iface, const char *prop,
			       sd_bus_message *value, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;

	return request(d, path, iface, prop, value, chassis_transitions, &d->power_requested, ret_error);
}

static int get_bmc_state(sd_bus *bus, const char *path, const char *iface, const char *prop,
			 sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	return reply_string(reply, BMC_IFACE ".BMCState.Ready");
}

/* Reboot: the reset runs after this call's reply is sent (deferred). */
static int set_bmc_requested(sd_bus *bus, const char *path, const char *iface, const char *prop,
			     sd_bus_message *value, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;
	const char *s;
	int k, r;

	r = read_transition(d, value, &s, ret_error);
	if (r < 0)
		return r;
	for (k = 0; bmc_transitions[k] && strcmp(bmc_transitions[k], s); k++)
		;
	if (!bmc_transitions[k])
		return sd_bus_error_setf(ret_error, SD_BUS_ERROR_INVALID_ARGS,
					 "\"%s\" is not a transition of this object", s);
	if (!strcmp(s, BMC_T "HardReboot"))
		return sd_bus_error_setf(ret_error, SD_BUS_ERROR_NOT_SUPPORTED,
					 "%s: bmcd cannot reboot the BMC's hardware", s);
	if (!strcmp(s, BMC_T "Reboot")) {
		log_info("dbus: %s requested", s);
		bmc_schedule_reset(d->bmc, true);
	}
	d->bmc_requested = bmc_transitions[k];
	sd_bus_emit_properties_changed(d->bus, path, iface, prop, NULL);
	return 0;
}

/* A state object: its current state, and the transition it was asked for. */
#define STATE_VTABLE(name, cur, get_cur, cur_flags, req, get_req, set_req)		\
	static const sd_bus_vtable name[] = {						\
		SD_BUS_VTABLE_START(0),							\
		SD_BUS_PROPERTY(cur, "s", get_cur, 0, cur_flags),			\
		SD_BUS_WRITABLE_PROPERTY(req, "s", get_req, set_req, 0, EMITS),		\
		SD_BUS_VTABLE_END,							\
	}

STATE_VTABLE(host_vtable, "CurrentHostState", get_host_state, EMITS,
	     "RequestedHostTransition", get_requested, set_host_requested);
STATE_VTABLE(chassis_vtable, "CurrentPowerState", get_power_state, EMITS,
	     "RequestedPowerTransition", get_requested, set_power_requested);
/* LastRebootTime: when bmcd started (ms since 1970, the realtime clock
 * at its start); a Cold Reset is not a reboot of the BMC. */
static int get_last_reboot(sd_bus *bus, const char *path, const char *iface, const char *prop,
			   sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	const struct dbus *d = userdata;

	return sd_bus_message_append(reply, "t", d->started_ms);
}

static const sd_bus_vtable bmc_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("CurrentBMCState", "s", get_bmc_state, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_WRITABLE_PROPERTY("RequestedBMCTransition", "s", get_requested, set_bmc_requested, 0,
				 EMITS),
	SD_BUS_PROPERTY("LastRebootTime", "t", get_last_reboot, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_VTABLE_END,
};

int dbus_state_add(struct dbus *d)
{
	int r;

	if (!d->host_requested) {
		d->host_requested = host_transitions[0].name;
		d->power_requested = chassis_transitions[0].name;
		d->bmc_requested = bmc_transitions[0];
	}
	d->host_shown = host_state(d->bmc->power);
	d->power_shown = power_state(d->bmc->power);
	r = sd_bus_add_object_manager(d->bus, NULL, ROOT_PATH);
	if (r >= 0)
		r = sd_bus_add_object_vtable(d->bus, NULL, HOST_PATH, HOST_IFACE, host_vtable, d);
	if (r >= 0)
		r = sd_bus_add_object_vtable(d->bus, NULL, CHASSIS_PATH, CHASSIS_IFACE,
					     chassis_vtable, d);
	if (r >= 0)
		r = sd_bus_add_object_vtable(d->bus, NULL, BMC_PATH, BMC_IFACE, bmc_vtable, d);
	return r;
}

/* One property's PropertiesChanged when its value moved. */
static void publish(struct dbus *d, const char *path, const char *iface, const char *prop,
		    const char **shown, const char *now)
{
	int r;

	if (*shown == now)
		return;
	*shown = now;
	r = sd_bus_emit_properties_changed(d->bus, path, iface, prop, NULL);
	if (r < 0)
		log_debug("dbus: %s.%s changed, not signalled: %s", iface, prop, strerror(-r));
}

void dbus_state_changed(struct dbus *d)
{
	if (!d->bus)
		return;
	publish(d, HOST_PATH, HOST_IFACE, "CurrentHostState", &d->host_shown,
		host_state(d->bmc->power));
	publish(d, CHASSIS_PATH, CHASSIS_IFACE, "CurrentPowerState", &d->power_shown,
		power_state(d->bmc->power));
}
