/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Placeholder: passes everything.  Replaced by the data path. */
#include <linux/bpf.h>
#include "maps.h"

SEC("xdp")
int vta_xdp_lan(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
