#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Write the seed corpus of fuzz/pptp_conn_fuzz.c: valid PPTP conversations
(outgoing call, incoming call, echo, stop with live calls, call floods,
version change), NAT on and off, encoded as whole messages, messages split
in two, raw chunks of random size, with resends, with the stream start set
by a SYN-ACK (op 8) and resends carrying new bytes, strict mode (op 9),
a lost direction passing segments beyond a gap, strict mode at the gap
limit, and resends after UNINSPECT.  Deterministic.

usage: gen_corpus.py OUTDIR
"""
import os
import random
import struct
import sys

# The message builder of the selftests' raw peers.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "selftests", "tools"))
sys.dont_write_bytecode = True
from pptp_raw import (DECODED, SCCRQ, SCCRP, STOPCCRQ, STOPCCRP,  # noqa: E402
                      ECHORQ, ECHORP, OCRQ, OCRP, ICRQ, ICRP, ICCN, CCRQ,
                      CDN, WEN, SLI, build)

O, R = 0, 1


def wire_bytes(t, own=0, peer=0, res=1):
    """The layout of pptp_build_msg() (kunit/pptp_build.c): the fields the
    module decodes; the harness's result 0xff makes an SCCRQ/SCCRP of
    version 2 with result 1."""
    v2 = res == 0xff and t in (SCCRQ, SCCRP)
    given = dict(own=own, peer=peer, res=1 if v2 else res,
                 version=0x0200 if v2 else 0x0100)
    return build(t, **{k: given[k] for k in DECODED.get(t, ())})


class Conv:
    def __init__(self, nat):
        self.nat = nat
        self.msgs = []          # (side, type, own, peer, res)

    def nat_id(self, n, real):
        """ID the REPLY side sees for ORIG's n-th allocated call ID."""
        return n if self.nat else real

    def add(self, side, t, own=0, peer=0, res=1):
        self.msgs.append((side, t, own, peer, res))
        return self


def conv_outgoing(nat):
    c = Conv(nat)
    c.add(O, SCCRQ).add(R, SCCRP)
    c.add(O, OCRQ, 0x1001).add(R, OCRP, 0x2001, c.nat_id(1, 0x1001))
    c.add(O, SLI, 0, 0x2001).add(R, WEN, 0, c.nat_id(1, 0x1001))
    c.add(O, ECHORQ).add(R, ECHORP)
    c.add(O, CCRQ, 0x1001).add(R, CDN, 0x2001)
    c.add(O, STOPCCRQ).add(R, STOPCCRP)
    return c


def conv_incoming(nat):
    c = Conv(nat)
    c.add(R, SCCRQ).add(O, SCCRP)
    c.add(R, ICRQ, 0x3001).add(O, ICRP, 0x1001, 0x3001)
    c.add(R, ICCN, 0, c.nat_id(1, 0x1001))
    c.add(O, ICRQ, 0x1002).add(R, ICRP, 0x3002, c.nat_id(2, 0x1002))
    c.add(O, ICCN, 0, 0x3002)
    c.add(R, SLI, 0, c.nat_id(1, 0x1001)).add(O, WEN, 0, 0x3001)
    c.add(R, CCRQ, 0x3001).add(O, CDN, 0x1001)
    c.add(R, STOPCCRQ).add(O, STOPCCRP)
    return c


def conv_echo(nat):
    c = Conv(nat)
    c.add(O, SCCRQ).add(R, SCCRP)
    for _ in range(4):
        c.add(O, ECHORQ).add(R, ECHORP).add(R, ECHORQ).add(O, ECHORP)
    return c


def conv_stop_live(nat):
    c = Conv(nat)
    c.add(O, SCCRQ).add(R, SCCRP)
    for i in range(3):
        c.add(O, OCRQ, 0x1001 + i)
    for i in range(3):
        c.add(R, OCRP, 0x2001 + i, c.nat_id(1 + i, 0x1001 + i), 1 if i != 1 else 3)
    c.add(R, OCRQ, 0x2010).add(O, OCRP, 0x1010, 0x2010)
    c.add(R, STOPCCRQ).add(O, STOPCCRP)
    # a new session on the same connection
    c.add(O, SCCRQ).add(R, SCCRP).add(O, OCRQ, 0x1001)
    return c


def conv_flood(nat):
    c = Conv(nat)
    c.add(O, SCCRQ).add(R, SCCRP)
    for i in range(24):
        c.add(O, OCRQ, 0x1100 + i)
    c.add(O, OCRQ, 0x1100)          # duplicate
    c.add(R, OCRP, 0x2222, 0x7777)   # reply without request
    c.add(R, CDN, 0x4444)
    return c


def conv_version(nat):
    c = Conv(nat)
    c.add(O, SCCRQ).add(R, SCCRP).add(O, OCRQ, 0x1001)
    c.add(R, OCRP, 0x2001, c.nat_id(1, 0x1001))
    c.add(O, SCCRQ, res=0xff)        # version 2 mid-session
    c.add(O, OCRQ, 0x1002)
    return c


CONVS = [conv_outgoing, conv_incoming, conv_echo, conv_stop_live,
         conv_flood, conv_version]


def cfg_byte(nat, max_calls=16, pool=0):
    return (1 if nat else 0) | ((max_calls - 1) & 15) << 1 | (pool & 7) << 5


def enc_msgs(c, split=None):
    out = bytearray()
    for side, t, own, peer, res in c.msgs:
        args = [t - 1, own >> 8, own & 255, peer >> 8, peer & 255, res & 255]
        if split is None:
            out += bytes([side << 7 | 6] + args)
        else:
            out += bytes([side << 7 | 7] + args + [split(t)])
    return bytes(out)


