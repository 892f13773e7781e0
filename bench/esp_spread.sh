#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# One tunnel's inbound decryption on 1 CPU vs 2 CPUs (issue 16,
# docs/esp-spread.md), side by side in one run, in a 3-vCPU qemu VM:
#
#   vCPU 0: the generator (tcpreplay of pre-encrypted ESP frames), the far
#           tunnel end (peer), this script;
#   vCPU 1 (and 2): the gateway's inbound ESP processing.
#
#	vpc -- eth1 peer pub0 ==ESP==> pub0 gw eth1 -- lan
#
# The gateway (gw) is the seed's: vti1 with ikey/okey 100 and manual SAs
# (tests/vm/dp_lib.sh), replay window 1024 (AWS's).  UDP: the frames are
# encrypted once per cipher and size (peer encrypts trafgen's inner UDP
# to 10.16.17.1, gw captures them with tcpdump while tc drops them), then
# replayed: tcpreplay queues them all in a plug qdisc on peer's pub0,
# which then releases them at once into gw's pub0 (gw's backlog and the
# CPUMAP queues hold them all), each run on fresh inbound SAs (same keys:
# the replay window starts empty).  gw routes the
# decrypted inner packets to a blackhole route: what is measured is the
# receive path up to the inner routing decision (skb, xfrm_input,
# decryption, VTI, inner route lookup), not the LAN.
#
# Modes (what steers gw's inbound ESP):
#   rps1     kernel alone, RPS on pub0 -> CPU 1 (the anchor);
#   rps12    kernel alone, RPS on pub0 -> CPUs 1-2 (one flow: still 1 CPU);
#   gen1     XDP generic (bpf/spread.bpf.c) on pub0, CPUMAP -> CPU 1;
#   gen12    the same, CPUMAP -> CPUs 1,2 (sequence number picks the CPU);
#   genq12   gen12 with the CPUMAP queues `vtiaccel run --spread "cpus 1-2"`
#            sets (SPREAD_QSIZE, 256 = 512 / 2: docs/esp-spread.md);
#   genb12   genq12 with blocks of 64 sequence numbers per CPU (block 64);
#   drv1/12  the same with native XDP on the veth (NAPI, xdp_frame);
#   pc1/pc12 pcrypt around the SA's AEAD, made by `vtiaccel run --pcrypt`
#            ([esp] pcrypt), RPS -> CPU 1, padata's parallel mask CPU 1 /
#            CPUs 1-2.
#
# Per run: pps = decrypted packets (vti1's rx counter, polled every
# 0.1 s) / (its last change - release), the run ending once it has not
# moved for 0.5 s (a longer host stall ends it early: then a lower
# bound, with "not-decrypted" > 0); cpu us/pkt = busy time of vCPUs 1+2
# per decrypted packet; c0 us/pkt = vCPU 0's; replay = XfrmInStateSeqError
# delta (replay-window drops); drop = frames offered but not decrypted.
# TCP: iperf3 from vpc to lan through the tunnel (1 flow), goodput and the
# receiver's TcpExtTCPOFOQueue, the sender's TcpExtTCPSACKReorder and
# retransmitted segments.
#
#	bench/esp_spread.sh          (as root; boots the VM, 3 vCPUs)
#
# Environment: BUILD (default build), SPREAD_MODES, SPREAD_CIPHERS
# ("aes128-sha1 aes-gcm"), SPREAD_SIZES ("64 1400", inner IP bytes),
# SPREAD_N (frames per capture and run, 12000; at most 16384, the CPUMAP
# queue), SPREAD_ROUNDS (2),
# SPREAD_TCP_SECS (4, 0: no TCP), SPREAD_WINDOWS (extra 1400-B runs of
# gen12 and pc12, those in SPREAD_MODES, with these replay windows,
# default "32 64 128"), SPREAD_QSIZE (256, the
# CPUMAP queue of genq12/genb12), SPREAD_ENCAP (esp, the default, or
# natt: ESP in UDP 4500 both ways, as between AWS and a gateway behind
# NAT, each end holding the UDP_ENCAP socket charon would).  Figures and
# caveats: docs/esp-spread.md.

