// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Fidelity fixtures (issue 11): packets the kernel does not forward as
 * they are must go to it unchanged.  Each expectation is the kernel's
 * behaviour for the same packet and settings:
 *  - frames not addressed to the host (ip_forward()/ip6_forward() drop
 *    what is not PACKET_HOST);
 *  - source validation (fib_validate_source(): own and broadcast
 *    addresses, rp_filter);
 *  - the route's MTU metric (ip_dst_mtu_maybe_forward(), ip6_forward());
 *  - the forwarding sysctls (ip_route_input_slow(): the input device's;
 *    ip6_forward(): all.forwarding);
 *  - ECMP: removing a member moves only that member's flows.
 */
#include <arpa/inet.h>
#include <string.h>
#include "fx.h"

#define UPT (VTA_IF_F_UP | VTA_IF_F_SA_UP)
#define LAN_FLAGS (VTA_IF_F_UP | VTA_IF_F_L2)

static const __u8 mac_other[6] = { 2, 0, 0, 0, 0, 2 };
static const __u8 mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const __u8 mac_mcast4[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };
static const __u8 mac_mcast6[6] = { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 };

static void lan_flags(__u32 flags)
{
	setup_lan();
	add_iface(IF_IN, VTA_ROLE_LAN, SLOT_IN, 1500, 0, 0, LAN_FLAGS | flags,
		  0, 0);
	/* the gateway's inside tunnel address and the LAN's broadcast */
	add_route("169.254.10.1/32", VTA_RT_LOCAL, 0, 0);
	add_route("10.1.255.255/32", VTA_RT_LOCAL, 0, 0);
}

static void lan_src(void)
{
	lan_flags(0);
}

static void lan_rpf(void)
{
	lan_flags(VTA_IF_F_RP_FILTER);
}

static void lan_nofwd4(void)
{
	lan_flags(VTA_IF_F_NO_FWD4);
}

static void lan_nofwd6(void)
{
	lan_flags(VTA_IF_F_NO_FWD6);
}

/* The egress device forwarding off: only the input device counts. */
static void lan_out_nofwd4(void)
{
	setup_lan();
	add_iface(IF_TUN1, VTA_ROLE_TUNNEL, SLOT_TUN1, 1436, MSS4, MSS6,
		  UPT | VTA_IF_F_NO_FWD4, 100, 0xffffffff);
}

/* 172.31.0.0/16 (vti1, MTU 1436) with mtu 1419; fd00:31::/32 with 1400 */
static void lan_route_mtu(void)
{
	setup_lan();
	add_route_mtu("172.31.0.0/16", VTA_RT_UNICAST, 1,
		      VTA_RT_F_VIA_TUNNEL | VTA_RT_F_GATEWAY, 1419);
	add_route_mtu("fd00:31::/32", VTA_RT_UNICAST, 1,
		      VTA_RT_F_VIA_TUNNEL | VTA_RT_F_GATEWAY, 1400);
	/* a route MTU above the device's: the device's still applies */
	add_route_mtu("172.30.0.0/16", VTA_RT_UNICAST, 1, VTA_RT_F_VIA_TUNNEL,
		      1600);
}

/* The route's MTU, the device's unknown (0). */
static void lan_route_mtu_dev0(void)
{
	lan_route_mtu();
	add_iface(IF_TUN1, VTA_ROLE_TUNNEL, SLOT_TUN1, 0, MSS4, MSS6, UPT, 100,
		  0xffffffff);
}

/* vti1's IPv6 MTU (net.ipv6.conf.vti1.mtu) 1300, below its link MTU 1436 */
static void lan_dev_mtu6(void)
{
	setup_lan();
	set_iface_mtu6(IF_TUN1, 1300);
}

#define F .prog = VTA_PROG_LAN, .setup = lan_src
#define FT .prog = VTA_PROG_TUNNEL

static void tun_l2_flags(__u32 flags)
{
	setup_tun();
	add_iface(IF_IN, VTA_ROLE_TUNNEL, SLOT_IN, 1436, MSS4, MSS6,
		  UPT | VTA_IF_F_L2 | VTA_IF_F_CLEAR_MARK | flags, 100,
		  0xffffffff);
}

static void tun_nofwd4(void)
{
	tun_l2_flags(VTA_IF_F_NO_FWD4);
}

static void tun_nofwd6(void)
{
	tun_l2_flags(VTA_IF_F_NO_FWD6);
}

/* tunnel -> LAN base packets (fx_tun.c) */
#define T4                                                     \
	.family = 4, .proto = 17, .sport = 53, .dport = 40000, \
	.payload_len = 8, .src = "172.31.1.20", .dst = "10.1.0.10"
