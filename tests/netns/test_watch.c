// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: test_watch - fm_watch_gateway() fires exactly once per matching route
 * added or removed, and never otherwise (TAP; needs root and netns).
 *
 * A namespace with veth v0 (10.1.0.1/24) and v1 (10.2.0.1/24); G = 10.1.0.2
 * is the watched gateway, O = 10.1.0.3 another one. Two watches run side by
 * side: "via G on any device" (any) and "via G on v0" (dev). Routes are /32s
 * of 10.200.0.0/16 (index i = the low 16 bits; metric-100 twins get i + 4096)
 * so every callback can be charged to its route.
 *
 * A model keeps, per route, whether each watch should match it now; every
 * change of that bit is one expected callback (added or removed). After each
 * phase (one `ip -batch` file, then fm_mirror_process() until 200 ms pass
 * without events) the per-route callback counts must equal the model's
 * exactly. The phases:
 *  A  1,000 routes via G dev v0, and around them: via O; via G dev v1 onlink;
 *     through nexthop objects (via G, via O, a group of both); via G in table
 *     100; multipath G+O and O+(G on v1); a metric-100 twin via G of a route
 *     via O;
 *  B  replaces that keep the match (protocol, mtu, same nexthop): no callback;
 *  C  replaces that change it: G -> O, O -> G, v0 -> v1 and back, multipath
 *     -> O, nhid O -> group, nhid G -> nhid O;
 *  D  `ip nexthop del` of the G nexthop: the kernel silently removes the
 *     routes using it and shrinks the group to O (routes using the group stop
 *     matching without a route notification);
 *  D2 `ip nexthop replace` of the O nexthop by one via G dev v0: the routes
 *     using it or the group start matching, again without route notifications;
 *  E  every remaining route deleted, then the nexthops.
 * Finally the mirror must equal the kernel and no overrun may have happened
 * (a resync would still have to keep the counts exact, but is not the point).
 */
#include "fibmirror.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netns.h"
#include "tap.h"

#define G     "10.1.0.2"
#define O     "10.1.0.3"
#define NKEYS 8192
#define TWIN  4096 /* key offset of the metric-100 twins */

enum { ANY, DEV, NW };

static char batch[128];

/* Per watch, per key: expected state, and expected / seen callbacks. */
static bool want[NW][NKEYS], have[NW][NKEYS];
static unsigned exp_add[NW][NKEYS], exp_del[NW][NKEYS];
static unsigned got_add[NW][NKEYS], got_del[NW][NKEYS];
static unsigned stray[NW], twice[NW];

static const char *dst(unsigned i)
{
	static char b[4][32];
	static unsigned slot;
	char *p = b[slot++ % 4];

	snprintf(p, 32, "10.200.%u.%u/32", i >> 8, i & 255);
	return p;
}

/* The model: route @key now matches watch "any" iff @any, "dev" iff @dev. */
static void expect(unsigned key, bool any, bool dev)
{
	bool v[NW] = {any, dev};
	int w;

	for (w = 0; w < NW; w++) {
		if (v[w] && !want[w][key])
			exp_add[w][key]++;
		if (!v[w] && want[w][key])
			exp_del[w][key]++;
		want[w][key] = v[w];
	}
}

static void on_watch(const struct fm_route *r, bool added, void *arg)
{
	int w = (int)(intptr_t)arg;
	uint32_t a = ntohl(r->dst.v4);
	unsigned key;

	if (r->family != AF_INET || r->dst_len != 32 || (a >> 16) != ((10u << 8) | 200)) {
		stray[w]++;
		return;
	}
	key = (a & 0xffff) + (r->priority == 100 ? TWIN : 0);
	if (key >= NKEYS) {
		stray[w]++;
		return;
	}
	if (added == have[w][key])
		twice[w]++; /* added while present, or removed while absent */
	have[w][key] = added;
	if (added)
		got_add[w][key]++;
	else
		got_del[w][key]++;
}

static FILE *batch_open(void)
{
	FILE *f = fopen(batch, "w");

	if (!f) {
		perror(batch);
		exit(1);
	}
	return f;
}

static int batch_run(FILE *f)
{
	fclose(f);
	return sh("ip -n %s -batch %s", netns_name, batch);
}

/* Apply events until 200 ms pass without one. */
static void settle(struct fm_mirror *m)
{
	int rc;

	while ((rc = fm_mirror_process(m, 200)) > 0)
		;
	if (rc < 0)
		printf("# fm_mirror_process: %s\n", strerror(-rc));
}

