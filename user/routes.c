// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * `vtiaccel routes`: the FIB as the programs see it (IPv4: the route slots
 * of the DIR-24-8 tables; IPv6: the LPM trie; the nexthop groups they
 * point to), with interfaces by name.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>

#include "cli.h"
#include "fib4.h"
#include "liveness.h"
#include "mapwalk.h"
#include "cmd.h"
#include "netlink.h"
#include "print.h"

long vta_cli_map_count(int fd, size_t key_size)
{
	__u8 key[64], next[64];
	void *prev = NULL;
	long n = 0;

	/* keys only: no value read per element (vta_map_walk() reads it) */
	if (key_size > sizeof(key))
		return -EINVAL;
	while (!bpf_map_get_next_key(fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		n++;
	}
	return errno == ENOENT ? n : -errno;
}

static int cmp_route(const void *a, const void *b)
{
	const struct vta_cli_route *x = a, *y = b;
	int c = memcmp(x->addr, y->addr, 16);

	if (c)
		return c;
	return x->plen < y->plen ? -1 : x->plen > y->plen;
}

struct list4 {
	struct vta_cli_route *v;
	size_t n, cap;
	int err;
};

static void list4_cb(const struct vta_fib4_slot *sl, void *data)
{
	struct list4 *l = data;
	struct vta_cli_route *r;

	if (l->err)
		return;
	if (vta_cli_grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v), 1024)) {
		l->err = -ENOMEM;
		return;
	}
	r = &l->v[l->n++];
	memset(r, 0, sizeof(*r));
	r->family = VTA_AF_INET;
	r->plen = sl->len;
	memcpy(r->addr, &sl->addr, 4);
	r->r = sl->r;
}

/* IPv4: the live route slots (fib4.h), in slot order. */
static int routes4(const struct vta_maps *m, struct vta_cli_route **out,
		   size_t *n)
{
	struct list4 l = { 0 };
	struct vta_fib4_view fv;
	int err;

	err = vta_fib4_map(&fv, m, false);
	if (err)
		return err;
	vta_fib4_view_foreach(&fv, list4_cb, &l);
	vta_fib4_unmap(&fv);
	if (l.err) {
		free(l.v);
		return l.err;
	}
	*out = l.v;
	*n = l.n;
	return 0;
}

struct list6 {
	struct vta_cli_route *v;
	size_t n, cap;
};

static int list6_cb(const void *key, const void *value, void *ctx)
{
	const struct vta_fib6_key *k = key;
	struct list6 *l = ctx;
	struct vta_cli_route *r;

	if (vta_cli_grow((void **)&l->v, &l->cap, l->n, sizeof(*l->v), 64))
		return -ENOMEM;
	r = &l->v[l->n++];
	memset(r, 0, sizeof(*r));
	r->family = VTA_AF_INET6;
	r->plen = k->prefixlen;
	memcpy(r->addr, k->addr, 16);
	memcpy(&r->r, value, sizeof(r->r));
	return 0;
}

int vta_cli_routes(const struct vta_maps *m, int family,
		   struct vta_cli_route **out)
{
	struct vta_cli_route *v = NULL;
	struct list6 l6 = {};
	size_t n = 0;
	int err;

	*out = NULL;
	if (family == VTA_AF_INET) {
		err = routes4(m, &v, &n);
		if (err)
			return err;
		goto sort;
	}
	err = vta_map_walk(m->fib6, sizeof(struct vta_fib6_key),
			   sizeof(struct vta_route), list6_cb, &l6);
	if (err) {
		free(l6.v);
		return err;
	}
	v = l6.v;
	n = l6.n;
sort:
	if (n)
		qsort(v, n, sizeof(*v), cmp_route);
	*out = v;
	return n;
}

void vta_cli_prefix_str(const struct vta_cli_route *r, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	vta_addr_str(r->family == VTA_AF_INET6 ? AF_INET6 : AF_INET,
		     (const union vta_addr *)r->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, r->plen);
}

void vta_cli_print_nh(const struct vta_nh *nh)
{
	char gw[INET6_ADDRSTRLEN], name[IF_NAMESIZE];

	if (nh->gw_family) {
		vta_addr_str(nh->gw_family == VTA_AF_INET6 ? AF_INET6 : AF_INET,
			     (const union vta_addr *)&nh->gw6, gw, sizeof(gw));
		print_string(PRINT_ANY, "gateway", "via %s ", gw);
	}
	print_string(PRINT_ANY, "dev", "dev %s ", vta_cli_ifname(nh->ifindex, name));
	print_uint(PRINT_JSON, "ifindex", NULL, nh->ifindex);
	print_uint(PRINT_ANY, "weight", "weight %" PRIu64 " ", nh->weight);
	print_string(PRINT_ANY, "kind", "%s", vta_nh_kind_name(nh->kind));
}

