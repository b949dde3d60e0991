/* SPDX-License-Identifier: MIT */
/* The manager's network settings without a transport, on the sim board's
 * BMC: lanconf_change() refusing a whole change when one part is bad and
 * applying a good one through the LAN parameters, the EthernetInterface
 * PATCH on top of it, and IPMI over LAN closed and reopened (sessions on
 * it dropped, the choice in the state directory). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <systemd/sd-event.h>

#include "channels/lanconfig.h"
#include "channels/session.h"
#include "daemon/bmc.h"
#include "daemon/config.h"
#include "daemon/store.h"
#include "lan/lan.h"
#include "lan/lan_internal.h"
#include "redfish/redfish.h"
#include "tap.h"

#define ADMIN "Basic YWRtaW46cGFzc3dvcmQ="	/* admin:password */
#define ETH "/redfish/v1/Managers/bmc/EthernetInterfaces/eth0"
#define NETPROTO "/redfish/v1/Managers/bmc/NetworkProtocol"

struct t {
	struct rf_service *svc;
	struct rf_resp resp;
	json_object *json;
};

static int call(struct t *t, enum rf_method m, const char *path, const char *body)
{
	struct rf_req req = {
		.method = m, .path = path, .authorization = ADMIN,
		.body = body, .body_len = body ? strlen(body) : 0, .peer = "127.0.0.1:4000",
		.content_type = body ? "application/json" : NULL,
	};

	free(t->resp.body);
	json_object_put(t->json);
	t->json = NULL;
	rf_service_handle(t->svc, &req, &t->resp);
	if (t->resp.body)
		t->json = json_tokener_parse(t->resp.body);
	return t->resp.status;
}

static const char *msgid(struct t *t)
{
	json_object *e, *c;

	if (!t->json || !json_object_object_get_ex(t->json, "error", &e) ||
	    !json_object_object_get_ex(e, "code", &c))
		return "";
	return json_object_get_string(c);
}

static struct in_addr ip(const char *s)
{
	struct in_addr a = { 0 };

	inet_pton(AF_INET, s, &a);
	return a;
}

static void test_change(struct bmc *bmc)
{
	struct lanconf_change c = { .set_addr = true, .addr = ip("10.1.2.3"), .set_mask = true,
				    .mask = ip("255.255.0.0"), .set_vlan = true, .vlan = 0x8000 | 5 };
	struct netif_state st;
	const char *bad;

	/* A bad part anywhere: nothing changes, the part is named. */
	c.set_gw = true;
	c.gw = ip("127.0.0.1");
	CHECK(lanconf_change(bmc, &c, &bad) == -EINVAL && !strcmp(bad, "gw"));
	c.gw = ip("10.1.0.1");
	c.mask = ip("255.0.255.0");
	CHECK(lanconf_change(bmc, &c, &bad) == -EINVAL && !strcmp(bad, "mask"));
	c.mask = ip("255.255.0.0");
	c.vlan = 0x8000 | 0xfff;
	CHECK(lanconf_change(bmc, &c, &bad) == -EINVAL && !strcmp(bad, "vlan"));
	c.vlan = 0x8000 | 5;
	c.addr = ip("224.0.0.9");
	CHECK(lanconf_change(bmc, &c, &bad) == -EINVAL && !strcmp(bad, "addr"));
	CHECK(lanconf_shown(bmc, &st) == 0 && st.addr.s_addr == 0 && bmc->lanconf->vlan == 0);
	/* A good one: all of it, as Set LAN Configuration Parameters would. */
	c.addr = ip("10.1.2.3");
	CHECK(lanconf_change(bmc, &c, &bad) == 0 && bad == NULL);
	CHECK(lanconf_shown(bmc, &st) == 0);
	CHECK(st.addr.s_addr == ip("10.1.2.3").s_addr && st.prefix == 16);
	CHECK(st.gateway.s_addr == ip("10.1.0.1").s_addr);
	CHECK(bmc->lanconf->vlan == (0x8000 | 5));
}

