#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Churn soak (issue 13): `vtiaccel run` in a gateway namespace with veth
# stand-ins for three tunnels (vti1..vti3, IPv4 and IPv6) and a LAN, while
# tests/net/sync/churn_gen.c sends CHURN_RATE commands/s straight over
# rtnetlink (route adds, deletes, replaces in every form, nexthop group
# replaces, link flaps of the tunnels; IPv4 and one in five IPv6) and UDP
# flows (three IPv4, one IPv6) cross the gateway the whole time.
# Four phases, each followed by a checkpoint:
#   warm-up   churn alone;
#   overrun   the daemon's netlink receive buffer is small
#             (--netlink-rcvbuf CHURN_RCVBUF) and the daemon is stopped
#             for 1 s mid-phase: events are lost (ENOBUFS), a resync
#             must follow;
#   fault     the group map is held full (tests/net/sync/mapfill.py, the
#             kernel refuses new keys with E2BIG): writes fail, `status`
#             must say so, and they must be retried once there is room;
#   steady    churn alone again.
# At each checkpoint (churn paused, traffic still flowing): `vtiaccel
# verify` reaches zero drift, no packet of any flow left through a tunnel
# its route never uses (the kernel's own choice is checked with `ip
# route get`), and the daemon's RSS is read.  At the end: RSS growth from
# the first checkpoint (after warm-up) below 10%, and the fast path did
# forward the flows.
#
# "Would not use": each flow's destination network is only ever routed
# (by the churn, in every form: single path, multipath, group) over a
# fixed set of tunnels, and the prefixes churned next to it do not cover
# it.  So a flow's packet on another tunnel is one the kernel forwards
# nowhere at any moment of the run: a fast-path misdirection (a reused
# or torn group, a wrong LPM match), not the mirror's lag.  Packets are
# counted where they arrive, in the peer namespace (nftables counters).
#
#   BUILD=build tests/net/sync/test_churn.sh
#   env: CHURN_RATE (commands/s, 3000), CHURN_SECS (total churn, 40),
#        CHURN_SLOTS (/32s churned, 5000), CHURN_SLOTS6 (/128s churned,
#        CHURN_SLOTS / 5), CHURN_PPS (UDP packets/s, 1000),
#        CHURN_RCVBUF (65536), CHURN_FLAP_MS (2000), CHURN_SEED (1),
#        CHURN_MIN_PCT (a phase whose rate is below this share of
#        CHURN_RATE is reported as not sustained: 95)
#   bench/churn_soak.sh runs it at 10,000/s for 60 s.
#   A phase's churn can be replayed with `ip -force -batch`: the
#   generator's -n prints it (the seed is printed with each phase).
#
# Prints "churn: N passed, N failed[, N skipped]".
set -u
cd "$(dirname "$0")/../../.." || exit 1
BUILD=${BUILD:-build}
VTA=$(realpath "$BUILD/vtiaccel" 2>/dev/null)
RATE=${CHURN_RATE:-3000}
SECS=${CHURN_SECS:-40}
SLOTS=${CHURN_SLOTS:-5000}
SLOTS6=${CHURN_SLOTS6:-$((SLOTS / 5))}
MIN_PCT=${CHURN_MIN_PCT:-95}
GEN=$(realpath "$BUILD/tests/net/sync/churn_gen" 2>/dev/null)
PPS=${CHURN_PPS:-1000}
RCVBUF=${CHURN_RCVBUF:-65536}
FLAP_MS=${CHURN_FLAP_MS:-2000}
SEED=${CHURN_SEED:-1}
P=$$
GW=vtaSY-cg-$P
PE=vtaSY-cp-$P
PIN=/sys/fs/bpf/vtaSY-churn-$P
TMP=$(mktemp -d /tmp/vtaSY-churn.XXXXXX)
LOG=$TMP/daemon.log
PY=/usr/bin/python3
DPID=
NPID=
FPID=

# shellcheck source=tests/net/sync/lib.sh
. tests/net/sync/lib.sh

