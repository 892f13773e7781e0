/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * vta_tun_in - tc ingress on each VTI / xfrm interface, where packets
 * arrive decrypted.  skb->protocol gives the family; the IP header is
 * first or behind the outer MAC header that xfrm rebuilds in front of
 * it (parse.h: vta_parse_l3dev()); interfaces flagged VTA_IF_F_L2 carry
 * a real Ethernet header (the veth stand-ins of the host tests).
 *
 * First, on every packet: clear the ESP mark (VTA_IF_F_CLEAR_MARK), so
 * decapsulated traffic never matches the marked out-policy again.  Then
 * the same checks as LAN ingress plus a reverse-path check of the source
 * (miss -> kernel; strict mode drops a source routed elsewhere), the MSS
 * clamp of the arrival side (VTA_IF_F_CLAMP_IN) and of the egress side,
 * and bpf_redirect_neigh() to the LAN (an empty Ethernet header pushed
 * first when there is none: fwd.h).  The kernel's neighbour subsystem
 * writes the L2 header, resolving (and queueing) a missing entry exactly
 * as ip_finish_output2() would, so there is no bpf_fib_lookup() first
 * and no "neighbour missing" pass.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include "maps.h"
#include "fwd.h"
#include "clamp.h"

SEC("tc")
int vta_tun_in(struct __sk_buff *skb)
{
	return vta_tc_main(skb, true);
}

/*
 * vta_tun_out - tc egress on each tunnel: the MSS clamp of every SYN
 * leaving through it, whoever forwarded it (clamp.h).  Independent of
 * the lease: it stays attached when the daemon is gone.
 */
SEC("tc")
int vta_tun_out(struct __sk_buff *skb)
{
	return vta_tun_out_main(skb);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
