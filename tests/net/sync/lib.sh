# shellcheck shell=bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Helpers of the sync net tests (sourced).  The caller sets GW (gateway
# namespace), PIN (pin root), VTA (binary), MAPQ, TMP and LOG; checks
# are counted by tests/lib/common.sh (t_pass, t_fail, T_SKIP).

# shellcheck source=tests/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../lib/common.sh"
G() { ip -n "$GW" "$@"; }
inns() { nsenter --net="/run/netns/$GW" "$@"; }
ifidx() { G -o link show "$1" 2>/dev/null | cut -d: -f1; }
# shellcheck disable=SC2120 # callers may pass extra flags
verify() { inns "$VTA" verify --pin-root "$PIN" --lan lan0 --wan wan0 --tunnel 'vti*' "$@"; }

# wait_verify WHAT SECONDS: poll verify until it reports no drift.
wait_verify() {
	local what=$1 deadline=$(($(now_ms) + $2 * 1000)) out t0
	t0=$(now_ms)
	while :; do
		out=$(verify 2>&1) && {
			t_pass "$what: $out ($(($(now_ms) - t0)) ms)"
			return 0
		}
		if [ "$(now_ms)" -ge "$deadline" ]; then
			t_fail "$what: still drifting after $2 s:"
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
		# shellcheck disable=SC2053 # $want is a glob on purpose
		if [[ "$got" == $want ]]; then
			t_pass "$what: $pfx -> $got"
			return 0
		fi
		if [ "$(now_ms)" -ge "$deadline" ]; then
			t_fail "$what: $pfx -> '$got', want '$want'"
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

# sync_cleanup: kill the daemon and listener this script started (by PID),
# delete its namespaces, pins and files.  For `trap ... EXIT`.
sync_cleanup() {
	[ -n "$DPID" ] && kill -KILL "$DPID" 2>/dev/null
	[ -n "$NPID" ] && kill "$NPID" 2>/dev/null
	ip netns del "$GW" 2>/dev/null
	ip netns del "$PE" 2>/dev/null
	rm -rf "$PIN" "$TMP"
}

# sync_topo: namespaces GW and PE joined by veths named like the seed's
# tunnels (vti1 - t1, vti2 - t2) and a LAN (lan0 - lanp), addressed with
# the seed's inside /30s, all ends up.  Non-zero when any step fails.
sync_topo() {
	ip netns add "$GW" && ip netns add "$PE" || return 1
	ip -batch - <<EOF || return 1
link add vti1 netns $GW type veth peer name t1 netns $PE
link add vti2 netns $GW type veth peer name t2 netns $PE
link add lan0 netns $GW type veth peer name lanp netns $PE
EOF
	G -batch - <<EOF || return 1
addr add 169.254.10.1/30 dev vti1
addr add 169.254.11.1/30 dev vti2
addr add 10.16.1.1/24 dev lan0
link set lo up
link set vti1 up
link set vti2 up
link set lan0 up
EOF
	ip -n "$PE" -batch - <<EOF
addr add 169.254.10.2/30 dev t1
addr add 169.254.11.2/30 dev t2
link set lo up
link set t1 up
link set t2 up
link set lanp up
EOF
}

# sync_preflight TAG: root and the binary; otherwise says why, counts a
# skip (not root) or a failure (not built) and returns 1 (call finish).
sync_preflight() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "$1: skipped: needs root (namespaces, BPF)"
		T_SKIP=$((T_SKIP + 1))
		return 1
	fi
	if [ ! -x "$VTA" ]; then
		echo "$1: $BUILD/vtiaccel missing (make BUILD=$BUILD)"
		T_FAIL=$((T_FAIL + 1))
		return 1
	fi
}

# sync_tunnel3: a third tunnel next to sync_topo's (vti3 - t3, the
# inside /30 169.254.12.0/30), up.
sync_tunnel3() {
	ip link add vti3 netns "$GW" type veth peer name t3 netns "$PE" &&
		G addr add 169.254.12.1/30 dev vti3 && G link set vti3 up &&
		ip -n "$PE" addr add 169.254.12.2/30 dev t3 &&
		ip -n "$PE" link set t3 up
}

