// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: bench_lag - how long a route change takes to reach the mirror's
 * readers, and what applying changes costs the writer, on the full view.
 *
 * Setup (root): bench_get's namespace (bench.h: the real IPv4 and IPv6 full
 * views, FV_NGW gateways each; --v4 / --v6 / --netns / --keep as there), and
 * a live mirror of it in this process, its writer a thread that runs
 * fm_mirror_process() without pause.
 *
 * For each rate of --rates (changes per second, default 1000,10000,50000),
 * for --seconds S (default 5): a churn thread replaces loaded IPv4 routes
 * with RTM_NEWROUTE (NLM_F_REPLACE, no ACK requested), each to another of the
 * gateways, at that rate (a burst every millisecond); errors the kernel
 * sends back are counted. A probe thread, every --probe-ms (default 2),
 * takes the change last sent and asks fm_route_get() for its prefix (from a
 * thread that is not the writer: what any reader sees) until the answer
 * names the new gateway: lag = seen - sent. Prefixes whose first address a
 * longer prefix covers are not probed, nor changes overtaken by a later one
 * of the same prefix; a probe still unseen after GIVE_UP_S counts as given
 * up. After each phase (and a second to settle), every prefix the phase
 * changed is asked once more: "stale" counts answers that are not its last
 * change (0 when the mirror caught up). On a namespace kept from an earlier
 * run (--netns), give another --seed: the same one replays the same
 * changes, which are no change any more.
 *
 * Printed per rate: changes sent per second, lag p50 / p90 / p99 / max in
 * milliseconds over the probes, and the writer's CPU time per change (its
 * thread CPU clock over the phase, divided by the notifications applied).
 * The kernel's own readers see a change when the request returns; the lag
 * is the mirror's price for answering in-process (event delivery, apply,
 * FIB publication). --json prints one object per rate.
 *
 * --tos-route adds TOS_ROUTE to the namespace first (and removes it at the
 * end): a prefix whose only route is tos-specific, so its outcome for plain
 * flows is inherited from a shorter prefix, which the FIB must track when
 * it patches the table (before 2026-12-07 such a table was compiled whole
 * at every change).
 */
#define FM_BENCH_NETLINK
#define FM_BENCH_FULLVIEW
#include "bench.h"

#include <linux/rtnetlink.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#define MAX_RATES  8
#define MAX_PROBES 100000
#define GIVE_UP_S  5.0 /* a probe that waits longer counts as this */
#define TOS_ROUTE  "198.18.0.0/24 tos 0x10 via 10.0.1.1" /* --tos-route */

static struct fm_mirror *mir;
static struct pfxset s4, s6;
static uint16_t *gw_of; /* current gateway number of each loaded IPv4 prefix */
static atomic_bool stop_writer, stop_churn;
static atomic_long last_sent = -1; /* index into sent[] of the newest change */

/* One change as the churn thread sent it. */
static struct change {
	long pfx;
	uint16_t gw;
	double t;
} * sent;
static long nsent_cap;

/* The writer's figures at a phase boundary, taken on its own thread. */
static struct {
	atomic_int req; /* 1: take them; 0: taken */
	uint64_t events;
	double cpu;
} snap;

static double thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void *writer_main(void *arg)
{
	struct fm_stats st;

	(void)arg;
	while (!atomic_load(&stop_writer)) {
		fm_mirror_process(mir, 5);
		if (atomic_load(&snap.req)) {
			fm_mirror_stats(mir, &st);
			snap.events = st.events;
			snap.cpu = thread_cpu();
			atomic_store(&snap.req, 0);
		}
	}
	return NULL;
}

static void take_snap(uint64_t *events, double *cpu)
{
	atomic_store(&snap.req, 1);
	while (atomic_load(&snap.req))
		usleep(200);
	*events = snap.events;
	*cpu = snap.cpu;
}

static void gw_addr(uint16_t gw, uint8_t b[4])
{
	long h = 257 + gw; /* as bench.h's route_line numbers them */

	b[0] = 10;
	b[1] = 0;
	b[2] = (uint8_t)(h >> 8);
	b[3] = (uint8_t)(h & 255);
}

/* Append "replace prefix @i via gateway @gw" to the batch in @buf at *@off. */
static void put_replace(char *buf, size_t *off, long i, uint16_t gw, unsigned seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf + *off);
	struct rtmsg *rtm;
	uint8_t g[4];

	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	rtm->rtm_dst_len = s4.sel[i].len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_BOOT;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	mnl_attr_put(nlh, RTA_DST, 4, s4.sel[i].b);
	gw_addr(gw, g);
	mnl_attr_put(nlh, RTA_GATEWAY, 4, g);
	*off += nlh->nlmsg_len;
}

struct churn {
	struct kq q;
	double rate, seconds;
	uint64_t rng;
	long errors, sent;
};

