# shellcheck shell=bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Helpers for tests/vm/test_*.sh (bash).  Source it first thing:
#
#	. "$(dirname "$0")/lib.sh"
#
# It sets `set -eEu`, and at exit runs the registered cleanups (last first)
# then prints the summary line "N passed, N failed[, N skipped]".  A
# command that fails outside a check (set -e) counts as one failure naming
# the command and line.  Exit status: 1 if anything failed, else 0.

set -eEu

T_PASS=0
T_FAIL=0
T_SKIP=0
T_NAME=$(basename "$0" .sh)
# shellcheck disable=SC2034 # used by the tests that source this
# Unique prefix for what a test creates (namespaces, devices, files), so
# that concurrent runs and leftovers are told apart.
T_PREFIX=vtaVM$$
T_CLEANUPS=()
T_ABORT_CMD=
T_ABORT_LINE=
T_TMP=$(mktemp -d "/tmp/$T_NAME.XXXXXX")

t_pass() { T_PASS=$((T_PASS + 1)); echo "PASS: $*"; }
t_fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL: $*"; }
t_skip() { T_SKIP=$((T_SKIP + 1)); echo "SKIP: $*"; }
t_info() { echo "# $*"; }

# t_check DESCRIPTION CMD...: one check that passes when CMD succeeds.
# CMD's output is shown (indented) only when the check fails.
t_check() {
	local desc=$1 out="$T_TMP/check.out"
	shift
	if "$@" >"$out" 2>&1; then
		t_pass "$desc"
	else
		t_fail "$desc"
		sed 's/^/    /' "$out"
	fi
}

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

# now_ms: monotonic-enough wall clock in ms without forking.
now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

# wait_until SECONDS CMD...: poll CMD every 0.1 s until it succeeds (0) or
# SECONDS pass (1).  The sleep is the poll interval, not a guess.
wait_until() {
	local deadline=$(($(now_ms) + $1 * 1000))
	shift
	while :; do
		if "$@"; then return 0; fi
		[ "$(now_ms)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
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
	if [ "$T_SKIP" -gt 0 ]; then
		echo "$T_PASS passed, $T_FAIL failed, $T_SKIP skipped"
	else
		echo "$T_PASS passed, $T_FAIL failed"
	fi
	[ "$T_FAIL" -eq 0 ] && exit 0
	exit 1
}

trap '_t_on_err "$BASH_COMMAND" "$LINENO"' ERR
trap _t_on_exit EXIT
trap 'exit 130' INT TERM
