#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Forwarding through real ESP, side by side in one run:
#   kernel  - the seed's path: kernel forwarding into a VTI with its
#             iptables mangle FORWARD TCPMSS --clamp-mss-to-pmtu rule;
#   nft-ft  - nftables flowtable (`flow add @ft` on the LAN interface and
#             the VTI), no iptables rule; whether flows really get
#             offloaded with a VTI is checked (forward-chain counter);
#   vtiaccel- `vtiaccel run` (tc/XDP), no rule;
# with three SAs: null cipher (ecb(cipher_null) + digest_null: isolates the
# forwarding cost), aes128-cbc + hmac-sha1-96 (the seed's) and
# rfc4106(gcm(aes)) 128; traffic: 64-byte UDP packets/s (trafgen) and TCP
# throughput (iperf3), 1 and 32 flows.  Prints a ratio table.
#
#   gen 10.1.0.2 eth0 -- eth1 rtr eth0 192.0.2.1 ==ESP== 192.0.2.2 peer
#                                 vti1 (mark 100)           vti1, 172.31.0.10
#
# Manual SAs (no IKE), tunnel mode, no NAT-T.  The seed's other rule (MARK
# on ESP in mangle INPUT) is left out: behind an Elastic IP it never
# matches (NAT-T), and without NAT-T it makes the kernel re-encrypt the
# decapsulated packets in a loop (LAB-NOTES.md).
#
# Everything runs on one vCPU (taskset), as LAB-NOTES.md recommends on this
# machine.  Runs in a qemu VM (tests/vm/vm-run) when the kernel lacks VTI.
#
# Environment: BUILD (default build), ESP_BENCH_SECONDS (per run, 3),
# ESP_BENCH_CIPHERS ("null aes128-sha1 aes-gcm"), ESP_BENCH_PATHS
# ("kernel nft-ft vtiaccel").

set -eu
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build}

if [ "${1:-}" != --here ]; then
	[ "$(id -u)" = 0 ] || { echo "esp_forward: run as root" >&2; exit 1; }
	[ -x "$BUILD/vtiaccel" ] || { echo "esp_forward: no $BUILD/vtiaccel" >&2; exit 1; }
	export VM_BUILD_DIR=${VM_BUILD_DIR:-$BUILD/vm} VM_TIMEOUT=${VM_TIMEOUT:-1200}
	export VM_PASS_ENV="${VM_PASS_ENV:-} ESP_BENCH_SECONDS ESP_BENCH_CIPHERS ESP_BENCH_PATHS"
	exec tests/vm/vm-run "$PWD/bench/esp_forward.sh" --here
fi

SECS=${ESP_BENCH_SECONDS:-3}
CIPHERS=${ESP_BENCH_CIPHERS:-null aes128-sha1 aes-gcm}
PATHS=${ESP_BENCH_PATHS:-kernel nft-ft vtiaccel}
P=espb$$-
GEN=${P}gen RTR=${P}rtr PEER=${P}peer
TMP=$(mktemp -d /tmp/esp_forward.XXXXXX)
VTA=$PWD/$BUILD/vtiaccel
vta_pid=

