// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * MSS clamp fixtures: every TCP option layout of docs/kernel-facts.md
 * ("xt_TCPMSS, the MSS reference"), IPv4 and IPv6, SYN and SYN-ACK,
 * LAN -> tunnel (clamp of the egress) and tunnel -> LAN (clamp on
 * arrival).  Each case states by hand which option the kernel's rule
 * would change; the expected packet is built from that.
 */
#include <string.h>
#include "fx.h"

enum { E_NONE, E_CLAMP, E_INSERT, E_DROP };
#define EQ	(-1)		/* MSS value = the clamp */
#define BELOW	(-2)		/* MSS value = clamp - 1 */
#define MSSX	2, 4, 0, 0	/* an MSS option; value from .val */
#define TS	8, 10, 1, 2, 3, 4, 5, 6, 7, 8
#define N4	1, 1, 1, 1
#define N36	N4, N4, N4, N4, N4, N4, N4, N4, N4

struct mss_case {
	const char *name;
	__u8 opts[40];
	int len;
	int mss_at;		/* kind byte of the MSS whose value is .val */
	int val;
	int expect;
	int clamp_at;		/* E_CLAMP: kind byte of the option lowered */
	__u8 flags;		/* 0: SYN */
	int payload;
	int doff;
	int l4_keep;
};

