// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sync.c - kernel state model -> map content (see sync.h for the rules).
 */
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

/* ---------------------------------------------------------------- */
/* a small chained hash table over objects that start with a hent     */

struct hent {
	struct hent *next;
	uint32_t hash;
};

struct ht {
	struct hent **b;
	size_t nb, n;
	size_t koff, klen;	/* key position inside the object */
};

/*
 * Eight bytes a step (a multiply and a fold each, then a final mix):
 * the keys are up to a route's whole member set (mset_key, ~230 bytes),
 * hashed once per route of a dump; a byte-wise hash cost ~4x as much.
 */
static uint32_t hash_bytes(const void *k, size_t n)
{
	const uint8_t *p = k;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ n, w;

	for (; n >= 8; n -= 8, p += 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (n) {
		w = 0;
		memcpy(&w, p, n);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
	}
	h ^= h >> 29;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 32;
	return (uint32_t)h;
}

static void ht_init(struct ht *h, size_t koff, size_t klen)
{
	memset(h, 0, sizeof(*h));
	h->koff = koff;
	h->klen = klen;
}

static const void *ht_key(const struct ht *h, const struct hent *e)
{
	return (const uint8_t *)e + h->koff;
}

static void *ht_find(const struct ht *h, const void *key)
{
	uint32_t hv;
	struct hent *e;

	if (!h->nb)
		return NULL;
	hv = hash_bytes(key, h->klen);
	for (e = h->b[hv & (h->nb - 1)]; e; e = e->next)
		if (e->hash == hv && !memcmp(ht_key(h, e), key, h->klen))
			return e;
	return NULL;
}

static int ht_grow(struct ht *h)
{
	size_t nb = h->nb ? h->nb * 2 : 64, i;
	struct hent **b = calloc(nb, sizeof(*b));

	if (!b)
		return -ENOMEM;
	for (i = 0; i < h->nb; i++) {
		struct hent *e = h->b[i], *next;

		for (; e; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(h->b);
	h->b = b;
	h->nb = nb;
	return 0;
}

static int ht_add(struct ht *h, struct hent *e)
{
	if (h->n >= h->nb && ht_grow(h))
		return -ENOMEM;
	e->hash = hash_bytes(ht_key(h, e), h->klen);
	e->next = h->b[e->hash & (h->nb - 1)];
	h->b[e->hash & (h->nb - 1)] = e;
	h->n++;
	return 0;
}

static void ht_del(struct ht *h, struct hent *e)
{
	struct hent **pp = &h->b[e->hash & (h->nb - 1)];

	for (; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			h->n--;
			return;
		}
}

/* Safe against deleting the current entry. */
#define ht_for_each(h, i, e, tmp)					\
	for ((i) = 0; (i) < (h)->nb; (i)++)				\
		for ((e) = (void *)(h)->b[i];				\
		     (e) && ((tmp) = (void *)((struct hent *)(e))->next, 1); \
		     (e) = (tmp))

static void ht_free_all(struct ht *h)
{
	size_t i;
	struct hent *e, *tmp;

	ht_for_each(h, i, e, tmp)
		free(e);
	free(h->b);
	h->b = NULL;
	h->nb = h->n = 0;
}

/* ---------------------------------------------------------------- */
/* object pools: prefixes and variants, a million of each at 1M routes  */

/*
 * Fixed-size objects carved from 2 MiB chunks (transparent huge pages
 * where the kernel gives them: one fault per chunk instead of 512), freed
 * objects reused first.  malloc per object was 10% of a 1M-route start-up
 * sync and its page faults another 8%.  Chunks go back only with the
 * model.  Sanitizer and fuzzing builds use calloc/free, so that a use
 * after free is still caught.
 */
#define OPOOL_CHUNK (2U << 20)

struct opool {
	size_t size;
	void *free;		/* freed objects, linked through their start */
	uint8_t *cur, *end;
	void **chunks;
	size_t n_chunks, cap_chunks;
};

#if defined(__SANITIZE_ADDRESS__) || defined(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
#define OPOOL_PLAIN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) /* clang: no __SANITIZE_ADDRESS__ */
#define OPOOL_PLAIN 1
#endif
#endif
#ifndef OPOOL_PLAIN
#define OPOOL_PLAIN 0
#endif

static void *opool_zalloc(struct opool *op)
{
	void *o, *c;

	if (OPOOL_PLAIN)
		return calloc(1, op->size);
	if (op->free) {
		o = op->free;
		memcpy(&op->free, o, sizeof(void *));
		return memset(o, 0, op->size);
	}
	if (op->cur + op->size > op->end) {
		if (op->n_chunks == op->cap_chunks) {
			size_t n = op->cap_chunks ? 2 * op->cap_chunks : 16;
			void **cs = realloc(op->chunks, n * sizeof(*cs));

			if (!cs)
				return NULL;
			op->chunks = cs;
			op->cap_chunks = n;
		}
		if (posix_memalign(&c, OPOOL_CHUNK, OPOOL_CHUNK))
			return NULL;
		madvise(c, OPOOL_CHUNK, MADV_HUGEPAGE);
		op->chunks[op->n_chunks++] = c;
		op->cur = c;
		op->end = op->cur + OPOOL_CHUNK;
	}
	o = op->cur;
	op->cur += op->size;
	return memset(o, 0, op->size);
}

static void opool_free(struct opool *op, void *o)
{
	if (OPOOL_PLAIN) {
		free(o);
		return;
	}
	if (!o)
		return;
	memcpy(o, &op->free, sizeof(void *));
	op->free = o;
}

/* Every object at once (plain builds: the caller freed them). */
static void opool_destroy(struct opool *op)
{
	size_t i;

	for (i = 0; i < op->n_chunks; i++)
		free(op->chunks[i]);
	free(op->chunks);
	memset(op, 0, sizeof(*op));
}

/* ---------------------------------------------------------------- */
/* model                                                              */

struct slink {
	struct vta_nl_link nl;
	enum vta_role role;
	uint32_t slot;
	uint32_t gen;
	bool usable;		/* last computed: may carry traffic */
	bool kind_tunnel;	/* last computed member kind */
	bool written;
	struct vta_iface wv;
	bool peer_written;
	struct vta_peer_key pk;
	struct vta_peer pv;
};

struct snh {
	struct hent he;
	uint32_t id;
	uint32_t mid;		/* map key of its group (retire_write()) */
	uint32_t gen;
	struct vta_nl_nexthop nl;
	bool written;
	struct vta_group wg;
	uint8_t sum_type, sum_flags;
	struct vta_rb_state rb;	/* its bucket table, kept across rewrites */
};

struct mset_key {
	uint32_t n;
	struct vta_nl_nh m[VTA_MAX_PATHS];
};

struct mset {
	struct hent he;
	struct mset_key k;
	uint32_t id;
	uint32_t mid;		/* map key of its group (retire_write()) */
	uint32_t refs;
	bool written;
	struct vta_group wg;
	uint8_t sum_type, sum_flags;
	struct vta_rb_state rb;	/* its bucket table, kept across rewrites */
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
	uint8_t scope;		/* rtm_scope: host routes survive link down */
	bool unrep;		/* nexthops we cannot represent */
	uint32_t nhid;
	uint32_t mtu;		/* RTAX_MTU, 0 = none */
	struct mset *ms;
	int oif;		/* first nexthop's device (for purges) */
	int oif_key;		/* IPv6 device routes: part of the identity */
	uint32_t gen;
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
	bool sib_unknown;	/* more siblings than even that */
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
	uint32_t nu_mark;	/* nhu_prefixes(): seen in this pass */
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
	bool nc_seen;		/* netconf known: the flags below apply */
	struct ht nhs, msets, pfxs, sas, nhus;
	unsigned long n_nhid_variants;
	uint32_t gen;
	uint32_t next_mset_id;
	/* groups replaced or deleted, removed from the map after a grace
	 * period (vta_sync_tick) */
	struct retired {
		uint32_t id;
		uint32_t tick;
	} *retired;
	size_t n_retired, cap_retired;
	uint32_t ticks;
	uint32_t next_remap_id;
	bool grace;		/* readers in flight: vta_sync_set_grace() */
	bool sa_aware, xfrm, want_resync;
	bool write_dirty;	/* a map write failed: the maps lag the model */
	/* map deletes that failed, for keys the model no longer holds:
	 * retried by vta_sync_retry(), dropped when the key is written
	 * again meanwhile (del_failed(), key_written()) */
	struct pdel {
		enum pdel_kind kind;
		uint32_t id;		/* group id or ifindex */
		struct vta_peer_key pk;
	} *pdel;
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
	struct ht seeds;	/* struct seed */
	struct opool pfx_pool, var_pool;	/* struct pfx, struct variant */
};

/*
 * A failed map write.  What was not written is not recorded as written:
 * the model's w* copies (wv, wg, pv) always hold what is in the MAP, so
 * the next event touching the object, a resync, or vta_sync_retry()
 * (which the daemon runs while write_dirty is set) writes it again.
 * Returns err.
 */
static int werr(struct vta_sync *s, int err, const char *what, const char *obj)
{
	if (!err)
		return 0;
	s->cnt.write_errors++;
	s->write_dirty = true;
	/* a full map fails every retry: the first ones, then 2^n-th */
	if (s->cnt.write_errors <= 10 ||
	    !(s->cnt.write_errors & (s->cnt.write_errors - 1)))
		pr_warn("update map %s (%s): %s (%lu failed writes so far)\n",
			what, obj, strerror(-err), s->cnt.write_errors);
	return err;
}

static bool pdel_match(const struct pdel *d, enum pdel_kind kind, uint32_t id,
		       const struct vta_peer_key *pk)
{
	if (d->kind != kind)
		return false;
	if (kind == PDEL_PEER)
		return !memcmp(&d->pk, pk, sizeof(*pk));
	return d->id == id;
}

/*
 * A failed delete of something the model drops: counted and logged, and
 * remembered, so that vta_sync_retry() deletes it again (the model no
 * longer has the object: without the list nothing would, and a group,
 * interface or peer entry would stay in the map for ever).
 */
static void del_failed(struct vta_sync *s, int err, enum pdel_kind kind,
		       uint32_t id, const struct vta_peer_key *pk,
		       const char *what, const char *obj)
{
	static const struct vta_peer_key nopk;
	size_t i;

	if (!err || err == -ENOENT)
		return;
	werr(s, err, what, obj);
	if (!pk)
		pk = &nopk;
	for (i = 0; i < s->n_pdel; i++)
		if (pdel_match(&s->pdel[i], kind, id, pk))
			return;
	if (s->n_pdel == s->cap_pdel) {
		size_t cap = s->cap_pdel ? s->cap_pdel * 2 : 16;
		struct pdel *n = realloc(s->pdel, cap * sizeof(*n));

		if (!n) {	/* a resync's sweep cannot find it either */
			pr_warn("no memory to retry the delete of %s %s\n",
				what, obj);
			return;
		}
		s->pdel = n;
		s->cap_pdel = cap;
	}
	s->pdel[s->n_pdel].kind = kind;
	s->pdel[s->n_pdel].id = id;
	s->pdel[s->n_pdel++].pk = *pk;
}

static bool is_retired(const struct vta_sync *s, uint32_t id);

/*
 * A key was written: it is live again, whatever was pending for it.  A
 * failed delete must not be retried over it, and a group id waiting for
 * its grace period (retire()) must not be deleted under the routes now
 * using it: group_refresh() writes a group in place, under an id still
 * retired, when the map has no room for a copy under a new id (a group
 * deleted and re-created by the kernel while the map is full).
 */
static void key_written(struct vta_sync *s, enum pdel_kind kind, uint32_t id,
			const struct vta_peer_key *pk)
{
	static const struct vta_peer_key nopk;
	size_t i, k = 0;

	if (!pk)
		pk = &nopk;
	for (i = 0; i < s->n_pdel; i++)
		if (!pdel_match(&s->pdel[i], kind, id, pk))
			s->pdel[k++] = s->pdel[i];
	s->n_pdel = k;
	if (kind == PDEL_GROUP && is_retired(s, id)) {
		for (i = 0, k = 0; i < s->n_retired; i++)
			if (s->retired[i].id != id)
				s->retired[k++] = s->retired[i];
		s->n_retired = k;
	}
}

/* The map writes of groups, interfaces and peers, through the lists above. */
static int group_put(struct vta_sync *s, uint32_t id, const struct vta_group *g)
{
	int err = s->out.group_put(s->out.ctx, id, g);

	if (!err)
		key_written(s, PDEL_GROUP, id, NULL);
	return err;
}

static void group_del(struct vta_sync *s, uint32_t id, const char *obj)
{
	del_failed(s, s->out.group_del(s->out.ctx, id), PDEL_GROUP, id, NULL,
		   "group", obj);
}

static int iface_put(struct vta_sync *s, uint32_t ifindex,
		     const struct vta_iface *v)
{
	int err = s->out.iface_put(s->out.ctx, ifindex, v);

	if (!err)
		key_written(s, PDEL_IFACE, ifindex, NULL);
	return err;
}

static int peer_put(struct vta_sync *s, const struct vta_peer_key *k,
		    const struct vta_peer *v)
{
	int err = s->out.peer_put(s->out.ctx, k, v);

	if (!err)
		key_written(s, PDEL_PEER, 0, k);
	return err;
}

/* The failed deletes again (those failing again stay listed). */
static void pdel_retry(struct vta_sync *s)
{
	size_t i, k = 0;
	int err;

	for (i = 0; i < s->n_pdel; i++) {
		struct pdel *d = &s->pdel[i];

		switch (d->kind) {
		case PDEL_GROUP:
			err = s->out.group_del(s->out.ctx, d->id);
			break;
		case PDEL_IFACE:
			err = s->out.iface_del(s->out.ctx, d->id);
			break;
		default:
			err = s->out.peer_del(s->out.ctx, &d->pk);
			break;
		}
		if (err && err != -ENOENT) {
			werr(s, err, d->kind == PDEL_GROUP ? "group" :
				     d->kind == PDEL_IFACE ? "iface" : "peer",
			     "delete retried");
			s->pdel[k++] = *d;
		}
	}
	s->n_pdel = k;
}

/* ---------------------------------------------------------------- */
/* links                                                              */

static struct slink *link_get(const struct vta_sync *s, int ifindex)
{
	int i;

	for (i = 0; i < s->n_links; i++)
		if (s->links[i].nl.ifindex == ifindex)
			return &s->links[i];
	return NULL;
}

const char *vta_sync_link_name(const struct vta_sync *s, int ifindex)
{
	const struct slink *l = link_get(s, ifindex);

	return l ? l->nl.name : NULL;
}

static enum vta_role role_for(const struct vta_sync *s, const char *name)
{
	if (!name[0])
		return VTA_ROLE_NONE;
	if (vta_patterns_match(&s->conf.lan, name))
		return VTA_ROLE_LAN;
	if (vta_patterns_match(&s->conf.wan, name))
		return VTA_ROLE_WAN;
	if (vta_patterns_match(&s->conf.tunnel, name))
		return VTA_ROLE_TUNNEL;
	return VTA_ROLE_NONE;
}

static bool link_up(const struct slink *l)
{
	return (l->nl.flags & IFF_UP) && (l->nl.flags & IFF_RUNNING);
}

/*
 * A freed slot (its interface's vta_ifslot key deleted) is given out
 * again only after a grace period, as retired groups (retire()): a
 * program that found the old key may still read the slot's vta_ifdata
 * entry and count on its stats slot.  Reading a reused entry would be
 * safe (its ifindex is another's: vta_iface_get() passes), its counts
 * would land on the new interface.  Two ticks: the slot was freed at
 * tick T, vta_sync_tick() ran twice since.
 */
static bool slot_free(const struct vta_sync *s, uint32_t i)
{
	return !s->slot_used[i] &&
	       (!s->grace || !s->slot_cooling[i] ||
		s->ticks - s->slot_freed[i] >= 2);
}

static uint32_t slot_alloc(struct vta_sync *s, const char *name)
{
	uint32_t i;

	/* The same slot for the same name across re-creation keeps the
	 * counters of a tunnel together. */
	for (i = 1; i < VTA_STATS_SLOTS; i++)
		if (slot_free(s, i) && !strcmp(s->slot_name[i], name))
			goto found;
	for (i = 1; i < VTA_STATS_SLOTS; i++)
		if (slot_free(s, i) && !s->slot_name[i][0])
			goto found;
	for (i = 1; i < VTA_STATS_SLOTS; i++)
		if (slot_free(s, i))
			goto found;
	/* Every free slot is in its grace period: take one rather than
	 * leave the interface out (see slot_free(): safe, a few packets
	 * may be counted on it). */
	for (i = 1; i < VTA_STATS_SLOTS; i++)
		if (!s->slot_used[i]) {
			pr_debug("stats slot %u reused within its grace period\n",
				 i);
			goto found;
		}
	return 0;
found:
	s->slot_used[i] = true;
	s->slot_cooling[i] = false;
	snprintf(s->slot_name[i], IFNAMSIZ, "%s", name);
	return i;
}

/* SA matching (see sync.h): returns bit 0 "outbound", bit 1 "inbound". */
static bool addr_is_local(const struct vta_sync *s, int family,
			  const union vta_addr *a);

static int sa_dir(const struct vta_sync *s, const struct slink *l,
		  const struct vta_nl_sa *sa)
{
	const struct vta_nl_link *n = &l->nl;
	size_t alen = sa->family == AF_INET6 ? 16 : 4;
	static const union vta_addr zero;
	int dir = 0;

	if (n->has_if_id) {
		if (!sa->has_if_id || sa->if_id != n->if_id)
			return 0;
		return addr_is_local(s, sa->family, &sa->daddr) ? 2 : 1;
	}
	if (!n->tun_family || sa->family != n->tun_family)
		return 0;
	if (!memcmp(sa->daddr.b, n->remote.b, alen) &&
	    (n->okey & sa->mark_mask) == (sa->mark & sa->mark_mask))
		dir |= 1;
	if (!memcmp(sa->saddr.b, n->remote.b, alen) &&
	    (!memcmp(n->local.b, zero.b, alen) ||
	     !memcmp(sa->daddr.b, n->local.b, alen)) &&
	    (n->ikey & sa->mark_mask) == (sa->mark & sa->mark_mask))
		dir |= 2;
	return dir;
}

static bool tunnel_usable(const struct vta_sync *s, const struct slink *l)
{
	const struct ssa *sa, *tmp;
	int dir = 0;
	size_t i;

	if (l->role != VTA_ROLE_TUNNEL || l->nl.type == ARPHRD_ETHER)
		return true;
	if (!s->sa_aware || !s->xfrm || !s->sas.n)
		return true;
	ht_for_each(&s->sas, i, sa, tmp)
		dir |= sa_dir(s, l, &sa->sa);
	return dir == 3;
}

bool vta_sync_tunnel_usable(const struct vta_sync *s, int ifindex)
{
	const struct slink *l = link_get(s, ifindex);

	return l && tunnel_usable(s, l);
}

unsigned int vta_esp_max_inner(unsigned int outer_mtu, int outer_family,
			       bool udp_encap, unsigned int iv,
			       unsigned int block, unsigned int icv)
{
	/* outer IP + UDP (NAT-T) + SPI/seq + IV + payload + padding +
	 * pad length/next header (2) + ICV, payload+padding+2 a multiple of
	 * the cipher block (at least 4, RFC 4303) */
	unsigned int hdr = (outer_family == AF_INET6 ? 40 : 20) +
			   (udp_encap ? 8 : 0) + 8 + iv + icv;
	unsigned int blk = block < 4 ? 4 : block;

	if (outer_mtu <= hdr + blk)
		return 0;
	return (outer_mtu - hdr) / blk * blk - 2;
}

static uint32_t wan_mtu(const struct vta_sync *s)
{
	int i;

	for (i = 0; i < s->n_links; i++)
		if (s->links[i].role == VTA_ROLE_WAN && s->links[i].nl.mtu)
			return s->links[i].nl.mtu;
	return 1500;
}

static void tunnel_mss(const struct vta_sync *s, const struct slink *l,
		       struct vta_iface *v)
{
	unsigned int inner = l->nl.mtu, best = 0;
	const struct ssa *sa, *tmp;
	size_t i;

	switch (s->conf.mss_mode) {
	case VTA_MSS_OFF:
		return;
	case VTA_MSS_FIXED:
		/* the egress clamp takes them as they are (--set-mss) */
		v->flags |= VTA_IF_F_MSS_FIXED;
		v->mss4 = s->conf.mss_fixed;
		v->mss6 = inner > 60 && inner - 60 < s->conf.mss_fixed ?
			  inner - 60 : s->conf.mss_fixed;
		return;
	case VTA_MSS_SA:
		/* The outbound SAs' overhead against the WAN MTU; the
		 * smallest wins (a rekey briefly has two). */
		ht_for_each(&s->sas, i, sa, tmp) {
			unsigned int m;

			if (!(sa_dir(s, l, &sa->sa) & 1) || !sa->sa.overhead_known)
				continue;
			m = vta_esp_max_inner(wan_mtu(s), sa->sa.family,
					      sa->sa.encap_udp, sa->sa.iv_len,
					      sa->sa.block, sa->sa.icv_len);
			if (m && (!best || m < best))
				best = m;
		}
		if (best && best < inner)
			inner = best;
		break;
	case VTA_MSS_PMTU:
		/* xt_TCPMSS --clamp-mss-to-pmtu takes min(route MTU, reverse
		 * route MTU); the tunnel's MTU is the route MTU here.  The
		 * egress clamp looks both up itself (bpf/clamp.h): stays
		 * right when an MTU changes with no daemon to rewrite this. */
		v->flags |= VTA_IF_F_MSS_PMTU;
		break;
	}
	v->mss4 = inner > 40 ? inner - 40 : 0;
	v->mss6 = inner > 60 ? inner - 60 : 0;
}

static const struct vta_peer_override *override_for(const struct vta_sync *s,
						    const char *name)
{
	int i;

	for (i = 0; i < s->conf.n_peers; i++)
		if (!strcmp(s->conf.peers[i].tunnel, name))
			return &s->conf.peers[i];
	return NULL;
}

/*
 * The inbound SA of an XFRM interface: an SA with the interface's if_id
 * to a local address.  A rekey briefly has two: the choice must not
 * depend on the order SAs arrived in (verify dumps them afresh), so the
 * lowest (saddr, daddr, SPI) wins.
 */
static const struct vta_nl_sa *xfrm_in_sa(const struct vta_sync *s,
					  const struct slink *l)
{
	const struct vta_nl_sa *best = NULL;
	const struct ssa *e, *tmp;
	size_t i;

	if (!l->nl.has_if_id)
		return NULL;
	ht_for_each(&s->sas, i, e, tmp) {
		const struct vta_nl_sa *sa = &e->sa;
		int c;

		if (sa->proto != IPPROTO_ESP || !(sa_dir(s, l, sa) & 2))
			continue;
		if (best) {
			c = memcmp(sa->saddr.b, best->saddr.b, 16);
			if (!c)
				c = memcmp(sa->daddr.b, best->daddr.b, 16);
			if (!c)
				c = ntohl(sa->spi) < ntohl(best->spi) ? -1 : 1;
			if (c > 0)
				continue;
		}
		best = sa;
	}
	return best;
}

static const struct snc *nc_find(const struct vta_sync *s, int family,
				  int ifindex)
{
	int i;

	for (i = 0; i < s->n_ncs; i++)
		if (s->ncs[i].family == family && s->ncs[i].ifindex == ifindex)
			return &s->ncs[i];
	return NULL;
}

/*
 * The sysctls the kernel's forwarding decision reads (docs/
 * datapath-notes.md): an unknown value counts as the one that sends
 * traffic to the kernel.  Before any netconf message (the unit tests'
 * models) there are none.
 */
static uint32_t sysctl_flags(const struct vta_sync *s, const struct slink *l)
{
	const struct snc *d4, *a4, *a6;
	uint32_t f = 0;

	if (!s->nc_seen)
		return 0;
	d4 = nc_find(s, AF_INET, l->nl.ifindex);
	a4 = nc_find(s, AF_INET, NETCONFA_IFINDEX_ALL);
	a6 = nc_find(s, AF_INET6, NETCONFA_IFINDEX_ALL);
	/* ip_route_input_slow(): IN_DEV_FORWARD() of the input device;
	 * a device without IPv4 configuration drops IPv4 */
	if (!d4 || d4->forwarding <= 0)
		f |= VTA_IF_F_NO_FWD4;
	/* ip6_forward(): all.forwarding */
	if (!a6 || a6->forwarding <= 0)
		f |= VTA_IF_F_NO_FWD6;
	/* IN_DEV_RPFILTER(): max(all, dev), 1 strict, 2 loose */
	if (!d4 || !a4 || d4->rp_filter != 0 || a4->rp_filter != 0)
		f |= VTA_IF_F_RP_FILTER;
	return f;
}

static void link_iface(const struct vta_sync *s, const struct slink *l,
		       struct vta_iface *v)
{
	const struct vta_peer_override *o = override_for(s, l->nl.name);

	memset(v, 0, sizeof(*v));
	v->role = l->role;
	v->slot = l->slot;
	v->mtu = l->nl.mtu;
	v->mtu6 = l->nl.has_mtu6 ? l->nl.mtu6 : 0;
	if (link_up(l))
		v->flags |= VTA_IF_F_UP;
	if (l->nl.type == ARPHRD_ETHER)
		v->flags |= VTA_IF_F_L2;
	v->flags |= sysctl_flags(s, l);
	if (l->role != VTA_ROLE_TUNNEL)
		return;
	if (tunnel_usable(s, l))
		v->flags |= VTA_IF_F_SA_UP;
	if (s->conf.rpf_strict)
		v->flags |= VTA_IF_F_RPF_STRICT;
	if (s->conf.clamp_in && s->conf.mss_mode != VTA_MSS_OFF)
		v->flags |= VTA_IF_F_CLAMP_IN;
	if (l->nl.has_if_id) {
		const struct vta_nl_sa *in = xfrm_in_sa(s, l);

		/* the mark the WAN sets for the inbound SA's lookup */
		if (in && in->mark_mask) {
			v->mark = in->mark;
			v->mark_mask = in->mark_mask;
		}
	} else {
		v->mark = l->nl.ikey;
		v->mark_mask = v->mark ? 0xffffffff : 0;
	}
	if (o && o->has_mark) {
		v->mark = o->mark;
		v->mark_mask = o->mask;
	}
	/* A mark we set on ESP must never survive decapsulation
	 * (docs/esp-mark.md: re-encryption loop). */
	if (v->mark_mask)
		v->flags |= VTA_IF_F_CLEAR_MARK;
	tunnel_mss(s, l, v);
}

/*
 * The ESP peer of an XFRM interface, from its inbound SA: the SA's source
 * is the peer, its destination the local address, its mark what the WAN
 * program sets.  An SA without a mark (the usual case: the kernel finds
 * inbound SAs of XFRM interfaces by if_id) gives no entry: a mask-0 entry
 * would change nothing yet count every packet as marked.
 */
static bool xfrm_peer(const struct vta_sync *s, const struct slink *l,
		      const struct vta_peer_override *o, struct vta_peer_key *k,
		      struct vta_peer *v)
{
	const struct vta_nl_sa *in = xfrm_in_sa(s, l);
	size_t alen;

	if (!in)
		return false;
	alen = in->family == AF_INET6 ? 16 : 4;
	k->family = in->family == AF_INET6 ? VTA_AF_INET6 : VTA_AF_INET;
	memcpy(k->local, in->daddr.b, alen);
	memcpy(k->peer, in->saddr.b, alen);
	if (o && o->family == in->family)
		memcpy(k->local, o->local.s6_addr, alen);
	v->mark = in->mark;
	v->mask = in->mark_mask;
	if (o && o->has_mark) {
		v->mark = o->mark;
		v->mask = o->mask;
	}
	v->tunnel_ifindex = l->nl.ifindex;
	v->flags = in->encap_udp ? VTA_PEER_F_NATT : VTA_PEER_F_ESP;
	return v->mask != 0;
}

/* The ESP peer of a VTI (link attributes) or of an XFRM interface (its
 * inbound SA); false when it has none. */
static bool link_peer(const struct vta_sync *s, const struct slink *l,
		      struct vta_peer_key *k, struct vta_peer *v)
{
	const struct vta_peer_override *o = override_for(s, l->nl.name);
	size_t alen = l->nl.tun_family == AF_INET6 ? 16 : 4;
	static const union vta_addr zero;

	if (l->role != VTA_ROLE_TUNNEL)
		return false;
	memset(k, 0, sizeof(*k));
	memset(v, 0, sizeof(*v));
	if (l->nl.has_if_id)
		return xfrm_peer(s, l, o, k, v);
	if (!l->nl.tun_family || !memcmp(l->nl.remote.b, zero.b, alen))
		return false;
	k->family = l->nl.tun_family == AF_INET6 ? VTA_AF_INET6 : VTA_AF_INET;
	memcpy(k->local, l->nl.local.b, alen);
	memcpy(k->peer, l->nl.remote.b, alen);
	if (o && o->family == l->nl.tun_family)
		memcpy(k->local, o->local.s6_addr, alen);
	v->mark = l->nl.ikey;
	v->mask = 0xffffffff;
	if (o && o->has_mark) {
		v->mark = o->mark;
		v->mask = o->mask;
	}
	v->tunnel_ifindex = l->nl.ifindex;
	v->flags = VTA_PEER_F_ESP | VTA_PEER_F_NATT;
	return v->mark || v->mask != 0xffffffff;
}

/* Write a link's iface and peer entries when they changed. */
static void link_write(struct vta_sync *s, struct slink *l)
{
	struct vta_iface v;
	struct vta_peer_key pk;
	struct vta_peer pv;
	bool has_peer;

	if (l->role == VTA_ROLE_NONE)
		return;
	link_iface(s, l, &v);
	if ((!l->written || memcmp(&v, &l->wv, sizeof(v))) &&
	    !werr(s, iface_put(s, l->nl.ifindex, &v), "iface", l->nl.name)) {
		l->wv = v;
		l->written = true;
	}
	has_peer = link_peer(s, l, &pk, &pv);
	if (l->peer_written && (!has_peer || memcmp(&pk, &l->pk, sizeof(pk)))) {
		del_failed(s, s->out.peer_del(s->out.ctx, &l->pk), PDEL_PEER, 0,
			   &l->pk, "peer", l->nl.name);
		l->peer_written = false;
	}
	if (has_peer && (!l->peer_written || memcmp(&pv, &l->pv, sizeof(pv))) &&
	    !werr(s, peer_put(s, &pk, &pv), "peer", l->nl.name)) {
		l->pk = pk;
		l->pv = pv;
		l->peer_written = true;
	}
}

/* Stop managing a link: map entries, slot, hook. */
static void link_unmanage(struct vta_sync *s, struct slink *l, bool gone)
{
	if (l->role == VTA_ROLE_NONE)
		return;
	if (l->peer_written)
		del_failed(s, s->out.peer_del(s->out.ctx, &l->pk), PDEL_PEER, 0,
			   &l->pk, "peer", l->nl.name);
	if (l->written)
		del_failed(s, s->out.iface_del(s->out.ctx, l->nl.ifindex),
			   PDEL_IFACE, l->nl.ifindex, NULL, "iface", l->nl.name);
	if (l->slot) {
		s->slot_used[l->slot] = false;
		s->slot_cooling[l->slot] = true;
		s->slot_freed[l->slot] = s->ticks;
	}
	if (s->hooks.link_removed)
		s->hooks.link_removed(s->hooks.ctx, l->nl.ifindex, l->nl.name,
				      l->role, gone);
	pr_info("%s (ifindex %d): no longer managed%s\n", l->nl.name,
		l->nl.ifindex, gone ? " (deleted)" : "");
	l->role = VTA_ROLE_NONE;
	l->slot = 0;
	l->written = l->peer_written = false;
}

static void link_manage(struct vta_sync *s, struct slink *l, enum vta_role role)
{
	l->role = role;
	l->slot = slot_alloc(s, l->nl.name);
	if (!l->slot)
		pr_warn("%s: no free stats slot, counted as unknown\n", l->nl.name);
	link_write(s, l);
	pr_info("%s (ifindex %d): managed as %s, stats slot %u\n", l->nl.name,
		l->nl.ifindex, vta_role_name(role), l->slot);
	if (s->hooks.link_added)
		s->hooks.link_added(s->hooks.ctx, l->nl.ifindex, l->nl.name, role);
}

/* ---------------------------------------------------------------- */
/* groups                                                             */

static bool member_usable(const struct vta_sync *s, const struct slink *l)
{
	if (!l || (l->role != VTA_ROLE_LAN && l->role != VTA_ROLE_TUNNEL))
		return false;
	return link_up(l) && tunnel_usable(s, l);
}

/* Member order: interface name, then gateway; never the ifindex. */
static int member_cmp(const struct vta_sync *s, const struct vta_nh *a,
		      const struct vta_nh *b)
{
	const char *na = vta_sync_link_name(s, a->ifindex);
	const char *nb = vta_sync_link_name(s, b->ifindex);
	int c = strcmp(na ? na : "", nb ? nb : "");

	if (c)
		return c;
	if (a->gw_family != b->gw_family)
		return a->gw_family < b->gw_family ? -1 : 1;
	c = memcmp(a->gw6, b->gw6, 16);
	if (c)
		return c;
	return a->ifindex < b->ifindex ? -1 : a->ifindex > b->ifindex;
}

/*
 * Hash-threshold (vta_hash.h) gives members contiguous ranges in group
 * order, so the order must not depend on ifindex: a re-created tunnel
 * (new ifindex, same name) keeps its place and moves no other flows.
 */
static void sort_members(const struct vta_sync *s, struct vta_group *g)
{
	uint32_t i, j;

	for (i = 1; i < g->n_paths; i++) {
		struct vta_nh t = g->paths[i];

		for (j = i; j > 0 && member_cmp(s, &g->paths[j - 1], &t) > 0; j--)
			g->paths[j] = g->paths[j - 1];
		g->paths[j] = t;
	}
}

static bool held(const struct vta_sync *s, int ifindex)
{
	int i;

	for (i = 0; i < s->n_held; i++)
		if (s->held[i] == ifindex)
			return true;
	return false;
}

/*
 * Members held down by liveness leave the group only while another
 * usable member stays (never fewer paths than the kernel has).  They are
 * kept after paths[n_paths - 1], where the programs never look, so that
 * `routes` and `lookup` can show them as held down (docs/guide.md).
 */
static void build_group(const struct vta_sync *s, const struct vta_nl_nh *m,
			int n, bool unrep, struct vta_group *g,
			struct vta_rb_member *cur)
{
	uint32_t k;

	bool skip_held = false;
	int i, pass, slot = 0;

	memset(g, 0, sizeof(*g));
	memset(cur, 0, VTA_MAX_PATHS * sizeof(*cur));
	if (unrep)
		return;
	for (i = 0; i < n && s->n_held; i++) {
		const struct slink *l = link_get(s, m[i].ifindex);

		if (member_usable(s, l) && !held(s, m[i].ifindex))
			skip_held = true;
	}
	for (pass = 0; pass < 2; pass++)
	for (i = 0; i < n && slot < VTA_MAX_PATHS; i++) {
		const struct slink *l = link_get(s, m[i].ifindex);
		bool h = skip_held && held(s, m[i].ifindex);
		struct vta_nh *p;

		if (!member_usable(s, l) || h != (pass == 1))
			continue;
		p = &g->paths[slot++];
		if (!h)
			g->n_paths++;
		p->ifindex = m[i].ifindex;
		p->kind = l->nl.type == ARPHRD_ETHER ? VTA_NH_NEIGH : VTA_NH_TUNNEL;
		p->gw_family = m[i].gw_family == AF_INET6 ? VTA_AF_INET6 :
			       m[i].gw_family == AF_INET ? VTA_AF_INET : 0;
		p->weight = m[i].weight;
		if (m[i].gw_family == AF_INET6)
			memcpy(p->gw6, m[i].gw.b, 16);
		else if (m[i].gw_family == AF_INET)
			memcpy(&p->gw4, m[i].gw.b, 4);
		if (!h)
			g->total_weight += p->weight;
	}
	sort_members(s, g);
	for (k = 0; k < g->n_paths; k++) {
		const char *name = vta_sync_link_name(s, g->paths[k].ifindex);

		if (name)
			snprintf(cur[k].name, sizeof(cur[k].name), "%s", name);
		cur[k].ifindex = g->paths[k].ifindex;
		cur[k].gw_family = g->paths[k].gw_family;
		memcpy(cur[k].gw, g->paths[k].gw6, 16);
	}
}

/* A freed group's bucket table, for a group created soon after. */
static void rb_remember(struct vta_sync *s, const struct vta_rb_state *rb)
{
	if (!rb->n)
		return;
	memmove(&s->rb_recent[1], &s->rb_recent[0],
		(VTA_SYNC_RB_RECENT - 1) * sizeof(s->rb_recent[0]));
	s->rb_recent[0] = *rb;
	if (s->n_rb_recent < VTA_SYNC_RB_RECENT)
		s->n_rb_recent++;
}

/*
 * The table a group starts from: its own, or when that shares no member
 * with the group any more (a new group), the freed one sharing the most
 * buckets with it.  A route the kernel removed with a deleted link and
 * that comes back with the surviving members then keeps their flows
 * where they were.  Else a group with the same members that the maps
 * held when the daemon started: a restart moves no flow.
 */
static void seed_key(struct seed_key *k, const struct vta_rb_member *m,
		     uint32_t n);

static void rb_seed(const struct vta_sync *s, struct vta_rb_state *rb,
		    const struct vta_rb_member *cur, uint32_t n)
{
	unsigned int best = vta_rb_overlap(rb, cur, n), i, k;
	int pick = -1;

	if (best || !n)
		return;
	for (i = 0; i < s->n_rb_recent; i++) {
		k = vta_rb_overlap(&s->rb_recent[i], cur, n);
		if (k > best) {
			best = k;
			pick = i;
		}
	}
	if (pick >= 0) {
		*rb = s->rb_recent[pick];
		return;
	}
	if (s->seeds.n) {
		struct seed_key k;
		const struct seed *sd;

		seed_key(&k, cur, n);
		sd = ht_find(&s->seeds, &k);
		if (sd)
			*rb = sd->rb;
	}
}

static int seed_member_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct seed_member));
}

