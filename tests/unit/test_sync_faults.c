// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Map writes that fail (user/sync.c): an output that can be told to fail
 * (the in-memory store behind a switch, as an LPM trie refusing a node
 * allocation would) and the rule that the model records only what reached
 * the map, so that a resync's messages, the next event or
 * vta_sync_retry() write again what failed.
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

#include "nlmsg_build.h"
#include "conf.h"
#include "netlink.h"
#include "sync.h"

enum { ETH0 = 2, ETH1 = 3, VTI1 = 5, VTI2 = 6 };

struct fx {
	struct vta_mem *mem;
	struct vta_sync_out mem_out; /* the store itself */
	struct vta_sync *s;
	struct vta_conf conf;
	bool fail_fib_put, fail_fib_del, fail_group_put, fail_iface_put;
	bool fail_group_del, fail_iface_del, fail_peer_del;
	/* the group map full: a write of a new key fails (E2BIG, as
	 * htab_map_update_elem() on a full map), of an existing one not */
	bool groups_full;
	int failed;
};

static char buf[NLB_BUFSZ];

/* The failing output: the store, unless told to fail (-ENOMEM, as
 * bpf_map_update_elem() on a full LPM trie). */
static int f_fib_put(void *ctx, int family, uint8_t len,
		     const union vta_addr *a, const struct vta_route *v)
{
	struct fx *f = ctx;

	if (f->fail_fib_put)
		return f->failed++, -ENOMEM;
	return f->mem_out.fib_put(f->mem_out.ctx, family, len, a, v);
}

static int f_fib_del(void *ctx, int family, uint8_t len,
		     const union vta_addr *a)
{
	struct fx *f = ctx;

	if (f->fail_fib_del)
		return f->failed++, -EFAULT;
	return f->mem_out.fib_del(f->mem_out.ctx, family, len, a);
}

static int f_group_put(void *ctx, uint32_t id, const struct vta_group *g)
{
	struct fx *f = ctx;

	struct vta_group old;

	if (f->fail_group_put)
		return f->failed++, -ENOMEM;
	if (f->groups_full && vta_mem_group(f->mem, id, &old) == -ENOENT)
		return f->failed++, -E2BIG;
	return f->mem_out.group_put(f->mem_out.ctx, id, g);
}

/* A delete that fails (-EFAULT: the kernel could not read the key) */
static int f_group_del(void *ctx, uint32_t id)
{
	struct fx *f = ctx;

	if (f->fail_group_del)
		return f->failed++, -EFAULT;
	return f->mem_out.group_del(f->mem_out.ctx, id);
}

static int f_iface_put(void *ctx, uint32_t ifindex, const struct vta_iface *v)
{
	struct fx *f = ctx;

	if (f->fail_iface_put)
		return f->failed++, -ENOMEM;
	return f->mem_out.iface_put(f->mem_out.ctx, ifindex, v);
}

static int f_iface_del(void *ctx, uint32_t ifindex)
{
	struct fx *f = ctx;

	if (f->fail_iface_del)
		return f->failed++, -EFAULT;
	return f->mem_out.iface_del(f->mem_out.ctx, ifindex);
}

static int f_peer_put(void *ctx, const struct vta_peer_key *k,
		      const struct vta_peer *v)
{
	struct fx *f = ctx;

	return f->mem_out.peer_put(f->mem_out.ctx, k, v);
}

static int f_peer_del(void *ctx, const struct vta_peer_key *k)
{
	struct fx *f = ctx;

	if (f->fail_peer_del)
		return f->failed++, -EFAULT;
	return f->mem_out.peer_del(f->mem_out.ctx, k);
}

