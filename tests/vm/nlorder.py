#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""Link and tc filter events in the order the kernel sent them.

  nlorder.py           (run inside the namespace) one line per event,
                       until killed:
                         link IFINDEX NAME mtu MTU up|down
                         dellink IFINDEX NAME
                         filter IFINDEX ingress|egress|PARENT NAME

One rtnetlink socket subscribed to both groups (RTMGRP_LINK, RTMGRP_TC):
the kernel queues the two kinds of message on it in the order it emitted
them, so "the filter came before the link went up" is read from line
order.  Two monitors (ip -ts monitor link, tc -ts monitor) stamp each line
when their process prints it: a late-scheduled monitor on a CPU-starved
guest can reverse two events tens of milliseconds apart.
"""
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from pkt import rtattrs as attrs, set_rcvbuf  # noqa: E402

RTMGRP_LINK, RTMGRP_TC = 0x1, 0x8
RTM_NEWLINK, RTM_DELLINK, RTM_NEWTFILTER = 16, 17, 44
IFLA_IFNAME, IFLA_MTU = 3, 4
TCA_KIND, TCA_OPTIONS, TCA_BPF_NAME = 1, 2, 7
IFF_UP = 0x1
PARENTS = {0xFFFFFFF2: "ingress", 0xFFFFFFF3: "egress"}


def cstr(b):
    return b.split(b"\0", 1)[0].decode(errors="replace") if b else "?"


def event(ty, body):
    if ty in (RTM_NEWLINK, RTM_DELLINK) and len(body) >= 16:
        _, _, idx, flags, _ = struct.unpack_from("BxHiII", body)
        a = attrs(body[16:])
        name = cstr(a.get(IFLA_IFNAME))
        if ty == RTM_DELLINK:
            return "dellink %d %s" % (idx, name)
        mtu = struct.unpack("I", a[IFLA_MTU])[0] if IFLA_MTU in a else 0
        return "link %d %s mtu %d %s" % (idx, name, mtu,
                                          "up" if flags & IFF_UP else "down")
    if ty == RTM_NEWTFILTER and len(body) >= 20:
        _, idx, _, parent, _ = struct.unpack_from("BxxxiIII", body)
        a = attrs(body[20:])
        name = cstr(attrs(a.get(TCA_OPTIONS, b"")).get(TCA_BPF_NAME))
        return "filter %d %s %s" % (idx, PARENTS.get(parent, "%#x" % parent),
                                    name)
    return None


def main():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    set_rcvbuf(s, 4 << 20)
    s.bind((0, RTMGRP_LINK | RTMGRP_TC))
    print("ready", flush=True)
    while True:
        b = s.recv(1 << 16)
        off = 0
        while off + 16 <= len(b):
            ln, ty = struct.unpack_from("IH", b, off)
            if ln < 16:
                break
            line = event(ty, b[off + 16:off + ln])
            if line:
                print(line, flush=True)
            off += (ln + 3) & ~3


if __name__ == "__main__":
    sys.exit(main())
