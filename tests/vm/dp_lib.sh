# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash disable=SC2034 # PKT, names: used by the scripts that source this
#
# The setup that the vm-tier data-path tests (tests/vm/test_dp_*.sh,
# test_vti_esp.sh) and bench/esp_forward.sh share: the seed's VTI + manual
# ESP SAs between two namespaces, the four-namespace topology
#
#	lan 10.16.16.10 eth0 -- eth1 10.16.16.254  gw  pub0 192.0.2.1
#	    == ESP ==  pub0 192.0.2.2  peer  eth1 172.31.0.1 -- eth0 172.31.0.10 vpc
#	gw vti1 169.254.12.38/30 <-> peer vti1 169.254.12.37/30
#
# and the vtiaccel daemon in gw.  Source it after tests/vm/lib.sh (or, in a
# benchmark, after setting T_PREFIX and T_TMP and defining ns_exec).  The
# batch builders only print `ip -batch` lines: every `ip` costs ~80 ms
# under emulation, one batch per namespace does not.
#
# What differs between users is a parameter: DP_CIPHER (aes128-sha1, the
# seed's; null; aes-gcm), DP_REPLAY (replay window, 1024 as AWS), DP_NATT=1
# (ESP-in-UDP 4500), marks/keys/SPIs as arguments.

DP_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$DP_HERE/../../$BUILD ;; esac
VTA=$BUILD/vtiaccel
PKT="/usr/bin/python3 $DP_HERE/dp_pkt.py"

LAN=${T_PREFIX}lan
GW=${T_PREFIX}gw
PEER=${T_PREFIX}peer
VPC=${T_PREFIX}vpc
PIN=/sys/fs/bpf/${T_PREFIX}
LAN_IP=10.16.16.10
VPC_IP=172.31.0.10
GW_PUB=192.0.2.1
PEER_PUB=192.0.2.2

DP_CIPHER=${DP_CIPHER:-aes128-sha1}
DP_REPLAY=${DP_REPLAY:-1024}
DP_NATT=${DP_NATT:-}
DP_VTI_MTU=${DP_VTI_MTU:-1436}

# Two key sets: one end encrypts with set 1 and decrypts with set 2, the
# other end the reverse (KEYS argument below).
DP_K1=0x000102030405060708090a0b0c0d0e0f
DP_A1=0x101112131415161718191a1b1c1d1e1f20212223
DP_K2=0x303132333435363738393a3b3c3d3e3f
DP_A2=0x404142434445464748494a4b4c4d4e4f50515253

# dp_require [TOOL...]: skip the whole test unless vtiaccel is built, the
# tools exist and the kernel has VTI + ESP.
dp_require() {
	local t
	[ -x "$VTA" ] || t_skip_all "$VTA not built (make BUILD=... tests)"
	for t in "$@"; do
		command -v "$t" >/dev/null || t_skip_all "$t not found"
	done
	load_modules ip_vti esp4 xfrm_user ||
		t_skip_all "kernel $(uname -r) lacks ip_vti/esp4/xfrm_user (run through tests/vm/vm-run)"
}

# dp_algs SET: the `ip xfrm state` algorithm of DP_CIPHER with key set SET.
dp_algs() {
	local k=$DP_K1 a=$DP_A1
	[ "$1" = 1 ] || k=$DP_K2 a=$DP_A2
	case $DP_CIPHER in
	aes128-sha1) echo "auth-trunc hmac(sha1) $a 96 enc cbc(aes) $k" ;;
	# ecb(cipher_null) + digest_null: ESP framing without crypto cost
	null) echo "auth digest_null \"\" enc ecb(cipher_null) \"\"" ;;
	# 128-bit key + 4-byte salt, 16-byte ICV
	aes-gcm) echo "aead rfc4106(gcm(aes)) ${k}01020304 128" ;;
	*) echo "dp_algs: unknown cipher $DP_CIPHER" >&2; return 1 ;;
	esac
}

# dp_sa_batch LOCAL REMOTE OUT_SPI IN_SPI KEYS MARK [REQID]: one end's two
# SAs of one tunnel, tunnel mode.  The outbound SA carries MARK, the
# inbound one is unmarked (strongSwan's default mark_in_sa = no).  KEYS 1:
# this end encrypts with key set 1, decrypts with set 2; KEYS 2: the
# reverse.  REQID defaults to 1.
dp_sa_batch() {
	local o=$5 i=2 encap='' reqid=${7:-1}
	[ "$o" = 1 ] || i=1
	[ -z "$DP_NATT" ] || encap="encap espinudp 4500 4500 0.0.0.0"
	echo "xfrm state add src $1 dst $2 proto esp spi $3 reqid $reqid mode tunnel replay-window $DP_REPLAY mark $6 $(dp_algs "$o") $encap"
	echo "xfrm state add src $2 dst $1 proto esp spi $4 reqid $reqid mode tunnel replay-window $DP_REPLAY $(dp_algs "$i") $encap"
}

