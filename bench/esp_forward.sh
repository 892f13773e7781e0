#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Forwarding through real ESP, side by side in one run (issue 6 item 4):
#
#   kernel   - the seed's path: kernel forwarding into the VTI with its
#              iptables mangle FORWARD TCPMSS --clamp-mss-to-pmtu rule;
#   nft-ft   - nftables flowtable (`flow add @ft`, devices eth1 and vti1),
#              no iptables rule;
#   vtiaccel - `vtiaccel run --no-xdp` (tc programs), no rule;
#   direct   - the generator straight into the sink over one veth (no
#              router, no ESP): what the generator and sink alone reach;
#
# with three SAs: null (ecb(cipher_null) + digest_null: the forwarding cost
# alone), aes128-sha1 (aes128-cbc + hmac-sha1-96, the seed's) and aes-gcm
# (rfc4106(gcm(aes)) 128); traffic: 64-byte UDP frames (trafgen) and TCP
# bulk (iperf3), 1 and 32 flows, both directions (out = lan -> tunnel,
# in = tunnel -> lan).  The seed's topology from tests/vm/dp_lib.sh:
#
#   lan 10.16.16.10 -- eth1 gw pub0 ==ESP== pub0 peer eth1 -- 172.31.0.10 vpc
#   lan d0 10.99.0.1 ------------------------------------ d0 10.99.0.2 vpc
#
# gw is the router under test.  Manual SAs, tunnel mode, no NAT-T.  The
# seed's other rule (MARK on ESP in mangle INPUT) is left out: behind an
# Elastic IP it never matches (NAT-T), and without NAT-T it makes the
# kernel re-encrypt the decapsulated packets in a loop (docs/esp-mark.md).
#
# Placement (the VM has 2 vCPUs): with generator, router and far end on
# one vCPU, a run measures all of them together, and under emulation the
# far end's ESP work is as large as the router's.  So everything gw does
# runs on vCPU 1 (RPS on gw's two veths: veth hands a frame to the
# receiver's backlog, and RPS picks the CPU that processes it), everything
# else on vCPU 0: the generator, the far tunnel end (peer), the sinks,
# iperf3, the daemon and this script (RPS on their receiving veths,
# taskset).  For UDP out the far end drops the ESP frames at tc ingress
# (no decryption on vCPU 0), for UDP in the lan sink drops them at tc
# ingress; the far end's encryption (in) stays on vCPU 0.
#   pps      = frames the router sent per second (out: ESP on gw pub0; in:
#              to lan on gw eth1; sent + dropped by the veth because the
#              receiver on vCPU 0 was behind), raw;
#   rtr ns   = the router's cost per packet = busy time of vCPU 1 / those
#              frames: the quantity forward.sh gets as 1/pps -
#              1/pps(direct), measured directly since generator and router
#              run in parallel here.  "<" marks a median with vCPU 1 below
#              95% busy: vCPU 0 (generator, far end) limited the pps, not
#              the router; the cost per packet still holds;
#   direct   = the generator straight into a sink over one veth (no router,
#              no ESP): what vCPU 0 reaches alone.
# A path that did not do what it says is printed INVALID, not as a number:
# nothing received; vtiaccel's fast path (fwd_to_tunnel + fwd_to_lan) below
# 90% of the bytes through vti1; the flowtable's forward chain seeing more
# than 10% of them (not offloaded); a tc program attached to gw during a
# kernel or flowtable run.
#
# Environment: BUILD (default build), ESP_BENCH_ROUNDS (3),
# ESP_BENCH_UDP_SECS (1), ESP_BENCH_TCP_SECS (2, whole seconds),
# ESP_BENCH_CIPHERS ("null aes128-sha1 aes-gcm"), ESP_BENCH_PATHS ("kernel
# nft-ft vtiaccel"), ESP_BENCH_CELLS ("udp1-out udp32-out udp1-in udp32-in
# tcp1-out tcp32-out tcp1-in tcp32-in").  Runs in a qemu VM
# (tests/vm/vm-run) when the kernel lacks VTI; needs $BUILD/vtiaccel.

set -u
cd "$(dirname "$0")/.." || exit 1
export BUILD=${BUILD:-build}

