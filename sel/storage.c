/* SPDX-License-Identifier: MIT */
/*
 * The Storage netfn (0Ah): the SEL commands (IPMI 2.0 section 31).  The SDR
 * repository and FRU commands join this table later; the FRU handlers
 * (10h-12h) live in fru/fru.c.
 */
#include <errno.h>

#include "daemon/bmc.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "sdr/sdr.h"
#include "sel/sel.h"

#define SEL_VERSION 0x51		/* IPMI 1.5 / 2.0 */
#define SEL_OP_ALLOC_INFO 0x01		/* Get SEL Info: operation support */
#define SEL_OP_RESERVE 0x02
#define SEL_OP_DELETE 0x08
#define SEL_OP_OVERFLOW 0x80
#define SEL_FREE_MAX 0xffff		/* Get SEL Info: FFFFh is "65535 bytes or more" */
#define CLEAR_INITIATE 0xaa
#define CLEAR_STATUS 0x00
#define ERASE_COMPLETE 0x01
#define CC_SEL_TYPE_UNSUPPORTED 0x80	/* Add SEL Entry: record type not supported */
#define UTC_MIN (-1440)
#define UTC_MAX 1440

static int cc_from_errno(int r)
{
	switch (r) {
	case 0: return CC_OK;
	case -ENOENT: return CC_NOT_PRESENT;
	case -ENOSPC: return CC_OUT_OF_SPACE;
	}
	return CC_UNSPECIFIED;
}

static int sel_get_info(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	const struct sel *s = bmc->sel;
	unsigned free_bytes = (s->capacity - s->count) * SEL_RECORD_LEN;

	wb_u8(rsp, SEL_VERSION);
	wb_le16(rsp, (uint16_t)s->count);
	wb_le16(rsp, free_bytes > SEL_FREE_MAX ? SEL_FREE_MAX : (uint16_t)free_bytes);
	wb_le32(rsp, s->last_add);
	wb_le32(rsp, s->last_erase);
	wb_u8(rsp, SEL_OP_DELETE | SEL_OP_RESERVE | SEL_OP_ALLOC_INFO |
		   (s->overflow ? SEL_OP_OVERFLOW : 0));
	return CC_OK;
}

static int sel_get_alloc_info(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	const struct sel *s = bmc->sel;
	uint16_t free_units = (uint16_t)(s->capacity - s->count);

	wb_le16(rsp, (uint16_t)s->capacity);	/* possible allocation units */
	wb_le16(rsp, SEL_RECORD_LEN);		/* allocation unit size, bytes */
	wb_le16(rsp, free_units);
	wb_le16(rsp, free_units);		/* largest free block: records are fixed-size */
	wb_u8(rsp, 1);				/* maximum record size, in units */
	return CC_OK;
}

static int sel_cmd_reserve(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	wb_le16(rsp, sel_reserve(bmc->sel));
	return CC_OK;
}

/* Get SEL Entry: reservation (2), record ID (2), offset, bytes to read
 * (FFh: the whole record).  The reservation matters only for a partial
 * read from a non-zero offset. */
static int sel_get_entry(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	const struct sel_rec *rec;
	uint16_t resv, id, next;
	uint8_t off, n;

	resv = rb_le16(&r);
	id = rb_le16(&r);
	off = rb_u8(&r);
	n = rb_u8(&r);
	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (off != 0 && !sel_reservation_ok(bmc->sel, resv))
		return CC_RESERVATION;
	if (off >= SEL_RECORD_LEN)
		return CC_PARAM_OUT_OF_RANGE;
	if (n == 0xff)
		n = (uint8_t)(SEL_RECORD_LEN - off);
	if (off + n > SEL_RECORD_LEN)
		return CC_CANT_RETURN_BYTES;
	rec = sel_get(bmc->sel, id, &next);
	if (!rec)
		return CC_NOT_PRESENT;
	wb_le16(rsp, next);
	wb_bytes(rsp, rec->d + off, n);
	return CC_OK;
}

static bool type_supported(uint8_t type)
{
	return type == SEL_TYPE_SYSTEM || type >= SEL_TYPE_OEM_TS;
}

static int sel_add_entry(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf rb = ipmi_reader(req);
	uint8_t rec[SEL_RECORD_LEN];
	uint16_t id;
	int r;

	rb_copy(&rb, rec, sizeof(rec));
	if (!rb_done(&rb))
		return CC_REQ_LEN;
	if (!type_supported(rec[2]))	/* record ID (2), record type */
		return CC_SEL_TYPE_UNSUPPORTED;
	r = sel_add(bmc->sel, rec, &id);
	if (r < 0)
		return cc_from_errno(r);
	wb_le16(rsp, id);
	return CC_OK;
}

