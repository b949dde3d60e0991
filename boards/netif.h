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
	uint16_t vlan;			/* 802.1q ID in use (1..4094); 0: untagged */
	uint8_t vlan_prio;		/* its 802.1p priority for what bmcd sends */
	struct netif_state mem;		/* the in-memory interface */
};

/* The interface that carries the address: ifname, or "ifname.ID" (a VLAN
 * sub-interface made by netif_set_vlan).  buf has at least 16 bytes. */
const char *netif_active(const struct netif *n, char buf[16]);

/* Read the current settings.  0 or -errno. */
int netif_get(struct netif *n, struct netif_state *st);
/* Replace the interface's IPv4 address (and prefix).  0 or -errno. */
int netif_set_addr(struct netif *n, struct in_addr addr, uint8_t prefix);
/* Replace the default route.  A zero gateway removes it.  0 or -errno. */
int netif_set_gateway(struct netif *n, struct in_addr gw);

/* Put the address on an 802.1q VLAN sub-interface "ifname.ID" of the NIC
 * (made anew, with egress priority map 0:prio, and brought up), moving the
 * address and default route to it; id 0 moves them back to the NIC and
 * removes the sub-interface.  Same ID, other priority: the priority map is
 * updated.  0 or -errno (-ENAMETOOLONG: "ifname.ID" does not fit). */
int netif_set_vlan(struct netif *n, uint16_t id, uint8_t prio);

/* Netmask <-> prefix length; -1 for a mask that is not contiguous. */
int netmask_to_prefix(struct in_addr mask);
struct in_addr prefix_to_netmask(uint8_t prefix);
