// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: test_publish - route changes reach the lookups of other threads
 * through patches of their table, and what a patch cannot serve through a
 * whole compile (TAP; needs root and netns).
 *
 * A namespace with a veth pair (10.0.0.1/24 and fd00::1/64 on v0) and 2,000
 * IPv4 and 500 IPv6 routes in main, mirrored. After each step the mirror
 * processes until nothing is due, and each answer is asked from a second
 * thread: only the writer's own thread reads the RIB when the FIB is behind,
 * so what another thread sees is what was published.
 *  - a route replaced, one added, one deleted, in both families: the new
 *    answers, the tables patched (stats.fib_tables_patched rises) and none
 *    compiled whole (fib_tables_compiled stays);
 *  - a prefix whose only route is tos-specific (a plain flow falls through
 *    it to the shorter prefix: an outcome inherited from that prefix): it
 *    is patched in, and so are changes of the prefix it inherits from,
 *    which plain flows to it follow (replaced, then removed), and its
 *    removal;
 *  - after every step the answer is the gateway the routes then give, to
 *    plain flows (the FIB) and to fibmatch (the general path, which other
 *    threads answer from the RIB copy the writer hands over);
 *  - while the writer is in the middle of applying a change (its event
 *    callback for it), another thread's general-path lookup returns, with
 *    the state before the change, and the writer's own sees the change:
 *    readers never wait for the writer;
 *  - two changes in one burst both reach other threads (the second by the
 *    handover the writer's loop waits for);
 *  - an unknown open flag is refused (-EINVAL);
 *  - a second mirror opened FM_OPEN_WRITER_ONLY: other threads' plain
 *    lookups answer, their general-path ones get -EPERM, the opener's own
 *    answer, and it holds well under the first mirror's memory (no
 *    readers' copy).
 */
#include "fibmirror.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "netns.h"
#include "tap.h"

struct ask {
	struct fm_mirror *m;
	struct fm_flow fl;
	struct fm_result res;
	int rc;
};

static void *ask_main(void *arg)
{
	struct ask *a = arg;

	a->rc = fm_route_get(a->m, &a->fl, &a->res);
	return NULL;
}

static void ask_init(struct ask *a, struct fm_mirror *m, const char *dst, uint8_t flags)
{
	memset(a, 0, sizeof(*a));
	a->m = m;
	fm_ip_parse(dst, &a->fl.dst);
	a->fl.family = a->fl.dst.family;
	a->fl.flags = flags;
}

/* The gateway of an answer ("" when none), and its rc. */
static int gw_of(const struct ask *a, char *gw, size_t len)
{
	gw[0] = '\0';
	if (!a->rc && a->res.gw.family)
		fm_ip_format(&a->res.gw, gw, len);
	return a->rc;
}

/* The gateway another thread is told for @dst with FM_FLOW_* @flags. */
static int gw_seen(struct fm_mirror *m, const char *dst, uint8_t flags, char *gw, size_t len)
{
	struct ask a;
	pthread_t t;

	ask_init(&a, m, dst, flags);
	if (pthread_create(&t, NULL, ask_main, &a) || pthread_join(t, NULL))
		return -1;
	return gw_of(&a, gw, len);
}

/* Process until nothing is due within a second: applied and published. */
static void quiet(struct fm_mirror *m)
{
	int i, t;

	for (i = 0; i < 50 && (t = fm_mirror_timeout(m)) >= 0 && t < 1000; i++)
		fm_mirror_process(m, t + 1);
	while (fm_mirror_process(m, 50) > 0)
		;
	for (i = 0; i < 50 && (t = fm_mirror_timeout(m)) >= 0 && t < 1000; i++)
		fm_mirror_process(m, t + 1);
}

/* Another thread's answer for @dst names gateway @want (NULL: no route),
 * to a plain flow and to fibmatch. */
static void expect(struct fm_mirror *m, const char *dst, const char *want, const char *what)
{
	static const uint8_t flags[2] = {0, FM_FLOW_FIBMATCH};
	char gw[64];
	int i, rc;

	for (i = 0; i < 2; i++) {
		const char *how = flags[i] ? "fibmatch" : "plain";

		rc = gw_seen(m, dst, flags[i], gw, sizeof(gw));
		if (want)
			ok(rc == 0 && !strcmp(gw, want), "%s: %s via %s, %s (rc %d, via '%s')",
			   what, dst, want, how, rc, gw);
		else
			ok(rc != 0 || !gw[0], "%s: %s has no gateway route, %s (rc %d, via '%s')",
			   what, dst, how, rc, gw);
	}
}

struct counts {
	uint64_t patched, compiled;
};

static struct counts counts(struct fm_mirror *m)
{
	struct fm_stats st;

	fm_mirror_stats(m, &st);
	return (struct counts){st.fib_tables_patched, st.fib_tables_compiled};
}

/* Run `ip -n NS ARGS` and let the mirror catch up; the counters' rise. */
static struct counts run(struct fm_mirror *m, const char *args)
{
	struct counts a = counts(m), b;

	if (sh("ip -n %s %s", netns_name, args))
		diag("ip %s failed", args);
	quiet(m);
	b = counts(m);
	return (struct counts){b.patched - a.patched, b.compiled - a.compiled};
}

/* What a step's publications did to @table: patched it and compiled none
 * (@patch), or compiled it whole and patched none. */
static void patched(struct counts c, bool patch, const char *table)
{
	unsigned long long p = c.patched, w = c.compiled;

	if (patch)
		ok(p >= 1 && w == 0, "... %s patched (%llu tables), none compiled whole (%llu)",
		   table, p, w);
	else
		ok(w >= 1 && p == 0, "... %s compiled whole (%llu tables), none patched (%llu)",
		   table, w, p);
}

/*
 * In the writer's event callback for a change to @dst: another thread's
 * fibmatch, given 10 s, and the writer's own.
 */
struct midway {
	const char *dst;
	bool done, returned;
	char other[64], own[64];
};

static void midway_cb(const struct fm_event *ev, void *arg)
{
	struct fm_mirror *m = ((void **)arg)[0];
	struct midway *w = ((void **)arg)[1];
	struct ask a, b;
	struct timespec until;
	pthread_t t;

	if (w->done || ev->kind != FM_KIND_ROUTE || ev->type == FM_EV_DEL)
		return;
	w->done = true;
	ask_init(&a, m, w->dst, FM_FLOW_FIBMATCH);
	if (pthread_create(&t, NULL, ask_main, &a))
		return;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	w->returned = pthread_timedjoin_np(t, NULL, &until) == 0;
	ask_init(&b, m, w->dst, FM_FLOW_FIBMATCH);
	b.rc = fm_route_get(m, &b.fl, &b.res);
	gw_of(&b, w->own, sizeof(w->own));
	if (!w->returned) /* it waits for the writer: let it finish later */
		pthread_detach(t);
	else
		gw_of(&a, w->other, sizeof(w->other));
}

static void midway(struct fm_mirror *m, const char *cmd, const char *dst, const char *before,
		   const char *after)
{
	struct midway w = {.dst = dst};
	void *arg[2] = {m, &w};

	fm_mirror_subscribe(m, midway_cb, arg);
	run(m, cmd);
	fm_mirror_subscribe(m, NULL, NULL);
	ok(w.done && w.returned && !strcmp(w.other, before),
	   "mid-apply of '%s': another thread's fibmatch of %s returns, via %s (done %d, "
	   "returned %d, via '%s')",
	   cmd, dst, before, w.done, w.returned, w.other);
	ok(!strcmp(w.own, after), "... and the writer's own sees via %s (via '%s')", after, w.own);
	expect(m, dst, after, "after it");
}

/* Apply what is queued, then process only as long as fm_mirror_timeout()
 * says something is due: what a poll loop built on it does. */
static void settle(struct fm_mirror *m)
{
	int i, t;

	while (fm_mirror_process(m, 0) > 0)
		;
	for (i = 0; i < 100 && (t = fm_mirror_timeout(m)) >= 0 && t < 1000; i++)
		fm_mirror_process(m, t + 1);
}

/*
 * Two changes in one burst: the first is handed to other threads at once,
 * the second, milliseconds later, when the next handover falls due, which
 * fm_mirror_timeout() tells the writer's loop to wait for (settle()).
 */
static void burst(struct fm_mirror *m)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/fmpublish-%d.burst", (int)getpid());
	if (!(f = fopen(path, "w")))
		return;
	fprintf(f, "route replace 10.1.9.0/24 via 10.0.0.48\n"
		   "route replace 10.1.5.128/25 via 10.0.0.49\n");
	fclose(f);
	if (sh("ip -n %s -batch %s", netns_name, path))
		diag("ip -batch %s failed", path);
	unlink(path);
	settle(m);
	expect(m, "10.1.9.1", "10.0.0.48", "burst, first change");
	expect(m, "10.1.5.200", "10.0.0.49", "burst, second change");
}

