# shellcheck shell=bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The seed's whole gateway as a lab in network namespaces (bash library,
# sourced by tests/vm/test_lab_*.sh and scripts/demo.sh).  Needs a kernel
# with ip_vti/esp4/xfrm_user (tests/vm/vm-run boots one), strongSwan's
# charon + swanctl, FRR's zebra + bgpd, iptables (in the wan namespace: the
# NAT and the path loss; in aws: where AWS answers ICMP).
#
#   lan 10.16.16.10 -- eth1 cgw eth0 10.16.1.254 -- wan (1:1 NAT to the
#   "Elastic IP" 198.51.100.10) -- 203.0.113.1, .2 aws 172.31.0.1 -- vpc
#   172.31.0.10
#
# cgw is the seed's router: strongSwan (IKEv1 aes128-sha1-modp1024, NAT-T,
# DPD 10 s/30 s restart, replay window 1024), vti1/vti2 made by
# contrib/strongswan/vtiaccel-updown (marks 100/200), FRR bgpd AS 65016,
# and `vtiaccel run` as the only data-path helper: no iptables/nftables
# rule in cgw.  aws answers with its own VTIs and FRR AS 64512 announcing
# 172.31.0.0/16 over both tunnels (ECMP at cgw).
#
# The XFRM variant (`lab_up --xfrm` or LAB_TUNNEL=xfrm) has xfrm1/xfrm2
# instead (IKEv2, if_id 1/2, selectors 0.0.0.0/0,::/0) and carries IPv6
# too: lan 2001:db8:16::10/64, vpc 2001:db8:31::10/64, inside addresses
# 2001:db8:12::/126 and 2001:db8:14::/126 with IPv6 BGP sessions on them
# (bgpd-*6.conf.in).  The outside (IKE, ESP in UDP 4500) stays IPv4.
#
#	. lab/lab.sh
#	lab_up [--no-vtiaccel] [--nhg on|off] [--xfrm]  # 0 once SAs, ECMP and vtiaccel are up
#	lab_down                                        # kills what lab_up started, by PID
#
# Every daemon runs once per namespace, with its own config and runtime
# directory under $LAB_DIR; every wait polls a condition with a deadline.

