// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The LPM (fib/lpm.h) against deliberately simple references.
 *
 * Reference: one hash table of (prefix, length) -> value, looked up longest
 * length first; it supports set and del, so it follows every update. For
 * the exhaustive runs, where 2^32 or 10^8 hash walks would take too long,
 * the prefix set is turned into sorted elementary intervals (a sweep with a
 * stack of open prefixes, the last interval ending at 2^32 or 2^128); those
 * are first checked against the hash reference.
 *
 * Fast (default, seconds, also under ASan): edge tables (/0, 0/8, 255/8,
 * /32 and /128 at both ends, the rte_fib wrap-around sequence, ff00::/8),
 * random tables with nested prefixes, random + edge + in-table addresses,
 * bulk == single; random add/delete/modify sequences committed after every
 * step and in bursts, checked on addresses around each change and, at
 * intervals, against a fresh full build; the LINX BGP update trace
 * (../shared/data, skipped when absent) on every 8th prefix of the real
 * IPv4 table; 32-bit leaves (more than 65535 values); injected allocation
 * failures (nothing staged, the previous publication stays); commits into
 * recycled roots and pages (only the differing lines written); two reader
 * threads looking up while the writer commits (also run under TSan).
 *
 * --exhaustive (slow label, minutes): every IPv4 address on the real
 * 901,899-prefix table (values round robin over 300) and on a random edge
 * table; 10^8 IPv6 addresses on the real 160,147-prefix table and 10^8 over
 * random tables; the BGP trace on the whole real table.
 *
 * Seeds are fixed and printed; LPM_SEED=N overrides.
 */
#include "fib/lpm.h"
#include "fib/lpm_int.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <urcu/urcu-memb.h>

#include "tap.h"

#ifndef FM_SOURCE_DIR
#define FM_SOURCE_DIR "."
#endif
#define DATA_DIR FM_SOURCE_DIR "/../shared/data/"

static bool exhaustive;

/* ------------------------------------------------------------------ random */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ------------------------------------------------------- 128-bit addresses */

/* An address, left-aligned: IPv4 in the top 32 bits of hi. */
struct a128 {
	uint64_t hi, lo;
};

static struct a128 amask(struct a128 a, unsigned len)
{
	if (len == 0)
		a.hi = a.lo = 0;
	else if (len < 64)
		a.hi &= ~0ull << (64 - len), a.lo = 0;
	else if (len == 64)
		a.lo = 0;
	else if (len < 128)
		a.lo &= ~0ull << (128 - len);
	return a;
}

/* The last address of a/len within a @bits-wide space. */
static struct a128 alast(struct a128 a, unsigned len, unsigned bits)
{
	struct a128 m = amask((struct a128){~0ull, ~0ull}, len), all = {~0ull, ~0ull};

	if (bits == 32)
		all.hi = 0xffffffff00000000ull, all.lo = 0;
	a.hi |= ~m.hi & all.hi;
	a.lo |= ~m.lo & all.lo;
	return a;
}

static int acmp(struct a128 a, struct a128 b)
{
	if (a.hi != b.hi)
		return a.hi < b.hi ? -1 : 1;
	return a.lo < b.lo ? -1 : a.lo > b.lo;
}

/* a + 1 in a @bits-wide space; false on wrap-around. */
static bool ainc(struct a128 *a, unsigned bits)
{
	if (bits == 32) {
		if (a->hi == 0xffffffff00000000ull)
			return false;
		a->hi += 1ull << 32;
		return true;
	}
	if (++a->lo)
		return true;
	return ++a->hi != 0;
}

static bool adec(struct a128 *a, unsigned bits)
{
	if (!a->hi && !a->lo)
		return false;
	if (bits == 32) {
		a->hi -= 1ull << 32;
		return true;
	}
	if (!a->lo--)
		a->hi--;
	return true;
}

static void afmt(struct a128 a, unsigned bits, char *buf, size_t n)
{
	if (bits == 32)
		snprintf(buf, n, "%u.%u.%u.%u", (unsigned)(a.hi >> 56),
			 (unsigned)(a.hi >> 48) & 255, (unsigned)(a.hi >> 40) & 255,
			 (unsigned)(a.hi >> 32) & 255);
	else
		snprintf(buf, n, "%016" PRIx64 ":%016" PRIx64, a.hi, a.lo);
}

/* -------------------------------------------------- reference: hash table */

struct rent {
	struct a128 a;
	uint32_t val;
	uint8_t len;
	uint8_t state; /* 0 empty, 1 used, 2 deleted */
};

struct ref {
	unsigned bits;
	struct rent *e;
	size_t cap, n, tomb;
	size_t cnt[129];
};

/* splitmix64's finalizer: every input bit reaches the low bits the table uses. */
static uint64_t rhash(struct a128 a, unsigned len)
{
	uint64_t h = a.hi ^ (a.lo * 0x9e3779b97f4a7c15ull) ^ len;

	h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
	h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
	return h ^ (h >> 31);
}

static void ref_init(struct ref *r, unsigned bits)
{
	memset(r, 0, sizeof(*r));
	r->bits = bits;
}

static void ref_fini(struct ref *r)
{
	free(r->e);
}

static struct rent *ref_find(const struct ref *r, struct a128 a, unsigned len)
{
	size_t i;

	if (!r->cap)
		return NULL;
	for (i = rhash(a, len) & (r->cap - 1); r->e[i].state; i = (i + 1) & (r->cap - 1))
		if (r->e[i].state == 1 && r->e[i].len == len && !acmp(r->e[i].a, a))
			return &r->e[i];
	return NULL;
}

static void ref_rehash(struct ref *r, size_t cap)
{
	struct rent *old = r->e;
	size_t i, ocap = r->cap;

	r->e = calloc(cap, sizeof(*r->e));
	if (!r->e)
		abort();
	r->cap = cap;
	r->tomb = 0;
	for (i = 0; i < ocap; i++)
		if (old[i].state == 1) {
			size_t j = rhash(old[i].a, old[i].len) & (cap - 1);

			while (r->e[j].state)
				j = (j + 1) & (cap - 1);
			r->e[j] = old[i];
		}
	free(old);
}

static void ref_set(struct ref *r, struct a128 a, unsigned len, uint32_t val)
{
	struct rent *e = ref_find(r, a, len);
	size_t i;

	if (e) {
		e->val = val;
		return;
	}
	if (2 * (r->n + r->tomb + 1) > r->cap)
		ref_rehash(r, r->cap && 4 * r->n < r->cap ? r->cap : (r->cap ? 2 * r->cap : 1024));
	for (i = rhash(a, len) & (r->cap - 1); r->e[i].state == 1; i = (i + 1) & (r->cap - 1))
		;
	if (r->e[i].state == 2)
		r->tomb--;
	r->e[i] = (struct rent){a, val, (uint8_t)len, 1};
	r->n++;
	r->cnt[len]++;
}

static bool ref_del(struct ref *r, struct a128 a, unsigned len)
{
	struct rent *e = ref_find(r, a, len);

	if (!e)
		return false;
	e->state = 2;
	r->n--;
	r->tomb++;
	r->cnt[len]--;
	return true;
}

static uint32_t ref_lookup(const struct ref *r, struct a128 a)
{
	int len;

	for (len = (int)r->bits; len >= 0; len--) {
		const struct rent *e;

		if (!r->cnt[len])
			continue;
		e = ref_find(r, amask(a, (unsigned)len), (unsigned)len);
		if (e)
			return e->val;
	}
	return LPM_NONE;
}

/* ------------------------------------------------ reference: intervals */

/* Elementary intervals: [start[i], start[i+1]) has val[i]; the last ends at 2^bits. */
struct ivl {
	struct a128 *start;
	uint32_t *val;
	size_t n, cap;
};

static int rent_cmp(const void *x, const void *y)
{
	const struct rent *a = x, *b = y;
	int c = acmp(a->a, b->a);

	return c ? c : (int)a->len - (int)b->len;
}

static void ivl_emit(struct ivl *v, struct a128 s, uint32_t val)
{
	if (v->n && v->val[v->n - 1] == val)
		return;
	if (v->n && !acmp(v->start[v->n - 1], s)) {
		/* An empty interval before: replace it. */
		v->val[v->n - 1] = val;
		if (v->n > 1 && v->val[v->n - 2] == val)
			v->n--;
		return;
	}
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 1024;
		v->start = realloc(v->start, v->cap * sizeof(*v->start));
		v->val = realloc(v->val, v->cap * sizeof(*v->val));
		if (!v->start || !v->val)
			abort();
	}
	v->start[v->n] = s;
	v->val[v->n++] = val;
}

