# shellcheck shell=bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The lab's traffic checks (bash library), shared by
# tests/vm/test_lab_traffic*.sh and tests/vm/test_lab_xfrm.sh.  Source
# tests/vm/lib.sh (t_check, wait_until, t_cleanup) and lab/lab.sh first,
# then this, and bring the lab up with chk_lab_up.
#
#	chk_lab_up [lab_up options]   # exits the test if the lab is not up
#	chk_route_form on|off         # nhid vs "nexthop via ... nexthop via"
#	chk_iperf_servers             # iperf3 -s at lan and vpc (both families)
#	chk_traffic 4|6               # ping, TCP, UDP both ways; fast-path share; MSS
#	chk_ecmp 4|6                  # 64 flows over both tunnels, one tunnel each
#	chk_kill9                     # kill -9 of the daemon mid-traffic, restart
#	chk_verify WHEN               # `vtiaccel verify`: no drift
#
# Expected values come from the lab's configuration, never from vtiaccel:
# the MSS from the SA's ESP overhead (below), the spread from captures on
# the tunnel interfaces, the delivery from flows.py's sequence numbers.

CHK_PY=/usr/bin/python3
# Deadline for a helper (tcpdump, python, iperf3) to start: every exec
# reads its binary and libraries over 9p in a CPU-starved guest.
CHK_START_S=${CHK_START_S:-60}

# The largest inner packet the SA carries: outer MTU 1500 - IPv4 20 -
# UDP (NAT-T) 8 - ESP 8 - IV 16 - ICV 12 (hmac-sha1-96) = 1436 for the
# padded payload; CBC pads payload + 2 trailer bytes to 16: 1422
# (docs/kernel-facts.md, "MTU").  The tunnel's MTU (LAB_MTU) caps it
# too.  MSS = that - IPv4 40 / IPv6 60 (xt_TCPMSS --clamp-mss-to-pmtu on
# the right MTU).
chk_room=$((1500 - 20 - 8 - 8 - 16 - 12))
CHK_INNER=$(((chk_room / 16) * 16 - 2))
[ "$CHK_INNER" -le "$LAB_MTU" ] || CHK_INNER=$LAB_MTU
CHK_MSS4=$((CHK_INNER - 40))
CHK_MSS6=$((CHK_INNER - 60))

# chk_hosts 4|6: sets chk_lan, chk_vpc (the hosts' addresses).
chk_hosts() {
	if [ "$1" = 6 ]; then
		chk_lan=$LAB_LAN_HOST6 chk_vpc=$LAB_VPC_HOST6
	else
		chk_lan=$LAB_LAN_HOST chk_vpc=$LAB_VPC_HOST
	fi
}

chk_lab_up() {
	t_cleanup lab_down
	t_check "lab up ($*): SAs, BGP ECMP both ways, vtiaccel, first ping" lab_up "$@"
	printf '%s\n' "$T_CHECK_LOG" | grep '^# lab:' || true
	if ! lab_alive "$LAB_CGW/vtiaccel"; then
		t_fail "lab did not come up: nothing else to test"
		exit 1
	fi
	t_check "cgw has no iptables rule" eval "! ip netns exec $LAB_CGW iptables-save | grep -q '^-A'"
	t_check "cgw has no nftables rule" eval "! ip netns exec $LAB_CGW nft list ruleset 2>/dev/null | grep -q 'rule\|chain'"
}

# chk_route_form on|off: zebra installed every remote prefix as a kernel
# nexthop group (nhid N) or as a classic multipath route.
chk_route_form_one() { # NHG PREFIX
	local fam=-4 r
	case $2 in *:*) fam=-6 ;; esac
	r=$(ip "$fam" -n "$LAB_CGW" route show "$2")
	echo "$r"
	if [ "$1" = on ]; then
		echo "$r" | grep -q "^$2 nhid [0-9]"
	else
		! echo "$r" | grep -q nhid &&
		[ "$(echo "$r" | grep -c "nexthop via .* dev ${LAB_TUN}[12]")" = 2 ]
	fi
}
chk_route_form() {
	local pfx what="a kernel nexthop group (nhid)"
	[ "$1" = on ] || what="a classic multipath route (nexthop via ... nexthop via, no nhid)"
	for pfx in $(lab_remote_nets); do
		t_check "zebra installed $pfx as $what" chk_route_form_one "$1" "$pfx"
	done
}

