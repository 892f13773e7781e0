// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * run.c - `vtiaccel run`: load, pin, attach, mirror the kernel's routes
 * into the maps, renew the lease; SIGTERM/SIGINT detach and unpin.
 *
 * One thread, one epoll loop: the rtnetlink and XFRM event sockets, a
 * timerfd for the lease and a signalfd.  An event-socket overrun
 * (ENOBUFS) means events were lost: a full resync (mark and sweep)
 * follows, as does SIGHUP.  A link going down is modelled by the sync
 * (docs/datapath-notes.md); it asks for a resync only where the model
 * cannot know the kernel's answer.
 */
#include <net/if.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <bpf/bpf.h>
#include <libmnl/libmnl.h>

#include "attach.h"
#include "cli.h"
#include "cmd.h"
#include "conf.h"
#include "liveness.h"
#include "loader.h"
#include "log.h"
#include "netlink.h"
#include "print.h"
#include "run.h"
#include "sdnotify.h"
#include "sync.h"

/* ---------------------------------------------------------------- */
/* flags                                                              */

int vta_run_parse_flags(int argc, char **argv, struct vta_conf *c,
			struct vta_run_extra *x)
{
	char err[512];
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		char name[64], *eq;

		if (!strcmp(a, "-j") || !strcmp(a, "--json")) {
			/* errors from here on as JSON too */
			x->json = true;
			vta_print_init(true, false);
			continue;
		}
		if (strncmp(a, "--", 2)) {
			vta_print_error("%s: unexpected argument '%s'", argv[0], a);
			return -EINVAL;
		}
		snprintf(name, sizeof(name), "%s", a + 2);
		if ((eq = strchr(name, '='))) {
			*eq = '\0';
			val = a + 2 + (eq - name) + 1;
		}
		/* switches of this command (not configuration keys) */
		if (!strcmp(name, "foreground"))
			continue;
		if (!strcmp(name, "no-xdp")) {
			c->xdp = false;
			continue;
		}
		if (!strcmp(name, "no-sa-aware")) {
			x->no_sa_aware = true;
			continue;
		}
		if (!strcmp(name, "set-mss")) {
			if (!val && i + 1 < argc)
				val = argv[++i];
			if (!val || vta_conf_set_flag(c, "mss-mode", "fixed", err,
						      sizeof(err)) ||
			    vta_conf_set_flag(c, "mss", val, err, sizeof(err))) {
				vta_print_error("%s: --set-mss: %s", argv[0],
						val ? err : "needs a value");
				return -EINVAL;
			}
			continue;
		}
		/* Every configuration key is a flag with a value; a flag
		 * given without one (--esp-mark) is a yes. */
		if (!val) {
			if (i + 1 < argc && strncmp(argv[i + 1], "--", 2))
				val = argv[++i];
			else
				val = "yes";
		}
		if (vta_conf_set_flag(c, name, val, err, sizeof(err))) {
			vta_print_error("%s: %s", argv[0], err);
			return -EINVAL;
		}
	}
	if (vta_conf_check(c, err, sizeof(err))) {
		vta_print_error("%s: %s", argv[0], err);
		return -EINVAL;
	}
	return 0;
}

/* ---------------------------------------------------------------- */
/* daemon                                                             */

struct daemon {
	const struct vta_conf *c;
	struct vta_loader *l;
	struct vta_maps maps;
	struct vta_nl nl;
	struct vta_sync *s;
	struct vta_attach *att;
	struct vta_live *live;
	uint64_t next_renew;
	struct vta_config cfg;
	unsigned long evmsgs;
};

static void lease_renew(struct daemon *d)
{
	uint64_t now = vta_mono_ns();
	int err;

	d->cfg.lease_deadline_ns = now + (uint64_t)d->c->lease_ms * 1000000ULL;
	err = vta_config_set(&d->maps, &d->cfg);
	if (err)
		pr_warn("renew lease: %s\n", strerror(-err));
	d->next_renew = now + (uint64_t)d->c->renew_ms * 1000000ULL;
}

/* Long resyncs and event storms must not let the lease run out. */
static void lease_maybe(struct daemon *d)
{
	if (vta_mono_ns() >= d->next_renew)
		lease_renew(d);
}

static void hook_added(void *ctx, int ifindex, const char *name,
		       enum vta_role role)
{
	struct daemon *d = ctx;

