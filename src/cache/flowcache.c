// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The flow route cache (fm_cache_*): the kernel's old IPv4 route cache idea,
 * made safe to leave on.
 *
 * - One cache per thread, owned by the caller: a hit reads the mirror's
 *   generation word (shared, but written only on changes) and otherwise
 *   touches memory no other thread writes.
 * - Fixed size: 8-way sets, a power of two of them, each set's tags in one
 *   cache line. A flow takes an empty way at once; once its set is full it
 *   is kept only on its second miss in a while (admit(): the first leaves
 *   its tag among the set's ghosts), so flows seen once, the bulk of a
 *   random or long-tailed mix, cost no entry and evict nothing. A kept flow
 *   replaces, by the clock (second chance) rule, an entry that has not been
 *   hit since the hand last passed. Nothing ever
 *   grows, so a flood of new flows costs a tag store, never memory.
 * - Keyed hash: the flow key (eight 64-bit words) goes through an NH hash
 *   (sum of products of key words plus secret words, as in UMAC) with a
 *   secret drawn per cache from the process's keyed hash, the 128-bit sum
 *   folded in half. Whoever chooses flows without the secret cannot
 *   aim them at one set, and a set holds at most 8 entries anyway.
 * - Validity: an entry records the family's generation read before its
 *   lookup (cache.h); it answers only while that generation is current, and
 *   only before the expiry of any route with a lifetime the answer depended
 *   on (IPv6 routes learnt from router advertisements, `expires`).
 * - Adaptive bypass: per window of WINDOW lookups, fewer than LOW_HITS hits
 *   (a stream of new flows) switch the cache off; then one lookup in SAMPLE
 *   still goes through it, and a window of samples with a quarter of them
 *   hits switches it back on. Bypassed lookups cost a counter and a branch
 *   more than fm_route_get().
 *
 * Counters follow the kernel's rt_cache_stat (in/out hit and slow path,
 * searches) plus evictions, stale entries met, bypass figures and the
 * mirror's invalidations. They are written only by the owner, with relaxed
 * atomic stores, so fm_cache_stats() may read them from any thread.
 *
 * Thread context: a cache is used by one thread at a time; the registry
 * (cache_reg) serialises creation, freeing and fm_mirror_cache_stats().
 */
#include "cache.h"

#include "mirror.h"
#include "rib/rib.h"
#include "util/hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define WAYS	    8
#define GHOSTS	    6 /* what is left of the set's line */
#define DEF_ENTRIES 4096
#define MIN_ENTRIES 64
#define MAX_ENTRIES (1u << 24)
#define WINDOW	    4096	      /* lookups per judgement of the hit rate */
#define LOW_HITS    (WINDOW / 8)      /* fewer hits in a window: bypass */
#define SAMPLE	    32		      /* bypassing: one lookup in SAMPLE uses the cache */
#define SAMPLE_WIN  (WINDOW / SAMPLE) /* samples per judgement */
#define RESUME_HITS (SAMPLE_WIN / 4)  /* sampled hits that end the bypass */
#define HEAD	    offsetof(struct fm_result, hops)

__extension__ typedef unsigned __int128 u128;

struct fc_key {
	uint64_t w[8];
};

struct fc_entry {
	struct fc_key key;
	uint64_t gen;
	uint32_t deadline; /* rib_expiry units, 0 = none */
	int32_t rc;
	struct fm_hop *more; /* hops[1..nhops) of a multipath answer, malloc'd */
	unsigned char head[HEAD] __attribute__((aligned(8)));
	struct fm_hop hop0;
} __attribute__((aligned(64))); /* four whole lines */

struct fc_set {
	uint32_t tag[WAYS];	/* 0: empty way */
	uint32_t ghost[GHOSTS]; /* tags of flows missed once, not kept (yet) */
	uint8_t ref;		/* bit w: way w was hit since the hand passed it */
	uint8_t hand, gnext;
} __attribute__((aligned(64))); /* one line: a probe reads one */

struct fm_cache {
	struct fm_mirror *m; /* NULL once detached from a freed mirror */
	struct fm_gens *gens;
	struct cache_reg *reg;
	struct ilist link; /* in reg->open */
	struct fc_set *sets;
	struct fc_entry *ent;
	uint32_t mask; /* sets - 1 */
	bool no_bypass, bypass;
	uint64_t win_start, win_hits; /* lookups and hits when the window began */
	uint32_t tick;
	uint64_t secret[8];
	struct fm_cache_stats st;
};

