// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fast route get (fib/ + lookup/fast.c) against the reference
 * (lookup/ref*.c) on random RIBs and random flows: every answer the fast
 * path gives must be the reference's, byte for byte (result header and
 * hops), and the fast path must answer most plain flows itself.
 *
 * The RIBs mix what changes the answer: rules with every selector and
 * action, several tables, tos aliases, metrics, every route type, multipath
 * with weights, dead and linkdown hops, nexthop objects of both families
 * (groups, resilient ones, blackhole), prefsrc (127/8 too), gateways that
 * are our own addresses, links down, a known or unknown multipath seed.
 * After each round some routes change (added, replaced, removed), three times,
 * and the FIB is rebuilt incrementally as the mirror does it: tables patched
 * in place at the prefixes that changed, or rebuilt whole where a patch
 * cannot be exact. After every step each table must give the outcome a fresh
 * build gives, at every changed prefix and at random addresses; then the
 * answers are checked again. A quarter of the rounds are plain (no tos
 * alias, no dead hop, no lifetime), so that patches are not all refused.
 *
 * The general path is checked too, on the flows the fast path hands over and
 * on every IPv6 one: its table walks guided by the FIB (lookup_env.fib) and
 * unguided against the plainest reference (IPv6 walks that scan every route,
 * lookup_env.plain). Every other round has no IPv6 source-specific route, so
 * that the probing IPv6 walk runs.
 *
 * Seed: FM_TEST_SEED or a fixed default, printed.
 */
#include "fib/fib.h"
#include "lookup/fast.h"
#include "lookup/lookup.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/netconf.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"

#define ADD  (NLM_F_CREATE | NLM_F_EXCL)
#define NDEV 6
#define NTAB 4

static const uint32_t tables[NTAB] = {RT_TABLE_MAIN, RT_TABLE_LOCAL, 100, 200};

static uint64_t rng;
/* Whether this round's RIB may hold IPv6 source-specific routes: without
 * any, the general path's IPv6 walks probe prefix lengths instead of
 * scanning (ref6.c), and both must be exercised. */
static bool src6;
static bool plain; /* no tos aliases, dead hops or lifetimes this round */

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

static struct fm_ip ip4(uint32_t host)
{
	struct fm_ip a = {.family = AF_INET};
	uint32_t n = htonl(host);

	memcpy(a.b, &n, 4);
	return a;
}

static struct fm_ip ip6(uint16_t w0, uint16_t w1, uint16_t w2, uint16_t w3, uint16_t last)
{
	struct fm_ip a = {.family = AF_INET6};
	uint16_t w[8] = {htons(w0), htons(w1), htons(w2), htons(w3), 0, 0, 0, htons(last)};

	memcpy(a.b, w, 16);
	return a;
}

/* IPv6 destinations: a few /48s, some ULA, and random ones. */
static struct fm_ip rnd_addr6(void)
{
	static const uint16_t top[] = {0x2001, 0x2a00, 0xfd00, 0x2001};

	if (!rnd(10)) {
		struct fm_ip a = {.family = AF_INET6};

		for (int i = 0; i < 16; i++)
			a.b[i] = (uint8_t)rnd(256);
		return a;
	}
	return ip6(top[rnd(4)], 0xdb8, (uint16_t)rnd(4), (uint16_t)(rnd(3) ? rnd(4) : rnd(65536)),
		   (uint16_t)rnd(65536));
}

/* Addresses come from a small space so prefixes nest and collide. */
static uint32_t rnd_addr(void)
{
	static const uint32_t bases[] = {0x0a000000, 0x0a010000, 0xc0a80000, 0x08080000,
					 0x64400000};

	return bases[rnd(5)] | (rnd(4) ? rnd(4) << 8 | rnd(8) : rnd(1u << 16));
}

/* Device @i: "lo" (loopback) for 1, else "d@i". */
static void link_add(struct rib *rib, int i, uint32_t flags, uint32_t group)
{
	struct fm_link l = {.ifindex = i, .flags = flags, .group = group};

	if (i == 1)
		l.flags |= IFF_LOOPBACK;
	snprintf(l.name, sizeof(l.name), i == 1 ? "lo" : "d%d", i);
	rib_link_apply(rib, RIB_NEW, &l);
}

static void links(struct rib *rib)
{
	int i;

	for (i = 1; i <= NDEV; i++) {
		uint32_t group = rnd(3), flags = IFF_UP | IFF_RUNNING;

		if (i != 1 && !rnd(6))
			flags &= ~(uint32_t)IFF_UP;
		link_add(rib, i, flags, group);
	}
}

/* Devices 1 (lo) to @n, all up. */
static void up_links(struct rib *rib, int n)
{
	int i;

	for (i = 1; i <= n; i++)
		link_add(rib, i, IFF_UP | IFF_RUNNING, 0);
}

static void addr(struct rib *rib, int dev, uint32_t a, int len, uint8_t scope)
{
	struct fm_address x = {
	    .family = AF_INET, .prefixlen = (uint8_t)len, .ifindex = dev, .scope = scope};

	x.local = x.address = ip4(a);
	rib_addr_apply(rib, RIB_NEW, 0, &x);
}

static void addrs(struct rib *rib)
{
	int i;

	addr(rib, 1, 0x7f000001, 8, RT_SCOPE_HOST);
	for (i = 2; i <= NDEV; i++) {
		if (!rnd(5))
			continue;
		addr(rib, i, 0x0a000000 | (uint32_t)i << 8 | 1, 24, RT_SCOPE_UNIVERSE);
		if (!rnd(3))
			addr(rib, i, 0xc0a80000 | (uint32_t)i << 8 | 7, 24,
			     rnd(2) ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE);
	}
}

static void addr6(struct rib *rib, int dev, struct fm_ip a, int len, uint32_t flags)
{
	struct fm_address x = {
	    .family = AF_INET6, .prefixlen = (uint8_t)len, .ifindex = dev, .flags = flags};

	x.local = x.address = a;
	x.scope = a.b[0] == 0xfe	    ? RT_SCOPE_LINK
		  : a.b[15] == 1 && !a.b[0] ? RT_SCOPE_HOST
					    : RT_SCOPE_UNIVERSE;
	rib_addr_apply(rib, RIB_NEW, 0, &x);
}

