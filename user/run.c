// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * run.c - `vtiaccel run`: load, pin, attach, mirror the kernel's routes
 * into the maps, renew the lease; SIGTERM/SIGINT detach and unpin all
 * but the tunnels' egress MSS clamp (vta_tun_out stays attached and
 * pinned: `vtiaccel detach` removes it).
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
#include <sys/utsname.h>
#include <bpf/bpf.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "attach.h"
#include "cli.h"
#include "cmd.h"
#include "conf.h"
#include "liveness.h"
#include "loader.h"
#include "log.h"
#include "mapwalk.h"
#include "kfeatures.h"
#include "netlink.h"
#include "print.h"
#include "run.h"
#include "sdnotify.h"
#include "pcrypt.h"
#include "spread.h"
#include "sync.h"
#include "fib4.h"
#include "ifdata.h"

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
	struct vta_fib4_view fv;	/* the IPv4 tables, mmap'ed */
	struct vta_fib4 *fib4;		/* their writer */
	struct vta_maps_out mo;
	struct vta_nl nl;
	struct vta_sync *s;
	struct vta_attach *att;
	struct vta_live *live;
	struct vta_spreader *spread;	/* [esp] spread; NULL when off */
	uint64_t next_renew;
	struct vta_config cfg;
	uint64_t last_resync;	/* start of the last resync (mono ns) */
	int sfd;		/* signalfd: SIGTERM, SIGINT, SIGHUP */
	bool stop;		/* SIGTERM/SIGINT seen */
	bool hup;		/* SIGHUP seen during a resync */
	struct vta_health h;	/* published in the vta_health map */
	uint64_t wd_ns;		/* systemd watchdog: ping every wd_ns, 0 off */
	uint64_t next_wd;
	uint64_t retry_at;	/* next retry of failed map writes */
	uint64_t retry_ns;	/* its back-off: 1 s doubling to 64 s */
	/* The maps hold a complete mirror: the first full dump is written
	 * and no resync after lost events is in flight.  The lease means
	 * this, not only "the daemon is alive" (issue 11, item 5). */
	bool current;
	/* kernel features that keep forwarding off (kfeatures.h) */
	struct vta_features feat;
	char feat_sum[2048];
	int kf_fd[3];		/* rule, nftables, XFRM policy events */
	bool kf_dirty;		/* a route went into a table a rule needs empty */
};

/*
 * Failed map writes, again.  A full map fails every retry, and a retry
 * walks the whole model (a syscall per entry still missing): back off
 * from 1 s to 64 s while they keep failing, back to 1 s once they pass.
 */
static void writes_retry(struct daemon *d)
{
	uint64_t now = vta_mono_ns();

	if (!vta_sync_write_pending(d->s) || now < d->retry_at)
		return;
	if (!vta_sync_retry(d->s)) {
		d->retry_ns = 0;
		return;
	}
	d->retry_ns = d->retry_ns ? d->retry_ns * 2 : 1000000000ULL;
	if (d->retry_ns > 64000000000ULL)
		d->retry_ns = 64000000000ULL;
	d->retry_at = now + d->retry_ns;
}

/*
 * systemd's watchdog (WatchdogSec= in the unit): WATCHDOG_USEC, for this
 * process (WATCHDOG_PID when set).  Pinged at half the interval, only
 * from the lease renewal: when the main loop (or a resync making
 * progress) stops renewing the lease, systemd stops hearing from us and
 * restarts the daemon, as sd_watchdog_enabled(3) describes.
 */
