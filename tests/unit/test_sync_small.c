// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Smaller model rules of user/sync*.c, each as the kernel behaves:
 * XFRM_MSG_FLUSHSA removes only the SAs of the flushed protocol, an
 * AF_BRIDGE RTM_DELLINK (a bridge port leaving) deletes no device, and a
 * kernel nexthop created with the id of an invented member-set group id
 * does not take that group over; and a nexthop event recomputes the
 * routes using that nexthop only.
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
#include <linux/ipsec.h>

#include "sync_fx.h"

static char buf[NLB_BUFSZ];

static int setup(void **state)
{
	*state = sfx_new(SFX_ETH | SFX_VTI);
	return 0;
}

/* What `ip xfrm state flush proto P` makes the kernel send
 * (xfrm_notify_sa_flush()). */
static struct nlmsghdr *flush(uint8_t proto)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_usersa_flush *fl;

	nlh->nlmsg_type = XFRM_MSG_FLUSHSA;
	fl = mnl_nlmsg_put_extra_header(nlh, sizeof(*fl));
	fl->proto = proto;
	return nlh;
}

static void test_flush_honours_protocol(void **state)
{
	struct sfx *f = *state;

	vta_sync_set_xfrm(f->s, true);
	/* ESP both ways for vti1; none for vti2 */
	sfx_xmsg(f, nlb_sa(buf, XFRM_MSG_NEWSA, "10.16.1.254", "203.0.113.10",
			   0x101, 100, 0xffffffff, false, "cbc(aes)",
			   "hmac(sha1)", 96));
	sfx_xmsg(f, nlb_sa(buf, XFRM_MSG_NEWSA, "203.0.113.10", "10.16.1.254",
			   0x102, 0, 0, false, "cbc(aes)", "hmac(sha1)", 96));
	assert_true(vta_sync_tunnel_usable(f->s, VTI1));
	assert_false(vta_sync_tunnel_usable(f->s, VTI2));
	/* an AH flush leaves the ESP SAs: nothing changes */
	sfx_xmsg(f, flush(IPPROTO_AH));
	assert_true(vta_sync_tunnel_usable(f->s, VTI1));
	assert_false(vta_sync_tunnel_usable(f->s, VTI2));
	/* an ESP flush empties the database (no SA at all: usable) */
	sfx_xmsg(f, flush(IPPROTO_ESP));
	assert_true(vta_sync_tunnel_usable(f->s, VTI2));
	/* IPSEC_PROTO_ANY (`ip xfrm state flush`) takes ESP too */
	sfx_xmsg(f, nlb_sa(buf, XFRM_MSG_NEWSA, "10.16.1.254", "203.0.113.10",
			   0x103, 100, 0xffffffff, false, "cbc(aes)",
			   "hmac(sha1)", 96));
	assert_false(vta_sync_tunnel_usable(f->s, VTI2));
	sfx_xmsg(f, flush(IPSEC_PROTO_ANY));
	assert_true(vta_sync_tunnel_usable(f->s, VTI2));
}

static void test_bridge_port_leaving_is_no_delete(void **state)
{
	struct sfx *f = *state;
	struct vta_iface v;
	struct nlmsghdr *nlh;

	assert_int_equal(vta_mem_iface(f->mem, ETH1, &v), 0);
	nlh = nlb_link(buf, RTM_DELLINK, ETH1, "eth1", ARPHRD_ETHER, NLB_UP,
		       1500, NULL);
	((struct ifinfomsg *)NLMSG_DATA(nlh))->ifi_family = AF_BRIDGE;
	sfx_msg(f, nlh);
	assert_int_equal(vta_mem_iface(f->mem, ETH1, &v), 0);
	assert_string_equal(vta_sync_link_name(f->s, ETH1), "eth1");
	/* the device's own deletion still is one */
	sfx_msg(f, nlb_link(buf, RTM_DELLINK, ETH1, "eth1", ARPHRD_ETHER,
			    NLB_UP, 1500, NULL));
	assert_int_equal(vta_mem_iface(f->mem, ETH1, &v), -ENOENT);
}

/*
 * 172.31.0.0/16 over both tunnels (a member set, an invented id), then
 * `ip nexthop add id <that id> via 10.16.16.1 dev eth1` and 10.99.0.0/16
 * on it.  Returns the id; *ecmp and *onnh: the two prefixes.
 */
