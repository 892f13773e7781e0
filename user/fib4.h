/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fib4.h - the IPv4 FIB the programs read: DIR-24-8 (include/vtiaccel.h,
 * docs/datapath-notes.md "The IPv4 FIB").
 *
 * The writer keeps its own prefix table (exact prefix -> route slot) and
 * works on three plain arrays: the first level (2^24 entries), the
 * second-level blocks (256 entries each) and the route slots.  They are
 * either the mmap'ed BPF maps (the daemon) or memory of its own (unit
 * tests), so the same code is tested that the daemon runs.
 *
 * One route slot per prefix: a slot's owner is known from the slot
 * alone, which is what a delete needs (the entries that hold the deleted
 * prefix's slot get the covering prefix's).  A prefix whose value
 * changes gets a new slot, filled before the entries are repointed.
 * Route values are interned besides (slots 1..VTA_FIB4_RV_MAX, counted
 * by the prefixes on them): an entry carries its slot and its value's
 * id, and the programs read the value, so a lookup at any table size
 * ends in one of a few slots that stay in the cache.
 *
 * Updates are safe for concurrent readers: a block is filled before the
 * first-level entry that points to it is stored, a route slot before any
 * entry points to it (release stores), and a block or slot that was
 * unlinked is reused only after the grace period (vta_fib4_set_grace, in
 * ticks of vta_fib4_tick), so a reader that loaded the old entry still
 * finds what it pointed to.  Addresses are in host byte order.
 */
#ifndef VTA_FIB4_H
#define VTA_FIB4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vtiaccel.h"

struct vta_maps;

/* The three arrays, for reading (the programs' lookup, in C). */
struct vta_fib4_view {
	const uint32_t *l1; /* 1 << 24 entries */
	const uint32_t *l2; /* n_blocks * 256 entries */
	const struct vta_fib4_slot *rt; /* n_routes slots, slot 0 unused */
	uint32_t n_blocks, n_routes;
};

/* The leaf entry for addr (0: no route). */
static inline uint32_t vta_fib4_view_entry(const struct vta_fib4_view *v,
					   uint32_t addr)
{
	uint32_t e = __atomic_load_n(&v->l1[addr >> 8], __ATOMIC_ACQUIRE);

	if (e & VTA_FIB4_BLOCK) {
		uint32_t b = e & ~VTA_FIB4_BLOCK;

		if (b >= v->n_blocks)
			return 0;
		e = __atomic_load_n(&v->l2[(size_t)b * 256 + (addr & 0xff)],
				    __ATOMIC_ACQUIRE);
	}
	return e;
}

/* The slot of the prefix that matches addr: NULL, no route. */
static inline const struct vta_fib4_slot *
vta_fib4_view_lookup(const struct vta_fib4_view *v, uint32_t addr)
{
	uint32_t s = vta_fib4_view_entry(v, addr) & VTA_FIB4_SLOT_MASK;

	return s && s < v->n_routes ? &v->rt[s] : NULL;
}

/* What vta_fib4_lookup() in bpf/maps.h returns for addr: the interned
 * value the entry names, else the prefix's slot; NULL, no route.  With
 * sl, also the matching prefix's slot, from the same entry. */
static inline const struct vta_route *
vta_fib4_view_route(const struct vta_fib4_view *v, uint32_t addr,
		    const struct vta_fib4_slot **sl)
{
	uint32_t e = vta_fib4_view_entry(v, addr);
	uint32_t s = e & VTA_FIB4_SLOT_MASK, k = e >> VTA_FIB4_RV_SHIFT;

	if (!k)
		k = s;
	if (!e || s >= v->n_routes || k >= v->n_routes)
		return NULL;
	if (sl)
		*sl = &v->rt[s];
	return &v->rt[k].r;
}

/*
 * The maps of m mmap'ed (writable for the daemon, read-only for the read
 * commands).  0 or -errno; vta_fib4_unmap() undoes it.
 */
int vta_fib4_map(struct vta_fib4_view *v, const struct vta_maps *m,
		 bool writable);
void vta_fib4_unmap(struct vta_fib4_view *v);

/*
 * The prefixes: the live route slots below the head's top (vtiaccel.h),
 * each passed to cb as a copy (cb may be NULL); returns how many.  A
 * listing made while the writer works may miss a prefix that changes
 * meanwhile or show it twice (old and new slot), never a torn slot.
 */
typedef void (*vta_fib4_slot_cb)(const struct vta_fib4_slot *sl, void *data);
unsigned long vta_fib4_view_foreach(const struct vta_fib4_view *v,
				    vta_fib4_slot_cb cb, void *data);
/* The end of the slots in use (slot 0 is the head). */
uint32_t vta_fib4_view_top(const struct vta_fib4_view *v);
/* The number of IPv4 prefixes, from the head (one map read): -errno. */
long vta_fib4_count(const struct vta_maps *m);

struct vta_fib4;

/*
 * A writer on the arrays of v (first level all zero: empty; the head is
 * reset), or on memory of its own (v NULL: n_blocks and n_routes give the
 * sizes).  NULL + errno.
 */
struct vta_fib4 *vta_fib4_new(const struct vta_fib4_view *v, uint32_t n_blocks,
			      uint32_t n_routes);
/*
 * A writer that carries on with what the arrays of v hold (written by
 * another writer that is gone: the test tools apply one spec per run).
 * NULL + errno (EINVAL: the head does not fit the maps).
 */
struct vta_fib4 *vta_fib4_open(const struct vta_fib4_view *v);
void vta_fib4_free(struct vta_fib4 *f);
void vta_fib4_get_view(const struct vta_fib4 *f, struct vta_fib4_view *v);

/*
 * Insert or replace addr/len (bits past len ignored): 0, -EINVAL for a
 * length past 32, -ENOSPC when no block or route slot is free (the FIB is
 * then unchanged).
 */
int vta_fib4_put(struct vta_fib4 *f, uint32_t addr, uint8_t len,
		 const struct vta_route *r);
/* Remove addr/len: 0 or -ENOENT. */
int vta_fib4_del(struct vta_fib4 *f, uint32_t addr, uint8_t len);
/* The exact prefix's route: 0 or -ENOENT. */
int vta_fib4_get(const struct vta_fib4 *f, uint32_t addr, uint8_t len,
		 struct vta_route *out);

/* Ticks a freed block or slot waits before reuse (0: reused at once). */
void vta_fib4_set_grace(struct vta_fib4 *f, unsigned int ticks);
void vta_fib4_tick(struct vta_fib4 *f);

struct vta_fib4_counts {
	unsigned long prefixes;
	unsigned long blocks, blocks_held; /* in use / in quarantine */
	unsigned long slots, slots_held;
	unsigned long values, values_held; /* interned route values */
};
void vta_fib4_get_counts(const struct vta_fib4 *f, struct vta_fib4_counts *c);

#endif