/* Read what the kernel sent back (only errors: no ACK was asked for). */
static void drain_errors(struct churn *c)
{
	ssize_t n;

	while ((n = recv(mnl_socket_get_fd(c->q.nl), c->q.buf, sizeof(c->q.buf), MSG_DONTWAIT)) >
	       0) {
		const struct nlmsghdr *h = (const void *)c->q.buf;
		int len = (int)n;

		for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len))
			if (h->nlmsg_type == NLMSG_ERROR &&
			    ((const struct nlmsgerr *)mnl_nlmsg_get_payload(h))->error)
				c->errors++;
	}
}

static void *churn_main(void *arg)
{
	struct churn *c = arg;
	static char buf[1 << 16];
	double t0 = now(), next = t0;
	long done = 0;

	while (!atomic_load(&stop_churn) && now() - t0 < c->seconds) {
		long due = (long)((now() - t0) * c->rate) + 1;
		size_t off = 0;

		while (done < due && done < nsent_cap && off + 256 < sizeof(buf)) {
			long i = (long)(bench_rnd(&c->rng) % (uint64_t)s4.nsel);
			uint16_t gw =
			    (uint16_t)((gw_of[i] + 1 + bench_rnd(&c->rng) % (FV_NGW - 1)) % FV_NGW);

			put_replace(buf, &off, i, gw, c->q.seq++);
			__atomic_store_n(&gw_of[i], gw, __ATOMIC_RELAXED);
			sent[done] = (struct change){.pfx = i, .gw = gw, .t = now()};
			atomic_store(&last_sent, done);
			done++;
		}
		if (off && mnl_socket_sendto(c->q.nl, buf, off) < 0)
			c->errors++;
		drain_errors(c);
		next += 1e-3;
		if (next > now())
			usleep((useconds_t)((next - now()) * 1e6));
	}
	drain_errors(c);
	c->sent = done;
	c->rate = done / (now() - t0); /* what was achieved */
	return NULL;
}

/* What readers see for prefix @i: its gateway number, -1 when another
 * prefix answers its first address, -2 on an error. */
static int seen_gw(long i)
{
	struct fm_flow fl = {.family = AF_INET};
	struct fm_result r;
	uint8_t g[4];

	fl.dst.family = AF_INET;
	memcpy(fl.dst.b, s4.sel[i].b, 4);
	if (fm_route_get(mir, &fl, &r))
		return -2;
	if (r.dst_len != s4.sel[i].len)
		return -1;
	for (int k = 0; k < FV_NGW; k += 1) {
		gw_addr((uint16_t)k, g);
		if (!memcmp(r.gw.b, g, 4))
			return k;
	}
	return -2;
}

struct probe {
	double *lag; /* ms */
	long n, given_up;
	double every_ms;
};

static void *probe_main(void *arg)
{
	struct probe *p = arg;
	long last = -1;

	while (!atomic_load(&stop_churn) && p->n < MAX_PROBES) {
		long k = atomic_load(&last_sent);
		struct change c;
		int g;

		if (k < 0 || k == last) {
			usleep((useconds_t)(p->every_ms * 1000));
			continue;
		}
		last = k;
		c = sent[k];
		/* Until seen, or changed again meanwhile (then not counted). */
		while ((g = seen_gw(c.pfx)) >= 0 && g != c.gw && now() - c.t < GIVE_UP_S &&
		       __atomic_load_n(&gw_of[c.pfx], __ATOMIC_RELAXED) == c.gw)
			usleep(50);
		if (g == c.gw)
			p->lag[p->n++] = (now() - c.t) * 1e3;
		else if (g >= 0 && now() - c.t >= GIVE_UP_S)
			p->given_up++;
		usleep((useconds_t)(p->every_ms * 1000));
	}
	return NULL;
}

/* After the phase: prefixes changed in it whose answer is not their last
 * change (the mirror never caught up with them). */
