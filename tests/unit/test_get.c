// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * test_get.c - "fibmirror get": the `ip route get` grammar and its output.
 *
 * Part 1 feeds command lines to get_parse() and compares the struct fm_flow
 * (and GET_* options) it builds, or the error text and exit status, with
 * what `ip route get` does with the same line. Part 2 prints hand-built
 * struct fm_result values with pr_get() in text, -d, -j, -j -p and compares
 * with the bytes `ip route get` printed for the same kernel answer.
 *
 * Every expected string and exit status below was observed with iproute2
 * 6.1 (Debian 12) on kernel 6.18 in a scratch netns "gx": lo=1, v1=2, v0=3,
 * v3=4, v2=5 (veth pairs v0-v1 and v2-v3, v3 down so v2 has no carrier),
 * v0 = 192.0.2.1/24 + 2001:db8::1/64, v2 = 203.0.113.1/24 + 2001:db8:2::1/64,
 * gateways 192.0.2.254 / 203.0.113.254 / 2001:db8::fe, nexthop objects 1
 * (via 192.0.2.254 dev v0), 2, 10 (group 1/2), 61 (via 2001:db8::fe dev v0),
 * rule "fwmark 7 lookup 100", net.ipv4.ip_forward=1.
 *
 * Devices for the parser come from an offline mirror loaded from a small text
 * route list that creates lo, v1, v0, v3, v2 with the same ifindexes.
 *
 * get.c's cmd_get() calls cli_mirror() and cli_fail_status(), which live in
 * tools/fibmirror.c next to main(); this program defines stand-ins.
 *
 * Output: TAP. Exit 0 iff all pass.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/in_route.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli.h"
#include "print.h"
#include "tap.h"

static struct fm_mirror *mirror;

/* Stand-ins for tools/fibmirror.c. */
int cli_mirror(struct cli *c)
{
	c->m = mirror;
	return c->m ? 0 : -ENODEV;
}

int cli_fail_status(const struct cli *c)
{
	(void)c;
	return 2;
}

/* Devices with the netns' ifindexes: lo=1 v1=2 v0=3 v3=4 v2=5. */
static const char routes_txt[] = "local 127.0.0.1 dev lo table local proto kernel scope host "
				 "src 127.0.0.1\n"
				 "fe80::/64 dev v1 proto kernel metric 256 pref medium\n"
				 "192.0.2.0/24 dev v0 proto kernel scope link src 192.0.2.1\n"
				 "10.99.0.0/16 dev v3\n"
				 "203.0.113.0/24 dev v2 proto kernel scope link src 203.0.113.1\n"
				 "198.51.100.0/24 via 192.0.2.254 dev v0\n";

static int mirror_load(void)
{
	char path[] = "/tmp/test_get.XXXXXX", err[256];
	struct fm_open_opts o = {.sz = sizeof(o)};
	int fd = mkstemp(path), rc;

	if (fd < 0)
		return -errno;
	if (write(fd, routes_txt, sizeof(routes_txt) - 1) != (ssize_t)sizeof(routes_txt) - 1) {
		close(fd);
		unlink(path);
		return -EIO;
	}
	close(fd);
	rc = fm_mirror_open_file(path, &o, &mirror, err, sizeof(err));
	if (rc)
		diag("fm_mirror_open_file: %d %s", rc, err);
	unlink(path);
	return rc;
}

static struct fm_ip A(const char *s) {
	struct fm_ip ip = {0};

	ip.family = strchr(s, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(ip.family, s, ip.b) != 1)
		abort();
	return ip;
}

/* ------------------------------------------------------------ part 1: grammar */

/* The flow and options, in one comparable line. */
static void
flow_str(const struct fm_flow *fl, unsigned int opts, char *buf, size_t len)
{
	char d[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN] = "-", u[16] = "-";

	inet_ntop(fl->family, fl->dst.b, d, sizeof(d));
	if (fl->dst.family != fl->family)
		strcpy(d, "?family");
	if (fl->src.family)
		inet_ntop(fl->src.family, fl->src.b, s, sizeof(s));
	if (fl->flags & FM_FLOW_UID)
		snprintf(u, sizeof(u), "%u", fl->uid);
	snprintf(buf, len,
		 "%d %s src=%s iif=%d oif=%d tos=%#x proto=%u mark=%#x uid=%s sp=%u dp=%u%s%s%s%s",
		 fl->family == AF_INET6	 ? 6
		 : fl->family == AF_INET ? 4
					 : 0,
		 d, s, fl->iif, fl->oif, fl->tos, fl->ip_proto, fl->mark, u, fl->sport, fl->dport,
		 (fl->flags & FM_FLOW_FIBMATCH) ? " fibmatch" : "",
		 (opts & GET_CONNECTED) ? " connected" : "", (opts & GET_NOTIFY) ? " notify" : "",
		 (opts & GET_FROM) ? " from" : "");
}

