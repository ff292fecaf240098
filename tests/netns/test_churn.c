// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: test_churn - the churn storm (reliability.md 3.2; goals L2 and L3):
 * full-speed `ip -batch` churn of everything the mirror follows while two
 * reader threads look up through the library, then the mirror must equal a
 * fresh kernel dump. TAP; needs root; exit 77 where no namespace can be made.
 *
 * Usage: test_churn [SECONDS [RUNS]]   (default 5 s, 1 run; the `slow` ctest
 * runs 60 s x 20). Every run gets a fresh namespace with two veth pairs,
 * a0-b0 and a1-b1, the a ends addressed in both families, and a live mirror
 * in this process (the main thread is its writer). Phases of a run:
 *  - QUIET (1 s): nothing changes; the readers' baseline.
 *  - STORM (SECONDS): five `ip -force -batch` jobs, restarted as soon as they
 *    end until the time is up: IPv4 routes (dev, gateway, add, replace, del),
 *    the same for IPv6, nexthop objects and groups with routes using them,
 *    IPv4 rules plus link flaps of a1 and carrier loss of a0 (its peer b0
 *    down and up), which make the kernel change things silently, and IPv6
 *    rules. -force, as many lines fail by design (a route that exists, or
 *    via a1 while a1 is down).
 *  - SETTLE: from the moment the last job has ended, the writer alternates
 *    fm_mirror_verify() and ~50 ms of processing until verify finds no
 *    difference.
 * The readers ask fm_route_get() for random flows of both families over the
 * churned prefixes (1 in 8 with an output device, half of them the one the
 * flow takes without it: the general path, but for flows whose route has a
 * live hop on that device), time
 * every lookup into a log-linear histogram and note the longest time between
 * two consecutive lookups (a reader that blocks or stalls shows there).
 *
 * Asserted: the storm happened; equality comes (within 30 s: a no-hang bound,
 * not the 2 s goal); every answer is one fm_route_get() documents and sane;
 * no reader stalled for a second. Printed, never gated (a shared 2-vCPU
 * machine makes timings measurements): time to equality, latency
 * p50/p99/p99.9 quiet and storm, throughput storm/quiet (per wall second and
 * per reader CPU second, as the storm's `ip` processes take CPU from the
 * readers), events per second, overruns and resyncs.
 */
#include "fibmirror.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "netns.h"
#include "tap.h"

#define SEED	     20240611u
#define QUIET_SECS   1.0
#define EQUAL_BOUND  30.0 /* no-hang bound for equality; the goal is 2 s */
#define GAP_BOUND_NS 1000000000ull
#define NJOBS	     5
#define NPFX	     256
#define HBUCKETS     1024

enum phase { WARM, QUIET, STORM, SETTLE, STOP, NPHASES };
static const char *const phase_name[] = {"warm", "quiet", "storm", "settle"};

/* Per reader and phase; PLAIN = the lock-free FIB path, GENERAL = with oif
 * (the general path, unless the route's hop is on the device). */
enum path { PLAIN, GENERAL, NPATHS };

struct pstats {
	uint64_t hist[NPATHS][HBUCKETS];
	uint64_t lookups, cpu_ns, max_gap_ns;
};

struct reader {
	pthread_t t;
	uint64_t rng;
	uint64_t bad;
	char first_bad[160];
	struct pstats ps[NPHASES];
};

struct job {
	char file[128];
	unsigned long lines, runs;
	pid_t pid;
};

static struct fm_mirror *m;
static int a0_ifindex;
static _Atomic int phase;
static struct job jobs[NJOBS];
extern char **environ;

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double now(void)
{
	return (double)now_ns(CLOCK_MONOTONIC) * 1e-9;
}

/* xorshift64*: a reproducible stream per reader from the printed seed. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* Log-linear buckets: exact below 16 ns, then 16 per power of two (6%). */
static unsigned hbucket(uint64_t v)
{
	int msb;

	if (v < 16)
		return (unsigned)v;
	msb = 63 - __builtin_clzll(v);
	return (unsigned)(msb - 3) * 16 + (unsigned)((v >> (msb - 4)) & 15);
}

static uint64_t hbucket_top(unsigned i)
{
	unsigned msb = i / 16 + 3;

	if (i < 16)
		return i;
	return ((16ull + i % 16 + 1) << (msb - 4)) - 1;
}

