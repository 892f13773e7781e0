#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Fidelity with real traffic (issue 11: items 1, 2, 3, 8): the seed's
# topology (tests/net/lib/topo.sh) with `vtiaccel run` on gw.  The same
# probe frames go from the LAN host towards the VPC host first through
# the kernel alone (the reference), then with the daemon and its
# programs; the VPC host counts what arrives.  Each case asserts that the
# count equals the kernel's and that the programs left the probes to the
# kernel under the expected counter (or forwarded them, for the
# controls).  The router settings change while the daemon runs, so the
# daemon must follow them (netconf events, route metrics):
#   - frames not addressed to gw (other MAC, broadcast, multicast);
#   - sources gw owns (LAN address, tunnel address), the LAN broadcast
#     (the kernel forwards it; passing is still right); IPv6 from gw's
#     own address (ip6_forward() forwards it, so do the programs);
#   - rp_filter strict on eth1, loose through all (no route back);
#   - IPv4 forwarding off on eth1, ip_forward=0, IPv6 forwarding off;
#   - a route MTU below the tunnels' (IPv4 with and without DF, IPv6);
#   - the tunnels' IPv6 MTU (net.ipv6.conf.DEV.mtu) below their link MTU
#     (no message announces it: the daemon reads it every renewal).
set -u
cd "$(dirname "$0")/../../.." || exit 1
. tests/net/lib/ns.sh
. tests/net/lib/topo.sh

nt_init dp-fid || exit 1
VTA=$NT_BUILD/vtiaccel
PROBE=$PWD/tests/net/dp/fid_probe.py
PORT=5555
N=20
SLOTS="0 1 2 3 4 5 6 7 8"

if [ ! -x "$VTA" ]; then
	t_fail setup "$VTA missing: make BUILD=... tests"
	t_summary; exit 1
fi
if ! topo_setup; then
	t_fail setup "building the namespaces failed"
	t_summary; exit 1
fi
GWMAC=$(nt_x gw cat /sys/class/net/eth1/address)
R4="nexthop via 169.254.12.37 dev vti1 nexthop via 169.254.14.229 dev vti2"
R6="nexthop via fd00:12::1 dev vti1 nexthop via fd00:14::1 dev vti2"
# the tunnels' IPv6 MTU sysctl (the link MTU until set), to restore it
M6="net.ipv6.conf.vti1.mtu=$(nt_x gw cat /proc/sys/net/ipv6/conf/vti1/mtu) net.ipv6.conf.vti2.mtu=$(nt_x gw cat /proc/sys/net/ipv6/conf/vti2/mtu)"
M6LOW="net.ipv6.conf.vti1.mtu=1300 net.ipv6.conf.vti2.mtu=1300"

