#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# SA-aware ECMP: a tunnel counts as up only while its SAs exist.  Two VTIs
# from gw to the same peer (vti1: 192.0.2.1 <-> 192.0.2.2, keys 100;
# vti2: 198.51.100.1 <-> 198.51.100.2, keys 200), kernel multipath route
# 172.31.0.0/16 via both in gw, `vtiaccel run` in gw:
#
#	lan -- eth1 gw pub0 ==(vti1, vti2)== pub0 peer eth1 -- vpc
#
# Asserts: the map route has both members and the flow hash of `lookup`
# is the one the programs use (a flow it puts on vti1 leaves through
# vti1); deleting vti1's SAs takes vti1 out of the map group within
# 200 ms (measured, printed) while the kernel route still lists both;
# the same flow then works through vti2; re-adding the SAs brings vti1
# back; `vtiaccel verify` reports no drift in both states.

. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/dp_lib.sh"

dp_require jq

# vta_verify, but with its output (printed when it finds drift).
vta_verify_out() { vta verify --lan eth1 --wan pub0 --tunnel 'vti*'; }
# members: the devices of the map route 172.31.0.0/16, sorted, one line.
members() {
	vta routes -4 -j | jq -r '[.routes[] | select(.dst == "172.31.0.0/16") |
		.nexthops[]?.dev] | sort | join(",")'
}
members_are() { [ "$(members)" = "$1" ]; }
pick() { # SPORT DPORT: the tunnel `lookup` picks for lan:SPORT -> vpc:DPORT/tcp
	vta lookup -j $VPC_IP --from $LAN_IP --proto tcp --sport "$1" --dport "$2" |
		jq -r '.nexthop.dev'
}
link_tx() { ns_exec "$GW" cat "/sys/class/net/$1/statistics/tx_packets"; }
# xfrm_monitor TAG: timestamped XFRM events of gw into $T_TMP/xfrm.TAG;
# returns once it has seen a probe policy (so it is subscribed).
xfrm_monitor() { # TAG N
	ip -n "$GW" -ts xfrm monitor > "$T_TMP/xfrm.$1" 2>&1 &
	t_cleanup t_bg_kill $!
	wait_until 10 eval "ip -n $GW xfrm policy add src 203.0.113.1/32 dst 203.0.113.$2/32 dir out 2>/dev/null
		ip -n $GW xfrm policy delete src 203.0.113.1/32 dst 203.0.113.$2/32 dir out 2>/dev/null
		grep -q 'dst 203.0.113.$2/32' '$T_TMP/xfrm.$1'"
}
# change_ms TAG EVENT_RE: once the poller saw the map change, the ms from
# the first XFRM event in $T_TMP/xfrm.TAG matching EVENT_RE to it.
change_ms() {
	local t ev
	wait_pid_gone 12 "$PPID_POLL" && t=$(tail -n 1 "$T_TMP/poll.out") && [[ $t =~ ^[0-9]+$ ]] &&
		ev=$(grep -m1 -E "$2" "$T_TMP/xfrm.$1") && echo $((t - $(ts_ms "${ev%% *}")))
}
# group_poller PREFIX IFINDEX present|absent: background poll of the
# pinned maps (PPID_POLL): the group the route points to, followed (a
# changed group moves to a new map key); prints the wall-clock ms of the
# change.
group_poller() {
	$PKT group-wait "$PIN" "$1" "$2" "$3" 10 > "$T_TMP/poll.out" 2>&1 &
	PPID_POLL=$!
	t_cleanup t_bg_kill "$PPID_POLL"
	wait_until 10 grep -q ready "$T_TMP/poll.out"
}

# --- topology ---------------------------------------------------------------

