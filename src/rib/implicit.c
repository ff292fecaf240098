// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * What the kernel does without telling anyone (kernel-semantics.md §4, §7,
 * §10), applied by the mirror itself, at once, and flagged implicit:
 *
 *  admin down      IPv4 hops on the device become dead+linkdown, except in
 *                  host-scope routes (their nexthop scope is "nowhere"); a
 *                  route with every hop dead is flushed (fib_sync_down_dev).
 *                  IPv6 single-hop routes on it go; ECMP members get
 *                  dead+linkdown, the route goes when all are dead
 *                  (fib6_ifdown). Nexthop objects on the device go
 *                  (nexthop_flush_dev), shrinking groups and taking the
 *                  routes that use them.
 *  carrier loss    hops get linkdown (not IPv6 local/anycast, not IPv4
 *                  host scope); nexthop objects on the device go.
 *  admin up        dead clears; carrier back: linkdown clears.
 *  carrier notice  linkwatch tells of carrier changes late (a bridge's at
 *                  most once a second) and merges an off and an on into one
 *                  notice of the state at the time, which the kernel applies
 *                  whatever came before (NETDEV_CHANGE: fib_sync_up or
 *                  fib_sync_down_dev, rt6_sync_up or rt6_sync_down_dev,
 *                  nexthop_flush_dev). Hops added meanwhile carry the flag
 *                  of their moment, so a notice that shows no change is
 *                  applied too once such a hop has come (carrier_doubt).
 *  unregister      every IPv4 route with a hop on the device goes, multipath
 *                  or not; IPv6 routes lose the hops on it; nexthop objects go.
 *  last IPv4 addr  every IPv4 route through the device is flushed as on a
 *                  forced down (fib_disable_ip).
 *  address gone    routes in table main whose prefsrc it was are flushed,
 *                  unless another device still holds it (fib_sync_down_addr).
 *
 * Changes the kernel does announce (IPv6 deletes) arrive later as no-ops.
 */
#include "rib.h"
#include "index/index.h"

#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000 /* <linux/if.h> clashes with <net/if.h> */
#endif

#define DEAD_DOWN (RTNH_F_DEAD | RTNH_F_LINKDOWN)

struct dev_scan {
	struct rib_route **routes;
	size_t nr;
	struct rib_nh **nhs;
	size_t nn;
};

/* The routes and nexthop objects with a hop on @ifindex, each once. */
static void dev_scan(struct rib *rib, int ifindex, struct dev_scan *s)
{
	struct rib_hop **hops;
	long n = idx_hops_on_dev(rib, ifindex, &hops), i;

	memset(s, 0, sizeof(*s));
	if (n <= 0)
		return;
	s->routes = calloc((size_t)n, sizeof(*s->routes));
	s->nhs = calloc((size_t)n, sizeof(*s->nhs));
	if (!s->routes || !s->nhs) {
		free(s->routes);
		free(s->nhs);
		s->routes = NULL;
		s->nhs = NULL;
		free(hops);
		return;
	}
	rib->mark++;
	for (i = 0; i < n; i++) {
		struct rib_route *r = hop_route(hops[i]);

		if (!r) {
			s->nhs[s->nn++] = hop_nh(hops[i]);
		} else if (r->mark != rib->mark) {
			r->mark = rib->mark;
			s->routes[s->nr++] = r;
		}
	}
	free(hops);
}

static void dev_scan_free(struct dev_scan *s)
{
	free(s->routes);
	free(s->nhs);
}

static void flush_nexthops(struct rib *rib, struct dev_scan *s, bool keep_blackhole)
{
	size_t i;

	for (i = 0; i < s->nn; i++)
		if (!(keep_blackhole && s->nhs[i]->o.blackhole))
			rib_nh_remove(rib, s->nhs[i], true);
}

/* Set @set / clear @clr on the hops of @r that use @ifindex; return how many
 * hops of @r are dead afterwards. */
static int hops_mark(struct rib_route *r, int ifindex, uint8_t set, uint8_t clr, bool *changed)
{
	int i, dead = 0;

	for (i = 0; i < r->nhops; i++) {
		struct fm_hop *h = &r->hops[i].h;
		uint8_t f = h->flags;

		if (h->ifindex == ifindex)
			h->flags = (uint8_t)((h->flags | set) & ~clr);
		*changed |= f != h->flags;
		dead += (h->flags & RTNH_F_DEAD) != 0;
	}
	return dead;
}

