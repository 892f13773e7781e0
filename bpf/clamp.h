/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * clamp.h - vta_tun_out, the MSS clamp on tc egress of every tunnel: the
 * seed's rule
 *
 *   -t mangle -A FORWARD -o vtiN -p tcp -m tcp --tcp-flags SYN,RST SYN
 *   -j TCPMSS --clamp-mss-to-pmtu          (or --set-mss N)
 *
 * moved to where it applies to every SYN that leaves through the tunnel,
 * whoever forwarded it: the fast path, or the kernel for any pass reason
 * (route marked kernel, no route in the maps, an interface not in the
 * maps yet, fragments, an expired lease, a dead daemon).  It reads no
 * lease and works without the daemon: its inputs from the daemon are the
 * tunnel's interface entry (mss4/mss6, VTA_IF_F_MSS_*) and a route MTU
 * metric in the map FIB, each used only when present; otherwise the
 * clamp is derived from the kernel's own routes (pmtu).
 *
 * What it clamps, as xt_TCPMSS with the nft backend (mss.h has the
 * option rules; docs/datapath-notes.md the decisions):
 *  - forwarded packets only: a packet of one of this host's TCP sockets
 *    was never seen by the FORWARD rule;
 *  - TCP behind IPv4 options, or behind IPv6 hop-by-hop, routing,
 *    destination-options and fragment headers (not AH: nft's -p tcp does
 *    not look behind it);
 *  - no non-first fragment (no TCP header: the match fails); a first
 *    fragment is clamped like a whole packet, and dropped like one when
 *    it matches but its TCP header is cut; an MSS option is never
 *    inserted into a fragment that has more fragments after it (the
 *    kernel's insertion shifts the data against the next fragment's
 *    offset and breaks reassembly).  An IPv6 atomic fragment (offset 0,
 *    M clear) is a whole packet.
 *
 * The clamp: pmtu = min(MTU of the route to the destination out of this
 * tunnel, MTU of the route back to the source) - 40 (IPv4) / 60 (IPv6),
 * as tcpmss_tg4/6 compute it, both from bpf_fib_lookup() (whose MTU is
 * ip_mtu_from_fib_result() / ip6_mtu_from_fib6(): the device MTU, a
 * learned PMTU exception or a locked route MTU), falling back to the
 * device MTU, and lowered to an unlocked route MTU metric the map FIB
 * mirrors (vta_route.mtu: the one input from the route mirror, used
 * only when present).  The entry's values are used as they are (MSS_FIXED),
 * ignored (MSS_PMTU) or lowered further to pmtu (sa mode).
 *
 * The non-SYN path is a few loads: family, IP header, TCP flags.  No
 * "already clamped" flag: packets the fast path redirects into a tunnel
 * pass this hook too, and the fast path has clamped them with the same
 * inputs (fwd.h: entry, route MTU metric, reverse route MTU), so a second
 * clamp finds nothing to lower.
 */
#ifndef VTA_CLAMP_H
#define VTA_CLAMP_H

#include <linux/pkt_cls.h>
#include "parse.h"
#include "fib.h"
#include "mss.h"

/* min(route MTU, reverse route MTU) - 40/60, or 0 (do not clamp). */
static __always_inline __u16 vta_pmtu_mss(struct __sk_buff *skb,
					  const struct vta_pkt *p)
{
	__u32 minlen = p->family == VTA_AF_INET ? 40 : 60;
	const struct vta_route *rt;
	__u32 mtu, rev;

	mtu = vta_route_mtu(skb, p, false);
	if (!mtu) {
		/* No route through this device (policy routing, a route
		 * that is gone): the device's own MTU. */
		mtu = 0;
		if (bpf_check_mtu(skb, 0, &mtu, 0, 0) < 0)
			return 0;
	}
	/* An MTU metric on the route (`ip route ... mtu N`), which
	 * dst_mtu() honours and bpf_fib_lookup() reports only when locked:
	 * from the map FIB, where the daemon mirrors it. */
	rt = vta_fib_lookup(p->family, p->daddr);
	if (rt && rt->type == VTA_RT_UNICAST && rt->mtu && rt->mtu < mtu)
		mtu = rt->mtu;
	rev = vta_route_mtu(skb, p, true);
	if (rev && rev < mtu)
		mtu = rev;
	/* The kernel drops here ("unknown or invalid path-MTU"); an MTU
	 * this small does not exist on a tunnel: leave it alone. */
	if (mtu <= minlen || mtu > 0xffff)
		return 0;
	return mtu - minlen;
}

