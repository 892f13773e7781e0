// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sync_mem.c - sync output to memory (verify, tests).
 */
#include "sync_int.h"

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
	ht_init(&m->peer, offsetof(struct mpeer, k),
		sizeof(struct vta_peer_key));
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
		memcpy((uint8_t *)e + sizeof(*e),
		       (const uint8_t *)obj + sizeof(*e), size - sizeof(*e));
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

static int x_fib_del(void *ctx, int family, uint8_t len,
		     const union vta_addr *a)
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
		.fib_put = x_fib_put,
		.fib_del = x_fib_del,
		.group_put = x_group_put,
		.group_del = x_group_del,
		.iface_put = x_iface_put,
		.iface_del = x_iface_del,
		.peer_put = x_peer_put,
		.peer_del = x_peer_del,
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

unsigned long vta_mem_count_fib(const struct vta_mem *m)
{
	return m->fib.n;
}
unsigned long vta_mem_count_groups(const struct vta_mem *m)
{
	return m->grp.n;
}
unsigned long vta_mem_count_ifaces(const struct vta_mem *m)
{
	return m->ifc.n;
}
unsigned long vta_mem_count_peers(const struct vta_mem *m)
{
	return m->peer.n;
}

void vta_mem_foreach_fib(const struct vta_mem *m, vta_mem_fib_cb cb, void *data)
{
	const struct mfib *e, *t;
	size_t i;

	ht_for_each (&m->fib, i, e, t)
		cb(e->k.family, e->k.len, &e->k.a, &e->v, data);
}

void vta_mem_foreach_iface(const struct vta_mem *m, vta_mem_iface_cb cb,
			   void *data)
{
	const struct mif *e, *t;
	size_t i;

	ht_for_each (&m->ifc, i, e, t)
		cb(e->ifindex, &e->v, data);
}

void vta_mem_foreach_peer(const struct vta_mem *m, vta_mem_peer_cb cb,
			  void *data)
{
	const struct mpeer *e, *t;
	size_t i;

	ht_for_each (&m->peer, i, e, t)
		cb(&e->k, &e->v, data);
}
