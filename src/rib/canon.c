// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Canonical form and comparison of two RIBs (verify and resync).
 *
 * Every object is rendered to one line holding exactly what identifies it and
 * what a lookup depends on: values that tick (lifetimes, expiry countdowns)
 * are left out, flags the kernel derives at dump time are derived the same
 * way (export.c), and order-sensitive objects carry their position (rules in
 * their list, routes in their alias list, addresses on their device). Lines
 * are hashed to 128 bits and the two sorted hash lists are merged, so a
 * million-route comparison needs 32 bytes per object, not the text; only the
 * differing objects are rendered again for the caller.
 *
 * Routes, nearly every object of a big RIB, are hashed from a binary form of
 * the same fields instead of their text (route_bin): formatting two million
 * lines took two seconds of a 1M-route resync. Both forms hold every field
 * of the line unambiguously, so two routes hash alike exactly when their
 * lines are equal.
 *
 * What is left of a million-route comparison is memory: the routes are
 * visited in bucket order, which is random in memory, so each would be a
 * cache and TLB miss in turn; the walk asks for the routes a few buckets
 * ahead (collect_routes). The hashes are uniform, so they are sorted by one
 * counting pass on their top bits and insertion within the small buckets
 * (cvec_sort), not by qsort's comparisons.
 */
#include "rib.h"

#include "util/bigmem.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_LEN 8192
/* route_bin()'s longest output: the head (under 200 bytes with every metric)
 * and as many hops as a route exports (a nexthop group's members: up to
 * UINT16_MAX), at most 33 bytes written for each. A few MiB, allocated once
 * per comparison and mostly never touched. */
#define BIN_MAX_LEN (128 + 4 * FM_RTAX_MAX + (size_t)UINT16_MAX * 40)
#define BUF_LEN	    (BIN_MAX_LEN > LINE_MAX_LEN ? BIN_MAX_LEN : LINE_MAX_LEN)

/* 32 bytes: glibc's qsort moves elements of up to 32 bytes directly, and
 * sorts larger ones through an array of pointers (a second random pass). */
struct cobj {
	uint64_t h1, h2;
	const void *obj;
	uint32_t kind; /* enum fm_kind */
	uint32_t pos;
};

struct cvec {
	struct cobj *v;
	size_t n, cap;
	int err;
};

static void ip_put(char **p, char *end, const struct fm_ip *ip)
{
	char b[64];

	if (!ip->family) {
		*p += snprintf(*p, end - *p, " -");
		return;
	}
	fm_ip_format(ip, b, sizeof(b));
	*p += snprintf(*p, end - *p, " %s", b);
	if (*p > end)
		*p = end;
}

#define PUT(...)                                                                                   \
	do {                                                                                       \
		p += snprintf(p, end - p, __VA_ARGS__);                                            \
		if (p > end)                                                                       \
			p = end;                                                                   \
	} while (0)

/* Multipath and nexthop-object routes: the hops carry the live flags. */
static uint32_t route_flags(const struct fm_route *o)
{
	return (o->nhops > 1 || o->nhid) ? o->flags & ~(uint32_t)(RTNH_F_DEAD | RTNH_F_LINKDOWN)
					 : o->flags;
}

static unsigned char *put_u32(unsigned char *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
	return p + sizeof(v);
}

/* An address as its family and that family's bytes (none without one). All
 * 16 are copied, a fixed-size copy the compiler inlines; the position moves
 * on by the family's length, so the rest is overwritten or never counted
 * (the buffer has room: BIN_MAX_LEN allows 40 bytes a hop). */
static unsigned char *put_ip(unsigned char *p, const struct fm_ip *ip)
{
	*p++ = ip->family;
	memcpy(p, ip->b, sizeof(ip->b));
	return ip->family ? p + fam_alen(ip->family) : p;
}

/* The fields of route_line(), in binary; returns the length (<= BIN_MAX_LEN).
 * The leading 0 byte keeps it apart from every text line. */
