/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The readers' RIB. The general path (lookup/ref*.c) reads a second copy
 * of the RIB, so it never waits for the writer (a left-right scheme).
 *
 * The writer applies every datagram to its own RIB and appends it to a log.
 * A handover publishes the writer's state to readers and gives the writer
 * the copy readers had before. The writer's RIB moves by value into the
 * unpublished view, so its objects stay where they are, and that view is
 * published. Once no reader is left in the previous view, its RIB moves
 * into the writer's struct, and the log is replayed onto it.
 * The replay is exact: nl_apply() depends only on the RIB, the message and
 * the clock, and the log keeps the clock. The copy costs one more apply per
 * change and as much memory again as the RIB. Readers see the state of the
 * last handover.
 *
 * A dump (open, resync) leaves no common past to replay from. The dump is
 * applied in lockstep to a twin (nl_sync_dump), and the next handover gives
 * the writer the twin instead of the previous view.
 *
 * A datagram the log has no memory for cannot be replayed. Handovers then
 * stop, and readers keep the last state, until the next dump brings a twin
 * (replica_log fails, and the mirror asks for a resync).
 *
 * Readers count themselves in and out of a view (replica_enter/leave): an
 * atomic add on the view's own cache line, a few tens of nanoseconds beside
 * the general path's hundreds. The writer waits for the previous view's
 * count to drop to zero, yielding meanwhile. (RCU's grace period would do,
 * but liburcu's wakes the waiting writer at every reader's unlock while
 * another reader is preempted inside: in a storm on two shared vCPUs that
 * came to some 90 membarrier calls, each an interrupt on every reader's
 * CPU, per handover, and tripled the plain flows' tail latency.)
 *
 * Thread context: replica_enter/leave are for readers, any number at once;
 * the view is theirs until they leave it. Everything else is the writer's,
 * whose own reads need neither.
 */
#ifndef FM_FIB_REPLICA_H
#define FM_FIB_REPLICA_H

#include "nl/sysctl.h"
#include "rib/rib.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What readers see: a RIB, the sysctls of the same moment, and which FIB
 * was compiled from exactly that state. */
struct replica_view {
	unsigned long readers __attribute__((aligned(64))); /* inside now (atomic) */
	struct rib *rib __attribute__((aligned(64)));	    /* &own, or a RIB that never changes */
	struct rib own;
	struct sysctls sys;
	bool has_sys;
	uint64_t fib_seq; /* fib.seq of the FIB of this state, 0 none (atomic) */
};

/* Apply datagram @dgram (@len bytes) to @rib: the writer's own apply. */
typedef void (*replica_apply_fn)(struct rib *rib, const void *dgram, size_t len);

struct replica {
	struct replica_view v[2];
	/* published: readers' line, apart from the writer's log */
	struct replica_view *cur __attribute__((aligned(64)));
	struct rib twin __attribute__((aligned(64))); /* the writer's state from the last dump */
	bool has_twin;
	bool broken;	    /* a datagram is missing from the log */
	bool sys_changed;   /* the sysctls changed since the handover */
	struct rib retired; /* the readers' copy a twin replaced, to free */
	bool has_retired;
	unsigned char *log; /* datagrams since the handover (struct entry) */
	size_t len, cap;
};

/* Return 0 or -ENOMEM. */
int replica_init(struct replica *rp);
/* Readers read @rib, which never changes (a file's), and no handover comes. */
void replica_fixed(struct replica *rp, struct rib *rib);
/* No reader may be left (after a grace period). */
void replica_fini(struct replica *rp);
/* Whether the writer's RIB or sysctls changed since the last handover. */
bool replica_behind(const struct replica *rp);
/* The writer's sysctls changed: the next handover takes them along. */
void replica_sysctls_changed(struct replica *rp);
/* The log's size in bytes. */
size_t replica_log_bytes(const struct replica *rp);
/* Datagram @dgram was applied to the writer's RIB at rib->clock @clock.
 * Return 0, or -ENOMEM: it is lost, and so are handovers until the next
 * twin. */
int replica_log(struct replica *rp, uint32_t clock, const void *dgram, size_t len);
/* @twin (moved from) holds the writer's state exactly, from the same dump:
 * the next handover gives it to the writer, and the log starts again. */
void replica_twin(struct replica *rp, struct rib *twin);
/* Hand the state of @w, with @sys (NULL: none) and the FIB of that state
 * (its seq, 0 none), to readers; @w becomes the previous view brought up to
 * date with @apply, once the readers still in it have left (the caller is
 * not one). Return false (nothing done) when the log is broken. */
bool replica_handover(struct replica *rp, struct rib *w, const struct sysctls *sys,
		      uint64_t fib_seq, replica_apply_fn apply);
/* Nothing changed since the handover, and a FIB of that state (@fib_seq)
 * was published: readers may let it guide their walks. */
void replica_fib(struct replica *rp, uint64_t fib_seq);
/* Free what a twin replaced (a big table takes a while: when idle). */
void replica_tidy(struct replica *rp);
/* Bytes held for readers: their copy and the log. */
uint64_t replica_mem(const struct replica *rp);
/* The view readers use now, entered: leave it when done. Reader. */
const struct replica_view *replica_enter(struct replica *rp);
void replica_leave(const struct replica_view *v);
/* The view readers use now. Writer. */
const struct replica_view *replica_now(const struct replica *rp);

#endif
