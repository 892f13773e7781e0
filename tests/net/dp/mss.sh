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
# odd-offset checksum bug (docs/kernel-facts.md): the kernel's TCP checksum fails and
# ours verifies, every other byte equal.  A probe the rule drops must be
# dropped by ours too.  Each probe is one test.  The same probes also go
# the other way (tunnel -> LAN, "rev-"), where the seed's rule (-o vtiN)
# does not apply: ours must leave them as the kernel does.  The reference is first
# checked against a model of the documented semantics (mss_diff.py model).
#
# Ours runs again in a layout for each reason the fast path leaves a SYN
# to the kernel, where only the tunnels' egress clamp (vta_tun_out) can
# clamp it: "kroute-" route marked kernel, "noroute-" no route in the
# maps, "unknownif-" no interface in the maps (egress: no entry, pmtu from
# the kernel's routes), "lease-" lease expired.  Fragments are in every
# run (the fast path always passes them).  Two more references: "rmtu-"
# a route with an MTU metric (1419) below the device's, mirrored in the
# map FIB ("rmtu-") or locked and marked kernel ("rmtu-lock-"), the LAN
# (the route back to the source) at MTU 1300 with the fast path
# ("lanmtu-") and with the lease expired ("lanmtu-lease-"), and "setmss-"
# the rule with --set-mss 1379.
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

