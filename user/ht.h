// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * ht.h - a small chained hash table over objects that start with a
 * struct hent (the sync model's, user/sync*.c).
 */
#ifndef VTA_HT_H
#define VTA_HT_H

#include <stddef.h>
#include <stdint.h>

struct hent {
	struct hent *next;
	uint32_t hash;
};

struct ht {
	struct hent **b;
	size_t nb, n;
	size_t koff, klen; /* key position inside the object */
};

/* Safe against deleting the current entry. */
#define ht_for_each(h, i, e, tmp)                                            \
	for ((i) = 0; (i) < (h)->nb; (i)++)                                  \
		for ((e) = (void *)(h)->b[i];                                \
		     (e) && ((tmp) = (void *)((struct hent *)(e))->next, 1); \
		     (e) = (tmp))

void ht_init(struct ht *h, size_t koff, size_t klen);
void *ht_find(const struct ht *h, const void *key);
int ht_add(struct ht *h, struct hent *e);
void ht_del(struct ht *h, struct hent *e);
void ht_free_all(struct ht *h);

#endif
