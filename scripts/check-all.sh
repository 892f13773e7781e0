#!/bin/bash
# Run every test tier, even after a failure, print one summary line per
# tier and a total, and fail if any tier failed.  A tier that cannot run
# here reports its tests as skipped with the reason; skipped never counts
# as passed.
set -u
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=tests/lib/common.sh
. tests/lib/common.sh
build=$1; shift
total_p=0 total_f=0 total_s=0 failed_tiers=""
summary=""
for tier in "$@"; do
	log="$build/check-$tier.log"
	mkdir -p "$build"
	start=$(date +%s)
	echo "=== tier $tier"
	rm -f "$build/.rc-$tier"
	{ BUILD=$build "tests/$tier/run-tier.sh"; echo $? >"$build/.rc-$tier"; } 2>&1 | tee "$log"
	rc=$(cat "$build/.rc-$tier" 2>/dev/null || echo 1)
	end=$(date +%s)
	line=
	if read -r p f s < <(summary_counts "$log"); then
		line="$p passed, $f failed, $s skipped"
	else
		f=1; p=0; s=0
		echo "check: tier $tier printed no summary line: counted as failed"
	fi
	if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then
		f=1
		echo "check: tier $tier exited with status $rc: counted as failed"
	fi
	total_p=$((total_p + ${p:-0})); total_f=$((total_f + ${f:-0}))
	total_s=$((total_s + ${s:-0}))
	[ "${f:-0}" -gt 0 ] && failed_tiers="$failed_tiers $tier"
	summary="$summary$(printf '  %-5s %-40s %4ss' "$tier" "${line:-no summary}" $((end - start)))
"
done
# failure_lines LOG: the lines that name a failure, each after the test
# script it came from ("=== script" headers), so the end of the output
# (all a CI page may show) says which check failed, not only how many.
failure_lines() {
	awk '
		/^=== / { script = substr($0, 5); next }
		/(^|[^A-Za-z_])FAIL(ED)?([^A-Za-z_]|$)|counted as a failure|timed out after/ {
			if ($0 ~ /[0-9]+ failed/ && $0 !~ /FAIL[: ]/) next
			if ($0 ~ /^\[  FAILED  \] [0-9]/) next
			line = (script != "" ? script ": " : "") $0
			print substr(line, 1, 240)
		}' "$1"
}
echo "=== summary"
printf '%s' "$summary"
if [ -n "$failed_tiers" ]; then
	echo "failed tiers:$failed_tiers"
	for tier in $failed_tiers; do
		echo "failures in $tier (whole log: $build/check-$tier.log):"
		failure_lines "$build/check-$tier.log" | head -n 12 | sed 's/^/    /'
	done
fi
echo "total: $total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ]