/* Split @line at spaces into "get" + words, run get_parse(), capture stderr. */
static int parse(uint8_t family, const char *line, struct fm_flow *fl, unsigned int *opts,
		 char **err)
{
	char copy[512], *argv[64], *w, *save = NULL;
	struct cli c = {.family = family, .m = mirror, .out = stdout};
	size_t len = 0;
	int argc = 0, rc;

	snprintf(copy, sizeof(copy), "%s", line);
	argv[argc++] = "get";
	for (w = strtok_r(copy, " ", &save); w && argc < 63; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	c.err = open_memstream(err, &len);
	if (!c.err)
		abort();
	rc = get_parse(&c, argc, argv, fl, opts);
	fclose(c.err);
	return rc;
}

struct parse_case {
	uint8_t family; /* -4 / -6 / 0 */
	const char *line;
	int rc;
	const char *err;  /* exact stderr */
	const char *flow; /* flow_str() when rc == 0 */
};

#define F4  "4 "
#define DEF " src=- iif=0 oif=0 tos=0 proto=17 mark=0 uid=- sp=0 dp=0"

static const struct parse_case parse_ok[] = {
    {0, "198.51.100.7", 0, "", F4 "198.51.100.7" DEF},
    {0, "to 198.51.100.7", 0, "", F4 "198.51.100.7" DEF},
    /* The family comes from the address when -4/-6 is not given; IPv6 ipproto stays 0. */
    {0, "2001:db8::1", 0, "",
     "6 2001:db8::1 src=- iif=0 oif=0 tos=0 proto=0 mark=0 uid=- sp=0 dp=0"},
    {AF_INET6, "2001:db8:100::1 ipproto ipv6-icmp", 0, "",
     "6 2001:db8:100::1 src=- iif=0 oif=0 tos=0 proto=58 mark=0 uid=- sp=0 dp=0"},
    {0,
     "to 198.51.100.7 from 192.0.2.1 iif v2 oif v0 mark 0x7 tos AF11 ipproto tcp sport 1 "
     "dport 0x50 uid 1000 fibmatch connected",
     0, "",
     F4 "198.51.100.7 src=192.0.2.1 iif=5 oif=3 tos=0x28 proto=6 mark=0x7 uid=1000 sp=1 dp=80"
	" fibmatch connected from"},
    {0, "198.51.100.7 dev v2", 0, "",
     F4 "198.51.100.7 src=- iif=0 oif=5 tos=0 proto=17 mark=0 uid=- sp=0 dp=0"},
    /* tos is hexadecimal without 0x too ("10" matched a "tos 0x10" rule), or a DSCP name. */
    {0, "198.51.100.7 tos 10", 0, "",
     F4 "198.51.100.7 src=- iif=0 oif=0 tos=0x10 proto=17 mark=0 uid=- sp=0 dp=0"},
    {0, "198.51.100.7 dsfield 0x11", 0, "",
     F4 "198.51.100.7 src=- iif=0 oif=0 tos=0x11 proto=17 mark=0 uid=- sp=0 dp=0"},
    {0, "198.51.100.7 tos ff", 0, "",
     F4 "198.51.100.7 src=- iif=0 oif=0 tos=0xff proto=17 mark=0 uid=- sp=0 dp=0"},
    {0, "198.51.100.7 tos CS1", 0, "",
     F4 "198.51.100.7 src=- iif=0 oif=0 tos=0x20 proto=17 mark=0 uid=- sp=0 dp=0"},
    /* ipproto numbers are decimal ("017" is udp); mark and uid are C numbers (010 = 8). */
    {0, "198.51.100.7 ipproto 017 mark 010 uid 0x10", 0, "",
     F4 "198.51.100.7 src=- iif=0 oif=0 tos=0 proto=17 mark=0x8 uid=16 sp=0 dp=0"},
    {0, "198.51.100.7 ipproto icmp uid 4294967295", 0, "",
     F4 "198.51.100.7 src=- iif=0 oif=0 tos=0 proto=1 mark=0 uid=4294967295 sp=0 dp=0"},
    {0, "198.51.100.7 sport 65535 dport 1", 0, "",
     F4 "198.51.100.7 src=- iif=0 oif=0 tos=0 proto=17 mark=0 uid=- sp=65535 dp=1"},
    /* ip's dotted quad: "10" is 10.0.0.0, parts are C numbers. */
    {0, "10", 0, "", F4 "10.0.0.0" DEF},
    {0, "10.1.2", 0, "", F4 "10.1.2.0" DEF},
    {0, "010.1.1.1", 0, "", F4 "8.1.1.1" DEF},
    {0, "0x1.2.3.4", 0, "", F4 "1.2.3.4" DEF},
    {0, "+1.2.3.4", 0, "", F4 "1.2.3.4" DEF},
    {0, "198.51.100.7/32", 0, "", F4 "198.51.100.7" DEF},
    {0, "198.51.100.0/24", 0,
     "Warning: /24 as prefix is invalid, only /32 (or none) is supported.\n",
     F4 "198.51.100.0" DEF},
    {0, "1.2.3.4/032", 0, "Warning: /26 as prefix is invalid, only /32 (or none) is supported.\n",
     F4 "1.2.3.4" DEF},
    {0, "2001:db8::1/0", 0, "Warning: /0 as prefix is invalid, only /128 (or none) is supported.\n",
     "6 2001:db8::1 src=- iif=0 oif=0 tos=0 proto=0 mark=0 uid=- sp=0 dp=0"},
    /* "default"/"any" before the family is known: 0.0.0.0 and no warning. */
    {0, "default", 0, "", F4 "0.0.0.0" DEF},
    {0, "any", 0, "", F4 "0.0.0.0" DEF},
    {AF_INET, "default", 0, "Warning: /0 as prefix is invalid, only /32 (or none) is supported.\n",
     F4 "0.0.0.0" DEF},
    {AF_INET6, "any", 0, "Warning: /0 as prefix is invalid, only /128 (or none) is supported.\n",
     "6 :: src=- iif=0 oif=0 tos=0 proto=0 mark=0 uid=- sp=0 dp=0"},
    {0, "198.51.100.7 to default", 0,
     "Warning: /0 as prefix is invalid, only /32 (or none) is supported.\n", F4 "0.0.0.0" DEF},
    /* A zero source, "any" or "all" is no source (ip printed no "from"). */
    {0, "198.51.100.7 from 0.0.0.0", 0, "", F4 "198.51.100.7" DEF " from"},
    {AF_INET, "198.51.100.7 from all", 0, "", F4 "198.51.100.7" DEF " from"},
    {0, "from default 198.51.100.7", 0, "", F4 "198.51.100.7" DEF " from"},
    {0, "from 192.0.2.1 198.51.100.7", 0, "",
     F4 "198.51.100.7 src=192.0.2.1 iif=0 oif=0 tos=0 proto=17 mark=0 uid=- sp=0 dp=0 from"},
    {0, "198.51.100.7 from 192.0.2.1/32", 0, "",
     F4 "198.51.100.7 src=192.0.2.1 iif=0 oif=0 tos=0 proto=17 mark=0 uid=- sp=0 dp=0 from"},
    {0, "198.51.100.7 198.51.100.8", 0, "", F4 "198.51.100.8" DEF},
    /* Octets as strtoul(base 0) reads them: hex, octal, short forms. */
    {0, "0xc6.063.100.0007", 0, "", F4 "198.51.100.7" DEF},
    {0, "0.0.0.0", 0, "", F4 "0.0.0.0" DEF},
    {0, "198.51.100", 0, "", F4 "198.51.100.0" DEF},
    /* Abbreviations: f=from m=mark u=uid d=dsfield o=oif i=iif ip=ipproto s=sport
     * dp=dport c=connected n=notify fi=fibmatch. */
    {0, "198.51.100.7 f 192.0.2.1 m 3 u 3 d 10 o v0 i v2 ip tcp s 1 dp 2 c n fi", 0, "",
     F4 "198.51.100.7 src=192.0.2.1 iif=5 oif=3 tos=0x10 proto=6 mark=0x3 uid=3 sp=1 dp=2"
	" fibmatch connected notify from"},
};

static const struct parse_case parse_err[] = {
    {0, "foo", 1, "Error: any valid prefix is expected rather than \"foo\".\n", NULL},
    {0, "", 1, "need at least a destination address\n", NULL},
    {0, "fibmatch", 1, "need at least a destination address\n", NULL},
    {0, "iif nosuch", 1, "need at least a destination address\n", NULL},
    {AF_INET, "foo", 1, "Error: inet prefix is expected rather than \"foo\".\n", NULL},
    {AF_INET6, "foo", 1, "Error: inet6 prefix is expected rather than \"foo\".\n", NULL},
    {AF_INET6, "1.1.1.1", 1, "Error: inet6 prefix is expected rather than \"1.1.1.1\".\n", NULL},
    {AF_INET, "2001:db8::1", 1, "Error: inet prefix is expected rather than \"2001:db8::1\".\n",
     NULL},
    {0, "2001:db8:100::1 from 192.0.2.1", 1,
     "Error: inet6 prefix is expected rather than \"192.0.2.1\".\n", NULL},
    {0, "from 2001:db8::1 198.51.100.7", 1,
     "Error: inet6 prefix is expected rather than \"198.51.100.7\".\n", NULL},
    {0, "198.51.100.7 from foo", 1, "Error: inet prefix is expected rather than \"foo\".\n", NULL},
    {0, "198.51.100.7 bogus", 1, "Error: inet prefix is expected rather than \"bogus\".\n", NULL},
    {0, "1.2.3.4.5", 1, "Error: any valid prefix is expected rather than \"1.2.3.4.5\".\n", NULL},
    {0, "0x01020304", 1, "Error: any valid prefix is expected rather than \"0x01020304\".\n", NULL},
    {0, "1.2.3.", 1, "Error: any valid prefix is expected rather than \"1.2.3.\".\n", NULL},
    {0, "1..2", 1, "Error: any valid prefix is expected rather than \"1..2\".\n", NULL},
    {0, "-1.2.3.4", 1, "Error: any valid prefix is expected rather than \"-1.2.3.4\".\n", NULL},
    {0, "256.1.1.1", 1, "Error: any valid prefix is expected rather than \"256.1.1.1\".\n", NULL},
    {0, "1234.1.1.1", 1, "Error: any valid prefix is expected rather than \"1234.1.1.1\".\n",
     NULL},
    {0, "08.1.1.1", 1, "Error: any valid prefix is expected rather than \"08.1.1.1\".\n", NULL},
    {0, "1a.1.1.1", 1, "Error: any valid prefix is expected rather than \"1a.1.1.1\".\n", NULL},
    {0, "1.2.3.4/33", 1, "Error: any valid prefix is expected rather than \"1.2.3.4/33\".\n", NULL},
    {0, "1.2.3.4/", 1, "Error: any valid prefix is expected rather than \"1.2.3.4/\".\n", NULL},
    {0, "1.2.3.4/32x", 1, "Error: any valid prefix is expected rather than \"1.2.3.4/32x\".\n",
     NULL},
    {0, "2001:db8::1/129", 1,
     "Error: any valid prefix is expected rather than \"2001:db8::1/129\".\n", NULL},
    {0, "198.51.100.7 from 1.1.1.1/33", 1,
     "Error: inet prefix is expected rather than \"1.1.1.1/33\".\n", NULL},
    /* "to", "tos", "dev" and "as" are not abbreviated. */
    {0, "198.51.100.7 t 3", 1, "Error: inet prefix is expected rather than \"t\".\n", NULL},
    {0, "198.51.100.7 de v0", 1, "Error: inet prefix is expected rather than \"de\".\n", NULL},
    {0, "198.51.100.7 a 1.1.1.1", 1, "Error: inet prefix is expected rather than \"a\".\n", NULL},
    {0, "198.51.100.7 fibmatchx", 1, "Error: inet prefix is expected rather than \"fibmatchx\".\n",
     NULL},
    {0, "198.51.100.7 d v0", 255, "Error: argument \"v0\" is wrong: TOS value is invalid\n\n",
     NULL},
    {0, "198.51.100.7 as foo", 1, "Error: inet address is expected rather than \"foo\".\n", NULL},
    {0, "198.51.100.7 as to foo", 1, "Error: inet address is expected rather than \"foo\".\n",
     NULL},
    /* Incomplete lines and bad values: exit 255 (ip's exit(-1)). Some messages end in "\n\n". */
    {0, "198.51.100.7 from", 255, "Command line is not complete. Try option \"help\"\n", NULL},
    {0, "to", 255, "Command line is not complete. Try option \"help\"\n", NULL},
    {0, "198.51.100.7 as", 255, "Command line is not complete. Try option \"help\"\n", NULL},
    {0, "198.51.100.7 as to", 255, "Command line is not complete. Try option \"help\"\n", NULL},
    {0, "198.51.100.7 tos lowdelay", 255,
     "Error: argument \"lowdelay\" is wrong: TOS value is invalid\n\n", NULL},
    {0, "198.51.100.7 tos 0x1ff", 255,
     "Error: argument \"0x1ff\" is wrong: TOS value is invalid\n\n", NULL},
    {0, "198.51.100.7 tos af11", 255, "Error: argument \"af11\" is wrong: TOS value is invalid\n\n",
     NULL},
    {0, "198.51.100.7 tos 0x", 255, "Error: argument \"0x\" is wrong: TOS value is invalid\n\n",
     NULL},
    {0, "198.51.100.7 mark foo", 255, "Error: argument \"foo\" is wrong: invalid mark value\n",
     NULL},
    {0, "198.51.100.7 mark -1", 255, "Error: argument \"-1\" is wrong: invalid mark value\n", NULL},
    {0, "198.51.100.7 mark 4294967296", 255,
     "Error: argument \"4294967296\" is wrong: invalid mark value\n", NULL},
    {0, "198.51.100.7 uid foo", 255, "Error: argument \"foo\" is wrong: invalid UID\n\n", NULL},
    {0, "198.51.100.7 uid 4294967296", 255,
     "Error: argument \"4294967296\" is wrong: invalid UID\n\n", NULL},
    {0, "198.51.100.7 ipproto foo", 255,
     "Error: argument \"foo\" is wrong: Invalid \"ipproto\" value\n\n", NULL},
    {0, "198.51.100.7 ipproto 256", 255,
     "Error: argument \"256\" is wrong: Invalid \"ipproto\" value\n\n", NULL},
    {0, "198.51.100.7 ipproto 0x11", 255,
     "Error: argument \"0x11\" is wrong: Invalid \"ipproto\" value\n\n", NULL},
    {0, "198.51.100.7 ipproto Tcp", 255,
     "Error: argument \"Tcp\" is wrong: Invalid \"ipproto\" value\n\n", NULL},
    {0, "198.51.100.7 sport 70000", 255, "Error: argument \"70000\" is wrong: invalid sport\n\n",
     NULL},
    {0, "198.51.100.7 dport foo", 255, "Error: argument \"foo\" is wrong: invalid dport\n\n", NULL},
    {0, "198.51.100.7 vrf foo", 255, "Error: argument \"foo\" is wrong: Invalid VRF\n\n", NULL},
    {0, "198.51.100.7 vrf v0", 255, "Error: argument \"v0\" is wrong: Invalid VRF\n\n", NULL},
    /* Syntax errors come first, then the destination check, then iif, then oif. */
    {0, "1.1.1.1 iif nosuch tos bad", 255,
     "Error: argument \"bad\" is wrong: TOS value is invalid\n\n", NULL},
    {0, "1.1.1.1/24 tos bad", 255,
     "Warning: /24 as prefix is invalid, only /32 (or none) is supported.\n"
     "Error: argument \"bad\" is wrong: TOS value is invalid\n\n",
     NULL},
    {0, "198.51.100.7 iif nosuch", 1, "Cannot find device \"nosuch\"\n", NULL},
    {0, "198.51.100.7 oif nosuch", 1, "Cannot find device \"nosuch\"\n", NULL},
    {0, "1.1.1.1 oif nosuch iif nosuch2", 1, "Cannot find device \"nosuch2\"\n", NULL},
    {0, "1.1.1.1 iif nosuch from 1.2.3.4/0", 1, "Cannot find device \"nosuch\"\n", NULL},
    /* What the kernel refuses (exit 2), in its order. */
    {0, "198.51.100.7 from 192.0.2.1/24", 2,
     "Error: ipv4: Invalid values in header for route get request.\n", NULL},
    {0, "198.51.100.7 from 1.2.3.4/5 as 1.1.1.1", 2,
     "Error: ipv4: Invalid values in header for route get request.\n", NULL},
    {0, "198.51.100.7 from 0/0", 2,
     "Error: ipv4: rtm_src_len and rtm_dst_len must be 32 for IPv4.\n", NULL},
    {0, "198.51.100.7 from default", 2,
     "Error: ipv4: rtm_src_len and rtm_dst_len must be 32 for IPv4.\n", NULL},
    {0, "1.1.1.1 from 1.2.3.4/0 as 2.2.2.2", 2,
     "Error: ipv4: rtm_src_len and rtm_dst_len must be 32 for IPv4.\n", NULL},
    {0, "1.1.1.1 iif lo from 1.2.3.4/0", 2,
     "Error: ipv4: rtm_src_len and rtm_dst_len must be 32 for IPv4.\n", NULL},
    {0, "198.51.100.7 as 1.2.3.4", 2, "Error: ipv4: Unsupported attribute in route get request.\n",
     NULL},
    {0, "1.1.1.1 as 2.2.2.2 ipproto ipv6-icmp", 2,
     "Error: ipv4: Unsupported attribute in route get request.\n", NULL},
    {0, "198.51.100.7 ipproto ipv6-icmp", 2, "Error: Unsupported ip proto.\n", NULL},
    {0, "198.51.100.7 ipproto 0", 2, "Error: Unsupported ip proto.\n", NULL},
    {AF_INET6, "2001:db8:100::1 ipproto icmp", 2, "Error: Unsupported ip proto.\n", NULL},
    {AF_INET6, "2001:db8:100::1 from 2001:db8::1/64", 2,
     "Error: ipv6: Invalid values in header for get route request.\n", NULL},
    {AF_INET6, "::1 from ::1/64 notify", 2,
     "Error: ipv6: Invalid values in header for get route request.\n", NULL},
    {AF_INET6, "::1 from ::/0 notify", 2, "Error: ipv6: Invalid flags for get route request.\n",
     NULL},
    {AF_INET6, "2001:db8:40::1 notify", 2, "Error: ipv6: Invalid flags for get route request.\n",
     NULL},
    {AF_INET6, "2001:db8:100::1 from default", 2,
     "Error: ipv6: rtm_src_len and rtm_dst_len must be 128 for IPv6.\n", NULL},
    {AF_INET6, "::1 as ::2 from ::/0", 2,
     "Error: ipv6: rtm_src_len and rtm_dst_len must be 128 for IPv6.\n", NULL},
    {AF_INET6, "::1 as ::2 ipproto 5", 2,
     "Error: ipv6: Unsupported attribute in get route request.\n", NULL},
};

static void run_parse_cases(const struct parse_case *pc, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct parse_case *p = &pc[i];
		struct fm_flow fl;
		unsigned int opts;
		char *err = NULL, got[256] = "";
		int rc = parse(p->family, p->line, &fl, &opts, &err);
		bool good = rc == p->rc && !strcmp(err, p->err);

		if (rc == 0) {
			flow_str(&fl, opts, got, sizeof(got));
			good = good && p->flow && !strcmp(got, p->flow);
		}
		if (!ok(good, "parse %s\"%s\"",
			p->family == AF_INET6  ? "-6 "
			: p->family == AF_INET ? "-4 "
					       : "",
			p->line)) {
			diag("rc %d (want %d), stderr [%s] (want [%s])", rc, p->rc, err, p->err);
			if (rc == 0)
				diag("flow [%s]\n#  want [%s]", got, p->flow ? p->flow : "");
		}
		free(err);
	}
}