void vta_cli_print_route(const struct vta_maps *m, const struct vta_cli_route *r,
			 int pick)
{
	struct vta_group g;
	char pfx[INET6_ADDRSTRLEN + 8];
	__u32 i;

	vta_cli_prefix_str(r, pfx, sizeof(pfx));
	print_string(PRINT_ANY, "dst", "%s ", pfx);
	print_string(PRINT_ANY, "type", "%s", vta_rt_type_name(r->r.type));
	if (r->r.flags & VTA_RT_F_VIA_TUNNEL)
		print_text(" via-tunnel");
	if (r->r.flags & VTA_RT_F_GATEWAY)
		print_text(" gateway");
	open_json_array("flags");
	if (r->r.flags & VTA_RT_F_VIA_TUNNEL)
		print_string(PRINT_JSON, NULL, NULL, "via-tunnel");
	if (r->r.flags & VTA_RT_F_GATEWAY)
		print_string(PRINT_JSON, NULL, NULL, "gateway");
	close_json_array();
	if (r->r.type != VTA_RT_UNICAST) {
		print_nl();
		return;
	}
	print_uint(PRINT_ANY, "group", " group %" PRIu64, r->r.group_id);
	if (bpf_map_lookup_elem(m->groups, &r->r.group_id, &g)) {
		/* The programs pass such packets to the kernel: say so. */
		print_bool(PRINT_JSON, "group_missing", NULL, true);
		print_text(" (group missing)\n");
		return;
	}
	print_nl();
	open_json_array("nexthops");
	for (i = 0; i < g.n_paths && i < VTA_MAX_PATHS; i++) {
		open_json_object(NULL);
		print_text("\tnexthop ");
		vta_cli_print_nh(&g.paths[i]);
		if (pick >= 0) {
			print_bool(PRINT_JSON, "chosen", NULL, (int)i == pick);
			if ((int)i == pick)
				print_text("  <- chosen");
		}
		print_nl();
		close_json_object();
	}
	close_json_array();
	if (!g.n_paths)
		print_text("\t(no usable nexthop)\n");
	/* members liveness holds out of the group: after n_paths (user/sync_group.c) */
	open_json_array("held_down");
	for (i = g.n_paths; i < VTA_MAX_PATHS && g.paths[i].ifindex; i++) {
		open_json_object(NULL);
		print_text("\theld down: nexthop ");
		vta_cli_print_nh(&g.paths[i]);
		print_text(" ");
		vta_live_print(g.paths[i].ifindex);
		print_nl();
		close_json_object();
	}
	close_json_array();
}

int cmd_routes(int argc, char **argv)
{
	int fams[2] = { VTA_AF_INET, VTA_AF_INET6 }, nf = 2, f, opt, ret = 0;
	struct vta_maps m;

	while ((opt = vta_cmd_getopt(&vta_cmd_routes, argc, argv)) != -1) {
		switch (opt) {
		case '4':
			fams[0] = VTA_AF_INET;
			nf = 1;
			break;
		case '6':
			fams[0] = VTA_AF_INET6;
			nf = 1;
			break;
		case 'j':
			vta_print_init(true, false);
			break;
		case 'h':
			return vta_cmd_usage("routes", false);
		default:
			return vta_cmd_usage("routes", true);
		}
	}
	if (optind < argc) {
		vta_print_error("routes: unexpected argument '%s'", argv[optind]);
		return 2;
	}
	if (vta_cli_open_maps(&m))
		return 1;
	open_json_object(NULL);
	open_json_array("routes");
	for (f = 0; f < nf; f++) {
		struct vta_cli_route *r;
		int n, i;

		n = vta_cli_routes(&m, fams[f], &r);
		if (n < 0) {
			ret = vta_print_error("read %s: %s",
					      fams[f] == VTA_AF_INET ? VTA_MAP_NAME(fib4_rt) : VTA_MAP_NAME(fib6),
					      strerror(-n));
			goto out;
		}
		for (i = 0; i < n; i++) {
			open_json_object(NULL);
			print_string(PRINT_JSON, "family", NULL,
				     fams[f] == VTA_AF_INET ? "inet" : "inet6");
			vta_cli_print_route(&m, &r[i], -1);
			close_json_object();
		}
		free(r);
	}
	close_json_array();
	close_json_object();
out:
	vta_maps_close(&m);
	return ret;
}

static const struct vta_cmd_opt routes_opts[] = {
	{ '4', NULL, true, NULL, "IPv4 routes only", NULL },
	{ '6', NULL, true, NULL, "IPv6 routes only", NULL },
	VTA_OPT_JSON("JSON output"),
	{ 0 },
};

const struct vta_cmd vta_cmd_routes = {
	.name = "routes",
	.fn = cmd_routes,
	.args = "[-4|-6] [-j]",
	.summary = "the FIB in the maps, with nexthops by interface name",
	.desc = "Dumps the IPv4 and IPv6 route maps: prefix, type, nexthop group "
		"and its members (via GATEWAY dev NAME weight W).",
	.opts = routes_opts,
	.needs_conf = true,
};
