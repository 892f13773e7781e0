// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Flow hash and weighted ECMP pick (include/vta_hash.h), shared by the
 * BPF programs and `vtiaccel lookup`. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>

#include "vta_hash.h"

static void test_hash_deterministic_and_seeded(void **state)
{
	uint32_t a = vta_flow_hash4(htonl(0x0a10100a), htonl(0xac1f000a),
				    (1234u << 16) | 80, 6, 1);
	uint32_t b = vta_flow_hash4(htonl(0x0a10100a), htonl(0xac1f000a),
				    (1234u << 16) | 80, 6, 1);
	uint32_t c = vta_flow_hash4(htonl(0x0a10100a), htonl(0xac1f000a),
				    (1234u << 16) | 80, 6, 2);
	uint32_t d = vta_flow_hash4(htonl(0x0a10100a), htonl(0xac1f000a),
				    (1235u << 16) | 80, 6, 1);

	assert_int_equal(a, b);
	assert_int_not_equal(a, c);	/* the seed matters */
	assert_int_not_equal(a, d);	/* the source port matters */
}

static void test_hash_matches_jhash_mix(void **state)
{
	/* jhash_3words(1, 2, 3, 0) written out from lib/jhash.h step by
	 * step, independently of vta_jhash_3words' code layout. */
	uint32_t a = 1, b = 2, c = 3, iv = 0xdeadbeef + (3 << 2);
#define rol(x, k) (((x) << (k)) | ((x) >> (32 - (k))))
	a += iv; b += iv; c += iv;
	c ^= b; c -= rol(b, 14);
	a ^= c; a -= rol(c, 11);
	b ^= a; b -= rol(a, 25);
	c ^= b; c -= rol(b, 16);
	a ^= c; a -= rol(c, 4);
	b ^= a; b -= rol(a, 14);
	c ^= b; c -= rol(b, 24);
#undef rol
	assert_int_equal(vta_jhash_3words(1, 2, 3, 0), c);
}

static void test_pick_empty_and_invalid(void **state)
{
	struct vta_group g;

	memset(&g, 0, sizeof(g));
	assert_int_equal(vta_group_pick(&g, 12345), -1);
	g.n_paths = VTA_MAX_PATHS + 1;
	g.total_weight = 1;
	assert_int_equal(vta_group_pick(&g, 12345), -1);
}

static void test_pick_follows_weights(void **state)
{
	struct vta_group g;
	unsigned int hits[3] = { 0 }, i;

	memset(&g, 0, sizeof(g));
	g.n_paths = 3;
	g.paths[0].weight = 1;
	g.paths[1].weight = 2;
	g.paths[2].weight = 5;
	g.total_weight = 8;
	for (i = 0; i < 80000; i++) {
		int k = vta_group_pick(&g, vta_flow_hash4(htonl(0x0a000000 + i),
							  htonl(0xac1f0001),
							  0, 1, 42));
		assert_true(k >= 0 && k < 3);
		hits[k]++;
	}
	/* 10000 / 20000 / 50000 expected; allow 5 % of the total. */
	assert_in_range(hits[0], 6000, 14000);
	assert_in_range(hits[1], 16000, 24000);
	assert_in_range(hits[2], 46000, 54000);
}

static void test_pick_boundaries(void **state)
{
	struct vta_group g;

	memset(&g, 0, sizeof(g));
	g.n_paths = 2;
	g.paths[0].weight = 3;
	g.paths[1].weight = 1;
	g.total_weight = 4;
	/* hash-threshold: member 0 owns [0, 3/4) of the hash space */
	assert_int_equal(vta_group_pick(&g, 0), 0);
	assert_int_equal(vta_group_pick(&g, 0xbfffffff), 0);
	assert_int_equal(vta_group_pick(&g, 0xc0000000), 1);
	assert_int_equal(vta_group_pick(&g, 0xffffffff), 1);
	/* small hashes all fall into the first range (modulo spread them) */
	assert_int_equal(vta_group_pick(&g, 3), 0);
	assert_int_equal(vta_group_pick(&g, 7), 0);
}

/*
 * bpf/fib.h vta_route() skips the flow hash for a group of one member
 * whose weight covers the total: vta_group_pick() must give member 0 for
 * every hash then, bucket table or not, whatever the buckets say (the
 * daemon writes 0; other values fall back to the threshold).  With a
 * weight below the total (never written) it is not so: the shortcut's
 * condition excludes that.
 */
static __u32 lcg(__u32 h)
{
	return h * 1664525 + 1013904223;
}

static void test_pick_one_member_any_hash(void **state)
{
	static const __u32 edges[] = { 0, 1, 0x7fffffff, 0x80000000,
				       0xfffffffe, 0xffffffff };
	struct vta_group g;
	__u32 h, i, w;

	for (w = 1; w <= 256; w *= 4) {
		memset(&g, 0, sizeof(g));
		g.n_paths = 1;
		g.paths[0].weight = w;
		g.total_weight = w;
		for (i = 0; i < 6; i++)
			assert_int_equal(vta_group_pick(&g, edges[i]), 0);
		for (i = 0, h = 0x9e3779b9; i < 100000; i++, h = lcg(h))
			assert_int_equal(vta_group_pick(&g, h), 0);
		g.n_buckets = VTA_GROUP_BUCKETS;
		for (i = 0; i < VTA_GROUP_BUCKETS; i++)
			g.buckets[i] = i % 3 ? 0 : (__u8)(i & 0xff);
		for (i = 0, h = 1; i < 100000; i++, h = lcg(h))
			assert_int_equal(vta_group_pick(&g, h), 0);
	}
	g.paths[0].weight = 1;
	g.total_weight = 2;
	g.n_buckets = 0;
	assert_int_equal(vta_group_pick(&g, 0xffffffff), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hash_deterministic_and_seeded),
		cmocka_unit_test(test_hash_matches_jhash_mix),
		cmocka_unit_test(test_pick_empty_and_invalid),
		cmocka_unit_test(test_pick_follows_weights),
		cmocka_unit_test(test_pick_boundaries),
		cmocka_unit_test(test_pick_one_member_any_hash),
	};

	return cmocka_run_group_tests_name("hash", tests, NULL, NULL);
}
