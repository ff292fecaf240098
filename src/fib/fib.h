/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The FIB: what readers see. The writer compiles it from the RIB and
 * publishes it with RCU; readers (the fast route-get path, lookup/fast.c)
 * never lock and never see a half-applied change.
 *
 * Per table and family, an LPM maps an address to an *outcome*: what the
 * kernel's table lookup (fib_table_lookup) decides there for a flow that
 * names no output device and has tos 0, the longest prefix's aliases tried in
 * kernel order and, when none fits, the next shorter covering prefix's
 * (fallback), precomputed. Outcomes are de-duplicated (a full BGP table has a
 * few hundred next hops, so a few thousand outcomes), which keeps the LPM
 * leaves few and the structure cache-resident.
 *
 * An outcome the fast path cannot finish alone (a local, broadcast or
 * multicast route; a flow whose tos would pick another alias) says so, and
 * the lookup goes to the general path (lookup/ref*.c over the RIB).
 *
 * Rules are compiled too: devices resolved to ifindexes, goto targets to
 * indexes, tables to pointers.
 *
 * A table whose routes changed at a few prefixes is patched, not rebuilt:
 * the outcomes of those prefixes are worked out again, new ones go into free
 * slots of out[] that no published leaf names yet, and the LPM publishes the
 * changed leaves with one atomic swap (lpm*_commit). Readers of the previous
 * FIB share the table and see the change at that swap, as they would a new
 * FIB's. A prefix whose outcome is inherited from a shorter one (all its
 * aliases fall through) is listed, and worked out again with any changed
 * prefix that covers it. A table is rebuilt whole when a patch cannot be
 * exact: IPv6 source-specific routes, no free slot left, more inherited
 * outcomes than FIB_INHERITED_MAX (or than FIB_INHERIT_WORK comparisons
 * with the changes); and the IPv4 local table (whose routes decide
 * gw_local everywhere: all tables) or more than FIB_DIRTY_PFX changed
 * prefixes since the last build.
 *
 * Thread context: fib_build/fib_retire are writer-only; a published struct
 * fib is immutable and read under rcu_read_lock (urcu memb).
 */
#ifndef FM_FIB_H
#define FM_FIB_H

#include "fibmirror.h"
#include "fib/lpm.h"
#include "lookup/lookup.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a table decides for a plain flow. */
enum fib_kind {
	FO_NONE,    /* nothing here (no prefix, all fell through, throw): next rule */
	FO_ERROR,   /* a route-type error: final */
	FO_ROUTE,   /* a route the fast path finishes: the template below */
	FO_GENERAL, /* the fast path cannot finish: ask the general path */
};

/* Per nexthop of an outcome, what the output path derives from it. */
struct fib_hopx {
	struct fm_ip prefsrc; /* the route's src, else IPv4 nh_saddr (inet_select_addr),
			       * IPv6 the source of every destination of the prefix
			       * when that is one (lk_saddr6_fixed) */
	int saddr_dev;	      /* IPv6 without a configured src: select one for this device */
	int64_t ifgroup;      /* device group, for suppress_ifgroup; -1 no device */
	bool gw_local;	      /* the gateway is our own address: not used as one */
	bool loop_dev;	      /* leaves through loopback: RTCF_LOCAL */
	bool dev_up;	      /* the device exists and is up (a flow's oif may name it) */
};

struct fib_outcome {
	uint8_t kind;	    /* enum fib_kind */
	bool tos_sensitive; /* an alias with tos != 0 was passed on the way */
	bool resilient;	    /* member choice by buckets (history): not exact */
	bool prefsrc_cfg;   /* the route has its own src */
	bool single;	    /* IPv6: the route is its prefix's only one (no other
			     * could score higher for an input device) */
	int16_t plen;	    /* prefix length where the table decided, -1 none */
	int16_t err;	    /* FO_ERROR: the -errno */
	uint32_t expires;   /* a route consulted expires then (rib_expiry): general after */
	int16_t sel;	    /* first usable hop */
	int16_t top;	    /* the longest prefix holding the address, -1 none */
	uint8_t type, protocol, scope, pref;
	uint32_t priority, nhid;
	uint16_t nhops;
	const struct fm_hop *hops;   /* nhops, as the route exports them */
	const struct fib_hopx *hopx; /* nhops */
	struct fm_hop hop1;	     /* where hops points when there is one */
	struct fib_hopx hopx1;	     /* ... and hopx: beside the header */
	/* FO_ROUTE: the fm_result up to its hops for member sel, table 0 and
	 * destination :: (outcome_head() in fib.c), which a lookup copies and then
	 * adjusts: one copy instead of a clear and a dozen stores. */
	unsigned char head[offsetof(struct fm_result, hops)] __attribute__((aligned(8)));
};

