// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Route/nexthop/link -> map translation (user/sync*.c), fed with crafted
 * netlink messages, checked on the in-memory map store.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sync_fx.h"

enum { DOCKER = 9 };

static char buf[NLB_BUFSZ];

/* What the link hooks saw. */
static struct {
	int added, removed;
	int last_removed;
	bool last_gone;
} seen;

static void hook_added(void *ctx, int ifindex, const char *name,
		       enum vta_role role)
{
	seen.added++;
}

static void hook_removed(void *ctx, int ifindex, const char *name,
			 enum vta_role role, bool gone)
{
	seen.removed++;
	seen.last_removed = ifindex;
	seen.last_gone = gone;
}

/* eth0 (WAN), eth1 (LAN), vti1/vti2 as VTIs, docker0 unmanaged */
static void links(struct sfx *f)
{
	sfx_links(f, SFX_ETH | SFX_VTI);
	sfx_msg(f, nlb_link(buf, RTM_NEWLINK, DOCKER, "docker0", ARPHRD_ETHER,
			    NLB_UP, 1500, NULL));
}

/* The link hooks count; the MSS from the SAs. */
static int setup(void **state)
{
	static const struct vta_sync_hooks hooks = { NULL, hook_added,
						     hook_removed };
	struct sfx *f = calloc(1, sizeof(*f));

	memset(&seen, 0, sizeof(seen));
	sfx_conf(f);
	f->conf.mss_mode = VTA_MSS_SA;
	sfx_start(f, NULL, &hooks);
	links(f);
	*state = f;
	return 0;
}

static void group_of(struct sfx *f, const char *dst, int len,
		     struct vta_route *r, struct vta_group *g)
{
	assert_int_equal(sfx_fib(f, dst, len, r), 0);
	assert_int_equal(r->type, VTA_RT_UNICAST);
	assert_int_equal(vta_mem_group(f->mem, r->group_id, g), 0);
}

/* member index of ifindex in g, -1 if none */
static int member(const struct vta_group *g, uint32_t ifindex)
{
	uint32_t i;

	for (i = 0; i < g->n_paths; i++)
		if (g->paths[i].ifindex == ifindex)
			return i;
	return -1;
}

static void test_links_managed(void **state)
{
	struct sfx *f = *state;
	struct vta_iface v;
	struct vta_peer_key k = { .family = VTA_AF_INET };
	struct vta_peer p;

	assert_int_equal(vta_mem_count_ifaces(f->mem), 4);	/* not docker0 */
	assert_int_equal(seen.added, 4);
	assert_int_equal(vta_mem_iface(f->mem, VTI1, &v), 0);
	assert_int_equal(v.role, VTA_ROLE_TUNNEL);
	assert_int_equal(v.mtu, 1436);
	assert_true(v.flags & VTA_IF_F_UP);
	assert_false(v.flags & VTA_IF_F_L2);
	assert_true(v.flags & VTA_IF_F_SA_UP);	/* no XFRM: unknown -> usable */
	assert_true(v.flags & VTA_IF_F_CLEAR_MARK);
	assert_int_equal(v.mark, 100);
	assert_int_equal(v.mark_mask, 0xffffffff);
	/* SA mode without a known SA falls back to the tunnel MTU */
	assert_int_equal(v.mss4, 1436 - 40);
	assert_int_equal(v.mss6, 1436 - 60);
	assert_int_not_equal(v.slot, 0);
	assert_int_equal(vta_mem_iface(f->mem, ETH1, &v), 0);
	assert_int_equal(v.role, VTA_ROLE_LAN);
	assert_true(v.flags & VTA_IF_F_L2);
	assert_int_equal(v.mss4, 0);
	assert_int_equal(vta_mem_iface(f->mem, DOCKER, &v), -ENOENT);
	/* ESP peer from the VTI attributes */
	inet_pton(AF_INET, "10.16.1.254", k.local);
	inet_pton(AF_INET, "203.0.113.10", k.peer);
	assert_int_equal(vta_mem_peer(f->mem, &k, &p), 0);
	assert_int_equal(p.mark, 100);
	assert_int_equal(p.mask, 0xffffffff);
	assert_int_equal(p.tunnel_ifindex, VTI1);
	assert_int_equal(vta_mem_count_peers(f->mem), 2);
}

