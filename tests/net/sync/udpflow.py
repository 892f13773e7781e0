#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""UDP traffic for the churn soak: PPS packets per second in total, round
robin over the destination addresses (IPv4 or IPv6) and 16 source ports
each (so that ECMP spreads them), until STOPFILE exists.  Send errors (no
route while the churn has none) are counted, not fatal.

  udpflow.py PPS STOPFILE DST...

Prints "udpflow: N sent, E send errors" at the end."""
import os
import socket
import sys
import time


def main():
    pps, stopfile, dsts = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    socks = {}
    for fam in (socket.AF_INET, socket.AF_INET6):
        socks[fam] = []
        for _ in range(16):
            s = socket.socket(fam, socket.SOCK_DGRAM)
            s.setblocking(False)
            s.bind(("0.0.0.0" if fam == socket.AF_INET else "::", 0))
            socks[fam].append(s)
    sent = errors = 0
    t0 = time.monotonic()
    i = 0
    payload = b"vtiaccel churn soak"
    while not os.path.exists(stopfile):
        want = int((time.monotonic() - t0) * pps)
        while sent + errors < want:
            d = dsts[i % len(dsts)]
            fam = socket.AF_INET6 if ":" in d else socket.AF_INET
            s = socks[fam][(i // len(dsts)) % 16]
            i += 1
            try:
                s.sendto(payload, (d, 9))
                sent += 1
            except OSError:
                errors += 1
        time.sleep(0.005)  # the pacing tick
    print(f"udpflow: {sent} sent, {errors} send errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
