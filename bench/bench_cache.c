// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: bench_cache - the flow cache (fm_cache_route_get) and route handles
 * (fm_handle_valid, fm_handle_refresh) against plain fm_route_get() and the
 * kernel's RTM_GETROUTE, over the real IPv4 and IPv6 full views.
 *
 * Setup (root): bench.h's full-view namespace, as bench_get makes it (902k
 * IPv4 and 160k IPv6 prefixes via 300 gateways per family round-robin;
 * --v4 N / --v6 N load fewer, --netns NAME measures an existing namespace,
 * --keep keeps ours), and a live mirror of it (fm_mirror_open with netns).
 *
 * Flows: an in-table destination (a loaded prefix picked uniformly, random
 * host bits), UDP, random source and destination ports, nothing else: plain
 * output-path flows, as a socket or a tunnel end would ask. Flow number r of
 * a stream is a function of (seed, stream, r) alone, so "the same flow" is
 * the same key wherever it appears. All from one fixed seed (printed; --seed).
 *
 * Streams, per family:
 *  "hit":     --hot flows (1024), a working set that fits the default cache
 *             (4096 entries in 8-way sets, about a quarter full). The cache
 *             is filled by one pass and the cross-check's (a flow is kept
 *             on its second miss), then timed lookups are hits.
 *  "zipf":    --queries lookups (1M) of --flows distinct flows (1M), flow
 *             rank r drawn with probability proportional to 1/r^s (--zipf,
 *             1.0): a few flows very hot, a long tail seen once. With caches
 *             of 4096 (the default) and 65536 entries. The header prints the
 *             share of the lookups that go to the 4096 (65536) hottest flows:
 *             what an ideal cache of that size could hit at best.
 *  "uniform": --queries flows, every one new (a flow number never repeats),
 *             which no cache can help: it measures what the cache costs
 *             when it cannot work. With default options (the adaptive
 *             bypass should switch the cache off, target: within 10% of
 *             fm_route_get) and with no_bypass (every lookup probes and
 *             inserts: what the bypass saves).
 *
 * Measured in this one process, for each stream and cache configuration:
 *  (a) uncached: fm_route_get() over the stream, passes until MIN_TIME has
 *      elapsed at the end of a whole pass (or MAX_TIME in any case), the
 *      clock read every CLOCK_EVERY lookups; mean ns per lookup;
 *  (b) cached: a new cache per configuration (fm_cache_new), warmed by the
 *      cross-check pass below (and for "hit" by one pass first), then timed
 *      the same way with fm_cache_route_get(); hit rate, bypassed share and
 *      bypass switches from fm_cache_stats() taken around the timed passes
 *      only; ratio uncached/cached (above 1: the cache is faster). (a) and
 *      the configurations of (b) take turns, --rounds (3) times, and each
 *      figure is its best round: on a shared machine a neighbour's burst
 *      then spoils a round, not a ratio;
 *  (c) the same "hit" and "zipf" (4096) runs in two threads at once, each
 *      with its own cache (the cache is per thread): summed lookups per s;
 *  (d) handles: fm_handle_new() for each "hit" flow; fm_handle_valid() over
 *      all of them in a loop (ns per check), fm_handle_refresh() of a valid
 *      handle (ns per call), and, once extra rules have been added, the
 *      refresh of the handles taken before (each now invalid: a lookup
 *      again, and 0 = decision unchanged, as the rules never match);
 *  (e) the kernel: RTM_GETROUTE for the destinations of the first KERNEL_N
 *      "uniform" flows, one at a time (bench_get's request: RTA_DST,
 *      RTM_F_LOOKUP_TABLE), ns per query, and its ratio to each row;
 *  all of it with 0, 10 and 100 extra rules in both families, "fwmark N
 *  lookup 1000+N pref 100+N" (as bench_get): none matches, every uncached
 *  lookup walks past them. A rule change invalidates every cache entry and
 *  handle of the family; the mirror is left to publish its FIB before the
 *  measurements (settle()), and the stats' "invalidations" of every timed
 *  run are reported, since one in the middle would turn hits into misses.
 *
 * Cross-check: the first CHECK_N lookups of every stream and configuration
 * (wrapping around the "hit" working set, so those are all hits) are asked
 * both ways, fm_route_get() then fm_cache_route_get(), into results filled
 * with the same byte pattern first: the return values must be equal and, on
 * success, the head of the results (up to offsetof(hops)) and their nhops
 * hops byte for byte. Handle results (fm_handle_result), fresh and after a
 * refresh, are compared the same way. Disagreements are counted, the first
 * SHOW_DIFFS of a run described on stderr; the count should be 0 (exit 3
 * otherwise).
 *
 * Output: a table per rule count, or with --json one object per line
 * ({"impl":"fibmirror-cache"|"fibmirror"|"fibmirror-handle"|"kernel",
 * "family","stream","rules","threads","ns_per_lookup",...}) and a summary
 * object ("bench":"cache").
 */
