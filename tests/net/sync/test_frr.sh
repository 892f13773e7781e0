#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Real FRR peering: zebra + bgpd in a gateway namespace (AS 65016) and in
# a peer namespace (AS 64512, standing in for the Transit Gateway), eBGP
# over two veth "tunnels" vti1/vti2, ECMP for 172.31.0.0/16.  zebra's
# kernel nexthop groups on (RTA_NH_ID routes) and off (RTA_MULTIPATH);
# the maps must follow, also when one session goes down.
#
# Prints "frr: N passed, N failed[, N skipped]".
set -u
cd "$(dirname "$0")/../../.." || exit 1
BUILD=${BUILD:-build}
VTA=$(realpath "$BUILD/vtiaccel" 2>/dev/null)
MAPQ="/usr/bin/python3 $(pwd)/tests/net/sync/mapq.py"
P=$$
GW=vtaSY-fg-$P
PE=vtaSY-fp-$P
PIN=/sys/fs/bpf/vtaSY-frr-$P
TMP=$(mktemp -d /tmp/vtaSY-frr.XXXXXX)
chmod 755 "$TMP"
LOG=$TMP/daemon.log
DPID=
NPID=

. tests/net/sync/lib.sh

FRR=/usr/lib/frr

finish() {
	t_summary frr
	exit $?
}

frr_stop() {
	local f
	for f in "$TMP"/*/*.pid; do
		[ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
	done
	# wait for them to go (bounded), so a restart finds the sockets free
	local deadline=$(($(now_ms) + 5000))
	for f in "$TMP"/*/*.pid; do
		[ -f "$f" ] || continue
		while kill -0 "$(cat "$f")" 2>/dev/null && [ "$(now_ms)" -lt "$deadline" ]; do
			sleep 0.05
		done
		rm -f "$f"
	done
}

cleanup() {
	frr_stop
	sync_cleanup
}
trap cleanup EXIT
trap 'exit 1' INT TERM

if [ "$(id -u)" -ne 0 ]; then
	echo "frr: skipped: needs root"
	T_SKIP=1
	finish
fi
if [ ! -x "$FRR/zebra" ] || [ ! -x "$FRR/bgpd" ] || ! id frr > /dev/null 2>&1; then
	echo "frr: skipped: FRR (zebra, bgpd, user frr) not installed"
	T_SKIP=1
	finish
fi
[ -x "$VTA" ] || { t_fail "$BUILD/vtiaccel missing"; finish; }

# frr_start NS NAME ZEBRA_EXTRA BGPD_CONF: one zebra + bgpd, own paths.
frr_start() {
	local ns=$1 name=$2 zextra=$3 bconf=$4 d=$TMP/$2
	mkdir -p "$d"
	printf 'hostname %s\nlog file %s/zebra.log\n%s\n' "$name" "$d" "$zextra" > "$d/zebra.conf"
	printf '%s\n' "$bconf" > "$d/bgpd.conf"
	chown -R frr:frr "$d"
	ip netns exec "$ns" "$FRR/zebra" -d -N "$name" -f "$d/zebra.conf" \
		-i "$d/zebra.pid" -z "$d/zserv.api" --vty_socket "$d" \
		-u frr -g frr -P 0 > "$d/stdout" 2>> "$d/stderr" || return 1
	local deadline=$(($(now_ms) + 10000))
	while [ ! -S "$d/zserv.api" ]; do
		[ "$(now_ms)" -ge "$deadline" ] && return 1
		sleep 0.05
	done
	ip netns exec "$ns" "$FRR/bgpd" -d -N "$name" -f "$d/bgpd.conf" \
		-i "$d/bgpd.pid" -z "$d/zserv.api" --vty_socket "$d" \
		-u frr -g frr -P 0 > "$d/stdout" 2>> "$d/stderr"
}

vtysh_in() {
	local name=$1
	shift
	vtysh --vty_socket "$TMP/$name" "$@"
}