set -u
cd "$(dirname "$0")/.." || exit 1
export BUILD=${BUILD:-build}

if [ "${1:-}" != --here ]; then
	[ "$(id -u)" = 0 ] || { echo "esp_spread: run as root" >&2; exit 1; }
	[ -s "$BUILD/bpf/spread.bpf.o" ] || { echo "esp_spread: no $BUILD/bpf/spread.bpf.o (make tests)" >&2; exit 1; }
	export VM_BUILD_DIR=${VM_BUILD_DIR:-$BUILD/vm} VM_TIMEOUT=${VM_TIMEOUT:-2400}
	export VM_SMP=${VM_SMP:-3} VM_MEM=${VM_MEM:-3072} VM=yes
	export VM_PASS_ENV="${VM_PASS_ENV:-} SPREAD_MODES SPREAD_CIPHERS SPREAD_SIZES SPREAD_N
		SPREAD_ROUNDS SPREAD_TCP_SECS SPREAD_WINDOWS SPREAD_QSIZE SPREAD_ENCAP"
	exec tests/vm/vm-run "$PWD/bench/esp_spread.sh" --here
fi

MODES=${SPREAD_MODES:-rps1 rps12 gen1 gen12 drv1 drv12 pc1 pc12}
CIPHERS=${SPREAD_CIPHERS:-aes128-sha1 aes-gcm}
SIZES=${SPREAD_SIZES:-64 1400}
NCAP=${SPREAD_N:-12000}
ROUNDS=${SPREAD_ROUNDS:-2}
TCP_SECS=${SPREAD_TCP_SECS:-4}
WINDOWS=${SPREAD_WINDOWS-32 64 128}
QSIZE=${SPREAD_QSIZE:-256}
ENCAP=${SPREAD_ENCAP:-esp}
case $ENCAP in
esp) ESP_PROTO=50 ESP_FILTER=esp ;;
natt) ESP_PROTO=17 ESP_FILTER="udp dst port 4500" ;;
*) echo "esp_spread: SPREAD_ENCAP=$ENCAP: esp or natt" >&2; exit 1 ;;
esac

[ "$(nproc)" -ge 3 ] || { echo "esp_spread: needs 3 CPUs, have $(nproc)" >&2; exit 1; }

# shellcheck disable=SC2034 # T_PREFIX, DP_CIPHER: read by tests/vm/dp_lib.sh
T_PREFIX=esps$$-
T_TMP=$(mktemp -d /tmp/esp_spread.XXXXXX)
ns_exec() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
. tests/vm/dp_lib.sh
# shellcheck source=tests/lib/common.sh
. tests/lib/common.sh
BPIN=/sys/fs/bpf/espspread$$
IPERF_PID=
HOLD_PIDS=

