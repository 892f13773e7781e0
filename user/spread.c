// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * spread.c - `[esp] spread` (spread.h, docs/esp-spread.md).
 *
 * vta_spread is its own object with its own maps (include/vta_spread.h),
 * pinned under the pin root only while spreading is configured: the
 * contract maps of the other programs stay as they are.  The lease is the
 * daemon's, renewed with the others; a daemon killed -9 leaves the program
 * attached and the lease runs out: vta_spread then passes everything and
 * the kernel receives ESP on the CPU the NIC chose, as without vtiaccel.
 *
 * XDP on the WAN: no other vtiaccel program uses XDP there (vta_wan_in is
 * tc ingress, which runs after XDP, on the CPU the packet was redirected
 * to), so there is nothing of ours to share the hook with.  A foreign
 * program already attached is never replaced: the interface then runs
 * without spreading, said in the log and by `status`.  A vta_spread left
 * by a dead daemon of the same pin root (kill -9: its maps are the ones
 * pinned there) is replaced atomically.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "loader.h"
#include "log.h"
#include "mapwalk.h"
#include "netlink.h"
#include "print.h"
#include "spread.h"
#include "sync.h"
#include "spread.skel.h"

#define SPREAD_PROG_NAME "vta_spread"
#define MAX_HOOKS 16

struct hook {
	int ifindex;
	char name[IF_NAMESIZE];
	bool attached;
	__u32 flags; /* XDP_FLAGS_*_MODE it is attached with */
};

/* A peer address: family and 4 or 16 bytes, the rest zero. */
struct peer_key {
	int family;
	union vta_addr a;
};

struct vta_spreader {
	const struct vta_conf *c;
	struct vta_spread *skel;
	__u32 stale_map_id; /* spread_state a dead daemon left pinned */
	int n_hooks;
	struct hook hooks[MAX_HOOKS];
	int n_peers;
	/* peers two tunnels spread differently, as of the last pass: warned */
	struct peer_key conflicts[VTA_SPREAD_PEERS_MAX];
	int n_conflicts;
};

static const char *const map_names[] = {
	VTA_SPREAD_MAP_PEERS, VTA_SPREAD_MAP_PEERS6, VTA_SPREAD_MAP_CPUS,
	VTA_SPREAD_MAP_STATE, VTA_SPREAD_MAP_STATS,
};
#define N_MAPS (sizeof(map_names) / sizeof(map_names[0]))

#define VTA__SPREAD_NAME(id, name, help) name,
#define VTA__SPREAD_HELP(id, name, help) help,
static const char *const counter_names[] = { VTA_SPREAD_COUNTERS(
	VTA__SPREAD_NAME) };
static const char *const counter_helps[] = { VTA_SPREAD_COUNTERS(
	VTA__SPREAD_HELP) };

const char *vta_spread_counter_name(unsigned int i)
{
	return i < SPREAD_NR_COUNTERS ? counter_names[i] : NULL;
}

const char *vta_spread_counter_help(unsigned int i)
{
	return i < SPREAD_NR_COUNTERS ? counter_helps[i] : NULL;
}

uint64_t vta_cpus_online(void)
{
	char buf[512], *p, *end;
	uint64_t m = 0;
	unsigned long a, b, i;
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");

	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	for (p = buf; *p >= '0' && *p <= '9';) {
		a = b = strtoul(p, &end, 10);
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		for (i = a; i <= b && i < 64; i++)
			m |= 1ULL << i;
		p = *end == ',' ? end + 1 : end;
	}
	return m;
}

static void pin_path(const char *root, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", root, name);
}

static void prog_pin_path(const char *root, char *buf, size_t len)
{
	snprintf(buf, len, "%s/progs/%s", root, SPREAD_PROG_NAME);
}

/* Id of the map pinned at root/name, 0 when none. */
static __u32 pinned_map_id(const char *root, const char *name)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX + 32];
	int fd;

	pin_path(root, name, path, sizeof(path));
	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		info.id = 0;
	close(fd);
	return info.id;
}

