// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sync_msg.c - rtnetlink and XFRM message handlers.
 */
#include "sync_int.h"

static int on_link(struct vta_sync *s, const struct nlmsghdr *nlh)
{
	struct vta_nl_link nl;
	struct slink *l;
	enum vta_role role;
	bool was_usable, was_tunnel;
	uint32_t old_flags;
	int err;

	err = vta_nl_parse_link(nlh, &nl);
	if (err)
		return err;
	l = link_get(s, nl.ifindex);
	if (nlh->nlmsg_type == RTM_DELLINK) {
		if (l)
			link_delete(s, l);
		return 0;
	}
	if (!l) {
		if (s->n_links == s->cap_links) {
			int cap = s->cap_links ? s->cap_links * 2 : 16;
			struct slink *nlinks =
				realloc(s->links, cap * sizeof(*nlinks));

			if (!nlinks)
				return -ENOMEM;
			s->links = nlinks;
			s->cap_links = cap;
		}
		l = &s->links[s->n_links++];
		memset(l, 0, sizeof(*l));
		l->nl = nl;
		old_flags = nl.flags;
		was_usable = false;
		was_tunnel = nl.type != ARPHRD_ETHER;
	} else {
		old_flags = l->nl.flags;
		was_usable = l->usable;
		was_tunnel = l->kind_tunnel;
		/* a rename loses the role of the old name */
		if (strcmp(l->nl.name, nl.name) && l->role != VTA_ROLE_NONE &&
		    role_for(s, nl.name) != l->role)
			link_unmanage(s, l, false);
		/* a message without the IPv6 configuration keeps what was
		 * known (vta_dev_mtu() never goes above the link MTU) */
		if (!nl.has_mtu6 && l->nl.has_mtu6) {
			nl.has_mtu6 = true;
			nl.mtu6 = l->nl.mtu6;
		}
		l->nl = nl;
	}
	l->gen = s->gen;
	role = role_for(s, nl.name);
	if (role != l->role) {
		link_unmanage(s, l, false);
		if (role != VTA_ROLE_NONE)
			link_manage(s, l, role);
		refresh_groups(s);
	}
	link_went_down(s, l, old_flags);
	l->usable = member_usable(s, l);
	l->kind_tunnel = l->nl.type != ARPHRD_ETHER;
	/* the WAN MTU feeds the tunnels' MSS: rewrite all changed ones */
	refresh_links(s);
	if (was_usable != l->usable || was_tunnel != l->kind_tunnel)
		refresh_groups(s);
	return 0;
}

/*
 * Member sets get invented ids from VTA_SYNC_MSET_ID_BASE up, skipping
 * the kernel nexthop ids known then.  Kernel nexthop ids are any u32 but
 * 0: the kernel allocates below INT_MAX when none is given
 * (nh_find_unused_id(), net/ipv4/nexthop.c), but a user or FRR may name
 * any id (FRR's protocol-owned groups go up to 0xFA000000).  No range is
 * safe, so a nexthop arriving with the id of a member set moves the set:
 * its group is written under a fresh id and the routes using it are
 * repointed before the kernel's group overwrites the old id.
 */
static bool mset_id_used(struct vta_sync *s, uint32_t id)
{
	struct mset *ms, *tm;
	size_t i;

	if (ht_find(&s->nhs, &id))
		return true;
	ht_for_each (&s->msets, i, ms, tm)
		if (ms->id == id || ms->mid == id)
			return true;
	return is_retired(s, id);
}

static uint32_t mset_new_id(struct vta_sync *s, uint32_t avoid)
{
	uint32_t id;

	do {
		id = s->next_mset_id++;
		if (s->next_mset_id < VTA_SYNC_MSET_ID_BASE)
			s->next_mset_id = VTA_SYNC_MSET_ID_BASE;
	} while (id == avoid || mset_id_used(s, id));
	return id;
}

