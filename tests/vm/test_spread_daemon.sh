#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# `vtiaccel run --spread "cpus 0-1"` (docs/esp-spread.md) on the seed-like
# gateway of tests/vm/dp_lib.sh (vti1, aes128-cbc + hmac-sha1-96, replay
# window 1024):
#
#	lan 10.16.16.10 eth0 -- eth1 gw pub0 192.0.2.1 ==ESP== 192.0.2.2 pub0 peer eth1 -- eth0 172.31.0.10 vpc
#
# The kernel is the oracle: every ping answered, no xfrm error, as without
# vtiaccel.  Asserts: the daemon attaches vta_spread to pub0 (generic XDP)
# with vti1's peer in its map, and status/stats show it; pings vpc -> lan
# are answered with their ESP redirected; then, under a ping flood, the
# daemon is killed with SIGKILL: the program stays attached, its lease
# runs out and it passes the ESP to the kernel (pass_lease grows,
# redirected stops), and the flood loses no packet; a new daemon replaces
# the stale program and spreads again; SIGTERM takes it off pub0 and
# removes its pins.  Per tunnel: `[tunnel vti1] spread = cpus 1 block 8`
# alone spreads vti1's peer over CPU 1 in blocks of 8 (status, counters);
# `[esp] spread` with `[tunnel vti1] spread = no` leaves vti1's peer to
# the kernel (pass_unknown).  Two tunnels to one peer with different
# settings, or one of them not spread: the daemon warns once, naming
# both.  RPS on pub0: the daemon
# warns, with the fix.  ESP in UDP (NAT-T, the SAs replaced under the daemon): its peer
# stays listed for it, ping/TCP/UDP both ways with the ESP-in-UDP frames
# redirected, a crafted sequence arrives at lan byte for byte as with the
# kernel alone, no replay-window drop.

. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/dp_lib.sh"

[ -x "$VTA" ] || t_skip_all "$VTA not built (make BUILD=... tests)"
for t in jq nsenter tcpdump; do
	command -v $t >/dev/null || t_skip_all "$t not found"
done
load_modules ip_vti esp4 xfrm_user ||
	t_skip_all "kernel $(uname -r) lacks ip_vti/esp4/xfrm_user (run through tests/vm/vm-run)"
[ "$(nproc)" -ge 2 ] || t_skip_all "needs 2 CPUs to spread over, have $(nproc)"

t_cleanup dp_netns_del
dp_seed_topology

t_check "kernel path: vpc -> lan ping within 20 s" wait_until 20 ping_ok "$VPC" $LAN_IP

# The oracle for the NAT-T phase below: what lan receives of a crafted
# sequence with the kernel alone and ESP in UDP.  An EC2 gateway is
# behind AWS's 1:1 NAT: IKE detects it and the SAs carry ESP in UDP 4500,
# the case that matters most there.  Each end holds the UDP_ENCAP socket
# charon would.
for ns in $GW $PEER; do
	ns_exec "$ns" $PKT natt-sock "$([ $ns = $GW ] && echo $GW_PUB || echo $PEER_PUB)" \
		> "$T_TMP/natt-$ns.out" 2>&1 &
	t_cleanup t_bg_kill $!
done
t_check "NAT-T: the UDP_ENCAP sockets are ready within 30 s" eval \
	"wait_until 30 grep -q ready $T_TMP/natt-$GW.out && wait_until 30 grep -q ready $T_TMP/natt-$PEER.out"
# shellcheck disable=SC2034 # read by dp_lib.sh
DP_NATT=1
dp_set_sas "$GW" gw
dp_set_sas "$PEER" peer
t_check "kernel path, NAT-T: vpc -> lan ping within 20 s" wait_until 20 ping_ok "$VPC" $LAN_IP
# 9 of the 10: the 1436-byte UDP datagram (DF) fits vti1's MTU but not, as
# ESP in UDP (1504 bytes), the peer's pub0: the peer's kernel drops it.
t_check "kernel path, NAT-T: crafted sequence vpc -> lan arrives (9 of 10)" \
	dp_capture_crafted vpc-lan "$T_TMP/kernel-natt.pcap" 9
