/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "channels/channel.h"
#include "channels/lanconfig.h"
#include "daemon/bmc.h"
#include "daemon/ipmi.h"
#include "daemon/log.h"
#include "daemon/param.h"
#include "daemon/store.h"

#define LANCONF_FILE "lan-config"
#define LANCONF_VERSION 2
#define PARAM_REVISION 0x11

enum {
	P_SET_IN_PROGRESS = 0, P_AUTH_SUPPORT = 1, P_AUTH_ENABLES = 2, P_IP = 3, P_IP_SOURCE = 4,
	P_MAC = 5, P_NETMASK = 6, P_IPV4_HDR = 7, P_PRIMARY_PORT = 8, P_ARP = 10, P_GARP = 11,
	P_GW = 12, P_GW_MAC = 13, P_BGW = 14, P_BGW_MAC = 15, P_COMMUNITY = 16, P_NDEST = 17,
	P_DEST_TYPE = 18, P_DEST_ADDR = 19, P_VLAN = 20, P_VLAN_PRIO = 21, P_NSUITES = 22,
	P_SUITES = 23, P_SUITE_PRIV = 24, P_DEST_VLAN = 25, P_BAD_PW = 26,
	P_IPV6_SUPPORT = 50, P_IPV6_ENABLES = 51, P_IPV6_STATUS = 55,
};

uint8_t lanconf_suite_priv(const struct bmc *bmc, uint8_t id)
{
	if (id >= 32 || !(bmc->cfg.lan.cipher_suites & (1u << id)))
		return PRIV_NONE;
	return bmc->lanconf->suite_priv[id];
}

uint8_t lanconf_auth_enables(const struct bmc *bmc, uint8_t priv)
{
	if (priv < PRIV_CALLBACK || priv > PRIV_OEM)
		return 0;
	return bmc->lanconf->auth_enables[priv - PRIV_CALLBACK];
}

static uint8_t auth_support(const struct bmc *bmc)
{
	const struct cfg_lan *l = &bmc->cfg.lan;

	return (uint8_t)((l->auth_none ? 0x01 : 0) | (l->auth_md5 ? 0x04 : 0) | (l->auth_password ? 0x10 : 0));
}

/* --- persistence ------------------------------------------------------------ */

/* 0, or the store's -errno (logged). */
static int lanconf_save(struct bmc *bmc)
{
	const struct lanconf *lc = bmc->lanconf;
	struct netif_state st;
	uint8_t buf[256];
	struct wbuf w = wb_init(buf, sizeof(buf));
	int r;

	if (netif_get((struct netif *)&lc->nif, &st) < 0)
		st = lc->nif.mem;
	wb_u8(&w, LANCONF_VERSION);
	wb_bytes(&w, lc->auth_enables, 5);
	wb_u8(&w, lc->ip_source);
	wb_bytes(&w, &st.addr, 4);
	wb_u8(&w, st.prefix);
	wb_bytes(&w, &st.gateway, 4);
	wb_bytes(&w, lc->ipv4_hdr, 3);
	wb_u8(&w, lc->arp_control);
	wb_u8(&w, lc->garp_interval);
	wb_bytes(&w, lc->gw_mac, 6);
	wb_bytes(&w, &lc->backup_gw, 4);
	wb_bytes(&w, lc->backup_gw_mac, 6);
	wb_bytes(&w, lc->community, 18);
	wb_le16(&w, lc->vlan);
	wb_u8(&w, lc->vlan_prio);
	wb_bytes(&w, lc->suite_priv, sizeof(lc->suite_priv));
	wb_bytes(&w, lc->dest_type, sizeof(lc->dest_type));
	wb_bytes(&w, lc->dest_addr, sizeof(lc->dest_addr));
	wb_bytes(&w, lc->dest_vlan, sizeof(lc->dest_vlan));
	wb_bytes(&w, lc->suite_priv_raw, sizeof(lc->suite_priv_raw));	/* appended later */
	r = wb_ok(&w) ? store_write(bmc->state_fd, LANCONF_FILE, buf, w.len) : -ENOBUFS;
	if (r < 0)
		log_error_errno(r, "state: cannot write %s", LANCONF_FILE);
	return r;
}

/* Returns true when a valid file was loaded; fills addr, prefix and gw with
 * the saved IPv4 settings. */
