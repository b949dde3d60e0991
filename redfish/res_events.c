/* SPDX-License-Identifier: MIT */
/*
 * The Redfish EventService (issue 18): /redfish/v1/EventService, its
 * Subscriptions (push delivery by HTTP POST, retried, a bounded queue each)
 * and its Server-Sent Event stream; the module events (SEL records, sensor
 * thresholds, power) become Redfish Events with the ResourceEvent
 * registry's MessageIds.  Everything runs in the one loop: a delivery is a
 * non-blocking connect, an optional TLS handshake (OpenSSL, the peer's
 * certificate not verified), one POST and its status line.
 * docs/redfish.md, "EventService".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-event.h>

#include "daemon/bmc.h"
#include "daemon/log.h"
#include "daemon/module.h"
#include "redfish/events.h"
#include "redfish/redfish.h"
#include "redfish/res.h"
#include "redfish/service.h"
#include "redfish/tls.h"
#include "sensors/conv.h"
#include "sensors/sensors.h"

#define EVENT_SERVICE "/redfish/v1/EventService"
#define SUBSCRIPTIONS EVENT_SERVICE "/Subscriptions"
#define SSE_URI EVENT_SERVICE "/SSE"
#define SUBMIT_TEST EVENT_SERVICE "/Actions/EventService.SubmitTestEvent"
#define RESOURCE_EVENT "ResourceEvent.1.3.0."

#define EV_SUBS_MAX 8			/* subscriptions */
#define EV_STREAMS_MAX 4		/* open SSE streams */
#define EV_QUEUE_MAX 16			/* undelivered events per subscription */
#define EV_FILTER_MAX 8			/* RegistryPrefixes / ResourceTypes entries */
#define EV_FILTER_LEN 48
#define EV_DEST_MAX 256
#define EV_CONTEXT_MAX 256
#define EV_RETRY_ATTEMPTS_DEFAULT 3
#define EV_RETRY_ATTEMPTS_MAX 10
#define EV_RETRY_INTERVAL_DEFAULT 30
#define EV_RETRY_INTERVAL_MAX 3600
#define EV_DELIVERY_TIMEOUT_S 10	/* connect, TLS, POST and answer */
#define EV_TEXT_MAX 1024		/* a test event's Message, MessageId, each MessageArgs */
#define EV_ARGS_MAX 8
#define EV_KEEPALIVE_S 15		/* an SSE comment when nothing else was sent */

enum ev_state {
	EV_IDLE,			/* nothing in flight */
	EV_BUSY,			/* a POST in flight */
	EV_WAIT,			/* a retry at next_usec */
};

struct ev_sub {
	struct rf_events *ev;
	bool used;
	unsigned id;
	char dest[EV_DEST_MAX + 1];
	char context[EV_CONTEXT_MAX + 1];
	char prefixes[EV_FILTER_MAX][EV_FILTER_LEN];
	unsigned n_prefixes;
	char types[EV_FILTER_MAX][EV_FILTER_LEN];
	unsigned n_types;
	/* Destination, parsed. */
	bool https;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char hostport[80];		/* the Host header */
	const char *path;		/* into dest */
	/* Undelivered events, oldest first (a ring). */
	char *queue[EV_QUEUE_MAX];
	unsigned q_head, q_len;
	unsigned long dropped;
	/* Delivery. */
	enum ev_state state;
	unsigned attempt;		/* failed attempts of the head event */
	uint64_t next_usec;		/* EV_WAIT: retry; EV_BUSY: deadline */
	bool failing;			/* logged once until a delivery succeeds */
	int fd;
	sd_event_source *io;
	struct tls_conn *tls;		/* https: the session over fd */
	bool connected, handshaken;
	char *out;
	size_t out_len, out_off;
	char in[64];
	size_t in_len;
};

struct rf_events {
	struct bmc *bmc;
	bool enabled;
	unsigned retry_attempts, retry_interval_s;
	unsigned long seq;		/* EventId of the last event */
	unsigned next_sub_id;
	struct ev_sub subs[EV_SUBS_MAX];
	struct rf_stream *streams[EV_STREAMS_MAX];
	uint64_t last_sent_usec;	/* for keep-alive comments */
	struct tls_ctx *tls;		/* the https client's context, made on first use */
};

static struct rf_events *events_of(struct rf_ctx *ctx)
{
	return ctx->svc->events;
}

/* ------------------------------------------------------------------ */
/* Push delivery                                                        */

static void sub_close(struct ev_sub *s)
{
	tls_conn_free(s->tls);
	s->tls = NULL;
	s->io = sd_event_source_disable_unref(s->io);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->out);
	s->out = NULL;
	s->out_len = s->out_off = s->in_len = 0;
	s->connected = s->handshaken = false;
}

static void queue_pop(struct ev_sub *s)
{
	if (!s->q_len)
		return;
	free(s->queue[s->q_head]);
	s->queue[s->q_head] = NULL;
	s->q_head = (s->q_head + 1) % EV_QUEUE_MAX;
	s->q_len--;
}

static void sub_start(struct ev_sub *s, uint64_t now);

