#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The seed's gateway (lab/lab.sh) with FRR's kernel nexthop groups OFF
# (`no zebra nexthop kernel enable`: classic RTA_MULTIPATH routes; the
# other lab tests run with the default, nexthop objects):
#  - zebra installs the ECMP route without a nexthop id, vtiaccel mirrors
#    both tunnels and forwards lan -> vpc on the fast path;
#  (b) 100% loss on the outside path to tunnel 1's endpoint (DROP in the
#      wan namespace): DPD (10 s / 30 s) or BGP's hold timer (30 s) takes
#      tunnel 1 out, the flows move to tunnel 2; with the path back, DPD's
#      restart brings tunnel 1 and ECMP back.  Run with vtiaccel, then
#      with the kernel path alone; prints the per-flow outage of both.
#      vtiaccel runs with its defaults, tunnel liveness on: its probes to
#      169.254.12.37 stop coming back and tunnel 1 leaves the map's ECMP
#      group in under a second, long before DPD or BGP notice, so every
#      lan -> vpc flow must resume within 1 s (docs/guide.md, "Tunnel
#      liveness"; before liveness: outage median 16 s, max 31.6 s).
#      Then vtiaccel again with liveness off (today's behaviour without
#      it: the outage lasts until DPD or BGP), and the kernel path.
#  The aws namespace answers ICMP through a tunnel only where AWS does
#  (lab/lab.sh): on its inside address, not on its outside address or
#  from the VPC to a tunnel's inside address; liveness still works.

. "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/../.." && pwd)
PY=/usr/bin/python3
export BUILD=${BUILD:-build-lab}

LAB_P=${T_PREFIX}-
. "$REPO/lab/lab.sh"
lab_prereq ip_vti esp4 xfrm_user

t_cleanup lab_down
t_check "lab up with 'no zebra nexthop kernel enable'" lab_up --nhg off
printf '%s\n' "$T_CHECK_LOG" | grep '^# lab:' || true
lab_alive "$LAB_CGW/vtiaccel" || { t_fail "lab did not come up: nothing else to test"; exit 1; }

t_check "ECMP route is a classic multipath route (no nhid)" \
	eval "! ip -n $LAB_CGW route show 172.31.0.0/16 | grep -q nhid"
t_check "vtiaccel mirrors it with both tunnels" lab_vta_ecmp_ok
lab_vta stats -j > "$T_TMP/s0.json"
# 200 packets: one left to the kernel for a reason of the moment (the
# lease during a guest stall) is 0.5%, not the 5% of 20
t_check "ping lan -> vpc: 200 sent, answers received" ns_exec "$LAB_LAN" ping -n -q -c 200 -i 0.01 -W 2 $LAB_VPC_HOST
lab_vta stats -j > "$T_TMP/s1.json"
t_check "lan -> tunnels on the fast path (eth1 >= 99%)" \
	$PY "$REPO/lab/vta_share.py" --min 99 "$T_TMP/s0.json" "$T_TMP/s1.json" eth1

# Where the simulated AWS answers ICMP from a tunnel's inside address
# (169.254.12.38, ping bound to tunnel 1): only on its own inside address.
t_check "aws answers echo on its inside address 169.254.12.37 through tunnel 1" \
	ns_exec "$LAB_CGW" ping -n -q -c 3 -i 0.2 -W 2 -I "${LAB_TUN}1" 169.254.12.37
t_check "aws does not answer echo on its outside address $LAB_AWS_PUB1 through tunnel 1" \
	eval "! ns_exec $LAB_CGW ping -n -q -c 2 -i 0.2 -W 1 -I ${LAB_TUN}1 $LAB_AWS_PUB1"
t_check "the vpc does not answer echo from tunnel 1's inside address" \
	eval "! ns_exec $LAB_CGW ping -n -q -c 2 -i 0.2 -W 1 -I ${LAB_TUN}1 $LAB_VPC_HOST"
t_check "liveness probes 169.254.12.37 and holds no tunnel down" \
	eval "grep -q 'liveness: ${LAB_TUN}1: probing 169.254.12.37' $LAB_DIR/$LAB_CGW/vtiaccel.out && ! lab_vta routes | grep -q 'held down'"

