#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Route sync benchmark: time for `vtiaccel run` to mirror 10k / 100k
# (SYNC_BENCH_1M=1: also 1M) routes added with `ip -batch` (from the
# batch's start until the last route is in the map), single-change
# latency (route add/del over rtnetlink -> map, p50/p99), the full resync
# after a forced overrun at 100k routes, and the daemon's memory.
# The start-up sync: with the routes already in the kernel, a fresh
# daemon (pin root removed) from its start until READY=1 (what an
# operator waits for at boot: the lease is written then), and the
# daemon's own "sync done (start) ... in X ms", with the daemon's CPU time
# to READY (program load included).  VTA_OLD=path (another
# build's vtiaccel, e.g. main's) runs the same start-up with it, in the
# same run, interleaved with ours (SYNC_BENCH_REPS, default 1, times).
# Numbers only: nothing here is pass/fail (2 shared cores).
#
#   BUILD=build [SYNC_BENCH_1M=1] [VTA_OLD=../old/build/vtiaccel] bench/sync_bench.sh
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
VTA=$(realpath "$BUILD/vtiaccel" 2>/dev/null)
LAT=$(realpath "$BUILD/bench/sync_latency" 2>/dev/null)
MAPQ="/usr/bin/python3 $(pwd)/tests/net/sync/mapq.py"
P=$$
GW=vtaSY-bg-$P
PE=vtaSY-bp-$P
PIN=/sys/fs/bpf/vtaSY-bench-$P
TMP=$(mktemp -d /tmp/vtaSY-bench.XXXXXX)
LOG=$TMP/daemon.log
VTA_OLD=${VTA_OLD:-}
REPS=${SYNC_BENCH_REPS:-1}
DPID=
NPID=
. tests/net/sync/lib.sh

trap sync_cleanup EXIT
trap 'exit 1' INT TERM
# a closed pipe (`| head`) or a hangup: clean up without writing to it
trap 'exec > /dev/null 2>&1; exit 1' HUP PIPE

[ -x "$VTA" ] && [ -x "$LAT" ] || {
	echo "sync_bench: build first: make BUILD=$BUILD tests"
	exit 1
}
[ -z "$VTA_OLD" ] || [ -x "$VTA_OLD" ] || {
	echo "sync_bench: VTA_OLD=$VTA_OLD is not executable"
	exit 1
}

sync_topo || exit 1
# IPv4 forwarding in the gateway, so that `lookup` (cli_times) follows a
# packet through the FIB as the programs would, instead of stopping at
# "forwarding is 0"
inns sysctl -qw net.ipv4.conf.all.forwarding=1 net.ipv4.conf.lan0.forwarding=1 || exit 1
# nexthop objects need carrier (the peer ends up)
G -batch - <<EOF || exit 1
nexthop add id 101 via 169.254.10.2 dev vti1
nexthop add id 102 via 169.254.11.2 dev vti2
nexthop add id 200 group 101/102
EOF

sync_gw_up 300 --xdp no --netlink-rcvbuf 33554432 || exit 1

# startup N BIN REP: stop the daemon, remove the pin root, start BIN
# and time it until READY=1.
startup() {
	local t0 t1 name=new
	[ "$2" = "$VTA" ] || name=old
	kill -TERM "$DPID"
	wait "$DPID"
	rm -rf "$PIN"
	: > "$TMP/notify.out"
	: > "$LOG"
	t0=$(now_ms)
	VTA=$2 start_daemon --xdp no --netlink-rcvbuf 33554432
	wait_ready 900 || { echo "daemon ($2) did not restart"; tail "$LOG"; return 1; }
	t1=$(now_ms)
	printf '  start-up sync of %d routes, %s (%d): %6d ms to READY (%s ms CPU); daemon: %s; RSS %s\n' \
		"$1" "$name" "$3" $((t1 - t0)) "$(cpu_ms)" \
		"$(grep 'sync done (start)' "$LOG" | tail -n 1 | sed 's/.* in //')" "$(rss)"
}

# the daemon's CPU time so far (user + system; the machine is shared, so
# the wall time above is mostly waiting for a CPU)
cpu_ms() {
	awk -v hz="$(getconf CLK_TCK)" '{ print int(($14 + $15) * 1000 / hz) }' \
		"/proc/$DPID/stat"
}

rss() { grep -E 'VmRSS' /proc/"$DPID"/status | awk '{print $2 " kB"}'; }