static void watchdog_setup(struct daemon *d)
{
	const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
	unsigned long long us;
	char *end;

	if (!usec || (pid && strtol(pid, NULL, 10) != getpid()))
		return;
	us = strtoull(usec, &end, 10);
	if (*end || !us) {
		pr_warn("WATCHDOG_USEC=%s: not a number of microseconds: no watchdog\n",
			usec);
		return;
	}
	d->wd_ns = us * 1000ULL / 2;
	if (d->wd_ns < (uint64_t)d->c->renew_ms * 1000000ULL)
		pr_warn("WatchdogSec (%llu ms) shorter than twice the lease renewal (%u ms): the watchdog may fire on a healthy daemon\n",
			us / 1000, d->c->renew_ms);
	pr_info("systemd watchdog: every %.1f s\n", d->wd_ns / 1e9);
}

static void watchdog_maybe(struct daemon *d, uint64_t now)
{
	if (!d->wd_ns || now < d->next_wd)
		return;
	vta_sd_notify("WATCHDOG=1");
	d->next_wd = now + d->wd_ns;
}

/* The daemon's health, for `status` and `stats --prometheus`. */
/* This thread's CPU time (user and kernel: the dump's recvmsg counts). */
static uint64_t thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void health_publish(struct daemon *d)
{
	struct vta_sync_counts c;
	int err;

	if (!d->s)
		return;
	vta_sync_get_counts(d->s, &c);
	d->h.msgs = c.msgs;
	d->h.bad_msgs = c.bad_msgs;
	d->h.write_errors = c.write_errors;
	d->h.routes = c.routes;
	d->h.groups = c.groups;
	d->h.ifaces = c.ifaces;
	d->h.peers = c.peers;
	d->h.flags = 0;
	if (vta_sync_write_pending(d->s))
		d->h.flags |= VTA_HEALTH_F_WRITES_FAILING;
	if (vta_sync_want_resync(d->s))
		d->h.flags |= VTA_HEALTH_F_STALE;
	d->h.pid = getpid();
	d->h.updated_ns = vta_mono_ns();
	err = vta_health_set(&d->maps, &d->h);
	if (err && err != -ENOENT)
		pr_debug("update the health map: %s\n", strerror(-err));
}

static void lease_renew(struct daemon *d)
{
	uint64_t now = vta_mono_ns();
	int err;

	/* how late this renewal is (a long resync, an event storm) */
	d->h.renew_lag_ns = d->next_renew && now > d->next_renew ?
			    now - d->next_renew : 0;
	if (d->h.renew_lag_ns > d->h.renew_lag_max_ns)
		d->h.renew_lag_max_ns = d->h.renew_lag_ns;
	/* Without a complete mirror the programs pass everything: a
	 * covering prefix written before the more specific route, or a
	 * route the kernel deleted while events were lost, would send
	 * packets where the kernel does not. */
	/* A prefix the IPv4 tables had no room for would be forwarded by
	 * its covering route: pass everything until a retry wrote it. */
	if (d->mo.fib4_full && d->s && !vta_sync_write_pending(d->s))
		d->mo.fib4_full = false;
	if (d->mo.fib4_full)
		pr_debug("IPv4 FIB tables full: lease withheld\n");
	d->cfg.lease_deadline_ns = d->current && !d->mo.fib4_full ?
		now + (uint64_t)d->c->lease_ms * 1000000ULL : 0;
	if (d->current)
		d->cfg.flags &= ~VTA_CFG_F_RESYNC;
	else
		d->cfg.flags |= VTA_CFG_F_RESYNC;
	err = vta_config_set(&d->maps, &d->cfg);
	/* Not withheld during a resync: vta_spread forwards nothing, the
	 * kernel receives every packet it redirects (on another CPU), so a
	 * stale mirror cannot misroute anything; only a dead daemon stops
	 * it (docs/esp-spread.md). */
	vta_spreader_lease(d->spread, now + (uint64_t)d->c->lease_ms * 1000000ULL);
	watchdog_maybe(d, now);
	if (err)
		pr_warn("renew lease: %s\n", strerror(-err));
	d->next_renew = now + (uint64_t)d->c->renew_ms * 1000000ULL;
}

