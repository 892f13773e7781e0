// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* mapwalk.c - see mapwalk.h. */
#include <errno.h>
#include <string.h>
#include <bpf/bpf.h>
#include "mapwalk.h"

int vta_map_walk(int fd, size_t key_size, size_t value_size, vta_map_walk_cb cb,
		 void *ctx)
{
	_Alignas(8) unsigned char key[64], next[64], value[4096];
	void *prev = NULL;
	int ret;

	if (key_size > sizeof(key) || value_size > sizeof(value))
		return -EINVAL;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		if (bpf_map_lookup_elem(fd, key, value))
			continue; /* gone since get_next_key */
		ret = cb(key, value, ctx);
		if (ret)
			return ret;
	}
	return errno == ENOENT ? 0 : -errno;
}
