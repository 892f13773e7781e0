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

/* Managed interfaces: ifindex -> slot, written once per interface (never
 * updated in place), and the data by slot under a sequence counter
 * (include/vtiaccel.h, vta_iface_get() below). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, VTA_IFACES_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vta_ifslot SEC(".maps");

/* ifindex -> slot for ifindexes below VTA_IFIDX_DIRECT, 0 = none. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, VTA_IFIDX_DIRECT);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vta_ifidx SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct vta_ifdata);
	__uint(max_entries, VTA_STATS_SLOTS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vta_ifdata SEC(".maps");

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

/* Forwarded packets of every slot in one per-CPU element: a forward
 * counts with one lookup (include/vtiaccel.h, struct vta_fwd_stats). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct vta_fwd_stats);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vta_fwd_stats SEC(".maps");

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
	const struct vta_route *rt;

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
	/* the interned value (a hot slot), else the prefix's own slot */
	k = v >> VTA_FIB4_RV_SHIFT;
	if (!k)
		k = v & VTA_FIB4_SLOT_MASK;
	rt = bpf_map_lookup_elem(&vta_fib4_rt, &k);	/* .r at offset 0 */
	/* Not one call with the IPv6 trie's lookup after an IPv4/IPv6
	 * branch: clang would sink both into a call with a selected map,
	 * which the verifier no longer inlines (vta_iface_get()). */
	barrier_var(rt);
	return rt;
}

/*
 * A zero the compiler cannot fold, computed from v.  Added to an address
 * it makes the load from that address depend on v: the CPU performs the
 * load that produced v first (an address dependency orders two loads on
 * every CPU the kernel runs BPF on but Alpha; x86 keeps loads in order
 * anyway).  The JITs translate "r &= 0" one to one (arm64: a zero
 * register and an AND, the immediate 0 having no logical encoding), and
 * the verifier only learns that the sum is the pointer itself.
 */
static __always_inline __u64 vta_dep_zero(__u64 v)
{
	asm volatile("%[v] &= 0" : [v] "+r"(v));
	return v;
}

/*
 * One read of copy c[s1 & 1] of entry e into *x (its ifindex) and w[0..3]
 * (its fields); returns seq read after them.  The copy's address is
 * computed from s1 and seq's from every word read, so the loads are
 * performed in the order s1 -> copy -> seq (vta_dep_zero()).
 */
static __always_inline __u64 vta_ifcopy_read(const struct vta_ifdata *e,
					      __u64 s1, __u64 *x, __u64 *w)
{
	const volatile __u64 *p;
	const char *b;

	b = (const char *)e + __builtin_offsetof(struct vta_ifdata, c) +
	    (s1 & 1) * sizeof(struct vta_ifcopy) + vta_dep_zero(s1);
	*x = *(const volatile __u32 *)(b + __builtin_offsetof(struct vta_ifcopy,
							      ifindex));
	p = (const volatile __u64 *)(b + __builtin_offsetof(struct vta_ifcopy,
							   v));
	w[0] = p[0];
	w[1] = p[1];
	w[2] = p[2];
	w[3] = p[3];
	b = (const char *)e + vta_dep_zero(*x | w[0] | w[1] | w[2] | w[3]);
	return *(const volatile __u32 *)b;	/* seq at offset 0 */
}

/*
 * The interface entry for ifindex, copied to *out: VTA_COUNTER_MAX
 * (VTA_CONTINUE), or
 * VTA_PASS_UNKNOWN_IF (not managed), or VTA_PASS_IF_CHANGING (seq moved
 * during two reads in a row, or the entry was given to another interface
 * while we read).
 * A seqcount latch read (docs/datapath-notes.md "Interface entries"):
 * copy c[seq & 1] is the one the daemon is not writing, so a write in
 * progress (seq odd: c[1], the old version) no longer sends the packet to
 * the kernel; only a seq that moved during the read does, and then the
 * copy it moved to is read once more (no loop: two inline reads).
 * No read barrier: BPF on 6.1 has neither a fence nor a load-acquire,
 * and an atomic fetch-add of 0 would be one but writes the cache line the
 * other CPUs read for every packet.  The order comes from address
 * dependencies instead (vta_ifcopy_read()); the daemon's side has
 * release fences between seq and the copies.
 */
static __always_inline int vta_iface_get(__u32 ifindex, struct vta_iface *out)
{
	const struct vta_ifdata *e;
	const __u32 *sp;
	__u64 s1, s2, x, w[4];
	__u32 k;

	/*
	 * The array for the usual small ifindex (inlined by the verifier:
	 * no hashing), the hash beyond it.  The barrier keeps clang from
	 * sinking the two lookups into one call with a selected map: the
	 * verifier inlines only a call site that sees a single map, and
	 * calls the map's lookup through its ops otherwise (measured:
	 * array_map_lookup_elem() in perf of bench/prog_cost).
	 */
	if (ifindex < VTA_IFIDX_DIRECT) {
		sp = bpf_map_lookup_elem(&vta_ifidx, &ifindex);
		barrier_var(sp);
	} else {
		sp = bpf_map_lookup_elem(&vta_ifslot, &ifindex);
	}
	if (!sp)
		return VTA_PASS_UNKNOWN_IF;
	k = *sp;
	if (!k)
		return VTA_PASS_UNKNOWN_IF;
	e = bpf_map_lookup_elem(&vta_ifdata, &k);
	if (!e)
		return VTA_PASS_UNKNOWN_IF;
	s1 = *(const volatile __u32 *)&e->seq;
	s2 = vta_ifcopy_read(e, s1, &x, w);
	if (s1 != s2) {
		/* a write moved readers to the other copy while we read */
		s1 = s2;
		s2 = vta_ifcopy_read(e, s1, &x, w);
		if (s1 != s2)
			return VTA_PASS_IF_CHANGING;
	}
	if (x != ifindex)
		return VTA_PASS_IF_CHANGING;
	__builtin_memcpy(out, &w[0], 8);
	__builtin_memcpy((char *)out + 8, &w[1], 8);
	__builtin_memcpy((char *)out + 16, &w[2], 8);
	__builtin_memcpy((char *)out + 24, &w[3], 8);
	return VTA_COUNTER_MAX;
}

/* Every map of the contract's list is defined above, under its name. */
#define VTA__MAP_DEFINED(var)						\
	_Static_assert(sizeof(vta_##var) > 0, VTA_MAP_NAME(var));
VTA_MAPS(VTA__MAP_DEFINED)
#undef VTA__MAP_DEFINED

#endif /* VTA_MAPS_H */
