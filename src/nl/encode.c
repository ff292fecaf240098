// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: rtnetlink encoders - the public object structs back into messages.
 *
 * Each nl_encode_*() writes one complete message in the layout the kernel
 * itself uses when it dumps or announces that object, so that the decoders
 * (decode.c) read back exactly what was written. Snapshots (io/snapshot.c),
 * unit tests and fuzz seeds are built with these functions.
 *
 * Layout per kind (attributes in this order, each only when it carries
 * information, as the kernel does):
 *  - route:   rtmsg; RTA_TABLE, RTA_DST, RTA_SRC, RTA_PRIORITY, RTA_PREFSRC,
 *             RTA_METRICS{RTAX_*}, then either the single hop as RTA_GATEWAY
 *             (or RTA_VIA for a gateway of the other family), RTA_OIF,
 *             RTA_FLOW, or RTA_MULTIPATH with one rtnexthop per hop (weight
 *             stored as rtnh_hops = weight - 1) carrying nested RTA_GATEWAY /
 *             RTA_VIA and RTA_FLOW; then RTA_NH_ID, RTA_PREF, RTA_EXPIRES.
 *  - rule:    fib_rule_hdr; FRA_TABLE always, FRA_* for every FM_RULE_* presence
 *             bit, FRA_PRIORITY when non-zero, FRA_IIFNAME / FRA_OIFNAME when
 *             named, FRA_DST / FRA_SRC when the prefix length is non-zero.
 *  - nexthop: nhmsg; NHA_ID, then NHA_GROUP + NHA_GROUP_TYPE (+ NHA_RES_GROUP
 *             for resilient groups), or NHA_BLACKHOLE, or NHA_OIF/NHA_GATEWAY;
 *             NHA_FDB.
 *  - link:    ifinfomsg; IFLA_IFNAME, IFLA_MTU, IFLA_GROUP, IFLA_OPERSTATE,
 *             IFLA_MASTER, IFLA_LINK, IFLA_ADDRESS, IFLA_LINKINFO{IFLA_INFO_KIND}.
 *  - addr:    ifaddrmsg; IFA_ADDRESS, IFA_LOCAL (IPv6: only when it differs),
 *             IFA_BROADCAST, IFA_LABEL,
 *             IFA_FLAGS, IFA_CACHEINFO, IFA_RT_PRIORITY.
 *  - netconf: netconfmsg; NETCONFA_IFINDEX and every value that is not -1.
 *
 * Failure modes: -EMSGSIZE when the message does not fit in @len (nothing is
 * ever written past @len), -EINVAL for an address family that is neither
 * AF_INET nor AF_INET6 or a nested attribute longer than 65535 bytes.
 *
 * Thread context: none (pure functions over caller memory).
 */
#include "nl.h"

#include <endian.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netconf.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

/* Encoder state: the first failure sticks and later puts become no-ops. */
struct enc {
	struct nlmsghdr *nlh;
	size_t len;
	int err;
};

static void *enc_begin(struct enc *e, void *buf, size_t len, uint16_t type, uint16_t flags,
		       size_t hdrsize)
{
	void *hdr;

	e->nlh = NULL;
	e->len = len;
	e->err = 0;
	if (len < MNL_NLMSG_HDRLEN + MNL_ALIGN(hdrsize)) {
		e->err = -EMSGSIZE;
		return NULL;
	}
	e->nlh = mnl_nlmsg_put_header(buf);
	e->nlh->nlmsg_type = type;
	e->nlh->nlmsg_flags = flags;
	hdr = mnl_nlmsg_put_extra_header(e->nlh, hdrsize);
	return hdr;
}

static int enc_end(const struct enc *e)
{
	return e->err ? e->err : (int)e->nlh->nlmsg_len;
}