chk_snap() { lab_vta stats -j > "$T_TMP/$1.json"; }

# chk_cap_start NS NAME DEV FILTER / chk_cap_stop NAME: tcpdump to
# $T_TMP/NAME.pcap.
chk_cap_start() {
	ip netns exec "$1" tcpdump -i "$3" -n -U --immediate-mode -w "$T_TMP/$2.pcap" "$4" 2>"$T_TMP/$2.err" &
	local pid=$!
	t_cleanup t_bg_kill "$pid"
	eval "chk_cap_$2=$pid"
	wait_until "$CHK_START_S" grep -q 'listening on' "$T_TMP/$2.err"
}
chk_cap_stop() {
	local pid
	eval "pid=\$chk_cap_$1"
	kill "$pid" 2>/dev/null || true
	wait_pid_gone 10 "$pid"
}

chk_iperf_servers() {
	local ns
	for ns in "$LAB_VPC" "$LAB_LAN"; do
		ip netns exec "$ns" iperf3 -s -D -p 5201 --logfile "$T_TMP/iperf-$ns.log" -I "$T_TMP/iperf-$ns.pid"
		# iperf3 -D daemonizes: stop it by its pid file (ours only).
		t_cleanup "kill \$(cat '$T_TMP/iperf-$ns.pid' 2>/dev/null) 2>/dev/null"
		wait_until "$CHK_START_S" test -s "$T_TMP/iperf-$ns.pid"
		wait_until "$CHK_START_S" eval "ip netns exec $ns ss -ltn | grep -q ':5201 '"
	done
}

# chk_iperf NS DST ARGS... -> prints Mbit/s of the receiver
chk_iperf() {
	ip netns exec "$1" iperf3 -c "$2" -p 5201 -t 3 -J "${@:3}" > "$T_TMP/iperf.json" || return 1
	$CHK_PY -c 'import json,sys; d=json.load(open(sys.argv[1]))["end"]
s=d.get("sum_received") or d["sum"]; print("%.1f Mbit/s%s" % (s["bits_per_second"]/1e6,
  ", %.2f%% lost" % s["lost_percent"] if "lost_percent" in s else ""))' "$T_TMP/iperf.json"
}

# "IP 10.16.16.10.x > 172.31.0.10.5201: Flags [S], ... options [mss 1382,...]"
# chk_mss_of PCAP FROM-ADDR -> one MSS per SYN / SYN-ACK sent by FROM-ADDR
chk_mss_of() {
	tcpdump -n -r "$1" 2>/dev/null | awk -v from="$2" '
		$3 ~ "^" from "\\." { if (match($0, /mss [0-9]+/)) print substr($0, RSTART + 4, RLENGTH - 4) }'
}
chk_mss_ok() { # PCAP FROM EXPECTED -> all = EXPECTED, at least 2 (SYN, SYN-ACK)
	local l
	l=$(chk_mss_of "$1" "$2" | sort | uniq -c | xargs)
	echo "MSS seen (count value): ${l:-none}; expected $3"
	[ "$(chk_mss_of "$1" "$2" | wc -l)" -ge 2 ] && ! chk_mss_of "$1" "$2" | grep -vqx "$3"
}