/* The upper bound of the bucket holding quantile @q of @h (@n samples). */
static uint64_t quantile(const uint64_t *h, uint64_t n, double q)
{
	uint64_t want = (uint64_t)((double)n * q), seen = 0;
	unsigned i;

	for (i = 0; i < HBUCKETS; i++) {
		seen += h[i];
		if (seen > want)
			return hbucket_top(i);
	}
	return 0;
}

/* A destination among the churned prefixes or the connected subnets, both
 * families; 1 in 8 flows names an output device. */
static enum path flow_for(uint64_t r, struct fm_flow *fl)
{
	unsigned i = (unsigned)(r >> 8) % NPFX, h = 1 + (unsigned)(r >> 16) % 254;
	unsigned kind = (unsigned)(r >> 32) % 4;
	char a[64];

	memset(fl, 0, sizeof(*fl));
	/* kinds 2 and 3: the connected subnets of a0 and a1 */
	if (r & 1) {
		if (kind < 2)
			snprintf(a, sizeof(a), "2001:db8:10%u:%x::%x", kind, i, h);
		else
			snprintf(a, sizeof(a), "2001:db8:%u::%x:%x", kind - 1, i, h);
		fl->family = AF_INET6;
	} else {
		if (kind < 2)
			snprintf(a, sizeof(a), "10.10%u.%u.%u", kind, i, h);
		else
			snprintf(a, sizeof(a), "10.%u.0.%u", kind - 1, h);
		fl->family = AF_INET;
		fl->ip_proto = 17;
	}
	fm_ip_parse(a, &fl->dst);
	if ((r >> 40) % 8)
		return PLAIN;
	fl->oif = a0_ifindex;
	return GENERAL;
}

/* What fm_route_get() may return, and a result consistent with the flow. */
static bool answer_possible(int rc, const struct fm_flow *fl, const struct fm_result *res)
{
	switch (rc) {
	case 0:
		return res->family == fl->family && res->oif > 0 &&
		       res->nhops <= FM_RESULT_MAX_HOPS && res->chosen < (int)res->nhops;
	case -ENETUNREACH:
	case -EHOSTUNREACH:
	case -EINVAL:
	case -EACCES:
	case -ENODEV:
		return true;
	default:
		return false;
	}
}

static void note_bad(struct reader *rd, const struct fm_flow *fl, int rc,
		     const struct fm_result *res)
{
	char d[64], g[64];

	if (rd->bad++)
		return;
	snprintf(rd->first_bad, sizeof(rd->first_bad), "%s oif %d: rc %d family %u gw %s oif %d",
		 fm_ip_format(&fl->dst, d, sizeof(d)), fl->oif, rc, res->family,
		 fm_ip_format(&res->gw, g, sizeof(g)), res->oif);
}

static void device_taken(struct fm_flow *fl)
{
	struct fm_flow plain = *fl;
	struct fm_result res;

	plain.oif = 0;
	if (fm_route_get(m, &plain, &res) == 0 && res.oif > 0)
		fl->oif = res.oif;
}

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	uint64_t cpu0 = now_ns(CLOCK_THREAD_CPUTIME_ID), prev = now_ns(CLOCK_MONOTONIC);
	int ph = atomic_load(&phase);

	while (ph != STOP) {
		struct pstats *ps = &rd->ps[ph];
		struct fm_result res;
		struct fm_flow fl;
		uint64_t r = rnd(&rd->rng), t0, t1;
		enum path p = flow_for(r, &fl);
		int rc;

		/* Half the device-naming flows name the device the flow takes
		 * anyway (asked first, untimed), as `ip route get ADDR oif DEV`
		 * usually does; the rest name a0 whatever the route. */
		if (p == GENERAL && (r >> 48) % 2)
			device_taken(&fl);
		t0 = now_ns(CLOCK_MONOTONIC);
		rc = fm_route_get(m, &fl, &res);

		t1 = now_ns(CLOCK_MONOTONIC);
		ps->hist[p][hbucket(t1 - t0)]++;
		ps->lookups++;
		if (t1 - prev > ps->max_gap_ns)
			ps->max_gap_ns = t1 - prev;
		prev = t1;
		if (!answer_possible(rc, &fl, &res))
			note_bad(rd, &fl, rc, &res);
		if (atomic_load_explicit(&phase, memory_order_relaxed) != ph) {
			uint64_t cpu = now_ns(CLOCK_THREAD_CPUTIME_ID);

			ps->cpu_ns = cpu - cpu0;
			cpu0 = cpu;
			ph = atomic_load(&phase);
		}
	}
	return NULL;
}

