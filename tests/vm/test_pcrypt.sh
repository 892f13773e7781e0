#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# `vtiaccel run --pcrypt "cpus 1"` (docs/esp-spread.md, "pcrypt") on the
# seed-like gateway of tests/vm/dp_lib.sh (aes128-cbc + hmac-sha1-96,
# replay window 1024):
#
#	lan 10.16.16.10 eth0 -- eth1 gw pub0 192.0.2.1 ==ESP== 192.0.2.2 pub0 peer eth1 -- eth0 172.31.0.10 vpc
#
# The kernel is the oracle: what crosses the tunnel with pcrypt arrives as
# it does without, no xfrm error.  Asserts: the daemon, with no module
# loaded by hand, instantiates pcrypt around the seed's AEAD above the
# plain AEAD's priority and sets both parallel masks, and status shows it;
# SAs created afterwards hold it (its reference count grows, the outbound
# SA's echainiv is built on it) and carry ping and TCP (echoed intact) both
# ways, and a crafted UDP/TCP/ICMP sequence byte for byte as the plain AEAD
# did, with no replay-window drop; SIGKILL under a ping flood loses
# nothing (pcrypt is kernel state with no lease); a daemon with pcrypt
# unset leaves it alone; `--pcrypt no` takes it out of use while SAs hold
# it (priority 0: SAs created then get the plain AEAD, the old ones go on
# under a ping flood); pcrypt on again makes the unused retired instance
# anew and new SAs, outbound included, get it; `--pcrypt no` then deletes
# it once no SA holds it; a CPU that is not online stops the daemon
# naming the key.

#
# It reproduces a kernel bug on Debian's 6.1 (docs/esp-spread.md, "A kernel
# bug"): every packet pcrypt decrypts on a VTI takes a reference from the
# VTI that was never given, so once its namespaces are deleted the guest's
# namespace teardown waits forever and every test after this one would
# hang on its own teardown.  Hence:
# vm-tier: own VM

. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/dp_lib.sh"

dp_require jq nsenter tcpdump
[ "$(nproc)" -ge 2 ] || t_skip_all "needs 2 CPUs, have $(nproc)"
for m in pcrypt crypto_user; do
	modinfo "$m" >/dev/null 2>&1 || t_skip_all "kernel $(uname -r) has no module $m"
done

ALG='authenc(hmac(sha1),cbc(aes))'

# crypto FIELD [NAME [DRIVER-PREFIX]]: FIELD of the AEAD NAME in
# /proc/crypto whose driver starts with DRIVER-PREFIX (pcrypt( by default)
crypto() {
	awk -v f="$1" -v n="${2:-$ALG}" -v d="${3:-pcrypt(}" '
		function flush() { if (name == n && index(drv, d) == 1) print v[f]; delete v; name = drv = "" }
		/^$/ { flush(); next }
		{ k = $1; sub(/^[^:]*: */, ""); v[k] = $0
		  if (k == "name") name = $0; if (k == "driver") drv = $0 }
		END { flush() }' /proc/crypto | head -1
}
# plain_prio: the highest priority of the AEAD's other implementations
plain_prio() {
	awk -v n="$ALG" '
		function flush() { if (name == n && index(drv, "pcrypt(") != 1 && p > m) m = p; name = drv = ""; p = -1 }
		BEGIN { m = -1 }
		/^$/ { flush(); next }
		$1 == "name" { sub(/^[^:]*: */, ""); name = $0 }
		$1 == "driver" { sub(/^[^:]*: */, ""); drv = $0 }
		$1 == "priority" { p = $3 }
		END { flush(); print m }' /proc/crypto
}
refcnt() { crypto refcnt; }
refcnt_below() { [ "$(refcnt)" -lt "$1" ]; }
registered() { [ -n "$(crypto driver)" ]; }
pstatus() { vta status -j 2>/dev/null | jq -c --arg n "$ALG" '.pcrypt.instances[]? | select(.name == $n)'; }
seqerr() { ns_exec "$GW" awk '$1 == "XfrmInStateSeqError" { print $2 }' /proc/net/xfrm_stat; }
logged() { grep -q "$1" "$T_TMP/daemon.log"; }
new_sas() { dp_set_sas "$GW" gw && dp_set_sas "$PEER" peer; }
# pings NS DST: 20 pings, every one answered
pings() {
	ns_exec "$1" ping -n -q -c 20 -i 0.05 -W 2 "$2" > "$T_TMP/ping.out" 2>&1
	grep -q ' 0% packet loss' "$T_TMP/ping.out" || { sed 's/^/    /' "$T_TMP/ping.out"; return 1; }
}
# the kernel keeps an instance made through crypto_user until it is
# deleted: leave none behind for the tests after this one (the SAs go
# first, then each instance once no transform holds it)
delalg() {
	python3 - "$1" <<-'EOF'
	import socket, struct, sys
	body = struct.pack("64s64s64sIIII", b"", sys.argv[1].encode(), b"", 3, 15, 0, 0)
	s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 21)
	s.send(struct.pack("IHHII", 16 + len(body), 0x11, 5, 1, 0) + body)
	err = struct.unpack_from("i", s.recv(4096), 16)[0]
	sys.exit(1 if err else 0)
	EOF
}
pcrypt_left() { awk '$1 == "driver" && $3 ~ /^pcrypt\(/ { print $3 }' /proc/crypto; }
pcrypt_gone() {
	local d
	for d in $(pcrypt_left); do delalg "$d" || true; done
	[ -z "$(pcrypt_left)" ]
}
pcrypt_cleanup() {
	ip -n "$GW" xfrm state flush 2>/dev/null
	ip -n "$PEER" xfrm state flush 2>/dev/null
	wait_until 20 pcrypt_gone || echo "# pcrypt instances left: $(pcrypt_left | tr '\n' ' ')"
}
# mask FILE: a cpumask file as a number
mask() { echo $((0x$(tr -d ',\n' < "$1"))); }

