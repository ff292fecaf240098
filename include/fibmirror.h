/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fibmirror.h - the one public header of libfibmirror.
 *
 * libfibmirror keeps an exact, live copy of the kernel's routing state (links,
 * addresses, nexthop objects, policy rules, routes of every table, IPv4 and
 * IPv6, and the netconf values that change lookups) by watching rtnetlink, or
 * loads the same state offline from a file.
 *
 * Conventions used by every function below:
 *  - Errors are negative errno values; 0 (or a count) means success.
 *  - Handles (struct fm_mirror, struct fm_watch) are opaque.
 *  - Objects handed to callbacks (struct fm_route etc.) are copies owned by
 *    the library and valid only until the callback returns; copy what you keep.
 *  - Threads: one writer. Every function that takes a struct fm_mirror must be
 *    called from the thread that calls fm_process() (or, when nobody does, any
 *    one thread at a time). Callbacks run in that thread.
 *  - The library never logs, never exits and never installs signal handlers.
 */
#ifndef FIBMIRROR_H
#define FIBMIRROR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define FM_API __attribute__((visibility("default")))
#else
#define FM_API
#endif

/** An IPv4 or IPv6 address. family is AF_INET, AF_INET6, or 0 for "none". */
struct fm_ip {
	uint8_t family;
	uint8_t pad[3];
	union {
		uint8_t b[16];
		uint32_t v4; /**< network byte order */
	};
};

/* ---------------------------------------------------------------- objects */

/** One nexthop of a route: a gateway and/or device, a weight, RTNH_F_* flags. */
struct fm_hop {
	struct fm_ip gw; /**< gw.family 0: no gateway; may differ from the route family */
	int ifindex;	 /**< 0: none */
	uint16_t weight; /**< 1..256 (rtnh_hops + 1) */
	uint8_t flags;	 /**< RTNH_F_DEAD, RTNH_F_LINKDOWN, RTNH_F_ONLINK, ... */
	uint8_t pad;
	uint32_t realm; /**< RTA_FLOW, 0 if none */
};

#define FM_RTAX_MAX 18	       /**< metrics slots; index = RTAX_* */
#define FM_EXPIRED  UINT32_MAX /**< fm_route.expires of a route past its lifetime */

/** A route, as the kernel holds it (one fib_alias / fib6_info). */
struct fm_route {
	uint8_t family;
	uint8_t dst_len;
	uint8_t src_len; /**< IPv6 source-specific routes */
	uint8_t tos;
	uint8_t type; /**< RTN_* */
	uint8_t protocol;
	uint8_t scope;
	uint8_t pref; /**< IPv6 ICMPV6_ROUTER_PREF_*; 0xff when absent */
	uint32_t table;
	uint32_t priority; /**< metric */
	uint32_t flags;	   /**< rtm_flags (RTNH_F_* for single-hop routes, RTM_F_*) */
	uint32_t nhid;	   /**< nexthop object id, 0 if none */
	uint32_t expires;  /**< seconds left, 0 = none, FM_EXPIRED = past (not yet removed) */
	struct fm_ip dst;
	struct fm_ip src;
	struct fm_ip prefsrc;  /**< RTA_PREFSRC */
	uint32_t metrics_mask; /**< bit i set: metrics[i] present */
	uint32_t metrics[FM_RTAX_MAX];
	uint16_t nhops; /**< 0 for routes without nexthops (blackhole, nhid) */
	const struct fm_hop *hops;
};

/** Rule attribute presence bits (struct fm_rule.attrs). */
enum {
	FM_RULE_PRIORITY = 1u << 0,
	FM_RULE_FWMARK = 1u << 1,
	FM_RULE_FWMASK = 1u << 2,
	FM_RULE_IIF = 1u << 3,
	FM_RULE_OIF = 1u << 4,
	FM_RULE_GOTO = 1u << 5,
	FM_RULE_SUPPRESS_PREFIXLEN = 1u << 6,
	FM_RULE_SUPPRESS_IFGROUP = 1u << 7,
	FM_RULE_UIDRANGE = 1u << 8,
	FM_RULE_SPORT = 1u << 9,
	FM_RULE_DPORT = 1u << 10,
	FM_RULE_IPPROTO = 1u << 11,
	FM_RULE_TUN_ID = 1u << 12,
	FM_RULE_L3MDEV = 1u << 13,
	FM_RULE_FLOW = 1u << 14,
	FM_RULE_PROTOCOL = 1u << 15,
	FM_RULE_TABLE = 1u << 16,
};

