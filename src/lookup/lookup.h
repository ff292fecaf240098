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

struct lookup_env {
	struct rib *rib;
	const struct sysctls *sys; /* may be NULL (offline): kernel defaults */
};

/* The reference lookup (ref.c): 0 or the kernel's -errno. */
int lk_ref_route_get(const struct lookup_env *env, const struct fm_flow *fl, struct fm_result *ret);

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

/*
 * The kernel's multipath hash for @fl (mphash.c). Return 0 with *hash set
 * (already shifted as the kernel compares it), or -1 when it cannot be
 * reproduced (random seed, or a hash policy other than 0 and 1).
 */
int lk_mp_hash(const struct lookup_env *env, const struct fm_flow *fl, uint32_t *hash);
/* The member @hash picks among @hops by upper bounds of cumulative weight;
 * dead members are skipped. Return its index, or -1 if none is live. */
int lk_mp_select(const struct fm_hop *hops, int n, uint32_t hash);

#endif
