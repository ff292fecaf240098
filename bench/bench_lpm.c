// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: fibmirror-bench lpm - the project's longest-prefix match
 * (src/fib/lpm.h) side by side with DPDK's: rte_fib (DIR24_8, 4-byte next
 * hops) and rte_lpm for IPv4, rte_fib6 (TRIE, 4-byte next hops) for IPv6.
 * One process, the same tables, the same query streams, the same next hops.
 *
 * Tables: the real full views (FM_SOURCE_DIR/../shared/data/
 * ipv4-fullview-901899.txt.xz and ipv6-fullview-160147.txt.xz, read with
 * `xz -dc`; next to the build tree as a fallback), or --table FILE (one CIDR
 * per line, plain or .xz; host bits are cleared, duplicates dropped), or
 * --synthetic N: N distinct random prefixes whose lengths follow the
 * histogram of the real table (of --table FILE if given; the histogram
 * printed in shared/data/README.md, built in here, when no file is at hand),
 * IPv6 ones inside 2000::/3 as every real one is. Prefix i (in sorted order)
 * maps to next hop 1 + i % --next-hops (256): round robin, so neighbours
 * rarely share a next hop (the worst case for leaf compression). 0 is the
 * miss value everywhere (LPM_NONE, and DPDK's default_nh).
 *
 * Build: every prefix inserted into an empty, already created table, then
 * lpm_commit() (DPDK has no commit). Timed once. Memory, per prefix:
 * fibmirror's lpm_mem_bytes() (the published reader structure) against
 * DPDK's lookup structure computed from the configuration passed: a 2^24
 * entry first level of 4 bytes (64 MiB) plus the preallocated pool of
 * 256-entry groups of 4 bytes ("tbl8"), sized to what the table and the
 * update streams need plus a quarter (sizing(); for rte_fib6, whose trie
 * reserves more than that, fit_pool() searches; --dpdk-tbl8 imposes one).
 * What DPDK's heap
 * actually handed out for the table (rte_malloc socket stats before and
 * after create: the above, the RIB node pool, the rule table) is printed
 * too as "reserved".
 *
 * Query streams (--queries N, 2^22, fixed seed): "uniform" (uniformly random
 * IPv4 addresses, about 29% of which miss the full view; for IPv6, uniform
 * in 2000::/3, which is still nearly all misses that end at the first
 * level), "in-table" (a prefix of the table picked uniformly, random host
 * bits). Each is run with batch 1 (one single lookup call per address in a
 * loop: lpm_lookup(), rte_lpm_lookup(), and for rte_fib/rte_fib6, which have
 * no single-address call, the bulk call on 1 address) and with batch 8 and
 * 32 (the bulk call on 8 or 32 consecutive addresses), and as a dependent
 * "chain": the address looked up is the stream's next one with its lowest
 * bit flipped by the previous answer's lowest bit, so no lookup can start
 * before the previous one has finished: latency, not throughput. Every
 * figure is the best of --reps passes over the stream; the implementations
 * take turns pass by pass, so a noisy neighbour hurts them alike. Last, the
 * floor under a chain: a random pointer chase over as many bytes as each
 * implementation's lookup structure (chase_ns()), and the same chase over
 * fixed sizes, a ladder of this machine's cache levels (ladder_row()).
 * fibmirror's lookups run inside one rcu_read_lock() per pass (per batch in
 * the update test below); DPDK needs none. The answers of each measurement's
 * last pass are compared with the reference's (rte_fib, rte_fib6) and
 * disagreements counted.
 *
 * Updates: --readers (2) threads, registered with urcu memb, look up the
 * in-table stream 32 addresses at a time (fibmirror inside rcu_read_lock)
 * while this thread applies a stream of changes. The bar is a rate
 * of changes applied with the readers running and the share of their quiet
 * throughput they keep, so each implementation is measured twice on each
 * stream: flat out (the writer never waits: the most changes/s it can apply
 * with the readers running) and paced at --update-rate (1,000,000)
 * changes/s, the same pace for all (change i arrives at i / rate s into
 * the window; a writer that falls behind does not wait, and the rate it
 * achieves is printed). Commit policy, the one a FIB fed by a routing
 * daemon would use and the same writer loop for every implementation: a
 * commit publishes what is staged once the oldest staged change has waited
 * --commit-us (1000 us), or --burst changes are staged (0, the default: no
 * cap). Paced, the writer sleeps until then, stages every change that has
 * arrived and commits (DPDK, without commits, applies them in place at the
 * same points); flat out, the backlog is staged as the writer gets to it.
 * Changes are staged STAGE_MAX at a time, through the implementation's bulk
 * call where it has one (fibmirror's lpm*_stage_bulk), else one by one.
 * The publication latency this implies (arrival to visible: the end of the
 * commit, or of the change's own update in place) is printed, mean and
 * max, with the changes per commit and the cache lines and directory pages
 * fibmirror's commits copied (lpm_stats). --commit-us 0 --burst 64 is the
 * former policy, a commit per 64 changes. In each measurement the
 * writer alternates UPD_WINDOW (0.1 s) idle and UPD_WINDOW writing, for
 * --update-time (1) s of writing, while the readers run throughout and
 * their lookups are counted per window: "readers %" is their lookups/s in
 * the writing windows over those in the idle ones. The alternation puts a
 * noisy neighbour (this is a shared 2-vCPU machine) into both sides alike;
 * quiet and loaded figures measured separately and each taken at its best
 * compared a lucky quiet second with a lucky loaded one. The three
 * repetitions are pooled; "max changes/s" is the best one. The writer's CPU
 * time over the paced windows is printed as a share of one CPU: with two
 * readers and a writer on two CPUs, that share is CPU the readers lose
 * (CFS shares the CPUs out; a writer that never waits takes a third of
 * them), the rest of their loss is what the writer's stores cost their
 * caches. So the paced share is printed a second way too, per second of
 * the readers' own CPU time (each reader thread's CPU clock, read at the
 * window edges): their lookups per CPU second while the writer writes over
 * those while it idles, which leaves out the CPU the writer takes and keeps
 * the cost to their caches and of the RCU read side. Streams: "bgp-linx", the one-hour LINX update
 * trace (shared/data/bgp-updates-linx-20141217-23446.txt.xz: announcements are sets, withdrawals
 * deletes; a withdrawal of an absent prefix is a no-op, counted), replayed in a loop; IPv4 with the
 * real table only. "random": delete up to 65,536 random prefixes of the table and re-add each, with
 * another next hop, 1,024 changes later; a whole pass leaves the same
 * prefixes in the table, so it loops too (the paced measurement goes on
 * where the flat-out one stopped). The random stream runs first (the trace
 * leaves prefixes of the table withdrawn), and the update test last: it
 * changes the tables. rte_fib6 is built afresh before each measurement and
 * stops after CHURN_PASSES passes, since its trie refuses adds once its
 * drifting reservation count reaches the pool (see fit_pool()).
 *
 * DPDK runs in this process: rte_eal_init("--no-huge --no-pci -m MB
 * --no-shconf --no-telemetry -l 0"), 4 KiB pages, DPDK's default lookup
 * functions (--dpdk-avx512 lets it pick its AVX-512 ones). EAL pins this
 * thread to CPU 0; the affinity it had is restored right after.
 *
 * Output: a header (CPU model, online CPUs, kernel, DPDK version), then per
 * family the build table, ns per lookup with the ratio to rte_fib/rte_fib6
 * (below 1: faster), and the update table. --json: one object per line, a
 * "bench":"lpm" header per family, then {"impl","family","stream","batch",
 * "ns_per_lookup","bytes_per_prefix",...} per measurement; build and update
 * objects carry "stream":"build" and "stream":"update".
 */
#include "bench.h"
#include "fib/lpm.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <urcu/urcu-memb.h>

#define ALLOW_EXPERIMENTAL_API /* rte_vect_get_max_simd_bitwidth(), to say which lookups run */
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_fib.h>
#include <rte_fib6.h>
#include <rte_lpm.h>
#include <rte_malloc.h>
#include <rte_vect.h>
#include <rte_version.h>

#ifndef FM_SOURCE_DIR
#define FM_SOURCE_DIR "."
#endif
#ifndef FM_BUILD_TYPE
#define FM_BUILD_TYPE "(build type unknown)"
#endif
#define DATA_REL     "/../shared/data/" /* from the source tree */
#define FULLVIEW4    "ipv4-fullview-901899.txt.xz"
#define FULLVIEW6    "ipv6-fullview-160147.txt.xz"
#define BGP_TRACE    "bgp-updates-linx-20141217-23446.txt.xz"
#define DEF_SEED     0x5eed2024ULL
#define DEF_QUERIES  (1u << 22)
#define DEF_REPS     5
#define DEF_NH	     256
#define DEF_READERS  2
#define DEF_BURST    0	    /* no cap on the changes of a commit */
#define DEF_COMMIT   1000.0 /* us the oldest staged change waits at most */
#define DEF_UPD_TIME 1.0
#define DEF_UPD_RATE 1e6
#define UPD_WINDOW   0.1 /* s: idle and writing windows of the update test alternate */
#define DEF_MEM_MB   2048
#define BATCH_MAX    32
#define MAX_IMPL     3
#define STAGE_MAX    32	   /* changes per bulk stage call */
#define RANDOM_MAX   65536 /* prefixes the random update stream withdraws */
#define RANDOM_GAP   1024  /* changes between a withdrawal and its re-add */
#define SHOW_DIFFS   3	   /* disagreements described on stderr per measurement */
#define TBL8_ENTRIES 256
#define DP_ENTRY     4		/* bytes per DPDK table entry (4-byte next hops) */
#define MAX_TBL8     (1u << 21) /* 2 GiB of groups: fit_pool() gives up there */
#define CHURN_PASSES 2		/* passes of each update stream a reserving table must take */

static const unsigned batches[] = {1, 8, 32};

/* Real prefix-length histograms (shared/data/README.md), for --synthetic
 * when no table file can be read. */
static const uint32_t hist4_builtin[][2] = {
    {8, 16},	  {9, 13},     {10, 38},     {11, 103},	  {12, 299},   {13, 581},   {14, 1203},
    {15, 2100},	  {16, 13490}, {17, 8235},   {18, 13798}, {19, 24870}, {20, 42611}, {21, 50750},
    {22, 108623}, {23, 96510}, {24, 537698}, {25, 20},	  {26, 3},     {27, 11},    {28, 18},
    {29, 17},	  {30, 3},     {31, 3},	     {32, 886},
};
static const uint32_t hist6_builtin[][2] = {
    {16, 1},	 {19, 1},     {20, 16},	   {21, 3},    {22, 7},	   {23, 8},	{24, 30},
    {25, 8},	 {26, 15},    {27, 20},	   {28, 193},  {29, 4371}, {30, 650},	{31, 284},
    {32, 22548}, {33, 2926},  {34, 2603},  {35, 1043}, {36, 5996}, {37, 880},	{38, 1617},
    {39, 1377},	 {40, 13418}, {41, 903},   {42, 2301}, {43, 1001}, {44, 14365}, {45, 1553},
    {46, 3039},	 {47, 3153},  {48, 75488}, {49, 11},   {50, 3},	   {52, 1},	{55, 1},
    {56, 24},	 {58, 20},    {60, 2},	   {64, 184},  {112, 2},   {122, 1},	{124, 4},
    {125, 9},	 {126, 19},   {127, 42},   {128, 6},
};

/* A prefix, or an address (len = 32/128): network byte order, IPv4 in b[0..3]. */
struct pfx {
	uint8_t b[16];
	uint8_t len;
};

struct table {
	int family;	    /* 4 or 6 */
	const char *source; /* file name (with synthetic: where the lengths come from) */
	bool synthetic;
	struct pfx *p;
	size_t n;
	uint32_t *nh; /* next hop of p[i] */
	bool real;    /* the real full view (the BGP trace applies) */
};

/* One route change: set @p to @val, or delete it when @val is LPM_NONE. */
struct change {
	struct pfx p;
	uint32_t val;
};

struct churn {
	const char *name;
	struct change *c;
	size_t n;
};

/* Queries: host-order uint32_t (IPv4) or uint8_t[16] (IPv6), n a multiple of BATCH_MAX. */
struct stream {
	const char *name;
	void *q;
	size_t n, qsz;
};

/* What DPDK is configured with: rules it must hold, tbl8 groups it may use. */
struct sizing {
	uint32_t max_routes, tbl8;
};

struct impl;

struct ops {
	const char *name;
	int family;
	bool dpdk; /* created in EAL memory */
	bool rcu;  /* lookups inside rcu_read_lock() */
	/* DPDK's trie: an add reserves tbl8 groups for the worst case, and the
	 * reservation count drifts under churn (fit_pool(), churn_row()) */
	bool reserving;
	size_t out_size;
	int (*create)(struct impl *im); /* of im->sz */
	void (*destroy)(struct impl *im);
	int (*set)(void *h, const struct pfx *p, uint32_t val);
	int (*del)(void *h, const struct pfx *p);
	/* Apply @n (<= STAGE_MAX) changes in order, each one's result in @rc
	 * (NULL: one set or del at a time). */
	void (*stage)(void *h, const struct change *c, size_t n, int *rc);
	int (*commit)(void *h); /* NULL: changes are live at once */
	/* Cache lines of the lookup structure commits copied so far, and the
	 * directory pages they copied (NULL: none). */
	void (*copies)(void *h, size_t *lines, size_t *pages);
	/* Bytes of the lookup structure. */
	size_t (*mem)(const struct impl *im);
	/* Look up @n queries, @batch at a time (1: the single-address call). */
	void (*pass)(void *h, void *q, void *out, size_t n, size_t batch);
	/* Look up @n queries, each depending on the previous answer. */
	uint32_t (*chain)(void *h, const void *q, size_t n);
	/* The next hop in slot @i of what pass() wrote, LPM_NONE for a miss. */
	uint32_t (*result)(const void *out, size_t i);
};

struct impl {
	const struct ops *ops;
	void *h;
	struct sizing sz; /* DPDK's configuration */
	size_t mem, reserved, build_errors;
	double build_s;
	void *out; /* answers of the last pass */
};

static struct {
	bool v4, v6, json, quick, no_update, avx512;
	const char *table, *impls;
	size_t synthetic, queries;
	uint64_t seed;
	unsigned reps, readers, burst, next_hops, mem_mb, tbl8;
	double upd_time, upd_rate, commit_us, duty;
} opt = {
    .seed = DEF_SEED,
    .queries = DEF_QUERIES,
    .reps = DEF_REPS,
    .readers = DEF_READERS,
    .burst = DEF_BURST,
    .next_hops = DEF_NH,
    .mem_mb = DEF_MEM_MB,
    .upd_time = DEF_UPD_TIME,
    .upd_rate = DEF_UPD_RATE,
    .commit_us = DEF_COMMIT,
};

static uint64_t rng;
static volatile uint32_t sink; /* keeps chain results alive */
static char exe_dir[PATH_MAX];

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	if (!p) {
		fprintf(stderr, "fibmirror-bench: out of memory\n");
		exit(1);
	}
	return p;
}

static void *xrealloc(void *p, size_t n, size_t sz)
{
	p = realloc(p, (n ? n : 1) * sz);
	if (!p) {
		fprintf(stderr, "fibmirror-bench: out of memory\n");
		exit(1);
	}
	return p;
}

/* ----------------------------------------------------------- addresses */

static uint32_t be32(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static unsigned fam_bits(int family)
{
	return family == 4 ? 32 : 128;
}

/* Clear the bits of @b beyond the first @len. */
static void mask_bits(uint8_t b[16], unsigned len)
{
	unsigned i;

	for (i = 0; i < 16; i++) {
		if (len >= 8 * (i + 1))
			continue;
		b[i] &= len > 8 * i ? (uint8_t)(0xff << (8 - (len - 8 * i))) : 0;
	}
}

/* Replace the bits of @b beyond the first @len by random ones. */
static void random_host(uint8_t b[16], unsigned len)
{
	uint8_t r[16], m[16];
	uint64_t x;
	unsigned i;

	x = bench_rnd(&rng);
	memcpy(r, &x, 8);
	x = bench_rnd(&rng);
	memcpy(r + 8, &x, 8);
	memset(m, 0xff, sizeof(m));
	mask_bits(m, len);
	for (i = 0; i < 16; i++)
		b[i] = (uint8_t)((b[i] & m[i]) | (r[i] & ~m[i]));
}

/* A random address of 2000::/3, where every real IPv6 prefix lies. */
static void random_global6(uint8_t b[16])
{
	random_host(b, 0);
	b[0] = (uint8_t)((b[0] & 0x1f) | 0x20);
}

static void fmt_addr(int family, const uint8_t *b, char *buf, size_t len)
{
	if (!inet_ntop(family == 4 ? AF_INET : AF_INET6, b, buf, (socklen_t)len))
		snprintf(buf, len, "?");
}

/* ---------------------------------------------------------- prefix lists */

/* Parse "ADDR[/LEN]" of @family (4 or 6) into @p, host bits cleared. 0 or -1. */
static int pfx_parse(char *s, int family, struct pfx *p)
{
	unsigned long len = fam_bits(family);
	char *slash, *end;

	s[strcspn(s, " \t\r\n")] = '\0';
	if ((strchr(s, ':') != NULL) != (family == 6))
		return -1;
	slash = strchr(s, '/');
	if (slash) {
		*slash = '\0';
		errno = 0;
		len = strtoul(slash + 1, &end, 10);
		if (errno || *end || end == slash + 1 || len > fam_bits(family))
			return -1;
	}
	memset(p, 0, sizeof(*p));
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, s, p->b) != 1)
		return -1;
	p->len = (uint8_t)len;
	mask_bits(p->b, p->len);
	return 0;
}