# shellcheck disable=SC2034 # read by dp_lib.sh
DP_NATT=
dp_set_sas "$GW" gw
dp_set_sas "$PEER" peer
t_check "kernel path, plain ESP again: vpc -> lan ping within 20 s" wait_until 20 ping_ok "$VPC" $LAN_IP

# spread KEY: a field of `status -j`'s "spread" ("" when off or unreadable)
spread() { vta status -j 2>/dev/null | jq -r ".spread${1:+.$1} // empty"; }
# counter NAME: vta_spread's counter NAME from `stats -j`
counter() { vta stats -j 2>/dev/null | jq -r ".spread.$1 // 0"; }
above() { [ "$($1 "$2")" -ge "$3" ]; }
pub0_xdp() { ip -n "$GW" -j link show pub0 | jq -r '.[0].xdp.prog.id // 0'; }
attached() {
	[ "$(vta status -j 2>/dev/null | jq -r '[.spread.interfaces[]? |
		select(.ifname == "pub0" and .attached)] | length')" = 1 ]
}
peer_listed() { [ "$(spread 'peers[0].peer')" = "$PEER_PUB" ]; }
seqerr() { ns_exec "$GW" awk '$1 == "XfrmInStateSeqError" { print $2 }' /proc/net/xfrm_stat; }
in_packets() { ns_exec "$GW" cat /sys/class/net/vti1/statistics/rx_packets; }
in_above() { [ "$(in_packets)" -ge "$1" ]; }

