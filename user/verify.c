// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * verify.c - `vtiaccel verify`: dump the kernel afresh (links, nexthops,
 * routes, XFRM states when readable), translate it with the daemon's own
 * code (sync.c) into an expected map content, read the pinned maps and
 * print every difference.  Exit 0 "no drift", 1 on drift, 2 on error.
 *
 * Group ids are the daemon's choice for RTA_MULTIPATH routes, so routes
 * are compared by what their group holds (members: ifindex, kind,
 * weight, gateway), not by id; interfaces by role, MTU and state flags
 * (slots are allocation order); ESP peers exactly.
 *
 * Without --lan/--wan/--tunnel from the flags or the configuration
 * file (no LAN configured), the roles are taken from the interface map:
 * the interfaces the daemon manages, by name.
 */
#include <net/if.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "cli.h"
#include "cmd.h"
#include "conf.h"
#include "loader.h"
#include "log.h"
#include "netlink.h"
#include "run.h"
#include "sync.h"

struct vctx {
	const struct vta_mem *want, *have;
	unsigned long drift, routes;
	uint32_t *gids;
	size_t n_gids, cap_gids;
	bool json, first;
};

static void report(struct vctx *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void report(struct vctx *v, const char *fmt, ...)
{
	va_list ap;

	v->drift++;
	if (v->json) {
		printf("%s\"", v->first ? "" : ",");
		v->first = false;
	}
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(v->json ? "\"" : "\n");
}

static int path_cmp(const void *a, const void *b)
{
	const struct vta_nh *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return memcmp(x->gw6, y->gw6, 16);
}

/* Canonical form: paths sorted, unused slots zero. */
static void group_norm(struct vta_group *g)
{
	if (g->n_paths > VTA_MAX_PATHS)
		g->n_paths = VTA_MAX_PATHS;
	memset(&g->paths[g->n_paths], 0,
	       (VTA_MAX_PATHS - g->n_paths) * sizeof(g->paths[0]));
	qsort(g->paths, g->n_paths, sizeof(g->paths[0]), path_cmp);
}

static void route_desc(const struct vta_mem *m, const struct vta_route *r,
		       char *buf, size_t len)
{
	struct vta_group g;
	size_t off;
	uint32_t i;

	if (r->type == VTA_RT_LOCAL) {
		snprintf(buf, len, "local");
		return;
	}
	if (r->type != VTA_RT_UNICAST) {
		snprintf(buf, len, "to kernel (type %u)", r->type);
		return;
	}
	if (vta_mem_group(m, r->group_id, &g)) {
		snprintf(buf, len, "group %#x (missing)", r->group_id);
		return;
	}
	group_norm(&g);
	off = snprintf(buf, len, "via");
	if (!g.n_paths)
		off += snprintf(buf + off, len - off, " nothing usable");
	for (i = 0; i < g.n_paths && off < len; i++) {
		const struct vta_nh *p = &g.paths[i];
		char name[IF_NAMESIZE], gw[INET6_ADDRSTRLEN] = "";

		vta_cli_ifname(p->ifindex, name);
		if (p->gw_family)
			vta_addr_str(p->gw_family, (const union vta_addr *)p->gw6,
				     gw, sizeof(gw));
		off += snprintf(buf + off, len - off, "%s%s%s%s weight %u",
				i ? "," : " ", name, gw[0] ? " gw " : "", gw,
				p->weight);
	}
	if (r->flags)
		snprintf(buf + off, off < len ? len - off : 0, " flags %#x", r->flags);
}

static bool route_same(const struct vctx *v, const struct vta_route *a,
		       const struct vta_route *b)
{
	struct vta_group ga, gb;

	if (a->type != b->type || a->flags != b->flags)
		return false;
	if (a->type != VTA_RT_UNICAST)
		return true;
	if (vta_mem_group(v->want, a->group_id, &ga) ||
	    vta_mem_group(v->have, b->group_id, &gb))
		return false;
	group_norm(&ga);
	group_norm(&gb);
	return !memcmp(&ga, &gb, sizeof(ga));
}

static void pfx_str(int family, uint8_t len, const union vta_addr *a,
		    char *buf, size_t n)
{
	char s[INET6_ADDRSTRLEN];

	snprintf(buf, n, "%s/%u", vta_addr_str(family, a, s, sizeof(s)), len);
}

static void gid_add(struct vctx *v, uint32_t id)
{
	size_t i;

	for (i = 0; i < v->n_gids; i++)
		if (v->gids[i] == id)
			return;
	if (v->n_gids == v->cap_gids) {
		size_t cap = v->cap_gids ? v->cap_gids * 2 : 64;
		uint32_t *n = realloc(v->gids, cap * sizeof(*n));

		if (!n)
			return;
		v->gids = n;
		v->cap_gids = cap;
	}
	v->gids[v->n_gids++] = id;
}

static void want_fib_cb(int family, uint8_t len, const union vta_addr *a,
			const struct vta_route *r, void *data)
{
	struct vctx *v = data;
	struct vta_route h;
	char p[64], d1[512], d2[512];

	v->routes++;
	if (r->type == VTA_RT_UNICAST && v->n_gids < 4096)
		gid_add(v, r->group_id);
	if (vta_mem_fib(v->have, family, len, a, &h)) {
		pfx_str(family, len, a, p, sizeof(p));
		route_desc(v->want, r, d1, sizeof(d1));
		report(v, "missing %s: kernel %s", p, d1);
		return;
	}
	if (!route_same(v, r, &h)) {
		pfx_str(family, len, a, p, sizeof(p));
		route_desc(v->want, r, d1, sizeof(d1));
		route_desc(v->have, &h, d2, sizeof(d2));
		report(v, "differs %s: kernel %s, map %s", p, d1, d2);
	}
}

static void have_fib_cb(int family, uint8_t len, const union vta_addr *a,
			const struct vta_route *r, void *data)
{
	struct vctx *v = data;
	struct vta_route w;
	char p[64], d[512];

	if (!vta_mem_fib(v->want, family, len, a, &w))
		return;
	pfx_str(family, len, a, p, sizeof(p));
	route_desc(v->have, r, d, sizeof(d));
	report(v, "extra %s: map %s", p, d);
}

#define IF_CMP_FLAGS (VTA_IF_F_UP | VTA_IF_F_SA_UP | VTA_IF_F_L2)

static void want_if_cb(uint32_t ifindex, const struct vta_iface *w, void *data)
{
	struct vctx *v = data;
	struct vta_iface h;
	char name[IF_NAMESIZE];

	vta_cli_ifname(ifindex, name);
	if (vta_mem_iface(v->have, ifindex, &h)) {
		report(v, "missing interface %s (ifindex %u): role %u", name,
		       ifindex, w->role);
		return;
	}
	if (h.role != w->role || h.mtu != w->mtu ||
	    (h.flags & IF_CMP_FLAGS) != (w->flags & IF_CMP_FLAGS))
		report(v, "differs interface %s: kernel role %u mtu %u flags %#x, "
		       "map role %u mtu %u flags %#x", name, w->role, w->mtu,
		       w->flags & IF_CMP_FLAGS, h.role, h.mtu,
		       h.flags & IF_CMP_FLAGS);
}

static void have_if_cb(uint32_t ifindex, const struct vta_iface *h, void *data)
{
	struct vctx *v = data;
	struct vta_iface w;
	char name[IF_NAMESIZE];

	if (!vta_mem_iface(v->want, ifindex, &w))
		return;
	vta_cli_ifname(ifindex, name);
	report(v, "extra interface %s (ifindex %u): role %u", name, ifindex,
	       h->role);
}

static void peer_str(const struct vta_peer_key *k, char *buf, size_t n)
{
	char l[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN];

	snprintf(buf, n, "%s <- %s",
		 vta_addr_str(k->family, (const union vta_addr *)k->local, l, sizeof(l)),
		 vta_addr_str(k->family, (const union vta_addr *)k->peer, p, sizeof(p)));
}

static void want_peer_cb(const struct vta_peer_key *k, const struct vta_peer *w,
			 void *data)
{
	struct vctx *v = data;
	struct vta_peer h;
	char s[128];

	peer_str(k, s, sizeof(s));
	if (vta_mem_peer(v->have, k, &h))
		report(v, "missing ESP peer %s: mark %#x/%#x", s, w->mark, w->mask);
	else if (h.mark != w->mark || h.mask != w->mask || h.flags != w->flags)
		report(v, "differs ESP peer %s: kernel mark %#x/%#x, map %#x/%#x",
		       s, w->mark, w->mask, h.mark, h.mask);
}

static void have_peer_cb(const struct vta_peer_key *k, const struct vta_peer *h,
			 void *data)
{
	struct vctx *v = data;
	struct vta_peer w;
	char s[128];

	if (!vta_mem_peer(v->want, k, &w))
		return;
	peer_str(k, s, sizeof(s));
	report(v, "extra ESP peer %s: mark %#x/%#x", s, h->mark, h->mask);
}

/* Copy the pinned maps into memory (the same store as the expectation):
 * 0 or -errno.  Entries gone between get_next_key and lookup are skipped. */
static int read_maps(const struct vta_maps *m, struct vta_mem *mem)
{
	struct vta_sync_out o;
	union { struct vta_fib4_key k4; struct vta_fib6_key k6;
		uint32_t id; struct vta_peer_key pk; } k, next;
	struct vta_route r;
	struct vta_group g;
	struct vta_iface ifc;
	struct vta_peer p;
	union vta_addr a;
	void *prev;
	int err;

	vta_sync_out_mem(&o, mem);
	for (prev = NULL; !bpf_map_get_next_key(m->fib4, prev, &next); prev = &k) {
		k = next;
		if (bpf_map_lookup_elem(m->fib4, &k.k4, &r))
			continue;
		memset(&a, 0, sizeof(a));
		memcpy(a.b, &k.k4.addr, 4);
		err = o.fib_put(o.ctx, AF_INET, k.k4.prefixlen, &a, &r);
		if (err)
			return err;
	}
	for (prev = NULL; !bpf_map_get_next_key(m->fib6, prev, &next); prev = &k) {
		k = next;
		if (bpf_map_lookup_elem(m->fib6, &k.k6, &r))
			continue;
		memcpy(a.b, k.k6.addr, 16);
		err = o.fib_put(o.ctx, AF_INET6, k.k6.prefixlen, &a, &r);
		if (err)
			return err;
	}
	for (prev = NULL; !bpf_map_get_next_key(m->groups, prev, &next); prev = &k) {
		k = next;
		if (bpf_map_lookup_elem(m->groups, &k.id, &g))
			continue;
		err = o.group_put(o.ctx, k.id, &g);
		if (err)
			return err;
	}
	for (prev = NULL; !bpf_map_get_next_key(m->ifaces, prev, &next); prev = &k) {
		k = next;
		if (bpf_map_lookup_elem(m->ifaces, &k.id, &ifc))
			continue;
		err = o.iface_put(o.ctx, k.id, &ifc);
		if (err)
			return err;
	}
	for (prev = NULL; !bpf_map_get_next_key(m->peers, prev, &next); prev = &k) {
		k = next;
		if (bpf_map_lookup_elem(m->peers, &k.pk, &p))
			continue;
		err = o.peer_put(o.ctx, &k.pk, &p);
		if (err)
			return err;
	}
	return 0;
}

static void role_cb(uint32_t ifindex, const struct vta_iface *ifc, void *data)
{
	struct vta_conf *c = data;
	struct vta_patterns *p;
	char name[IF_NAMESIZE];

	switch (ifc->role) {
	case VTA_ROLE_LAN: p = &c->lan; break;
	case VTA_ROLE_WAN: p = &c->wan; break;
	case VTA_ROLE_TUNNEL: p = &c->tunnel; break;
	default: return;
	}
	if (p->n < VTA_CONF_MAX_PATTERNS && if_indextoname(ifindex, name))
		snprintf(p->pat[p->n++], IFNAMSIZ, "%s", name);
}

/* The daemon's interfaces, by their current names. */
static void roles_from_map(const struct vta_mem *have, struct vta_conf *c)
{
	c->lan.n = c->wan.n = c->tunnel.n = 0;
	vta_mem_foreach_iface(have, role_cb, c);
}

int cmd_verify(int argc, char **argv)
{
	struct vta_conf c;
	struct vta_run_extra x;
	struct vta_maps maps;
	struct vta_mem *want = NULL, *have = NULL;
	struct vta_sync_out out;
	struct vta_sync *s = NULL;
	struct vta_nl nl;
	struct vctx v = { 0 };
	int err, ret = 2;

	if (vta_run_conf(argc, argv, &c, &x))
		return 2;
	v.json = x.json || vta_g.json;
	v.first = true;
	err = vta_maps_open_pinned(&maps, c.pin_root);
	if (err) {
		fprintf(stderr, "verify: open maps under %s: %s (is the daemon "
			"running?)\n", c.pin_root, strerror(-err));
		return 2;
	}
	want = vta_mem_new();
	have = vta_mem_new();
	if (!want || !have) {
		fprintf(stderr, "verify: %s\n", strerror(ENOMEM));
		goto out;
	}
	err = read_maps(&maps, have);
	if (err) {
		fprintf(stderr, "verify: read the maps under %s: %s\n",
			c.pin_root, strerror(-err));
		goto out;
	}
	if (!c.lan.n)
		roles_from_map(have, &c);

	err = vta_nl_open(&nl, false, 0);
	if (err)
		goto out;
	vta_sync_out_mem(&out, want);
	s = vta_sync_new(&c, &out, NULL);
	if (!s) {
		fprintf(stderr, "verify: %s\n", strerror(ENOMEM));
		goto out_nl;
	}
	if (x.no_sa_aware)
		vta_sync_set_sa_aware(s, false);
	vta_sync_set_xfrm(s, nl.xdump != NULL);
	err = vta_sync_full(s, &nl);
	if (err) {
		fprintf(stderr, "verify: dump the kernel: %s\n", strerror(-err));
		goto out_nl;
	}

	v.want = want;
	v.have = have;
	if (v.json)
		printf("{\"differences\":[");
	vta_mem_foreach_fib(want, want_fib_cb, &v);
	vta_mem_foreach_fib(have, have_fib_cb, &v);
	vta_mem_foreach_iface(want, want_if_cb, &v);
	vta_mem_foreach_iface(have, have_if_cb, &v);
	vta_mem_foreach_peer(want, want_peer_cb, &v);
	vta_mem_foreach_peer(have, have_peer_cb, &v);
	if (v.json)
		printf("],\"drift\":%lu,\"routes\":%lu,\"groups\":%zu,"
		       "\"interfaces\":%lu}\n", v.drift, v.routes, v.n_gids,
		       vta_mem_count_ifaces(want));
	else if (!v.drift)
		printf("no drift: %lu routes, %zu groups, %lu interfaces\n",
		       v.routes, v.n_gids, vta_mem_count_ifaces(want));
	else
		printf("drift: %lu differences (%lu routes, %lu interfaces in "
		       "the kernel)\n", v.drift, v.routes,
		       vta_mem_count_ifaces(want));
	ret = v.drift ? 1 : 0;
out_nl:
	vta_sync_free(s);
	vta_nl_close(&nl);
out:
	vta_mem_free(want);
	vta_mem_free(have);
	vta_maps_close(&maps);
	free(v.gids);
	return ret;
}
