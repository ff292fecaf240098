// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * print.c - print routing objects exactly as iproute2 6.1 does.
 *
 * One code path serves text and JSON: every field goes through a put_*()
 * helper that takes the JSON key and the text format side by side (either may
 * be NULL), so the order and the conditions of a field are written once. The
 * value-to-name mappings (protocols, scopes, route types, flags, metrics) are
 * tables shared by both outputs.
 *
 * Text spacing follows iproute2 to the byte, which is irregular: route,
 * nexthop and address fields end with a space ("dev v0 "), except "pref" and
 * "fdb"; rule fields start with one (" lookup 100"). Keep that in mind before
 * "fixing" a format string. The observed outputs, and the rules deduced from
 * them, are in tests/unit/test_print.c.
 *
 * Nothing here allocates; everything is formatted into stack buffers.
 */
#include "print.h"

#include <arpa/inet.h>
#include <linux/fib_rules.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_arp.h>
#include <linux/in_route.h>
#include <linux/netconf.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <string.h>
#include <sys/socket.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define PREF_NONE 0xff /* struct fm_route.pref when RTA_PREF is absent */

#define NAMELEN 64 /* any name or formatted number below */
#define ADDRLEN INET6_ADDRSTRLEN

/* ------------------------------------------------------------- name tables */

struct pr_name {
	uint32_t id;
	const char *name;
};

/* /etc/iproute2/rt_protos as shipped with iproute2 6.1. */
static const struct pr_name rt_protos[] = {
    {0, "unspec"},    {1, "redirect"}, {2, "kernel"}, {3, "boot"},   {4, "static"},
    {8, "gated"},     {9, "ra"},       {10, "mrt"},   {11, "zebra"}, {12, "bird"},
    {13, "dnrouted"}, {14, "xorp"},    {15, "ntk"},   {16, "dhcp"},  {18, "keepalived"},
    {42, "babel"},    {99, "openr"},   {186, "bgp"},  {187, "isis"}, {188, "ospf"},
    {189, "rip"},     {192, "eigrp"},
};

/* /etc/iproute2/rt_scopes. */
static const struct pr_name rt_scopes[] = {
    {0, "global"}, {200, "site"}, {253, "link"}, {254, "host"}, {255, "nowhere"},
};

/* /etc/iproute2/rt_tables (plus "unspec" for 0). */
static const struct pr_name rt_tables[] = {
    {0, "unspec"},
    {253, "default"},
    {254, "main"},
    {255, "local"},
};

/* /etc/iproute2/rt_dsfield: DSCP names for the whole TOS byte. */
static const struct pr_name rt_dsfield[] = {
    {0x00, "default"}, {0x20, "CS1"},  {0x28, "AF11"}, {0x30, "AF12"}, {0x38, "AF13"},
    {0x40, "CS2"},     {0x48, "AF21"}, {0x50, "AF22"}, {0x58, "AF23"}, {0x60, "CS3"},
    {0x68, "AF31"},    {0x70, "AF32"}, {0x78, "AF33"}, {0x80, "CS4"},  {0x88, "AF41"},
    {0x90, "AF42"},    {0x98, "AF43"}, {0xa0, "CS5"},  {0xb8, "EF"},   {0xc0, "CS6"},
    {0xe0, "CS7"},
};

/* RTA_PREF: ICMPV6_ROUTER_PREF_* (<linux/icmpv6.h> clashes with glibc headers). */
static const struct pr_name rt_prefs[] = {{0, "medium"}, {1, "high"}, {3, "low"}};

/* /etc/iproute2/rt_realms and /etc/iproute2/group. */
static const struct pr_name rt_realms[] = {{0, "cosmos"}};
static const struct pr_name groups[] = {{0, "default"}};

/* RTN_* route types; rule actions FR_ACT_BLACKHOLE.. reuse these numbers. */
static const struct pr_name rt_types[] = {
    {RTN_UNSPEC, "none"},
    {RTN_UNICAST, "unicast"},
    {RTN_LOCAL, "local"},
    {RTN_BROADCAST, "broadcast"},
    {RTN_ANYCAST, "anycast"},
    {RTN_MULTICAST, "multicast"},
    {RTN_BLACKHOLE, "blackhole"},
    {RTN_UNREACHABLE, "unreachable"},
    {RTN_PROHIBIT, "prohibit"},
    {RTN_THROW, "throw"},
    {RTN_NAT, "nat"},
    {RTN_XRESOLVE, "xresolve"},
};

/* The IP protocols of Debian's /etc/protocols that rules are likely to name. */
static const struct pr_name ip_protos[] = {
    {0, "ip"},	       {1, "icmp"},	 {2, "igmp"},	      {4, "ipencap"},	 {6, "tcp"},
    {17, "udp"},       {41, "ipv6"},	 {47, "gre"},	      {50, "esp"},	 {51, "ah"},
    {58, "ipv6-icmp"}, {89, "ospf"},	 {103, "pim"},	      {112, "vrrp"},	 {115, "l2tp"},
    {132, "sctp"},     {136, "udplite"}, {137, "mpls-in-ip"}, {143, "ethernet"},
};

static const struct pr_name operstates[] = {
    {0, "UNKNOWN"}, {1, "NOTPRESENT"}, {2, "DOWN"}, {3, "LOWERLAYERDOWN"},
    {4, "TESTING"}, {5, "DORMANT"},    {6, "UP"},
};

/* ARPHRD_* names as in iproute2's ll_types (the common subset). */
static const struct pr_name ll_types[] = {
    {ARPHRD_NETROM, "netrom"},
    {ARPHRD_ETHER, "ether"},
    {ARPHRD_INFINIBAND, "infiniband"},
    {ARPHRD_SLIP, "slip"},
    {ARPHRD_CAN, "can"},
    {ARPHRD_PPP, "ppp"},
    {ARPHRD_RAWIP, "rawip"},
    {ARPHRD_TUNNEL, "ipip"},
    {ARPHRD_TUNNEL6, "tunnel6"},
    {ARPHRD_LOOPBACK, "loopback"},
    {ARPHRD_SIT, "sit"},
    {ARPHRD_IPGRE, "gre"},
    {ARPHRD_IEEE80211, "ieee802.11"},
    {ARPHRD_IEEE80211_RADIOTAP, "ieee802.11/radiotap"},
    {ARPHRD_IEEE802154, "ieee802.15.4"},
    {ARPHRD_IP6GRE, "gre6"},
    {ARPHRD_NETLINK, "netlink"},
    {ARPHRD_6LOWPAN, "6lowpan"},
    {ARPHRD_NONE, "none"},
    {ARPHRD_VOID, "void"},
};

#define NAME(tab, id, fmt, buf) name_of(tab, ARRAY_SIZE(tab), id, fmt, buf)

/* The name of @id in @tab, else @id formatted with @fmt into @buf (NAMELEN). */
static const char *name_of(const struct pr_name *tab, size_t n, uint32_t id, const char *fmt,
			   char *buf)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tab[i].id == id)
			return tab[i].name;
	snprintf(buf, NAMELEN, fmt, id);
	return buf;
}

/* -------------------------------------------------------------- flag tables */

struct pr_flag {
	uint32_t bit;
	const char *name;
};

