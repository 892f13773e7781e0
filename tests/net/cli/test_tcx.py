# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""`vtiaccel run --attach tcx` ([forward] attach = tcx) against the real
kernel, on veths (a veth stands in for the tunnel, as in the net tier):

- a bad value is refused naming the flag and the reason;
- the programs are on the tcx hooks (links pinned under the pin root),
  no cls_bpf filter anywhere, `status -j` says "hook": "tcx", and the
  fast path forwards LAN -> tunnel (its counter);
- a daemon killed with SIGKILL leaves the links (the egress MSS clamp
  must outlive it); the next daemon swaps its programs into the same
  links; SIGTERM takes the ingress links off and leaves the clamp's;
- a daemon with attach = tc replaces the clamp's tcx link by a filter
  (a tcx program would run before it), one with the default (attach =
  auto) goes back to tcx, and `vtiaccel detach` removes everything.

Skipped on a kernel without tcx (before 6.6).  Namespaces vtaTX<pid>-*,
removed at the end.
"""
import json
import os
import signal
import subprocess

import pytest

import clilib
from clilib import nsx, sh, VTA, wait

PFX = "vtaTX%d-" % os.getpid()
GW, LAN, FAR = PFX + "gw", PFX + "lan", PFX + "far"
LANIF, TUNIF = "vtaTXlan", "vtaTXtun"
ROOT = "/sys/fs/bpf/vtaTX-%d" % os.getpid()


def vta_json(*args, check=0):
    r = subprocess.run(nsx(GW) + [VTA, "-j", "--pin-root", ROOT] +
                       list(args), capture_output=True, text=True)
    assert check is None or r.returncode == check, (r.returncode, r.stdout,
                                                    r.stderr)
    return json.loads(r.stdout) if r.stdout.strip() else None


@pytest.fixture(scope="module")
def topo():
    """lan 10.9.1.2 -- vtaTXlan gw vtaTXtun -- 10.9.2.2 far."""
    for ns in (GW, LAN, FAR):
        sh("ip", "netns", "add", ns)
    try:
        sh("ip", "-n", GW, "link", "add", LANIF, "type", "veth", "peer",
           "name", "eth0", "netns", LAN)
        sh("ip", "-n", GW, "link", "add", TUNIF, "type", "veth", "peer",
           "name", "eth0", "netns", FAR)
        for cmd in (["addr", "add", "10.9.1.1/24", "dev", LANIF],
                    ["addr", "add", "10.9.2.1/24", "dev", TUNIF],
                    ["link", "set", LANIF, "up"],
                    ["link", "set", TUNIF, "up"]):
            sh("ip", "-n", GW, *cmd)
        sh("ip", "netns", "exec", GW, "sysctl", "-qw",
           "net.ipv4.ip_forward=1")
        for ns, addr, gw in ((LAN, "10.9.1.2/24", "10.9.1.1"),
                             (FAR, "10.9.2.2/24", "10.9.2.1")):
            sh("ip", "-n", ns, "addr", "add", addr, "dev", "eth0")
            sh("ip", "-n", ns, "link", "set", "eth0", "up")
            sh("ip", "-n", ns, "route", "add", "default", "via", gw)
        probe = subprocess.run(
            nsx(GW) + ["/usr/bin/python3", "-c", TCX_PROBE],
            capture_output=True, text=True)
        if probe.returncode:
            pytest.skip("this kernel has no tcx (Linux 6.6+): " +
                        probe.stdout.strip())
        yield
    finally:
        for ns in (GW, LAN, FAR):
            subprocess.run(["ip", "netns", "del", ns])
        subprocess.run(["rm", "-rf", ROOT])


# BPF_PROG_QUERY of lo's tcx ingress (attach type 46): EINVAL without tcx
TCX_PROBE = r"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
attr = (ctypes.c_uint8 * 128)()
ctypes.c_uint32.from_buffer(attr, 0).value = 1      # lo
ctypes.c_uint32.from_buffer(attr, 4).value = 46     # BPF_TCX_INGRESS
nr = {"x86_64": 321, "aarch64": 280}.get(os.uname().machine, 321)
r = libc.syscall(nr, 16, attr, 128)                 # bpf(BPF_PROG_QUERY)
e = ctypes.get_errno()
print(os.strerror(e) if r else "ok")
sys.exit(1 if r and e == 22 else 0)
"""


