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
/*
 * The IPv4 FIB the programs read (DIR-24-8, below): second-level blocks
 * (1 KiB each: one per /24 that holds a prefix longer than /24) and route
 * slots (16 B each: one per prefix, plus as many again for the ones
 * quarantined after a change, docs/datapath-notes.md "The IPv4 FIB").
 */
#ifndef VTA_FIB4_BLOCKS
#define VTA_FIB4_BLOCKS		8192
#endif
#ifndef VTA_FIB4_ROUTES
#define VTA_FIB4_ROUTES		(2 * VTA_FIB4_MAX)
#endif
#ifndef VTA_GROUPS_MAX
#define VTA_GROUPS_MAX		65536		/* nexthop groups */
#endif
#ifndef VTA_IFACES_MAX
#define VTA_IFACES_MAX		256		/* managed interfaces */
#endif
/* ifindexes below this find their slot in the array vta_ifidx; the rest
 * (a host that created and deleted many interfaces) in the hash
 * vta_ifslot */
#ifndef VTA_IFIDX_DIRECT
#define VTA_IFIDX_DIRECT	(1U << 16)
#endif
#ifndef VTA_PEERS_MAX
#define VTA_PEERS_MAX		256		/* ESP peers */
#endif
#define VTA_STATS_SLOTS		VTA_IFACES_MAX	/* slot 0: unknown interface */
#define VTA_MAX_PATHS		8		/* ECMP members per group */
#define VTA_GROUP_BUCKETS	128		/* resilient ECMP buckets */

/*
 * Where vta_xdp_lan runs among the programs of libxdp's dispatcher: after
 * the programs of default priority (XDP_DEFAULT_RUN_PRIO, 50), so that
 * another XDP user's filter sees every packet first, with chain-call on
 * XDP_PASS only, so that what we pass still reaches the programs after
 * ours while what we drop (spoofed sources) is done.
 */
#define VTA_XDP_RUN_PRIO	60

/* Address families as the kernel numbers them (no libc in BPF). */
#define VTA_AF_INET		2
#define VTA_AF_INET6		10

/* ------------------------------------------------------------------ */
/* FIB: IPv6 a BPF_MAP_TYPE_LPM_TRIE, prefix -> route; IPv4 DIR-24-8   */
/* (below).  vta_fib4_key: no map uses it, the test tools' prefix form. */

struct vta_fib4_key {
	__u32 prefixlen;	/* 0..32 */
	__be32 addr;		/* network byte order */
};

struct vta_fib6_key {
	__u32 prefixlen;	/* 0..128 */
	__u8 addr[16];
};

/*
 * IPv4 FIB as the programs read it: DIR-24-8 in three BPF_F_MMAPABLE
 * arrays the daemon writes through mmap (user/fib4.c).  vta_fib4_l1 holds
 * 2^24 u32 entries, one per /24, as 65536 elements of 256 (an array map
 * stores each element 8-byte aligned, so u32 elements would take 8 bytes
 * each).  An entry is VTA_FIB4_BLOCK | n: the /24 is resolved by block n
 * of vta_fib4_l2, 256 entries by the last byte of the address; or a leaf
 * (0: no route): the prefix's route slot in its low VTA_FIB4_RV_SHIFT
 * bits and, above them, the id of its route value, interned in slots
 * 1..VTA_FIB4_RV_MAX of vta_fib4_rt (0: not interned).  The programs read
 * the interned value, one of a few hot slots, and the prefix's own slot
 * only when it has none: at most two table reads and one route read per
 * lookup, at any size.  These three maps are the only IPv4 FIB: the
 * prefixes' slots also list the prefixes (`routes`, `verify`, `bpftool
 * map dump` of vta_fib4_rt: docs/guide.md).
 */
#define VTA_FIB4_BLOCK		(1U << 31)
#define VTA_FIB4_RV_SHIFT	21
#define VTA_FIB4_SLOT_MASK	((1U << VTA_FIB4_RV_SHIFT) - 1)
#define VTA_FIB4_RV_MAX		1023	/* interned route values */

