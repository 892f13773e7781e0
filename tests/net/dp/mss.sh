#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Differential MSS test.  The same ~120 crafted SYN / SYN-ACK layouts
# (mss_diff.py) go from the lan namespace through gw twice:
#
#   reference  kernel forwarding + the seed's rule on both tunnels
#              iptables/ip6tables -t mangle -A FORWARD -o vtiN -p tcp -m tcp
#              --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu
#   ours       vtiaccel's programs (vta_static), NO rule; clamp in the map =
#              what the kernel computes: tunnel MTU 1436 - 40 / - 60
#
# What reaches aws (the far end of the tunnels) is compared byte for byte
# from the IP header on.  The only accepted difference is the kernel's
# odd-offset checksum bug (LAB-NOTES): the kernel's TCP checksum fails and
# ours verifies, every other byte equal.  A probe the rule drops must be
# dropped by ours too.  Each probe is one test.  The same probes also go
# the other way (tunnel -> LAN, "rev-"), where the seed's rule (-o vtiN)
# does not apply: ours must leave them as the kernel does.  The reference is first
# checked against a model of the documented semantics (mss_diff.py model).
set -u
cd "$(dirname "$0")/../../.." || exit 1
. tests/net/lib/ns.sh
. tests/net/lib/topo.sh

nt_init dp-mss || exit 1
PY=tests/net/dp/mss_diff.py

if ! topo_setup; then
	t_fail setup "building the namespaces failed"
	t_summary; exit 1
fi
# Keep the VPC host out of it: no RSTs coming back through gw.
ip -n "$(nt_name aws)" route add blackhole 172.31.0.10/32
ip -n "$(nt_name aws)" -6 route add blackhole fd00:31::10/128
GW_MAC=$(nt_x gw cat /sys/class/net/eth1/address)
GW_VTI1_MAC=$(nt_x gw cat /sys/class/net/vti1/address)

warm_neigh() {
	local a
	for a in 169.254.12.37 169.254.14.229 fd00:12::1 fd00:14::1 10.16.16.10 fd00:16::10; do
		nt_x gw ping -c 1 -W 2 "$a" >/dev/null 2>&1
	done
}

# probe DIR --out FILE [--expect FILE]: DIR fwd = lan -> gw -> tunnels (the rule's
# direction), rev = aws -> gw vti1 -> lan (no rule applies: only the TTL
# may change, and ours must not clamp or drop either).
probe() {
	local dir=$1; shift
	if [ "$dir" = fwd ]; then
		"$NT_PY" "$PY" probe --send-ns "$(nt_name lan)" --send-if eth0 \
			--dst-mac "$GW_MAC" --cap-ns "$(nt_name aws)" --cap-if vti1,vti2 "$@"
	else
		"$NT_PY" "$PY" --reverse probe --send-ns "$(nt_name aws)" --send-if vti1 \
			--dst-mac "$GW_VTI1_MAC" --cap-ns "$(nt_name lan)" --cap-if eth0 "$@"
	fi
}

rules() {
	local op=$1 ipt dev
	for ipt in iptables ip6tables; do
		for dev in vti1 vti2; do
			nt_x gw "$ipt" -t mangle "$op" FORWARD -o "$dev" -p tcp -m tcp \
				--tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu || return 1
		done
	done
}

# tally PREFIX CMP_OUTPUT: print the per-probe lines and add them up
tally() {
	local p f bug
	grep -v '^RESULT' "$2" | sed -e "s/^\(ok  \|FAIL\) /\1 $1/" -e "s/^kernel odd/${1}kernel odd/"
	read -r _ p f bug < <(grep '^RESULT' "$2")
	if [ -z "${p:-}" ]; then
		t_fail "${1}compare" "comparator failed"
	else
		NT_PASS=$((NT_PASS + p)) NT_FAIL=$((NT_FAIL + f))
	fi
}