/* rtm_flags / rtnh_flags / nh_flags, in iproute2's print order. */
static const struct pr_flag rt_flags[] = {
    {RTNH_F_DEAD, "dead"},
    {RTNH_F_ONLINK, "onlink"},
    {RTNH_F_PERVASIVE, "pervasive"},
    {RTNH_F_OFFLOAD, "offload"},
    {RTNH_F_TRAP, "trap"},
    {RTM_F_NOTIFY, "notify"},
    {RTNH_F_LINKDOWN, "linkdown"},
    {RTNH_F_UNRESOLVED, "unresolved"},
    {RTM_F_OFFLOAD, "rt_offload"},
    {RTM_F_TRAP, "rt_trap"},
    {RTM_F_OFFLOAD_FAILED, "rt_offload_failed"},
};

/* IFF_* in iproute2's order; IFF_RUNNING is shown as NO-CARRIER when missing. */
static const struct pr_flag link_flags[] = {
    {IFF_LOOPBACK, "LOOPBACK"},	  {IFF_BROADCAST, "BROADCAST"},	  {IFF_POINTOPOINT, "POINTOPOINT"},
    {IFF_MULTICAST, "MULTICAST"}, {IFF_NOARP, "NOARP"},		  {IFF_ALLMULTI, "ALLMULTI"},
    {IFF_PROMISC, "PROMISC"},	  {IFF_MASTER, "MASTER"},	  {IFF_SLAVE, "SLAVE"},
    {IFF_DEBUG, "DEBUG"},	  {IFF_DYNAMIC, "DYNAMIC"},	  {IFF_AUTOMEDIA, "AUTOMEDIA"},
    {IFF_PORTSEL, "PORTSEL"},	  {IFF_NOTRAILERS, "NOTRAILERS"}, {IFF_UP, "UP"},
    {IFF_LOWER_UP, "LOWER_UP"},	  {IFF_DORMANT, "DORMANT"},	  {IFF_ECHO, "ECHO"},
};

/*
 * IFA_F_* in bit order. IFA_F_PERMANENT is printed inverted, as "dynamic";
 * IFA_F_SECONDARY is "temporary" for IPv6 (handled by the caller).
 */
static const struct pr_flag ifa_flags[] = {
    {IFA_F_SECONDARY, "secondary"},	  {IFA_F_NODAD, "nodad"},
    {IFA_F_OPTIMISTIC, "optimistic"},	  {IFA_F_DADFAILED, "dadfailed"},
    {IFA_F_HOMEADDRESS, "home"},	  {IFA_F_DEPRECATED, "deprecated"},
    {IFA_F_TENTATIVE, "tentative"},	  {IFA_F_PERMANENT, "dynamic"},
    {IFA_F_MANAGETEMPADDR, "mngtmpaddr"}, {IFA_F_NOPREFIXROUTE, "noprefixroute"},
    {IFA_F_MCAUTOJOIN, "autojoin"},	  {IFA_F_STABLE_PRIVACY, "stable-privacy"},
};

/* ------------------------------------------------------------ metric table */

enum mx_kind {
	MX_PLAIN,    /* a number */
	MX_RTT,	     /* kernel stores 8 x ms */
	MX_RTTVAR,   /* kernel stores 4 x ms */
	MX_TIME,     /* ms */
	MX_FEATURES, /* RTAX_FEATURE_* bits */
};

struct pr_metric {
	uint8_t idx; /* RTAX_* */
	uint8_t kind;
	const char *text; /* text name */
	const char *key;  /* JSON key */
};

/* RTAX_CC_ALGO is a string in netlink that struct fm_route cannot hold: not printed. */
static const struct pr_metric metrics[] = {
    {RTAX_MTU, MX_PLAIN, "mtu", "mtu"},
    {RTAX_WINDOW, MX_PLAIN, "window", "window"},
    {RTAX_RTT, MX_RTT, "rtt", "rtt"},
    {RTAX_RTTVAR, MX_RTTVAR, "rttvar", "rttvar"},
    {RTAX_SSTHRESH, MX_PLAIN, "ssthresh", "ssthresh"},
    {RTAX_CWND, MX_PLAIN, "cwnd", "cwnd"},
    {RTAX_ADVMSS, MX_PLAIN, "advmss", "advmss"},
    {RTAX_REORDERING, MX_PLAIN, "reordering", "reordering"},
    {RTAX_HOPLIMIT, MX_PLAIN, "hoplimit", "hoplimit"},
    {RTAX_INITCWND, MX_PLAIN, "initcwnd", "initcwnd"},
    {RTAX_FEATURES, MX_FEATURES, "features", "features"},
    {RTAX_RTO_MIN, MX_TIME, "rto_min", "rto_min"},
    {RTAX_INITRWND, MX_PLAIN, "initrwnd", "initrwnd"},
    {RTAX_QUICKACK, MX_PLAIN, "quickack", "quickack"},
    {RTAX_FASTOPEN_NO_COOKIE, MX_PLAIN, "fastopen_no_cookie", "fastopen_no_cookie"},
};

/* ------------------------------------------------ dual text/JSON emitters */

/*
 * Each put_*() writes one field: in JSON "key":value (an array element when
 * @key is NULL), in text @fmt with the value. A NULL @fmt means JSON only; use
 * put_text() for text only.
 */
static void put_str(struct pr_ctx *c, const char *key, const char *fmt, const char *v)
{
	if (!c->json) {
		if (fmt)
			fprintf(c->out, fmt, v);
	} else if (key) {
		json_kv_str(&c->js, key, v);
	} else {
		json_str(&c->js, v);
	}
}

static void put_uint(struct pr_ctx *c, const char *key, const char *fmt, unsigned long long v)
{
	if (!c->json) {
		if (fmt)
			fprintf(c->out, fmt, v);
	} else {
		json_kv_uint(&c->js, key, v);
	}
}

static void put_int(struct pr_ctx *c, const char *key, const char *fmt, long long v)
{
	if (!c->json) {
		if (fmt)
			fprintf(c->out, fmt, v);
	} else {
		json_kv_int(&c->js, key, v);
	}
}

/* A present-or-absent field: JSON "key":null, text @text. */
static void put_null(struct pr_ctx *c, const char *key, const char *text)
{
	if (c->json)
		json_kv_null(&c->js, key);
	else
		fputs(text, c->out);
}

static void put_text(struct pr_ctx *c, const char *text)
{
	if (!c->json)
		fputs(text, c->out);
}

/* Open a JSON object or array under @key (NULL: as an array element). */
static void put_obj_begin(struct pr_ctx *c, const char *key)
{
	if (!c->json)
		return;
	if (key)
		json_kv_obj_begin(&c->js, key);
	else
		json_obj_begin(&c->js);
}

static void put_obj_end(struct pr_ctx *c)
{
	if (c->json)
		json_obj_end(&c->js);
}

static void put_arr_begin(struct pr_ctx *c, const char *key)
{
	if (c->json)
		json_kv_arr_begin(&c->js, key);
}

static void put_arr_end(struct pr_ctx *c)
{
	if (c->json)
		json_arr_end(&c->js);
}

/* "flags": [...] in JSON, "name " per set bit in text (route and nexthop flags). */
static void put_flags(struct pr_ctx *c, const struct pr_flag *tab, size_t n, uint32_t flags)
{
	size_t i;

	put_arr_begin(c, "flags");
	for (i = 0; i < n; i++)
		if (flags & tab[i].bit)
			put_str(c, NULL, "%s ", tab[i].name);
	put_arr_end(c);
}

