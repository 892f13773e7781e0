// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ECMP fixtures: many flows spread by weight; one flow always takes the
 * same member; the member is the one vta_hash.h (the contract `vtiaccel
 * lookup` uses too) names for the packet's 5-tuple.
 */
#include <arpa/inet.h>
#include <string.h>
#include "fx.h"
#include "vta_hash.h"

#define GID	5

static void setup_ecmp(__u16 w1, __u16 w2, __u32 seed)
{
	struct vta_nh two[2] = { nh_tun(IF_TUN1, w1), nh_tun(IF_TUN2, w2) };

	setup_lan();
	set_config(3600ULL * 1000000000ULL, seed, VTA_CFG_F_FORWARD);
	add_group(GID, 2, two);
	add_route("172.16.0.0/16", VTA_RT_UNICAST, GID, VTA_RT_F_VIA_TUNNEL);
	add_route("fd00:16::/32", VTA_RT_UNICAST, GID, VTA_RT_F_VIA_TUNNEL);
}

/* Flow i: varying source address and ports. */
static void flow_spec(int family, int i, __u8 proto, char *src, char *dst,
		      struct pkt_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->family = family;
	s->proto = proto;
	s->payload_len = 8;
	if (family == 4) {
		/* from 10.1.0.2: 10.1.0.1 is the gateway's own */
		sprintf(src, "10.1.%d.%d", ((i + 2) >> 8) & 0xff, (i + 2) & 0xff);
		sprintf(dst, "172.16.%d.%d", (i * 7 >> 8) & 0xff, (i * 7) & 0xff);
	} else {
		sprintf(src, "fd00:1::%x", i + 2);
		sprintf(dst, "fd00:16::%x", i * 7 + 1);
	}
	s->src = src;
	s->dst = dst;
	s->sport = 1024 + i * 13;
	s->dport = proto == 6 ? 443 : 53;
	s->tcp_flags = 0x10;
}

/* Run one packet; returns the slot that sent it, or -1. */
static int send_one(const struct pkt_spec *s)
{
	static __u8 buf[PKT_MAX];
	struct run_out o;
	size_t len = pkt_build(s, buf);

	stats_clear();
	if (run_prog(VTA_PROG_LAN, buf, len, 0, 0, 0, &o) ||
	    o.ret != ACT_REDIRECT)
		return -1;
	return tx_slot_moved();
}

/* The member the contract says: hash of the 5-tuple as in the packet. */
static int expected_slot(const struct pkt_spec *s, __u16 w1, __u16 w2,
			 __u32 seed)
{
	struct vta_group g = { .n_paths = 2, .total_weight = w1 + w2 };
	__u32 sa[4] = {}, da[4] = {}, ports = 0, h;

	g.paths[0] = nh_tun(IF_TUN1, w1);
	g.paths[1] = nh_tun(IF_TUN2, w2);
	inet_pton(s->family == 4 ? AF_INET : AF_INET6, s->src, sa);
	inet_pton(s->family == 4 ? AF_INET : AF_INET6, s->dst, da);
	if (s->proto == 6 || s->proto == 17)
		ports = (__u32)htons(s->sport) << 16 | htons(s->dport);
	h = s->family == 4 ? vta_flow_hash4(sa[0], da[0], ports, s->proto, seed) :
			     vta_flow_hash6(sa, da, ports, s->proto, seed);
	return vta_group_pick(&g, h) == 0 ? SLOT_TUN1 : SLOT_TUN2;
}

static void distribution(int family, __u8 proto, __u16 w1, __u16 w2)
{
	char src[64], dst[64], name[128];
	int i, n = 4000, c1 = 0, c2 = 0, bad = 0, slot;
	double share, want = (double)w1 / (w1 + w2);
	struct pkt_spec s;

	setup_ecmp(w1, w2, 0x5eed);
	for (i = 0; i < n; i++) {
		flow_spec(family, i, proto, src, dst, &s);
		slot = send_one(&s);
		if (slot == SLOT_TUN1)
			c1++;
		else if (slot == SLOT_TUN2)
			c2++;
		else
			bad++;
	}
	share = (double)c1 / n;
	snprintf(name, sizeof(name),
		 "ecmp%d %s weights %u:%u, %d flows: %d/%d", family,
		 proto == 6 ? "tcp" : "udp", w1, w2, n, c1, c2);
	/* +-4 points is > 5 standard deviations at 4000 flows */
	result(name, !bad && share > want - 0.04 && share < want + 0.04,
	       "share %.3f, expected %.3f, %d not forwarded", share, want, bad);
}

