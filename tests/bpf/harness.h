/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * harness.h - the bpf tier: load the programs with private maps, set map
 * state per fixture, run a packet through BPF_PROG_TEST_RUN, compare
 * verdict, output bytes, mark, the verdict counter that moved and the
 * redirect target (TX on the egress interface's stats slot).
 */
#ifndef VTA_TEST_HARNESS_H
#define VTA_TEST_HARNESS_H

#include <stdbool.h>
#include "vtiaccel.h"
#include "loader.h"
#include "fib4.h"
#include "pkt.h"

/* Test topology (ifindex = stats slot for the managed ones). */
#define IF_IN		1	/* ingress: test_run's loopback */
#define IF_TUN1		11	/* vti1 */
#define IF_TUN2		12	/* vti2 */
#define IF_LAN2		21	/* another LAN */
#define IF_LAN		22	/* the LAN, as egress of tunnel ingress */
#define SLOT_IN		1
#define SLOT_TUN1	11
#define SLOT_TUN2	12
#define SLOT_LAN2	21
#define SLOT_LAN	22

#define NO_EV		0	/* event ids are never 0 */
#define ACT_OK		0	/* TC_ACT_OK / XDP_PASS */
#define ACT_SHOT	2	/* TC_ACT_SHOT */
#define ACT_REDIRECT	7	/* TC_ACT_REDIRECT */

struct fx {
	const char *name;
	enum vta_prog prog;
	void (*setup)(void);		/* map state; NULL: none beyond reset */
	struct pkt_spec in;
	int cut;			/* >0: truncate the input to cut bytes */
	__u32 mark_in;
	__u32 gso_size, gso_segs;
	int ret;			/* expected return code */
	int counter;			/* expected verdict counter (ingress) */
	int ev;				/* expected event counter or NO_EV */
	int counter_slot;		/* slot of the verdict; 0 = SLOT_IN unless
					 * unknown_if */
	bool unknown_if;		/* verdict on slot 0 */
	int tx_slot;			/* TX expected on this slot, 0 = none */
	__u32 mark;			/* expected mark out */
	bool out_spec;			/* expected output = out, else input */
	struct pkt_spec out;
};

struct env {
	struct vta_loader *l;
	struct vta_maps m;
	struct vta_fib4_view fv;	/* the IPv4 tables, mmap'ed */
	struct vta_fib4 *fib4;		/* written as the daemon does */
	struct vta_ifdata *ifd;		/* vta_ifdata, mmap'ed */
	int prog_fd[VTA_PROG_MAX];
	int ncpu;
	int pass, fail, skip;
	int prog_pass[VTA_PROG_MAX], prog_fail[VTA_PROG_MAX];
	int prog_skip[VTA_PROG_MAX];
	enum vta_prog cur;		/* program the next result is for */
	const char *skip_reason;
	bool verbose;
};

extern struct env E;

/* Map state. */
void env_reset(__u32 cfg_flags);
void set_config(__u64 lease_ns_from_now, __u32 seed, __u32 flags);
void add_iface(__u32 ifindex, __u32 role, __u32 slot, __u32 mtu,
	       __u16 mss4, __u16 mss6, __u32 flags, __u32 mark, __u32 mask);
void add_route(const char *cidr, __u8 type, __u32 gid, __u8 flags);
/* The same with the route's MTU metric. */
void add_route_mtu(const char *cidr, __u8 type, __u32 gid, __u8 flags,
		   __u16 mtu);
/* Remove an IPv4 route (the covering one takes its addresses again). */
void del_route4(const char *cidr);
void add_group(__u32 gid, int n, const struct vta_nh *nh);
/* Set the IPv6 MTU (vta_iface.mtu6) of an interface added before. */
void set_iface_mtu6(__u32 ifindex, __u32 mtu6);
/* The interface leaves vta_ifslot (and its slot is freed). */
void del_iface(__u32 ifindex);
/* Raw writes to an interface's vta_ifdata entry, as a reader could find
 * it mid-write: seq += delta; both copies' ifindex; the daemon between
 * the latch's halves (seq odd, c[0] garbage); the copy seq does not point
 * to made garbage (seq unchanged). */
void iface_seq_add(__u32 ifindex, __u32 delta);
void iface_set_owner(__u32 ifindex, __u32 owner);
void iface_latch_half(__u32 ifindex);
void iface_scribble_other(__u32 ifindex);
void add_group_buckets(__u32 gid, int n, const struct vta_nh *nh,
		       const __u8 *buckets);
void add_peer(int family, const char *local, const char *peer, __u32 mark,
	      __u32 mask, __u32 flags);
struct vta_nh nh_tun(__u32 ifindex, __u16 weight);
struct vta_nh nh_neigh(__u32 ifindex, const char *gw);

/* Run one fixture, print its result, count it. */
bool run_fx(const struct fx *f);

/* Raw run for custom checks. */
struct run_out {
	int ret;
	__u8 data[PKT_MAX];
	__u32 len;
	__u32 mark;
};
int run_prog(enum vta_prog p, const __u8 *in, __u32 len, __u32 mark,
	     __u32 gso_size, __u32 gso_segs, struct run_out *o);
/* Which member slot got TX since the last reset: slot, or -1. */
int tx_slot_moved(void);
void stats_clear(void);
void result(const char *name, bool ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Fixture groups. */
void fixtures_lan(void);
void fixtures_tun(void);
void fixtures_wan(void);
void fixtures_xdp(void);
void fixtures_mss(void);
void fixtures_ecmp(void);
void fixtures_fid(void);
void fixtures_out(void);
void fixtures_fib4(void);
void fixtures_xlated(void);
void fixtures_spread(void);

#endif
