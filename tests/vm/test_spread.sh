#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Inbound ESP spread over CPUs (bpf/spread.bpf.c, docs/esp-spread.md) on
# the seed-like gateway of tests/vm/dp_lib.sh (aes128-cbc + hmac-sha1-96,
# replay window 1024):
#
#	lan 10.16.16.10 eth0 -- eth1 gw pub0 192.0.2.1 ==ESP== 192.0.2.2 pub0 peer eth1 -- eth0 172.31.0.10 vpc
#
# vta_spread is loaded with bpftool and attached as generic XDP on gw's
# pub0, its CPUMAP holding every CPU of the VM.  The kernel without it is
# the oracle.  Asserts: ping, TCP (echoed intact) and UDP both ways with
# the spreading on and the ESP really redirected (its counter; the CPUMAP
# kthreads of both CPUs ran); zero replay-window drops
# (XfrmInStateSeqError) and no other xfrm error; a fixed sequence of
# crafted packets vpc -> lan arrives byte for byte as without the
# program; attaching and detaching under a ping flood loses no packet;
# ESP from a peer not listed is passed (pass_unknown), not redirected; an
# expired lease passes everything (pass_lease).

. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/dp_lib.sh"

OBJ=$BUILD/bpf/spread.bpf.o
[ -s "$OBJ" ] || t_skip_all "$OBJ not built (make BUILD=... tests)"
for t in tcpdump bpftool jq; do
	command -v $t >/dev/null || t_skip_all "$t not found"
done
load_modules ip_vti esp4 xfrm_user ||
	t_skip_all "kernel $(uname -r) lacks ip_vti/esp4/xfrm_user (run through tests/vm/vm-run)"
NCPU=$(nproc)
[ "$NCPU" -ge 2 ] || t_skip_all "needs 2 CPUs to spread over, have $NCPU"

BPIN=/sys/fs/bpf/${T_PREFIX}spread
t_cleanup "rm -rf $BPIN"
t_cleanup dp_netns_del
dp_seed_topology

t_check "kernel path: vpc -> lan ping within 20 s" wait_until 20 ping_ok "$VPC" $LAN_IP

# --- the program -------------------------------------------------------------

le32() { printf '%d %d %d %d' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)); }
mkdir -p "$BPIN"
bpftool prog load "$OBJ" "$BPIN/prog" type xdp pinmaps "$BPIN"
for ((c = 0; c < NCPU && c < 16; c++)); do
	# shellcheck disable=SC2046 # bytes
	bpftool map update pinned "$BPIN/spread_cpus" key $(le32 $c) value $(le32 1024) 0 0 0 0
done
# set_peer ADDR: spread ESP and ESP-in-UDP of ADDR over all CPUs, one
# sequence number each.
set_peer() {
	local v n=0
	v="$(le32 3) $(le32 "$NCPU") $(le32 0)"
	while [ $n -lt 16 ]; do
		if [ $n -lt "$NCPU" ]; then v="$v $(le32 $n)"; else v="$v 0 0 0 0"; fi
		n=$((n + 1))
	done
	# shellcheck disable=SC2046,SC2086 # bytes
	bpftool map update pinned "$BPIN/spread_peers" key $(echo "$1" | tr . ' ') value $v
}
# lease SECONDS: the lease deadline SECONDS from now (CLOCK_MONOTONIC);
# 0: already expired.
lease() {
	local now d
	read -r now _ < /proc/uptime
	d=$(awk -v u="$now" -v s="$1" 'BEGIN { printf "%.0f", s ? (u + s) * 1e9 : 1 }')
	# little-endian u64 of d
	# shellcheck disable=SC2046
	bpftool map update pinned "$BPIN/spread_state" key 0 0 0 0 value $(
		for ((i = 0; i < 8; i++)); do printf '%d ' $(((d >> (8 * i)) & 255)); done)
}
# counter NAME: sum over CPUs of spread_stats[NAME]
counter() {
	local i
	case $1 in redirected) i=0 ;; pass_lease) i=1 ;; pass_other) i=2 ;; pass_unknown) i=3 ;; pass_short) i=4 ;; pass_no_cpu) i=5 ;; esac
	bpftool map lookup pinned "$BPIN/spread_stats" key $i 0 0 0 -j | jq '[.formatted.values[].value] | add'
}
gw_xdp() { nsenter --net="/run/netns/$GW" ip link set dev pub0 "$@"; }
seqerr() { ns_exec "$GW" awk '$1 == "XfrmInStateSeqError" { print $2 }' /proc/net/xfrm_stat; }
grew() { [ "$2" -ge $(($3 + $4)) ] || { echo "$1: $3 -> $2, expected +$4"; return 1; }; }
# kthread_runtime CPU: ns the CPUMAP kthread of CPU has run (schedstat)
kthread_runtime() {
	local p
	p=$(pgrep -x "cpumap/$1/map:.*" | head -n 1) || true
	[ -n "$p" ] && awk '{ print $1 }' "/proc/$p/schedstat" || echo 0
}

# the reference: the kernel alone
t_check "kernel path: crafted sequence vpc -> lan arrives" dp_capture_crafted vpc-lan "$T_TMP/kernel.pcap"

