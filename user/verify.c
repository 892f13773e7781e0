// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * verify.c - `vtiaccel verify`: dump the kernel afresh (links, nexthops,
 * routes, XFRM states when readable), translate it with the daemon's own
 * code (user/sync*.c) into an expected map content, read the pinned maps and
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
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "cli.h"
#include "fib4.h"
#include "ifdata.h"
#include "cmd.h"
#include "conf.h"
#include "loader.h"
#include "liveness.h"
#include "mapwalk.h"
#include "log.h"
#include "netlink.h"
#include "print.h"
#include "resilient.h"
#include "run.h"
#include "sync.h"

/* One difference: what, where, and both sides' view (NULL: absent). */
struct diff {
	const char *kind;	/* "missing" (in the kernel, not the maps),
				 * "extra" (in the maps only), "differs" */
	const char *table;	/* "fib", "interfaces", "peers" */
	char key[64];
	char *kernel, *maps;
};

struct vctx {
	const struct vta_mem *want, *have;
	unsigned long routes;
	uint32_t *gids;
	size_t n_gids, cap_gids;
	struct diff *d;
	size_t n_d, cap_d;
	bool nomem;
	struct vta_fib4_view fv;	/* the tables the programs read */
};

static void report(struct vctx *v, const char *kind, const char *table,
		   const char *key, const char *kernel, const char *maps)
{
	struct diff *d;

	if (v->n_d == v->cap_d) {
		size_t cap = v->cap_d ? v->cap_d * 2 : 16;
		struct diff *n = realloc(v->d, cap * sizeof(*n));

		if (!n) {
			v->nomem = true;
			return;
		}
		v->d = n;
		v->cap_d = cap;
	}
	d = &v->d[v->n_d];
	d->kind = kind;
	d->table = table;
	snprintf(d->key, sizeof(d->key), "%s", key);
	d->kernel = kernel ? strdup(kernel) : NULL;
	d->maps = maps ? strdup(maps) : NULL;
	if ((kernel && !d->kernel) || (maps && !d->maps)) {
		free(d->kernel);
		free(d->maps);
		v->nomem = true;
		return;
	}
	v->n_d++;
}

/* One call site per field, text and JSON alike:
 *   differs 172.31.0.0/16: kernel via vti1 weight 1, map via vti2 weight 1 */
static void print_diff(const struct diff *d)
{
	open_json_object(NULL);
	print_string(PRINT_ANY, "kind", "%s ", d->kind);
	print_string(PRINT_JSON, "table", NULL, d->table);
	print_string(PRINT_ANY, "key", "%s", d->key);
	if (d->kernel)
		print_string(PRINT_ANY, "kernel", ": kernel %s", d->kernel);
	else
		print_null(PRINT_JSON, "kernel", NULL);
	if (d->maps)
		print_string(PRINT_ANY, "maps", d->kernel ? ", map %s" : ": map %s",
			     d->maps);
	else
		print_null(PRINT_JSON, "maps", NULL);
	print_nl();
	close_json_object();
}

static int path_cmp(const void *a, const void *b)
{
	const struct vta_nh *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return memcmp(x->gw6, y->gw6, 16);
}

