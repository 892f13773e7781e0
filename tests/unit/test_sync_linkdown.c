// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Link down / carrier loss / link up / link delete without a resync: the
 * model fed the kernel's event sequence must hold exactly what a fresh
 * model fed the kernel's dump of the after-state holds.  The before and
 * after states are the ones measured with `ip monitor` and dumps on 6.18
 * and 6.1 (user/sync_kmodel.c, link_went_down()).
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
#include "resilient.h"

static char buf[NLB_BUFSZ];

static void model_init(struct sfx *m)
{
	memset(m, 0, sizeof(*m));
	sfx_conf(m);
	sfx_start(m, NULL, NULL);
}

/* vti1/vti2 as Ethernet stand-ins (as in the net tier) with flags */
static void links(struct sfx *m, unsigned int f1, unsigned int f2)
{
	sfx_msg(m, nlb_link(buf, RTM_NEWLINK, ETH0, "eth0", ARPHRD_ETHER,
			    NLB_UP, 1500, NULL));
	sfx_msg(m, nlb_link(buf, RTM_NEWLINK, ETH1, "eth1", ARPHRD_ETHER,
			    NLB_UP, 1500, NULL));
	sfx_msg(m, nlb_link(buf, RTM_NEWLINK, VTI1, "vti1", ARPHRD_ETHER, f1,
			    1500, "veth"));
	sfx_msg(m, nlb_link(buf, RTM_NEWLINK, VTI2, "vti2", ARPHRD_ETHER, f2,
			    1500, "veth"));
}

static void nh(struct sfx *m, int type, unsigned int id, int fam, int oif,
	       const char *gw)
{
	sfx_msg(m,
		nlb_nexthop(buf, type, id, fam, oif, gw, false, NULL, NULL, 0));
}

static void grp(struct sfx *m, unsigned int id, const unsigned int *ids, int n)
{
	int w[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };

	sfx_msg(m, nlb_nexthop(buf, RTM_NEWNEXTHOP, id, AF_UNSPEC, 0, NULL,
			       false, ids, w, n));
}

/* A route of the given table/type/scope. */
static void rt(struct sfx *m, int type, const char *dst, int len, int table,
	       int rtype, int scope, unsigned int prio, unsigned int nhid,
	       const struct nlb_nh *n, int cnt)
{
	struct nlmsghdr *nlh = nlb_route(buf, type, dst, len, table, rtype,
					 prio, nhid, n, cnt);
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	rtm->rtm_scope = scope;
	sfx_msg(m, nlh);
}

static const struct nlb_nh v1[] = { { VTI1, "169.254.10.2", 1 } };
static const struct nlb_nh v1dev[] = { { VTI1, NULL, 1 } };
static const struct nlb_nh v2dev[] = { { VTI2, NULL, 1 } };
static const struct nlb_nh mp4[] = { { VTI1, "169.254.10.2", 2 },
				     { VTI2, "169.254.11.2", 1 } };
static const struct nlb_nh v1_6[] = { { VTI1, "fd00:10::2", 1 } };
static const struct nlb_nh mp6[] = { { VTI1, "fd00:10::2", 1 },
				     { VTI2, "fd00:11::2", 1 } };

/*
 * The objects of the probe (compat mode 0), by which parts survive:
 * bit 0: nexthop objects through vti1, bit 1: IPv4 single-path routes
 * through vti1 (scope != host), bit 2: the IPv6 single-path route
 * through vti1, bit 3: the broadcast route of vti1's address.
 */
enum {
	K_NH1 = 1, K_V4 = 2, K_V6 = 4, K_BCAST = 8,
	K_ALL = K_NH1 | K_V4 | K_V6 | K_BCAST,
};

