// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The DIR-24-8 IPv4 FIB writer (user/fib4.c), driven on memory of its
 * own and read back with the programs' lookup (vta_fib4_view_lookup()),
 * against a naive longest-prefix match over the same prefixes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <arpa/inet.h>

#include "fib4.h"

/* The naive reference: a list of prefixes, longest match by scan. */
struct ref {
	uint32_t addr[8192];
	uint8_t len[8192];
	uint32_t gid[8192];
	int n;
};

static uint32_t mask(int len)
{
	return len ? ~0U << (32 - len) : 0;
}

static int ref_find(const struct ref *r, uint32_t a, int len)
{
	int i;

	for (i = 0; i < r->n; i++)
		if (r->len[i] == len && r->addr[i] == (a & mask(len)))
			return i;
	return -1;
}

static void ref_put(struct ref *r, uint32_t a, int len, uint32_t gid)
{
	int i = ref_find(r, a, len);

	if (i < 0) {
		i = r->n++;
		r->addr[i] = a & mask(len);
		r->len[i] = len;
	}
	r->gid[i] = gid;
}

static void ref_del(struct ref *r, int i)
{
	r->n--;
	r->addr[i] = r->addr[r->n];
	r->len[i] = r->len[r->n];
	r->gid[i] = r->gid[r->n];
}

/* group id of the longest match, 0: none */
static uint32_t ref_lookup(const struct ref *r, uint32_t a)
{
	int i, best = -1;

	for (i = 0; i < r->n; i++)
		if ((a & mask(r->len[i])) == r->addr[i] &&
		    (best < 0 || r->len[i] > r->len[best]))
			best = i;
	return best < 0 ? 0 : r->gid[best];
}

/* The group of the match; what the programs read (the interned value)
 * must be the matching prefix's route. */
static uint32_t lk(const struct vta_fib4 *f, uint32_t a)
{
	struct vta_fib4_view v;
	const struct vta_fib4_slot *s, *rs = NULL;
	const struct vta_route *pr;

	vta_fib4_get_view(f, &v);
	s = vta_fib4_view_lookup(&v, a);
	pr = vta_fib4_view_route(&v, a, &rs);
	assert_true(!s == !pr);
	if (s) {
		assert_ptr_equal(rs, s);
		assert_memory_equal(pr, &s->r, sizeof(*pr));
	}
	return s ? s->r.group_id : 0;
}

/* The interned value id the entry for a carries (0: none). */
static uint32_t rv_of(const struct vta_fib4 *f, uint32_t a)
{
	struct vta_fib4_view v;

	vta_fib4_get_view(f, &v);
	return vta_fib4_view_entry(&v, a) >> VTA_FIB4_RV_SHIFT;
}

static int put(struct vta_fib4 *f, uint32_t a, int len, uint32_t gid)
{
	struct vta_route r = { .group_id = gid };

	return vta_fib4_put(f, a, len, &r);
}

static uint64_t rs = 0x243f6a8885a308d3ULL;

static uint32_t rnd(void)
{
	rs ^= rs << 13;
	rs ^= rs >> 7;
	rs ^= rs << 17;
	return (uint32_t)rs;
}

/* /0 .. /32 all nested at one address: every address in between finds
 * the longest; deleting any one gives its addresses to the next shorter
 * one (and its slot back to the prefix's own record). */
