#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The longest stall this machine imposed on a process, until SIGTERM.

  stallmeter.py        sleeps 10 ms in a loop; on SIGTERM prints
                       "max_stall_ms N": the longest oversleep seen

Under plain emulation (TCG) on a loaded host the whole guest, or a
CPU-starved process in it, stops for hundreds of milliseconds now and
then.  A timing check of the lab (a 1 s failover budget, a gap between
packets) measured over the same window adds this to its budget and says
so: the stall is the machine's, not the gateway's.
"""
import signal
import sys
import time

worst = 0.0


def done(*_):
    print("max_stall_ms %.0f" % worst, flush=True)
    sys.exit(0)


signal.signal(signal.SIGTERM, done)
prev = time.monotonic()
while True:
    time.sleep(0.01)
    now = time.monotonic()
    worst = max(worst, (now - prev - 0.01) * 1000)
    prev = now
