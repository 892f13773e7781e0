// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* LAN ingress fixtures: forwarding, every pass reason, truncations. */
#include <linux/in.h>
#include "fx.h"

#define UPT	(VTA_IF_F_UP | VTA_IF_F_SA_UP)

void setup_lan(void)
{
	struct vta_nh n;

	env_reset(VTA_CFG_F_FORWARD);
	add_iface(IF_IN, VTA_ROLE_LAN, SLOT_IN, 1500, 0, 0,
		  VTA_IF_F_UP | VTA_IF_F_L2, 0, 0);
	add_iface(IF_TUN1, VTA_ROLE_TUNNEL, SLOT_TUN1, 1436, MSS4, MSS6, UPT,
		  100, 0xffffffff);
	add_iface(IF_TUN2, VTA_ROLE_TUNNEL, SLOT_TUN2, 1436, MSS4, MSS6, UPT,
		  200, 0xffffffff);
	add_iface(IF_LAN2, VTA_ROLE_LAN, SLOT_LAN2, 1500, 0, 0,
		  VTA_IF_F_UP | VTA_IF_F_L2, 0, 0);

	n = nh_tun(IF_TUN1, 1);
	add_group(1, 1, &n);			/* the VPC via vti1 */
	n = nh_neigh(IF_LAN2, "10.1.255.1");
	add_group(2, 1, &n);			/* another site via a router */
	n = nh_neigh(IF_LAN2, NULL);
	add_group(3, 1, &n);			/* on-link on lan2 */
	n = nh_neigh(IF_IN, NULL);
	add_group(4, 1, &n);			/* the LAN itself */
	n = nh_neigh(IF_LAN2, "fe80::1");
	add_group(7, 1, &n);
	n = nh_tun(IF_TUN2, 1);
	add_group(8, 1, &n);			/* via vti2 */

	add_route("172.31.0.0/16", VTA_RT_UNICAST, 1,
		  VTA_RT_F_VIA_TUNNEL | VTA_RT_F_GATEWAY);
	add_route("10.2.0.0/16", VTA_RT_UNICAST, 2, VTA_RT_F_GATEWAY);
	add_route("10.3.0.0/24", VTA_RT_UNICAST, 3, 0);
	add_route("10.1.0.0/16", VTA_RT_UNICAST, 4, 0);
	add_route("10.1.0.1/32", VTA_RT_LOCAL, 0, 0);
	add_route("10.9.0.0/16", VTA_RT_KERNEL, 0, 0);
	add_route("10.99.0.0/16", VTA_RT_UNICAST, 99, 0);	/* no group */
	add_route("172.30.0.0/16", VTA_RT_UNICAST, 8, VTA_RT_F_VIA_TUNNEL);

	add_route("fd00:31::/32", VTA_RT_UNICAST, 1,
		  VTA_RT_F_VIA_TUNNEL | VTA_RT_F_GATEWAY);
	add_route("fd00:2::/32", VTA_RT_UNICAST, 7, VTA_RT_F_GATEWAY);
	add_route("fd00:3::/64", VTA_RT_UNICAST, 3, 0);
	add_route("fd00:1::/32", VTA_RT_UNICAST, 4, 0);
	add_route("fd00:1::1/128", VTA_RT_LOCAL, 0, 0);
	add_route("fd00:9::/32", VTA_RT_KERNEL, 0, 0);
	add_route("fd00:99::/32", VTA_RT_UNICAST, 99, 0);
	add_route("fd00:30::/32", VTA_RT_UNICAST, 8, VTA_RT_F_VIA_TUNNEL);
}

static void lan_no_lease(void)
{
	setup_lan();
	set_config(0, 0x5eed, VTA_CFG_F_FORWARD);
}

static void lan_lease_past(void)
{
	struct vta_config c = { .lease_deadline_ns = 1, .hash_seed = 1,
				.flags = VTA_CFG_F_FORWARD };

	setup_lan();
	vta_config_set(&E.m, &c);
}

static void lan_fwd_off(void)
{
	setup_lan();
	set_config(3600ULL * 1000000000ULL, 0x5eed, 0);
}

static void lan_unknown_if(void)
{
	setup_lan();
	del_iface(IF_IN);
}