static const struct mss_case cases[] = {
	{ "mss only", { MSSX }, 4, 0, 1460, E_CLAMP, 0 },
	{ "mss equal to the clamp", { MSSX }, 4, 0, EQ, E_NONE },
	{ "mss one below the clamp", { MSSX }, 4, 0, BELOW, E_NONE },
	{ "mss 1200 below", { MSSX }, 4, 0, 1200, E_NONE },
	{ "mss 0 never raised", { MSSX }, 4, 0, 0, E_NONE },
	{ "mss 65535", { MSSX }, 4, 0, 65535, E_CLAMP, 0 },
	{ "linux syn: mss,sackperm,ts,nop,ws",
	  { MSSX, 4, 2, TS, 1, 3, 3, 7 }, 20, 0, 1460, E_CLAMP, 0 },
	{ "mss last after timestamps", { 1, 1, TS, MSSX }, 16, 12, 1460,
	  E_CLAMP, 12 },
	{ "mss after sack-perm", { 4, 2, MSSX }, 6, 2, 1460, E_CLAMP, 2 },
	{ "nop,mss (odd offset)", { 1, MSSX }, 5, 1, 1460, E_CLAMP, 1 },
	{ "nop,nop,nop,mss (odd offset)", { 1, 1, 1, MSSX }, 7, 3, 8960,
	  E_CLAMP, 3 },
	{ "eol,mss (eol does not end the scan)", { 0, MSSX }, 5, 1, 1460,
	  E_CLAMP, 1 },
	{ "eol,eol,mss", { 0, 0, MSSX }, 6, 2, 1460, E_CLAMP, 2 },
	{ "zero-length option, then mss", { 0x22, 0, MSSX }, 6, 2, 1460,
	  E_CLAMP, 2 },
	{ "length-1 option, then mss", { 0x22, 1, MSSX }, 6, 2, 1460,
	  E_CLAMP, 2 },
	{ "ws, then mss at odd offset", { 3, 3, 7, MSSX }, 7, 3, 1460,
	  E_CLAMP, 3 },
	{ "overlong option hides the mss", { 0x22, 40, MSSX }, 6, 2, 1460,
	  E_INSERT },
	{ "option running past doff", { 0x22, 10, MSSX, 0, 0 }, 8, 2, 1460,
	  E_INSERT },
	{ "mss of length 5", { 2, 5, 5, 0xb4, 0 }, 5, -1, 0, E_INSERT },
	{ "mss of length 3", { 2, 3, 5, 0xb4 }, 4, -1, 0, E_INSERT },
	{ "mss of length 2", { 2, 2, 1, 1 }, 4, -1, 0, E_INSERT },
	{ "mss of length 0", { 2, 0, 5, 0xb4 }, 4, -1, 0, E_INSERT },
	{ "valid mss after a length-5 mss", { 2, 5, 0, 0, 0, MSSX }, 9, 5,
	  1460, E_CLAMP, 5 },
	{ "first mss below counts, second above ignored",
	  { 2, 4, 4, 0xb0, MSSX }, 8, 4, 1460, E_NONE },
	{ "first mss above clamped, second untouched",
	  { MSSX, 2, 4, 5, 0xb4 }, 8, 0, 1460, E_CLAMP, 0 },
	{ "no options", { 0 }, 0, -1, 0, E_INSERT },
	{ "only nops", { N4, N4 }, 8, -1, 0, E_INSERT },
	{ "only eols", { 0 }, 8, -1, 0, E_INSERT },
	{ "sack-perm + timestamps, no mss", { 4, 2, TS }, 12, -1, 0,
	  E_INSERT },
	{ "36 bytes of options, no mss (doff 14 -> 15)", { N36 }, 36, -1, 0,
	  E_INSERT },
	{ "40 bytes of options, no mss (doff 15: none)", { N36, N4 }, 40, -1,
	  0, E_NONE },
	{ "mss in the last 4 of 40 bytes", { N36, MSSX }, 40, 36, 1460,
	  E_CLAMP, 36 },
	{ "mss straddling the end of 40 bytes", { N36, 1, 2, 4, 5 }, 40, -1,
	  0, E_NONE },
	{ "mss cut by the data offset", { N4, N4, N4, N4, N4, 1, 1, 2, 4 },
	  24, -1, 0, E_INSERT },
	{ "syn with payload, no mss: nothing", { 0 }, 0, -1, 0, E_NONE,
	  .payload = 10 },
	{ "syn with payload, mss clamped", { MSSX }, 4, 0, 1460, E_CLAMP, 0,
	  .payload = 10 },
	{ "syn-ack mss clamped", { MSSX }, 4, 0, 1460, E_CLAMP, 0,
	  .flags = 0x12 },
	{ "syn-ack without mss: inserted", { 4, 2, 1, 1 }, 4, -1, 0,
	  E_INSERT, .flags = 0x12 },
	{ "syn+fin clamped (syn set, rst clear)", { MSSX }, 4, 0, 1460,
	  E_CLAMP, 0, .flags = 0x03 },
	{ "syn+rst untouched", { MSSX }, 4, 0, 1460, E_NONE, .flags = 0x06 },
	{ "ack with an mss option untouched", { MSSX }, 4, 0, 1460, E_NONE,
	  .flags = 0x10 },
	{ "rst without options untouched", { 0 }, 0, -1, 0, E_NONE,
	  .flags = 0x04 },
	{ "syn doff 4: dropped", { 0 }, 0, -1, 0, E_DROP, .doff = 4 },
	{ "syn doff 0: dropped", { 0 }, 0, -1, 0, E_DROP, .doff = -1 },
	{ "ack doff 4: forwarded (the rule does not match)", { 0 }, 0, -1, 0,
	  E_NONE, .flags = 0x10, .doff = 4 },
	{ "syn doff past the end: dropped", { 0 }, 0, -1, 0, E_DROP,
	  .doff = 10 },
	{ "ack doff past the end: forwarded", { 0 }, 0, -1, 0, E_NONE,
	  .flags = 0x10, .doff = 10 },
	{ "syn cut at 19 tcp bytes: dropped", { 0 }, 0, -1, 0, E_DROP,
	  .l4_keep = 19 },
	{ "syn cut at 14 tcp bytes: dropped", { 0 }, 0, -1, 0, E_DROP,
	  .l4_keep = 14 },
	{ "syn cut at 13 tcp bytes (no flags byte): forwarded", { 0 }, 0, -1,
	  0, E_NONE, .l4_keep = 13 },
	{ "ack cut at 12 tcp bytes: forwarded", { 0 }, 0, -1, 0, E_NONE,
	  .flags = 0x10, .l4_keep = 12 },
	{ "ack cut at 16 tcp bytes: forwarded", { 0 }, 0, -1, 0, E_NONE,
	  .flags = 0x10, .l4_keep = 16 },
	{ "syn with mss, options cut: dropped", { MSSX }, 4, 0, 1460, E_DROP,
	  .l4_keep = 22 },
};

