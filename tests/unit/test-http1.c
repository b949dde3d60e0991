/* SPDX-License-Identifier: MIT */
/* redfish/http1.c: requests cut anywhere, every refusal's status, responses. */
#include <stdlib.h>
#include <string.h>

#include "redfish/http1.h"
#include "tap.h"

static const struct http1_limits lim = {
	.max_url = 64, .max_header_bytes = 512, .max_headers = 8, .max_body = 32,
};

/* Feed text in pieces of 'piece' bytes: 1 at a request's end (and *used
 * set to the bytes taken in all), an error status, or 0. */
static int feed(struct http1 *h, const char *text, size_t piece, size_t *taken)
{
	size_t len = strlen(text), off = 0;

	while (off < len) {
		size_t n = len - off < piece ? len - off : piece, used;
		int r = http1_feed(h, text + off, n, &used);

		off += used;
		if (r) {
			*taken = off;
			return r;
		}
	}
	*taken = off;
	return 0;
}

/* The status text alone gets, each way of cutting it. */
static int status_of(const char *text)
{
	int first = -1;

	for (size_t piece = 1; piece <= strlen(text); piece = piece * 3 + 1) {
		struct http1 h;
		size_t used;
		int r;

		if (http1_init(&h, &lim) < 0)
			return -1;
		r = feed(&h, text, piece, &used);
		if (r == 1) {
			struct rf_req req;

			r = http1_request(&h, &req);
			if (r == 0)
				r = 1;
		}
		http1_done(&h);
		if (first == -1)
			first = r;
		else if (first != r)
			return -2;	/* depends on the cut: wrong */
	}
	return first;
}

static void test_request(void)
{
	static const char two[] =
		"POST /redfish/v1/Sessions%20X?a=1&b HTTP/1.1\r\nHost: x\r\n"
		"Content-Type: application/json  \r\nX-Auth-Token: tok\r\n"
		"Transfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n3\r\n\":1\r\n1\r\n}\r\n0\r\n\r\n"
		"HEAD /x HTTP/1.1\r\nConnection: close\r\n\r\n";

	for (size_t piece = 1; piece <= sizeof(two); piece *= 2) {
		struct http1 h;
		struct rf_req req;
		size_t used;

		CHECK(http1_init(&h, &lim) == 0);
		CHECK(feed(&h, two, piece, &used) == 1);
		CHECK(http1_request(&h, &req) == 0);
		CHECK(req.method == RF_POST);
		CHECK(!strcmp(req.path, "/redfish/v1/Sessions X"));
		CHECK(req.query && !strcmp(req.query, "a=1&b"));
		CHECK(req.content_type && !strcmp(req.content_type, "application/json"));
		CHECK(req.x_auth_token && !strcmp(req.x_auth_token, "tok"));
		CHECK(!req.authorization && !req.if_match && !req.accept);
		CHECK(req.body_len == 7 && !strcmp(req.body, "{\"a\":1}"));
		CHECK(h.keep_alive);
		http1_next(&h);
		CHECK(feed(&h, two + used, piece, &used) == 1);
		CHECK(http1_request(&h, &req) == 0);
		CHECK(req.method == RF_HEAD && !strcmp(req.path, "/x") && !req.query);
		CHECK(req.body_len == 0 && req.body && req.body[0] == '\0');
		CHECK(!h.keep_alive);
		http1_done(&h);
	}
}

static void test_refusals(void)
{
	char big[700];

	CHECK(status_of("GET /redfish/v1 HTTP/1.1\r\n\r\n") == 1);
	CHECK(status_of("OPTIONS /redfish/v1 HTTP/1.1\r\n\r\n") == 1);
	CHECK(status_of("GARBAGE\r\n\r\n") == 400);
	CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n") == 400);
	CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx") == 400);
	CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 33\r\n\r\n") == 413);
	CHECK(status_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
			"20\r\n01234567890123456789012345678901\r\n1\r\nx\r\n0\r\n\r\n") == 413);
	CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 32\r\n\r\n"
			"01234567890123456789012345678901") == 1);
	CHECK(status_of("GET /%00 HTTP/1.1\r\n\r\n") == 400);
	CHECK(status_of("GET /%4 HTTP/1.1\r\n\r\n") == 400);
	CHECK(status_of("GET /%g1 HTTP/1.1\r\n\r\n") == 400);
	CHECK(status_of("GET * HTTP/1.1\r\n\r\n") == 400);
	CHECK(status_of("GET / HTTP/1.1\r\nIf-Match: a\r\nif-match: b\r\n\r\n") == 400);
	CHECK(status_of("GET / HTTP/1.1\r\nX: a\rb\r\n\r\n") == 400);
	CHECK(status_of("GET / HTTP/2.0\r\n\r\n") >= 400);
	CHECK(status_of("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\n"
			"G: 7\r\nH: 8\r\n\r\n") == 1);
	CHECK(status_of("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\nE: 5\r\nF: 6\r\n"
			"G: 7\r\nH: 8\r\nI: 9\r\n\r\n") == 431);
	snprintf(big, sizeof(big), "GET /%070d HTTP/1.1\r\n\r\n", 0);
	CHECK(status_of(big) == 414);
	snprintf(big, sizeof(big), "GET / HTTP/1.1\r\nX: %0600d\r\n\r\n", 0);
	CHECK(status_of(big) == 431);
}

static void test_response(void)
{
	struct http1_buf out = { 0 };
	struct rf_resp resp = { .status = 201, .n_hdr = 2 };

	strcpy(resp.hdr[0].name, "Location");
	strcpy(resp.hdr[0].value, "/redfish/v1/x");
	strcpy(resp.hdr[1].name, "Bad");
	strcpy(resp.hdr[1].value, "a\r\nInjected: 1");
	resp.body = strdup("{}");
	resp.body_len = 2;
	CHECK(http1_response(&out, &resp, false, true, false) == 0);
	CHECK(!resp.body);
	CHECK(http1_buf_append(&out, "", 1) == 0);
	CHECK(!strncmp(out.data, "HTTP/1.1 201 Created\r\nLocation: /redfish/v1/x\r\n", 47));
	CHECK(!strstr(out.data, "Injected"));
	CHECK(strstr(out.data, "Content-Length: 2\r\n") && strstr(out.data, "OData-Version: 4.0\r\n"));
	CHECK(!strstr(out.data, "Connection:"));
	CHECK(!strcmp(out.data + out.len - 7, "\r\n\r\n{}"));
	out.len = 0;
	resp = (struct rf_resp){ .status = 200, .body = strdup("{\"a\":1}"), .body_len = 7 };
	CHECK(http1_response(&out, &resp, true, false, false) == 0);
	CHECK(http1_buf_append(&out, "", 1) == 0);
	CHECK(strstr(out.data, "Content-Length: 7\r\n") && strstr(out.data, "Connection: close\r\n"));
	CHECK(!strcmp(out.data + out.len - 5, "\r\n\r\n"));
	out.len = 0;
	CHECK(http1_error(&out, 431) == 0);
	CHECK(!strncmp(out.data, "HTTP/1.1 431 Request Header Fields Too Large\r\n", 46));
	http1_buf_free(&out);
}

int main(void)
{
	test_request();
	test_refusals();
	test_response();
	return tap_done("http1");
}
