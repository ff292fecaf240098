// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The readers' RIB (replica.h): two views, one published, and the log of
 * what the writer applied since. A handover costs the wait for the readers
 * of the previous view (their current lookups: microseconds, unless one is
 * preempted) and the replay of the log.
 */
#include "replica.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One logged datagram, its bytes following, padded to the next entry. */
struct entry {
	uint32_t len;
	uint32_t clock;
};

#define ENTRY_ALIGN 8

static size_t entry_size(size_t len)
{
	return (sizeof(struct entry) + len + ENTRY_ALIGN - 1) & ~(size_t)(ENTRY_ALIGN - 1);
}

int replica_init(struct replica *rp)
{
	int i;

	memset(rp, 0, sizeof(*rp));
	ilist_init(&rp->twin.watches);
	ilist_init(&rp->retired.watches);
	for (i = 0; i < 2; i++) {
		if (rib_init(&rp->v[i].own)) {
			replica_fini(rp);
			return -ENOMEM;
		}
		rp->v[i].rib = &rp->v[i].own;
	}
	rp->cur = &rp->v[0];
	return 0;
}

void replica_fixed(struct replica *rp, struct rib *rib)
{
	rp->cur->rib = rib;
}

void replica_fini(struct replica *rp)
{
	rib_fini(&rp->v[0].own);
	rib_fini(&rp->v[1].own);
	rib_fini(&rp->twin);
	rib_fini(&rp->retired);
	free(rp->log);
	rp->log = NULL;
	rp->len = rp->cap = 0;
}

bool replica_behind(const struct replica *rp)
{
	return rp->len || rp->sys_changed || rp->has_twin;
}

void replica_sysctls_changed(struct replica *rp)
{
	rp->sys_changed = true;
}

size_t replica_log_bytes(const struct replica *rp)
{
	return rp->len;
}

int replica_log(struct replica *rp, uint32_t clock, const void *dgram, size_t len)
{
	size_t need = entry_size(len);
	struct entry *e;

	if (rp->broken)
		return -ENOMEM;
	if (len > UINT32_MAX || rp->len + need < rp->len)
		goto lost;
	if (rp->len + need > rp->cap) {
		size_t cap = rp->cap ? rp->cap : 64 << 10;
		unsigned char *p;

		while (cap < rp->len + need)
			cap *= 2;
		if (!(p = realloc(rp->log, cap)))
			goto lost;
		rp->log = p;
		rp->cap = cap;
	}
	e = (struct entry *)(rp->log + rp->len);
	e->len = (uint32_t)len;
	e->clock = clock;
	memcpy(e + 1, dgram, len);
	memset((unsigned char *)(e + 1) + len, 0, need - sizeof(*e) - len); /* the padding */
	rp->len += need;
	return 0;
lost:
	rp->broken = true;
	return -ENOMEM;
}

void replica_twin(struct replica *rp, struct rib *twin)
{
	rib_fini(&rp->twin);
	rib_move(&rp->twin, twin);
	rp->has_twin = true;
	rp->broken = false;
	rp->len = 0;
}

/* Bring @w, the previous view's state, up to the writer's by the log. */
static void replay(struct replica *rp, struct rib *w, replica_apply_fn apply)
{
	size_t off = 0;

	while (off < rp->len) {
		const struct entry *e = (const struct entry *)(rp->log + off);

		w->clock = e->clock;
		apply(w, e + 1, e->len);
		off += entry_size(e->len);
	}
	w->clock = 0;
	rp->len = 0;
}

/* Until no reader is in @v: a few spins, then yielding the CPU (on a busy
 * machine the reader still inside may be waiting for it), then naps. */
static void wait_readers(struct replica_view *v)
{
	const struct timespec nap = {0, 20000};
	unsigned i;

	for (i = 0; __atomic_load_n(&v->readers, __ATOMIC_SEQ_CST); i++) {
		if (i >= 64 && i < 256)
			sched_yield();
		else if (i >= 256)
			nanosleep(&nap, NULL);
	}
}

/* A log much bigger than a storm's usual backlog is not kept around. */
static void trim_log(struct replica *rp)
{
	if (rp->cap > (4u << 20)) {
		free(rp->log);
		rp->log = NULL;
		rp->cap = 0;
	}
}

bool replica_handover(struct replica *rp, struct rib *w, const struct sysctls *sys,
		      uint64_t fib_seq, replica_apply_fn apply)
{
	struct replica_view *old = rp->cur, *next = old == &rp->v[0] ? &rp->v[1] : &rp->v[0];
	struct rib_hooks h;

	if (rp->broken)
		return false;
	rib_hooks_take(w, &h);
	rib_fini(&next->own); /* moved from at the last handover: empty */
	rib_move(&next->own, w);
	next->rib = &next->own;
	next->has_sys = sys != NULL;
	if (sys)
		next->sys = *sys;
	next->fib_seq = fib_seq;
	__atomic_store_n(&rp->cur, next, __ATOMIC_SEQ_CST);
	wait_readers(old);
	if (rp->has_twin) {
		rib_fini(&rp->retired);
		rib_move(&rp->retired, &old->own);
		rp->has_retired = true;
		rib_move(w, &rp->twin);
		rp->has_twin = false;
	} else {
		rib_move(w, &old->own);
	}
	replay(rp, w, apply);
	trim_log(rp);
	rp->sys_changed = false;
	rib_hooks_give(w, &h);
	return true;
}

void replica_fib(struct replica *rp, uint64_t fib_seq)
{
	__atomic_store_n(&rp->cur->fib_seq, fib_seq, __ATOMIC_RELAXED);
}

void replica_tidy(struct replica *rp)
{
	if (!rp->has_retired)
		return;
	rib_fini(&rp->retired);
	rp->has_retired = false;
}

uint64_t replica_mem(const struct replica *rp)
{
	const struct replica_view *v = rp->cur;

	return (v->rib == &v->own ? rib_mem(v->rib) : 0) + rp->cap +
	       (rp->has_twin ? rib_mem(&rp->twin) : 0);
}

/* Counted in, then the view checked to be still the published one: a
 * handover that published another meanwhile may have seen no reader in
 * this one (its store and load and ours are sequentially consistent), so
 * the count is taken back and the new view entered instead. */
const struct replica_view *replica_enter(struct replica *rp)
{
	struct replica_view *v;

	for (;;) {
		v = __atomic_load_n(&rp->cur, __ATOMIC_SEQ_CST);
		__atomic_add_fetch(&v->readers, 1, __ATOMIC_SEQ_CST);
		if (v == __atomic_load_n(&rp->cur, __ATOMIC_SEQ_CST))
			return v;
		__atomic_sub_fetch(&v->readers, 1, __ATOMIC_RELEASE);
	}
}

void replica_leave(const struct replica_view *v)
{
	__atomic_sub_fetch(&((struct replica_view *)v)->readers, 1, __ATOMIC_RELEASE);
}

const struct replica_view *replica_now(const struct replica *rp)
{
	return rp->cur;
}
