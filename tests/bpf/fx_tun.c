// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Tunnel ingress fixtures: forwarding to the LAN, RPF, mark clearing. */
#include <linux/in.h>
#include <stdlib.h>
#include "fx.h"

#define TUN_FLAGS (VTA_IF_F_UP | VTA_IF_F_SA_UP | VTA_IF_F_L2 | \
		   VTA_IF_F_CLEAR_MARK)

/*
 * A group of two members whose second (this tunnel) is held down by
 * liveness: the daemon keeps it after paths[n_paths - 1] (user/sync_group.c,
 * build_group()), where forwarding never picks it; the kernel's route
 * still lists it.
 */
static void held_group(__u32 gid, struct vta_nh live, struct vta_nh held)
{
	struct vta_group g = { .n_paths = 1, .total_weight = live.weight };

	g.paths[0] = live;
	g.paths[1] = held;
	if (bpf_map_update_elem(E.m.groups, &gid, &g, 0)) {
		perror("held group");
		exit(1);
	}
}

static void setup_tun_flags(__u32 flags, __u32 mark, __u32 mask)
{
	struct vta_nh n, two[2];

	env_reset(VTA_CFG_F_FORWARD);
	add_iface(IF_IN, VTA_ROLE_TUNNEL, SLOT_IN, 1436, MSS4, MSS6, flags,
		  mark, mask);
	add_iface(IF_TUN2, VTA_ROLE_TUNNEL, SLOT_TUN2, 1436, MSS4, MSS6,
		  VTA_IF_F_UP | VTA_IF_F_SA_UP, 200, 0xffffffff);
	add_iface(IF_LAN, VTA_ROLE_LAN, SLOT_LAN, 1500, 0, 0,
		  VTA_IF_F_UP | VTA_IF_F_L2, 0, 0);

	n = nh_tun(IF_IN, 1);
	add_group(1, 1, &n);
	n = nh_neigh(IF_LAN, "10.1.255.1");
	add_group(2, 1, &n);
	n = nh_neigh(IF_LAN, NULL);
	add_group(4, 1, &n);
	n = nh_neigh(IF_LAN, "fe80::1");
	add_group(7, 1, &n);
	n = nh_tun(IF_TUN2, 1);
	add_group(8, 1, &n);
	two[0] = nh_tun(IF_TUN2, 1);
	two[1] = nh_tun(IF_IN, 1);
	add_group(9, 2, two);
	held_group(10, two[0], two[1]);

	add_route("10.1.0.0/16", VTA_RT_UNICAST, 4, 0);
	add_route("10.1.0.1/32", VTA_RT_LOCAL, 0, 0);
	add_route("10.2.0.0/16", VTA_RT_UNICAST, 2, VTA_RT_F_GATEWAY);
	add_route("10.9.0.0/16", VTA_RT_KERNEL, 0, 0);
	add_route("172.31.0.0/16", VTA_RT_UNICAST, 1, VTA_RT_F_VIA_TUNNEL);
	add_route("172.30.0.0/16", VTA_RT_UNICAST, 8, VTA_RT_F_VIA_TUNNEL);
	add_route("172.29.0.0/16", VTA_RT_UNICAST, 9, VTA_RT_F_VIA_TUNNEL);
	add_route("172.28.0.0/16", VTA_RT_UNICAST, 98, VTA_RT_F_VIA_TUNNEL);
	add_route("172.27.0.0/16", VTA_RT_UNICAST, 10, VTA_RT_F_VIA_TUNNEL);
	add_route("fd00:1::/32", VTA_RT_UNICAST, 4, 0);
	add_route("fd00:1::1/128", VTA_RT_LOCAL, 0, 0);
	add_route("fd00:2::/32", VTA_RT_UNICAST, 7, VTA_RT_F_GATEWAY);
	add_route("fd00:31::/32", VTA_RT_UNICAST, 1, VTA_RT_F_VIA_TUNNEL);
	add_route("fd00:30::/32", VTA_RT_UNICAST, 8, VTA_RT_F_VIA_TUNNEL);
	add_route("fd00:29::/32", VTA_RT_UNICAST, 9, VTA_RT_F_VIA_TUNNEL);
}

