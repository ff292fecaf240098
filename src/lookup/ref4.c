// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The reference IPv4 lookup: the kernel's output path
 * (ip_route_output_key_hash_rcu, __mkroute_output) and input path
 * (ip_route_input_slow, fib_validate_source), over a table lookup that scans
 * prefix lengths from /32 down (fib_table_lookup). kernel-semantics §2-§4.
 *
 * Table lookup, per alias in kernel order: a tos route must match the flow's
 * dsfield & 0x1c; a route type with an error (blackhole, unreachable,
 * prohibit, throw) answers at once; otherwise the first nexthop that is not
 * dead, not ignorably linkdown and on the requested oif wins; no such
 * nexthop: next alias, then shorter prefixes.
 *
 * Not reproducible from the mirror, and chosen here (docs/user-guide.md):
 * the multipath member (the kernel hashes with a seed; the first live member
 * is reported and choice_exact is false), fib_select_default among equal
 * default routes (neighbour state: the first), multicast group membership
 * (only 224.0.0.1 is known joined).
 */
#include "ref.h"

#include <errno.h>
#include <linux/in_route.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <string.h>

#define IPPROTO_IGMP_  2
#define SCOPE_HOST     254
#define SCOPE_LINK     253
#define SCOPE_UNIVERSE 0

static uint32_t be(const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, 4);
	return v;
}

static bool is_multicast(uint32_t h)
{
	return (h & 0xf0000000) == 0xe0000000;
}

static bool is_local_multicast(uint32_t h)
{
	return (h & 0xffffff00) == 0xe0000000;
}

static bool is_lbcast(uint32_t h)
{
	return h == 0xffffffff;
}

/* 0.0.0.0 only: since 5.3 the rest of 0.0.0.0/8 is ordinary unicast. */
static bool is_zeronet(uint32_t h)
{
	return h == 0;
}

static bool is_loopback(uint32_t h)
{
	return (h & 0xff000000) == 0x7f000000;
}

/* ----------------------------------------------------------- table lookup */

static bool nh_good(const struct fm_hop *h, int oif)
{
	/* Export marks a linkdown hop dead where ignore_routes_with_linkdown
	 * applies, exactly when fib_lookup_good_nhc() rejects it. */
	return !(h->flags & RTNH_F_DEAD) && (!oif || h->ifindex == oif);
}

static int alias_try(const struct lookup_env *env, struct rib_route *r, uint32_t table,
		     const struct kflow *fl, struct kres *res)
{
	const struct rib_nh *nh;
	int i, err;

	if (r->tos && r->tos != (fl->tos & 0x1c))
		return -ENOENT;
	if ((err = ref_type_error(r->type)))
		return err;
	if (r->nhid && (nh = rib_nh_find(env->rib, r->nhid)) && nh->o.blackhole)
		return -EINVAL;
	res->nhops = ref_route_hops(env, r, res->hops, FM_RESULT_MAX_HOPS);
	for (i = 0; i < res->nhops; i++) {
		if (!nh_good(&res->hops[i], fl->oif))
			continue;
		res->route = r;
		res->table = table;
		res->type = r->type;
		res->nh_sel = i;
		res->nh = &res->hops[i];
		return 0;
	}
	return -ENOENT;
}

int ref4_prefix(const struct lookup_env *env, struct rib_route *head, uint32_t table,
		const struct kflow *fl, struct kres *res)
{
	struct rib_route *r;
	int rc;

	res->plen = head->key.dst_len;
	for (r = head; r; r = r->next)
		if ((rc = alias_try(env, r, table, fl, res)) != -ENOENT)
			return rc;
	return -ENOENT;
}

static int v4_table(const struct lookup_env *env, uint32_t table, const struct kflow *fl,
		    struct kres *res)
{
	struct rib_route *r;
	const uint64_t *lens;
	int len, rc;