/*
 * Kernel features on the forwarding path that the maps do not mirror
 * (ip rules, netfilter chains, XFRM policies): while one is in use the
 * programs pass everything (VTA_CFG_F_FORWARD off), said in the log when
 * it changes and named by `status`.  Checked before the first lease and
 * on every renewal (issue 11, item 4).
 */
/*
 * The bucket tables of the groups a previous daemon left in the pinned
 * maps seed the model's (vta_sync_seed_group()): a restart keeps every
 * flow on its tunnel.
 */
static int seed_group_cb(const void *key, const void *value, void *ctx)
{
	struct daemon *d = ctx;

	vta_sync_seed_group(d->s, value);
	return 0;
}

static void seed_groups(struct daemon *d)
{
	vta_map_walk(d->maps.groups, sizeof(uint32_t), sizeof(struct vta_group),
		     seed_group_cb, d);
}

static void kfeatures_check(struct daemon *d)
{
	char sum[sizeof(d->feat_sum)];
	int i;

	vta_features_scan(d->c, &d->feat);
	vta_features_summary(&d->feat, sum, sizeof(sum));
	if (!strcmp(sum, d->feat_sum))
		return;
	if (d->feat.n) {
		pr_warn("fast-path forwarding off: the kernel applies features to forwarded packets that vtiaccel does not mirror: %s\n",
			sum);
		d->cfg.flags &= ~VTA_CFG_F_FORWARD;
		d->cfg.flags |= VTA_CFG_F_KFEATURES;
	} else {
		if (d->feat_sum[0])
			pr_info("fast-path forwarding on: no kernel feature in its way any more\n");
		d->cfg.flags |= VTA_CFG_F_FORWARD;
		d->cfg.flags &= ~VTA_CFG_F_KFEATURES;
	}
	for (i = 0; i < d->feat.n_bypassed; i++)
		pr_warn("netfilter chain bypassed by configuration (netfilter_bypass): %s\n",
			d->feat.bypassed[i]);
	snprintf(d->feat_sum, sizeof(d->feat_sum), "%s", sum);
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
	if (role == VTA_ROLE_WAN)
		vta_spreader_attach(d->spread, ifindex, name);
}

static void hook_removed(void *ctx, int ifindex, const char *name,
			 enum vta_role role, bool gone)
{
	struct daemon *d = ctx;

	vta_attach_remove(d->att, ifindex, gone);
	if (role == VTA_ROLE_TUNNEL)
		vta_live_link(d->live, ifindex, name, false);
	if (role == VTA_ROLE_WAN)
		vta_spreader_remove(d->spread, ifindex, gone);
}

static void hook_tick(void *ctx)
{
	lease_maybe(ctx);
}

/* Read the pending signals; true once SIGTERM/SIGINT came. */
static bool signals_read(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (d->sfd >= 0 && read(d->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			d->hup = true;
			continue;
		}
		if (!d->stop)
			pr_info("signal %u: shutting down\n", si.ssi_signo);
		d->stop = true;
	}
	return d->stop;
}

/* Polled during a resync's dumps: SIGTERM stops a resync of a million
 * routes at once, well within the unit's TimeoutStopSec (a SIGKILL
 * would leave the hooks and the clsact behind). */
static bool hook_stop(void *ctx)
{
	return signals_read(ctx);
}

/* A route event for a table whose emptiness decides whether a lookup
 * rule counts (kfeatures.h): scan again after this batch of events. */
static void kf_route_event(struct daemon *d, const struct nlmsghdr *nlh)
{
	static struct vta_nl_route r;
	int i;

	if ((nlh->nlmsg_type != RTM_NEWROUTE &&
	     nlh->nlmsg_type != RTM_DELROUTE) ||
	    vta_nl_parse_route(nlh, &r))
		return;
	for (i = 0; i < d->feat.n_watch; i++)
		if (d->feat.watch_tables[i] == r.table)
			d->kf_dirty = true;
}