/** A policy rule (fib_rule). */
struct fm_rule {
	uint8_t family;
	uint8_t action; /**< FR_ACT_* */
	uint8_t dst_len, src_len;
	uint8_t tos;
	uint8_t ip_proto;
	uint8_t protocol; /**< originator (RTPROT_*) */
	uint8_t l3mdev;
	uint32_t attrs; /**< FM_RULE_* presence bits */
	uint32_t flags; /**< FIB_RULE_INVERT, FIB_RULE_UNRESOLVED, ... */
	uint32_t priority;
	uint32_t table;
	uint32_t goto_target;
	uint32_t fwmark, fwmask;
	uint32_t suppress_prefixlen;
	uint32_t suppress_ifgroup;
	uint32_t flow;
	uint32_t uid_start, uid_end;
	uint16_t sport_lo, sport_hi, dport_lo, dport_hi;
	uint64_t tun_id;
	struct fm_ip dst, src;
	char iifname[16];
	char oifname[16];
	int iif_ifindex; /**< resolved by name now: >0, or -1 when detached, 0 if no iif */
	int oif_ifindex;
};

/** One member of a nexthop group. */
struct fm_nh_member {
	uint32_t id;
	uint16_t weight; /**< 1..256 */
	uint16_t pad;
};

/** A nexthop object (ip nexthop). */
struct fm_nexthop {
	uint32_t id;
	uint8_t family;
	uint8_t protocol;
	uint8_t scope;
	bool blackhole;
	bool fdb;
	uint8_t pad;
	uint16_t group_type; /**< NEXTHOP_GRP_TYPE_*, meaningful when nmembers > 0 */
	uint32_t flags;	     /**< RTNH_F_* */
	int ifindex;
	struct fm_ip gw;
	uint16_t res_buckets; /**< resilient groups */
	uint32_t res_idle_timer,
	    res_unbalanced_timer; /**< clock_t (1/100 s), as the kernel sends */
	uint16_t nmembers;
	const struct fm_nh_member *members;
};

/** A network device. */
struct fm_link {
	int ifindex;
	char name[16];
	char kind[16];	/**< IFLA_INFO_KIND: "veth", "bridge", ... or "" */
	uint32_t flags; /**< IFF_* (IFF_UP, IFF_LOWER_UP, ...) */
	uint8_t operstate;
	uint8_t addr_len;
	uint16_t type; /**< ARPHRD_* */
	uint32_t group;
	uint32_t mtu;
	int master;
	int link; /**< IFLA_LINK (peer), 0 if none */
	uint8_t addr[32];
};

/** An interface address. */
struct fm_address {
	uint8_t family;
	uint8_t prefixlen;
	uint8_t scope;
	uint8_t pad;
	uint32_t flags; /**< IFA_F_* (IFA_FLAGS, full 32 bits) */
	int ifindex;
	struct fm_ip local;	/**< IFA_LOCAL (IPv4), the address */
	struct fm_ip address;	/**< IFA_ADDRESS (peer for point-to-point) */
	struct fm_ip broadcast; /**< IFA_BROADCAST, family 0 if none */
	char label[16];
	uint32_t valid_lft, preferred_lft; /**< seconds, 0xffffffff = forever */
	uint32_t metric;		   /**< IFA_RT_PRIORITY */
	uint32_t cstamp;		   /**< creation time, 1/100 s since boot */
};

/** Per-device (or "all"/"default") netconf values; -1 = not reported. */
struct fm_netconf {
	uint8_t family;
	int ifindex; /**< NETCONFA_IFINDEX_ALL (-1), _DEFAULT (-2), or a device */
	int32_t forwarding;
	int32_t rp_filter;
	int32_t mc_forwarding;
	int32_t proxy_neigh;
	int32_t ignore_routes_with_linkdown;
};

/* ----------------------------------------------------------------- mirror */

struct fm_mirror;

