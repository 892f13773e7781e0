#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The tunnels' egress MSS clamp (vta_tun_out) with the real daemon, when
# the daemon is gone.  The oracle is the kernel with the seed's rule
#   iptables/ip6tables -t mangle -A FORWARD -o vtiN -p tcp -m tcp
#   --tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu
# and a route to the VPC host with an MTU metric (1419) below the tunnel's
# (1436): a set of SYN layouts (mss_diff.py probes: plain, SYN-ACK, no
# MSS, IPv4 options, IPv6 hop-by-hop, first fragments, atomic fragment,
# a cut header the rule drops) goes through gw with the rule, and then,
# with no rule, through `vtiaccel run --mss-mode pmtu`:
#
#   alive      the daemon runs (the fast path clamps, route MTU mirrored:
#              a DF packet above it gets the kernel's frag-needed)
#   killed     kill -9, then the lease runs out: every packet goes to the
#              kernel, only vta_tun_out can clamp
#   recreated  vti1 deleted and created again while no daemon runs, with
#              `vtiaccel clamp vti1` before it is set up (as
#              vtiaccel-updown does); first the same without it, as a
#              control: the SYNs must then arrive unclamped
#   restarted  the daemon again, then SIGTERM: the clamp stays attached
#              (ingress filters go); `vtiaccel detach` removes it
#
# What reaches aws is compared byte for byte with the reference (the
# accepted differences of mss_diff.py compare).  Each probe of each phase
# is one test.
set -u
cd "$(dirname "$0")/../../.." || exit 1
. tests/net/lib/ns.sh
. tests/net/lib/topo.sh

nt_init dp-clamp || exit 1
# The daemon leaves the clamp's program pinned (progs/) when it dies.
clamp_cleanup() {
	local rc=$?
	[ -n "${NT_PIN:-}" ] && rm -rf "$NT_PIN" 2>/dev/null
	(exit "$rc")
	nt_cleanup
}
trap clamp_cleanup EXIT
PY=tests/net/dp/mss_diff.py
VTA=$NT_BUILD/vtiaccel
RMTU=1419
PROBES=v4-mss-above,v4-linux-syn,v4-no-options,v4-synack-mss-above,v4-ip-opt-nop,v4-frag-first-mss,v4-frag-first-ipopts-mss,v4-doff4,v6-mss-above,v6-no-options,v6-hbh-mss,v6-frag-first-mss,v6-hbh-frag-first-mss,v6-atomic-frag-mss,v6-atomic-frag-no-mss

if [ ! -x "$VTA" ]; then
	t_fail setup "$VTA missing (make BUILD=... tests)"
	t_summary; exit 1
fi
if ! topo_setup; then
	t_fail setup "building the namespaces failed"
	t_summary; exit 1
fi
ip -n "$(nt_name aws)" route add blackhole 172.31.0.10/32
ip -n "$(nt_name aws)" -6 route add blackhole fd00:31::10/128
GW_MAC=$(nt_x gw cat /sys/class/net/eth1/address)

