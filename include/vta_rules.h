/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * vta_rules.h - the pure forwarding predicates, shared by the BPF
 * programs (bpf/parse.h, bpf/fib.h, bpf/fwd.h) and by `vtiaccel lookup`,
 * so the CLI cannot drift from what the programs decide.  Each returns
 * VTA_CONTINUE or the counter the packet is handed to the kernel (or
 * dropped) under.  No map access, no packet access: callers pass what
 * they looked up.  Addresses are bytes in network order.
 */
#ifndef VTA_RULES_H
#define VTA_RULES_H

#include <linux/types.h>
#include "vtiaccel.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

/* Not a counter: "keep going". */
#ifndef VTA_CONTINUE
#define VTA_CONTINUE VTA_COUNTER_MAX
#endif

/* 0/8, 127/8, multicast, class E and broadcast: ip_route_input_slow()
 * drops these sources as martians (without route_localnet). */
static __always_inline bool vta_ip4_martian_src(const __u8 *a)
{
	return a[0] == 0 || a[0] == 127 || a[0] >= 224;
}

/* Destinations ip_route_input_slow() never forwards. */
static __always_inline bool vta_ip4_local_dst(const __u8 *a)
{
	return a[0] == 0 || a[0] == 127 || a[0] >= 224;
}

/* :: or ::1 */
static __always_inline bool vta_ip6_unspec_or_loop(const __u8 *a)
{
	__u8 x = 0;
	int i;

#ifdef __clang__
#pragma unroll
#endif
	for (i = 0; i < 15; i++)
		x |= a[i];
	return !x && (a[15] == 0 || a[15] == 1);
}

/*
 * IPv6 addresses ip6_forward() refuses or never forwards: multicast,
 * loopback and unspecified sources (PASS_MALFORMED), link-local sources
 * (PASS_LOCAL: the kernel answers ICMPv6), multicast, link-local,
 * loopback and unspecified destinations (PASS_LOCAL).
 */
static __always_inline int vta_ip6_addr_verdict(const __u8 *s, const __u8 *d)
{
	if (s[0] == 0xff || vta_ip6_unspec_or_loop(s))
		return VTA_PASS_MALFORMED;
	if (s[0] == 0xfe && (s[1] & 0xc0) == 0x80)
		return VTA_PASS_LOCAL;
	if (d[0] == 0xff || (d[0] == 0xfe && (d[1] & 0xc0) == 0x80))
		return VTA_PASS_LOCAL;
	if (vta_ip6_unspec_or_loop(d))
		return VTA_PASS_LOCAL;
	return VTA_CONTINUE;
}

/*
 * The forwarding switches (ip_route_input_slow(): the input device's
 * IPv4 forwarding; ip6_forward(): IPv6 all.forwarding).
 */
static __always_inline int vta_fwd_verdict(__u16 family, __u32 in_flags)
{
	if (family == VTA_AF_INET)
		return (in_flags & VTA_IF_F_NO_FWD4) ? VTA_PASS_FWD_OFF
						     : VTA_CONTINUE;
	return (in_flags & VTA_IF_F_NO_FWD6) ? VTA_PASS_FWD_OFF : VTA_CONTINUE;
}

/*
 * Source validation, as fib_validate_source() does for IPv4, from the
 * map FIB's route for the source (srt, NULL on a miss) and, when that
 * route is unicast, its group (g, NULL when missing).  The kernel
 * refuses a source that is one of its own addresses (without
 * accept_local), a source whose route is not unicast once it looks the
 * source up (rp_filter, custom rules), and with rp_filter one that has no
 * route or, strict, is routed through another device.  Where the kernel
 * may accept (accept_local, loose rp_filter), the packet still goes to
 * it: passing is never wrong, forwarding must be.  IPv6 has no source
 * validation in ip6_forward() (own addresses included: measured by
 * tests/net/dp/fidelity.sh), so IPv6 is checked only under the
 * [forward] rpf = strict option (VTA_IF_F_RPF_STRICT, tunnel ingress),
 * which drops a source routed through another interface itself.
 */
static __always_inline int vta_src_verdict(__u16 family,
					   const struct vta_route *srt,
					   const struct vta_group *g,
					   __u32 in_flags, __u32 in_ifindex)
{
	bool strict = in_flags & VTA_IF_F_RPF_STRICT;
	bool rpf = family == VTA_AF_INET && (in_flags & VTA_IF_F_RP_FILTER);
	__u32 n;
	int i;

	if (family != VTA_AF_INET && !strict)
		return VTA_CONTINUE;
	if (!srt)
		return rpf || strict ? VTA_PASS_RPF : VTA_CONTINUE;
	if (srt->type == VTA_RT_LOCAL)
		return VTA_PASS_SRC_LOCAL;
	if (srt->type != VTA_RT_UNICAST)
		return VTA_PASS_RPF;
	if (!rpf && !strict)
		return VTA_CONTINUE;
	if (!g || g->n_paths == 0)
		return VTA_PASS_RPF;
	n = g->n_paths;
	/* Members held down by liveness follow paths[n_paths - 1]
	 * (user/sync_group.c, build_group()): the kernel does not know about the
	 * hold, its route still lists them, and fib_validate_source()
	 * accepts a source arriving through any member.  So do we. */
#ifdef __clang__
#pragma unroll
#endif
	for (i = 0; i < VTA_MAX_PATHS; i++) {
		if ((__u32)i >= n && !g->paths[i].ifindex)
			break;
		if (g->paths[i].ifindex == in_ifindex)
			return VTA_CONTINUE;
	}
	return strict ? VTA_DROP_RPF : VTA_PASS_RPF;
}

/*
 * The device MTU a forwarded packet of this family is checked against:
 * IPv6 forwarding uses the device's IPv6 MTU (idev->cnf.mtu6 in
 * ip6_dst_mtu_maybe_forward() and ip6_mtu()), net.ipv6.conf.DEV.mtu,
 * which may be set below the link MTU; never above the link's here (the
 * mirrored value may be older than a link MTU change, which resets it).
 */
static __always_inline __u32 vta_dev_mtu(const struct vta_iface *out,
					 __u16 family)
{
	if (family == VTA_AF_INET6 && out->mtu6 &&
	    (!out->mtu || out->mtu6 < out->mtu))
		return out->mtu6;
	return out->mtu;
}

/*
 * The MTU a forwarded packet is checked against: the route's MTU metric
 * when it has one (ip_dst_mtu_maybe_forward(): IPv4 forwarding honours
 * it locked or not; IPv6 checks it in ip6_forward() when locked and in
 * ip6_fragment() otherwise, answering "packet too big" either way),
 * never above the device's.  0 means unknown: the caller passes.
 */
static __always_inline __u32 vta_path_mtu(__u16 route_mtu, __u32 dev_mtu)
{
	if (route_mtu && (!dev_mtu || route_mtu < dev_mtu))
		return route_mtu;
	return dev_mtu;
}

#endif /* VTA_RULES_H */