seq0=$(seqerr)
dp_daemon_start --liveness no --spread "cpus 0-1"
f0=$T_FAIL
# loading the programs takes tens of seconds under emulation
t_check "vta_spread attached to pub0 within 180 s (status -j)" wait_until 180 attached
t_check "vti1's peer $PEER_PUB is in its map within 30 s" wait_until 30 peer_listed
t_check "status: spread lease live, CPUs 0 and 1, generic XDP" eval \
	"vta status -j | jq -e '.spread.lease == \"live\" and
		([.spread.cpus[].cpu] == [0, 1]) and
		([.spread.interfaces[] | select(.ifname == \"pub0\") | .mode] == [\"generic\"])' >/dev/null"
[ "$T_FAIL" = "$f0" ] || dp_daemon_why
prog1=$(pub0_xdp)

r0=$(counter redirected)
t_check "vpc -> lan: 20 of 20 pings answered" ns_exec "$VPC" ping -n -q -c 20 -i 0.05 -W 2 $LAN_IP
t_check "their ESP was redirected by vta_spread (>= 20)" \
	eval "dp_grew redirected $(counter redirected) $r0 20"

# --- kill -9 under traffic ------------------------------------------------------

# 1500 pings at 20 ms (30 s or more under emulation): the daemon is killed
# once 20 of their ESP frames were redirected; the flood must lose none.
ns_exec "$VPC" ping -n -q -c 1500 -i 0.02 -W 2 $LAN_IP > "$T_TMP/flood.out" 2>&1 &
fpid=$!
t_cleanup t_bg_kill "$fpid"
t_check "the flood's ESP is redirected before the kill" \
	wait_until 20 above counter redirected $(($(counter redirected) + 20))
kill -9 "$DPID"
wait "$DPID" 2>/dev/null || true	# 137: killed, as intended
t_info "daemon $DPID killed with SIGKILL"
l0=$(counter pass_lease)
t_check "after the lease (3 s): vta_spread passes the ESP to the kernel (pass_lease +20 within 20 s)" \
	wait_until 20 above counter pass_lease $((l0 + 20))
r1=$(counter redirected)
t_check "vta_spread is still attached to pub0 (the lease, not a detach, stops it)" \
	test "$(pub0_xdp)" = "$prog1"
t_check "status: spread lease expired" test "$(spread lease)" = expired
t_check "gw keeps decrypting (vti1 rx +50 within 30 s)" \
	wait_until 30 in_above $(($(in_packets) + 50))
t_check "and nothing more was redirected" test "$(counter redirected)" = "$r1"
if wait "$fpid"; then frc=0; else frc=$?; fi
t_check "ping flood across the kill: 1500 of 1500 answered" \
	eval "[ $frc = 0 ] && grep -q ' 0% packet loss' $T_TMP/flood.out"
[ "$frc" = 0 ] || sed 's/^/# /' "$T_TMP/flood.out"

# --- a new daemon takes over ----------------------------------------------------

# --clamp-inbound no: the seed's rule does not clamp SYNs arriving from a
# tunnel, so that the kernel alone stays the oracle of the NAT-T phase
dp_daemon_start --liveness no --spread "cpus 0-1" --clamp-inbound no
f0=$T_FAIL
t_check "a new daemon replaces the stale vta_spread within 180 s" wait_until 180 \
	eval "attached && [ \"\$(pub0_xdp)\" != $prog1 ] && [ \"\$(spread lease)\" = live ]"
t_check "and its peer entry within 30 s" wait_until 30 peer_listed
[ "$T_FAIL" = "$f0" ] || dp_daemon_why
t_check "vpc -> lan: 20 of 20 pings answered" ns_exec "$VPC" ping -n -q -c 20 -i 0.05 -W 2 $LAN_IP
t_check "redirected again (>= 20)" eval "dp_at_least redirected $(counter redirected) 20"

# --- ESP in UDP (NAT-T) -------------------------------------------------------------

# The SAs are replaced under the running daemon, as a rekey would.
# shellcheck disable=SC2034 # read by dp_lib.sh
DP_NATT=1
dp_set_sas "$GW" gw
dp_set_sas "$PEER" peer
t_check "NAT-T: vti1's peer still listed, for ESP in UDP, within 30 s" wait_until 30 \
	eval "vta status -j | jq -e '[.spread.peers[] | select(.peer == \"$PEER_PUB\" and .natt)] | length == 1' >/dev/null"
t_check "NAT-T: lan -> vpc ping within 20 s" wait_until 20 ping_ok "$LAN" $VPC_IP
r0=$(counter redirected) o0=$(counter pass_other)
n0=$(dp_sa_pkts "$GW" $PEER_PUB $GW_PUB 0xc0de0002)
dp_traffic_identical natt "$T_TMP/kernel-natt.pcap" 9
n1=$(dp_sa_pkts "$GW" $PEER_PUB $GW_PUB 0xc0de0002)
t_info "NAT-T: gw's inbound SA (encap espinudp) decrypted $((n1 - n0)) packets; redirected +$(($(counter redirected) - r0)); pass_other +$(($(counter pass_other) - o0))"
# every ESP frame of this phase was ESP in UDP: what was redirected was
t_check "NAT-T: the ESP-in-UDP frames were redirected by vta_spread (>= 200)" \
	eval "dp_grew redirected $(counter redirected) $r0 200"
t_check "NAT-T: gw's inbound SA decrypted them (>= 200)" eval "dp_grew in_sa $n1 ${n0:-0} 200"
t_check "NAT-T: no replay-window drops (XfrmInStateSeqError +0)" test "$(seqerr)" = "$seq0"
# shellcheck disable=SC2034 # read by dp_lib.sh
DP_NATT=
dp_set_sas "$GW" gw
dp_set_sas "$PEER" peer
t_check "plain ESP again: vpc -> lan ping within 20 s" wait_until 20 ping_ok "$VPC" $LAN_IP

kill "$DPID"
t_check "SIGTERM: the daemon exits within 60 s" wait_pid_gone 60 "$DPID"
t_check "vta_spread is off pub0" test "$(pub0_xdp)" = 0
t_check "its pins are gone" eval "! ls $PIN/spread_* $PIN/progs/vta_spread 2>/dev/null"
t_check "vpc -> lan: 10 of 10 pings answered without it" \
	ns_exec "$VPC" ping -n -q -c 10 -i 0.05 -W 2 $LAN_IP

# --- per tunnel: [tunnel vti1] spread ------------------------------------------------

# its own CPUs and block, without [esp] spread
printf '[tunnel vti1]\nspread = cpus 1 block 8\n' > "$T_TMP/tunnel.conf"
DP_CONF=$T_TMP/tunnel.conf dp_daemon_start --liveness no
f0=$T_FAIL
t_check "[tunnel vti1] spread = cpus 1 block 8 alone: vta_spread attached within 180 s" \
	wait_until 180 attached
t_check "vti1's peer spread over CPU 1 in blocks of 8, the CPUMAP holding CPU 1 only" \
	wait_until 30 eval "vta status -j | jq -e '[.spread.peers[] | {peer, block, cpus}] ==
		[{\"peer\": \"$PEER_PUB\", \"block\": 8, \"cpus\": [1]}] and
		[.spread.cpus[].cpu] == [1]' >/dev/null"
[ "$T_FAIL" = "$f0" ] || { dp_daemon_why; vta status -j | jq -c .spread; }
r0=$(counter redirected)
t_check "vpc -> lan: 20 of 20 pings answered" ns_exec "$VPC" ping -n -q -c 20 -i 0.05 -W 2 $LAN_IP
t_check "their ESP was redirected (>= 20)" eval "dp_at_least redirected $(($(counter redirected) - r0)) 20"
kill "$DPID"
t_check "SIGTERM: the daemon exits within 60 s" wait_pid_gone 60 "$DPID"

# [esp] spread for every tunnel but vti1
printf '[esp]\nspread = cpus 0-1\n[tunnel vti1]\nspread = no\n' > "$T_TMP/tunnel.conf"
DP_CONF=$T_TMP/tunnel.conf dp_daemon_start --liveness no
f0=$T_FAIL
t_check "[esp] spread with [tunnel vti1] spread = no: attached, healthy within 180 s" \
	wait_until 180 eval "attached && vta status >/dev/null 2>&1"
t_check "and vti1's peer is not spread" eval "[ \"\$(vta status -j | jq -c .spread.peers)\" = '[]' ]"
[ "$T_FAIL" = "$f0" ] || dp_daemon_why
r0=$(counter redirected) u0=$(counter pass_unknown)
t_check "vpc -> lan: 20 of 20 pings answered" ns_exec "$VPC" ping -n -q -c 20 -i 0.05 -W 2 $LAN_IP
t_check "their ESP was passed to the kernel (pass_unknown >= 20)" \
	eval "dp_at_least pass_unknown $(($(counter pass_unknown) - u0)) 20"
t_check "and none was redirected" test "$(counter redirected)" = "$r0"
kill "$DPID"
t_check "SIGTERM: the daemon exits within 60 s" wait_pid_gone 60 "$DPID"

# --- two tunnels, one peer, different settings: the daemon says so ---------------------

# vti2: to the same peer from a second local address (two VTIs cannot
# share both endpoints), its own key; no SAs: only the peer entry
# matters here.
ip -n "$GW" addr add 192.0.2.3/24 dev pub0
ip -n "$GW" link add vti2 type vti local 192.0.2.3 remote $PEER_PUB ikey 200 okey 200
ip -n "$GW" link set vti2 up
t_cleanup "ip -n $GW link del vti2 2>/dev/null"
printf '[tunnel vti1]\nspread = cpus 1 block 8\n[tunnel vti2]\nspread = cpus 0\n' > "$T_TMP/tunnel.conf"
: > "$T_TMP/daemon.log"
DP_CONF=$T_TMP/tunnel.conf dp_daemon_start --liveness no
f0=$T_FAIL
conflict_re="ESP spreading: vti[12] and vti[12] have the same peer $PEER_PUB but different spread settings"
t_check "vti1 and vti2 to one peer, spread differently: the daemon warns within 180 s, naming both" \
	wait_until 180 grep -q "$conflict_re" "$T_TMP/daemon.log"
t_check "one entry for the peer, the CPUMAP holding the CPUs of both" \
	wait_until 30 eval "vta status -j | jq -e '[.spread.peers[].peer] == [\"$PEER_PUB\"] and
		[.spread.cpus[].cpu] == [0, 1]' >/dev/null"
[ "$T_FAIL" = "$f0" ] || { dp_daemon_why; vta status -j | jq -c .spread; }
t_info "$(grep -m 1 "$conflict_re" "$T_TMP/daemon.log")"
# another pass over the tunnels (vti2 down and up): said once, not again
ip -n "$GW" link set vti2 down
ip -n "$GW" link set vti2 up
t_check "vpc -> lan: 10 of 10 pings answered" ns_exec "$VPC" ping -n -q -c 10 -i 0.05 -W 2 $LAN_IP
t_check "the warning is not repeated while the conflict lasts" \
	eval "[ \$(grep -c \"$conflict_re\" $T_TMP/daemon.log) = 1 ]"
kill "$DPID"
t_check "SIGTERM: the daemon exits within 60 s" wait_pid_gone 60 "$DPID"
# vti2 not spread, vti1 spread: vti2's ESP is spread too, and said so
printf '[esp]\nspread = cpus 0-1\n[tunnel vti2]\nspread = no\n' > "$T_TMP/tunnel.conf"
: > "$T_TMP/daemon.log"
DP_CONF=$T_TMP/tunnel.conf dp_daemon_start --liveness no
off_re="ESP spreading: vti2 is not spread but has the same peer $PEER_PUB as vti1: its ESP is spread too"
t_check "vti2 (spread = no) to vti1's spread peer: the daemon warns within 180 s" \
	wait_until 180 grep -q "$off_re" "$T_TMP/daemon.log"
t_check "and the peer stays spread for vti1" wait_until 30 \
	eval "vta status -j | jq -e '[.spread.peers[].peer] == [\"$PEER_PUB\"]' >/dev/null"
kill "$DPID"
t_check "SIGTERM: the daemon exits within 60 s" wait_pid_gone 60 "$DPID"
ip -n "$GW" link del vti2
ip -n "$GW" addr del 192.0.2.3/24 dev pub0

# --- RPS on the WAN: the daemon says so ------------------------------------------------

# `ip netns exec` gives the daemon gw's own sysfs (pub0's RPS mask), and a
# fresh /sys without the bpffs: its pins go to a bpffs of their own.
RPSB=/run/${T_PREFIX}bpf
mkdir -p "$RPSB" && mount -t bpf bpf "$RPSB"
t_cleanup "umount $RPSB 2>/dev/null; rmdir $RPSB 2>/dev/null"
ip netns exec "$GW" sh -c 'echo 1 > /sys/class/net/pub0/queues/rx-0/rps_cpus'
ip netns exec "$GW" "$VTA" run --pin-root "$RPSB/p" --lan eth1 --wan pub0 \
	--tunnel 'vti*' --liveness no --spread "cpus 0-1" > "$T_TMP/rps.log" 2>&1 &
rpid=$!
t_cleanup t_bg_kill "$rpid"
f0=$T_FAIL
t_check "RPS on pub0: the daemon warns within 180 s, naming the queue, its mask and the fix" \
	wait_until 180 grep -q 'pub0 has RPS on (rx-0 rps_cpus 0*1).*echo 0 > /sys/class/net/pub0/queues/rx-0/rps_cpus' \
	"$T_TMP/rps.log"
[ "$T_FAIL" = "$f0" ] || sed 's/^/    rps daemon: /' "$T_TMP/rps.log" | tail -5
kill "$rpid"
t_check "SIGTERM: the daemon exits within 60 s" wait_pid_gone 60 "$rpid"
ip netns exec "$GW" sh -c 'echo 0 > /sys/class/net/pub0/queues/rx-0/rps_cpus'

t_check "no replay-window drops (XfrmInStateSeqError +0)" test "$(seqerr)" = "$seq0"
t_check "no xfrm errors in gw" test -z "$(dp_xfrm_errors "$GW")"
