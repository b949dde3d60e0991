/* SPDX-License-Identifier: MIT */
/* bmcd: an IPMI 2.0 BMC daemon. */
#include <errno.h>
#include <fnmatch.h>
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include <json-c/json.h>

#include "boards/libvirt_host.h"
#include "daemon/bmc.h"
#include "daemon/config.h"
#include "daemon/log.h"

/* BMCs one process runs (--board and each --instance). */
#define MAX_INSTANCES 1024

/* One BMC as the command line gives it. */
struct instance_opt {
	const char *board;
	const char *state;
	const char *listen[CFG_MAX_LISTEN];
	unsigned n_listen;
	const char *bus;		/* --bus: the board's dbus.bus */
	const char *redfish_listen[CFG_MAX_LISTEN];	/* --redfish-listen */
	unsigned n_redfish_listen;
	char *spec;			/* --instance's argument, split in place */
	const char *name;		/* fleet: the entry's name (a pattern's: the domain) */
	const char *uri;		/* fleet: host.libvirt.uri instead of the board's */
	const char *domain;		/* fleet: host.libvirt.domain instead of the board's */
	char *paths;			/* fleet: board and state made relative to the file */
	json_object *users;		/* fleet: the entry's users instead of the board's */
	char *expanded;			/* fleet pattern: domain, listen and state (owned) */
	unsigned entry;			/* fleet: instances[entry] */
};

/* A fleet pattern entry: one BMC per domain whose name matches. */
struct fleet_pattern {
	unsigned entry;			/* instances[entry] */
	const char *pattern, *uri, *board, *state;	/* state with %n: the domain's name */
	json_object *users;
	char addr[64];			/* listen address, IPv6 in brackets */
	unsigned lo, hi;		/* port range */
};

struct options {
	struct instance_opt main;	/* --board, --state, --listen */
	struct instance_opt inst[MAX_INSTANCES];	/* --board's first (when given), then each --instance */
	unsigned n_inst;
	bool check;
	const char *fleet;		/* --fleet FILE */
	struct json_object *fleet_json;	/* its strings back inst[].board, .state, ... */
	struct fleet_pattern pat[MAX_INSTANCES];
	unsigned n_pat;
};

/* What run() owns: the loop, the BMCs in it and the systemd watchdog. */
struct daemon {
	sd_event *ev;
	struct bmc *bmc[MAX_INSTANCES];
	char *key[MAX_INSTANCES];	/* a fleet entry's identity; NULL: from the command line */
	unsigned n_bmc;
	const char *fleet;		/* --fleet FILE, re-read on SIGHUP */
	sd_event_source *watchdog;
	uint64_t watchdog_usec;
};

static void usage(FILE *f)
{
	fputs("Usage: bmcd --board FILE [--state DIR] [--listen ADDR:PORT]... [--bus ADDRESS]\n"
	      "            [--redfish-listen ADDR:PORT]...\n"
	      "            [--instance BOARD:STATEDIR[:ADDR:PORT]]... [--fleet FILE]\n"
	      "            [--check-config] [-v]\n"
	      "\n"
	      "  --board FILE       board file (JSON; see docs/board-file.md)\n"
	      "  --state DIR        persistent state (default /var/lib/bmcd; created if missing)\n"
	      "  --listen ADDR:PORT LAN endpoint, overriding the board's; repeatable;\n"
	      "                     IPv6 as [ADDR]:PORT\n"
	      "  --redfish-listen ADDR:PORT\n"
	      "                     serve Redfish (HTTPS) there, overriding the board's\n"
	      "                     redfish.listen and enabling it; repeatable\n"
	      "  --bus ADDRESS      D-Bus to publish on (\"none\", \"system\" or an address),\n"
	      "                     overriding the board's dbus.bus\n"
	      "  --instance BOARD:STATEDIR[:ADDR:PORT]\n"
	      "                     one more BMC in this process, with its own board file,\n"
	      "                     state directory and (optionally) LAN endpoint; repeatable\n"
	      "  --fleet FILE       BMCs listed in a JSON fleet file (docs/virtual.md), after\n"
	      "                     the --instance ones\n"
	      "  --check-config     validate the board files, print problems, exit 0 if valid\n"
	      "  -v, --verbose      debug logging\n"
	      "  -h, --help         this help\n"
	      "  -V, --version      print the version\n", f);
}

static void options_free(struct options *o)
{
	for (unsigned i = 0; i < o->n_inst; i++) {
		free(o->inst[i].spec);
		free(o->inst[i].paths);
		free(o->inst[i].expanded);
	}
	json_object_put(o->fleet_json);
}

/* ---- the fleet file ----------------------------------------------------- */

/* A string member of a fleet entry; NULL when absent (an error when
 * required, or when not a non-empty string). */
static int fleet_str(json_object *e, unsigned i, const char *key, bool required, const char **out)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(e, key, &v)) {
		if (!required)
			return 0;
		fprintf(stderr, "bmcd: fleet instances[%u].%s: missing\n", i, key);
		return -EINVAL;
	}
	if (!json_object_is_type(v, json_type_string) || !json_object_get_string_len(v)) {
		fprintf(stderr, "bmcd: fleet instances[%u].%s: not a non-empty string\n", i, key);
		return -EINVAL;
	}
	*out = json_object_get_string(v);
	return 0;
}

/* "dir/" + p unless p is absolute: board and state paths are the fleet
 * file's, relative to its folder.  The two strings in one allocation. */
