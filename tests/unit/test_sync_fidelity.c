// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Route sync cases where the model used to differ from the kernel's FIB
 * (issue 11, items 4 and 7), with netlink messages as the kernel sends
 * them (flags and attributes measured with `ip monitor` on 6.18):
 *  - IPv4 routes with the same (table, tos, metric): `ip route append`
 *    (NLM_F_CREATE|NLM_F_APPEND) and a dump list them after the one in
 *    use; the kernel keeps using the first;
 *  - IPv6 multipath with more members than a group holds: deleting one
 *    sibling (an RTM_DELROUTE naming only it) leaves the others;
 *  - RTM_DELADDR: routes with that preferred source and, for the last
 *    IPv4 address of a device, every route through it, go silently;
 *  - IPv6 source-specific routes, lightweight-tunnel encap routes and
 *    nexthops are left to the kernel;
 *  - (item 6) with readers in flight a group is never rewritten in place.
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

static char buf[NLB_BUFSZ];

/* vti1/vti2 as plain links (Ethernet stand-ins, as in the net tier) */
static int setup(void **state)
{
	struct sfx *f = sfx_new(SFX_ETH);

	sfx_msg(f, nlb_link(buf, RTM_NEWLINK, VTI1, "vti1", ARPHRD_ETHER,
			    NLB_UP, 1436, NULL));
	sfx_msg(f, nlb_link(buf, RTM_NEWLINK, VTI2, "vti2", ARPHRD_ETHER,
			    NLB_UP, 1436, NULL));
	*state = f;
	return 0;
}

/* The only member's interface of a unicast prefix, 0 if not unicast. */
static uint32_t out_if(struct sfx *f, const char *dst, int len)
{
	struct vta_route r;
	struct vta_group g;

	if (sfx_fib(f, dst, len, &r) || r.type != VTA_RT_UNICAST)
		return 0;
	assert_int_equal(vta_mem_group(f->mem, r.group_id, &g), 0);
	return g.n_paths == 1 ? g.paths[0].ifindex : 0;
}

static int type_of(struct sfx *f, const char *dst, int len)
{
	struct vta_route r;

	if (sfx_fib(f, dst, len, &r))
		return -1;
	return r.type;
}

static struct nlmsghdr *route1(int type, const char *dst, int len, int oif,
			       const char *gw, uint16_t flags)
{
	struct nlb_nh nh = { oif, gw, 1 };
	struct nlmsghdr *nlh =
		nlb_route(buf, type, dst, len, 254, RTN_UNICAST, 0, 0, &nh, 1);

	nlh->nlmsg_flags = flags;
	return nlh;
}

/* ip route add; ip route append (same metric): the first stays in use. */
static void test_v4_append_keeps_first(void **state)
{
	struct sfx *f = *state;

	sfx_msg(f, route1(RTM_NEWROUTE, "172.16.0.0", 16, VTI1, "169.254.10.2",
			  NLM_F_CREATE | NLM_F_EXCL));
	sfx_msg(f, route1(RTM_NEWROUTE, "172.16.0.0", 16, VTI2, "169.254.11.2",
			  NLM_F_CREATE | NLM_F_APPEND));
	assert_int_equal(out_if(f, "172.16.0.0", 16), VTI1);
	/* the appended one goes: the first is still the one in use */
	sfx_msg(f, route1(RTM_DELROUTE, "172.16.0.0", 16, VTI2, "169.254.11.2",
			  0));
	assert_int_equal(out_if(f, "172.16.0.0", 16), VTI1);
	/* and then the last one: gone */
	sfx_msg(f, route1(RTM_DELROUTE, "172.16.0.0", 16, VTI1, "169.254.10.2",
			  0));
	assert_int_equal(type_of(f, "172.16.0.0", 16), -1);
	assert_false(vta_sync_want_resync(f->s));
}

/* Deleting the route in use of two: the other takes over in the
 * kernel; the model did not keep it, so the prefix goes to the kernel
 * (it must not disappear: 0.0.0.0/0 via vti2 would catch it) and a
 * resync is asked for. */