/*
 * Interface entries read mid-write (bpf/maps.h vta_iface_get(), a
 * seqcount latch): the daemon between the two halves of a write (seq
 * odd, c[0] being written) leaves c[1] whole, and the packet is forwarded
 * exactly as with a stable entry; so is one whose other copy is garbage
 * while seq is even.  An entry that is another interface's (the slot was
 * given to it while we read) goes to the kernel, counted
 * pass_if_changing (slot 0 when the ingress entry is the one).  A seq
 * that moved on but is even is a finished write: forward.
 */
static void lan_in_writing(void)
{
	setup_lan();
	iface_latch_half(IF_IN);
}

static void lan_in_other_copy(void)
{
	setup_lan();
	iface_scribble_other(IF_IN);
	iface_scribble_other(IF_TUN1);
}

static void lan_in_other(void)
{
	setup_lan();
	iface_set_owner(IF_IN, IF_LAN2);
}

static void lan_out_writing(void)
{
	setup_lan();
	iface_latch_half(IF_TUN1);
}

static void lan_out_other(void)
{
	setup_lan();
	iface_set_owner(IF_TUN1, IF_TUN2);
}

static void lan_seq_moved_on(void)
{
	setup_lan();
	iface_seq_add(IF_IN, 2);
	iface_seq_add(IF_TUN1, 4);
}

/* vti1 under an ifindex beyond the array vta_ifidx: the programs find
 * its slot in the hash vta_ifslot (bpf/maps.h vta_iface_get()). */
static void lan_out_high_ifindex(void)
{
	struct vta_nh n = nh_tun(VTA_IFIDX_DIRECT + IF_TUN1, 1);

	setup_lan();
	del_iface(IF_TUN1);
	add_iface(VTA_IFIDX_DIRECT + IF_TUN1, VTA_ROLE_TUNNEL, SLOT_TUN1, 1436,
		  MSS4, MSS6, UPT, 100, 0xffffffff);
	add_group(1, 1, &n);
}

/* ... and once it is gone from there, it is not managed any more. */
static void lan_out_high_gone(void)
{
	lan_out_high_ifindex();
	del_iface(VTA_IFIDX_DIRECT + IF_TUN1);
}

static void lan_tun_down(void)
{
	setup_lan();
	add_iface(IF_TUN1, VTA_ROLE_TUNNEL, SLOT_TUN1, 1436, MSS4, MSS6,
		  VTA_IF_F_UP, 100, 0xffffffff);
}

static void lan_link_down(void)
{
	setup_lan();
	add_iface(IF_TUN1, VTA_ROLE_TUNNEL, SLOT_TUN1, 1436, MSS4, MSS6,
		  VTA_IF_F_SA_UP, 100, 0xffffffff);
}

static void lan_egress_unknown(void)
{
	setup_lan();
	del_iface(IF_TUN1);
}

static void lan_empty_group(void)
{
	setup_lan();
	add_group(1, 0, NULL);
}

static void lan_bad_kind(void)
{
	struct vta_nh n = nh_tun(IF_TUN1, 1);

	setup_lan();
	n.kind = 0;
	add_group(1, 1, &n);
}

static void lan_zero_mtu(void)
{
	setup_lan();
	add_iface(IF_TUN1, VTA_ROLE_TUNNEL, SLOT_TUN1, 0, MSS4, MSS6, UPT,
		  100, 0xffffffff);
}

#define L	.prog = VTA_PROG_LAN, .setup = setup_lan

