// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * DOC: fuzz_netlink - rtnetlink messages from a hostile peer into one RIB.
 *
 * Input: a sequence of netlink messages, framed as on a socket (nlmsghdr,
 * NLMSG_ALIGN padding); the walk stops at the first frame whose length is
 * below a header or past the input. Every message goes through nl_apply() on
 * one RIB, so sequences (link then route, nexthop group then member removal,
 * add then delete) reach the RIB's side effects. Afterwards everything is
 * touched: each foreach walk, every netconf entry, a self-comparison
 * (rib_diff(rib, rib) must be 0), the prefix lengths in use against the
 * route keys (rib_lens_valid) and a snapshot written to memory, which runs
 * the encoders over whatever state the messages built.
 *
 * The readers' copy (fib/replica.h) follows the RIB as in a live mirror:
 * each message is logged with its clock, every HANDOVER_EVERY messages the
 * RIB is handed over and the previous copy replayed, and at the end the
 * RIB and the readers' copy must compare equal, route lifetimes included,
 * else abort(): apply is
 * deterministic and a moved RIB stays whole, whatever the messages.
 *
 * A FIB follows the RIB as in a live mirror too: every PATCH_EVERY messages
 * it is built again from the last one and what the messages dirtied
 * (fib_dirty_change(): prefixes patched, tables or rules compiled again).
 * Then the lookups: that FIB and one compiled afresh must answer every
 * flow they take as the reference lookup (lookup/ref*.c) does, and the reference's
 * walks, guided by that FIB, unguided, and plain (every prefix length,
 * every IPv6 route), must agree, else abort(). The flows come from what
 * the messages built: to the first and last address of each route's prefix
 * (up to FLOW_ROUTES of them), plain, fibmatch, with a tos and a mark, out
 * of the route's first hop's device, from one of our addresses, and
 * received on that device.
 *
 * With FM_FUZZ_ORACLE=1 in the environment the snapshot is also read back
 * into a second RIB and must compare equal (rib_diff() == 0), else abort():
 * a stronger but stricter oracle, for targeted runs.
 */
#include "fib/fib.h"
#include "fib/replica.h"
#include "io/io.h"
#include "lookup/fast.h"
#include "lookup/lookup.h"
#include "nl/nl.h"
#include "rib/rib.h"

#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len);

static int route_cb(const struct fm_route *r, void *arg)
{
	size_t *n = arg;
	uint16_t i;

	for (i = 0; i < r->nhops; i++)
		*n += (size_t)r->hops[i].ifindex + r->hops[i].gw.family;
	return 0;
}

static int nh_cb(const struct fm_nexthop *nh, void *arg)
{
	size_t *n = arg;
	uint16_t i;

	for (i = 0; i < nh->nmembers; i++)
		*n += nh->members[i].id;
	return 0;
}

static int link_cb(const struct fm_link *l, void *arg)
{
	*(size_t *)arg += (size_t)l->ifindex;
	return 0;
}

static int addr_cb(const struct fm_address *a, void *arg)
{
	*(size_t *)arg += a->prefixlen;
	return 0;
}

static int rule_cb(const struct fm_rule *r, void *arg)
{
	*(size_t *)arg += r->priority;
	return 0;
}

static void touch_all(struct rib *rib)
{
	const struct fm_route_filter all = {.any_table = true};
	size_t n = 0, i;

	rib_route_foreach(rib, &all, route_cb, &n);
	rib_nh_foreach(rib, nh_cb, &n);
	rib_link_foreach(rib, link_cb, &n);
	rib_addr_foreach(rib, 0, addr_cb, &n);
	rib_rule_foreach(rib, 0, rule_cb, &n);
	for (i = 0; i < rib->n_netconf; i++)
		n += (size_t)rib->netconf[i].forwarding;
	if (rib_diff(rib, rib, NULL, NULL, NULL, NULL) > 0)
		abort(); /* a RIB differs from itself */
	if (!rib_lens_valid(rib))
		abort(); /* the prefix lengths in use are not the keys' */
}

