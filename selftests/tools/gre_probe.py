#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Enhanced-GRE (PPTP, RFC 2637 section 4.1) probes for the selftests.

  gre_probe.py send --to A --key K [--count N] [--interval S] [--stop F]
        N GRE packets carrying call ID K to A, one every S seconds (until
        file F exists, when given).  Prints "sent N".
  gre_probe.py recv --key K --out F [--seconds S]
        counts GRE packets with call ID K arriving in this netns for S
        seconds and keeps "TOTAL LAST_UNIX_TIME" in F, rewritten on every
        packet, so a test reads progress while it runs.
Raw IPPROTO_GRE sockets: the kernel builds the IP header.
"""
import argparse
import os
import select
import socket
import struct
import sys
import time

GRE_PPP = 0x880b
# Key present, sequence present, version 1 (RFC 2637 4.1).
GRE_FLAGS = 0x3001


def gre_packet(key, seq, payload=b"\xff\x03\xc0\x21probe"):
    return struct.pack(">HHHHI", GRE_FLAGS, GRE_PPP, len(payload), key,
                       seq) + payload


def cmd_send(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_GRE)
    sent = 0
    for i in range(a.count):
        if a.stop and os.path.exists(a.stop):
            break
        try:
            s.sendto(gre_packet(a.key, i), (a.to, 0))
            sent += 1
        except OSError:
            pass
        time.sleep(a.interval)
    print("sent %d" % sent, flush=True)
    return 0


def cmd_recv(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_GRE)
    end = time.time() + a.seconds
    total = 0
    with open(a.out, "w") as f:
        f.write("0 0\n")
    while True:
        left = end - time.time()
        if left <= 0:
            break
        r, _, _ = select.select([s], [], [], min(left, 1.0))
        if not r:
            continue
        d = s.recv(65535)
        ihl = (d[0] & 0x0f) * 4
        if len(d) < ihl + 8:
            continue
        flags, proto, _, key = struct.unpack(">HHHH", d[ihl:ihl + 8])
        if proto != GRE_PPP or (flags & 0x2007) != 0x2001 or key != a.key:
            continue
        total += 1
        tmp = a.out + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d %.3f\n" % (total, time.time()))
        os.replace(tmp, a.out)
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=("send", "recv"))
    ap.add_argument("--to")
    ap.add_argument("--key", type=int, required=True)
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--stop")
    ap.add_argument("--out")
    ap.add_argument("--seconds", type=float, default=60)
    a = ap.parse_args()
    return cmd_send(a) if a.mode == "send" else cmd_recv(a)


if __name__ == "__main__":
    sys.exit(main())
