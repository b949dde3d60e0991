/* SPDX-License-Identifier: MIT */
/* PEF event filter matching (IPMI 2.0 section 17.7). */
#include <string.h>

#include "pef/pef.h"
#include "tap.h"

/* A system event record: generator 20h, sensor type/number, dir/type, data. */
static void event(uint8_t rec[16], uint8_t stype, uint8_t num, uint8_t dirtype, uint8_t ed1,
		  uint8_t ed2, uint8_t ed3)
{
	memset(rec, 0, 16);
	rec[0] = 1;
	rec[2] = 0x02;
	rec[7] = 0x20;
	rec[9] = 0x04;
	rec[10] = stype;
	rec[11] = num;
	rec[12] = dirtype;
	rec[13] = ed1;
	rec[14] = ed2;
	rec[15] = ed3;
}

static void filter(uint8_t f[PEF_FILTER_LEN], uint8_t stype, uint8_t trigger, uint16_t offsets)
{
	memset(f, 0, PEF_FILTER_LEN);
	f[0] = 0x80;
	f[1] = PEF_ACT_ALERT;
	f[4] = f[5] = 0xff;
	f[6] = stype;
	f[7] = 0xff;
	f[8] = trigger;
	f[9] = (uint8_t)offsets;
	f[10] = (uint8_t)(offsets >> 8);
}

/* Event data 2 of the filter (bytes 14-16): AND mask, compare 1, compare 2. */
static void filter_ed2(uint8_t f[PEF_FILTER_LEN], uint8_t and_mask, uint8_t cmp1, uint8_t cmp2)
{
	f[14] = and_mask;
	f[15] = cmp1;
	f[16] = cmp2;
}

/* Does filter f match the record with its byte i set to v? */
static bool match_with(const uint8_t *f, uint8_t rec[16], unsigned i, uint8_t v)
{
	rec[i] = v;
	return pef_filter_match(f, rec);
}

int main(void)
{
	uint8_t f[PEF_FILTER_LEN], rec[16];

	/* Upper critical going high (offset 9) of a temperature sensor. */
	event(rec, 0x01, 5, 0x01, 0x59, 190, 190);
	filter(f, 0xff, 0x01, 1u << 9);
	CHECK(pef_filter_match(f, rec));
	f[0] = 0;					/* disabled */
	CHECK(!pef_filter_match(f, rec));
	filter(f, 0xff, 0x01, 1u << 2);			/* other offset */
	CHECK(!pef_filter_match(f, rec));
	filter(f, 0x02, 0x01, 0xffff);			/* other sensor type */
	CHECK(!pef_filter_match(f, rec));
	filter(f, 0x01, 0x6f, 0xffff);			/* other event type */
	CHECK(!pef_filter_match(f, rec));
	/* Deassertions are filtered like assertions (direction bit ignored). */
	rec[12] = 0x81;
	filter(f, 0x01, 0x01, 1u << 9);
	CHECK(pef_filter_match(f, rec));
	rec[12] = 0x01;
	/* Generator and sensor number: exact or FFh. */
	f[4] = 0x21;
	CHECK(!pef_filter_match(f, rec));
	f[4] = 0x20;
	f[7] = 5;
	CHECK(pef_filter_match(f, rec));
	f[7] = 6;
	CHECK(!pef_filter_match(f, rec));
	f[7] = 0xff;
	/* Event data 2: AND F0h, compare 1 F0h (exact), compare 2 B0h:
	 * ED2 = BEh (1011 1110) matches, 7Eh does not. */
	filter_ed2(f, 0xf0, 0xf0, 0xb0);
	CHECK(match_with(f, rec, 14, 0xbe));
	CHECK(!match_with(f, rec, 14, 0x7e));
	/* Compare 1 00h: any one of the AND-masked bits equal to compare 2. */
	filter_ed2(f, 0x0f, 0x00, 0x03);
	CHECK(match_with(f, rec, 14, 0x01));	/* bit 0 is 1 like compare 2's */
	CHECK(!match_with(f, rec, 14, 0x0c));	/* bits 0-1 differ; bits 2-3 are 1, compare 2 has 0 */
	CHECK(match_with(f, rec, 14, 0x08));	/* bit 2 is 0 like compare 2's */
	/* Not a system event record: never. */
	filter_ed2(f, 0, 0, 0);
	CHECK(!match_with(f, rec, 2, 0xc0));
	return tap_done("pef");
}