static void put(struct enc *e, uint16_t type, size_t len, const void *data)
{
	char *tail;

	if (e->err)
		return;
	if (len > UINT16_MAX - MNL_ATTR_HDRLEN) {
		e->err = -EINVAL;
		return;
	}
	tail = mnl_nlmsg_get_payload_tail(e->nlh);
	if (!mnl_attr_put_check(e->nlh, e->len, type, len, data)) {
		e->err = -EMSGSIZE;
		return;
	}
	/* libmnl before 1.0.5 leaves the alignment padding as the buffer had it:
	 * a snapshot would carry stale heap bytes (valgrind reported them). */
	memset(tail + MNL_ATTR_HDRLEN + len, 0, MNL_ALIGN(len) - len);
}

static void put_u8(struct enc *e, uint16_t type, uint8_t v)
{
	put(e, type, sizeof(v), &v);
}

static void put_u16(struct enc *e, uint16_t type, uint16_t v)
{
	put(e, type, sizeof(v), &v);
}

static void put_u32(struct enc *e, uint16_t type, uint32_t v)
{
	put(e, type, sizeof(v), &v);
}

static void put_u64(struct enc *e, uint16_t type, uint64_t v)
{
	put(e, type, sizeof(v), &v);
}

static void put_flag(struct enc *e, uint16_t type)
{
	static const uint8_t none;

	put(e, type, 0, &none);
}

/* A fixed-size name field that may lack its NUL: written NUL-terminated, as the kernel does. */
static void put_name(struct enc *e, uint16_t type, const char *name, size_t size)
{
	char tmp[64];
	size_t n = strnlen(name, size);

	if (n >= sizeof(tmp))
		n = sizeof(tmp) - 1;
	memcpy(tmp, name, n);
	tmp[n] = '\0';
	put(e, type, n + 1, tmp);
}

static size_t ip_len(const struct fm_ip *ip)
{
	if (ip->family == AF_INET)
		return 4;
	if (ip->family == AF_INET6)
		return 16;
	return 0;
}

static bool ip_same(const struct fm_ip *x, const struct fm_ip *y)
{
	return x->family == y->family && !memcmp(x->b, y->b, ip_len(x));
}

/* The raw address bytes (RTA_DST, IFA_LOCAL, NHA_GATEWAY, ...). */
static void put_ip(struct enc *e, uint16_t type, const struct fm_ip *ip)
{
	size_t n = ip_len(ip);

	if (!n) {
		if (!e->err)
			e->err = -EINVAL;
		return;
	}
	put(e, type, n, ip->b);
}

/* A gateway: RTA_GATEWAY when it has the route's family, else RTA_VIA (struct rtvia). */
static void put_gw(struct enc *e, uint8_t route_family, const struct fm_ip *gw)
{
	uint8_t via[2 + 16];
	uint16_t fam = gw->family;
	size_t n = ip_len(gw);

	if (gw->family == route_family) {
		put_ip(e, RTA_GATEWAY, gw);
		return;
	}
	if (!n) {
		if (!e->err)
			e->err = -EINVAL;
		return;
	}
	memcpy(via, &fam, sizeof(fam));
	memcpy(via + 2, gw->b, n);
	put(e, RTA_VIA, 2 + n, via);
}

static struct nlattr *nest_start(struct enc *e, uint16_t type)
{
	struct nlattr *a;

	if (e->err)
		return NULL;
	a = mnl_attr_nest_start_check(e->nlh, e->len, type);
	if (!a)
		e->err = -EMSGSIZE;
	return a;
}

static void nest_end(struct enc *e, struct nlattr *a)
{
	size_t n;

	if (e->err || !a)
		return;
	n = (size_t)((char *)mnl_nlmsg_get_payload_tail(e->nlh) - (char *)a);
	if (n > UINT16_MAX) {
		e->err = -EINVAL;
		return;
	}
	mnl_attr_nest_end(e->nlh, a);
}