/* The head event's attempt ended. */
static void sub_done(struct ev_sub *s, bool ok, const char *why)
{
	struct rf_events *ev = s->ev;
	uint64_t now = bmc_now(ev->bmc);

	sub_close(s);
	s->state = EV_IDLE;
	if (ok) {
		if (s->failing)
			log_info("redfish: event subscription %u: %s://%s accepts events again",
				 s->id, s->https ? "https" : "http", s->hostport);
		s->failing = false;
		s->attempt = 0;
		queue_pop(s);
		sub_start(s, now);
		return;
	}
	s->attempt++;
	if (s->attempt <= ev->retry_attempts) {
		s->state = EV_WAIT;
		s->next_usec = now + ev->retry_interval_s * 1000000ull;
		return;
	}
	if (!s->failing)
		log_warning("redfish: event subscription %u: delivery to %s://%s failed (%s) after "
			    "%u attempts; events to it are dropped until it answers", s->id,
			    s->https ? "https" : "http", s->hostport, why, s->attempt);
	s->failing = true;
	s->dropped++;
	s->attempt = 0;
	queue_pop(s);
	/* The next event waits an interval too: a dead receiver costs one
	 * connection attempt per interval, not a burst. */
	if (s->q_len) {
		s->state = EV_WAIT;
		s->next_usec = now + ev->retry_interval_s * 1000000ull;
	}
}

/* The status line of the answer: 2xx is delivered. */
static void sub_check_answer(struct ev_sub *s)
{
	int status = 0;

	if (s->in_len >= 12 && !memcmp(s->in, "HTTP/1.", 7))
		status = atoi(s->in + 9);
	if (status >= 200 && status <= 299) {
		sub_done(s, true, NULL);
	} else {
		char why[32];

		snprintf(why, sizeof(why), status ? "HTTP status %d" : "no HTTP answer", status);
		sub_done(s, false, why);
	}
}

static int on_sub_io(sd_event_source *src, int fd, uint32_t revents, void *userdata);

/* After a TLS_* result: true when the attempt now waits for its socket. */
static bool sub_tls_wait(struct ev_sub *s, ssize_t r)
{
	if (r != TLS_WANT_READ && r != TLS_WANT_WRITE)
		return false;
	sd_event_source_set_io_events(s->io, r == TLS_WANT_READ ? EPOLLIN : EPOLLOUT);
	return true;
}

/* Go on with the attempt until it waits or ends (s->state may change). */
static void sub_run(struct ev_sub *s)
{
	ssize_t n;
	int r;

	if (!s->connected) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			err = errno;
		if (err) {
			sub_done(s, false, strerror(err));
			return;
		}
		s->connected = true;
		if (s->https) {
			if (!s->ev->tls)
				s->ev->tls = tls_client_ctx_new();
			s->tls = s->ev->tls ? tls_conn_new(s->ev->tls, s->fd) : NULL;
			if (!s->tls) {
				sub_done(s, false, "no TLS session");
				return;
			}
		}
	}
	if (s->tls && !s->handshaken) {
		r = tls_handshake(s->tls);
		if (r < 0) {
			if (!sub_tls_wait(s, r))
				sub_done(s, false, "TLS handshake failed");
			return;
		}
		s->handshaken = true;
	}
	while (s->out_off < s->out_len) {
		if (s->tls) {
			n = tls_write(s->tls, s->out + s->out_off, s->out_len - s->out_off);
			if (n < 0) {
				if (!sub_tls_wait(s, n))
					sub_done(s, false, "TLS write failed");
				return;
			}
		} else {
			n = send(s->fd, s->out + s->out_off, s->out_len - s->out_off, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR) {
					sd_event_source_set_io_events(s->io, EPOLLOUT);
					return;
				}
				sub_done(s, false, strerror(errno));
				return;
			}
		}
		s->out_off += (size_t)n;
	}
	/* The status line is all we need from the answer. */
	while (s->in_len < sizeof(s->in) && !memchr(s->in, '\n', s->in_len)) {
		if (s->tls) {
			n = tls_read(s->tls, s->in + s->in_len, sizeof(s->in) - s->in_len);
			if (n < 0) {
				if (sub_tls_wait(s, n))
					return;
				break;
			}
		} else {
			n = recv(s->fd, s->in + s->in_len, sizeof(s->in) - s->in_len, 0);
			if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
				sd_event_source_set_io_events(s->io, EPOLLIN);
				return;
			}
			if (n <= 0)
				break;
		}
		s->in_len += (size_t)n;
	}
	sub_check_answer(s);
}

static int on_sub_io(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	sub_run(userdata);
	return 0;
}

/* Start delivering the head event, if there is one and nothing is in flight. */
static void sub_start(struct ev_sub *s, uint64_t now)
{
	const char *body;
	size_t blen, cap;
	int r;

	if (s->state != EV_IDLE || !s->q_len)
		return;
	body = s->queue[s->q_head];
	blen = strlen(body);
	cap = blen + strlen(s->path) + sizeof(s->hostport) + 256;
	s->out = malloc(cap);
	if (!s->out) {
		log_error("redfish: event subscription %u: out of memory", s->id);
		return;
	}
	r = snprintf(s->out, cap, "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: bmcd\r\n"
		     "Content-Type: application/json; charset=utf-8\r\nContent-Length: %zu\r\n"
		     "Connection: close\r\n\r\n%s", s->path, s->hostport, blen, body);
	if (r < 0 || (size_t)r >= cap) {
		free(s->out);
		s->out = NULL;
		return;
	}
	s->out_len = (size_t)r;
	s->out_off = s->in_len = 0;
	s->state = EV_BUSY;
	s->next_usec = now + EV_DELIVERY_TIMEOUT_S * 1000000ull;
	s->fd = socket(s->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		sub_done(s, false, strerror(errno));
		return;
	}
	if (connect(s->fd, (const struct sockaddr *)&s->addr, s->addrlen) < 0 &&
	    errno != EINPROGRESS) {
		sub_done(s, false, strerror(errno));
		return;
	}
	r = sd_event_add_io(s->ev->bmc->ev, &s->io, s->fd, EPOLLOUT, on_sub_io, s);
	if (r < 0) {
		sub_done(s, false, strerror(-r));
		return;
	}
}