static int pfx_cmp(const void *a, const void *b)
{
	const struct pfx *x = a, *y = b;
	int c = memcmp(x->b, y->b, sizeof(x->b));

	return c ? c : (int)x->len - (int)y->len;
}

/* Sort @p and drop duplicates. Return how many are left. */
static size_t pfx_unique(struct pfx *p, size_t n)
{
	size_t i, k = 0;

	qsort(p, n, sizeof(*p), pfx_cmp);
	for (i = 0; i < n; i++)
		if (!k || pfx_cmp(&p[k - 1], &p[i]))
			p[k++] = p[i];
	return k;
}

/* The prefixes of @family in @path (sorted, distinct). 0, or -1 (reported). */
static int read_list(const char *path, int family, struct pfx **out, size_t *n)
{
	size_t cap = 1 << 16;
	char line[256];
	bool piped;
	FILE *in = bench_list_open(path, &piped);

	if (!in) {
		fprintf(stderr, "fibmirror-bench: %s: %s\n", path, strerror(errno));
		return -1;
	}
	*out = xcalloc(cap, sizeof(**out));
	*n = 0;
	while (fgets(line, sizeof(line), in)) {
		if (*n == cap) {
			cap *= 2;
			*out = xrealloc(*out, cap, sizeof(**out));
		}
		if (pfx_parse(line, family, &(*out)[*n]) == 0)
			(*n)++;
	}
	if (bench_list_close(in, piped)) {
		fprintf(stderr, "fibmirror-bench: cannot read %s\n", path);
		free(*out);
		*out = NULL;
		return -1;
	}
	*n = pfx_unique(*out, *n);
	return 0;
}

/* @name in the shared data directory of the source tree, or, for a build
 * tree inside the checkout (BUILD/bench/), the one two levels up. */