/** Options for fm_mirror_open(); zero-initialise, set sz = sizeof(struct fm_open_opts). */
struct fm_open_opts {
	size_t sz;
	const char *netns; /**< name under /run/netns, or a path; NULL = current */
	/** Event socket buffer; 0 = 32 MiB (clamped by the kernel). A smaller
	 * one is raised to 32 MiB while a dump or resync keeps the writer away
	 * (seconds for a million routes), until their backlog is read. */
	size_t rcvbuf;
	uint64_t max_routes;	/**< 0 = unlimited; beyond it the state is flagged incomplete */
	uint32_t resync_min_ms; /**< minimum interval between resync starts; 0 = 1000.
				     A resync waits for the events to pause, or for
				     10 x this interval during a storm that never does. */
	uint32_t flags;		/**< FM_OPEN_*; another bit: -EINVAL */
};

enum {
	/**
	 * Only the writer's thread (the one that opens the mirror) asks what
	 * the published FIB cannot answer, as a daemon answering its clients
	 * or a one-shot command does: no copy of the RIB is kept for other
	 * threads' general-path lookups, which halves the RIB's memory and
	 * saves an apply per change. Other threads' plain lookups still work;
	 * those that need the general path return -EPERM. Live mirrors only:
	 * a file's never changes, so any thread reads its one RIB.
	 */
	FM_OPEN_WRITER_ONLY = 1 << 0,
};

/**
 * fm_mirror_open() - open a live mirror and bring it in sync.
 * Subscribes to the rtnetlink groups, dumps links, addresses, nexthops, rules,
 * routes and netconf, then applies the events queued meanwhile. Works without
 * privileges. On success *ret owns sockets; release with fm_mirror_free().
 * Return: 0, or -errno (-ENOENT: no such netns, -ENOMEM, socket errors).
 * Thread: any. The writer is the thread that then calls fm_mirror_process()
 * (or the caller at once with FM_OPEN_WRITER_ONLY); its lookups read the
 * RIB itself.
 */
FM_API int fm_mirror_open(const struct fm_open_opts *opts, struct fm_mirror **ret);

/**
 * fm_mirror_open_file() - load an offline mirror from a file: an `ip route save`
 * file, a text route list (`ip route show` lines or bare prefixes) or a
 * fibmirror snapshot (fm_mirror_save()). The format is detected. Nothing is
 * kept on failure. @err (may be NULL) receives a message naming the byte offset
 * or line of the first error.
 * Return: 0, -EINVAL/-EBADMSG for malformed input, -EFBIG over the cap, -errno.
 */
FM_API int fm_mirror_open_file(const char *path, const struct fm_open_opts *opts,
			       struct fm_mirror **ret, char *err, size_t errlen);

/** fm_mirror_free() - close sockets, free everything. NULL is a no-op. Writer thread. */
FM_API void fm_mirror_free(struct fm_mirror *m);

/** fm_mirror_fd() - the descriptor to poll for POLLIN (live mirrors), or -EBADF offline. */
FM_API int fm_mirror_fd(const struct fm_mirror *m);

/**
 * fm_mirror_process() - apply every pending kernel event (and run a pending
 * resync when its rate limit allows). Waits up to @timeout_ms for the first
 * event (0: don't wait, -1: forever).
 * Return: number of messages applied, or -errno. Writer thread.
 */
FM_API int fm_mirror_process(struct fm_mirror *m, int timeout_ms);

/**
 * fm_mirror_timeout() - milliseconds after which fm_mirror_process() should be
 * called even if fm_mirror_fd() stays silent (a resync is waiting for the
 * event stream to calm down, the FIB is to be compiled, or a route's
 * lifetime ends, which the kernel does not announce), or -1 when nothing is
 * pending. For callers that run their own poll loop. Writer thread.
 */
FM_API int fm_mirror_timeout(const struct fm_mirror *m);

/**
 * fm_mirror_resync() - dump everything into a shadow state, diff it against the
 * mirror, emit the differences as events and swap. The replaced state is
 * freed by the next fm_mirror_process() that finds no event pending (or by
 * fm_mirror_free()), so the events queued during the resync are applied
 * first. Return: number of differences, or -errno. Writer thread.
 */
FM_API int fm_mirror_resync(struct fm_mirror *m);

/** Callback receiving one difference line (canonical text form, '+' kernel only, '-' mirror only).
 */
