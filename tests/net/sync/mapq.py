#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Read vtiaccel's pinned maps with bpftool, independently of vtiaccel's
own code, for the sync net tests.

  mapq.py PIN route PREFIX        -> "type T group G members IFINDEX:WEIGHT,..."
  mapq.py PIN iface IFINDEX       -> "role R slot S mtu M flags F seq Q" or exit 1
  mapq.py PIN lease               -> "DEADLINE_NS NOW_NS"
  mapq.py PIN ifidx IFINDEX [SLOT] -> the programs' slot of IFINDEX in
                                  vta_ifidx (0: none), or set it to SLOT
  mapq.py PIN count fib4|fib6|groups|ifslot
  mapq.py PIN unlist PREFIX       IPv4: clear the prefix's slot's live flag
                                  (gone from the listing, as if lost)
Layouts follow include/vtiaccel.h (little-endian host).  IPv4 routes: the
DIR-24-8 tables the programs read (vta_fib4_l1/l2/rt), looked up here the
way bpf/maps.h does."""
import ipaddress
import json
import os
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
import fib4tab  # noqa: E402


IFIDX_DIRECT = 1 << 16    # include/vtiaccel.h VTA_IFIDX_DIRECT


def bpftool(*args):
    out = subprocess.run(["bpftool", "-j"] + list(args), capture_output=True,
                         text=True)
    if out.returncode:
        return None
    return json.loads(out.stdout)


def raw(v):
    return bytes(int(x, 16) for x in v)


def lookup(pin, name, key):
    r = bpftool("map", "lookup", "pinned", f"{pin}/{name}", "key", "hex",
                *[f"{b:02x}" for b in key])
    if not r:
        return None
    return raw(r["value"])


def group(pin, gid):
    v = lookup(pin, "vta_groups", struct.pack("<I", gid))
    if v is None:
        return None
    n, _total = struct.unpack_from("<II", v, 0)
    members = []
    for i in range(n):
        ifindex, kind, gwf, weight = struct.unpack_from("<IBBH", v, 8 + 24 * i)
        members.append((ifindex, weight))
    return sorted(members)


def fib4_slot(pin, addr):
    """The route slot of the prefix the programs' lookup finds for addr
    (an int): its number and its bytes, with the route (first 8 bytes)
    the programs read: the interned value the entry names, if any."""
    m = fib4tab.lookup(lambda name, key: lookup(pin, "vta_" + name, key),
                       addr)
    return None if m is None else (m[0], m[2] + m[1][8:])


def route4(pin, net, slot=False):
    sv = fib4_slot(pin, int(net.network_address))
    if sv is None:
        return None
    e, v = sv
    gid, typ, _flags, _mtu, addr, plen = struct.unpack_from("<IBBH4sB", v, 0)
    # the longest match: insist on the exact prefix
    if addr != net.network_address.packed or plen != net.prefixlen:
        return None
    if slot:
        return e, v
    return typ, gid, group(pin, gid) if typ == 0 else []


def route(pin, prefix):
    net = ipaddress.ip_network(prefix, strict=False)
    if net.version == 4:
        return route4(pin, net)
    key = struct.pack("<I", net.prefixlen) + net.network_address.packed
    name = "vta_fib6"
    v = lookup(pin, name, key)
    if v is None:
        return None
    gid, typ, flags = struct.unpack_from("<IBB", v, 0)
    # an LPM lookup returns the longest match: insist on the exact prefix
    dump = bpftool("map", "dump", "pinned", f"{pin}/{name}") or []
    exact = any(raw(e["key"]) == key for e in dump)
    if not exact:
        return None
    return typ, gid, group(pin, gid) if typ == 0 else []


def main():
    pin, what = sys.argv[1], sys.argv[2]
    if what == "route":
        r = route(pin, sys.argv[3])
        if r is None:
            print("none")
            return 1
        typ, gid, members = r
        m = ",".join(f"{i}:{w}" for i, w in members or [])
        print(f"type {typ} group {gid} members {m}")
        return 0
    if what == "iface":
        # the slot as the programs find it: vta_ifidx[ifindex] (0 =
        # none) below VTA_IFIDX_DIRECT, vta_ifslot beyond;
        # vta_ifdata[slot]: seq, pad, two copies {ifindex, pad, struct
        # vta_iface} (a seqcount latch: readers take c[seq & 1]).  Two
        # lookups with one seq: a copy not rewritten in between.
        ifindex = int(sys.argv[3])
        k = struct.pack("<I", ifindex)
        s = lookup(pin, "vta_ifidx" if ifindex < IFIDX_DIRECT
                   else "vta_ifslot", k)
        if s == bytes(4):
            s = None
        v = None
        for _ in range(100) if s is not None else []:
            v = lookup(pin, "vta_ifdata", s)
            w = lookup(pin, "vta_ifdata", s)
            if v is None or w is None or v[:4] == w[:4]:
                break
        seq = struct.unpack_from("<I", v, 0)[0] if v is not None else 0
        off = 8 + (seq & 1) * 40
        if v is None or struct.unpack_from("<I", v, off)[0] != ifindex:
            print("none")
            return 1
        role, slot, mtu, mss4, mss6, flags = struct.unpack_from(
            "<IIIHHI", v, off + 8)
        print(f"role {role} slot {slot} mtu {mtu} flags {flags} seq {seq}")
        return 0
    if what == "ifidx":
        key = [f"{b:02x}" for b in struct.pack("<I", int(sys.argv[3]))]
        if len(sys.argv) < 5:
            v = lookup(pin, "vta_ifidx", bytes.fromhex("".join(key)))
            print(struct.unpack("<I", v)[0] if v else "none")
            return 0 if v else 1
        val = [f"{b:02x}" for b in struct.pack("<I", int(sys.argv[4]))]
        return subprocess.run(["bpftool", "map", "update", "pinned",
                               f"{pin}/vta_ifidx", "key", "hex", *key,
                               "value", "hex", *val]).returncode
    if what == "lease":
        v = lookup(pin, "vta_config", struct.pack("<I", 0))
        if v is None:
            return 1
        deadline, = struct.unpack_from("<Q", v, 0)
        print(deadline, time.clock_gettime_ns(time.CLOCK_MONOTONIC))
        return 0
    if what == "unlist":
        sv = route4(pin, ipaddress.ip_network(sys.argv[3], strict=False), True)
        if sv is None:
            return 1
        e, v = sv
        v = v[:13] + b"\0" + v[14:]
        key = [f"{b:02x}" for b in struct.pack("<I", e)]
        val = [f"{b:02x}" for b in v]
        r = subprocess.run(["bpftool", "map", "update", "pinned",
                            f"{pin}/vta_fib4_rt", "key", "hex", *key,
                            "value", "hex", *val])
        return r.returncode
    if what == "count" and sys.argv[3] in ("fib4", "vta_fib4"):
        # slot 0 of the route slots: the count the writer keeps
        v = lookup(pin, "vta_fib4_rt", struct.pack("<I", 0))
        print(struct.unpack_from("<I", v, 0)[0] if v else 0)
        return 0
    if what == "count":
        print(len(bpftool("map", "dump", "pinned", f"{pin}/{sys.argv[3]}") or []))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
