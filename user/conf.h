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
#include "vta_spread.h"

#define VTA_CONF_PATH		"/etc/vtiaccel.conf"
#define VTA_CONF_MAX_PATTERNS	16
#define VTA_CONF_MAX_PEERS	16
#define VTA_CONF_W_MAX		7
#define VTA_CONF_MAX_TUNNELS	16

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

/* [tunnel NAME] probe = ADDR | off | auto (liveness, user/liveness.h) */
enum vta_probe_mode {
	VTA_PROBE_AUTO = 0,	/* the tunnel's peer inside address */
	VTA_PROBE_OFF,
	VTA_PROBE_ADDR,
};

/* [esp] spread = no | cpus LIST [block N] [qsize N] [xdp generic|native]
 * (docs/esp-spread.md); block defaults to 64 */
enum vta_spread_xdp {
	VTA_SPREAD_XDP_GENERIC = 0,	/* skb mode: any driver (default) */
	VTA_SPREAD_XDP_NATIVE,		/* driver mode, refused where the
					 * driver cannot */
};

#define VTA_SPREAD_BLOCK_SHIFT	6	/* default block: 64 */

struct vta_spread_conf {
	uint32_t ncpus;			/* 0: off (the default) */
	uint32_t cpus[VTA_SPREAD_MAX_CPUS];	/* distinct, in the given order */
	uint32_t block_shift;		/* 2^block_shift sequence numbers per CPU */
	uint32_t qsize;			/* CPUMAP queue per CPU; 0: 512 / ncpus */
	enum vta_spread_xdp xdp;
};

/* [tunnel NAME] spread = no | cpus LIST [block N]: over [esp] spread */
enum vta_tspread {
	VTA_TSPREAD_DEFAULT = 0,	/* [esp] spread and spread_tunnels */
	VTA_TSPREAD_OFF,		/* not this tunnel */
	VTA_TSPREAD_ON,			/* this tunnel, over its own CPUs */
};

/* A [tunnel NAME] section. */
struct vta_tunnel_conf {
	char tunnel[IFNAMSIZ];
	enum vta_probe_mode mode;	/* probe (auto) */
	int family;
	struct in6_addr addr;	/* IPv4 as the first 4 bytes */
	enum vta_tspread spread_mode;	/* spread (default) */
	struct vta_spread_conf spread;	/* VTA_TSPREAD_ON: cpus and block */
};

/* [esp] pcrypt = no | cpus LIST, [esp] pcrypt_algs = ALG... : the kernel's
 * pcrypt template around the SAs' AEADs (docs/esp-spread.md, "pcrypt") */
#define VTA_PCRYPT_MAX_ALGS	8
#define VTA_PCRYPT_NAME_MAX	56	/* "pcrypt(" NAME ")" fits CRYPTO_MAX_NAME */
struct vta_pcrypt_conf {
	uint64_t cpus;			/* CPU bit mask; 0: not on */
	bool retire;			/* pcrypt = no: take instances out of
					 * use; unset: leave them alone */
	bool kernel_ok;			/* pcrypt_kernel_ok = no: the kernel
					 * bug of docs/esp-spread.md is fixed */
	int n_algs;			/* pcrypt_algs; 0: the defaults */
	char algs[VTA_PCRYPT_MAX_ALGS][VTA_PCRYPT_NAME_MAX];
};

/* [forward] attach: the hook of the tc programs.  auto is tcx where the
 * kernel has it (6.6+) and the pins outlive the daemon, a cls_bpf filter
 * otherwise (vta_run_ex()). */
enum vta_attach_mode {
	VTA_ATTACH_AUTO,
	VTA_ATTACH_TC,
	VTA_ATTACH_TCX,
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
	struct vta_spread_conf spread;	/* [esp] spread = no */
	struct vta_patterns spread_tunnels; /* [esp] spread_tunnels (all) */
	struct vta_pcrypt_conf pcrypt;	/* [esp] pcrypt (unset) */
	bool rpf_strict;		/* [forward] rpf = loose | strict */
	bool xdp;			/* [forward] xdp = yes */
	enum vta_attach_mode attach;	/* [forward] attach = auto */
	bool xdp_guard;			/* [forward] xdp_guard = no */
	uint32_t lease_ms;		/* [daemon] lease_ms = 3000 */
	uint32_t renew_ms;		/* [daemon] renew_ms = 1000 */
	uint32_t hash_seed;		/* [forward] hash_seed = 0 (random) */
	uint32_t nl_rcvbuf;		/* [daemon] netlink_rcvbuf (bytes) */
	/* [forward] netfilter_bypass: netfilter chains on the forwarding
	 * path the operator lets the fast path bypass, by name
	 * ("inet/filter/forward", "iptables/mangle/FORWARD") */
	int n_nf_bypass;
	char nf_bypass[VTA_CONF_MAX_PATTERNS][64];
	bool live;			/* [liveness] enable = yes */
	uint32_t live_interval_ms;	/* [liveness] interval_ms = 100 */
	uint32_t live_deadline_ms;	/* [liveness] deadline_ms = 400 */
	uint32_t live_misses;		/* [liveness] misses = 3 */
	uint32_t live_rise;		/* [liveness] rise = 3 */
	int n_tun_conf;			/* [tunnel NAME] sections */
	struct vta_tunnel_conf tun_conf[VTA_CONF_MAX_TUNNELS];
	int n_peers;			/* [peer NAME] sections */
	struct vta_peer_override peers[VTA_CONF_MAX_PEERS];
	/*
	 * Where the settings that vta_conf_check() relates to each other
	 * came from ("default", "/etc/vtiaccel.conf:7", "--mss"), so that a
	 * conflict names both ends.  Set by vta_conf_set() from `origin`.
	 */
	const char *origin;		/* origin of the next vta_conf_set() */
	char where[VTA_CONF_W_MAX][PATH_MAX / 16];
};

