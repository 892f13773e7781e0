// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * IPv4 FIB fixtures: the programs' DIR-24-8 lookup (bpf/maps.h,
 * vta_fib4_lookup()) on tables written by the daemon's writer
 * (user/fib4.c): nested prefixes of every length, prefixes longer than
 * /24 (second-level blocks), deletes that hand addresses back to the
 * covering route, route types, and the programs' answer next to the
 * writer's own reader (`vtiaccel lookup` uses that one).
 */
#include <arpa/inet.h>
#include <string.h>
#include "fx.h"

/* The slot that sent dst's packet (LAN ingress), -1: passed; *pass gets
 * the verdict counter when passed. */
static int send_to(const char *dst, int *pass)
{
	static __u8 buf[PKT_MAX];
	struct pkt_spec s = { UDP4, .src = "10.1.0.10", .dst = dst };
	struct vta_stats st;
	struct run_out o;
	size_t len = pkt_build(&s, buf);
	int c;

	stats_clear();
	*pass = -1;
	if (run_prog(VTA_PROG_LAN, buf, len, 0, 0, 0, &o))
		return -2;
	if (o.ret == ACT_REDIRECT)
		return tx_slot_moved();
	if (!vta_stats_read(&E.m, SLOT_IN, &st))
		for (c = 0; c < VTA_COUNTER_MAX; c++)
			if (st.c[c].packets && VTA_COUNTER_IS(c, PASS))
				*pass = c;
	return -1;
}

static void expect(const char *name, const char *dst, int slot, int pass)
{
	const struct vta_fib4_slot *sl;
	struct in_addr a;
	int got_pass, got = send_to(dst, &got_pass);

	inet_pton(AF_INET, dst, &a);
	sl = vta_fib4_view_lookup(&E.fv, ntohl(a.s_addr));
	result(name, got == slot && (slot >= 0 || got_pass == pass),
	       "%s: slot %d (want %d), pass counter %d (want %d); "
	       "user-space reader: %s group %u",
	       dst, got, slot, got_pass, pass, sl ? "route" : "none",
	       sl ? sl->r.group_id : 0);
}

/* /0../32 nested at 203.0.113.77, alternately via vti1 and vti2; the
 * address that leaves the prefix's bits at bit 31 - len is matched by
 * /len and nothing longer. */
static void every_length(void)
{
	const __u32 base = 0xcb00714d; /* 203.0.113.77 */
	char pfx[32], dst[16], name[64];
	struct in_addr a;
	int len;

	setup_lan();
	for (len = 0; len <= 32; len++) {
		a.s_addr = htonl(len ? base & ~0U << (32 - len) : 0);
		snprintf(pfx, sizeof(pfx), "%s/%d", inet_ntoa(a), len);
		add_route(pfx, VTA_RT_UNICAST, len % 2 ? 8 : 1,
			  VTA_RT_F_VIA_TUNNEL);
	}
	for (len = 0; len <= 32; len++) {
		a.s_addr = htonl(len < 32 ? base ^ 1U << (31 - len) : base);
		snprintf(dst, sizeof(dst), "%s", inet_ntoa(a));
		snprintf(name, sizeof(name), "fib4 every length: /%d", len);
		/* setup_lan()'s own routes in 10/8, and addresses the
		 * parser passes before any lookup (0/8, loopback,
		 * multicast and above): not asked */
		switch (ntohl(a.s_addr) >> 24) {
		case 0:
		case 10:
		case 127:
		case 224 ... 255:
			continue;
		}
		expect(name, dst, len % 2 ? SLOT_TUN2 : SLOT_TUN1, 0);
	}
}

static void nested_and_deleted(void)
{
	setup_lan();
	add_route("198.51.100.0/24", VTA_RT_UNICAST, 1, VTA_RT_F_VIA_TUNNEL);
	add_route("198.51.100.128/25", VTA_RT_UNICAST, 8, VTA_RT_F_VIA_TUNNEL);
	add_route("198.51.100.200/32", VTA_RT_KERNEL, 0, 0);
	add_route("198.51.100.201/32", VTA_RT_LOCAL, 0, 0);
	expect("fib4 /24", "198.51.100.20", SLOT_TUN1, 0);
	expect("fib4 /25 in a block", "198.51.100.130", SLOT_TUN2, 0);
	expect("fib4 /32 kernel route shadows", "198.51.100.200", -1,
	       VTA_PASS_NO_ROUTE);
	expect("fib4 /32 local", "198.51.100.201", -1, VTA_PASS_LOCAL);
	expect("fib4 no route", "198.51.101.1", -1, VTA_PASS_NO_ROUTE);
	del_route4("198.51.100.128/25");
	expect("fib4 /25 deleted: the /24 again", "198.51.100.130", SLOT_TUN1,
	       0);
	expect("fib4 /32 after the /25 went", "198.51.100.200", -1,
	       VTA_PASS_NO_ROUTE);
	del_route4("198.51.100.200/32");
	del_route4("198.51.100.201/32");
	expect("fib4 /32 deleted: the /24 again", "198.51.100.200", SLOT_TUN1,
	       0);
	del_route4("198.51.100.0/24");
	expect("fib4 /24 deleted: no route", "198.51.100.20", -1,
	       VTA_PASS_NO_ROUTE);
	/* a changed route (new slot) is what the program reads next */
	add_route("198.51.100.0/24", VTA_RT_UNICAST, 1, VTA_RT_F_VIA_TUNNEL);
	add_route("198.51.100.0/24", VTA_RT_UNICAST, 8, VTA_RT_F_VIA_TUNNEL);
	expect("fib4 changed route", "198.51.100.20", SLOT_TUN2, 0);
}

void fixtures_fib4(void)
{
	E.cur = VTA_PROG_LAN;
	every_length();
	nested_and_deleted();
}
