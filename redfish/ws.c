/* SPDX-License-Identifier: MIT */
/*
 * The host console over a WebSocket: the upgrade (RFC 6455 section 4),
 * the frames (section 5) and the console behind them (sol/sol.h).  See
 * redfish/ws.h and docs/redfish.md, "Console".
 *
 * Frames from the client are parsed as they come, a byte at a time for the
 * header and in chunks for the payload, so nothing but a control frame's
 * 125 bytes is ever buffered: data goes straight to the host's serial
 * input.  What the host prints is appended to the connection's output
 * buffer in binary frames; when that holds more than WS_OUT_MAX the reader
 * is too slow and the connection is dropped (the loop never waits for it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "daemon/bmc.h"
#include "daemon/log.h"
#include "redfish/service.h"
#include "redfish/ws.h"
#include "sol/sol.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define WS_MAX_MESSAGE (64 * 1024)	/* a frame, and a fragmented message: 1009 past it */
#define WS_OUT_MAX (256 * 1024)		/* output not yet written: past it the reader is dropped */
#define WS_OUT_FRAME (16 * 1024)	/* host output per binary frame */
#define WS_CTL_MAX 125			/* control frame payload (RFC 6455 5.5) */

enum {
	OP_CONT = 0x0,
	OP_TEXT = 0x1,
	OP_BINARY = 0x2,
	OP_CLOSE = 0x8,
	OP_PING = 0x9,
	OP_PONG = 0xa,
};

enum {					/* close codes (RFC 6455 7.4.1) */
	CLOSE_NORMAL = 1000,
	CLOSE_GOING_AWAY = 1001,
	CLOSE_PROTOCOL = 1002,
	CLOSE_BAD_DATA = 1007,
	CLOSE_TOO_BIG = 1009,
	CLOSE_INTERNAL = 1011,
};

struct utf8 {
	unsigned need;			/* continuation bytes still to come */
	uint32_t cp, min;
};

struct rf_ws {
	struct bmc *bmc;
	struct http1_buf *out;
	rf_ws_wake wake;
	void *conn;
	char peer[64];
	char user[RF_USER_MAX + 1];
	bool attached, closing, dead;

	/* the frame being read */
	uint8_t hdr[14];
	size_t hdr_len, hdr_need;	/* hdr_need 0: in the payload */
	uint8_t op;
	bool fin;
	uint8_t mask[4];
	uint64_t left, pos;		/* payload bytes still to come, and taken */
	uint8_t ctl[WS_CTL_MAX];	/* a control frame's payload */

	/* the data message in progress (fragments), op 0: none */
	uint8_t msg_op;
	uint64_t msg_len;
	struct utf8 u;			/* of a text message */

	uint64_t dropped_in;		/* console input the UART queue had no room for */
};

/* --- helpers ---------------------------------------------------------------- */

/* Does a comma-separated header value list token (case-insensitive)? */
static bool has_token(const char *list, const char *token)
{
	size_t tl = strlen(token);

	while (list && *list) {
		const char *end = strchr(list, ',');
		size_t len = end ? (size_t)(end - list) : strlen(list);

		while (len && (*list == ' ' || *list == '\t')) {
			list++;
			len--;
		}
		while (len && (list[len - 1] == ' ' || list[len - 1] == '\t'))
			len--;
		if (len == tl && !strncasecmp(list, token, tl))
			return true;
		list = end ? end + 1 : NULL;
	}
	return false;
}

/* Sec-WebSocket-Accept of a Sec-WebSocket-Key that must be base64 of 16
 * bytes (RFC 6455 4.2.1); false if it is not. */
static bool accept_of(const char *key, char accept[29])
{
	uint8_t raw[18], md[EVP_MAX_MD_SIZE];
	char buf[24 + sizeof(WS_GUID)];
	unsigned md_len = 0;

	if (!key || strlen(key) != 24 || key[22] != '=' || key[23] != '=' ||
	    EVP_DecodeBlock(raw, (const unsigned char *)key, 24) != 18)
		return false;
	memcpy(buf, key, 24);
	memcpy(buf + 24, WS_GUID, sizeof(WS_GUID));
	if (!EVP_Digest(buf, strlen(buf), md, &md_len, EVP_sha1(), NULL) || md_len != 20)
		return false;
	return EVP_EncodeBlock((unsigned char *)accept, md, 20) == 28;
}

