#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# VTI + ESP between two namespaces, configured like the seed's gateway
# (ipsec-vti.sh: vti1 with ikey/okey 100, 169.254.12.38/30 <-> .37, MTU
# 1436, disable_policy / rp_filter on the VTI, disable_xfrm/disable_policy
# on the public interface) with manual SAs in place of strongSwan's:
# aes128-cbc + hmac-sha1-96, tunnel mode, mark 100 on the policies and the
# outbound SA, inbound SA unmarked (strongSwan's default mark_in_sa = no).
#
#	gw (192.0.2.1) pub0 ==veth== pub0 (192.0.2.2) aws
#	vti1 169.254.12.38/30           vti1 169.254.12.37/30
#
# Asserts that traffic across the VTIs flows, that it is real ESP on the
# wire (SA counters, capture: ESP only, no clear ICMP), that a full-MTU
# inner packet fits, that the kernel reports no xfrm errors, and that the
# path really depends on the SA (removing it stops the traffic).

. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/dp_lib.sh"

AWS=${T_PREFIX}aws
AWS_PUB=$PEER_PUB
GW_IN=169.254.12.38
AWS_IN=169.254.12.37
MARK=100
SPI_OUT=0xc0de0001	# gw -> aws
SPI_IN=0xc0de0002	# aws -> gw
# strongSwan's default replay window (the data-path tests use AWS's 1024)
DP_REPLAY=32

command -v ip >/dev/null || t_skip_all "ip (iproute2) not found"
load_modules ip_vti esp4 xfrm_user ||
	t_skip_all "kernel $(uname -r) lacks ip_vti/esp4/xfrm_user (run through tests/vm/vm-run)"

# sa_packets NS: "SPI PACKETS" per SA of NS ("lifetime current" counts).
sa_packets() {
	ip -n "$1" -s xfrm state |
		awk '/proto esp spi/ { for (i = 1; i < NF; i++) if ($i == "spi") spi = $(i + 1)
				       sub(/\(.*/, "", spi) }	# 0xc0de0001(3235774465)
		     /lifetime current:/ { getline; sub(/.*\(bytes\), */, ""); sub(/\(packets\).*/, "")
					  print spi, $0 }'
}

# spi_of LIST SPI: the packet count of SPI in sa_packets' output.
spi_of() {
	local spi n
	while read -r spi n; do
		[ "$((spi))" != "$(($2))" ] || { echo "$n"; return; }
	done <<<"$1"
}

# link_stat NS DEV FIELD: /sys counter of DEV in NS.
link_stat() {
	ns_exec "$1" cat "/sys/class/net/$2/statistics/$3"
}

# --- setup ------------------------------------------------------------------

t_cleanup "ip netns del $GW; ip netns del $AWS"
ip netns add "$GW"
ip netns add "$AWS"
ip -n "$GW" link add pub0 type veth peer name pub0 netns "$AWS"
{
	printf '%s\n' "addr add $GW_PUB/24 dev pub0" "link set pub0 up"
	dp_tunnel_batch vti1 $GW_PUB $AWS_PUB $GW_IN $AWS_IN $SPI_OUT $SPI_IN 1 $MARK
} > "$T_TMP/gw.batch"
{
	printf '%s\n' "addr add $AWS_PUB/24 dev pub0" "link set pub0 up"
	dp_tunnel_batch vti1 $AWS_PUB $GW_PUB $AWS_IN $GW_IN $SPI_IN $SPI_OUT 2 $MARK
} > "$T_TMP/aws.batch"
ip -n "$GW" -batch "$T_TMP/gw.batch"
ip -n "$AWS" -batch "$T_TMP/aws.batch"
dp_sysctls "$GW" vti1
dp_sysctls "$AWS" vti1

# Capture on the aws side's public interface for the whole exchange
# (--immediate-mode: packets still in the ring when tcpdump is stopped
# would be lost; 14 of 16 ESP packets were seen once without it).
have_tcpdump=
if command -v tcpdump >/dev/null; then
	ns_exec "$AWS" tcpdump -i pub0 -n -U --immediate-mode -Z root -w "$T_TMP/wire.pcap" \
		'esp or icmp or (ip[6:2] & 0x3fff != 0)' 2>"$T_TMP/tcpdump.err" &
	tcpdump_pid=$!
	t_cleanup t_bg_kill "$tcpdump_pid"
	if wait_until 15 grep -q 'listening on' "$T_TMP/tcpdump.err"; then
		have_tcpdump=1
	else
		t_fail "tcpdump did not start on pub0: $(cat "$T_TMP/tcpdump.err")"
	fi
fi

# --- traffic ----------------------------------------------------------------

t_check "gw -> aws ping over vti1 ($GW_IN -> $AWS_IN) within 10 s" \
	wait_until 10 ping_ok "$GW" $AWS_IN
