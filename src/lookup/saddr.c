// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: source address selection (kernel-semantics.md §3.3, §3.4, §8)
 *
 * IPv4, inet_select_addr(dev, dst, scope):
 *  1. the primaries of @dev in list order, scope <= @scope: the first one in
 *     the same subnet as @dst (the subnet of IFA_ADDRESS, i.e. the peer's for
 *     a point-to-point address), else the first one that passed;
 *  2. failing that, the VRF device of @dev's L3 domain;
 *  3. failing that, every device of the domain in device order (lo first):
 *     the first primary of scope <= @scope that is not link scope.
 *  Secondaries are never chosen.
 *
 * IPv6, ipv6_dev_get_saddr(net, oif, dst, prefs = 0): every usable address of
 * the candidate devices is scored by a vector of rules (key6() below, the
 * order of ipv6_get_saddr_eval) and the kernel keeps the first candidate that
 * no later one beats lexicographically. The kernel runs a pairwise tournament
 * with lazily evaluated rules; since every rule value depends only on the
 * address and the destination, that is the same as taking the first maximum
 * of the vectors, which is what we do, each vector packed into one integer.
 * Candidates are the outgoing device's addresses only for
 * link-local/loopback-scope or multicast destinations (or
 * use_oif_addrs_only), else those of every device of the L3 domain.
 *
 * "Device order" is the kernel's dev_base list (registration order). The RIB
 * only knows ifindexes; we use ifindex order, which is the same unless a
 * device was moved into the namespace (it joins the list's tail with whatever
 * ifindex it kept) or created with an explicit lower ifindex.
 *
 * What the RIB cannot tell us, and the kernel default we assume instead:
 *  - IPv6 use_tempaddr, use_oif_addrs_only, optimistic_dad/use_optimistic and
 *    IPv4 route_localnet are read by the kernel per device (idev->cnf,
 *    IN_DEV_ORCONF). Writing conf/all does not propagate to existing devices
 *    for the IPv6 ones (observed on 6.18), so the conf/all values that
 *    nl/sysctl.c polls would be wrong more often than the default 0.
 *  - the address label table (`ip addrlabel`) is assumed to be the built-in
 *    default one;
 *  - CONFIG_IPV6_MIP6=y (built in, not a module) adds a "prefer home address"
 *    rule after rule 3; distributions build it as a module or not at all,
 *    which leaves the rule out, so do we (SADDR_MIP6).
 *
 * Thread context: writer only (reads the RIB). No allocation.
 */
#include "lookup.h"

#include "fib/fib.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#ifndef SADDR_MIP6
#define SADDR_MIP6 0
#endif

/* ------------------------------------------------------------------ common */

static bool is_vrf(const struct rib_link *l)
{
	return l && strcmp(l->o.kind, "vrf") == 0;
}

/*
 * The L3 domain of a device (l3mdev_master_ifindex): a VRF device is its own
 * domain, a VRF's slave is in its master's, everything else is in domain 0.
 */
static int l3_domain(const struct rib *rib, const struct rib_link *l)
{
	if (!l)
		return 0;
	if (is_vrf(l))
		return l->o.ifindex;
	if (l->o.master && is_vrf(rib_link_find(rib, l->o.master)))
		return l->o.master;
	return 0;
}

#define for_each_addr(a, l, fam)                                                                   \
	for (struct ilist *p_ = (l)->addrs[fam].next;                                              \
	     p_ != &(l)->addrs[fam] && ((a) = &container_of(p_, struct rib_addr, link)->o);        \
	     p_ = p_->next)

/* ------------------------------------------------------------------- IPv4 */

static bool ifa4_primary(const struct fm_address *a)
{
	return !(a->flags & IFA_F_SECONDARY);
}

/* inet_ifa_match(): is @dst (network order) in the subnet of the address?
 * The subnet is that of IFA_ADDRESS, the peer for point-to-point addresses. */
