// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Resilient ECMP (issue 11, item 9): how many flows move when a group's
 * members change.  The groups come from the sync model fed with the
 * kernel's messages (user/sync*.c, user/resilient.c), the pick is the
 * programs' own (vta_group_pick() in include/vta_hash.h), the flows are
 * 10,000 random 5-tuples.  Each case prints the fraction of flows that
 * moved with the bucket table and, for comparison, with hash-threshold
 * alone (the same groups without their table: the pick before).
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
#include "vta_hash.h"

enum { VTI3 = 7, VTI1_NEW = 15 };

#define FLOWS 10000
#define DST4 "172.16.0.0"
#define DST6 "fd00:16::"

static char buf[NLB_BUFSZ];

struct fx {
	struct sfx x; /* first: sfx_teardown() frees the whole */
	uint32_t hash[FLOWS];
};

static void msg(struct fx *f, const struct nlmsghdr *nlh)
{
	sfx_msg(&f->x, nlh);
}

static void vti(struct fx *f, int ifindex, const char *name, int n)
{
	char peer[32];

	snprintf(peer, sizeof(peer), "203.0.113.%d", 10 * n);
	msg(f, nlb_vti(buf, ifindex, name, 1436, "10.16.1.254", peer, 100 * n,
		       100 * n));
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	uint32_t x = 0x2545f491;
	int i;

	sfx_conf(&f->x);
	sfx_start(&f->x, NULL, NULL);
	sfx_links(&f->x, SFX_ETH);
	vti(f, VTI1, "vti1", 1);
	vti(f, VTI2, "vti2", 2);
	vti(f, VTI3, "vti3", 3);
	/* random flows (xorshift32, fixed seed: reproducible) */
	for (i = 0; i < FLOWS; i++) {
		uint32_t sa, da, ports;

		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		sa = x;
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		da = x;
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		ports = x;
		f->hash[i] = vta_flow_hash4(sa, da, ports, 6, 0x5eed);
	}
	*state = f;
	return 0;
}

static void group_of(struct fx *f, const char *dst, int len,
		     struct vta_group *g)
{
	struct vta_route r;
	union vta_addr a;

	memset(&a, 0, sizeof(a));
	inet_pton(nlb_family(dst), dst, a.b);
	assert_int_equal(vta_mem_fib(f->x.mem, nlb_family(dst), len, &a, &r),
			 0);
	assert_int_equal(r.type, VTA_RT_UNICAST);
	assert_int_equal(vta_mem_group(f->x.mem, r.group_id, g), 0);
	/* the daemon always writes a table */
	assert_int_equal(g->n_buckets, VTA_GROUP_BUCKETS);
}

/* Who carries each flow: the member's tunnel number (vti1 re-created is
 * still tunnel 1), with the table or (table false) hash-threshold. */
static void picks(const struct fx *f, const struct vta_group *g, bool table,
		  uint8_t *who)
{
	struct vta_group h = *g;
	int i, k;

	if (!table)
		h.n_buckets = 0;
	for (i = 0; i < FLOWS; i++) {
		k = vta_group_pick(&h, f->hash[i]);
		assert_true(k >= 0 && (uint32_t)k < h.n_paths);
		switch (h.paths[k].ifindex) {
		case VTI1:
		case VTI1_NEW:
			who[i] = 1;
			break;
		case VTI2:
			who[i] = 2;
			break;
		case VTI3:
			who[i] = 3;
			break;
		default:
			fail_msg("flow %d to ifindex %u", i,
				 h.paths[k].ifindex);
		}
	}
}

struct moves {
	int moved; /* flows on another member after */
	int moved_survivor; /* ... that were on a member still there */
	int moved_between; /* ... from one old member to another */
	int to[4]; /* moved flows by their new member */
};

/* Compare who carried each flow before and after; alive[t]: tunnel t is
 * a member after the change, fresh[t]: it was not one before. */
