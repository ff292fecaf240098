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

	return r->wide ? lpm_walk(r, hi, 0, true) : lpm_walk(r, hi, 0, false);
}

LPM_INLINE void bulk4(const struct lpm_root *r, const uint32_t *addr, uint32_t *out, size_t n)
{
	uint64_t hi[LPM_BULK];

	while (n) {
		unsigned m = n < LPM_BULK ? (unsigned)n : LPM_BULK, i;

		for (i = 0; i < m; i++)
			hi[i] = (uint64_t)addr[i] << 32;
		if (r->wide)
			lpm_walk_bulk(r, hi, NULL, out, m, true, false);
		else
			lpm_walk_bulk(r, hi, NULL, out, m, false, false);
		addr += m;
		out += m;
		n -= m;
	}
}

LPM_POPCNT_FN static uint32_t lookup4_popcnt(const struct lpm_root *r, uint32_t addr)
{
	return lookup4(r, addr);
}

LPM_POPCNT_FN static void bulk4_popcnt(const struct lpm_root *r, const uint32_t *addr,
				       uint32_t *out, size_t n)
{
	bulk4(r, addr, out, n);
}

uint32_t lpm4_lookup(const struct lpm4 *t, uint32_t addr)
{
	const struct lpm_root *r = lpm_root_get(&t->e.root);
	uint32_t v = lpm_have_popcnt() ? lookup4_popcnt(r, addr) : lookup4(r, addr);

	LPM_TSAN_RELEASE();
	return v;
}

void lpm4_lookup_bulk(const struct lpm4 *t, const uint32_t *addr, uint32_t *out, size_t n)
{
	const struct lpm_root *r = lpm_root_get(&t->e.root);

	if (lpm_have_popcnt())
		bulk4_popcnt(r, addr, out, n);
	else
		bulk4(r, addr, out, n);
	LPM_TSAN_RELEASE();
}