if [ "${1:-}" != --here ]; then
	[ "$(id -u)" = 0 ] || { echo "esp_forward: run as root" >&2; exit 1; }
	[ -x "$BUILD/vtiaccel" ] || { echo "esp_forward: no $BUILD/vtiaccel" >&2; exit 1; }
	export VM_BUILD_DIR=${VM_BUILD_DIR:-$BUILD/vm} VM_TIMEOUT=${VM_TIMEOUT:-1800}
	export VM_PASS_ENV="${VM_PASS_ENV:-} ESP_BENCH_ROUNDS ESP_BENCH_UDP_SECS ESP_BENCH_TCP_SECS
		ESP_BENCH_CIPHERS ESP_BENCH_PATHS ESP_BENCH_CELLS"
	exec tests/vm/vm-run "$PWD/bench/esp_forward.sh" --here
fi

ROUNDS=${ESP_BENCH_ROUNDS:-3}
UDP_SECS=${ESP_BENCH_UDP_SECS:-1}
TCP_SECS=${ESP_BENCH_TCP_SECS:-2}
CIPHERS=${ESP_BENCH_CIPHERS:-null aes128-sha1 aes-gcm}
PATHS=${ESP_BENCH_PATHS:-kernel nft-ft vtiaccel}
CELLS=${ESP_BENCH_CELLS:-udp1-out udp32-out udp1-in udp32-in tcp1-out tcp32-out tcp1-in tcp32-in}
# the router's vCPU and the other one (generator, far end, sinks, tools);
# trafgen's worker pins itself to CPU 0: that is OCPU.
RCPU=1 OCPU=0
[ "$(nproc)" -ge 2 ] || { echo "esp_forward: needs 2 CPUs, have $(nproc)" >&2; exit 1; }

T_PREFIX=espb$$-
T_TMP=$(mktemp -d /tmp/esp_forward.XXXXXX)
ns_exec() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
. tests/vm/dp_lib.sh
DPID=
RES=$T_TMP/results