# dp_tunnel_batch DEV LOCAL REMOTE IN_LOCAL IN_REMOTE OUT_SPI IN_SPI KEYS MARK [REQID]:
# the seed's VTI (ikey = okey = MARK, /30 inside addresses, MTU
# DP_VTI_MTU), the marked catch-all policies (out, in, fwd) and the SAs.
dp_tunnel_batch() {
	local reqid=${10:-1}
	cat <<-EOF
	link add $1 type vti local $2 remote $3 ikey $9 okey $9
	addr add $4/30 remote $5/30 dev $1
	link set $1 up mtu $DP_VTI_MTU
	xfrm policy add dir out src 0.0.0.0/0 dst 0.0.0.0/0 mark $9 tmpl src $2 dst $3 proto esp reqid $reqid mode tunnel
	xfrm policy add dir in src 0.0.0.0/0 dst 0.0.0.0/0 mark $9 tmpl src $3 dst $2 proto esp reqid $reqid mode tunnel
	xfrm policy add dir fwd src 0.0.0.0/0 dst 0.0.0.0/0 mark $9 tmpl src $3 dst $2 proto esp reqid $reqid mode tunnel
	EOF
	dp_sa_batch "$2" "$3" "$6" "$7" "$8" "$9" "$reqid"
}

# dp_sysctls NS VTI...: the seed's sysctls (ipsec-vti.sh and its boot-time
# part): forwarding, no policy/xfrm on the public interface, no policy and
# loose rp_filter on the VTIs.
dp_sysctls() {
	local ns=$1 v s=
	shift
	for v in "$@"; do
		s="$s net.ipv4.conf.$v.disable_policy=1 net.ipv4.conf.$v.rp_filter=2"
	done
	# shellcheck disable=SC2086
	ip netns exec "$ns" sysctl -q -w net.ipv4.ip_forward=1 \
		net.ipv4.conf.pub0.disable_xfrm=1 net.ipv4.conf.pub0.disable_policy=1 $s
}

# dp_netns_del: the cleanup of dp_topology (and of what failed half-way).
dp_netns_del() {
	local ns
	for ns in "$LAN" "$GW" "$PEER" "$VPC"; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$PIN"
	return 0
}

# dp_topology GW_LINES PEER_LINES: the four namespaces and their veths,
# lan and vpc configured, then gw and peer from the given batch lines
# (dp_seed_end for the usual single tunnel).  The caller registers
# dp_netns_del as cleanup first.
dp_topology() {
	local ns
	for ns in "$LAN" "$GW" "$PEER" "$VPC"; do ip netns add "$ns"; done
	ip -n "$GW" link add eth1 type veth peer name eth0 netns "$LAN"
	ip -n "$GW" link add pub0 type veth peer name pub0 netns "$PEER"
	ip -n "$PEER" link add eth1 type veth peer name eth0 netns "$VPC"
	printf '%s\n' "$1" > "$T_TMP/gw.batch"
	printf '%s\n' "$2" > "$T_TMP/peer.batch"
	ip -n "$GW" -batch "$T_TMP/gw.batch"
	ip -n "$PEER" -batch "$T_TMP/peer.batch"
	printf '%s\n' "addr add $LAN_IP/24 dev eth0" "link set eth0 up" \
		"route add default via 10.16.16.254" | ip -n "$LAN" -batch -
	printf '%s\n' "addr add $VPC_IP/24 dev eth0" "link set eth0 up" \
		"route add default via 172.31.0.1" | ip -n "$VPC" -batch -
}

# dp_seed_end gw|peer: the batch of one end of the single-tunnel
# topology: public and inside addresses, vti1 (keys 100) with its SAs,
# the route to the other side through vti1.
dp_seed_end() {
	if [ "$1" = gw ]; then
		printf '%s\n' "addr add $GW_PUB/24 dev pub0" "link set pub0 up" \
			"addr add 10.16.16.254/24 dev eth1" "link set eth1 up"
		dp_tunnel_batch vti1 $GW_PUB $PEER_PUB 169.254.12.38 169.254.12.37 \
			0xc0de0001 0xc0de0002 1 100
		echo "route add 172.31.0.0/16 dev vti1"
	else
		printf '%s\n' "addr add $PEER_PUB/24 dev pub0" "link set pub0 up" \
			"addr add 172.31.0.1/24 dev eth1" "link set eth1 up"
		dp_tunnel_batch vti1 $PEER_PUB $GW_PUB 169.254.12.37 169.254.12.38 \
			0xc0de0002 0xc0de0001 2 100
		echo "route add 10.16.16.0/24 dev vti1"
	fi
}