/* One past a/len's last address; false when that is 2^bits. */
static bool aend(struct a128 a, unsigned len, unsigned bits, struct a128 *end)
{
	*end = alast(a, len, bits);
	return ainc(end, bits);
}

/*
 * Sweep the prefixes in (address, length) order with a stack of the open
 * ones: each covering prefix comes before what it covers.
 */
static void ivl_build(struct ivl *v, const struct ref *r)
{
	struct rent *p = malloc((r->n + 1) * sizeof(*p)), *stk[130];
	size_t i, n = 0;
	unsigned sp = 0, bits = r->bits;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < r->cap; i++)
		if (r->e[i].state == 1)
			p[n++] = r->e[i];
	qsort(p, n, sizeof(*p), rent_cmp);
	ivl_emit(v, (struct a128){0, 0}, LPM_NONE);
	for (i = 0; i < n; i++) {
		/* Close what ends at or before p[i] starts. */
		while (sp) {
			struct a128 e;

			if (!aend(stk[sp - 1]->a, stk[sp - 1]->len, bits, &e) ||
			    acmp(e, p[i].a) > 0)
				break;
			sp--;
			ivl_emit(v, e, sp ? stk[sp - 1]->val : LPM_NONE);
		}
		ivl_emit(v, p[i].a, p[i].val);
		stk[sp++] = &p[i];
	}
	while (sp) {
		struct a128 e;

		if (!aend(stk[sp - 1]->a, stk[sp - 1]->len, bits, &e))
			break;
		sp--;
		ivl_emit(v, e, sp ? stk[sp - 1]->val : LPM_NONE);
	}
	free(p);
}

static void ivl_fini(struct ivl *v)
{
	free(v->start);
	free(v->val);
}

static uint32_t ivl_lookup(const struct ivl *v, struct a128 a)
{
	size_t lo = 0, hi = v->n;

	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (acmp(v->start[mid], a) <= 0)
			lo = mid;
		else
			hi = mid;
	}
	return v->val[lo];
}

/* ------------------------------------------------------- family wrappers */

/* Changes staged with one bulk call, and the result each one should get. */
#define BURST_MAX 1024
struct burst {
	struct a128 a[BURST_MAX];
	uint8_t len[BURST_MAX];
	uint32_t val[BURST_MAX]; /* LPM_NONE: delete */
	int want[BURST_MAX];
	size_t n;
};

struct fam {
	const char *name;
	unsigned bits;
	void *(*make)(void);
	void (*destroy)(void *t);
	int (*set)(void *t, struct a128 a, unsigned len, uint32_t val);
	int (*del)(void *t, struct a128 a, unsigned len);
	int (*commit)(void *t);
	/* lpm*_stage_bulk() of @b, each change's result in @rc; returns how many failed. */
	size_t (*stage)(void *t, const struct burst *b, int *rc);
	uint32_t (*lookup)(const void *t, struct a128 a);
	void (*bulk)(const void *t, const struct a128 *a, uint32_t *out, size_t n);
	size_t (*count)(const void *t);
	size_t (*mem)(const void *t);
	void (*stats)(const void *t, struct lpm_stats *s);
};

static void to6(struct a128 a, uint8_t b[16])
{
	int i;

	for (i = 0; i < 8; i++) {
		b[i] = (uint8_t)(a.hi >> (56 - 8 * i));
		b[8 + i] = (uint8_t)(a.lo >> (56 - 8 * i));
	}
}

static void *make4(void)
{
	return lpm4_new();
}
static void destroy4(void *t)
{
	lpm4_free(t);
}
static int set4(void *t, struct a128 a, unsigned len, uint32_t val)
{
	return lpm4_set(t, (uint32_t)(a.hi >> 32), (uint8_t)len, val);
}
static int del4(void *t, struct a128 a, unsigned len)
{
	return lpm4_del(t, (uint32_t)(a.hi >> 32), (uint8_t)len);
}
static int commit4(void *t)
{
	return lpm4_commit(t);
}
static size_t stage4(void *t, const struct burst *b, int *rc)
{
	struct lpm4_change c[BURST_MAX];
	size_t i;

	for (i = 0; i < b->n; i++)
		c[i] = (struct lpm4_change){(uint32_t)(b->a[i].hi >> 32), b->len[i], b->val[i]};
	return lpm4_stage_bulk(t, c, b->n, rc);
}

static uint32_t lookup4(const void *t, struct a128 a)
{
	return lpm4_lookup(t, (uint32_t)(a.hi >> 32));
}
static void bulk4(const void *t, const struct a128 *a, uint32_t *out, size_t n)
{
	uint32_t *x = malloc((n + 1) * sizeof(*x));
	size_t i;

	for (i = 0; i < n; i++)
		x[i] = (uint32_t)(a[i].hi >> 32);
	lpm4_lookup_bulk(t, x, out, n);
	free(x);
}
static size_t count4(const void *t)
{
	return lpm4_count(t);
}
static size_t mem4(const void *t)
{
	return lpm4_mem_bytes(t);
}
static void stats4(const void *t, struct lpm_stats *s)
{
	lpm4_stats(t, s);
}

static void *make6(void)
{
	return lpm6_new();
}
static void destroy6(void *t)
{
	lpm6_free(t);
}
static int set6(void *t, struct a128 a, unsigned len, uint32_t val)
{
	uint8_t b[16];

	to6(a, b);
	return lpm6_set(t, b, (uint8_t)len, val);
}
static int del6(void *t, struct a128 a, unsigned len)
{
	uint8_t b[16];

	to6(a, b);
	return lpm6_del(t, b, (uint8_t)len);
}
static int commit6(void *t)
{
	return lpm6_commit(t);
}
static size_t stage6(void *t, const struct burst *b, int *rc)
{
	static struct lpm6_change c[BURST_MAX];
	size_t i;

	for (i = 0; i < b->n; i++) {
		to6(b->a[i], c[i].addr);
		c[i].len = b->len[i];
		c[i].value = b->val[i];
	}
	return lpm6_stage_bulk(t, c, b->n, rc);
}

static uint32_t lookup6(const void *t, struct a128 a)
{
	uint8_t b[16];

	to6(a, b);
	return lpm6_lookup(t, b);
}
static void bulk6(const void *t, const struct a128 *a, uint32_t *out, size_t n)
{
	uint8_t(*x)[16] = malloc((n + 1) * 16);
	size_t i;

	for (i = 0; i < n; i++)
		to6(a[i], x[i]);
	lpm6_lookup_bulk(t, (const uint8_t(*)[16])x, out, n);
	free(x);
}
static size_t count6(const void *t)
{
	return lpm6_count(t);
}
static size_t mem6(const void *t)
{
	return lpm6_mem_bytes(t);
}
static void stats6(const void *t, struct lpm_stats *s)
{
	lpm6_stats(t, s);
}

static const struct fam F4 = {
    .name = "IPv4",
    .bits = 32,
    .make = make4,
    .destroy = destroy4,
    .set = set4,
    .del = del4,
    .commit = commit4,
    .stage = stage4,
    .lookup = lookup4,
    .bulk = bulk4,
    .count = count4,
    .mem = mem4,
    .stats = stats4,
};
static const struct fam F6 = {
    .name = "IPv6",
    .bits = 128,
    .make = make6,
    .destroy = destroy6,
    .set = set6,
    .del = del6,
    .commit = commit6,
    .stage = stage6,
    .lookup = lookup6,
    .bulk = bulk6,
    .count = count6,
    .mem = mem6,
    .stats = stats6,
};

/* ------------------------------------------------------------- addresses */

static struct a128 arand(const struct fam *f)
{
	struct a128 a = {rnd(), rnd()};

	return f->bits == 32 ? amask(a, 32) : a;
}

/* Random host bits under a/len. */
static struct a128 ahost(const struct fam *f, struct a128 a, unsigned len)
{
	struct a128 r = arand(f), m = amask((struct a128){~0ull, ~0ull}, len);

	a.hi |= r.hi & ~m.hi;
	a.lo |= r.lo & ~m.lo;
	return a;
}

struct aset {
	struct a128 *a;
	size_t n, cap;
};

static void aput(struct aset *s, struct a128 a)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 4096;
		s->a = realloc(s->a, s->cap * sizeof(*s->a));
		if (!s->a)
			abort();
	}
	s->a[s->n++] = a;
}

/* The prefix's first and last address and their neighbours, and one inside. */
static void aput_edges(const struct fam *f, struct aset *s, struct a128 a, unsigned len)
{
	struct a128 x = a, y = alast(a, len, f->bits);

	aput(s, a);
	aput(s, y);
	aput(s, ahost(f, a, len));
	if (adec(&x, f->bits))
		aput(s, x);
	if (ainc(&y, f->bits))
		aput(s, y);
}

