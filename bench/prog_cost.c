// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * prog_cost - ns per packet of each vtiaccel program path, measured with
 * BPF_PROG_TEST_RUN, next to an empty tc program (r0 = 0; exit) run the
 * same way, with 1k, 100k and 1M random /24../32 routes in the FIB and
 * one destination or random ones.  IPv6 rows: the LPM trie vta_fib6 with
 * 1k, 100k and (its capacity, VTA_FIB6_MAX) 262k random /48../64 routes.
 *
 * Method: every measurement is a loop of test runs with repeat = 1, so
 * "single" and "random" differ only in the destination (random: a new
 * route for every packet, drawn from the FIB); the kernel reports the
 * time of the run itself (no syscall).  The empty program's time is the
 * floor (test-run harness, skb setup); "prog" = path - empty is what the
 * program costs.  "hot" runs one packet 1e6 times inside the kernel
 * (repeat): warm caches, no per-run timer overhead.  Test runs with
 * repeat reuse one skb, so for paths that rewrite the packet the repeat
 * is 200 (TTL 255 runs down to 55, still forwarded; the MSS is clamped
 * by the first run only, later runs scan and find it low enough).
 * The "loop" table runs every cell in the kernel too: a driver program
 * (bench/prog_cost.bpf.c) writes the next of the cell's packets over the
 * skb and tail-calls the path's program, repeat times per test run, so
 * random destinations are measured without a system call between two
 * packets.  On a kernel with page table isolation and no PCID (this
 * project's CI host) every system call flushes the TLB, so a test run of
 * repeat 1 starts with a cold TLB: the repeat-1 columns price every
 * 4 KiB page a path touches, the loop columns what a burst of packets in
 * one NAPI poll costs.  Loop cost = driver + path - driver + empty.
 * On a shared 2-core machine numbers move by +-20%: compare columns of
 * one run, not runs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "ifdata.h"
#include "loader.h"
#include "fib4.h"
#include "log.h"
#include "prog_cost.h"

#define IF_IN		1
#define IF_TUN		11
#define IF_TUN2		12
#define IF_LAN		22
#define N_RUNS		100000	/* test runs per measurement */

static struct vta_maps M;
static int prog_fd[VTA_PROG_MAX], empty_fd;
/* the in-kernel loop: driver program, its packets, control and target */
static int drv_fd, drv_pkts_fd, drv_ctl_fd, drv_next_fd;
/* anchors in bench/prog_cost.bpf.c, by program name */
static const char *const anchor_names[] = {
	"pc_fib4", "pc_ctr_percpu", "pc_ctr_array", "pc_hash_lookup",
};
#define N_ANCHORS (sizeof(anchor_names) / sizeof(anchor_names[0]))
static int anchor_fd[N_ANCHORS];
#define PROG_ANCHOR(i)	(VTA_PROG_MAX + 1 + (i))
#define LOOP		(-1)	/* run_path(): the driver's loop */
#define LOOP_REPEAT	20000
#define LOOP_RUNS	10
static __be32 *routes;		/* one address inside each random route */
static int n_routes;
static struct in6_addr *routes6;	/* likewise for the IPv6 trie */
static int n_routes6;
#define FIB6_CAP	((int)VTA_FIB6_MAX - 64)	/* room for the topology */

static __u32 rnd(void)
{
	static __u64 s = 0x9e3779b97f4a7c15ULL;

	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return (__u32)s;
}

static __u16 ip_csum(const __u8 *p, int len)
{
	__u32 sum = 0;
	int i;

	for (i = 0; i < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum;
}

/* Ethernet + IPv4 + UDP (64-byte frame) or TCP SYN with an MSS option;
 * proto 16 (not a protocol): a TCP ACK with the same option bytes. */
static int build(__u8 *b, __be32 src, __be32 dst, int proto)
{
	int l4 = proto == 6 || proto == 16 ? 24 : 8 + 22, len = 14 + 20 + l4;
	bool ack = proto == 16;
	__u8 *ip = b + 14, *t = ip + 20;
	__u16 c;

	memset(b, 0, len);
	/* destination all zeros: test_run's eth_type_trans() runs against
	 * lo, so only that is PACKET_HOST (the programs pass the rest) */
	b[6] = 2;
	b[11] = 1;
	b[12] = 0x08;
	ip[0] = 0x45;
	ip[2] = (20 + l4) >> 8; ip[3] = (20 + l4) & 0xff;
	ip[8] = 255;
	if (ack)
		proto = 6;
	ip[9] = proto;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	c = ip_csum(ip, 20);
	ip[10] = c >> 8; ip[11] = c & 0xff;
	t[0] = 0x9c; t[1] = 0x40; t[2] = 0x01; t[3] = 0xbb;
	if (proto == 6) {
		t[12] = 6 << 4;
		t[13] = ack ? 0x10 : 0x02;
		t[20] = 2; t[21] = 4; t[22] = 0x05; t[23] = 0xb4;
	} else {
		t[4] = l4 >> 8; t[5] = l4 & 0xff;
	}
	return len;
}

/* Ethernet + IPv6 + UDP + 2 bytes (64-byte frame). */
static int build6(__u8 *b, const struct in6_addr *src,
		  const struct in6_addr *dst)
{
	__u8 *ip = b + 14, *u = ip + 40;
	int l4 = 8 + 2;

	memset(b, 0, 14 + 40 + l4);
	b[6] = 2;
	b[11] = 1;
	b[12] = 0x86;
	b[13] = 0xdd;
	ip[0] = 0x60;
	ip[5] = l4;
	ip[6] = 17;
	ip[7] = 255;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	u[0] = 0x9c; u[1] = 0x40; u[2] = 0x01; u[3] = 0xbb;
	u[5] = l4;	/* checksum 0: the programs do not check it */
	return 14 + 40 + l4;
}

static void iface(__u32 ifindex, __u32 role, __u32 slot, __u16 mss, __u32 fl)
{
	struct vta_iface v = { .role = role, .slot = slot, .mtu = 1500,
			       .mss4 = mss, .mss6 = mss, .flags = fl };

	struct vta_ifdata *d = vta_ifdata_map(M.ifdata, true);

	if (!d || vta_iface_put(&M, d, ifindex, &v))
		fprintf(stderr, "prog_cost: write interface %u failed\n", ifindex);
	vta_ifdata_unmap(d);
}

/* The programs read the DIR-24-8 tables (user/fib4.h), written as the
 * daemon writes them. */
static struct vta_fib4 *F;

static void route(__be32 addr, int plen, __u32 gid)
{
	struct vta_route r = { .group_id = gid, .flags = VTA_RT_F_VIA_TUNNEL };
	int err = vta_fib4_put(F, ntohl(addr), plen, &r);

	if (err) {
		fprintf(stderr, "prog_cost: add route: %s\n", strerror(-err));
		exit(1);
	}
}

static void route6(const char *addr, int plen, __u32 gid)
{
	struct vta_route r = { .group_id = gid, .flags = VTA_RT_F_VIA_TUNNEL };
	struct vta_fib6_key k = { .prefixlen = plen };

	inet_pton(AF_INET6, addr, k.addr);
	if (bpf_map_update_elem(M.fib6, &k, &r, 0)) {
		fprintf(stderr, "prog_cost: add route %s/%d: %s\n", addr, plen,
			strerror(errno));
		exit(1);
	}
}

static void lease(__u32 flags, bool valid)
{
	struct vta_config c = { .hash_seed = 1, .flags = flags };
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (valid)
		c.lease_deadline_ns = (ts.tv_sec + 3600) * 1000000000ULL;
	vta_config_set(&M, &c);
}

static void topology(void)
{
	struct vta_group g = { .n_paths = 1, .total_weight = 1 };
	__u32 gid;

	iface(IF_TUN, VTA_ROLE_TUNNEL, 11, 1379,
	      VTA_IF_F_UP | VTA_IF_F_SA_UP);
	iface(IF_LAN, VTA_ROLE_LAN, 22, 0, VTA_IF_F_UP | VTA_IF_F_L2);
	g.paths[0] = (struct vta_nh){ .ifindex = IF_TUN, .kind = VTA_NH_TUNNEL,
				      .weight = 1 };
	gid = 1;
	bpf_map_update_elem(M.groups, &gid, &g, 0);
	g.paths[0] = (struct vta_nh){ .ifindex = IF_LAN, .kind = VTA_NH_NEIGH,
				      .weight = 1 };
	gid = 2;
	bpf_map_update_elem(M.groups, &gid, &g, 0);
	route(inet_addr("10.1.0.0"), 16, 2);		/* the LAN */
	route(inet_addr("172.31.0.0"), 16, 1);		/* the VPC */
	/* a second VPC over both tunnels, as BGP ECMP installs it: the
	 * daemon's resilient bucket table */
	iface(IF_TUN2, VTA_ROLE_TUNNEL, 12, 1379,
	      VTA_IF_F_UP | VTA_IF_F_SA_UP);
	g.n_paths = 2;
	g.total_weight = 2;
	g.paths[0] = (struct vta_nh){ .ifindex = IF_TUN, .kind = VTA_NH_TUNNEL,
				      .weight = 1 };
	g.paths[1] = (struct vta_nh){ .ifindex = IF_TUN2,
				      .kind = VTA_NH_TUNNEL, .weight = 1 };
	g.n_buckets = VTA_GROUP_BUCKETS;
	for (gid = 0; gid < VTA_GROUP_BUCKETS; gid++)
		g.buckets[gid] = gid & 1;
	gid = 3;
	bpf_map_update_elem(M.groups, &gid, &g, 0);
	route(inet_addr("172.30.0.0"), 16, 3);
	route6("2001:db8:1::", 64, 2);
	route6("2001:db8:31::", 48, 1);
	lease(VTA_CFG_F_FORWARD | VTA_CFG_F_ESP_MARK, true);
}

/* Grow the FIB to n random /24../32 routes (via the tunnel). */
static void grow_fib(int n)
{
	while (n_routes < n) {
		__u32 a = rnd(), plen = 24 + rnd() % 9;
		__u8 first = a >> 24;

		/* keep clear of the LAN, the VPC and the pass tests */
		if (first == 0 || first == 10 || first == 127 || first >= 172)
			continue;
		a &= plen == 32 ? ~0U : ~((1U << (32 - plen)) - 1);
		route(htonl(a), plen, 1);
		routes[n_routes++] = htonl(a | (plen == 32 ? 0 : rnd() &
					       ((1U << (32 - plen)) - 1)));
	}
}

/* Grow the IPv6 trie to n random /48../64 routes (via the tunnel), in
 * 2400::/6 (clear of 2001:db8::/32 and the special ranges). */
static void grow_fib6(int n)
{
	if (n > FIB6_CAP)
		n = FIB6_CAP;
	while (n_routes6 < n) {
		struct vta_fib6_key k = { .prefixlen = 48 + rnd() % 17 };
		struct vta_route r = { .group_id = 1,
				       .flags = VTA_RT_F_VIA_TUNNEL };
		__u32 w[4] = { rnd(), rnd(), rnd(), rnd() };
		int i;

		w[0] = (w[0] & 0x03ffffff) | 0x24000000;
		w[1] &= k.prefixlen == 64 ? ~0U :
					    ~((1U << (64 - k.prefixlen)) - 1);
		w[2] = w[3] = 0;
		for (i = 0; i < 4; i++)
			w[i] = htonl(w[i]);
		memcpy(k.addr, w, 16);
		if (bpf_map_update_elem(M.fib6, &k, &r, BPF_NOEXIST)) {
			if (errno == EEXIST)
				continue;	/* drawn twice */
			fprintf(stderr, "prog_cost: add IPv6 route: %s\n",
				strerror(errno));
			exit(1);
		}
		/* an address inside it */
		w[1] = htonl(ntohl(w[1]) | (k.prefixlen == 64 ? 0 : rnd() &
			     ((1U << (64 - k.prefixlen)) - 1)));
		w[2] = rnd();
		w[3] = rnd();
		memcpy(&routes6[n_routes6++], w, 16);
	}
}

/* Mean ns per run over N_RUNS test runs of repeat 1 (or one of repeat). */
static double measure(int fd, __u8 pkts[][128], int *lens, int npk,
		      int repeat)
{
	static __u8 out[256];
	__u64 total = 0;
	int i, runs = repeat > 1 ? 1000000 / repeat : N_RUNS;

	for (i = 0; i < runs; i++) {
		int k = i % npk;
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkts[k],
			    .data_size_in = lens[k], .data_out = out,
			    .data_size_out = sizeof(out), .repeat = repeat);

		if (bpf_prog_test_run_opts(fd, &o)) {
			fprintf(stderr, "prog_cost: test run: %s\n",
				strerror(errno));
			exit(1);
		}
		total += (__u64)o.duration * repeat;
	}
	return (double)total / (runs * (double)repeat);
}

struct path {
	const char *name;
	int prog;		/* enum vta_prog; VTA_PROG_MAX: the empty
				 * program; PROG_ANCHOR(i): anchor i */
	int proto;
	int dir;		/* 0: LAN->VPC dst, 1: VPC src -> LAN,
				 * 2: unrouted, 3: ESP to the WAN,
				 * 4: lease expired, 5: LAN->ECMP VPC */
	bool fib;		/* depends on the FIB: one column per size */
	int expect;		/* expected return code */
	bool modifies;		/* rewrites the packet: hot repeat 200 */
	bool v6;		/* IPv6 (UDP only): the trie */
};

static const struct path paths[] = {
	{ "empty tc program", VTA_PROG_MAX, 17, 0, false, 0 },
	{ "anchor: fib4 lookup alone", PROG_ANCHOR(0), 17, 0, true, 0 },
	{ "anchor: per-cpu array counter", PROG_ANCHOR(1), 17, 0, false, 0 },
	{ "anchor: array counter", PROG_ANCHOR(2), 17, 0, false, 0 },
	{ "anchor: hash lookup", PROG_ANCHOR(3), 17, 0, false, 0 },
	{ "lan->tunnel fwd (udp 64B)", VTA_PROG_LAN, 17, 0, true, 7, true },
	{ "lan->tunnel fwd + mss clamp", VTA_PROG_LAN, 6, 0, true, 7, true },
	{ "lan->tunnel fwd, 2-way ecmp", VTA_PROG_LAN, 17, 5, false, 7, true },
	{ "tunnel->lan fwd (rpf + dst)", VTA_PROG_TUNNEL, 17, 1, true, 7,
	  true },
	{ "lan pass: no route", VTA_PROG_LAN, 17, 2, true, 0 },
	{ "v6 lan->tunnel fwd (udp 64B)", VTA_PROG_LAN, 17, 0, true, 7, true,
	  true },
	{ "v6 tunnel->lan fwd (dst)", VTA_PROG_TUNNEL, 17, 1, true, 7, true,
	  true },
	{ "v6 lan pass: no route", VTA_PROG_LAN, 17, 2, true, 0, false, true },
	{ "lan pass: lease expired", VTA_PROG_LAN, 17, 4, false, 0 },
	{ "wan esp mark", VTA_PROG_WAN, 50, 3, false, 0 },
	{ "wan pass: not esp", VTA_PROG_WAN, 17, 3, false, 0 },
	{ "tunnel egress: udp", VTA_PROG_TUN_OUT, 17, 0, false, 0 },
	{ "tunnel egress: tcp ack", VTA_PROG_TUN_OUT, 16, 0, false, 0 },
	{ "tunnel egress: syn clamped", VTA_PROG_TUN_OUT, 6, 0, false, 0,
	  true },
};
#define N_PATHS (sizeof(paths) / sizeof(paths[0]))

static __u8 pkts[PC_PKTS][128];
static int lens[PC_PKTS];

/* Packets for a path: random (from the FIB) or one destination. */
static int make_pkts(const struct path *p, bool random)
{
	int i, n = random ? PC_PKTS : 1;
	__be32 lan = inet_addr("10.1.0.10"), vpc = inet_addr("172.31.1.20");
	struct in6_addr lan6, vpc6, none6;

	inet_pton(AF_INET6, "2001:db8:1::10", &lan6);
	inet_pton(AF_INET6, "2001:db8:31:1::20", &vpc6);
	inet_pton(AF_INET6, "2001:db8:6464::1", &none6);
	for (i = 0; p->v6 && i < n; i++) {
		const struct in6_addr *r = random && n_routes6 ?
			&routes6[rnd() % n_routes6] : &vpc6;

		if (p->dir == 0)
			lens[i] = build6(pkts[i], &lan6, r);
		else if (p->dir == 1)
			lens[i] = build6(pkts[i], r, &lan6);
		else
			lens[i] = build6(pkts[i], &lan6, &none6);
	}
	for (i = 0; !p->v6 && i < n; i++) {
		__be32 r = random && n_routes ? routes[rnd() % n_routes] : vpc;

		switch (p->dir) {
		case 0:
			lens[i] = build(pkts[i], lan, r, p->proto);
			break;
		case 1:
			lens[i] = build(pkts[i], r, lan, p->proto);
			break;
		case 2:
			lens[i] = build(pkts[i], lan, htonl(0xc6336400 |
					(rnd() & 0xff)), p->proto);
			break;
		case 5:
			lens[i] = build(pkts[i], lan, inet_addr("172.30.1.20"),
					p->proto);
			break;
		default:
			lens[i] = build(pkts[i], inet_addr("198.51.100.1"),
					inet_addr("192.0.2.10"), p->proto);
		}
	}
	return n;
}

/* Mean ns per run of the driver loop over the npk packets of pkts[]. */
static double measure_loop(int fd, int npk, int expect)
{
	struct pc_pkt v;
	__u32 k, zero = 0;
	__u64 total = 0;
	static __u8 out[256];
	int i;

	if (bpf_map_update_elem(drv_next_fd, &zero, &fd, 0) ||
	    bpf_map_update_elem(drv_ctl_fd, &zero, &zero, 0)) {
		fprintf(stderr, "prog_cost: driver maps: %s\n", strerror(errno));
		exit(1);
	}
	for (k = 0; k < PC_PKTS; k++) {
		memset(&v, 0, sizeof(v));
		v.len = lens[k % npk];
		memcpy(v.b, pkts[k % npk], v.len);
		bpf_map_update_elem(drv_pkts_fd, &k, &v, 0);
	}
	for (i = 0; i < LOOP_RUNS; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkts[0],
			    .data_size_in = lens[0], .data_out = out,
			    .data_size_out = sizeof(out),
			    .repeat = LOOP_REPEAT);

		if (bpf_prog_test_run_opts(drv_fd, &o)) {
			fprintf(stderr, "prog_cost: loop test run: %s\n",
				strerror(errno));
			exit(1);
		}
		/* the tail call happened, and the last packet took the path */
		if ((int)o.retval != expect) {
			fprintf(stderr, "prog_cost: loop returned %d, expected "
				"%d\n", o.retval, expect);
			exit(1);
		}
		total += o.duration;
	}
	return (double)total / LOOP_RUNS;
}

