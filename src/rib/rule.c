// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Policy rules: one ordered list per family, as fib_rules keeps it.
 *
 * A new rule goes after every rule whose priority is <= its own, so rules of
 * one priority keep their insertion order (fib_newrule). A deleted rule is the
 * first one equal in every attribute (the DELRULE notification carries them
 * all). Device names stay names: whether an iif/oif rule is attached, and
 * whether a goto is resolved, change without any message, so export computes
 * both from the current links and rules instead of storing them.
 */
#include "rib.h"

#include <errno.h>
#include <linux/fib_rules.h>
#include <stdlib.h>
#include <string.h>

static bool rule_eq(const struct fm_rule *a, const struct fm_rule *b)
{
	/* Every field is a plain value with zeroed padding (decoders memset). */
	return memcmp(a, b, sizeof(*a)) == 0;
}

static int rules_reserve(struct rib *rib, struct rib_rules *l)
{
	size_t cap = l->cap ? l->cap * 2 : 16;
	struct fm_rule *v;

	if (l->n < l->cap)
		return 0;
	v = realloc(l->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	rib->mem += (cap - l->cap) * sizeof(*v);
	l->v = v;
	l->cap = cap;
	return 0;
}

static long rule_find(const struct rib_rules *l, const struct fm_rule *r)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (rule_eq(&l->v[i], r))
			return (long)i;
	return -1;
}

static int rule_add(struct rib *rib, struct rib_rules *l, const struct fm_rule *r)
{
	size_t pos = 0;
	int rc;

	/* Replaying an event the dump already showed must not duplicate it. */
	if (rule_find(l, r) >= 0)
		return 0;
	rc = rules_reserve(rib, l);
	if (rc)
		return rc;
	while (pos < l->n && l->v[pos].priority <= r->priority)
		pos++;
	memmove(&l->v[pos + 1], &l->v[pos], (l->n - pos) * sizeof(*r));
	l->v[pos] = *r;
	l->n++;
	rib_emit(rib, FM_EV_NEW, FM_KIND_RULE, false, &l->v[pos]);
	return 0;
}

static int rule_del(struct rib *rib, struct rib_rules *l, const struct fm_rule *r)
{
	long i = rule_find(l, r);

	if (i < 0)
		return 0;
	rib_emit(rib, FM_EV_DEL, FM_KIND_RULE, false, &l->v[i]);
	memmove(&l->v[i], &l->v[i + 1], (l->n - (size_t)i - 1) * sizeof(*r));
	l->n--;
	return 0;
}

bool rib_rule_v4_initial(const struct fm_rule *r)
{
	static const uint32_t prio[] = {0, 32766, 32767}, tab[] = {255, 254, 253};
	size_t i;

	for (i = 0; i < 3; i++)
		if (r->priority == prio[i] && r->table == tab[i])
			return r->family == AF_INET && r->action == FR_ACT_TO_TBL && !r->flags &&
			       !(r->attrs & ~(uint32_t)(FM_RULE_PROTOCOL | FM_RULE_PRIORITY)) &&
			       !r->src_len && !r->dst_len && !r->tos;
	return false;
}

int rib_rule_apply(struct rib *rib, enum rib_op op, uint16_t nlflags, const struct fm_rule *r)
{
	struct rib_rules *l = &rib->rules[fam_idx(r->family)];
	struct fm_rule c = *r;
	int rc;

	(void)nlflags;
	/* Priority 0 is sent as "no FRA_PRIORITY"; one representation. */
	c.attrs &= ~FM_RULE_PRIORITY;
	memset(c.iifname + strnlen(c.iifname, sizeof(c.iifname)), 0,
	       sizeof(c.iifname) - strnlen(c.iifname, sizeof(c.iifname)));
	memset(c.oifname + strnlen(c.oifname, sizeof(c.oifname)), 0,
	       sizeof(c.oifname) - strnlen(c.oifname, sizeof(c.oifname)));
	c.iif_ifindex = c.oif_ifindex = 0;
	rc = op == RIB_DEL ? rule_del(rib, l, &c) : rule_add(rib, l, &c);
	/* The kernel splits local from main for good at any rule added or
	 * removed (fib4_rule_configure(), fib4_rule_delete()); a namespace's
	 * own three are not added through it. */
	if (!rc && c.family == AF_INET && (op == RIB_DEL || !rib_rule_v4_initial(&c)))
		rib->v4_rules_changed = true;
	return rc;
}

void rib_rule_export(const struct rib *rib, const struct fm_rule *in, struct fm_rule *out)
{
	const struct rib_rules *l = &rib->rules[fam_idx(in->family)];
	const struct rib_link *dev;
	size_t i;

	*out = *in;
	if (in->iifname[0]) {
		dev = rib_link_by_name(rib, in->iifname);
		out->iif_ifindex = dev ? dev->o.ifindex : -1;
		out->flags |= dev ? 0 : FIB_RULE_IIF_DETACHED;
	}
	if (in->oifname[0]) {
		dev = rib_link_by_name(rib, in->oifname);
		out->oif_ifindex = dev ? dev->o.ifindex : -1;
		out->flags |= dev ? 0 : FIB_RULE_OIF_DETACHED;
	}
	if (in->action == FR_ACT_GOTO) {
		for (i = 0; i < l->n; i++)
			if (l->v[i].priority == in->goto_target)
				break;
		out->flags |= i == l->n ? FIB_RULE_UNRESOLVED : 0;
	}
}
