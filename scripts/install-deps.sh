#!/bin/sh
# Install the Debian/Ubuntu packages vtiaccel needs to build, test, bench
# and run the demo.  Does nothing when everything is present, so `make
# check` can call it every time.  Needs root (or sudo) only to install.
#
#	scripts/install-deps.sh [--list]   (--list: print the packages, one a
#	                                    line, and install nothing)
set -eu

# build
PKGS="make bash gcc clang llvm pkg-config libbpf-dev libxdp-dev libmnl-dev
libinih-dev libelf-dev zlib1g-dev libcmocka-dev"
# bpftool (and perf, for bench/forward.sh PERF=): their own packages on
# Debian, linux-tools on Ubuntu
if grep -qi ubuntu /etc/os-release 2>/dev/null; then
	PKGS="$PKGS linux-tools-common linux-tools-generic"
else
	PKGS="$PKGS bpftool linux-perf"
fi
# tests, benchmarks, demo
# (tests/unit/commands.py checks that every command the scripts call
# comes from one of these: keep tests/commands.tsv in step)
PKGS="$PKGS iproute2 iptables nftables kmod procps iputils-ping tcpdump
iperf3 netsniff-ng tcpreplay ethtool jq conntrack libclang-rt-14-dev binutils
python3 python3-pytest python3-scapy frr xdp-tools coreutils util-linux
mawk sed grep findutils bsdutils dash dpkg libc-bin gzip tar mount man-db git
diffutils
strongswan-charon strongswan-swanctl charon-systemd"
# lint (make lint, part of make check) and the fresh-machine check;
# systemd for systemd-analyze (tests/net/cli: the unit file's hardening)
PKGS="$PKGS shellcheck clang-format debootstrap systemd"
# vm tier: Debian's kernel (VTI, ESP, all modules), qemu, busybox
PKGS="$PKGS qemu-system-x86 busybox-static cpio xz-utils zstd"
if grep -qi ubuntu /etc/os-release 2>/dev/null; then
	PKGS="$PKGS linux-image-generic"
else
	PKGS="$PKGS linux-image-amd64"
fi
if [ -f tests/vm/PACKAGES ]; then
	PKGS="$PKGS $(grep -v '^#' tests/vm/PACKAGES | tr '\n' ' ')"
fi

if [ "${1:-}" = --list ]; then
	printf '%s\n' $PKGS
	exit 0
fi

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