static int ev_cb(const struct nlmsghdr *nlh, void *data)
{
	struct daemon *d = data;

	if (d->feat.n_watch)
		kf_route_event(d, nlh);

	vta_sync_rtnl_msg(d->s, nlh);
	/* by the clock, not by a message count: one message can be slow
	 * (a nexthop used by a million routes), a burst long */
	lease_maybe(d);
	return 0;
}

static int xev_cb(const struct nlmsghdr *nlh, void *data)
{
	struct daemon *d = data;

	vta_sync_xfrm_msg(d->s, nlh);
	lease_maybe(d);
	return 0;
}

/*
 * stale: the maps may differ from the kernel until this resync is done
 * (start, lost events, a model that cannot follow): withdraw the lease
 * first, so the programs pass everything meanwhile, and give it back only
 * when the dump is written.  A SIGHUP resync starts from current maps.
 */
static int resync(struct daemon *d, enum vta_resync_cause cause, bool stale)
{
	const char *why = vta_resync_cause_name(cause);
	struct vta_sync_counts c;
	uint64_t t0 = vta_mono_ns(), t1, cpu0 = thread_cpu_ns();
	char redumps[48];
	int err;

	if (stale && d->current) {
		d->current = false;
		lease_renew(d);
		pr_info("forwarding paused until the resync (%s) is written\n",
			why);
	}
	lease_maybe(d);
	d->last_resync = t0;
	err = vta_sync_full(d->s, &d->nl);
	if (!err && !d->current) {
		d->current = true;
		lease_renew(d);
	}
	lease_maybe(d);
	if (err == -ECANCELED) {
		pr_info("sync (%s) stopped after %.1f ms\n", why,
			(vta_mono_ns() - t0) / 1e6);
		return err;
	}
	t1 = vta_mono_ns();
	if (err || vta_sync_want_resync(d->s)) {
		d->h.resync_failures++;
	} else {
		d->h.resyncs[cause]++;
		d->h.last_sync_ns = t1 - t0;
		d->h.last_sync_end_ns = t1;
	}
	vta_spreader_peers(d->spread, d->s);
	vta_sync_get_counts(d->s, &c);
	/* the CPU time too: on a shared machine the wall time is mostly
	 * waiting for a CPU (bench/sync_bench.sh compares builds with it) */
	snprintf(redumps, sizeof(redumps), ", IPv6 dumps repeated %lu",
		 c.route6_redumps);
	pr_info("sync done (%s): %lu routes, %lu groups, %lu interfaces, "
		"%lu peers in %.1f ms (%.1f ms CPU)%s\n", why, c.routes,
		c.groups, c.ifaces, c.peers, (t1 - t0) / 1e6,
		(thread_cpu_ns() - cpu0) / 1e6,
		c.route6_redumps ? redumps : "");
	health_publish(d);
	if (err)
		pr_warn("resync (%s) failed: %s; forwarding stays paused until a "
			"resync succeeds\n", why, strerror(-err));
	return err;
}

/* Empty the route, group, interface and peer maps: reused pins may hold
 * what a crashed daemon left.  Until the first sync the programs find no
 * route and pass everything to the kernel. */
static void maps_clear(const struct vta_maps *m)
{
	int fds[] = { m->fib6, m->groups, m->peers };
	char key[64], next[64];
	struct vta_ifdata *d;
	size_t i;

	d = vta_ifdata_map(m->ifdata, true);
	vta_iface_clear(m, d);
	vta_ifdata_unmap(d);

	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		while (!bpf_map_get_next_key(fds[i], NULL, next)) {
			memcpy(key, next, sizeof(key));
			if (bpf_map_delete_elem(fds[i], key))
				break;
		}
}

