// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Routes: the alias list of each prefix, kept as the kernel keeps it.
 *
 * IPv4 (fib_table_insert/_delete): aliases sorted by tos descending, then
 * metric ascending; within one (tos, metric) group `add`/`prepend` insert
 * before the group, `append` after it, `replace` replaces its first member; an
 * exact duplicate is refused (EEXIST), so a second copy of a route we already
 * hold is a no-op here. IPv6 (fib6_add_rt2node): sorted by metric, new routes
 * after their equals; gateway routes of one metric are ECMP siblings, held as
 * one route with several hops: appends merge hops in, a DELROUTE naming one
 * hop removes that hop, the last hop takes the route with it.
 *
 * Dump messages (NLM_F_MULTI) arrive in list order and are appended as they
 * come, so a dumped RIB has the kernel's order without re-deriving it. Events
 * queued during a dump are then applied with the rules above; because an
 * exact duplicate is a no-op, replaying an event already reflected in the dump
 * changes nothing (the subscribe-dump-replay order of DESIGN.md).
 *
 * Each table also counts its prefixes per length (rib->tlens), as a key
 * comes and goes, so that lookups without a FIB of this state probe only
 * the lengths in use (lookup/ref_rules.c ref_walk_hint).
 */
#include "rib.h"
#include "index/index.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define DYN_FLAGS (RTNH_F_DEAD | RTNH_F_LINKDOWN) /* recomputed by the mirror */

static void mask_prefix(uint8_t *a, int len, int alen)
{
	int i;

	for (i = 0; i < alen; i++) {
		int bits = len - i * 8;

		if (bits >= 8)
			continue;
		a[i] &= bits <= 0 ? 0 : (uint8_t)(0xff << (8 - bits));
	}
}

static void key_from(const struct fm_route *r, struct rib_key *k)
{
	int alen = fam_alen(r->family);

	memset(k, 0, sizeof(*k));
	k->family = r->family;
	k->table = r->table;
	k->dst_len = r->dst_len;
	k->src_len = r->src_len;
	if (r->dst.family == r->family)
		memcpy(k->dst, r->dst.b, alen);
	if (r->src.family == r->family)
		memcpy(k->src, r->src.b, alen);
	mask_prefix(k->dst, k->dst_len, alen);
	mask_prefix(k->src, k->src_len, alen);
}

static bool key_eq(const struct hnode *n, const void *key)
{
	const struct rib_route *r = container_of(n, struct rib_route, hn);

	return memcmp(&r->key, key, sizeof(r->key)) == 0;
}

struct rib_route *rib_route_head(const struct rib *rib, const struct rib_key *k)
{
	struct hnode *n = htab_find(&rib->routes, fm_hash(k, sizeof(*k)), key_eq, k);

	return n ? container_of(n, struct rib_route, hn) : NULL;
}

struct rib_route *rib_route_at(const struct rib *rib, uint8_t family, uint32_t table,
			       const uint8_t *addr, int len)
{
	struct rib_key k;
	int alen = fam_alen(family);

	memset(&k, 0, sizeof(k));
	k.family = family;
	k.table = table;
	k.dst_len = (uint8_t)len;
	memcpy(k.dst, addr, alen);
	mask_prefix(k.dst, len, alen);
	return rib_route_head(rib, &k);
}

/* ----------------------------------------------------------- comparisons */

static bool hop_eq(const struct fm_hop *a, const struct fm_hop *b)
{
	return a->ifindex == b->ifindex && a->gw.family == b->gw.family &&
	       memcmp(a->gw.b, b->gw.b, sizeof(a->gw.b)) == 0;
}

static bool hops_same(const struct rib_route *a, const struct fm_route *r)
{
	int i;

	if (a->nhops != r->nhops)
		return false;
	for (i = 0; i < a->nhops; i++) {
		const struct fm_hop *x = &a->hops[i].h, *y = &r->hops[i];

		if (!hop_eq(x, y) || x->weight != y->weight || x->realm != y->realm ||
		    ((x->flags ^ y->flags) & ~DYN_FLAGS))
			return false;
	}
	return true;
}