/* Feed bytes to a UTF-8 check; false on the first invalid one. */
static bool utf8_ok(struct utf8 *u, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = p[i];

		if (!u->need) {
			if (b < 0x80)
				continue;
			if (b >= 0xc2 && b <= 0xdf)
				*u = (struct utf8){ 1, b & 0x1fu, 0x80 };
			else if (b >= 0xe0 && b <= 0xef)
				*u = (struct utf8){ 2, b & 0x0fu, 0x800 };
			else if (b >= 0xf0 && b <= 0xf4)
				*u = (struct utf8){ 3, b & 0x07u, 0x10000 };
			else
				return false;
			continue;
		}
		if ((b & 0xc0) != 0x80)
			return false;
		u->cp = u->cp << 6 | (b & 0x3fu);
		if (--u->need == 0 &&
		    (u->cp < u->min || u->cp > 0x10ffff || (u->cp >= 0xd800 && u->cp <= 0xdfff)))
			return false;
	}
	return true;
}

/* One unmasked frame (a server's, RFC 6455 5.1) into out. */
static int frame_out(struct rf_ws *ws, uint8_t op, const void *data, size_t n)
{
	uint8_t h[10];
	size_t hl = 2;

	h[0] = 0x80 | op;
	if (n < 126) {
		h[1] = (uint8_t)n;
	} else if (n <= 0xffff) {
		h[1] = 126;
		h[2] = (uint8_t)(n >> 8);
		h[3] = (uint8_t)n;
		hl = 4;
	} else {
		h[1] = 127;
		for (int i = 0; i < 8; i++)
			h[2 + i] = (uint8_t)((uint64_t)n >> (56 - 8 * i));
		hl = 10;
	}
	if (http1_buf_append(ws->out, h, hl) < 0 ||
	    (n && http1_buf_append(ws->out, data, n) < 0))
		return -ENOMEM;
	return 0;
}

/* Close with code (and a short reason); 1: the connection closes. */
static int ws_close(struct rf_ws *ws, unsigned code, const char *reason)
{
	uint8_t body[2 + 64];
	size_t rl = reason ? strlen(reason) : 0;

	if (ws->closing)
		return 1;
	if (rl > sizeof(body) - 2)
		rl = sizeof(body) - 2;
	body[0] = (uint8_t)(code >> 8);
	body[1] = (uint8_t)code;
	if (rl)
		memcpy(body + 2, reason, rl);
	if (code != CLOSE_NORMAL)
		log_debug("redfish: %s: console closed: %u %s", ws->peer, code, reason ? reason : "");
	frame_out(ws, OP_CLOSE, body, 2 + rl);
	ws->closing = true;
	return 1;
}

/* --- the console ------------------------------------------------------------ */

/* Host output (sol's UART handler calls this): frames, or drop the reader. */
static void ws_on_output(void *ud, const uint8_t *data, size_t n)
{
	struct rf_ws *ws = ud;

	if (ws->closing || ws->dead)
		return;
	if (ws->out->len + n + 16 > WS_OUT_MAX) {
		log_notice("redfish: %s: console reader too slow (%zu bytes waiting): dropped",
			   ws->peer, ws->out->len);
		ws->dead = true;
	} else {
		while (n) {
			size_t k = n > WS_OUT_FRAME ? WS_OUT_FRAME : n;

			if (frame_out(ws, OP_BINARY, data, k) < 0) {
				log_error("redfish: %s: out of memory for console output", ws->peer);
				ws->dead = true;
				break;
			}
			data += k;
			n -= k;
		}
	}
	ws->wake(ws->conn);
}

