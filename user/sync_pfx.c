// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sync_pfx.c - the prefix model: route variants, the value written per
 * prefix, nexthop users.
 */
#include "sync_int.h"

bool addr_is_local(const struct vta_sync *s, int family,
		   const union vta_addr *a)
{
	struct pfx_key k;
	const struct pfx *p;
	const struct variant *v;

	memset(&k, 0, sizeof(k));
	k.family = family;
	k.len = family == AF_INET6 ? 128 : 32;
	memcpy(k.a.b, a->b, family == AF_INET6 ? 16 : 4);
	p = ht_find(&s->pfxs, &k);
	if (!p)
		return false;
	for (v = p->v; v; v = v->next)
		if (v->table == RT_TABLE_LOCAL && v->rtype == RTN_LOCAL)
			return true;
	return false;
}

static void pfx_value(const struct vta_sync *s, const struct pfx *p,
		      struct vta_route *r, bool *have)
{
	const struct variant *v, *best = NULL;
	bool local = false, tos = false, tie = false;

	memset(r, 0, sizeof(*r));
	*have = false;
	for (v = p->v; v; v = v->next) {
		if (v->table == RT_TABLE_LOCAL) {
			local = true;
			continue;
		}
		if (v->tos || v->src_len)
			tos = true;
		if (best && v->prio == best->prio)
			tie = true;
		if (!best || v->prio < best->prio) {
			best = v;
			tie = false;
		}
	}
	if (!local && !best)
		return;
	*have = true;
	r->type = VTA_RT_KERNEL;
	if (local) {
		r->type = VTA_RT_LOCAL;
		return;
	}
	/* TOS routes, IPv6 source-specific routes, or IPv6 device routes
	 * side by side: the kernel's choice depends on more than the prefix */
	if (tos || tie)
		return;
	switch (best->rtype) {
	case RTN_LOCAL:
	case RTN_BROADCAST:
	case RTN_ANYCAST:
	case RTN_MULTICAST:
		r->type = VTA_RT_LOCAL;
		return;
	case RTN_UNICAST:
		break;
	default:
		return;
	}
	if (best->unrep)
		return;
	if (best->nhid) {
		const struct snh *n = ht_find(&s->nhs, &best->nhid);

		if (!n || n->sum_type != VTA_RT_UNICAST)
			return;
		r->type = VTA_RT_UNICAST;
		r->group_id = n->mid;
		r->flags = n->sum_flags;
	} else if (best->ms && best->ms->sum_type == VTA_RT_UNICAST) {
		r->type = VTA_RT_UNICAST;
		r->group_id = best->ms->mid;
		r->flags = best->ms->sum_flags;
	}
	/* the route's MTU metric (IP_MAX_MTU caps it, as the kernel) */
	if (r->type == VTA_RT_UNICAST)
		r->mtu = best->mtu > 0xffff ? 0xffff : best->mtu;
}

static void pfx_name(const struct pfx *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u",
		 vta_addr_str(p->k.family, &p->k.a, a, sizeof(a)), p->k.len);
}

/*
 * Write the prefix's map entry; frees p when no route is left.  A prefix
 * whose map entry could not be deleted stays, without routes, until a
 * retry deletes it (its entry would otherwise stay in the map for ever).
 */
void pfx_update(struct vta_sync *s, struct pfx *p)
{
	struct vta_route r;
	bool have;
	char name[64];
	int err;

	s->cnt.pfx_updates++;
	pfx_value(s, p, &r, &have);
	if (!have) {
		if (p->written) {
			err = s->out.fib_del(s->out.ctx, p->k.family, p->k.len,
					     &p->k.a);
			if (err && err != -ENOENT) {
				pfx_name(p, name, sizeof(name));
				werr(s, err, "fib delete", name);
				return;
			}
		}
		ht_del(&s->pfxs, &p->he);
		opool_free(&s->pfx_pool, p);
		return;
	}
	if (p->written && !memcmp(&r, &p->wv, sizeof(r)))
		return;
	err = s->out.fib_put(s->out.ctx, p->k.family, p->k.len, &p->k.a, &r);
	if (err) {
		pfx_name(p, name, sizeof(name));
		werr(s, err, "fib", name);
		return;
	}
	p->wv = r;
	p->written = true;
}