/* Is program id a vta_spread, and (map_id != 0) one that uses map_id? */
static bool prog_is_spread(__u32 id, __u32 map_id)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), ids[16], i;
	bool ret = false;
	int fd;

	if (!id)
		return false;
	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return false;
	info.nr_map_ids = 16;
	info.map_ids = (__u64)(unsigned long)ids;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
	    !strcmp(info.name, SPREAD_PROG_NAME)) {
		ret = !map_id;
		for (i = 0; !ret && i < info.nr_map_ids && i < 16; i++)
			ret = ids[i] == map_id;
	}
	close(fd);
	return ret;
}

/* The XDP program on ifindex and its mode flags (0 when none). */
static __u32 xdp_current(int ifindex, __u32 *mode_flags)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	*mode_flags = 0;
	if (bpf_xdp_query(ifindex, 0, &q))
		return 0;
	if (q.skb_prog_id) {
		*mode_flags = XDP_FLAGS_SKB_MODE;
		return q.skb_prog_id;
	}
	if (q.drv_prog_id) {
		*mode_flags = XDP_FLAGS_DRV_MODE;
		return q.drv_prog_id;
	}
	if (q.hw_prog_id) {
		*mode_flags = XDP_FLAGS_HW_MODE;
		return q.hw_prog_id;
	}
	return 0;
}

int vta_spread_unpin(const char *root)
{
	char path[PATH_MAX + 32];
	size_t i;
	int n = 0;

	for (i = 0; i < N_MAPS; i++) {
		pin_path(root, map_names[i], path, sizeof(path));
		n += !unlink(path);
	}
	prog_pin_path(root, path, sizeof(path));
	n += !unlink(path);
	return n;
}

/* Each CPU of sc online (its config named by what); else -EINVAL. */
static int cpus_online(const struct vta_spread_conf *sc, const char *what)
{
	uint64_t online = vta_cpus_online();
	char conf[160];
	__u32 i;

	for (i = 0; i < sc->ncpus; i++)
		if (online && !(online & (1ULL << sc->cpus[i]))) {
			vta_spread_conf_str(sc, conf, sizeof(conf));
			pr_warn("%s = %s: CPU %u is not online "
				"(/sys/devices/system/cpu/online)\n",
				what, conf, sc->cpus[i]);
			return -EINVAL;
		}
	return 0;
}

/*
 * The CPUMAP: every CPU of [esp] spread and of each [tunnel NAME] spread,
 * as a mask; *qsize: [esp] spread's qsize, else 512 over the longest list
 * (the reorder bound of vta_spread_qsize(), docs/esp-spread.md).
 */
static uint64_t cpumap_cpus(const struct vta_conf *c, __u32 *qsize)
{
	const struct vta_spread_conf *sc;
	struct vta_spread_conf q = c->spread;
	uint64_t m = 0;
	__u32 i, most = 0;
	int t;

	for (t = -1; t < c->n_tun_conf; t++) {
		sc = t < 0 ? &c->spread : &c->tun_conf[t].spread;
		if (t >= 0 && c->tun_conf[t].spread_mode != VTA_TSPREAD_ON)
			continue;
		for (i = 0; i < sc->ncpus; i++)
			m |= 1ULL << sc->cpus[i];
		most = sc->ncpus > most ? sc->ncpus : most;
	}
	/* vta_spread_qsize() as if [esp] spread had the longest list */
	q.ncpus = most;
	*qsize = vta_spread_qsize(&q);
	return m;
}

