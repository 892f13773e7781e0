// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vta_tun_out fixtures: the MSS clamp on tc egress of a tunnel, as the
 * seed's TCPMSS rule on FORWARD -o vtiN.  The test run's device plays the
 * tunnel (IF_IN, slot SLOT_IN); its entry gives the clamp with
 * VTA_IF_F_MSS_FIXED, so that no route lookup (which would read the host's
 * routes) takes part: the pmtu mode is covered by tests/net/dp/mss.sh.
 * Nothing is forwarded here: the program returns TC_ACT_OK with the packet
 * clamped, or drops what the rule drops; it counts only those.
 */
#include "fx.h"

#define OUT4 1379
#define OUT6 1359

static void setup_out(void)
{
	env_reset(VTA_CFG_F_FORWARD);
	add_iface(IF_IN, VTA_ROLE_TUNNEL, SLOT_IN, 1436, OUT4, OUT6,
		  VTA_IF_F_UP | VTA_IF_F_SA_UP | VTA_IF_F_L2 |
			  VTA_IF_F_MSS_FIXED,
		  0, 0);
}

/* The lease has no say: an expired one clamps just the same. */
static void setup_out_expired(void)
{
	setup_out();
	set_config(0, 1, VTA_CFG_F_FORWARD);
}

/* [mss] mode = off: the entry's values are 0. */
static void setup_out_off(void)
{
	env_reset(VTA_CFG_F_FORWARD);
	add_iface(IF_IN, VTA_ROLE_TUNNEL, SLOT_IN, 1436, 0, 0,
		  VTA_IF_F_UP | VTA_IF_F_SA_UP | VTA_IF_F_L2, 0, 0);
}

#define O .prog = VTA_PROG_TUN_OUT, .setup = setup_out, .counter = -1
#define OK .ret = ACT_OK
#define CLAMPED .ret = ACT_OK, .ev = VTA_EV_OUT_MSS_CLAMPED, .out_spec = true
#define INSERTED .ret = ACT_OK, .ev = VTA_EV_OUT_MSS_INSERTED, .out_spec = true
#define DROPPED .ret = ACT_SHOT, .counter = VTA_DROP_OUT_TCP_HDR
#define S4 \
	.family = 4, .proto = 6, .sport = 40300, .dport = 443, .tcp_flags = 0x02
#define S6 \
	.family = 6, .proto = 6, .sport = 40300, .dport = 443, .tcp_flags = 0x02
#define M1460 .tcp_opts = { 2, 4, 0x05, 0xb4 }, .tcp_opts_len = 4
#define M(v) .tcp_opts = { 2, 4, (v) >> 8, (v)&0xff }, .tcp_opts_len = 4
#define RA .ip_opts = { 0x94, 4, 0, 0 }, .ip_opts_len = 4
#define MF 0x2000