# two_tunnels gw|peer: one end's batch: vti1 (192.0.2.x, keys 100) and
# vti2 (198.51.100.x, keys 200), reqid = mark = key.
two_tunnels() {
	local a=1 b=2 keys=1 lan=10.16.16.254/24
	[ "$1" = gw ] || a=2 b=1 keys=2 lan=172.31.0.1/24
	printf '%s\n' "link set pub0 up" "addr add $lan dev eth1" "link set eth1 up" \
		"addr add 192.0.2.$a/24 dev pub0" "addr add 198.51.100.$a/24 dev pub0"
	dp_tunnel_batch vti1 192.0.2.$a 192.0.2.$b 169.254.12.$((39 - a)) 169.254.12.$((39 - b)) \
		0xc0de010$a 0xc0de010$b $keys 100 100
	dp_tunnel_batch vti2 198.51.100.$a 198.51.100.$b 169.254.14.$((231 - a)) 169.254.14.$((231 - b)) \
		0xc0de020$a 0xc0de020$b $keys 200 200
}

t_cleanup dp_netns_del
# gw: ECMP over both; peer: replies always through vti2 (the test is about
# gw's choice).
dp_topology "$(two_tunnels gw; echo "route add 172.31.0.0/16 nexthop dev vti1 nexthop dev vti2")" \
	"$(two_tunnels peer; echo "route add 10.16.16.0/24 dev vti2")"
dp_sysctls "$GW" vti1 vti2
dp_sysctls "$PEER" vti1 vti2
t_check "kernel path: gw -> peer over vti1 and vti2 within 20 s" wait_until 20 \
	eval "ns_exec $GW ping -n -q -c1 -W1 169.254.12.37 >/dev/null && ns_exec $GW ping -n -q -c1 -W1 169.254.14.229 >/dev/null"

# SA-aware ECMP alone: tunnel liveness would hold vti1 down while its SAs
# are gone (its probes cannot pass) and add its rise time on the way back.
dp_daemon_start --liveness no
f0=$T_FAIL
t_check "vtiaccel run: no drift within 60 s" wait_until 60 vta_verify
[ "$T_FAIL" = "$f0" ] || dp_daemon_why
t_check "map route 172.31.0.0/16 has both tunnels" members_are vti1,vti2

# Two TCP flows that `lookup` puts on vti1 (one for before, one for after
# the SAs go: a second connection on the same 4-tuple would hit TIME_WAIT).
flow_on_vti1() { # DPORT: a source port whose flow lookup puts on vti1
	local s
	for s in 40100 40101 40102 40103 40104 40105 40106 40107 40108 40109 \
		 40110 40111 40112 40113 40114 40115; do
		if [ "$(pick "$s" "$1")" = vti1 ]; then echo "$s"; return 0; fi
	done
	return 1
}
sport1=$(flow_on_vti1 5001) || sport1=
sport2=$(flow_on_vti1 5002) || sport2=
t_check "lookup puts a flow to port 5001 and one to 5002 on vti1 (of 16 each)" \
	test -n "$sport1" -a -n "$sport2"
sport1=${sport1:-40100}
sport2=${sport2:-40100}
ns_exec "$VPC" $PKT tcp-serve $VPC_IP 5001 & spid=$!
t_cleanup t_bg_kill "$spid"
ns_exec "$VPC" $PKT tcp-serve $VPC_IP 5002 & spid2=$!
t_cleanup t_bg_kill "$spid2"
tx1=$(link_tx vti1)
t_check "flow lan:$sport1 -> vpc:5001 works (64 KiB echoed)" \
	ns_exec "$LAN" env DP_SPORT="$sport1" timeout 60 $PKT tcp-send $VPC_IP 5001 65536
t_check "and left through vti1, as lookup said (vti1 tx +>= 40)" \
	test $(($(link_tx vti1) - tx1)) -ge 40

# --- vti1's SAs go away -----------------------------------------------------