class Daemon(clilib.Daemon):
    def __init__(self, *flags):
        super().__init__(GW, ["--lan", LANIF, "--tunnel", TUNIF,
                              "--pin-root", ROOT, "--liveness", "no",
                              "--no-sa-aware"] + list(flags), "vtaTX-run-")


def ifindex(name):
    return json.loads(sh("ip", "-n", GW, "-j", "link", "show",
                         name).stdout)[0]["ifindex"]


def pin(name, egress=False):
    return "%s/links/tcx-%d-%s" % (ROOT, ifindex(name),
                                   "egress" if egress else "ingress")


def link(path):
    """(link id, prog id) of a pinned link, or None."""
    r = subprocess.run(["bpftool", "-j", "link", "show", "pinned", path],
                       capture_output=True, text=True)
    if r.returncode:
        return None
    j = json.loads(r.stdout)
    return (j["id"], j["prog_id"])


def prog_name(prog_id):
    return json.loads(sh("bpftool", "-j", "prog", "show", "id",
                         str(prog_id)).stdout)["name"]


def hooks():
    """{iface: (ingress hook, prog, egress hook, prog)} per status -j."""
    out = {}
    for i in vta_json("status", check=None)["interfaces"]:
        tc, eg = i.get("tc") or {}, i.get("tc_egress") or {}
        out[i["name"]] = (tc.get("hook"), tc.get("prog"), eg.get("hook"),
                          eg.get("prog"))
    return out


def tcx_progs(name, egress=False):
    """How many programs the kernel runs on name's tcx hook."""
    return sum(h == "tcx" for h, _, _ in
               clilib.hook_progs(GW, name, "egress" if egress else "ingress"))


def filters(dev, direction):
    return sh("tc", "-n", GW, "filter", "show", "dev", dev,
              direction, check=False).stdout.strip()


def fwd_to_tunnel():
    for i in vta_json("stats")["interfaces"]:
        if i["name"] == LANIF:
            return i["counters"]["fwd_to_tunnel"]["packets"]
    return 0


