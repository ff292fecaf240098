// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * The reference lookup's entry point: one result struct, cleared, then the
 * family's path (ref4.c, ref6.c). Everything here is deliberately simple and
 * slow (a hash probe per prefix length, rules re-read each time): it is the
 * oracle the fast engine is checked against.
 */
#include "ref.h"

#include <errno.h>
#include <string.h>

static void fibmatch_prefsrc(const struct lookup_env *env, const struct fm_flow *fl,
			     struct fm_result *ret)
{
	struct rib_key k;
	struct rib_route *r;
	int alen = fam_alen(fl->family);

	memset(&ret->prefsrc, 0, sizeof(ret->prefsrc));
	memset(&k, 0, sizeof(k));
	k.family = fl->family;
	k.table = ret->table;
	k.dst_len = ret->dst_len;
	k.src_len = ret->src_len;
	memcpy(k.dst, ret->dst.b, alen);
	memcpy(k.src, ret->src.b, alen);
	for (r = rib_route_head(env->rib, &k); r; r = r->next) {
		if (r->priority != ret->priority || !r->ext || !r->ext->prefsrc_family)
			continue;
		ret->prefsrc.family = r->ext->prefsrc_family;
		memcpy(ret->prefsrc.b, r->ext->prefsrc, 16);
		return;
	}
}

int lk_ref_route_get(const struct lookup_env *env, const struct fm_flow *flow,
		     struct fm_result *ret)
{
	struct fm_flow f = *flow, *fl = &f;
	int rc;

	/* A device is one a positive index names (struct fm_flow), as the
	 * fast path reads it: any other index is none. */
	f.iif = f.iif > 0 ? f.iif : 0;
	f.oif = f.oif > 0 ? f.oif : 0;
	memset(ret, 0, sizeof(*ret));
	ret->family = fl->family;
	ret->chosen = -1;
	ret->pref = 0xff;
	ret->choice_exact = true;
	if (fl->family != AF_INET && fl->family != AF_INET6)
		return -EAFNOSUPPORT;
	rc = fl->family == AF_INET ? ref_get4(env, fl, ret) : ref_get6(env, fl, ret);
	/* fibmatch shows the entry itself: its own configured source only. */
	if (rc == 0 && (fl->flags & FM_FLOW_FIBMATCH) && ret->has_table)
		fibmatch_prefsrc(env, fl, ret);
	return rc;
}