static void state(struct sfx *m, unsigned int keep)
{
	unsigned int g200[] = { 101, 102 }, g200b[] = { 102 }, g201[] = { 103 };
	unsigned int g310[] = { 301, 302 }, g310b[] = { 302 };

	if (keep & K_NH1) {
		nh(m, RTM_NEWNEXTHOP, 101, AF_INET, VTI1, "169.254.10.2");
		nh(m, RTM_NEWNEXTHOP, 103, AF_INET, VTI1, "169.254.10.2");
		nh(m, RTM_NEWNEXTHOP, 301, AF_INET6, VTI1, "fd00:10::2");
	}
	nh(m, RTM_NEWNEXTHOP, 102, AF_INET, VTI2, "169.254.11.2");
	nh(m, RTM_NEWNEXTHOP, 302, AF_INET6, VTI2, "fd00:11::2");
	if (keep & K_NH1) {
		grp(m, 200, g200, 2);
		grp(m, 201, g201, 1);
		grp(m, 310, g310, 2);
	} else {
		grp(m, 200, g200b, 1);
		grp(m, 310, g310b, 1);
	}
	/* IPv4 main */
	if (keep & K_V4) {
		rt(m, RTM_NEWROUTE, "169.254.10.0", 30, 254, RTN_UNICAST,
		   RT_SCOPE_LINK, 0, 0, v1dev, 1);
		rt(m, RTM_NEWROUTE, "172.28.0.0", 16, 254, RTN_UNICAST,
		   RT_SCOPE_UNIVERSE, 0, 0, v1, 1);
		rt(m, RTM_NEWROUTE, "172.27.0.0", 16, 254, RTN_UNICAST,
		   RT_SCOPE_LINK, 0, 0, v1dev, 1);
	}
	rt(m, RTM_NEWROUTE, "169.254.11.0", 30, 254, RTN_UNICAST, RT_SCOPE_LINK,
	   0, 0, v2dev, 1);
	rt(m, RTM_NEWROUTE, "172.31.0.0", 16, 254, RTN_UNICAST,
	   RT_SCOPE_UNIVERSE, 0, 0, mp4, 2);
	rt(m, RTM_NEWROUTE, "172.30.0.0", 16, 254, RTN_UNICAST,
	   RT_SCOPE_UNIVERSE, 0, 200, NULL, 0);
	if (keep & K_NH1) {
		rt(m, RTM_NEWROUTE, "172.26.0.0", 16, 254, RTN_UNICAST,
		   RT_SCOPE_UNIVERSE, 0, 101, NULL, 0);
		rt(m, RTM_NEWROUTE, "172.25.0.0", 16, 254, RTN_UNICAST,
		   RT_SCOPE_UNIVERSE, 0, 201, NULL, 0);
	}
	/* IPv4 local table: the address stays, its broadcast goes */
	rt(m, RTM_NEWROUTE, "169.254.10.1", 32, 255, RTN_LOCAL, RT_SCOPE_HOST,
	   0, 0, v1dev, 1);
	if (keep & K_BCAST)
		rt(m, RTM_NEWROUTE, "169.254.10.3", 32, 255, RTN_BROADCAST,
		   RT_SCOPE_LINK, 0, 0, v1dev, 1);
	/* IPv6 */
	if (keep & K_V6)
		rt(m, RTM_NEWROUTE, "2001:db8:1::", 48, 254, RTN_UNICAST,
		   RT_SCOPE_UNIVERSE, 1024, 0, v1_6, 1);
	rt(m, RTM_NEWROUTE, "2001:db8:2::", 48, 254, RTN_UNICAST,
	   RT_SCOPE_UNIVERSE, 1024, 0, mp6, 2);
	if (keep & K_NH1)
		rt(m, RTM_NEWROUTE, "2001:db8:4::", 48, 254, RTN_UNICAST,
		   RT_SCOPE_UNIVERSE, 1024, 301, NULL, 0);
	rt(m, RTM_NEWROUTE, "2001:db8:5::", 48, 254, RTN_UNICAST,
	   RT_SCOPE_UNIVERSE, 1024, 310, NULL, 0);
}

/* ---------------------------------------------------------------- */
/* comparing two map stores (group ids of member sets are the model's
 * choice: compare routes by what their group holds)                   */

static int path_cmp(const void *a, const void *b)
{
	const struct vta_nh *x = a, *y = b;

	if (x->ifindex != y->ifindex)
		return x->ifindex < y->ifindex ? -1 : 1;
	return memcmp(x->gw6, y->gw6, 16);
}

struct cmp {
	const struct vta_mem *a, *b;
	int diffs;
	const char *what;
};

