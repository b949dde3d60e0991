/* SPDX-License-Identifier: MIT */
/*
 * Platform Event Message (IPMI 2.0 section 29.3), which bmcd, as its own
 * event receiver, turns into a SEL record.  The Sensor/Event netfn table is
 * in sensors/cmds.c.
 */
#include <errno.h>

#include "daemon/bmc.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "sel/sel.h"

#define GEN_REMOTE_CONSOLE 0x81		/* software ID of a remote console (40h << 1 | 1) */
#define GLOBAL_SEL_LOGGING 0x08		/* BMC Global Enables bit 3 */
#define PEM_LEN 7			/* EvM rev .. event data 3 */

/* Platform Event Message: EvM rev, sensor type, sensor number, event
 * dir/type, event data 1-3.  The system-interface form has the
 * generator's software ID in front (8 bytes); otherwise the generator is
 * the requester: a remote console on this channel, LUN 0. */
int sensor_platform_event(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t gen = GEN_REMOTE_CONSOLE, evm, st, num, dt, ed1, ed2, ed3;
	int e;

	if (rb_left(&r) == PEM_LEN + 1)
		gen = rb_u8(&r);
	evm = rb_u8(&r);
	st = rb_u8(&r);
	num = rb_u8(&r);
	dt = rb_u8(&r);
	ed1 = rb_u8(&r);
	ed2 = rb_u8(&r);
	ed3 = rb_u8(&r);
	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (evm != SEL_EVM_REV)
		return CC_INVALID_FIELD;
	if (!(bmc->global_enables & GLOBAL_SEL_LOGGING))
		return CC_OK;	/* accepted, not logged */
	e = sel_add_event(bmc->sel, (uint16_t)(gen | (req->channel & 0x0f) << 12), st, num, dt,
			  ed1, ed2, ed3);
	if (e < 0 && e != -ENOSPC)
		return CC_UNSPECIFIED;
	log_debug("sel: platform event sensor type %02xh #%02xh %02xh %02xh", st, num, dt, ed1);
	return CC_OK;
}
