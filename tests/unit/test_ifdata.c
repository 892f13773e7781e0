// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Interface entries under a sequence counter (user/ifdata.c): the writer
 * never leaves an odd seq behind, a reader never takes a mix of two
 * writes, and the sync model (user/sync_link.c) gives a freed stats slot out
 * again only after its grace period.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ifdata.h"
#include "sync_fx.h"

static char buf[NLB_BUFSZ];

/* Every field of version n carries n, so a mix of two is visible. */
static struct vta_iface version(uint32_t n)
{
	return (struct vta_iface){ .role = n,
				   .slot = n,
				   .mtu = n,
				   .mss4 = (uint16_t)n,
				   .mss6 = (uint16_t)n,
				   .flags = n,
				   .mark = n,
				   .mark_mask = n,
				   .mtu6 = n };
}

static bool consistent(const struct vta_iface *v)
{
	struct vta_iface w = version(v->role);

	return !memcmp(v, &w, sizeof(w));
}

static void test_write_leaves_seq_even(void **state)
{
	struct vta_ifdata e = { 0 };
	struct vta_iface v = version(7), got;
	uint32_t i, s0;

	vta_ifdata_write(&e, 42, &v);
	assert_int_equal(e.seq & 1, 0);
	assert_int_equal(e.seq, 2);
	/* both copies hold the new version */
	assert_int_equal(e.c[0].ifindex, 42);
	assert_int_equal(e.c[1].ifindex, 42);
	assert_memory_equal(&e.c[0].v, &v, sizeof(v));
	assert_memory_equal(&e.c[1].v, &v, sizeof(v));
	assert_int_equal(vta_ifdata_read(&e, 42, &got), 0);
	assert_memory_equal(&got, &v, sizeof(v));
	/* another interface's entry, or a free one, is not this one's */
	assert_int_equal(vta_ifdata_read(&e, 43, &got), -ENOENT);
	s0 = e.seq;
	for (i = 0; i < 1000; i++) {
		v = version(i);
		vta_ifdata_write(&e, 42, &v);
		assert_int_equal(e.seq, s0 + 2 * (i + 1));
	}
	/* freeing: ifindex 0, fields zero, seq even */
	vta_ifdata_write(&e, 0, NULL);
	assert_int_equal(e.seq & 1, 0);
	assert_int_equal(e.c[0].ifindex, 0);
	assert_int_equal(e.c[1].ifindex, 0);
	assert_int_equal(e.c[0].v.mtu, 0);
	assert_int_equal(e.c[1].v.mtu, 0);
	assert_int_equal(vta_ifdata_read(&e, 42, &got), -ENOENT);
}

/* A writer stopped (or dead) between the latch's halves: seq odd, c[0]
 * garbage.  Readers take c[1], the old version, and do not fail; the next
 * write ends with seq even and both copies new. */
static void test_odd_seq(void **state)
{
	struct vta_ifdata e = { 0 };
	struct vta_iface v = version(3), w = version(4), got;
	uint32_t s;

	vta_ifdata_write(&e, 5, &v);
	e.seq++;
	memset(&e.c[0], 0xa5, sizeof(e.c[0]));
	assert_int_equal(vta_ifdata_read(&e, 5, &got), 0);
	assert_memory_equal(&got, &v, sizeof(v));
	s = e.seq;
	vta_ifdata_write(&e, 5, &w);
	assert_int_equal(e.seq, s + 1);
	assert_int_equal(vta_ifdata_read(&e, 5, &got), 0);
	assert_memory_equal(&got, &w, sizeof(w));
	assert_memory_equal(&e.c[0].v, &w, sizeof(w));
	assert_memory_equal(&e.c[1].v, &w, sizeof(w));
	/* seq even, the copy readers do not take garbage: still read */
	memset(&e.c[1], 0xa5, sizeof(e.c[1]));
	assert_int_equal(vta_ifdata_read(&e, 5, &got), 0);
	assert_memory_equal(&got, &w, sizeof(w));
}

/* One writer rewriting the entry as fast as it can, one reader: every
 * read is one version, and no read gives up (the latch always has a
 * stable copy; a reader retries only when seq moved during its read). */
