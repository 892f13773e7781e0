#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Forwarding benchmark on veth in namespaces (host kernel): 64-byte UDP
# frames (60 bytes + FCS), 1 flow and 1,000 flows, from trafgen in a
# generator namespace through a router namespace to a sink, for
#
#   a  seed      kernel forwarding + the seed's rules (mangle FORWARD TCPMSS
#                --clamp-mss-to-pmtu, mangle INPUT ESP MARK) + conntrack
#                active (filter FORWARD -m conntrack --ctstate INVALID -j DROP,
#                a usual gateway rule; it makes the namespace track flows)
#   b  seed-noct the same two seed rules, nothing that needs conntrack
#                (conntrack hooks are registered only on demand: not active)
#   c  kernel    plain kernel forwarding, no rules
#   d  vtiaccel  vta_lan_in on the router's ingress, maps filled by
#                vta_static (egress = an L2 "tunnel", bpf_redirect_neigh),
#                no rules
#   e  direct    the generator straight into the sink (no router)
#
# All in the same session, interleaved, RUNS runs of SECS seconds each,
# median reported.  Generator, router and sink share CPU $CPU (veth
# processing runs on the sending CPU; docs/kernel-facts.md: one CPU gives stable
# numbers, two give bimodal ones).  The sink drops every frame at tc
# ingress (classic BPF "ret TC_ACT_SHOT") so that its cost is the same in
# every variant; pps = sink rx_packets over the window (veth counts a frame
# once it is queued to the sink, after the router is done with it).
#
#   router cost per packet = 1/pps - 1/pps(direct)
#
# Env: BUILD (for vta_static), RUNS=3, SECS=5, CPU=1, NICE=-20,
# FLOWS="1 1000", VARIANTS="e a b c d".
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/net/lib/ns.sh

RUNS=${RUNS:-3}
SECS=${SECS:-5}
CPU=${CPU:-1}
# On a shared machine, weight (not starve) the generator, whose context
# also runs the veth/router/sink softirq work: CFS gives nice -20 ~98% of
# the CPU against one nice-0 task.  NICE=0 to measure without it.
NICE=${NICE:--20}
FLOWS=${FLOWS:-"1 1000"}
VARIANTS=${VARIANTS:-"e a b c d"}

nt_init bench-fwd || exit 1
command -v trafgen >/dev/null || { echo "forward: trafgen (netsniff-ng) missing"; exit 1; }
[ -x "$NT_VTA_STATIC" ] || { echo "forward: $NT_VTA_STATIC missing (make BUILD=... tests)"; exit 1; }

#   gen g0 10.1.0.1 ---- r0 10.1.0.254 router r1 10.2.0.254 ---- s0 10.2.0.1 sink
#   gen g1 10.3.0.1 -------------------------------------------- s1 10.3.0.2 sink
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
# Drop at the sink's tc ingress.  This kernel has neither cls_matchall nor
# act_gact: a one-instruction classic BPF filter in direct-action mode,
# "ret #2" = TC_ACT_SHOT, does it.
for d in s0 s1; do
	nt_x sink tc qdisc add dev $d clsact &&
	nt_x sink tc filter add dev $d ingress bpf da bytecode "1,6 0 0 2" || {
		echo "forward: cannot install the sink's drop filter on $d"; exit 1; }
done
# no offloads that would batch frames differently per path
for d in g0 g1; do nt_x gen ethtool -K $d tso off gso off >/dev/null 2>&1; done

R0_MAC=$(mac rtr r0) S1_MAC=$(mac sink s1) G0_MAC=$(mac gen g0) G1_MAC=$(mac gen g1)

# trafgen config: DEV DSTMAC SRCMAC SRCIP DSTIP FLOWS
tg_conf() {
	local sp="sp=4000"
	[ "$6" -gt 1 ] && sp="sp=dinc(4000, $((4000 + $6 - 1)))"
	cat >"$NT_DIR/tg-$1-$6.cfg" <<-EOF
	{ eth(da=$2, sa=$3), ipv4(sa=$4, da=$5, ttl=64, df), udp($sp, dp=9), fill(0x41, 18) }
	EOF
	echo "$NT_DIR/tg-$1-$6.cfg"
}

rx() { nt_x sink cat "/sys/class/net/$1/statistics/rx_packets"; }

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
attach r0 lan"

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

# setup VARIANT: configure the router; teardown VARIANT
setup() {
	case $1 in
	a) seed_rules && nt_x rtr iptables -A FORWARD -m conntrack --ctstate INVALID -j DROP ;;
	b) seed_rules ;;
	c) : ;;
	d) vta_start rtr "$VTA_SPEC" ;;
	e) : ;;
	esac
}

teardown() {
	case $1 in
	a|b) clear_rules ;;
	d) vta_stop ;;
	esac
}

