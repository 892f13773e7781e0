#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Resyncs while IPv6 routes change (the CI failure of 607030b: after the
# churn soak's overrun phase, fd00:10::/64 and fd00:11::/64 stayed "to
# kernel" in the map for 120 s).  The kernel's IPv6 route dump is no
# snapshot: between two datagrams it walks a tree that changed again from
# the root and skips as many routes as it sent (fib6_dump_table()), so a
# change ahead of its position makes it list a route twice or leave one
# out, unflagged.  The daemon took a repeated route for a second route
# with the same identity (left to the kernel) and swept a left-out one;
# no event ever came to repair either.
#
# Here 1,500 IPv6 /128s are deleted and added again in a loop (the churn,
# dev vti1) while 1,500 others after them in the tree stay put (via vti2),
# and the daemon is made to resync (SIGHUP) again and again.  The fixed
# routes get no event: after each resync, `vtiaccel verify` must find
# every one of them as the kernel has it; once the churn stops, zero
# drift within 15 s.  The daemon's log must show
# that IPv6 dumps were repeated (otherwise no resync overlapped a change
# and the test did not test what it says).
#
#   BUILD=build tests/net/sync/test_dump6.sh     (env: DUMP6_RESYNCS, 15;
#   more, up to 5 times as many, until one resync overlapped a change)
#
# Prints "dump6: N passed, N failed[, N skipped]".
set -u
cd "$(dirname "$0")/../../.." || exit 1
BUILD=${BUILD:-build}
VTA=$(realpath "$BUILD/vtiaccel" 2>/dev/null)
RESYNCS=${DUMP6_RESYNCS:-15}
P=$$
GW=vtaSY-d6g-$P
PE=vtaSY-d6p-$P
PIN=/sys/fs/bpf/vtaSY-d6-$P
TMP=$(mktemp -d /tmp/vtaSY-d6.XXXXXX)
LOG=$TMP/daemon.log
DPID=
NPID=
CPID=

# shellcheck source=tests/net/sync/lib.sh
. tests/net/sync/lib.sh

finish() {
	t_summary dump6
	exit $?
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	[ -n "$CPID" ] && kill "$CPID" 2>/dev/null && wait "$CPID" 2>/dev/null
	sync_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM

sync_preflight dump6 || finish
sync_topo && sync_topo6 || { t_fail "build topology"; finish; }
# the churned /128s first in the tree's order, the fixed ones after
{
	for i in $(seq 1 1500); do
		printf 'route add 2001:db8:100::%x/128 dev vti1\n' "$i"
		printf 'route add 2001:db8:200::%x/128 via fd00:11::2 dev vti2\n' "$i"
	done
} | G -6 -batch - || { t_fail "initial routes"; finish; }

sync_gw_up 60 --liveness no || finish
wait_verify "start" 30 || finish

# the churn: the first 300 churned /128s out and in again, until told
touch "$TMP/churn.run"
(
	while [ -e "$TMP/churn.run" ]; do
		for i in $(seq 1 300); do
			printf 'route del 2001:db8:100::%x/128 dev vti1\n' "$i"
		done | G -6 -batch - > /dev/null 2>&1
		for i in $(seq 1 300); do
			printf 'route add 2001:db8:100::%x/128 dev vti1\n' "$i"
		done | G -6 -batch - > /dev/null 2>&1
	done
) &
CPID=$!

sighups() { inns "$VTA" -j --pin-root "$PIN" status 2>/dev/null | jq -r '.daemon.resyncs.sighup // 0'; }
repeated() { sed -nE 's/.*sync done \(sighup\).*, IPv6 dumps repeated ([0-9]+).*/\1/p' "$LOG" | tail -n 1; }
n0=$(sighups)
bad=0 i=0
# At least $RESYNCS resyncs, and on until one overlapped a change (a
# repeated dump: what this test is about), at most 5 x $RESYNCS.
more() {
	[ "$i" -lt $((RESYNCS * 5)) ] || return 1
	[ "$i" -lt "$RESYNCS" ] || [ "$(repeated)" = "" ] || [ "$(repeated)" = 0 ]
}
while more; do
	i=$((i + 1))
	kill -HUP "$DPID"
	done_i() { [ "$(sighups)" -ge $((n0 + i)) ]; }
	if ! wait_until 30 done_i; then
		t_fail "resync $i after SIGHUP not done within 30 s: $(tail -n 3 "$LOG")"
		finish
	fi
	# the fixed routes had no event: the resync alone made them; verify
	# (its own dumps repeated as the daemon's) compares them now, the
	# churned ones may lag
	fixed=$(verify 2>&1 | grep '2001:db8:200:')
	if [ -n "$fixed" ]; then
		bad=$((bad + 1))
		echo "after resync $i:"
		head -n 5 <<<"$fixed"
	fi
done
if [ "$bad" -eq 0 ]; then
	t_pass "$i resyncs (SIGHUP) while IPv6 routes changed: the 1500 fixed routes right after each"
else
	t_fail "$bad of $i resyncs while IPv6 routes changed left fixed routes wrong"
fi

rm -f "$TMP/churn.run"
wait "$CPID"
CPID=
# every churned route is back: the last round added them all
if [ "$(G -6 route show | grep -c '^2001:db8:100::')" -eq 1500 ]; then
	t_pass "the churn ended with all 1500 churned routes in the kernel"
else
	t_fail "the churn ended with $(G -6 route show | grep -c '^2001:db8:100::') of 1500 churned routes"
fi
wait_verify "after the churn" 15

redumps=$(grep -c 'IPv6 routes changed during' "$LOG")
passes=$(repeated)
if [ "${passes:-0}" -gt 0 ]; then
	t_pass "IPv6 dumps repeated ${passes} times over $i resyncs (routes changed during them; $redumps resyncs kept the union of 4)"
else
	t_fail "no IPv6 dump was repeated: no resync overlapped a change (the test did not test what it says)"
fi
finish
