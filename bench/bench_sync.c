// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: bench_sync - initial sync of 1M IPv4 routes (dump + decode + publish):
 * seconds and resident bytes per route.
 *
 * Setup (root): a network namespace "fmbench-PID" with veth v0/v1, 10.0.0.1/24
 * on v0, loaded with --routes N (default 1,000,000) routes through one
 * `ip -batch` file of "route add P via 10.0.0.2 dev v0" lines. The prefixes
 * are the real IPv4 full view (FM_SOURCE_DIR/../shared/data/
 * ipv4-fullview-901899.txt.xz, or --prefixes FILE, read with `xz -dc` when
 * the name ends in .xz), then synthetic /32s of 100.64.0.0/10 (absent from
 * the full view) up to N. Loading 1M routes takes about 12 s; it is timed but
 * is not the benchmark. With --netns NAME an existing namespace is measured
 * as it is (nothing loaded, nothing deleted); --keep leaves the created one.
 *
 * Measured in this process, --repeat R times (default 1):
 *  - fm_mirror_open() on the namespace: wall-clock seconds;
 *  - then fm_mirror_resync() (nothing changed: the full dump into a shadow,
 *    the comparison, the swap) and the fm_mirror_process() after it, which
 *    frees the old state (a resync leaves that until its backlog of events
 *    is read; "back after" is the time without it), and
 *    fm_mirror_verify() (dump and comparison alone): what a repair after
 *    lost events costs;
 *  - VmRSS before and after the first open: (after - before) / routes is the
 *    resident cost per route, everything included (RIB, indexes, buffers,
 *    allocator slack); fm_stats.mem_bytes / routes is what the library itself
 *    accounts for;
 * and, as peers for the dump alone:
 *  - a raw RTM_GETROUTE dump of all tables (AF_INET) into a 1 MiB buffer,
 *    messages counted but not parsed;
 *  - `ip -n NS route save table all > /dev/null` (a process, iproute2's own
 *    dump to its binary format), wall clock.
 *
 * Output: a few lines of text, or one JSON line with --json (open_s is the
 * first open, open_best_s the best of --repeat).
 */
#define FM_BENCH_NETLINK
#include "bench.h"
#include "fibmirror.h"

#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef FM_SOURCE_DIR
#define FM_SOURCE_DIR "."
#endif
#define FULLVIEW FM_SOURCE_DIR "/../shared/data/ipv4-fullview-901899.txt.xz"

static char ns[64];
static bool own_ns, keep;
static char batch[64];

/* Resident set size in bytes (VmRSS). */
static long long rss_bytes(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];
	long long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %lld kB", &kb) == 1)
			break;
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}

static void cleanup(void)
{
	if (batch[0])
		unlink(batch);
	if (own_ns && !keep)
		sh("ip netns del %s", ns);
}

/* Write the batch file: up to @n full-view prefixes, then /32s of 100.64/10. */
static long write_batch(const char *prefixes, long n)
{
	char cmd[4200], line[128];
	FILE *in, *out;
	long w = 0, syn;
	int fd;

	snprintf(batch, sizeof(batch), "/tmp/bench_sync.XXXXXX");
	fd = mkstemp(batch);
	if (fd < 0 || !(out = fdopen(fd, "w"))) {
		perror("bench_sync: batch file");
		return -1;
	}
	if (strlen(prefixes) > 3 && !strcmp(prefixes + strlen(prefixes) - 3, ".xz"))
		snprintf(cmd, sizeof(cmd), "xz -dc '%s'", prefixes);
	else
		snprintf(cmd, sizeof(cmd), "cat '%s'", prefixes);
	in = popen(cmd, "r");
	if (!in) {
		perror("bench_sync: popen");
		fclose(out);
		return -1;
	}
	while (w < n && fgets(line, sizeof(line), in)) {
		line[strcspn(line, " \t\r\n")] = '\0';
		if (!line[0] || line[0] == '#' || strchr(line, ':'))
			continue;
		fprintf(out, "route add %s via 10.0.0.2 dev v0\n", line);
		w++;
	}
	while (fgets(line, sizeof(line), in))
		; /* let xz finish quietly */
	if (pclose(in) != 0 && w == 0) {
		fprintf(stderr, "bench_sync: cannot read %s\n", prefixes);
		fclose(out);
		return -1;
	}
	for (syn = 0; w < n && syn < (1L << 22); syn++, w++) {
		uint32_t a = (100u << 24) | (64u << 16) | (uint32_t)syn;

		fprintf(out, "route add %u.%u.%u.%u/32 via 10.0.0.2 dev v0\n", a >> 24,
			(a >> 16) & 255, (a >> 8) & 255, a & 255);
	}
	if (fclose(out)) {
		perror("bench_sync: batch file");
		return -1;
	}
	return w;
}

