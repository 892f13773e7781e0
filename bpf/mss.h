/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * mss.h - TCP MSS clamping byte-identical to the kernel's xt_TCPMSS
 * (`-p tcp --tcp-flags SYN,RST SYN -j TCPMSS`), which vtiaccel replaces,
 * as measured (docs/kernel-facts.md, "xt_TCPMSS"):
 *
 *  - the rule matches TCP with SYN set and RST clear (a segment too short
 *    to hold the flags cannot match: it is forwarded; with the nft
 *    backend nothing else is dropped by the match);
 *  - matched but unusable (fixed header cut, doff < 5, doff * 4 past the
 *    segment) -> drop, as the target does;
 *  - options are scanned from byte 20 while an MSS could still fit:
 *    EOL and NOP and lengths 0/1 advance one byte (EOL does not end the
 *    scan), other options their length; the first kind 2 length 4 is
 *    the MSS: lowered to the clamp, never raised;
 *  - no valid MSS, no payload, doff < 15: an MSS option is inserted in
 *    front of the options with min(clamp, 536) (IPv4) / min(clamp, 1220)
 *    (IPv6), lengths and checksums adjusted.
 *
 * One deliberate difference: an MSS at an odd offset gets a correct TCP
 * checksum (the kernel updates it as if aligned).
 *
 * vta_mss_plan() only reads; vta_mss_clamp() / vta_mss_insert() write,
 * once everything else has been decided.  The fast path leaves fragments
 * to the kernel; the tunnels' egress clamp (clamp.h) applies this to first
 * fragments, without insertion into one that has more after it.
 */
#ifndef VTA_MSS_H
#define VTA_MSS_H

#include "parse.h"

#define VTA_TCP_SYN		0x02
#define VTA_TCP_RST		0x04
#define VTA_TCPOPT_MSS		2
#define VTA_TCPOLEN_MSS		4
#define VTA_TCP_OPT_MAX		40
#define VTA_TCP_HLEN		20	/* fixed TCP header */

enum vta_mss_action {
	VTA_MSS_NONE = 0,
	VTA_MSS_CLAMP,
	VTA_MSS_INSERT,
};

struct vta_mss_plan {
	__u32 action;		/* enum vta_mss_action */
	__u32 opt_off;		/* CLAMP: offset of the MSS value in the TCP
				 * header */
	__u32 hdr_len;		/* INSERT: doff * 4 before insertion */
	__u16 old_mss;		/* host order */
	__u16 new_mss;
};

/* Effective clamp: the lowest non-zero of two. */
static __always_inline __u16 vta_mss_min(__u16 a, __u16 b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

/*
 * Bytes 12 (data offset) and 13 (flags) of the TCP header at off: read in
 * place when the head is linear that far (vta_pull() made it so on the
 * forwarding path), copied with the helper only when it is not.  The
 * helper call costs more than the rest of a non-SYN's check.
 */
static __always_inline int vta_tcp_flags(struct __sk_buff *skb, __u32 off,
					 __u8 *doff, __u8 *flags)
{
	void *data = vta_data(skb), *end = vta_data_end(skb);
	__u8 th[14];

	if (off <= VTA_PULL_LEN) {
		__u8 *t = data + off;

		if ((void *)(t + 14) <= end) {
			*doff = t[12];
			*flags = t[13];
			return 0;
		}
	}
	if (bpf_skb_load_bytes(skb, off, th, sizeof(th)))
		return -1;
	*doff = th[12];
	*flags = th[13];
	return 0;
}

/* Copy len bytes (a multiple of 4, at most 60) from the packet at off. */
static __always_inline int vta_load_words(struct __sk_buff *skb, __u32 off,
					  __u8 *buf, __u32 len)
{
	int i;

#pragma unroll
	for (i = 0; i < 15; i++) {
		if ((__u32)i * 4 >= len)
			break;
		if (bpf_skb_load_bytes(skb, off + i * 4, buf + i * 4, 4))
			return -1;
	}
	return 0;
}

/* Write len bytes (a multiple of 4, at most 60) to the packet at off. */
static __always_inline int vta_store_words(struct __sk_buff *skb, __u32 off,
					   const __u8 *buf, __u32 len)
{
	int i;

#pragma unroll
	for (i = 0; i < 15; i++) {
		if ((__u32)i * 4 >= len)
			break;
		if (bpf_skb_store_bytes(skb, off + i * 4, buf + i * 4, 4, 0))
			return -1;
	}
	return 0;
}

/*
 * The option scan runs as bpf_loop() steps (5.17+): the verifier checks
 * the body once instead of every path through 40 data-dependent steps
 * (which exceeds its 1M-instruction budget).
 *
 * Its state lives in a per-CPU map, not on the stack: before Linux 6.7
 * ("bpf: verify callbacks as if they are called unknown number of
 * times") the verifier simulated a bpf_loop() callback once and took the
 * caller's stack after it as known, so on 6.1 it "knew" the MSS was at
 * offset 0 and hard-wired the odd-offset branch of the checksum update
 * away (seen in the bpf tier under the vm tier's 6.1 kernel).  Values
 * loaded from a map are unknown to it.  Softirqs do not nest, so one
 * element per CPU is enough; bytes past optlen are stale, never read.
 */
struct vta_mss_scan {
	__u8 opt[64];		/* the option bytes (optlen of them) */
	__u32 off;		/* next option's offset in opt */
	__u32 optlen;		/* doff * 4 - 20 */
	__s32 found;		/* offset of the MSS option, -1: none */
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct vta_mss_scan);
	__uint(max_entries, 1);
} vta_mss_scratch SEC(".maps");

