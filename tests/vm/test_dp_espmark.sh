#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Is the seed's ESP mark (`iptables -t mangle -I INPUT -p esp -s PEER -d ME
# -j MARK --set-xmark 0x64/0xffffffff`) needed on this kernel, and what does
# it break?  Findings in docs/esp-mark.md.  Same gateway as test_dp_vti.sh
# (lan -- gw == ESP == peer -- vpc, VTI keys 100, inbound SA unmarked as
# strongSwan leaves it), measured in five phases:
#
#   a1  plain ESP, no mark rule, no vtiaccel: decryption and forwarding work
#   a2  plain ESP + the seed's rule: the rule matches, the decapsulated
#       packet keeps mark 100, matches the marked out-policy when
#       forwarded and is encrypted again (loop): lan <-> vpc fails
#   a3  the seed's rule left in place + vtiaccel run (no marking of its
#       own): the tunnel program clears the mark, traffic works
#   c1  NAT-T (ESP-in-UDP 4500) + the seed's rule: it never matches
#   c2  NAT-T, vtiaccel --esp-mark: ESP-in-UDP is marked, traffic works
#   b   plain ESP again, same daemon: the WAN program marks, the tunnel
#       program clears the mark: traffic works, also what the fast path
#       hands to the kernel (IP options)

. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/dp_env.sh"
GW_PUB=192.0.2.1
PEER_PUB=192.0.2.2
K1=0x000102030405060708090a0b0c0d0e0f
A1=0x101112131415161718191a1b1c1d1e1f20212223
K2=0x303132333435363738393a3b3c3d3e3f
A2=0x404142434445464748494a4b4c4d4e4f50515253
# The seed's rule, in gw (PLUTO_PEER, PLUTO_ME, PLUTO_MARK_IN).
MARK_RULE="INPUT -p esp -s $PEER_PUB -d $GW_PUB -j MARK --set-xmark 0x64/0xffffffff"

[ -x "$VTA" ] || t_skip_all "$VTA not built (make BUILD=... tests)"
command -v jq >/dev/null || t_skip_all "jq not found"
load_modules ip_vti esp4 xfrm_user ||
	t_skip_all "kernel $(uname -r) lacks ip_vti/esp4/xfrm_user (run through tests/vm/vm-run)"

# sa_batch LOCAL REMOTE OUT_SPI IN_SPI [ENCAP]: the two SAs of one end
# (outbound marked 100, inbound unmarked: strongSwan's mark_in_sa = no).
sa_batch() {
	local ko=$K1 ao=$A1 ki=$K2 ai=$A2 encap=${5:+encap espinudp 4500 4500 0.0.0.0}
	if [ "$3" = 0xc0de0002 ]; then ko=$K2 ao=$A2 ki=$K1 ai=$A1; fi
	cat <<-EOF
	xfrm state add src $1 dst $2 proto esp spi $3 reqid 1 mode tunnel replay-window 1024 mark 100 auth-trunc hmac(sha1) $ao 96 enc cbc(aes) $ko $encap
	xfrm state add src $2 dst $1 proto esp spi $4 reqid 1 mode tunnel replay-window 1024 auth-trunc hmac(sha1) $ai 96 enc cbc(aes) $ki $encap
	EOF
}

# end_batch LOCAL REMOTE IN_LOCAL IN_REMOTE OUT_SPI IN_SPI ROUTE ETH1_ADDR
end_batch() {
	cat <<-EOF
	addr add $1/24 dev pub0
	link set pub0 up
	addr add $8 dev eth1
	link set eth1 up
	link add vti1 type vti local $1 remote $2 ikey 100 okey 100
	addr add $3/30 remote $4/30 dev vti1
	link set vti1 up mtu 1436
	route add $7 dev vti1
	xfrm policy add dir out src 0.0.0.0/0 dst 0.0.0.0/0 mark 100 tmpl src $1 dst $2 proto esp reqid 1 mode tunnel
	xfrm policy add dir in src 0.0.0.0/0 dst 0.0.0.0/0 mark 100 tmpl src $2 dst $1 proto esp reqid 1 mode tunnel
	xfrm policy add dir fwd src 0.0.0.0/0 dst 0.0.0.0/0 mark 100 tmpl src $2 dst $1 proto esp reqid 1 mode tunnel
	EOF
	sa_batch "$1" "$2" "$5" "$6"
}

end_sysctls() {
	ns_exec "$1" sysctl -q -w net.ipv4.ip_forward=1 \
		net.ipv4.conf.pub0.disable_xfrm=1 net.ipv4.conf.pub0.disable_policy=1 \
		net.ipv4.conf.vti1.disable_policy=1 net.ipv4.conf.vti1.rp_filter=2
}

