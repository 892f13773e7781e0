// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include "harness.h"
#include "ifdata.h"

struct env E;

static const __u32 used_slots[] = { 0, SLOT_IN, SLOT_TUN1, SLOT_TUN2,
				    SLOT_LAN2, SLOT_LAN };
#define N_USED (sizeof(used_slots) / sizeof(used_slots[0]))

static void die(const char *what, int err)
{
	fprintf(stderr, "bpf: %s: %s\n", what, strerror(err));
	exit(2);
}

static void clear_map(int fd, size_t key_size)
{
	__u8 key[64], next[64];

	while (!bpf_map_get_next_key(fd, NULL, next)) {
		memcpy(key, next, key_size);
		if (bpf_map_delete_elem(fd, key))
			die("clear map", errno);
	}
}

void stats_clear(void)
{
	size_t sz = sizeof(struct vta_stats) * E.ncpu;
	void *zero = calloc(1, sz);
	size_t i;

	__u32 key = 0;

	for (i = 0; i < N_USED; i++)
		if (bpf_map_update_elem(E.m.stats, &used_slots[i], zero, 0))
			die("clear stats", errno);
	free(zero);
	zero = calloc(E.ncpu, sizeof(struct vta_fwd_stats));
	if (!zero ||
	    bpf_map_update_elem(E.m.fwd_stats, &key, zero, 0))
		die("clear fwd stats", errno ?: ENOMEM);
	free(zero);
}

void set_config(__u64 lease_ns_from_now, __u32 seed, __u32 flags)
{
	struct vta_config c = { .hash_seed = seed, .flags = flags };
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (lease_ns_from_now)
		c.lease_deadline_ns = (__u64)ts.tv_sec * 1000000000ULL +
				      ts.tv_nsec + lease_ns_from_now;
	if (vta_config_set(&E.m, &c))
		die("set config", errno);
}

void env_reset(__u32 cfg_flags)
{
	if (!E.fv.l1 && vta_fib4_map(&E.fv, &E.m, true))
		die("mmap the IPv4 FIB", errno);
	vta_fib4_free(E.fib4);
	memset((void *)E.fv.l1, 0, (size_t)1 << 26);
	E.fib4 = vta_fib4_new(&E.fv, 0, 0);
	if (!E.fib4)
		die("IPv4 FIB writer", errno);
	clear_map(E.m.fib6, sizeof(struct vta_fib6_key));
	clear_map(E.m.groups, sizeof(__u32));
	if (!E.ifd && !(E.ifd = vta_ifdata_map(E.m.ifdata, true)))
		die("mmap vta_ifdata", errno);
	vta_iface_clear(&E.m, E.ifd);
	clear_map(E.m.peers, sizeof(struct vta_peer_key));
	set_config(3600ULL * 1000000000ULL, 0x5eed, cfg_flags);
	stats_clear();
}

void add_iface(__u32 ifindex, __u32 role, __u32 slot, __u32 mtu,
	       __u16 mss4, __u16 mss6, __u32 flags, __u32 mark, __u32 mask)
{
	struct vta_iface v = { .role = role, .slot = slot, .mtu = mtu,
			       .mss4 = mss4, .mss6 = mss6, .flags = flags,
			       .mark = mark, .mark_mask = mask };

	int err = vta_iface_put(&E.m, E.ifd, ifindex, &v);

	if (err)
		die("add iface", -err);
}

void del_iface(__u32 ifindex)
{
	int err = vta_iface_del(&E.m, E.ifd, ifindex);

	if (err)
		die("delete iface", -err);
}

static struct vta_ifdata *iface_entry(__u32 ifindex)
{
	__u32 slot;
	int err = vta_iface_slot(&E.m, ifindex, &slot);

	if (err)
		die("iface slot", -err);
	return &E.ifd[slot];
}

void iface_seq_add(__u32 ifindex, __u32 delta)
{
	iface_entry(ifindex)->seq += delta;
}

void iface_set_owner(__u32 ifindex, __u32 owner)
{
	struct vta_ifdata *e = iface_entry(ifindex);

	e->c[0].ifindex = owner;
	e->c[1].ifindex = owner;
}