static void mset_evict_id(struct vta_sync *s, uint32_t id)
{
	struct mset *ms, *tm;
	size_t i;

	ht_for_each (&s->msets, i, ms, tm) {
		if (ms->id != id)
			continue;
		/* a new identity and map key.  The old key is retired like
		 * any replaced group's: the kernel nexthop's group is
		 * written under another key until it has left the map
		 * (group_refresh()), never over it in place */
		if (ms->written)
			retire(s, ms->mid);
		ms->id = mset_new_id(s, id);
		ms->mid = ms->id;
		ms->written = false;
		ms->parked = false;
		mset_refresh(s, ms);
		rescan_all(s);
		pr_info("nexthop id %#x: the kernel uses it now; its member "
			"set moved to %#x\n",
			id, ms->id);
		return;
	}
}

static int on_nexthop(struct vta_sync *s, const struct nlmsghdr *nlh)
{
	struct vta_nl_nexthop nl;
	struct snh *n, *g, *tmp;
	size_t i;
	int err, j;

	err = vta_nl_parse_nexthop(nlh, &nl);
	if (err)
		return err;
	n = ht_find(&s->nhs, &nl.id);
	if (nlh->nlmsg_type == RTM_DELNEXTHOP) {
		if (n)
			nh_delete(s, n);
		return 0;
	}
	if (!n) {
		if (nl.id >= VTA_SYNC_MSET_ID_BASE)
			mset_evict_id(s, nl.id);
		n = calloc(1, sizeof(*n));
		if (!n)
			return -ENOMEM;
		n->id = nl.id;
		n->mid = nl.id;
		n->sum_type = 0xff; /* new: no routes use it yet */
		if (ht_add(&s->nhs, &n->he)) {
			free(n);
			return -ENOMEM;
		}
	}
	n->nl = nl;
	n->gen = s->gen;
	/* only the routes using it, or a group holding it, can change:
	 * a nexthop nobody uses yet (FRR installs them first) costs
	 * nothing however many routes there are */
	if (nh_refresh(s, n))
		nhu_update(s, nl.id);
	/* groups holding it see the change too */
	ht_for_each (&s->nhs, i, g, tmp)
		for (j = 0; j < g->nl.n_grp; j++)
			if (g->nl.grp[j].id == nl.id) {
				if (nh_refresh(s, g))
					nhu_update(s, g->id);
				break;
			}
	return 0;
}

static struct variant **variant_find(struct pfx *p,
				     const struct vta_nl_route *r, int oif_key)
{
	struct variant **pp;

	for (pp = &p->v; *pp; pp = &(*pp)->next)
		if ((*pp)->table == r->table && (*pp)->tos == r->tos &&
		    (*pp)->prio == r->priority && (*pp)->oif_key == oif_key &&
		    (*pp)->src_len == r->src_len &&
		    !memcmp(&(*pp)->src, &r->src, sizeof(r->src)))
			return pp;
	return NULL;
}

/*
 * IPv6 keeps routes that differ only in their device (fe80::/64 on every
 * link, ff00::/8 in the local table) side by side, so the device is part
 * of their identity; IPv4 has one route per (table, tos, metric).
 */
static int route_oif_key(const struct vta_nl_route *r)
{
	/* with a gateway they are ECMP siblings of one route instead */
	return r->family == AF_INET6 && r->n_nh == 1 && !r->nhid &&
			       !r->nh[0].gw_family
		       ? r->nh[0].ifindex
		       : 0;
}

/*
 * IPv6 deletes one nexthop of a multipath route with an RTM_DELROUTE
 * that names only that nexthop, and sends nothing for what remains:
 * take those members out.  Returns true when members remain.
 */
