// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The two rtnetlink sockets of a live mirror, as zebra has them: an event
 * socket joined to the groups and a request socket for dumps.
 *
 * Receiving is where the kernel's limits show:
 *  - Only datagrams from the kernel (sender port id 0, full sockaddr_nl) are
 *    accepted. Anyone with CAP_NET_ADMIN in the namespace can send to our
 *    port or to the groups; those datagrams are counted and dropped.
 *  - Datagrams can exceed any fixed buffer: each receive peeks the length
 *    (MSG_PEEK|MSG_TRUNC) and grows the buffer, up to NL_BUF_MAX.
 *  - Lost notifications show as ENOBUFS (once per overrun) or as a rising
 *    SO_MEMINFO drop counter; callers turn either into a resync.
 * The event socket asks for a large receive buffer: SO_RCVBUFFORCE when
 * privileged, otherwise SO_RCVBUF (capped by rmem_max).
 */
#include "sock.h"

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/netconf.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define NL_BUF_MIN (64 * 1024)
#define NL_BUF_MAX (16 * 1024 * 1024)

#ifndef SO_MEMINFO
#define SO_MEMINFO 55
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif

static int set_rcvbuf(int fd, size_t want)
{
	int v = want > INT32_MAX / 2 ? INT32_MAX / 2 : (int)want;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) < 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v)) < 0)
		return -errno;
	return 0;
}

int nl_sock_set_rcvbuf(struct nl_sock *s, size_t bytes)
{
	return set_rcvbuf(s->fd, bytes);
}