static void addrs6(struct rib *rib)
{
	int i;

	addr6(rib, 1, ip6(0, 0, 0, 0, 1), 128, IFA_F_PERMANENT);
	for (i = 2; i <= NDEV; i++) {
		addr6(rib, i, ip6(0xfe80, 0, 0, 0, (uint16_t)i), 64, IFA_F_PERMANENT);
		if (rnd(4))
			addr6(rib, i, ip6(0x2001, 0xdb8, (uint16_t)rnd(4), (uint16_t)i, 1), 64,
			      rnd(5) ? IFA_F_PERMANENT : IFA_F_DEPRECATED);
		if (!rnd(3))
			addr6(rib, i, ip6(0xfd00, 0xdb8, 1, (uint16_t)i, 1), 64, IFA_F_PERMANENT);
	}
}

/* Nexthop @id of @family: a gateway on a random device, or a blackhole. */
static void nexthop(struct rib *rib, uint32_t id, uint8_t family, bool blackhole)
{
	struct fm_nexthop nh = {.id = id, .family = family, .blackhole = blackhole};

	if (!blackhole) {
		nh.ifindex = 2 + (int)rnd(NDEV - 1);
		nh.gw = family == AF_INET
			    ? ip4(0x0a000000 | (uint32_t)nh.ifindex << 8 | (2 + rnd(3)))
			    : ip6(0xfe80, 0, 0, 0, (uint16_t)(0x100 + rnd(4)));
	}
	rib_nexthop_apply(rib, RIB_NEW, ADD, &nh);
}

/* Group @id of nexthops @ids with random weights, resilient or hash-threshold. */
static void group(struct rib *rib, uint32_t id, const uint32_t ids[3], bool resilient)
{
	struct fm_nh_member mem[3];
	struct fm_nexthop g = {.id = id,
			       .nmembers = 3,
			       .members = mem,
			       .group_type =
				   resilient ? NEXTHOP_GRP_TYPE_RES : NEXTHOP_GRP_TYPE_MPATH,
			       .res_buckets = resilient ? 32 : 0};

	for (int i = 0; i < 3; i++)
		mem[i] = (struct fm_nh_member){.id = ids[i], .weight = 1 + rnd(3)};
	rib_nexthop_apply(rib, RIB_NEW, ADD, &g);
}

/* IPv4 1-5 gateways, 6 a blackhole, groups 10 and 11 (two gateways and 5);
 * IPv6 21-23 gateways, 24 a blackhole, groups 30 and 31 of 21-23. */
static void nexthops(struct rib *rib)
{
	uint32_t id, v4[3], v6[3] = {21, 22, 23};

	for (id = 1; id <= 6; id++)
		nexthop(rib, id, AF_INET, id == 6);
	for (id = 21; id <= 24; id++)
		nexthop(rib, id, AF_INET6, id == 24);
	for (id = 10; id <= 11; id++) {
		v4[0] = 1 + (uint32_t)rnd(3);
		v4[1] = v4[0] == 1 ? 2 : 1;
		v4[2] = 5;
		group(rib, id, v4, id == 11);
	}
	for (id = 30; id <= 31; id++)
		group(rib, id, v6, id == 31);
}

static bool kernel_local; /* this round's local routes are RTPROT_KERNEL */

static uint8_t rnd_type(uint32_t table)
{
	static const uint8_t t[] = {RTN_BLACKHOLE, RTN_UNREACHABLE, RTN_PROHIBIT,
				    RTN_THROW,	   RTN_LOCAL,	    RTN_BROADCAST};

	if (table == RT_TABLE_LOCAL && rnd(2))
		return rnd(2) ? RTN_LOCAL : RTN_BROADCAST;
	return rnd(6) ? RTN_UNICAST : t[rnd(6)];
}

static void hops(struct fm_route *r, struct fm_hop *h)
{
	int n = 1 + (rnd(4) ? 0 : (int)rnd(3)), i;

	for (i = 0; i < n; i++) {
		int dev = 2 + (int)rnd(NDEV - 1);

		memset(&h[i], 0, sizeof(h[i]));
		h[i].ifindex = dev;
		h[i].weight = (uint16_t)(1 + rnd(4));
		if (n > 1 || rnd(3))
			h[i].gw = ip4(0x0a000000 | (uint32_t)dev << 8 | (rnd(5) ? 2 + rnd(3) : 1));
		if (plain)
			continue;
		if (!rnd(6))
			h[i].flags = RTNH_F_DEAD | RTNH_F_LINKDOWN;
		else if (!rnd(8))
			h[i].flags = RTNH_F_LINKDOWN;
	}
	r->nhops = (uint16_t)n;
	r->hops = h;
	if (!h[0].gw.family && n == 1)
		r->scope = RT_SCOPE_LINK;
}

static void one_route(struct rib *rib, uint32_t table)
{
	struct fm_route r = {
	    .family = AF_INET, .table = table, .protocol = RTPROT_STATIC, .pref = 0xff};
	struct fm_hop h[4];
	int len = rnd(2) ? 8 * (1 + (int)rnd(4)) : rnd(8) ? 8 + (int)rnd(25) : (int)rnd(8);
	uint32_t a = rnd_addr();

	a &= len ? UINT32_MAX << (32 - len) : 0;
	r.dst = ip4(a);
	r.src.family = AF_INET;
	r.dst_len = (uint8_t)len;
	r.tos = plain || rnd(6) ? 0 : (uint8_t)(rnd(2) ? 0x10 : 0x08);
	r.priority = rnd(3) ? 0 : rnd(3) * 100;
	r.type = rnd_type(table);
	/* In half the rounds local routes are the kernel's own, so the input
	 * path's source check may take its shortcut. */
	if (r.type == RTN_LOCAL && kernel_local)
		r.protocol = RTPROT_KERNEL;
	if (r.type == RTN_UNICAST || r.type == RTN_LOCAL || r.type == RTN_BROADCAST) {
		if (r.type == RTN_UNICAST && !rnd(5))
			r.nhid = rnd(3) ? 10 + rnd(2) : 1 + rnd(6);
		else
			hops(&r, h);
		if (r.type != RTN_UNICAST)
			r.scope = RT_SCOPE_HOST;
	}
	if (!rnd(8))
		r.prefsrc = ip4(rnd(4) ? 0x0a000201 : 0x7f000001);
	rib_route_apply(rib, RIB_NEW, NLM_F_CREATE | (rnd(4) ? 0 : NLM_F_APPEND), &r);
}

