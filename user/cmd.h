/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* cmd.h - the subcommands of `vtiaccel` and the global options. */
#ifndef VTA_CMD_H
#define VTA_CMD_H

#include <stdbool.h>

/* Global options, parsed by main.c before the subcommand. */
struct vta_global {
	bool json;		/* -j, --json */
	int verbose;		/* -v (repeatable) */
	const char *conf_path;	/* -c, --config; NULL = VTA_CONF_PATH if present */
	const char *pin_root;	/* --pin-root; NULL = from config/default */
};
extern struct vta_global vta_g;

/* Each returns the process exit status; argv[0] is the subcommand name. */
int cmd_run(int argc, char **argv);	/* user/run.c */
int cmd_verify(int argc, char **argv);	/* user/verify.c */
int cmd_status(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_routes(int argc, char **argv);
int cmd_lookup(int argc, char **argv);
int cmd_detach(int argc, char **argv);
int cmd_clamp(int argc, char **argv);	/* user/detach.c */
int cmd_version(int argc, char **argv);
int cmd_help(int argc, char **argv);	/* user/cmdopt.c */

/* Each command file's table entry (struct vta_cmd, user/cli.h). */
struct vta_cmd;
extern const struct vta_cmd vta_cmd_run, vta_cmd_status, vta_cmd_stats,
	vta_cmd_routes, vta_cmd_lookup, vta_cmd_verify, vta_cmd_detach,
	vta_cmd_clamp, vta_cmd_version, vta_cmd_help;

#endif
