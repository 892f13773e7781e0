# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Checksums for the packets the Python tests build by hand (RFC 1071),
one implementation for tests/net and tests/vm.  Import it with
tests/lib on sys.path (see the tests that use it)."""

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
