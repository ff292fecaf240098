// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * tunrouter - a userspace router on a TUN device, routed by libfibmirror.
 *
 *   tunrouter [--netns NAME] [--track ADDR]... TUNNAME
 *
 * What it shows: how a data plane in userspace (a VPN or tunnel daemon, a
 * packet filter, a service proxy) routes every packet exactly as its host
 * would, without a system call per packet, and follows routing changes as
 * they happen:
 *  - a live mirror of the namespace's routing state, driven from the
 *    program's own poll() loop (fm_mirror_fd, fm_mirror_timeout,
 *    fm_mirror_process);
 *  - one lookup per packet through a flow cache (fm_cache_route_get): a
 *    burst of packets of one flow costs one real lookup, and any routing
 *    change invalidates the cache at once;
 *  - a per-gateway table: how many routes use each gateway the router has
 *    forwarded through (fm_routes_by_gateway), kept current by a gateway
 *    watch (fm_watch_gateway) rather than by recounting;
 *  - next-hop tracking (fm_watch_flow): "track ADDR: OLD -> NEW" on stdout
 *    whenever the decision for a tracked destination changes, and only then.
 *
 * Which lookup. The packets this program reads were already routed once:
 * the kernel sent them into the TUN device. The router now sends them on
 * through a raw socket, that is, it originates them again, and the kernel
 * routes that send on its output path: no input device, and no source
 * address (an IP_HDRINCL socket may send from any address, so the kernel
 * routes such a send by destination alone). That is the decision to ask
 * for, so that what the router decides is what then happens to the packet:
 *  - no iif: the input path (iif = the TUN device) would answer a different
 *    question, "how is a packet arriving from the tunnel forwarded?", which
 *    applies `iif` rules, rp_filter-like source checks and the input
 *    semantics of local addresses. Worse, a typical set-up steers traffic
 *    into the tunnel with `ip rule add iif eth0 lookup 100`; such rules must
 *    not apply to the router's own output, or every packet would be routed
 *    straight back into the TUN device. Rules for the host's own traffic
 *    (`iif lo`) do apply, to the lookup as to the raw send;
 *  - no source: on the output path the kernel requires a source to be one
 *    of its own addresses (`ip route get D from FOREIGN` is "Network is
 *    unreachable" for IPv4), and forwarded packets carry foreign sources;
 *  - destination, dsfield (without the ECN bits, which routing ignores and
 *    which would split one flow's cache entry), protocol, TCP/UDP ports and
 *    the IPv6 flow label: what policy rules and multipath hashing look at.
 * The raw send is pinned (IP_PKTINFO / IPV6_PKTINFO) to the output device
 * that the lookup chose, so a rule or a multipath choice by port, which the
 * raw send cannot see, still decides the device.
 *
 * What it does with each packet:
 *  - unicast out of another device: TTL / hop limit decremented, sent on
 *    (time exceeded when it runs out, "fragmentation needed" / "packet too
 *    big" when the device's MTU is too small);
 *  - unicast back out of the TUN device: dropped (it would loop);
 *  - local: echo requests are answered into the TUN device, the rest dropped;
 *  - no route, unreachable or prohibit: ICMP destination unreachable written
 *    into the TUN device (blackhole: dropped silently, as the kernel does).
 * ICMP errors come from the address the host would use to reach the sender
 * (the lookup's preferred source), like the kernel's own. The kernel drops
 * a packet that arrives with one of its own addresses as source unless
 * accept_local is set on the receiving device, so replies written into the
 * TUN device need net.ipv4.conf.TUN.accept_local=1 for IPv4.
 *
 * tests/netns/test_tunrouter.sh builds such a set-up in three namespaces.
 *
 * One thread: it is the mirror's writer, the cache's owner and the only
 * reader, so the watches, the cache and the lookups need no locking.
 * SIGUSR1 prints the counters and the gateway table; SIGINT and SIGTERM
 * print them and exit. The library never logs; this program does.
 */
#include "fibmirror.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <linux/if_tun.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_PACKET  65536
#define READ_BURST  64	 /* packets per wakeup, so mirror events are never starved */
#define ICMP4_QUOTE 576	 /* RFC 1812: an ICMP error fits in 576 bytes */
#define ICMP6_QUOTE 1280 /* RFC 4443: ... and in the IPv6 minimum MTU */
#define REPLY_TTL   64

/* Header fields by offset: packets are bytes, read without alignment games. */
#define IP4_TOS	  1
#define IP4_LEN	  2
#define IP4_FRAG  6
#define IP4_TTL	  8
#define IP4_PROTO 9
#define IP4_CSUM  10
#define IP4_SRC	  12
#define IP4_DST	  16
#define IP4_HLEN  20

#define IP6_PLEN 4
#define IP6_NEXT 6
#define IP6_HOPS 7
#define IP6_SRC	 8
#define IP6_DST	 24
#define IP6_HLEN 40

#define ICMP4_ECHOREPLY	    0
#define ICMP4_UNREACH	    3
#define ICMP4_ECHO	    8
#define ICMP4_TIME_EXCEEDED 11
#define ICMP4_NET_UNREACH   0
#define ICMP4_HOST_UNREACH  1
#define ICMP4_FRAG_NEEDED   4
#define ICMP4_PROHIBITED    13

#define ICMP6_UNREACH	    1
#define ICMP6_TOO_BIG	    2
#define ICMP6_TIME_EXCEEDED 3
#define ICMP6_ECHO	    128
#define ICMP6_ECHOREPLY	    129
#define ICMP6_NOROUTE	    0
#define ICMP6_PROHIBITED    1

/* A packet read from the TUN device, parsed once. */
struct pkt {
	uint8_t *data; /* the IP header */
	size_t len;    /* the IP packet's length, as its header says */
	uint8_t family;
	uint8_t proto;	 /* upper-layer protocol (IPv6: past extension headers) */
	uint8_t dsfield; /* IPv4 tos, IPv6 traffic class */
	bool fragmented; /* a fragment (first or not) */
	bool has_l4;	 /* the upper-layer header is here (not a later fragment) */
	size_t l4off;	 /* its offset */
	uint32_t flowlabel;
	struct fm_ip src, dst;
};

/* A gateway the router forwarded through, and the routes that use it. */
struct gateway {
	struct fm_ip gw;
	int ifindex;
	long routes;	  /* kept current by the watch */
	uint64_t packets; /* forwarded through it */
	struct fm_watch *watch;
};

struct router;

/* A destination given with --track. */
struct track {
	struct router *r;
	char addr[INET6_ADDRSTRLEN];
	struct fm_flow fl;
	struct fm_watch *watch;
};

/*
 * Each packet read counts in exactly one of forwarded ... dropped, so they
 * add up to packets; tx_errors counts the writes and sends that failed.
 */
struct counters {
	uint64_t packets, routed;
	uint64_t forwarded, local_replies, unreachables, time_exceeded, too_big, dropped;
	uint64_t tx_errors;
};

struct router {
	struct fm_mirror *m;
	struct fm_cache *cache;
	int tun_fd, tun_ifindex;
	char tun_name[IF_NAMESIZE];
	int raw4, raw6;
	struct gateway **gws;
	size_t ngws;
	struct track *tracks;
	size_t ntracks;
	struct counters st;
	uint8_t in[MAX_PACKET];	 /* the packet read */
	uint8_t out[MAX_PACKET]; /* replies and errors are built here */
};

static volatile sig_atomic_t got_stop, got_usr1;

/* ---------------------------------------------------------------- helpers */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* The Internet checksum (RFC 1071): a ones' complement sum of 16-bit words. */
static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(p + i);
	if (len & 1)
		sum += (uint64_t)p[len - 1] << 8;
	return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t csum(const uint8_t *p, size_t len)
{
	return csum_fold(csum_add(0, p, len));
}

/* The ICMPv6 checksum covers a pseudo-header of addresses, length and protocol. */
static uint16_t csum6(const uint8_t *src, const uint8_t *dst, const uint8_t *p, size_t len)
{
	uint64_t sum = csum_add(0, src, 16);

	sum = csum_add(sum, dst, 16);
	sum += (uint64_t)len + IPPROTO_ICMPV6;
	return csum_fold(csum_add(sum, p, len));
}

static void set_ip(struct fm_ip *ip, uint8_t family, const uint8_t *b)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = family;
	memcpy(ip->b, b, family == AF_INET ? 4 : 16);
}

static const char *ip_str(const struct fm_ip *ip, char *buf, size_t len)
{
	return fm_ip_format(ip, buf, len);
}

static const char *dev_name(struct router *r, int ifindex, char *buf, size_t len)
{
	struct fm_link l;

	if (fm_link_get(r->m, ifindex, &l) == 0)
		snprintf(buf, len, "%s", l.name);
	else
		snprintf(buf, len, "if%d", ifindex);
	return buf;
}

static const char *rtn_name(uint8_t type)
{
	static const char *const names[] = {
	    [RTN_UNICAST] = "unicast",
	    [RTN_LOCAL] = "local",
	    [RTN_BROADCAST] = "broadcast",
	    [RTN_ANYCAST] = "anycast",
	    [RTN_MULTICAST] = "multicast",
	    [RTN_BLACKHOLE] = "blackhole",
	    [RTN_UNREACHABLE] = "unreachable",
	    [RTN_PROHIBIT] = "prohibit",
	    [RTN_THROW] = "throw",
	    [RTN_NAT] = "nat",
	};

	return type < sizeof(names) / sizeof(names[0]) && names[type] ? names[type] : "type?";
}

/* A decision as one short phrase: "via GW dev D", "dev D", "local dev lo", or the error. */
static const char *describe(struct router *r, int rc, const struct fm_result *res, char *buf,
			    size_t len)
{
	char gw[64], dev[IF_NAMESIZE + 8];

	if (rc < 0) {
		snprintf(buf, len, "error: %s", strerror(-rc));
		return buf;
	}
	dev_name(r, res->oif, dev, sizeof(dev));
	if (res->type == RTN_UNICAST && res->gw.family)
		snprintf(buf, len, "via %s dev %s", ip_str(&res->gw, gw, sizeof(gw)), dev);
	else if (res->type == RTN_UNICAST)
		snprintf(buf, len, "dev %s", dev);
	else
		snprintf(buf, len, "%s dev %s", rtn_name(res->type), dev);
	return buf;
}

/* ---------------------------------------------------------------- parsing */

static int parse_ipv4(uint8_t *b, size_t n, struct pkt *p)
{
	size_t hlen = (size_t)(b[0] & 0xf) * 4;
	uint16_t frag;

	if (n < IP4_HLEN || hlen < IP4_HLEN || hlen > n)
		return -EBADMSG;
	p->len = get16(b + IP4_LEN);
	if (p->len < hlen || p->len > n || csum(b, hlen) != 0)
		return -EBADMSG;
	frag = get16(b + IP4_FRAG);
	p->family = AF_INET;
	p->proto = b[IP4_PROTO];
	p->dsfield = b[IP4_TOS];
	p->fragmented = (frag & 0x3fff) != 0; /* MF or an offset */
	p->has_l4 = (frag & 0x1fff) == 0;
	p->l4off = hlen;
	set_ip(&p->src, AF_INET, b + IP4_SRC);
	set_ip(&p->dst, AF_INET, b + IP4_DST);
	return 0;
}

/* Skip the extension headers to the upper-layer protocol (a few, bounded). */
static int ipv6_upper(struct pkt *p)
{
	const uint8_t *b = p->data;
	size_t off = IP6_HLEN;
	uint8_t next = b[IP6_NEXT];
	int i;

	p->has_l4 = true;
	for (i = 0; i < 8; i++) {
		size_t ext;

		if (next != 0 && next != 43 && next != 44 && next != 60)
			break; /* hop-by-hop, routing, fragment, destination options */
		if (off + 8 > p->len)
			return -EBADMSG;
		if (next == 44) {
			p->fragmented = true;
			p->has_l4 = (get16(b + off + 2) & 0xfff8) == 0;
			ext = 8;
		} else {
			ext = ((size_t)b[off + 1] + 1) * 8;
		}
		next = b[off];
		off += ext;
	}
	p->proto = next;
	p->l4off = off;
	return off <= p->len ? 0 : -EBADMSG;
}

static int parse_ipv6(uint8_t *b, size_t n, struct pkt *p)
{
	if (n < IP6_HLEN)
		return -EBADMSG;
	p->len = IP6_HLEN + (size_t)get16(b + IP6_PLEN);
	if (p->len > n || (p->len == IP6_HLEN && b[IP6_NEXT] == 0))
		return -EBADMSG; /* truncated, or a jumbogram */
	p->family = AF_INET6;
	p->dsfield = (uint8_t)((b[0] << 4) | (b[1] >> 4));
	p->flowlabel = (uint32_t)(b[1] & 0xf) << 16 | get16(b + 2);
	set_ip(&p->src, AF_INET6, b + IP6_SRC);
	set_ip(&p->dst, AF_INET6, b + IP6_DST);
	return ipv6_upper(p);
}

static int parse(uint8_t *b, size_t n, struct pkt *p)
{
	memset(p, 0, sizeof(*p));
	p->data = b;
	if (n >= 1 && b[0] >> 4 == 4)
		return parse_ipv4(b, n, p);
	if (n >= 1 && b[0] >> 4 == 6)
		return parse_ipv6(b, n, p);
	return -EPROTONOSUPPORT;
}

/* The flow the host would route if it sent this packet itself (see the top comment). */
static void flow_of(const struct pkt *p, struct fm_flow *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->family = p->family;
	fl->dst = p->dst;
	fl->tos = p->dsfield & 0xfc;
	fl->ip_proto = p->proto;
	fl->flowlabel = p->flowlabel;
	if ((p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) && p->has_l4 &&
	    p->l4off + 4 <= p->len) {
		fl->sport = get16(p->data + p->l4off);
		fl->dport = get16(p->data + p->l4off + 2);
	}
}

/* ----------------------------------------------------------------- output */

static void tun_write(struct router *r, const uint8_t *b, size_t len)
{
	if (write(r->tun_fd, b, len) != (ssize_t)len)
		r->st.tx_errors++;
}

/* Which of our addresses the host would send from to reach @to. */
static int reply_source(struct router *r, const struct fm_ip *to, struct fm_ip *ret)
{
	struct fm_flow fl = {.family = to->family, .dst = *to};
	struct fm_result res;
	int rc = fm_cache_route_get(r->cache, &fl, &res);

	if (rc < 0)
		return rc;
	if (!res.prefsrc.family)
		return -EADDRNOTAVAIL;
	*ret = res.prefsrc;
	return 0;
}

static void ip4_header(uint8_t *o, size_t len, uint8_t proto, const struct fm_ip *src,
		       const struct fm_ip *dst)
{
	memset(o, 0, IP4_HLEN);
	o[0] = 0x45;
	put16(o + IP4_LEN, (uint16_t)len);
	o[IP4_TTL] = REPLY_TTL;
	o[IP4_PROTO] = proto;
	memcpy(o + IP4_SRC, src->b, 4);
	memcpy(o + IP4_DST, dst->b, 4);
	put16(o + IP4_CSUM, csum(o, IP4_HLEN));
}

static void ip6_header(uint8_t *o, size_t len, const struct fm_ip *src, const struct fm_ip *dst)
{
	memset(o, 0, IP6_HLEN);
	o[0] = 0x60;
	put16(o + IP6_PLEN, (uint16_t)(len - IP6_HLEN));
	o[IP6_NEXT] = IPPROTO_ICMPV6;
	o[IP6_HOPS] = REPLY_TTL;
	memcpy(o + IP6_SRC, src->b, 16);
	memcpy(o + IP6_DST, dst->b, 16);
}

/*
 * RFC 1122 / RFC 4443: never an error about an ICMP error, about a later
 * fragment, or to an address that is not one host's.
 */
static bool may_answer(const struct pkt *p)
{
	const uint8_t *s = p->src.b;

	if (!p->has_l4)
		return false;
	if (p->family == AF_INET) {
		uint32_t a = ntohl(p->src.v4);

		if (a == 0 || a == 0xffffffff || (s[0] & 0xf0) == 0xe0)
			return false;
		if (p->proto == IPPROTO_ICMP && p->l4off < p->len) {
			uint8_t t = p->data[p->l4off];

			return t != 3 && t != 4 && t != 5 && t != 11 && t != 12;
		}
		return true;
	}
	if (s[0] == 0xff || !memcmp(s, &in6addr_any, 16))
		return false;
	if (p->proto == IPPROTO_ICMPV6 && p->l4off < p->len)
		return p->data[p->l4off] >= 128;
	return true;
}

/* An ICMP error about @p, quoting as much of it as fits, written into the tunnel. */
static void icmp_error(struct router *r, const struct pkt *p, uint8_t type, uint8_t code,
		       uint32_t info)
{
	size_t hlen = p->family == AF_INET ? IP4_HLEN : IP6_HLEN;
	size_t max = p->family == AF_INET ? ICMP4_QUOTE : ICMP6_QUOTE;
	size_t quote = p->len < max - hlen - 8 ? p->len : max - hlen - 8;
	size_t len = hlen + 8 + quote;
	uint8_t *o = r->out, *icmp = o + hlen;
	struct fm_ip src;

	if (!may_answer(p) || reply_source(r, &p->src, &src) < 0)
		return; /* the packet is counted by its fate, not by the answer */
	icmp[0] = type;
	icmp[1] = code;
	put16(icmp + 2, 0);
	put32(icmp + 4, info);
	memcpy(icmp + 8, p->data, quote);
	if (p->family == AF_INET) {
		ip4_header(o, len, IPPROTO_ICMP, &src, &p->src);
		put16(icmp + 2, csum(icmp, len - hlen));
	} else {
		ip6_header(o, len, &src, &p->src);
		put16(icmp + 2, csum6(src.b, p->src.b, icmp, len - hlen));
	}
	tun_write(r, o, len);
}

/* The kernel's ICMP answer to a failed lookup (ip_error(), ip6_pkt_discard()). */
static void answer_unreachable(struct router *r, const struct pkt *p, int rc)
{
	bool v4 = p->family == AF_INET;
	uint8_t code;

	switch (rc) {
	case -ENETUNREACH:
		code = v4 ? ICMP4_NET_UNREACH : ICMP6_NOROUTE;
		break;
	case -EHOSTUNREACH:
		code = v4 ? ICMP4_HOST_UNREACH : ICMP6_NOROUTE;
		break;
	case -EACCES:
		code = v4 ? ICMP4_PROHIBITED : ICMP6_PROHIBITED;
		break;
	default: /* blackhole (-EINVAL) and the rest: silently */
		r->st.dropped++;
		return;
	}
	r->st.unreachables++;
	icmp_error(r, p, v4 ? ICMP4_UNREACH : ICMP6_UNREACH, code, 0);
}

/* An echo reply to @p, from the address it was sent to. */
static void answer_echo(struct router *r, const struct pkt *p)
{
	bool v4 = p->family == AF_INET;
	size_t hlen = v4 ? IP4_HLEN : IP6_HLEN;
	size_t icmp_len = p->len - p->l4off;
	uint8_t *o = r->out, *icmp = o + hlen;

	memcpy(icmp, p->data + p->l4off, icmp_len);
	icmp[0] = v4 ? ICMP4_ECHOREPLY : ICMP6_ECHOREPLY;
	put16(icmp + 2, 0);
	if (v4) {
		ip4_header(o, hlen + icmp_len, IPPROTO_ICMP, &p->dst, &p->src);
		put16(icmp + 2, csum(icmp, icmp_len));
	} else {
		ip6_header(o, hlen + icmp_len, &p->dst, &p->src);
		put16(icmp + 2, csum6(p->dst.b, p->src.b, icmp, icmp_len));
	}
	r->st.local_replies++;
	tun_write(r, o, hlen + icmp_len);
}

static bool is_echo_request(const struct pkt *p)
{
	const uint8_t *icmp = p->data + p->l4off;
	size_t len = p->len - p->l4off;

	if (p->fragmented || len < 8) /* no reassembly here */
		return false;
	if (p->family == AF_INET)
		return p->proto == IPPROTO_ICMP && icmp[0] == ICMP4_ECHO && csum(icmp, len) == 0;
	return p->proto == IPPROTO_ICMPV6 && icmp[0] == ICMP6_ECHO &&
	       csum6(p->src.b, p->dst.b, icmp, len) == 0;
}

/* --------------------------------------------------------------- gateways */

static int count_route(const struct fm_route *rt, void *arg)
{
	(void)rt;
	(*(long *)arg)++;
	return 0;
}

/* A gateway watch fires once per route via the gateway added or removed. */
static void on_gateway_route(const struct fm_route *rt, bool added, void *arg)
{
	struct gateway *g = arg;

	(void)rt;
	g->routes += added ? 1 : -1;
}

/*
 * The table entry of the gateway @res forwards through, on its device (a
 * link-local IPv6 gateway means nothing without one), made on first use:
 * count the routes via it once, then let the watch keep the count. Both run
 * on the writer's thread between two fm_mirror_process() calls, so no
 * change can fall between the count and the watch.
 */
static struct gateway *gateway_of(struct router *r, const struct fm_result *res)
{
	struct gateway **gws, *g;
	size_t i;

	for (i = 0; i < r->ngws; i++) {
		g = r->gws[i];
		if (g->ifindex == res->oif && !memcmp(&g->gw, &res->gw, sizeof(g->gw)))
			return g;
	}
	gws = realloc(r->gws, (r->ngws + 1) * sizeof(*gws));
	if (!gws)
		return NULL;
	r->gws = gws;
	g = calloc(1, sizeof(*g));
	if (!g)
		return NULL;
	g->gw = res->gw;
	g->ifindex = res->oif;
	if (fm_routes_by_gateway(r->m, &g->gw, g->ifindex, count_route, &g->routes) < 0 ||
	    fm_watch_gateway(r->m, &g->gw, g->ifindex, on_gateway_route, g, &g->watch) < 0) {
		free(g);
		return NULL;
	}
	r->gws[r->ngws++] = g;
	return g;
}

/* ------------------------------------------------------------- forwarding */

static uint8_t hops_of(const struct pkt *p)
{
	return p->data[p->family == AF_INET ? IP4_TTL : IP6_HOPS];
}

/* Set the TTL (and so the IPv4 header checksum) or the hop limit. */
static void set_hops(struct pkt *p, uint8_t v)
{
	uint8_t *b = p->data;

	if (p->family == AF_INET6) {
		b[IP6_HOPS] = v;
		return;
	}
	b[IP4_TTL] = v;
	put16(b + IP4_CSUM, 0);
	put16(b + IP4_CSUM, csum(b, p->l4off)); /* l4off: the header's length */
}

/* Decrement the TTL / hop limit; false when it runs out here. */
static bool hop(struct pkt *p)
{
	if (hops_of(p) <= 1)
		return false;
	set_hops(p, (uint8_t)(hops_of(p) - 1));
	return true;
}

/* One control message, the only one, in @msg's control buffer. */
static void put_cmsg(struct msghdr *msg, int level, int type, const void *data, size_t len)
{
	struct cmsghdr *c;

	msg->msg_controllen = CMSG_SPACE(len);
	c = CMSG_FIRSTHDR(msg);
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
}

/* Send through the raw socket of the family, pinned to device @oif. */
static int raw_send(struct router *r, const struct pkt *p, int oif)
{
	union {
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} to;
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = {.iov_base = p->data, .iov_len = p->len};
	struct msghdr msg = {.msg_name = &to, .msg_iov = &iov, .msg_iovlen = 1};
	int fd;

	memset(&to, 0, sizeof(to));
	memset(&ctl, 0, sizeof(ctl));
	msg.msg_control = ctl.buf;
	if (p->family == AF_INET) {
		struct in_pktinfo pi = {.ipi_ifindex = oif};

		to.v4.sin_family = AF_INET;
		memcpy(&to.v4.sin_addr, p->dst.b, 4);
		msg.msg_namelen = sizeof(to.v4);
		put_cmsg(&msg, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
		fd = r->raw4;
	} else {
		struct in6_pktinfo pi = {.ipi6_ifindex = (unsigned int)oif};

		to.v6.sin6_family = AF_INET6;
		memcpy(&to.v6.sin6_addr, p->dst.b, 16);
		msg.msg_namelen = sizeof(to.v6);
		put_cmsg(&msg, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
		fd = r->raw6;
	}
	return sendmsg(fd, &msg, 0) < 0 ? -errno : 0;
}

/*
 * Too big for the output device: tell the sender the MTU (path MTU
 * discovery). This router does not fragment, even IPv4 packets without DF.
 */
static void answer_too_big(struct router *r, struct pkt *p, int oif)
{
	struct fm_link l;
	uint32_t mtu = fm_link_get(r->m, oif, &l) == 0 ? l.mtu : 0;

	r->st.too_big++;
	set_hops(p, (uint8_t)(hops_of(p) + 1)); /* quote the packet as it came */
	if (p->family == AF_INET) {
		icmp_error(r, p, ICMP4_UNREACH, ICMP4_FRAG_NEEDED, mtu & 0xffff);
	} else {
		icmp_error(r, p, ICMP6_TOO_BIG, 0, mtu);
	}
}

static void forward(struct router *r, struct pkt *p, const struct fm_result *res)
{
	struct gateway *g;
	int rc;

	if (res->oif == r->tun_ifindex) {
		r->st.dropped++; /* the host routes it into the tunnel: a loop */
		return;
	}
	if (!hop(p)) {
		r->st.time_exceeded++;
		icmp_error(r, p, p->family == AF_INET ? ICMP4_TIME_EXCEEDED : ICMP6_TIME_EXCEEDED,
			   0, 0);
		return;
	}
	rc = raw_send(r, p, res->oif);
	if (rc == -EMSGSIZE) {
		answer_too_big(r, p, res->oif);
		return;
	}
	if (rc < 0) {
		r->st.tx_errors++;
		r->st.dropped++;
		return;
	}
	r->st.forwarded++;
	g = res->gw.family ? gateway_of(r, res) : NULL;
	if (g)
		g->packets++;
}

static void route_packet(struct router *r, struct pkt *p)
{
	struct fm_flow fl;
	struct fm_result res;
	int rc;

	flow_of(p, &fl);
	rc = fm_cache_route_get(r->cache, &fl, &res);
	r->st.routed++;
	if (rc < 0)
		answer_unreachable(r, p, rc);
	else if (res.type == RTN_UNICAST)
		forward(r, p, &res);
	else if (res.type == RTN_LOCAL && is_echo_request(p))
		answer_echo(r, p);
	else
		r->st.dropped++; /* local but not an echo request, broadcast, multicast */
}

static void read_packets(struct router *r)
{
	struct pkt p;
	int i;

	for (i = 0; i < READ_BURST; i++) {
		ssize_t n = read(r->tun_fd, r->in, sizeof(r->in));

		if (n <= 0)
			return; /* EAGAIN: drained */
		r->st.packets++;
		if (parse(r->in, (size_t)n, &p) < 0)
			r->st.dropped++;
		else
			route_packet(r, &p);
	}
}

/* ----------------------------------------------------------------- tracks */

/* A flow watch fires after fm_mirror_process() only when the decision changed. */
static void on_track(const struct fm_flow *fl, int old_rc, const struct fm_result *old, int new_rc,
		     const struct fm_result *new, void *arg)
{
	struct track *t = arg;
	char a[128], b[128];

	(void)fl;
	printf("track %s: %s -> %s\n", t->addr, describe(t->r, old_rc, old, a, sizeof(a)),
	       describe(t->r, new_rc, new, b, sizeof(b)));
}

/*
 * Print the decision for @t now, then watch it. @t is the watch's argument:
 * the tracks array is complete (never moved again) before the first one.
 */
static int track_start(struct router *r, struct track *t)
{
	struct fm_result res;
	char d[128];
	int rc;

	t->r = r;
	rc = fm_route_get(r->m, &t->fl, &res);
	printf("track %s: %s\n", t->addr, describe(r, rc, &res, d, sizeof(d)));
	return fm_watch_flow(r->m, &t->fl, on_track, t, &t->watch);
}

/* ------------------------------------------------------------------ stats */

/* The gateway table, then the counters: a report ends with its "stats:" line. */
static void print_stats(struct router *r)
{
	struct fm_cache_stats cs;
	char gw[64], dev[IF_NAMESIZE + 8];
	size_t i;

	for (i = 0; i < r->ngws; i++) {
		const struct gateway *g = r->gws[i];

		printf("gateway %s dev %s: routes %ld packets %llu\n",
		       ip_str(&g->gw, gw, sizeof(gw)), dev_name(r, g->ifindex, dev, sizeof(dev)),
		       g->routes, (unsigned long long)g->packets);
	}
	fm_cache_stats(r->cache, &cs);
	printf("stats: packets %llu routed %llu forwarded %llu local %llu unreachable %llu "
	       "time-exceeded %llu too-big %llu dropped %llu tx-errors %llu "
	       "cache-hits %llu cache-misses %llu cache-bypassed %llu\n",
	       (unsigned long long)r->st.packets, (unsigned long long)r->st.routed,
	       (unsigned long long)r->st.forwarded, (unsigned long long)r->st.local_replies,
	       (unsigned long long)r->st.unreachables, (unsigned long long)r->st.time_exceeded,
	       (unsigned long long)r->st.too_big, (unsigned long long)r->st.dropped,
	       (unsigned long long)r->st.tx_errors, (unsigned long long)(cs.in_hit + cs.out_hit),
	       (unsigned long long)(cs.in_slow + cs.out_slow), (unsigned long long)cs.bypassed);
}

/* ------------------------------------------------------------------ setup */

/*
 * Move the whole process into a named namespace (or one given by path): the
 * TUN device, the raw sockets and the mirror must all be of the same one,
 * so the mirror then simply opens the current namespace.
 */
static int enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd, rc;

	snprintf(path, sizeof(path), strchr(name, '/') ? "%s" : "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	rc = setns(fd, CLONE_NEWNET) < 0 ? -errno : 0;
	close(fd);
	return rc;
}

/* Attach to TUN device @name (made, not persistent, if it does not exist). */
static int tun_open(struct router *r, const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	r->tun_fd = fd;
	snprintf(r->tun_name, sizeof(r->tun_name), "%s", ifr.ifr_name);
	r->tun_ifindex = (int)if_nametoindex(r->tun_name);
	return r->tun_ifindex > 0 ? 0 : -ENODEV;
}

static int raw_open(struct router *r)
{
	int one = 1;

	/* IPPROTO_RAW: we write whole packets, headers included, and read none. */
	r->raw4 = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	if (r->raw4 < 0 || setsockopt(r->raw4, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) < 0)
		return -errno;
	r->raw6 = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_RAW);
	return r->raw6 < 0 ? -errno : 0;
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_stop = 1;
}

/*
 * The signals are blocked except inside ppoll(), which unblocks them
 * atomically: one that arrives while packets are being routed is taken at
 * the next wait, not after the next event. Threads the library may start
 * inherit the mask, so none of them takes a signal either.
 */
static int signals_block(sigset_t *wait_mask)
{
	struct sigaction sa = {.sa_handler = on_signal};
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, wait_mask) < 0)
		return -errno;
	sigdelset(wait_mask, SIGINT);
	sigdelset(wait_mask, SIGTERM);
	sigdelset(wait_mask, SIGUSR1);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigaction(SIGUSR1, &sa, NULL) < 0)
		return -errno;
	return 0;
}

/* ------------------------------------------------------------- event loop */

static int run(struct router *r, const sigset_t *wait_mask)
{
	struct pollfd pfd[2] = {
	    {.fd = r->tun_fd, .events = POLLIN},
	    {.fd = fm_mirror_fd(r->m), .events = POLLIN},
	};

	while (!got_stop) {
		int tmo = fm_mirror_timeout(r->m), n, rc;
		struct timespec ts = {.tv_sec = tmo / 1000, .tv_nsec = (tmo % 1000) * 1000000L};

		n = ppoll(pfd, 2, tmo < 0 ? NULL : &ts, wait_mask);
		if (n < 0 && errno != EINTR)
			return -errno;
		if (got_usr1) {
			got_usr1 = 0;
			print_stats(r);
		}
		if (n < 0)
			continue;
		/* Routing changes first: the packets read next see them. */
		if (n == 0 || pfd[1].revents) {
			rc = fm_mirror_process(r->m, 0);
			if (rc < 0)
				return rc;
		}
		if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL))
			return -EIO;
		if (pfd[0].revents & POLLIN)
			read_packets(r);
	}
	return 0;
}