LAB_REPO=${LAB_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# now_ms, wait_until (and, for the tests, the t_* accounting).
# shellcheck source=tests/lib/common.sh
. "$LAB_REPO/tests/lib/common.sh"
LAB_BUILD=${LAB_BUILD:-${BUILD:-build-lab}}
case $LAB_BUILD in /*) ;; *) LAB_BUILD=$LAB_REPO/$LAB_BUILD ;; esac
LAB_VTA=${LAB_VTA:-$LAB_BUILD/vtiaccel}
LAB_P=${LAB_P:-lab-}
LAB_LAN=${LAB_P}lan LAB_CGW=${LAB_P}cgw LAB_WAN=${LAB_P}wan
LAB_AWS=${LAB_P}aws LAB_VPC=${LAB_P}vpc
LAB_NSS="$LAB_LAN $LAB_CGW $LAB_WAN $LAB_AWS $LAB_VPC"
LAB_UPDOWN=$LAB_REPO/contrib/strongswan/vtiaccel-updown
LAB_MTU=${LAB_MTU:-1436}	# the seed's VTI MTU
LAB_TUNNEL=${LAB_TUNNEL:-vti}	# vti | xfrm (lab_up --xfrm)
LAB_TUN=$LAB_TUNNEL		# tunnel interface names: $LAB_TUN1, $LAB_TUN2

LAB_LAN_HOST=10.16.16.10
LAB_CGW_LAN=10.16.16.254
LAB_CGW_PRIV=10.16.1.254
LAB_WAN_PRIV=10.16.1.1
LAB_CGW_EIP=198.51.100.10
LAB_AWS_PUB1=203.0.113.1
LAB_AWS_PUB2=203.0.113.2
LAB_WAN_PUB=203.0.113.254
LAB_VPC_HOST=172.31.0.10
LAB_AWS_VPC=172.31.0.1
LAB_VPC_NET=172.31.0.0/16
LAB_LAN_NET=10.16.16.0/24
# IPv6 (XFRM variant only: a VTI carries IPv4 only)
LAB_LAN_HOST6=2001:db8:16::10
LAB_CGW_LAN6=2001:db8:16::1
LAB_VPC_HOST6=2001:db8:31::10
LAB_AWS_VPC6=2001:db8:31::1
LAB_VPC_NET6=2001:db8:31::/64
LAB_LAN_NET6=2001:db8:16::/64

LAB_V6=
# lab_prereq MODULE...: for tests (tests/vm/lib.sh's t_skip_all): skip the
# whole test, saying why, when vtiaccel is not built, a daemon or tool the
# lab runs is missing, or the kernel lacks one of the modules.
lab_prereq() {
	local c
	[ -x "$LAB_VTA" ] || t_skip_all "no $LAB_VTA (make BUILD=$LAB_BUILD)"
	for c in /usr/lib/ipsec/charon swanctl /usr/lib/frr/bgpd iperf3 tcpdump \
		 iptables /usr/bin/python3; do
		command -v "$c" >/dev/null || t_skip_all "$c not installed"
	done
	load_modules "$@" || t_skip_all "kernel $(uname -r) lacks $(IFS=/; echo "$*") (run through tests/vm/vm-run)"
}

declare -gA LAB_PID=()	# "ns/daemon" -> PID of what lab_up started
LAB_DIR=${LAB_DIR:-}
LAB_T0=

lab_log() { echo "# lab: $*"; }
lab_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# Run a command in the mount + network namespace of a daemon lab_up
# started (charon's private /run, vtiaccel's bpffs).
# Until `ip netns exec` has unshared, the PID is still in our own mount and
# network namespaces: refuse rather than read the host's (or a stale)
# bpffs and sockets.
lab_in() {
	local pid=${LAB_PID[$1]:?no $1 started}
	shift
	[ "$(readlink "/proc/$pid/ns/mnt")" != "$(readlink /proc/self/ns/mnt)" ] || return 1
	nsenter -t "$pid" -m -n "$@"
}
lab_swanctl() { local ns=$1; shift; lab_in "$ns/charon" env STRONGSWAN_CONF="$LAB_DIR/$ns/strongswan.conf" swanctl "$@"; }
lab_vtysh() { local ns=$1; shift; vtysh -N "$ns" "$@"; }
lab_vta() { lab_in "$LAB_CGW/vtiaccel" "$LAB_VTA" "$@"; }
# The daemon is up once its first sync is done (what READY=1 tells systemd;
# the output file is new for each start) and its lease is valid: libbpf
# pins the (empty) maps while it loads the objects, before the verifier has
# run (tens of seconds under emulation), so `status` alone answers while
# nothing is attached or mirrored yet and `routes` prints an empty list.
lab_vta_ready() {
	lab_alive "$LAB_CGW/vtiaccel" &&
		grep -q '^vtiaccel: sync done (start)' "$LAB_DIR/$LAB_CGW/vtiaccel.out" &&
		lab_vta status 2>/dev/null | grep -q '^lease valid'
}
# Start-up deadline: object load + verifier + libxdp + the first sync of
# an emulated guest on a loaded host.
LAB_VTA_START_S=${LAB_VTA_START_S:-240}
# Deadline for each stage of lab_up (SAs, ECMP routes).
LAB_UP_S=${LAB_UP_S:-300}

lab_subst() { # TEMPLATE OUT NS
	local flavour
	# The tunnel flavour (swanctl-cgw.conf.in): VTI keys as marks, or
	# XFRM interface ids and the inside IPv6 addresses for the updown.
	if [ "$LAB_TUNNEL" = xfrm ]; then
		flavour=(-e "s|@IKE_VERSION@|2|g" -e "s|@TS@|0.0.0.0/0,::/0|g"
			 -e "s|@SAID\([12]\)@|if_id_in = \1\n\t\t\t\tif_id_out = \1|g"
			 -e "s|@TUN_OPTS:\([^@]*\)@|--xfrm eth0 --inside6 \1|g")
	else
		flavour=(-e "s|@IKE_VERSION@|1|g" -e "s|@TS@|0.0.0.0/0|g"
			 -e "s|@SAID\([12]\)@|mark_in = \100\n\t\t\t\tmark_out = \100|g"
			 -e "s|@TUN_OPTS:[^@]*@ ||g")
	fi
	sed -e "s|@DIR@|$LAB_DIR/$3|g" -e "s|@NAME@|$3|g" -e "s|@UPDOWN@|$LAB_UPDOWN|g" \
	    -e "s|@MTU@|$LAB_MTU|g" -e "s|@CGW_PRIV@|$LAB_CGW_PRIV|g" \
	    -e "s|@CGW_EIP@|$LAB_CGW_EIP|g" -e "s|@AWS_PUB1@|$LAB_AWS_PUB1|g" \
	    -e "s|@AWS_PUB2@|$LAB_AWS_PUB2|g" -e "s|@NHG@|$LAB_NHG_LINE|g" \
	    -e "s|@TUN@|$LAB_TUN|g" "${flavour[@]}" \
	    "$LAB_REPO/lab/$1" > "$2"
}

lab_alive() { kill -0 "${LAB_PID[$1]:-0}" 2>/dev/null; }

# lab_start NS NAME CMD...: start a daemon in NS in the background, output
# to $LAB_DIR/NS/NAME.out; its PID is LAB_PID[NS/NAME].
lab_start() {
	local ns=$1 name=$2
	shift 2
	ip netns exec "$ns" "$@" > "$LAB_DIR/$ns/$name.out" 2>&1 &
	LAB_PID[$ns/$name]=$!
}

lab_start_charon() {
	local ns=$1
	lab_subst strongswan.conf.in "$LAB_DIR/$ns/strongswan.conf" "$ns"
	# charon writes /run/charon.pid and its vici socket: a private /run
	# per namespace (ip netns exec gives each its own mount namespace).
	lab_start "$ns" charon sh -c 'mount -t tmpfs tmpfs /run && exec env STRONGSWAN_CONF="$0" /usr/lib/ipsec/charon' \
		"$LAB_DIR/$ns/strongswan.conf"
}

lab_start_frr() { # NS BGPD_TEMPLATE DAEMON
	local ns=$1 d=$3
	if [ "$d" = zebra ]; then
		install -d -o frr -g frr -m 0755 "/run/frr/$ns"
		chown frr:frr "$LAB_DIR/$ns"
		lab_subst zebra.conf.in "$LAB_DIR/$ns/zebra.conf" "$ns"
	else
		lab_subst "$2" "$LAB_DIR/$ns/bgpd.conf" "$ns"
		# IPv6 sessions over the XFRM interfaces (bgpd-*6.conf.in)
		if [ "$LAB_TUNNEL" = xfrm ]; then
			lab_subst "${2%.conf.in}6.conf.in" "$LAB_DIR/$ns/bgpd6.conf" "$ns" &&
			cat "$LAB_DIR/$ns/bgpd6.conf" >> "$LAB_DIR/$ns/bgpd.conf"
		fi
	fi
	lab_start "$ns" "$d" /usr/lib/frr/$d -N "$ns" -f "$LAB_DIR/$ns/$d.conf" -P 0 \
		-i "/run/frr/$ns/$d.pid" -u frr -g frr
}

lab_zebra_up() {
	wait_until 120 test -S "/run/frr/$1/zserv.api" ||
		{ lab_log "zebra in $1 did not open its socket: $(cat "$LAB_DIR/$1/zebra.out")"; return 1; }
}

# LAB_VTA_ARGS: further options of `vtiaccel run` (words), e.g.
# "--liveness no".
lab_start_vtiaccel() {
	# `ip netns exec` hides /sys/fs/bpf behind a fresh /sys: mount bpffs
	# again in the daemon's own mount namespace.
	# shellcheck disable=SC2086 # LAB_VTA_ARGS: words
	lab_start "$LAB_CGW" vtiaccel sh -c 'mount -t bpf bpf /sys/fs/bpf && t=$1 && shift && exec "$0" run --lan eth1 --wan eth0 --tunnel "$t*" "$@"' \
		"$LAB_VTA" "$LAB_TUN" ${LAB_VTA_ARGS:-}
}

lab_links() {
	cat > "$LAB_DIR/cgw.batch" <<-EOF
	link add eth1 type veth peer name eth0 netns $LAB_LAN
	link add eth0 type veth peer name tocgw netns $LAB_WAN
	addr add $LAB_CGW_LAN/24 dev eth1
	addr add $LAB_CGW_PRIV/24 dev eth0
	link set eth1 up
	link set eth0 up
	link set lo up
	route add default via $LAB_WAN_PRIV
	EOF
	cat > "$LAB_DIR/aws.batch" <<-EOF
	link add eth0 type veth peer name toaws netns $LAB_WAN
	link add eth1 type veth peer name eth0 netns $LAB_VPC
	addr add $LAB_AWS_PUB1/24 dev eth0
	addr add $LAB_AWS_PUB2/24 dev eth0
	addr add $LAB_AWS_VPC/16 dev eth1
	link set eth0 up
	link set eth1 up
	link set lo up
	route add default via $LAB_WAN_PUB
	EOF
	cat > "$LAB_DIR/wan.batch" <<-EOF
	addr add $LAB_WAN_PRIV/24 dev tocgw
	addr add $LAB_WAN_PUB/24 dev toaws
	link set tocgw up
	link set toaws up
	link set lo up
	EOF
	cat > "$LAB_DIR/lan.batch" <<-EOF
	addr add $LAB_LAN_HOST/24 dev eth0
	link set eth0 up
	link set lo up
	route add default via $LAB_CGW_LAN
	EOF
	cat > "$LAB_DIR/vpc.batch" <<-EOF
	addr add $LAB_VPC_HOST/16 dev eth0
	link set eth0 up
	link set lo up
	route add default via $LAB_AWS_VPC
	EOF
	if [ "$LAB_TUNNEL" = xfrm ]; then
		# IPv6 inside (nodad: no DAD delay, the lab's addresses are unique)
		cat >> "$LAB_DIR/cgw.batch" <<-EOF
		addr add $LAB_CGW_LAN6/64 dev eth1 nodad
		EOF
		cat >> "$LAB_DIR/aws.batch" <<-EOF
		addr add $LAB_AWS_VPC6/64 dev eth1 nodad
		EOF
		cat >> "$LAB_DIR/lan.batch" <<-EOF
		addr add $LAB_LAN_HOST6/64 dev eth0 nodad
		route add ::/0 via $LAB_CGW_LAN6
		EOF
		cat >> "$LAB_DIR/vpc.batch" <<-EOF
		addr add $LAB_VPC_HOST6/64 dev eth0 nodad
		route add ::/0 via $LAB_AWS_VPC6
		EOF
		lab_ns "$LAB_CGW" sysctl -q -w net.ipv6.conf.all.forwarding=1 &&
		lab_ns "$LAB_AWS" sysctl -q -w net.ipv6.conf.all.forwarding=1 \
			net.ipv6.fib_multipath_hash_policy=1 || return 1
	fi
	ip -n "$LAB_CGW" -batch "$LAB_DIR/cgw.batch" &&
	ip -n "$LAB_AWS" -batch "$LAB_DIR/aws.batch" &&
	ip -n "$LAB_WAN" -batch "$LAB_DIR/wan.batch" &&
	ip -n "$LAB_LAN" -batch "$LAB_DIR/lan.batch" &&
	ip -n "$LAB_VPC" -batch "$LAB_DIR/vpc.batch" || return 1
	# The seed's sysctls: forwarding, and no policy lookups on the
	# outside interface (ipsec-vti.sh).
	lab_ns "$LAB_CGW" sysctl -q -w net.ipv4.ip_forward=1 \
		net.ipv4.conf.eth0.disable_xfrm=1 net.ipv4.conf.eth0.disable_policy=1 &&
	# aws spreads flows over the tunnels by 5-tuple, as a Transit
	# Gateway does (the kernel's default hashes addresses only).
	lab_ns "$LAB_AWS" sysctl -q -w net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1 \
		net.ipv4.conf.eth0.disable_xfrm=1 net.ipv4.conf.eth0.disable_policy=1 &&
	lab_ns "$LAB_WAN" sysctl -q -w net.ipv4.ip_forward=1 || return 1
	# The Elastic IP: 1:1 NAT, as EC2 does it (here and only here
	# iptables).
	lab_ns "$LAB_WAN" iptables-restore <<-EOF
	*nat
	-A PREROUTING -d $LAB_CGW_EIP/32 -j DNAT --to-destination $LAB_CGW_PRIV
	-A POSTROUTING -s $LAB_CGW_PRIV/32 -o toaws -j SNAT --to-source $LAB_CGW_EIP
	COMMIT
	*filter
	:LABPATH - [0:0]
	-A FORWARD -j LABPATH
	COMMIT
	EOF
	# AWS answers ICMP echo through a tunnel on its inside address only
	# (the BGP neighbour, 169.254.x.y: what vtiaccel's liveness probes),
	# not on its outside (public) or VPC-side addresses, and nothing
	# sourced from a tunnel's inside address reaches the VPC (169.254/16
	# is link-local there: no route back).  Filter rules in aws for that
	# alone.
	lab_ns "$LAB_AWS" iptables-restore <<-EOF
	*filter
	-A INPUT -i $LAB_TUN+ -s 169.254.0.0/16 -p icmp --icmp-type echo-request ! -d 169.254.0.0/16 -j DROP
	-A FORWARD -i $LAB_TUN+ -s 169.254.0.0/16 -j DROP
	COMMIT
	EOF
}

# lab_path_down ADDR / lab_path_up ADDR: 100% loss between cgw and one aws
# outside address (rules in the wan namespace's own chain).
lab_path_down() {
	lab_ns "$LAB_WAN" iptables -A LABPATH -d "$LAB_CGW_EIP" -s "$1" -j DROP &&
	lab_ns "$LAB_WAN" iptables -A LABPATH -d "$1" -j DROP
}
lab_path_up() { lab_ns "$LAB_WAN" iptables -F LABPATH; }

# lab_sa_count NS: CHILD_SAs installed in NS's charon.
lab_sa_count() {
	lab_swanctl "$1" --list-sas 2>/dev/null | grep -c 'INSTALLED, TUNNEL'
}
lab_sas_up() { [ "$(lab_sa_count "$LAB_CGW")" -ge "${2:-2}" ]; }

# lab_ecmp_paths NS PREFIX: the number of tunnel nexthops of PREFIX in NS.
lab_ecmp_paths() {
	local fam=-4
	case $2 in *:*) fam=-6 ;; esac
	ip "$fam" -n "$1" route show "$2" | grep -c "dev ${LAB_TUN}[0-9]"
}
lab_ecmp_ok() { [ "$(lab_ecmp_paths "$1" "$2")" -ge 2 ]; }

# vtiaccel mirrors the ECMP route(s) with both tunnels: each prefix of
# the remote side (IPv4, and IPv6 in the XFRM variant).
lab_vta_ecmp_ok() {
	local pfx
	for pfx in $(lab_remote_nets); do
		[ "$(lab_vta routes -j 2>/dev/null | lab_route_tunnels "$pfx" | wc -l)" -ge 2 ] || return 1
	done
}
# lab_remote_nets / lab_local_nets: cgw's view (vpc's and lan's prefixes).
lab_remote_nets() { echo "$LAB_VPC_NET${LAB_V6:+ $LAB_VPC_NET6}"; }
lab_local_nets() { echo "$LAB_LAN_NET${LAB_V6:+ $LAB_LAN_NET6}"; }
# lab_route_tunnels PREFIX < `vtiaccel routes -j`: the tunnels of PREFIX.
lab_route_tunnels() {
	/usr/bin/python3 -c 'import json, sys
for r in json.load(sys.stdin).get("routes", []):
    if r.get("dst") == sys.argv[1]:
        for n in sorted({p.get("dev") for p in r.get("nexthops", [])}):
            print(n)' "$1"
}

lab_ping() { lab_ns "$1" ping -n -q -c 1 -W 1 "$2" >/dev/null 2>&1; }

# lab_diag NS: what a failed lab_up stage shows: addresses, routes, BGP,
# the SAs and the end of charon's log (updown runs are in it).
lab_diag() {
	ip -n "$1" -br addr
	ip -n "$1" route
	ip -6 -n "$1" route
	lab_vtysh "$1" -c 'show bgp summary' 2>/dev/null | grep -E '^[0-9a-f.:]+ +4 '
	lab_swanctl "$1" --list-sas 2>/dev/null | grep -E '^[a-z]|INSTALLED'
	tail -n 15 "$LAB_DIR/$1/charon.log"
}

lab_elapsed() { local ms=$(($(now_ms) - LAB_T0)); printf '%d.%01d s' $((ms / 1000)) $((ms % 1000 / 100)); }

# lab_up [--no-vtiaccel] [--nhg on|off] [--xfrm]
lab_up() {
	local vta=1 ns pfx
	LAB_NHG_LINE=
	while [ $# -gt 0 ]; do
		case $1 in
		--no-vtiaccel) vta= ;;
		--nhg) [ "$2" = off ] && LAB_NHG_LINE='no zebra nexthop kernel enable'; shift ;;
		--xfrm) LAB_TUNNEL=xfrm ;;
		*) lab_log "lab_up: unknown option $1"; return 2 ;;
		esac
		shift
	done
	case $LAB_TUNNEL in
	vti) LAB_V6= ;;
	xfrm) LAB_V6=1 ;;
	*) lab_log "lab_up: LAB_TUNNEL must be vti or xfrm, not $LAB_TUNNEL"; return 2 ;;
	esac
	LAB_TUN=$LAB_TUNNEL
	LAB_T0=$(now_ms)
	# Not under a test's private $T_TMP: FRR drops to user frr and must
	# read its configs here.
	[ -n "$LAB_DIR" ] || LAB_DIR=$(mktemp -d /tmp/vta-lab.XXXXXX)
	mkdir -p "$LAB_DIR"
	chmod 0755 "$LAB_DIR"
	for ns in $LAB_NSS; do
		ip netns add "$ns" || return 1
		mkdir -p "$LAB_DIR/$ns"
	done
	modprobe -q -a ip_vti esp4 xfrm_user xfrm4_tunnel xfrm_interface esp6 2>/dev/null || true
	# Daemons first (charon's vici socket takes seconds under emulation),
	# links while they start.
	lab_start_charon "$LAB_CGW"
	lab_start_charon "$LAB_AWS"
	lab_links || { lab_log "building the links failed"; return 1; }
	lab_log "links after $(lab_elapsed)"
	lab_start_frr "$LAB_CGW" "" zebra
	lab_start_frr "$LAB_AWS" "" zebra
	[ -z "$vta" ] || lab_start_vtiaccel
	lab_zebra_up "$LAB_CGW" && lab_zebra_up "$LAB_AWS" || return 1
	lab_log "zebra up after $(lab_elapsed)"
	lab_start_frr "$LAB_CGW" bgpd-cgw.conf.in bgpd
	lab_start_frr "$LAB_AWS" bgpd-aws.conf.in bgpd
	if [ -n "$vta" ]; then
		wait_until "$LAB_VTA_START_S" lab_vta_ready ||
			{ lab_log "vtiaccel did not come up: $(tail -5 "$LAB_DIR/$LAB_CGW/vtiaccel.out")"; return 1; }
	fi
	lab_log "links, FRR${vta:+, vtiaccel} after $(lab_elapsed)"
	for ns in "$LAB_AWS" "$LAB_CGW"; do	# responder first
		lab_subst "swanctl-${ns#"$LAB_P"}.conf.in" "$LAB_DIR/$ns/swanctl.conf" "$ns"
		wait_until 120 eval "lab_swanctl $ns --stats >/dev/null 2>&1" ||
			{ lab_log "charon in $ns: no vici socket: $(tail -5 "$LAB_DIR/$ns/charon.out")"; return 1; }
		lab_log "charon in $ns answers after $(lab_elapsed)"
		lab_swanctl "$ns" --load-all --file "$LAB_DIR/$ns/swanctl.conf" >"$LAB_DIR/$ns/load.out" 2>&1 ||
			{ lab_log "swanctl --load-all in $ns: $(cat "$LAB_DIR/$ns/load.out")"; return 1; }
	done
	lab_log "IKE configs loaded after $(lab_elapsed)"
	# Generous deadlines: on a loaded 2-core host the emulated guest
	# gets a fraction of a CPU and BGP's first connect can take a minute;
	# and the guest's clock can run several times faster than the host's
	# (seen: 432 guest seconds in a 127 s VM run), so a guest-time
	# deadline is shorter than it looks.
	wait_until "$LAB_UP_S" lab_sas_up || { lab_log "CHILD_SAs not up after $LAB_UP_S s"; lab_swanctl "$LAB_CGW" --list-sas; return 1; }
	lab_log "both CHILD_SAs installed after $(lab_elapsed)"
	for pfx in $(lab_remote_nets); do
		wait_until "$LAB_UP_S" lab_ecmp_ok "$LAB_CGW" "$pfx" ||
			{ lab_log "no ECMP route to $pfx in cgw"; lab_diag "$LAB_CGW"; return 1; }
	done
	for pfx in $(lab_local_nets); do
		wait_until "$LAB_UP_S" lab_ecmp_ok "$LAB_AWS" "$pfx" ||
			{ lab_log "no ECMP route to $pfx in aws"; lab_diag "$LAB_AWS"; return 1; }
	done
	if [ -n "$vta" ]; then
		wait_until 60 lab_vta_ecmp_ok ||
			{ lab_log "vtiaccel has no ECMP route"; lab_vta routes; return 1; }
	fi
	wait_until 60 lab_ping "$LAB_LAN" "$LAB_VPC_HOST" || { lab_log "lan cannot ping vpc"; return 1; }
	if [ -n "$LAB_V6" ]; then
		wait_until 60 lab_ping "$LAB_LAN" "$LAB_VPC_HOST6" || { lab_log "lan cannot ping vpc over IPv6"; return 1; }
	fi
	lab_log "up after $(lab_elapsed): $LAB_TUN tunnels, BGP ECMP both ways${LAB_V6:+ (IPv4 and IPv6)}, lan <-> vpc ping${vta:+, vtiaccel running}"
}

# lab_stop NS/NAME [SIG]: stop one daemon lab_up started, wait for it.
# vtiaccel gets 60 s to detach (as test_spread_daemon.sh allows; a
# CPU-starved guest is slow at it, and a SIGKILL would leave its filters
# behind and read as a detach bug), the others 10 s; then SIGKILL, said
# in the log.
lab_stop() {
	local pid=${LAB_PID[$1]:-} grace=10 t0
	[ -n "$pid" ] || return 0
	case "$1" in */vtiaccel) grace=60 ;; esac
	t0=$(now_ms)
	kill "-${2:-TERM}" "$pid" 2>/dev/null || true
	if ! wait_until "$grace" eval "! kill -0 $pid 2>/dev/null"; then
		lab_log "$1 still running $grace s after SIG${2:-TERM}: SIGKILL"
		kill -KILL "$pid" 2>/dev/null || true
	elif [ "$grace" = 60 ]; then
		lab_log "$1 exited $(($(now_ms) - t0)) ms after SIG${2:-TERM}"
	fi
	wait "$pid" 2>/dev/null || true
	unset "LAB_PID[$1]"
	return 0
}

