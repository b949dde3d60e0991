/* SPDX-License-Identifier: MIT */
/*
 * /redfish/v1/Managers/bmc/NetworkProtocol and EthernetInterfaces: the
 * BMC's network settings.  IPMI.ProtocolEnabled opens and closes the
 * RMCP/RMCP+ listeners (lan_set_enabled()); an interface's address,
 * DHCP and VLAN are the LAN configuration parameters, changed through
 * the setters `ipmitool lan set` reaches (lanconf_change()), so both
 * protocols show one state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "channels/lanconfig.h"
#include "daemon/bmc.h"
#include "daemon/log.h"
#include "lan/lan.h"
#include "redfish/res.h"

#define NETPROTO RES_MANAGER "/NetworkProtocol"
#define ETHS RES_MANAGER "/EthernetInterfaces"

static const char *who(const struct rf_ctx *ctx)
{
	return ctx->user ? ctx->user : "?";
}

/* The first port of a list of endpoints, 0 if none. */
static unsigned endpoint_port(const struct cfg_endpoint *e, unsigned n)
{
	if (!n)
		return 0;
	if (e->addr.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&e->addr)->sin_port);
	if (e->addr.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&e->addr)->sin6_port);
	return 0;
}

static unsigned ipmi_port(const struct bmc *bmc)
{
	return endpoint_port(bmc->cfg.lan.listen, bmc->cfg.lan.n_listen);
}

static unsigned https_port(const struct bmc *bmc)
{
	return endpoint_port(bmc->cfg.redfish.listen, bmc->cfg.redfish.n_listen);
}

static json_object *protocol(bool enabled, unsigned port)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ProtocolEnabled", json_object_new_boolean(enabled));
	if (port)
		json_object_object_add(o, "Port", json_object_new_int((int)port));
	return o;
}

static int get_netproto(struct rf_ctx *ctx)
{
	struct bmc *bmc = ctx->bmc;
	json_object *o = rf_object(NETPROTO, "#ManagerNetworkProtocol.v1_10_0.ManagerNetworkProtocol",
				   "NetworkProtocol", "Manager Network Protocol");
	unsigned ipmi = ipmi_port(bmc);

	json_object_object_add(o, "IPMI", protocol(lan_enabled(bmc->lan) && ipmi, ipmi));
	json_object_object_add(o, "HTTPS", protocol(true, https_port(bmc)));
	json_object_object_add(o, "Status", res_status("Enabled", "OK"));
	rf_json(ctx, 200, o);
	return 0;
}

/* One protocol's object of a NetworkProtocol PATCH: ProtocolEnabled into
 * *enabled (-1 when absent), and a Port only when it is the current one
 * (ports are read-only: they are the board's or the command line's). */
static int check_protocol(struct rf_ctx *ctx, json_object *body, const char *name, unsigned port,
			  int *enabled)
{
	static const char *const known[] = { "ProtocolEnabled", "Port", NULL };
	json_object *o, *v;
	char prop[32];

	*enabled = -1;
	if (!json_object_object_get_ex(body, name, &o))
		return 0;
	if (!json_object_is_type(o, json_type_object))
		return rf_error(ctx, 400, RES_MSG("PropertyValueTypeError"), rf_value_text(o), name);
	if (res_check_keys(ctx, o, known) < 0)
		return -1;
	if (json_object_object_get_ex(o, known[0], &v)) {
		snprintf(prop, sizeof(prop), "%s/%s", name, known[0]);
		if (rf_want_bool(ctx, v, prop) < 0)
			return -1;
		*enabled = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(o, known[1], &v)) {
		snprintf(prop, sizeof(prop), "%s/%s", name, known[1]);
		if (rf_want_int(ctx, v, prop) < 0)
			return -1;
		if (json_object_get_int64(v) != (int64_t)port)
			return rf_error(ctx, 400, RES_MSG("PropertyNotWritable"), prop, NULL);
	}
	return 0;
}

/* IPMI.ProtocolEnabled closes or reopens every RMCP/RMCP+ endpoint (kept
 * across restarts); HTTPS stays on: turning it off over HTTPS would cut
 * off the very client asking, and nothing could turn it on again. */
