// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Route handles (fm_handle_*): one flow's decision, kept by the caller and
 * checked in one load.
 *
 * A handle copies the answer; it points at nothing of the mirror's but the
 * generation block (cache.h), which it holds a reference to. So whatever
 * the writer does meanwhile (deletes the route, removes the device, swaps
 * the whole RIB in a resync, frees the mirror), checking, reading and
 * releasing a handle stay safe: the check just fails. Where the kernel
 * rebinds a dst entry of a vanished device to a blackhole device, a handle
 * goes invalid and its refresh gives the new decision.
 *
 * A decision that depends on a route's lifetime keeps the deadline too:
 * fm_handle_refresh() re-looks such a handle up once it has passed, even if
 * no change was announced (the kernel removes expired routes lazily).
 *
 * Thread context: fm_handle_valid() and fm_handle_free() on any thread; the
 * others on the handle's owner.
 */
#include "cache.h"

#include "lookup/lookup.h"
#include "mirror.h"
#include "rib/rib.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct fm_handle {
	struct fm_handle_check chk; /* first: fm_handle_valid() reads it in place */
	struct fm_mirror *m;
	struct fm_gens *gens;
	struct fm_flow fl;
	uint32_t deadline;
	int rc;
	struct fm_result res;
};

_Static_assert(offsetof(struct fm_handle, chk) == 0, "fm_handle_valid() reads the head");

/* Look the flow up into @res, remembering the generation read before. */
static int take(struct fm_handle *h, struct fm_result *res, uint32_t *deadline)
{
	*deadline = 0;
	/* Relaxed: other threads may be checking the handle meanwhile. */
	__atomic_store_n(&h->chk.seen, gens_load(h->gens, h->fl.family), __ATOMIC_RELAXED);
	return mirror_route_get(h->m, &h->fl, res, deadline);
}

int fm_handle_new(struct fm_mirror *m, const struct fm_flow *fl, struct fm_handle **ret)
{
	struct fm_handle *h;

	if (!m || !fl || !ret || (fl->family != AF_INET && fl->family != AF_INET6))
		return -EINVAL;
	h = malloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->m = m;
	h->gens = mirror_gens(m);
	h->fl = *fl;
	h->chk.gen = &h->gens->gen[gen_index(fl->family)];
	gens_hold(h->gens);
	h->rc = take(h, &h->res, &h->deadline);
	*ret = h;
	return 0;
}

int fm_handle_result(const struct fm_handle *h, const struct fm_result **ret)
{
	if (!h || !ret)
		return -EINVAL;
	*ret = &h->res;
	return h->rc;
}

static bool outlived(const struct fm_handle *h)
{
	return h->deadline && !rib_expiry_left(h->deadline);
}

int fm_handle_refresh(struct fm_handle *h)
{
	struct fm_result res;
	uint32_t deadline;
	int rc;
	bool same;

	if (!h)
		return -EINVAL;
	if (__atomic_load_n(h->chk.gen, __ATOMIC_ACQUIRE) == GEN_DEAD)
		return -ESHUTDOWN;
	if (fm_handle_valid(h) && !outlived(h))
		return 0;
	rc = take(h, &res, &deadline);
	same = lk_same_answer(rc, &res, h->rc, &h->res);
	h->deadline = deadline;
	if (same)
		return 0;
	h->res = res;
	h->rc = rc;
	return 1;
}

void fm_handle_free(struct fm_handle *h)
{
	if (!h)
		return;
	gens_put(h->gens);
	free(h);
}
