// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: test_readers - fm_route_get() from reader threads while the writer
 * applies a stream of kernel changes (TAP; needs root and netns; meant to be
 * run under ThreadSanitizer too: the tsan preset).
 *
 * A namespace with veth v0 (10.1.0.1/24, 2001:db8:1::1/64) and v1
 * (10.2.0.1/24). 256 IPv4 /24s of 10.100.0.0/16 and 256 IPv6 /48s of
 * 2001:db8:100::/40 each go via gateway A (10.1.0.2 / 2001:db8:1::2); a
 * shell loop in the background replaces them all, alternately via A and via
 * B (10.1.0.3 / 2001:db8:1::3), so at every moment each has a route via one
 * of the two. The writer (main thread) runs fm_mirror_process(); two reader
 * threads ask, in a loop, for random addresses of those prefixes: plain
 * flows (the FIB path) and flows with an output device (the general path,
 * over the RIB copy the writer hands over), of both families, without locks.
 *
 * Every answer must be a route via A or B on v0: never an error, never
 * another gateway, whatever the moment (a half-applied change or a freed
 * FIB would show here, or crash). When the changes stop and the mirror has
 * settled, every prefix must answer what the kernel holds last (B or A).
 */
#include "fibmirror.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "netns.h"
#include "tap.h"

#define NPFX	 256
#define RUN_SECS 3

static char script[128];
static struct fm_mirror *m;
static int v0;
static atomic_bool stop;

struct reader {
	pthread_t t;
	unsigned seed;
	unsigned long asked, bad;
	char first_bad[160];
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void flow_for(unsigned r, struct fm_flow *fl)
{
	unsigned i = r % NPFX;
	char a[64];

	memset(fl, 0, sizeof(*fl));
	if (r & 0x10000) {
		snprintf(a, sizeof(a), "2001:db8:1%02x:%x::%x", i, (r >> 8) & 0xff, r & 0xfff);
		fl->family = AF_INET6;
	} else {
		snprintf(a, sizeof(a), "10.100.%u.%u", i, 1 + (r >> 8) % 254);
		fl->family = AF_INET;
		fl->ip_proto = 17;
	}
	fm_ip_parse(a, &fl->dst);
	if (r & 0x20000)
		fl->oif = v0; /* the general path */
}

/* Via A or B (last octet / word 2 or 3) on v0. */
static bool via_a_or_b(const struct fm_result *res)
{
	uint8_t last = res->gw.b[res->gw.family == AF_INET ? 3 : 15];

	return res->gw.family && res->oif == v0 && (last == 2 || last == 3);
}

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	struct fm_result res;
	struct fm_flow fl;
	char g[64];

	while (!atomic_load(&stop)) {
		int rc;

		flow_for((unsigned)rand_r(&rd->seed), &fl);
		rc = fm_route_get(m, &fl, &res);
		rd->asked++;
		if (rc == 0 && via_a_or_b(&res))
			continue;
		if (!rd->bad++)
			snprintf(rd->first_bad, sizeof(rd->first_bad), "%s: rc %d gw %s oif %d",
				 fm_ip_format(&fl.dst, g, sizeof(g)), rc,
				 fm_ip_format(&res.gw, g + 32, 32), res.oif);
	}
	return NULL;
}

/* @script.0 and .1: every prefix via A, via B; @script: apply them in turn
 * for RUN_SECS, ending with A. */
static int write_files(void)
{
	char path[160];
	FILE *f;
	int side, i;

	for (side = 0; side < 2; side++) {
		snprintf(path, sizeof(path), "%s.%d", script, side);
		if (!(f = fopen(path, "w")))
			return -1;
		for (i = 0; i < NPFX; i++) {
			fprintf(f, "route replace 10.100.%d.0/24 via 10.1.0.%d dev v0\n", i,
				2 + side);
			fprintf(f, "route replace 2001:db8:1%02x::/48 via 2001:db8:1::%d dev v0\n",
				i, 2 + side);
		}
		if (fclose(f))
			return -1;
	}
	if (!(f = fopen(script, "w")))
		return -1;
	fprintf(f,
		"end=$((SECONDS + %d))\nwhile [ $SECONDS -lt $end ]; do\n"
		"  ip -n %s -batch %s.1 && ip -n %s -batch %s.0 || exit 1\ndone\n",
		RUN_SECS, netns_name, script, netns_name, script);
	return fclose(f);
}

