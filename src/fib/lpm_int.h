/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The LPM engine shared by lpm4.c and lpm6.c (API in lpm.h). Both families
 * use one key type (128 bits, an IPv4 address in the top 32) and one layout;
 * each .c includes the engine (LPM_ENGINE) and adds its own lookups, so the
 * writer is written once and each family's lookup is specialised.
 *
 * Reader structure (what lookups touch; immutable once published):
 *  - a root: pool base, value table, and direct pointing on the top LPM_S
 *    bits (IPv4 18, IPv6 24) through a 2-level radix: the root's array of
 *    page pointers -> page -> entry. A lookup pays one dependent load for
 *    the root array (a few KiB, hot) and one for the page; a commit copies
 *    the root array and the pages it changes, never the whole directory. A
 *    page all of whose entries are one leaf is shared (an empty table is
 *    one root and one page);
 *  - poptrie nodes of stride 6 in one pool, referenced by 32-bit refs:
 *    bit 0 set: a leaf, the rest a value index; else a byte offset, bit 1
 *    set for a node that has internal children ("full"). A node is
 *      leaf-only: u64 leafvec, leaves[]
 *      full:      u64 vector, u64 leafvec, u32 child refs[], leaves[]
 *    vector bit i: slot i is a child; leafvec bit i: a run of equal leaves
 *    starts at slot i (runs skip over child slots), so slot i's leaf is
 *    leaves[popcount(leafvec & bits 0..i) - 1]. Leaves sit in the node's
 *    own block, usually on the line the bitmaps were read from, which saves
 *    poptrie's separate leaf-array miss. A region with a single value is a
 *    leaf in its parent, never a node;
 *  - leaves are 16-bit indexes into the value table while fewer than 65536
 *    indexes are in use (a full table has a few hundred values), 32-bit
 *    beyond (switched by a full rebuild).
 *
 * Lookups (lpm4.c, lpm6.c) are written for what costs on a cache-resident
 * trie: mispredicted branches and instructions, more than loads. A node
 * step decodes both kinds of node and both kinds of slot without a branch
 * (IPv4, whose nodes rarely have children, branches on the kind, which is
 * then predicted), and asks for a node's second line with its first, so a
 * leaf past the bitmap's line costs no second round trip. Batches go level
 * by level; all the lookups of a pass are at one depth, so a slot is the key
 * shifted by a constant. IPv6 lists the lookups that go on branch-free;
 * IPv4 takes its first node step for the whole batch in place (a lookup
 * that ended at the directory steps through a zero node at the pool's head
 * when such lookups are common in the batch) and lists only the few that
 * go deeper.
 *
 * Writer structure: a multibit trie of the same shape (struct wnode: the
 * prefixes whose length falls in the node's 6 bits, and children), so a
 * reader node is built from one writer node by leaf-pushing at most 127
 * prefixes. Each writer node remembers the ref it was last built into and
 * the value it inherited then: a commit walks only the paths marked dirty
 * by set/del and reuses every subtree that is clean and inherits the same
 * value, so its cost follows the change, not the table. A random change
 * misses the cache at each level of the writer trie; lpm_stage_() warms
 * the paths of a burst level by level first, so those misses overlap, and
 * a commit warms its dirty paths the same way (commit_warm()). A
 * rebuilt node is encoded without a branch on its data (slot_masks()); a
 * node of leaves only in which at most four slots changed (most random
 * changes) is patched from its published copy instead (patch()), and a
 * node above a change whose own prefixes and inherited value did not
 * change is its published copy with the changed children's refs replaced
 * (repoint()).
 *
 * Publication is copy-on-write: new root, copied pages for the entries
 * that change, new nodes for the rebuilt regions; one release store
 * of the root makes all of it visible at once. What the old root alone used
 * is retired in a batch; once a call_rcu callback has marked the batch (or
 * a later one) done, the writer recycles its roots and pages and
 * returns its pool blocks to the free lists. Memory is thus freed by the
 * thread that allocates it, and steady-state commits call no malloc.
 *
 * Readers pay for every line a commit writes that they use: the new copy
 * is in the writer's cache, theirs is gone. A root (8 KiB of page pointers
 * for IPv4, every lookup's first load) and a 1 KiB page copied whole per
 * commit cost them more than the changes themselves. So copies go into
 * memory that held an earlier version of the same object (a recycled root;
 * the entry's own former page, its "spare") and write only the words that
 * differ: the lines that did not change are not written, and stay valid
 * wherever they were cached. The saving depends on how old the recycled
 * copy is: liburcu's call_rcu thread runs callbacks some 10 ms late, so at
 * thousands of commits per second the recycled root differs in most lines,
 * and a page changing again soon gets a whole copy (bench/README.md has the
 * figures: 25-40% fewer lines written).
 */
#ifndef FM_FIB_LPM_INT_H
#define FM_FIB_LPM_INT_H

#include "fib/lpm.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__) && !defined(LPM_NO_SIMD)
#include <emmintrin.h>
#endif

/*
 * Test hook: make the @n-th allocation from now fail (0: none). Returns how
 * many were still to go before this call (0: the failure happened or none
 * was asked). Writer; not for production use.
 */
long lpm_test_fail_alloc(long n);

/*
 * Direct pointing: LPM_S bits (a multiple of the stride), split root /
 * page. Every commit copies the root's array (2^LPM_R_BITS pointers) and
 * each page it changes, so the split keeps both small. The default is
 * IPv4's: 18 = 10 + 8, an 8 KiB root array and 1 KiB pages (at most 1 MiB
 * of pages). lpm6.c defines 24 = 12 + 12: real IPv6 prefixes crowd under
 * about ten /12s, so 24 bits cost some 160 KiB of pages there and save
 * every lookup a node level (a /48 is 4 nodes down, not 5); the root array
 * is 32 KiB. The price is for tables scattered over many /12s: up to a
 * 16 KiB page per /12 (64 MiB at most).
 */
#ifndef LPM_S
#define LPM_S	   18
#define LPM_R_BITS 10
#endif
#define LPM_STRIDE     6
#define LPM_P_BITS     (LPM_S - LPM_R_BITS)
#define LPM_NPAGE      (1u << LPM_R_BITS)
#define LPM_PAGE_SLOTS (1u << LPM_P_BITS)
#define LPM_NARROW_MAX 65536u /* value indexes below this fit a 16-bit leaf */
#define LPM_BULK       32     /* lookups interleaved per pass */

#define LPM_LEAF(v) (((uint32_t)(v) << 1) | 1u)
#define LPM_FULL    2u
#define LPM_OFF(r)  ((r) & ~3u)

struct lpm_root {
	const uint8_t *pool;
	const uint32_t *vt;	  /* value index -> value; [0] is LPM_NONE */
	uint32_t wide;		  /* 32-bit leaves */
	uint32_t *dir[LPM_NPAGE]; /* pages of LPM_PAGE_SLOTS refs */
};

/*
 * popcnt is not in the x86-64 baseline: without it every popcount is a
 * libgcc call. The lookups are compiled twice and the popcnt copy is chosen
 * at run time (one predictable branch).
 */
#if defined(__x86_64__) && !defined(__POPCNT__)
#define LPM_POPCNT_FN	  __attribute__((target("popcnt")))
#define lpm_have_popcnt() __builtin_cpu_supports("popcnt")
#else
#define LPM_POPCNT_FN
#define lpm_have_popcnt() 0
#endif

/*
 * ThreadSanitizer cannot see liburcu's grace periods (they are inline asm
 * and an uninstrumented library), so it would flag the reuse of retired
 * memory as racing with lookups. Lookups release a sync object when done
 * and the RCU callback acquires it: the happens-before a grace period
 * really provides (the writer then acquires the callback's "done").
 */
#if defined(__SANITIZE_THREAD__)
#define LPM_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LPM_TSAN 1
#endif
#endif
#ifdef LPM_TSAN
#include <sanitizer/tsan_interface.h>
static char lpm_tsan_gp;
#define LPM_TSAN_RELEASE() __tsan_release(&lpm_tsan_gp)
#define LPM_TSAN_ACQUIRE() __tsan_acquire(&lpm_tsan_gp)
#else
#define LPM_TSAN_RELEASE() ((void)0)
#define LPM_TSAN_ACQUIRE() ((void)0)
#endif

#define LPM_INLINE static inline __attribute__((always_inline))

LPM_INLINE uint64_t lpm_ld64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

LPM_INLINE uint32_t lpm_ld32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

LPM_INLINE uint16_t lpm_ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/*
 * One node step: the ref found in slot @i of node @ref (a child ref, or a
 * leaf ref built from the leaf's value index). Branch-free: both the child
 * and the leaf are read and one is kept, since whether slot i is a child,
 * and the node's kind, are as good as random to a branch predictor (a miss
 * costs more than the extra load, which is on a line the node occupies).
 * A leaf-only node has no vector: it reads as zero through a mask, and the
 * leafvec and arrays start 8 bytes earlier. With @i's slot a child, the
 * leaf read lands inside the node and is dropped; likewise the child read.
 */
LPM_INLINE uint32_t lpm_step(const uint8_t *pool, uint32_t ref, unsigned i, bool wide)
{
	const uint8_t *p = pool + LPM_OFF(ref);
	uint64_t full = (ref >> 1) & 1, vec = lpm_ld64(p) & (0 - full);
	const uint8_t *q = p + 8 * full;
	uint64_t lv = lpm_ld64(q);
	unsigned sh = 63 - i, nk = (unsigned)__builtin_popcountll(vec);
	unsigned kr = (unsigned)__builtin_popcountll(vec << sh);
	unsigned lr = (unsigned)__builtin_popcountll(lv << sh);
	uint32_t kid = lpm_ld32(q + 4 + 4 * kr);
	uint32_t leaf =
	    wide ? lpm_ld32(q + 4 + 4 * nk + 4 * lr) : lpm_ld16(q + 6 + 4 * nk + 2 * lr);
	uint32_t m = 0 - (uint32_t)((vec >> i) & 1);

	return (kid & m) | (LPM_LEAF(leaf) & ~m);
}

/*
 * lpm_step() where leaf-only nodes are the rule (IPv4: only nodes over the
 * 0.1% of prefixes longer than /24 have children), so the branch on the
 * node's kind is predicted and the common step is one popcount and a load.
 * The node's second line is asked for with its first (@pf): a node of 64
 * leaves spans three, and its leaf is then rarely on the line the bitmap
 * is on. Batches prefetch both lines earlier and pass false.
 */
LPM_INLINE uint32_t lpm_step_lo(const uint8_t *pool, uint32_t ref, unsigned i, bool wide, bool pf)
{
	const uint8_t *p = pool + LPM_OFF(ref);
	unsigned lr;

	if (pf)
		__builtin_prefetch(p + 64);
	if (__builtin_expect(ref & LPM_FULL, 0))
		return lpm_step(pool, ref, i, wide);
	lr = (unsigned)__builtin_popcountll(lpm_ld64(p) << (63 - i));
	return LPM_LEAF(wide ? lpm_ld32(p + 4 + 4 * lr) : lpm_ld16(p + 6 + 2 * lr));
}

/*
 * The published root. Acquire pairs with the writer's release store (the
 * same as rcu_dereference/rcu_assign_pointer on x86 and arm64, but visible
 * to ThreadSanitizer, which liburcu 0.13's volatile store is not).
 */
LPM_INLINE const struct lpm_root *lpm_root_get(struct lpm_root *const *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* The direct-pointing entry for the top LPM_S bits of @hi. */
LPM_INLINE const uint32_t *lpm_entry(const struct lpm_root *r, uint64_t hi)
{
	return r->dir[hi >> (64 - LPM_R_BITS)] + ((hi >> (64 - LPM_S)) & (LPM_PAGE_SLOTS - 1));
}

/*
 * Walk from the directory down; the key is a 128-bit window (@hi, @lo),
 * consumed from the top. IPv4 passes lo = 0 and the compiler drops it, and
 * steps with lpm_step_lo() (@v6 false): its nodes rarely have children.
 */
LPM_INLINE uint32_t lpm_walk(const struct lpm_root *r, uint64_t hi, uint64_t lo, bool wide, bool v6)
{
	uint32_t ref = *lpm_entry(r, hi);

	hi = (hi << LPM_S) | (lo >> (64 - LPM_S));
	lo <<= LPM_S;
	while (!(ref & 1)) {
		if (v6)
			ref = lpm_step(r->pool, ref, (unsigned)(hi >> 58), wide);
		else
			ref = lpm_step_lo(r->pool, ref, (unsigned)(hi >> 58), wide, true);
		hi = (hi << LPM_STRIDE) | (lo >> (64 - LPM_STRIDE));
		lo <<= LPM_STRIDE;
	}
	return r->vt[ref >> 1];
}

/*
 * Words at the head of every pool that stay zero: a leaf-only node whose
 * every slot is leaf 0, as long as the longest node, so that a batch can
 * step a lookup that already ended without a branch (lpm_step_done()) and
 * every read of it stays inside these words.
 */
#define LPM_ZERO_WORDS (2 + 64)

/*
 * lpm_step_lo() on @ref, or @ref itself if it is a leaf already, without a
 * branch: a leaf steps through the zero node at offset 0 and is kept. Where
 * lookups ending at the directory are frequent (unknown addresses), this
 * beats a mispredicted branch on every one of them.
 */
LPM_INLINE uint32_t lpm_step_done(const uint8_t *pool, uint32_t ref, unsigned i, bool wide)
{
	uint32_t node = (ref & 1) - 1, x = lpm_step_lo(pool, ref & node, i, wide, false);

	return (x & node) | (ref & ~node);
}

/* Where a lookup at @x goes next, to prefetch it: a leaf names no node. */
LPM_INLINE const uint8_t *lpm_next(const uint8_t *pool, uint32_t x)
{
	return pool + (LPM_OFF(x) & ((x & 1) - 1));
}

/* A key: bits 0..127 from the top of w[0]; IPv4 in the top 32 bits. */
struct lpm_key {
	uint64_t w[2];
};

#ifdef LPM_ENGINE
#include "util/hash.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>
#include <urcu/urcu-memb.h>

/* ------------------------------------------------------------- allocation */

extern long lpm_fail_countdown;

/* The allocation the test hook named fails; every other one is malloc's. */
static bool lpm_fault(void)
{
	return lpm_fail_countdown > 0 && --lpm_fail_countdown == 0;
}

static void *lpm_malloc(size_t n)
{
	return lpm_fault() ? NULL : malloc(n);
}

static void *lpm_zalloc(size_t n)
{
	void *p = lpm_malloc(n);

	if (p)
		memset(p, 0, n);
	return p;
}

static void *lpm_realloc(void *p, size_t n)
{
	return lpm_fault() ? NULL : realloc(p, n);
}

/* Reader memory starts on a cache line. */
static void *lpm_lines(size_t n)
{
	return lpm_fault() ? NULL : aligned_alloc(64, (n + 63) & ~(size_t)63);
}

/* Grow *@a (elements of @esz bytes, capacity *@cap) to hold @need. */
static int lpm_grow(void **a, uint32_t *cap, size_t need, size_t esz)
{
	size_t ncap = *cap ? *cap : 8;
	void *p;

	if (need <= *cap)
		return 0;
	while (ncap < need)
		ncap *= 2;
	if (ncap > UINT32_MAX)
		return -ENOMEM;
	p = lpm_realloc(*a, ncap * esz);
	if (!p)
		return -ENOMEM;
	*a = p;
	*cap = (uint32_t)ncap;
	return 0;
}

/* A growable array of fixed-size elements (commit logs). */
struct lpm_vec {
	void *a;
	uint32_t n, cap;
};

/*
 * Room for one more element at the end of @v, or NULL. Callers store the
 * fields there directly: an element built on the stack and copied whole is
 * a wide load of narrower stores, which the CPU cannot forward, so it waits
 * for every older store to reach the cache, and a commit's are mostly misses
 * (new nodes in cold pool memory).
 */
static void *vec_add(struct lpm_vec *v, size_t esz)
{
	if (lpm_grow(&v->a, &v->cap, (size_t)v->n + 1, esz))
		return NULL;
	return (char *)v->a + (size_t)v->n++ * esz;
}

/* Append the block @off of @words words to @v (elements of two words). */
static int vec_add_blk(struct lpm_vec *v, uint32_t off, uint32_t words)
{
	uint32_t *e = vec_add(v, 2 * sizeof(uint32_t));

	if (!e)
		return -ENOMEM;
	e[0] = off;
	e[1] = words;
	return 0;
}

/* -------------------------------------------------------------------- keys */

/* Bits @d..@d+5 of @k, zeros past the end. */
static unsigned key_chunk(const struct lpm_key *k, unsigned d)
{
	if (d <= 58)
		return (unsigned)(k->w[0] >> (58 - d)) & 63;
	if (d < 64)
		return (unsigned)((k->w[0] << (d - 58)) | (k->w[1] >> (122 - d))) & 63;
	if (d <= 122)
		return (unsigned)(k->w[1] >> (122 - d)) & 63;
	if (d < 128)
		return (unsigned)(k->w[1] << (d - 122)) & 63;
	return 0;
}

/* No bit set beyond @len. */
static bool key_canonical(const struct lpm_key *k, unsigned len)
{
	if (len < 64)
		return !(k->w[0] & (~0ull >> len)) && !k->w[1];
	if (len < 128)
		return !(k->w[1] & (~0ull >> (len - 64)));
	return true;
}

/* Depth of the writer node that holds a prefix of @len (0 holds /0../6). */
static unsigned pfx_depth(unsigned len)
{
	return len <= LPM_STRIDE ? 0 : LPM_STRIDE * ((len - 1) / LPM_STRIDE);
}

/*
 * Heap index of the prefix inside its node: 1 << l | its l bits, l = len -
 * depth (0 only for /0 at the top). Index 64 | j is slot j and index h >> 1
 * the next shorter prefix over h; ascending order is shortest first.
 */
static unsigned pfx_heap(const struct lpm_key *k, unsigned len, unsigned d)
{
	unsigned l = len - d;

	return (1u << l) | (key_chunk(k, d) >> (LPM_STRIDE - l));
}

/* The slots of the node below heap index @h. */
static uint64_t heap_slots(unsigned h)
{
	unsigned l = 31 - (unsigned)__builtin_clz(h), span = 1u << (LPM_STRIDE - l);

	if (span == 64)
		return ~0ull;
	return ((1ull << span) - 1) << ((h - (1u << l)) * span);
}

/* ------------------------------------------------------------ writer trie */

/*
 * A writer node and its arrays are one block (a random change then misses
 * the cache once per level, not three times): kids and pv point into it,
 * right after the header. Growing moves the block; the caller updates the
 * parent's reference.
 */
struct wnode {
	uint64_t cmap;	     /* slots with a child */
	uint64_t rmask;	     /* slots whose value may have changed since the last build */
	uint64_t dmask;	     /* slots whose child is dirty (no need to visit every child) */
	struct wnode **kids; /* kcap, in slot order */
	uint32_t *pv;	     /* pcap value indexes, then pcap heap indexes (bytes); sorted */
	uint32_t ref;	     /* what it was last built into (0: never) */
	uint32_t inh;	     /* the value index it inherited then */
	uint8_t np, pcap, nk, kcap;
	uint8_t words; /* size of the node ref names (0: a leaf): retiring it reads nothing */
	bool dirty;    /* itself or something below changed since the last commit */
};

/* The heap indexes, after the values. */
static uint8_t *wn_ph(const struct wnode *w)
{
	return w->pv ? (uint8_t *)(w->pv + w->pcap) : NULL;
}

static struct wnode *wn_new(void)
{
	struct wnode *w = lpm_malloc(sizeof(*w));

	if (w)
		memset(w, 0, sizeof(*w));
	return w;
}

static void wn_free(struct wnode *w)
{
	unsigned i;

	if (!w)
		return;
	for (i = 0; i < w->nk; i++)
		wn_free(w->kids[i]);
	free(w);
}

/* Move *@wp to a block with room for @kcap children and @pcap prefixes. */
static int wn_grow(struct wnode **wp, unsigned kcap, unsigned pcap)
{
	struct wnode *w = *wp, *n;

	n = lpm_malloc(sizeof(*n) + kcap * sizeof(*n->kids) + pcap * (sizeof(uint32_t) + 1));
	if (!n)
		return -ENOMEM;
	*n = *w;
	n->kids = (struct wnode **)(n + 1);
	n->pv = (uint32_t *)(n->kids + kcap);
	n->kcap = (uint8_t)kcap;
	n->pcap = (uint8_t)pcap;
	if (w->nk)
		memcpy(n->kids, w->kids, w->nk * sizeof(*n->kids));
	if (w->np) {
		memcpy(n->pv, w->pv, w->np * sizeof(uint32_t));
		memcpy(wn_ph(n), wn_ph(w), w->np);
	}
	free(w);
	*wp = n;
	return 0;
}

/*
 * The writer's popcount. Without popcnt in the baseline the builtin is a
 * libgcc call, 6% of a random commit's instructions; these few operations
 * cost less than the call.
 */
static unsigned pop64(uint64_t x)
{
#ifdef __POPCNT__
	return (unsigned)__builtin_popcountll(x);
#else
	x -= (x >> 1) & 0x5555555555555555ull;
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((x * 0x0101010101010101ull) >> 56);
#endif
}

/* Children before slot @j. */
static unsigned wn_below(const struct wnode *w, unsigned j)
{
	return j ? pop64(w->cmap << (64 - j)) : 0;
}

static struct wnode *wn_kid(const struct wnode *w, unsigned j)
{
	return (w->cmap >> j) & 1 ? w->kids[wn_below(w, j)] : NULL;
}

/* Add @kid in slot @j of *@wp (which may move). */
static int wn_add_kid(struct wnode **wp, unsigned j, struct wnode *kid)
{
	struct wnode *w = *wp;
	unsigned pos = wn_below(w, j);

	if (w->nk == w->kcap) {
		if (wn_grow(wp, w->kcap ? 2u * w->kcap : 2, w->pcap))
			return -ENOMEM;
		w = *wp;
	}
	memmove(&w->kids[pos + 1], &w->kids[pos], (w->nk - pos) * sizeof(*w->kids));
	w->kids[pos] = kid;
	w->nk++;
	w->cmap |= 1ull << j;
	return 0;
}

/* Unlink the child in slot @j (the caller frees it). */
static void wn_del_kid(struct wnode *w, unsigned j)
{
	unsigned pos = wn_below(w, j);

	memmove(&w->kids[pos], &w->kids[pos + 1], (w->nk - pos - 1) * sizeof(*w->kids));
	w->nk--;
	w->cmap &= ~(1ull << j);
}

/* Position of heap index @h among @w's prefixes, or where it would go. */
static unsigned wn_find(const struct wnode *w, unsigned h, bool *found)
{
	const uint8_t *ph = wn_ph(w);
	unsigned lo = 0, n = w->np;

	/* Branch-free: which half to keep is data the predictor cannot learn
	 * (a staging or commit walk asks random nodes), so a conditional move
	 * beats a branch mispredicted half the time. */
	while (n > 1) {
		unsigned half = n / 2;

		lo = ph[lo + half - 1] < h ? lo + half : lo;
		n -= half;
	}
	lo += n == 1 && ph[lo] < h;
	*found = lo < w->np && ph[lo] == h;
	return lo;
}

/* Room for one more prefix in *@wp, which may move (a node holds at most 127). */
static int wn_reserve_pfx(struct wnode **wp)
{
	struct wnode *w = *wp;
	unsigned ncap;

	if (w->np < w->pcap)
		return 0;
	ncap = w->pcap ? 2u * w->pcap : 2;
	if (ncap > 128)
		ncap = 128;
	return wn_grow(wp, w->kcap, ncap);
}

static void wn_insert_pfx(struct wnode *w, unsigned pos, unsigned h, uint32_t idx)
{
	uint8_t *ph = wn_ph(w);

	memmove(&w->pv[pos + 1], &w->pv[pos], (w->np - pos) * sizeof(uint32_t));
	memmove(&ph[pos + 1], &ph[pos], w->np - pos);
	w->pv[pos] = idx;
	ph[pos] = (uint8_t)h;
	w->np++;
}

static void wn_remove_pfx(struct wnode *w, unsigned pos)
{
	uint8_t *ph = wn_ph(w);

	memmove(&w->pv[pos], &w->pv[pos + 1], (w->np - pos - 1) * sizeof(uint32_t));
	memmove(&ph[pos], &ph[pos + 1], w->np - pos - 1);
	w->np--;
}

/*
 * Leaf pushing: val[64 | j] is the value index slot j of @w gets, given
 * @inh from above. Heap order is shortest prefix first, so painting each
 * prefix's slots in turn leaves the longest one on every slot.
 */
static void wn_push(const struct wnode *w, uint32_t inh, uint32_t val[128])
{
	const uint8_t *ph = wn_ph(w);
	unsigned i, j;

	for (j = 64; j < 128; j++)
		val[j] = inh;
	/* A prefix of heap index h covers 1 << s slots from index h << s,
	 * aligned: four at a time from s = 2. */
	for (i = 0; i < w->np && ph[i] < 64; i++) {
		unsigned s = LPM_STRIDE - (31 - (unsigned)__builtin_clz(ph[i]));
		uint32_t v = w->pv[i], q[4] = {v, v, v, v}, *d = val + (ph[i] << s);

		if (s == 1)
			d[0] = d[1] = v;
		else
			for (j = 0; j < 1u << s; j += 4)
				memcpy(d + j, q, sizeof(q));
	}
	/* The longest prefixes, one slot each, come last (a node's usual bulk). */
	for (; i < w->np; i++)
		val[ph[i]] = w->pv[i];
}

/*
 * The value index slot @j of @w gets: its longest prefix over j, else @inh.
 * Heap order puts a node's one-slot prefixes last (usually most of them):
 * one search for j's own, then the shorter ones are scanned longest first
 * (a shorter prefix has a smaller heap index), without the one-slot ones.
 */
static uint32_t wn_slot_value(const struct wnode *w, unsigned j, uint32_t inh)
{
	const uint8_t *ph = wn_ph(w);
	unsigned h = 64 | j, pos, i;
	bool found;

	if (!w->np)
		return inh;
	pos = wn_find(w, h, &found);
	if (found)
		return w->pv[pos];
	if (pos && ph[pos - 1] >= 64)
		pos = wn_find(w, 64, &found);
	for (i = pos; i--;)
		if (h >> (LPM_STRIDE - (31 - (unsigned)__builtin_clz(ph[i]))) == ph[i])
			return w->pv[i];
	return inh;
}

/* ------------------------------------------------------------------ values */

/*
 * Leaves hold value indexes. An index that a published structure may still
 * reference keeps its value in the published table until a copy of the
 * table is published (stale); only never-published slots (fresh) are
 * written in place, so a reader never sees an index change its value.
 */
struct lpm_vals {
	uint32_t *val, *cnt;	 /* per index: value, prefixes using it */
	uint32_t *fresh, *stale; /* free indexes: unused / maybe in the published table */
	uint32_t *pend;		 /* indexes given a value since the last publication */
	uint8_t *pflag;		 /* in pend */
	uint32_t n, cap, nfresh, nstale, npend;
	uint32_t *mk, *mi; /* value -> index, open addressing (0: empty) */
	uint32_t mmask, mn;
	uint32_t *pub; /* the published table */
	uint32_t pubcap;
	bool cow; /* the next publication needs a copy */
};

static int re(void **p, size_t n)
{
	void *q = lpm_realloc(*p, n);

	if (!q)
		return -ENOMEM;
	*p = q;
	return 0;
}

static int vals_grow(struct lpm_vals *v)
{
	size_t ncap = v->cap ? 2 * (size_t)v->cap : 64;

	if (ncap > UINT32_MAX / 2 || re((void **)&v->val, ncap * 4) ||
	    re((void **)&v->cnt, ncap * 4) || re((void **)&v->fresh, ncap * 4) ||
	    re((void **)&v->stale, ncap * 4) || re((void **)&v->pend, ncap * 4) ||
	    re((void **)&v->pflag, ncap))
		return -ENOMEM;
	memset(v->pflag + v->cap, 0, ncap - v->cap);
	v->cap = (uint32_t)ncap;
	return 0;
}

static int vals_init(struct lpm_vals *v)
{
	memset(v, 0, sizeof(*v));
	v->n = 1; /* index 0 is LPM_NONE */
	v->pubcap = 64;
	v->pub = lpm_lines(v->pubcap * sizeof(uint32_t));
	if (!v->pub || vals_grow(v))
		return -ENOMEM;
	memset(v->pub, 0, v->pubcap * sizeof(uint32_t));
	return 0;
}

static void vals_fini(struct lpm_vals *v)
{
	free(v->val);
	free(v->cnt);
	free(v->fresh);
	free(v->stale);
	free(v->pend);
	free(v->pflag);
	free(v->mk);
	free(v->mi);
	free(v->pub);
}

static uint32_t map_home(const struct lpm_vals *v, uint32_t value)
{
	return (uint32_t)fm_hash_u64(value) & v->mmask;
}

static uint32_t map_get(const struct lpm_vals *v, uint32_t value)
{
	uint32_t i;

	if (!v->mk)
		return 0;
	for (i = map_home(v, value); v->mk[i]; i = (i + 1) & v->mmask)
		if (v->mk[i] == value)
			return v->mi[i];
	return 0;
}

static void map_place(struct lpm_vals *v, uint32_t value, uint32_t idx)
{
	uint32_t i;

	for (i = map_home(v, value); v->mk[i]; i = (i + 1) & v->mmask)
		;
	v->mk[i] = value;
	v->mi[i] = idx;
	v->mn++;
}

/* Keep the load at most one half. */
static int map_reserve(struct lpm_vals *v)
{
	uint32_t *mk = v->mk, *mi = v->mi, size = v->mk ? v->mmask + 1 : 0, i;

	if (mk && 2 * (v->mn + 1) <= size)
		return 0;
	size = size ? 2 * size : 64;
	v->mk = lpm_malloc(size * sizeof(uint32_t));
	v->mi = lpm_malloc(size * sizeof(uint32_t));
	if (!v->mk || !v->mi) {
		free(v->mk);
		free(v->mi);
		v->mk = mk;
		v->mi = mi;
		return -ENOMEM;
	}
	memset(v->mk, 0, size * sizeof(uint32_t));
	v->mmask = size - 1;
	v->mn = 0;
	for (i = 0; mk && i <= (size / 2 - 1); i++)
		if (mk[i])
			map_place(v, mk[i], mi[i]);
	free(mk);
	free(mi);
	return 0;
}

/* Linear probing deletion: shift later members of the run back. */
static void map_del(struct lpm_vals *v, uint32_t value)
{
	uint32_t i = map_home(v, value), j, k;

	while (v->mk[i] != value)
		i = (i + 1) & v->mmask;
	for (j = i;;) {
		j = (j + 1) & v->mmask;
		if (!v->mk[j])
			break;
		k = map_home(v, v->mk[j]);
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		v->mk[i] = v->mk[j];
		v->mi[i] = v->mi[j];
		i = j;
	}
	v->mk[i] = 0;
	v->mn--;
}

/* The index of @value with one more prefix using it. */
static int vals_get(struct lpm_vals *v, uint32_t value, uint32_t *out)
{
	uint32_t i = map_get(v, value);

	if (i) {
		v->cnt[i]++;
		*out = i;
		return 0;
	}
	if (map_reserve(v))
		return -ENOMEM;
	if (v->nfresh) {
		i = v->fresh[--v->nfresh];
	} else if (v->nstale) {
		i = v->stale[--v->nstale];
		v->cow = true;
	} else {
		if (v->n == v->cap && vals_grow(v))
			return -ENOMEM;
		i = v->n++;
		if (i >= v->pubcap)
			v->cow = true;
	}
	map_place(v, value, i);
	v->val[i] = value;
	v->cnt[i] = 1;
	if (!v->pflag[i]) {
		v->pflag[i] = 1;
		v->pend[v->npend++] = i;
	}
	*out = i;
	return 0;
}

/* One prefix fewer uses index @i. */
static void vals_put(struct lpm_vals *v, uint32_t i)
{
	if (--v->cnt[i])
		return;
	map_del(v, v->val[i]);
	if (i < v->pubcap && !v->pub[i])
		v->fresh[v->nfresh++] = i;
	else
		v->stale[v->nstale++] = i;
}

/* The table the next root will use: the current one completed in place, or a
 * copy. */
static int vals_prepare(struct lpm_vals *v, uint32_t **npub, uint32_t *ncap)
{
	uint32_t i, cap, *t;

	if (!v->cow) {
		for (i = 0; i < v->npend; i++)
			if (v->cnt[v->pend[i]])
				v->pub[v->pend[i]] = v->val[v->pend[i]];
		*npub = v->pub;
		*ncap = v->pubcap;
		return 0;
	}
	cap = v->n + v->n / 2 + 64;
	t = lpm_lines((size_t)cap * sizeof(uint32_t));
	if (!t)
		return -ENOMEM;
	t[0] = LPM_NONE;
	for (i = 1; i < v->n; i++)
		t[i] = v->cnt[i] ? v->val[i] : 0;
	memset(t + v->n, 0, (size_t)(cap - v->n) * sizeof(uint32_t));
	*npub = t;
	*ncap = cap;
	return 0;
}

/* @npub is published (the old table, if another, is retired by the caller). */
static void vals_published(struct lpm_vals *v, uint32_t *npub, uint32_t ncap)
{
	uint32_t i;

	if (npub != v->pub) {
		v->pub = npub;
		v->pubcap = ncap;
		/* Freed indexes are zero in the copy: reusable in place. */
		while (v->nstale)
			v->fresh[v->nfresh++] = v->stale[--v->nstale];
		v->cow = false;
	}
	for (i = 0; i < v->npend; i++)
		v->pflag[v->pend[i]] = 0;
	v->npend = 0;
}

/* -------------------------------------------------------------------- pool */

/* Largest node in words: a full node's header and 64 slots of 32 bits. */
#define LPM_MAXW (4 + 64)

/*
 * All nodes live in one buffer, so refs are 32-bit offsets. Freed blocks go
 * to exact-size free lists (sizes vary little); a fragmented pool is
 * compacted by the next full build.
 */
struct lpm_pool {
	uint8_t *base;
	uint32_t cap, used; /* words */
	uint32_t gen;	    /* a full build starts a new pool: old blocks mean nothing here */
	size_t freew, live; /* words in free lists, in published nodes */
	uint32_t *fl[LPM_MAXW + 1];
	uint32_t fln[LPM_MAXW + 1], flcap[LPM_MAXW + 1];
};

static struct lpm_pool *pool_new(size_t cap, uint32_t gen)
{
	struct lpm_pool *p = lpm_malloc(sizeof(*p));

	if (!p)
		return NULL;
	memset(p, 0, sizeof(*p));
	if (cap > (1u << 30))
		cap = 1u << 30;
	if (cap < 2 * LPM_ZERO_WORDS)
		cap = 2 * LPM_ZERO_WORDS;
	p->base = lpm_lines(cap * 4);
	if (!p->base) {
		free(p);
		return NULL;
	}
	p->cap = (uint32_t)cap;
	/* Offset 0 is never a node: a zero node that batches step leaves through. */
	memset(p->base, 0, LPM_ZERO_WORDS * 4);
	p->used = LPM_ZERO_WORDS;
	p->gen = gen;
	return p;
}

static void pool_free(struct lpm_pool *p, bool base)
{
	unsigned i;

	for (i = 0; i <= LPM_MAXW; i++)
		free(p->fl[i]);
	if (base)
		free(p->base);
	free(p);
}

/* A block no reader can reach any more. */
static void pool_give(struct lpm_pool *p, uint32_t off, uint32_t words)
{
	/* Without memory the block is lost until the next full build. */
	if (lpm_grow((void **)&p->fl[words], &p->flcap[words], (size_t)p->fln[words] + 1, 4))
		return;
	p->fl[words][p->fln[words]++] = off;
	p->freew += words;
}

/* ---------------------------------------------------------- table, batches */

/* Uniform regions share their directory: for leaf @ref, a page all of whose
 * entries are @ref. */
struct upage {
	uint32_t *pg;
	uint32_t ref;
	bool fresh; /* made by the running commit */
	bool dead;  /* the new root does not use it */
};

enum { LPM_B_PENDING, LPM_B_DONE, LPM_B_ORPHAN };

/*
 * Kinds of retired objects, tagged in the low bits of their (aligned)
 * pointers: roots and pages are recycled by the writer; the rest is freed.
 */
enum { LPM_O_FREE, LPM_O_ROOT, LPM_O_PAGE, LPM_O_KINDS };
/*
 * Recycled roots and pages. A grace period's worth of them comes back at
 * once (liburcu runs callbacks some 10 ms late: at a thousand commits a
 * second, thousands of pages), and the commits of the next grace period
 * copy as many again; so what reclaims return is kept, which is never more
 * than what was in flight, and once per LPM_TRIM_NS what is unused is
 * trimmed to LPM_O_BYTES per kind. (A fixed cap of 4 MiB sent a third of
 * the page copies of 1,000-change commits to malloc.)
 */
#define LPM_O_BYTES (4u << 20)
#define LPM_TRIM_NS 1000000000u

_Static_assert(sizeof(struct lpm_root) % 8 == 0, "copy_diff() copies roots by words");

static const size_t lpm_obj_size[LPM_O_KINDS] = {0, sizeof(struct lpm_root),
						 LPM_PAGE_SLOTS * sizeof(uint32_t)};

/*
 * What one publication retired. The callback only marks it done: the writer
 * reclaims it at its next commit, so memory is freed and reused by the
 * thread that allocates it (no malloc arena shared with the call_rcu
 * thread, and steady-state commits allocate nothing).
 *
 * Grace periods are not free (the memb flavour's membarrier interrupts
 * every core running the process, readers included), so not every batch is
 * given to call_rcu: one in LPM_HOLD, or after LPM_HOLD_NS, or one holding
 * big objects, is ("flushed"), and its grace period covers the batches
 * before it, which were retired earlier. Until the next commit, at most
 * LPM_HOLD small batches wait unflushed.
 */
#define LPM_HOLD    16
#define LPM_HOLD_NS 1000000

struct lpm_batch {
	struct rcu_head head;
	struct lpm_batch *next;
	bool flushed;		  /* given to call_rcu */
	int state;		  /* LPM_B_*: callback and writer hand the batch over */
	uint32_t gen, nblk, nptr; /* pool generation of the blocks */
	size_t seq;		  /* the commit that retired it (lpm->commits then) */
	uint32_t *blk;		  /* pool blocks (offset, words): back to the free lists */
	uintptr_t *ptr;		  /* objects, kind in the low bits */
};

struct lpm_cache {
	void **v;
	uint32_t n, cap;
};

/*
 * A former page of root entry g, kept for that entry's next copy
 * (copy_diff(): only what changed since is written). No reader can reach
 * it once the batch of the commit that retired it (@seq) is done
 * (lpm->safe). The oldest is kept: at high commit rates the newest is
 * rarely past its grace period by the entry's next change.
 */
struct lpm_spare {
	uint32_t *pg;
	size_t seq;
};

struct lpm {
	struct lpm_root *root; /* published: release store, acquire load */
	struct wnode *top;
	struct lpm_vals v;
	struct lpm_pool *pool;
	struct upage *up;
	uint32_t nup, upcap;
	uint64_t *uk; /* index of up[]: page, mid (pointers) and leaf (ref << 1 | 1) */
	uint32_t *uv, umask;
	uint64_t *pgnew;	 /* LPM_NPAGE bits: page copied by the running commit */
	uint64_t *pgset;	 /* LPM_NPAGE bits: root entry set by the running commit */
	uint32_t *pgl, npgl;	 /* the pages in pgset, in the order set */
	struct lpm_spare *spare; /* LPM_NPAGE */
	size_t safe;		 /* commits before this one retired nothing readers see */
	struct lpm_batch *batches, **btail; /* published, oldest first */
	uint32_t held;			    /* batches since the last flushed one */
	uint64_t flush_ns;		    /* when it was flushed */
	uint64_t trim_ns;		    /* when the recycled objects were trimmed */
	struct lpm_cache cache[LPM_O_KINDS];
	struct lpm_vec keep[5]; /* commit logs, kept for their capacity */
	size_t count, pub_count, changes;
	size_t commits, full_builds;
	size_t copy_lines, page_copies, spare_copies; /* lpm_stats */
	unsigned kbits;
	bool wide, built;
};

static void *obj_get(struct lpm *t, unsigned kind)
{
	struct lpm_cache *c = &t->cache[kind];

	if (!c->n)
		return lpm_lines(lpm_obj_size[kind]);
	/* The test hook fails recycled objects too: their error paths are tested. */
	return lpm_fault() ? NULL : c->v[--c->n];
}

static void obj_put(struct lpm *t, unsigned kind, void *p)
{
	struct lpm_cache *c = &t->cache[kind];

	if (kind == LPM_O_FREE ||
	    lpm_grow((void **)&c->v, &c->cap, (size_t)c->n + 1, sizeof(*c->v)))
		free(p);
	else
		c->v[c->n++] = p;
}

static uint64_t lpm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Before a reclaim returns objects: once per LPM_TRIM_NS, trim what is
 * still unused to LPM_O_BYTES per kind. */
static void obj_trim(struct lpm *t)
{
	uint64_t now = lpm_now();
	unsigned kind;

	if (now - t->trim_ns < LPM_TRIM_NS)
		return;
	t->trim_ns = now;
	for (kind = LPM_O_FREE + 1; kind < LPM_O_KINDS; kind++) {
		struct lpm_cache *c = &t->cache[kind];

		while (c->n && c->n * lpm_obj_size[kind] > LPM_O_BYTES)
			free(c->v[--c->n]);
	}
}

static void batch_free(struct lpm_batch *b)
{
	uint32_t i;

	for (i = 0; i < b->nptr; i++)
		free((void *)(b->ptr[i] & ~(uintptr_t)3));
	free(b);
}

static void batch_cb(struct rcu_head *h)
{
	struct lpm_batch *b = caa_container_of(h, struct lpm_batch, head);

	LPM_TSAN_ACQUIRE();
	/*
	 * The acquire pairs with the release in lpm_commit_(): the batch is
	 * seen whole (liburcu's queue orders it too, but ThreadSanitizer cannot
	 * see that). A batch of a freed table is ours to free.
	 */
	(void)__atomic_load_n(&b->state, __ATOMIC_ACQUIRE);
	if (__atomic_exchange_n(&b->state, LPM_B_DONE, __ATOMIC_ACQ_REL) == LPM_B_ORPHAN)
		batch_free(b);
}

/*
 * Batches past their grace period: pool blocks back to the free lists,
 * objects recycled. Callbacks run in call_rcu order, so the first batch not
 * done ends the walk: a commit never scans the batches still waiting.
 */
static void lpm_reclaim(struct lpm *t)
{
	struct lpm_batch *b, *f;
	uint32_t i;

	for (;;) {
		for (f = t->batches; f && !f->flushed; f = f->next)
			;
		if (!f || __atomic_load_n(&f->state, __ATOMIC_ACQUIRE) != LPM_B_DONE)
			return;
		/* f's grace period covers every batch before it. */
		obj_trim(t);
		do {
			b = t->batches;
			t->batches = b->next;
			if (b->gen == t->pool->gen)
				for (i = 0; i < b->nblk; i++)
					pool_give(t->pool, b->blk[2 * i], b->blk[2 * i + 1]);
			for (i = 0; i < b->nptr; i++)
				obj_put(t, b->ptr[i] & 3, (void *)(b->ptr[i] & ~(uintptr_t)3));
			t->safe = b->seq + 1;
			free(b);
		} while (b != f);
		if (!t->batches)
			t->btail = &t->batches;
	}
}

/*
 * up[] is looked up by leaf, page and mid on every directory change: an
 * open-addressing index (pointers are even, leaves are keyed odd) instead
 * of scans, as a table has a shared page per value that covers whole pages.
 */
static uint32_t uslot(const struct lpm *t, uint64_t key)
{
	uint64_t h = key * 0x9e3779b97f4a7c15ull;
	uint32_t i = (uint32_t)(h >> 40) & t->umask;

	while (t->uk[i] && t->uk[i] != key)
		i = (i + 1) & t->umask;
	return i;
}

static struct upage *ufind(const struct lpm *t, uint64_t key)
{
	uint32_t i;

	if (!t->uk)
		return NULL;
	i = uslot(t, key);
	return t->uk[i] ? &t->up[t->uv[i]] : NULL;
}

static void uput(struct lpm *t, uint32_t i)
{
	uint64_t key[2] = {(uintptr_t)t->up[i].pg, (uint64_t)t->up[i].ref << 1 | 1};
	unsigned k;

	for (k = 0; k < 2; k++) {
		uint32_t slot = uslot(t, key[k]);

		t->uk[slot] = key[k];
		t->uv[slot] = i;
	}
}

/* Index up[0..nup) again, with room for @extra more entries. */
static int uindex(struct lpm *t, uint32_t extra)
{
	uint32_t size = t->uk ? t->umask + 1 : 0, i;

	if (!t->uk || 2 * 2 * (t->nup + extra) > size) {
		uint64_t *k;
		uint32_t *v;

		size = size ? 2 * size : 64;
		while (2 * 2 * (t->nup + extra) > size)
			size *= 2;
		k = lpm_malloc(size * sizeof(*k));
		v = lpm_malloc(size * sizeof(*v));
		if (!k || !v) {
			free(k);
			free(v);
			return -ENOMEM;
		}
		free(t->uk);
		free(t->uv);
		t->uk = k;
		t->uv = v;
		t->umask = size - 1;
	}
	memset(t->uk, 0, (size_t)(t->umask + 1) * sizeof(*t->uk));
	for (i = 0; i < t->nup; i++)
		uput(t, i);
	return 0;
}

static struct upage *upage_find(const struct lpm *t, uint32_t ref)
{
	return ufind(t, (uint64_t)ref << 1 | 1);
}

static bool page_shared(const struct lpm *t, const uint32_t *pg)
{
	return ufind(t, (uintptr_t)pg) != NULL;
}

static struct upage *upage_get(struct lpm *t, uint32_t ref)
{
	struct upage *u = upage_find(t, ref);
	uint32_t *pg, i;

	if (u)
		return u;
	if (lpm_grow((void **)&t->up, &t->upcap, (size_t)t->nup + 1, sizeof(*t->up)) ||
	    (2 * 2 * (t->nup + 1) > (t->uk ? t->umask + 1 : 0) && uindex(t, 1)))
		return NULL;
	pg = lpm_lines(LPM_PAGE_SLOTS * sizeof(*pg));
	if (!pg)
		return NULL;
	for (i = 0; i < LPM_PAGE_SLOTS; i++)
		pg[i] = ref;
	u = &t->up[t->nup++];
	u->pg = pg;
	u->ref = ref;
	u->fresh = true;
	u->dead = false;
	uput(t, t->nup - 1); /* room was made above */
	return u;
}

static int lpm_init(struct lpm *t, unsigned kbits)
{
	struct upage *u;
	unsigned i;

	memset(t, 0, sizeof(*t));
	t->kbits = kbits;
	t->btail = &t->batches;
	if (vals_init(&t->v) || !(t->top = wn_new()) || !(t->pool = pool_new(1024, 0)) ||
	    !(t->pgnew = lpm_malloc(LPM_NPAGE / 8)) || !(t->pgset = lpm_malloc(LPM_NPAGE / 8)) ||
	    !(t->pgl = lpm_malloc(LPM_NPAGE * sizeof(*t->pgl))) ||
	    !(t->spare = lpm_zalloc(LPM_NPAGE * sizeof(*t->spare))) ||
	    !(u = upage_get(t, LPM_LEAF(LPM_NONE))) || !(t->root = lpm_lines(sizeof(*t->root))))
		return -ENOMEM;
	memset(t->pgnew, 0, LPM_NPAGE / 8);
	memset(t->pgset, 0, LPM_NPAGE / 8);
	u->fresh = false;
	t->root->pool = t->pool->base;
	t->root->vt = t->v.pub;
	t->root->wide = 0;
	for (i = 0; i < LPM_NPAGE; i++)
		t->root->dir[i] = u->pg;
	return 0;
}

/* Everything, now: no reader may be left (lpm.h). Safe on a half-made table. */
static void lpm_fini(struct lpm *t)
{
	struct lpm_batch *b, *next;
	uint32_t i, j;

	for (i = 0; t->root && i < LPM_NPAGE; i++)
		if (!page_shared(t, t->root->dir[i]))
			free(t->root->dir[i]);
	for (i = 0; i < t->nup; i++)
		free(t->up[i].pg);
	free(t->up);
	free(t->uk);
	free(t->uv);
	free(t->pgnew);
	free(t->pgset);
	free(t->pgl);
	for (i = 0; t->spare && i < LPM_NPAGE; i++)
		free(t->spare[i].pg);
	free(t->spare);
	free(t->root);
	vals_fini(&t->v);
	if (t->pool)
		pool_free(t->pool, true);
	wn_free(t->top);
	for (i = 0; i < 5; i++)
		free(t->keep[i].a);
	for (i = 0; i < LPM_O_KINDS; i++) {
		for (j = 0; j < t->cache[i].n; j++)
			free(t->cache[i].v[j]);
		free(t->cache[i].v);
	}
	for (b = t->batches; b; b = next) {
		next = b->next;
		/* A flushed batch still waiting for its callback is the callback's to free. */
		if (!b->flushed ||
		    __atomic_exchange_n(&b->state, LPM_B_ORPHAN, __ATOMIC_ACQ_REL) == LPM_B_DONE)
			batch_free(b);
	}
}

/* ------------------------------------------------------------- set / del */

/*
 * Mark the path dirty and note the slots the prefix covers: above the
 * directory they say which regions to visit, below it which slots a patch
 * (patch()) changes.
 */
static void lpm_mark(struct lpm *t, const struct lpm_key *k, struct wnode **path, unsigned n,
		     unsigned h)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		path[i]->dirty = true;
		if (i + 1 < n)
			path[i]->dmask |= 1ull << key_chunk(k, LPM_STRIDE * i);
	}
	path[n - 1]->rmask |= heap_slots(h);
	t->changes++;
}

#define LPM_MAXPATH (128 / LPM_STRIDE + 2)

static int lpm_set_(struct lpm *t, const struct lpm_key *k, unsigned len, uint32_t value)
{
	struct wnode *path[LPM_MAXPATH], *w = t->top, **wp = &t->top;
	unsigned d, dd, n = 0, made = 0, h, pos;
	uint32_t idx;
	bool found;

	if (len > t->kbits || value == LPM_NONE || !key_canonical(k, len))
		return -EINVAL;
	d = pfx_depth(len);
	path[n++] = w;
	/* wp: where the current node is referenced (its parent's kids, or t->top). */
	for (dd = 0; dd < d; dd += LPM_STRIDE) {
		unsigned j = key_chunk(k, dd);
		struct wnode *kid = wn_kid(w, j);

		if (!kid) {
			kid = wn_new();
			if (!kid || wn_add_kid(wp, j, kid)) {
				free(kid);
				path[n - 1] = *wp;
				goto nomem;
			}
			path[n - 1] = w = *wp;
			made++;
		}
		wp = &w->kids[wn_below(w, j)];
		path[n++] = w = kid;
	}
	h = pfx_heap(k, len, d);
	pos = wn_find(w, h, &found);
	if (found) {
		uint32_t old = w->pv[pos];

		if (t->v.val[old] == value)
			return 0;
		if (vals_get(&t->v, value, &idx))
			return -ENOMEM;
		w->pv[pos] = idx;
		vals_put(&t->v, old);
	} else {
		if (wn_reserve_pfx(wp)) {
			path[n - 1] = *wp;
			goto nomem;
		}
		path[n - 1] = w = *wp;
		if (vals_get(&t->v, value, &idx))
			goto nomem;
		wn_insert_pfx(w, pos, h, idx);
		t->count++;
	}
	lpm_mark(t, k, path, n, h);
	return 0;
nomem:
	/* Nodes made for this prefix go again: nothing is staged. */
	for (; made; made--, n--) {
		wn_del_kid(path[n - 2], key_chunk(k, LPM_STRIDE * (n - 2)));
		wn_free(path[n - 1]);
	}
	return -ENOMEM;
}

static int lpm_del_(struct lpm *t, const struct lpm_key *k, unsigned len)
{
	struct wnode *path[LPM_MAXPATH], *w = t->top;
	unsigned d, dd, n = 0, h, pos;
	uint32_t idx;
	bool found;

	if (len > t->kbits || !key_canonical(k, len))
		return -EINVAL;
	d = pfx_depth(len);
	path[n++] = w;
	for (dd = 0; dd < d; dd += LPM_STRIDE) {
		w = wn_kid(w, key_chunk(k, dd));
		if (!w)
			return -ENOENT;
		path[n++] = w;
	}
	h = pfx_heap(k, len, d);
	pos = wn_find(w, h, &found);
	if (!found)
		return -ENOENT;
	idx = w->pv[pos];
	wn_remove_pfx(w, pos);
	vals_put(&t->v, idx);
	t->count--;
	/* An emptied node stays until the commit retires what it was built into. */
	lpm_mark(t, k, path, n, h);
	return 0;
}

/*
 * Staging a burst. A random change misses the cache at every level of the
 * writer trie below the few hot top nodes (a full table's trie is tens of
 * MiB); one change at a time, those misses are paid one after the other.
 * lpm_warm() walks up to LPM_BULK paths level by level, reading only, and
 * asks for each path's next line before it reads any of them, so the
 * misses of the whole burst overlap; the set and del that follow walk
 * cached nodes. A pass reads what the pass before asked for: a node's
 * header, then its child slot, then the child's header; at the last node
 * its heap indexes, then the value slot the search lands on.
 */
static void prefetch_node(const struct wnode *w)
{
	__builtin_prefetch(w);
	__builtin_prefetch((const char *)(w + 1) - 1); /* malloc aligns to 16 */
}

struct warm {
	const struct wnode *w;		     /* NULL: done */
	struct wnode *const *slot;	     /* the child slot asked for */
	unsigned d, last;		     /* depth reached, depth of the prefix's node */
	enum { W_NODE, W_SLOT, W_PFX } next; /* what the previous pass asked for */
};

/* One pass over path @p: read what the previous pass asked for, ask for the next line. */
static bool warm_step(struct warm *p, const struct lpm_key *k, unsigned len)
{
	const struct wnode *w = p->w;
	bool found;
	unsigned j;

	switch (p->next) {
	case W_NODE:
		if (p->d == p->last) {
			if (!w->np)
				return false;
			__builtin_prefetch(wn_ph(w));
			__builtin_prefetch(wn_ph(w) + w->np - 1);
			p->next = W_PFX;
			return true;
		}
		j = key_chunk(k, p->d);
		if (!((w->cmap >> j) & 1))
			return false;
		p->slot = &w->kids[wn_below(w, j)];
		__builtin_prefetch(p->slot);
		p->next = W_SLOT;
		return true;
	case W_SLOT:
		p->w = *p->slot;
		p->d += LPM_STRIDE;
		prefetch_node(p->w);
		p->next = W_NODE;
		return true;
	default:
		__builtin_prefetch(&w->pv[wn_find(w, pfx_heap(k, len, p->d), &found)]);
		return false;
	}
}

static void lpm_warm(const struct lpm *t, const struct lpm_key *k, const uint8_t *len, unsigned n)
{
	struct warm p[LPM_BULK];
	unsigned i, live;

	for (i = 0; i < n; i++)
		p[i] = (struct warm){len[i] <= t->kbits ? t->top : NULL, NULL, 0, pfx_depth(len[i]),
				     W_NODE};
	do {
		for (i = 0, live = 0; i < n; i++)
			if (p[i].w && warm_step(&p[i], &k[i], len[i]))
				live++;
			else
				p[i].w = NULL;
	} while (live);
}

/*
 * Stage @n (<= LPM_BULK) changes in order: @value[i] LPM_NONE deletes,
 * anything else sets. @rc[i] (unless NULL) gets lpm_set_'s or lpm_del_'s
 * result. Returns how many failed.
 */
static unsigned lpm_stage_(struct lpm *t, const struct lpm_key *k, const uint8_t *len,
			   const uint32_t *value, unsigned n, int *rc)
{
	unsigned i, bad = 0;

	lpm_warm(t, k, len, n);
	for (i = 0; i < n; i++) {
		int r = value[i] == LPM_NONE ? lpm_del_(t, &k[i], len[i])
					     : lpm_set_(t, &k[i], len[i], value[i]);

		bad += r != 0;
		if (rc)
			rc[i] = r;
	}
	return bad;
}

/* Change @i of a family's array: its key, length and value. */
typedef void lpm_change_fn(const void *ch, size_t i, struct lpm_key *k, uint8_t *len,
			   uint32_t *value);

/* lpm*_stage_bulk(): @n changes, LPM_BULK at a time. */
static size_t lpm_stage_bulk_(struct lpm *t, const void *ch, size_t n, int *rc, lpm_change_fn *get)
{
	struct lpm_key k[LPM_BULK];
	uint32_t value[LPM_BULK];
	uint8_t len[LPM_BULK];
	size_t i, done, bad = 0;

	for (done = 0; done < n; done += i) {
		for (i = 0; i < n - done && i < LPM_BULK; i++)
			get(ch, done + i, &k[i], &len[i], &value[i]);
		bad += lpm_stage_(t, k, len, value, (unsigned)i, rc ? rc + done : NULL);
	}
	return bad;
}

/* ------------------------------------------------------------------ commit */

struct wlog {
	struct wnode *w;
	uint32_t ref, inh, words;
};

struct dlog {
	struct wnode *w;
	uint64_t dead; /* children left empty: freed once published */
};

/* One commit. Nothing the readers or the writer trie see changes until it
 * succeeded. */
struct bctx {
	struct lpm *t;
	const struct lpm_root *old; /* the published root */
	struct lpm_root *nr;
	struct lpm_pool *pool; /* t->pool, or a new one for a full build */
	uint8_t *base0;	       /* pool buffer at the start (published) */
	uint32_t cap0, used0;
	size_t live;	/* words allocated by this commit */
	size_t retired; /* words retired by this commit */
	bool full, wide;
	int err;
	uint32_t words; /* size of the node encode() made last (0: a leaf) */
	bool big;	/* retires a pool, a value table or a shared page: flush now */
	struct lpm_vec wlog, dlog;
	struct lpm_vec nblk; /* blocks allocated (offset, words): rollback */
	struct lpm_vec gblk; /* blocks retired (offset, words) */
	struct lpm_vec gptr; /* objects retired */
};

static void bc_nomem(struct bctx *c)
{
	c->err = -ENOMEM;
}

static int pool_grow(struct bctx *c, uint32_t words)
{
	struct lpm_pool *p = c->pool;
	size_t ncap = 2 * (size_t)p->cap, need = (size_t)p->used + words + 1024;
	uint8_t *nb;

	if (ncap < need)
		ncap = need;
	if (ncap > (1u << 30))
		ncap = 1u << 30;
	if (ncap < (size_t)p->used + words)
		return -ENOMEM;
	nb = lpm_lines(ncap * 4);
	if (!nb)
		return -ENOMEM;
	/* Offsets stay valid: readers of the old root keep the old copy. */
	memcpy(nb, p->base, (size_t)p->used * 4);
	if (p->base != c->base0)
		free(p->base);
	p->base = nb;
	p->cap = (uint32_t)ncap;
	return 0;
}

static uint32_t pool_alloc(struct bctx *c, uint32_t words)
{
	struct lpm_pool *p = c->pool;
	uint32_t off;

	if (!c->full &&
	    lpm_grow(&c->nblk.a, &c->nblk.cap, (size_t)c->nblk.n + 1, 2 * sizeof(uint32_t)))
		goto nomem;
	if (p->fln[words]) {
		off = p->fl[words][--p->fln[words]];
		p->freew -= words;
	} else {
		if ((size_t)p->used + words > p->cap && pool_grow(c, words))
			goto nomem;
		off = p->used;
		p->used += words;
	}
	if (!c->full)
		vec_add_blk(&c->nblk, off, words); /* reserved above */
	c->live += words;
	return off;
nomem:
	bc_nomem(c);
	return 0;
}

static void retire_ref(struct bctx *c, uint32_t ref, uint32_t words)
{
	/* A full build retires the old pool as a whole. */
	if ((ref & 1) || !ref || c->full)
		return;
	c->retired += words;
	if (vec_add_blk(&c->gblk, ref >> 2, words))
		bc_nomem(c);
}

/*
 * Over a node's 64 slot refs: bit j of *@leaf is set when slot j is a leaf,
 * bit j of *@same when slot j + 1 holds the same ref as slot j (j < 63).
 * Four slots per step where SSE2 is there (every x86-64): a rebuild runs
 * this on every node it makes, and slot by slot it was a third of the
 * writer's instructions.
 */
#if defined(__SSE2__) && !defined(LPM_NO_SIMD)
static void slot_masks(const uint32_t s[64], uint64_t *leaf, uint64_t *same)
{
	uint64_t l = 0, e = 0;
	unsigned j;

	for (j = 0; j < 64; j += 4) {
		__m128i x = _mm_loadu_si128((const __m128i *)(s + j));

		l |= (uint64_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_slli_epi32(x, 31))) << j;
		if (j < 60) {
			__m128i y = _mm_loadu_si128((const __m128i *)(s + j + 1));

			e |= (uint64_t)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(x, y)))
			     << j;
		}
	}
	for (j = 60; j < 63; j++)
		e |= (uint64_t)(s[j] == s[j + 1]) << j;
	*leaf = l;
	*same = e;
}
#else
static void slot_masks(const uint32_t s[64], uint64_t *leaf, uint64_t *same)
{
	uint64_t l = 0, e = 0;
	unsigned j;

	for (j = 0; j < 64; j++)
		l |= (uint64_t)(s[j] & 1) << j;
	for (j = 0; j < 63; j++)
		e |= (uint64_t)(s[j] == s[j + 1]) << j;
	*leaf = l;
	*same = e;
}
#endif

