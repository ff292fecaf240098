/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Library-internal access to a mirror's parts (tests and lookup). */
#ifndef FM_MIRROR_H
#define FM_MIRROR_H

#include "fibmirror.h"
#include "nl/sysctl.h"
#include "rib/rib.h"

struct rib *mirror_rib(struct fm_mirror *m);
const struct sysctls *mirror_sysctls(const struct fm_mirror *m);
/* The generation numbers and the cache registry (cache/cache.h). */
struct fm_gens *mirror_gens(struct fm_mirror *m);
struct cache_reg *mirror_caches(struct fm_mirror *m);
/* The flow watches (index/watch.c), in registration order. */
struct ilist *mirror_flow_watches(struct fm_mirror *m);

/*
 * fm_route_get() that also lowers *@deadline (may be NULL) to the expiry of
 * any route with a lifetime the answer depends on (rib_expiry units), so a
 * cached answer can end with it. Thread: as fm_route_get().
 */
int mirror_route_get(struct fm_mirror *m, const struct fm_flow *fl, struct fm_result *ret,
		     uint32_t *deadline);

#endif
