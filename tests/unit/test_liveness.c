// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The liveness state machine with a fake clock: misses hold a tunnel
 * down, answers bring it back, received traffic does not veto lost
 * probes, late answers stay misses, flapping is bounded, a target that
 * never answered decides nothing.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "liveness.h"

#define MS 1000000ULL

static const struct vta_live_params P = {
	.deadline_ns = 500 * MS,
	.misses = 3,
	.rise = 3,
};

/* One probe interval of 100 ms: expire, then send the next probe.
 * Returns the transitions seen. */
static int step(struct vta_live_sm *m, uint16_t *seq, uint64_t *now)
{
	int r;

	*now += 100 * MS;
	r = vta_live_sm_tick(m, &P, *now);
	return r | vta_live_sm_sent(m, &P, ++*seq, *now);
}

static void test_answers_keep_it_up(void **state)
{
	struct vta_live_sm m;
	uint64_t now = 1000 * MS;
	uint16_t seq = 0;
	int i;

	(void)state;
	vta_live_sm_init(&m, now);
	for (i = 0; i < 100; i++) {
		assert_int_equal(step(&m, &seq, &now), 0);
		assert_int_equal(vta_live_sm_reply(&m, &P, seq, now + 20 * MS),
				 0);
	}
	assert_int_equal(m.state, VTA_LIVE_UP);
	assert_int_equal(m.answered, 100);
	assert_int_equal(m.sent, 100);
	assert_int_equal(m.rtt_us, 20000);
	assert_int_equal(m.transitions, 0);
}

static void test_three_misses_then_three_answers(void **state)
{
	struct vta_live_sm m;
	uint64_t now = 1000 * MS, t_dead, t_down = 0;
	uint16_t seq = 0;
	int i, r;

	(void)state;
	vta_live_sm_init(&m, now);
	step(&m, &seq, &now);
	vta_live_sm_reply(&m, &P, seq, now + 10 * MS);
	t_dead = now + 50 * MS; /* the path dies here */
	for (i = 0; i < 20 && !t_down; i++) {
		r = step(&m, &seq, &now);
		assert_true(r == 0 || r == -1);
		if (r == -1)
			t_down = now;
	}
	assert_int_equal(m.state, VTA_LIVE_DOWN);
	assert_int_equal(m.since_ns, t_down);
	/* first lost probe at +50 ms, the third 200 ms later, its deadline
	 * 500 ms after that, seen at the next tick: at most 800 ms */
	assert_true(t_down - t_dead <= 800 * MS);
	assert_true(t_down - t_dead >= 600 * MS);
	/* two answers are not enough */
	step(&m, &seq, &now);
	assert_int_equal(vta_live_sm_reply(&m, &P, seq, now + 5 * MS), 0);
	step(&m, &seq, &now);
	assert_int_equal(vta_live_sm_reply(&m, &P, seq, now + 5 * MS), 0);
	assert_int_equal(m.state, VTA_LIVE_DOWN);
	step(&m, &seq, &now);
	assert_int_equal(vta_live_sm_reply(&m, &P, seq, now + 5 * MS), 1);
	assert_int_equal(m.state, VTA_LIVE_UP);
	assert_int_equal(m.transitions, 2);
}

static void test_miss_between_answers_resets(void **state)
{
	struct vta_live_sm m;
	uint64_t now = 0;
	uint16_t seq = 0;
	int i;

	(void)state;
	vta_live_sm_init(&m, now);
	/* two of every three probes lost: never three in a row (and a
	 * newer probe answered makes older losses stale news) */
	for (i = 0; i < 90; i++) {
		assert_int_equal(step(&m, &seq, &now), 0);
		if (i % 3 == 2)
			vta_live_sm_reply(&m, &P, seq, now + 1 * MS);
	}
	assert_int_equal(m.state, VTA_LIVE_UP);
	assert_int_equal(m.answered, 30);
	assert_int_equal(m.transitions, 0);
}