def enc_raw(c, rng, maxchunk, resend_pct=0, overlap_pct=0):
    """Raw NEW chunks; a chunk never runs into the side's next turn.
    With overlap_pct, some chunks go as OVERLAP: a resend of the last
    bytes sent plus the new chunk in one segment."""
    out = bytearray()
    msgs = c.msgs
    i = 0
    while i < len(msgs):
        side = msgs[i][0]
        data = b""
        while i < len(msgs) and msgs[i][0] == side:
            data += wire_bytes(*msgs[i][1:])
            i += 1
        p = 0
        while p < len(data):
            n = min(rng.randint(1, maxchunk), len(data) - p, 256)
            if p and overlap_pct and rng.randrange(100) < overlap_pct:
                back = rng.randint(1, min(p, 20))
                out += bytes([side << 7 | 2, back - 1, n - 1])
            else:
                out += bytes([side << 7 | 0, n - 1])
            out += data[p:p + n]
            p += n
            if resend_pct and rng.randrange(100) < resend_pct:
                out += bytes([side << 7 | 1, min(n, 256) - 1, n - 1])
    return bytes(out)


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else "corpus"
    os.makedirs(outdir, exist_ok=True)
    rng = random.Random(1723)
    n = 0

    def write(name, blob):
        nonlocal n
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(blob)
        n += 1

    for gen in CONVS:
        for nat in (False, True):
            c = gen(nat)
            tag = "%s-%s" % (gen.__name__[5:], "nat" if nat else "nonat")
            cfg = cfg_byte(nat, 4 if gen is conv_flood else 16,
                           2 if gen is conv_flood else 0)
            write(tag + "-msgs", bytes([cfg]) + enc_msgs(c))
            write(tag + "-split8", bytes([cfg]) + enc_msgs(c, lambda t: 8))
            write(tag + "-split13", bytes([cfg]) + enc_msgs(c, lambda t: 13))
            write(tag + "-raw7", bytes([cfg]) + enc_raw(c, rng, 7))
            write(tag + "-raw200", bytes([cfg]) + enc_raw(c, rng, 200))
            write(tag + "-resend", bytes([cfg]) + enc_raw(c, rng, 90, 40))
            # stream start known from the handshake (op 8 SYNACK), raw
            # chunks with resends and resends carrying new bytes
            write(tag + "-sync-resend", bytes([cfg, 8]) +
                  enc_raw(c, rng, 40, 40))
            write(tag + "-sync-overlap", bytes([cfg, 8]) +
                  enc_raw(c, rng, 30, 0, 40))
    # strict mode (op 9): a malformed message, then its resend
    c = conv_outgoing(True)
    bad = bytearray(wire_bytes(ECHORQ))
    struct.pack_into(">H", bad, 2, 2)           # management packet type
    blob = bytes([cfg_byte(True), 8, 9]) + enc_msgs(c)
    blob += bytes([0, len(bad) - 1]) + bytes(bad)
    blob += bytes([1, len(bad) - 1, len(bad) - 1])
    write("strict-resend", blob)
    # the stop with live calls, then FIN
    c = conv_stop_live(True)
    write("fin", bytes([cfg_byte(True)]) + enc_msgs(c) + bytes([4]))
    # a direction lost to a length beyond the maximum, then segments
    # beyond the gap with other bytes at the same positions each time
    # (a lost direction passes them unconsumed), the gap filled, a resend
    lost = bytes([0x06, 4, 0, 0, 0, 0, 1])            # ECHORQ
    lost += bytes([0x00, 0, 1])                       # length 0x01..: lost
    lost += bytes([0x06, 5, 0, 0, 0, 0, 1])           # ECHORP, never parsed
    for fill in (3, 0, 7):
        lost += bytes([0x03, 3, 3]) + bytes([fill] * 4)  # FUTURE at +4
    lost += bytes([0x00, 3, 1, 2, 3, 4])              # the gap
    lost += bytes([0x00, 3, 5, 6, 7, 8])              # other bytes there
    lost += bytes([0x01, 11, 11])                     # RESEND 12 bytes
    write("lost-future", bytes([cfg_byte(True)]) + lost)
    # strict mode, the direction given up while a segment beyond a gap
    # arrives (the receiver acknowledged bytes the walker never saw): that
    # segment is dropped and must stay refused, before and after the gap
    # is filled
    gl = bytes([cfg_byte(False), 8, 9, 0x06, 0, 0, 0, 0, 0, 1])   # SCCRQ
    gl += bytes([0x03, 3, 3, 0xaa, 0xbb, 0xcc, 0xdd]) * 4
    gl += bytes([0x8b])                               # REPLY acks beyond
    gl += bytes([0x03, 3, 3, 0xaa, 0xbb, 0xcc, 0xdd])
    gl += bytes([0x00, 3, 1, 2, 3, 4])                # the gap
    gl += bytes([0x00, 3, 0xaa, 0xbb, 0xcc, 0xdd])    # the dropped bytes
    gl += bytes([0x01, 3, 3])                         # and their resend
    write("strict-gap-lost", gl)
    # a call-ID rewrite, stop, version 2 (UNINSPECT): resends of the
    # rewritten OCRQ must still go out like the first copy
    c = Conv(True)
    c.add(O, SCCRQ).add(R, SCCRP).add(O, OCRQ, 0x1001)
    c.add(R, STOPCCRQ).add(O, STOPCCRP).add(R, SCCRQ, res=0xff)
    blob = bytes([cfg_byte(True), 8]) + enc_msgs(c)
    blob += bytes([0x01, 183, 167])                   # RESEND the OCRQ
    blob += bytes([0x02, 183, 3, 9, 9, 9, 9])         # OVERLAP + 4 new
    write("uninspect-resend", blob)
    print("wrote %d seeds to %s" % (n, outdir))


if __name__ == "__main__":
    main()