# chk_traffic 4|6: ping, TCP and UDP both ways lan <-> vpc; >= 99% of the
# transit packets on the fast path in each direction; the MSS on the
# wire.  Needs chk_iperf_servers.
chk_traffic() {
	local fam=$1 syn mss tag="IPv$1" dir r
	chk_hosts "$fam"
	if [ "$fam" = 6 ]; then
		# tcp[] does not reach past an IPv6 header in libpcap: the
		# flags byte is at 40 + 13 (the lab's SYNs have no
		# extension header).
		syn='ip6 and tcp and ip6[53] & 2 != 0'
		mss=$CHK_MSS6
	else
		syn='tcp[tcpflags] & tcp-syn != 0'
		mss=$CHK_MSS4
	fi
	t_check "$tag: tcpdump at lan" chk_cap_start "$LAB_LAN" lan$fam eth0 "$syn"
	t_check "$tag: tcpdump at vpc" chk_cap_start "$LAB_VPC" vpc$fam eth0 "$syn"
	chk_snap "before$fam"
	t_check "$tag: ping lan -> vpc: 20 of 20" ns_exec "$LAB_LAN" ping -n -q -c 20 -i 0.05 -W 2 "$chk_vpc"
	t_check "$tag: ping vpc -> lan: 20 of 20" ns_exec "$LAB_VPC" ping -n -q -c 20 -i 0.05 -W 2 "$chk_lan"
	for dir in "lan vpc $LAB_LAN $chk_vpc" "vpc lan $LAB_VPC $chk_lan"; do
		# shellcheck disable=SC2086 # split on purpose
		set -- $dir
		if r=$(chk_iperf "$3" "$4"); then t_pass "$tag: TCP $1 -> $2: $r"; else t_fail "$tag: TCP $1 -> $2"; fi
		if r=$(chk_iperf "$3" "$4" -u -b 5M -l 1000); then t_pass "$tag: UDP $1 -> $2: $r"; else t_fail "$tag: UDP $1 -> $2"; fi
	done
	chk_snap "after$fam"
	t_info "$tag: fast path during the traffic (vtiaccel stats -j deltas):"
	$CHK_PY "$LAB_REPO/lab/vta_share.py" "$T_TMP/before$fam.json" "$T_TMP/after$fam.json" \
		eth1 "${LAB_TUN}1" "${LAB_TUN}2" | sed 's/^/#   /' || true
	t_check "$tag: lan -> tunnels: >= 99% of transit packets forwarded by the fast path (eth1)" \
		$CHK_PY "$LAB_REPO/lab/vta_share.py" --min 99 "$T_TMP/before$fam.json" "$T_TMP/after$fam.json" eth1
	# Both tunnels carry traffic (ECMP), each direction counted on its own.
	t_check "$tag: tunnels -> lan: >= 99% of transit packets forwarded by the fast path (${LAB_TUN}1, ${LAB_TUN}2)" \
		$CHK_PY "$LAB_REPO/lab/vta_share.py" --min 99 "$T_TMP/before$fam.json" "$T_TMP/after$fam.json" \
		"${LAB_TUN}1" "${LAB_TUN}2"
	chk_cap_stop lan$fam
	chk_cap_stop vpc$fam
	t_check "$tag: at vpc: every SYN / SYN-ACK from lan carries MSS $mss" \
		chk_mss_ok "$T_TMP/vpc$fam.pcap" "$chk_lan" "$mss"
	t_check "$tag: at lan: every SYN / SYN-ACK from vpc carries MSS $mss" \
		chk_mss_ok "$T_TMP/lan$fam.pcap" "$chk_vpc" "$mss"
	t_info "$tag: MSS at vpc from lan: $(chk_mss_of "$T_TMP/vpc$fam.pcap" "$chk_lan" | sort | uniq -c | xargs)"
	t_info "$tag: MSS at lan from vpc: $(chk_mss_of "$T_TMP/lan$fam.pcap" "$chk_vpc" | sort | uniq -c | xargs)"
	t_info "$tag: traffic checks done $(lab_elapsed) after lab_up began"
}