/* Random, edge and in-table addresses for the table in @r. */
static void addrs_for(const struct fam *f, const struct ref *r, struct aset *s, size_t nrand,
		      size_t nedge)
{
	size_t i, k = 0;

	for (i = 0; i < nrand; i++)
		aput(s, arand(f));
	aput(s, (struct a128){0, 0});
	aput(s, alast((struct a128){0, 0}, 0, f->bits));
	if (!r->n)
		return;
	if (nedge > 4 * r->n)
		nedge = 4 * r->n;
	for (i = 0; k < nedge; i = (i + 1 + below(r->cap / (nedge + 1) + 1)) % r->cap) {
		if (r->e[i].state != 1)
			continue;
		aput_edges(f, s, r->e[i].a, r->e[i].len);
		k++;
	}
}

/*
 * @t against @r on @s: single lookups, and bulk lookups (batch sizes that
 * are not multiples of the interleave) equal to them. Returns mismatches.
 */
static size_t check_set(const struct fam *f, const void *t, const struct ref *r,
			const struct aset *s, const char *what)
{
	uint32_t *out = malloc((s->n + 1) * sizeof(*out));
	size_t i, bad = 0, badb = 0, off;

	urcu_memb_read_lock();
	for (off = 0; off < s->n; off += 1 + off % 97)
		f->bulk(t, s->a + off, out + off,
			off + 1 + off % 97 > s->n ? s->n - off : 1 + off % 97);
	for (i = 0; i < s->n; i++) {
		uint32_t got = f->lookup(t, s->a[i]), want = ref_lookup(r, s->a[i]);

		if (got != want && bad++ < 5) {
			char buf[64];

			afmt(s->a[i], f->bits, buf, sizeof(buf));
			diag("%s %s: %s -> %u, want %u", f->name, what, buf, got, want);
		}
		if (out[i] != got && badb++ < 5) {
			char buf[64];

			afmt(s->a[i], f->bits, buf, sizeof(buf));
			diag("%s %s: bulk %s -> %u, single %u", f->name, what, buf, out[i], got);
		}
	}
	urcu_memb_read_unlock();
	free(out);
	return bad + badb;
}

/* Stage the whole reference into @t. */
static int load_ref(const struct fam *f, void *t, const struct ref *r)
{
	size_t i;
	int err;

	for (i = 0; i < r->cap; i++)
		if (r->e[i].state == 1 && (err = f->set(t, r->e[i].a, r->e[i].len, r->e[i].val)))
			return err;
	return 0;
}

/* A fresh full build of @r compared with @t on @s. */
static size_t check_fresh(const struct fam *f, const void *t, const struct ref *r,
			  const struct aset *s)
{
	void *u = f->make();
	size_t i, bad = 0;
	uint32_t *x, *y;

	if (!u || load_ref(f, u, r) || f->commit(u))
		return 1;
	x = malloc((s->n + 1) * sizeof(*x));
	y = malloc((s->n + 1) * sizeof(*y));
	urcu_memb_read_lock();
	f->bulk(t, s->a, x, s->n);
	f->bulk(u, s->a, y, s->n);
	urcu_memb_read_unlock();
	for (i = 0; i < s->n; i++)
		if (x[i] != y[i] && bad++ < 5) {
			char buf[64];

			afmt(s->a[i], f->bits, buf, sizeof(buf));
			diag("%s: incremental %s -> %u, fresh build %u", f->name, buf, x[i], y[i]);
		}
	if (f->count(t) != f->count(u)) {
		diag("%s: count %zu, fresh build %zu", f->name, f->count(t), f->count(u));
		bad++;
	}
	free(x);
	free(y);
	f->destroy(u);
	return bad;
}

/* -------------------------------------------------------- random tables */

/* Lengths where structures break: the directory, stride and word edges. */
static unsigned rlen(const struct fam *f)
{
	static const unsigned e4[] = {0,  1,  5,  6,  7,  8,  9,  12, 13, 16, 17,
				      18, 19, 20, 23, 24, 25, 29, 30, 31, 32};
	static const unsigned e6[] = {0,  1,  8,  12,  16,  17,	 18,  19,  24,	29, 30,
				      31, 32, 33, 47,  48,  49,	 58,  59,  60,	63, 64,
				      65, 66, 96, 120, 121, 122, 123, 126, 127, 128};

	if (below(3))
		return f->bits == 32 ? e4[below(sizeof(e4) / sizeof(e4[0]))]
				     : e6[below(sizeof(e6) / sizeof(e6[0]))];
	return (unsigned)below(f->bits + 1);
}

/*
 * A random prefix: usually under one already in @r (nesting: shared nodes,
 * fallbacks), at the ends of the space (0/8, 255/8, ::, ff00::/8), or
 * anywhere.
 */
static void rprefix(const struct fam *f, const struct ref *r, struct a128 *a, unsigned *len)
{
	unsigned k = (unsigned)below(10);

	*len = rlen(f);
	if (k < 5 && r->n) {
		size_t i;

		do
			i = below(r->cap);
		while (r->e[i].state != 1);
		if (r->e[i].len < *len) {
			*a = amask(ahost(f, r->e[i].a, r->e[i].len), *len);
			return;
		}
	}
	*a = arand(f);
	if (k == 5)
		a->hi &= 0x00ffffffffffffffull;
	else if (k == 6)
		a->hi |= 0xff00000000000000ull;
	*a = amask(*a, *len);
}

/* Next hops: few (leaf runs compress) or many. */
static uint32_t rval(uint32_t nvals)
{
	return 1 + (uint32_t)below(nvals);
}

static void random_table(const struct fam *f, struct ref *r, size_t n, uint32_t nvals)
{
	ref_init(r, f->bits);
	while (r->n < n) {
		struct a128 a;
		unsigned len;

		rprefix(f, r, &a, &len);
		ref_set(r, a, len, rval(nvals));
	}
}

/* ------------------------------------------------------------- the tests */

static void test_api(const struct fam *f)
{
	void *t = f->make();
	struct a128 a = {0x0a00000000000000ull, 0}, b = {0x0a00000100000000ull, 0};
	size_t m0;
	bool good;

	ok(t != NULL, "%s: new", f->name);
	urcu_memb_read_lock();
	ok(f->lookup(t, a) == LPM_NONE && f->lookup(t, arand(f)) == LPM_NONE,
	   "%s: an empty table has no answer", f->name);
	urcu_memb_read_unlock();
	ok(f->set(t, a, f->bits + 1, 1) == -EINVAL && f->set(t, a, 8, LPM_NONE) == -EINVAL &&
	       f->set(t, b, 8, 1) == -EINVAL && f->set(t, b, 0, 1) == -EINVAL &&
	       f->del(t, b, 8) == -EINVAL && f->del(t, a, f->bits + 1) == -EINVAL,
	   "%s: bad length, host bits, LPM_NONE: -EINVAL", f->name);
	ok(f->del(t, a, 8) == -ENOENT && f->commit(t) == 0 && f->count(t) == 0,
	   "%s: delete of an absent prefix: -ENOENT; empty commit", f->name);
	m0 = f->mem(t);
	ok(f->set(t, a, 8, 7) == 0 && f->set(t, a, 8, 7) == 0 && f->set(t, b, f->bits, 9) == 0,
	   "%s: set, same again", f->name);
	urcu_memb_read_lock();
	ok(f->lookup(t, a) == LPM_NONE && f->count(t) == 0, "%s: staged is not published", f->name);
	urcu_memb_read_unlock();
	good = f->commit(t) == 0 && f->count(t) == 2 && f->mem(t) >= m0;
	ok(good, "%s: commit publishes (count 2, %zu bytes)", f->name, f->mem(t));
	urcu_memb_read_lock();
	ok(f->lookup(t, a) == 7 && f->lookup(t, b) == 9 &&
	       f->lookup(t, alast(a, 8, f->bits)) == 7 &&
	       f->lookup(t, (struct a128){0x0b00000000000000ull, 0}) == LPM_NONE,
	   "%s: answers", f->name);
	urcu_memb_read_unlock();
	ok(f->del(t, a, 8) == 0 && f->del(t, a, 8) == -ENOENT && f->set(t, a, 8, 8) == 0 &&
	       f->del(t, a, 8) == 0 && f->commit(t) == 0 && f->count(t) == 1,
	   "%s: delete, re-add, delete in one batch", f->name);
	urcu_memb_read_lock();
	ok(f->lookup(t, a) == LPM_NONE && f->lookup(t, b) == 9, "%s: after the batch", f->name);
	urcu_memb_read_unlock();
	f->destroy(t);
}

static struct a128 p4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return (struct a128){(uint64_t)(a << 24 | b << 16 | c << 8 | d) << 32, 0};
}