/* ------------------------------------------------------------ the storm */

/* Job 0: IPv4 routes on a0 and a1, by device and by gateway. */
static void gen_v4(FILE *f)
{
	for (int i = 0; i < NPFX; i++) {
		int j = (i * 37 + 11) % NPFX;

		fprintf(f, "route add 10.100.%d.0/24 dev a0\n", i);
		fprintf(f, "route replace 10.100.%d.0/24 via 10.1.0.%d dev a0\n", i, 2 + i % 3);
		fprintf(f, "route add 10.100.%d.128/25 via 10.2.0.2 dev a1 metric 10\n", i);
		fprintf(f, "route replace 10.100.%d.0/24 via 10.2.0.3 dev a1\n", j);
		fprintf(f, "route del 10.100.%d.128/25 metric 10\n", j);
		if (i % 3 == 0)
			fprintf(f, "route del 10.100.%d.0/24\n", j);
	}
}

/* Job 1: the same for IPv6. */
static void gen_v6(FILE *f)
{
	for (int i = 0; i < NPFX; i++) {
		int j = (i * 37 + 11) % NPFX;

		fprintf(f, "route add 2001:db8:100:%x::/64 dev a0\n", i);
		fprintf(f, "route replace 2001:db8:100:%x::/64 via 2001:db8:1::%d dev a0\n", i,
			2 + i % 3);
		fprintf(f,
			"route add 2001:db8:100:%x:8000::/65 via 2001:db8:2::2 dev a1 metric 10\n",
			i);
		fprintf(f, "route replace 2001:db8:100:%x::/64 via 2001:db8:2::3 dev a1\n", j);
		fprintf(f, "route del 2001:db8:100:%x:8000::/65 metric 10\n", j);
		if (i % 3 == 0)
			fprintf(f, "route del 2001:db8:100:%x::/64\n", j);
	}
}

/* Job 2: nexthop objects (ids 1-8 IPv4 on a0, 11-18 IPv4 on a1, 21-28 IPv6
 * on a0), groups 100-103 (IPv4) and 110-113 (IPv6), routes using them, and
 * deletes that make the kernel shrink groups and drop routes silently. */
static void gen_nexthops(FILE *f)
{
	for (int round = 0; round < 8; round++) {
		for (int k = 1; k <= 8; k++) {
			fprintf(f, "nexthop replace id %d via 10.1.0.%d dev a0\n", k,
				2 + (k + round) % 3);
			fprintf(f, "nexthop replace id %d via 10.2.0.%d dev a1\n", 10 + k,
				2 + (k + round) % 3);
			fprintf(f, "nexthop replace id %d via 2001:db8:1::%d dev a0\n", 20 + k,
				2 + (k + round) % 3);
		}
		for (int g = 0; g < 4; g++) {
			int a = 1 + (g + round) % 8, b = 1 + (g * 3 + round) % 8;

			fprintf(f, "nexthop replace id %d group %d/%d\n", 100 + g, a, 10 + b);
			fprintf(f, "nexthop replace id %d group %d/%d,2\n", 110 + g, 20 + a,
				20 + (a % 8) + 1);
		}
		for (int i = 0; i < 64; i++) {
			int p = (round * 64 + i) % NPFX;

			fprintf(f, "route replace 10.101.%d.0/24 nhid %d\n", p,
				(i % 2 ? 100 + i % 4 : 1 + i % 8));
			fprintf(f, "route replace 2001:db8:101:%x::/64 nhid %d\n", p,
				(i % 2 ? 110 + i % 4 : 21 + i % 8));
		}
		fprintf(f, "nexthop del id %d\n", 1 + round);
		fprintf(f, "nexthop del id %d\n", 21 + (round + 3) % 8);
		if (round % 4 == 3)
			fprintf(f, "nexthop del id %d\n", 100 + round / 4);
	}
}

