/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * mapwalk.h - every element of a hash or trie map, one loop for all:
 * the daemon's seeding, verify, the CLI commands and liveness/spread
 * listings walk the maps through it.
 */
#ifndef VTA_MAPWALK_H
#define VTA_MAPWALK_H

#include <stddef.h>

/* Return non-zero to stop the walk (vta_map_walk() returns it). */
typedef int (*vta_map_walk_cb)(const void *key, const void *value, void *ctx);

/*
 * Call cb for each element of the map behind fd (key_size and value_size
 * at most 64 and 4096 bytes): the key from BPF_MAP_GET_NEXT_KEY, the
 * value read after it.  An element deleted between the two is skipped
 * (the writer removed it meanwhile); the walk goes on from its key.
 * Returns 0 at the end, cb's non-zero return, or -errno.
 */
int vta_map_walk(int fd, size_t key_size, size_t value_size, vta_map_walk_cb cb,
		 void *ctx);

#endif
