// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * vta_static - net-tier test tool: load the vtiaccel programs with a
 * private pin root, attach them to given interfaces and fill the maps from
 * a small static spec, in place of the daemon's route sync.  The data-path
 * tests and the forwarding benchmark use it so that they exercise the real
 * programs without depending on `vtiaccel run`.
 *
 *   vta_static [-v] -p PIN_ROOT run   [-f FILE] [LINE...]
 *	load, pin under PIN_ROOT (must be new), apply the spec, print READY,
 *	wait for SIGTERM/SIGINT, detach what it attached, unpin.
 *   vta_static [-v] -p PIN_ROOT apply [-f FILE] [LINE...]
 *	apply spec lines to the maps pinned under PIN_ROOT (no attach).
 *   vta_static -p PIN_ROOT stats [SLOT...]
 *	print "slot counter packets bytes": every non-zero counter, or every
 *	counter of the given slots.
 *
 * Interface names resolve in the current network namespace: run it under
 * `nsenter --net=/run/netns/NS` (not `ip netns exec`, whose fresh /sys
 * hides bpffs).  Spec lines (also ';'-separated within one argument):
 *
 *   iface NAME role lan|wan|tunnel [slot N] [mtu N] [mss4 N] [mss6 N]
 *	[flags up,sa_up,clear_mark,rpf_strict,clamp_in,l2,rp_filter,no_fwd4,
 *	no_fwd6,mss_fixed,mss_pmtu] [mark V[/MASK]]
 *   group ID MEMBER...   MEMBER = neigh IF [via GW] [weight W]
 *			       | tunnel IF [weight W]
 *   route PREFIX group ID [flags via_tunnel,gateway] [mtu N]
 *	| route PREFIX local
 *	| route PREFIX kernel;  unroute PREFIX;  uniface NAME
 *   peer LOCAL REMOTE mark V[/MASK] [flags esp,natt] [tunnel IF]
 *   config [flags LIST] [NAME] [noNAME] [lease Ns|past|off] [seed N]
 *	(NAME = forward, esp_mark, xdp_guard; keys not given keep their value)
 *   attach IF lan|tunnel|wan|xdp [native|skb]		(run only; tunnel:
 *	vta_tun_in on ingress and vta_tun_out on egress, as the daemon)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "vtiaccel.h"
#include "loader.h"
#include "fib4.h"
#include "log.h"

#define MAX_ATTACH	32
#define MAX_WORDS	64

struct attached {
	int ifindex;
	char name[IFNAMSIZ];
	bool xdp;
	bool tc_out;			/* tunnel: vta_tun_out on egress */
	bool qdisc_created;		/* tc: we created clsact */
	struct xdp_program *xprog;	/* xdp via libxdp; NULL = libbpf */
	__u32 xdp_flags;		/* xdp via libbpf */
};

struct state {
	struct vta_loader *loader;	/* run only */
	struct vta_maps maps;
	int n_auto_slot;
	int n_att;
	struct attached att[MAX_ATTACH];
};

struct flag_name {
	const char *name;
	__u32 bit;
};

#define FLAG_NAME(id, bit, name) { name, 1U << (bit) },
static const struct flag_name if_flag_names[] = {
	VTA_IF_FLAGS(FLAG_NAME) { NULL, 0 }
}, cfg_flag_names[] = {
	VTA_CFG_FLAGS(FLAG_NAME) { NULL, 0 }
}, rt_flag_names[] = {
	{ "via_tunnel", VTA_RT_F_VIA_TUNNEL },
	{ "gateway", VTA_RT_F_GATEWAY }, { NULL, 0 }
}, peer_flag_names[] = {
	{ "esp", VTA_PEER_F_ESP }, { "natt", VTA_PEER_F_NATT }, { NULL, 0 }
};

