// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <net/if.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/ethtool.h>
#include <linux/if_link.h>
#include <linux/sockios.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>

#include "attach.h"
#include "loader.h"
#include "log.h"

struct hook {
	int ifindex;
	char name[IFNAMSIZ];
	enum vta_role role;
	bool tc;		/* our filter (or tcx link) is on it */
	bool tc_out;		/* tunnel: our egress clamp is on it */
	bool tcx;		/* both through tcx links, not filters */
	bool qdisc_created;	/* clsact was created by us: destroy it */
	struct xdp_program *xdp;
	struct bpf_object *xobj;	/* xdp's object (libxdp loaded it) */
};

struct vta_attach {
	struct vta_loader *l;
	bool want_xdp;
	bool want_wan;		/* ESP marking on: vta_wan_in has a job */
	bool tcx;		/* [forward] attach = tcx */
	char pin_root[PATH_MAX];	/* where the tcx links are pinned */
	__u32 map_id;		/* id of our vta_config: marks our programs */
	struct hook *h;
	int n, cap;
};

static __u32 fd_id(int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return 0;
	return info.id;
}

struct vta_attach *vta_attach_new(struct vta_loader *l, bool xdp)
{
	struct vta_attach *a = calloc(1, sizeof(*a));
	struct vta_maps m;

	if (a) {
		a->l = l;
		a->want_xdp = xdp;
		vta_loader_maps(l, &m);
		a->map_id = fd_id(m.config);
	}
	return a;
}

void vta_attach_set_wan(struct vta_attach *a, bool wan)
{
	if (a)
		a->want_wan = wan;
}

void vta_attach_set_tcx(struct vta_attach *a, bool tcx, const char *pin_root)
{
	int n = 0;

	if (!a)
		return;
	a->tcx = tcx;
	snprintf(a->pin_root, sizeof(a->pin_root), "%s", pin_root);
	/* clamps kept for tunnels deleted since (no device, no job) */
	vta_tcx_unpin_all(pin_root, true, &n);
	if (n)
		pr_info("unpinned %d tcx links whose interfaces are gone\n", n);
}

/* One hook of ifindex, through a tcx link or a cls_bpf filter.  The
 * other kind of ours goes once the new one is on: a tcx program runs
 * before the filters (ours never hand on to them with TC_ACT_UNSPEC),
 * and a filter left under a link would run again when the link goes. */
static int hook_attach(struct vta_attach *a, int ifindex, bool egress,
		       int prog_fd, bool *created)
{
	__u32 id;
	int err;

	*created = false;
	if (a->tcx) {
		err = vta_tcx_attach(a->pin_root, ifindex, egress, prog_fd);
		if (!err)
			vta_tc_detach_ours(ifindex, egress, NULL, 0, &id);
		return err;
	}
	err = vta_tc_hook_attach(ifindex, egress, prog_fd, created);
	if (!err && a->pin_root[0])
		vta_tcx_detach(a->pin_root, ifindex, egress);
	return err;
}

static struct hook *hook_get(struct vta_attach *a, int ifindex)
{
	int i;

	for (i = 0; i < a->n; i++)
		if (a->h[i].ifindex == ifindex)
			return &a->h[i];
	return NULL;
}

/* ---------------------------------------------------------------- */
/* native XDP diagnosis                                               */

const char *vta_xdp_cause_name(enum vta_xdp_cause c)
{
	static const char *const names[] = {
		[VTA_XDP_NATIVE] = "native", [VTA_XDP_OFF] = "off",
		[VTA_XDP_MTU] = "mtu", [VTA_XDP_CHANNELS] = "channels",
		[VTA_XDP_NO_DRIVER] = "no-driver", [VTA_XDP_GENERIC] = "generic",
		[VTA_XDP_FOREIGN] = "foreign", [VTA_XDP_OTHER] = "other",
		[VTA_XDP_NO_JOB] = "no-job",
	};

	return (unsigned)c < sizeof(names) / sizeof(names[0]) ? names[c] : "?";
}

