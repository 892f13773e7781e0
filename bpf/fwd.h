/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fwd.h - the forwarding decision and the rewrite, shared by LAN ingress
 * and tunnel ingress.  Everything is decided (route, member, MTU, MSS)
 * before the first byte changes, so every pass is byte-for-byte the
 * packet that arrived.
 */
#ifndef VTA_FWD_H
#define VTA_FWD_H

#include <linux/pkt_cls.h>
#include <linux/if_packet.h>
#include "parse.h"
#include "fib.h"
#include "mss.h"

/*
 * MTU check against the route's MTU metric or the device's MTU, the lower
 * (vta_path_mtu(); ip_forward() honours the metric through
 * ip_dst_mtu_maybe_forward()); a GSO skb counts by the size of its
 * segments.  An unknown MTU (0) passes: the kernel knows it.
 */
static __always_inline int vta_mtu_check(struct __sk_buff *skb,
					 const struct vta_pkt *p,
					 const struct vta_path *path)
{
	__u32 gso_size = skb->gso_size, l4_hdr = 0, seg, mtu = path->mtu;

	if (!mtu)
		return VTA_PASS_MTU;
	if (p->ip_len <= mtu)
		return VTA_CONTINUE;
	if (!gso_size || skb->gso_segs == 1)
		return VTA_PASS_MTU;
	if (p->proto == IPPROTO_TCP) {
		__u8 doff, fl;

		if (vta_tcp_flags(skb, p->l4_off, &doff, &fl))
			return VTA_PASS_MTU;
		l4_hdr = (doff >> 4) * 4;
	} else if (p->proto == IPPROTO_UDP) {
		l4_hdr = sizeof(struct udphdr);
	}
	seg = (p->l4_off - p->l3_off) + l4_hdr + gso_size;
	return seg <= mtu ? VTA_CONTINUE : VTA_PASS_MTU;
}

/* TTL / hop limit - 1, in place (pointers re-derived after resizing). */
static __always_inline int vta_dec_ttl(struct __sk_buff *skb,
				       const struct vta_pkt *p)
{
	void *data = vta_data(skb), *end = vta_data_end(skb);
	__u32 off = p->l3_off;

	if (off > ETH_HLEN)
		return -1;
	/* the bound on the register the pointer is built from (after the
	 * calls of the MSS rewrite, clang may test a copy) */
	barrier_var(off);
	off &= 0xf;
	if (p->family == VTA_AF_INET) {
		struct iphdr *iph = data + off;

		if ((void *)(iph + 1) > end)
			return -1;
		vta_ip4_decrease_ttl(iph);
	} else {
		struct ipv6hdr *ip6 = data + off;

		if ((void *)(ip6 + 1) > end)
			return -1;
		ip6->hop_limit--;
	}
	return 0;
}

/*
 * Out of a tunnel: bpf_redirect().  To a neighbour: bpf_redirect_neigh()
 * with the next hop always given -- the gateway, or for an on-link route
 * the packet's destination, the address ip_finish_output2() resolves
 * (rt_nexthop()).  Without one the helper does a full output route
 * lookup per packet (ip_route_output_flow(), XFRM policy lookup
 * included: docs/datapath-notes.md, "Per-packet cost") only to
 * find the same neighbour; the daemon leaves forwarding to the kernel
 * while XFRM policies or ip rules could change that answer
 * (user/kfeatures.h), so skipping the lookup changes no packet.
 */
static __always_inline int vta_redirect(const struct vta_pkt *p,
					const struct vta_path *path)
{
	const struct vta_nh *nh = path->nh;
	struct bpf_redir_neigh np = {};

	if (nh->kind == VTA_NH_TUNNEL)
		return bpf_redirect(path->ifindex, 0);
	/* the gateway, of its own family (an IPv4 route may have an IPv6
	 * gateway), or the destination itself */
	np.nh_family = nh->gw_family ? nh->gw_family : p->family;
	if (nh->gw_family == VTA_AF_INET)
		np.ipv4_nh = nh->gw4;
	else if (nh->gw_family == VTA_AF_INET6)
		__builtin_memcpy(np.ipv6_nh, nh->gw6, 16);
	else if (p->family == VTA_AF_INET)
		np.ipv4_nh = p->daddr[0];
	else
		__builtin_memcpy(np.ipv6_nh, p->daddr, 16);
	return bpf_redirect_neigh(path->ifindex, &np, sizeof(np), 0);
}