t_cleanup dp_netns_del
t_cleanup pcrypt_cleanup
dp_seed_topology

t_check "kernel path: vpc -> lan ping within 20 s" wait_until 20 ping_ok "$VPC" $LAN_IP
t_check "no pcrypt instance of $ALG before the daemon" eval "! registered"

# --- a CPU that is not online -----------------------------------------------------

nsenter --net="/run/netns/$GW" "$VTA" run --pin-root "$PIN" --lan eth1 --wan pub0 \
	--tunnel 'vti*' --liveness no --pcrypt "cpus 0,63" --pcrypt-kernel-ok yes > "$T_TMP/bad.log" 2>&1 &
bpid=$!
t_cleanup t_bg_kill "$bpid"
t_check "--pcrypt \"cpus 0,63\": the daemon exits within 60 s" wait_pid_gone 60 "$bpid"
t_check "naming the key and the CPU" grep -q 'pcrypt = cpus 0,63: CPU 63 is not online' "$T_TMP/bad.log"
t_check "having made no instance" eval "! registered"

# --- refused without pcrypt_kernel_ok ----------------------------------------------

nsenter --net="/run/netns/$GW" "$VTA" run --pin-root "$PIN" --lan eth1 --wan pub0 \
	--tunnel 'vti*' --liveness no --pcrypt "cpus 1" > "$T_TMP/nok.log" 2>&1 &
bpid=$!
t_cleanup t_bg_kill "$bpid"
t_check "--pcrypt without --pcrypt-kernel-ok: the daemon exits within 60 s" wait_pid_gone 60 "$bpid"
t_check "naming the kernel bug and the key that overrides it" \
	grep -q 'pcrypt = cpus 1: refused: .*unregister_netdevice: waiting for vti1.*pcrypt_kernel_ok = yes' "$T_TMP/nok.log"
t_check "having made no instance" eval "! registered"

# --- on --------------------------------------------------------------------------

# CPU 1 only: the masks start as every online CPU (0-1 here), so only a
# smaller set shows that the daemon wrote them
dp_daemon_start --liveness no --pcrypt "cpus 1" --pcrypt-kernel-ok yes
f0=$T_FAIL
t_check "the daemon makes pcrypt($ALG) within 120 s" wait_until 120 registered
t_check "above the plain AEAD's priority (new SAs get it)" \
	eval "[ $(crypto priority) -gt $(plain_prio) ]"
t_check "both parallel masks are CPU 1 within 30 s" wait_until 30 eval \
	"[ \$(mask /sys/kernel/pcrypt/pdecrypt/parallel_cpumask) = 2 ] &&
	 [ \$(mask /sys/kernel/pcrypt/pencrypt/parallel_cpumask) = 2 ]"
