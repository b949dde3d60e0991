/*
 * ipmibench - a small RMCP+ load generator for comparing IPMI BMC daemons.
 *
 * It is the one client that bench/run points at every daemon, so that the
 * figures differ only by the daemon.  It uses FreeIPMI's libfreeipmi for the
 * whole IPMI 2.0 / RMCP+ exchange (Get Channel Authentication Capabilities,
 * Open Session, RAKP 1-4, Set Session Privilege Level, Close Session, and the
 * signed and encrypted session messages).
 *
 * Modes (exactly one):
 *   --requests N   Each of K workers (--sessions K, default 1) opens its own
 *                  session first; then, all at once, they send Get Device ID
 *                  back to back until N requests in total were answered or
 *                  --duration seconds passed.  Only that window is timed.
 *   --setups N     Each of K workers repeatedly opens a session (the four
 *                  handshake exchanges plus Set Session Privilege) and closes
 *                  it, until N setups in total or --duration seconds.
 *   --probe        Open one session, send one Get Device ID, close; exit 0 if
 *                  all of that worked.  Used to wait for a daemon to be ready.
 *
 * Workers are forked processes, each with its own libfreeipmi context (and so
 * its own UDP socket and session).  With --daemon-pid the daemon's CPU time
 * (utime + stime from /proc/PID/stat) is read just before the workers are
 * released and just after the last one finished, so session setup and
 * teardown in --requests mode are outside the measurement.
 *
 * Output: one JSON object on stdout.  Exit status 0 when the run completed
 * (even with some failed requests, which are counted in "errors"), 1 when it
 * could not run at all (e.g. no session could be opened), 2 on usage errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <freeipmi/freeipmi.h>

#define MAX_WORKERS 64
/* Latency histogram: 1 us buckets up to HIST_US, the last one is overflow. */
#define HIST_US 100000
#define MAX_CONSEC_ERRORS 5

struct opts {
	const char *host;
	int port;
	const char *user;
	const char *password;
	uint8_t priv;
	int cipher;
	unsigned int workaround;
	unsigned int timeout_ms;
	unsigned int retrans_ms;
	long long count;
	int workers;
	double duration;
	pid_t daemon_pid;
	enum { MODE_NONE, MODE_REQUESTS, MODE_SETUPS, MODE_PROBE } mode;
};

struct wres {
	int ready;              /* 1 = session open (or no session needed) */
	uint64_t ok;
	uint64_t errors;
	uint64_t t_start_ns;
	uint64_t t_end_ns;
	uint64_t cpu_us;        /* the worker's own CPU time in its window */
	uint64_t lat_max_us;
	uint64_t lat_sum_us;
	char first_error[200];
	uint32_t hist[HIST_US + 1];
};

static struct opts o = {
	.host = "127.0.0.1",
	.port = 623,
	.user = "admin",
	.password = "password",
	.priv = IPMI_PRIVILEGE_LEVEL_ADMIN,
	.cipher = 3,
	.workaround = 0,
	.timeout_ms = 5000,
	.retrans_ms = 500,
	.count = 0,
	.workers = 1,
	.duration = 5.0,
	.daemon_pid = 0,
	.mode = MODE_NONE,
};

static char hostport[300];

/* Workers of a load run, for the parent's SIGTERM/SIGINT handler. */
static pid_t worker_pids[MAX_WORKERS];
static volatile sig_atomic_t n_worker_pids;
/* Shared with the workers: set when the run is called off before it began. */
static volatile int *abort_run;

static void on_term(int sig)
{
	for (int i = 0; i < n_worker_pids; i++)
		kill(worker_pids[i], SIGKILL);
	for (int i = 0; i < n_worker_pids; i++)
		waitpid(worker_pids[i], NULL, 0);
	_exit(128 + sig);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t self_cpu_us(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)ru.ru_utime.tv_sec * 1000000ull + (uint64_t)ru.ru_utime.tv_usec +
	       (uint64_t)ru.ru_stime.tv_sec * 1000000ull + (uint64_t)ru.ru_stime.tv_usec;
}

/* utime + stime of a process, all threads, in microseconds; -1 if unreadable. */
static long long proc_cpu_us(pid_t pid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name (field 2) may hold spaces: start after its ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	p++;
	unsigned long long utime = 0, stime = 0;
	/* After ')': field 3 (state) ... field 14 utime, field 15 stime. */
	if (sscanf(p, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		   &utime, &stime) != 2)
		return -1;
	long hz = sysconf(_SC_CLK_TCK);
	return (long long)((utime + stime) * 1000000ull / (unsigned long long)hz);
}