/* Keep only the hops not on @ifindex (IPv6 siblings deleted one by one). */
static void v6_drop_hops(struct rib *rib, struct rib_route *r, int ifindex)
{
	struct fm_hop keep[RIB_MAX_HOPS];
	int i, n = 0;

	for (i = 0; i < r->nhops && n < RIB_MAX_HOPS; i++)
		if (r->hops[i].h.ifindex != ifindex)
			keep[n++] = r->hops[i].h;
	if (n == 0) {
		rib_route_remove(rib, r, true);
		return;
	}
	rib->implicit++;
	rib_route_set_hops(rib, r, keep, n);
}

static void route_down(struct rib *rib, struct rib_route *r, int ifindex, bool unregister)
{
	bool changed = false;
	int dead;

	if (r->key.family == AF_INET) {
		if (unregister) {
			rib_route_remove(rib, r, true);
			return;
		}
		if (r->scope == RT_SCOPE_HOST)
			return;
	} else if (unregister || r->nhops == 1) {
		if (r->nhops > 1)
			v6_drop_hops(rib, r, ifindex);
		else
			rib_route_remove(rib, r, true);
		return;
	}
	dead = hops_mark(r, ifindex, DEAD_DOWN, 0, &changed);
	if (dead == r->nhops)
		rib_route_remove(rib, r, true);
	else if (changed)
		rib_route_changed(rib, r, true);
}

static void link_down(struct rib *rib, int ifindex, bool unregister)
{
	struct dev_scan s;
	size_t i;

	dev_scan(rib, ifindex, &s);
	flush_nexthops(rib, &s, !unregister);
	for (i = 0; i < s.nr; i++)
		route_down(rib, s.routes[i], ifindex, unregister);
	dev_scan_free(&s);
}

static void carrier_down(struct rib *rib, int ifindex)
{
	struct dev_scan s;
	size_t i;

	dev_scan(rib, ifindex, &s);
	flush_nexthops(rib, &s, true);
	for (i = 0; i < s.nr; i++) {
		struct rib_route *r = s.routes[i];
		bool changed = false;

		if (r->key.family == AF_INET && r->scope == RT_SCOPE_HOST)
			continue;
		if (r->key.family == AF_INET6 && (r->type == RTN_LOCAL || r->type == RTN_ANYCAST))
			continue;
		hops_mark(r, ifindex, RTNH_F_LINKDOWN, 0, &changed);
		if (changed)
			rib_route_changed(rib, r, true);
	}
	dev_scan_free(&s);
}

static void hops_clear(struct rib *rib, int ifindex, uint8_t clr, uint8_t family)
{
	struct dev_scan s;
	size_t i;

	dev_scan(rib, ifindex, &s);
	for (i = 0; i < s.nr; i++) {
		bool changed = false;

		if (family && s.routes[i]->key.family != family)
			continue;
		hops_mark(s.routes[i], ifindex, 0, clr, &changed);
		if (changed)
			rib_route_changed(rib, s.routes[i], true);
	}
	dev_scan_free(&s);
}

void rib_implicit_link_change(struct rib *rib, const struct fm_link *old, struct rib_link *rl)
{
	const struct fm_link *l = &rl->o;
	bool was_up = old->flags & IFF_UP, up = l->flags & IFF_UP;
	bool was_carrier = old->flags & IFF_LOWER_UP, carrier = l->flags & IFF_LOWER_UP;
	bool doubt = rl->carrier_doubt;

	rl->carrier_doubt = false;
	if (was_up && !up) {
		link_down(rib, l->ifindex, false);
		return;
	}
	if (!up)
		return;
	/* fib_sync_up(RTNH_F_DEAD) clears linkdown too when the carrier is on. */
	if (!was_up)
		hops_clear(rib, l->ifindex, RTNH_F_DEAD | (carrier ? RTNH_F_LINKDOWN : 0), 0);
	else if (carrier && (!was_carrier || doubt))
		hops_clear(rib, l->ifindex, RTNH_F_LINKDOWN, 0);
	else if (!carrier && (was_carrier || doubt))
		carrier_down(rib, l->ifindex);
}

