/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Route lookup: what the kernel answers for a flow (kernel-semantics.md).
 *
 * ref.c is the reference: a deliberately simple walk over the RIB (rules in
 * order, every route of a table scanned for the longest match) that follows
 * the kernel step by step; the fast engine is checked against it.
 * saddr.c chooses source addresses as the kernel does (inet_select_addr,
 * ipv6_dev_get_saddr).
 *
 * Thread context: writer only (they read the RIB).
 */
#ifndef FM_LOOKUP_H
#define FM_LOOKUP_H

#include "fibmirror.h"
#include "nl/sysctl.h"
#include "rib/rib.h"

#include <stddef.h>
#include <string.h>

struct fib;

struct lookup_env {
	struct rib *rib;
	const struct sysctls *sys; /* may be NULL (offline): kernel defaults */
	/* May be NULL. A FIB compiled from this very RIB state: the table
	 * walks start at the longest prefix it finds for the destination and
	 * skip prefix lengths a table does not have (ref_walk_hint). */
	const struct fib *fib;
	/* The plain oracle the guided walks are tested against
	 * (tests/unit/test_fast.c): IPv4 table walks probe all 33 prefix
	 * lengths, IPv6 walks scan every route, as they must with
	 * source-specific routes, even without. */
	bool plain;
	/* May be NULL. Lowered to the expiry deadline of every route with a
	 * lifetime the lookup looked at (rib_expiry_earlier): until then its
	 * answer cannot change by itself. */
	uint32_t *deadline;
};

/* Two answers are the same decision: the same return and, on success, the
 * same result head and hops (results are built from zeroed memory, so their
 * bytes compare). */
static inline bool lk_same_answer(int ra, const struct fm_result *a, int rb,
				  const struct fm_result *b)
{
	if (ra != rb)
		return false;
	return ra || (!memcmp(a, b, offsetof(struct fm_result, hops)) &&
		      !memcmp(a->hops, b->hops, a->nhops * sizeof(a->hops[0])));
}

/* The reference lookup (ref.c): 0 or the kernel's -errno. */
int lk_ref_route_get(const struct lookup_env *env, const struct fm_flow *fl, struct fm_result *ret);

/* Rules other than the three IPv4 defaults (fib4_has_custom_rules): until
 * then the kernel keeps local and main in one trie. */
bool lk_v4_custom_rules(const struct rib *rib);
/* __ip_dev_find(): the device holding IPv4 @addr (network order), else the
 * device of a local route covering it; 0 if none. */
int lk_v4_dev_with_addr(const struct lookup_env *env, uint32_t addr);

/*
 * IPv4 source address selection, inet_select_addr(dev, dst, scope):
 * the first primary address of @ifindex with scope <= @scope, preferring one
 * in the same subnet as @dst (network byte order, 0 for none); failing that,
 * any device in ifindex order, a primary of scope <= @scope that is not
 * link scope. Return 0 with *out set, or -EADDRNOTAVAIL.
 */
int lk_saddr4(const struct rib *rib, int ifindex, uint32_t dst, uint8_t scope, uint32_t *out);

/*
 * IPv6 source address selection, ipv6_dev_get_saddr() (RFC 6724 as the
 * kernel implements it) for a packet to @dst leaving through @oif (0: any).
 * Return 0 with @out set, or -EADDRNOTAVAIL.
 */
int lk_saddr6(const struct lookup_env *env, int oif, const uint8_t dst[16], uint8_t out[16]);

/* Every device's IPv6 addresses in list order, copied out of the RIB, so
 * that lk_saddr6_from() can run without it (the FIB keeps one). */
struct lk_addrs6 {
	struct lk_dev6 {
		int ifindex, domain; /* domain: the VRF (l3mdev) it is in, 0 none */
		uint32_t first, n;   /* its addresses in a[] */
	} * dev;		     /* by ifindex */
	size_t ndev;
	struct fm_address *a;
	struct lk_a6 { /* per address: its type and label, worked out once */
		unsigned flags;
		int scope;
		uint32_t label;
	} * info;
	size_t na;
};
int lk_addrs6_build(const struct rib *rib, struct lk_addrs6 *s);
void lk_addrs6_free(struct lk_addrs6 *s);
/* lk_saddr6() over @s: any thread, no allocation. */
int lk_saddr6_from(const struct lk_addrs6 *s, int oif, const uint8_t dst[16], uint8_t out[16]);
/*
 * The source lk_saddr6_from() picks for every destination in @pfx/@plen
 * through @oif, when it can be seen to be the same for all of them. Return
 * 0 with @out set, -EAGAIN when it may depend on the destination, or
 * -EADDRNOTAVAIL.
 */
int lk_saddr6_fixed(const struct lk_addrs6 *s, int oif, const uint8_t pfx[16], int plen,
		    uint8_t out[16]);

/* Every IPv4 address of every device (host order, sorted): whether a flow's
 * source is one of ours (__ip_dev_find) without the RIB (the FIB keeps one). */
struct lk_addrs4 {
	uint32_t *a;
	size_t n;
};
int lk_addrs4_build(const struct rib *rib, struct lk_addrs4 *s);
void lk_addrs4_free(struct lk_addrs4 *s);
/* Whether @addr (host order) is in @s: any thread, no allocation. */
bool lk_addrs4_has(const struct lk_addrs4 *s, uint32_t addr);

/*
 * The kernel's multipath hash for @fl (mphash.c). Return 0 with *hash set
 * (already shifted as the kernel compares it), or -1 when it cannot be
 * reproduced (random seed, or a hash policy other than 0 and 1).
 */
int lk_mp_hash(const struct lookup_env *env, const struct fm_flow *fl, uint32_t *hash);
/* The sysctls the hash depends on, read once (readers keep a copy). */
struct mp_params {
	int64_t seed;	   /* net.ipv4.fib_multipath_hash_seed */
	int64_t policy[2]; /* fib_multipath_hash_policy of IPv4, IPv6 */
};
void lk_mp_params(const struct lookup_env *env, struct mp_params *p);
/* lk_mp_hash() with the sysctls already read: any thread. */
int lk_mp_hash_p(const struct mp_params *p, const struct fm_flow *fl, uint32_t *hash);
/* The member @hash picks among @hops by upper bounds of cumulative weight;
 * dead members are skipped. Return its index, or -1 if none is live. */
int lk_mp_select(const struct fm_hop *hops, int n, uint32_t hash);
/* The same, preferring the members @mine marks (NULL: none preferred). */
int lk_mp_select_pref(const struct fm_hop *hops, int n, uint32_t hash, const bool *mine);

#endif