cleanup() {
	[ -z "$vta_pid" ] || { kill "$vta_pid" 2>/dev/null; wait "$vta_pid" 2>/dev/null || true; }
	for ns in $GEN $RTR $PEER; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
wait_until() {
	local deadline=$(($(now_ms) + $1 * 1000))
	shift
	until "$@"; do
		[ "$(now_ms)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

modprobe -q -a ip_vti esp4 xfrm_user nf_flow_table nf_flow_table_inet nft_flow_offload 2>/dev/null || true
for ns in $GEN $RTR $PEER; do ip netns add "$ns"; done
cat > "$TMP/rtr.batch" <<EOF
link add eth1 type veth peer name eth0 netns $GEN
link add eth0 type veth peer name eth0 netns $PEER
link set eth1 address 02:00:00:00:00:01
addr add 10.1.0.1/24 dev eth1
addr add 192.0.2.1/24 dev eth0
link set eth1 up
link set eth0 up
link set lo up
link add vti1 type vti local 192.0.2.1 remote 192.0.2.2 ikey 100 okey 100
addr add 169.254.12.38/30 remote 169.254.12.37/30 dev vti1
link set vti1 up mtu 1436
route add 172.31.0.0/16 dev vti1
EOF
cat > "$TMP/peer.batch" <<EOF
addr add 192.0.2.2/24 dev eth0
link set eth0 up
link set lo up
addr add 172.31.0.10/32 dev lo
link add vti1 type vti local 192.0.2.2 remote 192.0.2.1 ikey 100 okey 100
addr add 169.254.12.37/30 remote 169.254.12.38/30 dev vti1
link set vti1 up mtu 1436
route add 10.1.0.0/24 dev vti1
route add blackhole 172.31.1.0/24
EOF
cat > "$TMP/gen.batch" <<EOF
link set eth0 address 02:00:00:00:00:02
addr add 10.1.0.2/24 dev eth0
link set eth0 up
link set lo up
route add default via 10.1.0.1
neigh replace 10.1.0.1 lladdr 02:00:00:00:00:01 dev eth0 nud permanent
EOF
ip -n "$RTR" -batch "$TMP/rtr.batch"
ip -n "$PEER" -batch "$TMP/peer.batch"
ip -n "$GEN" -batch "$TMP/gen.batch"
for ns in $RTR $PEER; do
	ip netns exec "$ns" sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.conf.vti1.disable_policy=1 \
		net.ipv4.conf.eth0.disable_xfrm=1 net.ipv4.conf.eth0.disable_policy=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.vti1.rp_filter=0
done

K1=0x000102030405060708090a0b0c0d0e0f K2=0x303132333435363738393a3b3c3d3e3f
A1=0x101112131415161718191a1b1c1d1e1f20212223 A2=0x404142434445464748494a4b4c4d4e4f50515253
algs() { # CIPHER DIR(1|2)
	local k a
	if [ "$2" = 1 ]; then k=$K1 a=$A1; else k=$K2 a=$A2; fi
	case $1 in
	null) echo "auth digest_null \"\" enc ecb(cipher_null) \"\"" ;;
	aes128-sha1) echo "auth-trunc hmac(sha1) $a 96 enc cbc(aes) $k" ;;
	aes-gcm) echo "aead rfc4106(gcm(aes)) ${k}01020304 128" ;;
	esac
}
set_sas() { # CIPHER
	local side l r o i
	for side in rtr peer; do
		if [ $side = rtr ]; then l=192.0.2.1 r=192.0.2.2 o=1 i=2 ns=$RTR; else l=192.0.2.2 r=192.0.2.1 o=2 i=1 ns=$PEER; fi
		cat > "$TMP/sa.batch" <<-EOF
		xfrm state flush
		xfrm policy flush
		xfrm state add src $l dst $r proto esp spi 0xc0de000$o reqid 1 mode tunnel replay-window 1024 mark 100 $(algs "$1" $o)
		xfrm state add src $r dst $l proto esp spi 0xc0de000$i reqid 1 mode tunnel replay-window 1024 $(algs "$1" $i)
		xfrm policy add dir out src 0.0.0.0/0 dst 0.0.0.0/0 mark 100 tmpl src $l dst $r proto esp reqid 1 mode tunnel
		xfrm policy add dir in src 0.0.0.0/0 dst 0.0.0.0/0 mark 100 tmpl src $r dst $l proto esp reqid 1 mode tunnel
		xfrm policy add dir fwd src 0.0.0.0/0 dst 0.0.0.0/0 mark 100 tmpl src $r dst $l proto esp reqid 1 mode tunnel
		EOF
		ip -n "$ns" -batch "$TMP/sa.batch"
	done
}

path_on() {
	case $1 in
	kernel)
		ip netns exec "$RTR" iptables -t mangle -A FORWARD -o vti1 -p tcp -m tcp \
			--tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu ;;
	nft-ft)
		ip netns exec "$RTR" nft -f - <<-EOF
		table inet vtabench {
			flowtable ft { hook ingress priority 0; devices = { eth1, vti1 }; }
			chain forward {
				type filter hook forward priority 0; policy accept;
				meta l4proto { tcp, udp } counter flow add @ft
			}
		}
		EOF
		;;
	vtiaccel)
		ip netns exec "$RTR" sh -c 'mount -t bpf bpf /sys/fs/bpf && exec "$0" run --lan eth1 --wan eth0 --tunnel vti1' \
			"$VTA" > "$TMP/vtiaccel.out" 2>&1 &
		vta_pid=$!
		wait_until 60 vta_ready || { echo "vtiaccel did not start: $(tail -3 "$TMP/vtiaccel.out")"; return 1; } ;;
	esac
}
vta() { nsenter -t "$vta_pid" -m -n "$VTA" "$@"; }
vta_ready() { vta routes 2>/dev/null | grep -q '^172.31.0.0/16'; }
path_off() {
	case $1 in
	kernel) ip netns exec "$RTR" iptables -t mangle -F FORWARD ;;
	nft-ft) ip netns exec "$RTR" nft delete table inet vtabench ;;
	vtiaccel) kill "$vta_pid"; wait "$vta_pid" 2>/dev/null || true; vta_pid= ;;
	esac
}
fwd_chain_pkts() { ip netns exec "$RTR" nft list chain inet vtabench forward | awk '/counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'; }
vta_fwd() { vta stats -j | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin)
print(sum(i["counters"]["fwd_to_tunnel"]["packets"] for i in d["interfaces"] if i["name"] == "eth1"))'; }