static const struct fx lan[] = {
	/* forwarding, exact bytes one hop later */
	{ "lan4 udp -> vti1", L, .in = { UDP4 }, TO_TUN1,
	  .out = { UDP4, .ttl = 63 } },
	{ "lan6 udp -> vti1", L, .in = { UDP6 }, TO_TUN1,
	  .out = { UDP6, .ttl = 63 } },
	{ "lan4 tcp ack -> vti1", L, .in = { TCP4 }, TO_TUN1,
	  .out = { TCP4, .ttl = 63 } },
	{ "lan6 tcp ack -> vti1", L, .in = { TCP6 }, TO_TUN1,
	  .out = { TCP6, .ttl = 63 } },
	{ "lan4 icmp -> vti1", L, .in = { ICMP4 }, TO_TUN1,
	  .out = { ICMP4, .ttl = 63 } },
	{ "lan6 icmpv6 -> vti1", L, .in = { ICMP6 }, TO_TUN1,
	  .out = { ICMP6, .ttl = 63 } },
	{ "lan4 esp -> vti1", L, .in = { .family = 4, .proto = 50,
	  .spi = 0x1234 }, TO_TUN1,
	  .out = { .family = 4, .proto = 50, .spi = 0x1234, .ttl = 63 } },
	{ "lan6 gre (other final header) -> vti1", L,
	  .in = { .family = 6, .proto = 47, .payload_len = 12 }, TO_TUN1,
	  .out = { .family = 6, .proto = 47, .payload_len = 12, .ttl = 63 } },
	{ "lan6 no next header (59) -> vti1", L,
	  .in = { .family = 6, .proto = 59, .payload_len = 4 }, TO_TUN1,
	  .out = { .family = 6, .proto = 59, .payload_len = 4, .ttl = 63 } },
	{ "lan4 ttl 2 -> vti1 with ttl 1", L, .in = { UDP4, .ttl = 2 },
	  TO_TUN1, .out = { UDP4, .ttl = 1 } },
	{ "lan6 hop limit 2 -> vti1", L, .in = { UDP6, .ttl = 2 }, TO_TUN1,
	  .out = { UDP6, .ttl = 1 } },
	{ "lan4 ttl 255", L, .in = { UDP4, .ttl = 255 }, TO_TUN1,
	  .out = { UDP4, .ttl = 254 } },
	{ "lan4 DF set", L, .in = { UDP4, .frag = 0x4000 }, TO_TUN1,
	  .out = { UDP4, .frag = 0x4000, .ttl = 63 } },
	{ "lan4 udp -> router on lan2", L,
	  .in = { UDP4, .dst = "10.2.3.4" }, TO_LAN2,
	  .out = { UDP4, .dst = "10.2.3.4", .ttl = 63 } },
	{ "lan4 udp -> on-link lan2", L,
	  .in = { UDP4, .dst = "10.3.0.9" }, TO_LAN2,
	  .out = { UDP4, .dst = "10.3.0.9", .ttl = 63 } },
	{ "lan6 udp -> router fe80::1 on lan2", L,
	  .in = { UDP6, .dst = "fd00:2::5" }, TO_LAN2,
	  .out = { UDP6, .dst = "fd00:2::5", .ttl = 63 } },
	{ "lan6 udp -> on-link lan2", L,
	  .in = { UDP6, .dst = "fd00:3::5" }, TO_LAN2,
	  .out = { UDP6, .dst = "fd00:3::5", .ttl = 63 } },
	{ "lan4 udp -> vti2", L, .in = { UDP4, .dst = "172.30.0.1" },
	  .ret = ACT_REDIRECT, .counter = VTA_FWD_TO_TUNNEL,
	  .tx_slot = SLOT_TUN2, .out_spec = true,
	  .out = { UDP4, .dst = "172.30.0.1", .ttl = 63 } },
	{ "lan4 padded frame is trimmed", L, .in = { UDP4, .tail_pad = 6 },
	  TO_TUN1, .out = { UDP4, .ttl = 63 } },
	{ "lan6 padded frame is trimmed", L, .in = { UDP6, .tail_pad = 3 },
	  TO_TUN1, .out = { UDP6, .ttl = 63 } },
	{ "lan4 udp without payload", L,
	  .in = { UDP4, .payload_len = 0 }, TO_TUN1,
	  .out = { UDP4, .payload_len = 0, .ttl = 63 } },
	{ "lan4 mtu: 1436 fits", L, .in = { UDP4, .payload_len = 1436 - 28 },
	  TO_TUN1, .out = { UDP4, .payload_len = 1436 - 28, .ttl = 63 } },
	{ "lan6 mtu: 1436 fits", L, .in = { UDP6, .payload_len = 1436 - 48 },
	  TO_TUN1, .out = { UDP6, .payload_len = 1436 - 48, .ttl = 63 } },
	/* an unknown MTU does not switch the check off: the kernel knows */
	{ "lan4 mtu 0 = unknown: kernel", L, .setup = lan_zero_mtu,
	  .in = { UDP4, .payload_len = 1600 }, PASS(PASS_MTU) },
	{ "lan4 mtu 0 = unknown: kernel, small too", L, .setup = lan_zero_mtu,
	  .in = { UDP4 }, PASS(PASS_MTU) },
	{ "lan4 gso segments fit", L, .in = { TCP4, .payload_len = 1800 },
	  .gso_size = 900, .gso_segs = 2, TO_TUN1,
	  .out = { TCP4, .payload_len = 1800, .ttl = 63 } },
	{ "lan6 gso segments fit", L, .in = { TCP6, .payload_len = 1800 },
	  .gso_size = 900, .gso_segs = 2, TO_TUN1,
	  .out = { TCP6, .payload_len = 1800, .ttl = 63 } },

	/* MTU */
	{ "lan4 mtu: 1437 -> kernel", L,
	  .in = { UDP4, .payload_len = 1437 - 28 }, PASS(PASS_MTU) },
	{ "lan6 mtu: 1437 -> kernel", L,
	  .in = { UDP6, .payload_len = 1437 - 48 }, PASS(PASS_MTU) },
	{ "lan4 gso segments too big", L, .in = { TCP4, .payload_len = 1800 },
	  .gso_size = 1400, .gso_segs = 2, PASS(PASS_MTU) },
	{ "lan6 gso segments too big", L, .in = { TCP6, .payload_len = 1800 },
	  .gso_size = 1400, .gso_segs = 2, PASS(PASS_MTU) },
	{ "lan4 gso_segs 1 is not gso", L, .in = { TCP4, .payload_len = 1800 },
	  .gso_size = 900, .gso_segs = 1, PASS(PASS_MTU) },

	/* lease, config, interface */
	{ "lan4 no lease", L, .setup = lan_no_lease, .in = { UDP4 },
	  PASS(PASS_LEASE) },
	{ "lan6 lease expired", L, .setup = lan_lease_past, .in = { UDP6 },
	  PASS(PASS_LEASE) },
	{ "lan4 forwarding off", L, .setup = lan_fwd_off, .in = { UDP4 },
	  PASS(PASS_LEASE) },
	{ "lan4 unknown interface", L, .setup = lan_unknown_if,
	  .in = { UDP4 }, PASS(PASS_UNKNOWN_IF), .unknown_if = true },
	{ "lan6 unknown interface", L, .setup = lan_unknown_if,
	  .in = { UDP6 }, PASS(PASS_UNKNOWN_IF), .unknown_if = true },
	{ "lan4 ingress entry being written -> vti1", L,
	  .setup = lan_in_writing, .in = { UDP4 }, TO_TUN1,
	  .out = { UDP4, .ttl = 63 } },
	{ "lan6 ingress entry being written -> vti1", L,
	  .setup = lan_in_writing, .in = { UDP6 }, TO_TUN1,
	  .out = { UDP6, .ttl = 63 } },
	{ "lan4 seq even, other copies garbage -> vti1", L,
	  .setup = lan_in_other_copy, .in = { UDP4 }, TO_TUN1,
	  .out = { UDP4, .ttl = 63 } },
	{ "lan4 ingress entry is another interface's", L,
	  .setup = lan_in_other, .in = { UDP4 }, PASS(PASS_IF_CHANGING),
	  .unknown_if = true },
	{ "lan4 egress entry being written -> vti1", L,
	  .setup = lan_out_writing, .in = { UDP4 }, TO_TUN1,
	  .out = { UDP4, .ttl = 63 } },
	{ "lan6 egress entry being written -> vti1", L,
	  .setup = lan_out_writing, .in = { UDP6 }, TO_TUN1,
	  .out = { UDP6, .ttl = 63 } },
	{ "lan4 egress entry is another interface's", L,
	  .setup = lan_out_other, .in = { UDP4 }, PASS(PASS_IF_CHANGING) },
	{ "lan4 entries rewritten (seq even) -> vti1", L,
	  .setup = lan_seq_moved_on, .in = { UDP4 }, TO_TUN1,
	  .out = { UDP4, .ttl = 63 } },

	/* L2 */
	{ "lan4 802.1Q", L, .in = { UDP4, .vlan = 0x8100 }, PASS(PASS_VLAN) },
	{ "lan6 802.1ad", L, .in = { UDP6, .vlan = 0x88a8 }, PASS(PASS_VLAN) },
	{ "lan arp", L, .in = { UDP4, .ethertype = 0x0806 },
	  PASS(PASS_NOT_IP) },
	{ "lan mpls", L, .in = { UDP4, .ethertype = 0x8847 },
	  PASS(PASS_NOT_IP) },
	{ "lan4 in ipv6 ethertype", L,
	  .in = { UDP4, .ethertype = 0x86dd, .payload_len = 40 },
	  PASS(PASS_MALFORMED) },

	/* IPv4 header */
	{ "lan4 version 5", L, .in = { UDP4, .version = 5 },
	  PASS(PASS_MALFORMED) },
	{ "lan4 ihl 4", L, .in = { UDP4, .ihl = 4 }, PASS(PASS_MALFORMED) },
	{ "lan4 ihl 3", L, .in = { UDP4, .ihl = 3 }, PASS(PASS_MALFORMED) },
	{ "lan4 tot_len beyond frame", L, .in = { UDP4, .tot_len_delta = 1 },
	  PASS(PASS_MALFORMED) },
	{ "lan4 tot_len below header", L, .in = { UDP4, .tot_len_delta = -17 },
	  PASS(PASS_MALFORMED) },
	{ "lan4 bad header checksum", L, .in = { UDP4, .bad_ip_csum = true },
	  PASS(PASS_MALFORMED) },
	{ "lan4 options (4 NOPs)", L, .in = { UDP4, .ip_opts = { 1, 1, 1, 1 },
	  .ip_opts_len = 4 }, PASS(PASS_IP_OPTIONS) },
	{ "lan4 options (record route)", L,
	  .in = { UDP4, .ip_opts = { 7, 7, 4, 0, 0, 0, 0, 0 },
	  .ip_opts_len = 8 }, PASS(PASS_IP_OPTIONS) },
	{ "lan4 options (router alert)", L,
	  .in = { UDP4, .ip_opts = { 0x94, 4, 0, 0 }, .ip_opts_len = 4 },
	  PASS(PASS_IP_OPTIONS) },
	{ "lan4 options, 40 bytes", L, .in = { UDP4, .ip_opts_len = 40 },
	  PASS(PASS_IP_OPTIONS) },
	{ "lan4 first fragment (MF)", L, .in = { UDP4, .frag = 0x2000 },
	  PASS(PASS_FRAGMENT) },
	{ "lan4 non-first fragment", L, .in = { UDP4, .frag = 0x00b9 },
	  PASS(PASS_FRAGMENT) },
	{ "lan4 middle fragment", L, .in = { UDP4, .frag = 0x2010 },
	  PASS(PASS_FRAGMENT) },
	{ "lan4 last fragment with DF", L, .in = { UDP4, .frag = 0x4001 },
	  PASS(PASS_FRAGMENT) },
	{ "lan4 ttl 1", L, .in = { UDP4, .ttl = 1 }, PASS(PASS_TTL) },
	{ "lan4 ttl 1 tcp syn", L, .in = { SYN4, .ttl = 1 }, PASS(PASS_TTL) },
	{ "lan4 ttl 1 to a local address", L,
	  .in = { UDP4, .dst = "10.1.0.1", .ttl = 1 }, PASS(PASS_LOCAL) },
	{ "lan6 hop limit 1 to a local address", L,
	  .in = { UDP6, .dst = "fd00:1::1", .ttl = 1 }, PASS(PASS_LOCAL) },
	{ "lan4 multicast", L, .in = { UDP4, .dst = "224.0.0.5" },
	  PASS(PASS_LOCAL) },
	{ "lan4 multicast 239", L, .in = { UDP4, .dst = "239.1.2.3" },
	  PASS(PASS_LOCAL) },
	{ "lan4 limited broadcast", L, .in = { UDP4, .dst = "255.255.255.255" },
	  PASS(PASS_LOCAL) },
	{ "lan4 class E", L, .in = { UDP4, .dst = "240.0.0.1" },
	  PASS(PASS_LOCAL) },
	{ "lan4 zero destination", L, .in = { UDP4, .dst = "0.0.0.0" },
	  PASS(PASS_LOCAL) },
	{ "lan4 loopback destination", L, .in = { UDP4, .dst = "127.0.0.1" },
	  PASS(PASS_LOCAL) },
	{ "lan4 multicast with ttl 1", L,
	  .in = { UDP4, .dst = "224.0.0.251", .ttl = 1 }, PASS(PASS_LOCAL) },
	{ "lan4 martian source 0.0.0.0", L, .in = { UDP4, .src = "0.0.0.0" },
	  PASS(PASS_MALFORMED) },
	{ "lan4 martian source loopback", L,
	  .in = { UDP4, .src = "127.0.0.2" }, PASS(PASS_MALFORMED) },
	{ "lan4 martian source multicast", L,
	  .in = { UDP4, .src = "224.1.1.1" }, PASS(PASS_MALFORMED) },

	/* IPv6 header */
	{ "lan6 version 4", L, .in = { UDP6, .version = 4 },
	  PASS(PASS_MALFORMED) },
	{ "lan6 payload_len beyond frame", L,
	  .in = { UDP6, .tot_len_delta = 1 }, PASS(PASS_MALFORMED) },
	{ "lan6 payload_len 0 (jumbo)", L,
	  .in = { UDP6, .tot_len_delta = -16 }, PASS(PASS_MALFORMED) },
	{ "lan6 hop-by-hop", L, .in = { UDP6, .ext = { 0 }, .n_ext = 1 },
	  PASS(PASS_EXT_HDR) },
	{ "lan6 routing header", L, .in = { UDP6, .ext = { 43 }, .n_ext = 1 },
	  PASS(PASS_EXT_HDR) },
	{ "lan6 destination options", L,
	  .in = { UDP6, .ext = { 60 }, .n_ext = 1 }, PASS(PASS_EXT_HDR) },
	{ "lan6 AH", L, .in = { TCP6, .ext = { 51 }, .n_ext = 1 },
	  PASS(PASS_EXT_HDR) },
	{ "lan6 mobility", L, .in = { UDP6, .ext = { 135 }, .n_ext = 1 },
	  PASS(PASS_EXT_HDR) },
	{ "lan6 HIP", L, .in = { UDP6, .ext = { 139 }, .n_ext = 1 },
	  PASS(PASS_EXT_HDR) },
	{ "lan6 shim6", L, .in = { UDP6, .ext = { 140 }, .n_ext = 1 },
	  PASS(PASS_EXT_HDR) },
	{ "lan6 experimental 253", L, .in = { UDP6, .ext = { 253 }, .n_ext = 1 },
	  PASS(PASS_EXT_HDR) },
	{ "lan6 dest opts + routing", L,
	  .in = { UDP6, .ext = { 60, 43 }, .n_ext = 2 }, PASS(PASS_EXT_HDR) },
	{ "lan6 fragment header", L, .in = { UDP6, .ext = { 44 }, .n_ext = 1 },
	  PASS(PASS_FRAGMENT) },
	{ "lan6 hop-by-hop + fragment", L,
	  .in = { UDP6, .ext = { 0, 44 }, .n_ext = 2 }, PASS(PASS_EXT_HDR) },
	{ "lan6 fragment with syn", L,
	  .in = { SYN6, .ext = { 44 }, .n_ext = 1 }, PASS(PASS_FRAGMENT) },
	{ "lan6 hop limit 1", L, .in = { UDP6, .ttl = 1 }, PASS(PASS_TTL) },
	{ "lan6 multicast ff02::1", L, .in = { UDP6, .dst = "ff02::1" },
	  PASS(PASS_LOCAL) },
	{ "lan6 multicast ff05::2", L, .in = { UDP6, .dst = "ff05::2" },
	  PASS(PASS_LOCAL) },
	{ "lan6 link-local destination", L, .in = { UDP6, .dst = "fe80::9" },
	  PASS(PASS_LOCAL) },
	{ "lan6 link-local destination febf::", L,
	  .in = { UDP6, .dst = "febf::9" }, PASS(PASS_LOCAL) },
	{ "lan6 link-local source", L, .in = { UDP6, .src = "fe80::10" },
	  PASS(PASS_LOCAL) },
	{ "lan6 loopback destination", L, .in = { UDP6, .dst = "::1" },
	  PASS(PASS_LOCAL) },
	{ "lan6 unspecified destination", L, .in = { UDP6, .dst = "::" },
	  PASS(PASS_LOCAL) },
	{ "lan6 multicast source", L, .in = { UDP6, .src = "ff02::1" },
	  PASS(PASS_MALFORMED) },
	{ "lan6 unspecified source", L, .in = { UDP6, .src = "::" },
	  PASS(PASS_MALFORMED) },
	{ "lan6 loopback source", L, .in = { UDP6, .src = "::1" },
	  PASS(PASS_MALFORMED) },
	{ "lan6 fec0:: (site-local, routed) no route", L,
	  .in = { UDP6, .dst = "fec0::1" }, PASS(PASS_NO_ROUTE) },

	/* FIB */
	{ "lan4 no route", L, .in = { UDP4, .dst = "198.51.100.7" },
	  PASS(PASS_NO_ROUTE) },
	{ "lan6 no route", L, .in = { UDP6, .dst = "2001:db8::7" },
	  PASS(PASS_NO_ROUTE) },
	{ "lan4 local route", L, .in = { UDP4, .dst = "10.1.0.1" },
	  PASS(PASS_LOCAL) },
	{ "lan6 local route", L, .in = { UDP6, .dst = "fd00:1::1" },
	  PASS(PASS_LOCAL) },
	{ "lan4 kernel route", L, .in = { UDP4, .dst = "10.9.1.1" },
	  PASS(PASS_NO_ROUTE) },
	{ "lan6 kernel route", L, .in = { UDP6, .dst = "fd00:9::1" },
	  PASS(PASS_NO_ROUTE) },
	{ "lan4 missing group", L, .in = { UDP4, .dst = "10.99.0.1" },
	  PASS(PASS_NO_PATH) },
	{ "lan6 missing group", L, .in = { UDP6, .dst = "fd00:99::1" },
	  PASS(PASS_NO_PATH) },
	{ "lan4 empty group", L, .setup = lan_empty_group, .in = { UDP4 },
	  PASS(PASS_NO_PATH) },
	{ "lan4 member of unknown kind", L, .setup = lan_bad_kind,
	  .in = { UDP4 }, PASS(PASS_NO_PATH) },
	{ "lan4 tunnel without SAs", L, .setup = lan_tun_down, .in = { UDP4 },
	  PASS(PASS_NO_PATH) },
	{ "lan6 tunnel without SAs", L, .setup = lan_tun_down, .in = { UDP6 },
	  PASS(PASS_NO_PATH) },
	{ "lan4 tunnel link down", L, .setup = lan_link_down, .in = { UDP4 },
	  PASS(PASS_NO_PATH) },
	{ "lan4 egress not managed", L, .setup = lan_egress_unknown,
	  .in = { UDP4 }, PASS(PASS_NO_PATH) },
	{ "lan4 -> vti1 with an ifindex beyond vta_ifidx", L,
	  .setup = lan_out_high_ifindex, .in = { UDP4 }, TO_TUN1,
	  .out = { UDP4, .ttl = 63 } },
	{ "lan6 -> vti1 with an ifindex beyond vta_ifidx", L,
	  .setup = lan_out_high_ifindex, .in = { UDP6 }, TO_TUN1,
	  .out = { UDP6, .ttl = 63 } },
	{ "lan4 egress beyond vta_ifidx, deleted", L,
	  .setup = lan_out_high_gone, .in = { UDP4 }, PASS(PASS_NO_PATH) },
	{ "lan4 back out of the LAN", L, .in = { UDP4, .dst = "10.1.2.3" },
	  PASS(PASS_NO_PATH) },
	{ "lan6 back out of the LAN", L, .in = { UDP6, .dst = "fd00:1::99" },
	  PASS(PASS_NO_PATH) },
};

