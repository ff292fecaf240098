/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * print.h - the output layer of the fibmirror CLI.
 *
 * Every object is printed the way iproute2 6.1 prints it, in text
 * (`ip route show table all`, `ip rule show`, ...) and in JSON (`ip -j`,
 * `ip -j -p`), so that existing scripts and eyes need no retraining. Monitor
 * events add a JSON event stream that iproute2 lacks.
 *
 * Usage: fill the public fields of struct pr_ctx (zero the rest), call
 * pr_begin(), any number of pr_route()/pr_rule()/..., then pr_end(). In JSON
 * mode that yields one array; in text mode one block per object. pr_event()
 * is used on its own, one line per event (no pr_begin()/pr_end()).
 *
 * Callbacks: @ifname names a device for an ifindex (NULL: unknown, printed
 * "if%d" as iproute2 does); @nexthop finds a nexthop object, used only with
 * -d to print the "nh_info" of routes that use one. Both may be NULL.
 */
#ifndef FM_TOOLS_PRINT_H
#define FM_TOOLS_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "fibmirror.h"
#include "json.h"

struct pr_ctx {
	FILE *out;
	bool json, pretty, details; /* -j, -p, -d */
	/* name of a device; return NULL if unknown (then "if%d" is printed) */
	const char *(*ifname)(void *arg, int ifindex);
	/* nexthop object lookup for printing routes with nhid, may be NULL */
	const struct fm_nexthop *(*nexthop)(void *arg, uint32_t id);
	void *arg;

	/* internal state, zero before pr_begin() */
	struct json js;
	bool open; /* pr_begin() opened the JSON array */
};

/*
 * pr_ctx_mirror() - zero @c and set it up to print to @out with device names
 * and nexthop objects looked up in @m (NULL: none). Writer thread of @m.
 */
void pr_ctx_mirror(struct pr_ctx *c, FILE *out, bool json, bool pretty, bool details,
		   struct fm_mirror *m);

/* pr_begin() - JSON: "[" (pretty: "[ "); text: nothing. */
void pr_begin(struct pr_ctx *c);
/* pr_end() - JSON: "]\n" (pretty: " ]\n", "[ ]\n" when empty); text: nothing. */
void pr_end(struct pr_ctx *c);

/* pr_route() - one route, like `ip route show table all` / `ip -6 route show table all`. */
void pr_route(struct pr_ctx *c, const struct fm_route *r);
/* pr_rule() - one policy rule, like `ip rule show` / `ip -6 rule show`. */
void pr_rule(struct pr_ctx *c, const struct fm_rule *r);
/* pr_nexthop() - one nexthop object, like `ip nexthop show`. */
void pr_nexthop(struct pr_ctx *c, const struct fm_nexthop *nh);
/*
 * pr_link() - one device, like `ip link show` minus what struct fm_link does
 * not carry (qdisc, mode, qlen): "3: v0@v1: <...> mtu 1500 state UP group
 * default" and the "link/ether" line.
 */
void pr_link(struct pr_ctx *c, const struct fm_link *l);
/* pr_addr() - one device with its addresses, like `ip addr show` (JSON: "addr_info"). */
void pr_addr(struct pr_ctx *c, const struct fm_link *l, const struct fm_address *const *addrs,
	     size_t n);
/* pr_netconf() - one netconf entry, like `ip netconf show`. */
void pr_netconf(struct pr_ctx *c, const struct fm_netconf *nc);

/*
 * pr_get() - the answer of a route lookup, like `ip route get` (text, -d, -j,
 * -j -p) for @fl's family: the query address, the path taken, and for IPv4
 * the "cache" line; with FM_FLOW_FIBMATCH in @fl->flags, the matched FIB
 * entry as pr_route() prints it. @r->flags holds RTCF_* cache flags.
 */
void pr_get(struct pr_ctx *c, const struct fm_flow *fl, const struct fm_result *r);

/*
 * pr_event() - one monitor event on one line (multi-line for multipath routes
 * in text, as `ip monitor`). Text: the object as shown above, prefixed
 * "Deleted " for deletions and "[implicit] " for implicit changes; resync
 * markers print "[RESYNC] begin" / "[RESYNC] end". JSON (always compact, one
 * object per line): {"event":"new"|"del"|"replace","kind":"route"|..., then
 * "implicit":true when set, then the keys of the object's show output};
 * resync markers are {"event":"resync-begin"} / {"event":"resync-end"}.
 */
void pr_event(struct pr_ctx *c, const struct fm_event *ev);

#endif /* FM_TOOLS_PRINT_H */
