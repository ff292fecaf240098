// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * get.c - "fibmirror get": `ip route get` answered from the mirror.
 *
 * The grammar, its errors and exit codes are those of iproute2 6.1's
 * `ip route get`, learnt by running it (kernel 6.18), so that a command line
 * that works with ip works here and a bad one fails the same way:
 *
 *   get [fibmatch] [connected] [notify] [to] ADDRESS [from ADDRESS] [iif DEV]
 *       [oif DEV | dev DEV] [mark N] [tos TOS | dsfield TOS] [ipproto PROTO]
 *       [sport N] [dport N] [uid N] [as [to] ADDRESS] [vrf NAME]
 *
 * Three stages, in ip's order:
 *  1. get_words(): the words left to right. Syntax errors stop at once
 *     ("Error: argument ... is wrong", exit 255; a bad address, exit 1).
 *  2. get_devices(): after the whole line, "need at least a destination
 *     address", then iif and oif names ("Cannot find device", exit 1).
 *  3. get_kernel_checks(): what the kernel's RTM_GETROUTE validation refuses
 *     ("Error: ipv4: ...", exit 2), in the kernel's order.
 * get_parse() runs the three and fills a struct fm_flow; cmd_get() looks it
 * up and prints it with pr_get().
 *
 * Keywords may be abbreviated as ip allows; where two keywords share a
 * prefix the table order decides ("f" is from, "fi" fibmatch, "d" dsfield).
 * "to", "tos", "dev" and "as" must be written in full.
 */
#include "cli.h"
#include "print.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <linux/in_route.h>
#include <linux/rtnetlink.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Exit statuses of `ip route get`. */
enum {
	EXIT_USER = 1,	 /* bad address, unknown device, no destination */
	EXIT_KERNEL = 2, /* the kernel refused the request or the lookup */
	EXIT_ARG = 255,	 /* bad keyword argument, incomplete line (ip's exit(-1)) */
};

/* ------------------------------------------------------------ addresses */

/*
 * An address as ip's get_prefix() reads it. bytelen 0 means "nothing sent"
 * ("any"/"all", or "default" before the family is known).
 */
struct gaddr {
	uint8_t family;
	uint8_t bitlen;
	uint8_t bytelen;
	uint8_t b[16];
};

static unsigned int full_len(uint8_t family)
{
	return family == AF_INET6 ? 128 : 32;
}

static const char *family_word(uint8_t family)
{
	return family == AF_INET6 ? "inet6" : family == AF_INET ? "inet" : "any valid";
}

/*
 * ip's dotted quad: up to four parts, each a C number (0x1, 010 = 8) up to
 * 255; missing parts are zero on the right ("10" is 10.0.0.0).
 */
/* A plain decimal octet ("0", or 1-3 digits without a leading zero), which
 * strtoul(base 0) reads the same; else *@end = @s. Saves strtoul's cost on
 * every address of a large -batch. */
static unsigned long dec_octet(const char *s, char **end)
{
	unsigned long v = 0;
	const char *p = s;

	*end = (char *)s;
	if (*s == '0')
		return isdigit((unsigned char)s[1]) || s[1] == 'x' || s[1] == 'X'
			   ? 0
			   : (*end = (char *)s + 1, 0);
	while (isdigit((unsigned char)*p) && p - s < 3)
		v = v * 10 + (unsigned long)(*p++ - '0');
	if (!isdigit((unsigned char)*p))
		*end = (char *)p;
	return v;
}

static int parse_ipv4(const char *s, uint8_t out[4])
{
	unsigned int n = 0;

	memset(out, 0, 4);
	for (;;) {
		char *end;
		unsigned long v;

		if (n == 4 || *s == '.' || *s == '\0')
			return -EINVAL;
		errno = 0;
		v = dec_octet(s, &end);
		if (end == s) /* hex, octal, signs, blanks: as strtoul reads them */
			v = strtoul(s, &end, 0);
		if (end == s || errno || v > 255)
			return -EINVAL;
		out[n++] = (uint8_t)v;
		if (*end == '\0')
			return 0;
		if (*end != '.')
			return -EINVAL;
		s = end + 1;
	}
}

