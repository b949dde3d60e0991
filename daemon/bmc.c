/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "boards/sim_host.h"
#include "boards/qemu_host.h"
#include "boards/gpio_host.h"
#include "ipmb/ipmb.h"
#include "kcs/kcs.h"
#include "daemon/bmc.h"
#include "daemon/log.h"
#include "daemon/store.h"
#include "lan/crypto.h"
#include "lan/lan.h"
#include "sol/sol.h"

#define GUID_FILE "guid"

uint64_t bmc_now(struct bmc *bmc)
{
	uint64_t now = 0;

	sd_event_now(bmc->ev, CLOCK_MONOTONIC, &now);
	return now;
}

/* A random (version 4) GUID in IPMI wire order: the RFC 4122 byte string
 * reversed, least significant byte (the end of the node field) first. */
static int guid_new(uint8_t g[16])
{
	uint8_t rfc[16];
	int r = crypto_random(rfc, sizeof(rfc));

	if (r < 0)
		return r;
	rfc[6] = (rfc[6] & 0x0f) | 0x40;
	rfc[8] = (rfc[8] & 0x3f) | 0x80;
	for (int i = 0; i < 16; i++)
		g[i] = rfc[15 - i];
	return 0;
}

/* The system and device GUIDs are made once and kept in the state dir. */
static int guids_load(struct bmc *bmc)
{
	uint8_t buf[32];
	ssize_t n = store_read(bmc->state_fd, GUID_FILE, buf, sizeof(buf));
	int r;

	if (n == (ssize_t)sizeof(buf)) {
		memcpy(bmc->system_guid, buf, 16);
		memcpy(bmc->device_guid, buf + 16, 16);
		return 0;
	}
	if (n >= 0 || (n != -ENOENT && n != -EFBIG))
		log_warning("state: %s is corrupt (%zd); making new GUIDs", GUID_FILE, n);
	r = guid_new(bmc->system_guid);
	if (r == 0)
		r = guid_new(bmc->device_guid);
	if (r < 0)
		return log_error_errno(r, "state: cannot make GUIDs");
	memcpy(buf, bmc->system_guid, 16);
	memcpy(buf + 16, bmc->device_guid, 16);
	r = store_write(bmc->state_fd, GUID_FILE, buf, sizeof(buf));
	if (r < 0)
		return log_error_errno(r, "state: cannot write %s", GUID_FILE);
	return 0;
}

static int bmc_on_expiry(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct bmc *bmc = userdata;

	/* 'usec' is when the timer was due, which can be earlier than the
	 * last activity of a session served in this same iteration: use the
	 * loop's current time. */
	uint64_t now = bmc_now(bmc);

	lan_reap_handshakes(bmc, now);
	session_expire(&bmc->sessions, now);
	sd_event_source_set_time(src, now + 1000000);
	return 0;
}

static void bmc_volatile_defaults(struct bmc *bmc)
{
	bmc->global_enables = 0x0c;	/* SEL logging, event message buffer */
}

static int bmc_on_reset(sd_event_source *src, void *userdata)
{
	struct bmc *bmc = userdata;
	bool cold = bmc->cold_reset;

	/* One reset done: the next one is warm unless it asks to be cold. */
	bmc->cold_reset = false;
	bmc->reset = sd_event_source_disable_unref(bmc->reset);
	log_notice("%s reset", cold ? "cold" : "warm");
	if (cold) {
		/* Everything volatile, as if the BMC had restarted: sessions
		 * (and their SOL payloads), reservations, the watchdog,
		 * settings made over IPMI that the board file gives. */
		session_clear(&bmc->sessions);
		channels_reset_volatile(&bmc->channels);
		bootopt_reset_volatile(&bmc->bootopt);
		sel_reset_volatile(&bmc->sel);
		sdr_reset_volatile(&bmc->sdr);
		watchdog_reset_volatile(&bmc->wdt);
		sensors_reset_volatile(&bmc->sensors);
		kcs_reset_volatile(bmc->kcs);
		acpi_reset(&bmc->acpi);
		lanconf_reset_volatile(bmc);
		sol_reset_volatile(bmc->sol);
		pef_reset_volatile(&bmc->pef);
	}
	bmc_volatile_defaults(bmc);
	return 0;
}

void bmc_schedule_reset(struct bmc *bmc, bool cold)
{
	bmc->cold_reset = cold || bmc->cold_reset;
	if (bmc->reset)
		return;
	/* A defer source runs on the next loop iteration, after this
	 * request's response has been sent. */
	if (sd_event_add_defer(bmc->ev, &bmc->reset, bmc_on_reset, bmc) < 0)
		log_error("cannot schedule reset");
}

/* A sensor event, to the BMC as its own event receiver: into the SEL when
 * SEL logging is enabled. */
