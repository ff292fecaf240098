// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Links, interface addresses and netconf values.
 *
 * Links are keyed by ifindex. A link message may only restate what we hold
 * (the kernel sends RTM_NEWLINK for many reasons); only a real change is
 * applied and announced, and an admin or carrier transition triggers the
 * route side effects the kernel applies silently (implicit.c).
 *
 * Addresses live on their link in the kernel's list order, because that order
 * picks source addresses: IPv4 puts a new primary after the last primary whose
 * scope is >= its own (so host, then link, then universe) and secondaries at
 * the end (__inet_insert_ifa); IPv6 keeps the list sorted by scope value with
 * the newest address first within a scope (ipv6_link_dev_addr). Dumps arrive
 * in list order and are appended as they come.
 *
 * Netconf notifications carry only the attribute that changed; they are
 * merged into the entry for (family, ifindex).
 */
#include "rib.h"

#include <errno.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/netconf.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static bool link_eq(const struct hnode *n, const void *key)
{
	return container_of(n, struct rib_link, hn)->o.ifindex == *(const int *)key;
}

struct rib_link *rib_link_find(const struct rib *rib, int ifindex)
{
	struct hnode *n = htab_find(&rib->links, fm_hash_u64((uint64_t)ifindex), link_eq, &ifindex);

	return n ? container_of(n, struct rib_link, hn) : NULL;
}

struct rib_link *rib_link_by_name(const struct rib *rib, const char *name)
{
	struct hnode *n;
	size_t i;

	htab_for_each (&rib->links, i, n) {
		struct rib_link *l = container_of(n, struct rib_link, hn);

		if (strncmp(l->o.name, name, sizeof(l->o.name)) == 0)
			return l;
	}
	return NULL;
}

int rib_loopback(const struct rib *rib)
{
	struct hnode *n;
	size_t i;

	htab_for_each (&rib->links, i, n) {
		struct rib_link *l = container_of(n, struct rib_link, hn);

		if (l->o.flags & IFF_LOOPBACK)
			return l->o.ifindex;
	}
	return 0;
}

static void addrs_free(struct rib *rib, struct rib_link *l)
{
	struct ilist *p, *t;
	int f;

	for (f = 0; f < 2; f++) {
		ilist_for_each_safe (p, t, &l->addrs[f]) {
			struct rib_addr *a = container_of(p, struct rib_addr, link);

			ilist_del(p);
			rib->n_addrs--;
			rib->mem -= sizeof(*a);
			free(a);
		}
	}
}