static long vta_mss_scan_step(__u32 i, void *data)
{
	struct vta_mss_scan *s;
	__u32 zero = 0, off;
	__u8 kind, len;

	s = bpf_map_lookup_elem(&vta_mss_scratch, &zero);
	if (!s)
		return 1;
	off = s->off;
	/* Like the kernel: look only where a whole MSS option fits. */
	if (off + VTA_TCPOLEN_MSS > s->optlen || off > VTA_TCP_OPT_MAX)
		return 1;
	barrier_var(off);	/* keep the masks (see vta_mss_plan()) */
	kind = s->opt[off & 63];
	len = s->opt[(off + 1) & 63];
	if (kind == VTA_TCPOPT_MSS && len == VTA_TCPOLEN_MSS) {
		s->found = off;
		return 1;
	}
	s->off = off + ((kind <= 1 || len <= 1) ? 1 : len);
	return 0;
}

static __always_inline int vta_mss_plan(struct __sk_buff *skb,
					const struct vta_pkt *p, __u16 clamp,
					struct vta_mss_plan *mp)
{
	struct vta_mss_scan *scan;
	__u8 doff, flags;
	__u32 seg_len, hdr_len, zero = 0;
	__u32 optlen;
	__s32 found = -1;

	mp->action = VTA_MSS_NONE;
	if (p->proto != IPPROTO_TCP || !clamp)
		return VTA_CONTINUE;
	seg_len = p->ip_len - (p->l4_off - p->l3_off);
	/* Without the flags byte the rule cannot match: forwarded. */
	if (seg_len < 14 || vta_tcp_flags(skb, p->l4_off, &doff, &flags))
		return VTA_CONTINUE;
	if (!(flags & VTA_TCP_SYN) || (flags & VTA_TCP_RST))
		return VTA_CONTINUE;
	/* It matches; the target drops what it cannot use. */
	hdr_len = (doff >> 4) * 4;
	if (seg_len < VTA_TCP_HLEN || hdr_len < VTA_TCP_HLEN ||
	    hdr_len > seg_len)
		return VTA_DROP_TCP_HDR;

	/* doff * 4 - 20: a multiple of 4, at most 40 */
	optlen = hdr_len - VTA_TCP_HLEN;
	scan = bpf_map_lookup_elem(&vta_mss_scratch, &zero);
	if (!scan)
		return VTA_PASS_MSS;
	if (optlen >= VTA_TCPOLEN_MSS) {
		/* In 4-byte words: constant sizes keep every verifier
		 * (6.1 included) happy whatever the compiler spills. */
		if (vta_load_words(skb, p->l4_off + VTA_TCP_HLEN, scan->opt,
				   optlen))
			return VTA_DROP_TCP_HDR;
		scan->off = 0;
		scan->optlen = optlen;
		scan->found = -1;
		/* Every step advances at least one byte: 40 steps suffice. */
		bpf_loop(VTA_TCP_OPT_MAX, vta_mss_scan_step, NULL, 0);
		found = scan->found;
	}

	if (found >= 0 && found <= VTA_TCP_OPT_MAX - 4) {
		__u32 off = found;
		__u16 mss;

		/* Hide the range from clang so that it keeps the masks: the
		 * 6.1 verifier loses it in the zero-extending copies. */
		barrier_var(off);
		mss = (__u16)scan->opt[(off + 2) & 63] << 8 |
		      scan->opt[(off + 3) & 63];

		if (mss <= clamp)
			return VTA_CONTINUE;	/* never raised */
		mp->action = VTA_MSS_CLAMP;
		mp->opt_off = VTA_TCP_HLEN + off + 2;
		mp->old_mss = mss;
		mp->new_mss = clamp;
		return VTA_CONTINUE;
	}

