// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Compile the RIB into the FIB readers use (fib.h), and retire old ones.
 *
 * A table is compiled from its prefixes sorted by (address, length): every
 * prefix's covering prefixes come before it, so a stack of open prefixes
 * gives each one its parent. A prefix's outcome is what its aliases decide
 * for a plain flow (tos 0, no output device) in kernel order; when none
 * fits, it is its parent's (the kernel's fallback to a shorter prefix). The
 * outcome's content is hashed and stored once per table; the LPM maps each
 * prefix to its outcome's index.
 *
 * Only the tables the RIB changed are rebuilt; the others are carried over
 * from the previous FIB; each table names the FIB that frees it, so a
 * retirement frees only what the newer one did not take.
 *
 * A table whose routes changed at some prefixes is patched instead (fib.h):
 * it keeps its builder (the outcomes by content) and spare slots in out[],
 * so a changed prefix's outcome is decided as in a build, found or placed in
 * a free slot, and its LPM leaf staged; one commit publishes them all. An
 * outcome inherited from a parent depends on the parent, so the builder
 * lists the prefixes that inherit, and a patch works out again those under
 * a changed prefix too (patch_work). A patch is refused where only a whole
 * build is exact (table_patch).
 * Outcomes no prefix uses any more stay until the table is next built whole
 * (when its spare slots run out at the latest): that bounds the waste, and
 * no slot is ever rewritten while a reader may hold it.
 */
#include "fib/fib.h"

#include "lookup/ref.h"
#include "util/rcu.h"

#include <errno.h>
#include <linux/fib_rules.h>
#include <linux/netconf.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <urcu/urcu-memb.h>

#define IFF_UP_	      0x1
#define IFF_LOOPBACK_ 0x8

/* ------------------------------------------------------------- dirtiness */

static bool is_dirty(const struct fib_dirty *d, uint8_t family, uint32_t table)
{
	size_t i;

	if (!d || d->all)
		return true;
	for (i = 0; i < d->n; i++)
		if (d->v[i].family == family && d->v[i].table == table)
			return true;
	return false;
}

void fib_dirty_table(struct fib_dirty *d, uint8_t family, uint32_t table)
{
	/* Local routes say which gateways are our own (gw_local) everywhere. */
	if (family == AF_INET && table == RT_TABLE_LOCAL)
		d->all = true;
	if (is_dirty(d, family, table))
		return;
	if (d->n == sizeof(d->v) / sizeof(d->v[0])) {
		d->all = true;
		return;
	}
	d->v[d->n].family = family;
	d->v[d->n++].table = table;
}

void fib_dirty_change(struct fib_dirty *d, enum fm_kind kind, const void *obj)
{
	if (kind == FM_KIND_ROUTE)
		fib_dirty_route(d, &((const struct rib_route *)obj)->key);
	else if (kind == FM_KIND_RULE)
		d->rules = true;
	else
		d->all = true;
}

/* A source-specific route makes its destination a subtree (merge_dups): the
 * whole table is compiled again. */
void fib_dirty_route(struct fib_dirty *d, const struct rib_key *k)
{
	struct fib_dirty_pfx *p;
	size_t cap = d->cap ? 2 * d->cap : 256;

	if (k->src_len || d->npfx == FIB_DIRTY_PFX ||
	    (k->family == AF_INET && k->table == RT_TABLE_LOCAL)) {
		fib_dirty_table(d, k->family, k->table);
		return;
	}
	if (is_dirty(d, k->family, k->table))
		return;
	if (d->npfx == d->cap) {
		if (!(p = realloc(d->pfx, cap * sizeof(*p)))) {
			fib_dirty_table(d, k->family, k->table);
			return;
		}
		d->pfx = p;
		d->cap = cap;
	}
	p = &d->pfx[d->npfx++];
	p->table = k->table;
	p->family = k->family;
	p->len = k->dst_len;
	memcpy(p->dst, k->dst, 16);
}

bool fib_dirty_any(const struct fib_dirty *d)
{
	return d->all || d->rules || d->n || d->npfx;
}

void fib_dirty_clear(struct fib_dirty *d)
{
	d->all = d->rules = false;
	d->n = d->npfx = 0;
}

void fib_dirty_fini(struct fib_dirty *d)
{
	free(d->pfx);
	d->pfx = NULL;
	d->npfx = d->cap = 0;
}

static uint32_t host4(const uint8_t *a)
{
	return (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
}

/* --------------------------------------------------------------- outcomes */

struct pfx {
	uint8_t family, len;
	bool subtree; /* IPv6: source-specific routes share this destination */
	uint32_t table;
	uint32_t a4; /* IPv4 address, host order: a cheap sort key */
	uint8_t a[16];
	struct rib_route *head;
};

/* The prefix of alias list @head (no subtree: merge_dups decides). */
static void pfx_of(struct pfx *p, struct rib_route *head)
{
	memset(p, 0, sizeof(*p));
	memcpy(p->a, head->key.dst, 16);
	p->family = head->key.family;
	p->table = head->key.table;
	p->a4 = host4(head->key.dst);
	p->len = head->key.dst_len;
	p->head = head;
}

/* A table under construction: outcomes with their hops in growing arrays
 * (o.hops holds an offset until the arrays stop moving), and an open
 * addressing hash of their contents. */
struct builder {
	const struct lookup_env *env;
	const struct lk_addrs6 *addrs6; /* the new fib's copy */
	struct oent {
		struct fib_outcome o;
		uint64_t hash;
	} * e;
	size_t n, cap;
	struct fm_hop *hops;
	struct fib_hopx *hopx;
	size_t nh, caph, caphx;
	uint32_t *slot; /* outcome index + 1, 0 empty */
	size_t mask;
	/* hop_extras() answers: a full table has few hops. Kept for patches:
	 * what they depend on (links, addresses, nexthop objects, the IPv4
	 * local table) changes only with a whole build of every table. */
	struct xmemo *memo;
	size_t memo_n; /* its entries */
	/* The prefixes whose outcome is their parent's (their routes decide
	 * nothing): a change at a shorter prefix covering one changes it too.
	 * inh_full: more than FIB_INHERITED_MAX, so not all listed. */
	struct fib_dirty_pfx *inh;
	size_t n_inh, cap_inh;
	bool inh_full;
};

/* The hops of an outcome a patch added (fib_table.extra). */
struct hblk {
	struct hblk *next;
	struct fib_hopx x[]; /* nhops, then nhops struct fm_hop */
};

/* A direct-mapped cache of hop_extras(): what it reads of the route and hop. */
#define XMEMO_SIZE 4096
#define XMEMO_WAYS 8
struct xmemo {
	struct xkey {
		struct fm_ip gw, prefsrc;
		int ifindex, first_dev;
		uint8_t scope, family, pad[2];
	} k;
	struct fib_hopx x;
	bool used;
};

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return true;
	while (c < need)
		c *= 2;
	if (!(q = realloc(*p, c * size)))
		return false;
	*p = q;
	*cap = c;
	return true;
}