static void test_multipath_weights(void **state)
{
	struct sfx *f = *state;
	struct nlb_nh nh[] = { { VTI1, "169.254.10.1", 2 }, { VTI2, "169.254.11.1", 1 } };
	struct vta_route r;
	struct vta_group g;
	uint32_t gid;
	int i1, i2;

	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "172.31.0.0", 16, 254,
			     RTN_UNICAST, 20, 0, nh, 2));
	group_of(f, "172.31.0.0", 16, &r, &g);
	assert_true(r.group_id >= VTA_SYNC_MSET_ID_BASE);
	assert_int_equal(r.flags, VTA_RT_F_VIA_TUNNEL | VTA_RT_F_GATEWAY);
	assert_int_equal(g.n_paths, 2);
	assert_int_equal(g.total_weight, 3);
	i1 = member(&g, VTI1);
	i2 = member(&g, VTI2);
	assert_true(i1 >= 0 && i2 >= 0);
	assert_int_equal(g.paths[i1].weight, 2);
	assert_int_equal(g.paths[i2].weight, 1);
	assert_int_equal(g.paths[i1].kind, VTA_NH_TUNNEL);
	assert_int_equal(g.paths[i1].gw_family, VTA_AF_INET);
	assert_int_equal(g.paths[i1].gw4, sfx_addr("169.254.10.1").v4);

	/* a second route with the same members shares the group */
	{
		struct vta_route r2;

		sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "10.99.0.0", 16, 254,
				     RTN_UNICAST, 20, 0, nh, 2));
		assert_int_equal(sfx_fib(f, "10.99.0.0", 16, &r2), 0);
		assert_int_equal(r2.group_id, r.group_id);
	}
	/* the group lives while a route uses it */
	gid = r.group_id;
	sfx_msg(f, nlb_route(buf, RTM_DELROUTE, "172.31.0.0", 16, 254,
			     RTN_UNICAST, 20, 0, nh, 2));
	assert_int_equal(sfx_fib(f, "172.31.0.0", 16, &r), -ENOENT);
	assert_int_equal(vta_mem_group(f->mem, gid, &g), 0);
	sfx_msg(f, nlb_route(buf, RTM_DELROUTE, "10.99.0.0", 16, 254,
			     RTN_UNICAST, 20, 0, nh, 2));
	assert_int_equal(vta_mem_count_fib(f->mem), 0);
	assert_int_equal(vta_mem_count_groups(f->mem), 0);
}

static void test_connected_lan(void **state)
{
	struct sfx *f = *state;
	struct nlb_nh nh[] = { { ETH1, NULL, 1 } };
	struct vta_route r;
	struct vta_group g;

	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "10.16.1.0", 24, 254,
			     RTN_UNICAST, 0, 0, nh, 1));
	group_of(f, "10.16.1.0", 24, &r, &g);
	assert_int_equal(r.flags, 0);
	assert_int_equal(g.n_paths, 1);
	assert_int_equal(g.paths[0].ifindex, ETH1);
	assert_int_equal(g.paths[0].kind, VTA_NH_NEIGH);
	assert_int_equal(g.paths[0].gw_family, 0);
}

/* A route's MTU metric (`ip route ... mtu 1419`) reaches the map, and
 * goes when the route is replaced without one. */
static void test_route_mtu(void **state)
{
	struct sfx *f = *state;
	struct nlb_nh nh[] = { { VTI1, "169.254.12.37", 1 } };
	struct vta_route r;
	struct nlmsghdr *nlh;
	struct nlattr *m;

	nlh = nlb_route(buf, RTM_NEWROUTE, "172.31.9.0", 24, 254, RTN_UNICAST,
			0, 0, nh, 1);
	m = mnl_attr_nest_start(nlh, RTA_METRICS);
	mnl_attr_put_u32(nlh, RTAX_MTU, 1419);
	mnl_attr_nest_end(nlh, m);
	sfx_msg(f, nlh);
	assert_int_equal(sfx_fib(f, "172.31.9.0", 24, &r), 0);
	assert_int_equal(r.type, VTA_RT_UNICAST);
	assert_int_equal(r.mtu, 1419);
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "172.31.9.0", 24, 254,
			     RTN_UNICAST, 0, 0, nh, 1));
	assert_int_equal(sfx_fib(f, "172.31.9.0", 24, &r), 0);
	assert_int_equal(r.mtu, 0);
}

