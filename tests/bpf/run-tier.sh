#!/bin/sh
# bpf tier: BPF_PROG_TEST_RUN fixtures for every program on the running
# kernel (tests/bpf/*.c -> $BUILD/tests/bpf/bpf_test).  Prints the
# harness's per-group lines and ends with "bpf: N passed, N failed[, N
# skipped]"; exits non-zero when a fixture failed.  Without root or BPF
# the whole tier is one skip, with its reason.
set -u
BUILD=${BUILD:-build}
bin="$BUILD/tests/bpf/bpf_test"

if [ ! -x "$bin" ]; then
	echo "bpf: $bin missing (make BUILD=$BUILD tests): counted as a failure"
	echo "bpf: 0 passed, 1 failed"
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "bpf: skipped: loading BPF programs needs root"
	echo "bpf: 0 passed, 0 failed, 1 skipped"
	exit 0
fi

out=$("$bin" "$@" 2>&1); rc=$?
printf '%s\n' "$out"
last=$(printf '%s\n' "$out" | tail -n 1)
case "$rc" in
0|1)
	case "$last" in
	"bpf: "*" passed, "*" failed"*) ;;
	*)
		echo "bpf: harness printed no summary (exit $rc): counted as a failure"
		echo "bpf: 0 passed, 1 failed"
		exit 1 ;;
	esac
	exit "$rc" ;;
77)
	# The harness printed why (no root, programs refused to load).
	echo "bpf: 0 passed, 0 failed, 1 skipped"
	exit 0 ;;
*)
	echo "bpf: harness exited $rc: counted as a failure"
	echo "bpf: 0 passed, 1 failed"
	exit 1 ;;
esac
