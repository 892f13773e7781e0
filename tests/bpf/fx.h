/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * fx.h - shared map topologies and packet shorthands for the fixture
 * tables.  Tables start from a base packet and override fields, so GCC's
 * -Woverride-init is off in the fixture files only.
 */
#ifndef VTA_TEST_FX_H
#define VTA_TEST_FX_H

#pragma GCC diagnostic ignored "-Woverride-init"

#include <linux/pkt_cls.h>
#include <stdio.h>
#include <bpf/bpf.h>
#include "harness.h"

/* Base packets: LAN host 10.1.0.10 / fd00:1::10 to the VPC 172.31.1.20 /
 * fd00:31::20. */
#define UDP4	.family = 4, .proto = 17, .sport = 40000, .dport = 53, \
		.payload_len = 8
#define UDP6	.family = 6, .proto = 17, .sport = 40000, .dport = 53, \
		.payload_len = 8
#define TCP4	.family = 4, .proto = 6, .sport = 40001, .dport = 443, \
		.tcp_flags = 0x10, .payload_len = 16
#define TCP6	.family = 6, .proto = 6, .sport = 40001, .dport = 443, \
		.tcp_flags = 0x10, .payload_len = 16
#define SYN4	.family = 4, .proto = 6, .sport = 40002, .dport = 22, \
		.tcp_flags = 0x02
#define SYN6	.family = 6, .proto = 6, .sport = 40002, .dport = 22, \
		.tcp_flags = 0x02
#define ICMP4	.family = 4, .proto = 1, .payload_len = 8
#define ICMP6	.family = 6, .proto = 58, .payload_len = 8

/* Forwarded LAN -> vti1, and the same packet one hop later. */
#define TO_TUN1	.ret = ACT_REDIRECT, .counter = VTA_FWD_TO_TUNNEL, \
		.tx_slot = SLOT_TUN1, .out_spec = true
#define TO_LAN2	.ret = ACT_REDIRECT, .counter = VTA_FWD_TO_LAN, \
		.tx_slot = SLOT_LAN2, .out_spec = true
#define TO_LAN	.ret = ACT_REDIRECT, .counter = VTA_FWD_TO_LAN, \
		.tx_slot = SLOT_LAN, .out_spec = true
#define PASS(c)	.ret = ACT_OK, .counter = VTA_##c
#define DROP(c)	.ret = ACT_SHOT, .counter = VTA_##c

#define MSS4	1379
#define MSS6	1359

/* Topologies (each resets every map first). */
void setup_lan(void);		/* ingress = LAN; vti1, vti2, lan2 */
void setup_tun(void);		/* ingress = tunnel (vti1 role); lan, vti2 */
void setup_wan(void);		/* ingress = WAN; ESP peers */

void sweep_truncations(enum vta_prog prog, void (*setup)(void),
		       const char *tag, int counter, int counter_slot);
void sweep_l4_cuts(enum vta_prog prog, void (*setup)(void), bool to_tunnel,
		   const char *tag);
void setup_tun_clamp_in(void);
void run_table(const struct fx *t, int n);
#define RUN_TABLE(t) run_table(t, sizeof(t) / sizeof(t[0]))

#endif