int vta_spreader_open(struct vta_spreader **out, const struct vta_conf *c)
{
	const struct vta_spread_conf *sc = &c->spread;
	struct vta_spreader *s;
	struct bpf_cpumap_val v = { 0 };
	char path[PATH_MAX + 32], conf[160], what[IFNAMSIZ + 32];
	uint64_t cpus = cpumap_cpus(c, &v.qsize);
	__u32 i;
	int err, fd, t;

	*out = NULL;
	vta_spread_conf_str(sc, conf, sizeof(conf));
	if (cpus_online(sc, "[esp] spread"))
		return -EINVAL;
	for (t = 0; t < c->n_tun_conf; t++) {
		snprintf(what, sizeof(what), "[tunnel %s] spread",
			 c->tun_conf[t].tunnel);
		if (c->tun_conf[t].spread_mode == VTA_TSPREAD_ON &&
		    cpus_online(&c->tun_conf[t].spread, what))
			return -EINVAL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->c = c;
	/* What a dead daemon left: its program (still attached, lease run
	 * out) uses these maps; new ones start empty, and the program is
	 * replaced on attach. */
	s->stale_map_id = pinned_map_id(c->pin_root, VTA_SPREAD_MAP_STATE);
	vta_spread_unpin(c->pin_root);
	s->skel = vta_spread__open();
	if (!s->skel) {
		err = -errno;
		goto fail;
	}
	err = vta_spread__load(s->skel);
	if (err)
		goto fail;
	{
		struct bpf_map *maps[] = { s->skel->maps.spread_peers,
					   s->skel->maps.spread_peers6,
					   s->skel->maps.spread_cpus,
					   s->skel->maps.spread_state,
					   s->skel->maps.spread_stats };

		for (i = 0; i < N_MAPS; i++) {
			pin_path(c->pin_root, map_names[i], path, sizeof(path));
			err = bpf_map__pin(maps[i], path);
			if (err)
				goto fail;
		}
	}
	snprintf(path, sizeof(path), "%s/progs", c->pin_root);
	mkdir(path, 0700);
	prog_pin_path(c->pin_root, path, sizeof(path));
	if (bpf_obj_pin(bpf_program__fd(s->skel->progs.vta_spread), path))
		pr_warn("pin %s: %s\n", path, strerror(errno));
	fd = bpf_map__fd(s->skel->maps.spread_cpus);
	for (i = 0; i < VTA_SPREAD_CPUMAP_MAX; i++)
		if ((cpus & (1ULL << i)) &&
		    bpf_map_update_elem(fd, &i, &v, 0)) {
			err = -errno;
			pr_warn("[esp] spread: CPU %u in the CPUMAP: %s\n", i,
				strerror(errno));
			goto fail;
		}
	pr_info("ESP spreading: [esp] spread = %s%s\n", conf,
		sc->ncpus && c->spread_tunnels.n ? " (spread_tunnels)" : "");
	for (t = 0; t < c->n_tun_conf; t++) {
		if (c->tun_conf[t].spread_mode == VTA_TSPREAD_DEFAULT)
			continue;
		vta_tunnel_spread_str(&c->tun_conf[t].spread, conf,
				      sizeof(conf));
		pr_info("ESP spreading: [tunnel %s] spread = %s\n",
			c->tun_conf[t].tunnel, conf);
	}
	*out = s;
	return 0;
fail:
	if (err != -EINVAL)
		pr_warn("[esp] spread: load %s: %s\n", SPREAD_PROG_NAME,
			strerror(-err));
	vta_spreader_free(s);
	return err;
}

static struct hook *hook_find(struct vta_spreader *s, int ifindex)
{
	int i;

	for (i = 0; i < s->n_hooks; i++)
		if (s->hooks[i].ifindex == ifindex)
			return &s->hooks[i];
	return NULL;
}

/*
 * RPS on name's receive queues: 1 (queue into *q, its mask into buf), 0
 * off, -1 cannot tell.  Only from a sysfs of this namespace: the device
 * of that name there must have our ifindex (`nsenter --net` keeps the
 * sysfs of the namespace that mounted it).
 */
static int rps_on(int ifindex, const char *name, char *q, size_t qlen,
		  char *buf, size_t len)
{
	char path[PATH_MAX];
	struct dirent *e;
	FILE *f;
	DIR *d;
	int idx = 0, on = 0;

	snprintf(path, sizeof(path), "/sys/class/net/%s/ifindex", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%d", &idx) != 1)
		idx = 0;
	fclose(f);
	if (idx != ifindex)
		return -1;
	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", name);
	d = opendir(path);
	if (!d)
		return -1;
	while (!on && (e = readdir(d))) {
		if (strncmp(e->d_name, "rx-", 3))
			continue;
		snprintf(path, sizeof(path),
			 "/sys/class/net/%s/queues/%s/rps_cpus", name,
			 e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, len, f)) {
			buf[strcspn(buf, "\n")] = '\0';
			/* "0", "00000000,00000000": off */
			on = buf[strspn(buf, "0,")] != '\0';
			snprintf(q, qlen, "%.*s", (int)qlen - 1, e->d_name);
		}
		fclose(f);
	}
	closedir(d);
	return on;
}

void vta_spreader_attach(struct vta_spreader *s, int ifindex, const char *name)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o);
	__u32 want, cur_flags, cur;
	struct hook *h;
	char other[64], q[32], mask[2048];
	int fd, err, old_fd = -1;

	if (!s)
		return;
	h = hook_find(s, ifindex);
	if (h && h->attached)
		return;
	if (!h) {
		if (s->n_hooks == MAX_HOOKS) {
			pr_warn("ESP spreading: more than %d WAN interfaces: "
				"%s left without\n",
				MAX_HOOKS, name);
			return;
		}
		h = &s->hooks[s->n_hooks++];
		memset(h, 0, sizeof(*h));
		h->ifindex = ifindex;
	}
	snprintf(h->name, sizeof(h->name), "%s", name);
	want = s->c->spread.xdp == VTA_SPREAD_XDP_NATIVE ? XDP_FLAGS_DRV_MODE
							 : XDP_FLAGS_SKB_MODE;
	fd = bpf_program__fd(s->skel->progs.vta_spread);
	cur = xdp_current(ifindex, &cur_flags);
	if (cur && !(s->stale_map_id && prog_is_spread(cur, s->stale_map_id))) {
		vta_prog_name_by_id(cur, other, sizeof(other));
		pr_warn("ESP spreading: %s already runs XDP program %s (id "
			"%u): left alone, %s's ESP is not spread\n",
			name, other, cur, name);
		return;
	}
	if (cur && cur_flags != want) {
		/* ours, left by a dead daemon, in the other mode */
		bpf_xdp_detach(ifindex, cur_flags, NULL);
		cur = 0;
	}
	if (cur) {
		old_fd = bpf_prog_get_fd_by_id(cur);
		o.old_prog_fd = old_fd;
		err = bpf_xdp_attach(ifindex, fd, want | XDP_FLAGS_REPLACE, &o);
	} else {
		err = bpf_xdp_attach(ifindex, fd,
				     want | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	}
	if (old_fd >= 0)
		close(old_fd);
	if (err) {
		pr_warn("ESP spreading: attach %s to %s as %s XDP: %s\n",
			SPREAD_PROG_NAME, name,
			want == XDP_FLAGS_DRV_MODE ? "native" : "generic",
			strerror(-err));
		return;
	}
	h->attached = true;
	h->flags = want;
	pr_info("ESP spreading: %s on %s (%s XDP)%s\n", SPREAD_PROG_NAME, name,
		want == XDP_FLAGS_DRV_MODE ? "native" : "generic",
		cur ? ", replacing the one a previous run left" : "");
	/* The CPUMAP hands its skbs to netif_receive_skb_list(), where RPS
	 * would steer them back to its own CPUs (docs/esp-spread.md). */
	if (rps_on(ifindex, name, q, sizeof(q), mask, sizeof(mask)) == 1)
		pr_warn("ESP spreading: %s has RPS on (%s rps_cpus %s): it "
			"steers the spread packets back to those CPUs; turn it "
			"off: echo 0 > /sys/class/net/%s/queues/%s/rps_cpus\n",
			name, q, mask, name, q);
}