/*
 * The vectors of a node's 64 slot refs, its children and its leaf runs'
 * values, without a branch on the data: mispredicting whether a slot starts
 * a run was most of what encoding a node cost.
 */
static void split_slots(const uint32_t slot[64], uint64_t *vec, uint64_t *lv, uint32_t kids[64],
			unsigned *nc, uint32_t leaves[64], unsigned *nl)
{
	uint64_t leaf, same, m;
	uint32_t prev = 0; /* the last leaf slot's ref; 0 is no leaf */
	unsigned j, k = 0, n = 0;

	slot_masks(slot, &leaf, &same);
	*vec = ~leaf;
	if (!~leaf) {
		/* Leaves only (most nodes): a run starts where a slot differs from the one before.
		 */
		*lv = ~(same << 1);
		for (m = *lv; m; m &= m - 1)
			leaves[n++] = slot[__builtin_ctzll(m)] >> 1;
	} else {
		/* Runs skip over child slots: compare with the last leaf slot. */
		for (m = 0, j = 0; j < 64; j++) {
			uint32_t r = slot[j];
			unsigned kid = ~r & 1, run = (r & 1) & (r != prev);

			kids[k] = r;
			k += kid;
			leaves[n] = r >> 1;
			n += run;
			m |= (uint64_t)run << j;
			prev = kid ? prev : r;
		}
		*lv = m;
	}
	*nc = k;
	*nl = n;
}

