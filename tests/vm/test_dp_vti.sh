#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The data path over a real VTI + ESP: the first test of the L3 (no L2
# header) tunnel path.  Seed-like gateway with manual SAs (as
# test_vti_esp.sh: aes128-cbc + hmac-sha1-96, tunnel mode, VTI keys 100,
# MTU 1436), `vtiaccel run` in the gateway:
#
#	lan 10.16.16.10 eth0 -- eth1 10.16.16.254  gw  pub0 192.0.2.1
#	    == ESP ==  pub0 192.0.2.2  peer  eth1 172.31.0.1 -- eth0 172.31.0.10 vpc
#	gw vti1 169.254.12.38/30 <-> peer vti1 169.254.12.37/30
#
# Asserts: ping and a TCP transfer lan <-> vpc both ways with the fast
# path taking them (fwd_to_tunnel on eth1, fwd_to_lan on vti1); a fixed
# sequence of crafted packets arrives at vpc byte for byte as the kernel
# path (with the seed's TCPMSS rule) delivers it; a DF packet above the
# VTI MTU gets the kernel's frag-needed (mtu 1436) and counts pass_mtu.

. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/dp_env.sh"

[ -x "$VTA" ] || t_skip_all "$VTA not built (make BUILD=... tests)"
command -v tcpdump >/dev/null || t_skip_all "tcpdump not found"
load_modules ip_vti esp4 xfrm_user ||
	t_skip_all "kernel $(uname -r) lacks ip_vti/esp4/xfrm_user (run through tests/vm/vm-run)"

# One tunnel end.  $1 local pub, $2 remote pub, $3 local inside,
# $4 remote inside, $5 out SPI, $6 in SPI, $7 routed-in prefix, $8 inside
# (LAN) address/prefix of this end's eth1.
end_batch() {
	local k1=0x000102030405060708090a0b0c0d0e0f a1=0x101112131415161718191a1b1c1d1e1f20212223
	local k2=0x303132333435363738393a3b3c3d3e3f a2=0x404142434445464748494a4b4c4d4e4f50515253
	local ko=$k1 ao=$a1 ki=$k2 ai=$a2
	if [ "$5" = 0xc0de0002 ]; then ko=$k2 ao=$a2 ki=$k1 ai=$a1; fi
	cat <<-EOF
	addr add $1/24 dev pub0
	link set pub0 up
	addr add $8 dev eth1
	link set eth1 up
	link add vti1 type vti local $1 remote $2 ikey 100 okey 100
	addr add $3/30 remote $4/30 dev vti1
	link set vti1 up mtu 1436
	route add $7 dev vti1
	xfrm state add src $1 dst $2 proto esp spi $5 reqid 1 mode tunnel replay-window 1024 mark 100 auth-trunc hmac(sha1) $ao 96 enc cbc(aes) $ko
	xfrm state add src $2 dst $1 proto esp spi $6 reqid 1 mode tunnel replay-window 1024 auth-trunc hmac(sha1) $ai 96 enc cbc(aes) $ki
	xfrm policy add dir out src 0.0.0.0/0 dst 0.0.0.0/0 mark 100 tmpl src $1 dst $2 proto esp reqid 1 mode tunnel
	xfrm policy add dir in src 0.0.0.0/0 dst 0.0.0.0/0 mark 100 tmpl src $2 dst $1 proto esp reqid 1 mode tunnel
	xfrm policy add dir fwd src 0.0.0.0/0 dst 0.0.0.0/0 mark 100 tmpl src $2 dst $1 proto esp reqid 1 mode tunnel
	EOF
}

end_sysctls() {
	ns_exec "$1" sysctl -q -w net.ipv4.ip_forward=1 \
		net.ipv4.conf.pub0.disable_xfrm=1 net.ipv4.conf.pub0.disable_policy=1 \
		net.ipv4.conf.vti1.disable_policy=1 net.ipv4.conf.vti1.rp_filter=2
}

