#!/bin/sh
# Regenerate the OPTIONS and COMMANDS sections of docs/vtiaccel.8 from the
# command table (`vtiaccel help --man`), between the GENERATED markers.
# test_cli.py::test_man_page_matches_help fails until this has been run
# after a change to the table in user/cli.c or the keys in user/conf.c.
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