static void msg(struct fx *f, const struct nlmsghdr *nlh)
{
	assert_int_equal(vta_sync_rtnl_msg(f->s, nlh), 0);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct vta_sync_out out = {
		.ctx = f,
		.fib_put = f_fib_put,
		.fib_del = f_fib_del,
		.group_put = f_group_put,
		.group_del = f_group_del,
		.iface_put = f_iface_put,
		.iface_del = f_iface_del,
		.peer_put = f_peer_put,
		.peer_del = f_peer_del,
	};

	vta_conf_defaults(&f->conf);
	f->conf.lan.n = 1;
	strcpy(f->conf.lan.pat[0], "eth1");
	f->conf.wan.n = 1;
	strcpy(f->conf.wan.pat[0], "eth0");
	f->conf.tunnel.n = 1;
	strcpy(f->conf.tunnel.pat[0], "vti*");
	f->mem = vta_mem_new();
	vta_sync_out_mem(&f->mem_out, f->mem);
	f->s = vta_sync_new(&f->conf, &out, NULL);
	assert_non_null(f->s);
	msg(f, nlb_link(buf, RTM_NEWLINK, ETH0, "eth0", ARPHRD_ETHER, NLB_UP,
			1500, NULL));
	msg(f, nlb_link(buf, RTM_NEWLINK, ETH1, "eth1", ARPHRD_ETHER, NLB_UP,
			1500, NULL));
	msg(f, nlb_vti(buf, VTI1, "vti1", 1436, "10.16.1.254", "203.0.113.10",
		       100, 100));
	msg(f, nlb_vti(buf, VTI2, "vti2", 1436, "10.16.1.254", "203.0.113.20",
		       200, 200));
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	vta_sync_free(f->s);
	vta_mem_free(f->mem);
	free(f);
	return 0;
}

static int fib(struct fx *f, const char *dst, int len, struct vta_route *r)
{
	union vta_addr a;

	memset(&a, 0, sizeof(a));
	inet_pton(nlb_family(dst), dst, a.b);
	return vta_mem_fib(f->mem, nlb_family(dst), len, &a, r);
}

static const struct nlb_nh ecmp[] = { { VTI1, "169.254.10.1", 1 },
				      { VTI2, "169.254.11.1", 1 } };

static struct nlmsghdr *route_ecmp(void)
{
	return nlb_route(buf, RTM_NEWROUTE, "172.31.0.0", 16, 254, RTN_UNICAST,
			 0, 0, ecmp, 2);
}

static unsigned long write_errors(struct fx *f)
{
	struct vta_sync_counts c;

	vta_sync_get_counts(f->s, &c);
	return c.write_errors;
}

static unsigned long routes(struct fx *f)
{
	struct vta_sync_counts c;

	vta_sync_get_counts(f->s, &c);
	return c.routes;
}

/* A new route whose write fails is not in the map: the model must not
 * count it, and the same message again (a resync's dump) writes it. */
