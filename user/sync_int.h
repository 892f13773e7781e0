// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sync_int.h - the sync model's types and the functions its parts share
 * (user/sync*.c); not for other users: they use sync.h.
 */
#ifndef VTA_SYNC_INT_H
#define VTA_SYNC_INT_H

#include <net/if.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <linux/if_arp.h>
#include <linux/ipsec.h>
#include <linux/rtnetlink.h>
#include <linux/nexthop.h>
#include <linux/netconf.h>
#include <linux/xfrm.h>
#include <libmnl/libmnl.h>
#include <bpf/bpf.h>

#include "sync.h"
#include "fib4.h"
#include "ifdata.h"
#include "loader.h"
#include "resilient.h"
#include "log.h"
#include "ht.h"
#include "opool.h"

struct slink {
	struct vta_nl_link nl;
	enum vta_role role;
	uint32_t slot;
	uint32_t gen;
	bool usable; /* last computed: may carry traffic */
	bool kind_tunnel; /* last computed member kind */
	bool written;
	struct vta_iface wv;
	bool peer_written;
	struct vta_peer_key pk;
	struct vta_peer pv;
};

struct snh {
	struct hent he;
	uint32_t id;
	uint32_t mid; /* map key of its group (retire_write()) */
	uint32_t gen;
	struct vta_nl_nexthop nl;
	bool written;
	bool parked; /* no room for its new copy: group_refresh() */
	struct vta_group wg;
	uint8_t sum_type, sum_flags;
	struct vta_rb_state rb; /* its bucket table, kept across rewrites */
};

struct mset_key {
	uint32_t n;
	struct vta_nl_nh m[VTA_MAX_PATHS];
};

struct mset {
	struct hent he;
	struct mset_key k;
	uint32_t id;
	uint32_t mid; /* map key of its group (retire_write()) */
	uint32_t refs;
	bool written;
	bool parked; /* no room for its new copy: group_refresh() */
	struct vta_group wg;
	uint8_t sum_type, sum_flags;
	struct vta_rb_state rb; /* its bucket table, kept across rewrites */
};

/* A group the maps held when this model started (a restarted daemon),
 * by its usable members: vta_sync_seed_group(). */
struct seed_key {
	uint32_t n;
	struct seed_member {
		uint32_t ifindex;
		uint8_t gw_family, pad[3];
		uint8_t gw[16];
	} m[VTA_MAX_PATHS];
};

struct seed {
	struct hent he;
	struct seed_key k;
	struct vta_rb_state rb;
};

/* One kernel route for a prefix: (table, tos, priority) tells them apart. */
struct variant {
	struct variant *next;
	uint32_t table, prio;
	uint8_t tos, rtype;
	uint8_t scope; /* rtm_scope: host routes survive link down */
	bool unrep; /* nexthops we cannot represent */
	uint32_t nhid;
	uint32_t mtu; /* RTAX_MTU, 0 = none */
	struct mset *ms;
	int oif; /* first nexthop's device (for purges) */
	int oif_key; /* IPv6 device routes: part of the identity */
	uint32_t gen;
	uint32_t fp; /* route_fp() of the message that set it */
	/* the users of nexthop nhid (struct nhu): a nexthop event updates
	 * these prefixes only, not a million others */
	struct pfx *pfx;
	struct variant *nu_next, **nu_pprev;
	/* IPv6 source-specific route: part of the identity; the prefix is
	 * left to the kernel (its lookup depends on the source) */
	uint8_t src_len;
	union vta_addr src;
	/* IPv4 routes the kernel removes when this address goes (RTA_PREFSRC) */
	bool has_prefsrc;
	union vta_addr prefsrc;
	/* IPv4: further routes with the same (table, tos, metric) behind
	 * this one (ip route append/prepend): the kernel uses the first */
	uint32_t n_alias;
	/* IPv6 multipath with more members than a group holds: all of them,
	 * so that deleting one sibling leaves the rest (n_big 0: none kept) */
	struct vta_nl_nh *big;
	int n_big;
	bool sib_unknown; /* more siblings than even that */
};

