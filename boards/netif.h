/* SPDX-License-Identifier: MIT */
/*
 * Board ops for the BMC's own network interface: read its IPv4 settings
 * and MAC, and change them.  netif_rtnl.c talks rtnetlink to a real
 * interface; a board without one (the sim board) keeps the values in
 * memory so the protocol behaves the same.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

struct netif_state {
	uint8_t mac[6];
	struct in_addr addr;		/* 0.0.0.0: none */
	uint8_t prefix;			/* 0..32 */
	struct in_addr gateway;		/* default route via; 0.0.0.0: none */
};

struct netif {
	char ifname[16];		/* empty: no real interface (in memory only) */
	struct netif_state mem;		/* the in-memory interface */
};

/* Read the current settings.  0 or -errno. */
int netif_get(struct netif *n, struct netif_state *st);
/* Replace the interface's IPv4 address (and prefix).  0 or -errno. */
int netif_set_addr(struct netif *n, struct in_addr addr, uint8_t prefix);
/* Replace the default route.  A zero gateway removes it.  0 or -errno. */
int netif_set_gateway(struct netif *n, struct in_addr gw);

/* Netmask <-> prefix length; -1 for a mask that is not contiguous. */
int netmask_to_prefix(struct in_addr mask);
struct in_addr prefix_to_netmask(uint8_t prefix);