static void one_route6(struct rib *rib, uint32_t table)
{
	struct fm_route r = {
	    .family = AF_INET6, .table = table, .protocol = RTPROT_STATIC, .pref = 0xff};
	struct fm_hop h[4];
	int len = rnd(2) ? 16 * (int)rnd(9) : (int)rnd(129), n, i;
	struct fm_ip d = rnd_addr6();

	for (i = len / 8; i < 16; i++)
		d.b[i] &= i == len / 8 ? (uint8_t)(0xff << (8 - len % 8)) : 0;
	r.dst = d;
	r.dst_len = (uint8_t)len;
	r.src.family = AF_INET6;
	if (src6 && !rnd(15)) {
		r.src = ip6(0x2001, 0xdb8, 0, 0, 0);
		r.src_len = 48;
	}
	r.priority = rnd(2) ? 1024 : 256 * (1 + rnd(3));
	r.type = rnd(8) ? RTN_UNICAST : (uint8_t)(rnd(2) ? RTN_UNREACHABLE : RTN_BLACKHOLE);
	if (table == RT_TABLE_LOCAL && rnd(2))
		r.type = RTN_LOCAL;
	if (!rnd(4))
		r.pref = (uint8_t)rnd(4); /* ICMPV6_ROUTER_PREF_* incl. invalid */
	if (!plain && !rnd(10))
		r.expires = rnd(3) ? 600 : FM_EXPIRED;
	if (r.type == RTN_UNICAST && !rnd(5)) {
		r.nhid = rnd(3) ? 30 + rnd(2) : 21 + rnd(4);
	} else if (r.type == RTN_UNICAST || r.type == RTN_LOCAL) {
		n = 1 + (rnd(3) ? 0 : (int)rnd(3));
		for (i = 0; i < n; i++) {
			int dev = 2 + (int)rnd(NDEV - 1);

			memset(&h[i], 0, sizeof(h[i]));
			h[i].ifindex = dev;
			h[i].weight = 1;
			if (n > 1 || rnd(2))
				h[i].gw = ip6(0xfe80, 0, 0, 0, (uint16_t)(0x100 + rnd(4)));
			if (!plain && !rnd(8))
				h[i].flags = RTNH_F_DEAD | RTNH_F_LINKDOWN;
		}
		r.nhops = (uint16_t)n;
		r.hops = h;
	}
	if (!rnd(10))
		r.prefsrc = ip6(0x2001, 0xdb8, 9, 9, 9);
	rib_route_apply(rib, RIB_NEW, NLM_F_CREATE | (rnd(3) ? NLM_F_APPEND : 0), &r);
}

static void rule(struct rib *rib, uint8_t fam, uint32_t prio)
{
	struct fm_rule r = {
	    .family = fam, .priority = prio, .action = FR_ACT_TO_TBL, .attrs = FM_RULE_PRIORITY};

	r.table = tables[rnd(NTAB)];
	switch (rnd(14)) {
	case 0:
		r.fwmark = 1 + rnd(2), r.attrs |= FM_RULE_FWMARK;
		break;
	case 1:
		r.fwmark = 0x10, r.fwmask = 0xf0, r.attrs |= FM_RULE_FWMARK | FM_RULE_FWMASK;
		break;
	case 2:
		r.dst = fam == AF_INET ? ip4(0x0a000000) : ip6(0x2001, 0xdb8, 0, 0, 0),
		r.dst_len = fam == AF_INET ? 16 : 48;
		break;
	case 3:
		r.src = fam == AF_INET ? ip4(0x0a000000) : ip6(0x2001, 0xdb8, 0, 0, 0),
		r.src_len = 8;
		break;
	case 4:
		r.ip_proto = 6, r.attrs |= FM_RULE_IPPROTO;
		break;
	case 5:
		r.dport_lo = 80, r.dport_hi = 90, r.attrs |= FM_RULE_DPORT;
		break;
	case 6:
		r.uid_start = rnd(2) ? 1000 : 0, r.uid_end = 2000, r.attrs |= FM_RULE_UIDRANGE;
		break;
	case 7:
		r.tos = 0x10;
		break;
	case 8:
		snprintf(r.iifname, 16, rnd(2) ? "lo" : "d3"), r.attrs |= FM_RULE_IIF;
		break;
	case 9:
		snprintf(r.oifname, 16, "d2"), r.attrs |= FM_RULE_OIF;
		break;
	case 10:
		r.suppress_prefixlen = rnd(2) ? 0 : 16, r.attrs |= FM_RULE_SUPPRESS_PREFIXLEN;
		break;
	case 11:
		r.suppress_ifgroup = rnd(3), r.attrs |= FM_RULE_SUPPRESS_IFGROUP;
		break;
	case 12:
		r.action = FR_ACT_GOTO, r.goto_target = prio + 20 * (1 + rnd(3)),
		r.attrs |= FM_RULE_GOTO, r.fwmark = 2, r.attrs |= FM_RULE_FWMARK;
		break;
	default:
		r.action = (uint8_t)(FR_ACT_NOP + rnd(4)), r.fwmark = 3, r.attrs |= FM_RULE_FWMARK;
		break;
	}
	if (!rnd(8))
		r.flags |= FIB_RULE_INVERT;
	rib_rule_apply(rib, RIB_NEW, NLM_F_CREATE, &r);
}

static void rules(struct rib *rib, uint8_t fam, bool custom)
{
	static const uint32_t prio[] = {0, 32766, 32767}, tab[] = {255, 254, 253};
	uint32_t p;

	for (int i = 0; i < 3; i++) {
		struct fm_rule r = {.family = fam,
				    .priority = prio[i],
				    .table = tab[i],
				    .action = FR_ACT_TO_TBL,
				    .attrs = FM_RULE_PRIORITY};

		rib_rule_apply(rib, RIB_NEW, NLM_F_CREATE, &r);
	}
	for (p = 100; custom && p < 100 + 20 * (1 + rnd(8)); p += 20)
		rule(rib, fam, p);
	if (custom && fam == AF_INET && rnd(2)) {
		/* What an input flow's source check meets: its reverse route
		 * enters by the forward route's device, and carries the mark
		 * only with src_valid_mark. */
		struct fm_rule a = {.family = fam,
				    .priority = 90,
				    .action = FR_ACT_PROHIBIT,
				    .attrs = FM_RULE_PRIORITY | FM_RULE_IIF};
		struct fm_rule b = {.family = fam,
				    .priority = 92,
				    .action = FR_ACT_UNREACHABLE,
				    .fwmark = 1,
				    .attrs = FM_RULE_PRIORITY | FM_RULE_FWMARK};

		snprintf(a.iifname, sizeof(a.iifname), "d%u", 2 + rnd(NDEV - 1));
		rib_rule_apply(rib, RIB_NEW, NLM_F_CREATE, &a);
		rib_rule_apply(rib, RIB_NEW, NLM_F_CREATE, &b);
	}
	if (custom && rnd(2)) {
		/* wg-quick's "table main suppress_prefixlength 0", and a goto back. */
		struct fm_rule s = {.family = fam,
				    .priority = 50,
				    .table = RT_TABLE_MAIN,
				    .action = FR_ACT_TO_TBL,
				    .suppress_prefixlen = rnd(25),
				    .attrs = FM_RULE_PRIORITY | FM_RULE_SUPPRESS_PREFIXLEN};
		struct fm_rule g = {.family = fam,
				    .priority = 60,
				    .action = FR_ACT_GOTO,
				    .goto_target = 50,
				    .attrs = FM_RULE_PRIORITY | FM_RULE_GOTO};

		rib_rule_apply(rib, RIB_NEW, NLM_F_CREATE, &s);
		if (rnd(2))
			rib_rule_apply(rib, RIB_NEW, NLM_F_CREATE, &g);
	}
}

