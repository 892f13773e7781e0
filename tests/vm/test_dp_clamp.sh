#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The tunnels' egress MSS clamp (vta_tun_out) on a real VTI + ESP, after
# `kill -9` of the daemon.  Seed-like gateway with manual SAs (dp_lib.sh):
#
#	lan 10.16.16.10 eth0 -- eth1 10.16.16.254  gw  pub0 192.0.2.1
#	    == ESP ==  pub0 192.0.2.2  peer  eth1 172.31.0.1 -- eth0 172.31.0.10 vpc
#
# A set of crafted IPv4 SYN layouts (tests/net/dp/mss_diff.py probes: MSS
# above the clamp, a Linux SYN, no MSS, SYN-ACK, IPv4 options, first
# fragments, a header the rule drops) goes lan -> vpc through gw's vti1:
# first on the kernel path with the seed's rule (the reference), then with
# `vtiaccel run --mss-mode pmtu` alive, then after kill -9 once the lease
# has expired (every packet is the kernel's: only vta_tun_out, on tc egress
# of the VTI where packets have no L2 header, can clamp).  What vpc
# receives must be byte for byte the reference.

. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/dp_lib.sh"

dp_require jq tc

MSS_PY="/usr/bin/python3 $DP_HERE/../net/dp/mss_diff.py"
PROBES=v4-mss-above,v4-linux-syn,v4-no-options,v4-synack-mss-above,v4-ip-opt-nop,v4-frag-first-mss,v4-frag-first-ipopts-mss,v4-doff4

# probe OUT [--expect FILE]: the probes from lan, captured at vpc.
probe() {
	local out=$1
	shift
	$MSS_PY probe --only "$PROBES" --send-ns "$LAN" --send-if eth0 \
		--dst-mac "$GW_MAC" --cap-ns "$VPC" --cap-if eth0 --out "$out" "$@"
}
# same TAG: ours (TAG) against the reference, each probe a check.
same() {
	local p f
	$MSS_PY compare "$T_TMP/kernel.json" "$T_TMP/$1.json" > "$T_TMP/$1.cmp" 2>&1
	sed 's/^/# /' "$T_TMP/$1.cmp"
	read -r _ p f _ < <(grep '^RESULT' "$T_TMP/$1.cmp")
	t_check "$1: ${p:-?} of 8 probes arrive at vpc as the seed's rule makes them" \
		test "${p:-0}" -eq 8 -a "${f:-1}" -eq 0
}
# status exits 1 when the maps are loaded but the lease has expired
lease_expired() {
	local rc=0
	vta status >/dev/null 2>&1 || rc=$?
	[ "$rc" = 1 ]
}

t_cleanup dp_netns_del
dp_seed_topology
GW_MAC=$(ip -n "$GW" -j link show eth1 | jq -r '.[0].address')
# vpc must not answer the SYNs (RSTs would come back through gw)
ip -n "$VPC" route add blackhole 10.16.16.10/32 2>/dev/null || true
t_check "kernel path: gw reaches peer over ESP within 20 s" \
	wait_until 20 ping_ok "$GW" 169.254.12.37

# --- reference: the kernel with the seed's rule -----------------------------
if ! ns_exec "$GW" iptables -t mangle -I FORWARD -o vti1 -p tcp -m tcp \
	--tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu 2>"$T_TMP/ipt.err"; then
	t_skip_all "iptables TCPMSS unavailable: $(cat "$T_TMP/ipt.err")"
fi
# (3 s of quiet end it, not 1: a stalled guest may hold the first
# forwarded probes back while it resolves vpc's address)
probe "$T_TMP/kernel.json" --quiet 3
ns_exec "$GW" iptables -t mangle -D FORWARD -o vti1 -p tcp -m tcp \
	--tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu
t_check "reference: 7 of 8 probes reach vpc (the rule drops doff 4)" \
	test "$(jq '[.[] | select(. != null)] | length' "$T_TMP/kernel.json")" -eq 7

# --- vtiaccel alive -----------------------------------------------------------
dp_daemon_start --mss-mode pmtu --xdp no --lease-ms 1000 --renew-ms 200
f0=$T_FAIL
t_check "vtiaccel run: maps match the kernel (verify) within 90 s" wait_until 90 vta_verify
[ "$T_FAIL" = "$f0" ] || dp_daemon_why
t_check "vti1 has vta_tun_out on tc egress" \
	hook_has "$GW" vti1 egress vta_tun_out
probe "$T_TMP/alive.json" --expect "$T_TMP/kernel.json"
same alive

# --- kill -9, lease expired ---------------------------------------------------
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null || true
t_check "kill -9: the lease expires (status exit 1) within 10 s" \
	wait_until 10 lease_expired
t_check "kill -9: vta_tun_out still on tc egress of vti1" \
	hook_has "$GW" vti1 egress vta_tun_out
c0=$(dp_counter vti1 out_mss_clamped)
probe "$T_TMP/killed.json" --expect "$T_TMP/kernel.json"
same killed
t_check "kill -9: the SYNs were clamped by vta_tun_out (vti1 out_mss_clamped)" \
	dp_grew out_mss_clamped "$(dp_counter vti1 out_mss_clamped)" "${c0:-0}" 4
t_check "vtiaccel detach removes the clamp" \
	eval "vta detach >/dev/null && ! hook_has $GW vti1 egress vta_"
t_check "no xfrm errors in gw" test -z "$(dp_xfrm_errors "$GW")"