static void bmc_on_sensor_event(void *userdata, const struct sensor *s, bool deassert,
				uint8_t ed1, uint8_t ed2, uint8_t ed3)
{
	struct bmc *bmc = userdata;

	if (!(bmc->global_enables & 0x08))
		return;
	if (sel_add_event(&bmc->sel, SEL_GEN_BMC, s->cfg->type, s->number,
			  (uint8_t)((deassert ? 0x80 : 0) | s->cfg->event_type), ed1, ed2, ed3) < 0)
		log_warning("sensor %s: event not logged (SEL full or not writable)", s->cfg->name);
}

/* Every event the BMC logs: to the host's event message buffer (kcs/) and
 * through the event filters (pef/). */
static void bmc_on_sel_event(void *userdata, const uint8_t rec[SEL_RECORD_LEN])
{
	struct bmc *bmc = userdata;

	if (bmc->kcs)
		kcs_on_event(bmc->kcs, rec);
	pef_on_event(&bmc->pef, rec);
}

static void bmc_on_pretimeout(void *userdata)
{
	kcs_watchdog_pretimeout(userdata);
}

/* Sensors, then the SDR repository made from them. */
static int monitoring_init(struct bmc *bmc)
{
	enum { RECS_MAX = CFG_MAX_SENSORS + CFG_MAX_FRUS + 8 + IPMB_SATELLITES_MAX * (IPMB_SAT_SENSORS_MAX + 1) };
	uint8_t *rec[RECS_MAX] = { NULL };
	uint8_t len[RECS_MAX];
	int n, k, r;

	r = sensors_init(&bmc->sensors, bmc->ev, &bmc->cfg, bmc->state_fd);
	if (r < 0)
		return log_error_errno(r, "sensors");
	bmc->sensors.emit = bmc_on_sensor_event;
	bmc->sensors.emit_userdata = bmc;
	r = ipmb_init(bmc);	/* satellites: their sensors, and SDRs in ours */
	if (r < 0)
		return r;
	n = sdr_generate(&bmc->sensors, &bmc->cfg, rec, len, RECS_MAX);
	k = n < 0 ? 0 : ipmb_sdr_records(bmc->ipmb, rec + n, len + n, RECS_MAX - (unsigned)n);
	if (k < 0) {
		for (int i = 0; i < RECS_MAX; i++)
			free(rec[i]);
		return log_error_errno(k, "sdr: satellites");
	}
	n = n < 0 ? n : n + k;
	r = n < 0 ? n : sdr_init(&bmc->sdr, bmc->state_fd, rec, len, (unsigned)n, sel_time(&bmc->sel));
	for (int i = 0; i < n; i++)
		free(rec[i]);
	if (r < 0)
		return log_error_errno(r, "sdr");
	return 0;
}

/* Every host power event, fanned out to the subsystems that follow the
 * host's life (one line each). */
static void bmc_on_power_event(void *userdata, enum power_event ev, enum restart_cause cause)
{
	struct bmc *bmc = userdata;

	log_debug("power event %d, cause %d", ev, cause);
	chassis_on_power_event(bmc, ev, cause);
	sensors_host_power(&bmc->sensors, bmc->power.on);
	watchdog_on_power_event(&bmc->wdt, ev);
	bootopt_power_event(&bmc->bootopt, ev, cause);
	sol_power_event(bmc->sol, ev);
	kcs_power_event(bmc->kcs, ev);
	acpi_power_event(&bmc->acpi, ev);
}

