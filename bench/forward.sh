#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Forwarding benchmark on veth in namespaces (host kernel): 64-byte UDP
# frames (60 bytes + FCS), 1 flow and 1,000 flows, both directions, from
# trafgen through a router namespace to a sink:
#
#   gen g0 10.1.0.1 --- r0 10.1.0.254 [router] r1 10.2.0.254 --- s0 10.2.0.1 sink
#   gen g1 10.3.0.1 ------------------------------------------- s1 10.3.0.2 sink
#
#   lan->tun: trafgen on g0, counted at s0 (r0 is the LAN, r1 the "tunnel":
#             a veth standing in for a VTI, as in the net tier)
#   tun->lan: trafgen on s0, counted at g0
#
# Variants (VARIANTS, letters):
#   a  seed rules + conntrack: mangle FORWARD TCPMSS --clamp-mss-to-pmtu,
#      mangle INPUT ESP MARK, filter FORWARD -m conntrack --ctstate INVALID
#      -j DROP (a usual gateway rule; it makes the namespace track flows)
#   b  the two seed rules only (conntrack hooks not registered)
#   c  plain kernel forwarding, no rules
#   n  anchor: minimal tc, TTL - 1, bpf_redirect_neigh(out, NULL)
#   t  the same program attached through tcx (kernel 6.6+) instead of
#      cls_bpf: t - n is what tc's classifier layers cost per hook
#      (setup fails, and the cells say so, on a kernel without tcx)
#   f  anchor: minimal tc, bpf_fib_lookup() + MACs + bpf_redirect()
#   x  anchor: minimal XDP, bpf_fib_lookup() + MACs + bpf_redirect(); an
#      XDP_PASS program on the receiving veth (veth takes XDP frames only
#      into a NAPI-enabled peer)
#   s  vtiaccel with the vta_static spec below (the test tier's loader)
#   v  vtiaccel as users run it: `vtiaccel run --lan r0 --tunnel r1`,
#      routes mirrored by the daemon.  --liveness no: the probes are pings
#      into the tunnel that this topology cannot answer (they would only
#      mark it down); --no-sa-aware: a veth has no SAs; --xdp no (the XDP
#      guard is off by default, so no XDP program has a job either way).
#      The default [forward] attach = auto puts the programs on tcx links
#      where the kernel has tcx (6.6+), in cls_bpf filters otherwise; the
#      setup prints which
#   l  v with `--attach tc`: cls_bpf filters in clsact whatever the
#      kernel (what v was before attach = auto); v - l per cell
#   y  v with `--attach tcx` (on a 6.6+ kernel the same as v)
#   g  v with the XDP guard on: `--xdp yes --xdp-guard yes` (vta_xdp_lan
#      attached to r0 in native mode, dropping LAN packets that forge a
#      source routed into a tunnel); the table prints g - v per cell (goal:
#      at most 25 ns; with the guard off `--xdp yes` attaches nothing)
#   p  v plus an XDP program that only returns XDP_PASS on r0 (the
#      anchors' xdp-pass): what attaching any XDP program to the LAN veth
#      costs, so that g - p is the guard program's own cost
#   o  v with an older build: VTA_OLD (a vtiaccel binary), or else the
#      BASELINE revision built by bench/baseline.sh (by default the head
#      when issue 14's work began, 52a0649): before/after in one
#      interleaved run; BASELINE= (empty) and no VTA_OLD for none
#   e  direct: the generator straight into the sink (no router)
#
# RUNS repetitions, interleaved (each repetition sets up every variant in
# turn and measures all its cells), SECS seconds each; the table gives the
# median with min-max and warns when the repetitions of a cell spread by
# more than 10%.  Generator, router and sink share CPU $CPU (veth
# processing runs on the sending CPU; docs/kernel-facts.md: one CPU gives
# stable numbers, two give bimodal ones).  The receiving veth drops every
# frame at tc ingress (classic BPF "ret TC_ACT_SHOT") so that its cost is
# the same in every variant; pps = its rx_packets over the window.
#
#   router cost per packet = 1/pps - 1/pps(direct)
#
# PROFILE=1 (default) adds, after the table, the per-program run_time_ns /
# run_cnt of vtiaccel's programs in both setups (s and v) with
# kernel.bpf_stats_enabled=1 for one window each (the sysctl is restored).
#
# Env: BUILD, RUNS=3, SECS=2, CPU=1, NICE=-20, FLOWS="1 1000",
# DIRS="lan->tun tun->lan", VARIANTS="e a b c n t f x s v l g p o" (o
# when VTA_OLD or BASELINE gives a build), VTA_OLD, BASELINE, PROFILE=1,
# PERF (variants to profile with perf, e.g. "c v").
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/net/lib/ns.sh