static int lanconf_load(struct bmc *bmc, struct in_addr *addr, uint8_t *prefix, struct in_addr *gw)
{
	struct lanconf *lc = bmc->lanconf, t = *lc;
	uint8_t buf[256];
	ssize_t n = store_load(bmc->state_fd, LANCONF_FILE, buf, sizeof(buf), "state");
	struct rbuf r = rb_init(buf, n > 0 ? (size_t)n : 0);

	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return (int)n;		/* logged */
	if (rb_u8(&r) != LANCONF_VERSION)
		goto corrupt;
	rb_copy(&r, t.auth_enables, 5);
	t.ip_source = rb_u8(&r);
	rb_copy(&r, addr, 4);
	*prefix = rb_u8(&r);
	rb_copy(&r, gw, 4);
	rb_copy(&r, t.ipv4_hdr, 3);
	t.arp_control = rb_u8(&r);
	t.garp_interval = rb_u8(&r);
	rb_copy(&r, t.gw_mac, 6);
	rb_copy(&r, &t.backup_gw, 4);
	rb_copy(&r, t.backup_gw_mac, 6);
	rb_copy(&r, t.community, 18);
	t.vlan = rb_le16(&r);
	t.vlan_prio = rb_u8(&r);
	rb_copy(&r, t.suite_priv, sizeof(t.suite_priv));
	rb_copy(&r, t.dest_type, sizeof(t.dest_type));
	rb_copy(&r, t.dest_addr, sizeof(t.dest_addr));
	rb_copy(&r, t.dest_vlan, sizeof(t.dest_vlan));
	if (rb_left(&r) == sizeof(t.suite_priv_raw))	/* absent in older files */
		rb_copy(&r, t.suite_priv_raw, sizeof(t.suite_priv_raw));
	if (!rb_done(&r) || *prefix > 32 || t.ip_source > 4)
		goto corrupt;
	*lc = t;
	return 1;
corrupt:
	log_warning("state: %s is corrupt; moved to %s.corrupt, using defaults", LANCONF_FILE,
		    LANCONF_FILE);
	store_set_aside(bmc->state_fd, LANCONF_FILE, "state");
	return 0;
}

static bool valid_host_addr(struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);

	return h != 0 && h != 0xffffffffu && (h >> 24) != 127 && (h >> 28) != 0xe;
}

/* --- DHCP ----------------------------------------------------------------------------
 *
 * IP address source DHCP (parameter 4 = 2) on a board with lan.interface:
 * bmcd runs busybox's udhcpc on the interface that carries the address
 * (the VLAN sub-interface when one is on), in the foreground so it keeps
 * renewing.  Its event hook is a two-line shell script bmcd writes into
 * the state directory ("dhcp-hook", 0700); it prints "EVENT IP MASK ROUTER
 * LEASE" on udhcpc's stdout, a pipe to bmcd, and bmcd applies the address
 * and default route through rtnetlink like a static one (udhcpc itself
 * changes nothing).  "deconfig" is ignored: the old address stays until a
 * lease comes.  Setting the source back to static stops the client.
 */

#define DHCP_HOOK "dhcp-hook"

static const char dhcp_hook[] =
	"#!/bin/sh\n"
	"# Written by bmcd: udhcpc's event hook.  bmcd reads this line and applies it.\n"
	"echo \"$1 ${ip:-0.0.0.0} ${subnet:-0.0.0.0} ${router%% *} ${lease:-0}\"\n";

static const char *dhcp_client(bool *busybox)
{
	static const char *const direct[] = { "/usr/sbin/udhcpc", "/sbin/udhcpc" };
	static const char *const bb[] = { "/usr/bin/busybox", "/bin/busybox" };

	for (size_t i = 0; i < sizeof(direct) / sizeof(direct[0]); i++)
		if (access(direct[i], X_OK) == 0) {
			*busybox = false;
			return direct[i];
		}
	for (size_t i = 0; i < sizeof(bb) / sizeof(bb[0]); i++)
		if (access(bb[i], X_OK) == 0) {
			*busybox = true;
			return bb[i];
		}
	return NULL;
}

static void dhcp_event(struct bmc *bmc, char *line)
{
	struct lanconf *lc = bmc->lanconf;
	char event[16], ip_s[16], mask_s[16], gw_s[16];
	struct in_addr ip = { 0 }, mask = { 0 }, gw = { 0 };
	unsigned long lease = 0;
	int prefix, n, r;

	gw_s[0] = '\0';
	n = sscanf(line, "%15s %15s %15s %15s %lu", event, ip_s, mask_s, gw_s, &lease);
	if (n < 3)
		return;
	if (strcmp(event, "bound") != 0 && strcmp(event, "renew") != 0) {
		if (strcmp(event, "deconfig") != 0)
			log_warning("lan config: DHCP on %s: %s", lc->nif.ifname, event);
		return;
	}
	if (n == 4 && strspn(gw_s, "0123456789") == strlen(gw_s)) {
		lease = strtoul(gw_s, NULL, 10);	/* no router: the lease moved up */
		gw_s[0] = '\0';
	}
	prefix = inet_pton(AF_INET, mask_s, &mask) == 1 ? netmask_to_prefix(mask) : -1;
	if (inet_pton(AF_INET, ip_s, &ip) != 1 || !valid_host_addr(ip) || prefix < 1 || prefix > 32) {
		log_warning("lan config: DHCP on %s: unusable lease \"%s\"", lc->nif.ifname, line);
		return;
	}
	if (gw_s[0] && (inet_pton(AF_INET, gw_s, &gw) != 1 || !valid_host_addr(gw)))
		gw.s_addr = 0;
	if (lc->ip_source != 2)
		return;		/* switched to static meanwhile */
	r = netif_set_addr(&lc->nif, ip, (uint8_t)prefix);
	if (r == 0 && gw.s_addr)
		r = netif_set_gateway(&lc->nif, gw);
	if (r < 0) {
		log_error_errno(r, "lan config: cannot apply the DHCP lease on %s", lc->nif.ifname);
		return;
	}
	log_notice("lan config: DHCP %s on %s: %s/%d, gateway %s, lease %lu s", event, lc->nif.ifname,
		   ip_s, prefix, gw.s_addr ? gw_s : "none", lease);
}