void iface_latch_half(__u32 ifindex)
{
	struct vta_ifdata *e = iface_entry(ifindex);

	if (!(e->seq & 1))
		e->seq++;
	memset(&e->c[0], 0xa5, sizeof(e->c[0]));
}

void iface_scribble_other(__u32 ifindex)
{
	struct vta_ifdata *e = iface_entry(ifindex);

	memset(&e->c[!(e->seq & 1)], 0xa5, sizeof(e->c[0]));
}

void add_route(const char *cidr, __u8 type, __u32 gid, __u8 flags)
{
	add_route_mtu(cidr, type, gid, flags, 0);
}

void add_route_mtu(const char *cidr, __u8 type, __u32 gid, __u8 flags,
		   __u16 mtu)
{
	struct vta_route r = { .group_id = gid, .type = type, .flags = flags,
			       .mtu = mtu };
	char buf[64], *slash;
	int plen;

	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	*slash = 0;
	plen = atoi(slash + 1);
	if (strchr(buf, ':')) {
		struct vta_fib6_key k = { .prefixlen = plen };

		inet_pton(AF_INET6, buf, k.addr);
		if (bpf_map_update_elem(E.m.fib6, &k, &r, 0))
			die("add route6", errno);
	} else {
		struct vta_fib4_key k = { .prefixlen = plen };

		inet_pton(AF_INET, buf, &k.addr);
		if (vta_fib4_put(E.fib4, ntohl(k.addr), plen, &r))
			die("add route4", ENOSPC);
	}
}

void del_route4(const char *cidr)
{
	struct vta_fib4_key k;
	char buf[64], *slash;

	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	*slash = 0;
	k.prefixlen = atoi(slash + 1);
	inet_pton(AF_INET, buf, &k.addr);
	if (vta_fib4_del(E.fib4, ntohl(k.addr), k.prefixlen))
		die("delete route4", ENOENT);
}

void add_group(__u32 gid, int n, const struct vta_nh *nh)
{
	struct vta_group g = { .n_paths = n };
	int i;

	for (i = 0; i < n; i++) {
		g.paths[i] = nh[i];
		g.total_weight += nh[i].weight;
	}
	if (bpf_map_update_elem(E.m.groups, &gid, &g, 0))
		die("add group", errno);
}

void set_iface_mtu6(__u32 ifindex, __u32 mtu6)
{
	struct vta_iface v;

	int err = vta_iface_lookup(&E.m, ifindex, &v);

	if (err)
		die("set mtu6: no iface", -err);
	v.mtu6 = mtu6;
	err = vta_iface_put(&E.m, E.ifd, ifindex, &v);
	if (err)
		die("set mtu6", -err);
}

/* A group with a bucket table (buckets: VTA_GROUP_BUCKETS entries). */
void add_group_buckets(__u32 gid, int n, const struct vta_nh *nh,
		       const __u8 *buckets)
{
	struct vta_group g = { .n_paths = n,
			       .n_buckets = VTA_GROUP_BUCKETS };
	int i;

	for (i = 0; i < n; i++) {
		g.paths[i] = nh[i];
		g.total_weight += nh[i].weight;
	}
	memcpy(g.buckets, buckets, VTA_GROUP_BUCKETS);
	if (bpf_map_update_elem(E.m.groups, &gid, &g, 0))
		die("add group", errno);
}

void add_peer(int family, const char *local, const char *peer, __u32 mark,
	      __u32 mask, __u32 flags)
{
	struct vta_peer_key k = { .family = family };
	struct vta_peer v = { .mark = mark, .mask = mask, .flags = flags };
	int af = family == VTA_AF_INET ? AF_INET : AF_INET6;

	inet_pton(af, local, k.local);
	inet_pton(af, peer, k.peer);
	if (bpf_map_update_elem(E.m.peers, &k, &v, 0))
		die("add peer", errno);
}

struct vta_nh nh_tun(__u32 ifindex, __u16 weight)
{
	struct vta_nh nh = { .ifindex = ifindex, .kind = VTA_NH_TUNNEL,
			     .weight = weight };
	return nh;
}