/* Leaf @r of an array of @es-byte leaves. */
static uint32_t leaf_get(const uint8_t *lb, unsigned r, unsigned es)
{
	return es == 4 ? lpm_ld32(lb + 4 * r) : lpm_ld16(lb + 2 * r);
}

static void leaf_put(uint8_t *lb, unsigned r, unsigned es, uint32_t v)
{
	uint16_t x = (uint16_t)v;

	if (es == 4)
		memcpy(lb + 4 * r, &v, 4);
	else
		memcpy(lb + 2 * r, &x, 2);
}

/*
 * Node @vec (0: leaves only), @lv into the pool, with @nc child refs and @nl
 * leaves of the commit's width at @lb, which has room for one more (the pad
 * that keeps an odd count of 16-bit leaves whole words). A node of leaves
 * only with one run is that leaf. Sets c->words.
 */
static uint32_t node_put(struct bctx *c, uint64_t vec, uint64_t lv, const uint32_t *kids,
			 unsigned nc, uint8_t *lb, unsigned nl)
{
	unsigned es = c->wide ? 4 : 2, lw = (es * nl + 3) / 4;
	uint32_t off;
	uint8_t *p;

	c->words = 0;
	if (!vec && nl == 1)
		return LPM_LEAF(leaf_get(lb, 0, es));
	leaf_put(lb, nl, es, 0);
	c->words = (vec ? 4 : 2) + nc + lw;
	off = pool_alloc(c, c->words);
	if (!off)
		return 0;
	p = c->pool->base + 4 * (size_t)off;
	if (vec) {
		memcpy(p, &vec, 8);
		p += 8;
	}
	memcpy(p, &lv, 8);
	p += 8;
	if (nc)
		memcpy(p, kids, 4 * nc);
	memcpy(p + 4 * nc, lb, 4 * lw);
	return (off << 2) | (vec ? LPM_FULL : 0);
}