/* Compare seen with expected callbacks; print the first differences. */
static void check(const char *phase)
{
	static const char *const wname[NW] = {"via G", "via G dev v0"};
	unsigned long ea, ed, ga, gd;
	unsigned k, bad, shown;
	int w;

	for (w = 0; w < NW; w++) {
		ea = ed = ga = gd = 0;
		bad = shown = 0;
		for (k = 0; k < NKEYS; k++) {
			ea += exp_add[w][k], ed += exp_del[w][k];
			ga += got_add[w][k], gd += got_del[w][k];
			if (exp_add[w][k] == got_add[w][k] && exp_del[w][k] == got_del[w][k])
				continue;
			bad++;
			if (shown++ < 5)
				printf("# %s: %s%s: added %u (want %u), removed %u (want %u)\n",
				       wname[w], dst(k % TWIN), k >= TWIN ? " metric 100" : "",
				       got_add[w][k], exp_add[w][k], got_del[w][k], exp_del[w][k]);
		}
		ok(bad == 0 && stray[w] == 0 && twice[w] == 0,
		   "%s, watch %s: adds %lu/%lu, removals %lu/%lu, %u routes off, %u stray, "
		   "%u repeated",
		   phase, wname[w], ga, ea, gd, ed, bad, stray[w], twice[w]);
	}
}

static int phase_a(void)
{
	FILE *f = batch_open();
	unsigned i;

	fprintf(f, "nexthop add id 10 via " G " dev v0\n");
	fprintf(f, "nexthop add id 11 via " O " dev v0\n");
	fprintf(f, "nexthop add id 12 group 10/11\n");
	for (i = 0; i < 1000; i++) {
		fprintf(f, "route add %s via " G " dev v0\n", dst(i));
		expect(i, true, true);
	}
	for (i = 1000; i < 1200; i++) {
		fprintf(f, "route add %s via " O " dev v0\n", dst(i));
		expect(i, false, false);
	}
	for (i = 1000; i < 1010; i++) {
		fprintf(f, "route add %s via " G " dev v0 metric 100\n", dst(i));
		expect(i + TWIN, true, true);
	}
	for (i = 1200; i < 1300; i++) {
		fprintf(f, "route add %s via " G " dev v1 onlink\n", dst(i));
		expect(i, true, false);
	}
	for (i = 1300; i < 1400; i++) {
		fprintf(f, "route add %s nhid 10\n", dst(i));
		expect(i, true, true);
	}
	for (i = 1400; i < 1500; i++) {
		fprintf(f, "route add %s nhid 11\n", dst(i));
		expect(i, false, false);
	}
	for (i = 1500; i < 1600; i++) {
		fprintf(f, "route add %s nhid 12\n", dst(i));
		expect(i, true, true);
	}
	for (i = 1600; i < 1650; i++) {
		fprintf(f, "route add %s via " G " dev v0 table 100\n", dst(i));
		expect(i, true, true);
	}
	for (i = 1650; i < 1700; i++) {
		fprintf(f, "route add %s nexthop via " G " dev v0 nexthop via " O " dev v0\n",
			dst(i));
		expect(i, true, true);
	}
	for (i = 1700; i < 1750; i++) {
		fprintf(f,
			"route add %s nexthop via " O " dev v0 nexthop via " G " dev v1 onlink\n",
			dst(i));
		expect(i, true, false);
	}
	return batch_run(f);
}

static int phase_b(void)
{
	FILE *f = batch_open();
	unsigned i;

	for (i = 0; i < 100; i++)
		fprintf(f, "route replace %s via " G " dev v0 proto static\n", dst(i));
	for (i = 1000; i < 1010; i++)
		fprintf(f, "route replace %s via " G " dev v0 metric 100 mtu 1400\n", dst(i));
	for (i = 1300; i < 1320; i++)
		fprintf(f, "route replace %s nhid 10 proto static\n", dst(i));
	for (i = 1500; i < 1510; i++)
		fprintf(f, "route replace %s nhid 12 proto static\n", dst(i));
	for (i = 1600; i < 1610; i++)
		fprintf(f, "route replace %s via " G " dev v0 table 100 mtu 1400\n", dst(i));
	for (i = 1660; i < 1670; i++)
		fprintf(f, "route replace %s nexthop via " O " dev v0 nexthop via " G " dev v0\n",
			dst(i));
	return batch_run(f);
}

static int phase_c(void)
{
	FILE *f = batch_open();
	unsigned i;

	for (i = 100; i < 200; i++) {
		fprintf(f, "route replace %s via " O " dev v0\n", dst(i));
		expect(i, false, false);
	}
	for (i = 1100; i < 1150; i++) {
		fprintf(f, "route replace %s via " G " dev v0\n", dst(i));
		expect(i, true, true);
	}
	for (i = 200; i < 210; i++) {
		fprintf(f, "route replace %s via " G " dev v1 onlink\n", dst(i));
		expect(i, true, false);
	}
	for (i = 1200; i < 1210; i++) {
		fprintf(f, "route replace %s via " G " dev v0\n", dst(i));
		expect(i, true, true);
	}
	for (i = 1650; i < 1660; i++) {
		fprintf(f, "route replace %s via " O " dev v0\n", dst(i));
		expect(i, false, false);
	}
	for (i = 1400; i < 1410; i++) {
		fprintf(f, "route replace %s nhid 12\n", dst(i));
		expect(i, true, true);
	}
	for (i = 1300; i < 1310; i++) {
		fprintf(f, "route replace %s nhid 11\n", dst(i));
		expect(i, false, false);
	}
	return batch_run(f);
}

