/* SPDX-License-Identifier: MIT */
/*
 * The libvirt host backend in a build without libvirt (the armhf BMC image:
 * a BMC on real hardware has no hypervisor to drive).  A board that asks
 * for it is refused at start with a message saying why.
 */
#include <errno.h>
#include <stdlib.h>

#include "boards/libvirt_host.h"
#include "daemon/log.h"

int libvirt_host_power_init(struct bmc *bmc, const struct power_timing *base)
{
	log_error("host backend \"libvirt\": this bmcd was built without libvirt");
	return -EOPNOTSUPP;
}

struct libvirt_host *libvirt_host_free(struct libvirt_host *h)
{
	return NULL;
}

int libvirt_host_open_console(struct libvirt_host *h, struct uart *u)
{
	return -EOPNOTSUPP;
}

int libvirt_domain_names(const char *uri, char ***names, size_t *n)
{
	log_error("libvirt %s: this bmcd was built without libvirt", uri);
	*names = NULL;
	*n = 0;
	return -EOPNOTSUPP;
}

void libvirt_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}
