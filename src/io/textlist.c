// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: text route lists - `ip route show` output or bare prefixes.
 *
 * Accepted lines (one route per line, '#' starts a comment, blank lines are
 * skipped):
 *
 *   [TYPE] DST [KEYWORD VALUE | FLAG]...
 *   <whitespace>nexthop [via [inet|inet6] ADDR] [dev NAME] [weight N] [realm(s) ..] [FLAG]...
 *
 * TYPE is unicast, local, broadcast, multicast, anycast, blackhole,
 * unreachable, prohibit, throw, nat or xresolve. DST is "default", PREFIX/LEN
 * or a bare address (a host route). Keywords: via, dev, weight, src, from,
 * table, proto, scope, metric (priority, preference), tos (dsfield), pref,
 * realm, realms, nhid, expires, error (ignored: implied by the type), the
 * metrics mtu advmss window cwnd initcwnd initrwnd ssthresh reordering
 * hoplimit features quickack fastopen_no_cookie rtt rttvar rto_min (each
 * optionally followed by "lock"), congctl (accepted and ignored) and
 * "nexthop" (the one-line form of `ip -o`, whose "\" line marks count as
 * blanks). Flags:
 * onlink dead linkdown pervasive offload trap (RTNH_F_*), notify rt_offload
 * rt_trap rt_offload_failed (RTM_F_*). Continuation lines (leading
 * whitespace) add the hops of a multipath route to the line above; the
 * "nh_info ..." continuation lines of `ip -d` are skipped.
 *
 * What a missing field means is what `ip route show` means when it omits it,
 * so its output reads back as the kernel held it: type unicast, table main
 * (local for local/broadcast/nat/anycast, as `ip route add` picks), protocol
 * boot, scope global, metric 0 (IPv4) or 1024 (IPv6, the kernel's default),
 * pref medium for IPv6, weight 1. A bare prefix is therefore a unicast route
 * in table main, protocol boot, scope global, without nexthops: a prefix list
 * to run lookups against.
 *
 * The family comes from the address syntax: DST, else the first of a plain
 * "via" gateway, "src" or "from", else IPv6 when "pref" appears, else IPv4.
 * A prefix with host bits set is refused, as the kernel does ("invalid prefix
 * for given prefix length").
 *
 * Device names become synthetic links, created on first appearance with
 * ifindexes 1, 2, 3... (skipping any already used) and flags UP, LOWER_UP and
 * RUNNING ("lo" is a loopback device), so printing shows the names back.
 * Text carries no nexthop objects: "nhid N" printed together with its
 * resolved hops keeps only the hops; a bare "nhid N" is passed on.
 *
 * Every route goes through rib_route_apply() with NLM_F_CREATE | NLM_F_APPEND
 * (aliases stay in file order). Errors name the line: "line 7: bad address
 * 'x'"; a route whose RIB apply fails is reported on its first line.
 *
 * Memory: one line buffer (lines over TL_MAX_LINE bytes are refused) and one
 * hop array of NL_MAX_HOPS; nothing proportional to the input besides the RIB.
 */
#include "io.h"
#include "nl/nl.h"
#include "rib/rib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/icmpv6.h>
#include <linux/if_arp.h>
#include <linux/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define TL_MAX_LINE 65536

struct tl {
	struct rib *rib;
	char *err;
	size_t errlen;
	unsigned int lineno;
	int next_ifindex;

	/* The route being built; applied when the next route line starts, or at the end. */
	bool pending;
	unsigned int route_line;
	struct fm_route r;
	bool table_set, proto_set, scope_set, metric_set, pref_set;
	bool multipath;	    /* hops come from "nexthop" */
	uint8_t hint;	    /* family from via/src/from/pref when DST is "default" */
	struct fm_hop *hop; /* hop that hop keywords apply to, or NULL */
	struct fm_hop hops[NL_MAX_HOPS];

	char line[TL_MAX_LINE + 1];
};

__attribute__((format(printf, 2, 3))) static int tl_err(struct tl *t, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return io_err(t->err, t->errlen, -EINVAL, "line %u: %s", t->lineno, msg);
}

/* ------------------------------------------------------------ small parsers */

struct name_val {
	const char *name;
	uint32_t val;
};

static const struct name_val rtn_names[] = {
    {"unicast", RTN_UNICAST},
    {"local", RTN_LOCAL},
    {"broadcast", RTN_BROADCAST},
    {"anycast", RTN_ANYCAST},
    {"multicast", RTN_MULTICAST},
    {"blackhole", RTN_BLACKHOLE},
    {"unreachable", RTN_UNREACHABLE},
    {"prohibit", RTN_PROHIBIT},
    {"throw", RTN_THROW},
    {"nat", RTN_NAT},
    {"xresolve", RTN_XRESOLVE},
    {NULL, 0},
};

static const struct name_val table_names[] = {
    {"main", RT_TABLE_MAIN},
    {"local", RT_TABLE_LOCAL},
    {"default", RT_TABLE_DEFAULT},
    {NULL, 0},
};

static const struct name_val proto_names[] = {
    {"unspec", RTPROT_UNSPEC},
    {"redirect", RTPROT_REDIRECT},
    {"kernel", RTPROT_KERNEL},
    {"boot", RTPROT_BOOT},
    {"static", RTPROT_STATIC},
    {"gated", RTPROT_GATED},
    {"ra", RTPROT_RA},
    {"mrt", RTPROT_MRT},
    {"zebra", RTPROT_ZEBRA},
    {"bird", RTPROT_BIRD},
    {"dnrouted", RTPROT_DNROUTED},
    {"xorp", RTPROT_XORP},
    {"ntk", RTPROT_NTK},
    {"dhcp", RTPROT_DHCP},
    {"mrouted", RTPROT_MROUTED},
    {"keepalived", RTPROT_KEEPALIVED},
    {"babel", RTPROT_BABEL},
    {"openr", RTPROT_OPENR},
    {"bgp", RTPROT_BGP},
    {"isis", RTPROT_ISIS},
    {"ospf", RTPROT_OSPF},
    {"rip", RTPROT_RIP},
    {"eigrp", RTPROT_EIGRP},
    {NULL, 0},
};

static const struct name_val scope_names[] = {
    {"global", RT_SCOPE_UNIVERSE},
    {"universe", RT_SCOPE_UNIVERSE},
    {"site", RT_SCOPE_SITE},
    {"link", RT_SCOPE_LINK},
    {"host", RT_SCOPE_HOST},
    {"nowhere", RT_SCOPE_NOWHERE},
    {NULL, 0},
};

static const struct name_val pref_names[] = {
    {"low", ICMPV6_ROUTER_PREF_LOW},
    {"medium", ICMPV6_ROUTER_PREF_MEDIUM},
    {"high", ICMPV6_ROUTER_PREF_HIGH},
    {NULL, 0},
};

/* RTNH_F_* / RTM_F_* flag words. */
static const struct name_val hop_flag_names[] = {
    {"dead", RTNH_F_DEAD},
    {"pervasive", RTNH_F_PERVASIVE},
    {"onlink", RTNH_F_ONLINK},
    {"offload", RTNH_F_OFFLOAD},
    {"linkdown", RTNH_F_LINKDOWN},
    {"trap", RTNH_F_TRAP},
    {NULL, 0},
};

static const struct name_val route_flag_names[] = {
    {"notify", RTM_F_NOTIFY},
    {"rt_offload", RTM_F_OFFLOAD},
    {"rt_trap", RTM_F_TRAP},
    {"rt_offload_failed", RTM_F_OFFLOAD_FAILED},
    {NULL, 0},
};

/* Integer metrics (RTAX_*) and the time-valued ones with their kernel scale. */
struct metric_kw {
	const char *name;
	uint8_t rtax;
	uint8_t time_scale; /* 0: plain number; else milliseconds times this */
};

static const struct metric_kw metric_kws[] = {
    {"mtu", RTAX_MTU, 0},	    {"advmss", RTAX_ADVMSS, 0},
    {"window", RTAX_WINDOW, 0},	    {"cwnd", RTAX_CWND, 0},
    {"initcwnd", RTAX_INITCWND, 0}, {"initrwnd", RTAX_INITRWND, 0},
    {"ssthresh", RTAX_SSTHRESH, 0}, {"reordering", RTAX_REORDERING, 0},
    {"hoplimit", RTAX_HOPLIMIT, 0}, {"features", RTAX_FEATURES, 0},
    {"quickack", RTAX_QUICKACK, 0}, {"fastopen_no_cookie", RTAX_FASTOPEN_NO_COOKIE, 0},
    {"rtt", RTAX_RTT, 8},	    {"rttvar", RTAX_RTTVAR, 4},
    {"rto_min", RTAX_RTO_MIN, 1},   {NULL, 0, 0},
};

static const struct name_val *find_name(const struct name_val *t, const char *s)
{
	for (; t->name; t++)
		if (!strcmp(t->name, s))
			return t;
	return NULL;
}

/* Decimal or 0x-hex, no sign, no trailing characters, <= @max. */
static bool parse_num(const char *s, uint64_t max, uint64_t *ret)
{
	unsigned int base = 10;
	uint64_t v = 0;
	unsigned int d;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2]) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s >= '0' && *s <= '9')
			d = (unsigned int)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned int)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned int)(*s - 'A' + 10);
		else
			return false;
		if (v > (max - d) / base)
			return false;
		v = v * base + d;
	}
	*ret = v;
	return true;
}