gen() {	# gen N FILE OP
	/usr/bin/python3 - "$1" "$2" "$3" <<'EOF'
import sys
n, path, op = int(sys.argv[1]), sys.argv[2], sys.argv[3]
forms = ["nhid 200", "via 169.254.10.2 dev vti1",
         "nexthop via 169.254.10.2 dev vti1 nexthop via 169.254.11.2 dev vti2"]
with open(path, "w") as f:
    for i in range(n):
        p = f"{100}.{64 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}/32"
        f.write(f"route {op} {p} {forms[i % 3] if op == 'add' else ''}\n")
EOF
}
last_pfx() { local i=$(($1 - 1)); echo "100.$((64 + (i >> 16))).$(((i >> 8) & 255)).$((i & 255))/32"; }

# cli_times N: wall ms of `status`, `lookup` (the last route) and
# `verify`, each run by itself against the daemon's pins.
cli_times() {
	local t0 t1 t2 t3 a
	a=$(last_pfx "$1")
	a=${a%/32}
	t0=$(now_ms)
	inns "$VTA" --pin-root "$PIN" status > /dev/null 2>&1 || echo "  (status failed)"
	t1=$(now_ms)
	inns "$VTA" --pin-root "$PIN" lookup "$a" > "$TMP/lookup.out" 2>&1 || echo "  (lookup $a failed)"
	t2=$(now_ms)
	verify > /dev/null 2>&1
	t3=$(now_ms)
	printf '  read commands at %d routes: status %d ms, lookup %d ms, verify %d ms\n' \
		"$1" $((t1 - t0)) $((t2 - t1)) $((t3 - t2))
	# what the lookup found: its route and verdict lines
	grep -E '^(route|verdict)' "$TMP/lookup.out" | sed 's/^/    lookup: /'
}

sizes="10000 100000"
[ "${SYNC_BENCH_1M:-0}" = 1 ] && sizes="$sizes 1000000"
printf '\n%-34s %12s %12s %12s\n' "mirror N routes (ip -batch)" "ip -batch" "in the map" "daemon RSS"
for n in $sizes; do
	gen "$n" "$TMP/add" add
	gen "$n" "$TMP/del" del
	t0=$(date +%s%N)
	if ! G -batch "$TMP/add" > "$TMP/batch.out" 2>&1; then
		echo "ip -batch failed: $(head -n 2 "$TMP/batch.out")"
		exit 1
	fi
	t1=$(date +%s%N)
	seen=$(inns "$LAT" "$PIN" wait "$(last_pfx "$n")" 600) || exit 1
	printf '%-34s %9d ms %9d ms %12s\n' "$n routes" $(((t1 - t0) / 1000000)) \
		$(((seen - t0) / 1000000)) "$(rss)"
	# the read commands an operator runs on a table this size
	# (status reads the prefix count from the FIB's head, lookup the
	# tables; verify compares every kernel route)
	cli_times "$n"
	out=$(verify 2>&1) || echo "  (verify: $(echo "$out" | tail -n 1))"
	# The daemon's own pace, without the kernel's route insertion (which
	# dominates the column above at 1M): a fresh daemon dumps and mirrors
	# all (old build first when given, then ours, which stays up).
	for rep in $(seq "$REPS"); do
		for bin in ${VTA_OLD:+"$VTA_OLD"} "$VTA"; do
			startup "$n" "$bin" "$rep" || exit 1
		done
	done
	G -batch "$TMP/del" > /dev/null 2>&1
	wait_verify "delete $n" 900 > /dev/null
done

echo
inns "$LAT" "$PIN" latency 1000 vti1 169.254.10.2

# overrun at 100k: a daemon with a small socket buffer, stopped, misses
# the burst (ENOBUFS), then resyncs
kill -TERM "$DPID"
wait "$DPID"
: > "$TMP/notify.out"
start_daemon --xdp no --netlink-rcvbuf 65536
wait_ready 300 || { echo "daemon did not restart"; exit 1; }
gen 100000 "$TMP/add" add
gen 100000 "$TMP/del" del
kill -STOP "$DPID"
G -batch "$TMP/add" > /dev/null 2>&1
t0=$(date +%s%N)
kill -CONT "$DPID"
seen=$(inns "$LAT" "$PIN" wait "$(last_pfx 100000)" 600)
# the last route shows up during the resync's dump; the sweep follows
deadline=$(($(now_ms) + 120000))
while ! grep -q 'sync done (overrun)' "$LOG" && [ "$(now_ms)" -lt "$deadline" ]; do
	sleep 0.1
done
echo
echo "overrun at 100k routes: in the map $(((seen - t0) / 1000000)) ms after SIGCONT;" \
	"$(grep 'sync done (overrun)' "$LOG" | tail -n 1 | sed 's/^vtiaccel: //')"
echo "daemon RSS with 100k routes: $(rss)"
out=$(verify 2>&1) && echo "verify: $out" || echo "verify: $(echo "$out" | tail -n 1)"
kill -TERM "$DPID"
wait "$DPID"
DPID=
