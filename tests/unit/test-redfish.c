/* SPDX-License-Identifier: MIT */
/* The Redfish service without a transport: routing, authentication,
 * sessions, accounts, errors and ETags on the sim board's BMC. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-event.h>

#include "channels/users.h"
#include "daemon/bmc.h"
#include "daemon/config.h"
#include "redfish/redfish.h"
#include "redfish/service.h"
#include "tap.h"

#define ADMIN "Basic YWRtaW46cGFzc3dvcmQ="		/* admin:password */
#define OPERATOR "Basic b3BlcmF0b3I6b3BlcmF0b3I="	/* operator:operator */
#define READONLY "Basic dXNlcjp1c2Vy"			/* user:user */
#define BADPW "Basic YWRtaW46d3Jvbmc="			/* admin:wrong */

struct t {
	struct rf_service *svc;
	struct rf_resp resp;
	json_object *json;
};

static const char *hdr(const struct rf_resp *r, const char *name)
{
	for (unsigned i = 0; i < r->n_hdr; i++)
		if (!strcasecmp(r->hdr[i].name, name))
			return r->hdr[i].value;
	return NULL;
}

static int call(struct t *t, enum rf_method m, const char *path, const char *query, const char *auth,
		const char *body, const char *if_match)
{
	struct rf_req req = {
		.method = m, .path = path, .query = query, .authorization = auth,
		.body = body, .body_len = body ? strlen(body) : 0, .peer = "127.0.0.1:4000",
		.content_type = body ? "application/json" : NULL, .if_match = if_match,
	};

	free(t->resp.body);
	json_object_put(t->json);
	t->json = NULL;
	if (auth && !strncmp(auth, "Token ", 6)) {
		req.authorization = NULL;
		req.x_auth_token = auth + 6;
	}
	rf_service_handle(t->svc, &req, &t->resp);
	if (t->resp.body && (!t->resp.content_type || strstr(t->resp.content_type, "json")))
		t->json = json_tokener_parse(t->resp.body);
	return t->resp.status;
}

static const char *str(struct t *t, const char *key)
{
	json_object *v;

	return t->json && json_object_object_get_ex(t->json, key, &v) ? json_object_get_string(v) : NULL;
}

static const char *msgid(struct t *t)
{
	json_object *e, *c;

	if (!t->json || !json_object_object_get_ex(t->json, "error", &e) ||
	    !json_object_object_get_ex(e, "code", &c))
		return "";
	return json_object_get_string(c);
}

static const char *msgtext(struct t *t)
{
	json_object *e, *m;

	if (!t->json || !json_object_object_get_ex(t->json, "error", &e) ||
	    !json_object_object_get_ex(e, "message", &m))
		return "";
	return json_object_get_string(m);
}

static void test_path_match(void)
{
	const char *arg[4];
	unsigned n;
	char buf[64];

	CHECK(rf_path_match("/redfish/v1", "/redfish/v1/", buf, sizeof(buf), arg, &n));
	CHECK(rf_path_match("/redfish/v1", "/redfish/v1", buf, sizeof(buf), arg, &n));
	CHECK(!rf_path_match("/redfish/v1", "/redfish/v1//", buf, sizeof(buf), arg, &n));
	CHECK(!rf_path_match("/redfish/v1", "/redfish/v12", buf, sizeof(buf), arg, &n));
	CHECK(!rf_path_match("/redfish/v1", "/redfish", buf, sizeof(buf), arg, &n));
	CHECK(rf_path_match("/a/{x}/b/{y}", "/a/1/b/22/", buf, sizeof(buf), arg, &n) && n == 2 &&
	      !strcmp(arg[0], "1") && !strcmp(arg[1], "22"));
	CHECK(!rf_path_match("/a/{x}", "/a/", buf, sizeof(buf), arg, &n));
	CHECK(!rf_path_match("/a/{x}", "/a//", buf, sizeof(buf), arg, &n));
	CHECK(!rf_path_match("/a/{x}", "/a/1/2", buf, sizeof(buf), arg, &n));
}

static void test_etag_listed(void)
{
	CHECK(rf_etag_listed("*", "W/\"ab\""));
	CHECK(rf_etag_listed("W/\"ab\"", "W/\"ab\""));
	CHECK(rf_etag_listed("\"x\", W/\"ab\"", "W/\"ab\""));
	CHECK(rf_etag_listed("\"ab\"", "W/\"ab\""));
	CHECK(!rf_etag_listed("W/\"abc\"", "W/\"ab\""));
	CHECK(!rf_etag_listed("", "W/\"ab\""));
}