/* Job 3: IPv4 rules (to the churned prefixes, into table 100), link flaps
 * of a1 (IPv4 routes flushed without a message, IPv6 addresses removed) and
 * carrier loss of a0 (b0 down: linkdown flags, nexthop objects on a0
 * flushed silently). */
static void gen_rules_links(FILE *f)
{
	fprintf(f, "route replace 10.100.0.0/16 via 10.1.0.5 dev a0 table 100\n");
	for (int round = 0; round < 4; round++) {
		for (int i = 0; i < 32; i++) {
			int p = round * 32 + i;

			fprintf(f, "rule add pref %d to 10.100.%d.0/24 table 100\n", 1000 + p, p);
			fprintf(f, "rule add pref %d from 10.1.0.%d table 100\n", 2000 + p, p);
		}
		fprintf(f, "link set a1 down\n");
		fprintf(f, "route replace 10.100.%d.0/24 via 10.2.0.2 dev a1\n", round);
		fprintf(f, "link set b0 down\n");
		for (int i = 0; i < 32; i++)
			fprintf(f, "rule del pref %d to 10.100.%d.0/24 table 100\n",
				1000 + round * 32 + i, round * 32 + i);
		fprintf(f, "link set a1 up\n");
		fprintf(f, "addr replace 2001:db8:2::1/64 dev a1 nodad\n");
		fprintf(f, "link set b0 up\n");
		fprintf(f, "addr replace 2001:db8:1::1/64 dev a0 nodad\n");
		fprintf(f, "route replace 10.100.0.0/16 via 10.1.0.5 dev a0 table 100\n");
		for (int i = 0; i < 32; i++)
			fprintf(f, "rule del pref %d from 10.1.0.%d table 100\n",
				2000 + round * 32 + i, round * 32 + i);
	}
}

/* Job 4 (run with -6: a batch line cannot name the family of a rule): IPv6
 * rules and their table. */
static void gen_rules6(FILE *f)
{
	for (int round = 0; round < 4; round++) {
		fprintf(f, "route replace 2001:db8:100::/48 via 2001:db8:1::5 dev a0 table 100\n");
		for (int i = 0; i < 32; i++)
			fprintf(f, "rule add pref %d to 2001:db8:100:%x::/64 table 100\n",
				1000 + round * 32 + i, round * 32 + i);
		for (int i = 0; i < 32; i++)
			fprintf(f, "rule del pref %d to 2001:db8:100:%x::/64 table 100\n",
				1000 + round * 32 + i, round * 32 + i);
	}
}

static int write_jobs(void)
{
	static void (*const gen[NJOBS])(FILE *) = {gen_v4, gen_v6, gen_nexthops, gen_rules_links,
						   gen_rules6};
	int c, i;

	for (i = 0; i < NJOBS; i++) {
		FILE *f;

		snprintf(jobs[i].file, sizeof(jobs[i].file), "/tmp/fmchurn-%d.%d", (int)getpid(),
			 i);
		if (!(f = fopen(jobs[i].file, "w")))
			return -1;
		gen[i](f);
		if (fclose(f) || !(f = fopen(jobs[i].file, "r")))
			return -1;
		jobs[i].lines = 0;
		while ((c = getc(f)) != EOF)
			jobs[i].lines += c == '\n';
		fclose(f);
	}
	return 0;
}

static void remove_jobs(void)
{
	for (int i = 0; i < NJOBS; i++)
		if (jobs[i].file[0])
			unlink(jobs[i].file);
}