/* The settings whose origin is remembered (struct vta_conf.where). */
enum vta_conf_w {
	VTA_CONF_W_LAN, VTA_CONF_W_WAN, VTA_CONF_W_TUNNEL,
	VTA_CONF_W_MSS_MODE, VTA_CONF_W_MSS_VALUE,
	VTA_CONF_W_LEASE, VTA_CONF_W_RENEW,
};

/* The settings in effect, for every command: defaults, then the config
 * file (main.c loads it), then `run`'s flags (run.c applies them). */
extern struct vta_conf vta_conf;

/* Fill with defaults. */
void vta_conf_defaults(struct vta_conf *c);

/*
 * Set one key, validated here and only here: used by the INI parser and
 * by the command-line flags of `run`.  section is "general", "mss", ...,
 * or "peer NAME".  On error returns -EINVAL and writes
 * "[mss] value = 70000: must be 88..65495" to err.
 */
int vta_conf_set(struct vta_conf *c, const char *section, const char *key,
		 const char *value, char *err, size_t errlen);

/*
 * Parse an INI file on top of what c holds (call vta_conf_defaults()
 * first) and check it.  Errors: "FILE:LINE: [section] key = value: reason"
 * in err; -ENOENT/-EACCES when the file cannot be read, -EINVAL otherwise.
 */
int vta_conf_load(struct vta_conf *c, const char *path, char *err,
		  size_t errlen);
/* Same from a string (tests); name is used in messages. */
int vta_conf_load_string(struct vta_conf *c, const char *name,
			 const char *text, char *err, size_t errlen);

/* Settings that conflict with each other; run after the last set. */
int vta_conf_check(const struct vta_conf *c, char *err, size_t errlen);

/*
 * Command-line flags of `run`: every key has one, "--" + flag name, and
 * takes one argument.  vta_conf_flag_name(i) enumerates them (NULL past
 * the end) for getopt_long tables, help and completion;
 * vta_conf_set_flag("mss", "1379", ...) applies one and records "--mss"
 * as its origin.  Peers: --peer "vti1 local=10.16.1.254 mark=100/0xffffffff".
 */
const char *vta_conf_flag_name(int i);
const char *vta_conf_flag_help(int i);
int vta_conf_set_flag(struct vta_conf *c, const char *flag, const char *value,
		      char *err, size_t errlen);

/* "cpus 0-1 block 1 qsize 256 xdp generic", "no" when off. */
void vta_spread_conf_str(const struct vta_spread_conf *s, char *buf,
			 size_t len);
/* A [tunnel NAME] spread: "cpus 2-3 block 8", "no" when off (qsize and
 * xdp are [esp] spread's). */
void vta_tunnel_spread_str(const struct vta_spread_conf *s, char *buf,
			   size_t len);
/* The CPUMAP queue size in effect (qsize or its default). */
uint32_t vta_spread_qsize(const struct vta_spread_conf *s);
/* How tunnel name's ESP is spread: its [tunnel NAME] spread, else [esp]
 * spread where spread_tunnels (all by default) matches it; NULL: not. */
const struct vta_spread_conf *vta_tunnel_spread(const struct vta_conf *c,
						const char *name);
/* Does [esp] spread or any [tunnel NAME] spread spread a tunnel? */
bool vta_spread_any(const struct vta_conf *c);
/* The AEADs of [esp] pcrypt_algs, or the defaults when none is given. */
int vta_pcrypt_algs(const struct vta_pcrypt_conf *p,
		    const char *out[VTA_PCRYPT_MAX_ALGS]);
/* A CPU mask as a list ("1-2,5"); "none" for 0. */
void vta_cpumask_str(uint64_t m, char *buf, size_t len);

/* Helpers shared with the CLI. */
const char *vta_mss_mode_name(enum vta_mss_mode m);
/* "lan", "wan", "tunnel" (the keys that give the roles), else "none". */
const char *vta_role_name(uint32_t role);
/* Does name match any pattern of p (fnmatch)? */
bool vta_patterns_match(const struct vta_patterns *p, const char *name);

#endif
