// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fidelity inputs of the sync (issue 11): netconf sysctls into interface
 * flags, the route MTU metric into the map route, ECMP member order that
 * does not depend on ifindex.  Messages are shaped as the kernel sends
 * them (netconf notifications carry only the changed attribute; dumps
 * and device registration carry all).
 */
#include <net/if.h> /* before linux/ipv6.h: libc-compat */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <cmocka.h>
#include <linux/netconf.h>
#include <linux/ipv6.h>

#include "sync_fx.h"
#include "vta_rules.h"

enum { VTI3 = 7, VTI1_NEW = 15 };

static char buf[NLB_BUFSZ];

/* RTM_NEWNETCONF / RTM_DELNETCONF; a value < 0 leaves the attribute out. */
static struct nlmsghdr *nlb_netconf(int type, int family, int ifindex,
				    int forwarding, int rp_filter)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct netconfmsg *ncm;

	nlh->nlmsg_type = type;
	ncm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ncm));
	ncm->ncm_family = family;
	mnl_attr_put_u32(nlh, NETCONFA_IFINDEX, (uint32_t)ifindex);
	if (forwarding >= 0)
		mnl_attr_put_u32(nlh, NETCONFA_FORWARDING, forwarding);
	if (rp_filter >= 0)
		mnl_attr_put_u32(nlh, NETCONFA_RP_FILTER, rp_filter);
	return nlh;
}

static int setup(void **state)
{
	*state = sfx_new(SFX_ETH);
	return 0;
}

static uint32_t if_flags(struct sfx *f, int ifindex)
{
	struct vta_iface v;

	assert_int_equal(vta_mem_iface(f->mem, ifindex, &v), 0);
	return v.flags;
}

/* A dump as a forwarding router with rp_filter 0 answers it. */
static void router_dump(struct sfx *f)
{
	sfx_msg(f, nlb_netconf(RTM_NEWNETCONF, AF_INET, NETCONFA_IFINDEX_ALL, 1,
			       0));
	sfx_msg(f, nlb_netconf(RTM_NEWNETCONF, AF_INET, ETH1, 1, 0));
	sfx_msg(f, nlb_netconf(RTM_NEWNETCONF, AF_INET6, NETCONFA_IFINDEX_ALL,
			       1, -1));
	sfx_msg(f, nlb_netconf(RTM_NEWNETCONF, AF_INET6, ETH1, 1, -1));
}

#define SYSCTL_FLAGS (VTA_IF_F_RP_FILTER | VTA_IF_F_NO_FWD4 | VTA_IF_F_NO_FWD6)

static void test_netconf_router(void **state)
{
	struct sfx *f = *state;

	/* nothing known: the model writes no sysctl flags (as before) */
	assert_int_equal(if_flags(f, ETH1) & SYSCTL_FLAGS, 0);
	router_dump(f);
	assert_int_equal(if_flags(f, ETH1) & SYSCTL_FLAGS, 0);
}

static void test_netconf_unknown_device(void **state)
{
	struct sfx *f = *state;

	router_dump(f);
	/* eth0 never reported IPv4 netconf: no in_device, the kernel
	 * forwards no IPv4 from it; rp_filter unknown counts as on */
	assert_int_equal(if_flags(f, ETH0) & SYSCTL_FLAGS,
			 VTA_IF_F_NO_FWD4 | VTA_IF_F_RP_FILTER);
}

static void test_netconf_rp_filter_max(void **state)
{
	struct sfx *f = *state;

	router_dump(f);
	/* notification: only the changed attribute */
	sfx_msg(f, nlb_netconf(RTM_NEWNETCONF, AF_INET, ETH1, -1, 2));
	assert_true(if_flags(f, ETH1) & VTA_IF_F_RP_FILTER);
	assert_false(if_flags(f, ETH1) & VTA_IF_F_NO_FWD4); /* kept */
	sfx_msg(f, nlb_netconf(RTM_NEWNETCONF, AF_INET, ETH1, -1, 0));
	assert_false(if_flags(f, ETH1) & VTA_IF_F_RP_FILTER);
	/* all=1, dev=0: the kernel takes the larger */
	sfx_msg(f, nlb_netconf(RTM_NEWNETCONF, AF_INET, NETCONFA_IFINDEX_ALL,
			       -1, 1));
	assert_true(if_flags(f, ETH1) & VTA_IF_F_RP_FILTER);
}