# Cases: name | setup (ip/sysctl in gw) | restore | probe (send args after
# IFACE) | counter the programs count the probes under.  With forwarding
# off the END marker cannot pass gw: "noend" sends it after the restore.
CASES=(
"plain4|:|:|$GWMAC 10.16.16.10 172.31.0.10|fwd_to_tunnel"
"plain6|:|:|$GWMAC fd00:16::10 fd00:31::10|fwd_to_tunnel"
"mac-other4|:|:|02:00:00:00:00:99 10.16.16.10 172.31.0.10|pass_not_host"
"mac-bcast4|:|:|ff:ff:ff:ff:ff:ff 10.16.16.10 172.31.0.10|pass_not_host"
"mac-mcast6|:|:|33:33:00:00:00:01 fd00:16::10 fd00:31::10|pass_not_host"
"src-own-lan4|:|:|$GWMAC 10.16.16.254 172.31.0.10|pass_src_local"
"src-own-tunnel4|:|:|$GWMAC 169.254.12.38 172.31.0.10|pass_src_local"
"src-lan-bcast4|:|:|$GWMAC 10.16.16.255 172.31.0.10|pass_src_local"
"src-own-lan6|:|:|$GWMAC fd00:16::254 fd00:31::10|fwd_to_tunnel"
"rpf-strict-ok4|sysctl -qw net.ipv4.conf.eth1.rp_filter=1|sysctl -qw net.ipv4.conf.eth1.rp_filter=0|$GWMAC 10.16.16.10 172.31.0.10|fwd_to_tunnel"
"rpf-strict4|sysctl -qw net.ipv4.conf.eth1.rp_filter=1|sysctl -qw net.ipv4.conf.eth1.rp_filter=0|$GWMAC 172.31.7.7 172.31.0.10|pass_rpf"
"rpf-loose-all4|sysctl -qw net.ipv4.conf.all.rp_filter=2|sysctl -qw net.ipv4.conf.all.rp_filter=0|$GWMAC 198.51.100.7 172.31.0.10|pass_rpf"
"rpf-off-noroute4|:|:|$GWMAC 198.51.100.7 172.31.0.10|fwd_to_tunnel"
"fwd-off-dev4|sysctl -qw net.ipv4.conf.eth1.forwarding=0|sysctl -qw net.ipv4.conf.eth1.forwarding=1|$GWMAC 10.16.16.10 172.31.0.10 noend|pass_fwd_off"
"ip-forward-0|sysctl -qw net.ipv4.ip_forward=0|sysctl -qw net.ipv4.ip_forward=1|$GWMAC 10.16.16.10 172.31.0.10 noend|pass_fwd_off"
"fwd-off6|sysctl -qw net.ipv6.conf.all.forwarding=0|sysctl -qw net.ipv6.conf.all.forwarding=1|$GWMAC fd00:16::10 fd00:31::10 noend|pass_fwd_off"
"route-mtu4-df|ip route replace 172.31.0.0/16 mtu 1300 $R4|ip route replace 172.31.0.0/16 $R4|$GWMAC 10.16.16.10 172.31.0.10 df size=1400|pass_mtu"
"route-mtu4-frag|ip route replace 172.31.0.0/16 mtu lock 1300 $R4|ip route replace 172.31.0.0/16 $R4|$GWMAC 10.16.16.10 172.31.0.10 size=1400|pass_mtu"
"route-mtu4-fits|ip route replace 172.31.0.0/16 mtu 1300 $R4|ip route replace 172.31.0.0/16 $R4|$GWMAC 10.16.16.10 172.31.0.10 df size=1300|fwd_to_tunnel"
"route-mtu6|ip -6 route replace fd00:31::/64 mtu 1300 $R6|ip -6 route replace fd00:31::/64 $R6|$GWMAC fd00:16::10 fd00:31::10 size=1400|pass_mtu"
"dev-mtu6|sysctl -qw $M6LOW|sysctl -qw $M6|$GWMAC fd00:16::10 fd00:31::10 size=1400|pass_mtu"
"dev-mtu6-fits|sysctl -qw $M6LOW|sysctl -qw $M6|$GWMAC fd00:16::10 fd00:31::10 size=1300|fwd_to_tunnel"
"dev-mtu6-ipv4|sysctl -qw $M6LOW|sysctl -qw $M6|$GWMAC 10.16.16.10 172.31.0.10 df size=1400|fwd_to_tunnel"
)

# gw CMD...: a setup/restore line (sysctl or ip) in gw
gw_do() {
	# shellcheck disable=SC2086 # the case lines are word lists
	[ "$1" = : ] || nt_x gw $1 >/dev/null
}

# probe ARGS...: prints how many of N probes reached the VPC host; with
# noend in PROBE_OPTS the restore ($C_RESTORE) runs before the END marker
probe() {
	local out opts
	read -r -a opts <<<"${PROBE_OPTS:-}"
	# the background job truncates its output file only once it runs:
	# the previous receiver's "ready" must not be read as this one's
	rm -f "$NT_DIR/rcv.out"
	nt_bg rcv vpc "$NT_PY" "$PROBE" recv "$PORT" 10
	if ! wait_for "grep -q ready '$NT_DIR/rcv.out' 2>/dev/null || ! nt_alive rcv" 5 ||
	   ! grep -q ready "$NT_DIR/rcv.out"; then
		nt_kill rcv
		echo "no-receiver"
		return
	fi
	nt_x lan "$NT_PY" "$PROBE" send eth0 "$@" "$PORT" "$N" "${opts[@]}" \
		>/dev/null 2>"$NT_DIR/send.err"
	if [[ " ${PROBE_OPTS:-} " == *" noend "* ]]; then
		gw_do "$C_RESTORE"
		nt_x lan "$NT_PY" "$PROBE" end "$3" "$PORT" 2>>"$NT_DIR/send.err"
	fi
	wait_for "grep -qE '^(count|timeout)' '$NT_DIR/rcv.out' || ! nt_alive rcv" 12
	nt_kill rcv
	out=$(grep -E '^(count|timeout)' "$NT_DIR/rcv.out")
	echo "${out:-none}"
}

