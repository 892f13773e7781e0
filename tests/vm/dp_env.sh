# Sourced by tests/vm/test_dp_*.sh after lib.sh: the paths and names the
# data-path tests share (lan -- gw == ESP == peer -- vpc).
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$HERE/../../$BUILD ;; esac
VTA=$BUILD/vtiaccel
PKT="/usr/bin/python3 $HERE/dp_pkt.py"

LAN=${T_PREFIX}lan
GW=${T_PREFIX}gw
PEER=${T_PREFIX}peer
VPC=${T_PREFIX}vpc
PIN=/sys/fs/bpf/${T_PREFIX}
LAN_IP=10.16.16.10
VPC_IP=172.31.0.10
