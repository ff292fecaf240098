// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * IPv6 longest-prefix match (lpm.h): the shared engine of lpm_int.h with
 * full 128-bit keys. Direct pointing takes the top 24 bits (a real table
 * lives under about ten /12s, so the pages cost some 160 KiB; the rest of
 * the space shares one page), then a node per 6 bits: a /32 is
 * found in 2 nodes, a /48 in 4. The key is read once as two big-endian
 * words and consumed as a sliding window.
 */
#define LPM_ENGINE
#define LPM_S	   24
#define LPM_R_BITS 12
#include "fib/lpm_int.h"

#include <endian.h>

struct lpm6 {
	struct lpm e;
};

static uint64_t be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return be64toh(v);
}

static struct lpm_key key6(const uint8_t addr[16])
{
	struct lpm_key k = {{be64(addr), be64(addr + 8)}};

	return k;
}

struct lpm6 *lpm6_new(void)
{
	struct lpm6 *t = malloc(sizeof(*t));

	if (!t)
		return NULL;
	if (lpm_init(&t->e, 128)) {
		lpm_fini(&t->e);
		free(t);
		return NULL;
	}
	return t;
}

void lpm6_free(struct lpm6 *t)
{
	if (!t)
		return;
	lpm_fini(&t->e);
	free(t);
}

int lpm6_set(struct lpm6 *t, const uint8_t addr[16], uint8_t len, uint32_t value)
{
	struct lpm_key k = key6(addr);

	return lpm_set_(&t->e, &k, len, value);
}

int lpm6_del(struct lpm6 *t, const uint8_t addr[16], uint8_t len)
{
	struct lpm_key k = key6(addr);

	return lpm_del_(&t->e, &k, len);
}

static void change6(const void *ch, size_t i, struct lpm_key *k, uint8_t *len, uint32_t *value)
{
	const struct lpm6_change *c = (const struct lpm6_change *)ch + i;

	*k = key6(c->addr);
	*len = c->len;
	*value = c->value;
}

size_t lpm6_stage_bulk(struct lpm6 *t, const struct lpm6_change *ch, size_t n, int *rc)
{
	return lpm_stage_bulk_(&t->e, ch, n, rc, change6);
}

int lpm6_commit(struct lpm6 *t)
{
	return lpm_commit_(&t->e);
}

size_t lpm6_mem_bytes(const struct lpm6 *t)
{
	return lpm_mem_(&t->e);
}

size_t lpm6_count(const struct lpm6 *t)
{
	return t->e.pub_count;
}

void lpm6_stats(const struct lpm6 *t, struct lpm_stats *s)
{
	lpm_stats_(&t->e, s);
}

LPM_INLINE uint32_t lookup6(const struct lpm_root *r, const uint8_t addr[16])
{
	uint64_t hi = be64(addr), lo = be64(addr + 8);

	return r->wide ? lpm_walk(r, hi, lo, true, true) : lpm_walk(r, hi, lo, false, true);
}

/* Bits @d..@d+5 of the key (@hi, @lo); @d is the same for a whole pass. */
LPM_INLINE unsigned slot6(uint64_t hi, uint64_t lo, unsigned d)
{
	if (d <= 58)
		return (unsigned)(hi >> (58 - d)) & 63;
	if (d < 64)
		return (unsigned)((hi << (d - 58)) | (lo >> (122 - d))) & 63;
	if (d <= 122)
		return (unsigned)(lo >> (122 - d)) & 63;
	return (unsigned)(lo << (d - 122)) & 63;
}

/*
 * lpm_walk_bulk() for 128-bit keys: every lookup still walking is at the
 * same depth in a pass, so its slot is taken at a depth known for the pass.
 */
LPM_INLINE void bulk6_n(const struct lpm_root *r, const uint8_t (*addr)[16], uint32_t *out,
			unsigned n, bool wide)
{
	const uint8_t *pool = r->pool;
	uint64_t hi[LPM_BULK], lo[LPM_BULK];
	const uint32_t *ep[LPM_BULK];
	uint32_t ref[LPM_BULK];
	uint8_t act[LPM_BULK];
	unsigned i, k, d, na = 0;

	for (i = 0; i < n; i++) {
		hi[i] = be64(addr[i]);
		lo[i] = be64(addr[i] + 8);
		ep[i] = lpm_entry(r, hi[i]);
		__builtin_prefetch(ep[i]);
	}
	for (i = 0; i < n; i++) {
		uint32_t x = *ep[i];

		ref[i] = x;
		__builtin_prefetch(lpm_next(pool, x));
		__builtin_prefetch(lpm_next(pool, x) + 64);
		act[na] = (uint8_t)i;
		na += ~x & 1;
	}
	for (d = LPM_S; na; d += LPM_STRIDE) {
		unsigned nn = 0;

		for (k = 0; k < na; k++) {
			uint32_t x;

			i = act[k];
			x = lpm_step(pool, ref[i], slot6(hi[i], lo[i], d), wide);
			ref[i] = x;
			__builtin_prefetch(lpm_next(pool, x));
			__builtin_prefetch(lpm_next(pool, x) + 64);
			act[nn] = (uint8_t)i;
			nn += ~x & 1;
		}
		na = nn;
	}
	for (i = 0; i < n; i++)
		out[i] = r->vt[ref[i] >> 1];
}

LPM_INLINE void bulk6(const struct lpm_root *r, const uint8_t (*addr)[16], uint32_t *out, size_t n)
{
	while (n) {
		unsigned m = n < LPM_BULK ? (unsigned)n : LPM_BULK;

		if (r->wide)
			bulk6_n(r, addr, out, m, true);
		else
			bulk6_n(r, addr, out, m, false);
		addr += m;
		out += m;
		n -= m;
	}
}

/* As in lpm4.c: one function per flavour, dispatchers that tail-call. */
__attribute__((noinline)) static uint32_t lookup6_base(const struct lpm_root *r,
						       const uint8_t addr[16])
{
	return lookup6(r, addr);
}

__attribute__((noinline)) static void bulk6_base(const struct lpm_root *r,
						 const uint8_t (*addr)[16], uint32_t *out, size_t n)
{
	bulk6(r, addr, out, n);
}

LPM_POPCNT_FN __attribute__((noinline)) static uint32_t lookup6_popcnt(const struct lpm_root *r,
								       const uint8_t addr[16])
{
	return lookup6(r, addr);
}

LPM_POPCNT_FN __attribute__((noinline)) static void
bulk6_popcnt(const struct lpm_root *r, const uint8_t (*addr)[16], uint32_t *out, size_t n)
{
	bulk6(r, addr, out, n);
}

uint32_t lpm6_lookup(const struct lpm6 *t, const uint8_t addr[16])
{
	const struct lpm_root *r = lpm_root_get(&t->e.root);
	uint32_t v = lpm_have_popcnt() ? lookup6_popcnt(r, addr) : lookup6_base(r, addr);

	LPM_TSAN_RELEASE();
	return v;
}

void lpm6_lookup_bulk(const struct lpm6 *t, const uint8_t (*addr)[16], uint32_t *out, size_t n)
{
	const struct lpm_root *r = lpm_root_get(&t->e.root);

	if (lpm_have_popcnt())
		bulk6_popcnt(r, addr, out, n);
	else
		bulk6_base(r, addr, out, n);
	LPM_TSAN_RELEASE();
}
