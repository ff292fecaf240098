// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * fibmirror - the command-line tool (main() is in main.c).
 *
 * iproute2 conventions: global options first (-4, -6, -j, -p, -d, -n NETNS),
 * then a subcommand from the table below. Each subcommand asks the daemon of
 * the current network namespace when one runs (so a long-lived mirror
 * answers), and otherwise builds a mirror on the spot: from the kernel, or
 * from --file. Output goes through print.c, which speaks iproute2's text and
 * JSON.
 */
#include "cli.h"
#include "print.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static void pr_init(struct cli *c, struct pr_ctx *p)
{
	pr_ctx_mirror(p, c->out, c->json, c->pretty, c->details, c->m);
}

int cli_mirror(struct cli *c)
{
	struct fm_open_opts o = {.sz = sizeof(o)};
	char err[512];
	int rc;

	if (c->m)
		return 0;
	o.netns = c->netns;
	o.max_routes = c->max_routes;
	o.rcvbuf = c->rcvbuf;
	o.flags = FM_OPEN_WRITER_ONLY; /* one thread: the daemon's, or a command's */
	if (c->file)
		rc = fm_mirror_open_file(c->file, &o, &c->m, err, sizeof(err));
	else
		rc = fm_mirror_open(&o, &c->m);
	if (rc == 0)
		return 0;
	if (c->file)
		fprintf(c->err, "Error: %s: %s\n", c->file, err[0] ? err : strerror(-rc));
	else
		fprintf(c->err, "Error: cannot mirror the kernel%s%s: %s\n",
			c->netns ? " of netns " : "", c->netns ? c->netns : "", strerror(-rc));
	return rc;
}

/* Bad input (--file) is the user's error, exit 1; a kernel failure, exit 2. */
int cli_fail_status(const struct cli *c)
{
	return c->file ? 1 : 2;
}

/* ------------------------------------------------------------------- show */

struct show {
	struct cli *c;
	struct pr_ctx p;
	struct fm_route_filter f;
	bool first;
};

static int show_route_cb(const struct fm_route *r, void *arg)
{
	pr_route(&((struct show *)arg)->p, r);
	return 0;
}

static int show_rule_cb(const struct fm_rule *r, void *arg)
{
	pr_rule(&((struct show *)arg)->p, r);
	return 0;
}

static int show_nh_cb(const struct fm_nexthop *nh, void *arg)
{
	struct show *s = arg;

	if (!s->c->family || nh->family == s->c->family || nh->nmembers)
		pr_nexthop(&s->p, nh);
	return 0;
}

static int show_link_cb(const struct fm_link *l, void *arg)
{
	pr_link(&((struct show *)arg)->p, l);
	return 0;
}

struct addr_group {
	struct show *s;
	int ifindex;
	const struct fm_address **v;
	struct fm_address *copies;
	size_t n, cap;
};

static void addr_flush(struct addr_group *g)
{
	struct fm_link l;
	size_t i;

	if (!g->ifindex || fm_link_get(g->s->c->m, g->ifindex, &l) == 0) {
		if (g->ifindex) {
			for (i = 0; i < g->n; i++)
				g->v[i] = &g->copies[i];
			pr_addr(&g->s->p, &l, g->v, g->n);
		}
	}
	g->n = 0;
}

static int show_addr_cb(const struct fm_address *a, void *arg)
{
	struct addr_group *g = arg;

	if (a->ifindex != g->ifindex) {
		addr_flush(g);
		g->ifindex = a->ifindex;
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		void *nv = realloc(g->v, cap * sizeof(*g->v)), *nc;

		if (!nv)
			return -ENOMEM;
		g->v = nv;
		nc = realloc(g->copies, cap * sizeof(*g->copies));
		if (!nc)
			return -ENOMEM;
		g->copies = nc;
		g->cap = cap;
	}
	g->copies[g->n++] = *a;
	return 0;
}

static int show_addrs(struct show *s)
{
	struct addr_group g = {.s = s};
	int rc = fm_addr_foreach(s->c->m, s->c->family, show_addr_cb, &g);

	addr_flush(&g);
	free(g.v);
	free(g.copies);
	return rc;
}

static int show_netconf_cb(const struct fm_netconf *nc, void *arg)
{
	struct show *s = arg;

	if (!s->c->family || nc->family == s->c->family)
		pr_netconf(&s->p, nc);
	return 0;
}