GW_BGP="frr defaults traditional
log file $TMP/gw/bgpd.log
router bgp 65016
 bgp router-id 169.254.10.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 169.254.10.2 remote-as 64512
 neighbor 169.254.10.2 timers connect 1
 neighbor 169.254.11.2 remote-as 64512
 neighbor 169.254.11.2 timers connect 1
 address-family ipv4 unicast
  network 10.16.1.0/24
  maximum-paths 4
 exit-address-family"

PE_BGP="frr defaults traditional
log file $TMP/pe/bgpd.log
router bgp 64512
 bgp router-id 169.254.10.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 169.254.10.1 remote-as 65016
 neighbor 169.254.10.1 timers connect 1
 neighbor 169.254.11.1 remote-as 65016
 neighbor 169.254.11.1 timers connect 1
 address-family ipv4 unicast
  network 172.31.0.0/16
  network 172.30.0.0/16
 exit-address-family"

sync_topo || { t_fail "build topology"; finish; }
IF1=$(ifidx vti1)
IF2=$(ifidx vti2)

notify_listener
start_daemon --xdp no
if wait_ready 300; then
	t_pass "vtiaccel ready"
else
	t_fail "vtiaccel not ready"
	tail -n 20 "$LOG"
	finish
fi

# run_case LABEL ZEBRA_EXTRA ROUTE_PATTERN
run_case() {
	local label=$1 zextra=$2 form=$3 deadline
	if ! frr_start "$PE" pe "" "$PE_BGP" || ! frr_start "$GW" gw "$zextra" "$GW_BGP"; then
		t_fail "$label: start FRR"
		return
	fi
	# BGP ECMP in the kernel (both tunnels), within the connect retries
	deadline=$(($(now_ms) + 60000))
	while :; do
		r=$(G route show 172.31.0.0/16)
		[ "$(G route show 172.31.0.0/16 | grep -c 'vti[12]')" -ge 2 ] && break
		if [ -n "$r" ] && echo "$r" | grep -q nhid; then
			id=$(echo "$r" | sed -nE 's/.*nhid ([0-9]+).*/\1/p')
			[ "$(G nexthop show id "$id" 2>/dev/null | grep -o '/' | wc -l)" -ge 1 ] && break
		fi
		if [ "$(now_ms)" -ge "$deadline" ]; then
			t_fail "$label: no BGP ECMP route after 60 s: $(G route show 172.31.0.0/16)"
			vtysh_in gw -c 'show bgp summary' | tail -n 6
			frr_stop
			return
		fi
		sleep 0.2
	done
	r=$(G route show 172.31.0.0/16 | tr '\n' ' ')
	if echo "$r" | grep -qE "$form"; then
		t_pass "$label: kernel route from FRR: $r"
	else
		t_fail "$label: unexpected route form: $r"
	fi
	wait_route "$label: ECMP over both tunnels in the map" 172.31.0.0/16 \
		"type 0 group * members $IF1:1,$IF2:1" 10
	wait_verify "$label: verify" 20

	# one session goes down: the kernel route and the map lose vti2
	vtysh_in pe -c 'configure terminal' -c 'router bgp 64512' \
		-c 'neighbor 169.254.11.1 shutdown' > /dev/null
	wait_route "$label: session over vti2 down" 172.31.0.0/16 \
		"type 0 group * members $IF1:1" 30
	wait_verify "$label: verify after failover" 20
	vtysh_in pe -c 'configure terminal' -c 'router bgp 64512' \
		-c 'no neighbor 169.254.11.1 shutdown' > /dev/null
	wait_route "$label: session over vti2 back" 172.31.0.0/16 \
		"type 0 group * members $IF1:1,$IF2:1" 60
	wait_verify "$label: verify after recovery" 20
	frr_stop
	# zebra removes its routes on exit
	deadline=$(($(now_ms) + 10000))
	while [ -n "$(G route show 172.31.0.0/16)" ] && [ "$(now_ms)" -lt "$deadline" ]; do
		sleep 0.1
	done
	wait_verify "$label: verify after FRR stopped" 20
}

run_case "nexthop groups" "" "nhid [0-9]+"
run_case "classic multipath" "no zebra nexthop kernel enable" "nexthop via"

kill -TERM "$DPID"
wait "$DPID"
DPID=
finish