static void test_netconf_forwarding(void **state)
{
	struct sfx *f = *state;

	router_dump(f);
	/* conf.eth1.forwarding=0 */
	sfx_msg(f, nlb_netconf(RTM_NEWNETCONF, AF_INET, ETH1, 0, -1));
	assert_int_equal(if_flags(f, ETH1) & SYSCTL_FLAGS, VTA_IF_F_NO_FWD4);
	sfx_msg(f, nlb_netconf(RTM_NEWNETCONF, AF_INET, ETH1, 1, -1));
	assert_int_equal(if_flags(f, ETH1) & SYSCTL_FLAGS, 0);
	/* net.ipv6.conf.all.forwarding=0; a device's IPv6 value does
	 * not matter (ip6_forward() reads all) */
	sfx_msg(f, nlb_netconf(RTM_NEWNETCONF, AF_INET6, NETCONFA_IFINDEX_ALL,
			       0, -1));
	assert_int_equal(if_flags(f, ETH1) & SYSCTL_FLAGS, VTA_IF_F_NO_FWD6);
	sfx_msg(f, nlb_netconf(RTM_NEWNETCONF, AF_INET6, NETCONFA_IFINDEX_ALL,
			       1, -1));
	assert_int_equal(if_flags(f, ETH1) & SYSCTL_FLAGS, 0);
	/* the device's IPv4 configuration goes */
	sfx_msg(f, nlb_netconf(RTM_DELNETCONF, AF_INET, ETH1, -1, -1));
	assert_true(if_flags(f, ETH1) & VTA_IF_F_NO_FWD4);
}

static void test_netconf_malformed(void **state)
{
	struct sfx *f = *state;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct netconfmsg *ncm;

	nlh->nlmsg_type = RTM_NEWNETCONF;
	ncm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ncm));
	ncm->ncm_family = AF_INET;
	mnl_attr_put_u32(nlh, NETCONFA_FORWARDING, 1); /* no ifindex */
	assert_int_equal(vta_sync_rtnl_msg(f->s, nlh), -EBADMSG);
	nlh = nlb_netconf(RTM_NEWNETCONF, AF_INET, ETH1, 1, 0);
	nlh->nlmsg_len -= 2; /* cut into the last attribute */
	assert_int_equal(vta_sync_rtnl_msg(f->s, nlh), -EBADMSG);
}

/* A route with RTA_METRICS (RTAX_MTU, optionally locked). */
static struct nlmsghdr *route_mtu(const char *dst, int len, int oif,
				  const char *gw, unsigned int mtu, bool lock,
				  unsigned int nhid)
{
	struct nlb_nh nh = { oif, gw, 1 };
	struct nlmsghdr *nlh = nlb_route(buf, RTM_NEWROUTE, dst, len,
					 RT_TABLE_MAIN, RTN_UNICAST, 0, nhid,
					 &nh, nhid ? 0 : 1);
	struct nlattr *mx = mnl_attr_nest_start(nlh, RTA_METRICS);

	if (lock)
		mnl_attr_put_u32(nlh, RTAX_LOCK, 1U << RTAX_MTU);
	mnl_attr_put_u32(nlh, RTAX_MTU, mtu);
	mnl_attr_nest_end(nlh, mx);
	return nlh;
}

static void vtis(struct sfx *f, int vti1_ifindex)
{
	sfx_msg(f, nlb_vti(buf, vti1_ifindex, "vti1", 1436, "10.16.1.254",
			   "203.0.113.10", 100, 100));
	sfx_msg(f, nlb_vti(buf, VTI2, "vti2", 1436, "10.16.1.254",
			   "203.0.113.20", 200, 200));
	sfx_msg(f, nlb_vti(buf, VTI3, "vti3", 1436, "10.16.1.254",
			   "203.0.113.30", 300, 300));
}