static void test_root(struct t *t)
{
	CHECK(call(t, RF_GET, "/redfish", NULL, NULL, NULL, NULL) == 200);
	CHECK(str(t, "v1") && !strcmp(str(t, "v1"), "/redfish/v1/"));
	CHECK(call(t, RF_GET, "/redfish/v1/", NULL, NULL, NULL, NULL) == 200);
	CHECK(str(t, "RedfishVersion") && !strcmp(str(t, "RedfishVersion"), "1.17.0"));
	CHECK(str(t, "UUID") && strlen(str(t, "UUID")) == 36);
	CHECK(hdr(&t->resp, "ETag") != NULL);
	CHECK(call(t, RF_GET, "/redfish/v1/$metadata", NULL, NULL, NULL, NULL) == 200);
	CHECK(t->resp.content_type && strstr(t->resp.content_type, "application/xml"));
	CHECK(t->resp.body && strstr(t->resp.body, "ManagerAccount_v1.xml"));
	CHECK(call(t, RF_GET, "/redfish/v1/odata", NULL, NULL, NULL, NULL) == 200);
	CHECK(call(t, RF_POST, "/redfish/v1", NULL, ADMIN, "{}", NULL) == 405);
	CHECK(hdr(&t->resp, "Allow") && !strcmp(hdr(&t->resp, "Allow"), "GET, HEAD"));
	/* HEAD answers GET's body: the transport sends its length, not it. */
	CHECK(call(t, RF_HEAD, "/redfish/v1", NULL, NULL, NULL, NULL) == 200 && t->resp.body);
}

static void test_auth(struct t *t)
{
	CHECK(call(t, RF_GET, "/redfish/v1/Systems", NULL, NULL, NULL, NULL) == 401);
	CHECK(hdr(&t->resp, "WWW-Authenticate") != NULL);
	CHECK(!strcmp(msgid(t), "Base.1.16.0.NoValidSession"));
	CHECK(call(t, RF_GET, "/redfish/v1/Nope", NULL, NULL, NULL, NULL) == 401);
	CHECK(call(t, RF_GET, "/redfish/v1/Nope", NULL, ADMIN, NULL, NULL) == 404);
	CHECK(!strcmp(msgid(t), "Base.1.16.0.ResourceMissingAtURI"));
	CHECK(call(t, RF_GET, "/redfish/v1/AccountService", NULL, BADPW, NULL, NULL) == 401);
	CHECK(call(t, RF_GET, "/redfish/v1/AccountService", NULL, "Basic !!!", NULL, NULL) == 401);
	CHECK(call(t, RF_GET, "/redfish/v1/AccountService", NULL, READONLY, NULL, NULL) == 200);
	CHECK(call(t, RF_PATCH, "/redfish/v1/AccountService", NULL, READONLY,
		   "{\"AccountLockoutThreshold\": 3}", NULL) == 403);
	CHECK(!strcmp(msgid(t), "Base.1.16.0.InsufficientPrivilege"));
	CHECK(call(t, RF_PATCH, "/redfish/v1/AccountService", NULL, OPERATOR,
		   "{\"AccountLockoutThreshold\": 3}", NULL) == 403);
}