static uint32_t member_set_id_taken(struct sfx *f, union vta_addr *ecmp,
				    union vta_addr *onnh)
{
	static const struct nlb_nh mp[] = { { VTI1, "169.254.10.1", 1 },
					    { VTI2, "169.254.11.1", 1 } };
	static const struct nlb_nh via_nh[] = { { ETH1, "10.16.16.1", 1 } };
	struct vta_route r;
	uint32_t id;

	memset(ecmp, 0, sizeof(*ecmp));
	memset(onnh, 0, sizeof(*onnh));
	inet_pton(AF_INET, "172.31.0.0", ecmp->b);
	inet_pton(AF_INET, "10.99.0.0", onnh->b);
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "172.31.0.0", 16, 254,
			     RTN_UNICAST, 0, 0, mp, 2));
	assert_int_equal(vta_mem_fib(f->mem, AF_INET, 16, ecmp, &r), 0);
	id = r.group_id;
	assert_true(id >= VTA_SYNC_MSET_ID_BASE);
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, id, AF_INET, ETH1,
			       "10.16.16.1", false, NULL, NULL, 0));
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "10.99.0.0", 16, 254,
			     RTN_UNICAST, 0, id, via_nh, 1));
	return id;
}

static void test_kernel_nexthop_id_of_a_member_set(void **state)
{
	struct sfx *f = *state;
	struct vta_route r, r2;
	struct vta_group g;
	union vta_addr a, a2;
	uint32_t id = member_set_id_taken(f, &a, &a2);

	/* the ECMP route still leads into both tunnels, by another id */
	assert_int_equal(vta_mem_fib(f->mem, AF_INET, 16, &a, &r), 0);
	assert_int_not_equal(r.group_id, id);
	assert_int_equal(vta_mem_group(f->mem, r.group_id, &g), 0);
	assert_int_equal(g.n_paths, 2);
	/* and the id is the kernel's nexthop */
	assert_int_equal(vta_mem_fib(f->mem, AF_INET, 16, &a2, &r2), 0);
	assert_int_equal(r2.group_id, id);
	assert_int_equal(vta_mem_group(f->mem, id, &g), 0);
	assert_int_equal(g.n_paths, 1);
	assert_int_equal(g.paths[0].ifindex, ETH1);
}

/*
 * The same with the daemon's grace period: the member set's old key is
 * retired, not overwritten in place by the kernel nexthop's group (a
 * program in flight may still read it); the kernel's group is written
 * under another key, and the old one leaves after the grace period.
 */
static void test_kernel_nexthop_id_of_a_member_set_grace(void **state)
{
	struct sfx *f = *state;
	struct vta_route r, r2;
	struct vta_group g;
	union vta_addr a, a2;
	uint32_t id;

	vta_sync_set_grace(f->s, true);
	id = member_set_id_taken(f, &a, &a2);
	/* the old key still holds the member set's group */
	assert_int_equal(vta_mem_group(f->mem, id, &g), 0);
	assert_int_equal(g.n_paths, 2);
	assert_int_equal(vta_mem_fib(f->mem, AF_INET, 16, &a, &r), 0);
	assert_int_not_equal(r.group_id, id);
	assert_int_equal(vta_mem_fib(f->mem, AF_INET, 16, &a2, &r2), 0);
	assert_int_equal(r2.type, VTA_RT_UNICAST);
	assert_int_not_equal(r2.group_id, id);
	assert_int_not_equal(r2.group_id, r.group_id);
	assert_int_equal(vta_mem_group(f->mem, r2.group_id, &g), 0);
	assert_int_equal(g.n_paths, 1);
	assert_int_equal(g.paths[0].ifindex, ETH1);
	vta_sync_tick(f->s);
	vta_sync_tick(f->s);
	assert_int_equal(vta_mem_group(f->mem, id, &g), -ENOENT);
	assert_int_equal(vta_mem_group(f->mem, r.group_id, &g), 0);
	assert_int_equal(g.n_paths, 2);
	assert_int_equal(vta_mem_group(f->mem, r2.group_id, &g), 0);
	assert_int_equal(g.n_paths, 1);
}

