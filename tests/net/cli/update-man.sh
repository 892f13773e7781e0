#!/bin/sh
# Regenerate what the commands' option tables drive: the OPTIONS and
# COMMANDS sections of docs/vtiaccel.8 (`vtiaccel help --man`, between the
# GENERATED markers) and contrib/bash-completion/vtiaccel (`vtiaccel help
# --completion`).  test_cli.py::test_man_page_matches_help and
# ::test_completion_matches_tables fail until this has been run after a
# change to a command's table (user/*.c, struct vta_cmd) or the keys in
# user/conf.c.
set -eu
BUILD=${BUILD:-build}
root=$(cd "$(dirname "$0")/../../.." && pwd)
page=$root/docs/vtiaccel.8
gen=$(mktemp)
trap 'rm -f "$gen" "$gen.page"' EXIT
"$BUILD/vtiaccel" help --man >"$gen"
awk -v gen="$gen" '
	/^\.\\" BEGIN GENERATED/ { print; while ((getline l < gen) > 0) print l; skip = 1; next }
	/^\.\\" END GENERATED/ { skip = 0 }
	!skip
' "$page" >"$gen.page"
mv "$gen.page" "$page"
"$BUILD/vtiaccel" help --completion >"$gen"
cp "$gen" "$root/contrib/bash-completion/vtiaccel"