static void test_v4_delete_first_of_two(void **state)
{
	struct sfx *f = *state;

	sfx_msg(f, route1(RTM_NEWROUTE, "0.0.0.0", 0, VTI2, "169.254.11.2",
			  NLM_F_CREATE | NLM_F_EXCL));
	sfx_msg(f, route1(RTM_NEWROUTE, "172.16.0.0", 16, VTI1, "169.254.10.2",
			  NLM_F_CREATE | NLM_F_EXCL));
	sfx_msg(f, route1(RTM_NEWROUTE, "172.16.0.0", 16, ETH1, "10.16.1.9",
			  NLM_F_CREATE | NLM_F_APPEND));
	sfx_msg(f, route1(RTM_DELROUTE, "172.16.0.0", 16, VTI1, "169.254.10.2",
			  0));
	assert_int_equal(type_of(f, "172.16.0.0", 16), VTA_RT_KERNEL);
	assert_true(vta_sync_want_resync(f->s));
}

/* ip route prepend (NLM_F_CREATE alone): the new one goes first. */
static void test_v4_prepend(void **state)
{
	struct sfx *f = *state;

	sfx_msg(f, route1(RTM_NEWROUTE, "172.16.0.0", 16, VTI1, "169.254.10.2",
			  NLM_F_CREATE | NLM_F_EXCL));
	sfx_msg(f, route1(RTM_NEWROUTE, "172.16.0.0", 16, VTI2, "169.254.11.2",
			  NLM_F_CREATE));
	assert_int_equal(out_if(f, "172.16.0.0", 16), VTI2);
	/* the one behind it goes: no change */
	sfx_msg(f, route1(RTM_DELROUTE, "172.16.0.0", 16, VTI1, "169.254.10.2",
			  0));
	assert_int_equal(out_if(f, "172.16.0.0", 16), VTI2);
	assert_false(vta_sync_want_resync(f->s));
}

/* A dump lists both, the one in use first (NLM_F_MULTI). */
static void test_v4_dump_order(void **state)
{
	struct sfx *f = *state;

	vta_sync_begin(f->s);
	sfx_msg(f, route1(RTM_NEWROUTE, "172.16.0.0", 16, VTI1, "169.254.10.2",
			  NLM_F_MULTI));
	sfx_msg(f, route1(RTM_NEWROUTE, "172.16.0.0", 16, VTI2, "169.254.11.2",
			  NLM_F_MULTI));
	assert_int_equal(out_if(f, "172.16.0.0", 16), VTI1);
	/* a second dump: the same picture, not three routes */
	vta_sync_begin(f->s);
	sfx_msg(f, route1(RTM_NEWROUTE, "172.16.0.0", 16, VTI1, "169.254.10.2",
			  NLM_F_MULTI));
	sfx_msg(f, route1(RTM_NEWROUTE, "172.16.0.0", 16, VTI2, "169.254.11.2",
			  NLM_F_MULTI));
	sfx_msg(f, route1(RTM_DELROUTE, "172.16.0.0", 16, VTI2, "169.254.11.2",
			  0));
	sfx_msg(f, route1(RTM_DELROUTE, "172.16.0.0", 16, VTI1, "169.254.10.2",
			  0));
	assert_int_equal(type_of(f, "172.16.0.0", 16), -1);
}

/* 10 IPv6 siblings, then `ip -6 route del P via G` of one (the kernel
 * names only that one), twice. */
static void test_v6_multipath_over_8(void **state)
{
	struct sfx *f = *state;
	struct nlb_nh nh[10];
	char gw[10][32];
	struct vta_route r;
	struct vta_group g;
	int i;

	for (i = 0; i < 10; i++) {
		snprintf(gw[i], sizeof(gw[i]), "fd10::%x", 0x10 + i);
		nh[i].ifindex = i < 5 ? VTI1 : VTI2;
		nh[i].gw = gw[i];
		nh[i].weight = 1;
	}
	/* the shorter prefix a lost one would fall back to */
	sfx_msg(f, route1(RTM_NEWROUTE, "fd20::", 16, ETH1, "fd01::2",
			  NLM_F_CREATE | NLM_F_EXCL));
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "fd20:1::", 32, 254,
			     RTN_UNICAST, 1024, 0, nh, 10));
	assert_int_equal(type_of(f, "fd20:1::", 32), VTA_RT_KERNEL);
	sfx_msg(f, nlb_route(buf, RTM_DELROUTE, "fd20:1::", 32, 254,
			     RTN_UNICAST, 1024, 0, &nh[3], 1));
	/* nine left in the kernel: still its prefix, not gone */
	assert_int_equal(type_of(f, "fd20:1::", 32), VTA_RT_KERNEL);
	sfx_msg(f, nlb_route(buf, RTM_DELROUTE, "fd20:1::", 32, 254,
			     RTN_UNICAST, 1024, 0, &nh[7], 1));
	/* eight: a group now, without the two deleted */
	assert_int_equal(sfx_fib(f, "fd20:1::", 32, &r), 0);
	assert_int_equal(r.type, VTA_RT_UNICAST);
	assert_int_equal(vta_mem_group(f->mem, r.group_id, &g), 0);
	assert_int_equal(g.n_paths, 8);
	for (i = 0; i < 8; i++)
		assert_false(g.paths[i].gw6[15] == 0x13 ||
			     g.paths[i].gw6[15] == 0x17);
}

