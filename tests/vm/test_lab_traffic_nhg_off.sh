#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# test_lab_traffic.sh with FRR's kernel nexthop groups off (`no zebra
# nexthop kernel enable`: zebra installs classic RTA_MULTIPATH routes).
# shellcheck disable=SC2034 # read by test_lab_traffic.sh
LAB_NHG=off
. "$(dirname "$0")/test_lab_traffic.sh"
