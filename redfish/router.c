/* SPDX-License-Identifier: MIT */
/*
 * The route table walk: path to route, then in this order authentication,
 * 404, 405 (with Allow), privilege (403), query parameters, If-Match
 * (412), the JSON body (415, 400), the handler; then the answer is finished
 * ($select, $top/$skip, ETag, If-None-Match) and written.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/log.h"
#include "redfish/redfish.h"
#include "redfish/service.h"

#define RF_PATH_MAX 512
#define RF_BODY_DEPTH 32
#define RF_QUERY_NUM_MAX 1000000000L

bool rf_path_match(const char *pattern, const char *path, char *buf, size_t bufsize,
		   const char *arg[4], unsigned *n_arg)
{
	size_t plen = strlen(path), used = 0;
	const char *p = pattern, *q = path;

	*n_arg = 0;
	/* One trailing slash is tolerated: "/redfish/v1/" is "/redfish/v1". */
	if (plen > 1 && path[plen - 1] == '/')
		plen--;
	while (*p) {
		const char *pe = strchr(p + 1, '/'), *qe;
		size_t sl, ql;

		if (*p != '/' || q >= path + plen || *q != '/')
			return false;
		if (!pe)
			pe = p + strlen(p);
		qe = q + 1;
		while (qe < path + plen && *qe != '/')
			qe++;
		sl = (size_t)(pe - p - 1);
		ql = (size_t)(qe - q - 1);
		if (sl >= 2 && p[1] == '{' && p[sl] == '}') {
			if (ql == 0 || *n_arg >= 4 || used + ql + 1 > bufsize)
				return false;
			memcpy(buf + used, q + 1, ql);
			buf[used + ql] = '\0';
			arg[(*n_arg)++] = buf + used;
			used += ql + 1;
		} else if (sl != ql || memcmp(p + 1, q + 1, sl)) {
			return false;
		}
		p = pe;
		q = qe;
	}
	return q == path + plen;
}

static const struct rf_route *route_find(const char *path, char *buf, size_t bufsize,
					 const char *arg[4], unsigned *n_arg)
{
	const struct rf_route *lists[] = {
		rf_routes_root, rf_routes_sessions, rf_routes_accounts,
		rf_routes_systems, rf_routes_chassis, rf_routes_managers,
		rf_routes_network,
		rf_routes_events,
	};

	for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
		if (!lists[l])
			continue;
		for (const struct rf_route *r = lists[l]; r->pattern; r++)
			if (rf_path_match(r->pattern, path, buf, bufsize, arg, n_arg))
				return r;
	}
	return NULL;
}

static unsigned route_methods(const struct rf_route *r)
{
	unsigned m = r->methods;

	if (m & RF_GET)
		m |= RF_HEAD;
	return m;
}

static rf_handler route_handler(const struct rf_route *r, enum rf_method m)
{
	switch (m) {
	case RF_GET:
	case RF_HEAD:
		return r->get;
	case RF_POST:
		return r->post;
	case RF_PATCH:
		return r->patch;
	case RF_PUT:
		return r->put;
	case RF_DELETE:
		return r->del;
	default:
		return NULL;
	}
}

/* The methods a route answers (those with a handler). */
static unsigned route_allowed(const struct rf_route *r)
{
	unsigned m = 0;

	for (unsigned b = RF_GET; b < RF_OTHER; b <<= 1)
		if ((route_methods(r) & b) && route_handler(r, b))
			m |= b;
	return m;
}

static void allow_header(struct rf_resp *resp, unsigned m)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {
		{ RF_GET, "GET" }, { RF_HEAD, "HEAD" }, { RF_POST, "POST" },
		{ RF_PATCH, "PATCH" }, { RF_PUT, "PUT" }, { RF_DELETE, "DELETE" },
	};
	char v[64] = "";

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (m & names[i].bit) {
			if (v[0])
				strcat(v, ", ");
			strcat(v, names[i].name);
		}
	rf_resp_header(resp, "Allow", "%s", v);
}

/* Link: <schema>; rel=describedby (DSP0266 "Link header"): the JSON
 * Schema of the @odata.type answered, versioned where the type is. */