lab_down() {
	local k ns pid pids=
	# vtiaccel first (SIGTERM: it detaches), then everything else at
	# once; only the PIDs lab_up started.
	lab_stop "$LAB_CGW/vtiaccel"
	for k in "${!LAB_PID[@]}"; do
		pid=${LAB_PID[$k]}
		kill "$pid" 2>/dev/null && pids="$pids $pid"
	done
	# shellcheck disable=SC2086 # a list of PIDs
	wait_until 5 eval "! kill -0 ${pids:-0} 2>/dev/null" ||
		for pid in $pids; do kill -KILL "$pid" 2>/dev/null; done
	for pid in $pids; do wait "$pid" 2>/dev/null || true; done
	LAB_PID=()
	for ns in $LAB_NSS; do
		ip netns del "$ns" 2>/dev/null || true
		rm -rf "/run/frr/$ns"
	done
	[ -z "${LAB_KEEP:-}" ] && [ -n "$LAB_DIR" ] && rm -rf "$LAB_DIR"
	return 0
}

# lab_traffic_start TAG [4|6]: 16 UDP flows each way (lan -> vpc, vpc ->
# lan) at 20 packets/s each, with per-flow receivers, over IPv4 (default)
# or IPv6; lab_traffic_stop TAG stops them and leaves
# $LAB_DIR/TAG.{up,down}.json (flows.py recv output).
lab_traffic_start() {
	local tag=$1 py=/usr/bin/python3 f=$LAB_REPO/lab/flows.py
	local vpc=$LAB_VPC_HOST lan=$LAB_LAN_HOST v6=
	[ "${2:-4}" = 4 ] || { vpc=$LAB_VPC_HOST6 lan=$LAB_LAN_HOST6 v6=--ipv6; }
	rm -f "$LAB_DIR/$tag".*
	lab_start "$LAB_VPC" "rx-$tag-up" $py "$f" recv 5003 --seconds 600 $v6 --ready "$LAB_DIR/$tag.upready"
	lab_start "$LAB_LAN" "rx-$tag-down" $py "$f" recv 5004 --seconds 600 $v6 --ready "$LAB_DIR/$tag.downready"
	wait_until 60 test -e "$LAB_DIR/$tag.upready" -a -e "$LAB_DIR/$tag.downready" || return 1
	lab_start "$LAB_LAN" "tx-$tag-up" $py "$f" send "$vpc" 5003 --flows 16 --sport 43000 --pps 20 --seconds 600
	lab_start "$LAB_VPC" "tx-$tag-down" $py "$f" send "$lan" 5004 --flows 16 --sport 44000 --pps 20 --seconds 600
	# Running once both receivers count packets: the udp socket's queue
	# shows it cheaply (/proc/net/snmp{,6} InDatagrams of each host).
	wait_until 60 lab_rx_flowing "$LAB_VPC" "${2:-4}" && wait_until 60 lab_rx_flowing "$LAB_LAN" "${2:-4}"
}