cleanup() {
	[ -z "$IPERF_PID" ] || { kill "$IPERF_PID" 2>/dev/null; wait "$IPERF_PID" 2>/dev/null; }
	[ -z "$HOLD_PIDS" ] || kill $HOLD_PIDS 2>/dev/null
	dp_netns_del
	rm -rf "$BPIN" "$T_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
die() { echo "esp_spread: $*" >&2; exit 1; }

taskset -pc 0 $$ >/dev/null
modprobe -q -a ip_vti esp4 xfrm_user pcrypt 2>/dev/null || true
for m in ip_vti esp4 xfrm_user; do
	[ -d /sys/module/$m ] || die "kernel $(uname -r) lacks $m"
done
for t in trafgen tcpreplay tcpdump iperf3 bpftool jq; do
	command -v $t >/dev/null || die "$t not found"
done

# --- does the guest run its vCPUs in parallel (multi-threaded TCG)? --------

# dd_rate CPU...: MB/s of one dd per CPU, run together.
dd_rate() {
	local c pids=() f
	for c in "$@"; do
		taskset -c "$c" dd if=/dev/zero of=/dev/null bs=64k count=20000 2> "$T_TMP/dd$c" &
		pids+=($!)
	done
	wait "${pids[@]}"
	for c in "$@"; do
		f=$(awk '/copied/ { print $(NF - 1), $NF }' "$T_TMP/dd$c")
		printf 'cpu%s %s  ' "$c" "$f"
	done
}
echo "# parallel vCPUs check (dd of 1.3 GB /dev/zero): alone: $(dd_rate 1); together: $(dd_rate 1 2)"

# --- topology ----------------------------------------------------------------

DP_CIPHER=${CIPHERS%% *}
# shellcheck disable=SC2034 # read by tests/vm/dp_lib.sh
[ "$ENCAP" != natt ] || DP_NATT=1
dp_seed_topology || die "topology setup failed"
if [ "$ENCAP" = natt ]; then
	for ns in "$GW" "$PEER"; do
		ns_exec "$ns" $PKT natt-sock "$([ "$ns" = "$GW" ] && echo $GW_PUB || echo $PEER_PUB)" \
			> "$T_TMP/natt-$ns.out" 2>&1 &
		HOLD_PIDS="$HOLD_PIDS $!"
		wait_until 30 grep -q ready "$T_TMP/natt-$ns.out" ||
			die "no UDP_ENCAP socket in $ns: $(cat "$T_TMP/natt-$ns.out")"
	done
fi
ip -n "$GW" route add blackhole 10.16.17.0/24
ip -n "$PEER" route add 10.16.17.0/24 dev vti1
mac() { ip -n "$1" -j link show "$2" | jq -r '.[0].address'; }
GW_MAC=$(mac "$GW" pub0) PEER_MAC=$(mac "$PEER" pub0)
PEER_E1=$(mac "$PEER" eth1) VPC_MAC=$(mac "$VPC" eth0)
LAN_MAC=$(mac "$LAN" eth0) GW_E1=$(mac "$GW" eth1)
ip -n "$GW" neigh replace $PEER_PUB lladdr "$PEER_MAC" dev pub0 nud permanent
ip -n "$PEER" neigh replace $GW_PUB lladdr "$GW_MAC" dev pub0 nud permanent
ip -n "$GW" neigh replace $LAN_IP lladdr "$LAN_MAC" dev eth1 nud permanent
ip -n "$LAN" neigh replace 10.16.16.254 lladdr "$GW_E1" dev eth0 nud permanent
ip -n "$PEER" neigh replace $VPC_IP lladdr "$VPC_MAC" dev eth1 nud permanent
ip -n "$VPC" neigh replace 172.31.0.1 lladdr "$PEER_E1" dev eth0 nud permanent
# the core's backlog (RPS modes) must not be what limits a run
sysctl -q -w net.core.netdev_max_backlog=30000
# A frame waiting in the plug qdisc (below) stays charged to tcpreplay's
# socket: its send buffer must hold a whole run, or send() blocks.
sysctl -q -w net.core.wmem_default=268435456 net.core.wmem_max=268435456
ns_exec "$PEER" sysctl -q -w net.core.wmem_default=268435456 2>/dev/null

rps() { ns_exec "$1" sh -c "echo $3 > /sys/class/net/$2/queues/rx-0/rps_cpus"; }
for nd in "$PEER pub0" "$PEER eth1" "$VPC eth0"; do
	# shellcheck disable=SC2086
	rps $nd 1
done
rps "$LAN" eth0 0
rps "$GW" eth1 2

for ns in "$GW" "$LAN" "$VPC"; do
	ip netns exec "$ns" sleep 1000000 &
	HOLD_PIDS="$HOLD_PIDS $!"
	eval "HOLD_${ns//[^a-zA-Z0-9]/_}=$!"
done
hold() { local v="HOLD_${1//[^a-zA-Z0-9]/_}"; echo "${!v}"; }

# vti_rx: packets gw's vti1 received (= decrypted by its inbound SA),
# read from /proc without a fork: each `ip` costs ~0.1-0.2 s of vCPU 0
# under emulation, too much to poll with.
vti_rx() {
	local name rb rp rest
	# shellcheck disable=SC2034 # rb, rest: the fields we skip
	while read -r name rb rp rest; do
		[ "$name" != vti1: ] || { echo "$rp"; return; }
	done < "/proc/$(hold "$GW")/net/dev"
	echo 0
}
# in_packets: packets the gw's inbound SA (0xc0de0002) decrypted
in_packets() {
	ip -n "$GW" -s xfrm state 2>/dev/null |
		awk '/proto esp spi/ { on = / spi 0xc0de0002/ }
		     on && /lifetime current:/ { getline; sub(/.*\(bytes\), */, ""); sub(/\(packets\).*/, ""); print; exit }'
}
xstat() { awk -v k="$1" '$1 == k { print $2 }' "/proc/$(hold "$GW")/net/xfrm_stat"; }
# cpus: "busy0 busy1 busy2" in jiffies
cpus() {
	awk '$1 ~ /^cpu[012]$/ { printf "%d ", $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}
softnet_drops() {
	local a b rest s=0
	# shellcheck disable=SC2034 # a, rest: the fields we skip
	while read -r a b rest; do s=$((s + 0x$b)); done < /proc/net/softnet_stat
	echo "$s"
}
HZ=$(getconf CLK_TCK)

# gw_sas WINDOW: fresh SAs on gw (same keys): an empty replay window.
gw_sas() {
	DP_REPLAY=$1 dp_set_sas "$GW" gw || die "gw SAs"
}

# plug_backlog: frames held in peer pub0's plug qdisc
plug_backlog() {
	tc -n "$PEER" -s qdisc show dev pub0 | awk '/backlog/ { sub(/p$/, "", $3); print $3; exit }'
}
tc -n "$PEER" qdisc add dev pub0 root plug limit 100000000 &&
	tc -n "$PEER" qdisc change dev pub0 root plug release_indefinite || die "no plug qdisc (sch_plug)"

# --- spreading modes -----------------------------------------------------------

mkdir -p "$BPIN"
bpftool prog load "$BUILD/bpf/spread.bpf.o" "$BPIN/prog" type xdp pinmaps "$BPIN" ||
	die "cannot load $BUILD/bpf/spread.bpf.o"
le32() { printf '%d %d %d %d' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)); }
# cpumap_q QSIZE: cpumap entries for CPUs 1 and 2, queue QSIZE frames
# each (16384: the most the kernel accepts), no program
cpumap_q() {
	local c
	for c in 1 2; do
		# shellcheck disable=SC2046
		bpftool map update pinned "$BPIN/spread_cpus" key $(le32 $c) value $(le32 "$1") 0 0 0 0 ||
			return 1
	done
}
cpumap_q 16384 || die "cpumap entries for CPUs 1 and 2"
SHIFT=0
# the lease: never expires during the bench
bpftool map update pinned "$BPIN/spread_state" key 0 0 0 0 value 255 255 255 255 255 255 255 127
# spread_peer PEERADDR CPU...: flags ESP|NATT, the CPUs, blocks of
# 2^SHIFT.
spread_peer() {
	local a=$1 v n=0 c
	shift
	v="$(le32 3) $(le32 $#) $(le32 "$SHIFT")"
	for c in "$@"; do v="$v $(le32 "$c")"; n=$((n + 1)); done
	while [ $n -lt 16 ]; do v="$v 0 0 0 0"; n=$((n + 1)); done
	# shellcheck disable=SC2046,SC2086
	bpftool map update pinned "$BPIN/spread_peers" key $(echo "$a" | tr . ' ') value $v
}
# redirected: vta_spread's redirect counter, all CPUs
redirected() {
	bpftool map lookup pinned "$BPIN/spread_stats" key 0 0 0 0 -j | jq '[.formatted.values[].value] | add'
}
gw_xdp() { nsenter --net="/run/netns/$GW" ip link set dev pub0 "$@"; }

