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
 * hides bpffs).  Spec lines (also ';'-separated within one argument): the
 * net tier's map spec (tests/net/lib/mapspec.h), and
 *
 *   attach IF lan|tunnel|wan|xdp [native|skb]		(run only; tunnel:
 *	vta_tun_in on ingress and vta_tun_out on egress, as the daemon)
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "vtiaccel.h"
#include "cli.h"
#include "loader.h"
#include "log.h"
#include "lib/mapspec.h"

#define MAX_ATTACH	32

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
	struct mapspec ms;
	int n_att;
	struct attached att[MAX_ATTACH];
};

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

static int do_attach(struct mapspec *ms, char **w, int n)
{
	struct state *st = ms->priv;
	struct attached *a;
	enum vta_prog p;
	int err;

	if (strcmp(w[0], "attach"))
		return -ENOENT;
	if (!st->loader) {
		fprintf(stderr, "vta_static: attach only in run mode\n");
		return -EINVAL;
	}
	if (n < 3 || st->n_att >= MAX_ATTACH)
		return -EINVAL;
	a = &st->att[st->n_att];
	memset(a, 0, sizeof(*a));
	snprintf(a->name, sizeof(a->name), "%s", w[1]);
	a->ifindex = mapspec_ifindex(ms, w[1]);
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
	err = mapspec_tc_prog(ms, w[2], &p);
	if (err)
		return err;
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

static int apply_args(struct state *st, const char *file, int argc, char **argv)
{
	int i, err;

	st->ms.prog = "vta_static";
	st->ms.maps = &st->maps;
	st->ms.entry = do_attach;
	st->ms.priv = st;
	if (file) {
		err = mapspec_apply_file(&st->ms, file);
		if (err)
			return err;
	}
	for (i = 0; i < argc; i++) {
		char *copy = strdup(argv[i]);

		if (!copy)
			return -ENOMEM;
		err = mapspec_apply(&st->ms, copy);
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
	c.lease_deadline_ns = vta_mono_ns() + 86400ULL * 1000000000ULL;
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
	st.ms.maps = &st.maps;
	mapspec_slots_from_map(&st.ms);
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
			if (mapspec_u32(argv[i], &first) || first >= VTA_STATS_SLOTS) {
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
		"(spec syntax: tests/net/lib/mapspec.h; attach: tests/net/vta_static.c)\n");
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