/*
 * Find the TCP header of a packet leaving through the tunnel: fills p
 * (l3_off = where the network header starts, 0 on a VTI, 14 on an
 * Ethernet device) and *more (a fragment with more after it).  Returns
 * false for anything the rule would not match.
 */
static __always_inline bool vta_out_tcp(struct __sk_buff *skb,
					struct vta_pkt *p, bool *more)
{
	__u32 off;

	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr iph;
		__u16 frag;

		if (bpf_skb_load_bytes_relative(skb, 0, &iph, sizeof(iph),
						BPF_HDR_START_NET))
			return false;
		if (iph.version != 4 || iph.ihl < 5 ||
		    iph.protocol != IPPROTO_TCP)
			return false;
		frag = bpf_ntohs(iph.frag_off);
		if (frag & VTA_IP_OFFSET)
			return false; /* no TCP header here */
		*more = frag & VTA_IP_MF;
		p->ip_len = bpf_ntohs(iph.tot_len);
		if (p->ip_len < (__u32)iph.ihl * 4 || p->ip_len > skb->len)
			return false;
		p->family = VTA_AF_INET;
		p->l3_off = skb->len - p->ip_len;
		p->l4_off = p->l3_off + iph.ihl * 4;
		p->saddr[0] = iph.saddr;
		p->daddr[0] = iph.daddr;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr ip6;
		__u8 nh;
		int i;

		if (bpf_skb_load_bytes_relative(skb, 0, &ip6, sizeof(ip6),
						BPF_HDR_START_NET))
			return false;
		if (ip6.version != 6 || !ip6.payload_len)
			return false;
		p->ip_len = sizeof(ip6) + bpf_ntohs(ip6.payload_len);
		if (p->ip_len > skb->len)
			return false;
		p->family = VTA_AF_INET6;
		p->l3_off = skb->len - p->ip_len;
		__builtin_memcpy(p->saddr, &ip6.saddr, 16);
		__builtin_memcpy(p->daddr, &ip6.daddr, 16);
		/* ipv6_find_hdr() as nft calls it: through hop-by-hop,
		 * routing, destination options and a first fragment. */
		nh = ip6.nexthdr;
		off = sizeof(ip6);
#pragma unroll
		for (i = 0; i < 6; i++) {
			__u8 eh[4];

			if (nh != 0 && nh != 43 && nh != 60 && nh != 44)
				break;
			if (off + 8 > p->ip_len ||
			    bpf_skb_load_bytes_relative(skb, off, eh, 4,
							BPF_HDR_START_NET))
				return false;
			if (nh == 44) {
				__u16 fo = (__u16)eh[2] << 8 | eh[3];

				if (fo & ~7)
					return false; /* not the first */
				*more = fo & 1;
				off += 8;
			} else {
				off += (eh[1] + 1) * 8;
			}
			nh = eh[0];
		}
		if (nh != IPPROTO_TCP || off > p->ip_len)
			return false;
		p->l4_off = p->l3_off + off;
	} else {
		return false;
	}
	/* Ethernet (the veth stand-ins) or none (VTI, xfrm). */
	if (p->l3_off != 0 && p->l3_off != ETH_HLEN)
		return false;
	p->proto = IPPROTO_TCP;
	return true;
}

/*
 * The quick look for the common case, a packet the rule cannot match, with
 * direct packet access instead of the helper copies of vta_out_tcp(): an
 * IP header of skb->protocol's family at off whose length is exactly the
 * rest of the packet (egress packets carry no padding).  1: such a header,
 * and the packet is not a TCP SYN (nor a first fragment of one, nor
 * behind IPv6 extension headers); 0: such a header, maybe a SYN; -1: no
 * such header at off.
 */
static __always_inline int vta_out_quick(struct __sk_buff *skb, __u32 off)
{
	void *data = vta_data(skb), *end = vta_data_end(skb);
	__u32 len = skb->len - off;
	__u8 *t;

	if (off > ETH_HLEN || skb->len < off)
		return -1;
	if (skb->protocol == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = data + off;
		__u32 hl;

		if ((void *)(iph + 1) > end || iph->version != 4 ||
		    iph->ihl < 5 || bpf_ntohs(iph->tot_len) != len)
			return -1;
		if (iph->protocol != IPPROTO_TCP ||
		    (iph->frag_off & bpf_htons(VTA_IP_OFFSET)))
			return 1;
		hl = iph->ihl * 4;
		t = (__u8 *)iph + hl;
	} else if (skb->protocol == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + off;
		__u8 nh;

		if ((void *)(ip6 + 1) > end || ip6->version != 6 ||
		    bpf_ntohs(ip6->payload_len) + sizeof(*ip6) != len)
			return -1;
		nh = ip6->nexthdr;
		if (nh == 0 || nh == 43 || nh == 60 || nh == 44)
			return 0;
		if (nh != IPPROTO_TCP)
			return 1;
		t = (__u8 *)(ip6 + 1);
	} else {
		return -1;
	}
	if ((void *)(t + 14) > end)
		return 0;
	return (t[13] & VTA_TCP_SYN) && !(t[13] & VTA_TCP_RST) ? 0 : 1;
}