static bool ifa4_match(const struct fm_address *a, uint32_t dst)
{
	uint32_t net = a->address.family ? a->address.v4 : a->local.v4;
	uint32_t mask = a->prefixlen ? ~0u << (32 - a->prefixlen) : 0;

	return ((ntohl(dst) ^ ntohl(net)) & mask) == 0;
}

/* Step 1 on @l; 0 when nothing qualified. */
static uint32_t saddr4_on_dev(const struct rib_link *l, uint32_t dst, uint8_t scope)
{
	/* route_localnet would lower host scope to link here; default off. */
	const uint8_t localnet_scope = RT_SCOPE_HOST;
	const struct fm_address *a;
	uint32_t first = 0;

	for_each_addr(a, l, 0)
	{
		uint8_t s = a->scope < localnet_scope ? a->scope : localnet_scope;

		if (!ifa4_primary(a) || s > scope)
			continue;
		if (!dst || ifa4_match(a, dst))
			return a->local.v4;
		if (!first)
			first = a->local.v4;
	}
	return first;
}

/* Steps 2 and 3 on one device (in_dev_select_addr): no link scope here, and
 * no route_localnet either. */
static uint32_t saddr4_any(const struct rib_link *l, uint8_t scope)
{
	const struct fm_address *a;

	for_each_addr(a, l, 0)
	{
		if (ifa4_primary(a) && a->scope != RT_SCOPE_LINK && a->scope <= scope)
			return a->local.v4;
	}
	return 0;
}

int lk_saddr4(const struct rib *rib, int ifindex, uint32_t dst, uint8_t scope, uint32_t *out)
{
	const struct rib_link *dev = rib_link_find(rib, ifindex), *best = NULL;
	uint32_t addr = 0, cand;
	struct hnode *n;
	int domain;
	size_t i;

	if (dev && (addr = saddr4_on_dev(dev, dst, scope)))
		goto found;

	/* In a VRF, the VRF device stands in for lo. */
	domain = l3_domain(rib, dev);
	if (domain && (addr = saddr4_any(rib_link_find(rib, domain), scope)))
		goto found;

	/* The first device of the domain in device order with a candidate. */
	htab_for_each (&rib->links, i, n) {
		const struct rib_link *l = container_of(n, struct rib_link, hn);

		if (l3_domain(rib, l) != domain || (best && l->o.ifindex > best->o.ifindex))
			continue;
		if ((cand = saddr4_any(l, scope))) {
			best = l;
			addr = cand;
		}
	}
	if (!addr)
		return -EADDRNOTAVAIL;
found:
	*out = addr;
	return 0;
}

/* ------------------------------------------------------------------- IPv6 */

/* The kernel's address scopes (IPV6_ADDR_SCOPE_*), not the RT_SCOPE_* ones. */
enum {
	SCOPE6_INVALID = -1,
	SCOPE6_NODE = 0x1,
	SCOPE6_LINK = 0x2,
	SCOPE6_SITE = 0x5,
	SCOPE6_GLOBAL = 0xe,
};

/* The type bits that matter here (a subset of __ipv6_addr_type()). */
enum {
	A6_ANY = 1 << 0,
	A6_MULTICAST = 1 << 1,
	A6_LOOPBACK = 1 << 2, /* ::1, and multicast of node scope */
	A6_MAPPED = 1 << 3,   /* ::ffff:0:0/96 */
	A6_COMPAT = 1 << 4,   /* ::/96 except :: and ::1 */
};

struct a6type {
	unsigned flags;
	int scope; /* SCOPE6_* (multicast: the 4-bit scope field) */
};

static uint32_t word(const uint8_t a[16], int i)
{
	return (uint32_t)a[4 * i] << 24 | (uint32_t)a[4 * i + 1] << 16 |
	       (uint32_t)a[4 * i + 2] << 8 | a[4 * i + 3];
}

