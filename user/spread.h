/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * spread.h - `[esp] spread`: vta_spread (bpf/spread.bpf.c) on the WAN
 * interfaces, spreading the tunnels' inbound ESP over CPUs through a
 * CPUMAP (docs/esp-spread.md).  The daemon side loads it, pins it and its
 * maps under the pin root, fills the CPUMAP and the peers (every managed
 * tunnel's IPv4 peer, or those of [esp] spread_tunnels), renews its lease
 * and attaches it to WAN interfaces as generic (or native) XDP, never in
 * place of another program.  The CLI side reads the pins for `status`,
 * `stats` and `detach`.
 */
#ifndef VTA_SPREAD_USER_H
#define VTA_SPREAD_USER_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/types.h>
#include "conf.h"
#include "vta_spread.h"

struct vta_spreader;
struct vta_sync;

/* Load, pin and fill; 0 or -errno (logged, naming [esp] spread).  A CPU
 * of the list that is not online is -EINVAL. */
int vta_spreader_open(struct vta_spreader **out, const struct vta_conf *c);
/* Attach to a WAN interface (logged; a foreign XDP program is left). */
void vta_spreader_attach(struct vta_spreader *s, int ifindex, const char *name);
/* Forget ifindex; detach unless the kernel deleted it (gone). */
void vta_spreader_remove(struct vta_spreader *s, int ifindex, bool gone);
/* The lease vta_spread honours (CLOCK_MONOTONIC ns, 0: none). */
void vta_spreader_lease(struct vta_spreader *s, uint64_t deadline_ns);
/* spread_peers := the tunnels' IPv4 peers (of spread_tunnels). */
void vta_spreader_peers(struct vta_spreader *s, const struct vta_sync *sync);
/* Detach from every interface, unpin, free.  NULL is fine. */
void vta_spreader_free(struct vta_spreader *s);

/* The online CPUs (/sys/devices/system/cpu/online) as a bit mask of the
 * first 64; 0 when unreadable. */
uint64_t vta_cpus_online(void);

/* CLI: the "spread" member of `status` (null when not loaded). */
struct vta_cli_iface;
void vta_spread_status(const char *pin_root, const struct vta_cli_iface *ifs,
		       int n);
/* CLI: spread_stats summed over CPUs; -ENOENT when not pinned. */
int vta_spread_counters(const char *pin_root, __u64 out[SPREAD_NR_COUNTERS]);
const char *vta_spread_counter_name(unsigned int i);
const char *vta_spread_counter_help(unsigned int i);
/* detach: take vta_spread programs that use the spread maps pinned under
 * pin_root off every interface of this namespace; *n counts them. */
int vta_spread_detach_pinned(const char *pin_root, int *n);
/* Unpin vta_spread and its maps under root; how many pins went. */
int vta_spread_unpin(const char *root);

#endif