static void test_sessions(struct t *t)
{
	char tok[80], loc[128];

	CHECK(call(t, RF_POST, "/redfish/v1/SessionService/Sessions", NULL, NULL,
		   "{\"UserName\": \"admin\", \"Password\": \"wrong\"}", NULL) == 401);
	CHECK(call(t, RF_POST, "/redfish/v1/SessionService/Sessions", NULL, NULL,
		   "{\"UserName\": \"admin\", \"Password\": 5}", NULL) == 400);
	CHECK(call(t, RF_POST, "/redfish/v1/SessionService/Sessions", NULL, NULL,
		   "{\"UserName\": \"admin\", \"Password\": \"password\", \"X\": 1}", NULL) == 400);
	CHECK(!strcmp(msgid(t), "Base.1.16.0.PropertyUnknown"));
	CHECK(call(t, RF_POST, "/redfish/v1/SessionService/Sessions", NULL, NULL,
		   "{\"UserName\": \"admin\", ", NULL) == 400);
	CHECK(!strcmp(msgid(t), "Base.1.16.0.MalformedJSON"));
	CHECK(call(t, RF_POST, "/redfish/v1/SessionService/Sessions", NULL, NULL,
		   "{\"UserName\": \"admin\", \"Password\": \"password\"}", NULL) == 201);
	CHECK(hdr(&t->resp, "X-Auth-Token") && strlen(hdr(&t->resp, "X-Auth-Token")) == 64);
	CHECK(hdr(&t->resp, "Location") != NULL);
	if (!hdr(&t->resp, "X-Auth-Token") || !hdr(&t->resp, "Location"))
		return;
	snprintf(tok, sizeof(tok), "Token %s", hdr(&t->resp, "X-Auth-Token"));
	snprintf(loc, sizeof(loc), "%s", hdr(&t->resp, "Location"));
	CHECK(call(t, RF_GET, "/redfish/v1/SessionService/Sessions", NULL, tok, NULL, NULL) == 200);
	CHECK(call(t, RF_GET, loc, NULL, tok, NULL, NULL) == 200);
	CHECK(str(t, "UserName") && !strcmp(str(t, "UserName"), "admin"));
	CHECK(call(t, RF_PATCH, "/redfish/v1/SessionService", NULL, tok,
		   "{\"SessionTimeout\": 10}", NULL) == 400);
	CHECK(call(t, RF_PATCH, "/redfish/v1/SessionService", NULL, tok,
		   "{\"SessionTimeout\": \"60\"}", NULL) == 400);
	CHECK(!strcmp(msgid(t), "Base.1.16.0.PropertyValueTypeError"));
	CHECK(call(t, RF_PATCH, "/redfish/v1/SessionService", NULL, tok,
		   "{\"SessionTimeout\": 60}", NULL) == 200);
	CHECK(call(t, RF_DELETE, loc, NULL, tok, NULL, NULL) == 204);
	CHECK(call(t, RF_GET, "/redfish/v1/SessionService", NULL, tok, NULL, NULL) == 401);
	CHECK(call(t, RF_GET, "/redfish/v1/SessionService", NULL, "Token 0123", NULL, NULL) == 401);
}

/* An idle session ends after SessionTimeout; a used one stays. */
static void test_session_timeout(struct t *t)
{
	const char *body = "{\"UserName\": \"user\", \"Password\": \"user\"}";
	char tok[80];
	uint64_t now = bmc_now(t->svc->bmc);

	CHECK(call(t, RF_POST, "/redfish/v1/SessionService/Sessions", NULL, NULL, body, NULL) == 201);
	snprintf(tok, sizeof(tok), "Token %s", hdr(&t->resp, "X-Auth-Token") ?
		 hdr(&t->resp, "X-Auth-Token") : "");
	rf_service_tick(t->svc, now + (t->svc->session_timeout_s - 5) * 1000000ULL);
	CHECK(call(t, RF_GET, "/redfish/v1/SessionService", NULL, tok, NULL, NULL) == 200);
	rf_service_tick(t->svc, now + (t->svc->session_timeout_s + 1) * 1000000ULL);
	CHECK(call(t, RF_GET, "/redfish/v1/SessionService", NULL, tok, NULL, NULL) == 401);
}

/* The table is bounded: 503 when full. */
static void test_session_table(struct t *t)
{
	const char *body = "{\"UserName\": \"user\", \"Password\": \"user\"}";
	unsigned made = 0;

	while (made <= RF_SESSIONS_MAX &&
	       call(t, RF_POST, "/redfish/v1/SessionService/Sessions", NULL, NULL, body, NULL) == 201)
		made++;
	CHECK(made == RF_SESSIONS_MAX);
	CHECK(t->resp.status == 503 && !strcmp(msgid(t), "Base.1.16.0.SessionLimitExceeded"));
	rf_service_tick(t->svc, bmc_now(t->svc->bmc) + (t->svc->session_timeout_s + 1) * 1000000ULL);
	CHECK(call(t, RF_POST, "/redfish/v1/SessionService/Sessions", NULL, NULL, body, NULL) == 201);
}

