// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Decoding rtnetlink messages into the public object structs.
 *
 * Every message comes from a socket or a file and is untrusted: libmnl's
 * attribute walk checks each attribute against the message end, and every
 * attribute is validated for its exact type and length before its payload is
 * read (mnl_attr_validate2). An attribute of the wrong size makes the whole
 * message malformed (-EBADMSG) rather than half-decoded: one bad message costs
 * that message, never the mirror.
 *
 * nl_apply() is the single entry from every source (live events, dumps, save
 * files, snapshots) into the RIB.
 */
#include "nl.h"
#include "rib/rib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/lwtunnel.h>
#include <linux/neighbour.h>
#include <linux/netconf.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>

#define TB_MAX 64 /* >= every *_MAX used below: one bound for all attribute tables */

_Static_assert(RTA_MAX < TB_MAX && FRA_MAX < TB_MAX && NHA_MAX < TB_MAX && IFLA_MAX < TB_MAX * 2 &&
		   IFA_MAX < TB_MAX && NETCONFA_MAX < TB_MAX,
	       "attribute table too small");
_Static_assert(sizeof(struct nl_nh_grp) == sizeof(struct nexthop_grp) &&
		   offsetof(struct nl_nh_grp, weight) == offsetof(struct nexthop_grp, weight),
	       "struct nl_nh_grp is the kernel's NHA_GROUP entry");

struct tb {
	const struct nlattr *a[TB_MAX * 2];
	unsigned int max;
	int bad;
};

static int tb_cb(const struct nlattr *attr, void *data)
{
	struct tb *tb = data;
	unsigned int type = mnl_attr_get_type(attr);

	/* Unknown (newer) attributes are skipped, as the kernel's own parsers do. */
	if (type <= tb->max)
		tb->a[type] = attr;
	return MNL_CB_OK;
}

static int tb_parse(struct tb *tb, unsigned int max, const struct nlmsghdr *nlh, size_t hdrlen)
{
	memset(tb, 0, sizeof(*tb));
	tb->max = max;
	if (nlh->nlmsg_len < NLMSG_HDRLEN + NLMSG_ALIGN(hdrlen))
		return -EBADMSG;
	if (mnl_attr_parse(nlh, hdrlen, tb_cb, tb) < 0)
		return -EBADMSG;
	return 0;
}

static int tb_parse_nested(struct tb *tb, unsigned int max, const struct nlattr *nest)
{
	memset(tb, 0, sizeof(*tb));
	tb->max = max;
	if (mnl_attr_parse_nested(nest, tb_cb, tb) < 0)
		return -EBADMSG;
	return 0;
}

/* Exact-size checks: a short attribute would otherwise be read past its end. */
static bool has(const struct nlattr *a, size_t len)
{
	return a && mnl_attr_get_payload_len(a) == len;
}

static int get_u32(const struct nlattr *a, uint32_t *v)
{
	if (!a)
		return 0;
	if (mnl_attr_get_payload_len(a) != 4)
		return -EBADMSG;
	*v = mnl_attr_get_u32(a);
	return 0;
}

static int get_u8(const struct nlattr *a, uint8_t *v)
{
	if (!a)
		return 0;
	if (mnl_attr_get_payload_len(a) < 1)
		return -EBADMSG;
	*v = mnl_attr_get_u8(a);
	return 0;
}

static void ip_set(struct fm_ip *ip, uint8_t family, const void *p)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = family;
	memcpy(ip->b, p, family == AF_INET6 ? 16 : 4);
}

static int get_ip(const struct nlattr *a, uint8_t family, struct fm_ip *ip)
{
	size_t alen = family == AF_INET6 ? 16 : 4;

	if (!a)
		return 0;
	if (family != AF_INET && family != AF_INET6)
		return -EBADMSG;
	if (mnl_attr_get_payload_len(a) != alen)
		return -EBADMSG;
	ip_set(ip, family, mnl_attr_get_payload(a));
	return 0;
}

