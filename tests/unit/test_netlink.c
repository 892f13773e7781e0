// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Parsing of crafted rtnetlink/XFRM messages (user/netlink.c). */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <setjmp.h>
#include <cmocka.h>

#include "nlmsg_build.h"
#include "netlink.h"
#include "sync.h"

static char buf[NLB_BUFSZ];

static uint32_t ip4(const char *s)
{
	uint32_t a;

	inet_pton(AF_INET, s, &a);
	return a;
}

static void test_link_vti(void **state)
{
	struct vta_nl_link l;
	struct nlmsghdr *nlh = nlb_vti(buf, 7, "vti1", 1436, "10.16.1.254",
				       "203.0.113.10", 100, 100);

	assert_int_equal(vta_nl_parse_link(nlh, &l), 0);
	assert_int_equal(l.ifindex, 7);
	assert_string_equal(l.name, "vti1");
	assert_int_equal(l.mtu, 1436);
	assert_int_equal(l.type, ARPHRD_TUNNEL);
	assert_string_equal(l.kind, "vti");
	assert_int_equal(l.tun_family, AF_INET);
	assert_int_equal(l.local.v4, ip4("10.16.1.254"));
	assert_int_equal(l.remote.v4, ip4("203.0.113.10"));
	/* keys travel big endian; the mark is their host value */
	assert_int_equal(l.ikey, 100);
	assert_int_equal(l.okey, 100);
}

static void test_link_plain(void **state)
{
	struct vta_nl_link l;
	struct nlmsghdr *nlh = nlb_link(buf, RTM_NEWLINK, 3, "eth1", ARPHRD_ETHER,
					NLB_UP, 9001, "veth");

	assert_int_equal(vta_nl_parse_link(nlh, &l), 0);
	assert_int_equal(l.ifindex, 3);
	assert_string_equal(l.kind, "veth");
	assert_int_equal(l.tun_family, 0);
	assert_int_equal(l.mtu, 9001);
	assert_true(l.flags & IFF_RUNNING);
}

static void test_route_multipath_weights(void **state)
{
	struct nlb_nh nh[] = { { 5, "169.254.10.1", 3 }, { 6, "169.254.11.1", 1 } };
	struct vta_nl_route r;
	struct nlmsghdr *nlh = nlb_route(buf, RTM_NEWROUTE, "172.31.0.0", 16, 254,
					 RTN_UNICAST, 20, 0, nh, 2);

	assert_int_equal(vta_nl_parse_route(nlh, &r), 0);
	assert_int_equal(r.family, AF_INET);
	assert_int_equal(r.dst_len, 16);
	assert_int_equal(r.dst.v4, ip4("172.31.0.0"));
	assert_int_equal(r.table, 254);
	assert_int_equal(r.priority, 20);
	assert_int_equal(r.nhid, 0);
	assert_int_equal(r.n_nh, 2);
	assert_int_equal(r.nh[0].ifindex, 5);
	assert_int_equal(r.nh[0].weight, 3);
	assert_int_equal(r.nh[0].gw_family, AF_INET);
	assert_int_equal(r.nh[0].gw.v4, ip4("169.254.10.1"));
	assert_int_equal(r.nh[1].ifindex, 6);
	assert_int_equal(r.nh[1].weight, 1);
	assert_int_equal(r.nh[1].gw.v4, ip4("169.254.11.1"));
}

static void test_route_single_and_nhid(void **state)
{
	struct nlb_nh nh[] = { { 4, "192.0.2.1", 1 } };
	struct vta_nl_route r;
	struct nlmsghdr *nlh = nlb_route(buf, RTM_NEWROUTE, "10.1.0.0", 16, 254,
					 RTN_UNICAST, 0, 22, nh, 1);

	assert_int_equal(vta_nl_parse_route(nlh, &r), 0);
	assert_int_equal(r.nhid, 22);
	assert_int_equal(r.n_nh, 1);
	assert_int_equal(r.nh[0].ifindex, 4);
	assert_int_equal(r.nh[0].weight, 1);
	assert_int_equal(r.nh[0].gw.v4, ip4("192.0.2.1"));
}

