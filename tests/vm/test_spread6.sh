#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# `vtiaccel run --spread "cpus 0-1"` (docs/esp-spread.md) for a tunnel with
# IPv6 outside addresses (AWS offers them for Site-to-Site VPN): the
# seed-like gateway of tests/vm/dp_lib.sh plus vti2, a vti6 tunnel
# between 2001:db8::1 (gw pub0) and 2001:db8::2 (peer pub0), keys 300,
# aes128-cbc + hmac-sha1-96 SAs (4in6: IPv4 inside, IPv6 outside), and
# the routes between lan and vpc moved onto it:
#
#	lan 10.16.16.10 eth0 -- eth1 gw pub0 2001:db8::1 ==ESP/IPv6== 2001:db8::2 pub0 peer eth1 -- eth0 172.31.0.10 vpc
#
# The kernel alone is the oracle.  Asserts: the daemon lists vti2's IPv6
# peer (status), ping and TCP both ways with the IPv6 ESP redirected by
# vta_spread, a crafted sequence arrives at lan byte for byte as with the
# kernel alone, no replay-window drop and no xfrm error; then the same with
# ESP in UDP over IPv6 (NAT-T).

. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/dp_lib.sh"

dp_require jq nsenter tcpdump
load_modules ip6_vti esp6 ||
	t_skip_all "kernel $(uname -r) lacks ip6_vti/esp6 (run through tests/vm/vm-run)"
[ "$(nproc)" -ge 2 ] || t_skip_all "needs 2 CPUs to spread over, have $(nproc)"

GW6=2001:db8::1
PEER6=2001:db8::2

t_cleanup dp_netns_del
dp_seed_topology

# vti2_batch LOCAL REMOTE OUT_SPI IN_SPI KEYS: one end of the vti6 tunnel
# (the seed's VTI settings on a vti6: ikey = okey = mark 300), its
# policies and 4in6 SAs (flag af-unspec: an IPv4 selector on an IPv6 SA).
vti2_batch() {
	cat <<-EOF
	addr add $1/64 dev pub0 nodad
	link add vti2 type vti6 local $1 remote $2 ikey 300 okey 300
	link set vti2 up mtu $DP_VTI_MTU
	xfrm policy add dir out src 0.0.0.0/0 dst 0.0.0.0/0 mark 300 tmpl src $1 dst $2 proto esp reqid 3 mode tunnel
	xfrm policy add dir in src 0.0.0.0/0 dst 0.0.0.0/0 mark 300 tmpl src $2 dst $1 proto esp reqid 3 mode tunnel
	xfrm policy add dir fwd src 0.0.0.0/0 dst 0.0.0.0/0 mark 300 tmpl src $2 dst $1 proto esp reqid 3 mode tunnel
	EOF
	vti2_sas "$@"
}
vti2_sas() {
	local o=$5 i=2 encap=''
	[ "$o" = 1 ] || i=1
	[ -z "$DP_NATT" ] || encap="encap espinudp 4500 4500 ::"
	echo "xfrm state add src $1 dst $2 proto esp spi $3 reqid 3 mode tunnel replay-window $DP_REPLAY mark 300 $(dp_algs "$o") flag af-unspec $encap"
	echo "xfrm state add src $2 dst $1 proto esp spi $4 reqid 3 mode tunnel replay-window $DP_REPLAY $(dp_algs "$i") flag af-unspec $encap"
}
vti2_batch $GW6 $PEER6 0xc0de0003 0xc0de0004 1 > "$T_TMP/gw6.batch"
vti2_batch $PEER6 $GW6 0xc0de0004 0xc0de0003 2 > "$T_TMP/peer6.batch"
echo "route replace 172.31.0.0/16 dev vti2" >> "$T_TMP/gw6.batch"
echo "route replace 10.16.16.0/24 dev vti2" >> "$T_TMP/peer6.batch"
t_check "gw: vti2 (vti6), its policies and 4in6 SAs" ip -n "$GW" -batch "$T_TMP/gw6.batch"
t_check "peer: the same" ip -n "$PEER" -batch "$T_TMP/peer6.batch"
dp_sysctls "$GW" vti1 vti2
dp_sysctls "$PEER" vti1 vti2

seqerr() { ns_exec "$GW" awk '$1 == "XfrmInStateSeqError" { print $2 }' /proc/net/xfrm_stat; }
sa_in() { dp_sa_pkts "$GW" $PEER6 $GW6 0xc0de0004; }
# set_sas: replace both ends' vti2 SAs (after DP_NATT changed)
set_sas() {
	ip -n "$GW" xfrm state deleteall proto esp src $GW6 dst $PEER6
	ip -n "$GW" xfrm state deleteall proto esp src $PEER6 dst $GW6
	ip -n "$PEER" xfrm state deleteall proto esp src $GW6 dst $PEER6
	ip -n "$PEER" xfrm state deleteall proto esp src $PEER6 dst $GW6
	vti2_sas $GW6 $PEER6 0xc0de0003 0xc0de0004 1 | ip -n "$GW" -batch -
	vti2_sas $PEER6 $GW6 0xc0de0004 0xc0de0003 2 | ip -n "$PEER" -batch -
}

