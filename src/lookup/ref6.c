// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The reference IPv6 lookup: ip6_route_output_flags() / ip6_route_input_lookup()
 * through the rules to ip6_pol_route(): fib6_table_lookup (subtrees,
 * backtracking, rt6_select scoring) and fib6_select_path. kernel-semantics §5.
 *
 * The table walk visits the destination prefixes of the table that contain
 * the address, longest first, and stops at the first that decides. Without
 * source-specific routes that is one hash probe per prefix length, from the
 * longest the FIB says is there (lookup_env.fib). With them it is a scan: at
 * a prefix that has source-specific routes (a subtree in the kernel), only
 * those whose source prefix contains the flow's source are candidates,
 * longest source first, and the prefix's source-less routes are hidden; no
 * candidate there: a shorter destination.
 *
 * rt6_select: only the first metric group is scored, then, if nothing there
 * is usable, the rest of the list. Score = 2 when the device is the oif (or no
 * oif), a hard failure on another device when the lookup is strict, plus the
 * route preference (high 3 > medium 2 > low 1) shifted by 2; the best score
 * wins, ties go to the first. Expired, dead and ignorably-linkdown routes are
 * skipped. Neighbour reachability (consulted only with forwarding off) is not
 * mirrored: every gateway counts as reachable (docs/user-guide.md).
 */
#include "ref.h"

#include <errno.h>
#include <linux/icmpv6.h>
#include <linux/in_route.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#define F_IFACE	    1u	 /* RT6_LOOKUP_F_IFACE: only routes through the oif */
#define F_HAS_SADDR 2u	 /* the flow has a source */
#define SCORE_FAIL  (-1) /* RT6_NUD_FAIL_HARD */

static bool prefix_has(const uint8_t *p, int len, const uint8_t *a)
{
	int full = len / 8, rest = len % 8;

	if (memcmp(a, p, full))
		return false;
	return !rest || ((a[full] ^ p[full]) & (0xff << (8 - rest))) == 0;
}

static bool need_strict(const uint8_t *d)
{
	static const uint8_t loop[16] = {[15] = 1};

	return d[0] == 0xff || (d[0] == 0xfe && (d[1] & 0xc0) == 0x80) || !memcmp(d, loop, 16);
}

/* IPV6_DECODE_PREF: medium 2, high 3, low 1. */
static int pref_score(uint8_t pref)
{
	switch (pref) {
	case ICMPV6_ROUTER_PREF_HIGH:
		return 3;
	case ICMPV6_ROUTER_PREF_LOW:
		return 1;
	case ICMPV6_ROUTER_PREF_INVALID:
		return 0;
	default:
		return 2; /* medium, or not given */
	}
}

/* A route past its lifetime is skipped; one still within it is noted, for
 * a cache that must not outlive the answer (env->deadline). */
static bool expired(const struct lookup_env *env, const struct rib_route *r)
{
	if (!r->expires)
		return false;
	if (rib_expiry_left(r->expires) == 0)
		return true;
	if (env->deadline)
		*env->deadline = rib_expiry_earlier(*env->deadline, r->expires);
	return false;
}

struct pick {
	bool blackhole;
	struct rib_route *route;
	int hop;
	int score;
	struct fm_hop hops[FM_RESULT_MAX_HOPS];
	int nhops;
};

/* find_match() for every nexthop of @r; keeps the best strictly-better one. */
static void score_route(const struct lookup_env *env, struct rib_route *r, const struct kflow *fl,
			struct pick *best)
{
	struct fm_hop hops[FM_RESULT_MAX_HOPS];
	int n, i;