idx1=$(ip -n "$GW" -j link show vti1 | jq -r '.[0].ifindex')
t_check "xfrm monitor running" xfrm_monitor del 2
t_check "map poller running" group_poller 172.31.0.0/16 "$idx1" absent
printf '%s\n' \
	"xfrm state delete src 192.0.2.1 dst 192.0.2.2 proto esp spi 0xc0de0101 mark 100" \
	"xfrm state delete src 192.0.2.2 dst 192.0.2.1 proto esp spi 0xc0de0102" > "$T_TMP/del.batch"
ip -n "$GW" -batch "$T_TMP/del.batch"
if ms=$(change_ms del '^\[[^]]*\] Deleted src 192\.0\.2\.'); then
	t_info "SA deletion (XFRM event) -> vti1 out of the route's map group: $ms ms"
	# the goal is 200 ms (printed); under emulation a guest stall
	# between the event and the write can take longer: the deadline
	# asserted is 2 s
	t_info "goal: 200 ms on real hardware; measured under emulation: $ms ms"
	t_check "vti1 left the group within 2 s of the SA deletion ($ms ms)" test "$ms" -le 2000
else
	t_fail "vti1 still in the route's group after its SAs were deleted: $(cat "$T_TMP/poll.out")"
fi
t_check "routes -j agrees: the group is vti2 only" wait_until 5 members_are vti2
t_check "the kernel route still lists both tunnels" \
	eval "ip -n $GW route show 172.31.0.0/16 | grep -q vti1 && ip -n $GW route show 172.31.0.0/16 | grep -q vti2"
t_check "lookup now puts flow $sport2 on vti2" test "$(pick "$sport2" 5002)" = vti2
tx1=$(link_tx vti1)
tx2=$(link_tx vti2)
t_check "flow lan:$sport2 -> vpc:5002, on vti1 before, works (64 KiB echoed)" \
	ns_exec "$LAN" env DP_SPORT="$sport2" timeout 60 $PKT tcp-send $VPC_IP 5002 65536
f0=$T_FAIL
t_check "through vti2 (vti2 tx +>= 40, vti1 tx +0)" \
	test $(($(link_tx vti2) - tx2)) -ge 40 -a $(($(link_tx vti1) - tx1)) -eq 0
[ "$T_FAIL" = "$f0" ] ||
	t_info "eth1 counters: $(vta stats -j | jq -c '.interfaces[] | select(.name == "eth1") | .counters | with_entries(select(.value.packets > 0)) | map_values(.packets)'); status: $(vta status -j | jq -c .lease)"
vta_verify_out > "$T_TMP/verify.out" 2>&1 && vrc=0 || vrc=$?
t_info "verify with vti1's SAs gone: exit $vrc: $(head -c 300 "$T_TMP/verify.out")"
t_check "verify: no drift with vti1's SAs gone" test "$vrc" = 0

# --- and come back ----------------------------------------------------------

t_check "xfrm monitor running" xfrm_monitor add 3
t_check "map poller running" group_poller 172.31.0.0/16 "$idx1" present
dp_sa_batch 192.0.2.1 192.0.2.2 0xc0de0101 0xc0de0102 1 100 100 > "$T_TMP/add.batch"
ip -n "$GW" -batch "$T_TMP/add.batch"
# From the first NEWSA event (both come from one batch, ms apart).
if ms=$(change_ms add '^\[[^]]*\] src 192\.0\.2\.'); then
	t_info "SAs re-added (XFRM event) -> vti1 back in the route's map group: $ms ms"
	t_info "goal: 200 ms on real hardware; measured under emulation: $ms ms"
	t_check "vti1 returned to the group within 2 s ($ms ms)" test "$ms" -le 2000
else
	t_fail "vti1 not back in the route's group after its SAs returned: $(cat "$T_TMP/poll.out")"
fi
t_check "routes -j agrees: vti1 and vti2" wait_until 5 members_are vti1,vti2
t_check "verify: no drift after the SAs returned" wait_until 5 vta_verify
t_check "lookup puts flow $sport2 on vti1 again" test "$(pick "$sport2" 5002)" = vti1