/* cmd_get() end to end where the answer does not depend on the lookup engine. */
static void test_cmd_get(void)
{
	char *out = NULL, *err = NULL;
	size_t lo = 0, le = 0;
	struct cli c = {.out = open_memstream(&out, &lo), .err = open_memstream(&err, &le)};
	char *argv[] = {"get", "198.51.100.7", "help", NULL};
	char *argv2[] = {"get", "2001:db8:99::1", NULL};
	int rc;

	rc = cmd_get(&c, 3, argv);
	fflush(c.err);
	ok(rc == 255 && !strncmp(err, "Usage: fibmirror get ", 21),
	   "cmd_get help: usage, exit 255");
	rewind(c.err);
	/* No IPv6 route at all in the mirror: the kernel's ENETUNREACH. */
	rc = cmd_get(&c, 2, argv2);
	fm_cache_free(c.cache); /* get answered through it (the CLI's main frees it) */
	fclose(c.out);
	fclose(c.err);
	ok(rc == 2 && strstr(err, "RTNETLINK answers: Network is unreachable\n") && !out[0],
	   "cmd_get no route: \"RTNETLINK answers: Network is unreachable\", exit 2");
	free(out);
	free(err);
}

/* ----------------------------------------------------------- part 2: printing */

static const char *test_ifname(void *arg, int ifindex)
{
	static const char *const names[] = {NULL, "lo", "v1", "v0", "v3", "v2"};

	(void)arg;
	return ifindex > 0 && ifindex < 6 ? names[ifindex] : NULL;
}

static const struct fm_nh_member grp10[] = {{.id = 1, .weight = 1}, {.id = 2, .weight = 1}};
static struct fm_nexthop nh_obj[3];

static const struct fm_nexthop *test_nexthop(void *arg, uint32_t id)
{
	size_t i;

	(void)arg;
	for (i = 0; i < 3; i++)
		if (nh_obj[i].id == id)
			return &nh_obj[i];
	return NULL;
}

enum { TXT = 0, JSON = 1, PRETTY = 2, DETAILS = 4 };

