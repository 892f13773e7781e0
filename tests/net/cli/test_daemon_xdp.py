# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""`vtiaccel run` and native XDP on a LAN veth, against the real kernel:

- a refusal (veth MTU above its native XDP limit, the same situation as
  ENA at EC2's 9001) is diagnosed in the daemon's log and in `status`
  with the cause and the fix, the interface runs with tc only, and after
  the MTU is lowered a SIGHUP attaches XDP;
- a daemon killed with SIGKILL leaves vta_xdp_lan attached: the next one
  replaces it (exactly one vta_xdp_lan afterwards) and forwards;
- a foreign XDP program is never touched, and status says why XDP is off;
- vta_xdp_lan is a component of libxdp's multi-program dispatcher: another
  program loaded with xdp-loader shares the interface (both run, ours at
  priority 60 after the default 50, the anti-spoof guard still drops),
  SIGTERM, `vtiaccel detach` and a restart after SIGKILL touch only our
  component.  On a kernel that refuses libxdp's freplace components libxdp
  attaches vta_xdp_lan alone: these tests skip, saying so;
- pins of another vtiaccel version (another map layout) left by a killed
  daemon are replaced at start, with the programs that used them.

Run by tests/net/cli/run.sh (private mount namespace and bpffs).  Network
namespaces are vtaOP<pid>-*; everything is removed at the end.
"""
import json
import os
import re
import signal
import subprocess
import tempfile

import pytest

import clilib
from clilib import nsx, sh, VTA, wait

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

# A foreign XDP user that counts what it sees: proves it keeps running.
COUNT_C = r"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, 1);
} vtaop_cnt SEC(".maps");
SEC("xdp")
int vtaop_count(struct xdp_md *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&vtaop_cnt, &k);

	if (v)
		__sync_fetch_and_add(v, 1);
	return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
"""


def ipb(ns, batch):
    subprocess.run(["ip", "-n", ns, "-batch", "-"], input=batch, text=True,
                   check=True)


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


def build_bpf(code):
    d = tempfile.mkdtemp(prefix="vtaOP-foreign-")
    src, obj = os.path.join(d, "f.bpf.c"), os.path.join(d, "f.bpf.o")
    with open(src, "w") as f:
        f.write(code)
    r = subprocess.run(["clang", "-O2", "-g", "--target=bpf",
                        "-I/usr/include/x86_64-linux-gnu", "-c", src,
                        "-o", obj], capture_output=True, text=True)
    if r.returncode:
        subprocess.run(["rm", "-rf", d])
        pytest.skip("cannot build a foreign XDP program: " + r.stderr[-200:])
    return d, obj


@pytest.fixture(scope="module")
def foreign_obj():
    d, obj = build_bpf(FOREIGN_C)
    yield obj
    subprocess.run(["rm", "-rf", d])


@pytest.fixture(scope="module")
def count_obj():
    d, obj = build_bpf(COUNT_C)
    yield obj
    subprocess.run(["rm", "-rf", d])


class Daemon(clilib.Daemon):
    # With the guard on: vta_xdp_lan is attached only when it has a job
    # (the default configuration attaches no XDP, test_oper.py).
    def __init__(self, *flags):
        super().__init__(GW, ["--lan", LAN, "--tunnel", TUN, "--pin-root",
                              ROOT, "--xdp-guard"] + list(flags),
                         "vtaOP-run-")


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


# ---------------------------------------------------------------------
# libxdp's multi-program dispatcher


def xdp_layout(dev=LAN):
    """(main program, [(priority, name, id), ...] of the dispatcher's
    components) as `xdp-loader status` shows them; main is None when no
    XDP program is attached."""
    out = sh(*nsx(GW), "xdp-loader", "status", dev, check=False).stdout
    main, comps = None, []
    for line in out.splitlines():
        t = line.split()
        if len(t) >= 4 and t[0] == dev and "No XDP program" not in line:
            main = t[1]
        elif len(t) >= 4 and t[0] == "=>":
            comps.append((int(t[1]), t[2], int(t[3])))
    return main, comps


def need_dispatcher(d):
    """Skip (saying why) where libxdp attached vta_xdp_lan alone."""
    if "libxdp fell back to its single-program mode" in d.text():
        line = [l for l in d.text().splitlines() if "fell back" in l][0]
        pytest.skip("libxdp cannot use its dispatcher on this kernel "
                    "(it refuses the freplace component; `vtiaccel -vv "
                    "run` shows libxdp's reason): " + line)
    assert re.search(r"%s: vta_xdp_lan \(id \d+\) attached native, in "
                     r"libxdp's dispatcher" % LAN, d.text()), d.text()


def counter(name):
    r = subprocess.run(nsx(GW) + [VTA, "-j", "--pin-root", ROOT, "stats",
                                  "--iface", LAN], capture_output=True,
                       text=True, check=True)
    return json.loads(r.stdout)["interfaces"][0]["counters"][name]["packets"]


def foreign_count(prog_id):
    """Packets the counting foreign program has seen."""
    info = json.loads(sh("bpftool", "-j", "prog", "show", "id",
                         str(prog_id)).stdout)
    v = json.loads(sh("bpftool", "-j", "map", "lookup", "id",
                      str(info["map_ids"][0]), "key", "0", "0", "0",
                      "0").stdout)
    if "formatted" in v:
        return int(v["formatted"]["value"])
    return int.from_bytes(bytes(int(b, 16) for b in v["value"]), "little")


def ping_gw():
    """Traffic the kernel answers (no daemon needed)."""
    sh("ip", "netns", "exec", HOST, "ping", "-c", "3", "-i", "0.2", "-W",
       "2", "10.16.16.254")


def send_spoofed(n):
    """n UDP packets from the LAN with a VPC (tunnel-routed) source."""
    mac = json.loads(sh("ip", "-n", GW, "-j", "link", "show",
                        LAN).stdout)[0]["address"]
    sh("ip", "netns", "exec", HOST, "/usr/bin/python3", "-c",
       "from scapy.all import Ether, IP, UDP, sendp\n"
       "p = Ether(dst=%r) / IP(src='172.31.0.99', dst='172.31.0.1') / "
       "UDP(sport=40000, dport=9) / (b'x' * 18)\n"
       "sendp([p] * %d, iface='eth0', verbose=False)\n" % (mac, n))


def load_foreign(obj):
    """Load the counting program with libxdp's own loader; skip where
    libxdp can only attach it alone (no dispatcher on this kernel)."""
    r = sh(*nsx(GW), "xdp-loader", "load", "-v", "-m", "native", LAN, obj)
    main, comps = xdp_layout()
    if main == "vtaop_count":
        pytest.skip("libxdp cannot use its dispatcher on this kernel: "
                    "xdp-loader attached the program alone: " +
                    " ".join(l for l in (r.stdout + r.stderr).splitlines()
                             if "dispatcher" in l or "Falling" in l))
    ids = [i for _, n, i in comps if n == "vtaop_count"]
    assert main == "xdp_dispatcher" and len(ids) == 1, (main, comps)
    return ids[0]


def unload_all():
    subprocess.run(nsx(GW) + ["xdp-loader", "unload", LAN, "--all"],
                   capture_output=True)


def test_dispatcher_shared_with_another_xdp_user(topo, count_obj):
    d = Daemon("--xdp-guard")
    try:
        need_dispatcher(d)
        main, comps = xdp_layout()
        assert main == "xdp_dispatcher", (main, comps)
        assert [(p, n) for p, n, _ in comps] == [(60, "vta_xdp_lan")]
        ours = comps[0][2]
        fid = load_foreign(count_obj)
        main, comps = xdp_layout()
        # the other user's program (default priority 50) runs first; our
        # component is the same program, re-linked into the new dispatcher
        assert main == "xdp_dispatcher"
        assert comps == [(50, "vtaop_count", fid), (60, "vta_xdp_lan", ours)]
        x = lan_xdp()
        assert (x["mode"], x["vtiaccel"], x["cause"]) == (
            "native", True, "native")
        c0 = foreign_count(fid)
        ping_fast_pathed()
        # the guard still drops forged VPC sources, after the other
        # program has seen them (it passes everything)
        before = counter("drop_spoof")
        send_spoofed(20)
        wait(lambda: counter("drop_spoof") - before >= 20, 10,
             "drop_spoof to count 20 forged packets")
        assert foreign_count(fid) - c0 >= 3 + 20
    finally:
        rc = d.stop()
    try:
        assert rc == 0
        # SIGTERM took our component out; the other one runs on
        main, comps = xdp_layout()
        assert comps == [(50, "vtaop_count", fid)], (main, comps)
        c0 = foreign_count(fid)
        ping_gw()
        assert foreign_count(fid) - c0 >= 3
    finally:
        unload_all()


def test_kill9_restart_and_detach_keep_the_other(topo, count_obj):
    try:
        fid = load_foreign(count_obj)
        d = Daemon()
        try:
            need_dispatcher(d)
            old = [i for _, n, i in xdp_layout()[1] if n == "vta_xdp_lan"]
            assert len(old) == 1, xdp_layout()
        finally:
            d.stop(signal.SIGKILL)
        assert [n for _, n, _ in xdp_layout()[1]] == ["vtaop_count",
                                                     "vta_xdp_lan"]
        d = Daemon()
        try:
            assert re.search("%s: removed the vta_xdp_lan a previous "
                             "vtiaccel run of this pin root left attached"
                             % LAN, d.text()), d.text()
            comps = xdp_layout()[1]
            assert [(p, n) for p, n, _ in comps] == [(50, "vtaop_count"),
                                                     (60, "vta_xdp_lan")]
            assert comps[0][2] == fid and comps[1][2] != old[0]
            ping_fast_pathed()
        finally:
            d.stop(signal.SIGKILL)
        # `vtiaccel detach` after a crash: ours goes, the other stays
        out = sh(*nsx(GW), VTA, "detach", "--pin-root", ROOT).stdout
        assert "detached XDP from %s" % LAN in out
        assert xdp_layout()[1] == [(50, "vtaop_count", fid)]
        c0 = foreign_count(fid)
        ping_gw()
        assert foreign_count(fid) - c0 >= 3
    finally:
        unload_all()


# ---------------------------------------------------------------------
# pins of another vtiaccel version


@pytest.mark.parametrize("attach", ["auto", "tc"])
def test_start_over_incompatible_pins(topo, attach):
    """The old daemon on either hook: tcx where the kernel has it (the
    default), or the cls_bpf filters every kernel has (an older vtiaccel,
    whose default that was); the new one runs with the default."""
    d = Daemon("--attach", attach)
    try:
        lan_tc = {i["name"]: i for i in status()["interfaces"]}[LAN]["tc"]
        old_tc, hook = lan_tc["prog_id"], lan_tc["hook"]
        old_xdp = [i for i, n in xdp_progs() if n == "vta_xdp_lan"]
        assert old_tc and len(old_xdp) == 1
    finally:
        d.stop(signal.SIGKILL)
    # a killed older vtiaccel whose stats value was smaller: its pin in
    # place of ours (the programs it left still use the other pins)
    stats = ROOT + "/vta_stats"
    value = json.loads(sh("bpftool", "-j", "map", "show", "pinned",
                          stats).stdout)["bytes_value"]
    os.unlink(stats)
    sh("bpftool", "map", "create", stats, "type", "percpu_array", "key", "4",
       "value", "8", "entries", "4", "name", "vta_stats")
    d = Daemon()
    try:
        t = d.text()
        assert re.search(r"pinned map %s from another vtiaccel version "
                         r"\(value 8 bytes, this one %d\): replacing it"
                         % (re.escape(stats), value), t), t
        if hook == "tc":
            assert "%s: removed the stale tc ingress program (id %d)" % (
                LAN, old_tc) in t, t
        # tcx (attach = auto on 6.6+): the old daemon's pinned link stays
        # and gets the new program, so the LAN is never without one
        on_hook = [i for _, _, i in clilib.hook_progs(GW, LAN)]
        assert old_tc not in on_hook and len(on_hook) == 1, on_hook
        assert "%s: removed the stale vta_xdp_lan" % LAN in t, t
        st = status()
        assert st["health"] == "healthy"
        new_tc = {i["name"]: i for i in st["interfaces"]}[LAN]["tc"][
            "prog_id"]
        assert new_tc and new_tc != old_tc
        progs = xdp_progs()
        assert [n for _, n in progs] == ["vta_xdp_lan"], progs
        assert progs[0][0] != old_xdp[0]
        assert json.loads(sh("bpftool", "-j", "map", "show", "pinned",
                             stats).stdout)["bytes_value"] == value
        r = subprocess.run(nsx(GW) + [VTA, "--pin-root", ROOT, "verify"],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stdout + r.stderr
        ping_fast_pathed()
    finally:
        assert d.stop() == 0
    assert xdp_progs() == []