static bool v6_del_members(struct vta_sync *s, struct pfx *p, struct variant *v,
			   const struct vta_nl_route *del)
{
	static struct vta_nl_route rest;
	struct mset *old = v->ms;
	const struct vta_nl_nh *have = old ? old->k.m : v->big;
	int n = old ? (int)old->k.n : v->n_big, i, j;

	if (v->sib_unknown && del->n_nh == 1) {
		/* more siblings than the model keeps (VTA_NL_MAX_NH): which
		 * remain is unknown; the prefix stays with the kernel until a
		 * resync says */
		s->want_resync = true;
		return true;
	}
	if (!have || del->n_nh < 1 || del->n_nh >= n)
		return false;
	memset(&rest, 0, offsetof(struct vta_nl_route, nh));
	for (i = 0; i < n; i++) {
		const struct vta_nl_nh *m = &have[i];
		bool gone = false;

		for (j = 0; j < del->n_nh; j++)
			if (del->nh[j].ifindex == m->ifindex &&
			    del->nh[j].gw_family == m->gw_family &&
			    !memcmp(del->nh[j].gw.b, m->gw.b, 16))
				gone = true;
		if (!gone)
			rest.nh[rest.n_nh++] = *m;
	}
	if (!rest.n_nh || rest.n_nh == n)
		return false;
	v->oif = rest.nh[0].ifindex;
	if (rest.n_nh > VTA_MAX_PATHS) {
		/* still too many for a group: the kernel keeps them all */
		memcpy(v->big, rest.nh, rest.n_nh * sizeof(rest.nh[0]));
		v->n_big = rest.n_nh;
		return true;
	}
	free(v->big);
	v->big = NULL;
	v->n_big = 0;
	v->unrep = false;
	v->ms = mset_get(s, &rest, old);
	if (!v->ms)
		v->unrep = true;
	pfx_update(s, p);
	mset_put(s, old);
	return true;
}

/* FNV-1a over what a route message says about where packets go. */
static uint32_t fp_add(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		h = (h ^ *b++) * 16777619U;
	return h;
}

/*
 * A fingerprint of a route: its type, nexthops and the attributes the
 * model keeps, not its counters (RTA_CACHEINFO), so that a dump listing
 * the same route twice (vta_nl_dump_route6()) can be told from a second
 * route with the same identity.
 */
static uint32_t route_fp(const struct vta_nl_route *r)
{
	uint32_t h = 2166136261U;
	int i;

	h = fp_add(h, &r->type, 1);
	h = fp_add(h, &r->scope, 1);
	h = fp_add(h, &r->nhid, sizeof(r->nhid));
	h = fp_add(h, &r->mtu, sizeof(r->mtu));
	h = fp_add(h, &r->n_nh, sizeof(r->n_nh));
	h = fp_add(h, &r->too_many, 1);
	h = fp_add(h, &r->encap, 1);
	h = fp_add(h, &r->has_prefsrc, 1);
	if (r->has_prefsrc)
		h = fp_add(h, r->prefsrc.b, 16);
	for (i = 0; i < r->n_nh && i < VTA_NL_MAX_NH; i++) {
		const struct vta_nl_nh *m = &r->nh[i];

		h = fp_add(h, &m->ifindex, sizeof(m->ifindex));
		h = fp_add(h, &m->weight, sizeof(m->weight));
		h = fp_add(h, &m->gw_family, 1);
		if (m->gw_family)
			h = fp_add(h, m->gw.b, 16);
	}
	return h;
}

/* Whether an RTM_DELROUTE names the route v keeps (not one behind it). */
static bool v4_del_is_first(const struct vta_sync *s, const struct variant *v,
			    const struct vta_nl_route *del)
{
	struct mset_key k;

	if (del->type != v->rtype || del->nhid != v->nhid)
		return false;
	if (v->nhid)
		return true;
	if (!v->ms)
		return true; /* cannot tell: assume the worst */
	if (del->n_nh != (int)v->ms->k.n)
		return false;
	mset_key_of(del, &k);
	(void)s;
	return !memcmp(&k, &v->ms->k, sizeof(k));
}

static bool v_replaced(const struct variant *v, const void *arg)
{
	const struct variant *n = arg;

	return v != n && v->table == n->table && v->tos == n->tos &&
	       v->prio == n->prio && v->src_len == n->src_len &&
	       !memcmp(&v->src, &n->src, sizeof(v->src));
}

/* A local address came or went: which SAs are inbound (sa_dir) may
 * have changed, and with it SA_UP and the peers of XFRM interfaces. */