/* `ip route ... mtu 1419`: RTA_METRICS { RTAX_MTU } (others ignored) */
static void test_route_metrics_mtu(void **state)
{
	struct nlb_nh nh[] = { { 4, "192.0.2.1", 1 } };
	struct vta_nl_route r;
	struct nlmsghdr *nlh = nlb_route(buf, RTM_NEWROUTE, "10.1.0.0", 16, 254,
					 RTN_UNICAST, 0, 0, nh, 1);
	struct nlattr *m;

	assert_int_equal(vta_nl_parse_route(nlh, &r), 0);
	assert_int_equal(r.mtu, 0);
	m = mnl_attr_nest_start(nlh, RTA_METRICS);
	mnl_attr_put_u32(nlh, RTAX_ADVMSS, 1000);
	mnl_attr_put_u32(nlh, RTAX_MTU, 1419);
	mnl_attr_nest_end(nlh, m);
	assert_int_equal(vta_nl_parse_route(nlh, &r), 0);
	assert_int_equal(r.mtu, 1419);
	assert_int_equal(r.n_nh, 1);
	/* a short RTAX_MTU is a broken message */
	nlh = nlb_route(buf, RTM_NEWROUTE, "10.1.0.0", 16, 254, RTN_UNICAST, 0,
			0, nh, 1);
	m = mnl_attr_nest_start(nlh, RTA_METRICS);
	mnl_attr_put_u16(nlh, RTAX_MTU, 1419);
	mnl_attr_nest_end(nlh, m);
	assert_int_equal(vta_nl_parse_route(nlh, &r), -EBADMSG);
}

static void test_route_ipv6_default(void **state)
{
	struct nlb_nh nh[] = { { 9, "fe80::1", 1 } };
	struct vta_nl_route r;
	struct nlmsghdr *nlh = nlb_route(buf, RTM_NEWROUTE, "::", 0, 254,
					 RTN_UNICAST, 1024, 0, nh, 1);
	unsigned char gw[16];

	inet_pton(AF_INET6, "fe80::1", gw);
	assert_int_equal(vta_nl_parse_route(nlh, &r), 0);
	assert_int_equal(r.family, AF_INET6);
	assert_int_equal(r.dst_len, 0);
	assert_int_equal(r.nh[0].gw_family, AF_INET6);
	assert_memory_equal(r.nh[0].gw.b, gw, 16);
}

static void test_route_truncated_attr(void **state)
{
	struct nlb_nh nh[] = { { 4, "192.0.2.1", 1 } };
	struct vta_nl_route r;
	struct nlmsghdr *nlh = nlb_route(buf, RTM_NEWROUTE, "10.1.0.0", 16, 254,
					 RTN_UNICAST, 0, 0, nh, 1);
	struct nlattr *last;

	/* the last attribute claims more bytes than the message has */
	last = (struct nlattr *)((char *)nlh + nlh->nlmsg_len - 8);
	assert_int_equal(last->nla_type, RTA_GATEWAY);
	last->nla_len = 64;
	assert_int_equal(vta_nl_parse_route(nlh, &r), -EBADMSG);
}

static void test_route_bad_lengths(void **state)
{
	struct vta_nl_route r;
	struct nlmsghdr *nlh;
	uint8_t three[3] = { 10, 0, 0 };

	/* RTA_DST of 3 bytes for IPv4 */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	((struct rtmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct rtmsg)))->rtm_family = AF_INET;
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_dst_len = 24;
	mnl_attr_put(nlh, RTA_DST, 3, three);
	assert_int_equal(vta_nl_parse_route(nlh, &r), -EBADMSG);

	/* prefix length beyond the family */
	nlh = nlb_route(buf, RTM_NEWROUTE, "10.0.0.0", 24, 254, RTN_UNICAST, 0, 0,
			NULL, 0);
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_dst_len = 33;
	assert_int_equal(vta_nl_parse_route(nlh, &r), -EBADMSG);

	/* header shorter than struct rtmsg */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	nlh->nlmsg_len += 4;
	assert_int_equal(vta_nl_parse_route(nlh, &r), -EBADMSG);

	/* not a route message */
	nlh = nlb_link(buf, RTM_NEWLINK, 1, "lo", ARPHRD_LOOPBACK, NLB_UP, 65536, NULL);
	assert_int_equal(vta_nl_parse_route(nlh, &r), -EINVAL);
}

