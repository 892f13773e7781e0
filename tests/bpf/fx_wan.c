// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* WAN ingress fixtures: ESP / NAT-T marking, IKE and keepalives untouched. */
#include <linux/in.h>
#include "fx.h"

#define GW4	"192.0.2.10"
#define PEER1	"198.51.100.1"	/* ESP and NAT-T */
#define PEER2	"198.51.100.2"	/* plain ESP only */
#define PEER3	"198.51.100.3"	/* NAT-T only */
#define GW6	"2001:db8::10"
#define PEER6	"2001:db8:1::1"

void setup_wan(void)
{
	env_reset(VTA_CFG_F_ESP_MARK);
	add_iface(IF_IN, VTA_ROLE_WAN, SLOT_IN, 1500, 0, 0,
		  VTA_IF_F_UP | VTA_IF_F_L2, 0, 0);
	add_peer(VTA_AF_INET, GW4, PEER1, 100, 0xffffffff,
		 VTA_PEER_F_ESP | VTA_PEER_F_NATT);
	add_peer(VTA_AF_INET, GW4, PEER2, 200, 0xffffffff, VTA_PEER_F_ESP);
	add_peer(VTA_AF_INET, GW4, PEER3, 0x64, 0xffff, VTA_PEER_F_NATT);
	add_peer(VTA_AF_INET6, GW6, PEER6, 300, 0xffffffff,
		 VTA_PEER_F_ESP | VTA_PEER_F_NATT);
}

static void wan_off(void)
{
	setup_wan();
	set_config(3600ULL * 1000000000ULL, 1, VTA_CFG_F_FORWARD);
}

static void wan_no_lease(void)
{
	setup_wan();
	set_config(0, 1, VTA_CFG_F_ESP_MARK);
}

static void wan_off_no_lease(void)
{
	setup_wan();
	set_config(0, 1, VTA_CFG_F_FORWARD);
}

static void wan_unknown_if(void)
{
	setup_wan();
	del_iface(IF_IN);
}

/* the daemon between the latch's halves: c[1] is whole */
static void wan_writing(void)
{
	setup_wan();
	iface_latch_half(IF_IN);
}

static void wan_other(void)
{
	setup_wan();
	iface_set_owner(IF_IN, 77);
}

static const __u8 ike_marker[8] = { 0, 0, 0, 0, 0x11, 0x22, 0x33, 0x44 };
static const __u8 keepalive[1] = { 0xff };

#define ESP4	.family = 4, .proto = 50, .spi = 0xc0ffee01, .payload_len = 32, \
		.src = PEER1, .dst = GW4
#define NATT4	.family = 4, .proto = 17, .sport = 4500, .dport = 4500, \
		.spi = 0xc0ffee02, .payload_len = 32, .src = PEER1, .dst = GW4
#define ESP6	.family = 6, .proto = 50, .spi = 0xc0ffee03, .payload_len = 32, \
		.src = PEER6, .dst = GW6
#define NATT6	.family = 6, .proto = 17, .sport = 4500, .dport = 4500, \
		.spi = 0xc0ffee04, .payload_len = 32, .src = PEER6, .dst = GW6
#define MARKED	.ret = ACT_OK, .counter = VTA_PASS_LOCAL, \
		.ev = VTA_EV_ESP_MARKED

#define W	.prog = VTA_PROG_WAN, .setup = setup_wan