static void test_accounts(struct t *t)
{
	const char *acct = "/redfish/v1/AccountService/Accounts/5";
	struct users *us = t->svc->bmc->users;
	char etag[64];

	CHECK(call(t, RF_POST, "/redfish/v1/AccountService/Accounts", NULL, ADMIN,
		   "{\"UserName\": \"bob\", \"Password\": \"secret1\", \"RoleId\": \"Boss\"}", NULL) == 400);
	CHECK(!strcmp(msgid(t), "Base.1.16.0.PropertyValueNotInList"));
	CHECK(users_find_name(us, "bob") == 0);
	CHECK(call(t, RF_POST, "/redfish/v1/AccountService/Accounts", NULL, ADMIN,
		   "{\"UserName\": \"bob\", \"Password\": \"secret1\", \"RoleId\": \"Operator\"}",
		   NULL) == 201);
	CHECK(users_find_name(us, "bob") == 5);
	CHECK(users_priv_limit(us, 5, t->svc->bmc->cfg.lan.channel) == PRIV_OPERATOR);
	CHECK(call(t, RF_POST, "/redfish/v1/AccountService/Accounts", NULL, ADMIN,
		   "{\"UserName\": \"bob\", \"Password\": \"secret1\", \"RoleId\": \"Operator\"}",
		   NULL) == 409);
	CHECK(call(t, RF_GET, acct, NULL, "Basic Ym9iOnNlY3JldDE=", NULL, NULL) == 200);
	CHECK(str(t, "RoleId") && !strcmp(str(t, "RoleId"), "Operator"));
	snprintf(etag, sizeof(etag), "%s", hdr(&t->resp, "ETag") ? hdr(&t->resp, "ETag") : "");
	/* bob may change his own password, nothing else */
	CHECK(call(t, RF_PATCH, acct, NULL, "Basic Ym9iOnNlY3JldDE=", "{\"RoleId\": \"Administrator\"}",
		   NULL) == 403);
	CHECK(call(t, RF_GET, "/redfish/v1/AccountService/Accounts/2", NULL, "Basic Ym9iOnNlY3JldDE=",
		   NULL, NULL) == 403);
	CHECK(call(t, RF_PATCH, acct, NULL, ADMIN, "{\"Enabled\": false, \"Bogus\": 1}", NULL) == 400);
	CHECK(!strcmp(msgtext(t), "The property Bogus is not in the list of valid properties for "
		      "the resource."));
	CHECK(us->u[5].enabled);
	CHECK(call(t, RF_PATCH, acct, NULL, ADMIN, "{\"Enabled\": \"no\"}", NULL) == 400);
	CHECK(!strcmp(msgtext(t), "The value 'no' for the property Enabled is not a type that the "
		      "property can accept."));
	CHECK(call(t, RF_PATCH, acct, NULL, ADMIN, "{\"Id\": \"9\"}", NULL) == 400);
	CHECK(!strcmp(msgid(t), "Base.1.16.0.PropertyNotWritable"));
	CHECK(call(t, RF_PATCH, acct, NULL, ADMIN, "{\"Enabled\": false}", "W/\"0000\"") == 412);
	CHECK(us->u[5].enabled);
	CHECK(call(t, RF_PATCH, acct, NULL, ADMIN, "{\"RoleId\": \"ReadOnly\"}", etag) == 200);
	CHECK(users_priv_limit(us, 5, t->svc->bmc->cfg.lan.channel) == PRIV_USER);
	CHECK(call(t, RF_PATCH, acct, NULL, "Basic Ym9iOnNlY3JldDE=", "{\"Password\": \"secret2\"}",
		   NULL) == 200);
	CHECK(users_password_ok(us, 5, "secret2", 7));
	CHECK(call(t, RF_PATCH, acct, NULL, ADMIN, "{\"Password\": \"123456789012345678901\"}",
		   NULL) == 400);
	CHECK(call(t, RF_GET, "/redfish/v1/AccountService/Accounts", "$top=1&$skip=1", ADMIN, NULL,
		   NULL) == 200);
	CHECK(str(t, "Members@odata.nextLink") != NULL);
	CHECK(call(t, RF_GET, "/redfish/v1/AccountService/Accounts", "$expand=*", ADMIN, NULL,
		   NULL) == 501);
	CHECK(call(t, RF_GET, "/redfish/v1/AccountService/Accounts", "$top=x", ADMIN, NULL,
		   NULL) == 400);
	CHECK(call(t, RF_GET, acct, "$select=UserName", ADMIN, NULL, NULL) == 200);
	CHECK(str(t, "UserName") && !str(t, "RoleId") && str(t, "@odata.id"));
	CHECK(call(t, RF_DELETE, acct, NULL, READONLY, NULL, NULL) == 403);
	CHECK(call(t, RF_DELETE, acct, NULL, ADMIN, NULL, NULL) == 204);
	CHECK(users_find_name(us, "bob") == 0);
	CHECK(call(t, RF_GET, acct, NULL, ADMIN, NULL, NULL) == 404);
	CHECK(call(t, RF_GET, "/redfish/v1/AccountService/Roles/ReadOnly", NULL, ADMIN, NULL, NULL) == 200);
	CHECK(call(t, RF_GET, "/redfish/v1/AccountService/Roles/Boss", NULL, ADMIN, NULL, NULL) == 404);
}