static void sysctls_set(struct sysctls *s, bool known_seed)
{
	int i;

	for (i = 0; i < SYSCTL_COUNT; i++) {
		s->fd[i] = -1;
		s->v[i] = -1;
		if (!strcmp(sysctl_names[i], "net/ipv4/fib_multipath_hash_seed"))
			s->v[i] = known_seed ? 0x1234567 : 0;
		if (!strcmp(sysctl_names[i], "net/ipv4/fib_multipath_hash_policy"))
			s->v[i] = rnd(2);
		if (!strcmp(sysctl_names[i], "net/ipv4/conf/all/accept_local") ||
		    !strcmp(sysctl_names[i], "net/ipv4/conf/all/src_valid_mark"))
			s->v[i] = !rnd(4);
	}
}

/* A source for an IPv4 flow: mostly one of addrs()' addresses (which a
 * device may not have), else any address, or one the kernel refuses. */
static uint32_t rnd_src4(void)
{
	static const uint32_t odd[] = {0x7f000001, 0xe0000005, 0xffffffff, 0x0a000201};
	uint32_t dev = 2 + rnd(NDEV - 1);

	switch (rnd(6)) {
	case 0:
	case 1:
		return 0x0a000001 | dev << 8;
	case 2:
		return 0xc0a80007 | dev << 8;
	case 3:
		return rnd_addr();
	default:
		return odd[rnd(4)];
	}
}

/* IPv4 forwarding and rp_filter, for all devices and some of their own,
 * which the input path reads. */
static void netconfs(struct rib *rib)
{
	int i;

	for (i = 0; i <= NDEV; i++) {
		struct fm_netconf nc = {.family = AF_INET,
					.ifindex = i ? i : NETCONFA_IFINDEX_ALL,
					.forwarding = rnd(3) ? 1 : 0,
					.rp_filter = (int32_t)rnd(3),
					.mc_forwarding = -1,
					.proxy_neigh = -1,
					.ignore_routes_with_linkdown = -1};

		if (!i || !rnd(3))
			rib_netconf_apply(rib, RIB_NEW, &nc);
	}
}

static void rnd_flow(struct fm_flow *f, uint8_t fam)
{
	memset(f, 0, sizeof(*f));
	f->family = fam;
	f->dst = fam == AF_INET6 ? rnd_addr6() : ip4(rnd(10) ? rnd_addr() : rnd(UINT32_MAX));
	f->flowlabel = rnd(4) ? 0 : rnd(1u << 20);
	if (fam == AF_INET && !rnd(20)) {
		static const uint32_t special[] = {0xffffffff, 0xe0000001, 0xe0000005,
						   0xef010203, 0x7f000001, 0x00010203};

		f->dst = ip4(special[rnd(6)]);
	}
	f->ip_proto = rnd(3) ? IPPROTO_UDP : rnd(2) ? IPPROTO_TCP : IPPROTO_ICMP;
	f->tos = rnd(3) ? 0 : (uint8_t)(rnd(4) << 2);
	f->mark = rnd(2) ? 0 : rnd(4) | (rnd(2) ? 0x10 : 0);
	f->sport = (uint16_t)rnd(70000);
	f->dport = (uint16_t)(rnd(2) ? 80 + rnd(20) : rnd(65536));
	if (!rnd(4)) {
		f->flags |= FM_FLOW_UID;
		f->uid = rnd(3000);
	}
	/* Flows naming an output device, which the fast path answers when
	 * the route has a live hop there (any of the devices, some down, some absent),
	 * and some flows the fast path must hand over. */
	if (!rnd(5))
		f->oif = 1 + (int)rnd(NDEV + 1);
	/* Flows with a source, which the fast path answers (IPv4 when it is
	 * one of our addresses and the route has a single hop); IPv6 ones
	 * partly inside the source-specific routes' 2001:db8::/48. */
	/* Packets received, which the IPv4 input path answers when both
	 * addresses are ordinary unicast and the route has a single hop. */
	if (fam == AF_INET && !rnd(6)) {
		f->iif = 1 + (int)rnd(NDEV + 1);
		f->src = ip4(rnd(3) ? rnd_addr() : rnd_src4());
	} else if (fam == AF_INET6 && !rnd(6)) {
		/* IPv6 packets received, with a source or not. */
		f->iif = 1 + (int)rnd(NDEV + 1);
		if (rnd(3))
			f->src = rnd(2) ? ip6(0x2001, 0xdb8, 0, 0, (uint16_t)rnd(4)) : rnd_addr6();
	} else if (!rnd(5))
		f->src = fam == AF_INET ? ip4(rnd_src4())
			 : rnd(2)	? ip6(0x2001, 0xdb8, 0, 0, (uint16_t)rnd(4))
					: rnd_addr6();
	if (!rnd(20))
		f->flags |= FM_FLOW_FIBMATCH;
}

struct tally {
	unsigned checked, fast, mismatches, fast6, bulk_mismatches, hinted, hint_mismatches;
	unsigned steps, patched, plain_steps, plain_patched, lookups, fresh_mismatches;
	unsigned lens_checked, lens_mismatches; /* rib->lens against the keys */
	/* flows naming an output device, and those answered, per family */
	unsigned oif[2], fast_oif[2];
	unsigned src[2], fast_src[2]; /* flows with a source (and no device) */
	unsigned in, fast_in;	      /* IPv4 input-path flows */
	unsigned in6, fast_in6;	      /* IPv6 input-path flows */
};

/*
 * The general path's table walks guided by the FIB (lookup_env.fib), and
 * unguided, against the plain reference: IPv6 walks that scan every route
 * (lookup_env.plain) instead of probing prefix lengths and stopping early.
 */