static void set_err(struct wres *r, const char *what, ipmi_ctx_t ctx)
{
	if (r->first_error[0])
		return;
	snprintf(r->first_error, sizeof(r->first_error), "%s: %s", what,
		 ctx ? ipmi_ctx_errormsg(ctx) : strerror(errno));
}

static ipmi_ctx_t open_session(struct wres *r)
{
	ipmi_ctx_t ctx = ipmi_ctx_create();
	if (!ctx) {
		set_err(r, "ipmi_ctx_create", NULL);
		return NULL;
	}
	if (ipmi_ctx_open_outofband_2_0(ctx, hostport, o.user, o.password,
					NULL, 0, o.priv, (uint8_t)o.cipher,
					o.timeout_ms, o.retrans_ms,
					o.workaround, IPMI_FLAGS_DEFAULT) < 0) {
		set_err(r, "open session", ctx);
		ipmi_ctx_destroy(ctx);
		return NULL;
	}
	return ctx;
}

static void close_session(ipmi_ctx_t ctx)
{
	ipmi_ctx_close(ctx);
	ipmi_ctx_destroy(ctx);
}

/* One Get Device ID (NetFn App, cmd 0x01).  0 on a good answer. */
static int get_device_id(ipmi_ctx_t ctx, struct wres *r, uint8_t *rs, unsigned int rs_len,
			 int *rs_got)
{
	uint8_t rq[1] = { 0x01 };
	int n = ipmi_cmd_raw(ctx, 0, IPMI_NET_FN_APP_RQ, rq, sizeof(rq), rs, rs_len);
	if (rs_got)
		*rs_got = n;
	if (n < 0) {
		set_err(r, "Get Device ID", ctx);
		return -1;
	}
	if (n < 2 || rs[0] != 0x01 || rs[1] != 0x00) {
		if (!r->first_error[0])
			snprintf(r->first_error, sizeof(r->first_error),
				 "Get Device ID: completion code 0x%02x, %d bytes",
				 n >= 2 ? rs[1] : 0xff, n);
		return -1;
	}
	return 0;
}

static void record(struct wres *r, uint64_t lat_ns)
{
	uint64_t us = lat_ns / 1000;
	r->lat_sum_us += us;
	if (us > r->lat_max_us)
		r->lat_max_us = us;
	r->hist[us < HIST_US ? us : HIST_US]++;
}

static void read_all_eof(int fd)
{
	char c;
	for (;;) {
		ssize_t n = read(fd, &c, 1);
		if (n > 0 || (n < 0 && errno == EINTR))
			continue;
		break;
	}
}

static void worker(int idx, struct wres *r, long long quota, int ready_w, int go_r,
		   int done_w, int fin_r)
{
	ipmi_ctx_t ctx = NULL;
	char c;

	if (o.mode == MODE_REQUESTS) {
		ctx = open_session(r);
		if (!ctx) {
			c = 'F';
			if (write(ready_w, &c, 1) < 0)
				_exit(1);
			_exit(1);
		}
	}
	r->ready = 1;
	c = 'R';
	if (write(ready_w, &c, 1) < 0)
		_exit(1);
	close(ready_w);
	read_all_eof(go_r);            /* parent closes its end: go */
	if (*abort_run)
		quota = 0;

	uint64_t cpu0 = self_cpu_us();
	uint64_t t0 = now_ns();
	uint64_t deadline = t0 + (uint64_t)(o.duration * 1e9);
	uint8_t rs[256];
	int consec = 0;
	long long done = 0;

	r->t_start_ns = t0;
	while (done < quota) {
		uint64_t a = now_ns();
		if (a >= deadline)
			break;
		int rc;
		if (o.mode == MODE_REQUESTS) {
			rc = get_device_id(ctx, r, rs, sizeof(rs), NULL);
		} else {
			ipmi_ctx_t s = open_session(r);
			rc = s ? 0 : -1;
			if (s) {
				if (ipmi_ctx_close(s) < 0) {
					set_err(r, "close session", s);
					rc = -1;
				}
				ipmi_ctx_destroy(s);
			}
		}
		uint64_t b = now_ns();
		done++;
		if (rc == 0) {
			r->ok++;
			record(r, b - a);
			consec = 0;
		} else {
			r->errors++;
			if (++consec >= MAX_CONSEC_ERRORS)
				break;
		}
	}
	r->t_end_ns = now_ns();
	r->cpu_us = self_cpu_us() - cpu0;
	(void)idx;

	c = 'D';
	if (write(done_w, &c, 1) < 0)
		_exit(1);
	close(done_w);
	read_all_eof(fin_r);           /* closing the session is not timed */
	if (ctx)
		close_session(ctx);
	_exit(0);
}