#define NCASES ((int)(sizeof(cases) / sizeof(cases[0])))
#define CASE_MSS_ONLY	0
#define CASE_NO_OPTS	25

/* Fill in/out specs for one case. */
static void make_specs(const struct mss_case *c, int family, __u16 clamp,
		       __u16 ins, const char *src, const char *dst,
		       struct pkt_spec *in, struct pkt_spec *out)
{
	int padded = (c->len + 3) & ~3;

	memset(in, 0, sizeof(*in));
	in->family = family;
	in->proto = 6;
	in->sport = 40100;
	in->dport = 443;
	in->src = src;
	in->dst = dst;
	in->tcp_flags = c->flags ? c->flags : 0x02;
	memcpy(in->tcp_opts, c->opts, c->len);
	in->tcp_opts_len = c->len;
	in->doff = c->doff;
	in->payload_len = c->payload;
	in->l4_keep = c->l4_keep;
	if (c->mss_at >= 0) {
		int v = c->val == EQ ? clamp : c->val == BELOW ? clamp - 1 :
								c->val;

		in->tcp_opts[c->mss_at + 2] = v >> 8;
		in->tcp_opts[c->mss_at + 3] = v & 0xff;
	}
	*out = *in;
	out->ttl = 63;
	if (c->expect == E_CLAMP) {
		out->tcp_opts[c->clamp_at + 2] = clamp >> 8;
		out->tcp_opts[c->clamp_at + 3] = clamp & 0xff;
	} else if (c->expect == E_INSERT) {
		out->tcp_opts[0] = 2;
		out->tcp_opts[1] = 4;
		out->tcp_opts[2] = ins >> 8;
		out->tcp_opts[3] = ins & 0xff;
		memset(out->tcp_opts + 4, 0, 36);
		memcpy(out->tcp_opts + 4, in->tcp_opts, c->len);
		out->tcp_opts_len = 4 + padded;
	}
}

static __u16 g_mss4 = MSS4, g_mss6 = MSS6;

static void setup_lan_mss500(void)
{
	setup_lan();
	add_iface(IF_TUN1, VTA_ROLE_TUNNEL, SLOT_TUN1, 1436, 500, 500,
		  VTA_IF_F_UP | VTA_IF_F_SA_UP, 100, 0xffffffff);
}

/* Tunnel ingress, clamp on arrival only (the LAN has no MSS set). */
void setup_tun_clamp_in(void)
{
	setup_tun();
	add_iface(IF_IN, VTA_ROLE_TUNNEL, SLOT_IN, 1436, g_mss4, g_mss6,
		  VTA_IF_F_UP | VTA_IF_F_SA_UP | VTA_IF_F_L2 |
		  VTA_IF_F_CLAMP_IN, 0, 0);
}

/* Tunnel ingress without CLAMP_IN but the LAN egress clamps. */
static void setup_tun_clamp_out(void)
{
	setup_tun();
	add_iface(IF_IN, VTA_ROLE_TUNNEL, SLOT_IN, 1436, 1000, 1000,
		  VTA_IF_F_UP | VTA_IF_F_SA_UP | VTA_IF_F_L2, 0, 0);
	add_iface(IF_LAN, VTA_ROLE_LAN, SLOT_LAN, 1500, g_mss4, g_mss6,
		  VTA_IF_F_UP | VTA_IF_F_L2, 0, 0);
}