vta() { nsenter --net="/run/netns/$GW" "$VTA" --pin-root "$PIN" "$@"; }
vta_verify() { vta verify --lan eth1 --wan pub0 --tunnel 'vti*' >/dev/null 2>&1; }
# counter IF NAME [packets|bytes]: one counter of `vtiaccel stats -j`.
counter() { # IFACE COUNTER [packets|bytes]
	vta stats -j | jq -r --arg i "$1" --arg c "$2" --arg f "${3:-packets}" \
		'.interfaces[] | select(.name == $i) | .counters[$c][$f]'
}
ping_ok() { ns_exec "$1" ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1; }
more_than() { # WHAT NOW BEFORE MIN
	[ "$(($2 - $3))" -ge "$4" ] || { echo "  $1 grew by $(($2 - $3)), expected >= $4"; return 1; }
}

# capture_crafted OUT: send the crafted sequence from lan, capture it at
# vpc until all of it arrived (tcpdump -c exits) or 15 s pass.
capture_crafted() {
	local out=$1 pid
	ns_exec "$VPC" tcpdump -i eth0 -n -U -Z root -c 10 -w "$out" \
		"src host $LAN_IP and dst host $VPC_IP and (udp or tcp or icmp)" \
		2>"$out.err" &
	pid=$!
	wait_until 15 grep -q 'listening on' "$out.err" || { kill "$pid"; return 1; }
	ns_exec "$LAN" $PKT send eth0 "$LAN_MAC" "$GW_MAC" $LAN_IP $VPC_IP >/dev/null
	if ! wait_pid_gone 15 "$pid"; then
		kill "$pid"; wait "$pid" 2>/dev/null
		echo "  not all crafted packets reached vpc"
		return 1
	fi
	wait "$pid" 2>/dev/null || true
}

# --- topology ---------------------------------------------------------------

t_cleanup "ip netns del $LAN; ip netns del $GW; ip netns del $PEER; ip netns del $VPC; rm -rf $PIN"
for ns in $LAN $GW $PEER $VPC; do ip netns add "$ns"; done
ip -n "$GW" link add eth1 type veth peer name eth0 netns "$LAN"
ip -n "$GW" link add pub0 type veth peer name pub0 netns "$PEER"
ip -n "$PEER" link add eth1 type veth peer name eth0 netns "$VPC"
end_batch 192.0.2.1 192.0.2.2 169.254.12.38 169.254.12.37 0xc0de0001 0xc0de0002 \
	172.31.0.0/16 10.16.16.254/24 > "$T_TMP/gw.batch"
end_batch 192.0.2.2 192.0.2.1 169.254.12.37 169.254.12.38 0xc0de0002 0xc0de0001 \
	10.16.16.0/24 172.31.0.1/24 > "$T_TMP/peer.batch"
ip -n "$GW" -batch "$T_TMP/gw.batch"
ip -n "$PEER" -batch "$T_TMP/peer.batch"
printf '%s\n' "addr add $LAN_IP/24 dev eth0" "link set eth0 up" \
	"route add default via 10.16.16.254" > "$T_TMP/lan.batch"
printf '%s\n' "addr add $VPC_IP/24 dev eth0" "link set eth0 up" \
	"route add default via 172.31.0.1" > "$T_TMP/vpc.batch"
ip -n "$LAN" -batch "$T_TMP/lan.batch"
ip -n "$VPC" -batch "$T_TMP/vpc.batch"
end_sysctls "$GW"
end_sysctls "$PEER"
LAN_MAC=$(ip -n "$LAN" -j link show eth0 | jq -r '.[0].address')
GW_MAC=$(ip -n "$GW" -j link show eth1 | jq -r '.[0].address')

# The kernel path first (also loads the crypto modules: seconds).
t_check "kernel path: lan -> vpc ping within 20 s" wait_until 20 ping_ok "$LAN" $VPC_IP

# --- reference: the kernel path with the seed's TCPMSS rule -----------------

have_ipt=
if ns_exec "$GW" iptables -t mangle -I FORWARD -o vti1 -p tcp -m tcp \
	--tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu 2>"$T_TMP/ipt.err"; then
	have_ipt=1
	t_check "kernel path: crafted sequence reaches vpc" capture_crafted "$T_TMP/kernel.pcap"
	ns_exec "$GW" iptables -t mangle -D FORWARD -o vti1 -p tcp -m tcp \
		--tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu
else
	t_skip "kernel reference capture: iptables TCPMSS unavailable: $(cat "$T_TMP/ipt.err")"
fi