static double run_path(const struct path *p, bool random, int repeat)
{
	int fd = p->prog == VTA_PROG_MAX ? empty_fd :
		 p->prog > VTA_PROG_MAX	? anchor_fd[p->prog - PROG_ANCHOR(0)] :
					  prog_fd[p->prog];
	int n = make_pkts(p, random);
	static __u8 out[256];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = pkts[0],
		    .data_size_in = lens[0], .data_out = out,
		    .data_size_out = sizeof(out));

	/* set up the role of the ingress interface for this program */
	if (p->prog == VTA_PROG_TUNNEL)
		iface(IF_IN, VTA_ROLE_TUNNEL, 1, 0,
		      VTA_IF_F_UP | VTA_IF_F_SA_UP | VTA_IF_F_L2);
	else if (p->prog == VTA_PROG_TUN_OUT)	/* no route lookups */
		iface(IF_IN, VTA_ROLE_TUNNEL, 1, 1379,
		      VTA_IF_F_UP | VTA_IF_F_SA_UP | VTA_IF_F_L2 |
		      VTA_IF_F_MSS_FIXED);
	else if (p->prog == VTA_PROG_WAN)
		iface(IF_IN, VTA_ROLE_WAN, 1, 0, VTA_IF_F_UP | VTA_IF_F_L2);
	else
		iface(IF_IN, VTA_ROLE_LAN, 1, 0, VTA_IF_F_UP | VTA_IF_F_L2);
	lease(VTA_CFG_F_FORWARD | VTA_CFG_F_ESP_MARK, p->dir != 4);
	if (p->dir == 3) {
		struct vta_peer_key k = { .family = VTA_AF_INET };
		struct vta_peer v = { .mark = 100, .mask = ~0U,
				      .flags = VTA_PEER_F_ESP };

		inet_pton(AF_INET, "192.0.2.10", k.local);
		inet_pton(AF_INET, "198.51.100.1", k.peer);
		bpf_map_update_elem(M.peers, &k, &v, 0);
	}
	/* the path must be the one we claim to measure */
	if (bpf_prog_test_run_opts(fd, &o) || (int)o.retval != p->expect) {
		fprintf(stderr, "prog_cost: %s returned %d, expected %d\n",
			p->name, o.retval, p->expect);
		exit(1);
	}
	if (repeat == LOOP)
		return measure_loop(fd, n, p->expect);
	return measure(fd, pkts, lens, n, repeat);
}