static size_t route_bin(struct rib *rib, const struct rib_route *r, uint32_t pos,
			unsigned char *buf)
{
	unsigned char *p = buf;
	struct fm_route o;
	int i;

	rib_route_export(rib, r, &o);
	*p++ = 0;
	*p++ = o.family;
	p = put_u32(p, o.table);
	p = put_ip(p, &o.dst);
	*p++ = o.dst_len;
	p = put_ip(p, &o.src);
	*p++ = o.src_len;
	p = put_u32(p, pos);
	*p++ = o.tos;
	*p++ = o.type;
	*p++ = o.protocol;
	*p++ = o.scope;
	*p++ = o.pref;
	p = put_u32(p, o.priority);
	p = put_u32(p, route_flags(&o));
	p = put_u32(p, o.nhid);
	p = put_ip(p, &o.prefsrc);
	p = put_u32(p, o.metrics_mask);
	for (i = 1; i < FM_RTAX_MAX; i++)
		if (o.metrics_mask & (1u << i))
			p = put_u32(p, o.metrics[i]);
	p = put_u32(p, o.nhops);
	for (i = 0; i < o.nhops; i++) {
		p = put_ip(p, &o.hops[i].gw);
		p = put_u32(p, (uint32_t)o.hops[i].ifindex);
		p = put_u32(p, o.hops[i].weight);
		p = put_u32(p, o.hops[i].flags);
		p = put_u32(p, o.hops[i].realm);
	}
	return (size_t)(p - buf);
}

static void route_line(struct rib *rib, const struct rib_route *r, uint32_t pos, char *buf)
{
	char *p = buf, *end = buf + LINE_MAX_LEN - 1;
	struct fm_route o;
	uint32_t flags;
	int i;

	rib_route_export(rib, r, &o);
	flags = route_flags(&o);
	PUT("route f%u t%u", o.family, o.table);
	ip_put(&p, end, &o.dst);
	PUT("/%u from", o.dst_len);
	ip_put(&p, end, &o.src);
	PUT("/%u #%u tos %u type %u proto %u scope %u metric %u flags 0x%x nhid %u pref %u "
	    "prefsrc",
	    o.src_len, pos, o.tos, o.type, o.protocol, o.scope, o.priority, flags, o.nhid, o.pref);
	ip_put(&p, end, &o.prefsrc);
	for (i = 1; i < FM_RTAX_MAX; i++)
		if (o.metrics_mask & (1u << i))
			PUT(" rtax%d=%u", i, o.metrics[i]);
	for (i = 0; i < o.nhops; i++) {
		PUT(" [via");
		ip_put(&p, end, &o.hops[i].gw);
		PUT(" dev %d w %u f 0x%x realm %u]", o.hops[i].ifindex, o.hops[i].weight,
		    o.hops[i].flags, o.hops[i].realm);
	}
	*p = '\0';
}

static void rule_line(const struct rib *rib, const struct fm_rule *in, uint32_t pos, char *buf)
{
	char *p = buf, *end = buf + LINE_MAX_LEN - 1;
	struct fm_rule r;

	rib_rule_export(rib, in, &r);
	PUT("rule f%u #%u pref %u act %u table %u flags 0x%x tos %u from", r.family, pos,
	    r.priority, r.action, r.table, r.flags, r.tos);
	ip_put(&p, end, &r.src);
	PUT("/%u to", r.src_len);
	ip_put(&p, end, &r.dst);
	PUT("/%u attrs 0x%x mark %x/%x goto %u supp %u/%u iif '%s' oif '%s' uid %u-%u "
	    "sport %u-%u dport %u-%u proto %u ipproto %u l3mdev %u flow %u tun %llu",
	    r.dst_len, r.attrs, r.fwmark, r.fwmask, r.goto_target, r.suppress_prefixlen,
	    r.suppress_ifgroup, r.iifname, r.oifname, r.uid_start, r.uid_end, r.sport_lo,
	    r.sport_hi, r.dport_lo, r.dport_hi, r.protocol, r.ip_proto, r.l3mdev, r.flow,
	    (unsigned long long)r.tun_id);
	*p = '\0';
}

