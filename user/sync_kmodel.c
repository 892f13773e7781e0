// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sync_kmodel.c - what the kernel does to routes when a link goes down or
 * away (it sends no event for it).
 */
#include "sync_int.h"

static bool v_uses_if(const struct variant *v, const void *arg)
{
	int ifindex = *(const int *)arg;
	uint32_t i;

	if (v->oif == ifindex)
		return true;
	if (v->ms)
		for (i = 0; i < v->ms->k.n; i++)
			if (v->ms->k.m[i].ifindex == ifindex)
				return true;
	return false;
}

static bool v_uses_nh(const struct variant *v, const void *arg)
{
	return v->nhid && v->nhid == *(const uint32_t *)arg;
}

void nh_delete(struct vta_sync *s, struct snh *n)
{
	uint32_t id = n->id;
	struct snh *g, *tmp;
	struct pfx **users;
	size_t i, n_users;
	int j;

	ht_del(&s->nhs, &n->he);
	/* The kernel removes the routes using it without RTM_DELROUTE:
	 * those of its users (all prefixes if the index failed us). */
	users = nhu_prefixes(s, id, &n_users);
	if (!users && ht_find(&s->nhus, &id))
		purge_all(s, v_uses_nh, &id);
	for (i = 0; i < n_users; i++)
		pfx_purge(s, users[i], v_uses_nh, &id);
	free(users);
	if (n->written)
		retire(s, n->mid);
	rb_remember(s, &n->rb);
	free(n);
	/* ... and drops it from the groups holding it; an emptied group
	 * goes too (restart the scan after such a recursive delete). */
again:
	ht_for_each (&s->nhs, i, g, tmp) {
		bool hit = false;

		for (j = 0; j < g->nl.n_grp; j++) {
			if (g->nl.grp[j].id != id)
				continue;
			memmove(&g->nl.grp[j], &g->nl.grp[j + 1],
				(g->nl.n_grp - j - 1) * sizeof(g->nl.grp[0]));
			g->nl.n_grp--;
			j--;
			hit = true;
		}
		if (!hit)
			continue;
		if (!g->nl.n_grp) {
			nh_delete(s, g);
			goto again;
		}
		if (nh_refresh(s, g))
			nhu_update(s, g->id);
	}
}

/* Remove the nexthop objects (not groups) that leave through ifindex;
 * nh_delete() takes them out of their groups and drops the routes the
 * kernel drops with them. */
static void nh_flush_dev(struct vta_sync *s, int ifindex)
{
	struct snh *n, *tmp;
	size_t i;
	bool again;

	do {
		again = false;
		ht_for_each (&s->nhs, i, n, tmp)
			if (!n->nl.n_grp && !n->nl.blackhole &&
			    n->nl.ifindex == ifindex) {
				nh_delete(s, n);
				again = true;
				break;
			}
	} while (again);
}

/* Whether a member's device is administratively down: the kernel has
 * marked such IPv4 nexthops RTNH_F_DEAD (fib_sync_down_dev). */
static bool dev_admin_down(const struct vta_sync *s, int ifindex)
{
	const struct slink *l = link_get(s, ifindex);

	return l && !(l->nl.flags & IFF_UP);
}

/*
 * NETDEV_DOWN for IPv4 (fib_sync_down_dev + fib_flush, no RTM_DELROUTE):
 * a route goes when every nexthop is dead, i.e. leaves through this
 * device or another one that is down; routes of scope host (the local
 * addresses) stay.  Multipath routes with a live member stay, the dead
 * member flagged, which the group build already honours (link down =
 * not usable).  Routes with nexthop objects are handled by nh_flush_dev.
 */
