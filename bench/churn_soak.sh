#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Churn soak, the long one (issue 13): tests/net/sync/test_churn.sh with a
# target of 10,000 route changes/s for 60 s (four phases of 15 s: warm-up,
# netlink overruns, a full group map, steady), IPv4 and IPv6, over
# CHURN_SLOTS churned /32s and CHURN_SLOTS / 5 /128s.  It prints, per
# phase, the rate the host sustained (tests/net/sync/churn_gen.c is
# paced, and slowed down by the kernel and the daemon sharing the CPUs)
# and whether it was the target's (average and slowest second at least
# CHURN_MIN_PCT, 95%, of it); verify's drift at each checkpoint, the
# packets forwarded to a tunnel their route never uses, and the daemon's
# RSS at each checkpoint.  Override with CHURN_RATE, CHURN_SECS,
# CHURN_SLOTS, CHURN_SLOTS6, CHURN_PPS, CHURN_RCVBUF, CHURN_FLAP_MS,
# CHURN_SEED, CHURN_MIN_PCT.
#
# CHURN_SLOTS defaults to 5,000: the kernel's own cost of the mix grows
# with the FIB, as each nexthop group replace walks every IPv4 table
# (fib_info_notify_update(), half the kernel's time in a profile) and
# notifies every route of the group: without a daemon, on 2 shared cores,
# the generator reached ~9,700 commands/s over 5,000 /32s and ~5,300/s
# over 20,000 (docs/datapath-notes.md, "Under churn: the soak").
#
#   BUILD=build bench/churn_soak.sh
set -u
cd "$(dirname "$0")/.." || exit 1
export BUILD=${BUILD:-build}
export CHURN_RATE=${CHURN_RATE:-10000}
export CHURN_SECS=${CHURN_SECS:-60}
export CHURN_SLOTS=${CHURN_SLOTS:-5000}
export CHURN_PPS=${CHURN_PPS:-2000}
out=$(mktemp /tmp/vtaSY-soak.XXXXXX) || exit 1
trap 'rm -f "$out"' EXIT
echo "churn_soak: loadavg before $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
bash tests/net/sync/test_churn.sh | tee "$out"
rc=${PIPESTATUS[0]}
echo "churn_soak: loadavg after $(cut -d' ' -f1-3 /proc/loadavg)"
n=$(grep -c '^churn: rate of the phase .* sustained' "$out")
ok=$(grep '^churn: rate of the phase .* sustained' "$out" | grep -vc 'NOT sustained')
sed -nE 's/^churn: rate of the phase (.*)/churn_soak: \1/p' "$out"
echo "churn_soak: target $CHURN_RATE commands/s sustained in $ok of $n phases"
exit "$rc"