static void seed_key(struct seed_key *k, const struct vta_rb_member *m,
		     uint32_t n)
{
	uint32_t i;

	memset(k, 0, sizeof(*k));
	k->n = n;
	for (i = 0; i < n && i < VTA_MAX_PATHS; i++) {
		k->m[i].ifindex = m[i].ifindex;
		k->m[i].gw_family = m[i].gw_family;
		memcpy(k->m[i].gw, m[i].gw, 16);
	}
	qsort(k->m, k->n, sizeof(k->m[0]), seed_member_cmp);
}

void vta_sync_seed_group(struct vta_sync *s, const struct vta_group *g)
{
	struct vta_rb_member m[VTA_MAX_PATHS];
	struct seed *sd;
	uint32_t i;

	if (!g->n_paths || g->n_paths > VTA_MAX_PATHS ||
	    g->n_buckets != VTA_GROUP_BUCKETS)
		return;
	for (i = 0; i < VTA_GROUP_BUCKETS; i++)
		if (g->buckets[i] >= g->n_paths)
			return;
	memset(m, 0, sizeof(m));
	for (i = 0; i < g->n_paths; i++) {
		m[i].ifindex = g->paths[i].ifindex;
		m[i].gw_family = g->paths[i].gw_family;
		memcpy(m[i].gw, g->paths[i].gw6, 16);
	}
	sd = calloc(1, sizeof(*sd));
	if (!sd)
		return;
	seed_key(&sd->k, m, g->n_paths);
	if (ht_find(&s->seeds, &sd->k) || ht_add(&s->seeds, &sd->he)) {
		free(sd);	/* the first one wins */
		return;
	}
	vta_rb_save(&sd->rb, g, m);
}

