#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""UDP flows with sequence numbers, for the lab's ECMP and failover checks.

  flows.py send DST PORT --flows N --sport BASE --pps P --seconds S
      N flows (source ports BASE..BASE+N-1), P packets/s each, S seconds.
  flows.py recv PORT --seconds S [--ready FILE] [--ipv6]
      Counts per source port until S seconds have passed; prints one JSON
      object: {"SPORT": {"rx": n, "max_gap_ms": g, "gap_end": t, "first": seq,
      "last": seq}}.  max_gap_ms is the longest time between two consecutive
      arrivals of a flow: the outage a failover caused to it; gap_end the
      wall-clock time (time.time()) it ended.  --ready FILE is created
      once the socket is bound.  SIGTERM ends either early (recv still
      prints what it counted).  send uses IPv6 when DST is an IPv6
      address; recv listens on IPv6 only with --ipv6.
"""
import argparse
import json
import os
import signal
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "lib"))
from pkt import set_rcvbuf  # noqa: E402


def send(a):
    socks = []
    v6 = ":" in a.dst
    for i in range(a.flows):
        s = socket.socket(socket.AF_INET6 if v6 else socket.AF_INET,
                          socket.SOCK_DGRAM)
        if v6:
            # not dual-stack: IPv4 flows may use the same source ports
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind(("::" if v6 else "0.0.0.0", a.sport + i))
        socks.append(s)
    interval = 1.0 / a.pps
    t0 = time.monotonic()
    seq = 0
    end = t0 + a.seconds
    payload = bytes(a.size)
    while True:
        now = time.monotonic()
        if now >= end:
            break
        for s in socks:
            try:
                s.sendto(struct.pack("!I", seq) + payload, (a.dst, a.port))
            except OSError:
                pass  # no route during a failover: the gap shows it
        seq += 1
        delay = t0 + seq * interval - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print(json.dumps({"sent_per_flow": seq}))


def recv(a):
    s = socket.socket(socket.AF_INET6 if a.ipv6 else socket.AF_INET,
                      socket.SOCK_DGRAM)
    set_rcvbuf(s, 4 << 20)  # past net.core.rmem_max: a late reader loses nothing
    if a.ipv6:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind(("::" if a.ipv6 else "0.0.0.0", a.port))
    if a.ready:
        open(a.ready, "w").close()
    flows = {}
    end = time.monotonic() + a.seconds
    try:
        recv_loop(s, flows, end)
    except Stop:
        pass
    for f in flows.values():
        del f["t"]
    json.dump({str(k): v for k, v in sorted(flows.items())}, sys.stdout)
    print()


def recv_loop(s, flows, end):
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data, addr = s.recvfrom(2048)
            src, sport = addr[0], addr[1]
        except socket.timeout:
            break
        now = time.monotonic()
        seq = struct.unpack("!I", data[:4])[0] if len(data) >= 4 else 0
        f = flows.get(sport)
        if f is None:
            flows[sport] = {"rx": 1, "max_gap_ms": 0.0, "first": seq,
                            "last": seq, "t": now, "src": src}
            continue
        f["rx"] += 1
        gap = (now - f["t"]) * 1000.0
        if gap > f["max_gap_ms"]:
            f["max_gap_ms"] = round(gap, 1)
            # wall clock at the end of that gap, to match daemon logs
            f["gap_end"] = round(time.time(), 3)
        f["t"] = now
        f["last"] = seq


class Stop(Exception):
    pass


def stop(*_):
    raise Stop()


def main():
    signal.signal(signal.SIGTERM, stop)
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    ps = sub.add_parser("send")
    ps.add_argument("dst")
    ps.add_argument("port", type=int)
    ps.add_argument("--flows", type=int, default=1)
    ps.add_argument("--sport", type=int, default=40000)
    ps.add_argument("--pps", type=float, default=50)
    ps.add_argument("--seconds", type=float, default=5)
    ps.add_argument("--size", type=int, default=32)
    pr = sub.add_parser("recv")
    pr.add_argument("port", type=int)
    pr.add_argument("--seconds", type=float, default=10)
    pr.add_argument("--ready")
    pr.add_argument("--ipv6", action="store_true")
    a = p.parse_args()
    try:
        send(a) if a.cmd == "send" else recv(a)
    except Stop:
        pass


if __name__ == "__main__":
    main()
