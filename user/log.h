/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* One logging sink for vtiaccel; libbpf's own output is routed here. */
#ifndef VTA_LOG_H
#define VTA_LOG_H

enum vta_log_level { VTA_LOG_WARN = 0, VTA_LOG_INFO = 1, VTA_LOG_DEBUG = 2 };

extern int vta_log_level;

void vta_log(enum vta_log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Route libbpf (and libxdp) messages through vta_log; shown with -v. */
void vta_log_setup_libbpf(void);

#define pr_warn(...)  vta_log(VTA_LOG_WARN, __VA_ARGS__)
#define pr_info(...)  vta_log(VTA_LOG_INFO, __VA_ARGS__)
#define pr_debug(...) vta_log(VTA_LOG_DEBUG, __VA_ARGS__)

#endif