	vta_attach_iface(d->att, ifindex, name, role);
	if (role == VTA_ROLE_TUNNEL)
		vta_live_link(d->live, ifindex, name, true);
}

static void hook_removed(void *ctx, int ifindex, const char *name,
			 enum vta_role role, bool gone)
{
	struct daemon *d = ctx;

	vta_attach_remove(d->att, ifindex, gone);
	if (role == VTA_ROLE_TUNNEL)
		vta_live_link(d->live, ifindex, name, false);
}

static void hook_tick(void *ctx)
{
	lease_maybe(ctx);
}

static int ev_cb(const struct nlmsghdr *nlh, void *data)
{
	struct daemon *d = data;

	vta_sync_rtnl_msg(d->s, nlh);
	if (!(++d->evmsgs & 1023))
		lease_maybe(d);
	return 0;
}

static int xev_cb(const struct nlmsghdr *nlh, void *data)
{
	struct daemon *d = data;

	vta_sync_xfrm_msg(d->s, nlh);
	return 0;
}

static int resync(struct daemon *d, const char *why)
{
	struct vta_sync_counts c;
	uint64_t t0 = vta_mono_ns();
	int err;

	lease_maybe(d);
	err = vta_sync_full(d->s, &d->nl);
	lease_maybe(d);
	vta_sync_get_counts(d->s, &c);
	pr_info("sync done (%s): %lu routes, %lu groups, %lu interfaces, "
		"%lu peers in %.1f ms\n", why, c.routes, c.groups, c.ifaces,
		c.peers, (vta_mono_ns() - t0) / 1e6);
	return err;
}

/* Empty the route, group, interface and peer maps: reused pins may hold
 * what a crashed daemon left.  Until the first sync the programs find no
 * route and pass everything to the kernel. */
static void maps_clear(const struct vta_maps *m)
{
	int fds[] = { m->fib4, m->fib6, m->groups, m->ifaces, m->peers };
	char key[64], next[64];
	size_t i;

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		while (!bpf_map_get_next_key(fds[i], NULL, next)) {
			memcpy(key, next, sizeof(key));
			if (bpf_map_delete_elem(fds[i], key))
				break;
		}
}

static int pin_progs(struct daemon *d, bool pin)
{
	char path[PATH_MAX + 64];
	int p, err = 0;

	snprintf(path, sizeof(path), "%s/progs", d->c->pin_root);
	if (pin)
		mkdir(path, 0700);
	for (p = 0; p < VTA_PROG_MAX; p++) {
		snprintf(path, sizeof(path), "%s/progs/%s", d->c->pin_root,
			 vta_prog_name(p));
		unlink(path);
		if (pin && bpf_obj_pin(vta_loader_prog_fd(d->l, p), path)) {
			err = -errno;
			pr_warn("pin %s: %s\n", path, strerror(errno));
		}
	}
	if (!pin) {
		snprintf(path, sizeof(path), "%s/progs", d->c->pin_root);
		rmdir(path);
	}
	return err;
}

static void unpin_all(struct daemon *d)
{
	char path[PATH_MAX + 64];
	unsigned int i;

	pin_progs(d, false);
	for (i = 0; vta_map_name(i); i++) {
		snprintf(path, sizeof(path), "%s/%s", d->c->pin_root,
			 vta_map_name(i));
		unlink(path);
	}
	rmdir(d->c->pin_root);	/* only when empty */
}

/*
 * Pins this build cannot reuse (another map layout) were left by a
 * vtiaccel of another version that died without `vtiaccel detach` (kill
 * -9, then an upgrade and a restart at boot).  We hold the pin root's
 * lock, so no live daemon uses them: take the programs that use the pinned
 * maps off the interfaces (ours only: by name and map id, the same code as
 * `vtiaccel detach`), unpin everything under the root and start clean.
 * Loading over them would fail with EINVAL until an operator ran detach.
 */
static int replace_stale_pins(const char *root)
{
	__u32 ids[16] = { 0 };
	int n, k, err;

	n = vta_pins_incompatible(root, "replacing it");
	if (n < 0)	/* cannot tell: the load says what is wrong, if anything */
		pr_warn("check the pins under %s: %s\n", root, strerror(-n));
	if (n <= 0)
		return 0;
	vta_pins_map_ids(root, ids, 16);
	err = vta_detach_stale(ids, 16, &k);
	if (err)
		pr_warn("%s: detach the programs of the old pins: %s\n", root,
			strerror(-err));
	err = vta_pins_remove(root, true, &n);
	if (err) {
		pr_warn("remove the old pins under %s: %s\n", root, strerror(-err));
		return err;
	}
	pr_info("%s: replaced the pins of another vtiaccel version: %d programs detached, %d pins removed\n",
		root, k, n);
	return 0;
}