/*
 * The largest MTU with which a driver accepts a native XDP program that
 * does not declare multi-buffer support (vta_xdp_lan does not), from the
 * drivers' own checks; 320 is SKB_DATA_ALIGN(sizeof(struct
 * skb_shared_info)) on 64-bit kernels, 256 XDP_PACKET_HEADROOM.
 *
 * - ena (drivers/net/ethernet/amazon/ena/ena_xdp.h, ena_xdp_allowed(),
 *   checked by ena_xdp_set() before anything else, EINVAL):
 *   mtu <= ENA_XDP_MAX_MTU = ENA_PAGE_SIZE - ETH_HLEN - ETH_FCS_LEN -
 *   VLAN_HLEN - XDP_PACKET_HEADROOM - SKB_DATA_ALIGN(skb_shared_info),
 *   3498 with 4 KiB pages (ENA_PAGE_SIZE is PAGE_SIZE capped at 16 KiB).
 *   EC2's default MTU is 9001: the usual refusal.
 * - veth (drivers/net/veth.c, veth_xdp_set()): the PEER's mtu <=
 *   SKB_WITH_OVERHEAD(PAGE_SIZE - VETH_XDP_HEADROOM) - hard_header_len,
 *   3506 with 4 KiB pages ("Peer MTU is too large to set XDP"; measured
 *   on 6.18: 3506 accepted, 3507 refused).
 */
__u32 vta_xdp_mtu_limit(const char *driver, __u32 page_size)
{
	if (!page_size)
		page_size = 4096;
	if (!strcmp(driver, "ena"))
		return (page_size > 16384 ? 16384 : page_size) -
		       14 - 4 - 4 - 256 - 320;
	if (!strcmp(driver, "veth"))
		return page_size - 256 - 320 - 14;
	return 0;
}

#define SAY(buf, ...) snprintf(buf, sizeof(buf), __VA_ARGS__)

/*
 * What native XDP costs on an interface, whatever the program does
 * (docs/guide.md, "What native XDP costs"): veth_xdp_set() takes the
 * software GSO features (TSO) off the peer, so a LAN host behind a veth
 * sends MTU-sized segments; ENA needs an MTU <= 3498 and half of its
 * queues for XDP TX (ena_xdp_allowed()); and vta_xdp_lan does not declare
 * multi-buffer support (no SEC("xdp.frags")), so no driver lets the MTU
 * grow past one page per frame while it is attached.
 */
static void xdp_costs(const struct vta_xdp_facts *f, struct vta_xdp_diag *d)
{
	__u32 lim = vta_xdp_mtu_limit(f->driver, f->page_size);

	if (!strcmp(f->driver, "veth"))
		SAY(d->costs, "the veth peer loses TSO/GSO while XDP is attached; MTU <= %u (single-buffer XDP)",
		    lim);
	else if (!strcmp(f->driver, "ena"))
		SAY(d->costs, "MTU <= %u (EC2 default 9001), half of the channels reserved for XDP TX; single-buffer XDP",
		    lim);
	else
		SAY(d->costs, "single-buffer XDP: the MTU stays within one page per frame");
}