/* ----------------------------------------------------------- value helpers */

static const char *family_name(uint8_t family)
{
	return family == AF_INET6 ? "inet6" : family == AF_INET ? "inet" : "unspec";
}

static const char *ip_str(const struct fm_ip *ip, char *buf)
{
	struct fm_ip a = *ip;

	a.family = ip->family == AF_INET6 ? AF_INET6 : AF_INET;
	return fm_ip_format(&a, buf, ADDRLEN);
}

static unsigned int host_len(uint8_t family)
{
	return family == AF_INET6 ? 128 : 32;
}

/* "addr/len", or "addr" for a host prefix (iproute2 never prints /32 or /128). */
static const char *prefix_str(const struct fm_ip *ip, uint8_t family, unsigned int len, char *buf,
			      size_t size)
{
	char a[ADDRLEN];
	struct fm_ip tmp = *ip;

	if (!tmp.family)
		tmp.family = family;
	if (len == host_len(tmp.family))
		snprintf(buf, size, "%s", ip_str(&tmp, a));
	else
		snprintf(buf, size, "%s/%u", ip_str(&tmp, a), len);
	return buf;
}

static const char *dev_name(const struct pr_ctx *c, int ifindex, char *buf)
{
	const char *name = c->ifname ? c->ifname(c->arg, ifindex) : NULL;

	if (name)
		return name;
	snprintf(buf, NAMELEN, "if%d", ifindex);
	return buf;
}

/* TOS byte: a DSCP name, else "0x%02x". */
static const char *tos_name(uint8_t tos, char *buf)
{
	return NAME(rt_dsfield, tos, "0x%02x", buf);
}

/* ------------------------------------------------------------------ routes */

/* Realms (RTA_FLOW / FRA_FLOW): "realm TO" or "realms FROM/TO". */
static void put_route_flow(struct pr_ctx *c, uint32_t flow)
{
	char b1[NAMELEN], b2[NAMELEN];
	uint32_t from = flow >> 16, to = flow & 0xffff;

	put_obj_begin(c, "flow");
	if (from)
		put_str(c, "from", "realms %s/", NAME(rt_realms, from, "%u", b1));
	else
		put_text(c, "realm ");
	put_str(c, "to", "%s ", NAME(rt_realms, to, "%u", b2));
	put_obj_end(c);
}

/* A gateway of the route's family is "via X"; another family is "via inet6 X". */
static void put_gateway(struct pr_ctx *c, uint8_t family, const struct fm_ip *gw)
{
	char a[ADDRLEN];

	if (!gw->family)
		return;
	if (gw->family == family) {
		put_str(c, "gateway", "via %s ", ip_str(gw, a));
		return;
	}
	put_obj_begin(c, "via");
	put_str(c, "family", "via %s ", family_name(gw->family));
	put_str(c, "host", "%s ", ip_str(gw, a));
	put_obj_end(c);
}

static void put_dev(struct pr_ctx *c, int ifindex)
{
	char b[NAMELEN];

	if (ifindex)
		put_str(c, "dev", "dev %s ", dev_name(c, ifindex, b));
}

static void route_type(struct pr_ctx *c, const struct fm_route *r)
{
	char b[NAMELEN];

	if (r->type != RTN_UNICAST || c->details)
		put_str(c, "type", "%s ", NAME(rt_types, r->type, "%u", b));
}

static void route_prefixes(struct pr_ctx *c, const struct fm_route *r)
{
	char b[ADDRLEN + 8];

	if (r->dst_len)
		put_str(c, "dst", "%s ", prefix_str(&r->dst, r->family, r->dst_len, b, sizeof(b)));
	else
		put_str(c, "dst", "%s ", "default");
	if (r->src_len)
		put_str(c, "from", "from %s ",
			prefix_str(&r->src, r->family, r->src_len, b, sizeof(b)));
}

/* Table, protocol and scope are hidden at their usual values unless -d. */
static void route_origin(struct pr_ctx *c, const struct fm_route *r)
{
	char b[NAMELEN];

	if (r->table != RT_TABLE_MAIN || c->details)
		put_str(c, "table", "table %s ", NAME(rt_tables, r->table, "%u", b));
	if (r->protocol != RTPROT_BOOT || c->details)
		put_str(c, "protocol", "proto %s ", NAME(rt_protos, r->protocol, "%u", b));
	if (r->scope != RT_SCOPE_UNIVERSE || c->details)
		put_str(c, "scope", "scope %s ", NAME(rt_scopes, r->scope, "%u", b));
}

static void metric_time(struct pr_ctx *c, const struct pr_metric *m, uint32_t ms)
{
	if (c->json)
		put_uint(c, m->key, NULL, ms);
	else if (ms >= 1000)
		fprintf(c->out, "%gs ", ms / 1e3);
	else
		fprintf(c->out, "%ums ", ms);
}

static void metric_value(struct pr_ctx *c, const struct pr_metric *m, uint32_t v)
{
	switch (m->kind) {
	case MX_RTT:
		metric_time(c, m, v / 8);
		break;
	case MX_RTTVAR:
		metric_time(c, m, v / 4);
		break;
	case MX_TIME:
		metric_time(c, m, v);
		break;
	case MX_FEATURES:
		/* ECN is a name of its own; other bits print as hex of the whole value. */
		if (v & RTAX_FEATURE_ECN)
			put_null(c, "ecn", "ecn ");
		if (v & ~RTAX_FEATURE_ECN) {
			char b[NAMELEN];

			snprintf(b, sizeof(b), "%#x", v);
			put_str(c, m->key, "%s ", b);
		}
		break;
	default:
		put_uint(c, m->key, "%llu ", v);
	}
}

/* RTA_METRICS: text "mtu lock 1400 advmss 1300 ", JSON "metrics":[{...}] (no lock). */
static void route_metrics(struct pr_ctx *c, const struct fm_route *r)
{
	uint32_t locks = (r->metrics_mask & (1u << RTAX_LOCK)) ? r->metrics[RTAX_LOCK] : 0;
	uint32_t shown = 0;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(metrics); i++)
		shown |= r->metrics_mask & (1u << metrics[i].idx);
	if (!shown)
		return;
	put_arr_begin(c, "metrics");
	put_obj_begin(c, NULL);
	for (i = 0; i < ARRAY_SIZE(metrics); i++) {
		const struct pr_metric *m = &metrics[i];

		if (!(shown & (1u << m->idx)))
			continue;
		put_text(c, m->text);
		put_text(c, (locks & (1u << m->idx)) ? " lock " : " ");
		metric_value(c, m, r->metrics[m->idx]);
	}
	put_obj_end(c);
	put_arr_end(c);
}

static void route_pref(struct pr_ctx *c, uint8_t pref)
{
	char b[NAMELEN];

	/* The one route field without a trailing space. */
	if (pref != PREF_NONE)
		put_str(c, "pref", "pref %s", NAME(rt_prefs, pref, "%u", b));
}

static void nexthop_fields(struct pr_ctx *c, const struct fm_nexthop *nh);