static void writer_only(const char *dst, const char *want, uint64_t full_mem)
{
	struct fm_open_opts o = {
	    .sz = sizeof(o), .netns = netns_name, .flags = FM_OPEN_WRITER_ONLY};
	struct fm_mirror *w = NULL;
	struct fm_stats st;
	struct ask a;
	char gw[64];
	int rc;

	o.flags = 1u << 31;
	rc = fm_mirror_open(&o, &w);
	ok(rc == -EINVAL && !w, "fm_mirror_open with an unknown flag: %d", rc);
	o.flags = FM_OPEN_WRITER_ONLY;
	rc = fm_mirror_open(&o, &w);
	if (!ok(rc == 0, "fm_mirror_open(FM_OPEN_WRITER_ONLY): %d", rc))
		return;
	rc = gw_seen(w, dst, 0, gw, sizeof(gw));
	ok(rc == 0 && !strcmp(gw, want),
	   "writer-only: another thread's plain %s via %s (rc %d, '%s')", dst, want, rc, gw);
	rc = gw_seen(w, dst, FM_FLOW_FIBMATCH, gw, sizeof(gw));
	ok(rc == -EPERM, "writer-only: another thread's fibmatch refused (rc %d)", rc);
	ask_init(&a, w, dst, FM_FLOW_FIBMATCH);
	a.rc = fm_route_get(w, &a.fl, &a.res);
	rc = gw_of(&a, gw, sizeof(gw));
	ok(rc == 0 && !strcmp(gw, want), "writer-only: the opener's fibmatch via %s (rc %d, '%s')",
	   want, rc, gw);
	fm_mirror_stats(w, &st);
	ok(st.mem_bytes * 4 < full_mem * 3, "writer-only: %llu bytes, under 3/4 of %llu",
	   (unsigned long long)st.mem_bytes, (unsigned long long)full_mem);
	fm_mirror_free(w);
}