static void ws_input(struct rf_ws *ws, const uint8_t *data, size_t n)
{
	struct sol *sol = ws->bmc->sol;
	size_t taken = sol ? sol_console_input(sol, data, n) : 0;

	if (taken < n) {
		if (!ws->dropped_in)
			log_notice("redfish: %s: console input faster than the host takes it: "
				   "dropping", ws->peer);
		ws->dropped_in += n - taken;
	}
}

/* --- the upgrade ------------------------------------------------------------ */

bool rf_ws_is_console(const struct rf_req *req)
{
	return req->path && (!strcmp(req->path, RF_WS_PATH) || !strcmp(req->path, RF_WS_PATH "/"));
}

/* An error answer with a Base registry message. */
static void refuse(struct rf_ctx *ctx, int status, const char *id, const char *arg)
{
	rf_error(ctx, status, id, arg, NULL);
}

void rf_ws_upgrade(struct rf_service *svc, const struct http1 *h, const struct rf_req *req,
		   struct http1_buf *out, rf_ws_wake wake, void *conn, struct rf_ws **wsp)
{
	struct rf_resp resp = { 0 };
	struct rf_ctx ctx = { .bmc = svc->bmc, .svc = svc, .req = req, .resp = &resp };
	char user[RF_USER_MAX + 1] = "", accept[29];
	const char *version, *key;
	struct sol *sol = svc->bmc->sol;
	unsigned n_key = 0;
	struct rf_ws *ws;
	char line[160];

	*wsp = NULL;
	/* As every Redfish request: who is asking, first. */
	if (rf_auth(&ctx, user) < 0)
		goto answer;
	/* bmcweb's /console0 asks ConfigureComponents or ConfigureManager. */
	if (!(ctx.privs & (RF_PRIV_CONFIGURE_COMPONENTS | RF_PRIV_CONFIGURE_MANAGER))) {
		refuse(&ctx, 403, "InsufficientPrivilege", NULL);
		goto answer;
	}
	if (req->method != RF_GET) {
		rf_resp_header(&resp, "Allow", "GET");
		refuse(&ctx, 405, "OperationNotAllowed", NULL);
		goto answer;
	}
	if (!has_token(http1_header(h, "Upgrade", NULL), "websocket") ||
	    !has_token(http1_header(h, "Connection", NULL), "upgrade")) {
		rf_resp_header(&resp, "Upgrade", "websocket");
		rf_resp_header(&resp, "Connection", "Upgrade");
		refuse(&ctx, 426, "GeneralError", NULL);
		goto answer;
	}
	version = http1_header(h, "Sec-WebSocket-Version", NULL);
	if (!version || strcmp(version, "13")) {
		/* RFC 6455 4.4: say the version we speak. */
		rf_resp_header(&resp, "Sec-WebSocket-Version", "13");
		refuse(&ctx, 426, "GeneralError", NULL);
		goto answer;
	}
	key = http1_header(h, "Sec-WebSocket-Key", &n_key);
	if (n_key != 1 || !accept_of(key, accept)) {
		refuse(&ctx, 400, "GeneralError", NULL);
		goto answer;
	}
	if (!sol) {
		refuse(&ctx, 404, "ResourceMissingAtURI", req->path);
		goto answer;
	}
	/* The one-active-console rule: as SOL refuses a second activation
	 * (80h), the console is refused while anyone has it. */
	if (sol_console_busy(sol)) {
		log_notice("redfish: %s: console refused to %s: %s", req->peer, user,
			   "another console (IPMI SOL or a WebSocket) is active");
		refuse(&ctx, 409, "ResourceInUse", NULL);
		goto answer;
	}
	ws = calloc(1, sizeof(*ws));
	if (!ws) {
		refuse(&ctx, 500, "InternalError", NULL);
		goto answer;
	}
	ws->bmc = svc->bmc;
	ws->out = out;
	ws->wake = wake;
	ws->conn = conn;
	ws->hdr_need = 2;
	snprintf(ws->peer, sizeof(ws->peer), "%s", req->peer ? req->peer : "?");
	snprintf(ws->user, sizeof(ws->user), "%s", user);
	snprintf(line, sizeof(line), "HTTP/1.1 101 Switching Protocols\r\n"
		 "Upgrade: websocket\r\n"
		 "Connection: Upgrade\r\n"
		 "Sec-WebSocket-Accept: %s\r\n\r\n", accept);
	if (http1_buf_append(out, line, strlen(line)) < 0) {
		free(ws);
		log_error("redfish: %s: out of memory for the console", req->peer);
		return;
	}
	/* The history first, then what the host prints from now on. */
	for (size_t off = 0;;) {
		uint8_t buf[WS_OUT_FRAME];
		size_t n = sol_console_history(sol, off, buf, sizeof(buf));

		if (!n)
			break;
		if (frame_out(ws, OP_BINARY, buf, n) < 0) {
			ws->dead = true;
			break;
		}
		off += n;
	}
	if (sol_console_attach(sol, ws_on_output, ws) == 0)
		ws->attached = true;
	log_info("redfish: %s: console opened by %s", ws->peer, ws->user);
	*wsp = ws;
	return;

answer:
	if (resp.status == 401)
		rf_resp_header(&resp, "WWW-Authenticate", "Basic realm=\"bmcd\"");
	if (!resp.body && rf_answer_write(svc, &resp) < 0)
		resp.status = 500;
	if (http1_response(out, &resp, false, false, false) < 0)
		log_error("redfish: %s: out of memory for an answer", req->peer);
}

