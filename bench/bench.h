/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What every benchmark needs: a monotonic clock in seconds, a shell command
 * for namespace set-up whose failure is reported on stderr, a seeded random
 * sequence, a list file that may be xz-compressed, a one-line description of
 * the machine, (with FM_BENCH_NETLINK) an rtnetlink socket opened in a
 * named namespace, and (with FM_BENCH_FULLVIEW as well) the namespace of the
 * real full views that bench_get and bench_cache measure. Header-only, one
 * copy per benchmark program.
 */
#ifndef FM_BENCH_H
#define FM_BENCH_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

__attribute__((format(printf, 1, 2), unused)) static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "command failed (%d): %s\n", rc, cmd);
	return rc;
}

/*
 * For timing loops that pass over @n items and read the clock between
 * chunks: at @t seconds with the next item *@i, wrap *@i to 0 at the end of
 * a pass; true when to stop: at the end of a pass once @min seconds have
 * elapsed (so every item counts as often), or past @max in any case.
 */
static inline bool bench_timed_enough(long *i, long n, double t, double min, double max)
{
	if (*i == n) {
		*i = 0;
		if (t >= min)
			return true;
	}
	return t >= max;
}

/* splitmix64: small, fast, and the same sequence everywhere for a seed. */
static inline uint64_t bench_rnd(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Open a text list for reading: through `xz -dc` when @path ends in ".xz"
 * (*@piped is then true), else the file itself. NULL with errno set. */
__attribute__((unused)) static FILE *bench_list_open(const char *path, bool *piped)
{
	size_t n = strlen(path);
	char cmd[4200];

	*piped = n > 3 && !strcmp(path + n - 3, ".xz");
	if (!*piped)
		return fopen(path, "r");
	if (strchr(path, '\'') || n > sizeof(cmd) - 16) {
		errno = EINVAL; /* no quoting games with the shell */
		return NULL;
	}
	if (access(path, R_OK))
		return NULL;
	snprintf(cmd, sizeof(cmd), "xz -dc '%s'", path);
	return popen(cmd, "r");
}

/* Close what bench_list_open() opened; nonzero if reading it failed. */
__attribute__((unused)) static int bench_list_close(FILE *f, bool piped)
{
	return piped ? pclose(f) : fclose(f);
}

/* The CPU model (as lscpu prints it: /proc/cpuinfo "model name"), the number
 * of online CPUs and "Linux <release>", for the header of a benchmark. */
__attribute__((unused)) static void bench_machine(char *cpu, size_t cpulen, int *ncpu, char *kernel,
						  size_t klen)
{
	struct utsname u;
	char line[256];
	FILE *f = fopen("/proc/cpuinfo", "r");

	snprintf(cpu, cpulen, "unknown CPU");
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "model name", 10) || !colon)
			continue;
		colon += 1 + strspn(colon + 1, " \t");
		colon[strcspn(colon, "\n")] = '\0';
		snprintf(cpu, cpulen, "%s", colon);
		break;
	}
	if (f)
		fclose(f);
	*ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (uname(&u) != 0 || snprintf(kernel, klen, "%s %s", u.sysname, u.release) < 0)
		snprintf(kernel, klen, "unknown kernel");
}

#ifdef FM_BENCH_NETLINK
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <sched.h>
#include <unistd.h>

/* An rtnetlink socket in network namespace @name (made there; this thread
 * then returns to its own namespace). NULL when it cannot be made. */
__attribute__((unused)) static struct mnl_socket *socket_in(const char *name)
{
	char path[256];
	struct mnl_socket *nl = NULL;
	int self, fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (self >= 0 && fd >= 0 && setns(fd, CLONE_NEWNET) == 0) {
		nl = mnl_socket_open(NETLINK_ROUTE);
		if (setns(self, CLONE_NEWNET) < 0) {
			perror("setns back");
			exit(1);
		}
	}
	if (self >= 0)
		close(self);
	if (fd >= 0)
		close(fd);
	return nl;
}