static bool data_path(const char *name, char *buf, size_t len)
{
	if (snprintf(buf, len, "%s%s%s", FM_SOURCE_DIR, DATA_REL, name) < (int)len &&
	    access(buf, R_OK) == 0)
		return true;
	return snprintf(buf, len, "%s/../..%s%s", exe_dir, DATA_REL, name) < (int)len &&
	       access(buf, R_OK) == 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* ------------------------------------------------------ synthetic tables */

static void hist_of(const struct pfx *p, size_t n, uint64_t hist[129])
{
	size_t i;

	for (i = 0; i < n; i++)
		hist[p[i].len]++;
}

static void hist_builtin(int family, uint64_t hist[129])
{
	const uint32_t(*h)[2] = family == 4 ? hist4_builtin : hist6_builtin;
	size_t i, n = family == 4 ? sizeof(hist4_builtin) / sizeof(hist4_builtin[0])
				  : sizeof(hist6_builtin) / sizeof(hist6_builtin[0]);

	for (i = 0; i < n; i++)
		hist[h[i][0]] = h[i][1];
}

/* A random prefix whose length follows @hist (@total: its sum). */
static void random_prefix(int family, const uint64_t hist[129], uint64_t total, struct pfx *p)
{
	uint64_t r = bench_rnd(&rng) % total;
	unsigned len = 0;

	while (r >= hist[len])
		r -= hist[len++];
	memset(p, 0, sizeof(*p));
	if (family == 6)
		random_global6(p->b);
	else
		random_host(p->b, 0);
	p->len = (uint8_t)len;
	mask_bits(p->b, len);
}

/*
 * @want distinct random prefixes with the lengths of @hist; IPv6 ones in
 * 2000::/3. Duplicates are drawn again (a few rounds: a length with fewer
 * possible prefixes than asked for stays short). Return how many were made.
 */
static size_t synthesize(int family, const uint64_t hist[129], size_t want, struct pfx **out)
{
	struct pfx *p = xcalloc(want, sizeof(*p));
	uint64_t total = 0;
	unsigned len, round;
	size_t n = 0;

	for (len = 0; len <= 128; len++)
		total += hist[len];
	for (round = 0; round < 32 && n < want && total; round++) {
		for (; n < want; n++)
			random_prefix(family, hist, total, &p[n]);
		n = pfx_unique(p, n);
	}
	if (n < want)
		fprintf(stderr, "fibmirror-bench: only %zu distinct IPv%d prefixes of %zu\n", n,
			family, want);
	*out = p;
	return n;
}

/* ---------------------------------------------------------------- tables */

/* Fill @t for @family. 0; 1 when the source has no prefix of it; -1 (reported). */
static int load_table(int family, struct table *t)
{
	const char *def = family == 4 ? FULLVIEW4 : FULLVIEW6;
	uint64_t hist[129] = {0};
	char path[PATH_MAX];
	bool have = false;
	size_t i;

	t->family = family;
	if (opt.table || data_path(def, path, sizeof(path))) {
		if (read_list(opt.table ? opt.table : path, family, &t->p, &t->n))
			return -1;
		have = t->n > 0;
		t->source = base_name(opt.table ? opt.table : def);
		t->real = !opt.table && !opt.synthetic;
	} else if (!opt.synthetic) {
		fprintf(stderr,
			"fibmirror-bench: %s not found in %s%s nor next to the build tree; "
			"use --table FILE or --synthetic N\n",
			def, FM_SOURCE_DIR, DATA_REL);
		return -1;
	}
	if (opt.synthetic) {
		if (have)
			hist_of(t->p, t->n, hist);
		else
			hist_builtin(family, hist);
		free(t->p);
		t->source = have ? t->source : "the built-in histogram";
		t->synthetic = true;
		t->n = synthesize(family, hist, opt.synthetic, &t->p);
	}
	if (!t->n)
		return 1;
	t->nh = xcalloc(t->n, sizeof(*t->nh));
	for (i = 0; i < t->n; i++)
		t->nh[i] = 1 + (uint32_t)(i % opt.next_hops);
	return 0;
}

/* ---------------------------------------------------------- update streams */

static uint32_t nh_of(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return 1 + h % opt.next_hops;
}

/* The LINX trace: "TIME a PREFIX NEXTHOP" sets, "TIME w PREFIX 0.0.0.0" deletes. */
static int read_trace(struct churn *ch)
{
	char path[PATH_MAX], line[256], kind[8], pfx[64], nh[64];
	size_t cap = 1 << 15;
	bool piped;
	FILE *in;

	if (!data_path(BGP_TRACE, path, sizeof(path)) || !(in = bench_list_open(path, &piped)))
		return -1;
	ch->name = "bgp-linx";
	ch->c = xcalloc(cap, sizeof(*ch->c));
	while (fgets(line, sizeof(line), in)) {
		struct change *c;

		if (sscanf(line, "%*s %7s %63s %63s", kind, pfx, nh) != 3)
			continue;
		if (ch->n == cap) {
			cap *= 2;
			ch->c = xrealloc(ch->c, cap, sizeof(*ch->c));
		}
		c = &ch->c[ch->n];
		if (pfx_parse(pfx, 4, &c->p))
			continue;
		c->val = kind[0] == 'w' ? LPM_NONE : nh_of(nh);
		ch->n++;
	}
	if (bench_list_close(in, piped) || !ch->n) {
		fprintf(stderr, "fibmirror-bench: cannot read %s\n", path);
		free(ch->c);
		memset(ch, 0, sizeof(*ch));
		return -1;
	}
	return 0;
}

/*
 * Withdraw up to RANDOM_MAX random prefixes of @t, one by one, and re-add
 * each RANDOM_GAP changes later with another next hop. A whole pass leaves
 * the same prefixes in the table, so the stream can loop.
 */
static void make_random_churn(const struct table *t, struct churn *ch)
{
	size_t m = t->n < RANDOM_MAX ? t->n : RANDOM_MAX, gap = m < RANDOM_GAP ? m : RANDOM_GAP;
	size_t *idx = xcalloc(t->n, sizeof(*idx)), i, k = 0;

	for (i = 0; i < t->n; i++)
		idx[i] = i;
	for (i = 0; i < m; i++) {
		size_t j = i + bench_rnd(&rng) % (t->n - i), x = idx[i];

		idx[i] = idx[j];
		idx[j] = x;
	}
	ch->name = "random";
	ch->n = 2 * m;
	ch->c = xcalloc(ch->n, sizeof(*ch->c));
	for (i = 0; i < m + gap; i++) {
		if (i >= gap) {
			ch->c[k].p = t->p[idx[i - gap]];
			ch->c[k++].val = t->nh[idx[i - gap]] % opt.next_hops + 1;
		}
		if (i < m)
			ch->c[k++].p = t->p[idx[i]]; /* val LPM_NONE: delete */
	}
	free(idx);
}

/* ------------------------------------------------------------- sizing */

#define WHOLE 255 /* heads(): every prefix, whole */

/* Append @p cut to @k bits to @h[@n] when it is longer (@k WHOLE: append it
 * as it is). Return the new @n. */
static size_t add_head(struct pfx *h, size_t n, const struct pfx *p, unsigned k)
{
	if (k != WHOLE && p->len <= k)
		return n;
	h[n] = *p;
	if (k != WHOLE) {
		h[n].len = (uint8_t)k;
		mask_bits(h[n].b, k);
	}
	return n + 1;
}

/* Distinct @k-bit heads of the prefixes longer than @k in @t and @ch[@nch]
 * (@k WHOLE: distinct prefixes). */
static size_t heads(const struct table *t, const struct churn *ch, size_t nch, unsigned k)
{
	size_t total = t->n, n = 0, i, j;
	struct pfx *h;

	for (j = 0; j < nch; j++)
		total += ch[j].n;
	h = xcalloc(total, sizeof(*h));
	for (i = 0; i < t->n; i++)
		n = add_head(h, n, &t->p[i], k);
	for (j = 0; j < nch; j++)
		for (i = 0; i < ch[j].n; i++)
			n = add_head(h, n, &ch[j].c[i].p, k);
	n = pfx_unique(h, n);
	free(h);
	return n;
}

/*
 * What DPDK is configured with. Its tables are DIR-24-8 shaped: a prefix
 * longer than 24 bits needs one 256-entry group ("tbl8") per 8 bits beyond
 * 24 on its path, shared with the prefixes of the same head. The pool is
 * preallocated: it gets what the table and the update streams need, plus a
 * quarter and 64, rounded up to 64 groups. The rule capacity is the distinct
 * prefixes of both, plus 1,024.
 */
static struct sizing sizing(const struct table *t, const struct churn *ch, size_t nch)
{
	struct sizing sz;
	size_t need = 0;
	unsigned k;

	for (k = 24; k < fam_bits(t->family); k += 8)
		need += heads(t, ch, nch, k);
	need += need / 4 + 64;
	sz.tbl8 = opt.tbl8 ? opt.tbl8 : (uint32_t)((need + 63) / 64 * 64);
	sz.max_routes = (uint32_t)(heads(t, ch, nch, WHOLE) + 1024);
	return sz;
}

/* Bytes of a DPDK lookup structure: 2^24 first-level entries and @tbl8 groups. */
static size_t dir24_bytes(uint32_t tbl8)
{
	return ((size_t)1 << 24) * DP_ENTRY + (size_t)tbl8 * TBL8_ENTRIES * DP_ENTRY;
}

/* What DPDK's heap has handed out, on every socket. */
static size_t heap_bytes(void)
{
	struct rte_malloc_socket_stats st;
	size_t sum = 0;
	unsigned i;

	for (i = 0; i < rte_socket_count(); i++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			sum += st.heap_allocsz_bytes;
	return sum;
}

/* -------------------------------------------------------------- streams */

static size_t stream_len(void)
{
	return (opt.queries + BATCH_MAX - 1) / BATCH_MAX * BATCH_MAX;
}

/* Uniform (IPv6: in 2000::/3) or in-table (a random prefix of @t, random host bits). */
static void make_stream(struct stream *s, const struct table *t, bool in_table)
{
	size_t i;

	s->name = in_table ? "in-table" : "uniform";
	s->qsz = t->family == 4 ? 4 : 16;
	s->n = stream_len();
	s->q = xcalloc(s->n, s->qsz);
	for (i = 0; i < s->n; i++) {
		uint8_t b[16] = {0};

		if (in_table) {
			const struct pfx *p = &t->p[bench_rnd(&rng) % t->n];

			memcpy(b, p->b, sizeof(b));
			random_host(b, p->len);
		} else if (t->family == 6) {
			random_global6(b);
		} else {
			random_host(b, 0);
		}
		if (t->family == 4)
			((uint32_t *)s->q)[i] = be32(b);
		else
			memcpy((uint8_t *)s->q + 16 * i, b, 16);
	}
}

/* Query @i of @s in network byte order. */
static void query_bytes(const struct stream *s, size_t i, uint8_t b[16])
{
	uint32_t a;

	if (s->qsz == 16) {
		memcpy(b, (const uint8_t *)s->q + 16 * i, 16);
		return;
	}
	a = htonl(((const uint32_t *)s->q)[i]);
	memcpy(b, &a, 4);
}

/* ---------------------------------------------------- fibmirror, IPv4 */

/* Wait until no reader can be in a lookup and every deferred free has run. */
static void fm_quiesce(void)
{
	urcu_memb_synchronize_rcu();
	urcu_memb_barrier();
}

static uint32_t out32(const void *out, size_t i)
{
	return ((const uint32_t *)out)[i];
}

static int fm4_create(struct impl *im)
{
	im->h = lpm4_new();
	return im->h ? 0 : -ENOMEM;
}

static void fm4_destroy(struct impl *im)
{
	fm_quiesce();
	lpm4_free(im->h);
}

static int fm4_set(void *h, const struct pfx *p, uint32_t val)
{
	return lpm4_set(h, be32(p->b), p->len, val);
}

static int fm4_del(void *h, const struct pfx *p)
{
	return lpm4_del(h, be32(p->b), p->len);
}

/* A burst staged at once: lpm4_stage_bulk() overlaps the writer-trie
 * misses of its changes (the writer loop is the same for everyone). */
static void fm4_stage(void *h, const struct change *c, size_t n, int *rc)
{
	struct lpm4_change b[STAGE_MAX];
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (struct lpm4_change){be32(c[i].p.b), c[i].p.len, c[i].val};
	lpm4_stage_bulk(h, b, n, rc);
}

static int fm4_commit(void *h)
{
	return lpm4_commit(h);
}

static void fm4_copies(void *h, size_t *lines, size_t *pages)
{
	struct lpm_stats s;

	lpm4_stats(h, &s);
	*lines = s.copy_lines;
	*pages = s.page_copies;
}

static size_t fm4_mem(const struct impl *im)
{
	return lpm4_mem_bytes(im->h);
}

static void fm4_pass(void *h, void *q, void *out, size_t n, size_t batch)
{
	const uint32_t *a = q;
	uint32_t *o = out;
	size_t i;

	if (batch == 1) {
		for (i = 0; i < n; i++)
			o[i] = lpm4_lookup(h, a[i]);
		return;
	}
	for (i = 0; i < n; i += batch)
		lpm4_lookup_bulk(h, a + i, o + i, batch);
}

static uint32_t fm4_chain(void *h, const void *q, size_t n)
{
	const uint32_t *a = q;
	uint32_t r = 0;
	size_t i;

	for (i = 0; i < n; i++)
		r = lpm4_lookup(h, a[i] ^ (r & 1));
	return r;
}

static const struct ops fm4_ops = {
    .name = "fibmirror",
    .family = 4,
    .rcu = true,
    .out_size = sizeof(uint32_t),
    .create = fm4_create,
    .destroy = fm4_destroy,
    .set = fm4_set,
    .del = fm4_del,
    .stage = fm4_stage,
    .commit = fm4_commit,
    .copies = fm4_copies,
    .mem = fm4_mem,
    .pass = fm4_pass,
    .chain = fm4_chain,
    .result = out32,
};

/* ---------------------------------------------------- fibmirror, IPv6 */

static int fm6_create(struct impl *im)
{
	im->h = lpm6_new();
	return im->h ? 0 : -ENOMEM;
}

static void fm6_destroy(struct impl *im)
{
	fm_quiesce();
	lpm6_free(im->h);
}

static int fm6_set(void *h, const struct pfx *p, uint32_t val)
{
	return lpm6_set(h, p->b, p->len, val);
}

static int fm6_del(void *h, const struct pfx *p)
{
	return lpm6_del(h, p->b, p->len);
}

static void fm6_stage(void *h, const struct change *c, size_t n, int *rc)
{
	struct lpm6_change b[STAGE_MAX];
	size_t i;

	for (i = 0; i < n; i++) {
		memcpy(b[i].addr, c[i].p.b, 16);
		b[i].len = c[i].p.len;
		b[i].value = c[i].val;
	}
	lpm6_stage_bulk(h, b, n, rc);
}

static int fm6_commit(void *h)
{
	return lpm6_commit(h);
}

static void fm6_copies(void *h, size_t *lines, size_t *pages)
{
	struct lpm_stats s;

	lpm6_stats(h, &s);
	*lines = s.copy_lines;
	*pages = s.page_copies;
}

static size_t fm6_mem(const struct impl *im)
{
	return lpm6_mem_bytes(im->h);
}

static void fm6_pass(void *h, void *q, void *out, size_t n, size_t batch)
{
	const uint8_t(*a)[16] = q;
	uint32_t *o = out;
	size_t i;

	if (batch == 1) {
		for (i = 0; i < n; i++)
			o[i] = lpm6_lookup(h, a[i]);
		return;
	}
	for (i = 0; i < n; i += batch)
		lpm6_lookup_bulk(h, a + i, o + i, batch);
}

static uint32_t fm6_chain(void *h, const void *q, size_t n)
{
	const uint8_t(*a)[16] = q;
	uint32_t r = 0;
	uint8_t x[16];
	size_t i;

	for (i = 0; i < n; i++) {
		memcpy(x, a[i], sizeof(x));
		x[15] ^= (uint8_t)(r & 1);
		r = lpm6_lookup(h, x);
	}
	return r;
}

static const struct ops fm6_ops = {
    .name = "fibmirror",
    .family = 6,
    .rcu = true,
    .out_size = sizeof(uint32_t),
    .create = fm6_create,
    .destroy = fm6_destroy,
    .set = fm6_set,
    .del = fm6_del,
    .stage = fm6_stage,
    .commit = fm6_commit,
    .copies = fm6_copies,
    .mem = fm6_mem,
    .pass = fm6_pass,
    .chain = fm6_chain,
    .result = out32,
};

/* ---------------------------------------------- DPDK rte_fib (DIR24_8) */

static uint32_t out64(const void *out, size_t i)
{
	return (uint32_t)((const uint64_t *)out)[i];
}

static size_t dpdk_mem(const struct impl *im)
{
	return dir24_bytes(im->sz.tbl8);
}

static int rfib_create(struct impl *im)
{
	const struct sizing *sz = &im->sz;
	struct rte_fib_conf c = {
	    .type = RTE_FIB_DIR24_8,
	    .default_nh = LPM_NONE,
	    .max_routes = (int)sz->max_routes,
	    .dir24_8 = {.nh_sz = RTE_FIB_DIR24_8_4B, .num_tbl8 = sz->tbl8},
	};

	im->h = rte_fib_create("fm-rte_fib", SOCKET_ID_ANY, &c);
	return im->h ? 0 : -rte_errno;
}

static void rfib_destroy(struct impl *im)
{
	rte_fib_free(im->h);
}

static int rfib_set(void *h, const struct pfx *p, uint32_t val)
{
	return rte_fib_add(h, be32(p->b), p->len, val);
}

static int rfib_del(void *h, const struct pfx *p)
{
	return rte_fib_delete(h, be32(p->b), p->len);
}

/* rte_fib has no single-address lookup: batch 1 is the bulk call on one. */
static void rfib_pass(void *h, void *q, void *out, size_t n, size_t batch)
{
	uint32_t *a = q;
	uint64_t *o = out;
	size_t i;

	for (i = 0; i < n; i += batch)
		rte_fib_lookup_bulk(h, a + i, o + i, (int)batch);
}

static uint32_t rfib_chain(void *h, const void *q, size_t n)
{
	const uint32_t *a = q;
	uint64_t r = 0;
	uint32_t ip;
	size_t i;

	for (i = 0; i < n; i++) {
		ip = a[i] ^ (uint32_t)(r & 1);
		rte_fib_lookup_bulk(h, &ip, &r, 1);
	}
	return (uint32_t)r;
}

static const struct ops rfib_ops = {
    .name = "rte_fib",
    .family = 4,
    .dpdk = true,
    .out_size = sizeof(uint64_t),
    .create = rfib_create,
    .destroy = rfib_destroy,
    .set = rfib_set,
    .del = rfib_del,
    .mem = dpdk_mem,
    .pass = rfib_pass,
    .chain = rfib_chain,
    .result = out64,
};

/* ------------------------------------------------------- DPDK rte_lpm */

static int rlpm_create(struct impl *im)
{
	const struct sizing *sz = &im->sz;
	struct rte_lpm_config c = {.max_rules = sz->max_routes, .number_tbl8s = sz->tbl8};

	im->h = rte_lpm_create("fm-rte_lpm", SOCKET_ID_ANY, &c);
	return im->h ? 0 : -rte_errno;
}

static void rlpm_destroy(struct impl *im)
{
	rte_lpm_free(im->h);
}

static int rlpm_set(void *h, const struct pfx *p, uint32_t val)
{
	return rte_lpm_add(h, be32(p->b), p->len, val);
}

static int rlpm_del(void *h, const struct pfx *p)
{
	return rte_lpm_delete(h, be32(p->b), p->len);
}

/* Slots hold what rte_lpm_lookup_bulk() writes: the next hop with
 * RTE_LPM_LOOKUP_SUCCESS on a hit. */
static void rlpm_pass(void *h, void *q, void *out, size_t n, size_t batch)
{
	const uint32_t *a = q;
	uint32_t *o = out, nh = 0;
	size_t i;

	if (batch == 1) {
		for (i = 0; i < n; i++)
			o[i] = rte_lpm_lookup(h, a[i], &nh) ? 0 : nh | RTE_LPM_LOOKUP_SUCCESS;
		return;
	}
	for (i = 0; i < n; i += batch)
		rte_lpm_lookup_bulk(h, a + i, o + i, (unsigned)batch);
}

static uint32_t rlpm_chain(void *h, const void *q, size_t n)
{
	const uint32_t *a = q;
	uint32_t r = 0, nh = 0;
	size_t i;

	for (i = 0; i < n; i++)
		r = rte_lpm_lookup(h, a[i] ^ (r & 1), &nh) ? 0 : nh;
	return r;
}

static uint32_t rlpm_result(const void *out, size_t i)
{
	uint32_t x = ((const uint32_t *)out)[i];

	return x & RTE_LPM_LOOKUP_SUCCESS ? x & 0xffffff : LPM_NONE; /* 24-bit next hops */
}

static const struct ops rlpm_ops = {
    .name = "rte_lpm",
    .family = 4,
    .dpdk = true,
    .out_size = sizeof(uint32_t),
    .create = rlpm_create,
    .destroy = rlpm_destroy,
    .set = rlpm_set,
    .del = rlpm_del,
    .mem = dpdk_mem,
    .pass = rlpm_pass,
    .chain = rlpm_chain,
    .result = rlpm_result,
};

/* ------------------------------------------------ DPDK rte_fib6 (TRIE) */

static int rfib6_create(struct impl *im)
{
	const struct sizing *sz = &im->sz;
	struct rte_fib6_conf c = {
	    .type = RTE_FIB6_TRIE,
	    .default_nh = LPM_NONE,
	    .max_routes = (int)sz->max_routes,
	    .trie = {.nh_sz = RTE_FIB6_TRIE_4B, .num_tbl8 = sz->tbl8},
	};

	im->h = rte_fib6_create("fm-rte_fib6", SOCKET_ID_ANY, &c);
	return im->h ? 0 : -rte_errno;
}

static void rfib6_destroy(struct impl *im)
{
	rte_fib6_free(im->h);
}

static int rfib6_set(void *h, const struct pfx *p, uint32_t val)
{
	return rte_fib6_add(h, p->b, p->len, val);
}

static int rfib6_del(void *h, const struct pfx *p)
{
	return rte_fib6_delete(h, p->b, p->len);
}

static void rfib6_pass(void *h, void *q, void *out, size_t n, size_t batch)
{
	uint8_t(*a)[16] = q;
	uint64_t *o = out;
	size_t i;

	for (i = 0; i < n; i += batch)
		rte_fib6_lookup_bulk(h, a + i, o + i, (int)batch);
}

static uint32_t rfib6_chain(void *h, const void *q, size_t n)
{
	const uint8_t(*a)[16] = q;
	uint8_t x[1][16];
	uint64_t r = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		memcpy(x[0], a[i], sizeof(x[0]));
		x[0][15] ^= (uint8_t)(r & 1);
		rte_fib6_lookup_bulk(h, x, &r, 1);
	}
	return (uint32_t)r;
}

static const struct ops rfib6_ops = {
    .name = "rte_fib6",
    .family = 6,
    .dpdk = true,
    .reserving = true,
    .out_size = sizeof(uint64_t),
    .create = rfib6_create,
    .destroy = rfib6_destroy,
    .set = rfib6_set,
    .del = rfib6_del,
    .mem = dpdk_mem,
    .pass = rfib6_pass,
    .chain = rfib6_chain,
    .result = out64,
};

/* In this order: the reference (rte_fib, rte_fib6) is found by name. */
static const struct ops *const all_ops[] = {&fm4_ops, &rfib_ops, &rlpm_ops, &fm6_ops, &rfib6_ops};

/* ------------------------------------------------------------------ run */

/* One family's benchmark: the table, the implementations, the streams. */
struct run {
	struct table t;
	struct impl im[MAX_IMPL];
	size_t nimpl, ref;  /* ref: the one answers and times are compared with */
	struct stream s[2]; /* uniform, in-table */
	struct churn ch[2];
	size_t nch;
	struct sizing sz;
};

static size_t disagreements; /* over every family and measurement */
static char cpu[128], kernel[160];
static int ncpu;

static bool wanted(const char *name)
{
	size_t n = strlen(name);
	const char *s = opt.impls;

	if (!s)
		return true;
	for (; s; s = strchr(s, ',') ? strchr(s, ',') + 1 : NULL)
		if (!strncmp(s, name, n) && (s[n] == ',' || !s[n]))
			return true;
	return false;
}

static bool is_ref_name(const char *name)
{
	return !strcmp(name, "rte_fib") || !strcmp(name, "rte_fib6");
}

static void pick_impls(struct run *r)
{
	size_t i;

	for (i = 0; i < sizeof(all_ops) / sizeof(all_ops[0]); i++) {
		if (all_ops[i]->family != r->t.family || !wanted(all_ops[i]->name))
			continue;
		if (is_ref_name(all_ops[i]->name))
			r->ref = r->nimpl;
		r->im[r->nimpl++].ops = all_ops[i];
	}
}

/* Create @im and insert every prefix of @t, then commit. Return how many
 * prefixes (or the commit) were refused, or -1 (reported) on failure. */
static long fill(struct impl *im, const struct table *t)
{
	const struct ops *op = im->ops;
	size_t h0 = op->dpdk ? heap_bytes() : 0, i;
	long refused = 0;
	double t0;
	int rc = op->create(im);

	if (rc) {
		fprintf(stderr, "fibmirror-bench: %s: cannot create the table: %s\n", op->name,
			strerror(rc < 0 ? -rc : rc));
		return -1;
	}
	if (op->dpdk)
		im->reserved = heap_bytes() - h0;
	t0 = now();
	for (i = 0; i < t->n; i++)
		if (op->set(im->h, &t->p[i], t->nh[i]))
			refused++;
	if (op->commit && op->commit(im->h))
		refused++;
	im->build_s = now() - t0;
	return refused;
}

/* Apply change @c to @im. 0 or a negative errno. */
static int apply(struct impl *im, const struct change *c)
{
	return c->val ? im->ops->set(im->h, &c->p, c->val) : im->ops->del(im->h, &c->p);
}

/* Do the table of @r and CHURN_PASSES passes of each of its update streams
 * fit in @im with a pool of @tbl8 groups? 1 or 0; -1 if @im cannot be made. */
static int fits(struct impl *im, const struct run *r, uint32_t tbl8)
{
	long refused;
	size_t i, j;

	im->sz.tbl8 = tbl8;
	refused = fill(im, &r->t);
	for (j = 0; refused == 0 && j < r->nch; j++)
		for (i = 0; refused == 0 && i < CHURN_PASSES * r->ch[j].n; i++)
			refused = apply(im, &r->ch[j].c[i % r->ch[j].n]) == -ENOSPC;
	if (im->h)
		im->ops->destroy(im);
	im->h = NULL;
	return refused < 0 ? -1 : refused == 0;
}

/*
 * The estimate of sizing() is exact for DIR-24-8 (rte_fib, rte_lpm), but
 * rte_fib6's trie refuses adds (ENOSPC) long before its pool is used: each
 * add reserves groups for the worst case, and under churn the reservation
 * count drifts upwards without bound (the counter DPDK/grout PR #620 fixes).
 * So for it, when the table and CHURN_PASSES passes of each update stream do
 * not fit in the estimate, find the smallest pool they fit in (double, then
 * halve the gap down to 1/16) and give it the same margin: a quarter plus
 * 64, rounded up to 64. Untimed. 0 or -1 (reported).
 */
static int fit_pool(struct impl *im, const struct run *r)
{
	uint32_t est = im->sz.tbl8, lo = 0, hi = est, mid;
	int ok;

	while ((ok = fits(im, r, hi)) == 0) {
		if (hi >= MAX_TBL8) {
			fprintf(stderr, "fibmirror-bench: %s: the table fits in no pool of tbl8s\n",
				im->ops->name);
			return -1;
		}
		lo = hi;
		hi *= 2;
	}
	if (ok < 0)
		return -1;
	if (!lo) {
		im->sz.tbl8 = est;
		return 0;
	}
	while (ok >= 0 && hi - lo > hi / 16) {
		mid = lo + (hi - lo) / 2;
		ok = fits(im, r, mid);
		if (ok > 0)
			hi = mid;
		else if (ok == 0)
			lo = mid;
	}
	if (ok < 0)
		return -1;
	hi += hi / 4 + 64;
	im->sz.tbl8 = (hi + 63) / 64 * 64;
	fprintf(stderr, "fibmirror-bench: note: %s: %u tbl8 groups estimated, %u given\n",
		im->ops->name, est, im->sz.tbl8);
	return 0;
}

/* Build @im from the table of @r (DPDK: with the pool of r->sz, or of
 * fit_pool()). 0 or -1. */
static int build(struct impl *im, const struct run *r)
{
	long refused;

	im->sz = r->sz;
	if (im->ops->reserving && !opt.tbl8 && fit_pool(im, r))
		return -1;
	refused = fill(im, &r->t);
	if (refused < 0)
		return -1;
	im->build_errors = (size_t)refused;
	im->mem = im->ops->mem(im);
	im->out = xcalloc(stream_len(), im->ops->out_size);
	if (refused)
		fprintf(stderr,
			"fibmirror-bench: %s: %ld of %zu prefixes (or the commit) refused\n",
			im->ops->name, refused, r->t.n);
	return 0;
}

static double per_prefix(const struct run *r, const struct impl *im)
{
	return (double)im->mem / (double)r->t.n;
}

/* Seconds of one pass of @im over @s (@batch 0: the dependent chain). */
static double pass_time(struct impl *im, const struct stream *s, unsigned batch)
{
	double t;

	if (im->ops->rcu)
		urcu_memb_read_lock();
	t = now();
	if (batch)
		im->ops->pass(im->h, s->q, im->out, s->n, batch);
	else
		sink ^= im->ops->chain(im->h, s->q, s->n);
	t = now() - t;
	if (im->ops->rcu)
		urcu_memb_read_unlock();
	return t;
}

/* Best ns per lookup of each implementation over opt.reps passes, taking turns. */
static void measure(struct run *r, const struct stream *s, unsigned batch, double *ns)
{
	unsigned rep;
	size_t i;

	for (i = 0; i < r->nimpl; i++)
		ns[i] = HUGE_VAL;
	for (rep = 0; rep < opt.reps; rep++) {
		for (i = 0; i < r->nimpl; i++) {
			double t = pass_time(&r->im[i], s, batch) * 1e9 / (double)s->n;

			if (t < ns[i])
				ns[i] = t;
		}
	}
}

/* Answers of @im's last pass over @s that differ from the reference's; the
 * first few are described on stderr. */
static size_t mismatches(const struct run *r, const struct impl *im, const struct stream *s,
			 unsigned batch)
{
	const struct impl *ref = &r->im[r->ref];
	size_t i, n = 0;

	for (i = 0; im != ref && i < s->n; i++) {
		uint32_t a = im->ops->result(im->out, i), b = ref->ops->result(ref->out, i);
		char buf[INET6_ADDRSTRLEN];
		uint8_t q[16];

		if (a == b || n++ >= SHOW_DIFFS)
			continue;
		query_bytes(s, i, q);
		fmt_addr(r->t.family, q, buf, sizeof(buf));
		fprintf(stderr, "fibmirror-bench: IPv%d %s batch %u: %s: %s answers %u, %s %u\n",
			r->t.family, s->name, batch, buf, im->ops->name, a, ref->ops->name, b);
	}
	return n;
}

/* --------------------------------------------------------------- output */

static void json_str(const char *key, const char *s)
{
	printf(",\"%s\":\"", key);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar((unsigned char)*s < 0x20 ? '?' : *s);
	}
	putchar('"');
}

