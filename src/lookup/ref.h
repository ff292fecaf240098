/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Internals of the reference lookup, shared by the rule walk (ref_rules.c)
 * and the per-family table lookups and paths (ref4.c, ref6.c).
 */
#ifndef FM_LOOKUP_REF_H
#define FM_LOOKUP_REF_H

#include "lookup.h"

#define LOOPBACK_IFINDEX 1
/* The kernel's INVALID_UID: the uid a received packet's lookup carries. */
#define LK_INVALID_UID 0xffffffffu

/* A flow as the kernel's rule and table lookups see it (flowi4/flowi6). */
struct kflow {
	uint8_t family;
	uint8_t tos; /* dsfield, ECN bits cleared */
	uint8_t proto;
	bool has_saddr;
	uint8_t dst[16], src[16];
	int iif, oif;
	uint32_t mark, uid;
	uint16_t sport, dport;
	unsigned strict; /* IPv6 RT6_LOOKUP_F_* bits */
};

/* What a table lookup found (fib_result / fib6_result). */
struct kres {
	struct rib_route *route;
	uint32_t table;
	uint8_t type;
	int nh_sel;		 /* index of the chosen nexthop (first usable) */
	int plen;		 /* prefix length where the table decided */
	const struct fm_hop *nh; /* that nexthop (a copy lives in hops) */
	struct fm_hop hops[FM_RESULT_MAX_HOPS];
	int nhops;
};

/* A table lookup: 0 found, -EAGAIN nothing here (go on), other -errno final. */
typedef int (*ref_table_fn)(const struct lookup_env *env, uint32_t table, const struct kflow *fl,
			    struct kres *res);

/* The policy rule walk of @fl's family (fib_rules_lookup). -ENETUNREACH when
 * nothing decided; the rule's table lookups go through @lookup. */
int ref_rules(const struct lookup_env *env, const struct kflow *fl, ref_table_fn lookup,
	      struct kres *res);

/* The nexthops a route uses (its own, or its nexthop object's), flags as the
 * kernel sees them now; returns the count. */
int ref_route_hops(const struct lookup_env *env, const struct rib_route *r, struct fm_hop *out,
		   int max);

/* What the routes of one prefix (@head and its aliases) decide for @fl:
 * 0 with *res filled, -ENOENT when none fits (a shorter prefix is next),
 * or a route-type error (-EAGAIN for throw); res->plen is the prefix's. */
int ref4_prefix(const struct lookup_env *env, struct rib_route *head, uint32_t table,
		const struct kflow *fl, struct kres *res);
int ref6_prefix(const struct lookup_env *env, struct rib_route *head, uint32_t table,
		const struct kflow *fl, struct kres *res);

/*
 * The longest prefix length a walk of @table for @dst must start at, and in
 * *lens (NULL: all) the lengths to probe: from env->fib when it is set (the
 * table's own; -1 when it holds nothing for @dst); without one, the lengths
 * of the table's route keys in the RIB (rib->tlens; -1 when it has none);
 * for the plain oracle (env->plain), 32 or 128 and all.
 */
int ref_walk_hint(const struct lookup_env *env, uint8_t family, uint32_t table, const uint8_t *dst,
		  const uint64_t **lens);

/* Read atomically: a published FIB table's lengths gain bits in place
 * while readers walk it (fib.c table_patch, before the commit that
 * publishes the new prefixes, so an old word only costs a probe). */
static inline bool ref_len_in(const uint64_t *lens, int len)
{
	return !lens || ((__atomic_load_n(&lens[len / 64], __ATOMIC_RELAXED) >> (len % 64)) & 1);
}

int ref_type_error(uint8_t type);
/* The error a matching rule's action ends the walk with (blackhole,
 * unreachable, prohibit, unknown); 0 for lookup, nop and goto. */
int ref_rule_verdict(uint8_t action);
/* The kernel's view of a public flow; @uid when the flow names none. */
void ref_kflow(const struct fm_flow *f, uint32_t uid, struct kflow *k);

/* Per-device and "all" values (netconf, then sysctls). */
bool ref_ignore_linkdown(const struct lookup_env *env, uint8_t family, int ifindex);
int ref_netconf(const struct lookup_env *env, uint8_t family, int ifindex, int field);
int64_t ref_sysctl(const struct lookup_env *env, const char *name, int64_t dflt);
bool ref_link_up(const struct lookup_env *env, int ifindex);

enum { NC_FORWARDING, NC_RP_FILTER, NC_MC_FORWARDING };

int ref_get4(const struct lookup_env *env, const struct fm_flow *fl, struct fm_result *ret);
int ref_get6(const struct lookup_env *env, const struct fm_flow *fl, struct fm_result *ret);

/* Fill the result fields common to both families from a table result. */
void ref_fill_route(const struct kres *res, uint8_t family, struct fm_result *ret);

#endif
