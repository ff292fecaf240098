/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Longest-prefix match for the FIB: maps an address to the 32-bit value of
 * the longest prefix that contains it (a route group id in the FIB, a next
 * hop in the benchmarks). One writer, any number of lock-free readers.
 *
 * The writer stages changes (lpm4_set / lpm4_del) and publishes them with
 * lpm4_commit(): the affected part is rebuilt and made visible with one
 * atomic pointer swap; memory the readers may still see is reclaimed after an
 * RCU grace period (liburcu, memb flavour). A burst of changes staged before
 * one commit is one publication.
 *
 * Readers call lpm4_lookup() / lpm4_lookup_bulk() inside rcu_read_lock() of
 * the memb flavour (urcu/urcu-memb.h) from a registered thread; they never
 * lock and never wait. The writer's commits call call_rcu, so the writer
 * thread is registered with the memb flavour too.
 *
 * The reader structure is compact (poptrie class: direct pointing on the top
 * bits, then multibit nodes with popcount-compressed child and leaf vectors,
 * leaf runs stored once) so a full Internet table stays cache-resident.
 */
#ifndef FM_FIB_LPM_H
#define FM_FIB_LPM_H

#include <stddef.h>
#include <stdint.h>

/* The value of "no prefix contains the address". Never a stored value. */
#define LPM_NONE 0u

struct lpm4;
struct lpm6;

/* ---------------------------------------------------------------- IPv4 */

/* A new, empty table. NULL on allocation failure. Writer. */
struct lpm4 *lpm4_new(void);
/* Free @t and everything it published. Only when no reader can still be in
 * a lookup on it (after synchronize_rcu, or never published). Writer. */
void lpm4_free(struct lpm4 *t);

/*
 * Stage "@addr/@len maps to @value" (@addr in host byte order, host bits
 * beyond @len must be zero, @len <= 32, @value != LPM_NONE); an existing
 * prefix gets the new value. Return 0, -EINVAL or -ENOMEM (nothing staged).
 * Writer.
 */
int lpm4_set(struct lpm4 *t, uint32_t addr, uint8_t len, uint32_t value);
/* Stage the removal of @addr/@len. Return 0, -ENOENT or -EINVAL. Writer. */
int lpm4_del(struct lpm4 *t, uint32_t addr, uint8_t len);
/* One change of a burst: @value LPM_NONE removes @addr/@len, any other sets it. */
struct lpm4_change {
	uint32_t addr; /* host byte order */
	uint8_t len;
	uint32_t value;
};
/*
 * Stage @n changes in order, each as lpm4_set() or lpm4_del() would; the
 * writer-trie walks of LPM_BULK (32) of them at a time overlap their cache
 * misses, which is most of what staging a random change costs. @rc[i]
 * (unless NULL) gets change i's result. Returns how many failed. Writer.
 */
size_t lpm4_stage_bulk(struct lpm4 *t, const struct lpm4_change *ch, size_t n, int *rc);
/*
 * Publish everything staged since the last commit: rebuild what changed,
 * swap it in atomically, retire what readers no longer need through
 * call_rcu. Return 0, or -ENOMEM with the previous publication still
 * current and the staged changes kept (a later commit retries). Writer.
 */
int lpm4_commit(struct lpm4 *t);

/* The value of the longest published prefix containing @addr (host order),
 * LPM_NONE if none. Reader: inside rcu_read_lock() (memb flavour). */
uint32_t lpm4_lookup(const struct lpm4 *t, uint32_t addr);
/* lpm4_lookup() of @n addresses at once, interleaved so their cache misses
 * overlap. @out may not alias @addr. Reader. */
void lpm4_lookup_bulk(const struct lpm4 *t, const uint32_t *addr, uint32_t *out, size_t n);

/* Bytes of the published reader structure (what lookups touch). Writer. */
size_t lpm4_mem_bytes(const struct lpm4 *t);
/* Number of prefixes published. Writer. */
size_t lpm4_count(const struct lpm4 *t);

/* What the published structure is made of (lpm*_stats). */
struct lpm_stats {
	size_t prefixes;    /* published */
	size_t values;	    /* distinct values staged */
	size_t node_bytes;  /* multibit nodes (leaves included) */
	size_t page_bytes;  /* direct-pointing pages; a page shared by uniform regions once */
	size_t value_bytes; /* the table leaves index (its capacity) */
	size_t pool_bytes;  /* the node pool's buffer: nodes, free blocks, room to grow */
	size_t commits, full_builds;
	/* Directory lines (64 bytes) the commits' copies of roots and pages
	 * wrote: each is a line the readers fetch again. */
	size_t copy_lines;
	size_t page_copies, spare_copies; /* the latter over the entry's former page */
	size_t recycled_bytes;		  /* retired roots and pages kept for reuse */
	int wide;			  /* leaves are 32-bit (more than 65535 values) */
};
/* Fill @s. Writer. */
void lpm4_stats(const struct lpm4 *t, struct lpm_stats *s);

/* ---------------------------------------------------------------- IPv6 */

/* As the IPv4 functions; addresses are 16 bytes in network byte order. */
struct lpm6 *lpm6_new(void);
void lpm6_free(struct lpm6 *t);
int lpm6_set(struct lpm6 *t, const uint8_t addr[16], uint8_t len, uint32_t value);
int lpm6_del(struct lpm6 *t, const uint8_t addr[16], uint8_t len);
struct lpm6_change {
	uint8_t addr[16];
	uint8_t len;
	uint32_t value;
};
size_t lpm6_stage_bulk(struct lpm6 *t, const struct lpm6_change *ch, size_t n, int *rc);
int lpm6_commit(struct lpm6 *t);
uint32_t lpm6_lookup(const struct lpm6 *t, const uint8_t addr[16]);
void lpm6_lookup_bulk(const struct lpm6 *t, const uint8_t (*addr)[16], uint32_t *out, size_t n);
size_t lpm6_mem_bytes(const struct lpm6 *t);
size_t lpm6_count(const struct lpm6 *t);
void lpm6_stats(const struct lpm6 *t, struct lpm_stats *s);

#endif
