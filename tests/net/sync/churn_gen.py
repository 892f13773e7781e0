#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Route churn for tests/net/sync/test_churn.sh: feeds `ip -force -batch -`
in namespace NS at RATE commands per second for SECS seconds, paced in
10 ms ticks (a pipe that blocks slows it down, with no catch-up burst
after: the rate printed is what the kernel and ip sustained, not the
target).

  churn_gen.py NS RATE SECS SEED SLOTS FLAP_MS

The commands (random, seeded):
  - add / replace / delete of SLOTS /32s in 100.64.0.0/10, each via one
    tunnel, two (RTA_MULTIPATH) or a nexthop group (nhid 600..609);
  - nexthop group replaces (600..609: subsets of 621..623, one per tunnel);
  - replaces of the three flow routes of the test, each only ever with
    the tunnels of its ALLOWED set, and of their groups (500, 510);
  - add / delete of prefixes next to the flows' destinations
    (172.16.N.128/25, 172.16.N.2/31, 172.16.N.0/32) via any tunnel: they
    must not change where the flows go;
  - every FLAP_MS a link flap (down, up 150 ms later) of one tunnel, the
    nexthop objects the kernel drops with it added back after the up.
Commands the kernel refuses (a delete of an absent route, a group whose
nexthop went with a link) are part of the churn: counted, not fatal.
Prints "churn: N commands in T s (R/s), E refused by the kernel, A changes/s
accepted, F flaps".
"""
import random
import subprocess
import threading
import sys
import time

TUN = {1: ("vti1", "169.254.10.2"), 2: ("vti2", "169.254.11.2"),
       3: ("vti3", "169.254.12.2")}
# The flows of test_churn.sh: destination network -> tunnels it may use.
FLOWS = {"172.16.1.0/24": (1, 2), "172.16.2.0/24": (3,),
         "172.16.3.0/24": (2, 3)}
FLOW_GROUP = {"172.16.1.0/24": 500, "172.16.2.0/24": 503,
              "172.16.3.0/24": 510}


def via(t):
    return f"via {TUN[t][1]} dev {TUN[t][0]}"


def base_nexthops(t=None):
    """The nexthop objects (re)created: flow ones and churn ones."""
    out = []
    for i in ([t] if t else TUN):
        out.append(f"nexthop replace id {500 + i} {via(i)}")
        out.append(f"nexthop replace id {620 + i} {via(i)}")
    return out


def subset(r, tuns):
    k = r.randint(1, len(tuns))
    return sorted(r.sample(tuns, k))


def group_cmd(r, gid, ids):
    members = "/".join(f"{i},{r.randint(1, 4)}" if r.random() < 0.3 else str(i)
                       for i in ids)
    return f"nexthop replace id {gid} group {members}"


def route_form(r, tuns, gid=None):
    """A route over a subset of tuns: single, multipath or a group."""
    c = r.random()
    if gid is not None and c < 0.4:
        return f"nhid {gid}"
    s = subset(r, list(tuns))
    if len(s) == 1:
        return via(s[0])
    return " ".join(f"nexthop {via(t)} weight {r.randint(1, 3)}" for t in s)


def command(r, slots):
    c = r.random()
    if c < 0.60:
        i = r.randrange(slots)
        p = f"100.{64 + (i >> 16)}.{(i >> 8) & 255}.{i & 255}/32"
        d = r.random()
        if d < 0.30:
            return f"route del {p}"
        verb = "add" if d < 0.55 else "replace"
        return f"route {verb} {p} {route_form(r, (1, 2, 3), 600 + r.randrange(10))}"
    if c < 0.72:
        gid = 600 + r.randrange(10)
        return group_cmd(r, gid, [620 + t for t in subset(r, [1, 2, 3])])
    if c < 0.86:
        net = r.choice(list(FLOWS))
        tuns = FLOWS[net]
        if r.random() < 0.5 and len(tuns) > 1:
            return group_cmd(r, FLOW_GROUP[net],
                             [500 + t for t in subset(r, list(tuns))])
        return f"route replace {net} {route_form(r, tuns, FLOW_GROUP[net])}"
    n = r.randint(1, 3)
    p = r.choice([f"172.16.{n}.128/25", f"172.16.{n}.2/31", f"172.16.{n}.0/32"])
    if r.random() < 0.4:
        return f"route del {p}"
    return f"route replace {p} {route_form(r, (1, 2, 3), 600 + r.randrange(10))}"


def main():
    ns, rate, secs, seed, slots, flap_ms = (sys.argv[1], int(sys.argv[2]),
                                            float(sys.argv[3]),
                                            int(sys.argv[4]),
                                            int(sys.argv[5]),
                                            int(sys.argv[6]))
    r = random.Random(seed)
    ip = subprocess.Popen(["ip", "-n", ns, "-force", "-batch", "-"],
                          stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True, bufsize=1 << 16)
    # refused commands: ip prints one "Command failed" line for each
    refused = [0]

    def drain():
        for line in ip.stderr:
            if line.startswith("Command failed"):
                refused[0] += 1
    th = threading.Thread(target=drain, daemon=True)
    th.start()

    sent = flaps = 0
    t0 = last = time.monotonic()
    next_flap = t0 + flap_ms / 1000.0
    up_at = None
    down = None
    lines = base_nexthops()
    # A token bucket of at most two ticks: when ip falls behind, the
    # generator waits for it (the pipe blocks) and does not catch up in
    # bursts afterwards; the rate printed is the one sustained.
    tokens = 0.0
    while True:
        now = time.monotonic()
        if now - t0 >= secs:
            break
        if flap_ms and down is None and now >= next_flap:
            down = r.choice(list(TUN))
            lines.append(f"link set {TUN[down][0]} down")
            up_at = now + 0.15
            flaps += 1
        elif down is not None and now >= up_at:
            lines.append(f"link set {TUN[down][0]} up")
            lines += base_nexthops(down)
            down = None
            next_flap = now + flap_ms / 1000.0
        tokens = min(tokens + (now - last) * rate, rate * 0.02)
        last = now
        while tokens >= 1:
            lines.append(command(r, slots))
            tokens -= 1
        if lines:
            ip.stdin.write("\n".join(lines) + "\n")
            ip.stdin.flush()
            sent += len(lines)
            lines = []
        time.sleep(0.01)  # the pacing tick
    tail = []
    if down is not None:
        tail.append(f"link set {TUN[down][0]} up")
        tail += base_nexthops(down)
    ip.stdin.write("\n".join(tail) + "\n" if tail else "")
    sent += len(tail)
    ip.stdin.close()
    ip.wait()
    th.join(5)
    dt = time.monotonic() - t0
    print(f"churn: {sent} commands in {dt:.1f} s ({sent / dt:.0f}/s), "
          f"{refused[0]} refused by the kernel, "
          f"{(sent - refused[0]) / dt:.0f} changes/s accepted, {flaps} flaps")
    return 0 if ip.returncode in (0, 1) else 1


if __name__ == "__main__":
    sys.exit(main())
