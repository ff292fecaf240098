// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: bench_get - route lookup: fm_route_get() on a mirror against the
 * kernel's own RTM_GETROUTE, over the real IPv4 and IPv6 full views.
 *
 * Setup (root; bench.h's full-view namespace, shared with bench_cache): a
 * network namespace "fmbench-PID" with veth pairs v0/v1 and v2/v3,
 * 10.0.0.1/16 on v0 and fd00::1/64 (nodad) on v2, and FV_NGW (300)
 * gateways 10.0.1.1.. and fd00::100.. used round-robin. The prefixes are the
 * real full views (FM_SOURCE_DIR/../shared/data/ipv4-fullview-901899.txt.xz
 * and ipv6-fullview-160147.txt.xz, read with `xz -dc`); --v4 N / --v6 N keep
 * N of them, an even stride over the sorted list (so a small run still spans
 * the address space). They are loaded with one `ip -batch` file per family
 * of "route add P via G" lines (about 15 s for everything; timed, printed,
 * not the benchmark). With --netns NAME an existing namespace is measured as
 * it is (for instance one left by --keep with the same --v4/--v6): nothing
 * is loaded, and the in-table streams are still drawn from the data files.
 *
 * Query streams, per family, --queries N addresses each, from a fixed
 * (printed) seed: "in-table" (a loaded prefix picked uniformly, random host
 * bits) and "uniform" (uniformly random addresses, so misses too: about 29%
 * for IPv4, 7/8 for IPv6, which lies in 2000::/3). A flow is what
 * `ip route get ADDR` asks: the destination only (IPv4 with ip_proto UDP, as
 * inet_rtm_getroute assumes).
 *
 * Measured in this one process, single thread, for each stream:
 *  (a) fm_route_get() on a live mirror of the namespace (fm_mirror_open with
 *      opts.netns): passes over the stream until MIN_TIME has elapsed, the
 *      mean ns per lookup (a pass over the first CHECK_N queries warms up
 *      first, untimed);
 *  (a2) the same in two threads at once (two readers of one mirror; the
 *      table's "2 threads/s" is their summed lookups per second);
 *  (a4) streams "in+oif": the in-table ones with `oif` naming the gateways'
 *      device (v0, v2), which the fast path answers when the route's hop is
 *      on it (RTA_OIF for the kernel); "in+src": the in-table ones with the
 *      namespace's own address as source (10.0.0.1, fd00::1; RTA_SRC);
 *      "in+iif": IPv4 in-table flows received on v0 from 10.0.5.5 (RTA_IIF,
 *      RTA_SRC), the input path;
 *  (a3) the same stream in bursts of BURST (32) flows through
 *      fm_route_get_bulk(), one thread ("burst ns": ns per flow);
 *  (b) the kernel: one RTM_GETROUTE request (rtmsg family, RTA_DST,
 *      RTM_F_LOOKUP_TABLE, as `ip route get` sends) and its reply, one at a
 *      time on a NETLINK_ROUTE socket opened inside the namespace; the reply
 *      is parsed for the error, RTA_OIF and RTA_GATEWAY/RTA_VIA;
 *  (c) their ratios (kern/fm single lookups, kern/bst bursts);
 *  (d) all of it again with 10, then 100 extra rules in both families,
 *      "fwmark N lookup 1000+N pref 100+N": none matches a flow (mark 0), so
 *      every lookup walks past them (and the kernel leaves its no-custom-rules
 *      fast path). The mirror learns them from its own event stream. They
 *      are deleted at the end, so a kept or given namespace is left as loaded.
 *
 * Cross-check: the first CHECK_N queries of every stream (and rule count)
 * are compared between (a) and (b): the same error, or the same output
 * device and gateway (nothing is multipath). Disagreements are counted,
 * the first few described on stderr; the count should be 0.
 *
 * Output: a table per rule count, or with --json one object per
 * measurement ({"impl","family","stream","rules","threads","ns_per_lookup",
 * "lookups_per_s"}) and a last summary object ("bench":"get").
 */
#define FM_BENCH_NETLINK
#define FM_BENCH_FULLVIEW
#include "bench.h"
#include "fibmirror.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHECK_N	    2000 /* queries per stream compared between mirror and kernel */
#define BURST	    32	 /* flows per fm_route_get_bulk */
#define MIN_TIME    0.3	 /* seconds: fm_route_get passes repeat until this much */
#define MAX_TIME    5.0	 /* seconds: ... but stop there, even within a pass */
#define CHUNK_MAX   256	 /* lookups between clock reads, at most */
#define SHOW_DIFFS  5	 /* disagreements described on stderr per stream */
#define DEF_SEED    0x5eed2024ULL
#define DEF_QUERIES 100000L

struct stream {
	int family;
	const char *name; /* "in-table", "uniform", "in+oif", "in+src" or "in+iif" */
	struct fm_ip *dst;
	long n;
	int oif;	  /* > 0: every flow names this output device (`oif DEV`) */
	int iif;	  /* > 0: every flow is received on this device (`iif DEV`) */
	struct fm_ip src; /* family != 0: every flow has this source (`from SRC`) */
};

/* The query streams' sequence (bench_rnd), from --seed. */
static uint64_t rng_state;

/* -------------------------------------------------------------- streams */

/* A loaded prefix picked uniformly, then random host bits. */
static void make_in_table(struct stream *st, const struct pfxset *s, long n)
{
	long i;

	st->dst = xcalloc((size_t)n, sizeof(*st->dst));
	for (i = 0; i < n; i++)
		in_table_addr(&rng_state, s, &st->dst[i]);
	st->n = n;
}

static void make_uniform(struct stream *st, int family, long n)
{
	long i;

	st->dst = xcalloc((size_t)n, sizeof(*st->dst));
	for (i = 0; i < n; i++) {
		st->dst[i].family = (uint8_t)family;
		random_bytes(&rng_state, st->dst[i].b, family == AF_INET ? 4 : 16);
	}
	st->n = n;
}

/*
 * The in-table streams again with `oif` naming the gateways' device (v0,
 * v2): the same routes answer.
 */
static void add_oif_streams(struct fm_mirror *m, struct stream *v, int *n)
{
	int i, k = *n;
	struct fm_link l;

	for (i = 0; i < k; i++) {
		if (strcmp(v[i].name, "in-table") ||
		    fm_link_by_name(m, v[i].family == AF_INET ? "v0" : "v2", &l))
			continue;
		v[*n] = v[i];
		v[*n].name = "in+oif";
		v[(*n)++].oif = l.ifindex;
	}
}

/*
 * And with a source, the namespace's own address on the gateways' device
 * (10.0.0.1, fd00::1), as a VPN or tunnel daemon asks for the packets it
 * sends from its address: the same routes answer.
 */
static void add_src_streams(struct stream *v, int *n)
{
	int i, k = *n;

	for (i = 0; i < k; i++) {
		if (strcmp(v[i].name, "in-table"))
			continue;
		v[*n] = v[i];
		v[*n].name = "in+src";
		fm_ip_parse(v[i].family == AF_INET ? "10.0.0.1" : "fd00::1", &v[(*n)++].src);
	}
}

/*
 * Packets received from a host of the device's subnet, to be forwarded:
 * IPv4 on v0 from 10.0.5.5 (the input path, with the source check's reverse
 * route; the namespaces bench_get makes forward, one named with --netns is
 * measured as it is set), IPv6 on v2 from fd00::5.
 */
static void add_iif_streams(struct fm_mirror *m, struct stream *v, int *n)
{
	int i, k = *n;
	struct fm_link l;

	for (i = 0; i < k; i++) {
		bool v4 = v[i].family == AF_INET;

		if (strcmp(v[i].name, "in-table") || fm_link_by_name(m, v4 ? "v0" : "v2", &l))
			continue;
		v[*n] = v[i];
		v[*n].name = "in+iif";
		v[*n].iif = l.ifindex;
		fm_ip_parse(v4 ? "10.0.5.5" : "fd00::5", &v[(*n)++].src);
	}
}

/* --------------------------------------------------------------- measure */

static void flow_init(struct fm_flow *fl, const struct stream *st)
{
	memset(fl, 0, sizeof(*fl));
	fl->family = (uint8_t)st->family;
	/* inet_rtm_getroute asks for UDP when nothing is said; IPv6 leaves 0. */
	fl->ip_proto = st->family == AF_INET ? IPPROTO_UDP : 0;
	fl->oif = st->oif;
	fl->iif = st->iif;
	fl->src = st->src;
}

/*
 * fm_route_get over @st, from its start, wrapping around: until MIN_TIME has
 * elapsed at the end of a whole pass, or MAX_TIME in any case (the reference
 * engine can take tens of milliseconds per IPv6 lookup). The clock is read
 * between chunks, which double from 1 lookup up to CHUNK_MAX while one takes
 * under a millisecond, so a slow engine still stops near MAX_TIME. Return ns
 * per lookup; *timed is the number of lookups timed.
 */
/* Route the @k queries of @st from @i: one fm_route_get, or one burst. */
static int route_some(struct fm_mirror *m, const struct stream *st, long i, int k,
		      struct fm_flow *fl, struct fm_result *res, int *rc)
{
	int j, sink = 0;

	if (k == 1) {
		fl[0].dst = st->dst[i];
		return fm_route_get(m, &fl[0], &res[0]) == 0 ? res[0].oif : 0;
	}
	for (j = 0; j < k; j++)
		fl[j].dst = st->dst[i + j];
	fm_route_get_bulk(m, fl, res, rc, (size_t)k);
	for (j = 0; j < k; j++)
		sink += rc[j] == 0 ? res[j].oif : 0;
	return sink;
}

static double time_mirror(struct fm_mirror *m, const struct stream *st, int burst, long *timed)
{
	struct fm_result *res = xcalloc(BURST, sizeof(*res));
	struct fm_flow fl[BURST];
	long i = 0, done = 0, end, chunk = 1;
	double t0, t, tc = 0;
	int k, rc[BURST], sink = 0;

	for (k = 0; k < BURST; k++)
		flow_init(&fl[k], st);
	t0 = now();
	for (;;) {
		end = i + chunk < st->n ? i + chunk : st->n;
		done += end - i;
		for (; i < end; i += k) {
			k = end - i < burst ? (int)(end - i) : burst;
			sink += route_some(m, st, i, k, fl, res, rc);
		}
		t = now() - t0;
		if (t - tc < 1e-3 && chunk < CHUNK_MAX)
			chunk *= 2;
		tc = t;
		if (bench_timed_enough(&i, st->n, t, MIN_TIME, MAX_TIME))
			break;
	}
	if (sink == -1) /* keeps the results live; never true */
		fputc(' ', stderr);
	free(res);
	*timed = done;
	return t * 1e9 / (double)done;
}

struct thr {
	pthread_t t;
	struct fm_mirror *m;
	const struct stream *st;
	long timed;
	double ns;
};

static void *thr_main(void *arg)
{
	struct thr *x = arg;

	x->ns = time_mirror(x->m, x->st, 1, &x->timed);
	return NULL;
}

/* time_mirror() in @n threads at once (readers of one mirror); return the
 * mean ns per lookup per thread, *mps the lookups per second of them all. */
static double time_threads(struct fm_mirror *m, const struct stream *st, int n, double *mps)
{
	struct thr x[8];
	double ns = 0;
	int i;

	*mps = 0;
	for (i = 0; i < n; i++) {
		x[i] = (struct thr){.m = m, .st = st};
		if (pthread_create(&x[i].t, NULL, thr_main, &x[i]))
			return -1;
	}
	for (i = 0; i < n; i++) {
		pthread_join(x[i].t, NULL);
		ns += x[i].ns / n;
		*mps += 1e9 / x[i].ns;
	}
	return ns;
}

/* RTM_GETROUTE over @st, one pass (enough: microseconds each). Return ns per lookup. */
static double time_kernel(struct kq *q, const struct stream *st, struct answer *first, long *found)
{
	struct answer a;
	long i, ok = 0;
	double t0 = now();

	for (i = 0; i < st->n; i++) {
		if (kq_get_from(q, &st->dst[i], &st->src, st->oif, st->iif, &a) == 0)
			ok++;
		else if (a.rc == -EIO) {
			fprintf(stderr, "bench_get: netlink request failed: %s\n", strerror(errno));
			exit(1);
		}
		if (i < CHECK_N)
			first[i] = a;
	}
	*found = ok;
	return (now() - t0) * 1e9 / (double)st->n;
}

static bool same_answer(const struct answer *k, int rc, const struct fm_result *r)
{
	int alen = k->gw.family == AF_INET ? 4 : 16;

	if (k->rc != rc)
		return false;
	if (rc)
		return true;
	return k->oif == r->oif && k->gw.family == r->gw.family &&
	       (!k->gw.family || !memcmp(k->gw.b, r->gw.b, (size_t)alen));
}

/* Mirror answers for the first CHECK_N queries against the kernel's. Untimed. */
static long check(struct fm_mirror *m, const struct stream *st, const struct answer *k, int rules)
{
	char a[48], g1[48], g2[48];
	struct fm_result res;
	struct fm_flow fl;
	long i, bad = 0;
	int rc;

	flow_init(&fl, st);
	for (i = 0; i < st->n && i < CHECK_N; i++) {
		fl.dst = st->dst[i];
		rc = fm_route_get(m, &fl, &res);
		if (same_answer(&k[i], rc, &res))
			continue;
		if (bad++ < SHOW_DIFFS)
			fprintf(stderr,
				"bench_get: disagreement (IPv%d %s, %d rules, query %ld) %s: "
				"kernel rc %d oif %d gw %s, fibmirror rc %d oif %d gw %s\n",
				st->family == AF_INET ? 4 : 6, st->name, rules, i,
				fm_ip_format(&st->dst[i], a, sizeof(a)), k[i].rc, k[i].oif,
				k[i].rc ? "-" : fm_ip_format(&k[i].gw, g1, sizeof(g1)), rc,
				rc ? 0 : res.oif, rc ? "-" : fm_ip_format(&res.gw, g2, sizeof(g2)));
	}
	return bad;
}

static void json_line(const char *impl, int family, const char *stream, int rules, int threads,
		      double ns)
{
	printf("{\"impl\":\"%s\",\"family\":%d,\"stream\":\"%s\",\"rules\":%d,"
	       "\"threads\":%d,\"ns_per_lookup\":%.1f,\"lookups_per_s\":%.0f}\n",
	       impl, family, stream, rules, threads, ns, threads * 1e9 / ns);
}

static int usage(void)
{
	fprintf(stderr, "Usage: bench_get [--v4 N] [--v6 N] [--queries N] [--seed S] [--json]\n"
			"                 [--netns NAME] [--keep]\n");
	return 2;
}

int main(int argc, char **argv)
{
	static const int rule_counts[] = {0, 10, 100};
	struct pfxset s4, s6;
	struct stream streams[10];
	struct answer *kans;
	struct fm_mirror *m;
	struct fm_stats fst;
	struct kq *q;
	long nq = DEF_QUERIES, total_bad = 0;
	double load4, load6, open_s;
	uint64_t seed = DEF_SEED;
	int i, r, ns_count = 0, rc;
	bool json = false;

	fv.prog = "bench_get";
	for (i = 1; i < argc; i++) {
		if (fv_option(argc, argv, &i))
			continue;
		if (!strcmp(argv[i], "--queries") && i + 1 < argc)
			nq = atol(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else
			return usage();
	}
	if (nq <= 0)
		return usage();
	rc = fv_prepare(&s4, &s6, &load4, &load6);
	if (rc)
		return rc;

	/* The streams, from the seed, before anything else draws from it. */
	rng_state = seed;
	if (s4.nsel) {
		streams[ns_count] = (struct stream){.family = AF_INET, .name = "in-table"};
		make_in_table(&streams[ns_count++], &s4, nq);
	}
	streams[ns_count] = (struct stream){.family = AF_INET, .name = "uniform"};
	make_uniform(&streams[ns_count++], AF_INET, nq);
	if (s6.nsel) {
		streams[ns_count] = (struct stream){.family = AF_INET6, .name = "in-table"};
		make_in_table(&streams[ns_count++], &s6, nq);
	}
	streams[ns_count] = (struct stream){.family = AF_INET6, .name = "uniform"};
	make_uniform(&streams[ns_count++], AF_INET6, nq);

	m = fv_open(&open_s);
	fm_mirror_stats(m, &fst);
	add_oif_streams(m, streams, &ns_count);
	add_src_streams(streams, &ns_count);
	add_iif_streams(m, streams, &ns_count);
	q = xcalloc(1, sizeof(*q));
	if (kq_open(q))
		return 1;
	kans = xcalloc(CHECK_N, sizeof(*kans));

	if (!json) {
		fv_describe(&s4, &s6, load4, load6, open_s, &fst);
		printf("queries: %ld per stream, seed 0x%llx. The kernel runs a stream once;\n"
		       "fibmirror repeats it for >= %.1f s, or stops at %.0f s (\"timed\": lookups "
		       "timed).\ncheck: disagreements in the first %d queries.\n",
		       nq, (unsigned long long)seed, MIN_TIME, MAX_TIME, CHECK_N);
	}

	for (r = 0; r < 3; r++) {
		int rules = rule_counts[r];

		if (rules && add_rules(m, rules))
			return 1;
		if (!json) {
			printf("\n%d extra rules (fwmark, never matching)\n", rules);
			printf("%-4s %-8s %7s | %9s %12s %10s %11s %8s | %9s %10s | %8s %8s %5s\n",
			       "fam", "stream", "match", "timed", "fibmirror ns", "lookups/s",
			       "2 threads/s", "burst ns", "kernel us", "lookups/s", "kern/fm",
			       "kern/bst", "check");
		}
		for (i = 0; i < ns_count; i++) {
			const struct stream *st = &streams[i];
			int fam = st->family == AF_INET ? 4 : 6;
			double k_ns, m_ns, mb_ns, m2_ns, m2_mps;
			long k_ok, m_n, mb_n, bad;

			k_ns = time_kernel(q, st, kans, &k_ok);
			bad = check(m, st, kans, rules); /* also the mirror's warm-up */
			m_ns = time_mirror(m, st, 1, &m_n);
			mb_ns = time_mirror(m, st, BURST, &mb_n);
			m2_ns = time_threads(m, st, 2, &m2_mps);
			total_bad += bad;
			if (json) {
				json_line("fibmirror", fam, st->name, rules, 1, m_ns);
				json_line("fibmirror", fam, st->name, rules, 2, m2_ns);
				json_line("fibmirror-burst32", fam, st->name, rules, 1, mb_ns);
				json_line("kernel", fam, st->name, rules, 1, k_ns);
				fflush(stdout);
				continue;
			}
			printf(
			    "IPv%d %-8s %6.1f%% | %9ld %12.1f %10.0f %11.0f %8.1f | %9.2f %10.0f | "
			    "%7.3gx %7.3gx %5ld\n",
			    fam, st->name, 100.0 * (double)k_ok / (double)st->n, m_n, m_ns,
			    1e9 / m_ns, m2_mps, mb_ns, k_ns / 1e3, 1e9 / k_ns, k_ns / m_ns,
			    k_ns / mb_ns, bad);
			fflush(stdout);
		}
	}
	if (json)
		printf("{\"bench\":\"get\",\"netns\":\"%s\",\"v4_prefixes\":%ld,"
		       "\"v6_prefixes\":%ld,\"queries\":%ld,\"seed\":%llu,\"routes\":%llu,"
		       "\"open_s\":%.3f,\"load4_s\":%.3f,\"load6_s\":%.3f,"
		       "\"disagreements\":%ld}\n",
		       fv.ns, s4.nsel, s6.nsel, nq, (unsigned long long)seed,
		       (unsigned long long)fst.routes, open_s, load4, load6, total_bad);
	else
		printf("\ndisagreements fibmirror/kernel: %ld (of %d per stream and rule count)\n",
		       total_bad, CHECK_N);
	fm_mirror_free(m);
	mnl_socket_close(q->nl);
	return total_bad ? 3 : 0;
}