struct vta_fib4_tbl {
	__u32 e[256];
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
	__u16 mtu;		/* the route's MTU metric (RTAX_MTU, locked
				 * or not); 0 = none: the egress interface's
				 * MTU applies.  UNICAST only.  The egress
				 * clamp honours it as dst_mtu() does
				 * (bpf_fib_lookup() does not report an
				 * unlocked one) */
};

/* The route leads into a tunnel (at least one member is a tunnel). */
#define VTA_RT_F_VIA_TUNNEL	(1U << 0)
/* The route was learned with a gateway (not directly connected). */
#define VTA_RT_F_GATEWAY	(1U << 1)

/* A route slot: the route, and which prefix it is for (`vtiaccel lookup`
 * prints the match without walking the prefixes).  live: 1 while the
 * slot is a prefix's (filled before it is published, cleared when the
 * prefix leaves or moves to another slot).  Slots 1..VTA_FIB4_RV_MAX
 * hold interned route values instead (live 0, r only): the route of
 * every prefix whose slot names it in rv, which its entries carry. */
struct vta_fib4_slot {
	struct vta_route r;
	__be32 addr;		/* the prefix, network byte order */
	__u8 len;
	__u8 live;
	__u16 rv;		/* the id its entries carry (0: none) */
};

/* Slot 0 is no route (an entry 0 is "no route"): the writer keeps there
 * the number of prefixes and the end of the slots ever used, so that a
 * reader counts in one read and lists the live slots below top without
 * scanning the whole map.  top is stored after the slots below it are
 * filled. */
struct vta_fib4_head {
	__u32 prefixes;
	__u32 top;
	__u32 pad[2];
};

/* ------------------------------------------------------------------ */
/* Nexthop groups: BPF_MAP_TYPE_HASH, id -> group.  Never rewritten in
 * place while programs run: an update of an existing key recycles the
 * old element at once (preallocated htab, per-CPU extra_elems), so the
 * daemon writes a changed group under a new id, repoints the routes and
 * deletes the old id after a grace period (user/sync_group.c, retire()).     */

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
	/* Resilient ECMP (vta_group_pick(), docs/datapath-notes.md "ECMP
	 * member pick"): the flow hash picks a bucket, the bucket names a
	 * member (index into paths, < n_paths).  The daemon fills the
	 * buckets in proportion to the weights and, when the members
	 * change, reassigns only the buckets it must.  n_buckets is
	 * VTA_GROUP_BUCKETS when the table is valid, 0 for none
	 * (hash-threshold over the weights). */
	__u32 n_buckets;
	__u8 buckets[VTA_GROUP_BUCKETS];
};

/* ------------------------------------------------------------------ */
/* Interfaces: vta_ifslot, BPF_MAP_TYPE_HASH, ifindex -> slot (__u32),
 * and vta_ifdata, a BPF_F_MMAPABLE array, slot -> struct vta_ifdata.
 * vta_ifidx, an array indexed by ifindex (0 = not managed), is the same
 * ifindex -> slot index for ifindexes below VTA_IFIDX_DIRECT: the one the
 * programs read (an array lookup is an address computation, a hash lookup
 * hashes the key and walks a bucket).  vta_ifslot stays the list of
 * managed interfaces user space walks, and the programs' index for larger
 * ifindexes.  Written after vta_ifslot and cleared before it, so the
 * array's entries are a subset of the hash's; a stale or torn slot there
 * finds another interface's entry, whose ifindex does not match: the
 * packet goes to the kernel (below).
 *
 * Never rewritten in place through a hash map (issue 11, item 6): an
 * update of an existing key of a hash map recycles the old element at
 * once (preallocated: htab_map_update_elem() returns it to the per-CPU
 * extra_elems spare or, through free_htab_elem(), to the freelist, and
 * the next update takes it; without prealloc bpf_mem_cache_free() puts it
 * on a per-CPU free list that the next alloc pops), so a program holding
 * the old element's pointer could read fields of two versions, or of
 * another interface.  vta_ifslot values are written once (insert) and
 * deleted, never updated; a slot freed by a deleted interface is given
 * out again only after a grace period (user/sync_link.c slot_alloc()).  The
 * data lives in vta_ifdata, written by the daemon through mmap under a
 * sequence counter and read by the programs with vta_iface_get()
 * (bpf/maps.h) and by user space with vta_ifdata_read() (user/ifdata.h)
 * as a latch: two copies, readers take the one seq points to while the
 * daemon writes the other.  A seq that changed twice during the read, or
 * a copy whose ifindex is not the one looked up means "unknown
 * interface": the packet goes to the kernel (docs/datapath-notes.md
 * "Interface entries").                                                */

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
	__u32 mtu6;		/* the device's IPv6 MTU (net.ipv6.conf.DEV.mtu,
				 * may be below mtu) for IPv6 packets
				 * leaving here; 0 = unknown: mtu
				 * (vta_dev_mtu()) */
};

