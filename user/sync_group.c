// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sync_group.c - nexthop groups and member sets: members, bucket tables,
 * grace period of replaced groups.
 */
#include "sync_int.h"

bool member_usable(const struct vta_sync *s, const struct slink *l)
{
	if (!l || (l->role != VTA_ROLE_LAN && l->role != VTA_ROLE_TUNNEL))
		return false;
	return link_up(l) && tunnel_usable(s, l);
}

/* Member order: interface name, then gateway; never the ifindex. */
static int member_cmp(const struct vta_sync *s, const struct vta_nh *a,
		      const struct vta_nh *b)
{
	const char *na = vta_sync_link_name(s, a->ifindex);
	const char *nb = vta_sync_link_name(s, b->ifindex);
	int c = strcmp(na ? na : "", nb ? nb : "");

	if (c)
		return c;
	if (a->gw_family != b->gw_family)
		return a->gw_family < b->gw_family ? -1 : 1;
	c = memcmp(a->gw6, b->gw6, 16);
	if (c)
		return c;
	return a->ifindex < b->ifindex ? -1 : a->ifindex > b->ifindex;
}

/*
 * Hash-threshold (vta_hash.h) gives members contiguous ranges in group
 * order, so the order must not depend on ifindex: a re-created tunnel
 * (new ifindex, same name) keeps its place and moves no other flows.
 */
static void sort_members(const struct vta_sync *s, struct vta_group *g)
{
	uint32_t i, j;

	for (i = 1; i < g->n_paths; i++) {
		struct vta_nh t = g->paths[i];

		for (j = i; j > 0 && member_cmp(s, &g->paths[j - 1], &t) > 0;
		     j--)
			g->paths[j] = g->paths[j - 1];
		g->paths[j] = t;
	}
}

bool held(const struct vta_sync *s, int ifindex)
{
	int i;

	for (i = 0; i < s->n_held; i++)
		if (s->held[i] == ifindex)
			return true;
	return false;
}

/*
 * Members held down by liveness leave the group only while another
 * usable member stays (never fewer paths than the kernel has).  They are
 * kept after paths[n_paths - 1], where the programs never look, so that
 * `routes` and `lookup` can show them as held down (docs/guide.md).
 */
static void build_group(const struct vta_sync *s, const struct vta_nl_nh *m,
			int n, bool unrep, struct vta_group *g,
			struct vta_rb_member *cur)
{
	uint32_t k;

	bool skip_held = false;
	int i, pass, slot = 0;

	memset(g, 0, sizeof(*g));
	memset(cur, 0, VTA_MAX_PATHS * sizeof(*cur));
	if (unrep)
		return;
	for (i = 0; i < n && s->n_held; i++) {
		const struct slink *l = link_get(s, m[i].ifindex);

		if (member_usable(s, l) && !held(s, m[i].ifindex))
			skip_held = true;
	}
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n && slot < VTA_MAX_PATHS; i++) {
			const struct slink *l = link_get(s, m[i].ifindex);
			bool h = skip_held && held(s, m[i].ifindex);
			struct vta_nh *p;

			if (!member_usable(s, l) || h != (pass == 1))
				continue;
			p = &g->paths[slot++];
			if (!h)
				g->n_paths++;
			p->ifindex = m[i].ifindex;
			p->kind = l->nl.type == ARPHRD_ETHER ? VTA_NH_NEIGH
							     : VTA_NH_TUNNEL;
			p->gw_family = m[i].gw_family == AF_INET6 ? VTA_AF_INET6
				       : m[i].gw_family == AF_INET ? VTA_AF_INET
								   : 0;
			p->weight = m[i].weight;
			if (m[i].gw_family == AF_INET6)
				memcpy(p->gw6, m[i].gw.b, 16);
			else if (m[i].gw_family == AF_INET)
				memcpy(&p->gw4, m[i].gw.b, 4);
			if (!h)
				g->total_weight += p->weight;
		}
	sort_members(s, g);
	for (k = 0; k < g->n_paths; k++) {
		const char *name = vta_sync_link_name(s, g->paths[k].ifindex);

		if (name)
			snprintf(cur[k].name, sizeof(cur[k].name), "%s", name);
		cur[k].ifindex = g->paths[k].ifindex;
		cur[k].gw_family = g->paths[k].gw_family;
		memcpy(cur[k].gw, g->paths[k].gw6, 16);
	}
}