/* Reserve @size bytes (aligned) at the tail for a non-attribute struct inside a nest. */
static void *reserve(struct enc *e, size_t size)
{
	void *p;

	if (e->err)
		return NULL;
	if (e->nlh->nlmsg_len + MNL_ALIGN(size) > e->len) {
		e->err = -EMSGSIZE;
		return NULL;
	}
	p = mnl_nlmsg_get_payload_tail(e->nlh);
	memset(p, 0, MNL_ALIGN(size));
	e->nlh->nlmsg_len += MNL_ALIGN(size);
	return p;
}

/* ------------------------------------------------------------------ routes */

static void put_metrics(struct enc *e, const struct fm_route *r)
{
	struct nlattr *nest;
	int i;

	if (!(r->metrics_mask & ~1u))
		return;
	nest = nest_start(e, RTA_METRICS);
	for (i = 1; i < FM_RTAX_MAX; i++)
		if (r->metrics_mask & (1u << i))
			put_u32(e, (uint16_t)i, r->metrics[i]);
	nest_end(e, nest);
}

static uint8_t hop_weight_byte(uint16_t weight)
{
	return weight ? (uint8_t)(weight - 1) : 0;
}

static void put_multipath(struct enc *e, const struct fm_route *r)
{
	struct nlattr *nest = nest_start(e, RTA_MULTIPATH);
	uint16_t i;

	for (i = 0; i < r->nhops && !e->err; i++) {
		const struct fm_hop *h = &r->hops[i];
		uint32_t start = e->nlh->nlmsg_len;
		struct rtnexthop *rtnh = reserve(e, sizeof(*rtnh));

		if (!rtnh)
			break;
		rtnh->rtnh_flags = h->flags;
		rtnh->rtnh_hops = hop_weight_byte(h->weight);
		rtnh->rtnh_ifindex = h->ifindex;
		if (h->gw.family)
			put_gw(e, r->family, &h->gw);
		if (h->realm)
			put_u32(e, RTA_FLOW, h->realm);
		if (!e->err)
			rtnh->rtnh_len = (unsigned short)(e->nlh->nlmsg_len - start);
	}
	nest_end(e, nest);
}

static void put_hops(struct enc *e, const struct fm_route *r)
{
	const struct fm_hop *h;

	if (r->nhops > 1) {
		put_multipath(e, r);
		return;
	}
	if (r->nhops == 0)
		return;
	h = &r->hops[0];
	if (h->gw.family)
		put_gw(e, r->family, &h->gw);
	if (h->ifindex)
		put_u32(e, RTA_OIF, (uint32_t)h->ifindex);
	if (h->realm)
		put_u32(e, RTA_FLOW, h->realm);
}

/*
 * A dumped route reports its remaining lifetime in RTA_CACHEINFO.rta_expires,
 * in clock ticks at USER_HZ (100); RTA_EXPIRES exists only in requests.
 */
static void put_expires(struct enc *e, uint32_t seconds)
{
	struct rta_cacheinfo ci = {0};

	ci.rta_expires = seconds > INT32_MAX / 100 ? INT32_MAX : (int32_t)(seconds * 100);
	put(e, RTA_CACHEINFO, sizeof(ci), &ci);
}