# dp_seed_topology: dp_topology with one seed-like tunnel, sysctls set.
dp_seed_topology() {
	dp_topology "$(dp_seed_end gw)" "$(dp_seed_end peer)"
	dp_sysctls "$GW" vti1
	dp_sysctls "$PEER" vti1
}

# dp_set_sas NS gw|peer: replace the SAs of the single tunnel (after
# DP_CIPHER or DP_NATT changed).
dp_set_sas() {
	ip -n "$1" xfrm state flush
	if [ "$2" = gw ]; then
		dp_sa_batch $GW_PUB $PEER_PUB 0xc0de0001 0xc0de0002 1 100
	else
		dp_sa_batch $PEER_PUB $GW_PUB 0xc0de0002 0xc0de0001 2 100
	fi > "$T_TMP/sa-$2.batch"
	ip -n "$1" -batch "$T_TMP/sa-$2.batch"
}

# --- vtiaccel in gw --------------------------------------------------------

# Not through `ip netns exec`: its fresh /sys hides the bpffs the pin root
# needs; nsenter --net keeps this mount namespace.
vta() { nsenter --net="/run/netns/$GW" "$VTA" --pin-root "$PIN" "$@"; }
vta_verify() { vta verify --lan eth1 --wan pub0 --tunnel 'vti*' >/dev/null 2>&1; }

# dp_daemon_start [OPTION...]: `vtiaccel run` in gw for eth1/pub0/vti*
# (with the configuration file DP_CONF when set), output appended to
# $T_TMP/daemon.log; its PID in DPID (cleanup registered when lib.sh's
# t_cleanup exists).
dp_daemon_start() {
	nsenter --net="/run/netns/$GW" "$VTA" ${DP_CONF:+--config "$DP_CONF"} \
		run --pin-root "$PIN" --lan eth1 --wan pub0 \
		--tunnel 'vti*' "$@" >> "$T_TMP/daemon.log" 2>&1 &
	DPID=$!
	! declare -F t_cleanup >/dev/null || t_cleanup t_bg_kill "$DPID"
}

# dp_daemon_why: after a failed readiness check, what the daemon said and
# what verify finds.
dp_daemon_why() {
	sed 's/^/    daemon: /' "$T_TMP/daemon.log" | tail -20
	vta verify --lan eth1 --wan pub0 --tunnel 'vti*' 2>&1 | head -20 | sed 's/^/    verify: /'
}

# dp_counter IFACE COUNTER [packets|bytes]: one counter of `vtiaccel stats -j`.
dp_counter() {
	vta stats -j | jq -r --arg i "$1" --arg c "$2" --arg f "${3:-packets}" \
		'.interfaces[] | select(.name == $i) | .counters[$c][$f]'
}

# dp_counters_info: the non-zero packet counters per interface, one line.
dp_counters_info() {
	vta stats -j | jq -c '[.interfaces[] | {(.name): (.counters |
		with_entries(select(.value.packets > 0)) | map_values(.packets))}] | add'
}

# --- checks ----------------------------------------------------------------

ping_ok() { ns_exec "$1" ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1; }

# dp_grew WHAT NOW BEFORE MIN: NOW - BEFORE >= MIN, else say by how much.
dp_grew() {
	[ "$(($2 - $3))" -ge "$4" ] || { echo "  $1 grew by $(($2 - $3)), expected >= $4"; return 1; }
}

# dp_at_least WHAT VALUE MIN: VALUE (possibly empty) >= MIN.
dp_at_least() {
	if [ -z "$2" ] || [ "$2" -lt "$3" ]; then
		echo "  $1 = ${2:-?}, expected >= $3"
		return 1
	fi
}

# dp_sa_pkts NS SRC DST SPI [MARK]: the packet count of one SA.
dp_sa_pkts() {
	ip -n "$1" -s xfrm state get src "$2" dst "$3" proto esp spi "$4" ${5:+mark $5} |
		awk '/lifetime current:/ { getline; sub(/.*\(bytes\), */, ""); sub(/\(packets\).*/, ""); print; exit }'
}