def test_bad_value_names_the_flag(topo):
    r = subprocess.run(nsx(GW) + [VTA, "run", "--pin-root", ROOT,
                                  "--lan", LANIF, "--attach", "tcp"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "--attach" in r.stderr and "must be auto, tc or tcx" in r.stderr, \
        r.stderr


def test_tcx_attach_forward_restart_detach(topo):
    d = Daemon("--attach", "tcx")
    try:
        assert "attached vta_lan_in to %s (tcx)" % LANIF in d.text()
        h = hooks()
        assert h[LANIF][:2] == ("tcx", "vta_lan_in"), h
        assert h[TUNIF] == ("tcx", "vta_tun_in", "tcx", "vta_tun_out"), h
        # no cls_bpf filter: the programs run from the tcx hooks only
        for dev in (LANIF, TUNIF):
            assert filters(dev, "ingress") == ""
        assert filters(TUNIF, "egress") == ""
        lan_in, tun_in = link(pin(LANIF)), link(pin(TUNIF))
        tun_out = link(pin(TUNIF, egress=True))
        assert lan_in and tun_in and tun_out
        n0 = fwd_to_tunnel()
        sh("ip", "netns", "exec", LAN, "ping", "-c", "5", "-i", "0.1",
           "-W", "2", "10.9.2.2")
        # the requests: LAN -> "tunnel" through the fast path
        assert fwd_to_tunnel() - n0 >= 5
    finally:
        d.stop(signal.SIGKILL)
    # SIGKILL: the pinned links stay, programs and all
    assert link(pin(LANIF)) == lan_in
    assert link(pin(TUNIF, egress=True)) == tun_out
    d = Daemon("--attach", "tcx")
    try:
        # the same links, the new daemon's programs swapped in
        new_in, new_out = link(pin(LANIF)), link(pin(TUNIF, egress=True))
        assert new_in[0] == lan_in[0] and new_in[1] != lan_in[1]
        assert new_out[0] == tun_out[0] and new_out[1] != tun_out[1]
        n0 = fwd_to_tunnel()
        sh("ip", "netns", "exec", LAN, "ping", "-c", "3", "-i", "0.1",
           "-W", "2", "10.9.2.2")
        assert fwd_to_tunnel() - n0 >= 3
    finally:
        assert d.stop() == 0
    # SIGTERM: the ingress links go, the clamp's stays
    assert not os.path.exists(pin(LANIF))
    assert not os.path.exists(pin(TUNIF))
    left = link(pin(TUNIF, egress=True))
    assert left[0] == tun_out[0] and prog_name(left[1]) == "vta_tun_out"
    # the updown hook's `vtiaccel clamp` after the daemon: no filter
    # under the link (it would clamp every packet a second time)
    r = vta_json("clamp", TUNIF, check=0)
    assert r["hook"] == "tcx" and r["ok"], r
    assert filters(TUNIF, "egress") == ""
    # attach = tc: the clamp's tcx link makes way for a filter
    d = Daemon("--attach", "tc")
    try:
        assert not os.path.exists(pin(TUNIF, egress=True))
        h = hooks()
        assert h[TUNIF] == ("tc", "vta_tun_in", "tc", "vta_tun_out"), h
        assert "vta_tun_out" in filters(TUNIF, "egress")
    finally:
        assert d.stop() == 0
    # and back: the filter the tc run left for the clamp makes way too
    d = Daemon("--attach", "tcx")
    try:
        assert filters(TUNIF, "egress") == ""
        assert hooks()[TUNIF] == ("tcx", "vta_tun_in", "tcx", "vta_tun_out")
    finally:
        assert d.stop() == 0
    clamp = link(pin(TUNIF, egress=True))
    assert clamp and tcx_progs(TUNIF, egress=True) == 1
    # detach straight after a tcx run: the clamp's link goes too
    r = vta_json("detach", check=0)
    assert r["tcx_detached"] == 1, r
    assert tcx_progs(TUNIF, egress=True) == 0
    assert tcx_progs(LANIF) == 0 and tcx_progs(TUNIF) == 0
    assert filters(TUNIF, "egress") == ""
    assert not os.path.exists(ROOT + "/links")



def test_auto_with_lasting_pins_is_tcx(topo):
    """attach = auto, the pin root on a bpffs that the process that
    started the daemon sees too (here pytest's; a systemd service's is
    PID 1's): tcx links, and the clamp's outlives a kill -9."""
    d = Daemon()
    try:
        assert "tc programs on tcx links" in d.text(), d.text()
        assert hooks()[TUNIF] == ("tcx", "vta_tun_in", "tcx", "vta_tun_out")
        assert filters(LANIF, "ingress") == ""
    finally:
        d.stop(signal.SIGKILL)
    assert tcx_progs(TUNIF, egress=True) == 1
    vta_json("detach", check=0)
    assert tcx_progs(TUNIF, egress=True) == 0 and tcx_progs(LANIF) == 0


def test_auto_on_own_bpffs_is_tc(topo):
    """attach = auto under `ip netns exec`: the daemon mounts a bpffs of
    its own, which goes with it, and tcx links with their pins: filters,
    which stay with the device, and the log says why.  Killed, it leaves
    the clamp attached."""
    root = "/sys/fs/bpf/vtaTX-%d-own" % os.getpid()
    d = clilib.Daemon(GW, ["--lan", LANIF, "--tunnel", TUNIF, "--pin-root",
                           root, "--liveness", "no", "--no-sa-aware"],
                      "vtaTX-run-", enter=lambda ns: ["ip", "netns", "exec",
                                                      ns])
    try:
        assert "cls_bpf filters: the pin root is on a bpffs only this " \
            "daemon's mount namespace has" in d.text(), d.text()
        assert tcx_progs(LANIF) == 0 and tcx_progs(TUNIF, egress=True) == 0
        assert "vta_lan_in" in filters(LANIF, "ingress")
        assert "vta_tun_out" in filters(TUNIF, "egress")
    finally:
        d.stop(signal.SIGKILL)
    # its bpffs is gone with it; the filters are not
    assert "vta_tun_out" in filters(TUNIF, "egress")
    vta_json("detach", check=0)
    assert "vta_" not in filters(TUNIF, "egress")
    # its ingress filter uses maps no pin root here holds: by hand
    sh("tc", "-n", GW, "filter", "del", "dev", LANIF, "ingress")
