// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * sync_write.c - map writes through the output, failed writes and deletes
 * remembered and retried.
 */
#include "sync_int.h"

/*
 * A failed map write.  What was not written is not recorded as written:
 * the model's w* copies (wv, wg, pv) always hold what is in the MAP, so
 * the next event touching the object, a resync, or vta_sync_retry()
 * (which the daemon runs while write_dirty is set) writes it again.
 * Returns err.
 */
int werr(struct vta_sync *s, int err, const char *what, const char *obj)
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
void del_failed(struct vta_sync *s, int err, enum pdel_kind kind, uint32_t id,
		const struct vta_peer_key *pk, const char *what,
		const char *obj)
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

		if (!n) { /* a resync's sweep cannot find it either */
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

/*
 * A key was written: it is live again, whatever was pending for it.  A
 * failed delete must not be retried over it, and a group id waiting for
 * its grace period (retire()) must not be deleted under the routes now
 * using it (group_refresh() writes under a retired id only without the
 * grace period; with it, a retired id is never written again before it
 * has left the map).
 */
void key_written(struct vta_sync *s, enum pdel_kind kind, uint32_t id,
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
int group_put(struct vta_sync *s, uint32_t id, const struct vta_group *g)
{
	int err = s->out.group_put(s->out.ctx, id, g);

	if (!err)
		key_written(s, PDEL_GROUP, id, NULL);
	return err;
}

void group_del(struct vta_sync *s, uint32_t id, const char *obj)
{
	del_failed(s, s->out.group_del(s->out.ctx, id), PDEL_GROUP, id, NULL,
		   "group", obj);
}

int iface_put(struct vta_sync *s, uint32_t ifindex, const struct vta_iface *v)
{
	int err = s->out.iface_put(s->out.ctx, ifindex, v);

	if (!err)
		key_written(s, PDEL_IFACE, ifindex, NULL);
	return err;
}

int peer_put(struct vta_sync *s, const struct vta_peer_key *k,
	     const struct vta_peer *v)
{
	int err = s->out.peer_put(s->out.ctx, k, v);

	if (!err)
		key_written(s, PDEL_PEER, 0, k);
	return err;
}

/* The failed deletes again (those failing again stay listed). */
void pdel_retry(struct vta_sync *s)
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
			werr(s, err,
			     d->kind == PDEL_GROUP   ? "group"
			     : d->kind == PDEL_IFACE ? "iface"
						     : "peer",
			     "delete retried");
			s->pdel[k++] = *d;
		}
	}
	s->n_pdel = k;
}