typedef int (*fm_diff_cb)(char sign, const char *line, void *arg);

/**
 * fm_mirror_verify() - compare the mirror with a fresh kernel dump without
 * changing it. Pending events are applied first. The copy of the RIB other
 * threads' lookups read is then brought up to date and compared with the
 * mirror too ('-' mirror only, '+' copy only: never expected). Return:
 * number of differences (0 = equal) or -errno. Writer thread.
 */
FM_API int fm_mirror_verify(struct fm_mirror *m, fm_diff_cb cb, void *arg);

/** fm_mirror_save() - write a snapshot that fm_mirror_open_file() reads back. Return 0 or -errno.
 */
FM_API int fm_mirror_save(struct fm_mirror *m, const char *path);

/** Counters (struct fm_stats). */
struct fm_stats {
	uint64_t events;       /**< kernel notifications applied */
	uint64_t implicit;     /**< changes the mirror made itself (silent kernel side effects) */
	uint64_t resyncs;      /**< full resyncs done */
	uint64_t resync_diffs; /**< differences found by resyncs */
	uint64_t overruns;     /**< ENOBUFS / drop-counter rises seen */
	uint64_t foreign;      /**< messages dropped because the sender was not the kernel */
	uint64_t malformed;    /**< messages dropped because they did not parse */
	uint64_t truncated;    /**< MSG_TRUNC seen (buffer grown) */
	uint64_t routes, rules, nexthops, links, addrs;
	uint64_t mem_bytes; /**< RIB, indexes and (live) the readers' copy of them */
	uint64_t rcvbuf;    /**< event socket buffer now (raised during a dump: fm_open_opts) */
	uint64_t fib_publications;    /**< FIBs published to readers */
	uint64_t fib_tables_patched;  /**< ... tables patched at changed prefixes in them */
	uint64_t fib_tables_compiled; /**< ... tables compiled whole */
	bool incomplete;	      /**< --max-routes hit: state is partial */
	bool live;
};

/** fm_mirror_stats() - copy the counters. Writer thread. */
FM_API void fm_mirror_stats(const struct fm_mirror *m, struct fm_stats *ret);

/* ---------------------------------------------------------------- queries */

typedef int (*fm_route_cb)(const struct fm_route *r, void *arg);

/** Filter for fm_route_foreach(): zero = everything. */
struct fm_route_filter {
	uint8_t family; /**< 0 = both */
	bool any_table; /**< true: every table; false: only @table */
	uint32_t table;
};

/**
 * fm_route_foreach() - call @cb for each route matching @f, in kernel dump
 * order within a prefix. A non-zero return from @cb stops the walk and is
 * returned. Writer thread.
 */
FM_API int fm_route_foreach(struct fm_mirror *m, const struct fm_route_filter *f, fm_route_cb cb,
			    void *arg);

/**
 * fm_routes_by_gateway() - every route with a nexthop whose gateway is @gw
 * (directly, or through a nexthop object or group), optionally only those
 * leaving through @ifindex (0 = any). Time proportional to the answer.
 * Return: 0, the first non-zero @cb return, or -EINVAL. Writer thread.
 */
FM_API int fm_routes_by_gateway(struct fm_mirror *m, const struct fm_ip *gw, int ifindex,
				fm_route_cb cb, void *arg);

/** fm_routes_by_dev() - every route with a nexthop leaving through @ifindex. As above. */
FM_API int fm_routes_by_dev(struct fm_mirror *m, int ifindex, fm_route_cb cb, void *arg);

typedef int (*fm_rule_cb)(const struct fm_rule *r, void *arg);
typedef int (*fm_nexthop_cb)(const struct fm_nexthop *nh, void *arg);
typedef int (*fm_link_cb)(const struct fm_link *l, void *arg);
typedef int (*fm_addr_cb)(const struct fm_address *a, void *arg);
typedef int (*fm_netconf_cb)(const struct fm_netconf *nc, void *arg);

