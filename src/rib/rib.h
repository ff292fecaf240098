/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The RIB: the authoritative, writer-owned copy of the kernel's routing state.
 *
 * Every object is keyed by its kernel identity:
 *  - a route prefix by (family, table, dst/len, src/len); the routes at one
 *    prefix form an ordered alias list exactly like the kernel's fib_alias
 *    list (IPv4: tos descending, metric ascending, insertion order) or fib6
 *    leaf list (metric ascending, insertion order), IPv6 ECMP siblings being
 *    one route with several hops;
 *  - a rule by its position in the per-family list;
 *  - a nexthop object by id; a link by ifindex; an address by
 *    (family, ifindex, address, prefix length), in the kernel's list order.
 *
 * Sources (netlink, files) decode into the public structs of fibmirror.h and
 * call the rib_*_apply() functions below; nothing else mutates the RIB. The
 * RIB also applies what the kernel does without telling anyone (implicit.c)
 * and keeps the reverse indexes (index/) current on every change.
 *
 * Thread context: writer only, everywhere in this directory.
 */
#ifndef FM_RIB_H
#define FM_RIB_H

#include "fibmirror.h"
#include "../util/hash.h"
#include "../util/list.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define RIB_MAX_HOPS 512 /* multipath members per route */

struct rib;
struct rib_route;
struct rib_nh;

/* One nexthop, owned by a route or by a nexthop object, linked into indexes. */
struct rib_hop {
	struct fm_hop h;
	uintptr_t owner;       /* struct rib_route *, or struct rib_nh * | 1 */
	struct ilist gw_link;  /* in the gateway index when h.gw.family != 0 */
	struct ilist dev_link; /* in the device index when h.ifindex != 0 */
};

struct rib_key {
	uint8_t dst[16];
	uint8_t src[16];
	uint32_t table;
	uint8_t family, dst_len, src_len, pad;
};

/* What most routes (a full BGP table) lack, kept out of line. */
struct rib_route_ext {
	uint8_t prefsrc[16];
	uint8_t prefsrc_family;
	uint32_t metrics_mask;
	uint32_t metrics[FM_RTAX_MAX];
};

struct rib_route {
	struct hnode hn;	/* in rib->routes (alias list heads only) */
	struct rib_route *next; /* next alias with the same key, kernel order */
	struct rib_key key;
	uint32_t priority, nhid, flags;
	uint32_t expires; /* deadline, rib_expiry_*() units; 0 = none */
	uint8_t tos, type, protocol, scope, pref;
	uint16_t nhops;
	uint32_t mark;		   /* query de-duplication (rib->mark) */
	struct rib_route_ext *ext; /* prefsrc and metrics, NULL when neither */
	struct rib_hop *hops;	   /* &hop0 when nhops <= 1, else an array */
	struct rib_hop hop0;
};

/* A route using a nexthop object has no hops of its own, so its link in the
 * object's user list is the first hop's (unused) gateway link. */
#define nh_user_link(r)	 (&(r)->hop0.gw_link)
#define nh_user_route(p) container_of(p, struct rib_route, hop0.gw_link)

static inline struct rib_route *hop_route(const struct rib_hop *h)
{
	return (h->owner & 1) ? NULL : (struct rib_route *)h->owner;
}

static inline struct rib_nh *hop_nh(const struct rib_hop *h)
{
	return (h->owner & 1) ? (struct rib_nh *)(h->owner & ~(uintptr_t)1) : NULL;
}

struct rib_nh {
	struct hnode hn;
	struct fm_nexthop o; /* o.members points to an owned array */
	struct rib_hop hop;  /* single nexthops: linked into the indexes */
	struct ilist users;  /* routes whose nhid is this object */
	uint32_t mark;
};

struct rib_addr {
	struct ilist link; /* in rib_link.addrs[family], kernel list order */
	struct fm_address o;
};

struct rib_link {
	struct hnode hn;
	struct fm_link o;
	struct ilist addrs[2]; /* [0] IPv4, [1] IPv6 */
	/* A hop arrived that the known carrier state does not explain: the
	 * kernel's carrier notice is still to come (rib_implicit_hop_new). */
	bool carrier_doubt;
};

/* The prefix lengths one table's route keys use (rib->tlens); there is one
 * while the table has a route. */
struct rib_tlens {
	struct hnode hn;
	uint32_t table;
	uint8_t family;
	uint64_t n;	    /* keys */
	uint32_t keys[129]; /* keys per destination prefix length */
	uint64_t lens[3];   /* bit l: keys[l] != 0 */
};

struct rib_watch {
	struct ilist link;
	struct rib *rib;
	struct fm_ip gw;
	int ifindex;
	fm_watch_cb cb;
	void *arg;
};