/* A node from its 64 slot refs; a uniform region is the leaf itself. */
static uint32_t encode(struct bctx *c, const uint32_t slot[64])
{
	uint32_t kids[64], leaves[64];
	uint8_t lb[65 * 4];
	uint64_t vec, lv;
	unsigned j, nc, nl;

	split_slots(slot, &vec, &lv, kids, &nc, leaves, &nl);
	for (j = 0; j < nl; j++)
		leaf_put(lb, j, c->wide ? 4 : 2, leaves[j]);
	return node_put(c, vec, lv, kids, nc, lb, nl);
}

/*
 * Patching. A random change to a full table is nearly always one prefix of
 * /19-/24 (IPv6: its node's last 6 bits) in a node with leaves only: one to
 * four of its 64 slots change value. Leaf-pushing the node's prefixes and
 * encoding its 64 slots again was over half of such a commit's
 * instructions; a slot's new value splits or merges only the runs beside
 * it, so the published node's leaves are copied around it instead.
 */
#define LPM_PATCH_MAX 4 /* changed slots a patch takes; more: a rebuild */

/*
 * Whether @w's published node (or leaf) was built inheriting @inh, in the
 * pool this commit builds into: what every reuse of it starts from.
 */
static bool built_alike(const struct bctx *c, const struct wnode *w, uint32_t inh)
{
	return !c->full && w->ref && w->inh == inh;
}