	res->route = NULL;
	res->nh = NULL;
	res->nh_sel = -1;
	res->nhops = 0;
	for (len = ref_walk_hint(env, AF_INET, table, fl->dst, &lens); len >= 0; len--) {
		if (!ref_len_in(lens, len))
			continue;
		if ((r = rib_route_at(env->rib, AF_INET, table, fl->dst, len)) &&
		    (rc = ref4_prefix(env, r, table, fl, res)) != -ENOENT)
			return rc;
	}
	res->plen = -1;
	return -EAGAIN;
}

/*
 * Until the first IPv4 rule change, the kernel keeps local and main in one
 * trie and looks up main only (fib_lookup's fast path): the longest prefix of
 * either table wins and is reported as table main. The mirror sees rule
 * history only from its start (rib.v4_rules_changed): before any change it
 * saw, it assumes merged tables while the rules are the defaults
 * (docs/user-guide.md).
 */
static int v4_lookup(const struct lookup_env *env, uint32_t table, const struct kflow *fl,
		     struct kres *res)
{
	struct kres main;
	int rl, rm;

	if (table != RT_TABLE_LOCAL || lk_v4_custom_rules(env->rib))
		return v4_table(env, table, fl, res);
	rl = v4_table(env, RT_TABLE_LOCAL, fl, res);
	rm = v4_table(env, RT_TABLE_MAIN, fl, &main);
	if (main.plen > res->plen) {
		*res = main;
		if (res->nh && res->nh_sel >= 0)
			res->nh = &res->hops[res->nh_sel];
		rl = rm;
	}
	if (rl == 0)
		res->table = RT_TABLE_MAIN;
	return rl;
}

/* ---------------------------------------------------------- local state */

static int v4_table(const struct lookup_env *env, uint32_t table, const struct kflow *fl,
		    struct kres *res);

/* __ip_dev_find(): the device holding @addr, or else the device of a local
 * route covering it in table local (so 127.0.0.5 is lo's). */
int lk_v4_dev_with_addr(const struct lookup_env *env, uint32_t addr)
{
	struct hnode *n;
	struct kflow k = {.family = AF_INET};
	struct kres res;
	size_t i;

	htab_for_each (&env->rib->links, i, n) {
		struct rib_link *l = container_of(n, struct rib_link, hn);
		struct ilist *p;

		for (p = l->addrs[0].next; p != &l->addrs[0]; p = p->next)
			if (be(container_of(p, struct rib_addr, link)->o.local.b) == addr)
				return l->o.ifindex;
	}
	memcpy(k.dst, &addr, 4);
	if (v4_table(env, RT_TABLE_LOCAL, &k, &res) == 0 && res.type == RTN_LOCAL && res.nh)
		return res.nh->ifindex;
	return 0;
}

static bool has_addrs(const struct lookup_env *env, int ifindex)
{
	const struct rib_link *l = rib_link_find(env->rib, ifindex);

	return l && !ilist_empty(&l->addrs[0]);
}

static bool is_loopback_dev(const struct lookup_env *env, int ifindex)
{
	const struct rib_link *l = rib_link_find(env->rib, ifindex);

	return l && (l->o.flags & 0x8 /* IFF_LOOPBACK */);
}

/* fib4_has_custom_rules(): a rule change the mirror saw, or rules other than
 * the three a namespace starts with (a change before it started). */
bool lk_v4_custom_rules(const struct rib *rib)
{
	const struct rib_rules *l = &rib->rules[0];
	size_t i;

	if (rib->v4_rules_changed || l->n != 3)
		return true;
	for (i = 0; i < 3; i++)
		if (!rib_rule_v4_initial(&l->v[i]) ||
		    (i && l->v[i].priority == l->v[i - 1].priority))
			return true;
	return false;
}

/* A local route added by a user (fib_has_custom_local_routes). */
static bool custom_local_routes(const struct lookup_env *env)
{
	return env->rib->v4_local_added;
}

