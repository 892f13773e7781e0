#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Summarise flows.py recv output of a failover: per flow the longest gap.

  outage.py LABEL RX.json FLOWS [--max-ms M]

Prints "LABEL: N/FLOWS flows, K interrupted (gap > 200 ms), outage median
X ms, max Y ms, least Z ms".  The least of the flows' longest gaps is what
every flow saw, also those on the surviving tunnel: a stall of the whole
(emulated, CPU-starved) guest rather than the failover.  Exit 1 if a flow is missing, never resumed after the
failover (its longest gap is its tail: it stopped) or any gap exceeds M.
"""
import json
import statistics
import sys

label, path, nflows = sys.argv[1], sys.argv[2], int(sys.argv[3])
lim = float(sys.argv[sys.argv.index("--max-ms") + 1]) if "--max-ms" in sys.argv else None
with open(path) as f:
    d = json.load(f)
gaps = sorted(f["max_gap_ms"] for f in d.values())
hit = [g for g in gaps if g > 200]
med = statistics.median(hit) if hit else 0
print("%s: %d/%d flows, %d interrupted (gap > 200 ms), outage median %.0f ms, max %.0f ms, least %.0f ms"
      % (label, len(d), nflows, len(hit), med, max(gaps or [0]), min(gaps or [0])))
ok = len(d) == nflows and all(f["rx"] > 10 for f in d.values())
if lim is not None and gaps and gaps[-1] > lim:
    ok = False
sys.exit(0 if ok else 1)
