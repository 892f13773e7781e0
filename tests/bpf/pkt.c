// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include "pkt.h"

__u32 pkt_sum(const __u8 *p, size_t len, __u32 sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (__u32)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (__u32)p[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

__u16 pkt_fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

static void put16(__u8 *p, __u16 v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static __u32 pseudo_sum(int family, const __u8 *src, const __u8 *dst,
			__u8 proto, __u32 len)
{
	__u8 ph[40];

	if (family == 4) {
		memcpy(ph, src, 4);
		memcpy(ph + 4, dst, 4);
		ph[8] = 0;
		ph[9] = proto;
		put16(ph + 10, len);
		return pkt_sum(ph, 12, 0);
	}
	memcpy(ph, src, 16);
	memcpy(ph + 16, dst, 16);
	ph[32] = len >> 24;
	ph[33] = len >> 16;
	ph[34] = len >> 8;
	ph[35] = len;
	ph[36] = ph[37] = ph[38] = 0;
	ph[39] = proto;
	return pkt_sum(ph, 40, 0);
}

/* L4 header + payload at p; returns its length. */
static size_t build_l4(const struct pkt_spec *s, __u8 *p)
{
	size_t n = 0, hl;
	int i;

	switch (s->proto) {
	case 6: {
		int ol = (s->tcp_opts_len + 3) & ~3;

		hl = 20 + ol;
		memset(p, 0, hl);
		put16(p, s->sport);
		put16(p + 2, s->dport);
		p[4] = 0x11; p[5] = 0x22; p[6] = 0x33; p[7] = 0x44;	/* seq */
		if (s->tcp_flags & 0x10) {
			p[8] = 0x55; p[9] = 0x66; p[10] = 0x77; p[11] = 0x88;
		}
		p[12] = (s->doff < 0 ? 0 : s->doff ? s->doff : (int)(hl / 4)) << 4;
		p[13] = s->tcp_flags;
		put16(p + 14, 64240);
		memcpy(p + 20, s->tcp_opts, s->tcp_opts_len);
		n = hl;
		break;
	}
	case 17:
		memset(p, 0, 8);
		put16(p, s->sport);
		put16(p + 2, s->dport);
		n = 8;
		if (s->spi) {
			p[8] = s->spi >> 24; p[9] = s->spi >> 16;
			p[10] = s->spi >> 8; p[11] = s->spi;
			memset(p + 12, 0, 4);	/* sequence */
			p[15] = 1;
			n = 16;
		}
		break;
	case 1:
	case 58:
		memset(p, 0, 8);
		p[0] = s->proto == 1 ? 8 : 128;	/* echo request */
		put16(p + 4, 0x4242);
		put16(p + 6, 1);
		n = 8;
		break;
	case 50:
		p[0] = s->spi >> 24; p[1] = s->spi >> 16;
		p[2] = s->spi >> 8; p[3] = s->spi;
		memset(p + 4, 0, 4);
		p[7] = 1;
		n = 8;
		break;
	default:
		break;
	}
	for (i = 0; i < s->payload_len; i++)
		p[n + i] = s->payload ? s->payload[i] : (__u8)(0xa0 + i);
	return n + s->payload_len;
}

static void l4_csum(const struct pkt_spec *s, __u8 *l4, size_t len,
		    const __u8 *src, const __u8 *dst)
{
	size_t off;
	__u32 sum;

	switch (s->proto) {
	case 6: off = 16; break;
	case 17: off = 6; break;
	case 1: off = 2; break;
	case 58: off = 2; break;
	default: return;
	}
	if (s->proto == 6 && len < 20)
		return;
	if (s->proto != 6 && len < 8)
		return;
	if (s->proto == 17)
		put16(l4 + 4, len);
	put16(l4 + off, 0);
	sum = s->proto == 1 ? 0 : pseudo_sum(s->family, src, dst, s->proto, len);
	sum = pkt_sum(l4, len, sum);
	sum = (__u16)~pkt_fold(sum);
	if (s->proto == 17 && sum == 0)
		sum = 0xffff;
	put16(l4 + off, sum);
}

size_t pkt_build(const struct pkt_spec *s, __u8 *buf)
{
	/*
	 * BPF_PROG_TEST_RUN runs eth_type_trans() against lo, whose address
	 * is all zeros: only a zero destination reads as PACKET_HOST.
	 */
	static const __u8 dmac_host[6];
	static const __u8 smac[6] = { 2, 0, 0, 0, 0, 1 };
	__u8 src[16] = {}, dst[16] = {};
	size_t off = 0, l3, l4len, iplen;
	__u16 et;
	int i;

	memset(buf, 0, PKT_MAX);
	if (s->family == 4) {
		inet_pton(AF_INET, s->src ? s->src : "10.1.0.10", src);
		inet_pton(AF_INET, s->dst ? s->dst : "172.31.1.20", dst);
	} else {
		inet_pton(AF_INET6, s->src ? s->src : "fd00:1::10", src);
		inet_pton(AF_INET6, s->dst ? s->dst : "fd00:31::20", dst);
	}
	et = s->ethertype ? s->ethertype : s->family == 4 ? 0x0800 : 0x86dd;
	if (!s->no_l2) {
		memcpy(buf, s->dmac ? s->dmac : dmac_host, 6);
		memcpy(buf + 6, smac, 6);
		off = 12;
		if (s->vlan) {
			put16(buf + off, s->vlan);
			put16(buf + off + 2, 100);
			off += 4;
		}
		put16(buf + off, et);
		off += 2;
	}
	l3 = off;
	if (s->family == 4) {
		size_t hl = 20 + s->ip_opts_len;
		__u8 *ip = buf + l3;

		l4len = build_l4(s, ip + hl);
		l4_csum(s, ip + hl, l4len, src, dst);
		if (s->l4_keep < 0)
			l4len = 0;
		else if (s->l4_keep > 0 && (size_t)s->l4_keep < l4len)
			l4len = s->l4_keep;
		iplen = hl + l4len;
		ip[0] = 0x40 | (hl / 4);
		put16(ip + 2, iplen);
		put16(ip + 4, 0x1234);
		put16(ip + 6, s->frag);
		ip[8] = s->ttl ? s->ttl : 64;
		ip[9] = s->proto;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		memcpy(ip + 20, s->ip_opts, s->ip_opts_len);
		put16(ip + 10, ~pkt_fold(pkt_sum(ip, hl, 0)));
		if (s->version)
			ip[0] = (ip[0] & 0x0f) | s->version << 4;
		if (s->ihl)
			ip[0] = (ip[0] & 0xf0) | s->ihl;
		if (s->tot_len_delta)
			put16(ip + 2, iplen + s->tot_len_delta);
		if (s->version || s->ihl || s->tot_len_delta) {
			/* keep the checksum right: only the field is wrong */
			put16(ip + 10, 0);
			put16(ip + 10, ~pkt_fold(pkt_sum(ip, hl, 0)));
		}
		if (s->bad_ip_csum)
			ip[11] ^= 0x5a;
	} else {
		__u8 *ip = buf + l3, *e = ip + 40;
		__u8 first = s->n_ext ? s->ext[0] : s->proto;

		for (i = 0; i < s->n_ext; i++) {
			memset(e, 0, 8);
			e[0] = i + 1 < s->n_ext ? s->ext[i + 1] : s->proto;
			e += 8;
		}
		l4len = build_l4(s, e);
		l4_csum(s, e, l4len, src, dst);
		if (s->l4_keep < 0)
			l4len = 0;
		else if (s->l4_keep > 0 && (size_t)s->l4_keep < l4len)
			l4len = s->l4_keep;
		iplen = (e - ip) + l4len;
		ip[0] = 0x60;
		put16(ip + 4, iplen - 40);
		ip[6] = first;
		ip[7] = s->ttl ? s->ttl : 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		if (s->version)
			ip[0] = (ip[0] & 0x0f) | s->version << 4;
		if (s->tot_len_delta)
			put16(ip + 4, iplen - 40 + s->tot_len_delta);
	}
	for (i = 0; i < s->tail_pad; i++)
		buf[l3 + iplen + i] = 0;
	return l3 + iplen + s->tail_pad;
}

const char *pkt_verify(const __u8 *buf, size_t len, size_t l3)
{
	const __u8 *ip = buf + l3, *l4;
	size_t iplen, l4len;
	__u8 proto;
	__u32 sum;
	int family;

	if (len < l3 + 20)
		return "cut IP header";
	family = ip[0] >> 4;
	if (family == 4) {
		if ((ip[0] & 0x0f) != 5)
			return "IPv4 options";
		if (pkt_fold(pkt_sum(ip, 20, 0)) != 0xffff)
			return "IPv4 header checksum";
		iplen = (size_t)ip[2] << 8 | ip[3];
		proto = ip[9];
		l4 = ip + 20;
		l4len = iplen - 20;
	} else {
		iplen = 40 + ((size_t)ip[4] << 8 | ip[5]);
		proto = ip[6];
		l4 = ip + 40;
		l4len = iplen - 40;
	}
	if (l3 + iplen != len)
		return "IP length differs from the frame";
	if (proto != 6 && proto != 17 && proto != 58 && proto != 1)
		return NULL;
	if (proto == 1)
		sum = 0;
	else
		sum = pseudo_sum(family, family == 4 ? ip + 12 : ip + 8,
				 family == 4 ? ip + 16 : ip + 24, proto, l4len);
	sum = pkt_sum(l4, l4len, sum);
	if (pkt_fold(sum) != 0xffff)
		return "L4 checksum";
	return NULL;
}

void pkt_hexdump_diff(const __u8 *got, size_t glen, const __u8 *exp,
		      size_t elen)
{
	size_t n = glen > elen ? glen : elen, i, j;

	printf("    offset  got%*sexpected\n", 46, "");
	for (i = 0; i < n; i += 16) {
		bool diff = false;

		for (j = i; j < i + 16 && j < n; j++)
			if (j >= glen || j >= elen || got[j] != exp[j])
				diff = true;
		printf("  %c %04zx   ", diff ? '*' : ' ', i);
		for (j = i; j < i + 16; j++) {
			if (j < glen)
				printf("%02x", got[j]);
			else
				printf("  ");
			if (j < glen && j < elen && got[j] != exp[j])
				putchar('<');
			else
				putchar(' ');
		}
		printf("  ");
		for (j = i; j < i + 16 && j < elen; j++)
			printf("%02x ", exp[j]);
		putchar('\n');
	}
}
