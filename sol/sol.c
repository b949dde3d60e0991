/* SPDX-License-Identifier: MIT */
/*
 * The SOL engine: host output from the UART to the console in packets of
 * payload type 1, one outstanding at a time, retransmitted until
 * acknowledged; console input to the UART, acknowledged with the number of
 * characters taken.  IPMI 2.0 section 15.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boards/libvirt_host.h"
#include "boards/sim_console.h"
#include "boards/sim_host.h"
#include "channels/session.h"
#include "daemon/bmc.h"
#include "daemon/log.h"
#include "lan/lan.h"
#include "sol/sol_internal.h"

#define UART_CHUNK 4096

static void sol_update_io(struct sol *sol);
static void sol_maybe_send(struct sol *sol);

static int sol_arm(struct sol *sol, sd_event_source **src, uint64_t usec, sd_event_time_handler_t fn)
{
	uint64_t now;
	int r;

	sd_event_now(sol->ev, CLOCK_MONOTONIC, &now);
	if (*src) {
		r = sd_event_source_set_time(*src, now + usec);
		if (r >= 0)
			r = sd_event_source_set_enabled(*src, SD_EVENT_ONESHOT);
	} else {
		r = sd_event_add_time(sol->ev, src, CLOCK_MONOTONIC, now + usec, 1, fn, sol);
	}
	if (r < 0)
		log_error_errno(r, "sol: timer");
	return r;
}

static void sol_disarm(sd_event_source *src)
{
	if (src)
		sd_event_source_set_enabled(src, SD_EVENT_OFF);
}

static bool sol_armed(sd_event_source *src)
{
	int en = SD_EVENT_OFF;

	return src && sd_event_source_get_enabled(src, &en) >= 0 && en != SD_EVENT_OFF;
}

static uint64_t sol_retry_usec(const struct sol *sol)
{
	return sol->cfg.retry_10ms ? sol->cfg.retry_10ms * 10000ULL : 1000;
}

static void sol_send(struct sol *sol, uint8_t seq, uint8_t ack, uint8_t count, uint8_t status,
		     const uint8_t *data, size_t n)
{
	uint8_t pkt[SOL_PAYLOAD_SIZE];
	struct wbuf w = wb_init(pkt, sizeof(pkt));
	int r;

	wb_u8(&w, seq);
	wb_u8(&w, ack);
	wb_u8(&w, count);
	wb_u8(&w, status);
	wb_bytes(&w, data, n);
	if (!wb_ok(&w))
		return;
	r = lan_session_send(sol->s, SOL_PAYLOAD_TYPE, pkt, w.len);
	if (r < 0)
		log_debug("sol: send: %s", strerror(-r));
	else
		sol->stats.pkts_out++;
}

/* (Re)send the outstanding packet: the first out_len characters of txq. */
static void sol_transmit(struct sol *sol)
{
	uint8_t data[SOL_MAX_CHARS];
	size_t n = ring_peek(&sol->txq, 0, data, sol->out_len);

	sol_send(sol, sol->out_seq, 0, 0, 0, data, n);
}

static void sol_send_data(struct sol *sol)
{
	size_t n = ring_len(&sol->txq);

	sol_disarm(sol->accum);
	sol->out_len = (uint8_t)(n > SOL_MAX_CHARS ? SOL_MAX_CHARS : n);
	sol->out_seq = sol->next_seq;
	sol->next_seq = sol->next_seq % 15 + 1;
	sol->tries = 0;
	sol_transmit(sol);
	sol_arm(sol, &sol->retry, sol_retry_usec(sol), NULL);
}

static int sol_on_retry(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct sol *sol = userdata;

	if (!sol->s)
		return 0;
	if (sol->nack_paused) {
		sol->nack_paused = false;
		sol_maybe_send(sol);
		return 0;
	}
	if (!sol->out_seq)
		return 0;
	sol->tries++;
	sol->stats.retransmits++;
	sol_transmit(sol);
	/* After the configured retries the data is still kept (nothing the
	 * host printed is dropped): retry slowly until the session ends. */
	sol_arm(sol, &sol->retry, sol->tries < sol->cfg.retry_count ? sol_retry_usec(sol)
			: SOL_GIVEUP_RETRY_MS * 1000ULL, NULL);
	return 0;
}

static int sol_on_accum(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct sol *sol = userdata;

	if (sol->s && sol->tx_ready && !sol->out_seq && !sol->nack_paused && ring_len(&sol->txq))
		sol_send_data(sol);
	return 0;
}

