// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: test_rcvbuf - a small event socket buffer (fm_open_opts.rcvbuf) is
 * raised while a dump or resync keeps the writer away, and the events of that
 * time are kept (TAP; needs root and netns).
 *
 * A mirror opened with rcvbuf 4096 (8 KiB once the kernel doubles it):
 *  - after the open, and after fm_mirror_resync(), the buffer is at least
 *    32 MiB (stats.rcvbuf, read from the socket), and back to its own size
 *    once fm_mirror_process() has read the backlog;
 *  - 2,000 route additions made while it is raised (after a resync, before
 *    any processing: about 300 KiB of notifications, which 8 KiB cannot hold)
 *    are all applied: no overrun, and the mirror equals the kernel;
 *  - what a resync leaves until its backlog is read (the old state's free,
 *    the scan for the next route lifetime) is done then: an IPv6 route's
 *    lifetime is again what the writer is due back for, and its end
 *    invalidates a handle that depends on it;
 *  - what the kernel remembers for good survives a resync, whose dump cannot
 *    show it: once a local route came and went, a packet's broadcast source
 *    is checked against the reverse route (Invalid argument), and once a
 *    rule came and went, a local address is reported in table local.
 */
#include "fibmirror.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netns.h"
#include "tap.h"

#define RAISED	 (32ull << 20)
#define LIFETIME "8"	       /* seconds, of an IPv6 route: outlives the steps before it */
#define OWN	 (64ull << 10) /* 4096 asked for: well under this */