/* The owner counts; fm_cache_stats() may read at the same time. */
#define STAT_ADD(c, f, v) __atomic_store_n(&(c)->st.f, (c)->st.f + (v), __ATOMIC_RELAXED)

/* Every field of the flow the lookup may read, padding left out. */
static void key_of(const struct fm_flow *f, struct fc_key *k)
{
	memcpy(&k->w[0], f->dst.b, 16);
	memcpy(&k->w[2], f->src.b, 16);
	k->w[4] = (uint32_t)f->iif | (uint64_t)(uint32_t)f->oif << 32;
	k->w[5] = f->mark | (uint64_t)f->uid << 32;
	k->w[6] = f->sport | (uint64_t)f->dport << 16 | (uint64_t)f->flowlabel << 32;
	k->w[7] = f->family | (uint64_t)f->tos << 8 | (uint64_t)f->ip_proto << 16 |
		  (uint64_t)f->flags << 24 | (uint64_t)f->dst.family << 32 |
		  (uint64_t)f->src.family << 40;
}

static uint64_t key_hash(const struct fm_cache *c, const struct fc_key *k)
{
	u128 acc = 0;
	uint64_t h;
	int i;

	for (i = 0; i < 8; i += 2)
		acc += (u128)(k->w[i] + c->secret[i]) * (k->w[i + 1] + c->secret[i + 1]);
	/* The high half depends on every key bit; the low half's low bits
	 * only on the key's low bits. */
	h = (uint64_t)acc ^ (uint64_t)(acc >> 64);
	return h ^ h >> 29;
}

static bool key_eq(const struct fc_key *a, const struct fc_key *b)
{
	uint64_t d = 0;
	int i;

	for (i = 0; i < 8; i++)
		d |= a->w[i] ^ b->w[i];
	return !d;
}

static bool alive(const struct fc_entry *e, uint64_t gen)
{
	return e->gen == gen && (!e->deadline || rib_expiry_left(e->deadline));
}

static void copy_out(const struct fc_entry *e, struct fm_result *ret)
{
	uint16_t n;

	memcpy(ret, e->head, HEAD);
	n = ret->nhops;
	if (n)
		ret->hops[0] = e->hop0;
	if (n > 1)
		memcpy(&ret->hops[1], e->more, (n - 1) * sizeof(ret->hops[0]));
}

/* Keep @res in @e; false (the way stays empty) without memory for its hops. */
static bool fill(struct fc_entry *e, const struct fc_key *k, uint64_t gen, uint32_t deadline,
		 int rc, const struct fm_result *res)
{
	size_t more = rc == 0 && res->nhops > 1 ? res->nhops - 1u : 0;

	free(e->more);
	e->more = NULL;
	if (more && !(e->more = malloc(more * sizeof(*e->more))))
		return false;
	e->key = *k;
	e->gen = gen;
	e->deadline = deadline;
	e->rc = rc;
	if (rc) {
		memset(e->head, 0, HEAD); /* nhops 0: an error copies nothing */
		return true;
	}
	memcpy(e->head, res, HEAD);
	e->hop0 = res->hops[0];
	if (more)
		memcpy(e->more, &res->hops[1], more * sizeof(*e->more));
	return true;
}

static int empty_way(const struct fc_set *s)
{
	int w;

	for (w = 0; w < WAYS; w++)
		if (!s->tag[w])
			return w;
	return -1;
}

/* The way a kept flow takes from a full set @s: the clock's choice (which
 * does not read the entry: its line is cold). */
static int victim(struct fm_cache *c, struct fc_set *s)
{
	int w;

	for (;;) {
		w = s->hand;
		s->hand = (uint8_t)((w + 1) % WAYS);
		if (!(s->ref & (1u << w)))
			break;
		s->ref &= (uint8_t) ~(1u << w);
	}
	STAT_ADD(c, evictions, 1);
	return w;
}

/* In a full set, a flow is kept on its second miss in a while: the first
 * only leaves its tag among the set's ghosts. Flows seen once (most of a
 * random or a long-tailed mix) then cost a tag store, not a cold entry
 * written, and do not push out the entries that hit. */
static bool admit(struct fc_set *s, uint32_t tag)
{
	int i;

	for (i = 0; i < GHOSTS; i++) {
		if (s->ghost[i] == tag) {
			s->ghost[i] = 0;
			return true;
		}
	}
	s->ghost[s->gnext] = tag;
	s->gnext = (uint8_t)((s->gnext + 1) % GHOSTS);
	return false;
}

