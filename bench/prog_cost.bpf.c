// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The in-kernel loop of bench/prog_cost: one test run with repeat N runs
 * this driver N times on one skb.  Each time it writes the next packet
 * of pc_pkts over the skb's bytes (a new destination, and the TTL and
 * MACs the previous run rewrote) and tail-calls the program under test
 * (pc_next[0]).  So every run sees another destination while the code,
 * the hot maps and the TLB stay as warm as in a NAPI poll that forwards
 * a burst; the same driver tail-calling an empty program is the floor.
 * pc_fib4 below is an anchor the driver also calls.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include "maps.h" /* the programs' maps: bench/prog_cost.c reuses their fds */

#include "prog_cost.h"

struct pc_ctl {
	__u32 next; /* the packet the next run writes */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct pc_pkt);
	__uint(max_entries, PC_PKTS);
} pc_pkts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct pc_ctl);
	__uint(max_entries, 1);
} pc_ctl SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1);
} pc_next SEC(".maps");

SEC("tc")
int pc_drive(struct __sk_buff *skb)
{
	__u32 zero = 0, k;
	struct pc_ctl *c = bpf_map_lookup_elem(&pc_ctl, &zero);
	struct pc_pkt *p;

	if (!c)
		return TC_ACT_SHOT;
	k = c->next++ & (PC_PKTS - 1);
	p = bpf_map_lookup_elem(&pc_pkts, &k);
	if (!p)
		return TC_ACT_SHOT;
	/* the lengths bench/prog_cost.c builds; the skb keeps the first
	 * packet's length, and all packets of one cell have the same */
	if (p->len == 64)
		bpf_skb_store_bytes(skb, 0, p->b, 64, 0);
	else if (p->len == 58)
		bpf_skb_store_bytes(skb, 0, p->b, 58, 0);
	else
		return TC_ACT_SHOT;
	bpf_tail_call(skb, &pc_next, 0);
	return TC_ACT_SHOT; /* not reached: the caller checks retval */
}

/*
 * An anchor: the IPv4 FIB lookup of the programs (vta_fib4_lookup(),
 * bpf/maps.h) on the same maps, and a read of the route it found, and
 * nothing else: a path's cost can be set against the memory reads of its
 * lookup at each table size.
 */
SEC("tc")
int pc_fib4(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	__be32 *daddr = data + 14 + 16;
	const struct vta_route *rt;

	if ((void *)(daddr + 1) > end)
		return TC_ACT_SHOT;
	rt = vta_fib4_lookup(*daddr);
	/* every route of bench/prog_cost.c has a group */
	return rt && rt->group_id ? TC_ACT_OK : TC_ACT_SHOT;
}

/*
 * Anchors for what one map access costs, cold (the first access after
 * a system call, bench/prog_cost.c) and in the loop: a counter update in
 * a per-CPU array (what vta_count() does), the same in a plain array,
 * and a hash lookup by ifindex.
 */
struct pc_ctr {
	__u64 c[40][2]; /* the size of struct vta_stats */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct pc_ctr);
	__uint(max_entries, 256);
} pc_percpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct pc_ctr);
	__uint(max_entries, 256);
	__uint(map_flags, BPF_F_MMAPABLE);
} pc_array SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 256);
} pc_hash SEC(".maps");

/* map: a constant at each (inlined) call site, as in vta_count() */
static __always_inline int pc_count(void *map, struct __sk_buff *skb)
{
	__u32 k = 1;
	struct pc_ctr *c = bpf_map_lookup_elem(map, &k);

	if (c) {
		c->c[3][0]++;
		c->c[3][1] += skb->len;
	}
	return TC_ACT_OK;
}

SEC("tc")
int pc_ctr_percpu(struct __sk_buff *skb)
{
	return pc_count(&pc_percpu, skb);
}

SEC("tc")
int pc_ctr_array(struct __sk_buff *skb)
{
	return pc_count(&pc_array, skb);
}

SEC("tc")
int pc_hash_lookup(struct __sk_buff *skb)
{
	__u32 k = skb->ifindex;
	__u32 *v = bpf_map_lookup_elem(&pc_hash, &k);

	return v && *v == 7 ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
