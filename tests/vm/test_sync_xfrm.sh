#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# XFRM interfaces (`ip link add xfrm1 type xfrm dev pub0 if_id 7`) carry
# no endpoints: `vtiaccel run` derives their ESP peer from the inbound SA
# with that if_id (SA source = peer, destination = local, SA mark/mask),
# follows SAs as `ip xfrm state add/delete` changes them, applies the
# [peer NAME] overrides, and enters no peer for an SA without a mark (the
# kernel finds it by if_id; nothing to mark).  `vtiaccel verify` computes
# the same from a fresh dump: no drift in every state.  The peer map is
# read with bpftool, independently of vtiaccel's code.
#
# Needs xfrm_interface, xfrm_user and esp4 (the host kernel has none:
# run through tests/vm/vm-run).

. "$(dirname "$0")/lib.sh"

HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$HERE/../../$BUILD ;; esac
VTA=$BUILD/vtiaccel

GW=${T_PREFIX}gw
PIN=/sys/fs/bpf/${T_PREFIX}
CONF=$T_TMP/vtiaccel.conf

[ -x "$VTA" ] || t_skip_all "$VTA not built (make BUILD=... tests)"
command -v bpftool >/dev/null || t_skip_all "bpftool not found"
load_modules xfrm_interface xfrm_user esp4 ||
	t_skip_all "kernel $(uname -r) lacks XFRM interfaces or ESP (run through tests/vm/vm-run)"

# xfrm2 sits behind a 1:1 NAT: its ESP arrives for 10.99.0.5, and the
# operator sets the mark.
cat > "$CONF" <<EOF
[interfaces]
lan = eth1
wan = pub0
tunnel = xfrm*

[peer xfrm2]
local = 10.99.0.5
mark = 0x200/0xf00
EOF

vta() { nsenter --net="/run/netns/$GW" "$VTA" -c "$CONF" "$@"; }
vta_verify() { vta verify --pin-root "$PIN"; }
# peers: the peer map as "local peer mark/mask ifindex flags" lines
peers() {
	bpftool -j map dump pinned "$PIN/vta_peers" | /usr/bin/python3 -c '
import ipaddress, json, struct, sys
for e in json.load(sys.stdin):
    k = bytes(int(x, 16) for x in e["key"])
    v = bytes(int(x, 16) for x in e["value"])
    fam, = struct.unpack_from("<I", k, 0)
    n = 4 if fam == 2 else 16
    loc = ipaddress.ip_address(k[4:4 + n])
    peer = ipaddress.ip_address(k[20:20 + n])
    mark, mask, ifi, fl = struct.unpack("<IIII", v)
    print(f"{loc} {peer} {mark:#x}/{mask:#x} {ifi} {fl}")
'
}
# has_peers "LINE..." : the peer map holds exactly these lines
has_peers() {
	local want got
	want=$(printf '%s\n' "$@" | sed '/^$/d' | sort)
	got=$(peers | sort)
	[ "$got" = "$want" ] || { echo "peers: '$got', want '$want'"; return 1; }
}
KEYS='enc cbc(aes) 0x00112233445566778899aabbccddeeff auth-trunc hmac(sha1) 0x00112233445566778899aabbccddeeff00112233 96'
sa_add() { # SRC DST SPI IF_ID [extra...]
	local src=$1 dst=$2 spi=$3 ifid=$4
	shift 4
	# shellcheck disable=SC2086 # KEYS is several words
	ip -n "$GW" xfrm state add src "$src" dst "$dst" proto esp spi "$spi" \
		mode tunnel $KEYS if_id "$ifid" "$@"
}
sa_del() { # SRC DST SPI [mark M mask M: a marked SA is found by its mark]
	local src=$1 dst=$2 spi=$3
	shift 3
	ip -n "$GW" xfrm state delete src "$src" dst "$dst" proto esp spi "$spi" "$@"
}

