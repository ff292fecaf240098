// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Gateway and device indexes (see index.h).
 *
 * Layout: gwdev_node per (gateway, device) holds the hops with that gateway
 * on that device; gw_node per gateway lists its gwdev_nodes; dev_node per
 * device holds every hop on it. Nodes exist only while non-empty. A query by
 * gateway and device touches one gwdev_node; by gateway alone, that gateway's
 * gwdev_nodes. Routes reached twice (two hops via one gateway, a group with
 * two members via it) are reported once, using a per-query mark.
 */
#include "index.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct gw_node {
	struct hnode hn;
	struct fm_ip gw;
	struct ilist devs;
};

struct gwdev_node {
	struct hnode hn;
	struct fm_ip gw;
	int ifindex;
	struct ilist hops;
	struct ilist in_gw;
	struct gw_node *parent;
};

struct dev_node {
	struct hnode hn;
	int ifindex;
	struct ilist hops;
};

struct gwdev_key {
	struct fm_ip gw;
	int ifindex;
};

static uint64_t gw_hash(const struct fm_ip *gw)
{
	return fm_hash(gw, sizeof(*gw));
}

static uint64_t gwdev_hash(const struct fm_ip *gw, int ifindex)
{
	struct gwdev_key k;

	memset(&k, 0, sizeof(k));
	k.gw = *gw;
	k.ifindex = ifindex;
	return fm_hash(&k, sizeof(k));
}

static bool ip_eq(const struct fm_ip *a, const struct fm_ip *b)
{
	return a->family == b->family && memcmp(a->b, b->b, fam_alen(a->family)) == 0;
}

static bool gw_eq(const struct hnode *n, const void *key)
{
	return ip_eq(&container_of(n, struct gw_node, hn)->gw, key);
}

static bool gwdev_eq(const struct hnode *n, const void *key)
{
	const struct gwdev_node *g = container_of(n, struct gwdev_node, hn);
	const struct gwdev_key *k = key;

	return g->ifindex == k->ifindex && ip_eq(&g->gw, &k->gw);
}

static bool dev_eq(const struct hnode *n, const void *key)
{
	return container_of(n, struct dev_node, hn)->ifindex == *(const int *)key;
}

static struct gw_node *gw_find(const struct rib *rib, const struct fm_ip *gw)
{
	struct hnode *n = htab_find(&rib->gw, gw_hash(gw), gw_eq, gw);

	return n ? container_of(n, struct gw_node, hn) : NULL;
}

static struct gwdev_node *gwdev_find(const struct rib *rib, const struct fm_ip *gw, int ifindex)
{
	struct gwdev_key k;
	struct hnode *n;

	memset(&k, 0, sizeof(k));
	k.gw = *gw;
	k.ifindex = ifindex;
	n = htab_find(&rib->gwdev, gwdev_hash(gw, ifindex), gwdev_eq, &k);
	return n ? container_of(n, struct gwdev_node, hn) : NULL;
}

static struct dev_node *dev_find(const struct rib *rib, int ifindex)
{
	struct hnode *n = htab_find(&rib->dev, fm_hash_u64((uint64_t)ifindex), dev_eq, &ifindex);

	return n ? container_of(n, struct dev_node, hn) : NULL;
}

static struct gwdev_node *gwdev_get(struct rib *rib, const struct fm_ip *gw, int ifindex)
{
	struct gwdev_node *g = gwdev_find(rib, gw, ifindex);
	struct gw_node *p;

	if (g)
		return g;
	p = gw_find(rib, gw);
	if (!p) {
		if (!(p = calloc(1, sizeof(*p))))
			return NULL;
		p->gw = *gw;
		ilist_init(&p->devs);
		htab_insert(&rib->gw, &p->hn, gw_hash(gw));
		rib->mem += sizeof(*p);
	}
	if (!(g = calloc(1, sizeof(*g)))) {
		if (ilist_empty(&p->devs)) {
			htab_remove(&rib->gw, &p->hn);
			free(p);
		}
		return NULL;
	}
	g->gw = *gw;
	g->ifindex = ifindex;
	g->parent = p;
	ilist_init(&g->hops);
	ilist_add_tail(&p->devs, &g->in_gw);
	htab_insert(&rib->gwdev, &g->hn, gwdev_hash(gw, ifindex));
	rib->mem += sizeof(*g);
	return g;
}

