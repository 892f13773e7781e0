// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sync_link.c - links: roles, stats slots, tunnel usability (SAs), MSS,
 * sysctl flags, interface and peer entries.
 */
#include "sync_int.h"

struct slink *link_get(const struct vta_sync *s, int ifindex)
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

enum vta_role role_for(const struct vta_sync *s, const char *name)
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

bool link_up(const struct slink *l)
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
	return !s->slot_used[i] && (!s->grace || !s->slot_cooling[i] ||
				    s->ticks - s->slot_freed[i] >= 2);
}

uint32_t slot_alloc(struct vta_sync *s, const char *name)
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
			pr_debug("stats slot %u reused within its grace "
				 "period\n",
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

int sa_dir(const struct vta_sync *s, const struct slink *l,
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

bool tunnel_usable(const struct vta_sync *s, const struct slink *l)
{
	const struct ssa *sa, *tmp;
	int dir = 0;
	size_t i;

	if (l->role != VTA_ROLE_TUNNEL || l->nl.type == ARPHRD_ETHER)
		return true;
	if (!s->sa_aware || !s->xfrm || !s->sas.n)
		return true;
	ht_for_each (&s->sas, i, sa, tmp)
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
		v->mss6 = inner > 60 && inner - 60 < s->conf.mss_fixed
				  ? inner - 60
				  : s->conf.mss_fixed;
		return;
	case VTA_MSS_SA:
		/* The outbound SAs' overhead against the WAN MTU; the
		 * smallest wins (a rekey briefly has two). */
		ht_for_each (&s->sas, i, sa, tmp) {
			unsigned int m;

			if (!(sa_dir(s, l, &sa->sa) & 1) ||
			    !sa->sa.overhead_known)
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
	ht_for_each (&s->sas, i, e, tmp) {
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

const struct snc *nc_find(const struct vta_sync *s, int family, int ifindex)
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
uint32_t sysctl_flags(const struct vta_sync *s, const struct slink *l)
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
void link_write(struct vta_sync *s, struct slink *l)
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
void link_unmanage(struct vta_sync *s, struct slink *l, bool gone)
{
	if (l->role == VTA_ROLE_NONE)
		return;
	if (l->peer_written)
		del_failed(s, s->out.peer_del(s->out.ctx, &l->pk), PDEL_PEER, 0,
			   &l->pk, "peer", l->nl.name);
	if (l->written)
		del_failed(s, s->out.iface_del(s->out.ctx, l->nl.ifindex),
			   PDEL_IFACE, l->nl.ifindex, NULL, "iface",
			   l->nl.name);
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

void link_manage(struct vta_sync *s, struct slink *l, enum vta_role role)
{
	l->role = role;
	l->slot = slot_alloc(s, l->nl.name);
	if (!l->slot)
		pr_warn("%s: no free stats slot, counted as unknown\n",
			l->nl.name);
	link_write(s, l);
	pr_info("%s (ifindex %d): managed as %s, stats slot %u\n", l->nl.name,
		l->nl.ifindex, vta_role_name(role), l->slot);
	if (s->hooks.link_added)
		s->hooks.link_added(s->hooks.ctx, l->nl.ifindex, l->nl.name,
				    role);
}

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