static void nh_line(const struct fm_nexthop *nh, char *buf)
{
	char *p = buf, *end = buf + LINE_MAX_LEN - 1;
	int i;

	PUT("nexthop %u f%u proto %u scope %u flags 0x%x bh %d fdb %d dev %d gw", nh->id,
	    nh->family, nh->protocol, nh->scope, nh->flags, nh->blackhole, nh->fdb, nh->ifindex);
	ip_put(&p, end, &nh->gw);
	PUT(" type %u buckets %u idle %u unbal %u", nh->group_type, nh->res_buckets,
	    nh->res_idle_timer, nh->res_unbalanced_timer);
	for (i = 0; i < nh->nmembers; i++)
		PUT(" %u/%u", nh->members[i].id, nh->members[i].weight);
	*p = '\0';
}

static void link_line(const struct fm_link *l, char *buf)
{
	char *p = buf, *end = buf + LINE_MAX_LEN - 1;
	int i;

	PUT("link %d '%s' kind '%s' flags 0x%x group %u mtu %u master %d type %u addr ", l->ifindex,
	    l->name, l->kind, l->flags, l->group, l->mtu, l->master, l->type);
	for (i = 0; i < l->addr_len && i < (int)sizeof(l->addr); i++)
		PUT("%02x", l->addr[i]);
	*p = '\0';
}

static void addr_line(const struct fm_address *a, uint32_t pos, char *buf)
{
	char *p = buf, *end = buf + LINE_MAX_LEN - 1;

	PUT("addr f%u dev %d #%u", a->family, a->ifindex, pos);
	ip_put(&p, end, &a->local);
	PUT("/%u peer", a->prefixlen);
	ip_put(&p, end, &a->address);
	PUT(" brd");
	ip_put(&p, end, &a->broadcast);
	PUT(" scope %u flags 0x%x label '%s' metric %u", a->scope, a->flags, a->label, a->metric);
	*p = '\0';
}

static void netconf_line(const struct fm_netconf *n, char *buf)
{
	snprintf(buf, LINE_MAX_LEN, "netconf f%u dev %d fwd %d rpf %d mcfwd %d proxy %d ignld %d",
		 n->family, n->ifindex, n->forwarding, n->rp_filter, n->mc_forwarding,
		 n->proxy_neigh, n->ignore_routes_with_linkdown);
}

static void render(struct rib *rib, const struct cobj *c, char *buf)
{
	switch (c->kind) {
	case FM_KIND_ROUTE:
		route_line(rib, c->obj, c->pos, buf);
		break;
	case FM_KIND_RULE:
		rule_line(rib, c->obj, c->pos, buf);
		break;
	case FM_KIND_NEXTHOP:
		nh_line(&((const struct rib_nh *)c->obj)->o, buf);
		break;
	case FM_KIND_LINK:
		link_line(&((const struct rib_link *)c->obj)->o, buf);
		break;
	case FM_KIND_ADDR:
		addr_line(&((const struct rib_addr *)c->obj)->o, c->pos, buf);
		break;
	default:
		netconf_line(c->obj, buf);
		break;
	}
}

/* Vectors live on huge-page mappings (util/bigmem.h): a million objects
 * are 32 MB, which 4 KiB pages fault in one at a time. */
static void cvec_free(struct cvec *v)
{
	fm_big_free(v->v, v->cap, sizeof(*v->v));
	v->v = NULL;
	v->cap = 0;
}

/* Double the room; reserve() normally made enough already. */
static int cvec_grow(struct cvec *v)
{
	size_t cap = v->cap ? v->cap * 2 : 1024;
	struct cobj *nv = fm_big_calloc(cap, sizeof(*nv));

	if (!nv) {
		v->err = -ENOMEM;
		return v->err;
	}
	if (v->n)
		memcpy(nv, v->v, v->n * sizeof(*nv));
	cvec_free(v);
	v->v = nv;
	v->cap = cap;
	return 0;
}