static int sel_delete_entry(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint16_t resv, id, deleted;
	int e;

	resv = rb_le16(&r);
	id = rb_le16(&r);
	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (!sel_reservation_ok(bmc->sel, resv))
		return CC_RESERVATION;
	e = sel_delete(bmc->sel, id, &deleted);
	if (e < 0)
		return cc_from_errno(e);
	log_info("sel: entry %04xh deleted", deleted);
	wb_le16(rsp, deleted);
	return CC_OK;
}

/* Clear SEL: reservation (2), 'C' 'L' 'R', AAh initiate / 00h status.
 * The erase is synchronous, so the status is always "complete". */
static int sel_cmd_clear(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t clr[3], op;
	uint16_t resv;

	resv = rb_le16(&r);
	rb_copy(&r, clr, sizeof(clr));
	op = rb_u8(&r);
	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (clr[0] != 'C' || clr[1] != 'L' || clr[2] != 'R')
		return CC_INVALID_FIELD;
	if (op != CLEAR_INITIATE && op != CLEAR_STATUS)
		return CC_INVALID_FIELD;
	if (!sel_reservation_ok(bmc->sel, resv))
		return CC_RESERVATION;
	if (op == CLEAR_INITIATE) {
		int e = sel_clear(bmc->sel);

		if (e < 0)
			return cc_from_errno(e);
	}
	wb_u8(rsp, ERASE_COMPLETE);
	return CC_OK;
}

static int sel_get_time(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	wb_le32(rsp, sel_time(bmc->sel));
	return CC_OK;
}

static int sel_cmd_set_time(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint32_t t = rb_le32(&r);

	if (!rb_done(&r))
		return CC_REQ_LEN;
	sel_set_time(bmc->sel, t);
	log_info("sel: time set to %u", t);
	return CC_OK;
}

static int sel_get_utc(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	wb_le16(rsp, (uint16_t)bmc->sel->utc_offset);
	return CC_OK;
}

static int sel_set_utc(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	int16_t v = (int16_t)rb_le16(&r);

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if (v != SEL_UTC_UNSPECIFIED && (v < UTC_MIN || v > UTC_MAX))
		return CC_PARAM_OUT_OF_RANGE;
	bmc->sel->utc_offset = v;
	return CC_OK;
}

const struct ipmi_cmd sel_cmds[] = {
	IPMI_CMD(NETFN_STORAGE, 0x29, sel_cmd_set_time, PRIV_OPERATOR, 4, 4, 0, "Set SDR Repository Time"),
	IPMI_CMD(NETFN_STORAGE, 0x40, sel_get_info, PRIV_USER, 0, 0, 0, "Get SEL Info"),
	IPMI_CMD(NETFN_STORAGE, 0x41, sel_get_alloc_info, PRIV_USER, 0, 0, 0, "Get SEL Allocation Info"),
	IPMI_CMD(NETFN_STORAGE, 0x42, sel_cmd_reserve, PRIV_USER, 0, 0, 0, "Reserve SEL"),
	IPMI_CMD(NETFN_STORAGE, 0x43, sel_get_entry, PRIV_USER, 6, 6, 0, "Get SEL Entry"),
	IPMI_CMD(NETFN_STORAGE, 0x44, sel_add_entry, PRIV_OPERATOR, 16, 16, 0, "Add SEL Entry"),
	IPMI_CMD(NETFN_STORAGE, 0x46, sel_delete_entry, PRIV_OPERATOR, 4, 4, 0, "Delete SEL Entry"),
	IPMI_CMD(NETFN_STORAGE, 0x47, sel_cmd_clear, PRIV_OPERATOR, 6, 6, 0, "Clear SEL"),
	IPMI_CMD(NETFN_STORAGE, 0x48, sel_get_time, PRIV_USER, 0, 0, 0, "Get SEL Time"),
	IPMI_CMD(NETFN_STORAGE, 0x49, sel_cmd_set_time, PRIV_OPERATOR, 4, 4, 0, "Set SEL Time"),
	IPMI_CMD(NETFN_STORAGE, 0x5c, sel_get_utc, PRIV_USER, 0, 0, 0, "Get SEL Time UTC Offset"),
	IPMI_CMD(NETFN_STORAGE, 0x5d, sel_set_utc, PRIV_OPERATOR, 2, 2, 0, "Set SEL Time UTC Offset"),
	{ 0 },
};
