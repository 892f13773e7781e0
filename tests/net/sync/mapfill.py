#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Hold a pinned BPF hash map full, so that the daemon's writes of new
keys fail as they would on a full map (the kernel refuses them with
E2BIG), then give the room back.  Through the bpf() system call itself,
independently of vtiaccel's code and of bpftool (whose batch mode stops
at the first refused update).

  mapfill.py MAP KEY_BASE VALUE_SIZE SECS STOPFILE STATEFILE

Inserts keys KEY_BASE, KEY_BASE+1, ... (u32, zero values) until the kernel
refuses one, then keeps the map full (taking every slot the daemon frees)
for SECS seconds or until STOPFILE exists, deletes every key it inserted
and prints "mapfill: N entries inserted, M refills, K refused".  STATEFILE
holds the wall clock (ms) of the last time it took a slot, written once the
map is full: a caller waits for the map to stay full.  Exit 1
when the map could not be opened or never filled up."""
import ctypes
import ctypes.util
import errno
import os
import struct
import sys
import time

NR_BPF = 321  # x86_64
BPF_MAP_UPDATE_ELEM, BPF_MAP_DELETE_ELEM, BPF_OBJ_GET = 2, 3, 7
BPF_NOEXIST = 1

libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
libc.syscall.restype = ctypes.c_long


def bpf(cmd, attr):
    buf = ctypes.create_string_buffer(attr, 128)
    r = libc.syscall(ctypes.c_long(NR_BPF), ctypes.c_int(cmd), buf,
                     ctypes.c_uint(128))
    return r, (ctypes.get_errno() if r < 0 else 0)


def main():
    path, base, vsize, secs, stopfile, state = (sys.argv[1],
                                                int(sys.argv[2], 0),
                                                int(sys.argv[3]),
                                                float(sys.argv[4]),
                                                sys.argv[5], sys.argv[6])
    cpath = ctypes.create_string_buffer(path.encode())
    fd, err = bpf(BPF_OBJ_GET, struct.pack("<QII", ctypes.addressof(cpath),
                                           0, 0))
    if fd < 0:
        print(f"mapfill: open {path}: {os.strerror(err)}")
        return 1
    key = ctypes.create_string_buffer(4)
    val = ctypes.create_string_buffer(vsize)

    def op(cmd, k):
        struct.pack_into("<I", key, 0, k)
        attr = struct.pack("<IIQQQ", fd, 0, ctypes.addressof(key),
                           ctypes.addressof(val) if cmd == BPF_MAP_UPDATE_ELEM
                           else 0, BPF_NOEXIST if cmd == BPF_MAP_UPDATE_ELEM
                           else 0)
        return bpf(cmd, attr)[1]

    mine = []
    nxt = base
    refused = refills = 0
    full = False

    def fill():
        nonlocal nxt, refused, full
        n = 0
        while True:
            e = op(BPF_MAP_UPDATE_ELEM, nxt)
            if e == errno.E2BIG:
                refused += 1
                full = True
                return n
            if e and e != errno.EEXIST:
                print(f"mapfill: update: {os.strerror(e)}")
                return n
            if not e:
                mine.append(nxt)
                n += 1
            nxt += 1

    def stamp():
        with open(state + ".tmp", "w") as f:
            f.write(f"{int(time.time() * 1000)}\n")
        os.rename(state + ".tmp", state)

    t_end = time.monotonic() + secs
    fill()
    first = len(mine)
    if full:
        stamp()
    while time.monotonic() < t_end and not os.path.exists(stopfile):
        time.sleep(0.02)  # the refill period
        if fill():
            refills += 1
            stamp()
    for k in mine:
        e = op(BPF_MAP_DELETE_ELEM, k)
        if e and e != errno.ENOENT:
            print(f"mapfill: delete: {os.strerror(e)}")
    print(f"mapfill: {len(mine)} entries inserted ({first} at first, "
          f"then {refills} refills), {refused} refused")
    return 0 if full else 1


if __name__ == "__main__":
    sys.exit(main())