void setup_tun(void)
{
	setup_tun_flags(TUN_FLAGS, 100, 0xffffffff);
}

static void tun_strict(void)
{
	setup_tun_flags(TUN_FLAGS | VTA_IF_F_RPF_STRICT, 100, 0xffffffff);
}

/* net.ipv4.conf.{all,DEV}.rp_filter not 0 (strict or loose) */
static void tun_rp_filter(void)
{
	setup_tun_flags(TUN_FLAGS | VTA_IF_F_RP_FILTER, 100, 0xffffffff);
}

static void tun_mask_low(void)
{
	setup_tun_flags(TUN_FLAGS, 0x64, 0xff);
}

static void tun_no_clear(void)
{
	setup_tun_flags(TUN_FLAGS & ~VTA_IF_F_CLEAR_MARK, 100, 0xffffffff);
}

static void tun_mask_zero(void)
{
	setup_tun_flags(TUN_FLAGS, 0, 0);
}

/* A VTI: no L2 flag; tc shows the rebuilt outer MAC header first. */
static void tun_l3dev(void)
{
	setup_tun_flags(TUN_FLAGS & ~VTA_IF_F_L2, 100, 0xffffffff);
}

static void tun_no_lease(void)
{
	setup_tun();
	set_config(0, 0x5eed, VTA_CFG_F_FORWARD);
}

static void tun_lan_down(void)
{
	setup_tun();
	add_iface(IF_LAN, VTA_ROLE_LAN, SLOT_LAN, 1500, 0, 0, VTA_IF_F_L2,
		  0, 0);
}

/* From the VPC to the LAN. */
#define T4	.family = 4, .proto = 17, .sport = 53, .dport = 40000, \
		.payload_len = 8, .src = "172.31.1.20", .dst = "10.1.0.10"
#define T6	.family = 6, .proto = 17, .sport = 53, .dport = 40000, \
		.payload_len = 8, .src = "fd00:31::20", .dst = "fd00:1::10"
#define TT4	.family = 4, .proto = 6, .sport = 443, .dport = 40001, \
		.tcp_flags = 0x10, .payload_len = 20, .src = "172.31.1.20", \
		.dst = "10.1.0.10"
#define TT6	.family = 6, .proto = 6, .sport = 443, .dport = 40001, \
		.tcp_flags = 0x10, .payload_len = 20, .src = "fd00:31::20", \
		.dst = "fd00:1::10"

/* The daemon between the two halves of a latch write (seq odd, c[0]
 * garbage): readers take c[1], the packet is handled as with a stable
 * entry (bpf/maps.h vta_iface_get()). */
static void tun_writing(void)
{
	setup_tun();
	iface_latch_half(IF_IN);
}

static void tun_lan_writing(void)
{
	setup_tun();
	iface_latch_half(IF_LAN);
}

static void tun_other(void)
{
	setup_tun();
	iface_set_owner(IF_IN, IF_TUN2);
}

#define T	.prog = VTA_PROG_TUNNEL, .setup = setup_tun

