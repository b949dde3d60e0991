/* SPDX-License-Identifier: MIT */
/*
 * The LAN channel's network settings, read-only, as phosphor-networkd
 * shows an interface: /xyz/openbmc_project/network/<if> with
 * xyz.openbmc_project.Network.EthernetInterface and .MACAddress; with a
 * VLAN in use, /xyz/openbmc_project/network/<if>_<id> too, which adds
 * xyz.openbmc_project.Network.VLAN; and the IPv4 address, when there is
 * one, at .../ipv4/0 of the interface that carries it (the VLAN's when
 * there is one), with xyz.openbmc_project.Network.IP.
 *
 * The values are what the NIC has (netif_get(), as Get LAN Configuration
 * Parameters reads it outside set-in-progress) and the LAN parameters'
 * IP address source.  The objects are found from those values (fallback
 * vtables and a node enumerator), and a change, by IPMI or by a DHCP
 * lease, is signalled from the tick.  <if> is the board's lan.interface;
 * a board without a real interface (the sim) is "eth0".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channels/lanconfig.h"
#include "daemon/bmc.h"
#include "daemon/log.h"
#include "dbus/dbus.h"

#define NET_PATH "/xyz/openbmc_project/network"
#define ETH_IFACE "xyz.openbmc_project.Network.EthernetInterface"
#define MAC_IFACE "xyz.openbmc_project.Network.MACAddress"
#define VLAN_IFACE "xyz.openbmc_project.Network.VLAN"
#define IP_IFACE "xyz.openbmc_project.Network.IP"
#define IPV4_ID "0"

/* What the objects show now. */
static struct dbus_net_shown current(struct dbus *d)
{
	struct lanconf *lc = d->bmc->lanconf;
	struct dbus_net_shown n = { 0 };
	struct netif_state st;
	int r = netif_get(&lc->nif, &st);

	if (r < 0) {
		log_debug("dbus: cannot read %s: %s", lc->nif.ifname, strerror(-r));
		st = (struct netif_state){ 0 };
	}
	memcpy(n.mac, st.mac, sizeof(n.mac));
	n.addr = st.addr.s_addr;
	n.gateway = st.gateway.s_addr;
	n.prefix = st.addr.s_addr ? st.prefix : 0;
	n.ip_source = lc->ip_source;
	n.vlan = lc->nif.vlan;
	return n;
}

/* The interface's name: the board's, else eth0. */
static const char *base_name(const struct dbus *d)
{
	const char *n = d->bmc->lanconf->nif.ifname;

	return n[0] ? n : "eth0";
}

/* A name as a path element: every character other than [A-Za-z0-9_] is
 * "_" (phosphor-networkd's "eth0.100" is "eth0_100"). */
static void path_of(const struct dbus *d, uint16_t vlan, char *out, size_t size)
{
	size_t n = (size_t)snprintf(out, size, NET_PATH "/%s", base_name(d));

	if (vlan && n < size)
		snprintf(out + n, size - n, "_%u", vlan);
	for (char *p = out + strlen(NET_PATH "/"); *p; p++)
		if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9'))
			*p = '_';
}

/* The address's object, under the interface that carries it: the VLAN's
 * when one is in use. */
static void ip_path(const struct dbus *d, uint16_t vlan, char *out, size_t size)
{
	size_t n;

	path_of(d, vlan, out, size);
	n = strlen(out);
	snprintf(out + n, size - n, "/ipv4/" IPV4_ID);
}

enum net_object { NET_NONE, NET_ETH, NET_VLAN, NET_IP };

/* Which of the objects 'path' is, by the settings now. */
static enum net_object object_at(struct dbus *d, const char *path, const struct dbus_net_shown *n)
{
	char p[128];

	path_of(d, 0, p, sizeof(p));
	if (!strcmp(path, p))
		return NET_ETH;
	if (n->vlan) {
		path_of(d, n->vlan, p, sizeof(p));
		if (!strcmp(path, p))
			return NET_VLAN;
	}
	if (n->addr) {
		ip_path(d, n->vlan, p, sizeof(p));
		if (!strcmp(path, p))
			return NET_IP;
	}
	return NET_NONE;
}

static bool is_eth(struct dbus *d, const char *path)
{
	struct dbus_net_shown n = current(d);
	enum net_object o = object_at(d, path, &n);

	return o == NET_ETH || o == NET_VLAN;
}

static bool is_vlan(struct dbus *d, const char *path)
{
	struct dbus_net_shown n = current(d);

	return object_at(d, path, &n) == NET_VLAN;
}

static bool is_ip(struct dbus *d, const char *path)
{
	struct dbus_net_shown n = current(d);

	return object_at(d, path, &n) == NET_IP;
}

DBUS_FALLBACK_FIND(find_eth, is_eth)
DBUS_FALLBACK_FIND(find_vlan, is_vlan)
DBUS_FALLBACK_FIND(find_ip, is_ip)