PCRYPT_ON=
mode_on() {
	case $1 in
	rps1|pc1|pc12) rps "$GW" pub0 2 ;;
	rps12) rps "$GW" pub0 6 ;;
	gen*|drv*)
		# no RPS: the CPUMAP kthread hands its skbs to
		# netif_receive_skb_list(), where RPS would steer them again
		rps "$GW" pub0 0
		case $1 in genq*|genb*) cpumap_q "$QSIZE" ;; *) cpumap_q 16384 ;; esac || return 1
		case $1 in genb*) SHIFT=6 ;; *) SHIFT=0 ;; esac
		case $1 in *12) spread_peer $PEER_PUB 1 2 ;; *) spread_peer $PEER_PUB 1 ;; esac
		case $1 in gen*) gw_xdp xdpgeneric pinned "$BPIN/prog" ;; drv*) gw_xdp xdpdrv pinned "$BPIN/prog" ;; esac ;;
	esac
	case $1 in
	pc*)
		local m=2
		[ "$1" = pc1 ] || m=6
		echo $m > /sys/kernel/pcrypt/pdecrypt/parallel_cpumask &&
		echo 2 > /sys/kernel/pcrypt/pdecrypt/serial_cpumask || return 1
		;;
	esac
}
mode_off() {
	case $1 in gen*) gw_xdp xdpgeneric off ;; drv*) gw_xdp xdpdrv off ;; esac
}
pcrypt_why() {
	echo "# pcrypt: /sys/module/pcrypt $([ -d /sys/module/pcrypt ] || echo "missing");" \
		"/sys/module/crypto_user $([ -d /sys/module/crypto_user ] || echo "missing"); AEADs: $(awk '$1 == "name" && /authenc|gcm/ { print $3 }' /proc/crypto | sort -u | tr '\n' ' ')"
	dmesg | tail -n 5 | sed 's/^/# dmesg: /'
}
# pcrypt_on: the instances, made as users make them: `vtiaccel run --pcrypt`
# (user/pcrypt.c), here in a namespace of its own with no interface to
# manage; they are kernel-wide and stay when the daemon exits.
pcrypt_on() {
	local ns=${T_PREFIX}pcd pin=/sys/fs/bpf/${T_PREFIX}pcd pid rc=0
	[ -n "$PCRYPT_ON" ] && return 0
	ip netns add "$ns" || return 1
	nsenter --net="/run/netns/$ns" "$VTA" run --pin-root "$pin" --lan none0 \
		--wan none1 --tunnel none2 --liveness no --pcrypt "cpus 1-2" --pcrypt-kernel-ok yes \
		> "$T_TMP/pcd.log" 2>&1 &
	pid=$!
	wait_until 120 eval "grep -q 'SAs created from now on' '$T_TMP/pcd.log' || ! kill -0 $pid"
	grep -q 'SAs created from now on' "$T_TMP/pcd.log" || rc=1
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	ip netns del "$ns"
	rm -rf "$pin"
	sed 's/^/# daemon: /' "$T_TMP/pcd.log" | grep -i pcrypt
	[ $rc = 0 ] || { pcrypt_why; return 1; }
	# the peer's encryption (TCP runs) stays on vCPU 0
	echo 1 > /sys/kernel/pcrypt/pencrypt/parallel_cpumask &&
		echo 1 > /sys/kernel/pcrypt/pencrypt/serial_cpumask || return 1
	PCRYPT_ON=1
}