/*
 * Every truncation of every header: a frame cut anywhere before the end
 * of the IP packet goes to the kernel (the IP length no longer fits).
 */
void sweep_truncations(enum vta_prog prog, void (*setup)(void),
		       const char *tag, int counter, int counter_slot)
{
	static const struct pkt_spec specs[] = {
		{ UDP4 }, { UDP6 }, { SYN4, .tcp_opts = { 2, 4, 5, 0xb4 },
		.tcp_opts_len = 4 }, { SYN6, .tcp_opts = { 2, 4, 5, 0xb4 },
		.tcp_opts_len = 4 }, { ICMP4 }, { ICMP6 },
	};
	static const char *names[] = { "udp4", "udp6", "syn4", "syn6",
				       "icmp4", "icmp6" };
	__u8 buf[PKT_MAX];
	char name[96];
	size_t i;
	int cut, len;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		len = pkt_build(&specs[i], buf);
		/* test_run needs the Ethernet header */
		for (cut = 14; cut < len; cut++) {
			struct fx f = { .name = name, .prog = prog,
					.setup = setup, .in = specs[i],
					.cut = cut, .ret = ACT_OK,
					.counter = counter,
					.counter_slot = counter_slot };

			snprintf(name, sizeof(name), "%s %s cut at %d of %d",
				 tag, names[i], cut, len);
			run_fx(&f);
		}
	}
}

