/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* bpfmmap.h - mmap a BPF_F_MMAPABLE array map. */
#ifndef VTA_BPFMMAP_H
#define VTA_BPFMMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The length to mmap n values of value_size bytes (whole pages). */
size_t vta_map_mmap_len(uint32_t n, uint32_t value_size);
/* The array behind fd, whose values must be value_size bytes: *n its
 * max_entries, *len the mapped length; NULL with errno set (EINVAL: not
 * mmapable or another value size). */
void *vta_map_mmap(int fd, uint32_t value_size, uint32_t *n, size_t *len,
		   bool writable);

#endif
