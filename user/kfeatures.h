/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * kfeatures.h - kernel features that the kernel's forwarding path applies
 * and the map FIB does not mirror: policy routing rules, netfilter chains
 * on the forwarding path, XFRM policies for unmarked forwarded packets.
 * While one is in use the daemon switches fast-path forwarding off (every
 * packet goes to the kernel) and `status` names it (issue 11, item 4;
 * docs/datapath-notes.md "Kernel features that switch forwarding off").
 *
 * Per-prefix features (TOS routes, IPv6 source-specific routes,
 * lightweight-tunnel encap) are handled by the route sync instead: the
 * prefix is left to the kernel (user/sync.h).
 */
#ifndef VTA_KFEATURES_H
#define VTA_KFEATURES_H

#include <stdbool.h>
#include <stdint.h>
#include "conf.h"

#define VTA_FEATURES_MAX 16

struct vta_features {
	int n; /* features in use that block */
	bool truncated; /* more than VTA_FEATURES_MAX */
	char what[VTA_FEATURES_MAX][192];
	int n_bypassed; /* netfilter chains the operator
					 * named in netfilter_bypass */
	char bypassed[VTA_FEATURES_MAX][96];
	int n_errors; /* what could not be read: blocks */
	/* tables a rule looks up whose emptiness decided whether it counts:
	 * a route added to or deleted from one triggers a new scan */
	int n_watch;
	uint32_t watch_tables[VTA_FEATURES_MAX];
};

/*
 * Look at the current network namespace.  A part that cannot be read
 * (no permission, a kernel without nftables is fine) counts as in use:
 * fail open.  Returns 0; f->n > 0 means forwarding must stay off.
 */
int vta_features_scan(const struct vta_conf *c, struct vta_features *f);

/*
 * Event sockets that tell when to scan again: ip rules (rtnetlink),
 * nftables (nfnetlink) and XFRM policies change.  Fills up to 3 fds
 * (non-blocking; -1 where unavailable) and returns how many are open.
 * iptables-legacy has no events: the periodic scan covers it.
 */
int vta_features_watch_open(int fds[3]);
/* Discard what is queued on one of them (any message means "rescan"). */
void vta_features_watch_drain(int fd);

/* Routes of the mirrored table that the route sync leaves to the kernel
 * per prefix, by what makes them so (for `status`). */
struct vta_prefix_features {
	unsigned long tos; /* TOS routes */
	unsigned long src; /* IPv6 source-specific routes */
	unsigned long encap; /* lightweight-tunnel encap */
	unsigned long reject; /* blackhole/unreachable/prohibit/throw */
	int err; /* 0, or -errno of the dump */
	unsigned long resilient; /* resilient nexthop groups (their routes) */
};

/* Dump the mirrored table (both families) and count them. */
void vta_prefix_features_scan(const struct vta_conf *c,
			      struct vta_prefix_features *pf);

/* One line naming everything in use ("none" when f->n == 0). */
void vta_features_summary(const struct vta_features *f, char *buf, size_t len);

#endif