static int patch_netproto(struct rf_ctx *ctx)
{
	static const char *const known[] = { "IPMI", "HTTPS", NULL };
	struct bmc *bmc = ctx->bmc;
	int ipmi, https, r;

	if (res_check_keys(ctx, ctx->body, known) < 0 ||
	    check_protocol(ctx, ctx->body, "IPMI", ipmi_port(bmc), &ipmi) < 0 ||
	    check_protocol(ctx, ctx->body, "HTTPS", https_port(bmc), &https) < 0)
		return -1;
	if (https == 0)
		return rf_error(ctx, 400, RES_MSG("PropertyValueNotInList"), "false", "HTTPS/ProtocolEnabled");
	if (ipmi >= 0 && (!bmc->lan || !ipmi_port(bmc)))
		return rf_error(ctx, 400, RES_MSG("PropertyNotWritable"), "IPMI/ProtocolEnabled", NULL);
	if (ipmi >= 0 && (bool)ipmi != lan_enabled(bmc->lan)) {
		r = lan_set_enabled(bmc->lan, ipmi);
		if (r < 0)
			return rf_error(ctx, 500, RES_MSG("InternalError"), NULL, NULL);
		log_notice("redfish: IPMI over LAN turned %s by %s", ipmi ? "on" : "off", who(ctx));
	}
	return get_netproto(ctx);
}

/* The interface's Id: the board's NIC name, "eth0" without one. */
static const char *eth_id(const struct bmc *bmc)
{
	return bmc->lanconf && bmc->lanconf->nif.ifname[0] ? bmc->lanconf->nif.ifname : "eth0";
}

static int get_eths(struct rf_ctx *ctx)
{
	json_object *c = rf_collection(ETHS, "#EthernetInterfaceCollection.EthernetInterfaceCollection",
				       "Ethernet Network Interface Collection");
	char link[96];

	if (ctx->bmc->lanconf) {
		snprintf(link, sizeof(link), ETHS "/%s", eth_id(ctx->bmc));
		rf_collection_add(c, link);
	}
	rf_json(ctx, 200, c);
	return 0;
}

static void add_ip(json_object *o, const char *key, struct in_addr a)
{
	char s[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &a, s, sizeof(s));
	json_object_object_add(o, key, json_object_new_string(s));
}

static int no_eth(struct rf_ctx *ctx)
{
	return rf_error(ctx, 404, RES_MSG("ResourceNotFound"), "EthernetInterface", ctx->arg[0]);
}

static int get_eth(struct rf_ctx *ctx)
{
	struct lanconf *lc = ctx->bmc->lanconf;
	struct netif_state st;
	json_object *o, *v4, *addrs, *statics, *vlan, *dhcp;
	char link[96], mac[18];
	bool dhcp_on;
	int r;

	if (!lc || strcmp(ctx->arg[0], eth_id(ctx->bmc)))
		return no_eth(ctx);
	r = lanconf_shown(ctx->bmc, &st);
	if (r < 0) {
		log_error_errno(r, "redfish: reading the interface %s", eth_id(ctx->bmc));
		return rf_error(ctx, 500, RES_MSG("InternalError"), NULL, NULL);
	}
	dhcp_on = lc->ip_source == 2;
	snprintf(link, sizeof(link), ETHS "/%s", ctx->arg[0]);
	o = rf_object(link, "#EthernetInterface.v1_12_0.EthernetInterface", ctx->arg[0],
		      "Manager Ethernet Interface");
	snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", st.mac[0], st.mac[1], st.mac[2],
		 st.mac[3], st.mac[4], st.mac[5]);
	json_object_object_add(o, "MACAddress", json_object_new_string(mac));
	json_object_object_add(o, "PermanentMACAddress", json_object_new_string(mac));
	json_object_object_add(o, "InterfaceEnabled", json_object_new_boolean(1));
	json_object_object_add(o, "Status", res_status("Enabled", "OK"));
	addrs = json_object_new_array();
	statics = json_object_new_array();
	if (st.addr.s_addr) {
		v4 = json_object_new_object();
		add_ip(v4, "Address", st.addr);
		add_ip(v4, "SubnetMask", prefix_to_netmask(st.prefix));
		add_ip(v4, "Gateway", st.gateway);
		json_object_object_add(v4, "AddressOrigin", json_object_new_string(dhcp_on ? "DHCP" : "Static"));
		json_object_array_add(addrs, v4);
		if (!dhcp_on) {
			v4 = json_object_new_object();
			add_ip(v4, "Address", st.addr);
			add_ip(v4, "SubnetMask", prefix_to_netmask(st.prefix));
			add_ip(v4, "Gateway", st.gateway);
			json_object_array_add(statics, v4);
		}
	}
	json_object_object_add(o, "IPv4Addresses", addrs);
	json_object_object_add(o, "IPv4StaticAddresses", statics);
	dhcp = json_object_new_object();
	json_object_object_add(dhcp, "DHCPEnabled", json_object_new_boolean(dhcp_on));
	json_object_object_add(o, "DHCPv4", dhcp);
	vlan = json_object_new_object();
	json_object_object_add(vlan, "VLANEnable", json_object_new_boolean(lc->vlan & 0x8000));
	json_object_object_add(vlan, "VLANId", json_object_new_int(lc->vlan & 0x0fff));
	json_object_object_add(o, "VLAN", vlan);
	rf_json(ctx, 200, o);
	return 0;
}

