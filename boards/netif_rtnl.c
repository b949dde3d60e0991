/* SPDX-License-Identifier: MIT */
/*
 * The BMC's network interface over rtnetlink (no library: a handful of
 * fixed messages built with the bounded writer).  Without an interface
 * name everything happens on struct netif's in-memory copy.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "boards/netif.h"
#include "daemon/buf.h"

int netmask_to_prefix(struct in_addr mask)
{
	uint32_t m = ntohl(mask.s_addr);
	int n = 0;

	while (m & 0x80000000u) {
		n++;
		m <<= 1;
	}
	return m ? -1 : n;
}

struct in_addr prefix_to_netmask(uint8_t prefix)
{
	struct in_addr a = { .s_addr = prefix ? htonl(0xffffffffu << (32 - prefix)) : 0 };
	return a;
}

/* "ifname.ID" into out (16 bytes); -ENAMETOOLONG when it does not fit. */
static int vlan_name(const char *ifname, unsigned id, char out[16])
{
	char tmp[40];

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%u", ifname, id) >= 16)
		return -ENAMETOOLONG;
	memcpy(out, tmp, 16);
	return 0;
}

const char *netif_active(const struct netif *n, char buf[16])
{
	if (!n->vlan || !n->ifname[0] || vlan_name(n->ifname, n->vlan, buf) < 0)
		snprintf(buf, 16, "%s", n->ifname);
	return buf;
}

/* --- reading -------------------------------------------------------------- */

static int read_mac(const char *ifname, uint8_t mac[6])
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = 0;

	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0)
		r = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return r;
}

static void read_addr(const char *ifname, struct netif_state *st)
{
	struct ifaddrs *list, *i;

	if (getifaddrs(&list) < 0)
		return;
	for (i = list; i; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || strcmp(i->ifa_name, ifname))
			continue;
		st->addr = ((struct sockaddr_in *)i->ifa_addr)->sin_addr;
		if (i->ifa_netmask) {
			int p = netmask_to_prefix(((struct sockaddr_in *)i->ifa_netmask)->sin_addr);
			st->prefix = p < 0 ? 0 : (uint8_t)p;
		}
		break;
	}
	freeifaddrs(list);
}

/* The default route's gateway on this interface, from /proc/net/route
 * (columns: Iface Destination Gateway Flags ...; hex, network order). */
static void read_gateway(const char *ifname, struct netif_state *st)
{
	char line[256], name[32];
	unsigned dest, gw, flags;
	FILE *f = fopen("/proc/net/route", "re");

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %x %x %x", name, &dest, &gw, &flags) != 4)
			continue;
		if (!strcmp(name, ifname) && dest == 0 && (flags & 0x2)) {
			st->gateway.s_addr = gw;
			break;
		}
	}
	fclose(f);
}

int netif_get(struct netif *n, struct netif_state *st)
{
	char active[16];
	int r;

	if (!n->ifname[0]) {
		*st = n->mem;
		return 0;
	}
	*st = (struct netif_state){ 0 };
	r = read_mac(n->ifname, st->mac);
	if (r < 0)
		return r;
	netif_active(n, active);
	read_addr(active, st);
	read_gateway(active, st);
	return 0;
}

/* --- writing: rtnetlink ----------------------------------------------------- */

static void nl_attr(struct wbuf *w, uint16_t type, const void *data, uint16_t len)
{
	uint16_t total = (uint16_t)RTA_LENGTH(len);

	wb_bytes(w, &total, 2);
	wb_bytes(w, &type, 2);
	wb_bytes(w, data, len);
	wb_zero(w, RTA_ALIGN(total) - total);
}

/* A nested attribute: its header now, its length when it ends. */
static size_t nl_nest_start(struct wbuf *w, uint16_t type)
{
	size_t at = w->len;
	uint16_t zero = 0;

	wb_bytes(w, &zero, 2);
	wb_bytes(w, &type, 2);
	return at;
}

static void nl_nest_end(struct wbuf *w, size_t at)
{
	uint16_t len = (uint16_t)(w->len - at);

	if (wb_ok(w))
		memcpy(w->p + at, &len, 2);
}