static void kflow4(const struct fm_flow *f, uint32_t uid, struct kflow *k)
{
	ref_kflow(f, uid, k);
	k->tos = f->tos & 0xfc; /* the output path clears ECN (INET_DSCP_MASK) */
}

static void set_ip(struct fm_ip *ip, uint32_t addr)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = AF_INET;
	memcpy(ip->b, &addr, 4);
}

static uint32_t select_addr(const struct lookup_env *env, int ifindex, uint32_t dst, uint8_t scope)
{
	uint32_t a = 0;

	lk_saddr4(env->rib, ifindex, dst, scope, &a);
	return a;
}

/* fib_result_prefsrc(): the route's src, or its nexthop's nh_saddr. */
static uint32_t route_prefsrc(const struct lookup_env *env, const struct kres *res)
{
	const struct rib_route *r = res->route;
	uint32_t gw = 0;

	if (r->ext && r->ext->prefsrc_family == AF_INET)
		return be(r->ext->prefsrc);
	if (!res->nh)
		return 0;
	if (res->nh->gw.family == AF_INET)
		gw = be(res->nh->gw.b);
	return select_addr(env, res->nh->ifindex, gw, r->scope);
}

/* ---------------------------------------------------------- source check */

static int validate_source(const struct lookup_env *env, const struct fm_flow *f, uint32_t saddr,
			   uint32_t daddr, int oif, int dev)
{
	int rpf = ref_netconf(env, AF_INET, -1, NC_RP_FILTER), d;
	bool accept_local = ref_sysctl(env, "net/ipv4/conf/all/accept_local", 0) > 0;
	struct kflow k;
	struct kres res;
	int i, dev_match = 0;

	d = ref_netconf(env, AF_INET, dev, NC_RP_FILTER);
	rpf = d > rpf ? d : rpf;
	if (!rpf && dev != oif) {
		if (accept_local)
			return 0;
		if (!lk_v4_custom_rules(env->rib) && !custom_local_routes(env))
			return lk_v4_dev_with_addr(env, saddr) ? -EINVAL : 0;
	}
	/* The reverse route: to the source, from the destination. */
	kflow4(f, 0, &k);
	memcpy(k.dst, &saddr, 4);
	memcpy(k.src, &daddr, 4);
	k.has_saddr = daddr != 0;
	k.iif = oif ? oif : LOOPBACK_IFINDEX;
	k.mark = ref_sysctl(env, "net/ipv4/conf/all/src_valid_mark", 0) > 0 ? f->mark : 0;
	k.proto = 0;
	k.sport = k.dport = 0;
	k.uid = 0;
	if (ref_rules(env, &k, v4_lookup, &res))
		return rpf ? -EXDEV : 0;
	if (res.type != RTN_UNICAST && (res.type != RTN_LOCAL || !accept_local))
		return -EINVAL;
	for (i = 0; i < res.nhops; i++)
		dev_match |= res.hops[i].ifindex == dev;
	dev_match |= res.type == RTN_LOCAL && is_loopback_dev(env, dev);
	if (dev_match)
		return res.nh && !res.nh->gw.family ? 1 : 0;
	if (!has_addrs(env, dev))
		return rpf ? -EXDEV : 0;
	if (rpf == 1)
		return -EXDEV;
	return 0; /* loose: any route back will do */
}

/* ------------------------------------------------------------- finishing */

/* __mkroute_output(): the result type and cache flags from the destination. */
static int mkroute_output(const struct lookup_env *env, uint32_t daddr, uint32_t saddr,
			  struct fm_result *ret, bool have_fi, uint8_t prefixlen)
{
	uint32_t d = ntohl(daddr);

