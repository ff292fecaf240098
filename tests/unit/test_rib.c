// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * RIB semantics without a kernel: alias order (IPv4 tos/metric/prepend/
 * append/replace), dump order, idempotent replay, IPv6 siblings, the silent
 * kernel side effects, and the gateway/device indexes and watches checked
 * against a brute-force scan of the whole RIB over random operations (fixed,
 * printed seed).
 */
#include "index/index.h"
#include "rib/rib.h"
#include "util/bigmem.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

#define ADD  (NLM_F_CREATE | NLM_F_EXCL)
#define DUMP NLM_F_MULTI

static struct fm_ip ip(const char *s)
{
	struct fm_ip a;

	fm_ip_parse(s, &a);
	return a;
}

struct rt {
	struct fm_route r;
	struct fm_hop h[4];
};

/* "10.0.0.0/8" dst, gateways "g1,g2" (or ""), device, metric, tos. */
static struct fm_route *mk(struct rt *x, const char *dst, const char *gws, int dev, uint32_t metric,
			   uint8_t tos)
{
	char buf[128], *tok, *save, *slash;

	memset(x, 0, sizeof(*x));
	snprintf(buf, sizeof(buf), "%s", dst);
	slash = strchr(buf, '/');
	*slash = '\0';
	x->r.dst = ip(buf);
	x->r.family = x->r.dst.family;
	x->r.dst_len = (uint8_t)atoi(slash + 1);
	x->r.src.family = x->r.family;
	x->r.table = RT_TABLE_MAIN;
	x->r.type = RTN_UNICAST;
	x->r.protocol = RTPROT_STATIC;
	x->r.priority = metric;
	x->r.tos = tos;
	x->r.pref = 0xff;
	x->r.hops = x->h;
	snprintf(buf, sizeof(buf), "%s", gws);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		x->h[x->r.nhops].gw = ip(tok);
		x->h[x->r.nhops].ifindex = dev;
		x->h[x->r.nhops++].weight = 1;
	}
	if (!x->r.nhops && dev) {
		x->h[0].ifindex = dev;
		x->h[0].weight = 1;
		x->r.nhops = 1;
		x->r.scope = RT_SCOPE_LINK;
	}
	return &x->r;
}

/* The alias list at a prefix, as "metric/gw" words. */
static const char *aliases(struct rib *rib, const char *dst)
{
	static char out[512];
	struct rt x;
	struct rib_key k;
	struct rib_route *r;
	char *p = out, g[64];
	int alen;

	mk(&x, dst, "", 0, 0, 0);
	memset(&k, 0, sizeof(k));
	alen = fam_alen(x.r.family);
	k.family = x.r.family;
	k.table = RT_TABLE_MAIN;
	k.dst_len = x.r.dst_len;
	memcpy(k.dst, x.r.dst.b, alen);
	out[0] = '\0';
	for (r = rib_route_head(rib, &k); r; r = r->next) {
		p += sprintf(p, "%s%u/%u", p == out ? "" : " ", r->tos, r->priority);
		for (int i = 0; i < r->nhops; i++)
			p += sprintf(p, "%s%s", i ? "+" : "/",
				     r->hops[i].h.gw.family ? fm_ip_format(&r->hops[i].h.gw, g, 64)
							    : "dev");
	}
	return out;
}

static void add_link(struct rib *rib, int ifindex, const char *name, uint32_t flags)
{
	struct fm_link l = {.ifindex = ifindex, .flags = flags};

	snprintf(l.name, sizeof(l.name), "%s", name);
	rib_link_apply(rib, RIB_NEW, &l);
}

static void add_addr(struct rib *rib, int ifindex, const char *a, int len, enum rib_op op)
{
	struct fm_address x = {.prefixlen = (uint8_t)len, .ifindex = ifindex};

	x.local = x.address = ip(a);
	x.family = x.local.family;
	rib_addr_apply(rib, op, 0, &x);
}