static int get_str(const struct nlattr *a, char *buf, size_t len)
{
	size_t n;

	if (!a)
		return 0;
	n = mnl_attr_get_payload_len(a);
	if (n == 0 || n > len)
		return -EBADMSG;
	memcpy(buf, mnl_attr_get_payload(a), n);
	buf[n - 1] = '\0'; /* the kernel sends NUL-terminated names; never trust it */
	return 0;
}

/* RTA_VIA: a gateway of another family (struct rtvia). */
static int get_via(const struct nlattr *a, struct fm_ip *ip)
{
	const struct rtvia *via;
	size_t n;

	if (!a)
		return 0;
	n = mnl_attr_get_payload_len(a);
	if (n < sizeof(*via))
		return -EBADMSG;
	via = mnl_attr_get_payload(a);
	if (via->rtvia_family == AF_INET && n == sizeof(*via) + 4)
		ip_set(ip, AF_INET, via->rtvia_addr);
	else if (via->rtvia_family == AF_INET6 && n == sizeof(*via) + 16)
		ip_set(ip, AF_INET6, via->rtvia_addr);
	else
		return -EBADMSG;
	return 0;
}

/* ------------------------------------------------------------------ routes */

static int decode_hop_attrs(const void *first, size_t len, uint8_t family, struct fm_hop *h)
{
	const struct nlattr *a = first;
	struct tb tb = {.max = RTA_MAX};

	while (mnl_attr_ok(a, (int)len)) {
		if (mnl_attr_get_type(a) <= RTA_MAX)
			tb.a[mnl_attr_get_type(a)] = a;
		len -= (size_t)MNL_ALIGN(a->nla_len) < len ? (size_t)MNL_ALIGN(a->nla_len) : len;
		a = mnl_attr_next(a);
	}
	if (get_ip(tb.a[RTA_GATEWAY], family, &h->gw) || get_via(tb.a[RTA_VIA], &h->gw) ||
	    get_u32(tb.a[RTA_FLOW], &h->realm))
		return -EBADMSG;
	return 0;
}

/* RTA_MULTIPATH: rtnexthop records, each followed by its own attributes. */
static int decode_multipath(const struct nlattr *mp, uint8_t family, struct fm_route *r,
			    struct fm_hop *hops, size_t max_hops)
{
	const char *p = mnl_attr_get_payload(mp);
	size_t left = mnl_attr_get_payload_len(mp);

	while (left >= sizeof(struct rtnexthop)) {
		const struct rtnexthop *nh = (const void *)p;
		struct fm_hop *h;
		size_t step;

		if (nh->rtnh_len < sizeof(*nh) || nh->rtnh_len > left)
			return -EBADMSG;
		if (r->nhops >= max_hops)
			return -EBADMSG;
		h = &hops[r->nhops++];
		memset(h, 0, sizeof(*h));
		h->ifindex = nh->rtnh_ifindex;
		h->weight = (uint16_t)nh->rtnh_hops + 1;
		h->flags = nh->rtnh_flags;
		if (decode_hop_attrs(p + RTNH_ALIGN(sizeof(*nh)),
				     nh->rtnh_len - RTNH_ALIGN(sizeof(*nh)), family, h))
			return -EBADMSG;
		step = RTNH_ALIGN(nh->rtnh_len);
		if (step >= left)
			break;
		left -= step;
		p += step;
	}
	return r->nhops ? 0 : -EBADMSG;
}

static int decode_metrics(const struct nlattr *nest, struct fm_route *r)
{
	struct tb tb;
	int i;

	if (!nest)
		return 0;
	if (tb_parse_nested(&tb, RTAX_MAX, nest))
		return -EBADMSG;
	for (i = 1; i <= RTAX_MAX && i < FM_RTAX_MAX; i++) {
		/* RTAX_CC_ALGO is a string; it is not mirrored. */
		if (!tb.a[i] || i == RTAX_CC_ALGO)
			continue;
		if (!has(tb.a[i], 4))
			return -EBADMSG;
		r->metrics[i] = mnl_attr_get_u32(tb.a[i]);
		r->metrics_mask |= 1u << i;
	}
	return 0;
}