# rules -A|-D [TARGET...]: the seed's rule (default --clamp-mss-to-pmtu)
rules() {
	local op=$1 ipt dev
	shift
	[ $# -gt 0 ] || set -- --clamp-mss-to-pmtu
	for ipt in iptables ip6tables; do
		for dev in vti1 vti2; do
			nt_x gw "$ipt" -t mangle "$op" FORWARD -o "$dev" -p tcp -m tcp \
				--tcp-flags SYN,RST SYN -j TCPMSS "$@" || return 1
		done
	done
}

# The route MTU layout: a host route through vti1 with an MTU metric below
# the device's ([lock] as $1).
RMTU=1419
rmtu_routes() {
	local op=$1 lock=${2:-}
	ip -n "$(nt_name gw)" route "$op" 172.31.0.10/32 via 169.254.12.37 dev vti1 mtu ${lock:+"$lock"} $RMTU &&
	ip -n "$(nt_name gw)" -6 route "$op" fd00:31::10/128 via fd00:12::1 dev vti1 mtu ${lock:+"$lock"} $RMTU
}

# model_check TAG KERNEL.json [MODEL ARGS]: the reference against the model
model_check() {
	local tag=$1 k=$2 p f bug
	shift 2
	"$NT_PY" "$PY" "$@" model --out "$NT_DIR/model-$tag.json"
	"$NT_PY" "$PY" compare "$k" "$NT_DIR/model-$tag.json" >"$NT_DIR/model-$tag.cmp"
	read -r _ p f bug < <(grep '^RESULT' "$NT_DIR/model-$tag.cmp")
	if [ "${f:-1}" -ne 0 ]; then
		grep -A8 '^FAIL' "$NT_DIR/model-$tag.cmp" | head -n 40
		t_fail "mss-reference-model-$tag" "the kernel's TCPMSS differs from the model of docs/kernel-facts.md on ${f:-?} probes (above)"
	else
		t_pass "mss-reference-model-$tag"
		echo "reference ($tag) = model on all $p probes ($bug with the kernel's odd-offset checksum bug)"
	fi
}

# tally PREFIX CMP_OUTPUT: print the per-probe lines and add them up
SUMMARY=()
tally() {
	local p f bug frag
	grep -v '^RESULT' "$2" | sed -e "s/^\(ok  \|FAIL\) /\1 $1/" -e "s/^kernel odd/${1}kernel odd/" \
		-e "s/^header-only/${1}header-only/"
	read -r _ p f bug < <(grep '^RESULT' "$2")
	frag=$(sed -n 's/^header-only first fragment not given an MSS option: //p' "$2")
	if [ -z "${p:-}" ]; then
		t_fail "${1}compare" "comparator failed"
	else
		T_PASS=$((T_PASS + p)) T_FAIL=$((T_FAIL + f))
		SUMMARY+=("$(printf '%-12s %3d same (identical or dropped by both), %d failed, accepted: %d odd-offset checksum, %d header-only fragment' \
			"${1:-main-}" $((p - bug - frag)) "$f" "$bug" "$frag")")
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
# The reference itself against the documented semantics (docs/kernel-facts.md): a
# kernel that behaves otherwise makes the comparison below meaningless.
model_check fwd "$NT_DIR/kernel.json"
model_check rev "$NT_DIR/kernel-rev.json" --reverse

# The route MTU reference: the rule takes the route's MTU metric.
if rmtu_routes add && probe fwd --out "$NT_DIR/kernel-rmtu.json"; then
	model_check rmtu "$NT_DIR/kernel-rmtu.json" --clamp4 $((RMTU - 40)) --clamp6 $((RMTU - 60))
else
	t_fail mss-reference-rmtu "route with mtu $RMTU or its probe run failed"
fi
rmtu_routes del
rules -D

# --set-mss 1379 (both families)
if rules -A --set-mss 1379 && probe fwd --out "$NT_DIR/kernel-setmss.json"; then
	model_check setmss "$NT_DIR/kernel-setmss.json" --clamp4 1379 --clamp6 1379
else
	t_fail mss-reference-setmss "the --set-mss rule or its probe run failed"
fi
rules -D --set-mss 1379

# The route back to the source with a lower MTU (the LAN at 1300): the
# rule takes min(route MTU, reverse route MTU).
LANMTU=1300
if ip -n "$(nt_name gw)" link set eth1 mtu $LANMTU && rules -A &&
   probe fwd --out "$NT_DIR/kernel-lanmtu.json"; then
	model_check lanmtu "$NT_DIR/kernel-lanmtu.json" --clamp4 $((LANMTU - 40)) --clamp6 $((LANMTU - 60))
else
	t_fail mss-reference-lanmtu "LAN MTU $LANMTU or its probe run failed"
fi
rules -D
ip -n "$(nt_name gw)" link set eth1 mtu 1500

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

# layout TAG REFERENCE SETUP RESTORE: ours again with the maps changed by
# SETUP (vta_static apply lines), compared with REFERENCE, then RESTORE.
layout() {
	local tag=$1 ref=$2 setup=$3 restore=$4
	if ! vta_apply gw "$setup"; then
		t_fail "$tag-setup" "vta_static apply '$setup' failed"
		return
	fi
	vta_snap "$tag-a"
	probe fwd --out "$NT_DIR/ours-$tag.json" --expect "$ref"
	vta_snap "$tag-b"
	printf '%s: fast path (eth1):' "$tag"; counters 1 "$tag-a" "$tag-b"
	printf '%s: tunnel egress (vti1, vti2; slot 0: not in the maps):' "$tag"
	counters2 "0 2 3" "$tag-a" "$tag-b"
	"$NT_PY" "$PY" compare "$ref" "$NT_DIR/ours-$tag.json" >"$NT_DIR/cmp-$tag.out"
	tally "$tag-" "$NT_DIR/cmp-$tag.out"
	vta_apply gw "$restore" || t_fail "$tag-restore" "vta_static apply '$restore' failed"
}
counters2() {	# SLOTS FROM TO: the egress clamp's counters
	local c n
	for c in out_mss_clamped out_mss_inserted out_drop_tcp_hdr; do
		n=$(vta_delta "$1" $c "$2" "$3")
		[ "$n" -ne 0 ] && printf ' %s +%d' "$c" "$n"
	done
	echo
}
ROUTES="route 172.31.0.0/16 group 1 flags via_tunnel,gateway; route fd00:31::/64 group 2 flags via_tunnel,gateway"
if vta_start gw "$TOPO_SPEC" "$TOPO_ATTACH"; then
	warm_neigh
	layout kroute "$NT_DIR/kernel.json" \
		"route 172.31.0.0/16 kernel; route fd00:31::/64 kernel" "$ROUTES"
	layout noroute "$NT_DIR/kernel.json" \
		"unroute 172.31.0.0/16; unroute fd00:31::/64" "$ROUTES"
	layout unknownif "$NT_DIR/kernel.json" \
		"uniface eth1; uniface vti1; uniface vti2" "$TOPO_SPEC"
	layout lease "$NT_DIR/kernel.json" "config lease past" "config lease 3600s"
	if rmtu_routes add; then
		layout rmtu "$NT_DIR/kernel-rmtu.json" \
			"group 4 neigh vti1 via 169.254.12.37 weight 1; group 5 neigh vti1 via fd00:12::1 weight 1;
			 route 172.31.0.10/32 group 4 mtu $RMTU flags via_tunnel,gateway;
			 route fd00:31::10/128 group 5 mtu $RMTU flags via_tunnel,gateway" \
			"unroute 172.31.0.10/32; unroute fd00:31::10/128"
		rmtu_routes del
	else
		t_fail rmtu-setup "route with mtu $RMTU failed"
	fi
	if rmtu_routes add lock; then
		layout rmtu-lock "$NT_DIR/kernel-rmtu.json" \
			"route 172.31.0.10/32 kernel; route fd00:31::10/128 kernel" \
			"unroute 172.31.0.10/32; unroute fd00:31::10/128"
		rmtu_routes del lock
	else
		t_fail rmtu-lock-setup "route with mtu lock $RMTU failed"
	fi
	if ip -n "$(nt_name gw)" link set eth1 mtu $LANMTU; then
		layout lanmtu "$NT_DIR/kernel-lanmtu.json" "config lease 3600s" "config lease 3600s"
		layout lanmtu-lease "$NT_DIR/kernel-lanmtu.json" "config lease past" "config lease 3600s"
		ip -n "$(nt_name gw)" link set eth1 mtu 1500
	else
		t_fail lanmtu-setup "LAN MTU $LANMTU failed"
	fi
	layout setmss "$NT_DIR/kernel-setmss.json" \
		"iface vti1 mss4 1379 mss6 1379 flags up,sa_up,l2,mss_fixed; iface vti2 mss4 1379 mss6 1379 flags up,sa_up,l2,mss_fixed" \
		"$TOPO_SPEC"
	vta_stop
else
	t_fail setup "vta_static did not start again for the pass layouts"
fi
echo "--- differential counts per category (probes per direction: $("$NT_PY" "$PY" list | wc -l))"
printf '%s\n' "${SUMMARY[@]}"
t_summary
