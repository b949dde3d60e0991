/* SPDX-License-Identifier: MIT */
/* Fuzz target: board files (JSON) through the config parser. */
#include "daemon/config.h"

#include "fuzz.h"

static void ignore(const char *msg, void *userdata)
{
	(void)msg;
	(void)userdata;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct board_config cfg;

	config_parse((const char *)data, size, &cfg, ignore, NULL);
	return 0;
}