static void sol_maybe_send(struct sol *sol)
{
	if (!sol->s || !sol->tx_ready || sol->out_seq || sol->nack_paused || !ring_len(&sol->txq))
		return;
	if (ring_len(&sol->txq) >= sol->cfg.threshold)
		sol_send_data(sol);
	else if (!sol_armed(sol->accum))
		sol_arm(sol, &sol->accum, sol->cfg.accum_5ms * 5000ULL, NULL);
}

/* --- the UART side ------------------------------------------------------ */

static int sol_add_uart_io(struct sol *sol);

/* A tty or socket UART, open again: its events back on. */
static int sol_on_reopen(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct sol *sol = userdata;
	const struct cfg_sol *c = &sol->bmc->cfg.sol;
	bool tty = !strcmp(c->uart, "tty");
	int r;

	(void)src;
	(void)usec;
	r = uart_try_reopen(c->uart, tty ? c->tty : c->socket, c->baud ? c->baud : 115200,
			    &sol->uart);
	if (r == 0)
		r = sol_add_uart_io(sol);
	if (r < 0) {
		uart_close(&sol->uart);
		sol_arm(sol, &sol->reopen, SOL_REOPEN_MS * 1000, sol_on_reopen);
		return 0;
	}
	log_notice("sol: UART %s %s is back", sol->uart.ops->name, tty ? c->tty : c->socket);
	sol_apply_rate(sol);
	sol_update_io(sol);
	return 0;
}

/* The UART read end of file or an error: logged once; a tty or socket is
 * opened again every second until it is back (a USB serial adapter
 * unplugged, a VM's chardev restarted); the others stay silent. */
static void sol_uart_gone(struct sol *sol, const char *why)
{
	const char *kind = sol->bmc->cfg.sol.uart;

	log_warning("sol: UART %s closed (%s)", sol->uart.ops->name, why);
	sol->uart_io = sd_event_source_disable_unref(sol->uart_io);
	if (strcmp(kind, "tty") && strcmp(kind, "socket"))
		return;
	uart_close(&sol->uart);
	sol_arm(sol, &sol->reopen, SOL_REOPEN_MS * 1000, sol_on_reopen);
}

static void sol_read_uart(struct sol *sol)
{
	uint8_t buf[UART_CHUNK];

	for (int i = 0; i < 16; i++) {
		size_t want = sizeof(buf);
		ssize_t n;

		if (sol->s) {
			if (sol->cts_paused)
				break;
			if (ring_room(&sol->txq) < want)
				want = ring_room(&sol->txq);
			if (!want)
				break;
		}
		n = read(sol->uart.fd, buf, want);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			sol_uart_gone(sol, n == 0 ? "end of file" : strerror(errno));
			return;
		}
		if (n < 0)
			break;
		ring_push_over(&sol->history, buf, (size_t)n);
		if (sol->con_out)
			sol->con_out(sol->con_ud, buf, (size_t)n);
		if (sol->s)
			ring_push(&sol->txq, buf, (size_t)n);
	}
}

static void sol_write_uart(struct sol *sol)
{
	uint8_t buf[UART_CHUNK];

	while (ring_len(&sol->rxq)) {
		size_t n = ring_peek(&sol->rxq, 0, buf, sizeof(buf));
		ssize_t w = write(sol->uart.fd, buf, n);

		if (w <= 0)
			break;
		ring_drop(&sol->rxq, (size_t)w);
	}
}

static int sol_on_uart(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct sol *sol = userdata;

	if (revents & EPOLLOUT)
		sol_write_uart(sol);
	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
		sol_read_uart(sol);
	sol_maybe_send(sol);
	sol_update_io(sol);
	return 0;
}

static void sol_update_io(struct sol *sol)
{
	uint32_t ev = 0;

	if (!sol->uart_io)
		return;
	if (!sol->s || (!sol->cts_paused && ring_room(&sol->txq)))
		ev |= EPOLLIN;
	if (ring_len(&sol->rxq))
		ev |= EPOLLOUT;
	if (ev == sol->uart_events)
		return;
	sol->uart_events = ev;
	if (ev) {
		sd_event_source_set_io_events(sol->uart_io, ev);
		sd_event_source_set_enabled(sol->uart_io, SD_EVENT_ON);
	} else {
		sd_event_source_set_enabled(sol->uart_io, SD_EVENT_OFF);
	}
}