/* keep_clamp: leave vta_tun_out pinned (a tunnel still has it). */
static int pin_progs(struct daemon *d, bool pin, bool keep_clamp)
{
	char path[PATH_MAX + 64];
	int p, err = 0;

	snprintf(path, sizeof(path), "%s/progs", d->c->pin_root);
	if (pin)
		mkdir(path, 0700);
	for (p = 0; p < VTA_PROG_MAX; p++) {
		snprintf(path, sizeof(path), "%s/progs/%s", d->c->pin_root,
			 vta_prog_name(p));
		/* The clamp stays attached after a stop, and `vtiaccel
		 * clamp` attaches this pin to a re-created tunnel. */
		if (!pin && keep_clamp && p == VTA_PROG_TUN_OUT)
			continue;
		unlink(path);
		if (pin && bpf_obj_pin(vta_loader_prog_fd(d->l, p), path)) {
			err = -errno;
			pr_warn("pin %s: %s\n", path, strerror(errno));
		}
	}
	if (!pin) {
		snprintf(path, sizeof(path), "%s/progs", d->c->pin_root);
		rmdir(path);	/* only when empty */
	}
	return err;
}

static void unpin_all(struct daemon *d, bool keep_clamp)
{
	char path[PATH_MAX + 64];
	unsigned int i;

	pin_progs(d, false, keep_clamp);
	for (i = 0; vta_map_name(i); i++) {
		snprintf(path, sizeof(path), "%s/%s", d->c->pin_root,
			 vta_map_name(i));
		unlink(path);
	}
	/* the tcx links the clamps keep, if any (attach = tcx) */
	snprintf(path, sizeof(path), "%s/links", d->c->pin_root);
	rmdir(path);	/* only when empty */
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

/* Does process pid see the directory st is (same device and inode)? */
static bool sees_dir(pid_t pid, const char *dir, const struct stat *st)
{
	char path[PATH_MAX + 32];
	struct stat other;

	snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid, dir);
	return !stat(path, &other) && other.st_dev == st->st_dev &&
	       other.st_ino == st->st_ino;
}

/*
 * Do pins under pin_root outlive this daemon?  A tcx link lives as long
 * as its pin: on a bpffs that only the daemon's mount namespace has (the
 * one it mounts itself under `ip netns exec`, or one a wrapper mounted
 * there before exec), the links -- the MSS clamp among them -- go when
 * the daemon does, where a cls_bpf filter stays with the device.  Yes
 * when the process that started us (a shell, systemd) or PID 1 sees the
 * same directory: their mount namespace does not end with us.
 * (docs/guide.md, section 5)
 */
