#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Kernel features the map FIB does not mirror switch forwarding off
(issue 11, item 4): ip rules, netfilter chains on the forwarding path
(nftables and iptables-legacy), XFRM policies for unmarked packets.

`vtiaccel run` in a gateway namespace; each feature is added, the
daemon must clear the forward flag in the config map (read with bpf(2),
independently of vtiaccel's code) within a deadline and `status -j` must
name it; once removed, forwarding comes back.  Harmless relatives must
leave forwarding on: strongSwan's rule to an empty table 220, an empty
forward chain, a rule on the input hook, a marked XFRM policy (a VTI
set-up's), and a chain the operator names in netfilter_bypass.

Prints "kfeatures: N passed, N failed[, N skipped]".
"""
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from test_lease_current import obj_get, lookup, NR_BPF  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
BUILD = os.environ.get("BUILD", "build")
if not os.path.isabs(BUILD):
    BUILD = os.path.join(ROOT, BUILD)
VTA = os.path.join(BUILD, "vtiaccel")
TAG = "kfeatures"
CFG_F_FORWARD = 1
PID = os.getpid()
GW, PE = "vtaNT%d-kf-gw" % PID, "vtaNT%d-kf-pe" % PID
PIN = "/sys/fs/bpf/vtaNT%d-kf" % PID
passed = failed = skipped = 0


def ok(what):
    global passed
    passed += 1
    print("ok: " + what)


def ko(what):
    global failed
    failed += 1
    print("FAIL: " + what)


def sh(*cmd, check=True):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if check and p.returncode:
        raise RuntimeError("%s: %s" % (" ".join(cmd), p.stderr.strip()))
    return p


def inns(*cmd, check=True):
    return sh("ip", "netns", "exec", GW, *cmd, check=check)


class Daemon:
    def __init__(self, tmp, extra=()):
        self.log = open(os.path.join(tmp, "daemon.log"), "a")
        self.p = subprocess.Popen(
            ["nsenter", "--net=/run/netns/" + GW, VTA, "run", "--pin-root", PIN,
             "--lan", "lan0", "--tunnel", "vti*", "--xdp", "no", "--renew-ms", "5000",
             "--lease-ms", "20000"]
            + list(extra), stdout=self.log, stderr=subprocess.STDOUT)
        self.cfg = -1
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.p.poll() is None:
            self.cfg = obj_get(PIN + "/vta_config")
            if self.cfg >= 0:
                break
            time.sleep(0.02)

    def forward(self):
        v = lookup(self.cfg, struct.pack("I", 0), 16) if self.cfg >= 0 else None
        if not v:
            return None
        deadline_ns, _, flags = struct.unpack("QII", v)
        # forwarding: the flag, and a live lease (the first sync is done)
        return bool(flags & CFG_F_FORWARD) and deadline_ns != 0

    def stop(self):
        if self.cfg >= 0:
            os.close(self.cfg)
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(20)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()


def status():
    p = sh("nsenter", "--net=/run/netns/" + GW, VTA, "--pin-root", PIN, "status", "-j",
           check=False)
    try:
        return json.loads(p.stdout)
    except ValueError:
        return {}


def wait_forward(d, want, secs=5.0):
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        if d.forward() == want:
            return True
        time.sleep(0.02)
    return False


def stays_forward(d, secs=1.0):
    """Forwarding stays on for secs (the change events came at once)."""
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        if not d.forward():
            return False
        time.sleep(0.02)
    return True


def route_types():
    """prefix -> type of the mirrored routes (`routes -4 -j`)."""
    p = sh("nsenter", "--net=/run/netns/" + GW, VTA, "--pin-root", PIN, "routes", "-4",
           "-j", check=False)
    try:
        js = json.loads(p.stdout)
    except ValueError:
        return {}
    if isinstance(js, dict):
        js = js.get("routes", [])
    return {r.get("dst"): r.get("type") for r in js if isinstance(r, dict)}


def in_use():
    return status().get("kernel_features", {}).get("in_use", [])


def blocks(d, what, add, remove, needle, secs=2.0):
    """add: the feature; forwarding must go off, status name it, come back
    after remove.  Within secs: rules, nftables and XFRM policies have
    change events, which the daemon follows at once (its periodic scan
    runs every 5 s here); iptables-legacy has none."""
    try:
        for cmd in add:
            inns(*cmd)
        if not wait_forward(d, False, secs):
            ko("%s: forwarding still on" % what)
            return
        named = [x for x in in_use() if needle in x]
        if named:
            ok("%s: forwarding off, status: %s" % (what, named[0]))
        else:
            ko("%s: forwarding off but status names %s" % (what, in_use()))
    finally:
        for cmd in remove:
            inns(*cmd, check=False)
    if wait_forward(d, True, secs):
        ok("%s removed: forwarding on again" % what)
    else:
        ko("%s removed: forwarding still off (%s)" % (what, in_use()))


def harmless(d, what, add, remove, secs=1.0):
    try:
        for cmd in add:
            inns(*cmd)
        if stays_forward(d, secs) and not in_use():
            ok("%s: forwarding stays on" % what)
        else:
            ko("%s: forwarding off (%s)" % (what, in_use()))
    finally:
        for cmd in remove:
            inns(*cmd, check=False)


def main():
    global skipped
    if os.geteuid() != 0 or NR_BPF is None:
        print("%s: needs root and bpf(2) on x86_64/aarch64: skipped" % TAG)
        print("%s: 0 passed, 0 failed, 1 skipped" % TAG)
        return 0
    tmp = tempfile.mkdtemp(prefix="vtaNT%d-kf." % PID)
    d = None
    try:
        sh("ip", "netns", "add", GW)
        sh("ip", "netns", "add", PE)
        for dev in ("lan0", "vti1"):
            sh("ip", "link", "add", dev, "netns", GW, "type", "veth", "peer", "name",
               "p" + dev, "netns", PE)
            sh("ip", "-n", PE, "link", "set", "p" + dev, "up")
        for cmd in (["addr", "add", "10.1.0.1/24", "dev", "lan0"],
                    ["addr", "add", "169.254.10.1/30", "dev", "vti1"],
                    ["link", "set", "lo", "up"], ["link", "set", "lan0", "up"],
                    ["link", "set", "vti1", "up"],
                    ["route", "add", "172.31.0.0/16", "via", "169.254.10.2"]):
            sh("ip", "-n", GW, *cmd)
        d = Daemon(tmp)
        if not wait_forward(d, True, 60):
            ko("daemon: forwarding never on (log %s)" % d.log.name)
            return
        ok("daemon up, forwarding on, status: %s" % (in_use() or "nothing in use"))

        # per-prefix features: counted by status, forwarding stays on
        inns("ip", "route", "add", "172.31.9.0/24", "tos", "0x10", "via", "169.254.10.2")
        inns("ip", "route", "add", "blackhole", "172.31.10.0/24")
        pp = status().get("kernel_features", {}).get("per_prefix", {})
        if pp.get("tos") == 1 and pp.get("reject") == 1 and stays_forward(d, 0.5):
            ok("status names per-prefix features: %s" % pp)
        else:
            ko("status per-prefix features: %s (want tos 1, reject 1)" % pp)

        # a kernel resilient nexthop group: its routes left to the kernel
        # (their buckets move on the kernel's timers, unannounced), named
        # in status; the same members as an mpath group are forwarded
        for cmd in (["nexthop", "add", "id", "901", "via", "169.254.10.2", "dev", "vti1"],
                    ["nexthop", "add", "id", "902", "group", "901", "type", "resilient",
                     "buckets", "8"],
                    ["nexthop", "add", "id", "903", "group", "901"],
                    ["route", "add", "172.31.11.0/24", "nhid", "902"],
                    ["route", "add", "172.31.12.0/24", "nhid", "903"]):
            inns("ip", *cmd)
        want = {"172.31.11.0/24": "kernel", "172.31.12.0/24": "unicast"}
        types = {}
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            rt = route_types()
            types = {p: rt.get(p) for p in want}
            if types == want:
                break
            time.sleep(0.05)
        pp = status().get("kernel_features", {}).get("per_prefix", {})
        if types == want and pp.get("resilient") == 1 and stays_forward(d, 0.5):
            ok("resilient nexthop group: its route left to the kernel, status counts it")
        else:
            ko("resilient nexthop group: mirrored route types %s (want %s), status "
               "per_prefix %s (want resilient 1)" % (types, want, pp))
        for cmd in (["route", "del", "172.31.11.0/24"], ["route", "del", "172.31.12.0/24"],
                    ["nexthop", "del", "id", "902"], ["nexthop", "del", "id", "903"],
                    ["nexthop", "del", "id", "901"]):
            inns("ip", *cmd, check=False)

        blocks(d, "ip rule iif lan0 lookup 100 (table with a route)",
               [["ip", "route", "add", "172.31.5.0/24", "via", "10.1.0.9", "table", "100"],
                ["ip", "rule", "add", "pref", "100", "iif", "lan0", "table", "100"]],
               [["ip", "rule", "del", "pref", "100"],
                ["ip", "route", "flush", "table", "100"]], "iif lan0")
        harmless(d, "ip rule from all lookup 220, table 220 empty (strongSwan)",
                 [["ip", "rule", "add", "pref", "220", "table", "220"]], [])
        blocks(d, "a route in table 220 behind that rule",
               [["ip", "route", "add", "172.31.6.0/24", "via", "10.1.0.9", "table", "220"]],
               [["ip", "route", "flush", "table", "220"]], "lookup 220")
        inns("ip", "rule", "del", "pref", "220", check=False)
        blocks(d, "ip rule fwmark 1 prohibit",
               [["ip", "rule", "add", "pref", "50", "fwmark", "1", "prohibit"]],
               [["ip", "rule", "del", "pref", "50"]], "fwmark")

        nft_base = ["nft", "add table inet vtakf ; "
                    "add chain inet vtakf fw { type filter hook forward priority 0 ; } ; "
                    "add chain inet vtakf in { type filter hook input priority 0 ; } ; "
                    "add rule inet vtakf in tcp dport 22 accept"]
        harmless(d, "nftables: empty forward chain, a rule on input", [nft_base], [])
        blocks(d, "nftables forward rule",
               [["nft", "add rule inet vtakf fw ip daddr 172.31.0.9 drop"]],
               [["nft", "flush chain inet vtakf fw"]], "inet/vtakf/fw")
        blocks(d, "nftables forward chain policy drop",
               [["nft", "add chain inet vtakf fw { policy drop ; }"]],
               [["nft", "add chain inet vtakf fw { policy accept ; }"]], "policy drop")
        blocks(d, "nftables postrouting masquerade",
               [["nft", "add table ip vtakfn ; add chain ip vtakfn post "
                 "{ type nat hook postrouting priority 100 ; } ; "
                 "add rule ip vtakfn post oifname vti1 masquerade"]],
               [["nft", "delete table ip vtakfn"]], "ip/vtakfn/post")

        if inns("iptables-legacy", "-A", "FORWARD", "-d", "172.31.0.9", "-j", "DROP",
                check=False).returncode == 0:
            inns("iptables-legacy", "-D", "FORWARD", "-d", "172.31.0.9", "-j", "DROP")
            blocks(d, "iptables-legacy FORWARD rule",
                   [["iptables-legacy", "-A", "FORWARD", "-d", "172.31.0.9", "-j", "DROP"]],
                   [["iptables-legacy", "-F", "FORWARD"]], "iptables/filter/FORWARD",
                   secs=8.0)
            harmless(d, "iptables-legacy INPUT rule (one periodic scan later)",
                     [["iptables-legacy", "-A", "INPUT", "-p", "tcp", "--dport", "22",
                       "-j", "ACCEPT"]],
                     [["iptables-legacy", "-F", "INPUT"]], secs=6.0)
        else:
            skipped += 1
            print("skip: iptables-legacy: no legacy ip_tables in this kernel")

        blocks(d, "xfrm policy dir fwd without mark",
               [["ip", "xfrm", "policy", "add", "dir", "fwd", "src", "10.1.0.0/24", "dst",
                 "172.31.0.0/16", "action", "block"]],
               [["ip", "xfrm", "policy", "flush"]], "xfrm policy dir fwd")
        harmless(d, "xfrm policy dir out with a VTI mark",
                 [["ip", "xfrm", "policy", "add", "dir", "out", "src", "0.0.0.0/0", "dst",
                   "0.0.0.0/0", "mark", "0x64", "mask", "0xffffffff", "tmpl", "src",
                   "198.51.100.2", "dst", "203.0.113.10", "proto", "esp", "mode", "tunnel"]],
                 [["ip", "xfrm", "policy", "flush"]])

        # opt-in by name: the operator lets the fast path bypass a chain
        inns("nft", "add rule inet vtakf fw ip daddr 172.31.0.9 drop")
        d.stop()
        d = Daemon(tmp, ["--netfilter-bypass", "inet/vtakf/fw"])
        if wait_forward(d, True, 60):
            ok("netfilter_bypass inet/vtakf/fw: forwarding on with the rule in place")
        else:
            ko("netfilter_bypass inet/vtakf/fw: forwarding off")
        p = sh("nsenter", "--net=/run/netns/" + GW, VTA, "run", "--pin-root", PIN + "x",
               "--netfilter-bypass", "filter/forward", check=False)
        if p.returncode != 0 and "netfilter_bypass" in p.stderr + p.stdout and \
                "FAMILY/TABLE/CHAIN" in p.stderr + p.stdout:
            ok("bad netfilter_bypass refused: %s" % (p.stderr + p.stdout).strip()[:160])
        else:
            ko("bad netfilter_bypass: exit %d: %s" % (p.returncode, p.stderr.strip()))
    except (RuntimeError, OSError) as e:
        ko("setup: %s" % e)
    finally:
        if d:
            d.stop()
        for ns in (GW, PE):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        subprocess.run(["rm", "-rf", PIN, PIN + "x", tmp])
    return 0


if __name__ == "__main__":
    main()
    s = "%s: %d passed, %d failed" % (TAG, passed, failed)
    print(s + (", %d skipped" % skipped if skipped else ""))
    sys.exit(1 if failed else 0)