t_check "kernel path over vti2: vpc -> lan ping within 20 s" wait_until 20 ping_ok "$VPC" $LAN_IP
n0=$(sa_in)
t_check "kernel path: crafted sequence vpc -> lan arrives (9 of 10)" \
	dp_capture_crafted vpc-lan "$T_TMP/kernel.pcap" 9
t_check "kernel path: the traffic took vti2 (its inbound SA over IPv6 decrypted it)" \
	eval "dp_grew sa_in $(sa_in) ${n0:-0} 9"

# spread KEY: a field of `status -j`'s "spread"
counter() { vta stats -j 2>/dev/null | jq -r ".spread.$1 // 0"; }
attached() {
	[ "$(vta status -j 2>/dev/null | jq -r '[.spread.interfaces[]? |
		select(.ifname == "pub0" and .attached)] | length')" = 1 ]
}
peer6_listed() {
	vta status -j 2>/dev/null | jq -e --arg p "$1" \
		"[.spread.peers[] | select(.peer == \$p and .esp and .natt)] | length == 1" >/dev/null
}

seq0=$(seqerr)
# --clamp-inbound no: the seed's rule does not clamp what arrives from a
# tunnel, so that the kernel alone stays the oracle
dp_daemon_start --liveness no --spread "cpus 0-1" --clamp-inbound no
f0=$T_FAIL
t_check "vta_spread attached to pub0 within 180 s (status -j)" wait_until 180 attached
t_check "vti2's IPv6 peer $PEER6 is in its map (ESP and ESP in UDP) within 30 s" \
	wait_until 30 peer6_listed $PEER6
t_check "and vti1's IPv4 peer $PEER_PUB too" wait_until 30 peer6_listed $PEER_PUB
[ "$T_FAIL" = "$f0" ] || { dp_daemon_why; vta status -j | jq -c .spread; }

r0=$(counter redirected) n0=$(sa_in)
dp_traffic_identical spread "$T_TMP/kernel.pcap" 9
n1=$(sa_in) r1=$(counter redirected)
t_info "vti2's inbound SA decrypted $((n1 - n0)) packets over IPv6; vta_spread redirected $((r1 - r0))"
t_check "the IPv6 ESP was redirected by vta_spread (>= 200)" eval "dp_grew redirected $r1 $r0 200"
t_check "no replay-window drops (XfrmInStateSeqError +0)" test "$(seqerr)" = "$seq0"

# --- ESP in UDP over IPv6 -----------------------------------------------------------

for ns in $GW $PEER; do
	ns_exec "$ns" /usr/bin/python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_UDP, 100, 2)  # UDP_ENCAP, UDP_ENCAP_ESPINUDP
s.bind((sys.argv[1], 4500))
print("ready", flush=True)
time.sleep(100000)' "$([ $ns = $GW ] && echo $GW6 || echo $PEER6)" > "$T_TMP/natt-$ns.out" 2>&1 &
	t_cleanup t_bg_kill $!
done
t_check "NAT-T: the IPv6 UDP_ENCAP sockets are ready within 30 s" eval \
	"wait_until 30 grep -q ready $T_TMP/natt-$GW.out && wait_until 30 grep -q ready $T_TMP/natt-$PEER.out"
# shellcheck disable=SC2034 # read by dp_lib.sh
DP_NATT=1
set_sas
t_check "NAT-T: vpc -> lan ping within 20 s" wait_until 20 ping_ok "$VPC" $LAN_IP
r0=$(counter redirected) n0=$(sa_in)
t_check "NAT-T vpc -> lan: 20 of 20 pings answered" ns_exec "$VPC" ping -n -q -c 20 -i 0.05 -W 2 $LAN_IP
t_check "NAT-T lan -> vpc: 20 of 20 pings answered" ns_exec "$LAN" ping -n -q -c 20 -i 0.05 -W 2 $VPC_IP
n1=$(sa_in) r1=$(counter redirected)
t_info "NAT-T: vti2's inbound SA (encap espinudp) decrypted $((n1 - n0)); redirected $((r1 - r0))"
t_check "NAT-T: the IPv6 ESP-in-UDP frames were redirected (>= 20)" eval "dp_grew redirected $r1 $r0 20"
t_check "NAT-T: no replay-window drops" test "$(seqerr)" = "$seq0"

kill "$DPID"
t_check "SIGTERM: the daemon exits within 60 s" wait_pid_gone 60 "$DPID"
t_check "no xfrm errors in gw" test -z "$(dp_xfrm_errors "$GW")"
