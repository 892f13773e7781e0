#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Randomized differential oracle: the fast path against the kernel.

For each scenario: a gateway namespace with random routes and router
settings (IPv4 and IPv6 prefixes of every length, multipath with weights,
nexthop objects and groups (some resilient), blackhole/unreachable/
prohibit/throw, route MTU metrics, IPv6 device MTUs below the link's,
local and broadcast routes, ip rules, TOS and IPv6 source-specific routes,
extra addresses, rp_filter, accept_local and forwarding sysctls, an
nftables FORWARD rule, an XFRM forward policy),
`vtiaccel run` mirroring them (started as an operator starts it, with a
private pin root; part of the configuration is changed after it is ready
so that the event path is exercised too), then thousands of random frames
(destinations at the prefixes' edges, TTL 1/2/64, DF and sizes around each
MTU, own, foreign and martian sources, pkt_type host/otherhost/broadcast/
multicast) through the pinned tc programs under BPF_PROG_TEST_RUN with the
live maps (tests/net/oracle_run.c).

The reference is the kernel of this namespace: RTM_GETROUTE with iif/from/
tos (the input route lookup: ip rules, fib_validate_source with rp_filter
and accept_local, forwarding of the input device, route types), once plain
(the member the kernel picks, the route's MTU metric) and once with
RTM_F_FIB_MATCH (the whole ECMP set); then the steps of ip_forward() /
ip6_forward() that come after the lookup and that a route query does not
show, taken from the kernel source: pkt_type (only PACKET_HOST is
forwarded), TTL/hop limit <= 1, IPv6 forwarding (all.forwarding) and
source address type, the XFRM forward policy and the netfilter FORWARD
rule the scenario installed (each a drop of a known prefix), and the MTU
(route metric, else the device's; IPv4 without DF fragments: not the same
bytes either).

A case agrees when the fast path passes the frame unchanged (TC_ACT_OK:
the kernel decides), or forwards it (TC_ACT_REDIRECT) out of a member of
the kernel's ECMP set with exactly the bytes the kernel would send (TTL or
hop limit one lower, IPv4 checksum as ip_decrease_ttl() writes it, no
Ethernet padding) where the kernel forwards it.  Anything else is a
disagreement, printed by kind with the first examples.  Cases the oracle
cannot decide (a kernel answer it cannot read) are counted and printed.

  BUILD=build tests/net/dp/test_oracle.py
  ORACLE_SEED=N         reproduce a run (the seed is printed)
  ORACLE_SCENARIOS=N    scenarios (default 4)
  ORACLE_CASES=N        cases per scenario (default 2600: >= 10,000 in all)
  ORACLE_SHOW=N         examples printed per disagreement kind (default 3)

