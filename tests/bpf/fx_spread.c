// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vta_spread fixtures (bpf/spread.bpf.c, docs/esp-spread.md): which
 * packets of the outside interface are redirected to a spreading CPU and
 * which go to the kernel, counted by reason; never a byte changed.  ESP
 * and ESP in UDP over IPv4 and IPv6 from listed peers are redirected;
 * IKE, NAT keepalives, IPv4 options and fragments, IPv6 extension
 * headers, unlisted peers, an encapsulation the peer is not listed for,
 * ESP too short for its sequence number and an expired lease pass.
 *
 * The program has its own object and maps (the daemon loads it only with
 * [esp] spread): opened here from its skeleton.  BPF_PROG_TEST_RUN does
 * not carry out the redirect; bpf_redirect_map() returns XDP_REDIRECT
 * only for a CPU the CPUMAP holds (else its flags, XDP_PASS), so the
 * fixtures' CPUs are put in the CPUMAP first.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "fx.h"
#include "vta_spread.h"
#include "spread.skel.h"

#define PEER4 "192.0.2.2"
#define LOCAL4 "192.0.2.1"
#define PEER6 "2001:db8::2"
#define LOCAL6 "2001:db8::1"

enum sp_kind { SP_ESP, SP_NATT, SP_IKE, SP_KEEPALIVE, SP_UDP };

struct sp_fx {
	const char *name;
	int family; /* 4 or 6 */
	enum sp_kind kind;
	const char *src; /* NULL: the listed peer */
	int cut; /* >0: bytes after the outer IP header */
	bool ip_options; /* IPv4: one 4-byte option (NOPs) */
	bool frag; /* IPv4 MF / IPv6 fragment header */
	bool hbh; /* IPv6 hop-by-hop options header first */
	__u16 eth_proto; /* non-zero: this EtherType instead */
	int ret; /* XDP_* */
	int counter; /* SPREAD_* that moves */
};

#define SP_NAME(id, name, help) name,
static const char *const sp_names[] = { VTA_SPREAD_COUNTERS(SP_NAME) };

static struct vta_spread *sk;
static int ncpu;

/* Build the frame into buf; its length. */
static size_t sp_build(const struct sp_fx *f, __u8 *buf)
{
	__u8 l4[64], *p = buf;
	size_t n4 = 0, hl;
	__u16 proto = f->family == 4 ? ETH_P_IP : ETH_P_IPV6;

	memset(l4, 0, sizeof(l4));
	switch (f->kind) {
	case SP_ESP: /* SPI, sequence number, 16 bytes */
		memcpy(l4, "\xc0\xde\x00\x02\x00\x00\x01\x05", 8);
		n4 = 24;
		break;
	case SP_NATT: /* UDP 4500 -> 4500, then ESP */
	case SP_IKE: /* UDP 4500, zero non-ESP marker */
	case SP_KEEPALIVE: /* UDP 4500, one byte 0xff */
	case SP_UDP: /* UDP to another port */
		n4 = f->kind == SP_KEEPALIVE ? 9 : 32;
		l4[0] = 0x11;
		l4[1] = 0x94;
		l4[2] = f->kind == SP_UDP ? 0x01 : 0x11;
		l4[3] = f->kind == SP_UDP ? 0xf4 : 0x94;
		l4[4] = 0;
		l4[5] = (__u8)n4;
		if (f->kind == SP_NATT || f->kind == SP_UDP)
			memcpy(l4 + 8, "\xc0\xde\x00\x02\x00\x00\x01\x05", 8);
		else if (f->kind == SP_KEEPALIVE)
			l4[8] = 0xff;
		break;
	}
	if (f->cut > 0 && (size_t)f->cut < n4)
		n4 = f->cut;
	memcpy(p, "\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02", 12);
	p[12] = (f->eth_proto ?: proto) >> 8;
	p[13] = (f->eth_proto ?: proto) & 0xff;
	p += ETH_HLEN;
	if (f->family == 4) {
		hl = f->ip_options ? 24 : 20;
		memset(p, 0, hl);
		p[0] = 0x40 | (__u8)(hl / 4);
		p[2] = (__u8)((hl + n4) >> 8);
		p[3] = (__u8)(hl + n4);
		p[6] = f->frag ? 0x20 : 0x40; /* MF, or DF */
		p[8] = 64;
		p[9] = f->kind == SP_ESP ? IPPROTO_ESP : IPPROTO_UDP;
		inet_pton(AF_INET, f->src ?: PEER4, p + 12);
		inet_pton(AF_INET, LOCAL4, p + 16);
		if (f->ip_options)
			memset(p + 20, 1, 4);
	} else {
		__u8 next = f->kind == SP_ESP ? IPPROTO_ESP : IPPROTO_UDP;
		size_t ext = (f->frag || f->hbh) ? 8 : 0;

		hl = 40 + ext;
		memset(p, 0, hl);
		p[0] = 0x60;
		p[4] = (__u8)((ext + n4) >> 8);
		p[5] = (__u8)(ext + n4);
		p[6] = f->frag ? 44 : f->hbh ? 0 : next;
		p[7] = 64;
		inet_pton(AF_INET6, f->src ?: PEER6, p + 8);
		inet_pton(AF_INET6, LOCAL6, p + 24);
		if (ext) {
			p[40] = next; /* first fragment, M set / PadN */
			if (f->frag) {
				p[43] = 1;
			} else {
				p[42] = 1;
				p[43] = 4;
			}
		}
	}
	p += hl;
	memcpy(p, l4, n4);
	return ETH_HLEN + hl + n4;
}