static uint64_t percentile(const uint64_t *hist, uint64_t total, double q)
{
	if (total == 0)
		return 0;
	uint64_t want = (uint64_t)(q * (double)total);
	if (want >= total)
		want = total - 1;
	uint64_t acc = 0;
	for (uint64_t i = 0; i <= HIST_US; i++) {
		acc += hist[i];
		if (acc > want)
			return i;
	}
	return HIST_US;
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

static int run_probe(void)
{
	struct wres *r = calloc(1, sizeof(*r));
	uint8_t rs[256];
	int n = 0;
	if (!r)
		return 1;
	ipmi_ctx_t ctx = open_session(r);
	int ok = 0;
	if (ctx) {
		ok = get_device_id(ctx, r, rs, sizeof(rs), &n) == 0;
		close_session(ctx);
	}
	printf("{\"mode\":\"probe\",\"ok\":%s", ok ? "true" : "false");
	if (ok && n >= 13) {
		printf(",\"device_id\":%u,\"fw\":\"%u.%02x\",\"ipmi_version\":\"%u.%u\","
		       "\"manufacturer_id\":%u,\"product_id\":%u",
		       rs[2], rs[4] & 0x7f, rs[5], rs[6] & 0xf, rs[6] >> 4,
		       rs[8] | rs[9] << 8 | (rs[10] & 0x0f) << 16, rs[11] | rs[12] << 8);
	}
	if (!ok) {
		printf(",\"error\":");
		json_str(r->first_error);
	}
	printf("}\n");
	free(r);
	return ok ? 0 : 1;
}

static int run_load(void)
{
	size_t wsz = sizeof(struct wres);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	struct wres *res = mmap(NULL, wsz * (size_t)o.workers, PROT_READ | PROT_WRITE,
				MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	abort_run = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE,
			 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED || abort_run == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	int ready[2], go[2], done[2], fin[2];
	if (pipe(ready) || pipe(go) || pipe(done) || pipe(fin)) {
		perror("pipe");
		return 1;
	}
	pid_t *pids = worker_pids;
	for (int i = 0; i < o.workers; i++) {
		long long quota = o.count / o.workers + (i < o.count % o.workers ? 1 : 0);
		sigset_t block, old;
		sigemptyset(&block);
		sigaddset(&block, SIGTERM);
		sigaddset(&block, SIGINT);
		sigprocmask(SIG_BLOCK, &block, &old);
		pid_t parent = getpid();
		pid_t p = fork();
		if (p < 0) {
			perror("fork");
			on_term(0);
		}
		if (p == 0) {
			/* Never outlive the parent (it would release the workers). */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(1);
			close(ready[0]);
			close(go[1]);
			close(done[0]);
			close(fin[1]);
			signal(SIGTERM, SIG_DFL);
			signal(SIGINT, SIG_DFL);
			sigprocmask(SIG_SETMASK, &old, NULL);
			worker(i, &res[i], quota, ready[1], go[0], done[1], fin[0]);
		}
		pids[i] = p;
		n_worker_pids = i + 1;
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	close(ready[1]);
	close(go[0]);
	close(done[1]);
	close(fin[0]);

	/* Wait until every worker has its session (or failed to get one). */
	int nready = 0, nfail = 0;
	char c;
	while (nready + nfail < o.workers) {
		ssize_t n = read(ready[0], &c, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (c == 'R')
			nready++;
		else
			nfail++;
	}
	int failed = nready < o.workers;
	if (failed)
		*abort_run = 1;        /* workers with a session just close it */

	long long dcpu0 = o.daemon_pid ? proc_cpu_us(o.daemon_pid) : -1;
	uint64_t t0 = now_ns();
	close(go[1]);                  /* release all workers at once */
	int ndone = 0;
	{
		while (ndone < nready) {
			ssize_t n = read(done[0], &c, 1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			ndone++;
		}
	}
	uint64_t t1 = now_ns();
	long long dcpu1 = o.daemon_pid ? proc_cpu_us(o.daemon_pid) : -1;
	close(fin[1]);                 /* workers may now close their sessions */
	for (int i = 0; i < o.workers; i++) {
		int st;
		while (waitpid(pids[i], &st, 0) < 0 && errno == EINTR)
			;
	}

	/* Aggregate. */
	uint64_t ok = 0, errs = 0, cpu = 0, lmax = 0, lsum = 0;
	uint64_t tmin = UINT64_MAX, tmax = 0;
	static uint64_t hist[HIST_US + 1];
	const char *first_error = "";
	for (int i = 0; i < o.workers; i++) {
		struct wres *r = &res[i];
		ok += r->ok;
		errs += r->errors;
		cpu += r->cpu_us;
		lsum += r->lat_sum_us;
		if (r->lat_max_us > lmax)
			lmax = r->lat_max_us;
		if (r->ready && r->t_start_ns) {
			if (r->t_start_ns < tmin)
				tmin = r->t_start_ns;
			if (r->t_end_ns > tmax)
				tmax = r->t_end_ns;
		}
		for (int j = 0; j <= HIST_US; j++)
			hist[j] += r->hist[j];
		if (!first_error[0] && r->first_error[0])
			first_error = r->first_error;
	}
	double elapsed = tmax > tmin ? (double)(tmax - tmin) / 1e9 : (double)(t1 - t0) / 1e9;
	uint64_t ops = ok;

	printf("{\"mode\":\"%s\",\"host\":", o.mode == MODE_REQUESTS ? "requests" : "setups");
	json_str(hostport);
	printf(",\"cipher\":%d,\"sessions\":%d,\"workers_ready\":%d,\"ok\":%" PRIu64
	       ",\"errors\":%" PRIu64 ",\"elapsed_s\":%.6f,\"rate\":%.1f",
	       o.cipher, o.workers, nready, ok, errs, elapsed,
	       elapsed > 0 ? (double)ok / elapsed : 0.0);
	printf(",\"lat_us\":{\"avg\":%.1f,\"p50\":%" PRIu64 ",\"p90\":%" PRIu64
	       ",\"p99\":%" PRIu64 ",\"max\":%" PRIu64 "}",
	       ok ? (double)lsum / (double)ok : 0.0, percentile(hist, ok, 0.50),
	       percentile(hist, ok, 0.90), percentile(hist, ok, 0.99), lmax);
	printf(",\"client_cpu_us\":%" PRIu64 ",\"client_cpu_us_per_op\":%.2f", cpu,
	       ops ? (double)cpu / (double)ops : 0.0);
	if (o.daemon_pid) {
		printf(",\"daemon_pid\":%d", (int)o.daemon_pid);
		if (dcpu0 >= 0 && dcpu1 >= 0)
			printf(",\"daemon_cpu_us\":%lld,\"daemon_cpu_us_per_op\":%.2f",
			       dcpu1 - dcpu0, ops ? (double)(dcpu1 - dcpu0) / (double)ops : 0.0);
		else
			printf(",\"daemon_cpu_us\":null,\"daemon_cpu_us_per_op\":null");
	}
	printf(",\"first_error\":");
	json_str(first_error);
	printf("}\n");
	fflush(stdout);
	if (failed)
		fprintf(stderr, "ipmibench: %d of %d workers could not open a session: %s\n",
			o.workers - nready, o.workers, first_error);
	munmap(res, wsz * (size_t)o.workers);
	return failed ? 1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ipmibench [options] (--requests N | --setups N | --probe)\n"
		"  --host ADDR          BMC address (default 127.0.0.1)\n"
		"  --port PORT          UDP port (default 623)\n"
		"  --user NAME          user name (default admin)\n"
		"  --password PW        password (default password)\n"
		"  --priv LEVEL         user|operator|admin (default admin)\n"
		"  --cipher ID          RMCP+ cipher suite (default 3)\n"
		"  --opensesspriv       FreeIPMI workaround: ask for the session's privilege\n"
		"                       in Open Session instead of 'highest available'\n"
		"  --timeout-ms MS      session timeout (default 5000)\n"
		"  --retrans-ms MS      retransmission timeout (default 500)\n"
		"  --sessions K         parallel workers, each with its own session (default 1)\n"
		"  --duration S         stop after S seconds even if N is not reached (default 5)\n"
		"  --daemon-pid PID     report the CPU time PID used during the timed window\n"
		"  --requests N         Get Device ID requests in total\n"
		"  --setups N           session setups (open + RAKP + set priv + close) in total\n"
		"  --probe              one session, one Get Device ID; exit 0 if it worked\n");
}

int main(int argc, char **argv)
{
	enum { O_HOST = 256, O_PORT, O_USER, O_PASS, O_PRIV, O_CIPHER, O_WA, O_TMO,
	       O_RETR, O_SESS, O_DUR, O_PID, O_REQ, O_SETUPS, O_PROBE, O_HELP };
	static const struct option lo[] = {
		{ "host", required_argument, 0, O_HOST },
		{ "port", required_argument, 0, O_PORT },
		{ "user", required_argument, 0, O_USER },
		{ "password", required_argument, 0, O_PASS },
		{ "priv", required_argument, 0, O_PRIV },
		{ "cipher", required_argument, 0, O_CIPHER },
		{ "opensesspriv", no_argument, 0, O_WA },
		{ "timeout-ms", required_argument, 0, O_TMO },
		{ "retrans-ms", required_argument, 0, O_RETR },
		{ "sessions", required_argument, 0, O_SESS },
		{ "duration", required_argument, 0, O_DUR },
		{ "daemon-pid", required_argument, 0, O_PID },
		{ "requests", required_argument, 0, O_REQ },
		{ "setups", required_argument, 0, O_SETUPS },
		{ "probe", no_argument, 0, O_PROBE },
		{ "help", no_argument, 0, O_HELP },
		{ 0, 0, 0, 0 },
	};
	int ch;
	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case O_HOST: o.host = optarg; break;
		case O_PORT: o.port = atoi(optarg); break;
		case O_USER: o.user = optarg; break;
		case O_PASS: o.password = optarg; break;
		case O_PRIV:
			if (!strcasecmp(optarg, "user"))
				o.priv = IPMI_PRIVILEGE_LEVEL_USER;
			else if (!strcasecmp(optarg, "operator"))
				o.priv = IPMI_PRIVILEGE_LEVEL_OPERATOR;
			else if (!strcasecmp(optarg, "admin") || !strcasecmp(optarg, "administrator"))
				o.priv = IPMI_PRIVILEGE_LEVEL_ADMIN;
			else {
				usage(stderr);
				return 2;
			}
			break;
		case O_CIPHER: o.cipher = atoi(optarg); break;
		case O_WA: o.workaround |= IPMI_WORKAROUND_FLAGS_OUTOFBAND_2_0_OPEN_SESSION_PRIVILEGE; break;
		case O_TMO: o.timeout_ms = (unsigned int)atoi(optarg); break;
		case O_RETR: o.retrans_ms = (unsigned int)atoi(optarg); break;
		case O_SESS: o.workers = atoi(optarg); break;
		case O_DUR: o.duration = atof(optarg); break;
		case O_PID: o.daemon_pid = (pid_t)atoi(optarg); break;
		case O_REQ: o.mode = MODE_REQUESTS; o.count = atoll(optarg); break;
		case O_SETUPS: o.mode = MODE_SETUPS; o.count = atoll(optarg); break;
		case O_PROBE: o.mode = MODE_PROBE; break;
		case O_HELP: usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (o.mode == MODE_NONE || optind != argc || o.port <= 0 || o.port > 65535 ||
	    o.workers < 1 || o.workers > MAX_WORKERS || o.duration <= 0 ||
	    (o.mode != MODE_PROBE && o.count < 1)) {
		usage(stderr);
		return 2;
	}
	/* libfreeipmi takes the port as part of the host name: HOST:PORT, or
	 * [ADDR]:PORT for an IPv6 address. */
	if (strchr(o.host, ':'))
		snprintf(hostport, sizeof(hostport), "[%s]:%d", o.host, o.port);
	else
		snprintf(hostport, sizeof(hostport), "%s:%d", o.host, o.port);
	signal(SIGPIPE, SIG_IGN);
	return o.mode == MODE_PROBE ? run_probe() : run_load();
}