# --- vtiaccel -----------------------------------------------------------------

# Not through ns_exec: its fresh /sys hides the bpffs that the pin root needs.
nsenter --net="/run/netns/$GW" "$VTA" run --pin-root "$PIN" --lan eth1 --wan pub0 \
	--tunnel 'vti*' --mss-mode pmtu > "$T_TMP/daemon.log" 2>&1 &
DPID=$!
t0=$(now_ms)
t_cleanup t_bg_kill "$DPID"
f0=$T_FAIL
t_check "vtiaccel run: maps match the kernel (verify) within 60 s" wait_until 60 vta_verify
t_info "vtiaccel run start to verify without drift: $(($(now_ms) - t0)) ms"
if [ "$T_FAIL" != "$f0" ]; then
	sed 's/^/    daemon: /' "$T_TMP/daemon.log" | tail -20
	vta verify --lan eth1 --wan pub0 --tunnel 'vti*' 2>&1 | head -20 | sed 's/^/    verify: /'
fi
t_check "vti1 has vta_tun_in attached" \
	eval "vta status -j | jq -e '.interfaces[] | select(.name == \"vti1\") | .tc.prog == \"vta_tun_in\"'"

to_tun0=$(counter eth1 fwd_to_tunnel)
to_lan0=$(counter vti1 fwd_to_lan)
t_check "lan -> vpc: 5 of 5 pings answered" ns_exec "$LAN" ping -n -q -c 5 -i 0.2 -W 2 $VPC_IP
t_check "vpc -> lan: 5 of 5 pings answered" ns_exec "$VPC" ping -n -q -c 5 -i 0.2 -W 2 $LAN_IP
t_check "the fast path sent lan -> vpc into vti1 (eth1 fwd_to_tunnel)" \
	more_than fwd_to_tunnel "$(counter eth1 fwd_to_tunnel)" "$to_tun0" 10
t_check "the fast path sent vpc -> lan out of vti1 (vti1 fwd_to_lan)" \
	more_than fwd_to_lan "$(counter vti1 fwd_to_lan)" "$to_lan0" 10

# --- PMTU: too big for the VTI -> the kernel answers frag-needed -----------
# Before any TCP: a full-size segment would teach lan the PMTU first.

mtu0=$(counter eth1 pass_mtu)
# 1409 + 8 + 20 = 1437 bytes, one above the VTI MTU, DF set.
ns_exec "$LAN" ping -n -c 1 -W 2 -M "do" -s 1409 $VPC_IP > "$T_TMP/pmtu.out" 2>&1 || true
t_check "DF 1437-byte packet: lan gets ICMP frag-needed with mtu 1436" \
	grep -q 'mtu = 1436' "$T_TMP/pmtu.out"
t_check "and the fast path passed it to the kernel (eth1 pass_mtu)" \
	more_than pass_mtu "$(counter eth1 pass_mtu)" "$mtu0" 1
t_check "lan learnt the path MTU 1436" \
	eval "ip -n $LAN route get $VPC_IP | grep -q 'mtu 1436'"

# --- TCP both ways: 128 KiB out, echoed back --------------------------------

# Bytes, not packets: GRO coalesces segments into fewer skbs the faster
# the machine is.  Each direction carries 128 KiB of data plus its echo.
tcp_tun0=$(counter eth1 fwd_to_tunnel bytes)
tcp_lan0=$(counter vti1 fwd_to_lan bytes)
ns_exec "$VPC" $PKT tcp-serve $VPC_IP 5001 & spid=$!
t_cleanup t_bg_kill "$spid"
t_check "TCP lan -> vpc: 128 KiB sent and echoed intact" \
	ns_exec "$LAN" timeout 60 $PKT tcp-send $VPC_IP 5001 131072
ns_exec "$LAN" $PKT tcp-serve $LAN_IP 5002 & spid2=$!
t_cleanup t_bg_kill "$spid2"
t_check "TCP vpc -> lan: 128 KiB sent and echoed intact" \
	ns_exec "$VPC" timeout 60 $PKT tcp-send $LAN_IP 5002 131072
t_check "TCP took the fast path (eth1 fwd_to_tunnel bytes: >= 90% of the 256 KiB)" \
	more_than "fwd_to_tunnel bytes" "$(counter eth1 fwd_to_tunnel bytes)" "$tcp_tun0" 235930