static int decode_route_attrs(struct tb *tb, struct fm_route *r, struct fm_hop *hops,
			      size_t max_hops)
{
	uint8_t fam = r->family;
	struct rta_cacheinfo ci;
	struct fm_hop h = {.weight = 1};

	if (get_ip(tb->a[RTA_DST], fam, &r->dst) || get_ip(tb->a[RTA_SRC], fam, &r->src) ||
	    get_ip(tb->a[RTA_PREFSRC], fam, &r->prefsrc) || get_u32(tb->a[RTA_TABLE], &r->table) ||
	    get_u32(tb->a[RTA_PRIORITY], &r->priority) || get_u32(tb->a[RTA_NH_ID], &r->nhid) ||
	    get_u8(tb->a[RTA_PREF], &r->pref) || decode_metrics(tb->a[RTA_METRICS], r))
		return -EBADMSG;
	if (tb->a[RTA_CACHEINFO]) {
		if (mnl_attr_get_payload_len(tb->a[RTA_CACHEINFO]) < sizeof(ci))
			return -EBADMSG;
		memcpy(&ci, mnl_attr_get_payload(tb->a[RTA_CACHEINFO]), sizeof(ci));
		/* clock_t at USER_HZ (100), shown in whole seconds as iproute2 does */
		/* A route past its expiry but not yet collected dumps a negative
		 * countdown: it is already skipped by lookups. */
		r->expires = ci.rta_expires > 0	  ? (uint32_t)ci.rta_expires / 100
			     : ci.rta_expires < 0 ? FM_EXPIRED
						  : 0;
	}
	if (tb->a[RTA_MULTIPATH])
		return decode_multipath(tb->a[RTA_MULTIPATH], fam, r, hops, max_hops);
	if (get_ip(tb->a[RTA_GATEWAY], fam, &h.gw) || get_via(tb->a[RTA_VIA], &h.gw) ||
	    get_u32(tb->a[RTA_OIF], (uint32_t *)&h.ifindex) || get_u32(tb->a[RTA_FLOW], &h.realm))
		return -EBADMSG;
	if (h.gw.family || h.ifindex) {
		if (max_hops < 1)
			return -EBADMSG;
		h.flags = r->flags & 0xff;
		hops[0] = h;
		r->nhops = 1;
	}
	return 0;
}

int nl_decode_route(const struct nlmsghdr *nlh, struct fm_route *r, struct fm_hop *hops,
		    size_t max_hops)
{
	const struct rtmsg *rtm;
	struct tb tb;

	if (tb_parse(&tb, RTA_MAX, nlh, sizeof(*rtm)))
		return -EBADMSG;
	rtm = mnl_nlmsg_get_payload(nlh);
	memset(r, 0, sizeof(*r));
	r->family = rtm->rtm_family;
	if (r->family != AF_INET && r->family != AF_INET6)
		return -EBADMSG;
	if (rtm->rtm_dst_len > fam_alen(r->family) * 8 ||
	    rtm->rtm_src_len > fam_alen(r->family) * 8)
		return -EBADMSG;
	r->dst_len = rtm->rtm_dst_len;
	r->src_len = rtm->rtm_src_len;
	r->tos = rtm->rtm_tos;
	r->table = rtm->rtm_table;
	r->protocol = rtm->rtm_protocol;
	r->scope = rtm->rtm_scope;
	r->type = rtm->rtm_type;
	r->flags = rtm->rtm_flags;
	r->pref = 0xff;
	r->dst.family = r->src.family = r->family;
	r->hops = hops;
	return decode_route_attrs(&tb, r, hops, max_hops);
}

/* ------------------------------------------------------------------- rules */

