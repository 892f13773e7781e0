/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * conf.h - vtiaccel's settings: defaults, /etc/vtiaccel.conf (INI, inih)
 * and command-line flags, in that order of precedence (flags win).
 */
#ifndef VTA_CONF_H
#define VTA_CONF_H

#include <stdbool.h>
#include <stdint.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>

#define VTA_CONF_PATH		"/etc/vtiaccel.conf"
#define VTA_CONF_MAX_PATTERNS	16
#define VTA_CONF_MAX_PEERS	16

enum vta_mss_mode {
	VTA_MSS_OFF = 0,	/* no clamping */
	VTA_MSS_PMTU,		/* clamp to egress MTU - 40/60 (--clamp-mss-to-pmtu) */
	VTA_MSS_SA,		/* derive from the tunnel's SA and outer MTU,
				 * PMTU when the SA is not known (default) */
	VTA_MSS_FIXED,		/* --set-mss N */
};

/* Interface name patterns (fnmatch, e.g. "vti*"). */
struct vta_patterns {
	int n;
	char pat[VTA_CONF_MAX_PATTERNS][IFNAMSIZ];
};

/* NAT override: ESP for this tunnel arrives for `local` (the private
 * address behind a 1:1 NAT), not for the VTI's configured local. */
struct vta_peer_override {
	char tunnel[IFNAMSIZ];
	int family;
	struct in6_addr local;	/* IPv4 as the first 4 bytes */
	bool has_mark;
	uint32_t mark, mask;
};

struct vta_conf {
	char pin_root[PATH_MAX];	/* [general] pin_root */
	struct vta_patterns lan;	/* [interfaces] lan = eth1 */
	struct vta_patterns wan;	/* [interfaces] wan = eth0 */
	struct vta_patterns tunnel;	/* [interfaces] tunnel = vti* xfrm* */
	uint32_t table;			/* [routes] table = main (254) */
	enum vta_mss_mode mss_mode;	/* [mss] mode = sa | pmtu | fixed | off */
	uint16_t mss_fixed;		/* [mss] value = 1379 (mode fixed) */
	bool clamp_in;			/* [mss] clamp_inbound = yes */
	bool esp_mark;			/* [esp] mark = no */
	bool rpf_strict;		/* [forward] rpf = loose | strict */
	bool xdp;			/* [forward] xdp = yes */
	bool xdp_guard;			/* [forward] xdp_guard = no */
	uint32_t lease_ms;		/* [daemon] lease_ms = 3000 */
	uint32_t renew_ms;		/* [daemon] renew_ms = 1000 */
	uint32_t hash_seed;		/* [forward] hash_seed = 0 (random) */
	uint32_t nl_rcvbuf;		/* [daemon] netlink_rcvbuf (bytes) */
	int n_peers;			/* [peer NAME] sections */
	struct vta_peer_override peers[VTA_CONF_MAX_PEERS];
};

/* Fill with defaults. */
void vta_conf_defaults(struct vta_conf *c);

#endif