static struct moves count(const uint8_t *a, const uint8_t *b, const bool *alive,
			  const bool *fresh)
{
	struct moves m = { 0 };
	int i;

	for (i = 0; i < FLOWS; i++) {
		if (a[i] == b[i])
			continue;
		m.moved++;
		m.to[b[i]]++;
		if (alive[a[i]])
			m.moved_survivor++;
		if (!fresh[b[i]])
			m.moved_between += alive[a[i]];
	}
	return m;
}

/*
 * The group of dst before and after change(); prints the moved fractions
 * with the table and with hash-threshold, returns the table's.
 */
struct change {
	const char *what;
	bool alive[4], fresh[4];
};

static struct moves measure(struct fx *f, const char *dst, int len,
			    const struct change *c,
			    void (*change)(struct fx *f))
{
	static uint8_t a[FLOWS], b[FLOWS], ha[FLOWS], hb[FLOWS];
	struct vta_group g0, g1;
	struct moves m, h;

	group_of(f, dst, len, &g0);
	picks(f, &g0, true, a);
	picks(f, &g0, false, ha);
	change(f);
	group_of(f, dst, len, &g1);
	picks(f, &g1, true, b);
	picks(f, &g1, false, hb);
	m = count(a, b, c->alive, c->fresh);
	h = count(ha, hb, c->alive, c->fresh);
	print_message("%s: %d flows, moved %.4f (survivors' flows %.4f) with "
		      "buckets; hash-threshold moved %.4f (survivors' %.4f)\n",
		      c->what, FLOWS, (double)m.moved / FLOWS,
		      (double)m.moved_survivor / FLOWS, (double)h.moved / FLOWS,
		      (double)h.moved_survivor / FLOWS);
	return m;
}

static void route3(struct fx *f, const char *dst, int len, int w1)
{
	bool v6 = nlb_family(dst) == AF_INET6;
	struct nlb_nh three[3] = {
		{ VTI1, v6 ? "fd00:10::1" : "169.254.10.1", w1 },
		{ VTI2, v6 ? "fd00:20::1" : "169.254.20.1", 1 },
		{ VTI3, v6 ? "fd00:30::1" : "169.254.30.1", 1 },
	};

	msg(f, nlb_route(buf, RTM_NEWROUTE, dst, len, RT_TABLE_MAIN,
			 RTN_UNICAST, 0, 0, three, 3));
}

static void route2(struct fx *f, int drop)
{
	struct nlb_nh all[3] = { { VTI1, "169.254.10.1", 1 },
				 { VTI2, "169.254.20.1", 1 },
				 { VTI3, "169.254.30.1", 1 } };
	struct nlb_nh two[2];
	int i, k = 0;

	for (i = 0; i < 3; i++)
		if (i != drop - 1)
			two[k++] = all[i];
	msg(f, nlb_route(buf, RTM_NEWROUTE, DST4, 16, RT_TABLE_MAIN,
			 RTN_UNICAST, 0, 0, two, 2));
}

static void drop3(struct fx *f)
{
	route2(f, 3);
}

static void drop2(struct fx *f)
{
	route2(f, 2);
}

static void add3(struct fx *f)
{
	route3(f, DST4, 16, 1);
}

static void weight2(struct fx *f)
{
	route3(f, DST4, 16, 2);
}

/* 3 -> 2, the end member (by order) removed: only its flows move. */
static void test_remove_end(void **state)
{
	struct fx *f = *state;
	struct change c = { "3->2 (vti3 removed)",
			    { false, true, true, false } };
	struct moves m;

	route3(f, DST4, 16, 1);
	m = measure(f, DST4, 16, &c, drop3);
	assert_int_equal(m.moved_survivor, 0);
	/* vti3's flows, about a third, all moved */
	assert_true(m.moved > FLOWS / 4 && m.moved < FLOWS * 5 / 12);
}

static void test_remove_middle(void **state)
{
	struct fx *f = *state;
	struct change c = { "3->2 (vti2 removed)",
			    { false, true, false, true } };
	struct moves m;

	route3(f, DST4, 16, 1);
	m = measure(f, DST4, 16, &c, drop2);
	assert_int_equal(m.moved_survivor, 0);
	assert_true(m.moved > FLOWS / 4 && m.moved < FLOWS * 5 / 12);
}

