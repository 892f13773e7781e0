# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Helpers of the sync net tests (sourced).  The caller sets GW (gateway
# namespace), PIN (pin root), VTA (binary), MAPQ, TMP, LOG and the
# counters pass/fail/skip.

ok() { echo "ok: $*"; pass=$((pass + 1)); }
ko() { echo "FAIL: $*"; fail=$((fail + 1)); }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
G() { ip -n "$GW" "$@"; }
inns() { nsenter --net="/run/netns/$GW" "$@"; }
ifidx() { G -o link show "$1" 2>/dev/null | cut -d: -f1; }
verify() { inns "$VTA" verify --pin-root "$PIN" --lan lan0 --wan wan0 --tunnel 'vti*' "$@"; }

# wait_verify WHAT SECONDS: poll verify until it reports no drift.
wait_verify() {
	local what=$1 deadline=$(($(now_ms) + $2 * 1000)) out t0
	t0=$(now_ms)
	while :; do
		out=$(verify 2>&1) && {
			ok "$what: $out ($(($(now_ms) - t0)) ms)"
			return 0
		}
		if [ "$(now_ms)" -ge "$deadline" ]; then
			ko "$what: still drifting after $2 s:"
			printf '%s\n' "$out" | head -n 20
			return 1
		fi
		sleep 0.05
	done
}

# wait_route WHAT PREFIX EXPECTED SECONDS: poll the map (bpftool) until
# the route reads EXPECTED ("type T group G members I:W,...").
wait_route() {
	local what=$1 pfx=$2 want=$3 deadline=$(($(now_ms) + $4 * 1000)) got
	while :; do
		got=$($MAPQ "$PIN" route "$pfx")
		if [[ "$got" == $want ]]; then
			ok "$what: $pfx -> $got"
			return 0
		fi
		if [ "$(now_ms)" -ge "$deadline" ]; then
			ko "$what: $pfx -> '$got', want '$want'"
			return 1
		fi
		sleep 0.05
	done
}

# Not through inns(): "$!" must be the daemon itself (nsenter and env
# exec it), not a subshell.
start_daemon() {
	nsenter --net="/run/netns/$GW" env NOTIFY_SOCKET="$TMP/notify" "$VTA" run --pin-root "$PIN" \
		--lan lan0 --wan wan0 --tunnel 'vti*' "$@" >> "$LOG" 2>&1 &
	DPID=$!
}

# wait_ready SECONDS: the daemon's sd_notify READY=1 arrives.
wait_ready() {
	local deadline=$(($(now_ms) + $1 * 1000))
	while ! grep -q 'READY=1' "$TMP/notify.out" 2>/dev/null; do
		if ! kill -0 "$DPID" 2>/dev/null || [ "$(now_ms)" -ge "$deadline" ]; then
			return 1
		fi
		sleep 0.05
	done
}

notify_listener() {
	rm -f "$TMP/notify" "$TMP/notify.out"
	# its own stdout: it must not hold a caller's $(...) pipe open
	/usr/bin/python3 - "$TMP/notify" "$TMP/notify.out" > /dev/null 2>&1 <<'EOF' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(600)
with open(sys.argv[2], "a") as f:
    while True:
        try:
            m = s.recv(4096)
        except OSError:
            break
        f.write(m.decode() + "\n")
        f.flush()
EOF
	NPID=$!
	local deadline=$(($(now_ms) + 5000))
	while [ ! -S "$TMP/notify" ] && [ "$(now_ms)" -lt "$deadline" ]; do
		sleep 0.02
	done
}