static void router_free(struct router *r)
{
	size_t i;

	for (i = 0; i < r->ntracks; i++)
		fm_watch_free(r->tracks[i].watch);
	for (i = 0; i < r->ngws; i++) {
		fm_watch_free(r->gws[i]->watch);
		free(r->gws[i]);
	}
	free(r->gws);
	free(r->tracks);
	fm_cache_free(r->cache);
	fm_mirror_free(r->m);
	if (r->raw4 >= 0)
		close(r->raw4);
	if (r->raw6 >= 0)
		close(r->raw6);
	if (r->tun_fd >= 0)
		close(r->tun_fd);
}

/* ---------------------------------------------------------------- options */

static void usage(FILE *f)
{
	fprintf(f, "usage: tunrouter [--netns NAME] [--track ADDR]... TUNNAME\n"
		   "Routes the packets of TUN device TUNNAME as the host would route them.\n"
		   "SIGUSR1 prints the counters; SIGINT and SIGTERM print them and exit.\n");
}

static int add_track(struct router *r, const char *addr)
{
	struct track *t = realloc(r->tracks, (r->ntracks + 1) * sizeof(*t));

	if (!t)
		return -ENOMEM;
	r->tracks = t;
	t += r->ntracks;
	memset(t, 0, sizeof(*t));
	if (fm_ip_parse(addr, &t->fl.dst) < 0)
		return -EINVAL;
	t->fl.family = t->fl.dst.family;
	fm_ip_format(&t->fl.dst, t->addr, sizeof(t->addr));
	r->ntracks++;
	return 0;
}