static int fleet_paths(const char *fleet, struct instance_opt *io)
{
	const char *slash = strrchr(fleet, '/');
	int dlen = slash ? (int)(slash - fleet + 1) : 0;
	size_t n = strlen(fleet) * 2 + strlen(io->board) + strlen(io->state) + 2;
	char *buf = malloc(n), *state;

	if (!buf)
		return -ENOMEM;
	state = buf + sprintf(buf, "%.*s%s", io->board[0] == '/' ? 0 : dlen, fleet, io->board) + 1;
	sprintf(state, "%.*s%s", io->state[0] == '/' ? 0 : dlen, fleet, io->state);
	io->paths = buf;
	io->board = buf;
	io->state = state;
	return 0;
}

/* len decimal digits (1-5) into *out; false when not. */
static bool port_number(const char *s, size_t len, unsigned *out)
{
	unsigned v = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* "ADDR:PORT" (or "[v6]:PORT") into its address and port; false when not. */
static bool split_listen(const char *listen, char *addr, size_t size, unsigned *port)
{
	const char *colon = strrchr(listen, ':');
	unsigned p;

	if (!colon || colon == listen || (size_t)(colon - listen) >= size ||
	    !port_number(colon + 1, strlen(colon + 1), &p) || p == 0 || p > 65535)
		return false;
	snprintf(addr, size, "%.*s", (int)(colon - listen), listen);
	*port = p;
	return true;
}

/* Two entries on one listen endpoint or one state directory: refused. */
static int fleet_check_clash(const struct options *o, unsigned first, const struct instance_opt *io,
			     const char *what)
{
	for (unsigned j = first; j < o->n_inst; j++) {
		const struct instance_opt *other = &o->inst[j];

		if (other == io)
			continue;
		if (io->n_listen && other->n_listen && !strcmp(other->listen[0], io->listen[0])) {
			fprintf(stderr, "bmcd: fleet instances[%u] and %s both listen on %s\n",
				other->entry, what, io->listen[0]);
			return -EINVAL;
		}
		if (!strcmp(other->state, io->state)) {
			fprintf(stderr, "bmcd: fleet instances[%u] and %s both have state %s\n",
				other->entry, what, io->state);
			return -EINVAL;
		}
	}
	return 0;
}

/* "users": an array (its entries are checked as the board's users are). */
static int fleet_users(json_object *e, unsigned i, json_object **out)
{
	json_object *v;

	*out = NULL;
	if (!json_object_object_get_ex(e, "users", &v))
		return 0;
	if (!json_object_is_type(v, json_type_array) || !json_object_array_length(v)) {
		fprintf(stderr, "bmcd: fleet instances[%u].users: not a non-empty array\n", i);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* "ports": "LO-HI" (or one port). */
static bool parse_ports(const char *s, unsigned *lo, unsigned *hi)
{
	const char *dash = strchr(s, '-');

	if (!dash)
		return port_number(s, strlen(s), lo) && (*hi = *lo) >= 1 && *lo <= 65535;
	return port_number(s, (size_t)(dash - s), lo) && port_number(dash + 1, strlen(dash + 1), hi) &&
	       *lo >= 1 && *lo <= *hi && *hi <= 65535;
}

/* A pattern entry: checked and recorded; its BMCs come later (fleet_expand). */
static int fleet_pattern_entry(struct options *o, json_object *e, unsigned i)
{
	struct fleet_pattern *fp = &o->pat[o->n_pat];
	const char *listen, *ports;
	int r;

	*fp = (struct fleet_pattern){ .entry = i };
	if (json_object_object_get_ex(e, "domain", NULL)) {
		fprintf(stderr, "bmcd: fleet instances[%u]: \"pattern\" and \"domain\" exclude each "
			"other\n", i);
		return -EINVAL;
	}
	r = fleet_str(e, i, "pattern", true, &fp->pattern);
	if (r == 0)
		r = fleet_str(e, i, "board", true, &fp->board);
	if (r == 0)
		r = fleet_str(e, i, "state", true, &fp->state);
	if (r == 0)
		r = fleet_str(e, i, "uri", true, &fp->uri);
	if (r == 0)
		r = fleet_str(e, i, "listen", true, &listen);
	if (r == 0)
		r = fleet_str(e, i, "ports", true, &ports);
	if (r == 0)
		r = fleet_users(e, i, &fp->users);
	if (r < 0)
		return r;
	if (!strstr(fp->state, "%n")) {
		fprintf(stderr, "bmcd: fleet instances[%u].state: a pattern's state needs %%n (the "
			"domain's name)\n", i);
		return -EINVAL;
	}
	if (!parse_ports(ports, &fp->lo, &fp->hi)) {
		fprintf(stderr, "bmcd: fleet instances[%u].ports: not LO-HI (1-65535)\n", i);
		return -EINVAL;
	}
	if (strlen(listen) + 2 >= sizeof(fp->addr)) {
		fprintf(stderr, "bmcd: fleet instances[%u].listen: not an address\n", i);
		return -EINVAL;
	}
	/* An address only: the ports come from the range.  IPv6 in brackets,
	 * as the endpoints of the other entries write it. */
	if (strchr(listen, ':') && listen[0] != '[')
		snprintf(fp->addr, sizeof(fp->addr), "[%s]", listen);
	else
		snprintf(fp->addr, sizeof(fp->addr), "%s", listen);
	for (unsigned j = 0; j < o->n_pat; j++) {
		const struct fleet_pattern *q = &o->pat[j];

		if (!strcmp(q->addr, fp->addr) && fp->lo <= q->hi && q->lo <= fp->hi) {
			fprintf(stderr, "bmcd: fleet instances[%u] and [%u]: port ranges %u-%u and "
				"%u-%u overlap on %s\n", q->entry, i, q->lo, q->hi, fp->lo, fp->hi,
				fp->addr);
			return -EINVAL;
		}
	}
	o->n_pat++;
	return 0;
}

/* An entry's listen endpoint in a pattern's port range: refused. */
static int fleet_check_ranges(const struct options *o, unsigned first)
{
	for (unsigned j = first; j < o->n_inst; j++) {
		const struct instance_opt *io = &o->inst[j];
		char addr[64];
		unsigned port;

		if (!io->n_listen || io->expanded ||
		    !split_listen(io->listen[0], addr, sizeof(addr), &port))
			continue;
		for (unsigned k = 0; k < o->n_pat; k++) {
			const struct fleet_pattern *fp = &o->pat[k];

			if (!strcmp(addr, fp->addr) && port >= fp->lo && port <= fp->hi) {
				fprintf(stderr, "bmcd: fleet instances[%u] listens on %s, in the port "
					"range %u-%u of instances[%u]\n", io->entry, io->listen[0],
					fp->lo, fp->hi, fp->entry);
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* The n-th field ("\n"-separated) of a fleet key. */
static bool key_field(const char *key, unsigned n, const char **p, size_t *len)
{
	for (; n > 0 && key; n--) {
		key = strchr(key, '\n');
		if (key)
			key++;
	}
	if (!key)
		return false;
	*p = key;
	*len = strcspn(key, "\n");
	return true;
}

static bool key_is(const char *key, unsigned n, const char *want)
{
	const char *p;
	size_t len;

	return key_field(key, n, &p, &len) && len == strlen(want) && !memcmp(p, want, len);
}

/* The port a running BMC of this pattern has for domain name (0: none),
 * so that a re-read leaves it where it is. */
static unsigned running_port(const struct fleet_pattern *fp, const char *name,
			     char *const *running, unsigned n_running)
{
	for (unsigned i = 0; i < n_running; i++) {
		const char *p;
		size_t len;
		char listen[96], addr[64];
		unsigned port;

		if (!running[i] || !key_is(running[i], 3, fp->uri) || !key_is(running[i], 4, name) ||
		    !key_field(running[i], 2, &p, &len) || len >= sizeof(listen))
			continue;
		snprintf(listen, sizeof(listen), "%.*s", (int)len, p);
		if (split_listen(listen, addr, sizeof(addr), &port) && !strcmp(addr, fp->addr) &&
		    port >= fp->lo && port <= fp->hi)
			return port;
	}
	return 0;
}

/* One BMC of a pattern: the domain name, its endpoint and state directory. */
static int fleet_pattern_bmc(struct options *o, unsigned first, const struct fleet_pattern *fp,
			     const char *name, unsigned port)
{
	struct instance_opt *io;
	size_t n = strlen(name), cap;
	char *buf, *listen, *state, *w;
	const char *t;
	char what[64];

	if (o->n_inst == MAX_INSTANCES) {
		fprintf(stderr, "bmcd: at most %d BMCs in one process\n", MAX_INSTANCES);
		return -EINVAL;
	}
	cap = n + 1 + strlen(fp->addr) + 7 + strlen(fp->state) * (n + 1) + 1;
	buf = malloc(cap);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, name, n + 1);
	listen = buf + n + 1;
	state = listen + sprintf(listen, "%s:%u", fp->addr, port) + 1;
	for (t = fp->state, w = state; *t;) {
		if (t[0] == '%' && t[1] == 'n') {
			w = stpcpy(w, name);
			t += 2;
		} else {
			*w++ = *t++;
		}
	}
	*w = '\0';
	io = &o->inst[o->n_inst++];
	*io = (struct instance_opt){ .board = fp->board, .state = state, .uri = fp->uri,
				     .domain = buf, .name = buf, .users = fp->users,
				     .expanded = buf, .entry = fp->entry };
	io->listen[io->n_listen++] = listen;
	if (fleet_paths(o->fleet, io) < 0)
		return -ENOMEM;
	snprintf(what, sizeof(what), "[%u] (domain %s)", fp->entry, name);
	return fleet_check_clash(o, first, io, what);
}

/*
 * The BMCs of the pattern entries: the domains at each URI whose name
 * matches, in sorted name order, each on the next free port of the range;
 * a domain that already has a BMC of this pattern (running, on a re-read)
 * keeps its port.  Domains beyond the range are logged and left out.
 */
static int fleet_expand(struct options *o, unsigned first, char *const *running, unsigned n_running)
{
	for (unsigned k = 0; k < o->n_pat; k++) {
		const struct fleet_pattern *fp = &o->pat[k];
		unsigned span = fp->hi - fp->lo + 1, *port;
		bool *used;
		char **names;
		size_t n;
		int r = libvirt_domain_names(fp->uri, &names, &n);

		if (r < 0) {
			fprintf(stderr, "bmcd: fleet instances[%u]: cannot list the domains at %s\n",
				fp->entry, fp->uri);
			return r;
		}
		used = calloc(span, sizeof(*used));
		port = calloc(n + 1, sizeof(*port));
		if (!used || !port)
			r = -ENOMEM;
		for (size_t i = 0; i < n && r == 0; i++) {
			if (fnmatch(fp->pattern, names[i], 0))
				continue;
			port[i] = running_port(fp, names[i], running, n_running);
			if (port[i])
				used[port[i] - fp->lo] = true;
		}
		for (size_t i = 0, next = 0; i < n && r == 0; i++) {
			if (fnmatch(fp->pattern, names[i], 0))
				continue;
			if (!port[i]) {
				while (next < span && used[next])
					next++;
				if (next == span) {
					log_error("fleet instances[%u]: no port left in %u-%u for domain "
						  "%s", fp->entry, fp->lo, fp->hi, names[i]);
					continue;
				}
				used[next] = true;
				port[i] = fp->lo + (unsigned)next;
			}
			r = fleet_pattern_bmc(o, first, fp, names[i], port[i]);
		}
		free(used);
		free(port);
		libvirt_names_free(names, n);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * {"instances": [{"board": B, "state": S, "listen": "ADDR:PORT",
 *                 "uri": U, "domain": D, "users": [...]},
 *                {"pattern": "ci-*", "board": B, "state": "DIR/%n",
 *                 "listen": ADDR, "ports": "LO-HI", "uri": U}, ...]}:
 * one BMC each (one per matching domain for a pattern), after the
 * --instance ones.  Two on one listen endpoint or one state directory,
 * overlapping port ranges, an endpoint in a range, are refused, naming
 * both.  Patterns are expanded (the URI asked for its domains) unless
 * only checking; 'running' are the keys of the BMCs running (a re-read).
 */
static int parse_fleet(struct options *o, char *const *running, unsigned n_running)
{
	static const char *const keys[] = { "name", "board", "state", "listen", "uri", "domain",
					     "users", "pattern", "ports", NULL };
	json_object *root = json_object_from_file(o->fleet), *arr;
	unsigned first = o->n_inst;
	size_t n;
	int r;

	if (!root) {
		fprintf(stderr, "bmcd: --fleet %s: %s\n", o->fleet, json_util_get_last_err());
		return -EINVAL;
	}
	o->fleet_json = root;
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "instances", &arr) ||
	    !json_object_is_type(arr, json_type_array)) {
		fprintf(stderr, "bmcd: --fleet %s: not {\"instances\": [...]}\n", o->fleet);
		return -EINVAL;
	}
	n = json_object_array_length(arr);
	for (size_t i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		struct instance_opt *io;
		const char *listen;
		char what[32];

		if (o->n_inst == MAX_INSTANCES || o->n_pat == MAX_INSTANCES) {
			fprintf(stderr, "bmcd: at most %d BMCs in one process\n", MAX_INSTANCES);
			return -EINVAL;
		}
		if (!json_object_is_type(e, json_type_object)) {
			fprintf(stderr, "bmcd: fleet instances[%zu]: not an object\n", i);
			return -EINVAL;
		}
		json_object_object_foreach(e, k, v) {
			bool known = false;

			(void)v;
			for (const char *const *kk = keys; *kk; kk++)
				known |= !strcmp(*kk, k);
			if (!known) {
				fprintf(stderr, "bmcd: fleet instances[%zu].%s: unknown key\n", i, k);
				return -EINVAL;
			}
		}
		if (json_object_object_get_ex(e, "pattern", NULL)) {
			r = fleet_pattern_entry(o, e, (unsigned)i);
			if (r < 0)
				return r;
			continue;
		}
		if (json_object_object_get_ex(e, "ports", NULL)) {
			fprintf(stderr, "bmcd: fleet instances[%zu].ports: only with \"pattern\"\n", i);
			return -EINVAL;
		}
		io = &o->inst[o->n_inst++];
		io->entry = (unsigned)i;
		r = fleet_str(e, (unsigned)i, "board", true, &io->board);
		if (r == 0)
			r = fleet_str(e, (unsigned)i, "name", false, &io->name);
		if (r == 0)
			r = fleet_str(e, (unsigned)i, "state", true, &io->state);
		if (r == 0)
			r = fleet_str(e, (unsigned)i, "listen", false, &listen);
		if (r == 0 && listen)
			io->listen[io->n_listen++] = listen;
		if (r == 0)
			r = fleet_str(e, (unsigned)i, "uri", false, &io->uri);
		if (r == 0)
			r = fleet_str(e, (unsigned)i, "domain", false, &io->domain);
		if (r == 0)
			r = fleet_users(e, (unsigned)i, &io->users);
		if (r == 0)
			r = fleet_paths(o->fleet, io);
		snprintf(what, sizeof(what), "[%zu]", i);
		if (r == 0)
			r = fleet_check_clash(o, first, io, what);
		if (r < 0)
			return r;
	}
	r = fleet_check_ranges(o, first);
	if (r < 0)
		return r;
	if (!o->check)
		return fleet_expand(o, first, running, n_running);
	/* Checking only: each pattern's board (and users) as one instance. */
	for (unsigned k = 0; k < o->n_pat && o->n_inst < MAX_INSTANCES; k++) {
		struct instance_opt *io = &o->inst[o->n_inst++];

		*io = (struct instance_opt){ .board = o->pat[k].board, .state = o->pat[k].state,
					     .users = o->pat[k].users };
		r = fleet_paths(o->fleet, io);
		if (r < 0)
			return r;
	}
	return 0;
}

/* "BOARD:STATEDIR[:LISTEN]", split at the first two colons: LISTEN keeps
 * its own ("127.0.0.1:6230", "[::1]:6230"); paths cannot hold one. */
static int parse_instance(const char *arg, struct instance_opt *io)
{
	char *c1, *c2;

	io->spec = strdup(arg);
	if (!io->spec) {
		fprintf(stderr, "bmcd: out of memory\n");
		return -ENOMEM;
	}
	c1 = strchr(io->spec, ':');
	c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c1 || c1 == io->spec || c1[1] == '\0' || c1[1] == ':' || (c2 && c2[1] == '\0')) {
		fprintf(stderr, "bmcd: --instance %s: not BOARD:STATEDIR[:ADDR:PORT]\n", arg);
		return -EINVAL;
	}
	*c1 = '\0';
	io->board = io->spec;
	io->state = c1 + 1;
	if (c2) {
		*c2 = '\0';
		io->listen[io->n_listen++] = c2 + 1;
	}
	return 0;
}

/* The options after getopt: --board's BMC first, then the --instance ones. */
static int check_args(struct options *o, unsigned n_extra)
{
	if (!o->main.board && !n_extra) {
		fprintf(stderr, "bmcd: --board FILE is required\n");
		return -EINVAL;
	}
	if (!o->main.board && (o->main.n_listen || o->main.state || o->main.bus ||
			       o->main.n_redfish_listen)) {
		fprintf(stderr, "bmcd: --state, --listen, --redfish-listen and --bus belong to "
			"--board FILE\n");
		return -EINVAL;
	}
	if (o->main.board && n_extra == MAX_INSTANCES) {
		fprintf(stderr, "bmcd: at most %d BMCs in one process\n", MAX_INSTANCES);
		return -EINVAL;
	}
	if (!o->main.board)
		return 0;
	if (!o->main.state)
		o->main.state = "/var/lib/bmcd";
	memmove(&o->inst[1], &o->inst[0], n_extra * sizeof(o->inst[0]));
	o->inst[0] = o->main;
	o->n_inst++;
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "board", required_argument, NULL, 'b' },
		{ "state", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ "instance", required_argument, NULL, 'i' },
		{ "bus", required_argument, NULL, 'B' },
		{ "redfish-listen", required_argument, NULL, 'R' },
		{ "fleet", required_argument, NULL, 'F' },
		{ "check-config", no_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	int c, r;

	while ((c = getopt_long(argc, argv, "vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->main.board = optarg;
			break;
		case 's':
			o->main.state = optarg;
			break;
		case 'l':
			if (o->main.n_listen == CFG_MAX_LISTEN) {
				fprintf(stderr, "bmcd: at most %d --listen endpoints\n", CFG_MAX_LISTEN);
				return -EINVAL;
			}
			o->main.listen[o->main.n_listen++] = optarg;
			break;
		case 'B':
			o->main.bus = optarg;
			break;
		case 'R':
			if (o->main.n_redfish_listen == CFG_MAX_LISTEN) {
				fprintf(stderr, "bmcd: at most %d --redfish-listen endpoints\n",
					CFG_MAX_LISTEN);
				return -EINVAL;
			}
			o->main.redfish_listen[o->main.n_redfish_listen++] = optarg;
			break;
		case 'i':
			if (o->n_inst == MAX_INSTANCES) {
				fprintf(stderr, "bmcd: at most %d BMCs in one process\n", MAX_INSTANCES);
				return -EINVAL;
			}
			r = parse_instance(optarg, &o->inst[o->n_inst++]);
			if (r < 0)
				return r;
			break;
		case 'F':
			o->fleet = optarg;
			break;
		case 'c':
			o->check = true;
			break;
		case 'v':
			log_max_level = LOG_DEBUG;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("bmcd %s\n", BMCD_VERSION);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bmcd: unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	if (o->fleet) {
		r = parse_fleet(o, NULL, 0);
		if (r < 0)
			return r;
	}
	return check_args(o, o->n_inst);
}

static void print_problem(const char *msg, void *userdata)
{
	fprintf(userdata, "%s\n", msg);
}

static int on_watchdog(sd_event_source *src, uint64_t usec, void *userdata)
{
	struct daemon *d = userdata;

	sd_notify(0, "WATCHDOG=1");
	sd_event_source_set_time(src, usec + d->watchdog_usec / 2);
	return 0;
}

/* A problem of one of several board files: which one says the prefix. */
static void print_board_problem(const char *msg, void *userdata)
{
	printf("%s: %s\n", (const char *)userdata, msg);
}

/*
 * An instance's board: its file, with a fleet entry's "users" in place of
 * the board's (checked, and stored in the state directory on the first
 * start, as the board's are).
 */
static int instance_config(const struct instance_opt *io, struct board_config *cfg,
			   cfg_error_fn errors, void *userdata)
{
	json_object *root;
	const char *text;
	int r;

	if (!io->users)
		return config_load(io->board, cfg, errors, userdata);
	root = json_object_from_file(io->board);
	if (!root || !json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		/* Not JSON (or not an object): the board file's own messages. */
		return config_load(io->board, cfg, errors, userdata);
	}
	json_object_object_add(root, "users", json_object_get(io->users));
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
	r = text ? config_parse(text, strlen(text), cfg, errors, userdata) : -ENOMEM;
	if (text)
		explicit_bzero((char *)text, strlen(text));	/* passwords */
	json_object_put(root);
	return r;
}

/* --check-config: every board file, each problem printed (after the file's
 * name when there are several). */
static int check_boards(const struct options *o)
{
	struct board_config *cfg = malloc(sizeof(*cfg));
	int ret = 0;

	if (!cfg)
		return 1;
	for (unsigned i = 0; i < o->n_inst; i++) {
		const char *board = o->inst[i].board;
		int r = o->n_inst == 1 ? instance_config(&o->inst[i], cfg, print_problem, stdout)
				       : instance_config(&o->inst[i], cfg, print_board_problem,
							 (void *)board);

		if (r == 0)
			printf("%s: valid\n", board);
		else
			ret = 1;
	}
	explicit_bzero(cfg, sizeof(*cfg));
	free(cfg);
	return ret;
}

static int apply_listen(const struct instance_opt *io, struct board_config *cfg)
{
	if (!io->n_listen)
		return 0;
	cfg->lan.n_listen = 0;
	for (unsigned i = 0; i < io->n_listen; i++) {
		if (config_parse_endpoint(io->listen[i], &cfg->lan.listen[i]) < 0) {
			log_error("--listen %s: not ADDR:PORT ([ADDR]:PORT for IPv6)", io->listen[i]);
			return -EINVAL;
		}
		cfg->lan.n_listen++;
	}
	return 0;
}

/* --redfish-listen: these endpoints instead of the board's, and Redfish on. */
static int apply_redfish_listen(const struct instance_opt *io, struct board_config *cfg)
{
	if (!io->n_redfish_listen)
		return 0;
	cfg->redfish.n_listen = 0;
	cfg->redfish.enabled = true;
	for (unsigned i = 0; i < io->n_redfish_listen; i++) {
		if (config_parse_endpoint(io->redfish_listen[i], &cfg->redfish.listen[i]) < 0) {
			log_error("--redfish-listen %s: not ADDR:PORT ([ADDR]:PORT for IPv6)",
				  io->redfish_listen[i]);
			return -EINVAL;
		}
		cfg->redfish.n_listen++;
	}
	return 0;
}

/* A fleet entry's uri and domain: the libvirt backend on them. */
static int apply_libvirt(const struct instance_opt *io, struct board_config *cfg)
{
	struct cfg_libvirt *v = &cfg->host.libvirt;

	if (!io->uri && !io->domain)
		return 0;
	if ((io->uri && strlen(io->uri) >= sizeof(v->uri)) ||
	    (io->domain && strlen(io->domain) >= sizeof(v->domain))) {
		log_error("%s: fleet uri or domain too long", io->board);
		return -EINVAL;
	}
	if (io->uri)
		snprintf(v->uri, sizeof(v->uri), "%s", io->uri);
	if (io->domain)
		snprintf(v->domain, sizeof(v->domain), "%s", io->domain);
	if (!v->uri[0] || !v->domain[0]) {
		log_error("%s: the fleet entry needs uri and domain (the board has no host.libvirt)",
			  io->board);
		return -EINVAL;
	}
	snprintf(cfg->host.backend, sizeof(cfg->host.backend), "libvirt");
	return 0;
}

/*
 * What one process cannot give a second BMC: the qemu host (a VM bmcd
 * spawns and reaps) and the host's system interface (a KCS device or the
 * VM's ipmi-bmc-extern socket) have only ever run as the one host of the
 * process; refuse them on the others rather than run half of it.
 */
static int check_shareable(unsigned idx, const struct board_config *cfg, const char *board)
{
	if (idx == 0)
		return 0;
	if (!strcmp(cfg->host.backend, "qemu")) {
		log_error("%s: host backend \"qemu\" runs on the first BMC of a process only", board);
		return -EINVAL;
	}
	if (cfg->kcs.backend != KCS_NONE) {
		log_error("%s: a kcs backend (host interface) runs on the first BMC of a process only",
			  board);
		return -EINVAL;
	}
	return 0;
}

/* Two BMCs on one state directory would overwrite each other's users, SEL
 * and keys: refuse (compared by inode, so "a" and "./a" are one). */
static int check_state_unique(const struct daemon *d, const char *state)
{
	struct stat st, other;

	if (fstat(d->bmc[d->n_bmc - 1]->state_fd, &st) < 0)
		return log_error_errno(-errno, "state: %s", state);
	for (unsigned i = 0; i + 1 < d->n_bmc; i++) {
		if (fstat(d->bmc[i]->state_fd, &other) == 0 && other.st_dev == st.st_dev &&
		    other.st_ino == st.st_ino) {
			log_error("state: %s is already the state directory of another BMC", state);
			return -EEXIST;
		}
	}
	return 0;
}

/* Load one board and start its BMC in d's loop.  Logs its own errors. */
static int instance_start(struct daemon *d, unsigned idx, const struct instance_opt *io)
{
	struct board_config *cfg = calloc(1, sizeof(*cfg));
	struct bmc *bmc = calloc(1, sizeof(*bmc));
	int r;

	if (!cfg || !bmc) {
		free(cfg);
		free(bmc);
		return log_error_errno(-ENOMEM, "%s", io->board);
	}
	bmc->state_fd = -EBADF;
	d->bmc[d->n_bmc++] = bmc;
	r = instance_config(io, cfg, print_problem, stderr);
	if (r < 0)
		log_error("%s: invalid board file", io->board);
	if (r == 0)
		r = apply_listen(io, cfg);
	if (r == 0)
		r = apply_redfish_listen(io, cfg);
	if (r == 0 && io->bus && strlen(io->bus) >= sizeof(cfg->dbus.bus))
		r = log_error_errno(-EINVAL, "--bus: longer than %zu bytes", sizeof(cfg->dbus.bus) - 1);
	if (r == 0 && io->bus)
		snprintf(cfg->dbus.bus, sizeof(cfg->dbus.bus), "%s", io->bus);
	if (r == 0)
		r = apply_libvirt(io, cfg);
	if (r == 0)
		r = check_shareable(idx, cfg, io->board);
	if (r == 0)
		r = bmc_init(bmc, d->ev, cfg, io->state);
	explicit_bzero(cfg, sizeof(*cfg));
	free(cfg);
	if (r == 0)
		r = check_state_unique(d, io->state);
	return r;
}

/* What makes a fleet entry the same BMC across a re-read. */
static char *fleet_key(const struct instance_opt *io)
{
	char *k = NULL;

	/* board, state, listen, uri, domain (fields 0-4, running_port()
	 * reads them), users: any change makes another BMC. */
	if (asprintf(&k, "%s\n%s\n%s\n%s\n%s\n%s", io->board, io->state,
		     io->n_listen ? io->listen[0] : "", io->uri ? io->uri : "",
		     io->domain ? io->domain : "",
		     io->users ? json_object_to_json_string_ext(io->users, JSON_C_TO_STRING_PLAIN)
			       : "") < 0)
		return NULL;
	return k;
}

/* Stop BMC i and close the gap. */
static void instance_stop(struct daemon *d, unsigned i)
{
	bmc_done(d->bmc[i]);
	free(d->bmc[i]);
	free(d->key[i]);
	memmove(&d->bmc[i], &d->bmc[i + 1], (d->n_bmc - i - 1) * sizeof(d->bmc[0]));
	memmove(&d->key[i], &d->key[i + 1], (d->n_bmc - i - 1) * sizeof(d->key[0]));
	d->n_bmc--;
	d->bmc[d->n_bmc] = NULL;
	d->key[d->n_bmc] = NULL;
}

/* Why a fleet BMC did not start, for its one log line. */
static const char *start_failure(int r, char *buf, size_t size)
{
	struct rlimit rl;

	if (r != -EMFILE && r != -ENFILE)
		return strerror(-r);
	if (r == -ENFILE)
		return "too many open files in the system (fs.file-max)";
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
		snprintf(buf, size, "too many open files (the limit is %llu): raise LimitNOFILE= "
			 "(ulimit -n)", (unsigned long long)rl.rlim_cur);
	else
		snprintf(buf, size, "too many open files: raise LimitNOFILE= (ulimit -n)");
	return buf;
}

/*
 * Start the BMC of fleet entry io, which then owns key.  One that cannot
 * start (its port taken, its state directory unreadable, no file
 * descriptor left ...) is logged once, naming the entry, and left out:
 * the others run, and the next SIGHUP tries it again.  Returns 0 or the
 * -errno it failed with.
 */
static int fleet_start(struct daemon *d, const struct instance_opt *io, char *key)
{
	unsigned before = d->n_bmc;
	char buf[128];
	int r;

	if (!key)
		r = -ENOMEM;
	else if (d->n_bmc == MAX_INSTANCES)
		r = -E2BIG;
	else
		r = instance_start(d, d->n_bmc, io);
	if (r >= 0) {
		d->key[d->n_bmc - 1] = key;
		return 0;
	}
	if (d->n_bmc > before)
		instance_stop(d, d->n_bmc - 1);
	free(key);
	if (r == -E2BIG)
		snprintf(buf, sizeof(buf), "at most %d BMCs in one process", MAX_INSTANCES);
	log_error("fleet instances[%u] (%s, %s): %s; not started", io->entry,
		  io->name ? io->name : io->domain ? io->domain : io->board,
		  io->n_listen ? io->listen[0] : "the board's lan.listen",
		  r == -E2BIG ? buf : start_failure(r, buf, sizeof(buf)));
	return r;
}

/* "Serving IPMI: N of M BMCs running", for systemctl status. */
static void notify_status(const struct daemon *d, unsigned wanted, bool ready)
{
	if (d->fleet)
		sd_notifyf(0, "%sSTATUS=Serving IPMI: %u of %u BMCs running",
			   ready ? "READY=1\n" : "", d->n_bmc, wanted);
	else if (ready)
		sd_notify(0, "READY=1\nSTATUS=Serving IPMI");
}

/*
 * SIGHUP: read the fleet file again; stop the BMCs whose entry is gone or
 * changed, start the new ones, leave the others (and their sessions)
 * alone.  A file that does not parse changes nothing.
 */
static int on_sighup(sd_event_source *src, const struct signalfd_siginfo *si, void *userdata)
{
	struct daemon *d = userdata;
	struct options *o = calloc(1, sizeof(*o));
	unsigned added = 0, removed = 0, failed = 0, cmdline = 0;
	char *keys[MAX_INSTANCES] = { NULL };

	if (!o)
		return 0;
	o->fleet = d->fleet;
	if (parse_fleet(o, d->key, d->n_bmc) < 0) {
		log_error("fleet %s: not re-read (see above); nothing changed", d->fleet);
		goto out;
	}
	for (unsigned j = 0; j < o->n_inst; j++)
		keys[j] = fleet_key(&o->inst[j]);
	for (unsigned i = 0; i < d->n_bmc;) {
		bool keep = !d->key[i];

		for (unsigned j = 0; j < o->n_inst && !keep; j++)
			keep = keys[j] && !strcmp(keys[j], d->key[i]);
		if (keep) {
			i++;
			continue;
		}
		log_info("fleet: stopping BMC %s", d->bmc[i]->cfg.name);
		instance_stop(d, i);
		removed++;
	}
	for (unsigned j = 0; j < o->n_inst; j++) {
		bool running = false;

		for (unsigned i = 0; i < d->n_bmc && !running; i++)
			running = d->key[i] && keys[j] && !strcmp(keys[j], d->key[i]);
		if (running)
			continue;
		/* A BMC that failed before is tried again like a new one. */
		if (fleet_start(d, &o->inst[j], keys[j]) < 0)
			failed++;
		else
			added++;
		keys[j] = NULL;
	}
	log_info("fleet %s re-read: %u started, %u stopped, %u failed, %u BMCs running", d->fleet,
		 added, removed, failed, d->n_bmc);
	for (unsigned i = 0; i < d->n_bmc; i++)
		cmdline += !d->key[i];
	notify_status(d, cmdline + o->n_inst, false);
out:
	for (unsigned j = 0; j < MAX_INSTANCES; j++)
		free(keys[j]);
	options_free(o);
	free(o);
	return 0;
}

static void daemon_done(struct daemon *d)
{
	d->watchdog = sd_event_source_disable_unref(d->watchdog);
	/* In reverse: the last started stops first. */
	while (d->n_bmc > 0) {
		struct bmc *bmc = d->bmc[--d->n_bmc];

		bmc_done(bmc);
		free(bmc);
		free(d->key[d->n_bmc]);
	}
	d->ev = sd_event_unref(d->ev);
}

/*
 * The soft RLIMIT_NOFILE up to the hard one: a BMC holds ~6 file
 * descriptors (its UDP socket, state directory, timers ...), a fleet of
 * 500 ~3000, past the soft limit of 1024 systemd and shells give by
 * default.  bmcd waits with epoll (sd-event), never select(), so a
 * descriptor above 1023 is fine.  A limit still short for several BMCs
 * is said.
 */
static void nofile_raise(unsigned n_inst)
{
	unsigned long long want = 6ULL * n_inst + 64;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return;
	if (rl.rlim_cur < rl.rlim_max) {
		unsigned long long was = rl.rlim_cur;

		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
			log_warning_errno(-errno, "cannot raise the open file limit from %llu", was);
			getrlimit(RLIMIT_NOFILE, &rl);
		} else {
			log_debug("open file limit raised from %llu to %llu", was,
				  (unsigned long long)rl.rlim_cur);
		}
	}
	if (n_inst > 1 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want)
		log_warning("open file limit %llu: %u BMCs need about %llu; raise LimitNOFILE= "
			    "(ulimit -n)", (unsigned long long)rl.rlim_cur, n_inst, want);
}

static int watchdog_start(struct daemon *d)
{
	int r;

	if (sd_watchdog_enabled(0, &d->watchdog_usec) <= 0)
		return 0;
	r = sd_event_add_time_relative(d->ev, &d->watchdog, CLOCK_MONOTONIC,
				       d->watchdog_usec / 2, 0, on_watchdog, d);
	if (r < 0)
		return log_error_errno(r, "watchdog timer");
	sd_event_source_set_enabled(d->watchdog, SD_EVENT_ON);
	return 0;
}

static int run(const struct options *o)
{
	struct daemon d = { 0 };
	unsigned n_fleet = 0, fleet_up = 0;
	sigset_t mask;
	int r;

	/* Passwords live in this process: keep them out of core dumps. */
	prctl(PR_SET_DUMPABLE, 0);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	r = sd_event_default(&d.ev);
	if (r < 0) {
		log_error_errno(r, "event loop");
		return 1;
	}
	sd_event_add_signal(d.ev, NULL, SIGTERM, NULL, NULL);
	sd_event_add_signal(d.ev, NULL, SIGINT, NULL, NULL);

	d.fleet = o->fleet;
	if (o->fleet)
		sd_event_add_signal(d.ev, NULL, SIGHUP, on_sighup, &d);
	nofile_raise(o->n_inst);
	/* A --board or --instance BMC that cannot start stops the process (as
	 * one board alone does: systemd restarts it); a fleet entry's is
	 * logged and left out, unless none of them starts. */
	for (unsigned i = 0; i < o->n_inst && r >= 0; i++) {
		if (!o->inst[i].paths) {
			r = instance_start(&d, d.n_bmc, &o->inst[i]);
			continue;
		}
		n_fleet++;
		if (fleet_start(&d, &o->inst[i], fleet_key(&o->inst[i])) == 0)
			fleet_up++;
	}
	if (r >= 0 && n_fleet && !fleet_up) {
		log_error("fleet %s: none of its %u BMCs started (see above); exiting", o->fleet,
			  n_fleet);
		r = -EIO;
	}
	if (r >= 0 && fleet_up < n_fleet)
		log_warning("fleet %s: %u of its %u BMCs started, %u not (SIGHUP tries them again)",
			    o->fleet, fleet_up, n_fleet, n_fleet - fleet_up);
	if (r >= 0)
		r = watchdog_start(&d);
	if (r < 0)
		goto out;

	/* What start-up allocated and freed (the board's JSON tree, the
	 * repository files read whole) back to the system. */
	malloc_trim(0);
	notify_status(&d, o->n_inst, true);
	for (unsigned i = 0; i < d.n_bmc; i++)
		log_info("bmcd %s ready (board %s)", BMCD_VERSION, d.bmc[i]->cfg.name);
	r = sd_event_loop(d.ev);
	sd_notify(0, "STOPPING=1");
	log_info("bmcd exiting");
out:
	daemon_done(&d);
	return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	/* Not on the stack: struct options holds MAX_INSTANCES entries
	 * (~290 kB) of which a board or a small fleet uses few, and a zeroed
	 * local would stay resident for the process's life; calloc'd, it is
	 * mapped and only the pages written take memory. */
	struct options *o;
	int r;

	/* Blocks from 64 KiB up (struct bmc with its board copy, a BMC's
	 * tables: LAN sessions, SOL rings, the SEL) are mapped, so the pages
	 * calloc leaves zero stay unallocated until used; a fixed threshold
	 * also stops glibc from raising it when the board_config copy is
	 * freed.  glibc serves even a large block from the heap's free top
	 * when that is big enough, dirty and zeroed by calloc: no padding on
	 * the top (M_TOP_PAD) and trimming it from 64 KiB keep the top smaller
	 * than any such block.  A free hole inside the heap (start-up's freed
	 * board JSON) can still serve one, zeroed whole: the tables that must
	 * stay unallocated use daemon/pages.h instead.  With these and
	 * bmc_init writing only the board copy's non-zero pages, a fleet BMC
	 * costs ~90 kB of its own instead of ~375 kB (docs/virtual.md,
	 * "Where a BMC's memory goes"). */
	mallopt(M_MMAP_THRESHOLD, 64 * 1024);
	mallopt(M_TOP_PAD, 0);
	mallopt(M_TRIM_THRESHOLD, 64 * 1024);
	o = calloc(1, sizeof(*o));
	if (!o) {
		log_error("out of memory");
		return 1;
	}
	r = parse_args(argc, argv, o);
	if (r == 0)
		r = o->check ? check_boards(o) : run(o);
	else
		r = r > 0 ? 0 : 2;
	options_free(o);
	free(o);
	return r;
}