static int parse_u32(const char *s, __u32 *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > UINT32_MAX)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_flags(const char *list, const struct flag_name *tab, __u32 *out)
{
	char buf[256], *tok, *save = NULL;
	int i;

	*out = 0;
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		for (i = 0; tab[i].name; i++)
			if (!strcmp(tab[i].name, tok))
				break;
		if (!tab[i].name) {
			fprintf(stderr, "vta_static: unknown flag '%s'\n", tok);
			return -EINVAL;
		}
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
		if (parse_u32(slash + 1, mask))
			return -EINVAL;
	}
	return parse_u32(buf, mark);
}

static int ifindex_of(const char *name)
{
	int idx = if_nametoindex(name);

	if (!idx)
		fprintf(stderr, "vta_static: interface %s: %s\n", name,
			strerror(errno));
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
static int parse_addr(const char *s, __u8 out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, s, out) == 1)
		return VTA_AF_INET;
	if (inet_pton(AF_INET6, s, out) == 1)
		return VTA_AF_INET6;
	fprintf(stderr, "vta_static: bad address '%s'\n", s);
	return -EINVAL;
}

static int map_err(const char *what, const char *arg)
{
	int err = -errno;

	fprintf(stderr, "vta_static: %s %s: %s\n", what, arg, strerror(errno));
	return err;
}

static int do_iface(struct state *st, char **w, int n)
{
	struct vta_iface v = { 0 }, old;
	bool have_slot = false, have_mtu = false;
	__u32 idx, u;
	int i, mtu;

	if (n < 2 || !(idx = ifindex_of(w[1])))
		return -EINVAL;
	/* apply on an existing interface keeps what is not given */
	if (!bpf_map_lookup_elem(st->maps.ifaces, &idx, &old)) {
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
			if (parse_u32(a, &v.slot) || !v.slot ||
			    v.slot >= VTA_STATS_SLOTS)
				goto bad;
			have_slot = true;
		} else if (!strcmp(k, "mtu")) {
			if (parse_u32(a, &v.mtu))
				goto bad;
			have_mtu = true;
		} else if (!strcmp(k, "mss4") || !strcmp(k, "mss6")) {
			if (parse_u32(a, &u) || u > 65535)
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
		fprintf(stderr, "vta_static: iface %s: bad '%s %s'\n", w[1], k, a);
		return -EINVAL;
	}
	if (i != n) {
		fprintf(stderr, "vta_static: iface %s: missing value\n", w[1]);
		return -EINVAL;
	}
	if (!have_slot)
		v.slot = ++st->n_auto_slot;
	if (!have_mtu) {
		mtu = link_mtu(w[1]);
		if (mtu < 0)
			return map_err("read MTU of", w[1]);
		v.mtu = mtu;
	}
	if (bpf_map_update_elem(st->maps.ifaces, &idx, &v, BPF_ANY))
		return map_err("update vta_ifaces for", w[1]);
	return 0;
}

static int do_group(struct state *st, char **w, int n)
{
	struct vta_group g = { 0 };
	__u32 id;
	int i = 2;

	if (n < 2 || parse_u32(w[1], &id)) {
		fprintf(stderr, "vta_static: group: bad id\n");
		return -EINVAL;
	}
	while (i < n) {
		struct vta_nh *nh;
		__u32 weight = 1;

		if (g.n_paths >= VTA_MAX_PATHS || i + 1 >= n) {
			fprintf(stderr, "vta_static: group %u: bad member\n", id);
			return -EINVAL;
		}
		nh = &g.paths[g.n_paths];
		if (!strcmp(w[i], "neigh"))
			nh->kind = VTA_NH_NEIGH;
		else if (!strcmp(w[i], "tunnel"))
			nh->kind = VTA_NH_TUNNEL;
		else {
			fprintf(stderr, "vta_static: group %u: '%s' is not neigh|tunnel\n",
				id, w[i]);
			return -EINVAL;
		}
		nh->ifindex = ifindex_of(w[i + 1]);
		if (!nh->ifindex)
			return -ENODEV;
		i += 2;
		while (i + 1 < n && (!strcmp(w[i], "via") || !strcmp(w[i], "weight"))) {
			if (!strcmp(w[i], "via")) {
				int fam = parse_addr(w[i + 1], nh->gw6);

				if (fam < 0)
					return fam;
				nh->gw_family = fam;
			} else if (parse_u32(w[i + 1], &weight) || !weight ||
				   weight > 256) {
				fprintf(stderr, "vta_static: group %u: bad weight\n", id);
				return -EINVAL;
			}
			i += 2;
		}
		nh->weight = weight;
		g.total_weight += weight;
		g.n_paths++;
	}
	if (bpf_map_update_elem(st->maps.groups, &id, &g, BPF_ANY))
		return map_err("update vta_groups for group", w[1]);
	return 0;
}