static void check_hinted(const struct lookup_env *env, const struct fib *f,
			 const struct fm_flow *fl, struct tally *t)
{
	static struct fm_result a, b;
	struct lookup_env walk = *env, plain = *env;
	char s[64];
	int ra, rb, i;

	plain.plain = true;
	rb = lk_ref_route_get(&plain, fl, &b);
	for (i = 0; i < 2; i++) {
		walk.fib = i ? NULL : f;
		ra = lk_ref_route_get(&walk, fl, &a);
		t->hinted++;
		if (!lk_same_answer(ra, &a, rb, &b) && t->hint_mismatches++ < 5)
			diag("%s mismatch: dst %s iif %d oif %d: %d (oif %d len %d), plain %d "
			     "(oif %d len %d)",
			     i ? "unguided" : "hinted", fm_ip_format(&fl->dst, s, sizeof(s)),
			     fl->iif, fl->oif, ra, a.oif, a.dst_len, rb, b.oif, b.dst_len);
	}
}

/* Half the flows that name an output device name the one the flow takes
 * without it, as `ip route get ADDR oif DEV` usually does. */
static void oif_as_taken(const struct lookup_env *env, struct fm_flow *fl)
{
	static struct fm_result r;
	struct fm_flow plain = *fl;

	plain.oif = 0;
	if (fl->oif > 0 && rnd(2) && lk_ref_route_get(env, &plain, &r) == 0 && r.oif > 0)
		fl->oif = r.oif;
}

static void check(const struct lookup_env *env, const struct fib *f, unsigned flows,
		  struct tally *t)
{
	static struct fm_result a, b;
	struct fm_flow fl;
	char s[64], s2[64];
	unsigned i;

	for (i = 0; i < flows; i++) {
		int ra, rb;

		rnd_flow(&fl, (uint8_t)(i & 1 ? AF_INET6 : AF_INET));
		oif_as_taken(env, &fl);
		ra = lk_fast_route_get(f, &fl, &a, NULL);
		t->checked++;
		t->oif[fl.family == AF_INET6] += fl.oif > 0;
		t->src[fl.family == AF_INET6] += fl.src.family && fl.oif <= 0 && fl.iif <= 0;
		t->in += fl.iif > 0 && fl.family == AF_INET;
		t->in6 += fl.iif > 0 && fl.family == AF_INET6;
		if (ra == LK_GENERAL || fl.family == AF_INET6)
			check_hinted(env, f, &fl, t);
		if (ra == LK_GENERAL)
			continue;
		t->fast++;
		t->fast6 += fl.family == AF_INET6;
		t->fast_oif[fl.family == AF_INET6] += fl.oif > 0;
		t->fast_src[fl.family == AF_INET6] += fl.src.family && fl.oif <= 0 && fl.iif <= 0;
		t->fast_in += fl.iif > 0 && fl.family == AF_INET;
		t->fast_in6 += fl.iif > 0 && fl.family == AF_INET6;
		rb = lk_ref_route_get(env, &fl, &b);
		if (lk_same_answer(ra, &a, rb, &b))
			continue;
		if (t->mismatches < 5 && !ra && !rb) {
			size_t k;

			for (k = 0; k < sizeof(a) && ((char *)&a)[k] == ((char *)&b)[k]; k++)
				;
			char g1[64], g2[64];

			diag("first differing byte at offset %zu (hops at %zu): gw %s / %s, chosen "
			     "%d / %d, nhid %u",
			     k, offsetof(struct fm_result, hops), fm_ip_format(&a.gw, g1, 64),
			     fm_ip_format(&b.gw, g2, 64), a.chosen, b.chosen, a.nhid);
		}
		if (t->mismatches++ < 5)
			diag("mismatch: dst %s from %s iif %d tos %#x mark %#x: fast %d (type %u "
			     "oif %d "
			     "table %u len %d), ref %d (type %u oif %d table %u len %d)",
			     fm_ip_format(&fl.dst, s, sizeof(s)),
			     fm_ip_format(&fl.src, s2, sizeof(s2)), fl.iif, fl.tos, fl.mark, ra,
			     a.type, a.oif, a.table, a.dst_len, rb, b.type, b.oif, b.table,
			     b.dst_len);
	}
}

/*
 * The burst path against the single one: bursts of BURST flows (not a
 * multiple of LK_BULK, so chunks end mid-burst) with some flows marked done
 * beforehand, which must stay untouched.
 */
#define BURST 45
static void check_bulk(const struct fib *f, unsigned bursts, struct tally *t)
{
	static struct fm_flow fl[BURST];
	static struct fm_result a[BURST], b;
	int rc[BURST];
	unsigned i, k;

	for (k = 0; k < bursts; k++) {
		for (i = 0; i < BURST; i++) {
			rnd_flow(&fl[i], (uint8_t)(rnd(2) ? AF_INET6 : AF_INET));
			rc[i] = rnd(10) ? LK_GENERAL : -EBADF;
		}
		lk_fast_route_get_bulk(f, fl, a, rc, BURST);
		for (i = 0; i < BURST; i++) {
			int rb = rc[i] == -EBADF ? -EBADF : lk_fast_route_get(f, &fl[i], &b, NULL);

			if (!lk_same_answer(rc[i], &a[i], rb, &b) && t->bulk_mismatches++ < 5)
				diag("burst mismatch: flow %u of burst %u: bulk %d, single %d", i,
				     k, rc[i], rb);
		}
	}
}

/* What the mirror's on_change() records, recorded the same way. */
static struct fib_dirty *dirt;

static void record(struct rib *rib, enum fm_event_type type, enum fm_kind kind, bool implicit,
		   const void *obj, void *arg)
{
	(void)rib, (void)type, (void)implicit, (void)arg;
	fib_dirty_change(dirt, kind, obj);
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(&(*(struct rib_route *const *)a)->key, &(*(struct rib_route *const *)b)->key,
		      sizeof(struct rib_key));
}

/* Remove a random route of (@fam, @table), if it has one: picked in key
 * order, not the hash table's (its key is drawn per process). */
static void drop_route(struct rib *rib, uint8_t fam, uint32_t table)
{
	struct rib_route **v = calloc(rib->routes.n + 1, sizeof(*v)), *pick;
	struct fm_route r;
	struct hnode *hn;
	size_t i, n = 0;

	htab_for_each (&rib->routes, i, hn) {
		struct rib_route *x = container_of(hn, struct rib_route, hn);

		if (v && x->key.family == fam && x->key.table == table)
			v[n++] = x;
	}
	if (n) {
		qsort(v, n, sizeof(*v), key_cmp);
		for (pick = v[rnd((uint32_t)n)]; pick->next && rnd(2);)
			pick = pick->next;
		rib_route_export(rib, pick, &r);
		rib_route_apply(rib, RIB_DEL, 0, &r);
	}
	free(v);
}