static int setup_ns(long n, const char *prefixes, double *load_s, long *written)
{
	double t0;

	snprintf(ns, sizeof(ns), "fmbench-%d", (int)getpid());
	if (sh("ip netns add %s", ns))
		return -1;
	own_ns = true;
	if (sh("ip -n %s link set lo up && ip -n %s link add v0 type veth peer name v1 && "
	       "ip -n %s addr add 10.0.0.1/24 dev v0 && ip -n %s link set v0 up && "
	       "ip -n %s link set v1 up",
	       ns, ns, ns, ns, ns))
		return -1;
	*written = write_batch(prefixes, n);
	if (*written < 0)
		return -1;
	t0 = now();
	if (sh("ip -n %s -force -batch %s", ns, batch))
		fprintf(stderr, "bench_sync: some routes were refused; counting what loaded\n");
	*load_s = now() - t0;
	unlink(batch);
	batch[0] = '\0';
	return 0;
}

/* Raw dump of every IPv4 route: messages counted, nothing parsed. */
static double raw_dump(long *msgs)
{
	static char buf[1 << 20];
	struct mnl_socket *nl = socket_in(ns);
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	double t0, t = -1;
	int rcv = 1 << 20;
	bool done = false;

	*msgs = 0;
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("bench_sync: raw dump socket");
		return -1;
	}
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = 1;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = AF_INET;
	t0 = now();
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto out;
	while (!done) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		const struct nlmsghdr *h = (const void *)buf;
		int len = (int)n;

		if (n <= 0)
			goto out;
		for (; mnl_nlmsg_ok(h, len); h = mnl_nlmsg_next(h, &len)) {
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				done = true;
				break;
			}
			(*msgs)++;
		}
	}
	t = now() - t0;
out:
	mnl_socket_close(nl);
	return t;
}