static bool ext_same(const struct rib_route *a, const struct fm_route *r)
{
	const struct rib_route_ext *e = a->ext;
	int i;

	if (!e)
		return r->metrics_mask == 0 && r->prefsrc.family == 0;
	if (e->metrics_mask != r->metrics_mask || e->prefsrc_family != r->prefsrc.family ||
	    memcmp(e->prefsrc, r->prefsrc.b, sizeof(e->prefsrc)))
		return false;
	for (i = 0; i < FM_RTAX_MAX; i++)
		if ((r->metrics_mask & (1u << i)) && e->metrics[i] != r->metrics[i])
			return false;
	return true;
}

/* The same route in every attribute that identifies it in the kernel. */
static bool route_same(const struct rib_route *a, const struct fm_route *r)
{
	return a->tos == r->tos && a->priority == r->priority && a->type == r->type &&
	       a->protocol == r->protocol && a->scope == r->scope && a->nhid == r->nhid &&
	       hops_same(a, r) && ext_same(a, r);
}

static bool same_group(const struct rib_route *a, const struct fm_route *r)
{
	return a->tos == r->tos && a->priority == r->priority;
}

/* --------------------------------------------------------- alloc / link */

static void route_set_hops(struct rib_route *n, const struct fm_route *r)
{
	int i;

	for (i = 0; i < r->nhops; i++) {
		memset(&n->hops[i], 0, sizeof(n->hops[i]));
		n->hops[i].h = r->hops[i];
		n->hops[i].owner = (uintptr_t)n;
	}
	n->nhops = r->nhops;
}

static struct rib_route *route_alloc(struct rib *rib, const struct fm_route *r)
{
	struct rib_route *n = calloc(1, sizeof(*n));
	size_t extra = r->nhops > 1 ? r->nhops * sizeof(struct rib_hop) : 0;

	if (!n)
		return NULL;
	n->hops = &n->hop0;
	if (extra && !(n->hops = calloc(r->nhops, sizeof(struct rib_hop))))
		goto fail;
	if (r->metrics_mask || r->prefsrc.family) {
		if (!(n->ext = calloc(1, sizeof(*n->ext))))
			goto fail;
		n->ext->metrics_mask = r->metrics_mask;
		memcpy(n->ext->metrics, r->metrics, sizeof(r->metrics));
		n->ext->prefsrc_family = r->prefsrc.family;
		memcpy(n->ext->prefsrc, r->prefsrc.b, sizeof(n->ext->prefsrc));
	}
	key_from(r, &n->key);
	n->priority = r->priority;
	n->nhid = r->nhid;
	n->flags = r->flags;
	n->expires = r->expires ? rib_expiry_deadline(rib, r->expires) : 0;
	n->tos = r->tos;
	n->type = r->type;
	n->protocol = r->protocol;
	n->scope = r->scope;
	n->pref = r->pref;
	route_set_hops(n, r);
	rib->mem += sizeof(*n) + extra + (n->ext ? sizeof(*n->ext) : 0);
	return n;
fail:
	if (n->hops != &n->hop0)
		free(n->hops);
	free(n);
	return NULL;
}

static void route_free(struct rib *rib, struct rib_route *n)
{
	rib->mem -= sizeof(*n) + (n->hops != &n->hop0 ? n->nhops * sizeof(struct rib_hop) : 0) +
		    (n->ext ? sizeof(*n->ext) : 0);
	if (n->hops != &n->hop0)
		free(n->hops);
	free(n->ext);
	free(n);
}

static void route_index(struct rib *rib, struct rib_route *n)
{
	struct rib_nh *nh;
	int i;

	for (i = 0; i < n->nhops; i++)
		idx_hop_add(rib, &n->hops[i]);
	if (n->nhid && (nh = rib_nh_find(rib, n->nhid)))
		ilist_add_tail(&nh->users, nh_user_link(n));
}

static void route_unindex(struct rib *rib, struct rib_route *n)
{
	int i;

	for (i = 0; i < n->nhops; i++)
		idx_hop_del(rib, &n->hops[i]);
	if (n->nhid)
		ilist_del(nh_user_link(n));
}

/* ------------------------------------------------ prefix lengths in use */

static uint64_t tlens_hash(uint8_t family, uint32_t table)
{
	return fm_hash_u64((uint64_t)family << 32 | table);
}