static __always_inline int vta_tun_out_main(struct __sk_buff *skb)
{
	const struct vta_iface *e = NULL;
	struct vta_iface eb;
	struct bpf_sock *sk;
	struct vta_mss_plan mp = {};
	struct vta_pkt p = {};
	__u32 ifindex = skb->ifindex, slot, len = skb->len;
	__u16 clamp, v;
	bool more = false;
	__u8 th[14];
	int r, q0, q14;

	/* The network header is at 0 (VTI) or 14 (Ethernet): where the
	 * bytes could be either, every reading must say "no SYN".  First:
	 * almost every packet is not a SYN, and this reads only the skb's
	 * linear bytes (the socket below is another cache line, often of
	 * another CPU's or namespace's sender). */
	q0 = vta_out_quick(skb, 0);
	q14 = vta_out_quick(skb, ETH_HLEN);
	if ((q0 == 1 && q14 != 0) || (q14 == 1 && q0 != 0))
		return TC_ACT_OK;
	/* This host's own TCP (a socket in any state but CLOSE): the
	 * FORWARD rule never saw it.  A packet the fast path redirected
	 * still carries its sender's socket when that sender is in another
	 * namespace of this host (tc ingress runs before ip_rcv_core()
	 * orphans the skb; a raw socket is in CLOSE, a TCP socket is not:
	 * the fast path has clamped that one), and BPF_PROG_TEST_RUN gives
	 * every packet a dummy socket in CLOSE. */
	sk = skb->sk;
	if (sk && sk->state != BPF_TCP_CLOSE)
		return TC_ACT_OK;
	if (!vta_out_tcp(skb, &p, &more))
		return TC_ACT_OK;
	/* The rule's --tcp-flags SYN,RST SYN; without the flags byte it
	 * cannot match. */
	if (p.ip_len - (p.l4_off - p.l3_off) < 14 ||
	    bpf_skb_load_bytes(skb, p.l4_off, th, sizeof(th)))
		return TC_ACT_OK;
	if (!(th[13] & VTA_TCP_SYN) || (th[13] & VTA_TCP_RST))
		return TC_ACT_OK;

	/* A SYN: what clamp? */
	if (vta_iface_get(ifindex, &eb) == VTA_CONTINUE)
		e = &eb;
	slot = e ? e->slot : 0;
	if (e && e->role == VTA_ROLE_TUNNEL &&
	    !(e->flags & VTA_IF_F_MSS_PMTU)) {
		v = p.family == VTA_AF_INET ? e->mss4 : e->mss6;
		if (!v)
			return TC_ACT_OK; /* mss mode off */
		clamp = v;
		if (!(e->flags & VTA_IF_F_MSS_FIXED))
			clamp = vta_mss_min(v, vta_pmtu_mss(skb, &p));
	} else {
		clamp = vta_pmtu_mss(skb, &p);
	}
	if (!clamp)
		return TC_ACT_OK;

	r = vta_mss_plan(skb, &p, clamp, &mp);
	if (r == VTA_DROP_TCP_HDR) {
		vta_count(slot, VTA_DROP_OUT_TCP_HDR, len);
		return TC_ACT_SHOT;
	}
	if (r != VTA_CONTINUE)
		return TC_ACT_OK;
	if (mp.action == VTA_MSS_CLAMP) {
		if (vta_mss_clamp(skb, &p, &mp))
			return TC_ACT_SHOT; /* half written */
		vta_count(slot, VTA_EV_OUT_MSS_CLAMPED, len);
	} else if (mp.action == VTA_MSS_INSERT && !more) {
		if (bpf_skb_change_tail(skb, skb->len + VTA_TCPOLEN_MSS, 0))
			return TC_ACT_OK; /* nothing written yet */
		if (vta_mss_insert(skb, &p, &mp))
			return TC_ACT_SHOT;
		vta_count(slot, VTA_EV_OUT_MSS_INSERTED, len);
	}
	return TC_ACT_OK;
}

#endif /* VTA_CLAMP_H */