# The daemon's view of a probe, for waiting until it mirrored a change.
lookup_verdict() {
	local src=$2 dst=$3 len=64 a
	for a in "${@:4}"; do
		case $a in size=*) len=${a#size=} ;; esac
	done
	nt_net gw "$VTA" -j --pin-root "$NT_PIN" lookup "$dst" --from "$src" \
		--in eth1 --proto udp --sport 40000 --dport "$PORT" --len "$len" 2>/dev/null |
		"$NT_PY" -c 'import json,sys; print(json.load(sys.stdin)["verdict"]["counter"])' 2>/dev/null
}

split_case() {
	IFS='|' read -r C_NAME C_SETUP C_RESTORE C_PROBE C_COUNTER <<<"$1"
	# the probe's words: MAC SRC DST [df] [size=N]
	read -r -a C_ARGS <<<"$C_PROBE"
	PROBE_OPTS="${C_ARGS[*]:3}"
}

# --- the kernel alone --------------------------------------------------------
declare -A REF=()
for c in "${CASES[@]}"; do
	split_case "$c"
	gw_do "$C_SETUP"
	REF[$C_NAME]=$(probe "${C_ARGS[@]:0:3}")
	gw_do "$C_RESTORE"
done

# --- the same with vtiaccel ----------------------------------------------------
nt_bg daemon gw "$VTA" run --pin-root "$NT_PIN" --lan eth1 --tunnel 'vti*' \
	--xdp no
if ! wait_for "nt_net gw '$VTA' --pin-root '$NT_PIN' status >/dev/null 2>&1 || ! nt_alive daemon" 60 ||
   ! nt_alive daemon; then
	t_fail daemon "vtiaccel run did not get ready: $(tail -n 5 "$NT_DIR/daemon.out")"
	t_summary; exit 1
fi

for c in "${CASES[@]}"; do
	split_case "$c"
	gw_do "$C_SETUP"
	# wait until the daemon mirrored the change (the verdict lookup
	# derives from the maps; the controls forward)
	if ! wait_for "[ \"\$(lookup_verdict ${C_ARGS[*]})\" = $C_COUNTER ] || [ $C_COUNTER = pass_not_host ]" 10; then
		t_fail "$C_NAME" "the daemon did not mirror '$C_SETUP': lookup says $(lookup_verdict "${C_ARGS[@]}"), want $C_COUNTER"
		gw_do "$C_RESTORE"
		continue
	fi
	vta_snap a
	got=$(probe "${C_ARGS[@]:0:3}")
	vta_snap b
	gw_do "$C_RESTORE"
	moved=$(vta_delta "$SLOTS" "$C_COUNTER" a b)
	want=${REF[$C_NAME]}
	if [ "$got" != "$want" ] || [[ "$want" != count* ]]; then
		t_fail "$C_NAME" "VPC received '$got' with vtiaccel, '$want' from the kernel alone ($(sed -n 1p "$NT_DIR/send.err"))"
	elif [ "$moved" -lt "$N" ]; then
		t_fail "$C_NAME" "$C_COUNTER +$moved, want >= $N ($want like the kernel)"
	else
		t_pass "$C_NAME: $want of $N like the kernel, $C_COUNTER +$moved"
	fi
	# back to the plain state before the next case
	wait_for "[ \"\$(lookup_verdict $GWMAC 10.16.16.10 172.31.0.10)\" = fwd_to_tunnel ] && [ \"\$(lookup_verdict $GWMAC fd00:16::10 fd00:31::10)\" = fwd_to_tunnel ]" 10 ||
		nt_log "$C_NAME: restore not mirrored in 10 s"
done

nt_kill daemon
t_summary