/* Classify as __ipv6_addr_type() does. Note that ::1 has link scope there. */
static struct a6type a6_type(const uint8_t a[16])
{
	uint32_t w0 = word(a, 0);

	if ((w0 & 0xe0000000) != 0 && (w0 & 0xe0000000) != 0xe0000000)
		return (struct a6type){0, SCOPE6_GLOBAL}; /* 2000::/3 .. c000::/3 */
	if (a[0] == 0xff) {
		int s = a[1] & 0x0f;

		return (struct a6type){A6_MULTICAST | (s == SCOPE6_NODE ? A6_LOOPBACK : 0), s};
	}
	if ((w0 & 0xffc00000) == 0xfe800000)
		return (struct a6type){0, SCOPE6_LINK};
	if ((w0 & 0xffc00000) == 0xfec00000)
		return (struct a6type){0, SCOPE6_SITE};
	if (w0 == 0 && word(a, 1) == 0) {
		if (word(a, 2) == 0) {
			if (word(a, 3) == 0)
				return (struct a6type){A6_ANY, SCOPE6_INVALID};
			if (word(a, 3) == 1)
				return (struct a6type){A6_LOOPBACK, SCOPE6_LINK};
			return (struct a6type){A6_COMPAT, SCOPE6_GLOBAL};
		}
		if (word(a, 2) == 0xffff)
			return (struct a6type){A6_MAPPED, SCOPE6_GLOBAL};
	}
	return (struct a6type){0, SCOPE6_GLOBAL}; /* fc00::/7 and the rest */
}

/* Leading bits in common (ipv6_addr_diff; 128 when equal). */
static int common_bits(const uint8_t a[16], const uint8_t b[16])
{
	int i;

	for (i = 0; i < 16; i++) {
		uint8_t x = a[i] ^ b[i];

		if (x)
			return i * 8 + __builtin_clz(x) - 24;
	}
	return 128;
}

/* Prefix masks of the two 64-bit halves of an address, for a length. */
#define MASK0(len) ((len) >= 64 ? UINT64_MAX : ~(UINT64_MAX >> ((len)&63)))
#define MASK1(len)                                                                                 \
	((len) <= 64 ? 0 : (len) >= 128 ? UINT64_MAX : ~(UINT64_MAX >> (((len)-64) & 63)))
#define PFX(hi, lo, len) (hi), (lo), MASK0(len), MASK1(len)

/*
 * The default policy table (addrlabel.c), in the kernel's list order: longest
 * prefix first, so the first match is the answer. An entry with a type only
 * matches addresses of that type (::1/128 only ::1, the /96s only mapped
 * resp. any address of ::/96). Labels for ULA and 6to4 differ from RFC 6724.
 */
static const struct label6 {
	uint64_t p0, p1, m0, m1; /* prefix and mask, halves in host order */
	unsigned type;		 /* A6_LOOPBACK/A6_MAPPED, or 0 for any */
	uint32_t label;
} labels6[] = {
    {PFX(0, 1, 128), A6_LOOPBACK, 0},		   /* ::1/128 */
    {PFX(0, 0, 96), 0, 3},			   /* ::/96 (IPv4-compatible) */
    {PFX(0, 0xffff00000000ull, 96), A6_MAPPED, 4}, /* ::ffff:0:0/96 */
    {PFX(0x2001000000000000ull, 0, 32), 0, 6},	   /* 2001::/32 Teredo */
    {PFX(0x2001001000000000ull, 0, 28), 0, 7},	   /* 2001:10::/28 ORCHID */
    {PFX(0x3ffe000000000000ull, 0, 16), 0, 12},	   /* 3ffe::/16 6bone */
    {PFX(0x2002000000000000ull, 0, 16), 0, 2},	   /* 2002::/16 6to4 */
    {PFX(0xfec0000000000000ull, 0, 10), 0, 11},	   /* fec0::/10 site-local */
    {PFX(0xfc00000000000000ull, 0, 7), 0, 5},	   /* fc00::/7 ULA */
    {PFX(0, 0, 0), 0, 1},			   /* ::/0 */
};