/* Variants using one nexthop id (RTA_NH_ID), whether the id is known. */
struct nhu {
	struct hent he;
	uint32_t id;
	struct variant *head;
};

struct pfx_key {
	uint8_t family, len, pad[2];
	union vta_addr a;
};

struct pfx {
	struct hent he;
	struct pfx_key k;
	struct variant *v;
	bool written;
	struct vta_route wv;
	uint32_t nu_mark; /* nhu_prefixes(): seen in this pass */
};

struct sa_key {
	uint32_t family;
	uint8_t daddr[16];
	uint32_t spi;
	uint32_t proto;
};

struct ssa {
	struct hent he;
	struct sa_key k;
	struct vta_nl_sa sa;
	uint32_t gen;
};

/* Mirrored sysctls of one device, or of all (NETCONFA_IFINDEX_ALL):
 * -1 while no netconf message has told. */
struct snc {
	int family, ifindex;
	int32_t forwarding, rp_filter;
};

enum pdel_kind { PDEL_GROUP, PDEL_IFACE, PDEL_PEER };

struct vta_sync {
	struct vta_conf conf;
	struct vta_sync_out out;
	struct vta_sync_hooks hooks;
	struct slink *links;
	int n_links, cap_links;
	struct snc *ncs;
	int n_ncs, cap_ncs;
	bool nc_seen; /* netconf known: the flags below apply */
	struct ht nhs, msets, pfxs, sas, nhus;
	unsigned long n_nhid_variants;
	uint32_t gen;
	uint32_t next_mset_id;
	/* groups replaced or deleted, removed from the map after a grace
	 * period (vta_sync_tick) */
	struct retired {
		uint32_t id;
		uint32_t tick;
	} * retired;
	size_t n_retired, cap_retired;
	uint32_t ticks;
	uint32_t next_remap_id;
	bool grace; /* readers in flight: vta_sync_set_grace() */
	bool sa_aware, xfrm, want_resync;
	bool write_dirty; /* a map write failed: the maps lag the model */
	/* map deletes that failed, for keys the model no longer holds:
	 * retried by vta_sync_retry(), dropped when the key is written
	 * again meanwhile (del_failed(), key_written()) */
	struct pdel {
		enum pdel_kind kind;
		uint32_t id; /* group id or ifindex */
		struct vta_peer_key pk;
	} * pdel;
	size_t n_pdel, cap_pdel;
	uint32_t nu_stamp;
	/* tunnels held down by liveness (user/liveness.h), by ifindex */
	int held[VTA_SYNC_MAX_HELD];
	int n_held;
	char slot_name[VTA_STATS_SLOTS][IFNAMSIZ];
	bool slot_used[VTA_STATS_SLOTS];
	/* the tick a slot was freed at, for its grace period (slot_alloc) */
	uint32_t slot_freed[VTA_STATS_SLOTS];
	bool slot_cooling[VTA_STATS_SLOTS];
	struct vta_sync_counts cnt;
	/* bucket tables of groups just freed (a route removed with a link
	 * and added again): the start of a new group's table */
	struct vta_rb_state rb_recent[VTA_SYNC_RB_RECENT];
	unsigned int n_rb_recent;
	struct ht seeds; /* struct seed */
	struct opool pfx_pool, var_pool; /* struct pfx, struct variant */
};

struct down_arg {
	struct vta_sync *s;
	int ifindex;
	bool unmodelled; /* a route we cannot judge: resync */
};

/* sync_write.c */
void del_failed(struct vta_sync *s, int err, enum pdel_kind kind, uint32_t id,
		const struct vta_peer_key *pk, const char *what,
		const char *obj);
