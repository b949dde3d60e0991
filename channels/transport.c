/* SPDX-License-Identifier: MIT */
/*
 * Transport netfn (0Ch): LAN and SOL configuration parameters.  The table
 * lives here; handlers live next to what they configure.
 */
#include "daemon/ipmi.h"

const struct ipmi_cmd transport_cmds[256] = {
};