static bool parse_u32(const char *s, uint32_t max, uint32_t *ret)
{
	uint64_t v;

	if (!parse_num(s, max, &v))
		return false;
	*ret = (uint32_t)v;
	return true;
}

/* A name from @t or a number <= @max. */
static bool parse_named(const struct name_val *t, const char *s, uint32_t max, uint32_t *ret)
{
	const struct name_val *nv = find_name(t, s);

	if (nv) {
		*ret = nv->val;
		return true;
	}
	return parse_u32(s, max, ret);
}

/* @family 0: either. */
static bool parse_addr(const char *s, uint8_t family, struct fm_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (family != AF_INET6 && inet_pton(AF_INET, s, ip->b) == 1) {
		ip->family = AF_INET;
		return true;
	}
	if (family != AF_INET && inet_pton(AF_INET6, s, ip->b) == 1) {
		ip->family = AF_INET6;
		return true;
	}
	memset(ip, 0, sizeof(*ip));
	return false;
}

static bool host_bits_clear(const struct fm_ip *ip, unsigned int len)
{
	unsigned int alen = ip->family == AF_INET ? 4 : 16, i;

	for (i = len / 8; i < alen; i++) {
		uint8_t mask = i == len / 8 ? (uint8_t)(0xffu >> (len % 8)) : 0xff;

		if (ip->b[i] & mask)
			return false;
	}
	return true;
}