/* {"impl":..,"family":..,"stream":.. (the start of every measurement object) */
static void json_head(const struct run *r, const struct impl *im, const char *stream)
{
	printf("{\"impl\":\"%s\",\"family\":%d,\"stream\":\"%s\"", im->ops->name, r->t.family,
	       stream);
}

static void print_header(const struct run *r)
{
	if (opt.json) {
		printf("{\"bench\":\"lpm\",\"family\":%d", r->t.family);
		json_str("cpu", cpu);
		printf(",\"cpus\":%d", ncpu);
		json_str("kernel", kernel);
		json_str("dpdk", rte_version());
		printf(",\"dpdk_simd_bits\":%u", (unsigned)rte_vect_get_max_simd_bitwidth());
		json_str("build_type", FM_BUILD_TYPE);
		json_str("source", r->t.synthetic ? "synthetic" : r->t.source);
		if (r->t.synthetic)
			json_str("lengths_of", r->t.source);
		printf(",\"prefixes\":%zu,\"next_hops\":%u,\"queries\":%zu,\"seed\":%llu,"
		       "\"reps\":%u,\"dpdk_tbl8_estimate\":%u,\"dpdk_max_routes\":%u}\n",
		       r->t.n, opt.next_hops, stream_len(), (unsigned long long)opt.seed, opt.reps,
		       r->sz.tbl8, r->sz.max_routes);
		return;
	}
	printf("\nIPv%d: %zu prefixes (%s%s), %u next hops round robin; %zu queries per stream, "
	       "seed %#llx, best of %u\n",
	       r->t.family, r->t.n, r->t.synthetic ? "synthetic, lengths of " : "", r->t.source,
	       opt.next_hops, stream_len(), (unsigned long long)opt.seed, opt.reps);
	printf("DPDK: %u tbl8 groups estimated, %u routes; SIMD width %u bits\n", r->sz.tbl8,
	       r->sz.max_routes, (unsigned)rte_vect_get_max_simd_bitwidth());
}