# --- captures ------------------------------------------------------------------

drop_bpf() { echo "6,40 0 0 12,21 0 3 2048,48 0 0 23,21 0 1 $1,6 0 0 2,6 0 0 4294967295"; }
tc -n "$GW" qdisc add dev pub0 clsact

# capture CIPHER SIZE: $T_TMP/CIPHER-SIZE.pcap, NCAP ESP frames from peer
capture() {
	local f="$T_TMP/$1-$2.pcap" tg td
	DP_CIPHER=$1
	dp_set_sas "$PEER" peer || die "peer SAs"
	gw_sas 1024
	rps "$GW" pub0 2
	tc -n "$GW" filter add dev pub0 ingress pref 7 bpf da bytecode "$(drop_bpf $ESP_PROTO)"
	ns_exec "$GW" taskset -c 2 tcpdump -i pub0 -n -B 65536 -c "$NCAP" -w "$f" "$ESP_FILTER" 2> "$T_TMP/td.err" &
	td=$!
	wait_until 20 grep -q 'listening on' "$T_TMP/td.err" || die "tcpdump: $(cat "$T_TMP/td.err")"
	echo "{ eth(da=$PEER_E1, sa=$VPC_MAC), ipv4(saddr=$VPC_IP, daddr=10.16.17.1, ttl=64, df), udp(sp=1000, dp=9), fill(0x41, $(($2 - 28))) }" \
		> "$T_TMP/udp.cfg"
	(cd "$T_TMP" && exec ip netns exec "$VPC" taskset -c 0 trafgen -o eth0 -i udp.cfg -P 1 \
		--no-sock-mem --notouch-irq --no-cpu-stats -t 20us) > "$T_TMP/trafgen.log" 2>&1 &
	tg=$!
	wait_until 600 eval "! kill -0 $td 2>/dev/null" || die "capture of $NCAP frames did not finish"
	wait "$td"
	pkill -INT -P "$tg" 2>/dev/null
	kill -INT "$tg" 2>/dev/null
	wait "$tg"
	tc -n "$GW" filter del dev pub0 ingress pref 7
	echo "# capture $1 $2 B: $(tcpdump -r "$f" -n 2>/dev/null | wc -l) ESP frames, $(stat -c %s "$f") bytes"
}