static int get_range(const struct nlattr *a, uint32_t attr, uint32_t *attrs, uint16_t *lo,
		     uint16_t *hi)
{
	struct fib_rule_port_range pr;

	if (!a)
		return 0;
	if (!has(a, sizeof(pr)))
		return -EBADMSG;
	memcpy(&pr, mnl_attr_get_payload(a), sizeof(pr));
	*lo = pr.start;
	*hi = pr.end;
	*attrs |= attr;
	return 0;
}

/* u32 attributes that only set a value and a presence bit. */
static int get_rule_u32(const struct nlattr *a, uint32_t bit, uint32_t *attrs, uint32_t *v)
{
	if (!a)
		return 0;
	if (get_u32(a, v))
		return -EBADMSG;
	*attrs |= bit;
	return 0;
}

static int decode_rule_attrs(struct tb *tb, struct fm_rule *r)
{
	struct fib_rule_uid_range uid;
	uint32_t *at = &r->attrs;

	if (get_ip(tb->a[FRA_DST], r->family, &r->dst) ||
	    get_ip(tb->a[FRA_SRC], r->family, &r->src) ||
	    get_rule_u32(tb->a[FRA_PRIORITY], FM_RULE_PRIORITY, at, &r->priority) ||
	    get_rule_u32(tb->a[FRA_FWMARK], FM_RULE_FWMARK, at, &r->fwmark) ||
	    get_rule_u32(tb->a[FRA_FWMASK], FM_RULE_FWMASK, at, &r->fwmask) ||
	    get_rule_u32(tb->a[FRA_GOTO], FM_RULE_GOTO, at, &r->goto_target) ||
	    get_rule_u32(tb->a[FRA_FLOW], FM_RULE_FLOW, at, &r->flow) ||
	    get_rule_u32(tb->a[FRA_TABLE], FM_RULE_TABLE, at, &r->table) ||
	    get_rule_u32(tb->a[FRA_SUPPRESS_PREFIXLEN], FM_RULE_SUPPRESS_PREFIXLEN, at,
			 &r->suppress_prefixlen) ||
	    get_rule_u32(tb->a[FRA_SUPPRESS_IFGROUP], FM_RULE_SUPPRESS_IFGROUP, at,
			 &r->suppress_ifgroup) ||
	    get_str(tb->a[FRA_IIFNAME], r->iifname, sizeof(r->iifname)) ||
	    get_str(tb->a[FRA_OIFNAME], r->oifname, sizeof(r->oifname)) ||
	    get_u8(tb->a[FRA_L3MDEV], &r->l3mdev) || get_u8(tb->a[FRA_PROTOCOL], &r->protocol) ||
	    get_u8(tb->a[FRA_IP_PROTO], &r->ip_proto) ||
	    get_range(tb->a[FRA_SPORT_RANGE], FM_RULE_SPORT, at, &r->sport_lo, &r->sport_hi) ||
	    get_range(tb->a[FRA_DPORT_RANGE], FM_RULE_DPORT, at, &r->dport_lo, &r->dport_hi))
		return -EBADMSG;
	/* The kernel reports "not set" as all-ones; keep one representation. */
	if (r->suppress_prefixlen == UINT32_MAX)
		r->attrs &= ~FM_RULE_SUPPRESS_PREFIXLEN;
	if (r->suppress_ifgroup == UINT32_MAX)
		r->attrs &= ~FM_RULE_SUPPRESS_IFGROUP;
	r->attrs |= (r->iifname[0] ? FM_RULE_IIF : 0) | (r->oifname[0] ? FM_RULE_OIF : 0) |
		    (tb->a[FRA_IP_PROTO] ? FM_RULE_IPPROTO : 0) |
		    (tb->a[FRA_L3MDEV] ? FM_RULE_L3MDEV : 0) |
		    (tb->a[FRA_PROTOCOL] ? FM_RULE_PROTOCOL : 0);
	if (tb->a[FRA_TUN_ID]) {
		if (!has(tb->a[FRA_TUN_ID], 8))
			return -EBADMSG;
		r->tun_id = be64toh(mnl_attr_get_u64(tb->a[FRA_TUN_ID]));
		r->attrs |= FM_RULE_TUN_ID;
	}
	if (tb->a[FRA_UID_RANGE]) {
		if (!has(tb->a[FRA_UID_RANGE], sizeof(uid)))
			return -EBADMSG;
		memcpy(&uid, mnl_attr_get_payload(tb->a[FRA_UID_RANGE]), sizeof(uid));
		r->uid_start = uid.start;
		r->uid_end = uid.end;
		r->attrs |= FM_RULE_UIDRANGE;
	}
	return 0;
}