static void add(struct rib *rib, struct cvec *v, enum fm_kind kind, const void *obj, uint32_t pos,
		char *buf)
{
	struct cobj *c;
	size_t len;

	if (v->n == v->cap && cvec_grow(v))
		return;
	c = &v->v[v->n++];
	c->kind = kind;
	c->obj = obj;
	c->pos = pos;
	if (kind == FM_KIND_ROUTE) {
		len = route_bin(rib, obj, pos, (unsigned char *)buf);
	} else {
		render(rib, c, buf);
		len = strlen(buf);
	}
	c->h1 = fm_hash(buf, len);
	buf[len] = '\1'; /* a second, independent hash of the same line */
	c->h2 = fm_hash(buf, len + 1);
}

/* Room for every object at once: growing by doubling copied the vector
 * twenty times for a million routes. */
static void reserve(const struct rib *rib, struct cvec *v)
{
	size_t n = rib->n_routes + rib->n_nhs + rib->n_links + rib->n_addrs + rib->rules[0].n +
		   rib->rules[1].n + rib->n_netconf + 1;

	if ((v->v = fm_big_calloc(n, sizeof(*v->v))))
		v->cap = n;
}

/* Buckets walked ahead: enough misses in flight to cover a memory latency. */
#define ROUTE_AHEAD 8

/* Ask for the lines of the route at @n (NULL: none). Integer arithmetic:
 * there is no object at NULL to offset into, and a prefetch never faults. */
static void route_prefetch(const struct hnode *n)
{
	uintptr_t a = (uintptr_t)n;
	size_t off;

	for (off = 0; off < sizeof(struct rib_route); off += 64)
		__builtin_prefetch((const void *)(a + off));
}

/* Every route, each alias list in its order. */
static void collect_routes(struct rib *rib, struct cvec *v, char *buf)
{
	const struct htab *t = &rib->routes;
	const struct hnode *n;
	size_t i;

	for (i = 0; i <= t->mask; i++) {
		if (i + ROUTE_AHEAD <= t->mask)
			route_prefetch(t->b[i + ROUTE_AHEAD]);
		for (n = t->b[i]; n; n = n->next) {
			const struct rib_route *r = container_of(n, struct rib_route, hn);
			uint32_t pos = 0;

			for (; r; r = r->next)
				add(rib, v, FM_KIND_ROUTE, r, pos++, buf);
		}
	}
}

static void collect(struct rib *rib, struct cvec *v, char *buf)
{
	struct hnode *n;
	size_t i;
	int f;

	reserve(rib, v);
	collect_routes(rib, v, buf);
	htab_for_each (&rib->nhs, i, n)
		add(rib, v, FM_KIND_NEXTHOP, container_of(n, struct rib_nh, hn), 0, buf);
	htab_for_each (&rib->links, i, n) {
		struct rib_link *l = container_of(n, struct rib_link, hn);
		struct ilist *p;

		add(rib, v, FM_KIND_LINK, l, 0, buf);
		for (f = 0; f < 2; f++) {
			uint32_t pos = 0;

			for (p = l->addrs[f].next; p != &l->addrs[f]; p = p->next) {
				struct rib_addr *a = container_of(p, struct rib_addr, link);

				/* The kernel announces an IPv6 address only once DAD is
				 * done, and never uses it before: tentative ones are
				 * not compared. */
				if (f == 1 && (a->o.flags & IFA_F_TENTATIVE))
					continue;
				add(rib, v, FM_KIND_ADDR, a, pos++, buf);
			}
		}
	}
	for (f = 0; f < 2; f++)
		for (i = 0; i < rib->rules[f].n; i++)
			add(rib, v, FM_KIND_RULE, &rib->rules[f].v[i], (uint32_t)i, buf);
	for (i = 0; i < rib->n_netconf; i++)
		add(rib, v, FM_KIND_NETCONF, &rib->netconf[i], 0, buf);
}