static void test_every_length_nested(void **state)
{
	struct vta_fib4 *f = vta_fib4_new(NULL, 64, 256);
	const uint32_t base = 0x0a123456;
	struct vta_fib4_counts c;
	int len, k;

	assert_non_null(f);
	for (len = 0; len <= 32; len++)
		assert_int_equal(put(f, base, len, 100 + len), 0);
	/* the address that differs from base first in bit (31 - len) is
	 * matched by /len and nothing longer */
	for (len = 0; len < 32; len++)
		assert_int_equal(lk(f, base ^ (1U << (31 - len))), 100 + len);
	assert_int_equal(lk(f, base), 132);
	vta_fib4_get_counts(f, &c);
	assert_int_equal(c.prefixes, 33);
	assert_int_equal(c.blocks, 1); /* one /24 holds the long ones */
	/* delete odd lengths: their addresses fall to len - 1 */
	for (len = 1; len <= 32; len += 2)
		assert_int_equal(vta_fib4_del(f, base, len), 0);
	for (len = 0; len < 32; len++)
		assert_int_equal(lk(f, base ^ (1U << (31 - len))),
				 100 + (len & ~1));
	assert_int_equal(lk(f, base), 132);
	assert_int_equal(vta_fib4_del(f, base, 1), -ENOENT);
	/* the rest, longest first: the block goes when /25 does */
	for (len = 32; len >= 0; len -= 2) {
		assert_int_equal(vta_fib4_del(f, base, len), 0);
		for (k = 0; k < 32; k++)
			assert_int_equal(lk(f, base ^ (1U << (31 - k))),
					 k < len - 1 ? 100 + (k & ~1)
					 : len >= 2  ? 100 + len - 2
						     : 0);
	}
	assert_int_equal(lk(f, base), 0);
	vta_fib4_get_counts(f, &c);
	assert_int_equal(c.prefixes, 0);
	assert_int_equal(c.blocks, 0);
	assert_int_equal(c.slots, 0);
	vta_fib4_free(f);
}

/* Insert order does not matter: short after long keeps the long ones. */
static void test_short_after_long(void **state)
{
	struct vta_fib4 *f = vta_fib4_new(NULL, 16, 64);

	assert_non_null(f);
	assert_int_equal(put(f, 0xc0000280, 25, 1), 0); /* 192.0.2.128/25 */
	assert_int_equal(put(f, 0xc0000200, 24, 2), 0);
	assert_int_equal(put(f, 0xc0000000, 16, 3), 0);
	assert_int_equal(put(f, 0, 0, 4), 0);
	assert_int_equal(lk(f, 0xc00002ff), 1);
	assert_int_equal(lk(f, 0xc000027f), 2);
	assert_int_equal(lk(f, 0xc0000301), 3);
	assert_int_equal(lk(f, 0x01020304), 4);
	/* a value change of the /24 leaves the /25 alone */
	assert_int_equal(put(f, 0xc0000200, 24, 5), 0);
	assert_int_equal(lk(f, 0xc00002ff), 1);
	assert_int_equal(lk(f, 0xc000027f), 5);
	/* deleting the /24 hands its half to the /16, not the /25's */
	assert_int_equal(vta_fib4_del(f, 0xc0000200, 24), 0);
	assert_int_equal(lk(f, 0xc000027f), 3);
	assert_int_equal(lk(f, 0xc00002ff), 1);
	/* bits past the length are ignored, lengths past 32 refused */
	assert_int_equal(put(f, 0xc00002ff, 25, 6), 0);
	assert_int_equal(lk(f, 0xc0000280), 6);
	assert_int_equal(put(f, 0, 33, 1), -EINVAL);
	vta_fib4_free(f);
}

/* A freed block waits its grace ticks before reuse; meanwhile it keeps
 * what a reader that loaded the old first-level entry finds. */
