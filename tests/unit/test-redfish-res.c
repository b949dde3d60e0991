/* SPDX-License-Identifier: MIT */
/* The Redfish resources without a transport, on the sim board's BMC: the
 * date parser, sensor ids (stable, unique when names collide), the boot
 * override written through IPMI's flags and nothing half-applied, SEL
 * paging, a reset refused by the power state machine. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "chassis/bootopt.h"
#include "chassis/chassis.h"
#include "daemon/bmc.h"
#include "daemon/config.h"
#include "redfish/redfish.h"
#include "redfish/res.h"
#include "sel/sel.h"
#include "sensors/sensors.h"
#include "tap.h"

#define ADMIN "Basic YWRtaW46cGFzc3dvcmQ="	/* admin:password */

struct t {
	struct rf_service *svc;
	struct rf_resp resp;
	json_object *json;
};

static int call(struct t *t, enum rf_method m, const char *path, const char *query, const char *body)
{
	struct rf_req req = {
		.method = m, .path = path, .query = query, .authorization = ADMIN,
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

/* A member by a path of keys ("Boot", "BootSourceOverrideTarget"). */
static json_object *get(json_object *o, const char *k1, const char *k2)
{
	json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, k1, &v))
		return NULL;
	if (k2 && !json_object_object_get_ex(v, k2, &v))
		return NULL;
	return v;
}

static const char *msgid(struct t *t)
{
	json_object *c = get(get(t->json, "error", NULL), "code", NULL);

	return c ? json_object_get_string(c) : "";
}

static void test_datetime(void)
{
	char buf[RES_DATETIME_LEN];
	int64_t v;

	CHECK(res_parse_datetime("2030-01-02T03:04:05+00:00", &v) && v == 1893553445);
	CHECK(res_parse_datetime("2030-01-02T03:04:05Z", &v) && v == 1893553445);
	CHECK(res_parse_datetime("2030-01-02T05:04:05.123+02:00", &v) && v == 1893553445);
	CHECK(res_parse_datetime("2030-01-01T22:04:05-05:00", &v) && v == 1893553445);
	CHECK(!res_parse_datetime("2030-02-31T00:00:00Z", &v));
	CHECK(!res_parse_datetime("2030-01-02T03:04:05", &v));		/* no offset */
	CHECK(!res_parse_datetime("2030-01-02 03:04:05Z", &v));
	CHECK(!res_parse_datetime("2030-01-02T03:04:05+0000", &v));
	CHECK(!res_parse_datetime("2030-01-02T03:04:05Z ", &v));
	CHECK(!res_parse_datetime("", &v));
	res_datetime(1893553445, 0, buf);
	CHECK(!strcmp(buf, "2030-01-02T03:04:05+00:00"));
	res_datetime(1893553445, -90, buf);
	CHECK(!strcmp(buf, "2030-01-02T01:34:05-01:30"));
}

static void test_sensor_ids(struct t *t, struct bmc *bmc)
{
	json_object *m;
	size_t n;

	CHECK(call(t, RF_GET, RES_CHASSIS "/Sensors", NULL, NULL) == 200);
	m = get(t->json, "Members", NULL);
	n = m ? json_object_array_length(m) : 0;
	CHECK(n == bmc->sensors->n);
	/* Every id unique; the second sensor, renamed "CPU0_Temp" below, after
	 * "CPU0 Temp", gets its number appended. */
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			CHECK(strcmp(json_object_get_string(get(json_object_array_get_idx(m, i), "@odata.id", NULL)),
				     json_object_get_string(get(json_object_array_get_idx(m, j), "@odata.id", NULL))));
	CHECK(call(t, RF_GET, RES_CHASSIS "/Sensors/CPU0_Temp", NULL, NULL) == 200);
	CHECK(!strcmp(json_object_get_string(get(t->json, "Name", NULL)), "CPU0 Temp"));
	CHECK(call(t, RF_GET, RES_CHASSIS "/Sensors/CPU0_Temp_02", NULL, NULL) == 200);
	CHECK(!strcmp(json_object_get_string(get(t->json, "Name", NULL)), "CPU0_Temp"));
	CHECK(call(t, RF_GET, RES_CHASSIS "/Sensors/..", NULL, NULL) == 404);
}

