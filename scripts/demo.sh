#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# `sudo make demo`: the seed's whole gateway (lab/lab.sh) with vtiaccel,
# end to end, in a few minutes:
#   strongSwan (IKEv1, NAT-T through a 1:1 NAT as on EC2) + two VTIs + FRR
#   BGP ECMP + vtiaccel in place of the iptables rules; shows `vtiaccel
#   status`, drives traffic both ways, shows `vtiaccel stats` and the ECMP
#   spread, fails one tunnel and shows the flows moving, then summarises.
# Runs in network namespaces; in a throwaway qemu VM (tests/vm/vm-run)
# when the running kernel lacks ip_vti/esp4, with the guest's output
# streamed here.  Leaves nothing behind.
#
# Environment: BUILD (build directory, default build).

set -eu
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}

if [ "${1:-}" != --here ]; then
	[ "$(id -u)" = 0 ] || { echo "demo: run as root (sudo make demo)" >&2; exit 1; }
	[ -x "$BUILD/vtiaccel" ] || { echo "demo: no $BUILD/vtiaccel: make BUILD=$BUILD first" >&2; exit 1; }
	export VM_BUILD_DIR=${VM_BUILD_DIR:-$BUILD/vm} VM_TIMEOUT=${VM_TIMEOUT:-290}
	if ! how=$(tests/vm/vm-run --check 2>&1); then
		echo "demo: cannot run the lab here: ${how#vm-run: }" >&2
		exit 1
	fi
	echo "== vtiaccel demo: ${how#vm: }"
	exec tests/vm/vm-run "$PWD/scripts/demo.sh" --here
fi

# --- in the VM (or on a kernel with VTI) ------------------------------------

PY=/usr/bin/python3
LAB_P=demo-
. lab/lab.sh
trap lab_down EXIT
trap 'exit 130' INT TERM

step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "1. Bringing the lab up: lan -- cgw (the seed's router) -- wan (1:1 NAT, Elastic IP $LAB_CGW_EIP) -- aws -- vpc"
echo "   strongSwan IKEv1 + NAT-T, two VTIs, FRR BGP (AS 65016 <-> 64512), vtiaccel in cgw; this takes ~1 min under emulation (more on a busy host)"
lab_up || { echo "demo: the lab did not come up"; exit 1; }
up_time=$(lab_elapsed)

step "2. The gateway: tunnels, BGP ECMP route, no iptables rule"
run lab_swanctl "$LAB_CGW" --list-sas 2>/dev/null | grep -E '^[a-z]|INSTALLED' || true
run ip -n "$LAB_CGW" route show 172.31.0.0/16
printf '$ iptables-save | grep -c "^-A"   (in cgw)\n'
ip netns exec "$LAB_CGW" iptables-save | grep -c '^-A' || true
step "3. vtiaccel status"
run lab_vta status

step "4. Traffic lan <-> vpc: ping, TCP and UDP both ways (iperf3)"
lab_vta stats -j > "$LAB_DIR/s0.json"
run ip netns exec "$LAB_LAN" ping -n -q -c 10 -i 0.1 "$LAB_VPC_HOST" | tail -2
ip netns exec "$LAB_VPC" iperf3 -s -D -p 5201 -I "$LAB_DIR/iperf.pid" --logfile "$LAB_DIR/iperf.log"
wait_until 10 eval "ip netns exec $LAB_VPC ss -ltn | grep -q ':5201 '"
for args in "" "-R" "-u -b 10M" "-u -b 10M -R"; do
	# shellcheck disable=SC2086 # split on purpose
	printf '$ iperf3 -c %s -t 3 %s   ' "$LAB_VPC_HOST" "$args"
	ip netns exec "$LAB_LAN" iperf3 -c "$LAB_VPC_HOST" -p 5201 -t 3 $args -J |
		$PY -c 'import json,sys; d=json.load(sys.stdin)["end"]; s=d.get("sum_received") or d["sum"]