/* -d: the nexthop object a route uses, as `ip -d route` prints it. */
static void route_nh_info(struct pr_ctx *c, uint32_t id)
{
	const struct fm_nexthop *nh = c->nexthop ? c->nexthop(c->arg, id) : NULL;

	if (!nh)
		return;
	put_text(c, "\n\tnh_info ");
	put_obj_begin(c, "nh_info");
	nexthop_fields(c, nh);
	put_obj_end(c);
}

static void route_multipath(struct pr_ctx *c, const struct fm_route *r)
{
	uint16_t i;

	put_arr_begin(c, "nexthops");
	for (i = 0; i < r->nhops; i++) {
		const struct fm_hop *h = &r->hops[i];

		put_text(c, "\n\tnexthop ");
		put_obj_begin(c, NULL);
		put_gateway(c, r->family, &h->gw);
		if (h->realm)
			put_route_flow(c, h->realm);
		put_dev(c, h->ifindex);
		put_uint(c, "weight", "weight %llu ", h->weight);
		put_flags(c, rt_flags, ARRAY_SIZE(rt_flags), h->flags);
		put_obj_end(c);
	}
	put_arr_end(c);
}

/*
 * Field order and conditions of iproute2's route printer. A route with one
 * hop prints it inline (that includes nhid routes in nexthop_compat_mode and
 * groups reduced to one member); more hops print as "nexthop" lines.
 */
static void route_fields(struct pr_ctx *c, const struct fm_route *r)
{
	const struct fm_hop *h1 = r->nhops == 1 ? r->hops : NULL;
	char b[NAMELEN];

	route_type(c, r);
	route_prefixes(c, r);
	if (r->nhid)
		put_uint(c, "nhid", "nhid %llu ", r->nhid);
	if (r->tos)
		put_str(c, "tos", "tos %s ", tos_name(r->tos, b));
	if (h1) {
		put_gateway(c, r->family, &h1->gw);
		put_dev(c, h1->ifindex);
	}
	route_origin(c, r);
	if (r->prefsrc.family)
		put_str(c, "prefsrc", "src %s ", ip_str(&r->prefsrc, b));
	/* IPv4 omits RTA_PRIORITY when it is 0; IPv6 always sends it. */
	if (r->priority || r->family == AF_INET6)
		put_uint(c, "metric", "metric %llu ", r->priority);
	put_flags(c, rt_flags, ARRAY_SIZE(rt_flags), r->flags | (h1 ? h1->flags : 0));
	if (h1 && h1->realm)
		put_route_flow(c, h1->realm);
	if (r->expires)
		put_int(c, "expires", "expires %lldsec ", r->expires);
	route_metrics(c, r);
	route_pref(c, r->pref);
	if (r->nhid && c->details)
		route_nh_info(c, r->nhid);
	if (r->nhops > 1)
		route_multipath(c, r);
	put_text(c, "\n");
}

/* ------------------------------------------------------------------- rules */

static void rule_prefix(struct pr_ctx *c, const char *key, const char *word, const struct fm_ip *ip,
			uint8_t family, uint8_t len)
{
	char a[ADDRLEN], k[16];
	struct fm_ip tmp = *ip;

	if (!tmp.family)
		tmp.family = family;
	put_text(c, word);
	put_str(c, key, "%s", ip_str(&tmp, a));
	if (len != host_len(tmp.family)) {
		snprintf(k, sizeof(k), "%slen", key);
		put_uint(c, k, "/%llu", len);
	}
}

/* fwmark 0 prints as "0", others as "0x..": iproute2 formats them with "%#x". */
static void rule_fwmark(struct pr_ctx *c, const struct fm_rule *r)
{
	char b[NAMELEN];

	if (!(r->attrs & (FM_RULE_FWMARK | FM_RULE_FWMASK)))
		return;
	snprintf(b, sizeof(b), "%#x", r->fwmark);
	put_str(c, "fwmark", " fwmark %s", b);
	if ((r->attrs & FM_RULE_FWMASK) && r->fwmask != 0xffffffff) {
		snprintf(b, sizeof(b), "%#x", r->fwmask);
		put_str(c, "fwmask", "/%s", b);
	}
}

static void rule_dev(struct pr_ctx *c, const char *key, const char *name, bool detached)
{
	char text[16], dkey[24];

	if (!name[0])
		return;
	snprintf(text, sizeof(text), " %s %%s", key);
	put_str(c, key, text, name);
	if (detached) {
		snprintf(dkey, sizeof(dkey), "%s_detached", key);
		put_null(c, dkey, " [detached]");
	}
}

/* A port range: "sport 53" / "sport_start".."sport_end" when it is a range. */
static void rule_ports(struct pr_ctx *c, const char *key, uint16_t lo, uint16_t hi)
{
	char k[16], text[16];

	if (lo == hi) {
		snprintf(text, sizeof(text), " %s %%llu", key);
		put_uint(c, key, text, lo);
		return;
	}
	snprintf(k, sizeof(k), "%s_start", key);
	snprintf(text, sizeof(text), " %s %%llu", key);
	put_uint(c, k, text, lo);
	snprintf(k, sizeof(k), "%s_end", key);
	put_uint(c, k, "-%llu", hi);
}

static void rule_selectors(struct pr_ctx *c, const struct fm_rule *r)
{
	char b[NAMELEN];

	if (r->tos)
		put_str(c, "tos", " tos %s", tos_name(r->tos, b));
	rule_fwmark(c, r);
	rule_dev(c, "iif", r->iifname, (r->flags & FIB_RULE_IIF_DETACHED) || r->iif_ifindex < 0);
	rule_dev(c, "oif", r->oifname, (r->flags & FIB_RULE_OIF_DETACHED) || r->oif_ifindex < 0);
	if (r->l3mdev)
		put_null(c, "l3mdev", " lookup [l3mdev-table]");
	if (r->attrs & FM_RULE_UIDRANGE) {
		put_uint(c, "uid_start", " uidrange %llu", r->uid_start);
		put_uint(c, "uid_end", "-%llu", r->uid_end);
	}
	if ((r->attrs & FM_RULE_IPPROTO) && r->ip_proto)
		put_str(c, "ipproto", " ipproto %s", NAME(ip_protos, r->ip_proto, "ipproto-%u", b));
	if (r->attrs & FM_RULE_SPORT)
		rule_ports(c, "sport", r->sport_lo, r->sport_hi);
	if (r->attrs & FM_RULE_DPORT)
		rule_ports(c, "dport", r->dport_lo, r->dport_hi);
	if (r->attrs & FM_RULE_TUN_ID)
		put_uint(c, "tun_id", " tun_id %llu", (unsigned long long)r->tun_id);
}

static void rule_flow(struct pr_ctx *c, uint32_t flow)
{
	char b1[NAMELEN], b2[NAMELEN];
	uint32_t from = flow >> 16, to = flow & 0xffff;

	if (from)
		put_str(c, "flow_from", " realms %s/", NAME(rt_realms, from, "%u", b1));
	else
		put_text(c, " realms ");
	put_str(c, "flow_to", "%s", NAME(rt_realms, to, "%u", b2));
}