/* Change a few routes of one table, as the mirror's events would. */
static void churn(struct rib *rib, struct fib_dirty *d)
{
	uint32_t table = tables[rnd(NTAB)];
	int i;

	dirt = d;
	rib->emit = record;
	for (i = 0; i < 1 + (int)rnd(20); i++) {
		if (rnd(3)) {
			one_route(rib, table);
			one_route6(rib, table);
		} else {
			drop_route(rib, AF_INET, table);
			drop_route(rib, AF_INET6, table);
		}
	}
	rib->emit = NULL;
}

static bool outcome_same(const struct fib_outcome *a, const struct fib_outcome *b)
{
	return !memcmp(a, b, offsetof(struct fib_outcome, hops)) &&
	       !memcmp(a->head, b->head, sizeof(a->head)) &&
	       (!a->nhops || (!memcmp(a->hops, b->hops, a->nhops * sizeof(*a->hops)) &&
			      !memcmp(a->hopx, b->hopx, a->nhops * sizeof(*a->hopx))));
}

/* Table @t of an incremental build against @fresh's, at @dst. */
static void same_at(const struct fib_table *t, const struct fib_table *fresh, const uint8_t *dst,
		    struct tally *tl)
{
	const struct fib_outcome *a = fib_table_lookup(t, dst), *b = fib_table_lookup(fresh, dst);
	char s[INET6_ADDRSTRLEN];

	tl->lookups++;
	if (!outcome_same(a, b) && tl->fresh_mismatches++ < 5)
		diag("table %u/%u at %s: incremental kind %u plen %d top %d, fresh kind %u plen "
		     "%d top %d",
		     t->family, t->id, inet_ntop(t->family, dst, s, sizeof(s)), a->kind, a->plen,
		     a->top, b->kind, b->plen, b->top);
}

/* The RIB's prefix lengths in use (rib->lens, the unguided walks' hint) are
 * those of its route keys, counted afresh. */
static void lens_as_keys(const struct rib *rib, struct tally *t)
{
	t->lens_checked++;
	if (!rib_lens_valid(rib) && t->lens_mismatches++ < 5)
		diag("rib->lens differs from the route keys (%zu keys)", rib->routes.n);
}

/* Every table of @f gives what a fresh build of the RIB gives: at every
 * route's prefix and at random addresses. */
static void same_as_fresh(const struct lookup_env *env, const struct fib *f, struct tally *tl)
{
	struct fib *fresh = NULL;
	struct hnode *hn;
	size_t i;
	int k;

	if (!ok(fib_build(env, NULL, NULL, &fresh) == 0, "fresh build") ||
	    !ok(f->n_tables == fresh->n_tables, "as many tables as a fresh build (%zu, %zu)",
		f->n_tables, fresh->n_tables))
		goto out;
	htab_for_each (&env->rib->routes, i, hn) {
		const struct rib_route *r = container_of(hn, struct rib_route, hn);
		const struct fib_table *a = fib_table_find(f, r->key.family, r->key.table);
		const struct fib_table *b = fib_table_find(fresh, r->key.family, r->key.table);

		if (a && b)
			same_at(a, b, r->key.dst, tl);
		else if (tl->fresh_mismatches++ < 5)
			diag("table %u/%u missing", r->key.family, r->key.table);
	}
	for (i = 0; i < fresh->n_tables; i++) {
		const struct fib_table *b = fresh->tables[i];
		const struct fib_table *a = fib_table_find(f, b->family, b->id);

		for (k = 0; a && k < 200; k++) {
			struct fm_ip d = b->family == AF_INET ? ip4(rnd_addr()) : rnd_addr6();

			same_at(a, b, d.b, tl);
		}
	}
out:
	fib_free(fresh);
}

static void round_trip(unsigned round, struct tally *t)
{
	struct rib rib;
	struct sysctls sys;
	struct lookup_env env = {.rib = &rib, .sys = &sys};
	struct fib *f = NULL, *g = NULL;
	struct fib_dirty d = {0};
	int i, step, n = 50 + (int)rnd(400);

	src6 = round % 2 && round % 4 != 3;
	plain = round % 4 == 3;
	kernel_local = round % 4 < 2;
	rib_init(&rib);
	sysctls_set(&sys, rnd(3) != 0);
	links(&rib);
	addrs(&rib);
	addrs6(&rib);
	netconfs(&rib);
	nexthops(&rib);
	rules(&rib, AF_INET, round % 3 != 0);
	rules(&rib, AF_INET6, round % 3 != 0);
	for (i = 0; i < n; i++) {
		one_route(&rib, tables[rnd(3) ? 0 : rnd(2) ? 1 : rnd(NTAB)]);
		one_route6(&rib, tables[rnd(3) ? 0 : rnd(NTAB)]);
	}
	if (!ok(fib_build(&env, NULL, NULL, &f) == 0, "round %u: fib built (%d routes)", round, n))
		goto out;
	check(&env, f, 3000, t);
	check_bulk(f, 20, t);
	for (step = 0; step < 3; step++) {
		churn(&rib, &d);
		lens_as_keys(&rib, t);
		if (!ok(fib_build(&env, f, &d, &g) == 0, "round %u: incremental rebuild %d", round,
			step))
			goto out;
		fib_dirty_clear(&d);
		fib_free(f);
		f = g;
		t->steps++;
		t->patched += f->patched;
		t->plain_steps += plain;
		t->plain_patched += plain ? f->patched : 0;
		same_as_fresh(&env, f, t);
	}
	check(&env, f, 3000, t);
	lens_as_keys(&rib, t);
out:
	fib_free(f);
	fib_dirty_fini(&d);
	rib_fini(&rib);
}

/* What fib_dirty_route() lists for patches, and when it gives a table up to
 * a whole build instead. */