static void summarize(const struct vta_sync *s, const struct vta_nl_nh *m,
		      int n, bool unrep, uint8_t *type, uint8_t *flags)
{
	int i;

	*type = VTA_RT_KERNEL;
	*flags = 0;
	if (unrep || n <= 0 || n > VTA_MAX_PATHS)
		return;
	for (i = 0; i < n; i++) {
		const struct slink *l = link_get(s, m[i].ifindex);

		if (!l || (l->role != VTA_ROLE_LAN && l->role != VTA_ROLE_TUNNEL))
			return;
		if (l->role == VTA_ROLE_TUNNEL)
			*flags |= VTA_RT_F_VIA_TUNNEL;
		if (m[i].gw_family)
			*flags |= VTA_RT_F_GATEWAY;
	}
	*type = VTA_RT_UNICAST;
}

/* Members of a nexthop object; *unrep when not representable. */
static int nh_members(const struct vta_sync *s, const struct snh *n,
		      struct vta_nl_nh *m, bool *unrep)
{
	int i;

	/* A resilient group's bucket table cannot be mirrored: the kernel
	 * moves buckets on its idle and unbalanced timers without a
	 * message (RTM_GETNEXTHOPBUCKET only dumps it), and hashes flows
	 * with its own seed.  Its routes stay with the kernel
	 * (docs/datapath-notes.md, "ECMP member pick"). */
	*unrep = n->nl.blackhole || n->nl.fdb || n->nl.too_many ||
		 n->nl.encap || n->nl.resilient;
	if (!n->nl.n_grp) {
		memset(m, 0, sizeof(*m));
		m->ifindex = n->nl.ifindex;
		m->weight = 1;
		m->gw_family = n->nl.gw_family;
		m->gw = n->nl.gw;
		if (!m->ifindex)
			*unrep = true;
		return 1;
	}
	if (n->nl.n_grp > VTA_MAX_PATHS) {
		*unrep = true;
		return 0;
	}
	for (i = 0; i < n->nl.n_grp; i++) {
		const struct snh *c = ht_find(&s->nhs, &n->nl.grp[i].id);

		memset(&m[i], 0, sizeof(m[i]));
		if (!c || c->nl.n_grp || c->nl.blackhole || !c->nl.ifindex ||
		    c->nl.encap) {
			*unrep = true;
			continue;
		}
		m[i].ifindex = c->nl.ifindex;
		m[i].weight = n->nl.grp[i].weight;
		m[i].gw_family = c->nl.gw_family;
		m[i].gw = c->nl.gw;
	}
	return n->nl.n_grp;
}