/* One vta_ifdata element: a seqcount latch (the kernel's
 * raw_write_seqcount_latch()), two copies of the entry.  seq: its low bit
 * is the copy readers take, c[seq & 1]; the daemon writes the other one
 * (docs/datapath-notes.md "Interface entries").  ifindex: the interface
 * the copy is for (0: the slot is free).  v stays 8-byte aligned: the
 * programs load it as four __u64. */
struct vta_ifdata {
	__u32 seq;
	__u32 pad;
	struct vta_ifcopy {
		__u32 ifindex;
		__u32 pad;
		struct vta_iface v;
	} c[2];
};

/*
 * Interface flags: X(id, bit, "name").  One list for the programs, the CLI
 * (`status` prints the names upper-cased) and the test fixtures' specs.
 *
 * L2: the device is an Ethernet device (veth, ENA).  Clear for VTI/xfrm:
 * there tc may see either the IP header first or, after decryption on
 * 6.1, the outer packet's 14-byte MAC header left in front of the inner IP
 * header; the programs tell the two apart from the packet itself
 * (bpf/parse.h).
 *
 * Mirrored sysctls of the ingress device (docs/datapath-notes.md,
 * "Source validation and forwarding switches"):
 * RP_FILTER: net.ipv4.conf.{all,DEV}.rp_filter, the larger of the two as
 * the kernel takes it, is not 0 (strict and loose are both checked as
 * strict: a source routed elsewhere goes to the kernel);
 * NO_FWD4: net.ipv4.conf.DEV.forwarding is 0 (the input device decides,
 * ip_route_input_slow()); NO_FWD6: net.ipv6.conf.all.forwarding is 0
 * (ip6_forward()).
 *
 * Tunnel: how the egress clamp (vta_tun_out, bpf/clamp.h) uses mss4/mss6.
 * MSS_FIXED: exactly these values (--set-mss).  MSS_PMTU: ignore them and
 * derive the clamp from the live route MTUs (--clamp-mss-to-pmtu), so that
 * an entry a dead daemon left stays right when an MTU changes.  Neither:
 * the lower of these values (the SA-derived MSS) and the live one.  An
 * mss of 0 means no clamp (mode off); no entry at all means PMTU.
 */
#define VTA_IF_FLAGS(X)							\
	X(UP, 0, "up")			/* link up, usable */		\
	X(SA_UP, 1, "sa_up")		/* tunnel: SAs both ways */	\
	X(CLEAR_MARK, 2, "clear_mark")	/* tunnel ingress: clear mark */ \
	X(RPF_STRICT, 3, "rpf_strict")	/* tunnel ingress: strict RPF */ \
	X(CLAMP_IN, 4, "clamp_in")	/* clamp SYNs arriving here too */ \
	X(L2, 5, "l2")			/* Ethernet device (above) */	\
	X(RP_FILTER, 6, "rp_filter")	/* (above) */			\
	X(NO_FWD4, 7, "no_fwd4")	/* (above) */			\
	X(NO_FWD6, 8, "no_fwd6")	/* (above) */			\
	X(MSS_FIXED, 9, "mss_fixed")	/* (above) */			\
	X(MSS_PMTU, 10, "mss_pmtu")	/* (above) */