static void test_unmanaged_and_special(void **state)
{
	struct sfx *f = *state;
	struct nlb_nh wan[] = { { ETH0, "192.0.2.1", 1 } };
	struct nlb_nh mixed[] = { { VTI1, "169.254.10.1", 1 }, { DOCKER, "172.17.0.2", 1 } };
	struct nlb_nh lo[] = { { ETH1, NULL, 1 } };
	struct vta_route r;

	/* a more specific route via the WAN shadows the tunnel route */
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "172.31.5.0", 24, 254,
			     RTN_UNICAST, 0, 0, wan, 1));
	assert_int_equal(sfx_fib(f, "172.31.5.0", 24, &r), 0);
	assert_int_equal(r.type, VTA_RT_KERNEL);
	/* partly through an unmanaged device */
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "172.31.6.0", 24, 254,
			     RTN_UNICAST, 0, 0, mixed, 2));
	assert_int_equal(sfx_fib(f, "172.31.6.0", 24, &r), 0);
	assert_int_equal(r.type, VTA_RT_KERNEL);
	/* blackhole, unreachable */
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "10.200.0.0", 16, 254,
			     RTN_BLACKHOLE, 0, 0, NULL, 0));
	assert_int_equal(sfx_fib(f, "10.200.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_KERNEL);
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "10.201.0.0", 16, 254,
			     RTN_UNREACHABLE, 0, 0, NULL, 0));
	assert_int_equal(sfx_fib(f, "10.201.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_KERNEL);
	/* the box's own address from the local table */
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "10.16.1.1", 32, 255, RTN_LOCAL,
			     0, 0, lo, 1));
	assert_int_equal(sfx_fib(f, "10.16.1.1", 32, &r), 0);
	assert_int_equal(r.type, VTA_RT_LOCAL);
	/* other tables are not ours */
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "10.202.0.0", 16, 100,
			     RTN_UNICAST, 0, 0, lo, 1));
	assert_int_equal(sfx_fib(f, "10.202.0.0", 16, &r), -ENOENT);
}

static void test_lowest_metric_wins(void **state)
{
	struct sfx *f = *state;
	struct nlb_nh a[] = { { VTI1, "169.254.10.1", 1 } };
	struct nlb_nh b[] = { { ETH0, "192.0.2.1", 1 } };
	struct vta_route r;

	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "10.50.0.0", 16, 254,
			     RTN_UNICAST, 100, 0, a, 1));
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "10.50.0.0", 16, 254,
			     RTN_UNICAST, 50, 0, b, 1));
	assert_int_equal(sfx_fib(f, "10.50.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_KERNEL);	/* metric 50 via eth0 */
	sfx_msg(f, nlb_route(buf, RTM_DELROUTE, "10.50.0.0", 16, 254,
			     RTN_UNICAST, 50, 0, b, 1));
	assert_int_equal(sfx_fib(f, "10.50.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_UNICAST);	/* metric 100 via vti1 */
}

static void nh_objects(struct sfx *f)
{
	unsigned int ids[] = { 11, 12 };
	int w[] = { 1, 3 };

	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 11, AF_INET, VTI1,
			       "169.254.10.1", false, NULL, NULL, 0));
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 12, AF_INET, VTI2,
			       "169.254.11.1", false, NULL, NULL, 0));
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 22, AF_UNSPEC, 0, NULL,
			       false, ids, w, 2));
}

