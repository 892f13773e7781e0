#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Tunnel liveness (docs/guide.md, "Tunnel liveness"): `vtiaccel run` in a
# gateway namespace with veth stand-ins for two tunnels (vti1, vti2, the
# seed's inside /30s) to a peer namespace that answers ICMP echo only on
# its inside addresses, and an ECMP route over both.  The far side of
# vti1 goes silent (nftables drops everything both ways in the peer namespace,
# the link stays up: the kernel sees nothing): vti1 must leave the map's
# group within 1 s while the kernel's route keeps both nexthops, come
# back after recovery, not thrash when the loss flaps, never leave a
# group empty of paths, and not move while the tunnel is saturated.
#
# Prints "liveness: N passed, N failed[, N skipped]".
set -u
cd "$(dirname "$0")/../../.." || exit 1
BUILD=${BUILD:-build}
VTA=$(realpath "$BUILD/vtiaccel" 2>/dev/null)
MAPQ="/usr/bin/python3 $(pwd)/tests/net/sync/mapq.py"
P=$$
GW=vtaSY-lg-$P
PE=vtaSY-lp-$P
PIN=/sys/fs/bpf/vtaSY-live-$P
TMP=$(mktemp -d /tmp/vtaSY-live.XXXXXX)
LOG=$TMP/daemon.log
DPID=
NPID=
IPID=
SPID=

# shellcheck source=tests/net/sync/lib.sh
. tests/net/sync/lib.sh

