// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * opool.c - fixed-size object pools (see opool.h).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "opool.h"

void *opool_zalloc(struct opool *op)
{
	void *o, *c;

	if (OPOOL_PLAIN)
		return calloc(1, op->size);
	if (op->free) {
		o = op->free;
		memcpy(&op->free, o, sizeof(void *));
		return memset(o, 0, op->size);
	}
	if (op->cur + op->size > op->end) {
		if (op->n_chunks == op->cap_chunks) {
			size_t n = op->cap_chunks ? 2 * op->cap_chunks : 16;
			void **cs = realloc(op->chunks, n * sizeof(*cs));

			if (!cs)
				return NULL;
			op->chunks = cs;
			op->cap_chunks = n;
		}
		if (posix_memalign(&c, OPOOL_CHUNK, OPOOL_CHUNK))
			return NULL;
		madvise(c, OPOOL_CHUNK, MADV_HUGEPAGE);
		op->chunks[op->n_chunks++] = c;
		op->cur = c;
		op->end = op->cur + OPOOL_CHUNK;
	}
	o = op->cur;
	op->cur += op->size;
	return memset(o, 0, op->size);
}

void opool_free(struct opool *op, void *o)
{
	if (OPOOL_PLAIN) {
		free(o);
		return;
	}
	if (!o)
		return;
	memcpy(o, &op->free, sizeof(void *));
	op->free = o;
}

/* Every object at once (plain builds: the caller freed them). */
void opool_destroy(struct opool *op)
{
	size_t i;

	for (i = 0; i < op->n_chunks; i++)
		free(op->chunks[i]);
	free(op->chunks);
	memset(op, 0, sizeof(*op));
}