# sync_topo6: IPv6 inside addresses on the tunnels there are, vtiN
# fd00:1M::1/64 - tN fd00:1M::2 (M = N - 1, as the IPv4 /30s), kept when
# a tunnel goes down (by default the kernel drops IPv6 addresses with the
# link: keep_addr_on_down), and IPv6 forwarding in the gateway.
sync_topo6() {
	local n
	ip netns exec "$GW" sysctl -qw net.ipv6.conf.all.keep_addr_on_down=1 \
		net.ipv6.conf.all.forwarding=1 || return 1
	for n in 1 2 3; do
		[ -n "$(ifidx "vti$n")" ] || continue
		G addr add "fd00:1$((n - 1))::1/64" dev "vti$n" nodad &&
			ip -n "$PE" addr add "fd00:1$((n - 1))::2/64" dev "t$n" nodad ||
			return 1
	done
}

# sync_gw_up READY_S [run flags...]: the gateway's daemon up: the
# sd_notify listener, `vtiaccel run` with the flags (start_daemon), READY=1
# within READY_S seconds (READY_MS: how long it took).  Otherwise a failure
# with the log's tail, status 1.
sync_gw_up() {
	local s=$1 t0
	shift
	notify_listener
	t0=$(now_ms)
	start_daemon "$@"
	if ! wait_ready "$s"; then
		t_fail "daemon did not become ready within $s s:"
		tail -n 20 "$LOG"
		return 1
	fi
	# shellcheck disable=SC2034 # for the callers
	READY_MS=$(($(now_ms) - t0))
}

# churn_base SLOTS SLOTS6: the routes tests/net/sync/churn_gen.c churns,
# in their first state (after sync_topo, sync_tunnel3, sync_topo6): the
# flow routes over their groups, the churn's groups over all three
# tunnels, and about 7 in 10 of the SLOTS /32s and SLOTS6 /128s (the
# churn's own balance, so that the daemon's RSS after a warm-up is the
# plateau's).  Non-zero when any step fails.
churn_base() {
	local g
	G -batch - <<EOF || return 1
nexthop add id 501 via 169.254.10.2 dev vti1
nexthop add id 502 via 169.254.11.2 dev vti2
nexthop add id 503 via 169.254.12.2 dev vti3
nexthop add id 621 via 169.254.10.2 dev vti1
nexthop add id 622 via 169.254.11.2 dev vti2
nexthop add id 623 via 169.254.12.2 dev vti3
nexthop add id 500 group 501/502
nexthop add id 510 group 502/503
route add 172.16.1.0/24 nhid 500
route add 172.16.2.0/24 nhid 503
route add 172.16.3.0/24 nhid 510
nexthop add id 531 via fd00:10::2 dev vti1
nexthop add id 532 via fd00:11::2 dev vti2
nexthop add id 533 via fd00:12::2 dev vti3
nexthop add id 631 via fd00:10::2 dev vti1
nexthop add id 632 via fd00:11::2 dev vti2
nexthop add id 633 via fd00:12::2 dev vti3
nexthop add id 530 group 531/533
route add 2001:db8:1::/48 nhid 530
EOF
	for g in 600 601 602 603 604 605 606 607 608 609; do
		G nexthop add id "$g" group 621/622/623 || return 1
	done
	for g in 640 641 642 643 644; do
		G nexthop add id "$g" group 631/632/633 || return 1
	done
	awk -v n="$1" -v n6="$2" 'BEGIN {
		for (i = 0; i < n; i++)
			if (i % 10 < 7)
				printf "route add 100.%d.%d.%d/32 nhid %d\n", 64 + int(i / 65536), int(i / 256) % 256, i % 256, 600 + i % 10
		for (i = 0; i < n6; i++)
			if (i % 10 < 7)
				printf "route add 2001:db8:100::%x:%x/128 nhid %d\n", int(i / 65536), i % 65536, 640 + i % 5
	}' | G -batch -
}
