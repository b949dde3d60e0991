/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: WebSocket frames from a client into the Redfish console
 * (redfish/ws.c) on a BMC built from boards/sim.json, no TLS or sockets.
 * Each input is one connection: a real upgrade request (admin, Basic) goes
 * through http1.c and rf_ws_upgrade(); then the input's bytes after its
 * first are the client's frames, in pieces of the size the first byte
 * picks (0: all at once), as TLS records would cut them; the output buffer
 * is emptied between pieces as server.c's writes would.  The frames' data
 * reaches the simulated host's console input.
 */
#include <stdlib.h>
#include <string.h>

#include "channels/users.h"
#include "redfish/http1.h"
#include "redfish/redfish.h"
#include "redfish/ws.h"

#include "fuzz-bmc.h"
#include "fuzz.h"

static struct bmc bmc = { .state_fd = -1 };
static struct rf_service *svc;

static const struct http1_limits limits = {
	.max_url = 256, .max_header_bytes = 2048, .max_headers = 16, .max_body = 4096,
};

static const char upgrade[] =
	"GET /console0 HTTP/1.1\r\n"
	"Host: bmc\r\n"
	"Authorization: Basic YWRtaW46cGFzc3dvcmQ=\r\n"
	"Upgrade: websocket\r\n"
	"Connection: Upgrade\r\n"
	"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
	"Sec-WebSocket-Version: 13\r\n\r\n";

static void wake(void *conn)
{
	(void)conn;
}

static void setup(void)
{
	static struct board_config cfg;

	fuzz_sim_config(&cfg);
	fuzz_bmc_init(&bmc, &cfg, "ws");
	svc = rf_service_new(&bmc);
	if (!svc)
		abort();
}

/* The admin as the board made it: an input must not lock it out for the
 * next (none can: the credentials are fixed, but be sure). */
static void admin_reset(void)
{
	struct user *p = &bmc.users->u[2];

	p->enabled = true;
	p->locked = false;
	p->fails = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	struct http1 h;
	struct http1_buf out = { 0 };
	struct rf_req req;
	struct rf_ws *ws = NULL;
	size_t used, piece;

	if (!ready) {
		setup();
		ready = true;
	}
	if (size < 1)
		return 0;
	admin_reset();
	if (http1_init(&h, &limits) < 0)
		abort();
	if (http1_feed(&h, upgrade, sizeof(upgrade) - 1, &used) != 1 || http1_request(&h, &req))
		abort();
	req.peer = "127.0.0.1:4242";
	rf_ws_upgrade(svc, &h, &req, &out, wake, NULL, &ws);
	http1_done(&h);
	if (!ws)
		abort();		/* the console is free: the upgrade must succeed */
	piece = data[0] ? data[0] : size;
	data++;
	size--;
	while (size) {
		size_t n = size < piece ? size : piece;
		int r = rf_ws_feed(ws, data, n);

		out.len = 0;
		if (r)
			break;
		data += n;
		size -= n;
	}
	rf_ws_free(ws);
	http1_buf_free(&out);
	return 0;
}
