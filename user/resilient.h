/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * resilient.h - the resilient ECMP bucket table of a group
 * (vta_group.buckets, picked by vta_group_pick()).
 *
 * Buckets are shared out in proportion to the weights (largest
 * remainder).  When the members change, a bucket keeps its member while
 * that member is still in the group and under its new share; only the
 * buckets of removed members and the excess of members whose share
 * shrank are handed to the members below their share.  So removing a
 * member moves only its own flows, adding one takes buckets evenly from
 * the others, and a member re-created with a new ifindex (same name and
 * gateway) keeps its buckets.
 */
#ifndef VTA_RESILIENT_H
#define VTA_RESILIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>
#include "vtiaccel.h"

/* Who a member is across rewrites: the same interface (ifindex, or name
 * after a re-creation) and the same gateway. */
struct vta_rb_member {
	char name[IF_NAMESIZE]; /* "" when unknown */
	uint32_t ifindex;
	uint8_t gw_family; /* as vta_nh */
	uint8_t gw[16];
};

/* A table as last written, with its members: the start of the next. */
struct vta_rb_state {
	uint32_t n; /* members; 0: no table */
	struct vta_rb_member m[VTA_MAX_PATHS];
	uint8_t b[VTA_GROUP_BUCKETS];
};

bool vta_rb_same(const struct vta_rb_member *a, const struct vta_rb_member *b);

/*
 * Fill g->buckets (and n_buckets) for the usable members
 * g->paths[0..n_paths), whose identities are cur[], starting from prev
 * (NULL or n 0: a fresh table).  No usable member or no weight: no table.
 */
void vta_rb_fill(struct vta_group *g, const struct vta_rb_member *cur,
		 const struct vta_rb_state *prev);

/* Record g's table and members (cur[]) as the start of the next fill. */
void vta_rb_save(struct vta_rb_state *st, const struct vta_group *g,
		 const struct vta_rb_member *cur);

/* How many of prev's buckets belong to a member among cur[0..n). */
unsigned int vta_rb_overlap(const struct vta_rb_state *prev,
			    const struct vta_rb_member *cur, uint32_t n);

/* Each member's share of buckets for g's weights (q[0..n_paths)). */
void vta_rb_quotas(const struct vta_group *g, uint32_t *q);

/*
 * A table depends on the group's history; what must not is each member's
 * number of buckets.  Sort g's usable paths with cmp (a qsort compare of
 * struct vta_nh) and replace the table by those numbers in the new path
 * order (buckets[i]: member i's), so that two groups compare equal by
 * memcmp when their members and shares are the same (`verify`, tests).
 * A table naming a member that is not there becomes all 0xff.
 */
void vta_rb_canon(struct vta_group *g, int (*cmp)(const void *, const void *));

#endif
