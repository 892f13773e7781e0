# shellcheck shell=bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Helpers for tests/vm/test_*.sh (bash).  Source it first thing:
#
#	. "$(dirname "$0")/lib.sh"
#
# The accounting, clock and polling are tests/lib/common.sh's (t_pass,
# t_fail NAME [WHY], t_skip, t_check, now_ms, wait_until, t_summary); this
# adds what a vm test needs on top.  It sets `set -eEu`, and at exit runs
# the registered cleanups (last first) then prints the summary line
# "TEST: N passed, N failed[, N skipped]".  A command that fails outside a
# check (set -e) counts as one failure naming the command and line.  Exit
# status: 1 if anything failed, else 0.

set -eEu

# shellcheck source=tests/lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

T_NAME=$(basename "$0" .sh)
T_TAG=$T_NAME
# Poll every 0.1 s, not 0.05: what the tests poll (vtiaccel status, ip,
# swanctl) is an exec read over 9p in a CPU-starved emulated guest.
T_POLL_S=0.1
# shellcheck disable=SC2034 # used by the tests that source this
# Unique prefix for what a test creates (namespaces, devices, files), so
# that concurrent runs and leftovers are told apart.
T_PREFIX=vtaVM$$
T_CLEANUPS=()
T_ABORT_CMD=
T_ABORT_LINE=
T_TMP=$(mktemp -d "/tmp/$T_NAME.XXXXXX")

t_info() { echo "# $*"; }

# t_skip_all REASON: nothing of this test can run here; exits.
t_skip_all() {
	t_skip "$T_NAME: $*"
	exit 0
}

# t_cleanup CMD...: run CMD at exit (even after a failure), last first.
# CMD is eval'ed: quote what must not be split.
t_cleanup() {
	T_CLEANUPS+=("$*")
}

# wait_pid_gone SECONDS PID: wait for a child we started to exit.
wait_pid_gone() {
	wait_until "$1" eval "! kill -0 $2 2>/dev/null"
}

# t_bg_kill PID: cleanup for a background child: kill it only while it is
# still one of our jobs (never a recycled PID), then reap it.
t_bg_kill() {
	if jobs -p | grep -qx "$1"; then
		kill "$1" 2>/dev/null
		wait "$1" 2>/dev/null
	fi
	return 0
}

# ns_exec NS CMD...: run CMD in network namespace NS.
ns_exec() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# hook_has NS DEV ingress|egress NAME: the kernel runs a BPF program
# named NAME... on DEV's tc hook in NS, on a tcx link ([forward] attach
# = auto on Linux 6.6+) or in a cls_bpf filter (tests/net/lib/hookprogs.py)
VM_HOOKPROGS=$(cd "$(dirname "${BASH_SOURCE[0]}")/../net/lib" && pwd)/hookprogs.py
hook_has() {
	ip netns exec "$1" /usr/bin/python3 "$VM_HOOKPROGS" "$2" "$3" |
		grep -q " $4"
}

# load_modules MOD...: modprobe, true if all are (or become) present.
load_modules() {
	local m missing=
	modprobe -q -a "$@" 2>/dev/null || true
	for m in "$@"; do
		[ -d "/sys/module/$m" ] || missing="$missing $m"
	done
	[ -z "$missing" ] || { echo "missing kernel modules:$missing" >&2; return 1; }
}

_t_on_err() {
	# Remember the first command that failed outside a check.
	[ -n "$T_ABORT_CMD" ] || { T_ABORT_CMD=$1; T_ABORT_LINE=$2; }
}

_t_on_exit() {
	local rc=$? i
	trap - ERR
	set +eE
	if [ "$rc" != 0 ]; then
		t_fail "$T_NAME aborted (status $rc) at line ${T_ABORT_LINE:-?}: ${T_ABORT_CMD:-unknown command}"
	fi
	for ((i = ${#T_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${T_CLEANUPS[i]}" >/dev/null 2>&1
	done
	rm -rf "$T_TMP"
	t_summary "$T_TAG" && exit 0
	exit 1
}

trap '_t_on_err "$BASH_COMMAND" "$LINENO"' ERR
trap _t_on_exit EXIT
trap 'exit 130' INT TERM
