/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * parse.h - header parsing shared by the tc programs.  Each step returns
 * VTA_CONTINUE or the pass reason that sends the packet to the kernel
 * unchanged.  Nothing here writes to the packet.
 *
 * The order of the checks defines which reason a packet with several
 * problems is counted under:
 *   Ethernet: VLAN (tag in the header or in skb metadata), not IP;
 *   IPv4: cut or inconsistent header (version, IHL < 5, tot_len beyond
 *         the packet or below the header), bad header checksum
 *         (PASS_MALFORMED: ip_rcv() drops it, we let it; options
 *         included), options, fragment,
 *         martian source (PASS_MALFORMED), local/multicast/broadcast
 *         destination, TTL <= 1;
 *   IPv6: cut header, version, payload_len beyond the packet or 0
 *         (jumbogram), fragment header, any other extension header,
 *         multicast/loopback/unspecified source (PASS_MALFORMED),
 *         link-local source, multicast/link-local/loopback/unspecified
 *         destination, hop limit <= 1.
 */
#ifndef VTA_PARSE_H
#define VTA_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "vtiaccel.h"
#include "stats.h"
#include "csum.h"
#include "vta_rules.h"

#define VTA_ETH_P_8021Q		0x8100
#define VTA_ETH_P_8021AD	0x88a8
#define VTA_IP_MF		0x2000
#define VTA_IP_OFFSET		0x1fff

/* What the programs need to know about a packet. */
struct vta_pkt {
	__u32 l3_off;		/* IP header offset: 14 (Ethernet) or 0 */
	__u32 l4_off;		/* L4 header offset (no options/ext hdrs) */
	__u32 ip_len;		/* IPv4 tot_len, IPv6 40 + payload_len */
	__u32 ports;		/* sport << 16 | dport, raw, or 0 */
	__u16 family;		/* VTA_AF_INET or VTA_AF_INET6 */
	__u8 proto;		/* L4 protocol */
	__u8 frag;		/* IPv4 fragment (MF or offset) */
	__u32 saddr[4];		/* IPv4 in [0] */
	__u32 daddr[4];
};

static __always_inline void *vta_data(const struct __sk_buff *skb)
{
	return (void *)(long)skb->data;
}

static __always_inline void *vta_data_end(const struct __sk_buff *skb)
{
	return (void *)(long)skb->data_end;
}

/*
 * Make the headers we read linear: up to Ethernet + IPv6 + a full TCP
 * header.  No visible change to the packet.  Only when they are not
 * linear already (the helper costs as much as the rest of a pass): tc
 * makes a cloned head private itself before direct writes, and the
 * store/change helpers do the same for what they touch.
 */
#define VTA_PULL_LEN	(ETH_HLEN + sizeof(struct ipv6hdr) + 60)

static __always_inline int vta_pull(struct __sk_buff *skb)
{
	__u32 len = skb->len;

	if (len > VTA_PULL_LEN)
		len = VTA_PULL_LEN;
	if (vta_data(skb) + len <= vta_data_end(skb))
		return 0;
	return bpf_skb_pull_data(skb, len);
}

/* Ethernet: sets l3_off, *proto (network order). */
static __always_inline int vta_parse_eth(struct __sk_buff *skb,
					 struct vta_pkt *p, __u16 *proto)
{
	void *data = vta_data(skb), *end = vta_data_end(skb);
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return VTA_PASS_MALFORMED;
	if (skb->vlan_present || eth->h_proto == bpf_htons(VTA_ETH_P_8021Q) ||
	    eth->h_proto == bpf_htons(VTA_ETH_P_8021AD))
		return VTA_PASS_VLAN;
	*proto = eth->h_proto;
	p->l3_off = ETH_HLEN;
	return VTA_CONTINUE;
}

/*
 * Read the L4 ports for the flow hash: TCP/UDP with the fixed header
 * inside the IP payload, else 0 (3-tuple hash).
 */
static __always_inline void vta_parse_ports(struct __sk_buff *skb,
					    struct vta_pkt *p)
{
	void *data = vta_data(skb), *end = vta_data_end(skb);
	__u32 l4_len = p->ip_len - (p->l4_off - p->l3_off);
	__u16 *ports;

