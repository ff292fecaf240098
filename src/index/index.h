/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reverse indexes over the RIB: routes by gateway (optionally by gateway and
 * device) and routes by device, plus gateway watches.
 *
 * The kernel has no lookup by gateway; this is the index the project began
 * with. Every route hop and every nexthop-object hop is linked into a
 * per-(gateway, device) list and a per-device list when it enters the RIB and
 * unlinked when it leaves, so a query walks exactly the hops that answer it.
 * Routes using a nexthop object are reached through the object's user list.
 *
 * Thread context: writer only.
 */
#ifndef FM_INDEX_H
#define FM_INDEX_H

#include "rib/rib.h"

void idx_hop_add(struct rib *rib, struct rib_hop *h);
void idx_hop_del(struct rib *rib, struct rib_hop *h);

/* Visit each route once; a non-zero return stops the walk and is returned. */
typedef int (*idx_visit_fn)(struct rib *rib, struct rib_route *r, void *arg);
int idx_by_gateway(struct rib *rib, const struct fm_ip *gw, int ifindex, idx_visit_fn fn,
		   void *arg);
int idx_by_dev(struct rib *rib, int ifindex, idx_visit_fn fn, void *arg);

/* The hops currently on @ifindex, copied into a new array (caller frees), so a
 * caller may remove routes while walking. Return the count or -ENOMEM. */
long idx_hops_on_dev(struct rib *rib, int ifindex, struct rib_hop ***ret);

/* Fire the gateway watches that match @r (added or removed). */
void idx_watch_route(struct rib *rib, const struct rib_route *r, bool added);
/* A route replaced @old by @new: fire only the watches whose match changed. */
void idx_watch_replace(struct rib *rib, const struct rib_route *old, const struct rib_route *new);
bool idx_route_matches(const struct rib *rib, const struct rib_route *r, const struct fm_ip *gw,
		       int ifindex);

void idx_fini(struct rib *rib);

/* Report the flow watches whose answer a batch of changes has changed
 * (watch.c). Writer, after the batch is applied. */
void watch_settle(struct fm_mirror *m);

#endif
