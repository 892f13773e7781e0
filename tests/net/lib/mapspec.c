// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The net tier's map spec language (syntax: mapspec.h), shared by
 * tests/net/vta_static.c and tests/net/cli_fixture.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fib4.h"
#include "vtiaccel.h"
#include "cli.h"
#include "ifdata.h"
#include "mapspec.h"

#define MAX_WORDS 64

struct flag_name {
	const char *name;
	__u32 bit;
};

#define FLAG_NAME(id, bit, name) { name, 1U << (bit) },
static const struct flag_name if_flag_names[] = {
	VTA_IF_FLAGS(FLAG_NAME){ NULL, 0 },
};

static const struct flag_name cfg_flag_names[] = {
	VTA_CFG_FLAGS(FLAG_NAME){ NULL, 0 },
};

static const struct flag_name rt_flag_names[] = {
	{ "via_tunnel", VTA_RT_F_VIA_TUNNEL },
	{ "gateway", VTA_RT_F_GATEWAY },
	{ NULL, 0 },
};

static const struct flag_name peer_flag_names[] = {
	{ "esp", VTA_PEER_F_ESP },
	{ "natt", VTA_PEER_F_NATT },
	{ NULL, 0 },
};

static const struct flag_name health_flag_names[] = {
	{ "writes_failing", VTA_HEALTH_F_WRITES_FAILING },
	{ "stale", VTA_HEALTH_F_STALE },
	{ NULL, 0 },
};

void mapspec_err(const struct mapspec *ms, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", ms->prog);
	if (ms->line)
		fprintf(stderr, "line %d: ", ms->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int mapspec_u32(const char *s, __u32 *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > UINT32_MAX || *s == '-')
		return -EINVAL;
	*out = v;
	return 0;
}

static int u64_of(const char *s, __u64 *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s || *end || *s == '-')
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_flags(const char *list, const struct flag_name *tab,
		       __u32 *out)
{
	char buf[256], *tok, *save = NULL;
	int i;

	*out = 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; tab[i].name; i++)
			if (!strcmp(tab[i].name, tok))
				break;
		if (!tab[i].name)
			return -EINVAL;
		*out |= tab[i].bit;
	}
	return 0;
}

/* "V" or "V/MASK"; mask defaults to all ones. */
static int parse_mark(const char *s, __u32 *mark, __u32 *mask)
{
	char buf[64], *slash;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	*mask = UINT32_MAX;
	if (slash) {
		*slash = '\0';
		if (mapspec_u32(slash + 1, mask))
			return -EINVAL;
	}
	return mapspec_u32(buf, mark);
}

int mapspec_ifindex(const struct mapspec *ms, const char *name)
{
	int idx = if_nametoindex(name);

	if (!idx)
		mapspec_err(ms, "interface %s: %s", name, strerror(errno));
	return idx;
}

static int link_mtu(const char *name)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), mtu = -1;

	if (fd < 0)
		return -1;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (!ioctl(fd, SIOCGIFMTU, &ifr))
		mtu = ifr.ifr_mtu;
	close(fd);
	return mtu;
}

/* Address (v4 or v6) into 16 bytes; returns the family or -EINVAL. */
int mapspec_addr(const struct mapspec *ms, const char *s, __u8 out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1)
		return VTA_AF_INET;
	if (inet_pton(AF_INET6, s, out) == 1)
		return VTA_AF_INET6;
	mapspec_err(ms, "bad address '%s'", s);
	return -EINVAL;
}

int mapspec_tc_prog(const struct mapspec *ms, const char *role,
		    enum vta_prog *p)
{
	if (!strcmp(role, "lan"))
		*p = VTA_PROG_LAN;
	else if (!strcmp(role, "tunnel"))
		*p = VTA_PROG_TUNNEL;
	else if (!strcmp(role, "wan"))
		*p = VTA_PROG_WAN;
	else {
		mapspec_err(ms, "'%s' is not lan|tunnel|wan", role);
		return -EINVAL;
	}
	return 0;
}

