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

. "$(dirname "$0")/dp_lib.sh"

# The seed's rule, in gw (PLUTO_PEER, PLUTO_ME, PLUTO_MARK_IN).
MARK_RULE="INPUT -p esp -s $PEER_PUB -d $GW_PUB -j MARK --set-xmark 0x64/0xffffffff"

dp_require jq

vta_ready() { # OPT: the esp_mark flag must match it
	local want=false
	[ -z "$1" ] || want=true
	vta_verify && vta status -j | jq -e --argjson m $want '.config.esp_mark == $m and (.peers | length) > 0' >/dev/null
}
passed() { # IF: packets the programs handed to the kernel
	vta stats -j | jq -r --arg i "$1" '.interfaces[] | select(.name == $i) | .passed.packets'
}
# rule_pkts: packets the seed's rule matched in gw.
rule_pkts() {
	ns_exec "$GW" iptables -t mangle -L INPUT -n -v -x | awk '/MARK/ { print $1; exit }'
}
gw_out_sa() { dp_sa_pkts "$GW" $GW_PUB $PEER_PUB 0xc0de0001 100; }

# start_daemon PHASE [OPTION]: vtiaccel run in gw (OPTION: --esp-mark by
# default, "" for none).
start_daemon() {
	local opt=${2---esp-mark}
	# shellcheck disable=SC2086 # no option: no argument
	dp_daemon_start $opt
	local f0=$T_FAIL
	t_check "$1: vtiaccel run ${opt:-(defaults)} ready (verify, peer known) within 60 s" \
		wait_until 60 vta_ready "$opt"
	[ "$T_FAIL" = "$f0" ] || dp_daemon_why
}
# marked_traffic LABEL OPTNOTE MARKDESC: with vtiaccel --esp-mark, pings
# both ways (also with IP options, which go to the kernel) must work, the
# WAN program must mark (>= 8) and the tunnel program clear (>= 8).
marked_traffic() {
	local m0 c0 tag=${1%% *}
	m0=$(dp_counter pub0 esp_marked)
	c0=$(dp_counter vti1 mark_cleared)
	t_check "$1: lan -> vpc 3 of 3 pings" ns_exec "$LAN" ping -n -q -c 3 -i 0.2 -W 2 $VPC_IP
	t_check "$1: vpc -> lan 3 of 3 pings" ns_exec "$VPC" ping -n -q -c 3 -i 0.2 -W 2 $LAN_IP
	t_check "$1: vpc -> lan ping with IP options$2 2 of 2" \
		ns_exec "$VPC" ping -n -q -R -c 2 -i 0.2 -W 2 $LAN_IP
	t_check "$3 (>= 8)" dp_grew esp_marked "$(dp_counter pub0 esp_marked)" "$m0" 8
	t_check "$tag vti1 mark_cleared grew (>= 8)" dp_grew mark_cleared "$(dp_counter vti1 mark_cleared)" "$c0" 8
}
stop_daemon() {
	kill "$DPID"
	t_check "$1: vtiaccel run exits on SIGTERM" wait_pid_gone 10 "$DPID"
}

# --- topology ---------------------------------------------------------------

t_cleanup dp_netns_del
dp_seed_topology

# --- a1: no rule ------------------------------------------------------------

t_check "a1 no mark rule: lan -> vpc ping within 20 s (inbound SA found by the VTI's ikey)" \
	wait_until 20 ping_ok "$LAN" $VPC_IP
t_check "a1 no mark rule: vpc -> lan 3 of 3 pings" ns_exec "$VPC" ping -n -q -c 3 -i 0.2 -W 2 $LAN_IP
t_info "a1 gw inbound SA packets: $(dp_sa_pkts "$GW" $PEER_PUB $GW_PUB 0xc0de0002)"

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
		dp_grew "gw outbound SA" "$out1" "$out0" 30
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
	c0=$(dp_counter vti1 mark_cleared)
	t_check "a3 rule + vtiaccel: lan -> vpc 3 of 3 pings" ns_exec "$LAN" ping -n -q -c 3 -i 0.2 -W 2 $VPC_IP
	t_check "a3 rule + vtiaccel: vpc -> lan 3 of 3 pings" ns_exec "$VPC" ping -n -q -c 3 -i 0.2 -W 2 $LAN_IP
	# IP options: handed to the kernel, which forwards them (loop if marked)
	t_check "a3 rule + vtiaccel: vpc -> lan ping with IP options 2 of 2" \
		ns_exec "$VPC" ping -n -q -R -c 2 -i 0.2 -W 2 $LAN_IP
	t_info "a3 rule matched +$(($(rule_pkts) - r0)), vti1 mark_cleared +$(($(dp_counter vti1 mark_cleared) - c0)) for 8 echo exchanges"
	t_check "a3 the rule still marked ESP (>= 8)" dp_grew "rule matches" "$(rule_pkts)" "$r0" 8
	t_check "a3 vti1 cleared the mark (mark_cleared >= 8)" dp_grew mark_cleared "$(dp_counter vti1 mark_cleared)" "$c0" 8
	ns_exec "$GW" iptables -t mangle -D $MARK_RULE