static void test_boot(struct t *t, struct bmc *bmc)
{
	const uint8_t *f = bmc->bootopt->v.saved.flags;
	uint8_t before[BOOTOPT_FLAGS_LEN];

	CHECK(call(t, RF_PATCH, RES_SYSTEM, NULL, "{\"Boot\":{\"BootSourceOverrideTarget\":\"BiosSetup\","
		   "\"BootSourceOverrideEnabled\":\"Continuous\",\"BootSourceOverrideMode\":\"UEFI\"}}") == 200);
	CHECK(f[0] == (BOOTOPT_F1_VALID | BOOTOPT_F1_PERSISTENT | BOOTOPT_F1_EFI));
	CHECK(((f[1] >> 2) & 0xf) == BOOTDEV_SETUP);
	CHECK(!strcmp(json_object_get_string(get(t->json, "Boot", "BootSourceOverrideTarget")), "BiosSetup"));
	memcpy(before, f, sizeof(before));
	/* A good target with a bad mode, a good target with a bad indicator:
	 * nothing applied. */
	CHECK(call(t, RF_PATCH, RES_SYSTEM, NULL, "{\"Boot\":{\"BootSourceOverrideTarget\":\"Pxe\","
		   "\"BootSourceOverrideMode\":\"EFI\"}}") == 400);
	CHECK(strstr(msgid(t), "PropertyValueNotInList") != NULL);
	CHECK(call(t, RF_PATCH, RES_SYSTEM, NULL, "{\"Boot\":{\"BootSourceOverrideTarget\":\"Pxe\"},"
		   "\"LocationIndicatorActive\":1}") == 400);
	CHECK(strstr(msgid(t), "PropertyValueTypeError") != NULL);
	CHECK(call(t, RF_PATCH, RES_SYSTEM, NULL, "[]") == 400);
	CHECK(!memcmp(before, f, sizeof(before)));
	CHECK(bmc->chassis->identify == 0);
	/* Disabled: the valid bit off, the mode kept. */
	CHECK(call(t, RF_PATCH, RES_SYSTEM, NULL, "{\"Boot\":{\"BootSourceOverrideEnabled\":\"Disabled\"}}") == 200);
	CHECK(f[0] == BOOTOPT_F1_EFI);
	CHECK(!strcmp(json_object_get_string(get(t->json, "Boot", "BootSourceOverrideEnabled")), "Disabled"));
	/* A target alone on a disabled override: next boot. */
	CHECK(call(t, RF_PATCH, RES_SYSTEM, NULL, "{\"Boot\":{\"BootSourceOverrideTarget\":\"Usb\"}}") == 200);
	CHECK(f[0] == (BOOTOPT_F1_VALID | BOOTOPT_F1_EFI));
	CHECK(((f[1] >> 2) & 0xf) == BOOTDEV_FLOPPY);
}

static void test_reset(struct t *t, struct bmc *bmc)
{
	/* The host is off: a hard reset is refused, nothing started. */
	CHECK(call(t, RF_POST, RES_SYSTEM "/Actions/ComputerSystem.Reset", NULL,
		   "{\"ResetType\":\"ForceRestart\"}") == 409);
	CHECK(strstr(msgid(t), "ResourceInUse") != NULL);
	CHECK(call(t, RF_POST, RES_SYSTEM "/Actions/ComputerSystem.Reset", NULL,
		   "{\"ResetType\":\"on\"}") == 400);
	CHECK(call(t, RF_POST, RES_SYSTEM "/Actions/ComputerSystem.Reset", NULL, "{}") == 400);
	CHECK(strstr(msgid(t), "ActionParameterMissing") != NULL);
	CHECK(bmc->power->state == POWER_OFF);
}

