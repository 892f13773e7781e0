// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "log.h"

int vta_log_level = VTA_LOG_WARN;

static void vta_vlog(enum vta_log_level lvl, const char *fmt, va_list ap)
{
	if ((int)lvl > vta_log_level)
		return;
	fputs("vtiaccel: ", stderr);
	vfprintf(stderr, fmt, ap);
}

void vta_log(enum vta_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vta_vlog(lvl, fmt, ap);
	va_end(ap);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	/* libbpf's warnings are detail for -v: we print our own error
	 * naming the object and the failure. */
	vta_vlog(level == LIBBPF_DEBUG ? VTA_LOG_DEBUG + 1 : VTA_LOG_DEBUG,
		 fmt, ap);
	return 0;
}

static int libxdp_print(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	vta_vlog(level == LIBXDP_DEBUG ? VTA_LOG_DEBUG + 1 : VTA_LOG_DEBUG,
		 fmt, ap);
	return 0;
}

void vta_log_setup_libbpf(void)
{
	libbpf_set_print(libbpf_print);
	libxdp_set_print(libxdp_print);
}
