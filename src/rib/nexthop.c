// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Nexthop objects (ip nexthop), keyed by id.
 *
 * Routes that use an object hold only its id; their effective nexthops are
 * the object's, so a replace changes every such route at once, as in the
 * kernel. Deleting an object removes the routes that use it (IPv4 does this
 * silently) and shrinks every group that contains it; a group left empty goes
 * too, with its routes (remove_nexthop / remove_nh_grp_entry). Those side
 * effects are applied here, immediately, and flagged implicit.
 */
#include "rib.h"
#include "index/index.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

static bool nh_eq(const struct hnode *n, const void *key)
{
	return container_of(n, struct rib_nh, hn)->o.id == *(const uint32_t *)key;
}

struct rib_nh *rib_nh_find(const struct rib *rib, uint32_t id)
{
	struct hnode *n = htab_find(&rib->nhs, fm_hash_u64(id), nh_eq, &id);

	return n ? container_of(n, struct rib_nh, hn) : NULL;
}

static bool nh_same(const struct rib_nh *a, const struct fm_nexthop *b)
{
	struct fm_nexthop x = a->o, y = *b;

	if (x.nmembers != y.nmembers ||
	    (x.nmembers && memcmp(x.members, y.members, x.nmembers * sizeof(*x.members))))
		return false;
	x.members = y.members = NULL;
	return memcmp(&x, &y, sizeof(x)) == 0;
}

static void nh_set(struct rib *rib, struct rib_nh *n, const struct fm_nexthop *o,
		   struct fm_nh_member *members)
{
	rib->mem -= n->o.nmembers * sizeof(*members);
	free((void *)n->o.members);
	n->o = *o;
	n->o.members = members;
	rib->mem += o->nmembers * sizeof(*members);
	memset(&n->hop, 0, sizeof(n->hop));
	n->hop.owner = (uintptr_t)n | 1;
	n->hop.h.gw = o->gw;
	n->hop.h.ifindex = o->ifindex;
	n->hop.h.weight = 1;
	n->hop.h.flags = o->flags;
}

static struct fm_nh_member *members_dup(const struct fm_nexthop *o, int *err)
{
	struct fm_nh_member *m = NULL;

	*err = 0;
	if (o->nmembers && !(m = malloc(o->nmembers * sizeof(*m))))
		*err = -ENOMEM;
	else if (o->nmembers)
		memcpy(m, o->members, o->nmembers * sizeof(*m));
	return m;
}

/* Routes reached through @nh, directly or through a group containing it. */
static size_t nh_affected(struct rib *rib, struct rib_nh *nh, struct rib_route ***ret)
{
	struct rib_route **v = NULL, **t;
	size_t n = 0, cap = 0, i;
	struct hnode *hn;
	struct ilist *p, *tmp;

	htab_for_each (&rib->nhs, i, hn) {
		struct rib_nh *g = container_of(hn, struct rib_nh, hn);
		bool member = g == nh;
		int k;

		for (k = 0; k < g->o.nmembers && !member; k++)
			member = g->o.members[k].id == nh->o.id;
		if (!member)
			continue;
		ilist_for_each_safe (p, tmp, &g->users) {
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				t = realloc(v, cap * sizeof(*v));
				if (!t)
					break;
				v = t;
			}
			v[n++] = nh_user_route(p);
		}
	}
	*ret = v;
	return n;
}

/*
 * A nexthop object is about to change: every route reached through it may
 * gain or lose a gateway. The watches are evaluated for those routes before
 * (nh_change_begin) and after (nh_change_end), and fire where a match changed;
 * the routes are re-announced as implicit replacements.
 */
struct nh_change {
	struct rib_route **users;
	size_t nu;
	bool *was; /* [watch * nu + route] */
};

static void nh_change_begin(struct rib *rib, struct rib_nh *n, struct nh_change *c)
{
	struct ilist *w;
	size_t nw = 0, k = 0, i;

	for (w = rib->watches.next; w != &rib->watches; w = w->next)
		nw++;
	c->nu = nh_affected(rib, n, &c->users);
	c->was = calloc(c->nu * nw + 1, sizeof(*c->was));
	for (w = rib->watches.next; c->was && w != &rib->watches; w = w->next, k++) {
		struct rib_watch *x = container_of(w, struct rib_watch, link);

		for (i = 0; i < c->nu; i++)
			c->was[k * c->nu + i] =
			    idx_route_matches(rib, c->users[i], &x->gw, x->ifindex);
	}
}

static void nh_change_end(struct rib *rib, struct nh_change *c)
{
	struct ilist *w;
	size_t k = 0, i;

	for (w = rib->watches.next; c->was && w != &rib->watches; w = w->next, k++) {
		struct rib_watch *x = container_of(w, struct rib_watch, link);

		for (i = 0; i < c->nu; i++) {
			bool now = idx_route_matches(rib, c->users[i], &x->gw, x->ifindex);
			struct fm_route r;

			if (now == c->was[k * c->nu + i])
				continue;
			rib_route_export(rib, c->users[i], &r);
			x->cb(&r, now, x->arg);
		}
	}
	for (i = 0; i < c->nu; i++)
		rib_route_changed(rib, c->users[i], true);
	free(c->was);
	free(c->users);
}

