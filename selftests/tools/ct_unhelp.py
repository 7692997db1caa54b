#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Detach the helper of one conntrack entry through ctnetlink, as
`conntrack` itself cannot: IPCTNL_MSG_CT_NEW (update) with an empty
CTA_HELP_NAME, which the core handles by dropping the helper without
calling its destroy callback.

  ct_unhelp.py SRC DST SPORT DPORT     (IPv4 TCP, original direction)
Exit status 0 when the kernel acknowledged the update.
"""
import errno
import socket
import struct
import sys

NETLINK_NETFILTER = 12
NFNL_SUBSYS_CTNETLINK = 1
IPCTNL_MSG_CT_NEW = 0
NLM_F_REQUEST, NLM_F_ACK = 1, 4
NLA_F_NESTED = 0x8000
NLMSG_ERROR = 2
CTA_TUPLE_ORIG, CTA_HELP = 1, 5
CTA_TUPLE_IP, CTA_TUPLE_PROTO = 1, 2
CTA_IP_V4_SRC, CTA_IP_V4_DST = 1, 2
CTA_PROTO_NUM, CTA_PROTO_SRC_PORT, CTA_PROTO_DST_PORT = 1, 2, 3
CTA_HELP_NAME = 1


def attr(kind, payload, nested=False):
    hdr = struct.pack("=HH", 4 + len(payload),
                      kind | (NLA_F_NESTED if nested else 0))
    pad = b"\0" * (-len(payload) % 4)
    return hdr + payload + pad


def main():
    src, dst, sport, dport = sys.argv[1:5]
    ip = attr(CTA_IP_V4_SRC, socket.inet_aton(src)) + \
        attr(CTA_IP_V4_DST, socket.inet_aton(dst))
    proto = attr(CTA_PROTO_NUM, struct.pack("B", socket.IPPROTO_TCP)) + \
        attr(CTA_PROTO_SRC_PORT, struct.pack("!H", int(sport))) + \
        attr(CTA_PROTO_DST_PORT, struct.pack("!H", int(dport)))
    tup = attr(CTA_TUPLE_IP, ip, True) + attr(CTA_TUPLE_PROTO, proto, True)
    body = struct.pack("=BBH", socket.AF_INET, 0, 0) + \
        attr(CTA_TUPLE_ORIG, tup, True) + \
        attr(CTA_HELP, attr(CTA_HELP_NAME, b"\0"), True)
    msg_type = NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_NEW
    msg = struct.pack("=IHHII", 16 + len(body), msg_type,
                      NLM_F_REQUEST | NLM_F_ACK, 1, 0) + body
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.settimeout(5)
    s.send(msg)
    reply = s.recv(4096)
    _, rtype, _, _, _ = struct.unpack("=IHHII", reply[:16])
    err = struct.unpack("=i", reply[16:20])[0] if rtype == NLMSG_ERROR else -1
    if err:
        print("ctnetlink update failed: %d" % err, file=sys.stderr)
        # EOPNOTSUPP: the kernel no longer detaches helpers (7.3).
        return 3 if err == -errno.EOPNOTSUPP else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