static void print_impl_names(const struct run *r, const char *title)
{
	size_t i;

	printf("\n%-26s", title);
	for (i = 0; i < r->nimpl; i++)
		printf("%20s", r->im[i].ops->name);
	putchar('\n');
}

static void print_build(const struct run *r)
{
	static const char *const rows[] = {
	    "  seconds",    "  prefixes/s",	  "  lookup bytes/prefix",
	    "  lookup MiB", "  DPDK tbl8 groups", "  reserved MiB (DPDK heap)"};
	size_t i, k;

	if (opt.json) {
		for (i = 0; i < r->nimpl; i++) {
			const struct impl *im = &r->im[i];

			json_head(r, im, "build");
			printf(
			    ",\"batch\":0,\"build_s\":%.6f,\"prefixes_per_s\":%.0f,"
			    "\"bytes_per_prefix\":%.3f,\"lookup_bytes\":%zu,\"reserved_bytes\":%zu,"
			    "\"prefixes\":%zu,\"refused\":%zu",
			    im->build_s, (double)r->t.n / im->build_s, per_prefix(r, im), im->mem,
			    im->reserved, r->t.n, im->build_errors);
			if (im->ops->dpdk)
				printf(",\"tbl8\":%u,\"max_routes\":%u", im->sz.tbl8,
				       im->sz.max_routes);
			printf("}\n");
		}
		return;
	}
	print_impl_names(r, "build");
	for (k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		printf("%-26s", rows[k]);
		for (i = 0; i < r->nimpl; i++) {
			const struct impl *im = &r->im[i];
			double v[] = {im->build_s,	   (double)r->t.n / im->build_s,
				      per_prefix(r, im),   (double)im->mem / 1048576.0,
				      (double)im->sz.tbl8, (double)im->reserved / 1048576.0};

			if (k >= 4 && !im->ops->dpdk)
				printf("%20s", "-");
			else
				printf(k == 1 ? "%20.4g" : k == 4 ? "%20.0f" : "%20.3f", v[k]);
		}
		putchar('\n');
	}
}

static void json_lookup_row(const struct run *r, const struct stream *s, unsigned batch,
			    const double *ns, const size_t *bad)
{
	bool ratio = is_ref_name(r->im[r->ref].ops->name);
	size_t i;

	for (i = 0; i < r->nimpl; i++) {
		json_head(r, &r->im[i], batch ? s->name : "chain");
		if (!batch)
			printf(",\"base\":\"%s\"", s->name);
		printf(",\"batch\":%u,\"ns_per_lookup\":%.3f,\"bytes_per_prefix\":%.3f",
		       batch ? batch : 1, ns[i], per_prefix(r, &r->im[i]));
		if (ratio)
			printf(",\"ratio_to_rte_fib\":%.4f", ns[i] / ns[r->ref]);
		if (bad)
			printf(",\"mismatches\":%zu", bad[i]);
		printf("}\n");
	}
}

/* One line: ns per lookup of each implementation, and its ratio to the reference. */
static void print_lookup_row(const struct run *r, const struct stream *s, unsigned batch,
			     const double *ns, const size_t *bad)
{
	bool ratio = is_ref_name(r->im[r->ref].ops->name);
	size_t i;

	if (opt.json) {
		json_lookup_row(r, s, batch, ns, bad);
		return;
	}
	if (batch)
		printf("  %-9s batch %-8u", s->name, batch);
	else
		printf("  %-9s %-14s", s->name, "chain");
	for (i = 0; i < r->nimpl; i++) {
		char x[32] = "";

		if (i != r->ref && ratio)
			snprintf(x, sizeof(x), "(%.2f)", ns[i] / ns[r->ref]);
		printf("%11.2f %-8s", ns[i], x);
	}
	for (i = 0; bad && i < r->nimpl; i++)
		if (bad[i])
			printf("  [%s: %zu answers differ]", r->im[i].ops->name, bad[i]);
	putchar('\n');
}

/* -------------------------------------------------------------- lookups */

static void lookup_row(struct run *r, const struct stream *s, unsigned batch)
{
	size_t bad[MAX_IMPL] = {0}, i;
	double ns[MAX_IMPL];

	measure(r, s, batch, ns);
	for (i = 0; batch && i < r->nimpl; i++)
		disagreements += bad[i] = mismatches(r, &r->im[i], s, batch);
	print_lookup_row(r, s, batch, ns, batch ? bad : NULL);
	fflush(stdout);
}

/*
 * The latency floor of a dependent lookup: ns per load of a random pointer
 * chase, one 64-byte line per step, over @bytes (an implementation's lookup
 * structure). A lookup that must read k lines of a structure that size one
 * after the other cannot finish in less than k times this (the in-table
 * chain of fibmirror's IPv4 reads a directory page and a node).
 */
static double chase_ns(size_t bytes, size_t steps)
{
	size_t n = bytes / 64 > 2 ? bytes / 64 : 2;
	size_t *perm = xcalloc(n, sizeof(*perm)), i, p = 0;
	uint64_t *buf = xcalloc(n, 64);
	double best = 1e30;
	unsigned rep;

	for (i = 0; i < n; i++)
		perm[i] = i;
	for (i = n - 1; i > 0; i--) {
		size_t j = bench_rnd(&rng) % (i + 1), x = perm[i];

		perm[i] = perm[j];
		perm[j] = x;
	}
	for (i = 0; i < n; i++) /* one cycle through every line */
		buf[perm[i] * 8] = perm[(i + 1) % n] * 8;
	for (rep = 0; rep < opt.reps; rep++) {
		double t = now();

		for (i = 0; i < steps; i++)
			p = buf[p];
		best = fmin(best, (now() - t) * 1e9 / (double)steps);
	}
	sink ^= (uint32_t)p;
	free(buf);
	free(perm);
	return best;
}