# chk_ecmp 4|6: 64 UDP flows lan -> vpc, captured on each tunnel in cgw:
# every flow leaves through a tunnel, each tunnel carries >= 25% of them,
# no flow uses both.
chk_ecmp() {
	local fam=$1 tag="IPv$1" nflows=64 t rx n1 n2 both v6=
	chk_hosts "$fam"
	[ "$fam" = 4 ] || v6=--ipv6
	for t in "${LAB_TUN}1" "${LAB_TUN}2"; do
		t_check "$tag: tcpdump on $t" chk_cap_start "$LAB_CGW" "$t" "$t" 'udp dst port 5001'
	done
	ip netns exec "$LAB_VPC" $CHK_PY "$LAB_REPO/lab/flows.py" recv 5001 --seconds 120 $v6 \
		--ready "$T_TMP/rx$fam.ready" > "$T_TMP/ecmp$fam.rx" &
	rx=$!
	t_cleanup t_bg_kill "$rx"
	t_check "$tag: receiver at vpc ready" wait_until "$CHK_START_S" test -e "$T_TMP/rx$fam.ready"
	ip netns exec "$LAB_LAN" $CHK_PY "$LAB_REPO/lab/flows.py" send "$chk_vpc" 5001 --flows $nflows \
		--sport 41000 --pps 10 --seconds 2 > "$T_TMP/ecmp$fam.tx"
	chk_cap_stop "${LAB_TUN}1"
	chk_cap_stop "${LAB_TUN}2"
	# the source port: the last dot-separated field of "ADDR.PORT"
	for t in 1 2; do
		tcpdump -n -r "$T_TMP/${LAB_TUN}$t.pcap" 2>/dev/null |
			awk '{ n = split($3, a, "."); print a[n] }' | sort -u > "$T_TMP/f$fam.$t"
	done
	n1=$(wc -l < "$T_TMP/f$fam.1") n2=$(wc -l < "$T_TMP/f$fam.2")
	both=$(comm -12 "$T_TMP/f$fam.1" "$T_TMP/f$fam.2" | wc -l)
	t_info "$tag ECMP: $nflows flows, ${LAB_TUN}1 $n1, ${LAB_TUN}2 $n2, on both $both"
	t_check "$tag: all $nflows flows left cgw through a tunnel" test $((n1 + n2 - both)) -eq $nflows
	t_check "$tag: each tunnel carried >= 25% of the flows (${LAB_TUN}1 $n1, ${LAB_TUN}2 $n2)" \
		test $((n1 * 4)) -ge $nflows -a $((n2 * 4)) -ge $nflows
	t_check "$tag: each flow used one tunnel only ($both on both)" test "$both" -eq 0
	kill "$rx" 2>/dev/null || true	# SIGTERM: it prints what it counted
	wait_pid_gone 15 "$rx" || true
	t_check "$tag: vpc received all $nflows flows" \
		test "$($CHK_PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T_TMP/ecmp$fam.rx")" -eq $nflows
	t_info "$tag: ECMP checks done $(lab_elapsed) after lab_up began"
}

chk_verify() { # WHEN
	t_check "vtiaccel verify: maps match the kernel ($1)" lab_vta verify
}