static void test_traffic_does_not_veto(void **state)
{
	struct vta_live_sm m;
	uint64_t now = 0;
	uint16_t seq = 0;
	int i, down = 0;

	(void)state;
	vta_live_sm_init(&m, now);
	/* probes all lost while decapsulated traffic keeps arriving (the
	 * path died towards the peer only): held down all the same */
	for (i = 0; i < 20 && !down; i++) {
		down = step(&m, &seq, &now);
		assert_int_equal(vta_live_sm_rx(&m, &P, now + 1), 0);
	}
	assert_int_equal(down, -1);
	assert_int_equal(m.state, VTA_LIVE_DOWN);
	assert_true(m.rx_events > 0);
	/* traffic alone does not bring it back: answers do */
	for (i = 0; i < 10; i++)
		assert_int_equal(vta_live_sm_rx(&m, &P, now += 100 * MS), 0);
	assert_int_equal(m.state, VTA_LIVE_DOWN);
	for (i = 0; i < 3; i++) {
		step(&m, &seq, &now);
		vta_live_sm_reply(&m, &P, seq, now + 1 * MS);
	}
	assert_int_equal(m.state, VTA_LIVE_UP);
}

static void test_late_answer_is_a_miss(void **state)
{
	struct vta_live_sm m;
	uint64_t now = 0;
	uint16_t seq = 0;
	int i;

	(void)state;
	vta_live_sm_init(&m, now);
	step(&m, &seq, &now);
	vta_live_sm_reply(&m, &P, seq, now + 1 * MS);
	/* every answer 600 ms late (past the 500 ms deadline) */
	for (i = 0; i < 10; i++) {
		step(&m, &seq, &now);
		vta_live_sm_reply(&m, &P, seq - 6 > 0 ? seq - 6 : 0, now);
	}
	assert_int_equal(m.state, VTA_LIVE_DOWN);
	assert_true(m.late >= 3);
	assert_int_equal(m.answered, 1); /* the first, on time */
}

static void test_flapping_bounded(void **state)
{
	struct vta_live_sm m;
	uint64_t now = 0;
	uint16_t seq = 0;
	int i;

	(void)state;
	vta_live_sm_init(&m, now);
	/* the path flaps every 200 ms (2 probes on, 2 off) for 60 s:
	 * never three in a row either way, so no transition at all */
	for (i = 0; i < 600; i++) {
		step(&m, &seq, &now);
		if ((i / 2) % 2)
			vta_live_sm_reply(&m, &P, seq, now + 1 * MS);
	}
	assert_int_equal(m.transitions, 0);
	/* flapping every 2 s: at most one transition per half period */
	for (i = 0; i < 600; i++) {
		step(&m, &seq, &now);
		if ((i / 20) % 2)
			vta_live_sm_reply(&m, &P, seq, now + 1 * MS);
	}
	assert_true(m.transitions <= 30);
}

static void test_ring_overflow_counts_misses(void **state)
{
	struct vta_live_sm m;
	const struct vta_live_params slow = {
		.deadline_ns = 60000 * MS,
		.misses = 3,
		.rise = 3,
	};
	uint64_t now = 0;
	uint16_t seq;
	int down = 0;

	(void)state;
	vta_live_sm_init(&m, now);
	vta_live_sm_rx(&m, &slow, now += 10 * MS);
	/* more probes in flight than the ring holds: the oldest count */
	for (seq = 1; seq <= VTA_LIVE_RING + 3; seq++)
		down |= vta_live_sm_sent(&m, &slow, seq, now += 10 * MS);
	assert_int_equal(down, -1);
	assert_int_equal(m.state, VTA_LIVE_DOWN);
}

static void test_never_answered_never_held(void **state)
{
	struct vta_live_sm m;
	uint64_t now = 0;
	uint16_t seq = 0;
	int i;

	(void)state;
	vta_live_sm_init(&m, now);
	/* a peer that does not answer ICMP echo: not judged */
	for (i = 0; i < 100; i++)
		assert_int_equal(step(&m, &seq, &now), 0);
	assert_int_equal(m.state, VTA_LIVE_UP);
	assert_false(m.armed);
	assert_true(m.lost >= 90);
	/* one answer arms it; then three misses hold it down */
	step(&m, &seq, &now);
	vta_live_sm_reply(&m, &P, seq, now + 1 * MS);
	assert_true(m.armed);
	for (i = 0; i < 10 && m.state == VTA_LIVE_UP; i++)
		step(&m, &seq, &now);
	assert_int_equal(m.state, VTA_LIVE_DOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_answers_keep_it_up),
		cmocka_unit_test(test_three_misses_then_three_answers),
		cmocka_unit_test(test_miss_between_answers_resets),
		cmocka_unit_test(test_traffic_does_not_veto),
		cmocka_unit_test(test_late_answer_is_a_miss),
		cmocka_unit_test(test_flapping_bounded),
		cmocka_unit_test(test_ring_overflow_counts_misses),
		cmocka_unit_test(test_never_answered_never_held),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