/*
 * A group in the map is never changed in place (issue 11, item 6): the
 * vta_groups hash map is preallocated, and an update of an existing key
 * recycles the old element at once (htab_map_update_elem() hands it to
 * the per-CPU extra_elems slot, the next update on that CPU overwrites
 * it), so a program in flight could read n_paths and weights of one
 * group and members of another.  A changed group is written under a
 * new key, the routes are repointed to it, and the old key is deleted
 * only after a grace period: every program that could still hold it has
 * finished long before (vta_sync_tick(), one to two lease renewals).
 */
static void retire(struct vta_sync *s, uint32_t id)
{
	if (!s->grace) {
		group_del(s, id, "retired");
		return;
	}
	if (s->n_retired == s->cap_retired) {
		size_t cap = s->cap_retired ? s->cap_retired * 2 : 16;
		struct retired *n = realloc(s->retired, cap * sizeof(*n));

		if (!n) {	/* cannot wait: delete now */
			group_del(s, id, "retired");
			return;
		}
		s->retired = n;
		s->cap_retired = cap;
	}
	s->retired[s->n_retired].id = id;
	s->retired[s->n_retired++].tick = s->ticks;
}

static bool is_retired(const struct vta_sync *s, uint32_t id)
{
	size_t i;

	for (i = 0; i < s->n_retired; i++)
		if (s->retired[i].id == id)
			return true;
	return false;
}

/* A map key for a replacement group: its own range, never one in use. */
static uint32_t remap_id(struct vta_sync *s)
{
	uint32_t id;

	do {
		id = VTA_SYNC_REMAP_ID_BASE + (s->next_remap_id++ &
					       (VTA_SYNC_MSET_ID_BASE -
						VTA_SYNC_REMAP_ID_BASE - 1));
	} while (ht_find(&s->nhs, &id) || is_retired(s, id));
	return id;
}

void vta_sync_set_grace(struct vta_sync *s, bool on)
{
	s->grace = on;
}

void vta_sync_tick(struct vta_sync *s)
{
	size_t i, k = 0;

	for (i = 0; i < s->n_retired; i++) {
		if (s->retired[i].tick != s->ticks)
			group_del(s, s->retired[i].id, "retired");
		else
			s->retired[k++] = s->retired[i];
	}
	s->n_retired = k;
	s->ticks++;
}

/* Recompute and write a group; true when its summary changed or it
 * moved to another map key (the routes using it must be rewritten). */
static bool group_refresh(struct vta_sync *s, uint32_t *mid,
			  const struct vta_nl_nh *m, int n, bool unrep,
			  bool *written, struct vta_group *wg,
			  uint8_t *sum_type, uint8_t *sum_flags,
			  struct vta_rb_state *rb)
{
	struct vta_rb_member cur[VTA_MAX_PATHS];
	struct vta_group g;
	uint8_t t, f;
	bool changed, moved = false;
	char name[16];

	build_group(s, m, n, unrep, &g, cur);
	rb_seed(s, rb, cur, g.n_paths);
	vta_rb_fill(&g, cur, rb);
	if (!*written || memcmp(&g, wg, sizeof(g))) {
		uint32_t id = *mid;
		bool ok;

		if (s->grace && (*written || is_retired(s, id)))
			id = remap_id(s);
		snprintf(name, sizeof(name), "%#x", *mid);
		if (id != *mid && group_put(s, id, &g) == 0) {
			if (*written)
				retire(s, *mid);
			*mid = id;
			moved = true;
			ok = true;
		} else {
			/* a new group, or no room for a second copy */
			ok = !werr(s, group_put(s, *mid, &g), "group", name);
		}
		/* the model keeps what the map holds (a failed write is
		 * retried) */
		if (ok) {
			*wg = g;
			*written = true;
		}
	}
	/* the next table starts from the one the map holds */
	if (*written && !memcmp(&g, wg, sizeof(g)))
		vta_rb_save(rb, &g, cur);
	summarize(s, m, n, unrep, &t, &f);
	changed = t != *sum_type || f != *sum_flags || moved;
	*sum_type = t;
	*sum_flags = f;
	return changed;
}

static bool nh_refresh(struct vta_sync *s, struct snh *n)
{
	struct vta_nl_nh m[VTA_NL_MAX_NH];
	bool unrep;
	int cnt = nh_members(s, n, m, &unrep);

	return group_refresh(s, &n->mid, m, cnt, unrep, &n->written, &n->wg,
			     &n->sum_type, &n->sum_flags, &n->rb);
}

static bool mset_refresh(struct vta_sync *s, struct mset *ms)
{
	return group_refresh(s, &ms->mid, ms->k.m, ms->k.n, false,
			     &ms->written, &ms->wg, &ms->sum_type,
			     &ms->sum_flags, &ms->rb);
}

static int nh_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct vta_nl_nh));
}

/* The member set of a route, shared; hint: the set the route had, which
 * a resync's dump mostly repeats (no hashing of the key then). */
static struct mset *mset_get(struct vta_sync *s, const struct vta_nl_route *r,
			     struct mset *hint)
{
	struct mset_key k;
	struct mset *ms;
	int i;

	memset(&k, 0, sizeof(k));
	k.n = r->n_nh;
	for (i = 0; i < r->n_nh; i++) {
		k.m[i].ifindex = r->nh[i].ifindex;
		k.m[i].weight = r->nh[i].weight;
		k.m[i].gw_family = r->nh[i].gw_family;
		k.m[i].gw = r->nh[i].gw;
	}
	if (k.n > 1)
		qsort(k.m, k.n, sizeof(k.m[0]), nh_cmp);
	if (hint && !memcmp(&hint->k, &k, sizeof(k))) {
		hint->refs++;
		return hint;
	}
	ms = ht_find(&s->msets, &k);
	if (ms) {
		ms->refs++;
		return ms;
	}
	ms = calloc(1, sizeof(*ms));
	if (!ms)
		return NULL;
	ms->k = k;
	ms->refs = 1;
	/* the route's members changed: start from the table it had */
	if (hint)
		ms->rb = hint->rb;
	do {
		ms->id = s->next_mset_id++;
		if (s->next_mset_id < VTA_SYNC_MSET_ID_BASE)
			s->next_mset_id = VTA_SYNC_MSET_ID_BASE;
	} while (ht_find(&s->nhs, &ms->id));
	ms->mid = ms->id;
	if (ht_add(&s->msets, &ms->he)) {
		free(ms);
		return NULL;
	}
	mset_refresh(s, ms);	/* group first, then the routes using it */
	return ms;
}

static void mset_put(struct vta_sync *s, struct mset *ms)
{
	if (!ms || --ms->refs)
		return;
	if (ms->written)
		retire(s, ms->mid);
	rb_remember(s, &ms->rb);
	ht_del(&s->msets, &ms->he);
	free(ms);
}

/* ---------------------------------------------------------------- */
/* prefixes                                                           */

static bool addr_is_local(const struct vta_sync *s, int family,
			  const union vta_addr *a)
{
	struct pfx_key k;
	const struct pfx *p;
	const struct variant *v;

	memset(&k, 0, sizeof(k));
	k.family = family;
	k.len = family == AF_INET6 ? 128 : 32;
	memcpy(k.a.b, a->b, family == AF_INET6 ? 16 : 4);
	p = ht_find(&s->pfxs, &k);
	if (!p)
		return false;
	for (v = p->v; v; v = v->next)
		if (v->table == RT_TABLE_LOCAL && v->rtype == RTN_LOCAL)
			return true;
	return false;
}

static void pfx_value(const struct vta_sync *s, const struct pfx *p,
		      struct vta_route *r, bool *have)
{
	const struct variant *v, *best = NULL;
	bool local = false, tos = false, tie = false;

	memset(r, 0, sizeof(*r));
	*have = false;
	for (v = p->v; v; v = v->next) {
		if (v->table == RT_TABLE_LOCAL) {
			local = true;
			continue;
		}
		if (v->tos || v->src_len)
			tos = true;
		if (best && v->prio == best->prio)
			tie = true;
		if (!best || v->prio < best->prio) {
			best = v;
			tie = false;
		}
	}
	if (!local && !best)
		return;
	*have = true;
	r->type = VTA_RT_KERNEL;
	if (local) {
		r->type = VTA_RT_LOCAL;
		return;
	}
	/* TOS routes, IPv6 source-specific routes, or IPv6 device routes
	 * side by side: the kernel's choice depends on more than the prefix */
	if (tos || tie)
		return;
	switch (best->rtype) {
	case RTN_LOCAL:
	case RTN_BROADCAST:
	case RTN_ANYCAST:
	case RTN_MULTICAST:
		r->type = VTA_RT_LOCAL;
		return;
	case RTN_UNICAST:
		break;
	default:
		return;
	}
	if (best->unrep)
		return;
	if (best->nhid) {
		const struct snh *n = ht_find(&s->nhs, &best->nhid);

		if (!n || n->sum_type != VTA_RT_UNICAST)
			return;
		r->type = VTA_RT_UNICAST;
		r->group_id = n->mid;
		r->flags = n->sum_flags;
	} else if (best->ms && best->ms->sum_type == VTA_RT_UNICAST) {
		r->type = VTA_RT_UNICAST;
		r->group_id = best->ms->mid;
		r->flags = best->ms->sum_flags;
	}
	/* the route's MTU metric (IP_MAX_MTU caps it, as the kernel) */
	if (r->type == VTA_RT_UNICAST)
		r->mtu = best->mtu > 0xffff ? 0xffff : best->mtu;
}

static void pfx_name(const struct pfx *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", vta_addr_str(p->k.family, &p->k.a, a, sizeof(a)),
		 p->k.len);
}

/*
 * Write the prefix's map entry; frees p when no route is left.  A prefix
 * whose map entry could not be deleted stays, without routes, until a
 * retry deletes it (its entry would otherwise stay in the map for ever).
 */
static void pfx_update(struct vta_sync *s, struct pfx *p)
{
	struct vta_route r;
	bool have;
	char name[64];
	int err;

	s->cnt.pfx_updates++;
	pfx_value(s, p, &r, &have);
	if (!have) {
		if (p->written) {
			err = s->out.fib_del(s->out.ctx, p->k.family, p->k.len,
					     &p->k.a);
			if (err && err != -ENOENT) {
				pfx_name(p, name, sizeof(name));
				werr(s, err, "fib delete", name);
				return;
			}
		}
		ht_del(&s->pfxs, &p->he);
		opool_free(&s->pfx_pool, p);
		return;
	}
	if (p->written && !memcmp(&r, &p->wv, sizeof(r)))
		return;
	err = s->out.fib_put(s->out.ctx, p->k.family, p->k.len, &p->k.a, &r);
	if (err) {
		pfx_name(p, name, sizeof(name));
		werr(s, err, "fib", name);
		return;
	}
	p->wv = r;
	p->written = true;
}

static void nhu_unlink(struct vta_sync *s, struct variant *v)
{
	struct nhu *u;

	if (!v->nu_pprev)
		return;
	*v->nu_pprev = v->nu_next;
	if (v->nu_next)
		v->nu_next->nu_pprev = v->nu_pprev;
	v->nu_next = NULL;
	v->nu_pprev = NULL;
	u = ht_find(&s->nhus, &v->nhid);
	if (u && !u->head) {
		ht_del(&s->nhus, &u->he);
		free(u);
	}
}

/* 0 or -ENOMEM (the prefix then misses nexthop updates: a resync is
 * asked for) */
static int nhu_link(struct vta_sync *s, struct variant *v, struct pfx *p)
{
	struct nhu *u = ht_find(&s->nhus, &v->nhid);

	if (!u) {
		u = calloc(1, sizeof(*u));
		if (!u || (u->id = v->nhid, ht_add(&s->nhus, &u->he))) {
			free(u);
			s->want_resync = true;
			return -ENOMEM;
		}
	}
	v->pfx = p;
	v->nu_next = u->head;
	if (u->head)
		u->head->nu_pprev = &v->nu_next;
	u->head = v;
	v->nu_pprev = &u->head;
	return 0;
}

/* The prefixes using nexthop id, each once (callers may free them). */
static struct pfx **nhu_prefixes(struct vta_sync *s, uint32_t id, size_t *n)
{
	const struct nhu *u = ht_find(&s->nhus, &id);
	const struct variant *v;
	struct pfx **a;
	size_t k = 0;

	*n = 0;
	if (!u)
		return NULL;
	for (v = u->head; v; v = v->nu_next)
		k++;
	a = malloc(k * sizeof(*a));
	if (!a) {
		s->want_resync = true;
		return NULL;
	}
	k = 0;
	if (!++s->nu_stamp)	/* 0 is every prefix's initial mark */
		s->nu_stamp = 1;
	for (v = u->head; v; v = v->nu_next)
		if (v->pfx->nu_mark != s->nu_stamp) {
			v->pfx->nu_mark = s->nu_stamp;
			a[k++] = v->pfx;
		}
	*n = k;
	return a;
}

/* A nexthop's summary changed: rewrite the prefixes using it. */
static void nhu_update(struct vta_sync *s, uint32_t id)
{
	size_t i, n;
	struct pfx **a = nhu_prefixes(s, id, &n);

	for (i = 0; i < n; i++)
		pfx_update(s, a[i]);
	free(a);
}

static void variant_free(struct vta_sync *s, struct variant *v)
{
	nhu_unlink(s, v);
	free(v->big);
	if (v->nhid)
		s->n_nhid_variants--;
	mset_put(s, v->ms);
	opool_free(&s->var_pool, v);
}

/* Remove the variants for which pred() holds, then update the prefix. */
static void pfx_purge(struct vta_sync *s, struct pfx *p,
		      bool (*pred)(const struct variant *, const void *),
		      const void *arg)
{
	struct variant **pp = &p->v, *v, *dead = NULL;

	while ((v = *pp)) {
		if (pred(v, arg)) {
			*pp = v->next;
			v->next = dead;
			dead = v;
		} else {
			pp = &v->next;
		}
	}
	if (!dead)
		return;
	/* the route first, then the groups it used */
	pfx_update(s, p);
	while ((v = dead)) {
		dead = v->next;
		variant_free(s, v);
	}
}