struct vta_nh nh_neigh(__u32 ifindex, const char *gw)
{
	struct vta_nh nh = { .ifindex = ifindex, .kind = VTA_NH_NEIGH,
			     .weight = 1 };

	if (gw && strchr(gw, ':')) {
		nh.gw_family = VTA_AF_INET6;
		inet_pton(AF_INET6, gw, nh.gw6);
	} else if (gw) {
		nh.gw_family = VTA_AF_INET;
		inet_pton(AF_INET, gw, &nh.gw4);
	}
	return nh;
}

int run_prog(enum vta_prog p, const __u8 *in, __u32 len, __u32 mark,
	     __u32 gso_size, __u32 gso_segs, struct run_out *o)
{
	struct __sk_buff ctx = { .mark = mark, .gso_size = gso_size,
				 .gso_segs = gso_segs };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = in,
		    .data_size_in = len, .data_out = o->data,
		    .data_size_out = sizeof(o->data), .repeat = 1);
	int err;

	if (p != VTA_PROG_XDP_LAN) {
		opts.ctx_in = &ctx;
		opts.ctx_size_in = sizeof(ctx);
		opts.ctx_out = &ctx;
		opts.ctx_size_out = sizeof(ctx);
	}
	err = bpf_prog_test_run_opts(E.prog_fd[p], &opts);
	if (err)
		return -errno;
	o->ret = opts.retval;
	o->len = opts.data_size_out;
	o->mark = p != VTA_PROG_XDP_LAN ? ctx.mark : 0;
	return 0;
}

