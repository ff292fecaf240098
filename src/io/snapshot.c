// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: fibmirror snapshots - the whole RIB as a replayable message stream.
 *
 * Layout (host byte order throughout, like the netlink messages inside):
 *
 *   "FMSNAP1\n"       8 bytes of magic
 *   u32 version       IO_SNAPSHOT_VERSION (1)
 *   messages          nlmsghdr-framed, NLMSG_ALIGN-padded, from nl_encode_*():
 *                       RTM_NEWLINK     every link, ascending ifindex
 *                       RTM_NEWADDR     every address, per device in list order
 *                       RTM_NEWNETCONF  every netconf entry
 *                       RTM_NEWNEXTHOP  single nexthops, then groups (members first)
 *                       RTM_NEWRULE     IPv4 then IPv6 rules, in evaluation order
 *                       RTM_NEWROUTE    in dump order, flagged NLM_F_CREATE |
 *                                       NLM_F_APPEND | NLM_F_MULTI; a route using a
 *                                       nexthop object carries only its id
 *   Addresses and routes carry NLM_F_MULTI, the mark of a dump, which the RIB
 *   appends at the tail of each list: replay rebuilds list order exactly.
 *   NLMSG_DONE        end marker; nothing may follow it
 *
 * The order is the order of dependencies: addresses need their link, routes
 * their nexthop objects, groups their members. Reading validates the framing
 * of every message (see io_frame()) and replays it through nl_apply(), the
 * live apply path. A snapshot without its end marker is reported as
 * truncated. Snapshots are not portable across byte orders: a byte-swapped
 * version field is named as such.
 *
 * Thread context: the rib's writer.
 */
#include "io.h"
#include "nl/nl.h"
#include "rib/rib.h"

#include <errno.h>
#include <inttypes.h>
#include <linux/fib_rules.h>
#include <linux/if_addr.h>
#include <linux/netconf.h>
#include <linux/netlink.h>
#include <linux/nexthop.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#define WHAT	     "snapshot"
#define SNAP_HDR_LEN (IO_SNAPSHOT_MAGIC_LEN + 4)
#define SNAP_MAX_MSG (1u << 20)
/* Messages replay as a dump does: NLM_F_MULTI appends to the lists in stream order. */
#define DUMP_FLAGS (NLM_F_CREATE | NLM_F_MULTI)

/* ----------------------------------------------------------------- writing */

struct snap_writer {
	FILE *f;
	uint8_t *buf;
	size_t cap;
	int err;
};

typedef int (*encode_fn)(void *buf, size_t len, uint16_t type, uint16_t flags, const void *obj);

static int emit(struct snap_writer *w, encode_fn enc, uint16_t type, uint16_t flags,
		const void *obj)
{
	uint8_t *nb;
	int n;

	for (;;) {
		n = enc(w->buf, w->cap, type, flags, obj);
		if (n != -EMSGSIZE || w->cap >= SNAP_MAX_MSG)
			break;
		nb = realloc(w->buf, w->cap * 4);

		if (!nb)
			return w->err = -ENOMEM;
		w->buf = nb;
		w->cap *= 4;
	}
	if (n < 0)
		return w->err = n;
	if (fwrite(w->buf, 1, (size_t)n, w->f) != (size_t)n)
		return w->err = -EIO;
	return 0;
}

/* Adapters from the typed encoders to encode_fn. */
static int enc_route(void *b, size_t l, uint16_t t, uint16_t f, const void *o)
{
	return nl_encode_route(b, l, t, f, o);
}

static int enc_rule(void *b, size_t l, uint16_t t, uint16_t f, const void *o)
{
	return nl_encode_rule(b, l, t, f, o);
}

static int enc_nh(void *b, size_t l, uint16_t t, uint16_t f, const void *o)
{
	return nl_encode_nexthop(b, l, t, f, o);
}

static int enc_link(void *b, size_t l, uint16_t t, uint16_t f, const void *o)
{
	return nl_encode_link(b, l, t, f, o);
}