static char *capture(const struct fm_flow *fl, const struct fm_result *r, int mode)
{
	struct pr_ctx c;
	char *buf = NULL;
	size_t len = 0;

	memset(&c, 0, sizeof(c));
	c.out = open_memstream(&buf, &len);
	if (!c.out)
		abort();
	c.json = mode & JSON;
	c.pretty = mode & PRETTY;
	c.details = mode & DETAILS;
	c.ifname = test_ifname;
	c.nexthop = test_nexthop;
	pr_begin(&c);
	pr_get(&c, fl, r);
	pr_end(&c);
	fclose(c.out);
	return buf;
}

static void check(const char *desc, const struct fm_flow *fl, const struct fm_result *r, int mode,
		  const char *want)
{
	char *got = capture(fl, r, mode);

	if (!ok(!strcmp(got, want), "%s%s%s%s", desc, mode & DETAILS ? " -d" : "",
		mode & JSON ? " -j" : "", mode & PRETTY ? " -p" : ""))
		diag("want [%s]\n#  got [%s]", want, got);
	free(got);
}

static struct fm_flow flow(const char *dst)
{
	struct fm_flow fl = {0};

	fl.dst = A(dst);
	fl.family = fl.dst.family;
	fl.ip_proto = fl.family == AF_INET ? IPPROTO_UDP : 0;
	return fl;
}

/* A unicast answer from table main, as the engine gives it. */
static struct fm_result result(uint8_t family)
{
	struct fm_result r = {0};

	r.family = family;
	r.type = RTN_UNICAST;
	r.protocol = RTPROT_BOOT;
	r.has_table = true;
	r.table = RT_TABLE_MAIN;
	r.pref = family == AF_INET6 ? 0 : 0xff;
	r.priority = family == AF_INET6 ? 1024 : 0;
	r.chosen = -1;
	return r;
}

static void test_get_v4_output(void)
{
	struct fm_flow fl = flow("198.51.100.7");
	struct fm_result r = result(AF_INET);

	r.gw = A("192.0.2.254");
	r.oif = 3;
	r.prefsrc = A("192.0.2.1");
	check("ip route get 198.51.100.7", &fl, &r, TXT,
	      "198.51.100.7 via 192.0.2.254 dev v0 src 192.0.2.1 uid 0 \n    cache \n");
	check("ip route get 198.51.100.7", &fl, &r, JSON,
	      "[{\"dst\":\"198.51.100.7\",\"gateway\":\"192.0.2.254\",\"dev\":\"v0\","
	      "\"prefsrc\":\"192.0.2.1\",\"flags\":[],\"uid\":0,\"cache\":[]}]\n");
	check("ip route get 198.51.100.7", &fl, &r, DETAILS,
	      "unicast 198.51.100.7 via 192.0.2.254 dev v0 table main src 192.0.2.1 uid 0 \n"
	      "    cache \n");
	check("ip route get 198.51.100.7", &fl, &r, JSON | DETAILS,
	      "[{\"type\":\"unicast\",\"dst\":\"198.51.100.7\",\"gateway\":\"192.0.2.254\","
	      "\"dev\":\"v0\",\"table\":\"main\",\"prefsrc\":\"192.0.2.1\",\"flags\":[],\"uid\":0,"
	      "\"cache\":[]}]\n");
	check("ip route get 198.51.100.7", &fl, &r, JSON | PRETTY,
	      "[ {\n"
	      "        \"dst\": \"198.51.100.7\",\n"
	      "        \"gateway\": \"192.0.2.254\",\n"
	      "        \"dev\": \"v0\",\n"
	      "        \"prefsrc\": \"192.0.2.1\",\n"
	      "        \"flags\": [ ],\n"
	      "        \"uid\": 0,\n"
	      "        \"cache\": [ ]\n"
	      "    } ]\n");

	/* With from: no src (the kernel echoes the given source as "from"). */
	fl.src = A("192.0.2.1");
	check("ip route get 198.51.100.7 from 192.0.2.1", &fl, &r, TXT,
	      "198.51.100.7 from 192.0.2.1 via 192.0.2.254 dev v0 uid 0 \n    cache \n");
	memset(&fl.src, 0, sizeof(fl.src));

	/* ip route get 198.51.100.7 oif v2 (on-link through v2, as the kernel answered) */
	fl.oif = 5;
	r.oif = 5;
	memset(&r.gw, 0, sizeof(r.gw));
	r.prefsrc = A("203.0.113.1");
	check("ip route get 198.51.100.7 oif v2", &fl, &r, JSON,
	      "[{\"dst\":\"198.51.100.7\",\"dev\":\"v2\",\"prefsrc\":\"203.0.113.1\",\"flags\":[],"
	      "\"uid\":0,\"cache\":[]}]\n");

	/* A gateway of the other family. */
	fl = flow("10.20.0.1");
	r = result(AF_INET);
	r.gw = A("2001:db8::fe");
	r.oif = 3;
	r.prefsrc = A("192.0.2.1");
	check("ip route get 10.20.0.1", &fl, &r, TXT,
	      "10.20.0.1 via inet6 2001:db8::fe dev v0 src 192.0.2.1 uid 0 \n    cache \n");
	check("ip route get 10.20.0.1", &fl, &r, JSON,
	      "[{\"dst\":\"10.20.0.1\",\"via\":{\"family\":\"inet6\",\"host\":\"2001:db8::fe\"},"
	      "\"dev\":\"v0\",\"prefsrc\":\"192.0.2.1\",\"flags\":[],\"uid\":0,\"cache\":[]}]\n");
}

static void test_get_v4_special(void)
{
	struct fm_flow fl = flow("192.0.2.1");
	struct fm_result r = result(AF_INET);

	/* Local delivery: dev lo, the real table (local). */
	r.type = RTN_LOCAL;
	r.table = RT_TABLE_LOCAL;
	r.oif = 1;
	r.prefsrc = A("192.0.2.1");
	r.flags = RTCF_LOCAL;
	check("ip route get 192.0.2.1", &fl, &r, TXT,
	      "local 192.0.2.1 dev lo table local src 192.0.2.1 uid 0 \n    cache <local> \n");
	check("ip route get 192.0.2.1", &fl, &r, DETAILS,
	      "local 192.0.2.1 dev lo table local src 192.0.2.1 uid 0 \n    cache <local> \n");

	fl = flow("192.0.2.255");
	r.type = RTN_BROADCAST;
	r.oif = 3;
	r.flags = RTCF_LOCAL | RTCF_BROADCAST;
	check("ip route get 192.0.2.255", &fl, &r, TXT,
	      "broadcast 192.0.2.255 dev v0 table local src 192.0.2.1 uid 0 \n"
	      "    cache <local,brd> \n");

	/* 255.255.255.255 is decided without a FIB entry: no table. */
	fl = flow("255.255.255.255");
	r.has_table = false;
	check("ip route get 255.255.255.255", &fl, &r, JSON,
	      "[{\"type\":\"broadcast\",\"dst\":\"255.255.255.255\",\"dev\":\"v0\","
	      "\"prefsrc\":\"192.0.2.1\",\"flags\":[],\"uid\":0,\"cache\":[\"local\",\"brd\"]}]\n");

	/* Multicast: RTCF_MULTICAST is the bit of RTM_F_OFFLOAD_FAILED, hence the flag. */
	fl = flow("224.0.0.1");
	r.type = RTN_MULTICAST;
	r.flags = RTCF_LOCAL | RTCF_MULTICAST;
	check("ip route get 224.0.0.1", &fl, &r, TXT,
	      "multicast 224.0.0.1 dev v0 src 192.0.2.1 rt_offload_failed uid 0 \n"
	      "    cache <local,mc> \n");
	check("ip route get 224.0.0.1", &fl, &r, JSON,
	      "[{\"type\":\"multicast\",\"dst\":\"224.0.0.1\",\"dev\":\"v0\",\"prefsrc\":\"192.0.2."
	      "1\","
	      "\"flags\":[\"rt_offload_failed\"],\"uid\":0,\"cache\":[\"local\",\"mc\"]}]\n");
	check("ip route get 224.0.0.1", &fl, &r, JSON | PRETTY,
	      "[ {\n"
	      "        \"type\": \"multicast\",\n"
	      "        \"dst\": \"224.0.0.1\",\n"
	      "        \"dev\": \"v0\",\n"
	      "        \"prefsrc\": \"192.0.2.1\",\n"
	      "        \"flags\": [ \"rt_offload_failed\" ],\n"
	      "        \"uid\": 0,\n"
	      "        \"cache\": [ \"local\",\"mc\" ]\n"
	      "    } ]\n");
	fl = flow("239.1.1.1");
	r.flags = RTCF_MULTICAST;
	check("ip route get 239.1.1.1", &fl, &r, TXT,
	      "multicast 239.1.1.1 dev v0 src 192.0.2.1 rt_offload_failed uid 0 \n"
	      "    cache <mc> \n");

	/* 0.0.0.0: local, no FIB entry, so no table even with -d. */
	fl = flow("0.0.0.0");
	r = result(AF_INET);
	r.type = RTN_LOCAL;
	r.has_table = false;
	r.oif = 1;
	r.prefsrc = A("127.0.0.1");
	r.flags = RTCF_LOCAL;
	check("ip route get 0.0.0.0", &fl, &r, TXT,
	      "local 0.0.0.0 dev lo src 127.0.0.1 uid 0 \n    cache <local> \n");
	check("ip route get 0.0.0.0", &fl, &r, DETAILS | JSON,
	      "[{\"type\":\"local\",\"dst\":\"0.0.0.0\",\"dev\":\"lo\",\"prefsrc\":\"127.0.0.1\","
	      "\"flags\":[],\"uid\":0,\"cache\":[\"local\"]}]\n");
}