static void chase_row(const struct run *r)
{
	size_t i;

	if (!opt.json)
		printf("  %-9s %-14s", "memory", "chase 1 line");
	for (i = 0; i < r->nimpl; i++) {
		double ns = chase_ns(r->im[i].mem, 1u << 22);

		if (!opt.json) {
			printf("%11.2f %-8s", ns, "");
			continue;
		}
		json_head(r, &r->im[i], "chase");
		printf(",\"bytes\":%zu,\"ns_per_load\":%.3f}\n", r->im[i].mem, ns);
	}
	if (!opt.json)
		printf(
		    "\n  (a random dependent load over each one's lookup bytes: the floor of one\n"
		    "   step of a chain)\n");
}

/*
 * The same chase over fixed sizes, from what L1 holds to what only DRAM
 * does: where this machine's cache levels end, so a chain can be set
 * against the best any structure of its size could do (bench/README.md).
 */
static void ladder_row(const struct run *r)
{
	static const unsigned kib[] = {32, 256, 1024, 2048, 4096, 8192, 65536};
	size_t i;

	if (!opt.json)
		printf("  memory chase over KiB:");
	for (i = 0; i < sizeof(kib) / sizeof(kib[0]); i++) {
		double ns = chase_ns((size_t)kib[i] << 10, 1u << 20);

		if (opt.json)
			printf("{\"impl\":\"memory\",\"family\":%d,\"stream\":\"ladder\","
			       "\"bytes\":%zu,\"ns_per_load\":%.3f}\n",
			       r->t.family, (size_t)kib[i] << 10, ns);
		else
			printf(" %u: %.1f ns%s", kib[i], ns,
			       i + 1 < sizeof(kib) / sizeof(kib[0]) ? "," : "\n");
	}
}

static void lookups(struct run *r)
{
	size_t si, bi;
	char title[64];

	snprintf(title, sizeof(title), "ns/lookup (x %s)", r->im[r->ref].ops->name);
	if (!opt.json)
		print_impl_names(r, title);
	for (si = 0; si < 2; si++)
		for (bi = 0; bi < sizeof(batches) / sizeof(batches[0]); bi++)
			lookup_row(r, &r->s[si], batches[bi]);
	for (si = 0; si < 2; si++)
		lookup_row(r, &r->s[si], 0);
	chase_row(r);
	ladder_row(r);
}

/* -------------------------------------------------------------- updates */

/* The readers of one update measurement, and what tells them to go and stop. */
struct readers {
	struct impl *im;
	const struct stream *s;
	atomic_int phase; /* 0: wait, 1: look up, 2: stop */
	struct reader {
		pthread_t th;
		struct readers *rs;
		size_t next;		  /* batch of the stream to look up next */
		_Atomic uint64_t lookups; /* read by the main thread at window edges */
	} r[];
};

/* A reader thread: BATCH_MAX addresses at a time, fibmirror inside rcu_read_lock(). */
static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	struct readers *rs = rd->rs;
	const struct ops *op = rs->im->ops;
	size_t nb = rs->s->n / BATCH_MAX, k;
	uint64_t out[BATCH_MAX], n = 0;

	urcu_memb_register_thread();
	while (atomic_load(&rs->phase) == 0)
		sched_yield();
	while (atomic_load_explicit(&rs->phase, memory_order_relaxed) == 1) {
		for (k = 0; k < 64; k++) {
			void *q = (uint8_t *)rs->s->q + rd->next * BATCH_MAX * rs->s->qsz;

			if (op->rcu)
				urcu_memb_read_lock();
			op->pass(rs->im->h, q, out, BATCH_MAX, BATCH_MAX);
			if (op->rcu)
				urcu_memb_read_unlock();
			rd->next = rd->next + 1 < nb ? rd->next + 1 : 0;
		}
		n += 64 * BATCH_MAX;
		atomic_store_explicit(&rd->lookups, n, memory_order_relaxed);
	}
	urcu_memb_unregister_thread();
	return NULL;
}

/* The CPU seconds the reader threads have run so far; NAN (the share is
 * printed "-") if a thread's clock cannot be read. */
static double readers_cpu_s(struct readers *rs)
{
	struct timespec ts;
	clockid_t id;
	double s = 0;
	unsigned i;

	for (i = 0; i < opt.readers; i++) {
		if (pthread_getcpuclockid(rs->r[i].th, &id) || clock_gettime(id, &ts))
			return NAN;
		s += (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
	}
	return s;
}

static uint64_t readers_lookups(struct readers *rs)
{
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < opt.readers; i++)
		n += atomic_load_explicit(&rs->r[i].lookups, memory_order_relaxed);
	return n;
}

/* What the writer did in the churn windows of one measurement. */
struct writes {
	size_t pos;  /* next change of the stream (it loops) */
	size_t left; /* changes a reserving table may still take */
	size_t changes, refused, nospace, commit_errors, commits;
	double seconds, cpu_s;
	double lat_sum, lat_max;       /* paced: publication latency of the changes, s */
	double next_commit;	       /* opt.duty: no commit starts before (now() s) */
	size_t copy_lines, copy_pages; /* what the commits copied (ops->copies) */
};

/* Lookups of the readers, wall time and the readers' CPU time, with the
 * writer idle and writing. */
