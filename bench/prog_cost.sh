#!/bin/bash
# Per-program cost with BPF_PROG_TEST_RUN (see bench/prog_cost.c), this
# build's, after the same measurement of the BASELINE revision's build
# (bench/baseline.sh; BASELINE= for none), and the paths both measure
# side by side: before and after on the same host in one run.
# Usage: BUILD=<dir> bench/prog_cost.sh [max routes: 1000|100000|1000000]
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build}
bin="$BUILD/bench/prog_cost"
[ -x "$bin" ] || { echo "prog_cost: $bin missing (make BUILD=$BUILD tests)"; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "prog_cost: skipped: needs root"; exit 0; }
. bench/baseline.sh
old=$(baseline_bin bench/prog_cost) || exec "$bin" "$@"

out=$(mktemp -d) || exit 1
trap 'rm -rf "$out"' EXIT
echo "prog_cost: before: the baseline $BASELINE ($old), its own paths and columns"
"$old" "$@" | tee "$out/old" || echo "prog_cost: the baseline's run failed"
echo
echo "prog_cost: after: this build"
"$bin" "$@" | tee "$out/new" || exit 1

# The cold program costs (path - empty) of the paths both builds measure.
echo
echo "prog_cost: before -> after, ns above the empty program, one test run per packet (the columns both have):"
awk '
	FNR == 1 { f++; in_c = 0 }
	/^path/ && !hdr[f] { hdr[f] = $0 }
	/^program cost in ns/ { in_c = 1; next }
	in_c && /^$/ { in_c = 0 }
	in_c {
		name = substr($0, 1, 30); sub(/ +$/, "", name)
		rest = substr($0, 31); n = 0
		while (match(rest, /-?[0-9]+ \(/)) {
			v[f, name, ++n] = substr(rest, RSTART, RLENGTH - 2)
			rest = substr(rest, RSTART + RLENGTH)
		}
		cnt[f, name] = n
		if (f == 2 && !seen[name]++) order[++no] = name
	}
	END {
		split(hdr[2], H, / +/)
		printf "%-30s", "path"
		for (i = 2; i in H; i++) printf " %15s", H[i]
		printf "\n"
		for (k = 1; k <= no; k++) {
			name = order[k]
			if (!((1, name) in cnt)) continue
			m = cnt[1, name] < cnt[2, name] ? cnt[1, name] : cnt[2, name]
			printf "%-30s", name
			for (i = 1; i <= m; i++)
				printf " %15s", v[1, name, i] " -> " v[2, name, i]
			printf "\n"
		}
	}' "$out/old" "$out/new"