/** The rules of @family (0 = IPv4 then IPv6) in evaluation order. Writer thread. */
FM_API int fm_rule_foreach(struct fm_mirror *m, uint8_t family, fm_rule_cb cb, void *arg);
/** Nexthop objects by ascending id. Writer thread. */
FM_API int fm_nexthop_foreach(struct fm_mirror *m, fm_nexthop_cb cb, void *arg);
/** Links by ascending ifindex. Writer thread. */
FM_API int fm_link_foreach(struct fm_mirror *m, fm_link_cb cb, void *arg);
/** Addresses per device (ascending ifindex) in kernel list order. @family 0 = both. */
FM_API int fm_addr_foreach(struct fm_mirror *m, uint8_t family, fm_addr_cb cb, void *arg);
/** Netconf entries. Writer thread. */
FM_API int fm_netconf_foreach(struct fm_mirror *m, fm_netconf_cb cb, void *arg);

/**
 * fm_nexthop_get() - copy nexthop object @id into *ret. ret->members points
 * into the mirror and stays valid until the next call that changes it.
 * Return 0 or -ENOENT. Writer thread.
 */
FM_API int fm_nexthop_get(struct fm_mirror *m, uint32_t id, struct fm_nexthop *ret);
typedef int (*fm_sysctl_cb)(const char *name, int64_t value, void *arg);
/**
 * fm_sysctl_foreach() - the lookup-relevant sysctls without netconf
 * notifications ("net/ipv4/fib_multipath_hash_policy", ...), as last read
 * (live mirrors re-read them at most a second apart). Writer thread.
 */
FM_API int fm_sysctl_foreach(struct fm_mirror *m, fm_sysctl_cb cb, void *arg);
/** fm_link_get() - copy link @ifindex into *ret. Return 0 or -ENODEV. */
FM_API int fm_link_get(struct fm_mirror *m, int ifindex, struct fm_link *ret);
/** fm_link_by_name() - copy the link named @name into *ret. Return 0 or -ENODEV. */
FM_API int fm_link_by_name(struct fm_mirror *m, const char *name, struct fm_link *ret);

/* ----------------------------------------------------------- route lookup */

/** A flow to route, the fields of `ip route get`. Zero-initialise. */
struct fm_flow {
	uint8_t family;	  /**< AF_INET or AF_INET6 */
	uint8_t tos;	  /**< dsfield (IPv4 tos, IPv6 traffic class) */
	uint8_t ip_proto; /**< IPPROTO_*; `ip route get` sends UDP for IPv4 by default */
	uint8_t flags;	  /**< FM_FLOW_* */
	struct fm_ip dst;
	struct fm_ip src; /**< family 0: no source given */
	int iif;	  /**< > 0: the input path, as if received on this device */
	int oif;	  /**< > 0: output device given (SO_BINDTODEVICE, `oif`) */
	uint32_t mark;
	uint32_t uid; /**< used when FM_FLOW_UID is set (else root's 0 on output) */
	uint16_t sport, dport;
	uint32_t flowlabel; /**< IPv6 */
};

enum {
	FM_FLOW_UID = 1 << 0,	   /**< uid is given */
	FM_FLOW_FIBMATCH = 1 << 1, /**< return the matched FIB entry (`fibmatch`) */
};

#define FM_RESULT_MAX_HOPS 64

/** The kernel's decision for a flow. */
struct fm_result {
	uint8_t family;
	uint8_t type;	  /**< RTN_* of the result (unicast, local, broadcast, multicast...) */
	uint8_t protocol; /**< of the matched route */
	uint8_t scope;
	uint8_t pref;	 /**< IPv6 route preference, 0xff if none */
	uint8_t dst_len; /**< matched prefix (fibmatch) */
	uint8_t src_len;
	bool has_table; /**< false when no FIB entry decided (on-link fallback, 0.0.0.0) */
	uint32_t table;
	uint32_t priority; /**< metric of the matched route */
	uint32_t nhid;
	uint32_t flags;	      /**< RTCF_* cache flags (RTCF_LOCAL, RTCF_BROADCAST, ...) */
	int oif;	      /**< output device; loopback for local delivery */
	int iif;	      /**< input path: the input device */
	struct fm_ip gw;      /**< gateway of the chosen nexthop, family 0 if none */
	struct fm_ip prefsrc; /**< the source the kernel picks (`src` of ip route get) */
	struct fm_ip dst;     /**< matched prefix (fibmatch) */
	struct fm_ip src; /**< matched source prefix (IPv6 source-specific routes; with src_len) */
	uint16_t
	    nhops; /**< the matched route's nexthops with weights and flags (dead ones flagged) */
	int16_t chosen;	   /**< index in hops of the member this flow uses, -1 if none */
	bool choice_exact; /**< the member choice reproduces the kernel's hash */
	struct fm_hop hops[FM_RESULT_MAX_HOPS];
};