/* ADDR[/LEN]; no LEN = host route. */
static int parse_prefix(struct tl *t, char *s, struct fm_ip *ip, uint8_t *ret_len)
{
	char *slash = strchr(s, '/');
	uint32_t len, max;

	if (slash)
		*slash = '\0';
	if (!parse_addr(s, 0, ip))
		return tl_err(t, "bad address '%.64s'", s);
	max = ip->family == AF_INET ? 32 : 128;
	len = max;
	if (slash && !parse_u32(slash + 1, UINT32_MAX, &len))
		return tl_err(t, "bad prefix length '%.64s'", slash + 1);
	if (len > max)
		return tl_err(t, "prefix length %u out of range (0-%u)", len, max);
	if (!host_bits_clear(ip, len))
		return tl_err(t, "invalid prefix for given prefix length: %.64s/%u", s, len);
	*ret_len = (uint8_t)len;
	return 0;
}

/* "12ms", "1.5s", "12" (milliseconds). */
static bool parse_time_ms(const char *s, uint32_t *ret)
{
	uint64_t ms = 0, frac = 0;
	unsigned int fdigits = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		ms = ms * 10 + (uint64_t)(*p - '0');
		if (ms > UINT32_MAX)
			return false;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (fdigits < 3) {
				frac = frac * 10 + (uint64_t)(*p - '0');
				fdigits++;
			}
	}
	if (!strcmp(p, "s")) {
		while (fdigits++ < 3)
			frac *= 10;
		ms = ms * 1000 + frac;
	} else if (strcmp(p, "ms") && *p) {
		return false;
	}
	if (ms > UINT32_MAX)
		return false;
	*ret = (uint32_t)ms;
	return true;
}