/* 2 -> 3: the new member takes its third evenly from the others, and no
 * flow moves between the old members. */
static void test_add_member(void **state)
{
	struct fx *f = *state;
	struct change c = { "2->3 (vti3 added)",
			    { false, true, true, true },
			    { false, false, false, true } };
	struct moves m;

	route2(f, 3);
	m = measure(f, DST4, 16, &c, add3);
	assert_int_equal(m.moved_between, 0);
	assert_int_equal(m.to[3], m.moved);
	assert_true(m.moved > FLOWS / 4 && m.moved < FLOWS * 5 / 12);
	/* taken evenly: vti1 and vti2 each gave about half of them */
	{
		struct vta_group g;
		uint32_t i, n[3] = { 0 };

		group_of(f, DST4, 16, &g);
		for (i = 0; i < VTA_GROUP_BUCKETS; i++)
			n[g.buckets[i]]++;
		for (i = 0; i < 3; i++)
			assert_true(n[i] == 42 || n[i] == 43);
	}
}

/* 1:1:1 -> 2:1:1: flows move only to vti1 (its share grew from a third
 * to a half: a sixth of all flows), none between vti2 and vti3. */
static void test_weight_change(void **state)
{
	struct fx *f = *state;
	struct change c = { "weights 1:1:1 -> 2:1:1",
			    { false, true, true, true },
			    { false, true, false, false } };
	struct moves m;

	route3(f, DST4, 16, 1);
	m = measure(f, DST4, 16, &c, weight2);
	assert_int_equal(m.to[1], m.moved);
	assert_true(m.moved > FLOWS / 8 && m.moved < FLOWS * 5 / 24);
}

/*
 * vti1 deleted and created again with a new ifindex: the kernel removes
 * the multipath route with it (silently), zebra adds it again through
 * the new vti1.  Nothing moves: the new group starts from the freed one
 * (a fresh table would move flows).
 */
static void recreate(struct fx *f)
{
	struct nlb_nh three[3] = { { VTI1_NEW, "169.254.10.1", 1 },
				   { VTI2, "169.254.20.1", 1 },
				   { VTI3, "169.254.30.1", 1 } };
	union vta_addr a;
	struct vta_route r;

	msg(f, nlb_link(buf, RTM_DELLINK, VTI1, "vti1", ARPHRD_TUNNEL, 0, 1436,
			"vti"));
	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, DST4, a.b);
	assert_int_equal(vta_mem_fib(f->x.mem, AF_INET, 16, &a, &r), -ENOENT);
	vti(f, VTI1_NEW, "vti1", 1);
	msg(f, nlb_route(buf, RTM_NEWROUTE, DST4, 16, RT_TABLE_MAIN,
			 RTN_UNICAST, 0, 0, three, 3));
}

static void test_recreated_ifindex(void **state)
{
	struct fx *f = *state;
	struct change c = { "vti1 re-created (new ifindex)",
			    { false, true, true, true } };
	struct moves m;

	/* a table with a history (vti3 added later), not a fresh fill,
	 * so that only carrying it over can keep every flow in place */
	route2(f, 3);
	route3(f, DST4, 16, 1);
	m = measure(f, DST4, 16, &c, recreate);
	assert_int_equal(m.moved, 0);
}

/* IPv6: one sibling deleted (RTM_DELROUTE of that nexthop only). */
static void del6(struct fx *f)
{
	struct nlb_nh one = { VTI3, "fd00:30::1", 1 };

	msg(f, nlb_route(buf, RTM_DELROUTE, DST6, 32, RT_TABLE_MAIN,
			 RTN_UNICAST, 0, 0, &one, 1));
}