/* The table looked up and the suppressors, which only mean something with it. */
static void rule_lookup(struct pr_ctx *c, const struct fm_rule *r)
{
	char b[NAMELEN];

	if (!r->table)
		return;
	put_str(c, "table", " lookup %s", NAME(rt_tables, r->table, "%u", b));
	/* The kernel reports "unset" as -1. */
	if ((r->attrs & FM_RULE_SUPPRESS_PREFIXLEN) && r->suppress_prefixlen != 0xffffffff)
		put_int(c, "suppress_prefixlen", " suppress_prefixlength %lld",
			(int32_t)r->suppress_prefixlen);
	if ((r->attrs & FM_RULE_SUPPRESS_IFGROUP) && r->suppress_ifgroup != 0xffffffff)
		put_str(c, "suppress_ifgroup", " suppress_ifgroup %s",
			NAME(groups, r->suppress_ifgroup, "%u", b));
}

static void rule_action(struct pr_ctx *c, const struct fm_rule *r)
{
	char b[NAMELEN];

	switch (r->action) {
	case FR_ACT_TO_TBL:
		break;
	case FR_ACT_GOTO:
		if (r->attrs & FM_RULE_GOTO)
			put_uint(c, "goto", " goto %llu", r->goto_target);
		else
			put_str(c, "goto", " goto %s", "none");
		if (r->flags & FIB_RULE_UNRESOLVED)
			put_null(c, "unresolved", " [unresolved]");
		break;
	case FR_ACT_NOP:
		put_null(c, "nop", " nop");
		break;
	case RTN_NAT:
		/* Deprecated; without a gateway attribute iproute2 calls it masquerade. */
		put_null(c, "masquerade", " masquerade");
		break;
	default:
		put_str(c, "action", " %s", NAME(rt_types, r->action, "%u", b));
	}
}

static void rule_fields(struct pr_ctx *c, const struct fm_rule *r)
{
	char b[NAMELEN];

	put_uint(c, "priority", "%llu:\t", r->priority);
	if (r->flags & FIB_RULE_INVERT)
		put_null(c, "not", "not ");
	if (r->src_len)
		rule_prefix(c, "src", "from ", &r->src, r->family, r->src_len);
	else
		put_str(c, "src", "from %s", "all");
	if (r->dst_len)
		rule_prefix(c, "dst", " to ", &r->dst, r->family, r->dst_len);
	rule_selectors(c, r);
	rule_lookup(c, r);
	if ((r->attrs & FM_RULE_FLOW) && r->flow)
		rule_flow(c, r->flow);
	rule_action(c, r);
	if ((r->attrs & FM_RULE_PROTOCOL) &&
	    ((r->protocol && r->protocol != RTPROT_KERNEL) || c->details))
		put_str(c, "protocol", " proto %s", NAME(rt_protos, r->protocol, "%u", b));
	put_text(c, "\n");
}

/* ---------------------------------------------------------------- nexthops */

/* "group 1/2,3": members separated by '/', a weight other than 1 after ','. */
static void nexthop_group(struct pr_ctx *c, const struct fm_nexthop *nh)
{
	uint16_t i;

	put_text(c, "group ");
	put_arr_begin(c, "group");
	for (i = 0; i < nh->nmembers; i++) {
		const struct fm_nh_member *m = &nh->members[i];

		put_obj_begin(c, NULL);
		put_uint(c, "id", i ? "/%llu" : "%llu", m->id);
		if (m->weight != 1)
			put_uint(c, "weight", ",%llu", m->weight);
		put_obj_end(c);
	}
	put_arr_end(c);
	put_text(c, " ");
}

static void nexthop_resilient(struct pr_ctx *c, const struct fm_nexthop *nh)
{
	put_str(c, "type", "type %s ", "resilient");
	put_obj_begin(c, "resilient_args");
	put_uint(c, "buckets", "buckets %llu ", nh->res_buckets);
	put_uint(c, "idle_timer", "idle_timer %llu ", nh->res_idle_timer / 100); /* clock_t */
	put_uint(c, "unbalanced_timer", "unbalanced_timer %llu ", nh->res_unbalanced_timer / 100);
	/* Time since the group became unbalanced: not mirrored, 0 when balanced. */
	put_uint(c, "unbalanced_time", "unbalanced_time %llu ", 0);
	put_obj_end(c);
}

static void nexthop_fields(struct pr_ctx *c, const struct fm_nexthop *nh)
{
	char b[NAMELEN];

	put_uint(c, "id", "id %llu ", nh->id);
	if (nh->nmembers)
		nexthop_group(c, nh);
	if (nh->nmembers && nh->group_type == NEXTHOP_GRP_TYPE_RES)
		nexthop_resilient(c, nh);
	if (nh->gw.family)
		put_str(c, "gateway", "via %s ", ip_str(&nh->gw, b));
	put_dev(c, nh->ifindex);
	if (nh->scope != RT_SCOPE_UNIVERSE || c->details)
		put_str(c, "scope", "scope %s ", NAME(rt_scopes, nh->scope, "%u", b));
	if (nh->blackhole)
		put_null(c, "blackhole", "blackhole ");
	if (nh->protocol || c->details)
		put_str(c, "protocol", "proto %s ", NAME(rt_protos, nh->protocol, "%u", b));
	put_flags(c, rt_flags, ARRAY_SIZE(rt_flags), nh->flags);
	if (nh->fdb)
		put_null(c, "fdb", "fdb");
}

/* ------------------------------------------------------- links, addresses */

/* Hardware address: colon hex; tunnels carry an IP address instead. */
static const char *ll_addr_str(uint16_t type, const uint8_t *addr, unsigned int len, char *buf,
			       size_t size)
{
	struct fm_ip ip = {0};
	unsigned int i;
	size_t o = 0;

	if (len == 4 && (type == ARPHRD_TUNNEL || type == ARPHRD_SIT || type == ARPHRD_IPGRE)) {
		ip.family = AF_INET;
		memcpy(ip.b, addr, 4);
		return ip_str(&ip, buf);
	}
	if (len == 16 && (type == ARPHRD_TUNNEL6 || type == ARPHRD_IP6GRE)) {
		ip.family = AF_INET6;
		memcpy(ip.b, addr, 16);
		return ip_str(&ip, buf);
	}
	buf[0] = 0;
	for (i = 0; i < len && o + 4 <= size; i++)
		o += snprintf(buf + o, size - o, i ? ":%02x" : "%02x", addr[i]);
	return buf;
}

/* "<BROADCAST,MULTICAST,UP,LOWER_UP> " / "flags":[...] */
static void link_flags_put(struct pr_ctx *c, uint32_t flags)
{
	const char *sep = "";
	size_t i;

	put_text(c, "<");
	put_arr_begin(c, "flags");
	if ((flags & IFF_UP) && !(flags & IFF_RUNNING)) {
		put_str(c, NULL, "%s", "NO-CARRIER");
		sep = ",";
	}
	for (i = 0; i < ARRAY_SIZE(link_flags); i++) {
		if (!(flags & link_flags[i].bit))
			continue;
		put_text(c, sep);
		put_str(c, NULL, "%s", link_flags[i].name);
		sep = ",";
	}
	put_arr_end(c);
	put_text(c, "> ");
}

/* The peer after "@": a name, or "if%d" (in JSON "link_index") when unknown here. */
static void link_peer(struct pr_ctx *c, int link)
{
	const char *name = c->ifname ? c->ifname(c->arg, link) : NULL;

	if (name)
		put_str(c, "link", "@%s", name);
	else
		put_int(c, "link_index", "@if%lld", link);
}