static void purge_all(struct vta_sync *s,
		      bool (*pred)(const struct variant *, const void *),
		      const void *arg)
{
	struct pfx *p, *tmp;
	size_t i;

	ht_for_each(&s->pfxs, i, p, tmp)
		pfx_purge(s, p, pred, arg);
}

static void rescan_all(struct vta_sync *s)
{
	struct pfx *p, *tmp;
	size_t i;

	ht_for_each(&s->pfxs, i, p, tmp)
		pfx_update(s, p);
}

/* Recompute every group; rewrite every prefix when a summary changed. */
static void refresh_groups(struct vta_sync *s)
{
	struct snh *n, *tn;
	struct mset *ms, *tm;
	bool changed = false;
	size_t i;

	ht_for_each(&s->nhs, i, n, tn)
		changed |= nh_refresh(s, n);
	ht_for_each(&s->msets, i, ms, tm)
		changed |= mset_refresh(s, ms);
	if (changed)
		rescan_all(s);
}

static void refresh_links(struct vta_sync *s)
{
	int i;

	for (i = 0; i < s->n_links; i++)
		link_write(s, &s->links[i]);
}

/* ---------------------------------------------------------------- */
/* message handlers                                                   */

static bool v_uses_if(const struct variant *v, const void *arg)
{
	int ifindex = *(const int *)arg;
	uint32_t i;

	if (v->oif == ifindex)
		return true;
	if (v->ms)
		for (i = 0; i < v->ms->k.n; i++)
			if (v->ms->k.m[i].ifindex == ifindex)
				return true;
	return false;
}

static bool v_uses_nh(const struct variant *v, const void *arg)
{
	return v->nhid && v->nhid == *(const uint32_t *)arg;
}

static void nh_delete(struct vta_sync *s, struct snh *n)
{
	uint32_t id = n->id;
	struct snh *g, *tmp;
	struct pfx **users;
	size_t i, n_users;
	int j;

	ht_del(&s->nhs, &n->he);
	/* The kernel removes the routes using it without RTM_DELROUTE:
	 * those of its users (all prefixes if the index failed us). */
	users = nhu_prefixes(s, id, &n_users);
	if (!users && ht_find(&s->nhus, &id))
		purge_all(s, v_uses_nh, &id);
	for (i = 0; i < n_users; i++)
		pfx_purge(s, users[i], v_uses_nh, &id);
	free(users);
	if (n->written)
		retire(s, n->mid);
	rb_remember(s, &n->rb);
	free(n);
	/* ... and drops it from the groups holding it; an emptied group
	 * goes too (restart the scan after such a recursive delete). */
again:
	ht_for_each(&s->nhs, i, g, tmp) {
		bool hit = false;

		for (j = 0; j < g->nl.n_grp; j++) {
			if (g->nl.grp[j].id != id)
				continue;
			memmove(&g->nl.grp[j], &g->nl.grp[j + 1],
				(g->nl.n_grp - j - 1) * sizeof(g->nl.grp[0]));
			g->nl.n_grp--;
			j--;
			hit = true;
		}
		if (!hit)
			continue;
		if (!g->nl.n_grp) {
			nh_delete(s, g);
			goto again;
		}
		if (nh_refresh(s, g))
			nhu_update(s, g->id);
	}
}

/* Remove the nexthop objects (not groups) that leave through ifindex;
 * nh_delete() takes them out of their groups and drops the routes the
 * kernel drops with them. */
static void nh_flush_dev(struct vta_sync *s, int ifindex)
{
	struct snh *n, *tmp;
	size_t i;
	bool again;

	do {
		again = false;
		ht_for_each(&s->nhs, i, n, tmp)
			if (!n->nl.n_grp && !n->nl.blackhole &&
			    n->nl.ifindex == ifindex) {
				nh_delete(s, n);
				again = true;
				break;
			}
	} while (again);
}

/* Whether a member's device is administratively down: the kernel has
 * marked such IPv4 nexthops RTNH_F_DEAD (fib_sync_down_dev). */
static bool dev_admin_down(const struct vta_sync *s, int ifindex)
{
	const struct slink *l = link_get(s, ifindex);

	return l && !(l->nl.flags & IFF_UP);
}

struct down_arg {
	struct vta_sync *s;
	int ifindex;
	bool unmodelled;	/* a route we cannot judge: resync */
};

/*
 * NETDEV_DOWN for IPv4 (fib_sync_down_dev + fib_flush, no RTM_DELROUTE):
 * a route goes when every nexthop is dead, i.e. leaves through this
 * device or another one that is down; routes of scope host (the local
 * addresses) stay.  Multipath routes with a live member stay, the dead
 * member flagged, which the group build already honours (link down =
 * not usable).  Routes with nexthop objects are handled by nh_flush_dev.
 */
static bool v4_dies_on_down(const struct variant *v, const void *arg)
{
	struct down_arg *d = (struct down_arg *)arg;
	uint32_t i;

	if (v->nhid || v->scope >= RT_SCOPE_HOST)
		return false;
	if (v->ms) {
		for (i = 0; i < v->ms->k.n; i++)
			if (v->ms->k.m[i].ifindex != d->ifindex &&
			    !dev_admin_down(d->s, v->ms->k.m[i].ifindex))
				return false;
		return true;
	}
	if (v->oif != d->ifindex)
		return false;
	if (v->unrep) {
		/* more members than we keep: which are alive is unknown */
		d->unmodelled = true;
		return false;
	}
	return true;
}

static void purge_family(struct vta_sync *s, int family,
			 bool (*pred)(const struct variant *, const void *),
			 const void *arg)
{
	struct pfx *p, *tmp;
	size_t i;

	ht_for_each(&s->pfxs, i, p, tmp)
		if (p->k.family == family)
			pfx_purge(s, p, pred, arg);
}

/* IPv6 deletes (and announces) every sibling through an unregistered
 * device; one left with no member at all is gone whatever came first. */
static bool v6_all_via(const struct variant *v, const void *arg)
{
	int ifindex = *(const int *)arg;
	uint32_t i;

	if (v->nhid)
		return false;
	if (!v->ms)
		return v->oif == ifindex;
	for (i = 0; i < v->ms->k.n; i++)
		if (v->ms->k.m[i].ifindex != ifindex)
			return false;
	return true;
}

/*
 * What the kernel does when a link goes down, measured on 6.18 and
 * Debian's 6.1 with `ip monitor` and dumps (docs/datapath-notes.md):
 *  - admin down (IFF_UP cleared, NETDEV_DOWN):
 *    IPv4 single-path routes through it are removed without
 *    RTM_DELROUTE, as are multipath routes whose every nexthop is dead;
 *    a multipath route with a live member stays, the member flagged
 *    "dead linkdown", and comes back to life on link up, again without
 *    a message.  Local routes (scope host) stay; broadcast ones go.
 *    IPv6 removes single-path routes with RTM_DELROUTE and flags
 *    multipath members dead like IPv4.
 *    Nexthop objects through it are removed without RTM_DELNEXTHOP,
 *    leave their groups (a group emptied goes too), and every route
 *    using a removed object or group goes without RTM_DELROUTE, IPv4
 *    and IPv6 alike.
 *  - carrier loss (IFF_RUNNING and IFF_LOWER_UP clear, NETDEV_CHANGE):
 *    routes stay (flagged linkdown), but nexthop objects through it are
 *    removed exactly as on admin down.
 *  - link up: nothing removed comes back by itself (zebra re-adds);
 *    the kernel announces only the connected and local routes it
 *    re-creates.
 */
static void link_went_down(struct vta_sync *s, struct slink *l,
			   uint32_t old_flags)
{
	uint32_t f = l->nl.flags;
	bool admin_down = (old_flags & IFF_UP) && !(f & IFF_UP);
	bool carrier_lost = (f & IFF_UP) &&
			    (old_flags & (IFF_RUNNING | IFF_LOWER_UP)) &&
			    !(f & (IFF_RUNNING | IFF_LOWER_UP));
	struct down_arg d = { s, l->nl.ifindex, false };

	if (!admin_down && !carrier_lost)
		return;
	nh_flush_dev(s, d.ifindex);
	if (admin_down)
		purge_family(s, AF_INET, v4_dies_on_down, &d);
	if (d.unmodelled)
		s->want_resync = true;
}

static void link_delete(struct vta_sync *s, struct slink *l)
{
	int ifindex = l->nl.ifindex, idx;

	link_unmanage(s, l, true);
	nh_flush_dev(s, ifindex);
	/* NETDEV_UNREGISTER: every IPv4 route with a nexthop through it
	 * goes, multipath or not, without RTM_DELROUTE. */
	purge_family(s, AF_INET, v_uses_if, &ifindex);
	purge_family(s, AF_INET6, v6_all_via, &ifindex);
	l = link_get(s, ifindex);
	idx = l - s->links;
	s->links[idx] = s->links[--s->n_links];
	refresh_groups(s);
}

static int on_link(struct vta_sync *s, const struct nlmsghdr *nlh)
{
	struct vta_nl_link nl;
	struct slink *l;
	enum vta_role role;
	bool was_usable, was_tunnel;
	uint32_t old_flags;
	int err;

	err = vta_nl_parse_link(nlh, &nl);
	if (err)
		return err;
	l = link_get(s, nl.ifindex);
	if (nlh->nlmsg_type == RTM_DELLINK) {
		if (l)
			link_delete(s, l);
		return 0;
	}
	if (!l) {
		if (s->n_links == s->cap_links) {
			int cap = s->cap_links ? s->cap_links * 2 : 16;
			struct slink *nlinks = realloc(s->links, cap * sizeof(*nlinks));

			if (!nlinks)
				return -ENOMEM;
			s->links = nlinks;
			s->cap_links = cap;
		}
		l = &s->links[s->n_links++];
		memset(l, 0, sizeof(*l));
		l->nl = nl;
		old_flags = nl.flags;
		was_usable = false;
		was_tunnel = nl.type != ARPHRD_ETHER;
	} else {
		old_flags = l->nl.flags;
		was_usable = l->usable;
		was_tunnel = l->kind_tunnel;
		/* a rename loses the role of the old name */
		if (strcmp(l->nl.name, nl.name) && l->role != VTA_ROLE_NONE &&
		    role_for(s, nl.name) != l->role)
			link_unmanage(s, l, false);
		/* a message without the IPv6 configuration keeps what was
		 * known (vta_dev_mtu() never goes above the link MTU) */
		if (!nl.has_mtu6 && l->nl.has_mtu6) {
			nl.has_mtu6 = true;
			nl.mtu6 = l->nl.mtu6;
		}
		l->nl = nl;
	}
	l->gen = s->gen;
	role = role_for(s, nl.name);
	if (role != l->role) {
		link_unmanage(s, l, false);
		if (role != VTA_ROLE_NONE)
			link_manage(s, l, role);
		refresh_groups(s);
	}
	link_went_down(s, l, old_flags);
	l->usable = member_usable(s, l);
	l->kind_tunnel = l->nl.type != ARPHRD_ETHER;
	/* the WAN MTU feeds the tunnels' MSS: rewrite all changed ones */
	refresh_links(s);
	if (was_usable != l->usable || was_tunnel != l->kind_tunnel)
		refresh_groups(s);
	return 0;
}

/*
 * Member sets get invented ids from VTA_SYNC_MSET_ID_BASE up, skipping
 * the kernel nexthop ids known then.  Kernel nexthop ids are any u32 but
 * 0: the kernel allocates below INT_MAX when none is given
 * (nh_find_unused_id(), net/ipv4/nexthop.c), but a user or FRR may name
 * any id (FRR's protocol-owned groups go up to 0xFA000000).  No range is
 * safe, so a nexthop arriving with the id of a member set moves the set:
 * its group is written under a fresh id and the routes using it are
 * repointed before the kernel's group overwrites the old id.
 */
static bool mset_id_used(struct vta_sync *s, uint32_t id)
{
	struct mset *ms, *tm;
	size_t i;

	if (ht_find(&s->nhs, &id))
		return true;
	ht_for_each(&s->msets, i, ms, tm)
		if (ms->id == id || ms->mid == id)
			return true;
	return is_retired(s, id);
}

static uint32_t mset_new_id(struct vta_sync *s, uint32_t avoid)
{
	uint32_t id;

	do {
		id = s->next_mset_id++;
		if (s->next_mset_id < VTA_SYNC_MSET_ID_BASE)
			s->next_mset_id = VTA_SYNC_MSET_ID_BASE;
	} while (id == avoid || mset_id_used(s, id));
	return id;
}

static void mset_evict_id(struct vta_sync *s, uint32_t id)
{
	struct mset *ms, *tm;
	size_t i;

	ht_for_each(&s->msets, i, ms, tm) {
		if (ms->id != id)
			continue;
		/* a new identity and map key; the kernel nexthop's group
		 * takes the old key */
		ms->id = mset_new_id(s, id);
		ms->mid = ms->id;
		ms->written = false;
		mset_refresh(s, ms);
		rescan_all(s);
		pr_info("nexthop id %#x: the kernel uses it now; its member set moved to %#x\n",
			id, ms->id);
		return;
	}
}

static int on_nexthop(struct vta_sync *s, const struct nlmsghdr *nlh)
{
	struct vta_nl_nexthop nl;
	struct snh *n, *g, *tmp;
	size_t i;
	int err, j;

	err = vta_nl_parse_nexthop(nlh, &nl);
	if (err)
		return err;
	n = ht_find(&s->nhs, &nl.id);
	if (nlh->nlmsg_type == RTM_DELNEXTHOP) {
		if (n)
			nh_delete(s, n);
		return 0;
	}
	if (!n) {
		if (nl.id >= VTA_SYNC_MSET_ID_BASE)
			mset_evict_id(s, nl.id);
		n = calloc(1, sizeof(*n));
		if (!n)
			return -ENOMEM;
		n->id = nl.id;
		n->mid = nl.id;
		n->sum_type = 0xff;	/* new: no routes use it yet */
		if (ht_add(&s->nhs, &n->he)) {
			free(n);
			return -ENOMEM;
		}
	}
	n->nl = nl;
	n->gen = s->gen;
	/* only the routes using it, or a group holding it, can change:
	 * a nexthop nobody uses yet (FRR installs them first) costs
	 * nothing however many routes there are */
	if (nh_refresh(s, n))
		nhu_update(s, nl.id);
	/* groups holding it see the change too */
	ht_for_each(&s->nhs, i, g, tmp)
		for (j = 0; j < g->nl.n_grp; j++)
			if (g->nl.grp[j].id == nl.id) {
				if (nh_refresh(s, g))
					nhu_update(s, g->id);
				break;
			}
	return 0;
}

