// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Big arrays on huge-page-capable mappings (design in bigmem.h). The size
 * is rounded up to whole 2 MiB units and the mapping aligned to one, so a
 * huge page can back every part of it; the free recomputes that length.
 */
#include "bigmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define BIG_UNIT ((size_t)2 << 20) /* an x86-64 / arm64 huge page */

static size_t big_len(size_t bytes)
{
	return (bytes + BIG_UNIT - 1) & ~(BIG_UNIT - 1);
}

void *fm_big_calloc(size_t n, size_t size)
{
	size_t bytes, len, head;
	uintptr_t a;
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	bytes = n * size;
	if (bytes < BIG_UNIT)
		return calloc(n, size);
	len = big_len(bytes);
	if (len < bytes || len > SIZE_MAX - BIG_UNIT)
		return NULL;
	/* One unit more than needed, then the unaligned ends given back. */
	p = mmap(NULL, len + BIG_UNIT, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = ((uintptr_t)p + BIG_UNIT - 1) & ~(uintptr_t)(BIG_UNIT - 1);
	head = a - (uintptr_t)p;
	if (head)
		munmap(p, head);
	munmap((void *)(a + len), BIG_UNIT - head);
	(void)madvise((void *)a, len, MADV_HUGEPAGE); /* advice: fine to be refused */
	return (void *)a;
}

void fm_big_free(void *p, size_t n, size_t size)
{
	size_t bytes = n * size;

	if (!p)
		return;
	if (bytes < BIG_UNIT)
		free(p);
	else
		munmap(p, big_len(bytes));
}
