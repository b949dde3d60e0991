/* SPDX-License-Identifier: MIT */
/* The LAN channel: RMCP, IPMI 1.5 and RMCP+ on UDP. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bmc;
struct lan;
struct session;

/* Bind every endpoint of the board (or of --listen) and start receiving.
 * Logs its own errors. */
int lan_open(struct bmc *bmc, struct lan **ret);
struct lan *lan_free(struct lan *lan);
/* IPMI over LAN on or off at run time (Redfish's NetworkProtocol IPMI):
 * off closes every endpoint's socket and drops every session (half-open
 * handshakes included, none counted as a failed login);
 * on binds them again (all or none: -errno, logged, when one fails).
 * Kept in the state directory across restarts.  IPMI over KCS and the
 * other interfaces are untouched. */
int lan_set_enabled(struct lan *lan, bool on);
bool lan_enabled(const struct lan *lan);
/* A session freed after RAKP 2 without being proven: a failed login. */
void lan_session_unproven(struct lan *lan, struct session *s);
/* A session ended: its keys are wiped from the crypto key slots. */
void lan_session_ended(struct lan *lan, struct session *s);
/* Handshakes left after RAKP2 for the half-open timeout are freed (each
 * counts as a bad password for its user: consoles check RAKP2 themselves
 * and stop), and rate-limited refusal lines are summed up.  Called once a
 * second, before the session expiry. */
void lan_reap_handshakes(struct bmc *bmc, uint64_t now);

/* Send one payload (e.g. SOL, payload type 1) to an active RMCP+ session's
 * console, framed with the session's integrity and confidentiality, outside
 * any request/response exchange.  0, -ENOTCONN if the session is not an
 * active RMCP+ session, -EMSGSIZE if the payload does not fit. */
int lan_session_send(struct session *s, uint8_t payload_type, const void *buf, size_t len);

/* The local UDP port of the socket a session's console talks to (the one
 * its RMCP+ handshake arrived on); 0 if it has none. */
uint16_t lan_session_port(const struct session *s);

#define LAN_MAX_PAYLOAD 512

/* Deliver inbound payloads of this type (other than IPMI messages, type 0)
 * that arrive authenticated and decrypted on an active RMCP+ session. */
typedef void (*lan_payload_fn)(void *userdata, struct session *s, const uint8_t *buf, size_t len);
void lan_set_payload_handler(struct lan *lan, uint8_t payload_type, lan_payload_fn fn, void *userdata);
