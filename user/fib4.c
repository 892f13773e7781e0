// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * fib4.c - the DIR-24-8 IPv4 FIB writer (fib4.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <bpf/bpf.h>
#include "fib4.h"
#include "bpfmmap.h"
#include "loader.h"

#define L1_ENTRIES (1U << 24)
#define NONE UINT32_MAX
#define RV_BUCKETS 256

/* ids of blocks or route slots: fresh ones, freed ones ready for reuse,
 * and freed ones in quarantine until their tick comes */
struct held {
	uint32_t id;
	uint64_t tick;
};

struct pool {
	uint32_t next, limit;
	uint32_t *free;
	size_t n_free, cap_free;
	struct held *held;
	size_t h_head, h_n, h_cap;
};

struct pfx {
	uint32_t addr;
	uint32_t slot; /* 0: empty */
	uint8_t len;
};

struct vta_fib4 {
	uint32_t *l1, *l2;
	struct vta_fib4_slot *rt;
	uint32_t n_blocks, n_routes;
	bool own;
	uint8_t *slot_len; /* prefix length of each slot's owner */
	struct pfx *tab; /* exact prefixes, linear probing */
	size_t tab_cap, tab_n;
	struct pool blocks, slots;
	uint64_t tick;
	unsigned int grace;
	/* interned route values: slots 1..rv_max (0: none, small maps),
	 * each with its number of prefixes and a hash chain by value */
	struct pool rvs;
	uint32_t rv_max;
	uint32_t *rv_ref;
	uint16_t *rv_next;
	uint16_t rv_head[RV_BUCKETS];
};

static uint32_t mask(uint8_t len)
{
	return len ? ~0U << (32 - len) : 0;
}