static void test_sel_pages(struct t *t, struct bmc *bmc)
{
	json_object *next;
	char path[128], *q;
	unsigned seen = 0, pages = 0;

	CHECK(sel_clear(bmc->sel) == 0);
	for (int i = 0; i < 249; i++)
		CHECK(sel_add_event(bmc->sel, SEL_GEN_BMC, 0x01, 1, 0x01, 0x59, 90, 95) == 0);
	snprintf(path, sizeof(path), "%s", RES_MANAGER "/LogServices/SEL/Entries");
	q = NULL;
	for (;;) {
		CHECK(call(t, RF_GET, path, q, NULL) == 200);
		CHECK(json_object_get_int(get(t->json, "Members@odata.count", NULL)) == 250);
		seen += (unsigned)json_object_array_length(get(t->json, "Members", NULL));
		pages++;
		next = get(t->json, "Members@odata.nextLink", NULL);
		if (!next || pages > 5)
			break;
		snprintf(path, sizeof(path), "%s", json_object_get_string(next));
		q = strchr(path, '?');
		CHECK(q != NULL);
		if (!q)
			break;
		*q++ = '\0';
	}
	CHECK(seen == 250 && pages == 3);
	CHECK(call(t, RF_GET, RES_MANAGER "/LogServices/SEL/Entries", "$skip=240&$top=0", NULL) == 200);
	CHECK(json_object_array_length(get(t->json, "Members", NULL)) == 0);
	CHECK(get(t->json, "Members@odata.nextLink", NULL) == NULL);
	CHECK(call(t, RF_GET, RES_MANAGER "/LogServices/SEL/Entries", "$skip=245", NULL) == 200);
	CHECK(json_object_array_length(get(t->json, "Members", NULL)) == 5);
	CHECK(get(t->json, "Members@odata.nextLink", NULL) == NULL);
	CHECK(call(t, RF_GET, RES_MANAGER "/LogServices/SEL/Entries/2", NULL, NULL) == 200);
	CHECK(!strcmp(json_object_get_string(get(t->json, "EntryCode", NULL)), "Upper Critical - going high"));
	CHECK(!strcmp(json_object_get_string(get(t->json, "Severity", NULL)), "Critical"));
	CHECK(call(t, RF_GET, RES_MANAGER "/LogServices/SEL/Entries/02", NULL, NULL) == 404);
	CHECK(call(t, RF_GET, RES_MANAGER "/LogServices/SEL/Entries/65535", NULL, NULL) == 404);
	CHECK(call(t, RF_POST, RES_MANAGER "/LogServices/SEL/Actions/LogService.ClearLog", NULL, "{}") == 204);
	CHECK(bmc->sel->count == 1);	/* the "log area cleared" event */
}

int main(void)
{
	const char *root = getenv("BMCD_SOURCE_ROOT");
	static struct board_config cfg;
	char path[4096], dir[] = "/tmp/bmcd-test-redfish-res-XXXXXX";
	static struct bmc bmc;
	struct t t = { 0 };
	sd_event *ev;

	test_datetime();
	snprintf(path, sizeof(path), "%s/boards/sim.json", root ? root : ".");
	CHECK(config_load(path, &cfg, NULL, NULL) == 0);
	cfg.lan.n_listen = 0;
	cfg.redfish.enabled = false;
	/* A name that comes out as the first sensor's id. */
	snprintf(cfg.sensors[1].name, sizeof(cfg.sensors[1].name), "CPU0_Temp");
	CHECK(sd_event_new(&ev) >= 0);
	CHECK(mkdtemp(dir) != NULL);
	CHECK(bmc_init(&bmc, ev, &cfg, dir) == 0);
	t.svc = rf_service_new(&bmc);
	CHECK(t.svc != NULL);
	test_sensor_ids(&t, &bmc);
	test_boot(&t, &bmc);
	test_reset(&t, &bmc);
	test_sel_pages(&t, &bmc);
	free(t.resp.body);
	json_object_put(t.json);
	rf_service_free(t.svc);
	bmc_done(&bmc);
	sd_event_unref(ev);
	return tap_done("redfish-res");
}
