#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Lint tier (`make lint`, first tier of `make check`):
#
# - shellcheck, warnings and errors, on every shell script in the tree
#   (style notes such as unquoted expansions are left to review: many of
#   ours split on purpose);
# - clang-format --dry-run on the C files added since LINT_BASE (default:
#   the commit in tests/lint/BASE): a new file follows .clang-format
#   whole.  Files older than that keep the kernel-style alignment they
#   were written in (tabs before #define values, trailing comments and
#   the backslashes of the X-macro tables), which clang-format 14 cannot
#   produce: reformatting them, or only their changed lines, mixes two
#   styles in one table.  `make lint LINT_BASE=REV` moves the line.
#
# One test per file checked; ends with "lint: N passed, N failed[, N skipped]".
set -u
cd "$(dirname "$0")/../.." || exit 1
pass=0 fail=0 skip=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "lint: FAIL $*"; }

# Shell scripts: *.sh, and files whose first line names a shell.
shell_files() {
	git ls-files | while read -r f; do
		[ -f "$f" ] || continue
		case "$f" in
		*.sh) echo "$f" ;;
		*.py | *.c | *.h | *.md | *.in | *.conf* | *.8) ;;
		*) head -n 1 "$f" | grep -qE '^#!.*/(env )?(ba|da)?sh' && echo "$f" ;;
		esac
	done
}

if command -v shellcheck >/dev/null; then
	while read -r f; do
		if out=$(shellcheck -S warning -x -P SCRIPTDIR "$f" 2>&1); then
			ok
		else
			bad "shellcheck $f"
			printf '%s\n' "$out"
		fi
	done < <(shell_files)
else
	echo "lint: shellcheck missing (scripts/install-deps.sh installs it): shell scripts skipped"
	skip=$((skip + 1))
fi

base=${LINT_BASE:-$(cat tests/lint/BASE 2>/dev/null)}
if ! command -v clang-format >/dev/null; then
	echo "lint: clang-format missing (scripts/install-deps.sh installs it): C skipped"
	skip=$((skip + 1))
elif ! git rev-parse -q --verify "$base^{commit}" >/dev/null 2>&1; then
	echo "lint: base '$base' is not a commit here (shallow clone?): C skipped"
	skip=$((skip + 1))
else
	while read -r f; do
		[ -f "$f" ] || continue
		if d=$(clang-format --dry-run -Werror "$f" 2>&1); then
			ok
		else
			bad "clang-format $f (added since ${base:0:12}; fix: clang-format -i $f)"
			printf '%s\n' "$d" | head -n 30
		fi
	done < <(git diff --name-only --diff-filter=A "$base" -- '*.c' '*.h')
fi

summary="lint: $pass passed, $fail failed"
[ "$skip" -gt 0 ] && summary="$summary, $skip skipped"
echo "$summary"
[ "$fail" -eq 0 ]