static void test_route_multipath_truncated(void **state)
{
	struct nlb_nh nh[] = { { 5, "169.254.10.1", 1 }, { 6, "169.254.11.1", 1 } };
	struct vta_nl_route r;
	struct nlmsghdr *nlh = nlb_route(buf, RTM_NEWROUTE, "172.31.0.0", 16, 254,
					 RTN_UNICAST, 0, 0, nh, 2);
	struct nlattr *mp = NULL, *a;
	struct rtnexthop *rtnh;

	mnl_attr_for_each(a, nlh, sizeof(struct rtmsg))
		if (mnl_attr_get_type(a) == RTA_MULTIPATH)
			mp = a;
	assert_non_null(mp);
	/* the second rtnexthop claims to run past the attribute */
	rtnh = mnl_attr_get_payload(mp);
	rtnh = (struct rtnexthop *)((char *)rtnh + RTNH_ALIGN(rtnh->rtnh_len));
	rtnh->rtnh_len = 200;
	assert_int_equal(vta_nl_parse_route(nlh, &r), -EBADMSG);
}

static void test_route_too_many_paths(void **state)
{
	struct nlb_nh nh[VTA_NL_MAX_NH + 2];
	struct vta_nl_route r;
	struct nlmsghdr *nlh;
	int i;

	for (i = 0; i < VTA_NL_MAX_NH + 2; i++)
		nh[i] = (struct nlb_nh){ 10 + i, NULL, 1 };
	nlh = nlb_route(buf, RTM_NEWROUTE, "10.9.0.0", 16, 254, RTN_UNICAST, 0, 0,
			nh, VTA_NL_MAX_NH + 2);
	assert_int_equal(vta_nl_parse_route(nlh, &r), 0);
	assert_true(r.too_many);
	assert_int_equal(r.n_nh, VTA_NL_MAX_NH);
}

static void test_nexthop_group(void **state)
{
	unsigned int ids[] = { 11, 12 };
	int weights[] = { 1, 4 };
	struct vta_nl_nexthop n;
	struct nlmsghdr *nlh = nlb_nexthop(buf, RTM_NEWNEXTHOP, 22, AF_UNSPEC, 0,
					   NULL, false, ids, weights, 2);

	assert_int_equal(vta_nl_parse_nexthop(nlh, &n), 0);
	assert_int_equal(n.id, 22);
	assert_int_equal(n.n_grp, 2);
	assert_int_equal(n.grp[0].id, 11);
	assert_int_equal(n.grp[0].weight, 1);
	assert_int_equal(n.grp[1].id, 12);
	assert_int_equal(n.grp[1].weight, 4);

	nlh = nlb_nexthop(buf, RTM_NEWNEXTHOP, 11, AF_INET, 5, "169.254.10.1",
			  false, NULL, NULL, 0);
	assert_int_equal(vta_nl_parse_nexthop(nlh, &n), 0);
	assert_int_equal(n.ifindex, 5);
	assert_int_equal(n.gw_family, AF_INET);
	assert_int_equal(n.gw.v4, ip4("169.254.10.1"));
	assert_int_equal(n.n_grp, 0);

	nlh = nlb_nexthop(buf, RTM_NEWNEXTHOP, 13, AF_INET, 0, NULL, true, NULL,
			  NULL, 0);
	assert_int_equal(vta_nl_parse_nexthop(nlh, &n), 0);
	assert_true(n.blackhole);
}

static void test_nexthop_malformed(void **state)
{
	struct vta_nl_nexthop n;
	struct nlmsghdr *nlh;
	uint8_t odd[5] = { 0 };

	/* no NHA_ID */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWNEXTHOP;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct nhmsg));
	mnl_attr_put_u32(nlh, NHA_OIF, 3);
	assert_int_equal(vta_nl_parse_nexthop(nlh, &n), -EBADMSG);

	/* a group whose size is not a multiple of struct nexthop_grp */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWNEXTHOP;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct nhmsg));
	mnl_attr_put_u32(nlh, NHA_ID, 9);
	mnl_attr_put(nlh, NHA_GROUP, sizeof(odd), odd);
	assert_int_equal(vta_nl_parse_nexthop(nlh, &n), -EBADMSG);

	/* a gateway of 5 bytes */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWNEXTHOP;
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct nhmsg));
	mnl_attr_put_u32(nlh, NHA_ID, 9);
	mnl_attr_put(nlh, NHA_GATEWAY, sizeof(odd), odd);
	assert_int_equal(vta_nl_parse_nexthop(nlh, &n), -EBADMSG);
}

