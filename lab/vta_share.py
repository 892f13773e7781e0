#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Fast-path share between two `vtiaccel stats -j` snapshots.

  vta_share.py BEFORE.json AFTER.json [--min PCT] IFACE...

Per interface, from the counter deltas: forwarded = fwd_* (tc and XDP),
transit passed = every pass_* except pass_local (for the gateway itself:
BGP, pings of its addresses), pass_not_ip (ARP) and pass_not_host (multicast
and broadcast frames: IPv6 neighbour discovery, MLD; the kernel forwards none
of them) and pass_mark_off (the WAN's), as `vtiaccel stats` counts its
share; share = forwarded /
(forwarded + transit passed).  Prints one line per interface with the
largest pass reasons; exit 1 if an interface is below --min or saw no
transit packet at all.  The interfaces listed are checked as one group
(both tunnels together: one flow may hash onto one of them only).
"""
import json
import sys


def counters(path):
    with open(path) as f:
        doc = json.load(f)
    return {i["name"]: {k: v["packets"] for k, v in i["counters"].items()}
            for i in doc["interfaces"]}


def main():
    args = sys.argv[1:]
    lo = None
    if "--min" in args:
        i = args.index("--min")
        lo = float(args[i + 1])
        del args[i:i + 2]
    before, after, ifaces = counters(args[0]), counters(args[1]), args[2:]
    tf = tp = 0
    for name in ifaces:
        a, b = after.get(name, {}), before.get(name, {})
        d = {k: a[k] - b.get(k, 0) for k in a}
        fwd = sum(v for k, v in d.items() if k.startswith("fwd_"))
        passed = {k: v for k, v in d.items() if k.startswith("pass_")
                  and k not in ("pass_local", "pass_not_ip", "pass_not_host",
                                "pass_mark_off")
                  and v}
        npass = sum(passed.values())
        share = 100.0 * fwd / (fwd + npass) if fwd + npass else 0.0
        why = ", ".join("%s %d" % kv for kv in
                        sorted(passed.items(), key=lambda kv: -kv[1])[:3])
        print("%-6s forwarded %7d  passed %6d%s  fast-path share %.2f%%" %
              (name, fwd, npass, " (%s)" % why if why else "", share))
        tf, tp = tf + fwd, tp + npass
    share = 100.0 * tf / (tf + tp) if tf + tp else 0.0
    if len(ifaces) > 1:
        print("%-6s forwarded %7d  passed %6d  fast-path share %.2f%%" %
              ("+".join(ifaces), tf, tp, share))
    sys.exit(0 if tf + tp and (lo is None or share >= lo) else 1)


main()
