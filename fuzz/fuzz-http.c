/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: bytes from a peer through the Redfish transport's HTTP/1.1
 * layer (redfish/http1.c, llhttp under it), without TLS or sockets.  The
 * first byte picks the size of the pieces the rest arrives in (0: all at
 * once), as TLS records would cut it; every complete request becomes a
 * struct rf_req and gets a response, as server.c does, until the stream
 * ends or the parser refuses it.
 */
#include <string.h>

#include "redfish/http1.h"

#include "fuzz.h"

static const struct http1_limits limits = {
	.max_url = 256, .max_header_bytes = 2048, .max_headers = 16, .max_body = 4096,
};

/* What server.c does with a request, short of the service. */
static void answer(struct http1 *h, struct http1_buf *out)
{
	struct rf_req req;
	struct rf_resp resp = { .status = 200 };
	int st = http1_request(h, &req);

	if (st) {
		http1_error(out, st);
		return;
	}
	/* Touch every string the service would read. */
	const char *const strs[] = { req.path, req.query, req.authorization, req.x_auth_token,
				     req.if_match, req.if_none_match, req.content_type, req.accept,
				     req.odata_version };
	size_t total = req.body_len + (req.body[req.body_len] == '\0');

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (strs[i])
			total += strlen(strs[i]);
	resp.body = strdup(req.path);
	resp.body_len = resp.body ? strlen(resp.body) : 0;
	resp.status = total & 1 ? 200 : 404;
	http1_response(out, &resp, req.method == RF_HEAD, h->keep_alive, h->p.http_minor == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http1 h;
	struct http1_buf out = { 0 };
	size_t piece, off = 1;

	if (size < 1 || http1_init(&h, &limits) < 0)
		return 0;
	piece = data[0] ? data[0] : size;
	while (off < size) {
		size_t n = size - off < piece ? size - off : piece, used;
		int r = http1_feed(&h, (const char *)data + off, n, &used);

		off += used;
		if (r == 1) {
			answer(&h, &out);
			if (!h.keep_alive)
				break;
			http1_next(&h);
		} else if (r > 1) {
			http1_error(&out, r);
			break;
		}
		out.len = 0;		/* "sent" */
	}
	http1_buf_free(&out);
	http1_done(&h);
	return 0;
}
