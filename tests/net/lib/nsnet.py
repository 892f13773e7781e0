# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Packet sockets in other network namespaces, for the net tier.

A socket stays in the namespace it was created in, so one process can send
from one namespace and capture in another: switch with setns(2), open the
socket, switch back.  No /sys lookups (the host's /sys shows the host).

As a tool:
  nsnet.py sendcap --send-ns NS --send-if IF --dst-mac MAC
                   --cap-ns NS --cap-if IF[,IF] --l3 HEX [--l3 HEX...]
                   [--count N] [--timeout S]
      send each L3 packet (IPv4/IPv6, hex) N times in an Ethernet frame,
      print how many copies of them arrived on the capture interfaces
      (matched by addresses and IPv4 id / IPv6 flow label)
"""
import ctypes
import os
import select
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
from pkt import set_rcvbuf  # noqa: E402

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 3
_libc = ctypes.CDLL(None, use_errno=True)


def _setns_fd(fd):
    if _libc.setns(fd, CLONE_NEWNET):
        e = ctypes.get_errno()
        raise OSError(e, "setns: %s" % os.strerror(e))


class InNetns:
    """with InNetns("name"): ... runs the body in /run/netns/name."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.home = os.open("/proc/self/ns/net", os.O_RDONLY)
        fd = os.open("/run/netns/" + self.name, os.O_RDONLY)
        try:
            _setns_fd(fd)
        finally:
            os.close(fd)

    def __exit__(self, *exc):
        _setns_fd(self.home)
        os.close(self.home)


def capture_sockets(ns, ifnames):
    socks = []
    with InNetns(ns):
        for ifname in ifnames:
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                              socket.htons(ETH_P_ALL))
            set_rcvbuf(s, 4 << 20)
            s.bind((ifname, 0))
            s.setblocking(False)
            socks.append(s)
    return socks


def sender(ns, ifname):
    """(socket, its MAC) for raw Ethernet frames out of ns/ifname."""
    with InNetns(ns):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind((ifname, 0))
    return s, s.getsockname()[4]


def eth(dst_mac, src_mac, l3):
    etype = 0x0800 if l3[0] >> 4 == 4 else 0x86dd
    return dst_mac + src_mac + struct.pack("!H", etype) + l3


def received(socks, wait=0.02):
    """Yield the L3 bytes of every frame received (not sent) so far."""
    r, _, _ = select.select(socks, [], [], wait)
    for s in r:
        while True:
            try:
                frame, addr = s.recvfrom(65535)
            except BlockingIOError:
                break
            if addr[2] != socket.PACKET_OUTGOING:
                yield frame[14:]


def flow_key(l3):
    """Addresses + IPv4 id or IPv6 flow label: survives forwarding."""
    if len(l3) >= 20 and l3[0] >> 4 == 4:
        return (4, l3[4:6], l3[12:20])
    if len(l3) >= 40 and l3[0] >> 4 == 6:
        return (6, bytes([l3[1] & 15]) + l3[2:4], l3[8:40])
    return None


def main():
    import argparse
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("sendcap")
    p.add_argument("--send-ns", required=True)
    p.add_argument("--send-if", required=True)
    p.add_argument("--dst-mac", required=True)
    p.add_argument("--cap-ns", required=True)
    p.add_argument("--cap-if", required=True)
    p.add_argument("--l3", action="append", required=True)
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--timeout", type=float, default=2.0)
    a = ap.parse_args()
    caps = capture_sockets(a.cap_ns, a.cap_if.split(","))
    tx, src_mac = sender(a.send_ns, a.send_if)
    dst_mac = bytes.fromhex(a.dst_mac.replace(":", ""))
    pkts = [bytes.fromhex(h) for h in a.l3]
    keys = {flow_key(p) for p in pkts}
    want, got = len(pkts) * a.count, 0
    for _ in range(a.count):
        for p in pkts:
            tx.send(eth(dst_mac, src_mac, p))
    deadline = time.monotonic() + a.timeout
    # all copies arrive, or the deadline passes (packets that are dropped
    # never come: the deadline is what a drop costs)
    while got < want and time.monotonic() < deadline:
        got += sum(1 for l3 in received(caps) if flow_key(l3) in keys)
    print(got)


if __name__ == "__main__":
    main()
