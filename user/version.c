// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* `vtiaccel version`: what an operator quotes in a bug report. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <bpf/libbpf.h>

#include "cli.h"
#include "cmd.h"
#include "print.h"

/* The Makefile may pass -DVTA_VERSION="\"$(git describe)\"". */
#ifndef VTA_VERSION
#define VTA_VERSION "0.1-dev"
#endif

int cmd_version(int argc, char **argv)
{
	struct utsname u;
	char libbpf[32];

	if (argc > 1 && !(argc == 2 && (!strcmp(argv[1], "-j") ||
					!strcmp(argv[1], "--json"))))
		return vta_print_error("version: unexpected argument '%s'",
				       argv[1]) + 1;
	if (argc == 2)
		vta_print_init(true, false);
	if (uname(&u))
		snprintf(u.release, sizeof(u.release), "unknown");
	snprintf(libbpf, sizeof(libbpf), "%u.%u", libbpf_major_version(),
		 libbpf_minor_version());
	open_json_object(NULL);
	print_string(PRINT_ANY, "version", "vtiaccel %s\n", VTA_VERSION);
	print_string(PRINT_ANY, "libbpf", "libbpf %s\n", libbpf);
	print_string(PRINT_ANY, "kernel", "kernel %s", u.release);
	print_string(PRINT_ANY, "machine", " %s\n", u.machine);
	close_json_object();
	return 0;
}

static const struct vta_cmd_opt version_opts[] = {
	VTA_OPT_JSON("JSON output (also as a global option)"),
	{ 0 },
};

const struct vta_cmd vta_cmd_version = {
	.name = "version",
	.fn = cmd_version,
	.args = "[-j]",
	.summary = "vtiaccel, libbpf and kernel versions",
	.desc = NULL,
	.opts = version_opts,
	.needs_conf = false,
};