vta() { nsenter --net="/run/netns/$GW" "$VTA" --pin-root "$PIN" "$@"; }
vta_ready() { # OPT: the esp_mark flag must match it
	local want=false
	[ -z "$1" ] || want=true
	vta verify --lan eth1 --wan pub0 --tunnel 'vti*' >/dev/null 2>&1 &&
		vta status -j | jq -e --argjson m $want '.config.esp_mark == $m and (.peers | length) > 0' >/dev/null
}
counter() { # IF NAME
	vta stats -j | jq -r --arg i "$1" --arg c "$2" \
		'.interfaces[] | select(.name == $i) | .counters[$c].packets'
}
passed() { # IF: packets the programs handed to the kernel
	vta stats -j | jq -r --arg i "$1" '.interfaces[] | select(.name == $i) | .passed.packets'
}
ping_ok() { ns_exec "$1" ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1; }
grew() { # WHAT NOW BEFORE MIN
	[ "$(($2 - $3))" -ge "$4" ] || { echo "  $1 grew by $(($2 - $3)), expected >= $4"; return 1; }
}
# rule_pkts: packets the seed's rule matched in gw.
rule_pkts() {
	ns_exec "$GW" iptables -t mangle -L INPUT -n -v -x | awk '/MARK/ { print $1; exit }'
}
# sa_pkts NS SPI: packets of one SA.
sa_pkts() {
	ip -n "$1" -s xfrm state get src "$2" dst "$3" proto esp spi "$4" ${5:+mark $5} |
		awk '/lifetime current:/ { getline; sub(/.*\(bytes\), */, ""); sub(/\(packets\).*/, ""); print; exit }'
}
gw_out_sa() { sa_pkts "$GW" $GW_PUB $PEER_PUB 0xc0de0001 100; }

# start_daemon PHASE [OPTION]: vtiaccel run in gw (OPTION: --esp-mark by
# default, "" for none).
start_daemon() {
	local opt=${2---esp-mark}
	nsenter --net="/run/netns/$GW" "$VTA" run --pin-root "$PIN" --lan eth1 --wan pub0 \
		--tunnel 'vti*' $opt >> "$T_TMP/daemon.log" 2>&1 &
	DPID=$!
	t_cleanup t_bg_kill "$DPID"
	local f0=$T_FAIL
	t_check "$1: vtiaccel run ${opt:-(defaults)} ready (verify, peer known) within 60 s" \
		wait_until 60 vta_ready "$opt"
	[ "$T_FAIL" = "$f0" ] || sed 's/^/    daemon: /' "$T_TMP/daemon.log" | tail -20
}
stop_daemon() {
	kill "$DPID"
	t_check "$1: vtiaccel run exits on SIGTERM" wait_pid_gone 10 "$DPID"
}

# --- topology ---------------------------------------------------------------

t_cleanup "ip netns del $LAN; ip netns del $GW; ip netns del $PEER; ip netns del $VPC; rm -rf $PIN"
for ns in $LAN $GW $PEER $VPC; do ip netns add "$ns"; done
ip -n "$GW" link add eth1 type veth peer name eth0 netns "$LAN"
ip -n "$GW" link add pub0 type veth peer name pub0 netns "$PEER"
ip -n "$PEER" link add eth1 type veth peer name eth0 netns "$VPC"
end_batch $GW_PUB $PEER_PUB 169.254.12.38 169.254.12.37 0xc0de0001 0xc0de0002 \
	172.31.0.0/16 10.16.16.254/24 > "$T_TMP/gw.batch"
end_batch $PEER_PUB $GW_PUB 169.254.12.37 169.254.12.38 0xc0de0002 0xc0de0001 \
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

# --- a1: no rule ------------------------------------------------------------

t_check "a1 no mark rule: lan -> vpc ping within 20 s (inbound SA found by the VTI's ikey)" \
	wait_until 20 ping_ok "$LAN" $VPC_IP
t_check "a1 no mark rule: vpc -> lan 3 of 3 pings" ns_exec "$VPC" ping -n -q -c 3 -i 0.2 -W 2 $LAN_IP
t_info "a1 gw inbound SA packets: $(sa_pkts "$GW" $PEER_PUB $GW_PUB 0xc0de0002)"

# --- a2: the seed's rule ----------------------------------------------------

if ! ns_exec "$GW" iptables -t mangle -I $MARK_RULE 2>"$T_TMP/ipt.err"; then
	t_skip "a2/c1: iptables MARK unavailable: $(cat "$T_TMP/ipt.err")"
	have_ipt=