static void contract(int family, __u8 proto, __u16 w1, __u16 w2, __u32 seed)
{
	char src[64], dst[64], name[128];
	int i, n = 300, wrong = 0, first = -1;
	struct pkt_spec s;

	setup_ecmp(w1, w2, seed);
	for (i = 0; i < n; i++) {
		flow_spec(family, i, proto, src, dst, &s);
		if (send_one(&s) != expected_slot(&s, w1, w2, seed)) {
			wrong++;
			if (first < 0)
				first = i;
		}
	}
	snprintf(name, sizeof(name),
		 "ecmp%d %s member = vta_hash.h pick (seed %#x, %u:%u)",
		 family, proto == 6 ? "tcp" : proto == 17 ? "udp" : "icmp",
		 seed, w1, w2);
	result(name, !wrong, "%d of %d flows differ (first: flow %d)", wrong,
	       n, first);
}

static void sticky(int family)
{
	char src[64], dst[64], name[96];
	int i, first, moved = 0;
	struct pkt_spec s;

	setup_ecmp(1, 1, 0x5eed);
	flow_spec(family, 42, 6, src, dst, &s);
	first = send_one(&s);
	for (i = 0; i < 100; i++) {
		s.payload_len = i % 40;	/* other packets of the flow */
		s.tcp_flags = i % 3 ? 0x18 : 0x10;
		if (send_one(&s) != first)
			moved++;
	}
	snprintf(name, sizeof(name), "ecmp%d one flow, 100 packets, one member",
		 family);
	result(name, first > 0 && !moved, "first %d, %d moved", first, moved);
}

static void seed_matters(int family)
{
	char src[64], dst[64], name[96];
	int i, differ = 0;
	struct pkt_spec s;

	for (i = 0; i < 64; i++) {
		int a, b;

		flow_spec(family, i, 17, src, dst, &s);
		setup_ecmp(1, 1, 1);
		a = send_one(&s);
		setup_ecmp(1, 1, 2);
		b = send_one(&s);
		differ += a != b;
	}
	snprintf(name, sizeof(name), "ecmp%d the hash seed changes the pick",
		 family);
	result(name, differ > 8 && differ < 56, "%d of 64 flows moved", differ);
}

/*
 * A group with a bucket table: the member is the one its bucket names,
 * not the hash-threshold share (the table below gives member 1 every
 * third bucket, which hash-threshold over 1:1 weights never would), and
 * a table naming a member the group does not have falls back to
 * hash-threshold instead of dropping or reading past the members.
 */
static void buckets(int family, bool broken)
{
	struct vta_nh two[2] = { nh_tun(IF_TUN1, 1), nh_tun(IF_TUN2, 1) };
	__u8 tab[VTA_GROUP_BUCKETS];
	char src[64], dst[64], name[128];
	int i, n = 600, wrong = 0, first = -1, c2 = 0;
	struct pkt_spec s;

	for (i = 0; i < VTA_GROUP_BUCKETS; i++)
		tab[i] = broken ? 7 : i % 3 == 0;
	setup_ecmp(1, 1, 0x5eed);
	add_group_buckets(GID, 2, two, tab);
	for (i = 0; i < n; i++) {
		__u32 sa[4] = {}, da[4] = {}, ports, h;
		int want, got;

		flow_spec(family, i, 17, src, dst, &s);
		inet_pton(family == 4 ? AF_INET : AF_INET6, s.src, sa);
		inet_pton(family == 4 ? AF_INET : AF_INET6, s.dst, da);
		ports = (__u32)htons(s.sport) << 16 | htons(s.dport);
		h = family == 4 ? vta_flow_hash4(sa[0], da[0], ports, 17, 0x5eed) :
				  vta_flow_hash6(sa, da, ports, 17, 0x5eed);
		if (broken)
			want = expected_slot(&s, 1, 1, 0x5eed);
		else
			want = tab[((__u64)h * VTA_GROUP_BUCKETS) >> 32] ?
				       SLOT_TUN2 : SLOT_TUN1;
		got = send_one(&s);
		c2 += got == SLOT_TUN2;
		if (got != want) {
			wrong++;
			if (first < 0)
				first = i;
		}
	}
	snprintf(name, sizeof(name), "ecmp%d %s: %d of %d flows on member 2",
		 family,
		 broken ? "bucket table naming no member -> hash-threshold" :
			  "bucket table picks the member",
		 c2, n);
	/* the table's share (1/3) shows, not hash-threshold's 1/2 */
	result(name, !wrong && (broken || (c2 > n / 4 && c2 < n * 5 / 12)),
	       "%d of %d flows differ (first: flow %d)", wrong, n, first);
}

void fixtures_ecmp(void)
{
	int fam;

	E.cur = VTA_PROG_LAN;
	for (fam = 4; fam <= 6; fam += 2) {
		distribution(fam, 17, 1, 1);
		distribution(fam, 6, 1, 3);
		distribution(fam, 17, 200, 56);
		contract(fam, 17, 1, 1, 0x5eed);
		contract(fam, 6, 2, 5, 0xdeadbeef);
		contract(fam, fam == 4 ? 1 : 58, 1, 1, 7);
		sticky(fam);
		seed_matters(fam);
		buckets(fam, false);
		buckets(fam, true);
	}
}