static int phase_d(void)
{
	unsigned i;

	for (i = 1310; i < 1400; i++)
		expect(i, false, false); /* nhid 10: routes removed */
	for (i = 1400; i < 1410; i++)
		expect(i, false, false); /* nhid 12, now O only */
	for (i = 1500; i < 1600; i++)
		expect(i, false, false);
	return sh("ip -n %s nexthop del id 10", netns_name);
}

/* Nexthop 11 (O) now points at G: the routes using it and group 12 match. */
static int phase_d2(void)
{
	unsigned i;

	for (i = 1300; i < 1310; i++)
		expect(i, true, true);
	for (i = 1400; i < 1600; i++)
		expect(i, true, true);
	return sh("ip -n %s nexthop replace id 11 via " G " dev v0", netns_name);
}

static int phase_e(void)
{
	FILE *f = batch_open();
	unsigned i;

	for (i = 0; i < 1750; i++) {
		if (i >= 1310 && i < 1400)
			continue; /* gone with nexthop 10 */
		fprintf(f, "route del %s%s\n", dst(i), i >= 1600 && i < 1650 ? " table 100" : "");
		expect(i, false, false);
	}
	for (i = 1000; i < 1010; i++) {
		fprintf(f, "route del %s metric 100\n", dst(i));
		expect(i + TWIN, false, false);
	}
	fprintf(f, "nexthop del id 12\n");
	fprintf(f, "nexthop del id 11\n");
	return batch_run(f);
}

static void cleanup(void)
{
	if (batch[0])
		unlink(batch);
}

int main(void)
{
	struct fm_open_opts o = {.sz = sizeof(o)};
	struct fm_watch *w[NW] = {NULL, NULL};
	struct fm_mirror *m = NULL;
	struct fm_stats st;
	struct fm_link v0;
	struct fm_ip gw;
	int rc;

	if ((rc = netns_create("fmwatch")))
		return rc;
	snprintf(batch, sizeof(batch), "/tmp/fmwatch-%d.batch", (int)getpid());
	atexit(cleanup);
	if (sh("ip -n %s link set lo up && ip -n %s link add v0 type veth peer name v1 && "
	       "ip -n %s addr add 10.1.0.1/24 dev v0 && ip -n %s addr add 10.2.0.1/24 dev v1 && "
	       "ip -n %s link set v0 up && ip -n %s link set v1 up",
	       netns_name, netns_name, netns_name, netns_name, netns_name, netns_name)) {
		printf("Bail out! namespace setup failed\n");
		return 1;
	}
	printf("1..17\n");
	o.netns = netns_name;
	rc = fm_mirror_open(&o, &m);
	if (!ok(rc == 0, "fm_mirror_open(netns %s): %s", netns_name, rc ? strerror(-rc) : "ok"))
		return 1;
	fm_ip_parse(G, &gw);
	rc = fm_link_by_name(m, "v0", &v0);
	rc = rc ? rc : fm_watch_gateway(m, &gw, 0, on_watch, (void *)(intptr_t)ANY, &w[ANY]);
	rc = rc ? rc
		: fm_watch_gateway(m, &gw, v0.ifindex, on_watch, (void *)(intptr_t)DEV, &w[DEV]);
	if (!ok(rc == 0, "two watches on " G " (any device, v0 = ifindex %d)", v0.ifindex))
		return 1;

	rc = phase_a();
	settle(m);
	ok(rc == 0, "A: 1,750 routes and 3 nexthop objects added");
	check("A (adds)");
	rc = phase_b();
	settle(m);
	check("B (replaces keeping the match)");
	rc |= phase_c();
	settle(m);
	check("C (replaces changing the match)");
	rc |= phase_d();
	settle(m);
	check("D (nexthop del: implicit removals)");
	rc |= phase_d2();
	settle(m);
	check("D2 (nexthop replace O -> G)");
	rc |= phase_e();
	settle(m);
	ok(rc == 0, "B-E: every ip command succeeded");
	check("E (all deleted)");

	rc = fm_mirror_verify(m, NULL, NULL);
	fm_mirror_stats(m, &st);
	ok(rc == 0 && st.overruns == 0,
	   "mirror equals kernel (verify %d), overruns %llu, resyncs %llu, events %llu", rc,
	   (unsigned long long)st.overruns, (unsigned long long)st.resyncs,
	   (unsigned long long)st.events);

	fm_watch_free(w[ANY]);
	fm_watch_free(w[DEV]);
	fm_mirror_free(m);
	return tap_failed ? 1 : 0;
}