/* Release stores: what an entry points to is written before it. */
static void st(uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

/* The count and the end of the used slots in slot 0 (vtiaccel.h), for
 * readers: top after the slots below it are filled. */
static void head_store(struct vta_fib4 *f)
{
	struct vta_fib4_head *h = (struct vta_fib4_head *)&f->rt[0];

	__atomic_store_n(&h->prefixes, (uint32_t)f->tab_n, __ATOMIC_RELAXED);
	__atomic_store_n(&h->top, f->slots.next, __ATOMIC_RELEASE);
}

/* A slot no prefix owns any more (readers skip it in listings; one that
 * holds its entry still reads the route, untouched). */
static void slot_dead(struct vta_fib4 *f, uint32_t s)
{
	__atomic_store_n(&f->rt[s].live, 0, __ATOMIC_RELAXED);
}

/* ---------------------------------------------------------------- */

static uint32_t pool_get(struct pool *p)
{
	if (p->n_free)
		return p->free[--p->n_free];
	if (p->next < p->limit)
		return p->next++;
	return NONE;
}

static int pool_free_now(struct pool *p, uint32_t id)
{
	if (p->n_free == p->cap_free) {
		size_t n = p->cap_free ? 2 * p->cap_free : 1024;
		uint32_t *f = realloc(p->free, n * sizeof(*f));

		if (!f)
			return -ENOMEM;
		p->free = f;
		p->cap_free = n;
	}
	p->free[p->n_free++] = id;
	return 0;
}

/* Unlinked now: reusable once grace ticks have passed.  On ENOMEM the
 * id is leaked, never reused early. */
static void pool_put(struct vta_fib4 *f, struct pool *p, uint32_t id)
{
	if (!f->grace) {
		pool_free_now(p, id);
		return;
	}
	if (p->h_head && p->h_head == p->h_n)
		p->h_head = p->h_n = 0;
	if (p->h_n == p->h_cap) {
		size_t n;
		struct held *h;

		if (p->h_head) { /* compact before growing */
			memmove(p->held, p->held + p->h_head,
				(p->h_n - p->h_head) * sizeof(*h));
			p->h_n -= p->h_head;
			p->h_head = 0;
		}
		if (p->h_n == p->h_cap) {
			n = p->h_cap ? 2 * p->h_cap : 1024;
			h = realloc(p->held, n * sizeof(*h));
			if (!h)
				return;
			p->held = h;
			p->h_cap = n;
		}
	}
	p->held[p->h_n++] = (struct held){ .id = id, .tick = f->tick };
}

static void pool_tick(struct vta_fib4 *f, struct pool *p)
{
	while (p->h_head < p->h_n &&
	       p->held[p->h_head].tick + f->grace <= f->tick) {
		if (pool_free_now(p, p->held[p->h_head].id))
			break;
		p->h_head++;
	}
}

static unsigned long pool_used(const struct pool *p, uint32_t first)
{
	return p->next - first - p->n_free - (p->h_n - p->h_head);
}

/* ---------------------------------------------------------------- */
/* interned route values                                              */

static unsigned int rv_bucket(const struct vta_route *r)
{
	uint64_t x;

	memcpy(&x, r, sizeof(x));
	return (x * 0x9e3779b97f4a7c15ULL) >> (64 - 8);
}

static void rv_link(struct vta_fib4 *f, uint32_t id)
{
	unsigned int b = rv_bucket(&f->rt[id].r);

	f->rv_next[id] = f->rv_head[b];
	f->rv_head[b] = id;
}

/*
 * The id of r's interned value, with one more prefix on it; a new value
 * is written to a free id before any entry names it (entries are release
 * stores).  0 when every id is taken: the entries then carry the slot
 * alone and the programs read the prefix's slot.
 */
static uint16_t rv_get(struct vta_fib4 *f, const struct vta_route *r)
{
	uint32_t id;

	if (!f->rv_max)
		return 0;
	for (id = f->rv_head[rv_bucket(r)]; id; id = f->rv_next[id])
		if (!memcmp(&f->rt[id].r, r, sizeof(*r))) {
			f->rv_ref[id]++;
			return id;
		}
	id = pool_get(&f->rvs);
	if (id == NONE)
		return 0;
	memset(&f->rt[id], 0, sizeof(f->rt[id]));
	memcpy(&f->rt[id].r, r, sizeof(*r));
	f->rv_ref[id] = 1;
	rv_link(f, id);
	return id;
}

/* One prefix less on id: unused, it waits out the grace period (a
 * reader may hold an entry that names it) before it takes a new value. */
static void rv_put(struct vta_fib4 *f, uint16_t id)
{
	uint16_t *p;

	if (!id || id > f->rv_max || --f->rv_ref[id])
		return;
	for (p = &f->rv_head[rv_bucket(&f->rt[id].r)]; *p != id;
	     p = &f->rv_next[*p])
		;
	*p = f->rv_next[id];
	pool_put(f, &f->rvs, id);
}

/* The entry that publishes slot s (fib4.h, vtiaccel.h). */
static uint32_t leaf(const struct vta_fib4 *f, uint32_t s)
{
	return s | (uint32_t)f->rt[s].rv << VTA_FIB4_RV_SHIFT;
}

/* Slot s was unlinked: it and its value wait out the grace period. */
static void slot_release(struct vta_fib4 *f, uint32_t s)
{
	slot_dead(f, s);
	rv_put(f, f->rt[s].rv);
	pool_put(f, &f->slots, s);
}

/* ---------------------------------------------------------------- */
/* the exact prefix table                                             */

static size_t home(const struct vta_fib4 *f, uint32_t addr, uint8_t len)
{
	uint64_t x = ((uint64_t)addr << 8 | len) * 0x9e3779b97f4a7c15ULL;

	/* the product's high bits mix every key bit (Fibonacci hashing) */
	return x >> (64 - __builtin_ctzl(f->tab_cap));
}

/* The prefix's record, or the free one where it would go. */
static struct pfx *probe(const struct vta_fib4 *f, uint32_t addr, uint8_t len)
{
	size_t i = home(f, addr, len);

	for (;; i = (i + 1) & (f->tab_cap - 1)) {
		struct pfx *e = &f->tab[i];

		if (!e->slot || (e->addr == addr && e->len == len))
			return e;
	}
}

static struct pfx *find(const struct vta_fib4 *f, uint32_t addr, uint8_t len)
{
	struct pfx *e = probe(f, addr, len);

	return e->slot ? e : NULL;
}

static void tab_insert(struct vta_fib4 *f, uint32_t addr, uint8_t len,
		       uint32_t slot)
{
	size_t i = home(f, addr, len);

	while (f->tab[i].slot)
		i = (i + 1) & (f->tab_cap - 1);
	f->tab[i] = (struct pfx){ .addr = addr, .slot = slot, .len = len };
	f->tab_n++;
}

static int tab_grow(struct vta_fib4 *f)
{
	struct pfx *old = f->tab;
	size_t n = f->tab_cap, i;

	if (2 * (f->tab_n + 1) <= f->tab_cap)
		return 0;
	f->tab = calloc(2 * n, sizeof(*f->tab));
	if (!f->tab) {
		f->tab = old;
		return -ENOMEM;
	}
	f->tab_cap = 2 * n;
	f->tab_n = 0;
	for (i = 0; i < n; i++)
		if (old[i].slot)
			tab_insert(f, old[i].addr, old[i].len, old[i].slot);
	free(old);
	return 0;
}

/* Backward-shift deletion keeps every probe sequence unbroken. */
static void tab_remove(struct vta_fib4 *f, struct pfx *e)
{
	size_t m = f->tab_cap - 1, i = e - f->tab, j = i, k;

	f->tab[i].slot = 0;
	f->tab_n--;
	for (;;) {
		j = (j + 1) & m;
		if (!f->tab[j].slot)
			return;
		k = home(f, f->tab[j].addr, f->tab[j].len);
		/* stays when its home lies cyclically in (i, j] */
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		f->tab[i] = f->tab[j];
		f->tab[j].slot = 0;
		i = j;
	}
}

/* ---------------------------------------------------------------- */

static struct vta_fib4 *writer_new(const struct vta_fib4_view *v,
				   uint32_t n_blocks, uint32_t n_routes)
{
	struct vta_fib4 *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	if (v) {
		f->l1 = (uint32_t *)v->l1;
		f->l2 = (uint32_t *)v->l2;
		f->rt = (struct vta_fib4_slot *)v->rt;
		n_blocks = v->n_blocks;
		n_routes = v->n_routes;
	} else {
		f->own = true;
		f->l1 = calloc(L1_ENTRIES, sizeof(*f->l1));
		f->l2 = calloc((size_t)n_blocks * 256 + 1, sizeof(*f->l2));
		f->rt = calloc(n_routes ? n_routes : 1, sizeof(*f->rt));
	}
	f->n_blocks = n_blocks;
	f->n_routes = n_routes;
	f->slot_len = calloc(n_routes ? n_routes : 1, 1);
	f->tab_cap = 1024;
	f->tab = calloc(f->tab_cap, sizeof(*f->tab));
	f->blocks.limit = n_blocks;
	/* values are interned where they cost at most a quarter of the
	 * slots (the maps the programs use: VTA_FIB4_ROUTES) */
	if (n_routes >= 4 * (VTA_FIB4_RV_MAX + 1))
		f->rv_max = VTA_FIB4_RV_MAX;
	f->rv_ref = calloc(f->rv_max + 1, sizeof(*f->rv_ref));
	f->rv_next = calloc(f->rv_max + 1, sizeof(*f->rv_next));
	f->rvs.next = 1;
	f->rvs.limit = f->rv_max + 1;
	f->slots.next = f->rv_max + 1; /* slot 0: no route */
	f->slots.limit = n_routes;
	if (!f->l1 || !f->l2 || !f->rt || !f->slot_len || !f->tab ||
	    !f->rv_ref || !f->rv_next || n_routes < 2) {
		vta_fib4_free(f);
		errno = ENOMEM;
		return NULL;
	}
	return f;
}

struct vta_fib4 *vta_fib4_new(const struct vta_fib4_view *v, uint32_t n_blocks,
			      uint32_t n_routes)
{
	struct vta_fib4 *f = writer_new(v, n_blocks, n_routes);
	uint32_t s;

	if (!f)
		return NULL;
	memset(&f->rt[0], 0, sizeof(f->rt[0]));
	/* the value ids are below top: listings must not take a stale
	 * prefix there (maps written before values were interned) */
	for (s = 1; s <= f->rv_max; s++)
		slot_dead(f, s);
	return f;
}

/*
 * The writer's state from the arrays alone: prefixes from the live slots
 * below the head's top, interned values from the prefixes that name
 * them, blocks in use from the first level.  What is not in use is free
 * at once (no quarantine: nothing is known about readers of an earlier
 * writer).  A prefix slot among the value ids (maps written before
 * values were interned) stays the prefix's, and its id is not used for a
 * value.
 */
struct vta_fib4 *vta_fib4_open(const struct vta_fib4_view *v)
{
	const struct vta_fib4_head *h = (const void *)&v->rt[0];
	uint32_t top = h->top, s, i, b, nb = 0;
	struct vta_fib4 *f;
	uint8_t *used;

	if (top > v->n_routes) {
		errno = EINVAL;
		return NULL;
	}
	f = writer_new(v, 0, 0);
	used = calloc(v->n_blocks ? v->n_blocks : 1, 1);
	if (!f || !used)
		goto nomem;
	for (s = 1; s < top; s++) {
		const struct vta_fib4_slot *sl = &f->rt[s];

		if (sl->live && sl->len <= 32) {
			if (tab_grow(f))
				goto nomem;
			tab_insert(f, ntohl(sl->addr), sl->len, s);
			f->slot_len[s] = sl->len;
			if (sl->rv && sl->rv <= f->rv_max)
				f->rv_ref[sl->rv]++;
		} else if (s > f->rv_max && pool_free_now(&f->slots, s)) {
			goto nomem;
		}
	}
	if (top > f->slots.next)
		f->slots.next = top;
	for (s = f->rv_max; s >= 1; s--) {
		if (f->rt[s].live)
			continue;
		if (f->rv_ref[s])
			rv_link(f, s);
		else if (pool_free_now(&f->rvs, s))
			goto nomem;
	}
	f->rvs.next = f->rv_max + 1;
	for (i = 0; i < L1_ENTRIES; i++) {
		if (!(f->l1[i] & VTA_FIB4_BLOCK))
			continue;
		b = f->l1[i] & ~VTA_FIB4_BLOCK;
		if (b < f->n_blocks) {
			used[b] = 1;
			nb = b >= nb ? b + 1 : nb;
		}
	}
	f->blocks.next = nb;
	for (i = 0; i < nb; i++)
		if (!used[i] && pool_free_now(&f->blocks, i))
			goto nomem;
	free(used);
	head_store(f);
	return f;
nomem:
	free(used);
	vta_fib4_free(f);
	errno = ENOMEM;
	return NULL;
}

void vta_fib4_free(struct vta_fib4 *f)
{
	if (!f)
		return;
	if (f->own) {
		free(f->l1);
		free(f->l2);
		free(f->rt);
	}
	free(f->slot_len);
	free(f->tab);
	free(f->blocks.free);
	free(f->blocks.held);
	free(f->slots.free);
	free(f->slots.held);
	free(f->rvs.free);
	free(f->rvs.held);
	free(f->rv_ref);
	free(f->rv_next);
	free(f);
}

void vta_fib4_get_view(const struct vta_fib4 *f, struct vta_fib4_view *v)
{
	*v = (struct vta_fib4_view){ .l1 = f->l1,
				     .l2 = f->l2,
				     .rt = f->rt,
				     .n_blocks = f->n_blocks,
				     .n_routes = f->n_routes };
}

void vta_fib4_set_grace(struct vta_fib4 *f, unsigned int ticks)
{
	f->grace = ticks;
}

void vta_fib4_tick(struct vta_fib4 *f)
{
	f->tick++;
	pool_tick(f, &f->blocks);
	pool_tick(f, &f->slots);
	pool_tick(f, &f->rvs);
}

void vta_fib4_get_counts(const struct vta_fib4 *f, struct vta_fib4_counts *c)
{
	c->prefixes = f->tab_n;
	c->blocks = pool_used(&f->blocks, 0);
	c->blocks_held = f->blocks.h_n - f->blocks.h_head;
	c->slots = pool_used(&f->slots, f->rv_max + 1);
	c->slots_held = f->slots.h_n - f->slots.h_head;
	c->values = pool_used(&f->rvs, 1);
	c->values_held = f->rvs.h_n - f->rvs.h_head;
}

/* ---------------------------------------------------------------- */
/* the tables                                                         */

/*
 * Which entries in a prefix's range change: an insert takes those held
 * by no route or by a shorter prefix (a longer one stays), a swap those
 * held by the prefix's old slot (value change, delete).
 */
struct walk {
	bool swap;
	uint32_t old; /* swap */
	uint8_t len; /* insert */
	uint32_t nv;
};

/* The prefix length of a leaf entry's owner (its slot bits). */
static uint8_t owner_len(const struct vta_fib4 *f, uint32_t e)
{
	return f->slot_len[e & VTA_FIB4_SLOT_MASK];
}

static void walk_entries(const struct vta_fib4 *f, uint32_t *p, uint32_t n,
			 const struct walk *w)
{
	uint32_t j, e;

	for (j = 0; j < n; j++) {
		e = p[j];
		if (w->swap ? e == w->old : !e || owner_len(f, e) < w->len)
			st(&p[j], w->nv);
	}
}

static void walk(const struct vta_fib4 *f, uint32_t a, uint8_t len,
		 const struct walk *w)
{
	uint32_t i, e, n;

	if (len > 24) {
		e = f->l1[a >> 8]; /* a block: the caller made sure */
		walk_entries(f,
			     f->l2 + (size_t)(e & ~VTA_FIB4_BLOCK) * 256 +
				     (a & 0xff),
			     1U << (32 - len), w);
		return;
	}
	n = 1U << (24 - len);
	for (i = a >> 8; n--; i++) {
		e = f->l1[i];
		if (e & VTA_FIB4_BLOCK)
			walk_entries(
				f, f->l2 + (size_t)(e & ~VTA_FIB4_BLOCK) * 256,
				256, w);
		else
			walk_entries(f, &f->l1[i], 1, w);
	}
}

/* A block for the /24 of a: filled with what the first-level entry
 * resolved to, then published. */
static int ensure_block(struct vta_fib4 *f, uint32_t a)
{
	uint32_t i = a >> 8, e = f->l1[i], b, j, *p;

	if (e & VTA_FIB4_BLOCK)
		return 0;
	b = pool_get(&f->blocks);
	if (b == NONE)
		return -ENOSPC;
	p = f->l2 + (size_t)b * 256;
	for (j = 0; j < 256; j++)
		p[j] = e;
	st(&f->l1[i], VTA_FIB4_BLOCK | b);
	return 0;
}

/* After a delete below /24: a block whose entries are all alike is not
 * needed (no longer prefix is left in it): unlink and quarantine it. */
static void maybe_collapse(struct vta_fib4 *f, uint32_t a)
{
	uint32_t i = a >> 8, e = f->l1[i], b, j, *p;

	if (!(e & VTA_FIB4_BLOCK))
		return;
	b = e & ~VTA_FIB4_BLOCK;
	p = f->l2 + (size_t)b * 256;
	for (j = 1; j < 256; j++)
		if (p[j] != p[0])
			return;
	st(&f->l1[i], p[0]);
	pool_put(f, &f->blocks, b);
}

int vta_fib4_get(const struct vta_fib4 *f, uint32_t addr, uint8_t len,
		 struct vta_route *out)
{
	const struct pfx *e;

	if (len > 32)
		return -EINVAL;
	e = find(f, addr & mask(len), len);
	if (!e)
		return -ENOENT;
	*out = f->rt[e->slot].r;
	return 0;
}

int vta_fib4_put(struct vta_fib4 *f, uint32_t addr, uint8_t len,
		 const struct vta_route *r)
{
	struct pfx *e;
	uint32_t s, old;
	int err;

	if (len > 32)
		return -EINVAL;
	addr &= mask(len);
	/* room first, so that one probe finds the record or its place */
	err = tab_grow(f);
	if (err)
		return err;
	e = probe(f, addr, len);
	if (e->slot && !memcmp(&f->rt[e->slot].r, r, sizeof(*r)))
		return 0;
	s = pool_get(&f->slots);
	if (s == NONE)
		return -ENOSPC;
	if (len > 24 && (err = ensure_block(f, addr))) {
		slot_dead(f, s); /* never published: may hold stale bytes */
		pool_free_now(&f->slots, s);
		return err;
	}
	memcpy(&f->rt[s].r, r, sizeof(*r));
	f->rt[s].addr = htonl(addr);
	f->rt[s].len = len;
	f->rt[s].live = 1;
	f->rt[s].rv = rv_get(f, r);
	f->slot_len[s] = len;
	if (e->slot) {
		old = e->slot;
		walk(f, addr, len,
		     &(struct walk){ .swap = true,
				     .old = leaf(f, old),
				     .nv = leaf(f, s) });
		e->slot = s;
		slot_release(f, old);
	} else {
		walk(f, addr, len,
		     &(struct walk){ .len = len, .nv = leaf(f, s) });
		*e = (struct pfx){ .addr = addr, .slot = s, .len = len };
		f->tab_n++;
	}
	head_store(f);
	return 0;
}

int vta_fib4_del(struct vta_fib4 *f, uint32_t addr, uint8_t len)
{
	const struct pfx *c = NULL;
	struct pfx *e;
	uint32_t s;
	int l;

	if (len > 32)
		return -EINVAL;
	addr &= mask(len);
	e = find(f, addr, len);
	if (!e)
		return -ENOENT;
	s = e->slot;
	for (l = len - 1; l >= 0 && !c; l--)
		c = find(f, addr & mask(l), l);
	walk(f, addr, len,
	     &(struct walk){ .swap = true,
			     .old = leaf(f, s),
			     .nv = c ? leaf(f, c->slot) : 0 });
	if (len > 24)
		maybe_collapse(f, addr);
	tab_remove(f, e);
	slot_release(f, s);
	head_store(f);
	return 0;
}

/* ---------------------------------------------------------------- */
/* the maps                                                           */

int vta_fib4_map(struct vta_fib4_view *v, const struct vta_maps *m,
		 bool writable)
{
	uint32_t n1 = 0;
	size_t len;
	int err;

	memset(v, 0, sizeof(*v));
	v->l1 = vta_map_mmap(m->fib4_l1, sizeof(struct vta_fib4_tbl), &n1, &len,
			     writable);
	if (!v->l1)
		goto fail;
	if (n1 != L1_ENTRIES / 256) {
		errno = EINVAL;
		goto fail;
	}
	v->l2 = vta_map_mmap(m->fib4_l2, sizeof(struct vta_fib4_tbl),
			     &v->n_blocks, &len, writable);
	if (!v->l2)
		goto fail;
	v->rt = vta_map_mmap(m->fib4_rt, sizeof(struct vta_fib4_slot),
			     &v->n_routes, &len, writable);
	if (!v->rt)
		goto fail;
	return 0;
fail:
	err = -errno;
	vta_fib4_unmap(v);
	return err;
}

void vta_fib4_unmap(struct vta_fib4_view *v)
{
	if (v->l1)
		munmap((void *)v->l1, vta_map_mmap_len(L1_ENTRIES / 256, 1024));
	if (v->l2)
		munmap((void *)v->l2, vta_map_mmap_len(v->n_blocks, 1024));
	if (v->rt)
		munmap((void *)v->rt,
		       vta_map_mmap_len(v->n_routes, sizeof(*v->rt)));
	memset(v, 0, sizeof(*v));
}

uint32_t vta_fib4_view_top(const struct vta_fib4_view *v)
{
	const struct vta_fib4_head *h = (const void *)&v->rt[0];
	uint32_t top = __atomic_load_n(&h->top, __ATOMIC_ACQUIRE);

	return top < v->n_routes ? top : v->n_routes;
}

unsigned long vta_fib4_view_foreach(const struct vta_fib4_view *v,
				    vta_fib4_slot_cb cb, void *data)
{
	uint32_t top = vta_fib4_view_top(v), s;
	struct vta_fib4_slot sl;
	unsigned long n = 0;

	for (s = 1; s < top; s++) {
		/* a copy: the writer may reuse the slot meanwhile */
		memcpy(&sl, (const void *)&v->rt[s], sizeof(sl));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!sl.live || sl.len > 32)
			continue;
		n++;
		if (cb)
			cb(&sl, data);
	}
	return n;
}

long vta_fib4_count(const struct vta_maps *m)
{
	union {
		struct vta_fib4_slot sl;
		struct vta_fib4_head h;
	} u;
	__u32 k = 0;

	if (bpf_map_lookup_elem(m->fib4_rt, &k, &u))
		return -errno;
	return u.h.prefixes;
}