static struct bpf_object *drv_obj;

/* FIB sizes: the columns after "hot" */
static const int sizes[] = { 1000, 100000, 1000000 };

/* The column heads of the FIB sizes up to max, one/random each. */
static void size_columns(int max)
{
	static const char *const name[] = { "1k", "100k", "1M" };
	int s;

	for (s = 0; s < 3 && sizes[s] <= max; s++)
		printf("  %7s-%-3s %7s-%-3s", name[s], "one", name[s], "rnd");
	putchar('\n');
}

/* The loop driver, built next to this binary (make tests). */
static int load_driver(void)
{
	char path[4096];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 32);
	struct bpf_map *m;
	char *slash;
	size_t i;

	if (n < 0) {
		fprintf(stderr, "prog_cost: /proc/self/exe: %s\n",
			strerror(errno));
		return -1;
	}
	path[n] = 0;
	slash = strrchr(path, '/');
	strcpy(slash ? slash + 1 : path, "prog_cost.bpf.o");
	drv_obj = bpf_object__open_file(path, NULL);
	if (!drv_obj) {
		fprintf(stderr, "prog_cost: open %s: %s (make tests builds "
			"it)\n", path, strerror(errno));
		return -1;
	}
	/* the maps of maps.h are pinned by name: not these copies */
	bpf_object__for_each_map (m, drv_obj)
		bpf_map__set_pin_path(m, NULL);
	/* the anchor reads the programs' maps */
