/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * vtiaccel.h - the one contract between the BPF programs (bpf/) and user
 * space (user/, tests/, bench/).
 *
 * Every map key and value, every counter and every pass/drop reason lives
 * here and nowhere else.  Sizes are pinned with _Static_assert so a change
 * on one side that the other has not seen fails to build instead of
 * corrupting map contents.  Only fixed-width types, no pointers, no
 * bitfields: the layout must be identical for clang --target=bpf and for
 * the host compiler.
 */
#ifndef VTIACCEL_H
#define VTIACCEL_H

#include <linux/types.h>

/* Where the maps and programs are pinned (bpffs). */
#define VTA_PIN_ROOT		"/sys/fs/bpf/vtiaccel"

/*
 * Capacities.  Overridable at build time; the BPF objects and user space
 * must be built with the same values (the Makefile passes the same CFLAGS
 * to both).
 */
#ifndef VTA_FIB4_MAX
#define VTA_FIB4_MAX		(1U << 20)	/* IPv4 prefixes */
#endif
#ifndef VTA_FIB6_MAX
#define VTA_FIB6_MAX		(1U << 18)	/* IPv6 prefixes */
#endif
#ifndef VTA_GROUPS_MAX
#define VTA_GROUPS_MAX		65536		/* nexthop groups */
#endif
#ifndef VTA_IFACES_MAX
#define VTA_IFACES_MAX		256		/* managed interfaces */
#endif
#ifndef VTA_PEERS_MAX
#define VTA_PEERS_MAX		256		/* ESP peers */
#endif
#define VTA_STATS_SLOTS		VTA_IFACES_MAX	/* slot 0: unknown interface */
#define VTA_MAX_PATHS		8		/* ECMP members per group */

/* Address families as the kernel numbers them (no libc in BPF). */
#define VTA_AF_INET		2
#define VTA_AF_INET6		10

/* ------------------------------------------------------------------ */
/* FIB: BPF_MAP_TYPE_LPM_TRIE, prefix -> route                          */

struct vta_fib4_key {
	__u32 prefixlen;	/* 0..32 */
	__be32 addr;		/* network byte order */
};

struct vta_fib6_key {
	__u32 prefixlen;	/* 0..128 */
	__u8 addr[16];
};

enum vta_route_type {
	VTA_RT_UNICAST = 0,	/* forward through group_id */
	VTA_RT_LOCAL = 1,	/* local/broadcast address: kernel */
	VTA_RT_KERNEL = 2,	/* anything else (blackhole, unreachable,
				 * a route through an unmanaged device):
				 * kernel.  Shadows shorter prefixes. */
};

struct vta_route {
	__u32 group_id;		/* key into vta_groups (UNICAST only) */
	__u8 type;		/* enum vta_route_type */
	__u8 flags;		/* VTA_RT_F_* */
	__u16 pad;
};

/* The route leads into a tunnel (at least one member is a tunnel). */
#define VTA_RT_F_VIA_TUNNEL	(1U << 0)
/* The route was learned with a gateway (not directly connected). */
#define VTA_RT_F_GATEWAY	(1U << 1)

/* ------------------------------------------------------------------ */
/* Nexthop groups: BPF_MAP_TYPE_HASH, id -> group.  Never rewritten in
 * place while programs run: an update of an existing key recycles the
 * old element at once (preallocated htab, per-CPU extra_elems), so the
 * daemon writes a changed group under a new id, repoints the routes and
 * deletes the old id after a grace period (user/sync.c, retire()).     */

enum vta_nh_kind {
	VTA_NH_TUNNEL = 1,	/* L3 device: bpf_redirect(), no L2 header */
	VTA_NH_NEIGH = 2,	/* L2 device: bpf_redirect_neigh() to gw, or
				 * to the packet's destination when on-link */
};