/* Called after every change; @obj is a rib_route/rib_nh/rib_link/rib_addr/fm_rule/fm_netconf. */
typedef void (*rib_emit_fn)(struct rib *rib, enum fm_event_type type, enum fm_kind kind,
			    bool implicit, const void *obj, void *arg);

struct rib_rules {
	struct fm_rule *v;
	size_t n, cap;
};

struct rib {
	struct htab routes; /* rib_route heads by key */
	struct htab nhs;    /* rib_nh by id */
	struct htab links;  /* rib_link by ifindex */
	struct htab gw;	    /* gateway index: gw_node by address */
	struct htab gwdev;  /* gateway index: gwdev_node by (address, ifindex) */
	struct htab dev;    /* device index: dev_node by ifindex */
	struct rib_rules rules[2];
	struct fm_netconf *netconf;
	size_t n_netconf;
	struct ilist watches;
	uint64_t n_routes, n_nhs, n_links, n_addrs;
	uint64_t n_src_routes; /* IPv6 source-specific routes (lookups need subtrees) */
	/*
	 * Per table, the prefix lengths its route keys use (struct
	 * rib_tlens). The general path's table walks probe only these lengths,
	 * and skip a table without routes, when no FIB of this very state
	 * guides them (ref_walk_hint), as during a storm, when the FIB lags
	 * the readers' copy.
	 */
	struct htab tlens;
	/*
	 * What the IPv4 FIB remembers for good once it happened, as far as the
	 * mirror saw it (kept across resyncs): a rule added or removed
	 * (fib_has_custom_rules: local and main are apart from then on), a
	 * local route a user added (fib_has_custom_local_routes). Both make a
	 * source check take the reverse route.
	 */
	bool v4_rules_changed, v4_local_added;
	uint64_t mem;	   /* bytes allocated for RIB objects and indexes */
	uint64_t implicit; /* changes applied without a kernel message */
	uint64_t max_routes;
	bool incomplete;
	uint32_t mark;
	/* The time a change is applied at (rib_clock_now()), or 0 for the
	 * clock's: a change replayed onto a second copy (fib/replica.c) must
	 * give a route the same deadline there. */
	uint32_t clock;
	rib_emit_fn emit;
	void *emit_arg;
	struct fm_hop *scratch; /* export buffer for hops */
	size_t scratch_n;
};

/* Operations a message asks for. */
enum rib_op { RIB_NEW, RIB_DEL };

int rib_init(struct rib *rib);
void rib_fini(struct rib *rib);

/* What stays with a RIB when its state moves to another struct rib: the
 * watches and the change hook (rib_hooks_take leaves @rib without them). */
struct rib_hooks {
	rib_emit_fn emit;
	void *emit_arg;
	struct ilist watches;
};
void rib_hooks_take(struct rib *rib, struct rib_hooks *h);
void rib_hooks_give(struct rib *rib, struct rib_hooks *h);
/* Move the state (objects, indexes, counters) of @src, which has no hooks,
 * into @dst, whose own state is dropped unfreed; @src is left empty (only
 * rib_fini or another move may follow). */
void rib_move(struct rib *dst, struct rib *src);
/* Bytes held by @rib's objects and indexes. */
uint64_t rib_mem(const struct rib *rib);

/* Apply one decoded object. @nlflags are the message's NLM_F_* flags.
 * Return 0 (also when the change was a no-op) or -errno; never half-applied. */
int rib_route_apply(struct rib *rib, enum rib_op op, uint16_t nlflags, const struct fm_route *r);
int rib_nexthop_apply(struct rib *rib, enum rib_op op, uint16_t nlflags,
		      const struct fm_nexthop *nh);
int rib_rule_apply(struct rib *rib, enum rib_op op, uint16_t nlflags, const struct fm_rule *r);
/* One of the three IPv4 rules a namespace starts with (local at 0, main at
 * 32766, default at 32767, no selector): adding them is no change. */
bool rib_rule_v4_initial(const struct fm_rule *r);
int rib_link_apply(struct rib *rib, enum rib_op op, const struct fm_link *l);
int rib_addr_apply(struct rib *rib, enum rib_op op, uint16_t nlflags, const struct fm_address *a);
int rib_netconf_apply(struct rib *rib, enum rib_op op, const struct fm_netconf *nc);

/* Routes: internal helpers shared by route.c, nexthop.c and implicit.c. */
void rib_route_remove(struct rib *rib, struct rib_route *r, bool implicit);
void rib_route_changed(struct rib *rib, struct rib_route *r, bool implicit);
int rib_route_set_hops(struct rib *rib, struct rib_route *r, const struct fm_hop *hops, int n);
struct rib_route *rib_route_head(const struct rib *rib, const struct rib_key *k);
/* The alias list of @table's prefix @addr/@len (host bits of @addr ignored,
 * no source prefix), or NULL. */
