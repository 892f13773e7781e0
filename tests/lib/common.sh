# shellcheck shell=bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The one shell toolkit of the tests, benchmarks and lab (sourced; bash):
# clock, polling with a deadline, pass/fail/skip accounting and the
# "N passed, N failed[, N skipped]" line every tier prints and reads.
#
#	now_ms                   wall clock in ms, no fork
#	wait_until SECS CMD...   poll CMD every $T_POLL_S (0.05) s until it
#	                         succeeds (0) or SECS (may be fractional)
#	                         pass (1)
#	t_pass NAME              count and print one passed check
#	t_fail NAME [WHY]        ... failed
#	t_skip NAME WHY          ... skipped (never counted as passed)
#	t_check NAME [-m WHY] CMD...
#	                         pass when CMD succeeds; its output (and WHY)
#	                         shown only when it fails.  CMD runs in this
#	                         shell (what it starts or sets stays); its
#	                         output is left in $T_CHECK_LOG
#	t_summary [TAG]          print "TAG: N passed, N failed[, N skipped]"
#	                         (TAG defaults to $T_TAG; none: no "TAG: ");
#	                         status 1 when anything failed
#	summary_counts FILE      "P F S" of the last summary line in FILE;
#	                         status 1 when there is none
#
# The counters are T_PASS, T_FAIL and T_SKIP.

[ -n "${VTA_COMMON_SH:-}" ] && return 0
VTA_COMMON_SH=1

T_PASS=${T_PASS:-0}
T_FAIL=${T_FAIL:-0}
T_SKIP=${T_SKIP:-0}
T_POLL_S=${T_POLL_S:-0.05}
T_CHECK_LOG=

now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

# stall_ms FILE: the longest stall lab/stallmeter.py saw, from its output
# FILE, in ms (fails when it printed nothing).
stall_ms() { sed -n 's/^max_stall_ms \([0-9]*\)$/\1/p' "$1" | grep .; }

# The sleep is the poll interval, not a guess at how long something takes
# (a CPU-starved guest polls less often: tests/vm/lib.sh).
wait_until() {
	local deadline
	deadline=$(($(now_ms) + $(awk -v t="$1" 'BEGIN { printf "%.0f", t * 1000 }')))
	shift
	while :; do
		"$@" && return 0
		[ "$(now_ms)" -lt "$deadline" ] || return 1
		sleep "$T_POLL_S"
	done
}

t_pass() { T_PASS=$((T_PASS + 1)); echo "PASS: $1"; }
t_fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL: $1${2:+: $2}"; }
t_skip() { T_SKIP=$((T_SKIP + 1)); echo "SKIP: $1${2:+: $2}"; }

# CMD runs in this shell, not in $(...): a check may start what the test
# goes on to use (a lab, a capture in the background) or set variables.
t_check() {
	local name=$1 why='' f rc=0
	shift
	if [ "${1:-}" = -m ]; then
		why=$2
		shift 2
	fi
	f=$(mktemp /tmp/vta-check.XXXXXX) || { t_fail "$name" "mktemp failed"; return 0; }
	"$@" >"$f" 2>&1 || rc=$?
	T_CHECK_LOG=$(<"$f")
	rm -f "$f"
	if [ "$rc" = 0 ]; then
		t_pass "$name"
	else
		t_fail "$name" "$why"
		[ -z "$T_CHECK_LOG" ] || printf '%s\n' "$T_CHECK_LOG" | sed 's/^/    /'
	fi
}

t_summary() {
	local tag=${1:-${T_TAG:-}} s="$T_PASS passed, $T_FAIL failed"
	[ -z "$tag" ] || s="$tag: $s"
	[ "$T_SKIP" -gt 0 ] && s="$s, $T_SKIP skipped"
	echo "$s"
	[ "$T_FAIL" -eq 0 ]
}

# A summary line is "N passed, N failed[, N skipped]", alone or after one
# tag ending in a colon ("net: ...", "tests/net/dp/mss.sh: ...").
summary_counts() {
	local line p f s
	line=$(grep -E '^([A-Za-z0-9_./-]+: )?[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1)
	[ -n "$line" ] || return 1
	p=$(sed -nE 's/^([^ ]+: )?([0-9]+) passed.*/\2/p' <<<"$line")
	f=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$line")
	s=$(sed -nE 's/.* ([0-9]+) skipped.*/\1/p' <<<"$line")
	echo "${p:-0} ${f:-0} ${s:-0}"
}
