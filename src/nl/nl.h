/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * rtnetlink on both sides of the RIB: decoding kernel messages into the
 * public object structs (decode.c), encoding them back (encode.c, used by
 * snapshots and tests), and the two sockets that keep a live mirror in sync
 * (sock.c, sync.c).
 */
#ifndef FM_NL_H
#define FM_NL_H

#include "fibmirror.h"

#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>

struct rib;

#define NL_MAX_HOPS  512 /* multipath members accepted per route (kernel allows fewer) */
#define NL_MAX_GROUP 1024

/*
 * One NHA_GROUP entry as the kernel lays it out (struct nexthop_grp, 8
 * bytes). Our own declaration because the byte after the weight is named
 * resvd1 in older <linux/nexthop.h> and weight_high in newer ones (and in
 * Debian's 6.1 headers since a stable update), while its meaning on the
 * wire is the same on every kernel we read: the high byte of weight - 1.
 */
struct nl_nh_grp {
	uint32_t id;
	uint8_t weight;	     /* low byte of weight - 1 */
	uint8_t weight_high; /* high byte of weight - 1 (kernels >= 6.12) */
	uint16_t resvd;
};

/*
 * Decoders: validate every length before reading, fill the struct, return 0
 * or -EBADMSG. Pointers inside the result (hops, members) point into the
 * caller's arrays.
 */
int nl_decode_route(const struct nlmsghdr *nlh, struct fm_route *r, struct fm_hop *hops,
		    size_t max_hops);
int nl_decode_rule(const struct nlmsghdr *nlh, struct fm_rule *r);
int nl_decode_nexthop(const struct nlmsghdr *nlh, struct fm_nexthop *nh,
		      struct fm_nh_member *members, size_t max_members);
int nl_decode_link(const struct nlmsghdr *nlh, struct fm_link *l);
int nl_decode_addr(const struct nlmsghdr *nlh, struct fm_address *a);
int nl_decode_netconf(const struct nlmsghdr *nlh, struct fm_netconf *nc);

/*
 * nl_apply() - decode one RTM_* message and apply it to @rib.
 * Return: 1 applied, 0 not a message type the RIB keeps (ignored),
 * -EBADMSG malformed (nothing applied), or another -errno from the RIB.
 */
int nl_apply(struct rib *rib, const struct nlmsghdr *nlh);

/*
 * Encoders: write one complete message (header included) of @type and
 * @flags into @buf. Return the message length, or -EMSGSIZE when @len is too
 * small. Used to write snapshots and to build test and fuzz inputs.
 */
int nl_encode_route(void *buf, size_t len, uint16_t type, uint16_t flags, const struct fm_route *r);
int nl_encode_rule(void *buf, size_t len, uint16_t type, uint16_t flags, const struct fm_rule *r);
int nl_encode_nexthop(void *buf, size_t len, uint16_t type, uint16_t flags,
		      const struct fm_nexthop *nh);
int nl_encode_link(void *buf, size_t len, uint16_t type, uint16_t flags, const struct fm_link *l);
int nl_encode_addr(void *buf, size_t len, uint16_t type, uint16_t flags,
		   const struct fm_address *a);
int nl_encode_netconf(void *buf, size_t len, uint16_t type, uint16_t flags,
		      const struct fm_netconf *nc);

#endif
