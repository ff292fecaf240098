// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * RIB lifetime and the change announcement hook. A RIB is created empty,
 * filled only through the rib_*_apply() functions, and freed whole; resyncs
 * build a second one and swap (mirror.c), so fini must free every object and
 * index node it owns.
 */
#include "rib.h"
#include "index/index.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int rib_init(struct rib *rib)
{
	memset(rib, 0, sizeof(*rib));
	ilist_init(&rib->watches);
	if (htab_init(&rib->routes, 1024) || htab_init(&rib->tlens, 16) ||
	    htab_init(&rib->nhs, 64) || htab_init(&rib->links, 64) || htab_init(&rib->gw, 256) ||
	    htab_init(&rib->gwdev, 256) || htab_init(&rib->dev, 64)) {
		rib_fini(rib);
		return -ENOMEM;
	}
	return 0;
}

static void free_routes(struct rib *rib)
{
	struct hnode *n, *next;
	size_t i;

	for (i = 0; rib->routes.b && i <= rib->routes.mask; i++) {
		for (n = rib->routes.b[i]; n; n = next) {
			struct rib_route *r = container_of(n, struct rib_route, hn), *rn;

			next = n->next;
			for (; r; r = rn) {
				rn = r->next;
				if (r->hops != &r->hop0)
					free(r->hops);
				free(r->ext);
				free(r);
			}
		}
	}
}

static void free_table(struct htab *t, size_t off, void (*extra)(void *))
{
	struct hnode *n, *next;
	size_t i;

	for (i = 0; t->b && i <= t->mask; i++) {
		for (n = t->b[i]; n; n = next) {
			void *obj = (char *)n - off;

			next = n->next;
			if (extra)
				extra(obj);
			free(obj);
		}
	}
}

static void nh_extra(void *p)
{
	free((void *)((struct rib_nh *)p)->o.members);
}

static void link_extra(void *p)
{
	struct rib_link *l = p;
	struct ilist *a, *t;
	int f;

	for (f = 0; f < 2; f++)
		ilist_for_each_safe (a, t, &l->addrs[f])
			free(container_of(a, struct rib_addr, link));
}

void rib_fini(struct rib *rib)
{
	struct ilist *p, *t;

	free_routes(rib);
	free_table(&rib->tlens, offsetof(struct rib_tlens, hn), NULL);
	free_table(&rib->nhs, offsetof(struct rib_nh, hn), nh_extra);
	free_table(&rib->links, offsetof(struct rib_link, hn), link_extra);
	idx_fini(rib);
	ilist_for_each_safe (p, t, &rib->watches)
		ilist_del(p); /* watches belong to their owners */
	htab_fini(&rib->routes);
	htab_fini(&rib->tlens);
	htab_fini(&rib->nhs);
	htab_fini(&rib->links);
	free(rib->rules[0].v);
	free(rib->rules[1].v);
	free(rib->netconf);
	free(rib->scratch);
	memset(rib, 0, sizeof(*rib));
	ilist_init(&rib->watches); /* empty, and may be freed again */
}

void rib_hooks_take(struct rib *rib, struct rib_hooks *h)
{
	struct ilist *p, *t;

	h->emit = rib->emit;
	h->emit_arg = rib->emit_arg;
	rib->emit = NULL;
	ilist_init(&h->watches);
	ilist_for_each_safe (p, t, &rib->watches) {
		ilist_del(p);
		ilist_add_tail(&h->watches, p);
	}
}

void rib_hooks_give(struct rib *rib, struct rib_hooks *h)
{
	struct ilist *p, *t;

	rib->emit = h->emit;
	rib->emit_arg = h->emit_arg;
	ilist_for_each_safe (p, t, &h->watches) {
		ilist_del(p);
		ilist_add_tail(&rib->watches, p);
		container_of(p, struct rib_watch, link)->rib = rib;
	}
}

/* The only pointer into struct rib itself is the (empty) watch list's head. */
void rib_move(struct rib *dst, struct rib *src)
{
	*dst = *src;
	ilist_init(&dst->watches);
	memset(src, 0, sizeof(*src));
	ilist_init(&src->watches);
}

uint64_t rib_mem(const struct rib *rib)
{
	return rib->mem + htab_mem(&rib->routes) + htab_mem(&rib->tlens) +
	       rib->tlens.n * sizeof(struct rib_tlens) + htab_mem(&rib->nhs) +
	       htab_mem(&rib->links) + htab_mem(&rib->gw) + htab_mem(&rib->gwdev) +
	       htab_mem(&rib->dev);
}

/* Deadlines in CLOCK_MONOTONIC deciseconds (u32: 13 years of uptime). A
 * message gives whole seconds left, so the true deadline lies somewhere in
 * the following second: take its middle. */
static uint32_t now_ds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)(ts.tv_sec * 10 + ts.tv_nsec / 100000000);
}

uint32_t rib_clock_now(void)
{
	uint32_t t = now_ds();

	return t ? t : 1;
}

uint32_t rib_expiry_deadline(const struct rib *rib, uint32_t seconds_left)
{
	uint32_t now = rib->clock ? rib->clock : now_ds();

	if (seconds_left == FM_EXPIRED)
		return now > 1 ? now - 1 : UINT32_MAX; /* already past; never 0 (none) */
	return now + seconds_left * 10 + 5;
}

uint32_t rib_expiry_left(uint32_t deadline)
{
	int32_t left = (int32_t)(deadline - now_ds());

	return left > 0 ? (uint32_t)left / 10 : 0;
}

uint32_t rib_expiry_earlier(uint32_t a, uint32_t b)
{
	if (!a || !b)
		return a | b;
	return (int32_t)(a - b) < 0 ? a : b;
}

uint32_t rib_expiry_ms(uint32_t deadline)
{
	/* rib_expiry_left() rounds down to whole seconds: 0 below 10 ds. */
	int32_t left = (int32_t)(deadline - now_ds()) - 9;

	return left > 0 ? (uint32_t)left * 100 : 0;
}

void rib_emit(struct rib *rib, enum fm_event_type type, enum fm_kind kind, bool implicit,
	      const void *obj)
{
	if (rib->emit)
		rib->emit(rib, type, kind, implicit, obj, rib->emit_arg);
}