static int map_err(const struct mapspec *ms, const char *what, const char *arg)
{
	int err = -errno;

	mapspec_err(ms, "%s %s: %s", what, arg, strerror(errno));
	return err;
}

static int do_iface(struct mapspec *ms, char **w, int n)
{
	struct vta_iface v = { 0 }, old;
	bool have_slot = false, have_mtu = false;
	struct vta_ifdata *d;
	__u32 idx, u;
	int i, mtu, err;

	if (n < 2 || !(idx = mapspec_ifindex(ms, w[1])))
		return -EINVAL;
	/* an interface already in the map keeps what is not given */
	if (!vta_iface_lookup(ms->maps, idx, &old)) {
		v = old;
		have_slot = have_mtu = true;
	}
	for (i = 2; i + 1 < n; i += 2) {
		const char *k = w[i], *a = w[i + 1];

		if (!strcmp(k, "role")) {
			if (!strcmp(a, "lan"))
				v.role = VTA_ROLE_LAN;
			else if (!strcmp(a, "wan"))
				v.role = VTA_ROLE_WAN;
			else if (!strcmp(a, "tunnel"))
				v.role = VTA_ROLE_TUNNEL;
			else
				goto bad;
		} else if (!strcmp(k, "slot")) {
			if (mapspec_u32(a, &v.slot) || !v.slot ||
			    v.slot >= VTA_STATS_SLOTS)
				goto bad;
			have_slot = true;
		} else if (!strcmp(k, "mtu")) {
			if (mapspec_u32(a, &v.mtu))
				goto bad;
			have_mtu = true;
		} else if (!strcmp(k, "mss4") || !strcmp(k, "mss6")) {
			if (mapspec_u32(a, &u) || u > 65535)
				goto bad;
			if (k[3] == '4')
				v.mss4 = u;
			else
				v.mss6 = u;
		} else if (!strcmp(k, "flags")) {
			if (parse_flags(a, if_flag_names, &v.flags))
				goto bad;
		} else if (!strcmp(k, "mark")) {
			if (parse_mark(a, &v.mark, &v.mark_mask))
				goto bad;
		} else {
			goto bad;
		}
		continue;
	bad:
		mapspec_err(ms, "iface %s: bad '%s %s'", w[1], k, a);
		return -EINVAL;
	}
	if (i != n) {
		mapspec_err(ms, "iface %s: '%s' has no value", w[1], w[i]);
		return -EINVAL;
	}
	if (!have_slot)
		v.slot = ++ms->n_auto_slot;
	if (!have_mtu) {
		mtu = link_mtu(w[1]);
		if (mtu < 0)
			return map_err(ms, "read MTU of", w[1]);
		v.mtu = mtu;
	}
	d = vta_ifdata_map(ms->maps->ifdata, true);
	err = d ? vta_iface_put(ms->maps, d, idx, &v) : -errno;
	vta_ifdata_unmap(d);
	if (err) {
		errno = -err;
		return map_err(ms, "write vta_ifslot/vta_ifdata for", w[1]);
	}
	return 0;
}

static int do_uniface(struct mapspec *ms, char **w, int n)
{
	struct vta_ifdata *d;
	__u32 idx;
	int err;

	if (n != 2 || !(idx = mapspec_ifindex(ms, w[1])))
		return -EINVAL;
	d = vta_ifdata_map(ms->maps->ifdata, true);
	err = d ? vta_iface_del(ms->maps, d, idx) : -errno;
	vta_ifdata_unmap(d);
	if (err) {
		errno = -err;
		return map_err(ms, "delete iface", w[1]);
	}
	return 0;
}