	p->ports = 0;
	if (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP)
		return;
	if (l4_len < (p->proto == IPPROTO_TCP ? sizeof(struct tcphdr) :
						 sizeof(struct udphdr)))
		return;
	if (p->l4_off > 64)
		return;
	ports = data + p->l4_off;
	if ((void *)(ports + 2) > end)
		return;
	p->ports = (__u32)ports[0] << 16 | ports[1];
}

/* The header checksum of an IPv4 header with options (ihl words). */
static __always_inline bool vta_ip4_opt_csum_ok(struct __sk_buff *skb,
						__u32 off, __u32 ihl)
{
	__u32 sum = 0, w;
	int i;

	/* a bounded loop, not unrolled (clang cannot with the helper) */
	for (i = 0; i < 15; i++) {
		if ((__u32)i >= ihl)
			break;
		if (bpf_skb_load_bytes(skb, off + i * 4, &w, 4))
			return false;
		sum += (w & 0xffff) + (w >> 16);
	}
	return vta_csum_fold(sum) == 0xffff;
}

static __always_inline int vta_parse_ip4(struct __sk_buff *skb,
					 struct vta_pkt *p, bool fwd)
{
	void *data = vta_data(skb), *end = vta_data_end(skb);
	__u32 off = p->l3_off, tot;
	struct iphdr *iph;

	if (off > ETH_HLEN)
		return VTA_PASS_MALFORMED;
	iph = data + off;
	if ((void *)(iph + 1) > end)
		return VTA_PASS_MALFORMED;
	if (iph->version != 4 || iph->ihl < 5)
		return VTA_PASS_MALFORMED;
	tot = bpf_ntohs(iph->tot_len);
	if (tot > skb->len - off || tot < (__u32)iph->ihl * 4)
		return VTA_PASS_MALFORMED;
	/* Filled in before the option check: vta_clamp_passed() uses them. */
	p->family = VTA_AF_INET;
	p->proto = iph->protocol;
	p->ip_len = tot;
	p->l4_off = off + iph->ihl * 4;
	p->saddr[0] = iph->saddr;
	p->daddr[0] = iph->daddr;
	p->frag = !!(iph->frag_off & bpf_htons(VTA_IP_MF | VTA_IP_OFFSET));
	/* The header checksum first: vta_clamp_passed() rewrites packets
	 * passed for their options, and a packet ip_rcv() drops must reach
	 * it unchanged. */
	if (iph->ihl > 5)
		return vta_ip4_opt_csum_ok(skb, off, iph->ihl) ?
			       VTA_PASS_IP_OPTIONS : VTA_PASS_MALFORMED;
	if (!vta_ip4_csum_ok(iph))
		return VTA_PASS_MALFORMED;
	if (p->frag)
		return VTA_PASS_FRAGMENT;
	if (!fwd)
		return VTA_CONTINUE;

	if (vta_ip4_martian_src((const __u8 *)&iph->saddr))
		return VTA_PASS_MALFORMED;
	if (vta_ip4_local_dst((const __u8 *)&iph->daddr))
		return VTA_PASS_LOCAL;
	if (iph->ttl <= 1)
		return VTA_PASS_TTL;
	vta_parse_ports(skb, p);
	return VTA_CONTINUE;
}

static __always_inline bool vta_ip6_ext_hdr(__u8 nh)
{
	switch (nh) {
	case 0:		/* hop-by-hop options */
	case 43:	/* routing */
	case 51:	/* AH */
	case 60:	/* destination options */
	case 135:	/* mobility */
	case 139:	/* HIP */
	case 140:	/* shim6 */
	case 253:	/* experimental */
	case 254:
		return true;
	}
	return false;
}

static __always_inline int vta_parse_ip6(struct __sk_buff *skb,
					 struct vta_pkt *p, bool fwd)
{
	void *data = vta_data(skb), *end = vta_data_end(skb);
	__u32 off = p->l3_off, plen;
	struct ipv6hdr *ip6;
	int r;

