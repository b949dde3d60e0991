/* SPDX-License-Identifier: MIT */
/*
 * HTTP/1.1 requests and responses for the Redfish transport, without the
 * socket or TLS under them (server.c moves the bytes): llhttp splits the
 * byte stream, this file keeps every piece within its bound and turns one
 * complete request into a struct rf_req, and a struct rf_resp into bytes.
 * The fuzz target fuzz/fuzz-http.c drives it directly.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <llhttp.h>

#include "redfish/redfish.h"

struct http1_limits {
	size_t max_url;			/* request target (414) */
	size_t max_header_bytes;	/* request line and header lines together (431) */
	unsigned max_headers;		/* header lines (431) */
	size_t max_body;		/* body (413) */
};

/* A growing byte buffer (the connection's output). */
struct http1_buf {
	char *data;
	size_t len, cap;
};

struct http1_hdr {
	uint32_t name, value;		/* offsets into head[] */
};

struct http1 {
	llhttp_t p;
	struct http1_limits lim;
	char *head;			/* URL, then "name\0value\0" pairs; max_header_bytes */
	size_t head_len;
	size_t url_len;
	bool in_url, in_field, in_value;
	struct http1_hdr *hdr;		/* max_headers */
	unsigned n_hdr;
	char *body;			/* malloc'd, max_body + 1 at most */
	size_t body_len, body_cap;
	char *path;			/* the decoded path (rf_req.path) */
	int status;			/* error status a callback chose, or 0 */
	bool started;			/* the current request has begun */
	bool complete;			/* a whole request is parsed (http1_request) */
	bool keep_alive;		/* of the complete request */
	bool upgrade;
	bool send_continue;		/* "Expect: 100-continue" seen: say 100 (the caller) */
};

/* 0, or -ENOMEM. */
int http1_init(struct http1 *h, const struct http1_limits *lim);
void http1_done(struct http1 *h);

/*
 * Feed bytes.  *used is how many were taken.  Returns:
 *   0         all taken, the request is not complete yet;
 *   1         a request is complete (http1_request()); the bytes after it
 *             (pipelined requests) are not taken: feed them after
 *             http1_next();
 *   400..505  the request is bad: answer that status and close.
 */
int http1_feed(struct http1 *h, const char *data, size_t len, size_t *used);
/* True between a request's first byte and its end (slow-request timer). */
static inline bool http1_in_request(const struct http1 *h)
{
	return h->started && !h->complete;
}
/* The complete request as struct rf_req (peer and now_usec are the
 * caller's).  0, or an error status (400: bad path encoding). */
int http1_request(struct http1 *h, struct rf_req *req);
/* A header of the complete request by name (case-insensitive): its value,
 * or NULL; *count (if not NULL) says how many times it came.  For the
 * headers struct rf_req does not carry (the WebSocket upgrade's). */
const char *http1_header(const struct http1 *h, const char *name, unsigned *count);
/* Ready for the next request on the connection. */
void http1_next(struct http1 *h);

/* Append a response to out: status line, resp's headers, the transport's
 * own, and the body unless head_only.  Takes resp->body (frees it).
 * 0, or -ENOMEM. */
int http1_response(struct http1_buf *out, struct rf_resp *resp, bool head_only, bool keep_alive,
		   bool http10);
/* The head of a streaming answer (resp->stream): no Content-Length, the
 * body runs until the connection closes ("Connection: close").  Takes
 * resp->body (frees it).  0, or -ENOMEM. */
int http1_stream_head(struct http1_buf *out, struct rf_resp *resp);
/* A transport error (400, 408, 413, 414, 431, 503, 505) with a small
 * Redfish error body and "Connection: close". */
int http1_error(struct http1_buf *out, int status);

int http1_buf_append(struct http1_buf *b, const void *data, size_t len);
void http1_buf_free(struct http1_buf *b);
const char *http1_reason(int status);