static int do_group(struct mapspec *ms, char **w, int n)
{
	struct vta_group g = { 0 };
	__u32 id;
	int i = 2;

	if (n < 2 || mapspec_u32(w[1], &id)) {
		mapspec_err(ms, "group: bad id");
		return -EINVAL;
	}
	while (i < n) {
		struct vta_nh *nh;
		__u32 weight = 1;

		if (g.n_paths >= VTA_MAX_PATHS || i + 1 >= n) {
			mapspec_err(ms, "group %u: bad member", id);
			return -EINVAL;
		}
		nh = &g.paths[g.n_paths];
		if (!strcmp(w[i], "neigh")) {
			nh->kind = VTA_NH_NEIGH;
		} else if (!strcmp(w[i], "tunnel")) {
			nh->kind = VTA_NH_TUNNEL;
		} else {
			mapspec_err(ms, "group %u: '%s' is not neigh|tunnel",
				    id, w[i]);
			return -EINVAL;
		}
		nh->ifindex = mapspec_ifindex(ms, w[i + 1]);
		if (!nh->ifindex)
			return -ENODEV;
		i += 2;
		while (i + 1 < n &&
		       (!strcmp(w[i], "via") || !strcmp(w[i], "weight"))) {
			if (!strcmp(w[i], "via")) {
				int fam = mapspec_addr(ms, w[i + 1], nh->gw6);

				if (fam < 0)
					return fam;
				nh->gw_family = fam;
			} else if (mapspec_u32(w[i + 1], &weight) || !weight ||
				   weight > 256) {
				mapspec_err(ms, "group %u: bad weight '%s'", id,
					    w[i + 1]);
				return -EINVAL;
			}
			i += 2;
		}
		nh->weight = weight;
		g.total_weight += weight;
		g.n_paths++;
	}
	if (bpf_map_update_elem(ms->maps->groups, &id, &g, BPF_ANY))
		return map_err(ms, "update vta_groups for group", w[1]);
	return 0;
}

/* PREFIX (no /LEN: a host) -> both keys; returns the family. */
static int parse_prefix(struct mapspec *ms, const char *s,
			struct vta_fib6_key *k6, struct vta_fib4_key *k4)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	__u32 plen;
	int fam;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	fam = mapspec_addr(ms, buf, k6->addr);
	if (fam < 0)
		return fam;
	plen = fam == VTA_AF_INET ? 32 : 128;
	if (slash && (mapspec_u32(slash + 1, &plen) ||
		      plen > (fam == VTA_AF_INET ? 32U : 128U))) {
		mapspec_err(ms, "bad prefix '%s'", s);
		return -EINVAL;
	}
	k6->prefixlen = plen;
	k4->prefixlen = plen;
	memcpy(&k4->addr, k6->addr, 4);
	return fam;
}

/*
 * IPv4 routes go through the daemon's writer (user/fib4.c), resumed from
 * what the maps hold (a tool applies one spec per run and keeps nothing)
 * and freed at the end of the spec.
 */
struct mapspec_fib4 {
	struct vta_fib4_view v;
	struct vta_fib4 *w;
};

static struct vta_fib4 *fib4_writer(struct mapspec *ms)
{
	int err;

	if (ms->fib4)
		return ms->fib4->w;
	ms->fib4 = calloc(1, sizeof(*ms->fib4));
	if (!ms->fib4) {
		mapspec_err(ms, "%s", strerror(ENOMEM));
		return NULL;
	}
	err = vta_fib4_map(&ms->fib4->v, ms->maps, true);
	if (err) {
		mapspec_err(ms, "mmap the IPv4 FIB maps: %s", strerror(-err));
		return NULL;
	}
	ms->fib4->w = vta_fib4_open(&ms->fib4->v);
	if (!ms->fib4->w)
		mapspec_err(ms, "read the IPv4 FIB maps: %s", strerror(errno));
	return ms->fib4->w;
}

static void fib4_writer_close(struct mapspec *ms)
{
	if (!ms->fib4)
		return;
	vta_fib4_free(ms->fib4->w);
	vta_fib4_unmap(&ms->fib4->v);
	free(ms->fib4);
	ms->fib4 = NULL;
}