rmtu_routes() {
	ip -n "$(nt_name gw)" route replace 172.31.0.10/32 via 169.254.12.37 dev vti1 mtu $RMTU &&
	ip -n "$(nt_name gw)" -6 route replace fd00:31::10/128 via fd00:12::1 dev vti1 mtu $RMTU
}
warm_neigh() {
	local a
	for a in 169.254.12.37 169.254.14.229 fd00:12::1 fd00:14::1 10.16.16.10 fd00:16::10; do
		nt_x gw ping -c 1 -W 2 "$a" >/dev/null 2>&1
	done
}
probe() {	# OUT [--expect FILE]
	local out=$1; shift
	"$NT_PY" "$PY" probe --only "$PROBES" --send-ns "$(nt_name lan)" --send-if eth0 \
		--dst-mac "$GW_MAC" --cap-ns "$(nt_name aws)" --cap-if vti1,vti2 \
		--out "$NT_DIR/$out.json" "$@"
}
# compare TAG: ours-TAG.json against the reference, one test per probe
compare() {
	local p f
	"$NT_PY" "$PY" compare "$NT_DIR/kernel.json" "$NT_DIR/ours-$1.json" >"$NT_DIR/cmp-$1.out"
	grep -v '^RESULT' "$NT_DIR/cmp-$1.out" | sed -e "s/^\(ok  \|FAIL\) /\1 $1-/"
	read -r _ p f _ < <(grep '^RESULT' "$NT_DIR/cmp-$1.out")
	if [ -z "${p:-}" ]; then
		t_fail "$1-compare" "comparator failed"
	else
		T_PASS=$((T_PASS + p)) T_FAIL=$((T_FAIL + f))
	fi
}
vta() { nt_net gw "$VTA" --pin-root "$NT_PIN" "$@"; }
# frag_needed_1419: a DF packet one byte above the route MTU (1420 bytes)
# from lan gets gw's frag-needed with mtu 1419 (lan's cached PMTU first
# flushed, or it would not even send)
frag_needed_1419() {
	ip -n "$(nt_name lan)" route flush cache
	nt_x lan ping -n -c 1 -W 2 -M "do" -s $((RMTU + 1 - 28)) 172.31.0.10 2>&1 |
		grep -q "mtu = $RMTU"
}
# status exit code: 0 healthy, 1 lease expired (run.c, cli.c)
status_is() { vta status >/dev/null 2>&1; [ $? -eq "$1" ]; }
start_daemon() {
	nt_bg vtad gw "$VTA" --pin-root "$NT_PIN" run --lan eth1 --tunnel 'vti*' \
		--mss-mode pmtu --xdp no --lease-ms 1000 --renew-ms 200
	if ! wait_for "status_is 0" 60; then
		t_fail "$1" "vtiaccel run did not get healthy in 60 s"
		cat "$NT_DIR/vtad.out" >&2
		return 1
	fi
}
# filter_on DEV ingress|egress NAME: the kernel runs a program NAME... on
# that hook, a tcx link (attach = auto on Linux 6.6+) or a tc filter
filter_on() {
	nt_x gw "$NT_PY" tests/net/lib/hookprogs.py "$1" "$2" 2>/dev/null |
		grep -q " $3"
}
# recreate_vti1 [clamp]: delete vti1 and make it again as an updown
# script would, with `vtiaccel clamp` before the link goes up.
recreate_vti1() {
	local gw aws
	gw=$(nt_name gw) aws=$(nt_name aws)
	ip -n "$gw" link del vti1 || return 1
	ip -n "$gw" link add vti1 type veth peer name vti1 netns "$aws" || return 1
	ip -n "$aws" link set vti1 mtu "$TOPO_MTU" up
	ip -n "$aws" addr add 169.254.12.37/30 dev vti1
	ip -n "$aws" addr add fd00:12::1/64 dev vti1 nodad
	ip -n "$gw" link set vti1 mtu "$TOPO_MTU"
	ip -n "$gw" addr add 169.254.12.38/30 dev vti1
	ip -n "$gw" addr add fd00:12::2/64 dev vti1 nodad
	if [ "${1:-}" = clamp ]; then
		vta clamp vti1 || return 1
	fi
	ip -n "$gw" link set vti1 up &&
	rmtu_routes
}

# --- reference: the kernel with the seed's rule -------------------------------
rmtu_routes || { t_fail setup "route with mtu $RMTU"; t_summary; exit 1; }
for ipt in iptables ip6tables; do
	for dev in vti1 vti2; do
		if ! nt_x gw "$ipt" -t mangle -A FORWARD -o "$dev" -p tcp -m tcp \
			--tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu; then
			t_skip clamp-daemon "cannot install the seed's TCPMSS rule in a namespace ($ipt)"
			t_summary; exit 0
		fi
	done
done
warm_neigh
probe kernel
t_check "reference: a 1420-byte DF packet gets frag-needed with mtu $RMTU (the route's)" \
	-m "the kernel did not answer as expected" frag_needed_1419
"$NT_PY" "$PY" --clamp4 $((RMTU - 40)) --clamp6 $((RMTU - 60)) model --out "$NT_DIR/model.json"
# the model holds every probe; the reference only the ones sent
"$NT_PY" - "$NT_DIR/kernel.json" "$NT_DIR/model.json" <<'EOF'
import json, sys
k = json.load(open(sys.argv[1]))
m = json.load(open(sys.argv[2]))
json.dump({n: m[n] for n in k}, open(sys.argv[2], "w"))
EOF
"$NT_PY" "$PY" compare "$NT_DIR/kernel.json" "$NT_DIR/model.json" >"$NT_DIR/model.cmp"
read -r _ p f _ < <(grep '^RESULT' "$NT_DIR/model.cmp")
if [ "${f:-1}" -ne 0 ]; then
	grep -A6 '^FAIL' "$NT_DIR/model.cmp" | head -n 30
	t_fail reference "the kernel's rule does not clamp to the route MTU $RMTU as modelled"
	t_summary; exit 1