/* users_change(): checked whole before anything changes. */
static void test_users_change(struct t *t)
{
	struct users *us = t->svc->bmc->users;
	uint8_t ch = t->svc->bmc->cfg.lan.channel, uid = users_free_id(us);
	struct user_change c = { .enabled = 1, .priv = PRIV_USER, .channel = ch, .create = true,
				 .name = "zed", .password = "zedpw", .password_len = 5 };
	struct user before;

	CHECK(uid >= 2);
	/* A stale privilege on another channel of the free slot is gone. */
	us->u[uid].ch[ch == 1 ? 2 : 1].priv = PRIV_ADMIN;
	CHECK(users_change(us, uid, &c) == 0);
	CHECK(us->u[uid].ch[ch == 1 ? 2 : 1].priv == PRIV_NO_ACCESS);
	CHECK(users_find_name(us, "zed") == uid && users_password_ok(us, uid, "zedpw", 5));
	CHECK(!users_password_ok(us, uid, "zedpw\0", 6) && !users_password_ok(us, uid, "zedp", 4));
	CHECK(users_change(us, uid, &c) == -EEXIST);	/* create on a used slot */
	before = us->u[uid];
	c = (struct user_change){ .enabled = 0, .priv = 9, .channel = ch, .name = "zed2" };
	CHECK(users_change(us, uid, &c) == -EINVAL);
	c = (struct user_change){ .enabled = 0, .priv = -1, .name = "admin" };
	CHECK(users_change(us, uid, &c) == -EEXIST);
	c = (struct user_change){ .enabled = 0, .priv = -1, .name = "bad\tname" };
	CHECK(users_change(us, uid, &c) == -EINVAL);
	CHECK(!memcmp(&before, &us->u[uid], sizeof(before)));
	CHECK(users_delete(us, uid) == 0 && users_find_name(us, "zed") == 0);
	CHECK(users_delete(us, 1) == -EINVAL);
}

static void test_lockout(struct t *t)
{
	struct users *us = t->svc->bmc->users;
	uint8_t uid = users_find_name(us, "operator");
	const struct lockout_policy *p = channel_lockout(t->svc->bmc->channels,
							 t->svc->bmc->cfg.lan.channel);

	CHECK(uid == 3 && p && p->threshold > 0);
	if (!p)
		return;
	for (unsigned i = 0; i < p->threshold; i++)
		CHECK(call(t, RF_GET, "/redfish/v1/AccountService", NULL, "Basic b3BlcmF0b3I6bm8=",
			   NULL, NULL) == 401);
	CHECK(us->u[uid].locked);
	/* The right password no longer helps. */
	CHECK(call(t, RF_GET, "/redfish/v1/AccountService", NULL, OPERATOR, NULL, NULL) == 401);
	CHECK(call(t, RF_PATCH, "/redfish/v1/AccountService/Accounts/3", NULL, ADMIN,
		   "{\"Locked\": false}", NULL) == 200);
	CHECK(call(t, RF_GET, "/redfish/v1/AccountService", NULL, OPERATOR, NULL, NULL) == 200);
}

int main(void)
{
	const char *root = getenv("BMCD_SOURCE_ROOT");
	static struct board_config cfg;
	char path[4096], dir[] = "/tmp/bmcd-test-redfish-XXXXXX";
	static struct bmc bmc;
	struct t t = { 0 };
	sd_event *ev;

	test_path_match();
	test_etag_listed();
	snprintf(path, sizeof(path), "%s/boards/sim.json", root ? root : ".");
	CHECK(config_load(path, &cfg, NULL, NULL) == 0);
	cfg.lan.n_listen = 0;
	cfg.redfish.enabled = false;	/* the service without its listener: no fixed port */
	CHECK(sd_event_new(&ev) >= 0);
	CHECK(mkdtemp(dir) != NULL);
	CHECK(bmc_init(&bmc, ev, &cfg, dir) == 0);
	t.svc = rf_service_new(&bmc);
	CHECK(t.svc != NULL);
	test_root(&t);
	test_auth(&t);
	test_sessions(&t);
	test_session_timeout(&t);
	test_session_table(&t);
	test_accounts(&t);
	test_users_change(&t);
	test_lockout(&t);
	free(t.resp.body);
	json_object_put(t.json);
	rf_service_free(t.svc);
	bmc_done(&bmc);
	sd_event_unref(ev);
	return tap_done("redfish");
}