/* "ADDR[/LEN]", "default", "any" or "all" in @family (0: by syntax). */
static int parse_addr(const char *word, uint8_t family, bool prefix, struct gaddr *a)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long len;

	memset(a, 0, sizeof(*a));
	if (!strcmp(word, "default") || !strcmp(word, "any") || !strcmp(word, "all")) {
		/* "default" sends a zero address of length 0; "any"/"all" send nothing. */
		a->family = family;
		if (family && !strcmp(word, "default"))
			a->bytelen = (uint8_t)(full_len(family) / 8);
		return 0;
	}
	if (strlen(word) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, word);
	slash = prefix ? strchr(buf, '/') : NULL;
	if (slash)
		*slash = '\0';
	a->family = family ? family : strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (a->family == AF_INET6 ? inet_pton(AF_INET6, buf, a->b) != 1 : parse_ipv4(buf, a->b))
		return -EINVAL;
	a->bytelen = (uint8_t)(full_len(a->family) / 8);
	a->bitlen = (uint8_t)full_len(a->family);
	if (slash) {
		errno = 0;
		len = strtoul(slash + 1, &end, 0);
		if (end == slash + 1 || *end || errno || len > full_len(a->family))
			return -EINVAL;
		a->bitlen = (uint8_t)len;
	}
	return 0;
}

/* ----------------------------------------------------------- the words */

enum kw {
	KW_TOS,
	KW_DSFIELD,
	KW_FROM,
	KW_IIF,
	KW_MARK,
	KW_OIF,
	KW_DEV,
	KW_VRF,
	KW_UID,
	KW_FIBMATCH,
	KW_CONNECTED,
	KW_TO,
	KW_IPPROTO,
	KW_SPORT,
	KW_DPORT,
	KW_NOTIFY,
	KW_AS,
	KW_HELP,
};

/* In match order; @min is the shortest abbreviation ip accepts (observed). */
static const struct keyword {
	const char *name;
	uint8_t min;
	bool arg;
} keywords[] = {
    [KW_TOS] = {"tos", 3, true},
    [KW_DSFIELD] = {"dsfield", 1, true},
    [KW_FROM] = {"from", 1, true},
    [KW_IIF] = {"iif", 1, true},
    [KW_MARK] = {"mark", 1, true},
    [KW_OIF] = {"oif", 1, true},
    [KW_DEV] = {"dev", 3, true},
    [KW_VRF] = {"vrf", 1, true},
    [KW_UID] = {"uid", 1, true},
    [KW_FIBMATCH] = {"fibmatch", 2, false},
    [KW_CONNECTED] = {"connected", 1, false},
    [KW_TO] = {"to", 2, true},
    [KW_IPPROTO] = {"ipproto", 2, true},
    [KW_SPORT] = {"sport", 1, true},
    [KW_DPORT] = {"dport", 2, true},
    [KW_NOTIFY] = {"notify", 1, false},
    [KW_AS] = {"as", 2, true},
    [KW_HELP] = {"help", 1, false},
};

static int keyword_find(const char *w)
{
	size_t i, n = strlen(w);

	if (isdigit((unsigned char)*w)) /* an address: no keyword starts so */
		return -1;
	for (i = 0; i < ARRAY_SIZE(keywords); i++)
		if (n >= keywords[i].min && !strncmp(w, keywords[i].name, n) &&
		    n <= strlen(keywords[i].name))
			return (int)i;
	return -1;
}

/* DSCP names of /etc/iproute2/rt_dsfield (iproute2 6.1 defaults), case-sensitive. */
static const struct {
	const char *name;
	uint8_t v;
} dsfield_names[] = {
    {"default", 0x00}, {"CS1", 0x20},  {"AF11", 0x28}, {"AF12", 0x30}, {"AF13", 0x38},
    {"CS2", 0x40},     {"AF21", 0x48}, {"AF22", 0x50}, {"AF23", 0x58}, {"CS3", 0x60},
    {"AF31", 0x68},    {"AF32", 0x70}, {"AF33", 0x78}, {"CS4", 0x80},  {"AF41", 0x88},
    {"AF42", 0x90},    {"AF43", 0x98}, {"CS5", 0xa0},  {"EF", 0xb8},   {"CS6", 0xc0},
    {"CS7", 0xe0},
};

/* A name, else hexadecimal with or without 0x ("10" is 0x10, as ip reads it). */
static int parse_tos(const char *s, uint8_t *v)
{
	unsigned long n;
	char *end;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dsfield_names); i++)
		if (!strcmp(s, dsfield_names[i].name)) {
			*v = dsfield_names[i].v;
			return 0;
		}
	errno = 0;
	n = strtoul(s, &end, 16);
	if (end == s || *end || errno || n > 255)
		return -EINVAL;
	*v = (uint8_t)n;
	return 0;
}

/* An unsigned C number (0x.., 0..) up to @max; a minus sign is refused. */
static int parse_num(const char *s, int base, unsigned long long max, unsigned long long *v)
{
	char *end;

	if (strchr(s, '-'))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, base);
	return end == s || *end || errno || *v > max ? -EINVAL : 0;
}

