# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""What the cli tests share: the binary under test, commands run in a
namespace, polling for a condition, and `vtiaccel run` in a namespace
with its log."""
import os
import signal
import subprocess
import tempfile
import time

import pytest

BUILD = os.environ.get("VTA_BUILD", os.path.abspath("build"))
VTA = os.path.join(BUILD, "vtiaccel")


def nsx(ns):
    return ["nsenter", "--net=/run/netns/" + ns]


HOOKPROGS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                         "..", "lib", "hookprogs.py")


def hook_progs(ns, dev, direction="ingress"):
    """[(hook, name, id)]: the BPF programs the kernel runs on dev's tc
    hook in namespace ns, tcx links ([forward] attach = auto on Linux
    6.6+) first, then cls_bpf filters (tests/net/lib/hookprogs.py)."""
    r = subprocess.run(nsx(ns) + ["/usr/bin/python3", HOOKPROGS, dev,
                                  direction], check=True, text=True,
                       capture_output=True)
    return [(h, n, int(i)) for h, n, i in
            (line.split() for line in r.stdout.splitlines())]


def sh(*args, check=True, **kw):
    return subprocess.run(list(args), check=check, text=True,
                          capture_output=True, **kw)


def wait(cond, timeout, what):
    """Poll cond() until it returns something true (returned), or fail."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = cond()
        if v:
            return v
        time.sleep(0.1)
    pytest.fail("timed out after %ss waiting for %s" % (timeout, what))


class Daemon:
    """`vtiaccel run ARGS` in namespace ns, its standard error in a file;
    the constructor returns once the first sync is done.  enter(ns): the
    command that runs it there (nsenter: the daemon keeps our mounts)."""

    def __init__(self, ns, args, prefix="vta-run-", enter=nsx):
        self.log = tempfile.NamedTemporaryFile("w+", prefix=prefix,
                                               delete=False)
        self.p = subprocess.Popen(
            enter(ns) + [VTA, "run"] + list(args),
            stdout=subprocess.DEVNULL, stderr=self.log, text=True)
        wait(lambda: self.ready(), 60, "vtiaccel run to sync")

    def text(self):
        with open(self.log.name) as f:
            return f.read()

    def ready(self):
        if self.p.poll() is not None:
            pytest.fail("vtiaccel run exited %d: %s" % (self.p.returncode,
                                                        self.text()[-500:]))
        return "sync done (start)" in self.text()

    def stop(self, sig=signal.SIGTERM):
        if self.p.poll() is None:
            self.p.send_signal(sig)
            self.p.wait(timeout=30)
        os.unlink(self.log.name)
        return self.p.returncode
