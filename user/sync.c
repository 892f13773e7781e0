// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sync.c - kernel state model -> map content (see sync.h for the rules):
 * life cycle and the resync driver.
 */
#include "sync_int.h"

struct vta_sync *vta_sync_new(const struct vta_conf *conf,
			      const struct vta_sync_out *out,
			      const struct vta_sync_hooks *hooks)
{
	struct vta_sync *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->conf = *conf;
	s->out = *out;
	if (hooks)
		s->hooks = *hooks;
	ht_init(&s->nhs, offsetof(struct snh, id), sizeof(uint32_t));
	ht_init(&s->msets, offsetof(struct mset, k), sizeof(struct mset_key));
	ht_init(&s->pfxs, offsetof(struct pfx, k), sizeof(struct pfx_key));
	s->pfx_pool.size = sizeof(struct pfx);
	s->var_pool.size = sizeof(struct variant);
	ht_init(&s->sas, offsetof(struct ssa, k), sizeof(struct sa_key));
	ht_init(&s->nhus, offsetof(struct nhu, id), sizeof(uint32_t));
	ht_init(&s->seeds, offsetof(struct seed, k), sizeof(struct seed_key));
	s->next_mset_id = VTA_SYNC_MSET_ID_BASE;
	s->sa_aware = true;
	s->gen = 1;
	return s;
}

void vta_sync_free(struct vta_sync *s)
{
	struct pfx *p, *tmp;
	size_t i;

	if (!s)
		return;
	ht_for_each (&s->pfxs, i, p, tmp) {
		struct variant *v, *nv;

		for (v = p->v; v; v = nv) {
			nv = v->next;
			free(v->big);
			opool_free(&s->var_pool, v);
		}
		opool_free(&s->pfx_pool, p);
	}
	free(s->pfxs.b);
	opool_destroy(&s->pfx_pool);
	opool_destroy(&s->var_pool);
	ht_free_all(&s->msets);
	ht_free_all(&s->nhs);
	ht_free_all(&s->sas);
	ht_free_all(&s->nhus);
	ht_free_all(&s->seeds);
	free(s->links);
	free(s->ncs);
	free(s->retired);
	free(s->pdel);
	free(s);
}

void vta_sync_set_sa_aware(struct vta_sync *s, bool on)
{
	s->sa_aware = on;
	refresh_links(s);
	refresh_groups(s);
}

/*
 * net.ipv6.conf.DEV.mtu: writing the sysctl sends no message (no
 * RTM_NEWLINK, no netconf: measured on 6.18 with `ip monitor all`), only
 * link messages carry it (IFLA_INET6_CONF), so it is read here, once per
 * lease renewal, for every managed interface.  A device without IPv6
 * (no file) keeps what its link messages said.
 */
void vta_sync_poll_sysctls(struct vta_sync *s)
{
	char path[64 + IFNAMSIZ];
	unsigned int v;
	int i;

	for (i = 0; i < s->n_links; i++) {
		struct slink *l = &s->links[i];
		FILE *f;
		int n;

		if (l->role == VTA_ROLE_NONE || !l->nl.name[0])
			continue;
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/mtu",
			 l->nl.name);
		f = fopen(path, "re");
		if (!f)
			continue;
		n = fscanf(f, "%u", &v);
		fclose(f);
		if (n != 1 || !v || (l->nl.has_mtu6 && l->nl.mtu6 == v))
			continue;
		l->nl.has_mtu6 = true;
		l->nl.mtu6 = v;
		link_write(s, l);
	}
}

int vta_sync_set_held(struct vta_sync *s, int ifindex, bool on)
{
	int i;

	if (held(s, ifindex) == on)
		return 0;
	if (on) {
		if (s->n_held == VTA_SYNC_MAX_HELD)
			return -ENOSPC;
		s->held[s->n_held++] = ifindex;
	} else {
		for (i = 0; i < s->n_held; i++)
			if (s->held[i] == ifindex)
				s->held[i] = s->held[--s->n_held];
	}
	refresh_groups(s);
	return 0;
}

void vta_sync_set_xfrm(struct vta_sync *s, bool available)
{
	s->xfrm = available;
	refresh_links(s);
	refresh_groups(s);
}

void vta_sync_begin(struct vta_sync *s)
{
	s->gen++;
}

static bool v_stale(const struct variant *v, const void *arg)
{
	return v->gen != *(const uint32_t *)arg;
}

void vta_sync_sweep(struct vta_sync *s, bool xfrm_seen)
{
	struct snh *n, *tn;
	struct ssa *e, *te;
	size_t i;
	bool again;
	int j;

	purge_all(s, v_stale, &s->gen);
	do {
		again = false;
		ht_for_each (&s->nhs, i, n, tn)
			if (n->gen != s->gen) {
				nh_delete(s, n);
				again = true;
				break;
			}
	} while (again);
	for (j = 0; j < s->n_links; j++)
		if (s->links[j].gen != s->gen) {
			link_delete(s, &s->links[j]);
			j = -1;
		}
	if (xfrm_seen) {
		ht_for_each (&s->sas, i, e, te)
			if (e->gen != s->gen) {
				ht_del(&s->sas, &e->he);
				free(e);
			}
	}
	refresh_links(s);
	refresh_groups(s);
	s->want_resync = false;
}

bool vta_sync_want_resync(const struct vta_sync *s)
{
	return s->want_resync;
}

bool vta_sync_write_pending(const struct vta_sync *s)
{
	return s->write_dirty;
}