static int do_route(struct mapspec *ms, char **w, int n, bool del)
{
	struct vta_fib4 *f4 = NULL;
	struct vta_fib6_key k6;
	struct vta_fib4_key k4;
	struct vta_route r = { .type = VTA_RT_UNICAST };
	void *key;
	__u32 u;
	int fam, fd, i, err;

	if (n < 2 || (del && n != 2)) {
		mapspec_err(ms, "%s PREFIX ...", w[0]);
		return -EINVAL;
	}
	fam = parse_prefix(ms, w[1], &k6, &k4);
	if (fam < 0)
		return fam;
	if (fam == VTA_AF_INET && !(f4 = fib4_writer(ms)))
		return -EIO;
	fd = ms->maps->fib6;
	key = &k6;
	if (del && f4) {
		err = vta_fib4_del(f4, ntohl(k4.addr), k4.prefixlen);
		if (err && err != -ENOENT) {
			mapspec_err(ms, "delete route %s: %s", w[1],
				    strerror(-err));
			return err;
		}
		return 0;
	}
	if (del) {
		if (bpf_map_delete_elem(fd, key) && errno != ENOENT)
			return map_err(ms, "delete route", w[1]);
		return 0;
	}
	for (i = 2; i < n; i++) {
		if (!strcmp(w[i], "local")) {
			r.type = VTA_RT_LOCAL;
		} else if (!strcmp(w[i], "kernel")) {
			r.type = VTA_RT_KERNEL;
		} else if (!strcmp(w[i], "group") && i + 1 < n &&
			   !mapspec_u32(w[i + 1], &u)) {
			r.group_id = u;
			i++;
		} else if (!strcmp(w[i], "flags") && i + 1 < n &&
			   !parse_flags(w[i + 1], rt_flag_names, &u)) {
			r.flags = u;
			i++;
		} else if (!strcmp(w[i], "mtu") && i + 1 < n &&
			   !mapspec_u32(w[i + 1], &u) && u <= 0xffff) {
			r.mtu = u;
			i++;
		} else {
			mapspec_err(ms, "route %s: bad '%s'", w[1], w[i]);
			return -EINVAL;
		}
	}
	if (f4) {
		err = vta_fib4_put(f4, ntohl(k4.addr), k4.prefixlen, &r);
		if (err)
			mapspec_err(ms, "update route %s: %s", w[1],
				    strerror(-err));
		return err;
	}
	if (bpf_map_update_elem(fd, key, &r, BPF_ANY))
		return map_err(ms, "update route", w[1]);
	return 0;
}

static int do_peer(struct mapspec *ms, char **w, int n)
{
	struct vta_peer_key k = { 0 };
	struct vta_peer v = { 0 };
	int fam, fam2, i;

	if (n < 3) {
		mapspec_err(ms, "peer LOCAL REMOTE ...");
		return -EINVAL;
	}
	fam = mapspec_addr(ms, w[1], k.local);
	fam2 = mapspec_addr(ms, w[2], k.peer);
	if (fam < 0 || fam2 != fam) {
		mapspec_err(ms, "peer: bad or mixed addresses");
		return -EINVAL;
	}
	k.family = fam;
	v.flags = VTA_PEER_F_ESP | VTA_PEER_F_NATT;
	for (i = 3; i + 1 < n; i += 2) {
		if (!strcmp(w[i], "mark")) {
			if (parse_mark(w[i + 1], &v.mark, &v.mask))
				goto bad;
		} else if (!strcmp(w[i], "flags")) {
			if (parse_flags(w[i + 1], peer_flag_names, &v.flags))
				goto bad;
		} else if (!strcmp(w[i], "tunnel")) {
			v.tunnel_ifindex = mapspec_ifindex(ms, w[i + 1]);
			if (!v.tunnel_ifindex)
				return -ENODEV;
		} else {
			goto bad;
		}
	}
	if (i != n)
		goto bad;
	if (bpf_map_update_elem(ms->maps->peers, &k, &v, BPF_ANY))
		return map_err(ms, "update vta_peers for", w[2]);
	return 0;
bad:
	mapspec_err(ms, "peer %s %s: bad '%s'", w[1], w[2], w[i]);
	return -EINVAL;
}