/* Sysctls as "name = value" lines (sysctl(8) style) or one JSON object each. */
static int show_sysctl_cb(const char *name, int64_t v, void *arg)
{
	struct show *s = arg;
	char dotted[128];
	size_t i;

	for (i = 0; name[i] && i < sizeof(dotted) - 1; i++)
		dotted[i] = name[i] == '/' ? '.' : name[i];
	dotted[i] = '\0';
	if (s->c->json)
		fprintf(s->c->out, "%s{\"name\":\"%s\",\"value\":%lld}", s->first ? "" : ",",
			dotted, (long long)v);
	else
		fprintf(s->c->out, "%s = %lld\n", dotted, (long long)v);
	s->first = false;
	return 0;
}

static int parse_table(const char *s, struct fm_route_filter *f)
{
	static const struct {
		const char *name;
		uint32_t id;
	} names[] = {
	    {"main", RT_TABLE_MAIN}, {"local", RT_TABLE_LOCAL}, {"default", RT_TABLE_DEFAULT}};
	char *end;
	unsigned long v;
	size_t i;

	if (!strcmp(s, "all")) {
		f->any_table = true;
		return 0;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i].name)) {
			f->any_table = false;
			f->table = names[i].id;
			return 0;
		}
	}
	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || *end || !*s || v > UINT32_MAX)
		return -EINVAL;
	f->any_table = false;
	f->table = (uint32_t)v;
	return 0;
}

enum show_what {
	SHOW_ROUTE,
	SHOW_RULE,
	SHOW_NEXTHOP,
	SHOW_LINK,
	SHOW_ADDR,
	SHOW_NETCONF,
	SHOW_SYSCTL
};

static int show_parse(struct cli *c, int argc, char **argv, enum show_what *w, struct show *s)
{
	static const char *const what[] = {"route", "rule",    "nexthop", "link",
					   "addr",  "netconf", "sysctl"};
	int i = 1;
	size_t k;

	*w = SHOW_ROUTE;
	s->f.any_table = true;
	s->f.family = c->family;
	if (i < argc) {
		for (k = 0; k < sizeof(what) / sizeof(what[0]); k++)
			if (!strcmp(argv[i], what[k]) ||
			    (k == SHOW_ADDR && !strcmp(argv[i], "address")))
				break;
		if (k < sizeof(what) / sizeof(what[0])) {
			*w = (enum show_what)k;
			i++;
		}
	}
	for (; i < argc; i++) {
		if (!strcmp(argv[i], "table") && i + 1 < argc && *w == SHOW_ROUTE &&
		    parse_table(argv[i + 1], &s->f) == 0) {
			i++;
			continue;
		}
		fprintf(c->err, "Error: show: unexpected argument \"%s\"\n", argv[i]);
		return -EINVAL;
	}
	return 0;
}

static int cmd_show(struct cli *c, int argc, char **argv)
{
	struct show s = {.c = c};
	enum show_what w;
	int rc;

	if (show_parse(c, argc, argv, &w, &s))
		return 1;
	if (cli_mirror(c))
		return cli_fail_status(c);
	pr_init(c, &s.p);
	pr_begin(&s.p);
	switch (w) {
	case SHOW_ROUTE:
		rc = fm_route_foreach(c->m, &s.f, show_route_cb, &s);
		break;
	case SHOW_RULE:
		rc = fm_rule_foreach(c->m, c->family, show_rule_cb, &s);
		break;
	case SHOW_NEXTHOP:
		rc = fm_nexthop_foreach(c->m, show_nh_cb, &s);
		break;
	case SHOW_LINK:
		rc = fm_link_foreach(c->m, show_link_cb, &s);
		break;
	case SHOW_ADDR:
		rc = show_addrs(&s);
		break;
	case SHOW_NETCONF:
		rc = fm_netconf_foreach(c->m, show_netconf_cb, &s);
		break;
	default:
		s.first = true;
		rc = fm_sysctl_foreach(c->m, show_sysctl_cb, &s);
		break;
	}
	pr_end(&s.p);
	if (rc < 0)
		fprintf(c->err, "Error: %s\n", strerror(-rc));
	return rc < 0 ? 2 : 0;
}