	if (is_loopback(ntohl(saddr)) && !is_loopback_dev(env, ret->oif))
		return -EINVAL;
	if (is_lbcast(d))
		ret->type = RTN_BROADCAST;
	else if (is_multicast(d))
		ret->type = RTN_MULTICAST;
	else if (is_zeronet(d))
		return -EINVAL;
	if (is_loopback_dev(env, ret->oif))
		ret->flags |= RTCF_LOCAL;
	if (ret->type == RTN_BROADCAST) {
		ret->flags |= RTCF_BROADCAST | RTCF_LOCAL;
		memset(&ret->gw, 0, sizeof(ret->gw));
	} else if (ret->type == RTN_MULTICAST) {
		ret->flags |= RTCF_MULTICAST;
		/* Membership is not mirrored: all-hosts is the one known group. */
		if (d == 0xe0000001)
			ret->flags |= RTCF_LOCAL;
		if (have_fi && prefixlen < 4)
			memset(&ret->gw, 0, sizeof(ret->gw));
	}
	set_ip(&ret->prefsrc, saddr);
	return 0;
}

static void onlink(struct fm_result *ret, int oif)
{
	ret->type = RTN_UNICAST;
	ret->has_table = false;
	ret->oif = oif;
	memset(&ret->gw, 0, sizeof(ret->gw));
	ret->nhops = 0;
	ret->chosen = -1;
}

/* ------------------------------------------------------------ output path */

static int output_checks(const struct lookup_env *env, const struct fm_flow *f, uint32_t *saddr,
			 int *oif, bool *done)
{
	uint32_t s = ntohl(*saddr), d = be(f->dst.b);
	const struct rib_link *l;

	*done = false;
	if (*saddr) {
		if (is_multicast(s) || is_lbcast(s) || is_zeronet(s))
			return -EINVAL;
		if (!*oif && (is_multicast(ntohl(d)) || is_lbcast(ntohl(d)))) {
			*oif = lk_v4_dev_with_addr(env, *saddr);
			*done = true;
			return *oif ? 0 : -ENETUNREACH;
		}
		if (!lk_v4_dev_with_addr(env, *saddr))
			return -ENETUNREACH;
	}
	if (!*oif)
		return 0;
	l = rib_link_find(env->rib, *oif);
	if (!l)
		return -ENODEV;
	if (!(l->o.flags & 1))
		return -ENETUNREACH;
	if (is_local_multicast(ntohl(d)) || is_lbcast(ntohl(d)) || f->ip_proto == IPPROTO_IGMP_) {
		if (!*saddr)
			*saddr = select_addr(env, *oif, 0, SCOPE_LINK);
		*done = true;
		return 0;
	}
	if (!*saddr && is_multicast(ntohl(d)))
		*saddr = select_addr(env, *oif, 0, SCOPE_UNIVERSE);
	else if (!*saddr && !d)
		*saddr = select_addr(env, *oif, 0, SCOPE_HOST);
	return 0;
}

/* A gateway that is one of our own addresses gets host scope when the route
 * is added (fib_check_nh), and a host-scope nexthop is not used as a gateway
 * (rt_uses_gateway): the answer names the device only. */
static void gw_scope(const struct lookup_env *env, struct fm_result *ret)
{
	if (ret->gw.family == AF_INET && lk_v4_dev_with_addr(env, be(ret->gw.b)))
		memset(&ret->gw, 0, sizeof(ret->gw));
}

/* A nexthop's own source (nh_saddr), for the multipath source preference. */
static uint32_t nh_saddr(const struct lookup_env *env, const struct kres *res, int i)
{
	const struct fm_hop *h = &res->hops[i];

	return select_addr(env, h->ifindex, h->gw.family == AF_INET ? be(h->gw.b) : 0,
			   res->route->scope);
}

/* fib_select_multipath() with the 6.15 source preference: among the members
 * the hash reaches, one whose own source is the flow's wins. */
static int select4(const struct lookup_env *env, const struct kres *res, uint32_t hash,
		   uint32_t saddr)
{
	bool mine[FM_RESULT_MAX_HOPS];
	int i;

	for (i = 0; i < res->nhops; i++)
		mine[i] = !saddr || nh_saddr(env, res, i) == saddr;
	return lk_mp_select_pref(res->hops, res->nhops, hash, mine);
}

