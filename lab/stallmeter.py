#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The longest stall this machine imposed on a process, until SIGTERM.

  stallmeter.py [--ready FILE]
                       one meter per CPU it may run on, each pinned to
                       its CPU, sleeping 10 ms in a loop; FILE is created
                       once all of them run; on SIGTERM prints
                       "max_stall_ms N": the longest oversleep any saw

Under plain emulation (TCG) on a loaded host the whole guest, or one of
its vCPUs, stops for hundreds of milliseconds now and then.  A timing
check of the lab (a 1 s failover budget, a gap between packets) measured
over the same window adds this to its budget and says so: the stall is
the machine's, not the gateway's.  A meter on one CPU would not see a
stall of the other (the one the daemon ran on), hence one per CPU.
"""
import os
import signal
import sys
import time


def meter(cpu, wfd, parent):
    """A child: pinned to cpu, measures until SIGTERM, writes its worst;
    ends with its parent."""
    worst = 0.0

    def done(*_):
        os.write(wfd, b"%.0f\n" % worst)
        os._exit(0)

    signal.signal(signal.SIGTERM, done)
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError:
        pass  # still a meter, on whichever CPU it gets
    os.write(wfd, b"up\n")
    prev = time.monotonic()
    while True:
        time.sleep(0.01)
        now = time.monotonic()
        worst = max(worst, (now - prev - 0.01) * 1000)
        prev = now
        if os.getppid() != parent:
            os._exit(0)


def main():
    ready = None
    if len(sys.argv) == 3 and sys.argv[1] == "--ready":
        ready = sys.argv[2]
    elif len(sys.argv) != 1:
        sys.exit("usage: stallmeter.py [--ready FILE]")
    kids = []
    parent = os.getpid()
    for cpu in sorted(os.sched_getaffinity(0)):
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(r)
            meter(cpu, w, parent)
        os.close(w)
        kids.append((pid, os.fdopen(r)))
    # the children's signal handlers are in place once they said "up"
    for _, f in kids:
        f.readline()
    if ready:
        open(ready, "w").close()

    def done(*_):
        worst = 0
        for pid, f in kids:
            os.kill(pid, signal.SIGTERM)
        for pid, f in kids:
            line = f.readline().strip()
            os.waitpid(pid, 0)
            if line:
                worst = max(worst, int(line))
        print("max_stall_ms %d" % worst, flush=True)
        sys.exit(0)

    signal.signal(signal.SIGTERM, done)
    while True:
        signal.pause()


if __name__ == "__main__":
    main()