int nl_encode_route(void *buf, size_t len, uint16_t type, uint16_t flags, const struct fm_route *r)
{
	struct enc e;
	struct rtmsg *rtm = enc_begin(&e, buf, len, type, flags, sizeof(*rtm));

	if (!rtm)
		return e.err;
	rtm->rtm_family = r->family;
	rtm->rtm_dst_len = r->dst_len;
	rtm->rtm_src_len = r->src_len;
	rtm->rtm_tos = r->tos;
	rtm->rtm_table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_COMPAT;
	rtm->rtm_protocol = r->protocol;
	rtm->rtm_scope = r->scope;
	rtm->rtm_type = r->type;
	/* Single-hop routes carry their hop's RTNH_F_* flags in rtm_flags. */
	rtm->rtm_flags = r->flags | (r->nhops == 1 ? r->hops[0].flags : 0);

	put_u32(&e, RTA_TABLE, r->table);
	if (r->dst_len)
		put_ip(&e, RTA_DST, &r->dst);
	if (r->src_len)
		put_ip(&e, RTA_SRC, &r->src);
	if (r->priority || r->family == AF_INET6)
		put_u32(&e, RTA_PRIORITY, r->priority);
	if (r->prefsrc.family)
		put_ip(&e, RTA_PREFSRC, &r->prefsrc);
	put_metrics(&e, r);
	put_hops(&e, r);
	if (r->nhid)
		put_u32(&e, RTA_NH_ID, r->nhid);
	if (r->pref != 0xff)
		put_u8(&e, RTA_PREF, r->pref);
	if (r->expires)
		put_expires(&e, r->expires);
	return enc_end(&e);
}

/* ------------------------------------------------------------------- rules */

static void put_port_range(struct enc *e, uint16_t type, uint16_t lo, uint16_t hi)
{
	struct fib_rule_port_range pr = {.start = lo, .end = hi};

	put(e, type, sizeof(pr), &pr);
}

static void put_rule_attrs(struct enc *e, const struct fm_rule *r)
{
	uint32_t a = r->attrs;

	/* The kernel sends FRA_PRIORITY only when non-zero; the RIB drops the bit. */
	if ((a & FM_RULE_PRIORITY) || r->priority)
		put_u32(e, FRA_PRIORITY, r->priority);
	if (a & FM_RULE_FWMARK)
		put_u32(e, FRA_FWMARK, r->fwmark);
	if (a & FM_RULE_FWMASK)
		put_u32(e, FRA_FWMASK, r->fwmask);
	if ((a & FM_RULE_IIF) || r->iifname[0])
		put_name(e, FRA_IIFNAME, r->iifname, sizeof(r->iifname));
	if ((a & FM_RULE_OIF) || r->oifname[0])
		put_name(e, FRA_OIFNAME, r->oifname, sizeof(r->oifname));
	if (a & FM_RULE_GOTO)
		put_u32(e, FRA_GOTO, r->goto_target);
	/* "Not set" is all-ones on the wire; the decoder keeps the value, drops the bit. */
	if ((a & FM_RULE_SUPPRESS_PREFIXLEN) || r->suppress_prefixlen)
		put_u32(e, FRA_SUPPRESS_PREFIXLEN, r->suppress_prefixlen);
	if ((a & FM_RULE_SUPPRESS_IFGROUP) || r->suppress_ifgroup)
		put_u32(e, FRA_SUPPRESS_IFGROUP, r->suppress_ifgroup);
	if (a & FM_RULE_UIDRANGE) {
		struct fib_rule_uid_range ur = {.start = r->uid_start, .end = r->uid_end};

		put(e, FRA_UID_RANGE, sizeof(ur), &ur);
	}
	if (a & FM_RULE_SPORT)
		put_port_range(e, FRA_SPORT_RANGE, r->sport_lo, r->sport_hi);
	if (a & FM_RULE_DPORT)
		put_port_range(e, FRA_DPORT_RANGE, r->dport_lo, r->dport_hi);
	if (a & FM_RULE_IPPROTO)
		put_u8(e, FRA_IP_PROTO, r->ip_proto);
	if (a & FM_RULE_TUN_ID)
		put_u64(e, FRA_TUN_ID, htobe64(r->tun_id)); /* be64 on the wire */
	if (a & FM_RULE_L3MDEV)
		put_u8(e, FRA_L3MDEV, r->l3mdev);
	if (a & FM_RULE_FLOW)
		put_u32(e, FRA_FLOW, r->flow);
	if (a & FM_RULE_PROTOCOL)
		put_u8(e, FRA_PROTOCOL, r->protocol);
}