#define LABEL6_NONE 0xffffffffu /* IPV6_ADDR_LABEL_DEFAULT: no entry matched */

/* Bits 64 * @half .. of @a as a number (big endian). */
static uint64_t half64(const uint8_t a[16], int half)
{
	uint64_t v;

	memcpy(&v, a + 8 * half, 8);
	return be64toh(v);
}

/* Every IPv6 lookup asks its destination's label: masked word compares. */
static uint32_t label6(const uint8_t a[16], unsigned type)
{
	uint64_t a0 = half64(a, 0), a1 = half64(a, 1);
	size_t i;

	type &= A6_LOOPBACK | A6_MAPPED | A6_COMPAT;
	for (i = 0; i < sizeof(labels6) / sizeof(labels6[0]); i++) {
		const struct label6 *e = &labels6[i];

		if ((e->type && e->type != type) || ((a0 ^ e->p0) & e->m0) ||
		    ((a1 ^ e->p1) & e->m1))
			continue;
		return e->label;
	}
	return LABEL6_NONE;
}

/* What every rule may look at. */
struct dst6 {
	const uint8_t *addr;
	struct a6type type;
	int ifindex; /* the outgoing device, 0 for none */
	uint32_t label;
};

struct cand6 {
	const struct fm_address *a;
	struct a6type type;
	uint32_t label;
};

/* Per-device IPv6 settings the kernel reads; see the DOC block. */
static int dev_use_tempaddr(const struct lookup_env *env, int ifindex)
{
	(void)env, (void)ifindex;
	return 0;
}

static bool dev_use_oif_addrs_only(const struct lookup_env *env, int ifindex)
{
	(void)env, (void)ifindex;
	return false;
}

static bool dev_use_optimistic(const struct lookup_env *env, int ifindex)
{
	(void)env, (void)ifindex;
	return false;
}

static bool is_orchid(const uint8_t a[16])
{
	return (word(a, 0) & 0xfffffff0) == 0x20010010;
}

/* The rules, each a small non-negative value where more is better. */

/* Rule 1: the destination itself. */
static unsigned rule_same(const struct cand6 *c, const struct dst6 *d)
{
	return memcmp(c->a->local.b, d->addr, 16) == 0;
}

/* Rule 2: the smallest scope that reaches the destination; if none does, the
 * largest one (every "too small" value ranks below every "enough" one).
 * Scopes are 4-bit values: "enough" ones map to 113..128, the rest below. */
static unsigned rule_scope(const struct cand6 *c, const struct dst6 *d)
{
	unsigned sc = (unsigned)c->type.scope & 0xf;

	return c->type.scope >= d->type.scope ? 128 - sc : sc;
}

/* Rule 3: avoid deprecated and (unless use_optimistic) optimistic addresses.
 * Loopback, mapped and compatible addresses count as preferred regardless. */
static unsigned rule_preferred(const struct cand6 *c)
{
	uint32_t avoid = IFA_F_DEPRECATED;

	if (c->type.flags & (A6_LOOPBACK | A6_MAPPED | A6_COMPAT))
		return 1;
	if (!dev_use_optimistic(NULL, c->a->ifindex))
		avoid |= IFA_F_OPTIMISTIC;
	return !(c->a->flags & avoid);
}

/* Rule 4 (CONFIG_IPV6_MIP6=y only): prefer home addresses. */
static unsigned rule_home(const struct cand6 *c)
{
	return SADDR_MIP6 && (c->a->flags & IFA_F_HOMEADDRESS);
}

/* Rule 5: the outgoing device (every device when there is none). */
static unsigned rule_oif(const struct cand6 *c, const struct dst6 *d)
{
	return !d->ifindex || d->ifindex == c->a->ifindex;
}

