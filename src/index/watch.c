// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Watches: the one object behind fm_watch_gateway() and fm_watch_flow(),
 * released by fm_watch_free().
 *
 * A gateway watch sits in the RIB's watch list: the RIB fires it per route
 * as routes via the gateway come and go (gwidx.c, nexthop.c, a resync's
 * diff), since "which routes use G" is a question about routes.
 *
 * A flow watch is next-hop tracking, a question about a decision: it keeps
 * the answer it last reported and, once the writer has applied a batch of
 * changes (watch_settle(), from fm_mirror_process() and fm_mirror_resync()),
 * looks its flow up again and reports the old and the new answer if they
 * differ. A flow whose family's generation (cache/cache.h) has not moved is
 * not looked up at all. Settling per batch rather than per message bounds
 * the cost of a flood at one lookup per watch per batch; a change undone
 * within one batch is, rightly, no change.
 *
 * Thread context: writer only.
 */
#include "index.h"

#include "cache/cache.h"
#include "lookup/lookup.h"
#include "mirror.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct fm_watch {
	bool flow;
	struct rib_watch gw; /* gateway watches: in the RIB's list */
	/* flow watches: in the mirror's list */
	struct ilist link;
	struct fm_mirror *m;
	struct fm_flow fl;
	fm_flow_watch_cb cb;
	void *arg;
	uint64_t seen; /* the family's generation when last looked up */
	int rc;	       /* the answer last reported */
	struct fm_result *res, *spare;
};

int fm_watch_gateway(struct fm_mirror *m, const struct fm_ip *gw, int ifindex, fm_watch_cb cb,
		     void *arg, struct fm_watch **ret)
{
	struct fm_watch *w;

	if (!m || !gw || !cb || !ret || (gw->family != AF_INET && gw->family != AF_INET6))
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->gw.rib = mirror_rib(m);
	w->gw.gw = *gw;
	w->gw.ifindex = ifindex;
	w->gw.cb = cb;
	w->gw.arg = arg;
	ilist_add_tail(&mirror_rib(m)->watches, &w->gw.link);
	*ret = w;
	return 0;
}

int fm_watch_flow(struct fm_mirror *m, const struct fm_flow *fl, fm_flow_watch_cb cb, void *arg,
		  struct fm_watch **ret)
{
	struct fm_watch *w;

	if (!m || !fl || !cb || !ret || (fl->family != AF_INET && fl->family != AF_INET6))
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w || !(w->res = malloc(sizeof(*w->res))) || !(w->spare = malloc(sizeof(*w->spare)))) {
		fm_watch_free(w);
		return -ENOMEM;
	}
	w->flow = true;
	w->m = m;
	w->fl = *fl;
	w->cb = cb;
	w->arg = arg;
	w->seen = gens_load(mirror_gens(m), fl->family);
	w->rc = fm_route_get(m, fl, w->res);
	ilist_add_tail(mirror_flow_watches(m), &w->link);
	*ret = w;
	return 0;
}

void fm_watch_free(struct fm_watch *w)
{
	if (!w)
		return;
	ilist_del(w->flow ? &w->link : &w->gw.link);
	free(w->res);
	free(w->spare);
	free(w);
}

/* Look @w's flow up again if its family moved; report a different answer. */
static void settle_one(struct fm_watch *w)
{
	uint64_t g = gens_load(mirror_gens(w->m), w->fl.family);
	struct fm_result *old = w->res;
	int rc, old_rc = w->rc;

	if (g == w->seen)
		return;
	w->seen = g;
	rc = fm_route_get(w->m, &w->fl, w->spare);
	if (lk_same_answer(rc, w->spare, old_rc, old))
		return;
	w->res = w->spare;
	w->spare = old;
	w->rc = rc;
	w->cb(&w->fl, old_rc, old, rc, w->res, w->arg); /* may free w */
}

void watch_settle(struct fm_mirror *m)
{
	struct ilist *p, *t, *head = mirror_flow_watches(m);

	ilist_for_each_safe (p, t, head)
		settle_one(container_of(p, struct fm_watch, link));
}