struct rib_route *rib_route_at(const struct rib *rib, uint8_t family, uint32_t table,
			       const uint8_t *addr, int len);

/* The prefix lengths table (@family, @table) uses, or NULL: no route. */
const struct rib_tlens *rib_tlens_find(const struct rib *rib, uint8_t family, uint32_t table);
/* Whether rib->tlens counts @rib's route keys, table by table (a check for
 * tests and fuzzers: it visits every key once per table). */
bool rib_lens_valid(const struct rib *rib);

/* Nexthop objects. */
struct rib_nh *rib_nh_find(const struct rib *rib, uint32_t id);
void rib_nh_remove(struct rib *rib, struct rib_nh *nh, bool implicit);

/* Links and addresses. */
struct rib_link *rib_link_find(const struct rib *rib, int ifindex);
struct rib_link *rib_link_by_name(const struct rib *rib, const char *name);
int rib_loopback(const struct rib *rib); /* ifindex of the loopback device, 0 if none */
const struct fm_netconf *rib_netconf_find(const struct rib *rib, uint8_t family, int ifindex);

/* What the kernel does silently (implicit.c). */
void rib_implicit_link_change(struct rib *rib, const struct fm_link *old, struct rib_link *l);
void rib_implicit_hop_new(struct rib *rib, int ifindex, bool linkdown);
void rib_implicit_link_gone(struct rib *rib, const struct fm_link *l);
void rib_implicit_addr_new(struct rib *rib, const struct fm_address *a);
void rib_implicit_addr_gone(struct rib *rib, const struct fm_address *a);
void rib_implicit_nh_gone(struct rib *rib, struct rib_nh *nh);

/* Export into public structs (export.c). Hops point into rib->scratch. */
void rib_route_export(struct rib *rib, const struct rib_route *r, struct fm_route *out);
/* The hops @r exports (nexthop objects expanded, linkdown hops dead where
 * ignored) into @out, at most @max; returns the count. Reads only. */
int rib_route_hops(const struct rib *rib, const struct rib_route *r, struct fm_hop *out, int max);
void rib_rule_export(const struct rib *rib, const struct fm_rule *in, struct fm_rule *out);

/* Iteration in dump order (export.c). */
int rib_route_foreach(struct rib *rib, const struct fm_route_filter *f, fm_route_cb cb, void *arg);
int rib_nh_foreach(struct rib *rib, fm_nexthop_cb cb, void *arg);
int rib_link_foreach(struct rib *rib, fm_link_cb cb, void *arg);
int rib_addr_foreach(struct rib *rib, uint8_t family, fm_addr_cb cb, void *arg);
int rib_rule_foreach(struct rib *rib, uint8_t family, fm_rule_cb cb, void *arg);

/* Canonical comparison of two RIBs (canon.c). Calls @cb per difference line;
 * @on_diff (may be NULL) gets the differing objects, for resync events. */
typedef void (*rib_diff_obj_fn)(char sign, enum fm_kind kind, const void *obj, void *arg);
long rib_diff(struct rib *mirror, struct rib *kernel, fm_diff_cb cb, void *cb_arg,
	      rib_diff_obj_fn on_diff, void *diff_arg);

/* Small helpers. */
static inline int fam_idx(uint8_t family)
{
	return family == AF_INET6;
}
static inline int fam_alen(uint8_t family)
{
	return family == AF_INET6 ? 16 : 4;
}
/* IPv6 route lifetimes tick: the RIB keeps a deadline, export the time left.
 * Deadlines count from @rib->clock, else from now. */
uint32_t rib_expiry_deadline(const struct rib *rib, uint32_t seconds_left);
/* The clock deadlines are in (for rib->clock); never 0. */
uint32_t rib_clock_now(void);
uint32_t rib_expiry_left(uint32_t deadline);
/* The earlier of two deadlines (0: none; they wrap). */
uint32_t rib_expiry_earlier(uint32_t a, uint32_t b);
/* Milliseconds until rib_expiry_left(@deadline) turns 0 (0: it has). */
uint32_t rib_expiry_ms(uint32_t deadline);
/* Call @ended for every route whose lifetime is over; return the earliest
 * deadline still to come (0: none). Writer. */
uint32_t rib_expiry_scan(struct rib *rib, void (*ended)(const struct rib_route *r, void *arg),
			 void *arg);
void rib_emit(struct rib *rib, enum fm_event_type type, enum fm_kind kind, bool implicit,
	      const void *obj);

#endif