#define VTA__FLAG_ENUM(prefix, id, bit) prefix##id = (1U << (bit)),
#define VTA__IF_F_ENUM(id, bit, name) VTA__FLAG_ENUM(VTA_IF_F_, id, bit)
enum vta_if_flag { VTA_IF_FLAGS(VTA__IF_F_ENUM) };

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

/*
 * Config flags, X(id, bit, "name").  No program reads XDP, RESYNC or
 * KFEATURES: they are for `status`.  XDP: the daemon attaches XDP to LAN
 * interfaces ([forward] xdp), so `status` tells "XDP off by configuration"
 * from "refused".  RESYNC: the daemon withholds the lease (deadline 0)
 * because the maps are not a complete mirror yet (first dump, resync
 * after lost events), told apart from a daemon that is gone.  KFEATURES:
 * the daemon cleared FORWARD because the kernel applies a feature to
 * forwarded packets that the maps do not mirror (ip rules, netfilter,
 * XFRM policies: user/kfeatures.h).
 */
#define VTA_CFG_FLAGS(X)						\
	X(FORWARD, 0, "forward")	/* fast-path forwarding on */	\
	X(ESP_MARK, 1, "esp_mark")	/* WAN ESP marking on */	\
	X(XDP_GUARD, 2, "xdp_guard")	/* LAN XDP anti-spoof drop */	\
	X(XDP, 3, "xdp")		/* XDP wanted on LAN (above) */	\
	X(RESYNC, 4, "resync")		/* lease withheld (above) */	\
	X(KFEATURES, 5, "kfeatures")	/* forwarding off (above) */

#define VTA__CFG_F_ENUM(id, bit, name) VTA__FLAG_ENUM(VTA_CFG_F_, id, bit)
enum vta_cfg_flag { VTA_CFG_FLAGS(VTA__CFG_F_ENUM) };

/* ------------------------------------------------------------------ */
/* Stats: BPF_MAP_TYPE_PERCPU_ARRAY, slot -> counters.  Slot 0 counts
 * packets on interfaces the programs do not know.  Every verdict the
 * programs reach is one of these ids: the reason is the stats key.     */

/*
 * One X-macro so the enum, the kinds and the names user space prints
 * cannot drift: X(id, kind, "name", "help").  Ids are positions in
 * struct vta_stats, pinned across versions: the list only grows at its
 * end, and a counter no program emits any more stays as RESERVED (not
 * printed) instead of moving the ones after it.
 *
 * Kinds: FWD forwarded by the fast path (counted on the ingress slot),
 * TX sent by the fast path (egress slot), PASS handed to the kernel
 * unchanged, DROP dropped, EVENT an extra count for a packet that also
 * has one of the verdicts above.
 */