void nhu_unlink(struct vta_sync *s, struct variant *v)
{
	struct nhu *u;

	if (!v->nu_pprev)
		return;
	*v->nu_pprev = v->nu_next;
	if (v->nu_next)
		v->nu_next->nu_pprev = v->nu_pprev;
	v->nu_next = NULL;
	v->nu_pprev = NULL;
	u = ht_find(&s->nhus, &v->nhid);
	if (u && !u->head) {
		ht_del(&s->nhus, &u->he);
		free(u);
	}
}

/* 0 or -ENOMEM (the prefix then misses nexthop updates: a resync is
 * asked for) */
int nhu_link(struct vta_sync *s, struct variant *v, struct pfx *p)
{
	struct nhu *u = ht_find(&s->nhus, &v->nhid);

	if (!u) {
		u = calloc(1, sizeof(*u));
		if (!u || (u->id = v->nhid, ht_add(&s->nhus, &u->he))) {
			free(u);
			s->want_resync = true;
			return -ENOMEM;
		}
	}
	v->pfx = p;
	v->nu_next = u->head;
	if (u->head)
		u->head->nu_pprev = &v->nu_next;
	u->head = v;
	v->nu_pprev = &u->head;
	return 0;
}

/* The prefixes using nexthop id, each once (callers may free them). */
struct pfx **nhu_prefixes(struct vta_sync *s, uint32_t id, size_t *n)
{
	const struct nhu *u = ht_find(&s->nhus, &id);
	const struct variant *v;
	struct pfx **a;
	size_t k = 0;

	*n = 0;
	if (!u)
		return NULL;
	for (v = u->head; v; v = v->nu_next)
		k++;
	a = malloc(k * sizeof(*a));
	if (!a) {
		s->want_resync = true;
		return NULL;
	}
	k = 0;
	if (!++s->nu_stamp) /* 0 is every prefix's initial mark */
		s->nu_stamp = 1;
	for (v = u->head; v; v = v->nu_next)
		if (v->pfx->nu_mark != s->nu_stamp) {
			v->pfx->nu_mark = s->nu_stamp;
			a[k++] = v->pfx;
		}
	*n = k;
	return a;
}

/* A nexthop's summary changed: rewrite the prefixes using it. */
void nhu_update(struct vta_sync *s, uint32_t id)
{
	size_t i, n;
	struct pfx **a = nhu_prefixes(s, id, &n);

	for (i = 0; i < n; i++)
		pfx_update(s, a[i]);
	free(a);
}

void variant_free(struct vta_sync *s, struct variant *v)
{
	nhu_unlink(s, v);
	free(v->big);
	if (v->nhid)
		s->n_nhid_variants--;
	mset_put(s, v->ms);
	opool_free(&s->var_pool, v);
}

/* Remove the variants for which pred() holds, then update the prefix. */
void pfx_purge(struct vta_sync *s, struct pfx *p,
	       bool (*pred)(const struct variant *, const void *),
	       const void *arg)
{
	struct variant **pp = &p->v, *v, *dead = NULL;

	while ((v = *pp)) {
		if (pred(v, arg)) {
			*pp = v->next;
			v->next = dead;
			dead = v;
		} else {
			pp = &v->next;
		}
	}
	if (!dead)
		return;
	/* the route first, then the groups it used */
	pfx_update(s, p);
	while ((v = dead)) {
		dead = v->next;
		variant_free(s, v);
	}
}

void purge_all(struct vta_sync *s,
	       bool (*pred)(const struct variant *, const void *),
	       const void *arg)
{
	struct pfx *p, *tmp;
	size_t i;

	ht_for_each (&s->pfxs, i, p, tmp)
		pfx_purge(s, p, pred, arg);
}

void rescan_all(struct vta_sync *s)
{
	struct pfx *p, *tmp;
	size_t i;

	ht_for_each (&s->pfxs, i, p, tmp)
		pfx_update(s, p);
}

/* Recompute every group; rewrite every prefix when a summary changed. */
void refresh_groups(struct vta_sync *s)
{
	struct snh *n, *tn;
	struct mset *ms, *tm;
	bool changed = false;
	size_t i;

	ht_for_each (&s->nhs, i, n, tn)
		changed |= nh_refresh(s, n);
	ht_for_each (&s->msets, i, ms, tm)
		changed |= mset_refresh(s, ms);
	if (changed)
		rescan_all(s);
}

void refresh_links(struct vta_sync *s)
{
	int i;

	for (i = 0; i < s->n_links; i++)
		link_write(s, &s->links[i]);
}