t_cleanup "ip netns del $GW; rm -rf $PIN"
ip netns add "$GW"
printf '%s\n' \
	"link add eth1 type veth peer name eth0" \
	"link add pub0 type veth peer name pub1" \
	"addr add 192.0.2.1/24 dev pub0" "addr add 10.99.0.5/32 dev lo" \
	"addr add 10.16.16.254/24 dev eth1" \
	"link set lo up" "link set pub0 up" "link set pub1 up" \
	"link set eth1 up" "link set eth0 up" \
	"link add xfrm1 type xfrm dev pub0 if_id 7" "link set xfrm1 up" \
	"link add xfrm2 type xfrm dev pub0 if_id 8" "link set xfrm2 up" |
	ip -n "$GW" -batch -
X1=$(ip -n "$GW" -o link show xfrm1 | cut -d: -f1)
X2=$(ip -n "$GW" -o link show xfrm2 | cut -d: -f1)

nsenter --net="/run/netns/$GW" "$VTA" -c "$CONF" run --pin-root "$PIN" \
	> "$T_TMP/daemon.log" 2>&1 &
DPID=$!
t_cleanup t_bg_kill "$DPID"
f0=$T_FAIL
# (loading the programs under plain emulation on a shared host can take
# most of a minute)
t_check "vtiaccel run on two xfrm interfaces: no drift within 120 s" \
	wait_until 120 vta_verify
t_check "no SA: no ESP peer" has_peers ""

# xfrm1: outbound SA, then an inbound one marked 0x64/0xff in UDP 4500
sa_add 192.0.2.1 192.0.2.2 0x1001 7
sa_add 192.0.2.2 192.0.2.1 0x1002 7 mark 0x64 mask 0xff \
	encap espinudp 4500 4500 0.0.0.0
t_check "marked inbound SA of xfrm1 -> peer 192.0.2.1 <- 192.0.2.2 mark 0x64/0xff, NAT-T" \
	wait_until 5 has_peers "192.0.2.1 192.0.2.2 0x64/0xff $X1 2"
t_check "verify: no drift with the marked SA" wait_until 5 vta_verify

# xfrm2: an unmarked inbound SA; the override gives local and mark
sa_add 192.0.2.1 198.51.100.7 0x2001 8
sa_add 198.51.100.7 10.99.0.5 0x2002 8
t_check "xfrm2's unmarked SA with a [peer xfrm2] override -> 10.99.0.5 <- 198.51.100.7 mark 0x200/0xf00" \
	wait_until 5 has_peers "192.0.2.1 192.0.2.2 0x64/0xff $X1 2" \
	"10.99.0.5 198.51.100.7 0x200/0xf00 $X2 1"
t_check "verify: no drift with the override" wait_until 5 vta_verify

# xfrm1's inbound SA goes: its peer goes
sa_del 192.0.2.2 192.0.2.1 0x1002 mark 0x64 mask 0xff
t_check "inbound SA deleted -> xfrm1's peer gone" \
	wait_until 5 has_peers "10.99.0.5 198.51.100.7 0x200/0xf00 $X2 1"
t_check "verify: no drift after the delete" wait_until 5 vta_verify

# an unmarked inbound SA for xfrm1: nothing to mark, no entry
sa_add 192.0.2.2 192.0.2.1 0x1003 7
t_check "unmarked inbound SA of xfrm1 -> no peer entry" \
	wait_until 5 has_peers "10.99.0.5 198.51.100.7 0x200/0xf00 $X2 1"
t_check "verify: no drift with the unmarked SA" wait_until 5 vta_verify
# verify must see a peer deleted behind the daemon's back
# shellcheck disable=SC2046 # the zero bytes are separate words on purpose
bpftool map delete pinned "$PIN/vta_peers" key hex \
	02 00 00 00 0a 63 00 05 $(printf '00 %.0s' $(seq 12)) \
	c6 33 64 07 $(printf '00 %.0s' $(seq 12))
t_check "verify: reports the peer deleted behind the daemon (exit 1)" \
	eval "vta_verify; test \$? = 1"
if [ "$T_FAIL" != "$f0" ]; then
	sed 's/^/    daemon: /' "$T_TMP/daemon.log" | tail -20
	vta verify --pin-root "$PIN" 2>&1 | head -20 | sed 's/^/    verify: /'
fi
