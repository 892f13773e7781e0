// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Map writes that fail (user/sync*.c): an output that can be told to fail
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

#include "sync_fx.h"

/* The failing output's switches, and the store behind it. */
static struct {
	struct vta_sync_out mem_out; /* the store itself */
	struct vta_mem *mem;
	bool fail_fib_put, fail_fib_del, fail_group_put, fail_iface_put;
	bool fail_group_del, fail_iface_del, fail_peer_del;
	/* the group map full: a write of a new key fails (E2BIG, as
	 * htab_map_update_elem() on a full map), of an existing one not */
	bool groups_full;
	int failed;
} flt;

static char buf[NLB_BUFSZ];

/* The failing output: the store, unless told to fail (-ENOMEM, as
 * bpf_map_update_elem() on a full LPM trie). */
static int f_fib_put(void *ctx, int family, uint8_t len,
		     const union vta_addr *a, const struct vta_route *v)
{
	if (flt.fail_fib_put)
		return flt.failed++, -ENOMEM;
	return flt.mem_out.fib_put(flt.mem_out.ctx, family, len, a, v);
}

static int f_fib_del(void *ctx, int family, uint8_t len,
		     const union vta_addr *a)
{
	if (flt.fail_fib_del)
		return flt.failed++, -EFAULT;
	return flt.mem_out.fib_del(flt.mem_out.ctx, family, len, a);
}

static int f_group_put(void *ctx, uint32_t id, const struct vta_group *g)
{
	struct vta_group old;

	if (flt.fail_group_put)
		return flt.failed++, -ENOMEM;
	if (flt.groups_full && vta_mem_group(flt.mem, id, &old) == -ENOENT)
		return flt.failed++, -E2BIG;
	return flt.mem_out.group_put(flt.mem_out.ctx, id, g);
}

/* A delete that fails (-EFAULT: the kernel could not read the key) */
static int f_group_del(void *ctx, uint32_t id)
{
	if (flt.fail_group_del)
		return flt.failed++, -EFAULT;
	return flt.mem_out.group_del(flt.mem_out.ctx, id);
}

static int f_iface_put(void *ctx, uint32_t ifindex, const struct vta_iface *v)
{
	if (flt.fail_iface_put)
		return flt.failed++, -ENOMEM;
	return flt.mem_out.iface_put(flt.mem_out.ctx, ifindex, v);
}

static int f_iface_del(void *ctx, uint32_t ifindex)
{
	if (flt.fail_iface_del)
		return flt.failed++, -EFAULT;
	return flt.mem_out.iface_del(flt.mem_out.ctx, ifindex);
}

static int f_peer_put(void *ctx, const struct vta_peer_key *k,
		      const struct vta_peer *v)
{
	return flt.mem_out.peer_put(flt.mem_out.ctx, k, v);
}

static int f_peer_del(void *ctx, const struct vta_peer_key *k)
{
	if (flt.fail_peer_del)
		return flt.failed++, -EFAULT;
	return flt.mem_out.peer_del(flt.mem_out.ctx, k);
}

static int setup(void **state)
{
	static const struct vta_sync_out out = {
		.fib_put = f_fib_put,
		.fib_del = f_fib_del,
		.group_put = f_group_put,
		.group_del = f_group_del,
		.iface_put = f_iface_put,
		.iface_del = f_iface_del,
		.peer_put = f_peer_put,
		.peer_del = f_peer_del,
	};
	struct sfx *f = calloc(1, sizeof(*f));

	memset(&flt, 0, sizeof(flt));
	sfx_conf(f);
	f->mem = vta_mem_new();
	vta_sync_out_mem(&flt.mem_out, f->mem);
	flt.mem = f->mem;
	sfx_start(f, &out, NULL);
	sfx_links(f, SFX_ETH | SFX_VTI);
	*state = f;
	return 0;
}

static const struct nlb_nh ecmp[] = { { VTI1, "169.254.10.1", 1 },
				      { VTI2, "169.254.11.1", 1 } };

static struct nlmsghdr *route_ecmp(void)
{
	return nlb_route(buf, RTM_NEWROUTE, "172.31.0.0", 16, 254, RTN_UNICAST,
			 0, 0, ecmp, 2);
}

static unsigned long write_errors(struct sfx *f)
{
	struct vta_sync_counts c;

	vta_sync_get_counts(f->s, &c);
	return c.write_errors;
}

static unsigned long routes(struct sfx *f)
{
	struct vta_sync_counts c;

	vta_sync_get_counts(f->s, &c);
	return c.routes;
}

/* A new route whose write fails is not in the map: the model must not
 * count it, and the same message again (a resync's dump) writes it. */