static void snapshot_check(struct rib *rib)
{
	static int oracle = -1;
	struct rib back;
	char *p = NULL, err[256];
	size_t n = 0;
	FILE *f;
	int rc;

	if (oracle < 0)
		oracle = getenv("FM_FUZZ_ORACLE") && !strcmp(getenv("FM_FUZZ_ORACLE"), "1");
	f = open_memstream(&p, &n);
	if (!f)
		return;
	rc = io_snapshot_write(rib, f);
	fclose(f);
	if (rc == 0 && oracle && rib_init(&back) == 0) {
		if (io_load_buf(&back, p, n, err, sizeof(err)) != 0) {
			fprintf(stderr, "snapshot does not read back: %s\n", err);
			abort();
		}
		if (rib_diff(rib, &back, NULL, NULL, NULL, NULL) != 0) {
			fprintf(stderr, "snapshot reads back different\n");
			abort();
		}
		rib_fini(&back);
	}
	free(p);
}

#define HANDOVER_EVERY 4

/* ---------------------------------------------------------------- lookups */

#define FLOW_ROUTES 32

/* What the flows are made of: some routes' prefixes and devices, and one
 * address of ours per family. */
struct seeds {
	struct fm_ip dst[FLOW_ROUTES];
	uint8_t len[FLOW_ROUTES];
	int dev[FLOW_ROUTES];
	size_t n;
	struct fm_ip ours[2];
};

static int seed_route(const struct fm_route *r, void *arg)
{
	struct seeds *s = arg;

	if (s->n == FLOW_ROUTES)
		return 1;
	s->dst[s->n] = r->dst;
	s->len[s->n] = r->dst_len;
	s->dev[s->n++] = r->nhops ? r->hops[0].ifindex : 0;
	return 0;
}

static int seed_addr(const struct fm_address *a, void *arg)
{
	struct seeds *s = arg;

	if (a->local.family == AF_INET || a->local.family == AF_INET6)
		s->ours[a->local.family == AF_INET6] = a->local;
	return 0;
}

/* The last address of @a/@len. */
static struct fm_ip last_addr(struct fm_ip a, int len)
{
	int bits = a.family == AF_INET ? 32 : 128, i;

	for (i = len; i < bits; i++)
		a.b[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	return a;
}

/* The FIBs a flow is asked of: [0] compiled afresh, [1] patched along. */
typedef const struct fib *const fibs_t[2];

static const char *const answerer[] = {"an unguided walk", "a guided walk", "the fresh FIB",
				       "the patched FIB"};

/* @fl answered alike by each FIB (where it answers) and by every walk. */
static void same_answers(struct lookup_env *env, fibs_t f, const struct fm_flow *fl)
{
	static struct fm_result ref, other;
	int rr, ro, i;

	env->fib = NULL;
	env->plain = true;
	rr = lk_ref_route_get(env, fl, &ref);
	env->plain = false;
	for (i = 0; i < 4; i++) {
		env->fib = i == 1 ? f[0] : NULL;
		ro = i >= 2 ? lk_fast_route_get(f[i - 2], fl, &other, NULL)
			    : lk_ref_route_get(env, fl, &other);
		if (ro == LK_GENERAL || lk_same_answer(ro, &other, rr, &ref))
			continue;
		char d[64], src[64];

		fprintf(stderr,
			"%s answers %d (oif %d), the plain reference %d (oif %d): dst %s src %s "
			"iif %d oif %d flags %#x tos %#x mark %u\n",
			answerer[i], ro, other.oif, rr, ref.oif,
			fm_ip_format(&fl->dst, d, sizeof(d)),
			fm_ip_format(&fl->src, src, sizeof(src)), fl->iif, fl->oif, fl->flags,
			fl->tos, fl->mark);
		abort();
	}
}

static void flows_of(struct lookup_env *env, fibs_t f, const struct seeds *s, size_t i)
{
	struct fm_flow fl = {.family = s->dst[i].family, .dst = s->dst[i]};
	const struct fm_ip *ours = &s->ours[fl.family == AF_INET6];

	if (fl.family != AF_INET && fl.family != AF_INET6)
		return;
	fl.ip_proto = fl.family == AF_INET ? 17 : 0;
	same_answers(env, f, &fl);
	fl.dst = last_addr(fl.dst, s->len[i]);
	same_answers(env, f, &fl);
	fl.flags = FM_FLOW_FIBMATCH;
	same_answers(env, f, &fl);
	fl.flags = 0;
	fl.tos = 0x10;
	fl.mark = 1;
	same_answers(env, f, &fl);
	fl.tos = 0;
	fl.mark = 0;
	fl.oif = s->dev[i];
	same_answers(env, f, &fl);
	fl.oif = 0;
	if (ours->family) {
		fl.src = *ours;
		same_answers(env, f, &fl);
		fl.iif = s->dev[i] ? s->dev[i] : 1;
		same_answers(env, f, &fl);
	}
}

static void lookup_check(struct rib *rib, const struct fib *patched)
{
	const struct fm_route_filter all = {.any_table = true};
	struct lookup_env env = {.rib = rib};
	struct seeds s = {.n = 0};
	struct fib *fresh = NULL;
	size_t i;

	rib_route_foreach(rib, &all, seed_route, &s);
	rib_addr_foreach(rib, 0, seed_addr, &s);
	if (fib_build(&env, NULL, NULL, &fresh))
		return;
	for (i = 0; i < s.n; i++)
		flows_of(&env, (fibs_t){fresh, patched ? patched : fresh}, &s, i);
	fib_free(fresh);
}

/* ------------------------------------------------------- the patched FIB */

#define PATCH_EVERY 8

static void note_change(struct rib *rib, enum fm_event_type type, enum fm_kind kind, bool implicit,
			const void *obj, void *arg)
{
	(void)rib, (void)type, (void)implicit;
	fib_dirty_change(arg, kind, obj);
}

/* The FIB built again from @f and what changed since, as the mirror
 * publishes; @f itself where that fails (it is still the RIB's then). */
static struct fib *patch(struct rib *rib, struct fib *f, struct fib_dirty *d)
{
	struct lookup_env env = {.rib = rib};
	struct fib *g;