	/* No usable MSS option: insert one, as the kernel does. */
	if (seg_len > hdr_len || hdr_len >= 15 * 4)
		return VTA_CONTINUE;
	mp->action = VTA_MSS_INSERT;
	mp->hdr_len = hdr_len;
	mp->new_mss = vta_mss_min(clamp, p->family == VTA_AF_INET ? 536 : 1220);
	return VTA_CONTINUE;
}

/*
 * Lower the MSS in place.  The TCP checksum is updated through
 * bpf_l4_csum_replace() so that CHECKSUM_PARTIAL/COMPLETE skbs stay
 * right; at an odd offset the value straddles two 16-bit words, whose
 * contribution to the sum is the byte-swapped value.
 */
static __always_inline int vta_mss_clamp(struct __sk_buff *skb,
					 const struct vta_pkt *p,
					 const struct vta_mss_plan *mp)
{
	__u32 csum_off = p->l4_off + offsetof(struct tcphdr, check);
	__u16 from = bpf_htons(mp->old_mss), to = bpf_htons(mp->new_mss);

	if (bpf_skb_store_bytes(skb, p->l4_off + mp->opt_off, &to, 2, 0))
		return -1;
	if (mp->opt_off & 1) {
		from = mp->old_mss;
		to = mp->new_mss;
	}
	return bpf_l4_csum_replace(skb, csum_off, from, to, 2) ? -1 : 0;
}

/*
 * Insert an MSS option in front of the options of a SYN without payload.
 * vta_tc_forward() has already grown the skb by the 4 bytes, after
 * the TCP header.
 */
static __always_inline int vta_mss_insert_body(struct __sk_buff *skb,
					       const struct vta_pkt *p,
					       const struct vta_mss_plan *mp)
{
	__u32 csum_off = p->l4_off + offsetof(struct tcphdr, check);
	__u32 optlen = mp->hdr_len - 20, ip_len = p->ip_len;
	__u8 hdr[24 + 64] = {};	/* room for 15 words after hdr + 24 */
	__u16 w_old, w_new, l_old, l_new;
	__u32 opt_word;

	if (optlen > VTA_TCP_OPT_MAX - VTA_TCPOLEN_MSS)
		return -1;
	if (vta_load_words(skb, p->l4_off, hdr, 20) ||
	    vta_load_words(skb, p->l4_off + 20, hdr + 24, optlen))
		return -1;
	__builtin_memcpy(&w_old, &hdr[12], 2);
	hdr[12] += 0x10;		/* doff + 1 */
	__builtin_memcpy(&w_new, &hdr[12], 2);
	hdr[20] = VTA_TCPOPT_MSS;
	hdr[21] = VTA_TCPOLEN_MSS;
	hdr[22] = mp->new_mss >> 8;
	hdr[23] = mp->new_mss & 0xff;
	if (vta_store_words(skb, p->l4_off, hdr, 24 + optlen))
		return -1;

	/* TCP checksum: doff word, the new option (replacing nothing), and
	 * the pseudo header's length. */
	__builtin_memcpy(&opt_word, &hdr[20], 4);
	l_old = bpf_htons(mp->hdr_len);
	l_new = bpf_htons(mp->hdr_len + VTA_TCPOLEN_MSS);
	if (bpf_l4_csum_replace(skb, csum_off, w_old, w_new, 2) ||
	    bpf_l4_csum_replace(skb, csum_off, 0, opt_word, 4) ||
	    bpf_l4_csum_replace(skb, csum_off, l_old, l_new,
				BPF_F_PSEUDO_HDR | 2))
		return -1;

	/* IP length (and IPv4 header checksum). */
	if (p->family == VTA_AF_INET) {
		l_old = bpf_htons(ip_len);
		l_new = bpf_htons(ip_len + VTA_TCPOLEN_MSS);
		if (bpf_skb_store_bytes(skb, p->l3_off +
					offsetof(struct iphdr, tot_len),
					&l_new, 2, 0) ||
		    bpf_l3_csum_replace(skb, p->l3_off +
					offsetof(struct iphdr, check),
					l_old, l_new, 2))
			return -1;
	} else {
		l_new = bpf_htons(ip_len - sizeof(struct ipv6hdr) +
				  VTA_TCPOLEN_MSS);
		if (bpf_skb_store_bytes(skb, p->l3_off +
					offsetof(struct ipv6hdr, payload_len),
					&l_new, 2, 0))
			return -1;
	}
	return 0;
}

/* Out of line: a rare path (SYNs without MSS), kept out of the forwarding
 * path's code (docs/datapath-notes.md, "Per-packet cost"). */
static __noinline int vta_mss_insert(struct __sk_buff *skb,
				     const struct vta_pkt *p,
				     const struct vta_mss_plan *mp)
{
	return vta_mss_insert_body(skb, p, mp);
}

#endif /* VTA_MSS_H */
