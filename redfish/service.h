/* SPDX-License-Identifier: MIT */
/*
 * The Redfish service's own parts (service.c, router.c, auth.c, rfjson.c,
 * res_accounts.c): what redfish.h does not show the transport or the
 * resources.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "daemon/log.h"
#include "redfish/redfish.h"

#define RF_SESSIONS_MAX 64
#define RF_SESSION_TIMEOUT_DEFAULT 1800
#define RF_SESSION_TIMEOUT_MIN 30
#define RF_SESSION_TIMEOUT_MAX 86400
#define RF_TOKEN_LEN 64			/* hex of 32 random bytes */
#define RF_SESSION_ID_LEN 16		/* hex of 8 random bytes */
#define RF_USER_MAX 16			/* CFG_NAME_MAX */

#define RF_BASE "Base.1.16.0."
/* Where DMTF publishes the schemas ($metadata references, Link headers). */
#define RF_SCHEMA_BASE "http://redfish.dmtf.org/schemas/v1/"

struct rf_session {
	bool used;
	char id[RF_SESSION_ID_LEN + 1];
	char token[RF_TOKEN_LEN + 1];
	uint8_t uid;
	char user[RF_USER_MAX + 1];
	char peer[48];
	uint64_t created_usec, last_usec;
};

struct rf_service {
	struct bmc *bmc;
	unsigned session_timeout_s;
	struct rf_session sessions[RF_SESSIONS_MAX];
	/* Refused logins, per source: an unauthenticated peer writes no
	 * unbounded log. */
	struct log_limit refused;
	/* Basic-auth successes are logged once per user and source a window. */
	struct log_limit basic_ok;
	/* The answer of the request being handled: rf_json() and rf_error()
	 * leave it here; the router finishes it ($select, $top, ETag) and
	 * writes it into the response. */
	json_object *answer;
	struct rf_events *events;	/* res_events.c (redfish/events.h) */
};

/* --- auth.c --- */

/* Who sent req: fills ctx->uid, user, privs.  0, or -1 after a 401 (no
 * valid credentials) or 503 answered through rf_error(). */
int rf_auth(struct rf_ctx *ctx, char user[RF_USER_MAX + 1]);
/* The Redfish privileges of an IPMI privilege level; 0: no access. */
unsigned rf_role_privs(uint8_t ipmi_priv);
/* The role's Id for an IPMI privilege level, or NULL. */
const char *rf_role_id(uint8_t ipmi_priv);
/* Drop the sessions of a user (deleted, or renamed). */
void rf_sessions_drop_user(struct rf_service *svc, uint8_t uid);
void rf_sessions_expire(struct rf_service *svc, uint64_t now_usec);

/* --- router.c --- */

void rf_route(struct rf_service *svc, const struct rf_req *req, struct rf_resp *resp);
/* Match path against a pattern: the {placeholders} into arg; true if it
 * matches.  A trailing slash on path is ignored. */
bool rf_path_match(const char *pattern, const char *path, char *buf, size_t bufsize,
		   const char *arg[4], unsigned *n_arg);

/* --- rfjson.c --- */

/* Serialize svc->answer into resp (and drop it). */
int rf_answer_write(struct rf_service *svc, struct rf_resp *resp);
/* The ETag of an object: W/"<16 hex>". */
void rf_etag_of(json_object *obj, char out[24]);
/* Whether an If-Match / If-None-Match list names tag ("*" names any). */
bool rf_etag_listed(const char *list, const char *tag);
