// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Export: internal objects to the public structs of fibmirror.h, and
 * iteration in a stable order (routes by family, table, prefix; then the
 * kernel's alias order).
 *
 * Some route attributes are not stored but derived here, exactly as the
 * kernel derives them when it fills a dump: a route using a nexthop object
 * shows that object's nexthops (nexthop_compat_mode), and a linkdown hop is
 * also shown dead while ignore_routes_with_linkdown is set for its device or
 * for "all" (fib_nexthop_info).
 */
#include "rib.h"

#include <errno.h>
#include <linux/netconf.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

static struct fm_hop *scratch(struct rib *rib, size_t n)
{
	struct fm_hop *p;

	if (n <= rib->scratch_n)
		return rib->scratch;
	p = realloc(rib->scratch, n * sizeof(*p));
	if (!p)
		return NULL;
	rib->scratch = p;
	rib->scratch_n = n;
	return p;
}

static bool ignore_linkdown(const struct rib *rib, uint8_t family, int ifindex)
{
	const struct fm_netconf *all = rib_netconf_find(rib, family, NETCONFA_IFINDEX_ALL);
	const struct fm_netconf *dev = rib_netconf_find(rib, family, ifindex);

	return (all && all->ignore_routes_with_linkdown > 0) ||
	       (dev && dev->ignore_routes_with_linkdown > 0);
}

/* The nexthops a route with nhid has: the object's, or its group members'. */
static int nh_hops(const struct rib *rib, const struct rib_route *r, struct fm_hop *h, int max)
{
	const struct rib_nh *nh = rib_nh_find(rib, r->nhid), *m;
	int i, n = 0;

	if (!nh || max < 1)
		return 0;
	if (nh->o.blackhole) {
		/* A blackhole nexthop sits on the loopback device (compat dumps). */
		memset(h, 0, sizeof(*h));
		h->ifindex = rib_loopback(rib);
		h->weight = 1;
		return h->ifindex ? 1 : 0;
	}
	if (!nh->o.nmembers) {
		if (!nh->o.ifindex && !nh->o.gw.family)
			return 0;
		h[0] = nh->hop.h;
		return 1;
	}
	for (i = 0; i < nh->o.nmembers && n < max; i++) {
		if (!(m = rib_nh_find(rib, nh->o.members[i].id)))
			continue;
		h[n] = m->hop.h;
		h[n++].weight = nh->o.members[i].weight;
	}
	return n;
}

/* An upper bound of what rib_route_hops() returns for @r. */
static int hop_count(const struct rib *rib, const struct rib_route *r)
{
	const struct rib_nh *nh;

	if (!r->nhid)
		return r->nhops;
	nh = rib_nh_find(rib, r->nhid);
	return !nh ? 0 : nh->o.nmembers ? nh->o.nmembers : 1;
}

int rib_route_hops(const struct rib *rib, const struct rib_route *r, struct fm_hop *h, int max)
{
	int i, n;

	if (r->nhid) {
		n = nh_hops(rib, r, h, max);
	} else {
		n = r->nhops < max ? r->nhops : max;
		for (i = 0; i < n; i++)
			h[i] = r->hops[i].h;
	}
	for (i = 0; i < n; i++)
		if ((h[i].flags & RTNH_F_LINKDOWN) &&
		    ignore_linkdown(rib, r->key.family, h[i].ifindex))
			h[i].flags |= RTNH_F_DEAD;
	return n;
}

void rib_route_export(struct rib *rib, const struct rib_route *r, struct fm_route *out)
{
	struct fm_hop *h = NULL;
	int i, alen = fam_alen(r->key.family);

	memset(out, 0, sizeof(*out));
	out->family = r->key.family;
	out->dst_len = r->key.dst_len;
	out->src_len = r->key.src_len;
	out->table = r->key.table;
	out->dst.family = out->src.family = r->key.family;
	memcpy(out->dst.b, r->key.dst, alen);
	memcpy(out->src.b, r->key.src, alen);
	out->tos = r->tos;
	out->type = r->type;
	out->protocol = r->protocol;
	out->scope = r->scope;
	out->pref = r->pref;
	out->priority = r->priority;
	out->flags = r->flags;
	out->nhid = r->nhid;
	out->expires = r->expires ? rib_expiry_left(r->expires) : 0;
	if (r->ext) {
		out->prefsrc.family = r->ext->prefsrc_family;
		memcpy(out->prefsrc.b, r->ext->prefsrc, sizeof(r->ext->prefsrc));
		out->metrics_mask = r->ext->metrics_mask;
		memcpy(out->metrics, r->ext->metrics, sizeof(out->metrics));
	}
	if ((i = hop_count(rib, r)) > 0 && (h = scratch(rib, (size_t)i)))
		out->nhops = (uint16_t)rib_route_hops(rib, r, h, i);
	/* A single nexthop's flags are the route's (rtm_flags), as in a dump. */
	if (out->nhops == 1 && !r->nhid)
		out->flags = (out->flags & ~0xffu) | h[0].flags;
	out->hops = h;
}

/* -------------------------------------------------------------- iteration */

static int route_cmp(const void *a, const void *b)
{
	const struct rib_key *x = &(*(struct rib_route *const *)a)->key;
	const struct rib_key *y = &(*(struct rib_route *const *)b)->key;
	int c;

	if (x->family != y->family)
		return x->family - y->family;
	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	if ((c = memcmp(x->dst, y->dst, 16)))
		return c;
	if (x->dst_len != y->dst_len)
		return x->dst_len - y->dst_len;
	if ((c = memcmp(x->src, y->src, 16)))
		return c;
	return x->src_len - y->src_len;
}

static bool route_wanted(const struct rib_route *r, const struct fm_route_filter *f)
{
	if (!f)
		return true;
	if (f->family && r->key.family != f->family)
		return false;
	return f->any_table || r->key.table == f->table;
}

int rib_route_foreach(struct rib *rib, const struct fm_route_filter *f, fm_route_cb cb, void *arg)
{
	struct rib_route **v;
	struct hnode *n;
	size_t i, cnt = 0;
	int rc = 0;

	v = malloc((rib->routes.n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	htab_for_each (&rib->routes, i, n) {
		struct rib_route *r = container_of(n, struct rib_route, hn);

		if (route_wanted(r, f))
			v[cnt++] = r;
	}
	qsort(v, cnt, sizeof(*v), route_cmp);
	for (i = 0; i < cnt && !rc; i++) {
		struct rib_route *r;

		for (r = v[i]; r && !rc; r = r->next) {
			struct fm_route out;

			rib_route_export(rib, r, &out);
			rc = cb(&out, arg);
		}
	}
	free(v);
	return rc;
}

static int int_cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

/* Collect (sort key, object) pairs of a table sorted by key. */
static long *sorted_keys(const struct htab *t, long (*key)(const struct hnode *))
{
	long *v = malloc((t->n + 1) * 2 * sizeof(*v));
	struct hnode *n;
	size_t i, cnt = 0;

	if (!v)
		return NULL;
	htab_for_each (t, i, n) {
		v[cnt * 2] = key(n);
		v[cnt * 2 + 1] = (long)(uintptr_t)n;
		cnt++;
	}
	qsort(v, cnt, 2 * sizeof(*v), int_cmp);
	return v;
}

static long nh_key(const struct hnode *n)
{
	return container_of(n, struct rib_nh, hn)->o.id;
}

static long link_key(const struct hnode *n)
{
	return container_of(n, struct rib_link, hn)->o.ifindex;
}

int rib_nh_foreach(struct rib *rib, fm_nexthop_cb cb, void *arg)
{
	long *v = sorted_keys(&rib->nhs, nh_key);
	size_t i;
	int rc = 0;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < rib->nhs.n && !rc; i++)
		rc =
		    cb(&container_of((struct hnode *)(uintptr_t)v[i * 2 + 1], struct rib_nh, hn)->o,
		       arg);
	free(v);
	return rc;
}

int rib_link_foreach(struct rib *rib, fm_link_cb cb, void *arg)
{
	long *v = sorted_keys(&rib->links, link_key);
	size_t i;
	int rc = 0;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < rib->links.n && !rc; i++)
		rc = cb(
		    &container_of((struct hnode *)(uintptr_t)v[i * 2 + 1], struct rib_link, hn)->o,
		    arg);
	free(v);
	return rc;
}

static int addrs_of(struct rib_link *l, int f, fm_addr_cb cb, void *arg)
{
	struct ilist *p;
	int rc = 0;

	for (p = l->addrs[f].next; p != &l->addrs[f] && !rc; p = p->next)
		rc = cb(&container_of(p, struct rib_addr, link)->o, arg);
	return rc;
}

int rib_addr_foreach(struct rib *rib, uint8_t family, fm_addr_cb cb, void *arg)
{
	long *v = sorted_keys(&rib->links, link_key);
	size_t i;
	int rc = 0;

	if (!v)
		return -ENOMEM;
	for (i = 0; i < rib->links.n && !rc; i++) {
		struct rib_link *l =
		    container_of((struct hnode *)(uintptr_t)v[i * 2 + 1], struct rib_link, hn);

		if (family != AF_INET6)
			rc = addrs_of(l, 0, cb, arg);
		if (!rc && family != AF_INET)
			rc = addrs_of(l, 1, cb, arg);
	}
	free(v);
	return rc;
}

int rib_rule_foreach(struct rib *rib, uint8_t family, fm_rule_cb cb, void *arg)
{
	int f, rc = 0;
	size_t i;

	for (f = 0; f < 2 && !rc; f++) {
		if (family && fam_idx(family) != f)
			continue;
		for (i = 0; i < rib->rules[f].n && !rc; i++) {
			struct fm_rule out;

			rib_rule_export(rib, &rib->rules[f].v[i], &out);
			rc = cb(&out, arg);
		}
	}
	return rc;
}