int nl_decode_rule(const struct nlmsghdr *nlh, struct fm_rule *r)
{
	const struct fib_rule_hdr *frh;
	struct tb tb;

	if (tb_parse(&tb, FRA_MAX, nlh, sizeof(*frh)))
		return -EBADMSG;
	frh = mnl_nlmsg_get_payload(nlh);
	memset(r, 0, sizeof(*r));
	r->family = frh->family;
	if (r->family != AF_INET && r->family != AF_INET6)
		return -EBADMSG;
	if (frh->dst_len > fam_alen(r->family) * 8 || frh->src_len > fam_alen(r->family) * 8)
		return -EBADMSG;
	r->dst_len = frh->dst_len;
	r->src_len = frh->src_len;
	r->tos = frh->tos;
	r->action = frh->action;
	/* Resolution state changes without messages; export recomputes it. */
	r->flags =
	    frh->flags & ~(FIB_RULE_UNRESOLVED | FIB_RULE_IIF_DETACHED | FIB_RULE_OIF_DETACHED);
	r->table = frh->table;
	if (decode_rule_attrs(&tb, r))
		return -EBADMSG;
	r->attrs &= ~FM_RULE_TABLE; /* FRA_TABLE and frh.table are one value */
	return 0;
}

/* --------------------------------------------------------------- nexthops */

static int decode_group(const struct nlattr *a, struct fm_nexthop *nh, struct fm_nh_member *m,
			size_t max)
{
	size_t n = mnl_attr_get_payload_len(a), i;
	const struct nl_nh_grp *g = mnl_attr_get_payload(a);

	if (n == 0 || n % sizeof(*g) || n / sizeof(*g) > max)
		return -EBADMSG;
	nh->nmembers = n / sizeof(*g);
	for (i = 0; i < nh->nmembers; i++) {
		struct nl_nh_grp e;

		memcpy(&e, &g[i], sizeof(e));
		m[i].id = e.id;
		m[i].weight = (uint16_t)(e.weight | (uint16_t)e.weight_high << 8) + 1;
		m[i].pad = 0;
	}
	nh->members = m;
	return 0;
}

static int decode_res_group(const struct nlattr *nest, struct fm_nexthop *nh)
{
	struct tb tb;
	uint32_t b = 0;

	if (!nest)
		return 0;
	if (tb_parse_nested(&tb, NHA_RES_GROUP_MAX, nest))
		return -EBADMSG;
	if (tb.a[NHA_RES_GROUP_BUCKETS]) {
		if (!has(tb.a[NHA_RES_GROUP_BUCKETS], 2))
			return -EBADMSG;
		b = mnl_attr_get_u16(tb.a[NHA_RES_GROUP_BUCKETS]);
	}
	nh->res_buckets = b;
	if (get_u32(tb.a[NHA_RES_GROUP_IDLE_TIMER], &nh->res_idle_timer) ||
	    get_u32(tb.a[NHA_RES_GROUP_UNBALANCED_TIMER], &nh->res_unbalanced_timer))
		return -EBADMSG;
	return 0;
}

int nl_decode_nexthop(const struct nlmsghdr *nlh, struct fm_nexthop *nh,
		      struct fm_nh_member *members, size_t max_members)
{
	const struct nhmsg *nhm;
	struct tb tb;