static void test_fib_put_failure_rewritten_by_resync(void **state)
{
	struct fx *f = *state;
	struct vta_route r;

	f->fail_fib_put = true;
	msg(f, route_ecmp());
	assert_true(f->failed > 0);
	assert_int_equal(fib(f, "172.31.0.0", 16, &r), -ENOENT);
	assert_int_equal(routes(f), 0);
	assert_true(write_errors(f) > 0);
	assert_true(vta_sync_write_pending(f->s));

	f->fail_fib_put = false;
	msg(f, route_ecmp());
	assert_int_equal(fib(f, "172.31.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_UNICAST);
	assert_int_equal(routes(f), 1);
	assert_int_equal(vta_sync_retry(f->s), 0);
	assert_false(vta_sync_write_pending(f->s));
}

/* A replaced route (same table and metric: the kernel's replace) whose
 * write fails: the map keeps the old value, so does the model; the
 * periodic retry writes the new one. */
static void test_fib_update_failure_retried(void **state)
{
	struct fx *f = *state;
	struct vta_route r;

	msg(f, route_ecmp());
	assert_int_equal(fib(f, "172.31.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_UNICAST);
	f->fail_fib_put = true;
	msg(f, nlb_route(buf, RTM_NEWROUTE, "172.31.0.0", 16, 254,
			 RTN_BLACKHOLE, 0, 0, NULL, 0));
	assert_int_equal(fib(f, "172.31.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_UNICAST); /* still the old one */
	assert_int_equal(vta_sync_retry(f->s), -EAGAIN); /* still failing */
	f->fail_fib_put = false;
	assert_int_equal(vta_sync_retry(f->s), 0);
	assert_int_equal(fib(f, "172.31.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_KERNEL);
	assert_false(vta_sync_write_pending(f->s));
}

/* A deleted route whose map delete fails stays in the map: the model
 * keeps it (counted as in the map) until a retry deletes it. */
static void test_fib_delete_failure_retried(void **state)
{
	struct fx *f = *state;
	struct vta_route r;

	msg(f, route_ecmp());
	f->fail_fib_del = true;
	msg(f, nlb_route(buf, RTM_DELROUTE, "172.31.0.0", 16, 254, RTN_UNICAST,
			 0, 0, ecmp, 2));
	assert_int_equal(fib(f, "172.31.0.0", 16, &r), 0);
	assert_int_equal(routes(f), 1);
	assert_true(vta_sync_write_pending(f->s));
	f->fail_fib_del = false;
	assert_int_equal(vta_sync_retry(f->s), 0);
	assert_int_equal(fib(f, "172.31.0.0", 16, &r), -ENOENT);
	assert_int_equal(routes(f), 0);
	/* and a route for the prefix again is written normally */
	msg(f, route_ecmp());
	assert_int_equal(fib(f, "172.31.0.0", 16, &r), 0);
}

/* A nexthop group whose write failed is written by the same message
 * again (before, the model compared against what it never wrote). */
static void test_group_put_failure_rewritten(void **state)
{
	struct fx *f = *state;
	static const unsigned int ids[] = { 1, 2 };
	static const int w[] = { 1, 1 };
	struct vta_group g;

	msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 1, AF_INET, VTI1,
			   "169.254.10.1", false, NULL, NULL, 0));
	msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 2, AF_INET, VTI2,
			   "169.254.11.1", false, NULL, NULL, 0));
	f->fail_group_put = true;
	msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 10, AF_UNSPEC, 0, NULL, false,
			   ids, w, 2));
	assert_int_equal(vta_mem_group(f->mem, 10, &g), -ENOENT);
	f->fail_group_put = false;
	msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 10, AF_UNSPEC, 0, NULL, false,
			   ids, w, 2));
	assert_int_equal(vta_mem_group(f->mem, 10, &g), 0);
	assert_int_equal(g.n_paths, 2);
}

/* An interface whose update failed: the map keeps the old MTU until the
 * retry. */
static void test_iface_put_failure_retried(void **state)
{
	struct fx *f = *state;
	struct vta_iface v;

	f->fail_iface_put = true;
	msg(f, nlb_vti(buf, VTI1, "vti1", 1400, "10.16.1.254", "203.0.113.10",
		       100, 100));
	assert_int_equal(vta_mem_iface(f->mem, VTI1, &v), 0);
	assert_int_equal(v.mtu, 1436);
	f->fail_iface_put = false;
	assert_int_equal(vta_sync_retry(f->s), 0);
	assert_int_equal(vta_mem_iface(f->mem, VTI1, &v), 0);
	assert_int_equal(v.mtu, 1400);
}

static const unsigned int grp_ids[] = { 1, 2 };
static const int grp_w[] = { 1, 1 };

/* Nexthops 1 (vti1), 2 (vti2) and group 10 of both. */
static void group_10(struct fx *f)
{
	msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 1, AF_INET, VTI1,
			   "169.254.10.1", false, NULL, NULL, 0));
	msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 2, AF_INET, VTI2,
			   "169.254.11.1", false, NULL, NULL, 0));
	msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 10, AF_UNSPEC, 0, NULL, false,
			   grp_ids, grp_w, 2));
}

/* A deleted group whose map delete fails stays in the map: the retry
 * deletes it (before, nothing did: the model had dropped it). */
static void test_group_delete_failure_retried(void **state)
{
	struct fx *f = *state;
	struct vta_group g;

	group_10(f);
	assert_int_equal(vta_mem_group(f->mem, 10, &g), 0);
	f->fail_group_del = true;
	msg(f, nlb_nexthop(buf, RTM_DELNEXTHOP, 10, AF_UNSPEC, 0, NULL, false,
			   grp_ids, grp_w, 2));
	assert_true(f->failed > 0);
	assert_int_equal(vta_mem_group(f->mem, 10, &g), 0);
	assert_true(vta_sync_write_pending(f->s));
	assert_int_equal(vta_sync_retry(f->s), -EAGAIN); /* fails again */
	assert_int_equal(vta_mem_group(f->mem, 10, &g), 0);
	f->fail_group_del = false;
	assert_int_equal(vta_sync_retry(f->s), 0);
	assert_int_equal(vta_mem_group(f->mem, 10, &g), -ENOENT);
	assert_false(vta_sync_write_pending(f->s));
}