	if (expired(env, r))
		return;
	n = ref_route_hops(env, r, hops, FM_RESULT_MAX_HOPS);
	for (i = 0; i < n; i++) {
		int m = (!fl->oif || hops[i].ifindex == fl->oif) ? 2 : 0;

		if (hops[i].flags & RTNH_F_DEAD)
			continue;
		if (!m && (fl->strict & F_IFACE))
			continue;
		m |= pref_score(r->pref) << 2;
		if (m > best->score) {
			best->score = m;
			best->route = r;
			best->hop = i;
			best->nhops = n;
			memcpy(best->hops, hops, (size_t)n * sizeof(*hops));
		}
		if (r->nhid)
			break; /* a group is matched on its first usable member */
	}
}

static bool nh_blackhole(const struct lookup_env *env, const struct rib_route *r)
{
	const struct rib_nh *nh = r->nhid ? rib_nh_find(env->rib, r->nhid) : NULL;

	return nh && nh->o.blackhole;
}

static void rt6_select(const struct lookup_env *env, struct rib_route *list, const struct kflow *fl,
		       struct pick *best)
{
	struct rib_route *r;
	uint32_t metric = list->priority;

	best->route = NULL;
	best->blackhole = false;
	best->score = SCORE_FAIL;
	for (r = list; r && r->priority == metric; r = r->next) {
		/* __find_rr_leaf(): a blackhole nexthop object ends the search as
		 * a blackhole route, whatever the device. */
		if (nh_blackhole(env, r) && !expired(env, r)) {
			best->route = r;
			best->blackhole = true;
			return;
		}
		score_route(env, r, fl, best);
	}
	if (best->route)
		return;
	for (; r; r = r->next)
		score_route(env, r, fl, best);
}

/* The alias lists of @table whose destination contains the flow's: sorted
 * longest destination first, then longest source first. */
static int cand_cmp(const void *a, const void *b)
{
	const struct rib_key *x = &(*(struct rib_route *const *)a)->key;
	const struct rib_key *y = &(*(struct rib_route *const *)b)->key;

	if (x->dst_len != y->dst_len)
		return y->dst_len - x->dst_len;
	return y->src_len - x->src_len;
}

/* With source-specific routes: a scan of the table (the subtrees' shape). */
static size_t candidates_scan(const struct lookup_env *env, uint32_t table, const struct kflow *fl,
			      struct rib_route ***out)
{
	struct rib_route **v = NULL, **t;
	size_t n = 0, cap = 0, i;
	struct hnode *hn;

	htab_for_each (&env->rib->routes, i, hn) {
		struct rib_route *r = container_of(hn, struct rib_route, hn);

		if (r->key.family != AF_INET6 || r->key.table != table ||
		    !prefix_has(r->key.dst, r->key.dst_len, fl->dst))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(t = realloc(v, cap * sizeof(*v))))
				break;
			v = t;
		}
		v[n++] = r;
	}
	if (n)
		qsort(v, n, sizeof(*v), cand_cmp);
	*out = v;
	return n;
}

int ref6_prefix(const struct lookup_env *env, struct rib_route *head, uint32_t table,
		const struct kflow *fl, struct kres *res)
{
	struct pick best;
	int rc;

	rt6_select(env, head, fl, &best);
	if (!best.route)
		return -ENOENT;
	res->plen = head->key.dst_len;
	rc = best.blackhole ? -EINVAL : ref_type_error(best.route->type);
	if (rc)
		return rc;
	res->route = best.route;
	res->table = table;
	res->type = best.route->type;
	res->nhops = best.nhops;
	memcpy(res->hops, best.hops, (size_t)best.nhops * sizeof(*best.hops));
	res->nh_sel = best.hop;
	res->nh = &res->hops[best.hop];
	return 0;
}

/*
 * Without source-specific routes no prefix has a subtree: one hash probe per
 * destination length the table has, longest first (from the FIB's hint, so
 * usually the first probe hits), stopping at the first prefix that decides.
 * Each probe is a cache miss in a large RIB; most flows need one.
 */
static int walk_by_probe(const struct lookup_env *env, uint32_t table, const struct kflow *fl,
			 struct kres *res)
{
	const uint64_t *lens;
	struct rib_route *r;
	int len, rc;