BUILD=${BUILD:-build}
RUNS=${RUNS:-3}
SECS=${SECS:-2}
CPU=${CPU:-1}
# On a shared machine, weight (not starve) the generator, whose context
# also runs the veth/router/sink softirq work: CFS gives nice -20 ~98% of
# the CPU against one nice-0 task.  NICE=0 to measure without it.
NICE=${NICE:--20}
FLOWS=${FLOWS:-"1 1000"}
DIRS=${DIRS:-"lan->tun tun->lan"}
VTA_OLD=${VTA_OLD:-}
OLD_NAME="vtiaccel run, VTA_OLD"
. bench/baseline.sh
# the baseline only when o is wanted: by default, or named in VARIANTS
if [ -z "$VTA_OLD" ] && [ -n "$BASELINE" ]; then
	case " ${VARIANTS:-o} " in
	*" o "*)
		VTA_OLD=$(baseline_bin vtiaccel) || VTA_OLD=
		[ -z "$VTA_OLD" ] || OLD_NAME="vtiaccel run, old: $BASELINE"
		;;
	esac
fi
VARIANTS=${VARIANTS:-"e a b c n t f x s v l g p${VTA_OLD:+ o}"}
case " $VARIANTS " in
*" o "*) [ -n "$VTA_OLD" ] || { echo "forward: variant o needs VTA_OLD or BASELINE"; exit 1; } ;;
esac
# every router cost is against the direct run of the same repetition
case " $VARIANTS " in *" e "*) ;; *) VARIANTS="e $VARIANTS" ;; esac
PROFILE=${PROFILE:-1}
VTA=$BUILD/vtiaccel
ANCHORS=$BUILD/bench/anchors
ANCHORS_OBJ=$BUILD/bench/anchors.bpf.o