/*
 * A protocol of /etc/protocols by name or alias (exact case), or a decimal
 * number. The four the kernel accepts here are built in, for hosts without
 * /etc/protocols (where ip would refuse every name).
 */
static int parse_ipproto(const char *s, uint8_t *v)
{
	static const struct {
		const char *name;
		uint8_t v;
	} builtin[] = {{"icmp", IPPROTO_ICMP},
		       {"tcp", IPPROTO_TCP},
		       {"udp", IPPROTO_UDP},
		       {"ipv6-icmp", IPPROTO_ICMPV6}};
	const struct protoent *pe = getprotobyname(s);
	unsigned long long n;
	size_t i;

	if (pe && pe->p_proto >= 0 && pe->p_proto <= 255) {
		*v = (uint8_t)pe->p_proto;
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(builtin); i++)
		if (!strcmp(s, builtin[i].name)) {
			*v = builtin[i].v;
			return 0;
		}
	if (parse_num(s, 10, 255, &n))
		return -EINVAL;
	*v = (uint8_t)n;
	return 0;
}

/* What the words said, before devices are resolved and the kernel's checks run. */
struct get_req {
	uint8_t family; /* 0 until -4/-6 or an address fixes it */
	bool has_dst, has_as;
	struct gaddr dst, from;
	const char *iif, *oif;
	bool has_proto;
	uint8_t tos, proto;
	uint32_t mark, uid;
	bool has_uid;
	uint16_t sport, dport;
	unsigned int opts; /* GET_* */
	bool fibmatch;
};

static int bad_arg(struct cli *c, const char *arg, const char *what)
{
	fprintf(c->err, "Error: argument \"%s\" is wrong: %s\n", arg, what);
	return EXIT_ARG;
}

static int bad_addr(struct cli *c, uint8_t family, const char *word, bool prefix)
{
	fprintf(c->err, "Error: %s %s is expected rather than \"%s\".\n", family_word(family),
		prefix ? "prefix" : "address", word);
	return EXIT_USER;
}

/* ip says "Invalid VRF" for a name that is not a VRF; a real VRF we cannot follow. */
static int vrf_word(struct cli *c, const char *name)
{
	struct fm_link l;

	if (!c->m || fm_link_by_name(c->m, name, &l) || strcmp(l.kind, "vrf"))
		return bad_arg(c, name, "Invalid VRF\n");
	fprintf(c->err, "Error: fibmirror does not support VRF lookups (vrf %s).\n", name);
	return EXIT_KERNEL;
}

static int address_word(struct cli *c, struct get_req *q, const char *w, struct gaddr *a)
{
	if (parse_addr(w, q->family, true, a))
		return bad_addr(c, q->family, w, true);
	if (!q->family)
		q->family = a->family;
	return 0;
}

/* The destination: a prefix length other than the host's is warned about, then ignored. */
static int dst_word(struct cli *c, struct get_req *q, const char *w)
{
	int rc = address_word(c, q, w, &q->dst);

	if (rc)
		return rc;
	if (q->dst.family && q->dst.bitlen != full_len(q->dst.family))
		fprintf(c->err,
			"Warning: /%u as prefix is invalid, only /%u (or none) is supported.\n",
			q->dst.bitlen, full_len(q->dst.family));
	q->has_dst = true;
	return 0;
}

static int value_word(struct cli *c, struct get_req *q, enum kw k, const char *v)
{
	unsigned long long n;
	struct gaddr as;

	switch (k) {
	case KW_TOS:
	case KW_DSFIELD:
		return parse_tos(v, &q->tos) ? bad_arg(c, v, "TOS value is invalid\n") : 0;
	case KW_FROM:
		q->opts |= GET_FROM;
		return address_word(c, q, v, &q->from);
	case KW_IIF:
		q->iif = v;
		return 0;
	case KW_OIF:
	case KW_DEV:
		q->oif = v;
		return 0;
	case KW_MARK:
		if (parse_num(v, 0, UINT32_MAX, &n))
			return bad_arg(c, v, "invalid mark value");
		q->mark = (uint32_t)n;
		return 0;
	case KW_UID:
		if (parse_num(v, 0, UINT32_MAX, &n))
			return bad_arg(c, v, "invalid UID\n");
		q->uid = (uint32_t)n;
		q->has_uid = true;
		return 0;
	case KW_IPPROTO:
		if (parse_ipproto(v, &q->proto))
			return bad_arg(c, v, "Invalid \"ipproto\" value\n");
		q->has_proto = true;
		return 0;
	case KW_SPORT:
	case KW_DPORT:
		if (parse_num(v, 0, UINT16_MAX, &n))
			return bad_arg(c, v, k == KW_SPORT ? "invalid sport\n" : "invalid dport\n");
		*(k == KW_SPORT ? &q->sport : &q->dport) = (uint16_t)n;
		return 0;
	case KW_VRF:
		return vrf_word(c, v);
	case KW_TO:
		return dst_word(c, q, v);
	case KW_AS:
		if (parse_addr(v, q->family, false, &as))
			return bad_addr(c, q->family, v, false);
		if (!q->family)
			q->family = as.family;
		q->has_as = true;
		return 0;
	default:
		return 0;
	}
}