static int add_fd(int ep, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

int vta_run(const struct vta_conf *c)
{
	return vta_run_ex(c, NULL);
}

int vta_run_ex(const struct vta_conf *c, const struct vta_run_extra *x)
{
	struct daemon d = { .c = c };
	struct vta_sync_out out;
	struct vta_sync_hooks hooks = { &d, hook_added, hook_removed, hook_tick };
	struct itimerspec its = { 0 };
	uint64_t t0;
	sigset_t mask;
	int ep = -1, sfd = -1, tfd = -1, lock_fd = -1, err, ret = 1;
	bool stop = false;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

	/* One daemon per pin root: a second one would clear the maps of
	 * the first.  The lock goes with the process, also on kill -9. */
	err = vta_bpffs_prepare(c->pin_root);
	if (!err) {
		lock_fd = open(c->pin_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB)) {
			pr_warn("%s: %s\n", c->pin_root, errno == EWOULDBLOCK ?
				"another vtiaccel run uses this pin root" :
				strerror(errno));
			goto out;
		}
	}
	if (!err)
		err = replace_stale_pins(c->pin_root);
	if (err)
		goto out;
	/* Say so: the maps are pinned (empty) before the verifier runs,
	 * which takes seconds on small machines and tens under emulation;
	 * a silent log would look like a daemon that is up with no routes. */
	pr_info("loading BPF programs (pin root %s)\n", c->pin_root);
	t0 = vta_mono_ns();
	err = vta_loader_open(&d.l, c->pin_root);
	if (err) {
		pr_warn("load BPF programs (pin root %s): %s\n", c->pin_root,
			strerror(-err));
		goto out;
	}
	pr_info("BPF programs loaded in %.1f ms\n", (vta_mono_ns() - t0) / 1e6);
	vta_loader_maps(d.l, &d.maps);
	pin_progs(&d, true);
	maps_clear(&d.maps);

	d.cfg.hash_seed = c->hash_seed;
	if (!d.cfg.hash_seed && getrandom(&d.cfg.hash_seed, 4, 0) != 4)
		d.cfg.hash_seed = (uint32_t)vta_mono_ns() ^ getpid();
	d.cfg.flags = VTA_CFG_F_FORWARD;
	if (c->esp_mark)
		d.cfg.flags |= VTA_CFG_F_ESP_MARK;
	if (c->xdp_guard)
		d.cfg.flags |= VTA_CFG_F_XDP_GUARD;
	if (c->xdp)
		d.cfg.flags |= VTA_CFG_F_XDP;
	lease_renew(&d);

	err = vta_nl_open(&d.nl, true, c->nl_rcvbuf);
	if (err)
		goto out;
	/*
	 * vta_xdp_lan's only job is the guard: without it the program would
	 * pass every packet and still cost what native XDP costs (the veth
	 * peer's TSO, ENA's MTU and queues: docs/guide.md), so it is not
	 * attached at all.  xdp = no forbids it even with the guard.
	 */
	if (c->xdp && !c->xdp_guard)
		pr_info("XDP: none attached ([forward] xdp_guard = no: no XDP program has a job)\n");
	d.att = vta_attach_new(d.l, c->xdp && c->xdp_guard);
	vta_sync_out_maps(&out, &d.maps);
	d.s = vta_sync_new(c, &out, &hooks);
	if (!d.att || !d.s) {
		pr_warn("out of memory\n");
		goto out;
	}
	if (x && x->no_sa_aware)
		vta_sync_set_sa_aware(d.s, false);
	vta_sync_set_xfrm(d.s, d.nl.xev != NULL);
	d.live = vta_live_new(c, d.s, &err);
	if (err)
		pr_warn("liveness: %s: tunnels not probed\n", strerror(-err));
	vta_live_set_maps(d.live, d.maps.ifaces, d.maps.stats);
	err = resync(&d, "start");
	if (err)
		goto out;
	err = vta_sd_notify("READY=1");
	if (err < 0)	/* systemd would time the unit out, silently */
		pr_warn("notify systemd on $NOTIFY_SOCKET: %s\n", strerror(-err));

	ep = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (ep < 0 || tfd < 0 || sfd < 0) {
		pr_warn("epoll/timerfd/signalfd: %s\n", strerror(errno));
		goto out;
	}
	its.it_interval.tv_sec = c->renew_ms / 1000;
	its.it_interval.tv_nsec = (c->renew_ms % 1000) * 1000000L;
	its.it_value = its.it_interval;
	timerfd_settime(tfd, 0, &its, NULL);
	if (add_fd(ep, mnl_socket_get_fd(d.nl.ev)) || add_fd(ep, tfd) ||
	    add_fd(ep, sfd) ||
	    (d.nl.xev && add_fd(ep, mnl_socket_get_fd(d.nl.xev)))) {
		pr_warn("epoll_ctl: %s\n", strerror(errno));
		goto out;
	}
	err = vta_live_start(d.live, ep);
	if (err)
		pr_warn("liveness: timer: %s\n", strerror(-err));

	while (!stop) {
		struct epoll_event evs[8];
		int n, i;

		n = epoll_wait(ep, evs, 8, -1);
		if (n < 0 && errno != EINTR) {
			pr_warn("epoll_wait: %s\n", strerror(errno));
			break;
		}
		for (i = 0; i < n; i++) {
			int fd = evs[i].data.fd;

			if (fd == sfd) {
				struct signalfd_siginfo si;

				if (read(sfd, &si, sizeof(si)) != sizeof(si))
					continue;
				if (si.ssi_signo == SIGHUP) {
					/* an operator's "look again", also at
					 * XDP refused before (MTU lowered) */
					resync(&d, "SIGHUP");
					vta_attach_retry_xdp(d.att);
					continue;
				}
				pr_info("signal %u: shutting down\n", si.ssi_signo);
				stop = true;
			} else if (fd == tfd) {
				uint64_t exp;

				if (read(tfd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
					pr_debug("timerfd: %s\n", strerror(errno));
				lease_renew(&d);
			} else if (fd == mnl_socket_get_fd(d.nl.ev)) {
				err = vta_nl_read_events(d.nl.ev, ev_cb, &d);
				if (err == -ENOBUFS) {
					pr_info("netlink overrun: resync\n");
					vta_nl_drain(d.nl.ev);
					resync(&d, "overrun");
				} else if (err) {
					pr_warn("read netlink events: %s\n",
						strerror(-err));
				}
			} else if (d.nl.xev && fd == mnl_socket_get_fd(d.nl.xev)) {
				err = vta_nl_read_events(d.nl.xev, xev_cb, &d);
				if (err == -ENOBUFS) {
					pr_info("XFRM netlink overrun: resync\n");
					vta_nl_drain(d.nl.xev);
					resync(&d, "xfrm overrun");
				} else if (err) {
					pr_warn("read XFRM netlink events: %s\n",
						strerror(-err));
				}
			} else {
				vta_live_handle(d.live, fd);
			}
		}
		if (!stop && vta_sync_want_resync(d.s))
			resync(&d, "sync model fallback");
	}
	ret = 0;
out:
	vta_attach_free(d.att);	/* detach before the maps go */
	vta_live_free(d.live);
	d.live = NULL;
	vta_sync_free(d.s);
	vta_nl_close(&d.nl);
	if (d.l) {
		unpin_all(&d);
		vta_loader_close(d.l);
	}
	if (ep >= 0)
		close(ep);
	if (tfd >= 0)
		close(tfd);
	if (sfd >= 0)
		close(sfd);
	if (lock_fd >= 0)
		close(lock_fd);
	sigprocmask(SIG_UNBLOCK, &mask, NULL);
	return ret;
}

int vta_run_conf(int argc, char **argv, struct vta_conf *c,
		 struct vta_run_extra *x)
{
	*c = vta_conf;
	memset(x, 0, sizeof(*x));
	if (vta_g.pin_root)
		snprintf(c->pin_root, sizeof(c->pin_root), "%s", vta_g.pin_root);
	return vta_run_parse_flags(argc, argv, c, x);
}

int cmd_run(int argc, char **argv)
{
	struct vta_conf c;
	struct vta_run_extra x;

	if (vta_run_conf(argc, argv, &c, &x))
		return 2;
	if (vta_log_level < VTA_LOG_INFO)
		vta_log_level = VTA_LOG_INFO;	/* a daemon says what it does */
	return vta_run_ex(&c, &x);
}