void vta_xdp_diagnose(const struct vta_xdp_facts *f, struct vta_xdp_diag *d)
{
	__u32 lim = vta_xdp_mtu_limit(f->driver, f->page_size);
	bool veth = !strcmp(f->driver, "veth");
	const char *dev = f->ifname;

	memset(d, 0, sizeof(*d));
	if (f->ours && f->attach_mode == XDP_ATTACHED_SKB) {
		/* We only ever ask for native mode. */
		d->cause = VTA_XDP_GENERIC;
		SAY(d->reason, "vta_xdp_lan runs in generic (skb) mode, which costs more than it saves");
		SAY(d->fix, "vtiaccel detach, then restart vtiaccel (it attaches native only)");
		return;
	}
	if (f->ours && f->attach_mode != XDP_ATTACHED_NONE) {
		d->cause = VTA_XDP_NATIVE;
		SAY(d->reason, "vta_xdp_lan in native mode%s",
		    f->dispatcher ? " (libxdp dispatcher)" : "");
		xdp_costs(f, d);
		return;
	}
	if (!f->wanted && f->no_job) {
		d->cause = VTA_XDP_NO_JOB;
		SAY(d->reason, "no XDP program: its only job is the guard ([forward] xdp_guard = no), tc forwards");
		return;
	}
	if (!f->wanted) {
		d->cause = VTA_XDP_OFF;
		SAY(d->reason, "XDP is off by configuration ([forward] xdp = no or --no-xdp)");
		return;
	}
	if (f->foreign[0] && f->attach_mode == XDP_ATTACHED_SKB) {
		d->cause = VTA_XDP_GENERIC;
		SAY(d->reason, "another XDP program (%s, id %u) runs in generic (skb) mode: an interface has XDP in one mode only",
		    f->foreign, f->foreign_id);
		SAY(d->fix, "remove it if it is not needed (ip link set dev %s xdpgeneric off), then send SIGHUP to vtiaccel run",
		    dev);
		return;
	}
	if (f->foreign[0] && !f->dispatcher) {
		d->cause = VTA_XDP_FOREIGN;
		SAY(d->reason, "another XDP program (%s, id %u) holds the interface without libxdp's dispatcher: vtiaccel leaves it alone",
		    f->foreign, f->foreign_id);
		SAY(d->fix, "load it through libxdp (xdp-loader load %s ...) so that programs can share the interface, or remove it; then send SIGHUP to vtiaccel run",
		    dev);
		return;
	}
	if (lim && f->mtu > lim) {
		d->cause = VTA_XDP_MTU;
		SAY(d->reason, "MTU %u above the driver's native XDP limit %u%s",
		    f->mtu, lim, veth ? " (veth checks its peer's MTU)" : "");
		SAY(d->fix, "ip link set dev %s mtu %u%s", dev, lim,
		    veth ? " (and its peer)" : "");
		return;
	}
	/*
	 * ena_xdp_allowed() -> ena_xdp_legal_queue_count() (ena_xdp.h):
	 * 2 * num_io_queues <= max_num_io_queues, XDP TX taking one queue
	 * per RX queue; ena_get_channels() reports them as combined_count
	 * and max_combined.  Refused with EINVAL and "there is no enough
	 * space for allocating XDP queues".
	 */
	if (!strcmp(f->driver, "ena") && f->have_channels && f->max_combined &&
	    2 * f->combined > f->max_combined) {
		d->cause = VTA_XDP_CHANNELS;
		SAY(d->reason, "%u of %u combined channels in use: ENA needs half of its queues free for XDP",
		    f->combined, f->max_combined);
		SAY(d->fix, "ethtool -L %s combined %u", dev, f->max_combined / 2);
		return;
	}
	if (f->err == -EOPNOTSUPP) {
		d->cause = VTA_XDP_NO_DRIVER;
		SAY(d->reason, "the driver (%s) has no native XDP",
		    f->driver[0] ? f->driver : "unknown");
		return;
	}
	if (f->extack[0] && strstr(f->extack, "MTU")) {
		d->cause = VTA_XDP_MTU;
		if (lim)
			SAY(d->reason, "the kernel says: %s (the driver's native XDP limit is %u)",
			    f->extack, lim);
		else
			SAY(d->reason, "the kernel says: %s", f->extack);
		if (lim)
			SAY(d->fix, "ip link set dev %s mtu %u%s", dev, lim,
			    veth ? " (and its peer)" : "");
		else
			SAY(d->fix, "lower the MTU of %s", dev);
		return;
	}
	d->cause = VTA_XDP_OTHER;
	if (f->err && f->extack[0])
		SAY(d->reason, "native XDP attach failed: %s (the kernel says: %s)",
		    strerror(-f->err), f->extack);
	else if (f->err)
		SAY(d->reason, "native XDP attach failed: %s", strerror(-f->err));
	else
		SAY(d->reason, "not attached: the log of vtiaccel run has the kernel's reason");
	SAY(d->fix, "vtiaccel -vv run shows libbpf's and libxdp's detail");
}

