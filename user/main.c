// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* Placeholder entry point; the CLI replaces it. */
#include <stdio.h>
#include <string.h>
#include "cmd.h"
#include "log.h"

struct vta_global vta_g;

int main(int argc, char **argv)
{
	vta_log_setup_libbpf();
	if (argc > 1 && !strcmp(argv[1], "run"))
		return cmd_run(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "verify"))
		return cmd_verify(argc - 1, argv + 1);
	fprintf(stderr, "usage: vtiaccel run|verify\n");
	return 2;
}
