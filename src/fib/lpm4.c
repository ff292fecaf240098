// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * IPv4 longest-prefix match (lpm.h): the shared engine of lpm_int.h with the
 * address in the top 32 bits of its key, and lookups specialised for 32-bit
 * keys. The directory takes the top 18 bits, so any prefix up to /24 is
 * found with a page entry and at most one node (whose leaves sit in its own
 * block); each further 6 bits add a node, which only the 0.1% of prefixes
 * longer than /24 need.
 */
#define LPM_ENGINE
#include "fib/lpm_int.h"

struct lpm4 {
	struct lpm e;
};

/* The test hook's counter (one for both families: the engine is shared). */
long lpm_fail_countdown;

long lpm_test_fail_alloc(long n)
{
	long left = lpm_fail_countdown;

	lpm_fail_countdown = n;
	return left;
}

static struct lpm_key key4(uint32_t addr)
{
	struct lpm_key k = {{(uint64_t)addr << 32, 0}};

	return k;
}

struct lpm4 *lpm4_new(void)
{
	struct lpm4 *t = malloc(sizeof(*t));

	if (!t)
		return NULL;
	if (lpm_init(&t->e, 32)) {
		lpm_fini(&t->e);
		free(t);
		return NULL;
	}
	return t;
}

void lpm4_free(struct lpm4 *t)
{
	if (!t)
		return;
	lpm_fini(&t->e);
	free(t);
}

int lpm4_set(struct lpm4 *t, uint32_t addr, uint8_t len, uint32_t value)
{
	struct lpm_key k = key4(addr);

	return lpm_set_(&t->e, &k, len, value);
}

int lpm4_del(struct lpm4 *t, uint32_t addr, uint8_t len)
{
	struct lpm_key k = key4(addr);

	return lpm_del_(&t->e, &k, len);
}

static void change4(const void *ch, size_t i, struct lpm_key *k, uint8_t *len, uint32_t *value)
{
	const struct lpm4_change *c = (const struct lpm4_change *)ch + i;

	*k = key4(c->addr);
	*len = c->len;
	*value = c->value;
}

size_t lpm4_stage_bulk(struct lpm4 *t, const struct lpm4_change *ch, size_t n, int *rc)
{
	return lpm_stage_bulk_(&t->e, ch, n, rc, change4);
}

int lpm4_commit(struct lpm4 *t)
{
	return lpm_commit_(&t->e);
}

size_t lpm4_mem_bytes(const struct lpm4 *t)
{
	return lpm_mem_(&t->e);
}

size_t lpm4_count(const struct lpm4 *t)
{
	return t->e.pub_count;
}

void lpm4_stats(const struct lpm4 *t, struct lpm_stats *s)
{
	lpm_stats_(&t->e, s);
}

LPM_INLINE uint32_t lookup4(const struct lpm_root *r, uint32_t addr)
{
	uint64_t hi = (uint64_t)addr << 32;

	return r->wide ? lpm_walk(r, hi, 0, true, false) : lpm_walk(r, hi, 0, false, false);
}

/* Slot of the node @shift bits above the end of @addr (-4: the last 2 bits, then 0s). */
LPM_INLINE unsigned slot4(uint32_t addr, int shift)
{
	return (unsigned)(((uint64_t)addr << 6) >> (shift + 6)) & 63;
}

/* Lookup @i of a batch stepped to @x: its answer if that is a leaf (the
 * usual case), else it goes on in the next pass from a prefetched node. */
LPM_INLINE void settle4(const uint8_t *pool, const uint32_t *vt, uint32_t x, unsigned i,
			uint32_t *out, uint32_t *ref, uint8_t *act, unsigned *n)
{
	if (__builtin_expect(x & 1, 1)) {
		out[i] = vt[x >> 1];
		return;
	}
	ref[i] = x;
	__builtin_prefetch(pool + LPM_OFF(x));
	__builtin_prefetch(pool + LPM_OFF(x) + 64);
	act[(*n)++] = (uint8_t)i;
}

/*
 * The first node step of every lookup of a batch, in place: nearly every
 * lookup ends at the directory or one node below, and only the rare ones
 * that go on are listed in @act (returns how many). A lookup that already
 * ended steps through the zero node without a branch where that is common
 * (@mixed: many unknown addresses, whose branch would be a coin toss), and
 * skips the step behind a branch, then predicted, where it is rare.
 */
