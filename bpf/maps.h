/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * maps.h - the maps every vtiaccel program shares.  Each object that
 * includes this defines the same maps; user space loads the first object,
 * then hands its map fds to the others (bpf_map__reuse_fd) and pins them
 * by name under VTA_PIN_ROOT, so there is one set of maps however many
 * programs run.  Keys and values come from include/vtiaccel.h.
 */
#ifndef VTA_MAPS_H
#define VTA_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "vtiaccel.h"

/* IPv4 FIB: DIR-24-8 (include/vtiaccel.h), the only one. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct vta_fib4_tbl);
	__uint(max_entries, 1U << 16);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vta_fib4_l1 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct vta_fib4_tbl);
	__uint(max_entries, VTA_FIB4_BLOCKS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vta_fib4_l2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct vta_fib4_slot);
	__uint(max_entries, VTA_FIB4_ROUTES);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vta_fib4_rt SEC(".maps");

/* IPv6 FIB: longest-prefix match on the destination -> route
 * (docs/datapath-notes.md "The IPv4 FIB": why IPv6 keeps the trie). */
struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__type(key, struct vta_fib6_key);
	__type(value, struct vta_route);
	__uint(max_entries, VTA_FIB6_MAX);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vta_fib6 SEC(".maps");

/* Nexthop groups, replaced whole so readers never see a torn group. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct vta_group);
	__uint(max_entries, VTA_GROUPS_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vta_groups SEC(".maps");

/* Managed interfaces by ifindex: role, MTU, MSS clamp, mark. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct vta_iface);
	__uint(max_entries, VTA_IFACES_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vta_ifaces SEC(".maps");

/* ESP peers {family, local, peer} -> mark for WAN ingress. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct vta_peer_key);
	__type(value, struct vta_peer);
	__uint(max_entries, VTA_PEERS_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vta_peers SEC(".maps");

/* Lease, flow-hash seed, feature flags: one element. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct vta_config);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vta_config SEC(".maps");

/* Per-CPU counters by interface slot and enum vta_counter. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct vta_stats);
	__uint(max_entries, VTA_STATS_SLOTS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vta_stats SEC(".maps");

/* The daemon's own health (user space only: `status` reads it). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct vta_health);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vta_health SEC(".maps");

/*
 * IPv4: DIR-24-8 (include/vtiaccel.h; user/fib4.h reads it the same way
 * for `vtiaccel lookup`).  The daemon fills a block and a route slot
 * before it publishes them with a release store, and reuses neither for
 * two lease ticks after it unlinked them, so whatever entry is read here
 * leads to a complete route, old or new.  The entry loads are READ_ONCE:
 * the writer changes them concurrently.
 */
static __always_inline const struct vta_route *vta_fib4_lookup(__be32 daddr)
{
	__u32 a = bpf_ntohl(daddr), k = a >> 16, v;
	const struct vta_fib4_tbl *t;

	t = bpf_map_lookup_elem(&vta_fib4_l1, &k);
	if (!t)
		return NULL;
	v = *(volatile const __u32 *)&t->e[(a >> 8) & 0xff];
	if (v & VTA_FIB4_BLOCK) {
		k = v & ~VTA_FIB4_BLOCK;
		t = bpf_map_lookup_elem(&vta_fib4_l2, &k);
		if (!t)
			return NULL;
		v = *(volatile const __u32 *)&t->e[a & 0xff];
	}
	if (!v)
		return NULL;
	return bpf_map_lookup_elem(&vta_fib4_rt, &v);	/* .r at offset 0 */
}

/* Every map of the contract's list is defined above, under its name. */
#define VTA__MAP_DEFINED(var)						\
	_Static_assert(sizeof(vta_##var) > 0, VTA_MAP_NAME(var));
VTA_MAPS(VTA__MAP_DEFINED)
#undef VTA__MAP_DEFINED

#endif /* VTA_MAPS_H */