static const struct fx tun[] = {
	{ "tun4 udp -> lan", T, .in = { T4 }, TO_LAN, .out = { T4, .ttl = 63 } },
	{ "tun6 udp -> lan", T, .in = { T6 }, TO_LAN, .out = { T6, .ttl = 63 } },
	{ "tun4 tcp -> lan", T, .in = { TT4 }, TO_LAN,
	  .out = { TT4, .ttl = 63 } },
	{ "tun6 tcp -> lan", T, .in = { TT6 }, TO_LAN,
	  .out = { TT6, .ttl = 63 } },
	{ "tun4 icmp -> lan", T, .in = { T4, .proto = 1 }, TO_LAN,
	  .out = { T4, .proto = 1, .ttl = 63 } },
	{ "tun6 icmpv6 -> lan", T, .in = { T6, .proto = 58 }, TO_LAN,
	  .out = { T6, .proto = 58, .ttl = 63 } },
	{ "tun4 -> router on lan", T, .in = { T4, .dst = "10.2.0.7" }, TO_LAN,
	  .out = { T4, .dst = "10.2.0.7", .ttl = 63 } },
	{ "tun6 -> router fe80::1 on lan", T, .in = { T6, .dst = "fd00:2::7" },
	  TO_LAN, .out = { T6, .dst = "fd00:2::7", .ttl = 63 } },
	{ "tun4 -> vti2", T, .in = { T4, .dst = "172.30.0.5" },
	  .ret = ACT_REDIRECT, .counter = VTA_FWD_TO_TUNNEL,
	  .tx_slot = SLOT_TUN2, .out_spec = true,
	  .out = { T4, .dst = "172.30.0.5", .ttl = 63 } },
	{ "tun6 -> vti2", T, .in = { T6, .dst = "fd00:30::5" },
	  .ret = ACT_REDIRECT, .counter = VTA_FWD_TO_TUNNEL,
	  .tx_slot = SLOT_TUN2, .out_spec = true,
	  .out = { T6, .dst = "fd00:30::5", .ttl = 63 } },
	{ "tun4 padded frame trimmed", T, .in = { T4, .tail_pad = 10 },
	  TO_LAN, .out = { T4, .ttl = 63 } },
	{ "tun4 hairpin into the same tunnel", T,
	  .in = { T4, .dst = "172.31.9.9" }, PASS(PASS_NO_PATH) },
	{ "tun4 lan down", T, .setup = tun_lan_down, .in = { T4 },
	  PASS(PASS_NO_PATH) },
	{ "tun4 entry being written -> lan", T, .setup = tun_writing,
	  .in = { T4 }, TO_LAN, .out = { T4, .ttl = 63 } },
	{ "tun6 lan entry being written -> lan", T, .setup = tun_lan_writing,
	  .in = { T6 }, TO_LAN, .out = { T6, .ttl = 63 } },
	{ "tun4 big packet (lan mtu 1500)", T,
	  .in = { T4, .payload_len = 1472 }, TO_LAN,
	  .out = { T4, .payload_len = 1472, .ttl = 63 } },

	/* reverse path */
	/* rp_filter 0: fib_validate_source() does not look the source up,
	 * so a source without any route is forwarded; with rp_filter it has
	 * no route back (last_resort: -EXDEV). */
	{ "tun4 rp_filter 0: source without route", T,
	  .in = { T4, .src = "198.51.100.9" }, TO_LAN,
	  .out = { T4, .src = "198.51.100.9", .ttl = 63 } },
	{ "tun4 rp_filter on: source without route", T, .setup = tun_rp_filter,
	  .in = { T4, .src = "198.51.100.9" }, PASS(PASS_RPF) },
	{ "tun4 rp_filter on: source routed here", T, .setup = tun_rp_filter,
	  .in = { T4 }, TO_LAN, .out = { T4, .ttl = 63 } },
	{ "tun4 rp_filter on: source routed via vti2", T,
	  .setup = tun_rp_filter, .in = { T4, .src = "172.30.0.5" },
	  PASS(PASS_RPF) },
	{ "tun4 rp_filter on: ecmp with this tunnel second", T,
	  .setup = tun_rp_filter, .in = { T4, .src = "172.29.0.5" }, TO_LAN,
	  .out = { T4, .src = "172.29.0.5", .ttl = 63 } },
	/* IPv6 has no rp_filter (ip6_forward()) */
	{ "tun6 rp_filter on: source without route", T, .setup = tun_rp_filter,
	  .in = { T6, .src = "2001:db8::9" }, TO_LAN,
	  .out = { T6, .src = "2001:db8::9", .ttl = 63 } },
	{ "tun4 rpf: source is local", T, .in = { T4, .src = "10.1.0.1" },
	  PASS(PASS_SRC_LOCAL) },
	{ "tun4 rpf: source on a kernel route", T,
	  .in = { T4, .src = "10.9.0.1" }, PASS(PASS_RPF) },
	{ "tun6 rpf: source is local: forwarded as ip6_forward()", T,
	  .in = { T6, .src = "fd00:1::1" }, TO_LAN,
	  .out = { T6, .src = "fd00:1::1", .ttl = 63 } },
	{ "tun6 rpf strict: source is local", T, .setup = tun_strict,
	  .in = { T6, .src = "fd00:1::1" }, PASS(PASS_SRC_LOCAL) },
	{ "tun4 rpf loose: source routed via vti2", T,
	  .in = { T4, .src = "172.30.0.5" }, TO_LAN,
	  .out = { T4, .src = "172.30.0.5", .ttl = 63 } },
	{ "tun6 rpf loose: source routed via vti2", T,
	  .in = { T6, .src = "fd00:30::5" }, TO_LAN,
	  .out = { T6, .src = "fd00:30::5", .ttl = 63 } },
	{ "tun4 rpf strict: source routed via vti2", T, .setup = tun_strict,
	  .in = { T4, .src = "172.30.0.5" }, DROP(DROP_RPF) },
	{ "tun6 rpf strict: source routed via vti2", T, .setup = tun_strict,
	  .in = { T6, .src = "fd00:30::5" }, DROP(DROP_RPF) },
	{ "tun4 rpf strict: source routed here", T, .setup = tun_strict,
	  .in = { T4 }, TO_LAN, .out = { T4, .ttl = 63 } },
	{ "tun6 rpf strict: source routed here", T, .setup = tun_strict,
	  .in = { T6 }, TO_LAN, .out = { T6, .ttl = 63 } },
	{ "tun4 rpf strict: ecmp with this tunnel second", T,
	  .setup = tun_strict, .in = { T4, .src = "172.29.0.5" }, TO_LAN,
	  .out = { T4, .src = "172.29.0.5", .ttl = 63 } },
	{ "tun6 rpf strict: ecmp with this tunnel second", T,
	  .setup = tun_strict, .in = { T6, .src = "fd00:29::5" }, TO_LAN,
	  .out = { T6, .src = "fd00:29::5", .ttl = 63 } },
	/* A source routed over this tunnel and another while liveness
	 * holds this one down: the kernel's route still has it, and
	 * fib_validate_source() accepts the source (strict or loose). */
	{ "tun4 rpf strict: ecmp member held down by liveness", T,
	  .setup = tun_strict, .in = { T4, .src = "172.27.0.5" }, TO_LAN,
	  .out = { T4, .src = "172.27.0.5", .ttl = 63 } },
	{ "tun4 rp_filter on: ecmp member held down by liveness", T,
	  .setup = tun_rp_filter, .in = { T4, .src = "172.27.0.5" }, TO_LAN,
	  .out = { T4, .src = "172.27.0.5", .ttl = 63 } },
	{ "tun4 rpf strict: source group missing", T, .setup = tun_strict,
	  .in = { T4, .src = "172.28.0.5" }, PASS(PASS_RPF) },
	{ "tun4 rpf strict: source without route", T, .setup = tun_strict,
	  .in = { T4, .src = "198.51.100.9" }, PASS(PASS_RPF) },
	{ "tun6 rpf strict: source without route", T, .setup = tun_strict,
	  .in = { T6, .src = "2001:db8::9" }, PASS(PASS_RPF) },

	/* the ESP-mark loop fix */
	{ "tun4 mark 100 cleared, forwarded", T, .in = { T4 }, .mark_in = 100,
	  TO_LAN, .out = { T4, .ttl = 63 }, .mark = 0,
	  .ev = VTA_EV_MARK_CLEARED },
	{ "tun6 mark 100 cleared, forwarded", T, .in = { T6 }, .mark_in = 100,
	  TO_LAN, .out = { T6, .ttl = 63 }, .mark = 0,
	  .ev = VTA_EV_MARK_CLEARED },
	/* the point of the latch: an entry half-written by the daemon
	 * still clears the mark, or the kernel re-encrypts the packet */
	{ "tun4 mark 100 cleared, entry being written", T,
	  .setup = tun_writing, .in = { T4 }, .mark_in = 100, TO_LAN,
	  .out = { T4, .ttl = 63 }, .mark = 0, .ev = VTA_EV_MARK_CLEARED },
	{ "tun6 mark 100 cleared, entry being written", T,
	  .setup = tun_writing, .in = { T6 }, .mark_in = 100, TO_LAN,
	  .out = { T6, .ttl = 63 }, .mark = 0, .ev = VTA_EV_MARK_CLEARED },
	{ "tun4 entry another interface's: pass, mark kept", T,
	  .setup = tun_other, .in = { T4 }, .mark_in = 100,
	  PASS(PASS_IF_CHANGING), .mark = 100, .unknown_if = true },
	{ "tun4 mark 100 cleared on pass (ttl 1)", T, .in = { T4, .ttl = 1 },
	  .mark_in = 100, PASS(PASS_TTL), .ev = VTA_EV_MARK_CLEARED },
	{ "tun4 mark 100 cleared on pass (no rpf route)", T,
	  .setup = tun_rp_filter, .in = { T4, .src = "198.51.100.9" },
	  .mark_in = 100,
	  PASS(PASS_RPF), .ev = VTA_EV_MARK_CLEARED },
	{ "tun4 mark cleared with the lease expired", T,
	  .setup = tun_no_lease, .in = { T4 }, .mark_in = 100,
	  PASS(PASS_LEASE), .ev = VTA_EV_MARK_CLEARED },
	{ "tun4 mark cleared on not-IP", T, .in = { T4, .ethertype = 0x0806 },
	  .mark_in = 100, PASS(PASS_NOT_IP), .ev = VTA_EV_MARK_CLEARED },
	{ "tun4 other mark kept", T, .in = { T4 }, .mark_in = 101, TO_LAN,
	  .out = { T4, .ttl = 63 }, .mark = 101 },
	{ "tun4 mark 0 kept", T, .in = { T4 }, .mark_in = 0, TO_LAN,
	  .out = { T4, .ttl = 63 }, .mark = 0 },
	{ "tun4 masked mark: only masked bits cleared", T,
	  .setup = tun_mask_low, .in = { T4 }, .mark_in = 0xabc00064, TO_LAN,
	  .out = { T4, .ttl = 63 }, .mark = 0xabc00000,
	  .ev = VTA_EV_MARK_CLEARED },
	{ "tun4 masked mark: other low bits kept", T, .setup = tun_mask_low,
	  .in = { T4 }, .mark_in = 0xabc00065, TO_LAN,
	  .out = { T4, .ttl = 63 }, .mark = 0xabc00065 },
	{ "tun4 clear-mark flag off", T, .setup = tun_no_clear, .in = { T4 },
	  .mark_in = 100, TO_LAN, .out = { T4, .ttl = 63 }, .mark = 100 },
	{ "tun4 mask 0 never clears", T, .setup = tun_mask_zero, .in = { T4 },
	  .mark_in = 0, TO_LAN, .out = { T4, .ttl = 63 }, .mark = 0 },

	/* L3 device: the IP header is found behind the MAC header xfrm
	 * rebuilt (test runs always carry one; the header-first case needs
	 * a real L3 device: see the report) */
	{ "tun4 vti: ip behind rebuilt mac header -> lan", T,
	  .setup = tun_l3dev, .in = { T4 }, TO_LAN, .out = { T4, .ttl = 63 } },
	{ "tun6 vti: ip behind rebuilt mac header -> lan", T,
	  .setup = tun_l3dev, .in = { T6 }, TO_LAN, .out = { T6, .ttl = 63 } },
	{ "tun4 vti: tcp -> lan", T, .setup = tun_l3dev, .in = { TT4 }, TO_LAN,
	  .out = { TT4, .ttl = 63 } },
	{ "tun4 vti: length not exact (padding) -> kernel", T,
	  .setup = tun_l3dev, .in = { T4, .tail_pad = 2 }, PASS(PASS_MALFORMED) },
	{ "tun6 vti: length not exact -> kernel", T, .setup = tun_l3dev,
	  .in = { T6, .tail_pad = 8 }, PASS(PASS_MALFORMED) },
	{ "tun4 vti: not IP", T, .setup = tun_l3dev,
	  .in = { T4, .ethertype = 0x0806 }, PASS(PASS_NOT_IP) },
	{ "tun4 vti: version mismatch -> kernel", T, .setup = tun_l3dev,
	  .in = { T4, .version = 6 }, PASS(PASS_MALFORMED) },
	{ "tun4 vti: ttl 1", T, .setup = tun_l3dev, .in = { T4, .ttl = 1 },
	  PASS(PASS_TTL) },
	{ "tun4 vti: mark cleared", T, .setup = tun_l3dev, .in = { T4 },
	  .mark_in = 100, TO_LAN, .out = { T4, .ttl = 63 },
	  .ev = VTA_EV_MARK_CLEARED },

	/* the parse rules apply here too */
	{ "tun4 ttl 1", T, .in = { T4, .ttl = 1 }, PASS(PASS_TTL) },
	{ "tun6 hop limit 1", T, .in = { T6, .ttl = 1 }, PASS(PASS_TTL) },
	{ "tun4 fragment", T, .in = { T4, .frag = 0x2000 },
	  PASS(PASS_FRAGMENT) },
	{ "tun6 fragment", T, .in = { T6, .ext = { 44 }, .n_ext = 1 },
	  PASS(PASS_FRAGMENT) },
	{ "tun4 options", T, .in = { T4, .ip_opts = { 1, 1, 1, 0 },
	  .ip_opts_len = 4 }, PASS(PASS_IP_OPTIONS) },
	{ "tun6 hop-by-hop", T, .in = { T6, .ext = { 0 }, .n_ext = 1 },
	  PASS(PASS_EXT_HDR) },
	{ "tun4 vlan", T, .in = { T4, .vlan = 0x8100 }, PASS(PASS_VLAN) },
	{ "tun4 bad checksum", T, .in = { T4, .bad_ip_csum = true },
	  PASS(PASS_MALFORMED) },
	{ "tun4 multicast", T, .in = { T4, .dst = "239.0.0.1" },
	  PASS(PASS_LOCAL) },
	{ "tun6 multicast", T, .in = { T6, .dst = "ff0e::1" },
	  PASS(PASS_LOCAL) },
	{ "tun4 local destination", T, .in = { T4, .dst = "10.1.0.1" },
	  PASS(PASS_LOCAL) },
	/* single-hop eBGP to the gateway's inside address: local, not a
	 * transit packet with an expiring TTL */
	{ "tun4 local destination ttl 1", T,
	  .in = { T4, .dst = "10.1.0.1", .ttl = 1 }, PASS(PASS_LOCAL) },
	{ "tun6 local destination hop limit 1", T,
	  .in = { T6, .dst = "fd00:1::1", .ttl = 1 }, PASS(PASS_LOCAL) },
	{ "tun4 transit ttl 1", T, .in = { T4, .ttl = 1 }, PASS(PASS_TTL) },
	{ "tun6 transit hop limit 1", T, .in = { T6, .ttl = 1 },
	  PASS(PASS_TTL) },
	{ "tun4 no route", T, .in = { T4, .dst = "203.0.113.5" },
	  PASS(PASS_NO_ROUTE) },
	{ "tun4 mtu", T, .in = { T4, .payload_len = 1473 }, PASS(PASS_MTU) },
	{ "tun4 lease expired", T, .setup = tun_no_lease, .in = { T4 },
	  PASS(PASS_LEASE) },
};

void fixtures_tun(void)
{
	RUN_TABLE(tun);
	sweep_truncations(VTA_PROG_TUNNEL, setup_tun, "tun",
			  VTA_PASS_MALFORMED, 0);
	sweep_l4_cuts(VTA_PROG_TUNNEL, setup_tun_clamp_in, false, "tun");
}
