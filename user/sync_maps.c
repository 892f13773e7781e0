// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sync_maps.c - sync output to the BPF maps.
 */
#include "sync_int.h"

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
	return bpf_map_update_elem(mo->maps->fib6, &k6, v, BPF_ANY) ? -errno
								    : 0;
}

static int m_fib_del(void *ctx, int family, uint8_t len,
		     const union vta_addr *a)
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
		.fib_put = m_fib_put,
		.fib_del = m_fib_del,
		.group_put = m_group_put,
		.group_del = m_group_del,
		.iface_put = m_iface_put,
		.iface_del = m_iface_del,
		.peer_put = m_peer_put,
		.peer_del = m_peer_del,
	};
}