/* One pass of job @j: `ip [-6] -n NS -force -batch FILE`, output discarded. */
static int spawn_job(struct job *j)
{
	char *argv[8];
	posix_spawn_file_actions_t fa;
	int n = 0, rc;

	argv[n++] = "ip";
	if (j == &jobs[NJOBS - 1]) /* the IPv6 rules */
		argv[n++] = "-6";
	argv[n++] = "-n";
	argv[n++] = netns_name;
	argv[n++] = "-force";
	argv[n++] = "-batch";
	argv[n++] = j->file;
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	rc = posix_spawnp(&j->pid, "ip", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		j->pid = 0;
	return rc;
}

/* Reap finished passes; restart them until @deadline. The number of jobs
 * still running. */
static int jobs_step(double deadline)
{
	int running = 0, i, st;

	for (i = 0; i < NJOBS; i++) {
		if (jobs[i].pid && waitpid(jobs[i].pid, &st, WNOHANG) == jobs[i].pid) {
			jobs[i].pid = 0;
			jobs[i].runs++;
		}
		if (!jobs[i].pid && now() < deadline)
			spawn_job(&jobs[i]);
		running += jobs[i].pid != 0;
	}
	return running;
}

/* The writer's loop: apply events, waking when the library asks to. */
static void process_for(double secs)
{
	double end = now() + secs;

	while (now() < end) {
		int due = fm_mirror_timeout(m);

		fm_mirror_process(m, due >= 0 && due < 20 ? due : 20);
	}
}

/* ------------------------------------------------------------- one run */

struct diffs {
	int n;
	char text[20][200];
};

static int diff_cb(char sign, const char *line, void *arg)
{
	struct diffs *d = arg;

	if (d->n < 20)
		snprintf(d->text[d->n], sizeof(d->text[0]), "%c %s", sign, line);
	d->n++;
	return 0;
}

struct run_result {
	double t_equal; /* < 0: never */
	double lookup_ratio, cpu_ratio;
	uint64_t p999_storm;
};

static int setup_netns(int run)
{
	const char *n = netns_name;

	if (run > 0 && sh("ip netns del %s && ip netns add %s", n, n))
		return -1;
	/* No DAD: addresses usable at once, and no timers after the storm. */
	return sh("ip netns exec %s sysctl -qw net.ipv6.conf.all.accept_dad=0 "
		  "net.ipv6.conf.default.accept_dad=0 && ip -n %s link set lo up && "
		  "ip -n %s link add a0 type veth peer name b0 && "
		  "ip -n %s link add a1 type veth peer name b1 && "
		  "ip -n %s addr add 10.1.0.1/24 dev a0 && ip -n %s addr add 10.2.0.1/24 dev a1 && "
		  "ip -n %s addr add 2001:db8:1::1/64 dev a0 nodad && "
		  "ip -n %s addr add 2001:db8:2::1/64 dev a1 nodad && "
		  "for l in a0 b0 a1 b1; do ip -n %s link set $l up || exit 1; done",
		  n, n, n, n, n, n, n, n, n);
}

static void set_phase(int p)
{
	atomic_store(&phase, p);
}

/* Storm for @secs; the storm's end (the last job's exit) in *t_end. */
static void storm(double secs, double *t_end)
{
	double deadline = now() + secs;

	for (int i = 0; i < NJOBS; i++)
		jobs[i].runs = 0;
	while (jobs_step(deadline) > 0) {
		int due = fm_mirror_timeout(m);

		fm_mirror_process(m, due >= 0 && due < 10 ? due : 10);
	}
	*t_end = now();
}

/* Verify until equal (or the bound): the seconds from @t_end, or -1. */
static double settle(double t_end, int *tries, struct diffs *d)
{
	for (*tries = 1;; (*tries)++) {
		int rc;

		d->n = 0;
		rc = fm_mirror_verify(m, diff_cb, d);
		if (rc == 0)
			return now() - t_end;
		if (rc < 0)
			diag("fm_mirror_verify: %s", strerror(-rc));
		if (now() - t_end > EQUAL_BOUND)
			return -1;
		process_for(0.05);
	}
}

static void sum_phase(struct reader *rd, int ph, struct pstats *out)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < 2; i++) {
		const struct pstats *ps = &rd[i].ps[ph];

		for (int p = 0; p < NPATHS; p++)
			for (int b = 0; b < HBUCKETS; b++)
				out->hist[p][b] += ps->hist[p][b];
		out->lookups += ps->lookups;
		out->cpu_ns += ps->cpu_ns;
		if (ps->max_gap_ns > out->max_gap_ns)
			out->max_gap_ns = ps->max_gap_ns;
	}
}