/* Device names as the kernel accepts them. */
static bool valid_ifname(const char *s)
{
	size_t n = strlen(s);

	if (!n || n >= IFNAMSIZ || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	return !strpbrk(s, "/:");
}

/* ----------------------------------------------------------------- tokens */

/* Word separators: blanks, and the '\\' that `ip -o` prints in place of a newline. */
static bool is_sep(char c)
{
	return c == ' ' || c == '\t' || c == '\\';
}

static char *next_tok(char **p)
{
	char *s = *p, *tok;

	while (is_sep(*s))
		s++;
	if (!*s || *s == '#') {
		*p = s;
		return NULL;
	}
	tok = s;
	while (*s && !is_sep(*s))
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return tok;
}

static int need_arg(struct tl *t, char **p, const char *kw, char **ret)
{
	*ret = next_tok(p);
	if (!*ret)
		return tl_err(t, "'%s' needs an argument", kw);
	return 0;
}

/* ------------------------------------------------------------------ links */

static int ensure_link(struct tl *t, const char *name, int *ret)
{
	struct rib_link *rl = rib_link_by_name(t->rib, name);
	struct fm_link l;
	int err;

	if (rl) {
		*ret = rl->o.ifindex;
		return 0;
	}
	if (!valid_ifname(name))
		return tl_err(t, "bad device name '%.64s'", name);
	while (rib_link_find(t->rib, t->next_ifindex))
		t->next_ifindex++;
	memset(&l, 0, sizeof(l));
	l.ifindex = t->next_ifindex++;
	strncpy(l.name, name, sizeof(l.name) - 1);
	l.flags = IFF_UP | IFF_LOWER_UP | IFF_RUNNING;
	l.operstate = IF_OPER_UP;
	l.type = ARPHRD_ETHER;
	l.mtu = 1500;
	if (!strcmp(name, "lo")) {
		l.flags |= IFF_LOOPBACK;
		l.type = ARPHRD_LOOPBACK;
		l.mtu = 65536;
	}
	err = rib_link_apply(t->rib, RIB_NEW, &l);
	if (err < 0)
		return io_err(t->err, t->errlen, err, "line %u: cannot create device '%s': %s",
			      t->lineno, name, strerror(-err));
	*ret = l.ifindex;
	return 0;
}

/* ------------------------------------------------------------------- hops */

static struct fm_hop *new_hop(struct tl *t)
{
	struct fm_hop *h;

	if (t->r.nhops >= NL_MAX_HOPS)
		return NULL;
	h = &t->hops[t->r.nhops++];
	memset(h, 0, sizeof(*h));
	h->weight = 1;
	return h;
}

/* The hop that main-line via/dev/weight/realm refer to; created on first use. */
static struct fm_hop *single_hop(struct tl *t)
{
	if (!t->hop)
		t->hop = new_hop(t);
	return t->hop;
}

static int parse_via(struct tl *t, char **p, struct fm_hop *h)
{
	uint8_t fam = 0;
	char *a;
	int err = need_arg(t, p, "via", &a);

	if (err)
		return err;
	if (!strcmp(a, "inet") || !strcmp(a, "inet6")) {
		fam = a[4] ? AF_INET6 : AF_INET;
		err = need_arg(t, p, "via", &a);
		if (err)
			return err;
	}
	if (!parse_addr(a, fam, &h->gw))
		return tl_err(t, "bad gateway address '%.64s'", a);
	if (!fam && !t->hint)
		t->hint = h->gw.family;
	return 0;
}

static int parse_realms(struct tl *t, const char *kw, char *v, uint32_t *ret)
{
	char *slash = strchr(v, '/');
	uint32_t from = 0, to;

	if (slash) {
		*slash = '\0';
		if (!parse_u32(v, UINT16_MAX, &from))
			return tl_err(t, "bad %s '%.64s'", kw, v);
		v = slash + 1;
	}
	if (!parse_u32(v, UINT16_MAX, &to))
		return tl_err(t, "bad %s '%.64s'", kw, v);
	*ret = from << 16 | to;
	return 0;
}

static bool is_hop_keyword(const char *kw)
{
	return !strcmp(kw, "via") || !strcmp(kw, "dev") || !strcmp(kw, "weight") ||
	       !strcmp(kw, "realm") || !strcmp(kw, "realms");
}

/* via, dev, weight, realm(s) for hop @h. */
static int hop_keyword(struct tl *t, char **p, const char *kw, struct fm_hop *h)
{
	uint32_t v;
	char *a;
	int err;

	if (!strcmp(kw, "via"))
		return parse_via(t, p, h);
	err = need_arg(t, p, kw, &a);
	if (err)
		return err;
	if (!strcmp(kw, "dev"))
		return ensure_link(t, a, &h->ifindex);
	if (!strcmp(kw, "weight")) {
		if (!parse_u32(a, 256, &v) || !v)
			return tl_err(t, "bad weight '%.64s' (1-256)", a);
		h->weight = (uint16_t)v;
		return 0;
	}
	return parse_realms(t, kw, a, &h->realm);
}

/* ----------------------------------------------------------------- routes */

static int metric_keyword(struct tl *t, char **p, const struct metric_kw *m)
{
	struct fm_route *r = &t->r;
	uint32_t v;
	char *a;
	int err = need_arg(t, p, m->name, &a);

	if (err)
		return err;
	if (!strcmp(a, "lock")) {
		r->metrics[RTAX_LOCK] |= 1u << m->rtax;
		r->metrics_mask |= 1u << RTAX_LOCK;
		err = need_arg(t, p, m->name, &a);
		if (err)
			return err;
	}
	if (m->time_scale) {
		if (!parse_time_ms(a, &v) || v > UINT32_MAX / m->time_scale)
			return tl_err(t, "bad %s '%.64s'", m->name, a);
		v *= m->time_scale;
	} else if (!parse_u32(a, UINT32_MAX, &v)) {
		return tl_err(t, "bad %s '%.64s'", m->name, a);
	}
	r->metrics[m->rtax] = v;
	r->metrics_mask |= 1u << m->rtax;
	return 0;
}

/* A named or numeric field of the route. Return 1 when @kw is not such a keyword. */
static int field_keyword(struct tl *t, const char *kw, char *a)
{
	struct fm_route *r = &t->r;
	uint32_t v;

	if (!strcmp(kw, "table")) {
		if (!parse_named(table_names, a, UINT32_MAX, &r->table) || !r->table)
			return tl_err(t, "bad table '%.64s'", a);
		t->table_set = true;
	} else if (!strcmp(kw, "proto")) {
		if (!parse_named(proto_names, a, 255, &v))
			return tl_err(t, "bad protocol '%.64s'", a);
		r->protocol = (uint8_t)v;
		t->proto_set = true;
	} else if (!strcmp(kw, "scope")) {
		if (!parse_named(scope_names, a, 255, &v))
			return tl_err(t, "bad scope '%.64s'", a);
		r->scope = (uint8_t)v;
		t->scope_set = true;
	} else if (!strcmp(kw, "metric") || !strcmp(kw, "priority") || !strcmp(kw, "preference")) {
		if (!parse_u32(a, UINT32_MAX, &r->priority))
			return tl_err(t, "bad metric '%.64s'", a);
		t->metric_set = true;
	} else if (!strcmp(kw, "tos") || !strcmp(kw, "dsfield")) {
		if (!parse_u32(a, 255, &v))
			return tl_err(t, "bad tos '%.64s'", a);
		r->tos = (uint8_t)v;
	} else if (!strcmp(kw, "pref")) {
		if (!parse_named(pref_names, a, 255, &v))
			return tl_err(t, "bad pref '%.64s'", a);
		r->pref = (uint8_t)v;
		t->pref_set = true;
	} else if (!strcmp(kw, "nhid")) {
		if (!parse_u32(a, UINT32_MAX, &r->nhid) || !r->nhid)
			return tl_err(t, "bad nhid '%.64s'", a);
	} else if (!strcmp(kw, "expires")) {
		size_t n = strlen(a);

		if (n > 3 && !strcmp(a + n - 3, "sec"))
			a[n - 3] = '\0';
		else if (n > 1 && a[n - 1] == 's')
			a[n - 1] = '\0';
		if (!parse_u32(a, UINT32_MAX, &r->expires))
			return tl_err(t, "bad expires '%.64s'", a);
	} else if (!strcmp(kw, "error")) {
		/* "error -113" on IPv6 reject routes: implied by the type. */
		if (!parse_u32(a[0] == '-' ? a + 1 : a, UINT32_MAX, &v))
			return tl_err(t, "bad error '%.64s'", a);
	} else {
		return 1;
	}
	return 0;
}

static int addr_keyword(struct tl *t, const char *kw, char *a)
{
	struct fm_route *r = &t->r;
	int err;

	if (!strcmp(kw, "src")) {
		if (!parse_addr(a, 0, &r->prefsrc))
			return tl_err(t, "bad src address '%.64s'", a);
		if (!t->hint)
			t->hint = r->prefsrc.family;
		return 0;
	}
	if (!strcmp(kw, "from")) {
		err = parse_prefix(t, a, &r->src, &r->src_len);
		if (err)
			return err;
		if (!t->hint)
			t->hint = r->src.family;
		return 0;
	}
	return 1;
}

static bool is_arg_keyword(const char *kw)
{
	static const char *const kws[] = {
	    "table", "proto", "scope",	 "metric", "priority", "preference", "tos",	"dsfield",
	    "pref",  "nhid",  "expires", "error",  "src",      "from",	     "congctl", NULL};
	int i;

	for (i = 0; kws[i]; i++)
		if (!strcmp(kws[i], kw))
			return true;
	return false;
}

/* A keyword of the route line itself (not of a hop). Return 1 when unknown. */
static int route_keyword(struct tl *t, char **p, const char *kw)
{
	const struct name_val *nv = find_name(route_flag_names, kw);
	const struct metric_kw *m;
	char *a;
	int err;

	if (nv) {
		t->r.flags |= nv->val;
		return 0;
	}
	for (m = metric_kws; m->name; m++)
		if (!strcmp(m->name, kw))
			return metric_keyword(t, p, m);
	if (!is_arg_keyword(kw))
		return 1;
	err = need_arg(t, p, kw, &a);
	if (err)
		return err;
	if (!strcmp(kw, "congctl")) {
		/* The algorithm is a name in netlink; not kept. "congctl lock NAME" too. */
		if (!strcmp(a, "lock"))
			return need_arg(t, p, kw, &a);
		return 0;
	}
	err = addr_keyword(t, kw, a);
	if (err <= 0)
		return err;
	return field_keyword(t, kw, a);
}

static int start_hop(struct tl *t)
{
	if (t->hop && !t->multipath)
		return tl_err(t, "'nexthop' after the route's own via/dev");
	t->multipath = true;
	t->hop = new_hop(t);
	if (!t->hop)
		return tl_err(t, "more than %d nexthops", NL_MAX_HOPS);
	return 0;
}

/* One word after DST, or after "nexthop". Hop words go to the current hop. */
static int parse_word(struct tl *t, char **p, const char *kw)
{
	const struct name_val *flag = find_name(hop_flag_names, kw);
	int err;

	if (!strcmp(kw, "nexthop"))
		return start_hop(t);
	if (flag) {
		/* A multipath hop keeps its own flags; a route's are in rtm_flags. */
		if (t->multipath)
			t->hop->flags |= (uint8_t)flag->val;
		else
			t->r.flags |= flag->val;
		return 0;
	}
	if (is_hop_keyword(kw)) {
		if (!t->multipath && !single_hop(t))
			return tl_err(t, "too many nexthops");
		return hop_keyword(t, p, kw, t->hop);
	}
	if (t->multipath)
		return tl_err(t, "'%.32s' is not a nexthop keyword", kw);
	err = route_keyword(t, p, kw);
	if (err == 1)
		return tl_err(t, "unknown keyword '%.32s'", kw);
	return err;
}

static int parse_words(struct tl *t, char **p)
{
	char *kw;
	int err;

	while ((kw = next_tok(p))) {
		err = parse_word(t, p, kw);
		if (err)
			return err;
	}
	return 0;
}

static uint8_t route_family(const struct tl *t)
{
	if (t->r.dst.family)
		return t->r.dst.family;
	if (t->hint)
		return t->hint;
	return t->pref_set ? AF_INET6 : AF_INET;
}

static int check_families(struct tl *t)
{
	const struct fm_route *r = &t->r;
	uint16_t i;

	if (r->prefsrc.family && r->prefsrc.family != r->family)
		return tl_err(t, "src address family does not match the route");
	if (r->src.family && r->src.family != r->family)
		return tl_err(t, "from prefix family does not match the route");
	for (i = 0; i < r->nhops; i++)
		if (r->family == AF_INET6 && t->hops[i].gw.family == AF_INET)
			return tl_err(t, "IPv4 gateway for an IPv6 route");
	return 0;
}

static void apply_defaults(struct tl *t)
{
	struct fm_route *r = &t->r;
	uint8_t type = r->type;

	if (!t->table_set)
		r->table = (type == RTN_LOCAL || type == RTN_BROADCAST || type == RTN_NAT ||
			    type == RTN_ANYCAST)
			       ? RT_TABLE_LOCAL
			       : RT_TABLE_MAIN;
	if (!t->proto_set)
		r->protocol = RTPROT_BOOT;
	if (!t->metric_set && r->family == AF_INET6)
		r->priority = 1024;
	if (!t->pref_set)
		r->pref = r->family == AF_INET6 ? ICMPV6_ROUTER_PREF_MEDIUM : 0xff;
	if (!r->dst.family)
		r->dst.family = r->family; /* default: all-zero address */
	if (!r->src.family)
		r->src.family = r->family; /* as the decoder fills it */
	/* A single hop carries the route's RTNH_F_* flags, as the kernel reports them. */
	if (r->nhops == 1 && !t->multipath)
		t->hops[0].flags = (uint8_t)(r->flags & 0xff);
	/* Text has no nexthop objects: printed hops win over the id. */
	if (r->nhid && r->nhops)
		r->nhid = 0;
}

static int finish_route(struct tl *t)
{
	unsigned int line = t->lineno;
	int err;

	if (!t->pending)
		return 0;
	t->pending = false;
	t->lineno = t->route_line;
	t->r.family = route_family(t);
	err = check_families(t);
	if (!err) {
		apply_defaults(t);
		t->r.hops = t->r.nhops ? t->hops : NULL;
		err = rib_route_apply(t->rib, RIB_NEW, NLM_F_CREATE | NLM_F_APPEND, &t->r);
		if (err < 0)
			err = io_err(t->err, t->errlen, err, "line %u: route refused: %s",
				     t->lineno, strerror(-err));
	}
	t->lineno = line;
	return err;
}

static int start_route(struct tl *t, char **p, char *tok)
{
	const struct name_val *type = find_name(rtn_names, tok);
	int err = finish_route(t);

	if (err)
		return err;
	memset(&t->r, 0, sizeof(t->r));
	t->r.type = RTN_UNICAST;
	t->table_set = t->proto_set = t->scope_set = t->metric_set = t->pref_set = false;
	t->multipath = false;
	t->hint = 0;
	t->hop = NULL;
	t->pending = true;
	t->route_line = t->lineno;
	if (type) {
		t->r.type = (uint8_t)type->val;
		tok = next_tok(p);
		if (!tok)
			return tl_err(t, "'%s' needs a destination", type->name);
	}
	if (strcmp(tok, "default")) {
		err = parse_prefix(t, tok, &t->r.dst, &t->r.dst_len);
		if (err)
			return err;
	}
	return parse_words(t, p);
}

static int continue_route(struct tl *t, char **p, const char *tok)
{
	int err;

	if (!t->pending)
		return tl_err(t, "continuation line without a route above it");
	/* `ip -d` describes the route's nexthop object here; text keeps no objects. */
	if (!strcmp(tok, "nh_info"))
		return 0;
	if (strcmp(tok, "nexthop"))
		return tl_err(t, "continuation line starts with '%.32s', not 'nexthop'", tok);
	err = start_hop(t);
	return err ? err : parse_words(t, p);
}

/* Copy one line into t->line, refusing binary bytes. */
static int take_line(struct tl *t, const uint8_t *s, size_t n)
{
	size_t i;

	if (n > TL_MAX_LINE)
		return tl_err(t, "line longer than %d bytes", TL_MAX_LINE);
	for (i = 0; i < n; i++)
		if ((s[i] < 0x20 && s[i] != '\t' && s[i] != '\r') || s[i] == 0x7f)
			return tl_err(t, "binary data");
	memcpy(t->line, s, n);
	if (n && t->line[n - 1] == '\r')
		n--;
	t->line[n] = '\0';
	return 0;
}

static int parse_line(struct tl *t)
{
	char *p = t->line;
	bool indented = *p == ' ' || *p == '\t';
	char *tok = next_tok(&p);

	if (!tok)
		return 0;
	return indented ? continue_route(t, &p, tok) : start_route(t, &p, tok);
}

int io_textlist_load(struct rib *rib, const uint8_t *data, size_t len, char *err, size_t errlen)
{
	struct tl *t = calloc(1, sizeof(*t));
	size_t off = 0;
	int ret = 0;

	if (!t)
		return io_err(err, errlen, -ENOMEM, "out of memory");
	t->rib = rib;
	t->err = err;
	t->errlen = errlen;
	t->next_ifindex = 1;
	while (off < len && !ret) {
		const uint8_t *nl = memchr(data + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (data + off)) : len - off;

		t->lineno++;
		ret = take_line(t, data + off, n);
		if (!ret)
			ret = parse_line(t);
		off += n + 1;
	}
	if (!ret)
		ret = finish_route(t);
	free(t);
	return ret;
}