struct windows {
	uint64_t quiet_n, churn_n;
	double quiet_s, churn_s;
	double quiet_cpu, churn_cpu;
};

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Sleep until now() is @t: the pace of a paced writer. */
static void sleep_until(double t)
{
	struct timespec ts = {(time_t)t, (long)((t - (double)(time_t)t) * 1e9)};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Apply up to @n changes of @ch from w->pos; how many were. An
 * implementation with a bulk stage call gets them STAGE_MAX at a time. */
static size_t stage(struct impl *im, const struct churn *ch, struct writes *w, size_t n)
{
	int rc[STAGE_MAX];
	size_t k = 0, m, i;

	while (k < n && w->left) {
		m = n - k < STAGE_MAX ? n - k : STAGE_MAX;
		m = m < w->left ? m : w->left;
		m = m < ch->n - w->pos ? m : ch->n - w->pos;
		if (im->ops->stage)
			im->ops->stage(im->h, &ch->c[w->pos], m, rc);
		else
			for (i = 0; i < m; i++)
				rc[i] = apply(im, &ch->c[w->pos + i]);
		for (i = 0; i < m; i++) {
			w->refused += rc[i] != 0;
			w->nospace += rc[i] == -ENOSPC;
		}
		w->pos = w->pos + m < ch->n ? w->pos + m : 0;
		w->left -= m;
		k += m;
	}
	return k;
}

static void publish(struct impl *im, struct writes *w)
{
	double t0 = opt.duty ? now() : 0, t1;

	if (im->ops->commit && im->ops->commit(im->h))
		w->commit_errors++;
	w->commits++;
	if (opt.duty) {
		t1 = now();
		w->next_commit = t1 + (opt.duty - 1) * (t1 - t0);
	}
}

/*
 * The commit policy, the same for every implementation: commit once the
 * oldest staged change has waited opt.commit_us (0: no limit), or opt.burst
 * changes are staged (0: no limit); with neither, after every change. With
 * opt.duty, not before w->next_commit either: commits then take at most
 * 1/opt.duty of the writer's time, and under a flood they grow instead of
 * multiplying (the live mirror's policy, src/mirror.c: PUBLISH_DUTY).
 */
static bool policy_due(const struct writes *w, size_t staged, double waited, double t)
{
	if (opt.duty && t < w->next_commit)
		return false;
	if (!opt.burst && !opt.commit_us)
		return staged > 0;
	return (opt.burst && staged >= opt.burst) ||
	       (opt.commit_us && waited >= opt.commit_us * 1e-6);
}

/* Changes staged between two looks at the clock by a writer that never waits. */
#define FLAT_CHUNK STAGE_MAX

/*
 * Flat out: the changes are a backlog, so each one arrives when the writer
 * gets to it; a commit comes once the first change it holds has waited
 * opt.commit_us, or it holds opt.burst (and the duty allows it).
 */
static void write_flat(struct impl *im, const struct churn *ch, struct writes *w, double tend)
{
	double ts, t;
	size_t n, k;

	do {
		ts = now();
		n = 0;
		do {
			k = opt.burst && opt.burst - n < FLAT_CHUNK ? opt.burst - n : FLAT_CHUNK;
			k = stage(im, ch, w, opt.burst || opt.commit_us || opt.duty ? k : 1);
			n += k;
			t = now();
		} while (k && !policy_due(w, n, t - ts, t) && t < tend);
		publish(im, w);
		w->changes += n;
	} while (t < tend && w->left);
}

/*
 * Paced: change i arrives at t0 + i / @rate. The writer sleeps until the
 * oldest change not yet published has waited opt.commit_us, or opt.burst
 * have arrived, and the duty allows it (or the window ends), then stages
 * every change that has arrived and commits. Publication latency, arrival
 * to visible to readers: the end of the commit, or, for a table changed in
 * place, the end of the change's own update (taken as evenly spread over
 * the burst).
 */
static void write_paced(struct impl *im, const struct churn *ch, struct writes *w, double rate,
			double t0, double tend)
{
	size_t done = 0, last = (size_t)((tend - t0) * rate) + 1; /* arrive in the window */

	while (done < last && w->left) {
		double d = tend, ts, te, lat;
		size_t n, i;

		/* When policy_due() will say so. */
		if (opt.commit_us || !opt.burst)
			d = fmin(d, t0 + (double)done / rate + opt.commit_us * 1e-6);
		if (opt.burst)
			d = fmin(d, t0 + (double)(done + opt.burst - 1) / rate);
		d = fmin(fmax(d, w->next_commit), tend);
		if (now() < d)
			sleep_until(d);
		ts = now();
		n = (size_t)((ts - t0) * rate) + 1;
		n = (n < last ? n : last) - done;
		if (opt.burst && n > opt.burst)
			n = opt.burst;
		n = stage(im, ch, w, n);
		if (!n)
			continue;
		publish(im, w);
		te = now();
		for (i = 0; i < n; i++) {
			double vis =
			    im->ops->commit ? te : ts + (te - ts) * (double)(i + 1) / (double)n;

			lat = vis - (t0 + (double)(done + i) / rate);
			w->lat_sum += lat;
			w->lat_max = fmax(w->lat_max, lat);
		}
		done += n;
		w->changes += n;
	}
}

/*
 * Apply @ch from w->pos for @secs, flat out (@rate 0) or paced, under the
 * commit policy (write_flat(), write_paced()). False when a reserving table
 * has taken what it may.
 */
static bool write_churn(struct impl *im, const struct churn *ch, struct writes *w, double secs,
			double rate)
{
	const struct ops *op = im->ops;
	size_t l0 = 0, p0 = 0, l1, p1;
	double t0, c0;

	if (op->copies)
		op->copies(im->h, &l0, &p0);
	t0 = now();
	c0 = thread_cpu_s();
	if (rate > 0)
		write_paced(im, ch, w, rate, t0, t0 + secs);
	else
		write_flat(im, ch, w, t0 + secs);
	w->seconds += now() - t0;
	w->cpu_s += thread_cpu_s() - c0;
	if (op->copies) {
		op->copies(im->h, &l1, &p1);
		w->copy_lines += l1 - l0;
		w->copy_pages += p1 - p0;
	}
	return w->left;
}

static void sleep_s(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/*
 * One measurement: opt.readers threads look up the in-table stream while
 * this thread alternates UPD_WINDOW s idle and UPD_WINDOW s applying @ch (at
 * @rate, 0: flat out), opt.upd_time s of each; the readers' lookups are
 * counted per window into @win.
 */
static void upd_measure(struct run *r, struct impl *im, const struct churn *ch, double rate,
			struct writes *w, struct windows *win)
{
	struct readers *rs = xcalloc(1, sizeof(*rs) + opt.readers * sizeof(rs->r[0]));
	bool more = true;
	double t, c, busy = 0;
	uint64_t n;
	unsigned i;

	rs->im = im;
	rs->s = &r->s[1];
	for (i = 0; i < opt.readers; i++) {
		rs->r[i].rs = rs;
		rs->r[i].next = i * (rs->s->n / BATCH_MAX) / opt.readers;
		if (pthread_create(&rs->r[i].th, NULL, reader_main, &rs->r[i])) {
			fprintf(stderr, "fibmirror-bench: cannot start a reader thread\n");
			exit(1);
		}
	}
	atomic_store(&rs->phase, 1);
	sleep_s(UPD_WINDOW / 4); /* every reader running */
	while (more && busy < opt.upd_time) {
		double span = opt.upd_time - busy < UPD_WINDOW ? opt.upd_time - busy : UPD_WINDOW;

		n = readers_lookups(rs);
		c = readers_cpu_s(rs);
		t = now();
		sleep_s(span);
		win->quiet_s += now() - t;
		win->quiet_n += readers_lookups(rs) - n;
		win->quiet_cpu += readers_cpu_s(rs) - c;
		n = readers_lookups(rs);
		c = readers_cpu_s(rs);
		t = now();
		more = write_churn(im, ch, w, span, rate);
		t = now() - t;
		win->churn_s += t;
		win->churn_n += readers_lookups(rs) - n;
		win->churn_cpu += readers_cpu_s(rs) - c;
		busy += t;
	}
	atomic_store(&rs->phase, 2);
	for (i = 0; i < opt.readers; i++)
		pthread_join(rs->r[i].th, NULL);
	free(rs);
}

/* One implementation on one stream, flat out ([0]) and paced ([1]). */
struct upd_result {
	double changes_s; /* flat out: best of the repetitions */
	size_t pos;	  /* next change of the stream: both measurements go on from it */
	struct writes w[2];
	struct windows win[2];
};

/* A fresh table for @im, whose state drifts under churn; the stream restarts. */
static void rebuild(struct impl *im, const struct run *r, size_t *pos)
{
	im->ops->destroy(im);
	im->h = NULL;
	if (fill(im, &r->t)) {
		fprintf(stderr, "fibmirror-bench: %s: cannot build the table again\n",
			im->ops->name);
		exit(1);
	}
	*pos = 0;
}

static void churn_row(struct run *r, const struct churn *ch, struct upd_result *res)
{
	unsigned reps = opt.reps < 3 ? opt.reps : 3, rep, m;
	size_t i;

	for (rep = 0; rep < reps; rep++) {
		for (i = 0; i < r->nimpl; i++) {
			for (m = 0; m < 1 + (opt.upd_rate > 0); m++) {
				struct writes *w = &res[i].w[m];
				size_t c0 = w->changes;
				double s0 = w->seconds, q;

				w->left = SIZE_MAX;
				if (r->im[i].ops->reserving) {
					if (!opt.tbl8)
						rebuild(&r->im[i], r, &res[i].pos);
					w->left = CHURN_PASSES * ch->n;
				}
				w->pos = res[i].pos;
				upd_measure(r, &r->im[i], ch, m ? opt.upd_rate : 0, w,
					    &res[i].win[m]);
				res[i].pos = w->pos;
				q = (double)(w->changes - c0) / (w->seconds - s0);
				if (!m && q > res[i].changes_s)
					res[i].changes_s = q;
			}
		}
	}
	for (i = 0; i < r->nimpl; i++) {
		size_t errors = res[i].w[0].commit_errors + res[i].w[1].commit_errors;
		size_t nospace = res[i].w[0].nospace + res[i].w[1].nospace;

		if (errors)
			fprintf(stderr, "fibmirror-bench: %s: %zu commits failed\n",
				r->im[i].ops->name, errors);
		if (nospace)
			fprintf(stderr, "fibmirror-bench: %s: %s: out of room (ENOSPC) %zu times\n",
				r->im[i].ops->name, ch->name, nospace);
	}
}

/* The figures of one implementation on one stream. */
struct upd_fig {
	double max_s, max_pct, max_cc, paced_s, paced_pct, paced_pct_cpu, paced_cc, lat_mean,
	    lat_max, paced_cpu, paced_lines, paced_pages, quiet, refused;
};

/* @a / @b, NAN (printed "-") when @b is 0. */
static double ratio(double a, double b)
{
	return b ? a / b : NAN;
}

static double win_pct(const struct windows *w)
{
	if (!w->quiet_n || !w->churn_s)
		return 0;
	return 100.0 * ((double)w->churn_n / w->churn_s) / ((double)w->quiet_n / w->quiet_s);
}

/* win_pct() per second of the readers' CPU time. */
static double win_pct_cpu(const struct windows *w)
{
	if (!w->quiet_n || !(w->churn_cpu > 0) || !(w->quiet_cpu > 0))
		return NAN; /* (NAN, from readers_cpu_s(), fails both) */
	return 100.0 * ((double)w->churn_n / w->churn_cpu) / ((double)w->quiet_n / w->quiet_cpu);
}

static struct upd_fig upd_fig(const struct upd_result *u, const struct impl *im)
{
	const struct windows *f = &u->win[0], *p = &u->win[1];
	size_t changes = u->w[0].changes + u->w[1].changes;
	struct upd_fig g = {
	    .max_s = u->changes_s,
	    .max_pct = win_pct(f),
	    .max_cc = ratio((double)u->w[0].changes, (double)u->w[0].commits),
	    .paced_s = u->w[1].seconds ? (double)u->w[1].changes / u->w[1].seconds : 0,
	    .paced_pct = win_pct(p),
	    .paced_pct_cpu = win_pct_cpu(p),
	    .paced_cc = ratio((double)u->w[1].changes, (double)u->w[1].commits),
	    .lat_mean = 1e6 * ratio(u->w[1].lat_sum, (double)u->w[1].changes),
	    .lat_max = 1e6 * u->w[1].lat_max,
	    .paced_cpu = u->w[1].seconds ? 100.0 * u->w[1].cpu_s / u->w[1].seconds : 0,
	    .paced_lines =
		im->ops->copies ? ratio((double)u->w[1].copy_lines, (double)u->w[1].commits) : NAN,
	    .paced_pages =
		im->ops->copies ? ratio((double)u->w[1].copy_pages, (double)u->w[1].commits) : NAN,
	    .quiet = (double)(f->quiet_n + p->quiet_n) / (f->quiet_s + p->quiet_s),
	    .refused =
		changes ? 100.0 * (double)(u->w[0].refused + u->w[1].refused) / (double)changes : 0,
	};

	return g;
}

/* ,"@key":@v with one decimal, or null for NAN (no such figure). */
static void json_f1(const char *key, double v)
{
	if (isnan(v))
		printf(",\"%s\":null", key);
	else
		printf(",\"%s\":%.1f", key, v);
}

static void json_churn(const struct run *r, const struct churn *ch, const struct upd_result *res)
{
	size_t i;

	for (i = 0; i < r->nimpl; i++) {
		const struct upd_result *u = &res[i];
		struct upd_fig g = upd_fig(u, &r->im[i]);

		json_head(r, &r->im[i], "update");
		printf(",\"churn\":\"%s\",\"batch\":%u,\"changes_per_s\":%.0f,\"changes\":%zu,"
		       "\"refused\":%zu,\"commit_us\":%g,\"burst\":%u,\"duty\":%g,\"readers\":%u,"
		       "\"reader_quiet_lookups_per_s\":%.0f,\"reader_churn_pct\":%.1f",
		       ch->name, BATCH_MAX, g.max_s, u->w[0].changes + u->w[1].changes,
		       u->w[0].refused + u->w[1].refused, opt.commit_us, opt.burst, opt.duty,
		       opt.readers, g.quiet, g.max_pct);
		json_f1("changes_per_commit", g.max_cc);
		printf(",\"update_rate\":%.0f,\"paced_changes_per_s\":%.0f", opt.upd_rate,
		       g.paced_s);
		json_f1("paced_reader_churn_pct", g.paced_pct);
		json_f1("paced_reader_churn_pct_per_cpu_s", g.paced_pct_cpu);
		json_f1("paced_changes_per_commit", g.paced_cc);
		json_f1("paced_latency_mean_us", g.lat_mean);
		json_f1("paced_latency_max_us", g.lat_max);
		json_f1("paced_writer_cpu_pct", g.paced_cpu);
		json_f1("paced_copy_lines_per_commit", g.paced_lines);
		json_f1("paced_copy_pages_per_commit", g.paced_pages);
		printf(",\"bytes_per_prefix\":%.3f}\n", per_prefix(r, &r->im[i]));
	}
}

static void print_churn(const struct run *r, const struct churn *ch, const struct upd_result *res)
{
	static const struct {
		const char *name, *fmt;
		bool paced;
	} rows[] = {
	    {"max changes/s", "%16.4g", false},
	    {"readers at max %", "%16.2f", false},
	    {"changes/commit at max", "%16.1f", false},
	    {"paced changes/s", "%16.4g", true},
	    {"readers at paced %", "%16.2f", true},
	    {"  same, per reader CPU s", "%16.2f", true},
	    {"changes/commit at paced", "%16.1f", true},
	    {"paced latency mean us", "%16.1f", true},
	    {"paced latency max us", "%16.1f", true},
	    {"writer CPU at paced %", "%16.2f", true},
	    {"copied lines/commit paced", "%16.1f", true},
	    {"copied pages/commit paced", "%16.1f", true},
	    {"readers quiet Mlookups/s", "%16.2f", false},
	    {"refused %", "%16.2f", false},
	};
	size_t i, k;

	if (opt.json) {
		json_churn(r, ch, res);
		return;
	}
	printf("  %s (%zu changes, looped)\n", ch->name, ch->n);
	for (k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
		if (rows[k].paced && opt.upd_rate <= 0)
			continue;
		printf("    %-26s", rows[k].name);
		for (i = 0; i < r->nimpl; i++) {
			struct upd_fig g = upd_fig(&res[i], &r->im[i]);
			double v[] = {g.max_s,	     g.max_pct,	      g.max_cc,	     g.paced_s,
				      g.paced_pct,   g.paced_pct_cpu, g.paced_cc,    g.lat_mean,
				      g.lat_max,     g.paced_cpu,     g.paced_lines, g.paced_pages,
				      g.quiet / 1e6, g.refused};

			if (isnan(v[k]))
				printf("%16s", "-");
			else
				printf(rows[k].fmt, v[k]);
		}
		putchar('\n');
	}
}

static void updates(struct run *r)
{
	struct upd_result res[MAX_IMPL];
	size_t j;

	if (!opt.json) {
		print_impl_names(r, "updates");
		printf("  commit policy: once the oldest staged change has waited %g us",
		       opt.commit_us);
		if (opt.burst)
			printf(" or %u changes are staged", opt.burst);
		if (opt.duty)
			printf(", and %g times the last commit's time has passed since it ended",
			       opt.duty - 1);
		printf(" (the same writer loop for all; without commits, changes are live as "
		       "applied)\n  %u reader threads (in-table, batch %u), %.2g s "
		       "writing (in %.2g s windows between as many idle ones), flat out and paced "
		       "at %.4g changes/s, %u times\n",
		       opt.readers, BATCH_MAX, opt.upd_time, UPD_WINDOW, opt.upd_rate,
		       opt.reps < 3 ? opt.reps : 3);
	}
	for (j = 0; j < r->nch; j++) {
		memset(res, 0, sizeof(res));
		churn_row(r, &r->ch[j], res);
		print_churn(r, &r->ch[j], res);
		fflush(stdout);
	}
}

/* --------------------------------------------------------------- family */

static void free_run(struct run *r)
{
	size_t i;

	for (i = 0; i < r->nimpl; i++) {
		if (r->im[i].h)
			r->im[i].ops->destroy(&r->im[i]);
		free(r->im[i].out);
	}
	for (i = 0; i < 2; i++)
		free(r->s[i].q);
	for (i = 0; i < r->nch; i++)
		free(r->ch[i].c);
	free(r->t.p);
	free(r->t.nh);
}

/* The whole benchmark for @family. 0, or -1 (reported). */
static int run_family(int family, bool asked)
{
	struct run r = {0};
	size_t i;
	int rc;

	rng = opt.seed + (uint64_t)family; /* the same data whatever else runs */
	rc = load_table(family, &r.t);
	if (rc > 0 && asked)
		fprintf(stderr, "fibmirror-bench: no IPv%d prefix in %s\n", family,
			opt.table ? opt.table : "the table");
	if (rc) {
		free_run(&r);
		return rc > 0 && !asked ? 0 : -1;
	}
	/* The random stream first: the trace leaves some of the table withdrawn. */
	if (!opt.no_update)
		make_random_churn(&r.t, &r.ch[r.nch++]);
	if (!opt.no_update && family == 4 && r.t.real && read_trace(&r.ch[r.nch]) == 0)
		r.nch++;
	r.sz = sizing(&r.t, r.ch, r.nch);
	pick_impls(&r);
	if (!r.nimpl) {
		fprintf(stderr, "fibmirror-bench: --impl selects nothing for IPv%d\n", family);
		free_run(&r);
		return asked ? -1 : 0;
	}
	make_stream(&r.s[0], &r.t, false);
	make_stream(&r.s[1], &r.t, true);
	print_header(&r);
	for (i = 0; i < r.nimpl; i++) {
		if (build(&r.im[i], &r)) {
			free_run(&r);
			return -1;
		}
	}
	print_build(&r);
	fflush(stdout);
	lookups(&r);
	if (r.nch)
		updates(&r);
	free_run(&r);
	return 0;
}

/* ----------------------------------------------------------------- main */

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "Usage: fibmirror-bench lpm [-4|-6] [--table FILE | --synthetic N] [--json]\n"
	    "           [--seed S] [--queries N] [--reps N] [--quick] [--impl LIST]\n"
	    "           [--next-hops N] [--readers N] [--commit-us T] [--burst N]\n"
	    "           [--duty D] [--update-time S] [--update-rate N] [--no-update]\n"
	    "           [--dpdk-mem MB] [--dpdk-tbl8 N] [--dpdk-avx512]\n"
	    "  -4, -6           one family (default: both)\n"
	    "  --table FILE     one CIDR per line, plain or .xz (default: the real full views)\n"
	    "  --synthetic N    N random prefixes with the real length histogram\n"
	    "  --json           one JSON object per line\n"
	    "  --seed S         random seed (default %#llx)\n"
	    "  --queries N      addresses per stream (default %u)\n"
	    "  --reps N         best of N passes (default %u)\n"
	    "  --quick          default to --queries 262144 --reps 2 --update-time 0.3\n"
	    "  --impl LIST      comma-separated: fibmirror,rte_fib,rte_lpm,rte_fib6\n",
	    DEF_SEED, DEF_QUERIES, DEF_REPS);
	fprintf(f,
		"  --next-hops N    distinct next hops, round robin (default %u)\n"
		"  --readers N      reader threads in the update test (default %u)\n"
		"  --commit-us T    update test: commit once the oldest staged change has waited\n"
		"                   T microseconds (default %g)\n"
		"  --burst N        ... or N changes are staged (default %u, 0: no cap)\n"
		"  --duty D         ... and (D - 1) times the last commit's time has passed since\n"
		"                   it ended (default 0: off; the live mirror's policy is 10)\n"
		"  --update-time S  seconds of writing per update measurement (default %g)\n"
		"  --update-rate N  changes/s of the paced writer, 0: flat out only (default %g)\n"
		"  --no-update      skip the update test\n"
		"  --dpdk-mem MB    EAL memory, rte_eal_init -m (default %u)\n"
		"  --dpdk-tbl8 N    tbl8 groups of every DPDK table (default: sized to the data)\n"
		"  --dpdk-avx512    let DPDK pick its AVX-512 lookups (EAL SIMD width 512)\n",
		DEF_NH, DEF_READERS, DEF_COMMIT, DEF_BURST, DEF_UPD_TIME, DEF_UPD_RATE, DEF_MEM_MB);
}