# --- one UDP run ---------------------------------------------------------------

RES=$T_TMP/results
mkfifo "$T_TMP/pause"
exec 7<> "$T_TMP/pause"
: > "$RES"
# udp_run MODE CIPHER SIZE ROUND [WINDOW]
udp_run() {
	local mode=$1 c=$2 sz=$3 round=$4 win=${5:-1024} x0 p0 p1 pl t0 tl tn s0 s1 r0 r1 d0 d1 out
	# pcrypt: padata's masks are taken when the SA's tfm is created
	mode_on "$mode" || { echo "# $mode: could not be set up"; return 1; }
	gw_sas "$win"
	x0=$(redirected)
	# The frames wait in peer pub0's plug qdisc, then go at once: the
	# gateway's queue (backlog, CPUMAP) holds them all, and the run
	# measures how fast gw drains it, not how fast tcpreplay sends.
	tc -n "$PEER" qdisc change dev pub0 root plug block
	ns_exec "$PEER" taskset -c 0 tcpreplay -q -K --topspeed -i pub0 "$T_TMP/$c-$sz.pcap" \
		> "$T_TMP/replay.log" 2>&1 || echo "# tcpreplay: $(tail -2 "$T_TMP/replay.log")"
	wait_until 60 eval "[ \$(plug_backlog) -ge $NCAP ]" ||
		echo "# only $(plug_backlog) of $NCAP frames queued in the plug"
	p0=$(vti_rx) r0=$(xstat XfrmInStateSeqError) d0=$(softnet_drops)
	s0=$(cpus) t0=$(now_ms)
	tc -n "$PEER" qdisc change dev pub0 root plug release_indefinite
	# until the count stops moving for 0.5 s: the time of its last change
	pl=$(vti_rx) tl=$(now_ms)
	while :; do
		# a 0.1 s pause without forking sleep (vCPU 0's time counts)
		read -r -t 0.1 -u 7 _ || true
		p1=$(vti_rx) tn=$(now_ms)
		if [ "$p1" != "$pl" ]; then
			pl=$p1 tl=$tn
		elif [ $((tn - tl)) -ge 500 ]; then
			break
		fi
	done
	s1=$(cpus) r1=$(xstat XfrmInStateSeqError) d1=$(softnet_drops)
	mode_off "$mode"
	x0=$(($(redirected) - x0))
	out=$(awk -v a="$s0" -v b="$s1" -v n=$((pl - p0)) -v ms=$((tl - t0)) -v hz="$HZ" -v off="$NCAP" '
		BEGIN { split(a, A, " "); split(b, B, " ")
			b0 = (B[1] - A[1]) / hz; b12 = (B[2] - A[2] + B[3] - A[3]) / hz
			printf "%d %.1f %.1f %d %.0f %.0f %.0f", n ? n * 1000 / ms : 0, n ? 1e6 * b12 / n : 0,
				n ? 1e6 * b0 / n : 0, n, 100 * b0 * 1000 / ms, 100 * (B[2] - A[2]) / hz * 1000 / ms,
				100 * (B[3] - A[3]) / hz * 1000 / ms }')
	# shellcheck disable=SC2086
	set -- $out
	echo "udp $c $sz $mode $win $round $1 $2 $3 $4 $((r1 - r0)) $((NCAP - $4)) $((d1 - d0))" >> "$RES"
	printf '# %-11s %4s B %-5s w%-4s r%d %7s pps  %6s us/pkt (cpu1+2)  %5s us/pkt (cpu0)  busy %3s%% %3s%% %3s%%  decrypted %6s  replay-drops %s  not-decrypted %s  backlog-drops %s  xdp-redirected %s\n' \
		"$c" "$sz" "$mode" "$win" "$round" "$1" "$2" "$3" "$5" "$6" "$7" "$4" "$((r1 - r0))" \
		"$((NCAP - $4))" "$((d1 - d0))" "$x0"
}

# --- one TCP run -----------------------------------------------------------------

netstat_vals() { # PID -> "OFOQueue SACKReorder RetransSegs"
	awk '$1 == "TcpExt:" && !h { for (i = 2; i <= NF; i++) n[$i] = i; h = 1; next }
	     $1 == "TcpExt:" { o = $n["TCPOFOQueue"]; s = $n["TCPSACKReorder"] }
	     END { printf "%d %d ", o, s }' "/proc/$1/net/netstat"
	awk '$1 == "Tcp:" && !h { for (i = 2; i <= NF; i++) n[$i] = i; h = 1; next }
	     $1 == "Tcp:" { print $n["RetransSegs"] }' "/proc/$1/net/snmp"
}
tcp_run() {
	local mode=$1 c=$2 round=$3 l0 l1 v0 v1 bps
	mode_on "$mode" || return 1
	# both ends: gw's outbound SA (the ACKs) starts again at sequence 1,
	# which the peer's inbound SA would take for replays
	gw_sas 1024
	dp_set_sas "$PEER" peer || die "peer SAs"
	l0=$(netstat_vals "$(hold "$LAN")") v0=$(netstat_vals "$(hold "$VPC")")
	ns_exec "$VPC" taskset -c 0 timeout $((TCP_SECS + 30)) iperf3 -c $LAN_IP -p 5201 -t "$TCP_SECS" -J \
		> "$T_TMP/iperf.json" 2>&1
	l1=$(netstat_vals "$(hold "$LAN")") v1=$(netstat_vals "$(hold "$VPC")")
	mode_off "$mode"
	bps=$(jq -r '.end.sum_received.bits_per_second // 0' "$T_TMP/iperf.json" 2>/dev/null) || bps=0
	# shellcheck disable=SC2086
	set -- $l0 $l1 $v0 $v1
	echo "tcp $c - $mode 1024 $round $(awk -v b="${bps:-0}" 'BEGIN { printf "%.1f", b / 1e6 }') $(($4 - $1)) $((${11} - $8)) $((${12} - $9))" >> "$RES"
	printf '# %-11s tcp  %-5s r%d %7s Mbit/s  receiver OFO-queued %s  sender SACK-reorder %s  retrans %s\n' \
		"$c" "$mode" "$round" "$(awk -v b="${bps:-0}" 'BEGIN { printf "%.1f", b / 1e6 }')" \
		"$(($4 - $1))" "$((${11} - $8))" "$((${12} - $9))"
}

# --- the run ---------------------------------------------------------------------

echo "# ESP spreading bench on $(uname -r), $(getconf _NPROCESSORS_ONLN) vCPUs; encapsulation $ENCAP; modes $MODES; ciphers $CIPHERS;" \
	"sizes $SIZES; $NCAP frames per run; $ROUNDS rounds"
T_START=$(now_ms)
ns_exec "$LAN" taskset -c 1,2 iperf3 -s -B $LAN_IP -p 5201 > /dev/null 2>&1 &
IPERF_PID=$!
wait_until 10 eval "ns_exec $LAN ss -ltn | grep -q '$LAN_IP:5201 '" || die "iperf3 server did not start"

for c in $CIPHERS; do
	for sz in $SIZES; do capture "$c" "$sz"; done
done
# pcrypt last: once instantiated, every new SA uses it
for round in $(seq 1 "$ROUNDS"); do
	for c in $CIPHERS; do
		DP_CIPHER=$c
		dp_set_sas "$PEER" peer
		for mode in $MODES; do
			case $mode in pc*) continue ;; esac
			for sz in $SIZES; do udp_run "$mode" "$c" "$sz" "$round"; done
		done
		case " $MODES " in
		*" gen12 "*) [ "$round" != 1 ] || for w in $WINDOWS; do udp_run gen12 "$c" 1400 1 "$w"; done ;;
		esac
		if [ "$TCP_SECS" != 0 ]; then
			for mode in $MODES; do
				case $mode in pc*) continue ;; esac
				tcp_run "$mode" "$c" "$round"
			done
		fi
	done
