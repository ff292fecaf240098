// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: bench_gwidx - the gateway index answers in time proportional to the
 * answer.
 *
 * An offline mirror (fm_mirror_open_file(), no kernel, no privileges) of
 * 100,000 IPv4 /24 routes spread over 1,000 gateways with very uneven shares:
 *
 *   3 gateways x 10,000 routes, 30 x 1,000, 290 x 100, 500 x 10, 100 x 1,
 *   and 77 gateways sharing the remaining 5,900 (76-77 each).
 *
 * The routes are written as `ip route show` lines ("10.X.Y.0/24 via
 * 172.16.A.B dev ethN", gateway g on eth(g % 4)) in a shuffled order (fixed
 * seed), so a gateway's routes are scattered over the table. For one gateway
 * of each answer size 1, 10, 100, 1,000 and 10,000 the program times
 * fm_routes_by_gateway() (any device, then restricted to the right device,
 * then to a wrong device) and prints nanoseconds per query and per returned
 * route: the second column should stay roughly flat from 10 routes up. For
 * scale, a full walk with fm_route_foreach() that filters on the gateway
 * shows what an answer costs without the index.
 *
 * Each figure is the best of --runs runs (default 3) of a loop sized to
 * about 2M returned routes (at most 2M queries). Output: a table, or one JSON
 * line with --json. --keep FILE keeps the generated route list there.
 */
#include "bench.h"
#include "fibmirror.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NGW	1000
#define NROUTES 100000
#define NDEV	4

static const struct {
	unsigned gws, routes;
} classes[] = {{3, 10000}, {30, 1000}, {290, 100}, {500, 10}, {100, 1}};

static const unsigned sizes[] = {1, 10, 100, 1000, 10000};

static unsigned count[NGW];
static unsigned runs = 3;

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void gw_of(unsigned g, struct fm_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = AF_INET;
	ip->v4 = htonl((172u << 24) | (16u << 16) | ((g + 1) & 0xffff));
}

/* Per-gateway route counts, then the shuffled route list. */
static int write_routes(const char *path)
{
	unsigned *order = malloc(NROUTES * sizeof(*order));
	unsigned g = 0, i, c, k, fill_gws, fill_routes = NROUTES;
	FILE *f;

	if (!order)
		return -ENOMEM;
	for (c = 0; c < sizeof(classes) / sizeof(classes[0]); c++)
		for (k = 0; k < classes[c].gws; k++) {
			count[g++] = classes[c].routes;
			fill_routes -= classes[c].routes;
		}
	fill_gws = NGW - g;
	for (k = 0; g < NGW; g++, k++)
		count[g] = fill_routes / fill_gws + (k < fill_routes % fill_gws ? 1 : 0);
	for (g = 0, i = 0; g < NGW; g++)
		for (k = 0; k < count[g]; k++)
			order[i++] = g;
	for (i = NROUTES - 1; i > 0; i--) {
		unsigned j = (unsigned)(next_rand() % (i + 1)), t = order[i];

		order[i] = order[j];
		order[j] = t;
	}
	f = fopen(path, "w");
	if (!f) {
		free(order);
		return -errno;
	}
	for (i = 0; i < NROUTES; i++) {
		uint32_t dst = (10u << 24) + (i << 8);
		unsigned gw = order[i] + 1;

		fprintf(f, "%u.%u.%u.0/24 via 172.16.%u.%u dev eth%u\n", dst >> 24,
			(dst >> 16) & 255, (dst >> 8) & 255, gw >> 8, gw & 255, order[i] % NDEV);
	}
	free(order);
	return fclose(f) ? -errno : 0;
}

static int count_cb(const struct fm_route *r, void *arg)
{
	(*(unsigned long *)arg) += r->dst_len; /* touch the route */
	return 0;
}

struct scan {
	struct fm_ip gw;
	unsigned long n;
};

static int scan_cb(const struct fm_route *r, void *arg)
{
	struct scan *s = arg;
	uint16_t h;

	for (h = 0; h < r->nhops; h++)
		if (r->hops[h].gw.family == AF_INET && r->hops[h].gw.v4 == s->gw.v4) {
			s->n++;
			break;
		}
	return 0;
}

struct result {
	unsigned size;
	unsigned long queries;
	double ns_query, ns_route, ns_query_dev, ns_query_wrongdev;
};

/* Best-of-runs ns per query of fm_routes_by_gateway(@gw, @ifindex). */
static double time_queries(struct fm_mirror *m, const struct fm_ip *gw, int ifindex,
			   unsigned long iters, unsigned long *answer)
{
	double best = 1e30;
	unsigned r;

	for (r = 0; r < runs; r++) {
		unsigned long sum = 0, q;
		double t0 = now(), t;

		for (q = 0; q < iters; q++)
			fm_routes_by_gateway(m, gw, ifindex, count_cb, &sum);
		t = (now() - t0) / (double)iters * 1e9;
		if (t < best)
			best = t;
		*answer = sum / 24 / iters; /* every route is a /24 */
	}
	return best;
}