static int setup(void)
{
	char path[64];
	FILE *f;
	int i;

	if (sh("ip -n %s link set lo up && ip -n %s link add v0 type veth peer name v1 && "
	       "ip -n %s addr add 10.0.0.1/24 dev v0 && ip -n %s addr add fd00::1/64 dev v0 "
	       "nodad && ip -n %s link set v0 up && ip -n %s link set v1 up",
	       netns_name, netns_name, netns_name, netns_name, netns_name, netns_name))
		return -1;
	snprintf(path, sizeof(path), "/tmp/fmpublish-%d.batch", (int)getpid());
	if (!(f = fopen(path, "w")))
		return -1;
	for (i = 0; i < 2000; i++)
		fprintf(f, "route add 10.%d.%d.0/24 via 10.0.0.%d\n", 1 + i / 256, i % 256,
			2 + i % 50);
	for (i = 0; i < 500; i++)
		fprintf(f, "route add 2001:db8:%x::/48 via fd00::%x\n", i, 2 + i % 50);
	fclose(f);
	i = sh("ip -n %s -batch %s", netns_name, path);
	unlink(path);
	return i;
}

/* The steps, in order: a command, what another thread is told then (one or
 * two destinations), and what publishing it did to @table (NULL: not
 * checked). A plain flow falls through the tos-only prefix to the /24
 * (10.2.1.0/24 via 10.0.0.9 as loaded), and follows it. */