/* A failed delete whose key is written again before the retry: the
 * retry must not delete the live entry. */
static void test_group_delete_failure_then_rewritten(void **state)
{
	struct fx *f = *state;
	struct vta_group g;

	group_10(f);
	f->fail_group_del = true;
	msg(f, nlb_nexthop(buf, RTM_DELNEXTHOP, 10, AF_UNSPEC, 0, NULL, false,
			   grp_ids, grp_w, 2));
	f->fail_group_del = false;
	msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 10, AF_UNSPEC, 0, NULL, false,
			   grp_ids, grp_w, 1)); /* vti1 only */
	assert_int_equal(vta_sync_retry(f->s), 0);
	assert_int_equal(vta_mem_group(f->mem, 10, &g), 0);
	assert_int_equal(g.n_paths, 1);
}

/* An interface (and its ESP peer) deleted while the map deletes fail:
 * both entries go at the retry. */
static void test_iface_peer_delete_failure_retried(void **state)
{
	struct fx *f = *state;
	unsigned long peers = vta_mem_count_peers(f->mem);
	struct vta_iface v;

	assert_true(peers > 0);
	f->fail_iface_del = true;
	f->fail_peer_del = true;
	msg(f, nlb_link(buf, RTM_DELLINK, VTI2, "vti2", ARPHRD_TUNNEL, NLB_UP,
			1436, NULL));
	assert_int_equal(vta_mem_iface(f->mem, VTI2, &v), 0);
	assert_int_equal(vta_mem_count_peers(f->mem), peers);
	assert_true(vta_sync_write_pending(f->s));
	f->fail_iface_del = false;
	f->fail_peer_del = false;
	assert_int_equal(vta_sync_retry(f->s), 0);
	assert_int_equal(vta_mem_iface(f->mem, VTI2, &v), -ENOENT);
	assert_int_equal(vta_mem_count_peers(f->mem), peers - 1);
	assert_int_equal(vta_mem_iface(f->mem, VTI1, &v), 0);
}

/*
 * Found by tests/net/sync/test_churn.sh: with the daemon's grace period
 * on, a group the kernel deletes and re-creates (a link flap empties it,
 * `ip nexthop replace` makes it again) while the group map is full: no
 * room for a copy under a new id, so it is written in place under its
 * id, which is still waiting for its deferred delete.  That delete must
 * not take the live group away from the routes using it.
 */
static void test_group_rewritten_in_place_not_retired(void **state)
{
	struct fx *f = *state;
	struct vta_group g;
	int i;

	vta_sync_set_grace(f->s, true);
	group_10(f);
	msg(f, nlb_nexthop(buf, RTM_DELNEXTHOP, 10, AF_UNSPEC, 0, NULL, false,
			   grp_ids, grp_w, 2));
	f->groups_full = true;
	msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 10, AF_UNSPEC, 0, NULL, false,
			   grp_ids, grp_w, 1));
	assert_true(f->failed > 0); /* the copy under a new id */
	assert_int_equal(vta_mem_group(f->mem, 10, &g), 0);
	assert_int_equal(g.n_paths, 1);
	for (i = 0; i < 3; i++)
		vta_sync_tick(f->s);
	assert_int_equal(vta_mem_group(f->mem, 10, &g), 0);
	assert_int_equal(g.n_paths, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_fib_put_failure_rewritten_by_resync, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_fib_update_failure_retried,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_fib_delete_failure_retried,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_group_put_failure_rewritten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iface_put_failure_retried,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_group_delete_failure_retried, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_group_delete_failure_then_rewritten, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_iface_peer_delete_failure_retried, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_group_rewritten_in_place_not_retired, setup,
			teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