static uint64_t outcome_hash(const struct fib_outcome *o, const struct fm_hop *h,
			     const struct fib_hopx *x)
{
	uint64_t v = fm_hash(o, offsetof(struct fib_outcome, hops));

	if (o->nhops)
		v ^= fm_hash(h, o->nhops * sizeof(*h)) * 31 ^ fm_hash(x, o->nhops * sizeof(*x));
	return v;
}

static bool outcome_eq(const struct builder *b, const struct fib_outcome *p,
		       const struct fib_outcome *o, const struct fm_hop *h,
		       const struct fib_hopx *x)
{
	size_t off = (size_t)(uintptr_t)p->hops;

	return !memcmp(p, o, offsetof(struct fib_outcome, hops)) &&
	       (!o->nhops || (!memcmp(&b->hops[off], h, o->nhops * sizeof(*h)) &&
			      !memcmp(&b->hopx[off], x, o->nhops * sizeof(*x))));
}

static int rehash(struct builder *b)
{
	size_t n = b->mask ? (b->mask + 1) * 2 : 256, i, j;
	uint32_t *s = calloc(n, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (i = 0; i < b->n; i++) {
		for (j = b->e[i].hash & (n - 1); s[j]; j = (j + 1) & (n - 1))
			;
		s[j] = (uint32_t)i + 1;
	}
	free(b->slot);
	b->slot = s;
	b->mask = n - 1;
	return 0;
}

static int add_outcome(struct builder *b, const struct fib_outcome *o, const struct fm_hop *h,
		       const struct fib_hopx *x, uint64_t hv)
{
	struct oent *e;

	if (!grow((void **)&b->e, &b->cap, b->n + 1, sizeof(*b->e)) ||
	    !grow((void **)&b->hops, &b->caph, b->nh + o->nhops, sizeof(*b->hops)) ||
	    !grow((void **)&b->hopx, &b->caphx, b->nh + o->nhops, sizeof(*b->hopx)))
		return -ENOMEM;
	e = &b->e[b->n++];
	e->o = *o;
	e->o.hops = (const void *)(uintptr_t)b->nh;
	e->hash = hv;
	if (o->nhops) {
		memcpy(&b->hops[b->nh], h, o->nhops * sizeof(*h));
		memcpy(&b->hopx[b->nh], x, o->nhops * sizeof(*x));
		b->nh += o->nhops;
	}
	return 0;
}

/* The index of outcome @o with hops @h/@x, added if new; -ENOMEM. */
static long outcome_id(struct builder *b, const struct fib_outcome *o, const struct fm_hop *h,
		       const struct fib_hopx *x)
{
	uint64_t hv = outcome_hash(o, h, x);
	size_t j;

	if (2 * (b->n + 1) > b->mask && rehash(b))
		return -ENOMEM;
	for (j = hv & b->mask; b->slot[j]; j = (j + 1) & b->mask) {
		const struct oent *e = &b->e[b->slot[j] - 1];

		if (e->hash == hv && outcome_eq(b, &e->o, o, h, x))
			return (long)b->slot[j] - 1;
	}
	if (add_outcome(b, o, h, x, hv))
		return -ENOMEM;
	b->slot[j] = (uint32_t)b->n;
	return (long)b->n - 1;
}

/* ------------------------------------------------------------- decisions */

/* Nothing decided here: the next rule. Outcome 0 of every table. */
static const struct fib_outcome fo_none = {.kind = FO_NONE, .plen = -1, .err = -EAGAIN, .top = -1};

/* An outcome and the hops it names, before de-duplication. */
struct cand {
	struct fib_outcome o;
	struct fm_hop h[FM_RESULT_MAX_HOPS];
	struct fib_hopx x[FM_RESULT_MAX_HOPS];
};

static void set_ip4(struct fm_ip *ip, uint32_t addr)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = AF_INET;
	memcpy(ip->b, &addr, 4);
}

/* What the output path derives from hop @h of route @r: ref4.c's
 * route_prefsrc, gw_scope and mkroute_output, or ref6.c's prefsrc6, per
 * member. An IPv6 source without a configured one depends on the
 * destination: saddr_dev names the device it is chosen for. */
static void hop_extras(const struct lookup_env *env, const struct rib_route *r,
		       const struct fm_hop *h, int first_dev, struct fib_hopx *x)
{
	const struct rib_link *l = rib_link_find(env->rib, h->ifindex);
	uint8_t fam = r->key.family;
	uint32_t gw = 0, a = 0;

	memset(x, 0, sizeof(*x));
	x->ifgroup = l ? (int64_t)l->o.group : -1;
	x->loop_dev = l && (l->o.flags & IFF_LOOPBACK_);
	x->dev_up = l && (l->o.flags & IFF_UP_);
	if (h->gw.family == AF_INET && fam == AF_INET) {
		memcpy(&gw, h->gw.b, 4);
		x->gw_local = lk_v4_dev_with_addr(env, gw) != 0;
	}
	if (r->ext && r->ext->prefsrc_family == fam) {
		x->prefsrc.family = fam;
		memcpy(x->prefsrc.b, r->ext->prefsrc, 16);
	} else if (fam == AF_INET6) {
		/* Siblings: the member's device; a group: its first member's. */
		x->saddr_dev = r->nhid ? first_dev : h->ifindex;
	} else {
		lk_saddr4(env->rib, h->ifindex, gw, r->scope, &a);
		set_ip4(&x->prefsrc, a);
	}
}