lab_udp_in() { # NS 4|6: the host's UDP InDatagrams
	if [ "$2" = 6 ]; then
		ip netns exec "$1" awk '$1 == "Udp6InDatagrams" { print $2 }' /proc/net/snmp6
	else
		ip netns exec "$1" awk '/^Udp:/ && $2 ~ /^[0-9]+$/ { print $2 }' /proc/net/snmp
	fi
}
# shellcheck disable=SC2034 # a and b are read by the eval
lab_rx_flowing() { # NS [4|6]: InDatagrams grows by >= 20 within 2 s
	local a b
	a=$(lab_udp_in "$1" "${2:-4}")
	wait_until 2 eval "b=\$(lab_udp_in $1 ${2:-4}); [ \$((b - a)) -ge 20 ]"
}

# lab_rx_settled NS [4|6]: the host's UDP InDatagrams did not move for 1 s
# shellcheck disable=SC2034 # t is read by the eval
lab_rx_settled() {
	local a t
	a=$(lab_udp_in "$1" "${2:-4}")
	t=$(now_ms)
	wait_until 2 eval '[ $(($(now_ms) - t)) -ge 1000 ]' || true
	[ "$a" = "$(lab_udp_in "$1" "${2:-4}")" ]
}

# lab_stall_start TAG / lab_stall_ms TAG: the guest's longest stall
# (lab/stallmeter.py) between the two; lab_stall_ms prints it in ms
# (fails when the meter printed nothing).
lab_stall_start() {
	local ready="$LAB_DIR/$LAB_CGW/stall-$1.ready"
	rm -f "$ready"
	lab_start "$LAB_CGW" "stall-$1" /usr/bin/python3 "$LAB_REPO/lab/stallmeter.py" --ready "$ready"
	# measuring before the window opens (Python starts slowly under TCG)
	wait_until 30 test -e "$ready"
}
lab_stall_ms() {
	lab_stop "$LAB_CGW/stall-$1"
	stall_ms "$LAB_DIR/$LAB_CGW/stall-$1.out"
}