cleanup() {
	[ -z "$DPID" ] || { kill "$DPID" 2>/dev/null; wait "$DPID" 2>/dev/null; }
	[ -z "${IPERF_PIDS:-}" ] || kill $IPERF_PIDS 2>/dev/null
	dp_netns_del
	rm -rf "$T_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# now_ms, wait_until
# shellcheck source=tests/lib/common.sh
. tests/lib/common.sh
die() { echo "esp_forward: $*" >&2; exit 1; }

# This script, the daemon, iptables/nft and the tools run on the other
# vCPU: the router's vCPU does the router's work only.
taskset -pc "$OCPU" $$ >/dev/null

modprobe -q -a ip_vti esp4 xfrm_user nf_flow_table nf_flow_table_inet \
	nft_flow_offload 2>/dev/null || true
for m in ip_vti esp4 xfrm_user; do
	[ -d /sys/module/$m ] || die "kernel $(uname -r) lacks $m"
done
for t in trafgen iperf3 jq nft iptables; do
	command -v $t >/dev/null || die "$t not found"
done
[ -x "$VTA" ] || die "$VTA missing"

# --- topology ----------------------------------------------------------------

DP_CIPHER=${CIPHERS%% *}
dp_seed_topology || die "topology setup failed"
ip -n "$LAN" link add d0 type veth peer name d0 netns "$VPC"
ip -n "$LAN" addr add 10.99.0.1/24 dev d0
ip -n "$VPC" addr add 10.99.0.2/24 dev d0
ip -n "$LAN" link set d0 up
ip -n "$VPC" link set d0 up
mac() { ip -n "$1" -j link show "$2" | jq -r '.[0].address'; }
LAN_MAC=$(mac "$LAN" eth0) GW_MAC=$(mac "$GW" eth1)
VPC_MAC=$(mac "$VPC" eth0) PEER_MAC=$(mac "$PEER" eth1)
LD0_MAC=$(mac "$LAN" d0) VD0_MAC=$(mac "$VPC" d0)
# Static neighbours: no ARP during a run, the same in every path (and
# vtiaccel needs a neighbour entry to forward).  Also on the ESP side: a
# receiver behind on its backlog loses ARP replies, and an unresolved
# neighbour would drop what the router encrypted.
ip -n "$GW" neigh replace $LAN_IP lladdr "$LAN_MAC" dev eth1 nud permanent
ip -n "$PEER" neigh replace $VPC_IP lladdr "$VPC_MAC" dev eth1 nud permanent
ip -n "$LAN" neigh replace 10.16.16.254 lladdr "$GW_MAC" dev eth0 nud permanent
ip -n "$VPC" neigh replace 172.31.0.1 lladdr "$PEER_MAC" dev eth0 nud permanent
ip -n "$GW" neigh replace $PEER_PUB lladdr "$(mac "$PEER" pub0)" dev pub0 nud permanent
ip -n "$PEER" neigh replace $GW_PUB lladdr "$(mac "$GW" pub0)" dev pub0 nud permanent
ip -n "$LAN" neigh replace 10.99.0.2 lladdr "$VD0_MAC" dev d0 nud permanent
ip -n "$VPC" neigh replace 10.99.0.1 lladdr "$LD0_MAC" dev d0 nud permanent

# drop_bpf PROTO: classic BPF for tc direct action: IPv4 with protocol
# PROTO -> TC_ACT_SHOT, anything else (ARP too) -> TC_ACT_UNSPEC.
drop_bpf() { echo "6,40 0 0 12,21 0 3 2048,48 0 0 23,21 0 1 $1,6 0 0 2,6 0 0 4294967295"; }
# The sinks drop UDP at tc ingress, so that what the sink costs is the
# same in every path and TCP still reaches iperf3.
for nd in "$LAN eth0" "$LAN d0" "$VPC eth0" "$VPC d0"; do
	set -- $nd
	tc -n "$1" qdisc add dev "$2" clsact &&
	tc -n "$1" filter add dev "$2" ingress bpf da bytecode "$(drop_bpf 17)" ||
		die "cannot install the UDP drop filter on $1 $2"
done

# rps NS DEV CPU: process what DEV receives on CPU.
rps() { ns_exec "$1" sh -c "echo $(printf %x $((1 << $3))) > /sys/class/net/$2/queues/rx-0/rps_cpus"; }
rps "$GW" eth1 $RCPU
rps "$GW" pub0 $RCPU
for nd in "$LAN eth0" "$LAN d0" "$PEER pub0" "$PEER eth1" "$VPC eth0" "$VPC d0"; do
	set -- $nd
	rps "$1" "$2" $OCPU
done

# iperf3 servers: in vpc for the tunnel, and on vpc's d0 for direct.
IPERF_PIDS=
for a in $VPC_IP 10.99.0.2; do
	ns_exec "$VPC" taskset -c $OCPU iperf3 -s -B $a -p 5201 >/dev/null 2>&1 &
	IPERF_PIDS="$IPERF_PIDS $!"
done
wait_until 10 eval "ns_exec $VPC ss -ltn | grep -q '$VPC_IP:5201 '" &&
	wait_until 10 eval "ns_exec $VPC ss -ltn | grep -q '10.99.0.2:5201 '" ||
	die "iperf3 servers did not start"

# --- paths -------------------------------------------------------------------

tc_progs() { # BPF programs on gw's eth1 and vti1 ingress, tcx or tc (none but vtiaccel's)
	local dev
	for dev in eth1 vti1; do
		ip netns exec "$GW" /usr/bin/python3 tests/net/lib/hookprogs.py "$dev" ingress 2>/dev/null
	done
}

path_on() {
	case $1 in
	kernel)
		ns_exec "$GW" iptables -t mangle -A FORWARD -o vti1 -p tcp -m tcp \
			--tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu ;;
	nft-ft)
		ns_exec "$GW" nft -f - <<-EOF
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
		# --no-xdp: XDP on a veth switches it to NAPI + GRO, which would
		# change the LAN side for this path only (and run on the
		# generator's vCPU); this compares the tc forwarding paths.
		dp_daemon_start --no-xdp
		# on the busy vCPU, but ahead of the generator: the lease (3 s)
		# must not run out because the daemon did not get to renew it
		taskset -pc "$OCPU" "$DPID" >/dev/null
		renice -n -10 -p "$DPID" >/dev/null
		wait_until 90 vta_verify || {
			echo "esp_forward: vtiaccel not ready: $(tail -3 "$T_TMP/daemon.log")" >&2
			return 1
		} ;;
	esac
}

