// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ifdata.c - interface entries under a sequence counter (ifdata.h).
 *
 * The fields are stored and loaded as relaxed atomics, word by word: the
 * programs read them concurrently (bpf/maps.h vta_iface_get()), and the
 * seq tells a reader which of the two copies to take and whether what it
 * copied is one version.
 */
#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include "ifdata.h"
#include "bpfmmap.h"
#include "loader.h"

#define WORDS (sizeof(struct vta_iface) / sizeof(uint32_t))
#define READ_TRIES 1000

_Static_assert(sizeof(struct vta_iface) % sizeof(uint32_t) == 0, "words");

static _Atomic uint32_t *word(const void *p, size_t i)
{
	return (_Atomic uint32_t *)((uint32_t *)p + i);
}

/* One copy's ifindex and fields, relaxed stores word by word. */
static void copy_write(struct vta_ifcopy *c, uint32_t ifindex,
		       const uint32_t *src)
{
	size_t i;

	atomic_store_explicit(word(&c->ifindex, 0), ifindex,
			      memory_order_relaxed);
	for (i = 0; i < WORDS; i++)
		atomic_store_explicit(word(&c->v, i), src[i],
				      memory_order_relaxed);
}

/*
 * The kernel's seqcount latch (raw_write_seqcount_latch() in
 * include/linux/seqlock.h): seq's low bit says which copy readers take,
 * so at any time one copy is stable and a reader never has to wait for
 * (or give up on) a writer, even one preempted between the halves.
 */
void vta_ifdata_write(struct vta_ifdata *e, uint32_t ifindex,
		      const struct vta_iface *v)
{
	static const struct vta_iface zero;
	_Atomic uint32_t *seq = word(&e->seq, 0);
	uint32_t s = atomic_load_explicit(seq, memory_order_relaxed);
	uint32_t src[WORDS];

	memcpy(src, v ? v : &zero, sizeof(src));
	if (!(s & 1)) {
		/* readers move to c[1] before c[0] changes */
		atomic_store_explicit(seq, ++s, memory_order_relaxed);
		atomic_thread_fence(memory_order_release);
	}
	/* s odd: readers are on c[1] (an odd seq with no write in
	 * progress was left by a writer that died between the halves) */
	copy_write(&e->c[0], ifindex, src);
	/* c[0] is complete before readers move to it, and they have moved
	 * before c[1] changes */
	atomic_store_explicit(seq, s + 1, memory_order_release);
	atomic_thread_fence(memory_order_release);
	copy_write(&e->c[1], ifindex, src);
}

int vta_ifdata_read(const struct vta_ifdata *e, uint32_t ifindex,
		    struct vta_iface *out)
{
	const struct vta_ifcopy *c;
	uint32_t s1, s2, x, dst[WORDS];
	size_t i;
	int t;

	for (t = 0; t < READ_TRIES; t++) {
		if (t > 10)
			sched_yield(); /* seq keeps moving: let the writer run */
		s1 = atomic_load_explicit(word(&e->seq, 0),
					  memory_order_acquire);
		c = &e->c[s1 & 1];
		x = atomic_load_explicit(word(&c->ifindex, 0),
					 memory_order_relaxed);
		for (i = 0; i < WORDS; i++)
			dst[i] = atomic_load_explicit(word(&c->v, i),
						      memory_order_relaxed);
		/* the loads above complete before seq is read again
		 * (read_seqcount_latch_retry()'s smp_rmb()) */
		atomic_thread_fence(memory_order_acquire);
		s2 = atomic_load_explicit(word(&e->seq, 0),
					  memory_order_relaxed);
		if (s1 != s2)
			continue;
		if (!ifindex || x != ifindex)
			return -ENOENT;
		memcpy(out, dst, sizeof(dst));
		return 0;
	}
	return -EAGAIN;
}

uint32_t vta_ifdata_owner(const struct vta_ifdata *e)
{
	/* c[0] is written first: the last write's ifindex */
	return atomic_load_explicit(word(&e->c[0].ifindex, 0),
				    memory_order_relaxed);
}

static size_t map_len(void)
{
	return vta_map_mmap_len(VTA_STATS_SLOTS, sizeof(struct vta_ifdata));
}

struct vta_ifdata *vta_ifdata_map(int fd, bool writable)
{
	uint32_t n;
	size_t len;
	void *p =
		vta_map_mmap(fd, sizeof(struct vta_ifdata), &n, &len, writable);

	if (p && n != VTA_STATS_SLOTS) {
		munmap(p, len);
		errno = EINVAL;
		return NULL;
	}
	return p;
}

void vta_ifdata_unmap(struct vta_ifdata *d)
{
	if (d)
		munmap(d, map_len());
}

int vta_iface_slot(const struct vta_maps *m, uint32_t ifindex, uint32_t *slot)
{
	__u32 k = ifindex, v;

	if (bpf_map_lookup_elem(m->ifslot, &k, &v))
		return -errno;
	if (!v || v >= VTA_STATS_SLOTS)
		return -ENOENT;
	*slot = v;
	return 0;
}