/* --- frames from the client ------------------------------------------------- */

/* The header is whole: check it.  0, or 1 after a close. */
static int frame_begin(struct rf_ws *ws)
{
	const uint8_t *h = ws->hdr;
	size_t p = 2;
	uint64_t len = h[1] & 0x7f;

	if ((h[1] & 0x7f) == 126) {
		len = (uint64_t)h[2] << 8 | h[3];
		p = 4;
		if (len < 126)
			return ws_close(ws, CLOSE_PROTOCOL, "length not minimal");
	} else if ((h[1] & 0x7f) == 127) {
		len = 0;
		for (int i = 0; i < 8; i++)
			len = len << 8 | h[2 + i];
		p = 10;
		if (len >> 63)
			return ws_close(ws, CLOSE_PROTOCOL, "length with its top bit set");
		if (len <= 0xffff)
			return ws_close(ws, CLOSE_PROTOCOL, "length not minimal");
	}
	memcpy(ws->mask, h + p, 4);
	ws->left = len;
	ws->pos = 0;
	if (ws->op >= OP_CLOSE) {
		if (len > WS_CTL_MAX)
			return ws_close(ws, CLOSE_PROTOCOL, "control frame too long");
		return 0;
	}
	if (ws->op == OP_CONT) {
		if (!ws->msg_op)
			return ws_close(ws, CLOSE_PROTOCOL, "continuation without a message");
	} else {
		if (ws->msg_op)
			return ws_close(ws, CLOSE_PROTOCOL, "new message inside a fragmented one");
		ws->msg_op = ws->op;
		ws->msg_len = 0;
		ws->u = (struct utf8){ 0 };
	}
	if (len > WS_MAX_MESSAGE - ws->msg_len)
		return ws_close(ws, CLOSE_TOO_BIG, "message too big");
	ws->msg_len += len;
	return 0;
}

/* The first two bytes: what else the header has.  0, or 1 after a close. */
static int frame_head(struct rf_ws *ws)
{
	uint8_t b0 = ws->hdr[0], b1 = ws->hdr[1];

	ws->fin = b0 & 0x80;
	ws->op = b0 & 0x0f;
	if (b0 & 0x70)
		return ws_close(ws, CLOSE_PROTOCOL, "reserved bits set");
	switch (ws->op) {
	case OP_CONT: case OP_TEXT: case OP_BINARY:
		break;
	case OP_CLOSE: case OP_PING: case OP_PONG:
		if (!ws->fin)
			return ws_close(ws, CLOSE_PROTOCOL, "fragmented control frame");
		break;
	default:
		return ws_close(ws, CLOSE_PROTOCOL, "unknown opcode");
	}
	/* RFC 6455 5.1: a client masks every frame. */
	if (!(b1 & 0x80))
		return ws_close(ws, CLOSE_PROTOCOL, "unmasked frame");
	ws->hdr_need = 2 + 4 + ((b1 & 0x7f) == 126 ? 2 : (b1 & 0x7f) == 127 ? 8 : 0);
	return 0;
}

