// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The reference rule walk (fib_rules_lookup, fib_rule_match, fib4/6_rule_*)
 * and the small state readers every path needs.
 *
 * Rules are tried in list order. All selectors of a rule must match, and
 * `not` inverts the whole match. A goto lands on the first rule with the
 * target priority and tests it too; an unresolved goto is a non-match. A
 * table lookup that finds nothing, a missing table and a throw route all
 * mean "next rule" (-EAGAIN); suppress_prefixlength / suppress_ifgroup can
 * veto a found route; blackhole/unreachable/prohibit actions and route-type
 * errors are final. Nothing decided: -ENETUNREACH. (kernel-semantics §1.)
 */
#include "ref.h"

#include "fib/fib.h"

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <string.h>

/* ----------------------------------------------------------- environment */

/* The error a route type answers with (fib_props[], ip6_rt_type_to_error):
 * throw's -EAGAIN sends the rule walk on. */
int ref_type_error(uint8_t type)
{
	switch (type) {
	case RTN_BLACKHOLE:
	case RTN_NAT:
	case RTN_XRESOLVE:
		return -EINVAL;
	case RTN_UNREACHABLE:
		return -EHOSTUNREACH;
	case RTN_PROHIBIT:
		return -EACCES;
	case RTN_THROW:
		return -EAGAIN;
	default:
		return 0;
	}
}

bool ref_link_up(const struct lookup_env *env, int ifindex)
{
	const struct rib_link *l = rib_link_find(env->rib, ifindex);

	return l && (l->o.flags & 1 /* IFF_UP */);
}

static int32_t nc_field(const struct fm_netconf *nc, int field)
{
	if (!nc)
		return -1;
	switch (field) {
	case NC_FORWARDING:
		return nc->forwarding;
	case NC_RP_FILTER:
		return nc->rp_filter;
	default:
		return nc->mc_forwarding;
	}
}

/* The device's own value; the "all" value when the device has none. */
int ref_netconf(const struct lookup_env *env, uint8_t family, int ifindex, int field)
{
	int32_t v = nc_field(rib_netconf_find(env->rib, family, ifindex), field);

	if (v < 0)
		v = nc_field(rib_netconf_find(env->rib, family, NETCONFA_IFINDEX_ALL), field);
	return v < 0 ? 0 : v;
}

bool ref_ignore_linkdown(const struct lookup_env *env, uint8_t family, int ifindex)
{
	const struct fm_netconf *all = rib_netconf_find(env->rib, family, NETCONFA_IFINDEX_ALL);
	const struct fm_netconf *dev = rib_netconf_find(env->rib, family, ifindex);

	return (all && all->ignore_routes_with_linkdown > 0) ||
	       (dev && dev->ignore_routes_with_linkdown > 0);
}

/* The longest length in @lens, -1 if none. */
static int top_len(const uint64_t lens[3])
{
	int w;

	for (w = 2; w >= 0; w--)
		if (lens[w])
			return w * 64 + 63 - __builtin_clzll(lens[w]);
	return -1;
}

int ref_walk_hint(const struct lookup_env *env, uint8_t family, uint32_t table, const uint8_t *dst,
		  const uint64_t **lens)
{
	const struct fib_table *t;

	*lens = NULL;
	if (env->plain)
		return family == AF_INET ? 32 : 128;
	if (!env->fib) { /* the lengths of the table's route keys */
		const struct rib_tlens *tl = rib_tlens_find(env->rib, family, table);

		if (!tl)
			return -1;
		*lens = tl->lens;
		return top_len(*lens);
	}
	if (!(t = fib_table_find(env->fib, family, table)))
		return -1; /* no route in the table at all */
	*lens = t->lens;
	return fib_table_lookup(t, dst)->top;
}

int64_t ref_sysctl(const struct lookup_env *env, const char *name, int64_t dflt)
{
	int i;

	if (!env->sys)
		return dflt;
	for (i = 0; i < SYSCTL_COUNT; i++)
		if (!strcmp(sysctl_names[i], name))
			return env->sys->v[i] < 0 ? dflt : env->sys->v[i];
	return dflt;
}

int ref_route_hops(const struct lookup_env *env, const struct rib_route *r, struct fm_hop *out,
		   int max)
{
	return rib_route_hops(env->rib, r, out, max);
}

void ref_kflow(const struct fm_flow *f, uint32_t uid, struct kflow *k)
{
	int alen = fam_alen(f->family);

	memset(k, 0, sizeof(*k));
	k->family = f->family;
	k->tos = f->tos;
	k->proto = f->ip_proto;
	k->has_saddr = f->src.family != 0;
	memcpy(k->dst, f->dst.b, alen);
	if (k->has_saddr)
		memcpy(k->src, f->src.b, alen);
	k->mark = f->mark;
	k->uid = (f->flags & FM_FLOW_UID) ? f->uid : uid;
	k->sport = f->sport;
	k->dport = f->dport;
}

/* ------------------------------------------------------------- selectors */

static bool prefix_match(const uint8_t *a, const uint8_t *p, int len)
{
	int full = len / 8, rest = len % 8;

	if (memcmp(a, p, full))
		return false;
	return !rest || ((a[full] ^ p[full]) & (0xff << (8 - rest))) == 0;
}

static bool dev_match(const struct lookup_env *env, const char *name, int ifindex)
{
	const struct rib_link *l;

	if (!name[0])
		return true;
	l = rib_link_by_name(env->rib, name);
	return l && l->o.ifindex == ifindex; /* a detached rule never matches */
}