/* Whether @w's new node can be its published one patched (see above). */
static bool patchable(const struct bctx *c, const struct wnode *w, uint32_t inh)
{
	return built_alike(c, w, inh) && !(w->ref & (1 | LPM_FULL)) && !w->cmap && w->np &&
	       pop64(w->rmask) <= LPM_PATCH_MAX;
}

/*
 * Slot @j of the leaf-only node (@lv, *@nl leaves of @es bytes at @lb) gets
 * value index @v. Runs that start before j are kept; j starts a run unless
 * it joins the run on its left, j + 1 unless it joins j's; the runs from
 * j + 2 on are kept. Returns whether anything changed.
 */
static bool patch_slot(uint64_t *lv, uint8_t *lb, unsigned es, unsigned *nl, unsigned j, uint32_t v)
{
	uint64_t m = *lv;
	unsigned r = pop64(m & ((2ull << j) - 1)) - 1, before = pop64(m & ((1ull << j) - 1));
	unsigned q = r + 1, to;
	uint32_t old = leaf_get(lb, r, es), right = old;
	bool sj, sj1 = false;

	if (old == v)
		return false;
	/* The run on j's left: j's own run if j is inside it, else the one before. */
	sj = !j || ((m >> j) & 1 ? leaf_get(lb, r - 1, es) : old) != v;
	if (j < 63) {
		if ((m >> (j + 1)) & 1)
			right = leaf_get(lb, q++, es);
		sj1 = right != v;
		m = (m & ~(2ull << j)) | ((uint64_t)sj1 << (j + 1));
	}
	m = (m & ~(1ull << j)) | ((uint64_t)sj << j);
	to = before + sj + sj1;
	memmove(lb + es * to, lb + es * q, es * (*nl - q));
	if (sj)
		leaf_put(lb, before, es, v);
	if (sj1)
		leaf_put(lb, before + sj, es, right);
	*nl = to + (*nl - q);
	*lv = m;
	return true;
}

