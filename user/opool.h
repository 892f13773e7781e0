// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * opool.h - fixed-size object pools carved from 2 MiB chunks (the sync
 * model's prefixes and variants, user/sync*.c).
 */
#ifndef VTA_OPOOL_H
#define VTA_OPOOL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Fixed-size objects carved from 2 MiB chunks (transparent huge pages
 * where the kernel gives them: one fault per chunk instead of 512), freed
 * objects reused first.  malloc per object was 10% of a 1M-route start-up
 * sync and its page faults another 8%.  Chunks go back only with the
 * model.  Sanitizer and fuzzing builds use calloc/free, so that a use
 * after free is still caught.
 */
#define OPOOL_CHUNK (2U << 20)

struct opool {
	size_t size;
	void *free; /* freed objects, linked through their start */
	uint8_t *cur, *end;
	void **chunks;
	size_t n_chunks, cap_chunks;
};

#if defined(__SANITIZE_ADDRESS__) || \
	defined(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
#define OPOOL_PLAIN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) /* clang: no __SANITIZE_ADDRESS__ */
#define OPOOL_PLAIN 1
#endif
#endif
#ifndef OPOOL_PLAIN
#define OPOOL_PLAIN 0
#endif

void *opool_zalloc(struct opool *op);
void opool_free(struct opool *op, void *o);
void opool_destroy(struct opool *op);

#endif
