# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Packet helpers for the Python tests, one implementation for tests/net,
tests/vm and lab/: checksums for the packets built by hand (RFC 1071),
rtnetlink attributes, receive buffers.  Import it with tests/lib on
sys.path (see the tests that use it)."""

import socket
import struct


def ones_sum(data):
    """The 16-bit ones'-complement sum of data, folded, not inverted."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return s


def csum(data):
    """The Internet checksum of data: what goes into the header field
    (0 over data that already holds its right checksum)."""
    return ~ones_sum(data) & 0xffff


def pseudo(fam, src, dst, proto, length):
    """The TCP/UDP pseudo-header; fam 4 or 6, addresses as text."""
    if fam == 4:
        return (socket.inet_pton(socket.AF_INET, src) +
                socket.inet_pton(socket.AF_INET, dst) +
                struct.pack("!BBH", 0, proto, length))
    return (socket.inet_pton(socket.AF_INET6, src) +
            socket.inet_pton(socket.AF_INET6, dst) +
            struct.pack("!I3xB", length, proto))


def l4_csum(fam, src, dst, proto, seg):
    """Checksum of a TCP/UDP segment (its checksum field zero)."""
    return csum(pseudo(fam, src, dst, proto, len(seg)) + seg)


def rtattrs(buf):
    """{type: payload} of a run of rtnetlink attributes (the nested flag
    masked off; a type that repeats: its last one)."""
    out = {}
    while len(buf) >= 4:
        ln, ty = struct.unpack_from("HH", buf)
        if ln < 4:
            break
        out[ty & 0x3fff] = buf[4:ln]
        buf = buf[(ln + 3) & ~3:]
    return out


def set_rcvbuf(s, size):
    """A receive buffer of size bytes: SO_RCVBUFFORCE as root (not capped
    by net.core.rmem_max, 208 KiB by default, a few hundred packets: a
    busy machine's late reader would lose what arrived meanwhile)."""
    try:
        s.setsockopt(socket.SOL_SOCKET,
                     getattr(socket, "SO_RCVBUFFORCE", 33), size)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size)