static void test_v4_order(void)
{
	struct rib rib;
	struct rt x;

	rib_init(&rib);
	rib_route_apply(&rib, RIB_NEW, ADD, mk(&x, "10.0.0.0/8", "192.0.2.1", 2, 10, 0));
	rib_route_apply(&rib, RIB_NEW, ADD, mk(&x, "10.0.0.0/8", "192.0.2.2", 2, 5, 0));
	ok(!strcmp(aliases(&rib, "10.0.0.0/8"), "0/5/192.0.2.2 0/10/192.0.2.1"),
	   "IPv4 aliases sorted by metric: %s", aliases(&rib, "10.0.0.0/8"));
	rib_route_apply(&rib, RIB_NEW, ADD, mk(&x, "10.0.0.0/8", "192.0.2.3", 2, 50, 0x10));
	ok(!strcmp(aliases(&rib, "10.0.0.0/8"), "16/50/192.0.2.3 0/5/192.0.2.2 0/10/192.0.2.1"),
	   "tos routes before tos-0 routes whatever the metric: %s", aliases(&rib, "10.0.0.0/8"));
	rib_route_apply(&rib, RIB_NEW, NLM_F_CREATE, mk(&x, "10.0.0.0/8", "192.0.2.4", 2, 5, 0));
	ok(!strcmp(aliases(&rib, "10.0.0.0/8"),
		   "16/50/192.0.2.3 0/5/192.0.2.4 0/5/192.0.2.2 0/10/192.0.2.1"),
	   "prepend goes before its (tos, metric) group: %s", aliases(&rib, "10.0.0.0/8"));
	rib_route_apply(&rib, RIB_NEW, NLM_F_CREATE | NLM_F_APPEND,
			mk(&x, "10.0.0.0/8", "192.0.2.5", 2, 5, 0));
	ok(!strcmp(aliases(&rib, "10.0.0.0/8"),
		   "16/50/192.0.2.3 0/5/192.0.2.4 0/5/192.0.2.2 0/5/192.0.2.5 0/10/192.0.2.1"),
	   "append goes after its group: %s", aliases(&rib, "10.0.0.0/8"));
	rib_route_apply(&rib, RIB_NEW, NLM_F_REPLACE, mk(&x, "10.0.0.0/8", "192.0.2.6", 2, 5, 0));
	ok(!strcmp(aliases(&rib, "10.0.0.0/8"),
		   "16/50/192.0.2.3 0/5/192.0.2.6 0/5/192.0.2.2 0/5/192.0.2.5 0/10/192.0.2.1"),
	   "replace replaces the first of its group: %s", aliases(&rib, "10.0.0.0/8"));
	rib_route_apply(&rib, RIB_NEW, ADD, mk(&x, "10.0.0.0/8", "192.0.2.6", 2, 5, 0));
	ok(rib.n_routes == 5, "an identical add (a replayed event) is a no-op (%llu routes)",
	   (unsigned long long)rib.n_routes);
	rib_route_apply(&rib, RIB_DEL, 0, mk(&x, "10.0.0.0/8", "192.0.2.2", 2, 5, 0));
	ok(!strcmp(aliases(&rib, "10.0.0.0/8"),
		   "16/50/192.0.2.3 0/5/192.0.2.6 0/5/192.0.2.5 0/10/192.0.2.1"),
	   "delete removes exactly the matching alias: %s", aliases(&rib, "10.0.0.0/8"));
	rib_fini(&rib);

	rib_init(&rib);
	rib_route_apply(&rib, RIB_NEW, DUMP, mk(&x, "10.0.0.0/8", "192.0.2.9", 2, 5, 0));
	rib_route_apply(&rib, RIB_NEW, DUMP, mk(&x, "10.0.0.0/8", "192.0.2.8", 2, 5, 0));
	ok(!strcmp(aliases(&rib, "10.0.0.0/8"), "0/5/192.0.2.9 0/5/192.0.2.8"),
	   "dumped aliases keep dump order: %s", aliases(&rib, "10.0.0.0/8"));
	rib_fini(&rib);
}

/* A prefix length past the family's address is refused whole, before the
 * RIB (or its per-table length count, sized for 128) sees it. */
static void test_bad_lengths(void)
{
	struct rib rib;
	struct rt x;
	int rc;

	rib_init(&rib);
	rc = rib_route_apply(&rib, RIB_NEW, ADD, mk(&x, "10.0.0.0/33", "192.0.2.1", 2, 0, 0));
	ok(rc == -EINVAL, "IPv4 /33: -EINVAL (%d)", rc);
	rc = rib_route_apply(&rib, RIB_NEW, ADD, mk(&x, "2001:db8::/129", "fe80::1", 2, 0, 0));
	ok(rc == -EINVAL, "IPv6 /129: -EINVAL (%d)", rc);
	mk(&x, "2001:db8::/64", "fe80::1", 2, 0, 0)->src_len = 129;
	rc = rib_route_apply(&rib, RIB_NEW, ADD, &x.r);
	ok(rc == -EINVAL, "IPv6 from ::/129: -EINVAL (%d)", rc);
	ok(rib.n_routes == 0 && !rib_tlens_find(&rib, AF_INET, RT_TABLE_MAIN) &&
	       !rib_tlens_find(&rib, AF_INET6, RT_TABLE_MAIN),
	   "nothing applied, no table counted (%llu routes)", (unsigned long long)rib.n_routes);
	rc = rib_route_apply(&rib, RIB_NEW, ADD, mk(&x, "10.0.0.1/32", "192.0.2.1", 2, 0, 0));
	ok(rc == 0 && rib.n_routes == 1, "IPv4 /32 is taken (%d)", rc);
	rib_fini(&rib);
}