/* ip -6 route add P nhid N; ip -6 route append P via G: two routes, not
 * siblings; the kernel chooses by neighbour state: its prefix. */
static void test_v6_nhid_and_gateway(void **state)
{
	struct sfx *f = *state;
	struct nlmsghdr *nlh;

	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 7, AF_INET6, VTI1,
			       "fd10::2", false, NULL, NULL, 0));
	nlh = nlb_route(buf, RTM_NEWROUTE, "fd20::", 16, 254, RTN_UNICAST, 1024,
			7, NULL, 0);
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	sfx_msg(f, nlh);
	assert_int_equal(type_of(f, "fd20::", 16), VTA_RT_UNICAST);
	nlh = route1(RTM_NEWROUTE, "fd20::", 16, VTI2, "fd11::2",
		     NLM_F_CREATE | NLM_F_APPEND);
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_family = AF_INET6;
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 1024);
	sfx_msg(f, nlh);
	assert_int_equal(type_of(f, "fd20::", 16), VTA_RT_KERNEL);
}

static struct nlmsghdr *addr_msg(int type, int ifindex, const char *a, int plen)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = type;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = nlb_family(a);
	ifa->ifa_prefixlen = plen;
	ifa->ifa_index = ifindex;
	nlb_put_addr(nlh, IFA_LOCAL, a);
	nlb_put_addr(nlh, IFA_ADDRESS, a);
	return nlh;
}

/* The local-table route an IPv4 address has. */
static struct nlmsghdr *local_route(int type, const char *a, int ifindex)
{
	struct nlb_nh nh = { ifindex, NULL, 1 };
	struct nlmsghdr *nlh =
		nlb_route(buf, type, a, 32, 255, RTN_LOCAL, 0, 0, &nh, 1);
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	rtm->rtm_scope = RT_SCOPE_HOST;
	return nlh;
}

static struct nlmsghdr *with_prefsrc(struct nlmsghdr *nlh, const char *a)
{
	nlb_put_addr(nlh, RTA_PREFSRC, a);
	return nlh;
}

/* ip route add P via G src A; ip addr del A: P goes, silently. */
static void test_deladdr_prefsrc(void **state)
{
	struct sfx *f = *state;

	sfx_msg(f, local_route(RTM_NEWROUTE, "10.16.1.1", ETH1));
	sfx_msg(f, local_route(RTM_NEWROUTE, "10.77.0.1", ETH1));
	sfx_msg(f,
		with_prefsrc(route1(RTM_NEWROUTE, "172.16.0.0", 16, VTI1,
				    "169.254.10.2", NLM_F_CREATE | NLM_F_EXCL),
			     "10.77.0.1"));
	sfx_msg(f, route1(RTM_NEWROUTE, "172.17.0.0", 16, VTI1, "169.254.10.2",
			  NLM_F_CREATE | NLM_F_EXCL));
	assert_int_equal(out_if(f, "172.16.0.0", 16), VTI1);
	sfx_msg(f, addr_msg(RTM_DELADDR, ETH1, "10.77.0.1", 24));
	assert_int_equal(type_of(f, "172.16.0.0", 16), -1);
	assert_int_equal(out_if(f, "172.17.0.0", 16), VTI1);
}

