#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# contrib/strongswan/vtiaccel-updown called as charon calls it (only
# PLUTO_* variables, no PATH), with `vtiaccel run` active in the gateway:
#
#   up-client:   the VTI exists with the seed's keys, endpoints, MTU,
#                inside address and sysctls, no iptables rule is added, and
#                the daemon attaches vta_tun_in to it within 100 ms of its
#                creation (timestamps of `ip monitor` and `tc monitor`);
#   up again:    a re-created VTI (new ifindex) is attached as well;
#   down-client: the VTI is gone and the daemon drops it from its maps;
#   no daemon:   after kill -9, up-client creates the VTI with vtiaccel's
#                pinned MSS clamp (vta_tun_out) on tc egress before the
#                link goes up (`vtiaccel clamp`, where the seed's script
#                inserted its TCPMSS rule).

. "$(dirname "$0")/lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$HERE/../../$BUILD ;; esac
VTA=$BUILD/vtiaccel
UPDOWN=$HERE/../../contrib/strongswan/vtiaccel-updown

GW=${T_PREFIX}gw
PIN=/sys/fs/bpf/${T_PREFIX}

[ -x "$VTA" ] || t_skip_all "$VTA not built (make BUILD=... tests)"
[ -x "$UPDOWN" ] || t_skip_all "$UPDOWN missing or not executable"
command -v jq >/dev/null || t_skip_all "jq not found"
command -v tc >/dev/null || t_skip_all "tc not found"
load_modules ip_vti ||
	t_skip_all "kernel $(uname -r) lacks ip_vti (run through tests/vm/vm-run)"