static void hook_detach(struct vta_spreader *s, struct hook *h)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o,
		    .old_prog_fd = bpf_program__fd(s->skel->progs.vta_spread));
	int err;

	if (!h->attached)
		return;
	/* only if it is still ours (old_prog_fd: XDP_FLAGS_REPLACE) */
	err = bpf_xdp_detach(h->ifindex, h->flags, &o);
	if (err && err != -ENODEV)
		pr_warn("ESP spreading: detach from %s: %s\n", h->name,
			strerror(-err));
	h->attached = false;
}

void vta_spreader_remove(struct vta_spreader *s, int ifindex, bool gone)
{
	struct hook *h;

	if (!s || !(h = hook_find(s, ifindex)))
		return;
	if (!gone)
		hook_detach(s, h);
	*h = s->hooks[--s->n_hooks];
}

void vta_spreader_lease(struct vta_spreader *s, uint64_t deadline_ns)
{
	struct spread_state st = { .lease_deadline_ns = deadline_ns };
	__u32 zero = 0;

	if (s && bpf_map_update_elem(bpf_map__fd(s->skel->maps.spread_state),
				     &zero, &st, 0))
		pr_warn("ESP spreading: renew its lease: %s\n",
			strerror(errno));
}

/* One pass over the tunnels: a peer's entry as it will be written. */
struct peers_ctx {
	struct vta_spreader *s;
	struct peer_key keys[VTA_SPREAD_PEERS_MAX];
	const char *first[VTA_SPREAD_PEERS_MAX]; /* tunnels, this pass only */
	const char *last[VTA_SPREAD_PEERS_MAX];
	const struct vta_spread_conf *confs[VTA_SPREAD_PEERS_MAX]; /* last's */
	__u32 flags[VTA_SPREAD_PEERS_MAX];
	bool differ[VTA_SPREAD_PEERS_MAX];
	int n;
	/* tunnels with spread = no (or not in spread_tunnels) */
	struct peer_key off_keys[VTA_SPREAD_PEERS_MAX];
	const char *off_tunnels[VTA_SPREAD_PEERS_MAX];
	int n_off;
	struct peer_key conflicts[VTA_SPREAD_PEERS_MAX];
	int n_conflicts;
};