/* A dotted-quad IPv4 address; -1 after 400 (type or format) naming prop. */
static int want_ip(struct rf_ctx *ctx, json_object *v, const char *prop, struct in_addr *out)
{
	if (rf_want_string(ctx, v, prop) < 0)
		return -1;
	if (inet_pton(AF_INET, json_object_get_string(v), out) != 1)
		return rf_error(ctx, 400, RES_MSG("PropertyValueFormatError"), json_object_get_string(v), prop);
	return 0;
}

/* IPv4StaticAddresses: at most one entry (the interface has one
 * address); {} leaves it as it is. */
static int check_statics(struct rf_ctx *ctx, json_object *a, struct lanconf_change *c)
{
	static const char *const known[] = { "Address", "SubnetMask", "Gateway", NULL };
	static const char *const props[] = { "IPv4StaticAddresses/0/Address",
					     "IPv4StaticAddresses/0/SubnetMask",
					     "IPv4StaticAddresses/0/Gateway" };
	json_object *e, *v;

	if (!json_object_is_type(a, json_type_array))
		return rf_error(ctx, 400, RES_MSG("PropertyValueTypeError"), rf_value_text(a),
				"IPv4StaticAddresses");
	if (json_object_array_length(a) == 0)
		return 0;
	if (json_object_array_length(a) > 1)
		return rf_error(ctx, 400, RES_MSG("PropertyValueOutOfRange"), rf_value_text(a),
				"IPv4StaticAddresses");
	e = json_object_array_get_idx(a, 0);
	if (!json_object_is_type(e, json_type_object))
		return rf_error(ctx, 400, RES_MSG("PropertyValueTypeError"), rf_value_text(e),
				"IPv4StaticAddresses/0");
	if (res_check_keys(ctx, e, known) < 0)
		return -1;
	if (json_object_object_get_ex(e, known[0], &v)) {
		if (want_ip(ctx, v, props[0], &c->addr) < 0)
			return -1;
		c->set_addr = true;
	}
	if (json_object_object_get_ex(e, known[1], &v)) {
		if (want_ip(ctx, v, props[1], &c->mask) < 0)
			return -1;
		c->set_mask = true;
	}
	if (json_object_object_get_ex(e, known[2], &v)) {
		if (want_ip(ctx, v, props[2], &c->gw) < 0)
			return -1;
		c->set_gw = true;
	}
	return 0;
}

static int check_dhcp(struct rf_ctx *ctx, json_object *o, struct lanconf_change *c)
{
	static const char *const known[] = { "DHCPEnabled", NULL };
	json_object *v;

	if (!json_object_is_type(o, json_type_object))
		return rf_error(ctx, 400, RES_MSG("PropertyValueTypeError"), rf_value_text(o), "DHCPv4");
	if (res_check_keys(ctx, o, known) < 0)
		return -1;
	if (!json_object_object_get_ex(o, known[0], &v))
		return 0;
	if (rf_want_bool(ctx, v, "DHCPv4/DHCPEnabled") < 0)
		return -1;
	c->set_source = true;
	c->ip_source = json_object_get_boolean(v) ? 2 : 1;
	return 0;
}

/* VLAN { VLANEnable, VLANId }: parameter 20 (bit 15 enable, ID 1..4094). */
static int check_vlan(struct rf_ctx *ctx, json_object *o, uint16_t cur, struct lanconf_change *c)
{
	static const char *const known[] = { "VLANEnable", "VLANId", NULL };
	json_object *en, *id;
	uint16_t v = cur;

	if (!json_object_is_type(o, json_type_object))
		return rf_error(ctx, 400, RES_MSG("PropertyValueTypeError"), rf_value_text(o), "VLAN");
	if (res_check_keys(ctx, o, known) < 0)
		return -1;
	if (json_object_object_get_ex(o, known[1], &id)) {
		int64_t n;

		if (rf_want_int(ctx, id, "VLAN/VLANId") < 0)
			return -1;
		n = json_object_get_int64(id);
		if (n < 1 || n > 4094)
			return rf_error(ctx, 400, RES_MSG("PropertyValueOutOfRange"), rf_value_text(id),
					"VLAN/VLANId");
		v = (uint16_t)((v & 0x8000) | (uint16_t)n);
		c->set_vlan = true;
	}
	if (json_object_object_get_ex(o, known[0], &en)) {
		if (rf_want_bool(ctx, en, "VLAN/VLANEnable") < 0)
			return -1;
		v = json_object_get_boolean(en) ? (uint16_t)(v | 0x8000) : (uint16_t)(v & 0x0fff);
		c->set_vlan = true;
	}
	if (c->set_vlan && (v & 0x8000) && !(v & 0x0fff))
		return rf_error(ctx, 400, RES_MSG("PropertyMissing"), "VLAN/VLANId", NULL);
	c->vlan = v;
	return 0;
}