static int usage(void)
{
	fprintf(stderr, "Usage: bench_sync [--routes N] [--prefixes FILE] [--netns NAME] [--keep]\n"
			"                  [--repeat R] [--json]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct fm_open_opts o = {.sz = sizeof(o)};
	const char *prefixes = FULLVIEW;
	long n = 1000000, written = -1, msgs = 0;
	double load_s = -1, open_s = 0, first_s = 0, best = 1e30, raw_s, save_s, t0;
	double resync_s, verify_s, back_s, resync_best = 1e30, verify_best = 1e30, back_best = 1e30;
	long long rss0, rss1 = 0;
	struct fm_stats st = {0};
	struct fm_mirror *m;
	int i, r, repeat = 1, rc;
	bool json = false;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--routes") && i + 1 < argc)
			n = atol(argv[++i]);
		else if (!strcmp(argv[i], "--prefixes") && i + 1 < argc)
			prefixes = argv[++i];
		else if (!strcmp(argv[i], "--netns") && i + 1 < argc)
			snprintf(ns, sizeof(ns), "%s", argv[++i]);
		else if (!strcmp(argv[i], "--keep"))
			keep = true;
		else if (!strcmp(argv[i], "--repeat") && i + 1 < argc)
			repeat = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else
			return usage();
	}
	if (n <= 0 || repeat <= 0)
		return usage();
	if (geteuid() != 0) {
		fprintf(stderr, "bench_sync: needs root (network namespaces)\n");
		return 77;
	}
	atexit(cleanup);
	if (!ns[0] && setup_ns(n, prefixes, &load_s, &written))
		return 1;

	rss0 = rss_bytes();
	o.netns = ns;
	for (r = 0; r < repeat; r++) {
		t0 = now();
		rc = fm_mirror_open(&o, &m);
		open_s = now() - t0;
		if (rc) {
			fprintf(stderr, "bench_sync: fm_mirror_open(%s): %s\n", ns, strerror(-rc));
			return 1;
		}
		if (open_s < best)
			best = open_s;
		if (r == 0) {
			first_s = open_s;
			rss1 = rss_bytes();
			fm_mirror_stats(m, &st);
		}
		t0 = now();
		rc = fm_mirror_resync(m);
		back_s = now() - t0;
		if (rc < 0) {
			fprintf(stderr, "bench_sync: fm_mirror_resync: %s\n", strerror(-rc));
			return 1;
		}
		/* What the resync left for after its backlog (the old state's free). */
		fm_mirror_process(m, 0);
		resync_s = now() - t0;
		t0 = now();
		rc = fm_mirror_verify(m, NULL, NULL);
		verify_s = now() - t0;
		if (rc) /* the namespace changed under the benchmark, or worse */
			fprintf(stderr, "bench_sync: fm_mirror_verify: %d\n", rc);
		resync_best = resync_s < resync_best ? resync_s : resync_best;
		back_best = back_s < back_best ? back_s : back_best;
		verify_best = verify_s < verify_best ? verify_s : verify_best;
		if (!json)
			printf("open %d: %.3f s, resync %.3f s (back after %.3f), verify %.3f s\n",
			       r + 1, open_s, resync_s, back_s, verify_s);
		fm_mirror_free(m);
	}

	raw_s = raw_dump(&msgs);
	t0 = now();
	sh("ip -n %s route save table all > /dev/null", ns);
	save_s = now() - t0;

	if (json) {
		printf(
		    "{\"bench\":\"sync\",\"netns\":\"%s\",\"routes\":%llu,\"loaded\":%ld,"
		    "\"load_s\":%.3f,\"open_s\":%.3f,\"open_best_s\":%.3f,\"rss_before\":%lld,"
		    "\"rss_after\":%lld,\"rss_per_route\":%.1f,\"mem_bytes\":%llu,"
		    "\"mem_per_route\":%.1f,\"raw_dump_s\":%.3f,\"raw_dump_msgs\":%ld,"
		    "\"ip_route_save_s\":%.3f,\"resync_best_s\":%.3f,\"resync_return_best_s\":%.3f,"
		    "\"verify_best_s\":%.3f}\n",
		    ns, (unsigned long long)st.routes, written, load_s, first_s, best, rss0, rss1,
		    (double)(rss1 - rss0) / (double)st.routes, (unsigned long long)st.mem_bytes,
		    (double)st.mem_bytes / (double)st.routes, raw_s, msgs, save_s, resync_best,
		    back_best, verify_best);
		return 0;
	}
	if (written >= 0)
		printf("loaded %ld routes with ip -batch in %.1f s (%.0f routes/s)\n", written,
		       load_s, (double)written / load_s);
	printf("initial sync (fm_mirror_open): %.3f s%s for %llu routes (%.0f routes/s)\n", best,
	       repeat > 1 ? " best" : "", (unsigned long long)st.routes, (double)st.routes / best);
	printf("resync (fm_mirror_resync, nothing changed): %.3f s%s (back after %.3f s); "
	       "verify: %.3f s%s\n",
	       resync_best, repeat > 1 ? " best" : "", back_best, verify_best,
	       repeat > 1 ? " best" : "");
	printf("resident: %.1f MB before, %.1f MB after: %.1f B/route\n", rss0 / 1e6, rss1 / 1e6,
	       (double)(rss1 - rss0) / (double)st.routes);
	printf("mem_bytes: %llu: %.1f B/route\n", (unsigned long long)st.mem_bytes,
	       (double)st.mem_bytes / (double)st.routes);
	printf("peer: raw IPv4 dump (no parsing) %.3f s, %ld messages\n", raw_s, msgs);
	printf("peer: ip route save table all > /dev/null: %.3f s\n", save_s);
	return 0;
}
