// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The readers' copy (fib/replica.h) on its own, driven step by step: what
 * readers see before and after a handover, the replay of the log onto the
 * previous copy, and a datagram that cannot be logged. That one must stop
 * handovers (readers keep the last whole state rather than one missing a
 * change) until a twin from a dump arrives, after which both copies are
 * whole again. A live mirror reaches the lost case only when memory runs
 * out; here a length the log refuses (over 4 GiB, checked before anything
 * is read) stands in for it.
 *
 * A "datagram" here is a two-byte command (add or delete the blackhole
 * route 10.N.0.0/16 in main) that the test's apply function carries out,
 * so every state is known exactly. TAP; no privileges.
 */
#include "fib/replica.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"

struct cmd {
	uint8_t add; /* 1 add, 0 delete */
	uint8_t net; /* 10.net.0.0/16 */
};

static void route_cmd(struct rib *rib, const struct cmd *c)
{
	struct fm_route r = {.family = AF_INET,
			     .dst_len = 16,
			     .type = RTN_BLACKHOLE,
			     .protocol = RTPROT_STATIC,
			     .pref = 0xff,
			     .table = RT_TABLE_MAIN};

	r.dst.family = AF_INET;
	r.dst.v4 = htonl(0x0a000000u | (uint32_t)c->net << 16);
	rib_route_apply(rib, c->add ? RIB_NEW : RIB_DEL, c->add ? NLM_F_CREATE | NLM_F_EXCL : 0,
			&r);
}

static void apply_cmd(struct rib *rib, const void *dgram, size_t len)
{
	if (len == sizeof(struct cmd))
		route_cmd(rib, dgram);
}

/* The writer's side of a datagram: applied to its RIB, then logged. */
static int writer_apply(struct replica *rp, struct rib *w, uint8_t add, uint8_t net)
{
	struct cmd c = {add, net};

	route_cmd(w, &c);
	return replica_log(rp, 0, &c, sizeof(c));
}

static bool has_net(const struct rib *rib, uint8_t net)
{
	uint8_t a[4] = {10, net, 0, 0};

	return rib_route_at(rib, AF_INET, RT_TABLE_MAIN, a, 16) != NULL;
}

/* The readers' view holds exactly the routes 10.N/16 for the N in @nets. */
static bool view_is(const struct replica *rp, const uint8_t *nets, size_t n)
{
	const struct rib *v = replica_now(rp)->rib;
	size_t i;

	if (v->n_routes != n || !rib_lens_valid(v))
		return false;
	for (i = 0; i < n; i++)
		if (!has_net(v, nets[i]))
			return false;
	return true;
}

/* Both copies hold one state. */
static bool same(struct replica *rp, struct rib *w)
{
	return rib_diff(w, replica_now(rp)->rib, NULL, NULL, NULL, NULL) == 0 && rib_lens_valid(w);
}

static bool handover(struct replica *rp, struct rib *w)
{
	return replica_handover(rp, w, NULL, 0, apply_cmd);
}

static void test_handover(struct replica *rp, struct rib *w)
{
	static const uint8_t two[] = {1, 2}, next[] = {2, 3};

	ok(writer_apply(rp, w, 1, 1) == 0 && writer_apply(rp, w, 1, 2) == 0,
	   "two changes applied and logged");
	ok(view_is(rp, NULL, 0) && replica_behind(rp),
	   "readers do not see them before a handover (the copy is behind)");
	ok(handover(rp, w), "handover");
	ok(view_is(rp, two, 2) && same(rp, w) && !replica_behind(rp) && replica_log_bytes(rp) == 0,
	   "readers see both; the previous copy, replayed, is the writer's again");
	writer_apply(rp, w, 0, 1);
	writer_apply(rp, w, 1, 3);
	ok(view_is(rp, two, 2), "a delete and an add: readers keep the state of the handover");
	ok(handover(rp, w) && view_is(rp, next, 2) && same(rp, w),
	   "after the next handover they see 10.2/16 and 10.3/16, as the writer does");
}

static void test_lost(struct replica *rp, struct rib *w)
{
	static const uint8_t before[] = {2, 3};
	struct cmd c = {1, 4};
	struct rib twin;

	route_cmd(w, &c);
	ok(replica_log(rp, 0, &c, (size_t)UINT32_MAX + 1) == -ENOMEM,
	   "a datagram the log refuses: -ENOMEM");
	ok(writer_apply(rp, w, 1, 5) == -ENOMEM, "... and so is every one after it");
	ok(!handover(rp, w) && view_is(rp, before, 2),
	   "no handover: readers keep the last whole state, not one missing 10.4/16");
	/* A resync's dump fills the writer's RIB and a twin alike. */
	rib_init(&twin);
	for (c.net = 2; c.net <= 5; c.net++)
		route_cmd(&twin, &c);
	ok(rib_diff(w, &twin, NULL, NULL, NULL, NULL) == 0, "the twin is the writer's state");
	replica_twin(rp, &twin);
	rib_fini(&twin);
	ok(writer_apply(rp, w, 1, 6) == 0, "after the twin, changes are logged again");
	ok(handover(rp, w) && same(rp, w) && has_net(replica_now(rp)->rib, 4) &&
	       has_net(replica_now(rp)->rib, 6),
	   "the next handover gives readers the whole state, the lost change included");
	replica_tidy(rp);
	writer_apply(rp, w, 0, 2);
	ok(handover(rp, w) && same(rp, w) && !has_net(w, 2),
	   "the twin, now the writer's, follows the log like any copy");
	for (c.net = 3; c.net <= 6; c.net++)
		writer_apply(rp, w, 0, c.net);
	ok(handover(rp, w) && view_is(rp, NULL, 0) && same(rp, w) && !w->tlens.n &&
	       !replica_now(rp)->rib->tlens.n,
	   "every route deleted: in both copies the table's prefix lengths went with them");
}

int main(void)
{
	struct replica rp;
	struct rib w;

	if (!ok(replica_init(&rp) == 0 && rib_init(&w) == 0, "init"))
		return tap_done();
	test_handover(&rp, &w);
	test_lost(&rp, &w);
	rib_fini(&w);
	replica_fini(&rp);
	return tap_done();
}