static void ethtool_read(const char *name, struct vta_xdp_facts *f)
{
	struct ethtool_drvinfo di = { .cmd = ETHTOOL_GDRVINFO };
	struct ethtool_channels ch = { .cmd = ETHTOOL_GCHANNELS };
	struct ifreq ifr = {};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (!ioctl(fd, SIOCGIFMTU, &ifr))
		f->mtu = ifr.ifr_mtu;
	ifr.ifr_data = (void *)&di;
	if (!ioctl(fd, SIOCETHTOOL, &ifr))
		snprintf(f->driver, sizeof(f->driver), "%s", di.driver);
	ifr.ifr_data = (void *)&ch;
	if (!ioctl(fd, SIOCETHTOOL, &ifr)) {
		f->have_channels = true;
		f->combined = ch.combined_count;
		f->max_combined = ch.max_combined;
	}
	close(fd);
}

static void note_prog(struct vta_xdp_facts *f, const struct xdp_program *p)
{
	if (!p)
		return;
	if (!strcmp(xdp_program__name(p), vta_prog_name(VTA_PROG_XDP_LAN))) {
		f->ours = true;
	} else if (!f->foreign[0]) {
		snprintf(f->foreign, sizeof(f->foreign), "%s",
			 xdp_program__name(p));
		f->foreign_id = xdp_program__id(p);
	}
}

int vta_xdp_facts_read(int ifindex, const char *name, struct vta_xdp_facts *f)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct xdp_multiprog *mp;
	struct xdp_program *p = NULL;
	long ps = sysconf(_SC_PAGESIZE);

	snprintf(f->ifname, sizeof(f->ifname), "%s", name);
	f->driver[0] = f->foreign[0] = '\0';
	f->mtu = f->combined = f->max_combined = f->foreign_id = 0;
	f->have_channels = f->ours = f->dispatcher = false;
	f->page_size = ps > 0 ? ps : 4096;
	ethtool_read(name, f);
	if (bpf_xdp_query(ifindex, 0, &q))
		return -errno;
	f->attach_mode = q.attach_mode;
	if (q.attach_mode == XDP_ATTACHED_NONE)
		return 0;
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (!mp || libxdp_get_error(mp)) {
		/* libxdp cannot read it (no bpffs?): name the main program */
		if (q.prog_id) {
			struct bpf_prog_info info = {};
			__u32 len = sizeof(info);
			int fd = bpf_prog_get_fd_by_id(q.prog_id);

			if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len)) {
				if (!strcmp(info.name, vta_prog_name(VTA_PROG_XDP_LAN)))
					f->ours = true;
				else
					snprintf(f->foreign, sizeof(f->foreign),
						 "%s", info.name);
				f->foreign_id = f->ours ? 0 : q.prog_id;
			}
			if (fd >= 0)
				close(fd);
		}
		return 0;
	}
	f->dispatcher = !xdp_multiprog__is_legacy(mp);
	if (f->dispatcher)
		while ((p = xdp_multiprog__next_prog(p, mp)))
			note_prog(f, p);
	else
		note_prog(f, xdp_multiprog__main_prog(mp));
	xdp_multiprog__close(mp);
	return 0;
}

/* ---------------------------------------------------------------- */
/* attach                                                             */

/*
 * libbpf reports the kernel's extended ACK of a failed XDP attach as a
 * warning ("Kernel error message: veth: Peer MTU is too large to set
 * XDP"); keep it for the diagnosis while it still goes to the log sink.
 */