# measure VARIANT FLOWS: prints "pps max-runnable"
measure() {
	local v=$1 flows=$2 dev dst src sip dip cfg sdev c0 c1 t0 t1
	if [ "$v" = e ]; then
		dev=g1 dst=$S1_MAC src=$G1_MAC sip=10.3.0.1 dip=10.3.0.2 sdev=s1
	else
		dev=g0 dst=$R0_MAC src=$G0_MAC sip=10.1.0.1 dip=10.2.0.1 sdev=s0
	fi
	cfg=$(tg_conf $dev "$dst" "$src" $sip $dip "$flows")
	# --no-sock-mem/--notouch-irq: trafgen must not retune host-wide
	# settings.  Its one worker pins itself to CPU 0 whatever the parent's
	# mask: move it to $CPU before the window opens.
	nt_bg tg gen nice -n "$NICE" taskset -c "$CPU" trafgen -o $dev -c "$cfg" -P 1 \
		--no-sock-mem --notouch-irq --no-cpu-stats
	wait_for "pgrep -P ${NT_PID[tg]} >/dev/null" 5
	for w in $(pgrep -P "${NT_PID[tg]}"); do taskset -pc "$CPU" "$w" >/dev/null; done
	# the window opens once frames reach the sink
	c0=$(rx $sdev)
	if ! wait_for "[ \$(rx $sdev) -gt $((c0 + 1000)) ]" 10; then
		nt_kill tg
		echo 0
		return 1
	fi
	c0=$(rx $sdev); t0=$(date +%s%N)
	# The window is a duration, not a wait for a condition.  Sample the
	# number of runnable tasks meanwhile: trafgen is one; more means
	# other jobs competed for the CPUs during this run.
	local end=$((t0 + SECS * 1000000000)) busy=0 r
	while [ "$(date +%s%N)" -lt $end ]; do
		sleep 0.25
		r=$(awk '/^procs_running/ { print $2 }' /proc/stat)
		[ "$r" -gt "$busy" ] && busy=$r
	done
	c1=$(rx $sdev); t1=$(date +%s%N)
	nt_kill tg
	awk -v n=$((c1 - c0)) -v ns=$((t1 - t0)) -v b=$busy \
		'BEGIN { printf "%.0f %d\n", n / (ns / 1e9), b }'
}

name() {
	case $1 in
	a) echo "seed rules + conntrack" ;;
	b) echo "seed rules, no conntrack" ;;
	c) echo "plain kernel forwarding" ;;
	d) echo "vtiaccel (tc, vta_lan_in)" ;;
	e) echo "direct (no router)" ;;
	esac
}

echo "forward: $RUNS x ${SECS}s per variant, interleaved, CPU $CPU (generator nice $NICE), $(nproc) CPUs online"
echo "forward: a = mangle FORWARD TCPMSS + mangle INPUT ESP MARK + filter FORWARD"
echo "         -m conntrack --ctstate INVALID -j DROP (conntrack tracks every flow);"
echo "         b = the two mangle rules only (no conntrack user: conntrack not active);"
echo "         c = no rules; d = vtiaccel tc (vta_lan_in, bpf_redirect_neigh), no rules;"
echo "         e = trafgen straight into the sink"
echo "forward: loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)"
for flows in $FLOWS; do
	for run in $(seq 1 "$RUNS"); do
		for v in $VARIANTS; do
			if ! setup $v; then
				echo "forward: setting up variant $v failed"
				teardown $v
				continue
			fi
			read -r pps busy < <(measure $v "$flows")
			[ $v = a ] && ct=$(nt_x rtr cat /proc/sys/net/netfilter/nf_conntrack_count 2>/dev/null)
			teardown $v
			echo "$flows $v $pps" >>"$NT_DIR/results"
			printf 'forward: flows=%-4s run %d %-28s %9s pps  (max runnable %s)\n' \
				"$flows" "$run" "$(name $v)" "$pps" "$busy"
		done
	done
	[ -n "${ct:-}" ] && echo "forward: conntrack entries in the router after a seed+conntrack run: $ct"
done
echo "forward: loadavg after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "forward: note: other jobs on this machine may share the CPUs: \"max runnable\" above"
echo "         is the most runnable tasks seen during a run (1 = trafgen alone, plus the"
echo "         sampler itself at times); re-run when it is high"

# table: median per variant; cost = 1/pps - 1/pps(direct)
awk -v variants="$VARIANTS" '
function median(list,    n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++)
		if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{ r[$1 " " $2] = r[$1 " " $2] " " $3; f[$1] = 1 }
END {
	nv = split(variants, V, " ")
	name["a"] = "seed rules + conntrack"; name["b"] = "seed rules, no conntrack"
	name["c"] = "plain kernel forwarding"; name["d"] = "vtiaccel (tc)"
	name["e"] = "direct (no router)"
	for (fl in f) {
		printf "\n64-byte UDP, %s flow(s): median of runs\n", fl
		printf "%-26s %10s %10s %9s %8s %8s %8s\n", "variant", "pps", "ns/pkt", "router ns", "vs a", "vs b", "vs c"
		for (i = 1; i <= nv; i++) m[V[i]] = median(r[fl " " V[i]])
		d = m["e"] > 0 ? 1e9 / m["e"] : 0
		for (i = 1; i <= nv; i++) {
			v = V[i]
			if (m[v] <= 0) { printf "%-26s %10s\n", name[v], "failed"; continue }
			c[v] = 1e9 / m[v] - d
		}
		for (i = 1; i <= nv; i++) {
			v = V[i]
			if (m[v] <= 0) continue
			if (v == "e") {
				printf "%-26s %10.0f %10.1f %9s\n", name[v], m[v], 1e9 / m[v], "-"
				continue
			}
			printf "%-26s %10.0f %10.1f %9.1f", name[v], m[v], 1e9 / m[v], c[v]
			split("a b c", R, " ")
			for (j = 1; j <= 3; j++)
				if (R[j] in c && c[R[j]] > 0 && d > 0) printf " %8.2f", c[v] / c[R[j]]
				else printf " %8s", "-"
			printf "\n"
		}
	}
	printf "\nrouter ns = 1/pps - 1/pps(direct); \"vs X\" = router cost / router cost of X\n"
	printf "goals (bench/README.md): vtiaccel <= 0.5 x a, <= 0.75 x b, within 1.2 x a minimal tc forwarder\n"
}' "$NT_DIR/results"