/* Returns the index of TUNNAME in argv, or -1 after printing why not. */
static int parse_options(struct router *r, int argc, char **argv, const char **netns)
{
	static const struct option opts[] = {
	    {"netns", required_argument, NULL, 'n'},
	    {"track", required_argument, NULL, 't'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "n:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			*netns = optarg;
			break;
		case 't':
			if (add_track(r, optarg) < 0) {
				fprintf(stderr, "tunrouter: bad address '%s'\n", optarg);
				return -1;
			}
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return -1;
	}
	return optind;
}

/* Everything the loop needs, in order; a failure names its step. */
static int setup(struct router *r, const char *netns, const char *tun, const char **step)
{
	struct fm_open_opts o = {.sz = sizeof(o)};
	size_t i;
	int rc;

	*step = "netns";
	if (netns && (rc = enter_netns(netns)) < 0)
		return rc;
	*step = "tun device";
	if ((rc = tun_open(r, tun)) < 0)
		return rc;
	*step = "raw sockets";
	if ((rc = raw_open(r)) < 0)
		return rc;
	/* After the TUN device exists, so that the first dump has it. */
	*step = "mirror";
	if ((rc = fm_mirror_open(&o, &r->m)) < 0)
		return rc;
	*step = "flow cache";
	if ((rc = fm_cache_new(r->m, NULL, &r->cache)) < 0)
		return rc;
	*step = "track";
	for (i = 0; i < r->ntracks; i++)
		if ((rc = track_start(r, &r->tracks[i])) < 0)
			return rc;
	return 0;
}

int main(int argc, char **argv)
{
	static struct router r = {.tun_fd = -1, .raw4 = -1, .raw6 = -1}; /* 128 KiB of buffers */
	const char *netns = NULL, *step;
	sigset_t wait_mask;
	int arg, rc;

	setvbuf(stdout, NULL, _IOLBF, 0); /* lines reach a pipe or a log as they happen */
	arg = parse_options(&r, argc, argv, &netns);
	if (arg < 0) {
		router_free(&r);
		return 2;
	}
	rc = signals_block(&wait_mask);
	step = "signals";
	if (rc == 0)
		rc = setup(&r, netns, argv[arg], &step);
	if (rc == 0) {
		printf("tunrouter: routing %s (ifindex %d)\n", r.tun_name, r.tun_ifindex);
		step = "event loop";
		rc = run(&r, &wait_mask);
		print_stats(&r);
	}
	if (rc < 0)
		fprintf(stderr, "tunrouter: %s: %s\n", step, strerror(-rc));
	router_free(&r);
	return rc < 0 ? 1 : 0;
}