t_check "TCP took the fast path (vti1 fwd_to_lan bytes: >= 90% of the 256 KiB)" \
	more_than "fwd_to_lan bytes" "$(counter vti1 fwd_to_lan bytes)" "$tcp_lan0" 235930

# --- identical to the kernel path -------------------------------------------

to_tun1=$(counter eth1 fwd_to_tunnel)
t_check "fast path: crafted sequence reaches vpc" capture_crafted "$T_TMP/fast.pcap"
t_check "the crafted sequence took the fast path (>= 9 of 10 fwd_to_tunnel)" \
	more_than fwd_to_tunnel "$(counter eth1 fwd_to_tunnel)" "$to_tun1" 9
if [ -n "$have_ipt" ] && [ -s "$T_TMP/kernel.pcap" ] && [ -s "$T_TMP/fast.pcap" ]; then
	# A = kernel path, B = fast path; one run (python costs ~1 s here).
	$PKT compare "$T_TMP/kernel.pcap" "$T_TMP/fast.pcap" $LAN_IP $VPC_IP \
		> "$T_TMP/compare.out" 2>&1 && same=1 || same=
	sed 's/^/# /' "$T_TMP/compare.out"
	t_check "SYN with MSS 1460 clamped to 1396 (1436 - 40) on the kernel path" \
		grep -qx 'A: SYN sport 40010 mss 1396' "$T_TMP/compare.out"
	t_check "SYN with MSS 1460 clamped to 1396 (1436 - 40) on the fast path" \
		grep -qx 'B: SYN sport 40010 mss 1396' "$T_TMP/compare.out"
	t_check "vpc receives byte-identical packets from the fast and the kernel path" \
		test -n "$same"
fi

t_info "counters: $(vta stats -j | jq -c '[.interfaces[] | {(.name): (.counters | with_entries(select(.value.packets > 0)) | map_values(.packets))}] | add')"
kill "$DPID"
t_check "vtiaccel run exits on SIGTERM" wait_pid_gone 10 "$DPID"
t_check "no xfrm errors in gw" test -z "$(ns_exec "$GW" awk '$2 != 0' /proc/net/xfrm_stat)"

# A kernel fact the tunnel program has to handle: xfrm's tunnel-mode decap
# (xfrm4_remove_tunnel_encap: skb_mac_header_rebuild) leaves the outer
# Ethernet header in front of the inner IP header with mac_len 14, and tc
# ingress hands it to the program: on VTI ingress the packet starts with
# 14 bytes of Ethernet, not at the IP header.  Two classic-BPF filters
# count what is at offsets 12 (EtherType 0x0800) and 0 (IPv4 version).
tc -n "$GW" qdisc show dev vti1 | grep -q clsact || tc -n "$GW" qdisc add dev vti1 clsact
tc -n "$GW" filter add dev vti1 ingress prio 1 bpf bytecode \
	'4,40 0 0 12,21 0 1 2048,6 0 0 4294967295,6 0 0 0' action continue
tc -n "$GW" filter add dev vti1 ingress prio 2 bpf bytecode \
	'5,48 0 0 0,84 0 0 240,21 0 1 64,6 0 0 4294967295,6 0 0 0' action continue
ns_exec "$VPC" ping -n -q -c 3 -i 0.2 -W 2 $LAN_IP >/dev/null || true
tc -n "$GW" -s filter show dev vti1 ingress > "$T_TMP/vti-ingress.txt"
eth_at_0=$(awk '/pref 1 .*handle/ { f = 1 } f && /Sent/ { print $4; exit }' "$T_TMP/vti-ingress.txt")
ip_at_0=$(awk '/pref 2 .*handle/ { f = 1 } f && /Sent/ { print $4; exit }' "$T_TMP/vti-ingress.txt")
t_info "vti1 tc ingress: EtherType at offset 12 in ${eth_at_0:-?} of 3 packets, IPv4 header at offset 0 in ${ip_at_0:-?}"
t_check "kernel fact: tc on VTI ingress sees a rebuilt Ethernet header (offset 12 = 0x0800 in 3 of 3)" \
	test "${eth_at_0:-0}" -ge 3