print("%.1f Mbit/s%s" % (s["bits_per_second"]/1e6, " (%s)" % ("vpc -> lan" if "-R" in sys.argv[1] else "lan -> vpc")))' "$args"
done
kill "$(cat "$LAB_DIR/iperf.pid")" 2>/dev/null || true
lab_vta stats -j > "$LAB_DIR/s1.json"
step "5. vtiaccel stats (what the fast path did; the kernel got the rest)"
run lab_vta stats
echo "   fast-path share of the transit packets during the traffic above:"
$PY lab/vta_share.py "$LAB_DIR/s0.json" "$LAB_DIR/s1.json" eth1 vti1 vti2 | sed 's/^/   /' || true

step "6. ECMP: 32 UDP flows from lan, hashed over both tunnels"
lab_vta stats -j > "$LAB_DIR/e0.json"
ip netns exec "$LAB_LAN" $PY lab/flows.py send "$LAB_VPC_HOST" 5001 --flows 32 --sport 41000 --pps 10 --seconds 2 >/dev/null
lab_vta stats -j > "$LAB_DIR/e1.json"
$PY - "$LAB_DIR/e0.json" "$LAB_DIR/e1.json" <<-'EOF'
	import json, sys
	def tx(p):
	    d = json.load(open(p))
	    return {i["name"]: i["counters"]["tx"]["packets"] for i in d["interfaces"] if i["role"] == "tunnel"}
	a, b = tx(sys.argv[1]), tx(sys.argv[2])
	tot = sum(b[k] - a.get(k, 0) for k in b) or 1
	for k in sorted(b):
	    print("   %s: %d packets sent into it by the fast path (%.0f%%)" % (k, b[k] - a.get(k, 0), 100.0 * (b[k] - a.get(k, 0)) / tot))
	EOF
for sport in 41000 41001 41002 41003; do
	printf '   flow lan:%s -> vpc:5001 takes ' $sport
	lab_vta lookup "$LAB_VPC_HOST" --from "$LAB_LAN_HOST" --proto udp --sport $sport --dport 5001 | grep -o 'into vti[0-9]*' || echo '?'
done

step "7. Failover: tunnel 1's IKE SA terminated under traffic (16 flows each way, 20 packets/s each)"
lab_traffic_start demo
t0=$(now_ms)
run lab_swanctl "$LAB_CGW" --terminate --ike gw1 2>/dev/null | tail -1
wait_until 20 lab_one_path || true
echo "   route now:"; ip -n "$LAB_CGW" route show 172.31.0.0/16 | sed 's/^/   /'
run lab_swanctl "$LAB_CGW" --initiate --child gw1 2>/dev/null | tail -1
wait_until 60 lab_both_ecmp || echo "   (ECMP did not come back within 60 s)"
back=$(($(now_ms) - t0))
wait_until 3 eval '[ $(($(now_ms) - t0 - back)) -ge 2000 ]' || true
lab_traffic_stop demo
echo "   ECMP restored ${back} ms after the termination; per-flow outage (each flow's longest gap):"
$PY lab/outage.py "   lan -> vpc" "$LAB_DIR/demo.up.json" 16 || true
$PY lab/outage.py "   vpc -> lan" "$LAB_DIR/demo.down.json" 16 || true
echo "   (about half the flows were on tunnel 2 and did not have to move: 'least' is the"
echo "   gap even those saw, a stall of the whole emulated guest rather than the failover)"

step "Summary"
cat <<EOF
- The seed's gateway ran in network namespaces: strongSwan negotiated both
  IKEv1 tunnels through a 1:1 NAT (NAT-T, UDP 4500), the updown script made
  vti1/vti2, and FRR learned 172.31.0.0/16 over both tunnels (ECMP).
  Lab up in $up_time.
- The gateway has no iptables or nftables rule: vtiaccel (tc/XDP programs
  plus a daemon mirroring the kernel's routes) forwarded LAN <-> tunnel
  traffic and clamped the TCP MSS instead (status and stats above: the
  fast-path share is the part of the transit packets it forwarded itself;
  the rest went through the kernel unchanged).
- ECMP: flows were spread over both tunnels by a flow hash, each flow on
  one tunnel.
- Failover: with tunnel 1 torn down the flows moved to tunnel 2 and came
  back when it returned; the outage per flow is printed above.
- Everything ran in namespaces that are deleted now.
EOF