static void test_get_v4_selectors(void)
{
	struct fm_flow fl = flow("10.13.0.1");
	struct fm_result r = result(AF_INET);

	r.gw = A("192.0.2.254");
	r.oif = 3;
	r.prefsrc = A("192.0.2.1");
	r.table = 100;
	fl.mark = 7;
	check("ip route get 10.13.0.1 mark 7", &fl, &r, TXT,
	      "10.13.0.1 via 192.0.2.254 dev v0 table 100 src 192.0.2.1 mark 7 uid 0 \n"
	      "    cache \n");
	check(
	    "ip route get 10.13.0.1 mark 7", &fl, &r, JSON,
	    "[{\"dst\":\"10.13.0.1\",\"gateway\":\"192.0.2.254\",\"dev\":\"v0\",\"table\":\"100\","
	    "\"prefsrc\":\"192.0.2.1\",\"flags\":[],\"mark\":7,\"uid\":0,\"cache\":[]}]\n");
	fl.uid = 1000;
	fl.flags |= FM_FLOW_UID;
	check("ip route get 10.13.0.1 mark 0x7 uid 1000 tos 0x10", &fl, &r, TXT,
	      "10.13.0.1 via 192.0.2.254 dev v0 table 100 src 192.0.2.1 mark 7 uid 1000 \n"
	      "    cache \n");
	/* Text marks switch to hex at 16 (observed: 15 -> "15", 16 -> "0x10"). */
	r.table = RT_TABLE_MAIN;
	fl.flags = 0;
	fl.mark = 15;
	check("ip route get 10.13.0.1 mark 15", &fl, &r, TXT,
	      "10.13.0.1 via 192.0.2.254 dev v0 src 192.0.2.1 mark 15 uid 0 \n    cache \n");
	fl.mark = 16;
	check("ip route get 10.13.0.1 mark 16", &fl, &r, TXT,
	      "10.13.0.1 via 192.0.2.254 dev v0 src 192.0.2.1 mark 0x10 uid 0 \n    cache \n");
	fl.mark = 255;
	check("ip route get 10.13.0.1 mark 255", &fl, &r, JSON,
	      "[{\"dst\":\"10.13.0.1\",\"gateway\":\"192.0.2.254\",\"dev\":\"v0\","
	      "\"prefsrc\":\"192.0.2.1\",\"flags\":[],\"mark\":255,\"uid\":0,\"cache\":[]}]\n");
	fl.mark = 0xffffffff;
	check(
	    "ip route get 10.13.0.1 mark 0xffffffff", &fl, &r, TXT,
	    "10.13.0.1 via 192.0.2.254 dev v0 src 192.0.2.1 mark 0xffffffff uid 0 \n    cache \n");

	/* INVALID_UID is not sent back. */
	fl = flow("198.51.100.7");
	fl.uid = 0xffffffff;
	fl.flags = FM_FLOW_UID;
	check("ip route get 198.51.100.7 uid 4294967295", &fl, &r, TXT,
	      "198.51.100.7 via 192.0.2.254 dev v0 src 192.0.2.1 \n    cache \n");

	/* notify: cmd_get() adds RTCF_NOTIFY; it shows in flags and cache. */
	fl = flow("198.51.100.7");
	r.flags = RTCF_NOTIFY;
	check("ip route get 198.51.100.7 notify", &fl, &r, TXT,
	      "198.51.100.7 via 192.0.2.254 dev v0 src 192.0.2.1 notify uid 0 \n"
	      "    cache <notify> \n");
	r.flags = 0;

	/* The realm of the chosen nexthop. */
	fl = flow("10.43.0.1");
	r.nhops = 1;
	r.chosen = 0;
	r.hops[0] = (struct fm_hop){.gw = A("192.0.2.254"), .ifindex = 3, .weight = 1, .realm = 7};
	check("ip route get 10.43.0.1", &fl, &r, TXT,
	      "10.43.0.1 via 192.0.2.254 dev v0 src 192.0.2.1 realm 7 uid 0 \n    cache \n");
	check("ip route get 10.43.0.1", &fl, &r, JSON,
	      "[{\"dst\":\"10.43.0.1\",\"gateway\":\"192.0.2.254\",\"dev\":\"v0\","
	      "\"prefsrc\":\"192.0.2.1\",\"flags\":[],\"flow\":{\"to\":\"7\"},\"uid\":0,"
	      "\"cache\":[]}]\n");
	fl.src = A("203.0.113.9");
	fl.iif = 5;
	fl.mark = 3;
	r.iif = 5;
	check("ip route get 10.43.0.1 from 203.0.113.9 iif v2 mark 3", &fl, &r, TXT,
	      "10.43.0.1 from 203.0.113.9 via 192.0.2.254 dev v0 mark 3 realm 7 \n"
	      "    cache iif v2 \n");
}

static void test_get_v4_input(void)
{
	struct fm_flow fl = flow("198.51.100.7");
	struct fm_result r = result(AF_INET);

	fl.src = A("203.0.113.9");
	fl.iif = 5;
	r.iif = 5;
	r.gw = A("192.0.2.254");
	r.oif = 3;
	check("ip route get 198.51.100.7 from 203.0.113.9 iif v2", &fl, &r, TXT,
	      "198.51.100.7 from 203.0.113.9 via 192.0.2.254 dev v0 \n    cache iif v2 \n");
	check("ip route get 198.51.100.7 from 203.0.113.9 iif v2", &fl, &r, JSON,
	      "[{\"dst\":\"198.51.100.7\",\"from\":\"203.0.113.9\",\"gateway\":\"192.0.2.254\","
	      "\"dev\":\"v0\",\"flags\":[],\"cache\":[],\"iif\":\"v2\"}]\n");
	check("ip route get 198.51.100.7 from 203.0.113.9 iif v2", &fl, &r, DETAILS,
	      "unicast 198.51.100.7 from 203.0.113.9 via 192.0.2.254 dev v0 table main \n"
	      "    cache iif v2 \n");

	/* Forwarded out of the input device: the kernel would send a redirect. */
	fl.src = A("192.0.2.9");
	fl.iif = 3;
	r.iif = 3;
	r.flags = RTCF_DOREDIRECT;
	check(
	    "ip route get 198.51.100.7 from 192.0.2.9 iif v0", &fl, &r, TXT,
	    "198.51.100.7 from 192.0.2.9 via 192.0.2.254 dev v0 \n    cache <redirect> iif v0 \n");
	check("ip route get 198.51.100.7 from 192.0.2.9 iif v0", &fl, &r, JSON,
	      "[{\"dst\":\"198.51.100.7\",\"from\":\"192.0.2.9\",\"gateway\":\"192.0.2.254\","
	      "\"dev\":\"v0\",\"flags\":[],\"cache\":[\"redirect\"],\"iif\":\"v0\"}]\n");
	r.flags |= RTCF_NOTIFY;
	check("ip route get 10.40.0.1 ... notify (redirect)", &fl, &r, TXT,
	      "198.51.100.7 from 192.0.2.9 via 192.0.2.254 dev v0 notify \n"
	      "    cache <redirect,notify> iif v0 \n");

	/* Local delivery on input: dev lo, no src, no uid. */
	fl = flow("192.0.2.1");
	fl.src = A("203.0.113.9");
	fl.iif = 5;
	r = result(AF_INET);
	r.iif = 5;
	r.type = RTN_LOCAL;
	r.table = RT_TABLE_LOCAL;
	r.oif = 1;
	r.prefsrc = A("192.0.2.1"); /* not printed on input */
	r.flags = RTCF_LOCAL;
	check("ip route get 192.0.2.1 from 203.0.113.9 iif v2", &fl, &r, TXT,
	      "local 192.0.2.1 from 203.0.113.9 dev lo table local \n    cache <local> iif v2 \n");
	check("ip route get 192.0.2.1 from 203.0.113.9 iif v2", &fl, &r, JSON,
	      "[{\"type\":\"local\",\"dst\":\"192.0.2.1\",\"from\":\"203.0.113.9\",\"dev\":\"lo\","
	      "\"table\":\"local\",\"flags\":[],\"cache\":[\"local\"],\"iif\":\"v2\"}]\n");
	check("ip route get 192.0.2.1 from 203.0.113.9 iif v2", &fl, &r, JSON | PRETTY,
	      "[ {\n"
	      "        \"type\": \"local\",\n"
	      "        \"dst\": \"192.0.2.1\",\n"
	      "        \"from\": \"203.0.113.9\",\n"
	      "        \"dev\": \"lo\",\n"
	      "        \"table\": \"local\",\n"
	      "        \"flags\": [ ],\n"
	      "        \"cache\": [ \"local\" ],\n"
	      "        \"iif\": \"v2\"\n"
	      "    } ]\n");

	fl.dst = A("203.0.113.255");
	r.type = RTN_BROADCAST;
	r.flags = RTCF_LOCAL | RTCF_BROADCAST;
	check("ip route get 203.0.113.255 from 203.0.113.9 iif v2", &fl, &r, TXT,
	      "broadcast 203.0.113.255 from 203.0.113.9 dev lo table local \n"
	      "    cache <local,brd> iif v2 \n");
	fl.dst = A("224.0.0.1");
	r.type = RTN_MULTICAST;
	r.has_table = false;
	r.flags = RTCF_LOCAL | RTCF_MULTICAST;
	check("ip route get 224.0.0.1 from 203.0.113.9 iif v2", &fl, &r, TXT,
	      "multicast 224.0.0.1 from 203.0.113.9 dev lo rt_offload_failed \n"
	      "    cache <local,mc> iif v2 \n");
}