static int usage(void)
{
	fprintf(stderr, "Usage: bench_gwidx [--json] [--runs N] [--keep FILE]\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct fm_open_opts o = {.sz = sizeof(o)};
	struct result res[sizeof(sizes) / sizeof(sizes[0])];
	char path[] = "/tmp/bench_gwidx.XXXXXX", err[256] = "";
	const char *keep = NULL;
	struct fm_mirror *m = NULL;
	struct fm_stats st;
	struct fm_link dev;
	struct scan sc;
	bool json = false;
	double t0, load_s, scan_ns = 1e30;
	unsigned s, g, r;
	int i, fd, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--keep") && i + 1 < argc)
			keep = argv[++i];
		else
			return usage();
	}
	if (!runs)
		runs = 1;
	fd = mkstemp(path);
	if (fd < 0) {
		perror("mkstemp");
		return 1;
	}
	close(fd);
	rc = write_routes(keep ? keep : path);
	if (rc) {
		fprintf(stderr, "bench_gwidx: writing routes: %s\n", strerror(-rc));
		unlink(path);
		return 1;
	}
	t0 = now();
	rc = fm_mirror_open_file(keep ? keep : path, &o, &m, err, sizeof(err));
	load_s = now() - t0;
	unlink(path);
	if (rc) {
		fprintf(stderr, "bench_gwidx: load: %s\n", err[0] ? err : strerror(-rc));
		return 1;
	}
	fm_mirror_stats(m, &st);

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct result *x = &res[s];
		unsigned long iters, answer = 0, a2 = 0, a3 = 0;
		char name[16];
		struct fm_ip gw;

		for (g = 0; g < NGW && count[g] != sizes[s]; g++)
			;
		if (g == NGW) {
			fprintf(stderr, "bench_gwidx: no gateway with %u routes\n", sizes[s]);
			return 1;
		}
		gw_of(g, &gw);
		iters = 2000000 / sizes[s];
		x->size = sizes[s];
		x->queries = iters;
		x->ns_query = time_queries(m, &gw, 0, iters, &answer);
		x->ns_route = x->ns_query / (double)sizes[s];
		snprintf(name, sizeof(name), "eth%u", g % NDEV);
		if (fm_link_by_name(m, name, &dev)) {
			fprintf(stderr, "bench_gwidx: no device %s\n", name);
			return 1;
		}
		x->ns_query_dev = time_queries(m, &gw, dev.ifindex, iters, &a2);
		snprintf(name, sizeof(name), "eth%u", (g + 1) % NDEV);
		fm_link_by_name(m, name, &dev);
		x->ns_query_wrongdev = time_queries(m, &gw, dev.ifindex, iters, &a3);
		if (answer != sizes[s] || a2 != sizes[s] || a3 != 0) {
			fprintf(stderr,
				"bench_gwidx: gateway %u: %lu/%lu/%lu routes, want %u/%u/0\n", g,
				answer, a2, a3, sizes[s], sizes[s]);
			return 1;
		}
	}
	/* Without the index: walk everything, keep the routes via one gateway. */
	gw_of(0, &sc.gw);
	for (r = 0; r < runs; r++) {
		struct fm_route_filter f = {.any_table = true};
		double t;

		sc.n = 0;
		t0 = now();
		fm_route_foreach(m, &f, scan_cb, &sc);
		t = (now() - t0) * 1e9;
		if (t < scan_ns)
			scan_ns = t;
	}

	if (json) {
		printf("{\"bench\":\"gwidx\",\"routes\":%llu,\"gateways\":%d,\"load_s\":%.3f,"
		       "\"mem_bytes\":%llu,\"full_scan_ns\":%.0f,\"queries\":[",
		       (unsigned long long)st.routes, NGW, load_s, (unsigned long long)st.mem_bytes,
		       scan_ns);
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			printf("%s{\"answer\":%u,\"ns_per_query\":%.1f,\"ns_per_route\":%.2f,"
			       "\"ns_per_query_dev\":%.1f,\"ns_per_query_wrong_dev\":%.1f}",
			       s ? "," : "", res[s].size, res[s].ns_query, res[s].ns_route,
			       res[s].ns_query_dev, res[s].ns_query_wrongdev);
		printf("]}\n");
	} else {
		printf("gateway index: %llu routes via %d gateways, loaded in %.3f s, "
		       "mem_bytes %llu (%.0f B/route)\n",
		       (unsigned long long)st.routes, NGW, load_s, (unsigned long long)st.mem_bytes,
		       (double)st.mem_bytes / (double)(st.routes ? st.routes : 1));
		printf("%8s %9s %12s %12s %14s %16s\n", "answer", "queries", "ns/query", "ns/route",
		       "ns/query(dev)", "ns/query(wrong)");
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			printf("%8u %9lu %12.1f %12.2f %14.1f %16.1f\n", res[s].size,
			       res[s].queries, res[s].ns_query, res[s].ns_route,
			       res[s].ns_query_dev, res[s].ns_query_wrongdev);
		printf("full scan without the index (fm_route_foreach + filter, %lu routes found): "
		       "%.0f ns/query\n",
		       sc.n, scan_ns);
	}
	fm_mirror_free(m);
	return 0;
}
