// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The generation block (cache.h): two counters and a reference count, so
 * that remembered decisions can be checked against the mirror in one load
 * even after the mirror has been freed.
 */
#include "cache.h"

#include <stdlib.h>

struct fm_gens *gens_new(void)
{
	struct fm_gens *g = aligned_alloc(64, sizeof(*g));

	if (!g)
		return NULL;
	g->gen[0] = g->gen[1] = 1;
	g->bumps = 0;
	g->refs = 1;
	return g;
}

void gens_bump(struct fm_gens *g, unsigned fams)
{
	int i;

	for (i = 0; i < 2; i++)
		if (fams & (1u << i))
			__atomic_store_n(&g->gen[i], g->gen[i] + 1, __ATOMIC_RELEASE);
	__atomic_store_n(&g->bumps, g->bumps + 1, __ATOMIC_RELAXED);
}

void gens_hold(struct fm_gens *g)
{
	__atomic_fetch_add(&g->refs, 1, __ATOMIC_RELAXED);
}

void gens_put(struct fm_gens *g)
{
	if (g && __atomic_sub_fetch(&g->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(g);
}

void gens_kill(struct fm_gens *g)
{
	if (!g)
		return;
	__atomic_store_n(&g->gen[0], GEN_DEAD, __ATOMIC_RELEASE);
	__atomic_store_n(&g->gen[1], GEN_DEAD, __ATOMIC_RELEASE);
	gens_put(g);
}
