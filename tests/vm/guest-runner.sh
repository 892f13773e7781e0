#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# guest-runner.sh [TEST...]: run vm-tier tests one after the other (inside
# the VM that tests/vm/run-tier.sh boots, or directly on a kernel with
# VTI/ESP), show their output, and sum their "N passed, N failed[, N
# skipped]" lines.  Default: every tests/vm/test_*.sh.
#
# Ends with the machine-readable line
#	VM-TIER-TOTAL passed=P failed=F skipped=S
# that run-tier.sh turns into the tier's summary.  A test that times out
# (VM_TEST_TIMEOUT, default 900 s), exits non-zero without reporting a
# failure, prints no summary or (in the VM) leaves a network namespace
# behind counts as one failure.

set -u

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/lib/common.sh
. "$here/../lib/common.sh"
VM_TEST_TIMEOUT=${VM_TEST_TIMEOUT:-900}
[ $# -gt 0 ] || set -- "$here"/test_*.sh

tmp=$(mktemp -d /tmp/vm-runner.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

P=0 F=0 S=0
echo "# vm tier on $(uname -r) ($(nproc) CPUs), $# test(s)"
for t in "$@"; do
	name=$(basename "$t")
	echo "# ---- $name"
	if [ ! -x "$t" ]; then
		echo "FAIL: $name is not executable (chmod +x)"
		F=$((F + 1))
		continue
	fi
	start=$(now_ms)
	timeout -k 5 "$VM_TEST_TIMEOUT" "$t" </dev/null 2>&1 | tee "$tmp/out"
	rc=${PIPESTATUS[0]}
	secs=$((($(now_ms) - start) / 100))
	secs="$((secs / 10)).$((secs % 10))"
	p=0 f=0 s=0 line=
	if read -r p f s < <(summary_counts "$tmp/out"); then
		line=yes
	fi
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		# Its exit trap may already have counted the abort.
		echo "FAIL: $name timed out after ${VM_TEST_TIMEOUT}s (VM_TEST_TIMEOUT)"
		[ "$f" -gt 0 ] || f=1
	elif [ -z "$line" ]; then
		echo "FAIL: $name printed no 'N passed, N failed' line (exit status $rc)"
		f=$((f + 1))
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then
		echo "FAIL: $name exited with status $rc but reported no failure"
		f=$((f + 1))
	fi
	# In the throwaway VM every namespace is a test's: none may survive
	# it (the next test starts clean either way).
	if [ "${VM_GUEST:-}" = 1 ]; then
		left=$(ip netns list 2>/dev/null | awk '{ printf "%s ", $1 }')
		if [ -n "$left" ]; then
			echo "FAIL: $name left network namespaces behind: $left"
			f=$((f + 1))
			for ns in $left; do ip netns del "$ns"; done	# split on purpose
		fi
	fi
	P=$((P + p)) F=$((F + f)) S=$((S + s))
	echo "# $name: $p passed, $f failed, $s skipped (${secs}s)"
done
echo "VM-TIER-TOTAL passed=$P failed=$F skipped=$S"
[ "$F" = 0 ]
