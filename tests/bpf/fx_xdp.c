// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* LAN XDP fixtures: the anti-spoof guard. */
#include <linux/bpf.h>
#include "fx.h"

static void setup_xdp(void)
{
	setup_lan();
	set_config(3600ULL * 1000000000ULL, 0x5eed,
		   VTA_CFG_F_FORWARD | VTA_CFG_F_XDP_GUARD);
}

static void xdp_guard_off(void)
{
	setup_lan();
}

static void xdp_no_lease(void)
{
	setup_lan();
	set_config(0, 0x5eed, VTA_CFG_F_FORWARD | VTA_CFG_F_XDP_GUARD);
}

static void xdp_in_is_tunnel(void)
{
	setup_xdp();
	add_iface(IF_IN, VTA_ROLE_TUNNEL, SLOT_IN, 1500, 0, 0,
		  VTA_IF_F_UP | VTA_IF_F_L2, 0, 0);
}

/* the daemon between the latch's halves: c[1] is whole, still a LAN */
static void xdp_writing(void)
{
	setup_xdp();
	iface_latch_half(IF_IN);
}

static void xdp_other(void)
{
	setup_xdp();
	iface_set_owner(IF_IN, IF_LAN2);
}

#define X	.prog = VTA_PROG_XDP_LAN, .setup = setup_xdp
#define XPASS	.ret = XDP_PASS, .counter = -1
#define XDROP	.ret = XDP_DROP, .counter = VTA_DROP_SPOOF

static const struct fx xdp[] = {
	{ "xdp4 vpc source from the lan dropped", X,
	  .in = { UDP4, .src = "172.31.5.5", .dst = "10.1.0.99" }, XDROP },
	{ "xdp6 vpc source from the lan dropped", X,
	  .in = { UDP6, .src = "fd00:31::5", .dst = "fd00:1::99" }, XDROP },
	{ "xdp4 vti2 route source dropped", X,
	  .in = { TCP4, .src = "172.30.5.5" }, XDROP },
	{ "xdp4 lan source passes", X, .in = { UDP4 }, XPASS },
	{ "xdp6 lan source passes", X, .in = { UDP6 }, XPASS },
	{ "xdp4 unrouted source passes", X,
	  .in = { UDP4, .src = "198.51.100.3" }, XPASS },
	{ "xdp4 lan2 (no tunnel) source passes", X,
	  .in = { UDP4, .src = "10.2.0.3" }, XPASS },
	{ "xdp4 local-route source passes", X,
	  .in = { UDP4, .src = "10.1.0.1" }, XPASS },
	{ "xdp4 guard off", X, .setup = xdp_guard_off,
	  .in = { UDP4, .src = "172.31.5.5" }, XPASS },
	{ "xdp4 lease expired", X, .setup = xdp_no_lease,
	  .in = { UDP4, .src = "172.31.5.5" }, XPASS },
	{ "xdp4 on a non-lan interface", X, .setup = xdp_in_is_tunnel,
	  .in = { UDP4, .src = "172.31.5.5" }, XPASS },
	{ "xdp4 entry being written: vpc source dropped", X,
	  .setup = xdp_writing, .in = { UDP4, .src = "172.31.5.5" }, XDROP },
	{ "xdp4 entry is another interface's", X, .setup = xdp_other,
	  .in = { UDP4, .src = "172.31.5.5" }, XPASS },
	{ "xdp arp passes", X, .in = { UDP4, .src = "172.31.5.5",
	  .ethertype = 0x0806 }, XPASS },
	{ "xdp vlan passes", X, .in = { UDP4, .src = "172.31.5.5",
	  .vlan = 0x8100 }, XPASS },
	{ "xdp4 spoofed fragment dropped", X,
	  .in = { UDP4, .src = "172.31.5.5", .frag = 0x2000 }, XDROP },
	{ "xdp4 cut after the source address dropped", X,
	  .in = { UDP4, .src = "172.31.5.5" }, .cut = 34, XDROP },
	{ "xdp4 cut before the source address passes", X,
	  .in = { UDP4, .src = "172.31.5.5" }, .cut = 33, XPASS },
	{ "xdp6 cut inside the header passes", X,
	  .in = { UDP6, .src = "fd00:31::5" }, .cut = 53, XPASS },
	{ "xdp4 version 6 in an IPv4 frame passes", X,
	  .in = { UDP4, .src = "172.31.5.5", .version = 6 }, XPASS },
};

void fixtures_xdp(void)
{
	static const struct pkt_spec spoof[] = {
		{ UDP4, .src = "172.31.5.5" }, { UDP6, .src = "fd00:31::5" },
		{ SYN4, .src = "172.30.0.9" }, { ICMP6, .src = "fd00:30::9" },
	};
	__u8 buf[PKT_MAX];
	char name[80];
	size_t i;
	int cut, len;

	RUN_TABLE(xdp);
	/*
	 * Every truncation of a spoofed packet: dropped once the whole
	 * fixed IP header is there (the source is all it needs), passed
	 * before.  Unlike tc test runs, XDP takes frames cut anywhere.
	 */
	for (i = 0; i < sizeof(spoof) / sizeof(spoof[0]); i++) {
		int hdr = 14 + (spoof[i].family == 4 ? 20 : 40);

		len = pkt_build(&spoof[i], buf);
		for (cut = 14; cut <= len; cut++) {
			struct fx f = { .name = name, X, .in = spoof[i],
					.cut = cut };

			if (cut < hdr) {
				f.ret = XDP_PASS;
				f.counter = -1;
			} else {
				f.ret = XDP_DROP;
				f.counter = VTA_DROP_SPOOF;
			}
			snprintf(name, sizeof(name), "xdp%d spoof cut at %d of %d",
				 spoof[i].family, cut, len);
			run_fx(&f);
		}
	}
}
