#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# Interface entries rewritten under traffic (issue 11, item 6): gw's
# vti1 MTU flips between 1300 and 1436 thousands of times while UDP flows
# from lan to vpc over the ECMP route through vti1 and vti2, with
# `vtiaccel run` mirroring every change into vti1's vta_ifdata entry
# (seqcount latch writes through mmap).  The kernel is the oracle: with DF set,
# it never sends a 1450-byte packet into a tunnel (MTU <= 1436) and never
# anything above 1436; it forwards small packets whatever the MTU does.
#
#   no 1450-byte DF packet and nothing above 1436 bytes left gw through
#   vti1/vti2 (a torn or foreign entry read as the LAN's MTU 1500 would
#   send them)
#   every packet that arrived (vpc) or was seen in the tunnels (aws) is
#   byte for byte what was sent, forwarded once (TTL 63)
#   every small packet arrived at vpc (no misforward, no loss)
#   the fast path forwarded during the churn (fwd_to_tunnel moved) and
#   the daemon rewrote the entry (its seq moved on by 2 per write)
#   afterwards the entry says what the kernel says (mtu 1436), seq even
#   (and before: bpftool, with the BTF, shows vti1's entry)
#
# Printed, not asserted: how many packets the fast path passed for their
# size (pass_mtu) or for an entry read mid-write (pass_if_changing).
set -u
cd "$(dirname "$0")/../../.." || exit 1
. tests/net/lib/ns.sh
. tests/net/lib/topo.sh

nt_init dp-ifchurn || exit 1
VTA=$NT_BUILD/vtiaccel
MAPQ="$NT_PY tests/net/sync/mapq.py"
ROUNDS=${IFCHURN_ROUNDS:-20}	# 200 MTU changes each
LOW=1300

if [ ! -x "$VTA" ]; then
	t_fail setup "$VTA missing (make BUILD=... tests)"
	t_summary; exit 1
fi
if ! topo_setup; then
	t_fail setup "building the namespaces failed"
	t_summary; exit 1
fi
GW=$(nt_name gw)
VTI1=$(nt_x gw cat /sys/class/net/vti1/ifindex)
vta() { nt_net gw "$VTA" --pin-root "$NT_PIN" "$@"; }
status_is() { vta status >/dev/null 2>&1; [ $? -eq "$1" ]; }
entry() { $MAPQ "$NT_PIN" iface "$VTI1"; }	# role R slot S mtu M flags F seq Q
field() { entry | awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }'; }
# fast-path counter NAME of eth1 (the LAN: verdicts count on ingress)
counter() {
	vta -j stats 2>/dev/null |
		jq "[.interfaces[] | select(.name == \"eth1\") | .counters.$1.packets // 0] | add // 0"
}

# Liveness would probe the veths' peers: this test is about the entries.
nt_bg vtad gw "$VTA" --pin-root "$NT_PIN" run --lan eth1 --tunnel 'vti*' \
	--xdp no --liveness no
if ! wait_for "status_is 0" 60; then
	t_fail "daemon" "vtiaccel run did not get healthy in 60 s"
	cat "$NT_DIR/vtad.out" >&2
	t_summary; exit 1
fi
t_check "vti1's entry mirrored (mtu $TOPO_MTU)" -m "not within 30 s" \
	wait_for "[ \"\$(field mtu)\" = $TOPO_MTU ]" 30
# what the operator's bpftool shows (BTF): vti1 by its ifindex
bpftool_shows() {
	bpftool -j map dump pinned "$NT_PIN/vta_ifdata" |
		jq -e ".[].formatted.value | select(.c[0].ifindex == $VTI1 and .c[0].v.mtu == $TOPO_MTU)"
}
t_check "bpftool map dump shows vti1's entry in vta_ifdata" bpftool_shows
for a in 169.254.12.37 169.254.14.229; do
	nt_x gw ping -c 1 -W 2 "$a" >/dev/null 2>&1
done

# the churn: ROUNDS x 200 changes, ending on the topology's MTU
for ((i = 0; i < 100; i++)); do
	echo "link set vti1 mtu $LOW"
	echo "link set vti1 mtu $TOPO_MTU"
done >"$NT_DIR/churn.batch"