static int nh_replace(struct rib *rib, struct rib_nh *n, const struct fm_nexthop *o)
{
	struct nh_change c;
	int err;
	struct fm_nh_member *m = members_dup(o, &err);

	if (err)
		return err;
	nh_change_begin(rib, n, &c);
	idx_hop_del(rib, &n->hop);
	nh_set(rib, n, o, m);
	if (n->o.ifindex || n->o.gw.family)
		idx_hop_add(rib, &n->hop);
	rib_emit(rib, FM_EV_REPLACE, FM_KIND_NEXTHOP, false, n);
	nh_change_end(rib, &c);
	return 0;
}

static int nh_add(struct rib *rib, const struct fm_nexthop *o)
{
	struct rib_nh *n = calloc(1, sizeof(*n));
	struct fm_nh_member *m;
	int err;

	if (!n)
		return -ENOMEM;
	m = members_dup(o, &err);
	if (err) {
		free(n);
		return err;
	}
	ilist_init(&n->users);
	nh_set(rib, n, o, m);
	htab_insert(&rib->nhs, &n->hn, fm_hash_u64(o->id));
	if (o->ifindex || o->gw.family)
		idx_hop_add(rib, &n->hop);
	rib->n_nhs++;
	rib->mem += sizeof(*n);
	rib_emit(rib, FM_EV_NEW, FM_KIND_NEXTHOP, false, n);
	return 0;
}

/* Drop member @id from group @g; an emptied group is removed. */
static void group_shrink(struct rib *rib, struct rib_nh *g, uint32_t id)
{
	struct fm_nh_member *m = (struct fm_nh_member *)g->o.members;
	struct nh_change c;
	int i, j = 0;

	for (i = 0; i < g->o.nmembers; i++)
		if (m[i].id != id)
			j++;
	if (j == g->o.nmembers)
		return;
	if (j == 0) {
		rib_nh_remove(rib, g, true);
		return;
	}
	/* The member is still listed while watches take the "before" view. */
	nh_change_begin(rib, g, &c);
	for (i = 0, j = 0; i < g->o.nmembers; i++)
		if (m[i].id != id)
			m[j++] = m[i];
	rib->mem -= (g->o.nmembers - j) * sizeof(*m);
	g->o.nmembers = j;
	rib->implicit++;
	rib_emit(rib, FM_EV_REPLACE, FM_KIND_NEXTHOP, true, g);
	nh_change_end(rib, &c);
}

static void groups_shrink(struct rib *rib, uint32_t id)
{
	struct rib_nh **groups = NULL, **t;
	size_t n = 0, cap = 0, i;
	struct hnode *hn;

	/* Collect first: shrinking may remove groups from the table. */
	htab_for_each (&rib->nhs, i, hn) {
		struct rib_nh *g = container_of(hn, struct rib_nh, hn);
		int k;

		for (k = 0; k < g->o.nmembers; k++) {
			if (g->o.members[k].id != id)
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 8;
				t = realloc(groups, cap * sizeof(*groups));
				if (!t)
					break;
				groups = t;
			}
			groups[n++] = g;
			break;
		}
	}
	for (i = 0; i < n; i++)
		group_shrink(rib, groups[i], id);
	free(groups);
}

void rib_nh_remove(struct rib *rib, struct rib_nh *nh, bool implicit)
{
	struct ilist *p, *tmp;
	uint32_t id = nh->o.id;

	ilist_for_each_safe (p, tmp, &nh->users)
		rib_route_remove(rib, nh_user_route(p), true);
	/* Groups shrink while the member can still be looked up, so watches see
	 * the routes through them lose its gateway. */
	groups_shrink(rib, id);
	htab_remove(&rib->nhs, &nh->hn);
	idx_hop_del(rib, &nh->hop);
	rib->n_nhs--;
	if (implicit)
		rib->implicit++;
	rib_emit(rib, FM_EV_DEL, FM_KIND_NEXTHOP, implicit, nh);
	rib->mem -= sizeof(*nh) + nh->o.nmembers * sizeof(struct fm_nh_member);
	free((void *)nh->o.members);
	free(nh);
}

int rib_nexthop_apply(struct rib *rib, enum rib_op op, uint16_t nlflags, const struct fm_nexthop *o)
{
	struct rib_nh *n = rib_nh_find(rib, o->id);

	(void)nlflags;
	if (o->id == 0)
		return -EINVAL;
	if (op == RIB_DEL) {
		if (n)
			rib_nh_remove(rib, n, false);
		return 0;
	}
	rib_implicit_hop_new(rib, o->ifindex, o->flags & RTNH_F_LINKDOWN);
	if (!n)
		return nh_add(rib, o);
	if (nh_same(n, o))
		return 0;
	return nh_replace(rib, n, o);
}