int nl_encode_rule(void *buf, size_t len, uint16_t type, uint16_t flags, const struct fm_rule *r)
{
	struct enc e;
	struct fib_rule_hdr *frh = enc_begin(&e, buf, len, type, flags, sizeof(*frh));

	if (!frh)
		return e.err;
	frh->family = r->family;
	frh->dst_len = r->dst_len;
	frh->src_len = r->src_len;
	frh->tos = r->tos;
	frh->table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_COMPAT;
	frh->action = r->action;
	frh->flags = r->flags;

	put_u32(&e, FRA_TABLE, r->table);
	if (r->dst_len)
		put_ip(&e, FRA_DST, &r->dst);
	if (r->src_len)
		put_ip(&e, FRA_SRC, &r->src);
	put_rule_attrs(&e, r);
	return enc_end(&e);
}

/* ---------------------------------------------------------------- nexthops */

static void put_group(struct enc *e, const struct fm_nexthop *nh)
{
	struct nl_nh_grp *g;
	size_t size = (size_t)nh->nmembers * sizeof(*g);
	struct nlattr *a;
	uint16_t i;

	if (e->err)
		return;
	if (size > UINT16_MAX - MNL_ATTR_HDRLEN) {
		e->err = -EINVAL;
		return;
	}
	/* Built in place: an attribute header, then the array. */
	a = reserve(e, MNL_ATTR_HDRLEN + size);
	if (!a)
		return;
	a->nla_type = NHA_GROUP;
	a->nla_len = (uint16_t)(MNL_ATTR_HDRLEN + size);
	g = mnl_attr_get_payload(a);
	for (i = 0; i < nh->nmembers; i++) {
		uint16_t w = nh->members[i].weight ? nh->members[i].weight - 1 : 0;

		g[i].id = nh->members[i].id;
		g[i].weight = (uint8_t)w;
		g[i].weight_high = (uint8_t)(w >> 8);
		g[i].resvd = 0;
	}
	put_u16(e, NHA_GROUP_TYPE, nh->group_type);
	if (nh->group_type == NEXTHOP_GRP_TYPE_RES) {
		struct nlattr *res = nest_start(e, NHA_RES_GROUP);

		put_u16(e, NHA_RES_GROUP_BUCKETS, nh->res_buckets);
		put_u32(e, NHA_RES_GROUP_IDLE_TIMER, nh->res_idle_timer);
		put_u32(e, NHA_RES_GROUP_UNBALANCED_TIMER, nh->res_unbalanced_timer);
		nest_end(e, res);
	}
}

int nl_encode_nexthop(void *buf, size_t len, uint16_t type, uint16_t flags,
		      const struct fm_nexthop *nh)
{
	struct enc e;
	struct nhmsg *nhm = enc_begin(&e, buf, len, type, flags, sizeof(*nhm));

	if (!nhm)
		return e.err;
	nhm->nh_family = nh->family;
	nhm->nh_scope = nh->scope;
	nhm->nh_protocol = nh->protocol;
	nhm->nh_flags = nh->flags;

	put_u32(&e, NHA_ID, nh->id);
	if (nh->nmembers) {
		put_group(&e, nh);
	} else if (nh->blackhole) {
		put_flag(&e, NHA_BLACKHOLE);
	} else {
		if (nh->ifindex)
			put_u32(&e, NHA_OIF, (uint32_t)nh->ifindex);
		if (nh->gw.family)
			put_ip(&e, NHA_GATEWAY, &nh->gw);
	}
	if (nh->fdb)
		put_flag(&e, NHA_FDB);
	return enc_end(&e);
}

/* ------------------------------------------------------------------- links */