static __u64 sp_counter(int c)
{
	__u64 v[512], sum = 0;
	__u32 k = c;
	int i;

	if (ncpu > 512 ||
	    bpf_map_lookup_elem(bpf_map__fd(sk->maps.spread_stats), &k, v))
		return ~0ULL;
	for (i = 0; i < ncpu; i++)
		sum += v[i];
	return sum;
}

static void sp_lease(__s64 from_now_ns)
{
	struct spread_state st = { 0 };
	struct timespec ts;
	__u32 zero = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (from_now_ns)
		st.lease_deadline_ns = (__u64)ts.tv_sec * 1000000000ULL +
				       ts.tv_nsec + from_now_ns;
	bpf_map_update_elem(bpf_map__fd(sk->maps.spread_state), &zero, &st, 0);
}

/* List a peer: flags SPREAD_F_*, two CPU entries (the modulo), both CPU 0
 * (always there: which CPU is picked is not visible from here). */
static int sp_peer(int family, const char *addr, __u32 flags)
{
	struct spread_peer v = { .flags = flags, .ncpus = 2, .cpus = { 0, 0 } };
	__u8 key[16] = { 0 };
	int fd = family == 4 ? bpf_map__fd(sk->maps.spread_peers)
			     : bpf_map__fd(sk->maps.spread_peers6);

	inet_pton(family == 4 ? AF_INET : AF_INET6, addr, key);
	return bpf_map_update_elem(fd, key, &v, 0) ? -errno : 0;
}

static void sp_run(const struct sp_fx *f)
{
	__u8 in[256], out[256];
	size_t len = sp_build(f, in);
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);
	__u64 before[SPREAD_NR_COUNTERS];
	int i, moved = -1, nmoved = 0;

	for (i = 0; i < SPREAD_NR_COUNTERS; i++)
		before[i] = sp_counter(i);
	if (bpf_prog_test_run_opts(bpf_program__fd(sk->progs.vta_spread), &o)) {
		result(f->name, false, "BPF_PROG_TEST_RUN: %s",
		       strerror(errno));
		return;
	}
	for (i = 0; i < SPREAD_NR_COUNTERS; i++)
		if (sp_counter(i) != before[i]) {
			moved = i;
			nmoved++;
		}
	if ((int)o.retval != f->ret)
		result(f->name, false, "returned %u, expected %d", o.retval,
		       f->ret);
	else if (nmoved != 1 || moved != f->counter)
		result(f->name, false,
		       "%d counter(s) moved, the last %s; expected %s", nmoved,
		       moved >= 0 ? sp_names[moved] : "none",
		       sp_names[f->counter]);
	else
		result(f->name, o.data_size_out == len && !memcmp(in, out, len),
		       "the frame changed (%u bytes out of %zu)",
		       o.data_size_out, len);
}

#define RD .ret = XDP_REDIRECT, .counter = SPREAD_REDIRECTED
#define PS(c) .ret = XDP_PASS, .counter = SPREAD_##c