# --- reference: the kernel with the seed's rule ------------------------------
if ! rules -A; then
	t_skip mss-diff "cannot install the seed's TCPMSS rule in a namespace (iptables)"
	t_summary; exit 0
fi
warm_neigh
if ! probe fwd --out "$NT_DIR/kernel.json" || ! probe rev --out "$NT_DIR/kernel-rev.json"; then
	t_fail mss-reference "probe run with the kernel failed"
	t_summary; exit 1
fi
hits=$( { nt_x gw iptables -t mangle -L FORWARD -vnx; nt_x gw ip6tables -t mangle -L FORWARD -vnx; } |
	awk '/TCPMSS/ { n += $1 } END { print n + 0 }')
changed=$("$NT_PY" "$PY" changed "$NT_DIR/kernel.json")
# The reference must have done its job, or the comparison proves nothing.
if [ "$hits" -lt 50 ] || [ "$changed" -lt 40 ]; then
	t_fail mss-reference "the kernel rule matched $hits probes and changed $changed: reference broken"
	t_summary; exit 1
fi
echo "reference: the rule matched $hits probes and changed $changed of them"
# The reference itself against the documented semantics (LAB-NOTES): a
# kernel that behaves otherwise makes the comparison below meaningless.
for dir in fwd rev; do
	r=; [ $dir = rev ] && r=--reverse
	sfx=; [ $dir = rev ] && sfx=-rev
	"$NT_PY" "$PY" $r model --out "$NT_DIR/model$sfx.json"
	"$NT_PY" "$PY" compare "$NT_DIR/kernel$sfx.json" "$NT_DIR/model$sfx.json" >"$NT_DIR/model$sfx.cmp"
	read -r _ p f bug < <(grep '^RESULT' "$NT_DIR/model$sfx.cmp")
	if [ "${f:-1}" -ne 0 ]; then
		grep -A8 '^FAIL' "$NT_DIR/model$sfx.cmp" | head -n 40
		t_fail "mss-reference-model-$dir" "the kernel's TCPMSS differs from the LAB-NOTES model on ${f:-?} probes (above)"
	else
		t_pass "mss-reference-model-$dir"
		echo "reference ($dir) = model on all $p probes ($bug with the kernel's odd-offset checksum bug)"
	fi
done
rules -D

# --- ours ---------------------------------------------------------------------
if ! vta_start gw "$TOPO_SPEC" "$TOPO_ATTACH"; then
	t_fail setup "vta_static did not start"
	t_summary; exit 1
fi
warm_neigh
vta_snap a
probe fwd --out "$NT_DIR/ours.json" --expect "$NT_DIR/kernel.json"
vta_snap b
probe rev --out "$NT_DIR/ours-rev.json" --expect "$NT_DIR/kernel-rev.json"
vta_snap c
vta_stop
counters() {	# SLOTS FROM TO
	local c n
	for c in fwd_to_tunnel fwd_to_lan mss_clamped mss_inserted drop_tcp_hdr \
		 pass_mss pass_malformed pass_ip_options pass_ext_hdr \
		 pass_fragment pass_rpf; do
		n=$(vta_delta "$1" $c "$2" "$3")
		[ "$n" -ne 0 ] && printf ' %s +%d' "$c" "$n"
	done
	echo
}
printf 'fast path, LAN -> tunnel (eth1):'; counters 1 a b
printf 'fast path, tunnel -> LAN (vti1):'; counters 2 b c

"$NT_PY" "$PY" compare "$NT_DIR/kernel.json" "$NT_DIR/ours.json" >"$NT_DIR/cmp.out"
tally "" "$NT_DIR/cmp.out"
"$NT_PY" "$PY" compare "$NT_DIR/kernel-rev.json" "$NT_DIR/ours-rev.json" >"$NT_DIR/cmp-rev.out"
tally "rev-" "$NT_DIR/cmp-rev.out"
t_summary
