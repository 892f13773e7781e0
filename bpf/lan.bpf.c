/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * vta_lan_in - tc ingress (clsact, direct action) on each LAN interface.
 *
 * Forwards IPv4/IPv6 unicast that the map FIB routes through a managed
 * interface: ECMP member by flow hash, TTL/hop limit - 1, MSS clamp as
 * xt_TCPMSS, bpf_redirect() into a tunnel (the kernel drops the Ethernet
 * header for L3 devices) or bpf_redirect_neigh() to another LAN.
 * Everything else goes to the kernel unchanged (TC_ACT_OK), counted by
 * reason: lease expired or forwarding off, unknown interface, frame not
 * for this host, VLAN, not IP, malformed, IP options, fragments,
 * extension headers, TTL, local/multicast, forwarding sysctl off,
 * source the kernel refuses (own address, rp_filter), no route, no
 * usable member, route or device MTU (GSO-aware).
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include "maps.h"
#include "fwd.h"

SEC("tc")
int vta_lan_in(struct __sk_buff *skb)
{
	return vta_tc_main(skb, false);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