done
case " $MODES " in
*" pc"*)
	if pcrypt_on; then
		echo "# pcrypt instances: $(awk '/^driver/ && /pcrypt/ { print $3 }' /proc/crypto | tr '\n' ' ')"
		for round in $(seq 1 "$ROUNDS"); do
			for c in $CIPHERS; do
				# shellcheck disable=SC2034 # read by dp_lib.sh
				DP_CIPHER=$c
				for mode in $MODES; do
					case $mode in pc*) ;; *) continue ;; esac
					# the SA's tfm takes padata's masks when it is created
					mode_on "$mode"
					dp_set_sas "$PEER" peer
					for sz in $SIZES; do udp_run "$mode" "$c" "$sz" "$round"; done
					if [ "$mode" = pc12 ] && [ "$round" = 1 ]; then
						for w in $WINDOWS; do udp_run pc12 "$c" 1400 1 "$w"; done
					fi
					[ "$TCP_SECS" = 0 ] || tcp_run "$mode" "$c" "$round"
				done
			done
		done
		echo "# /proc/crypto pcrypt refcnt: $(awk '/^driver/ { d = $3 } /^refcnt/ && d ~ /pcrypt/ { printf "%s=%s ", d, $3 }' /proc/crypto)"
	else
		echo "# pcrypt: could not be instantiated (see above)"
	fi ;;