#ifdef FM_BENCH_FULLVIEW
/*
 * The full-view namespace of bench_get and bench_cache: "fmbench-PID" with
 * veth pairs v0/v1 and v2/v3, 10.0.0.1/16 on v0 and fd00::1/64 (nodad) on
 * v2, and FV_NGW gateways per family (10.0.1.1.., fd00::100..) used
 * round-robin by the prefixes of the real full views, FV_FULLVIEW4/6 (read
 * with `xz -dc`). --v4 N / --v6 N keep N prefixes, an even stride over the
 * sorted list (so a small run still spans the address space); they are
 * loaded with one `ip -batch` file per family. --netns NAME measures an
 * existing namespace as it is and loads nothing. The extra rules a program
 * adds ("fwmark N lookup 1000+N pref 100+N") are deleted at exit, so a kept
 * or given namespace is left as it was loaded.
 */
#include "fibmirror.h"

#include <arpa/inet.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <sys/socket.h>

#ifndef FM_SOURCE_DIR
#define FM_SOURCE_DIR "."
#endif
#define FV_DATA	     FM_SOURCE_DIR "/../shared/data/"
#define FV_FULLVIEW4 FV_DATA "ipv4-fullview-901899.txt.xz"
#define FV_FULLVIEW6 FV_DATA "ipv6-fullview-160147.txt.xz"
#define FV_NGW	     300 /* gateways per family, used round-robin */

/* A prefix of the data files: 16 bytes (IPv4 in the first 4), network order. */
struct pfx {
	uint8_t b[16];
	uint8_t len;
};

/* One family's prefixes as read (all) and as loaded (a stride sample). */
struct pfxset {
	int family;
	const char *path;
	struct pfx *all;
	long nall;
	struct pfx *sel;
	long nsel;
};

/* What the kernel answered, for a cross-check. */
struct answer {
	int rc;
	int oif;
	struct fm_ip gw;
};

/* A NETLINK_ROUTE socket in the namespace, for one request at a time. */
struct kq {
	struct mnl_socket *nl;
	unsigned int portid;
	unsigned int seq;
	char buf[8192];
};

/* The program's namespace: one per process, as the cleanup runs at exit. */
__attribute__((unused)) static struct {
	const char *prog; /* for messages and temporary file names */
	char ns[64];
	bool own_ns, keep;
	char batch[64];	 /* a batch file not yet removed, or "" */
	int extra_rules; /* rules this run added (priorities 101..100+extra_rules) */
	long n4, n6;	 /* --v4 / --v6: prefixes to load, -1 = all */
} fv = {.prog = "bench", .n4 = -1, .n6 = -1};

__attribute__((unused)) static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", fv.prog);
		exit(1);
	}
	return p;
}

/* The options every full-view program takes: --v4 N, --v6 N, --netns NAME,
 * --keep. True when argv[*i] was one (*i then at its last word). */
__attribute__((unused)) static bool fv_option(int argc, char **argv, int *i)
{
	if (!strcmp(argv[*i], "--v4") && *i + 1 < argc)
		fv.n4 = atol(argv[++*i]);
	else if (!strcmp(argv[*i], "--v6") && *i + 1 < argc)
		fv.n6 = atol(argv[++*i]);
	else if (!strcmp(argv[*i], "--netns") && *i + 1 < argc)
		snprintf(fv.ns, sizeof(fv.ns), "%s", argv[++*i]);
	else if (!strcmp(argv[*i], "--keep"))
		fv.keep = true;
	else
		return false;
	return true;
}