static void test_v6_siblings(void)
{
	struct rib rib;
	struct rt x;

	rib_init(&rib);
	rib_route_apply(&rib, RIB_NEW, ADD, mk(&x, "2001:db8::/32", "fe80::1", 2, 1024, 0));
	rib_route_apply(&rib, RIB_NEW, NLM_F_CREATE | NLM_F_APPEND,
			mk(&x, "2001:db8::/32", "fe80::1,fe80::2", 2, 1024, 0));
	ok(!strcmp(aliases(&rib, "2001:db8::/32"), "0/1024/fe80::1+fe80::2") && rib.n_routes == 1,
	   "IPv6 append merges siblings into one ECMP route: %s", aliases(&rib, "2001:db8::/32"));
	rib_route_apply(&rib, RIB_NEW, NLM_F_CREATE | NLM_F_APPEND,
			mk(&x, "2001:db8::/32", "fe80::3", 2, 1024, 0));
	rib_route_apply(&rib, RIB_DEL, 0, mk(&x, "2001:db8::/32", "fe80::2", 2, 1024, 0));
	ok(!strcmp(aliases(&rib, "2001:db8::/32"), "0/1024/fe80::1+fe80::3"),
	   "a DELROUTE naming one sibling removes that hop: %s", aliases(&rib, "2001:db8::/32"));
	rib_route_apply(&rib, RIB_NEW, ADD, mk(&x, "2001:db8::/32", "", 3, 1024, 0));
	rib_route_apply(&rib, RIB_NEW, ADD, mk(&x, "2001:db8::/32", "", 4, 1024, 0));
	ok(rib.n_routes == 3, "device routes of one metric stay separate routes (%llu)",
	   (unsigned long long)rib.n_routes);
	rib_route_apply(&rib, RIB_DEL, 0, mk(&x, "2001:db8::/32", "fe80::1,fe80::3", 2, 1024, 0));
	ok(!strcmp(aliases(&rib, "2001:db8::/32"), "0/1024/dev 0/1024/dev"),
	   "deleting the last siblings removes the route: %s", aliases(&rib, "2001:db8::/32"));
	rib_fini(&rib);
}