finish() {
	t_summary liveness
	exit $?
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	[ -n "$IPID" ] && kill "$IPID" 2>/dev/null
	[ -n "$SPID" ] && kill "$SPID" 2>/dev/null
	sync_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM

sync_preflight liveness || finish

PX() { ip netns exec "$PE" "$@"; }
# silence DEV: drop everything in and out of DEV in the peer namespace
# (nftables netdev chains: ARP too, so no packet at all comes back)
silence() {
	PX nft -f - <<NFT
table netdev vta_$1 {
	chain i { type filter hook ingress device $1 priority 0; policy drop; }
	chain e { type filter hook egress device $1 priority 0; policy drop; }
}
NFT
}
unsilence() { PX nft delete table netdev "vta_$1" 2>/dev/null; }
downs() { grep -c "liveness: $1: DOWN" "$LOG"; }
members() { $MAPQ "$PIN" route 172.31.0.0/16; }

sync_topo || { t_fail "build topology"; finish; }
G route add 172.31.0.0/16 nexthop via 169.254.10.2 dev vti1 \
	nexthop via 169.254.11.2 dev vti2 || { t_fail "ECMP route"; finish; }
IF1=$(ifidx vti1)
IF2=$(ifidx vti2)
BOTH="type 0 group * members $IF1:1,$IF2:1"
ONLY2="type 0 group * members $IF2:1"

sync_gw_up 60 || finish
wait_route "start: both tunnels" 172.31.0.0/16 "$BOTH" 10 || finish
# the default target is the other end of each /30 (logged once the
# daemon has read vti1's addresses, which can follow the route)
if wait_until 10 grep -q 'liveness: vti1: probing 169.254.10.2 from 169.254.10.1' "$LOG"; then
	t_pass "vti1 probes 169.254.10.2 (the other host of its /30) from 169.254.10.1"
else
	t_fail "vti1 target: $(grep 'liveness: vti1' "$LOG" | head -n 3)"
fi

# --- the far side of vti1 goes silent ----------------------------------------
# let probes run a while: no false positive when all answer
wait_route "answered probes keep vti1 in" 172.31.0.0/16 "$BOTH" 1
# timed on the daemon's log line (written right after the map update),
# polled cheaply; then the map itself is read (bpftool)
d0=$(downs vti1)
# the longest stall this machine imposes on a process meanwhile: a late
# timer of the daemon is the machine's, not the decision's
/usr/bin/python3 lab/stallmeter.py --ready "$TMP/stall.ready" >"$TMP/stall.out" &
SPID=$!
wait_until 10 test -e "$TMP/stall.ready"
t0=$(now_ms)
silence t1 || { t_fail "nft drop on t1"; finish; }
while [ "$(downs vti1)" -eq "$d0" ] && [ $(($(now_ms) - t0)) -lt 5000 ]; do
	sleep 0.01
done
dt=$(($(now_ms) - t0))
kill "$SPID" && wait "$SPID"
SPID=
stall=$(stall_ms "$TMP/stall.out") || stall=0
budget=1000
[ "$stall" -lt 100 ] || budget=$((1000 + stall))
# The daemon's own measure: the time since the last answer, which came
# before the loss began (an upper bound of the detection time, free of
# this script's and nft's own delays on a loaded machine).
since=$(grep "liveness: vti1: DOWN" "$LOG" | tail -n 1 | sed -nE 's/.*last answer ([0-9]+) ms ago.*/\1/p')
# shellcheck disable=SC2053 # a glob on purpose
if [ -n "$since" ] && [ "$since" -le "$budget" ] && [[ "$(members)" == $ONLY2 ]]; then
	t_pass "vti1 silent: out of the map group $since ms after its last answer (budget $budget ms: 1000 + the machine's longest stall meanwhile if >= 100 ms, $stall; $dt ms after the nft command began)"
else
	t_fail "vti1 silent: last answer ${since:-?} ms before the hold-down, $dt ms after the nft command began; the map reads '$(members)' (budget $budget ms: 1000 + the machine's longest stall meanwhile if >= 100 ms, $stall)"
	grep liveness "$LOG" | tail -n 5
fi
if [ "$(G route show 172.31.0.0/16 | grep -c nexthop)" -eq 2 ]; then
	t_pass "the kernel's route keeps both nexthops"
else
	t_fail "kernel route changed: $(G route show 172.31.0.0/16)"
fi
out=$(inns "$VTA" --pin-root "$PIN" -j status 2>&1)
if printf '%s\n' "$out" |
   jq -e '.interfaces[] | select(.name == "vti1") | .liveness.state == "down" and .liveness.since_s >= 0' >/dev/null; then
	t_pass "status shows vti1 held down by liveness"
else
	t_fail "status: no 'liveness down' for vti1:"
	printf '%s\n' "$out" | grep -A3 vti1 | head -n 8
fi
out=$(inns "$VTA" --pin-root "$PIN" routes 2>&1)
if printf '%s\n' "$out" | grep -q "held down.*vti1\|vti1.*held down"; then
	t_pass "routes shows vti1 held down"
else
	t_fail "routes: no held-down vti1: $(printf '%s\n' "$out" | head -n 5)"
fi

# verify rebuilds the map content from the kernel: the hold-down is the
# daemon's decision, not drift
if out=$(verify 2>&1); then
	t_pass "verify while vti1 is held down: $out"
else
	t_fail "verify while vti1 is held down: $out"
fi

# --- recovery ------------------------------------------------------------------
t0=$(now_ms)
unsilence t1
wait_route "vti1 answers again: back in the group" 172.31.0.0/16 "$BOTH" 3
echo "  (recovery in $(($(now_ms) - t0)) ms)"

# --- never the last path ------------------------------------------------------
silence t1
silence t2
# both silent for 3 s (several decision rounds): a path must remain
sleep_until=$(($(now_ms) + 3000))
worst=
while [ "$(now_ms)" -lt "$sleep_until" ]; do
	m=$(members)
	case "$m" in *"members ") worst=$m ;; esac
	sleep 0.05
done
if [ -z "$worst" ] && [[ "$(members)" == *"members "[0-9]* ]]; then
	t_pass "both silent: the group keeps a path ($(members))"
else
	t_fail "both silent: group emptied: '$worst'"
fi
unsilence t1
unsilence t2
wait_route "both answer again" 172.31.0.0/16 "$BOTH" 3

# --- flapping -------------------------------------------------------------------
# short losses (100 ms, then 300 ms of answers) 15 times: each costs at
# most 2 probes (3 with the commands' own delays), never the 3 in a row
# plus deadline that hold a tunnel down; thrashing would be ~15 DOWNs
# Each loss lasts from before the nft that starts it to after the one that
# ends it: on a loaded machine the two process start-ups can stretch it
# to where 3 probes in a row legitimately go unanswered (a loss longer
# than (misses - 1) x interval = 200 ms can hold 3 probes), so every loss
# measured over 200 ms may cost one DOWN more.
d0=$(downs vti1)
long=0 worst=0
for _ in $(seq 15); do
	t0=$(now_ms)
	silence t1
	sleep 0.1
	unsilence t1
	w=$(($(now_ms) - t0))
	[ "$w" -le 200 ] || long=$((long + 1))
	[ "$w" -le "$worst" ] || worst=$w
	sleep 0.3