/* The last IPv4 address of vti2 goes: every route through it too. */
static void test_deladdr_last(void **state)
{
	struct sfx *f = *state;
	struct nlb_nh mp[] = { { VTI1, "169.254.10.2", 1 },
			       { VTI2, "169.254.11.2", 1 } };

	sfx_msg(f, local_route(RTM_NEWROUTE, "169.254.10.1", VTI1));
	sfx_msg(f, local_route(RTM_NEWROUTE, "169.254.11.1", VTI2));
	sfx_msg(f, route1(RTM_NEWROUTE, "172.16.0.0", 16, VTI2, "169.254.11.2",
			  NLM_F_CREATE | NLM_F_EXCL));
	sfx_msg(f, route1(RTM_NEWROUTE, "172.17.0.0", 16, VTI1, "169.254.10.2",
			  NLM_F_CREATE | NLM_F_EXCL));
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "172.18.0.0", 16, 254,
			     RTN_UNICAST, 0, 0, mp, 2));
	sfx_msg(f, addr_msg(RTM_DELADDR, VTI2, "169.254.11.1", 30));
	assert_int_equal(type_of(f, "172.16.0.0", 16), -1);
	assert_int_equal(out_if(f, "172.17.0.0", 16), VTI1);
	/* a multipath member dies silently: the model asks for a resync */
	assert_true(vta_sync_want_resync(f->s));
}

/* ... but not when the device keeps another address. */
static void test_deladdr_not_last(void **state)
{
	struct sfx *f = *state;

	sfx_msg(f, local_route(RTM_NEWROUTE, "169.254.11.1", VTI2));
	sfx_msg(f, local_route(RTM_NEWROUTE, "169.254.12.1", VTI2));
	sfx_msg(f, route1(RTM_NEWROUTE, "172.16.0.0", 16, VTI2, "169.254.11.2",
			  NLM_F_CREATE | NLM_F_EXCL));
	sfx_msg(f, addr_msg(RTM_DELADDR, VTI2, "169.254.11.1", 30));
	assert_int_equal(out_if(f, "172.16.0.0", 16), VTI2);
	assert_false(vta_sync_want_resync(f->s));
}

/* ip -6 route add P from S via G: the kernel's pick depends on the
 * source, so the prefix is its own; a plain route of the same prefix
 * is another route, not replaced by it. */
static void test_v6_source_specific(void **state)
{
	struct sfx *f = *state;
	struct nlb_nh nh = { VTI1, "fd10::2", 1 };
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;

	nlh = nlb_route(buf, RTM_NEWROUTE, "fd20::", 16, 254, RTN_UNICAST, 1024,
			0, &nh, 1);
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_src_len = 64;
	nlb_put_addr(nlh, RTA_SRC, "fd01::");
	sfx_msg(f, nlh);
	assert_int_equal(type_of(f, "fd20::", 16), VTA_RT_KERNEL);
	/* deleting it (with its source) leaves nothing */
	nlh->nlmsg_type = RTM_DELROUTE;
	sfx_msg(f, nlh);
	assert_int_equal(type_of(f, "fd20::", 16), -1);
}

/* ip route add P encap mpls 100 via G: lightweight tunnel, the kernel's. */
static void test_encap_route(void **state)
{
	struct sfx *f = *state;
	struct nlmsghdr *nlh;
	struct nlattr *e;

	nlh = route1(RTM_NEWROUTE, "172.16.0.0", 16, VTI1, "169.254.10.2",
		     NLM_F_CREATE | NLM_F_EXCL);
	mnl_attr_put_u16(nlh, RTA_ENCAP_TYPE, 1 /* LWTUNNEL_ENCAP_MPLS */);
	e = mnl_attr_nest_start(nlh, RTA_ENCAP);
	mnl_attr_put_u32(nlh, 1 /* MPLS_IPTUNNEL_DST */, 0x00064100);
	mnl_attr_nest_end(nlh, e);
	sfx_msg(f, nlh);
	assert_int_equal(type_of(f, "172.16.0.0", 16), VTA_RT_KERNEL);
}

