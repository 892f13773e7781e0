# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""`vtiaccel run --spread` ([esp] spread, docs/esp-spread.md) against the
real kernel, on a WAN veth (this kernel has no VTI/ESP: the spreading of
real ESP is tests/vm/test_spread*.sh):

- bad values are refused naming the flag or key and the reason, a CPU
  that is not online at start naming [esp] spread;
- the daemon attaches vta_spread to the WAN as generic XDP, `status -j`
  and `stats -j` show it ("spread": null without the option), its
  counters move with the WAN's traffic (ESP from a peer no tunnel has:
  pass_unknown; other packets: pass_other);
- a foreign XDP program on the WAN is never replaced (log and status say
  so); a daemon killed with SIGKILL leaves vta_spread attached with its
  lease running out, the next daemon replaces it, `vtiaccel detach`
  removes it, SIGTERM takes it off and unpins it.

Run by tests/net/cli/run.sh (private mount namespace and bpffs).  Network
namespaces are vtaSP<pid>-*; everything is removed at the end.
"""
import json
import os
import signal
import socket
import subprocess

import pytest

import clilib
from clilib import nsx, sh, VTA, wait

PFX = "vtaSP%d-" % os.getpid()
GW, AWS = PFX + "gw", PFX + "aws"
WAN = "vtaSPwan"
ROOT = "/sys/fs/bpf/vtaSP-%d" % os.getpid()
NCPU = os.cpu_count() or 1
CPUS = "0-1" if NCPU >= 2 else "0"

FOREIGN_C = r"""
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
SEC("xdp")
int vtasp_foreign(struct xdp_md *ctx)
{
	return XDP_PASS;
}
char LICENSE[] SEC("license") = "GPL";
"""


@pytest.fixture(scope="module")
def topo():
    """gw vtaSPwan 192.0.2.1 -- 192.0.2.2 pub0 aws."""
    for ns in (GW, AWS):
        sh("ip", "netns", "add", ns)
    try:
        sh("ip", "-n", GW, "link", "add", WAN, "type", "veth", "peer",
           "name", "pub0", "netns", AWS)
        sh("ip", "-n", GW, "addr", "add", "192.0.2.1/24", "dev", WAN)
        sh("ip", "-n", GW, "link", "set", WAN, "up")
        sh("ip", "-n", AWS, "addr", "add", "192.0.2.2/24", "dev", "pub0")
        sh("ip", "-n", AWS, "link", "set", "pub0", "up")
        yield
    finally:
        for ns in (GW, AWS):
            subprocess.run(["ip", "netns", "del", ns])
        subprocess.run(["rm", "-rf", ROOT])


class Daemon(clilib.Daemon):
    def __init__(self, *flags):
        super().__init__(GW, ["--wan", WAN, "--pin-root", ROOT,
                              "--liveness", "no"] + list(flags),
                         "vtaSP-run-")


def vta_json(*args, check=0):
    """check: the exit status expected; None: any."""
    r = subprocess.run(nsx(GW) + [VTA, "-j", "--pin-root", ROOT] +
                       list(args), capture_output=True, text=True)
    assert check is None or r.returncode == check, (r.returncode, r.stdout,
                                                    r.stderr)
    return json.loads(r.stdout)


def wan_xdp():
    """(id, name, mode) of the XDP program on the WAN, per the kernel."""
    link = json.loads(sh("ip", "-n", GW, "-j", "-d", "link", "show",
                         WAN).stdout)[0]
    x = link.get("xdp")
    if not x or "prog" not in x:
        return None
    return (x["prog"]["id"], x["prog"].get("name"), x.get("mode"))


def send_esp(n):
    """n ESP packets (SPI 0x1234) from aws to gw: no tunnel has aws as
    its peer, so the kernel alone handles (and drops) them."""
    code = ("import socket\n"
            "s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)\n"
            "for i in range(%d):\n"
            "    s.sendto(b'\\x00\\x00\\x12\\x34' + (i + 1).to_bytes(4, 'big')"
            " + bytes(16), ('192.0.2.1', 0))\n" % n)
    sh("ip", "netns", "exec", AWS, "/usr/bin/python3", "-c", code)


def run_refused(*flags):
    r = subprocess.run(nsx(GW) + [VTA, "run", "--wan", WAN, "--pin-root",
                                  ROOT, "--liveness", "no"] + list(flags),
                       capture_output=True, text=True, timeout=120)
    assert r.returncode != 0, r.stderr
    return r.stderr


@pytest.mark.parametrize("value,why", [
    ("yes", 'must be no or "cpus LIST'),
    ("cpus", "needs a CPU list"),
    ("cpus 1-0", "backwards"),
    ("cpus 0 qsize 4", "qsize 4: must be 8..16384"),
    ("cpus 0 block 6", "must be a power of two"),
    ("cpus 0 xdp hw", "must be generic or native"),
])
def test_bad_values_name_the_flag(topo, value, why):
    err = run_refused("--spread", value)
    assert "--spread" in err and why in err, err


def test_bad_value_in_the_file_names_the_key(topo, tmp_path):
    conf = tmp_path / "v.conf"
    conf.write_text("[esp]\nspread = cpus 0,0\n")
    r = subprocess.run(nsx(GW) + [VTA, "--config", str(conf), "run"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0
    assert "v.conf:2" in r.stderr and "[esp] spread = cpus 0,0" in r.stderr \
        and "CPU 0 listed twice" in r.stderr, r.stderr


def test_cpu_not_online_refused(topo):
    if NCPU >= 64:
        pytest.skip("all 64 CPU ids are online here")
    err = run_refused("--spread", "cpus 63")
    assert "[esp] spread = cpus 63" in err and "CPU 63 is not online" in err, err
    assert wan_xdp() is None


def test_off_by_default(topo):
    d = Daemon()
    try:
        assert vta_json("status")["spread"] is None
        assert vta_json("stats")["spread"] is None
        assert wan_xdp() is None
    finally:
        assert d.stop() == 0


def test_attached_shown_counted_detached(topo):
    d = Daemon("--spread", "cpus %s block 4" % CPUS)
    try:
        assert "ESP spreading: vta_spread on %s (generic XDP)" % WAN in d.text()
        pid, name, mode = wan_xdp()
        # XDP_ATTACHED_SKB (linux/if_link.h): generic
        assert (name, mode) == ("vta_spread", 2)
        s = vta_json("status")["spread"]
        assert s["lease"] == "live" and s["lease_ms"] > 0
        assert [c["cpu"] for c in s["cpus"]] == list(range(min(NCPU, 2)))
        # default queue: 512 / ncpus
        assert {c["qsize"] for c in s["cpus"]} == {512 // min(NCPU, 2)}
        assert s["interfaces"] == [{"ifname": WAN, "attached": True,
                                    "mode": "generic", "prog_id": pid}]
        # no tunnel: no peer to spread
        assert s["peers"] == []
        iface = {i["name"]: i for i in vta_json("status")["interfaces"]}[WAN]
        assert iface["xdp"]["vtiaccel"] is True
        before = vta_json("stats")["spread"]
        send_esp(30)
        sh("ip", "netns", "exec", AWS, "ping", "-c", "3", "-i", "0.2",
           "192.0.2.1")
        after = wait(lambda: (lambda a: a if a["pass_unknown"] -
                              before["pass_unknown"] >= 30 else None)(
                                  vta_json("stats")["spread"]),
                     10, "pass_unknown to count the ESP")
        # the pings and their ARP are not ESP
        assert after["pass_other"] - before["pass_other"] >= 3
        assert after["redirected"] == before["redirected"] == 0
        text = sh(*nsx(GW), VTA, "--pin-root", ROOT, "status").stdout
        assert "esp spreading: lease live" in text, text
        assert "(vta_spread: ESP spreading)" in text, text
    finally:
        assert d.stop() == 0
    assert wan_xdp() is None
    assert not [f for f in os.listdir(ROOT) if f.startswith("spread_")] \
        if os.path.isdir(ROOT) else True


def test_foreign_xdp_left_alone(topo, tmp_path):
    src, obj = tmp_path / "f.bpf.c", tmp_path / "f.bpf.o"
    src.write_text(FOREIGN_C)
    r = subprocess.run(["clang", "-O2", "-g", "--target=bpf",
                        "-I/usr/include/x86_64-linux-gnu", "-c", str(src),
                        "-o", str(obj)], capture_output=True, text=True)
    if r.returncode:
        pytest.skip("cannot build a foreign XDP program: " + r.stderr[-200:])
    sh("ip", "-n", GW, "link", "set", "dev", WAN, "xdpgeneric", "obj",
       str(obj), "sec", "xdp")
    try:
        before = wan_xdp()
        assert before[1] == "vtasp_foreign"
        d = Daemon("--spread", "cpus 0")
        try:
            assert wan_xdp() == before
            assert "%s already runs XDP program vtasp_foreign" % WAN \
                in d.text(), d.text()
            s = vta_json("status")["spread"]
            assert s["interfaces"] == [{"ifname": WAN, "attached": False,
                                        "mode": None, "prog_id": None,
                                        "foreign": "vtasp_foreign"}]
        finally:
            assert d.stop() == 0
        assert wan_xdp() == before
    finally:
        sh("ip", "-n", GW, "link", "set", "dev", WAN, "xdpgeneric", "off",
           check=False)


def test_kill9_lease_restart_detach(topo):
    d = Daemon("--spread", "cpus 0", "--lease-ms", "1000", "--renew-ms",
               "200")
    old = wan_xdp()
    d.stop(signal.SIGKILL)
    # the kernel keeps the program; its lease runs out
    assert wan_xdp() == old
    wait(lambda: vta_json("status", check=None)["spread"]["lease"] ==
         "expired", 10, "the spread lease to expire")
    assert vta_json("status", check=1)["health"] == "lease-expired"
    d = Daemon("--spread", "cpus 0")
    try:
        assert "replacing the one a previous run left" in d.text(), d.text()
        new = wan_xdp()
        assert new[1] == "vta_spread" and new[0] != old[0]
        assert vta_json("status")["spread"]["lease"] == "live"
    finally:
        d.stop(signal.SIGKILL)
    assert wan_xdp() == new
    r = vta_json("detach", check=0)
    assert r["spread_detached"] == 1, r
    assert wan_xdp() is None
    assert not os.path.exists(ROOT) or not [
        f for f in os.listdir(ROOT) if f.startswith("spread_")]