/*
 * The effective clamp for a packet leaving through path.  A route MTU
 * metric lowers it as it lowers dst_mtu() for --clamp-mss-to-pmtu (not
 * with --set-mss), so that the fast path gives what the tunnel's egress
 * clamp (clamp.h) would: that one may skip a redirected packet
 * (docs/datapath-notes.md).
 */
static __always_inline __u16 vta_clamp_for(const struct vta_pkt *p,
					   const struct vta_iface *in,
					   const struct vta_path *path,
					   bool tunnel)
{
	bool in_too = tunnel && (in->flags & VTA_IF_F_CLAMP_IN);
	__u32 minlen = p->family == VTA_AF_INET ? 40 : 60;
	__u16 c, rt = 0;

	if (p->family == VTA_AF_INET)
		c = vta_mss_min(path->out.mss4, in_too ? in->mss4 : 0);
	else
		c = vta_mss_min(path->out.mss6, in_too ? in->mss6 : 0);
	if (c && path->mtu > minlen &&
	    !(path->out.flags & VTA_IF_F_MSS_FIXED))
		rt = path->mtu - minlen;
	return vta_mss_min(c, rt);
}

/* A TCP segment with SYN set and RST clear (the rule's --tcp-flags). */
static __always_inline bool vta_is_syn(struct __sk_buff *skb,
				       const struct vta_pkt *p)
{
	__u8 doff, fl;

	if (p->proto != IPPROTO_TCP ||
	    p->ip_len - (p->l4_off - p->l3_off) < 14 ||
	    vta_tcp_flags(skb, p->l4_off, &doff, &fl))
		return false;
	return (fl & VTA_TCP_SYN) && !(fl & VTA_TCP_RST);
}

/*
 * A SYN left to the kernel for its IPv4 options or IPv6 extension
 * headers is still forwarded by it -- but no longer clamped: vtiaccel
 * replaced the TCPMSS rule.  So clamp it here, where the rule would have
 * (the target reaches TCP past IPv4 options and past hop-by-hop,
 * destination options and routing headers, not AH), when our route takes
 * it out of a clamped interface; the packet still goes to the kernel,
 * which handles the options.  Returns the event, a drop reason (the
 * target drops what it matched and cannot use) or VTA_CONTINUE.
 */
static __noinline int vta_clamp_passed(struct __sk_buff *skb,
				       const struct vta_iface *in, bool tunnel,
				       struct vta_pkt *p)
{
	const struct vta_config *cfg = vta_config_lookup();
	__u32 in_ifindex = skb->ifindex;
	struct vta_mss_plan mp = {};
	struct vta_path path = {};
	__u16 ports[2];
	__u32 off = p->l4_off;
	__u8 nh = p->proto;
	int i, r;

	if (!cfg)
		return VTA_CONTINUE;
	if (p->family == VTA_AF_INET && p->frag)
		return VTA_CONTINUE;
	if (p->family == VTA_AF_INET6) {
#pragma unroll
		for (i = 0; i < 4; i++) {
			__u8 eh[2];

			if (nh != 0 && nh != 43 && nh != 60)
				break;
			if (bpf_skb_load_bytes(skb, off, eh, sizeof(eh)))
				return VTA_CONTINUE;
			nh = eh[0];
			off += (eh[1] + 1) * 8;
		}
		if (off - p->l3_off > p->ip_len)
			return VTA_CONTINUE;
		p->proto = nh;
		p->l4_off = off;
	}
	if (p->proto != IPPROTO_TCP || off - p->l3_off + 4 > p->ip_len)
		return VTA_CONTINUE;
	if (bpf_skb_load_bytes(skb, off, ports, sizeof(ports)))
		return VTA_CONTINUE;
	p->ports = (__u32)ports[0] << 16 | ports[1];
	if (vta_route(p, cfg, in_ifindex, &path) != VTA_CONTINUE)
		return VTA_CONTINUE;
	r = vta_mss_plan(skb, p, vta_clamp_for(p, in, &path, tunnel), &mp);
	if (r != VTA_CONTINUE)
		return r;
	if (mp.action == VTA_MSS_CLAMP)
		return vta_mss_clamp(skb, p, &mp) ? VTA_CONTINUE :
						    VTA_EV_MSS_CLAMPED;
	if (mp.action != VTA_MSS_INSERT)
		return VTA_CONTINUE;
	if (bpf_skb_change_tail(skb, p->l3_off + p->ip_len + VTA_TCPOLEN_MSS,
				0))
		return VTA_CONTINUE;
	return vta_mss_insert_body(skb, p, &mp) ? VTA_CONTINUE :
						  VTA_EV_MSS_INSERTED;
}