static bool spread_conf_same(const struct vta_spread_conf *a,
			     const struct vta_spread_conf *b)
{
	return a->ncpus == b->ncpus && a->block_shift == b->block_shift &&
	       !memcmp(a->cpus, b->cpus, a->ncpus * sizeof(a->cpus[0]));
}

static bool key_eq(const struct peer_key *a, const struct peer_key *b)
{
	return a->family == b->family && !memcmp(&a->a, &b->a, sizeof(a->a));
}

static int key_find(const struct peer_key *set, int n, const struct peer_key *k)
{
	int i;

	for (i = 0; i < n; i++)
		if (key_eq(&set[i], k))
			return i;
	return -1;
}

/* Collect: one entry per peer address, the encapsulations of all its
 * tunnels, the settings of the last one. */
static void peer_cb(void *ctx, const char *tunnel, int ifindex, int family,
		    const union vta_addr *peer, bool esp, bool natt)
{
	struct peers_ctx *x = ctx;
	const struct vta_spread_conf *sc = vta_tunnel_spread(x->s->c, tunnel);
	struct peer_key k = { .family = family };
	int i;

	if (family != AF_INET && family != AF_INET6)
		return;
	memcpy(k.a.b, peer->b, family == AF_INET ? 4 : 16);
	if (!sc) {
		if (x->n_off < VTA_SPREAD_PEERS_MAX) {
			x->off_keys[x->n_off] = k;
			x->off_tunnels[x->n_off++] = tunnel;
		}
		return;
	}
	i = key_find(x->keys, x->n, &k);
	if (i < 0) {
		if (x->n == VTA_SPREAD_PEERS_MAX)
			return;
		i = x->n++;
		x->keys[i] = k;
		x->first[i] = tunnel;
		x->flags[i] = 0;
		x->differ[i] = false;
	} else if (!spread_conf_same(x->confs[i], sc)) {
		x->differ[i] = true;
	}
	x->last[i] = tunnel;
	x->confs[i] = sc;
	x->flags[i] |= (esp ? SPREAD_F_ESP : 0) | (natt ? SPREAD_F_NATT : 0);
}

