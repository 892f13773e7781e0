/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one spec language of the net tier's map fixtures (vta_static,
 * cli_fixture): map contents as text, applied to a set of vtiaccel maps.
 * Entries, one a line ('#' comments; ';' also ends an entry), interfaces
 * by name in the current network namespace:
 *
 *   iface NAME [role lan|wan|tunnel] [slot N] [mtu N] [mss4 N] [mss6 N]
 *	[flags LIST] [mark V[/MASK]]
 *	LIST: the interface flags of include/vtiaccel.h (up,sa_up,...).
 *	An interface already in the map keeps what is not given; a new one
 *	gets the next free slot and the link's MTU.
 *   uniface NAME			the interface leaves vta_ifslot
 *   group ID MEMBER...		MEMBER = neigh IF [via GW] [weight W]
 *					       | tunnel IF [weight W]
 *   route PREFIX [group ID] [flags via_tunnel,gateway] [mtu N]
 *	| route PREFIX local | route PREFIX kernel
 *   unroute PREFIX
 *   peer LOCAL REMOTE [mark V[/MASK]] [flags esp,natt] [tunnel IF]
 *	(flags default to esp,natt)
 *   config [flags LIST] [NAME] [noNAME] [seed N] [lease T|past|off]
 *	NAME = forward, esp_mark, xdp_guard; keys not given keep their
 *	value.  T: seconds from now, "600" or "600s"; negative = expired
 *	that long ago ("-5s"); past = expired long ago.
 *   stat IF|0 COUNTER PACKETS BYTES [legacy]
 *	add to a counter of IF's slot (0: slot 0), spread over the CPUs,
 *	in the map the programs count it in (forwards and TX:
 *	vta_fwd_stats); legacy: in vta_stats, as a vtiaccel before
 *	vta_fwd_stats did
 *   health [KEY N]... [flags writes_failing,stale] [age MS]
 *	the daemon's health element; KEY = a resync cause (start, overrun,
 *	xfrm_overrun, sighup, model), failures, msgs, bad, write_errors,
 *	last_sync_ms, routes, groups, ifaces, peers, lag_ms, lag_max_ms,
 *	pid; age: written MS ago (default now)
 *
 * A tool adds its own entries (attach, testrun) through mapspec.entry.
 */
#ifndef VTA_TESTS_MAPSPEC_H
#define VTA_TESTS_MAPSPEC_H

#include <linux/types.h>

#include "loader.h"

struct mapspec {
	const char *prog; /* message prefix: the tool's name */
	struct vta_maps *maps;
	int n_auto_slot; /* last slot given without "slot" */
	int line; /* line being applied, for messages */
	/* The tool's own entries: 0 done, -ENOENT not one of them,
	 * another negative errno after printing why. */
	int (*entry)(struct mapspec *ms, char **w, int n);
	void *priv;
	/* the IPv4 FIB writer (user/fib4.h) while a spec is applied */
	struct mapspec_fib4 *fib4;
};

/* Apply TEXT (modified in place); stops at the first bad entry. */
int mapspec_apply(struct mapspec *ms, char *text);
/* Apply the file PATH ("-": standard input). */
int mapspec_apply_file(struct mapspec *ms, const char *path);
/* Start automatic slots after the highest slot in vta_ifslot. */
void mapspec_slots_from_map(struct mapspec *ms);

/* Helpers for the tools' own entries; each prints why it fails. */
void mapspec_err(const struct mapspec *ms, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int mapspec_u32(const char *s, __u32 *out);
int mapspec_ifindex(const struct mapspec *ms, const char *name);
int mapspec_addr(const struct mapspec *ms, const char *s, __u8 out[16]);
/* "lan", "tunnel", "wan": the tc ingress program of that role. */
int mapspec_tc_prog(const struct mapspec *ms, const char *role,
		    enum vta_prog *p);

#endif