static libbpf_print_fn_t prev_print;
static char *extack_buf;
static size_t extack_len;

static int extack_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	static const char tag[] = "Kernel error message: ";
	char line[512], *m;
	va_list cp;

	va_copy(cp, ap);
	vsnprintf(line, sizeof(line), fmt, cp);
	va_end(cp);
	m = strstr(line, tag);
	if (m && extack_buf) {
		m += sizeof(tag) - 1;
		m[strcspn(m, "\n")] = '\0';
		snprintf(extack_buf, extack_len, "%s", m);
	}
	return prev_print ? prev_print(level, fmt, ap) : 0;
}

static int xdp_attach_native(struct xdp_program *p, int ifindex,
			     char *extack, size_t len)
{
	int err;

	extack[0] = '\0';
	extack_buf = extack;
	extack_len = len;
	prev_print = libbpf_set_print(extack_print);
	err = xdp_program__attach(p, ifindex, XDP_MODE_NATIVE, 0);
	libbpf_set_print(prev_print);
	extack_buf = NULL;
	return err;
}

/*
 * A vta_xdp_lan already on the interface that uses our maps was left by a
 * daemon of this pin root that died without detaching (kill -9, OOM): we
 * hold the pin root's lock, so it has no live owner.  Replace it.  One
 * with other maps belongs to another vtiaccel instance: left alone.
 */
static void xdp_replace_stale(struct vta_attach *a, struct hook *h,
			      struct vta_xdp_facts *f)
{
	int n = 0, err;

	if (!f->ours)
		return;
	err = vta_xdp_detach_ours(h->ifindex, a->map_id, &n);
	if (err)
		pr_warn("remove the stale vta_xdp_lan from %s: %s\n", h->name,
			strerror(-err));
	else if (n)
		pr_info("%s: removed the vta_xdp_lan a previous vtiaccel run of this pin root left attached\n",
			h->name);
	vta_xdp_facts_read(h->ifindex, h->name, f);
	if (f->ours)
		pr_warn("%s: a vta_xdp_lan of another vtiaccel instance (other maps) is attached: left alone (vtiaccel detach removes it)\n",
			h->name);
}

/*
 * The run priority (VTA_XDP_RUN_PRIO, include/vtiaccel.h) and chain call
 * are also set here, not only by XDP_RUN_CONFIG in the object: the
 * dispatcher keeps both in its config, where `xdp-loader status` and a
 * later dispatcher rebuild find them.
 */

static void xdp_release(struct hook *h)
{
	xdp_program__close(h->xdp);	/* does not close an external object */
	bpf_object__close(h->xobj);
	h->xdp = NULL;
	h->xobj = NULL;
}

/* Which way libxdp attached it: a dispatcher component, or alone. */
static const char *xdp_how(int ifindex)
{
	struct xdp_multiprog *mp = xdp_multiprog__get_from_ifindex(ifindex);
	const char *how = "?";

	if (mp && !libxdp_get_error(mp)) {
		how = xdp_multiprog__is_legacy(mp) ?
		      "alone: libxdp fell back to its single-program mode, no other XDP program can share the interface (vtiaccel -vv run shows why)" :
		      "in libxdp's dispatcher";
		xdp_multiprog__close(mp);
	}
	return how;
}