static struct variant **variant_find(struct pfx *p,
				     const struct vta_nl_route *r, int oif_key)
{
	struct variant **pp;

	for (pp = &p->v; *pp; pp = &(*pp)->next)
		if ((*pp)->table == r->table && (*pp)->tos == r->tos &&
		    (*pp)->prio == r->priority && (*pp)->oif_key == oif_key &&
		    (*pp)->src_len == r->src_len &&
		    !memcmp(&(*pp)->src, &r->src, sizeof(r->src)))
			return pp;
	return NULL;
}

/*
 * IPv6 keeps routes that differ only in their device (fe80::/64 on every
 * link, ff00::/8 in the local table) side by side, so the device is part
 * of their identity; IPv4 has one route per (table, tos, metric).
 */
static int route_oif_key(const struct vta_nl_route *r)
{
	/* with a gateway they are ECMP siblings of one route instead */
	return r->family == AF_INET6 && r->n_nh == 1 && !r->nhid &&
	       !r->nh[0].gw_family ? r->nh[0].ifindex : 0;
}

/*
 * IPv6 deletes one nexthop of a multipath route with an RTM_DELROUTE
 * that names only that nexthop, and sends nothing for what remains:
 * take those members out.  Returns true when members remain.
 */
static bool v6_del_members(struct vta_sync *s, struct pfx *p,
			   struct variant *v, const struct vta_nl_route *del)
{
	static struct vta_nl_route rest;
	struct mset *old = v->ms;
	const struct vta_nl_nh *have = old ? old->k.m : v->big;
	int n = old ? (int)old->k.n : v->n_big, i, j;

	if (v->sib_unknown && del->n_nh == 1) {
		/* more siblings than the model keeps (VTA_NL_MAX_NH): which
		 * remain is unknown; the prefix stays with the kernel until a
		 * resync says */
		s->want_resync = true;
		return true;
	}
	if (!have || del->n_nh < 1 || del->n_nh >= n)
		return false;
	memset(&rest, 0, offsetof(struct vta_nl_route, nh));
	for (i = 0; i < n; i++) {
		const struct vta_nl_nh *m = &have[i];
		bool gone = false;

		for (j = 0; j < del->n_nh; j++)
			if (del->nh[j].ifindex == m->ifindex &&
			    del->nh[j].gw_family == m->gw_family &&
			    !memcmp(del->nh[j].gw.b, m->gw.b, 16))
				gone = true;
		if (!gone)
			rest.nh[rest.n_nh++] = *m;
	}
	if (!rest.n_nh || rest.n_nh == n)
		return false;
	v->oif = rest.nh[0].ifindex;
	if (rest.n_nh > VTA_MAX_PATHS) {
		/* still too many for a group: the kernel keeps them all */
		memcpy(v->big, rest.nh, rest.n_nh * sizeof(rest.nh[0]));
		v->n_big = rest.n_nh;
		return true;
	}
	free(v->big);
	v->big = NULL;
	v->n_big = 0;
	v->unrep = false;
	v->ms = mset_get(s, &rest, old);
	if (!v->ms)
		v->unrep = true;
	pfx_update(s, p);
	mset_put(s, old);
	return true;
}

/* Whether an RTM_DELROUTE names the route v keeps (not one behind it). */
static bool v4_del_is_first(const struct vta_sync *s, const struct variant *v,
			    const struct vta_nl_route *del)
{
	struct mset_key k;
	int i;

	if (del->type != v->rtype || del->nhid != v->nhid)
		return false;
	if (v->nhid)
		return true;
	if (!v->ms)
		return true;	/* cannot tell: assume the worst */
	if (del->n_nh != (int)v->ms->k.n)
		return false;
	memset(&k, 0, sizeof(k));
	k.n = del->n_nh;
	for (i = 0; i < del->n_nh; i++) {
		k.m[i].ifindex = del->nh[i].ifindex;
		k.m[i].weight = del->nh[i].weight;
		k.m[i].gw_family = del->nh[i].gw_family;
		k.m[i].gw = del->nh[i].gw;
	}
	if (k.n > 1)
		qsort(k.m, k.n, sizeof(k.m[0]), nh_cmp);
	(void)s;
	return !memcmp(&k, &v->ms->k, sizeof(k));
}

static bool v_replaced(const struct variant *v, const void *arg)
{
	const struct variant *n = arg;

	return v != n && v->table == n->table && v->tos == n->tos &&
	       v->prio == n->prio && v->src_len == n->src_len &&
	       !memcmp(&v->src, &n->src, sizeof(v->src));
}

/* A local address came or went: which SAs are inbound (sa_dir) may
 * have changed, and with it SA_UP and the peers of XFRM interfaces. */
static void local_changed(struct vta_sync *s, const struct vta_nl_route *r)
{
	if (r->table != RT_TABLE_LOCAL || r->type != RTN_LOCAL || !s->sas.n)
		return;
	refresh_links(s);
	refresh_groups(s);
}

static int on_route(struct vta_sync *s, const struct nlmsghdr *nlh)
{
	static struct vta_nl_route r;	/* large: not on the stack */
	const struct rtmsg *rtm;
	struct pfx_key k;
	struct pfx *p;
	struct variant **pp, *v;
	struct mset *old_ms;
	int err;

	err = vta_nl_parse_route(nlh, &r);
	if (err)
		return err;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_flags & RTM_F_CLONED)
		return 0;	/* IPv6 route cache entries */
	if (r.table != s->conf.table && r.table != RT_TABLE_LOCAL)
		return 0;
	memset(&k, 0, sizeof(k));
	k.family = r.family;
	k.len = r.dst_len;
	k.a = r.dst;
	p = ht_find(&s->pfxs, &k);
	if (nlh->nlmsg_type == RTM_DELROUTE) {
		if (!p || !(pp = variant_find(p, &r, route_oif_key(&r))))
			return 0;
		v = *pp;
		if (r.family == AF_INET6 && v6_del_members(s, p, v, &r))
			return 0;
		if (r.family == AF_INET6 && v->n_alias) {
			/* one of two routes that were not siblings: which
			 * is left, the model does not know */
			v->n_alias--;
			v->unrep = true;
			pfx_update(s, p);
			s->want_resync = true;
			return 0;
		}
		if (r.family == AF_INET && v->n_alias) {
			/* one of several routes with this (table, tos,
			 * metric) went; if it was the one in use, the next
			 * takes over, which the model did not keep: leave
			 * the prefix to the kernel and resync */
			v->n_alias--;
			if (v4_del_is_first(s, v, &r)) {
				v->unrep = true;
				v->rtype = RTN_UNICAST;
				pfx_update(s, p);
				s->want_resync = true;
			}
			return 0;
		}
		*pp = v->next;
		pfx_update(s, p);
		variant_free(s, v);
		local_changed(s, &r);
		return 0;
	}
	if (!p) {
		p = opool_zalloc(&s->pfx_pool);
		if (!p)
			return -ENOMEM;
		p->k = k;
		if (ht_add(&s->pfxs, &p->he)) {
			opool_free(&s->pfx_pool, p);
			return -ENOMEM;
		}
	}
	pp = variant_find(p, &r, route_oif_key(&r));
	if (pp && r.family == AF_INET) {
		uint16_t fl = nlh->nlmsg_flags;

		v = *pp;
		/*
		 * Several IPv4 routes with one (table, tos, metric): the
		 * kernel keeps them in order and uses the first
		 * (fib_table_insert).  A dump lists them in that order; an
		 * event for `ip route append` carries NLM_F_APPEND (the new
		 * one goes last), one for a prepend NLM_F_CREATE without
		 * NLM_F_EXCL (it goes first); NLM_F_REPLACE replaces the first.
		 */
		if (fl & NLM_F_MULTI) {
			if (v->gen == s->gen) {
				v->n_alias++;
				return 0;
			}
			v->n_alias = 0;
		} else if (fl & NLM_F_APPEND) {
			v->n_alias++;
			return 0;
		} else if ((fl & NLM_F_CREATE) &&
			   !(fl & (NLM_F_EXCL | NLM_F_REPLACE))) {
			v->n_alias++;
		}
	}
	if (pp && r.family == AF_INET6) {
		uint16_t fl = nlh->nlmsg_flags;

		v = *pp;
		/*
		 * IPv6 merges gateway routes of one metric into ECMP siblings
		 * (announced whole, RTA_MULTIPATH), but not a route with a
		 * nexthop object and one without (ip -6 route append): those
		 * stay two routes, a dump lists both, and rt6_select() picks
		 * one by neighbour state.  Leave such a prefix to the kernel.
		 */
		if (((fl & NLM_F_MULTI) && v->gen == s->gen) ||
		    (!(fl & NLM_F_MULTI) && (fl & NLM_F_APPEND) &&
		     (v->nhid || r.nhid))) {
			v->n_alias++;
			v->unrep = true;
			pfx_update(s, p);
			return 0;
		}
		if (fl & NLM_F_MULTI)
			v->n_alias = 0;
	}
	if (pp) {
		v = *pp;
	} else {
		v = opool_zalloc(&s->var_pool);
		if (!v) {
			if (!p->v && !p->written) {
				ht_del(&s->pfxs, &p->he);
				opool_free(&s->pfx_pool, p);
			}
			return -ENOMEM;
		}
		v->table = r.table;
		v->tos = r.tos;
		v->prio = r.priority;
		v->oif_key = route_oif_key(&r);
		v->src_len = r.src_len;
		v->src = r.src;
		v->next = p->v;
		p->v = v;
	}
	old_ms = v->ms;
	nhu_unlink(s, v);
	if (v->nhid)
		s->n_nhid_variants--;
	v->ms = NULL;
	v->rtype = r.type;
	v->scope = r.scope;
	v->nhid = r.nhid;
	v->mtu = r.mtu;
	v->oif = r.n_nh ? r.nh[0].ifindex : 0;
	v->unrep = r.too_many || r.encap;
	v->gen = s->gen;
	v->has_prefsrc = r.has_prefsrc;
	v->prefsrc = r.prefsrc;
	free(v->big);
	v->big = NULL;
	v->n_big = 0;
	v->sib_unknown = r.family == AF_INET6 && r.too_many;
	if (v->nhid) {
		/* nexthop objects win over the expanded RTA_MULTIPATH that
		 * nexthop_compat_mode 1 adds */
		s->n_nhid_variants++;
		nhu_link(s, v, p);
	} else if (r.table == s->conf.table && r.type == RTN_UNICAST) {
		if (r.n_nh < 1 || r.n_nh > VTA_MAX_PATHS)
			v->unrep = true;
		else if (!v->unrep && !(v->ms = mset_get(s, &r, old_ms)))
			v->unrep = true;
		if (r.family == AF_INET6 && r.n_nh > VTA_MAX_PATHS &&
		    !r.too_many && !r.encap) {
			v->big = malloc(r.n_nh * sizeof(r.nh[0]));
			if (v->big) {
				memcpy(v->big, r.nh, r.n_nh * sizeof(r.nh[0]));
				v->n_big = r.n_nh;
			}
		}
	}
	pfx_update(s, p);
	mset_put(s, old_ms);
	/* an IPv6 replace may move the route to another device */
	if (r.family == AF_INET6 && (nlh->nlmsg_flags & NLM_F_REPLACE))
		pfx_purge(s, p, v_replaced, v);
	local_changed(s, &r);
	return 0;
}

/* RTM_NEWNETCONF / RTM_DELNETCONF: the sysctls of sysctl_flags(). */
static int on_netconf(struct vta_sync *s, const struct nlmsghdr *nlh)
{
	struct vta_nl_netconf nc;
	struct snc *e;
	int err;

	err = vta_nl_parse_netconf(nlh, &nc);
	if (err)
		return err == -EINVAL ? 0 : err;
	e = (struct snc *)nc_find(s, nc.family, nc.ifindex);
	if (nlh->nlmsg_type == RTM_DELNETCONF) {
		if (e)
			*e = s->ncs[--s->n_ncs];
		goto out;
	}
	if (!e) {
		if (s->n_ncs == s->cap_ncs) {
			int cap = s->cap_ncs ? s->cap_ncs * 2 : 16;
			struct snc *n = realloc(s->ncs, cap * sizeof(*n));

			if (!n)
				return -ENOMEM;
			s->ncs = n;
			s->cap_ncs = cap;
		}
		e = &s->ncs[s->n_ncs++];
		e->family = nc.family;
		e->ifindex = nc.ifindex;
		e->forwarding = e->rp_filter = -1;
	}
	if (nc.has_forwarding)
		e->forwarding = nc.forwarding;
	if (nc.has_rp_filter)
		e->rp_filter = nc.rp_filter;
out:
	s->nc_seen = true;
	refresh_links(s);
	return 0;
}

static bool v_prefsrc(const struct variant *v, const void *arg)
{
	const union vta_addr *a = arg;

	return v->has_prefsrc && v->table != RT_TABLE_LOCAL &&
	       !memcmp(v->prefsrc.b, a->b, 4);
}

/* fib_sync_down_dev(dev, NETDEV_DOWN, force): every IPv4 route whose
 * nexthops all leave through the device, whatever its scope. */
static bool v4_dies_no_addr(const struct variant *v, const void *arg)
{
	struct down_arg *d = (struct down_arg *)arg;
	uint32_t i, via = 0;

	if (v->nhid)
		return false;	/* nexthop objects are not touched */
	if (v->ms) {
		for (i = 0; i < v->ms->k.n; i++)
			via += v->ms->k.m[i].ifindex == d->ifindex;
		if (via && via < v->ms->k.n)
			d->unmodelled = true;	/* a member dies silently */
		return via && via == v->ms->k.n;
	}
	if (v->oif != d->ifindex)
		return false;
	if (v->unrep && v->rtype == RTN_UNICAST && !v->big)
		d->unmodelled = true;	/* members we do not keep */
	return !d->unmodelled;
}