/* Prefixes where structures have broken before (shared/docs/lpm-anchors.md). */
static void edge_table(const struct fam *f, struct ref *r, int which)
{
	if (f->bits == 32) {
		ref_set(r, p4(255, 192, 0, 0), 10, 3);
		ref_set(r, p4(255, 176, 0, 0), 12, 4);
		ref_set(r, p4(255, 128, 0, 0), 9, 2);
		ref_set(r, p4(0, 0, 0, 0), 8, 5);
		ref_set(r, p4(255, 0, 0, 0), 8, 6);
		ref_set(r, p4(255, 255, 255, 255), 32, 7);
		ref_set(r, p4(255, 255, 255, 254), 31, 8);
		ref_set(r, p4(0, 0, 0, 0), 32, 9);
		ref_set(r, p4(0, 0, 0, 1), 32, 10);
		ref_set(r, p4(10, 0, 0, 0), 8, 11);
		ref_set(r, p4(10, 0, 0, 0), 24, 12);
		ref_set(r, p4(10, 0, 0, 128), 25, 13);
		ref_set(r, p4(10, 0, 0, 129), 32, 14);
		ref_set(r, p4(10, 0, 64, 0), 18, 15);
		ref_set(r, p4(10, 0, 64, 0), 19, 16);
		ref_set(r, p4(10, 0, 0, 0), 17, 17);
		ref_set(r, p4(10, 1, 0, 0), 16, 11);
		ref_set(r, p4(128, 0, 0, 0), 1, 18);
		ref_set(r, p4(192, 168, 1, 0), 30, 19);
	} else {
		ref_set(r, (struct a128){0xff00000000000000ull, 0}, 8, 3);
		ref_set(r, (struct a128){0xfe80000000000000ull, 0}, 64, 4);
		ref_set(r, (struct a128){0, 0}, 128, 5);
		ref_set(r, (struct a128){0, 1}, 128, 6);
		ref_set(r, (struct a128){~0ull, ~0ull}, 128, 7);
		ref_set(r, (struct a128){~0ull, ~1ull}, 127, 8);
		ref_set(r, (struct a128){0x20010db800000000ull, 0}, 32, 9);
		ref_set(r, (struct a128){0x20010db800010000ull, 0}, 48, 10);
		ref_set(r, (struct a128){0x20010db800010001ull, 0}, 64, 11);
		ref_set(r, (struct a128){0x20010db800010001ull, 0x8000000000000000ull}, 65, 12);
		ref_set(r, (struct a128){0x20010db800010001ull, 1}, 128, 13);
		ref_set(r, (struct a128){0x2000000000000000ull, 0}, 3, 14);
		ref_set(r, (struct a128){0x2001000000000000ull, 0}, 16, 15);
		ref_set(r, (struct a128){0x2001000000000000ull, 0}, 18, 16);
		ref_set(r, (struct a128){0x20010db800000000ull, 0}, 60, 17);
		ref_set(r, (struct a128){0x20010db800000000ull, 0}, 61, 18);
		ref_set(r, (struct a128){0x20010db800000000ull, 0xfc00000000000000ull}, 70, 19);
		ref_set(r, (struct a128){0, 0xffff00000000ull}, 96, 20);
	}
	if (which)
		ref_set(r, (struct a128){0, 0}, 0, 1);
}

static void test_edges(const struct fam *f)
{
	int which;

	for (which = 0; which < 2; which++) {
		struct ref r;
		struct aset s = {0};
		void *t = f->make();
		size_t i;

		ref_init(&r, f->bits);
		edge_table(f, &r, which);
		for (i = 0; i < r.cap; i++)
			if (r.e[i].state == 1)
				aput_edges(f, &s, r.e[i].a, r.e[i].len);
		addrs_for(f, &r, &s, 10000, 0);
		ok(t && !load_ref(f, t, &r) && !f->commit(t) && !check_set(f, t, &r, &s, "edges"),
		   "%s: edge table %s default route: %zu addresses", f->name,
		   which ? "with" : "without", s.n);
		f->destroy(t);
		free(s.a);
		ref_fini(&r);
	}
}

static void test_random_tables(const struct fam *f)
{
	static const size_t sizes[] = {1, 10, 300, 3000, 30000};
	static const uint32_t nvals[] = {1, 3, 300, 100000};
	unsigned i;

	for (i = 0; i < 10; i++) {
		size_t n = sizes[i % 5];
		uint32_t nv = nvals[(i / 5 + i) % 4];
		struct ref r;
		struct aset s = {0};
		void *t = f->make();
		bool good;

		random_table(f, &r, n, nv);
		addrs_for(f, &r, &s, 4000, 3000);
		good = t && !load_ref(f, t, &r) && !f->commit(t) && f->count(t) == r.n &&
		       !check_set(f, t, &r, &s, "random");
		ok(good, "%s: random table of %zu prefixes, %u values: %zu addresses, %zu bytes",
		   f->name, n, nv, s.n, f->mem(t));
		f->destroy(t);
		free(s.a);
		ref_fini(&r);
	}
}

/* Set (@v) or delete (LPM_NONE) @a/@len in @t now, or add it to burst @b
 * (unless NULL) with the result it should get. */
static void change(const struct fam *f, void *t, struct burst *b, struct a128 a, unsigned len,
		   uint32_t v, int want, int *errs)
{
	if (b) {
		b->a[b->n] = a;
		b->len[b->n] = (uint8_t)len;
		b->val[b->n] = v;
		b->want[b->n++] = want;
	} else if ((v ? f->set(t, a, len, v) : f->del(t, a, len)) != want) {
		(*errs)++;
	}
}

/* One random change to @t (or @b) and @r; its prefix goes to @s (edges). */
static void random_change(const struct fam *f, void *t, struct burst *b, struct ref *r,
			  struct aset *s, uint32_t nvals, size_t target, int *errs)
{
	struct a128 a;
	unsigned len;
	unsigned k = (unsigned)below(3);

	if (k == 0 || r->n < target) {
		uint32_t v = rval(nvals);

		rprefix(f, r, &a, &len);
		change(f, t, b, a, len, v, 0, errs);
		ref_set(r, a, len, v);
	} else {
		size_t i;

		do
			i = below(r->cap);
		while (r->e[i].state != 1);
		a = r->e[i].a;
		len = r->e[i].len;
		if (k == 1) {
			change(f, t, b, a, len, LPM_NONE, 0, errs);
			ref_del(r, a, len);
		} else {
			uint32_t v = rval(nvals);

			change(f, t, b, a, len, v, 0, errs);
			ref_set(r, a, len, v);
		}
	}
	aput_edges(f, s, a, len);
}

/*
 * A burst of random changes into @b, with ones that must fail among them
 * (a delete of an absent prefix: -ENOENT; host bits, a length past the
 * family's: -EINVAL), staged with one bulk call: each change must get the
 * result it would get alone. Failures go to *@errs.
 */
static void random_burst(const struct fam *f, void *t, struct burst *b, struct ref *r,
			 struct aset *s, uint32_t nvals, size_t target, unsigned n, int *errs)
{
	int rc[BURST_MAX];
	size_t i, want_bad = 0;

	b->n = 0;
	while (b->n < n && b->n < BURST_MAX) {
		struct a128 a;
		unsigned len, k = (unsigned)below(40);

		if (k > 2) {
			random_change(f, t, b, r, s, nvals, target, errs);
			continue;
		}
		rprefix(f, r, &a, &len);
		if (k == 0 && !ref_find(r, a, len))
			change(f, t, b, a, len, LPM_NONE, -ENOENT, errs);
		else if (k == 1 && len < f->bits)
			change(f, t, b, alast(a, len, f->bits), len, rval(nvals), -EINVAL, errs);
		else if (k == 2)
			change(f, t, b, a, f->bits + 1, rval(nvals), -EINVAL, errs);
		else
			continue;
		want_bad++;
	}
	for (i = 0; i < b->n; i++)
		rc[i] = 1;
	if (f->stage(t, b, rc) != want_bad)
		(*errs)++;
	for (i = 0; i < b->n; i++)
		*errs += rc[i] != b->want[i];
}

/*
 * Random add/delete/modify: committed after every change, then in bursts,
 * every other one staged with one bulk call; checked around each change and
 * on random addresses, and against a fresh full build at intervals.
 */
