#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# `make check-fresh`: prove that `make check` needs nothing but what
# scripts/install-deps.sh installs.  A machine that kept packages from
# earlier work hides a missing one (xdp-tools was: 7 net-tier failures on a
# fresh Debian 12); this builds a minimal Debian with debootstrap, copies a
# clean clone of the committed tree in, and inside it runs
# scripts/install-deps.sh and then the unit, bpf and net tiers, printing
# the same per-tier summary as `make check`.  The vm tier is left out: it
# boots a kernel from the packages the same script installs, and its own
# guest already runs from a read-only copy of the host root.
#
#	scripts/check-fresh.sh [TIER...]	(default: unit bpf net)
#
# Environment: FRESH_DIR (the chroot; default /var/tmp/vtiaccel-fresh.PID),
# FRESH_KEEP=1 keeps it afterwards, FRESH_MIRROR and FRESH_SUITE (default:
# the host's first Debian source and its codename).  Needs root (chroot,
# mounts, network namespaces inside).  Not part of `make check`: about
# 15-25 minutes, most of it installing packages.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

if [ "$(id -u)" -ne 0 ]; then
	echo "check-fresh: needs root (debootstrap, chroot, mounts)" >&2
	exit 2
fi
if ! command -v debootstrap >/dev/null; then
	echo "check-fresh: debootstrap missing: run scripts/install-deps.sh (or apt-get install debootstrap)" >&2
	exit 2
fi
tiers=("$@")
[ ${#tiers[@]} -gt 0 ] || tiers=(unit bpf net)

# shellcheck disable=SC1091
. /etc/os-release
suite=${FRESH_SUITE:-${VERSION_CODENAME:-bookworm}}
mirror=${FRESH_MIRROR:-}
if [ -z "$mirror" ]; then
	# The host's own Debian source (deb822 or one-line form).
	mirror=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null |
		sed -nE 's#^(URIs:[[:space:]]*|deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)(https?://[^[:space:]]+).*#\3#p' |
		grep -v -e security -e updates | head -n 1 || true)
	mirror=${mirror:-http://deb.debian.org/debian}
fi
root=${FRESH_DIR:-/var/tmp/vtiaccel-fresh.$$}

mounted=()
cleanup() {
	local rc=$? pid r
	# Processes still running inside the chroot were started by this run
	# (the tests' daemons, if a tier was interrupted): end them by PID.
	for pid in /proc/[0-9]*; do
		pid=${pid#/proc/}
		r=$(readlink "/proc/$pid/root" 2>/dev/null) || continue
		case "$r" in "$root" | "$root"/*) kill -9 "$pid" 2>/dev/null || true ;; esac
	done
	# Namespaces the tests made inside are bind mounts under its /run/netns.
	if [ -d "$root/run/netns" ]; then
		for m in "$root"/run/netns/*; do
			[ -e "$m" ] && umount -l "$m" 2>/dev/null
		done
	fi
	local i
	for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
		umount -l "${mounted[i]}" 2>/dev/null || true
	done
	if [ "${FRESH_KEEP:-0}" = 1 ]; then
		echo "check-fresh: kept $root"
	elif [ -d "$root" ]; then
		# Only after every mount is gone: never follow into the host.
		if grep -q " ${root}[/ ]" /proc/self/mounts; then
			echo "check-fresh: $root still has mounts; not removing it" >&2
		else
			rm -rf --one-file-system "$root"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

t0=$(date +%s)
echo "check-fresh: debootstrap --variant=minbase $suite from $mirror into $root"
mkdir -p "$root"
debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$root.debootstrap.log" 2>&1 || {
	tail -n 20 "$root.debootstrap.log"
	echo "check-fresh: debootstrap failed (log above)"
	exit 1
}
rm -f "$root.debootstrap.log"
t1=$(date +%s)
echo "check-fresh: base system in $((t1 - t0)) s"

# Package installs must not start services inside the chroot (frr,
# strongSwan): policy-rc.d says no to every invoke-rc.d.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

mnt() { # fstype "source [-o options]" dst
	mkdir -p "$3"
	# shellcheck disable=SC2086 # the source may carry -o options
	mount -t "$1" $2 "$3"
	mounted+=("$3")
}
# The chroot's / must be a mount point: `ip netns exec` makes it a slave
# mount ("mount --make-rslave /") in the namespace it enters.
mount --bind "$root" "$root"
mounted+=("$root")
mount --make-private "$root"
mnt proc proc "$root/proc"
mnt sysfs sysfs "$root/sys"
mnt bpf bpf "$root/sys/fs/bpf"
# A /dev of its own, never the host's: package scripts run in there.
mnt tmpfs tmpfs "$root/dev"
for d in "null c 1 3" "zero c 1 5" "full c 1 7" "random c 1 8" \
	"urandom c 1 9" "tty c 5 0"; do
	read -r name type major minor <<<"$d"
	mknod -m 666 "$root/dev/$name" "$type" "$major" "$minor"
done
mnt devpts "devpts -o newinstance,ptmxmode=0666" "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
ln -s /proc/self/fd "$root/dev/fd"
mnt tmpfs tmpfs "$root/dev/shm"
mnt tmpfs tmpfs "$root/run"
mnt tmpfs tmpfs "$root/tmp"

# A clean clone of what is committed (not the work tree's edits).
git clone -q --no-local "$repo" "$root/src"
echo "check-fresh: cloned $(git -C "$root/src" describe --always --dirty) into $root/src"

start_deps=$(date +%s)
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	LANG=C.UTF-8 TERM="${TERM:-dumb}" CI="${CI:-}" \
	/bin/sh -c 'cd /src && scripts/install-deps.sh' >"$root/deps.log" 2>&1 || {
	tail -n 30 "$root/deps.log"
	echo "check-fresh: scripts/install-deps.sh failed in the fresh system (log above)"
	exit 1
}
end_deps=$(date +%s)
echo "check-fresh: scripts/install-deps.sh in $((end_deps - start_deps)) s"

rc=0
chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	LANG=C.UTF-8 TERM="${TERM:-dumb}" CI="${CI:-}" \
	/bin/bash -c "cd /src && make --no-print-directory check TIERS='${tiers[*]}'" || rc=$?
t2=$(date +%s)
echo "check-fresh: tiers ${tiers[*]} on a fresh $suite: exit $rc; wall time $((t2 - t0)) s" \
	"(base $((t1 - t0)) s, packages $((end_deps - start_deps)) s, tests $((t2 - end_deps)) s)"
exit "$rc"
