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
echo "=== summary"
printf '%s' "$summary"
[ -n "$failed_tiers" ] && echo "failed tiers:$failed_tiers"
echo "total: $total_p passed, $total_f failed, $total_s skipped"
[ "$total_f" -eq 0 ]