static bool close_code_ok(unsigned code)
{
	return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) ||
	       (code >= 3000 && code <= 4999);
}

/* A whole frame is read.  0, or 1 after a close. */
static int frame_end(struct rf_ws *ws)
{
	size_t n = (size_t)ws->pos;
	struct utf8 u = { 0 };
	unsigned code;

	ws->hdr_len = 0;
	ws->hdr_need = 2;
	switch (ws->op) {
	case OP_PING:
		if (frame_out(ws, OP_PONG, ws->ctl, n) < 0)
			return ws_close(ws, CLOSE_INTERNAL, NULL);
		return 0;
	case OP_PONG:
		return 0;
	case OP_CLOSE:
		if (n == 0)
			return ws_close(ws, CLOSE_NORMAL, NULL);
		if (n == 1)
			return ws_close(ws, CLOSE_PROTOCOL, "close frame of one byte");
		code = (unsigned)ws->ctl[0] << 8 | ws->ctl[1];
		if (!close_code_ok(code))
			return ws_close(ws, CLOSE_PROTOCOL, "invalid close code");
		if (!utf8_ok(&u, ws->ctl + 2, n - 2) || u.need)
			return ws_close(ws, CLOSE_BAD_DATA, "close reason not UTF-8");
		/* Echo the code (RFC 6455 5.5.1). */
		return ws_close(ws, code, NULL);
	default:
		if (!ws->fin)
			return 0;
		if (ws->msg_op == OP_TEXT && ws->u.need)
			return ws_close(ws, CLOSE_BAD_DATA, "text not UTF-8");
		ws->msg_op = 0;
		return 0;
	}
}

int rf_ws_feed(struct rf_ws *ws, const uint8_t *data, size_t len)
{
	while (len && !ws->closing) {
		if (ws->hdr_need) {
			ws->hdr[ws->hdr_len++] = *data++;
			len--;
			if (ws->hdr_len < ws->hdr_need)
				continue;
			if (ws->hdr_len == 2 && frame_head(ws))
				return 1;
			if (ws->hdr_len < ws->hdr_need)
				continue;
			if (frame_begin(ws))
				return 1;
			ws->hdr_need = 0;
			if (ws->left == 0 && frame_end(ws))
				return 1;
			continue;
		}
		/* Payload: unmask a chunk. */
		uint8_t buf[4096];
		size_t k = len < sizeof(buf) ? len : sizeof(buf);

		if (k > ws->left)
			k = (size_t)ws->left;
		for (size_t i = 0; i < k; i++)
			buf[i] = data[i] ^ ws->mask[(ws->pos + i) & 3];
		if (ws->op >= OP_CLOSE) {
			memcpy(ws->ctl + ws->pos, buf, k);
		} else {
			if (ws->msg_op == OP_TEXT && !utf8_ok(&ws->u, buf, k))
				return ws_close(ws, CLOSE_BAD_DATA, "text not UTF-8");
			ws_input(ws, buf, k);
		}
		ws->pos += k;
		ws->left -= k;
		data += k;
		len -= k;
		if (ws->left == 0 && frame_end(ws))
			return 1;
	}
	return ws->closing;
}

bool rf_ws_dead(const struct rf_ws *ws)
{
	return ws->dead;
}

void rf_ws_free(struct rf_ws *ws)
{
	if (!ws)
		return;
	if (ws->attached && ws->bmc->sol)
		sol_console_detach(ws->bmc->sol, ws);
	if (ws->dropped_in)
		log_notice("redfish: %s: console input dropped: %llu bytes", ws->peer,
			   (unsigned long long)ws->dropped_in);
	log_info("redfish: %s: console closed (%s)", ws->peer, ws->user);
	explicit_bzero(ws, sizeof(*ws));
	free(ws);
}