static int link_new(struct rib *rib, const struct fm_link *o)
{
	struct rib_link *l = rib_link_find(rib, o->ifindex);
	struct fm_link old;

	if (l) {
		old = l->o;
		if (memcmp(&l->o, o, sizeof(*o)) != 0) {
			l->o = *o;
			rib_emit(rib, FM_EV_REPLACE, FM_KIND_LINK, false, l);
		}
		/* Even unchanged: it may be the carrier notice a doubt waits for. */
		rib_implicit_link_change(rib, &old, l);
		return 0;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return -ENOMEM;
	l->o = *o;
	ilist_init(&l->addrs[0]);
	ilist_init(&l->addrs[1]);
	htab_insert(&rib->links, &l->hn, fm_hash_u64((uint64_t)o->ifindex));
	rib->n_links++;
	rib->mem += sizeof(*l);
	rib_emit(rib, FM_EV_NEW, FM_KIND_LINK, false, l);
	return 0;
}

static void netconf_drop_dev(struct rib *rib, int ifindex);

static int link_del(struct rib *rib, int ifindex)
{
	struct rib_link *l = rib_link_find(rib, ifindex);

	if (!l)
		return 0;
	/* Side effects first: they look the device up (names for rules). */
	rib_implicit_link_gone(rib, &l->o);
	rib_emit(rib, FM_EV_DEL, FM_KIND_LINK, false, l);
	addrs_free(rib, l);
	netconf_drop_dev(rib, ifindex);
	htab_remove(&rib->links, &l->hn);
	rib->n_links--;
	rib->mem -= sizeof(*l);
	free(l);
	return 0;
}

int rib_link_apply(struct rib *rib, enum rib_op op, const struct fm_link *l)
{
	if (l->ifindex <= 0)
		return -EINVAL;
	return op == RIB_DEL ? link_del(rib, l->ifindex) : link_new(rib, l);
}

/* --------------------------------------------------------------- addresses */

static bool addr_same_key(const struct fm_address *a, const struct fm_address *b)
{
	return a->family == b->family && a->prefixlen == b->prefixlen &&
	       memcmp(a->local.b, b->local.b, 16) == 0 &&
	       (a->family == AF_INET6 || memcmp(a->address.b, b->address.b, 16) == 0);
}

static struct rib_addr *addr_find(struct rib_link *l, const struct fm_address *o)
{
	struct ilist *p;

	for (p = l->addrs[fam_idx(o->family)].next; p != &l->addrs[fam_idx(o->family)];
	     p = p->next) {
		struct rib_addr *a = container_of(p, struct rib_addr, link);

		if (addr_same_key(&a->o, o))
			return a;
	}
	return NULL;
}

/*
 * Where the kernel linked a new address into the device's list. IPv6 keeps
 * the list by scope, newest first within a scope, but announces an address
 * only when duplicate address detection is over, so announcement order is
 * not creation order: the creation stamp places it.
 */
static struct ilist *addr_pos(struct rib_link *l, const struct fm_address *o)
{
	struct ilist *head = &l->addrs[fam_idx(o->family)], *p, *last_primary = head;

	for (p = head->next; p != head; p = p->next) {
		const struct fm_address *a = &container_of(p, struct rib_addr, link)->o;

		if (o->family == AF_INET6 &&
		    (a->scope > o->scope || (a->scope == o->scope && a->cstamp <= o->cstamp)))
			return p;
		if (o->family == AF_INET && !(a->flags & IFA_F_SECONDARY) && o->scope <= a->scope)
			last_primary = p;
	}
	if (o->family == AF_INET6 || (o->flags & IFA_F_SECONDARY))
		return head; /* at the end */
	return last_primary->next;
}

/* Insert before @pos. */
static void ilist_add_before(struct ilist *pos, struct ilist *e)
{
	ilist_add_tail(pos, e);
}

/* Lifetimes tick without messages mattering to routing; compare the rest. */
static bool addr_same(const struct fm_address *a, const struct fm_address *b)
{
	struct fm_address x = *a, y = *b;

	x.valid_lft = y.valid_lft = x.preferred_lft = y.preferred_lft = 0;
	return memcmp(&x, &y, sizeof(x)) == 0;
}

static int addr_new(struct rib *rib, const struct fm_address *o, bool dump)
{
	struct rib_link *l = rib_link_find(rib, o->ifindex);
	struct rib_addr *a;

	if (!l)
		return 0; /* an address of a device we never saw: it is gone already */
	a = addr_find(l, o);
	if (a) {
		bool changed = !addr_same(&a->o, o);

		a->o = *o;
		if (changed)
			rib_emit(rib, FM_EV_REPLACE, FM_KIND_ADDR, false, a);
		return 0;
	}
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->o = *o;
	if (dump)
		ilist_add_tail(&l->addrs[fam_idx(o->family)], &a->link);
	else
		ilist_add_before(addr_pos(l, o), &a->link);
	rib->n_addrs++;
	rib->mem += sizeof(*a);
	rib_emit(rib, FM_EV_NEW, FM_KIND_ADDR, false, a);
	rib_implicit_addr_new(rib, o);
	return 0;
}

static int addr_del(struct rib *rib, const struct fm_address *o)
{
	struct rib_link *l = rib_link_find(rib, o->ifindex);
	struct rib_addr *a = l ? addr_find(l, o) : NULL;
	struct fm_address gone;

	if (!a)
		return 0;
	gone = a->o;
	rib_emit(rib, FM_EV_DEL, FM_KIND_ADDR, false, a);
	ilist_del(&a->link);
	rib->n_addrs--;
	rib->mem -= sizeof(*a);
	free(a);
	rib_implicit_addr_gone(rib, &gone);
	return 0;
}

int rib_addr_apply(struct rib *rib, enum rib_op op, uint16_t nlflags, const struct fm_address *a)
{
	if (op == RIB_DEL)
		return addr_del(rib, a);
	return addr_new(rib, a, (nlflags & NLM_F_MULTI) != 0);
}

/* ----------------------------------------------------------------- netconf */

const struct fm_netconf *rib_netconf_find(const struct rib *rib, uint8_t family, int ifindex)
{
	size_t i;

	for (i = 0; i < rib->n_netconf; i++)
		if (rib->netconf[i].family == family && rib->netconf[i].ifindex == ifindex)
			return &rib->netconf[i];
	return NULL;
}

static void merge(int32_t *dst, int32_t v)
{
	if (v != -1)
		*dst = v;
}

static int netconf_new(struct rib *rib, const struct fm_netconf *nc)
{
	struct fm_netconf *e = (struct fm_netconf *)rib_netconf_find(rib, nc->family, nc->ifindex);
	struct fm_netconf old;

	if (!e) {
		e = realloc(rib->netconf, (rib->n_netconf + 1) * sizeof(*e));
		if (!e)
			return -ENOMEM;
		rib->netconf = e;
		e = &rib->netconf[rib->n_netconf++];
		*e = *nc;
		rib->mem += sizeof(*e);
		rib_emit(rib, FM_EV_NEW, FM_KIND_NETCONF, false, e);
		return 0;
	}
	old = *e;
	merge(&e->forwarding, nc->forwarding);
	merge(&e->rp_filter, nc->rp_filter);
	merge(&e->mc_forwarding, nc->mc_forwarding);
	merge(&e->proxy_neigh, nc->proxy_neigh);
	merge(&e->ignore_routes_with_linkdown, nc->ignore_routes_with_linkdown);
	if (memcmp(&old, e, sizeof(old)) == 0)
		return 0;
	/* ignore_routes_with_linkdown needs no work here: export derives
	 * "dead" from linkdown and the current value, as the kernel's dump does. */
	rib_emit(rib, FM_EV_REPLACE, FM_KIND_NETCONF, false, e);
	return 0;
}

static void netconf_drop_dev(struct rib *rib, int ifindex)
{
	size_t i = 0;

	while (i < rib->n_netconf) {
		if (rib->netconf[i].ifindex != ifindex) {
			i++;
			continue;
		}
		rib->netconf[i] = rib->netconf[--rib->n_netconf];
		rib->mem -= sizeof(*rib->netconf);
	}
}

int rib_netconf_apply(struct rib *rib, enum rib_op op, const struct fm_netconf *nc)
{
	if (op == RIB_DEL) {
		netconf_drop_dev(rib, nc->ifindex);
		return 0;
	}
	return netconf_new(rib, nc);
}