# dpd PATH: one loss-of-path case with traffic, checked and recorded.
OUT=$(mktemp /tmp/vta-lab-dpd.XXXXXX)
t_cleanup "rm -f $OUT"
dpd() {
	local path=$1 tag=dpd-$1 t0 t1 t2 d what stall
	t_check "$path: traffic runs (16 flows each way)" lab_traffic_start "$tag"
	lab_stall_start "$tag"
	t0=$(now_ms)
	lab_path_down $LAB_AWS_PUB1
	if [ "$path" = vtiaccel ]; then
		t_check "$path: liveness holds tunnel 1 out of the map's group within 10 s" \
			wait_until 10 eval "lab_vta routes | grep -q 'held down: .*dev ${LAB_TUN}1'"
		t_info "$path: liveness held tunnel 1 down $(($(now_ms) - t0)) ms after the loss began (polled)"
		lab_vta status | grep -A1 "^${LAB_TUN}1 " | sed 's/^/#   /' || true
	fi
	# the protocols' worst case is 40 s (BGP hold time 30 s; IKEv1 DPD
	# 10 s + 30 s), plus bgpd, charon and zebra under TCG (37.4 s seen):
	# a deadline with room, the time is printed below
	t_check "$path: tunnel 1 leaves the route within 100 s of losing its path" \
		wait_until 100 lab_one_path
	t1=$(now_ms)
	t_info "$path: tunnel 1 out of cgw's route $((t1 - t0)) ms after the loss began"
	lab_path_up
	# a deadline, not a goal: on a loaded host DPD may fire before BGP's
	# hold time and IKE then retries on charon's backoff (93.6 s seen)
	t_check "$path: DPD restart brings ECMP back within 180 s of the path's return" \
		wait_until 180 lab_both_ecmp
	t2=$(now_ms)
	t_info "$path: ECMP back $((t2 - t1)) ms after the path returned"
	wait_until 3 eval '[ $(($(now_ms) - t2)) -ge 2000 ]' || true
	lab_traffic_stop "$tag"
	stall=$(lab_stall_ms "$tag") || stall=
	for d in up down; do
		what="lan -> vpc"
		[ $d = up ] || what="vpc -> lan"
		t_check "$path, DPD, $what: every flow delivered before and after" \
			$PY "$REPO/lab/outage.py" "$path dpd $what" "$LAB_DIR/$tag.$d.json" 16
		$PY "$REPO/lab/outage.py" "$(printf '%-8s %-10s' "$path" "$what")" \
			"$LAB_DIR/$tag.$d.json" 16 >> "$OUT" || true
	done
	if [ "$path" = vtiaccel ]; then
		# The budget is 1 s per flow.  Under TCG on a loaded host the
		# whole guest stalls now and then (438 ms to 2.3 s seen): the
		# longest stall lab/stallmeter.py saw over the same window is
		# added to it, or "least", the gap every flow saw, also those on
		# tunnel 2 that the failover does not touch, if that is larger
		# and under 1 s (as before the meter).  A guest that stalled
		# more than 5 s cannot judge a 1 s budget: skipped, and said.
		local line least allow
		line=$($PY "$REPO/lab/outage.py" "$path liveness lan -> vpc" \
			"$LAB_DIR/$tag.up.json" 16)
		t_info "$line; the guest's longest stall ${stall:-?} ms"
		least=$(printf '%s\n' "$line" | sed -nE 's/.*least ([0-9]+) ms.*/\1/p')
		[ -n "$least" ] && [ "$least" -lt 1000 ] || least=0
		allow=${stall:-0}
		[ "$least" -le "$allow" ] || allow=$least
		if [ -z "$stall" ]; then
			t_fail "$path, liveness: the stall meter printed nothing"
		elif [ "$stall" -gt 5000 ]; then
			t_skip "$path, liveness, lan -> vpc: 1 s budget" "the guest stalled $stall ms during the failover: too slow to judge it"
		else
			t_check "$path, liveness, lan -> vpc: no flow interrupted for more than 1 s (+ the guest's own stall, $allow ms)" \
				$PY "$REPO/lab/outage.py" "$path liveness lan -> vpc" \
				"$LAB_DIR/$tag.up.json" 16 --max-ms $((1000 + allow))
		fi
	fi
}

t_cleanup lab_path_up
dpd vtiaccel
lab_stop "$LAB_CGW/vtiaccel"
# Liveness off: today's behaviour without it, next to the figures above.
LAB_VTA_ARGS="--liveness no" lab_start_vtiaccel
t_check "vtiaccel restarted with --liveness no" \
	wait_until "$LAB_VTA_START_S" lab_vta_ready
t_check "it mirrors the ECMP route with both tunnels" \
	wait_until 60 lab_vta_ecmp_ok
dpd vta-nolive
lab_stop "$LAB_CGW/vtiaccel"
t_check "SIGTERM detached vtiaccel (no program of ours left on eth1's tc hook)" \
	eval "! hook_has $LAB_CGW eth1 ingress vta_"
dpd kernel

t_info "per-flow outage when tunnel 1's path dies (longest gap of each interrupted flow): vtiaccel (liveness on), vtiaccel with liveness off (vta-nolive), kernel path:"
sed 's/^/#   /' "$OUT"
t_info "before liveness (issue 15): vtiaccel lan -> vpc 16 of 16 flows interrupted, outage median 16 s, max 31.6 s"