/**
 * fm_route_get() - route @fl exactly as the kernel would (`ip route get`).
 * Return: 0 with *ret filled, or the kernel's error for this flow:
 * -ENETUNREACH, -EHOSTUNREACH, -EINVAL, -EACCES, -ENODEV, -EAGAIN never.
 * Thread: any thread, any number at once. Plain flows (output path: no iif,
 * oif or source, not fibmatch, an ordinary unicast destination), flows
 * that name only an output device where the route the tables decide on
 * has a live hop on it, flows with only a source, and IPv4 packets
 * received (iif and a source, both ordinary unicast) are answered from the
 * published FIB under RCU, without locks or waiting, and see a change once
 * the writer has published it (at most a second after it, sooner once
 * changes pause); on the
 * writer's own thread they see it at once. Other flows and the few routes
 * the FIB leaves to it take the general path: on the writer's thread over
 * the RIB itself, elsewhere over the copy the writer hands over to readers
 * (as soon as it reads a change, at most 10 ms later during a storm),
 * again without locks or waiting. A thread registers itself with liburcu
 * (memb) on its first call and unregisters when it exits. In the writer's own event
 * callbacks the answer reflects the change being applied.
 */
FM_API int fm_route_get(struct fm_mirror *m, const struct fm_flow *fl, struct fm_result *ret);
/**
 * fm_route_get_bulk() - fm_route_get() of @n flows at once, as a data plane
 * routes a burst of packets: @rc[i] gets what fm_route_get(m, &fl[i],
 * &ret[i]) returns and @ret[i] what it fills. The table lookups of plain
 * flows are interleaved so their cache misses overlap, and the RCU read side
 * is entered once; the answers are those of fm_route_get, flow by flow.
 * Return: 0, or -EINVAL if @m is NULL (or an array is NULL with @n > 0).
 * Thread: as fm_route_get(); the caller owns all three arrays.
 */
FM_API int fm_route_get_bulk(struct fm_mirror *m, const struct fm_flow *fl, struct fm_result *ret,
			     int *rc, size_t n);

/* ------------------------------------------------------------- flow cache */

/*
 * A flow route cache in front of fm_route_get(): the whole decision (rules,
 * table, fallback, multipath member, source address, or the error) kept per
 * flow key, for one thread. Every entry of a family is invalidated at once,
 * in O(1), by a generation number the mirror changes whenever it applies
 * anything that can change a decision of that family (routes, rules,
 * nexthops, links, addresses, netconf, sysctls, a resync) and again when it
 * publishes its FIB. The cache has a fixed number of entries in 8-way sets,
 * hashes flow keys with a random key of its own, and bypasses itself while
 * its hit rate is low, so chosen or random flows can neither grow it nor
 * slow a lookup down by more than an occasional sampled probe.
 */
struct fm_cache;

/** Options for fm_cache_new(); zero-initialise, set sz = sizeof(struct fm_cache_opts). */
struct fm_cache_opts {
	size_t sz;
	uint32_t entries; /**< capacity, rounded up to a power of two >= 64; 0 = 4096 */
	bool no_bypass;	  /**< always probe and insert, whatever the hit rate */
};

/** Cache counters, in the manner of the kernel's rt_cache statistics. */
struct fm_cache_stats {
	uint64_t in_hit, in_slow;   /**< input path (flows with iif): hits; misses looked up */
	uint64_t out_hit, out_slow; /**< output path */
	uint64_t searches;	    /**< entries compared while probing */
	uint64_t stale;		    /**< probed entries of an older generation (invalidated) */
	uint64_t evictions;	    /**< entries replaced to make room (live or invalidated) */
	uint64_t bypassed;	    /**< lookups that skipped the cache (low hit rate); the
				     hit rate is hits / (hits + slow + bypassed) */
	uint64_t bypass_on;	    /**< times the bypass was switched on */
	uint64_t invalidations;	    /**< generation changes of the mirror (each one
					 invalidates every entry of a family) */
	uint64_t entries;	    /**< capacity (of all caches, for the mirror) */
	uint64_t caches;	    /**< fm_mirror_cache_stats(): caches open now */
};

