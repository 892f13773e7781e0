/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * attach.h - the daemon's hooks on managed interfaces: vta_lan_in,
 * vta_tun_in, vta_wan_in on tc ingress (clsact, our handle/priority) and
 * vta_xdp_lan on LAN interfaces as a component of libxdp's multi-program
 * dispatcher, so that other XDP users share the interface (libxdp attaches
 * it alone where the kernel refuses freplace programs).  Native mode only:
 * where the driver refuses, the interface runs with tc only (docs/kernel-facts.md, "XDP costs").
 * Remembers what it created so that shutdown removes exactly that.
 *
 * Also the diagnosis of native XDP on an interface (why it is not there
 * and what fixes it), computed the same way by the daemon at attach time
 * and by `status` (another process: it re-reads the interface).
 */
#ifndef VTA_ATTACH_H
#define VTA_ATTACH_H

#include <stdbool.h>
#include <net/if.h>
#include <linux/types.h>
#include "vtiaccel.h"

struct vta_loader;
struct vta_attach;

struct vta_attach *vta_attach_new(struct vta_loader *l, bool xdp);
/* wan: attach vta_wan_in to WAN interfaces (ESP marking on); off by
 * default, a WAN interface then gets no program. */
void vta_attach_set_wan(struct vta_attach *a, bool wan);
/* tcx: attach through pinned tcx links under pin_root ([forward] attach =
 * tcx) instead of cls_bpf filters; either way, a link of this pin root
 * the other way left is removed (it would run before a filter). */
void vta_attach_set_tcx(struct vta_attach *a, bool tcx, const char *pin_root);
/* Attach the program(s) of role to ifindex; 0 or -errno (logged). */
int vta_attach_iface(struct vta_attach *a, int ifindex, const char *name,
		     enum vta_role role);
/* Forget ifindex; detach unless the kernel already deleted it (gone). */
void vta_attach_remove(struct vta_attach *a, int ifindex, bool gone);
/* Try native XDP again on LAN interfaces running without it (SIGHUP:
 * the operator has lowered the MTU or freed channels). */
void vta_attach_retry_xdp(struct vta_attach *a);
/* How many tunnels carry our egress MSS clamp now. */
int vta_attach_n_clamps(const struct vta_attach *a);
/* Detach everything but the tunnels' egress MSS clamp (shutdown), free. */
void vta_attach_free(struct vta_attach *a);

/*
 * Remove vta_xdp_lan from ifindex (from libxdp's dispatcher, or attached
 * alone): every instance when map_id is 0 (`vtiaccel detach`), else only
 * those whose maps include map_id (what a dead daemon of the same pin root
 * left: the new one reuses its pinned maps).  *n counts the removed
 * programs.  0 or -errno; foreign programs are never touched.  detach.c.
 */
int vta_xdp_detach_ours(__u32 ifindex, __u32 map_id, int *n);
/*
 * Take what a dead vtiaccel left attached off every interface of this
 * network namespace: our tc filters (handle/prio, program named ours) and
 * vta_xdp_lan components, only those whose program uses one of the maps
 * map_ids (a pin root's maps).  *n counts them; foreign programs and our
 * programs of other pin roots are never touched.  0 or the first -errno.
 */
int vta_detach_stale(const __u32 *map_ids, int n_ids, int *n);
/*
 * Detach our filter from one tc direction of ifindex when its program is
 * one of ours and, with map_ids, uses one of those maps.  1: detached,
 * 0: nothing of ours there, < 0: the error; *id: the program found.
 */
int vta_tc_detach_ours(int ifindex, bool egress, const __u32 *map_ids,
		       int n_ids, __u32 *id);
/* rm -r of a pin root; with keep_root only what is inside it (a lock on
 * the directory stays valid).  *count: pins removed.  0 or -errno. */
int vta_pins_remove(const char *pin_root, bool keep_root, int *count);

/* ---------------------------------------------------------------- */
/* native XDP diagnosis                                               */

enum vta_xdp_cause {
	VTA_XDP_NATIVE,		/* vta_xdp_lan runs in native mode */
	VTA_XDP_OFF,		/* not configured ([forward] xdp = no) */
	VTA_XDP_MTU,		/* MTU above the driver's native XDP limit */
	VTA_XDP_CHANNELS,	/* ENA: no free queues for XDP TX */
	VTA_XDP_NO_DRIVER,	/* the driver has no native XDP */
	VTA_XDP_GENERIC,	/* generic (skb) XDP holds the interface */
	VTA_XDP_FOREIGN,	/* another program holds native XDP */
	VTA_XDP_OTHER,		/* refused, reason not known: errno/extack */
	VTA_XDP_NO_JOB,		/* allowed, but no XDP program has a job
				 * ([forward] xdp_guard = no): none attached */
};

/* What the decision is made from: all read from the interface or the
 * failed attach (vta_xdp_facts_read fills the interface part). */
struct vta_xdp_facts {
	char ifname[IF_NAMESIZE];
	char driver[32];	/* ETHTOOL_GDRVINFO; "" when unknown */
	__u32 mtu;
	__u32 page_size;	/* the kernel's page size (sysconf) */
	bool have_channels;	/* ETHTOOL_GCHANNELS answered */
	__u32 combined, max_combined;
	bool wanted;		/* XDP configured on this interface */
	__u32 attach_mode;	/* XDP_ATTACHED_* (linux/if_link.h) */
	bool dispatcher;	/* libxdp's multi-program dispatcher */
	bool ours;		/* vta_xdp_lan among the programs */
	char foreign[32];	/* first program that is not ours ("" none) */
	__u32 foreign_id;
	int err;		/* failed attach: -errno; 0 = not known */
	char extack[160];	/* the kernel's message for err ("" none) */
	bool no_job;		/* not wanted because xdp_guard is off */
};

struct vta_xdp_diag {
	enum vta_xdp_cause cause;
	char reason[256];	/* "MTU 9001 above the driver's native XDP limit 3498" */
	char fix[256];		/* "ip link set dev eth1 mtu 3498"; "" when none */
	char costs[256];	/* what native XDP costs on this driver (attached) */
};

/* The decision itself: pure, no system calls (unit-tested). */
void vta_xdp_diagnose(const struct vta_xdp_facts *f, struct vta_xdp_diag *d);
/* "native", "off", "mtu", "channels", "no-driver", "generic", "foreign",
 * "other", "no-job": the JSON value of the cause. */
const char *vta_xdp_cause_name(enum vta_xdp_cause c);
/* Native XDP MTU limit of a driver with page_size pages; 0 = unknown. */
__u32 vta_xdp_mtu_limit(const char *driver, __u32 page_size);
/* Fill the interface part of f (driver, MTU, channels, XDP programs);
 * wanted, err and extack are left as they are.  0 or -errno. */
int vta_xdp_facts_read(int ifindex, const char *name, struct vta_xdp_facts *f);

#endif