/*
 * RTM_DELADDR of an IPv4 address (fib_del_ifaddr(), fib_disable_ip() in
 * net/ipv4/fib_frontend.c): the kernel announces the local, broadcast
 * and prefix routes it deletes, but removes silently (1) every route of
 * the other tables whose preferred source was this address, once no
 * device holds it any more (fib_sync_down_addr()), and (2) when it was
 * the device's last IPv4 address, every route through the device
 * (fib_sync_down_dev() with force).  The message comes before both.
 */
static int on_deladdr(struct vta_sync *s, const struct nlmsghdr *nlh)
{
	struct vta_nl_addr a;
	struct down_arg d = { s, 0, false };
	struct pfx_key k;
	struct pfx *p, *tmp;
	const struct variant *v;
	bool other_holder = false, last = true;
	size_t i;
	int err;

	err = vta_nl_parse_addr(nlh, &a);
	if (err)
		return err == -EINVAL ? 0 : err;
	if (a.family != AF_INET)
		return 0;	/* IPv6 only clears the routes' prefsrc */
	memset(&k, 0, sizeof(k));
	k.family = AF_INET;
	k.len = 32;
	memcpy(k.a.b, a.addr.b, 4);
	p = ht_find(&s->pfxs, &k);
	for (v = p ? p->v : NULL; v; v = v->next)
		if (v->table == RT_TABLE_LOCAL && v->rtype == RTN_LOCAL &&
		    (v->n_alias || v->oif != a.ifindex))
			other_holder = true;
	/* another local address of the device? */
	ht_for_each(&s->pfxs, i, p, tmp) {
		if (p->k.family != AF_INET || p->k.len != 32 ||
		    !memcmp(p->k.a.b, a.addr.b, 4))
			continue;
		for (v = p->v; v; v = v->next)
			if (v->table == RT_TABLE_LOCAL &&
			    v->rtype == RTN_LOCAL && v->oif == a.ifindex)
				last = false;
		if (!last)
			break;
	}
	if (!other_holder)
		purge_family(s, AF_INET, v_prefsrc, &a.addr);
	if (last) {
		d.ifindex = a.ifindex;
		purge_family(s, AF_INET, v4_dies_no_addr, &d);
	}
	if (d.unmodelled)
		s->want_resync = true;
	return 0;
}

int vta_sync_rtnl_msg(struct vta_sync *s, const struct nlmsghdr *nlh)
{
	int err;

	s->cnt.msgs++;
	switch (nlh->nlmsg_type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		/*
		 * AF_BRIDGE link messages describe a bridge port (its bridge
		 * attributes; RTM_DELLINK when it leaves the bridge:
		 * br_ifinfo_notify() in net/bridge/br_netlink.c), not the
		 * device: a port leaving is no deletion.  Every device change
		 * also comes as an AF_UNSPEC message.
		 */
		if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg)) &&
		    ((const struct ifinfomsg *)NLMSG_DATA(nlh))->ifi_family ==
			    AF_BRIDGE) {
			err = 0;
			break;
		}
		err = on_link(s, nlh);
		break;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		err = on_route(s, nlh);
		break;
	case RTM_NEWNEXTHOP:
	case RTM_DELNEXTHOP:
		err = on_nexthop(s, nlh);
		break;
	case RTM_NEWNETCONF:
	case RTM_DELNETCONF:
		err = on_netconf(s, nlh);
		break;
	case RTM_NEWADDR:
		/* local addresses arrive as local-table routes */
		err = 0;
		break;
	case RTM_DELADDR:
		err = on_deladdr(s, nlh);
		break;
	default:
		err = 0;
		break;
	}
	if (err) {
		s->cnt.bad_msgs++;
		pr_debug("netlink message type %u rejected: %s\n",
			 nlh->nlmsg_type, strerror(-err));
	}
	return err;
}

int vta_sync_xfrm_msg(struct vta_sync *s, const struct nlmsghdr *nlh)
{
	struct vta_nl_sa sa;
	struct sa_key k;
	struct ssa *e;
	bool hard;
	int err;

	s->cnt.msgs++;
	if (nlh->nlmsg_type == XFRM_MSG_FLUSHSA) {
		const struct xfrm_usersa_flush *fl = NLMSG_DATA(nlh);
		struct ssa *t;
		size_t i;

		if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*fl))) {
			/* which SAs went is unknown: ask the kernel */
			s->cnt.bad_msgs++;
			s->want_resync = true;
			return -EBADMSG;
		}
		/* the SAs xfrm_state_flush() removed: xfrm_id_proto_match() */
		ht_for_each(&s->sas, i, e, t)
			if (!fl->proto || e->k.proto == fl->proto ||
			    (fl->proto == IPSEC_PROTO_ANY &&
			     (e->k.proto == IPPROTO_AH || e->k.proto == IPPROTO_ESP ||
			      e->k.proto == IPPROTO_COMP))) {
				ht_del(&s->sas, &e->he);
				free(e);
			}
		goto refresh;
	}
	err = vta_nl_parse_sa(nlh, &sa, &hard);
	if (err) {
		if (err != -EINVAL) {
			s->cnt.bad_msgs++;
			pr_debug("xfrm message type %u rejected: %s\n",
				 nlh->nlmsg_type, strerror(-err));
		}
		return err == -EINVAL ? 0 : err;
	}
	memset(&k, 0, sizeof(k));
	k.family = sa.family;
	memcpy(k.daddr, sa.daddr.b, 16);
	k.spi = sa.spi;
	k.proto = sa.proto;
	e = ht_find(&s->sas, &k);
	if (nlh->nlmsg_type == XFRM_MSG_DELSA ||
	    (nlh->nlmsg_type == XFRM_MSG_EXPIRE && hard)) {
		if (!e)
			return 0;
		ht_del(&s->sas, &e->he);
		free(e);
	} else if (nlh->nlmsg_type == XFRM_MSG_EXPIRE) {
		return 0;	/* soft expiry: a rekey follows */
	} else {
		if (!e) {
			e = calloc(1, sizeof(*e));
			if (!e)
				return -ENOMEM;
			e->k = k;
			if (ht_add(&s->sas, &e->he)) {
				free(e);
				return -ENOMEM;
			}
		}
		e->sa = sa;
		e->gen = s->gen;
	}
refresh:
	refresh_links(s);
	refresh_groups(s);
	return 0;
}

/* ---------------------------------------------------------------- */
/* life cycle                                                         */

struct vta_sync *vta_sync_new(const struct vta_conf *conf,
			      const struct vta_sync_out *out,
			      const struct vta_sync_hooks *hooks)
{
	struct vta_sync *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->conf = *conf;
	s->out = *out;
	if (hooks)
		s->hooks = *hooks;
	ht_init(&s->nhs, offsetof(struct snh, id), sizeof(uint32_t));
	ht_init(&s->msets, offsetof(struct mset, k), sizeof(struct mset_key));
	ht_init(&s->pfxs, offsetof(struct pfx, k), sizeof(struct pfx_key));
	s->pfx_pool.size = sizeof(struct pfx);
	s->var_pool.size = sizeof(struct variant);
	ht_init(&s->sas, offsetof(struct ssa, k), sizeof(struct sa_key));
	ht_init(&s->nhus, offsetof(struct nhu, id), sizeof(uint32_t));
	ht_init(&s->seeds, offsetof(struct seed, k), sizeof(struct seed_key));
	s->next_mset_id = VTA_SYNC_MSET_ID_BASE;
	s->sa_aware = true;
	s->gen = 1;
	return s;
}

void vta_sync_free(struct vta_sync *s)
{
	struct pfx *p, *tmp;
	size_t i;

	if (!s)
		return;
	ht_for_each(&s->pfxs, i, p, tmp) {
		struct variant *v, *nv;

		for (v = p->v; v; v = nv) {
			nv = v->next;
			free(v->big);
			opool_free(&s->var_pool, v);
		}
		opool_free(&s->pfx_pool, p);
	}
	free(s->pfxs.b);
	opool_destroy(&s->pfx_pool);
	opool_destroy(&s->var_pool);
	ht_free_all(&s->msets);
	ht_free_all(&s->nhs);
	ht_free_all(&s->sas);
	ht_free_all(&s->nhus);
	ht_free_all(&s->seeds);
	free(s->links);
	free(s->ncs);
	free(s->retired);
	free(s->pdel);
	free(s);
}

void vta_sync_set_sa_aware(struct vta_sync *s, bool on)
{
	s->sa_aware = on;
	refresh_links(s);
	refresh_groups(s);
}

/*
 * net.ipv6.conf.DEV.mtu: writing the sysctl sends no message (no
 * RTM_NEWLINK, no netconf: measured on 6.18 with `ip monitor all`), only
 * link messages carry it (IFLA_INET6_CONF), so it is read here, once per
 * lease renewal, for every managed interface.  A device without IPv6
 * (no file) keeps what its link messages said.
 */
void vta_sync_poll_sysctls(struct vta_sync *s)
{
	char path[64 + IFNAMSIZ];
	unsigned int v;
	int i;

	for (i = 0; i < s->n_links; i++) {
		struct slink *l = &s->links[i];
		FILE *f;
		int n;

		if (l->role == VTA_ROLE_NONE || !l->nl.name[0])
			continue;
		snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/mtu",
			 l->nl.name);
		f = fopen(path, "re");
		if (!f)
			continue;
		n = fscanf(f, "%u", &v);
		fclose(f);
		if (n != 1 || !v || (l->nl.has_mtu6 && l->nl.mtu6 == v))
			continue;
		l->nl.has_mtu6 = true;
		l->nl.mtu6 = v;
		link_write(s, l);
	}
}

int vta_sync_set_held(struct vta_sync *s, int ifindex, bool on)
{
	int i;

	if (held(s, ifindex) == on)
		return 0;
	if (on) {
		if (s->n_held == VTA_SYNC_MAX_HELD)
			return -ENOSPC;
		s->held[s->n_held++] = ifindex;
	} else {
		for (i = 0; i < s->n_held; i++)
			if (s->held[i] == ifindex)
				s->held[i] = s->held[--s->n_held];
	}
	refresh_groups(s);
	return 0;
}

void vta_sync_set_xfrm(struct vta_sync *s, bool available)
{
	s->xfrm = available;
	refresh_links(s);
	refresh_groups(s);
}

void vta_sync_begin(struct vta_sync *s)
{
	s->gen++;
}

static bool v_stale(const struct variant *v, const void *arg)
{
	return v->gen != *(const uint32_t *)arg;
}

void vta_sync_sweep(struct vta_sync *s, bool xfrm_seen)
{
	struct snh *n, *tn;
	struct ssa *e, *te;
	size_t i;
	bool again;
	int j;

	purge_all(s, v_stale, &s->gen);
	do {
		again = false;
		ht_for_each(&s->nhs, i, n, tn)
			if (n->gen != s->gen) {
				nh_delete(s, n);
				again = true;
				break;
			}
	} while (again);
	for (j = 0; j < s->n_links; j++)
		if (s->links[j].gen != s->gen) {
			link_delete(s, &s->links[j]);
			j = -1;
		}
	if (xfrm_seen) {
		ht_for_each(&s->sas, i, e, te)
			if (e->gen != s->gen) {
				ht_del(&s->sas, &e->he);
				free(e);
			}
	}
	refresh_links(s);
	refresh_groups(s);
	s->want_resync = false;
}

bool vta_sync_want_resync(const struct vta_sync *s)
{
	return s->want_resync;
}

bool vta_sync_write_pending(const struct vta_sync *s)
{
	return s->write_dirty;
}

int vta_sync_retry(struct vta_sync *s)
{
	struct snh *n, *tn;
	struct mset *ms, *tm;
	struct pfx *p, *tp;
	size_t i;

	if (!s->write_dirty)
		return 0;
	s->write_dirty = false;	/* set again by a write failing again */
	pdel_retry(s);
	refresh_links(s);
	ht_for_each(&s->nhs, i, n, tn)
		nh_refresh(s, n);
	ht_for_each(&s->msets, i, ms, tm)
		mset_refresh(s, ms);
	ht_for_each(&s->pfxs, i, p, tp)
		pfx_update(s, p);
	return s->write_dirty ? -EAGAIN : 0;
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct vta_sync *s = data;

	vta_sync_rtnl_msg(s, nlh);
	/* the tick reads the clock (vDSO): often enough that a slow
	 * stretch of the dump cannot hold the lease renewal back */
	if (s->hooks.tick && !(s->cnt.msgs & 63))
		s->hooks.tick(s->hooks.ctx);
	/* a stop must not wait for a million-route dump */
	if (s->hooks.stop && !(s->cnt.msgs & 1023) && s->hooks.stop(s->hooks.ctx))
		return -ECANCELED;
	return 0;
}

static int xdump_cb(const struct nlmsghdr *nlh, void *data)
{
	vta_sync_xfrm_msg(data, nlh);
	return 0;
}

