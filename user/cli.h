/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cli.h - the command table of `vtiaccel` and what the read commands
 * share: opening the pinned maps, naming interfaces, roles, flags and
 * addresses the same way in every command.
 */
#ifndef VTA_CLI_H
#define VTA_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include <linux/types.h>
#include "conf.h"
#include "loader.h"

/*
 * One option of a command (or a global option).  A command's table drives
 * its getopt (vta_cmd_getopt()), its --help, its man page section and
 * the bash completion (user/cmdopt.c), as xdp-tools' lib/util/params.h
 * does for its tools.  A table ends with val 0.
 */
struct vta_cmd_opt {
	int val;		/* getopt's answer */
	const char *name;	/* the long option; NULL: short only */
	bool short_too;		/* -VAL works as well */
	const char *arg;	/* the argument's name; NULL: none */
	const char *help;	/* NULL: accepted, not documented */
	const char *values;	/* the argument's completion: words, or one
				 * of VTA_OPT_IFACE, VTA_OPT_DIR, VTA_OPT_FILE */
};

#define VTA_OPT_IFACE	"@iface"
#define VTA_OPT_DIR	"@dir"
#define VTA_OPT_FILE	"@file"
/* -j, --json: every read command has it. */
#define VTA_OPT_JSON(help) { 'j', "json", true, NULL, help, NULL }

struct vta_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;	/* synopsis after the name */
	const char *summary;	/* one line */
	const char *desc;	/* a paragraph for --help and the man page */
	const struct vta_cmd_opt *opts;	/* NULL-terminated */
	bool needs_conf;	/* load the config file first */
};

/* The whole CLI: global options, config, dispatch.  Returns the exit
 * status (0 ok, 1 failure, 2 usage). */
int vta_cli_main(int argc, char **argv);

/* The commands, in `vtiaccel help` order (user/cli.c). */
extern const struct vta_cmd *const vta_cmds[];
/* The global options (user/cli.c). */
extern const struct vta_cmd_opt vta_global_opts[];

/*
 * getopt_long() over a command's option table (and -h, --help, answered
 * 'h'): the same contract, optarg and optind included.  mode: "" or "+"
 * (stop at the first argument that is not an option).
 */
int vta_opt_getopt(const struct vta_cmd_opt *opts, const char *mode, int argc,
		   char **argv);
int vta_cmd_getopt(const struct vta_cmd *c, int argc, char **argv);
/* Print the global usage (stdout, or stderr on a usage error). */
void vta_cli_usage(bool error);

/*
 * Find a command by name or unique prefix.  Returns NULL and, when
 * ambiguous, writes the candidates ("status, stats") to amb.
 */
const struct vta_cmd *vta_cmd_find(const char *name, char *amb, size_t amblen);
const struct vta_cmd *vta_cmd_at(int i);
/* Print the usage of one command (stdout when ok, stderr when usage
 * error) and return 0 / 2. */
int vta_cmd_usage(const char *name, bool error);

/*
 * Pin root in effect: --pin-root, else the config's, else the default;
 * when no pins are there but a `vtiaccel run` of this network namespace
 * has them in its own mount namespace (started with `ip netns exec`),
 * /proc/PID/root/PIN_ROOT of that daemon (user/pins.c).
 */
const char *vta_cli_pin_root(void);
/* The daemon vta_cli_pin_root() reaches the pins through, 0 = directly. */
int vta_cli_pins_pid(void);
/* Why no pins were found and what to do ("" when nothing to add). */
const char *vta_cli_pins_hint(void);

/*
 * Find the pins of root: root itself when its maps are there, else
 * /proc/PID/root/ROOT of a `vtiaccel` process of this network namespace
 * (pid set).  -ENOENT when neither, with what to do in hint.
 */
int vta_pins_find(const char *root, char *out, size_t outlen, int *pid,
		  char *hint, size_t hintlen);

/*
 * Open the pinned maps for a read command.  On failure prints the error
 * (JSON under -j), e.g. "no vtiaccel maps under /sys/fs/bpf/vtiaccel:
 * is `vtiaccel run` running?", and returns -errno.
 */
int vta_cli_open_maps(struct vta_maps *m);

/* Managed interfaces (vta_ifslot, vta_ifdata: user/ifdata.h), sorted by
 * ifindex. */
struct vta_cli_iface {
	__u32 ifindex;
	char name[IF_NAMESIZE];	/* "if7" when the index has no name */
	bool gone;		/* no interface with that index any more */
	struct vta_iface v;
};
/* Room for element n of the array *v of *cap elements of size bytes,
 * doubling (first: the first size): 0, or -ENOMEM with *v freed and NULL. */
int vta_cli_grow(void **v, size_t *cap, size_t n, size_t size, size_t first);

/* Returns the count (>= 0) or -errno; *out is malloc'ed (free it). */
int vta_cli_ifaces(const struct vta_maps *m, struct vta_cli_iface **out);
/* Name of ifindex ("if7" when unknown). */
const char *vta_cli_ifname(__u32 ifindex, char buf[IF_NAMESIZE]);
/* Resolve a name or number to an ifindex; 0 when unknown. */
__u32 vta_cli_ifindex(const char *name);

/* vta_role_name(): conf.h (the sync names roles too). */
const char *vta_nh_kind_name(__u8 kind);
const char *vta_rt_type_name(__u8 type);
/* "UP,SA_UP,L2" (empty string when none). */
/* Flag names by bit, from the contract's X-macros (NULL: unused bit). */
extern const char *const vta_if_flag_names[32];
extern const char *const vta_cfg_flag_names[32];
/* "UP,SA_UP,..." (names upper-cased; unknown bits in hex). */
void vta_if_flags_str(__u32 flags, char *buf, size_t len);
void vta_cfg_flags_str(__u32 flags, char *buf, size_t len);
/* Addresses: vta_addr_str() of netlink.h, whose union vta_addr has the
 * map layout (IPv4 in the first 4 bytes). */

/* Routes of the map FIB (routes.c). */
struct vta_cli_route {
	int family;		/* VTA_AF_INET or VTA_AF_INET6 */
	__u32 plen;
	__u8 addr[16];		/* IPv4 in the first 4 bytes */
	struct vta_route r;
};
/* All routes of one family, sorted by address then prefix length; count
 * or -errno, *out malloc'ed. */
int vta_cli_routes(const struct vta_maps *m, int family,
		   struct vta_cli_route **out);
/* Number of keys of a map (walks get_next_key); -errno on failure. */
long vta_cli_map_count(int fd, size_t key_size);
/* "10.0.0.0/8" */
void vta_cli_prefix_str(const struct vta_cli_route *r, char *buf, size_t len);
/* Print a route with its group's members, as `routes` does (also used by
 * `lookup`); pick >= 0 marks that member as chosen. */
void vta_cli_print_route(const struct vta_maps *m, const struct vta_cli_route *r,
			 int pick);
/* One nexthop: "via GW dev NAME weight W" / "dev NAME weight W". */
void vta_cli_print_nh(const struct vta_nh *nh);

/* CLOCK_MONOTONIC in ns, the clock of bpf_ktime_get_ns(). */
__u64 vta_mono_ns(void);

#endif