static int usage(struct cli *c)
{
	fprintf(c->err,
		"Usage: fibmirror get [ fibmatch ] [ connected ] [ to ] ADDRESS\n"
		"                     [ from ADDRESS ] [ iif DEV ] [ oif DEV ]\n"
		"                     [ tos TOS ] [ mark NUMBER ] [ uid NUMBER ]\n"
		"                     [ ipproto PROTOCOL ] [ sport NUMBER ] [ dport NUMBER ]\n");
	return EXIT_ARG;
}

static int incomplete(struct cli *c)
{
	fprintf(c->err, "Command line is not complete. Try option \"help\"\n");
	return EXIT_ARG;
}

/* Stage 1: the words, left to right. */
static int get_words(struct cli *c, int argc, char **argv, struct get_req *q)
{
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *w = argv[i];
		int k = keyword_find(w);

		if (k < 0) {
			rc = dst_word(c, q, w);
		} else if (k == KW_HELP) {
			return usage(c);
		} else if (!keywords[k].arg) {
			if (k == KW_FIBMATCH)
				q->fibmatch = true;
			else
				q->opts |= k == KW_CONNECTED ? GET_CONNECTED : GET_NOTIFY;
			rc = 0;
		} else {
			/* "as to ADDRESS": the "to" is optional. */
			if (k == KW_AS && i + 1 < argc && !strcmp(argv[i + 1], "to"))
				i++;
			if (++i >= argc)
				return incomplete(c);
			rc = value_word(c, q, (enum kw)k, argv[i]);
		}
		if (rc)
			return rc;
	}
	return 0;
}

static int device(struct cli *c, const char *name, int *ifindex)
{
	struct fm_link l;

	if (c->m && fm_link_by_name(c->m, name, &l) == 0) {
		*ifindex = l.ifindex;
		return 0;
	}
	fprintf(c->err, "Cannot find device \"%s\"\n", name);
	return EXIT_USER;
}

/* Stage 2: a destination is required; then the devices, iif first. */
static int get_devices(struct cli *c, const struct get_req *q, struct fm_flow *fl)
{
	if (!q->has_dst) {
		fprintf(c->err, "need at least a destination address\n");
		return EXIT_USER;
	}
	if (q->iif && device(c, q->iif, &fl->iif))
		return EXIT_USER;
	if (q->oif && device(c, q->oif, &fl->oif))
		return EXIT_USER;
	return 0;
}

/*
 * Stage 3: inet_rtm_valid_getroute_req / inet6_rtm_valid_getroute_req and
 * the ipproto check, in the kernel's order. The messages differ between the
 * families ("route get" vs "get route").
 */
static int get_kernel_checks(struct cli *c, const struct get_req *q, uint8_t family)
{
	bool v6 = family == AF_INET6;
	const char *fam = v6 ? "ipv6" : "ipv4", *req = v6 ? "get route" : "route get";
	const char *msg = NULL;
	char buf[128];

	if (q->from.bytelen && q->from.bitlen && q->from.bitlen != full_len(family)) {
		snprintf(buf, sizeof(buf), "%s: Invalid values in header for %s request", fam, req);
		msg = buf;
	} else if (v6 && (q->opts & GET_NOTIFY)) {
		msg = "ipv6: Invalid flags for get route request";
	} else if (q->from.bytelen && !q->from.bitlen) {
		snprintf(buf, sizeof(buf), "%s: rtm_src_len and rtm_dst_len must be %u for %s", fam,
			 full_len(family), v6 ? "IPv6" : "IPv4");
		msg = buf;
	} else if (q->has_as) {
		snprintf(buf, sizeof(buf), "%s: Unsupported attribute in %s request", fam, req);
		msg = buf;
	} else if (q->has_proto && q->proto != IPPROTO_TCP && q->proto != IPPROTO_UDP &&
		   q->proto != (v6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP)) {
		msg = "Unsupported ip proto";
	}
	if (!msg)
		return 0;
	fprintf(c->err, "Error: %s.\n", msg);
	return EXIT_KERNEL;
}