static const struct sp_fx live[] = {
	{ "spread4 esp redirected", 4, SP_ESP, RD },
	{ "spread4 esp-in-udp redirected", 4, SP_NATT, RD },
	{ "spread4 ike (zero marker) passes", 4, SP_IKE, PS(PASS_OTHER) },
	{ "spread4 nat keepalive passes", 4, SP_KEEPALIVE, PS(PASS_OTHER) },
	{ "spread4 udp to another port passes", 4, SP_UDP, PS(PASS_OTHER) },
	{ "spread4 ip options pass", 4, SP_ESP, .ip_options = true,
	  PS(PASS_OTHER) },
	{ "spread4 fragment passes", 4, SP_ESP, .frag = true, PS(PASS_OTHER) },
	{ "spread4 unlisted peer passes", 4, SP_ESP, .src = "198.51.100.7",
	  PS(PASS_UNKNOWN) },
	{ "spread4 esp without its sequence number passes", 4, SP_ESP, .cut = 6,
	  PS(PASS_SHORT) },
	{ "spread4 esp-in-udp without its sequence number passes", 4, SP_NATT,
	  .cut = 14, PS(PASS_SHORT) },
	{ "spread4 esp-in-udp, peer listed for esp only, passes", 4, SP_NATT,
	  .src = "192.0.2.3", PS(PASS_UNKNOWN) },
	{ "spread6 esp redirected", 6, SP_ESP, RD },
	{ "spread6 esp-in-udp redirected", 6, SP_NATT, RD },
	{ "spread6 ike (zero marker) passes", 6, SP_IKE, PS(PASS_OTHER) },
	{ "spread6 nat keepalive passes", 6, SP_KEEPALIVE, PS(PASS_OTHER) },
	{ "spread6 fragment header passes", 6, SP_ESP, .frag = true,
	  PS(PASS_OTHER) },
	{ "spread6 hop-by-hop header passes", 6, SP_ESP, .hbh = true,
	  PS(PASS_OTHER) },
	{ "spread6 unlisted peer passes", 6, SP_ESP, .src = "2001:db8::7",
	  PS(PASS_UNKNOWN) },
	{ "spread6 ipv4 peer's address as ipv6 passes", 6, SP_ESP,
	  .src = "::ffff:192.0.2.2", PS(PASS_UNKNOWN) },
	{ "spread6 esp without its sequence number passes", 6, SP_ESP, .cut = 7,
	  PS(PASS_SHORT) },
	{ "spread arp passes", 4, SP_ESP, .eth_proto = ETH_P_ARP,
	  PS(PASS_OTHER) },
	{ "spread ipv6 ethertype, ipv4 header passes", 4, SP_ESP,
	  .eth_proto = ETH_P_IPV6, PS(PASS_OTHER) },
};

static const struct sp_fx expired[] = {
	{ "spread4 esp, lease expired, passes", 4, SP_ESP, PS(PASS_LEASE) },
	{ "spread6 esp-in-udp, lease expired, passes", 6, SP_NATT,
	  PS(PASS_LEASE) },
	{ "spread4 unlisted peer, lease expired: pass_unknown", 4, SP_ESP,
	  .src = "198.51.100.7", PS(PASS_UNKNOWN) },
};

static const struct sp_fx no_cpu[] = {
	{ "spread4 esp, its CPUs not in the CPUMAP, passes", 4, SP_ESP,
	  .ret = XDP_PASS, .counter = SPREAD_PASS_NO_CPU },
};

void fixtures_spread(void)
{
	struct bpf_cpumap_val cv = { .qsize = 64 };
	int pp = E.prog_pass[E.cur], pf = E.prog_fail[E.cur];
	__u32 c = 0;
	size_t i;
	int err;

	ncpu = libbpf_num_possible_cpus();
	sk = vta_spread__open_and_load();
	if (!sk) {
		result("vta_spread loads", false,
		       "%s (-v for the verifier log)", strerror(errno));
		return;
	}
	err = sp_peer(4, PEER4, SPREAD_F_ESP | SPREAD_F_NATT);
	if (!err)
		err = sp_peer(4, "192.0.2.3", SPREAD_F_ESP);
	if (!err)
		err = sp_peer(6, PEER6, SPREAD_F_ESP | SPREAD_F_NATT);
	if (err) {
		result("vta_spread peers", false, "map update: %s",
		       strerror(-err));
		goto out;
	}
	sp_lease(3600LL * 1000000000LL);
	for (i = 0; i < sizeof(no_cpu) / sizeof(no_cpu[0]); i++)
		sp_run(&no_cpu[i]);
	if (bpf_map_update_elem(bpf_map__fd(sk->maps.spread_cpus), &c, &cv,
				0)) {
		result("vta_spread cpumap", false, "CPU %u: %s", c,
		       strerror(errno));
		goto out;
	}
	for (i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		sp_run(&live[i]);
	/* a second ago: the coarse clock lags by up to a tick */
	sp_lease(-1000000000LL);
	for (i = 0; i < sizeof(expired) / sizeof(expired[0]); i++)
		sp_run(&expired[i]);
out:
	vta_spread__destroy(sk);
	/* not one of the loader's programs: on the group's line only */
	E.prog_pass[E.cur] = pp;
	E.prog_fail[E.cur] = pf;
}
