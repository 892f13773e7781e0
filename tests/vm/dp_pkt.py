#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Packet helpers of the vm-tier data-path tests (tests/vm/test_dp_*.sh).

Plain python (no scapy): its import alone takes seconds under emulation.

  dp_pkt.py send IFACE SRCMAC DSTMAC SRC DST
      send the fixed sequence of crafted IPv4 packets (UDP, ICMP echo, TCP
      SYNs with and without MSS, a TCP data segment) on IFACE; prints how
      many were sent
  dp_pkt.py compare A.pcap B.pcap SRC DST
      compare the IPv4 packets SRC -> DST of two captures byte for byte
      from the IP header on (as sets: order may differ); prints each TCP
      SYN's MSS; exit 1 on any difference
  dp_pkt.py mss PCAP SRC DST SPORT
      print the MSS option of the SYN with source port SPORT (or "none")
  dp_pkt.py tcp-serve ADDR PORT [COUNT]
      COUNT (1) times: accept a connection, read to EOF, send it all back
  dp_pkt.py tcp-send ADDR PORT NBYTES
      connect, send NBYTES of a fixed pattern, read the echo, exit 0 only
      if it came back intact (source port $DP_SPORT if set: a fixed flow)
  dp_pkt.py group-wait MAPS_DIR PREFIX/LEN IFINDEX present|absent SECONDS
      poll the pinned maps (bpf syscall, ~1 ms interval) until IFINDEX is
      present in / absent from the group the IPv4 route PREFIX/LEN points
      to (followed on every poll: a group whose members change moves to a
      new map key); prints "ready" once the maps are open, then the
      wall-clock ms of the change
  dp_pkt.py natt-sock ADDR
      hold a UDP socket on ADDR:4500 with UDP_ENCAP_ESPINUDP, which is
      what makes the kernel decapsulate ESP-in-UDP (charon does this)