static void hop_extras_memo(struct builder *b, const struct rib_route *r, const struct fm_hop *h,
			    int first_dev, struct fib_hopx *x)
{
	struct xkey k;
	struct xmemo *e;

	memset(&k, 0, sizeof(k));
	k.gw = h->gw;
	k.ifindex = h->ifindex;
	k.first_dev = r->nhid ? first_dev : 0;
	k.scope = r->scope;
	k.family = r->key.family;
	if (r->ext && r->ext->prefsrc_family) {
		k.prefsrc.family = r->ext->prefsrc_family;
		memcpy(k.prefsrc.b, r->ext->prefsrc, 16);
	}
	size_t i, at = fm_hash(&k, sizeof(k)) % b->memo_n, way;

	/* Eight ways per set: gateways that share a slot do not thrash. */
	for (i = 0; i < XMEMO_WAYS; i++) {
		e = &b->memo[(at + i) % b->memo_n];
		if (!e->used)
			break;
		if (!memcmp(&e->k, &k, sizeof(k))) {
			*x = e->x;
			return;
		}
	}
	way = i < XMEMO_WAYS ? i : b->n % XMEMO_WAYS;
	e = &b->memo[(at + way) % b->memo_n];
	hop_extras(b->env, r, h, first_dev, x);
	e->k = k;
	e->x = *x;
	e->used = true;
}

/* The route types the fast path finishes (ref4.c's output4, ref6.c's finish6). */
static bool fast_type(uint8_t family, uint8_t type)
{
	switch (type) {
	case RTN_UNICAST:
	case RTN_LOCAL:
		return true;
	case RTN_BROADCAST:
	case RTN_MULTICAST:
		return family == AF_INET;
	case RTN_ANYCAST:
		return family == AF_INET6;
	default:
		return false;
	}
}

/* What ref_fill_route says of a route outcome for its first usable member
 * (fib_outcome.head): the fast path's answers start from it. */
static void outcome_head(struct fib_outcome *o, uint8_t family)
{
	struct fm_result r;

	memset(o->head, 0, sizeof(o->head));
	if (o->kind != FO_ROUTE)
		return;
	memset(&r, 0, offsetof(struct fm_result, hops));
	r.family = family;
	r.type = o->type;
	r.protocol = o->protocol;
	r.scope = o->scope;
	r.pref = o->pref;
	r.priority = o->priority;
	r.nhid = o->nhid;
	r.has_table = true;
	r.dst_len = (uint8_t)o->plen;
	r.dst.family = family;
	r.src.family = family;
	r.nhops = o->nhops;
	r.chosen = o->sel;
	if (o->sel >= 0 && o->sel < o->nhops) {
		r.oif = o->hops[o->sel].ifindex;
		r.gw = o->hops[o->sel].gw;
	}
	r.choice_exact = true;
	memcpy(o->head, &r, sizeof(o->head));
}

/* An IPv6 hop's source without a configured one: when it is the same for
 * every destination in the route's prefix, chosen here once instead of per
 * lookup (it becomes the hop's prefsrc, which finish6 takes as it is). */
static void fixed_source(struct builder *b, const struct rib_route *r, struct fib_hopx *x)
{
	uint8_t a[16];

	if (!lk_saddr6_fixed(b->addrs6, x->saddr_dev, r->key.dst, r->key.dst_len, a)) {
		x->prefsrc.family = AF_INET6;
		memcpy(x->prefsrc.b, a, 16);
	}
}

static void decide_route(struct builder *b, const struct kres *res, struct cand *c)
{
	const struct rib_route *r = res->route;
	const struct rib_nh *nh = r->nhid ? rib_nh_find(b->env->rib, r->nhid) : NULL;
	int i;

	c->o.kind = fast_type(r->key.family, r->type) ? FO_ROUTE : FO_GENERAL;
	c->o.prefsrc_cfg = r->ext && r->ext->prefsrc_family == r->key.family;
	c->o.sel = (int16_t)res->nh_sel;
	c->o.type = r->type;
	c->o.protocol = r->protocol;
	c->o.scope = r->scope;
	c->o.pref = r->pref;
	c->o.priority = r->priority;
	c->o.nhid = r->nhid;
	c->o.resilient = nh && nh->o.group_type == NEXTHOP_GRP_TYPE_RES;
	c->o.nhops = (uint16_t)res->nhops;
	memcpy(c->h, res->hops, (size_t)res->nhops * sizeof(*c->h));
	for (i = 0; i < c->o.nhops; i++) {
		hop_extras_memo(b, r, &c->h[i], c->h[0].ifindex, &c->x[i]);
		if (c->x[i].saddr_dev)
			fixed_source(b, r, &c->x[i]);
	}
}

/*
 * What the routes of one prefix decide for a plain flow (tos 0, no oif, no
 * source): the reference's own per-prefix step (ref4_prefix, ref6_prefix).
 * True with @c filled; false when the lookup goes on to a shorter prefix.
 * Marks what a flow the outcome does not describe would see differently:
 * tos-specific aliases, lifetimes, source-specific routes.
 */
static bool decide(struct builder *b, const struct pfx *p, struct cand *c)
{
	struct rib_route *r, *head = p->head;
	struct kflow k;
	struct kres res;
	int rc;

	for (r = head; r; r = r->next) {
		c->o.tos_sensitive |= r->tos != 0;
		if (r->expires && rib_expiry_left(r->expires)) /* an ended one is skipped */
			c->o.expires = rib_expiry_earlier(c->o.expires, r->expires);
	}
	c->o.single = head->key.family == AF_INET6 && !head->next;
	memset(&k, 0, sizeof(k));
	k.family = head->key.family;
	k.iif = LOOPBACK_IFINDEX;
	memcpy(k.dst, head->key.dst, 16);
	c->o.plen = (int16_t)head->key.dst_len;
	if (p->subtree) {
		c->o.kind = FO_GENERAL; /* the answer depends on the source */
		return true;
	}
	rc = k.family == AF_INET ? ref4_prefix(b->env, head, head->key.table, &k, &res)
				 : ref6_prefix(b->env, head, head->key.table, &k, &res);
	if (rc == -ENOENT)
		return false;
	if (rc) {
		c->o.kind = rc == -EAGAIN ? FO_NONE : FO_ERROR;
		c->o.err = (int16_t)rc;
		return true;
	}
	decide_route(b, &res, c);
	return true;
}

/* ----------------------------------------------------------------- tables */