t_check "status -j shows it: cpus 1, new SAs get it" wait_until 120 eval \
	"vta status -j 2>/dev/null | jq -e --arg n '$ALG' '.pcrypt.decrypt_cpus == \"1\" and
		.pcrypt.encrypt_cpus == \"1\" and
		([.pcrypt.instances[] | select(.name == \$n and .new_sas)] | length == 1)' >/dev/null"
[ "$T_FAIL" = "$f0" ] || { dp_daemon_why; cat /proc/crypto | grep -A6 pcrypt | sed 's/^/# /'; }
t_info "$(pstatus)"

# the reference: the SAs made before the instance, with the plain AEAD
# (the daemon running, so that its clamp applies to both captures)
t_check "the daemon's maps match the kernel (verify) within 180 s" wait_until 180 vta_verify
t_check "plain AEAD: crafted sequence vpc -> lan arrives" dp_capture_crafted vpc-lan "$T_TMP/kernel.pcap"

# new SAs get pcrypt; both ends' (a fresh outbound SA starts at sequence
# 1, which the other end's old inbound SA would drop as replays)
r0=$(refcnt)
new_sas
t_check "the new SAs hold the instance (refcnt $r0 -> >= $((r0 + 2)))" \
	eval "[ $(refcnt) -ge $((r0 + 2)) ]"
t_check "the outbound SA's echainiv is built on it" \
	eval "[ -n \"\$(crypto driver \"echainiv($ALG)\" 'echainiv(pcrypt(')\" ]"

seq0=$(seqerr)
i0=$(dp_sa_pkts "$GW" $PEER_PUB $GW_PUB 0xc0de0002)
t_check "vpc -> lan: 20 of 20 pings answered" pings "$VPC" $LAN_IP
t_check "lan -> vpc: 20 of 20 pings answered" pings "$LAN" $VPC_IP
dp_tcp_both_ways 262144 120
t_check "pcrypt: crafted sequence vpc -> lan arrives" dp_capture_crafted vpc-lan "$T_TMP/pcrypt.pcap"
if [ -s "$T_TMP/kernel.pcap" ] && [ -s "$T_TMP/pcrypt.pcap" ]; then
	t_check "lan receives byte-identical packets (UDP, TCP, ICMP) with and without pcrypt" \
		$PKT compare "$T_TMP/kernel.pcap" "$T_TMP/pcrypt.pcap" $VPC_IP $LAN_IP
fi
i1=$(dp_sa_pkts "$GW" $PEER_PUB $GW_PUB 0xc0de0002)
t_check "the traffic took gw's new inbound SA (+100 packets)" dp_grew "inbound SA" "$i1" "$i0" 100
t_check "no replay-window drops (XfrmInStateSeqError +0)" test "$(seqerr)" = "$seq0"

# --- kill -9 under traffic ----------------------------------------------------------

ns_exec "$VPC" ping -n -q -c 500 -i 0.02 -W 2 $LAN_IP > "$T_TMP/flood.out" 2>&1 &
fpid=$!
t_cleanup t_bg_kill "$fpid"
t_check "the flood's ESP reaches gw's SA" \
	wait_until 20 eval "[ \$(dp_sa_pkts $GW $PEER_PUB $GW_PUB 0xc0de0002) -ge $((i1 + 20)) ]"
kill -9 "$DPID"
wait "$DPID" 2>/dev/null || true	# 137: killed, as intended
t_info "daemon $DPID killed with SIGKILL"
if wait "$fpid"; then frc=0; else frc=$?; fi
t_check "ping flood across the kill: 500 of 500 answered" \
	eval "[ $frc = 0 ] && grep -q ' 0% packet loss' $T_TMP/flood.out"
[ "$frc" = 0 ] || sed 's/^/# /' "$T_TMP/flood.out"
t_check "the instance stays, above the plain AEAD" \
	eval "registered && [ $(crypto priority) -gt $(plain_prio) ]"

# --- unset: left alone ---------------------------------------------------------------

dp_daemon_start --liveness no
t_check "a daemon with pcrypt unset: up (verify) within 180 s" wait_until 180 vta_verify
t_check "and the instance is left as it was, above the plain AEAD" \
	eval "registered && [ $(crypto priority) -gt $(plain_prio) ]"
kill "$DPID"
t_check "SIGTERM: the daemon exits within 60 s" wait_pid_gone 60 "$DPID"

# --- no: out of use while SAs hold it, deleted once none does -------------------------