	if (off > ETH_HLEN)
		return VTA_PASS_MALFORMED;
	ip6 = data + off;
	if ((void *)(ip6 + 1) > end)
		return VTA_PASS_MALFORMED;
	if (ip6->version != 6)
		return VTA_PASS_MALFORMED;
	plen = bpf_ntohs(ip6->payload_len);
	/* payload_len 0 is a jumbogram (hop-by-hop option): kernel. */
	if (plen == 0 || plen > skb->len - off - sizeof(*ip6))
		return VTA_PASS_MALFORMED;
	/* Filled in before the header checks: vta_clamp_passed() uses them
	 * (proto is then the first extension header). */
	p->family = VTA_AF_INET6;
	p->proto = ip6->nexthdr;
	p->ip_len = sizeof(*ip6) + plen;
	p->l4_off = off + sizeof(*ip6);
	__builtin_memcpy(p->saddr, &ip6->saddr, 16);
	__builtin_memcpy(p->daddr, &ip6->daddr, 16);
	if (ip6->nexthdr == 44)
		return VTA_PASS_FRAGMENT;
	if (vta_ip6_ext_hdr(ip6->nexthdr))
		return VTA_PASS_EXT_HDR;
	if (!fwd)
		return VTA_CONTINUE;

	/* vta_rules.h: the addresses ip6_forward() refuses */
	r = vta_ip6_addr_verdict(ip6->saddr.in6_u.u6_addr8,
				 ip6->daddr.in6_u.u6_addr8);
	if (r != VTA_CONTINUE)
		return r;
	if (ip6->hop_limit <= 1)
		return VTA_PASS_TTL;
	vta_parse_ports(skb, p);
	return VTA_CONTINUE;
}

/*
 * Where the IP header starts on an L3 device (VTI, xfrm).  Usually at
 * the start -- but xfrm decapsulation rebuilds the outer packet's MAC
 * header in front of the inner one (xfrm4_remove_tunnel_encap():
 * skb_mac_header_rebuild(), h_proto set to the inner protocol) and tc
 * ingress pushes mac_len bytes, so on a VTI over Ethernet tc sees those
 * 14 bytes first (measured on Debian's 6.1).  Decide by what is there:
 * an IP header of the family skb->protocol says whose length matches
 * the packet exactly (decapsulated packets carry no padding), else the
 * same behind an Ethernet header whose type is that protocol; neither ->
 * the kernel.
 */
static __always_inline bool vta_ip_at(struct __sk_buff *skb, __u32 off,
				      __u16 proto)
{
	void *data = vta_data(skb), *end = vta_data_end(skb);
	__u32 len = skb->len - off;
	__u8 *b;

	if (off > ETH_HLEN)
		return false;
	b = data + off;
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = (void *)b;

		if ((void *)(iph + 1) > end)
			return false;
		return iph->version == 4 && bpf_ntohs(iph->tot_len) == len;
	} else {
		struct ipv6hdr *ip6 = (void *)b;

		if ((void *)(ip6 + 1) > end)
			return false;
		return ip6->version == 6 &&
		       bpf_ntohs(ip6->payload_len) + sizeof(*ip6) == len;
	}
}

static __always_inline int vta_parse_l3dev(struct __sk_buff *skb,
					   struct vta_pkt *p, __u16 *proto)
{
	void *data = vta_data(skb), *end = vta_data_end(skb);
	struct ethhdr *eth = data;

	*proto = skb->protocol;
	if (*proto != bpf_htons(ETH_P_IP) && *proto != bpf_htons(ETH_P_IPV6))
		return VTA_PASS_NOT_IP;
	if (vta_ip_at(skb, 0, *proto)) {
		p->l3_off = 0;
		return VTA_CONTINUE;
	}
	if ((void *)(eth + 1) <= end && eth->h_proto == *proto &&
	    vta_ip_at(skb, ETH_HLEN, *proto)) {
		p->l3_off = ETH_HLEN;
		return VTA_CONTINUE;
	}
	return VTA_PASS_MALFORMED;
}

/* L3 after an optional L2 header; proto is the EtherType. */
static __always_inline int vta_parse_l3(struct __sk_buff *skb,
					struct vta_pkt *p, __u16 proto,
					bool fwd)
{
	if (proto == bpf_htons(ETH_P_IP))
		return vta_parse_ip4(skb, p, fwd);
	if (proto == bpf_htons(ETH_P_IPV6))
		return vta_parse_ip6(skb, p, fwd);
	return VTA_PASS_NOT_IP;
}

#endif /* VTA_PARSE_H */