/* Write a batch file of @lines lines, made by @line(ctx, i, buf), into fv.batch. */
__attribute__((unused)) static int write_batch(const char *what, long lines,
					       void (*line)(const void *, long, char *, size_t),
					       const void *ctx)
{
	char l[160];
	FILE *out;
	long i;
	int fd;

	snprintf(fv.batch, sizeof(fv.batch), "/tmp/%s.XXXXXX", fv.prog);
	fd = mkstemp(fv.batch);
	if (fd < 0 || !(out = fdopen(fd, "w"))) {
		fprintf(stderr, "%s: %s batch file: %s\n", fv.prog, what, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	for (i = 0; i < lines; i++) {
		line(ctx, i, l, sizeof(l));
		fputs(l, out);
	}
	if (fclose(out)) {
		fprintf(stderr, "%s: %s batch file: %s\n", fv.prog, what, strerror(errno));
		return -1;
	}
	return 0;
}

/* Run `ip -n NS [-6] -force -batch` on fv.batch, then remove it. Return seconds. */
__attribute__((unused)) static double run_batch(bool v6)
{
	double t0 = now();

	if (sh("ip -n %s %s-force -batch %s", fv.ns, v6 ? "-6 " : "", fv.batch))
		fprintf(stderr, "%s: some lines were refused; going on\n", fv.prog);
	t0 = now() - t0;
	unlink(fv.batch);
	fv.batch[0] = '\0';
	return t0;
}

/* The extra rules from number @first on (priority 100 + first, ...), added or deleted. */
struct rule_span {
	int first;
	bool add;
};

/* Line @i of a rules batch: rule number r->first + i. */
__attribute__((unused)) static void rule_line(const void *ctx, long i, char *buf, size_t len)
{
	const struct rule_span *r = ctx;
	long k = r->first + i;

	if (r->add)
		snprintf(buf, len, "rule add fwmark %ld lookup %ld pref %ld\n", k, 1000 + k,
			 100 + k);
	else
		snprintf(buf, len, "rule del pref %ld\n", 100 + k);
}

/* At exit: delete our namespace, or the rules we added to a kept or given one. */
__attribute__((unused)) static void fv_cleanup(void)
{
	const struct rule_span del = {1, false};

	if (fv.batch[0])
		unlink(fv.batch);
	fv.batch[0] = '\0';
	if (fv.own_ns && !fv.keep) {
		sh("ip netns del %s", fv.ns);
		return;
	}
	if (!fv.extra_rules || !fv.ns[0] || write_batch("rules", fv.extra_rules, rule_line, &del))
		return;
	sh("ip -n %s -force -batch %s && ip -n %s -6 -force -batch %s", fv.ns, fv.batch, fv.ns,
	   fv.batch);
	unlink(fv.batch);
	fv.batch[0] = '\0';
}

/* Read every prefix of @s->path (xz) into s->all. */
__attribute__((unused)) static int read_prefixes(struct pfxset *s)
{
	char cmd[4200], line[128];
	long cap = 1 << 16;
	FILE *in;

	snprintf(cmd, sizeof(cmd), "xz -dc '%s'", s->path);
	in = popen(cmd, "r");
	if (!in) {
		fprintf(stderr, "%s: popen: %s\n", fv.prog, strerror(errno));
		return -1;
	}
	s->all = xcalloc((size_t)cap, sizeof(*s->all));
	while (fgets(line, sizeof(line), in)) {
		struct pfx *p;
		char *slash;

		line[strcspn(line, " \t\r\n")] = '\0';
		slash = strchr(line, '/');
		if (!line[0] || line[0] == '#' || !slash)
			continue;
		*slash = '\0';
		if (s->nall == cap) {
			cap *= 2;
			s->all = realloc(s->all, (size_t)cap * sizeof(*s->all));
			if (!s->all) {
				fprintf(stderr, "%s: out of memory\n", fv.prog);
				exit(1);
			}
		}
		p = &s->all[s->nall];
		memset(p, 0, sizeof(*p));
		if (inet_pton(s->family, line, p->b) != 1)
			continue;
		p->len = (uint8_t)atoi(slash + 1);
		s->nall++;
	}
	if (pclose(in) != 0 || s->nall == 0) {
		fprintf(stderr, "%s: cannot read %s\n", fv.prog, s->path);
		return -1;
	}
	return 0;
}

/* Keep @n prefixes: an even stride over the sorted list. */
__attribute__((unused)) static void select_prefixes(struct pfxset *s, long n)
{
	long i;

	if (n < 0 || n > s->nall)
		n = s->nall;
	s->sel = xcalloc((size_t)n, sizeof(*s->sel));
	for (i = 0; i < n; i++)
		s->sel[i] = s->all[(long)((double)i * (double)s->nall / (double)n)];
	s->nsel = n;
}

/* "route add P via G" for loaded prefix @i, its gateway picked round-robin. */
__attribute__((unused)) static void route_line(const void *ctx, long i, char *buf, size_t len)
{
	const struct pfxset *s = ctx;
	const struct pfx *p = &s->sel[i];
	char a[INET6_ADDRSTRLEN], g[48];
	long h = 257 + i % FV_NGW; /* 10.0.1.1 .. 10.0.2.44, inside 10.0.0.0/16 */

	inet_ntop(s->family, p->b, a, sizeof(a));
	if (s->family == AF_INET)
		snprintf(g, sizeof(g), "10.0.%ld.%ld", h >> 8, h & 255);
	else
		snprintf(g, sizeof(g), "fd00::%lx", 0x100 + i % FV_NGW);
	snprintf(buf, len, "route add %s/%u via %s\n", a, p->len, g);
}

__attribute__((unused)) static int setup_ns(struct pfxset *s4, struct pfxset *s6, double *load4,
					    double *load6)
{
	const char *ns = fv.ns;

	snprintf(fv.ns, sizeof(fv.ns), "fmbench-%d", (int)getpid());
	if (sh("ip netns add %s", ns))
		return -1;
	fv.own_ns = true;
	if (sh("ip -n %s link set lo up && "
	       "ip -n %s link add v0 type veth peer name v1 && "
	       "ip -n %s link add v2 type veth peer name v3 && "
	       "ip -n %s addr add 10.0.0.1/16 dev v0 && "
	       "ip -n %s addr add fd00::1/64 dev v2 nodad && "
	       "ip netns exec %s sysctl -qw net.ipv4.conf.all.forwarding=1 && "
	       "for d in v0 v1 v2 v3; do ip -n %s link set $d up || exit 1; done",
	       ns, ns, ns, ns, ns, ns, ns))
		return -1;
	if (s4->nsel && write_batch("IPv4", s4->nsel, route_line, s4))
		return -1;
	*load4 = s4->nsel ? run_batch(false) : 0;
	if (s6->nsel && write_batch("IPv6", s6->nsel, route_line, s6))
		return -1;
	*load6 = s6->nsel ? run_batch(true) : 0;
	return 0;
}

/*
 * Everything before the mirror: root, the cleanup at exit, the prefixes of
 * both families (--v4/--v6), and the namespace made and loaded unless
 * --netns named one (@load4 and @load6 stay -1 then). Return 0, or the exit
 * status: 77 without root (the test suite's "skipped"), 1 on errors.
 */
__attribute__((unused)) static int fv_prepare(struct pfxset *s4, struct pfxset *s6, double *load4,
					      double *load6)
{
	*s4 = (struct pfxset){.family = AF_INET, .path = FV_FULLVIEW4};
	*s6 = (struct pfxset){.family = AF_INET6, .path = FV_FULLVIEW6};
	*load4 = *load6 = -1;
	if (geteuid() != 0) {
		fprintf(stderr, "%s: needs root (network namespaces)\n", fv.prog);
		return 77;
	}
	atexit(fv_cleanup);
	if ((fv.n4 && read_prefixes(s4)) || (fv.n6 && read_prefixes(s6)))
		return 1;
	select_prefixes(s4, fv.n4);
	select_prefixes(s6, fv.n6);
	if (!fv.ns[0] && setup_ns(s4, s6, load4, load6))
		return 1;
	return 0;
}

/* A live mirror of the namespace; *secs the time fm_mirror_open took. Exits on failure. */
__attribute__((unused)) static struct fm_mirror *fv_open(double *secs)
{
	struct fm_open_opts o = {.sz = sizeof(o), .netns = fv.ns};
	struct fm_mirror *m;
	double t0 = now();
	int rc = fm_mirror_open(&o, &m);

	*secs = now() - t0;
	if (rc) {
		fprintf(stderr, "%s: fm_mirror_open(%s): %s\n", fv.prog, fv.ns, strerror(-rc));
		exit(1);
	}
	return m;
}

/* The lines that say what was measured: the namespace, its loading, the mirror. */
__attribute__((unused)) static void fv_describe(const struct pfxset *s4, const struct pfxset *s6,
						double load4, double load6, double open_s,
						const struct fm_stats *st)
{
	printf("namespace %s: IPv4 %ld prefixes%s, IPv6 %ld prefixes%s, %d gateways each\n", fv.ns,
	       s4->nsel, s4->nsel == s4->nall ? " (all)" : "", s6->nsel,
	       s6->nsel == s6->nall ? " (all)" : "", FV_NGW);
	if (load4 >= 0)
		printf("loaded with ip -batch: IPv4 %.1f s, IPv6 %.1f s\n", load4, load6);
	printf("fm_mirror_open: %.2f s, %llu routes, %llu rules in the mirror\n", open_s,
	       (unsigned long long)st->routes, (unsigned long long)st->rules);
}

__attribute__((unused)) static void random_bytes(uint64_t *state, uint8_t *b, int n)
{
	uint64_t r = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (!(i & 7))
			r = bench_rnd(state);
		b[i] = (uint8_t)r;
		r >>= 8;
	}
}

/* An address inside a loaded prefix of @s picked uniformly, random host bits. */
__attribute__((unused)) static void in_table_addr(uint64_t *state, const struct pfxset *s,
						  struct fm_ip *d)
{
	const struct pfx *p = &s->sel[bench_rnd(state) % (uint64_t)s->nsel];
	int alen = s->family == AF_INET ? 4 : 16;
	uint8_t host[16];
	int k;

	random_bytes(state, host, alen);
	memset(d, 0, sizeof(*d));
	d->family = (uint8_t)s->family;
	for (k = 0; k < alen; k++) {
		int bits = p->len - 8 * k; /* prefix bits in this byte */
		uint8_t keep = bits <= 0 ? 0 : bits >= 8 ? 0xff : (uint8_t)(0xff << (8 - bits));

		d->b[k] = (uint8_t)((p->b[k] & keep) | (host[k] & ~keep));
	}
}

__attribute__((unused)) static int kq_open(struct kq *q)
{
	q->nl = socket_in(fv.ns);
	if (!q->nl || mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		fprintf(stderr, "%s: netlink socket in the namespace: %s\n", fv.prog,
			strerror(errno));
		return -1;
	}
	q->portid = mnl_socket_get_portid(q->nl);
	q->seq = 1;
	return 0;
}

/*
 * One `ip route get ADDR [from SRC] [oif DEV] [iif DEV]`: RTM_GETROUTE, its
 * reply read and parsed (error, RTA_OIF, RTA_GATEWAY or RTA_VIA). @src NULL
 * or family 0: none. Return the kernel's verdict (0 or -errno); -EIO when
 * the socket itself fails.
 */
__attribute__((unused)) static int kq_get_from(struct kq *q, const struct fm_ip *dst,
					       const struct fm_ip *src, int oif, int iif,
					       struct answer *a)
{
	int alen = dst->family == AF_INET ? 4 : 16;
	unsigned int seq = q->seq++;
	const struct nlmsghdr *h;
	struct nlmsghdr *nlh;
	const struct nlattr *at;
	struct rtmsg *rtm;
	ssize_t n;

	memset(a, 0, sizeof(*a));
	nlh = mnl_nlmsg_put_header(q->buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = dst->family;
	rtm->rtm_dst_len = (unsigned char)(8 * alen);
	rtm->rtm_flags = RTM_F_LOOKUP_TABLE;
	mnl_attr_put(nlh, RTA_DST, (size_t)alen, dst->b);
	if (src && src->family) {
		rtm->rtm_src_len = (unsigned char)(8 * alen);
		mnl_attr_put(nlh, RTA_SRC, (size_t)alen, src->b);
	}
	if (oif > 0)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
	if (iif > 0)
		mnl_attr_put_u32(nlh, RTA_IIF, (uint32_t)iif);
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
		return a->rc = -EIO;
	for (;;) {
		n = mnl_socket_recvfrom(q->nl, q->buf, sizeof(q->buf));
		if (n <= 0)
			return a->rc = -EIO;
		h = (const struct nlmsghdr *)q->buf;
		if (mnl_nlmsg_ok(h, (int)n) && h->nlmsg_seq == seq)
			break; /* anything else is a stale reply: read on */
	}
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

		return a->rc = e->error ? e->error : -EIO;
	}
	if (h->nlmsg_type != RTM_NEWROUTE)
		return a->rc = -EIO;
	mnl_attr_for_each (at, h, sizeof(struct rtmsg)) {
		const uint8_t *v = mnl_attr_get_payload(at);

		switch (mnl_attr_get_type(at)) {
		case RTA_OIF:
			if (mnl_attr_get_payload_len(at) >= 4)
				a->oif = (int)mnl_attr_get_u32(at);
			break;
		case RTA_GATEWAY:
			if (mnl_attr_get_payload_len(at) == (uint16_t)alen) {
				a->gw.family = dst->family;
				memcpy(a->gw.b, v, (size_t)alen);
			}
			break;
		case RTA_VIA:
			if (mnl_attr_get_payload_len(at) >= 2 + 16 && v[0] == AF_INET6) {
				a->gw.family = AF_INET6;
				memcpy(a->gw.b, v + 2, 16);
			} else if (mnl_attr_get_payload_len(at) >= 2 + 4 && v[0] == AF_INET) {
				a->gw.family = AF_INET;
				memcpy(a->gw.b, v + 2, 4);
			}
			break;
		}
	}
	return 0;
}

__attribute__((unused)) static int kq_get(struct kq *q, const struct fm_ip *dst, int oif,
					  struct answer *a)
{
	return kq_get_from(q, dst, NULL, oif, 0, a);
}

/* Add rules up to @total: "fwmark N lookup 1000+N pref 100+N", both families,
 * and wait until the mirror has learnt them from its event socket. */
__attribute__((unused)) static int add_rules(struct fm_mirror *m, int total)
{
	const struct rule_span add = {fv.extra_rules + 1, true};
	struct fm_stats st;
	uint64_t want;
	double t0;
	int rc;

	fm_mirror_stats(m, &st);
	want = st.rules + 2 * (uint64_t)(total - fv.extra_rules);
	if (write_batch("rules", total - fv.extra_rules, rule_line, &add))
		return -1;
	rc = sh("ip -n %s -batch %s && ip -n %s -6 -batch %s", fv.ns, fv.batch, fv.ns, fv.batch);
	unlink(fv.batch);
	fv.batch[0] = '\0';
	fv.extra_rules = total; /* even on failure: the cleanup deletes what is there */
	if (rc)
		return -1;
	t0 = now();
	do {
		if (fm_mirror_process(m, 100) < 0)
			break;
		fm_mirror_stats(m, &st);
	} while (st.rules < want && now() - t0 < 10);
	if (st.rules != want) {
		fprintf(stderr, "%s: the mirror has %llu rules, expected %llu\n", fv.prog,
			(unsigned long long)st.rules, (unsigned long long)want);
		return -1;
	}
	return 0;
}
#endif /* FM_BENCH_FULLVIEW */
#endif /* FM_BENCH_NETLINK */

#endif /* FM_BENCH_H */