static void fib_cb(int family, uint8_t len, const union vta_addr *a,
		   const struct vta_route *r, void *data)
{
	struct cmp *c = data;
	struct vta_route o;
	struct vta_group ga, gb;
	char s[INET6_ADDRSTRLEN];

	inet_ntop(family, a->b, s, sizeof(s));
	if (vta_mem_fib(c->b, family, len, a, &o)) {
		print_message("%s: %s/%u only on one side\n", c->what, s, len);
		c->diffs++;
		return;
	}
	if (o.type != r->type || o.flags != r->flags) {
		print_message("%s: %s/%u type %u/%u flags %#x/%#x\n", c->what,
			      s, len, r->type, o.type, r->flags, o.flags);
		c->diffs++;
		return;
	}
	if (r->type != VTA_RT_UNICAST)
		return;
	memset(&ga, 0, sizeof(ga));
	memset(&gb, 0, sizeof(gb));
	if (vta_mem_group(c->a, r->group_id, &ga) ||
	    vta_mem_group(c->b, o.group_id, &gb)) {
		print_message("%s: %s/%u group missing\n", c->what, s, len);
		c->diffs++;
		return;
	}
	/* nexthop-object groups keep the kernel's id on both sides */
	if (r->group_id < VTA_SYNC_MSET_ID_BASE && r->group_id != o.group_id) {
		print_message("%s: %s/%u group %u vs %u\n", c->what, s, len,
			      r->group_id, o.group_id);
		c->diffs++;
	}
	/* bucket tables depend on history: compare the shares */
	vta_rb_canon(&ga, path_cmp);
	vta_rb_canon(&gb, path_cmp);
	if (memcmp(&ga, &gb, sizeof(ga))) {
		print_message("%s: %s/%u group content: %u vs %u paths\n",
			      c->what, s, len, ga.n_paths, gb.n_paths);
		c->diffs++;
	}
}

static void if_cb(uint32_t ifindex, const struct vta_iface *v, void *data)
{
	struct cmp *c = data;
	struct vta_iface o;
	bool differs = vta_mem_iface(c->b, ifindex, &o) != 0;

	/* stats slots are allocation order */
	if (!differs) {
		o.slot = v->slot;
		differs = memcmp(&o, v, sizeof(o)) != 0;
	}
	if (differs) {
		print_message("%s: interface %u differs\n", c->what, ifindex);
		c->diffs++;
	}
}

/* Both ways: same prefixes, same routes, same interfaces and counts. */
static void same(const struct sfx *x, const struct sfx *y)
{
	struct cmp c = { x->mem, y->mem, 0, "events vs dump" };
	struct cmp d = { y->mem, x->mem, 0, "dump vs events" };

	vta_mem_foreach_fib(x->mem, fib_cb, &c);
	vta_mem_foreach_fib(y->mem, fib_cb, &d);
	vta_mem_foreach_iface(x->mem, if_cb, &c);
	vta_mem_foreach_iface(y->mem, if_cb, &d);
	assert_int_equal(c.diffs + d.diffs, 0);
	assert_int_equal(vta_mem_count_fib(x->mem), vta_mem_count_fib(y->mem));
	assert_int_equal(vta_mem_count_groups(x->mem),
			 vta_mem_count_groups(y->mem));
	assert_int_equal(vta_mem_count_ifaces(x->mem),
			 vta_mem_count_ifaces(y->mem));
	/* no resync needed, none counted */
	assert_false(vta_sync_want_resync(x->s));
}

/* the after-state, fresh: links first, as a dump delivers them */
static void fresh(struct sfx *y, unsigned int f1, unsigned int keep)
{
	model_init(y);
	links(y, f1, NLB_UP);
	state(y, keep);
}

static void test_admin_down_then_up(void **st)
{
	struct sfx x, y;
	struct vta_route r;
	union vta_addr a;

	(void)st;
	model_init(&x);
	links(&x, NLB_UP, NLB_UP);
	state(&x, K_ALL);
	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, "172.28.0.0", a.b);
	assert_int_equal(vta_mem_fib(x.mem, AF_INET, 16, &a, &r), 0);

	/* ip link set vti1 down: NEWLINK without IFF_UP, then the IPv6
	 * single-path routes are announced deleted; nothing else */
	sfx_msg(&x, nlb_link(buf, RTM_NEWLINK, VTI1, "vti1", ARPHRD_ETHER, 0,
			     1500, "veth"));
	rt(&x, RTM_DELROUTE, "2001:db8:1::", 48, 254, RTN_UNICAST,
	   RT_SCOPE_UNIVERSE, 1024, 0, v1_6, 1);
	fresh(&y, 0, 0);
	same(&x, &y);
	assert_int_equal(vta_mem_fib(x.mem, AF_INET, 16, &a, &r), -ENOENT);
	sfx_stop(&y);

	/* ip link set vti1 up: the kernel re-creates (and announces) the
	 * connected and broadcast routes; the rest does not come back */
	sfx_msg(&x, nlb_link(buf, RTM_NEWLINK, VTI1, "vti1", ARPHRD_ETHER,
			     NLB_UP, 1500, "veth"));
	rt(&x, RTM_NEWROUTE, "169.254.10.0", 30, 254, RTN_UNICAST,
	   RT_SCOPE_LINK, 0, 0, v1dev, 1);
	rt(&x, RTM_NEWROUTE, "169.254.10.3", 32, 255, RTN_BROADCAST,
	   RT_SCOPE_LINK, 0, 0, v1dev, 1);
	model_init(&y);
	links(&y, NLB_UP, NLB_UP);
	state(&y, K_BCAST);
	rt(&y, RTM_NEWROUTE, "169.254.10.0", 30, 254, RTN_UNICAST,
	   RT_SCOPE_LINK, 0, 0, v1dev, 1);
	same(&x, &y);
	sfx_stop(&y);
	sfx_stop(&x);
}