/* A conflict on k this pass: true when it is new (not in the last one). */
static bool conflict_new(struct peers_ctx *x, const struct peer_key *k)
{
	if (key_find(x->conflicts, x->n_conflicts, k) >= 0)
		return false;
	x->conflicts[x->n_conflicts++] = *k;
	return key_find(x->s->conflicts, x->s->n_conflicts, k) < 0;
}

/* Entry i's peer address and the settings written for it, as text. */
static void entry_text(const struct peers_ctx *x, int i,
		       char addr[INET6_ADDRSTRLEN], char conf[64])
{
	inet_ntop(x->keys[i].family, x->keys[i].a.b, addr, INET6_ADDRSTRLEN);
	vta_tunnel_spread_str(x->confs[i], conf, 64);
}

/*
 * The program tells tunnels apart by the peer's address only: two
 * tunnels to one peer share an entry.  Said once when that starts: with
 * different settings the last tunnel's apply to both; a tunnel with
 * spread = no beside a spread one has its ESP spread too.
 */
static void peers_warn(struct peers_ctx *x)
{
	char addr[INET6_ADDRSTRLEN], conf[64];
	int i, j;

	for (i = 0; i < x->n; i++) {
		if (!x->differ[i] || !conflict_new(x, &x->keys[i]))
			continue;
		entry_text(x, i, addr, conf);
		pr_warn("ESP spreading: %s and %s have the same peer %s but "
			"different spread settings: %s's (%s) apply to both\n",
			x->first[i], x->last[i], addr, x->last[i], conf);
	}
	for (j = 0; j < x->n_off; j++) {
		i = key_find(x->keys, x->n, &x->off_keys[j]);
		if (i < 0 || !conflict_new(x, &x->off_keys[j]))
			continue;
		entry_text(x, i, addr, conf);
		pr_warn("ESP spreading: %s is not spread but has the same peer "
			"%s as %s: its ESP is spread too (%s)\n",
			x->off_tunnels[j], addr, x->last[i], conf);
	}
}

/* Delete the entries of fd (keys of klen bytes) no tunnel has any more. */
static void peers_prune(int fd, int family, size_t klen,
			const struct peers_ctx *x)
{
	struct peer_key k = { .family = family };
	union vta_addr key, next;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		memcpy(k.a.b, key.b, klen);
		if (key_find(x->keys, x->n, &k) < 0 &&
		    !bpf_map_delete_elem(fd, &key))
			continue; /* restart after the deleted key */
		prev = &key;
	}
}

void vta_spreader_peers(struct vta_spreader *s, const struct vta_sync *sync)
{
	static struct peers_ctx x;
	int i, fd4, fd6;

	if (!s)
		return;
	x.s = s;
	x.n = x.n_off = x.n_conflicts = 0;
	vta_sync_foreach_tunnel_peer(sync, peer_cb, &x);
	/* each entry written once, whole: a reader never sees one
	 * tunnel's half of it */
	fd4 = bpf_map__fd(s->skel->maps.spread_peers);
	fd6 = bpf_map__fd(s->skel->maps.spread_peers6);
	for (i = 0; i < x.n; i++) {
		struct spread_peer v = { .flags = x.flags[i],
					 .ncpus = x.confs[i]->ncpus,
					 .block_shift =
						 x.confs[i]->block_shift };

		memcpy(v.cpus, x.confs[i]->cpus, sizeof(v.cpus));
		if (bpf_map_update_elem(x.keys[i].family == AF_INET ? fd4 : fd6,
					x.keys[i].a.b, &v, 0))
			pr_warn("ESP spreading: peer of %s: %s\n", x.last[i],
				strerror(errno));
	}
	peers_warn(&x);
	memcpy(s->conflicts, x.conflicts, sizeof(x.conflicts));
	s->n_conflicts = x.n_conflicts;
	peers_prune(fd4, AF_INET, 4, &x);
	peers_prune(fd6, AF_INET6, 16, &x);
	s->n_peers = x.n;
}