static void test_incremental(const struct fam *f, size_t base, uint32_t nvals, unsigned steps)
{
	struct ref r;
	struct aset all = {0};
	void *t = f->make(), *empty;
	size_t bad = 0, badfresh = 0, mem, i, n;
	struct lpm_stats st, st0;
	struct rent *left;
	static struct burst b;
	unsigned step;
	int errs = 0;

	random_table(f, &r, base, nvals);
	if (!t || load_ref(f, t, &r) || f->commit(t))
		errs++;
	addrs_for(f, &r, &all, 3000, 1000);
	for (step = 0; step < steps; step++) {
		struct aset s = {0};
		unsigned burst = step < steps / 2 ? 1 : 1 + (unsigned)below(step % 7 ? 40 : 600), k;

		if (burst > 1 && step % 2)
			random_burst(f, t, &b, &r, &s, nvals, base, burst, &errs);
		else
			for (k = 0; k < burst; k++)
				random_change(f, t, NULL, &r, &s, nvals, base, &errs);
		if (f->commit(t))
			errs++;
		for (k = 0; k < 64; k++)
			aput(&s, arand(f));
		bad += check_set(f, t, &r, &s, "incremental");
		if (step % 64 == 63 || step == steps - 1) {
			bad += check_set(f, t, &r, &all, "incremental (all)");
			badfresh += check_fresh(f, t, &r, &all);
		}
		free(s.a);
	}
	mem = f->mem(t);
	ok(!errs && !bad && !badfresh && f->count(t) == r.n,
	   "%s: %u incremental commits from %zu prefixes, %u values (errors %d, "
	   "mismatches %zu, against fresh builds %zu; %zu bytes)",
	   f->name, steps, base, nvals, errs, bad, badfresh, mem);
	/* Everything deleted in small commits: back to what an empty table costs. */
	empty = f->make();
	left = malloc((r.n + 1) * sizeof(*left));
	for (i = n = 0; i < r.cap; i++)
		if (r.e[i].state == 1)
			left[n++] = r.e[i];
	for (i = n; i > 1; i--) {
		size_t j = below(i);
		struct rent x = left[i - 1];

		left[i - 1] = left[j];
		left[j] = x;
	}
	for (i = 0; i < n; i++) {
		errs += f->del(t, left[i].a, left[i].len) != 0;
		ref_del(&r, left[i].a, left[i].len);
		if (i % 16 == 0)
			errs += f->commit(t) != 0;
	}
	free(left);
	errs += f->commit(t) != 0;
	f->stats(t, &st);
	f->stats(empty, &st0);
	ok(!errs && f->count(t) == 0 && !st.values && !st.node_bytes &&
	       st.page_bytes == st0.page_bytes,
	   "%s: all deleted: no node, %zu bytes of pages as an empty table (%zu commits, "
	   "%zu full builds)",
	   f->name, st.page_bytes, st.commits, st.full_builds);
	f->destroy(empty);
	f->destroy(t);
	free(all.a);
	ref_fini(&r);
}

/*
 * Let the grace periods of the commits so far end, so that the next commit
 * reuses what they retired: a commit gives its batch to call_rcu once 1 ms
 * has passed since the last one did (LPM_HOLD_NS), and the barrier waits
 * for the callback of the one before.
 */
static void settle(void)
{
	urcu_memb_barrier();
	usleep(1100);
}

/*
 * Commits write a recycled root and a directory page's former version only
 * where they differ from the published ones (copy_diff()): changes that keep
 * hitting a few pages, with every grace period over before the next commit
 * so that the recycled copies are used, checked around each change and
 * against fresh builds; the copies must write a few lines, not whole roots
 * and pages.
 */
static void test_recycled_copies(const struct fam *f)
{
	unsigned dlen = f->bits == 32 ? 18 : 24, step, k, nh = 0; /* one page each */
	struct rent hot[8];
	struct lpm_stats st0, st, se;
	struct aset all = {0};
	void *t = f->make(), *e = f->make();
	size_t bad = 0, i, root, page, full;
	struct ref r;
	int errs = 0, fails = 0;

	random_table(f, &r, 3000, 50);
	for (i = 0; i < r.cap && nh < 8; i++)
		if (r.e[i].state == 1 && r.e[i].len >= dlen)
			hot[nh++] = r.e[i];
	if (!t || load_ref(f, t, &r) || f->commit(t))
		errs++;
	addrs_for(f, &r, &all, 2000, 1000);
	f->stats(t, &st0);
	for (step = 0; step < 360; step++) {
		struct aset s = {0};

		if (step == 300)
			f->stats(t, &st);
		for (k = 0; k < 3; k++) {
			unsigned j = (unsigned)below(nh);
			uint32_t v = rval(50);

			if (!below(4) && ref_del(&r, hot[j].a, hot[j].len)) {
				errs += f->del(t, hot[j].a, hot[j].len) != 0;
			} else {
				errs += f->set(t, hot[j].a, hot[j].len, v) != 0;
				ref_set(&r, hot[j].a, hot[j].len, v);
			}
			aput_edges(f, &s, hot[j].a, hot[j].len);
		}
		settle();
		if (step >= 300) {
			/* A recycled copy failing: nothing published, the retry is whole. */
			lpm_test_fail_alloc(1 + step % 3);
			fails += f->commit(t) == -ENOMEM;
			lpm_test_fail_alloc(0);
		}
		errs += f->commit(t) != 0;
		bad += check_set(f, t, &r, &s, "recycled copies");
		if (step % 50 == 49)
			bad += check_fresh(f, t, &r, &all);
		free(s.a);
	}
	st.commits -= st0.commits;
	st.copy_lines -= st0.copy_lines;
	st.spare_copies -= st0.spare_copies;
	st.page_copies -= st0.page_copies;
	/* What whole copies would write: an empty table is a root and a page. */
	f->stats(e, &se);
	page = se.page_bytes / 64;
	root = (f->mem(e) - se.page_bytes - se.value_bytes + 63) / 64;
	full = st.commits * root + st.page_copies * page;
	ok(nh == 8 && !errs && !bad && fails > 30 && st.spare_copies > st.page_copies / 2 &&
	       st.copy_lines < full / 4,
	   "%s: recycled roots and pages (errors %d, mismatches %zu, %d failed commits; %zu "
	   "commits copied %zu lines, whole copies %zu; %zu of %zu pages over their former "
	   "version)",
	   f->name, errs, bad, fails, st.commits, st.copy_lines, full, st.spare_copies,
	   st.page_copies);
	f->destroy(e);
	f->destroy(t);
	free(all.a);
	ref_fini(&r);
}

/*
 * What a reclaim returns is kept, however much (a fixed cap used to send
 * the page copies of busy commits to malloc), and once a second what is
 * still unused is trimmed to 4 MiB a kind. Commits inside a read-side
 * critical section keep every retired page in flight, so the amount that
 * comes back does not depend on when grace periods happen to end.
 */
static void test_recycled_kept(const struct fam *f)
{
	unsigned rbits = f->bits == 32 ? 10 : 12, len = f->bits == 32 ? 24 : 32, k, i;
	size_t page, n;
	struct lpm_stats st, kept, trimmed;
	void *t = f->make(), *e = f->make();
	int errs = !t || !e;

	f->stats(e, &st);
	page = st.page_bytes;		    /* an empty table: one page */
	n = (12u << 20) / (256 * page) + 1; /* commits retiring 12 MiB of pages */
	/* Prefixes that stay, so that 256 changes are no reason for a full build. */
	for (i = 0; i < 256 * 16; i++)
		errs += f->set(t,
			       (struct a128){((uint64_t)(i / 16) << (64 - rbits)) |
						 ((uint64_t)(1 + i % 16) << (64 - len)),
					     0},
			       len, 7) != 0;
	urcu_memb_read_lock();
	for (k = 0; k <= n && !errs; k++) {
		/* A prefix below the directory in each of 256 pages: all copied. */
		for (i = 0; i < 256; i++)
			errs += f->set(t, (struct a128){(uint64_t)i << (64 - rbits), 0}, len,
				       1 + (uint32_t)k) != 0;
		errs += f->commit(t) != 0;
	}
	urcu_memb_read_unlock();
	/* A flushed batch after all the others, then the commit that reclaims. */
	for (k = 0; k < 2; k++) {
		settle();
		errs += f->set(t, (struct a128){0, 0}, len, 100 + k) || f->commit(t);
	}
	f->stats(t, &kept);
	usleep(1100000);
	for (k = 0; k < 2; k++) {
		settle();
		errs += f->set(t, (struct a128){0, 0}, len, 200 + k) || f->commit(t);
	}
	f->stats(t, &trimmed);
	ok(!errs && kept.recycled_bytes > (6u << 20) && trimmed.recycled_bytes <= (5u << 20),
	   "%s: recycled roots and pages: %zu commits of 256 pages of %zu bytes; %zu bytes "
	   "kept after their grace periods, %zu a second later",
	   f->name, n + 1, page, kept.recycled_bytes, trimmed.recycled_bytes);
	f->destroy(e);
	f->destroy(t);
}