/* ------------------------------------------------------------ gw and dev */

static int parse_dev(struct cli *c, const char *name, int *ifindex)
{
	struct fm_link l;

	if (fm_link_by_name(c->m, name, &l) == 0) {
		*ifindex = l.ifindex;
		return 0;
	}
	fprintf(c->err, "Cannot find device \"%s\"\n", name);
	return -ENODEV;
}

static int cmd_gw(struct cli *c, int argc, char **argv)
{
	struct show s = {.c = c};
	struct fm_ip gw;
	int ifindex = 0, rc;

	if (argc != 2 && !(argc == 4 && !strcmp(argv[2], "dev"))) {
		fprintf(c->err, "Usage: fibmirror gw ADDR [dev DEV]\n");
		return 1;
	}
	if (fm_ip_parse(argv[1], &gw)) {
		fprintf(c->err, "Error: invalid gateway address \"%s\"\n", argv[1]);
		return 1;
	}
	if (cli_mirror(c))
		return cli_fail_status(c);
	if (argc == 4 && parse_dev(c, argv[3], &ifindex))
		return 1;
	pr_init(c, &s.p);
	pr_begin(&s.p);
	rc = fm_routes_by_gateway(c->m, &gw, ifindex, show_route_cb, &s);
	pr_end(&s.p);
	return rc < 0 ? 2 : 0;
}

static int cmd_dev(struct cli *c, int argc, char **argv)
{
	struct show s = {.c = c};
	int ifindex, rc;

	if (argc != 2) {
		fprintf(c->err, "Usage: fibmirror dev DEV\n");
		return 1;
	}
	if (cli_mirror(c))
		return cli_fail_status(c);
	if (parse_dev(c, argv[1], &ifindex))
		return 1;
	pr_init(c, &s.p);
	pr_begin(&s.p);
	rc = fm_routes_by_dev(c->m, ifindex, show_route_cb, &s);
	pr_end(&s.p);
	return rc < 0 ? 2 : 0;
}

/* ---------------------------------------------------------------- monitor */

int monitor_parse(struct cli *c, int argc, char **argv, struct monitor_filter *f)
{
	static const char *const kinds[] = {"route", "rule", "nexthop", "link", "addr", "netconf"};
	int i;
	size_t k;

	f->kinds = 0;
	f->family = c->family;
	f->json = c->json;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "all")) {
			f->kinds = ~0u;
			continue;
		}
		for (k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++)
			if (!strcmp(argv[i], kinds[k]) || (k == 4 && !strcmp(argv[i], "address")))
				break;
		if (k == sizeof(kinds) / sizeof(kinds[0])) {
			fprintf(c->err, "Error: monitor: unknown object \"%s\"\n", argv[i]);
			return -EINVAL;
		}
		f->kinds |= 1u << k;
	}
	if (!f->kinds)
		f->kinds = ~0u;
	f->kinds |= 1u << FM_KIND_RESYNC;
	return 0;
}

static uint8_t event_family(const struct fm_event *ev)
{
	switch (ev->kind) {
	case FM_KIND_ROUTE:
		return ev->route->family;
	case FM_KIND_RULE:
		return ev->rule->family;
	case FM_KIND_ADDR:
		return ev->addr->family;
	case FM_KIND_NETCONF:
		return ev->netconf->family;
	default:
		return 0;
	}
}

void monitor_print(FILE *out, struct fm_mirror *m, const struct monitor_filter *f,
		   const struct fm_event *ev)
{
	struct pr_ctx p;
	uint8_t fam = event_family(ev);

	if (!(f->kinds & (1u << ev->kind)))
		return;
	if (f->family && fam && fam != f->family)
		return;
	pr_ctx_mirror(&p, out, f->json, false, false, m);
	pr_event(&p, ev);
	fflush(out);
}

struct monitor_ctx {
	struct cli *c;
	struct monitor_filter f;
};

static void monitor_cb(const struct fm_event *ev, void *arg)
{
	struct monitor_ctx *mc = arg;

	monitor_print(mc->c->out, mc->c->m, &mc->f, ev);
}