Prints "oracle: N passed, N failed[, N skipped]": one test per scenario,
failed when it has a disagreement (or the daemon did not come up).
"""
import errno
import ipaddress
import json
import os
import random
import re
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "lib"))
import nsnet  # noqa: E402
from pkt import csum, rtattrs as attrs  # noqa: E402

BUILD = os.environ.get("BUILD", "build")
if not os.path.isabs(BUILD):
    BUILD = os.path.join(ROOT, BUILD)
VTA = os.path.join(BUILD, "vtiaccel")
RUNNER = os.path.join(BUILD, "tests", "net", "oracle_run")
TAG = "oracle"

# --- rtnetlink route queries ------------------------------------------------

NLMSG_ERROR, RTM_NEWROUTE, RTM_GETROUTE = 2, 24, 26
NLM_F_REQUEST = 1
RTA_DST, RTA_SRC, RTA_IIF, RTA_OIF, RTA_GATEWAY = 1, 2, 3, 4, 5
RTA_METRICS, RTA_MULTIPATH, RTA_TABLE, RTA_MARK = 8, 9, 15, 16
RTA_VIA, RTA_NH_ID = 18, 30
RTAX_LOCK, RTAX_MTU = 1, 2
RTM_F_FIB_MATCH = 0x2000
RTN = {1: "unicast", 2: "local", 3: "broadcast", 4: "anycast",
       5: "multicast", 6: "blackhole", 7: "unreachable", 8: "prohibit",
       9: "throw", 10: "nat"}


def rta(ty, data):
    return struct.pack("HH", 4 + len(data), ty) + data + b"\0" * (-len(data) % 4)


class RouteQuery:
    """RTM_GETROUTE in the namespace the socket was opened in."""

    def __init__(self):
        self.s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
        self.s.bind((0, 0))
        self.seq = 0

    def get(self, fam, dst, src, iif, tos=0, mark=0, fibmatch=False):
        af = socket.AF_INET if fam == 4 else socket.AF_INET6
        alen = 32 if fam == 4 else 128
        body = struct.pack("BBBBBBBBI", af, alen, alen, tos, 0, 0, 0, 0,
                           RTM_F_FIB_MATCH if fibmatch else 0)
        body += rta(RTA_DST, socket.inet_pton(af, dst))
        body += rta(RTA_SRC, socket.inet_pton(af, src))
        body += rta(RTA_IIF, struct.pack("i", iif))
        if mark:
            body += rta(RTA_MARK, struct.pack("I", mark))
        self.seq += 1
        self.s.send(struct.pack("IHHII", 16 + len(body), RTM_GETROUTE,
                                NLM_F_REQUEST, self.seq, 0) + body)
        while True:
            msg = self.s.recv(65536)
            ln, ty, _, seq, _ = struct.unpack_from("IHHII", msg)
            if seq == self.seq:
                break
        if ty == NLMSG_ERROR:
            err = -struct.unpack_from("i", msg, 16)[0]
            return {"error": errno.errorcode.get(err, str(err))}
        if ty != RTM_NEWROUTE:
            return {"undecided": "netlink type %d" % ty}
        rtm = struct.unpack_from("BBBBBBBBI", msg, 16)
        a = attrs(msg[28:ln])
        r = {"type": RTN.get(rtm[7], str(rtm[7])), "table": rtm[4], "dst_len": rtm[1]}
        if RTA_DST in a:
            r["dst"] = socket.inet_ntop(af, a[RTA_DST])
        if RTA_TABLE in a:
            r["table"] = struct.unpack("I", a[RTA_TABLE][:4])[0]
        if RTA_METRICS in a:
            m = attrs(a[RTA_METRICS])
            if RTAX_MTU in m:
                r["mtu"] = struct.unpack("I", m[RTAX_MTU][:4])[0]
            if RTAX_LOCK in m:
                r["lock"] = struct.unpack("I", m[RTAX_LOCK][:4])[0]
        oifs = []
        if RTA_OIF in a:
            oifs.append(struct.unpack("i", a[RTA_OIF][:4])[0])
        if RTA_MULTIPATH in a:
            mp = a[RTA_MULTIPATH]
            while len(mp) >= 8:
                nlen, flags, hops, ifi = struct.unpack_from("HBBi", mp)
                if nlen < 8:
                    break
                # RTNH_F_DEAD (1), RTNH_F_LINKDOWN (16): not used
                if not flags & 0x11:
                    oifs.append(ifi)
                mp = mp[(nlen + 3) & ~3:]
        if RTA_NH_ID in a:
            r["nhid"] = struct.unpack("I", a[RTA_NH_ID][:4])[0]
        r["oifs"] = sorted(set(oifs))
        return r


def kquery(cases, gw):
    """Both kernel answers for every case, from inside namespace gw."""
    with nsnet.InNetns(gw):
        q = RouteQuery()
    out = []
    for c in cases:
        plain = q.get(c["fam"], c["dst"], c["src"], c["iif"], c["tos"])
        fm = None
        if "error" not in plain and plain.get("type") == "unicast":
            fm = q.get(c["fam"], c["dst"], c["src"], c["iif"], c["tos"],
                       fibmatch=True)
        out.append((plain, fm))
    return out


# --- packets ----------------------------------------------------------------




def build_l3(fam, src, dst, size, ttl, df, tos, proto, ident):
    """A well-formed IPv4/IPv6 packet of exactly size bytes."""
    hl = 20 if fam == 4 else 40
    if proto == 17:
        l4h = 8
    elif proto == 6:
        l4h = 20
    else:
        l4h = 8
    size = max(size, hl + l4h)
    plen = size - hl
    payload = bytes((ident + i) & 0xff for i in range(plen - l4h))
    if proto == 17:
        l4 = struct.pack("!HHHH", 1024 + ident % 50000, 53, plen, 0) + payload
    elif proto == 6:
        # ACK, no SYN: the MSS clamp is tests/net/dp/mss.sh's business
        l4 = struct.pack("!HHIIBBHHH", 1024 + ident % 50000, 443, ident,
                         1, 5 << 4, 0x10, 512, 0, 0) + payload
    else:
        icmp = 8 if fam == 4 else 128
        l4 = struct.pack("!BBHHH", icmp, 0, 0, ident & 0xffff, 1) + payload
    if fam == 4:
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, tos, size, ident & 0xffff,
                          0x4000 if df else 0, ttl, proto, 0,
                          socket.inet_pton(socket.AF_INET, src),
                          socket.inet_pton(socket.AF_INET, dst))
        hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
        return hdr + l4
    nh = {17: 17, 6: 6}.get(proto, 58)
    vtc = (6 << 28) | (tos << 20) | (ident & 0xfffff)
    return struct.pack("!IHBB16s16s", vtc, plen, nh, ttl,
                       socket.inet_pton(socket.AF_INET6, src),
                       socket.inet_pton(socket.AF_INET6, dst)) + l4


def kernel_bytes(fam, l3):
    """The packet as the kernel forwards it: TTL - 1 (ip_decrease_ttl)."""
    b = bytearray(l3)
    if fam == 4:
        check = struct.unpack_from("!H", b, 10)[0]
        # ip_decrease_ttl(): check += htons(0x0100), end-around carry,
        # on the big-endian value
        check += 0x0100
        check = (check + (check >= 0xffff)) & 0xffff
        struct.pack_into("!H", b, 10, check)
        b[8] -= 1
    else:
        b[7] -= 1
    return bytes(b)


# --- the scenario -----------------------------------------------------------

# dum0: a device vtiaccel does not manage (a veth here: no dummy module
# on every test host).
DEVS = ["lan0", "lan1", "vti1", "vti2", "wan0", "dum0"]
MANAGED_IN = {"lan0": "lan", "lan1": "lan", "vti1": "tun", "vti2": "tun"}
NET4 = {"lan0": "10.1.0.1/24", "lan1": "10.2.0.1/24",
        "vti1": "169.254.10.1/30", "vti2": "169.254.11.1/30",
        "wan0": "198.51.100.2/24", "dum0": "10.99.0.1/24"}
NET6 = {"lan0": "fd01::1/64", "lan1": "fd02::1/64", "vti1": "fd10::1/64",
        "vti2": "fd11::1/64", "wan0": "fd99::2/64", "dum0": "fd98::1/64"}
GW4 = {"lan0": ["10.1.0.2", "10.1.0.3", "10.1.0.200"],
       "lan1": ["10.2.0.2", "10.2.0.9"], "vti1": ["169.254.10.2"],
       "vti2": ["169.254.11.2"], "wan0": ["198.51.100.1"],
       "dum0": ["10.99.0.2"]}
GW6 = {"lan0": ["fd01::2", "fd01::3"], "lan1": ["fd02::2"],
       "vti1": ["fd10::2"], "vti2": ["fd11::2"], "wan0": ["fd99::1"],
       "dum0": ["fd98::2"]}
# Where random route prefixes live (nested, so that LPM matters).
ZONES4 = ["172.16.0.0/12", "10.64.0.0/10", "192.168.0.0/16", "0.0.0.0/0"]
ZONES6 = ["fd20::/16", "2001:db8::/32", "::/0"]


class Scenario:
    def __init__(self, rng, idx, pid):
        self.rng, self.idx = rng, idx
        # draws added after the fixtures in oracle_seeds were picked come
        # from their own generator, so those scenarios stay what they were
        self.xrng = random.Random("x-%r" % (rng.getstate()[1][:8],))
        self.gw = "vtaNT%d-or%d-gw" % (pid, idx)
        self.pe = "vtaNT%d-or%d-pe" % (pid, idx)
        self.pin = "/sys/fs/bpf/vtaNT%d-oracle%d" % (pid, idx)
        self.pre, self.post = [], []      # ip -batch lines
        self.sysctl = {}
        self.nft = []                     # nft commands
        self.fw_drop = []                 # prefixes FORWARD drops (daddr)
        self.xfrm_block = []              # (src net, dst net) fwd block
        self.pfx4, self.pfx6 = [], []     # route prefixes, for addresses
        self.own4, self.own6 = [], []
        self.mtu = {}
        self.mtu6 = {}                    # net.ipv6.conf.DEV.mtu when set
        self.routes6 = []                 # table main's IPv6 prefixes
        self.nhid = 10
        self.notes = []

    # -- configuration --------------------------------------------------
    def rand_pfx(self, fam):
        r = self.rng
        zone = ipaddress.ip_network(r.choice(ZONES4 if fam == 4 else ZONES6))
        pool = self.pfx4 if fam == 4 else self.pfx6
        maxlen = 32 if fam == 4 else 128
        if pool and r.random() < 0.5:
            # nest under (or next to) an existing prefix
            base = r.choice(pool)
            ln = min(maxlen, base.prefixlen + r.choice([0, 1, 1, 2, 3, 8]))
            if r.random() < 0.2:
                ln = max(0, base.prefixlen - r.randint(1, 4))
            off = r.getrandbits(maxlen - base.prefixlen) if base.prefixlen < maxlen else 0
            addr = int(base.network_address) + off
        else:
            ln = r.randint(zone.prefixlen, maxlen)
            if r.random() < 0.5:
                ln = r.choice([zone.prefixlen, min(maxlen, zone.prefixlen + 1),
                               maxlen - 1, maxlen, 24 if fam == 4 else 64,
                               16 if fam == 4 else 48])
                ln = max(ln, zone.prefixlen)
            addr = int(zone.network_address) + r.getrandbits(maxlen - zone.prefixlen) \
                if zone.prefixlen < maxlen else int(zone.network_address)
        net = ipaddress.ip_network((addr, ln), strict=False)
        pool.append(net)
        return net

    def nexthop(self, fam, dev):
        return self.rng.choice((GW4 if fam == 4 else GW6)[dev])

    def route_line(self, fam):
        r = self.rng
        net = self.rand_pfx(fam)
        pfx = str(net)
        ip = "route" if fam == 4 else "-6 route"
        k = r.random()
        fwd_devs = ["vti1", "vti2", "lan0", "lan1"]
        any_dev = fwd_devs * 3 + ["wan0", "dum0"]
        extra = ""
        if r.random() < 0.15:
            lo = 576 if fam == 4 else 1280
            dev_mtu = 1400
            extra += " mtu %s%d" % ("lock " if r.random() < 0.3 else "",
                                    r.randint(lo, dev_mtu))
        if r.random() < 0.2:
            extra += " metric %d" % r.choice([0, 10, 20, 1024])
        if fam == 4 and r.random() < 0.05:
            extra += " tos 0x%02x" % r.choice([0x10, 0x08, 0x04])
        if fam == 6 and r.random() < 0.05:
            extra = " from %s" % r.choice(["fd01::/64", "fd02::/80",
                                           "fd10::/64", "::/0"]) + extra
        if k < 0.35:
            dev = r.choice(any_dev)
            return "%s add %s via %s dev %s%s" % (ip, pfx, self.nexthop(fam, dev),
                                                  dev, extra)
        if k < 0.45:
            dev = r.choice(any_dev)
            return "%s add %s dev %s%s" % (ip, pfx, dev, extra)
        if k < 0.65:
            hops = []
            for d in r.sample(any_dev, r.randint(2, 4)):
                hops.append("nexthop via %s dev %s weight %d" %
                            (self.nexthop(fam, d), d, r.choice([1, 1, 2, 3, 10, 256])))
            return "%s add %s%s %s" % (ip, pfx, extra, " ".join(hops))
        if k < 0.78:
            return "%s add %s nhid %d%s" % (ip, pfx, self.rng.choice(
                self.groups[fam]), extra.replace(" mtu lock", " mtu"))
        if k < 0.9:
            t = r.choice(["blackhole", "unreachable", "prohibit", "throw"])
            return "%s add %s %s%s" % (ip, t, pfx, extra)
        if k < 0.95:
            # local / broadcast in the local table
            dev = r.choice(fwd_devs)
            t = r.choice(["local", "broadcast"]) if fam == 4 else "local"
            a = net.network_address if r.random() < 0.5 else net.broadcast_address
            if t == "local":
                (self.own4 if fam == 4 else self.own6).append(str(a))
            return "%s add %s %s dev %s table local" % (ip, t, a, dev)
        # equal-metric append (IPv4: an alternative; IPv6: a sibling)
        dev, dev2 = r.sample(fwd_devs, 2)
        self.post.append("%s append %s via %s dev %s" %
                         (ip, pfx, self.nexthop(fam, dev2), dev2))
        return "%s add %s via %s dev %s" % (ip, pfx, self.nexthop(fam, dev), dev)

    def build_config(self):
        r = self.rng
        for d in DEVS:
            self.mtu[d] = r.choice([1500, 1500, 1436, 1400, 1419, 1300])
        # nexthop objects and groups
        self.groups = {4: [], 6: []}
        for fam in (4, 6):
            ids = []
            for d in ["vti1", "vti2", "lan0", "lan1", "wan0"]:
                self.nhid += 1
                ids.append((self.nhid, d))
                self.pre.append("nexthop add id %d via %s dev %s" %
                                (self.nhid, self.nexthop(fam, d), d))
                self.groups[fam].append(self.nhid)
            for _ in range(3):
                self.nhid += 1
                mem = r.sample(ids, r.randint(2, 3))
                # a kernel resilient group now and then: its routes must be
                # left to the kernel (they are never mirrored)
                kind = " type resilient buckets %d" % self.xrng.choice([8, 64]) \
                    if self.xrng.random() < 0.25 else ""
                self.pre.append("nexthop add id %d group %s%s" % (
                    self.nhid, "/".join("%d,%d" % (i, r.randint(1, 5)) for i, _ in mem),
                    kind))
                self.groups[fam].append(self.nhid)
        # extra addresses
        for _ in range(r.randint(1, 4)):
            d = r.choice(["lan0", "lan1", "vti1", "dum0"])
            net = self.rand_pfx(4)
            a = ipaddress.ip_address(int(net.network_address) + (1 if net.prefixlen < 32 else 0))
            ln = r.choice([32, 24, 30, 31, net.prefixlen])
            self.own4.append(str(a))
            self.pre.append("addr add %s/%d dev %s" % (a, ln, d))
        for _ in range(r.randint(0, 2)):
            d = r.choice(["lan0", "lan1", "vti2"])
            net = self.rand_pfx(6)
            a = ipaddress.ip_address(int(net.network_address) + 1)
            self.own6.append(str(a))
            self.pre.append("addr add %s/%d dev %s nodad" % (a, r.choice([128, 64, 96]), d))
        n = r.randint(40, 120)
        for i in range(n):
            fam = 4 if r.random() < 0.6 else 6
            line = self.route_line(fam)
            (self.pre if i < n * 0.7 else self.post).append(line)
        # strongSwan's rule with install_routes = no: an empty table (no
        # effect on forwarding; vtiaccel must keep forwarding with it)
        if r.random() < 0.5:
            self.pre.append("rule add pref 220 table 220")
        # a few ip rules (policy routing) in some scenarios
        if r.random() < 0.2:
            for _ in range(r.randint(1, 3)):
                t = r.choice([220, 100, 101])
                fam = r.choice([4, 6])
                sel = r.choice([
                    "from %s" % (r.choice(["10.2.0.0/24", "10.1.0.128/25"]) if fam == 4
                                 else "fd02::/64"),
                    "to %s" % self.rand_pfx(fam),
                    "fwmark 0x%x" % r.choice([0, 1, 0x100]),
                    "iif %s" % r.choice(["lan1", "vti2"]),
                    "tos 0x10" if fam == 4 else "from fd01::/64"])
                self.pre.append("%srule add pref %d %s table %d" % (
                    "" if fam == 4 else "-6 ", r.randint(100, 30000), sel, t))
                for _ in range(r.randint(1, 4)):
                    d = r.choice(["vti1", "vti2", "lan0", "lan1"])
                    self.pre.append("%sroute add %s via %s dev %s table %d" % (
                        "" if fam == 4 else "-6 ", self.rand_pfx(fam),
                        self.nexthop(fam, d), d, t))
                if r.random() < 0.3:
                    self.pre.append("%sroute add unreachable default table %d" % (
                        "" if fam == 4 else "-6 ", t))
        # post-start churn: address removal (RTM_DELADDR), deletes
        if r.random() < 0.5:
            net = ipaddress.ip_network("10.77.%d.0/24" % r.randint(0, 255))
            self.pre.append("addr add %s/24 dev lan1" % (net.network_address + 1))
            self.pre.append("route add %s via %s dev lan1 src %s" % (
                self.rand_pfx(4), "10.77.%d.2" % net.network_address.packed[2],
                net.network_address + 1))
            self.post.append("addr del %s/24 dev lan1" % (net.network_address + 1))
        if r.random() < 0.5:
            # IPv6 multipath beyond 8 members, then one deleted
            net = self.rand_pfx(6)
            gws = ["fd10::%x" % (0x10 + i) for i in range(5)] + \
                  ["fd11::%x" % (0x10 + i) for i in range(5)]
            devs = ["vti1"] * 5 + ["vti2"] * 5
            self.pre.append("-6 route add %s via %s dev %s" % (net, gws[0], devs[0]))
            for g, d in zip(gws[1:], devs[1:]):
                self.pre.append("-6 route append %s via %s dev %s" % (net, g, d))
            self.post.append("-6 route del %s via %s dev %s" % (net, gws[3], devs[3]))
        # sysctls
        s = self.sysctl
        s["net.ipv4.ip_forward"] = 1 if r.random() < 0.85 else 0
        s["net.ipv6.conf.all.forwarding"] = 1 if r.random() < 0.85 else 0
        s["net.ipv4.conf.all.rp_filter"] = r.choice([0, 0, 1, 2])
        s["net.ipv4.conf.all.accept_local"] = r.choice([0, 0, 1])
        for d in MANAGED_IN:
            s["net.ipv4.conf.%s.rp_filter" % d] = r.choice([0, 0, 1, 2])
            s["net.ipv4.conf.%s.accept_local" % d] = r.choice([0, 0, 1])
        if r.random() < 0.3:
            d = r.choice(list(MANAGED_IN))
            s["net.ipv4.conf.%s.forwarding" % d] = 0
        # a device's IPv6 MTU below its link MTU (ip6_forward() checks it)
        for d in DEVS:
            if self.xrng.random() < 0.3:
                self.mtu6[d] = self.xrng.randint(1280, self.mtu[d])
                s["net.ipv6.conf.%s.mtu" % d] = self.mtu6[d]
        # netfilter FORWARD rule, XFRM forward policy; and their harmless
        # relatives (an empty forward chain, an input rule, a marked
        # policy as a VTI set-up has)
        k = r.random()
        if k < 0.3:
            self.nft = ["add table inet vtaor",
                        "add chain inet vtaor fw { type filter hook forward priority 0 ; }",
                        "add chain inet vtaor in { type filter hook input priority 0 ; }",
                        "add rule inet vtaor in tcp dport 22 accept"]
        elif k < 0.45:
            fam = r.choice([4, 6])
            net = r.choice(self.pfx4 if fam == 4 else self.pfx6)
            self.fw_drop.append(net)
            self.nft = ["add table inet vtaor",
                        "add chain inet vtaor fw { type filter hook forward priority 0 ; }",
                        "add rule inet vtaor fw %s daddr %s drop" % (
                            "ip" if fam == 4 else "ip6", net)]
        if r.random() < 0.25:
            self.pre.append("xfrm policy add dir fwd src 0.0.0.0/0 dst 0.0.0.0/0 "
                            "mark 0x64 mask 0xffffffff tmpl src 198.51.100.2 "
                            "dst 203.0.113.10 proto esp mode tunnel")
        if r.random() < 0.15:
            fam = r.choice([4, 6])
            dnet = r.choice(self.pfx4 if fam == 4 else self.pfx6)
            snet = ipaddress.ip_network("10.1.0.0/24" if fam == 4 else "fd01::/64")
            if r.random() < 0.5:
                snet = ipaddress.ip_network("0.0.0.0/0" if fam == 4 else "::/0")
            self.xfrm_block.append((snet, dnet))
            self.pre.append("xfrm policy add dir fwd src %s dst %s action block" %
                            (snet, dnet))

    # -- namespaces -------------------------------------------------------
    def sh(self, *cmd, check=True, inp=None):
        p = subprocess.run(cmd, input=inp, capture_output=True, text=True)
        if check and p.returncode:
            raise RuntimeError("%s: %s" % (" ".join(cmd), p.stderr.strip()))
        return p

    def batch(self, lines):
        """ip -force -batch: the kernel is the reference, so a line it
        refuses only removes that line from the scenario (counted).  A
        line starting with "-6 " runs under ip -6 (batch lines take no
        options), in order."""
        bad = []
        runs = []
        for ln in lines:
            fam = "-6" if ln.startswith("-6 ") else "-4"
            ln = ln[3:] if fam == "-6" else ln
            if runs and runs[-1][0] == fam:
                runs[-1][1].append(ln)
            else:
                runs.append((fam, [ln]))
        for fam, ls in runs:
            if fam == "-4" and any(ln.startswith(("addr", "link", "xfrm", "nexthop"))
                                   for ln in ls):
                fam = "-d"      # family from the addresses
            p = self.sh("ip", "-n", self.gw, fam, "-force", "-batch", "-",
                        check=False, inp="\n".join(ls) + "\n")
            errs = p.stderr.splitlines()
            for i, e in enumerate(errs):
                if e.startswith("Command failed"):
                    n = int(e.rsplit(":", 1)[1]) - 1
                    why = errs[i - 1] if i else "?"
                    bad.append("%s: %s" % (ls[n] if 0 <= n < len(ls) else "?", why))
        return bad

    def setup(self):
        self.sh("ip", "netns", "add", self.gw)
        self.sh("ip", "netns", "add", self.pe)
        links = []
        for d in DEVS:
            links.append("link add %s netns %s mtu %d type veth peer name p%s netns %s mtu %d" %
                         (d, self.gw, self.mtu[d], d, self.pe, self.mtu[d]))
        self.sh("ip", "-batch", "-", inp="\n".join(links) + "\n")
        # sysctls before addresses (rp_filter etc. apply at once anyway)
        base = {"net.ipv4.conf.all.rp_filter": 0, "net.ipv4.conf.default.rp_filter": 0,
                "net.ipv6.conf.all.accept_dad": 0, "net.ipv6.conf.default.accept_dad": 0,
                "net.ipv4.nexthop_compat_mode": 1}
        self.sysctl_set(base)
        up = ["link set lo up"]
        for d in DEVS:
            up.append("addr add %s dev %s" % (NET4[d], d))
            up.append("addr add %s dev %s nodad" % (NET6[d], d))
            up.append("link set %s up" % d)
        bad = self.batch(up)
        if bad:
            raise RuntimeError("base topology: %s" % bad[:3])
        pe = ["link set lo up"] + ["link set p%s up" % d for d in DEVS]
        # The next hops exist and answer ARP/ND: IPv6 route selection
        # prefers reachable routers (rt6_select(), and the probes
        # lookups send), so gateways that never answer would make the
        # kernel's answers change while the oracle asks.
        for d in DEVS:
            for g in GW4[d]:
                pe.append("addr add %s/32 dev p%s" % (g, d))
            for g in GW6[d] + (["fd10::%x" % (0x10 + i) for i in range(5)] if d == "vti1"
                               else ["fd11::%x" % (0x10 + i) for i in range(5)]
                               if d == "vti2" else []):
                pe.append("addr add %s/128 dev p%s nodad" % (g, d))
        self.sh("ip", "-n", self.pe, "-batch", "-", inp="\n".join(pe) + "\n")
        self.sysctl_set(self.sysctl)
        self.refused = self.batch(self.pre)
        if self.nft:
            p = self.sh("ip", "netns", "exec", self.gw, "nft", "-f", "-", check=False,
                        inp="\n".join(self.nft) + "\n")
            if p.returncode:
                self.notes.append("nft refused: %s" % p.stderr.strip()[:200])
                self.fw_drop = []

    def main_routes6(self):
        """The IPv6 prefixes of table main (not source-specific)."""
        p = self.sh("ip", "-n", self.gw, "-6", "-j", "route", "show", "table", "main")
        nets = []
        for r in json.loads(p.stdout or "[]"):
            if r.get("from") or not r.get("dst"):
                continue
            dst = "::/0" if r["dst"] == "default" else r["dst"]
            nets.append(ipaddress.ip_network(dst if "/" in dst else dst + "/128",
                                             strict=False))
        return nets

    def sysctl_set(self, kv):
        args = ["%s=%s" % (k, v) for k, v in kv.items()]
        self.sh("ip", "netns", "exec", self.gw, "sysctl", "-qw", *args)

    def sysctl_get(self, key):
        p = self.sh("ip", "netns", "exec", self.gw, "sysctl", "-n", key)
        return int(p.stdout.strip())

    def ifindexes(self):
        p = self.sh("ip", "-n", self.gw, "-j", "link", "show")
        return {l["ifname"]: l["ifindex"] for l in json.loads(p.stdout)}

    def macs(self):
        p = self.sh("ip", "-n", self.gw, "-j", "link", "show")
        return {l["ifname"]: bytes.fromhex(l["address"].replace(":", ""))
                for l in json.loads(p.stdout) if l.get("address")}

    def own_addrs(self):
        p = self.sh("ip", "-n", self.gw, "-j", "addr", "show")
        own4, own6 = [], []
        for l in json.loads(p.stdout):
            for a in l.get("addr_info", []):
                (own4 if a["family"] == "inet" else own6).append(a["local"])
        return own4, own6

    def teardown(self):
        for ns in (self.gw, self.pe):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)


# --- the daemon -------------------------------------------------------------


class Daemon:
    def __init__(self, sc, tmp):
        self.sc, self.tmp = sc, tmp
        self.log = os.path.join(tmp, "daemon-%d.log" % sc.idx)
        self.notify = os.path.join(tmp, "notify-%d" % sc.idx)
        self.proc = None

    def args(self):
        # Tunnel liveness holds down tunnels the kernel keeps using: a
        # deliberate difference, and one that would change the maps
        # between the programs' run and the lookup check.  Off here.
        return ["--pin-root", self.sc.pin, "--lan", "lan*", "--wan", "wan0",
                "--tunnel", "vti*", "--liveness", "no"]

    def start(self, timeout=60):
        ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ns.bind(self.notify)
        ns.settimeout(0.2)
        env = dict(os.environ, NOTIFY_SOCKET=self.notify)
        with open(self.log, "w") as lf:
            self.proc = subprocess.Popen(
                ["nsenter", "--net=/run/netns/" + self.sc.gw, VTA, "run"] + self.args(),
                stdout=lf, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    return False
                try:
                    if b"READY=1" in ns.recv(4096):
                        return True
                except socket.timeout:
                    pass
            return False
        finally:
            ns.close()

    def verify(self):
        p = subprocess.run(["nsenter", "--net=/run/netns/" + self.sc.gw, VTA,
                            "verify"] + self.args(), capture_output=True, text=True)
        return p.returncode == 0, (p.stdout + p.stderr).strip()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- cases ------------------------------------------------------------------


def edge_addrs(rng, net):
    """Addresses at and around a prefix's edges, and one inside."""
    lo, hi = int(net.network_address), int(net.broadcast_address)
    top = (1 << net.max_prefixlen) - 1
    pick = [lo, hi, max(lo - 1, 0), min(hi + 1, top),
            lo + rng.randint(0, hi - lo), min(lo + 1, top)]
    return ipaddress.ip_address(rng.choice(pick))


