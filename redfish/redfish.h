/* SPDX-License-Identifier: MIT */
/*
 * Redfish: the BMC over HTTPS and JSON (DMTF DSP0266), in the one sd-event
 * loop, on the same state the IPMI side uses.
 *
 * Three layers, each in its own files:
 *
 *   transport  redfish/server.c, tls.c, http1.c, module.c, redfish_cfg.c
 *              listening sockets, TLS, HTTP/1.1 framing (llhttp), limits and
 *              timeouts; turns one parsed request into a struct rf_req, calls
 *              rf_service_handle() and writes the struct rf_resp back.
 *   service    redfish/service.c, router.c, auth.c, rfjson.c
 *              authentication (Basic, X-Auth-Token sessions), the route
 *              table with a privilege per method, errors with the Base
 *              registry's messages, ETag/If-Match, $metadata.
 *   resources  redfish/res_*.c: one file per resource group, each exporting
 *              a route list the router walks (below).
 *
 * Only this header is shared between the layers.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

struct bmc;

enum rf_method {
	RF_GET = 1 << 0,
	RF_HEAD = 1 << 1,
	RF_POST = 1 << 2,
	RF_PATCH = 1 << 3,
	RF_PUT = 1 << 4,
	RF_DELETE = 1 << 5,
	RF_OTHER = 1 << 6,		/* OPTIONS, TRACE, CONNECT, ...: 405 */
};

/* One request as the transport parsed it.  Every string is NUL-terminated
 * and lives until rf_service_handle() returns; absent headers are NULL. */
struct rf_req {
	enum rf_method method;
	const char *path;		/* percent-decoded, no query; "/redfish/v1/Systems" */
	const char *query;		/* raw, after '?', or NULL */
	const char *authorization;	/* Authorization */
	const char *x_auth_token;	/* X-Auth-Token */
	const char *if_match;		/* If-Match */
	const char *if_none_match;	/* If-None-Match */
	const char *content_type;	/* Content-Type */
	const char *accept;		/* Accept */
	const char *odata_version;	/* OData-Version */
	const char *body;		/* NUL-terminated; body_len excludes the NUL */
	size_t body_len;
	const char *peer;		/* "127.0.0.1:54321", for logs and lockout */
	uint64_t now_usec;		/* CLOCK_MONOTONIC when the request was complete */
};

#define RF_MAX_HEADERS 8

/* What the service answers.  The transport adds Content-Length,
 * OData-Version: 4.0, Cache-Control, Connection and the security headers
 * (X-Frame-Options, X-Content-Type-Options, Strict-Transport-Security). */
struct rf_resp {
	int status;			/* 200, 201, 204, 400, 401, ... */
	struct {
		char name[32];
		char value[192];
	} hdr[RF_MAX_HEADERS];		/* Location, X-Auth-Token, ETag, Allow, WWW-Authenticate, Link */
	unsigned n_hdr;
	char *body;			/* malloc'd (the transport frees it), or NULL */
	size_t body_len;
	const char *content_type;	/* NULL: "application/json; charset=utf-8" when there is a body */
	/* A long-lived streaming answer (Server-Sent Events): the transport
	 * sends the head without Content-Length, keeps the connection open
	 * outside the idle timeout and hands it to rf_service_stream_open();
	 * body is ignored.  Not for HEAD (answered as an empty 200). */
	bool stream;
};

/* Add a header to a response (silently dropped past RF_MAX_HEADERS, which
 * the service never reaches). */
