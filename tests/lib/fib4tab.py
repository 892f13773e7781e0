# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""The programs' IPv4 lookup (vta_fib4_lookup() in bpf/maps.h) read from
the maps, one implementation for the Python tests: the DIR-24-8 tables
and the leaf entry of include/vtiaccel.h.  Import it with tests/lib on
sys.path.  The caller brings the map access: get(name, key) -> the value
bytes of key in map vta_<name>, or None."""

import struct

BLOCK = 1 << 31          # VTA_FIB4_BLOCK
RV_SHIFT = 21            # VTA_FIB4_RV_SHIFT
SLOT_MASK = (1 << RV_SHIFT) - 1


def lookup(get, addr):
    """For addr (an int): (slot, slot bytes, route bytes), the matching
    prefix's route slot and the 8-byte struct vta_route the programs
    read (its interned value, else the slot's own); None: no route."""
    t = get("fib4_l1", struct.pack("<I", addr >> 16))
    if t is None:
        return None
    e, = struct.unpack_from("<I", t, 4 * ((addr >> 8) & 0xff))
    if e & BLOCK:
        t = get("fib4_l2", struct.pack("<I", e & ~BLOCK))
        if t is None:
            return None
        e, = struct.unpack_from("<I", t, 4 * (addr & 0xff))
    if not e:
        return None
    slot, rv = e & SLOT_MASK, e >> RV_SHIFT
    sl = get("fib4_rt", struct.pack("<I", slot))
    r = get("fib4_rt", struct.pack("<I", rv)) if rv else sl
    if sl is None or r is None:
        return None
    return slot, sl, r[:8]