static int enumerate(sd_bus *bus, const char *prefix, void *userdata, char ***ret_nodes,
		     sd_bus_error *ret_error)
{
	struct dbus *d = userdata;
	struct dbus_net_shown n = current(d);
	char **nodes = calloc(4, sizeof(*nodes));
	char p[128];
	unsigned k = 0;

	if (!nodes)
		return -ENOMEM;
	path_of(d, 0, p, sizeof(p));
	nodes[k++] = strdup(p);
	if (n.vlan) {
		path_of(d, n.vlan, p, sizeof(p));
		nodes[k++] = strdup(p);
	}
	if (n.addr) {
		ip_path(d, n.vlan, p, sizeof(p));
		nodes[k++] = strdup(p);
	}
	for (unsigned i = 0; i < k; i++)
		if (!nodes[i]) {
			for (unsigned j = 0; j < k; j++)
				free(nodes[j]);
			free(nodes);
			return -ENOMEM;
		}
	*ret_nodes = nodes;
	return 0;
}

static int append_addr(sd_bus_message *reply, uint32_t a)
{
	char s[INET_ADDRSTRLEN];
	struct in_addr in = { .s_addr = a };

	return sd_bus_message_append(reply, "s", a ? inet_ntop(AF_INET, &in, s, sizeof(s)) : "");
}

static int get_eth(sd_bus *bus, const char *path, const char *iface, const char *prop,
		   sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct dbus *d = userdata;
	struct dbus_net_shown n = current(d);
	enum net_object o = object_at(d, path, &n);
	char name[32];

	if (!strcmp(prop, "InterfaceName")) {
		if (o == NET_VLAN)
			snprintf(name, sizeof(name), "%s.%u", base_name(d), n.vlan);
		else
			snprintf(name, sizeof(name), "%s", base_name(d));
		return sd_bus_message_append(reply, "s", name);
	}
	if (!strcmp(prop, "DHCPEnabled"))
		return sd_bus_message_append(reply, "s", n.ip_source == 2 ? ETH_IFACE ".DHCPConf.v4"
									  : ETH_IFACE ".DHCPConf.none");
	if (!strcmp(prop, "DHCP4"))
		return sd_bus_message_append(reply, "b", (int)(n.ip_source == 2));
	if (!strcmp(prop, "DefaultGateway"))
		/* The route goes with the address: on the VLAN when in use. */
		return append_addr(reply, (o == NET_VLAN) == (n.vlan != 0) ? n.gateway : 0);
	if (!strcmp(prop, "MACAddress")) {
		snprintf(name, sizeof(name), "%02x:%02x:%02x:%02x:%02x:%02x", n.mac[0], n.mac[1],
			 n.mac[2], n.mac[3], n.mac[4], n.mac[5]);
		return sd_bus_message_append(reply, "s", name);
	}
	return sd_bus_message_append(reply, "u", (uint32_t)n.vlan);	/* Id */
}

static int get_ip(sd_bus *bus, const char *path, const char *iface, const char *prop,
		  sd_bus_message *reply, void *userdata, sd_bus_error *ret_error)
{
	struct dbus_net_shown n = current(userdata);

	if (!strcmp(prop, "Address"))
		return append_addr(reply, n.addr);
	if (!strcmp(prop, "Gateway"))
		return append_addr(reply, n.gateway);
	if (!strcmp(prop, "PrefixLength"))
		return sd_bus_message_append(reply, "y", n.prefix);
	if (!strcmp(prop, "Type"))
		return sd_bus_message_append(reply, "s", IP_IFACE ".Protocol.IPv4");
	return sd_bus_message_append(reply, "s", n.ip_source == 2 ? IP_IFACE ".AddressOrigin.DHCP"
								  : IP_IFACE ".AddressOrigin.Static");
}

#define RO(name, sig, fn) SD_BUS_PROPERTY(name, sig, fn, 0, EMITS)