/* By table, then address, then length: covering prefixes come first. */
static int pfx_cmp(const void *a, const void *b)
{
	const struct pfx *x = a, *y = b;
	int c;

	if (x->family != y->family || x->table != y->table)
		return x->family != y->family ? x->family - y->family
		       : x->table < y->table  ? -1
					      : 1;
	if (x->family == AF_INET)
		c = x->a4 != y->a4 ? (x->a4 < y->a4 ? -1 : 1) : 0;
	else
		c = memcmp(x->a, y->a, 16);
	return c ? c : x->len - y->len;
}

/* Whether prefix @pa/@plen covers @qa/@qlen (or is it). */
static bool covers(const uint8_t *pa, int plen, const uint8_t *qa, int qlen)
{
	int full = plen / 8, rest = plen % 8;

	if (plen > qlen || memcmp(pa, qa, (size_t)full))
		return false;
	return !rest || ((pa[full] ^ qa[full]) & (0xff << (8 - rest))) == 0;
}

static bool pfx_covers(const struct pfx *p, const struct pfx *q)
{
	return covers(p->a, p->len, q->a, q->len);
}

static void builder_fini(struct builder *b)
{
	if (!b)
		return;
	free(b->e);
	free(b->hops);
	free(b->hopx);
	free(b->slot);
	free(b->memo);
	free(b->inh);
}

/* List prefix @p as inherited; past FIB_INHERITED_MAX, or without memory,
 * the list is given up and with it patches of the table. */
static void inh_add(struct builder *b, uint32_t table, uint8_t family, const uint8_t *dst,
		    uint8_t len)
{
	struct fib_dirty_pfx *e;

	if (b->inh_full || b->n_inh == FIB_INHERITED_MAX ||
	    !grow((void **)&b->inh, &b->cap_inh, b->n_inh + 1, sizeof(*b->inh))) {
		b->inh_full = true;
		return;
	}
	e = &b->inh[b->n_inh++];
	e->table = table;
	e->family = family;
	e->len = len;
	memcpy(e->dst, dst, 16);
}

/* Outcome @e as readers see it, its hops at @h and @x. */
static void outcome_place(struct fib_outcome *o, const struct oent *e, const struct fm_hop *h,
			  const struct fib_hopx *x, uint8_t family)
{
	*o = e->o;
	o->hops = h;
	o->hopx = x;
	/* One hop (most routes): beside the header, one miss fewer. */
	if (o->nhops == 1) {
		o->hop1 = h[0];
		o->hopx1 = x[0];
		o->hops = &o->hop1;
		o->hopx = &o->hopx1;
	}
	outcome_head(o, family);
}

/* Move the builder's outcomes into @t, with real hop pointers, and room for
 * half as many again that patches may add. */
static int builder_finish(struct builder *b, struct fib_table *t)
{
	struct fm_hop *h;
	struct fib_hopx *x;
	size_t i, off;

	t->n_out = (uint32_t)b->n;
	t->cap_out = (uint32_t)(b->n + b->n / 2 + 8);
	t->out = malloc(t->cap_out * sizeof(*t->out));
	h = malloc(b->nh * sizeof(*h) + 1);
	x = malloc(b->nh * sizeof(*x) + 1);
	t->mem = h;
	t->memx = x;
	if (!t->out || !h || !x)
		return -ENOMEM;
	memcpy(h, b->hops, b->nh * sizeof(*h));
	memcpy(x, b->hopx, b->nh * sizeof(*x));
	for (i = 0; i < b->n; i++) {
		off = (size_t)(uintptr_t)b->e[i].o.hops;
		outcome_place(&t->out[i], &b->e[i], h + off, x + off, t->family);
	}
	return 0;
}

/* Outcomes of the prefixes @v (sorted), each inheriting its parent's when
 * its own aliases decide nothing; ids[i] is prefix i's outcome index. */
static int table_outcomes(struct builder *b, const struct pfx *v, size_t n, uint32_t *ids)
{
	struct cand *c = malloc(sizeof(*c));
	size_t *stack = malloc((n + 1) * sizeof(*stack)), depth = 0, i;
	int rc = -ENOMEM;
	long id;

	if (!c || !stack || !grow((void **)&b->hops, &b->caph, 1, sizeof(*b->hops)) ||
	    !grow((void **)&b->hopx, &b->caphx, 1, sizeof(*b->hopx)) ||
	    outcome_id(b, &fo_none, NULL, NULL) != 0)
		goto out;
	for (i = 0; i < n; i++) {
		while (depth && !pfx_covers(&v[stack[depth - 1]], &v[i]))
			depth--;
		memset(&c->o, 0, sizeof(c->o)); /* the hops are written as used */
		if (!decide(b, &v[i], c)) {
			/* Fall back: the parent's outcome, plus what was passed here. */
			const struct oent *p = &b->e[depth ? ids[stack[depth - 1]] : 0];
			size_t off = (size_t)(uintptr_t)p->o.hops;
			bool tos = c->o.tos_sensitive;
			uint32_t expires = c->o.expires;

			inh_add(b, v[i].table, v[i].family, v[i].a, v[i].len);
			c->o = p->o;
			c->o.tos_sensitive |= tos;
			c->o.expires = rib_expiry_earlier(c->o.expires, expires);
			memcpy(c->h, &b->hops[off], p->o.nhops * sizeof(*c->h));
			memcpy(c->x, &b->hopx[off], p->o.nhops * sizeof(*c->x));
		}
		c->o.hops = NULL;
		c->o.hopx = NULL;
		c->o.top = (int16_t)v[i].len;
		if ((id = outcome_id(b, &c->o, c->h, c->x)) < 0)
			goto out;
		ids[i] = (uint32_t)id;
		stack[depth++] = i;
	}
	rc = 0;
out:
	free(c);
	free(stack);
	return rc;
}

static void table_free(struct fib_table *t)
{
	struct hblk *x, *next;

	if (!t)
		return;
	lpm4_free(t->lpm4);
	lpm6_free(t->lpm6);
	free(t->out);
	free(t->mem);
	free(t->memx);
	for (x = t->extra; x; x = next) {
		next = x->next;
		free(x);
	}
	builder_fini(t->b);
	free(t->b);
	free(t);
}

/* Merge entries of one destination (IPv6 source-specific routes have a key
 * per source): one prefix, marked as a subtree when any has a source. */