static void link_header(struct rf_resp *resp, json_object *answer)
{
	json_object *t;
	const char *type, *dot;
	char name[96];
	size_t len;

	if (!json_object_object_get_ex(answer, "@odata.type", &t) ||
	    !(type = json_object_get_string(t)) || type[0] != '#')
		return;
	type++;
	/* "#Ns.v1_2_3.Type" -> "Ns.v1_2_3", "#NsCollection.NsCollection" -> "NsCollection" */
	dot = strrchr(type, '.');
	len = dot ? (size_t)(dot - type) : strlen(type);
	if (!dot || !len || len >= sizeof(name))
		return;
	memcpy(name, type, len);
	name[len] = '\0';
	if (!strchr(name, '.') && strcmp(name, dot + 1))
		return;		/* an unversioned type must name its namespace */
	rf_resp_header(resp, "Link", "<%s%s.json>; rel=describedby", RF_SCHEMA_BASE, name);
}

/* --- query parameters (DSP0266 "Query parameters") --- */

struct rf_query {
	long top, skip;			/* -1: absent */
	char select[256];		/* "" = absent */
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Percent-decode [s, e) into out; false if it does not fit or is bad. */
static bool pct_decode(const char *s, const char *e, char *out, size_t size)
{
	size_t o = 0;

	for (; s < e; s++) {
		char c = *s;

		if (c == '%') {
			int h, l;

			if (e - s < 3 || (h = hexval(s[1])) < 0 || (l = hexval(s[2])) < 0)
				return false;
			c = (char)(h * 16 + l);
			s += 2;
		} else if (c == '+') {
			c = ' ';
		}
		if (c == '\0' || o + 1 >= size)
			return false;
		out[o++] = c;
	}
	out[o] = '\0';
	return true;
}

static int query_number(struct rf_ctx *ctx, const char *name, const char *v, long *out)
{
	char *end;
	long n;

	if (!isdigit((unsigned char)v[0]))
		return rf_error(ctx, 400, "QueryParameterValueTypeError", v, name);
	errno = 0;
	n = strtol(v, &end, 10);
	if (*end || errno || n > RF_QUERY_NUM_MAX)
		return rf_error(ctx, 400, "QueryParameterValueTypeError", v, name);
	*out = n;
	return 0;
}

/* Parameters starting with '$' that are not supported get 501; others
 * that are unknown are ignored, as DSP0266 asks. */
static int query_parse(struct rf_ctx *ctx, struct rf_query *q)
{
	const char *s = ctx->req->query;

	q->top = q->skip = -1;
	q->select[0] = '\0';
	while (s && *s) {
		const char *e = strchr(s, '&'), *eq;
		char name[32], value[256];

		if (!e)
			e = s + strlen(s);
		eq = memchr(s, '=', (size_t)(e - s));
		if (e == s) {
			s = *e ? e + 1 : e;
			continue;
		}
		if (!pct_decode(s, eq ? eq : e, name, sizeof(name)) ||
		    !pct_decode(eq ? eq + 1 : e, e, value, sizeof(value)))
			return rf_error(ctx, 400, "QueryParameterValueTypeError", "", "query");
		if (!strcmp(name, "$top")) {
			if (query_number(ctx, name, value, &q->top) < 0)
				return -1;
		} else if (!strcmp(name, "$skip")) {
			if (query_number(ctx, name, value, &q->skip) < 0)
				return -1;
		} else if (!strcmp(name, "$select")) {
			if (!value[0])
				return rf_error(ctx, 400, "QueryParameterValueTypeError", value, name);
			snprintf(q->select, sizeof(q->select), "%s", value);
		} else if (name[0] == '$') {
			return rf_error(ctx, 501, "QueryNotSupported", NULL, NULL);
		}
		s = *e ? e + 1 : e;
	}
	return 0;
}

static bool selected(const char *list, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = list; *p;) {
		const char *e = p + strcspn(p, ",");
		size_t len = strcspn(p, ",/");

		while (*p == ' ' && len) {
			p++;
			len--;
		}
		if (len > (size_t)(e - p))
			len = (size_t)(e - p);
		if (len == klen && !memcmp(p, key, len))
			return true;
		p = *e ? e + 1 : e;
	}
	return false;
}