static void test_nhid_group_and_replace(void **state)
{
	struct sfx *f = *state;
	/* compat mode 1 also sends the expanded form: nhid wins */
	struct nlb_nh exp[] = { { VTI1, "169.254.10.1", 1 }, { VTI2, "169.254.11.1", 3 } };
	unsigned int only12[] = { 12 };
	int w1[] = { 1 };
	struct vta_route r, r2;
	struct vta_group g;

	nh_objects(f);
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "172.31.0.0", 16, 254,
			     RTN_UNICAST, 20, 22, exp, 2));
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "10.60.0.0", 16, 254,
			     RTN_UNICAST, 20, 22, NULL, 0)); /* compat mode 0 */
	group_of(f, "172.31.0.0", 16, &r, &g);
	assert_int_equal(r.group_id, 22);
	assert_int_equal(g.n_paths, 2);
	assert_int_equal(g.total_weight, 4);
	assert_int_equal(g.paths[member(&g, VTI2)].weight, 3);
	assert_int_equal(sfx_fib(f, "10.60.0.0", 16, &r2), 0);
	assert_int_equal(r2.group_id, 22);

	/* the group is replaced, no route event: both routes follow */
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 22, AF_UNSPEC, 0, NULL,
			       false, only12, w1, 1));
	group_of(f, "10.60.0.0", 16, &r2, &g);
	assert_int_equal(r2.group_id, 22);
	assert_int_equal(g.n_paths, 1);
	assert_int_equal(g.paths[0].ifindex, VTI2);
	assert_int_equal(g.total_weight, 1);

	/* a member replaced to go through the WAN: routes become KERNEL */
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 12, AF_INET, ETH0,
			       "192.0.2.1", false, NULL, NULL, 0));
	assert_int_equal(sfx_fib(f, "10.60.0.0", 16, &r2), 0);
	assert_int_equal(r2.type, VTA_RT_KERNEL);

	/* deleting the group removes the routes using it (the kernel does,
	 * without RTM_DELROUTE) */
	sfx_msg(f, nlb_nexthop(buf, RTM_DELNEXTHOP, 22, AF_UNSPEC, 0, NULL,
			       false, NULL, NULL, 0));
	assert_int_equal(sfx_fib(f, "10.60.0.0", 16, &r2), -ENOENT);
	assert_int_equal(sfx_fib(f, "172.31.0.0", 16, &r2), -ENOENT);
	assert_int_equal(vta_mem_group(f->mem, 22, &g), -ENOENT);
}

static void test_unknown_nhid_is_kernel(void **state)
{
	struct sfx *f = *state;
	struct vta_route r;

	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "10.61.0.0", 16, 254,
			     RTN_UNICAST, 0, 777, NULL, 0));
	assert_int_equal(sfx_fib(f, "10.61.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_KERNEL);
	/* blackhole nexthop object */
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 778, AF_INET, 0, NULL, true,
			       NULL, NULL, 0));
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "10.62.0.0", 16, 254,
			     RTN_UNICAST, 0, 778, NULL, 0));
	assert_int_equal(sfx_fib(f, "10.62.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_KERNEL);
}

static void test_ipv6(void **state)
{
	struct sfx *f = *state;
	struct nlb_nh nh[] = { { VTI1, "fe80::1", 1 }, { VTI2, "fe80::2", 1 } };
	struct vta_route r;
	struct vta_group g;
	union vta_addr gw = sfx_addr("fe80::2");

	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "2001:db8:100::", 40, 254,
			     RTN_UNICAST, 1024, 0, nh, 2));
	group_of(f, "2001:db8:100::", 40, &r, &g);
	assert_int_equal(g.n_paths, 2);
	assert_int_equal(g.paths[member(&g, VTI2)].gw_family, VTA_AF_INET6);
	assert_memory_equal(g.paths[member(&g, VTI2)].gw6, gw.b, 16);
	/* IPv6 device routes side by side on two links: no fast path */
	{
		struct nlb_nh l1[] = { { ETH1, NULL, 1 } }, l2[] = { { VTI1, NULL, 1 } };

		sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "fe80::", 64, 254,
				     RTN_UNICAST, 256, 0, l1, 1));
		assert_int_equal(sfx_fib(f, "fe80::", 64, &r), 0);
		assert_int_equal(r.type, VTA_RT_UNICAST);
		sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "fe80::", 64, 254,
				     RTN_UNICAST, 256, 0, l2, 1));
		assert_int_equal(sfx_fib(f, "fe80::", 64, &r), 0);
		assert_int_equal(r.type, VTA_RT_KERNEL);
		sfx_msg(f, nlb_route(buf, RTM_DELROUTE, "fe80::", 64, 254,
				     RTN_UNICAST, 256, 0, l2, 1));
		assert_int_equal(sfx_fib(f, "fe80::", 64, &r), 0);
		assert_int_equal(r.type, VTA_RT_UNICAST);
	}
}

