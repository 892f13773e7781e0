/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* run.h - the daemon (`vtiaccel run`) for main/config to call. */
#ifndef VTA_RUN_H
#define VTA_RUN_H

#include <stdbool.h>
#include "conf.h"

/* Switches of run/verify that are not configuration keys. */
struct vta_run_extra {
	bool no_sa_aware;	/* --no-sa-aware: tunnels usable without SAs */
	bool json;		/* -j (verify) */
};

/* Run the daemon until SIGTERM/SIGINT; returns the exit status. */
int vta_run(const struct vta_conf *c);
int vta_run_ex(const struct vta_conf *c, const struct vta_run_extra *x);

/*
 * Flags of run (and verify): every configuration key as --key VALUE
 * (vta_conf_set_flag; a key without value is "yes"), plus --no-xdp,
 * --set-mss N, --no-sa-aware, --foreground (no-op) and -j.
 */
int vta_run_parse_flags(int argc, char **argv, struct vta_conf *c,
			struct vta_run_extra *x);

/* The settings run and verify work with: the configuration file's,
 * --pin-root, then the command's own flags (vta_run_parse_flags). */
int vta_run_conf(int argc, char **argv, struct vta_conf *c,
		 struct vta_run_extra *x);

#endif
