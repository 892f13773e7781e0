// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * resilient.c - the resilient ECMP bucket table (see resilient.h).
 */
#include <string.h>

#include "resilient.h"

bool vta_rb_same(const struct vta_rb_member *a, const struct vta_rb_member *b)
{
	if (a->gw_family != b->gw_family || memcmp(a->gw, b->gw, 16))
		return false;
	if (a->ifindex == b->ifindex)
		return true;
	/* a tunnel deleted and created again under its name */
	return a->name[0] && !strncmp(a->name, b->name, sizeof(a->name));
}

void vta_rb_quotas(const struct vta_group *g, uint32_t *q)
{
	uint64_t rem[VTA_MAX_PATHS];
	bool got[VTA_MAX_PATHS] = { false };
	uint32_t n = g->n_paths, total = 0, sum = 0, i;

	for (i = 0; i < n; i++)
		total += g->paths[i].weight;
	for (i = 0; i < n; i++) {
		uint64_t x = (uint64_t)VTA_GROUP_BUCKETS * g->paths[i].weight;

		q[i] = total ? x / total : 0;
		rem[i] = total ? x % total : 0;
		sum += q[i];
	}
	/* largest remainder first, the lower index on a tie: at most n - 1
	 * buckets are left over */
	while (total && sum < VTA_GROUP_BUCKETS) {
		int best = -1;

		for (i = 0; i < n; i++)
			if (!got[i] && (best < 0 || rem[i] > rem[best]))
				best = i;
		if (best < 0)
			break;
		got[best] = true;
		q[best]++;
		sum++;
	}
}

void vta_rb_fill(struct vta_group *g, const struct vta_rb_member *cur,
		 const struct vta_rb_state *prev)
{
	uint32_t n = g->n_paths, q[VTA_MAX_PATHS], cnt[VTA_MAX_PATHS] = { 0 };
	int map[VTA_MAX_PATHS], owner[VTA_GROUP_BUCKETS];
	uint32_t b, i, j;

	g->n_buckets = 0;
	memset(g->buckets, 0, sizeof(g->buckets));
	if (n == 0 || n > VTA_MAX_PATHS || !g->total_weight)
		return;
	vta_rb_quotas(g, q);
	for (b = 0; b < VTA_GROUP_BUCKETS; b++)
		owner[b] = -1;
	if (prev && prev->n && prev->n <= VTA_MAX_PATHS) {
		for (i = 0; i < prev->n; i++) {
			map[i] = -1;
			for (j = 0; j < n; j++)
				if (vta_rb_same(&prev->m[i], &cur[j])) {
					map[i] = j;
					break;
				}
		}
		/* a bucket stays with its member up to the member's share */
		for (b = 0; b < VTA_GROUP_BUCKETS; b++) {
			uint32_t o = prev->b[b];
			int m = o < prev->n ? map[o] : -1;

			if (m >= 0 && cnt[m] < q[m]) {
				owner[b] = m;
				cnt[m]++;
			}
		}
	}
	/* the rest to whoever is furthest below its share, so that a new
	 * member takes buckets evenly from the others */
	for (b = 0; b < VTA_GROUP_BUCKETS; b++) {
		int best = -1;

		if (owner[b] >= 0)
			continue;
		for (j = 0; j < n; j++)
			if (cnt[j] < q[j] &&
			    (best < 0 || q[j] - cnt[j] > q[best] - cnt[best]))
				best = j;
		if (best < 0) /* cannot happen: sum(q) == buckets */
			best = 0;
		owner[b] = best;
		cnt[best]++;
	}
	for (b = 0; b < VTA_GROUP_BUCKETS; b++)
		g->buckets[b] = (uint8_t)owner[b];
	g->n_buckets = VTA_GROUP_BUCKETS;
}

void vta_rb_save(struct vta_rb_state *st, const struct vta_group *g,
		 const struct vta_rb_member *cur)
{
	if (g->n_buckets != VTA_GROUP_BUCKETS || !g->n_paths ||
	    g->n_paths > VTA_MAX_PATHS)
		return; /* nothing usable: keep the last table */
	memset(st, 0, sizeof(*st));
	st->n = g->n_paths;
	memcpy(st->m, cur, g->n_paths * sizeof(*cur));
	memcpy(st->b, g->buckets, sizeof(st->b));
}

unsigned int vta_rb_overlap(const struct vta_rb_state *prev,
			    const struct vta_rb_member *cur, uint32_t n)
{
	unsigned int k = 0;
	uint32_t b, j;

	if (!prev->n || prev->n > VTA_MAX_PATHS)
		return 0;
	for (b = 0; b < VTA_GROUP_BUCKETS; b++) {
		if (prev->b[b] >= prev->n)
			continue;
		for (j = 0; j < n; j++)
			if (vta_rb_same(&prev->m[prev->b[b]], &cur[j])) {
				k++;
				break;
			}
	}
	return k;
}

void vta_rb_canon(struct vta_group *g, int (*cmp)(const void *, const void *))
{
	uint32_t n = g->n_paths < VTA_MAX_PATHS ? g->n_paths : VTA_MAX_PATHS;
	uint32_t cnt[VTA_MAX_PATHS] = { 0 }, i, j, b;
	bool valid = g->n_buckets == VTA_GROUP_BUCKETS;

	for (b = 0; valid && b < VTA_GROUP_BUCKETS; b++) {
		if (g->buckets[b] >= n)
			valid = false;
		else
			cnt[g->buckets[b]]++;
	}
	/* insertion sort: the counts move with their paths */
	for (i = 1; i < n; i++) {
		struct vta_nh t = g->paths[i];
		uint32_t c = cnt[i];

		for (j = i; j > 0 && cmp(&g->paths[j - 1], &t) > 0; j--) {
			g->paths[j] = g->paths[j - 1];
			cnt[j] = cnt[j - 1];
		}
		g->paths[j] = t;
		cnt[j] = c;
	}
	memset(g->buckets, valid || !g->n_buckets ? 0 : 0xff,
	       sizeof(g->buckets));
	for (i = 0; valid && i < n; i++)
		g->buckets[i] = (uint8_t)cnt[i];
}