#define REUSE(var)                                                          \
	if (bpf_map__reuse_fd(                                              \
		    bpf_object__find_map_by_name(drv_obj, VTA_MAP_NAME(var)), \
		    M.var))                                                 \
		return -1;
	VTA_MAPS(REUSE)
#undef REUSE
	if (bpf_object__load(drv_obj)) {
		fprintf(stderr, "prog_cost: load %s: %s (make tests builds "
			"it)\n", path, strerror(errno));
		return -1;
	}
	drv_fd = bpf_program__fd(bpf_object__find_program_by_name(drv_obj,
								 "pc_drive"));
	drv_pkts_fd = bpf_object__find_map_fd_by_name(drv_obj, "pc_pkts");
	drv_ctl_fd = bpf_object__find_map_fd_by_name(drv_obj, "pc_ctl");
	drv_next_fd = bpf_object__find_map_fd_by_name(drv_obj, "pc_next");
	for (i = 0; i < N_ANCHORS; i++)
		anchor_fd[i] = bpf_program__fd(bpf_object__find_program_by_name(
			drv_obj, anchor_names[i]));
	return 0;
}

static const char *met(double v, double goal)
{
	return v <= goal ? "met" : "not met";
}

/*
 * Issue 14's goals for LAN -> tunnel, above the empty program: hot, and
 * random destinations at 1k and 1M routes, each in the loop (a router's
 * steady state) and cold (a test run per packet).
 */