def make_cases(sc, rng, n, ifx, own4, own6, macs):
    cases = []
    mtus = sorted(set(sc.mtu.values()) | set(sc.mtu6.values()) | {576, 1280, 1419, 1420})
    for i in range(n):
        fam = 4 if rng.random() < 0.6 else 6
        dev = rng.choice(list(MANAGED_IN))
        pool = sc.pfx4 if fam == 4 else sc.pfx6
        own = own4 if fam == 4 else own6
        k = rng.random()
        if k < 0.75 and pool:
            dst = edge_addrs(rng, rng.choice(pool))
        elif k < 0.85:
            dst = ipaddress.ip_address(rng.choice(own))
        elif fam == 4:
            dst = ipaddress.ip_address(rng.choice([
                "255.255.255.255", "10.1.0.255", "10.2.0.255", "224.0.0.5",
                "239.1.2.3", "127.0.0.1", "0.1.2.3", "169.254.10.3",
                "10.1.0.%d" % rng.randint(2, 254), "10.2.0.%d" % rng.randint(2, 254)]))
        else:
            dst = ipaddress.ip_address(rng.choice([
                "ff02::1", "ff05::2", "fe80::1", "::1", "fd01::%x" % rng.randint(2, 999),
                "fd02::%x" % rng.randint(2, 999), "fd10::2"]))
        k = rng.random()
        lan_src = {"lan0": ("10.1.0.%d", "fd01::%x"), "lan1": ("10.2.0.%d", "fd02::%x"),
                   "vti1": ("169.254.10.%d", "fd10::%x"),
                   "vti2": ("169.254.11.%d", "fd11::%x")}[dev]
        if k < 0.45:
            src = (lan_src[0] if fam == 4 else lan_src[1]) % rng.randint(2, 254)
            if dev.startswith("vti") and fam == 4:
                src = lan_src[0] % 2
        elif k < 0.65 and pool:
            src = str(edge_addrs(rng, rng.choice(pool)))
        elif k < 0.8:
            src = rng.choice(own)
        elif fam == 4:
            src = rng.choice(["0.0.0.0", "10.1.0.255", "10.2.0.255", "255.255.255.255",
                              "127.0.0.1", "224.0.0.1", "10.1.0.0", "198.51.100.77",
                              "192.0.2.9"])
        else:
            src = rng.choice(["fe80::2", "::", "ff02::1", "::1", "2001:db8:5::1",
                              "fd01::ffff"])
        src = str(ipaddress.ip_address(src))
        if ipaddress.ip_address(src).version != fam or dst.version != fam:
            continue
        ttl = rng.choice([1, 2, 64, 64, 64, 255])
        df = rng.random() < 0.7
        tos = rng.choice([0, 0, 0, 0x10, 0x04, 0xb8, 0x08])
        proto = rng.choice([6, 17, 17, 1])
        if rng.random() < 0.5:
            m = rng.choice(mtus)
            size = m + rng.choice([-1, 0, 1, 2])
        else:
            size = rng.randint(28 if fam == 4 else 48, 600)
        size = min(max(size, 28 if fam == 4 else 48), 2000)
        pk = rng.random()
        if pk < 0.85:
            # PACKET_HOST: BPF_PROG_TEST_RUN runs eth_type_trans()
            # against the context's device, the ingress interface
            dmac, ptype = macs[dev], "host"
        elif pk < 0.92:
            dmac, ptype = b"\x02\x11\x22\x33\x44\x55", "otherhost"
        elif pk < 0.96:
            dmac, ptype = b"\xff" * 6, "broadcast"
        else:
            dmac = b"\x01\x00\x5e\x01\x02\x03" if fam == 4 else b"\x33\x33\x00\x00\x00\x01"
            ptype = "multicast"
        l3 = build_l3(fam, src, str(dst), size, ttl, df, tos, proto, i + 1)
        pad = b""
        if fam == 4 and len(l3) < 46 and rng.random() < 0.5:
            pad = b"\0" * (46 - len(l3))        # Ethernet padding
        eth = dmac + b"\x02\xaa\xbb\xcc\xdd\xee" + (b"\x08\x00" if fam == 4 else b"\x86\xdd")
        cases.append({"proto": proto, "sport": 1024 + (i + 1) % 50000,
                      "dport": 53 if proto == 17 else 443,
                      "i": i, "fam": fam, "dev": dev, "iif": ifx[dev], "src": src,
                      "dst": str(dst), "ttl": ttl, "df": df, "tos": tos,
                      "size": len(l3), "ptype": ptype, "l3": l3,
                      "frame": eth + l3 + pad})
    return cases