void sol_apply_rate(struct sol *sol)
{
	unsigned bps = uart_rate_bps(sol->cfg.v_rate);

	/* Rate code 0: the serial setting, which is the board's. */
	if (!bps)
		bps = sol->bmc->cfg.sol.baud ? sol->bmc->cfg.sol.baud : 115200;
	if (sol->uart.ops && sol->uart.ops->set_baud)
		sol->uart.ops->set_baud(sol->uart.ctx, bps);
}

/* --- packets from the console --------------------------------------------- */

static void sol_ops(struct sol *sol, uint8_t op)
{
	const struct uart_ops *u = sol->uart.ops;
	bool cts = !(op & SOL_OP_CTS_PAUSE), dcd = !(op & SOL_OP_DROP_DCD_DSR);

	if (op & SOL_OP_BREAK && u && u->send_break)
		u->send_break(sol->uart.ctx);
	if (op & SOL_OP_FLUSH_IN)
		ring_clear(&sol->rxq);
	if (op & SOL_OP_FLUSH_OUT) {
		/* Drop what the host printed and the console has not seen. */
		ring_clear(&sol->txq);
		sol->out_seq = 0;
		sol_disarm(sol->retry);
		sol_disarm(sol->accum);
	}
	if (op & SOL_OP_RING)
		log_info("sol: console asserted ring indicator");
	if (cts == sol->cts_paused && u && u->modem)
		u->modem(sol->uart.ctx, cts, dcd);
	sol->cts_paused = !cts;
}

static void sol_ack_in(struct sol *sol, uint8_t ack, uint8_t count, uint8_t op)
{
	size_t acc;

	if (!ack || ack != sol->out_seq)
		return;		/* nothing outstanding by that number: stale */
	acc = count < sol->out_len ? count : sol->out_len;
	ring_drop(&sol->txq, acc);
	sol->stats.chars_out += acc;
	sol->out_seq = 0;
	sol->out_len = 0;
	sol_disarm(sol->retry);
	if (op & SOL_OP_NACK) {
		/* The console cannot take more now: wait a retry interval. */
		sol->stats.nacks_in++;
		sol->nack_paused = true;
		sol_arm(sol, &sol->retry, sol_retry_usec(sol), NULL);
		return;
	}
	/* What is left has waited at least a round trip: send it now. */
	if (ring_len(&sol->txq))
		sol_send_data(sol);
}

static void sol_on_payload(void *userdata, struct session *s, const uint8_t *buf, size_t len)
{
	struct sol *sol = userdata;
	struct rbuf r = rb_init(buf, len);
	uint8_t seq, ack, count, op, accepted, status = 0;
	struct rbuf data;
	size_t n;

	seq = rb_u8(&r) & 0x0f;
	ack = rb_u8(&r) & 0x0f;
	count = rb_u8(&r);
	op = rb_u8(&r);
	data = rb_rest(&r);
	n = rb_left(&data);
	if (!rb_ok(&r) || s != sol->s || n > SOL_MAX_CHARS || (seq == 0 && n)) {
		/* short, not ours (payload not active on this session), too
		 * long, or characters without a sequence number */
		sol->stats.dropped++;
		log_debug("sol: dropped a packet (%zu bytes, session %u)", len, s->handle);
		return;
	}
	sol->stats.pkts_in++;
	if (seq && seq == sol->in_seq) {
		/* A retransmission: our ACK was lost.  Acknowledge again,
		 * without writing the characters twice. */
		sol->stats.dups++;
		sol_ack_in(sol, ack, count, op);
		sol_send(sol, 0, seq, sol->in_accepted, 0, NULL, 0);
		sol_update_io(sol);
		return;
	}
	sol_ops(sol, op);
	sol_ack_in(sol, ack, count, op);
	if (seq) {
		accepted = (uint8_t)ring_push(&sol->rxq, data.p, n);
		sol->stats.chars_in += accepted;
		if (n && !accepted)
			status = SOL_ST_NACK | SOL_ST_UNAVAILABLE;
		sol->in_seq = seq;
		sol->in_accepted = accepted;
		sol_send(sol, 0, seq, accepted, status, NULL, 0);
		sol_write_uart(sol);
	}
	sol_maybe_send(sol);
	sol_update_io(sol);
}

/* --- activation ------------------------------------------------------------ */

static int sol_on_start(sd_event_source *src, void *userdata)
{
	struct sol *sol = userdata;

	sol->start = sd_event_source_disable_unref(sol->start);
	if (!sol->s)
		return 0;
	sol->tx_ready = true;
	sol_maybe_send(sol);
	sol_update_io(sol);
	return 0;
}

