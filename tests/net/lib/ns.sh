# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# Namespace harness for the net tier and the benchmarks (source it from
# bash).  Everything it creates carries a per-process prefix
# (vtaNT<pid>-) and is torn down by an EXIT/INT/TERM/HUP trap, also on
# failure and Ctrl-C:
#
#   nt_init TAG           set up the prefix, scratch dir and the trap
#   nt_ns NAME...         create namespaces ($(nt_name NAME) is the real name)
#   nt_veth NS1 IF1 NS2 IF2   veth pair between two namespaces
#   nt_x NS CMD...        run CMD in the namespace (ip netns exec)
#   nt_net NS CMD...      run CMD in the namespace's network only (nsenter),
#                         keeping the host's /sys/fs/bpf visible
#   nt_bg NAME NS CMD...  start CMD in the background, remember its pid in
#                         NT_PID[NAME]; output in $NT_DIR/NAME.out
#   nt_kill NAME          SIGTERM it and wait (bounded), SIGKILL if needed
#   wait_for COND TIMEOUT poll the shell command COND until it succeeds or
#                         TIMEOUT seconds (may be fractional) pass
#                         (wait_until of tests/lib/common.sh, for a string)
#   vta_start NS SPEC...  start vta_static in NS with a private pin root
#                         ($NT_PIN), wait for READY; vta_stop; vta_apply
#   vta_snap TAG, vta_delta SLOTS NAME FROM TO [bytes]   counter deltas
#
# Test accounting and polling come from tests/lib/common.sh (t_pass,
# t_fail, t_skip, t_check, t_summary, now_ms, wait_until); nt_init sets
# the summary's tag.

# shellcheck source=tests/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../lib/common.sh"

