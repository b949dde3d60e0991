/* SPDX-License-Identifier: MIT */
/*
 * Set/Get ACPI Power State (IPMI 2.0 sections 20.6, 20.7).  The host's
 * software (its OS or BIOS, through KCS, or a console) tells the BMC the
 * system and device power states; the BMC keeps them and reports them.
 *
 * Until software has set a system state since the host's power last
 * changed, Get reports what the BMC itself knows from power good, as
 * BMCs do: S0/G0 (working) while the host is on, S5/G2 (soft off) while
 * it is off (G3, mechanical off, would mean the BMC has no power either).
 * A power on, power off or reset makes a state set earlier stale, so it
 * is forgotten.  The device state has no such source: 2Ah (unknown) until
 * set.
 */
#include "chassis/acpi.h"
#include "daemon/bmc.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"

#define ACPI_SET 0x80		/* bit 7 of each request byte: set this state */

/* System power states 00h-0Ah, 20h (legacy on), 21h (legacy off), 2Ah. */
static bool sys_state_valid(uint8_t s)
{
	return s <= 0x0a || s == 0x20 || s == 0x21 || s == ACPI_STATE_UNKNOWN;
}

/* Device power states D0-D3 (00h-03h), 2Ah. */
static bool dev_state_valid(uint8_t s)
{
	return s <= 0x03 || s == ACPI_STATE_UNKNOWN;
}

void acpi_power_event(struct acpi *a, enum power_event ev)
{
	if (ev == POWER_EV_FAULT)
		return;
	a->sys_set = false;
	a->dev_set = false;
}

void acpi_reset(struct acpi *a)
{
	*a = (struct acpi){ .sys_set = false, .dev_set = false, .sys = 0, .dev = 0 };
}

/* Set ACPI Power State: system state, device state; each with bit 7 set
 * to set it, its low bits the state, 7Fh meaning "no change".  Checked
 * whole before either is stored. */
int acpi_cmd_set(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t sys = rb_u8(&r), dev = rb_u8(&r);
	uint8_t s = sys & 0x7f, d = dev & 0x7f;
	bool set_sys = (sys & ACPI_SET) && s != ACPI_NO_CHANGE;
	bool set_dev = (dev & ACPI_SET) && d != ACPI_NO_CHANGE;
	struct acpi *a = bmc->acpi;

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if ((set_sys && !sys_state_valid(s)) || (set_dev && !dev_state_valid(d)))
		return CC_INVALID_FIELD;
	if (set_sys) {
		a->sys = s;
		a->sys_set = true;
		log_info("acpi: system power state set to %02xh", s);
	}
	if (set_dev) {
		a->dev = d;
		a->dev_set = true;
		log_info("acpi: device power state set to %02xh", d);
	}
	return CC_OK;
}

int acpi_cmd_get(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	const struct acpi *a = bmc->acpi;

	wb_u8(rsp, a->sys_set ? a->sys : bmc->power->on ? ACPI_S0_G0 : ACPI_S5_G2);
	wb_u8(rsp, a->dev_set ? a->dev : ACPI_STATE_UNKNOWN);
	return CC_OK;
}