static size_t merge_dups(struct pfx *v, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		bool src = v[i].head->key.src_len != 0;

		if (o && v[o - 1].len == v[i].len && !memcmp(v[o - 1].a, v[i].a, 16)) {
			v[o - 1].subtree |= src;
			if (!src)
				v[o - 1].head = v[i].head;
			continue;
		}
		v[o] = v[i];
		v[o++].subtree = src;
	}
	return o;
}

/* Note in @t's top8 the /8s prefix @a/@len (IPv4) touches. Readers may be
 * looking: each word is or-ed in at once, before the commit that publishes
 * the prefix. */
static void top8_add(struct fib_table *t, const uint8_t *a, uint8_t len)
{
	unsigned b, last;

	if (t->family != AF_INET)
		return;
	b = len >= 8 ? a[0] : a[0] & (0xffu << (8 - len)) & 0xff;
	last = len >= 8 ? b : b | (0xffu >> len);
	for (; b <= last; b++)
		__atomic_fetch_or(&t->top8[b >> 6], 1ull << (b & 63), __ATOMIC_RELAXED);
}

static int lpm_set(struct fib_table *t, const struct pfx *p, uint32_t id)
{
	return t->family == AF_INET ? lpm4_set(t->lpm4, host4(p->a), p->len, id)
				    : lpm6_set(t->lpm6, p->a, p->len, id);
}

/* Build table (@family, @id) from its prefixes @v (sorted). */
static int table_build(const struct lookup_env *env, const struct fib *f, uint8_t family,
		       uint32_t id, struct pfx *v, size_t n, struct fib_table **ret)
{
	/* A table has at most as many distinct hops as prefixes. */
	size_t memo_n = n < XMEMO_SIZE / 8 ? 8 * n + XMEMO_WAYS : XMEMO_SIZE;
	struct builder b = {.env = env,
			    .addrs6 = &f->addrs6,
			    .memo = calloc(memo_n, sizeof(struct xmemo)),
			    .memo_n = memo_n};
	struct fib_table *t = calloc(1, sizeof(*t));
	uint32_t *ids = malloc((n + 1) * sizeof(*ids));
	size_t i;
	int rc = -ENOMEM;

	if (!t || !ids || !b.memo)
		goto fail;
	t->id = id;
	t->family = family;
	if (family == AF_INET ? !(t->lpm4 = lpm4_new()) : !(t->lpm6 = lpm6_new()))
		goto fail;
	n = merge_dups(v, n);
	if ((rc = table_outcomes(&b, v, n, ids)) || (rc = builder_finish(&b, t)))
		goto fail;
	/* Outcome 0 is "nothing here"; a prefix never maps to it (its top differs). */
	for (i = 0; i < n; i++) {
		t->lens[v[i].len / 64] |= 1ull << (v[i].len % 64);
		top8_add(t, v[i].a, v[i].len);
		if (ids[i] && (rc = lpm_set(t, &v[i], ids[i])))
			goto fail;
	}
	if ((rc = family == AF_INET ? lpm4_commit(t->lpm4) : lpm6_commit(t->lpm6)))
		goto fail;
	free(ids);
	/* Kept for patches, without what only this build needed. */
	b.env = NULL;
	b.addrs6 = NULL;
	if ((t->b = malloc(sizeof(*t->b))))
		*t->b = b;
	else
		builder_fini(&b); /* the table is rebuilt at its next change */
	*ret = t;
	return 0;
fail:
	builder_fini(&b);
	free(ids);
	table_free(t);
	return rc;
}

/* ---------------------------------------------------------------- patches */

/* Place the builder's new outcome @id in its free slot of @t: written before
 * the LPM commit that makes a leaf name it, so readers see it whole. */
static int outcome_add(struct fib_table *t, const struct builder *b, uint32_t id)
{
	const struct oent *e = &b->e[id];
	size_t off = (size_t)(uintptr_t)e->o.hops, n = e->o.nhops;
	const struct fm_hop *h = &b->hops[off];
	const struct fib_hopx *x = &b->hopx[off];
	struct hblk *blk;

	if (!n) { /* no hops: the pointers must not follow the builder's arrays */
		h = &t->out[id].hop1;
		x = &t->out[id].hopx1;
	} else if (n > 1) {
		if (!(blk = malloc(sizeof(*blk) + n * (sizeof(*x) + sizeof(*h)))))
			return -ENOMEM;
		memcpy(blk->x, x, n * sizeof(*x));
		memcpy(blk->x + n, h, n * sizeof(*h));
		blk->next = t->extra;
		t->extra = blk;
		x = blk->x;
		h = (const struct fm_hop *)(blk->x + n);
	}
	outcome_place(&t->out[id], e, h, x, t->family);
	t->n_out = id + 1;
	return 0;
}

/* The parent of prefix @p in table @t: the longest shorter prefix with
 * routes (t->lens has every length the table has, and maybe more). */
static bool parent_of(const struct rib *rib, const struct fib_table *t, struct pfx *p)
{
	struct rib_route *head;
	int len;

	for (len = p->len - 1; len >= 0; len--)
		if ((t->lens[len / 64] >> (len % 64) & 1) &&
		    (head = rib_route_at(rib, p->family, p->table, p->a, len))) {
			pfx_of(p, head);
			return true;
		}
	return false;
}

/*
 * What the routes of @p decide, or when they decide nothing, what its
 * parent's do (and so on up), with the tos aliases and lifetimes passed on
 * the way: table_outcomes()'s fallback, read from the RIB. *@inherited:
 * the outcome is not @p's own.
 */
static void resolve(struct builder *b, const struct fib_table *t, struct pfx *p, struct cand *c,
		    bool *inherited)
{
	uint32_t expires = 0;
	bool tos = false;

	*inherited = false;
	for (;;) {
		memset(&c->o, 0, sizeof(c->o)); /* the hops are written as used */
		if (decide(b, p, c))
			break;
		*inherited = true;
		tos |= c->o.tos_sensitive;
		expires = rib_expiry_earlier(expires, c->o.expires);
		if (!parent_of(b->env->rib, t, p)) {
			c->o = fo_none;
			break;
		}
	}
	c->o.tos_sensitive |= tos;
	c->o.expires = rib_expiry_earlier(c->o.expires, expires);
}