struct fib_table {
	uint32_t id;
	uint8_t family;
	struct lpm4 *lpm4;
	struct lpm6 *lpm6;
	struct fib_outcome *out; /* indexed by LPM value; [0] is "no prefix" */
	uint64_t lens[3];	 /* bit l: the table has prefixes of length l (patches
				  * only add bits, before the commit; read atomically) */
	/* IPv4, bit b: a prefix lies in or covers b.0.0.0/8 (patches only add
	 * bits, before the commit; read atomically). Most tables but main have
	 * a few /8s at most, so most lookups in them skip the LPM walk. */
	uint64_t top8[4];
	uint32_t n_out;
	uint32_t cap_out;	 /* slots of out[]: n_out.. are free for patches */
	void *mem, *memx;	 /* hop arrays of the outcomes */
	struct hblk *extra;	 /* hop arrays of outcomes patches added */
	struct builder *b;	 /* the outcomes by content, kept for patches (writer) */
	const struct fib *owner; /* the fib that frees it (writer-only) */
};

/* A rule with its devices and targets resolved. */
struct fib_rule {
	struct fm_rule r;
	int iif, oif;	  /* 0 any, > 0 that ifindex, -1 never (detached) */
	bool never;	  /* tunnel id or l3mdev: cannot match a route lookup here */
	bool any;	  /* no selector at all: matches every flow */
	bool merged;	  /* IPv4 local, looked up with main as one trie (fib->v4_merged) */
	bool suppress;	  /* suppress_prefixlength or suppress_ifgroup */
	int32_t goto_idx; /* FR_ACT_GOTO: index of the target, -1 unresolved */
	uint32_t fwmask;  /* the mark bits compared */
	uint32_t dst4, dmask4, src4, smask4; /* IPv4 selectors, host order */
	const struct fib_table *table;	     /* FR_ACT_TO_TBL: NULL when the table is empty */
};

/* What ref4.c's input path reads of a device (netconf, addresses). */
struct fib_dev4 {
	int ifindex;
	int rpf;	/* rp_filter: the larger of conf/all's and the device's */
	bool fwd;	/* forwarding */
	bool has_addrs; /* an IPv4 address (the reverse route's last test) */
	bool loop;	/* the loopback device */
};

/* The IPv4 input path's settings (ref4.c's input4 and validate_source). */
struct fib_in4 {
	struct fib_dev4 *dev; /* sorted by ifindex */
	size_t n;
	bool accept_local, src_valid_mark; /* conf/all */
	bool custom_local;		   /* a local route was added: no shortcut */
};

struct fib {
	struct fib_rule *rules[2];
	size_t n_rules[2];
	bool rules_any[2];	   /* every rule has no selector (the defaults): a walk
				    * reads none of the flow's marks, ports, uid... */
	struct fib_table **tables; /* sorted by (family, id) */
	size_t n_tables;
	const struct fib_table *main4; /* IPv4 main, for the merged lookup */
	bool v4_merged;		       /* default IPv4 rules: local and main are one trie */
	struct mp_params mp;
	struct lk_addrs6 addrs6; /* IPv6 source selection without the RIB */
	struct lk_addrs4 addrs4; /* IPv4: whether a flow's source is ours */
	struct fib_in4 in4;	 /* IPv4 input path */
	uint64_t gen;
	uint64_t seq;	   /* the publisher's count of FIBs (mirror.c), never reused */
	uint32_t patched;  /* tables this build patched in place (writer) */
	uint32_t compiled; /* tables this build compiled whole (writer) */
	bool stale;	   /* the RIB changed since: readers take the general path
			    * (written by the writer, read atomically by readers) */
};