/* The first line: "3: v0@v1: <FLAGS> mtu 1500 state UP group default". */
static void link_head(struct pr_ctx *c, const struct fm_link *l)
{
	char b[NAMELEN];

	put_int(c, "ifindex", "%lld: ", l->ifindex);
	if (c->json && l->link)
		link_peer(c, l->link);
	put_str(c, "ifname", "%s", l->name);
	if (!c->json && l->link)
		link_peer(c, l->link);
	put_text(c, ": ");
	link_flags_put(c, l->flags);
	put_uint(c, "mtu", "mtu %llu ", l->mtu);
	if (l->master)
		put_str(c, "master", "master %s ", dev_name(c, l->master, b));
	put_str(c, "operstate", "state %s ", NAME(operstates, l->operstate, "%u", b));
	put_str(c, "group", "group %s", NAME(groups, l->group, "%u", b));
}

/*
 * "    link/ether ADDR brd BCAST". struct fm_link has no IFLA_BROADCAST; for
 * Ethernet and loopback it is fixed by the kernel, so we print that value.
 */
static void link_lladdr(struct pr_ctx *c, const struct fm_link *l)
{
	static const uint8_t ones[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	static const uint8_t zeros[6];
	const uint8_t *brd = l->type == ARPHRD_ETHER	  ? ones
			     : l->type == ARPHRD_LOOPBACK ? zeros
							  : NULL;
	unsigned int len = l->addr_len > sizeof(l->addr) ? sizeof(l->addr) : l->addr_len;
	char b[3 * sizeof(l->addr) + 1], t[NAMELEN];

	put_text(c, "\n");
	put_str(c, "link_type", "    link/%s ", NAME(ll_types, l->type, "[%u]", t));
	if (!len)
		return;
	put_str(c, "address", "%s", ll_addr_str(l->type, l->addr, len, b, sizeof(b)));
	if (brd && len == 6)
		put_str(c, "broadcast", " brd %s", ll_addr_str(l->type, brd, 6, b, sizeof(b)));
}

static void link_fields(struct pr_ctx *c, const struct fm_link *l)
{
	link_head(c, l);
	link_lladdr(c, l);
	put_text(c, "\n");
}

/* A lifetime: seconds in JSON (0xffffffff included), "forever" or "Nsec" in text. */
static void put_lft(struct pr_ctx *c, const char *key, const char *fmt, uint32_t v)
{
	char b[NAMELEN];

	if (c->json) {
		json_kv_uint(&c->js, key, v);
		return;
	}
	if (v == 0xffffffff)
		snprintf(b, sizeof(b), "forever");
	else
		snprintf(b, sizeof(b), "%usec", v);
	fprintf(c->out, fmt, b);
}

static void addr_flags_put(struct pr_ctx *c, const struct fm_address *a)
{
	uint32_t flags = a->flags ^ IFA_F_PERMANENT; /* shown as "dynamic" when clear */
	uint32_t known = 0;
	char key[NAMELEN];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ifa_flags); i++) {
		const char *name = ifa_flags[i].name;

		known |= ifa_flags[i].bit;
		if (!(flags & ifa_flags[i].bit))
			continue;
		if (ifa_flags[i].bit == IFA_F_SECONDARY && a->family == AF_INET6)
			name = "temporary";
		if (c->json) {
			json_kv_bool(&c->js, name, true);
		} else {
			fputs(name, c->out);
			fputc(' ', c->out);
		}
	}
	if (flags & ~known) {
		snprintf(key, sizeof(key), "%02x", flags & ~known);
		put_str(c, "flags", "flags %s ", key);
	}
}

/*
 * One address: "    inet 10.0.0.1 peer 10.0.0.2/32 metric 5 brd X scope global
 * secondary v0:1" and its lifetimes. IPv6 has only IFA_ADDRESS; IPv4 has
 * IFA_LOCAL and, for point-to-point, a different IFA_ADDRESS (the peer).
 */
static void addr_fields(struct pr_ctx *c, const struct fm_address *a)
{
	const struct fm_ip *local = a->local.family ? &a->local : &a->address;
	bool peer = a->local.family && a->address.family &&
		    memcmp(a->local.b, a->address.b, sizeof(a->local.b)) != 0;
	char b[NAMELEN];

	put_str(c, "family", "    %s ", family_name(a->family));
	put_str(c, "local", "%s", ip_str(local, b));
	if (peer)
		put_str(c, "address", " peer %s", ip_str(&a->address, b));
	put_uint(c, "prefixlen", "/%llu ", a->prefixlen);
	if (a->metric)
		put_uint(c, "metric", "metric %llu ", a->metric);
	if (a->broadcast.family)
		put_str(c, "broadcast", "brd %s ", ip_str(&a->broadcast, b));
	put_str(c, "scope", "scope %s ", NAME(rt_scopes, a->scope, "%u", b));
	addr_flags_put(c, a);
	if (a->label[0])
		put_str(c, "label", "%s", a->label);
	put_lft(c, "valid_life_time", "\n       valid_lft %s", a->valid_lft);
	put_lft(c, "preferred_life_time", " preferred_lft %s", a->preferred_lft);
	put_text(c, "\n");
}

/* ----------------------------------------------------------------- netconf */

static void netconf_bool(struct pr_ctx *c, const char *key, int32_t v)
{
	if (v < 0)
		return;
	if (c->json)
		json_kv_bool(&c->js, key, v != 0);
	else
		fprintf(c->out, "%s %s ", key, v ? "on" : "off");
}

static void netconf_fields(struct pr_ctx *c, const struct fm_netconf *nc)
{
	static const char *const rpf[] = {"off", "strict", "loose"};
	char b[NAMELEN];
	const char *dev = nc->ifindex == NETCONFA_IFINDEX_ALL	    ? "all"
			  : nc->ifindex == NETCONFA_IFINDEX_DEFAULT ? "default"
								    : dev_name(c, nc->ifindex, b);

	put_str(c, "family", "%s ", family_name(nc->family));
	put_str(c, "interface", "%s ", dev);
	netconf_bool(c, "forwarding", nc->forwarding);
	if (nc->rp_filter >= 0)
		put_str(c, "rp_filter", "rp_filter %s ",
			nc->rp_filter < 3 ? rpf[nc->rp_filter] : "unknown mode");
	netconf_bool(c, "mc_forwarding", nc->mc_forwarding);
	netconf_bool(c, "proxy_neigh", nc->proxy_neigh);
	netconf_bool(c, "ignore_routes_with_linkdown", nc->ignore_routes_with_linkdown);
	put_text(c, "\n");
}

/* ------------------------------------------------------------ public API */

void pr_begin(struct pr_ctx *c)
{
	json_init(&c->js, c->out, c->pretty);
	c->open = c->json;
	if (c->json)
		json_arr_begin(&c->js);
}

void pr_end(struct pr_ctx *c)
{
	if (!c->json || !c->open)
		return;
	json_arr_end(&c->js);
	fputc('\n', c->out);
	c->open = false;
}

/* Bracket one top-level object: a JSON object in the array, nothing in text. */
static void obj_begin(struct pr_ctx *c)
{
	if (!c->json)
		return;
	if (!c->open) /* printing without pr_begin(): a bare object */
		json_init(&c->js, c->out, c->pretty);
	json_obj_begin(&c->js);
}

