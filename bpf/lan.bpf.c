/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Placeholder: passes everything to the kernel.  Replaced by the data path. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include "maps.h"

SEC("tc")
int vta_lan_in(struct __sk_buff *skb)
{
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
