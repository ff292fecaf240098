/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Generations, the flow cache and route handles: remembered decisions and
 * how they learn that they no longer hold.
 *
 * The mirror keeps one generation number per family. The writer bumps it
 * whenever it applies anything that may change a decision of that family,
 * and again when it publishes a FIB, so a decision taken while generation g
 * was current (read before the lookup) is still the answer while the number
 * reads g: one acquire load and a compare invalidate every cached decision
 * at once, as the kernel's rt_genid does for IPv4 dst entries.
 *
 * The numbers live in a small reference-counted block of their own, apart
 * from the mirror, so a route handle can be checked and released after the
 * mirror is gone: freeing the mirror sets both to GEN_DEAD, which no handle
 * has seen.
 *
 * Thread context: gens_bump and gens_kill are writer-only; gens_load, hold
 * and put run on any thread.
 */
#ifndef FM_CACHE_H
#define FM_CACHE_H

#include "fibmirror.h"
#include "util/list.h"

#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>

#define GEN_DEAD UINT64_MAX

struct fm_gens {
	/* Read by every cached lookup: a line of their own, written only on
	 * changes. */
	uint64_t gen[2] __attribute__((aligned(64))); /* [0] IPv4, [1] IPv6 */
	uint64_t bumps;
	uint64_t refs __attribute__((aligned(64))); /* the mirror's and the handles' */
};

enum { GEN_V4 = 1, GEN_V6 = 2, GEN_BOTH = 3 };

static inline int gen_index(uint8_t family)
{
	return family == AF_INET6;
}

static inline unsigned gen_bit(uint8_t family)
{
	return family == AF_INET ? GEN_V4 : family == AF_INET6 ? GEN_V6 : GEN_BOTH;
}

static inline uint64_t gens_load(const struct fm_gens *g, uint8_t family)
{
	return __atomic_load_n(&g->gen[gen_index(family)], __ATOMIC_ACQUIRE);
}

/* A block with both generations at 1 and one reference, or NULL. */
struct fm_gens *gens_new(void);
/* Move the generations named by @fams (GEN_*) on. Writer. */
void gens_bump(struct fm_gens *g, unsigned fams);
void gens_hold(struct fm_gens *g);
void gens_put(struct fm_gens *g);
/* The mirror is going: nothing taken before is valid any more; drops its reference. */
void gens_kill(struct fm_gens *g);

/* The caches of one mirror, for fm_mirror_cache_stats(): the open ones and
 * the sum of those already freed. */
struct cache_reg {
	pthread_mutex_t lock;
	struct ilist open;
	struct fm_cache_stats closed;
};

void cache_reg_init(struct cache_reg *r);
/* Detaches the caches still open (the caller's bug): they answer -ESHUTDOWN. */
void cache_reg_fini(struct cache_reg *r);

#endif