/* A hit or a slow-path answer, on the input or the output path. */
static void count(struct fm_cache *c, const struct fm_flow *fl, bool hit)
{
	if (fl->iif > 0) {
		if (hit)
			STAT_ADD(c, in_hit, 1);
		else
			STAT_ADD(c, in_slow, 1);
	} else if (hit) {
		STAT_ADD(c, out_hit, 1);
	} else {
		STAT_ADD(c, out_slow, 1);
	}
}

static uint64_t hits(const struct fm_cache *c)
{
	return c->st.in_hit + c->st.out_hit;
}

/*
 * The hit rate of a window of lookups through the cache switches the bypass
 * on or off. Judged on misses (a window without any needs no bypass) and on
 * every sampled lookup while bypassing, so a hit costs a counter only.
 */
static void judge(struct fm_cache *c)
{
	uint64_t h = hits(c), n = h + c->st.in_slow + c->st.out_slow - c->win_start;

	if (n < (c->bypass ? SAMPLE_WIN : WINDOW))
		return;
	h -= c->win_hits;
	if (!c->bypass && !c->no_bypass && h < LOW_HITS) {
		c->bypass = true;
		STAT_ADD(c, bypass_on, 1);
	} else if (c->bypass && h >= RESUME_HITS) {
		c->bypass = false;
	}
	c->win_hits = hits(c);
	c->win_start = c->win_hits + c->st.in_slow + c->st.out_slow;
}

/* Out of line, so that a bypassed lookup does not pay for its frame. */
__attribute__((noinline)) static int cached_get(struct fm_cache *c, const struct fm_flow *fl,
						struct fm_result *ret)
{
	struct fc_key k;
	uint64_t h, gen;
	uint32_t tag, deadline = 0;
	struct fc_set *s;
	struct fc_entry *e;
	int w, way = -1, rc;

	key_of(fl, &k);
	h = key_hash(c, &k);
	s = &c->sets[h & c->mask];
	tag = (uint32_t)(h >> 32) | 1;
	gen = gens_load(c->gens, fl->family);
	for (w = 0; w < WAYS; w++) {
		if (s->tag[w] != tag)
			continue;
		e = &c->ent[(h & c->mask) * WAYS + (size_t)w];
		if (!key_eq(&e->key, &k)) {
			STAT_ADD(c, searches, 1); /* a hit's one compare is counted as a hit */
			continue;
		}
		if (alive(e, gen)) {
			s->ref |= (uint8_t)(1u << w);
			copy_out(e, ret);
			count(c, fl, true);
			if (c->bypass)
				judge(c);
			return e->rc;
		}
		STAT_ADD(c, searches, 1);
		STAT_ADD(c, stale, 1);
		way = w;
		break;
	}
	rc = mirror_route_get(c->m, fl, ret, &deadline);
	count(c, fl, false);
	judge(c);
	if (way < 0 && (way = empty_way(s)) < 0) {
		if (!admit(s, tag))
			return rc;
		way = victim(c, s);
	}
	e = &c->ent[(h & c->mask) * WAYS + (size_t)way];
	s->tag[way] = fill(e, &k, gen, deadline, rc, ret) ? tag : 0;
	s->ref &= (uint8_t) ~(1u << way); /* a new entry earns its second chance */
	return rc;
}

int fm_cache_route_get(struct fm_cache *c, const struct fm_flow *fl, struct fm_result *ret)
{
	if (!c || !fl || !ret)
		return -EINVAL;
	if (!c->m)
		return -ESHUTDOWN;
	if (fl->family != AF_INET && fl->family != AF_INET6)
		return fm_route_get(c->m, fl, ret); /* its -EINVAL */
	if (c->bypass && ++c->tick % SAMPLE) {
		STAT_ADD(c, bypassed, 1);
		return fm_route_get(c->m, fl, ret);
	}
	return cached_get(c, fl, ret);
}

/* ------------------------------------------------------------ lifetime */

static uint32_t capacity(const struct fm_cache_opts *o)
{
	uint32_t want =
	    o && o->sz >= offsetof(struct fm_cache_opts, no_bypass) + sizeof(bool) && o->entries
		? o->entries
		: DEF_ENTRIES;
	uint32_t n = MIN_ENTRIES;

	while (n < want && n < MAX_ENTRIES)
		n <<= 1;
	return n;
}