struct tlens_key {
	uint8_t family;
	uint32_t table;
};

static bool tlens_eq(const struct hnode *n, const void *key)
{
	const struct rib_tlens *t = container_of(n, struct rib_tlens, hn);
	const struct tlens_key *k = key;

	return t->family == k->family && t->table == k->table;
}

const struct rib_tlens *rib_tlens_find(const struct rib *rib, uint8_t family, uint32_t table)
{
	struct tlens_key k = {family, table};
	struct hnode *n = htab_find(&rib->tlens, tlens_hash(family, table), tlens_eq, &k);

	return n ? container_of(n, struct rib_tlens, hn) : NULL;
}

/* The lengths of @r's table, made for @r about to be added: NULL only when
 * that fails (-ENOMEM, nothing changed). */
static struct rib_tlens *tlens_get(struct rib *rib, const struct fm_route *r)
{
	struct rib_tlens *t = (struct rib_tlens *)rib_tlens_find(rib, r->family, r->table);

	if (t || !(t = calloc(1, sizeof(*t))))
		return t;
	t->family = r->family;
	t->table = r->table;
	htab_insert(&rib->tlens, &t->hn, tlens_hash(r->family, r->table));
	return t;
}

/* A table left without routes has no lengths. */
static void tlens_put(struct rib *rib, struct rib_tlens *t)
{
	if (t->n)
		return;
	htab_remove(&rib->tlens, &t->hn);
	free(t);
}

/* A key like @k appears in its table (@d 1: tlens_get() made the table's
 * lengths) or goes (@d -1). */
static void lens_count(struct rib *rib, const struct rib_key *k, int d)
{
	struct rib_tlens *t = (struct rib_tlens *)rib_tlens_find(rib, k->family, k->table);
	int l = k->dst_len;

	if (!t)
		return;
	t->n += (uint64_t)(int64_t)d;
	t->keys[l] += (uint32_t)d;
	if (t->keys[l])
		t->lens[l / 64] |= 1ull << (l % 64);
	else
		t->lens[l / 64] &= ~(1ull << (l % 64));
	tlens_put(rib, t);
}

/* --------------------------------------------------------- list surgery */

/* Link @n into the alias list of its key, before @before (NULL: at the end). */
static void list_insert(struct rib *rib, struct rib_route *n, struct rib_route *before)
{
	struct rib_route *head = rib_route_head(rib, &n->key), *p;

	if (!head || before == head) {
		/* the new route becomes the list head held by the hash table */
		if (head)
			htab_remove(&rib->routes, &head->hn);
		else
			lens_count(rib, &n->key, 1);
		n->next = head;
		htab_insert(&rib->routes, &n->hn, fm_hash(&n->key, sizeof(n->key)));
		return;
	}
	for (p = head; p->next && p->next != before;)
		p = p->next;
	n->next = p->next;
	p->next = n;
}

static void list_unlink(struct rib *rib, struct rib_route *n)
{
	struct rib_route *head = rib_route_head(rib, &n->key), **pp;

	if (head == n) {
		htab_remove(&rib->routes, &n->hn);
		if (n->next)
			htab_insert(&rib->routes, &n->next->hn, fm_hash(&n->key, sizeof(n->key)));
		else
			lens_count(rib, &n->key, -1);
		return;
	}
	for (pp = &head->next; *pp; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			return;
		}
	}
}

/* @t counts the keys of its table. */
static bool tlens_valid(const struct rib *rib, const struct rib_tlens *t)
{
	struct rib_tlens c = {.n = 0};
	struct hnode *hn;
	size_t i;

	htab_for_each (&rib->routes, i, hn) {
		const struct rib_key *k = &container_of(hn, struct rib_route, hn)->key;

		if (k->family != t->family || k->table != t->table)
			continue;
		c.n++;
		c.keys[k->dst_len]++;
		c.lens[k->dst_len / 64] |= 1ull << (k->dst_len % 64);
	}
	return c.n && c.n == t->n && !memcmp(c.keys, t->keys, sizeof(c.keys)) &&
	       !memcmp(c.lens, t->lens, sizeof(c.lens));
}

