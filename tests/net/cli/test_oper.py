# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""What an operator meets with a real `vtiaccel run` (issue 17):

- the default configuration attaches no XDP program, so the TSO of the
  LAN veth's peer (what `ethtool -k` shows on the host's side) is what it
  was; with the guard on, native XDP is attached and the kernel takes the
  peer's TSO away (veth_xdp_set()), which is what makes the first check
  able to fail;
- repeated list options accumulate: `--tunnel r1 --tunnel r2` manages
  both (the kernel's tc filters are the oracle);
- a daemon started with `ip netns exec NS vtiaccel run` keeps its pins in
  a bpffs of its own mount namespace; `ip netns exec NS vtiaccel status`
  (a fresh /sys again) finds them through the daemon's /proc/PID/root,
  exits 0 and shows what the kernel has; in another network namespace
  status exits 2 (nothing loaded) and names the daemon's namespace.

Run by tests/net/cli/run.sh.  Network namespaces are vtaOX<pid>-*, pin
roots /sys/fs/bpf/vtaOX-<pid>; everything is removed at the end.
"""
import json
import os
import subprocess
import time

import pytest

import clilib
from clilib import sh, VTA, wait

PFX = "vtaOX%d-" % os.getpid()
GW, HOST, AWS = PFX + "gw", PFX + "host", PFX + "aws"
ROOT = "/sys/fs/bpf/vtaOX-%d" % os.getpid()


@pytest.fixture(scope="module")
def topo():
    """host eth0 == r0 gw r1 == r1 aws, gw r2 == r2 aws; 172.31.0.0/16
    behind aws over both tunnels (ECMP)."""
    for ns in (GW, HOST, AWS):
        sh("ip", "netns", "add", ns)
    try:
        sh("ip", "-n", GW, "link", "add", "r0", "type", "veth", "peer",
           "name", "eth0", "netns", HOST)
        for t in ("r1", "r2"):
            sh("ip", "-n", GW, "link", "add", t, "type", "veth", "peer",
               "name", t, "netns", AWS)
        sh("ip", "netns", "exec", GW, "sysctl", "-qw",
           "net.ipv4.ip_forward=1")
        batch = ("link set lo up\nlink set r0 up\nlink set r1 up\n"
                 "link set r2 up\naddr add 10.16.16.254/24 dev r0\n"
                 "addr add 169.254.12.38/30 dev r1\n"
                 "addr add 169.254.13.38/30 dev r2\n"
                 "route add 172.31.0.0/16 nexthop via 169.254.12.37 dev r1 "
                 "nexthop via 169.254.13.37 dev r2\n")
        subprocess.run(["ip", "-n", GW, "-batch", "-"], input=batch,
                       text=True, check=True)
        subprocess.run(["ip", "-n", HOST, "-batch", "-"], text=True,
                       check=True, input="link set lo up\nlink set eth0 up\n"
                       "addr add 10.16.16.10/24 dev eth0\n")
        subprocess.run(["ip", "-n", AWS, "-batch", "-"], text=True,
                       check=True, input="link set lo up\nlink set r1 up\n"
                       "link set r2 up\naddr add 169.254.12.37/30 dev r1\n"
                       "addr add 169.254.13.37/30 dev r2\n")
        yield
    finally:
        for ns in (GW, HOST, AWS):
            subprocess.run(["ip", "netns", "del", ns])
        subprocess.run(["rm", "-rf", ROOT])


class Daemon(clilib.Daemon):
    """`ip netns exec GW vtiaccel run ...`: ip execs vtiaccel, so the
    process is the daemon itself, in a mount namespace of its own."""

    def __init__(self, *flags):
        super().__init__(GW, ["--pin-root", ROOT, "--lan", "r0"] +
                         list(flags), prefix="vtaOX-run-",
                         enter=lambda ns: ["ip", "netns", "exec", ns])


def vta(ns, *args):
    """vtiaccel the way an operator runs it in a namespace."""
    return subprocess.run(["ip", "netns", "exec", ns, VTA, "--pin-root",
                           ROOT] + list(args), capture_output=True, text=True)


def status(ns=GW, check=0):
    r = vta(ns, "-j", "status")
    assert r.returncode == check, (r.returncode, r.stdout, r.stderr)
    return json.loads(r.stdout)


def peer_tso():
    """tcp-segmentation-offload of the host's end of the LAN veth."""
    out = sh("ip", "netns", "exec", HOST, "ethtool", "-k", "eth0").stdout
    for line in out.splitlines():
        if line.startswith("tcp-segmentation-offload:"):
            return line.split()[1]
    pytest.fail("ethtool -k eth0 shows no tcp-segmentation-offload: " + out)


def xdp_attached(dev="r0"):
    """The kernel's answer: does dev carry an XDP program?"""
    link = json.loads(sh("ip", "-n", GW, "-j", "link", "show", dev).stdout)[0]
    return "xdp" in link


def tc_prog(dev):
    """(name, id) of the BPF programs on dev's ingress (tcx or tc), as
    the kernel lists them."""
    return [(n, i) for _, n, i in clilib.hook_progs(GW, dev)]


def test_default_config_keeps_peer_tso(topo):
    before = peer_tso()
    if before != "on":
        pytest.skip("the veth peer starts with TSO %s: nothing to keep"
                    % before)
    # The guard on: native XDP, and the kernel's price for it on a veth.
    d = Daemon("--tunnel", "r1", "--xdp-guard")
    try:
        assert xdp_attached(), d.text()
        lan = {i["name"]: i for i in status()["interfaces"]}["r0"]
        assert lan["xdp"]["cause"] == "native"
        assert "TSO" in lan["xdp"]["costs"]
        deadline = time.time() + 5
        while peer_tso() == "on" and time.time() < deadline:
            time.sleep(0.1)
        with_guard = peer_tso()
    finally:
        assert d.stop() == 0
    wait(lambda: peer_tso() == before, 5, "the peer's TSO back after detach")
    if with_guard == "on":
        pytest.skip("this kernel keeps the veth peer's TSO with XDP "
                    "attached: the default-configuration check cannot fail")
    # The default: no XDP program, the peer's offloads untouched.
    d = Daemon("--tunnel", "r1")
    try:
        assert not xdp_attached()
        assert peer_tso() == before
        lan = {i["name"]: i for i in status()["interfaces"]}["r0"]
        assert (lan["xdp"]["mode"], lan["xdp"]["cause"]) == ("none", "no-job")
        assert "XDP: none attached" in d.text()
        assert tc_prog("r0") and tc_prog("r0")[0][0] == "vta_lan_in"
    finally:
        assert d.stop() == 0


def test_repeated_tunnel_flags_accumulate(topo):
    d = Daemon("--tunnel", "r1", "--tunnel", "r2")
    try:
        for t in ("r1", "r2"):
            assert [n for n, _ in tc_prog(t)] == ["vta_tun_in"], t
        roles = {i["name"]: i["role"] for i in status()["interfaces"]}
        assert (roles.get("r1"), roles.get("r2")) == ("tunnel", "tunnel")
    finally:
        assert d.stop() == 0
    for t in ("r1", "r2"):
        assert tc_prog(t) == [], t


def test_commands_under_ip_netns_exec(topo):
    d = Daemon("--tunnel", "r1 r2")
    try:
        # Each `ip netns exec` has a fresh /sys: nothing at the pin root.
        r = sh("ip", "netns", "exec", GW, "ls", ROOT, check=False)
        assert r.returncode != 0
        st = status()
        assert st["health"] == "healthy"
        assert st["pins_pid"] == d.p.pid
        assert st["pin_root"] == "/proc/%d/root%s" % (d.p.pid, ROOT)
        ids = {i["name"]: i["tc"]["prog_id"] for i in st["interfaces"]}
        for dev in ("r0", "r1", "r2"):
            assert [ids[dev]] == [i for _, i in tc_prog(dev)], dev
        # The kernel's ECMP route, as the maps hold it.
        r = vta(GW, "-j", "routes", "-4")
        assert r.returncode == 0, r.stderr
        assert "172.31.0.0/16" in r.stdout
        # The kernel adds the link-local addresses' local routes when
        # DAD ends, which can be just after the daemon got healthy: the
        # mirror must agree once it has followed them.
        deadline = time.time() + 10
        while True:
            r = vta(GW, "verify")
            if r.returncode == 0 or time.time() > deadline:
                break
            time.sleep(0.1)
        assert r.returncode == 0, (r.stdout, r.stderr)
        r = vta(GW, "stats")
        assert r.returncode == 0, r.stderr
        # Same netns, the test runner's mount namespace (nsenter --net).
        r = subprocess.run(["nsenter", "--net=/run/netns/" + GW, VTA,
                            "--pin-root", ROOT, "-j", "status"],
                           capture_output=True, text=True)
        assert r.returncode == 0, (r.stdout, r.stderr)
        # Another network namespace: not ours, nothing loaded there (2),
        # and the message says where the daemon is.
        r = vta(HOST, "status")
        assert r.returncode == 2, (r.stdout, r.stderr)
        assert "ip netns exec %s vtiaccel" % GW in r.stderr, r.stderr
        j = status(HOST, check=2)
        assert j["health"] == "not-loaded"
        assert "network namespace %s" % GW in j["error"]
    finally:
        assert d.stop() == 0
    # No daemon anywhere: exit 2, and a fresh /sys is named as the cause.
    r = vta(GW, "status")
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert "ip netns exec mounts a fresh /sys" in r.stderr, r.stderr


SEED_RULES = [
    ["-t", "mangle", "-A", "FORWARD", "-o", "r1", "-p", "tcp", "-m", "tcp",
     "--tcp-flags", "SYN,RST", "SYN", "-j", "TCPMSS", "--clamp-mss-to-pmtu"],
    ["-t", "mangle", "-A", "INPUT", "-p", "esp", "-s", "203.0.113.1", "-d",
     "10.16.1.254", "-j", "MARK", "--set-xmark", "100"],
]


@pytest.mark.parametrize("iptables", ["iptables-nft", "iptables-legacy"])
def test_status_warns_about_seed_rules(topo, iptables):
    """The seed's two mangle rules, installed by iptables itself (the
    oracle), are named by status; a MARK rule without -p esp is not."""
    d = Daemon("--tunnel", "r1")
    try:
        assert status()["seed_rules"] == []
        other = ["-t", "mangle", "-A", "INPUT", "-p", "udp", "-j", "MARK",
                 "--set-xmark", "7"]
        for rule in SEED_RULES + [other]:
            r = sh("ip", "netns", "exec", GW, iptables, *rule, check=False)
            if r.returncode:
                pytest.skip("%s cannot add a rule here: %s"
                            % (iptables, r.stderr.strip()))
        backend = "nft" if iptables.endswith("nft") else "legacy"
        got = sorted((s["backend"], s["chain"], s["target"])
                     for s in status()["seed_rules"])
        assert got == [(backend, "FORWARD", "TCPMSS"),
                       (backend, "INPUT", "MARK")]
        r = vta(GW, "status")
        assert "the seed's rule is still installed" in r.stdout
        for rule in SEED_RULES:
            sh("ip", "netns", "exec", GW, iptables,
               *[("-D" if a == "-A" else a) for a in rule])
        assert status()["seed_rules"] == []
    finally:
        assert d.stop() == 0