static void print_latency(int ph, const struct pstats *s, double wall)
{
	static const char *const path_name[] = {"plain", "oif (half as taken)"};

	for (int p = 0; p < NPATHS; p++) {
		uint64_t n = 0;

		for (int b = 0; b < HBUCKETS; b++)
			n += s->hist[p][b];
		diag("%-6s %-18s %10llu lookups  p50 %llu ns  p99 %llu ns  p99.9 %llu ns",
		     phase_name[ph], path_name[p], (unsigned long long)n,
		     (unsigned long long)quantile(s->hist[p], n, 0.5),
		     (unsigned long long)quantile(s->hist[p], n, 0.99),
		     (unsigned long long)quantile(s->hist[p], n, 0.999));
	}
	diag("%-6s %.0f lookups/s (2 readers, %.2f s), %.0f per reader CPU second", phase_name[ph],
	     (double)s->lookups / wall, wall, (double)s->lookups / ((double)s->cpu_ns * 1e-9));
}

static uint64_t p999_all(const struct pstats *s)
{
	uint64_t h[HBUCKETS], n = 0;

	for (int b = 0; b < HBUCKETS; b++) {
		h[b] = s->hist[PLAIN][b] + s->hist[GENERAL][b];
		n += h[b];
	}
	return quantile(h, n, 0.999);
}

static void report_readers(struct reader *rd, const double *wall, struct run_result *res)
{
	struct pstats q, s;
	uint64_t bad = 0;

	for (int i = 0; i < 2; i++) {
		bad += rd[i].bad;
		if (rd[i].bad)
			diag("reader %d, first impossible answer: %s", i, rd[i].first_bad);
	}
	sum_phase(rd, QUIET, &q);
	sum_phase(rd, STORM, &s);
	print_latency(QUIET, &q, wall[QUIET]);
	print_latency(STORM, &s, wall[STORM]);
	res->lookup_ratio = ((double)s.lookups / wall[STORM]) / ((double)q.lookups / wall[QUIET]);
	res->cpu_ratio =
	    ((double)s.lookups / (double)s.cpu_ns) / ((double)q.lookups / (double)q.cpu_ns);
	res->p999_storm = p999_all(&s);
	diag("throughput storm/quiet: %.2f per wall second, %.2f per reader CPU second",
	     res->lookup_ratio, res->cpu_ratio);
	ok(bad == 0, "every answer is one fm_route_get() documents (%llu impossible)",
	   (unsigned long long)bad);
	for (int i = 0; i < 2; i++)
		ok(rd[i].ps[STORM].lookups > 0 && rd[i].ps[STORM].max_gap_ns < GAP_BOUND_NS,
		   "reader %d never stopped: %llu lookups in the storm, longest gap %.3f ms", i,
		   (unsigned long long)rd[i].ps[STORM].lookups,
		   (double)rd[i].ps[STORM].max_gap_ns * 1e-6);
}

static void report_storm(const struct fm_stats *s0, const struct fm_stats *s1, double wall)
{
	unsigned long lines = 0, runs = 0;

	for (int i = 0; i < NJOBS; i++) {
		lines += jobs[i].lines * jobs[i].runs;
		runs += jobs[i].runs;
	}
	diag("storm: %.2f s, %lu batch passes, %lu commands (%.0f/s), %llu events applied "
	     "(%.0f/s), %llu implicit changes, overruns %llu, resyncs %llu",
	     wall, runs, lines, (double)lines / wall, (unsigned long long)(s1->events - s0->events),
	     (double)(s1->events - s0->events) / wall,
	     (unsigned long long)(s1->implicit - s0->implicit),
	     (unsigned long long)(s1->overruns - s0->overruns),
	     (unsigned long long)(s1->resyncs - s0->resyncs));
	ok(runs >= NJOBS && s1->events - s0->events > 1000,
	   "the storm ran: %lu passes of %d jobs, %llu events", runs, NJOBS,
	   (unsigned long long)(s1->events - s0->events));
}