static int enc_addr(void *b, size_t l, uint16_t t, uint16_t f, const void *o)
{
	return nl_encode_addr(b, l, t, f, o);
}

static int enc_netconf(void *b, size_t l, uint16_t t, uint16_t f, const void *o)
{
	return nl_encode_netconf(b, l, t, f, o);
}

static int link_cb(const struct fm_link *l, void *arg)
{
	return emit(arg, enc_link, RTM_NEWLINK, NLM_F_CREATE, l);
}

static int addr_cb(const struct fm_address *a, void *arg)
{
	return emit(arg, enc_addr, RTM_NEWADDR, DUMP_FLAGS, a);
}

static int nh_single_cb(const struct fm_nexthop *nh, void *arg)
{
	return nh->nmembers ? 0 : emit(arg, enc_nh, RTM_NEWNEXTHOP, NLM_F_CREATE, nh);
}

static int nh_group_cb(const struct fm_nexthop *nh, void *arg)
{
	return nh->nmembers ? emit(arg, enc_nh, RTM_NEWNEXTHOP, NLM_F_CREATE, nh) : 0;
}

static int rule_cb(const struct fm_rule *r, void *arg)
{
	return emit(arg, enc_rule, RTM_NEWRULE, NLM_F_CREATE, r);
}

static int route_cb(const struct fm_route *r, void *arg)
{
	struct fm_route c;

	if (!r->nhid)
		return emit(arg, enc_route, RTM_NEWROUTE, DUMP_FLAGS | NLM_F_APPEND, r);
	/* Export shows a nexthop object's hops next to the id; the object itself is in the
	 * snapshot, and the RIB refuses a route with both an id and hops of its own. */
	c = *r;
	c.nhops = 0;
	c.hops = NULL;
	c.flags &= ~0xffu;
	return emit(arg, enc_route, RTM_NEWROUTE, DUMP_FLAGS | NLM_F_APPEND, &c);
}

static int write_header(FILE *f)
{
	uint32_t version = IO_SNAPSHOT_VERSION;

	if (fwrite(IO_SNAPSHOT_MAGIC, 1, IO_SNAPSHOT_MAGIC_LEN, f) != IO_SNAPSHOT_MAGIC_LEN ||
	    fwrite(&version, 1, sizeof(version), f) != sizeof(version))
		return -EIO;
	return 0;
}

static int write_end(FILE *f)
{
	struct {
		struct nlmsghdr h;
		int32_t error;
	} done = {.h = {.nlmsg_len = sizeof(done), .nlmsg_type = NLMSG_DONE}};

	return fwrite(&done, 1, sizeof(done), f) == sizeof(done) ? 0 : -EIO;
}

static int write_body(struct rib *rib, struct snap_writer *w)
{
	const struct fm_route_filter all = {.family = 0, .any_table = true};
	size_t i;

	if (rib_link_foreach(rib, link_cb, w) || rib_addr_foreach(rib, 0, addr_cb, w))
		return w->err;
	for (i = 0; i < rib->n_netconf; i++)
		if (emit(w, enc_netconf, RTM_NEWNETCONF, NLM_F_CREATE, &rib->netconf[i]))
			return w->err;
	if (rib_nh_foreach(rib, nh_single_cb, w) || rib_nh_foreach(rib, nh_group_cb, w))
		return w->err;
	if (rib_rule_foreach(rib, 0, rule_cb, w))
		return w->err;
	if (rib_route_foreach(rib, &all, route_cb, w))
		return w->err;
	return 0;
}

int io_snapshot_write(struct rib *rib, FILE *f)
{
	struct snap_writer w = {.f = f, .cap = 1 << 16};
	int ret;

	w.buf = malloc(w.cap);
	if (!w.buf)
		return -ENOMEM;
	ret = write_header(f);
	if (!ret)
		ret = write_body(rib, &w);
	if (!ret)
		ret = write_end(f);
	if (!ret && fflush(f))
		ret = -EIO;
	free(w.buf);
	return ret;
}

/* ----------------------------------------------------------------- reading */