/* Both clamp: the lower wins (LAN 1300 vs tunnel 1379/1359). */
static void setup_tun_clamp_both(void)
{
	setup_tun_clamp_in();
	add_iface(IF_LAN, VTA_ROLE_LAN, SLOT_LAN, 1500, 1300, 1300,
		  VTA_IF_F_UP | VTA_IF_F_L2, 0, 0);
}

static void run_case(const struct mss_case *c, int family, const char *tag,
		     enum vta_prog prog, void (*setup)(void), __u16 clamp,
		     bool to_tunnel)
{
	__u16 ins = family == 4 ? (clamp < 536 ? clamp : 536) :
				  (clamp < 1220 ? clamp : 1220);
	const char *src, *dst;
	char name[160];
	struct fx f = { .name = name, .prog = prog, .setup = setup };

	if (to_tunnel) {
		src = family == 4 ? "10.1.0.10" : "fd00:1::10";
		dst = family == 4 ? "172.31.1.20" : "fd00:31::20";
	} else {
		src = family == 4 ? "172.31.1.20" : "fd00:31::20";
		dst = family == 4 ? "10.1.0.10" : "fd00:1::10";
	}
	make_specs(c, family, clamp, ins, src, dst, &f.in, &f.out);
	snprintf(name, sizeof(name), "%s%d %s", tag, family, c->name);
	switch (c->expect) {
	case E_DROP:
		f.ret = ACT_SHOT;
		f.counter = VTA_DROP_TCP_HDR;
		break;
	default:
		f.ret = ACT_REDIRECT;
		f.counter = to_tunnel ? VTA_FWD_TO_TUNNEL : VTA_FWD_TO_LAN;
		f.tx_slot = to_tunnel ? SLOT_TUN1 : SLOT_LAN;
		f.out_spec = true;
		f.ev = c->expect == E_CLAMP ? VTA_EV_MSS_CLAMPED :
		       c->expect == E_INSERT ? VTA_EV_MSS_INSERTED : NO_EV;
	}
	run_fx(&f);
}

static const struct mss_case plain_syn = { "syn untouched without a clamp",
	{ MSSX }, 4, 0, 1460, E_NONE };
static const struct mss_case plain_doff4 = { "doff 4 forwarded without a clamp",
	{ 0 }, 0, -1, 0, E_NONE, .doff = 4 };

/*
 * SYNs the kernel gets (IPv4 options, IPv6 extension headers) are still
 * clamped as the rule would: passed, with the MSS lowered or inserted.
 */
#define OPT4	.ip_opts = { 0x94, 4, 0, 0 }, .ip_opts_len = 4	/* RA */
#define SYNM4	.family = 4, .proto = 6, .sport = 40200, .dport = 443, \
		.tcp_flags = 0x02, .tcp_opts_len = 4
#define SYNM6	.family = 6, .proto = 6, .sport = 40200, .dport = 443, \
		.tcp_flags = 0x02, .tcp_opts_len = 4
#define MSS1460	.tcp_opts = { 2, 4, 0x05, 0xb4 }
#define LM	.prog = VTA_PROG_LAN, .setup = setup_lan