static uint64_t rcvbuf_of(struct fm_mirror *m, struct fm_stats *st)
{
	fm_mirror_stats(m, st);
	return st->rcvbuf;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Process until nothing is due within a second (publications done); the
 * delay then due, -1 if none. A bounded number of passes. */
/* fm_route_get() of IPv4 @dst (from @src on device @iif when @iif > 0). */
static int get4(struct fm_mirror *m, const char *dst, const char *src, int iif,
		struct fm_result *res)
{
	struct fm_flow fl = {.family = AF_INET, .iif = iif};

	fm_ip_parse(dst, &fl.dst);
	if (src)
		fm_ip_parse(src, &fl.src);
	return fm_route_get(m, &fl, res);
}

static int quiet(struct fm_mirror *m)
{
	int i, t = -1;

	for (i = 0; i < 50 && (t = fm_mirror_timeout(m)) >= 0 && t < 1000; i++)
		fm_mirror_process(m, t + 1);
	return t;
}

/* fm_mirror_process() until it has nothing left to apply. */
static void settle(struct fm_mirror *m)
{
	while (fm_mirror_process(m, 100) > 0)
		;
}

int main(void)
{
	struct fm_open_opts o = {.sz = sizeof(o), .rcvbuf = 4096};
	char batch[64];
	struct fm_flow fl = {.family = AF_INET6};
	struct fm_mirror *m = NULL;
	struct fm_handle *h = NULL;
	struct fm_stats st;
	struct fm_result res;
	double born;
	uint64_t b;
	FILE *f;
	int rc, i, t;

	if ((rc = netns_create("fmrcvbuf")))
		return rc;
	if (sh("ip -n %s link set lo up && ip -n %s link add v0 type veth peer name v1 && "
	       "ip -n %s addr add 10.1.0.1/24 dev v0 && ip -n %s link set v0 up && "
	       "ip -n %s link set v1 up && ip -n %s addr add 2001:db8:1::1/64 dev v0 nodad && "
	       "ip -n %s route add 2001:db8:900::/48 via 2001:db8:1::2 dev v0 expires " LIFETIME,
	       netns_name, netns_name, netns_name, netns_name, netns_name, netns_name,
	       netns_name)) {
		printf("Bail out! namespace setup failed\n");
		return 1;
	}
	born = now_s();
	printf("1..13\n");
	o.netns = netns_name;
	rc = fm_mirror_open(&o, &m);
	if (!ok(rc == 0, "fm_mirror_open(netns %s, rcvbuf 4096): %d", netns_name, rc))
		return 1;
	b = rcvbuf_of(m, &st);
	ok(b >= RAISED, "after the initial dump: %llu bytes (at least 32 MiB until read)",
	   (unsigned long long)b);
	settle(m);
	b = rcvbuf_of(m, &st);
	ok(b < OWN, "its backlog read: back to %llu bytes", (unsigned long long)b);

	rc = fm_mirror_resync(m);
	b = rcvbuf_of(m, &st);
	ok(rc >= 0 && b >= RAISED, "after a resync (%d): %llu bytes", rc, (unsigned long long)b);

	snprintf(batch, sizeof(batch), "/tmp/fmrcvbuf-%d.batch", (int)getpid());
	f = fopen(batch, "w");
	for (i = 0; f && i < 2000; i++)
		fprintf(f, "route add 10.200.%d.%d/32 via 10.1.0.2\n", i >> 8, i & 255);
	rc = f ? fclose(f) : -1;
	rc = rc ? rc : sh("ip -n %s -batch %s", netns_name, batch);
	unlink(batch);
	settle(m);
	fm_mirror_stats(m, &st);
	ok(rc == 0 && st.overruns == 0 && st.resyncs == 1,
	   "2,000 routes added meanwhile, then read: overruns %llu, resyncs %llu",
	   (unsigned long long)st.overruns, (unsigned long long)st.resyncs);
	rc = fm_mirror_verify(m, NULL, NULL);
	ok(rc == 0, "mirror equals kernel: %d differences", rc);
	b = rcvbuf_of(m, &st);
	ok(b < OWN, "back to %llu bytes", (unsigned long long)b);

	t = quiet(m);
	ok(t > 0 && t <= atoi(LIFETIME) * 1000,
	   "after the resync's backlog, the writer is due back when the route's lifetime "
	   "ends: in %d ms",
	   t);
	fm_ip_parse("2001:db8:900::5", &fl.dst);
	rc = fm_handle_new(m, &fl, &h);
	ok(rc == 0 && fm_handle_valid(h), "a handle on a flow the route decides: %d", rc);
	while (now_s() < born + atoi(LIFETIME) + 1)
		usleep(100 * 1000);
	fm_mirror_process(m, 0);
	ok(h && !fm_handle_valid(h),
	   "the lifetime over, after the writer's pass the handle is invalid");
	fm_handle_free(h);

	/* Out through another device: forwarding back out of the input device
	 * with redirects on takes the reverse route anyway. */
	rc = sh("ip -n %s link add v2 type veth peer name v3 && ip -n %s link set v2 up && "
		"ip -n %s link set v3 up && ip -n %s addr add 10.2.0.1/24 dev v2 && "
		"ip -n %s route add 10.5.0.0/16 via 10.2.0.2 && "
		"ip netns exec %s sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 "
		"net.ipv4.conf.v0.rp_filter=0",
		netns_name, netns_name, netns_name, netns_name, netns_name, netns_name);
	usleep(1100 * 1000); /* sysctls are polled once a second */
	fm_mirror_process(m, 0);
	quiet(m);
	t = get4(m, "10.1.0.2", NULL, 0, &res) ? 0 : res.oif;
	rc = rc ? rc : get4(m, "10.5.0.1", "10.1.0.255", t, &res);
	ok(t > 0 && rc == 0,
	   "initial rules, no local route added: a broadcast source passes "
	   "(only our addresses are checked): %d",
	   rc);
	sh("ip -n %s route add local 10.77.0.0/16 dev lo && "
	   "ip -n %s route del local 10.77.0.0/16 dev lo",
	   netns_name, netns_name);
	settle(m);
	rc = get4(m, "10.5.0.1", "10.1.0.255", t, &res);
	ok(rc == -EINVAL, "a local route came and went: the reverse route decides: %d", rc);
	sh("ip -n %s rule add from 10.9.9.9 lookup main pref 100 && ip -n %s rule del pref 100",
	   netns_name, netns_name);
	settle(m);
	rc = fm_mirror_resync(m);
	settle(m);
	i = get4(m, "10.5.0.1", "10.1.0.255", t, &res);
	rc = rc < 0 ? rc : get4(m, "10.1.0.1", NULL, 0, &res);
	ok(i == -EINVAL && rc == 0 && res.table == 255,
	   "a rule came and went, then a resync: still the reverse route (%d), table %u for "
	   "a local address",
	   i, res.table);
	fm_mirror_free(m);
	return tap_done();
}