/*
 * Values come and go: indexes are freed and reused, the value table is
 * copied; an answer must never show another prefix's value.
 */
static void test_value_churn(const struct fam *f)
{
	struct ref r;
	void *t = f->make();
	size_t bad = 0, i;
	unsigned step;
	int errs = 0;

	ref_init(&r, f->bits);
	for (step = 0; step < 300; step++) {
		struct aset s = {0};

		for (i = 0; i < 20; i++) {
			struct a128 a = amask(arand(f), 12);
			uint32_t v = (uint32_t)(1 + below(1u << 31));

			if (below(2) && r.n) {
				size_t j;

				do
					j = below(r.cap);
				while (r.e[j].state != 1);
				if (f->del(t, r.e[j].a, r.e[j].len))
					errs++;
				ref_del(&r, r.e[j].a, r.e[j].len);
				continue;
			}
			if (f->set(t, a, 12, v))
				errs++;
			ref_set(&r, a, 12, v);
			aput(&s, a);
		}
		if (f->commit(t))
			errs++;
		addrs_for(f, &r, &s, 200, 50);
		bad += check_set(f, t, &r, &s, "value churn");
		free(s.a);
	}
	ok(!errs && !bad,
	   "%s: values freed and reused over 300 commits (errors %d, mismatches %zu)", f->name,
	   errs, bad);
	f->destroy(t);
	ref_fini(&r);
}

/* More than 65535 values: 32-bit leaves, built full and changed incrementally. */
static void test_wide(const struct fam *f)
{
	struct ref r;
	struct aset s = {0};
	void *t = f->make();
	struct lpm_stats st;
	size_t bad = 0;
	int errs = 0, step;

	/* Few lengths keep the reference quick: what matters is the number of values. */
	ref_init(&r, f->bits);
	while (r.n < 65400) {
		static const unsigned l4[] = {8, 16, 20, 24, 32}, l6[] = {16, 20, 24, 28, 32};
		unsigned len = f->bits == 32 ? l4[below(5)] : l6[below(5)];

		ref_set(&r, amask(arand(f), len), len, (uint32_t)(1 + below(0x7fffffff)));
	}
	if (!t || load_ref(f, t, &r) || f->commit(t))
		errs++;
	addrs_for(f, &r, &s, 2000, 2000);
	bad += check_set(f, t, &r, &s, "narrow");
	/* Grow past 65535 values by small commits: the switch happens in one of them. */
	for (step = 0; step < 12; step++) {
		struct aset c = {0};
		int k;

		for (k = 0; k < 60; k++)
			random_change(f, t, NULL, &r, &c, 0x7fffffff, 66000, &errs);
		if (f->commit(t))
			errs++;
		bad += check_set(f, t, &r, &c, "wide");
		free(c.a);
	}
	bad += check_set(f, t, &r, &s, "wide");
	bad += check_fresh(f, t, &r, &s);
	f->stats(t, &st);
	ok(!errs && !bad && st.wide && st.values > 65535,
	   "%s: 32-bit leaves past 65535 values (errors %d, mismatches %zu)", f->name, errs, bad);
	f->destroy(t);
	free(s.a);
	ref_fini(&r);
}

/*
 * Every allocation of set() and commit() failing in turn: -ENOMEM, nothing
 * staged by set(), the previous publication still answering after commit(),
 * and the same changes published by the next commit.
 */
static void test_nomem(const struct fam *f)
{
	struct ref r, r2;
	struct aset s = {0};
	void *t = f->make();
	size_t bad = 0;
	long n, left;
	int fails = 0, errs = 0;

	random_table(f, &r, 3000, 50);
	if (!t || load_ref(f, t, &r) || f->commit(t))
		errs++;
	addrs_for(f, &r, &s, 2000, 2000);
	for (n = 1; n < 100000; n++) {
		int k, rc;
		struct aset c = {0};

		/* set() failing: nothing staged (the reference is not told). */
		r2 = r;
		r2.e = malloc(r.cap * sizeof(*r.e));
		memcpy(r2.e, r.e, r.cap * sizeof(*r.e));
		for (k = 0; k < 6; k++) {
			struct a128 a;
			unsigned len;
			uint32_t v = rval(1000000);

			rprefix(f, &r2, &a, &len);
			lpm_test_fail_alloc(1 + (long)below(3));
			rc = f->set(t, a, len, v);
			lpm_test_fail_alloc(0);
			if (rc == 0)
				ref_set(&r2, a, len, v);
			else if (rc != -ENOMEM)
				errs++;
			aput_edges(f, &c, a, len);
		}
		for (k = 0; k < 8; k++)
			random_change(f, t, NULL, &r2, &c, 60, 3000, &errs);
		lpm_test_fail_alloc(n);
		rc = f->commit(t);
		left = lpm_test_fail_alloc(0);
		if (rc == -ENOMEM) {
			fails++;
			bad += check_set(f, t, &r, &c, "after a failed commit");
			rc = f->commit(t);
		} else if (!rc && left > 0) {
			/* The commit never reached the n-th allocation: all were tried. */
			ref_fini(&r);
			r = r2;
			bad += check_set(f, t, &r, &c, "after a commit");
			free(c.a);
			break;
		}
		if (rc)
			errs++;
		ref_fini(&r);
		r = r2;
		bad += check_set(f, t, &r, &c, "after the retry");
		free(c.a);
	}
	bad += check_fresh(f, t, &r, &s);
	ok(!errs && !bad && fails > 5,
	   "%s: allocation failures (%d failed commits, errors %d, mismatches %zu)", f->name, fails,
	   errs, bad);
	f->destroy(t);
	free(s.a);
	ref_fini(&r);
}

/* ------------------------------------------------------------ real tables */

/* Prefixes of a data file (one CIDR per line), as (address, length); NULL if absent. */
static struct rent *read_prefixes(const char *file, unsigned bits, size_t *n)
{
	char cmd[1024], line[256];
	struct rent *p = NULL;
	size_t cap = 0;
	FILE *in;

	*n = 0;
	snprintf(cmd, sizeof(cmd), "xz -dc '%s' 2>/dev/null", file);
	if (access(file, R_OK) || !(in = popen(cmd, "r")))
		return NULL;
	while (fgets(line, sizeof(line), in)) {
		struct a128 a = {0, 0};
		char *slash = strchr(line, '/');
		unsigned len;

		if (!slash)
			continue;
		*slash = '\0';
		len = (unsigned)atoi(slash + 1);
		if (bits == 32) {
			unsigned b[4];

			if (sscanf(line, "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]) != 4)
				continue;
			a.hi = (uint64_t)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]) << 32;
		} else {
			uint8_t x[16];
			int i;

			if (inet_pton(AF_INET6, line, x) != 1)
				continue;
			for (i = 0; i < 8; i++) {
				a.hi = a.hi << 8 | x[i];
				a.lo = a.lo << 8 | x[8 + i];
			}
		}
		if (*n == cap) {
			cap = cap ? 2 * cap : 1 << 16;
			p = realloc(p, cap * sizeof(*p));
			if (!p)
				abort();
		}
		p[(*n)++] = (struct rent){a, 0, (uint8_t)len, 1};
	}
	if (pclose(in) != 0 || !*n) {
		free(p);
		return NULL;
	}
	return p;
}

/* Every @every-th prefix of a data file, values round robin over @nvals. */
static bool real_table(const char *file, unsigned bits, size_t every, uint32_t nvals, struct ref *r)
{
	size_t n, i, k = 0;
	struct rent *p = read_prefixes(file, bits, &n);

	ref_init(r, bits);
	if (!p)
		return false;
	for (i = 0; i < n; i += every)
		ref_set(r, p[i].a, p[i].len, 1 + (uint32_t)(k++ % nvals));
	free(p);
	return true;
}

static void skip(const char *what, const char *why)
{
	tap_run++;
	printf("ok %d # skip %s: %s\n", tap_run, what, why);
	fflush(stdout);
}

/*
 * The LINX trace on a table loaded from the real list: per update a commit,
 * checked around the update against the reference; at intervals, random
 * and edge addresses against a fresh full build. Then replayed again in
 * bursts of one second of updates per commit.
 */
