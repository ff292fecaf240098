// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: forge - send forged rtnetlink route notifications to a daemon.
 *
 * Usage: forge NETNS_NAME COUNT
 *
 * A privileged process (CAP_NET_ADMIN in the namespace's owner user
 * namespace) may send to any rtnetlink port id and to the rtnetlink multicast
 * groups (reliability.md 4.1); the receiver sees a sender port id other than
 * 0. This program plays that attacker for test_forge.sh:
 *
 *  1. setns() into /run/netns/NAME;
 *  2. read /proc/self/net/netlink and take every NETLINK_ROUTE socket
 *     (protocol 0) with a non-zero port id other than its own: in a test
 *     namespace these are the daemon's event and request sockets;
 *  3. send COUNT messages, each in its own datagram, alternating unicast to
 *     those ports (round robin) and multicast to RTNLGRP_IPV4_ROUTE. Three
 *     in four are RTM_NEWROUTE for a /24 of 203.0.113.0/24 or 198.18.0.0/15
 *     dev lo, table main (prefixes vary); one in four is RTM_DELROUTE of the
 *     127.0.0.0/8 local route of lo, which the kernel keeps.
 *
 * A multicast send also unicasts to the destination port id (netlink_sendmsg:
 * netlink_broadcast() then netlink_unicast()), here 0, the kernel. The kernel
 * ignores it: rtnetlink only acts on messages with NLM_F_REQUEST, which a
 * notification (and so every forged message here) never carries. Unicast
 * targets never include port 0.
 *
 * Unicast sends block while the receiver's queue is full, up to SEND_WAIT_MS,
 * so every unicast datagram that succeeds was queued at the receiver. A port
 * is dropped from the rotation when it refuses unicast from us (a request
 * socket connect()ed to the kernel gets ECONNREFUSED) or when its queue stays
 * full for MAX_STALLS sends in a row (a socket nobody reads until its next
 * dump). Multicast is best effort: the kernel drops it when the receiver's
 * queue is full.
 *
 * Output on stdout: one line per port ("# port ID unicast N refused|stalled|
 * open"), then the summary the script parses:
 *   forge: ports P unicast U multicast M refused R stalled S failed F
 * U and M count successful sends; U + M + R + S + F = COUNT. Exit 0 when at
 * least one datagram was sent, 1 otherwise, 2 on usage or setup errors.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define MAX_PORTS    64
#define SEND_WAIT_MS 200
#define MAX_STALLS   3

struct port {
	uint32_t id;
	bool refused, dead;
	unsigned stalls;
	unsigned long sent;
};

static int enter_netns(const char *name)
{
	char path[4096];
	int fd, rc;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/*
 * /proc/net/netlink columns: sk Eth Pid Groups Rmem Wmem Dump Locks Drops
 * Inode. Pid is the port id, printed unsigned (autobound ids are "negative").
 */
static int find_ports(uint32_t self, struct port *ports, int max)
{
	FILE *f = fopen("/proc/self/net/netlink", "re");
	char line[512];
	int n = 0;

	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -EIO;
	}
	while (fgets(line, sizeof(line), f) && n < max) {
		char sk[64];
		int proto;
		unsigned long pid;

		if (sscanf(line, "%63s %d %lu", sk, &proto, &pid) != 3)
			continue;
		if (proto != NETLINK_ROUTE || pid == 0 || (uint32_t)pid == self)
			continue;
		memset(&ports[n], 0, sizeof(ports[n]));
		ports[n++].id = (uint32_t)pid;
	}
	fclose(f);
	return n;
}

/* Build forged message @i into @buf; returns its length. */
static size_t forge_msg(char *buf, unsigned i)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;
	uint32_t dst;

	nlh->nlmsg_seq = i;
	nlh->nlmsg_pid = 0; /* as the kernel's own notifications carry */
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	if (i % 4 == 3) {
		/* "Delete" the local 127.0.0.0/8 route of lo. */
		nlh->nlmsg_type = RTM_DELROUTE;
		rtm->rtm_dst_len = 8;
		rtm->rtm_table = RT_TABLE_LOCAL;
		rtm->rtm_protocol = RTPROT_KERNEL;
		rtm->rtm_scope = RT_SCOPE_HOST;
		rtm->rtm_type = RTN_LOCAL;
		mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_LOCAL);
		mnl_attr_put_u32(nlh, RTA_DST, htonl(0x7f000000));
		mnl_attr_put_u32(nlh, RTA_PREFSRC, htonl(0x7f000001));
		mnl_attr_put_u32(nlh, RTA_OIF, 1);
		return nlh->nlmsg_len;
	}
	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	/* 203.0.113.0/24, then the 512 /24s of 198.18.0.0/15 */
	if (i % 513 == 0)
		dst = 0xcb007100;
	else
		dst = 0xc6120000 + ((i % 513 - 1) << 8);
	rtm->rtm_dst_len = 24;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_LINK;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
	mnl_attr_put_u32(nlh, RTA_DST, htonl(dst));
	mnl_attr_put_u32(nlh, RTA_OIF, 1);
	return nlh->nlmsg_len;
}

