// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The fast route get: the kernel's answer from the published FIB
 * (fib/fib.h), under rcu_read_lock, without locks or allocation.
 *
 * The flows answered here (fast_flow()), each only where the FIB's outcome
 * settles the kernel's answer:
 *  - plain(): the output path with a destination and nothing else but mark,
 *    tos, protocol, ports and uid (IPv4 not to 0.0.0.0; IPv6 not to
 *    multicast, link-local or loopback, which match the device strictly):
 *    what a data plane asks per packet;
 *  - oif_flow(): an output device and nothing else, when the route the
 *    tables decide on has a live hop on it, which the kernel then takes
 *    (oif_hop()); where the device would make the kernel pass over that
 *    route (another alias, a shorter prefix, IPv4's on-link fallback), the
 *    general path answers;
 *  - src_flow(): a source and nothing else (IPv4: one of ours, ours4());
 *  - in_flow(): an IPv4 packet received (an input device and a source, both
 *    ordinary unicast), whose source check runs the rule walk again in
 *    reverse (validate()).
 * The rule walk (walk()) runs over the compiled rules; each table lookup is
 * one LPM walk to a precomputed outcome; the multipath member is hashed per
 * flow; an IPv6 source without a configured one, nor one the FIB chose for
 * the whole prefix, is selected (RFC 6724) from the FIB's copy of the
 * addresses. Everything else, and every outcome marked FO_GENERAL, returns
 * LK_GENERAL and is answered by the general path (ref*.c), which the unit
 * tests check this one against.
 */
#include "fast.h"

#include "ref.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/in_route.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <string.h>

/*
 * The per-lookup call chain (route_get, walk, lookup, table, then output,
 * finish4, output4, fill_route...) is inlined by force. A single lookup is
 * bound by how many instructions lie between one lookup's LPM walk and the
 * next one's more than by the walk's misses: the core overlaps the next
 * walk with this one's only when it is within reach of its reorder window.
 * The calls' saves, restores and argument moves were a sixth of a plain
 * IPv4 lookup's instructions (568 -> 470 by callgrind; IPv6 717 -> 651) and
 * inlining them saved up to a fifth of its time (bench/README.md).
 */
#define FAST_INLINE static inline __attribute__((always_inline))

/* The fields of a flow the rules and tables look at. */
struct pflow {
	uint8_t family;
	uint8_t tos;
	uint32_t src4; /* IPv4, host order; 0: no source (src_flow()) */
	int oif;       /* 0, or the output device (oif_flow()) */
	int iif;       /* loopback on the output path, else the input device (in_flow()) */
	const uint8_t *dst, *src; /* src NULL: no source */
	/* The main table's outcome for dst, when a burst looked it up already. */
	const struct fib_table *pre_t;
	const struct fib_outcome *pre_o;
	uint32_t *deadline; /* NULL, or where to note the routes' lifetimes */
	/* Read by rules with selectors only (pflow_selectors()), so left unset
	 * while every rule matches every flow (fib->rules_any), as with the
	 * default rules: the kernel's own shortcut without custom rules. */
	uint8_t proto;
	uint16_t sport, dport;
	uint32_t dst4; /* host order */
	uint32_t mark, uid;
};

/* A destination the tables decide for alone. IPv4: not 0.0.0.0 ("this
 * host"); IPv6: not multicast, link-local or loopback, for which the kernel
 * matches the device strictly and picks the source among its addresses. */
static bool dst_plain(const struct fm_flow *f)
{
	static const uint8_t loop6[16] = {[15] = 1};
	const uint8_t *d = f->dst.b;

	if (f->family == AF_INET)
		return f->dst.v4 != 0;
	return d[0] != 0xff && !(d[0] == 0xfe && (d[1] & 0xc0) == 0x80) && memcmp(d, loop6, 16);
}

static bool plain(const struct fm_flow *f)
{
	if (f->iif > 0 || f->oif > 0 || f->src.family || (f->flags & FM_FLOW_FIBMATCH))
		return false;
	return dst_plain(f);
}

/* An IPv4 address the tables route: not 0.0.0.0, multicast or the limited
 * broadcast, which ref4.c answers without a lookup or refuses. */
static bool routed4(uint32_t a)
{
	return a && (a >> 28) != 0xe && a != INADDR_BROADCAST;
}

/* An output device and nothing else, to an address the tables decide for:
 * IPv4 not to multicast or broadcast and not IGMP (ref4.c's output4 takes
 * the device for those without a lookup, or the source from it); IPv6 to a
 * plain destination (the device makes the lookup strict: ref6.c F_IFACE). */
static bool oif_flow(const struct fm_flow *f)
{
	if (f->oif <= 0 || f->iif > 0 || f->src.family || (f->flags & FM_FLOW_FIBMATCH))
		return false;
	if (f->family == AF_INET6)
		return dst_plain(f);
	return f->family == AF_INET && routed4(ntohl(f->dst.v4)) && f->ip_proto != IPPROTO_IGMP;
}

/*
 * A source and nothing else, to a destination the tables decide for. IPv4,
 * to an ordinary unicast address: ref4.c's output_checks pass when the
 * source is one of ours (route_get() checks: ours4()) and not multicast,
 * broadcast or 0.0.0.0 (errors there, or the source's device without a
 * lookup). IPv6 does not check the source; it reaches the rules, the
 * multipath hash and the source-specific routes (whose prefixes are the
 * general path's in the FIB). :: is "no source" to the kernel: general.
 */
static bool src_flow(const struct fm_flow *f)
{
	static const uint8_t any6[16];

	if (!f->src.family || f->src.family != f->family || f->oif > 0 || f->iif > 0 ||
	    (f->flags & FM_FLOW_FIBMATCH) || !dst_plain(f))
		return false;
	if (f->family == AF_INET6)
		return memcmp(f->src.b, any6, 16) != 0;
	return f->family == AF_INET && routed4(ntohl(f->dst.v4)) && routed4(ntohl(f->src.v4));
}

/* An IPv4 address the input path treats as ordinary unicast: routed, and
 * not loopback (whose fate depends on route_localnet). */
static bool unicast4(uint32_t a)
{
	return routed4(a) && (a >> 24) != 127;
}

/* IPv4, an input device and a source (a packet received), nothing else:
 * both addresses ordinary unicast, so none of ref4.c's input4 early answers
 * (martians, broadcast and multicast input) applies. */
static bool in_flow(const struct fm_flow *f)
{
	return f->family == AF_INET && f->iif > 0 && f->oif <= 0 && f->src.family == AF_INET &&
	       !(f->flags & FM_FLOW_FIBMATCH) && unicast4(ntohl(f->dst.v4)) &&
	       unicast4(ntohl(f->src.v4));
}

/* IPv6, an input device (a packet received), with or without a source, to
 * a plain destination (ref6.c's input6 then needs no strict device match);
 * :: is no source to the kernel but would meet source selectors here. Not
 * loopback, which stands for the output path in struct pflow. */
static bool in6_flow(const struct fm_flow *f)
{
	static const uint8_t any6[16];

	return f->family == AF_INET6 && f->iif > 0 && f->iif != LOOPBACK_IFINDEX && f->oif <= 0 &&
	       (!f->src.family || (f->src.family == AF_INET6 && memcmp(f->src.b, any6, 16))) &&
	       !(f->flags & FM_FLOW_FIBMATCH) && dst_plain(f);
}

static bool in_prefix(const uint8_t *a, const uint8_t *p, int len)
{
	int full = len / 8, rest = len % 8;

	if (memcmp(a, p, (size_t)full))
		return false;
	return !rest || ((a[full] ^ p[full]) & (0xff << (8 - rest))) == 0;
}

static bool ports_in(const struct fm_rule *r, uint32_t bit, uint16_t lo, uint16_t hi, uint16_t p)
{
	return !(r->attrs & bit) || (!lo && !hi) || (p >= lo && p <= hi);
}

/* fib_rule_match: iif is loopback on the output path, the flow's oif and
 * source (IPv4 compares none as 0.0.0.0; IPv6 matches no source selector
 * without one). */
FAST_INLINE bool selectors(const struct fib_rule *fr, const struct pflow *p)
{
	const struct fm_rule *r = &fr->r;
	uint8_t tosmask = p->family == AF_INET ? 0x1c : 0xfc;

	if (fr->any)
		return true;
	if (fr->never || (fr->iif && fr->iif != p->iif) || (fr->oif && fr->oif != p->oif))
		return false;
	if ((r->fwmark ^ p->mark) & fr->fwmask)
		return false;
	if ((r->attrs & FM_RULE_UIDRANGE) && (p->uid < r->uid_start || p->uid > r->uid_end))
		return false;
	if (p->family == AF_INET
		? (p->dst4 & fr->dmask4) != fr->dst4 || (p->src4 & fr->smask4) != fr->src4
		: (r->dst_len && !in_prefix(p->dst, r->dst.b, r->dst_len)) ||
		      (r->src_len && (!p->src || !in_prefix(p->src, r->src.b, r->src_len))))
		return false;
	if ((r->tos && r->tos != (p->tos & tosmask)) || (r->ip_proto && r->ip_proto != p->proto))
		return false;
	return ports_in(r, FM_RULE_SPORT, r->sport_lo, r->sport_hi, p->sport) &&
	       ports_in(r, FM_RULE_DPORT, r->dport_lo, r->dport_hi, p->dport);
}

static const struct fib_outcome none = {.kind = FO_NONE, .plen = -1, .err = -EAGAIN, .top = -1};
static const struct fib_outcome general = {.kind = FO_GENERAL, .plen = -1};

FAST_INLINE const struct fib_outcome *table(const struct fib_table *t, const struct pflow *p)
{
	const struct fib_outcome *o;

	if (!t)
		return &none;
	o = t == p->pre_t ? p->pre_o : fib_table_lookup(t, p->dst);
	/* A flow with tos bits may fit an alias the outcome passed over. */
	if (o->tos_sensitive && (p->tos & 0x1c))
		return &general;
	if (o->expires) {
		if (!rib_expiry_left(o->expires))
			return &general; /* a route it depends on has expired since */
		if (p->deadline)
			*p->deadline = rib_expiry_earlier(*p->deadline, o->expires);
	}
	return o;
}

/* ref4.c's v4_lookup: with the default rules the kernel looks up local and
 * main as one trie, the longer prefix winning, reported as main. */
FAST_INLINE const struct fib_outcome *lookup(const struct fib *f, const struct fib_rule *fr,
					     const struct pflow *p, uint32_t *tab)
{
	const struct fib_outcome *l, *m;

	*tab = fr->r.table;
	l = table(fr->table, p);
	if (!fr->merged)
		return l;
	m = table(f->main4, p);
	if (l->kind == FO_GENERAL || m->kind == FO_GENERAL)
		return &general;
	*tab = RT_TABLE_MAIN;
	return m->plen > l->plen ? m : l;
}

/* fib4_rule_suppress / fib6_rule_suppress, on the result's hop @sel. */
FAST_INLINE bool suppressed(const struct fib_rule *fr, const struct fib_outcome *o, int sel)
{
	const struct fm_rule *r = &fr->r;

	if ((r->attrs & FM_RULE_SUPPRESS_PREFIXLEN) && o->plen <= (int64_t)r->suppress_prefixlen)
		return true;
	return (r->attrs & FM_RULE_SUPPRESS_IFGROUP) &&
	       o->hopx[sel].ifgroup == (int64_t)r->suppress_ifgroup;
}

/*
 * The hop of the outcome's unicast route on the flow's output device, when
 * the kernel takes this route with the device named: -1 when the general
 * path must decide. The aliases and prefixes the outcome passed over had no
 * live hop at all, so none on the device either.
 *  - IPv4, fib_lookup_good_nhc(): the first live hop on @oif, if the device
 *    is up (ref4.c's output checks answer before any lookup otherwise).
 *  - IPv6, rt6_select() made strict by the device: a route with a live hop
 *    on it scores above every route without one, and this route already
 *    scored best without the device; its first live hop there is the
 *    match, which fib6_select_path() may trade for a member the hash picks
 *    (member6_oif()).
 * Local, broadcast and multicast routes, and routes the device would make
 * the kernel pass over, go to the general path.
 */
static int oif_hop(const struct fib_outcome *o, const struct pflow *p)
{
	int i;

	if (o->type != RTN_UNICAST)
		return -1;
	for (i = 0; i < o->nhops; i++)
		if (o->hops[i].ifindex == p->oif && !(o->hops[i].flags & RTNH_F_DEAD))
			return o->hopx[i].dev_up ? i : -1;
	return -1;
}

/* The member this flow takes (ref4.c's multipath(), ref6.c's select6()
 * without an oif). */
FAST_INLINE int member(const struct fib *f, const struct fib_outcome *o, const struct fm_flow *fl,
		       bool *exact)
{
	bool mine[FM_RESULT_MAX_HOPS];
	uint32_t hash, src4;
	int sel, i;

	*exact = o->nhops <= 1;
	if (*exact || o->resilient || lk_mp_hash_p(&f->mp, fl, &hash))
		return o->sel;
	src4 = fl->family == AF_INET && fl->src.family ? ntohl(fl->src.v4) : 0;
	if (src4 && !o->nhid) {
		/* ref4.c's select4: the members whose own source (nh_saddr,
		 * the hop's prefsrc without a configured one: src_multipath())
		 * is the flow's come first. */
		for (i = 0; i < o->nhops; i++)
			mine[i] = ntohl(o->hopx[i].prefsrc.v4) == src4;
		sel = lk_mp_select_pref(o->hops, o->nhops, hash, mine);
	} else {
		sel = lk_mp_select(o->hops, o->nhops, hash);
	}
	if (sel < 0)
		return o->sel;
	*exact = true;
	return sel;
}

/* @a with the bits past @len cleared, a word at a time (IPv4: one; the
 * rest of @out is zero already, as the outcome's head has it). */
FAST_INLINE void masked(struct fm_ip *out, const struct fm_ip *a, int len)
{
	uint64_t w[2], m;
	int i;

	out->family = a->family;
	if (a->family == AF_INET) {
		out->v4 = len > 0 ? a->v4 & htonl(UINT32_MAX << (32 - len)) : 0;
		return;
	}
	memcpy(w, a->b, 16);
	for (i = 0; i < 2; i++, len -= 64) {
		m = len <= 0 ? 0 : len >= 64 ? UINT64_MAX : UINT64_MAX << (64 - len);
		w[i] &= htobe64(m);
	}
	memcpy(out->b, w, 16);
}

/* ref_fill_route: what the matched route and its chosen hop say, from the
 * outcome's precomputed head (fib.c outcome_head). */
FAST_INLINE void fill_route(const struct fib_outcome *o, uint32_t tab, int sel,
			    const struct fm_flow *fl, struct fm_result *ret)
{
	memcpy(ret, o->head, sizeof(o->head));
	ret->table = tab;
	masked(&ret->dst, &fl->dst, o->plen);
	if (o->nhops == 1)
		ret->hops[0] = o->hops[0]; /* most routes: no call to memcpy */
	else
		memcpy(ret->hops, o->hops, o->nhops * sizeof(*o->hops));
	if (sel != o->sel) {
		ret->chosen = (int16_t)sel;
		ret->oif = o->hops[sel].ifindex;
		ret->gw = o->hops[sel].gw;
	}
}

/* ref6.c's finish6 on the output path. */
/* ref6.c's select6 with an output device (strict), for siblings: the
 * member the hash picks if it is live on the device, else the match, the
 * route's first live hop there. (A nexthop group keeps whatever member the
 * hash picks: left to the general path, as the unit tests have no IPv6
 * groups to check it against.) */
static int member6_oif(const struct fib *f, const struct fib_outcome *o, const struct fm_flow *fl,
		       int match, bool *exact)
{
	uint32_t hash;
	int sel;

	*exact = o->nhops <= 1;
	if (*exact || o->resilient || lk_mp_hash_p(&f->mp, fl, &hash))
		return match;
	*exact = true;
	sel = lk_mp_select(o->hops, o->nhops, hash);
	if (sel < 0 || o->hops[sel].ifindex != fl->oif || (o->hops[sel].flags & RTNH_F_DEAD))
		return match;
	return sel;
}

/* An IPv6 local or anycast route delivers to this host, through loopback. */
static void deliver6(const struct fib_outcome *o, struct fm_result *ret)
{
	if (o->type == RTN_LOCAL || o->type == RTN_ANYCAST) {
		ret->oif = LOOPBACK_IFINDEX;
		ret->flags |= RTCF_LOCAL;
	}
}

/* ref6.c's finish6 on the output path; @match: the device's hop, or -1
 * without a device. */
static int finish6(const struct fib *f, const struct fib_outcome *o, uint32_t tab, int match,
		   const struct fm_flow *fl, struct fm_result *ret)
{
	bool exact;
	int sel = match < 0 ? member(f, o, fl, &exact) : member6_oif(f, o, fl, match, &exact);
	const struct fib_hopx *x = &o->hopx[sel];

	fill_route(o, tab, sel, fl, ret);
	ret->choice_exact = exact;
	deliver6(o, ret);
	if (x->prefsrc.family)
		ret->prefsrc = x->prefsrc;
	else if (!lk_saddr6_from(&f->addrs6, x->saddr_dev, fl->dst.b, ret->prefsrc.b))
		ret->prefsrc.family = AF_INET6;
	return 0;
}

/* ref4.c's output4 for hop @sel of a unicast route: gw_scope and
 * mkroute_output (the destination's class decides the result type). The
 * source is the flow's, else the hop's. */
FAST_INLINE int output4(const struct fib_outcome *o, uint32_t tab, int sel, bool exact,
			const struct fm_flow *fl, struct fm_result *ret)
{
	uint32_t d = ntohl(fl->dst.v4);
	const struct fib_hopx *x = &o->hopx[sel];
	const struct fm_ip *src = fl->src.family ? &fl->src : &x->prefsrc;

	fill_route(o, tab, sel, fl, ret);
	ret->choice_exact = exact;
	if (x->gw_local)
		memset(&ret->gw, 0, sizeof(ret->gw));
	if (src->b[0] == 127 && !x->loop_dev)
		return -EINVAL; /* a loopback source leaves only through loopback */
	if (d == INADDR_BROADCAST)
		ret->type = RTN_BROADCAST;
	else if ((d >> 28) == 0xe)
		ret->type = RTN_MULTICAST; /* (0.0.0.0, the zero net since 5.3, is not plain) */
	if (x->loop_dev)
		ret->flags |= RTCF_LOCAL;
	if (ret->type == RTN_BROADCAST) {
		ret->flags |= RTCF_BROADCAST | RTCF_LOCAL;
		memset(&ret->gw, 0, sizeof(ret->gw));
	} else if (ret->type == RTN_MULTICAST) {
		ret->flags |= RTCF_MULTICAST | (d == 0xe0000001 ? RTCF_LOCAL : 0);
		if (o->plen < 4)
			memset(&ret->gw, 0, sizeof(ret->gw));
	}
	ret->prefsrc = *src;
	return 0;
}

/* ref4.c's output4 after the rules: a local route, or the multipath member. */
FAST_INLINE int finish4(const struct fib *f, const struct fib_outcome *o, uint32_t tab,
			const struct fm_flow *fl, struct fm_result *ret)
{
	bool exact;
	int sel;

	if (o->type == RTN_LOCAL) {
		fill_route(o, tab, o->sel, fl, ret);
		ret->oif = LOOPBACK_IFINDEX;
		ret->flags |= RTCF_LOCAL;
		if (fl->src.family) {
			ret->prefsrc = fl->src;
		} else if (o->prefsrc_cfg) {
			ret->prefsrc = o->hopx[o->sel].prefsrc;
		} else {
			ret->prefsrc.family = AF_INET;
			ret->prefsrc.v4 = fl->dst.v4;
		}
		return 0;
	}
	sel = member(f, o, fl, &exact);
	return output4(o, tab, sel, exact, fl, ret);
}

/* What the rule walk decided on: the outcome, its table and hop. Callers
 * zero it: walk() sets it whenever it returns 0, which GCC, inlining, cannot
 * always see (-Wmaybe-uninitialized). */
struct pick {
	const struct fib_outcome *o;
	uint32_t tab;
	int sel;
};

/*
 * IPv6 input (in6_flow()): the tables score the input device's hops higher,
 * though not strictly (rt6_score_route), so the device may change the match
 * (and with it a rule's suppress_ifgroup verdict). The outcome, worked out
 * without a device, stays the kernel's when nothing at its prefix could
 * outscore it: the prefix has no other route and this one a single hop, or
 * its one hop is on that device (the routes scored alike without it, and it
 * came first). Multipath, where the device moves the match among the
 * members, is the general path's.
 */
static bool in6_settled(const struct fib_outcome *o, const struct pflow *p)
{
	if (p->family != AF_INET6 || p->iif == LOOPBACK_IFINDEX || o->kind == FO_NONE)
		return true;
	if (o->kind == FO_ERROR)
		return o->single;
	return o->nhops == 1 && (o->single || o->hops[0].ifindex == p->iif);
}

/*
 * fib_rules_lookup over the compiled rules: 0 with @pk set to the route the
 * rules and tables decide on; the kernel's error (a rule's verdict, a
 * route's type, -ENETUNREACH past the last rule), which each path maps in
 * its own way; or LK_GENERAL.
 */
FAST_INLINE int walk(const struct fib *f, const struct pflow *p, struct pick *pk)
{
	int fam = p->family == AF_INET6;
	const struct fib_rule *v = f->rules[fam];
	const struct fib_outcome *o;
	size_t i, n = f->n_rules[fam];
	uint32_t tab;
	int rc, sel;

	for (i = 0; i < n; i++) {
		const struct fib_rule *fr = &v[i];

		if (selectors(fr, p) == !!(fr->r.flags & FIB_RULE_INVERT))
			continue;
		if (fr->r.action != FR_ACT_TO_TBL) { /* the common one first */
			if (fr->r.action == FR_ACT_GOTO && fr->goto_idx > (int32_t)i)
				i = (size_t)fr->goto_idx - 1; /* backwards or unresolved: on */
			else if ((rc = ref_rule_verdict(fr->r.action)))
				return rc;
			continue;
		}
		o = lookup(f, fr, p, &tab);
		if (o->kind == FO_GENERAL || !in6_settled(o, p))
			return LK_GENERAL;
		if (o->kind == FO_NONE)
			continue;
		if (o->kind == FO_ERROR)
			return o->err;
		sel = p->oif ? oif_hop(o, p) : o->sel;
		if (sel < 0)
			return LK_GENERAL;
		if (fr->suppress && suppressed(fr, o, sel))
			continue;
		*pk = (struct pick){o, tab, sel};
		return 0;
	}
	return -ENETUNREACH;
}

/* Whether member() can choose for a flow with an IPv4 source: multipath
 * prefers the members whose own source is the flow's, which the FIB knows
 * as their prefsrc unless the route configures one. */
static bool src_multipath(const struct fib_outcome *o, const struct pflow *p)
{
	return !p->src4 || o->nhops <= 1 || o->nhid || !o->prefsrc_cfg;
}

/* The output path after the rules. */
FAST_INLINE int output(const struct fib *f, const struct pflow *p, const struct fm_flow *fl,
		       struct fm_result *ret)
{
	struct pick pk = {0};
	int rc = walk(f, p, &pk);

	if (rc) /* with oif, an error is the kernel's cue for on-link */
		return p->oif ? LK_GENERAL : rc;
	if (!src_multipath(pk.o, p))
		return LK_GENERAL;
	if (p->family == AF_INET6) {
		if (p->oif && pk.o->nhid && pk.o->nhops > 1)
			return LK_GENERAL; /* member6_oif() */
		return finish6(f, pk.o, pk.tab, p->oif ? pk.sel : -1, fl, ret);
	}
	if (p->oif) /* the device's hop, no multipath choice */
		return output4(pk.o, pk.tab, pk.sel, true, fl, ret);
	return finish4(f, pk.o, pk.tab, fl, ret);
}

/* lk_v4_dev_with_addr() over the FIB: whether @a (@h in host order) is one
 * of our addresses or lies under a local route of the local table: 1 or 0;
 * -1 when that table's outcome there is the general path's. */
static int ours4(const struct fib *f, const uint8_t *a, uint32_t h)
{
	const struct fib_table *t = fib_table_find(f, AF_INET, RT_TABLE_LOCAL);
	const struct fib_outcome *o;

	if (lk_addrs4_has(&f->addrs4, h))
		return 1;
	if (!t)
		return 0;
	o = fib_table_lookup(t, a);
	if (o->kind == FO_GENERAL)
		return -1;
	return o->kind == FO_ROUTE && o->type == RTN_LOCAL && o->sel >= 0;
}

/*
 * ref4.c's validate_source (fib_validate_source) for an input flow that
 * leaves by @oif (0: delivered locally): 0 accepted (*@connected: the
 * source is directly connected on the input device), < 0 refused, or
 * LK_GENERAL. The reverse route is the rule walk again, to the source from
 * the destination, entering by @oif.
 */
static int validate(const struct fib *f, const struct fib_dev4 *in, const struct pflow *p,
		    const struct fm_flow *fl, int oif, bool *connected)
{
	const struct fib_outcome *o;
	struct pflow r = *p;
	struct pick pk = {0};
	bool match = false;
	int rc, i;

	*connected = false;
	if (!in->rpf && in->ifindex != oif) {
		if (f->in4.accept_local)
			return 0;
		if (f->v4_merged && !f->in4.custom_local) { /* a martian if it is ours */
			rc = ours4(f, fl->src.b, p->src4);
			return rc < 0 ? LK_GENERAL : rc ? -EINVAL : 0;
		}
	}
	r.dst = fl->src.b;
	r.dst4 = p->src4;
	r.src = fl->dst.b;
	r.src4 = p->dst4;
	r.iif = oif ? oif : LOOPBACK_IFINDEX;
	r.mark = f->in4.src_valid_mark ? p->mark : 0;
	r.proto = 0;
	r.sport = r.dport = 0;
	r.uid = 0;
	r.pre_t = NULL;
	r.pre_o = NULL;
	rc = walk(f, &r, &pk);
	if (rc)
		return rc == LK_GENERAL ? rc : in->rpf ? -EXDEV : 0;
	o = pk.o;
	if (o->type != RTN_UNICAST && (o->type != RTN_LOCAL || !f->in4.accept_local))
		return -EINVAL;
	for (i = 0; i < o->nhops; i++)
		match |= o->hops[i].ifindex == in->ifindex;
	if (match || (o->type == RTN_LOCAL && in->loop)) {
		*connected = o->sel >= 0 && !o->hops[o->sel].gw.family;
		return 0;
	}
	if (!in->has_addrs)
		return in->rpf ? -EXDEV : 0;
	return in->rpf == 1 ? -EXDEV : 0; /* loose: any route back will do */
}

/* ref4.c's local_input for a local route. */
static int local_in(const struct fm_flow *fl, struct fm_result *ret)
{
	ret->type = RTN_LOCAL;
	ret->oif = LOOPBACK_IFINDEX;
	ret->iif = fl->iif;
	ret->flags |= RTCF_LOCAL;
	memset(&ret->gw, 0, sizeof(ret->gw));
	memset(&ret->prefsrc, 0, sizeof(ret->prefsrc));
	return 0;
}

/* ref4.c's input4 after its address checks (in_flow()): the route, then
 * the source check; broadcast and multipath go to the general path. */
static int input(const struct fib *f, const struct fib_dev4 *in, const struct pflow *p,
		 const struct fm_flow *fl, struct fm_result *ret)
{
	const struct fib_outcome *o;
	struct pick pk = {0};
	int rc = walk(f, p, &pk), v, sel;
	bool connected, exact;

	if (rc)
		return rc == LK_GENERAL || in->fwd ? rc : -EHOSTUNREACH;
	o = pk.o;
	if (o->type == RTN_BROADCAST)
		return LK_GENERAL;
	if (o->type == RTN_LOCAL) {
		if ((v = validate(f, in, p, fl, 0, &connected)))
			return v == LK_GENERAL ? v : -EINVAL;
		fill_route(o, pk.tab, o->sel, fl, ret);
		return local_in(fl, ret);
	}
	if (!in->fwd)
		return -EHOSTUNREACH;
	if (o->type != RTN_UNICAST)
		return -EINVAL;
	if (!src_multipath(o, p))
		return LK_GENERAL;
	sel = member(f, o, fl, &exact);
	if ((v = validate(f, in, p, fl, o->hops[sel].ifindex, &connected)))
		return v == LK_GENERAL ? v : -EINVAL;
	fill_route(o, pk.tab, sel, fl, ret);
	ret->choice_exact = exact;
	ret->iif = fl->iif;
	if (o->hopx[sel].gw_local)
		memset(&ret->gw, 0, sizeof(ret->gw));
	memset(&ret->prefsrc, 0, sizeof(ret->prefsrc));
	/* Leaving by the device it came in on, to a directly connected source. */
	if (o->hops[sel].ifindex == fl->iif && connected)
		ret->flags |= RTCF_DOREDIRECT;
	return 0;
}

FAST_INLINE bool fast_flow(const struct fm_flow *fl)
{
	return ((fl->family == AF_INET || fl->family == AF_INET6) && plain(fl)) || oif_flow(fl) ||
	       src_flow(fl) || in_flow(fl) || in6_flow(fl);
}

/* ref6.c's input6 for an in6_flow(), whose walk settled on a single hop
 * (in6_settled()). Input reports only a configured source (rt6_fill_node). */
static int input6(const struct fib *f, struct pflow *p, const struct fm_flow *fl,
		  struct fm_result *ret)
{
	const struct fib_outcome *o;
	struct pick pk = {0};
	int rc;

	p->uid = (fl->flags & FM_FLOW_UID) ? fl->uid : LK_INVALID_UID;
	if ((rc = walk(f, p, &pk)))
		return rc;
	o = pk.o;
	fill_route(o, pk.tab, o->sel, fl, ret);
	ret->iif = fl->iif;
	deliver6(o, ret);
	if (o->prefsrc_cfg)
		ret->prefsrc = o->hopx[0].prefsrc;
	return 0;
}

FAST_INLINE void pflow_init(struct pflow *p, const struct fm_flow *fl)
{
	p->family = fl->family;
	p->dst = fl->dst.b;
	p->src = fl->src.family ? fl->src.b : NULL;
	p->src4 = fl->src.family == AF_INET ? ntohl(fl->src.v4) : 0;
	p->tos = fl->family == AF_INET ? fl->tos & 0xfc : fl->tos;
	p->oif = fl->oif > 0 ? fl->oif : 0;
	p->iif = LOOPBACK_IFINDEX;
}

/* What only selectors() reads. */
FAST_INLINE void pflow_selectors(struct pflow *p, const struct fm_flow *fl)
{
	p->dst4 = fl->family == AF_INET ? ntohl(fl->dst.v4) : 0;
	p->mark = fl->mark;
	p->uid = (fl->flags & FM_FLOW_UID) ? fl->uid : 0;
	p->proto = fl->ip_proto;
	p->sport = fl->sport;
	p->dport = fl->dport;
}

FAST_INLINE int route_get(const struct fib *f, const struct fm_flow *fl, struct fm_result *ret,
			  const struct fib_table *pre_t, const struct fib_outcome *pre_o,
			  uint32_t *deadline)
{
	const struct fib_dev4 *in;
	struct pflow p;
	int rc;

	if (!fast_flow(fl))
		return LK_GENERAL;
	pflow_init(&p, fl);
	/* The input path's source check walks the rules for a reversed flow
	 * made from these fields (validate()). */
	if (!f->rules_any[fl->family == AF_INET6] || fl->iif > 0)
		pflow_selectors(&p, fl);
	p.deadline = deadline;
	p.pre_t = pre_t;
	p.pre_o = pre_o;
	if (fl->iif > 0) {
		/* An unknown device: -ENODEV, from the general path. (fib_in4
		 * lists every device, whatever its addresses.) */
		if (!(in = fib_dev4_find(f, fl->iif)))
			return LK_GENERAL;
		p.iif = fl->iif;
		return fl->family == AF_INET6 ? input6(f, &p, fl, ret) : input(f, in, &p, fl, ret);
	}
	/* ref4.c's output_checks: a source must be one of ours. */
	if (p.src4 && (rc = ours4(f, fl->src.b, p.src4)) <= 0)
		return rc < 0 ? LK_GENERAL : -ENETUNREACH;
	return output(f, &p, fl, ret);
}

int lk_fast_route_get(const struct fib *f, const struct fm_flow *fl, struct fm_result *ret,
		      uint32_t *deadline)
{
	return route_get(f, fl, ret, NULL, NULL, deadline);
}

/*
 * Up to LK_BULK flows: the main table's LPM walks of the plain ones in one
 * interleaved lpm*_lookup_bulk, then each flow's rule walk as usual (the
 * local table, consulted first, is small and stays in cache; a flow whose
 * rules lead elsewhere looks that table up on its own).
 */
static void bulk_chunk(const struct fib *f, const struct fib_table *t4, const struct fib_table *t6,
		       const struct fm_flow *fl, struct fm_result *ret, int *rc, size_t n)
{
	uint32_t a4[LK_BULK], v4[LK_BULK], v6[LK_BULK];
	uint8_t a6[LK_BULK][16], i4[LK_BULK], i6[LK_BULK];
	const struct fib_outcome *pre[LK_BULK] = {NULL};
	size_t i, n4 = 0, n6 = 0;

	for (i = 0; i < n; i++) {
		if (rc[i] != LK_GENERAL || !fast_flow(&fl[i]))
			continue;
		if (fl[i].family == AF_INET && t4) {
			a4[n4] = ntohl(fl[i].dst.v4);
			i4[n4++] = (uint8_t)i;
		} else if (fl[i].family == AF_INET6 && t6) {
			memcpy(a6[n6], fl[i].dst.b, 16);
			i6[n6++] = (uint8_t)i;
		}
	}
	if (n4)
		lpm4_lookup_bulk(t4->lpm4, a4, v4, n4);
	if (n6)
		lpm6_lookup_bulk(t6->lpm6, (const uint8_t(*)[16])a6, v6, n6);
	for (i = 0; i < n4; i++)
		pre[i4[i]] = &t4->out[v4[i]];
	for (i = 0; i < n6; i++)
		pre[i6[i]] = &t6->out[v6[i]];
	for (i = 0; i < n; i++) {
		if (rc[i] != LK_GENERAL)
			continue;
		rc[i] =
		    route_get(f, &fl[i], &ret[i], fl[i].family == AF_INET ? t4 : t6, pre[i], NULL);
	}
}

void lk_fast_route_get_bulk(const struct fib *f, const struct fm_flow *fl, struct fm_result *ret,
			    int *rc, size_t n)
{
	const struct fib_table *t4 = f->main4, *t6 = fib_table_find(f, AF_INET6, RT_TABLE_MAIN);

	while (n) {
		size_t m = n < LK_BULK ? n : LK_BULK;

		bulk_chunk(f, t4, t6, fl, ret, rc, m);
		fl += m;
		ret += m;
		rc += m;
		n -= m;
	}
}
