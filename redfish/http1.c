/* SPDX-License-Identifier: MIT */
/*
 * HTTP/1.1 framing for Redfish: llhttp (Debian's node-llhttp, the parser
 * Node.js uses) in strict mode splits requests; the callbacks below copy
 * each piece into bounded buffers and refuse, with the status RFC 9110/9112
 * name, what is too long or ambiguous.  docs/redfish.md, "Transport".
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "redfish/http1.h"

static struct http1 *of(llhttp_t *p)
{
	return p->data;
}

/* Refuse the request with status: the callback's -1 stops llhttp. */
static int refuse(struct http1 *h, int status)
{
	if (!h->status)
		h->status = status;
	return -1;
}

/* Append to head[], keeping one byte for a NUL; 'full' is the status when
 * it does not fit. */
static int head_add(struct http1 *h, const char *at, size_t len, int full)
{
	if (len >= h->lim.max_header_bytes - h->head_len)
		return refuse(h, full);
	memcpy(h->head + h->head_len, at, len);
	h->head_len += len;
	return 0;
}

static int head_nul(struct http1 *h)
{
	static const char nul;

	return head_add(h, &nul, 1, 431);
}

static int on_message_begin(llhttp_t *p)
{
	struct http1 *h = of(p);

	h->started = true;
	h->in_url = true;
	return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t len)
{
	struct http1 *h = of(p);

	if (len > h->lim.max_url - h->url_len)
		return refuse(h, 414);
	h->url_len += len;
	return head_add(h, at, len, 414);
}

static int on_url_complete(llhttp_t *p)
{
	struct http1 *h = of(p);

	h->in_url = false;
	return head_nul(h);
}

static int on_header_field(llhttp_t *p, const char *at, size_t len)
{
	struct http1 *h = of(p);

	if (!h->in_field) {
		if (h->n_hdr == h->lim.max_headers)
			return refuse(h, 431);
		h->in_field = true;
		h->hdr[h->n_hdr].name = (uint32_t)h->head_len;
	}
	return head_add(h, at, len, 431);
}

static int on_header_field_complete(llhttp_t *p)
{
	struct http1 *h = of(p);

	h->in_field = false;
	if (head_nul(h) < 0)
		return -1;
	h->hdr[h->n_hdr].value = (uint32_t)h->head_len;
	h->in_value = true;
	return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len)
{
	struct http1 *h = of(p);

	/* llhttp's strict mode refuses these too; say it here as well. */
	if (memchr(at, '\0', len) || memchr(at, '\r', len) || memchr(at, '\n', len))
		return refuse(h, 400);
	return head_add(h, at, len, 431);
}

static int on_header_value_complete(llhttp_t *p)
{
	struct http1 *h = of(p);
	size_t start = h->hdr[h->n_hdr].value;

	/* Trailing whitespace is not part of the value (RFC 9110 5.5). */
	while (h->head_len > start && (h->head[h->head_len - 1] == ' ' ||
				       h->head[h->head_len - 1] == '\t'))
		h->head_len--;
	if (head_nul(h) < 0)
		return -1;
	h->in_value = false;
	h->n_hdr++;
	return 0;
}

static const char *hdr_name(const struct http1 *h, unsigned i)
{
	return h->head + h->hdr[i].name;
}

static const char *hdr_value(const struct http1 *h, unsigned i)
{
	return h->head + h->hdr[i].value;
}

static int on_headers_complete(llhttp_t *p)
{
	struct http1 *h = of(p);
	unsigned n_cl = 0, n_te = 0, n_host = 0;
	bool expect = false;

	for (unsigned i = 0; i < h->n_hdr; i++) {
		if (!strcasecmp(hdr_name(h, i), "Content-Length"))
			n_cl++;
		else if (!strcasecmp(hdr_name(h, i), "Transfer-Encoding"))
			n_te++;
		else if (!strcasecmp(hdr_name(h, i), "Host"))
			n_host++;
		else if (!strcasecmp(hdr_name(h, i), "Expect") &&
			 !strcasecmp(hdr_value(h, i), "100-continue"))
			expect = true;
	}
	/* Ambiguous framing, the root of request smuggling (RFC 9112 6.3). */
	if (n_cl > 1 || (n_cl && n_te))
		return refuse(h, 400);
	if (p->http_major != 1)
		return refuse(h, 505);
	/* HTTP/1.1 names its Host, once (RFC 9112 3.2). */
	if (n_host > 1 || (p->http_minor >= 1 && n_host == 0))
		return refuse(h, 400);
	if (n_cl && p->content_length > h->lim.max_body)
		return refuse(h, 413);
	/* A client waiting before it sends the body (curl does for large
	 * ones): the body is within bounds, let it come (RFC 9110 10.1.1). */
	h->send_continue = expect && p->http_minor >= 1 && (n_te || p->content_length > 0);
	return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t len)
{
	struct http1 *h = of(p);

	if (len > h->lim.max_body - h->body_len)
		return refuse(h, 413);
	if (h->body_len + len + 1 > h->body_cap) {
		size_t cap = h->body_cap ? h->body_cap : 1024;
		char *nb;

		while (cap < h->body_len + len + 1)
			cap *= 2;
		if (cap > h->lim.max_body + 1)
			cap = h->lim.max_body + 1;
		nb = realloc(h->body, cap);
		if (!nb)
			return refuse(h, 503);
		h->body = nb;
		h->body_cap = cap;
	}
	memcpy(h->body + h->body_len, at, len);
	h->body_len += len;
	return 0;
}

