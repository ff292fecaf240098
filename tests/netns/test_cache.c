// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: test_cache - the flow cache, route handles and flow watches against
 * the uncached lookup, across every kind of change the kernel can make (TAP;
 * root and netns; also run under ThreadSanitizer and AddressSanitizer).
 *
 * A namespace with two veth pairs (v0/v1, v2/v3), addresses of both
 * families, /24s and /48s via gateways on both, multipath routes, routes
 * over a nexthop object, a second table behind a fwmark rule. NFLOWS random
 * flows (fixed seed, printed; FM_TEST_SEED overrides) of both families: the
 * plain output path, with marks, ports, an output device, a source, an input
 * device.
 *
 * Cache: before and after each change, a fresh thread (not the writer, so
 * it answers from the published FIB as a data plane would) looks every flow
 * up through its cache and uncached: the answers must be the same. The
 * check runs once right after the change is applied (the FIB may still be
 * the old one: both must answer from it) and once after the mirror has
 * published, which a missed generation bump would fail. Every change must
 * change some flow's answer, or the check proves nothing: route replace and
 * delete (both families), a rule, a nexthop object replaced, a link down and
 * up, carrier loss, an address removed and restored, the multipath hash
 * policy sysctl, forwarding (netconf), a resync that finds a change the
 * event stream did not deliver, and an IPv6 route whose lifetime runs out
 * while nothing is announced.
 *
 * Watches: NWATCH flows watched; after each step, a watch fired iff its
 * flow's answer changed, each report's old answer is the previous report's
 * new one (or the first answer) and differs from its new one, and the last
 * new one is the answer now; a change to an unused table fires none.
 *
 * Handles: reader threads hold handles on flows and check, refresh, release
 * and retake them while the writer replaces and deletes routes, deletes a
 * device and resyncs; every refreshed handle then equals the uncached
 * answer; some handles outlive the mirror and are then invalid, refuse to
 * refresh and are released.
 */
#include "fibmirror.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netns.h"
#include "tap.h"

#define NFLOWS	 3000
#define NWATCH	 200
#define NHANDLE	 256
#define NREADERS 2
#define DEF_SEED 0x5eed2026u