static int run_once(int run, double secs, struct run_result *res)
{
	struct fm_open_opts o = {.sz = sizeof(o), .netns = netns_name};
	struct reader rd[2];
	struct fm_stats s0, s1, s2;
	struct fm_link l;
	struct diffs d;
	double t[NPHASES + 1], wall[NPHASES], t_end;
	int rc, i, tries;

	diag("run %d: %.0f s storm, reader seeds %u and %u", run + 1, secs, SEED + 2 * run,
	     SEED + 2 * run + 1);
	if (!ok(setup_netns(run) == 0, "run %d: namespace %s with a0-b0, a1-b1", run + 1,
		netns_name))
		return -1;
	rc = fm_mirror_open(&o, &m);
	if (!ok(rc == 0, "fm_mirror_open: %s", rc ? strerror(-rc) : "ok"))
		return -1;
	fm_link_by_name(m, "a0", &l);
	a0_ifindex = l.ifindex;
	memset(rd, 0, sizeof(rd));
	set_phase(WARM);
	for (i = 0; i < 2; i++) {
		rd[i].rng = SEED + 2 * (uint64_t)run + (uint64_t)i;
		pthread_create(&rd[i].t, NULL, reader_main, &rd[i]);
	}
	process_for(0.3);
	t[QUIET] = now();
	set_phase(QUIET);
	process_for(QUIET_SECS);
	fm_mirror_stats(m, &s0);
	t[STORM] = now();
	set_phase(STORM);
	storm(secs, &t_end);
	t[SETTLE] = now();
	set_phase(SETTLE);
	fm_mirror_stats(m, &s1);
	res->t_equal = settle(t_end, &tries, &d);
	fm_mirror_stats(m, &s2);
	set_phase(STOP);
	for (i = 0; i < 2; i++)
		pthread_join(rd[i].t, NULL);
	wall[QUIET] = t[STORM] - t[QUIET];
	wall[STORM] = t[SETTLE] - t[STORM];

	report_storm(&s0, &s1, wall[STORM]);
	for (i = 0; i < d.n && i < 20; i++)
		diag("difference: %s", d.text[i]);
	if (res->t_equal >= 0)
		diag("storm end -> mirror equal: %.3f s (verify %d; during it: %llu overruns, "
		     "%llu resyncs), routes %llu rules %llu nexthops %llu",
		     res->t_equal, tries, (unsigned long long)(s2.overruns - s1.overruns),
		     (unsigned long long)(s2.resyncs - s1.resyncs), (unsigned long long)s2.routes,
		     (unsigned long long)s2.rules, (unsigned long long)s2.nexthops);
	ok(res->t_equal >= 0, "mirror equals a fresh kernel dump after the storm (%d differences)",
	   d.n);
	report_readers(rd, wall, res);
	fm_mirror_free(m);
	m = NULL;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void summary(struct run_result *r, int runs)
{
	double *t = calloc((size_t)runs, sizeof(*t));
	int equal = 0, fast = 0, n = 0;
	double rmin = 1e9, rmax = 0;
	uint64_t p999 = 0;

	if (!t)
		return;

	for (int i = 0; i < runs; i++) {
		if (r[i].t_equal >= 0) {
			equal++;
			fast += r[i].t_equal <= 2.0;
			t[n++] = r[i].t_equal;
		}
		rmin = r[i].lookup_ratio < rmin ? r[i].lookup_ratio : rmin;
		rmax = r[i].lookup_ratio > rmax ? r[i].lookup_ratio : rmax;
		p999 = r[i].p999_storm > p999 ? r[i].p999_storm : p999;
	}
	qsort(t, (size_t)n, sizeof(t[0]), cmp_double);
	diag("summary: equal in %d/%d runs, within the 2 s goal in %d/%d", equal, runs, fast, runs);
	if (n)
		diag("summary: storm end -> equal min %.3f median %.3f max %.3f s", t[0], t[n / 2],
		     t[n - 1]);
	diag("summary: throughput storm/quiet %.2f-%.2f; worst storm p99.9 %llu ns", rmin, rmax,
	     (unsigned long long)p999);
	free(t);
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 5;
	int runs = argc > 2 ? atoi(argv[2]) : 1, rc, i;
	struct run_result *res;

	if (secs <= 0 || runs <= 0) {
		fprintf(stderr, "usage: %s [SECONDS [RUNS]]\n", argv[0]);
		return 2;
	}
	if ((rc = netns_create("fmchurn")))
		return rc;
	diag("seed %u, %.0f s x %d runs", SEED, secs, runs);
	atexit(remove_jobs);
	if (write_jobs()) {
		printf("Bail out! cannot write the batch files\n");
		return 1;
	}
	if (!(res = calloc((size_t)runs, sizeof(*res)))) {
		printf("Bail out! out of memory\n");
		return 1;
	}
	for (i = 0; i < runs; i++)
		if (run_once(i, secs, &res[i])) {
			printf("Bail out! run %d could not start\n", i + 1);
			return 1;
		}
	summary(res, runs);
	free(res);
	return tap_done();
}