#define VTA_COUNTERS(X)							\
	X(FWD_TO_TUNNEL, FWD, "fwd_to_tunnel", "forwarded LAN -> tunnel") \
	X(FWD_TO_LAN, FWD, "fwd_to_lan", "forwarded tunnel -> LAN")	\
	X(RESERVED_2, RESERVED, "reserved_2", "was fwd_xdp, never emitted") \
	X(TX, TX, "tx", "sent by the fast path out of this interface")	\
	X(PASS_NOT_IP, PASS, "pass_not_ip", "not IPv4/IPv6")		\
	X(PASS_VLAN, PASS, "pass_vlan", "VLAN tagged")			\
	X(PASS_MALFORMED, PASS, "pass_malformed", "truncated or inconsistent header") \
	X(PASS_IP_OPTIONS, PASS, "pass_ip_options", "IPv4 options")	\
	X(PASS_FRAGMENT, PASS, "pass_fragment", "IP fragment")		\
	X(PASS_EXT_HDR, PASS, "pass_ext_hdr", "IPv6 extension header")	\
	X(PASS_TTL, PASS, "pass_ttl", "TTL or hop limit <= 1")		\
	X(PASS_MTU, PASS, "pass_mtu", "larger than the egress MTU")	\
	X(PASS_LOCAL, PASS, "pass_local", "local, broadcast or multicast destination") \
	X(PASS_NO_ROUTE, PASS, "pass_no_route", "no route in the map FIB") \
	X(PASS_NO_PATH, PASS, "pass_no_path", "no usable nexthop (tunnel down)") \
	X(RESERVED_15, RESERVED, "reserved_15", "was pass_no_neigh, never emitted") \
	X(PASS_UNKNOWN_IF, PASS, "pass_unknown_if", "interface not managed") \
	X(PASS_LEASE, PASS, "pass_lease", "daemon lease expired")	\
	X(PASS_RPF, PASS, "pass_rpf", "source not in the map FIB")	\
	X(PASS_MSS, PASS, "pass_mss", "SYN the clamp leaves to the kernel") \
	X(PASS_REDIRECT, PASS, "pass_redirect", "redirect helper refused") \
	X(DROP_RPF, DROP, "drop_rpf", "strict RPF: source routed elsewhere") \
	X(DROP_SPOOF, DROP, "drop_spoof", "LAN source belongs to a tunnel route") \
	X(DROP_TCP_HDR, DROP, "drop_tcp_hdr", "SYN with unusable TCP header (as TCPMSS)") \
	X(RESERVED_24, RESERVED, "reserved_24", "was drop_ip_csum, never emitted") \
	X(EV_MSS_CLAMPED, EVENT, "mss_clamped", "MSS option lowered")	\
	X(EV_MSS_INSERTED, EVENT, "mss_inserted", "MSS option inserted") \
	X(EV_ESP_MARKED, EVENT, "esp_marked", "ESP packet marked")	\
	X(EV_MARK_CLEARED, EVENT, "mark_cleared", "mark cleared after decapsulation") \
	X(PASS_MARK_OFF, PASS, "pass_mark_off", "WAN: ESP marking is off ([esp] mark = no)") \
	X(PASS_NOT_HOST, PASS, "pass_not_host", "frame not addressed to this host (pkt_type)") \
	X(PASS_SRC_LOCAL, PASS, "pass_src_local", "source is a local or broadcast address") \
	X(PASS_FWD_OFF, PASS, "pass_fwd_off", "forwarding sysctl off on the ingress device") \
	X(EV_OUT_MSS_CLAMPED, EVENT, "out_mss_clamped", "tunnel egress: MSS lowered on a SYN leaving through the tunnel") \
	X(EV_OUT_MSS_INSERTED, EVENT, "out_mss_inserted", "tunnel egress: MSS option inserted into a SYN leaving through the tunnel") \
	X(DROP_OUT_TCP_HDR, DROP, "out_drop_tcp_hdr", "tunnel egress: SYN with unusable TCP header dropped (as TCPMSS)") \
	X(PASS_IF_CHANGING, PASS, "pass_if_changing", "interface entry rewritten twice during one read, or its slot given to another interface")

enum vta_counter_kind {
	VTA_CK_RESERVED = 0,
	VTA_CK_FWD,
	VTA_CK_TX,
	VTA_CK_PASS,
	VTA_CK_DROP,
	VTA_CK_EVENT,
};

#define VTA_COUNTER_ENUM(id, kind, name, help) VTA_##id,
enum vta_counter {
	VTA_COUNTERS(VTA_COUNTER_ENUM)
	VTA_COUNTER_MAX
};
#undef VTA_COUNTER_ENUM

/*
 * One bit per counter of a kind, as constant expressions the programs can
 * test too: VTA_COUNTER_IS(c, DROP).
 */