static void test_implicit(void)
{
	struct rib rib;
	struct rt x;
	struct fm_link l = {.ifindex = 2, .flags = IFF_UP};
	struct fm_nexthop nh = {.id = 1, .family = AF_INET, .ifindex = 3};
	struct fm_nh_member m[2] = {{.id = 1, .weight = 1}, {.id = 2, .weight = 1}};
	struct fm_nexthop g = {.id = 10, .family = AF_INET, .nmembers = 2, .members = m};

	rib_init(&rib);
	add_link(&rib, 2, "v0", IFF_UP | IFF_LOWER_UP);
	add_link(&rib, 3, "v2", IFF_UP | IFF_LOWER_UP);
	add_addr(&rib, 2, "192.0.2.1", 24, RIB_NEW);
	add_addr(&rib, 3, "198.51.100.1", 24, RIB_NEW);
	rib_route_apply(&rib, RIB_NEW, ADD, mk(&x, "10.1.0.0/16", "192.0.2.2", 2, 0, 0));
	mk(&x, "10.2.0.0/16", "192.0.2.2,198.51.100.2", 2, 0, 0);
	x.h[1].ifindex = 3;
	rib_route_apply(&rib, RIB_NEW, ADD, &x.r);
	mk(&x, "192.0.2.1/32", "", 2, 0, 0);
	x.r.type = RTN_LOCAL;
	x.r.scope = RT_SCOPE_HOST;
	x.r.table = RT_TABLE_LOCAL;
	rib_route_apply(&rib, RIB_NEW, ADD, &x.r);

	l.flags = IFF_UP; /* carrier lost */
	snprintf(l.name, sizeof(l.name), "v0");
	rib_link_apply(&rib, RIB_NEW, &l);
	ok(!strcmp(aliases(&rib, "10.1.0.0/16"), "0/0/192.0.2.2"), "carrier loss keeps routes");
	l.flags = 0; /* admin down */
	rib_link_apply(&rib, RIB_NEW, &l);
	ok(!strcmp(aliases(&rib, "10.1.0.0/16"), ""), "admin down flushes IPv4 routes silently");
	ok(!strcmp(aliases(&rib, "10.2.0.0/16"), "0/0/192.0.2.2+198.51.100.2"),
	   "a multipath route with a live member survives");
	{
		struct rib_route *r = rib_route_head(&rib, &(struct rib_key){.family = AF_INET,
									     .table = RT_TABLE_MAIN,
									     .dst = {10, 2},
									     .dst_len = 16});

		ok(r &&
		       (r->hops[0].h.flags & (RTNH_F_DEAD | RTNH_F_LINKDOWN)) ==
			   (RTNH_F_DEAD | RTNH_F_LINKDOWN) &&
		       r->hops[1].h.flags == 0,
		   "its member on the device is dead+linkdown, the other untouched");
	}
	ok(rib.n_routes == 2, "the local (host-scope) route survives down (%llu routes)",
	   (unsigned long long)rib.n_routes);

	rib_route_apply(&rib, RIB_NEW, ADD, mk(&x, "10.3.0.0/16", "198.51.100.2", 3, 0, 0));
	add_addr(&rib, 3, "198.51.100.1", 24, RIB_DEL);
	ok(!strcmp(aliases(&rib, "10.3.0.0/16"), ""),
	   "removing a device's last IPv4 address flushes its routes");

	add_addr(&rib, 3, "198.51.100.1", 24, RIB_NEW);
	nh.gw = ip("198.51.100.2");
	rib_nexthop_apply(&rib, RIB_NEW, 0, &nh);
	nh.id = 2;
	nh.gw = ip("198.51.100.3");
	rib_nexthop_apply(&rib, RIB_NEW, 0, &nh);
	rib_nexthop_apply(&rib, RIB_NEW, 0, &g);
	mk(&x, "10.4.0.0/16", "", 0, 0, 0);
	x.r.nhid = 1;
	rib_route_apply(&rib, RIB_NEW, ADD, &x.r);
	mk(&x, "10.5.0.0/16", "", 0, 0, 0);
	x.r.nhid = 10;
	rib_route_apply(&rib, RIB_NEW, ADD, &x.r);
	nh.id = 1;
	rib_nexthop_apply(&rib, RIB_DEL, 0, &nh);
	ok(!strcmp(aliases(&rib, "10.4.0.0/16"), "") &&
	       !strcmp(aliases(&rib, "10.5.0.0/16"), "0/0"),
	   "nexthop delete removes its routes, the group shrinks and keeps its route");
	ok(rib_nh_find(&rib, 10) && rib_nh_find(&rib, 10)->o.nmembers == 1, "group has 1 member");
	l.ifindex = 3;
	l.flags = 0;
	snprintf(l.name, sizeof(l.name), "v2");
	rib_link_apply(&rib, RIB_NEW, &l);
	ok(!rib_nh_find(&rib, 2) && !rib_nh_find(&rib, 10) &&
	       !strcmp(aliases(&rib, "10.5.0.0/16"), ""),
	   "link down removes its nexthop objects, the emptied group and its route");
	rib_fini(&rib);
}

/* The linkdown flag of the only hop of the route at @dst in main, or -1. */
static int linkdown_at(struct rib *rib, const char *dst)
{
	struct rt x;
	struct rib_key k = {.table = RT_TABLE_MAIN};
	struct rib_route *r;

	mk(&x, dst, "", 0, 0, 0);
	k.family = x.r.family;
	k.dst_len = x.r.dst_len;
	memcpy(k.dst, x.r.dst.b, (size_t)fam_alen(k.family));
	r = rib_route_head(rib, &k);
	return r ? !!(r->hops[0].h.flags & RTNH_F_LINKDOWN) : -1;
}

/*
 * Linkwatch merges a carrier off and on (or on and off) that come close into
 * one notice of the final state, so the mirror sees no change, but routes
 * added in between carry the flag of their moment and the kernel resets
 * every hop when it handles the notice. A notice that shows no change must
 * be applied when such a hop has come.
 */
