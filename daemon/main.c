/* SPDX-License-Identifier: MIT */
/* bmcd: an IPMI 2.0 BMC daemon. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>

#include "daemon/bmc.h"
#include "daemon/config.h"
#include "daemon/log.h"

struct options {
	const char *board;
	const char *state;
	const char *listen[CFG_MAX_LISTEN];
	unsigned n_listen;
	bool check;
};

static void usage(FILE *f)
{
	fputs("Usage: bmcd --board FILE [--state DIR] [--listen ADDR:PORT]... [--check-config] [-v]\n"
	      "\n"
	      "  --board FILE       board file (JSON; see docs/board-file.md)\n"
	      "  --state DIR        persistent state (default /var/lib/bmcd; created if missing)\n"
	      "  --listen ADDR:PORT LAN endpoint, overriding the board's; repeatable;\n"
	      "                     IPv6 as [ADDR]:PORT\n"
	      "  --check-config     validate the board file, print problems, exit 0 if valid\n"
	      "  -v, --verbose      debug logging\n"
	      "  -h, --help         this help\n"
	      "  -V, --version      print the version\n", f);
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "board", required_argument, NULL, 'b' },
		{ "state", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ "check-config", no_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ 0 }
	};
	int c;

	o->state = "/var/lib/bmcd";
	while ((c = getopt_long(argc, argv, "vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->board = optarg;
			break;
		case 's':
			o->state = optarg;
			break;
		case 'l':
			if (o->n_listen == CFG_MAX_LISTEN) {
				fprintf(stderr, "bmcd: at most %d --listen endpoints\n", CFG_MAX_LISTEN);
				return -EINVAL;
			}
			o->listen[o->n_listen++] = optarg;
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
	if (!o->board) {
		fprintf(stderr, "bmcd: --board FILE is required\n");
		return -EINVAL;
	}
	return 0;
}

static void print_problem(const char *msg, void *userdata)
{
	fprintf(userdata, "%s\n", msg);
}

static int on_watchdog(sd_event_source *src, uint64_t usec, void *userdata)
{
	uint64_t interval = *(uint64_t *)userdata;

	sd_notify(0, "WATCHDOG=1");
	sd_event_source_set_time(src, usec + interval / 2);
	return 0;
}

static int run(const struct options *o)
{
	static struct board_config cfg;
	static struct bmc bmc = { .state_fd = -EBADF };
	static uint64_t watchdog_usec;
	sd_event *ev = NULL;
	sigset_t mask;
	int r;

	r = config_load(o->board, &cfg, print_problem, o->check ? stdout : stderr);
	if (o->check) {
		if (r == 0)
			printf("%s: valid\n", o->board);
		return r == 0 ? 0 : 1;
	}
	if (r < 0) {
		log_error("%s: invalid board file", o->board);
		return 1;
	}
	if (o->n_listen) {
		cfg.lan.n_listen = 0;
		for (unsigned i = 0; i < o->n_listen; i++) {
			if (config_parse_endpoint(o->listen[i], &cfg.lan.listen[i]) < 0) {
				log_error("--listen %s: not ADDR:PORT ([ADDR]:PORT for IPv6)", o->listen[i]);
				return 1;
			}
			cfg.lan.n_listen++;
		}
	}

	/* Passwords live in this process: keep them out of core dumps. */
	prctl(PR_SET_DUMPABLE, 0);

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	r = sd_event_default(&ev);
	if (r < 0) {
		log_error_errno(r, "event loop");
		return 1;
	}
	sd_event_add_signal(ev, NULL, SIGTERM, NULL, NULL);
	sd_event_add_signal(ev, NULL, SIGINT, NULL, NULL);

	r = bmc_init(&bmc, ev, &cfg, o->state);
	explicit_bzero(&cfg, sizeof(cfg));
	if (r < 0)
		goto out;

	if (sd_watchdog_enabled(0, &watchdog_usec) > 0) {
		r = sd_event_add_time_relative(ev, &bmc.watchdog, CLOCK_MONOTONIC, watchdog_usec / 2,
					       0, on_watchdog, &watchdog_usec);
		if (r < 0) {
			log_error_errno(r, "watchdog timer");
			goto out;
		}
		sd_event_source_set_enabled(bmc.watchdog, SD_EVENT_ON);
	}

	sd_notify(0, "READY=1\nSTATUS=Serving IPMI");
	log_info("bmcd %s ready (board %s)", BMCD_VERSION, bmc.cfg.name);
	r = sd_event_loop(ev);
	sd_notify(0, "STOPPING=1");
	log_info("bmcd exiting");
out:
	bmc_done(&bmc);
	sd_event_unref(ev);
	return r < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	int r = parse_args(argc, argv, &o);

	if (r != 0)
		return r > 0 ? 0 : 2;
	return run(&o);
}