static bool ports_match(uint32_t attrs, uint32_t bit, uint16_t lo, uint16_t hi, uint16_t port)
{
	return !(attrs & bit) || (!lo && !hi) || (port >= lo && port <= hi);
}

static bool selectors_match(const struct lookup_env *env, const struct fm_rule *r,
			    const struct kflow *fl)
{
	uint32_t mask = (r->attrs & FM_RULE_FWMASK) ? r->fwmask : r->fwmark ? UINT32_MAX : 0;
	uint8_t tosmask = fl->family == AF_INET ? 0x1c : 0xfc;

	if (!dev_match(env, r->iifname, fl->iif) || !dev_match(env, r->oifname, fl->oif))
		return false;
	if ((r->fwmark ^ fl->mark) & mask)
		return false;
	if (((r->attrs & FM_RULE_TUN_ID) && r->tun_id) || r->l3mdev)
		return false; /* no tunnel metadata, no VRF in a route lookup here */
	if ((r->attrs & FM_RULE_UIDRANGE) && (fl->uid < r->uid_start || fl->uid > r->uid_end))
		return false;
	if (r->dst_len && !prefix_match(fl->dst, r->dst.b, r->dst_len))
		return false;
	/* IPv4 compares a missing source as 0.0.0.0; IPv6 needs a source. */
	if (r->src_len && ((fl->family == AF_INET6 && !fl->has_saddr) ||
			   !prefix_match(fl->src, r->src.b, r->src_len)))
		return false;
	if (r->tos && r->tos != (fl->tos & tosmask))
		return false;
	if (r->ip_proto && r->ip_proto != fl->proto)
		return false;
	return ports_match(r->attrs, FM_RULE_SPORT, r->sport_lo, r->sport_hi, fl->sport) &&
	       ports_match(r->attrs, FM_RULE_DPORT, r->dport_lo, r->dport_hi, fl->dport);
}

static bool rule_match(const struct lookup_env *env, const struct fm_rule *r,
		       const struct kflow *fl)
{
	return selectors_match(env, r, fl) != !!(r->flags & FIB_RULE_INVERT);
}

/* ------------------------------------------------------------------ walk */

static bool suppressed(const struct lookup_env *env, const struct fm_rule *r,
		       const struct kres *res)
{
	const struct rib_link *dev;

	if ((r->attrs & FM_RULE_SUPPRESS_PREFIXLEN) &&
	    res->route->key.dst_len <= r->suppress_prefixlen)
		return true;
	if (!(r->attrs & FM_RULE_SUPPRESS_IFGROUP) || !res->nh)
		return false;
	dev = rib_link_find(env->rib, res->nh->ifindex);
	return dev && dev->o.group == r->suppress_ifgroup;
}

int ref_rule_verdict(uint8_t action)
{
	switch (action) {
	case FR_ACT_TO_TBL:
	case FR_ACT_NOP:
	case FR_ACT_GOTO:
		return 0;
	case FR_ACT_BLACKHOLE:
		return -EINVAL;
	case FR_ACT_UNREACHABLE:
		return -ENETUNREACH;
	case FR_ACT_PROHIBIT:
		return -EACCES;
	default:
		return -EINVAL;
	}
}

static long goto_target(const struct rib_rules *l, uint32_t pref)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (l->v[i].priority == pref)
			return (long)i;
	return -1;
}

int ref_rules(const struct lookup_env *env, const struct kflow *fl, ref_table_fn lookup,
	      struct kres *res)
{
	const struct rib_rules *l = &env->rib->rules[fam_idx(fl->family)];
	size_t i, steps = 0;
	long t;
	int rc;

	for (i = 0; i < l->n && steps++ <= 2 * l->n; i++) {
		const struct fm_rule *r = &l->v[i];

		if (!rule_match(env, r, fl))
			continue;
		if (r->action == FR_ACT_GOTO) {
			/* Lands on the target and tests it; unresolved: no match. */
			t = goto_target(l, r->goto_target);
			if (t > (long)i)
				i = (size_t)t - 1;
			continue;
		}
		if ((rc = ref_rule_verdict(r->action)))
			return rc;
		if (r->action != FR_ACT_TO_TBL)
			continue;
		rc = lookup(env, r->table, fl, res);
		if (rc == -EAGAIN || (rc == 0 && suppressed(env, r, res)))
			continue;
		return rc;
	}
	return -ENETUNREACH;
}

void ref_fill_route(const struct kres *res, uint8_t family, struct fm_result *ret)
{
	const struct rib_route *r = res->route;
	int alen = fam_alen(family), i;

	ret->has_table = true;
	ret->table = res->table;
	ret->type = res->type;
	ret->protocol = r->protocol;
	ret->scope = r->scope;
	ret->pref = r->pref;
	ret->priority = r->priority;
	ret->nhid = r->nhid;
	ret->dst_len = r->key.dst_len;
	ret->src_len = r->key.src_len;
	ret->dst.family = ret->src.family = family;
	memcpy(ret->dst.b, r->key.dst, alen);
	memcpy(ret->src.b, r->key.src, alen);
	ret->nhops = (uint16_t)res->nhops;
	for (i = 0; i < res->nhops; i++)
		ret->hops[i] = res->hops[i];
	ret->chosen = (int16_t)res->nh_sel;
	if (res->nh) {
		ret->gw = res->nh->gw;
		ret->oif = res->nh->ifindex;
	}
}
