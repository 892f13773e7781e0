/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * vta_spread.h - the contract of bpf/spread.bpf.c (vta_spread, XDP on the
 * outside interface spreading one tunnel's inbound ESP over CPUs through
 * a CPUMAP: docs/esp-spread.md) with user space (user/spread.c) and the
 * scripts that fill its maps with bpftool (tests/vm/test_spread.sh,
 * bench/esp_spread.sh: they write these layouts byte by byte).  Separate
 * from vtiaccel.h: the object has its own maps, pinned under the pin
 * root by these names only when spreading is configured.
 */
#ifndef VTA_SPREAD_H
#define VTA_SPREAD_H

#include <linux/types.h>

#define VTA_SPREAD_MAX_CPUS 16 /* CPUs one peer's ESP is spread over */
#define VTA_SPREAD_CPUMAP_MAX 64 /* CPU ids the CPUMAP can hold */
#define VTA_SPREAD_PEERS_MAX 256

/* Pin names (<= 15 characters), the same as the map names. */
#define VTA_SPREAD_MAP_PEERS "spread_peers"
#define VTA_SPREAD_MAP_PEERS6 "spread_peers6"
#define VTA_SPREAD_MAP_CPUS "spread_cpus"
#define VTA_SPREAD_MAP_STATE "spread_state"
#define VTA_SPREAD_MAP_STATS "spread_stats"

/* spread_peers: peer IPv4 address (network order) -> how its ESP is
 * spread. */
struct spread_peer {
	__u32 flags; /* SPREAD_F_* */
	__u32 ncpus; /* 1..VTA_SPREAD_MAX_CPUS entries of cpus[] used */
	__u32 block_shift; /* 2^block_shift consecutive sequence numbers
				 * per CPU */
	__u32 cpus[VTA_SPREAD_MAX_CPUS];
};

/* spread_peers6: peer IPv6 address -> the same. */
struct spread_addr6 {
	__u8 a[16];
};

#define SPREAD_F_ESP (1U << 0) /* plain ESP (protocol 50) */
#define SPREAD_F_NATT (1U << 1) /* ESP in UDP 4500 */

/* spread_state[0]: the lease, renewed by `vtiaccel run` with its own. */
struct spread_state {
	__u64 lease_deadline_ns; /* CLOCK_MONOTONIC; 0: never renewed */
};

/* spread_stats (per CPU): X(id, "name", "help") in key order. */
#define VTA_SPREAD_COUNTERS(X)                                           \
	X(REDIRECTED, "redirected", "ESP redirected to a spreading CPU") \
	X(PASS_LEASE, "pass_lease",                                      \
	  "ESP of a listed peer passed: lease expired")                  \
	X(PASS_OTHER, "pass_other",                                      \
	  "not ESP, not IP, IPv4 options, fragments, IPv6 ext. headers") \
	X(PASS_UNKNOWN, "pass_unknown",                                  \
	  "ESP from a peer not spread (or not that encapsulation)")      \
	X(PASS_SHORT, "pass_short",                                      \
	  "ESP too short for SPI and sequence number")                   \
	X(PASS_NO_CPU, "pass_no_cpu",                                    \
	  "ESP of a listed peer passed: its CPU is not in the CPUMAP")

#define VTA__SPREAD_ENUM(id, name, help) SPREAD_##id,
enum spread_counter {
	VTA_SPREAD_COUNTERS(VTA__SPREAD_ENUM) SPREAD_NR_COUNTERS,
};
#undef VTA__SPREAD_ENUM

_Static_assert(sizeof(struct spread_peer) == 12 + 4 * VTA_SPREAD_MAX_CPUS,
	       "spread_peer");
_Static_assert(sizeof(struct spread_state) == 8, "spread_state");

#endif
