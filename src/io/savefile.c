// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: `ip route save` files.
 *
 * Layout: the 4-byte magic 0x45311224 in the writer's byte order, then the
 * RTM_NEWROUTE messages of a route dump, each framed by its nlmsghdr and
 * padded to NLMSG_ALIGNTO, exactly as the kernel sent them. Nothing else: no
 * links (the messages carry ifindexes only, so offline routes print "if%d"),
 * no end marker.
 *
 * Each message must hold a whole nlmsghdr, have nlmsg_len >= header + rtmsg,
 * fit in what is left of the input, and be an RTM_NEWROUTE. It then goes
 * through nl_apply() like a live message, as part of a dump: the flags are
 * forced to NLM_F_MULTI | NLM_F_CREATE | NLM_F_APPEND (on a private copy of
 * the message) whatever the file says, because a dump lists each prefix's
 * aliases in kernel order and the RIB appends dump messages in arrival order.
 * A message
 * nl_apply() does not keep (a family the RIB ignores) is skipped; a malformed
 * one stops the load with its offset.
 *
 * Memory: one scratch buffer as large as the largest message, itself bounded
 * by the input size.
 */
#include "io.h"
#include "nl/nl.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#define WHAT "savefile"

struct scratch {
	void *p;
	size_t cap;
};

/* Copy @len bytes of @src into @s (8-byte aligned by malloc), zero-padded to a multiple of 4. */
static void *scratch_copy(struct scratch *s, const void *src, size_t len)
{
	size_t need = IO_ALIGN4(len);

	if (need > s->cap) {
		void *np = realloc(s->p, need);

		if (!np)
			return NULL;
		s->p = np;
		s->cap = need;
	}
	memset((char *)s->p + need - 4, 0, 4);
	memcpy(s->p, src, len);
	return s->p;
}

static int load_one(struct rib *rib, struct scratch *s, const uint8_t *data, size_t off,
		    uint32_t mlen, char *err, size_t errlen)
{
	const struct nlmsghdr *in = (const void *)(data + off);
	struct nlmsghdr *nlh;

	if (in->nlmsg_type != RTM_NEWROUTE)
		return io_err(err, errlen, -EBADMSG,
			      "%s: offset %zu: message type %u is not RTM_NEWROUTE (%u)", WHAT, off,
			      in->nlmsg_type, RTM_NEWROUTE);
	nlh = scratch_copy(s, in, mlen);
	if (!nlh)
		return io_err(err, errlen, -ENOMEM, "%s: offset %zu: out of memory", WHAT, off);
	nlh->nlmsg_flags = NLM_F_MULTI | NLM_F_CREATE | NLM_F_APPEND;
	return io_apply_msg(rib, nlh, off, WHAT, err, errlen);
}

int io_savefile_load(struct rib *rib, const uint8_t *data, size_t len, char *err, size_t errlen)
{
	const size_t min_len = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(struct rtmsg));
	struct scratch s = {0};
	size_t off = sizeof(uint32_t);
	uint32_t mlen;
	int ret = 0;

	while (off < len) {
		ret = io_frame(data, len, off, min_len, WHAT, &mlen, err, errlen);
		if (ret < 0)
			break;
		ret = load_one(rib, &s, data, off, mlen, err, errlen);
		if (ret < 0)
			break;
		ret = 0;
		/* The last message may lack its padding; every earlier one is aligned. */
		if (IO_ALIGN4(mlen) >= len - off)
			break;
		off += IO_ALIGN4(mlen);
	}
	free(s.p);
	return ret;
}
