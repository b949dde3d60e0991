/* SPDX-License-Identifier: MIT */
/*
 * The host console over a WebSocket (RFC 6455) at /console0, as OpenBMC's
 * bmcweb serves it: the transport (server.c) hands a request for that path
 * here; an accepted upgrade switches the connection to WebSocket frames,
 * which this file reads and writes (the bytes still go through server.c's
 * TLS and output buffer).  Host output goes out in binary frames, data
 * frames from the client go to the host's serial input, through SOL's
 * console layer (sol/sol.h) with its history and its one-console rule.
 * docs/redfish.md, "Console".
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "redfish/http1.h"
#include "redfish/redfish.h"

struct bmc;
struct rf_service;
struct rf_ws;

#define RF_WS_PATH "/console0"

/* Called when the WebSocket has something new for the transport: output
 * appended to out, or it must be dropped (rf_ws_dead). */
typedef void (*rf_ws_wake)(void *conn);

/* Is this request for the console (whatever its method and headers)? */
bool rf_ws_is_console(const struct rf_req *req);

/*
 * Answer a request for the console: authenticate it as any Redfish
 * request, check the privilege, the upgrade headers and that the console
 * is free.  On success *ws is the new WebSocket, the 101 answer and the
 * console history are in out, and the connection speaks WebSocket from
 * now on.  Otherwise *ws is NULL and an error answer (with "Connection:
 * close") is in out.
 */
void rf_ws_upgrade(struct rf_service *svc, const struct http1 *h, const struct rf_req *req,
		   struct http1_buf *out, rf_ws_wake wake, void *conn, struct rf_ws **ws);
/*
 * Frames from the client.  Takes every byte.  0: go on; 1: the WebSocket
 * is closing (a close frame is in out: write it, then close the
 * connection).
 */
int rf_ws_feed(struct rf_ws *ws, const uint8_t *data, size_t len);
/* The output bound was crossed (a reader too slow): drop the connection. */
bool rf_ws_dead(const struct rf_ws *ws);
/* Detach from the console and free (NULL is fine). */
void rf_ws_free(struct rf_ws *ws);
