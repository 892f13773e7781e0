/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * stats.h - per-CPU counters.  Every packet a tc program sees ends in one
 * verdict counter (FWD_*, PASS_*, DROP_*) on its ingress interface's slot;
 * EV_* counters are extra events; TX counts on the egress slot.  The
 * counter id is the reason the program returns: one vocabulary.  The
 * forwards (FWD_* and TX) are kept in vta_fwd_stats, all slots in one
 * element, so a forwarded packet costs one map lookup (vta_count_fwd()).
 */
#ifndef VTA_STATS_H
#define VTA_STATS_H

#include <stdbool.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "maps.h"

/* Not a counter: "keep going" from a helper that returns a reason. */
#define VTA_CONTINUE	VTA_COUNTER_MAX

static __always_inline void vta_count(__u32 slot, __u32 c, __u32 bytes)
{
	struct vta_stats *s;
	/* A 64-bit index checked and used in one register: clang otherwise
	 * may bound-check a copy of the 32-bit id and zero-extend the
	 * original afterwards, which the verifier sees as unbounded. */
	__u64 i = c;

	barrier_var(i);
	if (i >= VTA_COUNTER_MAX || slot >= VTA_STATS_SLOTS)
		return;
	s = bpf_map_lookup_elem(&vta_stats, &slot);
	if (!s)
		return;
	/* Per-CPU value: no atomics needed (tc/XDP run with preemption
	 * and migration disabled). */
	s->c[i].packets++;
	s->c[i].bytes += bytes;
}

/*
 * A forward: FWD_TO_TUNNEL or FWD_TO_LAN on the ingress slot, TX on the
 * egress slot (none for 0), in one lookup of vta_fwd_stats.
 */
static __always_inline void vta_count_fwd(__u32 slot, __u32 out_slot,
					  bool to_tunnel, __u32 bytes)
{
	struct vta_counter_val *v;
	struct vta_fwd_stats *f;
	/* 64-bit indexes checked where they are used (vta_count()) */
	__u64 i = slot, o = out_slot;
	__u32 zero = 0;

	f = bpf_map_lookup_elem(&vta_fwd_stats, &zero);
	if (!f)
		return;
	barrier_var(i);
	barrier_var(o);
	if (i >= VTA_STATS_SLOTS || o >= VTA_STATS_SLOTS)
		return;
	v = &f->s[i].fwd[to_tunnel ? 0 : 1];
	v->packets++;
	v->bytes += bytes;
	if (o) {
		f->s[o].tx.packets++;
		f->s[o].tx.bytes += bytes;
	}
}

static __always_inline const struct vta_config *vta_config_lookup(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&vta_config, &zero);
}

/*
 * The lease: the daemon renews a deadline every second; past it (or never
 * set) every program passes everything, so a dead daemon leaves no stale
 * forwarding behind.
 *
 * Read with the coarse clock: CLOCK_MONOTONIC as of the last tick
 * (ktime_get_coarse_ns(), no clocksource read), the same base as the
 * daemon's deadline and at most one jiffy behind, so a lease of seconds
 * runs out at most 1-10 ms late.  bpf_ktime_get_ns() reads the
 * clocksource on every packet (docs/datapath-notes.md, "Per-packet
 * cost").
 */
static __always_inline bool vta_lease_ok(const struct vta_config *cfg)
{
	return cfg && cfg->lease_deadline_ns &&
	       bpf_ktime_get_coarse_ns() <= cfg->lease_deadline_ns;
}

#endif /* VTA_STATS_H */