done
n=$(($(downs vti1) - d0))
if [ "$n" -le $((2 + long)) ]; then
	t_pass "15 losses of 100 ms: $n DOWN transitions (at most 2, + $long losses that lasted over 200 ms; longest $worst ms)"
else
	t_fail "15 losses of 100 ms: $n DOWN transitions (thrashing; $long losses lasted over 200 ms, longest $worst ms)"
fi
wait_route "after fast flapping" 172.31.0.0/16 "$BOTH" 3
# loss on/off every 2 s for 8 s (4 outages): at most one DOWN each
d0=$(downs vti1)
for _ in 1 2 3 4; do
	silence t1
	sleep 2
	unsilence t1
	sleep 2
done
n=$(($(downs vti1) - d0))
if [ "$n" -ge 1 ] && [ "$n" -le 4 ]; then
	t_pass "loss flapping every 2 s (4 outages): $n DOWN transitions (1..4)"
else
	t_fail "loss flapping every 2 s (4 outages): $n DOWN transitions, want 1..4"
fi
wait_route "after slow flapping" 172.31.0.0/16 "$BOTH" 3

# --- a tunnel carrying IPv6 only: ICMPv6 probes ------------------------------
G addr del 169.254.11.1/30 dev vti2
G addr add fd00:11::1/126 dev vti2 nodad
ip -n "$PE" addr add fd00:11::2/126 dev t2 nodad
deadline=$(($(now_ms) + 5000))
while ! grep -q "liveness: vti2: probing fd00:11::2 from fd00:11::1" "$LOG" &&
	[ "$(now_ms)" -lt "$deadline" ]; do
	sleep 0.05
done
answered() {
	inns "$VTA" --pin-root "$PIN" -j status 2>/dev/null | /usr/bin/python3 -c '
import json, sys
for i in json.load(sys.stdin)["interfaces"]:
    if i["name"] == "vti2":
        print(i.get("liveness", {}).get("answered", 0))'
}
a0=$(answered)
deadline=$(($(now_ms) + 3000))
while [ "$(answered)" -lt $((${a0:-0} + 10)) ] && [ "$(now_ms)" -lt "$deadline" ]; do
	sleep 0.1
done
a1=$(answered)
if grep -q "liveness: vti2: probing fd00:11::2 from fd00:11::1" "$LOG" &&
	[ "${a1:-0}" -ge $((${a0:-0} + 10)) ]; then
	t_pass "IPv6-only vti2: ICMPv6 probes to fd00:11::2 (other host of the /126) answered ($a0 -> $a1)"
else
	t_fail "IPv6-only vti2: answered $a0 -> $a1; log: $(grep 'liveness: vti2' "$LOG" | tail -n 2)"
fi

# --- saturation -----------------------------------------------------------------
# vti1 shaped to 20 Mbit/s and filled by iperf3 for 8 s: probes queue
# behind the traffic (tbf latency 100 ms, under the 400 ms deadline with
# room for a busy machine's stalls) and
# the tunnel stays in.
if ! command -v iperf3 > /dev/null; then
	t_skip saturation "no iperf3"
	finish
fi
G link set vti1 txqueuelen 1000
inns tc qdisc add dev vti1 root tbf rate 20mbit burst 16k latency 100ms
ip netns exec "$PE" iperf3 -s -1 -B 169.254.10.2 > "$TMP/iperf-s.out" 2>&1 &
IPID=$!
d0=$(downs vti1)
deadline=$(($(now_ms) + 5000))
out=
while [ "$(now_ms)" -lt "$deadline" ]; do
	out=$(inns timeout 20 iperf3 -c 169.254.10.2 -B 169.254.10.1 -t 8 -P 4 2>&1) && break
	sleep 0.1
done
n=$(($(downs vti1) - d0))
rate=$(printf '%s\n' "$out" | grep -E 'SUM.*sender|sender' | tail -n 1 | awk '{ print $(NF-3), $(NF-2) }')
if [ -z "$rate" ]; then
	t_fail "saturation: iperf3 did not run: $(printf '%s\n' "$out" | tail -n 3)"
elif [ "$n" -eq 0 ]; then
	t_pass "vti1 saturated ($rate for 8 s): no transition"
else
	t_fail "vti1 saturated ($rate): $n DOWN transitions"
fi
wait_route "after saturation" 172.31.0.0/16 "$BOTH" 3
finish
