// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Filling a RIB from the kernel: one dump of each object kind, in dependency
 * order (links, addresses, nexthop objects, rules, routes, netconf), each
 * message going through nl_apply() like any event.
 *
 * Link and address dumps can be flagged NLM_F_DUMP_INTR; they are retried a
 * few times and then accepted, because the event socket, subscribed before
 * the dump, replays whatever changed meanwhile. Route dumps never carry the
 * flag (kernel-semantics.md §10); the same replay covers them.
 */
#include "sync.h"

#include "nl.h"
#include "rib/rib.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#define INTR_RETRIES 3

struct apply_ctx {
	struct rib *rib, *twin;
	uint64_t *malformed;
};

static void apply_one(const struct nlmsghdr *nlh, void *arg)
{
	struct apply_ctx *c = arg;

	c->rib->clock = rib_clock_now();
	if (nl_apply(c->rib, nlh) == -EBADMSG)
		(*c->malformed)++;
	if (c->twin) {
		c->twin->clock = c->rib->clock;
		nl_apply(c->twin, nlh);
		c->twin->clock = 0;
	}
	c->rib->clock = 0;
}

static int dump_kind(struct nl_sock *req, struct apply_ctx *c, uint16_t type, uint8_t family)
{
	bool intr = false;
	int rc, tries = 0;

	do {
		rc = nl_sock_dump(req, type, family, apply_one, c, &intr);
	} while (rc == 0 && intr && ++tries < INTR_RETRIES);
	return rc;
}

int nl_sync_dump(struct nl_sock *req, struct rib *rib, struct rib *twin, uint64_t *malformed)
{
	static const struct {
		uint16_t type;
		uint8_t family;
	} order[] = {
	    {RTM_GETLINK, AF_UNSPEC}, {RTM_GETADDR, AF_UNSPEC},	 {RTM_GETNEXTHOP, AF_UNSPEC},
	    {RTM_GETRULE, AF_INET},   {RTM_GETRULE, AF_INET6},	 {RTM_GETROUTE, AF_INET},
	    {RTM_GETROUTE, AF_INET6}, {RTM_GETNETCONF, AF_INET}, {RTM_GETNETCONF, AF_INET6},
	};
	struct apply_ctx c = {rib, twin, malformed};
	size_t i;
	int rc;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		rc = dump_kind(req, &c, order[i].type, order[i].family);
		/* Kernels without nexthop objects (< 5.3) refuse the dump. */
		if (rc == -EINVAL && order[i].type == RTM_GETNEXTHOP)
			continue;
		if (rc)
			return rc;
	}
	return 0;
}