int vta_iface_lookup(const struct vta_maps *m, uint32_t ifindex,
		     struct vta_iface *out)
{
	struct vta_ifdata *d;
	uint32_t slot = 0;
	int err;

	err = vta_iface_slot(m, ifindex, &slot);
	if (err)
		return err;
	d = vta_ifdata_map(m->ifdata, false);
	if (!d)
		return -errno;
	err = vta_ifdata_read(&d[slot], ifindex, out);
	vta_ifdata_unmap(d);
	return err;
}

int vta_iface_next(const struct vta_maps *m, const uint32_t *prev,
		   uint32_t *next)
{
	__u32 k;

	if (!prev)
		return bpf_map_get_next_key(m->ifslot, NULL, next) ? -errno : 0;
	k = *prev;
	return bpf_map_get_next_key(m->ifslot, &k, next) ? -errno : 0;
}

/* The programs' array index (vta_ifidx) of ifindex: slot, or 0 for none.
 * Without the map (pins of a vtiaccel from before it, read-only CLI
 * fixtures) or for an ifindex beyond it there is nothing to write: the
 * programs look such an ifindex up in vta_ifslot. */
static int ifidx_set(const struct vta_maps *m, uint32_t ifindex, uint32_t slot)
{
	__u32 k = ifindex, v = slot;

	if (m->ifidx < 0 || ifindex >= VTA_IFIDX_DIRECT)
		return 0;
	return bpf_map_update_elem(m->ifidx, &k, &v, BPF_ANY) ? -errno : 0;
}

int vta_iface_del(const struct vta_maps *m, struct vta_ifdata *d,
		  uint32_t ifindex)
{
	uint32_t slot = 0;
	int err, e2;

	err = vta_iface_slot(m, ifindex, &slot);
	/* the array first: its entries stay a subset of vta_ifslot's */
	e2 = ifidx_set(m, ifindex, 0);
	if (e2)
		return e2;
	if (bpf_map_delete_elem(m->ifslot, &ifindex) && errno != ENOENT)
		return -errno;
	/* A program that found the key before the delete reads the data
	 * after it: the freed entry's ifindex 0 sends its packet to the
	 * kernel.  A slot that is another interface's by now stays. */
	if (!err && d && vta_ifdata_owner(&d[slot]) == ifindex)
		vta_ifdata_write(&d[slot], 0, NULL);
	return 0;
}

int vta_iface_put(const struct vta_maps *m, struct vta_ifdata *d,
		  uint32_t ifindex, const struct vta_iface *v)
{
	uint32_t slot = v->slot, cur = 0;
	bool have;
	int err;

	if (!ifindex)
		return -EINVAL;
	if (!slot || slot >= VTA_STATS_SLOTS)
		return vta_iface_del(m, d, ifindex);
	if (!d)
		return -EBADF;
	have = !vta_iface_slot(m, ifindex, &cur);
	if (have && cur != slot) {
		err = vta_iface_del(m, d, ifindex);
		if (err)
			return err;
		have = false;
	}
	vta_ifdata_write(&d[slot], ifindex, v);
	if (!have &&
	    bpf_map_update_elem(m->ifslot, &ifindex, &slot, BPF_NOEXIST) &&
	    errno != EEXIST)
		return -errno;
	/* every time, not only for a new entry: repairs an array entry a
	 * delete cleared before it failed on vta_ifslot */
	return ifidx_set(m, ifindex, slot);
}

bool vta_iface_indexed(const struct vta_maps *m, uint32_t ifindex,
		       uint32_t slot)
{
	__u32 k = ifindex, v = 0;

	if (m->ifidx < 0 || ifindex >= VTA_IFIDX_DIRECT)
		return true;
	return !bpf_map_lookup_elem(m->ifidx, &k, &v) && v == slot;
}

/* Zero all of vta_ifidx: pins an older vtiaccel left behind may hold
 * entries of interfaces vta_ifslot no longer lists. */
static void ifidx_zero(const struct vta_maps *m)
{
	__u32 *keys, *vals, i, n = VTA_IFIDX_DIRECT;

	if (m->ifidx < 0)
		return;
	keys = calloc(n, sizeof(*keys));
	vals = calloc(n, sizeof(*vals));
	if (keys && vals) {
		for (i = 0; i < n; i++)
			keys[i] = i;
		if (!bpf_map_update_batch(m->ifidx, keys, vals, &n, NULL))
			goto out;
	}
	/* no memory, or a kernel without batch operations on arrays */
	for (i = 0; i < VTA_IFIDX_DIRECT; i++)
		ifidx_set(m, i, 0);
out:
	free(keys);
	free(vals);
}

void vta_iface_clear(const struct vta_maps *m, struct vta_ifdata *d)
{
	__u32 k, next;
	uint32_t i;

	ifidx_zero(m);
	while (!bpf_map_get_next_key(m->ifslot, NULL, &next)) {
		k = next;
		if (bpf_map_delete_elem(m->ifslot, &k))
			break;
	}
	if (!d)
		return;
	for (i = 0; i < VTA_STATS_SLOTS; i++)
		if (vta_ifdata_owner(&d[i]))
			vta_ifdata_write(&d[i], 0, NULL);
}