struct vta_nh {
	__u32 ifindex;
	__u8 kind;		/* enum vta_nh_kind */
	__u8 gw_family;		/* 0: on-link; VTA_AF_INET or VTA_AF_INET6 */
	__u16 weight;		/* 1..256, as RTNH hops+1 / NHA_GROUP weight+1 */
	union {
		__be32 gw4;
		__u8 gw6[16];
	};
};

struct vta_group {
	__u32 n_paths;		/* 0..VTA_MAX_PATHS; 0 means no usable path */
	__u32 total_weight;	/* sum of paths[i].weight */
	struct vta_nh paths[VTA_MAX_PATHS];
};

/* ------------------------------------------------------------------ */
/* Interfaces: BPF_MAP_TYPE_HASH, ifindex -> interface                  */

enum vta_role {
	VTA_ROLE_NONE = 0,
	VTA_ROLE_LAN = 1,
	VTA_ROLE_WAN = 2,
	VTA_ROLE_TUNNEL = 3,
};

struct vta_iface {
	__u32 role;		/* enum vta_role */
	__u32 slot;		/* index into vta_stats, 1..VTA_STATS_SLOTS-1 */
	__u32 mtu;		/* L3 MTU used for the egress check */
	__u16 mss4;		/* MSS clamp for IPv4 SYNs leaving or arriving
				 * through this interface; 0 = do not clamp */
	__u16 mss6;		/* same for IPv6 */
	__u32 flags;		/* VTA_IF_F_* */
	__u32 mark;		/* tunnel: the mark its ESP got (ikey) */
	__u32 mark_mask;	/* tunnel: bits cleared on decapsulated
				 * packets (VTA_IF_F_CLEAR_MARK) */
};

#define VTA_IF_F_UP		(1U << 0)	/* link up, usable */
#define VTA_IF_F_SA_UP		(1U << 1)	/* tunnel: SAs both ways */
#define VTA_IF_F_CLEAR_MARK	(1U << 2)	/* tunnel ingress: clear mark */
#define VTA_IF_F_RPF_STRICT	(1U << 3)	/* tunnel ingress: strict RPF */
#define VTA_IF_F_CLAMP_IN	(1U << 4)	/* clamp SYNs arriving here too */
/*
 * The device is an Ethernet device (veth, ENA).  Clear for VTI/xfrm: there
 * tc may see either the IP header first or, after decryption on 6.1, the
 * outer packet's 14-byte MAC header left in front of the inner IP header;
 * the programs tell the two apart from the packet itself (bpf/parse.h).
 */
#define VTA_IF_F_L2		(1U << 5)

/* ------------------------------------------------------------------ */
/* ESP peers: BPF_MAP_TYPE_HASH, {family, local, peer} -> mark          */

struct vta_peer_key {
	__u32 family;		/* VTA_AF_INET or VTA_AF_INET6 */
	__u8 local[16];		/* IPv4 in the first 4 bytes, rest zero */
	__u8 peer[16];
};

struct vta_peer {
	__u32 mark;		/* --set-xmark value/mask: */
	__u32 mask;		/*   mark = (mark & ~mask) ^ value */
	__u32 tunnel_ifindex;	/* for stats and `status`; may be 0 */
	__u32 flags;		/* VTA_PEER_F_* */
};

#define VTA_PEER_F_ESP		(1U << 0)	/* mark plain ESP (proto 50) */
#define VTA_PEER_F_NATT		(1U << 1)	/* mark ESP in UDP 4500 */

#define VTA_NATT_PORT		4500

/* ------------------------------------------------------------------ */
/* Config: BPF_MAP_TYPE_ARRAY with one element                          */

struct vta_config {
	__u64 lease_deadline_ns;	/* bpf_ktime_get_ns() (CLOCK_MONOTONIC)
					 * past which every program passes
					 * everything to the kernel; 0 = off */
	__u32 hash_seed;		/* flow hash seed */
	__u32 flags;			/* VTA_CFG_F_* */
};