struct vta_verdict {
	__u32 reason;		/* enum vta_counter */
	__u32 ev;		/* extra event or VTA_CONTINUE */
	__u32 tx_slot;		/* egress slot for TX, 0 = none */
	int action;		/* TC_ACT_* */
};

/*
 * Decide and, when forwarding, rewrite and redirect.  tunnel: the
 * tunnel-ingress variant (optional L2, reverse-path check, clamp on
 * arrival).
 */
static __always_inline void vta_tc_forward(struct __sk_buff *skb,
					   const struct vta_config *cfg,
					   const struct vta_iface *in,
					   __u32 in_ifindex, bool tunnel,
					   struct vta_verdict *v)
{
	struct vta_path path = {};
	struct vta_mss_plan mp = {};
	struct vta_pkt p = {};
	bool pushed = false;
	__u16 proto, clamp;
	__u32 want;
	int r, ret;

	v->action = TC_ACT_OK;
	v->ev = VTA_CONTINUE;
	if (!(cfg->flags & VTA_CFG_F_FORWARD)) {
		v->reason = VTA_PASS_LEASE;
		return;
	}
	if (vta_pull(skb)) {
		v->reason = VTA_PASS_MALFORMED;
		return;
	}
	if (tunnel && !(in->flags & VTA_IF_F_L2)) {
		/* VTI / xfrm: no L2 address; decapsulation scrubs the skb
		 * to PACKET_HOST (skb_scrub_packet()) */
		r = vta_parse_l3dev(skb, &p, &proto);
	} else {
		r = vta_parse_eth(skb, &p, &proto);
		/*
		 * ip_forward() and ip6_forward() drop what is not
		 * PACKET_HOST: frames for another MAC (promiscuous mode,
		 * flooding) and unicast IP in broadcast or multicast
		 * frames.
		 */
		if (r == VTA_CONTINUE && skb->pkt_type != PACKET_HOST)
			r = VTA_PASS_NOT_HOST;
	}
	if (r != VTA_CONTINUE)
		goto pass;
	r = vta_parse_l3(skb, &p, proto, true);
	if (r == VTA_PASS_TTL && vta_dst_local(&p))
		r = VTA_PASS_LOCAL;
	if (r != VTA_CONTINUE)
		goto pass;
	r = vta_fwd_verdict(p.family, in->flags);
	if (r != VTA_CONTINUE)
		goto pass;
	r = vta_src_check(&p, in, in_ifindex);
	if (r != VTA_CONTINUE)
		goto pass;
	r = vta_route(&p, cfg, in_ifindex, &path);
	if (r != VTA_CONTINUE)
		goto pass;
	r = vta_mtu_check(skb, &p, &path);
	if (r != VTA_CONTINUE)
		goto pass;

	clamp = vta_clamp_for(&p, in, &path, tunnel);
	/*
	 * Into a tunnel with --clamp-mss-to-pmtu semantics the rule also
	 * takes the MTU of the route back to the source; only SYNs pay for
	 * the lookup.
	 */
	if (clamp && path.out.role == VTA_ROLE_TUNNEL &&
	    !(path.out.flags & VTA_IF_F_MSS_FIXED) && vta_is_syn(skb, &p))
		clamp = vta_mss_min(clamp, vta_rev_mss(skb, &p));
	r = vta_mss_plan(skb, &p, clamp, &mp);
	if (r != VTA_CONTINUE)
		goto pass;

