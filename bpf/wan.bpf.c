/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * vta_wan_in - tc ingress on the outside interface.  Replaces the seed's
 * `iptables -t mangle -I INPUT -p esp ... -j MARK --set-xmark`: ESP
 * (protocol 50) and ESP-in-UDP (destination port 4500 with a non-zero
 * SPI; a zero marker is IKE, a one-byte 0xff payload a NAT keepalive)
 * from a configured peer to a local address get the peer's mark.  Only
 * with VTA_CFG_F_ESP_MARK (off where the kernel's VTI finds SAs by ikey:
 * docs/esp-mark.md).  Never forwards or drops: always TC_ACT_OK, the mark
 * being the only change.
 *
 * Counters (ingress slot): marked -> PASS_LOCAL + EV_ESP_MARKED; lease
 * expired -> PASS_LEASE; marking off (the default) -> PASS_MARK_OFF, so
 * that a healthy gateway's WAN does not read as "lease expired"; not ESP
 * (other IP, IKE, keepalives) or not IP -> PASS_NOT_IP; ESP from an
 * unknown peer or one not enabled for that encapsulation ->
 * PASS_NO_ROUTE; VLAN, malformed, IP options, fragments, extension
 * headers as in parse.h.
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include "maps.h"
#include "parse.h"

static __always_inline int vta_wan_mark(struct __sk_buff *skb)
{
	struct vta_peer_key key = {};
	const struct vta_peer *peer;
	struct vta_pkt p = {};
	__u32 need;
	__u16 proto;
	int r;

	if (vta_pull(skb))
		return VTA_PASS_MALFORMED;
	r = vta_parse_eth(skb, &p, &proto);
	if (r != VTA_CONTINUE)
		return r;
	r = vta_parse_l3(skb, &p, proto, false);
	if (r != VTA_CONTINUE)
		return r;

	if (p.proto == IPPROTO_UDP) {
		__u8 u[sizeof(struct udphdr) + 4];
		__u32 spi;

		/* UDP header + a 4-byte SPI or non-ESP marker. */
		if (p.ip_len - (p.l4_off - p.l3_off) < sizeof(u))
			return VTA_PASS_NOT_IP;
		if (bpf_skb_load_bytes(skb, p.l4_off, u, sizeof(u)))
			return VTA_PASS_NOT_IP;
		if (((struct udphdr *)u)->dest != bpf_htons(VTA_NATT_PORT))
			return VTA_PASS_NOT_IP;
		__builtin_memcpy(&spi, u + sizeof(struct udphdr), 4);
		if (!spi)
			return VTA_PASS_NOT_IP;	/* IKE */
		need = VTA_PEER_F_NATT;
	} else if (p.proto == IPPROTO_ESP) {
		need = VTA_PEER_F_ESP;
	} else {
		return VTA_PASS_NOT_IP;
	}

	key.family = p.family;
	/* parse.h leaves the unused 12 bytes of an IPv4 address zero */
	__builtin_memcpy(key.local, p.daddr, 16);
	__builtin_memcpy(key.peer, p.saddr, 16);
	peer = bpf_map_lookup_elem(&vta_peers, &key);
	if (!peer || !(peer->flags & need))
		return VTA_PASS_NO_ROUTE;
	/* iptables --set-xmark value/mask */
	skb->mark = (skb->mark & ~peer->mask) ^ peer->mark;
	return VTA_EV_ESP_MARKED;
}

SEC("tc")
int vta_wan_in(struct __sk_buff *skb)
{
	const struct vta_config *cfg = vta_config_lookup();
	__u32 ifindex = skb->ifindex, len = skb->len;
	const struct vta_iface *in = NULL;
	struct vta_iface ib;
	__u32 slot;
	int r, ir;

	ir = vta_iface_get(ifindex, &ib);
	if (ir == VTA_CONTINUE)
		in = &ib;
	slot = in ? in->slot : 0;
	if (!vta_lease_ok(cfg)) {
		vta_count(slot, VTA_PASS_LEASE, len);
		return TC_ACT_OK;
	}
	if (!(cfg->flags & VTA_CFG_F_ESP_MARK)) {
		vta_count(slot, VTA_PASS_MARK_OFF, len);
		return TC_ACT_OK;
	}
	if (!in) {
		vta_count(0, ir, len);
		return TC_ACT_OK;
	}
	r = vta_wan_mark(skb);
	if (r == VTA_EV_ESP_MARKED) {
		vta_count(slot, VTA_PASS_LOCAL, len);
		vta_count(slot, VTA_EV_ESP_MARKED, len);
	} else {
		vta_count(slot, r, len);
	}
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