static int cmd_monitor(struct cli *c, int argc, char **argv)
{
	struct monitor_ctx mc = {.c = c};
	int rc;

	if (monitor_parse(c, argc, argv, &mc.f))
		return 1;
	if (c->in_daemon) { /* the daemon streams monitors itself, never from a batch */
		fprintf(c->err, "Error: monitor does not run in a -batch\n");
		return 1;
	}
	if (c->file) {
		fprintf(c->err, "Error: monitor needs a live kernel, not --file\n");
		return 1;
	}
	if (cli_mirror(c))
		return cli_fail_status(c);
	fm_mirror_subscribe(c->m, monitor_cb, &mc);
	do
		rc = fm_mirror_process(c->m, -1);
	while (rc >= 0 && !ferror(c->out));
	fm_mirror_subscribe(c->m, NULL, NULL);
	return rc < 0 ? 2 : 0;
}

/* --------------------------------------------------------- verify, stats */

static int diff_cb(char sign, const char *line, void *arg)
{
	fprintf(((struct cli *)arg)->out, "%c %s\n", sign, line);
	return 0;
}

static int cmd_verify(struct cli *c, int argc, char **argv)
{
	int rc;

	(void)argv;
	if (argc != 1) {
		fprintf(c->err, "Usage: fibmirror verify\n");
		return 1;
	}
	if (c->file) {
		fprintf(c->err, "Error: verify compares with the live kernel, not --file\n");
		return 1;
	}
	if (cli_mirror(c))
		return cli_fail_status(c);
	rc = fm_mirror_verify(c->m, diff_cb, c);
	if (rc < 0) {
		fprintf(c->err, "Error: verify: %s\n", strerror(-rc));
		return 2;
	}
	if (rc == 0) {
		fprintf(c->out, c->json ? "{\"equal\":true,\"differences\":0}\n"
					: "mirror equals kernel\n");
		return 0;
	}
	fprintf(c->out, c->json ? "{\"equal\":false,\"differences\":%d}\n" : "%d differences\n",
		rc);
	return 1;
}

static int cmd_stats(struct cli *c, int argc, char **argv)
{
	struct fm_stats s;
	struct fm_cache_stats cs;
	const struct {
		const char *name;
		uint64_t v;
	} * it, items[] = {
		    {"routes", 0},
		    {"rules", 0},
		    {"nexthops", 0},
		    {"links", 0},
		    {"addrs", 0},
		    {"events", 0},
		    {"implicit", 0},
		    {"resyncs", 0},
		    {"resync_diffs", 0},
		    {"overruns", 0},
		    {"foreign", 0},
		    {"malformed", 0},
		    {"truncated", 0},
		    {"mem_bytes", 0},
		    {"rcvbuf", 0},
		    {"cache_in_hit", 0},
		    {"cache_in_slow", 0},
		    {"cache_out_hit", 0},
		    {"cache_out_slow", 0},
		    {"cache_searches", 0},
		    {"cache_stale", 0},
		    {"cache_evictions", 0},
		    {"cache_bypassed", 0},
		    {"cache_bypass_on", 0},
		    {"cache_invalidations", 0},
		    {"cache_entries", 0},
		    {"caches", 0},
		    {"fib_publications", 0},
		    {"fib_tables_patched", 0},
		    {"fib_tables_compiled", 0},
		};
	uint64_t vals[sizeof(items) / sizeof(items[0])];
	size_t i;

	(void)argv;
	if (argc != 1) {
		fprintf(c->err, "Usage: fibmirror stats\n");
		return 1;
	}
	if (cli_mirror(c))
		return cli_fail_status(c);
	fm_mirror_stats(c->m, &s);
	vals[0] = s.routes, vals[1] = s.rules, vals[2] = s.nexthops, vals[3] = s.links;
	vals[4] = s.addrs, vals[5] = s.events, vals[6] = s.implicit, vals[7] = s.resyncs;
	vals[8] = s.resync_diffs, vals[9] = s.overruns, vals[10] = s.foreign;
	vals[11] = s.malformed, vals[12] = s.truncated, vals[13] = s.mem_bytes, vals[14] = s.rcvbuf;
	/* The flow caches (the daemon's answers `get`), as the kernel's rt_cache stats. */
	fm_mirror_cache_stats(c->m, &cs);
	vals[15] = cs.in_hit, vals[16] = cs.in_slow, vals[17] = cs.out_hit, vals[18] = cs.out_slow;
	vals[19] = cs.searches, vals[20] = cs.stale, vals[21] = cs.evictions;
	vals[22] = cs.bypassed, vals[23] = cs.bypass_on, vals[24] = cs.invalidations;
	vals[25] = cs.entries, vals[26] = cs.caches;
	vals[27] = s.fib_publications, vals[28] = s.fib_tables_patched;
	vals[29] = s.fib_tables_compiled;
	fprintf(c->out, c->json ? "{" : "");
	for (i = 0, it = items; i < sizeof(items) / sizeof(items[0]); i++, it++)
		fprintf(c->out, c->json ? "%s\"%s\":%llu" : "%s%-19s %llu\n",
			c->json && i ? "," : "", it->name, (unsigned long long)vals[i]);
	fprintf(c->out,
		c->json ? ",\"live\":%s,\"incomplete\":%s}\n"
			: "live                %s\n"
			  "incomplete          %s\n",
		s.live ? "true" : "false", s.incomplete ? "true" : "false");
	return 0;
}