bool rib_lens_valid(const struct rib *rib)
{
	struct hnode *hn;
	uint64_t keys = 0;
	size_t i;

	htab_for_each (&rib->tlens, i, hn) {
		const struct rib_tlens *t = container_of(hn, struct rib_tlens, hn);

		if (!tlens_valid(rib, t))
			return false;
		keys += t->n;
	}
	return keys == rib->routes.n; /* and so no key lacks its table's */
}

/* The first alias for which @stop is true, or NULL (the end). */
static struct rib_route *
find_first(struct rib_route *a, bool (*stop)(const struct rib_route *a, const struct fm_route *r),
	   const struct fm_route *r)
{
	for (; a; a = a->next)
		if (stop(a, r))
			return a;
	return NULL;
}

/* ------------------------------------------------------- add / remove */

/* fib_has_custom_local_routes: a local route someone added, not the kernel. */
static bool custom_local4(const struct rib_route *r)
{
	return r->key.family == AF_INET && r->type == RTN_LOCAL && r->protocol != RTPROT_KERNEL;
}

static void route_added(struct rib *rib, struct rib_route *n, enum fm_event_type ev, bool watch)
{
	route_index(rib, n);
	rib->n_routes++;
	rib->n_src_routes += n->key.src_len != 0;
	/* inet_rtm_newroute() sets fib_has_custom_local_routes for good. */
	rib->v4_local_added |= custom_local4(n);
	if (watch)
		idx_watch_route(rib, n, true);
	rib_emit(rib, ev, FM_KIND_ROUTE, false, n);
}

static void route_drop(struct rib *rib, struct rib_route *r)
{
	route_unindex(rib, r);
	list_unlink(rib, r);
	rib->n_routes--;
	rib->n_src_routes -= r->key.src_len != 0;
	route_free(rib, r);
}

void rib_route_remove(struct rib *rib, struct rib_route *r, bool implicit)
{
	idx_watch_route(rib, r, false);
	rib_emit(rib, FM_EV_DEL, FM_KIND_ROUTE, implicit, r);
	if (implicit)
		rib->implicit++;
	route_drop(rib, r);
}

/* Hops changed in place (flags): re-announce. */
void rib_route_changed(struct rib *rib, struct rib_route *r, bool implicit)
{
	if (implicit)
		rib->implicit++;
	rib_emit(rib, FM_EV_REPLACE, FM_KIND_ROUTE, implicit, r);
}

static int insert_new(struct rib *rib, const struct fm_route *r, struct rib_route *before)
{
	struct rib_tlens *t;
	struct rib_route *n;

	if (rib->max_routes && rib->n_routes >= rib->max_routes) {
		rib->incomplete = true;
		return -ENOSPC;
	}
	t = tlens_get(rib, r);
	n = t ? route_alloc(rib, r) : NULL;
	if (!n) {
		if (t)
			tlens_put(rib, t);
		return -ENOMEM;
	}
	list_insert(rib, n, before);
	route_added(rib, n, FM_EV_NEW, true);
	return 0;
}

/* Put @r in the place of @old. Watches see a change only if their match changes. */
static int replace_route(struct rib *rib, struct rib_route *old, const struct fm_route *r)
{
	struct rib_route *n = route_alloc(rib, r);

	if (!n)
		return -ENOMEM;
	list_insert(rib, n, old);
	route_added(rib, n, FM_EV_REPLACE, false);
	idx_watch_replace(rib, old, n);
	route_drop(rib, old);
	return 0;
}

/* ---------------------------------------------------------------- IPv4 */

static bool v4_after_group(const struct rib_route *a, const struct fm_route *r)
{
	return a->tos < r->tos || (a->tos == r->tos && a->priority > r->priority);
}

static bool v4_group_start(const struct rib_route *a, const struct fm_route *r)
{
	return same_group(a, r) || v4_after_group(a, r);
}

static struct rib_route *find_same(struct rib_route *head, const struct fm_route *r)
{
	for (; head; head = head->next)
		if (route_same(head, r))
			return head;
	return NULL;
}