/* @w's node: its published one with the slots in w->rmask set anew. */
static uint32_t patch(struct bctx *c, const struct wnode *w, uint32_t inh)
{
	const uint8_t *p = c->pool->base + LPM_OFF(w->ref);
	unsigned es = c->wide ? 4 : 2, nl;
	uint64_t lv = lpm_ld64(p), m;
	uint8_t lb[65 * 4]; /* room for node_put()'s pad */
	bool changed = false;

	nl = pop64(lv);
	memcpy(lb, p + 8, es * nl);
	for (m = w->rmask; m; m &= m - 1) {
		unsigned j = (unsigned)__builtin_ctzll(m);

		changed |= patch_slot(&lv, lb, es, &nl, j, wn_slot_value(w, j, inh));
	}
	if (!changed) {
		c->words = w->words;
		return w->ref;
	}
	return node_put(c, 0, lv, NULL, 0, lb, nl);
}

static void log_w(struct bctx *c, struct wnode *w, uint32_t ref, uint32_t inh, uint32_t words)
{
	struct wlog *e = vec_add(&c->wlog, sizeof(*e));

	if (!e) {
		bc_nomem(c);
		return;
	}
	e->w = w;
	e->ref = ref;
	e->inh = inh;
	e->words = words;
}

static void log_dead(struct bctx *c, struct wnode *w, uint64_t dead)
{
	struct dlog *e;

	if (!dead)
		return;
	if (!(e = vec_add(&c->dlog, sizeof(*e)))) {
		bc_nomem(c);
		return;
	}
	e->w = w;
	e->dead = dead;
}

/* @w was built into @ref (c->words long): its old node retires. */
static uint32_t built(struct bctx *c, struct wnode *w, uint32_t ref, uint32_t inh)
{
	if (c->err)
		return 0;
	if (w->ref != ref)
		retire_ref(c, w->ref, w->words);
	log_w(c, w, ref, inh, c->words);
	return ref;
}

/*
 * Slots of @w whose child is clean (dmask is exact) and inherits what it
 * did at the last build: neither @w's prefixes over the slot (rmask) nor
 * what @w inherits changed. Such a child's ref is still the one in @w's
 * published node, which was rebuilt whenever the child was.
 */
static uint64_t kids_same(const struct bctx *c, const struct wnode *w, uint32_t inh)
{
	if (!built_alike(c, w, inh) || (w->ref & 1))
		return 0;
	return w->cmap & ~(w->dmask | w->rmask);
}

/*
 * Slot @j of @w's published node (a node, not a leaf), as a ref: a
 * lookup's step. Reading clean children's refs there costs a line or two
 * for all of them, where asking each child's wnode costs a miss per child:
 * most of an IPv6 rebuild's time went to those.
 */
static uint32_t old_slot(const struct bctx *c, const struct wnode *w, unsigned j)
{
	return lpm_step(c->pool->base, w->ref, j, c->wide);
}

/* All 64 of them, in one pass: what a rebuild starts from. */
static void old_slots(const struct bctx *c, const struct wnode *w, uint32_t slot[64])
{
	const uint8_t *p = c->pool->base + LPM_OFF(w->ref), *lb;
	unsigned es = c->wide ? 4 : 2, j, k = 0, r = 0;
	uint64_t vec = 0, lv;
	uint32_t leaf = 0;

	if (w->ref & LPM_FULL) {
		vec = lpm_ld64(p);
		p += 8;
	}
	lv = lpm_ld64(p);
	p += 8;
	lb = p + 4 * pop64(vec);
	for (j = 0; j < 64; j++) {
		if ((lv >> j) & 1)
			leaf = LPM_LEAF(leaf_get(lb, r++, es));
		slot[j] = (vec >> j) & 1 ? lpm_ld32(p + 4 * k++) : leaf;
	}
}

/*
 * The end of a rebuild of @w from its 64 @slot refs; @dead: the children
 * whose regions emptied. A node left with neither prefixes nor children is
 * gone (*@empty) and its region @inh.
 */
static uint32_t rebuilt(struct bctx *c, struct wnode *w, const uint32_t slot[64], uint64_t dead,
			uint32_t inh, bool *empty)
{
	if (!w->np && dead == w->cmap) {
		*empty = true;
		retire_ref(c, w->ref, w->words);
		return LPM_LEAF(inh);
	}
	log_dead(c, w, dead);
	return built(c, w, encode(c, slot), inh);
}

static uint32_t build(struct bctx *c, struct wnode *w, unsigned d, uint32_t inh, bool *empty);

/*
 * Repointing. A node above a random change (IPv6: every node between the
 * directory and the change's) is rebuilt only because a child was: its own
 * prefixes and what it inherits did not change (rmask 0), so its slots are
 * its published node's but for its dirty children's. When each of those was
 * a child node and still is, the published node is copied with their refs
 * replaced, instead of leaf-pushing and encoding 64 slots again.
 */
static bool repointable(const struct bctx *c, const struct wnode *w, uint32_t inh)
{
	return built_alike(c, w, inh) && (w->ref & (1 | LPM_FULL)) == LPM_FULL && !w->rmask;
}

/* @w's published node with the child refs of the slots in @dm set to @got's. */
static uint32_t repoint_refs(struct bctx *c, const struct wnode *w, uint64_t dm,
			     const uint32_t got[64])
{
	uint32_t off;
	uint64_t vec;
	uint8_t *p;

	c->words = w->words;
	if (!(off = pool_alloc(c, w->words)))
		return 0;
	/* After the allocation, which may move the pool (offsets stay valid). */
	p = c->pool->base + 4 * (size_t)off;
	memcpy(p, c->pool->base + LPM_OFF(w->ref), 4u * w->words);
	vec = lpm_ld64(p);
	for (; dm; dm &= dm - 1) {
		unsigned j = (unsigned)__builtin_ctzll(dm);

		memcpy(p + 16 + 4 * pop64(vec & ((1ull << j) - 1)), &got[j], 4);
	}
	return (off << 2) | LPM_FULL;
}

/*
 * Rebuild a repointable @w (above): its dirty children, then its published
 * node repointed, or, when a child turned into a leaf or appeared where a
 * leaf was, its published slots with theirs encoded again. A dirty child
 * inherits what it did at its last build, or a new one the leaf its slot
 * held then.
 */
static uint32_t repoint(struct bctx *c, struct wnode *w, unsigned d, bool *empty)
{
	uint64_t dm = w->dmask & w->cmap, dead = 0, m;
	uint32_t got[64], slot[64];
	bool nodes = !(dm & ~lpm_ld64(c->pool->base + LPM_OFF(w->ref))), refs = nodes;
	unsigned j;

	/* Only a child whose slot held a leaf can be new (its ref 0). */
	if (!nodes)
		old_slots(c, w, slot);
	for (m = dm; m; m &= m - 1) {
		struct wnode *kid;
		bool e;

		j = (unsigned)__builtin_ctzll(m);
		kid = wn_kid(w, j);
		got[j] = build(c, kid, d + LPM_STRIDE, kid->ref ? kid->inh : slot[j] >> 1, &e);
		if (c->err)
			return 0;
		dead |= (uint64_t)e << j;
		refs &= !(got[j] & 1); /* (an emptied child is a leaf) */
	}
	if (refs)
		return built(c, w, repoint_refs(c, w, dm, got), w->inh);
	if (nodes)
		old_slots(c, w, slot);
	for (m = dm; m; m &= m - 1) {
		j = (unsigned)__builtin_ctzll(m);
		slot[j] = got[j];
	}
	return rebuilt(c, w, slot, dead, w->inh, empty);
}

/*
 * The reader ref for the region of @w at depth @d (>= LPM_S), inheriting
 * value index @inh. A clean node that inherits what it did last time is its
 * old ref; otherwise it is rebuilt, reusing its clean children. *@empty:
 * no prefix is left in the region (its parent drops @w).
 */
static uint32_t build(struct bctx *c, struct wnode *w, unsigned d, uint32_t inh, bool *empty)
{
	uint32_t val[128], slot[64];
	uint64_t cm, same, dead = 0;
	unsigned j, k = 0;

	*empty = false;
	if (!w)
		return LPM_LEAF(inh);
	if (!w->dirty && built_alike(c, w, inh))
		return w->ref;
	if (patchable(c, w, inh))
		return built(c, w, patch(c, w, inh), inh);
	if (repointable(c, w, inh))
		return repoint(c, w, d, empty);
	wn_push(w, inh, val);
	for (j = 0; j < 64; j++)
		slot[j] = LPM_LEAF(val[64 | j]);
	same = kids_same(c, w, inh);
	for (cm = w->cmap; cm; cm &= cm - 1, k++) {
		bool e;

		j = (unsigned)__builtin_ctzll(cm);
		if ((same >> j) & 1) {
			slot[j] = old_slot(c, w, j);
			continue;
		}
		slot[j] = build(c, w->kids[k], d + LPM_STRIDE, val[64 | j], &e);
		if (c->err)
			return 0;
		if (e)
			dead |= 1ull << j;
	}
	return rebuilt(c, w, slot, dead, inh, empty);
}

/* ---------------------------------------------------------------- directory */

