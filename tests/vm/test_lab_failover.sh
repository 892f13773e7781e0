#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Failover in the seed's gateway (lab/lab.sh), with vtiaccel and with the
# kernel path alone (daemon stopped, programs detached), on one lab:
#  (a) `swanctl --terminate` of tunnel 1's IKE SA, then --initiate;
#  (c) vti1 deleted and re-created by contrib/strongswan/vtiaccel-updown
#      (down-client, up-client) while its SAs stay;
# 16 UDP flows each way at 20 packets/s run throughout: every flow must
# survive (move to tunnel 2 and keep going), ECMP must come back, and the
# longest per-flow gap is the outage, printed for both data paths.
# A capture in cgw (every flow packet where it enters and where it leaves)
# tells a stall inside cgw from one of the senders: lab/gaps.py prints,
# for the flows that stay on tunnel 2, the gap leaving cgw beyond the gap
# arriving.  The DPD case (b) is in test_lab_dpd.sh.

. "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/../.." && pwd)
export BUILD=${BUILD:-build-lab}

LAB_P=${T_PREFIX}-
. "$REPO/lab/lab.sh"
lab_prereq ip_vti esp4 xfrm_user
OUT=$(mktemp /tmp/vta-lab-failover.XXXXXX)
t_cleanup "rm -f $OUT $OUT.gaps"

t_cleanup lab_down
t_check "lab up: SAs, BGP ECMP both ways, vtiaccel, first ping" lab_up
printf '%s\n' "$T_CHECK_LOG" | grep '^# lab:' || true
lab_alive "$LAB_CGW/vtiaccel" || { t_fail "lab did not come up: nothing else to test"; exit 1; }

# failover PATH CASE: run one case with traffic, check and record it.
ev_terminate() {
	lab_swanctl "$LAB_CGW" --terminate --ike gw1 >/dev/null &&
	wait_until 20 lab_one_path &&
	lab_swanctl "$LAB_CGW" --initiate --child gw1 >/dev/null
}
ev_recreate() {
	lab_updown down-client vti1 &&
	wait_until 10 lab_one_path &&
	lab_updown up-client vti1
}
cap_start() { # TAG
	ip netns exec "$LAB_CGW" tcpdump -i any -n -U --immediate-mode -w "$T_TMP/$1.pcap" \
		'udp and (dst port 5003 or dst port 5004)' 2>"$T_TMP/$1.caperr" &
	cap=$!
	t_cleanup t_bg_kill "$cap"
	wait_until 60 grep -q 'listening on' "$T_TMP/$1.caperr"
}
# gaps TAG PATH CASE EVENT: where the gaps arose (lab/gaps.py), read in
# cgw so that tcpdump names the devices right.
gaps() {
	local d port what
	kill "$cap" 2>/dev/null || true
	wait_pid_gone 10 "$cap" || true
	ip netns exec "$LAB_CGW" tcpdump -tt -n -r "$T_TMP/$1.pcap" > "$T_TMP/$1.txt" 2>/dev/null || true
	for d in up down; do
		port=5003 what="lan -> vpc"
		[ $d = up ] || { port=5004 what="vpc -> lan"; }
		/usr/bin/python3 "$REPO/lab/gaps.py" "$T_TMP/$1.txt" "$4" $port vti2 > "$T_TMP/$1.$d.gaps" || true
		grep '^flows that used' "$T_TMP/$1.$d.gaps" | sed "s/^/$(printf '%-8s %-9s %-10s' "$2" "$3" "$what"): /" >> "$OUT.gaps"
		t_info "$2, $3, $what, in cgw: $(grep '^flows that used vti2' "$T_TMP/$1.$d.gaps" || echo 'no flow on vti2 before the event')"
	done
}

failover() {
	local path=$1 case=$2 tag=$1-$2 t0 t1 ev
	t_check "$path, $case: traffic runs (16 flows each way)" lab_traffic_start "$tag"
	t_check "$path, $case: capture in cgw" cap_start "$tag"
	t0=$(now_ms)
	ev=$EPOCHREALTIME
	t_check "$path, $case: event done, tunnel 1 out of the route" "ev_$case"
	# a deadline, not a goal (the time is printed below): IKE, BGP's
	# connect retry and zebra on both sides, under TCG on a loaded host
	# 31-33 s seen; the DPD restore in test_lab_dpd.sh needed 93.6 s
	t_check "$path, $case: ECMP back on both sides within 180 s" wait_until 180 lab_both_ecmp
	t1=$(now_ms)
	# Let the flows run 2 s on the restored ECMP (they may move back).
	wait_until 3 eval '[ $(($(now_ms) - t1)) -ge 2000 ]' || true
	lab_traffic_stop "$tag"
	gaps "$tag" "$path" "$case" "$ev"
	t_info "$path, $case: ECMP restored $((t1 - t0)) ms after the event"
	for d in up down; do
		local what="lan -> vpc"
		[ $d = up ] || what="vpc -> lan"
		t_check "$path, $case, $what: every flow delivered before and after" \
			/usr/bin/python3 "$REPO/lab/outage.py" "$path $case $what" "$LAB_DIR/$tag.$d.json" 16
		/usr/bin/python3 "$REPO/lab/outage.py" "$(printf '%-8s %-9s %-10s' "$path" "$case" "$what")" \
			"$LAB_DIR/$tag.$d.json" 16 >> "$OUT" || true
	done
}

failover vtiaccel terminate
failover vtiaccel recreate
t_check "vtiaccel still attached to the re-created vti1" \
	eval "lab_vta -j status | jq -e '.interfaces[] | select(.name == \"vti1\") | .tc.prog == \"vta_tun_in\"' >/dev/null"

lab_stop "$LAB_CGW/vtiaccel"
t_check "SIGTERM detached vtiaccel (no program of ours left on eth1's tc hook)" \
	eval "! hook_has $LAB_CGW eth1 ingress vta_"
failover kernel terminate
failover kernel recreate

t_info "per-flow outage (longest gap of each interrupted flow), vtiaccel vs kernel path:"
sed 's/^/#   /' "$OUT"
t_info "gaps inside cgw (median per flow: arriving vs leaving cgw), by the tunnel a flow used before the event:"
sed 's/^/#   /' "$OUT.gaps" 2>/dev/null || true