int nl_encode_link(void *buf, size_t len, uint16_t type, uint16_t flags, const struct fm_link *l)
{
	struct enc e;
	struct ifinfomsg *ifi = enc_begin(&e, buf, len, type, flags, sizeof(*ifi));

	if (!ifi)
		return e.err;
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_type = l->type;
	ifi->ifi_index = l->ifindex;
	ifi->ifi_flags = l->flags;

	put_name(&e, IFLA_IFNAME, l->name, sizeof(l->name));
	put_u32(&e, IFLA_MTU, l->mtu);
	put_u32(&e, IFLA_GROUP, l->group);
	put_u8(&e, IFLA_OPERSTATE, l->operstate);
	if (l->master)
		put_u32(&e, IFLA_MASTER, (uint32_t)l->master);
	if (l->link)
		put_u32(&e, IFLA_LINK, (uint32_t)l->link);
	if (l->addr_len)
		put(&e, IFLA_ADDRESS,
		    l->addr_len <= sizeof(l->addr) ? l->addr_len : sizeof(l->addr), l->addr);
	if (l->kind[0]) {
		struct nlattr *li = nest_start(&e, IFLA_LINKINFO);

		put_name(&e, IFLA_INFO_KIND, l->kind, sizeof(l->kind));
		nest_end(&e, li);
	}
	return enc_end(&e);
}

/* --------------------------------------------------------------- addresses */

int nl_encode_addr(void *buf, size_t len, uint16_t type, uint16_t flags, const struct fm_address *a)
{
	struct enc e;
	struct ifaddrmsg *ifa = enc_begin(&e, buf, len, type, flags, sizeof(*ifa));
	struct ifa_cacheinfo ci = {.ifa_prefered = a->preferred_lft, .ifa_valid = a->valid_lft,
				    .cstamp = a->cstamp};

	if (!ifa)
		return e.err;
	ifa->ifa_family = a->family;
	ifa->ifa_prefixlen = a->prefixlen;
	ifa->ifa_flags = (uint8_t)a->flags; /* the low 8 bits; IFA_FLAGS has all 32 */
	ifa->ifa_scope = a->scope;
	ifa->ifa_index = (uint32_t)a->ifindex;

	if (a->address.family)
		put_ip(&e, IFA_ADDRESS, &a->address);
	/* IPv6 sends IFA_LOCAL only for a peer address, i.e. when it differs. */
	if (a->local.family && !(a->family == AF_INET6 && ip_same(&a->local, &a->address)))
		put_ip(&e, IFA_LOCAL, &a->local);
	if (a->broadcast.family)
		put_ip(&e, IFA_BROADCAST, &a->broadcast);
	if (a->label[0])
		put_name(&e, IFA_LABEL, a->label, sizeof(a->label));
	put_u32(&e, IFA_FLAGS, a->flags);
	put(&e, IFA_CACHEINFO, sizeof(ci), &ci);
	if (a->metric)
		put_u32(&e, IFA_RT_PRIORITY, a->metric);
	return enc_end(&e);
}

/* ----------------------------------------------------------------- netconf */

static void put_nc(struct enc *e, uint16_t type, int32_t v)
{
	if (v != -1)
		put_u32(e, type, (uint32_t)v);
}

int nl_encode_netconf(void *buf, size_t len, uint16_t type, uint16_t flags,
		      const struct fm_netconf *nc)
{
	struct enc e;
	struct netconfmsg *ncm = enc_begin(&e, buf, len, type, flags, sizeof(*ncm));

	if (!ncm)
		return e.err;
	ncm->ncm_family = nc->family;

	put_u32(&e, NETCONFA_IFINDEX, (uint32_t)nc->ifindex);
	put_nc(&e, NETCONFA_FORWARDING, nc->forwarding);
	put_nc(&e, NETCONFA_RP_FILTER, nc->rp_filter);
	put_nc(&e, NETCONFA_MC_FORWARDING, nc->mc_forwarding);
	put_nc(&e, NETCONFA_PROXY_NEIGH, nc->proxy_neigh);
	put_nc(&e, NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN, nc->ignore_routes_with_linkdown);
	return enc_end(&e);
}