#define VTA_CFG_F_FORWARD	(1U << 0)	/* fast-path forwarding on */
#define VTA_CFG_F_ESP_MARK	(1U << 1)	/* WAN ESP marking on */
#define VTA_CFG_F_XDP_GUARD	(1U << 2)	/* LAN XDP anti-spoof drop */
/* The daemon attaches XDP to LAN interfaces ([forward] xdp): no program
 * reads it; `status` tells "XDP off by configuration" from "refused". */
#define VTA_CFG_F_XDP		(1U << 3)
/* The daemon withholds the lease (deadline 0) because the maps are not a
 * complete mirror yet (first dump, resync after lost events): no program
 * reads it; `status` tells this from a daemon that is gone. */
#define VTA_CFG_F_RESYNC	(1U << 4)
/* The daemon cleared VTA_CFG_F_FORWARD because the kernel applies a
 * feature to forwarded packets that the maps do not mirror (ip rules,
 * netfilter, XFRM policies: user/kfeatures.h); for `status` only. */
#define VTA_CFG_F_KFEATURES	(1U << 5)

/* ------------------------------------------------------------------ */
/* Stats: BPF_MAP_TYPE_PERCPU_ARRAY, slot -> counters.  Slot 0 counts
 * packets on interfaces the programs do not know.  Every verdict the
 * programs reach is one of these ids: the reason is the stats key.     */

/*
 * One X-macro so the enum and the names user space prints cannot drift:
 * X(id, "name", "help").
 */
#define VTA_COUNTERS(X)							\
	/* forwarded by the fast path (counted on the ingress slot) */	\
	X(FWD_TO_TUNNEL, "fwd_to_tunnel", "forwarded LAN -> tunnel")	\
	X(FWD_TO_LAN, "fwd_to_lan", "forwarded tunnel -> LAN")		\
	X(FWD_XDP, "fwd_xdp", "forwarded by XDP")			\
	/* sent by the fast path (counted on the egress slot) */	\
	X(TX, "tx", "sent by the fast path out of this interface")	\
	/* passed to the kernel unchanged, by reason */			\
	X(PASS_NOT_IP, "pass_not_ip", "not IPv4/IPv6")			\
	X(PASS_VLAN, "pass_vlan", "VLAN tagged")			\
	X(PASS_MALFORMED, "pass_malformed", "truncated or inconsistent header") \
	X(PASS_IP_OPTIONS, "pass_ip_options", "IPv4 options")		\
	X(PASS_FRAGMENT, "pass_fragment", "IP fragment")		\
	X(PASS_EXT_HDR, "pass_ext_hdr", "IPv6 extension header")	\
	X(PASS_TTL, "pass_ttl", "TTL or hop limit <= 1")		\
	X(PASS_MTU, "pass_mtu", "larger than the egress MTU")		\
	X(PASS_LOCAL, "pass_local", "local, broadcast or multicast destination") \
	X(PASS_NO_ROUTE, "pass_no_route", "no route in the map FIB")	\
	X(PASS_NO_PATH, "pass_no_path", "no usable nexthop (tunnel down)") \
	X(PASS_NO_NEIGH, "pass_no_neigh", "neighbour not resolved")	\
	X(PASS_UNKNOWN_IF, "pass_unknown_if", "interface not managed")	\
	X(PASS_LEASE, "pass_lease", "daemon lease expired")		\
	X(PASS_RPF, "pass_rpf", "source not in the map FIB")		\
	X(PASS_MSS, "pass_mss", "SYN the clamp leaves to the kernel")	\
	X(PASS_REDIRECT, "pass_redirect", "redirect helper refused")	\
	/* dropped, by reason */					\
	X(DROP_RPF, "drop_rpf", "strict RPF: source routed elsewhere")	\
	X(DROP_SPOOF, "drop_spoof", "LAN source belongs to a tunnel route") \
	X(DROP_TCP_HDR, "drop_tcp_hdr", "SYN with unusable TCP header (as TCPMSS)") \
	X(DROP_IP_CSUM, "drop_ip_csum", "bad IPv4 header checksum")	\
	/* events: the packet is also counted under a verdict above */	\
	X(EV_MSS_CLAMPED, "mss_clamped", "MSS option lowered")		\
	X(EV_MSS_INSERTED, "mss_inserted", "MSS option inserted")	\
	X(EV_ESP_MARKED, "esp_marked", "ESP packet marked")		\
	X(EV_MARK_CLEARED, "mark_cleared", "mark cleared after decapsulation") \
	/* added later: the list only grows at its end (classify with	\
	 * VTA_COUNTER_IS_* below, not by position) */			\
	X(PASS_MARK_OFF, "pass_mark_off", "WAN: ESP marking is off ([esp] mark = no)")