int nl_sock_open(struct nl_sock *s, const unsigned int *groups, size_t ngroups, size_t rcvbuf)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	int one = 1;
	size_t i;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!s->nl)
		return -errno;
	s->fd = mnl_socket_get_fd(s->nl);
	if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	s->portid = mnl_socket_get_portid(s->nl);
	/* Connected to the kernel, the socket refuses unicast from anyone else
	 * (ECONNREFUSED for the sender); multicast still arrives and is
	 * filtered by sender in nl_sock_recv(). */
	if (connect(s->fd, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		goto fail;
	/* Strict checking and extended acks are hints; old kernels lack them. */
	setsockopt(s->fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	for (i = 0; i < ngroups; i++)
		if (mnl_socket_setsockopt(s->nl, NETLINK_ADD_MEMBERSHIP, (void *)&groups[i],
					  sizeof(groups[i])) < 0)
			goto fail;
	if (rcvbuf && set_rcvbuf(s->fd, rcvbuf) < 0)
		goto fail;
	s->buflen = NL_BUF_MIN;
	s->buf = malloc(s->buflen);
	if (!s->buf) {
		errno = ENOMEM;
		goto fail;
	}
	s->seq = (uint32_t)time(NULL);
	return 0;
fail:
	i = (size_t)errno;
	nl_sock_close(s);
	return -(int)i;
}

void nl_sock_close(struct nl_sock *s)
{
	if (s->nl)
		mnl_socket_close(s->nl);
	free(s->buf);
	memset(s, 0, sizeof(*s));
	s->fd = -1;
}

size_t nl_sock_rcvbuf(const struct nl_sock *s)
{
	int v = 0;
	socklen_t l = sizeof(v);

	if (getsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &v, &l) < 0)
		return 0;
	return (size_t)v;
}

uint64_t nl_sock_drops(const struct nl_sock *s)
{
	uint32_t mem[SK_MEMINFO_VARS] = {0};
	socklen_t l = sizeof(mem);

	if (getsockopt(s->fd, SOL_SOCKET, SO_MEMINFO, mem, &l) < 0 ||
	    l <= SK_MEMINFO_DROPS * sizeof(uint32_t))
		return 0;
	return mem[SK_MEMINFO_DROPS];
}

/* Grow the buffer to hold the next datagram; false if it is over the cap. */
static bool fit_next(struct nl_sock *s)
{
	ssize_t n = recv(s->fd, NULL, 0, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);
	char *nb;

	if (n <= (ssize_t)s->buflen)
		return true;
	if (n > NL_BUF_MAX)
		return false;
	nb = realloc(s->buf, (size_t)n);
	if (!nb)
		return false;
	s->buf = nb;
	s->buflen = (size_t)n;
	s->grown++;
	return true;
}

ssize_t nl_sock_recv(struct nl_sock *s, bool *foreign)
{
	struct sockaddr_nl sa;
	struct iovec iov;
	struct msghdr mh = {
	    .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	*foreign = false;
	if (!fit_next(s)) {
		/* Too large to hold: consume it and report it as malformed. */
		recv(s->fd, s->buf, 1, MSG_DONTWAIT | MSG_TRUNC);
		return -EMSGSIZE;
	}
	iov.iov_base = s->buf;
	iov.iov_len = s->buflen;
	n = recvmsg(s->fd, &mh, MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	if (mh.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	if (mh.msg_namelen != sizeof(sa) || sa.nl_family != AF_NETLINK || sa.nl_pid != 0)
		*foreign = true;
	return n;
}

int nl_sock_wait(const struct nl_sock *s, int timeout_ms)
{
	struct pollfd p = {.fd = s->fd, .events = POLLIN};
	int rc = poll(&p, 1, timeout_ms);

	if (rc < 0)
		return errno == EINTR ? 0 : -errno;
	return rc;
}

static size_t dump_hdrlen(uint16_t type)
{
	switch (type) {
	case RTM_GETLINK:
		return sizeof(struct ifinfomsg);
	case RTM_GETADDR:
		return sizeof(struct ifaddrmsg);
	case RTM_GETRULE:
		return sizeof(struct fib_rule_hdr);
	case RTM_GETNEXTHOP:
		return sizeof(struct nhmsg);
	case RTM_GETNETCONF:
		return sizeof(struct netconfmsg);
	default:
		return sizeof(struct rtmsg);
	}
}

static int send_dump(struct nl_sock *s, uint16_t type, uint8_t family)
{
	char buf[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++s->seq;
	/* Strict checking wants each request type's own (zeroed) header. */
	g = mnl_nlmsg_put_extra_header(nlh, dump_hdrlen(type));
	g->rtgen_family = family;
	if (mnl_socket_sendto(s->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

/* One datagram of a dump reply. Return 1 when the dump is over, 0 to go on. */
static int dump_datagram(struct nl_sock *s, ssize_t n, nl_msg_fn fn, void *arg, bool *intr)
{
	const struct nlmsghdr *nlh = (const void *)s->buf;
	int len = (int)n;

	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		if (nlh->nlmsg_seq != s->seq || nlh->nlmsg_pid != s->portid)
			continue; /* a stale reply of an earlier request */
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			*intr = true;
		if (nlh->nlmsg_type == NLMSG_DONE)
			return 1;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*e))
				return -EBADMSG;
			/* A family without this object type (no IPv6): empty dump. */
			return e->error == -EAFNOSUPPORT || e->error == -EOPNOTSUPP ? 1
			       : e->error					    ? e->error
										    : 1;
		}
		fn(nlh, arg);
	}
	return 0;
}

int nl_sock_dump(struct nl_sock *s, uint16_t type, uint8_t family, nl_msg_fn fn, void *arg,
		 bool *intr)
{
	bool foreign;
	int rc;

	*intr = false;
	rc = send_dump(s, type, family);
	if (rc)
		return rc;
	for (;;) {
		ssize_t n = nl_sock_recv(s, &foreign);

		if (n == -EAGAIN || n == -EWOULDBLOCK) {
			if ((rc = nl_sock_wait(s, 5000)) <= 0)
				return rc ? rc : -ETIMEDOUT;
			continue;
		}
		if (n < 0)
			return (int)n;
		if (foreign) {
			s->foreign++;
			continue;
		}
		rc = dump_datagram(s, n, fn, arg, intr);
		if (rc)
			return rc < 0 ? rc : 0;
	}
}