# dp_capture_crafted vpc-lan|lan-vpc OUT [N]: dp_pkt.py's crafted
# sequence (UDP, TCP, ICMP) sent across the tunnel in that direction,
# captured at the receiving end into OUT until N packets (default 10, all
# of it) arrived or 15 s passed.
dp_capture_crafted() {
	local out=$2 n=${3:-10} pid sns rns sip dip smac nmac
	if [ "$1" = vpc-lan ]; then
		sns=$VPC rns=$LAN sip=$VPC_IP dip=$LAN_IP
		smac=$(ip -n "$VPC" -j link show eth0 | jq -r '.[0].address')
		nmac=$(ip -n "$PEER" -j link show eth1 | jq -r '.[0].address')
	else
		sns=$LAN rns=$VPC sip=$LAN_IP dip=$VPC_IP
		smac=$(ip -n "$LAN" -j link show eth0 | jq -r '.[0].address')
		nmac=$(ip -n "$GW" -j link show eth1 | jq -r '.[0].address')
	fi
	ns_exec "$rns" tcpdump -i eth0 -n -U -Z root -c "$n" -w "$out" \
		"src host $sip and dst host $dip and (udp or tcp or icmp)" 2>"$out.err" &
	pid=$!
	wait_until 15 grep -q 'listening on' "$out.err" || { kill "$pid"; return 1; }
	ns_exec "$sns" $PKT send eth0 "$smac" "$nmac" $sip $dip >/dev/null
	if ! wait_pid_gone 15 "$pid"; then
		kill "$pid"; wait "$pid" 2>/dev/null
		echo "  fewer than $n crafted packets arrived"
		return 1
	fi
	wait "$pid" 2>/dev/null || true
}

# dp_tcp_both_ways BYTES TIMEOUT: a TCP connection lan -> vpc, then one
# vpc -> lan, each sending BYTES that the far end echoes (dp_pkt.py
# tcp-serve/tcp-send): two checks.
dp_tcp_both_ways() {
	local spid
	ns_exec "$VPC" $PKT tcp-serve $VPC_IP 5001 & spid=$!
	t_cleanup t_bg_kill "$spid"
	t_check "TCP lan -> vpc: $(($1 / 1024)) KiB sent and echoed intact" \
		ns_exec "$LAN" timeout "$2" $PKT tcp-send $VPC_IP 5001 "$1"
	ns_exec "$LAN" $PKT tcp-serve $LAN_IP 5002 & spid=$!
	t_cleanup t_bg_kill "$spid"
	t_check "TCP vpc -> lan: $(($1 / 1024)) KiB sent and echoed intact" \
		ns_exec "$VPC" timeout "$2" $PKT tcp-send $LAN_IP 5002 "$1"
}

# dp_traffic_identical LABEL REF N: 20 pings each way, 256 KiB of TCP
# echoed each way, and dp_pkt.py's crafted sequence vpc -> lan, N packets
# of it arriving, compared byte for byte with REF (the same captured with
# the kernel alone).  The capture: $T_TMP/LABEL.pcap (LABEL without
# spaces).
dp_traffic_identical() {
	local l=$1 ref=$2 n=$3 out=$T_TMP/$1.pcap
	t_check "$l: vpc -> lan: 20 of 20 pings answered" ns_exec "$VPC" ping -n -q -c 20 -i 0.05 -W 2 $LAN_IP
	t_check "$l: lan -> vpc: 20 of 20 pings answered" ns_exec "$LAN" ping -n -q -c 20 -i 0.05 -W 2 $VPC_IP
	dp_tcp_both_ways 262144 90
	t_check "$l: crafted sequence vpc -> lan arrives ($n of 10)" \
		dp_capture_crafted vpc-lan "$out" "$n"
	if [ -s "$ref" ] && [ -s "$out" ]; then
		t_check "$l: lan receives byte-identical packets as with the kernel alone" \
			$PKT compare "$ref" "$out" $VPC_IP $LAN_IP
	fi
}

# dp_xfrm_errors NS: the non-zero lines of /proc/net/xfrm_stat.
dp_xfrm_errors() { ns_exec "$1" awk '$2 != 0' /proc/net/xfrm_stat; }

# ts_ms "[2026-11-28T11:25:30.357684]" (`ip -ts monitor`): ms since the epoch.
ts_ms() {
	local t=${1#[} sec
	t=${t%]}
	sec=$(date -u -d "${t%.*}" +%s)
	echo $((sec * 1000 + 10#${t#*.} / 1000))
}