/* Rule 6: the same label as the destination. */
static unsigned rule_label(const struct cand6 *c, const struct dst6 *d)
{
	return c->label == d->label;
}

/* Rule 7: public addresses, or temporary ones when the device's
 * use_tempaddr >= 2. */
static unsigned rule_privacy(const struct cand6 *c)
{
	bool temporary = c->a->flags & IFA_F_TEMPORARY;
	bool want_temporary = dev_use_tempaddr(NULL, c->a->ifindex) >= 2;

	return temporary == want_temporary;
}

/* Rule 8a: ORCHID for ORCHID, non-ORCHID for the rest. */
static unsigned rule_orchid(const struct cand6 *c, const struct dst6 *d)
{
	return is_orchid(c->a->local.b) == is_orchid(d->addr);
}

/* Rule 8: the longest common prefix, counted no further than the address's
 * own prefix length (0..128). */
static unsigned rule_prefix(const struct cand6 *c, const struct dst6 *d)
{
	int n = common_bits(c->a->local.b, d->addr);

	return (unsigned)(n < c->a->prefixlen ? n : c->a->prefixlen);
}

/* CONFIG_IPV6_OPTIMISTIC_DAD: optimistic addresses last among equals. */
static unsigned rule_not_optimistic(const struct cand6 *c)
{
	return !(c->a->flags & IFA_F_OPTIMISTIC);
}

static uint32_t put(uint32_t key, unsigned bits, unsigned v)
{
	return key << bits | v;
}

/*
 * The rule values in the order of ipv6_get_saddr_eval(), packed most
 * important first into one key, each in a field wide enough for it (24 bits
 * in all): comparing two keys compares the vectors lexicographically. This
 * evaluates every rule for every candidate, but without calls through a
 * table or saved vectors it costs a third less than evaluating lazily.
 */
static uint32_t key6(const struct cand6 *c, const struct dst6 *d)
{
	uint32_t k = rule_same(c, d); /* 1 */

	k = put(k, 8, rule_scope(c, d));	  /* 2 */
	k = put(k, 1, rule_preferred(c));	  /* 3 */
	k = put(k, 1, rule_home(c));		  /* 4 */
	k = put(k, 1, rule_oif(c, d));		  /* 5 */
	k = put(k, 1, rule_label(c, d));	  /* 6 */
	k = put(k, 1, rule_privacy(c));		  /* 7 */
	k = put(k, 1, rule_orchid(c, d));	  /* 8a */
	k = put(k, 8, rule_prefix(c, d));	  /* 8 */
	return put(k, 1, rule_not_optimistic(c)); /* optimistic DAD */
}

/* The best so far: its key, and its place in the kernel's walk for ties. */
struct best6 {
	const struct fm_address *a;
	uint32_t key;
	int rank, ifindex; /* the walk order: (rank, ifindex), list order within */
};

/* Whether a candidate with @key at (@rank, @ifindex) in the walk loses to
 * the best: a smaller key, or the same one later in the walk. */
static bool loses(const struct best6 *b, uint32_t key, int rank, int ifindex)
{
	if (!b->a)
		return false;
	if (key != b->key)
		return key < b->key;
	return rank > b->rank || (rank == b->rank && ifindex >= b->ifindex);
}

/* Candidate source addresses: not tentative (optimistic ones are), not
 * dadfailed (the kernel keeps those tentative), not :: nor multicast. */
static bool usable6(const struct fm_address *a, struct a6type t)
{
	if ((a->flags & IFA_F_TENTATIVE) && !(a->flags & IFA_F_OPTIMISTIC))
		return false;
	if (a->flags & IFA_F_DADFAILED)
		return false;
	return !(t.flags & (A6_ANY | A6_MULTICAST));
}

