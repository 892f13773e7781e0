# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""`vtiaccel run` and native XDP on a LAN veth, against the real kernel:

- a refusal (veth MTU above its native XDP limit, the same situation as
  ENA at EC2's 9001) is diagnosed in the daemon's log and in `status`
  with the cause and the fix, the interface runs with tc only, and after
  the MTU is lowered a SIGHUP attaches XDP;
- a daemon killed with SIGKILL leaves vta_xdp_lan attached: the next one
  replaces it (exactly one vta_xdp_lan afterwards) and forwards;
- a foreign XDP program is never touched, and status says why XDP is off.

Run by tests/net/cli/run.sh (private mount namespace and bpffs).  Network
namespaces are vtaOP<pid>-*; everything is removed at the end.
"""
import json
import os
import re
import signal
import subprocess
import tempfile
import time

import pytest

BUILD = os.environ.get("VTA_BUILD", os.path.abspath("build"))
VTA = os.path.join(BUILD, "vtiaccel")
PFX = "vtaOP%d-" % os.getpid()
GW, HOST, AWS = PFX + "gw", PFX + "host", PFX + "aws"
LAN, TUN = "vtaOPlan", "vtaOPt1"
ROOT = "/sys/fs/bpf/vtaOP-%d" % os.getpid()

FOREIGN_C = r"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp")
int vtaop_foreign(struct xdp_md *ctx)
{
	return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
"""


def nsx(ns):
    return ["nsenter", "--net=/run/netns/" + ns]


def sh(*args, check=True, **kw):
    return subprocess.run(list(args), check=check, text=True,
                          capture_output=True, **kw)


def ipb(ns, batch):
    subprocess.run(["ip", "-n", ns, "-batch", "-"], input=batch, text=True,
                   check=True)


def wait(cond, timeout, what):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    pytest.fail("timed out after %ss waiting for %s" % (timeout, what))


@pytest.fixture(scope="module")
def topo():
    """host --eth0==vtaOPlan-- gw --vtaOPt1==vtaOPt1-- aws (172.31.0.1)."""
    for ns in (GW, HOST, AWS):
        sh("ip", "netns", "add", ns)
    try:
        sh("ip", "-n", GW, "link", "add", LAN, "type", "veth", "peer", "name",
           "eth0", "netns", HOST)
        sh("ip", "-n", GW, "link", "add", TUN, "type", "veth", "peer", "name",
           TUN, "netns", AWS)
        sh("ip", "netns", "exec", GW, "sysctl", "-qw",
           "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0",
           "net.ipv4.conf.default.rp_filter=0")
        ipb(GW, "link set lo up\nlink set %s up\nlink set %s up\n"
            "addr add 10.16.16.254/24 dev %s\n"
            "addr add 169.254.12.38/30 dev %s\n"
            "route add 172.31.0.0/16 via 169.254.12.37 dev %s\n"
            % (LAN, TUN, LAN, TUN, TUN))
        ipb(HOST, "link set lo up\nlink set eth0 up\n"
            "addr add 10.16.16.10/24 dev eth0\n"
            "route add default via 10.16.16.254\n")
        ipb(AWS, "link set lo up\nlink set %s up\n"
            "addr add 169.254.12.37/30 dev %s\n"
            "addr add 172.31.0.1/16 dev %s\n"
            "route add 10.16.16.0/24 via 169.254.12.38 dev %s\n"
            % (TUN, TUN, TUN, TUN))
        yield
    finally:
        for ns in (GW, HOST, AWS):
            subprocess.run(["ip", "netns", "del", ns])
        subprocess.run(["rm", "-rf", ROOT])


@pytest.fixture(scope="module")
def foreign_obj():
    d = tempfile.mkdtemp(prefix="vtaOP-foreign-")
    src, obj = os.path.join(d, "f.bpf.c"), os.path.join(d, "f.bpf.o")
    with open(src, "w") as f:
        f.write(FOREIGN_C)
    r = subprocess.run(["clang", "-O2", "-g", "--target=bpf",
                        "-I/usr/include/x86_64-linux-gnu", "-c", src,
                        "-o", obj], capture_output=True, text=True)
    if r.returncode:
        pytest.skip("cannot build a foreign XDP program: " + r.stderr[-200:])
    yield obj
    subprocess.run(["rm", "-rf", d])


class Daemon:
    def __init__(self, *flags):
        self.log = tempfile.NamedTemporaryFile("w+", prefix="vtaOP-run-",
                                               delete=False)
        self.p = subprocess.Popen(
            nsx(GW) + [VTA, "run", "--lan", LAN, "--tunnel", TUN,
                       "--pin-root", ROOT] + list(flags),
            stdout=subprocess.DEVNULL, stderr=self.log, text=True)
        wait(lambda: self.ready(), 60, "vtiaccel run to sync")

    def text(self):
        with open(self.log.name) as f:
            return f.read()

    def ready(self):
        if self.p.poll() is not None:
            pytest.fail("vtiaccel run exited %d: %s" % (self.p.returncode,
                                                        self.text()[-500:]))
        return "sync done (start)" in self.text()

    def stop(self, sig=signal.SIGTERM):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            self.p.wait(timeout=30)
        os.unlink(self.log.name)
        return self.p.returncode


def status(check=0):
    r = subprocess.run(nsx(GW) + [VTA, "-j", "--pin-root", ROOT, "status"],
                       capture_output=True, text=True)
    assert r.returncode == check, (r.returncode, r.stdout, r.stderr)
    return json.loads(r.stdout)


def lan_xdp():
    return {i["name"]: i for i in status()["interfaces"]}[LAN]["xdp"]


def xdp_progs(dev=LAN):
    """(id, name) of every XDP program on dev as libxdp's own tool lists
    them: a program attached alone, or the components of a dispatcher."""
    out = sh(*nsx(GW), "xdp-loader", "status", dev, check=False).stdout
    progs = []
    for line in out.splitlines():
        t = line.split()
        if len(t) >= 4 and t[0] == dev and t[2] in ("native", "skb", "hw"):
            progs.append((int(t[3]), t[1]))
        elif len(t) >= 4 and t[0] == "=>":
            progs.append((int(t[3]), t[2]))
    return [p for p in progs if p[1] != "xdp_dispatcher"]


def status_rc():
    return subprocess.run(nsx(GW) + [VTA, "--pin-root", ROOT, "status"],
                          capture_output=True).returncode


def set_mtu(mtu):
    sh("ip", "-n", GW, "link", "set", LAN, "mtu", str(mtu))
    sh("ip", "-n", HOST, "link", "set", "eth0", "mtu", str(mtu))


def fwd_to_tunnel():
    r = subprocess.run(nsx(GW) + [VTA, "-j", "--pin-root", ROOT, "stats",
                                  "--iface", LAN], capture_output=True,
                       text=True, check=True)
    return json.loads(r.stdout)["interfaces"][0]["counters"][
        "fwd_to_tunnel"]["packets"]


def ping_fast_pathed():
    before = fwd_to_tunnel()
    r = sh("ip", "netns", "exec", HOST, "ping", "-c", "3", "-i", "0.2",
           "-W", "2", "172.31.0.1", check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert fwd_to_tunnel() - before >= 3


def xdp_probe(obj, mtu):
    """Does the kernel take a native XDP program on the LAN veth at this
    MTU?  Independent of vtiaccel: ip(8) with a foreign object."""
    set_mtu(mtu)
    r = sh("ip", "-n", GW, "link", "set", "dev", LAN, "xdpdrv", "obj", obj,
           "sec", "xdp", check=False)
    sh("ip", "-n", GW, "link", "set", "dev", LAN, "xdpdrv", "off",
       check=False)
    return r.returncode == 0


def test_mtu_refusal_diagnosed_then_fixed(topo, foreign_obj):
    set_mtu(9000)
    d = Daemon()
    try:
        m = re.search(r"native XDP on %s refused: MTU 9000 above the "
                      r"driver's native XDP limit (\d+)[^;]*; fix: ip link "
                      r"set dev %s mtu (\d+)" % (LAN, LAN), d.text())
        assert m, d.text()
        limit = int(m.group(1))
        assert int(m.group(2)) == limit
        assert "running with tc only on " + LAN in d.text()
        x = lan_xdp()
        assert (x["mode"], x["vtiaccel"], x["cause"], x["driver"]) == (
            "none", False, "mtu", "veth")
        assert x["reason"].startswith(
            "MTU 9000 above the driver's native XDP limit %d" % limit)
        assert x["fix"].startswith("ip link set dev %s mtu %d" % (LAN, limit))
        text = sh(*nsx(GW), VTA, "--pin-root", ROOT, "status").stdout
        assert ("xdp: MTU 9000 above the driver's native XDP limit %d"
                % limit) in text
        assert "fix: ip link set dev %s mtu %d" % (LAN, limit) in text
        # tc still forwards
        set_mtu(1500)
        ping_fast_pathed()
        # the limit is the kernel's: accepted at it, refused above it
        assert xdp_probe(foreign_obj, limit)
        assert not xdp_probe(foreign_obj, limit + 1)
        # MTU fixed: SIGHUP makes the daemon try again
        set_mtu(1500)
        d.p.send_signal(signal.SIGHUP)
        x = wait(lambda: (lambda x: x if x["vtiaccel"] else None)(lan_xdp()),
                 20, "XDP after SIGHUP")
        assert (x["mode"], x["cause"], x["fix"]) == ("native", "native", None)
        assert [n for _, n in xdp_progs()] == ["vta_xdp_lan"]
        ping_fast_pathed()
    finally:
        assert d.stop() == 0
        set_mtu(1500)
    assert xdp_progs() == []


def test_peer_mtu_kernel_message(topo):
    """veth checks its peer's MTU: with our side at 1500 only the kernel's
    extended ACK names the cause; the log shows it verbatim."""
    sh("ip", "-n", HOST, "link", "set", "eth0", "mtu", "9000")
    try:
        d = Daemon()
        try:
            assert re.search(r"native XDP on %s refused: the kernel says: "
                             r"veth: Peer MTU is too large to set XDP "
                             r"\(the driver's native XDP limit is \d+\); "
                             r"fix: ip link set dev %s mtu \d+"
                             % (LAN, LAN), d.text()), d.text()
            x = lan_xdp()
            assert (x["mode"], x["vtiaccel"]) == ("none", False)
            # status cannot see the kernel's message: it says where it is
            assert x["cause"] == "other" and "log" in x["reason"]
        finally:
            assert d.stop() == 0
    finally:
        set_mtu(1500)


def test_restart_after_kill9_replaces_stale_xdp(topo):
    d = Daemon()
    try:
        progs = xdp_progs()
        assert [n for _, n in progs] == ["vta_xdp_lan"], progs
        old_id = progs[0][0]
    finally:
        d.stop(signal.SIGKILL)
    # the dead daemon's program stays: the kernel holds it
    assert xdp_progs() == progs
    # the lease runs out (lease_ms): status says the daemon is dead
    wait(lambda: status_rc() == 1, 15, "the lease to expire")
    assert status(check=1)["health"] == "lease-expired"
    d = Daemon()
    try:
        assert re.search("%s: removed the vta_xdp_lan a previous vtiaccel "
                         "run of this pin root left attached" % LAN, d.text())
        assert "refused" not in d.text()
        progs = xdp_progs()
        assert [n for _, n in progs] == ["vta_xdp_lan"], progs
        assert progs[0][0] != old_id
        x = lan_xdp()
        assert (x["mode"], x["vtiaccel"], x["cause"]) == (
            "native", True, "native")
        # the programs attached are the new daemon's, and they forward
        assert status()["health"] == "healthy"
        ping_fast_pathed()
    finally:
        assert d.stop() == 0
    assert xdp_progs() == []


def test_foreign_xdp_left_alone(topo, foreign_obj):
    sh("ip", "-n", GW, "link", "set", "dev", LAN, "xdpdrv", "obj",
       foreign_obj, "sec", "xdp")
    try:
        before = xdp_progs()
        assert [n for _, n in before] == ["vtaop_foreign"], before
        d = Daemon()
        try:
            assert xdp_progs() == before
            assert re.search(r"native XDP on %s refused: another XDP program "
                             r"\(vtaop_foreign, id %d\)" % (LAN, before[0][0]),
                             d.text()), d.text()
            x = lan_xdp()
            assert (x["vtiaccel"], x["cause"]) == (False, "foreign")
            assert "vtaop_foreign" in x["reason"] and x["fix"]
            ping_fast_pathed()
        finally:
            assert d.stop() == 0
        assert xdp_progs() == before
        # detach removes only ours
        sh(*nsx(GW), VTA, "detach", "--pin-root", ROOT)
        assert xdp_progs() == before
    finally:
        sh("ip", "-n", GW, "link", "set", "dev", LAN, "xdpdrv", "off",
           check=False)


def test_xdp_off_by_configuration(topo):
    d = Daemon("--no-xdp")
    try:
        x = lan_xdp()
        assert (x["mode"], x["cause"], x["fix"]) == ("none", "off", None)
        assert status()["config"]["xdp"] is False
        assert "refused" not in d.text()
    finally:
        assert d.stop() == 0