#define T6                                                     \
	.family = 6, .proto = 17, .sport = 53, .dport = 40000, \
	.payload_len = 8, .src = "fd00:31::20", .dst = "fd00:1::10"

static const struct fx fid[] = {
	/* 1. pkt_type */
	{ "lan4 frame for another MAC", F, .in = { UDP4, .dmac = mac_other },
	  PASS(PASS_NOT_HOST) },
	{ "lan6 frame for another MAC", F, .in = { UDP6, .dmac = mac_other },
	  PASS(PASS_NOT_HOST) },
	{ "lan4 unicast IP in a broadcast frame", F,
	  .in = { UDP4, .dmac = mac_bcast }, PASS(PASS_NOT_HOST) },
	{ "lan4 unicast IP in a multicast frame", F,
	  .in = { UDP4, .dmac = mac_mcast4 }, PASS(PASS_NOT_HOST) },
	{ "lan6 unicast IP in a multicast frame", F,
	  .in = { UDP6, .dmac = mac_mcast6 }, PASS(PASS_NOT_HOST) },
	{ "lan4 SYN for another MAC: not clamped", F,
	  .in = { SYN4, .dmac = mac_other }, PASS(PASS_NOT_HOST) },
	{ "lan4 frame for this host", F, .in = { UDP4 }, TO_TUN1,
	  .out = { UDP4, .ttl = 63 } },
	{ "tun4 (Ethernet) frame for another MAC", FT, .setup = setup_tun,
	  .in = { T4, .dmac = mac_other }, PASS(PASS_NOT_HOST) },

	/* 2. source validation, LAN ingress */
	{ "lan4 source is the gateway's LAN address", F,
	  .in = { UDP4, .src = "10.1.0.1" }, PASS(PASS_SRC_LOCAL) },
	{ "lan4 source is the gateway's tunnel address", F,
	  .in = { UDP4, .src = "169.254.10.1" }, PASS(PASS_SRC_LOCAL) },
	{ "lan4 source is the LAN broadcast", F,
	  .in = { UDP4, .src = "10.1.255.255" }, PASS(PASS_SRC_LOCAL) },
	{ "lan4 source 255.255.255.255", F,
	  .in = { UDP4, .src = "255.255.255.255" }, PASS(PASS_MALFORMED) },
	{ "lan4 source 0.0.0.0", F, .in = { UDP4, .src = "0.0.0.0" },
	  PASS(PASS_MALFORMED) },
	/* ip6_forward() does not validate sources (fidelity.sh measures
	 * the kernel forwarding this) */
	{ "lan6 source is the gateway's address: forwarded", F,
	  .in = { UDP6, .src = "fd00:1::1" }, TO_TUN1,
	  .out = { UDP6, .src = "fd00:1::1", .ttl = 63 } },
	{ "lan4 source on a kernel route", F, .in = { UDP4, .src = "10.9.0.1" },
	  PASS(PASS_RPF) },
	{ "lan4 rp_filter 0: source without route", F,
	  .in = { UDP4, .src = "198.51.100.7" }, TO_TUN1,
	  .out = { UDP4, .src = "198.51.100.7", .ttl = 63 } },
	{ "lan4 rp_filter 0: source routed into a tunnel", F,
	  .in = { UDP4, .src = "172.30.0.5" }, TO_TUN1,
	  .out = { UDP4, .src = "172.30.0.5", .ttl = 63 } },
	{ "lan4 rp_filter on: source on the LAN", F, .setup = lan_rpf,
	  .in = { UDP4 }, TO_TUN1, .out = { UDP4, .ttl = 63 } },
	{ "lan4 rp_filter on: source without route", F, .setup = lan_rpf,
	  .in = { UDP4, .src = "198.51.100.7" }, PASS(PASS_RPF) },
	{ "lan4 rp_filter on: source routed into a tunnel", F, .setup = lan_rpf,
	  .in = { UDP4, .src = "172.30.0.5" }, PASS(PASS_RPF) },
	{ "lan4 rp_filter on: source routed via lan2", F, .setup = lan_rpf,
	  .in = { UDP4, .src = "10.2.0.5" }, PASS(PASS_RPF) },
	{ "lan6 rp_filter on: IPv6 has none", F, .setup = lan_rpf,
	  .in = { UDP6, .src = "fd00:30::5" }, TO_TUN1,
	  .out = { UDP6, .src = "fd00:30::5", .ttl = 63 } },

	/* 3. route MTU */
	{ "lan4 route mtu 1419: 1420 DF", F, .setup = lan_route_mtu,
	  .in = { UDP4, .payload_len = 1420 - 28 }, PASS(PASS_MTU) },
	{ "lan4 route mtu 1419: 1419 fits", F, .setup = lan_route_mtu,
	  .in = { UDP4, .payload_len = 1419 - 28 }, TO_TUN1,
	  .out = { UDP4, .payload_len = 1419 - 28, .ttl = 63 } },
	{ "lan6 route mtu 1400: 1401", F, .setup = lan_route_mtu,
	  .in = { UDP6, .payload_len = 1401 - 48 }, PASS(PASS_MTU) },
	{ "lan6 route mtu 1400: 1400 fits", F, .setup = lan_route_mtu,
	  .in = { UDP6, .payload_len = 1400 - 48 }, TO_TUN1,
	  .out = { UDP6, .payload_len = 1400 - 48, .ttl = 63 } },
	{ "lan4 route mtu 1600 over a 1436 device: 1437", F,
	  .setup = lan_route_mtu,
	  .in = { UDP4, .dst = "172.30.0.9", .payload_len = 1437 - 28 },
	  PASS(PASS_MTU) },
	{ "lan4 route mtu 1419: gso segments of 1420", F,
	  .setup = lan_route_mtu, .in = { TCP4, .payload_len = 1800 },
	  .gso_size = 1380, .gso_segs = 2, PASS(PASS_MTU) },
	{ "lan4 route mtu 1419: gso segments of 1419", F,
	  .setup = lan_route_mtu, .in = { TCP4, .payload_len = 1800 },
	  .gso_size = 1379, .gso_segs = 2, TO_TUN1,
	  .out = { TCP4, .payload_len = 1800, .ttl = 63 } },
	{ "lan4 route mtu 1419, device mtu 0: 1420", F,
	  .setup = lan_route_mtu_dev0, .in = { UDP4, .payload_len = 1420 - 28 },
	  PASS(PASS_MTU) },
	{ "lan4 route mtu 1419, device mtu 0: 1419 fits", F,
	  .setup = lan_route_mtu_dev0, .in = { UDP4, .payload_len = 1419 - 28 },
	  TO_TUN1, .out = { UDP4, .payload_len = 1419 - 28, .ttl = 63 } },

	/* the device's IPv6 MTU (ip6_dst_mtu_maybe_forward(): idev->cnf.mtu6) */
	{ "lan6 device ipv6 mtu 1300 (link 1436): 1301", F,
	  .setup = lan_dev_mtu6, .in = { UDP6, .payload_len = 1301 - 48 },
	  PASS(PASS_MTU) },
	{ "lan6 device ipv6 mtu 1300 (link 1436): 1300 fits", F,
	  .setup = lan_dev_mtu6, .in = { UDP6, .payload_len = 1300 - 48 },
	  TO_TUN1, .out = { UDP6, .payload_len = 1300 - 48, .ttl = 63 } },
	{ "lan4 device ipv6 mtu 1300: IPv4 keeps the link's 1436", F,
	  .setup = lan_dev_mtu6, .in = { UDP4, .payload_len = 1436 - 28 },
	  TO_TUN1, .out = { UDP4, .payload_len = 1436 - 28, .ttl = 63 } },

	/* 8. forwarding switched off */
	{ "lan4 ipv4 forwarding off on the LAN", F, .setup = lan_nofwd4,
	  .in = { UDP4 }, PASS(PASS_FWD_OFF) },
	{ "lan6 ipv4 forwarding off on the LAN: IPv6 goes", F,
	  .setup = lan_nofwd4, .in = { UDP6 }, TO_TUN1,
	  .out = { UDP6, .ttl = 63 } },
	{ "lan6 ipv6 forwarding off", F, .setup = lan_nofwd6, .in = { UDP6 },
	  PASS(PASS_FWD_OFF) },
	{ "lan4 ipv6 forwarding off: IPv4 goes", F, .setup = lan_nofwd6,
	  .in = { UDP4 }, TO_TUN1, .out = { UDP4, .ttl = 63 } },
	{ "lan4 forwarding off on the egress only: forwarded", F,
	  .setup = lan_out_nofwd4, .in = { UDP4 }, TO_TUN1,
	  .out = { UDP4, .ttl = 63 } },
	{ "tun4 ipv4 forwarding off on the tunnel", FT, .setup = tun_nofwd4,
	  .in = { T4 }, PASS(PASS_FWD_OFF) },
	{ "tun6 ipv6 forwarding off", FT, .setup = tun_nofwd6, .in = { T6 },
	  PASS(PASS_FWD_OFF) },
};