static void sub_free(struct ev_sub *s)
{
	sub_close(s);
	while (s->q_len)
		queue_pop(s);
	s->used = false;
	s->state = EV_IDLE;
}

static void sub_enqueue(struct ev_sub *s, const char *text)
{
	char *copy = strdup(text);

	if (!copy)
		return;
	if (s->q_len == EV_QUEUE_MAX) {
		/* The oldest goes, unless it is in flight: then the next. */
		unsigned victim = (s->q_head + (s->state == EV_BUSY ? 1 : 0)) % EV_QUEUE_MAX;

		free(s->queue[victim]);
		if (victim == s->q_head) {
			s->q_head = (s->q_head + 1) % EV_QUEUE_MAX;
		} else {
			for (unsigned i = 1; i + 1 < s->q_len; i++)
				s->queue[(s->q_head + i) % EV_QUEUE_MAX] =
					s->queue[(s->q_head + i + 1) % EV_QUEUE_MAX];
		}
		s->q_len--;
		s->dropped++;
	}
	s->queue[(s->q_head + s->q_len) % EV_QUEUE_MAX] = copy;
	s->q_len++;
	sub_start(s, bmc_now(s->ev->bmc));
}

/* ------------------------------------------------------------------ */
/* Events                                                               */

static bool sub_wants(const struct ev_sub *s, const char *message_id, const char *type)
{
	bool ok = !s->n_prefixes;

	for (unsigned i = 0; i < s->n_prefixes && !ok; i++) {
		size_t n = strlen(s->prefixes[i]);

		ok = !strncmp(message_id, s->prefixes[i], n) && message_id[n] == '.';
	}
	if (!ok)
		return false;
	if (!s->n_types || !type)
		return true;
	for (unsigned i = 0; i < s->n_types; i++)
		if (!strcmp(s->types[i], type))
			return true;
	return false;
}

static void stream_drop(struct rf_events *ev, unsigned i)
{
	ev->streams[i] = NULL;
}

/* One event record to every stream and every subscription that wants it
 * (takes the reference of rec).  type: the origin's resource type, for
 * ResourceTypes filters (NULL: every subscription). */
static void emit(struct rf_events *ev, json_object *rec, const char *type)
{
	json_object *mid, *env, *events;
	const char *message_id;
	char id[24];

	if (!ev->enabled) {
		json_object_put(rec);
		return;
	}
	json_object_object_get_ex(rec, "MessageId", &mid);
	message_id = json_object_get_string(mid);
	snprintf(id, sizeof(id), "%lu", ev->seq);
	env = json_object_new_object();
	events = json_object_new_array();
	json_object_object_add(env, "@odata.type", json_object_new_string("#Event.v1_7_0.Event"));
	json_object_object_add(env, "Id", json_object_new_string(id));
	json_object_object_add(env, "Name", json_object_new_string("Event"));
	json_object_array_add(events, rec);
	json_object_object_add(env, "Events", events);

	for (unsigned i = 0; i < EV_STREAMS_MAX; i++) {
		const char *text;
		char *line;
		size_t len;

		if (!ev->streams[i])
			continue;
		text = json_object_to_json_string_ext(env, JSON_C_TO_STRING_PLAIN);
		len = strlen(text) + 64;
		line = malloc(len);
		if (!line)
			continue;
		len = (size_t)snprintf(line, len, "id: %s\ndata: %s\n\n", id, text);
		if (rf_stream_write(ev->streams[i], line, len) < 0)
			stream_drop(ev, i);
		free(line);
		ev->last_sent_usec = bmc_now(ev->bmc);
	}
	for (unsigned i = 0; i < EV_SUBS_MAX; i++) {
		struct ev_sub *s = &ev->subs[i];

		if (!s->used || !sub_wants(s, message_id ? message_id : "", type))
			continue;
		json_object_object_add(env, "Context", json_object_new_string(s->context));
		sub_enqueue(s, json_object_to_json_string_ext(env, JSON_C_TO_STRING_PLAIN));
	}
	json_object_put(env);
}

/* An event record: EventId (the next), EventTimestamp (now), the message
 * and its arguments (n of them), OriginOfCondition. */
static json_object *record(struct rf_events *ev, const char *message_id, const char *severity,
			   const char *message, unsigned n, const char *const *args,
			   const char *origin)
{
	json_object *r = json_object_new_object(), *a = json_object_new_array();
	char id[24], when[RES_DATETIME_LEN];

	ev->seq++;
	snprintf(id, sizeof(id), "%lu", ev->seq);
	res_datetime((uint64_t)time(NULL), 0, when);
	json_object_object_add(r, "EventId", json_object_new_string(id));
	json_object_object_add(r, "EventTimestamp", json_object_new_string(when));
	json_object_object_add(r, "EventType", json_object_new_string("Other"));
	json_object_object_add(r, "Severity", json_object_new_string(severity));
	json_object_object_add(r, "MessageSeverity", json_object_new_string(severity));
	json_object_object_add(r, "Message", json_object_new_string(message));
	json_object_object_add(r, "MessageId", json_object_new_string(message_id));
	for (unsigned i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(args[i]));
	json_object_object_add(r, "MessageArgs", a);
	if (origin)
		rf_link(r, "OriginOfCondition", origin);
	return r;
}

void rf_events_on_sel(struct rf_service *svc, const uint8_t rec[16])
{
	struct rf_events *ev = svc ? svc->events : NULL;
	char origin[128];

	/* Record ID 0 never names a record: the SEL did not keep this one
	 * (full, or logging off), so no LogEntry was created. */
	if (!ev || !(rec[0] | rec[1]))
		return;
	snprintf(origin, sizeof(origin), RES_MANAGER "/LogServices/SEL/Entries/%u",
		 rec[0] | rec[1] << 8);
	emit(ev, record(ev, RESOURCE_EVENT "ResourceCreated", "OK",
			"The resource has been created successfully.", 0, NULL, origin), "LogEntry");
}