def in_net(addr, net):
    a = ipaddress.ip_address(addr)
    return a.version == net.version and a in net


def error_hint(sc, c, err):
    """A label for the report (the verdict is the kernel's answer)."""
    if err == "EHOSTUNREACH" and c["fam"] == 4 and \
            not sc.fwd4.get(c["dev"], 1):
        return " (forwarding off on the input device)"
    if err in ("EHOSTUNREACH", "ENETUNREACH") and sc.rules_in_use:
        return " (with ip rules in use)"
    if err == "EINVAL" and c["fam"] == 4:
        a = ipaddress.ip_address(c["src"])
        if c["src"] in sc.own_now4:
            return " (source is a local address)"
        if a.is_multicast or a.is_loopback or int(a) >> 24 == 0 or \
                c["src"] == "255.255.255.255":
            return " (martian source)"
        return " (source validation: rp_filter, broadcast source)"
    return ""


def kernel_verdict(sc, c, plain, fm, ifx_name, v6fwd):
    """("fwd", {oifs}) or ("no", reason) or ("undecided", why)."""
    fam = c["fam"]
    if c["ptype"] == "otherhost":
        return "no", "pkt_type otherhost (ip_rcv drops)"
    if "undecided" in plain:
        return "undecided", plain["undecided"]
    if "error" in plain:
        return "no", "input route: %s%s" % (plain["error"], error_hint(sc, c, plain["error"]))
    if plain["type"] != "unicast":
        return "no", "route type %s" % plain["type"]
    if c["ptype"] != "host":
        return "no", "pkt_type %s (forward drops non-host)" % c["ptype"]
    if fam == 6 and not v6fwd:
        return "no", "IPv6 forwarding off (all.forwarding)"
    for snet, dnet in sc.xfrm_block:
        if in_net(c["src"], snet) and in_net(c["dst"], dnet):
            return "no", "xfrm fwd policy block"
    if c["ttl"] <= 1:
        return "no", "ttl <= 1"
    if fam == 6:
        sa = ipaddress.ip_address(c["src"])
        if sa.is_unspecified or sa.is_multicast or sa.is_loopback or sa.is_link_local:
            return "no", "ipv6 source type (ip6_forward)"
    if fm is None or "error" in fm or "undecided" in fm:
        return "undecided", "fibmatch: %s" % (fm and (fm.get("error") or fm.get("undecided")))
    # The matched route must cover the destination.  On 6.18 an IPv6
    # fibmatch answer for a route through a nexthop object can name
    # another route using the same nexthop: it reports the dst's rt->from,
    # and the per-cpu dst cache of a shared fib6_nh was filled by that
    # route.  Such answers do not tell the ECMP set: undecided.
    net = ipaddress.ip_network("%s/%d" % (fm.get("dst", "::" if fam == 6 else "0.0.0.0"),
                                          fm["dst_len"]), strict=False)
    if not in_net(c["dst"], net):
        return "undecided", ("IPv6 fibmatch names %s, another route with the nexthop "
                             "object (per-cpu dst cache), not the destination's" % net
                             if fam == 6 and fm.get("nhid") else
                             "the kernel's fibmatch route %s does not cover the destination"
                             % net)
    # The same cache can name a route that does cover the destination but
    # is shorter than the destination's own (2001:db8:7000::/38 through
    # nexthop 21 for a packet to 2001:db8:7300::/41, whose group holds
    # nexthop 21 too: seed 13 scenario 3), and then plain and fibmatch
    # both answer for that route.  Undecided as well.
    if fam == 6 and fm.get("nhid"):
        longer = [n for n in sc.routes6 if n.prefixlen > net.prefixlen and
                  in_net(c["dst"], n)]
        if longer:
            return "undecided", ("IPv6 fibmatch names %s, another route with the nexthop "
                                 "object (per-cpu dst cache), while %s covers the "
                                 "destination" % (net, longer[0]))
    oifs = set(fm["oifs"]) | set(plain["oifs"])
    if not plain["oifs"]:
        return "undecided", "no output interface in the answer"
    for net in sc.fw_drop:
        if in_net(c["dst"], net):
            return "no", "netfilter FORWARD drop"
    # The MTU depends on the member (each its device's MTU; a route
    # metric applies to all of them): compare() checks it against the
    # member the fast path took, which the kernel may as well have taken.
    return "fwd", oifs


