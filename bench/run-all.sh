#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Run every benchmark (bench/*.sh but this one and baseline.sh) in turn, one at a time so
# they do not compete for the CPUs, each printing its own table, with the
# host's load average before and after.  Env is passed through (BUILD,
# RUNS, SECS, ESP_BENCH_*, ...); esp_forward.sh boots a VM and takes up to
# ~20 min.  Benchmarks are not tests: the
# exit status only says whether each one ran to the end.
set -u
cd "$(dirname "$0")/.." || exit 1
export BUILD=${BUILD:-build}
failed=""
for b in bench/*.sh; do
	# baseline.sh is sourced by the others, not a benchmark
	case $b in bench/run-all.sh | bench/baseline.sh) continue ;; esac
	echo "=== $b  ($(date -u +%H:%M:%S) UTC, loadavg $(cut -d' ' -f1-3 /proc/loadavg))"
	t0=$(date +%s)
	bash "$b"
	rc=$?
	# the host load next to the numbers: other jobs on the machine skew them
	echo "=== $b took $(($(date +%s) - t0)) s, loadavg after $(cut -d' ' -f1-3 /proc/loadavg)"
	if [ $rc -ne 0 ]; then
		echo "=== $b exited with status $rc"
		failed="$failed $b"
	fi
done
[ -z "$failed" ] || { echo "bench: failed:$failed"; exit 1; }
echo "bench: all benchmarks ran"
