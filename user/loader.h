/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * loader.h - load the vtiaccel BPF objects with one shared set of maps,
 * pin them, attach tc programs.  Used by `vtiaccel run`, the test
 * harnesses and the benchmarks.  int functions return 0 or -errno.
 */
#ifndef VTA_LOADER_H
#define VTA_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>
#include "vtiaccel.h"

enum vta_prog {
	VTA_PROG_LAN,		/* tc ingress on LAN interfaces */
	VTA_PROG_TUNNEL,	/* tc ingress on VTI / xfrm interfaces */
	VTA_PROG_WAN,		/* tc ingress on the outside interface */
	VTA_PROG_XDP_LAN,	/* XDP on LAN interfaces */
	VTA_PROG_TUN_OUT,	/* tc egress on tunnels: the MSS clamp (in the
				 * tunnel object) */
	VTA_PROG_MAX
};

/* Map fds; -1 where not open. */
/* One fd per map of the contract's VTA_MAPS list; -1 for none (health is
 * -1 under the pins of a vtiaccel without it). */
#define VTA__MAP_FD(var) int var;
struct vta_maps {
	VTA_MAPS(VTA__MAP_FD)
};
#undef VTA__MAP_FD

#define VTA__MAP_NONE(var) .var = -1,
#define VTA_MAPS_NONE ((struct vta_maps){ VTA_MAPS(VTA__MAP_NONE) })

struct vta_loader;

/*
 * Open and load every program with one set of maps.  With pin_root
 * (e.g. VTA_PIN_ROOT) the maps are pinned there by name and maps already
 * pinned there are reused (bpffs is mounted when missing); NULL keeps
 * everything private to this process (tests, benchmarks).
 */
int vta_loader_open(struct vta_loader **out, const char *pin_root);
/* Benchmarks: blocks of vta_fib4_l2 for the next vta_loader_open()
 * (0: VTA_FIB4_BLOCKS); pinned maps of another size are not reused. */
extern unsigned int vta_loader_fib4_blocks;
void vta_loader_close(struct vta_loader *l);
int vta_loader_prog_fd(const struct vta_loader *l, enum vta_prog p);
const char *vta_prog_name(enum vta_prog p);
void vta_loader_maps(const struct vta_loader *l, struct vta_maps *m);
/*
 * A second, unloaded instance of the vta_xdp_lan object whose maps are the
 * loader's (bpf_map__reuse_fd, nothing pinned by name): for libxdp, which
 * loads a dispatcher component itself (as an freplace program targeting
 * the dispatcher's slot; a program already loaded as XDP cannot become
 * one).  NULL + errno on failure; free with bpf_object__close() after
 * libxdp is done with it.
 */
struct bpf_object *vta_loader_xdp_obj(const struct vta_loader *l);

/* Pin name and fd slot of the i-th map of VTA_MAPS; NULL past the last. */
const char *vta_map_name(unsigned int i);
int *vta_maps_slot(struct vta_maps *m, unsigned int i);

/* Open the maps pinned under pin_root (read commands, verify). */
int vta_maps_open_pinned(struct vta_maps *m, const char *pin_root);
void vta_maps_close(struct vta_maps *m);

/*
 * Pinned maps under pin_root that this build cannot reuse (another map
 * type, key or value size, max_entries or flags: an older or newer
 * vtiaccel's layout).  Each one is logged as "pinned map PATH from another
 * vtiaccel version (value 1072 bytes, this one 1088): ACTION" (ACTION may
 * be NULL).  Returns how many, or -errno.  Missing pins are not counted.
 */
int vta_pins_incompatible(const char *pin_root, const char *action);
/* Ids of the maps pinned under pin_root (0 where missing), in the order
 * of vta_map_name(); returns how many were found. */
int vta_pins_map_ids(const char *pin_root, __u32 *ids, int max);

/* Make sure bpffs is mounted at /sys/fs/bpf and pin_root exists. */
int vta_bpffs_prepare(const char *pin_root);

/*
 * An existing pin root fit for use: a directory (not a symbolic link) on
 * bpffs; with owner also owned by this user and not writable by group or
 * others (run reuses what is pinned there).  0, or -errno with why filled
 * ("PATH: not on a BPF file system ...").
 */
int vta_pin_root_check(const char *pin_root, bool owner, char *why,
		       size_t len);
/*
 * Take the pin root's lock (flock on the directory): one `vtiaccel run`
 * per pin root, and no detach under a live daemon.  The fd to keep (the
 * lock goes with it, also on SIGKILL), or -EWOULDBLOCK when held.
 */
int vta_pin_root_lock(const char *pin_root);