/* Send one request and wait for its acknowledgement.  0 or -errno. */
static int nl_transact(void *msg, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 2 };
	uint8_t buf[1024];
	ssize_t n;
	int fd, r = -EIO;

	((struct nlmsghdr *)msg)->nlmsg_len = (uint32_t)len;
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sendto(fd, msg, len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = -errno;
		goto out;
	}
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0) {
		r = -errno;
		goto out;
	}
	if ((size_t)n >= sizeof(struct nlmsghdr) + sizeof(struct nlmsgerr)) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
		const struct nlmsgerr *e = NLMSG_DATA(h);

		if (h->nlmsg_type == NLMSG_ERROR)
			r = e->error;
	}
out:
	close(fd);
	return r;
}

static int addr_msg(unsigned ifindex, uint16_t type, uint16_t flags, struct in_addr addr, uint8_t prefix)
{
	uint8_t buf[128] __attribute__((aligned(4)));
	struct wbuf w = wb_init(buf, sizeof(buf));
	struct nlmsghdr h = { .nlmsg_type = type, .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags, .nlmsg_seq = 1 };
	struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_prefixlen = prefix, .ifa_index = ifindex };

	wb_bytes(&w, &h, sizeof(h));
	wb_bytes(&w, &ifa, sizeof(ifa));
	nl_attr(&w, IFA_LOCAL, &addr, 4);
	nl_attr(&w, IFA_ADDRESS, &addr, 4);
	if (!wb_ok(&w))
		return -ENOBUFS;
	return nl_transact(buf, w.len);
}

int netif_set_addr(struct netif *n, struct in_addr addr, uint8_t prefix)
{
	char active[16];
	struct netif_state old;
	unsigned ifindex;
	int r;

	if (!n->ifname[0]) {
		n->mem.addr = addr;
		n->mem.prefix = prefix;
		return 0;
	}
	ifindex = if_nametoindex(netif_active(n, active));
	if (!ifindex)
		return -errno;
	r = netif_get(n, &old);
	if (r < 0)
		return r;
	/* Old address first: removing a primary address also removes the
	 * secondaries of its subnet, so the new one must come after. */
	if (old.addr.s_addr && (old.addr.s_addr != addr.s_addr || old.prefix != prefix)) {
		r = addr_msg(ifindex, RTM_DELADDR, 0, old.addr, old.prefix);
		if (r < 0 && r != -EADDRNOTAVAIL)
			return r;
	}
	if (!addr.s_addr)
		return 0;
	return addr_msg(ifindex, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, addr, prefix);
}

int netif_set_gateway(struct netif *n, struct in_addr gw)
{
	uint8_t buf[128] __attribute__((aligned(4)));
	struct wbuf w = wb_init(buf, sizeof(buf));
	struct nlmsghdr h = { .nlmsg_seq = 2 };
	struct rtmsg rt = {
		.rtm_family = AF_INET, .rtm_table = RT_TABLE_MAIN, .rtm_protocol = RTPROT_STATIC,
		.rtm_scope = RT_SCOPE_UNIVERSE, .rtm_type = RTN_UNICAST,
	};
	char active[16];
	uint32_t ifindex;
	int r;

	if (!n->ifname[0]) {
		n->mem.gateway = gw;
		return 0;
	}
	ifindex = if_nametoindex(netif_active(n, active));
	if (!ifindex)
		return -errno;
	h.nlmsg_type = gw.s_addr ? RTM_NEWROUTE : RTM_DELROUTE;
	h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (gw.s_addr ? NLM_F_CREATE | NLM_F_REPLACE : 0);
	wb_bytes(&w, &h, sizeof(h));
	wb_bytes(&w, &rt, sizeof(rt));
	if (gw.s_addr)
		nl_attr(&w, RTA_GATEWAY, &gw, 4);
	nl_attr(&w, RTA_OIF, &ifindex, 4);
	if (!wb_ok(&w))
		return -ENOBUFS;
	r = nl_transact(buf, w.len);
	return (!gw.s_addr && r == -ESRCH) ? 0 : r;
}

/* --- 802.1q VLAN sub-interface ---------------------------------------------------- */