path_off() {
	case $1 in
	kernel) ns_exec "$GW" iptables -t mangle -F FORWARD ;;
	nft-ft) ns_exec "$GW" nft delete table inet vtabench ;;
	vtiaccel) kill "$DPID"; wait "$DPID" 2>/dev/null; DPID= ;;
	esac
}

# Counters without forking `ip netns exec`: /proc/PID/net/dev of a
# process in the namespace (each exec costs ~0.1-0.2 s under emulation).
declare -A HOLD
for ns in "$LAN" "$GW" "$PEER" "$VPC"; do
	ip netns exec "$ns" sleep 1000000 &
	HOLD[$ns]=$!
	IPERF_PIDS="$IPERF_PIDS $!"
done
# dev_pkts NS DEV rx|tx|txall|bytes: txall = sent + dropped on transmit
# (a veth drops when the receiver's backlog is full: the router did its
# work for that frame all the same, and the receiver runs on the other
# vCPU); bytes = received + sent.
dev_pkts() {
	local name rb rp tb tp td x rest
	# shellcheck disable=SC2034 # x: the fields we skip
	while read -r name rb rp x x x x x x tb tp x td rest; do
		[ "$name" = "$2:" ] || continue
		case $3 in
		rx) echo "$rp" ;;
		tx) echo "$tp" ;;
		txall) echo $((tp + td)) ;;
		bytes) echo $((rb + tb)) ;;
		esac
		return 0
	done < "/proc/${HOLD[$1]}/net/dev"
	echo 0
}
# vti_count packets|bytes: through gw's vti1, both ways.  TCP is compared
# in bytes: a GSO skb is one packet to tc, nft and the stats, but its
# segments count one by one on vti1 (no GSO on a VTI: the core segments
# before vti_xmit).  UDP in packets: the fast path counts 64-byte frames
# with their Ethernet header, vti1 without.
vti_count() {
	if [ "$1" = bytes ]; then
		dev_pkts "$GW" vti1 bytes
	else
		echo $(($(dev_pkts "$GW" vti1 tx) + $(dev_pkts "$GW" vti1 rx)))
	fi
}

# Per-run evidence that the path did what it says: path_fast PATH UNIT =
# what the path's own fast path handled (vtiaccel: fwd_to_tunnel on eth1 +
# fwd_to_lan on vti1) or, for nft-ft, what its forward chain saw (= NOT
# offloaded).
path_fast() {
	case $1 in
	nft-ft)
		ns_exec "$GW" nft list chain inet vtabench forward |
			awk -v u="$2" '/counter packets/ { for (i = 1; i < NF; i++) if ($i == u) print $(i + 1) }' ;;
	vtiaccel)
		vta stats -j | jq -r --arg u "$2" '[.interfaces[] | select(.name == "eth1") | .counters.fwd_to_tunnel[$u]] +
			[.interfaces[] | select(.name == "vti1") | .counters.fwd_to_lan[$u]] | add' ;;
	*) echo 0 ;;
	esac
}

# cpu_read: "cpuN busy softirq total" (jiffies) of RCPU and OCPU, no fork.
cpu_read() {
	local name u n s i w q sq st rest out=
	while read -r name u n s i w q sq st rest; do
		case $name in
		"cpu$RCPU"|"cpu$OCPU")
			out="$out $name $((u + n + s + q + sq + st)) $sq $((u + n + s + i + w + q + sq + st))" ;;
		esac
	done < /proc/stat
	echo "$out"
}
# cpu_delta BEFORE AFTER: "Rbusy% Rsoftirq% Obusy% Rbusy_jiffies"
cpu_delta() {
	awk -v a="$1" -v b="$2" -v r="cpu$RCPU" -v o="cpu$OCPU" 'BEGIN {
		n = split(a, A, " "); split(b, B, " ")
		for (i = 1; i <= n; i += 4) {
			c = A[i]; busy[c] = B[i + 1] - A[i + 1]; sq[c] = B[i + 2] - A[i + 2]
			tot[c] = B[i + 3] - A[i + 3]
		}
		printf "%.0f %.0f %.0f %d\n", tot[r] ? 100 * busy[r] / tot[r] : 0,
			tot[r] ? 100 * sq[r] / tot[r] : 0, tot[o] ? 100 * busy[o] / tot[o] : 0, busy[r]
	}'
}