static void test_merged_carrier(void)
{
	struct rib rib;
	struct rt x;
	struct fm_nexthop nh = {.id = 7, .family = AF_INET, .ifindex = 2};

	rib_init(&rib);
	add_link(&rib, 2, "br0", IFF_UP | IFF_LOWER_UP);
	add_addr(&rib, 2, "192.0.2.1", 24, RIB_NEW);
	rib_route_apply(&rib, RIB_NEW, ADD, mk(&x, "10.1.0.0/16", "192.0.2.2", 2, 0, 0));
	mk(&x, "10.2.0.0/16", "192.0.2.2", 2, 0, 0);
	x.h[0].flags = RTNH_F_LINKDOWN; /* added while the carrier was off */
	rib_route_apply(&rib, RIB_NEW, ADD, &x.r);
	mk(&x, "2001:db8:2::/48", "2001:db8::2", 2, 1024, 0);
	x.h[0].flags = RTNH_F_LINKDOWN;
	rib_route_apply(&rib, RIB_NEW, ADD, &x.r);
	ok(linkdown_at(&rib, "10.2.0.0/16") == 1, "a route added without carrier has linkdown");
	add_link(&rib, 2, "br0", IFF_UP | IFF_LOWER_UP); /* the merged notice: on */
	ok(linkdown_at(&rib, "10.2.0.0/16") == 0 && linkdown_at(&rib, "2001:db8:2::/48") == 0 &&
	       linkdown_at(&rib, "10.1.0.0/16") == 0,
	   "an unchanged carrier-on notice after it clears linkdown (IPv4 and IPv6)");

	add_link(&rib, 2, "br0", IFF_UP); /* carrier off, seen */
	ok(linkdown_at(&rib, "10.1.0.0/16") == 1, "carrier loss sets linkdown");
	mk(&x, "10.3.0.0/16", "192.0.2.2", 2, 0, 0);
	x.h[0].flags = RTNH_F_LINKDOWN; /* consistent with what the mirror knows */
	rib_route_apply(&rib, RIB_NEW, ADD, &x.r);
	rib_route_apply(&rib, RIB_NEW, ADD, mk(&x, "10.4.0.0/16", "192.0.2.2", 2, 0, 0));
	nh.gw = ip("192.0.2.2");
	rib_nexthop_apply(&rib, RIB_NEW, 0, &nh); /* both added while it was back */
	add_link(&rib, 2, "br0", IFF_UP);	  /* the merged notice: off */
	ok(linkdown_at(&rib, "10.4.0.0/16") == 1 && !rib_nh_find(&rib, 7),
	   "an unchanged carrier-off notice after them sets linkdown, flushes the nexthop");
	ok(linkdown_at(&rib, "10.3.0.0/16") == 1, "and leaves the consistent route alone");

	add_link(&rib, 2, "br0", IFF_UP | IFF_LOWER_UP);
	mk(&x, "10.5.0.0/16", "192.0.2.2", 2, 0, 0);
	x.h[0].flags = RTNH_F_LINKDOWN;
	rib_route_apply(&rib, RIB_NEW, ADD, &x.r);
	add_link(&rib, 2, "br0", IFF_UP | IFF_LOWER_UP | IFF_PROMISC);
	ok(linkdown_at(&rib, "10.5.0.0/16") == 0, "a changed notice without a carrier change too");
	rib_fini(&rib);
}

/* ------------------------------------------------ index vs brute force */

struct hits {
	struct fm_route r[4096];
	int n;
};

static int collect(struct rib *rib, struct rib_route *r, void *arg)
{
	struct hits *h = arg;

	if (h->n < 4096)
		rib_route_export(rib, r, &h->r[h->n++]);
	return 0;
}

struct scan {
	struct fm_ip gw;
	int dev;
	int n;
};

static int scan_cb(const struct fm_route *r, void *arg)
{
	struct scan *s = arg;

	for (int i = 0; i < r->nhops; i++) {
		if ((s->gw.family && r->hops[i].gw.family == s->gw.family &&
		     !memcmp(r->hops[i].gw.b, s->gw.b, 16) &&
		     (!s->dev || r->hops[i].ifindex == s->dev)) ||
		    (!s->gw.family && r->hops[i].ifindex == s->dev)) {
			s->n++;
			break;
		}
	}
	return 0;
}

static int watch_adds, watch_dels;

static void watch_cb(const struct fm_route *r, bool added, void *arg)
{
	(void)r;
	(void)arg;
	if (added)
		watch_adds++;
	else
		watch_dels++;
}