lab_traffic_stop() {
	local tag=$1 d
	lab_stop "$LAB_LAN/tx-$tag-up"
	lab_stop "$LAB_VPC/tx-$tag-down"
	for d in up down; do
		local ns=$LAB_VPC
		[ $d = up ] || ns=$LAB_LAN
		lab_stop "$ns/rx-$tag-$d"
		cp "$LAB_DIR/$ns/rx-$tag-$d.out" "$LAB_DIR/$tag.$d.json"
	done
}

# lab_updown VERB TUNNEL: run contrib/strongswan/vtiaccel-updown in cgw
# as charon would for tunnel 1 or 2 (no PATH, PLUTO_* only).
lab_updown() {
	local n=${2#"$LAB_TUN"} peer=$LAB_AWS_PUB1 local=169.254.12.38/30 remote=169.254.12.37 mark=100
	local opts=(--xfrm eth0 --inside6 2001:db8:12::2/126 2001:db8:12::1)
	[ "$n" = 1 ] || { peer=$LAB_AWS_PUB2 local=169.254.14.230/30 remote=169.254.14.229 mark=200
			  opts=(--xfrm eth0 --inside6 2001:db8:14::2/126 2001:db8:14::1); }
	[ "$LAB_TUNNEL" = xfrm ] || opts=()
	ip netns exec "$LAB_CGW" env -i PLUTO_VERB="$1" PLUTO_ME="$LAB_CGW_PRIV" PLUTO_PEER="$peer" \
		PLUTO_MARK_IN="$mark/0xffffffff" PLUTO_MARK_OUT="$mark/0xffffffff" \
		PLUTO_IF_ID_IN="$n" PLUTO_IF_ID_OUT="$n" \
		"$LAB_UPDOWN" "${opts[@]}" "$2" "$local" "$remote" "$LAB_MTU"
}

# One tunnel left in cgw's route(s) / ECMP back on both sides.
lab_one_path() {
	local pfx
	for pfx in $(lab_remote_nets); do
		[ "$(lab_ecmp_paths "$LAB_CGW" "$pfx")" = 1 ] || return 1
	done
}
lab_both_ecmp() {
	local pfx
	for pfx in $(lab_remote_nets); do lab_ecmp_ok "$LAB_CGW" "$pfx" || return 1; done
	for pfx in $(lab_local_nets); do lab_ecmp_ok "$LAB_AWS" "$pfx" || return 1; done
}