vta() { nsenter --net="/run/netns/$GW" "$VTA" --pin-root "$PIN" "$@"; }
vta_verify() { vta verify --lan eth1 --wan pub0 --tunnel 'vti*' >/dev/null 2>&1; }
# updown VERB: run the script in gw as charon would (env -i: no PATH;
# VTIACCEL: the built binary and this test's pin root).
updown() {
	nsenter --net="/run/netns/$GW" env -i PLUTO_VERB="$1" PLUTO_ME=192.0.2.1 PLUTO_PEER=192.0.2.2 \
		VTIACCEL="$VTA --pin-root $PIN" \
		PLUTO_MARK_IN=100/0xffffffff PLUTO_MARK_OUT=100/0xffffffff \
		PLUTO_CONNECTION=AWS-VPC-GW1 PLUTO_UNIQUEID=1 \
		"$UPDOWN" vti1 169.254.12.38/30 169.254.12.37 1436
}
ifindex() { ip -n "$GW" -j link show "$1" 2>/dev/null | jq -r '.[0].ifindex'; }
# tun_attached IFINDEX: status shows that ifindex as a tunnel with vta_tun_in.
tun_attached() {
	vta status -j | jq -e --argjson i "$1" '.interfaces[] | select(.ifindex == $i and
		.role == "tunnel" and (.gone | not) and .tc.prog == "vta_tun_in")' >/dev/null
}
# tcx_hook IFINDEX: the daemon put the tunnel's program on a tcx link
# ([forward] attach = auto on 6.6+), which no netlink event announces
tcx_hook() {
	vta status -j | jq -e --argjson i "$1" '.interfaces[] | select(.ifindex == $i) |
		.tc.hook == "tcx"' >/dev/null
}
in_maps() { # IFINDEX: the daemon still has it in its interface map
	vta status -j | jq -e --argjson i "$1" '[.interfaces[] | select(.ifindex == $i)] | length > 0' >/dev/null
}
# ts_ms "[2026-11-28T11:25:30.357684]" -> ms since the epoch
ts_ms() {
	local t=${1#[} s
	t=${t%]}
	s=$(date -u -d "${t%.*}" +%s)
	echo $((s * 1000 + 10#${t#*.} / 1000))
}
# attach_latency TAG IFINDEX: ms from the first RTM_NEWLINK of vti1 with
# that ifindex (its creation: a re-creation's `ip link del` announces the
# old one going down first, which is not the start) to vta_tun_in's
# filter; also "(clsact after N ms)" for the breakdown.
attach_latency() {
	local l q f
	l=$(grep -m1 -E "^\[[^]]*\] $2: vti1[@:]" "$T_TMP/$1.link") || return 1
	q=$(grep -m1 -E '^\[[^]]*\] qdisc clsact .* dev vti1 ' "$T_TMP/$1.tc") || q=$l
	f=$(grep -m1 -E '^\[[^]]*\] (added|replaced) filter dev vti1 ingress .*vta_tun_in' "$T_TMP/$1.tc") || return 1
	l=$(ts_ms "${l%% *}")
	echo "$(($(ts_ms "${f%% *}") - l)) (clsact qdisc after $(($(ts_ms "${q%% *}") - l)) ms)"
}
# probe_link FILE / probe_tc FILE: make an event (a new value each call:
# the same value twice is no event) and see it in the monitor's FILE.
PROBE=1400
probe_link() {
	PROBE=$((PROBE + 1))
	ip -n "$GW" link set eth0 mtu $PROBE && grep -q "eth0.* mtu $PROBE " "$1"
}
probe_tc() {
	PROBE=$((PROBE + 1))
	tc -n "$GW" qdisc replace dev eth0 root pfifo limit $PROBE && grep -q "limit ${PROBE}p" "$1"
}
# monitors TAG: timestamped link and tc events of gw into $T_TMP/TAG.*,
# and both kinds in the kernel's order into $T_TMP/TAG.nl (nlorder.py);
# returns once all see a probe event (so they are subscribed).
monitors() {
	ip -n "$GW" -ts monitor link > "$T_TMP/$1.link" 2>&1 &
	t_cleanup t_bg_kill $!
	ns_exec "$GW" tc -ts monitor > "$T_TMP/$1.tc" 2>&1 &
	t_cleanup t_bg_kill $!
	ns_exec "$GW" /usr/bin/python3 "$HERE/nlorder.py" > "$T_TMP/$1.nl" 2>&1 &
	t_cleanup t_bg_kill $!
	wait_until 10 probe_link "$T_TMP/$1.link" && wait_until 10 probe_tc "$T_TMP/$1.tc" &&
		wait_until 30 probe_link_nl "$T_TMP/$1.nl"
}
probe_link_nl() {
	PROBE=$((PROBE + 1))
	ip -n "$GW" link set eth0 mtu $PROBE && grep -q " eth0 mtu $PROBE " "$1"
}
# first_line FILE ERE: the number of the first line of FILE that matches
first_line() { grep -n -m1 -E "$2" "$1" | cut -d: -f1; }

t_cleanup "ip netns del $GW; rm -rf $PIN"
ip netns add "$GW"
ip -n "$GW" link add eth1 type veth peer name eth0
ip -n "$GW" link add pub0 type veth peer name pub1
printf '%s\n' "addr add 192.0.2.1/24 dev pub0" "addr add 10.16.16.254/24 dev eth1" \
	"link set pub0 up" "link set pub1 up" "link set eth1 up" "link set eth0 up" |
	ip -n "$GW" -batch -

nsenter --net="/run/netns/$GW" "$VTA" run --pin-root "$PIN" --lan eth1 --wan pub0 \
	--tunnel 'vti*' > "$T_TMP/daemon.log" 2>&1 &
DPID=$!
t_cleanup t_bg_kill "$DPID"
f0=$T_FAIL
t_check "vtiaccel run: no drift within 60 s" wait_until 60 vta_verify
if [ "$T_FAIL" != "$f0" ]; then
	sed 's/^/    daemon: /' "$T_TMP/daemon.log" | tail -20
	vta verify --lan eth1 --wan pub0 --tunnel 'vti*' 2>&1 | head -20 | sed 's/^/    verify: /'
fi

# --- up-client ----------------------------------------------------------------

t_check "link and tc monitors running" monitors up1
t_check "up-client exits 0" updown up-client
t_check "vti1 exists" ip -n "$GW" link show vti1
ip -n "$GW" -d -j link show vti1 > "$T_TMP/link.json"
ip -n "$GW" -j addr show dev vti1 > "$T_TMP/addr.json"
lk() { jq -r ".[0].$1" "$T_TMP/link.json"; }
t_check "vti1 is a vti" test "$(lk linkinfo.info_kind)" = vti
t_check "vti1 local 192.0.2.1 remote 192.0.2.2" \
	test "$(lk linkinfo.info_data.local) $(lk linkinfo.info_data.remote)" = "192.0.2.1 192.0.2.2"
key_is_100() { case $1 in 100|0.0.0.100) return 0 ;; esac; echo "  key $1"; return 1; }
t_check "vti1 ikey 100 (PLUTO_MARK_IN)" key_is_100 "$(lk linkinfo.info_data.ikey)"
t_check "vti1 okey 100 (PLUTO_MARK_OUT)" key_is_100 "$(lk linkinfo.info_data.okey)"
t_check "vti1 MTU 1436, up" test "$(lk mtu) $(lk 'flags | index("UP") != null')" = "1436 true"
addr=$(jq -r '.[0].addr_info[] | select(.family == "inet") | "\(.local) peer \(.address // "-")/\(.prefixlen)"' "$T_TMP/addr.json")
t_info "vti1 address: $addr (seed: 169.254.12.38 peer 169.254.12.37/30)"
t_check "vti1 address 169.254.12.38 peer 169.254.12.37/30, as the seed's script and the /30 argument say" \
	test "$addr" = "169.254.12.38 peer 169.254.12.37/30"
t_check "vti1 disable_policy=1" \
	test "$(ns_exec "$GW" sysctl -n net.ipv4.conf.vti1.disable_policy)" = 1
t_check "ip_forward=1" test "$(ns_exec "$GW" sysctl -n net.ipv4.ip_forward)" = 1
if ns_exec "$GW" iptables-save -t mangle > "$T_TMP/ipt.txt" 2>"$T_TMP/ipt.err"; then
	t_check "no iptables rule added (iptables-save -t mangle has no -A)" \
		eval "! grep -- '^-A' '$T_TMP/ipt.txt'"
else
	t_skip "iptables-save unavailable: $(cat "$T_TMP/ipt.err")"
fi
idx1=$(ifindex vti1)
t_check "the daemon attached vta_tun_in to vti1 (ifindex $idx1)" wait_until 5 tun_attached "$idx1"
if tcx_hook "$idx1"; then
	t_check "the kernel runs vta_tun_in on vti1's tcx hook" hook_has "$GW" vti1 ingress vta_tun_in
	t_info "vti1 created -> vta_tun_in attached: not timed here (attach = auto chose tcx on $(uname -r); a tcx link sends no netlink event)"
elif out=$(attach_latency up1 "$idx1"); then
	ms=${out%% *}
	t_info "vti1 created -> vta_tun_in attached: $ms ms ${out#* }"
	# The 100 ms goal is a performance goal (bench/, and printed here):
	# under plain emulation every step is ~10x slower, so the test only
	# asserts the attach itself (above, with a deadline).
	t_info "goal: 100 ms on real hardware; measured under emulation: $ms ms"
else
	t_fail "no link/filter event for vti1 in the monitors"
	sed 's/^/    /' "$T_TMP/up1.link" "$T_TMP/up1.tc" | head -20
fi

# --- up-client again: re-created, new ifindex -------------------------------

t_check "link and tc monitors running" monitors up2
t_check "up-client again (re-creation) exits 0" updown up-client
idx2=$(ifindex vti1)
t_check "vti1 re-created with a new ifindex ($idx1 -> $idx2)" test "$idx2" != "$idx1"
t_check "the daemon attached vta_tun_in to the new vti1" wait_until 5 tun_attached "$idx2"
t_check "and dropped the old ifindex $idx1" wait_until 5 eval "! in_maps $idx1"
if tcx_hook "$idx2"; then
	t_check "the kernel runs vta_tun_in on the new vti1's tcx hook" hook_has "$GW" vti1 ingress vta_tun_in
elif out=$(attach_latency up2 "$idx2"); then
	ms=${out%% *}
	t_info "re-created vti1 -> vta_tun_in attached: $ms ms ${out#* }"
	t_info "goal: 100 ms on real hardware; measured under emulation: $ms ms"
else
	t_fail "no link/filter event for the re-created vti1"
fi

# --- down-client --------------------------------------------------------------

t_check "down-client exits 0" updown down-client
t_check "vti1 is gone" eval "! ip -n $GW link show vti1 2>/dev/null"
# a deadline, not a goal: every CLI call is slow in the emulated guest
t0=$(now_ms)
t_check "the daemon dropped vti1 from its maps" wait_until 20 eval "! in_maps $idx2"
t_info "vti1 deleted -> out of the maps: seen $(($(now_ms) - t0)) ms after down-client returned (polled)"
t_check "verify: no drift after down-client" wait_until 5 vta_verify
t_check "down-client again (no VTI) still exits 0" updown down-client
# Link down/delete is modelled, not resynced (user/sync_kmodel.c): only the
# start-up sync should be in the log.
t_info "daemon resyncs: $(grep -c 'sync done (' "$T_TMP/daemon.log" || true) ($(grep -o 'sync done ([^)]*)' "$T_TMP/daemon.log" | sort | uniq -c | tr -s ' \n' ' '))"

# --- no daemon: up-client attaches the pinned clamp itself ---------------------

kill -KILL "$DPID"
wait "$DPID" 2>/dev/null || true
lease_expired() {
	local rc=0
	vta status >/dev/null 2>&1 || rc=$?
	[ "$rc" = 1 ]
}
t_check "kill -9: the lease expires within 10 s" wait_until 10 lease_expired
t_check "link and tc monitors running" monitors up3
t_check "up-client with no daemon exits 0" updown up-client
idx3=$(ifindex vti1)
t_check "vta_tun_out on tc egress of the new vti1 (ifindex $idx3)" \
	eval "tc -n $GW filter show dev vti1 egress | grep -q vta_tun_out"
# before the link went up: the filter event precedes the first event
# that shows vti1 UP, in the order the kernel sent them (one socket for
# both: nlorder.py); the two monitors' timestamps give the time between
f=$(grep -m1 -E '^\[[^]]*\] (added|replaced) filter dev vti1 egress .*vta_tun_out' "$T_TMP/up3.tc") || f=
u=$(grep -m1 -E "^\[[^]]*\] $idx3: vti1[@:].*[<,]UP[,>]" "$T_TMP/up3.link") || u=
fn=$(first_line "$T_TMP/up3.nl" "^filter $idx3 egress .*vta_tun_out")
un=$(first_line "$T_TMP/up3.nl" "^link $idx3 vti1 mtu [0-9]+ up\$")
if [ -n "$fn" ] && [ -n "$un" ]; then
	gap=
	[ -z "$f" ] || [ -z "$u" ] || gap=", $(($(ts_ms "${u%% *}") - $(ts_ms "${f%% *}"))) ms by the monitors' clocks"
	t_check "the clamp was attached before vti1 went up (kernel event $fn before $un$gap)" \
		test "$fn" -lt "$un"
else
	t_fail "no filter or link-up event for the new vti1 (ifindex $idx3) in nlorder's output"
	sed 's/^/    /' "$T_TMP/up3.nl" | tail -n 20
fi
t_check "down-client with no daemon exits 0" updown down-client
