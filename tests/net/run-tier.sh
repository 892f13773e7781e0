#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Net tier: network-namespace tests on the running kernel.  Runs every
# tests/net/dp/*.sh and *.py test, then tests/net/sync/run.sh and
# tests/net/cli/run.sh when present, and sums the "X: N passed, N failed[,
# N skipped]" line each prints into one "net: ..." line.  A script that
# prints no such line, or exits non-zero without reporting a failure,
# counts as one failure; skipped is never counted as passed.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/common.sh
. tests/lib/common.sh
export BUILD=${BUILD:-build}
# Per-script bound, so one hung script cannot hang the tier.
NET_SCRIPT_TIMEOUT=${NET_SCRIPT_TIMEOUT:-900}
pass=0 fail=0 skip=0

if [ "$(id -u)" -ne 0 ]; then
	echo "net: needs root (network namespaces, BPF): all skipped"
	echo "net: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
if [ ! -x "$BUILD/tests/net/vta_static" ]; then
	echo "net: $BUILD/tests/net/vta_static missing (make BUILD=$BUILD tests)"
	echo "net: 0 passed, 1 failed"
	exit 1
fi

log=
trap 'rm -f "$log"' EXIT
scripts=()
for t in tests/net/dp/*.sh tests/net/dp/test_*.py; do
	[ -f "$t" ] && scripts+=("$t")
done
for t in tests/net/sync/run.sh tests/net/sync/test_liveness.sh tests/net/sync/test_churn_gen.sh \
	tests/net/sync/test_dump6.sh \
	tests/net/sync/test_churn.sh \
	tests/net/cli/run.sh; do
	[ -f "$t" ] && scripts+=("$t")
done

for t in "${scripts[@]}"; do
	echo "=== $t"
	log=$(mktemp /tmp/vtaNT-tier.XXXXXX)
	case "$t" in
	*.py) timeout -k 10 "$NET_SCRIPT_TIMEOUT" /usr/bin/python3 "$t" 2>&1 | tee "$log" ;;
	*) timeout -k 10 "$NET_SCRIPT_TIMEOUT" bash "$t" 2>&1 | tee "$log" ;;
	esac
	rc=${PIPESTATUS[0]}
	[ "$rc" -eq 124 ] && echo "net: $t timed out after ${NET_SCRIPT_TIMEOUT}s (NET_SCRIPT_TIMEOUT)"
	if ! read -r p f s < <(summary_counts "$log"); then
		rm -f "$log"
		echo "net: $t printed no summary line (exit $rc): counted as a failure"
		fail=$((fail + 1))
		continue
	fi
	rm -f "$log"
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
	if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		echo "net: $t exited $rc without reporting a failure: counted as a failure"
		fail=$((fail + 1))
	fi
done

# Namespaces a crashed script may have left (ours only: vtaNT<pid>-).
left=$(ip netns list 2>/dev/null | awk '{ print $1 }' | grep -E "^vtaNT[0-9]+-" || true)
for ns in $left; do
	pid=${ns#vtaNT}; pid=${pid%%-*}
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "net: removing namespace $ns left by a dead test"
		ip netns del "$ns"
	fi
done

T_PASS=$pass T_FAIL=$fail T_SKIP=$skip
t_summary net