# esp_drop add|del: the far end drops ESP at tc ingress of its pub0: for
# UDP out, the frames the router sent are counted without the far end
# decrypting them on vCPU 0.
esp_drop() {
	if [ "$1" = add ]; then
		tc -n "$PEER" filter add dev pub0 ingress pref 7 bpf da bytecode "$(drop_bpf 50)"
	else
		tc -n "$PEER" filter del dev pub0 ingress pref 7
	fi
}
tc -n "$PEER" qdisc add dev pub0 clsact || die "clsact on peer pub0"

# udp_run PATH FLOWS DIR:
#   "pps Rbusy% Rsoftirq% Obusy% Rbusy_jiffies fast_pkts vti_pkts frames"
udp_run() {
	local p=$1 flows=$2 dir=$3 gns dev=eth0 dmac smac sip dip cns cdev cdir sp=1000
	local c0 c1 t0 t1 s0 s1 f0 f1 v0 v1 tg
	if [ "$p" = direct ]; then
		dev=d0 cdev=d0 cdir=rx
		if [ "$dir" = out ]; then gns=$LAN dmac=$VD0_MAC smac=$LD0_MAC sip=10.99.0.1 dip=10.99.0.2 cns=$VPC
		else gns=$VPC dmac=$LD0_MAC smac=$VD0_MAC sip=10.99.0.2 dip=10.99.0.1 cns=$LAN; fi
	elif [ "$dir" = out ]; then
		gns=$LAN dmac=$GW_MAC smac=$LAN_MAC sip=$LAN_IP dip=$VPC_IP cns=$GW cdev=pub0 cdir=txall
		esp_drop add
	else
		gns=$VPC dmac=$PEER_MAC smac=$VPC_MAC sip=$VPC_IP dip=$LAN_IP cns=$GW cdev=eth1 cdir=txall
	fi
	[ "$flows" = 1 ] || sp="dinc(1000, $((1000 + flows - 1)))"
	echo "{ eth(da=$dmac, sa=$smac), ipv4(saddr=$sip, daddr=$dip, ttl=64, df), udp(sp=$sp, dp=9), fill(0x41, 18) }" \
		> "$T_TMP/udp.cfg"
	# trafgen writes a temporary file in its working directory (the
	# repository is read-only in the VM); its one worker pins itself to
	# CPU 0 (= OCPU).
	(cd "$T_TMP" && exec ip netns exec "$gns" taskset -c $OCPU trafgen -o $dev -i udp.cfg -P 1 \
		--no-sock-mem --notouch-irq --no-cpu-stats) > "$T_TMP/trafgen.log" 2>&1 &
	tg=$!
	c0=$(dev_pkts "$cns" $cdev $cdir)
	# the window opens once frames flow
	if wait_until 15 eval "[ \$(dev_pkts $cns $cdev $cdir) -gt $((c0 + 200)) ]"; then
		f0=$(path_fast "$p" packets) v0=$(vti_count packets)
		c0=$(dev_pkts "$cns" $cdev $cdir) t0=$(now_ms) s0=$(cpu_read)
		# The window is a duration, not a wait for a condition.
		sleep "$UDP_SECS"
		c1=$(dev_pkts "$cns" $cdev $cdir) t1=$(now_ms) s1=$(cpu_read)
	else
		echo "# udp $p $flows $dir: nothing arrived; trafgen: $(tail -2 "$T_TMP/trafgen.log" | tr '\n' ' ')" >&2
		c1=$c0
	fi
	pkill -INT -P "$tg" 2>/dev/null
	kill -INT "$tg" 2>/dev/null
	wait "$tg"
	[ "$p" = direct ] || [ "$dir" != out ] || esp_drop del
	[ "$c1" != "$c0" ] || { echo "0 0 0 0 0 0 0 0"; return; }
	f1=$(path_fast "$p" packets) v1=$(vti_count packets)
	echo "$(((c1 - c0) * 1000 / (t1 - t0))) $(cpu_delta "$s0" "$s1") $((f1 - f0)) $((v1 - v0)) $((c1 - c0))"
}