void vta_spreader_free(struct vta_spreader *s)
{
	int i;

	if (!s)
		return;
	for (i = 0; s->skel && i < s->n_hooks; i++)
		hook_detach(s, &s->hooks[i]);
	if (s->skel)
		vta_spread_unpin(s->c->pin_root);
	vta_spread__destroy(s->skel);
	free(s);
}

/* ---------------------------------------------------------------- */
/* CLI                                                                */

static int open_pinned(const char *root, const char *name)
{
	char path[PATH_MAX + 32];

	pin_path(root, name, path, sizeof(path));
	return bpf_obj_get(path);
}

int vta_spread_counters(const char *pin_root, __u64 out[SPREAD_NR_COUNTERS])
{
	int fd = open_pinned(pin_root, VTA_SPREAD_MAP_STATS), ncpu, c, i;
	__u64 *v;

	memset(out, 0, sizeof(__u64) * SPREAD_NR_COUNTERS);
	if (fd < 0)
		return -ENOENT;
	ncpu = libbpf_num_possible_cpus();
	v = ncpu > 0 ? calloc(ncpu, sizeof(*v)) : NULL;
	if (!v) {
		close(fd);
		return -ENOMEM;
	}
	for (c = 0; c < SPREAD_NR_COUNTERS; c++) {
		__u32 k = c;

		if (bpf_map_lookup_elem(fd, &k, v))
			continue;
		for (i = 0; i < ncpu; i++)
			out[c] += v[i];
	}
	free(v);
	close(fd);
	return 0;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

/* ctx: the family of the map's keys (int *) */
static int print_peer_cb(const void *key, const void *value, void *ctx)
{
	const struct spread_peer *v = value;
	char a[INET6_ADDRSTRLEN];
	__u32 i;

	inet_ntop(*(const int *)ctx, key, a, sizeof(a));
	open_json_object(NULL);
	print_string(PRINT_ANY, "peer", "  peer %s", a);
	print_bool(PRINT_ANY, "esp", " esp %s", v->flags & SPREAD_F_ESP);
	print_bool(PRINT_ANY, "natt", " nat-t %s", v->flags & SPREAD_F_NATT);
	print_uint(PRINT_ANY, "block", " block %" PRIu64 "",
		   1U << (v->block_shift & 31));
	print_text(" cpus");
	open_json_array("cpus");
	for (i = 0; i < v->ncpus && i < VTA_SPREAD_MAX_CPUS; i++)
		print_uint(PRINT_ANY, NULL, " %" PRIu64 "", v->cpus[i]);
	close_json_array();
	print_nl();
	close_json_object();
	return 0;
}

void vta_spread_status(const char *pin_root, const struct vta_cli_iface *ifs,
		       int n)
{
	int pfd = open_pinned(pin_root, VTA_SPREAD_MAP_PEERS);
	int p6fd = open_pinned(pin_root, VTA_SPREAD_MAP_PEERS6);
	int cfd = open_pinned(pin_root, VTA_SPREAD_MAP_CPUS);
	int sfd = open_pinned(pin_root, VTA_SPREAD_MAP_STATE);
	__u32 zero = 0, i, flags, id;
	int af4 = AF_INET, af6 = AF_INET6;
	__u64 cnt[SPREAD_NR_COUNTERS], now = mono_ns();
	struct spread_state st = {};
	int k;

	if (pfd < 0 || cfd < 0 || sfd < 0) {
		print_null(PRINT_JSON, "spread", NULL);
		print_text("esp spreading: off\n");
		goto out;
	}
	open_json_object("spread");
	print_text("esp spreading:");
	bpf_map_lookup_elem(sfd, &zero, &st);
	if (!st.lease_deadline_ns) {
		print_string(PRINT_ANY, "lease", " lease %s", "none");
		print_null(PRINT_JSON, "lease_ms", NULL);
	} else if (st.lease_deadline_ns > now) {
		print_string(PRINT_ANY, "lease", " lease %s", "live");
		print_uint(PRINT_ANY, "lease_ms", " (%" PRIu64 " ms left)",
			   (st.lease_deadline_ns - now) / 1000000);
	} else {
		print_string(PRINT_ANY, "lease", " lease %s", "expired");
		print_uint(PRINT_JSON, "lease_ms", NULL, 0);
		print_text(" (every packet goes to the kernel)");
	}
	print_text(", cpus");
	open_json_array("cpus");
	for (i = 0; i < VTA_SPREAD_CPUMAP_MAX; i++) {
		struct bpf_cpumap_val cv;

		if (bpf_map_lookup_elem(cfd, &i, &cv))
			continue;
		open_json_object(NULL);
		print_uint(PRINT_ANY, "cpu", " %" PRIu64 "", i);
		print_uint(PRINT_ANY, "qsize", " (qsize %" PRIu64 ")",
			   cv.qsize);
		close_json_object();
	}
	close_json_array();
	print_nl();
	open_json_array("interfaces");
	for (k = 0; k < n; k++) {
		if (ifs[k].v.role != VTA_ROLE_WAN || ifs[k].gone)
			continue;
		id = xdp_current(ifs[k].ifindex, &flags);
		open_json_object(NULL);
		print_string(PRINT_ANY, "ifname", "  %s:", ifs[k].name);
		if (id &&
		    prog_is_spread(id, pinned_map_id(pin_root,
						     VTA_SPREAD_MAP_STATE))) {
			print_bool(PRINT_JSON, "attached", NULL, true);
			print_string(PRINT_ANY, "mode", " %s XDP",
				     flags == XDP_FLAGS_DRV_MODE   ? "native"
				     : flags == XDP_FLAGS_SKB_MODE ? "generic"
								   : "offload");
			print_uint(PRINT_ANY, "prog_id",
				   " (prog %" PRIu64 ")\n", id);
		} else {
			char other[64] = "";

			if (id)
				vta_prog_name_by_id(id, other, sizeof(other));
			print_bool(PRINT_JSON, "attached", NULL, false);
			print_null(PRINT_JSON, "mode", NULL);
			print_null(PRINT_JSON, "prog_id", NULL);
			if (id)
				print_string(PRINT_ANY, "foreign",
					     " not spread: XDP program %s "
					     "holds it\n",
					     other);
			else
				print_text(" not attached\n");
		}
		close_json_object();
	}
	close_json_array();
	open_json_array("peers");
	vta_map_walk(pfd, sizeof(__u32), sizeof(struct spread_peer),
		     print_peer_cb, &af4);
	/* none from a daemon older than IPv6 spreading */
	if (p6fd >= 0)
		vta_map_walk(p6fd, sizeof(struct spread_addr6),
			     sizeof(struct spread_peer), print_peer_cb, &af6);
	close_json_array();
	vta_spread_counters(pin_root, cnt);
	open_json_object("counters");
	print_text(" ");
	for (i = 0; i < SPREAD_NR_COUNTERS; i++) {
		print_uint(PRINT_ANY, counter_names[i],
			   i ? ", %" PRIu64 : " %" PRIu64, cnt[i]);
		print_text(" %s", counter_names[i]);
	}
	print_nl();
	close_json_object();
	close_json_object();
out:
	if (pfd >= 0)
		close(pfd);
	if (p6fd >= 0)
		close(p6fd);
	if (cfd >= 0)
		close(cfd);
	if (sfd >= 0)
		close(sfd);
}

int vta_spread_detach_pinned(const char *pin_root, int *n)
{
	__u32 map_id = pinned_map_id(pin_root, VTA_SPREAD_MAP_STATE), flags, id;
	struct if_nameindex *ifs, *i;
	int err = 0, e;

	*n = 0;
	if (!map_id)
		return 0;
	ifs = if_nameindex();
	if (!ifs)
		return -errno;
	for (i = ifs; i->if_index; i++) {
		id = xdp_current(i->if_index, &flags);
		if (!id || !prog_is_spread(id, map_id))
			continue;
		e = bpf_xdp_detach(i->if_index, flags, NULL);
		if (e && !err)
			err = e;
		else if (!e)
			(*n)++;
	}
	if_freenameindex(ifs);
	return err;
}