/* A freed group's bucket table, for a group created soon after. */
void rb_remember(struct vta_sync *s, const struct vta_rb_state *rb)
{
	if (!rb->n)
		return;
	memmove(&s->rb_recent[1], &s->rb_recent[0],
		(VTA_SYNC_RB_RECENT - 1) * sizeof(s->rb_recent[0]));
	s->rb_recent[0] = *rb;
	if (s->n_rb_recent < VTA_SYNC_RB_RECENT)
		s->n_rb_recent++;
}

/*
 * The table a group starts from: its own, or when that shares no member
 * with the group any more (a new group), the freed one sharing the most
 * buckets with it.  A route the kernel removed with a deleted link and
 * that comes back with the surviving members then keeps their flows
 * where they were.  Else a group with the same members that the maps
 * held when the daemon started: a restart moves no flow.
 */

static void rb_seed(const struct vta_sync *s, struct vta_rb_state *rb,
		    const struct vta_rb_member *cur, uint32_t n)
{
	unsigned int best = vta_rb_overlap(rb, cur, n), i, k;
	int pick = -1;

	if (best || !n)
		return;
	for (i = 0; i < s->n_rb_recent; i++) {
		k = vta_rb_overlap(&s->rb_recent[i], cur, n);
		if (k > best) {
			best = k;
			pick = i;
		}
	}
	if (pick >= 0) {
		*rb = s->rb_recent[pick];
		return;
	}
	if (s->seeds.n) {
		struct seed_key k;
		const struct seed *sd;

		seed_key(&k, cur, n);
		sd = ht_find(&s->seeds, &k);
		if (sd)
			*rb = sd->rb;
	}
}

static int seed_member_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct seed_member));
}

void seed_key(struct seed_key *k, const struct vta_rb_member *m, uint32_t n)
{
	uint32_t i;

	memset(k, 0, sizeof(*k));
	k->n = n;
	for (i = 0; i < n && i < VTA_MAX_PATHS; i++) {
		k->m[i].ifindex = m[i].ifindex;
		k->m[i].gw_family = m[i].gw_family;
		memcpy(k->m[i].gw, m[i].gw, 16);
	}
	qsort(k->m, k->n, sizeof(k->m[0]), seed_member_cmp);
}

void vta_sync_seed_group(struct vta_sync *s, const struct vta_group *g)
{
	struct vta_rb_member m[VTA_MAX_PATHS];
	struct seed *sd;
	uint32_t i;

	if (!g->n_paths || g->n_paths > VTA_MAX_PATHS ||
	    g->n_buckets != VTA_GROUP_BUCKETS)
		return;
	for (i = 0; i < VTA_GROUP_BUCKETS; i++)
		if (g->buckets[i] >= g->n_paths)
			return;
	memset(m, 0, sizeof(m));
	for (i = 0; i < g->n_paths; i++) {
		m[i].ifindex = g->paths[i].ifindex;
		m[i].gw_family = g->paths[i].gw_family;
		memcpy(m[i].gw, g->paths[i].gw6, 16);
	}
	sd = calloc(1, sizeof(*sd));
	if (!sd)
		return;
	seed_key(&sd->k, m, g->n_paths);
	if (ht_find(&s->seeds, &sd->k) || ht_add(&s->seeds, &sd->he)) {
		free(sd); /* the first one wins */
		return;
	}
	vta_rb_save(&sd->rb, g, m);
}

static void summarize(const struct vta_sync *s, const struct vta_nl_nh *m,
		      int n, bool unrep, uint8_t *type, uint8_t *flags)
{
	int i;

	*type = VTA_RT_KERNEL;
	*flags = 0;
	if (unrep || n <= 0 || n > VTA_MAX_PATHS)
		return;
	for (i = 0; i < n; i++) {
		const struct slink *l = link_get(s, m[i].ifindex);

		if (!l ||
		    (l->role != VTA_ROLE_LAN && l->role != VTA_ROLE_TUNNEL))
			return;
		if (l->role == VTA_ROLE_TUNNEL)
			*flags |= VTA_RT_F_VIA_TUNNEL;
		if (m[i].gw_family)
			*flags |= VTA_RT_F_GATEWAY;
	}
	*type = VTA_RT_UNICAST;
}

/* Members of a nexthop object; *unrep when not representable. */
static int nh_members(const struct vta_sync *s, const struct snh *n,
		      struct vta_nl_nh *m, bool *unrep)
{
	int i;