/* The outcome of prefix @d as the routes in the RIB now decide it: its
 * index in @t (a new one placed in a free slot), LPM_NONE when the prefix
 * has no route left, -EAGAIN when no slot is free, or -ENOMEM. An
 * inherited one is listed again (inh_add). */
static long patch_outcome(struct builder *b, struct fib_table *t, const struct fib_dirty_pfx *d,
			  struct cand *c)
{
	struct rib_route *head = rib_route_at(b->env->rib, d->family, d->table, d->dst, d->len);
	bool inherited;
	struct pfx p;
	long id;
	int rc;

	if (!head)
		return LPM_NONE;
	if (b->n >= t->cap_out)
		return -EAGAIN;
	pfx_of(&p, head);
	resolve(b, t, &p, c, &inherited);
	if (inherited)
		inh_add(b, d->table, d->family, d->dst, d->len);
	c->o.top = (int16_t)d->len;
	if ((id = outcome_id(b, &c->o, c->h, c->x)) < 0 || (uint32_t)id < t->n_out)
		return id;
	return (rc = outcome_add(t, b, (uint32_t)id)) ? rc : id;
}

static int dpfx_addr_cmp(const void *a, const void *b)
{
	const struct fib_dirty_pfx *x = a, *y = b;
	int c = memcmp(x->dst, y->dst, 16);

	return c ? c : x->len - y->len;
}

/*
 * The prefixes a patch of @t works out again: the changed ones @d, and
 * every inherited one under one of them (its parent may be what changed),
 * sorted, each once; NULL without memory. Those taken leave the builder's
 * list: patch_outcome() lists them again if they still inherit.
 */
static struct fib_dirty_pfx *patch_work(struct builder *b, const struct fib_dirty_pfx *d, size_t n,
					size_t *nw)
{
	struct fib_dirty_pfx *w = malloc((n + b->n_inh) * sizeof(*w));
	size_t i, j, kept = 0, m = n;

	if (!w)
		return NULL;
	memcpy(w, d, n * sizeof(*w));
	for (i = 0; i < b->n_inh; i++) {
		for (j = 0; j < n && !covers(d[j].dst, d[j].len, b->inh[i].dst, b->inh[i].len); j++)
			;
		if (j < n)
			w[m++] = b->inh[i];
		else
			b->inh[kept++] = b->inh[i];
	}
	b->n_inh = kept;
	qsort(w, m, sizeof(*w), dpfx_addr_cmp);
	for (i = j = 0; i < m; i++)
		if (!j || dpfx_addr_cmp(&w[j - 1], &w[i]))
			w[j++] = w[i];
	*nw = j;
	return w;
}

/* Stage @n changes and publish them; a prefix removed before it was ever
 * published is no failure. */
static int patch_commit(struct fib_table *t, const struct fib_dirty_pfx *d, const long *id,
			size_t n)
{
	struct lpm4_change *c4 = t->lpm4 ? calloc(n, sizeof(*c4)) : NULL;
	struct lpm6_change *c6 = t->lpm6 ? calloc(n, sizeof(*c6)) : NULL;
	int *rc = malloc(n * sizeof(*rc)), err = -ENOMEM;
	size_t i;

	if (!rc || (!c4 && !c6))
		goto out;
	for (i = 0; i < n; i++) {
		if (c4) {
			c4[i].addr = host4(d[i].dst);
			c4[i].len = d[i].len;
			c4[i].value = (uint32_t)id[i];
		} else {
			memcpy(c6[i].addr, d[i].dst, 16);
			c6[i].len = d[i].len;
			c6[i].value = (uint32_t)id[i];
		}
	}
	if (c4 ? lpm4_stage_bulk(t->lpm4, c4, n, rc) : lpm6_stage_bulk(t->lpm6, c6, n, rc))
		for (i = 0; i < n; i++)
			if (rc[i] && rc[i] != -ENOENT)
				goto out;
	err = c4 ? lpm4_commit(t->lpm4) : lpm6_commit(t->lpm6);
out:
	free(c4);
	free(c6);
	free(rc);
	return err;
}

/*
 * Patch @t (a table of the previous FIB, which keeps sharing it) for its
 * changed prefixes @d. Return 0, or -EAGAIN / -ENOMEM: the table must be
 * built whole (it is never patched again). What @t shows its readers is
 * the RIB's either way: the LPM commit is all or nothing.
 */
static int table_patch(const struct lookup_env *env, const struct fib *f, struct fib_table *t,
		       const struct fib_dirty_pfx *d, size_t n)
{
	struct builder *b = t->b;
	struct cand *c = malloc(sizeof(*c));
	struct fib_dirty_pfx *w = NULL;
	long *id = NULL;
	size_t i, nw = 0;
	int rc = -EAGAIN;

	/* A source-specific route makes a subtree (merge_dups); past its
	 * limits the inherited list is incomplete, or too long to scan. */
	if (!b || b->inh_full || (b->n_inh && n > FIB_INHERIT_WORK / b->n_inh) ||
	    (t->family == AF_INET6 && env->rib->n_src_routes))
		goto out;
	rc = -ENOMEM;
	b->env = env;
	b->addrs6 = &f->addrs6;
	if (!c || !(w = patch_work(b, d, n, &nw)) || !(id = malloc(nw * sizeof(*id))))
		goto out;
	/* First, so a prefix finds a parent the same patch added. */
	for (i = 0; i < nw; i++)
		if (rib_route_at(env->rib, w[i].family, w[i].table, w[i].dst, w[i].len)) {
			/* Readers may be walking @t: atomically, as top8. */
			__atomic_fetch_or(&t->lens[w[i].len / 64], 1ull << (w[i].len % 64),
					  __ATOMIC_RELAXED);
			top8_add(t, w[i].dst, w[i].len);
		}
	for (i = 0; i < nw; i++)
		if ((id[i] = patch_outcome(b, t, &w[i], c)) < 0) {
			rc = (int)id[i];
			goto out;
		}
	if ((rc = patch_commit(t, w, id, nw)))
		goto out;
	/* Empty now: the whole build drops it, as it would a table never seen. */
	rc = (t->lpm4 ? lpm4_count(t->lpm4) : lpm6_count(t->lpm6)) ? 0 : -EAGAIN;
out:
	free(c);
	free(w);
	free(id);
	if (b) {
		b->env = NULL;
		b->addrs6 = NULL;
	}
	if (rc && b) {
		builder_fini(b);
		free(b);
		t->b = NULL;
	}
	return rc;
}