static long stale_after(long n)
{
	long k, stale = 0;

	for (k = 0; k < n; k++) {
		int g = seen_gw(sent[k].pfx);

		stale += g >= 0 && g != gw_of[sent[k].pfx];
	}
	return stale;
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(const double *v, long n, double q)
{
	return n ? v[(long)(q * (double)(n - 1))] : 0;
}

/* Each phase draws from its own seed, a draw from --seed's stream: not
 * --seed + phase, which splitmix64 (its state steps by a constant) would
 * let another run replay a few draws later. */
static void phase(double rate, double seconds, double probe_ms, uint64_t seed, bool json)
{
	struct churn c = {.rate = rate, .seconds = seconds, .rng = seed};
	struct probe p = {.every_ms = probe_ms};
	pthread_t tc, tp;
	uint64_t ev0, ev1;
	double cpu0, cpu1;

	p.lag = xcalloc(MAX_PROBES, sizeof(*p.lag));
	if (kq_open(&c.q))
		exit(1);
	atomic_store(&last_sent, -1);
	atomic_store(&stop_churn, false);
	take_snap(&ev0, &cpu0);
	pthread_create(&tp, NULL, probe_main, &p);
	pthread_create(&tc, NULL, churn_main, &c);
	pthread_join(tc, NULL);
	usleep(1000 * 1000); /* the last changes land, the last probes end */
	atomic_store(&stop_churn, true);
	pthread_join(tp, NULL);
	take_snap(&ev1, &cpu1);
	long stale = stale_after(c.sent);
	mnl_socket_close(c.q.nl);
	qsort(p.lag, (size_t)p.n, sizeof(*p.lag), dbl_cmp);
	double us = ev1 > ev0 ? (cpu1 - cpu0) * 1e6 / (double)(ev1 - ev0) : 0;

	if (json)
		printf("{\"rate\":%.0f,\"achieved\":%.0f,\"errors\":%ld,\"probes\":%ld,"
		       "\"given_up\":%ld,\"lag_ms_p50\":%.3f,\"lag_ms_p90\":%.3f,"
		       "\"lag_ms_p99\":%.3f,\"lag_ms_max\":%.3f,\"applied\":%llu,"
		       "\"writer_us_per_change\":%.2f,\"stale_after\":%ld}\n",
		       rate, c.rate, c.errors, p.n, p.given_up, pct(p.lag, p.n, .5),
		       pct(p.lag, p.n, .9), pct(p.lag, p.n, .99), p.n ? p.lag[p.n - 1] : 0,
		       (unsigned long long)(ev1 - ev0), us, stale);
	else
		printf(
		    "%8.0f/s %9.0f/s %6ld %7ld %6ld %9.2f %9.2f %9.2f %9.2f %10llu %10.2f %6ld\n",
		    rate, c.rate, c.errors, p.n, p.given_up, pct(p.lag, p.n, .5),
		    pct(p.lag, p.n, .9), pct(p.lag, p.n, .99), p.n ? p.lag[p.n - 1] : 0,
		    (unsigned long long)(ev1 - ev0), us, stale);
	fflush(stdout);
	free(p.lag);
}

static int usage(void)
{
	fprintf(
	    stderr,
	    "usage: bench_lag [--v4 N] [--v6 N] [--netns NAME] [--keep] "
	    "[--rates R,R,..] [--seconds S] [--probe-ms MS] [--seed N] [--tos-route] [--json]\n");
	return 2;
}

int main(int argc, char **argv)
{
	double rates[MAX_RATES] = {1000, 10000, 50000}, seconds = 5, probe_ms = 2, load4, load6,
	       open_s;
	int nrates = 3, i, rc;
	uint64_t seed = 20261206;
	bool json = false, tos_route = false;
	pthread_t tw;
	struct fm_stats st;

	fv.prog = "bench_lag";
	for (i = 1; i < argc; i++) {
		if (fv_option(argc, argv, &i))
			continue;
		if (!strcmp(argv[i], "--rates") && i + 1 < argc) {
			char *s = argv[++i], *end;

			for (nrates = 0; nrates < MAX_RATES && *s; s = end + (*end == ',')) {
				rates[nrates++] = strtod(s, &end);
				if (end == s || rates[nrates - 1] <= 0)
					return usage();
			}
		} else if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			seconds = atof(argv[++i]);
		} else if (!strcmp(argv[i], "--probe-ms") && i + 1 < argc) {
			probe_ms = atof(argv[++i]);
		} else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
			seed = strtoull(argv[++i], NULL, 0);
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--tos-route")) {
			tos_route = true;
		} else {
			return usage();
		}
	}
	if (seconds <= 0 || probe_ms <= 0 || !nrates)
		return usage();
	if ((rc = fv_prepare(&s4, &s6, &load4, &load6)))
		return rc;
	if (!s4.nsel) {
		fprintf(stderr, "bench_lag: needs IPv4 prefixes\n");
		return 1;
	}
	gw_of = xcalloc((size_t)s4.nsel, sizeof(*gw_of));
	for (long k = 0; k < s4.nsel; k++)
		gw_of[k] = (uint16_t)(k % FV_NGW); /* as route_line loaded them */
	for (i = 0; i < nrates; i++)
		if (rates[i] * seconds + 1000 > nsent_cap)
			nsent_cap = (long)(rates[i] * seconds) + 1000;
	sent = xcalloc((size_t)nsent_cap, sizeof(*sent));
	if (tos_route && sh("ip -n %s route add " TOS_ROUTE, fv.ns))
		return 1;
	mir = fv_open(&open_s);
	fm_mirror_stats(mir, &st);
	if (!json) {
		fv_describe(&s4, &s6, load4, load6, open_s, &st);
		printf("IPv4 routes replaced at each rate for %.1f s; a probe every %.1f ms; seed "
		       "%llu\n",
		       seconds, probe_ms, (unsigned long long)seed);
		printf("%10s %11s %6s %7s %6s %9s %9s %9s %9s %10s %10s %6s\n", "rate", "achieved",
		       "errors", "probes", "gaveup", "p50 ms", "p90 ms", "p99 ms", "max ms",
		       "applied", "writer us", "stale");
	}
	pthread_create(&tw, NULL, writer_main, NULL);
	usleep(1500 * 1000); /* the first publication after open */
	for (i = 0; i < nrates; i++)
		phase(rates[i], seconds, probe_ms, bench_rnd(&seed), json);
	atomic_store(&stop_writer, true);
	pthread_join(tw, NULL);
	fm_mirror_free(mir);
	if (tos_route)
		sh("ip -n %s route del " TOS_ROUTE, fv.ns);
	return 0;
}