def kernel_mtu(sc, c, plain, oif, ifx_name):
    """Why the kernel does not send the packet out of oif as it is, by
    size: ip_forward()/ip6_forward() with ip_dst_mtu_maybe_forward()/
    ip6_dst_mtu_maybe_forward() and, for IPv6 with an unlocked route MTU,
    ip6_fragment()'s too-big check on output (IPv4 without DF is
    fragmented: not the same bytes either).  None if it fits."""
    dev = ifx_name.get(oif, "?")
    dev_mtu = sc.mtu.get(dev, 65536)
    if c["fam"] == 6:
        # the device's IPv6 MTU (idev->cnf.mtu6), net.ipv6.conf.DEV.mtu
        dev_mtu = sc.mtu6.get(dev, dev_mtu)
    mtu = plain.get("mtu") or dev_mtu
    if c["fam"] == 6:
        locked = plain.get("lock", 0) & (1 << RTAX_MTU)
        mtu = max(mtu if locked else min(mtu, dev_mtu), 1280)
    if c["size"] > mtu:
        return "larger than mtu %d (%s)" % (
            mtu, "route metric" if plain.get("mtu") else "device")
    return None


def compare(sc, cases, kres, fres, ifx, v6fwd, stats):
    ifx_name = {v: k for k, v in ifx.items()}
    dis = []
    for c, (plain, fm), (ret, out_if, out) in zip(cases, kres, fres):
        kv, why = kernel_verdict(sc, c, plain, fm, ifx_name, v6fwd)
        if (kv == "fwd" and fm is not None and fm.get("nhid") and
                plain.get("mtu") != fm.get("mtu")):
            # Routes that share a nexthop object share its cached input
            # route (nhc_rth_input, reused by __mkroute_input()), whose
            # metrics are those of the route that created it: the MTU
            # the kernel forwards with here depends on that cache, not
            # on the matched route (fibmatch shows its own metrics).
            kv, why = "undecided", "cached input route of nexthop %d" \
                " carries another route's MTU" % fm["nhid"]
        stats["cases"] += 1
        if kv == "undecided":
            if os.environ.get("ORACLE_DEBUG") and why not in stats["undecided_why"]:
                print("    undecided case %d: %s -> %s iif %s tos %#x: plain %s fibmatch %s" % (
                    c["i"], c["src"], c["dst"], c["dev"], c["tos"], plain, fm))
            stats["undecided"] += 1
            stats["undecided_why"][why] = stats["undecided_why"].get(why, 0) + 1
            continue
        if kv == "fwd" and kernel_mtu(sc, c, plain, plain["oifs"][0], ifx_name):
            stats["kernel_no"] += 1
        else:
            stats["kernel_" + kv] += 1
        if ret == 0:
            stats["fast_pass"] += 1
            if out != c["frame"]:
                dis.append(("pass_mangled", c, kv, why, ret, out_if, out))
            continue
        if ret == 2:
            stats["fast_drop"] += 1
            if kv == "fwd":
                dis.append(("drop_where_kernel_forwards", c, kv, why, ret, out_if, out))
            continue
        if ret != 7:
            dis.append(("retval_%d" % ret, c, kv, why, ret, out_if, out))
            continue
        stats["fast_fwd"] += 1
        if kv != "fwd":
            dis.append(("fwd_where_kernel_does_not: " + re.sub(r"(?<![A-Za-z])\d+", "N", why),
                        c, kv, why, ret, out_if, out))
            continue
        if out_if not in why:
            if os.environ.get("ORACLE_DEBUG"):
                print("    debug case %d: plain %s fibmatch %s ifx %s" % (c["i"], plain, fm, ifx))
            t = (fm or plain).get("table")
            dis.append(("fwd_wrong_interface: kernel route in table %s" %
                        ("main" if t == 254 else "%s (ip rule)" % t),
                        c, kv, why, ret, out_if, out))
            continue
        big = kernel_mtu(sc, c, plain, out_if, ifx_name)
        if big:
            dis.append(("fwd_where_kernel_does_not: " + re.sub(r"(?<![A-Za-z])\d+", "N", big),
                        c, "no", big, ret, out_if, out))
            continue
        want = kernel_bytes(c["fam"], c["l3"])
        if out[14:] != want:
            dis.append(("fwd_bytes_differ", c, kv, why, ret, out_if, out))
            continue
        stats["agree_fwd"] += 1
    return dis