static int on_message_complete(llhttp_t *p)
{
	struct http1 *h = of(p);

	h->complete = true;
	h->keep_alive = llhttp_should_keep_alive(p) && !p->upgrade;
	/* One request at a time: stop right after it. */
	return HPE_PAUSED;
}

static const llhttp_settings_t settings = {
	.on_message_begin = on_message_begin,
	.on_url = on_url,
	.on_url_complete = on_url_complete,
	.on_header_field = on_header_field,
	.on_header_field_complete = on_header_field_complete,
	.on_header_value = on_header_value,
	.on_header_value_complete = on_header_value_complete,
	.on_headers_complete = on_headers_complete,
	.on_body = on_body,
	.on_message_complete = on_message_complete,
};

int http1_init(struct http1 *h, const struct http1_limits *lim)
{
	memset(h, 0, sizeof(*h));
	h->lim = *lim;
	h->head = malloc(lim->max_header_bytes);
	h->hdr = calloc(lim->max_headers + 1, sizeof(*h->hdr));
	h->path = malloc(lim->max_url + 1);
	if (!h->head || !h->hdr || !h->path) {
		http1_done(h);
		return -ENOMEM;
	}
	llhttp_init(&h->p, HTTP_REQUEST, &settings);
	h->p.data = h;
	return 0;
}

/* Credentials (Authorization, a session POST's password) do not outlive
 * their request in memory. */
static void forget(struct http1 *h)
{
	if (h->head)
		explicit_bzero(h->head, h->head_len);
	if (h->body)
		explicit_bzero(h->body, h->body_len);
}

void http1_done(struct http1 *h)
{
	forget(h);
	free(h->head);
	free(h->hdr);
	free(h->body);
	free(h->path);
	memset(h, 0, sizeof(*h));
}

/* The error at pos (inside data) is in a token followed by a space: a
 * request line with a method name llhttp does not know. */
static bool unknown_method(const char *data, size_t len, const char *pos)
{
	const char *s, *e, *end = data + len;

	if (!pos || pos < data || pos >= end)
		return false;
	for (s = pos; s > data && isupper((unsigned char)s[-1]); s--)
		;
	for (e = pos; e < end && isupper((unsigned char)*e); e++)
		;
	return e > s && e < end && *e == ' ' && (s == data || s[-1] == '\n');
}

int http1_feed(struct http1 *h, const char *data, size_t len, size_t *used)
{
	llhttp_errno_t e;

	*used = 0;
	if (h->status)
		return h->status;
	if (h->complete)
		return 1;
	e = llhttp_execute(&h->p, data, len);
	if (e == HPE_OK) {
		*used = len;
		return 0;
	}
	if (e == HPE_PAUSED || e == HPE_PAUSED_UPGRADE) {
		const char *pos = llhttp_get_error_pos(&h->p);

		*used = pos && pos >= data && pos <= data + len ? (size_t)(pos - data) : len;
		if (!h->complete) {
			/* An upgrade (or CONNECT) without its message end:
			 * answer it and close. */
			h->complete = true;
		}
		if (e == HPE_PAUSED_UPGRADE) {
			h->upgrade = true;
			h->keep_alive = false;
		}
		return 1;
	}
	/* A well-formed method token llhttp does not know ("FOO /x ...") is
	 * one the service does not implement (DSP0266 "HTTP methods": 405 or
	 * 501), not a bad request; garbage stays 400. */
	if (!h->status && e == HPE_INVALID_METHOD && unknown_method(data, len,
								     llhttp_get_error_pos(&h->p)))
		h->status = 501;
	if (!h->status)
		h->status = 400;
	return h->status;
}