static void goals(double res[][7], const double *base, double lres[][6],
		  int max)
{
	static const struct {
		int size;	/* index into sizes[] */
		const char *name;
		double goal;
	} g[] = { { 0, "1k", 100 }, { 2, "1M", 150 } };
	size_t i, k;
	double c;

	for (i = 0; i < N_PATHS; i++)
		if (!strcmp(paths[i].name, "lan->tunnel fwd (udp 64B)"))
			break;
	if (i == N_PATHS)
		return;
	printf("\ngoals (bench/README.md), %s, ns above the empty program:\n",
	       paths[i].name);
	c = res[i][0] - base[0];
	printf("  hot: %.0f (goal <= 60): %s\n", c, met(c, 60));
	for (k = 0; k < sizeof(g) / sizeof(g[0]); k++) {
		int s = g[k].size;
		double loop = lres[i][1 + 2 * s] - lres[0][1 + 2 * s];
		double cold = res[i][2 + 2 * s] - base[2 + 2 * s];

		if (sizes[s] > max) {
			printf("  %s random destinations: not measured (%d "
			       "routes at most)\n", g[k].name, max);
			continue;
		}
		printf("  %s random destinations: loop %.0f, cold %.0f (goal "
		       "<= %.0f): %s in the loop, %s cold\n", g[k].name, loop,
		       cold, g[k].goal, met(loop, g[k].goal),
		       met(cold, g[k].goal));
	}
}