void rf_events_on_power(struct rf_service *svc, enum power_event pev)
{
	struct rf_events *ev = svc ? svc->events : NULL;
	const char *const args[] = { RES_SYSTEM, "PowerState", "the power transition failed" };
	char msg[160];

	if (!ev)
		return;
	switch (pev) {
	case POWER_EV_ON:
		snprintf(msg, sizeof(msg), "The resource `%s` has powered on.", args[0]);
		emit(ev, record(ev, RESOURCE_EVENT "ResourcePoweredOn", "OK", msg, 1, args,
				RES_SYSTEM), "ComputerSystem");
		break;
	case POWER_EV_OFF:
		snprintf(msg, sizeof(msg), "The resource `%s` has powered off.", args[0]);
		emit(ev, record(ev, RESOURCE_EVENT "ResourcePoweredOff", "OK", msg, 1, args,
				RES_SYSTEM), "ComputerSystem");
		break;
	case POWER_EV_RESET:
		emit(ev, record(ev, RESOURCE_EVENT "ResourceChanged", "OK",
				"One or more resource properties have changed.", 0, NULL, RES_SYSTEM),
		     "ComputerSystem");
		break;
	case POWER_EV_FAULT:
		snprintf(msg, sizeof(msg), "The resource property %s has detected errors of type "
			 "'%s'.", args[1], args[2]);
		emit(ev, record(ev, RESOURCE_EVENT "ResourceErrorsDetected", "Warning", msg, 2,
				args + 1, RES_SYSTEM), "ComputerSystem");
		break;
	}
}

void rf_events_on_sensor(struct rf_service *svc, const struct sensor_event *e)
{
	struct rf_events *ev = svc ? svc->events : NULL;
	const struct cfg_sensor *cfg;
	char value[32], msg[192], origin[128];
	const char *args[2], *id, *severity;
	unsigned off;
	bool warn;

	if (!ev || !e->sensor || !e->sensor->cfg)
		return;
	cfg = e->sensor->cfg;
	args[0] = "Reading";
	res_sensor_link(ev->bmc, e->sensor, origin, sizeof(origin));
	if (!cfg->threshold) {
		emit(ev, record(ev, RESOURCE_EVENT "ResourceChanged", "OK",
				"One or more resource properties have changed.", 0, NULL,
				origin), "Sensor");
		return;
	}
	/* Event data 1, low nibble: the threshold crossed (IPMI 2.0 table
	 * 29-6), two offsets (going low, going high) per threshold. */
	off = (e->ed1 & 0x0f) / 2;
	if (off >= THR_COUNT)
		return;
	warn = off == THR_LNC || off == THR_UNC;
	snprintf(value, sizeof(value), "%g", conv_to_value(&e->sensor->conv, e->sensor->thr[off]));
	args[1] = value;
	if (warn) {
		id = e->deassert ? RESOURCE_EVENT "ResourceWarningThresholdCleared" :
				   RESOURCE_EVENT "ResourceWarningThresholdExceeded";
		severity = e->deassert ? "OK" : "Warning";
		snprintf(msg, sizeof(msg), e->deassert ?
			 "The resource property %s has cleared the warning threshold of value %s." :
			 "The resource property %s has exceeded its warning threshold of value %s.",
			 args[0], args[1]);
	} else {
		id = e->deassert ? RESOURCE_EVENT "ResourceErrorThresholdCleared" :
				   RESOURCE_EVENT "ResourceErrorThresholdExceeded";
		severity = e->deassert ? "OK" : "Critical";
		snprintf(msg, sizeof(msg), e->deassert ?
			 "The resource property %s has cleared the error threshold of value %s." :
			 "The resource property %s has exceeded error threshold of value %s.",
			 args[0], args[1]);
	}
	emit(ev, record(ev, id, severity, msg, 2, args, origin), "Sensor");
}

/* ------------------------------------------------------------------ */
/* The streams (the transport's side: server.c)                         */

void rf_service_stream_open(struct rf_service *svc, struct rf_stream *st, const char *path)
{
	struct rf_events *ev = svc->events;
	static const char hello[] = ": bmcd event stream\n\n";

	for (unsigned i = 0; i < EV_STREAMS_MAX; i++)
		if (!ev->streams[i]) {
			ev->streams[i] = st;
			if (rf_stream_write(st, hello, sizeof(hello) - 1) < 0)
				stream_drop(ev, i);
			return;
		}
	/* The handler checked for room: cannot happen; the stream stays silent. */
	log_error("redfish: no room for an event stream");
}

void rf_service_stream_closed(struct rf_service *svc, struct rf_stream *st)
{
	struct rf_events *ev = svc->events;

	for (unsigned i = 0; i < EV_STREAMS_MAX; i++)
		if (ev->streams[i] == st)
			stream_drop(ev, i);
}

static unsigned streams_open(const struct rf_events *ev)
{
	unsigned n = 0;

	for (unsigned i = 0; i < EV_STREAMS_MAX; i++)
		n += ev->streams[i] != NULL;
	return n;
}

/* ------------------------------------------------------------------ */
/* Life                                                                 */

struct rf_events *rf_events_new(struct bmc *bmc)
{
	struct rf_events *ev = calloc(1, sizeof(*ev));

