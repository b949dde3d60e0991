/* SPDX-License-Identifier: MIT */
/*
 * Redfish over HTTPS in the one sd-event loop: listening TCP sockets,
 * and per connection a TLS session (tls.c), an HTTP/1.1 parser (http1.c)
 * and an output buffer.  One request at a time per connection, answered by
 * rf_service_handle() before the next is parsed, so pipelined requests are
 * answered in order.  Bounds: connections (total and per source address),
 * a deadline per connection (handshake and request: request_timeout; kept
 * alive between requests: idle_timeout), and a budget of steps per
 * dispatch so that one busy peer does not starve the loop: the rest runs
 * from a defer source.  A connection waits for EPOLLIN only after OpenSSL
 * said SSL_ERROR_WANT_READ, so bytes it has read and not yet returned
 * (SSL_has_pending, for which no EPOLLIN comes) are never left behind: the
 * loop below reads until then, or the defer source goes on with it.
 * A streaming answer (resp->stream, the EventService's SSE) turns its
 * connection into a stream: no deadline, no more requests, events queued
 * by rf_stream_write() up to STREAM_OUT_MAX, past which it is dropped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "daemon/bmc.h"
#include "daemon/log.h"
#include "redfish/redfish.h"
#include "redfish/server.h"
#include "redfish/tls.h"
#include "redfish/ws.h"

#define LISTEN_BACKLOG 64
#define ACCEPT_BURST 16			/* accepts per EPOLLIN of a listening socket */
#define STEP_BUDGET 32			/* reads, writes and requests per dispatch */
#define IN_SIZE 16384			/* one TLS record */
#define STREAM_OUT_MAX 65536		/* a streaming connection's unsent bytes: past it, dropped */
#define STREAM_SNDBUF 65536		/* its kernel send buffer (no autotuning to megabytes) */

/* A streaming answer's connection, as the service sees it (rf_stream_write). */
struct rf_stream {
	struct rf_conn *c;
};

struct rf_conn {
	struct redfish *rf;
	struct rf_conn *next, **pprev;
	int fd;
	sd_event_source *io, *defer;
	struct tls_conn *tls;
	struct http1 http;
	struct http1_buf out;
	size_t out_off;
	char in[IN_SIZE];
	size_t in_off, in_len;
	struct sockaddr_storage addr;
	char peer[64];			/* "127.0.0.1:54321" */
	bool handshaken;
	bool in_request;		/* the deadline is the request's */
	bool closing;			/* close once out is written */
	bool read_eof;
	uint64_t deadline;		/* CLOCK_MONOTONIC usec */
	struct rf_ws *ws;		/* the connection speaks WebSocket (ws.c): the console */
	/* A streaming answer (SSE): no more requests, no deadline; drop when
	 * the reader falls STREAM_OUT_MAX behind. */
	bool streaming, drop;
	struct rf_stream stream;
};

static uint64_t now_usec(struct redfish *rf)
{
	return bmc_now(rf->bmc);
}

static void conn_free(struct rf_conn *c)
{
	struct redfish *rf = c->rf;

	*c->pprev = c->next;
	if (c->next)
		c->next->pprev = c->pprev;
	rf->n_conns--;
	rf_ws_free(c->ws);
	if (c->streaming && rf->svc)
		rf_service_stream_closed(rf->svc, &c->stream);
	tls_conn_free(c->tls);
	c->io = sd_event_source_disable_unref(c->io);
	c->defer = sd_event_source_disable_unref(c->defer);
	if (c->fd >= 0)
		close(c->fd);
	http1_done(&c->http);
	http1_buf_free(&c->out);
	free(c);
}

static void wait_for(struct rf_conn *c, int want)
{
	sd_event_source_set_io_events(c->io, want == TLS_WANT_WRITE ? EPOLLOUT : EPOLLIN);
}

static void set_idle(struct rf_conn *c)
{
	c->in_request = false;
	c->deadline = now_usec(c->rf) + c->rf->bmc->cfg.redfish.idle_timeout_s * 1000000ull;
}

/* A transport error: answer status, then close. */
static void conn_refuse(struct rf_conn *c, int status)
{
	log_debug("redfish: %s: %d %s", c->peer, status, http1_reason(status));
	if (http1_error(&c->out, status) < 0)
		c->out.len = 0;
	c->closing = true;
	c->in_off = c->in_len;
}

/* The WebSocket has output for the client, or must be dropped: run the
 * connection after the current event (never from inside sol's handler). */