static void test_carrier_loss(void **st)
{
	struct sfx x, y;
	struct vta_route r;
	struct vta_group g;
	union vta_addr a;

	(void)st;
	model_init(&x);
	links(&x, NLB_UP, NLB_UP);
	state(&x, K_ALL);
	/* the peer goes down: vti1 stays IFF_UP without RUNNING/LOWER_UP;
	 * routes stay (linkdown), nexthop objects through it go */
	sfx_msg(&x, nlb_link(buf, RTM_NEWLINK, VTI1, "vti1", ARPHRD_ETHER,
			     IFF_UP, 1500, "veth"));
	fresh(&y, IFF_UP, K_V4 | K_V6 | K_BCAST);
	same(&x, &y);
	/* the multipath route keeps only vti2 in the map */
	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, "172.31.0.0", a.b);
	assert_int_equal(vta_mem_fib(x.mem, AF_INET, 16, &a, &r), 0);
	assert_int_equal(vta_mem_group(x.mem, r.group_id, &g), 0);
	assert_int_equal(g.n_paths, 1);
	assert_int_equal(g.paths[0].ifindex, VTI2);
	sfx_stop(&y);

	/* carrier back: nothing comes back, the flags clear */
	sfx_msg(&x, nlb_link(buf, RTM_NEWLINK, VTI1, "vti1", ARPHRD_ETHER,
			     NLB_UP | IFF_LOWER_UP, 1500, "veth"));
	model_init(&y);
	links(&y, NLB_UP | IFF_LOWER_UP, NLB_UP);
	state(&y, K_V4 | K_V6 | K_BCAST);
	same(&x, &y);
	sfx_stop(&y);
	sfx_stop(&x);
}

/* A multipath IPv4 route goes when its last live member's link goes
 * down (every nexthop dead), not before. */
static void test_multipath_all_dead(void **st)
{
	struct sfx x, y;
	struct vta_route r;
	union vta_addr a;

	(void)st;
	model_init(&x);
	links(&x, NLB_UP, NLB_UP);
	rt(&x, RTM_NEWROUTE, "172.31.0.0", 16, 254, RTN_UNICAST,
	   RT_SCOPE_UNIVERSE, 0, 0, mp4, 2);
	rt(&x, RTM_NEWROUTE, "2001:db8:2::", 48, 254, RTN_UNICAST,
	   RT_SCOPE_UNIVERSE, 1024, 0, mp6, 2);
	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, "172.31.0.0", a.b);
	sfx_msg(&x, nlb_link(buf, RTM_NEWLINK, VTI2, "vti2", ARPHRD_ETHER, 0,
			     1500, "veth"));
	assert_int_equal(vta_mem_fib(x.mem, AF_INET, 16, &a, &r), 0);
	sfx_msg(&x, nlb_link(buf, RTM_NEWLINK, VTI1, "vti1", ARPHRD_ETHER, 0,
			     1500, "veth"));
	assert_int_equal(vta_mem_fib(x.mem, AF_INET, 16, &a, &r), -ENOENT);
	/* IPv6 announces its flush: until then the route stays, no path */
	model_init(&y);
	links(&y, 0, 0);
	rt(&y, RTM_NEWROUTE, "2001:db8:2::", 48, 254, RTN_UNICAST,
	   RT_SCOPE_UNIVERSE, 1024, 0, mp6, 2);
	same(&x, &y);
	sfx_stop(&y);
	sfx_stop(&x);
}

/* More members than the model keeps: it cannot tell, a resync is the
 * fallback. */