NT_BUILD=${BUILD:-build}
case "$NT_BUILD" in /*) ;; *) NT_BUILD=$(pwd)/$NT_BUILD ;; esac
NT_VTA_STATIC=$NT_BUILD/tests/net/vta_static
# shellcheck disable=SC2034 # for the test scripts that source this
NT_PY=/usr/bin/python3
declare -A NT_PID=()
NT_NS=()

nt_log() { printf '%s: %s\n' "$NT_TAG" "$*" >&2; }

nt_name() { printf '%s%s' "$NT_PFX" "$1"; }

nt_cleanup() {
	local rc=$? name i
	trap - EXIT INT TERM HUP
	for name in "${!NT_PID[@]}"; do
		nt_kill "$name"
	done
	for ((i = ${#NT_NS[@]} - 1; i >= 0; i--)); do
		ip netns del "${NT_NS[i]}" 2>/dev/null
	done
	[ -n "${NT_PIN:-}" ] && vta_unpin
	[ -n "${NT_DIR:-}" ] && [ -z "${NT_KEEP:-}" ] && rm -rf "$NT_DIR"
	exit "$rc"
}

nt_init() {
	NT_TAG=$1
	T_TAG=$1
	NT_PFX=vtaNT$$-
	NT_DIR=$(mktemp -d "/tmp/vtaNT$$-$NT_TAG.XXXXXX")
	NT_PIN=/sys/fs/bpf/vtaNT$$-$NT_TAG
	trap nt_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
	if [ "$(id -u)" -ne 0 ]; then
		nt_log "needs root"
		return 1
	fi
}

nt_ns() {
	local n full
	for n in "$@"; do
		full=$(nt_name "$n")
		ip netns add "$full" || return 1
		NT_NS+=("$full")
		ip -n "$full" link set lo up
		# new namespaces copy the host's IPv4 conf (Debian: rp_filter=2);
		# the lab wants plain routers with no reverse-path surprises.
		ip netns exec "$full" sysctl -qw net.ipv4.conf.all.rp_filter=0 \
			net.ipv4.conf.default.rp_filter=0 \
			net.ipv6.conf.all.accept_dad=0 \
			net.ipv6.conf.default.accept_dad=0 >/dev/null
	done
}

nt_veth() {
	ip -n "$(nt_name "$1")" link add "$2" type veth peer name "$4" \
		netns "$(nt_name "$3")" || return 1
	ip -n "$(nt_name "$1")" link set "$2" up
	ip -n "$(nt_name "$3")" link set "$4" up
}

nt_x() {
	local ns=$1; shift
	ip netns exec "$(nt_name "$ns")" "$@"
}

nt_net() {
	local ns=$1; shift
	nsenter --net="/run/netns/$(nt_name "$ns")" "$@"
}

nt_forwarding() {
	nt_x "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 >/dev/null
}

nt_bg() {
	local name=$1 ns=$2; shift 2
	nsenter --net="/run/netns/$(nt_name "$ns")" "$@" >"$NT_DIR/$name.out" 2>&1 &
	NT_PID[$name]=$!
}

nt_alive() { [ -n "${NT_PID[$1]:-}" ] && kill -0 "${NT_PID[$1]}" 2>/dev/null; }

# Children first: a forking tool's workers (trafgen) may outlive their
# parent otherwise.
nt_kill() {
	local pid=${NT_PID[$1]:-} c
	[ -n "$pid" ] || return 0
	for c in $(pgrep -P "$pid"); do
		kill -TERM "$c" 2>/dev/null
		wait_for "! kill -0 $c 2>/dev/null" 3 || kill -KILL "$c" 2>/dev/null
	done
	if kill -TERM "$pid" 2>/dev/null; then
		wait_for "! kill -0 $pid 2>/dev/null" 5 || kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	unset "NT_PID[$1]"
}

wait_for() {
	wait_until "$2" eval "$1"
}

# vta_start NS LINE... : vta_static with the maps pinned under $NT_PIN.
vta_start() {
	local ns=$1; shift
	if [ ! -x "$NT_VTA_STATIC" ]; then
		nt_log "$NT_VTA_STATIC missing: make BUILD=... tests"
		return 1
	fi
	nt_bg vta "$ns" "$NT_VTA_STATIC" -p "$NT_PIN" run "$@"
	if ! wait_for "grep -q READY '$NT_DIR/vta.out' || ! nt_alive vta" 90 ||
	   ! grep -q READY "$NT_DIR/vta.out"; then
		if nt_alive vta; then
			nt_log "vta_static did not get ready in 90 s:"
		else
			wait "${NT_PID[vta]}"
			nt_log "vta_static exited with status $? before READY:"
		fi
		cat "$NT_DIR/vta.out" >&2
		nt_kill vta
		vta_unpin
		return 1
	fi
}

# vta_static unpins on SIGTERM; one SIGKILLed (stuck in the verifier past
# nt_kill's deadline) leaves its pins, which would block the next start.
# `vtiaccel run` pins its programs under progs/ (the egress clamp it
# leaves attached on exit): those go too.
vta_unpin() {
	if [ -d "$NT_PIN" ]; then
		rm -f "$NT_PIN"/vta_* "$NT_PIN"/progs/* "$NT_PIN"/links/* 2>/dev/null
		rmdir "$NT_PIN"/progs "$NT_PIN"/links "$NT_PIN" 2>/dev/null
	fi
	return 0
}

vta_stop() {
	nt_kill vta
	vta_unpin
	if [ -s "$NT_DIR/vta.out" ] && grep -qv READY "$NT_DIR/vta.out"; then
		grep -v READY "$NT_DIR/vta.out" >&2
	fi
	return 0
}

vta_apply() {
	local ns=$1; shift
	nt_net "$ns" "$NT_VTA_STATIC" -p "$NT_PIN" apply "$@"
}

# Counters: vta_snap TAG saves every counter to $NT_DIR/stats.TAG;
# vta_delta "SLOT..." NAME FROM TO [bytes] prints how many packets (or
# bytes) counter NAME gained between two snapshots, summed over the slots.
vta_snap() {
	"$NT_VTA_STATIC" -p "$NT_PIN" stats >"$NT_DIR/stats.$1"
}

vta_delta() {
	local col=3
	[ "${5:-}" = bytes ] && col=4
	awk -v slots=" $1 " -v n="$2" -v c=$col -v from="$NT_DIR/stats.$3" '
		index(slots, " " $1 " ") && $2 == n {
			if (FILENAME == from) d -= $c; else d += $c
		}
		END { printf "%d\n", d }' "$NT_DIR/stats.$3" "$NT_DIR/stats.$4"
}