/* IPv6: `ip -6 route append` notifies the whole route; deleting one
 * nexthop notifies only that nexthop and nothing for the rest. */
static void test_ipv6_append_delete_one(void **state)
{
	struct sfx *f = *state;
	struct nlb_nh one[] = { { VTI1, "fd00:10::2", 1 } };
	struct nlb_nh two[] = { { VTI2, "fd00:11::2", 1 }, { VTI1, "fd00:10::2", 1 } };
	struct vta_route r;
	struct vta_group g;

	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "2001:db8:600::", 48, 254,
			     RTN_UNICAST, 1024, 0, one, 1));
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "2001:db8:600::", 48, 254,
			     RTN_UNICAST, 1024, 0, two, 2));
	group_of(f, "2001:db8:600::", 48, &r, &g);
	assert_int_equal(g.n_paths, 2);
	sfx_msg(f, nlb_route(buf, RTM_DELROUTE, "2001:db8:600::", 48, 254,
			     RTN_UNICAST, 1024, 0, one, 1));
	group_of(f, "2001:db8:600::", 48, &r, &g);
	assert_int_equal(g.n_paths, 1);
	assert_int_equal(g.paths[0].ifindex, VTI2);
	sfx_msg(f, nlb_route(buf, RTM_DELROUTE, "2001:db8:600::", 48, 254,
			     RTN_UNICAST, 1024, 0, &two[0], 1));
	assert_int_equal(sfx_fib(f, "2001:db8:600::", 48, &r), -ENOENT);
}

static void test_link_delete_purges(void **state)
{
	struct sfx *f = *state;
	struct nlb_nh mp[] = { { VTI1, "169.254.10.1", 1 }, { VTI2, "169.254.11.1", 1 } };
	struct nlb_nh one[] = { { VTI2, "169.254.11.1", 1 } };
	struct nlb_nh lan[] = { { ETH1, NULL, 1 } };
	struct vta_route r;
	struct vta_group g;
	struct vta_iface v;

	nh_objects(f);
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "172.31.0.0", 16, 254,
			     RTN_UNICAST, 20, 0, mp, 2));
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "172.30.0.0", 16, 254,
			     RTN_UNICAST, 20, 0, one, 1));
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "172.29.0.0", 16, 254,
			     RTN_UNICAST, 20, 22, NULL, 0));
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "10.16.1.0", 24, 254,
			     RTN_UNICAST, 0, 0, lan, 1));
	seen.removed = 0;
	sfx_msg(f, nlb_link(buf, RTM_DELLINK, VTI2, "vti2", ARPHRD_TUNNEL, 0,
			    1436, "vti"));
	assert_int_equal(seen.removed, 1);
	assert_int_equal(seen.last_removed, VTI2);
	assert_true(seen.last_gone);
	assert_int_equal(vta_mem_iface(f->mem, VTI2, &v), -ENOENT);
	/* IPv4 routes through it went without RTM_DELROUTE: purged */
	assert_int_equal(sfx_fib(f, "172.31.0.0", 16, &r), -ENOENT);
	assert_int_equal(sfx_fib(f, "172.30.0.0", 16, &r), -ENOENT);
	/* nexthop 12 went with the link; group 22 keeps only 11 */
	assert_int_equal(vta_mem_group(f->mem, 12, &g), -ENOENT);
	group_of(f, "172.29.0.0", 16, &r, &g);
	assert_int_equal(g.n_paths, 1);
	assert_int_equal(g.paths[0].ifindex, VTI1);
	/* unrelated routes stay */
	assert_int_equal(sfx_fib(f, "10.16.1.0", 24, &r), 0);
	assert_int_equal(vta_mem_count_peers(f->mem), 1);

	/* re-created with a new ifindex: managed again, same stats slot */
	{
		struct vta_iface v1;

		seen.added = 0;
		sfx_msg(f, nlb_vti(buf, 42, "vti2", 1436, "10.16.1.254",
				   "203.0.113.20", 200, 200));
		assert_int_equal(seen.added, 1);
		assert_int_equal(vta_mem_iface(f->mem, 42, &v1), 0);
		assert_int_equal(v1.role, VTA_ROLE_TUNNEL);
		assert_int_equal(vta_mem_count_peers(f->mem), 2);
	}
}