int vta_sync_retry(struct vta_sync *s)
{
	struct snh *n, *tn;
	struct mset *ms, *tm;
	struct pfx *p, *tp;
	size_t i;

	if (!s->write_dirty)
		return 0;
	s->write_dirty = false; /* set again by a write failing again */
	pdel_retry(s);
	refresh_links(s);
	ht_for_each (&s->nhs, i, n, tn)
		nh_refresh(s, n);
	ht_for_each (&s->msets, i, ms, tm)
		mset_refresh(s, ms);
	ht_for_each (&s->pfxs, i, p, tp)
		pfx_update(s, p);
	return s->write_dirty ? -EAGAIN : 0;
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vta_sync *s = data;

	vta_sync_rtnl_msg(s, nlh);
	/* the tick reads the clock (vDSO): often enough that a slow
	 * stretch of the dump cannot hold the lease renewal back */
	if (s->hooks.tick && !(s->cnt.msgs & 63))
		s->hooks.tick(s->hooks.ctx);
	/* a stop must not wait for a million-route dump */
	if (s->hooks.stop && !(s->cnt.msgs & 1023) &&
	    s->hooks.stop(s->hooks.ctx))
		return -ECANCELED;
	return 0;
}

static int xdump_cb(const struct nlmsghdr *nlh, void *data)
{
	vta_sync_xfrm_msg(data, nlh);
	return 0;
}

/*
 * The IPv6 routes, dumped again while they changed under the dump (it
 * may then repeat a route or leave one out: vta_nl_dump_route6()), at
 * most DUMP6_PASSES times.  Every pass marks what it lists in this
 * generation (a route a pass repeats is recognised: on_route()), so the
 * sweep keeps the union: each route of it existed during the passes, and
 * one that went meanwhile has its RTM_DELROUTE queued on the event
 * socket, handled after the resync.  A route is lost only if every pass
 * left it out; where the passes leave it out depends on where the
 * changes fell, so even under constant churn that stays unlikely.
 * IPv4 dumps resume by key (fib_table_dump()): no repeats, no gaps.
 */
#define DUMP6_PASSES 4

static int dump_routes6(struct vta_sync *s, struct vta_nl *nl)
{
	bool moved = false;
	int pass, err;

	for (pass = 1;; pass++) {
		err = vta_nl_dump_route6(nl, dump_cb, s, &moved);
		if (err || !moved || pass == DUMP6_PASSES)
			break;
		s->cnt.route6_redumps++;
	}
	if (!err && moved)
		pr_info("IPv6 routes changed during each of %d dumps: "
			"keeping what any of them listed\n", pass);
	return err;
}

int vta_sync_full(struct vta_sync *s, struct vta_nl *nl)
{
	int tries, err;
	bool xfrm_seen;

	for (tries = 0; tries < 5; tries++) {
		static const int fams[2] = { AF_INET, AF_INET6 };
		bool intr = false;
		int fi;

		vta_sync_begin(s);
		/* the sysctls first, so links are written with them */
		for (fi = 0; fi < 2; fi++) {
			err = vta_nl_dump(nl, RTM_GETNETCONF, fams[fi], dump_cb,
					  s);
			intr |= err == -EINTR;
			if (err && err != -EINTR)
				pr_info("dump %s netconf: %s\n",
					fams[fi] == AF_INET ? "IPv4" : "IPv6",
					strerror(-err));
		}
		err = vta_nl_dump(nl, RTM_GETLINK, AF_UNSPEC, dump_cb, s);
		if (err == -EINTR)
			continue;
		if (err == -ECANCELED)
			return err;
		if (err) {
			pr_warn("dump links: %s\n", strerror(-err));
			s->want_resync = true; /* the daemon retries */
			return err;
		}
		if (!nl->no_nexthop) {
			err = vta_nl_dump(nl, RTM_GETNEXTHOP, AF_UNSPEC,
					  dump_cb, s);
			if (err == -ECANCELED)
				return err;
			if (err == -EINTR)
				intr = true;
			else if (err) {
				pr_info("no nexthop objects (%s)\n",
					strerror(-err));
				nl->no_nexthop = true;
			}
		}
		err = vta_nl_dump(nl, RTM_GETROUTE, AF_INET, dump_cb, s);
		if (!err || err == -EINTR) {
			intr |= err == -EINTR;
			err = dump_routes6(s, nl);
		}
		if (err == -ECANCELED)
			return err;
		if (err && err != -EINTR) {
			pr_warn("dump routes: %s\n", strerror(-err));
			s->want_resync = true;
			return err;
		}
		intr |= err == -EINTR;
		xfrm_seen = false;
		if (nl->xdump) {
			err = vta_nl_dump_sa(nl, xdump_cb, s);
			intr |= err == -EINTR;
			xfrm_seen = !err;
			if (err && err != -EINTR)
				pr_info("dump XFRM states: %s\n",
					strerror(-err));
		}
		if (intr)
			continue;
		vta_sync_sweep(s, xfrm_seen);
		s->cnt.resyncs++;
		return 0;
	}
	/* Keep what we have (never remove on an inconsistent picture);
	 * events keep it moving and the next resync sweeps. */
	pr_warn("netlink dumps interrupted %d times, continuing with events\n",
		tries);
	s->want_resync = true;
	return 0;
}

void vta_sync_get_counts(const struct vta_sync *s, struct vta_sync_counts *c)
{
	const struct pfx *p, *tp;
	const struct mset *ms, *tm;
	const struct snh *n, *tn;
	size_t i;
	int j;

	*c = s->cnt;
	c->routes = c->groups = c->ifaces = c->peers = 0;
	ht_for_each (&s->pfxs, i, p, tp)
		c->routes += p->written;
	ht_for_each (&s->msets, i, ms, tm)
		c->groups += ms->written;
	ht_for_each (&s->nhs, i, n, tn)
		c->groups += n->written;
	for (j = 0; j < s->n_links; j++) {
		c->ifaces += s->links[j].written;
		c->peers += s->links[j].peer_written;
	}
}
