// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdio.h>
#include "cmd.h"

int cmd_verify(int argc, char **argv)
{
	fprintf(stderr, "vtiaccel: verify: not implemented yet\n");
	return 2;
}