static void test_block_quarantine(void **state)
{
	struct vta_fib4 *f = vta_fib4_new(NULL, 2, 64);
	struct vta_fib4_counts c;
	struct vta_fib4_view v;
	uint32_t e1, e2;

	assert_non_null(f);
	vta_fib4_set_grace(f, 2);
	vta_fib4_get_view(f, &v);
	assert_int_equal(put(f, 0x0a000000, 8, 7), 0);
	assert_int_equal(put(f, 0x0a000180, 25, 8), 0); /* block A */
	e1 = v.l1[0x0a0001];
	assert_true(e1 & VTA_FIB4_BLOCK);
	assert_int_equal(vta_fib4_del(f, 0x0a000180, 25), 0);
	/* unlinked: the /24 resolves directly again */
	assert_int_equal(v.l1[0x0a0001], v.l2[(e1 & ~VTA_FIB4_BLOCK) * 256]);
	assert_int_equal(lk(f, 0x0a0001ff), 7);
	/* the old block still resolves to a live route for a late reader */
	assert_int_not_equal(v.l2[(e1 & ~VTA_FIB4_BLOCK) * 256 + 0xff], 0);
	vta_fib4_get_counts(f, &c);
	assert_int_equal(c.blocks_held, 1);
	assert_int_equal(c.slots_held, 1);
	/* a second /25 elsewhere takes the other block */
	assert_int_equal(put(f, 0x0a000280, 25, 9), 0);
	e2 = v.l1[0x0a0002];
	assert_int_not_equal(e1, e2);
	/* no third block until two ticks have passed */
	assert_int_equal(put(f, 0x0a000380, 25, 10), -ENOSPC);
	assert_int_equal(lk(f, 0x0a0003ff), 7); /* unchanged */
	vta_fib4_tick(f);
	assert_int_equal(put(f, 0x0a000380, 25, 10), -ENOSPC);
	vta_fib4_tick(f);
	vta_fib4_get_counts(f, &c);
	assert_int_equal(c.blocks_held, 0);
	assert_int_equal(put(f, 0x0a000380, 25, 10), 0);
	assert_int_equal(v.l1[0x0a0003], e1); /* the freed one, reused */
	assert_int_equal(lk(f, 0x0a0003ff), 10);
	assert_int_equal(lk(f, 0x0a00037f), 7);
	vta_fib4_free(f);
}

/* A value change gets a new slot; the old one is held, not rewritten. */
static void test_change_new_slot(void **state)
{
	struct vta_fib4 *f = vta_fib4_new(NULL, 4, 4);
	struct vta_fib4_view v;
	const struct vta_fib4_slot *s1, *s2;

	assert_non_null(f);
	vta_fib4_set_grace(f, 2);
	vta_fib4_get_view(f, &v);
	assert_int_equal(put(f, 0xc6336400, 24, 1), 0);
	s1 = vta_fib4_view_lookup(&v, 0xc6336401);
	assert_int_equal(put(f, 0xc6336400, 24, 2), 0);
	s2 = vta_fib4_view_lookup(&v, 0xc6336401);
	assert_ptr_not_equal(s1, s2);
	assert_int_equal(s1->r.group_id, 1); /* old readers: old route */
	assert_int_equal(s2->r.group_id, 2);
	assert_int_equal(s2->len, 24);
	assert_int_equal(s2->addr, htonl(0xc6336400));
	/* 3 slots (1..3): the third change waits for the grace period */
	assert_int_equal(put(f, 0xc6336400, 24, 3), 0);
	assert_int_equal(put(f, 0xc6336400, 24, 4), -ENOSPC);
	assert_int_equal(lk(f, 0xc6336401), 3);
	vta_fib4_tick(f);
	vta_fib4_tick(f);
	assert_int_equal(put(f, 0xc6336400, 24, 4), 0);
	assert_int_equal(lk(f, 0xc6336401), 4);
	vta_fib4_free(f);
}

/*
 * Thousands of random prefixes of every length, clustered so that they
 * overlap, inserted, changed and deleted in random order (grace on,
 * ticking), checked against the naive match at random addresses and at
 * every prefix's first and last address.
 */