static void test_get_v6(void)
{
	struct fm_flow fl = flow("2001:db8:100::5");
	struct fm_result r = result(AF_INET6);

	r.gw = A("2001:db8::fe");
	r.oif = 3;
	r.prefsrc = A("2001:db8::1");
	check("ip -6 route get 2001:db8:100::5", &fl, &r, TXT,
	      "2001:db8:100::5 from :: via 2001:db8::fe dev v0 src 2001:db8::1 metric 1024 pref "
	      "medium\n");
	check("ip -6 route get 2001:db8:100::5", &fl, &r, JSON,
	      "[{\"dst\":\"2001:db8:100::5\",\"from\":\"::\",\"gateway\":\"2001:db8::fe\","
	      "\"dev\":\"v0\",\"prefsrc\":\"2001:db8::1\",\"metric\":1024,\"flags\":[],"
	      "\"pref\":\"medium\"}]\n");
	check("ip -6 route get 2001:db8:100::5", &fl, &r, DETAILS,
	      "unicast 2001:db8:100::5 from :: via 2001:db8::fe dev v0 table main proto boot scope "
	      "global src 2001:db8::1 metric 1024 pref medium\n");
	check(
	    "ip -6 route get 2001:db8:100::5", &fl, &r, DETAILS | JSON,
	    "[{\"type\":\"unicast\",\"dst\":\"2001:db8:100::5\",\"from\":\"::\","
	    "\"gateway\":\"2001:db8::fe\",\"dev\":\"v0\",\"table\":\"main\",\"protocol\":\"boot\","
	    "\"scope\":\"global\",\"prefsrc\":\"2001:db8::1\",\"metric\":1024,\"flags\":[],"
	    "\"pref\":\"medium\"}]\n");
	check("ip -6 route get 2001:db8:100::5", &fl, &r, JSON | PRETTY,
	      "[ {\n"
	      "        \"dst\": \"2001:db8:100::5\",\n"
	      "        \"from\": \"::\",\n"
	      "        \"gateway\": \"2001:db8::fe\",\n"
	      "        \"dev\": \"v0\",\n"
	      "        \"prefsrc\": \"2001:db8::1\",\n"
	      "        \"metric\": 1024,\n"
	      "        \"flags\": [ ],\n"
	      "        \"pref\": \"medium\"\n"
	      "    } ]\n");

	/* IPv6 prints no mark and no uid; a given source still shows the src. */
	fl.mark = 5;
	fl.uid = 7;
	fl.flags = FM_FLOW_UID;
	fl.src = A("2001:db8::1");
	check(
	    "ip -6 route get 2001:db8:100::5 from 2001:db8::1 mark 5 uid 7", &fl, &r, TXT,
	    "2001:db8:100::5 from 2001:db8::1 via 2001:db8::fe dev v0 src 2001:db8::1 metric 1024 "
	    "pref medium\n");

	/* Input path: the engine reports no src (only a route's own), "iif" before "pref". */
	fl.src = A("2001:db8:2::9");
	fl.iif = 5;
	r.iif = 5;
	memset(&r.prefsrc, 0, sizeof(r.prefsrc));
	check("ip -6 route get 2001:db8:100::5 from 2001:db8:2::9 iif v2 mark 5", &fl, &r, TXT,
	      "2001:db8:100::5 from 2001:db8:2::9 via 2001:db8::fe dev v0 metric 1024 iif v2 pref "
	      "medium\n");
	check("ip -6 route get 2001:db8:100::5 from 2001:db8:2::9 iif v2", &fl, &r, JSON,
	      "[{\"dst\":\"2001:db8:100::5\",\"from\":\"2001:db8:2::9\","
	      "\"gateway\":\"2001:db8::fe\",\"dev\":\"v0\",\"metric\":1024,\"flags\":[],"
	      "\"iif\":\"v2\",\"pref\":\"medium\"}]\n");
	memset(&fl.src, 0, sizeof(fl.src));
	check("ip -6 route get 2001:db8:100::5 iif v2", &fl, &r, TXT,
	      "2001:db8:100::5 from :: via 2001:db8::fe dev v0 metric 1024 iif v2 pref medium\n");

	/* Another table, protocol and preference. */
	fl = flow("2001:db8:400::1");
	fl.mark = 9;
	r = result(AF_INET6);
	r.gw = A("2001:db8::fe");
	r.oif = 3;
	r.prefsrc = A("2001:db8::1");
	r.table = 100;
	r.protocol = RTPROT_STATIC;
	r.priority = 5;
	r.pref = 1; /* high */
	check("ip -6 route get 2001:db8:400::1 mark 9", &fl, &r, TXT,
	      "2001:db8:400::1 from :: via 2001:db8::fe dev v0 table 100 proto static src "
	      "2001:db8::1 metric 5 pref high\n");
	check(
	    "ip -6 route get 2001:db8:400::1 mark 9", &fl, &r, JSON,
	    "[{\"dst\":\"2001:db8:400::1\",\"from\":\"::\",\"gateway\":\"2001:db8::fe\","
	    "\"dev\":\"v0\",\"table\":\"100\",\"protocol\":\"static\",\"prefsrc\":\"2001:db8::1\","
	    "\"metric\":5,\"flags\":[],\"pref\":\"high\"}]\n");

	/* Connected route: proto kernel, metric 256. */
	fl = flow("2001:db8::5");
	r = result(AF_INET6);
	r.oif = 3;
	r.prefsrc = A("2001:db8::1");
	r.protocol = RTPROT_KERNEL;
	r.priority = 256;
	check("ip -6 route get 2001:db8::5", &fl, &r, TXT,
	      "2001:db8::5 from :: dev v0 proto kernel src 2001:db8::1 metric 256 pref medium\n");

	/* Local, anycast and multicast: IPv6 carries no flags and no cache line. */
	fl = flow("2001:db8::1");
	r.type = RTN_LOCAL;
	r.table = RT_TABLE_LOCAL;
	r.oif = 1;
	r.priority = 0;
	r.flags = RTCF_LOCAL;
	check("ip -6 route get 2001:db8::1", &fl, &r, TXT,
	      "local 2001:db8::1 from :: dev lo table local proto kernel src 2001:db8::1 metric 0 "
	      "pref medium\n");
	check("ip -6 route get 2001:db8::1", &fl, &r, DETAILS,
	      "local 2001:db8::1 from :: dev lo table local proto kernel scope global src "
	      "2001:db8::1 metric 0 pref medium\n");
	fl.src = A("2001:db8:2::9");
	fl.iif = 5;
	r.iif = 5;
	memset(&r.prefsrc, 0, sizeof(r.prefsrc));
	check(
	    "ip -6 route get 2001:db8::1 from 2001:db8:2::9 iif v2", &fl, &r, TXT,
	    "local 2001:db8::1 from 2001:db8:2::9 dev lo table local proto kernel metric 0 iif v2 "
	    "pref medium\n");
	fl = flow("2001:db8::");
	r.type = RTN_ANYCAST;
	r.iif = 0;
	r.prefsrc = A("2001:db8::1");
	check("ip -6 route get 2001:db8::", &fl, &r, TXT,
	      "anycast 2001:db8:: from :: dev lo table local proto kernel src 2001:db8::1 metric 0 "
	      "pref medium\n");
	fl = flow("ff02::1");
	r.type = RTN_MULTICAST;
	r.oif = 2;
	r.priority = 256;
	r.prefsrc = A("fe80::bcd3:62ff:fef3:504d");
	r.flags = RTCF_MULTICAST;
	check("ip -6 route get ff02::1", &fl, &r, JSON,
	      "[{\"type\":\"multicast\",\"dst\":\"ff02::1\",\"from\":\"::\",\"dev\":\"v1\","
	      "\"table\":\"local\",\"protocol\":\"kernel\","
	      "\"prefsrc\":\"fe80::bcd3:62ff:fef3:504d\",\"metric\":256,\"flags\":[],"
	      "\"pref\":\"medium\"}]\n");
}

static void fib(struct fm_flow *fl, const char *dst)
{
	*fl = flow(dst);
	fl->flags = FM_FLOW_FIBMATCH;
}