static int cmd_save(struct cli *c, int argc, char **argv)
{
	int rc;

	if (argc != 2) {
		fprintf(c->err, "Usage: fibmirror save FILE\n");
		return 1;
	}
	if (cli_mirror(c))
		return cli_fail_status(c);
	rc = fm_mirror_save(c->m, argv[1]);
	if (rc) {
		fprintf(c->err, "Error: save %s: %s\n", argv[1], strerror(-rc));
		return 2;
	}
	return 0;
}

static int cmd_daemon(struct cli *c, int argc, char **argv)
{
	if (c->in_daemon) {
		fprintf(c->err, "Error: a daemon already serves this namespace\n");
		return 1;
	}
	return daemon_main(c, argc, argv);
}

/*
 * bench: run fibmirror-bench with the same arguments. It links DPDK, which
 * this tool never does, so it is a separate program: next to this one, in
 * ../bench/ (a build tree), or in PATH. It replaces this process.
 */
static int cmd_bench(struct cli *c, int argc, char **argv)
{
	static const char *const rel[] = {"/fibmirror-bench", "/../bench/fibmirror-bench"};
	char dir[4096], path[4096 + 32], *slash;
	ssize_t n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	size_t i;

	(void)argc;
	if (c->in_daemon || c->batch) {
		fprintf(c->err, "Error: bench runs on its own, not in a daemon or -batch\n");
		return 1;
	}
	fflush(NULL);
	dir[n > 0 ? n : 0] = '\0';
	slash = strrchr(dir, '/');
	for (i = 0; slash && i < sizeof(rel) / sizeof(rel[0]); i++) {
		snprintf(path, sizeof(path), "%.*s%s", (int)(slash - dir), dir, rel[i]);
		argv[0] = path;
		if (access(path, X_OK) == 0)
			execv(path, argv);
	}
	argv[0] = "fibmirror-bench";
	execvp(argv[0], argv);
	fprintf(c->err,
		"Error: fibmirror-bench not found (next to fibmirror, in ../bench/, or in PATH).\n"
		"It needs DPDK; build it with: scripts/bootstrap.sh bench\n");
	return 2;
}

static int cmd_help(struct cli *c, int argc, char **argv);

static const struct cmd {
	const char *name;
	int (*fn)(struct cli *c, int argc, char **argv);
	bool local;   /* never forwarded to a daemon */
	bool effects; /* acts outside the process: refused when c->sandbox */
	const char *usage;
} cmds[] = {
    {"show", cmd_show, false, false,
     "show [route|rule|nexthop|link|addr|netconf|sysctl] [table all|main|local|N]"},
    {"gw", cmd_gw, false, false, "gw ADDR [dev DEV]        routes via a gateway"},
    {"dev", cmd_dev, false, false, "dev DEV                  routes leaving through a device"},
    {"get", cmd_get, false, false,
     "get [fibmatch] ADDR [from A] [iif|oif DEV] [mark|tos|uid|ipproto|sport|dport X]"},
    {"monitor", cmd_monitor, false, true, "monitor [all|route|rule|nexthop|link|addr|netconf]"},
    {"verify", cmd_verify, false, true,
     "verify                   compare the mirror with a fresh dump"},
    {"stats", cmd_stats, false, false, "stats                    counters"},
    {"save", cmd_save, false, true,
     "save FILE                write a snapshot (--file reads it back)"},
    {"daemon", cmd_daemon, true, true,
     "daemon [--group NAME]    keep the mirror, serve the other commands (NAME may ask too)"},
    {"bench", cmd_bench, true, true,
     "bench lpm [-4|-6] [--json] [...] the LPM against DPDK (fibmirror-bench --help)"},
    {"help", cmd_help, true, false, "help"},
};

