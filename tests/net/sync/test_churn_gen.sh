#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The churn generator (tests/net/sync/churn_gen.c) sends what `ip` would:
# two identical gateway namespaces (churn_base), one churned by
# churn_gen over rtnetlink, the other by `ip -force -batch` fed the same
# seed's commands as churn_gen -n prints them (without link flaps: see
# below).  The kernel, the oracle, must end with the same IPv4 and IPv6
# routes and nexthop objects, and refuse as many commands.  Also: the
# same seed prints the same churn, another seed another one.  No daemon: test_churn.sh is the soak.
#
#   BUILD=build tests/net/sync/test_churn_gen.sh
#
# Prints "churn_gen: N passed, N failed[, N skipped]".
set -u
cd "$(dirname "$0")/../../.." || exit 1
BUILD=${BUILD:-build}
GEN=$(realpath "$BUILD/tests/net/sync/churn_gen" 2>/dev/null)
P=$$
GW=
PE=
TMP=$(mktemp -d /tmp/vtaSY-cgen.XXXXXX)
NSS=()

# shellcheck source=tests/net/sync/lib.sh
. tests/net/sync/lib.sh

finish() {
	t_summary churn_gen
	exit $?
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	local n
	for n in "${NSS[@]}"; do
		ip netns del "$n" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ "$(id -u)" -ne 0 ]; then
	echo "churn_gen: skipped: needs root (namespaces)"
	T_SKIP=1
	finish
fi
if [ ! -x "$GEN" ]; then
	echo "churn_gen: $BUILD/tests/net/sync/churn_gen missing (make BUILD=$BUILD tests)"
	T_FAIL=1
	finish
fi

# churn_gen -a: the whole churn, however loaded the host
RATE=2000 SECS=3 SEED=7 SLOTS=500 SLOTS6=200 FLAP_MS=500
ARGS=("$RATE" "$SECS" "$SEED" "$SLOTS" "$FLAP_MS" "$SLOTS6")

# --- reproducible -------------------------------------------------------------
"$GEN" -n - "${ARGS[@]}" > "$TMP/a" && "$GEN" -n - "${ARGS[@]}" > "$TMP/b" &&
	"$GEN" -n - "$RATE" "$SECS" $((SEED + 1)) "$SLOTS" "$FLAP_MS" "$SLOTS6" > "$TMP/c"
if cmp -s "$TMP/a" "$TMP/b" && ! cmp -s "$TMP/a" "$TMP/c" &&
   [ "$(wc -l < "$TMP/a")" -ge $((RATE * SECS)) ]; then
	t_pass "churn_gen -n: seed $SEED prints the same $(wc -l < "$TMP/a") commands twice, seed $((SEED + 1)) others"
else
	t_fail "churn_gen -n: not reproducible ($(wc -l < "$TMP/a"), $(wc -l < "$TMP/b") lines; seed $((SEED + 1)): $(wc -l < "$TMP/c"))"
fi
for w in "route add" "route replace" "route del" "nexthop replace id 6[0-4][0-9] group" \
	"nexthop replace id 5[0-3][0-9] group" " nhid " " nexthop via" "link set" "2001:db8:100::" \
	"2001:db8:1::/48"; do
	grep -q -- "$w" "$TMP/a" || t_fail "churn_gen -n: no '$w' in the churn"
done

# --- the same tables as ip -batch ---------------------------------------------
for side in gen ip; do
	GW=vtaSY-cx$side-$P
	PE=vtaSY-cy$side-$P
	NSS+=("$GW" "$PE")
	sync_topo && sync_tunnel3 && sync_topo6 && churn_base "$SLOTS" "$SLOTS6" ||
		{ t_fail "$side: topology and first routes"; finish; }
done
# The comparison churns without link flaps: after a link comes up the
# kernel finishes the job asynchronously (linkwatch, IPv6 addrconf and
# DAD), so what it accepts right after an up depends on how fast the
# commands come (seen: an IPv6 multipath route via the tunnel that had
# just come up, refused when churn_gen sent it, accepted from ip -batch).
ARGS0=("$RATE" "$SECS" "$SEED" "$SLOTS" 0 "$SLOTS6")
"$GEN" -n - "${ARGS0[@]}" > "$TMP/a0"
out=$("$GEN" -a "vtaSY-cxgen-$P" "${ARGS0[@]}")
n=$(sed -nE 's/^churn: ([0-9]+) commands .*/\1/p' <<<"$out")
ref=$(sed -nE 's/.*, ([0-9]+) refused by the kernel.*/\1/p' <<<"$out")
echo "churn_gen: $(head -n 1 <<<"$out")"
if [ "${n:-0}" -eq "$(wc -l < "$TMP/a0")" ]; then
	t_pass "churn_gen -a sent the $n commands churn_gen -n prints"
else
	t_fail "churn_gen -a sent ${n:-0} commands, churn_gen -n prints $(wc -l < "$TMP/a0")"
fi
ip -n "vtaSY-cxip-$P" -force -batch "$TMP/a0" > /dev/null 2> "$TMP/ip.err"
ipref=$(grep -c '^Command failed' "$TMP/ip.err")
if [ "${n:-0}" -gt 0 ] && [ "$ref" = "$ipref" ]; then
	t_pass "the kernel refused as many of churn_gen's $n commands as of ip's: $ref"
else
	t_fail "refused: churn_gen $ref of ${n:-0}, ip $ipref"
fi
for what in "route show" "-6 route show" "nexthop show"; do
	# shellcheck disable=SC2086 # $what is words
	if diff <(ip -n "vtaSY-cxgen-$P" $what) <(ip -n "vtaSY-cxip-$P" $what) > "$TMP/diff"; then
		# shellcheck disable=SC2086
		t_pass "ip $what: the same $(ip -n "vtaSY-cxip-$P" $what | wc -l) lines after churn_gen and ip -batch"
	else
		t_fail "ip $what differs (< churn_gen, > ip -batch):"
		head -n 20 "$TMP/diff"
	fi
done
finish