static struct dev_node *dev_get(struct rib *rib, int ifindex)
{
	struct dev_node *d = dev_find(rib, ifindex);

	if (d || !(d = calloc(1, sizeof(*d))))
		return d;
	d->ifindex = ifindex;
	ilist_init(&d->hops);
	htab_insert(&rib->dev, &d->hn, fm_hash_u64((uint64_t)ifindex));
	rib->mem += sizeof(*d);
	return d;
}

/* An index that cannot allocate a node leaves that hop unindexed (its links
 * stay NULL, so removal is still safe); the RIB itself stays exact. */
void idx_hop_add(struct rib *rib, struct rib_hop *h)
{
	struct gwdev_node *g;
	struct dev_node *d;

	if (h->h.gw.family && (g = gwdev_get(rib, &h->h.gw, h->h.ifindex)))
		ilist_add_tail(&g->hops, &h->gw_link);
	if (h->h.ifindex && (d = dev_get(rib, h->h.ifindex)))
		ilist_add_tail(&d->hops, &h->dev_link);
}

void idx_hop_del(struct rib *rib, struct rib_hop *h)
{
	struct gwdev_node *g;
	struct dev_node *d;

	if (ilist_linked(&h->gw_link)) {
		ilist_del(&h->gw_link);
		g = gwdev_find(rib, &h->h.gw, h->h.ifindex);
		if (g && ilist_empty(&g->hops)) {
			struct gw_node *p = g->parent;

			ilist_del(&g->in_gw);
			htab_remove(&rib->gwdev, &g->hn);
			free(g);
			rib->mem -= sizeof(*g);
			if (ilist_empty(&p->devs)) {
				htab_remove(&rib->gw, &p->hn);
				free(p);
				rib->mem -= sizeof(*p);
			}
		}
	}
	if (ilist_linked(&h->dev_link)) {
		ilist_del(&h->dev_link);
		d = dev_find(rib, h->h.ifindex);
		if (d && ilist_empty(&d->hops)) {
			htab_remove(&rib->dev, &d->hn);
			free(d);
			rib->mem -= sizeof(*d);
		}
	}
}

/* ---------------------------------------------------------------- queries */

static int visit_route(struct rib *rib, struct rib_route *r, idx_visit_fn fn, void *arg)
{
	if (r->mark == rib->mark)
		return 0;
	r->mark = rib->mark;
	return fn(rib, r, arg);
}

static int visit_users(struct rib *rib, struct rib_nh *nh, idx_visit_fn fn, void *arg)
{
	struct ilist *p, *t;
	int rc = 0;

	ilist_for_each_safe (p, t, &nh->users) {
		rc = visit_route(rib, nh_user_route(p), fn, arg);
		if (rc)
			break;
	}
	return rc;
}

/* Routes through object @nh: its users, and the users of groups holding it. */
static int visit_nh(struct rib *rib, struct rib_nh *nh, idx_visit_fn fn, void *arg)
{
	struct hnode *n;
	size_t i;
	int rc = visit_users(rib, nh, fn, arg), k;

	htab_for_each (&rib->nhs, i, n) {
		struct rib_nh *g = container_of(n, struct rib_nh, hn);

		if (rc)
			return rc;
		for (k = 0; k < g->o.nmembers; k++) {
			if (g->o.members[k].id == nh->o.id) {
				rc = visit_users(rib, g, fn, arg);
				break;
			}
		}
	}
	return rc;
}

static int visit_hops(struct rib *rib, struct ilist *head, bool gw_list, idx_visit_fn fn, void *arg)
{
	struct ilist *p, *t;
	int rc = 0;

	ilist_for_each_safe (p, t, head) {
		struct rib_hop *h = gw_list ? container_of(p, struct rib_hop, gw_link)
					    : container_of(p, struct rib_hop, dev_link);

		rc = hop_nh(h) ? visit_nh(rib, hop_nh(h), fn, arg)
			       : visit_route(rib, hop_route(h), fn, arg);
		if (rc)
			break;
	}
	return rc;
}