	if (!ev) {
		log_error("redfish: out of memory for the event service");
		return NULL;
	}
	ev->bmc = bmc;
	ev->enabled = true;
	ev->retry_attempts = EV_RETRY_ATTEMPTS_DEFAULT;
	ev->retry_interval_s = EV_RETRY_INTERVAL_DEFAULT;
	for (unsigned i = 0; i < EV_SUBS_MAX; i++) {
		ev->subs[i].ev = ev;
		ev->subs[i].fd = -1;
	}
	return ev;
}

void rf_events_free(struct rf_events *ev)
{
	if (!ev)
		return;
	for (unsigned i = 0; i < EV_SUBS_MAX; i++)
		sub_free(&ev->subs[i]);
	tls_ctx_free(ev->tls);
	free(ev);
}

void rf_events_tick(struct rf_events *ev, uint64_t now)
{
	if (!ev)
		return;
	for (unsigned i = 0; i < EV_SUBS_MAX; i++) {
		struct ev_sub *s = &ev->subs[i];

		if (!s->used)
			continue;
		if (s->state == EV_BUSY && now >= s->next_usec)
			sub_done(s, false, "timed out");
		else if (s->state == EV_WAIT && now >= s->next_usec) {
			s->state = EV_IDLE;
			sub_start(s, now);
		}
	}
	if (now - ev->last_sent_usec >= EV_KEEPALIVE_S * 1000000ull) {
		static const char keepalive[] = ": keep-alive\n\n";

		for (unsigned i = 0; i < EV_STREAMS_MAX; i++)
			if (ev->streams[i] &&
			    rf_stream_write(ev->streams[i], keepalive, sizeof(keepalive) - 1) < 0)
				stream_drop(ev, i);
		ev->last_sent_usec = now;
	}
}

/* ------------------------------------------------------------------ */
/* Resources                                                            */

