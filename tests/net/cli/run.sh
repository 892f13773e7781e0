#!/bin/sh
# CLI tests of the net tier: the read commands against real pinned maps
# (tests/net/cli_fixture fills them) in a private network namespace and a
# private bpffs, config errors through the binary, man page vs --help.
# Prints "cli: N passed, N failed[, N skipped]".
set -u
BUILD=${BUILD:-build}
here=$(dirname "$0")
root=$(cd "$here/../../.." && pwd)
PY=/usr/bin/python3
if [ "$(id -u)" -ne 0 ]; then
	echo "cli: skipped: needs root (network namespaces, bpffs)"
	echo "cli: 0 passed, 0 failed, 1 skipped"
	exit 0
fi
for f in "$BUILD/vtiaccel" "$BUILD/tests/net/cli_fixture"; do
	if [ ! -x "$f" ]; then
		echo "cli: $f missing: run make BUILD=$BUILD tests"
		echo "cli: 0 passed, 1 failed"
		exit 1
	fi
done
VTA_BUILD=$(cd "$BUILD" && pwd)
export VTA_BUILD VTA_ROOT=$root
log=$(mktemp /tmp/vtaCL-pytest.XXXXXX)
trap 'rm -f "$log"' EXIT
# A private mount namespace with its own bpffs: pins never leak into the
# host's /sys/fs/bpf and vanish with the namespace.
unshare -m --propagation private sh -c '
	mount -t bpf bpf /sys/fs/bpf || exit 1
	cd "$VTA_ROOT" && exec '"$PY"' -m pytest -q -rfEs -p no:cacheprovider tests/net/cli
' 2>&1 | tee "$log"
p=$(grep -oE '[0-9]+ passed' "$log" | tail -n1 | cut -d' ' -f1)
f=$(grep -oE '[0-9]+ (failed|error)' "$log" | awk '{s+=$1} END {print s+0}')
s=$(grep -oE '[0-9]+ skipped' "$log" | tail -n1 | cut -d' ' -f1)
p=${p:-0}; f=${f:-0}; s=${s:-0}
if [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && [ "$s" -eq 0 ]; then
	echo "cli: pytest ran no test: counted as a failure"
	f=1
fi
if [ "$s" -gt 0 ]; then
	echo "cli: $p passed, $f failed, $s skipped"
else
	echo "cli: $p passed, $f failed"
fi
[ "$f" -eq 0 ]
