/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * ifdata.h - interface entries: vta_ifslot (ifindex -> slot, written once
 * per interface) and vta_ifdata (slot -> struct vta_ifdata under a
 * sequence counter), include/vtiaccel.h and docs/datapath-notes.md
 * "Interface entries".
 *
 * Every user-space access goes through here: the daemon's writes
 * (user/sync_maps.c), the read commands (status, stats, lookup, verify), the
 * liveness probe and the test fixtures.  The entry functions work on
 * plain memory (the mmap'ed map, or an array of the unit tests); the map
 * functions take the fds of struct vta_maps.
 */
#ifndef VTA_IFDATA_H
#define VTA_IFDATA_H

#include <stdbool.h>
#include <stdint.h>
#include "vtiaccel.h"

struct vta_maps;

/*
 * One latch write of entry e (single writer): seq odd (readers take
 * c[1]), c[0], seq even (readers take c[0]), c[1], with release fences
 * between.  Afterwards both copies hold v and seq is even.  ifindex 0
 * frees the slot.
 */
void vta_ifdata_write(struct vta_ifdata *e, uint32_t ifindex,
		      const struct vta_iface *v);
/*
 * One consistent copy of entry e if it is ifindex's: 0, -ENOENT (the
 * slot holds another interface or none), -EAGAIN (seq moved during
 * every retry: writes faster than the reads).
 */
int vta_ifdata_read(const struct vta_ifdata *e, uint32_t ifindex,
		    struct vta_iface *out);
/* The ifindex of the last write to e (the writer's view). */
uint32_t vta_ifdata_owner(const struct vta_ifdata *e);

/* vta_ifdata mmap'ed (VTA_STATS_SLOTS entries), or NULL with errno. */
struct vta_ifdata *vta_ifdata_map(int fd, bool writable);
void vta_ifdata_unmap(struct vta_ifdata *d);

/*
 * The reader: the entry of ifindex, 0 or -errno (-ENOENT: not managed).
 * Walk the managed interfaces with vta_iface_next (prev NULL: the first):
 * 0, or -ENOENT after the last.
 */
int vta_iface_lookup(const struct vta_maps *m, uint32_t ifindex,
		     struct vta_iface *out);
int vta_iface_next(const struct vta_maps *m, const uint32_t *prev,
		   uint32_t *next);
/* The slot of ifindex (vta_stats key): 0 or -ENOENT. */
int vta_iface_slot(const struct vta_maps *m, uint32_t ifindex, uint32_t *slot);
/* Whether the programs find ifindex at slot: vta_ifidx names it (for
 * an ifindex below VTA_IFIDX_DIRECT; larger ones they take from
 * vta_ifslot, as user space does). */
bool vta_iface_indexed(const struct vta_maps *m, uint32_t ifindex,
		       uint32_t slot);

/*
 * The writer: the entry of ifindex in v->slot (d: vta_ifdata mmap'ed
 * writable).  A new interface's data is written before its vta_ifslot
 * key is inserted; the key is never updated in place (a changed slot:
 * deleted, then inserted).  v->slot 0 (no stats slot free) removes the
 * interface: the programs pass its packets.  0 or -errno.
 */
int vta_iface_put(const struct vta_maps *m, struct vta_ifdata *d,
		  uint32_t ifindex, const struct vta_iface *v);
/* Delete ifindex's key, then free its slot's data. */
int vta_iface_del(const struct vta_maps *m, struct vta_ifdata *d,
		  uint32_t ifindex);
/* Delete every key and free every slot (the daemon's start). */
void vta_iface_clear(const struct vta_maps *m, struct vta_ifdata *d);

#endif