static void test_unrepresentable_falls_back(void **st)
{
	struct nlb_nh many[VTA_MAX_PATHS + 1];
	struct sfx x;
	int i;

	(void)st;
	model_init(&x);
	links(&x, NLB_UP, NLB_UP);
	for (i = 0; i <= VTA_MAX_PATHS; i++) {
		many[i].ifindex = i ? VTI2 : VTI1;
		many[i].gw = NULL;
		many[i].weight = i + 1;
	}
	rt(&x, RTM_NEWROUTE, "172.31.0.0", 16, 254, RTN_UNICAST,
	   RT_SCOPE_UNIVERSE, 0, 0, many, VTA_MAX_PATHS + 1);
	sfx_msg(&x, nlb_link(buf, RTM_NEWLINK, VTI2, "vti2", ARPHRD_ETHER, 0,
			     1500, "veth"));
	assert_false(vta_sync_want_resync(x.s));	/* oif is vti1 */
	sfx_msg(&x, nlb_link(buf, RTM_NEWLINK, VTI1, "vti1", ARPHRD_ETHER, 0,
			     1500, "veth"));
	assert_true(vta_sync_want_resync(x.s));
	sfx_stop(&x);
}

/* ip link del vti1: it goes down first (as above), then unregisters:
 * IPv4 multipath routes through it go entirely, silently; IPv6 deletes
 * (and announces) only its sibling; the local address is announced. */
static void test_link_delete(void **st)
{
	struct sfx x, y;
	static const struct nlb_nh mp6b[] = { { VTI2, "fd00:11::2", 1 } };

	(void)st;
	model_init(&x);
	links(&x, NLB_UP, NLB_UP);
	state(&x, K_ALL);
	sfx_msg(&x, nlb_link(buf, RTM_NEWLINK, VTI1, "vti1", ARPHRD_ETHER, 0,
			     1500, "veth"));
	rt(&x, RTM_DELROUTE, "2001:db8:1::", 48, 254, RTN_UNICAST,
	   RT_SCOPE_UNIVERSE, 1024, 0, v1_6, 1);
	rt(&x, RTM_DELROUTE, "169.254.10.1", 32, 255, RTN_LOCAL, RT_SCOPE_HOST,
	   0, 0, v1dev, 1);
	rt(&x, RTM_DELROUTE, "2001:db8:2::", 48, 254, RTN_UNICAST,
	   RT_SCOPE_UNIVERSE, 1024, 0, v1_6, 1);
	sfx_msg(&x, nlb_link(buf, RTM_DELLINK, VTI1, "vti1", ARPHRD_ETHER, 0,
			     1500, "veth"));

	model_init(&y);
	sfx_msg(&y, nlb_link(buf, RTM_NEWLINK, ETH0, "eth0", ARPHRD_ETHER,
			     NLB_UP, 1500, NULL));
	sfx_msg(&y, nlb_link(buf, RTM_NEWLINK, ETH1, "eth1", ARPHRD_ETHER,
			     NLB_UP, 1500, NULL));
	sfx_msg(&y, nlb_link(buf, RTM_NEWLINK, VTI2, "vti2", ARPHRD_ETHER,
			     NLB_UP, 1500, "veth"));
	{
		unsigned int g200[] = { 102 }, g310[] = { 302 };

		nh(&y, RTM_NEWNEXTHOP, 102, AF_INET, VTI2, "169.254.11.2");
		nh(&y, RTM_NEWNEXTHOP, 302, AF_INET6, VTI2, "fd00:11::2");
		grp(&y, 200, g200, 1);
		grp(&y, 310, g310, 1);
	}
	rt(&y, RTM_NEWROUTE, "169.254.11.0", 30, 254, RTN_UNICAST,
	   RT_SCOPE_LINK, 0, 0, v2dev, 1);
	rt(&y, RTM_NEWROUTE, "172.30.0.0", 16, 254, RTN_UNICAST,
	   RT_SCOPE_UNIVERSE, 0, 200, NULL, 0);
	rt(&y, RTM_NEWROUTE, "2001:db8:2::", 48, 254, RTN_UNICAST,
	   RT_SCOPE_UNIVERSE, 1024, 0, mp6b, 1);
	rt(&y, RTM_NEWROUTE, "2001:db8:5::", 48, 254, RTN_UNICAST,
	   RT_SCOPE_UNIVERSE, 1024, 310, NULL, 0);
	same(&x, &y);
	sfx_stop(&y);
	sfx_stop(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_admin_down_then_up),
		cmocka_unit_test(test_carrier_loss),
		cmocka_unit_test(test_multipath_all_dead),
		cmocka_unit_test(test_unrepresentable_falls_back),
		cmocka_unit_test(test_link_delete),
	};

	return cmocka_run_group_tests_name("sync_linkdown", tests, NULL, NULL);
}