static void test_route_mtu(void **state)
{
	struct sfx *f = *state;
	struct vta_route r;
	union vta_addr a;

	vtis(f, VTI1);
	sfx_msg(f, route_mtu("172.31.0.0", 16, VTI1, NULL, 1419, false, 0));
	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, "172.31.0.0", a.b);
	assert_int_equal(vta_mem_fib(f->mem, AF_INET, 16, &a, &r), 0);
	assert_int_equal(r.type, VTA_RT_UNICAST);
	assert_int_equal(r.mtu, 1419);
	sfx_msg(f, route_mtu("fd00:31::", 32, VTI1, NULL, 1400, true, 0));
	inet_pton(AF_INET6, "fd00:31::", a.b);
	assert_int_equal(vta_mem_fib(f->mem, AF_INET6, 32, &a, &r), 0);
	assert_int_equal(r.mtu, 1400);
	/* replaced without the metric: gone */
	{
		struct nlb_nh nh = { VTI1, NULL, 1 };

		sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "172.31.0.0", 16,
				     RT_TABLE_MAIN, RTN_UNICAST, 0, 0, &nh, 1));
	}
	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, "172.31.0.0", a.b);
	assert_int_equal(vta_mem_fib(f->mem, AF_INET, 16, &a, &r), 0);
	assert_int_equal(r.mtu, 0);
}

static void test_route_mtu_nexthop_object(void **state)
{
	struct sfx *f = *state;
	struct vta_route r;
	union vta_addr a;

	vtis(f, VTI1);
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 40, AF_INET, VTI1, NULL,
			       false, NULL, NULL, 0));
	sfx_msg(f, route_mtu("172.31.0.0", 16, 0, NULL, 1380, false, 40));
	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, "172.31.0.0", a.b);
	assert_int_equal(vta_mem_fib(f->mem, AF_INET, 16, &a, &r), 0);
	assert_int_equal(r.type, VTA_RT_UNICAST);
	assert_int_equal(r.group_id, 40);
	assert_int_equal(r.mtu, 1380);
}

static void group_members(struct sfx *f, uint32_t *ifs)
{
	struct vta_route r;
	struct vta_group g;
	union vta_addr a;
	uint32_t i;

	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, "172.16.0.0", a.b);
	assert_int_equal(vta_mem_fib(f->mem, AF_INET, 16, &a, &r), 0);
	assert_int_equal(r.type, VTA_RT_UNICAST);
	assert_int_equal(vta_mem_group(f->mem, r.group_id, &g), 0);
	assert_int_equal(g.n_paths, 3);
	for (i = 0; i < 3; i++)
		ifs[i] = g.paths[i].ifindex;
}

/*
 * Hash-threshold gives members ranges in group order: the order must
 * follow a stable key.  vti1 re-created with a higher ifindex than
 * vti2/vti3 keeps its first place (by ifindex it would move last and
 * shift every range).
 */
static void test_member_order_stable(void **state)
{
	struct sfx *f = *state;
	struct nlb_nh three[3] = { { VTI3, "169.254.30.1", 1 },
				   { VTI1, "169.254.10.1", 1 },
				   { VTI2, "169.254.20.1", 1 } };
	uint32_t ifs[3];

	vtis(f, VTI1);
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "172.16.0.0", 16, RT_TABLE_MAIN,
			     RTN_UNICAST, 0, 0, three, 3));
	group_members(f, ifs);
	assert_int_equal(ifs[0], VTI1);
	assert_int_equal(ifs[1], VTI2);
	assert_int_equal(ifs[2], VTI3);

	sfx_msg(f, nlb_link(buf, RTM_DELLINK, VTI1, "vti1", ARPHRD_TUNNEL, 0,
			    1436, "vti"));
	vtis(f, VTI1_NEW);
	three[1].ifindex = VTI1_NEW;
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "172.16.0.0", 16, RT_TABLE_MAIN,
			     RTN_UNICAST, 0, 0, three, 3));
	group_members(f, ifs);
	assert_int_equal(ifs[0], VTI1_NEW);
	assert_int_equal(ifs[1], VTI2);
	assert_int_equal(ifs[2], VTI3);
}