# tcp_run PATH FLOWS DIR:
#   "Mbit/s Rbusy% Rsoftirq% Obusy% Rbusy_jiffies fast_bytes vti_bytes 0"
tcp_run() {
	local p=$1 flows=$2 dir=$3 dst=$VPC_IP r='' s0 s1 f0 f1 v0 v1 bps
	[ "$p" != direct ] || dst=10.99.0.2
	[ "$dir" = out ] || r=-R
	f0=$(path_fast "$p" bytes) v0=$(vti_count bytes) s0=$(cpu_read)
	ns_exec "$LAN" taskset -c $OCPU iperf3 -c $dst -p 5201 -t "$TCP_SECS" -P "$flows" $r -J \
		> "$T_TMP/iperf.json" 2>&1
	s1=$(cpu_read) f1=$(path_fast "$p" bytes) v1=$(vti_count bytes)
	bps=$(jq -r '.end.sum_received.bits_per_second // 0' "$T_TMP/iperf.json" 2>/dev/null) || bps=0
	[ "${bps%.*}" -gt 0 ] 2>/dev/null ||
		echo "# tcp $p $flows $dir: iperf3: $(jq -r '.error // empty' "$T_TMP/iperf.json" 2>/dev/null | head -c 200)" >&2
	echo "$(awk -v b="${bps:-0}" 'BEGIN { printf "%.1f", b / 1e6 }') $(cpu_delta "$s0" "$s1") $((f1 - f0)) $((v1 - v0)) 0"
}

# valid PATH FAST VTI UNIT: "ok" or why the run is INVALID
valid() {
	local p=$1 fast=$2 vti=$3 u=$4
	case $p in
	nft-ft)
		[ "$vti" -gt 0 ] && [ $((fast * 10)) -le "$vti" ] ||
			{ echo "not offloaded: its forward chain saw $fast of $vti $u"; return; } ;;
	vtiaccel)
		[ "$vti" -gt 0 ] && [ $((fast * 10)) -ge $((vti * 9)) ] ||
			{ echo "fast path took $fast of $vti $u"; return; } ;;
	esac
	echo ok
}

