#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The lease means "the maps are a complete mirror" (issue 11, item 5).

A gateway namespace with LEASE_ROUTES routes through a tunnel stand-in;
`vtiaccel run` starts.  From the moment the programs are pinned, the
config map is polled (bpf(2) directly: microseconds per read, so the
start-up dump cannot finish unseen); the first time the lease is live,
sample routes spread over the whole table are looked up in the FIB map
at once.  Every one must be there: a lease given before the first dump
is written lets packets follow a covering prefix (here: a default route
into the other tunnel) before the more specific route is in the map,
where the kernel sends them elsewhere.

Prints "lease_current: N passed, N failed[, N skipped]".
"""
import ctypes
import os
import platform
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
BUILD = os.environ.get("BUILD", "build")
if not os.path.isabs(BUILD):
    BUILD = os.path.join(ROOT, BUILD)
VTA = os.path.join(BUILD, "vtiaccel")
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import fib4tab  # noqa: E402

TAG = "lease_current"
N = int(os.environ.get("LEASE_ROUTES", "50000"))
NR_BPF = {"x86_64": 321, "aarch64": 280}.get(platform.machine())
BPF_MAP_LOOKUP_ELEM, BPF_OBJ_GET = 1, 7
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    r = libc.syscall(ctypes.c_long(NR_BPF), ctypes.c_long(cmd), buf,
                     ctypes.c_long(128))
    return r, ctypes.get_errno()


def obj_get(path):
    p = ctypes.create_string_buffer(path.encode())
    r, _ = bpf(BPF_OBJ_GET, struct.pack("QII", ctypes.addressof(p), 0, 0))
    return r


def lookup(fd, key, vsize):
    k = ctypes.create_string_buffer(key, len(key))
    v = ctypes.create_string_buffer(vsize)
    r, _ = bpf(BPF_MAP_LOOKUP_ELEM, struct.pack(
        "IIQQQ", fd, 0, ctypes.addressof(k), ctypes.addressof(v), 0))
    return v.raw if r == 0 else None


def fib4_has(l1_fd, l2_fd, rt_fd, a, plen):
    """a/plen (a an int) is what the programs' lookup finds for a
    (tests/lib/fib4tab.py)."""
    fds = {"fib4_l1": l1_fd, "fib4_l2": l2_fd, "fib4_rt": rt_fd}
    m = fib4tab.lookup(lambda name, key: lookup(
        fds[name], key, 16 if name == "fib4_rt" else 1024), a)
    return m is not None and m[1][8:12] == struct.pack("!I", a) and \
        m[1][12] == plen



def main():
    passed = failed = 0

    def done():
        print("%s: %d passed, %d failed" % (TAG, passed, failed))
        return 0 if failed == 0 else 1

    if os.geteuid() != 0:
        print("%s: needs root: skipped\n%s: 0 passed, 0 failed, 1 skipped" % (TAG, TAG))
        return 0
    if NR_BPF is None:
        print("%s: bpf(2) number unknown on %s: skipped" % (TAG, platform.machine()))
        print("%s: 0 passed, 0 failed, 1 skipped" % TAG)
        return 0
    pid = os.getpid()
    gw, pe = "vtaNT%d-lease-gw" % pid, "vtaNT%d-lease-pe" % pid
    pin = "/sys/fs/bpf/vtaNT%d-lease" % pid
    proc = None
    tmp = tempfile.mkdtemp(prefix="vtaNT%d-lease." % pid)
    try:
        subprocess.run(["ip", "netns", "add", gw], check=True)
        subprocess.run(["ip", "netns", "add", pe], check=True)
        subprocess.run(["ip", "-batch", "-"], check=True, text=True, input="".join(
            "link add %s netns %s type veth peer name p%s netns %s\n" % (d, gw, d, pe)
            for d in ("lan0", "vti1", "vti2")))
        lines = ["link set lo up"]
        for d, a in (("lan0", "10.1.0.1/24"), ("vti1", "169.254.10.1/30"),
                     ("vti2", "169.254.11.1/30")):
            lines += ["addr add %s dev %s" % (a, d), "link set %s up" % d]
            subprocess.run(["ip", "-n", pe, "link", "set", "p" + d, "up"], check=True)
        # the covering route: everything else into vti2
        lines.append("route add 10.0.0.0/8 via 169.254.11.2 dev vti2")
        base = (10 << 24) | (128 << 16)
        for i in range(N):
            a = socket.inet_ntoa(struct.pack("!I", base + i * 256))
            lines.append("route add %s/24 via 169.254.10.2 dev vti1" % a)
        subprocess.run(["ip", "-n", gw, "-batch", "-"], check=True, text=True,
                       input="\n".join(lines) + "\n")
        samples = [base + (i * N // 64) * 256 for i in range(64)] + [base + (N - 1) * 256]
        log = open(os.path.join(tmp, "daemon.log"), "w")
        proc = subprocess.Popen(["nsenter", "--net=/run/netns/" + gw, VTA, "run",
                                 "--pin-root", pin, "--lan", "lan0", "--tunnel", "vti*",
                                 "--xdp", "no"], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        cfg_fd = l1_fd = l2_fd = rt_fd = -1
        verdict = None
        polls = 0
        while time.monotonic() < deadline and proc.poll() is None:
            if cfg_fd < 0:
                cfg_fd = obj_get(pin + "/vta_config")
                l1_fd = obj_get(pin + "/vta_fib4_l1")
                l2_fd = obj_get(pin + "/vta_fib4_l2")
                rt_fd = obj_get(pin + "/vta_fib4_rt")
                if min(cfg_fd, l1_fd, l2_fd, rt_fd) < 0:
                    cfg_fd = -1
                    time.sleep(0.001)
                    continue
            v = lookup(cfg_fd, struct.pack("I", 0), 16)
            polls += 1
            if v and struct.unpack_from("Q", v)[0]:
                missing = sum(1 for a in samples
                              if not fib4_has(l1_fd, l2_fd, rt_fd, a, 24))
                verdict = missing
                break
        if verdict is None:
            print("%s: FAIL: the lease never became live (daemon log %s)" % (TAG, log.name))
            print(open(log.name).read()[-1500:])
            failed += 1
        elif verdict:
            print("%s: FAIL: lease live with %d of %d sample routes (of %d) not yet in "
                  "the map: packets to them would follow 10.0.0.0/8 into vti2" % (
                      TAG, verdict, len(samples), N))
            failed += 1
        else:
            print("%s: ok: lease first live with all %d sample routes of %d in the map "
                  "(%d polls)" % (TAG, len(samples), N, polls))
            passed += 1
    except (subprocess.CalledProcessError, OSError) as e:
        print("%s: FAIL: setup: %s" % (TAG, e))
        failed += 1
    except Exception:  # still a counted failure, with its traceback
        print("%s: FAIL: %s" % (TAG, traceback.format_exc()))
        failed += 1
    finally:
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for ns in (gw, pe):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
        subprocess.run(["rm", "-rf", pin, tmp])
    return done()


if __name__ == "__main__":
    sys.exit(main())