static void local_changed(struct vta_sync *s, const struct vta_nl_route *r)
{
	if (r->table != RT_TABLE_LOCAL || r->type != RTN_LOCAL || !s->sas.n)
		return;
	refresh_links(s);
	refresh_groups(s);
}

static int on_route(struct vta_sync *s, const struct nlmsghdr *nlh)
{
	static struct vta_nl_route r; /* large: not on the stack */
	const struct rtmsg *rtm;
	struct pfx_key k;
	struct pfx *p;
	struct variant **pp, *v;
	struct mset *old_ms;
	int err;

	err = vta_nl_parse_route(nlh, &r);
	if (err)
		return err;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_flags & RTM_F_CLONED)
		return 0; /* IPv6 route cache entries */
	if (r.table != s->conf.table && r.table != RT_TABLE_LOCAL)
		return 0;
	memset(&k, 0, sizeof(k));
	k.family = r.family;
	k.len = r.dst_len;
	k.a = r.dst;
	p = ht_find(&s->pfxs, &k);
	if (nlh->nlmsg_type == RTM_DELROUTE) {
		if (!p || !(pp = variant_find(p, &r, route_oif_key(&r))))
			return 0;
		v = *pp;
		if (r.family == AF_INET6 && v6_del_members(s, p, v, &r))
			return 0;
		if (r.family == AF_INET6 && v->n_alias) {
			/* one of two routes that were not siblings: which
			 * is left, the model does not know */
			v->n_alias--;
			v->unrep = true;
			pfx_update(s, p);
			s->want_resync = true;
			return 0;
		}
		if (r.family == AF_INET && v->n_alias) {
			/* one of several routes with this (table, tos,
			 * metric) went; if it was the one in use, the next
			 * takes over, which the model did not keep: leave
			 * the prefix to the kernel and resync */
			v->n_alias--;
			if (v4_del_is_first(s, v, &r)) {
				v->unrep = true;
				v->rtype = RTN_UNICAST;
				pfx_update(s, p);
				s->want_resync = true;
			}
			return 0;
		}
		*pp = v->next;
		pfx_update(s, p);
		variant_free(s, v);
		local_changed(s, &r);
		return 0;
	}
	if (!p) {
		p = opool_zalloc(&s->pfx_pool);
		if (!p)
			return -ENOMEM;
		p->k = k;
		if (ht_add(&s->pfxs, &p->he)) {
			opool_free(&s->pfx_pool, p);
			return -ENOMEM;
		}
	}
	pp = variant_find(p, &r, route_oif_key(&r));
	if (pp && r.family == AF_INET) {
		uint16_t fl = nlh->nlmsg_flags;

		v = *pp;
		/*
		 * Several IPv4 routes with one (table, tos, metric): the
		 * kernel keeps them in order and uses the first
		 * (fib_table_insert).  A dump lists them in that order; an
		 * event for `ip route append` carries NLM_F_APPEND (the new
		 * one goes last), one for a prepend NLM_F_CREATE without
		 * NLM_F_EXCL (it goes first); NLM_F_REPLACE replaces the first.
		 */
		if (fl & NLM_F_MULTI) {
			if (v->gen == s->gen) {
				v->n_alias++;
				return 0;
			}
			v->n_alias = 0;
		} else if (fl & NLM_F_APPEND) {
			v->n_alias++;
			return 0;
		} else if ((fl & NLM_F_CREATE) &&
			   !(fl & (NLM_F_EXCL | NLM_F_REPLACE))) {
			v->n_alias++;
		}
	}
	if (pp && r.family == AF_INET6) {
		uint16_t fl = nlh->nlmsg_flags;

		v = *pp;
		/* the dump listed it before, as it is (a second pass, or the
		 * kernel's walk restarted): nothing new */
		if ((fl & NLM_F_MULTI) && v->gen == s->gen &&
		    v->fp == route_fp(&r))
			return 0;
		/*
		 * IPv6 merges gateway routes of one metric into ECMP siblings
		 * (announced whole, RTA_MULTIPATH), but not a route with a
		 * nexthop object and one without (ip -6 route append): those
		 * stay two routes, a dump lists both, and rt6_select() picks
		 * one by neighbour state.  Leave such a prefix to the kernel.
		 */
		if (((fl & NLM_F_MULTI) && v->gen == s->gen) ||
		    (!(fl & NLM_F_MULTI) && (fl & NLM_F_APPEND) &&
		     (v->nhid || r.nhid))) {
			v->n_alias++;
			v->unrep = true;
			pfx_update(s, p);
			return 0;
		}
		if (fl & NLM_F_MULTI)
			v->n_alias = 0;
	}
	if (pp) {
		v = *pp;
	} else {
		v = opool_zalloc(&s->var_pool);
		if (!v) {
			if (!p->v && !p->written) {
				ht_del(&s->pfxs, &p->he);
				opool_free(&s->pfx_pool, p);
			}
			return -ENOMEM;
		}
		v->table = r.table;
		v->tos = r.tos;
		v->prio = r.priority;
		v->oif_key = route_oif_key(&r);
		v->src_len = r.src_len;
		v->src = r.src;
		v->next = p->v;
		p->v = v;
	}
	old_ms = v->ms;
	nhu_unlink(s, v);
	if (v->nhid)
		s->n_nhid_variants--;
	v->ms = NULL;
	v->rtype = r.type;
	v->scope = r.scope;
	v->nhid = r.nhid;
	v->mtu = r.mtu;
	v->oif = r.n_nh ? r.nh[0].ifindex : 0;
	v->unrep = r.too_many || r.encap;
	v->gen = s->gen;
	v->fp = route_fp(&r);
	v->has_prefsrc = r.has_prefsrc;
	v->prefsrc = r.prefsrc;
	free(v->big);
	v->big = NULL;
	v->n_big = 0;
	v->sib_unknown = r.family == AF_INET6 && r.too_many;
	if (v->nhid) {
		/* nexthop objects win over the expanded RTA_MULTIPATH that
		 * nexthop_compat_mode 1 adds */
		s->n_nhid_variants++;
		nhu_link(s, v, p);
	} else if (r.table == s->conf.table && r.type == RTN_UNICAST) {
		if (r.n_nh < 1 || r.n_nh > VTA_MAX_PATHS)
			v->unrep = true;
		else if (!v->unrep && !(v->ms = mset_get(s, &r, old_ms)))
			v->unrep = true;
		if (r.family == AF_INET6 && r.n_nh > VTA_MAX_PATHS &&
		    !r.too_many && !r.encap) {
			v->big = malloc(r.n_nh * sizeof(r.nh[0]));
			if (v->big) {
				memcpy(v->big, r.nh, r.n_nh * sizeof(r.nh[0]));
				v->n_big = r.n_nh;
			}
		}
	}
	pfx_update(s, p);
	mset_put(s, old_ms);
	/* an IPv6 replace may move the route to another device */
	if (r.family == AF_INET6 && (nlh->nlmsg_flags & NLM_F_REPLACE))
		pfx_purge(s, p, v_replaced, v);
	local_changed(s, &r);
	return 0;
}