static bool all_zero(const uint8_t *b, size_t n)
{
	while (n--)
		if (*b++)
			return false;
	return true;
}

int get_parse(struct cli *c, int argc, char **argv, struct fm_flow *fl, unsigned *opts)
{
	struct get_req q = {.family = c->family};
	int rc;

	memset(fl, 0, sizeof(*fl));
	*opts = 0;
	rc = get_words(c, argc, argv, &q);
	if (!rc)
		rc = get_devices(c, &q, fl);
	if (rc)
		return rc;
	fl->family = q.family ? q.family : AF_INET; /* ip asks for inet when nothing says */
	rc = get_kernel_checks(c, &q, fl->family);
	if (rc)
		return rc;
	fl->dst.family = fl->family;
	if (q.dst.bytelen)
		memcpy(fl->dst.b, q.dst.b, q.dst.bytelen);
	/* A zero source is no source, for the kernel as for us. */
	if (q.from.bytelen && !all_zero(q.from.b, q.from.bytelen)) {
		fl->src.family = fl->family;
		memcpy(fl->src.b, q.from.b, q.from.bytelen);
	}
	fl->tos = q.tos;
	/* inet_rtm_getroute asks for UDP when nothing is said; IPv6 leaves 0. */
	fl->ip_proto = q.has_proto ? q.proto : fl->family == AF_INET ? IPPROTO_UDP : 0;
	fl->mark = q.mark;
	if (q.has_uid) {
		fl->uid = q.uid;
		fl->flags |= FM_FLOW_UID;
	}
	fl->sport = q.sport;
	fl->dport = q.dport;
	if (q.fibmatch)
		fl->flags |= FM_FLOW_FIBMATCH;
	*opts = q.opts;
	return 0;
}

/* ------------------------------------------------------------ the lookup */

/* One lookup and its answer; the error as ip reports a kernel's. */
static int get_one(struct cli *c, const struct fm_flow *fl, unsigned int opts, bool json,
		   struct fm_result *res)
{
	struct pr_ctx p;
	int rc;

	if (!c->cache && !c->in_daemon && fm_cache_new(c->m, NULL, &c->cache))
		c->cache = NULL; /* without memory for one: uncached */
	rc = c->cache ? fm_cache_route_get(c->cache, fl, res) : fm_route_get(c->m, fl, res);

	pr_ctx_mirror(&p, c->out, json, c->pretty, c->details, c->m);
	if (rc < 0) {
		fprintf(c->err, "RTNETLINK answers: %s\n", strerror(-rc));
		return EXIT_KERNEL;
	}
	/* `notify` asks the kernel to flag the cached route; IPv4 echoes it, fibmatch not. */
	if ((opts & GET_NOTIFY) && fl->family == AF_INET && !(fl->flags & FM_FLOW_FIBMATCH))
		res->flags |= RTCF_NOTIFY;
	pr_begin(&p);
	pr_get(&p, fl, res);
	pr_end(&p);
	return 0;
}

/* Did the answer, as printed, name a source ("src" or "from") for `connected`? */
static bool names_source(const struct fm_flow *fl, const struct fm_result *r)
{
	if (fl->flags & FM_FLOW_FIBMATCH)
		return r->prefsrc.family || r->src_len;
	if (fl->family == AF_INET6)
		return true; /* "from ::" at least */
	return r->prefsrc.family && r->prefsrc.v4 && !fl->iif;
}

int cmd_get(struct cli *c, int argc, char **argv)
{
	struct fm_result res;
	struct fm_flow fl;
	unsigned int opts;
	int rc;

	if (cli_mirror(c))
		return cli_fail_status(c);
	rc = get_parse(c, argc, argv, &fl, &opts);
	if (rc)
		return rc;
	rc = get_one(c, &fl, opts, c->json, &res);
	if (rc || !(opts & GET_CONNECTED) || (opts & GET_FROM))
		return rc;
	/*
	 * `connected` without `from`: ip checks that the answer named a source,
	 * then asks again and prints the second answer, always as text. iproute2
	 * 6.1 re-sends the original request (the source it takes from the first
	 * answer never reaches the kernel), so both answers are the same.
	 */
	if (!names_source(&fl, &res)) {
		fprintf(c->err, "Failed to connect the route\n");
		return EXIT_USER;
	}
	return get_one(c, &fl, opts, false, &res);
}
