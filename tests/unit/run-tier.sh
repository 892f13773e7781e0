#!/bin/bash
# Unit tier: run every cmocka test binary, sum its results and print one
# "N passed, N failed" line.  A binary that crashes or prints no cmocka
# summary counts as one failure.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/common.sh
. tests/lib/common.sh
BUILD=${BUILD:-build}
pass=0 fail=0 skip=0 ran=0
for t in "$BUILD"/tests/unit/test_*; do
	case "$t" in *.o|*.d) continue ;; esac
	[ -x "$t" ] || continue
	ran=$((ran + 1))
	out=$("$t" 2>&1); rc=$?
	printf '%s\n' "$out"
	p=$(printf '%s\n' "$out" | sed -nE 's/^\[  PASSED  \] ([0-9]+) test.*/\1/p' | tail -n 1)
	f=$(printf '%s\n' "$out" | sed -nE 's/^\[  FAILED  \] ([0-9]+) test.*/\1/p' | tail -n 1)
	if [ -z "$p" ] && [ -z "$f" ]; then
		echo "unit: $t printed no cmocka summary (exit $rc): counted as a failure"
		fail=$((fail + 1))
		continue
	fi
	pass=$((pass + ${p:-0})); fail=$((fail + ${f:-0}))
	if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		echo "unit: $t exited $rc: counted as a failure"
		fail=$((fail + 1))
	fi
done
# Every command the scripts call comes from a package install-deps.sh
# installs (tests/commands.tsv).
# add_script_result RC LOG: add a script's summary line to the tier's.
add_script_result() {
	local p f s
	read -r p f s < <(summary_counts "$2") || { p=0 f=1 s=0; }
	[ "$1" -eq 0 ] || [ "$f" -gt 0 ] || f=1
	pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
}
log=$(mktemp /tmp/vtaUT.XXXXXX)
trap 'rm -f "$log"' EXIT
/usr/bin/python3 tests/unit/commands.py >"$log" 2>&1; rc=$?
cat "$log"
add_script_result "$rc" "$log"

# A brief libFuzzer run of the netlink and configuration parsers belongs
# to this tier
# (`make fuzz` runs it longer).
if [ -x tests/fuzz/run.sh ]; then
	BUILD=$BUILD tests/fuzz/run.sh "${FUZZ_SECONDS:-15}" >"$log" 2>&1; rc=$?
	cat "$log"
	add_script_result "$rc" "$log"
fi
if [ "$ran" -eq 0 ]; then
	echo "unit: no test binaries under $BUILD/tests/unit (run make tests)"
	fail=$((fail + 1))
fi
T_PASS=$pass T_FAIL=$fail T_SKIP=$skip
t_summary unit