static bool bit_get(const uint64_t *m, uint32_t g)
{
	return (m[g / 64] >> (g % 64)) & 1;
}

static void bit_put(uint64_t *m, uint32_t g, bool on)
{
	if (on)
		m[g / 64] |= 1ull << (g % 64);
	else
		m[g / 64] &= ~(1ull << (g % 64));
}

static bool pg_new(const struct bctx *c, uint32_t g)
{
	return bit_get(c->t->pgnew, g);
}

/*
 * @n bytes (a multiple of 8) at @dst become those at @src, writing only the
 * lines that differ; returns how many. Readers fetch every line of a new
 * copy again unless its memory is recycled from an earlier version of the
 * same object whose line is still equal: that line stays valid in their
 * caches, and a commit invalidates only the lines it really changes.
 */
static size_t copy_diff(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;
	size_t i, k, m, lines = 0;

	/* By lines: a line with one word to write is written whole anyway. */
	for (i = 0; i < n; i += m) {
		uint64_t x = 0;

		m = n - i < 64 ? n - i : 64;
		for (k = 0; k < m; k += 8)
			x |= lpm_ld64(d + i + k) ^ lpm_ld64(s + i + k);
		if (x) {
			memcpy(d + i, s + i, m);
			lines++;
		}
	}
	return lines;
}

/* Lines a copy of @n bytes writes. */
static size_t copy_full(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
	return (n + 63) / 64;
}

/* The head of root @r, whose line stays untouched when nothing changes. */
static void root_head(struct lpm_root *r, const uint8_t *pool, const uint32_t *vt, bool wide)
{
	if (r->pool != pool)
		r->pool = pool;
	if (r->vt != vt)
		r->vt = vt;
	if (r->wide != wide)
		r->wide = wide;
}

/*
 * A root for the next publication, a copy of @src: a recycled one (the
 * published root of a few commits ago, most of whose lines are still equal
 * and in the readers' caches) when there is one, else a new one.
 */
static struct lpm_root *root_next(struct lpm *t, const struct lpm_root *src)
{
	bool recycled = t->cache[LPM_O_ROOT].n != 0;
	struct lpm_root *r = obj_get(t, LPM_O_ROOT);

	if (r)
		t->copy_lines += (recycled ? copy_diff : copy_full)(r, src, sizeof(*r));
	return r;
}

/*
 * Root entry @g of the new root becomes @pg. The entries set are listed, so
 * the end of the commit visits them, not the whole root.
 */
static void root_set(struct bctx *c, uint32_t g, uint32_t *pg)
{
	struct lpm *t = c->t;

	c->nr->dir[g] = pg;
	if (!bit_get(t->pgset, g)) {
		bit_put(t->pgset, g, true);
		t->pgl[t->npgl++] = g;
	}
}

/*
 * A copy of page @src for root entry @g: its spare, the page the entry had
 * before, once no reader can reach it (an earlier version of the same page:
 * only what changed since is written), else any free page.
 */
static uint32_t *page_copy(struct lpm *t, uint32_t g, const uint32_t *src)
{
	struct lpm_spare *sp = &t->spare[g];
	uint32_t *pg;

	if (sp->pg && sp->seq < t->safe) {
		/* The test hook fails this path too: its error path is tested. */
		if (lpm_fault())
			return NULL;
		pg = sp->pg;
		sp->pg = NULL;
		t->copy_lines += copy_diff(pg, src, LPM_PAGE_SLOTS * sizeof(*pg));
		t->spare_copies++;
	} else if ((pg = obj_get(t, LPM_O_PAGE))) {
		t->copy_lines += copy_full(pg, src, LPM_PAGE_SLOTS * sizeof(*pg));
	}
	t->page_copies += pg != NULL;
	return pg;
}

/* Page @g of the new root, copied for this commit (once). */
static uint32_t *page_private(struct bctx *c, uint32_t g)
{
	uint32_t *pg;

	if (pg_new(c, g))
		return c->nr->dir[g];
	pg = page_copy(c->t, g, c->nr->dir[g]);
	if (!pg) {
		bc_nomem(c);
		return NULL;
	}
	root_set(c, g, pg);
	bit_put(c->t->pgnew, g, true);
	return pg;
}

/* The page last written to: the slots of a region are in one page. */
struct slot_cur {
	uint32_t g; /* page index, ~0: none */
	uint32_t *pg;
};

static void set_slot(struct bctx *c, struct slot_cur *cur, uint32_t x, uint32_t ref)
{
	uint32_t g = x >> LPM_P_BITS, e = x & (LPM_PAGE_SLOTS - 1);

	if (cur->g != g) {
		cur->g = g;
		cur->pg = c->nr->dir[g];
	}
	if (cur->pg[e] == ref)
		return;
	if (!pg_new(c, g) && !(cur->pg = page_private(c, g))) {
		cur->g = ~0u;
		return;
	}
	cur->pg[e] = ref;
}

/* Page @g becomes the shared page of leaf @ref. */
static void set_page_leaf(struct bctx *c, uint32_t g, uint32_t ref)
{
	struct upage *u = upage_get(c->t, ref);

	if (!u) {
		bc_nomem(c);
		return;
	}
	if (c->nr->dir[g] == u->pg)
		return;
	if (pg_new(c, g)) {
		obj_put(c->t, LPM_O_PAGE, c->nr->dir[g]);
		bit_put(c->t->pgnew, g, false);
	}
	root_set(c, g, u->pg);
}

/* The region @pfx/@d above the directory has no prefix: all leaf @ref. */
static void fill(struct bctx *c, unsigned d, uint32_t pfx, uint32_t ref)
{
	uint32_t i, n;

	if (d <= LPM_R_BITS) {
		n = 1u << (LPM_R_BITS - d);
		for (i = 0; i < n && !c->err; i++)
			set_page_leaf(c, (pfx << (LPM_R_BITS - d)) + i, ref);
	} else {
		/* Part of one page: compare, then copy the page once if needed. */
		uint32_t x = pfx << (LPM_S - d), g = x >> LPM_P_BITS;
		uint32_t *pg = c->nr->dir[g] + (x & (LPM_PAGE_SLOTS - 1));

		n = 1u << (LPM_S - d);
		for (i = 0; i < n && pg[i] == ref; i++)
			;
		if (i == n || !(pg = page_private(c, g)))
			return;
		pg += x & (LPM_PAGE_SLOTS - 1);
		for (i = 0; i < n; i++)
			pg[i] = ref;
	}
}

/*
 * Warming a commit. Below the few hot top nodes a commit's walk misses the
 * cache at every step of a dirty path: the node one level above the
 * directory, its child slot, the child, the child's published node, the
 * directory entry. Walked one path at a time, those misses are paid one
 * after the other; and between commits the writer trie's upper levels
 * (megabytes for a full table) fall out of the cache. Before the
 * walk enters the subtree of a node two levels above the directory,
 * commit_warm() asks for the lines of its dirty paths level by level, as
 * lpm_warm() does for staging: their misses overlap, and the walk finds
 * them cached (a commit of 1,000-10,000 random changes takes a fifth to a
 * third less time). It reads and changes nothing else.
 */
#define LPM_CWARM 128 /* directory-level children warmed per subtree */

/*
 * @x (prefix @xpfx, one level above the directory): ask for the directory
 * entries the walk will visit and the child slots it will read, and add
 * those slots to @slot (*@m of LPM_CWARM so far).
 */
static void warm_slots(const struct bctx *c, const struct wnode *x, uint32_t xpfx,
		       struct wnode *const **slot, unsigned *m)
{
	uint64_t v;

	__builtin_prefetch(wn_ph(x));
	for (v = x->rmask | (x->dmask & x->cmap); v; v &= v - 1) {
		unsigned j = (unsigned)__builtin_ctzll(v);
		uint32_t e = (xpfx << LPM_STRIDE) | j;

		__builtin_prefetch(c->nr->dir[e >> LPM_P_BITS] + (e & (LPM_PAGE_SLOTS - 1)));
		if (!((x->cmap >> j) & 1) || *m == LPM_CWARM)
			continue;
		slot[*m] = &x->kids[wn_below(x, j)];
		__builtin_prefetch(slot[(*m)++]);
	}
}

/* The subtree of @w (prefix @pfx, two levels above the directory); see above. */
static void commit_warm(const struct bctx *c, const struct wnode *w, uint32_t pfx)
{
	const struct wnode *mid[64];
	struct wnode *const *slot[LPM_CWARM];
	uint32_t mpfx[64];
	unsigned n = 0, m = 0, i;
	uint64_t v;

	for (v = w->dmask & w->cmap; v; v &= v - 1) {
		unsigned j = (unsigned)__builtin_ctzll(v);

		mid[n] = wn_kid(w, j);
		mpfx[n] = (pfx << LPM_STRIDE) | j;
		prefetch_node(mid[n++]);
	}
	for (i = 0; i < n; i++)
		warm_slots(c, mid[i], mpfx[i], slot, &m);
	for (i = 0; i < m; i++)
		prefetch_node(*slot[i]);
	for (i = 0; i < m; i++) {
		/* What the walk reads to build the child: prefixes, published node. */
		const struct wnode *k = *slot[i];
		const uint8_t *p = c->pool->base + LPM_OFF(k->ref);

		if (k->pv)
			__builtin_prefetch(wn_ph(k));
		if (k->ref & 1)
			continue;
		__builtin_prefetch(p);
		__builtin_prefetch(p + 64);
	}
	/* GCC drops calls of a function that only reads and prefetches: this
	 * empty asm is an effect it must keep. */
	__asm__ volatile("" ::: "memory");
}

/*
 * The value @w passes down to its slot @j, where @kid (NULL: unknown) is a
 * directory-level child. A child's last build recorded what it inherited,
 * and @w's last commit visited every slot whose value changed; so while
 * neither @w's prefixes over j (rmask) nor what @w inherits changed since,
 * that record is the value, without a search of @w's prefixes (a random
 * change's commit made one per directory-level child it visited).
 * commit_top() asks slot by slot only when what @w inherits is unchanged;
 * the last test restates that.
 */
static uint32_t slot_inh(const struct bctx *c, const struct wnode *w, const struct wnode *kid,
			 unsigned j, uint32_t inh)
{
	if (!c->full && kid && kid->ref && !((w->rmask >> j) & 1) && w->inh == inh)
		return kid->inh;
	return wn_slot_value(w, j, inh);
}

/*
 * Above the directory (@d < LPM_S): visit the children that are dirty or
 * whose inherited value may have changed (@all: every one), down to the
 * directory entries. Returns whether @w is left empty.
 */
static bool commit_top(struct bctx *c, struct wnode *w, unsigned d, uint32_t inh, bool all,
		       uint32_t pfx)
{
	struct slot_cur cur = {~0u, NULL};
	uint32_t val[128];
	uint64_t visit, dead = 0;
	unsigned j;
	bool few;

	if (!w) {
		if (all)
			fill(c, d, pfx, LPM_LEAF(inh));
		return true;
	}
	if (d + 2 * LPM_STRIDE == LPM_S && !c->full)
		commit_warm(c, w, pfx);
	/*
	 * Children that became empty are still there until apply(): dmask is
	 * exact. A full build moves every node to a new pool, so it visits every
	 * child; a region without one keeps its leaves (they name values, not
	 * pool offsets) unless its inherited value may have changed.
	 */
	visit = all ? ~0ull : w->rmask | (w->dmask & w->cmap) | (c->full ? w->cmap : 0);
	/* A commit usually visits one slot here: leaf-push only when many. */
	few = pop64(visit) <= 4;
	if (!few)
		wn_push(w, inh, val);
	for (; visit && !c->err; visit &= visit - 1) {
		struct wnode *kid;
		uint32_t cpfx, cinh;
		bool e;

		j = (unsigned)__builtin_ctzll(visit);
		kid = wn_kid(w, j);
		cpfx = (pfx << LPM_STRIDE) | j;
		cinh = few ? slot_inh(c, w, d + LPM_STRIDE == LPM_S ? kid : NULL, j, inh)
			   : val[64 | j];
		if (d + LPM_STRIDE == LPM_S) {
			uint32_t ref = build(c, kid, LPM_S, cinh, &e);

			if (!c->err)
				set_slot(c, &cur, cpfx, ref);
		} else {
			bool sub = all || ((w->rmask >> j) & 1);

			/* A clean child that inherits what it did: its region is as it was. */
			if (sub && kid && !kid->dirty && kid->inh == cinh)
				sub = false;
			e = commit_top(c, kid, d + LPM_STRIDE, cinh, sub, cpfx);
		}
		if (kid && e)
			dead |= 1ull << j;
	}
	if (c->err)
		return false;
	log_w(c, w, 0, inh, 0);
	if (w != c->t->top && !w->np && dead == w->cmap)
		return true;
	log_dead(c, w, dead);
	return false;
}