void rf_resp_header(struct rf_resp *resp, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* --- the service (service.c), as the transport sees it --- */

struct rf_service;

/* One per struct bmc; logs its own errors; NULL on allocation failure. */
struct rf_service *rf_service_new(struct bmc *bmc);
void rf_service_free(struct rf_service *svc);
/* Once a second: session expiry. */
void rf_service_tick(struct rf_service *svc, uint64_t now_usec);
/* Answer one request.  Always fills resp (status 500 on internal failure). */
void rf_service_handle(struct rf_service *svc, const struct rf_req *req, struct rf_resp *resp);

/* --- streaming answers (resp->stream) --- */

/* The transport's side of one streaming connection. */
struct rf_stream;

/* Queue bytes on a stream (never blocks).  0, or -1 when the stream's
 * bounded output queue is full or it is closing: the transport then drops
 * the connection and calls rf_service_stream_closed() later. */
int rf_stream_write(struct rf_stream *s, const void *data, size_t len);
/* The transport calls these (res_events.c implements them): the head of a
 * streaming answer to path was queued; the connection went away. */
void rf_service_stream_open(struct rf_service *svc, struct rf_stream *s, const char *path);
void rf_service_stream_closed(struct rf_service *svc, struct rf_stream *s);

/* --- resources, as the router sees them --- */

/* DMTF privilege registry privileges. */
enum rf_priv {
	RF_PRIV_NONE = 0,		/* no authentication (ServiceRoot, /redfish, $metadata, POST Sessions) */
	RF_PRIV_LOGIN = 1 << 0,
	RF_PRIV_CONFIGURE_SELF = 1 << 1,
	RF_PRIV_CONFIGURE_COMPONENTS = 1 << 2,
	RF_PRIV_CONFIGURE_MANAGER = 1 << 3,
	RF_PRIV_CONFIGURE_USERS = 1 << 4,
};

/* The context a handler gets. */
struct rf_ctx {
	struct bmc *bmc;
	struct rf_service *svc;
	const struct rf_req *req;
	struct rf_resp *resp;
	/* The path's {placeholders} in order ("/Systems/{id}" gives arg[0]). */
	const char *arg[4];
	unsigned n_arg;
	/* The caller: IPMI user id and name, and the privileges its role gives
	 * (0 for an unauthenticated request on a RF_PRIV_NONE route). */
	uint8_t uid;
	const char *user;
	unsigned privs;
	json_object *body;		/* the parsed JSON body of a POST/PATCH/PUT, or NULL */
};

/* A handler fills ctx->resp; it returns 0, or -1 after setting an error
 * with rf_error() (any other negative value becomes 500). */
typedef int (*rf_handler)(struct rf_ctx *ctx);

struct rf_route {
	const char *pattern;		/* "/redfish/v1/Systems/{id}", exact segments or "{x}" */
	unsigned methods;		/* enum rf_method bits it answers (HEAD follows GET) */
	unsigned priv_get, priv_write;	/* privileges needed (any one of the bits; GET/HEAD vs the rest) */
	rf_handler get, post, patch, put, del;
};

/* Each res_*.c exports its list, ended by { NULL }; router.c names them all. */
extern const struct rf_route rf_routes_root[];		/* service.c: /redfish, ServiceRoot, $metadata, odata */
extern const struct rf_route rf_routes_sessions[];	/* auth.c: SessionService */
extern const struct rf_route rf_routes_accounts[];	/* res_accounts.c: AccountService, Roles */
extern const struct rf_route rf_routes_systems[];	/* res_systems.c */
extern const struct rf_route rf_routes_chassis[];	/* res_chassis.c */
extern const struct rf_route rf_routes_managers[];	/* res_managers.c: Manager, SEL LogService */
extern const struct rf_route rf_routes_network[];	/* res_network.c: NetworkProtocol, EthernetInterfaces */
extern const struct rf_route rf_routes_events[];	/* res_events.c: EventService, SSE, Subscriptions */

/* --- helpers for handlers (rfjson.c) --- */

/* Answer with a JSON object (takes the reference) and status.  A handler
 * that answers nothing (returns 0 with no rf_json) gets 204. */
void rf_json(struct rf_ctx *ctx, int status, json_object *obj);
/* A resource object with @odata.id, @odata.type, Id and Name set. */
json_object *rf_object(const char *odata_id, const char *odata_type, const char *id, const char *name);
/* A collection with Members and Members@odata.count from ids. */
json_object *rf_collection(const char *odata_id, const char *odata_type, const char *name);
void rf_collection_add(json_object *coll, const char *member_odata_id);
/* An error with the Base registry's MessageId ("Base.1.16.0.PropertyUnknown")
 * and its arguments; status as the registry says. Returns -1. */
int rf_error(struct rf_ctx *ctx, int status, const char *message_id, const char *arg1, const char *arg2);
/* The same with any number of arguments (some messages take three). */
int rf_error_args(struct rf_ctx *ctx, int status, const char *message_id, unsigned n,
		  const char *const *args);
/* A Base registry message object (for @Message.ExtendedInfo of a success). */
json_object *rf_message_object(const char *message_id, unsigned n, const char *const *args);
/* obj[prop] = {"@odata.id": odata_id} */
void rf_link(json_object *obj, const char *prop, const char *odata_id);
/* A GUID as IPMI sends it (bmc->system_guid) as RFC 4122 text. */
void rf_guid_text(const uint8_t guid[16], char out[37]);
/* A JSON value as text for MessageArgs (a string without its quotes). */
const char *rf_value_text(json_object *v);
/* Type checks of a body property: 0, or -1 after 400 PropertyValueTypeError. */
int rf_want_string(struct rf_ctx *ctx, json_object *v, const char *prop);
int rf_want_bool(struct rf_ctx *ctx, json_object *v, const char *prop);
int rf_want_int(struct rf_ctx *ctx, json_object *v, const char *prop);
/* ETag of a JSON body (W/"hex"), and the If-Match check: -1 after 412.
 * The router itself adds the ETag to every 200 GET of a resource that is not
 * a collection, and checks If-Match on PATCH/PUT/DELETE/POST against what the
 * route's GET handler answers, so handlers need neither. */
void rf_etag(struct rf_ctx *ctx, json_object *obj);
int rf_check_if_match(struct rf_ctx *ctx, json_object *current);