static void test_ipv6_sibling_deleted(void **state)
{
	struct fx *f = *state;
	struct change c = { "IPv6 3->2 (vti3 sibling deleted)",
			    { false, true, true, false } };
	struct moves m;

	route3(f, DST6, 32, 1);
	m = measure(f, DST6, 32, &c, del6);
	assert_int_equal(m.moved_survivor, 0);
	assert_true(m.moved > FLOWS / 4);
}

/* A nexthop object group replaced without one member. */
static void nh_group(struct fx *f, int n)
{
	static const unsigned int ids[3] = { 1, 2, 3 };
	static const int w[3] = { 1, 1, 1 };

	msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 10, AF_INET, 0, NULL, false,
			   ids, w, n));
}

static void nh_drop(struct fx *f)
{
	nh_group(f, 2);
}

static void test_nexthop_group_replace(void **state)
{
	struct fx *f = *state;
	struct change c = { "nexthop group 3->2 (id 3 removed)",
			    { false, true, true, false } };
	struct nlb_nh none = { 0 };
	struct moves m;

	msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 1, AF_INET, VTI1,
			   "169.254.10.1", false, NULL, NULL, 0));
	msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 2, AF_INET, VTI2,
			   "169.254.20.1", false, NULL, NULL, 0));
	msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, 3, AF_INET, VTI3,
			   "169.254.30.1", false, NULL, NULL, 0));
	nh_group(f, 3);
	msg(f, nlb_route(buf, RTM_NEWROUTE, DST4, 16, RT_TABLE_MAIN,
			 RTN_UNICAST, 0, 10, &none, 0));
	m = measure(f, DST4, 16, &c, nh_drop);
	assert_int_equal(m.moved_survivor, 0);
	assert_true(m.moved > FLOWS / 4);
}

/*
 * A kernel resilient group (ip nexthop add id 10 group 1/2/3 type
 * resilient): its buckets move on the kernel's timers without a message,
 * so the programs cannot mirror it: its routes stay with the kernel.  The
 * same group of type mpath (hash-threshold) is forwarded.
 */
static void test_kernel_resilient_group_is_kernel(void **state)
{
	struct fx *f = *state;
	static const unsigned int ids[3] = { 1, 2, 3 };
	static const int w[3] = { 1, 1, 1 };
	struct nlb_nh none = { 0 };
	struct nlmsghdr *nlh;
	struct vta_route r;
	union vta_addr a;
	int i;

	for (i = 0; i < 3; i++) {
		char gw[32];

		snprintf(gw, sizeof(gw), "169.254.%d.1", 10 * (i + 1));
		msg(f, nlb_nexthop(buf, RTM_NEWNEXTHOP, i + 1, AF_INET,
				   VTI1 + i, gw, false, NULL, NULL, 0));
	}
	nlh = nlb_nexthop(buf, RTM_NEWNEXTHOP, 10, AF_INET, 0, NULL, false, ids,
			  w, 3);
	mnl_attr_put_u16(nlh, NHA_GROUP_TYPE, NEXTHOP_GRP_TYPE_RES);
	msg(f, nlh);
	msg(f, nlb_route(buf, RTM_NEWROUTE, DST4, 16, RT_TABLE_MAIN,
			 RTN_UNICAST, 0, 10, &none, 0));
	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, DST4, a.b);
	assert_int_equal(vta_mem_fib(f->x.mem, AF_INET, 16, &a, &r), 0);
	assert_int_equal(r.type, VTA_RT_KERNEL);
	/* replaced by an mpath group (type 0): forwarded again */
	nlh = nlb_nexthop(buf, RTM_NEWNEXTHOP, 10, AF_INET, 0, NULL, false, ids,
			  w, 3);
	mnl_attr_put_u16(nlh, NHA_GROUP_TYPE, NEXTHOP_GRP_TYPE_MPATH);
	msg(f, nlh);
	assert_int_equal(vta_mem_fib(f->x.mem, AF_INET, 16, &a, &r), 0);
	assert_int_equal(r.type, VTA_RT_UNICAST);
}