static void test_index_random(unsigned seed)
{
	struct rib rib;
	struct rt x;
	struct hits *h = malloc(sizeof(*h));
	struct rib_watch w = {.ifindex = 2, .cb = watch_cb};
	char dst[64], gw[64];
	int i, bad = 0, matching = 0, expect_adds = 0, expect_dels = 0;

	printf("# random index test, seed %u\n", seed);
	srand(seed);
	rib_init(&rib);
	w.gw = ip("192.0.2.7");
	ilist_add_tail(&rib.watches, &w.link);
	for (i = 0; i < 8000; i++) {
		int op = rand() % 4, dev = 2 + rand() % 3;
		struct scan before = {.gw = w.gw, .dev = 2}, after = before;

		snprintf(dst, sizeof(dst), "10.%d.%d.0/24", rand() % 8, rand() % 64);
		snprintf(gw, sizeof(gw), "192.0.2.%d", 1 + rand() % 10);
		mk(&x, dst, op == 3 ? "" : gw, dev, (uint32_t)(rand() % 3), 0);
		rib_route_foreach(&rib, NULL, scan_cb, &before);
		rib_route_apply(&rib, op == 0 ? RIB_DEL : RIB_NEW,
				op == 1 ? NLM_F_REPLACE | NLM_F_CREATE : ADD, &x.r);
		rib_route_foreach(&rib, NULL, scan_cb, &after);
		/* one operation changes at most one matching route */
		if (after.n > before.n)
			expect_adds += after.n - before.n;
		else
			expect_dels += before.n - after.n;
		if (i % 500 == 0 || i == 7999) {
			for (int g = 1; g <= 10; g++) {
				for (int d = 0; d <= 4; d++) {
					struct scan s = {.dev = d};

					snprintf(gw, sizeof(gw), "192.0.2.%d", g);
					s.gw = ip(gw);
					h->n = 0;
					idx_by_gateway(&rib, &s.gw, d, collect, h);
					rib_route_foreach(&rib, NULL, scan_cb, &s);
					bad += h->n != s.n;
				}
			}
			for (int d = 2; d <= 4; d++) {
				struct scan s = {.dev = d};

				h->n = 0;
				idx_by_dev(&rib, d, collect, h);
				rib_route_foreach(&rib, NULL, scan_cb, &s);
				bad += h->n != s.n;
				matching += s.n;
			}
		}
	}
	ok(bad == 0,
	   "gateway and device index answers equal a full scan (%d mismatches, %d checked)", bad,
	   matching);
	ok(watch_adds == expect_adds && watch_dels == expect_dels,
	   "watch fired once per matching add (%d/%d) and delete (%d/%d)", watch_adds, expect_adds,
	   watch_dels, expect_dels);
	ilist_del(&w.link);
	rib_fini(&rib);
	free(h);
}

/* fm_ip_format against inet_ntop: every octet value in every position,
 * IPv6, and a buffer one byte short. */
static void test_ip_format(void)
{
	char want[INET6_ADDRSTRLEN], got[INET6_ADDRSTRLEN];
	struct fm_ip a = {.family = AF_INET};
	int bad = 0;

	for (unsigned pos = 0; pos < 4; pos++)
		for (unsigned v = 0; v < 256; v++) {
			memset(a.b, (int)(pos * 61 + 7), 4);
			a.b[pos] = (uint8_t)v;
			inet_ntop(AF_INET, a.b, want, sizeof(want));
			bad += strcmp(fm_ip_format(&a, got, sizeof(got)), want) != 0;
		}
	ok(bad == 0, "fm_ip_format: IPv4 as inet_ntop for every octet (%d differ)", bad);
	memset(a.b, 255, 4);
	ok(!strcmp(fm_ip_format(&a, got, 15), "?"), "fm_ip_format: 255.255.255.255 needs 16 bytes");
	ok(!strcmp(fm_ip_format(&a, got, 16), "255.255.255.255"),
	   "fm_ip_format: ... and fits them");
	a = ip("2001:db8::1");
	ok(!strcmp(fm_ip_format(&a, got, sizeof(got)), "2001:db8::1"), "fm_ip_format: IPv6");
}

/* rib_diff() of two RIBs holding one route each, @a and @b, over links 1
 * and 2: the count of differences. */
static long diff_one(const struct fm_route *a, const struct fm_route *b)
{
	struct rib x, y;
	long d;

	rib_init(&x);
	rib_init(&y);
	add_link(&x, 1, "a", IFF_UP | IFF_LOWER_UP);
	add_link(&x, 2, "b", IFF_UP | IFF_LOWER_UP);
	add_link(&y, 1, "a", IFF_UP | IFF_LOWER_UP);
	add_link(&y, 2, "b", IFF_UP | IFF_LOWER_UP);
	if (rib_route_apply(&x, RIB_NEW, ADD, a) || rib_route_apply(&y, RIB_NEW, ADD, b))
		d = -1;
	else
		d = rib_diff(&x, &y, NULL, NULL, NULL, NULL);
	rib_fini(&x);
	rib_fini(&y);
	return d;
}

/*
 * The comparison (verify, resync) sees every field a route line holds: each
 * one changed alone is one difference each way, and a route equal to itself
 * none. Routes are compared through a binary form of their line
 * (canon.c), which must miss nothing the text holds.
 */