/*
 * 9. ECMP: three members, one removed.  Hash-threshold gives each member
 * a contiguous range of the hash space in group order; after a removal
 * a survivor keeps the flows where its old and new ranges overlap, so
 * with the middle member removed no survivor's flow moves, with an end
 * member removed a neighbour loses the part of its range that shifts.
 * `hash % total` moves about half of the survivors' flows either way.
 */
#define GID 6

/* Share of all flows on survivors that hash-threshold moves. */
static double ht_survivors_moved(const __u16 *w, int removed)
{
	double told = 0, tnew = 0, a = 0, c = 0, moved = 0;
	int i;

	for (i = 0; i < 3; i++) {
		told += w[i];
		if (i != removed)
			tnew += w[i];
	}
	for (i = 0; i < 3; i++) {
		double b = a + w[i] / told, d, lo, hi;

		if (i == removed) {
			a = b;
			continue;
		}
		d = c + w[i] / tnew;
		lo = a > c ? a : c;
		hi = b < d ? b : d;
		moved += (b - a) - (hi > lo ? hi - lo : 0);
		a = b;
		c = d;
	}
	return moved;
}

static void ecmp_group(const struct vta_nh *nh, int n)
{
	add_group(GID, n, nh);
	add_route("172.16.0.0/16", VTA_RT_UNICAST, GID, VTA_RT_F_VIA_TUNNEL);
	add_route("fd00:16::/32", VTA_RT_UNICAST, GID, VTA_RT_F_VIA_TUNNEL);
}