esac
echo "# gw xfrm errors (non-zero): $(awk '$2 != 0 { printf "%s %s ", $1, $2 }' "/proc/$(hold "$GW")/net/xfrm_stat")"
echo "# spread counters (redirected pass_lease pass_other pass_unknown pass_short pass_no_cpu): $(bpftool map dump pinned "$BPIN/spread_stats" -j | jq -c '[.[] | [.formatted.values[].value] | add]')"
echo "# bench wall time $((($(now_ms) - T_START) / 1000)) s"

# --- table: medians over rounds ------------------------------------------------
awk '
function med(list,    a, n, i, j, t) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
$1 == "udp" && $5 == 1024 { k = $2 " " $3 " " $4; v[k] = v[k] " " $7; us[k] = us[k] " " $8; rp[k] += $11; if (!(k in seen)) { seen[k] = 1; ord[++n] = k } }
$1 == "tcp" { k = $2 " tcp " $4; v[k] = v[k] " " $7; ofo[k] = ofo[k] " " $8; if (!(k in seen)) { seen[k] = 1; ord[++n] = k } }
$1 == "udp" && $5 != 1024 { w = w sprintf("#   %s %s B %s window %s: %s pps, replay drops %s\n", $2, $3, $4, $5, $7, $11) }
END {
	print "# cipher      size  mode   median            cpu us/pkt  replay-drops / receiver OFO"
	for (i = 1; i <= n; i++) {
		k = ord[i]; split(k, K, " ")
		if (K[2] == "tcp")
			printf "# %-11s %-5s %-6s %8.1f Mbit/s  %10s  ofo %s\n", K[1], "tcp", K[3], med(v[k]), "", med(ofo[k])
		else
			printf "# %-11s %-5s %-6s %8d pps     %10.1f  %d\n", K[1], K[2], K[3], med(v[k]), med(us[k]), rp[k]
	}
	printf "%s", w
}' "$RES"