static int unhex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decode src (len bytes) into out (len + 1 bytes); no %00, no
 * broken escapes. */
static bool percent_decode(const char *src, size_t len, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (src[i] != '%') {
			out[o++] = src[i];
			continue;
		}
		int hi, lo;

		if (i + 2 >= len)
			return false;
		hi = unhex(src[i + 1]);
		lo = unhex(src[i + 2]);

		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return false;
		out[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[o] = '\0';
	return true;
}

static enum rf_method method_of(uint8_t m)
{
	switch (m) {
	case HTTP_GET: return RF_GET;
	case HTTP_HEAD: return RF_HEAD;
	case HTTP_POST: return RF_POST;
	case HTTP_PATCH: return RF_PATCH;
	case HTTP_PUT: return RF_PUT;
	case HTTP_DELETE: return RF_DELETE;
	default: return RF_OTHER;
	}
}

int http1_request(struct http1 *h, struct rf_req *req)
{
	static const struct {
		const char *name;
		size_t off;
	} wanted[] = {
		{ "Authorization", offsetof(struct rf_req, authorization) },
		{ "X-Auth-Token", offsetof(struct rf_req, x_auth_token) },
		{ "If-Match", offsetof(struct rf_req, if_match) },
		{ "If-None-Match", offsetof(struct rf_req, if_none_match) },
		{ "Content-Type", offsetof(struct rf_req, content_type) },
		{ "Accept", offsetof(struct rf_req, accept) },
		{ "OData-Version", offsetof(struct rf_req, odata_version) },
	};
	char *url = h->head, *q;
	size_t path_len;

	memset(req, 0, sizeof(*req));
	if (!h->complete)
		return 400;
	req->method = method_of(h->p.method);
	if (h->head_len == 0 || url[0] != '/')
		return 400;		/* absolute-form, authority-form, "*" */
	q = strchr(url, '?');
	path_len = q ? (size_t)(q - url) : strlen(url);
	if (strchr(url, '#'))
		return 400;
	if (!percent_decode(url, path_len, h->path))
		return 400;
	req->path = h->path;
	req->query = q ? q + 1 : NULL;

	for (unsigned i = 0; i < h->n_hdr; i++) {
		for (size_t w = 0; w < sizeof(wanted) / sizeof(wanted[0]); w++) {
			const char **slot = (const char **)((char *)req + wanted[w].off);

			if (strcasecmp(hdr_name(h, i), wanted[w].name))
				continue;
			if (*slot)
				return 400;	/* one value each */
			*slot = hdr_value(h, i);
		}
	}
	if (!h->body) {
		h->body = malloc(1);
		if (!h->body)
			return 503;
		h->body_cap = 1;
	}
	h->body[h->body_len] = '\0';
	req->body = h->body;
	req->body_len = h->body_len;
	return 0;
}

const char *http1_header(const struct http1 *h, const char *name, unsigned *count)
{
	const char *v = NULL;
	unsigned n = 0;

	for (unsigned i = 0; h->complete && i < h->n_hdr; i++) {
		if (strcasecmp(hdr_name(h, i), name))
			continue;
		if (!v)
			v = hdr_value(h, i);
		n++;
	}
	if (count)
		*count = n;
	return v;
}

void http1_next(struct http1 *h)
{
	forget(h);
	h->head_len = 0;
	h->url_len = 0;
	h->n_hdr = 0;
	h->in_url = h->in_field = h->in_value = false;
	h->body_len = 0;
	if (h->body_cap > 4096) {	/* do not keep a large body's buffer */
		free(h->body);
		h->body = NULL;
		h->body_cap = 0;
	}
	h->started = false;
	h->complete = false;
	h->keep_alive = false;
	h->send_continue = false;
	if (llhttp_get_errno(&h->p) == HPE_PAUSED)
		llhttp_resume(&h->p);
}

/* ------------------------------------------------------------------ */
/* Responses                                                           */

int http1_buf_append(struct http1_buf *b, const void *data, size_t len)
{
	if (len > b->cap - b->len) {
		size_t cap = b->cap ? b->cap : 4096;
		char *nd;

		while (cap - b->len < len)
			cap *= 2;
		nd = realloc(b->data, cap);
		if (!nd)
			return -ENOMEM;
		b->data = nd;
		b->cap = cap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	return 0;
}

static int buf_printf(struct http1_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int buf_printf(struct http1_buf *b, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -EINVAL;
	return http1_buf_append(b, line, (size_t)n);
}

void http1_buf_free(struct http1_buf *b)
{
	if (b->data)
		explicit_bzero(b->data, b->cap);	/* it held X-Auth-Token answers */
	free(b->data);
	memset(b, 0, sizeof(*b));
}

const char *http1_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 426: return "Upgrade Required";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

/* A header line from the service: nothing that would end the line. */
static bool header_safe(const char *s)
{
	for (; *s; s++)
		if (*s == '\r' || *s == '\n')
			return false;
	return true;
}

int http1_response(struct http1_buf *out, struct rf_resp *resp, bool head_only, bool keep_alive,
		   bool http10)
{
	int status = resp->status >= 100 && resp->status <= 599 ? resp->status : 500;
	bool no_body = status == 204 || status == 304 || status < 200;
	size_t body_len = resp->body && !no_body ? resp->body_len : 0;
	int r;

	r = buf_printf(out, "HTTP/1.1 %d %s\r\n", status, http1_reason(status));
	for (unsigned i = 0; r == 0 && i < resp->n_hdr && i < RF_MAX_HEADERS; i++) {
		resp->hdr[i].name[sizeof(resp->hdr[i].name) - 1] = '\0';
		resp->hdr[i].value[sizeof(resp->hdr[i].value) - 1] = '\0';
		if (!resp->hdr[i].name[0] || !header_safe(resp->hdr[i].name) ||
		    !header_safe(resp->hdr[i].value))
			continue;
		r = buf_printf(out, "%s: %s\r\n", resp->hdr[i].name, resp->hdr[i].value);
	}
	if (r == 0 && body_len)
		r = buf_printf(out, "Content-Type: %s\r\n",
			       resp->content_type && header_safe(resp->content_type) ?
			       resp->content_type : "application/json; charset=utf-8");
	if (r == 0 && !no_body)
		r = buf_printf(out, "Content-Length: %zu\r\n", body_len);
	if (r == 0)
		r = buf_printf(out, "OData-Version: 4.0\r\n"
			       "Cache-Control: no-store\r\n"
			       "X-Frame-Options: DENY\r\n"
			       "X-Content-Type-Options: nosniff\r\n"
			       "Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n"
			       "%s\r\n",
			       !keep_alive ? "Connection: close\r\n" :
			       http10 ? "Connection: keep-alive\r\n" : "");
	if (r == 0 && body_len && !head_only)
		r = http1_buf_append(out, resp->body, body_len);
	free(resp->body);
	resp->body = NULL;
	return r;
}

int http1_error(struct http1_buf *out, int status)
{
	struct rf_resp resp = { .status = status };
	char body[256];
	int n = snprintf(body, sizeof(body),
			 "{\"error\":{\"code\":\"Base.1.16.0.GeneralError\",\"message\":\"%s\"}}",
			 http1_reason(status));

	resp.body = strdup(body);
	if (!resp.body)
		return -ENOMEM;
	resp.body_len = (size_t)n;
	return http1_response(out, &resp, false, false, false);
}

int http1_stream_head(struct http1_buf *out, struct rf_resp *resp)
{
	int r = buf_printf(out, "HTTP/1.1 %d %s\r\n", resp->status, http1_reason(resp->status));

	for (unsigned i = 0; r == 0 && i < resp->n_hdr && i < RF_MAX_HEADERS; i++) {
		resp->hdr[i].name[sizeof(resp->hdr[i].name) - 1] = '\0';
		resp->hdr[i].value[sizeof(resp->hdr[i].value) - 1] = '\0';
		if (!resp->hdr[i].name[0] || !header_safe(resp->hdr[i].name) ||
		    !header_safe(resp->hdr[i].value))
			continue;
		r = buf_printf(out, "%s: %s\r\n", resp->hdr[i].name, resp->hdr[i].value);
	}
	if (r == 0)
		r = buf_printf(out, "Content-Type: %s\r\n"
			       "OData-Version: 4.0\r\n"
			       "Cache-Control: no-store\r\n"
			       "X-Frame-Options: DENY\r\n"
			       "X-Content-Type-Options: nosniff\r\n"
			       "Strict-Transport-Security: max-age=31536000; includeSubDomains\r\n"
			       "Connection: close\r\n\r\n",
			       resp->content_type && header_safe(resp->content_type) ?
			       resp->content_type : "text/event-stream");
	free(resp->body);
	resp->body = NULL;
	return r;
}
