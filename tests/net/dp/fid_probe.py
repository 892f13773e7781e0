#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Probe frames for tests/net/dp/fidelity.sh.

recv PORT SECONDS
    in the destination namespace: count UDP datagrams to PORT (IPv4 and
    IPv6) that start with b"PROBE" until one starting with b"END"
    arrives; print the count ("count N"), or "timeout N" after SECONDS.
send IFACE DSTMAC SRC DST PORT COUNT [df] [size=N] [srcport=N] [noend]
    in the source namespace: COUNT crafted Ethernet/IP/UDP frames with
    payload b"PROBE..." through an AF_PACKET socket on IFACE (any
    destination MAC, any source address), then b"END" through an
    ordinary UDP socket, which the kernel routes from the host's own
    address: once END arrived, every probe that was going to arrive has
    (same path, in order).  noend: no END (the router cannot forward it
    yet; `end` follows once it can).
end DST PORT
    b"END" alone.  A veth transmit runs the peer's receive path in the
    sender's softirq before send() returns, so probes sent earlier have
    passed the router's forwarding decision by then.
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "lib"))
from pkt import csum, l4_csum  # noqa: E402


def frame(dmac, smac, src, dst, sport, dport, payload, df):
    udp_len = 8 + len(payload)
    if ":" in dst:
        s, d = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
        udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
        c = l4_csum(6, src, dst, 17, udp) or 0xffff
        udp = udp[:6] + struct.pack("!H", c) + udp[8:]
        ip = struct.pack("!IHBB", 6 << 28, udp_len, 17, 64) + s + d
        return dmac + smac + b"\x86\xdd" + ip + udp
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0x1234,
                      0x4000 if df else 0, 64, 17, 0, s, d)
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return dmac + smac + b"\x08\x00" + hdr + udp


def mac(text):
    return bytes(int(x, 16) for x in text.split(":"))


def recv(port, seconds):
    socks = []
    for fam, addr in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        if fam == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((addr, port))
        s.setblocking(False)
        socks.append(s)
    print("ready", flush=True)
    n, deadline = 0, time.time() + seconds
    import select
    while time.time() < deadline:
        r, _, _ = select.select(socks, [], [], max(0, deadline - time.time()))
        for s in r:
            data = s.recv(65536)
            if data.startswith(b"PROBE"):
                n += 1
            elif data.startswith(b"END"):
                print("count %d" % n, flush=True)
                return 0
    print("timeout %d" % n, flush=True)
    return 1


def send(argv):
    iface, dmac, src, dst, port, count = argv[:6]
    opts = dict(a.split("=", 1) if "=" in a else (a, "1") for a in argv[6:])
    size = int(opts.get("size", 64))
    sport = int(opts.get("srcport", 40000))
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    hdr = 40 + 8 if fam == socket.AF_INET6 else 20 + 8
    payload = b"PROBE" + b"x" * max(0, size - hdr - 5)
    p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    p.bind((iface, 0))
    smac = p.getsockname()[4][:6]
    f = frame(mac(dmac), smac, src, dst, sport, int(port), payload, "df" in opts)
    for _ in range(int(count)):
        p.send(f)
    if "noend" not in opts:
        end(dst, port)
    return 0


def end(dst, port):
    fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    # three: one lost marker (a neighbour entry being resolved) must not
    # turn into a timeout; the receiver stops at the first
    for _ in range(3):
        s.sendto(b"END", (dst, int(port)))
    return 0


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == "recv":
        return recv(int(sys.argv[2]), float(sys.argv[3]))
    if len(sys.argv) >= 8 and sys.argv[1] == "send":
        return send(sys.argv[2:])
    if len(sys.argv) == 4 and sys.argv[1] == "end":
        return end(sys.argv[2], sys.argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