# run PATH CELL ROUND CIPHER: measure, record, print one line.
run() {
	local p=$1 cell=$2 round=$3 c=$4 proto flows dir out val ok unit=Mbit/s u=bytes
	proto=${cell%%[0-9]*} flows=${cell#"$proto"} flows=${flows%-*} dir=${cell#*-}
	if [ "$proto" = udp ]; then
		unit=pps u=packets
		out=$(udp_run "$p" "$flows" "$dir")
	else
		out=$(tcp_run "$p" "$flows" "$dir")
	fi
	# shellcheck disable=SC2086 # fields
	set -- $out
	val=$1
	ok=$(valid "$p" "$6" "$7" $u)
	[ "${val%.*}" -gt 0 ] 2>/dev/null || ok="nothing received"
	[ "$ok" = ok ] || val=INVALID
	# what the programs did instead (cumulative counters)
	[ "$ok" = ok ] || [ "$p" != vtiaccel ] || echo "# vtiaccel counters: $(dp_counters_info)"
	echo "$c $cell $p $round $val $5 $8 $2 $6 $7" >> "$RES"
	# the raw record too: a cut-short run can still be tabulated
	echo "#rec $c $cell $p $round $val $5 $8 $2 $6 $7"
	printf '# %-11s %-9s %-8s r%d %9s %-6s router vCPU %3s%% (softirq %3s%%), other vCPU %3s%%, fast %s of %s %s%s\n' \
		"$c" "$cell" "$p" "$round" "$1" "$unit" "$2" "$3" "$4" "$6" "$7" $u \
		"$([ "$ok" = ok ] || echo "  INVALID: $ok")"
}

# --- the run ---------------------------------------------------------------

HZ=$(getconf CLK_TCK)
echo "# ESP forwarding bench on $(uname -r), $(getconf _NPROCESSORS_ONLN) vCPUs: router (gw) on" \
	"vCPU $RCPU, generator/far end/sinks/tools on vCPU $OCPU; $ROUNDS rounds," \
	"UDP ${UDP_SECS} s and TCP ${TCP_SECS} s per run"
echo "# guest load before: $(cut -d' ' -f1-3 /proc/loadavg); paths $PATHS; ciphers $CIPHERS"
T_START=$(now_ms)
: > "$RES"
# set_cipher CIPHER PATH: new SAs on both ends; traffic flows again (and
# vtiaccel, which follows the SAs, has the tunnel back in its maps).
set_cipher() {
	DP_CIPHER=$1
	{ dp_set_sas "$GW" gw && dp_set_sas "$PEER" peer; } || die "SAs for $1"
	wait_until 20 ping_ok "$LAN" $VPC_IP || die "no traffic through the tunnel with $1"
	[ "$2" != vtiaccel ] || wait_until 30 vta_verify ||
		echo "# vtiaccel: verify reports drift after the SAs changed to $1"
}
# Rounds of (direct, kernel, nft-ft, vtiaccel), each path once per round
# over every cipher and cell; every other round in reverse order
# (kernel nft-ft vtiaccel | vtiaccel nft-ft kernel | ...), so that a path
# that ends a round starts the next without a restart: starting vtiaccel
# costs ~10-50 s under emulation (BPF verifier), changing the SAs ~1-3 s.
cur=
for round in $(seq 1 "$ROUNDS"); do
	order=$PATHS
	[ $((round % 2)) = 1 ] || order=$(echo "$PATHS" | tr ' ' '\n' | tac | tr '\n' ' ')
	for p in $order; do
		if [ "$p" != "$cur" ]; then
			[ -z "$cur" ] || path_off "$cur"
			cur=
			t0=$(now_ms)
			if ! path_on "$p"; then
				echo "# $p: setup failed"
				path_off "$p" 2>/dev/null
				continue
			fi
			cur=$p
			[ "$p" != vtiaccel ] || echo "# vtiaccel ready in $((($(now_ms) - t0) / 1000)) s"
		fi
		# direct (UDP every round, TCP in the first: iperf3 endpoints
		# only) next to the first path of the round
		if [ "$p" = "${order%% *}" ]; then
			for cell in $CELLS; do
				[ "$round" = 1 ] || [ "${cell#udp}" != "$cell" ] || continue
				run direct "$cell" "$round" -
			done
		fi
		for c in $CIPHERS; do
			set_cipher "$c" "$p"
			# kernel and flowtable must run without our programs
			if [ "$p" != vtiaccel ] && [ -n "$(tc_progs)" ]; then
				echo "# $c $p: INVALID: a tc program is attached to gw: $(tc_progs | head -2)"
				for cell in $CELLS; do echo "$c $cell $p $round INVALID 0 0 0 0 0" >> "$RES"; done
				continue
			fi
			for cell in $CELLS; do run "$p" "$cell" "$round" "$c"; done
		done
	done
done
[ -z "$cur" ] || path_off "$cur"
echo "# gw xfrm errors (/proc/net/xfrm_stat, non-zero): $(ns_exec "$GW" awk '$2 != 0 { printf "%s %s ", $1, $2 }' /proc/net/xfrm_stat)"
echo "# bench wall time $((($(now_ms) - T_START) / 1000)) s; guest load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- table -----------------------------------------------------------------

awk -v paths="$PATHS" -v hz="$HZ" '
function sort(list, a,    n, i, j, t) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
		if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n
}
function median(list,    a, n) {
	n = sort(list, a)
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function spread(list,    a, n) { n = sort(list, a); return n ? a[1] "-" a[n] : "" }
# $1 cipher $2 cell $3 path $4 round $5 value|INVALID $6 router busy
# jiffies $7 frames $8 router busy % $9 fast-path bytes $10 vti1 bytes
{
	k = $1 SUBSEP $2 SUBSEP $3
	u = $2 ~ /^udp/ ? "packets" : "bytes"; fast[$3, u] += $9; vti[$3, u] += $10
	if ($1 != "-" && !(($1, $2) in seen)) { seen[$1, $2] = 1; order[++no] = $1 SUBSEP $2 }
	if ($5 == "INVALID") { bad[k] = 1; next }
	v[k] = v[k] " " $5; busy[k] = busy[k] " " $8
	if ($2 ~ /^udp/ && $7 > 0) ns[k] = ns[k] " " 1e9 * $6 / hz / $7
}
function key(c, cl, p) { return (p == "direct" ? "-" : c) SUBSEP cl SUBSEP p }
function val(c, cl, p,    k) {
	k = key(c, cl, p)
	if (k in bad) return "INVALID"
	return k in v ? median(v[k]) : "-"
}
# "median (min-max)", "<" where the router vCPU was below 95% busy
function show(c, cl, p,    k, x, m) {
	k = key(c, cl, p); x = val(c, cl, p)
	if (x == "INVALID" || x == "-") return x
	m = (p != "direct" && cl ~ /^udp/ && median(busy[k]) < 95) ? "<" : ""
	return m x " (" spread(v[k]) ")"
}
function cost(c, cl, p,    k) {
	k = key(c, cl, p)
	return (k in bad || !(k in ns)) ? "" : median(ns[k])
}
function ratio(a, b) { return (a + 0 > 0 && b + 0 > 0) ? sprintf("%.2f", a / b) : "-" }
END {
	np = split(paths, P, " ")
	printf "\nmedian of rounds (min-max).  UDP: pps of 64-byte frames the router sent (\"<\": router vCPU\n"
	printf "below 95%% busy: vCPU 0 limited it, see rtr ns); TCP: Mbit/s received by iperf3\n"
	printf "%-12s %-10s %20s", "cipher", "traffic", "direct"
	for (i = 1; i <= np; i++) printf " %22s", P[i]
	printf " %8s %8s\n", "vta/kern", "vta/ft"
	for (o = 1; o <= no; o++) {
		split(order[o], K, SUBSEP); c = K[1]; cl = K[2]
		printf "%-12s %-10s %20s", c, cl, show(c, cl, "direct")
		for (i = 1; i <= np; i++) printf " %22s", show(c, cl, P[i])
		a = val(c, cl, "vtiaccel")
		printf " %8s %8s%s\n", ratio(a, val(c, cl, "kernel")), ratio(a, val(c, cl, "nft-ft")),
			c == "null" ? "  <- goal 1.5 / 1.2" : ""
	}
	printf "\n"
	for (i = 1; i <= np; i++) for (j = 1; j <= 2; j++) {
		u = j == 1 ? "packets" : "bytes"; p = P[i]
		if (p == "kernel" || !((p, u) in vti) || vti[p, u] <= 0) continue
		printf "%s: %s %.1f%% of the %s through vti1 (%d of %d, %s)\n", p,
			p == "nft-ft" ? "its forward chain saw" : "its fast path took",
			100 * fast[p, u] / vti[p, u], u, fast[p, u], vti[p, u], u == "packets" ? "UDP runs" : "TCP runs"
	}
	printf "\nrouter cost per UDP packet, ns (median) = busy time of the router vCPU / frames it sent\n"
	printf "%-12s %-10s", "cipher", "traffic"
	for (i = 1; i <= np; i++) printf " %10s", P[i]
	printf " %9s %9s\n", "kern/vta", "ft/vta"
	for (o = 1; o <= no; o++) {
		split(order[o], K, SUBSEP); c = K[1]; cl = K[2]
		if (cl !~ /^udp/) continue
		printf "%-12s %-10s", c, cl
		for (i = 1; i <= np; i++) {
			x = cost(c, cl, P[i]); cc[P[i]] = x
			printf " %10s", x != "" ? sprintf("%.0f", x) : val(c, cl, P[i]) == "INVALID" ? "INVALID" : "-"
		}
		printf " %9s %9s%s\n", ratio(cc["kernel"], cc["vtiaccel"]), ratio(cc["nft-ft"], cc["vtiaccel"]),
			c == "null" ? "  <- goal 1.5 / 1.2" : ""
	}
}' "$RES"