	/* A resilient group's bucket table cannot be mirrored: the kernel
	 * moves buckets on its idle and unbalanced timers without a
	 * message (RTM_GETNEXTHOPBUCKET only dumps it), and hashes flows
	 * with its own seed.  Its routes stay with the kernel
	 * (docs/datapath-notes.md, "ECMP member pick"). */
	*unrep = n->nl.blackhole || n->nl.fdb || n->nl.too_many ||
		 n->nl.encap || n->nl.resilient;
	if (!n->nl.n_grp) {
		memset(m, 0, sizeof(*m));
		m->ifindex = n->nl.ifindex;
		m->weight = 1;
		m->gw_family = n->nl.gw_family;
		m->gw = n->nl.gw;
		if (!m->ifindex)
			*unrep = true;
		return 1;
	}
	if (n->nl.n_grp > VTA_MAX_PATHS) {
		*unrep = true;
		return 0;
	}
	for (i = 0; i < n->nl.n_grp; i++) {
		const struct snh *c = ht_find(&s->nhs, &n->nl.grp[i].id);

		memset(&m[i], 0, sizeof(m[i]));
		if (!c || c->nl.n_grp || c->nl.blackhole || !c->nl.ifindex ||
		    c->nl.encap) {
			*unrep = true;
			continue;
		}
		m[i].ifindex = c->nl.ifindex;
		m[i].weight = n->nl.grp[i].weight;
		m[i].gw_family = c->nl.gw_family;
		m[i].gw = c->nl.gw;
	}
	return n->nl.n_grp;
}

/*
 * A group in the map is never changed in place (issue 11, item 6): the
 * vta_groups hash map is preallocated, and an update of an existing key
 * recycles the old element at once (htab_map_update_elem() hands it to
 * the per-CPU extra_elems slot, the next update on that CPU overwrites
 * it), so a program in flight could read n_paths and weights of one
 * group and members of another.  A changed group is written under a
 * new key, the routes are repointed to it, and the old key is deleted
 * only after a grace period: every program that could still hold it has
 * finished long before (vta_sync_tick(), one to two lease renewals).
 */
void retire(struct vta_sync *s, uint32_t id)
{
	if (!s->grace) {
		group_del(s, id, "retired");
		return;
	}
	if (s->n_retired == s->cap_retired) {
		size_t cap = s->cap_retired ? s->cap_retired * 2 : 16;
		struct retired *n = realloc(s->retired, cap * sizeof(*n));

		if (!n) { /* cannot wait: delete now */
			group_del(s, id, "retired");
			return;
		}
		s->retired = n;
		s->cap_retired = cap;
	}
	s->retired[s->n_retired].id = id;
	s->retired[s->n_retired++].tick = s->ticks;
}

bool is_retired(const struct vta_sync *s, uint32_t id)
{
	size_t i;

	for (i = 0; i < s->n_retired; i++)
		if (s->retired[i].id == id)
			return true;
	return false;
}

/* A map key for a replacement group: its own range, never one in use. */
static uint32_t remap_id(struct vta_sync *s)
{
	uint32_t id;

	do {
		id = VTA_SYNC_REMAP_ID_BASE +
		     (s->next_remap_id++ &
		      (VTA_SYNC_MSET_ID_BASE - VTA_SYNC_REMAP_ID_BASE - 1));
	} while (ht_find(&s->nhs, &id) || is_retired(s, id));
	return id;
}

void vta_sync_set_grace(struct vta_sync *s, bool on)
{
	s->grace = on;
}

void vta_sync_tick(struct vta_sync *s)
{
	size_t i, k = 0;

	for (i = 0; i < s->n_retired; i++) {
		if (s->retired[i].tick != s->ticks)
			group_del(s, s->retired[i].id, "retired");
		else
			s->retired[k++] = s->retired[i];
	}
	s->n_retired = k;
	s->ticks++;
}

/*
 * Recompute and write a group; true when its summary changed or it
 * moved to another map key (the routes using it must be rewritten).
 *
 * With no room in the map for the copy under a new key (the map is full,
 * retired groups still wait for their grace period), the group is
 * parked: the map keeps it as it was (a rewrite in place could be read
 * torn, see retire()), the routes using it go to the kernel (summary
 * VTA_RT_KERNEL) and the write counts as failed, so vta_sync_retry()
 * tries again after the next tick, when the retired groups have left.
 */
bool group_refresh(struct vta_sync *s, uint32_t *mid, const struct vta_nl_nh *m,
		   int n, bool unrep, bool *written, bool *parked,
		   struct vta_group *wg, uint8_t *sum_type, uint8_t *sum_flags,
		   struct vta_rb_state *rb)
{
	struct vta_rb_member cur[VTA_MAX_PATHS];
	struct vta_group g;
	uint8_t t, f;
	bool changed, moved = false;
	char name[16];