static void xdp_attach(struct vta_attach *a, struct hook *h)
{
	struct vta_xdp_facts f = { .wanted = true };
	struct vta_xdp_diag d;
	struct bpf_object *obj;
	struct xdp_program *p;
	int err;

	vta_xdp_facts_read(h->ifindex, h->name, &f);
	xdp_replace_stale(a, h, &f);
	/*
	 * Unloaded, so that libxdp loads it as a component of its
	 * dispatcher (or, on a kernel without freplace, as a plain XDP
	 * program in its legacy mode).
	 */
	obj = vta_loader_xdp_obj(a->l);
	if (!obj) {
		pr_warn("XDP on %s: %s: running with tc only\n", h->name,
			strerror(errno));
		return;
	}
	p = xdp_program__from_bpf_obj(obj, "xdp");
	err = libxdp_get_error(p);
	if (!err)
		err = xdp_program__set_run_prio(p, VTA_XDP_RUN_PRIO);
	if (!err) {
		err = xdp_program__set_chain_call_enabled(p, XDP_PASS, true);
		for (int act = XDP_ABORTED; !err && act <= XDP_REDIRECT; act++)
			if (act != XDP_PASS)
				err = xdp_program__set_chain_call_enabled(p, act, false);
	}
	if (err) {
		pr_warn("XDP on %s: %s: running with tc only\n", h->name,
			strerror(-err));
		if (!libxdp_get_error(p))
			xdp_program__close(p);
		bpf_object__close(obj);
		return;
	}
	/* Native only: generic XDP costs more than it saves (docs/kernel-facts.md). */
	err = xdp_attach_native(p, h->ifindex, f.extack, sizeof(f.extack));
	if (!err) {
		h->xdp = p;
		h->xobj = obj;
		pr_info("%s: vta_xdp_lan (id %u) attached native, %s\n", h->name,
			xdp_program__id(p), xdp_how(h->ifindex));
		return;
	}
	xdp_program__close(p);
	bpf_object__close(obj);
	f.err = err;
	vta_xdp_facts_read(h->ifindex, h->name, &f);
	if (f.ours) {
		/* ours is not attached: that vta_xdp_lan is someone else's */
		snprintf(f.foreign, sizeof(f.foreign), "vta_xdp_lan");
		f.foreign_id = 0;
		f.ours = false;
	}
	vta_xdp_diagnose(&f, &d);
	pr_warn("native XDP on %s refused: %s%s%s; running with tc only on %s\n",
		h->name, d.reason, d.fix[0] ? "; fix: " : "", d.fix, h->name);
}

int vta_attach_iface(struct vta_attach *a, int ifindex, const char *name,
		     enum vta_role role)
{
	enum vta_prog prog;
	struct hook *h;
	int err;

	switch (role) {
	case VTA_ROLE_LAN: prog = VTA_PROG_LAN; break;
	case VTA_ROLE_WAN: prog = VTA_PROG_WAN; break;
	case VTA_ROLE_TUNNEL: prog = VTA_PROG_TUNNEL; break;
	default: return -EINVAL;
	}
	h = hook_get(a, ifindex);
	if (!h) {
		if (a->n == a->cap) {
			int cap = a->cap ? a->cap * 2 : 8;
			struct hook *nh = realloc(a->h, cap * sizeof(*nh));

			if (!nh)
				return -ENOMEM;
			a->h = nh;
			a->cap = cap;
		}
		h = &a->h[a->n++];
		memset(h, 0, sizeof(*h));
		h->ifindex = ifindex;
	}
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->role = role;
	/*
	 * vta_wan_in's only job is ESP marking: with it off the program
	 * would pass every packet and still cost a clsact hook, a map
	 * lookup and a counter per packet the gateway receives.  The
	 * interface stays in the maps (status names it).
	 */
	if (role == VTA_ROLE_WAN && !a->want_wan) {
		pr_info("%s: no program attached (WAN: ESP marking is off, [esp] mark = no)\n",
			name);
		return 0;
	}
	if (!h->tc) {
		bool created;

		err = hook_attach(a, ifindex, false,
				  vta_loader_prog_fd(a->l, prog), &created);
		if (err) {
			pr_warn("attach %s ingress on %s: %s\n",
				a->tcx ? "tcx" : "tc", name, strerror(-err));
			return err;
		}
		h->tc = true;
		h->tcx = a->tcx;
		h->qdisc_created = created;
	}
	/* The MSS clamp on every SYN leaving the tunnel (bpf/clamp.h);
	 * replaces one a previous run (or the updown script) attached. */
	if (role == VTA_ROLE_TUNNEL && !h->tc_out) {
		bool created;

		err = hook_attach(a, ifindex, true,
				  vta_loader_prog_fd(a->l, VTA_PROG_TUN_OUT),
				  &created);
		if (err)
			pr_warn("attach the MSS clamp (%s egress) on %s: %s: SYNs the kernel forwards into it are not clamped\n",
				a->tcx ? "tcx" : "tc", name, strerror(-err));
		else
			h->tc_out = true;
	}
	if (role == VTA_ROLE_LAN && a->want_xdp && !h->xdp)
		xdp_attach(a, h);
	pr_info("attached %s to %s%s%s%s\n", vta_prog_name(prog), name,
		h->tcx ? " (tcx)" : "", h->xdp ? " (+XDP native)" : "",
		h->tc_out ? " (+vta_tun_out on egress)" : "");
	return 0;
}