static void test_fib_put_failure_rewritten_by_resync(void **state)
{
	struct sfx *f = *state;
	struct vta_route r;

	flt.fail_fib_put = true;
	sfx_msg(f, route_ecmp());
	assert_true(flt.failed > 0);
	assert_int_equal(sfx_fib(f, "172.31.0.0", 16, &r), -ENOENT);
	assert_int_equal(routes(f), 0);
	assert_true(write_errors(f) > 0);
	assert_true(vta_sync_write_pending(f->s));

	flt.fail_fib_put = false;
	sfx_msg(f, route_ecmp());
	assert_int_equal(sfx_fib(f, "172.31.0.0", 16, &r), 0);
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
	struct sfx *f = *state;
	struct vta_route r;

	sfx_msg(f, route_ecmp());
	assert_int_equal(sfx_fib(f, "172.31.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_UNICAST);
	flt.fail_fib_put = true;
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "172.31.0.0", 16, 254,
			     RTN_BLACKHOLE, 0, 0, NULL, 0));
	assert_int_equal(sfx_fib(f, "172.31.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_UNICAST); /* still the old one */
	assert_int_equal(vta_sync_retry(f->s), -EAGAIN); /* still failing */
	flt.fail_fib_put = false;
	assert_int_equal(vta_sync_retry(f->s), 0);
	assert_int_equal(sfx_fib(f, "172.31.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_KERNEL);
	assert_false(vta_sync_write_pending(f->s));
}

/* A deleted route whose map delete fails stays in the map: the model
 * keeps it (counted as in the map) until a retry deletes it. */
static void test_fib_delete_failure_retried(void **state)
{
	struct sfx *f = *state;
	struct vta_route r;

	sfx_msg(f, route_ecmp());
	flt.fail_fib_del = true;
	sfx_msg(f, nlb_route(buf, RTM_DELROUTE, "172.31.0.0", 16, 254,
			     RTN_UNICAST, 0, 0, ecmp, 2));
	assert_int_equal(sfx_fib(f, "172.31.0.0", 16, &r), 0);
	assert_int_equal(routes(f), 1);
	assert_true(vta_sync_write_pending(f->s));
	flt.fail_fib_del = false;
	assert_int_equal(vta_sync_retry(f->s), 0);
	assert_int_equal(sfx_fib(f, "172.31.0.0", 16, &r), -ENOENT);
	assert_int_equal(routes(f), 0);
	/* and a route for the prefix again is written normally */
	sfx_msg(f, route_ecmp());
	assert_int_equal(sfx_fib(f, "172.31.0.0", 16, &r), 0);
}

/* A nexthop group whose write failed is written by the same message
 * again (before, the model compared against what it never wrote). */
static void test_group_put_failure_rewritten(void **state)
{
	struct sfx *f = *state;
	static const unsigned int ids[] = { 1, 2 };
	static const int w[] = { 1, 1 };
	struct vta_group g;

	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 1, AF_INET, VTI1,
			       "169.254.10.1", false, NULL, NULL, 0));
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 2, AF_INET, VTI2,
			       "169.254.11.1", false, NULL, NULL, 0));
	flt.fail_group_put = true;
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 10, AF_UNSPEC, 0, NULL,
			       false, ids, w, 2));
	assert_int_equal(vta_mem_group(f->mem, 10, &g), -ENOENT);
	flt.fail_group_put = false;
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 10, AF_UNSPEC, 0, NULL,
			       false, ids, w, 2));
	assert_int_equal(vta_mem_group(f->mem, 10, &g), 0);
	assert_int_equal(g.n_paths, 2);
}

/* An interface whose update failed: the map keeps the old MTU until the
 * retry. */
static void test_iface_put_failure_retried(void **state)
{
	struct sfx *f = *state;
	struct vta_iface v;

	flt.fail_iface_put = true;
	sfx_msg(f, nlb_vti(buf, VTI1, "vti1", 1400, "10.16.1.254",
			   "203.0.113.10", 100, 100));
	assert_int_equal(vta_mem_iface(f->mem, VTI1, &v), 0);
	assert_int_equal(v.mtu, 1436);
	flt.fail_iface_put = false;
	assert_int_equal(vta_sync_retry(f->s), 0);
	assert_int_equal(vta_mem_iface(f->mem, VTI1, &v), 0);
	assert_int_equal(v.mtu, 1400);
}

static const unsigned int grp_ids[] = { 1, 2 };
static const int grp_w[] = { 1, 1 };

/* Nexthops 1 (vti1), 2 (vti2) and group 10 of both. */
static void group_10(struct sfx *f)
{
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 1, AF_INET, VTI1,
			       "169.254.10.1", false, NULL, NULL, 0));
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 2, AF_INET, VTI2,
			       "169.254.11.1", false, NULL, NULL, 0));
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 10, AF_UNSPEC, 0, NULL,
			       false, grp_ids, grp_w, 2));
}