/* Canonical form: paths sorted, unused slots zero, buckets counted. */
static void group_norm(struct vta_group *g)
{
	if (g->n_paths > VTA_MAX_PATHS)
		g->n_paths = VTA_MAX_PATHS;
	memset(&g->paths[g->n_paths], 0,
	       (VTA_MAX_PATHS - g->n_paths) * sizeof(g->paths[0]));
	/* bucket tables depend on history: compare the shares */
	vta_rb_canon(g, path_cmp);
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

/* The longest prefix of the expectation that holds addr (host order). */
static int want4_match(const struct vta_mem *m, uint32_t addr, uint8_t *len,
		       struct vta_route *r)
{
	union vta_addr a;
	uint32_t n;
	int l;

	for (l = 32; l >= 0; l--) {
		memset(&a, 0, sizeof(a));
		n = htonl(l ? addr & ~0U << (32 - l) : 0);
		memcpy(a.b, &n, 4);
		if (!vta_mem_fib(m, AF_INET, l, &a, r)) {
			*len = l;
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * The programs' IPv4 answer (the DIR-24-8 tables, not the LPM trie) at
 * the first and the last address of a prefix the kernel has: the same
 * longest match as the kernel's routes give.
 */
static void check_tables4(struct vctx *v, uint8_t len, const union vta_addr *a)
{
	const struct vta_fib4_slot *sl;
	const struct vta_route *pr;
	struct vta_route wr;
	uint32_t x, ends[2];
	uint8_t wl;
	char p[64], d1[512], d2[512];
	int i;

	if (!v->fv.l1)
		return;
	memcpy(&x, a->b, 4);
	ends[0] = ntohl(x);
	ends[1] = ends[0] | (len ? ~(~0U << (32 - len)) : ~0U);
	for (i = 0; i < 2; i++) {
		if (want4_match(v->want, ends[i], &wl, &wr))
			continue;
		sl = NULL;
		pr = vta_fib4_view_route(&v->fv, ends[i], &sl);
		/* the programs read pr: the prefix's interned value */
		if (pr && sl->len == wl && route_same(v, &wr, &sl->r) &&
		    !memcmp(pr, &sl->r, sizeof(*pr)))
			continue;
		x = htonl(ends[i]);
		inet_ntop(AF_INET, &x, p, sizeof(p));
		snprintf(p + strlen(p), sizeof(p) - strlen(p), "/32");
		route_desc(v->want, &wr, d1, sizeof(d1));
		if (sl) {
			char q[INET_ADDRSTRLEN];

			inet_ntop(AF_INET, &sl->addr, q, sizeof(q));
			snprintf(d2, sizeof(d2), "%s/%u: ", q, sl->len);
			route_desc(v->have, pr ? pr : &sl->r, d2 + strlen(d2),
				   sizeof(d2) - strlen(d2));
		}
		report(v, "differs", "fib4 tables", p, d1, sl ? d2 : "no route");
		return;
	}
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
	if (family == AF_INET)
		check_tables4(v, len, a);
	if (vta_mem_fib(v->have, family, len, a, &h)) {
		pfx_str(family, len, a, p, sizeof(p));
		route_desc(v->want, r, d1, sizeof(d1));
		report(v, "missing", "fib", p, d1, NULL);
		return;
	}
	if (!route_same(v, r, &h)) {
		pfx_str(family, len, a, p, sizeof(p));
		route_desc(v->want, r, d1, sizeof(d1));
		route_desc(v->have, &h, d2, sizeof(d2));
		report(v, "differs", "fib", p, d1, d2);
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
	report(v, "extra", "fib", p, NULL, d);
}

#define IF_CMP_FLAGS (VTA_IF_F_UP | VTA_IF_F_SA_UP | VTA_IF_F_L2)

static void if_desc(const struct vta_iface *i, char *buf, size_t len)
{
	snprintf(buf, len, "role %s mtu %u flags %#x", vta_role_name(i->role),
		 i->mtu, i->flags & IF_CMP_FLAGS);
}

static void want_if_cb(uint32_t ifindex, const struct vta_iface *w, void *data)
{
	struct vctx *v = data;
	struct vta_iface h;
	char name[IF_NAMESIZE], key[64], d1[96], d2[96];

	snprintf(key, sizeof(key), "%s (ifindex %u)",
		 vta_cli_ifname(ifindex, name), ifindex);
	if_desc(w, d1, sizeof(d1));
	if (vta_mem_iface(v->have, ifindex, &h)) {
		report(v, "missing", "interfaces", key, d1, NULL);
		return;
	}
	if (h.role != w->role || h.mtu != w->mtu ||
	    (h.flags & IF_CMP_FLAGS) != (w->flags & IF_CMP_FLAGS)) {
		if_desc(&h, d2, sizeof(d2));
		report(v, "differs", "interfaces", key, d1, d2);
	}
}

static void have_if_cb(uint32_t ifindex, const struct vta_iface *h, void *data)
{
	struct vctx *v = data;
	struct vta_iface w;
	char name[IF_NAMESIZE], key[64], d[96];

	if (!vta_mem_iface(v->want, ifindex, &w))
		return;
	snprintf(key, sizeof(key), "%s (ifindex %u)",
		 vta_cli_ifname(ifindex, name), ifindex);
	if_desc(h, d, sizeof(d));
	report(v, "extra", "interfaces", key, NULL, d);
}

static void peer_str(const struct vta_peer_key *k, char *buf, size_t n)
{
	char l[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN];

	snprintf(buf, n, "%s <- %s",
		 vta_addr_str(k->family, (const union vta_addr *)k->local, l, sizeof(l)),
		 vta_addr_str(k->family, (const union vta_addr *)k->peer, p, sizeof(p)));
}

static void peer_desc(const struct vta_peer *p, char *buf, size_t len)
{
	snprintf(buf, len, "mark %#x/%#x flags %#x", p->mark, p->mask, p->flags);
}

static void want_peer_cb(const struct vta_peer_key *k, const struct vta_peer *w,
			 void *data)
{
	struct vctx *v = data;
	struct vta_peer h;
	char s[128], d1[64], d2[64];

	peer_str(k, s, sizeof(s));
	peer_desc(w, d1, sizeof(d1));
	if (vta_mem_peer(v->have, k, &h)) {
		report(v, "missing", "peers", s, d1, NULL);
	} else if (h.mark != w->mark || h.mask != w->mask || h.flags != w->flags) {
		peer_desc(&h, d2, sizeof(d2));
		report(v, "differs", "peers", s, d1, d2);
	}
}

static void have_peer_cb(const struct vta_peer_key *k, const struct vta_peer *h,
			 void *data)
{
	struct vctx *v = data;
	struct vta_peer w;
	char s[128], d[64];

	if (!vta_mem_peer(v->want, k, &w))
		return;
	peer_str(k, s, sizeof(s));
	peer_desc(h, d, sizeof(d));
	report(v, "extra", "peers", s, NULL, d);
}

struct read4 {
	struct vta_sync_out *o;
	int err;
};

static void read4_cb(const struct vta_fib4_slot *sl, void *data)
{
	struct read4 *r = data;
	union vta_addr a;
	int err;

	memset(&a, 0, sizeof(a));
	memcpy(a.b, &sl->addr, 4);
	err = r->o->fib_put(r->o->ctx, AF_INET, sl->len, &a, &sl->r);
	if (err && !r->err)
		r->err = err;
}

static int read6_cb(const void *key, const void *value, void *ctx)
{
	const struct vta_fib6_key *k = key;
	const struct vta_sync_out *o = ctx;
	union vta_addr a;

	memcpy(a.b, k->addr, 16);
	return o->fib_put(o->ctx, AF_INET6, k->prefixlen, &a, value);
}

static int read_group_cb(const void *key, const void *value, void *ctx)
{
	const struct vta_sync_out *o = ctx;

	return o->group_put(o->ctx, *(const uint32_t *)key, value);
}

static int read_peer_cb(const void *key, const void *value, void *ctx)
{
	const struct vta_sync_out *o = ctx;

	return o->peer_put(o->ctx, key, value);
}

/* Copy the pinned maps into memory (the same store as the expectation):
 * 0 or -errno.  Entries gone between get_next_key and lookup are skipped.
 * IPv4: the prefixes of the route slots (the only IPv4 FIB: fib4.h). */
static int read_maps(const struct vta_maps *m, struct vta_mem *mem)
{
	struct vta_sync_out o;
	uint32_t k, next, *prev;
	struct vta_fib4_view fv;
	struct read4 r4 = { .o = &o };
	struct vta_iface ifc;
	int err;

	vta_sync_out_mem(&o, mem);
	err = vta_fib4_map(&fv, m, false);
	if (err)
		return err;
	vta_fib4_view_foreach(&fv, read4_cb, &r4);
	vta_fib4_unmap(&fv);
	if (r4.err)
		return r4.err;
	err = vta_map_walk(m->fib6, sizeof(struct vta_fib6_key),
			   sizeof(struct vta_route), read6_cb, &o);
	if (!err)
		err = vta_map_walk(m->groups, sizeof(uint32_t),
				   sizeof(struct vta_group), read_group_cb, &o);
	if (err)
		return err;
	for (prev = NULL; !vta_iface_next(m, prev, &next); prev = &k) {
		k = next;
		if (vta_iface_lookup(m, k, &ifc))
			continue;
		/* an entry the programs cannot find is not in the maps */
		if (!vta_iface_indexed(m, k, ifc.slot))
			continue;
		err = o.iface_put(o.ctx, k, &ifc);
		if (err)
			return err;
	}
	return vta_map_walk(m->peers, sizeof(struct vta_peer_key),
			    sizeof(struct vta_peer), read_peer_cb, &o);
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

static void print_result(const struct vctx *v, const struct vta_mem *want)
{
	size_t i;

	open_json_object(NULL);
	print_uint(PRINT_JSON, "drift", NULL, v->n_d);
	open_json_array("differences");
	for (i = 0; i < v->n_d; i++)
		print_diff(&v->d[i]);
	close_json_array();
	if (v->n_d)
		print_uint(PRINT_TEXT, NULL, "drift: %" PRIu64 " differences (",
			   v->n_d);
	else
		print_text("no drift: ");
	print_uint(PRINT_ANY, "routes", "%" PRIu64 " routes, ", v->routes);
	print_uint(PRINT_ANY, "groups", "%" PRIu64 " groups, ", v->n_gids);
	print_uint(PRINT_ANY, "interfaces", "%" PRIu64 " interfaces",
		   vta_mem_count_ifaces(want));
	print_uint(PRINT_ANY, "peers", ", %" PRIu64 " ESP peers",
		   vta_mem_count_peers(want));
	print_text(v->n_d ? " in the kernel)\n" : "\n");
	close_json_object();
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
	char root[PATH_MAX], hint[512];
	int pid;
	size_t i;
	int err, ret = 2;

	if (vta_run_conf(argc, argv, &c, &x))
		return 2;
	if (x.json && !vta_print_is_json())
		vta_print_init(true, false);
	/* pins of a daemon started with `ip netns exec` (user/pins.c) */
	vta_pins_find(c.pin_root, root, sizeof(root), &pid, hint, sizeof(hint));
	snprintf(c.pin_root, sizeof(c.pin_root), "%s", root);
	err = vta_maps_open_pinned(&maps, c.pin_root);
	if (err) {
		vta_print_error("verify: open maps under %s: %s (%s)", c.pin_root,
				strerror(-err), hint[0] ? hint :
				"is the daemon running?");
		return 2;
	}
	want = vta_mem_new();
	have = vta_mem_new();
	if (!want || !have) {
		vta_print_error("verify: %s", strerror(ENOMEM));
		goto out;
	}
	err = read_maps(&maps, have);
	if (err) {
		vta_print_error("verify: read the maps under %s: %s",
				c.pin_root, strerror(-err));
		goto out;
	}
	if (!c.lan.n)
		roles_from_map(have, &c);

	err = vta_nl_open(&nl, false, 0);
	if (err) {
		vta_print_error("verify: open netlink: %s", strerror(-err));
		goto out;
	}
	vta_sync_out_mem(&out, want);
	s = vta_sync_new(&c, &out, NULL);
	if (!s) {
		vta_print_error("verify: %s", strerror(ENOMEM));
		goto out_nl;
	}
	if (x.no_sa_aware)
		vta_sync_set_sa_aware(s, false);
	vta_sync_set_xfrm(s, nl.xdump != NULL);
	/* tunnels the daemon's liveness holds down are a decision, not drift */
	vta_live_apply_held(s, c.pin_root);
	err = vta_sync_full(s, &nl);
	if (err) {
		vta_print_error("verify: dump the kernel: %s", strerror(-err));
		goto out_nl;
	}

	v.want = want;
	v.have = have;
	err = vta_fib4_map(&v.fv, &maps, false);
	if (err) {
		vta_print_error("verify: mmap the IPv4 FIB tables under %s: %s",
				c.pin_root, strerror(-err));
		goto out_nl;
	}
	vta_mem_foreach_fib(want, want_fib_cb, &v);
	vta_mem_foreach_fib(have, have_fib_cb, &v);
	vta_mem_foreach_iface(want, want_if_cb, &v);
	vta_mem_foreach_iface(have, have_if_cb, &v);
	vta_mem_foreach_peer(want, want_peer_cb, &v);
	vta_mem_foreach_peer(have, have_peer_cb, &v);
	if (v.nomem) {
		vta_print_error("verify: %s", strerror(ENOMEM));
		goto out_nl;
	}
	print_result(&v, want);
	ret = v.n_d ? 1 : 0;
out_nl:
	vta_sync_free(s);
	vta_nl_close(&nl);
out:
	vta_mem_free(want);
	vta_mem_free(have);
	vta_fib4_unmap(&v.fv);
	vta_maps_close(&maps);
	for (i = 0; i < v.n_d; i++) {
		free(v.d[i].kernel);
		free(v.d[i].maps);
	}
	free(v.d);
	free(v.gids);
	return ret;
}

static const struct vta_cmd_opt verify_opts[] = {
	VTA_OPT_JSON("JSON output (also as a global option)"),
	{ 0 },
};

const struct vta_cmd vta_cmd_verify = {
	.name = "verify",
	.fn = cmd_verify,
	.args = "[-j] [--KEY VALUE]...",
	.summary = "compare the maps with the kernel's routes and interfaces",
	.desc = "Compares the maps with the kernel FIB and interfaces. Takes the "
		"configuration options of run, so that it judges the same "
		"interfaces and table. Exit status: 0 the maps match the kernel; "
		"1 they differ (each difference is listed); 2 verify could not "
		"compare (bad arguments or configuration, no maps under the pin "
		"root, netlink failed).",
	.opts = verify_opts,
	.needs_conf = true,
};