static void conn_ws_wake(void *userdata)
{
	struct rf_conn *c = userdata;

	sd_event_source_set_enabled(c->defer, SD_EVENT_ONESHOT);
}

/* A request for the console: the upgrade, or its refusal (then close). */
static void conn_ws_upgrade(struct rf_conn *c, const struct rf_req *req)
{
	int one = 1, idle = 60, intvl = 10, cnt = 6;

	rf_ws_upgrade(c->rf->svc, &c->http, req, &c->out, conn_ws_wake, c, &c->ws);
	http1_next(&c->http);
	c->in_request = false;
	if (!c->ws) {
		c->closing = true;
		c->in_off = c->in_len;
		set_idle(c);
		return;
	}
	/* A console may sit idle for hours: no deadline, but TCP keepalive
	 * finds a peer that vanished (the console is held by one at a time).
	 * The bytes after the request (c->in) are its first frames. */
	c->deadline = UINT64_MAX;
	setsockopt(c->fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(c->fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(c->fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(c->fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

/* Frames from the client to the WebSocket. */
static void conn_ws_feed(struct rf_conn *c)
{
	if (rf_ws_feed(c->ws, (const uint8_t *)c->in + c->in_off, c->in_len - c->in_off))
		c->closing = true;
	c->in_off = c->in_len;
}

/* A streaming answer: its head now, its events as the service writes them
 * (rf_stream_write); whatever the client sends from now on is read and
 * dropped, and its close ends the stream. */
static void conn_stream(struct rf_conn *c, const struct rf_req *req, struct rf_resp *resp)
{
	int sndbuf = STREAM_SNDBUF;

	if (http1_stream_head(&c->out, resp) < 0) {
		log_error("redfish: %s: out of memory for a response", c->peer);
		c->out.len = c->out_off;
		c->closing = true;
		c->in_off = c->in_len;
		http1_next(&c->http);
		return;
	}
	setsockopt(c->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	c->streaming = true;
	c->stream.c = c;
	c->in_request = false;
	c->deadline = UINT64_MAX;
	c->in_off = c->in_len;
	rf_service_stream_open(c->rf->svc, &c->stream, req->path);
	http1_next(&c->http);
}

int rf_stream_write(struct rf_stream *s, const void *data, size_t len)
{
	struct rf_conn *c = s->c;

	if (c->closing || c->drop)
		return -1;
	if (len > STREAM_OUT_MAX - (c->out.len - c->out_off) ||
	    http1_buf_append(&c->out, data, len) < 0) {
		log_notice("redfish: %s: event stream reader too slow, dropped", c->peer);
		c->drop = true;
		sd_event_source_set_enabled(c->defer, SD_EVENT_ONESHOT);
		return -1;
	}
	sd_event_source_set_enabled(c->defer, SD_EVENT_ONESHOT);
	return 0;
}

/* The complete request to the service, its answer to out. */
static void conn_answer(struct rf_conn *c)
{
	struct redfish *rf = c->rf;
	struct rf_req req;
	struct rf_resp resp = { 0 };
	bool keep = c->http.keep_alive && !c->http.upgrade;
	int st = http1_request(&c->http, &req);

	if (st) {
		conn_refuse(c, st);
		return;
	}
	req.peer = c->peer;
	req.now_usec = now_usec(rf);
	if (rf_ws_is_console(&req)) {
		conn_ws_upgrade(c, &req);
		return;
	}
	rf_service_handle(rf->svc, &req, &resp);
	if (resp.stream && req.method != RF_HEAD && resp.status == 200) {
		conn_stream(c, &req, &resp);
		return;
	}
	if (http1_response(&c->out, &resp, req.method == RF_HEAD, keep,
			   c->http.p.http_minor == 0) < 0) {
		log_error("redfish: %s: out of memory for a response", c->peer);
		c->out.len = c->out_off;
		keep = false;
	}
	if (!keep) {
		c->closing = true;
		c->in_off = c->in_len;
	}
	http1_next(&c->http);
	set_idle(c);
}

/* Feed buffered input to the parser; answer a request when one is whole. */
static void conn_parse(struct rf_conn *c)
{
	size_t used = 0;
	int r = http1_feed(&c->http, c->in + c->in_off, c->in_len - c->in_off, &used);

	c->in_off += used;
	if (c->http.send_continue && r == 0) {
		static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";

		c->http.send_continue = false;
		if (http1_buf_append(&c->out, cont, sizeof(cont) - 1) < 0)
			c->closing = true;
	}
	if (http1_in_request(&c->http) && !c->in_request) {
		c->in_request = true;
		c->deadline = now_usec(c->rf) +
			      c->rf->bmc->cfg.redfish.request_timeout_s * 1000000ull;
	}
	if (r == 1)
		conn_answer(c);
	else if (r > 1)
		conn_refuse(c, r);
}

/* Do what can be done without waiting (c may be freed on return). */
static void conn_run(struct rf_conn *c)
{
	unsigned budget = STEP_BUDGET;
	ssize_t n;

	for (;;) {
		if (c->drop) {
			conn_free(c);
			return;
		}
		if (budget-- == 0) {
			/* More to do: later, after the other sources. */
			sd_event_source_set_enabled(c->defer, SD_EVENT_ONESHOT);
			return;
		}
		if (!c->handshaken) {
			int r = tls_handshake(c->tls);

			if (r == TLS_WANT_READ || r == TLS_WANT_WRITE) {
				wait_for(c, r);
				return;
			}
			if (r < 0) {
				log_debug("redfish: %s: TLS handshake failed: %s", c->peer,
					  tls_last_error(c->tls));
				conn_free(c);
				return;
			}
			c->handshaken = true;
			set_idle(c);
			continue;
		}
		if (c->ws && rf_ws_dead(c->ws)) {
			conn_free(c);
			return;
		}
		if (c->out_off < c->out.len) {
			n = tls_write(c->tls, c->out.data + c->out_off, c->out.len - c->out_off);
			if (n > 0) {
				c->out_off += (size_t)n;
				continue;
			}
			if (n == TLS_WANT_READ || n == TLS_WANT_WRITE) {
				wait_for(c, (int)n);
				return;
			}
			log_debug("redfish: %s: write failed: %s", c->peer, tls_last_error(c->tls));
			conn_free(c);
			return;
		}
		c->out.len = c->out_off = 0;
		if (c->closing) {
			conn_free(c);
			return;
		}
		if (c->in_off < c->in_len) {
			if (c->ws)
				conn_ws_feed(c);
			else if (c->streaming)
				c->in_off = c->in_len;
			else
				conn_parse(c);
			continue;
		}
		if (c->read_eof) {
			conn_free(c);
			return;
		}
		n = tls_read(c->tls, c->in, sizeof(c->in));
		if (n > 0) {
			c->in_off = 0;
			c->in_len = (size_t)n;
			continue;
		}
		if (n == TLS_WANT_READ || n == TLS_WANT_WRITE) {
			wait_for(c, (int)n);
			return;
		}
		if (n != TLS_EOF)
			log_debug("redfish: %s: read failed: %s", c->peer, tls_last_error(c->tls));
		/* Answer what was sent before the close, if anything is whole. */
		c->read_eof = true;
		if (http1_in_request(&c->http)) {
			conn_free(c);
			return;
		}
	}
}

static int on_conn_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct rf_conn *c = userdata;

	if ((revents & (EPOLLERR | EPOLLHUP)) && !(revents & EPOLLIN)) {
		conn_free(c);
		return 0;
	}
	conn_run(c);
	return 0;
}

static int on_conn_defer(sd_event_source *src, void *userdata)
{
	conn_run(userdata);
	return 0;
}

static void peer_text(const struct sockaddr_storage *ss, char *out, size_t size)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(out, size, "%s:%u", host, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(out, size, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else {
		snprintf(out, size, "?");
	}
}

static bool same_source(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		       &((const struct sockaddr_in6 *)b)->sin6_addr, sizeof(struct in6_addr));
}

/* Room for one more connection from addr? */
static bool admit(struct redfish *rf, const struct sockaddr_storage *addr)
{
	const struct cfg_redfish *cfg = &rf->bmc->cfg.redfish;
	unsigned same = 0;

	if (rf->n_conns >= cfg->max_connections)
		return false;
	for (struct rf_conn *c = rf->conns; c; c = c->next)
		if (same_source(&c->addr, addr))
			same++;
	return same < cfg->max_connections_per_source;
}

static void conn_new(struct redfish *rf, int fd, const struct sockaddr_storage *addr)
{
	struct rf_conn *c = calloc(1, sizeof(*c));
	int one = 1;

	if (!c) {
		close(fd);
		return;
	}
	c->rf = rf;
	c->fd = fd;
	c->addr = *addr;
	peer_text(addr, c->peer, sizeof(c->peer));
	c->next = rf->conns;
	c->pprev = &rf->conns;
	if (rf->conns)
		rf->conns->pprev = &c->next;
	rf->conns = c;
	rf->n_conns++;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->deadline = now_usec(rf) + rf->bmc->cfg.redfish.request_timeout_s * 1000000ull;
	c->tls = tls_conn_new(rf->tls, fd);
	if (!c->tls || http1_init(&c->http, &rf->lim) < 0 ||
	    sd_event_add_io(rf->bmc->ev, &c->io, fd, EPOLLIN, on_conn_io, c) < 0 ||
	    sd_event_add_defer(rf->bmc->ev, &c->defer, on_conn_defer, c) < 0) {
		log_error("redfish: %s: out of memory for a connection", c->peer);
		conn_free(c);
		return;
	}
	sd_event_source_set_enabled(c->defer, SD_EVENT_OFF);
	log_debug("redfish: %s: connected (%u open)", c->peer, rf->n_conns);
}

static int on_accept(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct redfish *rf = userdata;

	for (unsigned i = 0; i < ACCEPT_BURST; i++) {
		struct sockaddr_storage addr;
		socklen_t len = sizeof(addr);
		int cfd = accept4(fd, (struct sockaddr *)&addr, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (cfd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				log_warning_errno(-errno, "redfish: accept");
			return 0;
		}
		if (!admit(rf, &addr)) {
			/* Refused without a word: a TLS alert would cost a
			 * handshake.  Counted, logged once a second. */
			rf->refused++;
			close(cfd);
			continue;
		}
		conn_new(rf, cfd, &addr);
	}
	return 0;
}

static int listen_on(struct redfish *rf, const struct cfg_endpoint *ep)
{
	int one = 1, fd, r;

	fd = socket(ep->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return log_error_errno(-errno, "redfish: socket for %s", ep->text);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ep->addr.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)&ep->addr, ep->addrlen) < 0 ||
	    listen(fd, LISTEN_BACKLOG) < 0) {
		r = log_error_errno(-errno, "redfish: listen on %s", ep->text);
		close(fd);
		return r;
	}
	r = sd_event_add_io(rf->bmc->ev, &rf->listen[rf->n_listen], fd, EPOLLIN, on_accept, rf);
	if (r < 0) {
		close(fd);
		return log_error_errno(r, "redfish: listen on %s", ep->text);
	}
	sd_event_source_set_io_fd_own(rf->listen[rf->n_listen], 1);
	rf->n_listen++;
	log_info("redfish: listening on https://%s", ep->text);
	return 0;
}

int redfish_start(struct redfish *rf, struct bmc *bmc)
{
	const struct cfg_redfish *cfg = &bmc->cfg.redfish;
	int r;

	rf->bmc = bmc;
	if (!cfg->enabled)
		return 0;
	rf->lim = (struct http1_limits){
		.max_url = cfg->max_url,
		.max_header_bytes = cfg->max_header_bytes,
		.max_headers = cfg->max_headers,
		.max_body = cfg->max_body,
	};
	rf->tls = tls_ctx_new(bmc->state_fd, cfg->cert, cfg->key,
			      bmc->cfg.name[0] ? bmc->cfg.name : "bmcd");
	if (!rf->tls)
		return -EINVAL;
	rf->svc = rf_service_new(bmc);
	if (!rf->svc)
		return -ENOMEM;
	for (unsigned i = 0; i < cfg->n_listen; i++) {
		r = listen_on(rf, &cfg->listen[i]);
		if (r < 0)
			return r;
	}
	return 0;
}

void redfish_stop(struct redfish *rf)
{
	while (rf->conns)
		conn_free(rf->conns);
	while (rf->n_listen > 0) {
		rf->n_listen--;
		rf->listen[rf->n_listen] = sd_event_source_disable_unref(rf->listen[rf->n_listen]);
	}
	if (rf->svc)
		rf_service_free(rf->svc);
	rf->svc = NULL;
	tls_ctx_free(rf->tls);
	rf->tls = NULL;
}

void redfish_tick(struct redfish *rf, uint64_t now)
{
	struct rf_conn *c, *next;

	if (!rf->svc)
		return;
	for (c = rf->conns; c; c = next) {
		next = c->next;
		if (now >= c->deadline) {
			log_debug("redfish: %s: %s timed out", c->peer,
				  !c->handshaken ? "TLS handshake" : c->in_request ? "request" : "idle connection");
			conn_free(c);
		}
	}
	if (rf->refused) {
		log_notice("redfish: refused %u connection%s (at most %u, %u per source)", rf->refused,
			   rf->refused == 1 ? "" : "s", rf->bmc->cfg.redfish.max_connections,
			   rf->bmc->cfg.redfish.max_connections_per_source);
		rf->refused = 0;
	}
	rf_service_tick(rf->svc, now);
}