	/*
	 * Decided: forward.  Trim Ethernet padding (ip_rcv() would, and it
	 * must not be encrypted or sent on) and make room for an inserted
	 * MSS option.  Nothing has been written yet if this fails.
	 */
	want = p.l3_off + p.ip_len;
	if (mp.action == VTA_MSS_INSERT)
		want += VTA_TCPOLEN_MSS;
	if (skb->len != want && bpf_skb_change_tail(skb, want, 0)) {
		r = mp.action == VTA_MSS_INSERT ? VTA_PASS_MSS :
						  VTA_PASS_MALFORMED;
		goto pass;
	}
	/*
	 * From an L3 device (VTI, xfrm) to an Ethernet one: the kernel's
	 * __bpf_redirect_neigh() pulls an Ethernet header off the packet
	 * and drops packets without one, so push an empty one for it to
	 * pull (bpf_skb_change_head() sets the MAC header there); the
	 * neighbour output then writes the real one.  If this fails the
	 * packet has at most lost its Ethernet padding: still unchanged
	 * for the kernel, which trims it too.
	 */
	if (!p.l3_off && path.nh->kind == VTA_NH_NEIGH) {
		if (bpf_skb_change_head(skb, ETH_HLEN, 0)) {
			r = VTA_PASS_REDIRECT;
			goto pass;
		}
		p.l3_off = ETH_HLEN;
		p.l4_off += ETH_HLEN;
		pushed = true;
	}
	if (mp.action == VTA_MSS_CLAMP) {
		ret = vta_mss_clamp(skb, &p, &mp);
		v->ev = VTA_EV_MSS_CLAMPED;
	} else if (mp.action == VTA_MSS_INSERT) {
		ret = vta_mss_insert(skb, &p, &mp);
		v->ev = VTA_EV_MSS_INSERTED;
	} else {
		ret = 0;
	}
	if (ret || vta_dec_ttl(skb, &p)) {
		/* Only on a helper failure after the packet was resized or
		 * partly rewritten: sending it on would be worse. */
		v->reason = VTA_DROP_TCP_HDR;
		v->ev = VTA_CONTINUE;
		v->action = TC_ACT_SHOT;
		return;
	}
	ret = vta_redirect(&p, &path);
	if (ret != TC_ACT_REDIRECT) {
		/* Refused (bad arguments only): the kernel still routes it,
		 * with a TTL that is one lower -- unless we pushed an
		 * Ethernet header onto an L3 packet: that one cannot go on. */
		v->reason = VTA_PASS_REDIRECT;
		if (pushed) {
			/* counted as the rewrite failure above */
			v->reason = VTA_DROP_TCP_HDR;
			v->ev = VTA_CONTINUE;
			v->action = TC_ACT_SHOT;
		}
		return;
	}
	v->reason = path.out.role == VTA_ROLE_TUNNEL ? VTA_FWD_TO_TUNNEL :
							VTA_FWD_TO_LAN;
	v->tx_slot = path.out.slot;
	v->action = TC_ACT_REDIRECT;
	return;
pass:
	v->reason = r;
	if (r == VTA_PASS_IP_OPTIONS || r == VTA_PASS_EXT_HDR) {
		ret = vta_clamp_passed(skb, in, tunnel, &p);
		if (VTA_COUNTER_IS(ret, DROP))
			v->reason = ret;
		else if (ret != VTA_CONTINUE)
			v->ev = ret;
	}
	v->action = VTA_COUNTER_IS(v->reason, DROP) ? TC_ACT_SHOT : TC_ACT_OK;
}

/* Program body shared by vta_lan_in and vta_tun_in. */
static __always_inline int vta_tc_main(struct __sk_buff *skb, bool tunnel)
{
	const struct vta_config *cfg = vta_config_lookup();
	__u32 ifindex = skb->ifindex, len = skb->len;
	struct vta_verdict v = { .ev = VTA_CONTINUE };
	const struct vta_iface *in = NULL;
	struct vta_iface ib;
	__u32 slot;
	int ir;

	ir = vta_iface_get(ifindex, &ib);
	if (ir == VTA_CONTINUE)
		in = &ib;
	slot = in ? in->slot : 0;

	/*
	 * The ESP-mark loop fix (docs/esp-mark.md): a mark given to ESP must
	 * not survive decapsulation into forwarding, or the packet matches
	 * the marked out-policy and is encrypted again.  The one change we
	 * make to a packet we pass, and made before anything else (lease
	 * included) because a marked ESP rule may still be in place when
	 * the daemon is gone.
	 */
	if (tunnel && in && (in->flags & VTA_IF_F_CLEAR_MARK) &&
	    in->mark_mask &&
	    (skb->mark & in->mark_mask) == (in->mark & in->mark_mask)) {
		skb->mark &= ~in->mark_mask;
		vta_count(slot, VTA_EV_MARK_CLEARED, len);
	}

	if (!vta_lease_ok(cfg)) {
		vta_count(slot, VTA_PASS_LEASE, len);
		return TC_ACT_OK;
	}
	if (!in) {
		vta_count(0, ir, len);
		return TC_ACT_OK;
	}
	vta_tc_forward(skb, cfg, in, ifindex, tunnel, &v);
	if (v.action == TC_ACT_REDIRECT)
		vta_count_fwd(slot, v.tx_slot, v.reason == VTA_FWD_TO_TUNNEL,
			      len);
	else
		vta_count(slot, v.reason, len);
	if (v.ev != VTA_CONTINUE)
		vta_count(slot, v.ev, len);
	return v.action;
}

#endif /* VTA_FWD_H */