static void dhcp_stop(struct bmc *bmc)
{
	struct lanconf *lc = bmc->lanconf;

	lc->dhcp_src = sd_event_source_disable_unref(lc->dhcp_src);
	if (lc->dhcp_fd >= 0)
		close(lc->dhcp_fd);
	lc->dhcp_fd = -1;
	lc->dhcp_len = 0;
	if (lc->dhcp_pid > 0) {
		kill(lc->dhcp_pid, SIGTERM);
		while (waitpid(lc->dhcp_pid, NULL, 0) < 0 && errno == EINTR)
			;
		log_info("lan config: DHCP client (pid %d) stopped", lc->dhcp_pid);
	}
	lc->dhcp_pid = 0;
}

static int dhcp_on_output(sd_event_source *src, int fd, uint32_t revents, void *userdata)
{
	struct bmc *bmc = userdata;
	struct lanconf *lc = bmc->lanconf;
	ssize_t n = 0;
	char *nl;

	if (revents & EPOLLIN) {
		n = read(fd, lc->dhcp_line + lc->dhcp_len, sizeof(lc->dhcp_line) - 1 - lc->dhcp_len);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
	}
	if (n <= 0) {
		int status = 0, pid = lc->dhcp_pid;

		/* udhcpc closed its stdout: it has exited. */
		lc->dhcp_src = sd_event_source_disable_unref(lc->dhcp_src);
		close(lc->dhcp_fd);
		lc->dhcp_fd = -1;
		if (pid > 0)
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
		lc->dhcp_pid = 0;
		log_error("lan config: the DHCP client on %s exited (status %d); the address stays as it is",
			  lc->nif.ifname, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return 0;
	}
	lc->dhcp_len += (size_t)n;
	lc->dhcp_line[lc->dhcp_len] = '\0';
	while ((nl = strchr(lc->dhcp_line, '\n'))) {
		*nl = '\0';
		dhcp_event(bmc, lc->dhcp_line);
		lc->dhcp_len -= (size_t)(nl + 1 - lc->dhcp_line);
		memmove(lc->dhcp_line, nl + 1, lc->dhcp_len + 1);
	}
	if (lc->dhcp_len == sizeof(lc->dhcp_line) - 1)
		lc->dhcp_len = 0;	/* an overlong line: drop it */
	return 0;
}

static int dhcp_start(struct bmc *bmc)
{
	struct lanconf *lc = bmc->lanconf;
	char active[16], hook[64];
	const char *argv[16];
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t sa;
	sigset_t none, all;
	bool busybox;
	const char *prog = dhcp_client(&busybox);
	unsigned a = 0;
	int fds[2], r;
	pid_t pid;

	if (!lc->nif.ifname[0] || lc->dhcp_pid > 0)
		return 0;
	if (!prog) {
		log_error("lan config: IP address source DHCP: no DHCP client (udhcpc or busybox) "
			  "on this system; the address stays as it is");
		return -ENOENT;
	}
	r = store_write(bmc->state_fd, DHCP_HOOK, dhcp_hook, sizeof(dhcp_hook) - 1);
	if (r == 0 && fchmodat(bmc->state_fd, DHCP_HOOK, 0700, 0) < 0)
		r = -errno;
	if (r < 0)
		return log_error_errno(r, "lan config: cannot write %s", DHCP_HOOK);
	/* The state directory by bmcd's descriptor (it may be a relative
	 * path, and udhcpc does not inherit the descriptor). */
	snprintf(hook, sizeof(hook), "/proc/%d/fd/%d/%s", (int)getpid(), bmc->state_fd, DHCP_HOOK);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return log_error_errno(-errno, "lan config: pipe");
	argv[a++] = "udhcpc";
	if (busybox)
		argv[a++] = "udhcpc";
	argv[a++] = "-f";			/* foreground: keeps renewing */
	argv[a++] = "-B";			/* broadcast replies: no address yet */
	argv[a++] = "-t";
	argv[a++] = "3";
	argv[a++] = "-T";
	argv[a++] = "2";
	argv[a++] = "-A";
	argv[a++] = "10";
	argv[a++] = "-i";
	argv[a++] = netif_active(&lc->nif, active);
	argv[a++] = "-s";
	argv[a++] = hook;
	argv[a] = NULL;
	/* bmcd blocks the signals sd-event handles; the client must not
	 * inherit that (or SIGTERM would not stop it). */
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_init(&sa);
	posix_spawnattr_setsigmask(&sa, &none);
	posix_spawnattr_setsigdefault(&sa, &all);
	posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	r = posix_spawn(&pid, prog, &fa, &sa, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&sa);
	close(fds[1]);
	if (r != 0) {
		close(fds[0]);
		return log_error_errno(-r, "lan config: cannot run %s", prog);
	}
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	lc->dhcp_pid = pid;
	lc->dhcp_fd = fds[0];
	lc->dhcp_len = 0;
	r = sd_event_add_io(bmc->ev, &lc->dhcp_src, fds[0], EPOLLIN, dhcp_on_output, bmc);
	if (r < 0) {
		dhcp_stop(bmc);
		return log_error_errno(r, "lan config: DHCP event source");
	}
	log_notice("lan config: DHCP client started on %s (pid %d)", active, (int)pid);
	return 0;
}

/* Start or stop the DHCP client to match the IP address source. */
static void dhcp_update(struct bmc *bmc)
{
	struct lanconf *lc = bmc->lanconf;

	if (lc->ip_source == 2)
		dhcp_start(bmc);
	else if (lc->dhcp_pid > 0)
		dhcp_stop(bmc);
}

static int lanconf_apply_vlan(struct lanconf *lc)
{
	uint16_t id = (lc->vlan & 0x8000) ? lc->vlan & 0xfff : 0;
	char name[16];
	int r = netif_set_vlan(&lc->nif, id, lc->vlan_prio);

	if (r == 0 && lc->nif.ifname[0])
		log_notice("lan config: %s now carries the address (VLAN %s, priority %u)",
			   netif_active(&lc->nif, name), id ? "on" : "off", lc->vlan_prio);
	return r;
}

int lanconf_init(struct bmc *bmc)
{
	struct lanconf *lc = bmc->lanconf;
	struct in_addr addr = { 0 }, gw = { 0 };
	uint8_t prefix = 0, at;
	int r;

	memset(lc, 0, sizeof(*lc));
	lc->bmc = bmc;
	lc->dhcp_fd = -1;
	snprintf(lc->nif.ifname, sizeof(lc->nif.ifname), "%s", bmc->cfg.lan.interface);
	at = auth_support(bmc);
	memset(lc->auth_enables, at, sizeof(lc->auth_enables));
	lc->ip_source = 1;
	lc->ipv4_hdr[0] = 0x40;			/* TTL 64 */
	lc->ipv4_hdr[1] = 0x40;			/* don't fragment */
	lc->ipv4_hdr[2] = 0x10;			/* precedence 0, TOS minimize delay */
	memcpy(lc->community, "public", 6);
	for (unsigned id = 0; id < 32 && lc->n_suites < LANCONF_MAX_SUITES; id++)
		if (bmc->cfg.lan.cipher_suites & (1u << id)) {
			lc->suite_id[lc->n_suites++] = (uint8_t)id;
			lc->suite_priv[id] = PRIV_ADMIN;
		}
	r = lanconf_load(bmc, &addr, &prefix, &gw);
	if (r <= 0)
		return r;
	/* The saved settings are authoritative: put them back on the NIC,
	 * the VLAN sub-interface first (the address goes on it). */
	if (lc->vlan & 0x8000) {
		r = lanconf_apply_vlan(lc);
		if (r < 0)
			log_error_errno(r, "lan config: cannot restore VLAN %u on %s", lc->vlan & 0xfff,
					lc->nif.ifname);
	}
	if (lc->ip_source == 1 && addr.s_addr) {
		r = netif_set_addr(&lc->nif, addr, prefix);
		if (r < 0)
			log_error_errno(r, "lan config: cannot restore the address on %s", lc->nif.ifname);
		r = netif_set_gateway(&lc->nif, gw);
		if (r < 0)
			log_error_errno(r, "lan config: cannot restore the gateway on %s", lc->nif.ifname);
	}
	dhcp_update(bmc);	/* IP source DHCP: the address comes from a lease */
	return 0;
}

/* --- applying changes --------------------------------------------------------- */

static int lanconf_apply(sd_event_source *src, void *userdata)
{
	struct bmc *bmc = userdata;
	struct lanconf *lc = bmc->lanconf;
	int r;

	lc->apply = sd_event_source_disable_unref(lc->apply);
	/* The VLAN first: an address set with it goes on the new interface. */
	if (lc->pending_vlan) {
		lc->pending_vlan = false;
		r = lanconf_apply_vlan(lc);
		if (r < 0)
			log_error_errno(r, "lan config: cannot set VLAN %u on %s", lc->vlan & 0xfff,
					lc->nif.ifname);
		else if (lc->dhcp_pid > 0)
			dhcp_stop(bmc);		/* restarted below on the new interface */
		lc->pending_dhcp = true;
	}
	if (lc->pending_dhcp) {
		lc->pending_dhcp = false;
		dhcp_update(bmc);
	}
	if (lc->pending_addr) {
		lc->pending_addr = false;
		r = netif_set_addr(&lc->nif, lc->new_addr, lc->new_prefix);
		if (r < 0)
			log_error_errno(r, "lan config: cannot set the address of %s", lc->nif.ifname);
	}
	if (lc->pending_gw) {
		lc->pending_gw = false;
		r = netif_set_gateway(&lc->nif, lc->new_gw);
		if (r < 0)
			log_error_errno(r, "lan config: cannot set the gateway of %s", lc->nif.ifname);
	}
	lanconf_save(bmc);
	return 0;
}

/* 0, or -EIO when the change cannot be scheduled. */
static int lanconf_schedule(struct bmc *bmc)
{
	struct lanconf *lc = bmc->lanconf;

	if (!lc->nif.ifname[0])
		return lanconf_apply(NULL, bmc) == 0 ? 0 : -EIO;
	/* Inside set-in-progress, changes wait for "set complete" or "commit". */
	if (lc->set_in_progress == 1)
		return 0;
	if (!lc->apply && sd_event_add_defer(bmc->ev, &lc->apply, lanconf_apply, bmc) < 0)
		return -EIO;
	return 0;
}

static int set_netif(struct bmc *bmc, struct in_addr addr, uint8_t prefix)
{
	struct lanconf *lc = bmc->lanconf;

	log_notice("lan config: %s: address %s/%u set", lc->nif.ifname[0] ? lc->nif.ifname : "(no NIC)",
		   inet_ntoa(addr), prefix);
	lc->pending_addr = true;
	lc->new_addr = addr;
	lc->new_prefix = prefix;
	return lanconf_schedule(bmc);
}

void lanconf_reset_volatile(struct bmc *bmc)
{
	struct lanconf *lc = bmc->lanconf;

	/* "Set complete", as if written: bmcd has no rollback, so changes
	 * held back by "set in progress" are applied (docs/lan-config.md). */
	if (lc->set_in_progress != 1)
		return;
	lc->set_in_progress = 0;
	if (lc->pending_addr || lc->pending_gw || lc->pending_vlan || lc->pending_dhcp)
		lanconf_schedule(bmc);
}

void lanconf_done(struct bmc *bmc)
{
	struct lanconf *lc = bmc->lanconf;

	if (lc->apply)
		lanconf_apply(NULL, bmc);
	dhcp_stop(bmc);
}

/* --- the parameters (ctx: struct lanconf) ---------------------------------------- */

static struct lanconf *lanconf_of(void *ctx)
{
	return ctx;
}

static struct bmc *bmc_of(void *ctx)
{
	return ((struct lanconf *)ctx)->bmc;
}

static bool lanconf_pending(const struct lanconf *lc)
{
	return lc->pending_addr || lc->pending_gw || lc->pending_vlan || lc->pending_dhcp;
}

/* The NIC as Get shows it: inside set-in-progress, what will be applied. */
static struct netif_state shown_netif(struct lanconf *lc)
{
	struct netif_state st;
	int r = netif_get(&lc->nif, &st);

	if (r < 0) {
		log_warning_errno(r, "lan config: cannot read %s", lc->nif.ifname);
		st = (struct netif_state){ 0 };
	}
	if (lc->pending_addr) {
		st.addr = lc->new_addr;
		st.prefix = lc->new_prefix;
	}
	if (lc->pending_gw)
		st.gateway = lc->new_gw;
	return st;
}

static int set_in_progress(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct lanconf *lc = lanconf_of(ctx);
	int ret = param_set_in_progress(&lc->set_in_progress, rb_u8(r), false);

	if (ret < 0)
		return ret;
	/* "Set complete" or "commit": what was held back is applied now. */
	if (lc->set_in_progress == 0 && lanconf_pending(lc))
		return lanconf_schedule(bmc_of(ctx));
	return 0;
}

static int get_auth_support(void *ctx, const struct param_query *q, struct wbuf *w)
{
	wb_u8(w, auth_support(bmc_of(ctx)));
	return 0;
}

static int set_auth_enables(void *ctx, const struct param_def *d, struct rbuf *r)
{
	uint8_t b[5];

	rb_copy(r, b, sizeof(b));
	for (int i = 0; i < 5; i++)
		if (b[i] & ~auth_support(bmc_of(ctx)))
			return -EINVAL;	/* a type the board does not allow */
	memcpy(lanconf_of(ctx)->auth_enables, b, sizeof(b));
	return 0;
}

static int get_ip(void *ctx, const struct param_query *q, struct wbuf *w)
{
	struct netif_state st = shown_netif(lanconf_of(ctx));
	struct in_addr mask = prefix_to_netmask(st.prefix);

	switch (q->def->sel) {
	case P_IP: wb_bytes(w, &st.addr, 4); break;
	case P_MAC: wb_bytes(w, st.mac, 6); break;
	case P_NETMASK: wb_bytes(w, &mask, 4); break;
	default: wb_bytes(w, &st.gateway, 4); break;
	}
	return 0;
}

static int set_ip(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct lanconf *lc = lanconf_of(ctx);
	struct netif_state st;
	struct in_addr a;

	rb_copy(r, &a, 4);
	if (netif_get(&lc->nif, &st) < 0)
		return -EIO;
	if (!valid_host_addr(a))
		return -EINVAL;
	return set_netif(bmc_of(ctx), a, lc->pending_addr ? lc->new_prefix : st.prefix ? st.prefix : 24);
}

static int set_ip_source(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct lanconf *lc = lanconf_of(ctx);
	uint8_t v = rb_u8(r);

	if (v < 1 || v > 2)
		return -EINVAL;	/* static or DHCP */
	lc->ip_source = v;
	lc->pending_dhcp = true;
	return lanconf_schedule(bmc_of(ctx));
}

static int set_netmask(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct lanconf *lc = lanconf_of(ctx);
	struct netif_state st;
	struct in_addr a;
	int prefix;

	rb_copy(r, &a, 4);
	if (netif_get(&lc->nif, &st) < 0)
		return -EIO;
	prefix = netmask_to_prefix(a);
	if (prefix < 1 || prefix > 30)
		return -EINVAL;
	a = lc->pending_addr ? lc->new_addr : st.addr;
	if (!a.s_addr) {
		lc->nif.mem.prefix = (uint8_t)prefix;
		return 0;
	}
	return set_netif(bmc_of(ctx), a, (uint8_t)prefix);
}

static int set_ipv4_hdr(void *ctx, const struct param_def *d, struct rbuf *r)
{
	uint8_t b[3];

	rb_copy(r, b, sizeof(b));
	if (b[0] == 0 || (b[1] & 0x9f) || (b[2] & 0x01))
		return -EINVAL;
	memcpy(lanconf_of(ctx)->ipv4_hdr, b, sizeof(b));
	return 0;
}

static int get_port(void *ctx, const struct param_query *q, struct wbuf *w)
{
	const struct cfg_lan *l = &bmc_of(ctx)->cfg.lan;

	wb_le16(w, l->n_listen ? ntohs(((const struct sockaddr_in *)&l->listen[0].addr)->sin_port) : 623);
	return 0;
}

/* Gateway addresses: 0 (none) or a host address. */
static int set_gateway(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct lanconf *lc = lanconf_of(ctx);
	struct in_addr a;

	rb_copy(r, &a, 4);
	if (a.s_addr && !valid_host_addr(a))
		return -EINVAL;
	if (d->sel == P_BGW) {
		lc->backup_gw = a;
		return 0;
	}
	lc->pending_gw = true;
	lc->new_gw = a;
	return lanconf_schedule(bmc_of(ctx));
}

/* Alert destinations 0 (volatile) to LANCONF_DESTINATIONS: a set
 * selector, then an entry of max_len - 1 bytes at .off. */
static int get_dest(void *ctx, const struct param_query *q, struct wbuf *w)
{
	return param_get_entry(w, q->set, 0, LANCONF_DESTINATIONS + 1, (uint8_t *)ctx + q->def->off,
			       q->def->max_len - 1u, q->def->max_len - 1u);
}

static int set_dest(void *ctx, const struct param_def *d, struct rbuf *r)
{
	uint8_t set = rb_u8(r), b[12];
	size_t n = d->max_len - 1u;

	rb_copy(r, b, n);
	if (set > LANCONF_DESTINATIONS)
		return -ERANGE;
	if (d->sel == P_DEST_TYPE &&
	    ((b[0] & 0x78) || ((b[0] & 7) != 0 && (b[0] & 7) < 6) || (b[2] & 0xf8)))
		return -EINVAL;
	if (d->sel == P_DEST_ADDR && ((b[0] & 0xf0) || (b[1] & 0xfe)))
		return -EINVAL;	/* IPv4 only; default or backup gateway */
	memcpy((uint8_t *)ctx + d->off + set * n, b, n);
	return 0;
}

static int set_vlan(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct lanconf *lc = lanconf_of(ctx);
	uint16_t v = rb_le16(r);

	if (v & 0x7000 || ((v & 0x8000) && ((v & 0xfff) == 0 || (v & 0xfff) == 0xfff)))
		return -EINVAL;
	lc->vlan = v;
	lc->pending_vlan = true;
	return lanconf_schedule(bmc_of(ctx));
}

static int set_vlan_prio(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct lanconf *lc = lanconf_of(ctx);
	uint8_t v = rb_u8(r);

	if (v > 7)
		return -EINVAL;
	lc->vlan_prio = v;
	lc->pending_vlan = true;
	return lanconf_schedule(bmc_of(ctx));
}

static int get_suites(void *ctx, const struct param_query *q, struct wbuf *w)
{
	const struct lanconf *lc = lanconf_of(ctx);

	wb_u8(w, 0);
	wb_bytes(w, lc->suite_id, lc->n_suites);
	return 0;
}

/* Nibble i (low nibble first) is entry i of parameter 23 (table 23-4). */
static int get_suite_priv(void *ctx, const struct param_query *q, struct wbuf *w)
{
	const struct lanconf *lc = lanconf_of(ctx);

	wb_u8(w, 0);
	for (unsigned i = 0; i < LANCONF_MAX_SUITES; i += 2) {
		uint8_t lo = lc->suite_priv_raw[i / 2] & 0x0f, hi = lc->suite_priv_raw[i / 2] >> 4;

		if (i < lc->n_suites)
			lo = lc->suite_priv[lc->suite_id[i]];
		if (i + 1 < lc->n_suites)
			hi = lc->suite_priv[lc->suite_id[i + 1]];
		wb_u8(w, (uint8_t)(lo | hi << 4));
	}
	return 0;
}

static int set_suite_priv(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct lanconf *lc = lanconf_of(ctx);
	uint8_t b[8];

	(void)rb_u8(r);
	rb_copy(r, b, sizeof(b));
	for (unsigned i = 0; i < LANCONF_MAX_SUITES; i++)
		if (((b[i / 2] >> (4 * (i % 2))) & 0x0f) > PRIV_OEM)
			return -EINVAL;
	/* Nibbles past the last entry name no suite: kept as written, no
	 * effect. */
	memcpy(lc->suite_priv_raw, b, sizeof(lc->suite_priv_raw));
	for (unsigned i = 0; i < lc->n_suites; i++)
		lc->suite_priv[lc->suite_id[i]] = (b[i / 2] >> (4 * (i % 2))) & 0x0f;
	return 0;
}

static int get_bad_pw(void *ctx, const struct param_query *q, struct wbuf *w)
{
	struct bmc *bmc = bmc_of(ctx);
	const struct lockout_policy *lp = channel_lockout(bmc->channels, bmc->cfg.lan.channel);

	wb_u8(w, lp && lp->audit ? 1 : 0);
	wb_u8(w, lp ? lp->threshold : 0);
	wb_le16(w, lp ? lp->reset_10s : 0);
	wb_le16(w, lp ? lp->lockout_10s : 0);
	return 0;
}

static int set_bad_pw(void *ctx, const struct param_def *d, struct rbuf *r)
{
	struct bmc *bmc = bmc_of(ctx);
	struct lockout_policy lp;
	uint8_t v = rb_u8(r);

	lp.audit = v & 1;
	lp.threshold = rb_u8(r);
	lp.reset_10s = rb_le16(r);
	lp.lockout_10s = rb_le16(r);
	if (v & 0xfe)
		return -EINVAL;
	return channel_set_lockout(bmc->channels, bmc->cfg.lan.channel, &lp) < 0 ? -EIO : 0;
}

/* IPv4 only: IPv6 can be set to "disabled" and nothing else. */
static int set_ipv6_enables(void *ctx, const struct param_def *d, struct rbuf *r)
{
	return rb_u8(r) == 0 ? 0 : -EINVAL;
}

static int get_ipv6_status(void *ctx, const struct param_query *q, struct wbuf *w)
{
	wb_zero(w, 3);		/* no static or dynamic IPv6 addresses */
	return 0;
}

static uint8_t *lan_in_progress(void *ctx)
{
	return &lanconf_of(ctx)->set_in_progress;
}

static int lan_save(void *ctx)
{
	/* Not durable, not acknowledged: param_set() puts a plain
	 * parameter back and answers with an error. */
	return lanconf_save(bmc_of(ctx));
}

#define AT(member) .off = offsetof(struct lanconf, member)
#define PLAIN(sel, member, mask) PARAM_PLAIN_AT(sel, struct lanconf, member, mask)
#define RO(sel, len, get) { (sel), (len), (len), PARAM_RO, get }

static const struct param_def lan_params[] = {
	{ P_SET_IN_PROGRESS, 1, 1, PARAM_VOLATILE, NULL, set_in_progress },
	RO(P_AUTH_SUPPORT, 1, get_auth_support),
	{ P_AUTH_ENABLES, 5, 5, PARAM_PLAIN, NULL, set_auth_enables, AT(auth_enables) },
	{ P_IP, 4, 4, 0, get_ip, set_ip },
	{ P_IP_SOURCE, 1, 1, PARAM_PLAIN, NULL, set_ip_source, AT(ip_source) },
	RO(P_MAC, 6, get_ip),
	{ P_NETMASK, 4, 4, 0, get_ip, set_netmask },
	{ P_IPV4_HDR, 3, 3, PARAM_PLAIN, NULL, set_ipv4_hdr, AT(ipv4_hdr) },
	RO(P_PRIMARY_PORT, 2, get_port),
	PLAIN(P_ARP, arp_control, 0xfc),
	PLAIN(P_GARP, garp_interval, 0x00),
	{ P_GW, 4, 4, 0, get_ip, set_gateway },
	PLAIN(P_GW_MAC, gw_mac, 0x00),
	{ P_BGW, 4, 4, PARAM_PLAIN, NULL, set_gateway, AT(backup_gw) },
	PLAIN(P_BGW_MAC, backup_gw_mac, 0x00),
	PLAIN(P_COMMUNITY, community, 0x00),
	PARAM_CONST(P_NDEST, 1, LANCONF_DESTINATIONS),
	{ P_DEST_TYPE, 4, 4, 0, get_dest, set_dest, AT(dest_type) },
	{ P_DEST_ADDR, 13, 13, 0, get_dest, set_dest, AT(dest_addr) },
	{ P_VLAN, 2, 2, 0, param_get_le16, set_vlan, AT(vlan) },
	{ P_VLAN_PRIO, 1, 1, PARAM_PLAIN, NULL, set_vlan_prio, AT(vlan_prio) },
	{ P_NSUITES, 1, 1, PARAM_PLAIN | PARAM_RO, AT(n_suites) },
	{ P_SUITES, PARAM_ANY_LEN, PARAM_RO, get_suites },
	{ P_SUITE_PRIV, 9, 9, 0, get_suite_priv, set_suite_priv },
	{ P_DEST_VLAN, 4, 4, 0, get_dest, set_dest, AT(dest_vlan) },
	{ P_BAD_PW, 6, 6, 0, get_bad_pw, set_bad_pw },
	PARAM_CONST(P_IPV6_SUPPORT, 1, 0x00),
	{ P_IPV6_ENABLES, 1, 1, PARAM_VOLATILE, NULL, set_ipv6_enables, .value = 0x00 },
	RO(P_IPV6_STATUS, 3, get_ipv6_status),
};

static const struct param_family lan_family = {
	PARAM_FAMILY(lan_params),
	.revision = PARAM_REVISION,
	.flags = PARAM_REV_PROBES,
	.in_progress = lan_in_progress,
	.save = lan_save,
};

/* --- changes from other front ends (Redfish) ----------------------------------- */

static bool valid_vlan(uint16_t v)
{
	return !(v & 0x7000) && !((v & 0x8000) && ((v & 0xfff) == 0 || (v & 0xfff) == 0xfff));
}

/* One parameter through param_set(), as Set LAN Configuration Parameters. */
static int change_param(struct lanconf *lc, uint8_t sel, const void *data, size_t len)
{
	struct rbuf r = rb_init(data, len);
	int ret = param_set(&lan_family, lc, sel, &r);

	if (ret < 0)
		log_error_errno(ret, "lan config: parameter %u refused after its check", sel);
	return ret;
}

int lanconf_change(struct bmc *bmc, const struct lanconf_change *c, const char **bad)
{
	struct lanconf *lc = bmc->lanconf;
	uint8_t v16[2] = { (uint8_t)(c->vlan & 0xff), (uint8_t)(c->vlan >> 8) };
	int prefix = c->set_mask ? netmask_to_prefix(c->mask) : 24, r = 0;

	*bad = NULL;
	if (c->set_vlan && !valid_vlan(c->vlan))
		*bad = "vlan";
	else if (c->set_source && (c->ip_source < 1 || c->ip_source > 2))
		*bad = "source";
	else if (c->set_addr && !valid_host_addr(c->addr))
		*bad = "addr";
	else if (c->set_mask && (prefix < 1 || prefix > 30))
		*bad = "mask";
	else if (c->set_gw && c->gw.s_addr && !valid_host_addr(c->gw))
		*bad = "gw";
	if (*bad)
		return -EINVAL;
	if (c->set_vlan && r == 0)
		r = change_param(lc, P_VLAN, v16, 2);
	if (c->set_source && r == 0)
		r = change_param(lc, P_IP_SOURCE, &c->ip_source, 1);
	if (c->set_addr && r == 0)
		r = change_param(lc, P_IP, &c->addr, 4);
	if (c->set_mask && r == 0)
		r = change_param(lc, P_NETMASK, &c->mask, 4);
	if (c->set_gw && r == 0)
		r = change_param(lc, P_GW, &c->gw, 4);
	return r < 0 ? -EIO : 0;
}

int lanconf_shown(struct bmc *bmc, struct netif_state *st)
{
	struct lanconf *lc = bmc->lanconf;
	int r = netif_get(&lc->nif, st);

	if (r < 0)
		return r;
	*st = shown_netif(lc);
	return 0;
}

/* The channel byte: [3:0] this LAN channel (or Eh, the current one). */
static bool lan_channel(const struct bmc *bmc, const struct ipmi_req *req, uint8_t chb)
{
	uint8_t ch = (chb & 0x0f) == IPMI_CHANNEL_CURRENT ? req->channel : chb & 0x0f;

	return ch == bmc->cfg.lan.channel;
}

int lanconf_get(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t chb = rb_u8(&r);
	struct param_query q = { .sel = rb_u8(&r), .set = rb_u8(&r), .block = rb_u8(&r), .req = req };

	if (!rb_done(&r))
		return CC_REQ_LEN;
	if ((chb & 0x70) || !lan_channel(bmc, req, chb))
		return CC_INVALID_FIELD;
	return param_cc(param_get(&lan_family, bmc->lanconf, &q, chb & 0x80, rsp));
}

int lanconf_set(struct bmc *bmc, const struct ipmi_req *req, struct wbuf *rsp)
{
	struct rbuf r = ipmi_reader(req);
	uint8_t chb = rb_u8(&r), p = rb_u8(&r);

	if ((chb & 0xf0) || !lan_channel(bmc, req, chb))
		return CC_INVALID_FIELD;
	return param_cc(param_set(&lan_family, bmc->lanconf, p, &r));
}
