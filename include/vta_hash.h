/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * vta_hash.h - the ECMP flow hash and member pick, shared by the BPF
 * programs and by `vtiaccel lookup`, so the CLI explains exactly the path
 * the fast path takes.  Bob Jenkins' lookup3 final mix, as the kernel's
 * jhash_3words(); pure arithmetic, no loops that the verifier could
 * reject.
 */
#ifndef VTA_HASH_H
#define VTA_HASH_H

#include <linux/types.h>
#include "vtiaccel.h"

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define VTA_JHASH_INITVAL	0xdeadbeef

static __always_inline __u32 vta_rol32(__u32 word, unsigned int shift)
{
	return (word << (shift & 31)) | (word >> ((-shift) & 31));
}

static __always_inline __u32 vta_jhash_3words(__u32 a, __u32 b, __u32 c,
					      __u32 initval)
{
	a += VTA_JHASH_INITVAL + (3 << 2) + initval;
	b += VTA_JHASH_INITVAL + (3 << 2) + initval;
	c += VTA_JHASH_INITVAL + (3 << 2) + initval;

	c ^= b; c -= vta_rol32(b, 14);
	a ^= c; a -= vta_rol32(c, 11);
	b ^= a; b -= vta_rol32(a, 25);
	c ^= b; c -= vta_rol32(b, 16);
	a ^= c; a -= vta_rol32(c, 4);
	b ^= a; b -= vta_rol32(a, 14);
	c ^= b; c -= vta_rol32(b, 24);
	return c;
}

/*
 * Flow hash.  Addresses and ports are taken as they sit in the packet
 * (network byte order) so both sides compute the same value without
 * conversions.  ports is (sport << 16 | dport) of the raw 16-bit fields
 * for TCP/UDP and 0 otherwise (3-tuple).
 */
static __always_inline __u32 vta_flow_hash4(__u32 saddr, __u32 daddr,
					    __u32 ports, __u8 proto,
					    __u32 seed)
{
	return vta_jhash_3words(saddr, daddr, ports, seed ^ proto);
}

static __always_inline __u32 vta_flow_hash6(const __u32 *saddr,
					    const __u32 *daddr,
					    __u32 ports, __u8 proto,
					    __u32 seed)
{
	__u32 s = vta_jhash_3words(saddr[0], saddr[1], saddr[2], saddr[3]);
	__u32 d = vta_jhash_3words(daddr[0], daddr[1], daddr[2], daddr[3]);

	return vta_jhash_3words(s, d, ports, seed ^ proto);
}

/*
 * Pick a member of a group.  With a bucket table (n_buckets ==
 * VTA_GROUP_BUCKETS, always from the daemon) the hash's high bits pick a
 * bucket and the bucket names the member: a resilient table (the
 * daemon, user/resilient.c, changes only the buckets it must when
 * members come and go, so a removed member's flows are the only ones
 * that move).  Without one (or a bucket naming no member, which the
 * daemon never writes), hash-threshold (RFC 2992, as the kernel's
 * fib_select_multipath()): the hash scaled to [0, total_weight) by its
 * high bits falls into member i's share.  Either way the member is one
 * of the kernel's ECMP set.  Returns -1 when the group has no usable
 * member.
 */
static __always_inline int vta_group_pick(const struct vta_group *g,
					  __u32 hash)
{
	__u32 n = g->n_paths, total = g->total_weight, acc = 0, point;
	int i;

	if (n == 0 || n > VTA_MAX_PATHS || total == 0)
		return -1;
	if (g->n_buckets == VTA_GROUP_BUCKETS) {
		__u32 b = (__u32)(((__u64)hash * VTA_GROUP_BUCKETS) >> 32);
		__u32 m = g->buckets[b & (VTA_GROUP_BUCKETS - 1)];

		if (m < n) {
			/* m < n <= VTA_MAX_PATHS (a power of two), so the
			 * mask changes nothing, but the 6.1 verifier learns
			 * no bound from comparing two registers, and clang
			 * dropped or moved the caller's i < VTA_MAX_PATHS
			 * check (paths[m] with m up to 255: "invalid access
			 * to map value", measured on Debian's 6.1).  The
			 * barrier keeps clang from proving the mask
			 * redundant. */
			asm volatile("" : "+r"(m));
			return (int)(m & (VTA_MAX_PATHS - 1));
		}
	}
	point = (__u32)(((__u64)hash * total) >> 32);
#ifdef __clang__
#pragma unroll
#endif
	for (i = 0; i < VTA_MAX_PATHS; i++) {
		if ((__u32)i >= n)
			break;
		acc += g->paths[i].weight;
		if (point < acc)
			return i;
	}
	return -1;
}

#endif /* VTA_HASH_H */