static void test_link_down_filters(void **state)
{
	struct sfx *f = *state;
	struct nlb_nh mp[] = { { VTI1, "169.254.10.1", 1 }, { VTI2, "169.254.11.1", 1 } };
	struct vta_route r;
	struct vta_group g;

	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "172.31.0.0", 16, 254,
			     RTN_UNICAST, 20, 0, mp, 2));
	assert_false(vta_sync_want_resync(f->s));
	/* vti1 loses carrier */
	sfx_msg(f, nlb_link(buf, RTM_NEWLINK, VTI1, "vti1", ARPHRD_TUNNEL,
			    IFF_UP, 1436, "vti"));
	group_of(f, "172.31.0.0", 16, &r, &g);
	assert_int_equal(g.n_paths, 1);
	assert_int_equal(g.paths[0].ifindex, VTI2);
	/* carrier loss keeps the route (nexthop flagged linkdown): no
	 * resync, the group simply skips the member */
	assert_false(vta_sync_want_resync(f->s));
}

static void test_mark_and_sweep(void **state)
{
	struct sfx *f = *state;
	struct nlb_nh a[] = { { VTI1, "169.254.10.1", 1 } };
	struct vta_route r;

	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "10.70.0.0", 16, 254,
			     RTN_UNICAST, 0, 0, a, 1));
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "10.71.0.0", 16, 254,
			     RTN_UNICAST, 0, 0, a, 1));
	/* a resync sees the links and 10.70/16 only */
	vta_sync_begin(f->s);
	links(f);
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "10.70.0.0", 16, 254,
			     RTN_UNICAST, 0, 0, a, 1));
	/* before the sweep nothing has vanished */
	assert_int_equal(sfx_fib(f, "10.71.0.0", 16, &r), 0);
	vta_sync_sweep(f->s, false);
	assert_int_equal(sfx_fib(f, "10.70.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_UNICAST);
	assert_int_equal(sfx_fib(f, "10.71.0.0", 16, &r), -ENOENT);
	assert_int_equal(vta_mem_count_ifaces(f->mem), 4);

	/* a link missing from the resync is purged */
	vta_sync_begin(f->s);
	sfx_msg(f, nlb_link(buf, RTM_NEWLINK, ETH1, "eth1", ARPHRD_ETHER,
			    NLB_UP, 1500, NULL));
	sfx_msg(f, nlb_link(buf, RTM_NEWLINK, ETH0, "eth0", ARPHRD_ETHER,
			    NLB_UP, 1500, NULL));
	sfx_msg(f, nlb_vti(buf, VTI2, "vti2", 1436, "10.16.1.254",
			   "203.0.113.20", 200, 200));
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "10.70.0.0", 16, 254,
			     RTN_UNICAST, 0, 0, a, 1));
	vta_sync_sweep(f->s, false);
	assert_int_equal(sfx_fib(f, "10.70.0.0", 16, &r), -ENOENT);
	assert_int_equal(vta_mem_count_ifaces(f->mem), 3);
}