static void test_get_fibmatch(void)
{
	struct fm_flow fl;
	struct fm_result r = result(AF_INET);

	fib(&fl, "198.51.100.7");
	r.dst = A("198.51.100.0");
	r.dst_len = 24;
	r.nhops = 1;
	r.chosen = 0;
	r.hops[0] = (struct fm_hop){.gw = A("192.0.2.254"), .ifindex = 3, .weight = 1};
	check("ip route get 198.51.100.7 fibmatch", &fl, &r, TXT,
	      "198.51.100.0/24 via 192.0.2.254 dev v0 \n");
	check("ip route get 198.51.100.7 fibmatch", &fl, &r, JSON,
	      "[{\"dst\":\"198.51.100.0/24\",\"gateway\":\"192.0.2.254\",\"dev\":\"v0\","
	      "\"flags\":[]}]\n");
	check(
	    "ip route get 198.51.100.7 fibmatch", &fl, &r, DETAILS,
	    "unicast 198.51.100.0/24 via 192.0.2.254 dev v0 table main proto boot scope global \n");
	/* The same from a result that names the chosen gateway only. */
	r.nhops = 0;
	r.gw = A("192.0.2.254");
	r.oif = 3;
	check("fibmatch from gw/oif", &fl, &r, TXT, "198.51.100.0/24 via 192.0.2.254 dev v0 \n");

	/* A multicast query matching the default route: the answer's type, the entry's prefix. */
	fib(&fl, "224.0.0.1");
	r.type = RTN_MULTICAST;
	r.dst = A("0.0.0.0");
	r.dst_len = 0;
	check("ip route get 224.0.0.1 fibmatch", &fl, &r, JSON,
	      "[{\"type\":\"multicast\",\"dst\":\"default\",\"gateway\":\"192.0.2.254\","
	      "\"dev\":\"v0\",\"flags\":[]}]\n");
	check("ip route get 224.0.0.1 fibmatch", &fl, &r, DETAILS,
	      "multicast default via 192.0.2.254 dev v0 table main proto boot scope global \n");

	/* Multipath, one member without carrier. */
	fib(&fl, "10.12.1.1");
	r = result(AF_INET);
	r.dst = A("10.12.0.0");
	r.dst_len = 16;
	r.nhops = 2;
	r.chosen = 0;
	r.hops[0] = (struct fm_hop){.gw = A("192.0.2.254"), .ifindex = 3, .weight = 1};
	r.hops[1] = (struct fm_hop){
	    .gw = A("203.0.113.254"), .ifindex = 5, .weight = 1, .flags = RTNH_F_LINKDOWN};
	check("ip route get 10.12.1.1 fibmatch", &fl, &r, TXT,
	      "10.12.0.0/16 \n"
	      "\tnexthop via 192.0.2.254 dev v0 weight 1 \n"
	      "\tnexthop via 203.0.113.254 dev v2 weight 1 linkdown \n");
	check("ip route get 10.12.1.1 fibmatch", &fl, &r, JSON,
	      "[{\"dst\":\"10.12.0.0/16\",\"flags\":[],\"nexthops\":[{\"gateway\":\"192.0.2.254\","
	      "\"dev\":\"v0\",\"weight\":1,\"flags\":[]},{\"gateway\":\"203.0.113.254\","
	      "\"dev\":\"v2\",\"weight\":1,\"flags\":[\"linkdown\"]}]}]\n");
	check("ip route get 10.12.1.1 fibmatch", &fl, &r, JSON | PRETTY,
	      "[ {\n"
	      "        \"dst\": \"10.12.0.0/16\",\n"
	      "        \"flags\": [ ],\n"
	      "        \"nexthops\": [ {\n"
	      "                \"gateway\": \"192.0.2.254\",\n"
	      "                \"dev\": \"v0\",\n"
	      "                \"weight\": 1,\n"
	      "                \"flags\": [ ]\n"
	      "            },{\n"
	      "                \"gateway\": \"203.0.113.254\",\n"
	      "                \"dev\": \"v2\",\n"
	      "                \"weight\": 1,\n"
	      "                \"flags\": [ \"linkdown\" ]\n"
	      "            } ]\n"
	      "    } ]\n");
	r.hops[1].flags = 0;
	check("ip route get 10.12.1.1 fibmatch (carrier up)", &fl, &r, DETAILS,
	      "unicast 10.12.0.0/16 table main proto boot scope global \n"
	      "\tnexthop via 192.0.2.254 dev v0 weight 1 \n"
	      "\tnexthop via 203.0.113.254 dev v2 weight 1 \n");

	/* Nexthop objects: a single one inline, a group as nexthop lines; -d adds nh_info. */
	fib(&fl, "10.10.1.1");
	r.dst = A("10.10.0.0");
	r.nhid = 1;
	r.nhops = 1;
	check("ip route get 10.10.1.1 fibmatch", &fl, &r, TXT,
	      "10.10.0.0/16 nhid 1 via 192.0.2.254 dev v0 \n");
	check("ip route get 10.10.1.1 fibmatch", &fl, &r, JSON,
	      "[{\"dst\":\"10.10.0.0/16\",\"nhid\":1,\"gateway\":\"192.0.2.254\",\"dev\":\"v0\","
	      "\"flags\":[]}]\n");
	check("ip route get 10.10.1.1 fibmatch", &fl, &r, DETAILS,
	      "unicast 10.10.0.0/16 nhid 1 via 192.0.2.254 dev v0 table main proto boot scope "
	      "global \n\tnh_info id 1 via 192.0.2.254 dev v0 scope link proto unspec \n");
	check("ip route get 10.10.1.1 fibmatch", &fl, &r, DETAILS | JSON,
	      "[{\"type\":\"unicast\",\"dst\":\"10.10.0.0/16\",\"nhid\":1,"
	      "\"gateway\":\"192.0.2.254\",\"dev\":\"v0\",\"table\":\"main\",\"protocol\":\"boot\","
	      "\"scope\":\"global\",\"flags\":[],\"nh_info\":{\"id\":1,\"gateway\":\"192.0.2.254\","
	      "\"dev\":\"v0\",\"scope\":\"link\",\"protocol\":\"unspec\",\"flags\":[]}}]\n");
	fib(&fl, "10.11.1.1");
	r.dst = A("10.11.0.0");
	r.nhid = 10;
	r.nhops = 2;
	check("ip route get 10.11.1.1 fibmatch", &fl, &r, TXT,
	      "10.11.0.0/16 nhid 10 \n"
	      "\tnexthop via 192.0.2.254 dev v0 weight 1 \n"
	      "\tnexthop via 203.0.113.254 dev v2 weight 1 \n");
	check("ip route get 10.11.1.1 fibmatch", &fl, &r, DETAILS,
	      "unicast 10.11.0.0/16 nhid 10 table main proto boot scope global \n"
	      "\tnh_info id 10 group 1/2 scope global proto unspec \n"
	      "\tnexthop via 192.0.2.254 dev v0 weight 1 \n"
	      "\tnexthop via 203.0.113.254 dev v2 weight 1 \n");

	/* Kernel routes: local (the address's device, not lo) and connected. */
	fib(&fl, "192.0.2.1");
	r = result(AF_INET);
	r.type = RTN_LOCAL;
	r.table = RT_TABLE_LOCAL;
	r.protocol = RTPROT_KERNEL;
	r.scope = RT_SCOPE_HOST;
	r.dst = A("192.0.2.1");
	r.dst_len = 32;
	r.prefsrc = A("192.0.2.1");
	r.nhops = 1;
	r.hops[0] = (struct fm_hop){.ifindex = 3, .weight = 1};
	check("ip route get 192.0.2.1 fibmatch", &fl, &r, TXT,
	      "local 192.0.2.1 dev v0 table local proto kernel scope host src 192.0.2.1 \n");
	check("ip route get 192.0.2.1 fibmatch", &fl, &r, JSON,
	      "[{\"type\":\"local\",\"dst\":\"192.0.2.1\",\"dev\":\"v0\",\"table\":\"local\","
	      "\"protocol\":\"kernel\",\"scope\":\"host\",\"prefsrc\":\"192.0.2.1\",\"flags\":[]}]"
	      "\n");
	fib(&fl, "192.0.2.5");
	r.type = RTN_UNICAST;
	r.table = RT_TABLE_MAIN;
	r.scope = RT_SCOPE_LINK;
	r.dst = A("192.0.2.0");
	r.dst_len = 24;
	check("ip route get 192.0.2.5 fibmatch", &fl, &r, TXT,
	      "192.0.2.0/24 dev v0 proto kernel scope link src 192.0.2.1 \n");
	check("ip route get 192.0.2.5 fibmatch", &fl, &r, DETAILS,
	      "unicast 192.0.2.0/24 dev v0 table main proto kernel scope link src 192.0.2.1 \n");

	/* onlink, another table, metric and realm. */
	fib(&fl, "10.41.0.1");
	r = result(AF_INET);
	r.dst = A("10.41.0.0");
	r.dst_len = 16;
	r.nhops = 1;
	r.hops[0] = (struct fm_hop){
	    .gw = A("10.99.0.1"), .ifindex = 3, .weight = 1, .flags = RTNH_F_ONLINK};
	check("ip route get 10.41.0.1 fibmatch", &fl, &r, JSON,
	      "[{\"dst\":\"10.41.0.0/16\",\"gateway\":\"10.99.0.1\",\"dev\":\"v0\","
	      "\"flags\":[\"onlink\"]}]\n");
	fib(&fl, "10.13.0.1");
	r.dst = A("10.13.0.0");
	r.table = 100;
	r.hops[0] = (struct fm_hop){.gw = A("192.0.2.254"), .ifindex = 3, .weight = 1};
	check("ip route get 10.13.0.1 fibmatch mark 7", &fl, &r, TXT,
	      "10.13.0.0/16 via 192.0.2.254 dev v0 table 100 \n");
	fib(&fl, "10.20.0.1");
	r.dst = A("10.20.0.0");
	r.table = RT_TABLE_MAIN;
	r.hops[0].gw = A("2001:db8::fe");
	check("ip route get 10.20.0.1 fibmatch", &fl, &r, TXT,
	      "10.20.0.0/16 via inet6 2001:db8::fe dev v0 \n");

	/* IPv6 entries: metric and pref, multipath, local on the address's device. */
	fib(&fl, "2001:db8:100::7");
	r = result(AF_INET6);
	r.dst = A("2001:db8:100::");
	r.dst_len = 48;
	r.nhops = 1;
	r.hops[0] = (struct fm_hop){.gw = A("2001:db8::fe"), .ifindex = 3, .weight = 1};
	check("ip -6 route get 2001:db8:100::7 fibmatch", &fl, &r, TXT,
	      "2001:db8:100::/48 via 2001:db8::fe dev v0 metric 1024 pref medium\n");
	check("ip -6 route get 2001:db8:100::7 fibmatch", &fl, &r, JSON,
	      "[{\"dst\":\"2001:db8:100::/48\",\"gateway\":\"2001:db8::fe\",\"dev\":\"v0\","
	      "\"metric\":1024,\"flags\":[],\"pref\":\"medium\"}]\n");
	check(
	    "ip -6 route get 2001:db8:100::7 fibmatch", &fl, &r, DETAILS,
	    "unicast 2001:db8:100::/48 via 2001:db8::fe dev v0 table main proto boot scope global "
	    "metric 1024 pref medium\n");
	fib(&fl, "2001:db8:41::1");
	r.dst = A("2001:db8:41::");
	r.hops[0] = (struct fm_hop){
	    .gw = A("2001:db8:9::1"), .ifindex = 3, .weight = 1, .flags = RTNH_F_ONLINK};
	check("ip -6 route get 2001:db8:41::1 fibmatch", &fl, &r, TXT,
	      "2001:db8:41::/48 via 2001:db8:9::1 dev v0 metric 1024 onlink pref medium\n");
	fib(&fl, "2001:db8:200::1");
	r.dst = A("2001:db8:200::");
	r.nhops = 2;
	r.hops[0] = (struct fm_hop){.gw = A("2001:db8::fe"), .ifindex = 3, .weight = 1};
	r.hops[1] = (struct fm_hop){
	    .gw = A("2001:db8:2::fe"), .ifindex = 5, .weight = 1, .flags = RTNH_F_LINKDOWN};
	check("ip -6 route get 2001:db8:200::1 fibmatch", &fl, &r, TXT,
	      "2001:db8:200::/48 metric 1024 pref medium\n"
	      "\tnexthop via 2001:db8::fe dev v0 weight 1 \n"
	      "\tnexthop via 2001:db8:2::fe dev v2 weight 1 linkdown \n");
	fib(&fl, "2001:db8::1");
	r = result(AF_INET6);
	r.type = RTN_LOCAL;
	r.table = RT_TABLE_LOCAL;
	r.protocol = RTPROT_KERNEL;
	r.priority = 0;
	r.dst = A("2001:db8::1");
	r.dst_len = 128;
	r.nhops = 1;
	r.hops[0] = (struct fm_hop){.ifindex = 3, .weight = 1};
	check("ip -6 route get 2001:db8::1 fibmatch", &fl, &r, TXT,
	      "local 2001:db8::1 dev v0 table local proto kernel metric 0 pref medium\n");
	check("ip -6 route get 2001:db8::1 fibmatch", &fl, &r, JSON,
	      "[{\"type\":\"local\",\"dst\":\"2001:db8::1\",\"dev\":\"v0\",\"table\":\"local\","
	      "\"protocol\":\"kernel\",\"metric\":0,\"flags\":[],\"pref\":\"medium\"}]\n");
	check("ip -6 route get 2001:db8::1 fibmatch", &fl, &r, DETAILS,
	      "local 2001:db8::1 dev v0 table local proto kernel scope global metric 0 pref "
	      "medium\n");
	fib(&fl, "ff02::1");
	r.type = RTN_MULTICAST;
	r.dst = A("ff00::");
	r.dst_len = 8;
	r.priority = 256;
	r.hops[0].ifindex = 2;
	check("ip -6 route get ff02::1 fibmatch", &fl, &r, TXT,
	      "multicast ff00::/8 dev v1 table local proto kernel metric 256 pref medium\n");
	fib(&fl, "2001:db8:300::1");
	r = result(AF_INET6);
	r.dst = A("2001:db8:300::");
	r.dst_len = 48;
	r.nhid = 61;
	r.nhops = 1;
	r.hops[0] = (struct fm_hop){.gw = A("2001:db8::fe"), .ifindex = 3, .weight = 1};
	check("ip -6 route get 2001:db8:300::1 fibmatch", &fl, &r, DETAILS,
	      "unicast 2001:db8:300::/48 nhid 61 via 2001:db8::fe dev v0 table main proto boot "
	      "scope global metric 1024 pref medium\n"
	      "\tnh_info id 61 via 2001:db8::fe dev v0 scope link proto unspec \n");
}

