#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# The seed's whole gateway (lab/lab.sh: strongSwan IKEv1 + NAT-T through a
# 1:1 NAT, two VTIs, FRR BGP ECMP, vtiaccel as the only data-path helper)
# with real traffic, with FRR's kernel nexthop groups on (LAB_NHG=on, the
# default: routes with `nhid N`) or off (LAB_NHG=off,
# test_lab_traffic_nhg_off.sh: classic RTA_MULTIPATH routes):
#  - the route form the kernel holds;
#  - ping, TCP and UDP both ways lan <-> vpc;
#  - >= 99% of the transit packets took the fast path, per direction
#    (eth1 -> tunnels, tunnels -> eth1), from `vtiaccel stats -j` deltas;
#  - the MSS of every SYN / SYN-ACK on the wire at lan and vpc equals the
#    clamp the SA allows (computed from the ESP overhead: lab/checks.sh);
#  - ECMP: 64 UDP flows spread over both tunnels, each >= 25%, each flow on
#    one tunnel only (captures on vti1/vti2);
#  - no iptables/nftables rule in cgw; `vtiaccel verify` finds no drift;
#  - kill -9 of the daemon mid-traffic: the kernel carries on after the
#    lease, nothing lost or mis-forwarded; a restart resumes the fast path.

. "$(dirname "$0")/lib.sh"

REPO=$(cd "$(dirname "$0")/../.." && pwd)
LAB_NHG=${LAB_NHG:-on}
export BUILD=${BUILD:-build-lab}

LAB_P=${T_PREFIX}-
. "$REPO/lab/lab.sh"
lab_prereq ip_vti esp4 xfrm_user
. "$REPO/lab/checks.sh"

chk_lab_up --nhg "$LAB_NHG"
chk_route_form "$LAB_NHG"
chk_iperf_servers
chk_traffic 4
chk_ecmp 4
chk_verify "after the traffic"
chk_kill9
t_info "lab bring-up $(lab_elapsed) into this test"