static void test_sa_aware_ecmp(void **state)
{
	struct sfx *f = *state;
	struct nlb_nh mp[] = { { VTI1, "169.254.10.1", 1 }, { VTI2, "169.254.11.1", 1 } };
	struct vta_route r;
	struct vta_group g;
	struct vta_iface v;

	vta_sync_set_xfrm(f->s, true);
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "172.31.0.0", 16, 254,
			     RTN_UNICAST, 20, 0, mp, 2));
	/* SAs both ways for both tunnels (outbound marked with the okey) */
	sfx_xmsg(f, nlb_sa(buf, XFRM_MSG_NEWSA, "10.16.1.254", "203.0.113.10",
			   0x101, 100, 0xffffffff, true, "cbc(aes)",
			   "hmac(sha1)", 96));
	sfx_xmsg(f, nlb_sa(buf, XFRM_MSG_NEWSA, "203.0.113.10", "10.16.1.254",
			   0x102, 0, 0, true, "cbc(aes)", "hmac(sha1)", 96));
	sfx_xmsg(f, nlb_sa(buf, XFRM_MSG_NEWSA, "10.16.1.254", "203.0.113.20",
			   0x201, 200, 0xffffffff, true, "cbc(aes)",
			   "hmac(sha1)", 96));
	sfx_xmsg(f, nlb_sa(buf, XFRM_MSG_NEWSA, "203.0.113.20", "10.16.1.254",
			   0x202, 0, 0, true, "cbc(aes)", "hmac(sha1)", 96));
	group_of(f, "172.31.0.0", 16, &r, &g);
	assert_int_equal(g.n_paths, 2);
	assert_int_equal(vta_mem_iface(f->mem, VTI1, &v), 0);
	assert_true(v.flags & VTA_IF_F_SA_UP);
	/* MSS from the SA: 1500 WAN, NAT-T, aes-cbc/sha1-96 -> 1422 - 40 */
	assert_int_equal(v.mss4, 1382);
	assert_int_equal(v.mss6, 1362);

	/* vti2's inbound SA goes: vti2 leaves the group at once */
	sfx_xmsg(f, nlb_sa(buf, XFRM_MSG_DELSA, "203.0.113.20", "10.16.1.254",
			   0x202, 0, 0, false, NULL, NULL, 0));
	group_of(f, "172.31.0.0", 16, &r, &g);
	assert_int_equal(g.n_paths, 1);
	assert_int_equal(g.paths[0].ifindex, VTI1);
	assert_int_equal(vta_mem_iface(f->mem, VTI2, &v), 0);
	assert_false(v.flags & VTA_IF_F_SA_UP);
	assert_false(vta_sync_tunnel_usable(f->s, VTI2));
	/* and returns with a new SA */
	sfx_xmsg(f, nlb_sa(buf, XFRM_MSG_NEWSA, "203.0.113.20", "10.16.1.254",
			   0x203, 0, 0, true, "cbc(aes)", "hmac(sha1)", 96));
	group_of(f, "172.31.0.0", 16, &r, &g);
	assert_int_equal(g.n_paths, 2);
}

static void test_malformed_rejected(void **state)
{
	struct sfx *f = *state;
	struct nlb_nh a[] = { { VTI1, "169.254.10.1", 1 } };
	struct nlmsghdr *nlh;
	struct nlattr *last;
	struct vta_sync_counts c;
	struct vta_route r;

	nlh = nlb_route(buf, RTM_NEWROUTE, "10.80.0.0", 16, 254, RTN_UNICAST, 0,
			0, a, 1);
	last = (struct nlattr *)((char *)nlh + nlh->nlmsg_len - 8);
	last->nla_len = 200;
	assert_int_equal(vta_sync_rtnl_msg(f->s, nlh), -EBADMSG);
	assert_int_equal(sfx_fib(f, "10.80.0.0", 16, &r), -ENOENT);
	vta_sync_get_counts(f->s, &c);
	assert_int_equal(c.bad_msgs, 1);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, sfx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_links_managed),
		T(test_multipath_weights),
		T(test_connected_lan),
		T(test_route_mtu),
		T(test_unmanaged_and_special),
		T(test_lowest_metric_wins),
		T(test_nhid_group_and_replace),
		T(test_unknown_nhid_is_kernel),
		T(test_ipv6),
		T(test_ipv6_append_delete_one),
		T(test_link_delete_purges),
		T(test_link_down_filters),
		T(test_mark_and_sweep),
		T(test_sa_aware_ecmp),
		T(test_malformed_rejected),
	};

	return cmocka_run_group_tests_name("sync", tests, NULL, NULL);
}