	if (fib_build(&env, f, f ? d : NULL, &g))
		return f;
	fib_dirty_clear(d);
	fib_free(f);
	return g;
}

static void replay_one(struct rib *rib, const void *dgram, size_t len)
{
	(void)len;
	nl_apply(rib, dgram);
}

/* The routes' lifetime deadlines, summed: the canonical comparison leaves
 * them out (they tick), but a replay must reproduce them exactly. */
static uint64_t deadlines(const struct rib *rib)
{
	const struct hnode *n;
	const struct rib_route *r;
	uint64_t sum = 0;
	size_t i;

	htab_for_each (&rib->routes, i, n)
		for (r = container_of(n, struct rib_route, hn); r; r = r->next)
			sum += r->expires;
	return sum;
}

/* The readers' copy handed the RIB's state equals it. */
static void replica_check(struct replica *rp, struct rib *rib)
{
	replica_handover(rp, rib, NULL, 0, replay_one);
	if (rib_diff(rib, replica_now(rp)->rib, NULL, NULL, NULL, NULL) != 0 ||
	    deadlines(rib) != deadlines(replica_now(rp)->rib)) {
		fprintf(stderr, "the readers' copy differs from the RIB\n");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct fib_dirty dirty = {0};
	struct fib *patched = NULL;
	struct replica rp;
	struct rib rib;
	uint8_t *msg;
	size_t off = 0;
	uint32_t i = 0;

	/* One aligned copy, zero-padded: the frames sit at 4-byte offsets of it, and libmnl
	 * reads a message up to NLMSG_ALIGN(nlmsg_len), as a socket buffer allows. */
	msg = calloc(1, len + 4);
	if (!msg)
		return 0;
	if (len)
		memcpy(msg, data, len);
	if (rib_init(&rib)) {
		free(msg);
		return 0;
	}
	if (replica_init(&rp)) {
		rib_fini(&rib);
		free(msg);
		return 0;
	}
	rib.emit = note_change;
	rib.emit_arg = &dirty;
	while (len - off >= sizeof(struct nlmsghdr)) {
		struct nlmsghdr *nlh = (void *)(msg + off);

		if (nlh->nlmsg_len < sizeof(*nlh) || nlh->nlmsg_len > len - off)
			break;
		rib.clock = 1000 + i; /* deciseconds: lifetimes count from here */
		nl_apply(&rib, nlh);
		replica_log(&rp, rib.clock, nlh, IO_ALIGN4(nlh->nlmsg_len));
		rib.clock = 0;
		if (++i % HANDOVER_EVERY == 0)
			replica_handover(&rp, &rib, NULL, 0, replay_one);
		if (i % PATCH_EVERY == 0)
			patched = patch(&rib, patched, &dirty);
		off += IO_ALIGN4(nlh->nlmsg_len);
		if (off > len)
			break;
	}
	replica_check(&rp, &rib);
	patched = patch(&rib, patched, &dirty);
	lookup_check(&rib, patched);
	fib_free(patched);
	fib_dirty_fini(&dirty);
	touch_all(&rib);
	snapshot_check(&rib);
	replica_fini(&rp);
	rib_fini(&rib);
	free(msg);
	return 0;
}
