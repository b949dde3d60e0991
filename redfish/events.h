/* SPDX-License-Identifier: MIT */
/*
 * The Redfish EventService's state (redfish/res_events.c): subscriptions
 * with their push delivery, the Server-Sent Event streams, and the module
 * events turned into Redfish Events.  docs/redfish.md, "EventService".
 */
#pragma once

#include <stdint.h>

#include "chassis/power.h"

struct bmc;
struct rf_events;
struct rf_service;
struct sensor_event;

/* NULL on allocation failure (logged). */
struct rf_events *rf_events_new(struct bmc *bmc);
void rf_events_free(struct rf_events *ev);
/* Once a second: retries, delivery deadlines, keep-alive comments. */
void rf_events_tick(struct rf_events *ev, uint64_t now_usec);

/* The module events (redfish/module.c); svc may be NULL (Redfish off). */
void rf_events_on_sel(struct rf_service *svc, const uint8_t rec[16]);
void rf_events_on_power(struct rf_service *svc, enum power_event pev);
void rf_events_on_sensor(struct rf_service *svc, const struct sensor_event *e);
