# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""hookprogs.py DEV ingress|egress: the kernel's answer to "which BPF
programs run on DEV's tc hook", in the order it runs them, one per line:

    tcx vta_lan_in 1234      (a program on the tcx hook, Linux 6.6+)
    tc vta_lan_in 1240       (a cls_bpf filter of the clsact qdisc)

Run it in DEV's network namespace (nsenter --net=...).  tcx programs
come from BPF_PROG_QUERY (bpftool 7.1 does not list them), their names
from BPF_OBJ_GET_INFO_BY_FD; tc filters from `tc -j filter show`.  A
kernel without tcx lists only the filters.  Exit 1 if DEV is unknown.
"""
import ctypes
import json
import os
import socket
import subprocess
import sys

BPF_PROG_QUERY, BPF_PROG_GET_FD_BY_ID, BPF_OBJ_GET_INFO_BY_FD = 16, 13, 15
TCX = {"ingress": 46, "egress": 47}     # BPF_TCX_INGRESS / BPF_TCX_EGRESS
NR_BPF = {"x86_64": 321, "aarch64": 280}.get(os.uname().machine, 321)
libc = ctypes.CDLL(None, use_errno=True)


def bpf(cmd, attr):
    r = libc.syscall(NR_BPF, cmd, ctypes.byref(attr), ctypes.sizeof(attr))
    return r, ctypes.get_errno()


def prog_name(prog_id):
    attr = (ctypes.c_uint8 * 128)()
    ctypes.c_uint32.from_buffer(attr, 0).value = prog_id
    fd, _ = bpf(BPF_PROG_GET_FD_BY_ID, attr)
    if fd < 0:
        return "?"
    try:
        info = (ctypes.c_uint8 * 256)()     # struct bpf_prog_info
        attr = (ctypes.c_uint8 * 128)()
        ctypes.c_uint32.from_buffer(attr, 0).value = fd
        ctypes.c_uint32.from_buffer(attr, 4).value = ctypes.sizeof(info)
        ctypes.c_uint64.from_buffer(attr, 8).value = ctypes.addressof(info)
        r, _ = bpf(BPF_OBJ_GET_INFO_BY_FD, attr)
        if r:
            return "?"
        return bytes(info[64:80]).split(b"\0")[0].decode()   # name[16]
    finally:
        os.close(fd)


def tcx_ids(ifindex, direction):
    attr = (ctypes.c_uint8 * 128)()
    ids = (ctypes.c_uint32 * 64)()
    ctypes.c_uint32.from_buffer(attr, 0).value = ifindex
    ctypes.c_uint32.from_buffer(attr, 4).value = TCX[direction]
    ctypes.c_uint64.from_buffer(attr, 16).value = ctypes.addressof(ids)
    ctypes.c_uint32.from_buffer(attr, 24).value = 64
    r, _ = bpf(BPF_PROG_QUERY, attr)
    if r:
        return []           # EINVAL: no tcx in this kernel
    return list(ids[:ctypes.c_uint32.from_buffer(attr, 24).value])


def progs(dev, direction):
    """[(hook, name, id)] on dev's direction hook, in running order."""
    out = [("tcx", prog_name(i), i)
           for i in tcx_ids(socket.if_nametoindex(dev), direction)]
    r = subprocess.run(["tc", "-j", "filter", "show", "dev", dev, direction],
                       capture_output=True, text=True)
    for f in json.loads(r.stdout or "[]") if r.returncode == 0 else []:
        o = f.get("options", {})
        if f.get("kind") == "bpf" and "prog" in o:
            out.append(("tc", o.get("bpf_name", "").split(":")[0],
                        o["prog"]["id"]))
    return out


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in TCX:
        sys.exit("usage: hookprogs.py DEV ingress|egress")
    try:
        for hook, name, pid in progs(sys.argv[1], sys.argv[2]):
            print(hook, name, pid)
    except OSError as e:
        sys.exit("%s: %s" % (sys.argv[1], e))
