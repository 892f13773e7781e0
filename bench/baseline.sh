# shellcheck shell=bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Sourced by forward.sh and prog_cost.sh (run-all.sh skips it): the old
# build beside the new one in the same run.
#
# BASELINE is a revision of this repository, by default the head when
# issue 14's work began (52a0649: the `vtiaccel run` whose figures the
# issue reports); BASELINE= (empty) for none.  It is built once from
# `git archive` into $BUILD/baseline-REV (its own Makefile, its own
# build directory) and reused by later runs.
#
# baseline_bin TARGET: prints the path of TARGET (e.g. vtiaccel,
# bench/prog_cost) built from BASELINE, or says on stderr why there is
# none (no BASELINE, not in this clone's history, a failed build) and
# returns 1.
BASELINE=${BASELINE-52a0649}

baseline_bin() {
	local target=$1 dir
	[ -n "$BASELINE" ] || return 1
	if ! git rev-parse -q --verify "$BASELINE^{commit}" >/dev/null 2>&1; then
		echo "baseline: $BASELINE is not in this clone's history (a shallow clone?): no before/after" >&2
		return 1
	fi
	dir=$BUILD/baseline-$BASELINE
	if [ ! -x "$dir/build/$target" ]; then
		echo "baseline: building $target of $BASELINE in $dir (once; log $dir.log)" >&2
		if [ ! -f "$dir/Makefile" ]; then
			rm -rf "$dir" && mkdir -p "$dir" &&
				git archive "$BASELINE" | tar -x -C "$dir" || {
				echo "baseline: cannot unpack $BASELINE into $dir" >&2
				return 1
			}
		fi
		if ! make -C "$dir" -s -j"$(nproc)" BUILD=build "build/$target" \
			>>"$dir.log" 2>&1; then
			echo "baseline: building $target of $BASELINE failed (see $dir.log): no before/after" >&2
			return 1
		fi
	fi
	echo "$dir/build/$target"
}