void group_del(struct vta_sync *s, uint32_t id, const char *obj);
int group_put(struct vta_sync *s, uint32_t id, const struct vta_group *g);
int iface_put(struct vta_sync *s, uint32_t ifindex, const struct vta_iface *v);
void key_written(struct vta_sync *s, enum pdel_kind kind, uint32_t id,
		 const struct vta_peer_key *pk);
void pdel_retry(struct vta_sync *s);
int peer_put(struct vta_sync *s, const struct vta_peer_key *k,
	     const struct vta_peer *v);
int werr(struct vta_sync *s, int err, const char *what, const char *obj);

/* sync_link.c */
struct slink *link_get(const struct vta_sync *s, int ifindex);
void link_manage(struct vta_sync *s, struct slink *l, enum vta_role role);
void link_unmanage(struct vta_sync *s, struct slink *l, bool gone);
bool link_up(const struct slink *l);
void link_write(struct vta_sync *s, struct slink *l);
const struct snc *nc_find(const struct vta_sync *s, int family, int ifindex);
enum vta_role role_for(const struct vta_sync *s, const char *name);
int sa_dir(const struct vta_sync *s, const struct slink *l,
	   const struct vta_nl_sa *sa);
uint32_t slot_alloc(struct vta_sync *s, const char *name);
uint32_t sysctl_flags(const struct vta_sync *s, const struct slink *l);
bool tunnel_usable(const struct vta_sync *s, const struct slink *l);

/* sync_group.c */
bool group_refresh(struct vta_sync *s, uint32_t *mid, const struct vta_nl_nh *m,
		   int n, bool unrep, bool *written, bool *parked,
		   struct vta_group *wg, uint8_t *sum_type, uint8_t *sum_flags,
		   struct vta_rb_state *rb);
bool held(const struct vta_sync *s, int ifindex);
bool is_retired(const struct vta_sync *s, uint32_t id);
bool member_usable(const struct vta_sync *s, const struct slink *l);
void mset_key_of(const struct vta_nl_route *r, struct mset_key *k);
struct mset *mset_get(struct vta_sync *s, const struct vta_nl_route *r,
		      struct mset *hint);
void mset_put(struct vta_sync *s, struct mset *ms);
bool mset_refresh(struct vta_sync *s, struct mset *ms);
int nh_cmp(const void *a, const void *b);
bool nh_refresh(struct vta_sync *s, struct snh *n);
void rb_remember(struct vta_sync *s, const struct vta_rb_state *rb);
void retire(struct vta_sync *s, uint32_t id);
void seed_key(struct seed_key *k, const struct vta_rb_member *m, uint32_t n);

/* sync_pfx.c */
bool addr_is_local(const struct vta_sync *s, int family,
		   const union vta_addr *a);
int nhu_link(struct vta_sync *s, struct variant *v, struct pfx *p);
struct pfx **nhu_prefixes(struct vta_sync *s, uint32_t id, size_t *n);
void nhu_unlink(struct vta_sync *s, struct variant *v);
void nhu_update(struct vta_sync *s, uint32_t id);
void pfx_purge(struct vta_sync *s, struct pfx *p,
	       bool (*pred)(const struct variant *, const void *),
	       const void *arg);
void pfx_update(struct vta_sync *s, struct pfx *p);
void purge_all(struct vta_sync *s,
	       bool (*pred)(const struct variant *, const void *),
	       const void *arg);
void refresh_groups(struct vta_sync *s);
void refresh_links(struct vta_sync *s);
void rescan_all(struct vta_sync *s);
void variant_free(struct vta_sync *s, struct variant *v);

/* sync_kmodel.c */
void link_delete(struct vta_sync *s, struct slink *l);
void link_went_down(struct vta_sync *s, struct slink *l, uint32_t old_flags);
void nh_delete(struct vta_sync *s, struct snh *n);
void purge_family(struct vta_sync *s, int family,
		  bool (*pred)(const struct variant *, const void *),
		  const void *arg);

#endif