else
	have_ipt=1
	out0=$(gw_out_sa)
	ns_exec "$LAN" ping -n -q -c 3 -i 0.3 -W 2 $VPC_IP > "$T_TMP/a2.out" 2>&1 && a2_ok=1 || a2_ok=
	out1=$(gw_out_sa)
	rule=$(rule_pkts)
	t_info "a2 with the rule: $(grep -E 'transmitted|loss' "$T_TMP/a2.out")"
	t_info "a2 rule matched $rule packets; gw outbound SA +$((out1 - out0)) packets for 3 echo requests"
	t_check "a2 the seed's rule matches plain ESP (counter > 0)" test "${rule:-0}" -gt 0
	t_check "a2 with the rule lan -> vpc fails" test -z "$a2_ok"
	# 3 requests out, 3 replies in: without a loop gw's outbound SA
	# carries 3; each looping reply is re-encrypted until its TTL ends.
	t_check "a2 the decapsulated replies are encrypted again (gw outbound SA +> 30 for 3 pings)" \
		grew "gw outbound SA" "$out1" "$out0" 30
	# Local delivery (gw's own vti1 address) is not forwarded: no loop.
	t_check "a2 with the rule gw -> peer inside address still works" \
		ns_exec "$GW" ping -n -q -c 2 -i 0.3 -W 2 169.254.12.37
fi

# --- a3: the seed's rule still in place, vtiaccel run (default: no marking) -
# The tunnel program clears a mark equal to the VTI's ikey on every packet
# (also those it hands to the kernel): the migration case, where the old
# updown's rule is still installed.

start_daemon a3 ""
if [ -n "$have_ipt" ]; then
	r0=$(rule_pkts)
	c0=$(counter vti1 mark_cleared)
	t_check "a3 rule + vtiaccel: lan -> vpc 3 of 3 pings" ns_exec "$LAN" ping -n -q -c 3 -i 0.2 -W 2 $VPC_IP
	t_check "a3 rule + vtiaccel: vpc -> lan 3 of 3 pings" ns_exec "$VPC" ping -n -q -c 3 -i 0.2 -W 2 $LAN_IP
	# IP options: handed to the kernel, which forwards them (loop if marked)
	t_check "a3 rule + vtiaccel: vpc -> lan ping with IP options 2 of 2" \
		ns_exec "$VPC" ping -n -q -R -c 2 -i 0.2 -W 2 $LAN_IP
	t_info "a3 rule matched +$(($(rule_pkts) - r0)), vti1 mark_cleared +$(($(counter vti1 mark_cleared) - c0)) for 8 echo exchanges"
	t_check "a3 the rule still marked ESP (>= 8)" grew "rule matches" "$(rule_pkts)" "$r0" 8
	t_check "a3 vti1 cleared the mark (mark_cleared >= 8)" grew mark_cleared "$(counter vti1 mark_cleared)" "$c0" 8
	ns_exec "$GW" iptables -t mangle -D $MARK_RULE
fi
m0=$(counter pub0 esp_marked)
t_check "a3 no rule, vtiaccel default: vpc -> lan 3 of 3 pings" ns_exec "$VPC" ping -n -q -c 3 -i 0.2 -W 2 $LAN_IP
t_check "a3 vtiaccel marks nothing by default (pub0 esp_marked +0)" \
	test "$(counter pub0 esp_marked)" = "$m0"
stop_daemon a3

# --- c: NAT-T ---------------------------------------------------------------

# ESP-in-UDP is decapsulated only for a UDP socket with UDP_ENCAP set (what
# charon holds on port 4500).
for ns in $GW $PEER; do
	ns_exec "$ns" $PKT natt-sock "$([ $ns = $GW ] && echo $GW_PUB || echo $PEER_PUB)" \
		> "$T_TMP/natt-$ns.out" 2>&1 &
	t_cleanup t_bg_kill $!
done
wait_until 10 grep -q ready "$T_TMP/natt-$GW.out"
wait_until 10 grep -q ready "$T_TMP/natt-$PEER.out"
ip -n "$GW" xfrm state flush
ip -n "$PEER" xfrm state flush
sa_batch $GW_PUB $PEER_PUB 0xc0de0001 0xc0de0002 natt > "$T_TMP/gw-natt.batch"
sa_batch $PEER_PUB $GW_PUB 0xc0de0002 0xc0de0001 natt > "$T_TMP/peer-natt.batch"
ip -n "$GW" -batch "$T_TMP/gw-natt.batch"
ip -n "$PEER" -batch "$T_TMP/peer-natt.batch"

