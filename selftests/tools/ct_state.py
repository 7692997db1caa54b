#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Read and write a PPTP control connection's state blob (the helper's
CTA_HELP_INFO) through ctnetlink, as conntrackd does, for the state
selftests.  IPv4 TCP entries, named by their original tuple.

  ct_state.py get SRC DST SPORT DPORT
        prints the blob in hex and decoded ("calls N" then one line per
        call), exit 1 if the entry has none
  ct_state.py create SRC DST SPORT DPORT HEX [--helper NAME]
        creates an ESTABLISHED entry (reply tuple the inverse) with the
        helper and HEX as its state, as `conntrackd -c` does on a backup
  ct_state.py update SRC DST SPORT DPORT HEX [--helper NAME]
        sets HEX as the state of an existing entry
Exit status 0 when the kernel acknowledged the request.
"""
import argparse
import socket
import struct
import sys

NETLINK_NETFILTER = 12
NFNL_SUBSYS_CTNETLINK = 1
IPCTNL_MSG_CT_NEW, IPCTNL_MSG_CT_GET = 0, 1
NLM_F_REQUEST, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL = 1, 4, 0x400, 0x200
NLA_F_NESTED = 0x8000
NLMSG_ERROR = 2
CTA_TUPLE_ORIG, CTA_TUPLE_REPLY, CTA_STATUS, CTA_PROTOINFO = 1, 2, 3, 4
CTA_HELP, CTA_TIMEOUT = 5, 7
CTA_TUPLE_IP, CTA_TUPLE_PROTO = 1, 2
CTA_IP_V4_SRC, CTA_IP_V4_DST = 1, 2
CTA_PROTO_NUM, CTA_PROTO_SRC_PORT, CTA_PROTO_DST_PORT = 1, 2, 3
CTA_HELP_NAME, CTA_HELP_INFO = 1, 2
CTA_PROTOINFO_TCP, CTA_PROTOINFO_TCP_STATE = 1, 1
TCP_CONNTRACK_ESTABLISHED = 3
IPS_SEEN_REPLY, IPS_ASSURED, IPS_CONFIRMED = 1 << 1, 1 << 2, 1 << 3

CALL_STATES = {1: "OUT_REQUESTED", 2: "IN_REQUESTED", 3: "IN_REPLIED",
               4: "ESTABLISHED", 5: "CLEARING"}


def attr(kind, payload, nested=False):
    hdr = struct.pack("=HH", 4 + len(payload),
                      kind | (NLA_F_NESTED if nested else 0))
    return hdr + payload + b"\0" * (-len(payload) % 4)


def attrs(buf):
    """(type, payload) of each attribute in buf."""
    out = []
    while len(buf) >= 4:
        n, t = struct.unpack("=HH", buf[:4])
        if n < 4:
            break
        out.append((t & 0x3fff, buf[4:n]))
        buf = buf[(n + 3) & ~3:]
    return out


def tuple_attr(kind, src, dst, sport, dport):
    ip = attr(CTA_IP_V4_SRC, socket.inet_aton(src)) + \
        attr(CTA_IP_V4_DST, socket.inet_aton(dst))
    proto = attr(CTA_PROTO_NUM, struct.pack("B", socket.IPPROTO_TCP)) + \
        attr(CTA_PROTO_SRC_PORT, struct.pack("!H", sport)) + \
        attr(CTA_PROTO_DST_PORT, struct.pack("!H", dport))
    return attr(kind, attr(CTA_TUPLE_IP, ip, True) +
                attr(CTA_TUPLE_PROTO, proto, True), True)


def request(msg_type, flags, body):
    t = NFNL_SUBSYS_CTNETLINK << 8 | msg_type
    msg = struct.pack("=IHHII", 16 + len(body), t,
                      NLM_F_REQUEST | NLM_F_ACK | flags, 1, 0) + body
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.settimeout(5)
    s.send(msg)
    replies = []
    while True:
        data = s.recv(65536)
        while len(data) >= 16:
            n, rtype = struct.unpack("=IH", data[:6])
            if rtype == NLMSG_ERROR:
                return struct.unpack("=i", data[16:20])[0], replies
            replies.append(data[16:n])
            data = data[(n + 3) & ~3:]


def decode(blob):
    """Lines describing a version 1 blob (include/pptp_alg/blob.h)."""
    if len(blob) < 8:
        return ["short blob"]
    n = struct.unpack("!H", blob[6:8])[0]
    lines = ["version %d session %d calls %d flags %#x" %
             (blob[0], blob[1], n, blob[3])]
    for i in range(n):
        c = blob[8 + 10 * i:18 + 10 * i]
        if len(c) < 10:
            lines.append("truncated call %d" % i)
            break
        o, r, nat = struct.unpack("!HHH", c[:6])
        lines.append("call orig=%d reply=%d nat=%d state=%s pns=%d flags=%#x"
                     % (o, r, nat, CALL_STATES.get(c[6], c[6]), c[7], c[8]))
    return lines


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("get", "create", "update"))
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("sport", type=int)
    ap.add_argument("dport", type=int)
    ap.add_argument("blob", nargs="?", default="")
    ap.add_argument("--helper", default="pptp-alg")
    a = ap.parse_args()
    nfgen = struct.pack("=BBH", socket.AF_INET, 0, 0)
    orig = tuple_attr(CTA_TUPLE_ORIG, a.src, a.dst, a.sport, a.dport)

    if a.mode == "get":
        err, replies = request(IPCTNL_MSG_CT_GET, 0, nfgen + orig)
        if err:
            print("ctnetlink get failed: %d" % err, file=sys.stderr)
            return 1
        for r in replies:
            for t, p in attrs(r[4:]):
                if t != CTA_HELP:
                    continue
                for ht, hp in attrs(p):
                    if ht == CTA_HELP_INFO:
                        print(hp.hex())
                        print("\n".join(decode(hp)))
                        return 0
        print("no helper info", file=sys.stderr)
        return 1

    help_attr = attr(CTA_HELP, attr(CTA_HELP_NAME, a.helper.encode() + b"\0") +
                     attr(CTA_HELP_INFO, bytes.fromhex(a.blob)), True)
    body = nfgen + orig
    flags = 0
    if a.mode == "create":
        body += tuple_attr(CTA_TUPLE_REPLY, a.dst, a.src, a.dport, a.sport)
        # ctnetlink marks the entry confirmed before it applies these.
        body += attr(CTA_STATUS, struct.pack("!I", IPS_SEEN_REPLY |
                                             IPS_ASSURED | IPS_CONFIRMED))
        body += attr(CTA_TIMEOUT, struct.pack("!I", 600))
        body += attr(CTA_PROTOINFO, attr(CTA_PROTOINFO_TCP, attr(
            CTA_PROTOINFO_TCP_STATE, struct.pack("B",
                                                 TCP_CONNTRACK_ESTABLISHED)),
            True), True)
        flags = NLM_F_CREATE | NLM_F_EXCL
    body += help_attr
    err, _ = request(IPCTNL_MSG_CT_NEW, flags, body)
    if err:
        print("ctnetlink %s failed: %d" % (a.mode, err), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