static void cleanup(void)
{
	if (script[0])
		sh("rm -f %s %s.0 %s.1", script, script, script);
}

static void settle(void)
{
	double quiet = now();

	while (now() - quiet < 0.3)
		if (fm_mirror_process(m, 50) > 0)
			quiet = now();
}

/* After the storm every prefix answers via A (the loop ends on side 0). */
static unsigned long final_check(void)
{
	struct fm_result res;
	struct fm_flow fl;
	unsigned long wrong = 0;
	unsigned i;

	for (i = 0; i < 4 * NPFX; i++) {
		unsigned r = i % NPFX | (i / NPFX) << 16;

		flow_for(r | 0x100, &fl);
		if (fm_route_get(m, &fl, &res) || !via_a_or_b(&res) ||
		    res.gw.b[res.gw.family == AF_INET ? 3 : 15] != 2)
			wrong++;
	}
	return wrong;
}

int main(void)
{
	struct fm_open_opts o = {.sz = sizeof(o)};
	struct reader rd[2] = {{.seed = 1}, {.seed = 2}};
	struct fm_link l;
	struct fm_stats st;
	unsigned long asked = 0, bad = 0;
	double t0;
	int rc, i;

	if ((rc = netns_create("fmread")))
		return rc;
	snprintf(script, sizeof(script), "/tmp/fmread-%d.sh", (int)getpid());
	atexit(cleanup);
	if (sh("ip -n %s link set lo up && ip -n %s link add v0 type veth peer name v1 && "
	       "ip -n %s addr add 10.1.0.1/24 dev v0 && ip -n %s addr add 10.2.0.1/24 dev v1 && "
	       "ip -n %s addr add 2001:db8:1::1/64 dev v0 nodad && "
	       "ip -n %s link set v0 up && ip -n %s link set v1 up",
	       netns_name, netns_name, netns_name, netns_name, netns_name, netns_name,
	       netns_name) ||
	    write_files() || sh("ip -n %s -batch %s.0", netns_name, script)) {
		printf("Bail out! namespace setup failed\n");
		return 1;
	}
	o.netns = netns_name;
	rc = fm_mirror_open(&o, &m);
	if (!ok(rc == 0, "fm_mirror_open(netns %s): %s", netns_name, rc ? strerror(-rc) : "ok"))
		return 1;
	fm_link_by_name(m, "v0", &l);
	v0 = l.ifindex;
	for (i = 0; i < 2; i++)
		pthread_create(&rd[i].t, NULL, reader_main, &rd[i]);
	/* The storm runs in the background while this thread is the writer. */
	sh("bash %s >/dev/null 2>&1 &", script);
	t0 = now();
	while (now() - t0 < RUN_SECS + 0.5)
		fm_mirror_process(m, 20);
	settle();
	atomic_store(&stop, true);
	for (i = 0; i < 2; i++) {
		pthread_join(rd[i].t, NULL);
		asked += rd[i].asked;
		bad += rd[i].bad;
		if (rd[i].bad)
			diag("reader %d, first bad answer: %s", i, rd[i].first_bad);
	}
	fm_mirror_stats(m, &st);
	diag("%lu lookups by 2 readers during %llu events", asked, (unsigned long long)st.events);
	ok(st.events > 4 * NPFX, "the writer applied the storm (%llu events)",
	   (unsigned long long)st.events);
	ok(asked > 1000, "the readers kept asking (%lu lookups)", asked);
	ok(bad == 0, "every answer was a route via A or B on v0 (%lu bad)", bad);
	ok(final_check() == 0, "after the storm every prefix answers what the kernel holds");
	fm_mirror_free(m);
	return tap_done();
}