static void test_diff_fields(void)
{
	static const char *const what[] = {
	    "dst",	 "dst_len",	  "table",
	    "tos",	 "type",	  "protocol",
	    "scope",	 "metric",	  "prefsrc",
	    "mtu",	 "no mtu",	  "hop gw",
	    "hop dev",	 "hop weight",	  "hop onlink",
	    "hop realm", "one hop fewer", "gw of the other family",
	};
	struct rt base, m;
	size_t i;
	long d;

	mk(&base, "10.1.0.0/16", "10.0.0.2,10.0.0.3", 1, 7, 4);
	base.r.table = 100;
	base.h[1].ifindex = 2;
	base.h[1].weight = 3;
	base.h[0].realm = 5;
	base.r.prefsrc = ip("10.0.0.1");
	base.r.metrics_mask = 1u << RTAX_MTU;
	base.r.metrics[RTAX_MTU] = 1400;
	ok(diff_one(&base.r, &base.r) == 0, "diff: a route against itself: no difference");
	for (i = 0; i < sizeof(what) / sizeof(what[0]); i++) {
		m = base;
		m.r.hops = m.h;
		switch (i) {
		case 0:
			m.r.dst = ip("10.2.0.0");
			break;
		case 1:
			m.r.dst_len = 17;
			break;
		case 2:
			m.r.table = 101;
			break;
		case 3:
			m.r.tos = 8;
			break;
		case 4:
			m.r.type = RTN_BLACKHOLE;
			m.r.nhops = 0;
			break;
		case 5:
			m.r.protocol = RTPROT_BOOT;
			break;
		case 6:
			m.r.scope = RT_SCOPE_LINK;
			break;
		case 7:
			m.r.priority = 8;
			break;
		case 8:
			m.r.prefsrc = ip("10.0.0.9");
			break;
		case 9:
			m.r.metrics[RTAX_MTU] = 1500;
			break;
		case 10:
			m.r.metrics_mask = 0;
			break;
		case 11:
			m.h[1].gw = ip("10.0.0.4");
			break;
		case 12:
			m.h[0].ifindex = 2;
			break;
		case 13:
			m.h[1].weight = 4;
			break;
		case 14:
			m.h[1].flags = RTNH_F_ONLINK;
			break;
		case 15:
			m.h[0].realm = 6;
			break;
		case 16:
			m.r.nhops = 1;
			break;
		default:
			m.h[1].gw = ip("fe80::1");
			break;
		}
		d = diff_one(&base.r, &m.r);
		ok(d == 2, "diff: routes differing in %s alone: %ld differences (want 2)", what[i],
		   d);
	}
}

/* A route of 500 hops differing from another only in its 450th: its text is
 * longer than a line's buffer (the comparison once cut it there). */
static void test_diff_many_hops(void)
{
	static struct fm_hop a[500], b[500];
	struct rt x, y;
	size_t i;
	long d;

	for (i = 0; i < 500; i++) {
		char g[32];

		snprintf(g, sizeof(g), "10.0.%zu.%zu", i / 200 + 1, i % 200 + 1);
		a[i].gw = ip(g);
		a[i].ifindex = 1;
		a[i].weight = 1;
	}
	memcpy(b, a, sizeof(a));
	b[449].weight = 2;
	mk(&x, "10.9.0.0/16", "", 0, 0, 0);
	y = x;
	x.r.hops = a;
	y.r.hops = b;
	x.r.nhops = y.r.nhops = 500;
	ok(diff_one(&x.r, &x.r) == 0, "diff: a 500-hop route against itself: no difference");
	d = diff_one(&x.r, &y.r);
	ok(d == 2, "diff: 500-hop routes differing in the 450th hop's weight: %ld differences", d);
}

struct diff_tally {
	long minus, plus, wrong;
};

/* A differing route must be one the test changed: metric >= 100 marks a
 * modified one, 11.0.0.0/8 an added one, 10.0.0.0/8 with metric < 100 a
 * deleted one (it is only in the mirror). */
static void tally(char sign, enum fm_kind kind, const void *obj, void *arg)
{
	const struct rib_route *r = obj;
	struct diff_tally *t = arg;
	bool added = r->key.dst[0] == 11, modified = r->priority >= 100;

	if (sign == '-')
		t->minus++;
	else
		t->plus++;
	if (kind != FM_KIND_ROUTE || (sign == '-' && added) || (sign == '+' && !added && !modified))
		t->wrong++;
}

/* Route @i of a numbered set: @net.i.i/24 via one of 250 gateways. */
static struct fm_route *mk_nth(struct rt *x, unsigned net, unsigned i, uint32_t metric)
{
	char dst[32], gw[32];

	snprintf(dst, sizeof(dst), "%u.%u.%u.0/24", net, i >> 8 & 255, i & 255);
	snprintf(gw, sizeof(gw), "10.255.0.%u", i % 250 + 1);
	return mk(x, dst, gw, 1, metric, 0);
}

/*
 * rib_diff() of two RIBs of 20,000 routes, the second filled in another
 * order and then changed at random (routes left out, metrics changed,
 * routes added): exactly those differences, each the right way round. The
 * comparison sorts its hashes by buckets of their top bits, which a handful
 * of routes never fills.
 */