static int cmd_help(struct cli *c, int argc, char **argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	fprintf(c->out,
		"Usage: fibmirror [-4|-6] [-j [-p]] [-d] [-n NETNS] [--file F] "
		"[--max-routes N] [--rcvbuf BYTES] [--no-daemon] [-batch FILE [-force]] COMMAND\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(c->out, "  %s\n", cmds[i].usage);
	return 0;
}

static const struct cmd *cmd_find(const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(name, cmds[i].name))
			return &cmds[i];
	/* iproute2-style unique prefixes: "sh" for show, "mon" for monitor */
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (n && !strncmp(name, cmds[i].name, n))
			return &cmds[i];
	return NULL;
}

bool cli_is_monitor(const char *word)
{
	const struct cmd *cmd = cmd_find(word);

	return cmd && cmd->fn == cmd_monitor;
}

int cli_run(struct cli *c, int argc, char **argv)
{
	const struct cmd *cmd;
	int rc;

	if (argc < 1)
		return cmd_show(c, 1, (char *[]){"show", NULL});
	cmd = cmd_find(argv[0]);
	if (!cmd) {
		fprintf(c->err, "Error: unknown command \"%s\", try \"fibmirror help\"\n", argv[0]);
		return 1;
	}
	if (c->sandbox && cmd->effects) {
		fprintf(c->err, "Error: \"%s\" is not allowed here\n", cmd->name);
		return 1;
	}
	if (!cmd->local && !c->in_daemon && !c->file && !c->no_daemon) {
		rc = daemon_forward(c, argc, argv);
		if (rc >= 0)
			return rc;
	}
	return cmd->fn(c, argc, argv);
}

/* --------------------------------------------------------------- options */

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end || !*s || *s == '-' ? -EINVAL : 0;
}

int cli_parse_globals(struct cli *c, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *o = argv[i];
		bool need = !strcmp(o, "-n") || !strcmp(o, "-netns") || !strcmp(o, "--file") ||
			    !strcmp(o, "--max-routes") || !strcmp(o, "--rcvbuf") ||
			    !strcmp(o, "-batch") || !strcmp(o, "-b");

		if (need && i + 1 >= argc) {
			fprintf(c->err, "Error: option \"%s\" needs an argument\n", o);
			return -1;
		}
		if (!strcmp(o, "-4"))
			c->family = AF_INET;
		else if (!strcmp(o, "-6"))
			c->family = AF_INET6;
		else if (!strcmp(o, "-j") || !strcmp(o, "-json"))
			c->json = true;
		else if (!strcmp(o, "-p") || !strcmp(o, "-pretty"))
			c->pretty = true;
		else if (!strcmp(o, "-d") || !strcmp(o, "-details"))
			c->details = true;
		else if (!strcmp(o, "--no-daemon"))
			c->no_daemon = true;
		else if (!strcmp(o, "-batch") || !strcmp(o, "-b"))
			c->batch = argv[++i];
		else if (!strcmp(o, "-force"))
			c->force = true;
		else if (!strcmp(o, "-n") || !strcmp(o, "-netns"))
			c->netns = argv[++i];
		else if (!strcmp(o, "--file"))
			c->file = argv[++i];
		else if (!strcmp(o, "--max-routes") && parse_u64(argv[i + 1], &c->max_routes) == 0)
			i++;
		else if (!strcmp(o, "--rcvbuf") && parse_u64(argv[i + 1], &c->rcvbuf) == 0)
			i++;
		else if (!strcmp(o, "-h") || !strcmp(o, "--help"))
			return argc; /* "help" below */
		else if (!strcmp(o, "-V") || !strcmp(o, "--version")) {
			c->version = true;
			return argc;
		} else {
			fprintf(c->err, "Error: unknown option \"%s\", try \"fibmirror help\"\n",
				o);
			return -1;
		}
	}
	return i;
}