# chk_kill9: 8 flows x 20 packets/s for 10 s lan -> vpc; SIGKILL of the
# daemon once they flow, 2 s later; the lease (3 s) ends the fast path at ~5 s, the
# kernel carries the rest; a restart resumes the fast path.
chk_kill9() {
	local rx tx t0 sent flows rx_total gap minlast stall
	ip netns exec "$LAB_VPC" $CHK_PY "$LAB_REPO/lab/flows.py" recv 5002 --seconds 120 \
		--ready "$T_TMP/rx2.ready" > "$T_TMP/kill.rx" &
	rx=$!
	t_cleanup t_bg_kill "$rx"
	t_check "kill -9: receiver at vpc ready" wait_until "$CHK_START_S" test -e "$T_TMP/rx2.ready"
	ip netns exec "$LAB_LAN" $CHK_PY "$LAB_REPO/lab/flows.py" send "$LAB_VPC_HOST" 5002 --flows 8 \
		--sport 42000 --pps 20 --seconds 10 > "$T_TMP/kill.tx" &
	tx=$!
	t_cleanup t_bg_kill "$tx"
	t_check "kill -9: traffic reaches vpc" wait_until "$CHK_START_S" lab_rx_flowing "$LAB_VPC"
	lab_stall_start kill9
	# shellcheck disable=SC2034 # read by the eval
	t0=$(now_ms)
	wait_until 3 eval '[ $(($(now_ms) - t0)) -ge 2000 ]' || true	# 2 s of traffic first
	lab_stop "$LAB_CGW/vtiaccel" KILL
	t_info "vtiaccel killed (SIGKILL) >= 2 s into 10 s of 8 flows x 20 pps"
	wait_pid_gone 30 "$tx" || true
	wait "$tx" || true
	stall=$(lab_stall_ms kill9) || stall=0
	# what a stalled guest still had in flight arrives before the count
	wait_until 10 lab_rx_settled "$LAB_VPC" || true
	kill "$rx" 2>/dev/null || true	# SIGTERM: it prints what it counted
	wait_pid_gone 10 "$rx" || true
	sent=$($CHK_PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent_per_flow"])' "$T_TMP/kill.tx")
	read -r flows rx_total gap minlast < <($CHK_PY -c 'import json,sys
d=json.load(open(sys.argv[1])); print(len(d), sum(f["rx"] for f in d.values()),
  max([f["max_gap_ms"] for f in d.values()] or [0]), min([f["last"] for f in d.values()] or [0]))' "$T_TMP/kill.rx")
	t_info "kill -9: $flows flows, received $rx_total of $((sent * 8)), longest gap ${gap} ms, lowest last seq $minlast of $((sent - 1)); the guest's longest stall $stall ms"
	t_check "after kill -9 every flow reached its end through the kernel (last seq >= sent - 5)" \
		test "$flows" -eq 8 -a "$minlast" -ge $((sent - 6))
	# 1.5 s, plus what the guest itself stalled (lab/stallmeter.py)
	t_check "no gap >= 1.5 s (+ the guest's own stall, $stall ms) in any flow across the kill and the lease expiry" \
		$CHK_PY -c "import sys; sys.exit(not $gap < 1500 + $stall)"
	t_check ">= 90% of the packets delivered (CPU-starved guests drop some UDP)" \
		test $((rx_total * 10)) -ge $((sent * 8 * 9))
	t_check "no packet delivered twice or out of thin air" test "$rx_total" -le $((sent * 8))
	t_check "the programs stay attached without the daemon (vta_lan_in on eth1)" \
		hook_has "$LAB_CGW" eth1 ingress vta_lan_in
	lab_start_vtiaccel
	t_check "vtiaccel restarted (lease valid)" wait_until "$LAB_VTA_START_S" lab_vta_ready
	t_check "restarted vtiaccel mirrors the ECMP route(s)" chk_vta_ecmp_shown
	chk_snap r0
	# 200 packets: one that the fast path leaves to the kernel for a
	# reason of the moment (the lease during a guest stall) is 0.5%
	ns_exec "$LAB_LAN" ping -n -q -c 200 -i 0.01 -W 2 "$LAB_VPC_HOST" >/dev/null || true
	chk_snap r1
	t_check "fast path resumed after restart (eth1 >= 99%)" \
		$CHK_PY "$LAB_REPO/lab/vta_share.py" --min 99 "$T_TMP/r0.json" "$T_TMP/r1.json" eth1
}
chk_vta_ecmp_shown() { wait_until 30 lab_vta_ecmp_ok || { lab_vta routes; false; }; }