static int dpfx_cmp(const void *a, const void *b)
{
	const struct fib_dirty_pfx *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	return x->table < y->table ? -1 : x->table > y->table;
}

/* Patch the tables of @prev whose prefixes changed; one a patch cannot
 * serve is added to @d's tables to build whole. */
static void patch_tables(const struct lookup_env *env, struct fib *f, const struct fib *prev,
			 struct fib_dirty *d)
{
	size_t i, j;

	if (!prev || !d || d->all || !d->npfx) /* (pfx is NULL until a first route change) */
		return;
	qsort(d->pfx, d->npfx, sizeof(*d->pfx), dpfx_cmp);
	for (i = 0; i < d->npfx; i = j) {
		uint8_t fam = d->pfx[i].family;
		uint32_t id = d->pfx[i].table;
		/* The writer's own: patched in place for every fib sharing it. */
		struct fib_table *t = (struct fib_table *)fib_table_find(prev, fam, id);

		for (j = i; j < d->npfx && !dpfx_cmp(&d->pfx[i], &d->pfx[j]); j++)
			;
		if (is_dirty(d, fam, id))
			continue;
		if (t && !table_patch(env, f, t, d->pfx + i, j - i))
			f->patched++;
		else
			fib_dirty_table(d, fam, id);
	}
}

/* ------------------------------------------------------------------ rules */

static int table_cmp(const void *a, const void *b)
{
	const struct fib_table *x = *(struct fib_table *const *)a,
			       *y = *(struct fib_table *const *)b;

	if (x->family != y->family)
		return x->family - y->family;
	return x->id < y->id ? -1 : x->id > y->id;
}