/*
 * eth1's RTM_NEWLINK as the kernel sends it, with IFLA_AF_SPEC: an
 * AF_INET entry, then AF_INET6 with IFLA_INET6_CONF (s32 per DEVCONF_*)
 * holding mtu6; mtu6 0: no IFLA_AF_SPEC at all.
 */
static struct nlmsghdr *link_mtu6(int mtu6)
{
	struct nlmsghdr *nlh = nlb_link(buf, RTM_NEWLINK, ETH1, "eth1",
					ARPHRD_ETHER, NLB_UP, 1500, NULL);
	int32_t conf[DEVCONF_MAX];
	struct nlattr *spec, *af;

	if (!mtu6)
		return nlh;
	memset(conf, 0, sizeof(conf));
	conf[DEVCONF_MTU6] = mtu6;
	conf[DEVCONF_HOPLIMIT] = 64;
	spec = mnl_attr_nest_start(nlh, IFLA_AF_SPEC);
	af = mnl_attr_nest_start(nlh, AF_INET);
	mnl_attr_put(nlh, IFLA_INET_CONF, 16, conf);
	mnl_attr_nest_end(nlh, af);
	af = mnl_attr_nest_start(nlh, AF_INET6);
	mnl_attr_put_u32(nlh, IFLA_INET6_FLAGS, 0);
	mnl_attr_put(nlh, IFLA_INET6_CONF, sizeof(conf), conf);
	mnl_attr_nest_end(nlh, af);
	mnl_attr_nest_end(nlh, spec);
	return nlh;
}

/* net.ipv6.conf.DEV.mtu below the link MTU: mirrored into mtu6, used for
 * IPv6 only; a link message without it keeps the known value. */
static void test_ipv6_device_mtu(void **state)
{
	struct sfx *f = *state;
	struct vta_iface v;

	sfx_msg(f, link_mtu6(1400));
	assert_int_equal(vta_mem_iface(f->mem, ETH1, &v), 0);
	assert_int_equal(v.mtu, 1500);
	assert_int_equal(v.mtu6, 1400);
	assert_int_equal(vta_dev_mtu(&v, VTA_AF_INET6), 1400);
	assert_int_equal(vta_dev_mtu(&v, VTA_AF_INET), 1500);
	sfx_msg(f, link_mtu6(0));
	assert_int_equal(vta_mem_iface(f->mem, ETH1, &v), 0);
	assert_int_equal(v.mtu6, 1400);
	sfx_msg(f, link_mtu6(1500));
	assert_int_equal(vta_mem_iface(f->mem, ETH1, &v), 0);
	assert_int_equal(v.mtu6, 1500);
	assert_int_equal(vta_dev_mtu(&v, VTA_AF_INET6), 1500);
	/* never above the link's (a mirrored value older than a link MTU
	 * change, which resets the kernel's) */
	v.mtu = 1300;
	assert_int_equal(vta_dev_mtu(&v, VTA_AF_INET6), 1300);
	v.mtu6 = 0;
	assert_int_equal(vta_dev_mtu(&v, VTA_AF_INET6), 1300);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, sfx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_netconf_router),
		T(test_netconf_unknown_device),
		T(test_netconf_rp_filter_max),
		T(test_netconf_forwarding),
		T(test_netconf_malformed),
		T(test_route_mtu),
		T(test_route_mtu_nexthop_object),
		T(test_member_order_stable),
		T(test_ipv6_device_mtu),
	};

	return cmocka_run_group_tests_name("sync_fid", tests, NULL, NULL);
}
