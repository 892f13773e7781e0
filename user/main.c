// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* vtiaccel entry point; the CLI lives in cli.c so the tests can link it. */
#include "cli.h"

int main(int argc, char **argv)
{
	return vta_cli_main(argc, argv);
}
