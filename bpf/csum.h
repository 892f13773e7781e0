/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * csum.h - Internet checksum arithmetic (RFC 1071, incremental updates as
 * RFC 1624).  Helpers that touch the skb's checksum state (CHECKSUM_PARTIAL
 * / CHECKSUM_COMPLETE) go through bpf_l3/l4_csum_replace instead; these
 * are for header checksums we verify or adjust by hand.
 */
#ifndef VTA_CSUM_H
#define VTA_CSUM_H

#include <stdbool.h>
#include <linux/types.h>
#include <linux/ip.h>
#include <bpf/bpf_endian.h>

static __always_inline __u16 vta_csum_fold(__u32 sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/* True when the option-less IPv4 header's checksum verifies. */
static __always_inline bool vta_ip4_csum_ok(const struct iphdr *iph)
{
	const __u16 *w = (const __u16 *)iph;
	__u32 sum = 0;
	int i;

#pragma unroll
	for (i = 0; i < (int)(sizeof(*iph) / 2); i++)
		sum += w[i];
	return vta_csum_fold(sum) == 0xffff;
}

/*
 * TTL - 1 with the header checksum adjusted exactly as the kernel's
 * ip_decrease_ttl() does, so the bytes match what ip_forward() sends.
 */
static __always_inline void vta_ip4_decrease_ttl(struct iphdr *iph)
{
	__u32 check = iph->check;

	check += bpf_htons(0x0100);
	iph->check = (__u16)(check + (check >= 0xffff));
	iph->ttl--;
}

#endif /* VTA_CSUM_H */
