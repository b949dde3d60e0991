/* SPDX-License-Identifier: MIT */
/*
 * The ACPI power state the host's software reports (Set/Get ACPI Power
 * State, App 06h/07h; IPMI 2.0 sections 20.6, 20.7).  Volatile: lost at
 * a BMC cold reset, as on a BMC that reboots.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "chassis/power.h"
#include "daemon/buf.h"

struct bmc;
struct ipmi_req;

enum {				/* power state values (Set ACPI Power State, section 20.6) */
	ACPI_S0_G0 = 0x00,
	ACPI_S5_G2 = 0x05,
	ACPI_STATE_UNKNOWN = 0x2a,
	ACPI_NO_CHANGE = 0x7f,
};

struct acpi {
	bool sys_set, dev_set;		/* software has set it since the host's power last changed */
	uint8_t sys, dev;		/* the state it set */
};

/* The host powered on or off, or was reset: what its software had set
 * describes a life of the host that has ended. */
void acpi_power_event(struct acpi *a, enum power_event ev);
/* A BMC cold reset: forget everything. */
void acpi_reset(struct acpi *a);

int acpi_cmd_set(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int acpi_cmd_get(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
