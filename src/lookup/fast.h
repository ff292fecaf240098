/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The fast route get over the published FIB (fast.c). */
#ifndef FM_LOOKUP_FAST_H
#define FM_LOOKUP_FAST_H

#include "fib/fib.h"

/* "Not a plain flow, or an outcome the FIB leaves to the general path." */
#define LK_GENERAL 1

/* 0 with *ret filled, the kernel's -errno, or LK_GENERAL. @deadline (may be
 * NULL) gets the earliest expiry (rib_expiry units) of a route the answer
 * depends on, when it is earlier than what it holds (0: none). Reader: inside
 * rcu_read_lock (memb) holding @f. */
int lk_fast_route_get(const struct fib *f, const struct fm_flow *fl, struct fm_result *ret,
		      uint32_t *deadline);

/* Flows routed together (lk_fast_route_get_bulk): the LPM walks of this many
 * overlap. */
#define LK_BULK 32

/* lk_fast_route_get() of @n flows: only those whose @rc[i] is LK_GENERAL on
 * entry are routed, each @rc[i] set as lk_fast_route_get() returns. Reader:
 * inside rcu_read_lock (memb) holding @f. */
void lk_fast_route_get_bulk(const struct fib *f, const struct fm_flow *fl, struct fm_result *ret,
			    int *rc, size_t n);

#endif