if [ -n "$have_ipt" ]; then
	ns_exec "$GW" iptables -t mangle -I $MARK_RULE
	ns_exec "$GW" iptables -t mangle -Z INPUT
	t_check "c1 NAT-T + the seed's rule: lan -> vpc ping within 10 s" \
		wait_until 10 ping_ok "$LAN" $VPC_IP
	t_check "c1 NAT-T + the seed's rule: vpc -> lan 3 of 3 pings" \
		ns_exec "$VPC" ping -n -q -c 3 -i 0.2 -W 2 $LAN_IP
	rule=$(rule_pkts)
	in_sa=$(sa_pkts "$GW" $PEER_PUB $GW_PUB 0xc0de0002)
	t_info "c1 rule matched ${rule:-?} packets while gw's inbound NAT-T SA decrypted $in_sa"
	t_check "c1 the traffic was ESP-in-UDP (gw inbound SA >= 4 packets)" test "${in_sa:-0}" -ge 4
	t_check "c1 the seed's rule never matches ESP-in-UDP (counter 0)" test "${rule:-x}" = 0
	ns_exec "$GW" iptables -t mangle -D $MARK_RULE
fi

start_daemon c2
m0=$(counter pub0 esp_marked)
c0=$(counter vti1 mark_cleared)
t_check "c2 NAT-T --esp-mark: lan -> vpc 3 of 3 pings" ns_exec "$LAN" ping -n -q -c 3 -i 0.2 -W 2 $VPC_IP
t_check "c2 NAT-T --esp-mark: vpc -> lan 3 of 3 pings" ns_exec "$VPC" ping -n -q -c 3 -i 0.2 -W 2 $LAN_IP
t_check "c2 NAT-T --esp-mark: vpc -> lan ping with IP options 2 of 2" \
	ns_exec "$VPC" ping -n -q -R -c 2 -i 0.2 -W 2 $LAN_IP
t_check "c2 pub0 esp_marked grew for ESP-in-UDP (>= 8)" grew esp_marked "$(counter pub0 esp_marked)" "$m0" 8
t_check "c2 vti1 mark_cleared grew (>= 8)" grew mark_cleared "$(counter vti1 mark_cleared)" "$c0" 8
t_info "c2 counters: $(vta stats -j | jq -c '[.interfaces[] | {(.name): (.counters | with_entries(select(.value.packets > 0)) | map_values(.packets))}] | add')"

# --- b: vtiaccel marks on WAN ingress, clears on tunnel ingress -------------

# Same daemon as c2 (each start costs ~20 s under emulation): back to
# plain ESP SAs.
ip -n "$GW" xfrm state flush
ip -n "$PEER" xfrm state flush
sa_batch $GW_PUB $PEER_PUB 0xc0de0001 0xc0de0002 > "$T_TMP/gw-plain.batch"
sa_batch $PEER_PUB $GW_PUB 0xc0de0002 0xc0de0001 > "$T_TMP/peer-plain.batch"
ip -n "$GW" -batch "$T_TMP/gw-plain.batch"
ip -n "$PEER" -batch "$T_TMP/peer-plain.batch"
t_check "b plain ESP again: lan -> vpc ping within 10 s" wait_until 10 ping_ok "$LAN" $VPC_IP
m0=$(counter pub0 esp_marked)
c0=$(counter vti1 mark_cleared)
o0=$(passed vti1)
t_check "b --esp-mark: lan -> vpc 3 of 3 pings" ns_exec "$LAN" ping -n -q -c 3 -i 0.2 -W 2 $VPC_IP
t_check "b --esp-mark: vpc -> lan 3 of 3 pings" ns_exec "$VPC" ping -n -q -c 3 -i 0.2 -W 2 $LAN_IP
# IP options: the tunnel program hands these to the kernel, which forwards
# them; with the mark still set they would loop as in a2.
t_check "b --esp-mark: vpc -> lan ping with IP options (kernel forwards it) 2 of 2" \
	ns_exec "$VPC" ping -n -q -R -c 2 -i 0.2 -W 2 $LAN_IP
t_check "b pub0 esp_marked grew (>= 8)" grew esp_marked "$(counter pub0 esp_marked)" "$m0" 8
t_check "b vti1 mark_cleared grew (>= 8)" grew mark_cleared "$(counter vti1 mark_cleared)" "$c0" 8
t_check "b vti1 handed packets to the kernel (passed >= 2), which forwarded them without a loop" \
	grew passed "$(passed vti1)" "$o0" 2
stop_daemon b