static void test_sa_overhead(void **state)
{
	struct vta_nl_sa sa;
	bool hard = true;
	struct nlmsghdr *nlh = nlb_sa(buf, XFRM_MSG_NEWSA, "10.16.1.254",
				      "203.0.113.10", 0xc0de, 100, 0xffffffff,
				      true, "cbc(aes)", "hmac(sha1)", 96);

	assert_int_equal(vta_nl_parse_sa(nlh, &sa, &hard), 0);
	assert_false(hard);
	assert_int_equal(sa.family, AF_INET);
	assert_int_equal(sa.daddr.v4, ip4("203.0.113.10"));
	assert_int_equal(sa.saddr.v4, ip4("10.16.1.254"));
	assert_int_equal(sa.spi, htonl(0xc0de));
	assert_int_equal(sa.mark, 100);
	assert_int_equal(sa.mark_mask, 0xffffffff);
	assert_true(sa.encap_udp);
	assert_true(sa.overhead_known);
	assert_int_equal(sa.iv_len, 16);
	assert_int_equal(sa.block, 16);
	assert_int_equal(sa.icv_len, 12);
	/* docs/kernel-facts.md, "MTU": 1500-byte path, NAT-T, aes128-cbc/hmac-sha1: the
	 * largest inner packet is 1422 (MSS 1382) */
	assert_int_equal(vta_esp_max_inner(1500, AF_INET, sa.encap_udp, sa.iv_len,
					   sa.block, sa.icv_len), 1422);
	/* without NAT-T 8 bytes more fit, rounded down to the block */
	assert_int_equal(vta_esp_max_inner(1500, AF_INET, false, 16, 16, 12), 1438);

	/* unknown cipher: overhead unknown */
	nlh = nlb_sa(buf, XFRM_MSG_NEWSA, "10.0.0.1", "10.0.0.2", 1, 0, 0, false,
		     "cbc(fancy)", "hmac(sha1)", 96);
	assert_int_equal(vta_nl_parse_sa(nlh, &sa, &hard), 0);
	assert_false(sa.overhead_known);
}

static void test_sa_delete(void **state)
{
	struct vta_nl_sa sa;
	bool hard = false;
	struct nlmsghdr *nlh = nlb_sa(buf, XFRM_MSG_DELSA, "203.0.113.10",
				      "10.16.1.254", 0xbeef, 0, 0, false, NULL,
				      NULL, 0);

	assert_int_equal(vta_nl_parse_sa(nlh, &sa, &hard), 0);
	assert_true(hard);
	assert_int_equal(sa.daddr.v4, ip4("10.16.1.254"));
	assert_int_equal(sa.saddr.v4, ip4("203.0.113.10"));
	assert_int_equal(sa.spi, htonl(0xbeef));

	/* truncated header */
	nlh->nlmsg_len = NLMSG_HDRLEN + 8;
	assert_int_equal(vta_nl_parse_sa(nlh, &sa, &hard), -EBADMSG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_vti),
		cmocka_unit_test(test_link_plain),
		cmocka_unit_test(test_route_multipath_weights),
		cmocka_unit_test(test_route_metrics_mtu),
		cmocka_unit_test(test_route_single_and_nhid),
		cmocka_unit_test(test_route_ipv6_default),
		cmocka_unit_test(test_route_truncated_attr),
		cmocka_unit_test(test_route_bad_lengths),
		cmocka_unit_test(test_route_multipath_truncated),
		cmocka_unit_test(test_route_too_many_paths),
		cmocka_unit_test(test_nexthop_group),
		cmocka_unit_test(test_nexthop_malformed),
		cmocka_unit_test(test_sa_overhead),
		cmocka_unit_test(test_sa_delete),
	};

	return cmocka_run_group_tests_name("netlink", tests, NULL, NULL);
}
