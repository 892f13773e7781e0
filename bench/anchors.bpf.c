// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * anchors.bpf.c - the minimal forwarders bench/forward.sh measures
 * vtiaccel against: what the fast path would cost if it did nothing but
 * forward.  IPv4 only, no checks beyond what forwarding needs (Ethernet,
 * IPv4 without options, TTL > 1); everything else is passed.
 *
 *   anc_tc_neigh  tc: TTL - 1, bpf_redirect_neigh(out_ifindex, NULL):
 *                 the kernel does the route lookup and writes the MACs
 *   anc_tc_fib    tc: bpf_fib_lookup(), TTL - 1, MACs, bpf_redirect()
 *   anc_xdp_fib   XDP: the same as anc_tc_fib before an skb exists
 *   anc_xdp_pass  XDP_PASS: on the veth peer an XDP redirect goes to
 *                 (veth takes XDP frames only into a NAPI-enabled peer)
 *
 * Loaded and attached by bench/anchors.c.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define AF_INET 2

/* bench/anchors.c sets it before loading */
volatile const __u32 out_ifindex = 0;

/* TTL - 1 with the incremental checksum update of ip_decrease_ttl() */
static __always_inline void dec_ttl(struct iphdr *iph)
{
	__u32 check = iph->check;

	check += bpf_htons(0x0100);
	iph->check = (__u16)(check + (check >= 0xFFFF));
	iph->ttl--;
}

/* Ethernet + IPv4 without options, TTL > 1; NULL otherwise. */
static __always_inline struct iphdr *ip4(void *data, void *end)
{
	struct ethhdr *eth = data;
	struct iphdr *iph = data + ETH_HLEN;

	if ((void *)(iph + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return NULL;
	if (iph->ihl != 5 || iph->ttl <= 1)
		return NULL;
	return iph;
}

SEC("tc")
int anc_tc_neigh(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct iphdr *iph = ip4(data, end);

	if (!iph)
		return TC_ACT_OK;
	dec_ttl(iph);
	return bpf_redirect_neigh(out_ifindex, NULL, 0, 0);
}

static __always_inline long fib(void *ctx, struct iphdr *iph, __u32 ifindex,
				struct bpf_fib_lookup *fl)
{
	fl->family = AF_INET;
	fl->tos = iph->tos;
	fl->l4_protocol = iph->protocol;
	fl->tot_len = bpf_ntohs(iph->tot_len);
	fl->ipv4_src = iph->saddr;
	fl->ipv4_dst = iph->daddr;
	fl->ifindex = ifindex;
	return bpf_fib_lookup(ctx, fl, sizeof(*fl), 0);
}

SEC("tc")
int anc_tc_fib(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct iphdr *iph = ip4(data, end);
	struct bpf_fib_lookup fl = {};
	struct ethhdr *eth = data;

	if (!iph || fib(skb, iph, skb->ingress_ifindex, &fl) !=
			    BPF_FIB_LKUP_RET_SUCCESS)
		return TC_ACT_OK;
	dec_ttl(iph);
	__builtin_memcpy(eth->h_dest, fl.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fl.smac, ETH_ALEN);
	return bpf_redirect(fl.ifindex, 0);
}

SEC("xdp")
int anc_xdp_fib(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct iphdr *iph = ip4(data, end);
	struct bpf_fib_lookup fl = {};
	struct ethhdr *eth = data;

	if (!iph || fib(ctx, iph, ctx->ingress_ifindex, &fl) !=
			    BPF_FIB_LKUP_RET_SUCCESS)
		return XDP_PASS;
	dec_ttl(iph);
	__builtin_memcpy(eth->h_dest, fl.dmac, ETH_ALEN);
	__builtin_memcpy(eth->h_source, fl.smac, ETH_ALEN);
	return bpf_redirect(fl.ifindex, 0);
}

SEC("xdp")
int anc_xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