rx() { ip netns exec "$PEER" cat /sys/class/net/vti1/statistics/rx_packets; }

udp_run() { # FLOWS -> pps received by the peer (decrypted)
	local sp=1000 a b
	[ "$1" = 1 ] || sp="dinc(1000, $((1000 + $1 - 1)))"
	echo "{ eth(da=02:00:00:00:00:01, sa=02:00:00:00:00:02), ipv4(saddr=10.1.0.2, daddr=172.31.1.10, ttl=64), udp(sp=$sp, dp=9), fill(0x00, 18) }" > "$TMP/udp.cfg"
	a=$(rx)
	# trafgen writes a temporary file in its working directory (the
	# repository is read-only in the VM).
	(cd "$TMP" && ip netns exec "$GEN" timeout -s INT "$SECS" taskset -c 0 trafgen -o eth0 -i udp.cfg -P 1 -C -q) \
		>"$TMP/trafgen.log" 2>&1 || true
	b=$(rx)
	[ $((b - a)) -gt 0 ] || {
		echo "# udp: nothing arrived; trafgen said: $(tail -3 "$TMP/trafgen.log" | tr '\n' ' ')" >&2
		echo "# gen eth0 tx $(ip netns exec "$GEN" cat /sys/class/net/eth0/statistics/tx_packets), rtr eth1 rx $(ip netns exec "$RTR" cat /sys/class/net/eth1/statistics/rx_packets), rtr vti1 tx $(ip netns exec "$RTR" cat /sys/class/net/vti1/statistics/tx_packets)" >&2
	}
	echo $(((b - a) / SECS))
}
tcp_run() { # FLOWS -> Mbit/s
	ip netns exec "$GEN" taskset -c 0 iperf3 -c 172.31.0.10 -p 5201 -t "$SECS" -P "$1" -J 2>/dev/null |
		/usr/bin/python3 -c 'import json,sys; print("%.0f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))' ||
		echo 0
}

ip netns exec "$PEER" taskset -c 0 iperf3 -s -p 5201 -D -I "$TMP/iperf.pid"
wait_until 10 eval "ip netns exec $PEER ss -ltn | grep -q ':5201 '"

echo "# ESP forwarding bench on $(uname -r), ${SECS} s per run, everything on CPU 0"
declare -A R
for c in $CIPHERS; do
	set_sas "$c"
	ip netns exec "$GEN" ping -c 2 -W 2 -q 172.31.0.10 >/dev/null ||
		{ echo "no traffic through the tunnel with $c"; exit 1; }
	for p in $PATHS; do
		path_on "$p"
		[ "$p" != vtiaccel ] || f0=$(vta_fwd)
		for f in 1 32; do
			R[$c,$p,udp$f]=$(udp_run $f)
			R[$c,$p,tcp$f]=$(tcp_run $f)
		done
		case $p in
		nft-ft) echo "# $c nft-ft: forward-chain counter saw $(fwd_chain_pkts) packets (offloaded flows skip it)" ;;
		vtiaccel) echo "# $c vtiaccel: eth1 fast-path forwarded $(($(vta_fwd) - f0)) packets" ;;
		esac
		path_off "$p"
		echo "# $c $p: udp1 ${R[$c,$p,udp1]} pps, udp32 ${R[$c,$p,udp32]} pps, tcp1 ${R[$c,$p,tcp1]} Mbit/s, tcp32 ${R[$c,$p,tcp32]} Mbit/s"
	done
done
kill "$(cat "$TMP/iperf.pid")" 2>/dev/null || true

echo
printf '%-12s %-14s' cipher traffic
for p in $PATHS; do printf ' %10s' "$p"; done
for p in $PATHS; do [ "$p" = kernel ] || printf ' %14s' "$p/kernel"; done
echo
for c in $CIPHERS; do
	for t in udp1 udp32 tcp1 tcp32; do
		case $t in udp*) u="pps, ${t#udp} flow" ;; *) u="Mbit/s, ${t#tcp} flow" ;; esac
		printf '%-12s %-14s' "$c" "$u"
		for p in $PATHS; do printf ' %10s' "${R[$c,$p,$t]}"; done
		for p in $PATHS; do
			[ "$p" = kernel ] && continue
			k=${R[$c,kernel,$t]:-0}
			if [ "$k" -gt 0 ]; then
				printf ' %14s' "$(awk -v a="${R[$c,$p,$t]}" -v b="$k" 'BEGIN { printf "%.2f", a / b }')"
			else
				printf ' %14s' -
			fi
		done
		echo
	done
done