#define FM_BENCH_NETLINK
#define FM_BENCH_FULLVIEW
#include "bench.h"
#include "fibmirror.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define CHECK_N	    4000  /* lookups per run compared cached against uncached */
#define KERNEL_N    20000 /* RTM_GETROUTE queries per family and rule count */
#define MIN_TIME    0.3	  /* seconds: timed passes repeat until this much */
#define MAX_TIME    5.0	  /* seconds: ... but stop there, even within a pass */
#define CLOCK_EVERY 1024  /* lookups between clock reads: the read costs ~25 ns */
#define CHECK_REPS  64	  /* passes over the handles between clock reads */
#define SHOW_DIFFS  5	  /* disagreements described on stderr per run */
#define BIG_CACHE   65536
#define DEF_SEED    0x5eedcac3ULL
#define DEF_FLOWS   1000000L
#define DEF_QUERIES 1000000L
#define DEF_HOT	    1024L
#define DEF_ZIPF_S  1.0
#define DEF_ROUNDS  3

/* Salts that keep the flow numbers of the streams apart. */
enum { SALT_HOT = 1, SALT_ZIPF = 2, SALT_UNIFORM = 3 };

struct fstream {
	int family;
	const char *name;
	struct fm_flow *fl;
	long n;
};

/* One line of output. Fields that do not apply are negative (or NULL). */
struct row {
	const char *impl, *stream;
	int family, rules, threads;
	long entries; /* cache capacity, -1: no cache */
	bool no_bypass;
	long flows; /* the stream's length (handles: their number) */
	double ns, uncached_ns, kernel_ns;
	double hit_rate, bypassed;
	long bypass_on, evictions, invalidations;
	long bad; /* cross-check disagreements, -1: none made */
};

static bool json;
static int rounds = DEF_ROUNDS;
static uint64_t seed = DEF_SEED;
static long total_bad;

/* -------------------------------------------------------------- flows */

/* Flow number @r of stream @salt of @s's family: a function of them and the seed only. */
static void make_flow(const struct pfxset *s, int salt, long r, struct fm_flow *fl)
{
	uint64_t st = seed ^ ((uint64_t)salt << 56) ^ ((uint64_t)s->family << 48) ^
		      ((uint64_t)r * 0xd1b54a32d192ed03ULL);
	uint64_t ports;

	memset(fl, 0, sizeof(*fl));
	fl->family = (uint8_t)s->family;
	fl->ip_proto = IPPROTO_UDP;
	in_table_addr(&st, s, &fl->dst);
	ports = bench_rnd(&st);
	fl->sport = (uint16_t)(1024 + ports % 64512); /* an ephemeral-looking port */
	fl->dport = (uint16_t)(ports >> 32);
}

static void make_numbered(struct fstream *st, const struct pfxset *s, const char *name, int salt,
			  long n)
{
	long i;

	*st = (struct fstream){.family = s->family, .name = name, .n = n};
	st->fl = xcalloc((size_t)n, sizeof(*st->fl));
	for (i = 0; i < n; i++)
		make_flow(s, salt, i, &st->fl[i]);
}

/*
 * The Zipf stream: @n lookups of flow ranks drawn from @cdf (@nflows ranks,
 * cumulative probabilities) with a sequence of its own. *@distinct gets the
 * number of distinct flows it holds.
 */
