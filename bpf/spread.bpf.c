/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * vta_spread - XDP on the outside interface: spreads one tunnel's inbound
 * ESP over several CPUs (issue 16, docs/esp-spread.md).  ESP (protocol
 * 50) and ESP-in-UDP (destination port 4500, non-zero SPI) from a peer
 * listed in spread_peers (IPv4) or spread_peers6 (IPv6) to any local
 * address are redirected through the
 * CPUMAP spread_cpus to one of the peer's CPUs, chosen from the ESP
 * sequence number: cpu = cpus[(seq >> block_shift) % ncpus].  The skb is
 * then built on that CPU, which runs the whole receive path there: UDP
 * decapsulation, xfrm_input() and the decryption, the inner packet's
 * routing.  One SA's packets so land on several CPUs, which RSS/RPS
 * (hash of the outer addresses) cannot do.
 *
 * The sequence number, not a per-CPU counter, picks the CPU: the choice is
 * stateless (the same packet always goes to the same CPU) and consecutive
 * packets of one SA alternate, so that the decryptions overlap while the
 * distance between packets that the replay check sees out of order stays
 * bounded by the CPUs' queue skew (docs/esp-spread.md, replay window).
 *
 * Loaded, filled and attached by `vtiaccel run` with `[esp] spread`
 * (user/spread.c), which renews the lease in spread_state with its own;
 * the maps' layouts are include/vta_spread.h.
 *
 * Fail open: anything else (not IP, IPv4 options or fragments, IPv6
 * extension headers (fragments among them), IKE and NAT keepalives, a
 * peer not listed, a packet too short to hold an SPI and a sequence
 * number), and everything once the lease in spread_state has expired, is
 * XDP_PASS, unchanged.  A CPUMAP slot that is not set makes
 * bpf_redirect_map() return XDP_PASS too (flags 0 would drop).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "vta_spread.h"

#define VTA_SPREAD_NATT_PORT 4500

/* Peer IPv4 address (network order) -> spreading. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, struct spread_peer);
	__uint(max_entries, VTA_SPREAD_PEERS_MAX);
} spread_peers SEC(".maps");

/* Peer IPv6 address -> spreading. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct spread_addr6);
	__type(value, struct spread_peer);
	__uint(max_entries, VTA_SPREAD_PEERS_MAX);
} spread_peers6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CPUMAP);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(struct bpf_cpumap_val));
	__uint(max_entries, VTA_SPREAD_CPUMAP_MAX);
} spread_cpus SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct spread_state);
	__uint(max_entries, 1);
} spread_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, SPREAD_NR_COUNTERS);
} spread_stats SEC(".maps");

static __always_inline int spread_count(__u32 c, int verdict)
{
	__u64 *v = bpf_map_lookup_elem(&spread_stats, &c);

	if (v)
		*v += 1;
	return verdict;
}

/*
 * The ESP header after the outer IP header: plain ESP, or ESP in UDP to
 * port 4500 with a non-zero SPI.  *esp and *need (the peer's flag it
 * needs) on success, else the counter of the pass.
 */
static __always_inline int spread_esp(__u8 proto, void *l4, void *end,
				      __u8 **esp, __u32 *need)
{
	struct udphdr *uh = l4;

	if (proto == IPPROTO_ESP) {
		*esp = l4;
		*need = SPREAD_F_ESP;
		return -1;
	}
	if (proto != IPPROTO_UDP)
		return SPREAD_PASS_OTHER;
	if ((void *)(uh + 1) > end ||
	    uh->dest != bpf_htons(VTA_SPREAD_NATT_PORT))
		return SPREAD_PASS_OTHER;
	*esp = (__u8 *)(uh + 1);
	/* A zero non-ESP marker is IKE; a NAT keepalive (one byte 0xff)
	 * is too short for the SPI: both stay with the kernel.
	 */
	if ((void *)(*esp + 4) > end || !*(__u32 *)*esp)
		return SPREAD_PASS_OTHER;
	*need = SPREAD_F_NATT;
	return -1;
}

SEC("xdp")
int vta_spread(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	const struct spread_state *st;
	const struct spread_peer *peer;
	struct ethhdr *eth = data;
	__u8 *esp = NULL;
	__u32 zero = 0, need = 0, seq, n;
	__u64 idx;
	int r;

	if ((void *)(eth + 1) > end)
		return spread_count(SPREAD_PASS_OTHER, XDP_PASS);
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		__u32 peer_addr;

		/* No options: an ESP sender does not set them, and the
		 * kernel's own handling of what is unusual stays untouched.
		 */
		if ((void *)(ip + 1) > end || ip->ihl != 5 || ip->version != 4)
			return spread_count(SPREAD_PASS_OTHER, XDP_PASS);
		if (ip->frag_off & bpf_htons(0x3fff)) /* MF or an offset */
			return spread_count(SPREAD_PASS_OTHER, XDP_PASS);
		r = spread_esp(ip->protocol, ip + 1, end, &esp, &need);
		if (r >= 0)
			return spread_count(r, XDP_PASS);
		peer_addr = ip->saddr;
		peer = bpf_map_lookup_elem(&spread_peers, &peer_addr);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		struct spread_addr6 a6;

		/* ESP or UDP right after the fixed header: an extension
		 * header (a fragment header among them) stays with the
		 * kernel.
		 */
		if ((void *)(ip6 + 1) > end || ip6->version != 6)
			return spread_count(SPREAD_PASS_OTHER, XDP_PASS);
		r = spread_esp(ip6->nexthdr, ip6 + 1, end, &esp, &need);
		if (r >= 0)
			return spread_count(r, XDP_PASS);
		__builtin_memcpy(a6.a, &ip6->saddr, sizeof(a6.a));
		peer = bpf_map_lookup_elem(&spread_peers6, &a6);
	} else {
		return spread_count(SPREAD_PASS_OTHER, XDP_PASS);
	}
	if (!peer || !(peer->flags & need))
		return spread_count(SPREAD_PASS_UNKNOWN, XDP_PASS);

	/* The lease: a daemon that stopped renewing it leaves the kernel's
	 * own receive path, as if this program were not there.
	 */
	st = bpf_map_lookup_elem(&spread_state, &zero);
	if (!st || !st->lease_deadline_ns ||
	    bpf_ktime_get_coarse_ns() > st->lease_deadline_ns)
		return spread_count(SPREAD_PASS_LEASE, XDP_PASS);

	if ((void *)(esp + 8) > end)
		return spread_count(SPREAD_PASS_SHORT, XDP_PASS);
	seq = bpf_ntohl(*(__u32 *)(esp + 4));
	n = peer->ncpus;
	if (n < 1 || n > VTA_SPREAD_MAX_CPUS)
		return spread_count(SPREAD_PASS_UNKNOWN, XDP_PASS);
	idx = (__u64)(seq >> (peer->block_shift & 31)) % n;
	/* idx < n <= VTA_SPREAD_MAX_CPUS, but clang's modulo (div, mul, sub)
	 * loses the bound and drops a plain check: the barrier keeps it.
	 */
	barrier_var(idx);
	if (idx >= VTA_SPREAD_MAX_CPUS)
		return spread_count(SPREAD_PASS_UNKNOWN, XDP_PASS);
	/* Flags XDP_PASS: a CPU missing from the CPUMAP (the daemon did not
	 * get it in, or it went offline) passes, not drops.
	 */
	r = bpf_redirect_map(&spread_cpus, peer->cpus[idx], XDP_PASS);
	if (r != XDP_REDIRECT)
		return spread_count(SPREAD_PASS_NO_CPU, r);
	return spread_count(SPREAD_REDIRECTED, r);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