static void obj_end(struct pr_ctx *c)
{
	if (!c->json)
		return;
	json_obj_end(&c->js);
	if (!c->open)
		fputc('\n', c->out);
}

void pr_route(struct pr_ctx *c, const struct fm_route *r)
{
	obj_begin(c);
	route_fields(c, r);
	obj_end(c);
}

void pr_rule(struct pr_ctx *c, const struct fm_rule *r)
{
	obj_begin(c);
	rule_fields(c, r);
	obj_end(c);
}

void pr_nexthop(struct pr_ctx *c, const struct fm_nexthop *nh)
{
	obj_begin(c);
	nexthop_fields(c, nh);
	/* "fdb" is the one last field without a trailing space; the line ends anyway. */
	put_text(c, "\n");
	obj_end(c);
}

void pr_link(struct pr_ctx *c, const struct fm_link *l)
{
	obj_begin(c);
	link_fields(c, l);
	obj_end(c);
}

void pr_addr(struct pr_ctx *c, const struct fm_link *l, const struct fm_address *const *addrs,
	     size_t n)
{
	size_t i;

	obj_begin(c);
	link_fields(c, l);
	put_arr_begin(c, "addr_info");
	for (i = 0; i < n; i++) {
		put_obj_begin(c, NULL);
		addr_fields(c, addrs[i]);
		put_obj_end(c);
	}
	put_arr_end(c);
	obj_end(c);
}

void pr_netconf(struct pr_ctx *c, const struct fm_netconf *nc)
{
	obj_begin(c);
	netconf_fields(c, nc);
	obj_end(c);
}

/* --------------------------------------------------------------- route get */

/*
 * The RTCF_* cache flags of an IPv4 answer, named as `ip route get` prints
 * them after "cache": "<local,brd> " in text, "cache":["local","brd"] in JSON.
 * Observed: local, brd, mc, redirect, notify and the orders local<brd,
 * local<mc, redirect<notify; the names of the flags the kernel no longer
 * sets are iproute2's but their place in this order is a guess.
 */
static const struct pr_flag rtcf_flags[] = {
    {RTCF_LOCAL, "local"},
    {RTCF_REJECT, "reject"},
    {RTCF_MULTICAST, "mc"},
    {RTCF_BROADCAST, "brd"},
    {RTCF_DNAT, "dst-nat"},
    {RTCF_SNAT, "src-nat"},
    {RTCF_MASQ, "masq"},
    {RTCF_DIRECTDST, "dst-direct"},
    {RTCF_DIRECTSRC, "src-direct"},
    {RTCF_REDIRECTED, "redirected"},
    {RTCF_DOREDIRECT, "redirect"},
    {RTCF_FAST, "fastroute"},
    {RTCF_NOTIFY, "notify"},
    {RTCF_TPROXY, "proxy"},
};

/*
 * The kernel answers an IPv4 query with rtm_flags = the high half of the
 * cache flags, plus RTM_F_NOTIFY for RTCF_NOTIFY (rt_fill_info). iproute2
 * then names those bits with the route flag table, so RTCF_MULTICAST shows
 * as "rt_offload_failed" (the same bit as RTM_F_OFFLOAD_FAILED) and
 * RTCF_NOTIFY as "notify". IPv6 answers carry no flags (not even linkdown
 * or onlink, which only fibmatch shows).
 */
static uint32_t get_rtm_flags(const struct fm_result *r)
{
	if (r->family != AF_INET)
		return 0;
	return (r->flags & 0xffff0000u) | ((r->flags & RTCF_NOTIFY) ? RTM_F_NOTIFY : 0);
}

/* "type dst from": the query address; IPv6 always shows a source, "::" when none. */
static void get_head(struct pr_ctx *c, const struct fm_flow *fl, const struct fm_result *r)
{
	struct fm_ip any6 = {.family = AF_INET6};
	char b[NAMELEN];

	if (r->type != RTN_UNICAST || c->details)
		put_str(c, "type", "%s ", NAME(rt_types, r->type, "%u", b));
	put_str(c, "dst", "%s ", ip_str(&fl->dst, b));
	if (fl->src.family)
		put_str(c, "from", "from %s ", ip_str(&fl->src, b));
	else if (r->family == AF_INET6)
		put_str(c, "from", "from %s ", ip_str(&any6, b));
	/* IPv4 echoes the request's DSCP (rtm_tos); IPv6 sends 0. */
	if (r->family == AF_INET && (fl->tos & 0xfc))
		put_str(c, "tos", "tos %s ", tos_name(fl->tos & 0xfc, b));
}

/* Text "mark 7" below 16 and "mark 0x10" from 16 on, as observed; JSON a number. */
static void get_mark(struct pr_ctx *c, uint32_t mark)
{
	put_uint(c, "mark", mark < 16 ? "mark %llu " : "mark 0x%llx ", mark);
}

/* IPv4: "\n    cache <local,brd> iif v2 " (the iif only on the input path). */
static void get_cache(struct pr_ctx *c, const struct fm_result *r, int iif)
{
	char b[NAMELEN];
	bool any = false;
	size_t i;

	put_text(c, "\n    cache ");
	put_arr_begin(c, "cache");
	for (i = 0; i < ARRAY_SIZE(rtcf_flags); i++) {
		if (!(r->flags & rtcf_flags[i].bit))
			continue;
		put_str(c, NULL, any ? ",%s" : "<%s", rtcf_flags[i].name);
		any = true;
	}
	put_arr_end(c);
	if (any)
		put_text(c, "> ");
	if (iif)
		put_str(c, "iif", "iif %s ", dev_name(c, iif, b));
}

/*
 * An answer of the output or input path (not fibmatch), field for field as
 * iproute2 prints the kernel's reply:
 *   IPv4: type dst from via dev table src flags mark realm uid \n cache <..> iif
 *   IPv6: type dst from via dev table proto scope src metric flags iif pref
 * IPv4 has no proto/scope/metric; IPv6 no mark, uid, realm or cache line.
 */
static void get_fields(struct pr_ctx *c, const struct fm_flow *fl, const struct fm_result *r)
{
	bool v6 = r->family == AF_INET6;
	int iif = fl->iif ? (r->iif ? r->iif : fl->iif) : 0;
	const struct fm_hop *h =
	    r->chosen >= 0 && r->chosen < r->nhops && r->chosen < FM_RESULT_MAX_HOPS
		? &r->hops[r->chosen]
		: NULL;
	uint32_t uid = (fl->flags & FM_FLOW_UID) ? fl->uid : 0;
	char b[NAMELEN];

	get_head(c, fl, r);
	put_gateway(c, r->family, &r->gw);
	put_dev(c, r->oif);
	if (r->has_table && (r->table != RT_TABLE_MAIN || c->details))
		put_str(c, "table", "table %s ", NAME(rt_tables, r->table, "%u", b));
	if (v6 && (r->protocol != RTPROT_BOOT || c->details))
		put_str(c, "protocol", "proto %s ", NAME(rt_protos, r->protocol, "%u", b));
	if (v6 && (r->scope != RT_SCOPE_UNIVERSE || c->details))
		put_str(c, "scope", "scope %s ", NAME(rt_scopes, r->scope, "%u", b));
	/* The engine reports what the kernel names: the chosen source on output
	 * (IPv4: only when none was given, and not 0.0.0.0 - no address to
	 * choose - as RTA_PREFSRC comes only when it differs from the requested
	 * source), and on IPv6 input a route's own src. */
	if (r->prefsrc.family && (v6 || (!iif && !fl->src.family && r->prefsrc.v4)))
		put_str(c, "prefsrc", "src %s ", ip_str(&r->prefsrc, b));
	if (v6)
		put_uint(c, "metric", "metric %llu ", r->priority);
	put_flags(c, rt_flags, ARRAY_SIZE(rt_flags), get_rtm_flags(r));
	if (!v6) {
		if (fl->mark)
			get_mark(c, fl->mark);
		if (h && h->realm)
			put_route_flow(c, h->realm);
		/* RTA_UID on the output path only; INVALID_UID is not sent. */
		if (!iif && uid != 0xffffffffu)
			put_uint(c, "uid", "uid %llu ", uid);
		get_cache(c, r, iif);
	} else if (iif) {
		put_str(c, "iif", "iif %s ", dev_name(c, iif, b));
	}
	if (v6)
		route_pref(c, r->pref);
	put_text(c, "\n");
}