#define VTA_COUNTER_ENUM(id, name, help) VTA_##id,
enum vta_counter {
	VTA_COUNTERS(VTA_COUNTER_ENUM)
	VTA_COUNTER_MAX
};
#undef VTA_COUNTER_ENUM

/* First and last "pass to kernel" and "drop" ids, for summaries. */
#define VTA_PASS_FIRST		VTA_PASS_NOT_IP
#define VTA_PASS_LAST		VTA_PASS_REDIRECT
#define VTA_DROP_FIRST		VTA_DROP_RPF
#define VTA_DROP_LAST		VTA_DROP_IP_CSUM
#define VTA_EV_FIRST		VTA_EV_MSS_CLAMPED
#define VTA_EV_LAST		VTA_EV_MARK_CLEARED

/* What a counter is, including those appended after the events. */
#define VTA_COUNTER_IS_PASS(c)						\
	(((c) >= VTA_PASS_FIRST && (c) <= VTA_PASS_LAST) ||		\
	 (c) == VTA_PASS_MARK_OFF)
#define VTA_COUNTER_IS_DROP(c)	((c) >= VTA_DROP_FIRST && (c) <= VTA_DROP_LAST)
#define VTA_COUNTER_IS_EVENT(c)	((c) >= VTA_EV_FIRST && (c) <= VTA_EV_LAST)

struct vta_counter_val {
	__u64 packets;
	__u64 bytes;
};

struct vta_stats {
	struct vta_counter_val c[VTA_COUNTER_MAX];
};

/* Map names, as pinned under VTA_PIN_ROOT (<= 15 chars). */
#define VTA_MAP_FIB4		"vta_fib4"
#define VTA_MAP_FIB6		"vta_fib6"
#define VTA_MAP_GROUPS		"vta_groups"
#define VTA_MAP_IFACES		"vta_ifaces"
#define VTA_MAP_PEERS		"vta_peers"
#define VTA_MAP_CONFIG		"vta_config"
#define VTA_MAP_STATS		"vta_stats"

_Static_assert(sizeof(struct vta_fib4_key) == 8, "vta_fib4_key");
_Static_assert(sizeof(struct vta_fib6_key) == 20, "vta_fib6_key");
_Static_assert(sizeof(struct vta_route) == 8, "vta_route");
_Static_assert(sizeof(struct vta_nh) == 24, "vta_nh");
_Static_assert(sizeof(struct vta_group) == 8 + 24 * VTA_MAX_PATHS,
	       "vta_group");
_Static_assert(sizeof(struct vta_iface) == 28, "vta_iface");
_Static_assert(sizeof(struct vta_peer_key) == 36, "vta_peer_key");
_Static_assert(sizeof(struct vta_peer) == 16, "vta_peer");
_Static_assert(sizeof(struct vta_config) == 16, "vta_config");
_Static_assert(sizeof(struct vta_counter_val) == 16, "vta_counter_val");
_Static_assert(sizeof(struct vta_stats) == 16 * VTA_COUNTER_MAX,
	       "vta_stats");

#endif /* VTIACCEL_H */