/* A nexthop object with NHA_ENCAP, used by a route. */
static void test_encap_nexthop(void **state)
{
	struct sfx *f = *state;
	struct nlmsghdr *nlh;
	struct nlattr *e;

	nlh = nlb_nexthop(buf, RTM_NEWNEXTHOP, 7, AF_INET, VTI1, "169.254.10.2",
			  false, NULL, NULL, 0);
	mnl_attr_put_u16(nlh, NHA_ENCAP_TYPE, 1);
	e = mnl_attr_nest_start(nlh, NHA_ENCAP);
	mnl_attr_put_u32(nlh, 1, 0x00064100);
	mnl_attr_nest_end(nlh, e);
	sfx_msg(f, nlh);
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "172.16.0.0", 16, 254,
			     RTN_UNICAST, 0, 7, NULL, 0));
	assert_int_equal(type_of(f, "172.16.0.0", 16), VTA_RT_KERNEL);
}

/*
 * Item 6: with readers in flight (the daemon), a group is never rewritten
 * in place: a changed group gets a new key, the routes move to it, and
 * the old key keeps its old content until the second tick.
 */
static void test_group_not_rewritten_in_place(void **state)
{
	struct sfx *f = *state;
	const unsigned int both[] = { 11, 12 }, one[] = { 12 };
	const int w[] = { 1, 1 };
	struct vta_route r;
	struct vta_group g;
	uint32_t old;

	vta_sync_set_grace(f->s, true);
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 11, AF_INET, VTI1,
			       "169.254.10.2", false, NULL, NULL, 0));
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 12, AF_INET, VTI2,
			       "169.254.11.2", false, NULL, NULL, 0));
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 22, AF_UNSPEC, 0, NULL,
			       false, both, w, 2));
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "172.16.0.0", 16, 254,
			     RTN_UNICAST, 0, 22, NULL, 0));
	assert_int_equal(sfx_fib(f, "172.16.0.0", 16, &r), 0);
	old = r.group_id;
	/* the group is replaced: the route moves, the old entry stays whole */
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 22, AF_UNSPEC, 0, NULL,
			       false, one, w, 1));
	assert_int_equal(sfx_fib(f, "172.16.0.0", 16, &r), 0);
	assert_int_not_equal(r.group_id, old);
	assert_int_equal(vta_mem_group(f->mem, r.group_id, &g), 0);
	assert_int_equal(g.n_paths, 1);
	assert_int_equal(g.paths[0].ifindex, VTI2);
	assert_int_equal(vta_mem_group(f->mem, old, &g), 0);
	assert_int_equal(g.n_paths, 2);
	vta_sync_tick(f->s);
	assert_int_equal(vta_mem_group(f->mem, old, &g), 0);
	vta_sync_tick(f->s);
	assert_int_equal(vta_mem_group(f->mem, old, &g), -ENOENT);

	/* a multipath member's link goes down: same for RTA_MULTIPATH sets */
	{
		struct nlb_nh mp[] = { { VTI1, "169.254.10.2", 1 },
				       { VTI2, "169.254.11.2", 1 } };

		sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "172.17.0.0", 16, 254,
				     RTN_UNICAST, 0, 0, mp, 2));
		assert_int_equal(sfx_fib(f, "172.17.0.0", 16, &r), 0);
		old = r.group_id;
		sfx_msg(f,
			nlb_link(buf, RTM_NEWLINK, VTI1, "vti1", ARPHRD_ETHER,
				 IFF_UP, 1436, NULL)); /* carrier lost */
		assert_int_equal(sfx_fib(f, "172.17.0.0", 16, &r), 0);
		assert_int_not_equal(r.group_id, old);
		assert_int_equal(vta_mem_group(f->mem, r.group_id, &g), 0);
		assert_int_equal(g.n_paths, 1);
		assert_int_equal(vta_mem_group(f->mem, old, &g), 0);
		assert_int_equal(g.n_paths, 2);
	}
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, sfx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_v4_append_keeps_first),
		T(test_v4_delete_first_of_two),
		T(test_v4_prepend),
		T(test_v4_dump_order),
		T(test_v6_multipath_over_8),
		T(test_v6_nhid_and_gateway),
		T(test_deladdr_prefsrc),
		T(test_deladdr_last),
		T(test_deladdr_not_last),
		T(test_v6_source_specific),
		T(test_encap_route),
		T(test_encap_nexthop),
		T(test_group_not_rewritten_in_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