fi
m0=$(dp_counter pub0 esp_marked)
t_check "a3 no rule, vtiaccel default: vpc -> lan 3 of 3 pings" ns_exec "$VPC" ping -n -q -c 3 -i 0.2 -W 2 $LAN_IP
t_check "a3 vtiaccel marks nothing by default (pub0 esp_marked +0)" \
	test "$(dp_counter pub0 esp_marked)" = "$m0"
stop_daemon a3

# --- c: NAT-T ---------------------------------------------------------------

# ESP-in-UDP is decapsulated only for a UDP socket with UDP_ENCAP set (what
# charon holds on port 4500).
for ns in $GW $PEER; do
	ns_exec "$ns" $PKT natt-sock "$([ $ns = $GW ] && echo $GW_PUB || echo $PEER_PUB)" \
		> "$T_TMP/natt-$ns.out" 2>&1 &
	t_cleanup t_bg_kill $!
done
# python's start alone can take seconds under emulation on a busy host
wait_until 30 grep -q ready "$T_TMP/natt-$GW.out"
wait_until 30 grep -q ready "$T_TMP/natt-$PEER.out"
DP_NATT=1
dp_set_sas "$GW" gw
dp_set_sas "$PEER" peer

if [ -n "$have_ipt" ]; then
	ns_exec "$GW" iptables -t mangle -I $MARK_RULE
	ns_exec "$GW" iptables -t mangle -Z INPUT
	t_check "c1 NAT-T + the seed's rule: lan -> vpc ping within 10 s" \
		wait_until 10 ping_ok "$LAN" $VPC_IP
	t_check "c1 NAT-T + the seed's rule: vpc -> lan 3 of 3 pings" \
		ns_exec "$VPC" ping -n -q -c 3 -i 0.2 -W 2 $LAN_IP
	rule=$(rule_pkts)
	in_sa=$(dp_sa_pkts "$GW" $PEER_PUB $GW_PUB 0xc0de0002)
	t_info "c1 rule matched ${rule:-?} packets while gw's inbound NAT-T SA decrypted $in_sa"
	t_check "c1 the traffic was ESP-in-UDP (gw inbound SA >= 4 packets)" test "${in_sa:-0}" -ge 4
	t_check "c1 the seed's rule never matches ESP-in-UDP (counter 0)" test "${rule:-x}" = 0
	ns_exec "$GW" iptables -t mangle -D $MARK_RULE
fi

start_daemon c2
marked_traffic "c2 NAT-T --esp-mark" "" "c2 pub0 esp_marked grew for ESP-in-UDP"
t_info "c2 counters: $(dp_counters_info)"

# --- b: vtiaccel marks on WAN ingress, clears on tunnel ingress -------------

# Same daemon as c2 (each start costs ~20 s under emulation): back to
# plain ESP SAs.
DP_NATT=
dp_set_sas "$GW" gw
dp_set_sas "$PEER" peer
t_check "b plain ESP again: lan -> vpc ping within 10 s" wait_until 10 ping_ok "$LAN" $VPC_IP
o0=$(passed vti1)
# IP options: the tunnel program hands these to the kernel, which forwards
# them; with the mark still set they would loop as in a2.
marked_traffic "b --esp-mark" " (kernel forwards it)" "b pub0 esp_marked grew"
t_check "b vti1 handed packets to the kernel (passed >= 2), which forwarded them without a loop" \
	dp_grew passed "$(passed vti1)" "$o0" 2
stop_daemon b