set_peer $PEER_PUB
lease 3600
seq0=$(seqerr)
gw_xdp xdpgeneric pinned "$BPIN/prog"
t_cleanup "nsenter --net=/run/netns/$GW ip link set dev pub0 xdpgeneric off 2>/dev/null"
t_check "vta_spread attached to gw pub0 (generic XDP)" \
	eval "ip -n $GW -j link show pub0 | jq -e '.[0].xdp.prog.id > 0'"

# --- traffic with the spreading on ---------------------------------------------

r0=$(counter redirected)
k0=$(kthread_runtime 0) k1=$(kthread_runtime 1)
t_check "vpc -> lan: 20 of 20 pings answered" ns_exec "$VPC" ping -n -q -c 20 -i 0.05 -W 2 $LAN_IP
t_check "lan -> vpc: 20 of 20 pings answered" ns_exec "$LAN" ping -n -q -c 20 -i 0.05 -W 2 $VPC_IP
dp_tcp_both_ways 262144 90
t_check "spread: crafted sequence vpc -> lan arrives" dp_capture_crafted vpc-lan "$T_TMP/spread.pcap"
if [ -s "$T_TMP/kernel.pcap" ] && [ -s "$T_TMP/spread.pcap" ]; then
	t_check "lan receives byte-identical packets with and without the spreading" \
		$PKT compare "$T_TMP/kernel.pcap" "$T_TMP/spread.pcap" $VPC_IP $LAN_IP
fi
r1=$(counter redirected)
t_check "the ESP from the peer was redirected (>= 200 frames)" grew redirected "$r1" "$r0" 200
t_check "none passed for want of its CPU in the CPUMAP (pass_no_cpu 0)" test "$(counter pass_no_cpu)" = 0
t_check "the CPUMAP kthread of CPU 0 ran" eval "[ $(kthread_runtime 0) -gt $k0 ]"
t_check "the CPUMAP kthread of CPU 1 ran" eval "[ $(kthread_runtime 1) -gt $k1 ]"
t_check "no replay-window drops (XfrmInStateSeqError +0)" test "$(seqerr)" = "$seq0"

# --- on/off under traffic ----------------------------------------------------------

# 2000 pings at 20 ms (40 s or more) while the program is detached and
# attached 4 times, each state lasting until 20 more ESP frames took its
# path (under emulation a cycle takes a few seconds: bpftool, ip).
# in_packets: what gw's vti1 received (= what its inbound SA decrypted)
in_packets() { ns_exec "$GW" cat /sys/class/net/vti1/statistics/rx_packets; }
above() { [ "$($1)" -ge "$2" ]; }
redirected() { counter redirected; }
ns_exec "$VPC" ping -n -q -c 2000 -i 0.02 -W 2 $LAN_IP > "$T_TMP/flood.out" 2>&1 &
fpid=$!
t_cleanup t_bg_kill "$fpid"
toggles=0 why=
for _ in 1 2 3 4; do
	kill -0 "$fpid" 2>/dev/null || { why="the ping flood ended first"; break; }
	wait_until 10 above redirected $(($(counter redirected) + 20)) ||
		{ why="attached: redirected stayed at $(counter redirected)"; break; }
	gw_xdp xdpgeneric off
	wait_until 10 above in_packets $(($(in_packets) + 20)) ||
		{ why="detached: vti1 rx_packets stayed at $(in_packets)"; gw_xdp xdpgeneric pinned "$BPIN/prog"; break; }
	gw_xdp xdpgeneric pinned "$BPIN/prog"
	toggles=$((toggles + 1))
done
wait "$fpid" && frc=0 || frc=$?
t_check "4 detach/attach cycles, each state carrying >= 20 ESP frames" \
	eval "[ $toggles = 4 ] || { echo 'after $toggles cycles, $why'; false; }"
t_check "ping flood across the detach/attach cycles: 2000 of 2000 answered" \
	eval "[ $frc = 0 ] && grep -q ' 0% packet loss' $T_TMP/flood.out"
[ "$frc" = 0 ] || sed 's/^/# /' "$T_TMP/flood.out"
t_check "still no replay-window drops" test "$(seqerr)" = "$seq0"

# --- a peer not listed, an expired lease: passed, not redirected ---------------------

# shellcheck disable=SC2046 # bytes
bpftool map delete pinned "$BPIN/spread_peers" key $(echo $PEER_PUB | tr . ' ')
set_peer 192.0.2.99
r0=$(counter redirected) u0=$(counter pass_unknown)
t_check "unlisted peer: 10 of 10 pings answered" ns_exec "$VPC" ping -n -q -c 10 -i 0.05 -W 2 $LAN_IP
t_check "its ESP was passed to the kernel (pass_unknown)" grew pass_unknown "$(counter pass_unknown)" "$u0" 10
t_check "and none was redirected" test "$(counter redirected)" = "$r0"

set_peer $PEER_PUB
lease 0
l0=$(counter pass_lease)
t_check "expired lease: 10 of 10 pings answered" ns_exec "$VPC" ping -n -q -c 10 -i 0.05 -W 2 $LAN_IP
t_check "its ESP was passed (pass_lease)" grew pass_lease "$(counter pass_lease)" "$l0" 10
t_check "and none was redirected" test "$(counter redirected)" = "$r0"

t_check "no xfrm errors in gw" test -z "$(dp_xfrm_errors "$GW")"
