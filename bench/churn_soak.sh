#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Churn soak, the long one (issue 13): tests/net/sync/test_churn.sh with a
# target of 10,000 route changes/s for 60 s (four phases of 15 s: warm-up,
# netlink overruns, a full group map, steady) over 20,000 churned /32s.
# It prints the rate the host actually sustained per phase (the generator
# is paced, and slowed down by `ip -batch`, the kernel and the daemon
# sharing the CPUs), verify's drift at each checkpoint, the packets
# forwarded to a tunnel their route never uses, and the daemon's RSS at
# each checkpoint.  Override with CHURN_RATE, CHURN_SECS, CHURN_SLOTS,
# CHURN_PPS, CHURN_RCVBUF, CHURN_FLAP_MS, CHURN_SEED.
#
#   BUILD=build bench/churn_soak.sh
set -u
cd "$(dirname "$0")/.." || exit 1
export BUILD=${BUILD:-build}
export CHURN_RATE=${CHURN_RATE:-10000}
export CHURN_SECS=${CHURN_SECS:-60}
export CHURN_SLOTS=${CHURN_SLOTS:-20000}
export CHURN_PPS=${CHURN_PPS:-2000}
echo "churn_soak: loadavg before $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
bash tests/net/sync/test_churn.sh
rc=$?
echo "churn_soak: loadavg after $(cut -d' ' -f1-3 /proc/loadavg)"
exit $rc
