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
# One test per file checked (tests/lib/common.sh's accounting); ends with
# "lint: N passed, N failed[, N skipped]".
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=tests/lib/common.sh
. tests/lib/common.sh
T_TAG=lint

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
			t_pass "shellcheck $f"
		else
			t_fail "shellcheck $f"
			printf '%s\n' "$out"
		fi
	done < <(shell_files)
else
	t_skip "shellcheck" "missing (scripts/install-deps.sh installs it): shell scripts not checked"
fi

base=${LINT_BASE:-$(cat tests/lint/BASE 2>/dev/null)}
if ! command -v clang-format >/dev/null; then
	t_skip "clang-format" "missing (scripts/install-deps.sh installs it): C not checked"
elif ! git rev-parse -q --verify "$base^{commit}" >/dev/null 2>&1; then
	t_skip "clang-format" "base '$base' is not a commit here (shallow clone?): C not checked"
else
	while read -r f; do
		[ -f "$f" ] || continue
		if d=$(clang-format --dry-run -Werror "$f" 2>&1); then
			t_pass "clang-format $f"
		else
			t_fail "clang-format $f" "added since ${base:0:12}; fix: clang-format -i $f"
			printf '%s\n' "$d" | head -n 30
		fi
	done < <(git diff --name-only --diff-filter=A "$base" -- '*.c' '*.h')
fi

t_summary