/**
 * fm_cache_new() - a flow cache for one thread over @m (@o may be NULL).
 * The caller owns *ret and frees it with fm_cache_free() before the mirror.
 * Return: 0, -EINVAL, -ENOMEM. Thread: any; afterwards the cache is used by
 * one thread at a time, normally the one reader thread that owns it.
 */
FM_API int fm_cache_new(struct fm_mirror *m, const struct fm_cache_opts *o, struct fm_cache **ret);
/** fm_cache_free() - free @c; its counters stay in the mirror's totals. NULL is a no-op. Owner. */
FM_API void fm_cache_free(struct fm_cache *c);
/**
 * fm_cache_route_get() - fm_route_get() through the cache: the same return
 * value and the same result (the head of *ret and its nhops hops), from the
 * cache when the flow was looked up since the last change of its family.
 * A hit writes only to the cache's own memory. Thread: the cache's owner.
 */
FM_API int fm_cache_route_get(struct fm_cache *c, const struct fm_flow *fl, struct fm_result *ret);
/** fm_cache_stats() - copy the counters of @c. Thread: any (they may be a moment old). */
FM_API void fm_cache_stats(const struct fm_cache *c, struct fm_cache_stats *ret);
/** fm_mirror_cache_stats() - the counters of every cache of @m, open or freed, summed. Any thread.
 */
FM_API void fm_mirror_cache_stats(struct fm_mirror *m, struct fm_cache_stats *ret);

/* ---------------------------------------------------------- route handles */

/*
 * A route handle keeps the decision for one flow (a tunnel peer, a socket)
 * and says in one load and compare whether it still holds: it records the
 * generation of its family when it looked the flow up, and is valid while
 * the mirror's is unchanged. It holds no pointer into the mirror's routes,
 * devices or FIB, so a route deleted, a device removed, a resync or even the
 * mirror freed leave it safe to check, refresh and release. Like the
 * kernel's IPv4 dst check, any change of the family invalidates it: a
 * refresh then tells whether the decision really changed. The end of a
 * route's lifetime (IPv6 `expires`), which nothing announces, invalidates it
 * when the writer next runs fm_mirror_process() (fm_mirror_timeout() says
 * when); fm_handle_refresh() checks the lifetime itself.
 */
struct fm_handle;

/** The part of every handle that fm_handle_valid() reads; the rest is private. */
struct fm_handle_check {
	const uint64_t *gen; /**< the family's live generation (outlives the mirror) */
	uint64_t seen;	     /**< its value when the decision was taken */
};

/**
 * fm_handle_valid() - true while nothing that can change the decision of
 * @h has changed. Thread: any; @h must not be freed meanwhile.
 */
static inline bool fm_handle_valid(const struct fm_handle *h)
{
	const struct fm_handle_check *c = (const struct fm_handle_check *)(const void *)h;

	return __atomic_load_n(c->gen, __ATOMIC_ACQUIRE) ==
	       __atomic_load_n(&c->seen, __ATOMIC_RELAXED);
}

/**
 * fm_handle_new() - look @fl up and keep the decision in a new handle,
 * owned by the caller (fm_handle_free()). The lookup's own answer, success
 * or the kernel's error, is read with fm_handle_result().
 * Return: 0, -EINVAL, -ENOMEM. Thread: any (as fm_route_get()).
 */
FM_API int fm_handle_new(struct fm_mirror *m, const struct fm_flow *fl, struct fm_handle **ret);
/**
 * fm_handle_result() - the decision @h holds: returns what fm_route_get()
 * returned for it and points *ret at its result, which stays valid until
 * @h is refreshed or freed. Thread: the handle's owner.
 */
FM_API int fm_handle_result(const struct fm_handle *h, const struct fm_result **ret);
/**
 * fm_handle_refresh() - if @h is no longer valid, look its flow up again.
 * Return: 0 when the decision is unchanged (the handle is valid again), 1
 * when it changed, -ESHUTDOWN once the mirror has been freed. Thread: the
 * handle's owner, while the mirror is alive or after fm_mirror_free().
 */