t_check "gw -> aws: 3 of 3 pings answered" \
	ns_exec "$GW" ping -n -q -c 3 -i 0.2 -W 2 $AWS_IN
t_check "aws -> gw: 3 of 3 pings answered" \
	ns_exec "$AWS" ping -n -q -c 3 -i 0.2 -W 2 $GW_IN
# 1436 inner bytes: 20 + 8 (ESP) + 16 (IV) + 1440 (padded) + 12 (ICV) = 1496.
t_check "full-MTU inner packet (1436 bytes, DF) crosses the tunnel" \
	ns_exec "$GW" ping -n -q -c 1 -W 2 -M "do" -s 1408 $AWS_IN

# 1 + 3 + 1 echo requests and 3 echo replies each way, at least.
sas_gw=$(sa_packets "$GW")
sas_aws=$(sa_packets "$AWS")
out_gw=$(spi_of "$sas_gw" $SPI_OUT)
in_aws=$(spi_of "$sas_aws" $SPI_OUT)
out_aws=$(spi_of "$sas_aws" $SPI_IN)
in_gw=$(spi_of "$sas_gw" $SPI_IN)
t_check "gw outbound SA ($SPI_OUT) encrypted the traffic" dp_at_least "packets" "$out_gw" 8
t_check "aws inbound SA ($SPI_OUT) decrypted it" dp_at_least "packets" "$in_aws" 8
t_check "aws outbound SA ($SPI_IN) encrypted the replies" dp_at_least "packets" "$out_aws" 8
t_check "gw inbound SA ($SPI_IN) decrypted them" dp_at_least "packets" "$in_gw" 8
t_check "gw vti1 transmitted what its SA encrypted" \
	dp_at_least "gw vti1 tx_packets" "$(link_stat "$GW" vti1 tx_packets)" 8
t_check "aws vti1 received what its SA decrypted" \
	dp_at_least "aws vti1 rx_packets" "$(link_stat "$AWS" vti1 rx_packets)" 8

esp_seen() {
	[ "$(tcpdump -n -r "$T_TMP/wire.pcap" 2>/dev/null | grep -c ' ESP(spi=')" -ge "$1" ]
}
if [ -n "$have_tcpdump" ]; then
	# a CPU-starved tcpdump may not have written the last packets yet:
	# give it until the file holds what the check below asks for
	wait_until 10 esp_seen 16 || true
	kill "$tcpdump_pid"
	t_check "tcpdump stopped" wait_pid_gone 10 "$tcpdump_pid"
	# One decode of the capture (-v shows the IP flags and offset).
	tcpdump -n -v -r "$T_TMP/wire.pcap" 2>/dev/null > "$T_TMP/wire.txt"
	read -r esp clear frags < <(awk -v a="$GW_PUB" -v b="$AWS_PUB" '
		/^[0-9]/ { hdr = $0; next }	# -v: IP header line, then the packet
		{ pkt = hdr " " $0 }
		pkt ~ / ESP\(spi=/ && (pkt ~ (a " > " b ":") || pkt ~ (b " > " a ":")) { esp++ }
		pkt ~ /ICMP/ { clear++ }
		hdr ~ /flags \[\+\]/ || hdr ~ /offset [1-9]/ { frags++ }
		END { print esp + 0, clear + 0, frags + 0 }' "$T_TMP/wire.txt")
	t_check "the wire carried ESP between $GW_PUB and $AWS_PUB ($esp packets; the SAs encrypted $((out_gw + out_aws)))" \
		dp_at_least "ESP packets" "$esp" 16
	t_check "no clear-text ICMP on the wire" test "$clear" -eq 0
	t_check "no IP fragments on the wire" test "$frags" -eq 0
else
	t_skip "wire capture (tcpdump not available)"
fi

errs_gw=$(dp_xfrm_errors "$GW")
errs_aws=$(dp_xfrm_errors "$AWS")
t_check "no xfrm errors in gw (/proc/net/xfrm_stat)" test -z "$errs_gw"
t_check "no xfrm errors in aws (/proc/net/xfrm_stat)" test -z "$errs_aws"
[ -z "$errs_gw$errs_aws" ] || printf '  gw: %s\n  aws: %s\n' "$errs_gw" "$errs_aws"

# Without the outbound SA the policy has nothing to use: traffic stops
# (no clear-text fallback) and the kernel counts XfrmOutNoStates.
ip -n "$GW" xfrm state delete src $GW_PUB dst $AWS_PUB proto esp spi $SPI_OUT mark $MARK
t_check "without gw's outbound SA the ping fails" \
	eval "! ping_ok '$GW' $AWS_IN"
t_check "and gw counts XfrmOutNoStates" \
	dp_at_least "XfrmOutNoStates" "$(ns_exec "$GW" awk '$1 == "XfrmOutNoStates" { print $2 }' /proc/net/xfrm_stat)" 1