finish() {
	t_summary churn
	exit $?
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	[ -n "$DPID" ] && kill -CONT "$DPID" 2>/dev/null
	[ -n "$FPID" ] && kill "$FPID" 2>/dev/null
	sync_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM

sync_preflight churn || finish
if [ ! -x "$GEN" ]; then
	echo "churn: $BUILD/tests/net/sync/churn_gen missing (make BUILD=$BUILD tests)"
	T_FAIL=1
	finish
fi
PH=$(awk -v s="$SECS" 'BEGIN { printf "%.1f", s / 4 }')
echo "churn: target $RATE commands/s, 4 phases of $PH s, $SLOTS /32 and $SLOTS6 /128 slots, $PPS UDP packets/s, link flap every $FLAP_MS ms, netlink receive buffer $RCVBUF"

# --- topology: sync_topo, a third tunnel, IPv6, the LAN host -------------
sync_topo && sync_tunnel3 && sync_topo6 || { t_fail "build topology"; finish; }
G addr add fd00:16:1::1/64 dev lan0 nodad &&
	ip -n "$PE" addr add 10.16.1.2/24 dev lanp &&
	ip -n "$PE" addr add fd00:16:1::2/64 dev lanp nodad &&
	ip -n "$PE" route add 172.16.0.0/16 via 10.16.1.1 dev lanp &&
	ip -n "$PE" route add 2001:db8:1::/48 via fd00:16:1::1 dev lanp ||
	{ t_fail "LAN host"; finish; }
ip netns exec "$GW" sysctl -qw net.ipv4.ip_forward=1

# the flows: destination -> the tunnels its network is ever routed over
# (tests/net/sync/churn_gen.c, flows4 and flows6)
FLOWS="172.16.1.1 172.16.2.1 172.16.3.1 2001:db8:1::1"
allowed() {
	case $1 in
	172.16.1.1) echo "vti1 vti2" ;;
	172.16.2.1) echo "vti3" ;;
	172.16.3.1) echo "vti2 vti3" ;;
	2001:db8:1::1) echo "vti1 vti3" ;;
	esac
}
churn_base "$SLOTS" "$SLOTS6" || { t_fail "initial routes"; finish; }

# arrivals in the peer namespace, per flow and tunnel
{
	echo "table inet vtaCH {"
	echo "  chain pre {"
	echo "    type filter hook prerouting priority -300;"
	for d in $FLOWS; do
		for t in t1 t2 t3; do
			case $d in
			*:*) echo "    iifname \"$t\" ip6 daddr $d counter" ;;
			*) echo "    iifname \"$t\" ip daddr $d counter" ;;
			esac
		done
	done
	echo "  }"
	echo "}"
} | ip netns exec "$PE" nft -f - || { t_fail "nft counters"; finish; }
# arrivals DST TUNNEL: packets of the flow to DST that left the gateway
# through TUNNEL (vtiN), counted where they arrived (tN)
arrivals() {
	ip netns exec "$PE" nft list table inet vtaCH |
		awk -v t="\"t${2#vti}\"" -v d="$1" \
			'$2 == t && $5 == d { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}
fwd_count() {
	inns "$VTA" -j --pin-root "$PIN" stats 2>/dev/null |
		jq '[.interfaces[] | select(.name == "lan0") | .counters.fwd_to_tunnel.packets // 0] | add // 0'
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$DPID/status" 2>/dev/null; }
health() { inns "$VTA" -j --pin-root "$PIN" status 2>/dev/null | jq -r "$1"; }

# Liveness would probe the veths' peers: this test measures the mirror.
sync_gw_up 120 --liveness no --netlink-rcvbuf "$RCVBUF" || finish
wait_verify "start" 30 || finish

# --- traffic, the whole time ---------------------------------------------------
# shellcheck disable=SC2086 # the flows are words
ip netns exec "$PE" "$PY" tests/net/sync/udpflow.py "$PPS" "$TMP/flow.stop" \
	$FLOWS > "$TMP/flow.out" 2>&1 &
FPID=$!
fwd_moving() { [ "$(fwd_count)" -gt 0 ]; }
if wait_until 10 fwd_moving; then
	t_pass "the fast path forwards the flows before the churn ($(fwd_count) packets)"
else
	t_fail "the fast path forwards none of the flows (lan0 fwd_to_tunnel $(fwd_count))"
fi
fwd0=$(fwd_count)

RSS=()
wrong_total=0
# checkpoint NAME: churn paused; zero drift, no misdirected packet, RSS
checkpoint() {
	local name=$1 d t n w=0 where='' dev rss
	wait_verify "$name: verify" 120
	for d in $FLOWS; do
		for t in vti1 vti2 vti3; do
			case " $(allowed "$d") " in *" $t "*) continue ;; esac
			n=$(arrivals "$d" "$t")
			if [ "${n:-0}" -gt 0 ]; then
				w=$((w + n))
				where="$where $d@$t:$n"
			fi
		done
		# the kernel, the oracle, agrees with the allowed set
		dev=$(G route get "$d" 2>/dev/null | sed -nE 's/.* dev ([^ ]+).*/\1/p')
		if [ -n "$dev" ]; then
			case " $(allowed "$d") " in
			*" $dev "*) ;;
			*) t_fail "$name: the kernel routes $d via $dev, not one of $(allowed "$d"): the test's premise is wrong" ;;
			esac
		fi
	done
	wrong_total=$w
	if [ "$w" -eq 0 ]; then
		t_pass "$name: no packet on a tunnel its flow's route never uses"
	else
		t_fail "$name: $w packets on a tunnel their route never uses:$where"
	fi
	rss=$(rss_kb)
	RSS+=("${rss:-0}")
	echo "churn: $name: daemon VmRSS ${rss:-?} kB, model $(health '.daemon | "\(.routes) routes, \(.groups) groups"'), resyncs $(health '.daemon.resyncs | to_entries | map("\(.key) \(.value)") | join(", ")'), failed writes $(health .daemon.write_errors)"
}