static struct vta_ifdata shared;
static atomic_bool stop;

static void *writer(void *arg)
{
	struct vta_iface v;
	uint32_t n = 1;

	while (!atomic_load(&stop)) {
		v = version(n++);
		vta_ifdata_write(&shared, 9, &v);
	}
	return NULL;
}

static void test_concurrent_reads_never_torn(void **state)
{
	struct vta_iface v = version(1), got;
	unsigned long ok = 0, busy = 0, torn = 0, i;
	pthread_t t;

	vta_ifdata_write(&shared, 9, &v);
	atomic_store(&stop, false);
	assert_int_equal(pthread_create(&t, NULL, writer, NULL), 0);
	for (i = 0; i < 2000000; i++) {
		int r = vta_ifdata_read(&shared, 9, &got);

		if (r == -EAGAIN) {
			busy++;
			continue;
		}
		assert_int_equal(r, 0);
		ok++;
		if (!consistent(&got))
			torn++;
	}
	atomic_store(&stop, true);
	pthread_join(t, NULL);
	printf("ifdata: %lu reads, %lu taken, %lu gave up, %lu torn\n", i, ok,
	       busy, torn);
	assert_int_equal(torn, 0);
	assert_int_equal(busy, 0);
	assert_true(ok > 0);
	assert_int_equal(shared.seq & 1, 0);
}

/* ---- slot reuse (user/sync_link.c slot_alloc) ---- */

static uint32_t slot_of(struct sfx *f, int ifindex)
{
	struct vta_iface v;

	assert_int_equal(vta_mem_iface(f->mem, ifindex, &v), 0);
	return v.slot;
}

static void vti(struct sfx *f, int ifindex, const char *name)
{
	sfx_msg(f, nlb_vti(buf, ifindex, name, 1436, "10.16.1.254",
			   "203.0.113.10", 100, 100));
}

static void gone(struct sfx *f, int ifindex, const char *name)
{
	sfx_msg(f, nlb_link(buf, RTM_DELLINK, ifindex, name, ARPHRD_TUNNEL,
			    NLB_UP, 1436, "vti"));
}

/* A tunnel deleted and re-created (new ifindex, same name) gets another
 * slot until two ticks have passed, then its old one again. */
static void test_slot_reuse_after_grace(void **state)
{
	struct sfx *f = sfx_new(SFX_ETH | SFX_VTI);
	uint32_t x, y, z;

	vta_sync_set_grace(f->s, true);
	x = slot_of(f, VTI1);
	assert_true(x > 0);
	gone(f, VTI1, "vti1");
	vti(f, 15, "vti1");
	y = slot_of(f, 15);
	assert_true(y > 0);
	assert_int_not_equal(y, x); /* x freed at tick T */
	vta_sync_tick(f->s);
	gone(f, 15, "vti1");
	vti(f, 16, "vti1");
	z = slot_of(f, 16);
	assert_true(z > 0);
	assert_int_not_equal(z, x); /* one tick: x still waits */
	assert_int_not_equal(z, y); /* y freed now */
	vta_sync_tick(f->s);
	gone(f, 16, "vti1");
	vti(f, 17, "vti1");
	assert_int_equal(slot_of(f, 17), x); /* two ticks: x again */
	sfx_stop(f);
	free(f);
}

/* Without grace (no programs running: verify, tests) a freed slot is
 * reused at once, as before. */
static void test_slot_reuse_no_grace(void **state)
{
	struct sfx *f = sfx_new(SFX_ETH | SFX_VTI);
	uint32_t x;

	x = slot_of(f, VTI1);
	gone(f, VTI1, "vti1");
	vti(f, 15, "vti1");
	assert_int_equal(slot_of(f, 15), x);
	sfx_stop(f);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_write_leaves_seq_even),
		cmocka_unit_test(test_odd_seq),
		cmocka_unit_test(test_concurrent_reads_never_torn),
		cmocka_unit_test(test_slot_reuse_after_grace),
		cmocka_unit_test(test_slot_reuse_no_grace),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