static const struct fx passed[] = {
	{ "mss4 ip options: passed, clamped", LM,
	  .in = { SYNM4, OPT4, MSS1460 }, PASS(PASS_IP_OPTIONS),
	  .ev = VTA_EV_MSS_CLAMPED, .out_spec = true,
	  .out = { SYNM4, OPT4, .tcp_opts = { 2, 4, MSS4 >> 8, MSS4 & 0xff } } },
	{ "mss4 ip options: passed, mss inserted", LM,
	  .in = { SYNM4, OPT4, .tcp_opts_len = 0 }, PASS(PASS_IP_OPTIONS),
	  .ev = VTA_EV_MSS_INSERTED, .out_spec = true,
	  .out = { SYNM4, OPT4, .tcp_opts = { 2, 4, 536 >> 8, 536 & 0xff } } },
	{ "mss4 ip options, 1200: passed untouched", LM,
	  .in = { SYNM4, OPT4, .tcp_opts = { 2, 4, 0x04, 0xb0 } },
	  PASS(PASS_IP_OPTIONS) },
	{ "mss4 ip options to lan2 (no clamp): untouched", LM,
	  .in = { SYNM4, OPT4, MSS1460, .dst = "10.3.0.9" },
	  PASS(PASS_IP_OPTIONS) },
	{ "mss4 ip options, no route: untouched", LM,
	  .in = { SYNM4, OPT4, MSS1460, .dst = "198.51.100.1" },
	  PASS(PASS_IP_OPTIONS) },
	{ "mss4 ip options + fragment: untouched", LM,
	  .in = { SYNM4, OPT4, MSS1460, .frag = 0x2000 },
	  PASS(PASS_IP_OPTIONS) },
	{ "mss4 ip options, ack: untouched", LM,
	  .in = { SYNM4, OPT4, MSS1460, .tcp_flags = 0x10 },
	  PASS(PASS_IP_OPTIONS) },
	{ "mss4 ip options, bad header checksum: passed unchanged", LM,
	  .in = { SYNM4, OPT4, MSS1460, .bad_ip_csum = true },
	  PASS(PASS_MALFORMED) },
	{ "mss4 ip options, bad header checksum, tunnel ingress: unchanged",
	  .prog = VTA_PROG_TUNNEL, .setup = setup_tun_clamp_in,
	  .in = { SYNM4, OPT4, MSS1460, .bad_ip_csum = true,
		  .src = "172.31.1.20", .dst = "10.1.0.10" },
	  PASS(PASS_MALFORMED) },
	{ "mss4 ip options, doff 4 syn: dropped", LM,
	  .in = { SYNM4, OPT4, .tcp_opts_len = 0, .doff = 4 },
	  DROP(DROP_TCP_HDR) },
	{ "mss6 hop-by-hop: passed, clamped", LM,
	  .in = { SYNM6, MSS1460, .ext = { 0 }, .n_ext = 1 },
	  PASS(PASS_EXT_HDR), .ev = VTA_EV_MSS_CLAMPED, .out_spec = true,
	  .out = { SYNM6, .ext = { 0 }, .n_ext = 1,
		   .tcp_opts = { 2, 4, MSS6 >> 8, MSS6 & 0xff } } },
	{ "mss6 dest opts: passed, clamped", LM,
	  .in = { SYNM6, MSS1460, .ext = { 60 }, .n_ext = 1 },
	  PASS(PASS_EXT_HDR), .ev = VTA_EV_MSS_CLAMPED, .out_spec = true,
	  .out = { SYNM6, .ext = { 60 }, .n_ext = 1,
		   .tcp_opts = { 2, 4, MSS6 >> 8, MSS6 & 0xff } } },
	{ "mss6 hop-by-hop + routing + dest opts: passed, clamped", LM,
	  .in = { SYNM6, MSS1460, .ext = { 0, 43, 60 }, .n_ext = 3 },
	  PASS(PASS_EXT_HDR), .ev = VTA_EV_MSS_CLAMPED, .out_spec = true,
	  .out = { SYNM6, .ext = { 0, 43, 60 }, .n_ext = 3,
		   .tcp_opts = { 2, 4, MSS6 >> 8, MSS6 & 0xff } } },
	{ "mss6 dest opts, no mss: passed, inserted", LM,
	  .in = { SYNM6, .tcp_opts_len = 0, .ext = { 60 }, .n_ext = 1 },
	  PASS(PASS_EXT_HDR), .ev = VTA_EV_MSS_INSERTED, .out_spec = true,
	  .out = { SYNM6, .ext = { 60 }, .n_ext = 1,
		   .tcp_opts = { 2, 4, 1220 >> 8, 1220 & 0xff } } },
	{ "mss6 AH (not skipped by the rule): untouched", LM,
	  .in = { SYNM6, MSS1460, .ext = { 51 }, .n_ext = 1 },
	  PASS(PASS_EXT_HDR) },
	{ "mss6 fragment header: untouched", LM,
	  .in = { SYNM6, MSS1460, .ext = { 44 }, .n_ext = 1 },
	  PASS(PASS_FRAGMENT) },
	{ "mss6 hop-by-hop to lan2 (no clamp): untouched", LM,
	  .in = { SYNM6, MSS1460, .ext = { 0 }, .n_ext = 1,
		  .dst = "fd00:3::9" }, PASS(PASS_EXT_HDR) },
};