static void test_bgp(size_t every)
{
	const char *file = DATA_DIR "bgp-updates-linx-20141217-23446.txt.xz";
	char cmd[1024], line[256];
	struct ref r;
	struct aset all = {0};
	void *t;
	FILE *in;
	size_t bad = 0, badfresh = 0, steps = 0, absent = 0, commits = 0;
	int errs = 0, pass;
	double t0 = now(), tc = 0;

	if (access(file, R_OK)) {
		skip("BGP trace", "data file not found");
		return;
	}
	if (!real_table(DATA_DIR "ipv4-fullview-901899.txt.xz", 32, every, 300, &r)) {
		skip("BGP trace", "IPv4 table not readable");
		return;
	}
	t = F4.make();
	if (!t || load_ref(&F4, t, &r) || F4.commit(t))
		errs++;
	addrs_for(&F4, &r, &all, 20000, 20000);
	for (pass = 0; pass < 2; pass++) {
		long burst_time = -1;
		struct aset s = {0};

		snprintf(cmd, sizeof(cmd), "xz -dc '%s'", file);
		in = popen(cmd, "r");
		if (!in) {
			errs++;
			break;
		}
		while (fgets(line, sizeof(line), in)) {
			char op, pfx[64], nh[64];
			unsigned b[4], n[4], len;
			long ts;
			struct a128 a;
			uint32_t v;

			if (sscanf(line, "%ld %c %63s %63s", &ts, &op, pfx, nh) != 4 ||
			    sscanf(pfx, "%u.%u.%u.%u/%u", &b[0], &b[1], &b[2], &b[3], &len) != 5 ||
			    sscanf(nh, "%u.%u.%u.%u", &n[0], &n[1], &n[2], &n[3]) != 4) {
				errs++;
				continue;
			}
			a = p4(b[0], b[1], b[2], b[3]);
			v = n[0] << 24 | n[1] << 16 | n[2] << 8 | n[3];
			if (!v)
				v = 1;
			if (pass && ts != burst_time && s.n) {
				double c0 = now();

				if (F4.commit(t))
					errs++;
				tc += now() - c0;
				commits++;
				bad += check_set(&F4, t, &r, &s, "bgp burst");
				s.n = 0;
			}
			burst_time = ts;
			if (op == 'a') {
				if (F4.set(t, a, len, v))
					errs++;
				ref_set(&r, a, len, v);
			} else {
				bool had = ref_del(&r, a, len);

				if (F4.del(t, a, len) != (had ? 0 : -ENOENT))
					errs++;
				absent += !had;
			}
			aput_edges(&F4, &s, a, len);
			steps++;
			if (!pass) {
				double c0 = now();

				if (F4.commit(t))
					errs++;
				tc += now() - c0;
				commits++;
				bad += check_set(&F4, t, &r, &s, "bgp step");
				s.n = 0;
				if (steps % (exhaustive ? 500 : 8000) == 0)
					badfresh += check_fresh(&F4, t, &r, &all);
			}
		}
		if (pclose(in))
			errs++;
		if (F4.commit(t))
			errs++;
		bad += check_set(&F4, t, &r, &s, "bgp end");
		free(s.a);
	}
	badfresh += check_fresh(&F4, t, &r, &all);
	bad += check_set(&F4, t, &r, &all, "bgp final");
	ok(!errs && !bad && !badfresh,
	   "IPv4: BGP trace on %zu real prefixes: %zu updates (%zu withdrawals of absent "
	   "prefixes), %zu commits, %.1f us per commit; errors %d, mismatches %zu, against "
	   "fresh builds %zu (%.1f s)",
	   F4.count(t), steps, absent, commits, commits ? 1e6 * tc / (double)commits : 0, errs, bad,
	   badfresh, now() - t0);
	F4.destroy(t);
	free(all.a);
	ref_fini(&r);
}

/* ------------------------------------------------------------ concurrency */

/*
 * Readers look up addresses of two kinds while the writer commits changes.
 * Under 20/8 the table never changes: exact answers expected. Under 10/8 it
 * churns among CHURN prefixes; prefix k's value is 1000 + k + CHURN * v for
 * a version v, so whatever a reader gets names a prefix, which must contain
 * the address: an answer from a half-built structure, or from a value
 * index that changed its value under an older root, would not.
 */
#define CHURN  2048
#define STABLE 256

struct conc {
	const struct fam *f;
	void *t;
	int stop;
	struct a128 stable[STABLE];
	uint32_t want[STABLE];
	struct a128 pa[CHURN];
	uint8_t plen[CHURN];
	size_t lookups, wrong, foreign;
};

static bool covers(struct a128 p, unsigned len, struct a128 a)
{
	return !acmp(amask(a, len), p);
}

static bool churn_ok(const struct conc *c, struct a128 a, uint32_t v)
{
	uint32_t k;

	if (v == LPM_NONE)
		return true;
	if (v < 1000)
		return false;
	k = (v - 1000) % CHURN;
	return covers(c->pa[k], c->plen[k], a);
}

static void *reader(void *arg)
{
	struct conc *c = arg;
	const struct fam *f = c->f;
	size_t n = 0, wrong = 0, foreign = 0;
	struct a128 q[32];
	uint32_t out[32];
	uint64_t x = (uint64_t)(uintptr_t)&n | 1;
	unsigned i;

	urcu_memb_register_thread();
	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		urcu_memb_read_lock();
		for (i = 0; i < 32; i++) {
			uint32_t v, s = (uint32_t)(x % STABLE);

			/* xorshift: the shared generator is the writer's. */
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			if (i & 1)
				q[i] = c->pa[x % CHURN];
			else if (f->bits == 32)
				q[i] = (struct a128){(0x0a000000ull | (x & 0xffffff)) << 32, 0};
			else
				q[i] = (struct a128){0x0a00000000000000ull | (x >> 8), x * 31};
			v = f->lookup(c->t, c->stable[s]);
			wrong += v != c->want[s];
			v = f->lookup(c->t, q[i]);
			foreign += !churn_ok(c, q[i], v);
		}
		f->bulk(c->t, q, out, 32);
		urcu_memb_read_unlock();
		for (i = 0; i < 32; i++)
			foreign += !churn_ok(c, q[i], out[i]);
		n += 96;
	}
	urcu_memb_unregister_thread();
	__atomic_fetch_add(&c->lookups, n, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->wrong, wrong, __ATOMIC_RELAXED);
	__atomic_fetch_add(&c->foreign, foreign, __ATOMIC_RELAXED);
	return NULL;
}

static void test_concurrency(const struct fam *f, double seconds)
{
	static struct conc c;
	struct ref r, stable;
	pthread_t th[2];
	size_t commits = 0, changes = 0, i;
	uint8_t in[CHURN] = {0};
	int errs = 0;
	double t0;

	memset(&c, 0, sizeof(c));
	c.f = f;
	c.t = f->make();
	/* The stable part: a random table moved under 20/8 (20::/8). */
	random_table(f, &stable, 2000, 900);
	ref_init(&r, f->bits);
	for (i = 0; i < stable.cap; i++)
		if (stable.e[i].state == 1 && stable.e[i].len >= 8) {
			struct a128 a = stable.e[i].a;

			a.hi = (a.hi & 0x00ffffffffffffffull) | 0x1400000000000000ull;
			ref_set(&r, a, stable.e[i].len, stable.e[i].val);
		}
	ref_set(&r, (struct a128){0x1400000000000000ull, 0}, 8, 999);
	for (i = 0; i < STABLE; i++) {
		struct a128 a = arand(f);

		a.hi = (a.hi & 0x00ffffffffffffffull) | 0x1400000000000000ull;
		c.stable[i] = a;
		c.want[i] = ref_lookup(&r, a);
	}
	/* The churn prefixes, often nested, under 10/8 (10::/8). */
	for (i = 0; i < CHURN; i++) {
		unsigned len = 8 + (unsigned)below(f->bits == 32 ? 25 : 60);
		size_t up = below(i);
		struct a128 a = i > 16 && below(2) ? ahost(f, c.pa[up], c.plen[up]) : arand(f);

		size_t j;

		a.hi = (a.hi & 0x00ffffffffffffffull) | 0x0a00000000000000ull;
		c.pa[i] = amask(a, len);
		c.plen[i] = (uint8_t)len;
		for (j = 0; j < i; j++)
			if (c.plen[j] == len && !acmp(c.pa[j], c.pa[i]))
				break;
		i -= j < i; /* the same prefix again: draw another */
	}
	if (!c.t || load_ref(f, c.t, &r) || f->commit(c.t))
		errs++;
	for (i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, reader, &c);
	t0 = now();
	while (now() - t0 < seconds) {
		unsigned k, burst = 1 + (unsigned)below(commits % 5 ? 8 : 300);

		for (k = 0; k < burst; k++) {
			uint32_t p = (uint32_t)below(CHURN);
			int rc;

			if (below(3) == 0) {
				rc = f->del(c.t, c.pa[p], c.plen[p]);
				errs += rc != (in[p] ? 0 : -ENOENT);
				in[p] = 0;
			} else {
				rc = f->set(c.t, c.pa[p], c.plen[p],
					    1000 + p + CHURN * (uint32_t)below(8));
				errs += rc != 0;
				in[p] = 1;
			}
			changes++;
		}
		if (f->commit(c.t))
			errs++;
		commits++;
	}
	__atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	ok(!errs && !c.wrong && !c.foreign && c.lookups > 0,
	   "%s: 2 readers, %zu lookups during %zu commits of %zu changes: %zu wrong stable, "
	   "%zu impossible (errors %d)",
	   f->name, c.lookups, commits, changes, c.wrong, c.foreign, errs);
	f->destroy(c.t);
	ref_fini(&r);
	ref_fini(&stable);
}

