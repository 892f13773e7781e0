/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fib.h - the map FIB: longest-prefix match on an address, ECMP member
 * pick by flow hash (vta_hash.h, shared with `vtiaccel lookup`), egress
 * interface checks.
 */
#ifndef VTA_FIB_H
#define VTA_FIB_H

#include "maps.h"
#include "vta_hash.h"
#include "parse.h"
#include "vta_rules.h"

static __always_inline const struct vta_route *
vta_fib_lookup(__u16 family, const __u32 *addr)
{
	if (family == VTA_AF_INET) {
		return vta_fib4_lookup(addr[0]);
	} else {
		struct vta_fib6_key k6 = { .prefixlen = 128 };

		__builtin_memcpy(k6.addr, addr, 16);
		return bpf_map_lookup_elem(&vta_fib6, &k6);
	}
}

/*
 * A destination the map FIB says is one of the gateway's own addresses.
 * For packets the parser leaves to the kernel for their TTL: one with
 * TTL 1 to a local address is delivered, not forwarded (single-hop eBGP
 * over the tunnels sends exactly that), and counts as local traffic.
 */
static __always_inline bool vta_dst_local(const struct vta_pkt *p)
{
	const struct vta_route *rt = vta_fib_lookup(p->family, p->daddr);

	return rt && rt->type == VTA_RT_LOCAL;
}

static __always_inline __u32 vta_pkt_hash(const struct vta_pkt *p, __u32 seed)
{
	if (p->family == VTA_AF_INET)
		return vta_flow_hash4(p->saddr[0], p->daddr[0], p->ports,
				      p->proto, seed);
	return vta_flow_hash6(p->saddr, p->daddr, p->ports, p->proto, seed);
}

/* Result of the route decision: the member and its interface. */
struct vta_path {
	const struct vta_nh *nh;
	struct vta_iface out;	/* a copy: vta_iface_get() */
	__u32 ifindex;
	__u32 mtu;		/* vta_path_mtu(): route's or device's */
};

/*
 * Destination lookup and member pick.  A member that is not usable (link
 * down, tunnel without SAs, unknown interface) sends the packet to the
 * kernel rather than to another member: the daemon removes dead members,
 * and re-picking would move flows the kernel keeps where they are.
 */
static __always_inline int vta_route(const struct vta_pkt *p,
				     const struct vta_config *cfg,
				     __u32 in_ifindex, struct vta_path *path)
{
	const struct vta_route *rt;
	const struct vta_group *g;
	const struct vta_nh *nh;
	__u32 gid, ifindex;
	int i, r;

	rt = vta_fib_lookup(p->family, p->daddr);
	if (!rt)
		return VTA_PASS_NO_ROUTE;
	if (rt->type == VTA_RT_LOCAL)
		return VTA_PASS_LOCAL;
	if (rt->type != VTA_RT_UNICAST)
		return VTA_PASS_NO_ROUTE;
	gid = rt->group_id;
	g = bpf_map_lookup_elem(&vta_groups, &gid);
	if (!g)
		return VTA_PASS_NO_PATH;
	/* One member: vta_group_pick() gives it for any hash (a bucket
	 * names member 0 or none, and the threshold point is below the
	 * total, which its weight covers), so the flow hash is not
	 * computed. */
	if (g->n_paths == 1 && g->total_weight &&
	    g->paths[0].weight >= g->total_weight)
		i = 0;
	else
		i = vta_group_pick(g, vta_pkt_hash(p, cfg->hash_seed));
	if (i < 0 || i >= VTA_MAX_PATHS)
		return VTA_PASS_NO_PATH;
	nh = &g->paths[i];
	ifindex = nh->ifindex;
	/* Back out where it came from: the kernel also sends a redirect
	 * (or, for a tunnel, hairpins it); leave that to it. */
	if (ifindex == in_ifindex)
		return VTA_PASS_NO_PATH;
	r = vta_iface_get(ifindex, &path->out);
	if (r == VTA_PASS_IF_CHANGING)
		return r;
	if (r != VTA_CONTINUE || !(path->out.flags & VTA_IF_F_UP))
		return VTA_PASS_NO_PATH;
	if (path->out.role == VTA_ROLE_TUNNEL &&
	    !(path->out.flags & VTA_IF_F_SA_UP))
		return VTA_PASS_NO_PATH;
	if (nh->kind != VTA_NH_TUNNEL && nh->kind != VTA_NH_NEIGH)
		return VTA_PASS_NO_PATH;
	path->nh = nh;
	path->ifindex = ifindex;
	path->mtu = vta_path_mtu(rt->mtu, vta_dev_mtu(&path->out, p->family));
	return VTA_CONTINUE;
}