/*
 * The member set is always exact. The member itself is reproduced when the
 * kernel's hash can be (lk_mp_hash: a known seed, policy 0 or 1) and the
 * route is not a resilient group (its buckets depend on history); otherwise
 * the first live member is reported and choice_exact says so.
 */
static void multipath(const struct lookup_env *env, const struct fm_flow *f, struct kres *res,
		      int oif, struct fm_result *ret)
{
	const struct rib_nh *nh = res->route->nhid ? rib_nh_find(env->rib, res->route->nhid) : NULL;
	uint32_t hash, saddr = f->src.family ? be(f->src.b) : 0;
	int sel;

	if (oif || res->nhops <= 1)
		return;
	ret->choice_exact = false;
	if ((nh && nh->o.group_type == NEXTHOP_GRP_TYPE_RES) || lk_mp_hash(env, f, &hash))
		return;
	sel = nh ? lk_mp_select(res->hops, res->nhops, hash) : select4(env, res, hash, saddr);
	if (sel < 0)
		return;
	res->nh_sel = sel;
	res->nh = &res->hops[sel];
	ret->chosen = (int16_t)sel;
	ret->gw = res->nh->gw;
	ret->oif = res->nh->ifindex;
	ret->choice_exact = true;
}

static int output4(const struct lookup_env *env, const struct fm_flow *f, struct fm_result *ret)
{
	uint32_t saddr = f->src.family ? be(f->src.b) : 0, daddr = be(f->dst.b);
	int oif = f->oif, rc;
	struct kflow k;
	struct kres res;
	bool done;

	rc = output_checks(env, f, &saddr, &oif, &done);
	if (rc)
		return rc;
	ret->oif = oif;
	if (done)
		return mkroute_output(env, daddr, saddr, ret, false, 0);
	if (!daddr) {
		daddr = saddr ? saddr : htonl(INADDR_LOOPBACK);
		saddr = saddr ? saddr : daddr;
		ret->oif = LOOPBACK_IFINDEX;
		ret->type = RTN_LOCAL;
		ret->flags |= RTCF_LOCAL;
		set_ip(&ret->prefsrc, saddr);
		return 0;
	}
	kflow4(f, 0, &k);
	k.iif = LOOPBACK_IFINDEX;
	k.oif = oif;
	memcpy(k.src, &saddr, 4);
	rc = ref_rules(env, &k, v4_lookup, &res);
	if (rc) {
		if (!oif)
			return rc;
		/* "Apparently, routing tables are wrong": assume on-link on oif. */
		onlink(ret, oif);
		if (!saddr)
			saddr = select_addr(env, oif, 0, SCOPE_LINK);
		return mkroute_output(env, daddr, saddr, ret, false, 0);
	}
	ref_fill_route(&res, AF_INET, ret);
	if (res.type == RTN_LOCAL) {
		if (!saddr)
			saddr = res.route->ext && res.route->ext->prefsrc_family
				    ? be(res.route->ext->prefsrc)
				    : daddr;
		ret->oif = LOOPBACK_IFINDEX;
		ret->flags |= RTCF_LOCAL;
		set_ip(&ret->prefsrc, saddr);
		return 0;
	}
	multipath(env, f, &res, oif, ret);
	gw_scope(env, ret);
	if (!saddr)
		saddr = route_prefsrc(env, &res);
	return mkroute_output(env, daddr, saddr, ret, true, res.route->key.dst_len);
}

/* ------------------------------------------------------------- input path */

static int local_input(struct fm_result *ret, uint8_t type)
{
	ret->type = type;
	ret->oif = LOOPBACK_IFINDEX;
	ret->flags |= RTCF_LOCAL | (type == RTN_BROADCAST ? RTCF_BROADCAST : 0);
	memset(&ret->gw, 0, sizeof(ret->gw));
	memset(&ret->prefsrc, 0, sizeof(ret->prefsrc));
	return 0;
}