int sol_activate(struct sol *sol, struct session *s)
{
	const struct uart_ops *u = sol->uart.ops;
	int r;

	sol->s = s;
	sol->sid = s->bmc_sid;
	sol->tx_ready = false;
	sol->cts_paused = sol->nack_paused = false;
	sol->next_seq = 1;
	sol->out_seq = sol->out_len = 0;
	sol->in_seq = sol->in_accepted = 0;
	sol->tries = 0;
	ring_clear(&sol->txq);
	/* Data may flow only once the Activate Payload response is out: a
	 * defer source runs after this request has been answered. */
	r = sd_event_add_defer(sol->ev, &sol->start, sol_on_start, sol);
	if (r < 0) {
		sol->s = NULL;
		return log_error_errno(r, "sol: activation");
	}
	sol_apply_rate(sol);
	if (u && u->modem)
		u->modem(sol->uart.ctx, true, true);
	log_info("sol: payload activated by session %u (user %u)", s->handle, s->user_id);
	sol_update_io(sol);
	return 0;
}

void sol_deactivate(struct sol *sol, bool notify)
{
	if (!sol->s)
		return;
	/* IPMI 2.0 15.9: status bit 4, "SOL deactivating".  The packet also
	 * NACKs the console's last packet (nothing more will be accepted):
	 * pyghmi reports the deactivation only on a NACK of its own packet. */
	if (notify)
		sol_send(sol, 0, sol->in_seq, 0,
			 SOL_ST_DEACTIVATING | (sol->in_seq ? SOL_ST_NACK : 0), NULL, 0);
	log_info("sol: payload deactivated (session %u)", sol->s->handle);
	sol->s = NULL;
	sol->sid = 0;
	sol->tx_ready = false;
	sol->cts_paused = sol->nack_paused = false;
	sol->out_seq = sol->out_len = 0;
	sol->start = sd_event_source_disable_unref(sol->start);
	sol_disarm(sol->retry);
	sol_disarm(sol->accum);
	ring_clear(&sol->txq);
	sol_update_io(sol);
}

void sol_on_session_free(void *userdata, struct session *s)
{
	struct sol *sol = userdata;

	if (sol && sol->s == s)
		sol_deactivate(sol, false);
}

void sol_power_event(struct sol *sol, enum power_event ev)
{
	if (sol && sol->uart.ops && sol->uart.ops->host_event)
		sol->uart.ops->host_event(sol->uart.ctx, ev);
}

uint16_t sol_session_port(struct sol *sol, const struct session *s)
{
	const struct cfg_lan *lan = &sol->bmc->cfg.lan;
	uint16_t port = lan_session_port(s);

	/* The port of the socket the session's console talks to: ipmitool
	 * refuses any other (and with several --listen endpoints the first
	 * one's port is not it).  Outside a LAN session (KCS): the first
	 * endpoint's. */
	if (port)
		return port;
	for (unsigned i = 0; i < lan->n_listen; i++) {
		const struct sockaddr_storage *a = &lan->listen[i].addr;

		if (s && a->ss_family != s->peer.ss_family)
			continue;
		if (a->ss_family == AF_INET)
			return ntohs(((const struct sockaddr_in *)a)->sin_port);
		if (a->ss_family == AF_INET6)
			return ntohs(((const struct sockaddr_in6 *)a)->sin6_port);
	}
	return 623;
}

/* --- another console (the Redfish WebSocket) ---------------------------- */

int sol_console_attach(struct sol *sol, sol_console_out out, void *ud)
{
	if (sol->s || sol->con_out)
		return -EBUSY;
	sol->con_out = out;
	sol->con_ud = ud;
	ring_clear(&sol->rxq);
	log_info("sol: the Redfish console attached");
	return 0;
}

void sol_console_detach(struct sol *sol, void *ud)
{
	if (!sol->con_out || sol->con_ud != ud)
		return;
	sol->con_out = NULL;
	sol->con_ud = NULL;
	log_info("sol: the Redfish console detached");
}

bool sol_console_busy(const struct sol *sol)
{
	return sol->s || sol->con_out;
}

size_t sol_console_input(struct sol *sol, const uint8_t *data, size_t n)
{
	size_t taken = ring_push(&sol->rxq, data, n);

	sol->stats.chars_in += taken;
	if (sol->uart.fd >= 0)
		sol_write_uart(sol);
	sol_update_io(sol);
	return taken;
}