	if (tb_parse(&tb, NHA_MAX, nlh, sizeof(*nhm)))
		return -EBADMSG;
	nhm = mnl_nlmsg_get_payload(nlh);
	memset(nh, 0, sizeof(*nh));
	nh->family = nhm->nh_family;
	nh->scope = nhm->nh_scope;
	nh->protocol = nhm->nh_protocol;
	nh->flags = nhm->nh_flags;
	if (!has(tb.a[NHA_ID], 4))
		return -EBADMSG;
	nh->id = mnl_attr_get_u32(tb.a[NHA_ID]);
	nh->blackhole = tb.a[NHA_BLACKHOLE] != NULL;
	nh->fdb = tb.a[NHA_FDB] != NULL;
	if (get_u32(tb.a[NHA_OIF], (uint32_t *)&nh->ifindex))
		return -EBADMSG;
	if (tb.a[NHA_GATEWAY] && get_ip(tb.a[NHA_GATEWAY], nh->family, &nh->gw))
		return -EBADMSG;
	if (tb.a[NHA_GROUP_TYPE]) {
		if (!has(tb.a[NHA_GROUP_TYPE], 2))
			return -EBADMSG;
		nh->group_type = mnl_attr_get_u16(tb.a[NHA_GROUP_TYPE]);
	}
	if (tb.a[NHA_GROUP] && decode_group(tb.a[NHA_GROUP], nh, members, max_members))
		return -EBADMSG;
	return decode_res_group(tb.a[NHA_RES_GROUP], nh);
}

/* ------------------------------------------------------------ links, addrs */

int nl_decode_link(const struct nlmsghdr *nlh, struct fm_link *l)
{
	const struct ifinfomsg *ifi;
	struct tb tb, li;
	size_t alen;

	if (tb_parse(&tb, IFLA_MAX, nlh, sizeof(*ifi)))
		return -EBADMSG;
	ifi = mnl_nlmsg_get_payload(nlh);
	memset(l, 0, sizeof(*l));
	if (ifi->ifi_index <= 0)
		return -EBADMSG;
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->type = ifi->ifi_type;
	if (get_str(tb.a[IFLA_IFNAME], l->name, sizeof(l->name)) ||
	    get_u32(tb.a[IFLA_MTU], &l->mtu) || get_u32(tb.a[IFLA_GROUP], &l->group) ||
	    get_u32(tb.a[IFLA_MASTER], (uint32_t *)&l->master) ||
	    get_u32(tb.a[IFLA_LINK], (uint32_t *)&l->link) ||
	    get_u8(tb.a[IFLA_OPERSTATE], &l->operstate))
		return -EBADMSG;
	if (tb.a[IFLA_ADDRESS]) {
		alen = mnl_attr_get_payload_len(tb.a[IFLA_ADDRESS]);
		if (alen > sizeof(l->addr))
			return -EBADMSG;
		memcpy(l->addr, mnl_attr_get_payload(tb.a[IFLA_ADDRESS]), alen);
		l->addr_len = alen;
	}
	if (tb.a[IFLA_LINKINFO]) {
		if (tb_parse_nested(&li, IFLA_INFO_MAX, tb.a[IFLA_LINKINFO]) ||
		    get_str(li.a[IFLA_INFO_KIND], l->kind, sizeof(l->kind)))
			return -EBADMSG;
	}
	return 0;
}