static void test_random_against_naive(void **state)
{
	static struct ref r;
	struct vta_fib4 *f = vta_fib4_new(NULL, 4096, 1 << 16);
	uint32_t a, q;
	int round, i, k, len;

	assert_non_null(f);
	vta_fib4_set_grace(f, 2);
	r.n = 0;
	for (round = 0; round < 12; round++) {
		for (i = 0; i < 600; i++) {
			/* a few /8s and /16s, so prefixes nest */
			a = (rnd() % 3 + 10) << 24 | (rnd() % 4) << 16 |
			    (rnd() % 8) << 8 | (rnd() & 0xff);
			len = rnd() % 3 ? 20 + rnd() % 13 : rnd() % 33;
			if (r.n < 8000) {
				assert_int_equal(put(f, a, len, 1 + rnd() % 50),
						 0);
				ref_put(&r, a, len, 0); /* gid: below */
			}
		}
		/* the gids the writer holds, into the reference */
		for (i = 0; i < r.n; i++) {
			struct vta_route rt;

			assert_int_equal(
				vta_fib4_get(f, r.addr[i], r.len[i], &rt), 0);
			r.gid[i] = rt.group_id;
		}
		/* delete a third, change a tenth */
		for (i = 0; i < r.n / 3; i++) {
			k = rnd() % r.n;
			assert_int_equal(vta_fib4_del(f, r.addr[k], r.len[k]),
					 0);
			ref_del(&r, k);
		}
		for (i = 0; i < r.n / 10; i++) {
			k = rnd() % r.n;
			r.gid[k] = 1000 + rnd() % 50;
			assert_int_equal(put(f, r.addr[k], r.len[k], r.gid[k]),
					 0);
		}
		vta_fib4_tick(f);
		for (i = 0; i < 4000; i++) {
			q = (rnd() % 3 + 10) << 24 | (rnd() % 5) << 16 |
			    (rnd() % 9) << 8 | (rnd() & 0xff);
			assert_int_equal(lk(f, q), ref_lookup(&r, q));
		}
		for (i = 0; i < r.n; i++) {
			q = r.addr[i];
			assert_int_equal(lk(f, q), ref_lookup(&r, q));
			q |= ~mask(r.len[i]);
			assert_int_equal(lk(f, q), ref_lookup(&r, q));
		}
	}
	/* and all gone again */
	while (r.n) {
		assert_int_equal(vta_fib4_del(f, r.addr[0], r.len[0]), 0);
		ref_del(&r, 0);
	}
	for (i = 0; i < 1000; i++)
		assert_int_equal(lk(f, rnd()), 0);
	{
		struct vta_fib4_counts c;

		vta_fib4_tick(f);
		vta_fib4_tick(f);
		vta_fib4_get_counts(f, &c);
		assert_int_equal(c.values, 0);
		assert_int_equal(c.values_held, 0);
		assert_int_equal(c.slots, 0);
	}
	vta_fib4_free(f);
}

/*
 * Route values are interned (maps of at least 4 x VTA_FIB4_RV_MAX
 * slots): prefixes with one value share one id; a value no prefix uses
 * keeps its bytes for the grace period (a reader may hold an entry that
 * names it) before its id takes another; past VTA_FIB4_RV_MAX distinct
 * values entries carry the slot alone, and the programs read that.
 */
