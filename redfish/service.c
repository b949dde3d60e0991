/* SPDX-License-Identifier: MIT */
/*
 * The Redfish service as the transport sees it (rf_service_new/free/tick/
 * handle), and the service's entry points: /redfish, the ServiceRoot,
 * $metadata (CSDL) and the OData service document.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/bmc.h"
#include "daemon/log.h"
#include "redfish/events.h"
#include "redfish/redfish.h"
#include "redfish/service.h"

#define RF_REDFISH_VERSION "1.17.0"

struct rf_service *rf_service_new(struct bmc *bmc)
{
	struct rf_service *svc = calloc(1, sizeof(*svc));

	if (!svc) {
		log_error("redfish: out of memory for the service");
		return NULL;
	}
	svc->bmc = bmc;
	svc->session_timeout_s = RF_SESSION_TIMEOUT_DEFAULT;
	log_limit_init(&svc->refused, "refused Redfish logins", 60, 5);
	log_limit_init(&svc->basic_ok, "Redfish Basic logins", 600, 1);
	svc->events = rf_events_new(bmc);
	if (!svc->events) {
		free(svc);
		return NULL;
	}
	return svc;
}

void rf_service_free(struct rf_service *svc)
{
	if (!svc)
		return;
	json_object_put(svc->answer);
	rf_events_free(svc->events);
	explicit_bzero(svc->sessions, sizeof(svc->sessions));
	free(svc);
}

void rf_service_tick(struct rf_service *svc, uint64_t now_usec)
{
	rf_sessions_expire(svc, now_usec);
	rf_events_tick(svc->events, now_usec);
	log_limit_flush(&svc->refused, now_usec);
	log_limit_flush(&svc->basic_ok, now_usec);
}

void rf_service_handle(struct rf_service *svc, const struct rf_req *req, struct rf_resp *resp)
{
	memset(resp, 0, sizeof(*resp));
	rf_route(svc, req, resp);
}

/* --- /redfish, ServiceRoot --- */

static int redfish_get(struct rf_ctx *ctx)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "v1", json_object_new_string("/redfish/v1/"));
	rf_json(ctx, 200, o);
	return 0;
}

static int root_get(struct rf_ctx *ctx)
{
	json_object *o = rf_object("/redfish/v1", "#ServiceRoot.v1_17_0.ServiceRoot", "RootService",
				   "Root Service");
	json_object *links = json_object_new_object(), *pf = json_object_new_object();
	json_object *exp = json_object_new_object(), *deep = json_object_new_object();
	char uuid[37];

	rf_guid_text(ctx->bmc->system_guid, uuid);
	json_object_object_add(o, "RedfishVersion", json_object_new_string(RF_REDFISH_VERSION));
	json_object_object_add(o, "UUID", json_object_new_string(uuid));
	json_object_object_add(o, "Product", json_object_new_string(ctx->bmc->cfg.name[0] ?
								    ctx->bmc->cfg.name : "bmcd"));
	json_object_object_add(o, "Vendor", json_object_new_string("bmcd"));
	rf_link(o, "Systems", "/redfish/v1/Systems");
	rf_link(o, "Chassis", "/redfish/v1/Chassis");
	rf_link(o, "Managers", "/redfish/v1/Managers");
	rf_link(o, "SessionService", "/redfish/v1/SessionService");
	rf_link(o, "AccountService", "/redfish/v1/AccountService");
	rf_link(o, "EventService", "/redfish/v1/EventService");
	rf_link(links, "Sessions", "/redfish/v1/SessionService/Sessions");
	json_object_object_add(o, "Links", links);
	json_object_object_add(exp, "ExpandAll", json_object_new_boolean(0));
	json_object_object_add(exp, "Levels", json_object_new_boolean(0));
	json_object_object_add(exp, "Links", json_object_new_boolean(0));
	json_object_object_add(exp, "NoLinks", json_object_new_boolean(0));
	json_object_object_add(pf, "ExpandQuery", exp);
	json_object_object_add(pf, "FilterQuery", json_object_new_boolean(0));
	json_object_object_add(pf, "SelectQuery", json_object_new_boolean(1));
	json_object_object_add(pf, "TopSkipQuery", json_object_new_boolean(1));
	json_object_object_add(pf, "OnlyMemberQuery", json_object_new_boolean(0));
	json_object_object_add(pf, "ExcerptQuery", json_object_new_boolean(0));
	json_object_object_add(deep, "DeepPATCH", json_object_new_boolean(0));
	json_object_object_add(deep, "DeepPOST", json_object_new_boolean(0));
	json_object_object_add(pf, "DeepOperations", deep);
	json_object_object_add(o, "ProtocolFeaturesSupported", pf);
	rf_json(ctx, 200, o);
	return 0;
}