static void test_diff_many_routes(unsigned seed)
{
	enum { N = 20000, DEL = 137, MOD = 59, ADDED = 71 };
	static unsigned order[N];
	struct diff_tally t = {0};
	struct rib x, y;
	unsigned i, r = seed;
	struct rt rt;
	long d;

	rib_init(&x);
	rib_init(&y);
	add_link(&x, 1, "a", IFF_UP | IFF_LOWER_UP);
	add_link(&y, 1, "a", IFF_UP | IFF_LOWER_UP);
	for (i = 0; i < N; i++) {
		order[i] = i;
		rib_route_apply(&x, RIB_NEW, ADD, mk_nth(&rt, 10, i, i % 7));
	}
	for (i = N - 1; i > 0; i--) { /* Fisher-Yates with a fixed seed */
		unsigned j = (r = r * 1103515245u + 12345u) % (i + 1), tmp = order[i];

		order[i] = order[j];
		order[j] = tmp;
	}
	/* order[0..DEL) left out of y, the next MOD changed, the rest as in x. */
	for (i = DEL; i < N; i++) {
		uint32_t metric = order[i] % 7 + (i < DEL + MOD ? 100 : 0);

		rib_route_apply(&y, RIB_NEW, ADD, mk_nth(&rt, 10, order[i], metric));
	}
	for (i = 0; i < ADDED; i++)
		rib_route_apply(&y, RIB_NEW, ADD, mk_nth(&rt, 11, i, 0));
	d = rib_diff(&x, &x, NULL, NULL, NULL, NULL);
	ok(d == 0, "diff: 20,000 routes against themselves: %ld differences", d);
	d = rib_diff(&x, &y, NULL, NULL, tally, &t);
	ok(d == DEL + 2 * MOD + ADDED && t.minus == DEL + MOD && t.plus == MOD + ADDED && !t.wrong,
	   "diff: 20,000 routes, %d left out, %d changed, %d added (seed %u): %ld differences, "
	   "%ld '-', %ld '+', %ld not changed",
	   DEL, MOD, ADDED, seed, d, t.minus, t.plus, t.wrong);
	rib_fini(&x);
	rib_fini(&y);
}

static bool node_eq(const struct hnode *n, const void *key)
{
	return n == key;
}

/* htab_reserve(): room made at once (no growth while filling), and the
 * nodes already in a table it grows stay findable. */
static void test_htab_reserve(void)
{
	static struct hnode nodes[5000];
	struct htab t;
	size_t i, mask, found = 0;
	int rc;

	htab_init(&t, 16);
	for (i = 0; i < 100; i++)
		htab_insert(&t, &nodes[i], fm_hash_u64(i));
	rc = htab_reserve(&t, 5000);
	ok(rc == 0 && 2 * (t.mask + 1) >= 5000, "htab_reserve(5000): %d, %zu buckets", rc,
	   t.mask + 1);
	mask = t.mask;
	for (; i < 5000; i++)
		htab_insert(&t, &nodes[i], fm_hash_u64(i));
	for (i = 0; i < 5000; i++)
		found += htab_find(&t, fm_hash_u64(i), node_eq, &nodes[i]) == &nodes[i];
	ok(t.mask == mask && found == 5000,
	   "filled to 5000 without growing (%zu -> %zu buckets), %zu of 5000 found", mask + 1,
	   t.mask + 1, found);
	htab_fini(&t);
}

/* util/bigmem: big arrays come zeroed on a 2 MiB boundary (so huge pages can
 * back them), small ones from calloc, sizes that overflow not at all. */
static void test_bigmem(void)
{
	size_t n = (3u << 20) / sizeof(uint64_t) + 5, i, nonzero = 0;
	uint64_t *big = fm_big_calloc(n, sizeof(*big));
	char *small = fm_big_calloc(100, 1);

	if (ok(big != NULL, "a 3 MiB array")) {
		for (i = 0; i < n; i++)
			nonzero += big[i] != 0;
		ok(nonzero == 0 && ((uintptr_t)big & ((2u << 20) - 1)) == 0,
		   "... zeroed (%zu nonzero) and on a 2 MiB boundary (%p)", nonzero, (void *)big);
		big[n - 1] = 1; /* the whole length is ours */
	}
	ok(small && !small[99], "a small one, zeroed");
	ok(!fm_big_calloc(SIZE_MAX / 2, 4), "an overflowing size: NULL");
	fm_big_free(big, n, sizeof(*big));
	fm_big_free(small, 100, 1);
	fm_big_free(NULL, n, sizeof(*big));
}

int main(int argc, char **argv)
{
	unsigned seed = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 0) : 20261122u;

	test_ip_format();
	test_v4_order();
	test_bad_lengths();
	test_v6_siblings();
	test_implicit();
	test_merged_carrier();
	test_index_random(seed);
	test_diff_fields();
	test_diff_many_hops();
	test_diff_many_routes(seed);
	test_htab_reserve();
	test_bigmem();
	return tap_done();
}
