/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: FRU images from outside (Write FRU Data, EEPROMs, the state
 * dir) through the checking parser, then every field it reports through
 * the text decoder.  A field or record the parser accepts must lie inside
 * the image; anything else is a bug, so it aborts.
 */
#include <stdlib.h>

#include "fru/fru_format.h"

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fru_view v;
	char why[96], text[3 * FRU_FIELD_MAX + 1];

	if (fru_parse(data, size, &v, why, sizeof(why)) != 0)
		return 0;
	for (int k = 0; k < FRU_AREAS; k++) {
		const struct fru_area_view *a = &v.area[k];

		if (!a->present)
			continue;
		if ((size_t)a->off + a->len > size || a->len % 8)
			abort();
		for (unsigned i = 0; i < a->n && i < FRU_AREA_FIELDS_MAX; i++) {
			if ((size_t)a->f[i].off + a->f[i].len > (size_t)a->off + a->len)
				abort();
			fru_field_text(data, &a->f[i], text, sizeof(text));
		}
	}
	for (unsigned i = 0; i < v.n_mr && i < FRU_MR_MAX; i++)
		if ((size_t)v.mr[i].off + v.mr[i].len > size)
			abort();
	return 0;
}