int main(int argc, char **argv)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct port ports[MAX_PORTS];
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	struct timeval tv = {.tv_usec = SEND_WAIT_MS * 1000};
	unsigned long count, i, unicast = 0, multicast = 0, refused = 0, stalled = 0, failed = 0;
	struct mnl_socket *nl;
	unsigned next = 0;
	int nports, live, rc, k;
	char *end;

	if (argc != 3) {
		fprintf(stderr, "Usage: forge NETNS_NAME COUNT\n");
		return 2;
	}
	count = strtoul(argv[2], &end, 10);
	if (*end || !count) {
		fprintf(stderr, "forge: bad COUNT '%s'\n", argv[2]);
		return 2;
	}
	if ((rc = enter_netns(argv[1]))) {
		fprintf(stderr, "forge: netns %s: %s\n", argv[1], strerror(-rc));
		return 2;
	}
	nl = mnl_socket_open(NETLINK_ROUTE);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("forge: netlink socket");
		return 2;
	}
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	nports = find_ports(mnl_socket_get_portid(nl), ports, MAX_PORTS);
	if (nports < 0) {
		fprintf(stderr, "forge: /proc/self/net/netlink: %s\n", strerror(-nports));
		return 2;
	}
	live = nports;
	for (i = 0; i < count; i++) {
		size_t len = forge_msg(buf, (unsigned)i);
		bool uni = i % 2 == 0 && live > 0;
		struct port *p = NULL;
		ssize_t w;

		if (uni) {
			while (ports[next % nports].dead)
				next++;
			p = &ports[next++ % nports];
			sa.nl_pid = p->id;
			sa.nl_groups = 0;
		} else {
			sa.nl_pid = 0;
			sa.nl_groups = 1u << (RTNLGRP_IPV4_ROUTE - 1);
		}
		w = sendto(mnl_socket_get_fd(nl), buf, len, 0, (struct sockaddr *)&sa, sizeof(sa));
		if (w == (ssize_t)len) {
			if (uni) {
				unicast++;
				p->sent++;
				p->stalls = 0;
			} else {
				multicast++;
			}
		} else if (uni && w < 0 && errno == ECONNREFUSED) {
			/* connect()ed to the kernel, or gone: not a target */
			p->refused = p->dead = true;
			refused++;
			live--;
		} else if (uni && w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			/* queue full for SEND_WAIT_MS: nobody reads this socket now */
			stalled++;
			if (++p->stalls >= MAX_STALLS) {
				p->dead = true;
				live--;
			}
		} else {
			failed++;
		}
	}
	mnl_socket_close(nl);
	for (k = 0; k < nports; k++)
		printf("# port %u unicast %lu %s\n", ports[k].id, ports[k].sent,
		       ports[k].refused ? "refused"
		       : ports[k].dead	? "stalled"
					: "open");
	printf("forge: ports %d unicast %lu multicast %lu refused %lu stalled %lu failed %lu\n",
	       nports, unicast, multicast, refused, stalled, failed);
	return unicast + multicast ? 0 : 1;
}