/* Properties GET shows that a PATCH cannot change. */
static const char *const eth_read_only[] = {
	"Id", "Name", "Description", "MACAddress", "PermanentMACAddress", "InterfaceEnabled",
	"Status", "IPv4Addresses", NULL,
};

/* PATCH IPv4StaticAddresses, DHCPv4.DHCPEnabled and VLAN: all of it
 * checked, then applied through the LAN configuration parameters' setters
 * (lanconf_change(), which checks again before it changes anything). */
static int patch_eth(struct rf_ctx *ctx)
{
	static const char *const known[] = {
		"IPv4StaticAddresses", "DHCPv4", "VLAN",
		"Id", "Name", "Description", "MACAddress", "PermanentMACAddress", "InterfaceEnabled",
		"Status", "IPv4Addresses", NULL,
	};
	struct lanconf *lc = ctx->bmc->lanconf;
	struct lanconf_change c = { 0 };
	const char *bad;
	json_object *v;
	int r;

	if (!lc || strcmp(ctx->arg[0], eth_id(ctx->bmc)))
		return no_eth(ctx);
	if (res_check_keys(ctx, ctx->body, known) < 0)
		return -1;
	for (unsigned i = 0; eth_read_only[i]; i++)
		if (json_object_object_get_ex(ctx->body, eth_read_only[i], &v))
			return rf_error(ctx, 400, RES_MSG("PropertyNotWritable"), eth_read_only[i], NULL);
	if (json_object_object_get_ex(ctx->body, "IPv4StaticAddresses", &v) && check_statics(ctx, v, &c) < 0)
		return -1;
	if (json_object_object_get_ex(ctx->body, "DHCPv4", &v) && check_dhcp(ctx, v, &c) < 0)
		return -1;
	if (json_object_object_get_ex(ctx->body, "VLAN", &v) && check_vlan(ctx, v, lc->vlan, &c) < 0)
		return -1;
	r = lanconf_change(ctx->bmc, &c, &bad);
	if (r == -EINVAL) {
		char text[INET_ADDRSTRLEN];

		/* Parsed, but a value the LAN parameters refuse (0.0.0.0, a
		 * loopback, multicast or broadcast address, a mask that is not
		 * contiguous or /31, /32). */
		if (!strcmp(bad, "addr"))
			return rf_error(ctx, 400, RES_MSG("PropertyValueFormatError"),
					inet_ntop(AF_INET, &c.addr, text, sizeof(text)),
					"IPv4StaticAddresses/0/Address");
		if (!strcmp(bad, "mask"))
			return rf_error(ctx, 400, RES_MSG("PropertyValueFormatError"),
					inet_ntop(AF_INET, &c.mask, text, sizeof(text)),
					"IPv4StaticAddresses/0/SubnetMask");
		if (!strcmp(bad, "gw"))
			return rf_error(ctx, 400, RES_MSG("PropertyValueFormatError"),
					inet_ntop(AF_INET, &c.gw, text, sizeof(text)),
					"IPv4StaticAddresses/0/Gateway");
		return rf_error(ctx, 400, RES_MSG("PropertyValueOutOfRange"), bad, "VLAN");
	}
	if (r < 0)
		return rf_error(ctx, 500, RES_MSG("InternalError"), NULL, NULL);
	if (c.set_addr || c.set_mask || c.set_gw || c.set_source || c.set_vlan)
		log_notice("redfish: interface %s settings changed by %s", eth_id(ctx->bmc), who(ctx));
	return get_eth(ctx);
}

const struct rf_route rf_routes_network[] = {
	{ NETPROTO, RF_GET | RF_PATCH, RF_PRIV_LOGIN, RF_PRIV_CONFIGURE_MANAGER,
	  .get = get_netproto, .patch = patch_netproto },
	{ ETHS, RF_GET, RF_PRIV_LOGIN, 0, .get = get_eths },
	{ ETHS "/{id}", RF_GET | RF_PATCH, RF_PRIV_LOGIN, RF_PRIV_CONFIGURE_MANAGER,
	  .get = get_eth, .patch = patch_eth },
	{ NULL },
};