void fixtures_lan(void)
{
	RUN_TABLE(lan);
	sweep_truncations(VTA_PROG_LAN, setup_lan, "lan",
			  VTA_PASS_MALFORMED, 0);
	sweep_l4_cuts(VTA_PROG_LAN, setup_lan, true, "lan");
}

/*
 * Every cut of the L4 header with a consistent IP length (the IP packet
 * itself ends early): the kernel forwards these; through a clamped
 * interface its TCPMSS rule drops a SYN it matched (flags byte present)
 * but cannot use (fixed header or options cut).
 */
/* IPv6 with payload_len 0 reads as a jumbogram: left to the kernel. */
static void ip6_empty(struct fx *f, int fam, int k)
{
	if (fam != 6 || k)
		return;
	f->ret = ACT_OK;
	f->counter = VTA_PASS_MALFORMED;
	f->tx_slot = 0;
	f->out_spec = false;
}

void sweep_l4_cuts(enum vta_prog prog, void (*setup)(void), bool to_tunnel,
		   const char *tag)
{
	char name[96];
	int fam, k;

	for (fam = 4; fam <= 6; fam += 2) {
		const char *src = fam == 4 ? "10.1.0.10" : "fd00:1::10";
		const char *tun = fam == 4 ? "172.31.1.20" : "fd00:31::20";
		const char *lan2 = fam == 4 ? "10.3.0.9" : "fd00:3::9";

		if (!to_tunnel) {
			src = tun;
			tun = fam == 4 ? "10.1.0.10" : "fd00:1::10";
		}
		/* UDP: forwarded as it is, one hop later */
		for (k = 0; k < 8; k++) {
			struct fx f = { .name = name, .prog = prog,
					.setup = setup,
					.in = { .family = fam, .proto = 17,
						.sport = 7, .dport = 9,
						.payload_len = 8, .src = src,
						.dst = tun,
						.l4_keep = k ? k : -1 },
					.ret = ACT_REDIRECT,
					.counter = to_tunnel ? VTA_FWD_TO_TUNNEL :
							       VTA_FWD_TO_LAN,
					.tx_slot = to_tunnel ? SLOT_TUN1 :
							       SLOT_LAN,
					.out_spec = true };

			f.out = f.in;
			f.out.ttl = 63;
			snprintf(name, sizeof(name), "%s%d udp cut at %d l4 bytes",
				 tag, fam, k);
			ip6_empty(&f, fam, k);
			run_fx(&f);
		}
		/* TCP SYN with an MSS option (24 bytes) through the clamp */
		for (k = 0; k < 24; k++) {
			struct fx f = { .name = name, .prog = prog,
					.setup = setup,
					.in = { .family = fam, .proto = 6,
						.sport = 7, .dport = 9,
						.tcp_flags = 0x02,
						.tcp_opts = { 2, 4, 5, 0xb4 },
						.tcp_opts_len = 4, .src = src,
						.dst = tun,
						.l4_keep = k ? k : -1 },
					.ret = ACT_SHOT,
					.counter = VTA_DROP_TCP_HDR };

			snprintf(name, sizeof(name),
				 "%s%d syn cut at %d l4 bytes: %s", tag, fam, k,
				 k < 14 ? "no flags, forwarded" : "dropped");
			if (k < 14) {
				/* no flags byte: the rule cannot match */
				f.ret = ACT_REDIRECT;
				f.counter = to_tunnel ? VTA_FWD_TO_TUNNEL :
							VTA_FWD_TO_LAN;
				f.tx_slot = to_tunnel ? SLOT_TUN1 : SLOT_LAN;
				f.out_spec = true;
				f.out = f.in;
				f.out.ttl = 63;
			}
			ip6_empty(&f, fam, k);
			run_fx(&f);
		}
		/* without a clamp (LAN -> LAN only) the same is forwarded */
		if (!to_tunnel)
			continue;
		for (k = 0; k < 24; k++) {
			struct fx f = { .name = name, .prog = prog,
					.setup = setup,
					.in = { .family = fam, .proto = 6,
						.sport = 7, .dport = 9,
						.tcp_flags = 0x02,
						.tcp_opts = { 2, 4, 5, 0xb4 },
						.tcp_opts_len = 4, .src = src,
						.dst = lan2,
						.l4_keep = k ? k : -1 },
					.ret = ACT_REDIRECT,
					.counter = VTA_FWD_TO_LAN,
					.tx_slot = SLOT_LAN2, .out_spec = true };

			f.out = f.in;
			f.out.ttl = 63;
			snprintf(name, sizeof(name),
				 "%s%d syn cut at %d l4 bytes, no clamp: forwarded",
				 tag, fam, k);
			ip6_empty(&f, fam, k);
			run_fx(&f);
		}
	}
}