static int v4_new(struct rib *rib, uint16_t fl, const struct fm_route *r)
{
	struct rib_key k;
	struct rib_route *head, *pos;

	key_from(r, &k);
	head = rib_route_head(rib, &k);
	if (find_same(head, r))
		return 0; /* the kernel refuses exact duplicates: already applied */
	if (fl & NLM_F_MULTI)
		return insert_new(rib, r, NULL);
	pos = find_first(head, v4_group_start, r);
	if ((fl & NLM_F_REPLACE) && pos && same_group(pos, r))
		return replace_route(rib, pos, r);
	if (fl & NLM_F_APPEND)
		while (pos && same_group(pos, r))
			pos = pos->next;
	return insert_new(rib, r, pos);
}

/* Loose match when the deleted route's content differs from ours (it was
 * changed silently meanwhile): same group, type and first nexthop. */
static bool v4_del_match(const struct rib_route *a, const struct fm_route *r)
{
	if (!same_group(a, r) || a->type != r->type || a->nhid != r->nhid)
		return false;
	if (r->nhops && a->nhops)
		return hop_eq(&a->hops[0].h, &r->hops[0]);
	return r->nhops == a->nhops;
}

static int route_del(struct rib *rib, const struct fm_route *r,
		     bool (*loose)(const struct rib_route *, const struct fm_route *))
{
	struct rib_key k;
	struct rib_route *head, *a;

	key_from(r, &k);
	head = rib_route_head(rib, &k);
	a = find_same(head, r);
	for (a = a ? a : head; a && !route_same(a, r) && !loose(a, r);)
		a = a->next;
	if (a)
		rib_route_remove(rib, a, false);
	return 0;
}

/* ---------------------------------------------------------------- IPv6 */

static bool v6_after_metric(const struct rib_route *a, const struct fm_route *r)
{
	return a->priority > r->priority;
}

/* rt6_qualify_for_ecmp(): gateway routes without nexthop objects, not from RAs. */
static bool v6_ecmp(uint32_t nhid, uint8_t type, uint8_t proto, int nhops, const void *hops,
		    bool internal)
{
	int i;

	if (nhid || type != RTN_UNICAST || proto == RTPROT_RA || nhops == 0)
		return false;
	for (i = 0; i < nhops; i++) {
		const struct fm_hop *h = internal ? &((const struct rib_hop *)hops)[i].h
						  : &((const struct fm_hop *)hops)[i];

		if (!h->gw.family)
			return false;
	}
	return true;
}

static bool v6_ecmp_route(const struct rib_route *a)
{
	return v6_ecmp(a->nhid, a->type, a->protocol, a->nhops, a->hops, true);
}

static bool v6_ecmp_msg(const struct fm_route *r)
{
	return v6_ecmp(r->nhid, r->type, r->protocol, r->nhops, r->hops, false);
}

static int hop_index(const struct rib_route *a, const struct fm_hop *h)
{
	int i;

	for (i = 0; i < a->nhops; i++)
		if (hop_eq(&a->hops[i].h, h))
			return i;
	return -1;
}

/* Rebuild @a with the hop set @hops (same route otherwise). */
int rib_route_set_hops(struct rib *rib, struct rib_route *a, const struct fm_hop *hops, int n)
{
	struct fm_route m;

	rib_route_export(rib, a, &m);
	m.hops = hops;
	m.nhops = (uint16_t)n;
	return replace_route(rib, a, &m);
}

/* Siblings added: merge the message's hops into the route, keeping order. */
static int v6_merge(struct rib *rib, struct rib_route *a, const struct fm_route *r)
{
	struct fm_hop *hops;
	int i, n = 0, rc;

	hops = calloc((size_t)a->nhops + r->nhops, sizeof(*hops));
	if (!hops)
		return -ENOMEM;
	for (i = 0; i < a->nhops; i++)
		hops[n++] = a->hops[i].h;
	for (i = 0; i < r->nhops; i++)
		if (hop_index(a, &r->hops[i]) < 0)
			hops[n++] = r->hops[i];
	if (n == a->nhops) {
		free(hops);
		return 0;
	}
	rc = rib_route_set_hops(rib, a, hops, n);
	free(hops);
	return rc;
}

static struct rib_route *v6_first_metric(struct rib_route *head, uint32_t metric)
{
	for (; head; head = head->next)
		if (head->priority == metric)
			return head;
	return NULL;
}