	build_group(s, m, n, unrep, &g, cur);
	rb_seed(s, rb, cur, g.n_paths);
	vta_rb_fill(&g, cur, rb);
	if (!*written || memcmp(&g, wg, sizeof(g))) {
		uint32_t id = *mid;
		bool ok;
		int err;

		if (s->grace && (*written || is_retired(s, id)))
			id = remap_id(s);
		snprintf(name, sizeof(name), "%#x", *mid);
		err = group_put(s, id, &g);
		if (id != *mid && !err) {
			if (*written)
				retire(s, *mid);
			*mid = id;
			moved = true;
		} else if (id != *mid) {
			*parked = true;
		}
		ok = !werr(s, err, "group", name);
		/* the model keeps what the map holds (a failed write is
		 * retried) */
		if (ok) {
			*wg = g;
			*written = true;
			*parked = false;
		}
	} else {
		*parked = false; /* the map holds it as it is now */
	}
	/* the next table starts from the one the map holds */
	if (*written && !memcmp(&g, wg, sizeof(g)))
		vta_rb_save(rb, &g, cur);
	summarize(s, m, n, unrep, &t, &f);
	if (*parked) {
		t = VTA_RT_KERNEL;
		f = 0;
	}
	/* what the routes hold: type, flags, group key */
	changed = t != *sum_type || f != *sum_flags || moved;
	*sum_type = t;
	*sum_flags = f;
	return changed;
}

bool nh_refresh(struct vta_sync *s, struct snh *n)
{
	struct vta_nl_nh m[VTA_NL_MAX_NH];
	bool unrep;
	int cnt = nh_members(s, n, m, &unrep);

	return group_refresh(s, &n->mid, m, cnt, unrep, &n->written, &n->parked,
			     &n->wg, &n->sum_type, &n->sum_flags, &n->rb);
}

bool mset_refresh(struct vta_sync *s, struct mset *ms)
{
	return group_refresh(s, &ms->mid, ms->k.m, ms->k.n, false, &ms->written,
			     &ms->parked, &ms->wg, &ms->sum_type,
			     &ms->sum_flags, &ms->rb);
}

int nh_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct vta_nl_nh));
}

/* The key of a route's member set: its next hops, sorted. */
void mset_key_of(const struct vta_nl_route *r, struct mset_key *k)
{
	int i;

	memset(k, 0, sizeof(*k));
	k->n = r->n_nh;
	for (i = 0; i < r->n_nh; i++) {
		k->m[i].ifindex = r->nh[i].ifindex;
		k->m[i].weight = r->nh[i].weight;
		k->m[i].gw_family = r->nh[i].gw_family;
		k->m[i].gw = r->nh[i].gw;
	}
	if (k->n > 1)
		qsort(k->m, k->n, sizeof(k->m[0]), nh_cmp);
}

/* The member set of a route, shared; hint: the set the route had, which
 * a resync's dump mostly repeats (no hashing of the key then). */
struct mset *mset_get(struct vta_sync *s, const struct vta_nl_route *r,
		      struct mset *hint)
{
	struct mset_key k;
	struct mset *ms;

	mset_key_of(r, &k);
	if (hint && !memcmp(&hint->k, &k, sizeof(k))) {
		hint->refs++;
		return hint;
	}
	ms = ht_find(&s->msets, &k);
	if (ms) {
		ms->refs++;
		return ms;
	}
	ms = calloc(1, sizeof(*ms));
	if (!ms)
		return NULL;
	ms->k = k;
	ms->refs = 1;
	/* the route's members changed: start from the table it had */
	if (hint)
		ms->rb = hint->rb;
	do {
		ms->id = s->next_mset_id++;
		if (s->next_mset_id < VTA_SYNC_MSET_ID_BASE)
			s->next_mset_id = VTA_SYNC_MSET_ID_BASE;
	} while (ht_find(&s->nhs, &ms->id));
	ms->mid = ms->id;
	if (ht_add(&s->msets, &ms->he)) {
		free(ms);
		return NULL;
	}
	mset_refresh(s, ms); /* group first, then the routes using it */
	return ms;
}

void mset_put(struct vta_sync *s, struct mset *ms)
{
	if (!ms || --ms->refs)
		return;
	if (ms->written)
		retire(s, ms->mid);
	rb_remember(s, &ms->rb);
	ht_del(&s->msets, &ms->he);
	free(ms);
}