nt_bg flow gw "$NT_PY" tests/net/dp/ifchurn.py --send-ns "$(nt_name lan)" \
	--recv-ns "$(nt_name vpc)" --cap-ns "$(nt_name aws)" --cap-if vti1,vti2 \
	--dst 172.31.0.10 --ready "$NT_DIR/flow.ready" --stop "$NT_DIR/flow.stop"
if ! wait_for "[ -e '$NT_DIR/flow.ready' ] || ! nt_alive flow" 30 ||
   [ ! -e "$NT_DIR/flow.ready" ]; then
	t_fail "traffic" "ifchurn.py did not start"
	cat "$NT_DIR/flow.out" >&2
	t_summary; exit 1
fi
# the flow goes through the fast path before the churn starts
fwd0=$(counter fwd_to_tunnel)
t_check "traffic forwarded by the fast path before the churn" \
	-m "fwd_to_tunnel stayed at $fwd0" \
	wait_for "[ \"\$(counter fwd_to_tunnel)\" -gt $fwd0 ]" 30
seq0=$(field seq)
fwd0=$(counter fwd_to_tunnel)
t0=$(now_ms)
for ((r = 0; r < ROUNDS; r++)); do
	ip -n "$GW" -b "$NT_DIR/churn.batch" || break
done
t1=$(now_ms)
changes=$((r * 200))
# the daemon catches up: the entry says what the kernel says
t_check "after $changes MTU changes vti1's entry says mtu $TOPO_MTU, seq even" \
	-m "not within 60 s" \
	wait_for "[ \"\$(field mtu)\" = $TOPO_MTU ] && [ \$((\$(field seq) % 2)) -eq 0 ]" 60
fwd1=$(counter fwd_to_tunnel)
seq1=$(field seq)
touch "$NT_DIR/flow.stop"
wait_for "! nt_alive flow" 30
nt_kill flow
res=$(sed -n 's/^RESULT //p' "$NT_DIR/flow.out")
if [ -z "$res" ]; then
	t_fail "traffic" "ifchurn.py printed no result"
	cat "$NT_DIR/flow.out" >&2
	t_summary; exit 1
fi
j() { jq -r "$1" <<<"$res"; }
echo "churn: $changes MTU changes in $((t1 - t0)) ms; entry seq $seq0 -> $seq1"
echo "traffic: $res"
echo "fast path: fwd_to_tunnel $(counter fwd_to_tunnel), pass_mtu $(counter pass_mtu)," \
	"pass_if_changing $(counter pass_if_changing)"

t_check "$changes MTU changes made" -m "ip -batch stopped after $r rounds" \
	[ "$r" -eq "$ROUNDS" ]
t_check "the daemon rewrote vti1's entry during the churn (seq $seq0 -> $seq1)" \
	-m "fewer than 100 writes" [ $((seq1 - seq0)) -ge 200 ]
t_check "the fast path forwarded during the churn (fwd_to_tunnel $fwd0 -> $fwd1)" \
	[ "$fwd1" -gt "$fwd0" ]
t_check "no 1450-byte DF packet left through a tunnel (sent $(j .sent.big))" \
	-m "$(j .cap.big) seen at aws" [ "$(j .cap.big)" -eq 0 ]
t_check "nothing above $TOPO_MTU bytes left through a tunnel" \
	-m "largest seen: $(j .cap_max)" [ "$(j .cap_max)" -le "$TOPO_MTU" ]
t_check "every packet seen or received is what was sent" \
	-m "$(j .corrupt) differ" [ "$(j .corrupt)" -eq 0 ]
t_check "every packet in the tunnels was forwarded once (TTL 63)" \
	-m "$(j .bad_ttl) with another TTL" [ "$(j .bad_ttl)" -eq 0 ]
all_of() { [ "$1" -gt 0 ] && [ "$2" -eq "$1" ]; }
t_check "every small packet arrived at vpc ($(j .recv.small) of $(j .sent.small))" \
	all_of "$(j .sent.small)" "$(j .recv.small)"
t_check "no 1450-byte DF packet arrived at vpc" \
	-m "$(j .recv.big) arrived" [ "$(j .recv.big)" -eq 0 ]
t_summary
