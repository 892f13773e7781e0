#!/usr/bin/python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
"""pcrypt_alg.py add|del ALG: instantiate (or delete) the kernel's pcrypt
template around an AEAD through the crypto user netlink interface
(NETLINK_CRYPTO, CRYPTO_MSG_NEWALG / CRYPTO_MSG_DELALG), like crconf's
`crconf add driver "pcrypt(ALG)" type 3`.  The instance gets the AEAD's
name with a priority 100 above it, so SAs created afterwards use it (and
SAs created before keep what they have).

	pcrypt_alg.py add 'authenc(hmac(sha1),cbc(aes))'
	pcrypt_alg.py del 'authenc(hmac(sha1),cbc(aes))'

Exit 0 on success (add: also when the instance exists), else 1 with the
kernel's error.
"""
import errno
import os
import socket
import struct
import sys

NETLINK_CRYPTO = 21
CRYPTO_MSG_NEWALG = 0x10
CRYPTO_MSG_DELALG = 0x11
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLMSG_ERROR = 0x2
CRYPTO_ALG_TYPE_AEAD = 0x3
CRYPTO_ALG_TYPE_MASK = 0xF
NAME_MAX = 64  # CRYPTO_MAX_NAME


def request(msg_type, driver):
    """One crypto_user_alg request; returns the kernel's errno (0: ok)."""
    name = driver.encode()
    if len(name) >= NAME_MAX:
        raise SystemExit(f"pcrypt_alg: driver name too long (max {NAME_MAX - 1}): {driver}")
    # struct crypto_user_alg: cru_name, cru_driver_name, cru_module_name,
    # cru_type, cru_mask, cru_refcnt, cru_flags
    body = struct.pack(f"{NAME_MAX}s{NAME_MAX}s{NAME_MAX}sIIII", b"", name, b"",
                       CRYPTO_ALG_TYPE_AEAD, CRYPTO_ALG_TYPE_MASK, 0, 0)
    hdr = struct.pack("IHHII", 16 + len(body), msg_type, NLM_F_REQUEST | NLM_F_ACK, 1, 0)
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_CRYPTO) as s:
        s.bind((0, 0))
        s.send(hdr + body)
        reply = s.recv(65536)
    _, rtype, _, _, _ = struct.unpack_from("IHHII", reply)
    if rtype != NLMSG_ERROR:
        return 0
    (err,) = struct.unpack_from("i", reply, 16)
    return -err


def registered(name):
    """Is a pcrypt instance of the AEAD NAME in /proc/crypto?"""
    cur = {}
    with open("/proc/crypto") as f:
        for line in f.read().splitlines() + [""]:
            if not line.strip():
                if cur.get("name") == name and cur.get("driver", "").startswith("pcrypt("):
                    return True
                cur = {}
                continue
            k, _, v = line.partition(":")
            cur[k.strip()] = v.strip()
    return False


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("add", "del"):
        print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
        return 2
    driver = f"pcrypt({sys.argv[2]})"
    if sys.argv[1] == "add":
        err = request(CRYPTO_MSG_NEWALG, driver)
        # The instance's driver name spells the children's drivers
        # (pcrypt(authenc(hmac(sha1-generic),cbc(aes-aesni)))), so the
        # kernel's lookup of the name asked for fails with ENOENT after
        # registering it (6.1): what counts is /proc/crypto.
        if err in (errno.EEXIST, errno.ENOENT) and registered(sys.argv[2]):
            err = 0
    else:
        err = request(CRYPTO_MSG_DELALG, driver)
    if err:
        print(f"pcrypt_alg: {sys.argv[1]} {driver}: {os.strerror(err)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