int idx_by_gateway(struct rib *rib, const struct fm_ip *gw, int ifindex, idx_visit_fn fn, void *arg)
{
	struct gw_node *p;
	struct gwdev_node *g;
	struct ilist *d, *t;
	int rc = 0;

	if (gw->family != AF_INET && gw->family != AF_INET6)
		return -EINVAL;
	rib->mark++;
	if (ifindex) {
		g = gwdev_find(rib, gw, ifindex);
		return g ? visit_hops(rib, &g->hops, true, fn, arg) : 0;
	}
	p = gw_find(rib, gw);
	if (!p)
		return 0;
	ilist_for_each_safe (d, t, &p->devs) {
		g = container_of(d, struct gwdev_node, in_gw);
		rc = visit_hops(rib, &g->hops, true, fn, arg);
		if (rc)
			break;
	}
	return rc;
}

int idx_by_dev(struct rib *rib, int ifindex, idx_visit_fn fn, void *arg)
{
	struct dev_node *d = dev_find(rib, ifindex);

	rib->mark++;
	return d ? visit_hops(rib, &d->hops, false, fn, arg) : 0;
}

long idx_hops_on_dev(struct rib *rib, int ifindex, struct rib_hop ***ret)
{
	struct dev_node *d = dev_find(rib, ifindex);
	struct rib_hop **v;
	struct ilist *p;
	long n = 0;

	*ret = NULL;
	if (!d)
		return 0;
	for (p = d->hops.next; p != &d->hops; p = p->next)
		n++;
	v = malloc((size_t)n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	n = 0;
	for (p = d->hops.next; p != &d->hops; p = p->next)
		v[n++] = container_of(p, struct rib_hop, dev_link);
	*ret = v;
	return n;
}

/* ---------------------------------------------------------------- watches */

static bool hop_matches(const struct fm_hop *h, const struct fm_ip *gw, int ifindex)
{
	return ip_eq(&h->gw, gw) && (!ifindex || h->ifindex == ifindex);
}

bool idx_route_matches(const struct rib *rib, const struct rib_route *r, const struct fm_ip *gw,
		       int ifindex)
{
	const struct rib_nh *nh, *m;
	int i;

	for (i = 0; i < r->nhops; i++)
		if (hop_matches(&r->hops[i].h, gw, ifindex))
			return true;
	if (!r->nhid || !(nh = rib_nh_find(rib, r->nhid)))
		return false;
	if (!nh->o.nmembers)
		return hop_matches(&nh->hop.h, gw, ifindex);
	for (i = 0; i < nh->o.nmembers; i++)
		if ((m = rib_nh_find(rib, nh->o.members[i].id)) &&
		    hop_matches(&m->hop.h, gw, ifindex))
			return true;
	return false;
}

static void fire(struct rib *rib, struct rib_watch *w, const struct rib_route *r, bool added)
{
	struct fm_route out;

	rib_route_export(rib, r, &out);
	w->cb(&out, added, w->arg);
}

void idx_watch_route(struct rib *rib, const struct rib_route *r, bool added)
{
	struct ilist *p, *t;

	ilist_for_each_safe (p, t, &rib->watches) {
		struct rib_watch *w = container_of(p, struct rib_watch, link);

		if (idx_route_matches(rib, r, &w->gw, w->ifindex))
			fire(rib, w, r, added);
	}
}

void idx_watch_replace(struct rib *rib, const struct rib_route *old, const struct rib_route *new)
{
	struct ilist *p, *t;

	ilist_for_each_safe (p, t, &rib->watches) {
		struct rib_watch *w = container_of(p, struct rib_watch, link);
		bool was = idx_route_matches(rib, old, &w->gw, w->ifindex);
		bool is = idx_route_matches(rib, new, &w->gw, w->ifindex);

		if (was && !is)
			fire(rib, w, old, false);
		else if (!was && is)
			fire(rib, w, new, true);
	}
}

void idx_fini(struct rib *rib)
{
	struct hnode *n, *next;
	size_t i;
	struct htab *tabs[3] = {&rib->gw, &rib->gwdev, &rib->dev};
	size_t offs[3] = {offsetof(struct gw_node, hn), offsetof(struct gwdev_node, hn),
			  offsetof(struct dev_node, hn)};
	int k;

	for (k = 0; k < 3; k++) {
		for (i = 0; tabs[k]->b && i <= tabs[k]->mask; i++) {
			for (n = tabs[k]->b[i]; n; n = next) {
				next = n->next;
				free((char *)n - offs[k]);
			}
		}
		htab_fini(tabs[k]);
	}
}