static const struct step {
	const char *cmd;
	const char *dst, *want, *what;
	const char *dst2, *want2, *what2;
	bool patch;
	const char *table;
} steps[] = {
    {"route replace 10.1.5.0/24 via 10.0.0.40", "10.1.5.9", "10.0.0.40", "replaced", NULL, NULL,
     NULL, true, "IPv4 main"},
    {"route add 10.1.5.128/25 via 10.0.0.41", "10.1.5.200", "10.0.0.41", "more specific added",
     "10.1.5.9", "10.0.0.40", "... the rest of the /24 as it was", true, "IPv4 main"},
    {"route del 10.1.5.0/24", "10.1.5.9", NULL, "deleted", "10.1.5.200", "10.0.0.41",
     "... the more specific stays", true, "IPv4 main"},
    {"-6 route replace 2001:db8:7::/48 via fd00::33", "2001:db8:7::1", "fd00::33", "IPv6 replaced",
     NULL, NULL, NULL, true, "IPv6 main"},
    {"route add 10.2.1.0/25 tos 0x10 via 10.0.0.42", "10.2.1.9", "10.0.0.9",
     "tos-only prefix: plain flows fall through it", NULL, NULL, NULL, true, "IPv4 main"},
    {"route replace 10.1.9.0/24 via 10.0.0.43", "10.1.9.1", "10.0.0.43",
     "a change while it is there", NULL, NULL, NULL, true, "IPv4 main"},
    {"route replace 10.2.1.0/24 via 10.0.0.45", "10.2.1.9", "10.0.0.45",
     "the prefix it falls through to replaced: followed", "10.2.1.200", "10.0.0.45",
     "... and the rest of that prefix", true, "IPv4 main"},
    {"route del 10.2.1.0/24", "10.2.1.9", NULL, "that prefix deleted: nothing left", NULL, NULL,
     NULL, true, "IPv4 main"},
    {"route add 10.2.1.0/24 via 10.0.0.46", "10.2.1.9", "10.0.0.46", "... and added back", NULL,
     NULL, NULL, true, "IPv4 main"},
    {"route del 10.2.1.0/25 tos 0x10", "10.2.1.9", "10.0.0.46", "tos-only prefix gone", NULL, NULL,
     NULL, true, "IPv4 main"},
    {"route replace 10.1.9.0/24 via 10.0.0.44", "10.1.9.1", "10.0.0.44", "a change after it went",
     NULL, NULL, NULL, true, "IPv4 main"},
};

int main(void)
{
	struct fm_open_opts o = {.sz = sizeof(o)};
	struct fm_mirror *m = NULL;
	struct fm_stats st;
	struct counts c;
	size_t i;
	int rc;

	if ((rc = netns_create("fmpublish")))
		return rc;
	if (setup()) {
		printf("Bail out! namespace setup failed\n");
		return 1;
	}
	printf("1..56\n");
	o.netns = netns_name;
	rc = fm_mirror_open(&o, &m);
	if (!ok(rc == 0, "fm_mirror_open(netns %s): %d", netns_name, rc))
		return 1;
	quiet(m);
	expect(m, "10.1.5.9", "10.0.0.7", "as loaded");

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct step *t = &steps[i];

		c = run(m, t->cmd);
		expect(m, t->dst, t->want, t->what);
		if (t->dst2)
			expect(m, t->dst2, t->want2, t->what2);
		if (t->table)
			patched(c, t->patch, t->table);
	}
	midway(m, "route replace 10.1.9.0/24 via 10.0.0.47", "10.1.9.1", "10.0.0.44", "10.0.0.47");
	burst(m);
	fm_mirror_stats(m, &st);
	writer_only("10.1.9.1", "10.0.0.48", st.mem_bytes);
	fm_mirror_free(m);
	return tap_done();
}
