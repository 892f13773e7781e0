// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target: the configuration parser (user/conf.c).  The input is
 * a configuration file; its first line is also tried as one `run` flag
 * ("--KEY VALUE" as "KEY=VALUE").  Besides memory errors (ASan, UBSan)
 * it checks the parser's contract: a refused input always comes with an
 * error message, and an accepted one passes vta_conf_check() again.
 * Built and run by tests/fuzz/run.sh; seeds in tests/fuzz/corpus_conf/.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char text[1 << 16];
	static struct vta_conf c;
	char err[512], *nl, *eq;

	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = '\0';

	vta_conf_defaults(&c);
	err[0] = '\0';
	if (vta_conf_load_string(&c, "fuzz.conf", text, err, sizeof(err))) {
		if (!err[0])
			__builtin_trap(); /* refused without a reason */
	} else if (vta_conf_check(&c, err, sizeof(err))) {
		__builtin_trap(); /* accepted what the check refuses */
	}

	/* the first line as a flag of `run` */
	nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	eq = strchr(text, '=');
	if (!eq)
		return 0;
	*eq = '\0';
	vta_conf_defaults(&c);
	err[0] = '\0';
	if (vta_conf_set_flag(&c, text, eq + 1, err, sizeof(err)) && !err[0])
		__builtin_trap();
	return 0;
}