static unsigned long pfx_updates(struct sfx *f)
{
	struct vta_sync_counts c;

	vta_sync_get_counts(f->s, &c);
	return c.pfx_updates;
}

/* 10.N.M.0/24 over both tunnels (member sets), and 3 prefixes over the
 * kernel nexthop group 10 = {1 via vti1, 2 via vti2} */
static void many_routes(struct sfx *f, int n)
{
	static const struct nlb_nh mp[] = { { VTI1, "169.254.10.1", 1 },
					    { VTI2, "169.254.11.1", 1 } };
	static const struct nlb_nh via[] = { { VTI1, "169.254.10.1", 1 } };
	static const unsigned int ids[] = { 1, 2 };
	static const int w[] = { 1, 1 };
	char dst[32];
	int i;

	for (i = 0; i < n; i++) {
		snprintf(dst, sizeof(dst), "10.%d.%d.0", i / 256, i % 256);
		sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, dst, 24, 254,
				     RTN_UNICAST, 0, 0, mp, 2));
	}
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 1, AF_INET, VTI1,
			       "169.254.10.1", false, NULL, NULL, 0));
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 2, AF_INET, VTI2,
			       "169.254.11.1", false, NULL, NULL, 0));
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 10, AF_UNSPEC, 0, NULL,
			       false, ids, w, 2));
	for (i = 0; i < 3; i++) {
		snprintf(dst, sizeof(dst), "172.%d.0.0", 16 + i);
		sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, dst, 16, 254,
				     RTN_UNICAST, 0, 10, via, 1));
	}
}

static int fib4(struct sfx *f, const char *dst, int len, struct vta_route *r)
{
	union vta_addr a;

	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, dst, a.b);
	return vta_mem_fib(f->mem, AF_INET, len, &a, r);
}

/*
 * Nexthop events touch the routes using the nexthop only (before, each
 * one recomputed every prefix: 147 ms per new nexthop at 1M routes).
 * Work is counted in prefix recomputations; the resulting map is checked
 * against a model built from scratch with the final state.
 */
static void test_nexthop_events_touch_users_only(void **state)
{
	struct sfx *f = *state, *g;
	struct vta_route r, want;
	unsigned long before;
	void *gs;
	int i;

	many_routes(f, 5000);
	/* a new nexthop nobody uses yet (FRR installs it first) */
	before = pfx_updates(f);
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 77, AF_INET, VTI2,
			       "169.254.11.1", false, NULL, NULL, 0));
	assert_int_equal(pfx_updates(f) - before, 0);
	/* a member of group 10 turns into a blackhole: its 3 users only */
	before = pfx_updates(f);
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 1, AF_INET, 0, NULL, true,
			       NULL, NULL, 0));
	assert_true(pfx_updates(f) - before <= 3);
	/* the map as a fresh model of the same state has it */
	setup(&gs);
	g = gs;
	many_routes(g, 0);
	sfx_msg(g, nlb_nexthop(buf, RTM_NEWNEXTHOP, 1, AF_INET, 0, NULL, true,
			       NULL, NULL, 0));
	for (i = 0; i < 3; i++) {
		char dst[32];

		snprintf(dst, sizeof(dst), "172.%d.0.0", 16 + i);
		assert_int_equal(fib4(f, dst, 16, &r), 0);
		assert_int_equal(fib4(g, dst, 16, &want), 0);
		assert_memory_equal(&r, &want, sizeof(r));
	}
	sfx_teardown(&gs);
	/* group 10 deleted: the kernel drops its routes, nothing else */
	before = pfx_updates(f);
	sfx_msg(f, nlb_nexthop(buf, RTM_DELNEXTHOP, 10, AF_UNSPEC, 0, NULL,
			       false, NULL, NULL, 0));
	assert_true(pfx_updates(f) - before <= 3);
	assert_int_equal(fib4(f, "172.16.0.0", 16, &r), -ENOENT);
	assert_int_equal(fib4(f, "10.19.135.0", 24, &r), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_flush_honours_protocol,
						setup, sfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_bridge_port_leaving_is_no_delete, setup,
			sfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_kernel_nexthop_id_of_a_member_set, setup,
			sfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_kernel_nexthop_id_of_a_member_set_grace, setup,
			sfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_nexthop_events_touch_users_only, setup,
			sfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