/*
 * Source validation on LAN and tunnel ingress (vta_rules.h,
 * vta_src_verdict(): fib_validate_source() with the device's mirrored
 * rp_filter, and the [forward] rpf option).  One lookup of an IPv4
 * source (IPv6 only under the strict option); the group only when a
 * reverse-path check needs its members.
 */
static __always_inline int vta_src_check(const struct vta_pkt *p,
					 const struct vta_iface *in,
					 __u32 in_ifindex)
{
	const struct vta_route *rt;
	const struct vta_group *g = NULL;
	__u32 gid;

	if (p->family != VTA_AF_INET && !(in->flags & VTA_IF_F_RPF_STRICT))
		return VTA_CONTINUE;
	rt = vta_fib_lookup(p->family, p->saddr);
	if (rt && rt->type == VTA_RT_UNICAST &&
	    (in->flags & (VTA_IF_F_RP_FILTER | VTA_IF_F_RPF_STRICT))) {
		gid = rt->group_id;
		g = bpf_map_lookup_elem(&vta_groups, &gid);
	}
	return vta_src_verdict(p->family, rt, g, in->flags, in_ifindex);
}

/*
 * The kernel's MTU of the route to the packet's destination out of
 * skb->ifindex (tc egress of a tunnel), or with reverse to its source,
 * looked up as arriving on skb->ifindex (an output lookup would be
 * restricted to routes through it).  0 when there is none or the lookup
 * fails.  tot_len above any MTU makes bpf_fib_lookup() return the route's
 * MTU in mtu_result (BPF_FIB_LKUP_RET_FRAG_NEEDED): see clamp.h for
 * which MTU that is.
 */
static __always_inline __u32 vta_route_mtu(struct __sk_buff *skb,
					   const struct vta_pkt *p,
					   bool reverse)
{
	struct bpf_fib_lookup fl = {};
	const __u32 *a = reverse ? p->saddr : p->daddr;
	long rc;

	fl.tot_len = 0xffff;
	fl.ifindex = skb->ifindex;
	if (p->family == VTA_AF_INET) {
		fl.family = VTA_AF_INET;
		fl.ipv4_dst = a[0];
		if (!reverse)
			fl.ipv4_src = p->saddr[0];
	} else {
		fl.family = VTA_AF_INET6;
		__builtin_memcpy(fl.ipv6_dst, a, 16);
		if (!reverse)
			__builtin_memcpy(fl.ipv6_src, p->saddr, 16);
	}
	rc = bpf_fib_lookup(skb, &fl, sizeof(fl),
			    reverse ? 0 : BPF_FIB_LOOKUP_OUTPUT);
	if (rc != BPF_FIB_LKUP_RET_FRAG_NEEDED)
		return 0;
	return fl.mtu_result;
}

/*
 * The MSS xt_TCPMSS --clamp-mss-to-pmtu derives from the route back to
 * the source (tcpmss_reverse_mtu()): its MTU - 40/60, 0 when unknown.
 */
static __noinline __u16 vta_rev_mss(struct __sk_buff *skb,
				    const struct vta_pkt *p)
{
	__u32 minlen = p->family == VTA_AF_INET ? 40 : 60;
	__u32 mtu = vta_route_mtu(skb, p, true);

	if (mtu <= minlen || mtu > 0xffff)
		return 0;
	return mtu - minlen;
}

#endif /* VTA_FIB_H */
