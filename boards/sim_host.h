/* SPDX-License-Identifier: MIT */
/*
 * The simulated host: an electrical model of a server behind the power and
 * reset buttons.  A short power-button press starts it (power good after
 * power_on_ms) or asks its OS to shut down (power good drops after
 * soft_off_ms); holding the button at least SIM_FORCE_OFF_HOLD_MS forces it
 * off (power good drops power_off_ms after the release), and stops a start
 * still under way (power good never rises).  Each button is its own line.
 */
#pragma once

#include <stdbool.h>
#include <systemd/sd-event.h>

#include "chassis/power.h"
#include "daemon/config.h"

#define SIM_FORCE_OFF_HOLD_MS 400

struct sim_host;

extern const struct host_ops sim_host_ops;

/* Power-good edges are reported to 'power' (may be set later). */
struct sim_host *sim_host_new(sd_event *ev, const struct cfg_host *cfg);
void sim_host_attach(struct sim_host *h, struct power *power);
struct sim_host *sim_host_free(struct sim_host *h);
unsigned sim_host_resets(const struct sim_host *h);