/* Offer every address of @dv; a tie goes to the earlier one in the walk. */
static void consider_dev(const struct lk_addrs6 *s, const struct lk_dev6 *dv, int rank,
			 const struct dst6 *d, struct best6 *best)
{
	uint32_t i, key;

	for (i = 0; dv && i < dv->n; i++) {
		const struct fm_address *a = &s->a[dv->first + i];
		const struct lk_a6 *in = &s->info[dv->first + i];
		struct cand6 c = {a, {in->flags, in->scope}, in->label};

		if (!usable6(a, c.type))
			continue;
		key = key6(&c, d);
		if (!loses(best, key, rank, dv->ifindex))
			*best = (struct best6){a, key, rank, dv->ifindex};
	}
}

static const struct lk_dev6 *dev6_find(const struct lk_addrs6 *s, int ifindex)
{
	size_t lo = 0, hi = s->ndev;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (s->dev[mid].ifindex == ifindex)
			return &s->dev[mid];
		if (s->dev[mid].ifindex < ifindex)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int lk_saddr6_from(const struct lk_addrs6 *s, int oif, const uint8_t dst[16], uint8_t out[16])
{
	const struct lk_dev6 *dev = oif ? dev6_find(s, oif) : NULL;
	struct best6 best = {.a = NULL};
	struct dst6 d = {.addr = dst, .ifindex = oif};
	int domain;
	size_t i;

	d.type = a6_type(dst);
	d.label = label6(dst, d.type.flags);

	if (oif && ((d.type.flags & A6_MULTICAST) || d.type.scope <= SCOPE6_LINK ||
		    dev_use_oif_addrs_only(NULL, oif))) {
		/* RFC 6724 §4: only the outgoing link's addresses. */
		consider_dev(s, dev, 0, &d, &best);
		goto out;
	}

	/*
	 * In a VRF the kernel walks the device, then its VRF device, then every
	 * device of the domain (again). Its early exit after the first two never
	 * fires (it wants a non-negative scope rank), so only the walk order
	 * matters: they win ties.
	 */
	domain = dev ? dev->domain : 0;
	if (domain) {
		consider_dev(s, dev, 0, &d, &best);
		consider_dev(s, dev6_find(s, domain), 1, &d, &best);
	}
	for (i = 0; i < s->ndev; i++)
		if (s->dev[i].domain == domain)
			consider_dev(s, &s->dev[i], 2, &d, &best);
out:
	if (!best.a)
		return -EADDRNOTAVAIL;
	memcpy(out, best.a->local.b, 16);
	return 0;
}

/* Whether @a lies in @pfx/@plen. */
static bool in_prefix6(const uint8_t a[16], const uint8_t pfx[16], int plen)
{
	return common_bits(a, pfx) >= plen;
}

/*
 * Every destination in the prefix gets the same source when every rule
 * value does, for every candidate:
 *  - the destination's type (rule 2's scope, the candidate set): the same
 *    throughout a prefix of the global unicast range 2000::/3 .. c000::/3,
 *    where a6_type() looks at the top three bits only;
 *  - its label (rule 6) and ORCHID-ness (rule 8a): the same unless an entry
 *    of the label table (ORCHID's among them) lies strictly inside the
 *    prefix;
 *  - rules 1 and 8: a candidate outside the prefix differs from every
 *    destination in it at the same bit, below the prefix length, so it is
 *    never the destination and shares the same leading bits with all.
 * The rest (3, 4, 5, 7) do not look at the destination. A full IPv6 table
 * has none of its prefixes inside a label entry's, nor host addresses inside
 * its prefixes, so its sources are worked out once per prefix and hop, not
 * per lookup.
 */
int lk_saddr6_fixed(const struct lk_addrs6 *s, int oif, const uint8_t pfx[16], int plen,
		    uint8_t out[16])
{
	uint64_t p0 = half64(pfx, 0), p1 = half64(pfx, 1);
	unsigned top = pfx[0] >> 5;
	size_t i;

	if (plen < 3 || top == 0 || top == 7)
		return -EAGAIN;
	for (i = 0; i < sizeof(labels6) / sizeof(labels6[0]); i++) {
		const struct label6 *e = &labels6[i];
		int len = __builtin_popcountll(e->m0) + __builtin_popcountll(e->m1);

		if (len > plen && !((p0 ^ e->p0) & MASK0(plen)) && !((p1 ^ e->p1) & MASK1(plen)))
			return -EAGAIN; /* e lies inside the prefix */
	}
	for (i = 0; i < s->na; i++)
		if (in_prefix6(s->a[i].local.b, pfx, plen))
			return -EAGAIN;
	return lk_saddr6_from(s, oif, pfx, out);
}

static int dev6_cmp(const void *a, const void *b)
{
	return ((const struct lk_dev6 *)a)->ifindex - ((const struct lk_dev6 *)b)->ifindex;
}

int lk_addrs6_build(const struct rib *rib, struct lk_addrs6 *s)
{
	const struct fm_address *a;
	struct hnode *n;
	size_t i;

	memset(s, 0, sizeof(*s));
	s->dev = calloc(rib->n_links + 1, sizeof(*s->dev));
	s->a = calloc(rib->n_addrs + 1, sizeof(*s->a));
	s->info = calloc(rib->n_addrs + 1, sizeof(*s->info));
	if (!s->dev || !s->a || !s->info) {
		lk_addrs6_free(s);
		return -ENOMEM;
	}
	htab_for_each (&rib->links, i, n) {
		const struct rib_link *l = container_of(n, struct rib_link, hn);
		struct lk_dev6 *dv = &s->dev[s->ndev++];

		dv->ifindex = l->o.ifindex;
		dv->domain = l3_domain(rib, l);
		dv->first = (uint32_t)s->na;
		for_each_addr(a, l, 1)
		{
			struct a6type t = a6_type(a->local.b);

			if (s->na == rib->n_addrs)
				break;
			s->info[s->na] =
			    (struct lk_a6){t.flags, t.scope, label6(a->local.b, t.flags)};
			s->a[s->na++] = *a;
		}
		dv->n = (uint32_t)s->na - dv->first;
	}
	qsort(s->dev, s->ndev, sizeof(*s->dev), dev6_cmp);
	return 0;
}

void lk_addrs6_free(struct lk_addrs6 *s)
{
	free(s->dev);
	free(s->a);
	free(s->info);
	memset(s, 0, sizeof(*s));
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

int lk_addrs4_build(const struct rib *rib, struct lk_addrs4 *s)
{
	const struct fm_address *a;
	struct hnode *n;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (!(s->a = calloc(rib->n_addrs + 1, sizeof(*s->a))))
		return -ENOMEM;
	htab_for_each (&rib->links, i, n) {
		const struct rib_link *l = container_of(n, struct rib_link, hn);

		for_each_addr(a, l, 0)
		{
			if (s->n < rib->n_addrs)
				s->a[s->n++] = be32toh(a->local.v4);
		}
	}
	qsort(s->a, s->n, sizeof(*s->a), u32_cmp);
	return 0;
}

void lk_addrs4_free(struct lk_addrs4 *s)
{
	free(s->a);
	memset(s, 0, sizeof(*s));
}

bool lk_addrs4_has(const struct lk_addrs4 *s, uint32_t addr)
{
	return s->n && bsearch(&addr, s->a, s->n, sizeof(addr), u32_cmp);
}

int lk_saddr6(const struct lookup_env *env, int oif, const uint8_t dst[16], uint8_t out[16])
{
	struct lk_addrs6 s;
	int rc;

	/* A FIB of this RIB state holds the same copy, already built. */
	if (env->fib)
		return lk_saddr6_from(&env->fib->addrs6, oif, dst, out);
	if ((rc = lk_addrs6_build(env->rib, &s)))
		return rc == -ENOMEM ? -EADDRNOTAVAIL : rc;
	rc = lk_saddr6_from(&s, oif, dst, out);
	lk_addrs6_free(&s);
	return rc;
}