/* Changed prefixes patched at most per build; more: their tables whole. A
 * patch costs a few microseconds per prefix, a whole build about one per
 * prefix of the table, so patches win for a full table far beyond this. */
#define FIB_DIRTY_PFX 65536
/* Prefixes whose outcome is inherited, listed per table so a patch finds
 * the ones under a changed prefix; a table with more is built whole. */
#define FIB_INHERITED_MAX 16384
/* A patch compares every changed prefix with every inherited one: at most
 * this many comparisons (some 50 ms), else the table is built whole. */
#define FIB_INHERIT_WORK (1u << 24)

/* What the next fib_build compiles anew. */
struct fib_dirty {
	bool all;   /* every table (hop states, addresses, nexthop objects) */
	bool rules; /* rules or sysctls only: tables carry over */
	size_t n;   /* tables rebuilt whole */
	struct {
		uint8_t family;
		uint32_t table;
	} v[16];
	size_t npfx, cap; /* prefixes changed in other tables: patched */
	struct fib_dirty_pfx {
		uint32_t table;
		uint8_t family, len;
		uint8_t dst[16];
	} * pfx;
};

/* Table (@family, @table) changed beyond patching: rebuild it whole. */
void fib_dirty_table(struct fib_dirty *d, uint8_t family, uint32_t table);
/* The routes of prefix @k changed (added, replaced, removed). */
void fib_dirty_route(struct fib_dirty *d, const struct rib_key *k);
/* What a RIB change (rib_emit_fn's @kind and @obj) leaves to compile
 * again: a route its prefix, a rule the rules, anything else (hop states,
 * sources, nexthop objects) every table. */
void fib_dirty_change(struct fib_dirty *d, enum fm_kind kind, const void *obj);
/* Anything for fib_build to do. */
bool fib_dirty_any(const struct fib_dirty *d);
/* Nothing dirty any more (after a build); the prefix list is kept. */
void fib_dirty_clear(struct fib_dirty *d);
/* Free the prefix list. */
void fib_dirty_fini(struct fib_dirty *d);

/*
 * Compile the RIB into a new FIB: tables @dirty names whole (all of them
 * when @prev is NULL) are built anew, those with changed prefixes are
 * patched in place (and rebuilt whole where a patch cannot be exact: they
 * are added to @dirty), the others are taken over from @prev (and marked
 * shared there). Return 0 with *ret set, or -ENOMEM: no new FIB, and @prev's
 * patched tables are the RIB's (@prev stays usable). Writer.
 */
int fib_build(const struct lookup_env *env, struct fib *prev, struct fib_dirty *dirty,
	      struct fib **ret);
/* The input-path settings of device @ifindex, or NULL. Any thread. */
const struct fib_dev4 *fib_dev4_find(const struct fib *f, int ifindex);
/* Free @f after a grace period (call_rcu): what newer fibs share stays. */
void fib_retire(struct fib *f);
/* Free @f at once: no reader may be in it. */
void fib_free(struct fib *f);

/* The table (@family, @id), or NULL. Reader. */
const struct fib_table *fib_table_find(const struct fib *f, uint8_t family, uint32_t id);

/* The outcome for @dst (network order, 4 or 16 bytes) in @t. Reader. */
static inline const struct fib_outcome *fib_table_lookup(const struct fib_table *t,
							 const uint8_t *dst)
{
	uint32_t v;

	if (t->family == 2 /* AF_INET */) {
		uint32_t a = (uint32_t)dst[0] << 24 | (uint32_t)dst[1] << 16 |
			     (uint32_t)dst[2] << 8 | dst[3];

		if (!(__atomic_load_n(&t->top8[dst[0] >> 6], __ATOMIC_RELAXED) >> (dst[0] & 63) &
		      1))
			return &t->out[0];
		v = lpm4_lookup(t->lpm4, a);
	} else {
		v = lpm6_lookup(t->lpm6, dst);
	}
	return &t->out[v];
}

#endif
