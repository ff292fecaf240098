/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A keyed hash and an intrusive chained hash table.
 *
 * Keys come from the kernel and from files, i.e. from whoever can add routes,
 * so bucket choice uses a per-process random key (fm_hash_seed) and a
 * SipHash-1-3 style mixer: a hostile table cannot be built to collide.
 * The table stores the full 64-bit hash in each node, compares it before the
 * caller's key, and doubles when the load exceeds one.
 */
#ifndef FM_UTIL_HASH_H
#define FM_UTIL_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hnode {
	struct hnode *next;
	uint64_t hash;
};

struct htab {
	struct hnode **b;
	size_t mask; /* buckets - 1 */
	size_t n;
};

/* Keyed hash of @len bytes. */
uint64_t fm_hash(const void *data, size_t len);
/* Hash of one 64-bit value (ids, ifindexes). */
uint64_t fm_hash_u64(uint64_t v);

int htab_init(struct htab *t, size_t buckets);
void htab_fini(struct htab *t);
/* Make room for @n entries without growing: each growth relinks every node,
 * a cache miss each in a big table. 0 or -ENOMEM (the table stays usable). */
int htab_reserve(struct htab *t, size_t n);
/* Insert @n with @hash; grows the table (an allocation failure only leaves it denser). */
void htab_insert(struct htab *t, struct hnode *n, uint64_t hash);
void htab_remove(struct htab *t, struct hnode *n);
/* First node with @hash for which @eq(node, key) is true, or NULL. */
struct hnode *htab_find(const struct htab *t, uint64_t hash,
			bool (*eq)(const struct hnode *n, const void *key), const void *key);
size_t htab_mem(const struct htab *t);

#define htab_for_each(t, i, n)                                                                     \
	for (i = 0; i <= (t)->mask; i++)                                                           \
		for (n = (t)->b[i]; n; n = n->next)

#endif