/* PREFIX -> key; returns the family. */
static int parse_prefix(const char *s, struct vta_fib6_key *k6,
			struct vta_fib4_key *k4)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	__u32 plen;
	int fam;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	fam = parse_addr(buf, k6->addr);
	if (fam < 0)
		return fam;
	plen = fam == VTA_AF_INET ? 32 : 128;
	if (slash && (parse_u32(slash + 1, &plen) ||
		      plen > (fam == VTA_AF_INET ? 32U : 128U))) {
		fprintf(stderr, "vta_static: bad prefix '%s'\n", s);
		return -EINVAL;
	}
	k6->prefixlen = plen;
	k4->prefixlen = plen;
	memcpy(&k4->addr, k6->addr, 4);
	return fam;
}

static int do_route(struct state *st, char **w, int n, bool del)
{
	struct vta_fib6_key k6;
	struct vta_fib4_key k4;
	struct vta_route r = { .type = VTA_RT_UNICAST };
	__u32 u;
	int fam, fd, i, err;

	if (n < 2)
		return -EINVAL;
	fam = parse_prefix(w[1], &k6, &k4);
	if (fam < 0)
		return fam;
	fd = fam == VTA_AF_INET ? st->maps.fib4 : st->maps.fib6;
	if (del) {
		err = bpf_map_delete_elem(fd, fam == VTA_AF_INET ? (void *)&k4 : (void *)&k6);
		return err && errno != ENOENT ? map_err("delete route", w[1]) : 0;
	}
	for (i = 2; i < n; i++) {
		if (!strcmp(w[i], "local")) {
			r.type = VTA_RT_LOCAL;
		} else if (!strcmp(w[i], "kernel")) {
			r.type = VTA_RT_KERNEL;
		} else if (!strcmp(w[i], "group") && i + 1 < n &&
			   !parse_u32(w[i + 1], &u)) {
			r.group_id = u;
			i++;
		} else if (!strcmp(w[i], "flags") && i + 1 < n &&
			   !parse_flags(w[i + 1], rt_flag_names, &u)) {
			r.flags = u;
			i++;
		} else if (!strcmp(w[i], "mtu") && i + 1 < n &&
			   !parse_u32(w[i + 1], &u) && u <= 0xffff) {
			r.mtu = u;
			i++;
		} else {
			fprintf(stderr, "vta_static: route %s: bad '%s'\n", w[1], w[i]);
			return -EINVAL;
		}
	}
	if (bpf_map_update_elem(fd, fam == VTA_AF_INET ? (void *)&k4 : (void *)&k6,
				&r, BPF_ANY))
		return map_err("update route", w[1]);
	return 0;
}

/* uniface NAME: the interface leaves vta_ifaces (as before the daemon
 * has seen it). */
static int do_uniface(struct state *st, char **w, int n)
{
	__u32 idx;

	if (n < 2 || !(idx = ifindex_of(w[1])))
		return -EINVAL;
	if (bpf_map_delete_elem(st->maps.ifaces, &idx) && errno != ENOENT)
		return map_err("delete iface", w[1]);
	return 0;
}