static bool pins_outlive_daemon(const char *pin_root)
{
	pid_t parent = getppid();
	struct stat st;

	if (stat(pin_root, &st))
		return false;
	return (parent > 1 && sees_dir(parent, pin_root, &st)) ||
	       sees_dir(1, pin_root, &st);
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
	struct daemon d = { .c = c, .kf_fd = { -1, -1, -1 } };
	bool keep_clamp, tcx, has_tcx, lasting;
	struct vta_sync_out out;
	struct vta_sync_hooks hooks = { &d, hook_added, hook_removed, hook_tick,
					hook_stop };
	struct itimerspec its = { 0 };
	uint64_t t0;
	sigset_t mask;
	int ep = -1, sfd = -1, tfd = -1, lock_fd = -1, err, ret = 1;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d.sfd = sfd;

	/* One daemon per pin root: a second one would clear the maps of
	 * the first.  The lock goes with the process, also on kill -9. */
	err = vta_bpffs_prepare(c->pin_root);
	if (!err) {
		char why[PATH_MAX + 128];

		/* An existing root is reused as it is: it must be ours. */
		err = vta_pin_root_check(c->pin_root, true, why, sizeof(why));
		if (err) {
			pr_warn("pin root %s\n", why);
			goto out;
		}
		lock_fd = vta_pin_root_lock(c->pin_root);
		if (lock_fd < 0) {
			pr_warn("%s: %s\n", c->pin_root, lock_fd == -EWOULDBLOCK ?
				"another vtiaccel run uses this pin root" :
				strerror(-lock_fd));
			goto out;
		}
	}
	/* [forward] attach: auto is tcx where the kernel has it and the
	 * links' pins outlive the daemon (neither asked for attach = tc) */
	has_tcx = c->attach != VTA_ATTACH_TC && vta_tcx_supported();
	lasting = !err && c->attach != VTA_ATTACH_TC &&
		  pins_outlive_daemon(c->pin_root);
	tcx = c->attach == VTA_ATTACH_TCX ||
	      (c->attach == VTA_ATTACH_AUTO && has_tcx && lasting);
	if (!err && c->attach == VTA_ATTACH_TCX && !has_tcx) {
		struct utsname u = {};

		uname(&u);
		pr_warn("[forward] attach = tcx: this kernel (%s) has no tcx "
			"hook (Linux 6.6 or later); use attach = tc or auto\n",
			u.release);
		err = -EOPNOTSUPP;
	}
	if (!err && c->attach == VTA_ATTACH_AUTO) {
		const char *why = "tcx links: this kernel has tcx";

		if (!has_tcx)
			why = "cls_bpf filters: this kernel has no tcx";
		else if (!tcx)
			why = "cls_bpf filters: the pin root is on a bpffs only "
			      "this daemon's mount namespace has, and tcx links "
			      "would go with it when the daemon stops, the MSS "
			      "clamp among them";
		pr_info("tc programs on %s ([forward] attach = auto)\n", why);
	}
	if (!err && c->attach == VTA_ATTACH_TCX && !lasting)
		pr_warn("[forward] attach = tcx: the pin root %s is on a bpffs "
			"only this daemon's mount namespace has: when it goes "
			"with the daemon, the tcx links go with it, the MSS clamp "
			"among them (docs/guide.md, section 5)\n",
			c->pin_root);
	if (!err)
		err = replace_stale_pins(c->pin_root);
	/* [esp] pcrypt: kernel state with no lease, applied before the
	 * programs load and left as it is at exit (the SAs that use it
	 * decrypt the same whether the daemon runs or not) */
	if (!err)
		err = vta_pcrypt_setup(&c->pcrypt);
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
	pin_progs(&d, true, false);
	maps_clear(&d.maps);
	err = vta_fib4_map(&d.fv, &d.maps, true);
	if (err) {
		pr_warn("mmap the IPv4 FIB maps (vta_fib4_l1, vta_fib4_l2, "
			"vta_fib4_rt): %s\n", strerror(-err));
		goto out;
	}
	/* what a dead daemon left; the lease is withheld until the first
	 * sync is written, so the programs pass everything meanwhile */
	memset((void *)d.fv.l1, 0, (size_t)1 << 26);
	d.fib4 = vta_fib4_new(&d.fv, 0, 0);
	if (!d.fib4) {
		pr_warn("out of memory\n");
		goto out;
	}
	/* freed blocks and route slots wait two lease ticks, as retired
	 * groups do (sync_group.c, retire()) */
	vta_fib4_set_grace(d.fib4, 2);

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
	if (vta_spread_any(c)) {
		err = vta_spreader_open(&d.spread, c);
		if (err)
			goto out;
	}
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
	vta_attach_set_wan(d.att, c->esp_mark);
	vta_attach_set_tcx(d.att, tcx, c->pin_root);
	d.mo = (struct vta_maps_out){ .maps = &d.maps, .fib4 = d.fib4 };
	d.mo.ifdata = vta_ifdata_map(d.maps.ifdata, true);
	if (!d.mo.ifdata) {
		err = -errno;
		pr_warn("mmap the interface map %s: %s\n",
		       VTA_MAP_NAME(ifdata), strerror(-err));
		goto out;
	}
	vta_sync_out_maps(&out, &d.mo);
	d.s = vta_sync_new(c, &out, &hooks);
	if (!d.att || !d.s) {
		pr_warn("out of memory\n");
		goto out;
	}
	if (x && x->no_sa_aware)
		vta_sync_set_sa_aware(d.s, false);
	d.h.started_ns = vta_mono_ns();
	health_publish(&d);	/* this daemon's, not a dead one's */
	vta_sync_set_grace(d.s, true);
	vta_sync_set_xfrm(d.s, d.nl.xev != NULL);
	d.live = vta_live_new(c, d.s, &err);
	if (err)
		pr_warn("liveness: %s: tunnels not probed\n", strerror(-err));
	vta_live_set_maps(d.live, &d.maps);
	seed_groups(&d);
	/* subscribed before the first scan: nothing falls between */
	vta_features_watch_open(d.kf_fd);
	kfeatures_check(&d);
	err = resync(&d, VTA_RESYNC_START, true);
	if (d.stop) {	/* SIGTERM during the first resync: a clean stop */
		ret = 0;
		goto out;
	}
	if (err)
		goto out;
	err = vta_sd_notify("READY=1");
	if (err < 0)	/* systemd would time the unit out, silently */
		pr_warn("notify systemd on $NOTIFY_SOCKET: %s\n", strerror(-err));
	/* Pings from here on: none before READY=1 (the lease renewed at
	 * the end of the first sync would send one otherwise). */
	watchdog_setup(&d);

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
	    (d.nl.xev && add_fd(ep, mnl_socket_get_fd(d.nl.xev))) ||
	    (d.kf_fd[0] >= 0 && add_fd(ep, d.kf_fd[0])) ||
	    (d.kf_fd[1] >= 0 && add_fd(ep, d.kf_fd[1])) ||
	    (d.kf_fd[2] >= 0 && add_fd(ep, d.kf_fd[2]))) {
		pr_warn("epoll_ctl: %s\n", strerror(errno));
		goto out;
	}
	err = vta_live_start(d.live, ep);
	if (err)
		pr_warn("liveness: timer: %s\n", strerror(-err));

	while (!d.stop) {
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
				signals_read(&d);
			} else if (fd == tfd) {
				uint64_t exp;

				if (read(tfd, &exp, sizeof(exp)) < 0 && errno != EAGAIN)
					pr_debug("timerfd: %s\n", strerror(errno));
				kfeatures_check(&d);
				/* sysctls without a change message */
				vta_sync_poll_sysctls(d.s);
				lease_renew(&d);
				vta_sync_tick(d.s);
				vta_fib4_tick(d.fib4);
				vta_spreader_peers(d.spread, d.s);
				/* failed map writes, again (user/sync_write.c keeps
				 * what the maps hold) */
				writes_retry(&d);
				health_publish(&d);
			} else if (fd == d.kf_fd[0] || fd == d.kf_fd[1] ||
				   fd == d.kf_fd[2]) {
				/* a rule, chain or policy changed: look now,
				 * not at the next renewal */
				vta_features_watch_drain(fd);
				kfeatures_check(&d);
				lease_renew(&d);
			} else if (fd == mnl_socket_get_fd(d.nl.ev)) {
				err = vta_nl_read_events(d.nl.ev, ev_cb, &d);
				if (err == -ENOBUFS) {
					pr_info("netlink overrun: resync\n");
					vta_nl_drain(d.nl.ev);
					resync(&d, VTA_RESYNC_OVERRUN, true);
				} else if (err) {
					pr_warn("read netlink events: %s\n",
						strerror(-err));
				}
			} else if (d.nl.xev && fd == mnl_socket_get_fd(d.nl.xev)) {
				err = vta_nl_read_events(d.nl.xev, xev_cb, &d);
				if (err == -ENOBUFS) {
					pr_info("XFRM netlink overrun: resync\n");
					vta_nl_drain(d.nl.xev);
					resync(&d, VTA_RESYNC_XFRM_OVERRUN, true);
				} else if (err) {
					pr_warn("read XFRM netlink events: %s\n",
						strerror(-err));
				}
			} else {
				vta_live_handle(d.live, fd);
			}
		}
		if (d.hup && !d.stop) {
			/* an operator's "look again", also at XDP refused
			 * before (MTU lowered) */
			d.hup = false;
			kfeatures_check(&d);
			resync(&d, VTA_RESYNC_SIGHUP, false);
			vta_attach_retry_xdp(d.att);
		}
		if (d.kf_dirty) {
			d.kf_dirty = false;
			kfeatures_check(&d);
			lease_renew(&d);
		}
		/* The model's request, or a resync that failed (the lease
		 * stays withheld meanwhile): at most once a second (the lease
		 * timer wakes the loop), so that a kernel refusing dumps does
		 * not make the daemon spin. */
		if (!d.stop && (vta_sync_want_resync(d.s) || !d.current) &&
		    vta_mono_ns() - d.last_resync >= 1000000000ULL)
			resync(&d, VTA_RESYNC_MODEL, true);
	}
	ret = 0;