/* lease T|past|off: T seconds from now (negative: expired), "s" optional */
static int parse_lease(const char *a, __u64 *deadline)
{
	char *end;
	double s;

	if (!strcmp(a, "off")) {
		*deadline = 0;
		return 0;
	}
	if (!strcmp(a, "past")) {
		*deadline = 1; /* non-zero (checked) and long gone */
		return 0;
	}
	s = strtod(a, &end);
	if (end == a || (*end && strcmp(end, "s")) || s == 0)
		return -EINVAL;
	*deadline = vta_mono_ns() + (long long)(s * 1e9);
	return 0;
}

static int do_config(struct mapspec *ms, char **w, int n)
{
	struct vta_config c;
	int i, j, err;

	err = vta_config_get(ms->maps, &c);
	if (err) {
		mapspec_err(ms, "read vta_config: %s", strerror(-err));
		return err;
	}
	for (i = 1; i < n; i++) {
		const char *k = w[i], *a = i + 1 < n ? w[i + 1] : NULL;

		if (!strcmp(k, "flags") && a) {
			if (parse_flags(a, cfg_flag_names, &c.flags))
				goto bad;
			i++;
		} else if (!strcmp(k, "seed") && a) {
			if (mapspec_u32(a, &c.hash_seed))
				goto bad;
			i++;
		} else if (!strcmp(k, "lease") && a) {
			if (parse_lease(a, &c.lease_deadline_ns))
				goto bad;
			i++;
		} else {
			bool clear = !strncmp(k, "no", 2);

			for (j = 0; cfg_flag_names[j].name; j++)
				if (!strcmp(cfg_flag_names[j].name,
					    clear ? k + 2 : k))
					break;
			if (!cfg_flag_names[j].name)
				goto bad;
			if (clear)
				c.flags &= ~cfg_flag_names[j].bit;
			else
				c.flags |= cfg_flag_names[j].bit;
		}
		continue;
	bad:
		mapspec_err(ms, "config: bad '%s%s%s'", k, a ? " " : "",
			    a ? a : "");
		return -EINVAL;
	}
	err = vta_config_set(ms->maps, &c);
	if (err)
		mapspec_err(ms, "update vta_config: %s", strerror(-err));
	return err;
}

/* A forward counter the programs keep in vta_fwd_stats: its field. */
static struct vta_counter_val *fwd_field(struct vta_fwd_stats *f, __u32 slot,
					 int c)
{
	switch (c) {
	case VTA_FWD_TO_TUNNEL:
		return &f->s[slot].fwd[0];
	case VTA_FWD_TO_LAN:
		return &f->s[slot].fwd[1];
	case VTA_TX:
		return &f->s[slot].tx;
	default:
		return NULL;
	}
}

/*
 * stat IF|0 COUNTER PACKETS BYTES [legacy]: add to a counter, where the
 * programs count it (forwards and TX in vta_fwd_stats, the rest in
 * vta_stats); "legacy" puts a forward counter in vta_stats, where a
 * vtiaccel before vta_fwd_stats counted it.
 */