static void make_zipf(struct fstream *st, const struct pfxset *s, const double *cdf, long nflows,
		      long n, long *distinct)
{
	uint64_t rs = seed ^ 0x21bf ^ (uint64_t)s->family, *seen;
	long i;

	*st = (struct fstream){.family = s->family, .name = "zipf", .n = n};
	st->fl = xcalloc((size_t)n, sizeof(*st->fl));
	seen = xcalloc((size_t)(nflows + 63) / 64, sizeof(*seen));
	*distinct = 0;
	for (i = 0; i < n; i++) {
		double u = (double)(bench_rnd(&rs) >> 11) * 0x1p-53;
		long lo = 0, hi = nflows - 1;

		while (lo < hi) { /* the first rank whose cumulative share reaches u */
			long mid = lo + (hi - lo) / 2;

			if (cdf[mid] < u)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (!(seen[lo / 64] & (1ULL << (lo % 64)))) {
			seen[lo / 64] |= 1ULL << (lo % 64);
			++*distinct;
		}
		make_flow(s, SALT_ZIPF, lo, &st->fl[i]);
	}
	free(seen);
}

/* Cumulative Zipf probabilities of ranks 1..@n with exponent @s. */
static double *zipf_cdf(long n, double s)
{
	double *cdf = xcalloc((size_t)n, sizeof(*cdf)), sum = 0;
	long i;

	for (i = 0; i < n; i++)
		cdf[i] = sum += pow((double)(i + 1), -s);
	for (i = 0; i < n; i++)
		cdf[i] /= sum;
	cdf[n - 1] = 1.0; /* no draw may fall past the end through rounding */
	return cdf;
}

/* ------------------------------------------------------------ checking */

static const char *ipstr(const struct fm_ip *ip, char *buf)
{
	return ip->family ? fm_ip_format(ip, buf, 48) : "-";
}

/*
 * Whether @rb (returned @rcb) says what @ra (returned @rca) says: the same
 * return value and, on success, the same head and hops byte for byte. Else
 * the first differing byte offset goes to *@off (-1: the return values).
 */
static bool same_result(int rca, const struct fm_result *ra, int rcb, const struct fm_result *rb,
			long *off)
{
	size_t head = offsetof(struct fm_result, hops), i, end;

	*off = -1;
	if (rca != rcb)
		return false;
	if (rca)
		return true;
	end = head + (ra->nhops <= FM_RESULT_MAX_HOPS ? ra->nhops : FM_RESULT_MAX_HOPS) *
			 sizeof(ra->hops[0]);
	for (i = 0; i < end; i++)
		if (((const uint8_t *)ra)[i] != ((const uint8_t *)rb)[i]) {
			*off = (long)i;
			return false;
		}
	return true;
}

static void show_diff(const char *what, const struct fstream *st, int rules, long k, int rca,
		      const struct fm_result *ra, int rcb, const struct fm_result *rb, long off)
{
	char d[48], ga[48], gb[48];
	const struct fm_flow *fl = &st->fl[k % st->n];

	fprintf(stderr,
		"bench_cache: disagreement (IPv%d %s %s, %d rules, lookup %ld) %s sport %u "
		"dport %u: fm_route_get rc %d oif %d gw %s, %s rc %d oif %d gw %s, first "
		"differing byte %ld\n",
		st->family == AF_INET ? 4 : 6, st->name, what, rules, k, ipstr(&fl->dst, d),
		fl->sport, fl->dport, rca, rca ? 0 : ra->oif, rca ? "-" : ipstr(&ra->gw, ga), what,
		rcb, rcb ? 0 : rb->oif, rcb ? "-" : ipstr(&rb->gw, gb), off);
}

/*
 * The first CHECK_N lookups of @st (wrapping around a shorter stream) asked
 * uncached, then through @c. Both results are filled with one pattern
 * first, so a byte the cache leaves unwritten where fm_route_get writes
 * shows as a difference. Untimed; it is also the cache's warm-up.
 */
static long check_cache(struct fm_mirror *m, struct fm_cache *c, const struct fstream *st,
			int rules, const char *what)
{
	static struct fm_result ra, rb;
	long k, bad = 0, off;
	int rca, rcb;

	for (k = 0; k < CHECK_N; k++) {
		const struct fm_flow *fl = &st->fl[k % st->n];

		memset(&ra, 0xa5, sizeof(ra));
		memset(&rb, 0xa5, sizeof(rb));
		rca = fm_route_get(m, fl, &ra);
		rcb = fm_cache_route_get(c, fl, &rb);
		if (same_result(rca, &ra, rcb, &rb, &off))
			continue;
		if (bad++ < SHOW_DIFFS)
			show_diff(what, st, rules, k, rca, &ra, rcb, &rb, off);
	}
	total_bad += bad;
	return bad;
}

/* What the @n handles @h hold against fm_route_get of their flows @st->fl[0..n). */
static long check_handles(struct fm_mirror *m, struct fm_handle **h, const struct fstream *st,
			  long n, int rules, const char *what)
{
	static struct fm_result ra;
	const struct fm_result *rb;
	long i, bad = 0, off;
	int rca, rcb;

	for (i = 0; i < n; i++) {
		memset(&ra, 0xa5, sizeof(ra));
		rca = fm_route_get(m, &st->fl[i], &ra);
		rcb = fm_handle_result(h[i], &rb);
		if (same_result(rca, &ra, rcb, rb, &off))
			continue;
		if (bad++ < SHOW_DIFFS)
			show_diff(what, st, rules, i, rca, &ra, rcb, rb, off);
	}
	total_bad += bad;
	return bad;
}

/* ------------------------------------------------------------- timing */

/*
 * Lookups over @st from its start, wrapping around, through @c (NULL:
 * fm_route_get), until MIN_TIME has elapsed at the end of a whole pass, or
 * MAX_TIME in any case. The two loops are apart so neither pays for a test
 * of the other. Return ns per lookup; *@timed is the number of lookups.
 */
static double time_stream(struct fm_mirror *m, struct fm_cache *c, const struct fstream *st,
			  long *timed)
{
	struct fm_result res;
	long i = 0, end, done = 0;
	double t0 = now(), t;
	int rc, sink = 0;

	for (;;) {
		end = i + CLOCK_EVERY < st->n ? i + CLOCK_EVERY : st->n;
		done += end - i;
		if (c)
			for (; i < end; i++) {
				rc = fm_cache_route_get(c, &st->fl[i], &res);
				sink += rc ? rc : res.oif;
			}
		else
			for (; i < end; i++) {
				rc = fm_route_get(m, &st->fl[i], &res);
				sink += rc ? rc : res.oif;
			}
		t = now() - t0;
		if (bench_timed_enough(&i, st->n, t, MIN_TIME, MAX_TIME))
			break;
	}
	if (sink == 1) /* keeps the results live; never true (oifs are > 1 here) */
		fputc(' ', stderr);
	*timed = done;
	return t * 1e9 / (double)done;
}

/* The counters of @c that a timed run reads, as deltas of two snapshots. */
static void stats_delta(struct row *r, const struct fm_cache_stats *a,
			const struct fm_cache_stats *b, long timed)
{
	r->hit_rate = (double)(b->out_hit - a->out_hit + b->in_hit - a->in_hit) / (double)timed;
	r->bypassed = (double)(b->bypassed - a->bypassed) / (double)timed;
	r->bypass_on = (long)(b->bypass_on - a->bypass_on);
	r->evictions = (long)(b->evictions - a->evictions);
	r->invalidations = (long)(b->invalidations - a->invalidations);
	if (r->invalidations)
		fprintf(stderr,
			"bench_cache: IPv%d %s: %ld invalidations during the timed lookups "
			"(the mirror changed): its hit rate is not the cache's\n",
			r->family == AF_INET ? 4 : 6, r->stream, r->invalidations);
}

/* The counters stats_delta() reads, of @x added to @sum. */
static void stats_add(struct fm_cache_stats *sum, const struct fm_cache_stats *x)
{
	sum->in_hit += x->in_hit;
	sum->out_hit += x->out_hit;
	sum->bypassed += x->bypassed;
	sum->bypass_on += x->bypass_on;
	sum->evictions += x->evictions;
	sum->invalidations += x->invalidations;
}

/* One cache configuration under measurement, over the rounds. */
struct cfg_run {
	struct fm_cache *c;
	struct row r;
	struct fm_cache_stats a, b; /* the counters before and after each timed run, summed */
	long timed;
};

/*
 * A new cache for @x (capacity @entries, @no_bypass), filled by one pass
 * over @st when @fill, then warmed and checked by check_cache().
 */
static int cache_open(struct fm_mirror *m, const struct fstream *st, uint32_t entries,
		      bool no_bypass, bool fill, struct cfg_run *x)
{
	struct fm_cache_opts o = {.sz = sizeof(o), .entries = entries, .no_bypass = no_bypass};
	struct fm_result res;
	long i;
	int rc = fm_cache_new(m, &o, &x->c);

	if (rc) {
		fprintf(stderr, "bench_cache: fm_cache_new: %s\n", strerror(-rc));
		return rc;
	}
	for (i = 0; fill && i < st->n; i++)
		fm_cache_route_get(x->c, &st->fl[i], &res);
	x->r.no_bypass = no_bypass;
	x->r.bad = check_cache(m, x->c, st, x->r.rules, no_bypass ? "cache(no_bypass)" : "cache");
	return 0;
}

/* One timed run of @x's cache over @st: the best time so far, the counters added up. */
static void cache_round(struct fm_mirror *m, const struct fstream *st, struct cfg_run *x)
{
	struct fm_cache_stats a, b;
	double ns;
	long timed;

	fm_cache_stats(x->c, &a);
	ns = time_stream(m, x->c, st, &timed);
	fm_cache_stats(x->c, &b);
	if (ns < x->r.ns)
		x->r.ns = ns;
	stats_add(&x->a, &a);
	stats_add(&x->b, &b);
	x->r.entries = (long)b.entries;
	x->timed += timed;
}

/* Two threads, each with a cache of its own over the same stream. */
struct thr {
	pthread_t t;
	struct fm_mirror *m;
	const struct fstream *st;
	pthread_barrier_t *go;
	bool fill;
	int rc;
	struct cfg_run x;
};

static void *thr_main(void *arg)
{
	struct thr *t = arg;
	struct fm_result res;
	long i;
	int k;

	t->rc = fm_cache_new(t->m, NULL, &t->x.c);
	/* Warm as cache_open() does (its check pass reads CHECK_N flows), untimed:
	 * check_cache() itself is for one thread. */
	for (i = 0; !t->rc && i < (t->fill ? t->st->n : 0) + CHECK_N; i++)
		fm_cache_route_get(t->x.c, &t->st->fl[i % t->st->n], &res);
	for (k = 0; k < rounds; k++) {
		pthread_barrier_wait(t->go); /* both time the same seconds */
		if (!t->rc)
			cache_round(t->m, t->st, &t->x);
	}
	fm_cache_free(t->x.c);
	return NULL;
}

/* Default caches in two threads at once, --rounds times; *@r gets the mean
 * of the two threads' best ns per lookup and their summed counters. */
static int run_two(struct fm_mirror *m, const struct fstream *st, bool fill, struct row *r)
{
	struct fm_cache_stats a = {0}, b = {0};
	pthread_barrier_t go;
	struct thr t[2];
	long timed = 0;
	int i, rc = 0;

	pthread_barrier_init(&go, NULL, 2);
	for (i = 0; i < 2; i++) {
		t[i] = (struct thr){.m = m, .st = st, .go = &go, .fill = fill};
		t[i].x.r.ns = HUGE_VAL;
		if (pthread_create(&t[i].t, NULL, thr_main, &t[i])) {
			fprintf(stderr, "bench_cache: pthread_create failed\n");
			exit(1);
		}
	}
	r->ns = 0;
	for (i = 0; i < 2; i++) {
		pthread_join(t[i].t, NULL);
		rc = rc ? rc : t[i].rc;
		r->ns += t[i].x.r.ns / 2;
		timed += t[i].x.timed;
		stats_add(&a, &t[i].x.a);
		stats_add(&b, &t[i].x.b);
		r->entries = t[i].x.r.entries;
	}
	pthread_barrier_destroy(&go);
	if (!rc)
		stats_delta(r, &a, &b, timed);
	return rc;
}

/* fm_handle_valid() over @n handles, CHECK_REPS passes between clock reads,
 * for MIN_TIME. Return ns per check; *@valid counts the true answers of the
 * last pass. */
static double time_valid(struct fm_handle **h, long n, long *valid)
{
	long i, rep, done = 0, v = 0;
	double t0 = now(), t;

	do {
		for (rep = 0; rep < CHECK_REPS; rep++) {
			v = 0;
			for (i = 0; i < n; i++)
				v += fm_handle_valid(h[i]);
		}
		done += CHECK_REPS * n;
		t = now() - t0;
	} while (t < MIN_TIME);
	*valid = v;
	return t * 1e9 / (double)done;
}

/* fm_handle_refresh() of @n valid handles, in passes. Return ns per call;
 * *@changed counts the calls that did not return 0 (should be none). */
static double time_refresh(struct fm_handle **h, long n, long *changed)
{
	long i, done = 0, ch = 0;
	double t0 = now(), t;

	do {
		for (i = 0; i < n; i++)
			ch += fm_handle_refresh(h[i]) != 0;
		done += n;
		t = now() - t0;
	} while (t < MIN_TIME);
	*changed = ch;
	return t * 1e9 / (double)done;
}

/* RTM_GETROUTE for the destinations of the first KERNEL_N flows of @st. Return ns per query. */
static double time_kernel(struct kq *q, const struct fstream *st)
{
	long i, n = st->n < KERNEL_N ? st->n : KERNEL_N;
	struct answer a;
	double t0 = now();

	for (i = 0; i < n; i++)
		if (kq_get(q, &st->fl[i].dst, 0, &a) == -EIO) {
			fprintf(stderr, "bench_cache: netlink request failed: %s\n",
				strerror(errno));
			exit(1);
		}
	return (now() - t0) * 1e9 / (double)n;
}

/*
 * Let the mirror take in what the kernel has told it and publish its FIB.
 * Until it has, lookups on this (the writer's) thread take the general path
 * (microseconds, not nanoseconds), and the publication itself moves the
 * generations, which would invalidate the caches in the middle of a timed
 * run. Done when nothing is due and a last look at the socket applies
 * nothing new (a fresh namespace still announces IPv6 link-local addresses
 * for a second or two); bounded: a mirror that is never quiet stops at 10 s.
 */
static void settle(struct fm_mirror *m)
{
	double t0 = now();
	int due;

	while (now() - t0 < 10) {
		due = fm_mirror_timeout(m);
		if (due >= 0)
			fm_mirror_process(m, due < 100 ? due : 100);
		else if (fm_mirror_process(m, 0) <= 0)
			return;
	}
	fprintf(stderr, "bench_cache: the mirror did not settle in 10 s; measuring anyway\n");
}

/* ------------------------------------------------------------- output */

static void print_header(int rules)
{
	if (json)
		return;
	printf("\n%d extra rules (fwmark, never matching)\n", rules);
	printf("%-4s %-20s %-11s %8s %3s | %8s | %8s %10s %7s | %6s %6s %5s | %9s | %5s\n", "fam",
	       "stream", "cache", "flows", "thr", "uncached", "ns", "lookups/s", "unc/ns", "hit%",
	       "byp%", "byp_on", "kernel/ns", "check");
}

static void print_row(const struct row *r)
{
	int fam = r->family == AF_INET ? 4 : 6;
	char cache[32] = "-", unc[32] = "", ratio[32] = "", hit[32] = "", byp[32] = "", on[32] = "",
	     kern[32] = "", chk[32] = "";

	if (json) {
		printf("{\"impl\":\"%s\",\"family\":%d,\"stream\":\"%s\",\"rules\":%d,"
		       "\"threads\":%d,\"flows\":%ld,\"ns_per_lookup\":%.2f,"
		       "\"lookups_per_s\":%.0f",
		       r->impl, fam, r->stream, r->rules, r->threads, r->flows, r->ns,
		       r->threads * 1e9 / r->ns);
		if (r->entries >= 0)
			printf(",\"entries\":%ld,\"no_bypass\":%s,\"hit_rate\":%.4f,"
			       "\"bypassed\":%.4f,\"bypass_on\":%ld,\"evictions\":%ld,"
			       "\"invalidations\":%ld",
			       r->entries, r->no_bypass ? "true" : "false", r->hit_rate,
			       r->bypassed, r->bypass_on, r->evictions, r->invalidations);
		if (r->uncached_ns > 0)
			printf(",\"uncached_ns\":%.2f,\"ratio\":%.3f,\"overhead\":%.3f",
			       r->uncached_ns, r->uncached_ns / r->ns, r->ns / r->uncached_ns - 1);
		if (r->kernel_ns > 0 && strcmp(r->impl, "kernel"))
			printf(",\"kernel_ratio\":%.1f", r->kernel_ns / r->ns);
		if (r->bad >= 0)
			printf(",\"disagreements\":%ld", r->bad);
		printf("}\n");
		fflush(stdout);
		return;
	}
	if (r->entries >= 0)
		snprintf(cache, sizeof(cache), "%ld%s", r->entries, r->no_bypass ? " nobyp" : "");
	if (r->uncached_ns > 0) {
		snprintf(unc, sizeof(unc), "%.1f", r->uncached_ns);
		snprintf(ratio, sizeof(ratio), "%.2fx", r->uncached_ns / r->ns);
	}
	if (r->entries >= 0) {
		snprintf(hit, sizeof(hit), "%.1f", 100 * r->hit_rate);
		snprintf(byp, sizeof(byp), "%.1f", 100 * r->bypassed);
		snprintf(on, sizeof(on), "%ld", r->bypass_on);
	}
	if (r->kernel_ns > 0 && strcmp(r->impl, "kernel"))
		snprintf(kern, sizeof(kern), "%.0fx", r->kernel_ns / r->ns);
	if (r->bad >= 0)
		snprintf(chk, sizeof(chk), "%ld", r->bad);
	printf("IPv%d %-20s %-11s %8ld %3d | %8s | %8.2f %10.3g %7s | %6s %6s %5s | %9s | %5s\n",
	       fam, r->stream, strcmp(r->impl, "kernel") ? cache : "RTM_GET", r->flows, r->threads,
	       unc, r->ns, r->threads * 1e9 / r->ns, ratio, hit, byp, on, kern, chk);
	fflush(stdout);
}

/* ------------------------------------------------------------ per family */

struct family_run {
	const struct pfxset *s;
	struct fstream hot, zipf, uniform;
	struct fm_handle **h; /* handles of the hot flows, from the previous rule count */
};

static struct row row_of(const char *impl, const struct fstream *st, int rules, double kernel_ns)
{
	return (struct row){.impl = impl,
			    .stream = st->name,
			    .family = st->family,
			    .rules = rules,
			    .threads = 1,
			    .entries = -1,
			    .flows = st->n,
			    .uncached_ns = -1,
			    .kernel_ns = kernel_ns,
			    .bad = -1};
}

/*
 * fm_route_get and each of the @ncfg cache configurations (@entries[i],
 * @no_bypass[i]) over @st, in turn, --rounds times: each figure is its best
 * round, so a neighbour's burst of work spoils one round, not a ratio. Then
 * (@two) default caches in two threads. @fill: each cache is filled by a
 * pass over the whole stream first.
 */
static int run_stream(struct fm_mirror *m, const struct fstream *st, int rules, double kns,
		      const uint32_t *entries, const bool *no_bypass, int ncfg, bool fill, bool two)
{
	struct row u = row_of("fibmirror", st, rules, kns), r;
	struct cfg_run x[2];
	struct fm_result res;
	double ns;
	long timed;
	int i, k;

	for (i = 0; i < ncfg && i < 2; i++) {
		x[i] = (struct cfg_run){.r = row_of("fibmirror-cache", st, rules, kns)};
		x[i].r.ns = HUGE_VAL;
		if (cache_open(m, st, entries[i], no_bypass[i], fill, &x[i]))
			return -1;
	}
	/* Warm-up of the uncached lookups over the first CHECK_N flows, untimed. */
	for (k = 0; k < CHECK_N; k++)
		fm_route_get(m, &st->fl[k % st->n], &res);
	u.ns = HUGE_VAL;
	for (k = 0; k < rounds; k++) {
		ns = time_stream(m, NULL, st, &timed);
		u.ns = ns < u.ns ? ns : u.ns;
		for (i = 0; i < ncfg && i < 2; i++)
			cache_round(m, st, &x[i]);
	}
	print_row(&u);
	for (i = 0; i < ncfg && i < 2; i++) {
		x[i].r.uncached_ns = u.ns;
		stats_delta(&x[i].r, &x[i].a, &x[i].b, x[i].timed);
		fm_cache_free(x[i].c);
		print_row(&x[i].r);
	}
	if (!two)
		return 0;
	r = row_of("fibmirror-cache", st, rules, kns);
	r.uncached_ns = u.ns;
	r.threads = 2;
	if (run_two(m, st, fill, &r))
		return -1;
	print_row(&r);
	return 0;
}

static int run_handles(struct fm_mirror *m, struct family_run *f, int rules, double kns)
{
	const struct fstream *st = &f->hot;
	struct row r = row_of("fibmirror-handle", st, rules, kns);
	long i, valid = 0, changed = 0, stale = 0, failed = 0;
	double t0, ns;
	int k, rc;

	if (f->h) {
		/* The handles of the previous rule count: the rules added since made
		 * every one of them invalid; a refresh looks each up again. */
		for (i = 0; i < st->n; i++)
			stale += !fm_handle_valid(f->h[i]);
		changed = 0;
		t0 = now();
		for (i = 0; i < st->n; i++) {
			rc = fm_handle_refresh(f->h[i]);
			changed += rc == 1;
			failed += rc < 0;
		}
		r.ns = (now() - t0) * 1e9 / (double)st->n;
		r.stream = "handle-refresh-stale";
		r.bad = check_handles(m, f->h, st, st->n, rules, "handle(refreshed)");
		if (!json)
			printf("IPv%d handles taken before the rules: %ld of %ld invalid; refresh: "
			       "%ld changed, %ld failed\n",
			       st->family == AF_INET ? 4 : 6, stale, st->n, changed, failed);
		print_row(&r);
		for (i = 0; i < st->n; i++)
			fm_handle_free(f->h[i]);
		free(f->h);
	}
	f->h = xcalloc((size_t)st->n, sizeof(*f->h));
	for (i = 0; i < st->n; i++) {
		rc = fm_handle_new(m, &st->fl[i], &f->h[i]);
		if (rc) {
			fprintf(stderr, "bench_cache: fm_handle_new: %s\n", strerror(-rc));
			return -1;
		}
	}
	r.bad = check_handles(m, f->h, st, st->n, rules, "handle");
	r.stream = "handle-check";
	for (k = 0, r.ns = HUGE_VAL; k < rounds; k++) {
		ns = time_valid(f->h, st->n, &valid);
		r.ns = ns < r.ns ? ns : r.ns;
	}
	if (valid != st->n)
		fprintf(stderr,
			"bench_cache: %ld of %ld fresh handles valid (the mirror changed?)\n",
			valid, st->n);
	print_row(&r);
	r.bad = -1;
	r.stream = "handle-refresh";
	for (k = 0, r.ns = HUGE_VAL; k < rounds; k++) {
		ns = time_refresh(f->h, st->n, &changed);
		r.ns = ns < r.ns ? ns : r.ns;
	}
	if (changed)
		fprintf(stderr, "bench_cache: %ld refreshes of valid handles returned non-zero\n",
			changed);
	print_row(&r);
	return 0;
}

static int run_family(struct fm_mirror *m, struct kq *q, struct family_run *f, int rules)
{
	static const uint32_t hit_e[] = {0}, zipf_e[] = {0, BIG_CACHE}, uni_e[] = {0, 0};
	static const bool hit_nb[] = {false}, zipf_nb[] = {false, false}, uni_nb[] = {false, true};
	struct row k = row_of("kernel", &f->uniform, rules, -1);

	k.stream = "in-table";
	k.flows = f->uniform.n < KERNEL_N ? f->uniform.n : KERNEL_N;
	k.ns = k.kernel_ns = time_kernel(q, &f->uniform);
	print_row(&k);
	if (run_stream(m, &f->hot, rules, k.ns, hit_e, hit_nb, 1, true, true) ||
	    run_stream(m, &f->zipf, rules, k.ns, zipf_e, zipf_nb, 2, false, true) ||
	    run_stream(m, &f->uniform, rules, k.ns, uni_e, uni_nb, 2, false, false))
		return -1;
	return run_handles(m, f, rules, k.ns);
}

static int usage(void)
{
	fprintf(stderr,
		"Usage: bench_cache [--v4 N] [--v6 N] [--netns NAME] [--keep] [--seed S]\n"
		"                   [--flows N] [--queries N] [--hot N] [--zipf S] [--rounds N]\n"
		"                   [--json]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const int rule_counts[] = {0, 10, 100};
	struct family_run fam[2] = {{0}};
	long nflows = DEF_FLOWS, nq = DEF_QUERIES, nhot = DEF_HOT, distinct[2] = {0};
	double load4, load6, open_s, zipf_s = DEF_ZIPF_S, *cdf;
	char cpu[128], kernel[128];
	struct fm_cache_stats tot;
	struct pfxset s4, s6;
	struct fm_mirror *m;
	struct fm_stats fst;
	int i, r, nfam = 0, ncpu, rc;
	struct kq *q;

	fv.prog = "bench_cache";
	for (i = 1; i < argc; i++) {
		if (fv_option(argc, argv, &i))
			continue;
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--flows") && i + 1 < argc)
			nflows = atol(argv[++i]);
		else if (!strcmp(argv[i], "--queries") && i + 1 < argc)
			nq = atol(argv[++i]);
		else if (!strcmp(argv[i], "--hot") && i + 1 < argc)
			nhot = atol(argv[++i]);
		else if (!strcmp(argv[i], "--zipf") && i + 1 < argc)
			zipf_s = atof(argv[++i]);
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else
			return usage();
	}
	if (nflows <= 0 || nq <= 0 || nhot <= 0 || zipf_s < 0 || rounds <= 0)
		return usage();
	rc = fv_prepare(&s4, &s6, &load4, &load6);
	if (rc)
		return rc;

	/* The flows first: they depend on the seed and the loaded prefixes only. */
	cdf = zipf_cdf(nflows, zipf_s);
	for (i = 0; i < 2; i++) {
		const struct pfxset *s = i ? &s6 : &s4;
		struct family_run *f = &fam[nfam];

		if (!s->nsel)
			continue;
		f->s = s;
		make_numbered(&f->hot, s, "hit", SALT_HOT, nhot);
		make_zipf(&f->zipf, s, cdf, nflows, nq, &distinct[nfam]);
		make_numbered(&f->uniform, s, "uniform", SALT_UNIFORM, nq);
		nfam++;
	}

	m = fv_open(&open_s);
	fm_mirror_stats(m, &fst);
	q = xcalloc(1, sizeof(*q));
	if (kq_open(q))
		return 1;
	settle(m);

	bench_machine(cpu, sizeof(cpu), &ncpu, kernel, sizeof(kernel));
	if (!json) {
		printf("%s, %d CPUs, %s; fibmirror %s\n", cpu, ncpu, kernel, fm_version());
		fv_describe(&s4, &s6, load4, load6, open_s, &fst);
		printf("seed 0x%llx; flows: UDP, in-table destination, random ports.\n"
		       "hit: %ld flows, filled once. zipf: %ld lookups over %ld flows, s = %.2f; "
		       "the 4096 (65536) hottest flows take %.1f%% (%.1f%%) of the lookups.\n"
		       "uniform: %ld flows, all different. A figure is the best of %d rounds "
		       "(a stream's\nconfigurations take turns), each of passes for >= %.1f s. "
		       "check: cached/uncached\ndisagreements in the first %d lookups.\n",
		       (unsigned long long)seed, nhot, nq, nflows, zipf_s,
		       100 * cdf[(nflows < 4096 ? nflows : 4096) - 1],
		       100 * cdf[(nflows < BIG_CACHE ? nflows : BIG_CACHE) - 1], nq, rounds,
		       MIN_TIME, CHECK_N);
		for (i = 0; i < nfam; i++)
			printf("IPv%d zipf stream: %ld distinct flows\n",
			       fam[i].s->family == AF_INET ? 4 : 6, distinct[i]);
	}

	for (r = 0; r < 3; r++) {
		int rules = rule_counts[r];

		if (rules) {
			if (add_rules(m, rules))
				return 1;
			settle(m);
		}
		print_header(rules);
		for (i = 0; i < nfam; i++)
			if (run_family(m, q, &fam[i], rules))
				return 1;
	}

	fm_mirror_cache_stats(m, &tot);
	if (json)
		printf("{\"bench\":\"cache\",\"netns\":\"%s\",\"v4_prefixes\":%ld,"
		       "\"v6_prefixes\":%ld,\"seed\":%llu,\"flows\":%ld,\"queries\":%ld,"
		       "\"hot\":%ld,\"zipf_s\":%.2f,\"rounds\":%d,\"routes\":%llu,\"open_s\":%.3f,"
		       "\"load4_s\":%.3f,\"load6_s\":%.3f,\"cpu\":\"%s\",\"ncpu\":%d,"
		       "\"caches_open\":%llu,\"disagreements\":%ld}\n",
		       fv.ns, s4.nsel, s6.nsel, (unsigned long long)seed, nflows, nq, nhot, zipf_s,
		       rounds, (unsigned long long)fst.routes, open_s, load4, load6, cpu, ncpu,
		       (unsigned long long)tot.caches, total_bad);
	else
		printf("\nall caches: %llu out hits, %llu out misses, %llu bypassed, %llu "
		       "invalidations, %llu open now\n"
		       "disagreements cached/uncached: %ld\n",
		       (unsigned long long)tot.out_hit, (unsigned long long)tot.out_slow,
		       (unsigned long long)tot.bypassed, (unsigned long long)tot.invalidations,
		       (unsigned long long)tot.caches, total_bad);
	for (i = 0; i < nfam; i++)
		for (r = 0; fam[i].h && r < fam[i].hot.n; r++)
			fm_handle_free(fam[i].h[r]);
	fm_mirror_free(m);
	mnl_socket_close(q->nl);
	return total_bad ? 3 : 0;
}