static const sd_bus_vtable eth_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("InterfaceName", "s", get_eth, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	RO("DHCPEnabled", "s", get_eth),
	RO("DHCP4", "b", get_eth),
	RO("DefaultGateway", "s", get_eth),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable mac_vtable[] = {
	SD_BUS_VTABLE_START(0),
	RO("MACAddress", "s", get_eth),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable vlan_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Id", "u", get_eth, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	SD_BUS_VTABLE_END,
};

static const sd_bus_vtable ip_vtable[] = {
	SD_BUS_VTABLE_START(0),
	RO("Address", "s", get_ip),
	RO("PrefixLength", "y", get_ip),
	RO("Gateway", "s", get_ip),
	SD_BUS_PROPERTY("Type", "s", get_ip, 0, SD_BUS_VTABLE_PROPERTY_CONST),
	RO("Origin", "s", get_ip),
	SD_BUS_VTABLE_END,
};

int dbus_network_add(struct dbus *d)
{
	int r;

	if (!d->bmc->lanconf)
		return 0;
	d->net_shown = current(d);
	r = sd_bus_add_fallback_vtable(d->bus, NULL, NET_PATH, ETH_IFACE, eth_vtable, find_eth, d);
	if (r >= 0)
		r = sd_bus_add_fallback_vtable(d->bus, NULL, NET_PATH, MAC_IFACE, mac_vtable, find_eth, d);
	if (r >= 0)
		r = sd_bus_add_fallback_vtable(d->bus, NULL, NET_PATH, VLAN_IFACE, vlan_vtable, find_vlan,
					       d);
	if (r >= 0)
		r = sd_bus_add_fallback_vtable(d->bus, NULL, NET_PATH, IP_IFACE, ip_vtable, find_ip, d);
	if (r >= 0)
		r = sd_bus_add_node_enumerator(d->bus, NULL, NET_PATH, enumerate, d);
	return r;
}

static void emit(struct dbus *d, const char *path, const char *iface, const char *prop)
{
	int r = sd_bus_emit_properties_changed(d->bus, path, iface, prop, NULL);

	if (r < 0)
		log_debug("dbus: %s %s.%s changed, not signalled: %s", path, iface, prop, strerror(-r));
}

/* The address object (of the interface of VLAN 'vlan', 0: none) came or
 * went. */
static void ip_moved(struct dbus *d, uint16_t vlan, bool added)
{
	char p[128];

	ip_path(d, vlan, p, sizeof(p));
	if (added)
		sd_bus_emit_interfaces_added(d->bus, p, IP_IFACE, NULL);
	else
		sd_bus_emit_interfaces_removed(d->bus, p, IP_IFACE, NULL);
}

static void vlan_moved(struct dbus *d, uint16_t vlan, bool added)
{
	char p[128];

	path_of(d, vlan, p, sizeof(p));
	if (added)
		sd_bus_emit_interfaces_added(d->bus, p, ETH_IFACE, MAC_IFACE, VLAN_IFACE, NULL);
	else
		sd_bus_emit_interfaces_removed(d->bus, p, ETH_IFACE, MAC_IFACE, VLAN_IFACE, NULL);
}

/* What changed since the last call (IPMI, a DHCP lease): the objects that
 * came or went, and PropertiesChanged for the rest. */
void dbus_network_changed(struct dbus *d)
{
	struct dbus_net_shown now, *was = &d->net_shown;
	char eth[128], vl[128], ip[128];

	if (!d->bus || !d->bmc->lanconf)
		return;
	now = current(d);
	if (!memcmp(now.mac, was->mac, sizeof(now.mac)) && now.addr == was->addr &&
	    now.gateway == was->gateway && now.prefix == was->prefix &&
	    now.ip_source == was->ip_source && now.vlan == was->vlan)
		return;
	path_of(d, 0, eth, sizeof(eth));
	path_of(d, now.vlan, vl, sizeof(vl));
	ip_path(d, now.vlan, ip, sizeof(ip));
	if (now.vlan != was->vlan) {
		/* The address moves with the VLAN: its objects anew. */
		if (was->addr)
			ip_moved(d, was->vlan, false);
		if (was->vlan)
			vlan_moved(d, was->vlan, false);
		if (now.vlan)
			vlan_moved(d, now.vlan, true);
		if (now.addr)
			ip_moved(d, now.vlan, true);
	} else if (!now.addr != !was->addr) {
		ip_moved(d, now.vlan, now.addr != 0);
	} else if (now.addr) {
		if (now.addr != was->addr)
			emit(d, ip, IP_IFACE, "Address");
		if (now.prefix != was->prefix)
			emit(d, ip, IP_IFACE, "PrefixLength");
		if (now.gateway != was->gateway)
			emit(d, ip, IP_IFACE, "Gateway");
		if (now.ip_source != was->ip_source)
			emit(d, ip, IP_IFACE, "Origin");
	}
	if (memcmp(now.mac, was->mac, sizeof(now.mac))) {
		emit(d, eth, MAC_IFACE, "MACAddress");
		if (now.vlan && now.vlan == was->vlan)
			emit(d, vl, MAC_IFACE, "MACAddress");
	}
	if (now.ip_source != was->ip_source) {
		emit(d, eth, ETH_IFACE, "DHCPEnabled");
		emit(d, eth, ETH_IFACE, "DHCP4");
		if (now.vlan && now.vlan == was->vlan) {
			emit(d, vl, ETH_IFACE, "DHCPEnabled");
			emit(d, vl, ETH_IFACE, "DHCP4");
		}
	}
	if (now.gateway != was->gateway || now.vlan != was->vlan)
		emit(d, eth, ETH_IFACE, "DefaultGateway");
	if (now.gateway != was->gateway && now.vlan && now.vlan == was->vlan)
		emit(d, vl, ETH_IFACE, "DefaultGateway");
	*was = now;
}
