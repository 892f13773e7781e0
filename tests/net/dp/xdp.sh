#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# LAN XDP anti-spoof guard, native mode on veth (libxdp, libbpf fallback):
# with VTA_CFG_F_XDP_GUARD a LAN packet whose source the map FIB routes into
# a tunnel (a VPC address) is dropped (drop_spoof) and never leaves through
# a tunnel; ordinary LAN traffic passes; with the guard off the same forged
# packet is forwarded as the kernel would (gw has no rp_filter).
set -u
cd "$(dirname "$0")/../../.." || exit 1
. tests/net/lib/ns.sh
. tests/net/lib/topo.sh

nt_init dp-xdp || exit 1
N=20

if topo_prog_placeholder xdp_lan; then
	t_skip xdp "bpf/xdp_lan.bpf.c is still the pass-everything placeholder"
	t_summary; exit 0
fi
if ! topo_setup; then
	t_fail setup "building the namespaces failed"
	t_summary; exit 1
fi
if ! vta_start gw "$TOPO_SPEC" "$TOPO_ATTACH; attach eth1 xdp native; config xdp_guard"; then
	t_fail setup "vta_static did not start (XDP native attach on veth?)"
	t_summary; exit 1
fi
if nt_x gw ip -d link show eth1 | grep -qE 'prog/xdp|xdp id'; then
	t_pass xdp-attached-native
else
	t_fail xdp-attached-native "no native XDP program on gw eth1: $(nt_x gw ip -d link show eth1 | head -n 2 | tr '\n' ' ')"
fi
for a in 169.254.12.37 169.254.14.229 fd00:12::1 fd00:14::1; do
	nt_x gw ping -c 1 -W 2 "$a" >/dev/null 2>&1
done
GW_MAC=$(nt_x gw cat /sys/class/net/eth1/address)

# udp SRC DST: the L3 bytes (hex) of a small UDP datagram
udp() {
	"$NT_PY" - "$1" "$2" <<-'EOF'
	import sys
	from scapy.all import IP, IPv6, UDP, raw
	s, d = sys.argv[1], sys.argv[2]
	l3 = (IPv6(src=s, dst=d, fl=0x7777) if ":" in s else IP(src=s, dst=d, id=0x7777))
	print(raw(l3 / UDP(sport=40000, dport=9) / (b"x" * 18)).hex())
	EOF
}

# arrivals HEX: copies of N sends that reach aws through a tunnel
arrivals() {
	"$NT_PY" tests/net/lib/nsnet.py sendcap --send-ns "$(nt_name lan)" --send-if eth0 \
		--dst-mac "$GW_MAC" --cap-ns "$(nt_name aws)" --cap-if vti1,vti2 \
		--l3 "$1" --count $N --timeout "${2:-2}"
}

for v in 4 6; do
	if [ $v = 4 ]; then
		spoof=$(udp 172.31.0.99 172.31.0.10) good=$(udp 10.16.16.10 172.31.0.10)
	else
		spoof=$(udp fd00:31::99 fd00:31::10) good=$(udp fd00:16::10 fd00:31::10)
	fi
	vta_snap a
	got=$(arrivals "$spoof" 1)
	vta_snap b
	d=$(vta_delta 1 drop_spoof a b)
	if [ "$got" -ne 0 ] || [ "$d" -lt $N ]; then
		t_fail "spoof$v-dropped" "forged VPC source: $got of $N reached aws, drop_spoof +$d (want 0 and >= $N)"
	else
		t_pass "spoof$v-dropped"
	fi
	vta_snap a
	got=$(arrivals "$good")
	vta_snap b
	d=$(vta_delta 1 drop_spoof a b)
	if [ "$got" -ne $N ] || [ "$d" -ne 0 ]; then
		t_fail "lan$v-passes" "LAN source: $got of $N reached aws, drop_spoof +$d (want $N and 0)"
	else
		t_pass "lan$v-passes"
	fi
done

vta_apply gw 'config noxdp_guard'
got=$(arrivals "$(udp 172.31.0.99 172.31.0.10)")
if [ "$got" -ne $N ]; then
	t_fail guard-off "guard off: forged source $got of $N reached aws (the kernel forwards them)"
else
	t_pass guard-off
fi

vta_stop
if nt_x gw ip -d link show eth1 | grep -qE 'prog/xdp|xdp id'; then
	t_fail xdp-detach "an XDP program is still on gw eth1 after SIGTERM"
else
	t_pass xdp-detach
fi
t_summary