FM_API int fm_handle_refresh(struct fm_handle *h);
/** fm_handle_free() - release @h, before or after the mirror. NULL is a no-op. Any thread. */
FM_API void fm_handle_free(struct fm_handle *h);

/* ----------------------------------------------------------------- events */

enum fm_kind {
	FM_KIND_ROUTE,
	FM_KIND_RULE,
	FM_KIND_NEXTHOP,
	FM_KIND_LINK,
	FM_KIND_ADDR,
	FM_KIND_NETCONF,
	FM_KIND_RESYNC, /**< marker: events were lost; what follows is the repair */
};

enum fm_event_type {
	FM_EV_NEW,
	FM_EV_DEL,
	FM_EV_REPLACE,
	FM_EV_RESYNC_BEGIN,
	FM_EV_RESYNC_END,
};

/** One change of the mirror. The object pointer matching @kind is set. */
struct fm_event {
	enum fm_event_type type;
	enum fm_kind kind;
	bool implicit; /**< the kernel made this change without announcing it */
	union {
		const struct fm_route *route;
		const struct fm_rule *rule;
		const struct fm_nexthop *nexthop;
		const struct fm_link *link;
		const struct fm_address *addr;
		const struct fm_netconf *netconf;
	};
};

typedef void (*fm_event_cb)(const struct fm_event *ev, void *arg);

/**
 * fm_mirror_subscribe() - receive every change after it is applied (NULL
 * unsubscribes). One subscriber per mirror. Writer thread.
 */
FM_API void fm_mirror_subscribe(struct fm_mirror *m, fm_event_cb cb, void *arg);

struct fm_watch;

/** Called when a route via the watched gateway appears (@added) or disappears. */
typedef void (*fm_watch_cb)(const struct fm_route *r, bool added, void *arg);

/**
 * fm_watch_gateway() - watch "routes via @gw (on @ifindex, 0 = any device)".
 * @cb fires exactly once per matching route added or removed (a replace is a
 * removal then an addition only when the match changes). @cb runs while the
 * change is being applied: queries from it see the RIB with that change and
 * maybe not yet those applied with it. Release with fm_watch_free() before
 * the mirror. Return 0 or -errno. Writer thread.
 */
FM_API int fm_watch_gateway(struct fm_mirror *m, const struct fm_ip *gw, int ifindex,
			    fm_watch_cb cb, void *arg, struct fm_watch **ret);
/**
 * Called when the decision for a watched flow changes: what fm_route_get()
 * returned and filled before (@old_rc, @old) and now (@new_rc, @new).
 */
typedef void (*fm_flow_watch_cb)(const struct fm_flow *fl, int old_rc, const struct fm_result *old,
				 int new_rc, const struct fm_result *new, void *arg);

/**
 * fm_watch_flow() - watch the decision for @fl (a destination alone, or a
 * whole flow): next-hop tracking. After fm_mirror_process() or
 * fm_mirror_resync() has applied changes of the flow's family, @cb fires
 * once if the decision (the return value, or the result's head and hops)
 * differs from the one it last reported, and never when it is the same.
 * Changes applied together are seen together. @cb runs on the writer's
 * thread after the batch is applied: it may call any query, and may free
 * its own watch (no other). Nothing is reported at registration; the first
 * answer is fm_route_get()'s. Gateway and flow watches are one kind of
 * object, released with fm_watch_free() before the mirror.
 * Return 0 or -errno. Writer thread.
 */
FM_API int fm_watch_flow(struct fm_mirror *m, const struct fm_flow *fl, fm_flow_watch_cb cb,
			 void *arg, struct fm_watch **ret);
/** fm_watch_free() - stop and release a watch. NULL is a no-op. Writer thread. */
FM_API void fm_watch_free(struct fm_watch *w);

/* ---------------------------------------------------------------- helpers */

/** fm_ip_parse() - parse "a.b.c.d" or an IPv6 literal. Return 0 or -EINVAL. */
FM_API int fm_ip_parse(const char *s, struct fm_ip *ret);
/** fm_ip_format() - format into @buf (>= 46 bytes). Returns @buf. */
FM_API const char *fm_ip_format(const struct fm_ip *ip, char *buf, size_t len);
/** fm_version() - the library version string. */
FM_API const char *fm_version(void);

#ifdef __cplusplus
}
#endif
#endif /* FIBMIRROR_H */
