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

. "$(dirname "$0")/dp_lib.sh"

dp_require tcpdump

# --- topology ---------------------------------------------------------------

t_cleanup dp_netns_del
dp_seed_topology

# The kernel path first (also loads the crypto modules: seconds).
t_check "kernel path: lan -> vpc ping within 20 s" wait_until 20 ping_ok "$LAN" $VPC_IP

# --- reference: the kernel path with the seed's TCPMSS rule -----------------

have_ipt=
if ns_exec "$GW" iptables -t mangle -I FORWARD -o vti1 -p tcp -m tcp \
	--tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu 2>"$T_TMP/ipt.err"; then
	have_ipt=1
	t_check "kernel path: crafted sequence reaches vpc" dp_capture_crafted lan-vpc "$T_TMP/kernel.pcap"
	ns_exec "$GW" iptables -t mangle -D FORWARD -o vti1 -p tcp -m tcp \
		--tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu
else
	t_skip "kernel reference capture: iptables TCPMSS unavailable: $(cat "$T_TMP/ipt.err")"
fi

# --- vtiaccel -----------------------------------------------------------------

# [forward] attach = tcx on a kernel before 6.6: refused at start, naming
# the key, the kernel and what to use instead
kv=$(uname -r | awk -F '[.-]' '{ print $1 * 100 + $2 }')
if [ "$kv" -lt 606 ]; then
	out=$(nsenter --net="/run/netns/$GW" timeout 60 "$VTA" run --pin-root "$PIN" \
		--lan eth1 --tunnel 'vti*' --attach tcx 2>&1) && rc=0 || rc=$?
	t_check "--attach tcx on $(uname -r): refused (exit $rc), naming the key and the fix" \
		eval "[ $rc != 0 ] && [ $rc != 124 ] && printf '%s' \"\$out\" |
			grep -q 'attach = tcx: this kernel ($(uname -r)) has no tcx hook (Linux 6.6 or later); use attach = tc'"
	[ "$rc" != 0 ] || t_info "$out"
fi

dp_daemon_start --mss-mode pmtu
t0=$(now_ms)
f0=$T_FAIL
t_check "vtiaccel run: maps match the kernel (verify) within 60 s" wait_until 60 vta_verify
t_info "vtiaccel run start to verify without drift: $(($(now_ms) - t0)) ms"
[ "$T_FAIL" = "$f0" ] || dp_daemon_why
t_check "vti1 has vta_tun_in attached" \
	eval "vta status -j | jq -e '.interfaces[] | select(.name == \"vti1\") | .tc.prog == \"vta_tun_in\"'"
# the default, attach = auto: clsact filters on a kernel without tcx,
# tcx links on 6.6+ (a 6.12 guest: VM_KERNEL, tests/vm/README.md)
if [ "$kv" -lt 606 ]; then
	t_check "attach = auto on $(uname -r): vta_tun_in is a cls_bpf filter on vti1 (tc filter show; status: hook tc)" \
		eval "tc -n $GW filter show dev vti1 ingress | grep -q vta_tun_in &&
			vta status -j | jq -e '.interfaces[] | select(.name == \"vti1\") | .tc.hook == \"tc\"'"
else
	t_check "attach = auto on $(uname -r): vta_tun_in and vta_tun_out on vti1's tcx hooks, no filter (status: hook tcx)" \
		eval "hook_has $GW vti1 ingress 'vta_tun_in' && hook_has $GW vti1 egress 'vta_tun_out' &&
			! tc -n $GW filter show dev vti1 ingress | grep -q vta_ &&
			vta status -j | jq -e '.interfaces[] | select(.name == \"vti1\") | .tc.hook == \"tcx\" and .tc_egress.hook == \"tcx\"'"
fi

to_tun0=$(dp_counter eth1 fwd_to_tunnel)
to_lan0=$(dp_counter vti1 fwd_to_lan)
t_check "lan -> vpc: 5 of 5 pings answered" ns_exec "$LAN" ping -n -q -c 5 -i 0.2 -W 2 $VPC_IP
t_check "vpc -> lan: 5 of 5 pings answered" ns_exec "$VPC" ping -n -q -c 5 -i 0.2 -W 2 $LAN_IP
t_check "the fast path sent lan -> vpc into vti1 (eth1 fwd_to_tunnel)" \
	dp_grew fwd_to_tunnel "$(dp_counter eth1 fwd_to_tunnel)" "$to_tun0" 10
t_check "the fast path sent vpc -> lan out of vti1 (vti1 fwd_to_lan)" \
	dp_grew fwd_to_lan "$(dp_counter vti1 fwd_to_lan)" "$to_lan0" 10

# --- PMTU: too big for the VTI -> the kernel answers frag-needed -----------
# Before any TCP: a full-size segment would teach lan the PMTU first.

mtu0=$(dp_counter eth1 pass_mtu)
# 1409 + 8 + 20 = 1437 bytes, one above the VTI MTU, DF set.
ns_exec "$LAN" ping -n -c 1 -W 2 -M "do" -s 1409 $VPC_IP > "$T_TMP/pmtu.out" 2>&1 || true
t_check "DF 1437-byte packet: lan gets ICMP frag-needed with mtu 1436" \
	grep -q 'mtu = 1436' "$T_TMP/pmtu.out"
t_check "and the fast path passed it to the kernel (eth1 pass_mtu)" \
	dp_grew pass_mtu "$(dp_counter eth1 pass_mtu)" "$mtu0" 1
t_check "lan learnt the path MTU 1436" \
	eval "ip -n $LAN route get $VPC_IP | grep -q 'mtu 1436'"

# --- TCP both ways: 128 KiB out, echoed back --------------------------------

# Bytes, not packets: GRO coalesces segments into fewer skbs the faster
# the machine is.  Each direction carries 128 KiB of data plus its echo.
tcp_tun0=$(dp_counter eth1 fwd_to_tunnel bytes)
tcp_lan0=$(dp_counter vti1 fwd_to_lan bytes)
dp_tcp_both_ways 131072 60
t_check "TCP took the fast path (eth1 fwd_to_tunnel bytes: >= 90% of the 256 KiB)" \
	dp_grew "fwd_to_tunnel bytes" "$(dp_counter eth1 fwd_to_tunnel bytes)" "$tcp_tun0" 235930
t_check "TCP took the fast path (vti1 fwd_to_lan bytes: >= 90% of the 256 KiB)" \
	dp_grew "fwd_to_lan bytes" "$(dp_counter vti1 fwd_to_lan bytes)" "$tcp_lan0" 235930

# --- identical to the kernel path -------------------------------------------

to_tun1=$(dp_counter eth1 fwd_to_tunnel)
t_check "fast path: crafted sequence reaches vpc" dp_capture_crafted lan-vpc "$T_TMP/fast.pcap"
t_check "the crafted sequence took the fast path (>= 9 of 10 fwd_to_tunnel)" \
	dp_grew fwd_to_tunnel "$(dp_counter eth1 fwd_to_tunnel)" "$to_tun1" 9
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

t_info "counters: $(dp_counters_info)"
kill "$DPID"
t_check "vtiaccel run exits on SIGTERM" wait_pid_gone 10 "$DPID"
t_check "no xfrm errors in gw" test -z "$(dp_xfrm_errors "$GW")"

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