/* The same, with the daemon's grace period on (replaced groups wait to
 * be deleted: retire()). */
static void grace_group_10(struct sfx *f)
{
	vta_sync_set_grace(f->s, true);
	group_10(f);
}

/* A deleted group whose map delete fails stays in the map: the retry
 * deletes it (before, nothing did: the model had dropped it). */
static void test_group_delete_failure_retried(void **state)
{
	struct sfx *f = *state;
	struct vta_group g;

	group_10(f);
	assert_int_equal(vta_mem_group(f->mem, 10, &g), 0);
	flt.fail_group_del = true;
	sfx_msg(f, nlb_nexthop(buf, RTM_DELNEXTHOP, 10, AF_UNSPEC, 0, NULL,
			       false, grp_ids, grp_w, 2));
	assert_true(flt.failed > 0);
	assert_int_equal(vta_mem_group(f->mem, 10, &g), 0);
	assert_true(vta_sync_write_pending(f->s));
	assert_int_equal(vta_sync_retry(f->s), -EAGAIN); /* fails again */
	assert_int_equal(vta_mem_group(f->mem, 10, &g), 0);
	flt.fail_group_del = false;
	assert_int_equal(vta_sync_retry(f->s), 0);
	assert_int_equal(vta_mem_group(f->mem, 10, &g), -ENOENT);
	assert_false(vta_sync_write_pending(f->s));
}

/* A failed delete whose key is written again before the retry: the
 * retry must not delete the live entry. */
static void test_group_delete_failure_then_rewritten(void **state)
{
	struct sfx *f = *state;
	struct vta_group g;

	group_10(f);
	flt.fail_group_del = true;
	sfx_msg(f, nlb_nexthop(buf, RTM_DELNEXTHOP, 10, AF_UNSPEC, 0, NULL,
			       false, grp_ids, grp_w, 2));
	flt.fail_group_del = false;
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 10, AF_UNSPEC, 0, NULL,
			       false, grp_ids, grp_w, 1)); /* vti1 only */
	assert_int_equal(vta_sync_retry(f->s), 0);
	assert_int_equal(vta_mem_group(f->mem, 10, &g), 0);
	assert_int_equal(g.n_paths, 1);
}

/* An interface (and its ESP peer) deleted while the map deletes fail:
 * both entries go at the retry. */
static void test_iface_peer_delete_failure_retried(void **state)
{
	struct sfx *f = *state;
	unsigned long peers = vta_mem_count_peers(f->mem);
	struct vta_iface v;

	assert_true(peers > 0);
	flt.fail_iface_del = true;
	flt.fail_peer_del = true;
	sfx_msg(f, nlb_link(buf, RTM_DELLINK, VTI2, "vti2", ARPHRD_TUNNEL,
			    NLB_UP, 1436, NULL));
	assert_int_equal(vta_mem_iface(f->mem, VTI2, &v), 0);
	assert_int_equal(vta_mem_count_peers(f->mem), peers);
	assert_true(vta_sync_write_pending(f->s));
	flt.fail_iface_del = false;
	flt.fail_peer_del = false;
	assert_int_equal(vta_sync_retry(f->s), 0);
	assert_int_equal(vta_mem_iface(f->mem, VTI2, &v), -ENOENT);
	assert_int_equal(vta_mem_count_peers(f->mem), peers - 1);
	assert_int_equal(vta_mem_iface(f->mem, VTI1, &v), 0);
}

/* Group 10's route: 172.31.0.0/16 through nexthop id 10. */
static void route_nh10(struct sfx *f)
{
	sfx_msg(f, nlb_route(buf, RTM_NEWROUTE, "172.31.0.0", 16, 254,
			     RTN_UNICAST, 0, 10, NULL, 0));
}

/*
 * A group changes while the group map is full: no room for its copy
 * under a new key.  It must not be rewritten in place (a program in
 * flight could read the old n_paths with the new members: the deferred
 * delete of retire() exists for that), so the map keeps it as it was,
 * its routes go to the kernel, and the retry writes the copy once there
 * is room.
 */