#define VTA__CK_BIT(want, id, kind)					\
	((__u64)(VTA_CK_##kind == VTA_CK_##want) << VTA_##id)
#define VTA__CK_FWD(id, kind, name, help)	| VTA__CK_BIT(FWD, id, kind)
#define VTA__CK_TX(id, kind, name, help)	| VTA__CK_BIT(TX, id, kind)
#define VTA__CK_PASS(id, kind, name, help)	| VTA__CK_BIT(PASS, id, kind)
#define VTA__CK_DROP(id, kind, name, help)	| VTA__CK_BIT(DROP, id, kind)
#define VTA__CK_EVENT(id, kind, name, help)	| VTA__CK_BIT(EVENT, id, kind)
#define VTA__CK_RESERVED(id, kind, name, help)	| VTA__CK_BIT(RESERVED, id, kind)
#define VTA_COUNTER_MASK(kind)	(0 VTA_COUNTERS(VTA__CK_##kind))
#define VTA_COUNTER_IS(c, kind)	((VTA_COUNTER_MASK(kind) >> (c)) & 1)

struct vta_counter_val {
	__u64 packets;
	__u64 bytes;
};

struct vta_stats {
	struct vta_counter_val c[VTA_COUNTER_MAX];
};

/*
 * The forwarded packets, all slots in one per-CPU element (map
 * vta_fwd_stats, one entry): a forward is counted with one map lookup,
 * FWD_TO_TUNNEL or FWD_TO_LAN on the ingress slot's line and TX on the
 * egress slot's (slot 0 has no TX: no egress slot).  The readers add
 * them to the same counters of vta_stats (user/loader.c,
 * vta_stats_read()), where the programs no longer count them: one
 * vocabulary for `stats`, two maps in the kernel.  A cache line per slot.
 */
struct vta_fwd_count {
	struct vta_counter_val fwd[2];	/* [0] to a tunnel, [1] to a LAN */
	struct vta_counter_val tx;
	__u64 _pad[2];
};

struct vta_fwd_stats {
	struct vta_fwd_count s[VTA_STATS_SLOTS];
};

/* ------------------------------------------------------------------ */
/* Daemon health: BPF_MAP_TYPE_ARRAY with one element, written by
 * `vtiaccel run` (after every resync and lease renewal), read by `status`
 * and `stats --prometheus`.  No program reads it.                     */

/* Why a full resync ran: X(id, "name"); the list only grows at its end. */
#define VTA_RESYNC_CAUSES(X)						\
	X(START, "start")		/* daemon start */		\
	X(OVERRUN, "overrun")		/* rtnetlink events lost */	\
	X(XFRM_OVERRUN, "xfrm_overrun")	/* XFRM events lost */		\
	X(SIGHUP, "sighup")		/* operator (systemctl reload) */ \
	X(MODEL, "model")		/* the model asked, or a retry */

#define VTA_RESYNC_ENUM(id, name) VTA_RESYNC_##id,
enum vta_resync_cause {
	VTA_RESYNC_CAUSES(VTA_RESYNC_ENUM)
	VTA_RESYNC_MAX
};
#undef VTA_RESYNC_ENUM

#define VTA_HEALTH_RESYNC_SLOTS	8	/* >= VTA_RESYNC_MAX */

struct vta_health {
	__u64 updated_ns;	/* CLOCK_MONOTONIC of this write; 0: never */
	__u64 started_ns;	/* the daemon's start */
	__u64 resyncs[VTA_HEALTH_RESYNC_SLOTS];	/* completed, by cause */
	__u64 resync_failures;	/* failed, or interrupted dumps 5 times */
	__u64 msgs;		/* netlink messages handled (dumps, events) */
	__u64 bad_msgs;		/* rejected as malformed */
	__u64 write_errors;	/* map writes that failed (each retry too) */
	__u64 last_sync_ns;	/* duration of the last completed resync */
	__u64 last_sync_end_ns;	/* CLOCK_MONOTONIC when it completed */
	__u64 routes;		/* prefixes in the FIB maps */
	__u64 groups;		/* nexthop groups in the map */
	__u64 ifaces;		/* managed interfaces */
	__u64 peers;		/* ESP peers */
	__u64 renew_lag_ns;	/* last lease renewal behind its schedule */
	__u64 renew_lag_max_ns;	/* the largest since the start */
	__u32 flags;		/* VTA_HEALTH_F_* */
	__u32 pid;		/* the daemon's */
};

/* Failed map writes wait for a retry: the maps lag the kernel. */
#define VTA_HEALTH_F_WRITES_FAILING	(1U << 0)
/* The mirror is known stale: a resync is wanted (events lost, dumps
 * failing or interrupted, the model cannot follow). */
#define VTA_HEALTH_F_STALE		(1U << 1)

/*
 * The shared maps, X(var): defined in bpf/maps.h as vta_<var> and pinned
 * under the pin root by that name (<= 15 chars); user space names it
 * VTA_MAP_NAME(var) and keeps its fd in struct vta_maps.var
 * (user/loader.h).  bpf/maps.h checks that each one is defined.
 */
#define VTA_MAPS(X) X(fib6) X(groups) X(ifslot) X(peers) X(config) \
	X(stats) X(health) X(fib4_l1) X(fib4_l2) X(fib4_rt) X(ifdata) \
	X(ifidx) X(fwd_stats)
#define VTA_MAP_NAME(var) "vta_" #var

_Static_assert(sizeof(struct vta_fib4_key) == 8, "vta_fib4_key");
_Static_assert(sizeof(struct vta_fib6_key) == 20, "vta_fib6_key");
_Static_assert(sizeof(struct vta_route) == 8, "vta_route");
_Static_assert(sizeof(struct vta_fib4_tbl) == 1024, "vta_fib4_tbl");
_Static_assert(sizeof(struct vta_fib4_slot) == 16, "vta_fib4_slot");
_Static_assert(sizeof(struct vta_fib4_head) == 16, "vta_fib4_head");
_Static_assert(VTA_FIB4_BLOCKS < (1U << 22), "vta_fib4_l2 under 4 GiB");
_Static_assert(VTA_FIB4_ROUTES <= VTA_FIB4_SLOT_MASK + 1, "route slots");
_Static_assert(VTA_FIB4_RV_MAX < (VTA_FIB4_BLOCK >> VTA_FIB4_RV_SHIFT),
	       "interned route values");
_Static_assert(sizeof(struct vta_nh) == 24, "vta_nh");
_Static_assert(sizeof(struct vta_group) ==
	       8 + 24 * VTA_MAX_PATHS + 4 + VTA_GROUP_BUCKETS, "vta_group");
_Static_assert(VTA_GROUP_BUCKETS <= 256 &&
	       !(VTA_GROUP_BUCKETS & (VTA_GROUP_BUCKETS - 1)),
	       "buckets: a power of two, member index in a byte");
_Static_assert(sizeof(struct vta_iface) == 32, "vta_iface");
_Static_assert(sizeof(struct vta_ifdata) == 88 &&
	       __builtin_offsetof(struct vta_ifdata, c[1].v) % 8 == 0,
	       "vta_ifdata");
_Static_assert(sizeof(struct vta_peer_key) == 36, "vta_peer_key");
_Static_assert(sizeof(struct vta_peer) == 16, "vta_peer");
_Static_assert(sizeof(struct vta_config) == 16, "vta_config");
_Static_assert(sizeof(struct vta_counter_val) == 16, "vta_counter_val");
_Static_assert(sizeof(struct vta_stats) == 16 * VTA_COUNTER_MAX,
	       "vta_stats");
_Static_assert(sizeof(struct vta_fwd_count) == 64, "vta_fwd_count");
/* a per-CPU value is at most PCPU_MIN_UNIT_SIZE (32 KiB) */
_Static_assert(sizeof(struct vta_fwd_stats) <= 32768, "vta_fwd_stats");
_Static_assert(VTA_COUNTER_MAX <= 64, "counter kinds are 64-bit masks");
_Static_assert(sizeof(struct vta_health) == 8 * 22 + 8, "vta_health");
_Static_assert(VTA_RESYNC_MAX <= VTA_HEALTH_RESYNC_SLOTS, "resync causes");

#endif /* VTIACCEL_H */