static int cobj_cmp(const void *a, const void *b)
{
	const struct cobj *x = a, *y = b;

	if (x->h1 != y->h1)
		return x->h1 < y->h1 ? -1 : 1;
	if (x->h2 != y->h2)
		return x->h2 < y->h2 ? -1 : 1;
	return 0;
}

/* The top bits sorted on: buckets of 4 to 8 objects on average. */
static unsigned radix_bits(size_t n)
{
	unsigned b = 1;

	while (b < 24 && (n >> (b + 3)))
		b++;
	return b;
}

/* Insertion sort of one bucket; a big one (never, with a keyed hash) by qsort. */
static void bucket_sort(struct cobj *v, size_t n)
{
	size_t i, j;

	if (n > 32) {
		qsort(v, n, sizeof(*v), cobj_cmp);
		return;
	}
	for (i = 1; i < n; i++) {
		struct cobj x = v[i];

		for (j = i; j && cobj_cmp(&v[j - 1], &x) > 0; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/*
 * Sort @v by (h1, h2): scatter by the top bits of h1 into a second array,
 * then put each bucket in order. Without memory for the second array,
 * qsort in place: slower, same order.
 */
static void cvec_sort(struct cvec *v)
{
	unsigned bits = radix_bits(v->n), shift = 64 - bits;
	size_t nb = (size_t)1 << bits, i, *at = NULL;
	struct cobj *out = NULL;

	if (v->n < 2)
		return;
	if (!(at = calloc(nb + 1, sizeof(*at))) || !(out = fm_big_calloc(v->n, sizeof(*out)))) {
		free(at);
		qsort(v->v, v->n, sizeof(*v->v), cobj_cmp);
		return;
	}
	for (i = 0; i < v->n; i++)
		at[(v->v[i].h1 >> shift) + 1]++;
	for (i = 1; i <= nb; i++)
		at[i] += at[i - 1];
	for (i = 0; i < v->n; i++)
		out[at[v->v[i].h1 >> shift]++] = v->v[i];
	/* at[k] is now where bucket k ends, and so where k + 1 starts. */
	for (i = 0; i < nb; i++)
		bucket_sort(out + (i ? at[i - 1] : 0), at[i] - (i ? at[i - 1] : 0));
	free(at);
	cvec_free(v);
	v->v = out;
	v->cap = v->n;
}

static int report(struct rib *rib, const struct cobj *c, char sign, fm_diff_cb cb, void *cb_arg,
		  rib_diff_obj_fn on_diff, void *diff_arg, char *buf)
{
	if (on_diff)
		on_diff(sign, c->kind, c->obj, diff_arg);
	if (!cb)
		return 0;
	render(rib, c, buf);
	return cb(sign, buf, cb_arg);
}

long rib_diff(struct rib *mirror, struct rib *kernel, fm_diff_cb cb, void *cb_arg,
	      rib_diff_obj_fn on_diff, void *diff_arg)
{
	struct cvec a = {0}, b = {0};
	char *buf = malloc(BUF_LEN + 2);
	size_t i = 0, j = 0;
	long diffs = 0;
	int c;

	if (!buf)
		return -ENOMEM;
	collect(mirror, &a, buf);
	collect(kernel, &b, buf);
	if (a.err || b.err) {
		diffs = -ENOMEM;
		goto out;
	}
	cvec_sort(&a);
	cvec_sort(&b);
	while (i < a.n || j < b.n) {
		c = i == a.n ? 1 : j == b.n ? -1 : cobj_cmp(&a.v[i], &b.v[j]);
		if (c == 0) {
			i++;
			j++;
			continue;
		}
		diffs++;
		if (c < 0)
			report(mirror, &a.v[i++], '-', cb, cb_arg, on_diff, diff_arg, buf);
		else
			report(kernel, &b.v[j++], '+', cb, cb_arg, on_diff, diff_arg, buf);
	}
out:
	cvec_free(&a);
	cvec_free(&b);
	free(buf);
	return diffs;
}
