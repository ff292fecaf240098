// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Keyed hashing (SipHash-1-3 rounds over 8-byte words, a random key drawn once
 * per process from getrandom) and the chained table used by every RIB index.
 * The table is writer-only: readers of published state never touch it.
 */
#include "hash.h"

#include "bigmem.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static uint64_t k0 = 0x736f6d6570736575ull, k1 = 0x646f72616e646f6dull;
static pthread_once_t seed_once = PTHREAD_ONCE_INIT;

static void seed_init(void)
{
	uint64_t k[2];

	/* Without entropy the fixed key still works; only flood resistance is lost. */
	if (getrandom(k, sizeof(k), GRND_NONBLOCK) == sizeof(k)) {
		k0 ^= k[0];
		k1 ^= k[1];
	}
}

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                   \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = ROTL(v1, 13);                                                                 \
		v1 ^= v0;                                                                          \
		v0 = ROTL(v0, 32);                                                                 \
		v2 += v3;                                                                          \
		v3 = ROTL(v3, 16);                                                                 \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = ROTL(v3, 21);                                                                 \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = ROTL(v1, 17);                                                                 \
		v1 ^= v2;                                                                          \
		v2 = ROTL(v2, 32);                                                                 \
	} while (0)

uint64_t fm_hash(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t v0, v1, v2, v3, m, b = (uint64_t)len << 56;

	pthread_once(&seed_once, seed_init);
	v0 = k0 ^ 0x736f6d6570736575ull;
	v1 = k1 ^ 0x646f72616e646f6dull;
	v2 = k0 ^ 0x6c7967656e657261ull;
	v3 = k1 ^ 0x7465646279746573ull;
	for (; len >= 8; len -= 8, p += 8) {
		memcpy(&m, p, 8);
		v3 ^= m;
		SIPROUND;
		v0 ^= m;
	}
	m = 0;
	memcpy(&m, p, len);
	b |= m;
	v3 ^= b;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t fm_hash_u64(uint64_t v)
{
	return fm_hash(&v, sizeof(v));
}

int htab_init(struct htab *t, size_t buckets)
{
	size_t n = 16;

	while (n < buckets)
		n <<= 1;
	t->b = fm_big_calloc(n, sizeof(*t->b));
	if (!t->b)
		return -ENOMEM;
	t->mask = n - 1;
	t->n = 0;
	return 0;
}

void htab_fini(struct htab *t)
{
	fm_big_free(t->b, t->mask + 1, sizeof(*t->b));
	t->b = NULL;
	t->n = 0;
	t->mask = 0;
}

static void htab_grow(struct htab *t)
{
	size_t nb = (t->mask + 1) * 2, i;
	struct hnode **b = fm_big_calloc(nb, sizeof(*b));

	if (!b)
		return;
	for (i = 0; i <= t->mask; i++) {
		struct hnode *n = t->b[i], *next;

		for (; n; n = next) {
			next = n->next;
			n->next = b[n->hash & (nb - 1)];
			b[n->hash & (nb - 1)] = n;
		}
	}
	fm_big_free(t->b, t->mask + 1, sizeof(*t->b));
	t->b = b;
	t->mask = nb - 1;
}

int htab_reserve(struct htab *t, size_t n)
{
	while (2 * (t->mask + 1) < n) {
		size_t before = t->mask;

		htab_grow(t);
		if (t->mask == before)
			return -ENOMEM;
	}
	return 0;
}

void htab_insert(struct htab *t, struct hnode *n, uint64_t hash)
{
	/* Up to two entries per bucket: chains stay short, buckets cost <= 8 B each. */
	if (t->n >= 2 * (t->mask + 1))
		htab_grow(t);
	n->hash = hash;
	n->next = t->b[hash & t->mask];
	t->b[hash & t->mask] = n;
	t->n++;
}

void htab_remove(struct htab *t, struct hnode *n)
{
	struct hnode **pp = &t->b[n->hash & t->mask];

	for (; *pp; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			n->next = NULL;
			t->n--;
			return;
		}
	}
}

struct hnode *htab_find(const struct htab *t, uint64_t hash,
			bool (*eq)(const struct hnode *n, const void *key), const void *key)
{
	struct hnode *n = t->b[hash & t->mask];

	for (; n; n = n->next)
		if (n->hash == hash && eq(n, key))
			return n;
	return NULL;
}

size_t htab_mem(const struct htab *t)
{
	return (t->mask + 1) * sizeof(*t->b);
}
