// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bpfmmap.c - mmap a BPF_F_MMAPABLE array map (the IPv4 FIB tables,
 * user/fib4.c; the interface entries, user/ifdata.c).
 */
#include <errno.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>

#include "bpfmmap.h"

/* The length to mmap n values of an array map (whole pages). */
size_t vta_map_mmap_len(uint32_t n, uint32_t value_size)
{
	long pg = sysconf(_SC_PAGESIZE);

	return ((size_t)n * value_size + pg - 1) / pg * pg;
}

/*
 * mmap a BPF_F_MMAPABLE array whose values are value_size bytes: *n its
 * max_entries, *len the mapped length; NULL with errno set (EINVAL: not
 * mmapable or another value size).
 */
void *vta_map_mmap(int fd, uint32_t value_size, uint32_t *n, size_t *len,
		   bool writable)
{
	struct bpf_map_info info = {};
	__u32 il = sizeof(info);
	void *p;

	if (fd < 0) {
		errno = ENOENT;
		return NULL;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &il))
		return NULL;
	if (info.value_size != value_size ||
	    !(info.map_flags & BPF_F_MMAPABLE)) {
		errno = EINVAL;
		return NULL;
	}
	*n = info.max_entries;
	*len = vta_map_mmap_len(info.max_entries, value_size);
	p = mmap(NULL, *len, PROT_READ | (writable ? PROT_WRITE : 0),
		 MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}