static int input_multicast(const struct lookup_env *env, const struct fm_flow *f, uint32_t s,
			   uint32_t d, struct fm_result *ret)
{
	bool our = d == 0xe0000001; /* all-hosts; other memberships are not mirrored */

	if (!our && (is_local_multicast(d) || !ref_netconf(env, AF_INET, f->iif, NC_MC_FORWARDING)))
		return -EINVAL;
	if (is_loopback(s) && !ref_sysctl(env, "net/ipv4/conf/all/route_localnet", 0))
		return -EINVAL;
	if (!s && !is_local_multicast(d) && f->ip_proto != IPPROTO_IGMP_)
		return -EINVAL;
	if (s && validate_source(env, f, htonl(s), 0, 0, f->iif) < 0)
		return -EINVAL;
	ret->type = RTN_MULTICAST;
	ret->oif = LOOPBACK_IFINDEX;
	ret->flags |= RTCF_MULTICAST | (our ? RTCF_LOCAL : 0);
	return 0;
}

static int brd_input(const struct lookup_env *env, const struct fm_flow *f, uint32_t saddr,
		     struct fm_result *ret)
{
	if (saddr && validate_source(env, f, saddr, 0, 0, f->iif) < 0)
		return -EINVAL;
	return local_input(ret, RTN_BROADCAST);
}

static int martians(const struct lookup_env *env, uint32_t s, uint32_t d)
{
	bool localnet = ref_sysctl(env, "net/ipv4/conf/all/route_localnet", 0) > 0;

	if (is_zeronet(s) || is_zeronet(d))
		return -EINVAL;
	if ((is_loopback(d) || is_loopback(s)) && !localnet)
		return -EINVAL;
	return 0;
}

static int input4(const struct lookup_env *env, const struct fm_flow *f, struct fm_result *ret)
{
	uint32_t saddr = f->src.family ? be(f->src.b) : 0, daddr = be(f->dst.b);
	uint32_t s = ntohl(saddr), d = ntohl(daddr);
	bool fwd = ref_netconf(env, AF_INET, f->iif, NC_FORWARDING) > 0;
	struct kflow k;
	struct kres res;
	int rc;

	if (!rib_link_find(env->rib, f->iif))
		return -ENODEV;
	ret->iif = f->iif;
	if (is_multicast(s) || is_lbcast(s))
		return -EINVAL;
	if (is_multicast(d))
		return input_multicast(env, f, s, d, ret);
	if (is_lbcast(d) || (!s && !d))
		return brd_input(env, f, saddr, ret);
	if ((rc = martians(env, s, d)))
		return rc;
	kflow4(f, 0, &k);
	k.iif = f->iif;
	rc = ref_rules(env, &k, v4_lookup, &res);
	if (rc)
		return fwd ? rc : -EHOSTUNREACH;
	ref_fill_route(&res, AF_INET, ret);
	memset(&ret->prefsrc, 0, sizeof(ret->prefsrc));
	if (res.type == RTN_BROADCAST)
		return brd_input(env, f, saddr, ret);
	if (res.type == RTN_LOCAL) {
		if (validate_source(env, f, saddr, daddr, 0, f->iif) < 0)
			return -EINVAL;
		return local_input(ret, RTN_LOCAL);
	}
	if (!fwd)
		return -EHOSTUNREACH;
	if (res.type != RTN_UNICAST)
		return -EINVAL;
	multipath(env, f, &res, 0, ret);
	gw_scope(env, ret);
	rc = validate_source(env, f, saddr, daddr, res.nh->ifindex, f->iif);
	if (rc < 0)
		return -EINVAL;
	/* Leaving by the device it came in on, to a directly connected source. */
	if (res.nh->ifindex == f->iif && rc > 0)
		ret->flags |= RTCF_DOREDIRECT;
	return 0;
}

int ref_get4(const struct lookup_env *env, const struct fm_flow *f, struct fm_result *ret)
{
	return f->iif > 0 ? input4(env, f, ret) : output4(env, f, ret);
}