static void query_apply(struct rf_ctx *ctx, const struct rf_query *q, json_object *obj)
{
	json_object *members, *count;

	if (q->select[0]) {
		json_object *drop = json_object_new_array();

		json_object_object_foreach(obj, key, val) {
			(void)val;
			if (strncmp(key, "@odata.", 7) && !selected(q->select, key))
				json_object_array_add(drop, json_object_new_string(key));
		}
		for (size_t i = 0; i < json_object_array_length(drop); i++)
			json_object_object_del(obj, json_object_get_string(
						    json_object_array_get_idx(drop, i)));
		json_object_put(drop);
	}
	/* $top/$skip page Members, unless the handler paged them itself
	 * (then fewer Members than the count). */
	if ((q->top >= 0 || q->skip >= 0) && json_object_object_get_ex(obj, "Members", &members) &&
	    json_object_is_type(members, json_type_array) &&
	    json_object_object_get_ex(obj, "Members@odata.count", &count) &&
	    (size_t)json_object_get_int64(count) == json_object_array_length(members)) {
		size_t n = json_object_array_length(members);
		size_t skip = q->skip > 0 ? (size_t)q->skip : 0;
		size_t top = q->top >= 0 ? (size_t)q->top : n;
		json_object *page = json_object_new_array();

		for (size_t i = skip; i < n && i - skip < top; i++)
			json_object_array_add(page, json_object_get(json_object_array_get_idx(members, i)));
		json_object_object_add(obj, "Members", page);
		if (skip + top < n) {
			char next[RF_PATH_MAX + 64];

			snprintf(next, sizeof(next), "%s?$skip=%zu&$top=%zu", ctx->req->path,
				 skip + top, top);
			json_object_object_add(obj, "Members@odata.nextLink",
					       json_object_new_string(next));
		}
	}
}

/* --- body --- */