/* A route's hop or a nexthop object on @ifindex, flagged @linkdown, has come.
 * Linkdown on a device the mirror knows has carrier, or none on one it knows
 * has none (a nexthop object needs carrier), means the carrier changed since
 * the last notice: the next one is applied even if it shows no change.
 * Host-scope hops never get the flag: on a device without carrier they cost
 * one needless rescan. */
void rib_implicit_hop_new(struct rib *rib, int ifindex, bool linkdown)
{
	struct rib_link *l = ifindex ? rib_link_find(rib, ifindex) : NULL;

	if (l && linkdown == !!(l->o.flags & IFF_LOWER_UP))
		l->carrier_doubt = true;
}

void rib_implicit_link_gone(struct rib *rib, const struct fm_link *l)
{
	link_down(rib, l->ifindex, true);
}

static bool addr_held(const struct rib *rib, const struct fm_address *a, bool same_dev)
{
	struct hnode *n;
	size_t i;

	htab_for_each (&rib->links, i, n) {
		struct rib_link *l = container_of(n, struct rib_link, hn);
		struct ilist *p;

		if (same_dev && l->o.ifindex != a->ifindex)
			continue;
		for (p = l->addrs[0].next; p != &l->addrs[0]; p = p->next) {
			const struct fm_address *b = &container_of(p, struct rib_addr, link)->o;

			if (same_dev || memcmp(b->local.b, a->local.b, 4) == 0)
				return true;
		}
	}
	return false;
}

/* fib_disable_ip(force): every IPv4 hop on the device dies, host scope too. */
static void last_addr_gone(struct rib *rib, int ifindex)
{
	struct dev_scan s;
	size_t i;

	dev_scan(rib, ifindex, &s);
	for (i = 0; i < s.nr; i++) {
		struct rib_route *r = s.routes[i];
		bool changed = false;

		if (r->key.family != AF_INET)
			continue;
		if (hops_mark(r, ifindex, DEAD_DOWN, 0, &changed) == r->nhops)
			rib_route_remove(rib, r, true);
		else if (changed)
			rib_route_changed(rib, r, true);
	}
	dev_scan_free(&s);
}

/* fib_sync_down_addr(): main-table routes whose prefsrc was @a. */
static void prefsrc_gone(struct rib *rib, const struct fm_address *a)
{
	struct rib_route **v = NULL, **t;
	size_t n = 0, cap = 0, i;
	struct hnode *hn;

	htab_for_each (&rib->routes, i, hn) {
		struct rib_route *r = container_of(hn, struct rib_route, hn);

		if (r->key.family != AF_INET || r->key.table != RT_TABLE_MAIN)
			continue;
		for (; r; r = r->next) {
			if (!r->ext || r->ext->prefsrc_family != AF_INET ||
			    memcmp(r->ext->prefsrc, a->local.b, 4))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				if (!(t = realloc(v, cap * sizeof(*v))))
					goto out;
				v = t;
			}
			v[n++] = r;
		}
	}
out:
	for (i = 0; i < n; i++)
		rib_route_remove(rib, v[i], true);
	free(v);
}

/* fib_inetaddr_event(NETDEV_UP) -> fib_sync_up(dev, RTNH_F_DEAD): a new IPv4
 * address revives the dead nexthops on an up device (linkdown too, with carrier). */
void rib_implicit_addr_new(struct rib *rib, const struct fm_address *a)
{
	const struct rib_link *l = rib_link_find(rib, a->ifindex);

	if (a->family != AF_INET || !l || !(l->o.flags & IFF_UP))
		return;
	hops_clear(rib, a->ifindex,
		   RTNH_F_DEAD | ((l->o.flags & IFF_LOWER_UP) ? RTNH_F_LINKDOWN : 0), AF_INET);
}

void rib_implicit_addr_gone(struct rib *rib, const struct fm_address *a)
{
	if (a->family != AF_INET)
		return;
	if (!addr_held(rib, a, true)) {
		last_addr_gone(rib, a->ifindex);
		return;
	}
	if (!addr_held(rib, a, false))
		prefsrc_gone(rib, a);
}
