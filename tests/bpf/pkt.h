/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * pkt.h - packet builder for the bpf tier.  Builds Ethernet / IPv4 (with
 * options) / IPv6 (with extension headers) / TCP (arbitrary option bytes)
 * / UDP / ICMP / ICMPv6 / ESP / ESP-in-UDP from a description and computes
 * every checksum itself (plain RFC 1071), independently of the BPF code,
 * so expected packets are derived from the specification, never copied
 * from the program's output.
 */
#ifndef VTA_TEST_PKT_H
#define VTA_TEST_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/types.h>

#define PKT_MAX		2048

struct pkt_spec {
	int family;		/* 4 or 6 */
	bool no_l2;		/* start at the IP header */
	__u16 vlan;		/* 0x8100 / 0x88a8: one tag with this TPID */
	__u16 ethertype;	/* override (0: from family) */
	const __u8 *dmac;	/* destination MAC (NULL: zeros, which
				 * test_run's lo takes as PACKET_HOST) */
	const char *src, *dst;	/* addresses (default per family) */
	__u8 ttl;		/* TTL / hop limit (0: 64) */
	__u8 proto;		/* L4 protocol (6, 17, 1, 58, 50, ...) */
	__u16 frag;		/* IPv4 frag_off field, host order */
	__u8 ip_opts[40];	/* IPv4 options (length multiple of 4) */
	int ip_opts_len;
	__u8 ext[4];		/* IPv6 extension headers (8 bytes each) */
	int n_ext;
	__u16 sport, dport;
	__u8 tcp_flags;		/* 0x02 SYN, 0x10 ACK, 0x04 RST ... */
	__u8 tcp_opts[40];	/* raw option bytes, padded with zeros */
	int tcp_opts_len;
	int doff;		/* data offset override (words), 0: computed,
				 * -1: 0 */
	int payload_len;	/* payload bytes (pattern) after L4 header */
	const __u8 *payload;	/* or these bytes */
	__u32 spi;		/* ESP SPI (proto 50, or UDP 4500 ESP) */
	/* corruptions, applied after checksums */
	int tot_len_delta;	/* IPv4 tot_len / IPv6 payload_len */
	bool bad_ip_csum;
	int version;		/* override IP version nibble */
	int ihl;		/* override IHL */
	int tail_pad;		/* bytes appended after the IP packet */
	int l4_keep;		/* >0: keep only this many L4 bytes, -1:
				 * none (IP lengths follow: a consistent
				 * cut) */
};

/* Build into buf (PKT_MAX); returns the length. */
size_t pkt_build(const struct pkt_spec *s, __u8 *buf);

/* RFC 1071 sum over a byte range, folded, not complemented. */
__u32 pkt_sum(const __u8 *p, size_t len, __u32 sum);
__u16 pkt_fold(__u32 sum);

/*
 * Verify the IPv4 header checksum and the TCP/UDP/ICMP checksum of an
 * IP packet (no IPv4 options / IPv6 extension headers) starting at
 * buf + l3.  Returns NULL when right, else what is wrong.
 */
const char *pkt_verify(const __u8 *buf, size_t len, size_t l3);

void pkt_hexdump_diff(const __u8 *got, size_t glen, const __u8 *exp,
		      size_t elen);

#endif