/* ------------------------------------------------------------- exhaustive */

/* Every IPv4 address, in order, against the intervals of @r. */
static size_t sweep4(const struct lpm4 *t, const struct ref *r)
{
	enum { CH = 1 << 20 };
	uint32_t *a = malloc(CH * sizeof(*a)), *out = malloc(CH * sizeof(*out));
	struct ivl v;
	uint64_t base, bad = 0;
	size_t k = 0;

	ivl_build(&v, r);
	for (base = 0; base < (1ull << 32); base += CH) {
		uint32_t i;

		for (i = 0; i < CH; i++)
			a[i] = (uint32_t)(base + i);
		urcu_memb_read_lock();
		lpm4_lookup_bulk(t, a, out, CH);
		urcu_memb_read_unlock();
		for (i = 0; i < CH; i++) {
			uint64_t x = base + i;

			while (k + 1 < v.n && (v.start[k + 1].hi >> 32) <= x)
				k++;
			if (out[i] != v.val[k] && bad++ < 5)
				diag("IPv4 sweep: %u.%u.%u.%u -> %u, want %u", (unsigned)(x >> 24),
				     (unsigned)(x >> 16) & 255, (unsigned)(x >> 8) & 255,
				     (unsigned)x & 255, out[i], v.val[k]);
		}
	}
	ivl_fini(&v);
	free(a);
	free(out);
	return bad;
}

/* The intervals agree with the hash reference (they are what the sweeps trust). */
static size_t ivl_selfcheck(const struct fam *f, const struct ref *r, const struct aset *s)
{
	struct ivl v;
	size_t i, bad = 0;

	ivl_build(&v, r);
	for (i = 0; i < s->n; i++)
		if (ivl_lookup(&v, s->a[i]) != ref_lookup(r, s->a[i]) && bad++ < 5)
			diag("%s: intervals disagree with the hash reference", f->name);
	ivl_fini(&v);
	return bad;
}

static void exhaustive4(void)
{
	const char *file = DATA_DIR "ipv4-fullview-901899.txt.xz";
	int which;

	for (which = 0; which < 2; which++) {
		struct ref r;
		struct aset s = {0};
		struct lpm4 *t = lpm4_new();
		double t0 = now(), tb;
		size_t bad;

		if (!which && !real_table(file, 32, 1, 300, &r)) {
			skip("IPv4 exhaustive on the real table", "data file not found");
			lpm4_free(t);
			continue;
		}
		if (which) {
			/* A random table around the edges, with a default route. */
			random_table(&F4, &r, 200000, 300);
			edge_table(&F4, &r, 1);
		}
		addrs_for(&F4, &r, &s, 200000, 200000);
		if (load_ref(&F4, t, &r) || lpm4_commit(t)) {
			ok(false, "IPv4: load");
			continue;
		}
		tb = now();
		bad = ivl_selfcheck(&F4, &r, &s);
		bad += sweep4(t, &r);
		ok(!bad,
		   "IPv4: all 2^32 addresses on the %s table (%zu prefixes, %zu bytes): "
		   "%zu mismatches (%.0f s)",
		   which ? "random edge" : "real", r.n, lpm4_mem_bytes(t), bad, now() - tb);
		(void)t0;
		lpm4_free(t);
		free(s.a);
		ref_fini(&r);
	}
}

/* @n addresses for @r: random, in 2000::/3, in-table, edges; against the intervals. */
static size_t sample6(const struct lpm6 *t, const struct ref *r, uint64_t n)
{
	enum { CH = 1 << 16 };
	struct a128 *q = malloc(CH * sizeof(*q));
	uint8_t(*b)[16] = malloc(CH * 16);
	uint32_t *out = malloc(CH * sizeof(*out));
	struct rent *p = malloc((r->n + 1) * sizeof(*p));
	struct ivl v;
	uint64_t done, bad = 0;
	size_t np = 0, i;

	ivl_build(&v, r);
	for (i = 0; i < r->cap; i++)
		if (r->e[i].state == 1)
			p[np++] = r->e[i];
	for (done = 0; done < n; done += CH) {
		for (i = 0; i < CH; i++) {
			unsigned k = (unsigned)below(8);

			if (k == 0 || !np) {
				q[i] = arand(&F6);
			} else if (k == 1) {
				q[i] = arand(&F6);
				q[i].hi = (q[i].hi >> 3) | 0x2000000000000000ull;
			} else if (k < 5) {
				const struct rent *e = &p[below(np)];

				q[i] = ahost(&F6, e->a, e->len);
			} else {
				const struct rent *e = &p[below(np)];

				q[i] = k == 5 ? e->a : alast(e->a, e->len, 128);
				if (k == 7 && !ainc(&q[i], 128))
					q[i] = e->a;
				if (k == 6 && !adec(&q[i], 128))
					q[i] = e->a;
			}
			to6(q[i], b[i]);
		}
		urcu_memb_read_lock();
		lpm6_lookup_bulk(t, (const uint8_t(*)[16])b, out, CH);
		urcu_memb_read_unlock();
		for (i = 0; i < CH; i++)
			if (out[i] != ivl_lookup(&v, q[i]) && bad++ < 5) {
				char buf[64];

				afmt(q[i], 128, buf, sizeof(buf));
				diag("IPv6 sample: %s -> %u, want %u", buf, out[i],
				     ivl_lookup(&v, q[i]));
			}
	}
	ivl_fini(&v);
	free(p);
	free(q);
	free(b);
	free(out);
	return bad;
}

static void exhaustive6(void)
{
	const char *file = DATA_DIR "ipv6-fullview-160147.txt.xz";
	unsigned i;
	size_t bad = 0, total = 0;
	double t0;

	for (i = 0; i < 5; i++) {
		struct ref r;
		struct aset s = {0};
		struct lpm6 *t = lpm6_new();
		uint64_t n = i ? 25000000 : 100000000;

		if (!i && !real_table(file, 128, 1, 300, &r)) {
			skip("IPv6 on the real table", "data file not found");
			lpm6_free(t);
			continue;
		}
		if (i) {
			random_table(&F6, &r, i == 1 ? 200000 : 30000, i == 2 ? 100000 : 300);
			edge_table(&F6, &r, (int)(i & 1));
		}
		addrs_for(&F6, &r, &s, 100000, 100000);
		if (load_ref(&F6, t, &r) || lpm6_commit(t)) {
			ok(false, "IPv6: load");
			continue;
		}
		t0 = now();
		bad = ivl_selfcheck(&F6, &r, &s) + sample6(t, &r, n);
		total += n;
		ok(!bad,
		   "IPv6: %" PRIu64 " addresses on the %s table (%zu prefixes, %zu bytes): "
		   "%zu mismatches (%.0f s)",
		   n, i ? "random" : "real", r.n, lpm6_mem_bytes(t), bad, now() - t0);
		lpm6_free(t);
		free(s.a);
		ref_fini(&r);
	}
	diag("IPv6: %zu addresses in all", total);
}

int main(int argc, char **argv)
{
	const char *env = getenv("LPM_SEED");
	uint64_t seed = env ? strtoull(env, NULL, 0) : 12345;
	const struct fam *fams[] = {&F4, &F6};
	unsigned i;

	exhaustive = argc > 1 && !strcmp(argv[1], "--exhaustive");
	rng_state = seed;
	diag("seed %" PRIu64 " (LPM_SEED to override)", seed);
	urcu_memb_register_thread();
	if (exhaustive) {
		exhaustive4();
		exhaustive6();
		test_bgp(1);
	} else {
		for (i = 0; i < 2; i++) {
			const struct fam *f = fams[i];

			test_api(f);
			test_edges(f);
			test_random_tables(f);
			test_incremental(f, 2000, 20, 250);
			test_incremental(f, 12000, 300, 120);
			test_recycled_copies(f);
			test_recycled_kept(f);
			test_value_churn(f);
			test_wide(f);
			test_nomem(f);
			test_concurrency(f, 0.5);
		}
		test_bgp(16);
	}
	urcu_memb_unregister_thread();
	return tap_done();
}