/* --- $metadata: the DMTF schema files of every type served --- */

static const struct {
	const char *file;		/* under RF_SCHEMA_BASE */
	const char *ns;			/* the namespace */
	const char *version;		/* its versioned namespace, or NULL */
	const char *also;		/* one more, or NULL */
} schemas[] = {
	/* v1_17_0 for TopSkipQuery; v1_16_0 has the ServiceContainer. */
	{ "ServiceRoot_v1.xml", "ServiceRoot", "v1_17_0", "v1_16_0" },
	{ "ComputerSystemCollection_v1.xml", "ComputerSystemCollection", NULL },
	{ "ComputerSystem_v1.xml", "ComputerSystem", "v1_20_0" },
	{ "ChassisCollection_v1.xml", "ChassisCollection", NULL },
	{ "Chassis_v1.xml", "Chassis", "v1_23_0" },
	{ "ManagerCollection_v1.xml", "ManagerCollection", NULL },
	{ "Manager_v1.xml", "Manager", "v1_19_0" },
	{ "ManagerNetworkProtocol_v1.xml", "ManagerNetworkProtocol", "v1_10_0" },
	{ "EthernetInterfaceCollection_v1.xml", "EthernetInterfaceCollection", NULL },
	{ "EthernetInterface_v1.xml", "EthernetInterface", "v1_12_0" },
	{ "LogServiceCollection_v1.xml", "LogServiceCollection", NULL },
	{ "LogService_v1.xml", "LogService", "v1_5_0" },
	{ "LogEntryCollection_v1.xml", "LogEntryCollection", NULL },
	{ "LogEntry_v1.xml", "LogEntry", "v1_15_0" },
	{ "SensorCollection_v1.xml", "SensorCollection", NULL },
	{ "Sensor_v1.xml", "Sensor", "v1_7_0" },
	{ "ThermalSubsystem_v1.xml", "ThermalSubsystem", "v1_3_0" },
	{ "ThermalMetrics_v1.xml", "ThermalMetrics", "v1_3_0" },
	{ "FanCollection_v1.xml", "FanCollection", NULL },
	{ "Fan_v1.xml", "Fan", "v1_5_0" },
	{ "PowerSubsystem_v1.xml", "PowerSubsystem", "v1_1_0" },
	{ "PowerSupplyCollection_v1.xml", "PowerSupplyCollection", NULL },
	{ "PowerSupply_v1.xml", "PowerSupply", "v1_5_0" },
	{ "EnvironmentMetrics_v1.xml", "EnvironmentMetrics", "v1_3_0" },
	{ "ActionInfo_v1.xml", "ActionInfo", "v1_4_0" },
	{ "SessionService_v1.xml", "SessionService", "v1_1_9" },
	{ "SessionCollection_v1.xml", "SessionCollection", NULL },
	{ "Session_v1.xml", "Session", "v1_6_0" },
	{ "AccountService_v1.xml", "AccountService", "v1_13_0" },
	{ "EventService_v1.xml", "EventService", "v1_10_0" },
	{ "EventDestinationCollection_v1.xml", "EventDestinationCollection", NULL },
	{ "EventDestination_v1.xml", "EventDestination", "v1_13_0" },
	{ "Event_v1.xml", "Event", "v1_7_0" },
	{ "ManagerAccountCollection_v1.xml", "ManagerAccountCollection", NULL },
	{ "ManagerAccount_v1.xml", "ManagerAccount", "v1_10_0" },
	{ "RoleCollection_v1.xml", "RoleCollection", NULL },
	{ "Role_v1.xml", "Role", "v1_3_1" },
	{ "Message_v1.xml", "Message", "v1_1_1" },
	{ "Resource_v1.xml", "Resource", "v1_0_0" },
	{ "RedfishExtensions_v1.xml", "RedfishExtensions", "v1_0_0" },
};