static int link_msg(uint16_t type, uint16_t flags, struct ifinfomsg *ifi, const char *name,
		    unsigned parent, uint16_t vlan, uint8_t prio)
{
	uint8_t buf[256] __attribute__((aligned(4)));
	struct wbuf w = wb_init(buf, sizeof(buf));
	struct nlmsghdr h = { .nlmsg_type = type, .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags, .nlmsg_seq = 3 };
	struct ifla_vlan_qos_mapping map = { .from = 0, .to = prio };
	uint32_t link = parent;
	size_t info, data, qos;

	wb_bytes(&w, &h, sizeof(h));
	wb_bytes(&w, ifi, sizeof(*ifi));
	if (name)
		nl_attr(&w, IFLA_IFNAME, name, (uint16_t)(strlen(name) + 1));
	if (parent)
		nl_attr(&w, IFLA_LINK, &link, 4);
	if (vlan) {
		info = nl_nest_start(&w, IFLA_LINKINFO);
		nl_attr(&w, IFLA_INFO_KIND, "vlan", 4);
		data = nl_nest_start(&w, IFLA_INFO_DATA);
		nl_attr(&w, IFLA_VLAN_ID, &vlan, 2);
		qos = nl_nest_start(&w, IFLA_VLAN_EGRESS_QOS);
		nl_attr(&w, IFLA_VLAN_QOS_MAPPING, &map, sizeof(map));
		nl_nest_end(&w, qos);
		nl_nest_end(&w, data);
		nl_nest_end(&w, info);
	}
	if (!wb_ok(&w))
		return -ENOBUFS;
	return nl_transact(buf, w.len);
}

static int link_delete(const char *name)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	int idx = (int)if_nametoindex(name);

	if (!idx)
		return 0;
	ifi.ifi_index = idx;
	return link_msg(RTM_DELLINK, 0, &ifi, NULL, 0, 0, 0);
}

static int vlan_create(const char *name, unsigned parent, uint16_t id, uint8_t prio)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	int r;

	/* Made anew: one left by an earlier run may have another parent. */
	r = link_delete(name);
	if (r < 0)
		return r;
	r = link_msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &ifi, name, parent, id, prio);
	if (r < 0)
		return r;
	ifi.ifi_index = (int)if_nametoindex(name);
	if (!ifi.ifi_index)
		return -errno;
	ifi.ifi_flags = IFF_UP;
	ifi.ifi_change = IFF_UP;
	return link_msg(RTM_NEWLINK, 0, &ifi, NULL, 0, 0, 0);
}

int netif_set_vlan(struct netif *n, uint16_t id, uint8_t prio)
{
	char old_name[16], new_name[16];
	struct netif_state st;
	unsigned parent;
	uint16_t old_id = n->vlan;
	int r;

	if (id > 4094)
		return -EINVAL;
	if (!n->ifname[0]) {
		n->vlan = id;
		n->vlan_prio = prio;
		return 0;
	}
	parent = if_nametoindex(n->ifname);
	if (!parent)
		return -errno;
	netif_active(n, old_name);
	if (id && id == old_id && if_nametoindex(old_name)) {
		/* Same VLAN: only its priority map. */
		struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = (int)if_nametoindex(old_name) };

		r = link_msg(RTM_NEWLINK, 0, &ifi, NULL, 0, id, prio);
		if (r == 0)
			n->vlan_prio = prio;
		return r;
	}
	if (!id && !old_id) {
		/* Untagged stays untagged (a priority set with the VLAN off):
		 * nothing moves.  Taking the address off the NIC and putting it
		 * back would flush every other route through it. */
		n->vlan_prio = prio;
		return 0;
	}
	if (id == old_id)
		old_id = 0;	/* a sub-interface that vanished */
	r = netif_get(n, &st);
	if (r < 0)
		return r;
	if (id) {
		r = vlan_name(n->ifname, id, new_name);
		if (r < 0)
			return r;
		r = vlan_create(new_name, parent, id, prio);
		if (r < 0)
			return r;
	}
	/* The address and the default route move to the new interface. */
	if (st.addr.s_addr) {
		struct netif tmp = *n;

		tmp.mem = st;
		r = netif_set_addr(&tmp, (struct in_addr){ 0 }, 0);
		if (r < 0 && r != -EADDRNOTAVAIL && r != -ENODEV)
			goto undo;
	}
	n->vlan = id;
	n->vlan_prio = prio;
	if (st.addr.s_addr) {
		r = netif_set_addr(n, st.addr, st.prefix);
		if (r == 0 && st.gateway.s_addr)
			r = netif_set_gateway(n, st.gateway);
		if (r < 0)
			return r;
	}
	if (old_id) {
		if (vlan_name(n->ifname, old_id, old_name) == 0)
			r = link_delete(old_name);
	}
	return r;
undo:
	if (id)
		link_delete(new_name);
	return r;
}