/*
 * tc ingress attach of prog_fd on ifindex through clsact, direct-action,
 * with vtiaccel's own handle and priority so that detach removes only our
 * filter.  *created tells whether this call created the clsact qdisc (so
 * that only a qdisc we created is ever destroyed).
 */
#define VTA_TC_HANDLE	0x7674
#define VTA_TC_PRIO	0x7674
int vta_tc_hook_attach(int ifindex, bool egress, int prog_fd, bool *created);
int vta_tc_hook_detach(int ifindex, bool egress);
/* prog id of our filter on ifindex, 0 when none. */
__u32 vta_tc_hook_query(int ifindex, bool egress);

/* Ingress: the forwarding programs; destroy_qdisc takes the clsact too. */
static inline int vta_tc_attach(int ifindex, int prog_fd, bool *created)
{
	return vta_tc_hook_attach(ifindex, false, prog_fd, created);
}

int vta_tc_detach(int ifindex, bool destroy_qdisc);

/* Egress: the MSS clamp (vta_tun_out); detach never destroys clsact. */
static inline int vta_tc_attach_egress(int ifindex, int prog_fd, bool *created)
{
	return vta_tc_hook_attach(ifindex, true, prog_fd, created);
}

static inline int vta_tc_detach_egress(int ifindex)
{
	return vta_tc_hook_detach(ifindex, true);
}

/*
 * tcx ([forward] attach = tcx, kernel 6.6+): the same programs on the
 * device's tcx hook through a BPF link instead of a cls_bpf filter in
 * clsact, without tc's classifier layers (bench/README.md).  The link is
 * pinned at PIN_ROOT/links/tcx-IFINDEX-ingress|egress, so that it
 * outlives the daemon as a filter does (the egress clamp must); the next
 * daemon of the pin root swaps its program in (bpf_link_update()), and
 * unpinning detaches it.  enum bpf_attach_type's BPF_TCX_INGRESS and
 * BPF_TCX_EGRESS: Debian 12's uapi headers and libbpf 1.1 predate them,
 * and bpf_link_create() passes an attach type it does not know through.
 */
#define VTA_TCX_INGRESS 46
#define VTA_TCX_EGRESS 47
/* Does this kernel have tcx?  (BPF_PROG_QUERY of lo's tcx ingress) */
bool vta_tcx_supported(void);
int vta_tcx_attach(const char *pin_root, int ifindex, bool egress,
		   int prog_fd);
/* Unpin and detach; -ENOENT when there is no such pin. */
int vta_tcx_detach(const char *pin_root, int ifindex, bool egress);
/* Detach and unpin the tcx links under pin_root (only_dead: those whose
 * device no longer exists); *count: how many.  0 or the first -errno. */
int vta_tcx_unpin_all(const char *pin_root, bool only_dead, int *count);
/* Id of the first vtiaccel program (vta_*) on ifindex's tcx hook, 0 none. */
__u32 vta_tcx_query(int ifindex, bool egress);
/* Id of our program on one direction of ifindex, whichever the hook: a
 * tcx one (*tcx true; it runs before any filter), else our filter. */
__u32 vta_hook_query(int ifindex, bool egress, bool *tcx);

/* The daemon's health element; -ENOENT without the map. */
int vta_health_get(const struct vta_maps *m, struct vta_health *h);
int vta_health_set(const struct vta_maps *m, const struct vta_health *h);
const char *vta_resync_cause_name(enum vta_resync_cause c);

/* Config element helpers. */
int vta_config_get(const struct vta_maps *m, struct vta_config *cfg);
int vta_config_set(const struct vta_maps *m, const struct vta_config *cfg);

/*
 * Sum the per-CPU counters of one stats slot: vta_stats, with the
 * forwards of vta_fwd_stats added to FWD_TO_TUNNEL, FWD_TO_LAN and TX.
 * vta_stats_read_with() takes vta_fwd_stats summed by
 * vta_fwd_stats_read() (all zero without the map), for a reader of
 * many slots.
 */
int vta_stats_read(const struct vta_maps *m, __u32 slot, struct vta_stats *out);
int vta_fwd_stats_read(const struct vta_maps *m, struct vta_fwd_stats *out);
int vta_stats_read_with(const struct vta_maps *m, __u32 slot,
			const struct vta_fwd_stats *fwd, struct vta_stats *out);
const char *vta_counter_name(enum vta_counter c);
const char *vta_counter_help(enum vta_counter c);

/* Name of the program with this id ("" when it cannot be read). */
void vta_prog_name_by_id(__u32 id, char *buf, size_t len);
/* Is the program with this id one of vtiaccel's (named as one)? */
bool vta_prog_ours(__u32 id);

#endif