void vta_attach_retry_xdp(struct vta_attach *a)
{
	int i;

	if (!a || !a->want_xdp)
		return;
	for (i = 0; i < a->n; i++) {
		struct hook *h = &a->h[i];

		if (h->role != VTA_ROLE_LAN || h->xdp)
			continue;
		xdp_attach(a, h);	/* logs how it went */
	}
}

/*
 * keep_clamp (shutdown): the egress MSS clamp stays attached, so that
 * SYNs into the tunnel are still clamped with no daemon running (the
 * seed's TCPMSS rule is gone); `vtiaccel detach` removes it.
 */
static void hook_detach(struct vta_attach *a, struct hook *h, bool keep_clamp)
{
	int err;

	if (h->xdp) {
		err = xdp_program__detach(h->xdp, h->ifindex, XDP_MODE_NATIVE, 0);
		if (err)
			pr_warn("detach XDP from %s: %s\n", h->name, strerror(-err));
		xdp_release(h);
	}
	if (h->tc_out && !keep_clamp) {
		err = h->tcx ? vta_tcx_detach(a->pin_root, h->ifindex, true) :
			       vta_tc_detach_egress(h->ifindex);
		if (err && err != -ENOENT && err != -ENODEV)
			pr_warn("detach the MSS clamp (%s egress) from %s: %s\n",
				h->tcx ? "tcx" : "tc", h->name, strerror(-err));
		h->tc_out = false;
	}
	if (h->tc) {
		/* clsact holds the clamp too: keep it then */
		err = h->tcx ? vta_tcx_detach(a->pin_root, h->ifindex, false) :
			       vta_tc_detach(h->ifindex,
					     h->qdisc_created && !h->tc_out);
		if (err && err != -ENOENT && err != -ENODEV)
			pr_warn("detach %s ingress from %s: %s\n",
				h->tcx ? "tcx" : "tc", h->name, strerror(-err));
		h->tc = false;
	}
}

void vta_attach_remove(struct vta_attach *a, int ifindex, bool gone)
{
	struct hook *h = hook_get(a, ifindex);

	if (!h)
		return;
	if (gone) {
		/* the kernel took filters and qdisc with the device, and
		 * left our tcx links without one: unpin them */
		xdp_release(h);
		if (h->tcx) {
			vta_tcx_detach(a->pin_root, ifindex, false);
			vta_tcx_detach(a->pin_root, ifindex, true);
		}
	} else {
		hook_detach(a, h, false);
	}
	*h = a->h[--a->n];
}

int vta_attach_n_clamps(const struct vta_attach *a)
{
	int i, n = 0;

	for (i = 0; a && i < a->n; i++)
		n += a->h[i].tc_out;
	return n;
}

void vta_attach_free(struct vta_attach *a)
{
	int i;

	if (!a)
		return;
	for (i = 0; i < a->n; i++)
		hook_detach(a, &a->h[i], true);
	free(a->h);
	free(a);
}