static void test_group_parked_when_map_full(void **state)
{
	struct sfx *f = *state;
	struct vta_group g;
	struct vta_route r;
	uint32_t moved;

	grace_group_10(f);
	route_nh10(f);
	assert_int_equal(sfx_fib(f, "172.31.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_UNICAST);
	assert_int_equal(r.group_id, 10);

	flt.groups_full = true;
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 10, AF_UNSPEC, 0, NULL,
			       false, grp_ids, grp_w, 1)); /* vti1 only */
	assert_true(flt.failed > 0);
	assert_int_equal(vta_mem_group(f->mem, 10, &g), 0);
	assert_int_equal(g.n_paths, 2); /* as it was: not written in place */
	assert_int_equal(sfx_fib(f, "172.31.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_KERNEL);
	assert_true(vta_sync_write_pending(f->s));
	assert_int_equal(vta_sync_retry(f->s), -EAGAIN); /* still full */
	assert_int_equal(sfx_fib(f, "172.31.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_KERNEL);

	flt.groups_full = false;
	assert_int_equal(vta_sync_retry(f->s), 0);
	assert_int_equal(sfx_fib(f, "172.31.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_UNICAST);
	moved = r.group_id;
	assert_true(moved != 10);
	assert_int_equal(vta_mem_group(f->mem, moved, &g), 0);
	assert_int_equal(g.n_paths, 1);
	/* the old key leaves after its grace period */
	vta_sync_tick(f->s);
	vta_sync_tick(f->s);
	assert_int_equal(vta_mem_group(f->mem, 10, &g), -ENOENT);
	assert_int_equal(vta_mem_group(f->mem, moved, &g), 0);
}

/* A group whose change was parked changes back to what the map holds:
 * its routes come back to the fast path without a write. */
static void test_group_parked_then_reverted(void **state)
{
	struct sfx *f = *state;
	struct vta_route r;

	grace_group_10(f);
	route_nh10(f);
	flt.groups_full = true;
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 10, AF_UNSPEC, 0, NULL,
			       false, grp_ids, grp_w, 1));
	assert_int_equal(sfx_fib(f, "172.31.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_KERNEL);
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 10, AF_UNSPEC, 0, NULL,
			       false, grp_ids, grp_w, 2));
	assert_int_equal(sfx_fib(f, "172.31.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_UNICAST);
	assert_int_equal(r.group_id, 10);
}

/*
 * Found by tests/net/sync/test_churn.sh: with the daemon's grace period
 * on, a group the kernel deletes and re-creates (a link flap empties it,
 * `ip nexthop replace` makes it again) while the group map is full.  Its
 * id still waits for its deferred delete, so the new group may not be
 * written there (the old one could be read in flight) and there is no
 * room under a new key: it is parked (routes to the kernel) until the
 * old one has left, and that delete must not take the new one away.
 */
static void test_group_recreated_parked_not_retired(void **state)
{
	struct sfx *f = *state;
	struct vta_group g;
	struct vta_route r;
	int i;

	grace_group_10(f);
	sfx_msg(f, nlb_nexthop(buf, RTM_DELNEXTHOP, 10, AF_UNSPEC, 0, NULL,
			       false, grp_ids, grp_w, 2));
	flt.groups_full = true;
	sfx_msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 10, AF_UNSPEC, 0, NULL,
			       false, grp_ids, grp_w, 1));
	route_nh10(f);
	assert_true(flt.failed > 0); /* the copy under a new id */
	assert_int_equal(vta_mem_group(f->mem, 10, &g), 0);
	assert_int_equal(g.n_paths, 2); /* the old one, not overwritten */
	assert_int_equal(sfx_fib(f, "172.31.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_KERNEL);
	for (i = 0; i < 2; i++)
		vta_sync_tick(f->s);
	assert_int_equal(vta_mem_group(f->mem, 10, &g), -ENOENT);
	flt.groups_full = false; /* the delete made room */
	assert_int_equal(vta_sync_retry(f->s), 0);
	assert_int_equal(sfx_fib(f, "172.31.0.0", 16, &r), 0);
	assert_int_equal(r.type, VTA_RT_UNICAST);
	assert_int_equal(vta_mem_group(f->mem, r.group_id, &g), 0);
	assert_int_equal(g.n_paths, 1);
	for (i = 0; i < 3; i++)
		vta_sync_tick(f->s);
	assert_int_equal(vta_mem_group(f->mem, r.group_id, &g), 0);
	assert_int_equal(g.n_paths, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_fib_put_failure_rewritten_by_resync, setup,
			sfx_teardown),
		cmocka_unit_test_setup_teardown(test_fib_update_failure_retried,
						setup, sfx_teardown),
		cmocka_unit_test_setup_teardown(test_fib_delete_failure_retried,
						setup, sfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_group_put_failure_rewritten, setup, sfx_teardown),
		cmocka_unit_test_setup_teardown(test_iface_put_failure_retried,
						setup, sfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_group_delete_failure_retried, setup, sfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_group_delete_failure_then_rewritten, setup,
			sfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_iface_peer_delete_failure_retried, setup,
			sfx_teardown),
		cmocka_unit_test_setup_teardown(test_group_parked_when_map_full,
						setup, sfx_teardown),
		cmocka_unit_test_setup_teardown(test_group_parked_then_reverted,
						setup, sfx_teardown),
		cmocka_unit_test_setup_teardown(
			test_group_recreated_parked_not_retired, setup,
			sfx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