out:
	if (d.l)	/* systemd: the stop has begun (detach, unpin) */
		vta_sd_notify("STOPPING=1");
	/* the clamp stays pinned only where it stays attached */
	keep_clamp = vta_attach_n_clamps(d.att) > 0;
	vta_attach_free(d.att);	/* detach before the maps go */
	vta_spreader_free(d.spread);
	vta_live_free(d.live);
	d.live = NULL;
	vta_sync_free(d.s);
	vta_maps_out_free(&d.mo);
	vta_fib4_free(d.fib4);
	vta_fib4_unmap(&d.fv);
	vta_nl_close(&d.nl);
	if (d.l) {
		unpin_all(&d, keep_clamp);
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
	for (int k = 0; k < 3; k++)
		if (d.kf_fd[k] >= 0)
			close(d.kf_fd[k]);
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

/* run's own switches (user/run.c); the configuration keys follow them. */
static const struct vta_cmd_opt run_opts[] = {
	{ 'M', "set-mss", false, "N", "same as --mss-mode fixed --mss N", NULL },
	{ 'X', "no-xdp", false, NULL, "same as --xdp no", NULL },
	{ 'S', "no-sa-aware", false, NULL, "keep a tunnel in its ECMP groups without SAs both ways (link state only)", NULL },
	{ 'F', "foreground", false, NULL, "accepted for compatibility: run never forks", NULL },
	{ 0 },
};

const struct vta_cmd vta_cmd_run = {
	.name = "run",
	.fn = cmd_run,
	.args = "[OPTIONS] [--KEY VALUE]...",
	.summary = "the daemon: load, pin, attach, mirror routes, renew the lease",
	.desc = "Loads the programs, pins the maps under the pin root, attaches to "
		"the configured interfaces, mirrors the kernel's routes into the "
		"maps and renews the lease until SIGTERM or SIGINT, then detaches "
		"(all but the MSS clamp on the tunnels' tc egress, which keeps "
		"clamping as the seed's TCPMSS rule did; detach removes it). "
		"Tells systemd when it is ready (Type=notify). SIGHUP resyncs and "
		"tries native XDP again where it was refused. XDP is attached to LAN "
		"interfaces only for its one job, the guard (--xdp-guard), since "
		"native XDP has costs (a veth peer's TSO, ENA's MTU and queues); "
		"it is native only; where the driver refuses, the log names the "
		"cause and the fix and the interface runs with tc only. A vta_xdp_lan left "
		"attached by a killed daemon of the same pin root is replaced. Every key of the "
		"configuration file is also an option of run (--KEY VALUE or "
		"--KEY=VALUE), which wins over the file; a key given without a value "
		"(--esp-mark) means yes. A list option given more than once (--lan, "
		"--wan, --tunnel) adds to the list, as `tunnel = vti1 vti2` in the "
		"file does; --peer once per tunnel. The daemon logs to standard "
		"error (the journal under systemd).",
	.opts = run_opts,
	.needs_conf = true,
};
