# shellcheck shell=bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The one shell toolkit of the tests, benchmarks and lab (sourced; bash):
# clock, polling with a deadline, pass/fail/skip accounting and the
# "N passed, N failed[, N skipped]" line every tier prints and reads.
#
#	now_ms                   wall clock in ms, no fork
#	wait_until SECS CMD...   poll CMD every 0.05 s until it succeeds (0)
#	                         or SECS (may be fractional) pass (1)
#	t_pass NAME              count and print one passed check
#	t_fail NAME [WHY]        ... failed
#	t_skip NAME WHY          ... skipped (never counted as passed)
#	t_check NAME [-m WHY] CMD...
#	                         pass when CMD succeeds; its output (and WHY)
#	                         shown only when it fails
#	t_summary [TAG]          print "TAG: N passed, N failed[, N skipped]"
#	                         (TAG defaults to $T_TAG); status 1 when
#	                         anything failed
#	summary_counts FILE      "P F S" of the last summary line in FILE;
#	                         status 1 when there is none
#
# The counters are T_PASS, T_FAIL and T_SKIP.

[ -n "${VTA_COMMON_SH:-}" ] && return 0
VTA_COMMON_SH=1

T_PASS=${T_PASS:-0}
T_FAIL=${T_FAIL:-0}
T_SKIP=${T_SKIP:-0}

now_ms() {
	local t=${EPOCHREALTIME/./}
	echo $((t / 1000))
}

# The sleep is the poll interval, not a guess at how long something takes.
wait_until() {
	local deadline
	deadline=$(($(now_ms) + $(awk -v t="$1" 'BEGIN { printf "%.0f", t * 1000 }')))
	shift
	while :; do
		"$@" && return 0
		[ "$(now_ms)" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

t_pass() { T_PASS=$((T_PASS + 1)); echo "PASS: $1"; }
t_fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL: $1${2:+: $2}"; }
t_skip() { T_SKIP=$((T_SKIP + 1)); echo "SKIP: $1${2:+: $2}"; }

t_check() {
	local name=$1 why='' out
	shift
	if [ "${1:-}" = -m ]; then
		why=$2
		shift 2
	fi
	if out=$("$@" 2>&1); then
		t_pass "$name"
	else
		t_fail "$name" "$why"
		[ -z "$out" ] || printf '%s\n' "$out" | sed 's/^/    /'
	fi
}

t_summary() {
	local s="${1:-$T_TAG}: $T_PASS passed, $T_FAIL failed"
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