def lookup_check(sc, cases, fres, ifx, rng, n):
    """`vtiaccel lookup` must give the programs' answer (same maps, hash
    and seed): for a sample of plain cases (TCP/UDP, TTL > 1, addressed
    to the host), forward out of the same interface, or kernel."""
    ifn = {v: k for k, v in ifx.items()}
    pool = [(c, r) for c, r in zip(cases, fres)
            if c["proto"] in (6, 17) and c["ttl"] > 1 and c["ptype"] == "host"]
    bad = []
    for c, (ret, oif, _) in rng.sample(pool, min(n, len(pool))):
        cmd = ["nsenter", "--net=/run/netns/" + sc.gw, VTA, "--pin-root", sc.pin,
               "lookup", "-j", c["dst"], "--from", c["src"], "--in", c["dev"],
               "--proto", "tcp" if c["proto"] == 6 else "udp",
               "--sport", str(c["sport"]), "--dport", str(c["dport"]),
               "--len", str(c["size"])]
        p = subprocess.run(cmd, capture_output=True, text=True)
        try:
            j = json.loads(p.stdout)
            act = j["verdict"]["action"]
            dev = j.get("out", {}).get("dev")
        except (ValueError, KeyError):
            bad.append((c, "unreadable: %s" % (p.stdout + p.stderr).strip()[:200]))
            continue
        prog = "forward" if ret == 7 else "drop" if ret == 2 else "kernel"
        if act != prog or (prog == "forward" and dev != ifn.get(oif)):
            bad.append((c, "lookup %s %s, programs %s %s" % (
                act, dev or "", prog, ifn.get(oif, "") if ret == 7 else "")))
    return bad