static bool v4_dies_on_down(const struct variant *v, const void *arg)
{
	struct down_arg *d = (struct down_arg *)arg;
	uint32_t i;

	if (v->nhid || v->scope >= RT_SCOPE_HOST)
		return false;
	if (v->ms) {
		for (i = 0; i < v->ms->k.n; i++)
			if (v->ms->k.m[i].ifindex != d->ifindex &&
			    !dev_admin_down(d->s, v->ms->k.m[i].ifindex))
				return false;
		return true;
	}
	if (v->oif != d->ifindex)
		return false;
	if (v->unrep) {
		/* more members than we keep: which are alive is unknown */
		d->unmodelled = true;
		return false;
	}
	return true;
}

void purge_family(struct vta_sync *s, int family,
		  bool (*pred)(const struct variant *, const void *),
		  const void *arg)
{
	struct pfx *p, *tmp;
	size_t i;

	ht_for_each (&s->pfxs, i, p, tmp)
		if (p->k.family == family)
			pfx_purge(s, p, pred, arg);
}

/* IPv6 deletes (and announces) every sibling through an unregistered
 * device; one left with no member at all is gone whatever came first. */
static bool v6_all_via(const struct variant *v, const void *arg)
{
	int ifindex = *(const int *)arg;
	uint32_t i;

	if (v->nhid)
		return false;
	if (!v->ms)
		return v->oif == ifindex;
	for (i = 0; i < v->ms->k.n; i++)
		if (v->ms->k.m[i].ifindex != ifindex)
			return false;
	return true;
}

/*
 * What the kernel does when a link goes down, measured on 6.18 and
 * Debian's 6.1 with `ip monitor` and dumps (docs/datapath-notes.md):
 *  - admin down (IFF_UP cleared, NETDEV_DOWN):
 *    IPv4 single-path routes through it are removed without
 *    RTM_DELROUTE, as are multipath routes whose every nexthop is dead;
 *    a multipath route with a live member stays, the member flagged
 *    "dead linkdown", and comes back to life on link up, again without
 *    a message.  Local routes (scope host) stay; broadcast ones go.
 *    IPv6 removes single-path routes with RTM_DELROUTE and flags
 *    multipath members dead like IPv4.
 *    Nexthop objects through it are removed without RTM_DELNEXTHOP,
 *    leave their groups (a group emptied goes too), and every route
 *    using a removed object or group goes without RTM_DELROUTE, IPv4
 *    and IPv6 alike.
 *  - carrier loss (IFF_RUNNING and IFF_LOWER_UP clear, NETDEV_CHANGE):
 *    routes stay (flagged linkdown), but nexthop objects through it are
 *    removed exactly as on admin down.
 *  - link up: nothing removed comes back by itself (zebra re-adds);
 *    the kernel announces only the connected and local routes it
 *    re-creates.
 */
void link_went_down(struct vta_sync *s, struct slink *l, uint32_t old_flags)
{
	uint32_t f = l->nl.flags;
	bool admin_down = (old_flags & IFF_UP) && !(f & IFF_UP);
	bool carrier_lost = (f & IFF_UP) &&
			    (old_flags & (IFF_RUNNING | IFF_LOWER_UP)) &&
			    !(f & (IFF_RUNNING | IFF_LOWER_UP));
	struct down_arg d = { s, l->nl.ifindex, false };

	if (!admin_down && !carrier_lost)
		return;
	nh_flush_dev(s, d.ifindex);
	if (admin_down)
		purge_family(s, AF_INET, v4_dies_on_down, &d);
	if (d.unmodelled)
		s->want_resync = true;
}

void link_delete(struct vta_sync *s, struct slink *l)
{
	int ifindex = l->nl.ifindex, idx;

	link_unmanage(s, l, true);
	nh_flush_dev(s, ifindex);
	/* NETDEV_UNREGISTER: every IPv4 route with a nexthop through it
	 * goes, multipath or not, without RTM_DELROUTE. */
	purge_family(s, AF_INET, v_uses_if, &ifindex);
	purge_family(s, AF_INET6, v6_all_via, &ifindex);
	l = link_get(s, ifindex);
	idx = l - s->links;
	s->links[idx] = s->links[--s->n_links];
	refresh_groups(s);
}
