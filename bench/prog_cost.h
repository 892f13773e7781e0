/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * prog_cost.h - what bench/prog_cost.c hands the loop driver of
 * bench/prog_cost.bpf.c: the packets of a cell, one per map element.
 */
#ifndef VTA_PROG_COST_H
#define VTA_PROG_COST_H

#include <linux/types.h>

#define PC_PKTS 4096 /* distinct packets of a cell, cycled */

struct pc_pkt {
	__u32 len; /* 58 (TCP) or 64 */
	__u8 b[124];
};

#endif