"""
import os
import socket
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
import fib4tab  # noqa: E402
import pkt  # noqa: E402
from pkt import csum  # noqa: E402


def ip4(src, dst, proto, payload, ident, tos=0, ttl=64, df=True):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(payload), ident,
                      0x4000 if df else 0, ttl, proto, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def l4_csum(src, dst, proto, seg):
    return pkt.l4_csum(4, src, dst, proto, seg)


def udp(src, dst, sport, dport, data, ident, tos=0):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data
    c = l4_csum(src, dst, 17, seg) or 0xffff
    seg = seg[:6] + struct.pack("!H", c) + seg[8:]
    return ip4(src, dst, 17, seg, ident, tos)


def icmp_echo(src, dst, ident, seq, data):
    msg = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    msg = msg[:2] + struct.pack("!H", csum(msg)) + msg[4:]
    return ip4(src, dst, 1, msg, ident)


def tcp(src, dst, sport, dport, flags, opts=b"", data=b"", seq=1000,
        ack=0, ident=1):
    while len(opts) % 4:
        opts += b"\x01"          # NOP
    off = (20 + len(opts)) // 4
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, off << 4,
                      flags, 64240, 0, 0) + opts + data
    c = l4_csum(src, dst, 6, seg)
    seg = seg[:16] + struct.pack("!H", c) + seg[18:]
    return ip4(src, dst, 6, seg, ident)


SYN, ACK, PSH = 0x02, 0x10, 0x08


def mss_opt(v):
    return struct.pack("!BBH", 2, 4, v)


def crafted(src, dst):
    pat = bytes(range(256)) * 6
    return [
        udp(src, dst, 40001, 9, b"vtiaccel-0", 0x7601),
        udp(src, dst, 40002, 9, b"", 0x7602),
        udp(src, dst, 40003, 9, pat[:1000], 0x7603),
        # 20 + 8 + 1408 = 1436: exactly the VTI MTU, DF set
        udp(src, dst, 40004, 9, pat[:1408], 0x7604),
        udp(src, dst, 40005, 9, b"dscp-ef+ect0", 0x7605, tos=0xba),
        icmp_echo(src, dst, 0x7606, 1, pat[:56]),
        # MSS 1460, SACK permitted, timestamps, window scale: clamped
        tcp(src, dst, 40010, 80, SYN,
            mss_opt(1460) + b"\x04\x02\x08\x0a" + struct.pack("!II", 1, 0) +
            b"\x01\x03\x03\x07", ident=0x7610),
        # MSS 1300 is below any clamp: unchanged
        tcp(src, dst, 40011, 80, SYN, mss_opt(1300), ident=0x7611),
        # SYN without options (xt_TCPMSS inserts one)
        tcp(src, dst, 40012, 80, SYN, ident=0x7612),
        # data segment: never touched
        tcp(src, dst, 40013, 80, ACK | PSH, data=pat[:100], seq=5000,
            ack=7000, ident=0x7613),
    ]


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def cmd_send(ifname, smac, dmac, src, dst):
    pkts = crafted(src, dst)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    for p in pkts:
        s.send(mac(dmac) + mac(smac) + b"\x08\x00" + p)
    print(len(pkts))
    return 0


def read_pcap(path):
    """IPv4 packets (from the IP header) of an Ethernet or raw-IP pcap."""
    with open(path, "rb") as f:
        b = f.read()
    magic = struct.unpack("<I", b[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        end = "<"
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        end = ">"
    else:
        raise SystemExit("%s: not a pcap file" % path)
    linktype = struct.unpack(end + "I", b[20:24])[0]
    off, out = 24, []
    while off + 16 <= len(b):
        _, _, incl, _ = struct.unpack(end + "IIII", b[off:off + 16])
        frame = b[off + 16:off + 16 + incl]
        off += 16 + incl
        if linktype == 1:               # Ethernet
            if frame[12:14] != b"\x08\x00":
                continue
            frame = frame[14:]
        elif linktype == 113:           # Linux cooked (any)
            if frame[14:16] != b"\x08\x00":
                continue
            frame = frame[16:]
        elif linktype not in (101, 228, 12):
            raise SystemExit("%s: link type %d" % (path, linktype))
        if len(frame) >= 20 and frame[0] >> 4 == 4:
            out.append(frame[:struct.unpack("!H", frame[2:4])[0]])
    return out


def flows(pkts, src, dst):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    return [p for p in pkts if p[12:16] == s and p[16:20] == d]


def tcp_mss(p):
    """(sport, flags, MSS or None) of a TCP packet, else None."""
    if p[9] != 6:
        return None
    t = p[(p[0] & 15) * 4:]
    sport, flags = struct.unpack("!H", t[:2])[0], t[13]
    opts, i, mss = t[20:(t[12] >> 4) * 4], 0, None
    while i < len(opts):
        k = opts[i]
        if k in (0, 1):
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            break
        if k == 2 and opts[i + 1] == 4 and mss is None:
            mss = struct.unpack("!H", opts[i + 2:i + 4])[0]
        i += opts[i + 1]
    return sport, flags, mss


def describe(p):
    proto = {1: "icmp", 6: "tcp", 17: "udp"}.get(p[9], str(p[9]))
    return "%s id 0x%04x len %d ttl %d: %s" % (
        proto, struct.unpack("!H", p[4:6])[0], len(p), p[8], p[:60].hex())


def cmd_compare(a, b, src, dst):
    pa, pb = flows(read_pcap(a), src, dst), flows(read_pcap(b), src, dst)
    for name, ps in (("A", pa), ("B", pb)):
        for p in ps:
            m = tcp_mss(p)
            if m and m[1] & SYN:
                print("%s: SYN sport %d mss %s" % (name, m[0], m[2]))
    only_a = [p for p in pa if p not in pb]
    only_b = [p for p in pb if p not in pa]
    print("A: %d packets, B: %d packets, only in A: %d, only in B: %d" %
          (len(pa), len(pb), len(only_a), len(only_b)))
    for p in only_a:
        print("  only A:", describe(p))
    for p in only_b:
        print("  only B:", describe(p))
    return 0 if pa and sorted(pa) == sorted(pb) else 1


def cmd_mss(path, src, dst, sport):
    for p in flows(read_pcap(path), src, dst):
        m = tcp_mss(p)
        if m and m[0] == int(sport) and m[1] & SYN:
            print(m[2] if m[2] is not None else "none")
            return 0
    print("no SYN from port %s" % sport)
    return 1


def pattern(n):
    blk = bytes((i * 7 + 3) & 0xff for i in range(4096))
    return (blk * (n // len(blk) + 1))[:n]


def cmd_tcp_serve(addr, port, count="1"):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, int(port)))
    ls.listen(8)
    ls.settimeout(120)
    for _ in range(int(count)):
        c, _ = ls.accept()
        c.settimeout(60)
        buf = bytearray()
        while True:
            d = c.recv(65536)
            if not d:
                break
            buf += d
        c.sendall(buf)
        c.close()
    return 0


def cmd_tcp_send(addr, port, n):
    n = int(n)
    data = pattern(n)
    deadline = time.monotonic() + 20
    while True:     # the server may not listen yet: retry until deadline
        try:
            c = socket.socket()
            # a retry binds the same fixed source port again
            c.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            c.bind(("", int(os.environ.get("DP_SPORT", "0"))))
            c.settimeout(5)
            c.connect((addr, int(port)))
            break
        except OSError as e:
            c.close()
            if time.monotonic() > deadline:
                print("connect %s:%s: %s" % (addr, port, e))
                return 1
            time.sleep(0.1)
    c.settimeout(60)
    c.sendall(data)
    c.shutdown(socket.SHUT_WR)
    got = bytearray()
    while True:
        d = c.recv(65536)
        if not d:
            break
        got += d
    ok = bytes(got) == data
    print("sent %d bytes, echoed %d, %s" % (n, len(got),
                                            "intact" if ok else "CORRUPT"))
    return 0 if ok else 1


def bpf(cmd, attr):
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    buf = ctypes.create_string_buffer(attr, 128)
    r = libc.syscall(321, cmd, buf, 128)        # __NR_bpf on x86_64
    if r < 0:
        raise OSError(ctypes.get_errno(), "bpf(%d)" % cmd)
    return r


def group_members(fd, gid):
    """ifindexes of group gid (None if missing), as struct vta_group."""
    import ctypes
    key = ctypes.create_string_buffer(struct.pack("I", gid), 4)
    val = ctypes.create_string_buffer(4096)
    try:
        bpf(1, struct.pack("IIQQQ", fd, 0, ctypes.addressof(key),
                           ctypes.addressof(val), 0))
    except OSError:
        return None
    n = struct.unpack("I", val.raw[:4])[0]
    return [struct.unpack("I", val.raw[8 + 24 * i:12 + 24 * i])[0]
            for i in range(min(n, 8))]


def map_lookup(fd, key, vsize):
    """The value of key in map fd (None: none)."""
    import ctypes
    k = ctypes.create_string_buffer(key, len(key))
    val = ctypes.create_string_buffer(vsize)
    try:
        bpf(1, struct.pack("IIQQQ", fd, 0, ctypes.addressof(k),
                           ctypes.addressof(val), 0))
    except OSError:
        return None
    return val.raw


def route_group(fds, addr, plen):
    """The group id of the IPv4 route the programs find for addr (the
    DIR-24-8 tables, read as bpf/maps.h does: tests/lib/fib4tab.py;
    None: none).  plen: unused, the longest match counts."""
    a = struct.unpack("!I", socket.inet_aton(addr))[0]
    m = fib4tab.lookup(lambda name, key: map_lookup(
        fds["vta_" + name], key, 16 if name == "fib4_rt" else 1024), a)
    return None if m is None else struct.unpack_from("I", m[2])[0]


def cmd_group_wait(maps, prefix, ifindex, want, secs):
    import ctypes
    fds = {}
    for name in ("vta_groups", "vta_fib4_l1", "vta_fib4_l2", "vta_fib4_rt"):
        path = ctypes.create_string_buffer(os.path.join(maps, name).encode())
        fds[name] = bpf(7, struct.pack("QII", ctypes.addressof(path), 0, 0))
    addr, plen = prefix.split("/")
    plen, ifindex = int(plen), int(ifindex)
    print("ready", flush=True)
    deadline = time.monotonic() + float(secs)
    while True:
        gid = route_group(fds, addr, plen)
        m = None if gid is None else group_members(fds["vta_groups"], gid)
        if m is not None and (ifindex in m) == (want == "present"):
            print(int(time.time() * 1000), flush=True)
            return 0
        if time.monotonic() > deadline:
            print("timeout: route %s group %s members %s" % (prefix, gid, m),
                  flush=True)
            return 1
        time.sleep(0.001)


def cmd_natt_sock(addr):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, 4500))
    # UDP_ENCAP (100) = UDP_ENCAP_ESPINUDP (2), as charon sets it
    s.setsockopt(socket.IPPROTO_UDP, 100, 2)
    print("ready", flush=True)
    while True:
        try:
            s.recv(2048)    # non-ESP datagrams (keepalives) land here
        except OSError:
            time.sleep(1)


def main(argv):
    cmds = {"send": (cmd_send, 5), "compare": (cmd_compare, 4),
            "mss": (cmd_mss, 4), "tcp-serve": (cmd_tcp_serve, 2),
            "tcp-send": (cmd_tcp_send, 3), "natt-sock": (cmd_natt_sock, 1),
            "group-wait": (cmd_group_wait, 5)}
    if len(argv) < 2 or argv[1] not in cmds or \
            len(argv) - 2 not in (cmds[argv[1]][1], cmds[argv[1]][1] + 1) or \
            (len(argv) - 2 > cmds[argv[1]][1] and argv[1] != "tcp-serve"):
        sys.stderr.write(__doc__)
        return 2
    return cmds[argv[1]][0](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
