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

int lk_ref_route_get(const struct lookup_env *env, const struct fm_flow *fl, struct fm_result *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->family = fl->family;
	ret->chosen = -1;
	ret->pref = 0xff;
	ret->choice_exact = true;
	if (fl->family == AF_INET)
		return ref_get4(env, fl, ret);
	if (fl->family == AF_INET6)
		return ref_get6(env, fl, ret);
	return -EAFNOSUPPORT;
}