int fm_cache_new(struct fm_mirror *m, const struct fm_cache_opts *o, struct fm_cache **ret)
{
	struct fm_cache *c;
	uint32_t n = capacity(o);
	int i;

	if (!m || !ret || (o && o->sz < sizeof(size_t)))
		return -EINVAL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->sets = aligned_alloc(64, (size_t)n / WAYS * sizeof(*c->sets));
	c->ent = aligned_alloc(64, (size_t)n * sizeof(*c->ent));
	if (!c->sets || !c->ent) {
		free(c->sets);
		free(c->ent);
		free(c);
		return -ENOMEM;
	}
	memset(c->sets, 0, (size_t)n / WAYS * sizeof(*c->sets));
	memset(c->ent, 0, (size_t)n * sizeof(*c->ent));
	c->mask = n / WAYS - 1;
	c->no_bypass =
	    o && o->sz >= offsetof(struct fm_cache_opts, no_bypass) + sizeof(bool) && o->no_bypass;
	/* Secret words from the process's keyed hash: as secret as its key. */
	for (i = 0; i < 8; i++)
		c->secret[i] = fm_hash_u64((uintptr_t)c ^ (uint64_t)i << 56);
	c->st.entries = n;
	c->m = m;
	c->gens = mirror_gens(m);
	gens_hold(c->gens);
	c->reg = mirror_caches(m);
	pthread_mutex_lock(&c->reg->lock);
	ilist_add_tail(&c->reg->open, &c->link);
	pthread_mutex_unlock(&c->reg->lock);
	*ret = c;
	return 0;
}

#define NSTATS (sizeof(struct fm_cache_stats) / sizeof(uint64_t))
_Static_assert(sizeof(struct fm_cache_stats) % sizeof(uint64_t) == 0, "counters are all u64");

/* @to += @from, field by field (all counters are uint64_t). */
static void stats_add(struct fm_cache_stats *to, const struct fm_cache_stats *from)
{
	uint64_t *t = (uint64_t *)to;
	const uint64_t *f = (const uint64_t *)from;
	size_t i;

	for (i = 0; i < NSTATS; i++)
		t[i] += __atomic_load_n(&f[i], __ATOMIC_RELAXED);
}

void fm_cache_free(struct fm_cache *c)
{
	uint32_t i;

	if (!c)
		return;
	if (c->m) {
		pthread_mutex_lock(&c->reg->lock);
		ilist_del(&c->link);
		stats_add(&c->reg->closed, &c->st);
		c->reg->closed.entries -= c->st.entries; /* capacity counts open caches */
		pthread_mutex_unlock(&c->reg->lock);
	}
	for (i = 0; i <= c->mask * WAYS + WAYS - 1; i++)
		free(c->ent[i].more);
	gens_put(c->gens);
	free(c->sets);
	free(c->ent);
	free(c);
}

void fm_cache_stats(const struct fm_cache *c, struct fm_cache_stats *ret)
{
	if (!ret)
		return;
	memset(ret, 0, sizeof(*ret));
	if (!c)
		return;
	stats_add(ret, &c->st);
	ret->searches += ret->in_hit + ret->out_hit;
	ret->invalidations = __atomic_load_n(&c->gens->bumps, __ATOMIC_RELAXED);
	ret->caches = 1;
}

void fm_mirror_cache_stats(struct fm_mirror *m, struct fm_cache_stats *ret)
{
	struct cache_reg *r;
	struct ilist *p;

	if (!ret)
		return;
	memset(ret, 0, sizeof(*ret));
	if (!m)
		return;
	r = mirror_caches(m);
	pthread_mutex_lock(&r->lock);
	stats_add(ret, &r->closed);
	for (p = r->open.next; p != &r->open; p = p->next) {
		stats_add(ret, &container_of(p, struct fm_cache, link)->st);
		ret->caches++;
	}
	pthread_mutex_unlock(&r->lock);
	ret->searches += ret->in_hit + ret->out_hit;
	ret->invalidations = __atomic_load_n(&mirror_gens(m)->bumps, __ATOMIC_RELAXED);
}

void cache_reg_init(struct cache_reg *r)
{
	pthread_mutex_init(&r->lock, NULL);
	ilist_init(&r->open);
	memset(&r->closed, 0, sizeof(r->closed));
}

void cache_reg_fini(struct cache_reg *r)
{
	struct ilist *p, *t;

	ilist_for_each_safe (p, t, &r->open) {
		struct fm_cache *c = container_of(p, struct fm_cache, link);

		ilist_del(p);
		__atomic_store_n(&c->m, NULL, __ATOMIC_RELAXED);
	}
	pthread_mutex_destroy(&r->lock);
}
