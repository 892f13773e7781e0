// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ht.c - a small chained hash table (see ht.h).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "ht.h"

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

void ht_init(struct ht *h, size_t koff, size_t klen)
{
	memset(h, 0, sizeof(*h));
	h->koff = koff;
	h->klen = klen;
}

static const void *ht_key(const struct ht *h, const struct hent *e)
{
	return (const uint8_t *)e + h->koff;
}

void *ht_find(const struct ht *h, const void *key)
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

int ht_add(struct ht *h, struct hent *e)
{
	if (h->n >= h->nb && ht_grow(h))
		return -ENOMEM;
	e->hash = hash_bytes(ht_key(h, e), h->klen);
	e->next = h->b[e->hash & (h->nb - 1)];
	h->b[e->hash & (h->nb - 1)] = e;
	h->n++;
	return 0;
}

void ht_del(struct ht *h, struct hent *e)
{
	struct hent **pp = &h->b[e->hash & (h->nb - 1)];

	for (; *pp; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			h->n--;
			return;
		}
}

void ht_free_all(struct ht *h)
{
	size_t i;
	struct hent *e, *tmp;

	ht_for_each (h, i, e, tmp)
		free(e);
	free(h->b);
	h->b = NULL;
	h->nb = h->n = 0;
}