static void test_values_interned(void **state)
{
	struct vta_fib4 *f = vta_fib4_new(NULL, 64, 8192), *g;
	struct vta_fib4_counts c;
	struct vta_fib4_view v;
	uint32_t i, x, y;

	(void)state;
	assert_non_null(f);
	vta_fib4_set_grace(f, 2);
	vta_fib4_get_view(f, &v);
	for (i = 0; i < 100; i++)
		assert_int_equal(put(f, 0x0a000000 | i << 8, 24, 1 + i % 3), 0);
	vta_fib4_get_counts(f, &c);
	assert_int_equal(c.values, 3);
	assert_int_equal(c.prefixes, 100);
	assert_int_equal(c.slots, 100);
	for (i = 0; i < 100; i++) {
		x = rv_of(f, 0x0a000001 | i << 8);
		assert_true(x >= 1 && x <= VTA_FIB4_RV_MAX);
		assert_int_equal(x, rv_of(f, 0x0a000001 | (i % 3) << 8));
		assert_int_equal(v.rt[x].r.group_id, 1 + i % 3);
		assert_int_equal(v.rt[x].live, 0); /* not listed */
	}
	assert_int_equal(vta_fib4_view_foreach(&v, NULL, NULL), 100);

	/* a value used once: changed away, its id is held with its bytes */
	assert_int_equal(put(f, 0xc6336400, 24, 77), 0);
	x = rv_of(f, 0xc6336401);
	assert_int_equal(put(f, 0xc6336400, 24, 78), 0);
	y = rv_of(f, 0xc6336401);
	assert_int_not_equal(x, y);
	assert_int_equal(v.rt[x].r.group_id, 77);
	vta_fib4_get_counts(f, &c);
	assert_int_equal(c.values_held, 1);
	assert_int_equal(put(f, 0xc6336500, 24, 79), 0);
	assert_int_not_equal(rv_of(f, 0xc6336501), x);
	assert_int_equal(v.rt[x].r.group_id, 77);
	assert_int_equal(lk(f, 0xc6336401), 78);
	vta_fib4_tick(f);
	vta_fib4_tick(f);
	vta_fib4_get_counts(f, &c);
	assert_int_equal(c.values_held, 0);
	assert_int_equal(c.values, 5);

	/* more distinct values than ids: the rest read their own slot */
	for (i = 0; i < VTA_FIB4_RV_MAX + 100; i++)
		assert_int_equal(put(f, 0x0b000000 | i << 8, 24, 1000 + i), 0);
	vta_fib4_get_counts(f, &c);
	assert_int_equal(c.values, VTA_FIB4_RV_MAX);
	for (i = 0; i < VTA_FIB4_RV_MAX + 100; i++)
		assert_int_equal(lk(f, 0x0b000007 | i << 8), 1000 + i);
	assert_int_equal(rv_of(f, 0x0b000007 | (VTA_FIB4_RV_MAX + 99) << 8), 0);

	/* a writer opened on the arrays counts the same values and shares
	 * them: a new prefix with value 2 gets the id the others have */
	g = vta_fib4_open(&v);
	assert_non_null(g);
	vta_fib4_get_counts(g, &c);
	assert_int_equal(c.values, VTA_FIB4_RV_MAX);
	assert_int_equal(c.prefixes, 100 + 2 + VTA_FIB4_RV_MAX + 100);
	assert_int_equal(put(g, 0x0c000000, 16, 2), 0);
	assert_int_equal(rv_of(g, 0x0c000001), rv_of(g, 0x0a000101));
	for (i = 0; i < 100; i++)
		assert_int_equal(lk(g, 0x0a000001 | i << 8), 1 + i % 3);
	/* deleting every prefix of a value frees its id */
	for (i = 0; i < VTA_FIB4_RV_MAX + 100; i++)
		assert_int_equal(vta_fib4_del(g, 0x0b000000 | i << 8, 24), 0);
	vta_fib4_get_counts(g, &c);
	assert_int_equal(c.values, 5);
	vta_fib4_free(g);
	vta_fib4_free(f);
}

/* The listing (vta_fib4_view_foreach) holds each prefix of the reference
 * once with its route, whatever slots changes and deletes left behind. */
struct seen {
	const struct ref *r;
	int n, bad;
	uint8_t hit[8192];
};

static void seen_cb(const struct vta_fib4_slot *sl, void *data)
{
	struct seen *s = data;
	int i = ref_find(s->r, ntohl(sl->addr), sl->len);

	s->n++;
	if (i < 0 || s->hit[i]++ || sl->r.group_id != s->r->gid[i])
		s->bad++;
}

static void check_listing(const struct vta_fib4 *f, const struct ref *r)
{
	static struct seen s;
	struct vta_fib4_view v;
	const struct vta_fib4_head *h;

	memset(&s, 0, sizeof(s));
	s.r = r;
	vta_fib4_get_view(f, &v);
	assert_int_equal(vta_fib4_view_foreach(&v, seen_cb, &s), r->n);
	assert_int_equal(s.n, r->n);
	assert_int_equal(s.bad, 0);
	h = (const struct vta_fib4_head *)&v.rt[0];
	assert_int_equal(h->prefixes, r->n);
	assert_true(h->top <= v.n_routes);
}