static int do_peer(struct state *st, char **w, int n)
{
	struct vta_peer_key k = { 0 };
	struct vta_peer v = { 0 };
	int fam, fam2, i;

	if (n < 3)
		return -EINVAL;
	fam = parse_addr(w[1], k.local);
	fam2 = parse_addr(w[2], k.peer);
	if (fam < 0 || fam2 != fam) {
		fprintf(stderr, "vta_static: peer: bad or mixed addresses\n");
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
			v.tunnel_ifindex = ifindex_of(w[i + 1]);
			if (!v.tunnel_ifindex)
				return -ENODEV;
		} else {
			goto bad;
		}
	}
	if (i != n)
		goto bad;
	if (bpf_map_update_elem(st->maps.peers, &k, &v, BPF_ANY))
		return map_err("update vta_peers for", w[2]);
	return 0;
bad:
	fprintf(stderr, "vta_static: peer %s %s: bad arguments\n", w[1], w[2]);
	return -EINVAL;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int do_config(struct state *st, char **w, int n)
{
	struct vta_config c;
	int i, j, err;

	err = vta_config_get(&st->maps, &c);
	if (err) {
		fprintf(stderr, "vta_static: read vta_config: %s\n", strerror(-err));
		return err;
	}
	for (i = 1; i < n; i++) {
		const char *k = w[i], *a = i + 1 < n ? w[i + 1] : NULL;

		if (!strcmp(k, "flags") && a) {
			if (parse_flags(a, cfg_flag_names, &c.flags))
				goto bad;
			i++;
		} else if (!strcmp(k, "seed") && a) {
			if (parse_u32(a, &c.hash_seed))
				goto bad;
			i++;
		} else if (!strcmp(k, "lease") && a) {
			char *end;
			double s;

			if (!strcmp(a, "off")) {
				c.lease_deadline_ns = 0;
			} else if (!strcmp(a, "past")) {
				/* non-zero (checked) and long gone */
				c.lease_deadline_ns = 1;
			} else {
				s = strtod(a, &end);
				if (end == a || (*end && strcmp(end, "s")) || s <= 0)
					goto bad;
				c.lease_deadline_ns = now_ns() + (__u64)(s * 1e9);
			}
			i++;
		} else {
			bool clear = !strncmp(k, "no", 2);

			for (j = 0; cfg_flag_names[j].name; j++)
				if (!strcmp(cfg_flag_names[j].name, clear ? k + 2 : k))
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
		fprintf(stderr, "vta_static: config: bad '%s'\n", k);
		return -EINVAL;
	}
	err = vta_config_set(&st->maps, &c);
	if (err)
		fprintf(stderr, "vta_static: update vta_config: %s\n", strerror(-err));
	return err;
}

static int attach_xdp(struct state *st, struct attached *a, bool skb)
{
	int fd = vta_loader_prog_fd(st->loader, VTA_PROG_XDP_LAN);
	enum xdp_attach_mode mode = skb ? XDP_MODE_SKB : XDP_MODE_NATIVE;
	struct xdp_program *xp;
	int err;

	/* libxdp first (the product's way: a dispatcher that coexists with
	 * other XDP users); it cannot always wrap an already loaded program,
	 * so fall back to a plain libbpf attach rather than not testing. */
	xp = xdp_program__from_fd(fd);
	if (!libxdp_get_error(xp)) {
		err = xdp_program__attach(xp, a->ifindex, mode, 0);
		if (!err) {
			a->xprog = xp;
			return 0;
		}
		xdp_program__close(xp);
		fprintf(stderr, "vta_static: libxdp attach on %s: %s; trying libbpf\n",
			a->name, strerror(-err));
	}
	a->xdp_flags = (skb ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE) |
		       XDP_FLAGS_UPDATE_IF_NOEXIST;
	err = bpf_xdp_attach(a->ifindex, fd, a->xdp_flags, NULL);
	if (err)
		fprintf(stderr, "vta_static: attach XDP (%s) on %s: %s\n",
			skb ? "skb" : "native", a->name, strerror(-err));
	return err;
}

static int do_attach(struct state *st, char **w, int n)
{
	struct attached *a;
	enum vta_prog p;
	int err;

	if (!st->loader) {
		fprintf(stderr, "vta_static: attach only in run mode\n");
		return -EINVAL;
	}
	if (n < 3 || st->n_att >= MAX_ATTACH)
		return -EINVAL;
	a = &st->att[st->n_att];
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", w[1]);
	a->ifindex = ifindex_of(w[1]);
	if (!a->ifindex)
		return -ENODEV;
	if (!strcmp(w[2], "xdp")) {
		a->xdp = true;
		err = attach_xdp(st, a, n > 3 && !strcmp(w[3], "skb"));
		if (err)
			return err;
		st->n_att++;
		return 0;
	}
	if (!strcmp(w[2], "lan"))
		p = VTA_PROG_LAN;
	else if (!strcmp(w[2], "tunnel"))
		p = VTA_PROG_TUNNEL;
	else if (!strcmp(w[2], "wan"))
		p = VTA_PROG_WAN;
	else
		return -EINVAL;
	err = vta_tc_attach(a->ifindex, vta_loader_prog_fd(st->loader, p),
			    &a->qdisc_created);
	if (err) {
		fprintf(stderr, "vta_static: attach tc ingress on %s: %s\n",
			w[1], strerror(-err));
		return err;
	}
	st->n_att++;
	/* as the daemon: the MSS clamp on the tunnel's egress too */
	if (p == VTA_PROG_TUNNEL) {
		bool created;

		err = vta_tc_attach_egress(a->ifindex,
					   vta_loader_prog_fd(st->loader, VTA_PROG_TUN_OUT),
					   &created);
		if (err) {
			fprintf(stderr, "vta_static: attach tc egress on %s: %s\n",
				w[1], strerror(-err));
			return err;
		}
		a->tc_out = true;
	}
	return 0;
}

static void detach_all(struct state *st)
{
	int i, err;

	for (i = st->n_att - 1; i >= 0; i--) {
		struct attached *a = &st->att[i];

		if (a->xdp && a->xprog) {
			err = xdp_program__detach(a->xprog, a->ifindex,
						  XDP_MODE_UNSPEC, 0);
			xdp_program__close(a->xprog);
		} else if (a->xdp) {
			err = bpf_xdp_detach(a->ifindex,
					     a->xdp_flags & ~XDP_FLAGS_UPDATE_IF_NOEXIST,
					     NULL);
		} else {
			if (a->tc_out)
				vta_tc_detach_egress(a->ifindex);
			err = vta_tc_detach(a->ifindex, a->qdisc_created);
		}
		/* the interface may be gone already (namespace torn down) */
		if (err && err != -ENODEV && err != -ENOENT)
			fprintf(stderr, "vta_static: detach from %s: %s\n",
				a->name, strerror(-err));
	}
	st->n_att = 0;
}

/* Split on blanks; ';' ends a line.  Runs each complete line. */
static int apply_text(struct state *st, char *text)
{
	char *line, *save = NULL;
	int err;

	for (line = strtok_r(text, ";\n", &save); line;
	     line = strtok_r(NULL, ";\n", &save)) {
		char *w[MAX_WORDS], *tok, *s2 = NULL, *hash;
		int n = 0;

		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		for (tok = strtok_r(line, " \t", &s2); tok && n < MAX_WORDS;
		     tok = strtok_r(NULL, " \t", &s2))
			w[n++] = tok;
		if (!n)
			continue;
		if (!strcmp(w[0], "iface"))
			err = do_iface(st, w, n);
		else if (!strcmp(w[0], "group"))
			err = do_group(st, w, n);
		else if (!strcmp(w[0], "route"))
			err = do_route(st, w, n, false);
		else if (!strcmp(w[0], "unroute"))
			err = do_route(st, w, n, true);
		else if (!strcmp(w[0], "uniface"))
			err = do_uniface(st, w, n);
		else if (!strcmp(w[0], "peer"))
			err = do_peer(st, w, n);
		else if (!strcmp(w[0], "config"))
			err = do_config(st, w, n);
		else if (!strcmp(w[0], "attach"))
			err = do_attach(st, w, n);
		else {
			fprintf(stderr, "vta_static: unknown spec line '%s'\n", w[0]);
			err = -EINVAL;
		}
		if (err)
			return err;
	}
	return 0;
}

static int apply_args1(struct state *st, const char *file, int argc,
		       char **argv);

/* The programs read the IPv4 tables: written anew from vta_fib4 after
 * the spec (this tool keeps no writer state between runs). */
static int apply_args(struct state *st, const char *file, int argc, char **argv)
{
	int err = apply_args1(st, file, argc, argv), e2;

	e2 = vta_fib4_rebuild(&st->maps);
	if (e2)
		fprintf(stderr, "vta_static: write the IPv4 FIB tables: %s\n",
			strerror(-e2));
	return err ? err : e2;
}

static int apply_args1(struct state *st, const char *file, int argc,
		       char **argv)
{
	char *buf = NULL;
	size_t len = 0;
	int i, err;

	if (file) {
		FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;

		if (!f)
			return map_err("open spec", file);
		if (getdelim(&buf, &len, '\0', f) < 0 && !feof(f)) {
			err = -errno;
			fclose(f);
			return err;
		}
		if (f != stdin)
			fclose(f);
		err = buf ? apply_text(st, buf) : 0;
		free(buf);
		if (err)
			return err;
	}
	for (i = 0; i < argc; i++) {
		char *copy = strdup(argv[i]);

		if (!copy)
			return -ENOMEM;
		err = apply_text(st, copy);
		free(copy);
		if (err)
			return err;
	}
	return 0;
}

/* Every map the loader pins (vta_map_name(): the list cannot drift). */
static void unpin(const char *pin_root)
{
	char path[PATH_MAX];
	unsigned int i;

	for (i = 0; vta_map_name(i); i++) {
		snprintf(path, sizeof(path), "%s/%s", pin_root, vta_map_name(i));
		unlink(path);
	}
	rmdir(pin_root);
}

static int cmd_run_static(const char *pin_root, const char *file, int argc,
			  char **argv)
{
	struct state st = { 0 };
	struct vta_config c = { 0 };
	char path[PATH_MAX];
	sigset_t set;
	int err, sig;

	snprintf(path, sizeof(path), "%s/%s", pin_root, VTA_MAP_NAME(config));
	if (!access(path, F_OK)) {
		fprintf(stderr, "vta_static: %s is in use (maps pinned there)\n",
			pin_root);
		return 1;
	}
	/* Signals are taken synchronously with sigwait(); block them before
	 * anything is attached so a SIGTERM never skips the detach. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);

	err = vta_loader_open(&st.loader, pin_root);
	if (err) {
		fprintf(stderr, "vta_static: load programs: %s\n", strerror(-err));
		unpin(pin_root);
		return 1;
	}
	vta_loader_maps(st.loader, &st.maps);
	/* Forwarding on, far lease: a spec may override either. */
	c.flags = VTA_CFG_F_FORWARD;
	c.lease_deadline_ns = now_ns() + 86400ULL * 1000000000ULL;
	c.hash_seed = 1;
	err = vta_config_set(&st.maps, &c);
	if (!err)
		err = apply_args(&st, file, argc, argv);
	if (err) {
		detach_all(&st);
		vta_loader_close(st.loader);
		unpin(pin_root);
		return 1;
	}
	printf("READY\n");
	fflush(stdout);
	do {
		if (sigwait(&set, &sig))
			break;
	} while (sig == SIGHUP);
	detach_all(&st);
	vta_loader_close(st.loader);
	unpin(pin_root);
	return 0;
}

/* New interfaces get slots after the ones already in the map. */
static int max_slot(const struct vta_maps *m)
{
	__u32 key, *prev = NULL;
	struct vta_iface v;
	int max = 0;

	while (!bpf_map_get_next_key(m->ifaces, prev, &key)) {
		if (!bpf_map_lookup_elem(m->ifaces, &key, &v) && (int)v.slot > max)
			max = v.slot;
		prev = &key;
	}
	return max;
}

static int cmd_apply(const char *pin_root, const char *file, int argc, char **argv)
{
	struct state st = { 0 };
	int err;

	err = vta_maps_open_pinned(&st.maps, pin_root);
	if (err) {
		fprintf(stderr, "vta_static: open maps under %s: %s\n", pin_root,
			strerror(-err));
		return 1;
	}
	st.n_auto_slot = max_slot(&st.maps);
	err = apply_args(&st, file, argc, argv);
	vta_maps_close(&st.maps);
	return err ? 1 : 0;
}

static int cmd_stats(const char *pin_root, int argc, char **argv)
{
	struct vta_maps m;
	struct vta_stats s;
	__u32 slot, first = 0, last = VTA_STATS_SLOTS - 1;
	int i, c, err;

	err = vta_maps_open_pinned(&m, pin_root);
	if (err) {
		fprintf(stderr, "vta_static: open maps under %s: %s\n", pin_root,
			strerror(-err));
		return 1;
	}
	for (i = 0; i < (argc ? argc : 1); i++) {
		if (argc) {
			if (parse_u32(argv[i], &first) || first >= VTA_STATS_SLOTS) {
				fprintf(stderr, "vta_static: bad slot '%s'\n", argv[i]);
				vta_maps_close(&m);
				return 1;
			}
			last = first;
		}
		for (slot = first; slot <= last; slot++) {
			err = vta_stats_read(&m, slot, &s);
			if (err) {
				fprintf(stderr, "vta_static: read vta_stats slot %u: %s\n",
					slot, strerror(-err));
				vta_maps_close(&m);
				return 1;
			}
			for (c = 0; c < VTA_COUNTER_MAX; c++)
				if (argc || s.c[c].packets || s.c[c].bytes)
					printf("%u %s %llu %llu\n", slot,
					       vta_counter_name(c),
					       (unsigned long long)s.c[c].packets,
					       (unsigned long long)s.c[c].bytes);
		}
	}
	vta_maps_close(&m);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: vta_static [-v] -p PIN_ROOT run   [-f FILE] [LINE...]\n"
		"       vta_static [-v] -p PIN_ROOT apply [-f FILE] [LINE...]\n"
		"       vta_static -p PIN_ROOT stats [SLOT...]\n"
		"(spec syntax: see the comment at the top of tests/net/vta_static.c)\n");
}

int main(int argc, char **argv)
{
	const char *pin_root = NULL, *file = NULL, *cmd;
	int opt;

	while ((opt = getopt(argc, argv, "+vp:h")) != -1) {
		switch (opt) {
		case 'v':
			vta_log_level++;
			break;
		case 'p':
			pin_root = optarg;
			break;
		default:
			usage();
			return 2;
		}
	}
	if (!pin_root || optind >= argc) {
		usage();
		return 2;
	}
	vta_log_setup_libbpf();
	cmd = argv[optind];
	argc -= optind + 1;
	argv += optind + 1;
	if (argc >= 2 && !strcmp(argv[0], "-f")) {
		file = argv[1];
		argc -= 2;
		argv += 2;
	}
	if (!strcmp(cmd, "run"))
		return cmd_run_static(pin_root, file, argc, argv);
	if (!strcmp(cmd, "apply"))
		return cmd_apply(pin_root, file, argc, argv);
	if (!strcmp(cmd, "stats"))
		return cmd_stats(pin_root, argc, argv);
	usage();
	return 2;
}
