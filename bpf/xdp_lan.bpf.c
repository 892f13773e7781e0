/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * vta_xdp_lan - XDP on LAN interfaces (through libxdp's dispatcher).
 *
 * With VTA_CFG_F_XDP_GUARD: drops, before an skb exists, packets from the
 * LAN whose source address the map FIB routes into a tunnel (a LAN host
 * forging a VPC address: the kernel's rp_filter would drop them later,
 * at the full price of an skb).  Everything else is XDP_PASS untouched,
 * for tc to forward.  Only what XDP consumes is counted (DROP_SPOOF on
 * the ingress slot): passed packets get their verdict from tc, and
 * counting them here too would count every LAN packet twice.
 */
#include <stdbool.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include <xdp/xdp_helpers.h>
#include "maps.h"
#include "stats.h"

struct {
	__uint(priority, VTA_XDP_RUN_PRIO);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(vta_xdp_lan);

static __always_inline bool vta_src_via_tunnel(const struct vta_route *rt)
{
	return rt && rt->type == VTA_RT_UNICAST &&
	       (rt->flags & VTA_RT_F_VIA_TUNNEL);
}

SEC("xdp")
int vta_xdp_lan(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	const struct vta_config *cfg = vta_config_lookup();
	const struct vta_route *rt = NULL;
	__u32 ifindex = ctx->ingress_ifindex;
	struct vta_iface in;
	struct ethhdr *eth = data;

	if (!vta_lease_ok(cfg) || !(cfg->flags & VTA_CFG_F_XDP_GUARD))
		return XDP_PASS;
	if (vta_iface_get(ifindex, &in) != VTA_CONTINUE ||
	    in.role != VTA_ROLE_LAN)
		return XDP_PASS;
	if ((void *)(eth + 1) > end)
		return XDP_PASS;

	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = (void *)(eth + 1);

		if ((void *)(iph + 1) > end || iph->version != 4)
			return XDP_PASS;
		rt = vta_fib4_lookup(iph->saddr);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);
		struct vta_fib6_key k6 = { .prefixlen = 128 };

		if ((void *)(ip6 + 1) > end || ip6->version != 6)
			return XDP_PASS;
		__builtin_memcpy(k6.addr, &ip6->saddr, 16);
		rt = bpf_map_lookup_elem(&vta_fib6, &k6);
	}
	if (!vta_src_via_tunnel(rt))
		return XDP_PASS;
	vta_count(in.slot, VTA_DROP_SPOOF, (__u32)(end - data));
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