static json_object *string_array(const char (*v)[EV_FILTER_LEN], unsigned n)
{
	json_object *a = json_object_new_array();

	for (unsigned i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static const char *const registry_prefixes[] = { "ResourceEvent", "Base", NULL };
static const char *const resource_types[] = { "LogEntry", "ComputerSystem", "Sensor", NULL };

static int service_get(struct rf_ctx *ctx)
{
	/* The stream takes no $filter: every property unsupported. */
	static const char *const sse_props[] = {
		"EventFormatType", "MessageId", "MetricReportDefinition", "OriginResource",
		"RegistryPrefix", "ResourceType", "SubordinateResources", NULL,
	};
	struct rf_events *ev = events_of(ctx);
	json_object *o = rf_object(EVENT_SERVICE, "#EventService.v1_10_0.EventService",
				   "EventService", "Event Service");
	json_object *a, *sse = json_object_new_object(), *act = json_object_new_object();
	json_object *t = json_object_new_object();

	json_object_object_add(o, "ServiceEnabled", json_object_new_boolean(ev->enabled));
	json_object_object_add(o, "Status", res_status(ev->enabled ? "Enabled" : "Disabled", "OK"));
	json_object_object_add(o, "DeliveryRetryAttempts", json_object_new_int((int)ev->retry_attempts));
	json_object_object_add(o, "DeliveryRetryIntervalSeconds",
			       json_object_new_int((int)ev->retry_interval_s));
	a = json_object_new_array();
	json_object_array_add(a, json_object_new_string("Event"));
	json_object_object_add(o, "EventFormatTypes", a);
	a = json_object_new_array();
	for (unsigned i = 0; registry_prefixes[i]; i++)
		json_object_array_add(a, json_object_new_string(registry_prefixes[i]));
	json_object_object_add(o, "RegistryPrefixes", a);
	a = json_object_new_array();
	for (unsigned i = 0; resource_types[i]; i++)
		json_object_array_add(a, json_object_new_string(resource_types[i]));
	json_object_object_add(o, "ResourceTypes", a);
	json_object_object_add(o, "ServerSentEventUri", json_object_new_string(SSE_URI));
	for (unsigned i = 0; sse_props[i]; i++)
		json_object_object_add(sse, sse_props[i], json_object_new_boolean(0));
	json_object_object_add(o, "SSEFilterPropertiesSupported", sse);
	json_object_object_add(o, "Subscriptions", res_link(SUBSCRIPTIONS));
	json_object_object_add(t, "target", json_object_new_string(SUBMIT_TEST));
	json_object_object_add(act, "#EventService.SubmitTestEvent", t);
	json_object_object_add(o, "Actions", act);
	rf_json(ctx, 200, o);
	return 0;
}

static int service_patch(struct rf_ctx *ctx)
{
	static const char *const known[] = {
		"ServiceEnabled", "DeliveryRetryAttempts", "DeliveryRetryIntervalSeconds", NULL,
	};
	struct rf_events *ev = events_of(ctx);
	json_object *v;
	int64_t attempts = ev->retry_attempts, interval = ev->retry_interval_s;
	bool enabled = ev->enabled;

	if (res_check_keys(ctx, ctx->body, known) < 0)
		return -1;
	if (json_object_object_get_ex(ctx->body, "ServiceEnabled", &v)) {
		if (rf_want_bool(ctx, v, "ServiceEnabled") < 0)
			return -1;
		enabled = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(ctx->body, "DeliveryRetryAttempts", &v)) {
		if (rf_want_int(ctx, v, "DeliveryRetryAttempts") < 0)
			return -1;
		attempts = json_object_get_int64(v);
		if (attempts < 0 || attempts > EV_RETRY_ATTEMPTS_MAX)
			return rf_error(ctx, 400, "PropertyValueOutOfRange", rf_value_text(v),
					"DeliveryRetryAttempts");
	}
	if (json_object_object_get_ex(ctx->body, "DeliveryRetryIntervalSeconds", &v)) {
		if (rf_want_int(ctx, v, "DeliveryRetryIntervalSeconds") < 0)
			return -1;
		interval = json_object_get_int64(v);
		if (interval < 1 || interval > EV_RETRY_INTERVAL_MAX)
			return rf_error(ctx, 400, "PropertyValueOutOfRange", rf_value_text(v),
					"DeliveryRetryIntervalSeconds");
	}
	ev->enabled = enabled;
	ev->retry_attempts = (unsigned)attempts;
	ev->retry_interval_s = (unsigned)interval;
	return service_get(ctx);
}

static int sse_get(struct rf_ctx *ctx)
{
	struct rf_events *ev = events_of(ctx);

	if (ctx->req->query)
		return rf_error(ctx, 400, "QueryNotSupported", NULL, NULL);
	if (!ev->enabled || streams_open(ev) >= EV_STREAMS_MAX)
		return rf_error(ctx, 503, "GeneralError", NULL, NULL);
	ctx->resp->status = 200;
	ctx->resp->stream = true;
	ctx->resp->content_type = "text/event-stream";
	return 0;
}

static struct ev_sub *sub_find(struct rf_events *ev, const char *id)
{
	char *end;
	unsigned long n = strtoul(id, &end, 10);

	if (*end || id[0] < '1' || id[0] > '9')
		return NULL;
	for (unsigned i = 0; i < EV_SUBS_MAX; i++)
		if (ev->subs[i].used && ev->subs[i].id == n)
			return &ev->subs[i];
	return NULL;
}

static void sub_link(const struct ev_sub *s, char *out, size_t size)
{
	snprintf(out, size, SUBSCRIPTIONS "/%u", s->id);
}

static json_object *sub_json(const struct ev_sub *s)
{
	char link[96], id[16];
	json_object *o, *a;

	sub_link(s, link, sizeof(link));
	snprintf(id, sizeof(id), "%u", s->id);
	o = rf_object(link, "#EventDestination.v1_13_0.EventDestination", id,
		      "Event Subscription");
	json_object_object_add(o, "Destination", json_object_new_string(s->dest));
	json_object_object_add(o, "Context", json_object_new_string(s->context));
	json_object_object_add(o, "Protocol", json_object_new_string("Redfish"));
	json_object_object_add(o, "SubscriptionType", json_object_new_string("RedfishEvent"));
	json_object_object_add(o, "EventFormatType", json_object_new_string("Event"));
	json_object_object_add(o, "RegistryPrefixes", string_array(s->prefixes, s->n_prefixes));
	json_object_object_add(o, "ResourceTypes", string_array(s->types, s->n_types));
	json_object_object_add(o, "Status", res_status(s->failing ? "StandbyOffline" : "Enabled",
						       s->failing ? "Warning" : "OK"));
	a = json_object_new_object();
	json_object_object_add(a, "EventsDropped", json_object_new_int64((int64_t)s->dropped));
	json_object_object_add(a, "EventsQueued", json_object_new_int((int)s->q_len));
	json_object_object_add(o, "Oem", json_object_new_object());
	json_object_object_add(json_object_object_get(o, "Oem"), "bmcd", a);
	return o;
}

static int subs_get(struct rf_ctx *ctx)
{
	struct rf_events *ev = events_of(ctx);
	json_object *c = rf_collection(SUBSCRIPTIONS,
				       "#EventDestinationCollection.EventDestinationCollection",
				       "Event Subscriptions");
	char link[96];

	for (unsigned i = 0; i < EV_SUBS_MAX; i++)
		if (ev->subs[i].used) {
			sub_link(&ev->subs[i], link, sizeof(link));
			rf_collection_add(c, link);
		}
	rf_json(ctx, 200, c);
	return 0;
}

/* Destination: http:// or https://, an IP address (no name lookups in the
 * loop), an optional port, a path. */
static bool dest_parse(struct ev_sub *s, const char *url)
{
	const char *p, *host, *host_end, *path;
	char hbuf[64];
	unsigned long port;
	size_t hlen;

	if (!strncmp(url, "http://", 7)) {
		s->https = false;
		p = url + 7;
		port = 80;
	} else if (!strncmp(url, "https://", 8)) {
		s->https = true;
		p = url + 8;
		port = 443;
	} else {
		return false;
	}
	for (const char *c = url; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return false;
	if (*p == '[') {
		host = p + 1;
		host_end = strchr(host, ']');
		if (!host_end)
			return false;
		p = host_end + 1;
	} else {
		host = p;
		host_end = p + strcspn(p, ":/?#");
		p = host_end;
	}
	hlen = (size_t)(host_end - host);
	if (!hlen || hlen >= sizeof(hbuf))
		return false;
	memcpy(hbuf, host, hlen);
	hbuf[hlen] = '\0';
	if (*p == ':') {
		char *end;

		if (p[1] < '0' || p[1] > '9')
			return false;
		port = strtoul(p + 1, &end, 10);
		if (port < 1 || port > 65535)
			return false;
		p = end;
	}
	if (*p && *p != '/')
		return false;
	path = *p ? p : "/";
	memset(&s->addr, 0, sizeof(s->addr));
	if (host[-1] != '[') {
		struct sockaddr_in *sin = (struct sockaddr_in *)&s->addr;

		if (inet_pton(AF_INET, hbuf, &sin->sin_addr) != 1)
			return false;
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		s->addrlen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&s->addr;

		if (inet_pton(AF_INET6, hbuf, &sin6->sin6_addr) != 1)
			return false;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		s->addrlen = sizeof(*sin6);
	}
	snprintf(s->hostport, sizeof(s->hostport), host[-1] == '[' ? "[%s]:%lu" : "%s:%lu", hbuf,
		 port);
	snprintf(s->dest, sizeof(s->dest), "%s", url);
	s->path = s->dest + (path - url);
	if (!*p)
		s->path = "/";
	return true;
}

/* A string array property into v (n of them); -1 after a 400. */
static int filter_parse(struct rf_ctx *ctx, json_object *a, const char *prop,
			const char *const *allowed, char (*v)[EV_FILTER_LEN], unsigned *n)
{
	size_t len;

	if (!json_object_is_type(a, json_type_array))
		return rf_error(ctx, 400, "PropertyValueTypeError", rf_value_text(a), prop);
	len = json_object_array_length(a);
	if (len > EV_FILTER_MAX)
		return rf_error(ctx, 400, "PropertyValueOutOfRange", rf_value_text(a), prop);
	*n = 0;
	for (size_t i = 0; i < len; i++) {
		json_object *e = json_object_array_get_idx(a, i);
		const char *s;
		bool ok = false;

		if (!json_object_is_type(e, json_type_string))
			return rf_error(ctx, 400, "PropertyValueTypeError", rf_value_text(e), prop);
		s = json_object_get_string(e);
		for (unsigned k = 0; allowed[k]; k++)
			ok = ok || !strcmp(allowed[k], s);
		if (!ok)
			return rf_error(ctx, 400, "PropertyValueNotInList", s, prop);
		snprintf(v[(*n)++], EV_FILTER_LEN, "%s", s);
	}
	return 0;
}

static const char *const sub_known[] = {
	"Destination", "Context", "Protocol", "RegistryPrefixes", "ResourceTypes",
	"EventFormatType", "SubscriptionType", NULL,
};

static int subs_post(struct rf_ctx *ctx)
{
	struct rf_events *ev = events_of(ctx);
	struct ev_sub tmp = { 0 }, *s = NULL;
	json_object *v;
	const char *str;
	char link[96];

	if (!ctx->body)
		return rf_error(ctx, 400, "PropertyMissing", "Destination", NULL);
	if (res_check_keys(ctx, ctx->body, sub_known) < 0)
		return -1;
	if (res_get_string(ctx, ctx->body, "Destination", &str) < 0)
		return -1;
	if (!str)
		return rf_error(ctx, 400, "PropertyMissing", "Destination", NULL);
	if (strlen(str) > EV_DEST_MAX || !dest_parse(&tmp, str))
		return rf_error(ctx, 400, "PropertyValueFormatError", str, "Destination");
	if (res_get_string(ctx, ctx->body, "Context", &str) < 0)
		return -1;
	if (str && strlen(str) > EV_CONTEXT_MAX)
		return rf_error(ctx, 400, "PropertyValueFormatError", str, "Context");
	snprintf(tmp.context, sizeof(tmp.context), "%s", str ? str : "");
	if (res_get_string(ctx, ctx->body, "Protocol", &str) < 0)
		return -1;
	if (str && strcmp(str, "Redfish"))
		return rf_error(ctx, 400, "PropertyValueNotInList", str, "Protocol");
	if (res_get_string(ctx, ctx->body, "EventFormatType", &str) < 0)
		return -1;
	if (str && strcmp(str, "Event"))
		return rf_error(ctx, 400, "PropertyValueNotInList", str, "EventFormatType");
	if (res_get_string(ctx, ctx->body, "SubscriptionType", &str) < 0)
		return -1;
	if (str && strcmp(str, "RedfishEvent"))
		return rf_error(ctx, 400, "PropertyValueNotInList", str, "SubscriptionType");
	if (json_object_object_get_ex(ctx->body, "RegistryPrefixes", &v) &&
	    filter_parse(ctx, v, "RegistryPrefixes", registry_prefixes, tmp.prefixes,
			 &tmp.n_prefixes) < 0)
		return -1;
	if (json_object_object_get_ex(ctx->body, "ResourceTypes", &v) &&
	    filter_parse(ctx, v, "ResourceTypes", resource_types, tmp.types, &tmp.n_types) < 0)
		return -1;
	for (unsigned i = 0; i < EV_SUBS_MAX && !s; i++)
		if (!ev->subs[i].used)
			s = &ev->subs[i];
	if (!s)
		return rf_error(ctx, 400, "CreateLimitReachedForResource", NULL, NULL);
	tmp.ev = ev;
	tmp.fd = -1;
	tmp.used = true;
	tmp.id = ++ev->next_sub_id;
	/* path points into tmp.dest: rebase it. */
	*s = tmp;
	s->path = s->dest + (tmp.path - tmp.dest);
	if (tmp.path < tmp.dest || tmp.path >= tmp.dest + sizeof(tmp.dest))
		s->path = "/";
	sub_link(s, link, sizeof(link));
	/* The host only: a path or query may carry the receiver's token. */
	log_info("redfish: %s added event subscription %u to %s://%s",
		 ctx->user ? ctx->user : "?", s->id, s->https ? "https" : "http", s->hostport);
	rf_resp_header(ctx->resp, "Location", "%s", link);
	rf_json(ctx, 201, sub_json(s));
	return 0;
}

static int sub_get(struct rf_ctx *ctx)
{
	struct ev_sub *s = sub_find(events_of(ctx), ctx->arg[0]);

	if (!s)
		return rf_error(ctx, 404, "ResourceNotFound", "EventDestination", ctx->arg[0]);
	rf_json(ctx, 200, sub_json(s));
	return 0;
}

static int sub_patch(struct rf_ctx *ctx)
{
	static const char *const known[] = { "Context", "Destination", "Protocol", NULL };
	struct ev_sub *s = sub_find(events_of(ctx), ctx->arg[0]);
	const char *str;

	if (!s)
		return rf_error(ctx, 404, "ResourceNotFound", "EventDestination", ctx->arg[0]);
	if (res_check_keys(ctx, ctx->body, known) < 0)
		return -1;
	if (json_object_object_get_ex(ctx->body, "Destination", NULL))
		return rf_error(ctx, 400, "PropertyNotWritable", "Destination", NULL);
	if (json_object_object_get_ex(ctx->body, "Protocol", NULL))
		return rf_error(ctx, 400, "PropertyNotWritable", "Protocol", NULL);
	if (res_get_string(ctx, ctx->body, "Context", &str) < 0)
		return -1;
	if (str && strlen(str) > EV_CONTEXT_MAX)
		return rf_error(ctx, 400, "PropertyValueFormatError", str, "Context");
	if (str)
		snprintf(s->context, sizeof(s->context), "%s", str);
	rf_json(ctx, 200, sub_json(s));
	return 0;
}

static int sub_delete(struct rf_ctx *ctx)
{
	struct ev_sub *s = sub_find(events_of(ctx), ctx->arg[0]);

	if (!s)
		return rf_error(ctx, 404, "ResourceNotFound", "EventDestination", ctx->arg[0]);
	log_info("redfish: %s removed event subscription %u", ctx->user ? ctx->user : "?", s->id);
	sub_free(s);
	res_no_content(ctx);
	return 0;
}

/* #EventService.SubmitTestEvent: a test event through the same paths. */
static int submit_test(struct rf_ctx *ctx)
{
	static const char *const params[] = {
		"EventGroupId", "EventId", "EventTimestamp", "EventType", "Message", "MessageArgs",
		"MessageId", "OriginOfCondition", "Severity", NULL,
	};
	static const char *const severities[] = { "OK", "Warning", "Critical", NULL };
	struct rf_events *ev = events_of(ctx);
	const char *message_id = RESOURCE_EVENT "ResourceChanged";
	const char *message = "One or more resource properties have changed.", *severity = "OK";
	const char *origin = NULL, *str;
	json_object *rec, *v;

	if (ctx->body) {
		json_object_object_foreach(ctx->body, key, val) {
			bool ok = false;

			(void)val;
			for (unsigned i = 0; params[i]; i++)
				ok = ok || !strcmp(params[i], key);
			if (!ok)
				return rf_error(ctx, 400, "ActionParameterUnknown",
						"EventService.SubmitTestEvent", key);
		}
	}
	if (res_get_string(ctx, ctx->body, "MessageId", &str) < 0)
		return -1;
	if (str) {
		if (!strchr(str, '.') || strlen(str) > EV_TEXT_MAX)
			return rf_error(ctx, 400, "PropertyValueFormatError", str, "MessageId");
		message_id = str;
	}
	if (res_get_string(ctx, ctx->body, "Message", &str) < 0)
		return -1;
	if (str && strlen(str) > EV_TEXT_MAX)
		return rf_error(ctx, 400, "PropertyValueFormatError", str, "Message");
	if (str)
		message = str;
	if (res_get_string(ctx, ctx->body, "Severity", &str) < 0)
		return -1;
	if (str) {
		if (res_enum(ctx, "Severity", str, severities) < 0)
			return -1;
		severity = str;
	}
	if (res_get_string(ctx, ctx->body, "OriginOfCondition", &str) < 0)
		return -1;
	if (str && (str[0] != '/' || strlen(str) > EV_TEXT_MAX))
		return rf_error(ctx, 400, "PropertyValueFormatError", str, "OriginOfCondition");
	origin = str;
	if (ctx->body && json_object_object_get_ex(ctx->body, "MessageArgs", &v)) {
		size_t n;

		if (!json_object_is_type(v, json_type_array))
			return rf_error(ctx, 400, "PropertyValueTypeError", rf_value_text(v),
					"MessageArgs");
		n = json_object_array_length(v);
		if (n > EV_ARGS_MAX)
			return rf_error(ctx, 400, "PropertyValueOutOfRange", rf_value_text(v),
					"MessageArgs");
		for (size_t i = 0; i < n; i++) {
			json_object *a = json_object_array_get_idx(v, i);

			if (!json_object_is_type(a, json_type_string) ||
			    json_object_get_string_len(a) > EV_TEXT_MAX)
				return rf_error(ctx, 400, "PropertyValueTypeError", rf_value_text(a),
						"MessageArgs");
		}
	}
	if (!ev->enabled)
		return rf_error(ctx, 503, "GeneralError", NULL, NULL);
	rec = record(ev, message_id, severity, message, 0, NULL, origin);
	if (ctx->body && json_object_object_get_ex(ctx->body, "MessageArgs", &v))
		json_object_object_add(rec, "MessageArgs", json_object_get(v));
	emit(ev, rec, NULL);
	res_no_content(ctx);
	return 0;
}

const struct rf_route rf_routes_events[] = {
	{ EVENT_SERVICE, RF_GET | RF_PATCH, RF_PRIV_LOGIN, RF_PRIV_CONFIGURE_MANAGER,
	  .get = service_get, .patch = service_patch },
	{ SSE_URI, RF_GET, RF_PRIV_LOGIN, 0, .get = sse_get },
	{ SUBSCRIPTIONS, RF_GET | RF_POST, RF_PRIV_LOGIN, RF_PRIV_CONFIGURE_MANAGER,
	  .get = subs_get, .post = subs_post },
	{ SUBSCRIPTIONS "/{id}", RF_GET | RF_PATCH | RF_DELETE, RF_PRIV_LOGIN,
	  RF_PRIV_CONFIGURE_MANAGER, .get = sub_get, .patch = sub_patch, .del = sub_delete },
	{ SUBMIT_TEST, RF_POST, 0, RF_PRIV_CONFIGURE_MANAGER, .post = submit_test },
	{ NULL },
};