static const struct fx wan[] = {
	{ "wan4 esp from peer marked", W, .in = { ESP4 }, MARKED, .mark = 100 },
	{ "wan4 nat-t esp from peer marked", W, .in = { NATT4 }, MARKED,
	  .mark = 100 },
	{ "wan6 esp from peer marked", W, .in = { ESP6 }, MARKED, .mark = 300 },
	{ "wan6 nat-t esp from peer marked", W, .in = { NATT6 }, MARKED,
	  .mark = 300 },
	{ "wan4 nat-t from any source port", W, .in = { NATT4, .sport = 61000 },
	  MARKED, .mark = 100 },
	{ "wan4 esp, SPI only (no payload)", W,
	  .in = { ESP4, .payload_len = 0 }, MARKED, .mark = 100 },
	{ "wan4 nat-t spi + nothing else", W,
	  .in = { NATT4, .payload_len = 0 }, MARKED, .mark = 100 },
	{ "wan4 xmark: replaces masked bits only", W,
	  .in = { NATT4, .src = PEER3 }, .mark_in = 0xff00ff00, MARKED,
	  .mark = 0xff000064 },
	{ "wan4 xmark: full mask overwrites", W, .in = { ESP4 },
	  .mark_in = 0x12345678, MARKED, .mark = 100 },
	{ "wan4 ike on 4500 (zero marker) untouched", W,
	  .in = { NATT4, .spi = 0, .payload = ike_marker, .payload_len = 8 },
	  .mark_in = 7, PASS(PASS_NOT_IP), .mark = 7 },
	{ "wan6 ike on 4500 untouched", W,
	  .in = { NATT6, .spi = 0, .payload = ike_marker, .payload_len = 8 },
	  PASS(PASS_NOT_IP) },
	{ "wan4 nat keepalive untouched", W,
	  .in = { NATT4, .spi = 0, .payload = keepalive, .payload_len = 1 },
	  PASS(PASS_NOT_IP) },
	{ "wan6 nat keepalive untouched", W,
	  .in = { NATT6, .spi = 0, .payload = keepalive, .payload_len = 1 },
	  PASS(PASS_NOT_IP) },
	{ "wan4 udp 4500 with 3 bytes", W,
	  .in = { NATT4, .spi = 0, .payload = keepalive, .payload_len = 3 },
	  PASS(PASS_NOT_IP) },
	{ "wan4 udp 4500 empty", W, .in = { NATT4, .spi = 0, .payload_len = 0 },
	  PASS(PASS_NOT_IP) },
	{ "wan4 ike on 500 untouched", W,
	  .in = { NATT4, .sport = 500, .dport = 500 }, PASS(PASS_NOT_IP) },
	{ "wan4 source port 4500 only", W,
	  .in = { NATT4, .dport = 4501 }, PASS(PASS_NOT_IP) },
	{ "wan4 tcp untouched", W,
	  .in = { .family = 4, .proto = 6, .sport = 4500, .dport = 4500,
	  .tcp_flags = 0x10, .src = PEER1, .dst = GW4 }, PASS(PASS_NOT_IP) },
	{ "wan4 icmp untouched", W,
	  .in = { .family = 4, .proto = 1, .src = PEER1, .dst = GW4 },
	  PASS(PASS_NOT_IP) },
	{ "wan arp", W, .in = { ESP4, .ethertype = 0x0806 },
	  PASS(PASS_NOT_IP) },
	{ "wan4 esp from unknown peer", W,
	  .in = { ESP4, .src = "203.0.113.9" }, PASS(PASS_NO_ROUTE) },
	{ "wan4 esp to another local address", W,
	  .in = { ESP4, .dst = "192.0.2.11" }, PASS(PASS_NO_ROUTE) },
	{ "wan4 nat-t from esp-only peer", W, .in = { NATT4, .src = PEER2 },
	  PASS(PASS_NO_ROUTE) },
	{ "wan4 esp from esp-only peer", W, .in = { ESP4, .src = PEER2 },
	  MARKED, .mark = 200 },
	{ "wan4 esp from nat-t-only peer", W, .in = { ESP4, .src = PEER3 },
	  PASS(PASS_NO_ROUTE) },
	{ "wan6 esp from unknown peer", W,
	  .in = { ESP6, .src = "2001:db8:2::1" }, PASS(PASS_NO_ROUTE) },
	{ "wan4 peer address as v4-mapped v6 is another key", W,
	  .in = { ESP6, .src = "::ffff:198.51.100.1",
	  .dst = "::ffff:192.0.2.10" }, PASS(PASS_NO_ROUTE) },
	{ "wan4 esp fragment", W, .in = { ESP4, .frag = 0x2000 },
	  PASS(PASS_FRAGMENT) },
	{ "wan4 esp non-first fragment", W, .in = { ESP4, .frag = 0x0020 },
	  PASS(PASS_FRAGMENT) },
	{ "wan4 esp with options", W, .in = { ESP4, .ip_opts = { 1, 1, 1, 1 },
	  .ip_opts_len = 4 }, PASS(PASS_IP_OPTIONS) },
	{ "wan6 esp after dest options", W,
	  .in = { ESP6, .ext = { 60 }, .n_ext = 1 }, PASS(PASS_EXT_HDR) },
	{ "wan6 esp fragment", W, .in = { ESP6, .ext = { 44 }, .n_ext = 1 },
	  PASS(PASS_FRAGMENT) },
	{ "wan4 esp ttl 1 (local delivery) marked", W,
	  .in = { ESP4, .ttl = 1 }, MARKED, .mark = 100 },
	{ "wan4 esp vlan", W, .in = { ESP4, .vlan = 0x8100 }, PASS(PASS_VLAN) },
	{ "wan4 esp bad ip checksum", W, .in = { ESP4, .bad_ip_csum = true },
	  PASS(PASS_MALFORMED) },
	/* marking off is the healthy default: not "lease expired" */
	{ "wan4 marking off", W, .setup = wan_off, .in = { ESP4 },
	  PASS(PASS_MARK_OFF) },
	{ "wan6 nat-t, marking off", W, .setup = wan_off, .in = { NATT6 },
	  .mark_in = 9, PASS(PASS_MARK_OFF), .mark = 9 },
	{ "wan4 ike, marking off", W, .setup = wan_off,
	  .in = { NATT4, .spi = 0, .payload = ike_marker, .payload_len = 8 },
	  PASS(PASS_MARK_OFF) },
	{ "wan4 lease expired", W, .setup = wan_no_lease, .in = { NATT4 },
	  PASS(PASS_LEASE) },
	{ "wan4 lease expired, marking off too", W,
	  .setup = wan_off_no_lease, .in = { ESP4 }, PASS(PASS_LEASE) },
	{ "wan4 unknown interface", W, .setup = wan_unknown_if,
	  .in = { ESP4 }, PASS(PASS_UNKNOWN_IF), .unknown_if = true },
	{ "wan4 entry being written: esp marked", W, .setup = wan_writing,
	  .in = { ESP4 }, MARKED, .mark = 100 },
	{ "wan4 entry is another interface's", W, .setup = wan_other,
	  .in = { ESP4 }, PASS(PASS_IF_CHANGING), .unknown_if = true },
};

void fixtures_wan(void)
{
	static const struct pkt_spec specs[] = { { NATT4 }, { NATT6 } };
	__u8 buf[PKT_MAX];
	char name[80];
	size_t i;
	int cut, len;

	RUN_TABLE(wan);
	/* Every truncation of a NAT-T packet: untouched, unmarked. */
	for (i = 0; i < 2; i++) {
		len = pkt_build(&specs[i], buf);
		for (cut = 14; cut < len; cut++) {
			struct fx f = { .name = name, W, .in = specs[i],
					.cut = cut, PASS(PASS_MALFORMED),
					.mark_in = 5, .mark = 5 };

			snprintf(name, sizeof(name), "wan nat-t%d cut at %d of %d",
				 i ? 6 : 4, cut, len);
			run_fx(&f);
		}
	}
}