/*
 * fm_route_get_bulk() through the public API: every flow answers as
 * fm_route_get() does (plain ones, one the general path takes, an error),
 * a malformed flow in the burst gets -EINVAL without disturbing the others,
 * and bad arguments are refused.
 */
static void test_bulk(void)
{
	static const char *const dst[] = {"198.51.100.7", "203.0.113.9", "10.99.1.1",
					  "192.0.2.77",	  "8.8.8.8",	 "198.51.100.9"};
	enum { N = sizeof(dst) / sizeof(dst[0]) };
	struct fm_flow fl[N];
	static struct fm_result bulk[N], one;
	int rc[N], i, same = 0;

	for (i = 0; i < N; i++) {
		fl[i] =
		    (struct fm_flow){.family = AF_INET, .ip_proto = IPPROTO_UDP, .dst = A(dst[i])};
	}
	fl[1].oif = 4;		     /* v3: the general path */
	fl[3].dst.family = AF_INET6; /* malformed: family mismatch */
	ok(fm_route_get_bulk(mirror, fl, bulk, rc, N) == 0, "fm_route_get_bulk: a burst of %d", N);
	for (i = 0; i < N; i++) {
		int r1 = fm_route_get(mirror, &fl[i], &one);

		same += rc[i] == r1 &&
			(r1 || !memcmp(&bulk[i], &one, offsetof(struct fm_result, hops)));
	}
	ok(same == N, "... each flow answers as fm_route_get does (%d of %d)", same, N);
	ok(rc[3] == -EINVAL && rc[0] == 0 && rc[4] == -ENETUNREACH,
	   "... the malformed flow alone gets -EINVAL (%d), the others their answers (%d, %d)",
	   rc[3], rc[0], rc[4]);
	ok(fm_route_get_bulk(NULL, fl, bulk, rc, N) == -EINVAL &&
	       fm_route_get_bulk(mirror, NULL, bulk, rc, N) == -EINVAL &&
	       fm_route_get_bulk(mirror, NULL, NULL, NULL, 0) == 0,
	   "... bad arguments: -EINVAL; an empty burst: 0");
}

int main(void)
{
	nh_obj[0] = (struct fm_nexthop){.id = 1,
					.family = AF_INET,
					.scope = RT_SCOPE_LINK,
					.ifindex = 3,
					.gw = A("192.0.2.254")};
	nh_obj[1] =
	    (struct fm_nexthop){.id = 10, .family = AF_INET, .nmembers = 2, .members = grp10};
	nh_obj[2] = (struct fm_nexthop){.id = 61,
					.family = AF_INET6,
					.scope = RT_SCOPE_LINK,
					.ifindex = 3,
					.gw = A("2001:db8::fe")};
	if (!ok(mirror_load() == 0, "offline mirror with devices lo v1 v0 v3 v2"))
		return tap_done();
	run_parse_cases(parse_ok, sizeof(parse_ok) / sizeof(parse_ok[0]));
	run_parse_cases(parse_err, sizeof(parse_err) / sizeof(parse_err[0]));
	test_cmd_get();
	test_get_v4_output();
	test_get_v4_special();
	test_get_v4_selectors();
	test_get_v4_input();
	test_get_v6();
	test_get_fibmatch();
	test_bulk();
	fm_mirror_free(mirror);
	return tap_done();
}