static int metadata_get(struct rf_ctx *ctx)
{
	size_t size = 1024, len = 0;
	char *x;

	for (size_t i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++)
		size += 384 + 3 * strlen(schemas[i].ns);
	x = malloc(size);
	if (!x)
		return -ENOMEM;
	len += (size_t)snprintf(x + len, size - len,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<edmx:Edmx xmlns:edmx=\"http://docs.oasis-open.org/odata/ns/edmx\" Version=\"4.0\">\n");
	for (size_t i = 0; i < sizeof(schemas) / sizeof(schemas[0]); i++) {
		len += (size_t)snprintf(x + len, size - len,
			"  <edmx:Reference Uri=\"" RF_SCHEMA_BASE "%s\">\n"
			"    <edmx:Include Namespace=\"%s\"/>\n", schemas[i].file, schemas[i].ns);
		if (schemas[i].version)
			len += (size_t)snprintf(x + len, size - len,
				"    <edmx:Include Namespace=\"%s.%s\"/>\n", schemas[i].ns,
				schemas[i].version);
		if (schemas[i].also)
			len += (size_t)snprintf(x + len, size - len,
				"    <edmx:Include Namespace=\"%s.%s\"/>\n", schemas[i].ns,
				schemas[i].also);
		len += (size_t)snprintf(x + len, size - len, "  </edmx:Reference>\n");
	}
	len += (size_t)snprintf(x + len, size - len,
		"  <edmx:DataServices>\n"
		"    <Schema xmlns=\"http://docs.oasis-open.org/odata/ns/edm\" Namespace=\"Service\">\n"
		"      <EntityContainer Name=\"Service\" Extends=\"ServiceRoot.v1_16_0.ServiceContainer\"/>\n"
		"    </Schema>\n"
		"  </edmx:DataServices>\n"
		"</edmx:Edmx>\n");
	ctx->resp->body = x;
	ctx->resp->body_len = len;
	ctx->resp->content_type = "application/xml; charset=utf-8";
	ctx->resp->status = 200;
	return 0;
}

/* The OData service document: the ServiceRoot's top-level resources. */
static int odata_get(struct rf_ctx *ctx)
{
	static const struct {
		const char *name, *url;
	} top[] = {
		{ "Service", "/redfish/v1/" },
		{ "Systems", "/redfish/v1/Systems" },
		{ "Chassis", "/redfish/v1/Chassis" },
		{ "Managers", "/redfish/v1/Managers" },
		{ "SessionService", "/redfish/v1/SessionService" },
		{ "AccountService", "/redfish/v1/AccountService" },
		{ "EventService", "/redfish/v1/EventService" },
		{ "Sessions", "/redfish/v1/SessionService/Sessions" },
	};
	json_object *o = json_object_new_object(), *v = json_object_new_array();

	json_object_object_add(o, "@odata.context", json_object_new_string("/redfish/v1/$metadata"));
	for (size_t i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		json_object *e = json_object_new_object();

		json_object_object_add(e, "name", json_object_new_string(top[i].name));
		json_object_object_add(e, "kind", json_object_new_string("Singleton"));
		json_object_object_add(e, "url", json_object_new_string(top[i].url));
		json_object_array_add(v, e);
	}
	json_object_object_add(o, "value", v);
	rf_json(ctx, 200, o);
	return 0;
}

const struct rf_route rf_routes_root[] = {
	{ "/redfish", RF_GET, RF_PRIV_NONE, RF_PRIV_NONE, .get = redfish_get },
	{ "/redfish/v1", RF_GET, RF_PRIV_NONE, RF_PRIV_NONE, .get = root_get },
	{ "/redfish/v1/$metadata", RF_GET, RF_PRIV_NONE, RF_PRIV_NONE, .get = metadata_get },
	{ "/redfish/v1/odata", RF_GET, RF_PRIV_NONE, RF_PRIV_NONE, .get = odata_get },
	{ NULL },
};