int bmc_init(struct bmc *bmc, sd_event *ev, const struct board_config *cfg, const char *state_dir)
{
	struct power_timing t;
	int r;

	/* Everything not set below starts zero (NULL sources, no reset due). */
	memset(bmc, 0, sizeof(*bmc));
	bmc->state_fd = -EBADF;
	bmc->ev = ev;
	bmc->cfg = *cfg;
	bmc->state_fd = store_open_dir(state_dir);
	if (bmc->state_fd < 0)
		return log_error_errno(bmc->state_fd, "state: cannot open %s", state_dir);
	r = guids_load(bmc);
	if (r < 0)
		return r;
	r = channels_init(&bmc->channels, cfg, bmc->state_fd);
	if (r < 0)
		return log_error_errno(r, "channels");
	r = users_init(&bmc->users, cfg, &bmc->channels, bmc->state_fd);
	/* The seed passwords and K_G now live (sealed) in the user store:
	 * no copy stays in the configuration for the daemon's lifetime. */
	for (unsigned id = 0; id <= CFG_MAX_USERS; id++)
		explicit_bzero(bmc->cfg.users[id].password, sizeof(bmc->cfg.users[id].password));
	explicit_bzero(bmc->cfg.lan.kg, sizeof(bmc->cfg.lan.kg));
	if (r < 0)
		return r;
	bmc_volatile_defaults(bmc);
	r = sel_init(&bmc->sel, bmc->state_fd, cfg->sel_capacity);
	if (r < 0)
		return log_error_errno(r, "sel");
	r = fru_init(&bmc->fru, &bmc->cfg, bmc->state_fd);
	if (r < 0)
		return log_error_errno(r, "fru");
	r = monitoring_init(bmc);
	if (r < 0)
		return r;

	r = session_table_init(&bmc->sessions, cfg->lan.max_sessions, cfg->lan.session_timeout_s);
	if (r < 0)
		return log_error_errno(r, "sessions");
	r = sd_event_add_time_relative(ev, &bmc->expiry, CLOCK_MONOTONIC, 1000000, 100000,
				       bmc_on_expiry, bmc);
	if (r < 0)
		return log_error_errno(r, "session timer");
	sd_event_source_set_enabled(bmc->expiry, SD_EVENT_ON);

	bmc->sim = sim_host_new(ev, &cfg->host);
	if (!bmc->sim)
		return log_error_errno(-ENOMEM, "sim host");
	t = (struct power_timing){
		.press_ms = 200,
		.force_off_ms = cfg->host.power_off_ms > SIM_FORCE_OFF_HOLD_MS ? cfg->host.power_off_ms
									   : SIM_FORCE_OFF_HOLD_MS,
		.reset_ms = cfg->host.reset_ms,
		.cycle_interval_ms = cfg->host.cycle_interval_ms,
		.on_timeout_ms = cfg->host.power_good_timeout_ms ? cfg->host.power_good_timeout_ms
								 : cfg->host.power_on_ms + 10000,
		.off_timeout_ms = cfg->host.power_off_ms + 10000,
		.soft_timeout_ms = cfg->host.soft_off_ms + 10000,
	};
	r = kcs_init(bmc);
	if (r < 0)
		return r;
	r = pef_init(bmc, &bmc->pef);
	if (r < 0)
		return r;
	bmc->sel.on_event = bmc_on_sel_event;
	bmc->sel.on_event_userdata = bmc;
	if (!strcmp(cfg->host.backend, "qemu"))
		r = qemu_host_power_init(bmc, &t);
	else if (!strcmp(cfg->host.backend, "gpio"))
		r = gpio_host_power_init(bmc, &t);
	else
		r = power_init(&bmc->power, ev, &sim_host_ops, bmc->sim, &t);
	if (r < 0)
		return log_error_errno(r, "host power");
	sim_host_attach(bmc->sim, &bmc->power);
	bmc->power.notify = bmc_on_power_event;
	bmc->power.notify_userdata = bmc;
	sensors_host_power(&bmc->sensors, bmc->power.on);
	watchdog_init(&bmc->wdt, ev, &bmc->power);
	if (bmc->kcs) {
		bmc->wdt.on_pretimeout = bmc_on_pretimeout;
		bmc->wdt.pretimeout_userdata = bmc->kcs;
	}
	bmc->wdt.sel = &bmc->sel;
	r = bootopt_init(&bmc->bootopt, ev, bmc->state_fd, &bmc->power, BOOTOPT_VALID_TIMEOUT_USEC);
	if (r < 0)
		return log_error_errno(r, "boot options");
	r = chassis_init(bmc);
	if (r < 0)
		return r;
	r = dcmi_init(bmc);
	if (r < 0)
		return r;
	r = lanconf_init(bmc);
	if (r < 0)
		return r;

	r = lan_open(bmc, &bmc->lan);
	if (r < 0)
		return r;
	r = sol_init(bmc);
	if (r < 0)
		return r;
	bmc->sessions.on_free = sol_on_session_free;	/* a closed session loses its SOL payload */
	bmc->sessions.userdata = bmc->sol;
	return 0;
}

void bmc_done(struct bmc *bmc)
{
	bmc->lan = lan_free(bmc->lan);
	sol_done(bmc);
	watchdog_done(&bmc->wdt);
	bootopt_done(&bmc->bootopt);
	chassis_done(bmc);
	lanconf_done(bmc);
	power_done(&bmc->power);
	bmc->sim = sim_host_free(bmc->sim);
	bmc->qhost = qemu_host_free(bmc->qhost);
	bmc->ghost = gpio_host_free(bmc->ghost);
	kcs_done(bmc);
	ipmb_done(bmc);
	bmc->expiry = sd_event_source_disable_unref(bmc->expiry);
	bmc->reset = sd_event_source_disable_unref(bmc->reset);
	bmc->watchdog = sd_event_source_disable_unref(bmc->watchdog);
	session_table_free(&bmc->sessions);
	users_done(&bmc->users);
	dcmi_done(bmc);
	sdr_done(&bmc->sdr);
	sensors_done(&bmc->sensors);
	pef_done(&bmc->pef);
	sel_done(&bmc->sel);
	fru_done(&bmc->fru);
	if (bmc->state_fd >= 0)
		close(bmc->state_fd);
	bmc->state_fd = -EBADF;
	explicit_bzero(&bmc->cfg, sizeof(bmc->cfg));
}