/*
 * fibmatch: the matched FIB entry, printed as `ip route show` prints it, but
 * with the type of the answer (a multicast query matching the default route
 * prints "multicast default via ..."). The entry's nexthops are r->hops; a
 * result without them falls back to the chosen gateway and device.
 */
static void get_fibmatch(struct pr_ctx *c, const struct fm_result *r)
{
	struct fm_hop one = {.gw = r->gw, .ifindex = r->oif, .weight = 1};
	struct fm_route rt = {
	    .family = r->family,
	    .dst_len = r->dst_len,
	    .src_len = r->src_len,
	    .type = r->type,
	    .protocol = r->protocol,
	    .scope = r->scope,
	    .pref = r->pref,
	    .table = r->has_table ? r->table : RT_TABLE_MAIN,
	    .priority = r->priority,
	    .nhid = r->nhid,
	    .dst = r->dst,
	    .src = r->src,
	    .prefsrc = r->prefsrc,
	    .nhops = r->nhops > FM_RESULT_MAX_HOPS ? FM_RESULT_MAX_HOPS : r->nhops,
	    .hops = r->hops,
	};

	if (!rt.nhops && (r->gw.family || r->oif)) {
		rt.nhops = 1;
		rt.hops = &one;
	}
	route_fields(c, &rt);
}

void pr_get(struct pr_ctx *c, const struct fm_flow *fl, const struct fm_result *r)
{
	obj_begin(c);
	if (fl->flags & FM_FLOW_FIBMATCH)
		get_fibmatch(c, r);
	else
		get_fields(c, fl, r);
	obj_end(c);
}

/* ------------------------------------------------------------------ events */

/* An address event names its device first: "3: v0    inet ..." as `ip monitor`. */
static void addr_event_fields(struct pr_ctx *c, const struct fm_address *a)
{
	char b[NAMELEN];

	put_int(c, "ifindex", "%lld: ", a->ifindex);
	put_str(c, "ifname", "%s", dev_name(c, a->ifindex, b));
	addr_fields(c, a);
}

static void event_fields(struct pr_ctx *c, const struct fm_event *ev)
{
	switch (ev->kind) {
	case FM_KIND_ROUTE:
		route_fields(c, ev->route);
		break;
	case FM_KIND_RULE:
		rule_fields(c, ev->rule);
		break;
	case FM_KIND_NEXTHOP:
		nexthop_fields(c, ev->nexthop);
		put_text(c, "\n");
		break;
	case FM_KIND_LINK:
		link_fields(c, ev->link);
		break;
	case FM_KIND_ADDR:
		addr_event_fields(c, ev->addr);
		break;
	case FM_KIND_NETCONF:
		netconf_fields(c, ev->netconf);
		break;
	default:
		put_text(c, "\n");
	}
}

static const char *const kind_names[] = {
    [FM_KIND_ROUTE] = "route",	 [FM_KIND_RULE] = "rule", [FM_KIND_NEXTHOP] = "nexthop",
    [FM_KIND_LINK] = "link",	 [FM_KIND_ADDR] = "addr", [FM_KIND_NETCONF] = "netconf",
    [FM_KIND_RESYNC] = "resync",
};

static const char *const event_names[] = {
    [FM_EV_NEW] = "new",
    [FM_EV_DEL] = "del",
    [FM_EV_REPLACE] = "replace",
    [FM_EV_RESYNC_BEGIN] = "resync-begin",
    [FM_EV_RESYNC_END] = "resync-end",
};

static bool is_resync(const struct fm_event *ev)
{
	return ev->type == FM_EV_RESYNC_BEGIN || ev->type == FM_EV_RESYNC_END;
}

static void event_text(struct pr_ctx *c, const struct fm_event *ev)
{
	if (is_resync(ev)) {
		fprintf(c->out, "[RESYNC] %s\n", ev->type == FM_EV_RESYNC_BEGIN ? "begin" : "end");
		return;
	}
	if (ev->implicit)
		fputs("[implicit] ", c->out);
	if (ev->type == FM_EV_DEL)
		fputs("Deleted ", c->out);
	event_fields(c, ev);
}

/*
 * JSON events are always compact, one per line, so that a consumer can read
 * them with a line reader. The array writer state is saved around them, so
 * events may be printed while a pr_begin() array is open.
 */
static void event_json(struct pr_ctx *c, const struct fm_event *ev)
{
	struct json saved = c->js;

	json_init(&c->js, c->out, false);
	json_obj_begin(&c->js);
	if ((unsigned int)ev->type < ARRAY_SIZE(event_names))
		json_kv_str(&c->js, "event", event_names[ev->type]);
	if (!is_resync(ev)) {
		if ((unsigned int)ev->kind < ARRAY_SIZE(kind_names))
			json_kv_str(&c->js, "kind", kind_names[ev->kind]);
		if (ev->implicit)
			json_kv_bool(&c->js, "implicit", true);
		event_fields(c, ev);
	}
	json_obj_end(&c->js);
	fputc('\n', c->out);
	c->js = saved;
}

void pr_event(struct pr_ctx *c, const struct fm_event *ev)
{
	if (c->json)
		event_json(c, ev);
	else
		event_text(c, ev);
}

/* ------------------------------------------------- a mirror as name source */

static const char *mirror_ifname(void *arg, int ifindex)
{
	static char names[8][16]; /* a few names may be live in one line */
	static unsigned int slot;
	struct fm_link l;
	char *b;

	if (!arg || fm_link_get(arg, ifindex, &l))
		return NULL;
	b = names[slot++ % 8];
	memcpy(b, l.name, sizeof(l.name));
	return b;
}

static const struct fm_nexthop *mirror_nexthop(void *arg, uint32_t id)
{
	static struct fm_nexthop nh;

	return arg && fm_nexthop_get(arg, id, &nh) == 0 ? &nh : NULL;
}

void pr_ctx_mirror(struct pr_ctx *c, FILE *out, bool json, bool pretty, bool details,
		   struct fm_mirror *m)
{
	memset(c, 0, sizeof(*c));
	c->out = out;
	c->json = json;
	c->pretty = pretty;
	c->details = details;
	c->ifname = mirror_ifname;
	c->nexthop = mirror_nexthop;
	c->arg = m;
}
