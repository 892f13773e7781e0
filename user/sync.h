/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sync.h - the kernel state model of the route sync and its translation
 * into map content.
 *
 * The model holds what netlink reported (links, nexthop objects, routes
 * of the configured table and the local table, XFRM SAs) and writes the
 * map content that follows from it through a vta_sync_out: the pinned BPF
 * maps for the daemon, an in-memory store for `verify` and the unit tests.
 * Both the daemon and `verify` build the model with the same code, so the
 * only differences verify can find are real drift.
 *
 * The parts (user/sync_int.h holds the model's types):
 *   sync.c         life cycle, resync (full dump and sweep), retries
 *   sync_msg.c     rtnetlink and XFRM message handlers
 *   sync_kmodel.c  what the kernel does to routes on link down/delete
 *   sync_pfx.c     the prefix model: variants, the value per prefix
 *   sync_group.c   nexthop groups, member sets, bucket tables, grace
 *   sync_link.c    links: roles, slots, tunnel usability, MSS, flags
 *   sync_write.c   writes through the output, failed ones retried
 *   sync_maps.c    the output to the pinned BPF maps
 *   sync_mem.c     the output to memory (verify, tests)
 *   ht.c           the hash table under the model
 *   opool.c        the pools its prefixes and variants come from
 *
 * Translation rules (docs/datapath-notes.md and docs/kernel-facts.md, "Routes"):
 *  - routes of conf->table: RTN_UNICAST whose every nexthop leaves through
 *    a managed LAN or tunnel interface -> VTA_RT_UNICAST, else (any member
 *    via an unmanaged device, blackhole, unreachable, prohibit, throw, a
 *    nexthop object unknown or more than VTA_MAX_PATHS members, TOS
 *    routes) -> VTA_RT_KERNEL, which shadows shorter prefixes.  Of several
 *    routes for one prefix (metrics) the lowest metric wins, as in the FIB.
 *  - routes of the local table (255): VTA_RT_LOCAL, winning over the main
 *    table as the kernel's rule order does.
 *  - map group ids: the kernel's nexthop id for RTA_NH_ID routes; member
 *    sets of RTA_MULTIPATH / single-path routes get ids from
 *    VTA_SYNC_MSET_ID_BASE up, shared by routes with identical members.
 *    In the daemon (vta_sync_set_grace) a group whose content changes
 *    moves to a new id from VTA_SYNC_REMAP_ID_BASE up, its routes are
 *    rewritten, and the old id goes after a grace period (vta_sync_tick).
 *  - a group holds only usable members: link up, and for tunnels the SAs
 *    (see vta_sync_tunnel_usable); no usable member -> n_paths 0 -> the
 *    programs pass to the kernel.
 */
#ifndef VTA_SYNC_H
#define VTA_SYNC_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/netlink.h>
#include "vtiaccel.h"
#include "conf.h"
#include "netlink.h"

struct vta_maps;

#define VTA_SYNC_MSET_ID_BASE	0x80000000U
/* Map keys of groups written anew because their content changed. */
#define VTA_SYNC_REMAP_ID_BASE	0x40000000U

/* Where map content goes.  Every function returns 0 or -errno. */
struct vta_sync_out {
	void *ctx;
	int (*fib_put)(void *ctx, int family, uint8_t len, const union vta_addr *a,
		       const struct vta_route *v);
	int (*fib_del)(void *ctx, int family, uint8_t len, const union vta_addr *a);
	int (*group_put)(void *ctx, uint32_t id, const struct vta_group *g);
	int (*group_del)(void *ctx, uint32_t id);
	int (*iface_put)(void *ctx, uint32_t ifindex, const struct vta_iface *v);
	int (*iface_del)(void *ctx, uint32_t ifindex);
	int (*peer_put)(void *ctx, const struct vta_peer_key *k,
			const struct vta_peer *v);
	int (*peer_del)(void *ctx, const struct vta_peer_key *k);
};

/* Managed interface life cycle, for attaching programs (daemon only). */
struct vta_sync_hooks {
	void *ctx;
	/* a managed interface appeared (or a new ifindex for its name) */
	void (*link_added)(void *ctx, int ifindex, const char *name,
			   enum vta_role role);
	/* it disappeared or is no longer managed; gone: deleted by the kernel */
	void (*link_removed)(void *ctx, int ifindex, const char *name,
			     enum vta_role role, bool gone);
	/* called every 64 messages of a dump (lease renewal, by the clock) */
	void (*tick)(void *ctx);
	/* polled every thousand messages of a dump: true stops the resync
	 * at once (SIGTERM); vta_sync_full() then returns -ECANCELED */
	bool (*stop)(void *ctx);
};

struct vta_sync;

struct vta_sync_counts {
	unsigned long routes;		/* prefixes in the map FIB */
	unsigned long groups;		/* groups in the map */
	unsigned long ifaces;		/* managed interfaces */
	unsigned long peers;
	unsigned long msgs, bad_msgs;	/* netlink messages handled / rejected */
	unsigned long resyncs;
	unsigned long write_errors;
	unsigned long pfx_updates;	/* prefixes recomputed: work done */
	unsigned long route6_redumps;	/* IPv6 route dumps repeated: routes
					 * changed while one ran */
};

struct vta_sync *vta_sync_new(const struct vta_conf *conf,
			      const struct vta_sync_out *out,
			      const struct vta_sync_hooks *hooks);
void vta_sync_free(struct vta_sync *s);

/* SA-aware ECMP (default on) and whether XFRM state is observable at all. */
void vta_sync_set_sa_aware(struct vta_sync *s, bool on);
void vta_sync_set_xfrm(struct vta_sync *s, bool available);

/*
 * Liveness (user/liveness.h): a tunnel held down leaves every group that
 * keeps another usable member; the kernel's routes are untouched.  Kept
 * by ifindex across resyncs.  0, or -ENOSPC past VTA_SYNC_MAX_HELD.
 */
#define VTA_SYNC_MAX_HELD	64
/* Bucket tables of freed groups kept to seed new ones (resilient.h). */
#define VTA_SYNC_RB_RECENT	8
int vta_sync_set_held(struct vta_sync *s, int ifindex, bool on);

/*
 * One handler per message type, for dumps and events alike: rtnetlink
 * (links, addresses, routes, nexthops) and XFRM (SAs).  Return 0, or
 * -errno for a message that was rejected (malformed: logged at debug).
 */
int vta_sync_rtnl_msg(struct vta_sync *s, const struct nlmsghdr *nlh);
int vta_sync_xfrm_msg(struct vta_sync *s, const struct nlmsghdr *nlh);

/*
 * Mark and sweep: vta_sync_begin() starts a new generation; every
 * message handled afterwards marks what it upserts; vta_sync_sweep()
 * removes what the new generation did not see (xfrm_seen: SAs were
 * dumped too).  Valid entries are overwritten in place, never removed
 * first, so the fast path never misses a route during a resync.
 */
void vta_sync_begin(struct vta_sync *s);
void vta_sync_sweep(struct vta_sync *s, bool xfrm_seen);

/*
 * Full resync from netlink: begin, dump links, nexthops, routes (and SAs
 * when available), sweep.  A dump the kernel flags interrupted is
 * repeated up to 5 times (the one place interrupted dumps are handled;
 * vta_nl_dump() leaves the socket clean for it).  Returns 0 or -errno;
 * when it failed or stayed interrupted, vta_sync_want_resync() says so.
 * -ECANCELED when hooks.stop asked: the model keeps what it had, nothing
 * is swept.
 */
int vta_sync_full(struct vta_sync *s, struct vta_nl *nl);

/*
 * The model met something it cannot follow from events alone and asks
 * for a full resync: an IPv4 route with more members than it keeps
 * through a link that went down (which of them the kernel marked dead
 * is unknown), or dumps interrupted too often.  Links going down,
 * losing carrier or being deleted are otherwise modelled exactly
 * (sync_kmodel.c, link_went_down()).
 */
bool vta_sync_want_resync(const struct vta_sync *s);

/*
 * A map write failed (write_errors counts them) and the maps lag the
 * model: the failed entries are kept as the MAP holds them, and every
 * later event, resync or vta_sync_retry() writes them again.
 */
bool vta_sync_write_pending(const struct vta_sync *s);
/* Write again what failed (a walk of the model; nothing when no write
 * is pending).  0 when the maps now match, -EAGAIN when writes failed
 * again. */
int vta_sync_retry(struct vta_sync *s);
/*
 * A group whose content changes is written under a new map key and the
 * routes repointed; the old key (and a deleted group's) is removed from
 * the map on the second tick after that: call this every lease renewal
 * (the daemon), so that no program still reads it (issue 11, item 6).
 */
void vta_sync_tick(struct vta_sync *s);
/* Switch that on where programs read the maps concurrently (the daemon;
 * off: `verify` and tests, whose in-memory maps nobody reads meanwhile:
 * groups are then rewritten in place and deleted at once). */
void vta_sync_set_grace(struct vta_sync *s, bool on);

/*
 * A group the maps hold from before this model (a restarted daemon
 * reusing its pinned maps): a group the model creates with the same
 * usable members (ifindex and gateway) starts from its bucket table, so
 * that a restart moves no flow (user/resilient.h).  Call for each group
 * before the first vta_sync_full().
 */
void vta_sync_seed_group(struct vta_sync *s, const struct vta_group *g);

/*
 * Read the mirrored sysctls the kernel announces no change of
 * (net.ipv6.conf.DEV.mtu of managed interfaces) and write what changed:
 * the daemon calls it every lease renewal.
 */
void vta_sync_poll_sysctls(struct vta_sync *s);

void vta_sync_get_counts(const struct vta_sync *s, struct vta_sync_counts *c);

/* Whether a tunnel's SAs allow forwarding into it (the SA_UP rule):
 * Ethernet stand-ins, sa_aware off, no XFRM netlink, or an XFRM database
 * with no SA at all -> usable; else only with SAs in both directions. */
bool vta_sync_tunnel_usable(const struct vta_sync *s, int ifindex);

/* Name of a link the model knows, NULL if none. */
const char *vta_sync_link_name(const struct vta_sync *s, int ifindex);

/* ESP payload that fits: the largest inner packet an SA with this
 * overhead carries through an outer MTU (0 if none). */
unsigned int vta_esp_max_inner(unsigned int outer_mtu, int outer_family,
			       bool udp_encap, unsigned int iv,
			       unsigned int block, unsigned int icv);

/* ---------------------------------------------------------------- */
/* Map content as plain memory: verify and the unit tests.            */

struct vta_mem;

struct vta_mem *vta_mem_new(void);
void vta_mem_free(struct vta_mem *m);
void vta_sync_out_mem(struct vta_sync_out *o, struct vta_mem *m);
/* The BPF maps; IPv4 routes go to the tables of fib4 (user/fib4.h), the
 * only IPv4 FIB.  mo must outlive o. */
struct vta_fib4;
struct vta_maps_out {
	const struct vta_maps *maps;
	struct vta_fib4 *fib4;
	bool fib4_full;		/* a put found no free block or slot */
	/* vta_ifdata mmap'ed for writing (user/ifdata.h), on first use */
	struct vta_ifdata *ifdata;
};
void vta_sync_out_maps(struct vta_sync_out *o, const struct vta_maps_out *mo);
/* Unmaps what the output mapped (vta_ifdata). */
void vta_maps_out_free(struct vta_maps_out *mo);

/* Exact-prefix lookups; 0 or -ENOENT. */
int vta_mem_fib(const struct vta_mem *m, int family, uint8_t len,
		const union vta_addr *a, struct vta_route *out);
int vta_mem_group(const struct vta_mem *m, uint32_t id, struct vta_group *out);
int vta_mem_iface(const struct vta_mem *m, uint32_t ifindex,
		  struct vta_iface *out);
int vta_mem_peer(const struct vta_mem *m, const struct vta_peer_key *k,
		 struct vta_peer *out);
unsigned long vta_mem_count_fib(const struct vta_mem *m);
unsigned long vta_mem_count_groups(const struct vta_mem *m);
unsigned long vta_mem_count_ifaces(const struct vta_mem *m);
unsigned long vta_mem_count_peers(const struct vta_mem *m);

typedef void (*vta_mem_fib_cb)(int family, uint8_t len, const union vta_addr *a,
			       const struct vta_route *v, void *data);
typedef void (*vta_mem_iface_cb)(uint32_t ifindex, const struct vta_iface *v,
				 void *data);
typedef void (*vta_mem_peer_cb)(const struct vta_peer_key *k,
				const struct vta_peer *v, void *data);
void vta_mem_foreach_fib(const struct vta_mem *m, vta_mem_fib_cb cb, void *data);
void vta_mem_foreach_iface(const struct vta_mem *m, vta_mem_iface_cb cb,
			   void *data);
void vta_mem_foreach_peer(const struct vta_mem *m, vta_mem_peer_cb cb,
			  void *data);

/*
 * The ESP peer of every managed tunnel (VTI: its remote address, ESP and
 * NAT-T; XFRM interface: the source of its inbound SA, with that SA's
 * encapsulation), marked or not: what `[esp] spread` spreads
 * (user/spread.c).  cb is called once per tunnel that has one.
 */
typedef void (*vta_sync_tpeer_cb)(void *ctx, const char *tunnel, int ifindex,
				  int family, const union vta_addr *peer,
				  bool esp, bool natt);
void vta_sync_foreach_tunnel_peer(const struct vta_sync *s,
				  vta_sync_tpeer_cb cb, void *ctx);

#endif