def explain(sc, c):
    """ORACLE_DEBUG: the kernel's and vtiaccel's own account of a case."""
    ns = ["nsenter", "--net=/run/netns/" + sc.gw]
    for cmd in (["ip", "route", "get", "fibmatch", c["dst"], "from", c["src"],
                 "iif", c["dev"], "tos", "0x%x" % c["tos"]],
                [VTA, "--pin-root", sc.pin, "lookup", c["dst"], "--from", c["src"], "--in", c["dev"],
                 "--len", str(c["size"])],
                ["ip", "-%d" % c["fam"], "rule", "show"]):
        p = subprocess.run(ns + cmd, capture_output=True, text=True)
        print("      $ %s\n%s" % (" ".join(cmd[:4]), "\n".join(
            "        " + ln for ln in (p.stdout + p.stderr).strip().splitlines())))
        for ln in p.stdout.splitlines():
            if ln.startswith("route "):
                q = subprocess.run(ns + ["ip", "route", "show", "table", "all",
                                         ln.split()[1]], capture_output=True, text=True)
                print("      the kernel's routes for the fast path's prefix:\n" +
                      "\n".join("        " + x for x in q.stdout.splitlines()))


def run_scenario(rng, idx, tmp, ncases, show, totals):
    sc = Scenario(rng, idx, os.getpid())
    sc.build_config()
    d = Daemon(sc, tmp)
    try:
        sc.setup()
        ifx = sc.ifindexes()
        if not d.start():
            print("%s: scenario %d: the daemon did not become ready:" % (TAG, idx))
            print(open(d.log).read()[-2000:])
            return False
        refused_post = sc.batch(sc.post)
        deadline = time.monotonic() + 15
        ok, vout = d.verify()
        while not ok and time.monotonic() < deadline:
            time.sleep(0.1)
            ok, vout = d.verify()
        drift = not ok
        own4, own6 = sc.own_addrs()
        sc.own_now4 = set(own4)
        sc.rules_in_use = any("rule add" in ln for ln in sc.pre)
        sc.fwd4 = {d: sc.sysctl_get("net.ipv4.conf.%s.forwarding" % d) for d in MANAGED_IN}
        v6fwd = sc.sysctl_get("net.ipv6.conf.all.forwarding")
        sc.routes6 = sc.main_routes6()
        cases = make_cases(sc, rng, ncases, ifx, own4, own6, sc.macs())
        kres = kquery(cases, sc.gw)
        inp = "".join("%s %d %s\n" % (MANAGED_IN[c["dev"]], c["iif"], c["frame"].hex())
                      for c in cases)
        p = subprocess.run(["nsenter", "--net=/run/netns/" + sc.gw, RUNNER, sc.pin],
                           input=inp, capture_output=True, text=True)
        if p.returncode:
            print("%s: scenario %d: oracle_run failed: %s" % (TAG, idx, p.stderr.strip()))
            return False
        fres = []
        for ln in p.stdout.splitlines():
            ret, oif, hx = ln.split()
            fres.append((int(ret), int(oif), b"" if hx == "-" else bytes.fromhex(hx)))
        if len(fres) != len(cases):
            print("%s: scenario %d: %d results for %d cases" % (TAG, idx, len(fres), len(cases)))
            return False
        stats = {"cases": 0, "undecided": 0, "undecided_why": {}, "kernel_fwd": 0,
                 "kernel_no": 0, "fast_pass": 0, "fast_drop": 0, "fast_fwd": 0,
                 "agree_fwd": 0}
        dis = compare(sc, cases, kres, fres, ifx, v6fwd, stats)
        nlook = int(os.environ.get("ORACLE_LOOKUPS", "100"))
        lbad = lookup_check(sc, cases, fres, ifx, rng, nlook)
        for c, why in lbad:
            dis.append(("lookup_differs_from_programs", c, "?", why, 0, 0, b""))
        print("%s: scenario %d: vtiaccel lookup on %d sampled cases: %d differ from "
              "the programs" % (TAG, idx, nlook, len(lbad)))
        rules = [ln for ln in sc.pre if "rule add" in ln]
        print("%s: scenario %d: %d config lines (%d refused by the kernel), %d after start "
              "(%d refused), %d rules, nft drop %s, xfrm block %s, sysctls %s" % (
                  TAG, idx, len(sc.pre), len(sc.refused), len(sc.post), len(refused_post),
                  len(rules), [str(n) for n in sc.fw_drop],
                  [(str(a), str(b)) for a, b in sc.xfrm_block],
                  " ".join("%s=%s" % (k.replace("net.", "").replace(".conf", ""), v)
                           for k, v in sc.sysctl.items() if v != 0 or "forward" in k)))
        if os.environ.get("ORACLE_DEBUG"):
            for ln in sc.refused + refused_post:
                print("    refused: " + ln)
        for n in sc.notes:
            print("%s: scenario %d: %s" % (TAG, idx, n))
        with open(d.log) as lf:
            for ln in lf:
                if "forwarding off" in ln:
                    print("%s: scenario %d: daemon: %s" % (TAG, idx, ln.strip()[:400]))
        if drift:
            print("%s: scenario %d: DISAGREE: maps still differ from a fresh dump 15 s "
                  "after the last change (vtiaccel verify):" % (TAG, idx))
            print("\n".join("    " + ln for ln in vout.splitlines()[:10]))
        print("%s: scenario %d: %d cases: kernel forwards %d, does not %d; fast path "
              "forwards %d (%d agree), passes %d, drops %d; undecided %d; %d disagree" % (
                  TAG, idx, stats["cases"], stats["kernel_fwd"], stats["kernel_no"],
                  stats["fast_fwd"], stats["agree_fwd"], stats["fast_pass"],
                  stats["fast_drop"], stats["undecided"], len(dis)))
        for why, n in sorted(stats["undecided_why"].items()):
            print("%s: scenario %d: undecided: %d x %s" % (TAG, idx, n, why))
        kinds = {}
        for x in dis:
            kinds.setdefault(x[0], []).append(x)
        ifn = {v: k for k, v in ifx.items()}
        for k, xs in sorted(kinds.items()):
            print("%s: scenario %d: DISAGREE %d x %s" % (TAG, idx, len(xs), k))
            totals["kinds"][k] = totals["kinds"].get(k, 0) + len(xs)
            if os.environ.get("ORACLE_DEBUG"):
                explain(sc, xs[0][1])
            for (_, c, kv, why, ret, oif, out) in xs[:show]:
                print("    case %d: %s -> %s iif %s ttl %d size %d df %d tos 0x%x %s: "
                      "kernel %s%s; fast path ret %d out %s" % (
                          c["i"], c["src"], c["dst"], c["dev"], c["ttl"], c["size"],
                          c["df"], c["tos"], c["ptype"], kv,
                          " (%s)" % why if kv != "fwd" else
                          " via %s" % ",".join(ifn.get(i, str(i)) for i in sorted(why)),
                          ret, ifn.get(oif, oif)))
        totals["cases"] += stats["cases"]
        totals["undecided"] += stats["undecided"]
        totals["dis"] += len(dis) + (1 if drift else 0)
        if drift:
            totals["kinds"]["maps drift from the kernel"] = \
                totals["kinds"].get("maps drift from the kernel", 0) + 1
        return not dis and not drift
    finally:
        if os.environ.get("ORACLE_KEEP") == str(idx):
            print("%s: scenario %d kept: namespace %s, pin root %s, daemon pid %d" % (
                TAG, idx, sc.gw, sc.pin, d.proc.pid if d.proc else 0))
            return False
        d.stop()
        sc.teardown()
        subprocess.run(["rm", "-rf", sc.pin], capture_output=True)