/*
 * A restarted daemon: a new model learns the final state only (the
 * route with three members, no history), seeded with the groups the
 * maps held; its table must be the old one, or the restart moves flows.
 */
static void test_restart_seeded(void **state)
{
	struct fx *f = *state;
	struct vta_sync_out out;
	struct vta_sync *old = f->x.s;
	struct vta_mem *old_mem = f->x.mem;
	static uint8_t a[FLOWS], b[FLOWS];
	struct vta_group g0, g1;
	int i, moved = 0;

	route2(f, 3);
	route3(f, DST4, 16, 1); /* a table with a history */
	group_of(f, DST4, 16, &g0);
	picks(f, &g0, true, a);

	f->x.mem = vta_mem_new();
	vta_sync_out_mem(&out, f->x.mem);
	f->x.s = vta_sync_new(&f->x.conf, &out, NULL);
	assert_non_null(f->x.s);
	vta_sync_seed_group(f->x.s, &g0);
	msg(f, nlb_link(buf, RTM_NEWLINK, ETH1, "eth1", ARPHRD_ETHER, NLB_UP,
			1500, NULL));
	vti(f, VTI1, "vti1", 1);
	vti(f, VTI2, "vti2", 2);
	vti(f, VTI3, "vti3", 3);
	route3(f, DST4, 16, 1);
	group_of(f, DST4, 16, &g1);
	picks(f, &g1, true, b);
	for (i = 0; i < FLOWS; i++)
		moved += a[i] != b[i];
	print_message("daemon restart: %d of %d flows moved\n", moved, FLOWS);
	assert_int_equal(moved, 0);
	vta_sync_free(old);
	vta_mem_free(old_mem);
}

/* Shares follow the weights to the bucket (largest remainder). */
static void test_shares(void **state)
{
	static const uint16_t w[][3] = {
		{ 1, 1, 1 }, { 200, 56, 0 }, { 1, 256, 3 }, { 5, 5, 0 }
	};
	struct vta_rb_member cur[3];
	struct vta_group g;
	uint32_t q[VTA_MAX_PATHS], i, k, n, b;

	(void)state;
	for (k = 0; k < sizeof(w) / sizeof(w[0]); k++) {
		uint32_t cnt[3] = { 0 }, total = 0;

		memset(&g, 0, sizeof(g));
		memset(cur, 0, sizeof(cur));
		n = w[k][2] ? 3 : 2;
		g.n_paths = n;
		for (i = 0; i < n; i++) {
			g.paths[i].weight = w[k][i];
			g.total_weight += w[k][i];
			cur[i].ifindex = 100 + i;
		}
		vta_rb_fill(&g, cur, NULL);
		assert_int_equal(g.n_buckets, VTA_GROUP_BUCKETS);
		vta_rb_quotas(&g, q);
		for (b = 0; b < VTA_GROUP_BUCKETS; b++) {
			assert_true(g.buckets[b] < n);
			cnt[g.buckets[b]]++;
		}
		for (i = 0; i < n; i++) {
			double exact = (double)VTA_GROUP_BUCKETS * w[k][i] /
				       g.total_weight;

			assert_int_equal(cnt[i], q[i]);
			assert_true(cnt[i] > exact - 1 && cnt[i] < exact + 1);
			total += cnt[i];
		}
		assert_int_equal(total, VTA_GROUP_BUCKETS);
	}
	/* no usable member, no weight: no table */
	memset(&g, 0, sizeof(g));
	vta_rb_fill(&g, cur, NULL);
	assert_int_equal(g.n_buckets, 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, sfx_teardown)
	const struct CMUnitTest tests[] = {
		T(test_remove_end),
		T(test_remove_middle),
		T(test_add_member),
		T(test_weight_change),
		T(test_recreated_ifindex),
		T(test_ipv6_sibling_deleted),
		T(test_nexthop_group_replace),
		T(test_restart_seeded),
		T(test_kernel_resilient_group_is_kernel),
		cmocka_unit_test(test_shares),
	};

	return cmocka_run_group_tests_name("resilient", tests, NULL, NULL);
}
