# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# The seed's gateway rebuilt on veth (source after ns.sh):
#
#   lan host --eth0==eth1-- gw --vti1==vti1-- aws --eth0==eth0-- vpc host
#                              --vti2==vti2--
#
#   lan  eth0 10.16.16.10/24 fd00:16::10/64, default via gw
#   gw   eth1 10.16.16.254/24 fd00:16::254/64 (LAN)
#        vti1 169.254.12.38/30 fd00:12::2/64, vti2 169.254.14.230/30
#        fd00:14::2/64: veth stand-ins for the VTIs, MTU 1436 as the seed's
#        172.31.0.0/16 and fd00:31::/64: ECMP over both (what BGP installs)
#        172.30.0.0/16: kernel route via vti1 only, NOT in the map FIB
#   aws  the Transit Gateway side: peer ends of vti1/vti2, eth0 to the VPC,
#        10.16.16.0/24 and fd00:16::/64 ECMP back over both tunnels
#   vpc  eth0 172.31.0.10/16 172.30.0.10/16 fd00:31::10/64, default via aws
#
# TOPO_SPEC is the vta_static spec that mirrors gw's routes into the maps:
# slot 1 = eth1, 2 = vti1, 3 = vti2.

TOPO_MTU=1436
TOPO_MSS4=$((TOPO_MTU - 40))
TOPO_MSS6=$((TOPO_MTU - 60))

topo_setup() {
	nt_ns lan gw aws vpc || return 1
	nt_veth lan eth0 gw eth1 &&
	nt_veth gw vti1 aws vti1 &&
	nt_veth gw vti2 aws vti2 &&
	nt_veth aws eth0 vpc eth0 || return 1
	nt_forwarding gw
	nt_forwarding aws
	ip -n "$(nt_name lan)" -b - <<-EOF || return 1
	addr add 10.16.16.10/24 dev eth0
	addr add fd00:16::10/64 dev eth0 nodad
	route add default via 10.16.16.254
	route add default via fd00:16::254
	EOF
	ip -n "$(nt_name gw)" -b - <<-EOF || return 1
	link set vti1 mtu $TOPO_MTU
	link set vti2 mtu $TOPO_MTU
	addr add 10.16.16.254/24 dev eth1
	addr add fd00:16::254/64 dev eth1 nodad
	addr add 169.254.12.38/30 dev vti1
	addr add fd00:12::2/64 dev vti1 nodad
	addr add 169.254.14.230/30 dev vti2
	addr add fd00:14::2/64 dev vti2 nodad
	route add 172.31.0.0/16 nexthop via 169.254.12.37 dev vti1 nexthop via 169.254.14.229 dev vti2
	route add fd00:31::/64 nexthop via fd00:12::1 dev vti1 nexthop via fd00:14::1 dev vti2
	route add 172.30.0.0/16 via 169.254.12.37 dev vti1
	EOF
	ip -n "$(nt_name aws)" -b - <<-EOF || return 1
	link set vti1 mtu $TOPO_MTU
	link set vti2 mtu $TOPO_MTU
	addr add 169.254.12.37/30 dev vti1
	addr add fd00:12::1/64 dev vti1 nodad
	addr add 169.254.14.229/30 dev vti2
	addr add fd00:14::1/64 dev vti2 nodad
	addr add 172.31.0.1/16 dev eth0
	addr add 172.30.0.1/16 dev eth0
	addr add fd00:31::1/64 dev eth0 nodad
	route add 10.16.16.0/24 nexthop via 169.254.12.38 dev vti1 nexthop via 169.254.14.230 dev vti2
	route add fd00:16::/64 nexthop via fd00:12::2 dev vti1 nexthop via fd00:14::2 dev vti2
	EOF
	ip -n "$(nt_name vpc)" -b - <<-EOF || return 1
	addr add 172.31.0.10/16 dev eth0
	addr add 172.30.0.10/16 dev eth0
	addr add fd00:31::10/64 dev eth0 nodad
	route add default via 172.31.0.1
	route add default via fd00:31::1
	EOF
}

# shellcheck disable=SC2034 # for the test scripts that source this
TOPO_SPEC="
iface eth1 role lan slot 1 flags up,l2
iface vti1 role tunnel slot 2 mtu $TOPO_MTU mss4 $TOPO_MSS4 mss6 $TOPO_MSS6 flags up,sa_up,l2
iface vti2 role tunnel slot 3 mtu $TOPO_MTU mss4 $TOPO_MSS4 mss6 $TOPO_MSS6 flags up,sa_up,l2
group 1 neigh vti1 via 169.254.12.37 weight 1 neigh vti2 via 169.254.14.229 weight 1
group 2 neigh vti1 via fd00:12::1 weight 1 neigh vti2 via fd00:14::1 weight 1
group 3 neigh eth1
route 172.31.0.0/16 group 1 flags via_tunnel,gateway
route fd00:31::/64 group 2 flags via_tunnel,gateway
route 10.16.16.0/24 group 3
route fd00:16::/64 group 3
route 10.16.16.254/32 local
route fd00:16::254/128 local
config forward lease 3600s seed 1
"
# shellcheck disable=SC2034
TOPO_ATTACH="attach eth1 lan; attach vti1 tunnel; attach vti2 tunnel"

# Is the program in $1 (lan|tunnel|wan|xdp_lan) still the pass-everything
# placeholder?  The BPF object then has no code beyond "return".
topo_prog_placeholder() {
	local o=$NT_BUILD/bpf/$1.bpf.o
	[ -f "$o" ] || return 0
	# a real program references the maps from its code section; the
	# placeholder has no relocations there at all
	! llvm-objdump -r "$o" 2>/dev/null |
		awk '/^RELOCATION RECORDS FOR \[/ { code = ($4 ~ /^\[(tc|xdp)/) }
		     code && /vta_/ { found = 1 } END { exit !found }'
}
