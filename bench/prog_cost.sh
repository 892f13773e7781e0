#!/bin/sh
# Per-program cost with BPF_PROG_TEST_RUN (see bench/prog_cost.c).
# Usage: BUILD=<dir> bench/prog_cost.sh [max routes: 1000|100000|1000000]
set -eu
BUILD=${BUILD:-build}
bin="$BUILD/bench/prog_cost"
[ -x "$bin" ] || { echo "prog_cost: $bin missing (make BUILD=$BUILD tests)"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "prog_cost: skipped: needs root"; exit 0; }
exec "$bin" "$@"