static void test_patch_eth(struct t *t, struct bmc *bmc)
{
	struct netif_state st;

	CHECK(call(t, RF_PATCH, ETH, "{\"IPv4StaticAddresses\": [{\"Address\": \"10.9.9.9\", "
		   "\"SubnetMask\": \"255.255.255.255\"}]}") == 400);
	CHECK(!strcmp(msgid(t), "Base.1.16.0.PropertyValueFormatError"));
	CHECK(call(t, RF_PATCH, ETH, "{\"IPv4StaticAddresses\": [{\"Address\": \"10.9.9.9\"}], "
		   "\"VLAN\": {\"VLANId\": 0}}") == 400);
	CHECK(!strcmp(msgid(t), "Base.1.16.0.PropertyValueOutOfRange"));
	CHECK(call(t, RF_PATCH, ETH, "{\"IPv4StaticAddresses\": [{\"Address\": \"10.9.9.9\"}], "
		   "\"DHCPv4\": {\"DHCPEnabled\": \"yes\"}}") == 400);
	CHECK(!strcmp(msgid(t), "Base.1.16.0.PropertyValueTypeError"));
	CHECK(lanconf_shown(bmc, &st) == 0 && st.addr.s_addr == ip("10.1.2.3").s_addr);
	CHECK(call(t, RF_PATCH, ETH, "{\"IPv4StaticAddresses\": [{\"Address\": \"10.9.9.9\"}], "
		   "\"VLAN\": {\"VLANEnable\": false}, \"DHCPv4\": {\"DHCPEnabled\": false}}") == 200);
	CHECK(lanconf_shown(bmc, &st) == 0 && st.addr.s_addr == ip("10.9.9.9").s_addr && st.prefix == 16);
	CHECK(bmc->lanconf->vlan == 5 && bmc->lanconf->ip_source == 1);
	CHECK(call(t, RF_PATCH, ETH, "{\"IPv4StaticAddresses\": [{}]}") == 200);
	CHECK(call(t, RF_PATCH, "/redfish/v1/Managers/bmc/EthernetInterfaces/eth9",
		   "{\"DHCPv4\": {\"DHCPEnabled\": true}}") == 404);
}

static void test_lan_close(struct t *t, struct bmc *bmc)
{
	struct session *s, *on_lan;
	uint8_t b = 9;

	CHECK(lan_enabled(bmc->lan) && bmc->lan->n_socks == 1);
	s = session_new(bmc->sessions, SESS_ACTIVE, 1);
	on_lan = session_new(bmc->sessions, SESS_ACTIVE, 1);
	CHECK(s != NULL && on_lan != NULL);
	s->lan_sock = NULL;			/* half-open RMCP+: no socket yet */
	on_lan->lan_sock = &bmc->lan->socks[0];
	CHECK(call(t, RF_PATCH, NETPROTO, "{\"HTTPS\": {\"ProtocolEnabled\": false}}") == 400);
	CHECK(lan_set_enabled(bmc->lan, false) == 0 && !lan_enabled(bmc->lan));
	CHECK(s->state == SESS_FREE && on_lan->state == SESS_FREE && bmc->lan->n_socks == 0);
	CHECK(store_read(bmc->state_fd, "lan-enabled", &b, 1) == 1 && b == 0);
	CHECK(lan_set_enabled(bmc->lan, false) == 0);
	CHECK(lan_set_enabled(bmc->lan, true) == 0 && lan_enabled(bmc->lan) && bmc->lan->n_socks == 1);
	CHECK(store_read(bmc->state_fd, "lan-enabled", &b, 1) == 1 && b == 1);
}

int main(void)
{
	const char *root = getenv("BMCD_SOURCE_ROOT");
	static struct board_config cfg;
	char path[4096], dir[] = "/tmp/bmcd-test-redfish-net-XXXXXX";
	static struct bmc bmc;
	struct t t = { 0 };
	sd_event *ev;

	snprintf(path, sizeof(path), "%s/boards/sim.json", root ? root : ".");
	CHECK(config_load(path, &cfg, NULL, NULL) == 0);
	/* One LAN endpoint, on a port the kernel picks (not the board's). */
	CHECK(cfg.lan.n_listen >= 1 && cfg.lan.listen[0].addr.ss_family == AF_INET);
	((struct sockaddr_in *)&cfg.lan.listen[0].addr)->sin_port = 0;
	snprintf(cfg.lan.listen[0].text, sizeof(cfg.lan.listen[0].text), "127.0.0.1:0");
	cfg.lan.n_listen = 1;
	cfg.redfish.enabled = false;
	CHECK(sd_event_new(&ev) >= 0);
	CHECK(mkdtemp(dir) != NULL);
	CHECK(bmc_init(&bmc, ev, &cfg, dir) == 0);
	t.svc = rf_service_new(&bmc);
	CHECK(t.svc != NULL);
	test_change(&bmc);
	test_patch_eth(&t, &bmc);
	test_lan_close(&t, &bmc);
	free(t.resp.body);
	json_object_put(t.json);
	rf_service_free(t.svc);
	bmc_done(&bmc);
	sd_event_unref(ev);
	return tap_done("redfish-net");
}