void result(const char *name, bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		E.pass++;
		E.prog_pass[E.cur]++;
		if (E.verbose)
			printf("ok   %s\n", name);
		return;
	}
	E.fail++;
	E.prog_fail[E.cur]++;
	printf("FAIL %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static bool is_verdict(int c)
{
	return VTA_COUNTER_IS(c, FWD) || VTA_COUNTER_IS(c, PASS) ||
	       VTA_COUNTER_IS(c, DROP);
}

static bool is_event(int c)
{
	return VTA_COUNTER_IS(c, EVENT);
}

int tx_slot_moved(void)
{
	struct vta_stats s;
	size_t i;

	for (i = 0; i < N_USED; i++) {
		if (vta_stats_read(&E.m, used_slots[i], &s))
			continue;
		if (s.c[VTA_TX].packets)
			return used_slots[i];
	}
	return -1;
}

/*
 * Counters: exactly one verdict counter moved, by one packet, on the
 * expected slot; exactly the expected event; TX exactly on the expected
 * slot.
 */
static bool check_counters(const struct fx *f, char *why, size_t wlen)
{
	int want_slot = f->unknown_if ? 0 :
			f->counter_slot ? f->counter_slot : SLOT_IN;
	int verdicts = 0, events = 0, c;
	struct vta_stats s;
	size_t i;

	for (i = 0; i < N_USED; i++) {
		__u32 slot = used_slots[i];

		if (vta_stats_read(&E.m, slot, &s)) {
			snprintf(why, wlen, "read stats slot %u", slot);
			return false;
		}
		for (c = 0; c < VTA_COUNTER_MAX; c++) {
			__u64 n = s.c[c].packets;

			if (!n)
				continue;
			if (is_verdict(c)) {
				verdicts += n;
				if ((int)slot != want_slot || c != f->counter) {
					snprintf(why, wlen,
						 "counter %s moved on slot %u, expected %s on slot %d",
						 vta_counter_name(c), slot,
						 vta_counter_name(f->counter),
						 want_slot);
					return false;
				}
			} else if (is_event(c)) {
				events += n;
				if ((int)slot != want_slot || c != f->ev) {
					snprintf(why, wlen,
						 "event %s moved on slot %u, expected %s",
						 vta_counter_name(c), slot,
						 f->ev == NO_EV ? "none" :
						 vta_counter_name(f->ev));
					return false;
				}
			} else if (c == VTA_TX) {
				if ((int)slot != f->tx_slot || n != 1) {
					snprintf(why, wlen,
						 "tx moved on slot %u (x%llu), expected slot %d",
						 slot, (unsigned long long)n,
						 f->tx_slot);
					return false;
				}
			}
		}
	}
	/* The tunnel egress clamp counts only drops and events. */
	if (f->prog == VTA_PROG_TUN_OUT && f->counter < 0) {
		if (verdicts) {
			snprintf(why, wlen, "vta_tun_out counted a verdict for a passed packet");
			return false;
		}
		if (events != (f->ev == NO_EV ? 0 : 1)) {
			snprintf(why, wlen, "%d events, expected %s", events,
				 f->ev == NO_EV ? "none" : vta_counter_name(f->ev));
			return false;
		}
		return true;
	}
	/* XDP counts only what it consumes. */
	if (f->prog == VTA_PROG_XDP_LAN && f->counter < 0) {
		if (verdicts) {
			snprintf(why, wlen, "XDP counted a passed packet");
			return false;
		}
		return true;
	}
	if (verdicts != 1) {
		snprintf(why, wlen, "%d verdict counters moved, expected 1 (%s)",
			 verdicts, vta_counter_name(f->counter));
		return false;
	}
	if (events != (f->ev == NO_EV ? 0 : 1)) {
		snprintf(why, wlen, "%d events, expected %s", events,
			 f->ev == NO_EV ? "none" : vta_counter_name(f->ev));
		return false;
	}
	if (f->tx_slot && tx_slot_moved() != f->tx_slot) {
		snprintf(why, wlen, "no tx on slot %d", f->tx_slot);
		return false;
	}
	return true;
}

bool run_fx(const struct fx *f)
{
	static __u8 in[PKT_MAX], exp[PKT_MAX];
	size_t in_len, exp_len;
	struct run_out o;
	char why[256] = "";
	bool ok = true;
	int err;

	E.cur = f->prog;
	stats_clear();
	if (f->setup)
		f->setup();
	in_len = pkt_build(&f->in, in);
	if (f->cut > 0 && (size_t)f->cut < in_len)
		in_len = f->cut;
	if (f->out_spec)
		exp_len = pkt_build(&f->out, exp);
	else {
		memcpy(exp, in, in_len);
		exp_len = in_len;
	}
	err = run_prog(f->prog, in, in_len, f->mark_in, f->gso_size,
		       f->gso_segs, &o);
	if (err == -EINVAL && f->cut > 0 &&
	    f->cut < 14 + (f->in.family == 4 ? 20 : 40)) {
		/* Newer kernels refuse to build an skb whose IP header is
		 * cut; such frames cannot reach tc on those kernels either. */
		E.skip++;
		E.prog_skip[f->prog]++;
		if (!E.skip_reason)
			E.skip_reason = "the kernel's BPF_PROG_TEST_RUN refuses frames with a cut IP header (EINVAL)";
		if (E.verbose)
			printf("skip %s: test run refuses it (EINVAL)\n", f->name);
		return true;
	}
	if (err) {
		result(f->name, false, "test run: %s", strerror(-err));
		return false;
	}
	if (o.ret != f->ret) {
		snprintf(why, sizeof(why), "returned %d, expected %d", o.ret,
			 f->ret);
		ok = false;
	} else if (o.len != exp_len || memcmp(o.data, exp, exp_len)) {
		snprintf(why, sizeof(why), "output differs (%u bytes, expected %zu)",
			 o.len, exp_len);
		ok = false;
	} else if (f->prog != VTA_PROG_XDP_LAN && o.mark != f->mark) {
		snprintf(why, sizeof(why), "mark 0x%x, expected 0x%x", o.mark,
			 f->mark);
		ok = false;
	} else if (!check_counters(f, why, sizeof(why))) {
		ok = false;
	} else if (o.ret == ACT_REDIRECT && !f->in.l4_keep) {
		const char *bad = pkt_verify(o.data, o.len,
					     f->out.no_l2 ? 0 : 14);

		if (bad) {
			snprintf(why, sizeof(why), "forwarded packet: %s", bad);
			ok = false;
		}
	}
	result(f->name, ok, "%s", why);
	if (!ok && strstr(why, "output"))
		pkt_hexdump_diff(o.data, o.len, exp, exp_len);
	return ok;
}