static int send_flow(int family, int i)
{
	static __u8 buf[PKT_MAX];
	char src[64], dst[64];
	struct pkt_spec s = { .family = family,
			      .proto = 17,
			      .payload_len = 8,
			      .src = src,
			      .dst = dst };
	struct run_out o;
	size_t len;

	if (family == 4) {
		sprintf(src, "10.1.%d.%d", ((i + 2) >> 8) & 0xff,
			(i + 2) & 0xff);
		sprintf(dst, "172.16.%d.%d", (i * 7 >> 8) & 0xff,
			(i * 7) & 0xff);
	} else {
		sprintf(src, "fd00:1::%x", i + 2);
		sprintf(dst, "fd00:16::%x", i * 7 + 1);
	}
	s.sport = 1024 + i * 13;
	s.dport = 53;
	len = pkt_build(&s, buf);
	stats_clear();
	if (run_prog(VTA_PROG_LAN, buf, len, 0, 0, 0, &o) ||
	    o.ret != ACT_REDIRECT)
		return -1;
	return tx_slot_moved();
}

static void ecmp_remove(int family, const __u16 *w, int removed)
{
	const __u32 ifs[3] = { IF_TUN1, IF_TUN2, IF_LAN2 };
	const int slots[3] = { SLOT_TUN1, SLOT_TUN2, SLOT_LAN2 };
	enum { N = 3000 };
	static int before[N];
	struct vta_nh all[3], rest[2];
	int i, j, moved = 0, moved_removed = 0, of_removed = 0, bad = 0;
	char name[200];
	double want;

	for (i = 0, j = 0; i < 3; i++) {
		all[i] = ifs[i] == IF_LAN2 ? nh_neigh(IF_LAN2, NULL)
					   : nh_tun(ifs[i], w[i]);
		all[i].weight = w[i];
		if (i != removed)
			rest[j++] = all[i];
	}
	setup_lan();
	ecmp_group(all, 3);
	for (i = 0; i < N; i++) {
		before[i] = send_flow(family, i);
		bad += before[i] < 0;
	}
	setup_lan();
	ecmp_group(rest, 2);
	for (i = 0; i < N; i++) {
		int after = send_flow(family, i);

		bad += after < 0;
		if (before[i] == slots[removed]) {
			of_removed++;
			moved_removed += after != before[i];
		} else if (after != before[i]) {
			moved++;
		}
	}
	want = ht_survivors_moved(w, removed);
	snprintf(name, sizeof(name),
		 "ecmp%d weights %u:%u:%u, member %d removed: %d flows, %d of "
		 "the survivors' moved (expected %.3f)",
		 family, w[0], w[1], w[2], removed + 1, N, moved, want);
	/* none when the range cannot move; else within 3 points (> 5
	 * standard deviations at 3000 flows) */
	result(name,
	       !bad && of_removed > 0 && moved_removed == of_removed &&
		       (want == 0 ? moved == 0
				  : (double)moved / N > want - 0.03 &&
					    (double)moved / N < want + 0.03),
	       "%d flows of the survivors moved, %d of %d of the removed "
	       "member moved, %d not forwarded",
	       moved, moved_removed, of_removed, bad);
}

void fixtures_fid(void)
{
	static const __u16 w111[3] = { 1, 1, 1 }, w123[3] = { 1, 2, 3 };
	int r;

	RUN_TABLE(fid);
	for (r = 0; r < 3; r++) {
		ecmp_remove(4, w111, r);
		ecmp_remove(6, w111, r);
	}
	ecmp_remove(4, w123, 1);
	ecmp_remove(6, w123, 0);
}