/* An option with a numeric argument, into the opt field it names. 0 or -1. */
static int parse_num_opt(const char *o, const char *arg)
{
	static const struct {
		const char *name;
		double min, max;
		size_t *z;
		unsigned *u;
		double *d;
	} t[] = {
	    {"--synthetic", 1, 1e8, &opt.synthetic, NULL, NULL},
	    {"--queries", BATCH_MAX, 1e9, &opt.queries, NULL, NULL},
	    {"--reps", 1, 1000, NULL, &opt.reps, NULL},
	    {"--next-hops", 1, 1 << 24, NULL, &opt.next_hops, NULL},
	    {"--readers", 1, 64, NULL, &opt.readers, NULL},
	    {"--burst", 0, 1e7, NULL, &opt.burst, NULL},
	    {"--commit-us", 0, 1e7, NULL, NULL, &opt.commit_us},
	    {"--duty", 0, 1000, NULL, NULL, &opt.duty},
	    {"--dpdk-mem", 256, 1 << 20, NULL, &opt.mem_mb, NULL},
	    {"--dpdk-tbl8", 64, MAX_TBL8, NULL, &opt.tbl8, NULL},
	    {"--update-time", 0.01, 3600, NULL, NULL, &opt.upd_time},
	    {"--update-rate", 0, 1e9, NULL, NULL, &opt.upd_rate},
	};
	char *end;
	double v;
	size_t k;

	for (k = 0; k < sizeof(t) / sizeof(t[0]) && strcmp(o, t[k].name); k++)
		;
	if (k == sizeof(t) / sizeof(t[0])) {
		fprintf(stderr, "fibmirror-bench: unknown option \"%s\"\n", o);
		return -1;
	}
	errno = 0;
	v = arg ? strtod(arg, &end) : 0;
	if (!arg || errno || *end || end == arg || v < t[k].min || v > t[k].max) {
		fprintf(stderr, "fibmirror-bench: %s needs a number in [%g, %g]\n", o, t[k].min,
			t[k].max);
		return -1;
	}
	if (t[k].z)
		*t[k].z = (size_t)v;
	else if (t[k].u)
		*t[k].u = (unsigned)v;
	else
		*t[k].d = v;
	return 0;
}

/* An option with a string argument (--table, --impl, --seed). 1 if @o is none. */
static int parse_str_opt(const char *o, const char *arg)
{
	char *end;

	if (strcmp(o, "--table") && strcmp(o, "--impl") && strcmp(o, "--seed"))
		return 1;
	if (!arg) {
		fprintf(stderr, "fibmirror-bench: %s needs an argument\n", o);
		return -1;
	}
	if (!strcmp(o, "--table"))
		opt.table = arg;
	else if (!strcmp(o, "--impl"))
		opt.impls = arg;
	errno = 0;
	if (!strcmp(o, "--seed") && ((opt.seed = strtoull(arg, &end, 0)), errno || *end || !*arg)) {
		fprintf(stderr, "fibmirror-bench: --seed needs an integer\n");
		return -1;
	}
	return 0;
}

/* Every name in --impl must be one of ours. */
static int check_impls(void)
{
	const char *s = opt.impls;
	size_t i, n;

	for (; s; s = strchr(s, ',') ? strchr(s, ',') + 1 : NULL) {
		n = strcspn(s, ",");
		for (i = 0; i < sizeof(all_ops) / sizeof(all_ops[0]); i++)
			if (strlen(all_ops[i]->name) == n && !strncmp(s, all_ops[i]->name, n))
				break;
		if (i == sizeof(all_ops) / sizeof(all_ops[0])) {
			fprintf(stderr, "fibmirror-bench: unknown implementation \"%.*s\"\n",
				(int)n, s);
			return -1;
		}
	}
	return 0;
}

static int parse_args(int argc, char **argv)
{
	int i, rc;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		exit(0);
	}
	if (argc < 2 || strcmp(argv[1], "lpm")) {
		usage(stderr);
		return -1;
	}
	for (i = 2; i < argc; i++) {
		const char *o = argv[i], *arg = i + 1 < argc ? argv[i + 1] : NULL;
		bool *flag = !strcmp(o, "-4")		   ? &opt.v4
			     : !strcmp(o, "-6")		   ? &opt.v6
			     : !strcmp(o, "--json")	   ? &opt.json
			     : !strcmp(o, "--quick")	   ? &opt.quick
			     : !strcmp(o, "--no-update")   ? &opt.no_update
			     : !strcmp(o, "--dpdk-avx512") ? &opt.avx512
							   : NULL;

		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			exit(0);
		}
		if (flag) {
			*flag = true;
			continue;
		}
		rc = parse_str_opt(o, arg);
		if (rc == 1)
			rc = parse_num_opt(o, arg);
		if (rc)
			return -1;
		i++;
	}
	if (opt.duty && opt.duty < 1) {
		fprintf(stderr, "fibmirror-bench: --duty needs 0 (off) or a number in [1, 1000]\n");
		return -1;
	}
	if (opt.quick) {
		opt.queries = opt.queries == DEF_QUERIES ? 1u << 18 : opt.queries;
		opt.reps = opt.reps == DEF_REPS ? 2 : opt.reps;
		opt.upd_time = opt.upd_time == DEF_UPD_TIME ? 0.3 : opt.upd_time;
	}
	return check_impls();
}

/* Is a DPDK implementation of a family that runs selected? */
static bool need_dpdk(void)
{
	size_t i;

	for (i = 0; i < sizeof(all_ops) / sizeof(all_ops[0]); i++)
		if (all_ops[i]->dpdk && wanted(all_ops[i]->name) &&
		    (all_ops[i]->family == 4 ? opt.v4 : opt.v6))
			return true;
	return false;
}

/* DPDK's environment, without hugepages or devices, quiet; this thread keeps
 * the CPUs it could run on (EAL pins it to lcore 0). */
static int eal_init(void)
{
	char mem[16], *args[] = {"fibmirror-bench",
				 "--no-huge",
				 "--no-pci",
				 "-m",
				 mem,
				 "--no-shconf",
				 "--no-telemetry",
				 "-l",
				 "0",
				 "--log-level=4",
				 "--force-max-simd-bitwidth=512",
				 NULL};
	int nargs = (int)(sizeof(args) / sizeof(args[0])) - (opt.avx512 ? 1 : 2);
	cpu_set_t cpus;
	bool have = sched_getaffinity(0, sizeof(cpus), &cpus) == 0;

	snprintf(mem, sizeof(mem), "%u", opt.mem_mb);
	if (rte_eal_init(nargs, args) < 0) {
		fprintf(stderr, "fibmirror-bench: rte_eal_init: %s\n", rte_strerror(rte_errno));
		return -1;
	}
	if (have && sched_setaffinity(0, sizeof(cpus), &cpus))
		perror("fibmirror-bench: sched_setaffinity");
	return 0;
}

static void find_exe_dir(void)
{
	ssize_t n = readlink("/proc/self/exe", exe_dir, sizeof(exe_dir) - 1);
	char *slash;

	exe_dir[n > 0 ? n : 0] = '\0';
	slash = strrchr(exe_dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(exe_dir, sizeof(exe_dir), ".");
}

int main(int argc, char **argv)
{
	bool asked, dpdk;
	int rc = 0;

	if (parse_args(argc, argv))
		return 2;
	asked = opt.v4 || opt.v6;
	if (!asked)
		opt.v4 = opt.v6 = true;
	find_exe_dir();
	bench_machine(cpu, sizeof(cpu), &ncpu, kernel, sizeof(kernel));
	dpdk = need_dpdk();
	if (dpdk && eal_init())
		return 1;
	urcu_memb_register_thread();
	if (!opt.json)
		printf("fibmirror-bench lpm: %s, %d CPUs online, %s; %s; fibmirror built %s\n", cpu,
		       ncpu, kernel, rte_version(), FM_BUILD_TYPE);
	if (opt.v4 && run_family(4, asked))
		rc = 1;
	if (opt.v6 && run_family(6, asked))
		rc = 1;
	urcu_memb_unregister_thread();
	if (dpdk)
		rte_eal_cleanup();
	if (disagreements)
		fprintf(stderr, "fibmirror-bench: %zu answers differ from the reference (above)\n",
			disagreements);
	return rc;
}