static struct rib_route *v6_ecmp_peer(struct rib_route *head, const struct fm_route *r)
{
	for (; head; head = head->next)
		if (head->priority == r->priority && v6_ecmp_route(head))
			return head;
	return NULL;
}

static int v6_new(struct rib *rib, uint16_t fl, const struct fm_route *r)
{
	struct rib_key k;
	struct rib_route *head, *peer;

	key_from(r, &k);
	head = rib_route_head(rib, &k);
	if (find_same(head, r))
		return 0;
	if ((fl & NLM_F_REPLACE) && (peer = v6_first_metric(head, r->priority)))
		return replace_route(rib, peer, r);
	if (v6_ecmp_msg(r) && (peer = v6_ecmp_peer(head, r)))
		return v6_merge(rib, peer, r);
	if (fl & NLM_F_MULTI)
		return insert_new(rib, r, NULL);
	return insert_new(rib, r, find_first(head, v6_after_metric, r));
}

/* DELROUTE: a whole route, or (IPv6 ECMP) the siblings it names. */
static int v6_del(struct rib *rib, const struct fm_route *r)
{
	struct rib_key k;
	struct rib_route *a;
	struct fm_hop *keep;
	int i, n = 0, rc;

	key_from(r, &k);
	a = find_same(rib_route_head(rib, &k), r);
	if (a || !v6_ecmp_msg(r)) {
		if (!a)
			return route_del(rib, r, v4_del_match);
		rib_route_remove(rib, a, false);
		return 0;
	}
	a = v6_ecmp_peer(rib_route_head(rib, &k), r);
	if (!a)
		return 0;
	keep = calloc(a->nhops, sizeof(*keep));
	if (!keep)
		return -ENOMEM;
	for (i = 0; i < a->nhops; i++) {
		int j, gone = 0;

		for (j = 0; j < r->nhops; j++)
			gone |= hop_eq(&a->hops[i].h, &r->hops[j]);
		if (!gone)
			keep[n++] = a->hops[i].h;
	}
	if (n == 0) {
		rib_route_remove(rib, a, false);
		rc = 0;
	} else if (n == a->nhops) {
		rc = 0;
	} else {
		rc = rib_route_set_hops(rib, a, keep, n);
	}
	free(keep);
	return rc;
}

uint32_t rib_expiry_scan(struct rib *rib, void (*ended)(const struct rib_route *r, void *arg),
			 void *arg)
{
	uint32_t next = 0;
	struct hnode *n;
	size_t i;

	htab_for_each (&rib->routes, i, n) {
		const struct rib_route *r;

		for (r = container_of(n, struct rib_route, hn); r; r = r->next) {
			if (!r->expires)
				continue;
			if (rib_expiry_left(r->expires))
				next = rib_expiry_earlier(next, r->expires);
			else
				ended(r, arg);
		}
	}
	return next;
}

int rib_route_apply(struct rib *rib, enum rib_op op, uint16_t nlflags, const struct fm_route *in)
{
	struct fm_route nr;
	const struct fm_route *r = in;
	int i;

	if (in->family != AF_INET && in->family != AF_INET6)
		return -EAFNOSUPPORT;
	if (in->dst_len > fam_alen(in->family) * 8 || in->src_len > fam_alen(in->family) * 8)
		return -EINVAL; /* (decode refuses it too; rib->tlens counts up to 128) */
	if (in->nhid && in->nhops) {
		/* nexthop_compat_mode repeats the object's nexthops in the route
		 * message; they belong to the object, which the route follows. */
		nr = *in;
		nr.nhops = 0;
		nr.hops = NULL;
		nr.flags &= ~0xffu;
		r = &nr;
	}
	if (op == RIB_DEL)
		return r->family == AF_INET ? route_del(rib, r, v4_del_match) : v6_del(rib, r);
	for (i = 0; i < r->nhops; i++)
		rib_implicit_hop_new(rib, r->hops[i].ifindex, r->hops[i].flags & RTNH_F_LINKDOWN);
	return r->family == AF_INET ? v4_new(rib, nlflags, r) : v6_new(rib, nlflags, r);
}