# the SAs that hold it keep working while it is retired: a flood across
ns_exec "$VPC" ping -n -q -c 400 -i 0.02 -W 2 $LAN_IP > "$T_TMP/flood2.out" 2>&1 &
fpid=$!
t_cleanup t_bg_kill "$fpid"
dp_daemon_start --liveness no --pcrypt no
t_check "--pcrypt no: the daemon retires it within 120 s (priority 0)" \
	wait_until 120 eval "[ \"\$(crypto priority)\" = 0 ]"
t_check "while the flood runs" kill -0 "$fpid"
if wait "$fpid"; then frc=0; else frc=$?; fi
t_check "ping flood across the retiring: 400 of 400 answered (the SAs holding it go on)" \
	eval "[ $frc = 0 ] && grep -q ' 0% packet loss' $T_TMP/flood2.out"
[ "$frc" = 0 ] || sed 's/^/# /' "$T_TMP/flood2.out"
t_check "and both directions still pass after it: lan -> vpc 20 of 20" pings "$LAN" $VPC_IP
t_check "saying that SAs still use it" wait_until 10 logged 'is still used by SAs: priority 0'
t_check "status: new SAs do not get it" wait_until 120 eval \
	"[ \"\$(pstatus | jq -r .new_sas)\" = false ]"
new_sas
t_check "SAs made now do not use it: its refcnt falls to 1 within 30 s" \
	wait_until 30 refcnt_below 2
t_check "and the new outbound SA's echainiv is not built on it" \
	eval "[ -z \"\$(crypto driver \"echainiv($ALG)\" 'echainiv(pcrypt(')\" ] ||
	      [ \"\$(crypto refcnt \"echainiv($ALG)\" 'echainiv(pcrypt(')\" -le 1 ]"
t_check "vpc -> lan: 20 of 20 pings answered" pings "$VPC" $LAN_IP
kill "$DPID"
t_check "SIGTERM: the daemon exits within 60 s" wait_pid_gone 60 "$DPID"
t_check "pcrypt stays retired after the daemon (kernel state)" \
	eval "[ \"\$(crypto priority)\" = 0 ]"

# --- on again: the retired instance, unused, is made anew ------------------------------

dp_daemon_start --liveness no --pcrypt "cpus 1" --pcrypt-kernel-ok yes
t_check "a daemon with pcrypt again puts it above the plain AEAD within 120 s" \
	wait_until 120 eval "registered && [ \"\$(crypto priority)\" -gt $(plain_prio) ]"
t_check "saying so" wait_until 10 logged "pcrypt(authenc.*) (retired) deleted, to be made anew"
r0=$(refcnt)
new_sas
t_check "SAs made now hold it again (refcnt $r0 -> >= $((r0 + 2)))" \
	eval "[ $(refcnt) -ge $((r0 + 2)) ]"
t_check "including the outbound SA's echainiv, not the one built on the plain AEAD" \
	eval "[ -n \"\$(crypto driver \"echainiv($ALG)\" 'echainiv(pcrypt(')\" ]"
t_check "vpc -> lan: 20 of 20 pings answered" pings "$VPC" $LAN_IP
kill "$DPID"
t_check "SIGTERM: the daemon exits within 60 s" wait_pid_gone 60 "$DPID"

# --- off for good ----------------------------------------------------------------------

dp_daemon_start --liveness no --pcrypt no
t_check "--pcrypt no retires it again (priority 0) within 120 s" \
	wait_until 120 eval "[ \"\$(crypto priority)\" = 0 ]"
new_sas
t_check "SAs made now do not use it: its refcnt falls to 1 within 30 s" \
	wait_until 30 refcnt_below 2
kill "$DPID"
t_check "SIGTERM: the daemon exits within 60 s" wait_pid_gone 60 "$DPID"
dp_daemon_start --liveness no --pcrypt no
t_check "the next daemon with --pcrypt no deletes it within 120 s" \
	wait_until 120 eval "! registered"
t_check "saying so" wait_until 10 logged "pcrypt(authenc.*) deleted"
t_check "status: pcrypt null" wait_until 120 eval \
	"vta status -j 2>/dev/null | jq -e '.pcrypt == null and .health != null' >/dev/null"
t_check "vpc -> lan: 20 of 20 pings answered" pings "$VPC" $LAN_IP
kill "$DPID"
t_check "SIGTERM: the daemon exits within 60 s" wait_pid_gone 60 "$DPID"

t_check "no replay-window drops across the test" test "$(seqerr)" = "$seq0"
t_check "no xfrm errors in gw" test -z "$(dp_xfrm_errors "$GW")"
