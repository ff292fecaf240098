/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Filling a RIB from kernel dumps (sync.c). */
#ifndef FM_NL_SYNC_H
#define FM_NL_SYNC_H

#include "sock.h"

struct rib;

/* Dump every object kind into @rib and, when @twin is not NULL, the same
 * messages at the same clock into @twin, which ends equal to @rib (the
 * readers' copy, fib/replica.h). Return 0 or -errno. */
int nl_sync_dump(struct nl_sock *req, struct rib *rib, struct rib *twin, uint64_t *malformed);

#endif