	for (len = ref_walk_hint(env, AF_INET6, table, fl->dst, &lens); len >= 0; len--)
		if (ref_len_in(lens, len) &&
		    (r = rib_route_at(env->rib, AF_INET6, table, fl->dst, len)) &&
		    (rc = ref6_prefix(env, r, table, fl, res)) != -ENOENT)
			return rc;
	return -EAGAIN;
}

/*
 * With them, the scanned candidates longest first. All contain the flow's
 * destination, so one length is one prefix, and its longest source comes
 * first: that one says whether the prefix has a subtree. Where it does, only
 * routes whose source prefix holds the flow's source are reached (the
 * prefix's source-less routes never are).
 */
static int walk_by_scan(const struct lookup_env *env, uint32_t table, const struct kflow *fl,
			struct kres *res)
{
	struct rib_route **v;
	size_t n = candidates_scan(env, table, fl, &v), i, first = 0;
	int rc = -EAGAIN;

	for (i = 0; i < n; i++) {
		const struct rib_key *k = &v[i]->key;

		if (k->dst_len != v[first]->key.dst_len)
			first = i;
		if (v[first]->key.src_len &&
		    !(k->src_len && prefix_has(k->src, k->src_len, fl->src)))
			continue;
		if ((rc = ref6_prefix(env, v[i], table, fl, res)) != -ENOENT)
			break;
		rc = -EAGAIN;
	}
	free(v);
	return rc;
}

static int v6_table(const struct lookup_env *env, uint32_t table, const struct kflow *fl,
		    struct kres *res)
{
	if (!env->rib->n_src_routes && !env->plain)
		return walk_by_probe(env, table, fl, res);
	return walk_by_scan(env, table, fl, res);
}

/* ip6_pol_route_input(): devices are scored against the input device. */
static int v6_table_input(const struct lookup_env *env, uint32_t table, const struct kflow *fl,
			  struct kres *res)
{
	struct kflow k = *fl;

	k.oif = fl->iif;
	return v6_table(env, table, &k, res);
}

/* ------------------------------------------------------------------ paths */

static void kflow6(const struct fm_flow *f, uint32_t uid, struct kflow *k)
{
	ref_kflow(f, uid, k);
	k->strict = k->has_saddr ? F_HAS_SADDR : 0;
}

/* ip6_route_get_saddr(): the route's src, else the source selected for the
 * destination through the route's (first) device. */
static void prefsrc6(const struct lookup_env *env, const struct kres *res, const uint8_t *dst,
		     struct fm_result *ret)
{
	const struct rib_route *r = res->route;

	memset(&ret->prefsrc, 0, sizeof(ret->prefsrc));
	if (r->ext && r->ext->prefsrc_family == AF_INET6) {
		ret->prefsrc.family = AF_INET6;
		memcpy(ret->prefsrc.b, r->ext->prefsrc, 16);
		return;
	}
	/* Each ECMP sibling is its own route in the kernel: the chosen one's
	 * device; a nexthop group's source comes from its first member. */
	if (!lk_saddr6(env, res->route->nhid || !res->nh ? res->hops[0].ifindex : res->nh->ifindex,
		       dst, ret->prefsrc.b))
		ret->prefsrc.family = AF_INET6;
}

/* Score of one hop as rt6_score_route() sees it: < 0 is a hard failure. */
static int hop_score(const struct kflow *k, const struct fm_hop *h)
{
	if (h->flags & RTNH_F_DEAD)
		return SCORE_FAIL;
	return (!k->oif || h->ifindex == k->oif || !(k->strict & F_IFACE)) ? 0 : SCORE_FAIL;
}

/*
 * fib6_select_path(): the hash picks among the siblings by upper bounds; the
 * first sibling if the hash reaches it and it scores, else the first later
 * one the hash reaches, unless that one fails its score (then the match
 * stays). A nexthop group picks by hash alone. Exact only when the hash can
 * be reproduced (a known seed) and the group is not resilient.
 */