void fixtures_mss(void)
{
	RUN_TABLE(passed);

	int i, fam;

	if (strcmp(cases[CASE_NO_OPTS].name, "no options") ||
	    strcmp(cases[CASE_MSS_ONLY].name, "mss only")) {
		result("mss case table", false, "CASE_* indexes are stale");
		return;
	}

	for (fam = 4; fam <= 6; fam += 2) {
		__u16 clamp = fam == 4 ? MSS4 : MSS6;

		for (i = 0; i < NCASES; i++)
			run_case(&cases[i], fam, "mss lan->tun", VTA_PROG_LAN,
				 setup_lan, clamp, true);
		for (i = 0; i < NCASES; i++)
			run_case(&cases[i], fam, "mss tun->lan clamp-in",
				 VTA_PROG_TUNNEL, setup_tun_clamp_in, clamp,
				 false);
	}
	/* Clamp selection on tunnel ingress, and a low clamp's insertion. */
	for (fam = 4; fam <= 6; fam += 2) {
		__u16 clamp = fam == 4 ? MSS4 : MSS6;

		run_case(&cases[CASE_MSS_ONLY], fam, "mss tun->lan lan egress clamp",
			 VTA_PROG_TUNNEL, setup_tun_clamp_out, clamp, false);
		run_case(&cases[CASE_NO_OPTS], fam,
			 "mss tun->lan lan egress clamp",
			 VTA_PROG_TUNNEL, setup_tun_clamp_out, clamp, false);
		run_case(&cases[CASE_MSS_ONLY], fam, "mss tun->lan both clamp, lower wins",
			 VTA_PROG_TUNNEL, setup_tun_clamp_both, 1300, false);
		run_case(&cases[CASE_MSS_ONLY], fam, "mss lan->tun clamp 500",
			 VTA_PROG_LAN, setup_lan_mss500, 500, true);
		run_case(&cases[CASE_NO_OPTS], fam, "mss lan->tun clamp 500",
			 VTA_PROG_LAN, setup_lan_mss500, 500, true);
		/* LAN -> LAN: no clamp anywhere, SYNs only lose a hop */
		{
			struct fx f = { .prog = VTA_PROG_LAN, .setup = setup_lan };
			char name[96];

			make_specs(&plain_syn, fam, clamp, 0,
				   fam == 4 ? "10.1.0.10" : "fd00:1::10",
				   fam == 4 ? "10.3.0.9" : "fd00:3::9",
				   &f.in, &f.out);
			snprintf(name, sizeof(name), "mss%d lan->lan %s", fam,
				 plain_syn.name);
			f.name = name;
			f.ret = ACT_REDIRECT;
			f.counter = VTA_FWD_TO_LAN;
			f.tx_slot = SLOT_LAN2;
			f.out_spec = true;
			run_fx(&f);
			make_specs(&plain_doff4, fam, clamp, 0,
				   fam == 4 ? "10.1.0.10" : "fd00:1::10",
				   fam == 4 ? "10.3.0.9" : "fd00:3::9",
				   &f.in, &f.out);
			snprintf(name, sizeof(name), "mss%d lan->lan %s", fam,
				 plain_doff4.name);
			run_fx(&f);
		}
	}
	/* Tunnel ingress without any clamp: a SYN passes through as is. */
	for (fam = 4; fam <= 6; fam += 2)
		run_case(&plain_syn, fam, "mss tun->lan no clamp",
			 VTA_PROG_TUNNEL, setup_tun, 0, false);
}
