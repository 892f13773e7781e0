#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The vm tier (`make check-vm`): every tests/vm/test_*.sh, on the running
# kernel when it has ip_vti/esp4, else all in one qemu VM (one boot) via
# tests/vm/vm-run + tests/vm/guest-runner.sh.  Prints each test's output
# and ends with "N passed, N failed[, N skipped]".  Exit 1 if anything
# failed; a tier that cannot run here is reported as skipped (exit 0).
#
#	tests/vm/run-tier.sh [TEST...]      (default: all tests/vm/test_*.sh)
#
# Environment: VM_TEST_TIMEOUT (per test, default 900 s: the lab tests
# bring up strongSwan and BGP under emulation; the XFRM lab took 531-721 s
# on a loaded 2-core host), VM_TIMEOUT (whole
# VM, default 60 s + VM_TEST_TIMEOUT per test, at most 3000 s) and the vm-run variables
# (tests/vm/README.md).

set -eu

cd "$(dirname "$0")/../.."
# shellcheck source=tests/lib/common.sh
. tests/lib/common.sh
vmdir=tests/vm

if [ $# -gt 0 ]; then
	tests=("$@")
else
	tests=("$vmdir"/test_*.sh)
	[ -e "${tests[0]}" ] || tests=()
fi
n=${#tests[@]}

summary() { # passed failed skipped
	T_PASS=$1 T_FAIL=$2 T_SKIP=$3
	t_summary "" || true
}

if [ "$n" = 0 ]; then
	echo "# vm tier: no tests/vm/test_*.sh"
	summary 0 0 0
	exit 0
fi

if ! how=$("$vmdir"/vm-run --check 2>&1); then
	echo "SKIP: vm tier: ${how#vm-run: }"
	summary 0 0 "$n"
	exit 0
fi
echo "# vm tier: $how"

export VM_TEST_TIMEOUT=${VM_TEST_TIMEOUT:-900}
# The whole VM is capped at 50 minutes so a hung guest cannot eat CI's
# 90-minute budget.
vm_cap=$((60 + VM_TEST_TIMEOUT * n))
[ "$vm_cap" -le 3000 ] || vm_cap=3000
export VM_TIMEOUT=${VM_TIMEOUT:-$vm_cap}
case " ${VM_PASS_ENV:-} " in
*" VM_TEST_TIMEOUT "*) ;;
*) export VM_PASS_ENV="${VM_PASS_ENV:-} VM_TEST_TIMEOUT" ;;
esac

# A test that leaves the guest kernel unable to tear its namespaces down
# (tests/vm/test_pcrypt.sh: a kernel bug it reproduces, docs/esp-spread.md)
# says "# vm-tier: own VM" and gets a boot of its own, after the others.
shared=() alone=()
for t in "${tests[@]}"; do
	if grep -q '^# vm-tier: own VM' "$t" 2>/dev/null; then
		alone+=("$t")
	else
		shared+=("$t")
	fi
done

out=$(mktemp)
trap 'rm -f "$out"' EXIT
TP=0 TF=0 TS=0
# batch TEST...: one boot for these tests; adds their counts to TP/TF/TS
batch() {
	local rc total re passed failed skipped line p f s
	: > "$out"
	set +e
	"$vmdir"/vm-run "$vmdir"/guest-runner.sh "$@" |
		tee "$out" | grep --line-buffered -v '^VM-TIER-TOTAL '
	rc=${PIPESTATUS[0]}
	set -e
	total=$(grep '^VM-TIER-TOTAL ' "$out" | tail -n 1)
	re='^VM-TIER-TOTAL passed=([0-9]+) failed=([0-9]+) skipped=([0-9]+)$'
	if [[ $total =~ $re ]]; then
		failed=${BASH_REMATCH[2]}
		if [ "$rc" != 0 ] && [ "$failed" = 0 ]; then
			echo "FAIL: vm tier: vm-run exited with status $rc"
			failed=1
		fi
		TP=$((TP + BASH_REMATCH[1])) TF=$((TF + failed)) TS=$((TS + BASH_REMATCH[3]))
		return 0
	fi
	if [ "$rc" = 126 ]; then
		echo "SKIP: vm tier: vm-run could not run the tests (see its message above)"
		TS=$((TS + $#))
		return 0
	fi
	# The VM died or timed out before the runner's total: count what the
	# finished tests reported and one failure for the rest.
	passed=0 failed=0 skipped=0
	while IFS= read -r line; do
		read -r p f s < <(summary_counts <(printf '%s\n' "${line#\# }")) || continue
		passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	done < <(grep '^# test_.*: [0-9]* passed' "$out")
	echo "FAIL: vm tier: vm-run ended with status $rc before all tests reported"
	TP=$((TP + passed)) TF=$((TF + failed + 1)) TS=$((TS + skipped))
}

start=$(now_ms)
[ ${#shared[@]} = 0 ] || batch "${shared[@]}"
for t in "${alone[@]}"; do
	echo "# vm tier: $(basename "$t") in a VM of its own"
	batch "$t"
done
ms=$(($(now_ms) - start))
printf '# vm tier wall time: %d.%03d s\n' $((ms / 1000)) $((ms % 1000))
summary "$TP" "$TF" "$TS"
[ "$TF" = 0 ]