/* RTM_NEWNETCONF / RTM_DELNETCONF: the sysctls of sysctl_flags(). */
static int on_netconf(struct vta_sync *s, const struct nlmsghdr *nlh)
{
	struct vta_nl_netconf nc;
	struct snc *e;
	int err;

	err = vta_nl_parse_netconf(nlh, &nc);
	if (err)
		return err == -EINVAL ? 0 : err;
	e = (struct snc *)nc_find(s, nc.family, nc.ifindex);
	if (nlh->nlmsg_type == RTM_DELNETCONF) {
		if (e)
			*e = s->ncs[--s->n_ncs];
		goto out;
	}
	if (!e) {
		if (s->n_ncs == s->cap_ncs) {
			int cap = s->cap_ncs ? s->cap_ncs * 2 : 16;
			struct snc *n = realloc(s->ncs, cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			s->ncs = n;
			s->cap_ncs = cap;
		}
		e = &s->ncs[s->n_ncs++];
		e->family = nc.family;
		e->ifindex = nc.ifindex;
		e->forwarding = e->rp_filter = -1;
	}
	if (nc.has_forwarding)
		e->forwarding = nc.forwarding;
	if (nc.has_rp_filter)
		e->rp_filter = nc.rp_filter;
out:
	s->nc_seen = true;
	refresh_links(s);
	return 0;
}

static bool v_prefsrc(const struct variant *v, const void *arg)
{
	const union vta_addr *a = arg;

	return v->has_prefsrc && v->table != RT_TABLE_LOCAL &&
	       !memcmp(v->prefsrc.b, a->b, 4);
}

/* fib_sync_down_dev(dev, NETDEV_DOWN, force): every IPv4 route whose
 * nexthops all leave through the device, whatever its scope. */
static bool v4_dies_no_addr(const struct variant *v, const void *arg)
{
	struct down_arg *d = (struct down_arg *)arg;
	uint32_t i, via = 0;

	if (v->nhid)
		return false; /* nexthop objects are not touched */
	if (v->ms) {
		for (i = 0; i < v->ms->k.n; i++)
			via += v->ms->k.m[i].ifindex == d->ifindex;
		if (via && via < v->ms->k.n)
			d->unmodelled = true; /* a member dies silently */
		return via && via == v->ms->k.n;
	}
	if (v->oif != d->ifindex)
		return false;
	if (v->unrep && v->rtype == RTN_UNICAST && !v->big)
		d->unmodelled = true; /* members we do not keep */
	return !d->unmodelled;
}

/*
 * RTM_DELADDR of an IPv4 address (fib_del_ifaddr(), fib_disable_ip() in
 * net/ipv4/fib_frontend.c): the kernel announces the local, broadcast
 * and prefix routes it deletes, but removes silently (1) every route of
 * the other tables whose preferred source was this address, once no
 * device holds it any more (fib_sync_down_addr()), and (2) when it was
 * the device's last IPv4 address, every route through the device
 * (fib_sync_down_dev() with force).  The message comes before both.
 */
static int on_deladdr(struct vta_sync *s, const struct nlmsghdr *nlh)
{
	struct vta_nl_addr a;
	struct down_arg d = { s, 0, false };
	struct pfx_key k;
	struct pfx *p, *tmp;
	const struct variant *v;
	bool other_holder = false, last = true;
	size_t i;
	int err;

	err = vta_nl_parse_addr(nlh, &a);
	if (err)
		return err == -EINVAL ? 0 : err;
	if (a.family != AF_INET)
		return 0; /* IPv6 only clears the routes' prefsrc */
	memset(&k, 0, sizeof(k));
	k.family = AF_INET;
	k.len = 32;
	memcpy(k.a.b, a.addr.b, 4);
	p = ht_find(&s->pfxs, &k);
	for (v = p ? p->v : NULL; v; v = v->next)
		if (v->table == RT_TABLE_LOCAL && v->rtype == RTN_LOCAL &&
		    (v->n_alias || v->oif != a.ifindex))
			other_holder = true;
	/* another local address of the device? */
	ht_for_each (&s->pfxs, i, p, tmp) {
		if (p->k.family != AF_INET || p->k.len != 32 ||
		    !memcmp(p->k.a.b, a.addr.b, 4))
			continue;
		for (v = p->v; v; v = v->next)
			if (v->table == RT_TABLE_LOCAL &&
			    v->rtype == RTN_LOCAL && v->oif == a.ifindex)
				last = false;
		if (!last)
			break;
	}
	if (!other_holder)
		purge_family(s, AF_INET, v_prefsrc, &a.addr);
	if (last) {
		d.ifindex = a.ifindex;
		purge_family(s, AF_INET, v4_dies_no_addr, &d);
	}
	if (d.unmodelled)
		s->want_resync = true;
	return 0;
}

int vta_sync_rtnl_msg(struct vta_sync *s, const struct nlmsghdr *nlh)
{
	int err;

	s->cnt.msgs++;
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		/*
		 * AF_BRIDGE link messages describe a bridge port (its bridge
		 * attributes; RTM_DELLINK when it leaves the bridge:
		 * br_ifinfo_notify() in net/bridge/br_netlink.c), not the
		 * device: a port leaving is no deletion.  Every device change
		 * also comes as an AF_UNSPEC message.
		 */
		if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg)) &&
		    ((const struct ifinfomsg *)NLMSG_DATA(nlh))->ifi_family ==
			    AF_BRIDGE) {
			err = 0;
			break;
		}
		err = on_link(s, nlh);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		err = on_route(s, nlh);
		break;
	case RTM_NEWNEXTHOP:
	case RTM_DELNEXTHOP:
		err = on_nexthop(s, nlh);
		break;
	case RTM_NEWNETCONF:
	case RTM_DELNETCONF:
		err = on_netconf(s, nlh);
		break;
	case RTM_NEWADDR:
		/* local addresses arrive as local-table routes */
		err = 0;
		break;
	case RTM_DELADDR:
		err = on_deladdr(s, nlh);
		break;
	default:
		err = 0;
		break;
	}
	if (err) {
		s->cnt.bad_msgs++;
		pr_debug("netlink message type %u rejected: %s\n",
			 nlh->nlmsg_type, strerror(-err));
	}
	return err;
}

