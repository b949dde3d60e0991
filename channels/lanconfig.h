/* SPDX-License-Identifier: MIT */
/*
 * LAN configuration parameters (Transport netfn 01h/02h, IPMI 2.0 ch. 23):
 * kept in the state dir ("lan-config") and applied to the BMC's network
 * interface through board ops (boards/netif.h).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "boards/netif.h"

#define LANCONF_DESTINATIONS 4		/* alert destinations 1..4 (0 is volatile) */
#define LANCONF_MAX_SUITES 16

struct bmc;

struct lanconf {
	struct bmc *bmc;			/* the BMC whose LAN channel this is */
	struct netif nif;
	/* Address changes wait until the response has left from the old
	 * address (a defer source runs after this loop iteration). */
	bool pending_addr, pending_gw, pending_vlan, pending_dhcp;
	struct in_addr new_addr, new_gw;
	uint8_t new_prefix;
	struct sd_event_source *apply;
	/* IP address source DHCP on a real NIC: a udhcpc child whose hook
	 * script reports each lease on a pipe; bmcd applies it. */
	int dhcp_pid;				/* 0: none running */
	int dhcp_fd;				/* read end of its stdout; -1: none */
	struct sd_event_source *dhcp_src;
	char dhcp_line[160];
	size_t dhcp_len;
	uint8_t set_in_progress;
	uint8_t auth_enables[5];		/* callback, user, operator, admin, OEM */
	uint8_t ip_source;			/* 1 static, 2 DHCP */
	uint8_t ipv4_hdr[3];			/* TTL, flags, precedence/TOS */
	uint8_t arp_control;
	uint8_t garp_interval;
	uint8_t gw_mac[6];
	struct in_addr backup_gw;
	uint8_t backup_gw_mac[6];
	uint8_t community[18];
	uint16_t vlan;				/* bit 15 enable, 11:0 ID */
	uint8_t vlan_prio;
	uint8_t n_suites;			/* cipher suite entries (param 22/23) */
	uint8_t suite_id[LANCONF_MAX_SUITES];
	/* Max privilege by cipher suite ID (0 = unused).  Parameter 24 gives
	 * one nibble per entry of parameter 23, in its order (IPMI 2.0 table
	 * 23-4), so every offered suite, 17 included, has one. */
	uint8_t suite_priv[32];
	/* Parameter 24's data 2-9 as last written: positions past the last
	 * entry read back as written (ipmitool re-reads to verify). */
	uint8_t suite_priv_raw[8];
	uint8_t dest_type[LANCONF_DESTINATIONS + 1][3];	/* type, ack timeout, retries */
	uint8_t dest_addr[LANCONF_DESTINATIONS + 1][12];	/* format, gw sel, IPv4, MAC */
	uint8_t dest_vlan[LANCONF_DESTINATIONS + 1][3];	/* format, TCI */
};

int lanconf_init(struct bmc *bmc);
void lanconf_done(struct bmc *bmc);
/* Cold reset: parameter 0 back to "set complete", pending changes applied. */
void lanconf_reset_volatile(struct bmc *bmc);
/* The highest privilege a session on cipher suite 'id' may have; PRIV_NONE
 * (0) when the suite is marked unused or not offered. */
uint8_t lanconf_suite_priv(const struct bmc *bmc, uint8_t id);

/* The IPMI 1.5 authentication types (bit n: type n) LAN parameter 2
 * enables at privilege level priv (1 callback .. 5 OEM); 0 for others. */
uint8_t lanconf_auth_enables(const struct bmc *bmc, uint8_t priv);

/* A change of the interface's settings from another front end (Redfish's
 * EthernetInterface): each part applies when its flag is set, through the
 * setters of the LAN parameters that `ipmitool lan set` reaches, so the
 * same rules, backend, deferral and state file apply. */
struct lanconf_change {
	bool set_addr, set_mask, set_gw, set_source, set_vlan;
	struct in_addr addr, mask, gw;
	uint8_t ip_source;			/* parameter 4: 1 static, 2 DHCP */
	uint16_t vlan;				/* parameter 20: bit 15 enable, 11:0 ID */
};

/* Checked whole first: -EINVAL with *bad naming the refused part ("addr",
 * "mask", "gw", "source", "vlan") and nothing changed.  Then applied
 * (VLAN, source, address, mask, gateway) and saved; -EIO when the
 * interface cannot be read (logged). */
int lanconf_change(struct bmc *bmc, const struct lanconf_change *c, const char **bad);
/* The interface as Get LAN Configuration Parameters shows it: a change
 * not yet applied (held by set-in-progress, or waiting for the response
 * to leave) as it will be.  -errno when the interface cannot be read. */
int lanconf_shown(struct bmc *bmc, struct netif_state *st);

/* Transport netfn handlers, listed in lanconf_cmds (channels/module.c). */
struct ipmi_req;
struct wbuf;
int lanconf_set(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
int lanconf_get(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp);
