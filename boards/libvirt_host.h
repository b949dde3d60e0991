/* SPDX-License-Identifier: MIT */
/*
 * The host as a libvirt domain (docs/virtual.md): power on is
 * virDomainCreate, forced off virDomainDestroy, soft off virDomainShutdown,
 * reset virDomainReset, the diagnostic interrupt virDomainInjectNMI; power
 * good is "the domain is active", updated at once from libvirt's lifecycle
 * events.  Every BMC of the process that names one URI shares one
 * connection, and libvirt's event loop runs on the process's sd-event loop.
 */
#pragma once

#include "chassis/power.h"

struct bmc;
struct libvirt_host;
struct uart;

/* A forced-off press is at least this long (shorter: ACPI power button). */
#define LIBVIRT_FORCE_OFF_HOLD_MS 1000

struct cfg_libvirt {			/* host.backend "libvirt" */
	char uri[256];			/* "qemu:///system", "test:///default", ... */
	char domain[128];		/* name or UUID */
};

/* Make bmc->vhost and run bmc->power on it.  0 or -errno (logged). */
int libvirt_host_power_init(struct bmc *bmc, const struct power_timing *base);
struct libvirt_host *libvirt_host_free(struct libvirt_host *h);
/* SOL's UART: the domain's console (virDomainOpenConsole), open while the
 * domain runs.  0 or -errno. */
int libvirt_host_open_console(struct libvirt_host *h, struct uart *u);
/* The names of the domains at uri, defined or running, sorted (the fleet
 * file's pattern entries): *names is malloc'd, each name and the array
 * (free with libvirt_names_free).  The process's connection to uri when
 * there is one, else a connection just for this.  0 or -errno (logged). */
int libvirt_domain_names(const char *uri, char ***names, size_t *n);
void libvirt_names_free(char **names, size_t n);