int vta_sync_full(struct vta_sync *s, struct vta_nl *nl)
{
	int tries, err;
	bool xfrm_seen;

	for (tries = 0; tries < 5; tries++) {
		static const int fams[2] = { AF_INET, AF_INET6 };
		bool intr = false;
		int fi;

		vta_sync_begin(s);
		/* the sysctls first, so links are written with them */
		for (fi = 0; fi < 2; fi++) {
			err = vta_nl_dump(nl, RTM_GETNETCONF, fams[fi], dump_cb,
					  s);
			intr |= err == -EINTR;
			if (err && err != -EINTR)
				pr_info("dump %s netconf: %s\n",
					fams[fi] == AF_INET ? "IPv4" : "IPv6",
					strerror(-err));
		}
		err = vta_nl_dump(nl, RTM_GETLINK, AF_UNSPEC, dump_cb, s);
		if (err == -EINTR)
			continue;
		if (err == -ECANCELED)
			return err;
		if (err) {
			pr_warn("dump links: %s\n", strerror(-err));
			s->want_resync = true;	/* the daemon retries */
			return err;
		}
		if (!nl->no_nexthop) {
			err = vta_nl_dump(nl, RTM_GETNEXTHOP, AF_UNSPEC, dump_cb, s);
			if (err == -ECANCELED)
				return err;
			if (err == -EINTR)
				intr = true;
			else if (err) {
				pr_info("no nexthop objects (%s)\n", strerror(-err));
				nl->no_nexthop = true;
			}
		}
		err = vta_nl_dump(nl, RTM_GETROUTE, AF_INET, dump_cb, s);
		if (!err || err == -EINTR) {
			intr |= err == -EINTR;
			err = vta_nl_dump(nl, RTM_GETROUTE, AF_INET6, dump_cb, s);
		}
		if (err == -ECANCELED)
			return err;
		if (err && err != -EINTR) {
			pr_warn("dump routes: %s\n", strerror(-err));
			s->want_resync = true;
			return err;
		}
		intr |= err == -EINTR;
		xfrm_seen = false;
		if (nl->xdump) {
			err = vta_nl_dump_sa(nl, xdump_cb, s);
			intr |= err == -EINTR;
			xfrm_seen = !err;
			if (err && err != -EINTR)
				pr_info("dump XFRM states: %s\n", strerror(-err));
		}
		if (intr)
			continue;
		vta_sync_sweep(s, xfrm_seen);
		s->cnt.resyncs++;
		return 0;
	}
	/* Keep what we have (never remove on an inconsistent picture);
	 * events keep it moving and the next resync sweeps. */
	pr_warn("netlink dumps interrupted %d times, continuing with events\n",
		tries);
	s->want_resync = true;
	return 0;
}

void vta_sync_get_counts(const struct vta_sync *s, struct vta_sync_counts *c)
{
	const struct pfx *p, *tp;
	const struct mset *ms, *tm;
	const struct snh *n, *tn;
	size_t i;
	int j;

	*c = s->cnt;
	c->routes = c->groups = c->ifaces = c->peers = 0;
	ht_for_each(&s->pfxs, i, p, tp)
		c->routes += p->written;
	ht_for_each(&s->msets, i, ms, tm)
		c->groups += ms->written;
	ht_for_each(&s->nhs, i, n, tn)
		c->groups += n->written;
	for (j = 0; j < s->n_links; j++) {
		c->ifaces += s->links[j].written;
		c->peers += s->links[j].peer_written;
	}
}

/* ---------------------------------------------------------------- */
/* outputs: BPF maps                                                  */

void vta_maps_out_free(struct vta_maps_out *mo)
{
	vta_ifdata_unmap(mo->ifdata);
	mo->ifdata = NULL;
}

/*
 * IPv4: the DIR-24-8 tables (user/fib4.c), the only IPv4 FIB: what the
 * programs read and what `routes`, `verify` and `lookup` list.  IPv6:
 * the LPM trie vta_fib6 (docs/datapath-notes.md "The IPv4 FIB").
 */
static int m_fib_put(void *ctx, int family, uint8_t len,
		     const union vta_addr *a, const struct vta_route *v)
{
	struct vta_maps_out *mo = ctx;
	struct vta_fib6_key k6 = { .prefixlen = len };
	uint32_t a4;
	int err;

	if (family == AF_INET) {
		memcpy(&a4, a->b, 4);
		err = vta_fib4_put(mo->fib4, ntohl(a4), len, v);
		if (err == -ENOSPC)
			mo->fib4_full = true;
		return err;
	}
	memcpy(k6.addr, a->b, 16);
	return bpf_map_update_elem(mo->maps->fib6, &k6, v, BPF_ANY) ? -errno : 0;
}

static int m_fib_del(void *ctx, int family, uint8_t len, const union vta_addr *a)
{
	struct vta_maps_out *mo = ctx;
	struct vta_fib6_key k6 = { .prefixlen = len };
	uint32_t a4;

	if (family == AF_INET) {
		memcpy(&a4, a->b, 4);
		return vta_fib4_del(mo->fib4, ntohl(a4), len);
	}
	memcpy(k6.addr, a->b, 16);
	return bpf_map_delete_elem(mo->maps->fib6, &k6) ? -errno : 0;
}

static int m_group_put(void *ctx, uint32_t id, const struct vta_group *g)
{
	const struct vta_maps *m = ((const struct vta_maps_out *)ctx)->maps;

	return bpf_map_update_elem(m->groups, &id, g, BPF_ANY) ? -errno : 0;
}

static int m_group_del(void *ctx, uint32_t id)
{
	const struct vta_maps *m = ((const struct vta_maps_out *)ctx)->maps;

	return bpf_map_delete_elem(m->groups, &id) ? -errno : 0;
}

/* Interfaces: never rewritten in place (user/ifdata.h). */
static struct vta_ifdata *mo_ifdata(struct vta_maps_out *mo)
{
	if (!mo->ifdata)
		mo->ifdata = vta_ifdata_map(mo->maps->ifdata, true);
	return mo->ifdata;
}

static int m_iface_put(void *ctx, uint32_t ifindex, const struct vta_iface *v)
{
	struct vta_maps_out *mo = ctx;
	struct vta_ifdata *d = mo_ifdata(mo);

	if (!d)
		return -errno;
	return vta_iface_put(mo->maps, d, ifindex, v);
}

static int m_iface_del(void *ctx, uint32_t ifindex)
{
	struct vta_maps_out *mo = ctx;

	return vta_iface_del(mo->maps, mo_ifdata(mo), ifindex);
}

static int m_peer_put(void *ctx, const struct vta_peer_key *k,
		      const struct vta_peer *v)
{
	const struct vta_maps *m = ((const struct vta_maps_out *)ctx)->maps;

	return bpf_map_update_elem(m->peers, k, v, BPF_ANY) ? -errno : 0;
}

static int m_peer_del(void *ctx, const struct vta_peer_key *k)
{
	const struct vta_maps *m = ((const struct vta_maps_out *)ctx)->maps;

	return bpf_map_delete_elem(m->peers, k) ? -errno : 0;
}

void vta_sync_out_maps(struct vta_sync_out *o, const struct vta_maps_out *mo)
{
	*o = (struct vta_sync_out){
		.ctx = (void *)mo,
		.fib_put = m_fib_put, .fib_del = m_fib_del,
		.group_put = m_group_put, .group_del = m_group_del,
		.iface_put = m_iface_put, .iface_del = m_iface_del,
		.peer_put = m_peer_put, .peer_del = m_peer_del,
	};
}

/* ---------------------------------------------------------------- */
/* outputs: memory                                                    */

struct mfib {
	struct hent he;
	struct pfx_key k;
	struct vta_route v;
};

struct mgrp {
	struct hent he;
	uint32_t id;
	struct vta_group g;
};

struct mif {
	struct hent he;
	uint32_t ifindex;
	struct vta_iface v;
};

struct mpeer {
	struct hent he;
	struct vta_peer_key k;
	struct vta_peer v;
};

struct vta_mem {
	struct ht fib, grp, ifc, peer;
};

struct vta_mem *vta_mem_new(void)
{
	struct vta_mem *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	ht_init(&m->fib, offsetof(struct mfib, k), sizeof(struct pfx_key));
	ht_init(&m->grp, offsetof(struct mgrp, id), sizeof(uint32_t));
	ht_init(&m->ifc, offsetof(struct mif, ifindex), sizeof(uint32_t));
	ht_init(&m->peer, offsetof(struct mpeer, k), sizeof(struct vta_peer_key));
	return m;
}

void vta_mem_free(struct vta_mem *m)
{
	if (!m)
		return;
	ht_free_all(&m->fib);
	ht_free_all(&m->grp);
	ht_free_all(&m->ifc);
	ht_free_all(&m->peer);
	free(m);
}

/* Upsert into a memory table: obj is a template with the key filled. */
static int mem_put(struct ht *h, const void *obj, size_t size)
{
	struct hent *e = ht_find(h, (const uint8_t *)obj + h->koff);

	if (e) {
		memcpy((uint8_t *)e + sizeof(*e), (const uint8_t *)obj + sizeof(*e),
		       size - sizeof(*e));
		return 0;
	}
	e = malloc(size);
	if (!e)
		return -ENOMEM;
	memcpy(e, obj, size);
	if (ht_add(h, e)) {
		free(e);
		return -ENOMEM;
	}
	return 0;
}

static int mem_del(struct ht *h, const void *key)
{
	struct hent *e = ht_find(h, key);

	if (!e)
		return -ENOENT;
	ht_del(h, e);
	free(e);
	return 0;
}

static void mem_pfx_key(struct pfx_key *k, int family, uint8_t len,
			const union vta_addr *a)
{
	memset(k, 0, sizeof(*k));
	k->family = family;
	k->len = len;
	memcpy(k->a.b, a->b, family == AF_INET6 ? 16 : 4);
}

static int x_fib_put(void *ctx, int family, uint8_t len,
		     const union vta_addr *a, const struct vta_route *v)
{
	struct vta_mem *m = ctx;
	struct mfib o = { .v = *v };

	mem_pfx_key(&o.k, family, len, a);
	return mem_put(&m->fib, &o, sizeof(o));
}

static int x_fib_del(void *ctx, int family, uint8_t len, const union vta_addr *a)
{
	struct vta_mem *m = ctx;
	struct pfx_key k;

	mem_pfx_key(&k, family, len, a);
	return mem_del(&m->fib, &k);
}

static int x_group_put(void *ctx, uint32_t id, const struct vta_group *g)
{
	struct vta_mem *m = ctx;
	struct mgrp o = { .id = id, .g = *g };

	return mem_put(&m->grp, &o, sizeof(o));
}

static int x_group_del(void *ctx, uint32_t id)
{
	return mem_del(&((struct vta_mem *)ctx)->grp, &id);
}

static int x_iface_put(void *ctx, uint32_t ifindex, const struct vta_iface *v)
{
	struct vta_mem *m = ctx;
	struct mif o = { .ifindex = ifindex, .v = *v };

	return mem_put(&m->ifc, &o, sizeof(o));
}

static int x_iface_del(void *ctx, uint32_t ifindex)
{
	return mem_del(&((struct vta_mem *)ctx)->ifc, &ifindex);
}

static int x_peer_put(void *ctx, const struct vta_peer_key *k,
		      const struct vta_peer *v)
{
	struct vta_mem *m = ctx;
	struct mpeer o = { .k = *k, .v = *v };

	return mem_put(&m->peer, &o, sizeof(o));
}

static int x_peer_del(void *ctx, const struct vta_peer_key *k)
{
	return mem_del(&((struct vta_mem *)ctx)->peer, k);
}

void vta_sync_out_mem(struct vta_sync_out *o, struct vta_mem *m)
{
	*o = (struct vta_sync_out){
		.ctx = m,
		.fib_put = x_fib_put, .fib_del = x_fib_del,
		.group_put = x_group_put, .group_del = x_group_del,
		.iface_put = x_iface_put, .iface_del = x_iface_del,
		.peer_put = x_peer_put, .peer_del = x_peer_del,
	};
}

int vta_mem_fib(const struct vta_mem *m, int family, uint8_t len,
		const union vta_addr *a, struct vta_route *out)
{
	struct pfx_key k;
	const struct mfib *e;

	mem_pfx_key(&k, family, len, a);
	e = ht_find(&m->fib, &k);
	if (!e)
		return -ENOENT;
	*out = e->v;
	return 0;
}

int vta_mem_group(const struct vta_mem *m, uint32_t id, struct vta_group *out)
{
	const struct mgrp *e = ht_find(&m->grp, &id);

	if (!e)
		return -ENOENT;
	*out = e->g;
	return 0;
}

int vta_mem_iface(const struct vta_mem *m, uint32_t ifindex,
		  struct vta_iface *out)
{
	const struct mif *e = ht_find(&m->ifc, &ifindex);

	if (!e)
		return -ENOENT;
	*out = e->v;
	return 0;
}

int vta_mem_peer(const struct vta_mem *m, const struct vta_peer_key *k,
		 struct vta_peer *out)
{
	const struct mpeer *e = ht_find(&m->peer, k);

	if (!e)
		return -ENOENT;
	*out = e->v;
	return 0;
}

unsigned long vta_mem_count_fib(const struct vta_mem *m) { return m->fib.n; }
unsigned long vta_mem_count_groups(const struct vta_mem *m) { return m->grp.n; }
unsigned long vta_mem_count_ifaces(const struct vta_mem *m) { return m->ifc.n; }
unsigned long vta_mem_count_peers(const struct vta_mem *m) { return m->peer.n; }

void vta_mem_foreach_fib(const struct vta_mem *m, vta_mem_fib_cb cb, void *data)
{
	const struct mfib *e, *t;
	size_t i;

	ht_for_each(&m->fib, i, e, t)
		cb(e->k.family, e->k.len, &e->k.a, &e->v, data);
}

void vta_mem_foreach_iface(const struct vta_mem *m, vta_mem_iface_cb cb,
			   void *data)
{
	const struct mif *e, *t;
	size_t i;

	ht_for_each(&m->ifc, i, e, t)
		cb(e->ifindex, &e->v, data);
}

void vta_mem_foreach_peer(const struct vta_mem *m, vta_mem_peer_cb cb,
			  void *data)
{
	const struct mpeer *e, *t;
	size_t i;

	ht_for_each(&m->peer, i, e, t)
		cb(&e->k, &e->v, data);
}

/* ---------------------------------------------------------------- */
/* tunnel peers (spreading)                                           */

void vta_sync_foreach_tunnel_peer(const struct vta_sync *s,
				  vta_sync_tpeer_cb cb, void *ctx)
{
	static const union vta_addr zero;
	int j;

	for (j = 0; s && j < s->n_links; j++) {
		const struct slink *l = &s->links[j];
		const struct vta_nl_sa *in;

		if (l->role != VTA_ROLE_TUNNEL)
			continue;
		if (l->nl.has_if_id) {
			in = xfrm_in_sa(s, l);
			if (in)
				cb(ctx, l->nl.name, l->nl.ifindex, in->family,
				   &in->saddr, !in->encap_udp, in->encap_udp);
			continue;
		}
		if (l->nl.tun_family &&
		    memcmp(l->nl.remote.b, zero.b,
			   l->nl.tun_family == AF_INET6 ? 16 : 4))
			cb(ctx, l->nl.name, l->nl.ifindex, l->nl.tun_family,
			   &l->nl.remote, true, true);
	}
}