static bool media_json(const char *ct)
{
	static const char want[] = "application/json";
	size_t n = strlen(want);

	if (!ct)
		return false;
	while (*ct == ' ')
		ct++;
	return !strncasecmp(ct, want, n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static int body_parse(struct rf_ctx *ctx)
{
	const struct rf_req *req = ctx->req;
	struct json_tokener *tok;
	json_object *o;

	if (!req->body || req->body_len == 0)
		return 0;
	if (!media_json(req->content_type)) {
		rf_error(ctx, 415, "GeneralError", NULL, NULL);
		return -1;
	}
	if (strlen(req->body) != req->body_len)	/* a NUL inside */
		return rf_error(ctx, 400, "MalformedJSON", NULL, NULL);
	tok = json_tokener_new_ex(RF_BODY_DEPTH);
	if (!tok)
		return -ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
	if (o && (size_t)json_tokener_get_parse_end(tok) < req->body_len) {
		/* Something after the value: only white space may follow. */
		for (size_t i = json_tokener_get_parse_end(tok); i < req->body_len; i++)
			if (!isspace((unsigned char)req->body[i])) {
				json_object_put(o);
				o = NULL;
				break;
			}
	}
	if (!o && json_tokener_get_error(tok) == json_tokener_continue)
		o = NULL;
	json_tokener_free(tok);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return rf_error(ctx, 400, "MalformedJSON", NULL, NULL);
	}
	if (req->method == RF_PATCH) {
		bool change = false;

		/* OData annotations are not properties to change: a PATCH of
		 * nothing else changes nothing (DSP0266 "PATCH (update)"). */
		json_object_object_foreach(o, key, val) {
			(void)val;
			if (key[0] != '@' && !strstr(key, "@odata."))
				change = true;
		}
		if (!change) {
			json_object_put(o);
			return rf_error(ctx, 400, "NoOperation", NULL, NULL);
		}
	}
	ctx->body = o;
	return 0;
}

/* If-Match on a change: compare with what GET answers now. */
static int if_match(struct rf_ctx *ctx, const struct rf_route *r)
{
	struct rf_resp scratch = { 0 };
	struct rf_ctx g = *ctx;
	char tag[24];
	int ret;

	if (!ctx->req->if_match || !r->get)
		return 0;
	g.resp = &scratch;
	g.body = NULL;
	ret = r->get(&g);
	if (ret < 0 || !ctx->svc->answer || scratch.status != 200) {
		/* The resource's own error (404 for a missing member, ...). */
		ctx->resp->status = scratch.status ? scratch.status : 500;
		free(scratch.body);
		if (!ctx->svc->answer)
			return rf_error(ctx, 500, "InternalError", NULL, NULL);
		return -1;
	}
	free(scratch.body);
	rf_etag_of(ctx->svc->answer, tag);
	json_object_put(ctx->svc->answer);
	ctx->svc->answer = NULL;
	if (rf_etag_listed(ctx->req->if_match, tag))
		return 0;
	return rf_error(ctx, 412, "PreconditionFailed", NULL, NULL);
}

static void route_answer(struct rf_service *svc, const struct rf_req *req, struct rf_resp *resp)
{
	struct rf_ctx ctx = { .bmc = svc->bmc, .svc = svc, .req = req, .resp = resp };
	char buf[RF_PATH_MAX], user[RF_USER_MAX + 1] = "";
	const struct rf_route *r = NULL;
	struct rf_query q;
	rf_handler h = NULL;
	unsigned need = 0;
	bool allowed = false;
	int ret;

	if (req->path && strlen(req->path) < RF_PATH_MAX)
		r = route_find(req->path, buf, sizeof(buf), ctx.arg, &ctx.n_arg);
	if (r) {
		allowed = route_methods(r) & req->method;
		h = allowed ? route_handler(r, req->method) : NULL;
		allowed = allowed && h;
		need = req->method & (RF_GET | RF_HEAD) ? r->priv_get : r->priv_write;
	}
	/* Who is asking, first: an unauthenticated client learns nothing
	 * about which URIs exist. */
	if (!allowed || need) {
		if (rf_auth(&ctx, user) < 0)
			return;
	}
	/* OData-Version: only 4.0 is served (DSP0266 "Request headers"). */
	if (req->odata_version && strcmp(req->odata_version, "4.0")) {
		rf_error(&ctx, 412, "HeaderInvalid", "OData-Version", NULL);
		return;
	}
	if (!r) {
		rf_error(&ctx, 404, "ResourceMissingAtURI", req->path ? req->path : "", NULL);
		return;
	}
	if (!allowed) {
		allow_header(resp, route_allowed(r));
		rf_error(&ctx, 405, "OperationNotAllowed", NULL, NULL);
		return;
	}
	if (need && !(ctx.privs & need)) {
		rf_error(&ctx, 403, "InsufficientPrivilege", NULL, NULL);
		return;
	}
	if (req->method & (RF_GET | RF_HEAD)) {
		if (query_parse(&ctx, &q) < 0)
			return;
	} else {
		if (if_match(&ctx, r) < 0)
			return;
		if (req->method & (RF_POST | RF_PATCH | RF_PUT)) {
			ret = body_parse(&ctx);
			if (ret < 0) {
				if (ret != -1)
					rf_error(&ctx, 500, "InternalError", NULL, NULL);
				return;
			}
		}
	}
	ret = h(&ctx);
	json_object_put(ctx.body);
	if (ret < -1 || (ret == -1 && !svc->answer)) {
		log_error("redfish: %s: handler failed (%d)", req->path, ret);
		rf_error(&ctx, 500, "InternalError", NULL, NULL);
		return;
	}
	if (ret == 0 && resp->status == 0)
		resp->status = svc->answer || resp->body ? 200 : 204;
	if ((req->method & (RF_GET | RF_HEAD)) && resp->status == 200 && svc->answer) {
		json_object *members;
		char tag[24];

		/* Allow on a GET too: what a client may do with the resource. */
		allow_header(resp, route_allowed(r));
		link_header(resp, svc->answer);
		query_apply(&ctx, &q, svc->answer);
		if (!json_object_object_get_ex(svc->answer, "Members", &members)) {
			rf_etag_of(svc->answer, tag);
			rf_resp_header(resp, "ETag", "%s", tag);
			if (req->if_none_match && rf_etag_listed(req->if_none_match, tag)) {
				json_object_put(svc->answer);
				svc->answer = NULL;
				resp->status = 304;
			}
		}
	}
}

/* A POST to a collection's Members property is a POST to the collection
 * (DSP0266 "POST (create)"): "/x/Members" -> "/x" when "/x" takes POST. */
static bool members_alias(const struct rf_req *req, char *path, size_t size)
{
	static const char tail[] = "/Members";
	const char *arg[4];
	char buf[RF_PATH_MAX];
	const struct rf_route *r;
	size_t len, n = sizeof(tail) - 1;
	unsigned n_arg;

	if (req->method != RF_POST || !req->path)
		return false;
	len = strlen(req->path);
	if (len > 1 && req->path[len - 1] == '/')
		len--;
	if (len <= n || len - n >= size || memcmp(req->path + len - n, tail, n))
		return false;
	memcpy(path, req->path, len - n);
	path[len - n] = '\0';
	r = route_find(path, buf, sizeof(buf), arg, &n_arg);
	return r && r->post && (route_methods(r) & RF_POST);
}

void rf_route(struct rf_service *svc, const struct rf_req *req, struct rf_resp *resp)
{
	char alias[RF_PATH_MAX];
	struct rf_req areq;

	if (members_alias(req, alias, sizeof(alias))) {
		areq = *req;
		areq.path = alias;
		req = &areq;
	}
	route_answer(svc, req, resp);
	if (resp->status == 401)
		rf_resp_header(resp, "WWW-Authenticate", "Basic realm=\"bmcd\"");
	if (!resp->body && rf_answer_write(svc, resp) < 0) {
		log_error("redfish: out of memory writing the answer to %s", req->path);
		resp->status = 500;
	}
	if (resp->status == 0)
		resp->status = 500;
}