static int do_stat(struct mapspec *ms, char **w, int n)
{
	int ncpu = libbpf_num_possible_cpus(), c, cpu, err = 0;
	struct vta_fwd_stats *fwd = NULL;
	struct vta_stats *pc = NULL;
	__u32 slot = 0, key;
	void *buf;
	__u64 pk, by;
	bool legacy;
	int fd;

	legacy = n == 6 && !strcmp(w[5], "legacy");
	if (n != 5 && !legacy) {
		mapspec_err(ms, "stat IF|0 COUNTER PACKETS BYTES [legacy]");
		return -EINVAL;
	}
	if (strcmp(w[1], "0")) {
		__u32 idx = mapspec_ifindex(ms, w[1]);

		if (!idx)
			return -ENODEV;
		if (vta_iface_slot(ms->maps, idx, &slot)) {
			mapspec_err(ms, "stat: %s is not in vta_ifslot", w[1]);
			return -ENOENT;
		}
	}
	for (c = 0; c < VTA_COUNTER_MAX; c++)
		if (!strcmp(vta_counter_name(c), w[2]))
			break;
	if (c == VTA_COUNTER_MAX || u64_of(w[3], &pk) || u64_of(w[4], &by)) {
		mapspec_err(ms, "stat: bad counter or number in '%s %s %s'",
			    w[2], w[3], w[4]);
		return -EINVAL;
	}
	if (ncpu <= 0)
		return -EINVAL;
	if (!legacy &&
	    (c == VTA_FWD_TO_TUNNEL || c == VTA_FWD_TO_LAN || c == VTA_TX)) {
		fd = ms->maps->fwd_stats;
		key = 0;
		fwd = buf = calloc(ncpu, sizeof(*fwd));
	} else {
		fd = ms->maps->stats;
		key = slot;
		pc = buf = calloc(ncpu, sizeof(*pc));
	}
	if (!buf)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &key, buf)) {
		err = map_err(ms, "read the counters of", w[1]);
		goto out;
	}
	/* Spread over the CPUs so the readers' per-CPU sum is exercised. */
	for (cpu = 0; cpu < ncpu; cpu++) {
		struct vta_counter_val *v = fwd ? fwd_field(&fwd[cpu], slot, c)
						: &pc[cpu].c[c];
		__u64 p = cpu == ncpu - 1 ? pk : pk / 2;
		__u64 b = cpu == ncpu - 1 ? by : by / 2;

		v->packets += p;
		v->bytes += b;
		pk -= p;
		by -= b;
	}
	if (bpf_map_update_elem(fd, &key, buf, BPF_ANY))
		err = map_err(ms, "update the counters of", w[1]);
out:
	free(buf);
	return err;
}

static int do_health(struct mapspec *ms, char **w, int n)
{
	static const struct {
		const char *key;
		size_t off;
		__u64 scale;
	} keys[] = {
#define HK(k, f, s) { k, offsetof(struct vta_health, f), s }
		HK("failures", resync_failures, 1),
		HK("msgs", msgs, 1),
		HK("bad", bad_msgs, 1),
		HK("write_errors", write_errors, 1),
		HK("last_sync_ms", last_sync_ns, 1000000),
		HK("routes", routes, 1),
		HK("groups", groups, 1),
		HK("ifaces", ifaces, 1),
		HK("peers", peers, 1),
		HK("lag_ms", renew_lag_ns, 1000000),
		HK("lag_max_ms", renew_lag_max_ns, 1000000),
		HK("pid", pid, 1),
#undef HK
	};
	struct vta_health h = { 0 };
	__u64 now = vta_mono_ns(), age = 0, v;
	unsigned int i, k, c;
	int err;

	h.started_ns = now - 60000000000ULL;
	h.pid = 1;
	for (i = 1; i + 1 < (unsigned int)n; i += 2) {
		const char *key = w[i], *a = w[i + 1];

		if (!strcmp(key, "flags")) {
			if (parse_flags(a, health_flag_names, &h.flags))
				goto bad;
			continue;
		}
		if (u64_of(a, &v))
			goto bad;
		if (!strcmp(key, "age")) {
			age = v * 1000000ULL;
			continue;
		}
		for (c = 0; c < VTA_RESYNC_MAX; c++)
			if (!strcmp(key, vta_resync_cause_name(c)))
				break;
		if (c < VTA_RESYNC_MAX) {
			h.resyncs[c] = v;
			continue;
		}
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strcmp(key, keys[k].key))
				break;
		if (k == sizeof(keys) / sizeof(keys[0]))
			goto bad;
		v *= keys[k].scale;
		if (!strcmp(key, "pid"))
			h.pid = v;
		else
			memcpy((char *)&h + keys[k].off, &v, sizeof(v));
		continue;
	bad:
		mapspec_err(ms, "health: bad '%s %s'", key, a);
		return -EINVAL;
	}
	if (i != (unsigned int)n) {
		mapspec_err(ms, "health: '%s' has no value", w[i]);
		return -EINVAL;
	}
	h.updated_ns = now - age;
	h.last_sync_end_ns = h.updated_ns;
	err = vta_health_set(ms->maps, &h);
	if (err)
		mapspec_err(ms, "update vta_health: %s", strerror(-err));
	return err;
}

