#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Where a failover's per-flow gaps arise, from one capture on cgw.

  gaps.py CAPTURE.txt EVENT_TIME PORT TUNNEL [--json]

CAPTURE.txt is `tcpdump -i any -tt -n -r ...` text of the lab's UDP
flows (flows.py) taken in cgw and read there (tcpdump names the devices
by the reader's ifindexes): every packet once where it entered cgw and
once where it left.  PORT is the flows' destination port; the flows go
lan -> vpc (they enter on eth1 and leave through a tunnel) or vpc -> lan
(the other way round), which the capture itself shows.  TUNNEL is the
one that stays up.

Per flow: the tunnel it used before EVENT_TIME (wall clock, time.time()),
the longest gap between packets entering cgw ("in": the sender and the
network before cgw) and leaving it ("out"), and when the out gap began
relative to the event.  A flow is "surviving" if it used the tunnel that
stayed up before the event: its out gap beyond its in gap is a stall
inside cgw that the failover caused to a flow it should not have touched.
Prints one line per flow and a summary; --json prints the summary as JSON.
"""
import json
import statistics
import sys


def parse(path, port):
    """-> {sport: [(t, ifname, direction)]} for packets to PORT."""
    flows = {}
    with open(path) as f:
        for line in f:
            w = line.split()
            # 1764337100.123456 eth1 In IP 10.16.16.10.43000 > 172.31.0.10.5003: UDP, ...
            if len(w) < 7 or w[3] not in ("IP", "IP6"):
                continue
            dst = w[6].rstrip(":")
            if dst.rsplit(".", 1)[-1] != str(port):
                continue
            sport = int(w[4].rsplit(".", 1)[-1])
            flows.setdefault(sport, []).append((float(w[0]), w[1], w[2]))
    return flows


def max_gap(ts):
    """-> (longest gap in s, time it began)"""
    best, at = 0.0, None
    for a, b in zip(ts, ts[1:]):
        if b - a > best:
            best, at = b - a, a
    return best, at


def main():
    path, event, port, keep = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    flows = parse(path, port)
    rows = []
    for sport, pk in sorted(flows.items()):
        # lan -> vpc enters on eth1; vpc -> lan enters through a tunnel
        up = any(i == "eth1" and d == "In" for _, i, d in pk)
        # a tunnel deleted since shows as whatever tcpdump makes of its
        # old ifindex: every device but eth1 counts as a tunnel
        def is_in(i, d):
            return d == "In" and (i == "eth1") == up
        def is_out(i, d):
            return d == "Out" and (i == "eth1") != up
        tin = sorted(t for t, i, d in pk if is_in(i, d))
        tout = sorted(t for t, i, d in pk if is_out(i, d))
        tun_pk = [i for t, i, d in pk if t < event and i != "eth1"]
        before = max(set(tun_pk), key=tun_pk.count) if tun_pk else "?"
        gin, _ = max_gap(tin)
        gout, at = max_gap(tout)
        rows.append({"sport": sport, "dir": "lan->vpc" if up else "vpc->lan",
                     "tunnel": before, "in_gap_ms": round(gin * 1000),
                     "out_gap_ms": round(gout * 1000),
                     "out_gap_from_event_ms": round((at - event) * 1000) if at else None,
                     "in": len(tin), "out": len(tout)})
    for r in rows:
        r["surviving"] = r["tunnel"] == keep
    tunnels = sorted({r["tunnel"] for r in rows if r["tunnel"] != "?"})
    if "--json" not in sys.argv:
        for r in rows:
            print("%-9s %5d %-6s in gap %6d ms  out gap %6d ms (began %s ms after the event)  in %d out %d" %
                  (r["dir"], r["sport"], r["tunnel"], r["in_gap_ms"], r["out_gap_ms"],
                   r["out_gap_from_event_ms"], r["in"], r["out"]))
    summary = {}
    for t in tunnels:
        rs = [r for r in rows if r["tunnel"] == t]
        summary[t] = {"flows": len(rs),
                      "in_gap_median_ms": statistics.median(r["in_gap_ms"] for r in rs),
                      "out_gap_median_ms": statistics.median(r["out_gap_ms"] for r in rs),
                      "out_gap_max_ms": max(r["out_gap_ms"] for r in rs),
                      "out_minus_in_median_ms": statistics.median(r["out_gap_ms"] - r["in_gap_ms"] for r in rs)}
    if "--json" in sys.argv:
        json.dump(summary, sys.stdout)
        print()
    else:
        for t, s in summary.items():
            print("flows that used %s before the event: %d, median gap in %d ms / out %d ms (out - in: median %d ms), max out %d ms" %
                  (t, s["flows"], s["in_gap_median_ms"], s["out_gap_median_ms"],
                   s["out_minus_in_median_ms"], s["out_gap_max_ms"]))


main()