static void test_listing(void **state)
{
	struct vta_fib4 *f = vta_fib4_new(NULL, 256, 4096);
	static struct ref r;
	uint32_t a, gid;
	int i, len, k;

	(void)state;
	assert_non_null(f);
	r.n = 0;
	vta_fib4_set_grace(f, 2);
	check_listing(f, &r);
	for (i = 0; i < 3000; i++) {
		a = (rnd() % 3 + 10) << 24 | (rnd() % 4) << 16 |
		    (rnd() % 8) << 8 | (rnd() & 0xff);
		len = rnd() % 33;
		k = ref_find(&r, a, len);
		if (k >= 0 && rnd() % 3 == 0) {
			assert_int_equal(vta_fib4_del(f, a, len), 0);
			ref_del(&r, k);
		} else if (r.n < 1500) {
			/* a new prefix or a value change (a new slot) */
			gid = 1 + rnd() % 1000;
			assert_int_equal(put(f, a, len, gid), 0);
			ref_put(&r, a, len, gid);
		}
		if (i % 7 == 0)
			vta_fib4_tick(f);
		if (i % 500 == 0)
			check_listing(f, &r);
	}
	check_listing(f, &r);
	while (r.n) {
		assert_int_equal(vta_fib4_del(f, r.addr[0], r.len[0]), 0);
		ref_del(&r, 0);
	}
	check_listing(f, &r);
	vta_fib4_free(f);
}

/* A writer opened on the arrays another writer left carries on: same
 * prefixes, same answers, no live slot or block taken twice. */
static void test_open_resumes(void **state)
{
	struct vta_fib4 *a = vta_fib4_new(NULL, 64, 1024), *b;
	struct vta_fib4_counts ca, cb;
	struct vta_fib4_view v;
	static struct ref r;
	uint32_t q;
	int i, len;

	(void)state;
	assert_non_null(a);
	r.n = 0;
	for (i = 0; i < 300; i++) {
		q = 10U << 24 | (rnd() % 4) << 16 | (rnd() % 16) << 8 |
		    (rnd() & 0xff);
		len = 16 + rnd() % 17;
		assert_int_equal(put(a, q, len, 1 + i), 0);
		ref_put(&r, q, len, 1 + i);
	}
	/* holes: deleted prefixes leave free slots (and maybe blocks) */
	for (i = 0; i < 50; i++) {
		assert_int_equal(vta_fib4_del(a, r.addr[0], r.len[0]), 0);
		ref_del(&r, 0);
	}
	vta_fib4_get_counts(a, &ca);
	vta_fib4_get_view(a, &v);
	b = vta_fib4_open(&v);
	assert_non_null(b);
	vta_fib4_get_counts(b, &cb);
	assert_int_equal(cb.prefixes, ca.prefixes);
	assert_int_equal(cb.slots, ca.slots);
	assert_int_equal(cb.blocks, ca.blocks);
	check_listing(b, &r);
	for (i = 0; i < r.n; i++)
		assert_int_equal(vta_fib4_get(b, r.addr[i], r.len[i],
					      &(struct vta_route){ 0 }),
				 0);
	/* b's writes land in free slots and blocks only */
	for (i = 0; i < 200; i++) {
		q = 10U << 24 | (rnd() % 4) << 16 | (rnd() % 16) << 8 |
		    (rnd() & 0xff);
		len = 16 + rnd() % 17;
		assert_int_equal(put(b, q, len, 5000 + i), 0);
		ref_put(&r, q, len, 5000 + i);
	}
	check_listing(b, &r);
	for (i = 0; i < 4000; i++) {
		q = 10U << 24 | (rnd() % 4) << 16 | (rnd() % 16) << 8 |
		    (rnd() & 0xff);
		assert_int_equal(lk(b, q), ref_lookup(&r, q));
	}
	vta_fib4_free(b);
	vta_fib4_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_length_nested),
		cmocka_unit_test(test_short_after_long),
		cmocka_unit_test(test_block_quarantine),
		cmocka_unit_test(test_change_new_slot),
		cmocka_unit_test(test_random_against_naive),
		cmocka_unit_test(test_listing),
		cmocka_unit_test(test_open_resumes),
		cmocka_unit_test(test_values_interned),
	};

	return cmocka_run_group_tests_name("fib4", tests, NULL, NULL);
}