/* The smallest valid message of each type this format carries; 0 = type not allowed. */
static size_t min_len(uint16_t type)
{
	size_t fam;

	switch (type) {
	case RTM_NEWROUTE:
		fam = sizeof(struct rtmsg);
		break;
	case RTM_NEWRULE:
		fam = sizeof(struct fib_rule_hdr);
		break;
	case RTM_NEWNEXTHOP:
		fam = sizeof(struct nhmsg);
		break;
	case RTM_NEWLINK:
		fam = sizeof(struct ifinfomsg);
		break;
	case RTM_NEWADDR:
		fam = sizeof(struct ifaddrmsg);
		break;
	case RTM_NEWNETCONF:
		fam = sizeof(struct netconfmsg);
		break;
	case NLMSG_DONE:
		fam = 0;
		break;
	default:
		return 0;
	}
	return NLMSG_HDRLEN + IO_ALIGN4(fam);
}

static int check_header(const uint8_t *data, size_t len, char *err, size_t errlen)
{
	uint32_t version;

	if (len < SNAP_HDR_LEN)
		return io_err(err, errlen, -EBADMSG, "%s: offset %zu: truncated header", WHAT, len);
	memcpy(&version, data + IO_SNAPSHOT_MAGIC_LEN, sizeof(version));
	if (version == IO_SNAPSHOT_VERSION)
		return 0;
	if (version == __builtin_bswap32(IO_SNAPSHOT_VERSION))
		return io_err(err, errlen, -EINVAL,
			      "%s: offset %d: byte-swapped version (file from a host of the other "
			      "endianness)",
			      WHAT, IO_SNAPSHOT_MAGIC_LEN);
	return io_err(err, errlen, -EINVAL, "%s: offset %d: unsupported version %" PRIu32, WHAT,
		      IO_SNAPSHOT_MAGIC_LEN, version);
}

/* Frame and apply the message at @off; *done is set at the end marker. */
static int load_one(struct rib *rib, const uint8_t *data, size_t len, size_t off, uint32_t *mlen,
		    bool *done, char *err, size_t errlen)
{
	const struct nlmsghdr *nlh = (const void *)(data + off);
	size_t need;
	int ret;

	ret = io_frame(data, len, off, NLMSG_HDRLEN, WHAT, mlen, err, errlen);
	if (ret < 0)
		return ret;
	need = min_len(nlh->nlmsg_type);
	if (!need)
		return io_err(err, errlen, -EBADMSG, "%s: offset %zu: unexpected message type %u",
			      WHAT, off, nlh->nlmsg_type);
	if (*mlen < need)
		return io_err(err, errlen, -EBADMSG,
			      "%s: offset %zu: message length %" PRIu32 " < %zu", WHAT, off, *mlen,
			      need);
	if (nlh->nlmsg_type == NLMSG_DONE) {
		*done = true;
		return 0;
	}
	ret = io_apply_msg(rib, nlh, off, WHAT, err, errlen);
	if (ret == 0)
		return io_err(err, errlen, -EBADMSG, "%s: offset %zu: message type %u not applied",
			      WHAT, off, nlh->nlmsg_type);
	return ret < 0 ? ret : 0;
}

int io_snapshot_load(struct rib *rib, const uint8_t *data, size_t len, char *err, size_t errlen)
{
	size_t off = SNAP_HDR_LEN;
	bool done = false;
	uint32_t mlen;
	int ret;

	ret = check_header(data, len, err, errlen);
	if (ret < 0)
		return ret;
	while (off < len && !done) {
		ret = load_one(rib, data, len, off, &mlen, &done, err, errlen);
		if (ret < 0)
			return ret;
		off += IO_ALIGN4(mlen);
	}
	if (!done)
		return io_err(err, errlen, -EBADMSG,
			      "%s: offset %zu: input ends without the end marker (truncated?)",
			      WHAT, len);
	if (off < len)
		return io_err(err, errlen, -EBADMSG,
			      "%s: offset %zu: %zu bytes after the end marker", WHAT, off,
			      len - off);
	return 0;
}