static const struct fx out[] = {
	{ "out4 syn: clamped", O, .in = { S4, M1460 }, CLAMPED,
	  .out = { S4, M(OUT4) } },
	{ "out6 syn: clamped", O, .in = { S6, M1460 }, CLAMPED,
	  .out = { S6, M(OUT6) } },
	{ "out4 syn-ack: clamped", O, .in = { S4, M1460, .tcp_flags = 0x12 },
	  CLAMPED, .out = { S4, M(OUT4), .tcp_flags = 0x12 } },
	{ "out4 syn, lease expired: clamped", O, .setup = setup_out_expired,
	  .in = { S4, M1460 }, CLAMPED, .out = { S4, M(OUT4) } },
	{ "out4 syn below the clamp: untouched", O, .in = { S4, M(1200) }, OK },
	{ "out4 syn without mss: inserted (536)", O, .in = { S4 }, INSERTED,
	  .out = { S4, M(536) } },
	{ "out6 syn without mss: inserted (1220)", O, .in = { S6 }, INSERTED,
	  .out = { S6, M(1220) } },
	{ "out4 ack with an mss: untouched", O,
	  .in = { S4, M1460, .tcp_flags = 0x10 }, OK },
	{ "out4 syn+rst: untouched", O, .in = { S4, M1460, .tcp_flags = 0x06 },
	  OK },
	{ "out4 udp: untouched", O, .in = { UDP4 }, OK },
	{ "out6 icmp: untouched", O, .in = { ICMP6 }, OK },
	{ "out4 syn doff 4: dropped", O, .in = { S4, .doff = 4 }, DROPPED },
	{ "out4 syn cut at 16 tcp bytes: dropped", O,
	  .in = { S4, M1460, .l4_keep = 16 }, DROPPED },
	{ "out4 syn cut at 12 tcp bytes (no flags): untouched", O,
	  .in = { S4, M1460, .l4_keep = 12 }, OK },
	/* behind IPv4 options and IPv6 extension headers */
	{ "out4 syn with ip options: clamped", O, .in = { S4, RA, M1460 },
	  CLAMPED, .out = { S4, RA, M(OUT4) } },
	{ "out4 syn with ip options, no mss: inserted", O, .in = { S4, RA },
	  INSERTED, .out = { S4, RA, M(536) } },
	{ "out6 hop-by-hop syn: clamped", O,
	  .in = { S6, M1460, .ext = { 0 }, .n_ext = 1 }, CLAMPED,
	  .out = { S6, M(OUT6), .ext = { 0 }, .n_ext = 1 } },
	{ "out6 hop-by-hop + routing + dest opts syn: clamped", O,
	  .in = { S6, M1460, .ext = { 0, 43, 60 }, .n_ext = 3 }, CLAMPED,
	  .out = { S6, M(OUT6), .ext = { 0, 43, 60 }, .n_ext = 3 } },
	{ "out6 AH (not skipped by the rule): untouched", O,
	  .in = { S6, M1460, .ext = { 51 }, .n_ext = 1 }, OK },
	/* fragments */
	{ "out4 first fragment, whole tcp header: clamped", O,
	  .in = { S4, M1460, .frag = MF, .payload_len = 40 }, CLAMPED,
	  .out = { S4, M(OUT4), .frag = MF, .payload_len = 40 } },
	{ "out4 first fragment with ip options: clamped", O,
	  .in = { S4, RA, M1460, .frag = MF, .payload_len = 40 }, CLAMPED,
	  .out = { S4, RA, M(OUT4), .frag = MF, .payload_len = 40 } },
	{ "out4 header-only first fragment without mss: no insertion", O,
	  .in = { S4, .frag = MF }, OK },
	{ "out4 first fragment, tcp header cut at 16: dropped", O,
	  .in = { S4, M1460, .frag = MF, .l4_keep = 16 }, DROPPED },
	{ "out4 non-first fragment with syn bytes: untouched", O,
	  .in = { S4, M1460, .frag = 3 }, OK },
	{ "out4 last fragment (offset, no MF): untouched", O,
	  .in = { S4, M1460, .frag = MF | 5 }, OK },
	{ "out6 atomic fragment: clamped", O,
	  .in = { S6, M1460, .ext = { 44 }, .n_ext = 1 }, CLAMPED,
	  .out = { S6, M(OUT6), .ext = { 44 }, .n_ext = 1 } },
	{ "out6 atomic fragment without mss: inserted", O,
	  .in = { S6, .ext = { 44 }, .n_ext = 1 }, INSERTED,
	  .out = { S6, M(1220), .ext = { 44 }, .n_ext = 1 } },
	{ "out6 hop-by-hop + atomic fragment: clamped", O,
	  .in = { S6, M1460, .ext = { 0, 44 }, .n_ext = 2 }, CLAMPED,
	  .out = { S6, M(OUT6), .ext = { 0, 44 }, .n_ext = 2 } },
	/* the entry */
	{ "out4 syn, mss mode off (0): untouched", O, .setup = setup_out_off,
	  .in = { S4, M1460 }, OK },
	{ "out6 syn, mss mode off (0): untouched", O, .setup = setup_out_off,
	  .in = { S6, M1460 }, OK },
};

/*
 * IPv6 first fragments (M set) and non-first ones: pkt.c writes zeroed
 * extension headers, so the fragment header's offset and M flag are set
 * by hand here.
 */
static void frag6_case(const char *name, __u16 fo, bool syn_mss, int expect_ret,
		       int ev, bool clamped)
{
	static __u8 in[PKT_MAX], exp[PKT_MAX];
	struct pkt_spec s = { S6, M1460, .ext = { 44 }, .n_ext = 1,
			      .payload_len = 40 };
	struct run_out o;
	size_t len, elen;
	char why[160] = "";
	struct vta_stats st;
	bool ok;

	if (!syn_mss) {
		s.tcp_opts_len = 0;
		s.payload_len = 0;
	}
	E.cur = VTA_PROG_TUN_OUT;
	stats_clear();
	setup_out();
	len = pkt_build(&s, in);
	/* fragment header at 14 + 40: offset/M at +2 */
	in[14 + 40 + 2] = fo >> 8;
	in[14 + 40 + 3] = fo & 0xff;
	memcpy(exp, in, len);
	elen = len;
	if (clamped) {
		struct pkt_spec e = s;

		e.tcp_opts[2] = OUT6 >> 8;
		e.tcp_opts[3] = OUT6 & 0xff;
		elen = pkt_build(&e, exp);
		exp[14 + 40 + 2] = fo >> 8;
		exp[14 + 40 + 3] = fo & 0xff;
	}
	if (run_prog(VTA_PROG_TUN_OUT, in, len, 0, 0, 0, &o)) {
		result(name, false, "test run failed");
		return;
	}
	ok = o.ret == expect_ret && o.len == elen && !memcmp(o.data, exp, elen);
	if (!ok)
		snprintf(why, sizeof(why), "returned %d (want %d), %u bytes%s",
			 o.ret, expect_ret, o.len,
			 o.len == elen && memcmp(o.data, exp, elen)
				 ? ", output differs"
				 : "");
	if (ok && ev != NO_EV &&
	    (vta_stats_read(&E.m, SLOT_IN, &st) || st.c[ev].packets != 1)) {
		ok = false;
		snprintf(why, sizeof(why), "event %s not counted",
			 vta_counter_name(ev));
	}
	result(name, ok, "%s", why);
}

void fixtures_out(void)
{
	RUN_TABLE(out);
	frag6_case("out6 first fragment (M set): clamped", 0x0001, true, ACT_OK,
		   VTA_EV_OUT_MSS_CLAMPED, true);
	frag6_case("out6 header-only first fragment without mss: no insertion",
		   0x0001, false, ACT_OK, NO_EV, false);
	frag6_case("out6 non-first fragment with syn bytes: untouched", 3 << 3,
		   true, ACT_OK, NO_EV, false);
}