def main():
    if os.geteuid() != 0:
        print("%s: needs root (namespaces, BPF): skipped" % TAG)
        print("%s: 0 passed, 0 failed, 1 skipped" % TAG)
        return 0
    for f in (VTA, RUNNER):
        if not os.access(f, os.X_OK):
            print("%s: %s missing (make BUILD=%s tests)" % (TAG, f, BUILD))
            print("%s: 0 passed, 1 failed" % TAG)
            return 1
    seed = int(os.environ.get("ORACLE_SEED") or random.SystemRandom().randrange(1 << 32))
    nsc = int(os.environ.get("ORACLE_SCENARIOS", "4"))
    ncases = int(os.environ.get("ORACLE_CASES", "2600"))
    show = int(os.environ.get("ORACLE_SHOW", "3"))
    runs = [(seed, i) for i in range(nsc)]
    # Fixtures: scenarios that once failed, run every time (not when a
    # seed is given: that run reproduces exactly that seed).
    if not os.environ.get("ORACLE_SEED"):
        with open(os.path.join(HERE, "oracle_seeds")) as f:
            for ln in f:
                ln = ln.split("#")[0].split()
                if ln:
                    runs.append((int(ln[0]), int(ln[1])))
    print("%s: seed %d (reproduce with ORACLE_SEED=%d), %d scenarios x %d cases, "
          "%d fixture scenarios" % (TAG, seed, seed, nsc, ncases, len(runs) - nsc))
    totals = {"cases": 0, "undecided": 0, "dis": 0, "kinds": {}}
    passed = failed = 0
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="vtaNT%d-oracle." % os.getpid()) as tmp:
        for n, (sd, i) in enumerate(runs):
            rng = random.Random("%d-%d" % (sd, i))
            if n >= nsc:
                print("%s: fixture: seed %d scenario %d" % (TAG, sd, i))
            try:
                ok = run_scenario(rng, n, tmp, ncases, show, totals)
            except (RuntimeError, OSError) as e:
                print("%s: scenario %d: %s" % (TAG, n, e))
                ok = False
            if ok:
                passed += 1
            else:
                failed += 1
                # one line that names it, for the end of make check's output
                print("FAIL: %s scenario %d (seed %d scenario %d): reproduce with "
                      "ORACLE_SEED=%d ORACLE_SCENARIOS=%d" % (TAG, n, sd, i, sd, i + 1))
    print("%s: seed %d: %d cases, %d undecided, %d disagreements in %.0f s" % (
        TAG, seed, totals["cases"], totals["undecided"], totals["dis"],
        time.monotonic() - t0))
    for k, n in sorted(totals["kinds"].items()):
        print("%s: disagreement kind: %d x %s" % (TAG, n, k))
    print("%s: %d passed, %d failed" % (TAG, passed, failed))
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
