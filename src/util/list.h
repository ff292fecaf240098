/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Intrusive doubly linked lists. The RIB links one object into several
 * indexes at once (a route hop into its gateway's and its device's lists), so
 * the links live inside the objects and removal is O(1) without a search.
 */
#ifndef FM_UTIL_LIST_H
#define FM_UTIL_LIST_H

#include <stddef.h>

struct ilist {
	struct ilist *next, *prev;
};

#define container_of(ptr, type, member) ((type *)((char *)(ptr)-offsetof(type, member)))

static inline void ilist_init(struct ilist *h)
{
	h->next = h->prev = h;
}

static inline int ilist_empty(const struct ilist *h)
{
	return h->next == h;
}

/* An element that is in no list has NULL links, so unlink is idempotent. */
static inline int ilist_linked(const struct ilist *e)
{
	return e->next != NULL;
}

static inline void ilist_add_tail(struct ilist *h, struct ilist *e)
{
	e->prev = h->prev;
	e->next = h;
	h->prev->next = e;
	h->prev = e;
}

static inline void ilist_del(struct ilist *e)
{
	if (!e->next)
		return;
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->next = e->prev = NULL;
}

#define ilist_for_each_safe(pos, tmp, head)                                                        \
	for (pos = (head)->next, tmp = pos->next; pos != (head); pos = tmp, tmp = pos->next)

#endif
