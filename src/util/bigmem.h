/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Big zeroed arrays (the route table's buckets, the comparison vectors of a
 * resync): from 2 MiB up, an anonymous mapping aligned to 2 MiB and marked
 * MADV_HUGEPAGE, so the kernel can back it with huge pages; below that,
 * calloc. Why: memory the process touches for the first time faults once
 * per 4 KiB page, and on a virtual machine a fault costs microseconds. A
 * 1M-route comparison fills some 130 MB of fresh vectors: about 0.4 s of
 * faults with 4 KiB pages (bench/README.md, bench_sync). Where transparent
 * huge pages are off the advice is ignored and the mapping works as any.
 * Small arrays stay calloc's, so tests with small tables keep the
 * sanitizers' checks of them.
 *
 * Writer-only, like the structures that use it.
 */
#ifndef FM_UTIL_BIGMEM_H
#define FM_UTIL_BIGMEM_H

#include <stddef.h>

/* @n elements of @size bytes, zeroed; NULL on overflow or failure. */
void *fm_big_calloc(size_t n, size_t size);
/* Free what fm_big_calloc(@n, @size) returned (NULL: nothing). */
void fm_big_free(void *p, size_t n, size_t size);

#endif