# phase NAME: CHURN_RATE commands/s for PH s (plus what the phase adds);
# the rate is sustained when the phase's average and its slowest whole
# second are both at least MIN_PCT% of the target (not a check: the host
# is shared; bench/churn_soak.sh reports it)
# daemon_cpu: the daemon's user + system CPU time so far, in clock ticks
daemon_cpu() { awk '{ print $14 + $15 }' "/proc/$DPID/stat" 2>/dev/null || echo 0; }
phase() {
	local out seed=$((SEED * 10 + ${#RSS[@]})) r slow verdict c0 t0
	c0=$(daemon_cpu)
	t0=$(now_ms)
	out=$("$GEN" "$GW" "$RATE" "$PH" "$seed" "$SLOTS" "$FLAP_MS" "$SLOTS6")
	r=$(sed -nE 's/^churn: [0-9]+ commands .*\(([0-9]+)\/s\).*/\1/p' <<<"$out")
	slow=$(sed -nE 's/^churn: slowest second: ([0-9]+) .*/\1/p' <<<"$out")
	if [ -z "$r" ]; then
		t_fail "$1: churn_gen failed: $out"
		r=0
	fi
	if [ "$((r * 100))" -ge "$((RATE * MIN_PCT))" ] &&
	   [ "$((${slow:-0} * 100))" -ge "$((RATE * MIN_PCT))" ]; then
		verdict=sustained
	else
		verdict="NOT sustained"
	fi
	echo "churn: $1 (seed $seed): $(head -n 1 <<<"$out"); slowest second ${slow:-?}: $verdict"
	echo "churn: $1: $(sed -nE 's/^churn: slowest second: [0-9]+ commands; //p' <<<"$out"); daemon $(awk -v c=$(($(daemon_cpu) - c0)) -v hz="$(getconf CLK_TCK)" -v ms=$(($(now_ms) - t0)) 'BEGIN { printf "%.0f%% of a CPU", c / hz * 100000 / (ms + 1) }')"
	RATES+=("$r")
	SUSTAINED+=("$1 $r/s (slowest second ${slow:-?}) $verdict")
	kill -0 "$DPID" 2>/dev/null || t_fail "$1: the daemon died: $(tail -n 5 "$LOG")"
}
RATES=()
SUSTAINED=()

# --- warm-up -------------------------------------------------------------------
phase warm-up
checkpoint warm-up

# --- overrun -------------------------------------------------------------------
ov0=$(grep -c 'netlink overrun' "$LOG")
# the stop comes a third into the phase and lasts 1 s (below the 3 s lease)
(
	sleep "$(awk -v s="$PH" 'BEGIN { print s / 3 }')"	# a schedule, not a wait
	kill -STOP "$DPID"
	sleep 1
	kill -CONT "$DPID"
) &
SPID=$!
phase overrun
wait "$SPID"
ov=$(($(grep -c 'netlink overrun' "$LOG") - ov0))
if [ "$ov" -gt 0 ]; then
	t_pass "overrun: $ov netlink overruns (receive buffer $RCVBUF bytes, daemon stopped 1 s), each resynced"
else
	t_fail "overrun: no netlink overrun happened (the phase did not test what it says)"
fi
checkpoint overrun

# --- fault: the group map full -------------------------------------------------
we0=$(health .daemon.write_errors)
vsize=$(bpftool -j map show pinned "$PIN/vta_groups" | jq .bytes_value)
"$PY" tests/net/sync/mapfill.py "$PIN/vta_groups" 0x30000000 "$vsize" \
	"$(awk -v s="$PH" 'BEGIN { print s + 60 }')" "$TMP/fill.stop" "$TMP/fill.state" \
	> "$TMP/fill.out" 2>&1 &
MPID=$!
writes_failing() { [ "$(health .daemon.writes_failing)" = true ]; }
phase fault
# The churn frees slots itself (retired groups, deleted a grace period
# later: user/sync_group.c, retire()) and the daemon's retry takes them, so
# failures during the churn come and go.  Once it stops, mapfill.py keeps
# every freed slot: a new group now cannot be written until the room
# comes back, and `status` must say so meanwhile.  The daemon lags the
# churn (the overruns' resyncs), and a group it retires is deleted at the
# second lease renewal after (vta_sync_tick()), which then retries the
# failed writes at once: a slot freed there goes to the new group before
# mapfill.py can take it, and the failure is never reported.  So wait
# until the daemon has handled no netlink message for 3 s (its backlog
# done, its retired groups deleted) and mapfill.py has taken no slot for
# 3 s (the deleted groups' slots are its).
IDLE_MSGS=-1
IDLE_T=0
idle_full() {
	local m now t
	m=$(health .daemon.messages)
	now=$(now_ms)
	if [ "$m" != "$IDLE_MSGS" ]; then
		IDLE_MSGS=$m
		IDLE_T=$now
		return 1
	fi
	t=$(cat "$TMP/fill.state" 2>/dev/null) &&
		[ $((now - IDLE_T)) -ge 3000 ] && [ $((now - t)) -ge 3000 ]
}
wait_until 60 idle_full ||
	t_fail "fault: the daemon never went idle with the group map full for 3 s"
# Weights 7 and 5, which the churn never uses (1-4): the daemon shares one
# map group between routes with the same members and weights, so a member
# set the churn left behind (a group 60x over 621/623) would need no new
# map entry and nothing would fail.
G nexthop add id 700 group 621,7/623,5 && G route add 172.17.0.0/16 nhid 700 ||
	t_fail "fault: nexthop group 700 and its route could not be added"
if wait_until 15 writes_failing; then
	t_pass "fault: status -j says writes are failing while the group map is full ($(health .daemon.write_errors) failed writes so far)"
else
	t_fail "fault: status -j never said writes are failing (failed writes $(health .daemon.write_errors), before $we0)"
fi
touch "$TMP/fill.stop"
wait "$MPID"
echo "churn: fault: $(cat "$TMP/fill.out")"
we=$(($(health .daemon.write_errors) - we0))
if [ "$we" -gt 0 ]; then
	t_pass "fault: $we map writes refused by the full group map"
else
	t_fail "fault: no map write failed: $(cat "$TMP/fill.out")"
fi
# the new group's route is in the checkpoint's verify: written by a retry
checkpoint fault
if [ "$(health .daemon.writes_failing)" = false ]; then
	t_pass "fault: once there is room, status -j no longer says writes are failing"
else
	t_fail "fault: writes still failing after the room came back and verify found no drift"
fi
G route del 172.17.0.0/16
G nexthop del id 700

# --- steady ----------------------------------------------------------------------
phase steady
checkpoint end

# --- totals ----------------------------------------------------------------------
touch "$TMP/flow.stop"
wait "$FPID"
FPID=
echo "churn: $(cat "$TMP/flow.out")"
for d in $FLOWS; do
	echo "churn: flow to $d arrived: vti1 $(arrivals "$d" vti1), vti2 $(arrivals "$d" vti2), vti3 $(arrivals "$d" vti3) (allowed: $(allowed "$d"))"
done
fwd=$(($(fwd_count) - fwd0))
if [ "$fwd" -gt 0 ]; then
	t_pass "the fast path forwarded $fwd packets during the churn"
else
	t_fail "the fast path forwarded nothing during the churn: the soak tested the kernel only"
fi
kill -TERM "$DPID"
wait "$DPID"
rc=$?
DPID=
[ "$rc" -eq 0 ] && t_pass "SIGTERM after the soak: exit 0" || t_fail "SIGTERM after the soak: exit $rc"
echo "churn: wrong-tunnel packets at the end: $wrong_total"
echo "churn: sustained rates (commands/s) per phase: ${RATES[*]} (target $RATE)"
for r in "${SUSTAINED[@]}"; do
	echo "churn: rate of the phase $r (target $RATE, $MIN_PCT%)"
done
echo "churn: daemon VmRSS (kB) at the checkpoints: ${RSS[*]}"
# flat: less than 10% above the first checkpoint (after the warm-up, which
# sized the hash tables)
if [ "${#RSS[@]}" -eq 4 ] && [ "${RSS[0]}" -gt 0 ] &&
   [ $((RSS[3] * 100)) -lt $((RSS[0] * 110)) ]; then
	t_pass "daemon RSS flat: ${RSS[0]} kB after warm-up, ${RSS[3]} kB at the end ($(((RSS[3] - RSS[0]) * 100 / RSS[0]))%, limit 10%)"
else
	t_fail "daemon RSS grew: ${RSS[*]} kB (limit: 10% above the first)"
fi
finish