static struct fm_mirror *m;
static struct fm_flow flows[NFLOWS];
static uint64_t answer[NFLOWS]; /* fingerprint of the uncached answer */
static uint64_t rng;
static int v0, v2, v1;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* The answer as one number: the return and, on success, head and hops. */
static uint64_t fingerprint(int rc, const struct fm_result *r)
{
	const unsigned char *p = (const void *)r;
	uint64_t h = 1469598103934665603ull ^ (uint64_t)(int64_t)rc;
	size_t i, n = offsetof(struct fm_result, hops);

	if (rc)
		return h;
	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	p = (const void *)r->hops;
	for (i = 0; i < r->nhops * sizeof(r->hops[0]); i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static void flow_at(struct fm_flow *fl, int i)
{
	char a[64];
	uint32_t k = rnd(16);

	memset(fl, 0, sizeof(*fl));
	if (i % 2) {
		fl->family = AF_INET6;
		snprintf(a, sizeof(a), "2001:db8:1%02x:%x::%x", rnd(40), rnd(4), 1 + rnd(200));
	} else {
		fl->family = AF_INET;
		snprintf(a, sizeof(a), "10.100.%u.%u", rnd(40), 1 + rnd(250));
	}
	if (rnd(10) == 0) /* outside the prefixes: the default route, or none */
		snprintf(a, sizeof(a), i % 2 ? "2001:db8:900::%x" : "10.200.0.%u", 1 + rnd(200));
	fm_ip_parse(a, &fl->dst);
	fl->ip_proto = rnd(2) ? 6 : 17;
	fl->sport = (uint16_t)(1024 + rnd(60000));
	fl->dport = (uint16_t)(1 + rnd(1000));
	fl->mark = rnd(4) == 0 ? 5 : 0;
	if (k == 0)
		fl->oif = rnd(2) ? v0 : v2;
	else if (k == 1)
		fm_ip_parse(i % 2 ? "2001:db8:1::1" : "10.1.0.1", &fl->src);
	else if (k == 2 && fl->family == AF_INET) {
		fl->iif = v1;
		fm_ip_parse("10.1.0.77", &fl->src);
	}
}

/* ------------------------------------------------------------------ cache */

struct check {
	struct fm_cache *c;
	bool record; /* keep the answers in answer[] (counting the changed ones) */
	unsigned differ, changed, checked;
	char first[200];
};

static void *check_main(void *arg)
{
	struct check *k = arg;
	static struct fm_result a, b; /* one checker at a time */
	char d[64];
	int i;

	for (i = 0; i < NFLOWS; i++) {
		int rc = fm_cache_route_get(k->c, &flows[i], &a);
		int ru = fm_route_get(m, &flows[i], &b);
		uint64_t fa = fingerprint(rc, &a), fb = fingerprint(ru, &b);

		k->checked++;
		if (fa != fb && !k->differ++)
			snprintf(k->first, sizeof(k->first),
				 "%s: cached rc %d oif %d, uncached rc %d oif %d",
				 fm_ip_format(&flows[i].dst, d, sizeof(d)), rc, a.oif, ru, b.oif);
		if (!k->record)
			continue;
		if (fb != answer[i])
			k->changed++;
		answer[i] = fb;
	}
	return NULL;
}

/* Every flow through the cache and not, in a thread that is not the writer. */
static struct check run_check(struct fm_cache *c, bool record)
{
	struct check k = {.c = c, .record = record};
	pthread_t t;

	pthread_create(&t, NULL, check_main, &k);
	pthread_join(t, NULL);
	return k;
}

/* Apply what the kernel sent until nothing is pending and the FIB is
 * published (a route lifetime ending seconds later is not waited for). */
static void settle(void)
{
	int quiet = 0;

	while (quiet < 3) {
		int n = fm_mirror_process(m, 30), t = fm_mirror_timeout(m);

		quiet = n == 0 && (t < 0 || t > 1200) ? quiet + 1 : 0;
	}
}

/* ---------------------------------------------------------------- watches */

struct wstate {
	int index;
	unsigned fires;
	uint64_t first_old, last_new;
	bool broken; /* a report that did not chain or changed nothing */
};

static struct wstate ws[NWATCH];
static struct fm_watch *watches[NWATCH];

static void on_watch(const struct fm_flow *fl, int old_rc, const struct fm_result *old, int new_rc,
		     const struct fm_result *new, void *arg)
{
	struct wstate *w = arg;
	uint64_t o = fingerprint(old_rc, old), n = fingerprint(new_rc, new);

	(void)fl;
	if (w->fires && o != w->last_new)
		w->broken = true;
	if (!w->fires)
		w->first_old = o;
	if (o == n)
		w->broken = true;
	w->last_new = n;
	w->fires++;
}

static uint64_t before[NWATCH];

static void watch_begin(void)
{
	int i;

	for (i = 0; i < NWATCH; i++) {
		ws[i].fires = 0;
		ws[i].broken = false;
		before[i] = answer[ws[i].index];
	}
}

/* After the step (answer[] holds the new uncached answers): fired iff changed. */
static void watch_end(const char *what)
{
	unsigned wrong = 0, fired = 0, i;

	for (i = 0; i < NWATCH; i++) {
		uint64_t now = answer[ws[i].index];
		bool moved = now != before[i];
		struct wstate *w = &ws[i];

		fired += w->fires > 0;
		if (moved != (w->fires > 0) || w->broken ||
		    (w->fires && (w->first_old != before[i] || w->last_new != now)))
			wrong++;
	}
	ok(wrong == 0, "%s: watches fired for exactly the %u flows whose answer changed (%u wrong)",
	   what, fired, wrong);
}

/* ------------------------------------------------------------------ steps */

struct step {
	const char *what;
	const char *cmd; /* run in the namespace (sh -c) */
	bool resync;	 /* apply by resync only: the events are thrown away */
	bool sysctl;	 /* no event: the mirror re-reads sysctls once a second */
};

static const struct step steps[] = {
    {.what = "IPv4 route replace", .cmd = "ip route replace 10.100.3.0/24 via 10.1.0.2 dev v0"},
    {.what = "IPv4 route delete", .cmd = "ip route del 10.100.4.0/24"},
    {.what = "IPv6 route replace",
     .cmd = "ip -6 route replace 2001:db8:103::/48 via 2001:db8:1::2 dev v0"},
    {.what = "IPv6 route delete", .cmd = "ip -6 route del 2001:db8:104::/48"},
    {.what = "rule added", .cmd = "ip rule add fwmark 5 lookup 100 pref 100"},
    {.what = "rule deleted", .cmd = "ip rule del pref 100"},
    {.what = "IPv6 rule added", .cmd = "ip -6 rule add fwmark 5 lookup 100 pref 100"},
    {.what = "nexthop object replaced", .cmd = "ip nexthop replace id 10 via 10.2.0.2 dev v2"},
    {.what = "link down", .cmd = "ip link set v2 down"},
    {.what = "link up",
     .cmd = "ip link set v2 up && ip route replace 10.100.20.0/24 via 10.2.0.2 dev v2"},
    {.what = "carrier lost (linkdown, ignore_routes_with_linkdown)",
     .cmd = "sysctl -qw net.ipv4.conf.v2.ignore_routes_with_linkdown=1 && ip link set v3 down"},
    {.what = "carrier back", .cmd = "ip link set v3 up"},
    {.what = "address removed", .cmd = "ip addr del 10.1.0.1/24 dev v0"},
    {.what = "address restored",
     .cmd = "ip addr add 10.1.0.1/24 dev v0 && ip route replace 10.100.0.0/24 via 10.1.0.2 dev v0"},
    {.what = "multipath hash policy",
     .cmd = "sysctl -qw net.ipv4.fib_multipath_hash_policy=1",
     .sysctl = true},
    {.what = "forwarding off (netconf)", .cmd = "sysctl -qw net.ipv4.conf.v1.forwarding=0"},
    {.what = "route change found by a resync",
     .cmd = "ip route replace 10.100.5.0/24 via 10.2.0.2 dev v2",
     .resync = true},
};

static void run_step(struct fm_cache *c, const struct step *s)
{
	struct check k;

	watch_begin();
	sh("ip netns exec %s sh -c '%s'", netns_name, s->cmd);
	if (s->resync) {
		usleep(100 * 1000);
		fm_mirror_resync(m); /* drops the queued events, then dumps */
	} else {
		fm_mirror_process(m, 200);
	}
	if (s->sysctl) {
		usleep(1100 * 1000);
		fm_mirror_process(m, 0);
	}
	k = run_check(c, false);
	ok(k.differ == 0, "%s, before publication: cached = uncached (%u differ) %s", s->what,
	   k.differ, k.first);
	settle();
	k = run_check(c, true);
	ok(k.differ == 0 && k.changed > 0,
	   "%s: cached = uncached for %u flows (%u differ), %u answers changed %s", s->what,
	   k.checked, k.differ, k.changed, k.first);
	watch_end(s->what);
}

/* An IPv6 route that expires while nothing is announced. */
static void step_expiry(struct fm_cache *c)
{
	struct check k;
	struct fm_flow fl = {.family = AF_INET6};
	struct fm_result r;
	struct fm_handle *h = NULL;
	int i, rc, t;

	sh("ip netns exec %s ip -6 route add 2001:db8:900::/48 via 2001:db8:1::2 dev v0 expires 4",
	   netns_name);
	settle();
	t = fm_mirror_timeout(m);
	ok(t > 1200 && t <= 4000, "the writer is due back when the lifetime ends (in %d ms)", t);
	k = run_check(c, true); /* cached while the route lives */
	fm_ip_parse("2001:db8:900::5", &fl.dst);
	rc = fm_cache_route_get(c, &fl, &r);
	ok(rc == 0 && r.oif == v0, "a route with a lifetime answers while it lives (rc %d)", rc);
	fm_handle_new(m, &fl, &h);
	sleep(4);
	for (i = 0; i < NFLOWS; i++) /* the answers to compare with are the new ones */
		answer[i] = 0;
	k = run_check(c, true); /* no fm_mirror_process(): only the lifetime changed */
	ok(k.differ == 0, "route lifetime over: cached = uncached (%u differ) %s", k.differ,
	   k.first);
	rc = fm_cache_route_get(c, &fl, &r);
	ok(rc != 0 || r.oif != v0 || !r.gw.family || r.gw.b[15] != 2,
	   "the expired route is no longer the cached answer (rc %d)", rc);
	ok(fm_handle_valid(h), "no writer pass yet: the handle has not been told");
	fm_mirror_process(m, 0); /* the writer notices the end of the lifetime */
	ok(!fm_handle_valid(h) && fm_handle_refresh(h) == 1,
	   "after the writer's pass the handle is invalid and its refresh changes the answer");
	fm_handle_free(h);
	settle();
	k = run_check(c, false);
	ok(k.differ == 0, "recompiled without the ended route: cached = uncached (%u differ) %s",
	   k.differ, k.first);
}

static void test_cache_and_watches(void)
{
	struct fm_cache_opts o = {.sz = sizeof(o), .entries = 8192, .no_bypass = true};
	struct fm_cache *c;
	struct fm_cache_stats st;
	struct check k;
	size_t i;
	int rc;

	rc = fm_cache_new(m, &o, &c);
	if (!ok(rc == 0, "fm_cache_new: %d", rc))
		return;
	k = run_check(c, true); /* fills the cache and answer[] */
	ok(k.differ == 0, "first pass: cached = uncached for %u flows", k.checked);
	fm_cache_stats(c, &st);
	ok(st.out_hit + st.in_hit == 0 && st.evictions == 0, "nothing hit, nothing evicted yet");
	k = run_check(c, true);
	ok(k.differ == 0, "second pass: cached = uncached for %u flows", k.checked);
	k = run_check(c, true);
	fm_cache_stats(c, &st);
	ok(k.differ == 0 && st.out_hit + st.in_hit >= 2 * NFLOWS * 9 / 10,
	   "second and third passes answer from the cache: %llu hits, %llu misses",
	   (unsigned long long)(st.out_hit + st.in_hit),
	   (unsigned long long)(st.out_slow + st.in_slow));
	for (i = 0; i < NWATCH; i++) {
		ws[i].index = (int)(i * (NFLOWS / NWATCH));
		rc = fm_watch_flow(m, &flows[ws[i].index], on_watch, &ws[i], &watches[i]);
		if (rc)
			break;
	}
	ok(i == NWATCH, "%d flow watches registered", NWATCH);
	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		run_step(c, &steps[i]);

	watch_begin();
	sh("ip netns exec %s ip route add 10.77.0.0/16 via 10.1.0.2 table 300", netns_name);
	settle();
	k = run_check(c, true);
	ok(k.differ == 0 && k.changed == 0, "a route in an unused table changes no answer");
	watch_end("unused table");

	step_expiry(c);
	fm_cache_stats(c, &st);
	diag("cache: %llu out hits, %llu out slow, %llu in hits, %llu in slow, %llu stale, "
	     "%llu evictions, %llu invalidations",
	     (unsigned long long)st.out_hit, (unsigned long long)st.out_slow,
	     (unsigned long long)st.in_hit, (unsigned long long)st.in_slow,
	     (unsigned long long)st.stale, (unsigned long long)st.evictions,
	     (unsigned long long)st.invalidations);
	ok(st.stale > 0 && st.invalidations > 0, "changes invalidated entries (%llu stale met)",
	   (unsigned long long)st.stale);
	for (i = 0; i < NWATCH; i++)
		fm_watch_free(watches[i]);
	fm_cache_free(c);
	fm_mirror_cache_stats(m, &st);
	ok(st.caches == 0 && st.out_hit > 0, "a freed cache's counters stay in the mirror's");
}

/* ------------------------------------------------------------ the bypass */

static uint64_t hits_of(const struct fm_cache *c)
{
	struct fm_cache_stats st;

	fm_cache_stats(c, &st);
	return st.out_hit + st.in_hit;
}

/* Hot flows in a small cache; a stream of flows seen once (20 times its
 * size) must not push them out (a full set keeps a flow only on its second
 * miss). 256 entries: 32 sets, so that no set holds more than 8 of the 32 hot
 * flows, whatever the cache's random secret (odds about 1 in 40,000). */
static void test_admission(void)
{
	struct fm_cache_opts o = {.sz = sizeof(o), .entries = 256, .no_bypass = true};
	struct fm_flow fl = {.family = AF_INET, .ip_proto = 17};
	struct fm_cache_stats st;
	struct fm_cache *c;
	struct fm_result r;
	uint64_t before, kept, evicted;
	int i, pass;

	if (fm_cache_new(m, &o, &c))
		return;
	fl.dst.family = AF_INET;
	for (pass = 0; pass < 3; pass++) { /* 32 hot flows: the last pass hits */
		before = hits_of(c);
		for (i = 0; i < 32; i++) {
			fl.dst.v4 = htonl(0x0a640001u + (uint32_t)i);
			fl.sport = 7;
			fm_cache_route_get(c, &fl, &r);
		}
	}
	kept = hits_of(c) - before;
	fm_cache_stats(c, &st);
	evicted = st.evictions;
	for (i = 0; i < 5000; i++) { /* each seen once */
		fl.dst.v4 = htonl(0x0a640000u | rnd(40) << 8 | (1 + rnd(250)));
		fl.sport = (uint16_t)(1000 + i);
		fm_cache_route_get(c, &fl, &r);
	}
	fm_cache_stats(c, &st);
	before = hits_of(c);
	for (i = 0; i < 32; i++) {
		fl.dst.v4 = htonl(0x0a640001u + (uint32_t)i);
		fl.sport = 7;
		fm_cache_route_get(c, &fl, &r);
	}
	evicted = st.evictions - evicted;
	ok(kept >= 24 && hits_of(c) - before == kept && evicted == 0,
	   "5000 flows seen once evict none of the %llu hot flows kept (%llu evictions)",
	   (unsigned long long)kept, (unsigned long long)evicted);
	fm_cache_free(c);
}

static void test_bypass(void)
{
	struct fm_cache *c;
	struct fm_cache_stats st;
	struct fm_result r;
	struct fm_flow fl = {.family = AF_INET, .ip_proto = 17};
	int i, differ = 0;

	if (fm_cache_new(m, NULL, &c))
		return;
	for (i = 0; i < 40000; i++) { /* every flow new: the cache cannot help */
		struct fm_result u;
		int rc, ru;

		fl.dst.family = AF_INET;
		fl.dst.v4 = htonl(0x0a640000u | rnd(40) << 8 | (1 + rnd(250)));
		fl.sport = (uint16_t)i;
		fl.dport = (uint16_t)rnd(65536);
		rc = fm_cache_route_get(c, &fl, &r);
		ru = fm_route_get(m, &fl, &u);
		differ += fingerprint(rc, &r) != fingerprint(ru, &u);
	}
	fm_cache_stats(c, &st);
	ok(st.bypass_on >= 1 && st.bypassed > 30000 && differ == 0,
	   "random flows switch the bypass on (%llu bypassed of 40000, %d differ)",
	   (unsigned long long)st.bypassed, differ);
	for (i = 0; i < 20000; i++) { /* a few flows again and again */
		fl.dst.v4 = htonl(0x0a640001u | (uint32_t)(i % 8) << 8);
		fl.sport = 1;
		fl.dport = 2;
		fm_cache_route_get(c, &fl, &r);
	}
	{
		uint64_t before_hits = st.out_hit;

		fm_cache_stats(c, &st);
		ok(st.out_hit - before_hits > 10000,
		   "a few hot flows switch it off again (%llu hits)",
		   (unsigned long long)(st.out_hit - before_hits));
	}
	fm_cache_free(c);
}

/* ---------------------------------------------------------------- handles */

static atomic_bool stop;

struct reader {
	pthread_t t;
	int base;
	struct fm_handle *h[NHANDLE];
	unsigned long checks, refreshes, changes, retaken;
	int bad;
};

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	unsigned long n = 0;
	int i;

	for (i = 0; i < NHANDLE; i++)
		if (fm_handle_new(m, &flows[rd->base + i], &rd->h[i]))
			rd->bad++;
	while (!atomic_load(&stop)) {
		for (i = 0; i < NHANDLE; i++, n++) {
			int rc;

			rd->checks++;
			if (fm_handle_valid(rd->h[i]))
				continue;
			rc = fm_handle_refresh(rd->h[i]);
			rd->refreshes++;
			rd->changes += rc == 1;
			rd->bad += rc < 0;
			if (n % 7 == 0) { /* release and take again */
				fm_handle_free(rd->h[i]);
				rd->bad += fm_handle_new(m, &flows[rd->base + i], &rd->h[i]) != 0;
				rd->retaken++;
			}
		}
	}
	return NULL;
}

static void test_handles(void)
{
	struct reader rd[NREADERS];
	const struct fm_result *res;
	struct fm_result u;
	unsigned differ = 0, invalid = 0, refused = 0;
	int i, j, round;

	atomic_store(&stop, false);
	for (i = 0; i < NREADERS; i++) {
		memset(&rd[i], 0, sizeof(rd[i]));
		rd[i].base = i * NHANDLE;
		pthread_create(&rd[i].t, NULL, reader_main, &rd[i]);
	}
	for (round = 0; round < 4; round++) {
		sh("ip netns exec %s sh -c 'for i in $(seq 0 39); do "
		   "ip route replace 10.100.$i.0/24 via 10.1.0.%d dev v0; "
		   "ip -6 route replace 2001:db8:1$(printf %%02x $i)::/48 via 2001:db8:1::%d dev "
		   "v0; "
		   "done; ip route del 10.100.7.0/24; ip link del v2'",
		   netns_name, 2 + round % 2, 2 + round % 2);
		settle();
		fm_mirror_resync(m);
		sh("ip netns exec %s sh -c 'ip link add v2 type veth peer name v3 && "
		   "ip addr add 10.2.0.1/24 dev v2 && ip link set v2 up && ip link set v3 up && "
		   "ip route add 10.100.7.0/24 via 10.1.0.2 dev v0'",
		   netns_name);
		settle();
	}
	usleep(200 * 1000);
	atomic_store(&stop, true);
	for (i = 0; i < NREADERS; i++)
		pthread_join(rd[i].t, NULL);
	for (i = 0; i < NREADERS; i++) {
		for (j = 0; j < NHANDLE; j++) {
			int rc;

			fm_handle_refresh(rd[i].h[j]);
			rc = fm_handle_result(rd[i].h[j], &res);
			differ += fingerprint(rc, res) !=
				  fingerprint(fm_route_get(m, &flows[rd[i].base + j], &u), &u);
		}
		diag("reader %d: %lu checks, %lu refreshes, %lu changed, %lu retaken", i,
		     rd[i].checks, rd[i].refreshes, rd[i].changes, rd[i].retaken);
		ok(rd[i].bad == 0 && rd[i].changes > 0,
		   "reader %d: handles refreshed through deletes, device removal, resyncs", i);
	}
	ok(differ == 0, "every refreshed handle holds the uncached answer (%u differ)", differ);

	fm_mirror_free(m);
	m = NULL;
	for (i = 0; i < NREADERS; i++) {
		for (j = 0; j < NHANDLE; j++) {
			invalid += !fm_handle_valid(rd[i].h[j]);
			refused += fm_handle_refresh(rd[i].h[j]) == -ESHUTDOWN;
			fm_handle_free(rd[i].h[j]);
		}
	}
	ok(invalid == NREADERS * NHANDLE && refused == NREADERS * NHANDLE,
	   "handles outliving the mirror: all invalid, refresh refused, released");
}

/* ------------------------------------------------------------------ setup */

static int setup(void)
{
	FILE *f;
	char path[] = "/tmp/fm-test-cache-XXXXXX";
	int fd = mkstemp(path), i;

	if (fd < 0 || !(f = fdopen(fd, "w")))
		return -1;
	fprintf(f, "link set lo up\n"
		   "link add v0 type veth peer name v1\nlink add v2 type veth peer name v3\n"
		   "link set v0 up\nlink set v1 up\nlink set v2 up\nlink set v3 up\n"
		   "addr add 10.1.0.1/24 dev v0\naddr add 10.2.0.1/24 dev v2\n"
		   "addr add 10.1.0.9/24 dev v1\n"
		   "addr add 2001:db8:1::1/64 dev v0 nodad\n"
		   "addr add 2001:db8:2::1/64 dev v2 nodad\n"
		   "nexthop add id 10 via 10.1.0.2 dev v0\n"
		   "route add 10.200.0.0/16 nhid 10\n"
		   "route add default via 10.1.0.3 dev v0\n");
	for (i = 0; i < 40; i++) {
		const char *gw = i % 3 ? "10.1.0.2 dev v0" : "10.2.0.2 dev v2";

		if (i % 5 == 1)
			fprintf(f,
				"route add 10.100.%d.0/24 nexthop via 10.1.0.2 dev v0 "
				"nexthop via 10.2.0.2 dev v2 weight 3\n",
				i);
		else
			fprintf(f, "route add 10.100.%d.0/24 via %s\n", i, gw);
		fprintf(f, "route add 2001:db8:1%02x::/48 via 2001:db8:%d::2 dev v%d\n", i,
			i % 3 ? 1 : 2, i % 3 ? 0 : 2);
		fprintf(f, "route add 10.100.%d.0/24 via 10.2.0.2 dev v2 table 100\n", i);
		fprintf(f, "route add 2001:db8:1%02x::/48 via 2001:db8:2::2 dev v2 table 100\n", i);
	}
	fclose(f);
	i = sh("ip -n %s -batch %s && ip netns exec %s sh -c "
	       "'sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 "
	       "net.ipv4.fib_multipath_hash_seed=12345 "
	       "net.ipv4.conf.v1.rp_filter=0'",
	       netns_name, path, netns_name);
	unlink(path);
	return i;
}

int main(void)
{
	struct fm_open_opts o = {.sz = sizeof(o)};
	const char *s = getenv("FM_TEST_SEED");
	int rc, i;

	if ((rc = netns_create("fmcache")))
		return rc;
	rng = s ? strtoull(s, NULL, 0) : DEF_SEED;
	diag("seed %#llx (FM_TEST_SEED)", (unsigned long long)rng);
	if (setup()) {
		ok(false, "namespace set-up");
		return tap_done();
	}
	o.netns = netns_name;
	rc = fm_mirror_open(&o, &m);
	if (!ok(rc == 0, "mirror of %s: %d", netns_name, rc))
		return tap_done();
	settle();
	{
		struct fm_link l;

		v0 = fm_link_by_name(m, "v0", &l) ? 0 : l.ifindex;
		v1 = fm_link_by_name(m, "v1", &l) ? 0 : l.ifindex;
		v2 = fm_link_by_name(m, "v2", &l) ? 0 : l.ifindex;
	}
	for (i = 0; i < NFLOWS; i++)
		flow_at(&flows[i], i);
	test_cache_and_watches();
	test_admission();
	test_bypass();
	test_handles();
	return tap_done();
}