static int apply_entry(struct mapspec *ms, char **w, int n)
{
	int err;

	if (!strcmp(w[0], "iface"))
		return do_iface(ms, w, n);
	if (!strcmp(w[0], "uniface"))
		return do_uniface(ms, w, n);
	if (!strcmp(w[0], "group"))
		return do_group(ms, w, n);
	if (!strcmp(w[0], "route"))
		return do_route(ms, w, n, false);
	if (!strcmp(w[0], "unroute"))
		return do_route(ms, w, n, true);
	if (!strcmp(w[0], "peer"))
		return do_peer(ms, w, n);
	if (!strcmp(w[0], "config"))
		return do_config(ms, w, n);
	if (!strcmp(w[0], "stat"))
		return do_stat(ms, w, n);
	if (!strcmp(w[0], "health"))
		return do_health(ms, w, n);
	err = ms->entry ? ms->entry(ms, w, n) : -ENOENT;
	if (err == -ENOENT)
		mapspec_err(ms, "unknown entry '%s'", w[0]);
	return err;
}

static int apply(struct mapspec *ms, char *text)
{
	char *line, *next;
	int err;

	for (ms->line = 1, line = text; line; ms->line++, line = next) {
		char *entry, *esave = NULL, *hash;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		for (entry = strtok_r(line, ";", &esave); entry;
		     entry = strtok_r(NULL, ";", &esave)) {
			char *w[MAX_WORDS], *tok, *wsave = NULL;
			int n = 0;

			for (tok = strtok_r(entry, " \t", &wsave); tok;
			     tok = strtok_r(NULL, " \t", &wsave)) {
				if (n == MAX_WORDS) {
					mapspec_err(ms, "more than %d words",
						    MAX_WORDS);
					return -E2BIG;
				}
				w[n++] = tok;
			}
			if (!n)
				continue;
			err = apply_entry(ms, w, n);
			if (err)
				return err;
		}
	}
	ms->line = 0;
	return 0;
}

int mapspec_apply(struct mapspec *ms, char *text)
{
	int err = apply(ms, text);

	fib4_writer_close(ms);
	return err;
}

int mapspec_apply_file(struct mapspec *ms, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *buf = NULL;
	size_t len = 0;
	int err = 0;

	if (!f) {
		err = -errno;
		mapspec_err(ms, "open spec %s: %s", path, strerror(errno));
		return err;
	}
	if (getdelim(&buf, &len, '\0', f) < 0 && !feof(f)) {
		err = -errno;
		mapspec_err(ms, "read spec %s: %s", path, strerror(errno));
	}
	if (f != stdin)
		fclose(f);
	if (!err && buf)
		err = mapspec_apply(ms, buf);
	free(buf);
	return err;
}

void mapspec_slots_from_map(struct mapspec *ms)
{
	__u32 key, slot, *prev = NULL;

	while (!vta_iface_next(ms->maps, prev, &key)) {
		if (!vta_iface_slot(ms->maps, key, &slot) &&
		    (int)slot > ms->n_auto_slot)
			ms->n_auto_slot = slot;
		prev = &key;
	}
}