int nl_decode_addr(const struct nlmsghdr *nlh, struct fm_address *a)
{
	const struct ifaddrmsg *ifa;
	struct ifa_cacheinfo ci;
	struct tb tb;

	if (tb_parse(&tb, IFA_MAX, nlh, sizeof(*ifa)))
		return -EBADMSG;
	ifa = mnl_nlmsg_get_payload(nlh);
	memset(a, 0, sizeof(*a));
	a->family = ifa->ifa_family;
	if (a->family != AF_INET && a->family != AF_INET6)
		return -EBADMSG;
	if (ifa->ifa_prefixlen > fam_alen(a->family) * 8 || (int)ifa->ifa_index <= 0)
		return -EBADMSG;
	a->prefixlen = ifa->ifa_prefixlen;
	a->scope = ifa->ifa_scope;
	a->flags = ifa->ifa_flags;
	a->ifindex = ifa->ifa_index;
	a->valid_lft = a->preferred_lft = UINT32_MAX;
	if (get_ip(tb.a[IFA_ADDRESS], a->family, &a->address) ||
	    get_ip(tb.a[IFA_LOCAL], a->family, &a->local) ||
	    get_ip(tb.a[IFA_BROADCAST], a->family, &a->broadcast) ||
	    get_str(tb.a[IFA_LABEL], a->label, sizeof(a->label)) ||
	    get_u32(tb.a[IFA_FLAGS], &a->flags) || get_u32(tb.a[IFA_RT_PRIORITY], &a->metric))
		return -EBADMSG;
	if (!a->local.family)
		a->local = a->address; /* IPv6 sends IFA_LOCAL only for peers */
	if (!a->local.family)
		return -EBADMSG;
	if (tb.a[IFA_CACHEINFO]) {
		if (!has(tb.a[IFA_CACHEINFO], sizeof(ci)))
			return -EBADMSG;
		memcpy(&ci, mnl_attr_get_payload(tb.a[IFA_CACHEINFO]), sizeof(ci));
		a->valid_lft = ci.ifa_valid;
		a->preferred_lft = ci.ifa_prefered;
		a->cstamp = ci.cstamp;
	}
	return 0;
}

static int get_s32(const struct nlattr *a, int32_t *v)
{
	return get_u32(a, (uint32_t *)v);
}

int nl_decode_netconf(const struct nlmsghdr *nlh, struct fm_netconf *nc)
{
	const struct netconfmsg *ncm;
	struct tb tb;

	if (tb_parse(&tb, NETCONFA_MAX, nlh, sizeof(*ncm)))
		return -EBADMSG;
	ncm = mnl_nlmsg_get_payload(nlh);
	nc->family = ncm->ncm_family;
	if (nc->family != AF_INET && nc->family != AF_INET6)
		return -EBADMSG;
	/* Notifications carry only what changed: -1 marks "not in this message". */
	nc->forwarding = nc->rp_filter = nc->mc_forwarding = -1;
	nc->proxy_neigh = nc->ignore_routes_with_linkdown = -1;
	if (!has(tb.a[NETCONFA_IFINDEX], 4))
		return -EBADMSG;
	nc->ifindex = (int32_t)mnl_attr_get_u32(tb.a[NETCONFA_IFINDEX]);
	if (get_s32(tb.a[NETCONFA_FORWARDING], &nc->forwarding) ||
	    get_s32(tb.a[NETCONFA_RP_FILTER], &nc->rp_filter) ||
	    get_s32(tb.a[NETCONFA_MC_FORWARDING], &nc->mc_forwarding) ||
	    get_s32(tb.a[NETCONFA_PROXY_NEIGH], &nc->proxy_neigh) ||
	    get_s32(tb.a[NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN], &nc->ignore_routes_with_linkdown))
		return -EBADMSG;
	return 0;
}

/* ------------------------------------------------------------------- apply */

static enum rib_op op_of(uint16_t type)
{
	return (type == RTM_DELROUTE || type == RTM_DELRULE || type == RTM_DELNEXTHOP ||
		type == RTM_DELLINK || type == RTM_DELADDR || type == RTM_DELNETCONF)
		   ? RIB_DEL
		   : RIB_NEW;
}