LPM_INLINE unsigned first4(const uint8_t *pool, const uint32_t *vt, const uint32_t *addr,
			   uint32_t *out, unsigned n, uint32_t *ref, uint8_t *act, bool wide,
			   bool mixed)
{
	unsigned i, na = 0, slot;

	for (i = 0; i < n; i++) {
		uint32_t x = ref[i];

		slot = slot4(addr[i], 32 - LPM_S - LPM_STRIDE);
		if (mixed)
			x = lpm_step_done(pool, x, slot, wide);
		else if (__builtin_expect(!(x & 1), 1))
			x = lpm_step_lo(pool, x, slot, wide, false);
		settle4(pool, vt, x, i, out, ref, act, &na);
	}
	return na;
}

/*
 * Up to LPM_BULK lookups, level by level: each pass steps every lookup still
 * in a node and prefetches where it goes next, so the misses of the batch
 * overlap. All lookups of a pass are at one depth: the slot is the address
 * shifted by a constant.
 */
LPM_INLINE void bulk4_n(const struct lpm_root *r, const uint32_t *addr, uint32_t *out, unsigned n,
			bool wide)
{
	const uint8_t *pool = r->pool;
	const uint32_t *vt = r->vt, *ep[LPM_BULK];
	uint32_t ref[LPM_BULK];
	uint8_t act[LPM_BULK];
	unsigned i, k, na, ended = 0;
	int shift;

	for (i = 0; i < n; i++) {
		ep[i] = lpm_entry(r, (uint64_t)addr[i] << 32);
		__builtin_prefetch(ep[i]);
	}
	for (i = 0; i < n; i++) {
		uint32_t x = *ep[i];

		ref[i] = x;
		/*
		 * Unmasked for a leaf (lpm_next() costs two instructions): its
		 * "offset" is about its value index, so the pool's head, and a
		 * prefetch never faults, wherever it points.
		 */
		__builtin_prefetch(pool + LPM_OFF(x));
		__builtin_prefetch(pool + LPM_OFF(x) + 64);
		ended += x & 1;
	}
	if (ended > n / 8)
		na = first4(pool, vt, addr, out, n, ref, act, wide, true);
	else
		na = first4(pool, vt, addr, out, n, ref, act, wide, false);
	for (shift = 32 - LPM_S - 2 * LPM_STRIDE; na; shift -= LPM_STRIDE) {
		unsigned nn = 0;

		for (k = 0; k < na; k++) {
			uint32_t x;

			i = act[k];
			x = lpm_step_lo(pool, ref[i], slot4(addr[i], shift), wide, false);
			settle4(pool, vt, x, i, out, ref, act, &nn);
		}
		na = nn;
	}
}

LPM_INLINE void bulk4(const struct lpm_root *r, const uint32_t *addr, uint32_t *out, size_t n)
{
	while (n) {
		unsigned m = n < LPM_BULK ? (unsigned)n : LPM_BULK;

		if (r->wide)
			bulk4_n(r, addr, out, m, true);
		else
			bulk4_n(r, addr, out, m, false);
		addr += m;
		out += m;
		n -= m;
	}
}

/*
 * Each flavour is a function of its own, so the entry points below are
 * dispatchers that only tail-call (one copy inlined into them would make
 * them save and restore its registers on every call).
 */
__attribute__((noinline)) static uint32_t lookup4_base(const struct lpm_root *r, uint32_t addr)
{
	return lookup4(r, addr);
}

__attribute__((noinline)) static void bulk4_base(const struct lpm_root *r, const uint32_t *addr,
						 uint32_t *out, size_t n)
{
	bulk4(r, addr, out, n);
}

LPM_POPCNT_FN __attribute__((noinline)) static uint32_t lookup4_popcnt(const struct lpm_root *r,
								       uint32_t addr)
{
	return lookup4(r, addr);
}

LPM_POPCNT_FN __attribute__((noinline)) static void
bulk4_popcnt(const struct lpm_root *r, const uint32_t *addr, uint32_t *out, size_t n)
{
	bulk4(r, addr, out, n);
}

uint32_t lpm4_lookup(const struct lpm4 *t, uint32_t addr)
{
	const struct lpm_root *r = lpm_root_get(&t->e.root);
	uint32_t v = lpm_have_popcnt() ? lookup4_popcnt(r, addr) : lookup4_base(r, addr);

	LPM_TSAN_RELEASE();
	return v;
}

void lpm4_lookup_bulk(const struct lpm4 *t, const uint32_t *addr, uint32_t *out, size_t n)
{
	const struct lpm_root *r = lpm_root_get(&t->e.root);

	if (lpm_have_popcnt())
		bulk4_popcnt(r, addr, out, n);
	else
		bulk4_base(r, addr, out, n);
	LPM_TSAN_RELEASE();
}