fi
t_pass "reference: the kernel's rule = model (clamp to route MTU $RMTU - 40/60) on $p probes"
for ipt in iptables ip6tables; do
	for dev in vti1 vti2; do
		nt_x gw "$ipt" -t mangle -D FORWARD -o "$dev" -p tcp -m tcp \
			--tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu
	done
done

# --- alive ----------------------------------------------------------------------
start_daemon alive || { t_summary; exit 1; }
t_check "alive: vta_tun_out on tc egress of vti1 and vti2" -m "egress filter missing" \
	eval 'filter_on vti1 egress vta_tun_out && filter_on vti2 egress vta_tun_out'
t_check "alive: status shows the clamp on vti1" -m "status -j has no tc_egress.prog vta_tun_out for vti1" \
	eval "vta -j status | jq -e '.interfaces[] | select(.name == \"vti1\") | .tc_egress.prog == \"vta_tun_out\"' >/dev/null"
warm_neigh
probe ours-alive --expect "$NT_DIR/kernel.json"
compare alive
t_check "alive: a 1420-byte DF packet gets frag-needed with mtu $RMTU (route MTU mirrored: pass_mtu)" \
	-m "no frag-needed with mtu $RMTU: the fast path forwarded it" frag_needed_1419

# --- killed: kill -9, lease expired ------------------------------------------------
kill -KILL "${NT_PID[vtad]}"
wait "${NT_PID[vtad]}" 2>/dev/null
unset "NT_PID[vtad]"
if wait_for "status_is 1" 10; then
	t_pass "killed: lease expired after kill -9 (status 1)"
else
	t_fail killed "lease still live 10 s after kill -9"
fi
t_check "killed: vta_tun_out still on tc egress of vti1" -m "egress filter gone" \
	filter_on vti1 egress vta_tun_out
vta stats >"$NT_DIR/stats.a" 2>&1
probe ours-killed --expect "$NT_DIR/kernel.json"
vta stats >"$NT_DIR/stats.b" 2>&1
compare killed
grep -E 'pass_lease|out_mss' "$NT_DIR/stats.b" | sed 's/^/killed: counters after: /'

# --- recreated while no daemon runs -------------------------------------------------
if recreate_vti1; then
	warm_neigh
	probe ours-control
	"$NT_PY" "$PY" compare "$NT_DIR/kernel.json" "$NT_DIR/ours-control.json" >"$NT_DIR/cmp-control.out"
	read -r _ p f _ < <(grep '^RESULT' "$NT_DIR/cmp-control.out")
	# no rule and no clamp: at least the SYNs with an MSS above the clamp
	# (and those the rule would give one) arrive as they were sent
	if [ "${f:-0}" -ge 8 ]; then
		t_pass "control: vti1 re-created without the clamp: $f of $((p + f)) probes differ from the rule's result"
	else
		t_fail control "vti1 re-created without the clamp, yet only ${f:-?} probes differ: the test cannot see a missing clamp"
	fi
else
	t_fail control "re-creating vti1 failed"
fi
if recreate_vti1 clamp; then
	t_check "recreated: vta_tun_out on the new vti1 (vtiaccel clamp)" -m "egress filter missing" \
		filter_on vti1 egress vta_tun_out
	warm_neigh
	probe ours-recreated --expect "$NT_DIR/kernel.json"
	compare recreated
else
	t_fail recreated "re-creating vti1 with vtiaccel clamp failed"
fi

# --- restarted, then SIGTERM, then detach --------------------------------------------
if start_daemon restarted; then
	warm_neigh
	probe ours-restarted --expect "$NT_DIR/kernel.json"
	compare restarted
	nt_kill vtad
	t_check "stopped: SIGTERM took the ingress filters off" -m "tc ingress filter left" \
		eval '! filter_on eth1 ingress vta_ && ! filter_on vti1 ingress vta_'
	t_check "stopped: the clamp stays on tc egress of vti1 and vti2" -m "egress filter gone" \
		eval 'filter_on vti1 egress vta_tun_out && filter_on vti2 egress vta_tun_out'
	probe ours-stopped --expect "$NT_DIR/kernel.json"
	compare stopped
	vta detach >/dev/null
	t_check "detach: the clamp is removed" -m "egress filter left" \
		eval '! filter_on vti1 egress vta_ && ! filter_on vti2 egress vta_'
	t_check "detach: the pins are removed" -m "$NT_PIN still there" eval "[ ! -e '$NT_PIN' ]"
fi
t_summary