static void test_dirty(void)
{
	struct fib_dirty d = {0};
	struct rib_key k = {.family = AF_INET, .table = 100, .dst_len = 32};
	struct rib_key k6 = {.family = AF_INET6, .table = 200, .dst_len = 48, .src_len = 64};
	uint32_t i, a;

	for (i = 0; i < FIB_DIRTY_PFX; i++) {
		a = htonl(0x0a000000 + i);
		memcpy(k.dst, &a, 4);
		fib_dirty_route(&d, &k);
	}
	ok(d.npfx == FIB_DIRTY_PFX && d.n == 0 && !d.all,
	   "%d changed prefixes listed for patches (%zu listed, %zu tables whole)", FIB_DIRTY_PFX,
	   d.npfx, d.n);
	a = htonl(0x0b000000);
	memcpy(k.dst, &a, 4);
	fib_dirty_route(&d, &k);
	fib_dirty_route(&d, &k);
	ok(d.n == 1 && d.v[0].table == 100 && d.npfx == FIB_DIRTY_PFX,
	   "one more: its table is built whole, nothing more listed (%zu tables, %zu listed)", d.n,
	   d.npfx);
	fib_dirty_route(&d, &k6);
	ok(d.n == 2 && d.v[1].family == AF_INET6 && d.v[1].table == 200,
	   "an IPv6 source-specific route: its table whole (%zu tables)", d.n);
	k.table = RT_TABLE_LOCAL;
	fib_dirty_route(&d, &k);
	ok(d.all, "an IPv4 local route: every table whole (gw_local)");
	fib_dirty_clear(&d);
	ok(!fib_dirty_any(&d), "cleared: nothing left to build");
	fib_dirty_fini(&d);
}

/*
 * A route that expires between publication and lookup: the outcome that
 * chose it must hand over to the general path, which skips it.
 */
static void test_expiry(void)
{
	struct rib rib;
	struct lookup_env env = {.rib = &rib, .sys = NULL};
	struct fm_route r = {.family = AF_INET6,
			     .table = RT_TABLE_MAIN,
			     .priority = 1024,
			     .type = RTN_UNICAST,
			     .protocol = RTPROT_RA,
			     .pref = 0xff};
	struct fm_hop h = {.ifindex = 2, .weight = 1};
	struct fm_flow fl = {.family = AF_INET6};
	struct fm_result a, b;
	struct fib *f = NULL;
	int ra, rb;

	rib_init(&rib);
	links(&rib);
	r.dst.family = r.src.family = AF_INET6;
	r.hops = &h;
	r.nhops = 1;
	r.expires = 1;
	h.gw = ip6(0xfe80, 0, 0, 0, 0xa);
	rib_route_apply(&rib, RIB_NEW, NLM_F_CREATE, &r);
	r.expires = 0;
	h.gw = ip6(0xfe80, 0, 0, 0, 0xb);
	h.ifindex = 3;
	rib_route_apply(&rib, RIB_NEW, NLM_F_CREATE | NLM_F_APPEND, &r);
	rules(&rib, AF_INET6, false);
	fl.dst = ip6(0x2001, 0xdb8, 1, 2, 3);
	if (fib_build(&env, NULL, NULL, &f) == 0) {
		ra = lk_fast_route_get(f, &fl, &a, NULL);
		ok(ra == 0 && a.oif == 2, "expiring route: chosen while it lives (rc %d, oif %d)",
		   ra, a.oif);
		usleep(1600 * 1000);
		ra = lk_fast_route_get(f, &fl, &a, NULL);
		rb = lk_ref_route_get(&env, &fl, &b);
		ok(ra == LK_GENERAL && rb == 0 && b.oif == 3,
		   "expired since publication: general path, the other route (rc %d/%d, oif %d)",
		   ra, rb, b.oif);
	}
	fib_free(f);
	rib_fini(&rib);
}

/* Main's outcome at host address @a of fib @f. */
static const struct fib_outcome *main_at(const struct fib *f, uint32_t a)
{
	const struct fib_table *t = fib_table_find(f, AF_INET, RT_TABLE_MAIN);
	struct fm_ip d = ip4(a);

	return t ? fib_table_lookup(t, d.b) : NULL;
}

/* Publish the changes @d lists as the mirror does: a build over @f. */
static struct fib *republish(const struct lookup_env *env, struct fib *f, struct fib_dirty *d)
{
	struct fib *g = NULL;

	if (fib_build(env, f, d, &g))
		g = NULL;
	fib_dirty_clear(d);
	fib_free(f);
	return g;
}

/*
 * A prefix whose only route is tos-specific inherits its parent's outcome:
 * a change of the parent is patched into it too, and the table is not
 * compiled whole (which, for a full table, takes a second).
 */
static void test_inherit(void)
{
	struct rib rib;
	struct lookup_env env = {.rib = &rib, .sys = NULL};
	struct fm_route q = {.family = AF_INET,
			     .table = RT_TABLE_MAIN,
			     .dst_len = 16,
			     .type = RTN_UNICAST,
			     .scope = RT_SCOPE_LINK,
			     .protocol = RTPROT_BOOT};
	struct fm_route p = q;
	struct fm_hop hq = {.ifindex = 2, .weight = 1}, hp = {.ifindex = 4, .weight = 1};
	const struct fib_outcome *o;
	struct fib_dirty d = {0};
	struct tally tl = {0};
	struct fib *f = NULL;

	rib_init(&rib);
	up_links(&rib, 4);
	rules(&rib, AF_INET, false);
	q.dst = ip4(0x0a010000); /* 10.1.0.0/16 dev d2 */
	q.hops = &hq;
	q.nhops = 1;
	p.dst = ip4(0x0a010200); /* 10.1.2.0/24 tos 0x10 dev d4 */
	p.dst_len = 24;
	p.tos = 0x10;
	p.hops = &hp;
	p.nhops = 1;
	rib_route_apply(&rib, RIB_NEW, NLM_F_CREATE, &q);
	rib_route_apply(&rib, RIB_NEW, NLM_F_CREATE, &p);
	if (fib_build(&env, NULL, NULL, &f))
		f = NULL;
	o = f ? main_at(f, 0x0a010205) : NULL;
	ok(o && o->kind == FO_ROUTE && o->hops[0].ifindex == 2 && o->tos_sensitive,
	   "a tos-only prefix inherits its parent's route (dev d2), marked tos-sensitive");
	/* Rules alone (a sysctl) before any route changed: the prefix list
	 * was never allocated, and no table is touched. */
	d.rules = true;
	f = f ? republish(&env, f, &d) : NULL;
	ok(f && f->patched == 0 && f->compiled == 0, "rules only: tables carried over (%u, %u)",
	   f ? f->patched : 0, f ? f->compiled : 0);
	dirt = &d;
	rib.emit = record;
	hq.ifindex = 3;
	rib_route_apply(&rib, RIB_NEW, NLM_F_REPLACE, &q);
	f = f ? republish(&env, f, &d) : NULL;
	o = f ? main_at(f, 0x0a010205) : NULL;
	ok(f && f->patched == 1 && f->compiled == 0 && o && o->kind == FO_ROUTE &&
	       o->hops[0].ifindex == 3 && o->tos_sensitive,
	   "its parent replaced: the table patched, not compiled (%u, %u), the child follows",
	   f ? f->patched : 0, f ? f->compiled : 0);
	if (f)
		same_as_fresh(&env, f, &tl);
	rib_route_apply(&rib, RIB_DEL, 0, &q);
	f = f ? republish(&env, f, &d) : NULL;
	o = f ? main_at(f, 0x0a010205) : NULL;
	ok(f && f->patched == 1 && f->compiled == 0 && o && o->kind == FO_NONE && o->tos_sensitive,
	   "its parent removed: patched, the child inherits nothing (%u, %u)", f ? f->patched : 0,
	   f ? f->compiled : 0);
	if (f)
		same_as_fresh(&env, f, &tl);
	ok(tl.fresh_mismatches == 0 && tl.lookups > 0,
	   "and each patch answers as a fresh build (%u of %u)", tl.fresh_mismatches, tl.lookups);
	rib.emit = NULL;
	fib_free(f);
	fib_dirty_fini(&d);
	rib_fini(&rib);
}