nt_init bench-fwd || exit 1
# nt_cleanup (EXIT) unpins the maps; the daemon's program pins (the
# egress clamp it leaves attached on exit) too
fwd_cleanup() {
	local rc=$?
	rm -f "$NT_PIN"/progs/* 2>/dev/null
	rmdir "$NT_PIN/progs" 2>/dev/null
	(exit "$rc")
	nt_cleanup
}
trap fwd_cleanup EXIT
command -v trafgen >/dev/null || { echo "forward: trafgen (netsniff-ng) missing"; exit 1; }
for f in "$NT_VTA_STATIC" "$VTA" "$ANCHORS"; do
	[ -x "$f" ] || { echo "forward: $f missing (make BUILD=$BUILD tests)"; exit 1; }
done
[ -f "$ANCHORS_OBJ" ] || { echo "forward: $ANCHORS_OBJ missing (make BUILD=$BUILD tests)"; exit 1; }
[ -z "$VTA_OLD" ] || [ -x "$VTA_OLD" ] || { echo "forward: VTA_OLD=$VTA_OLD is not executable"; exit 1; }

nt_ns gen rtr sink || exit 1
nt_veth gen g0 rtr r0 && nt_veth rtr r1 sink s0 && nt_veth gen g1 sink s1 || exit 1
nt_forwarding rtr
ip -n "$(nt_name gen)" addr add 10.1.0.1/24 dev g0
ip -n "$(nt_name gen)" addr add 10.3.0.1/24 dev g1
ip -n "$(nt_name rtr)" addr add 10.1.0.254/24 dev r0
ip -n "$(nt_name rtr)" addr add 10.2.0.254/24 dev r1
ip -n "$(nt_name sink)" addr add 10.2.0.1/24 dev s0
ip -n "$(nt_name sink)" addr add 10.3.0.2/24 dev s1
mac() { nt_x "$1" cat "/sys/class/net/$2/address"; }
# static neighbours: no ARP during a run, the same in every variant
nt_x rtr ip neigh replace 10.2.0.1 lladdr "$(mac sink s0)" dev r1 nud permanent
nt_x rtr ip neigh replace 10.1.0.1 lladdr "$(mac gen g0)" dev r0 nud permanent
# Drop at the receiving side's tc ingress.  This kernel has neither
# cls_matchall nor act_gact: a one-instruction classic BPF filter in
# direct-action mode, "ret #2" = TC_ACT_SHOT, does it.
drop_filter() {
	nt_x "$1" tc qdisc add dev "$2" clsact &&
	nt_x "$1" tc filter add dev "$2" ingress bpf da bytecode "1,6 0 0 2" || {
		echo "forward: cannot install the drop filter on $2"; exit 1; }
}
drop_filter sink s0
drop_filter sink s1
drop_filter gen g0
# no offloads that would batch frames differently per path
for d in g0 g1; do nt_x gen ethtool -K $d tso off gso off >/dev/null 2>&1; done
nt_x sink ethtool -K s0 tso off gso off >/dev/null 2>&1

R0_MAC=$(mac rtr r0) R1_MAC=$(mac rtr r1) S1_MAC=$(mac sink s1)
G0_MAC=$(mac gen g0) G1_MAC=$(mac gen g1) S0_MAC=$(mac sink s0)

# trafgen config: DEV DSTMAC SRCMAC SRCIP DSTIP FLOWS
tg_conf() {
	local sp="sp=4000"
	[ "$6" -gt 1 ] && sp="sp=dinc(4000, $((4000 + $6 - 1)))"
	cat >"$NT_DIR/tg-$1-$6.cfg" <<-EOC
	{ eth(da=$2, sa=$3), ipv4(sa=$4, da=$5, ttl=64, df), udp($sp, dp=9), fill(0x41, 18) }
	EOC
	echo "$NT_DIR/tg-$1-$6.cfg"
}

rx() { nt_x "$1" cat "/sys/class/net/$2/statistics/rx_packets"; }

VTA_SPEC="
iface r0 role lan slot 1 flags up,l2
iface r1 role tunnel slot 2 mtu 1500 mss4 1460 mss6 1440 flags up,sa_up,l2
group 1 neigh r1 via 10.2.0.1
group 2 neigh r0
route 10.2.0.0/24 group 1 flags via_tunnel,gateway
route 10.1.0.0/24 group 2
route 10.1.0.254/32 local
route 10.2.0.254/32 local
config forward lease 3600s seed 1
attach r0 lan
attach r1 tunnel"

seed_rules() {
	nt_x rtr iptables -t mangle -A FORWARD -o r1 -p tcp -m tcp \
		--tcp-flags SYN,RST SYN -j TCPMSS --clamp-mss-to-pmtu &&
	nt_x rtr iptables -t mangle -A INPUT -p esp -s 198.51.100.1 -d 10.2.0.254 \
		-j MARK --set-xmark 100
}

clear_rules() {
	nt_x rtr iptables -t mangle -F
	nt_x rtr iptables -F
}

anchor() { nt_x "$1" "$ANCHORS" "$ANCHORS_OBJ" "${@:2}" >>"$NT_DIR/anchors.out" 2>&1; }
# tcx_anchor NAME DEV OUT: the tcx anchor on DEV, held by background
# process NAME until teardown kills it
tcx_anchor() {
	nt_bg "$1" rtr "$ANCHORS" "$ANCHORS_OBJ" tcx-neigh "$2" "$3"
	if ! wait_for "grep -q attached '$NT_DIR/$1.out' || ! nt_alive $1" 10 ||
	   ! nt_alive "$1"; then
		echo "forward: tcx anchor on $2: $(tail -n 2 "$NT_DIR/$1.out")"
		return 1
	fi
}

# daemon BINARY [XDP options]: `vtiaccel run` in the router, healthy
# (status exit 0); XDP options default to --xdp no
daemon() {
	local bin=$1
	shift
	[ $# -gt 0 ] || set -- --xdp no
	nt_bg vtad rtr "$bin" run --pin-root "$NT_PIN" --lan r0 --tunnel r1 \
		--liveness no --no-sa-aware "$@"
	if ! wait_for "nt_net rtr '$bin' --pin-root '$NT_PIN' status >/dev/null 2>&1 || ! nt_alive vtad" 90 ||
	   ! nt_alive vtad; then
		echo "forward: $bin run did not get healthy: $(tail -n 3 "$NT_DIR/vtad.out")"
		return 1
	fi
}

# g: the guard must really be on r0 in native mode (prog/xdp, not
# prog/xdpgeneric), or the variant measures something else
guard_attached() {
	if ! nt_x rtr ip -d link show dev r0 | grep -q 'prog/xdp id'; then
		echo "forward: --xdp-guard yes attached no XDP program to r0: $(tail -n 3 "$NT_DIR/vtad.out")"
		return 1
	fi
}

# v: which hook attach = auto chose, from the kernel (tests/net/lib)
daemon_hook() {
	echo "forward: v (attach = auto) runs vta_lan_in on r0 through:" \
		"$(nt_net rtr "$NT_PY" tests/net/lib/hookprogs.py r0 ingress |
			awk '$2 == "vta_lan_in" { print $1 }')"
}

daemon_stop() {
	nt_kill vtad
	# nsenter (nt_net), not ip netns exec: detach must see the bpffs
	# that holds the pin root (tcx links included)
	nt_net rtr "$VTA" detach --pin-root "$NT_PIN" >/dev/null 2>&1
	# the daemon's program pins live in a subdirectory
	rm -f "$NT_PIN"/progs/* 2>/dev/null
	rmdir "$NT_PIN/progs" 2>/dev/null
	vta_unpin
}

# setup VARIANT: configure the router; teardown VARIANT
setup() {
	case $1 in
	a) seed_rules && nt_x rtr iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP ;;
	b) seed_rules ;;
	n) anchor rtr tc-neigh r0 r1 && anchor rtr tc-neigh r1 r0 ;;
	t) tcx_anchor anct0 r0 r1 && tcx_anchor anct1 r1 r0 ;;
	f) anchor rtr tc-fib r0 && anchor rtr tc-fib r1 ;;
	x) anchor rtr xdp-fib r0 && anchor rtr xdp-fib r1 &&
	   anchor sink xdp-pass s0 && anchor gen xdp-pass g0 ;;
	s) vta_start rtr "$VTA_SPEC" ;;
	v) daemon "$VTA" && daemon_hook ;;
	l) daemon "$VTA" --xdp no --attach tc ;;
	y) daemon "$VTA" --xdp no --attach tcx ;;
	g) daemon "$VTA" --xdp yes --xdp-guard yes &&
	   guard_attached ;;
	p) daemon "$VTA" && anchor rtr xdp-pass r0 ;;
	o) daemon "$VTA_OLD" ;;
	c|e) : ;;
	esac
}

teardown() {
	case $1 in
	a|b) clear_rules ;;
	n|f) anchor rtr detach r0; anchor rtr detach r1 ;;
	t) nt_kill anct0; nt_kill anct1 ;;
	x) anchor rtr detach r0; anchor rtr detach r1
	   nt_x sink ip link set dev s0 xdp off; nt_x gen ip link set dev g0 xdp off ;;
	s) vta_stop ;;
	v|l|g|o|y) daemon_stop ;;
	p) daemon_stop; nt_x rtr ip link set dev r0 xdp off ;;
	esac
}

# measure VARIANT FLOWS DIR: prints "pps max-runnable"
measure() {
	local v=$1 flows=$2 dir=$3 ns dev dst src sip dip cfg rns sdev c0 c1 t0 t1
	if [ "$v" = e ]; then
		ns=gen dev=g1 dst=$S1_MAC src=$G1_MAC sip=10.3.0.1 dip=10.3.0.2 rns=sink sdev=s1
	elif [ "$dir" = "lan->tun" ]; then
		ns=gen dev=g0 dst=$R0_MAC src=$G0_MAC sip=10.1.0.1 dip=10.2.0.1 rns=sink sdev=s0
	else
		ns=sink dev=s0 dst=$R1_MAC src=$S0_MAC sip=10.2.0.1 dip=10.1.0.1 rns=gen sdev=g0
	fi
	cfg=$(tg_conf $dev "$dst" "$src" $sip $dip "$flows")
	# --no-sock-mem/--notouch-irq: trafgen must not retune host-wide
	# settings.  Its one worker pins itself to CPU 0 whatever the parent's
	# mask: move it to $CPU before the window opens.
	nt_bg tg $ns nice -n "$NICE" taskset -c "$CPU" trafgen -o $dev -c "$cfg" -P 1 \
		--no-sock-mem --notouch-irq --no-cpu-stats
	wait_for "pgrep -P ${NT_PID[tg]} >/dev/null" 5
	for w in $(pgrep -P "${NT_PID[tg]}"); do taskset -pc "$CPU" "$w" >/dev/null; done
	# the window opens once frames reach the sink
	c0=$(rx $rns $sdev)
	if ! wait_for "[ \$(rx $rns $sdev) -gt $((c0 + 1000)) ]" 10; then
		nt_kill tg
		echo "0 0"
		return 1
	fi
	c0=$(rx $rns $sdev); t0=$(date +%s%N)
	# The window is a duration, not a wait for a condition.  Sample the
	# number of runnable tasks meanwhile: trafgen is one; more means
	# other jobs competed for the CPUs during this run.
	local end=$((t0 + SECS * 1000000000)) busy=0 r
	while [ "$(date +%s%N)" -lt $end ]; do
		sleep 0.25
		r=$(awk '/^procs_running/ { print $2 }' /proc/stat)
		[ "$r" -gt "$busy" ] && busy=$r
	done
	c1=$(rx $rns $sdev); t1=$(date +%s%N)
	nt_kill tg
	awk -v n=$((c1 - c0)) -v ns=$((t1 - t0)) -v b=$busy \
		'BEGIN { printf "%.0f %d\n", n / (ns / 1e9), b }'
}

name() {
	case $1 in
	a) echo "seed rules + conntrack" ;;
	b) echo "seed rules, no conntrack" ;;
	c) echo "plain kernel forwarding" ;;
	n) echo "min tc redirect_neigh" ;;
	t) echo "min tcx redirect_neigh" ;;
	f) echo "min tc fib_lookup+redirect" ;;
	x) echo "min XDP fib_lookup" ;;
	s) echo "vtiaccel, vta_static spec" ;;
	v) echo "vtiaccel run (daemon)" ;;
	l) echo "vtiaccel run --attach tc" ;;
	y) echo "vtiaccel run --attach tcx" ;;
	g) echo "vtiaccel run, XDP guard on" ;;
	p) echo "vtiaccel run, XDP_PASS on r0" ;;
	o) echo "$OLD_NAME" ;;
	e) echo "direct (no router)" ;;
	esac
}

# The per-program cost inside one setup: bpftool's run_time_ns/run_cnt of
# the programs attached in the router, over one window of 1,000 flows
# LAN -> tunnel, with bpf stats on (they cost a clock read per run).
profile() {
	local v=$1 ids id stats_was
	setup "$v" || { teardown "$v"; return; }
	# tc and tcx programs from the kernel (bpftool 7.1 lists no tcx),
	# XDP from bpftool
	ids=$({
		for dev in r0 r1; do
			for dir in ingress egress; do
				nt_net rtr "$NT_PY" tests/net/lib/hookprogs.py "$dev" "$dir" |
					awk '{ print $3 }'
			done
		done
		nt_x rtr bpftool -j net show 2>/dev/null |
			jq -r '.[] | (.xdp // [])[] | .id'
	} | sort -u)
	stats_was=$(sysctl -n kernel.bpf_stats_enabled)
	sysctl -qw kernel.bpf_stats_enabled=1
	measure "$v" 1000 "lan->tun" >/dev/null
	for id in $ids; do
		bpftool -j prog show id "$id" 2>/dev/null | jq -r --arg v "$(name "$v")" \
			'"forward: profile \($v): \(.name) id \(.id): \(if (.run_cnt // 0) > 0 then "\(.run_cnt) runs, \((.run_time_ns / .run_cnt * 10 | floor) / 10) ns/run" else "not run" end)"'
	done
	sysctl -qw kernel.bpf_stats_enabled="$stats_was"
	teardown "$v"
}

echo "forward: $RUNS x ${SECS}s per cell, interleaved, CPU $CPU (generator nice $NICE), $(nproc) CPUs online"
for v in $VARIANTS; do echo "forward:   $v = $(name "$v")"; done
echo "forward: loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)"
for run in $(seq 1 "$RUNS"); do
	for v in $VARIANTS; do
		if ! setup $v; then
			echo "forward: setting up variant $v failed"
			teardown $v
			continue
		fi
		for flows in $FLOWS; do
			for dir in $DIRS; do
				[ $v = e ] && [ "$dir" != "${DIRS%% *}" ] && continue
				read -r pps busy < <(measure $v "$flows" "$dir")
				echo "$flows $dir $v $pps $run" >>"$NT_DIR/results"
				printf 'forward: run %d flows=%-4s %-8s %-28s %9s pps  (max runnable %s)\n' \
					"$run" "$flows" "$dir" "$(name $v)" "$pps" "$busy"
			done
		done
		[ $v = a ] && ct=$(nt_x rtr cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null)
		teardown $v
	done
done
[ -n "${ct:-}" ] && echo "forward: conntrack entries in the router after a seed+conntrack run: $ct"
echo "forward: loadavg after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "forward: note: other jobs on this machine may share the CPUs: \"max runnable\" above"
echo "         is the most runnable tasks seen during a run (1 = trafgen alone, plus the"
echo "         sampler itself at times); re-run when it is high"

# table: per cell median and min-max of the router cost, each repetition
# against the direct run of the same repetition (1/pps - 1/pps(direct)):
# the host drifts between repetitions, and a cost is a small difference of
# two large times.  Ratios of vtiaccel's medians to the references'.
names=""
for v in $VARIANTS; do names="$names$v=$(name "$v");"; done
awk -v variants="$VARIANTS" -v names="$names" -v dirs="$DIRS" -v flows="$FLOWS" '
function sort(a, n,    i, j, t) {
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
		if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
}
function median(a, n) { return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
{ k = $1 " " $2 " " $3; r[k] = r[k] " " $4; run[k " " $5] = $4 }
END {
	nv = split(variants, V, " "); nd = split(dirs, D, " "); nf = split(flows, F, " ")
	nn = split(names, N, ";")
	for (i = 1; i <= nn; i++) { split(N[i], kv, "="); nm[kv[1]] = kv[2] }
	warn = ""
	for (fi = 1; fi <= nf; fi++) {
		fl = F[fi]
		n = split(r[fl " " D[1] " e"], a, " "); sort(a, n)
		d = n && median(a, n) > 0 ? 1e9 / median(a, n) : 0
		printf "\n64-byte UDP, %s flow(s): router ns/packet = 1/pps - 1/pps(direct of the same repetition), median [min-max] of runs\n", fl
		if (d > 0) printf "direct (no router): %.1f ns/packet (median)\n", d
		printf "%-28s", "variant"
		for (di = 1; di <= nd; di++) printf " %-22s", D[di]
		printf "\n"
		for (vi = 1; vi <= nv; vi++) {
			v = V[vi]
			if (v == "e") continue
			printf "%-28s", nm[v]
			for (di = 1; di <= nd; di++) {
				k = fl " " D[di] " " v
				n = split(r[k], a, " "); sort(a, n)
				m = 0
				for (ri = 1; ri <= 99; ri++) {
					p = run[k " " ri]; pe = run[fl " " D[1] " e " ri]
					if (p > 0 && pe > 0) c[++m] = 1e9 / p - 1e9 / pe
				}
				if (!m) { printf " %-22s", "failed"; continue }
				sort(c, m)
				med = median(c, m); lo = c[1]; hi = c[m]
				cost[k] = med
				printf " %-22s", sprintf("%6.1f [%.0f-%.0f]", med, lo, hi)
				if (a[1] > 0 && (a[n] - a[1]) / a[1] > 0.10)
					warn = warn sprintf("WARNING: %s, %s flow(s), %s: repetitions disagree by %.0f%% (pps %d..%d)\n",
						nm[v], fl, D[di], 100 * (a[n] - a[1]) / a[1], a[1], a[n])
			}
			printf "\n"
		}
		# ratios: every vtiaccel variant against each reference
		printf "\nratios, %s flow(s) (router cost / router cost of the column):\n", fl
		printf "%-28s %-9s", "", "dir"
		for (vi = 1; vi <= nv; vi++) if (V[vi] ~ /^[abcnftx]$/) printf " %9s", V[vi]
		printf "\n"
		for (vi = 1; vi <= nv; vi++) {
			v = V[vi]
			if (v !~ /^[svlgpoy]$/) continue
			for (di = 1; di <= nd; di++) {
				printf "%-28s %-9s", nm[v], D[di]
				for (wi = 1; wi <= nv; wi++) {
					w = V[wi]
					if (w !~ /^[abcnftx]$/) continue
					k = fl " " D[di] " " v; kw = fl " " D[di] " " w
					if ((k in cost) && (kw in cost) && cost[kw] > 0)
						printf " %9.2f", cost[k] / cost[kw]
					else
						printf " %9s", "-"
				}
				printf "\n"
			}
		}
	}
	# the cost of the guard: g - v per cell, both from the same repetitions
	for (fi = 1; fi <= nf; fi++) for (di = 1; di <= nd; di++) {
		k = F[fi] " " D[di]
		if ((k " g" in cost) && (k " v" in cost))
			guard = guard sprintf("XDP guard on (g) - off (v), %s flow(s), %s: %+.1f ns/packet\n",
				F[fi], D[di], cost[k " g"] - cost[k " v"])
		if ((k " g" in cost) && (k " p" in cost))
			guard = guard sprintf("  of which the guard program (g - p): %+.1f, any XDP program on the veth (p - v): %+.1f\n",
				cost[k " g"] - cost[k " p"], cost[k " p"] - cost[k " v"])
	}
	if (guard != "") printf "\n%sgoal: at most +25 ns with the guard on\n", guard
	# what tcx saves over cls_bpf for one ingress hook: t - n
	for (fi = 1; fi <= nf; fi++) for (di = 1; di <= nd; di++) {
		k = F[fi] " " D[di]
		if ((k " t" in cost) && (k " n" in cost))
			tcx = tcx sprintf("tcx (t) - cls_bpf (n), one ingress hook, %s flow(s), %s: %+.1f ns/packet\n",
				F[fi], D[di], cost[k " t"] - cost[k " n"])
	}
	for (fi = 1; fi <= nf; fi++) for (di = 1; di <= nd; di++) {
		k = F[fi] " " D[di]
		if ((k " y" in cost) && (k " l" in cost))
			tcx = tcx sprintf("vtiaccel run --attach tcx (y) - tc (l), %s flow(s), %s: %+.1f ns/packet\n",
				F[fi], D[di], cost[k " y"] - cost[k " l"])
		if ((k " v" in cost) && (k " l" in cost))
			tcx = tcx sprintf("vtiaccel run, default attach (v) - --attach tc (l), %s flow(s), %s: %+.1f ns/packet\n",
				F[fi], D[di], cost[k " v"] - cost[k " l"])
	}
	if (tcx != "") printf "\n%s", tcx
	printf "\ncolumns: a seed+conntrack, b seed, c plain kernel, n min tc redirect_neigh,\n"
	printf "f min tc fib_lookup, x min XDP\n"
	printf "goals (bench/README.md): vtiaccel run <= 0.85 x c and <= 1.1 x n, both directions, 1 and 1000 flows\n"
	printf "%s", warn
}' "$NT_DIR/results"

# PERF="c v": where CPU $CPU's time goes, per kernel/BPF symbol, in one
# window of 1,000 flows LAN -> tunnel of each variant (perf record -e
# cpu-clock: this VM has no hardware counters).  The CPU runs generator,
# router and sink, fully busy, so a symbol's share of the samples times
# 1/pps is its ns per packet; the table puts the variants side by side.
perf_profile() {
	local v=$1 pid pps
	setup "$v" || { teardown "$v"; return 1; }
	perf record -q -e cpu-clock -F 4999 -C "$CPU" -o "$NT_DIR/perf.$v" >/dev/null 2>&1 &
	pid=$!
	read -r pps _ < <(measure "$v" 1000 "lan->tun")
	kill -INT "$pid"
	wait "$pid"
	teardown "$v"
	if [ "${pps:-0}" -le 0 ]; then
		echo "forward: perf $(name "$v"): the window did not run"
		return 1
	fi
	# PERF_DIR: keep the recording (perf annotate, perf report)
	[ -z "${PERF_DIR:-}" ] || cp "$NT_DIR/perf.$v" "$PERF_DIR/perf.$v.data"
	perf report -q -i "$NT_DIR/perf.$v" --stdio --no-children --sort sym 2>/dev/null |
		awk -v v="$v" -v pps="$pps" '$1 ~ /%$/ { p = $1; sub(/%/, "", p); $1 = ""; $2 = "";
			sub(/^ +/, ""); printf "%s\t%s\t%.1f\n", v, $0, p / 100 * 1e9 / pps }' >> "$NT_DIR/perf.tsv"
	echo "forward: perf $(name "$v"): $pps pps, $(awk -v p="$pps" 'BEGIN { printf "%.1f", 1e9 / p }') ns/packet on CPU $CPU"
}

if [ -n "${PERF:-}" ] && command -v perf >/dev/null; then
	echo
	: > "$NT_DIR/perf.tsv"
	for v in $PERF; do perf_profile "$v"; done
	echo "forward: ns/packet per symbol (CPU $CPU: generator, router and sink), 1000 flows lan->tun, symbols >= 3 ns in one variant:"
	awk -F'\t' -v vs="$PERF" '
		{ ns[$2 SUBSEP $1] = $3; sym[$2] = 1 }
		END {
			n = split(vs, V, " ")
			printf "%-48s", "symbol"; for (i = 1; i <= n; i++) printf " %8s", V[i]; printf "\n"
			for (s in sym) {
				big = 0
				for (i = 1; i <= n; i++) if (ns[s SUBSEP V[i]] >= 3) big = 1
				if (!big) continue
				printf "%-48s", substr(s, 1, 48)
				for (i = 1; i <= n; i++) printf " %8.1f", ns[s SUBSEP V[i]]
				printf "\n"
			}
		}' "$NT_DIR/perf.tsv" | (read -r h; echo "$h"; sort -k2 -g -r)
fi

if [ "$PROFILE" = 1 ]; then
	echo
	echo "forward: per-program cost (kernel.bpf_stats_enabled=1, 1000 flows lan->tun, one window):"
	for v in s v l g; do
		case " $VARIANTS " in *" $v "*) profile $v ;; esac
	done
fi
