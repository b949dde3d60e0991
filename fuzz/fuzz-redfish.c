/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: one Redfish request into rf_service_handle() on a BMC built
 * from boards/sim.json, no transport.  The first bytes choose the request:
 *   [0] method (low 3 bits), [1] path (an index into the table below, or
 *   0xff: the path is the body up to the first '\n'), [2] credentials
 *   (none, admin, ReadOnly, wrong password, garbage token) and bit 7: an
 *   If-Match header; [3] query (none, or one of a few);
 * the rest is the body, sent as application/json.
 */
#include <stdlib.h>
#include <string.h>

#include "redfish/redfish.h"

#include "fuzz-bmc.h"
#include "fuzz.h"

static struct bmc bmc = { .state_fd = -1 };
static struct rf_service *svc;

static const char *const paths[] = {
	"/redfish", "/redfish/v1", "/redfish/v1/", "/redfish/v1/$metadata", "/redfish/v1/odata",
	"/redfish/v1/SessionService", "/redfish/v1/SessionService/Sessions",
	"/redfish/v1/SessionService/Sessions/0011223344556677",
	"/redfish/v1/AccountService", "/redfish/v1/AccountService/Accounts",
	"/redfish/v1/AccountService/Accounts/2", "/redfish/v1/AccountService/Accounts/4",
	"/redfish/v1/AccountService/Accounts/7", "/redfish/v1/AccountService/Accounts/x",
	"/redfish/v1/AccountService/Roles", "/redfish/v1/AccountService/Roles/Operator",
	"/redfish/v1/Systems", "/redfish/v1/Chassis", "/redfish/v1/Managers",
	"/redfish/v1/NoSuch", "//", "",
};

static const char *const creds[] = {
	NULL, "Basic YWRtaW46cGFzc3dvcmQ=", "Basic dXNlcjp1c2Vy", "Basic YWRtaW46d3Jvbmc=",
	"Basic", "Bearer x",
};

static const char *const queries[] = {
	NULL, "$top=1", "$skip=2&$top=1", "$select=UserName,RoleId", "$expand=*", "only",
	"$top=x", "%24top=1", "$select=", "a=b&&c",
};

static const enum rf_method methods[] = {
	RF_GET, RF_HEAD, RF_POST, RF_PATCH, RF_PUT, RF_DELETE, RF_OTHER, RF_GET,
};

static void setup(void)
{
	static struct board_config cfg;

	fuzz_sim_config(&cfg);
	fuzz_bmc_init(&bmc, &cfg, "redfish");
	svc = rf_service_new(&bmc);
	if (!svc)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	char path[256], *body;
	struct rf_resp resp;
	struct rf_req req = { .peer = "127.0.0.1:4242", .content_type = "application/json" };

	if (!ready) {
		setup();
		ready = true;
	}
	if (size < 4)
		return 0;
	req.method = methods[data[0] & 7];
	req.authorization = creds[(data[2] & 0x7f) % (sizeof(creds) / sizeof(creds[0]))];
	if ((data[2] & 0x7f) % (sizeof(creds) / sizeof(creds[0])) == 5) {
		req.authorization = NULL;
		req.x_auth_token = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	}
	req.if_match = data[2] & 0x80 ? "W/\"0123456789abcdef\", *" : NULL;
	req.query = queries[data[3] % (sizeof(queries) / sizeof(queries[0]))];
	body = malloc(size - 4 + 1);
	if (!body)
		return 0;
	memcpy(body, data + 4, size - 4);
	body[size - 4] = '\0';
	req.body = body;
	req.body_len = size - 4;
	if (data[1] == 0xff) {
		size_t n = strcspn(body, "\n");

		if (n >= sizeof(path))
			n = sizeof(path) - 1;
		memcpy(path, body, n);
		path[n] = '\0';
		req.path = path;
	} else {
		req.path = paths[data[1] % (sizeof(paths) / sizeof(paths[0]))];
	}
	rf_service_handle(svc, &req, &resp);
	if (resp.status < 100 || resp.status > 599 || (resp.body && strlen(resp.body) != resp.body_len))
		abort();
	free(resp.body);
	free(body);
	return 0;
}