/*
 * An IPv6 error route ahead of a unicast route of the same metric at one
 * prefix: a packet received on the unicast route's device scores that
 * route higher (rt6_score_route among the routes of the first metric), so
 * the FIB's outcome (the error, decided without a device) is not the
 * kernel's answer there, and the fast path must leave the flow to the
 * general one (in6_settled).
 */
static void test_in6_error(void)
{
	struct rib rib;
	struct lookup_env env = {.rib = &rib, .sys = NULL};
	struct fm_route r = {.family = AF_INET6,
			     .table = RT_TABLE_MAIN,
			     .dst_len = 48,
			     .priority = 100,
			     .type = RTN_UNREACHABLE,
			     .protocol = RTPROT_BOOT,
			     .pref = 0xff};
	struct fm_hop h = {.ifindex = 1, .weight = 1};
	struct fm_flow fl = {.family = AF_INET6, .iif = 3};
	struct fm_result a, b;
	struct fib *f = NULL;
	int ra, rb;

	rib_init(&rib);
	up_links(&rib, 3);
	rules(&rib, AF_INET6, false);
	r.dst = ip6(0x2001, 0xdb8, 5, 0, 0);
	r.src.family = AF_INET6;
	r.hops = &h;
	r.nhops = 1;
	rib_route_apply(&rib, RIB_NEW, NLM_F_CREATE, &r);
	r.type = RTN_UNICAST; /* the same metric: the device decides */
	h.ifindex = 3;
	h.gw = ip6(0xfe80, 0, 0, 0, 1);
	rib_route_apply(&rib, RIB_NEW, NLM_F_CREATE, &r);
	fl.dst = ip6(0x2001, 0xdb8, 5, 0, 9);
	if (fib_build(&env, NULL, NULL, &f) == 0) {
		ra = lk_fast_route_get(f, &fl, &a, NULL);
		rb = lk_ref_route_get(&env, &fl, &b);
		ok(rb == 0 && b.type == RTN_UNICAST && b.oif == 3,
		   "IPv6 input on d3: the unicast route via d3 beats the unreachable one "
		   "(rc %d, type %u, oif %d)",
		   rb, b.type, b.oif);
		ok(ra == LK_GENERAL || (ra == rb && a.oif == b.oif),
		   "... and the fast path leaves it to the general path (rc %d)", ra);
		fl.iif = 0;
		ra = lk_fast_route_get(f, &fl, &a, NULL);
		rb = lk_ref_route_get(&env, &fl, &b);
		ok(ra < 0 && ra != LK_GENERAL && ra == rb,
		   "without a device the unreachable route answers, fast or not (%d, %d)", ra, rb);
	}
	fib_free(f);
	rib_fini(&rib);
}

int main(void)
{
	const char *e = getenv("FM_TEST_SEED");
	unsigned seed = e ? (unsigned)strtoul(e, NULL, 0) : 20261122u, r;
	struct tally t = {0};

	rng = seed * 2654435761u + 1;
	diag("seed %u (FM_TEST_SEED to override)", seed);
	for (r = 0; r < 100; r++)
		round_trip(r, &t);
	test_dirty();
	test_expiry();
	test_inherit();
	test_in6_error();
	diag("%u flows (half IPv6), %u answered by the fast path (%u IPv6), %u disagreements",
	     t.checked, t.fast, t.fast6, t.mismatches);
	ok(t.mismatches == 0, "fast path agrees with the reference on every flow it answers");
	ok(t.fast * 2 > t.checked, "the fast path answers most flows itself (%u of %u)", t.fast,
	   t.checked);
	ok(t.fast6 * 4 > t.checked, "... IPv6 ones too (%u of %u)", t.fast6, t.checked / 2);
	ok(t.fast_oif[0] * 10 > t.oif[0], "... and IPv4 ones naming an output device (%u of %u)",
	   t.fast_oif[0], t.oif[0]);
	ok(t.fast_oif[1] * 10 > t.oif[1], "... and IPv6 ones (%u of %u)", t.fast_oif[1], t.oif[1]);
	ok(t.fast_src[0] * 10 > t.src[0], "... and IPv4 ones with a source (%u of %u)",
	   t.fast_src[0], t.src[0]);
	ok(t.fast_src[1] * 10 > t.src[1], "... and IPv6 ones (%u of %u)", t.fast_src[1], t.src[1]);
	ok(t.fast_in * 10 > t.in, "... and IPv4 input-path ones (%u of %u)", t.fast_in, t.in);
	ok(t.fast_in6 * 10 > t.in6, "... and IPv6 input-path ones (%u of %u)", t.fast_in6, t.in6);
	ok(t.hint_mismatches == 0,
	   "the general path's walks, guided by the FIB and not, agree with the plain "
	   "reference (%u lookups, %u disagreements)",
	   t.hinted, t.hint_mismatches);
	ok(t.lens_mismatches == 0 && t.lens_checked > 0,
	   "the RIB's prefix lengths in use are its route keys' (%u checks, %u differ)",
	   t.lens_checked, t.lens_mismatches);
	diag("%u incremental builds (%u plain), %u tables patched (%u in plain rounds), %u "
	     "lookups against fresh builds",
	     t.steps, t.plain_steps, t.patched, t.plain_patched, t.lookups);
	ok(t.fresh_mismatches == 0,
	   "after every incremental build each table answers as a fresh build (%u disagreements)",
	   t.fresh_mismatches);
	ok(t.plain_patched * 2 > t.plain_steps,
	   "tables are patched in place, not rebuilt, in most plain steps (%u of %u)",
	   t.plain_patched, t.plain_steps);
	ok(t.bulk_mismatches == 0,
	   "bursts (lk_fast_route_get_bulk) answer as single lookups do (%u "
	   "disagreements)",
	   t.bulk_mismatches);
	return tap_done();
}
