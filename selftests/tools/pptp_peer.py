#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Minimal raw PPTP control-connection peers for the selftests.

  pptp_peer.py pac --listen ADDR [--port 1723] [--timeout S] [--conns N]
      PAC (server): answers SCCRQ, Echo, OCRQ, CCRQ, StopCCRQ; one
      connection after another, N connections (default 1), exits after.
  pptp_peer.py pns --server ADDR [--port 1723] [--version 0x0100]
                   [--call-id N] [--calls K] [--hold S] [--linger S]
                   [--pause-file F] [--linger-pause-file F] [--timeout S]
      PNS (client): SCCRQ (with --version), Echo, K x OCRQ, then holds
      the connection S seconds, sends CCRQ per call, waits --linger
      seconds, then StopCCRQ.  A pause file ends its wait early when it
      is removed (see pptp_raw.hold).  Each
      request must get its reply; prints one line per message
      ("rx OCRP call=.. peer=..") and exits 0 on success.

Only the standard library; every socket operation has a timeout.  The
messages come from pptp_raw.py's builder (kept next to this file).
"""
import argparse
import socket
import struct
import sys
import threading
import time

# The selftests run this from the source tree: leave no __pycache__ there.
sys.dont_write_bytecode = True
from pptp_raw import (MAGIC, SCCRQ, SCCRP, STOPCCRQ, STOPCCRP, ECHORQ,
                      ECHORP, OCRQ, OCRP, CCRQ, CDN, SLI, build, hold)

# As this tool prints them.
NAMES = {1: "SCCRQ", 2: "SCCRP", 3: "StopCCRQ", 4: "StopCCRP", 5: "EchoRQ",
         6: "EchoRP", 7: "OCRQ", 8: "OCRP", 9: "ICRQ", 10: "ICRP", 11: "ICCN",
         12: "CCRQ", 13: "CDN", 14: "WEN", 15: "SLI"}


def sccr(t, version):
    """SCCRQ, or SCCRP with result 1, naming this peer."""
    res = {"res": 1} if t == SCCRP else {}
    return build(t, version=version, framing=1, bearer=1, firmware=1,
                 host=b"selftest", vendor=b"pptp-alg", **res)


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return buf


def recv_msg(s):
    hdr = recv_exact(s, 12)
    length, _mtype, magic, ctype, _r = struct.unpack("!HHIHH", hdr)
    if magic != MAGIC or length < 12:
        raise ValueError("bad header %r" % hdr)
    return ctype, recv_exact(s, length - 12)


def log(*a):
    print(*a, flush=True)


# ------------------------------------------------------------------ PAC

def serve_conn(c, next_id):
    calls = {}  # PNS call ID -> our (PAC) call ID
    while True:
        try:
            ctype, body = recv_msg(c)
        except (EOFError, ConnectionError):
            return next_id
        log("pac rx", NAMES.get(ctype, ctype))
        if ctype == SCCRQ:
            c.sendall(sccr(SCCRP, 0x0100))
        elif ctype == ECHORQ:
            ident = int.from_bytes(body[:4].ljust(4, b"\0"), "big")
            c.sendall(build(ECHORP, ident=ident, res=1))
        elif ctype == OCRQ:
            (pns_id,) = struct.unpack("!H", body[:2])
            log("pac OCRQ call_id=%d" % pns_id)
            next_id += 1
            calls[pns_id] = next_id
            c.sendall(build(OCRP, own=next_id, peer=pns_id, res=1,
                            speed=64000, window=64))
        elif ctype == CCRQ:
            (pns_id,) = struct.unpack("!H", body[:2])
            # CDN carries the sender's (PAC's) own call ID.
            own = calls.pop(pns_id, pns_id)
            c.sendall(build(CDN, own=own, res=3))
        elif ctype == STOPCCRQ:
            c.sendall(build(STOPCCRP, res=1))
        elif ctype == SLI:
            pass


def pac(a):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.listen, a.port))
    s.listen(16)
    s.settimeout(a.timeout)
    threads = []

    def run(c, base):
        try:
            serve_conn(c, base)
        except (socket.timeout, OSError, ValueError) as e:
            log("pac conn error:", e)
        c.close()

    rc = 0
    for k in range(a.conns):
        try:
            c, peer = s.accept()
        except socket.timeout:
            rc = 1
            break
        log("pac accept", peer)
        c.settimeout(a.timeout)
        # Concurrent connections; PAC call IDs unique per connection.
        t = threading.Thread(target=run, args=(c, 0x4000 + 0x100 * k), daemon=True)
        t.start()
        threads.append(t)
    for t in threads:
        t.join(a.timeout)
    return rc


# ------------------------------------------------------------------ PNS

def expect(s, want):
    ctype, body = recv_msg(s)
    if ctype != want:
        raise ValueError("expected %s, got %s" % (NAMES[want], NAMES.get(ctype, ctype)))
    return body


def pns(a):
    s = socket.create_connection((a.server, a.port), timeout=a.timeout)
    s.settimeout(a.timeout)
    s.sendall(sccr(SCCRQ, int(a.version, 0)))
    expect(s, SCCRP)
    log("rx SCCRP")
    s.sendall(build(ECHORQ, ident=0x1234))
    expect(s, ECHORP)
    log("rx EchoRP")
    peers = []
    for k in range(a.calls):
        cid = (int(a.call_id, 0) + k) & 0xFFFF
        s.sendall(build(OCRQ, own=cid, serial=k + 1, min_bps=300,
                        max_bps=100000000, bearer=3, framing=3, window=64))
        r = expect(s, OCRP)
        my, peer = struct.unpack("!HH", r[:4])
        log("rx OCRP call=%d peer=%d" % (my, peer))
        peers.append((cid, my))
    hold(a.hold, a.pause_file)
    for cid, _ in peers:
        s.sendall(build(CCRQ, own=cid))
        r = expect(s, CDN)
        log("rx CDN call=%d" % struct.unpack("!H", r[:2]))
    if a.linger > 0:
        log("lingering %gs before StopCCRQ" % a.linger)
        hold(a.linger, a.linger_pause_file)
    s.sendall(build(STOPCCRQ, reason=1))
    expect(s, STOPCCRP)
    log("rx StopCCRP")
    s.close()
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="mode", required=True)
    q = sub.add_parser("pac")
    q.add_argument("--listen", required=True)
    q.add_argument("--port", type=int, default=1723)
    q.add_argument("--timeout", type=float, default=30)
    q.add_argument("--conns", type=int, default=1)
    q = sub.add_parser("pns")
    q.add_argument("--server", required=True)
    q.add_argument("--port", type=int, default=1723)
    q.add_argument("--version", default="0x0100")
    q.add_argument("--call-id", default="1")
    q.add_argument("--calls", type=int, default=1)
    q.add_argument("--hold", type=float, default=0)
    q.add_argument("--linger", type=float, default=0)
    q.add_argument("--pause-file")
    q.add_argument("--linger-pause-file")
    q.add_argument("--timeout", type=float, default=10)
    a = p.parse_args()
    try:
        return pac(a) if a.mode == "pac" else pns(a)
    except (OSError, EOFError, ValueError) as e:
        log("error:", e)
        return 1


if __name__ == "__main__":
    sys.exit(main())