size_t sol_console_history(const struct sol *sol, size_t off, void *dst, size_t n)
{
	return ring_peek(&sol->history, off, dst, n);
}

/* --- set-up ---------------------------------------------------------------- */

static int sol_open_uart(struct sol *sol)
{
	struct bmc *bmc = sol->bmc;

	const struct cfg_sol *c = &bmc->cfg.sol;

	sol->uart = (struct uart){ .fd = -1 };
	if (!strcmp(c->uart, "tty") || !strcmp(c->uart, "socket")) {
		/* Not there at start (a USB serial adapter not plugged in
		 * yet, a VM whose chardev is not up): bmcd starts anyway,
		 * SOL as while the UART is away at run time (sessions
		 * activate, the console is silent), and the UART is opened
		 * every second until it is there ("is back"). */
		bool tty = !strcmp(c->uart, "tty");
		const char *path = tty ? c->tty : c->socket;
		int r = uart_try_reopen(c->uart, path, c->baud ? c->baud : 115200, &sol->uart);

		if (r < 0) {
			log_warning_errno(r, "sol: UART %s %s not there at start (SOL is silent "
					  "until it is; tried every second)", c->uart, path);
			sol->uart = (struct uart){ .fd = -1 };
			sol_arm(sol, &sol->reopen, SOL_REOPEN_MS * 1000, sol_on_reopen);
		}
		return 0;
	}
	if (!strcmp(c->uart, "sim") || (!c->uart[0] && !strcmp(bmc->cfg.host.backend, "sim")))
		return sim_console_open(sol->ev, bmc->power->on,
					&sol->uart);
	if (!c->uart[0] && !strcmp(bmc->cfg.host.backend, "libvirt"))
		return libvirt_host_open_console(bmc->vhost, &sol->uart);
	log_notice("sol: no UART configured: the SOL console is silent");
	return 0;
}

static int sol_add_uart_io(struct sol *sol)
{
	int r = sd_event_add_io(sol->ev, &sol->uart_io, sol->uart.fd, EPOLLIN, sol_on_uart, sol);

	if (r < 0)
		return log_error_errno(r, "sol: UART events");
	sol->uart_events = EPOLLIN;
	return 0;
}

int sol_init(struct bmc *bmc)
{
	struct sol *sol = calloc(1, sizeof(*sol));
	int r;

	if (!sol)
		return log_error_errno(-ENOMEM, "sol");
	sol->bmc = bmc;
	sol->ev = bmc->ev;
	sol->uart.fd = -1;
	bmc->sol = sol;
	r = solcfg_load(bmc->state_fd, &sol->cfg);
	if (r == 0)
		r = ring_init(&sol->history, SOL_HISTORY);
	if (r == 0)
		r = ring_init(&sol->txq, SOL_TXQ);
	if (r == 0)
		r = ring_init(&sol->rxq, SOL_RXQ);
	if (r == 0)
		r = sol_open_uart(sol);
	if (r < 0)
		return log_error_errno(r, "sol");
	r = sd_event_add_time(sol->ev, &sol->retry, CLOCK_MONOTONIC, 0, 1, sol_on_retry, sol);
	if (r == 0)
		r = sd_event_add_time(sol->ev, &sol->accum, CLOCK_MONOTONIC, 0, 1, sol_on_accum, sol);
	if (r < 0)
		return log_error_errno(r, "sol: timers");
	sol_disarm(sol->retry);
	sol_disarm(sol->accum);
	if (sol->uart.fd >= 0) {
		r = sol_add_uart_io(sol);
		if (r < 0)
			return r;
	}
	sol_apply_rate(sol);
	lan_set_payload_handler(bmc->lan, SOL_PAYLOAD_TYPE, sol_on_payload, sol);
	return 0;
}

void sol_done(struct bmc *bmc)
{
	struct sol *sol = bmc->sol;

	if (!sol)
		return;
	sol_deactivate(sol, false);
	if (bmc->lan)
		lan_set_payload_handler(bmc->lan, SOL_PAYLOAD_TYPE, NULL, NULL);
	sd_event_source_disable_unref(sol->retry);
	sd_event_source_disable_unref(sol->accum);
	sd_event_source_disable_unref(sol->uart_io);
	sd_event_source_disable_unref(sol->reopen);
	uart_close(&sol->uart);
	ring_free(&sol->history);
	ring_free(&sol->txq);
	ring_free(&sol->rxq);
	free(sol);
	bmc->sol = NULL;
}