int vta_sync_xfrm_msg(struct vta_sync *s, const struct nlmsghdr *nlh)
{
	struct vta_nl_sa sa;
	struct sa_key k;
	struct ssa *e;
	bool hard;
	int err;

	s->cnt.msgs++;
	if (nlh->nlmsg_type == XFRM_MSG_FLUSHSA) {
		const struct xfrm_usersa_flush *fl = NLMSG_DATA(nlh);
		struct ssa *t;
		size_t i;

		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*fl))) {
			/* which SAs went is unknown: ask the kernel */
			s->cnt.bad_msgs++;
			s->want_resync = true;
			return -EBADMSG;
		}
		/* the SAs xfrm_state_flush() removed: xfrm_id_proto_match() */
		ht_for_each (&s->sas, i, e, t)
			if (!fl->proto || e->k.proto == fl->proto ||
			    (fl->proto == IPSEC_PROTO_ANY &&
			     (e->k.proto == IPPROTO_AH ||
			      e->k.proto == IPPROTO_ESP ||
			      e->k.proto == IPPROTO_COMP))) {
				ht_del(&s->sas, &e->he);
				free(e);
			}
		goto refresh;
	}
	err = vta_nl_parse_sa(nlh, &sa, &hard);
	if (err) {
		if (err != -EINVAL) {
			s->cnt.bad_msgs++;
			pr_debug("xfrm message type %u rejected: %s\n",
				 nlh->nlmsg_type, strerror(-err));
		}
		return err == -EINVAL ? 0 : err;
	}
	memset(&k, 0, sizeof(k));
	k.family = sa.family;
	memcpy(k.daddr, sa.daddr.b, 16);
	k.spi = sa.spi;
	k.proto = sa.proto;
	e = ht_find(&s->sas, &k);
	if (nlh->nlmsg_type == XFRM_MSG_DELSA ||
	    (nlh->nlmsg_type == XFRM_MSG_EXPIRE && hard)) {
		if (!e)
			return 0;
		ht_del(&s->sas, &e->he);
		free(e);
	} else if (nlh->nlmsg_type == XFRM_MSG_EXPIRE) {
		return 0; /* soft expiry: a rekey follows */
	} else {
		if (!e) {
			e = calloc(1, sizeof(*e));
			if (!e)
				return -ENOMEM;
			e->k = k;
			if (ht_add(&s->sas, &e->he)) {
				free(e);
				return -ENOMEM;
			}
		}
		e->sa = sa;
		e->gen = s->gen;
	}
refresh:
	refresh_links(s);
	refresh_groups(s);
	return 0;
}