static int apply_route(struct rib *rib, const struct nlmsghdr *nlh)
{
	static struct fm_hop hops[NL_MAX_HOPS]; /* writer-only scratch */
	struct fm_route r;
	const struct rtmsg *rtm;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*rtm))
		return -EBADMSG;
	rtm = mnl_nlmsg_get_payload(nlh);
	/* Multicast routing caches (RTNL_FAMILY_IPMR/IP6MR) and cloned exception
	 * routes are not part of the FIB the mirror reproduces. */
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return 0;
	if (rtm->rtm_flags & RTM_F_CLONED)
		return 0;
	if (nl_decode_route(nlh, &r, hops, NL_MAX_HOPS))
		return -EBADMSG;
	return rib_route_apply(rib, op_of(nlh->nlmsg_type), nlh->nlmsg_flags, &r) ?: 1;
}

static int apply_nexthop(struct rib *rib, const struct nlmsghdr *nlh)
{
	static struct fm_nh_member m[NL_MAX_GROUP];
	struct fm_nexthop nh;

	if (nl_decode_nexthop(nlh, &nh, m, NL_MAX_GROUP))
		return -EBADMSG;
	return rib_nexthop_apply(rib, op_of(nlh->nlmsg_type), nlh->nlmsg_flags, &nh) ?: 1;
}

static int apply_rule(struct rib *rib, const struct nlmsghdr *nlh)
{
	const struct fib_rule_hdr *frh;
	struct fm_rule r;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*frh))
		return -EBADMSG;
	frh = mnl_nlmsg_get_payload(nlh);
	/* Multicast routing rules (RTNL_FAMILY_IPMR/IP6MR) select mroute tables. */
	if (frh->family != AF_INET && frh->family != AF_INET6)
		return 0;

	if (nl_decode_rule(nlh, &r))
		return -EBADMSG;
	return rib_rule_apply(rib, op_of(nlh->nlmsg_type), nlh->nlmsg_flags, &r) ?: 1;
}

static int apply_link(struct rib *rib, const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi;
	struct fm_link l;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*ifi))
		return -EBADMSG;
	ifi = mnl_nlmsg_get_payload(nlh);
	/* Bridge port messages (AF_BRIDGE) share the group but describe ports,
	 * not devices: a DELLINK there only means "left the bridge". */
	if (ifi->ifi_family != AF_UNSPEC)
		return 0;
	if (nl_decode_link(nlh, &l))
		return -EBADMSG;
	return rib_link_apply(rib, op_of(nlh->nlmsg_type), &l) ?: 1;
}

static int apply_addr(struct rib *rib, const struct nlmsghdr *nlh)
{
	struct fm_address a;

	if (nl_decode_addr(nlh, &a))
		return -EBADMSG;
	return rib_addr_apply(rib, op_of(nlh->nlmsg_type), nlh->nlmsg_flags, &a) ?: 1;
}

static int apply_netconf(struct rib *rib, const struct nlmsghdr *nlh)
{
	struct fm_netconf nc;

	if (nl_decode_netconf(nlh, &nc))
		return nlh->nlmsg_len >= NLMSG_HDRLEN + 1 &&
			       ((const struct netconfmsg *)NLMSG_DATA(nlh))->ncm_family !=
				   AF_INET &&
			       ((const struct netconfmsg *)NLMSG_DATA(nlh))->ncm_family != AF_INET6
			   ? 0
			   : -EBADMSG;
	return rib_netconf_apply(rib, op_of(nlh->nlmsg_type), &nc) ?: 1;
}

int nl_apply(struct rib *rib, const struct nlmsghdr *nlh)
{
	if (nlh->nlmsg_len < NLMSG_HDRLEN)
		return -EBADMSG;
	switch (nlh->nlmsg_type) {
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		return apply_route(rib, nlh);
	case RTM_NEWNEXTHOP:
	case RTM_DELNEXTHOP:
		return apply_nexthop(rib, nlh);
	case RTM_NEWRULE:
	case RTM_DELRULE:
		return apply_rule(rib, nlh);
	case RTM_NEWLINK:
	case RTM_DELLINK:
		return apply_link(rib, nlh);
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return apply_addr(rib, nlh);
	case RTM_NEWNETCONF:
	case RTM_DELNETCONF:
		return apply_netconf(rib, nlh);
	default:
		return 0;
	}
}