int main(int argc, char **argv)
{
	const struct bpf_insn empty[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	double res[N_PATHS][7], base[7], lres[N_PATHS][6];
	struct vta_loader *l;
	int max = argc > 1 ? atoi(argv[1]) : 1000000;
	size_t i, s;
	int err;

	vta_log_setup_libbpf();
	/* a block per route at most (random /25../32 each need their own) */
	vta_loader_fib4_blocks = max + 16;
	err = vta_loader_open(&l, NULL);
	if (err) {
		fprintf(stderr, "prog_cost: load: %s\n", strerror(-err));
		return 1;
	}
	vta_loader_maps(l, &M);
	{
		static struct vta_fib4_view v;

		if (vta_fib4_map(&v, &M, true) ||
		    !(F = vta_fib4_new(&v, 0, 0))) {
			fprintf(stderr, "prog_cost: IPv4 FIB tables: %s\n",
				strerror(errno));
			return 1;
		}
	}
	for (i = 0; i < VTA_PROG_MAX; i++)
		prog_fd[i] = vta_loader_prog_fd(l, i);
	empty_fd = bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, NULL, "GPL", empty,
				 2, NULL);
	if (empty_fd < 0) {
		fprintf(stderr, "prog_cost: load empty program: %s\n",
			strerror(errno));
		return 1;
	}
	if (load_driver())
		return 1;
	routes = calloc(1000000, sizeof(*routes));
	routes6 = calloc(FIB6_CAP, sizeof(*routes6));
	topology();

	/* columns: hot, then single/random for each FIB size */
	for (s = 0; s < 3; s++) {
		if (sizes[s] > max)
			break;
		grow_fib(sizes[s]);
		grow_fib6(sizes[s]);
		for (i = 0; i < N_PATHS; i++) {
			if (!paths[i].fib && s > 0) {
				res[i][1 + 2 * s] = res[i][1];
				res[i][2 + 2 * s] = res[i][2];
				lres[i][2 * s] = lres[i][0];
				lres[i][1 + 2 * s] = lres[i][1];
				continue;
			}
			res[i][1 + 2 * s] = run_path(&paths[i], false, 1);
			res[i][2 + 2 * s] = paths[i].fib ?
				run_path(&paths[i], true, 1) : res[i][1];
			lres[i][2 * s] = run_path(&paths[i], false, LOOP);
			lres[i][1 + 2 * s] = paths[i].fib ?
				run_path(&paths[i], true, LOOP) : lres[i][2 * s];
			if (s == 0)
				res[i][0] = run_path(&paths[i], false,
						paths[i].modifies ? 200 : 1000000);
		}
	}
	memcpy(base, res[0], sizeof(base));

	printf("prog_cost: ns/packet, BPF_PROG_TEST_RUN, %d runs per cell "
	       "(repeat 1), hot = one packet, repeat in the kernel; IPv4 FIB: "
	       "DIR-24-8, IPv6 (v6 rows): LPM trie", N_RUNS);
	if (max >= sizes[2])
		printf(", its 1M columns at %d routes (VTA_FIB6_MAX - 64)",
		       n_routes6);
	putchar('\n');
	printf("%-30s %8s", "path", "hot");
	size_columns(max);
	for (i = 0; i < N_PATHS; i++) {
		printf("%-30s %8.0f", paths[i].name, res[i][0]);
		for (s = 0; s < 3 && sizes[s] <= max; s++)
			printf("  %11.0f %11.0f", res[i][1 + 2 * s],
			       res[i][2 + 2 * s]);
		putchar('\n');
	}
	printf("\nprogram cost in ns (path - empty) and (path / empty):\n");
	for (i = 1; i < N_PATHS; i++) {
		printf("%-30s %4.0f (%4.2fx)", paths[i].name,
		       res[i][0] - base[0], res[i][0] / base[0]);
		for (s = 0; s < 3 && sizes[s] <= max; s++)
			printf("  %5.0f (%4.2fx) %5.0f (%4.2fx)",
			       res[i][1 + 2 * s] - base[1 + 2 * s],
			       res[i][1 + 2 * s] / base[1 + 2 * s],
			       res[i][2 + 2 * s] - base[2 + 2 * s],
			       res[i][2 + 2 * s] / base[2 + 2 * s]);
		putchar('\n');
	}
	printf("\nin-kernel loop (bench/prog_cost.bpf.c: a driver writes the "
	       "next packet and tail-calls the path, repeat %d, %d runs): "
	       "ns/packet of the empty loop, then program cost (path loop - "
	       "empty loop)\n", LOOP_REPEAT, LOOP_RUNS);
	printf("%-30s", "path");
	size_columns(max);
	for (i = 0; i < N_PATHS; i++) {
		printf("%-30s", paths[i].name);
		for (s = 0; s < 3 && sizes[s] <= max; s++)
			printf("  %11.0f %11.0f",
			       lres[i][2 * s] - (i ? lres[0][2 * s] : 0),
			       lres[i][1 + 2 * s] - (i ? lres[0][1 + 2 * s] : 0));
		putchar('\n');
	}
	goals(res, base, lres, max);
	vta_loader_close(l);
	bpf_object__close(drv_obj);
	close(empty_fd);
	free(routes);
	free(routes6);
	return 0;
}