const struct fib_table *fib_table_find(const struct fib *f, uint8_t family, uint32_t id)
{
	size_t lo = 0, hi = f->n_tables;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct fib_table *t = f->tables[mid];

		if (t->family == family && t->id == id)
			return t;
		if (t->family < family || (t->family == family && t->id < id))
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static uint32_t mask4(int fam, uint8_t len)
{
	return fam || !len ? 0 : len >= 32 ? UINT32_MAX : UINT32_MAX << (32 - len);
}

static int dev_of(int resolved, const char *name)
{
	return name[0] ? (resolved > 0 ? resolved : -1) : 0;
}

/* A rule without any selector (the defaults): matches every flow. */
static bool rule_any(const struct fm_rule *r)
{
	uint32_t sel = FM_RULE_FWMARK | FM_RULE_FWMASK | FM_RULE_IIF | FM_RULE_OIF |
		       FM_RULE_UIDRANGE | FM_RULE_SPORT | FM_RULE_DPORT | FM_RULE_IPPROTO |
		       FM_RULE_TUN_ID | FM_RULE_L3MDEV;

	return !(r->attrs & sel) && !r->fwmark && !r->fwmask && !r->iifname[0] && !r->oifname[0] &&
	       !r->dst_len && !r->src_len && !r->tos && !r->ip_proto && !r->l3mdev && !r->tun_id;
}

static int rules_compile(const struct lookup_env *env, struct fib *f, int fam)
{
	const struct rib_rules *l = &env->rib->rules[fam];
	struct fib_rule *v = calloc(l->n + 1, sizeof(*v));
	size_t i, j;

	if (!v)
		return -ENOMEM;
	f->rules_any[fam] = true;
	for (i = 0; i < l->n; i++) {
		struct fib_rule *fr = &v[i];

		rib_rule_export(env->rib, &l->v[i], &fr->r);
		fr->iif = dev_of(fr->r.iif_ifindex, fr->r.iifname);
		fr->oif = dev_of(fr->r.oif_ifindex, fr->r.oifname);
		fr->never = ((fr->r.attrs & FM_RULE_TUN_ID) && fr->r.tun_id) || fr->r.l3mdev;
		fr->fwmask = (fr->r.attrs & FM_RULE_FWMASK) ? fr->r.fwmask
			     : fr->r.fwmark		    ? UINT32_MAX
							    : 0;
		fr->dmask4 = mask4(fam, fr->r.dst_len);
		fr->smask4 = mask4(fam, fr->r.src_len);
		fr->dst4 = fam ? 0 : host4(fr->r.dst.b) & fr->dmask4;
		fr->src4 = fam ? 0 : host4(fr->r.src.b) & fr->smask4;
		fr->goto_idx = -1;
		for (j = 0; fr->r.action == FR_ACT_GOTO && j < l->n; j++)
			if (l->v[j].priority == fr->r.goto_target) {
				fr->goto_idx = (int32_t)j;
				break;
			}
		fr->table = fib_table_find(f, fam ? AF_INET6 : AF_INET, fr->r.table);
		fr->any = rule_any(&fr->r);
		fr->merged = !fam && fr->r.table == RT_TABLE_LOCAL && f->v4_merged;
		fr->suppress =
		    fr->r.attrs & (FM_RULE_SUPPRESS_PREFIXLEN | FM_RULE_SUPPRESS_IFGROUP);
		f->rules_any[fam] &= fr->any;
	}
	f->rules[fam] = v;
	f->n_rules[fam] = l->n;
	return 0;
}

/* ------------------------------------------------------------ publication */

struct fib_priv {
	struct fib f;
	struct rcu_head rcu;
};

void fib_free(struct fib *f)
{
	struct fib_priv *p = (struct fib_priv *)f;
	size_t i;

	if (!f)
		return;
	for (i = 0; i < f->n_tables; i++)
		if (__atomic_load_n(&f->tables[i]->owner, __ATOMIC_RELAXED) == f)
			table_free(f->tables[i]);
	free(f->tables);
	free(f->rules[0]);
	free(f->rules[1]);
	lk_addrs6_free(&f->addrs6);
	lk_addrs4_free(&f->addrs4);
	free(f->in4.dev);
	free(p);
}

static void fib_free_rcu(struct rcu_head *h)
{
	fm_rcu_reclaim();
	fib_free(&caa_container_of(h, struct fib_priv, rcu)->f);
	fm_rcu_retire(); /* before rcu_barrier() returns to whoever waits */
}

void fib_retire(struct fib *f)
{
	if (!f)
		return;
	fm_rcu_retire();
	urcu_memb_call_rcu(&((struct fib_priv *)f)->rcu, fib_free_rcu);
}

/* The prefixes of the tables to build. */
static int collect(const struct lookup_env *env, const struct fib *prev,
		   const struct fib_dirty *dirty, struct pfx **ret, size_t *n)
{
	struct hnode *hn;
	size_t i, cap = 0;
	struct pfx *v = NULL;

	*n = 0;
	*ret = NULL;
	if (prev && dirty && !dirty->all && !dirty->n)
		return 0; /* rules only: no table to build */
	htab_for_each (&env->rib->routes, i, hn) {
		struct rib_route *r = container_of(hn, struct rib_route, hn);

		if (prev && !is_dirty(dirty, r->key.family, r->key.table))
			continue;
		if (!grow((void **)&v, &cap, *n + 1, sizeof(*v))) {
			free(v);
			return -ENOMEM;
		}
		pfx_of(&v[(*n)++], r);
	}
	*ret = v;
	return 0;
}

static bool same_table(const struct pfx *a, const struct pfx *b)
{
	return a->family == b->family && a->table == b->table;
}

static int add_table(struct fib *f, struct fib_table *t)
{
	struct fib_table **v = realloc(f->tables, (f->n_tables + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	f->tables = v;
	f->tables[f->n_tables++] = t;
	return 0;
}

/* Build the dirty tables from @v (sorted by table). */
static int build_tables(const struct lookup_env *env, struct fib *f, struct pfx *v, size_t n)
{
	struct fib_table *t;
	size_t i, j;
	int rc;

	for (i = 0; i < n; i = j) {
		for (j = i; j < n && same_table(&v[i], &v[j]); j++)
			;
		rc = table_build(env, f, v[i].head->key.family, v[i].head->key.table, v + i, j - i,
				 &t);
		if (rc)
			return rc;
		t->owner = f;
		f->compiled++;
		if ((rc = add_table(f, t))) {
			table_free(t);
			return rc;
		}
	}
	return 0;
}

/* Take the clean tables of @prev over. */
static int carry_over(struct fib *f, const struct fib *prev, const struct fib_dirty *dirty)
{
	size_t i;
	int rc;

	for (i = 0; prev && i < prev->n_tables; i++) {
		struct fib_table *t = prev->tables[i];

		if (is_dirty(dirty, t->family, t->id))
			continue;
		if ((rc = add_table(f, t)))
			return rc;
	}
	return 0;
}

static int dev4_cmp(const void *a, const void *b)
{
	return ((const struct fib_dev4 *)a)->ifindex - ((const struct fib_dev4 *)b)->ifindex;
}

/* What ref4.c's input4 and validate_source read, per device and once. */
static int in4_build(const struct lookup_env *env, struct fib_in4 *in)
{
	int all = ref_netconf(env, AF_INET, NETCONFA_IFINDEX_ALL, NC_RP_FILTER);
	struct hnode *n;
	size_t i;

	in->dev = calloc(env->rib->n_links + 1, sizeof(*in->dev));
	if (!in->dev)
		return -ENOMEM;
	htab_for_each (&env->rib->links, i, n) {
		const struct rib_link *l = container_of(n, struct rib_link, hn);
		struct fib_dev4 *d = &in->dev[in->n];
		int rpf = ref_netconf(env, AF_INET, l->o.ifindex, NC_RP_FILTER);

		if (in->n == env->rib->n_links)
			break;
		in->n++;
		d->ifindex = l->o.ifindex;
		d->rpf = rpf > all ? rpf : all;
		d->fwd = ref_netconf(env, AF_INET, l->o.ifindex, NC_FORWARDING) > 0;
		d->has_addrs = !ilist_empty(&l->addrs[0]);
		d->loop = l->o.flags & IFF_LOOPBACK_;
	}
	qsort(in->dev, in->n, sizeof(*in->dev), dev4_cmp);
	in->accept_local = ref_sysctl(env, "net/ipv4/conf/all/accept_local", 0) > 0;
	in->src_valid_mark = ref_sysctl(env, "net/ipv4/conf/all/src_valid_mark", 0) > 0;
	in->custom_local = env->rib->v4_local_added;
	return 0;
}

const struct fib_dev4 *fib_dev4_find(const struct fib *f, int ifindex)
{
	struct fib_dev4 key = {.ifindex = ifindex};

	return bsearch(&key, f->in4.dev, f->in4.n, sizeof(key), dev4_cmp);
}

int fib_build(const struct lookup_env *env, struct fib *prev, struct fib_dirty *dirty,
	      struct fib **ret)
{
	struct fib_priv *p = calloc(1, sizeof(*p));
	struct fib *f = &p->f;
	struct pfx *v = NULL;
	size_t n, i;
	int rc = -ENOMEM;

	if (!p)
		return -ENOMEM;
	/* The addresses first: IPv6 outcomes choose their sources from them. */
	if ((rc = lk_addrs6_build(env->rib, &f->addrs6)) ||
	    (rc = lk_addrs4_build(env->rib, &f->addrs4)) || (rc = in4_build(env, &f->in4)))
		goto fail;
	patch_tables(env, f, prev, dirty);
	if ((rc = collect(env, prev, dirty, &v, &n)))
		goto fail;
	if (n) /* none when only rules changed */
		qsort(v, n, sizeof(*v), pfx_cmp);
	if ((rc = build_tables(env, f, v, n)) || (rc = carry_over(f, prev, dirty)))
		goto fail;
	if (f->n_tables)
		qsort(f->tables, f->n_tables, sizeof(*f->tables), table_cmp);
	f->main4 = fib_table_find(f, AF_INET, RT_TABLE_MAIN);
	f->v4_merged = !lk_v4_custom_rules(env->rib);
	if ((rc = rules_compile(env, f, 0)) || (rc = rules_compile(env, f, 1)))
		goto fail;
	lk_mp_params(env, &f->mp);
	f->gen = prev ? prev->gen + 1 : 1;
	free(v);
	/* What was carried over now belongs to the new fib. */
	for (i = 0; i < f->n_tables; i++) /* an older fib's free may be reading it */
		__atomic_store_n(&f->tables[i]->owner, f, __ATOMIC_RELAXED);
	*ret = f;
	return 0;
fail:
	free(v);
	fib_free(f);
	return rc;
}
