#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""UDP traffic through the gateway while its tunnel MTU churns
(tests/net/dp/ifchurn.sh).

  ifchurn.py --send-ns NS --recv-ns NS --cap-ns NS --cap-if IF[,IF]
             --dst ADDR --ready FILE --stop FILE

From --send-ns, UDP to ADDR:9999 with DF on every packet (PMTU
discovery in probe mode: the sender ignores frag-needed and keeps
sending), round robin over 16 source ports (ECMP spreads them) and three
IP sizes: small (200), mid (1350) and big (1450).  Each payload carries
its class and a counter; the rest is a pattern.  Received in --recv-ns
(a UDP socket) and captured on --cap-if in --cap-ns (the far ends of the
tunnels).  Touches --ready once every socket is open, stops sending when
--stop exists, drains until nothing has arrived for 0.5 s, prints one
line "RESULT {json}":

  sent/recv/cap: per class, packets sent, received, seen on the tunnels
  cap_max: the largest IP packet seen on the tunnels
  corrupt: packets received or seen whose payload is not what was sent
  bad_ttl: packets seen on the tunnels with a TTL other than 63
"""
import argparse
import json
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import nsnet  # noqa: E402

IP_MTU_DISCOVER = 10
IP_PMTUDISC_PROBE = 3
SIZES = {"small": 200, "mid": 1350, "big": 1450}
CLASSES = list(SIZES)
MAGIC = b"VTAC"
PORT = 9999


def payload(cls, n):
    size = SIZES[cls] - 28
    head = MAGIC + struct.pack("!BI", CLASSES.index(cls), n)
    body = bytes((i * 7 + n) & 0xff for i in range(size - len(head)))
    return head + body


def check(data):
    """Class name of a payload as sent, or None."""
    if len(data) < 9 or data[:4] != MAGIC or data[4] >= len(CLASSES):
        return None
    cls = CLASSES[data[4]]
    n = struct.unpack("!I", data[5:9])[0]
    return cls if data == payload(cls, n) else None


def main():
    ap = argparse.ArgumentParser()
    for a in ("send-ns", "recv-ns", "cap-ns", "cap-if", "dst", "ready",
              "stop"):
        ap.add_argument("--" + a, required=True)
    o = ap.parse_args()

    with nsnet.InNetns(o.send_ns):
        senders = []
        for _ in range(16):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER,
                         IP_PMTUDISC_PROBE)
            s.setblocking(False)
            s.bind(("0.0.0.0", 0))
            senders.append(s)
    with nsnet.InNetns(o.recv_ns):
        rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        nsnet.set_rcvbuf(rx, 8 << 20)
        rx.bind(("0.0.0.0", PORT))
        rx.setblocking(False)
    caps = nsnet.capture_sockets(o.cap_ns, o.cap_if.split(","))

    sent = dict.fromkeys(CLASSES, 0)
    send_err = 0
    recv = dict.fromkeys(CLASSES, 0)
    cap = dict.fromkeys(CLASSES, 0)
    corrupt = bad_ttl = cap_max = 0

    def drain():
        nonlocal corrupt, bad_ttl, cap_max
        got = 0
        while True:
            try:
                data = rx.recv(65535)
            except BlockingIOError:
                break
            got += 1
            cls = check(data)
            if cls:
                recv[cls] += 1
            else:
                corrupt += 1
        for l3 in nsnet.received(caps, wait=0):
            if len(l3) < 28 or l3[0] != 0x45 or l3[9] != 17:
                continue
            if struct.unpack("!H", l3[22:24])[0] != PORT:
                continue
            got += 1
            cap_max = max(cap_max, struct.unpack("!H", l3[2:4])[0])
            if l3[8] != 63:
                bad_ttl += 1
            cls = check(l3[28:])
            if cls:
                cap[cls] += 1
            else:
                corrupt += 1
        return got

    with open(o.ready, "w"):
        pass
    i = 0
    while not os.path.exists(o.stop):
        for _ in range(48):
            cls = CLASSES[i % 3]
            s = senders[(i // 3) % len(senders)]
            try:
                s.sendto(payload(cls, i), (o.dst, PORT))
                sent[cls] += 1
            except OSError:
                send_err += 1
            i += 1
        drain()
        time.sleep(0.002)  # pacing: about 10k packets per second at most
    quiet = time.monotonic()
    while time.monotonic() - quiet < 0.5:
        if drain():
            quiet = time.monotonic()
        time.sleep(0.01)
    print("RESULT " + json.dumps({
        "sent": sent, "send_errors": send_err, "recv": recv, "cap": cap,
        "cap_max": cap_max, "corrupt": corrupt, "bad_ttl": bad_ttl}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