/* Pages this commit copied that came out uniform are shared instead. */
static void dir_finish(struct bctx *c)
{
	uint32_t k, i;

	for (k = 0; k < c->t->npgl && !c->err; k++) {
		uint32_t g = c->t->pgl[k];
		const uint32_t *pg = c->nr->dir[g];

		if (!pg_new(c, g) || !(pg[0] & 1))
			continue;
		for (i = 1; i < LPM_PAGE_SLOTS && pg[i] == pg[0]; i++)
			;
		if (i == LPM_PAGE_SLOTS)
			set_page_leaf(c, g, pg[0]);
	}
}

static void retire_ptr(struct bctx *c, const void *p, unsigned kind)
{
	uintptr_t *e = vec_add(&c->gptr, sizeof(*e));

	c->big |= kind == LPM_O_FREE;
	if (!e)
		bc_nomem(c);
	else
		*e = (uintptr_t)p | kind;
}

/* Whether shared pages are still used by the new root (the other ones die). */
static void upage_gc(struct bctx *c)
{
	struct lpm *t = c->t;
	uint32_t i, g;

	for (i = 0; i < t->nup; i++)
		t->up[i].dead = true;
	for (g = 0; g < LPM_NPAGE; g++) {
		struct upage *u = ufind(t, (uintptr_t)c->nr->dir[g]);

		if (u)
			u->dead = false;
	}
	for (i = 0; i < t->nup; i++)
		if (t->up[i].dead && !t->up[i].fresh)
			retire_ptr(c, t->up[i].pg, LPM_O_FREE);
}

/* The page the new root no longer has at entry @g (own, not shared), or NULL. */
static uint32_t *page_replaced(const struct bctx *c, uint32_t g)
{
	uint32_t *o = c->old->dir[g];

	return o != c->nr->dir[g] && !page_shared(c->t, o) ? o : NULL;
}

/*
 * Everything the old root has and the new one does not. A replaced page
 * becomes its entry's spare once published (apply()) if the entry has none;
 * else the spare, older, so sooner past its grace period, is kept.
 */
static void collect(struct bctx *c, const uint32_t *npub)
{
	struct lpm *t = c->t;
	uint32_t k;

	retire_ptr(c, c->old, LPM_O_ROOT);
	for (k = 0; k < t->npgl; k++) {
		uint32_t g = t->pgl[k], *o = page_replaced(c, g);

		if (o && t->spare[g].pg)
			retire_ptr(c, o, LPM_O_PAGE);
	}
	/* Shared pages die rarely: look for them now and then, not every commit. */
	if (c->full || (t->nup > 1 && !(t->commits % 64)))
		upage_gc(c);
	if (c->pool->base != c->old->pool)
		retire_ptr(c, c->old->pool, LPM_O_FREE);
	if (npub != t->v.pub)
		retire_ptr(c, t->v.pub, LPM_O_FREE);
}

static struct lpm_batch *batch_new(struct bctx *c)
{
	size_t sz = sizeof(struct lpm_batch) + c->gptr.n * sizeof(void *) + c->gblk.n * 8;
	struct lpm_batch *b = lpm_malloc(sz);

	if (!b) {
		bc_nomem(c);
		return NULL;
	}
	memset(b, 0, sizeof(*b));
	b->state = LPM_B_PENDING;
	b->gen = c->pool->gen;
	b->seq = c->t->commits;
	b->nptr = c->gptr.n;
	b->nblk = c->gblk.n;
	b->ptr = (uintptr_t *)(b + 1);
	b->blk = (uint32_t *)(b->ptr + b->nptr);
	if (b->nptr)
		memcpy(b->ptr, c->gptr.a, b->nptr * sizeof(uintptr_t));
	if (b->nblk)
		memcpy(b->blk, c->gblk.a, (size_t)b->nblk * 8);
	return b;
}

/* The logs start empty, with the capacity of earlier commits (no allocation per
 * commit). */
static void bctx_init(struct bctx *c, struct lpm *t)
{
	memset(c, 0, sizeof(*c));
	c->t = t;
	c->wlog = t->keep[0];
	c->dlog = t->keep[1];
	c->nblk = t->keep[2];
	c->gblk = t->keep[3];
	c->gptr = t->keep[4];
	c->wlog.n = c->dlog.n = c->nblk.n = c->gblk.n = c->gptr.n = 0;
}

/*
 * Commit logs are kept for the next commit: grown afresh each time, a log of
 * a few thousand changes costs its reallocations and, past malloc's mmap
 * threshold, a page fault per 4 KiB (a tenth of a random commit's time).
 * What a full build needed (an entry per node of the table) is not kept.
 */
#define LPM_KEEP_MAX 65536u

static void keep_vec(struct lpm_vec *keep, struct lpm_vec *v)
{
	if (v->cap > LPM_KEEP_MAX) {
		free(v->a);
		memset(v, 0, sizeof(*v));
	}
	*keep = *v;
}

static void bctx_fini(struct bctx *c)
{
	keep_vec(&c->t->keep[0], &c->wlog);
	keep_vec(&c->t->keep[1], &c->dlog);
	keep_vec(&c->t->keep[2], &c->nblk);
	keep_vec(&c->t->keep[3], &c->gblk);
	keep_vec(&c->t->keep[4], &c->gptr);
}

/*
 * The root entries this commit set: their pages are published (@drop
 * false), or the commit failed and its copies go back to the cache.
 */
static void dir_done(struct bctx *c, bool drop)
{
	struct lpm *t = c->t;
	uint32_t k;

	for (k = 0; k < t->npgl; k++) {
		uint32_t g = t->pgl[k];

		if (drop && pg_new(c, g))
			obj_put(t, LPM_O_PAGE, c->nr->dir[g]);
		bit_put(t->pgnew, g, false);
		bit_put(t->pgset, g, false);
	}
	t->npgl = 0;
}

/* Undo a failed commit: the published root and the writer trie never changed.
 */
static void rollback(struct bctx *c, uint32_t *npub)
{
	struct lpm *t = c->t;
	struct lpm_pool *p = c->pool;
	uint32_t i, j;

	dir_done(c, true);
	for (i = j = 0; i < t->nup; i++) {
		t->up[i].dead = false;
		if (t->up[i].fresh) {
			free(t->up[i].pg);
		} else {
			t->up[j++] = t->up[i];
		}
	}
	t->nup = j;
	uindex(t, 0); /* no growth: cannot fail */
	obj_put(t, LPM_O_ROOT, c->nr);
	if (npub && npub != t->v.pub)
		free(npub);
	if (c->full) {
		if (p)
			pool_free(p, true);
	} else {
		const uint32_t *e = c->nblk.a;

		/* Blocks taken from free lists go back (their lists had room). */
		for (i = 0; i < c->nblk.n; i++)
			if (e[2 * i] < c->used0) {
				p->fl[e[2 * i + 1]][p->fln[e[2 * i + 1]]++] = e[2 * i];
				p->freew += e[2 * i + 1];
			}
		p->used = c->used0;
		if (p->base != c->base0) {
			free(p->base);
			p->base = c->base0;
			p->cap = c->cap0;
		}
	}
	bctx_fini(c);
}

/* The writer trie takes what the build decided. Cannot fail. */
static void apply(struct bctx *c)
{
	const struct wlog *wl = c->wlog.a;
	const struct dlog *dl = c->dlog.a;
	uint32_t i, j;

	for (i = 0; i < c->wlog.n; i++) {
		wl[i].w->ref = wl[i].ref;
		wl[i].w->inh = wl[i].inh;
		wl[i].w->words = (uint8_t)wl[i].words;
		wl[i].w->dirty = false;
		wl[i].w->rmask = 0;
		wl[i].w->dmask = 0;
	}
	for (i = 0; i < c->dlog.n; i++) {
		uint64_t dead = dl[i].dead;

		for (; dead; dead &= dead - 1) {
			unsigned s = (unsigned)__builtin_ctzll(dead);
			struct wnode *kid = wn_kid(dl[i].w, s);

			wn_del_kid(dl[i].w, s);
			wn_free(kid);
		}
	}
	/* Copies are published now; the pages they replace are spares. */
	for (i = 0; i < c->t->npgl; i++) {
		uint32_t g = c->t->pgl[i], *o = page_replaced(c, g);

		if (o && !c->t->spare[g].pg)
			c->t->spare[g] = (struct lpm_spare){o, c->t->commits};
	}
	dir_done(c, false);
	/* Shared pages the new root does not use: retired by collect(), or never
	 * published. */
	for (i = j = 0; i < c->t->nup; i++) {
		struct upage u = c->t->up[i];

		if (u.dead && u.fresh)
			free(u.pg);
		if (!u.dead) {
			u.fresh = false;
			c->t->up[j++] = u;
		}
	}
	if (j != c->t->nup) {
		c->t->nup = j;
		uindex(c->t, 0); /* no growth: cannot fail */
	}
}

/* A full build when it is cheaper or needed: first, big batch, leaf width,
 * fragmentation. */
static bool want_full(const struct lpm *t, bool wide)
{
	const struct lpm_pool *p = t->pool;

	return !t->built || wide != t->wide || t->changes > t->count / 8 ||
	       (p->used > (1u << 16) && p->freew > p->used / 2);
}

/* Give @b (the newest batch) to call_rcu if it is time to. */
static void lpm_flush(struct lpm *t, struct lpm_batch *b, bool big)
{
	uint64_t now = lpm_now();

	if (!big && ++t->held < LPM_HOLD && now - t->flush_ns < LPM_HOLD_NS)
		return;
	b->flushed = true;
	t->held = 0;
	t->flush_ns = now;
	__atomic_store_n(&b->state, LPM_B_PENDING, __ATOMIC_RELEASE);
	urcu_memb_call_rcu(&b->head, batch_cb);
}

static int lpm_commit_(struct lpm *t)
{
	struct lpm_root * or = t->root;
	struct lpm_batch *b = NULL;
	uint32_t *npub = NULL, npubcap = 0;
	struct bctx c;

	lpm_reclaim(t);
	if (!t->changes)
		return 0;
	bctx_init(&c, t);
	c.old = or ;
	c.wide = t->wide || t->v.n > LPM_NARROW_MAX;
	c.full = want_full(t, c.wide);
	c.nr = root_next(t, or);
	if (!c.nr) {
		bctx_fini(&c);
		return -ENOMEM;
	}
	if (c.full) {
		size_t est = t->pool->live + t->pool->live / 4 + 3 * t->count + 1024;

		c.pool = pool_new(est, t->pool->gen + 1);
		if (!c.pool)
			bc_nomem(&c);
	} else {
		c.pool = t->pool;
		c.base0 = c.pool->base;
		c.cap0 = c.pool->cap;
		c.used0 = c.pool->used;
	}
	if (!c.err && vals_prepare(&t->v, &npub, &npubcap))
		bc_nomem(&c);
	if (!c.err)
		commit_top(&c, t->top, 0, LPM_NONE, false, 0);
	if (!c.err)
		dir_finish(&c);
	if (!c.err)
		collect(&c, npub);
	if (!c.err)
		b = batch_new(&c);
	if (c.err) {
		int err = c.err;

		rollback(&c, npub);
		return err;
	}
	/* Point of no return. */
	apply(&c);
	vals_published(&t->v, npub, npubcap);
	if (c.full) {
		pool_free(t->pool, false); /* its buffer is in the batch */
		t->pool = c.pool;
		t->pool->live = c.live;
	} else {
		t->pool->live += c.live - c.retired;
	}
	root_head(c.nr, t->pool->base, t->v.pub, c.wide);
	__atomic_store_n(&t->root, c.nr, __ATOMIC_RELEASE);
	*t->btail = b;
	t->btail = &b->next;
	lpm_flush(t, b, c.big);
	t->wide = c.wide;
	t->built = true;
	t->commits++;
	t->full_builds += c.full;
	t->changes = 0;
	t->pub_count = t->count;
	bctx_fini(&c);
	return 0;
}

static void lpm_stats_(const struct lpm *t, struct lpm_stats *s)
{
	const struct lpm_root *r = t->root;
	unsigned g, kind;

	memset(s, 0, sizeof(*s));
	s->prefixes = t->pub_count;
	s->values = t->v.mn;
	s->node_bytes = t->pool->live * 4;
	s->page_bytes = (size_t)t->nup * LPM_PAGE_SLOTS * 4;
	for (g = 0; g < LPM_NPAGE; g++)
		if (!page_shared(t, r->dir[g]))
			s->page_bytes += LPM_PAGE_SLOTS * 4;
	s->value_bytes = (size_t)t->v.pubcap * 4;
	s->pool_bytes = (size_t)t->pool->cap * 4;
	s->commits = t->commits;
	s->full_builds = t->full_builds;
	s->copy_lines = t->copy_lines;
	s->page_copies = t->page_copies;
	s->spare_copies = t->spare_copies;
	for (kind = LPM_O_FREE + 1; kind < LPM_O_KINDS; kind++)
		s->recycled_bytes += t->cache[kind].n * lpm_obj_size[kind];
	s->wide = t->wide;
}

/* Bytes of the published reader structure. */
static size_t lpm_mem_(const struct lpm *t)
{
	struct lpm_stats s;

	lpm_stats_(t, &s);
	return sizeof(struct lpm_root) + s.node_bytes + s.page_bytes + s.value_bytes;
}
#endif /* LPM_ENGINE */

#endif