static void select6(const struct lookup_env *env, const struct fm_flow *f, const struct kflow *k,
		    struct kres *res, struct fm_result *ret)
{
	const struct rib_nh *nh = res->route->nhid ? rib_nh_find(env->rib, res->route->nhid) : NULL;
	uint32_t hash;
	int sel;

	ret->choice_exact = res->nhops <= 1;
	if (res->nhops <= 1 || (nh && nh->o.group_type == NEXTHOP_GRP_TYPE_RES) ||
	    lk_mp_hash(env, f, &hash))
		return;
	sel = lk_mp_select(res->hops, res->nhops, hash);
	if (!nh && sel >= 0 && hop_score(k, &res->hops[sel]) < 0)
		sel = -1;
	if (sel >= 0) {
		res->nh_sel = sel;
		res->nh = &res->hops[sel];
	}
	ret->choice_exact = true;
}

static int finish6(const struct lookup_env *env, const struct fm_flow *f, struct kres *res,
		   const struct kflow *k, bool input, struct fm_result *ret)
{
	select6(env, f, k, res, ret);
	ref_fill_route(res, AF_INET6, ret);
	if (res->type == RTN_LOCAL || res->type == RTN_ANYCAST) {
		ret->oif = LOOPBACK_IFINDEX;
		ret->flags |= RTCF_LOCAL;
	}
	/* On input only a configured src is reported (rt6_fill_node). */
	if (!input)
		prefsrc6(env, res, k->dst, ret);
	else if (res->route->ext && res->route->ext->prefsrc_family == AF_INET6)
		prefsrc6(env, res, k->dst, ret);
	return 0;
}

static int output6(const struct lookup_env *env, const struct fm_flow *f, struct fm_result *ret)
{
	struct kflow k;
	struct kres res;
	int rc;

	if (f->oif > 0 && !rib_link_find(env->rib, f->oif))
		return -ENODEV;
	kflow6(f, 0, &k);
	k.iif = LOOPBACK_IFINDEX;
	k.oif = f->oif;
	if (need_strict(k.dst) || (k.oif && !k.has_saddr))
		k.strict |= F_IFACE;
	rc = ref_rules(env, &k, v6_table, &res);
	if (rc)
		return rc;
	return finish6(env, f, &res, &k, false, ret);
}

/* Whether the kernel routes IPv6 multicast (CONFIG_IPV6_MROUTE): only then
 * does conf/all/mc_forwarding exist. Offline mirrors assume it does, as in
 * distribution kernels. */
static bool mroute6(const struct lookup_env *env)
{
	return !env->sys || ref_sysctl(env, "net/ipv6/conf/all/mc_forwarding", -1) >= 0;
}

static int input6(const struct lookup_env *env, const struct fm_flow *f, struct fm_result *ret)
{
	struct kflow k;
	struct kres res;
	int rc;

	if (!rib_link_find(env->rib, f->iif))
		return -ENODEV;
	ret->iif = f->iif;
	kflow6(f, LK_INVALID_UID, &k);
	k.iif = f->iif;
	if (need_strict(k.dst))
		k.strict |= F_IFACE;
	rc = ref_rules(env, &k, v6_table_input, &res);
	if (rc)
		return rc;
	/* Multicast input goes to the multicast routing code, which answers a
	 * route request with EMSGSIZE (kernel-semantics §9) when the kernel
	 * has one (CONFIG_IPV6_MROUTE); without it the route is reported. */
	if (res.type == RTN_MULTICAST && mroute6(env))
		return -EMSGSIZE;
	return finish6(env, f, &res, &k, true, ret);
}

int ref_get6(const struct lookup_env *env, const struct fm_flow *f, struct fm_result *ret)
{
	return f->iif > 0 ? input6(env, f, ret) : output6(env, f, ret);
}
