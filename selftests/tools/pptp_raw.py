#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Raw PPTP control-connection peers for the robustness selftests.

Plain TCP sockets, hand-built RFC 2637 messages (valid and hostile).
The message builder (build(), msg()) is the one pptp_peer.py uses too.

  pptp_raw.py pac   --bind A --port P [--own-id N] [--log F] [--pieces]
        PAC server: answers SCCRQ/OCRQ/ICRQ/EchoRQ/CCRQ/StopCCRQ, logs
        every call ID it receives ("rx TYPE own=.. peer=.."), serves
        any number of connections until killed.  --pieces writes OCRP
        in three pieces: cut inside its peer-call-ID field and right
        before its result code.
  pptp_raw.py pns   --to A --port P --call-id N [--pieces] [--go FILE] [--src A]
                    [--hold S] [--pause-file F]
        PNS client: SCCRQ, OCRQ(call-id), checks that OCRP's peer call ID
        is its own, holds, then CCRQ/CDN and StopCCRQ.  --pieces writes
        every message in small pieces (TCP_NODELAY).
  pptp_raw.py pac-client --to A --port P --call-id N [--hold S] [--pause-file F]
        PAC that opens TCP: SCCRQ, ICRQ(call-id), ICCN; answers OCRQs
        with OCRP(call-id + 1, + 2, ...), the second one in two pieces
        cut after its peer-call-ID field (byte 16, before the result).
  pptp_raw.py pns-server --bind A --port P --call-id N [--log F]
        PNS that accepts: answers SCCRQ, ICRQ (with ICRP), after ICCN
        sends an OCRQ(call-id + 1), after its OCRP an OCRQ(call-id + 2),
        and logs everything it receives.
  pptp_raw.py attack --to A --port P --scenario NAME [--max-calls N]
                    [--ids N,N..] [--src A] [--wait S]
        one hostile control connection (see SCENARIOS); an expected
        answer is waited for --wait seconds (default 5).
  pptp_raw.py many  --to A --port P --count N [--hold S] [--pause-file F]
        N control connections (SCCRQ + OCRQ each), held open, then closed.
Every hold lasts --hold seconds, or less with --pause-file: until that
file is removed.
Exit status 0 when the peer behaved as expected.
"""
import argparse
import itertools
import os
import select
import socket
import struct
import sys
import threading
import time

MAGIC = 0x1a2b3c4d
(SCCRQ, SCCRP, STOPCCRQ, STOPCCRP, ECHORQ, ECHORP, OCRQ, OCRP, ICRQ, ICRP,
 ICCN, CCRQ, CDN, WEN, SLI) = range(1, 16)
NAMES = {v: k for k, v in dict(
    SCCRQ=SCCRQ, SCCRP=SCCRP, STOPCCRQ=STOPCCRQ, STOPCCRP=STOPCCRP,
    ECHORQ=ECHORQ, ECHORP=ECHORP, OCRQ=OCRQ, OCRP=OCRP, ICRQ=ICRQ,
    ICRP=ICRP, ICCN=ICCN, CCRQ=CCRQ, CDN=CDN, WEN=WEN, SLI=SLI).items()}

# RFC 2637 section 2: each message's body after the 12-byte header, field
# by field (struct codes, big-endian).  own: the sender's call ID, peer:
# the receiver's, res: the result code.
BODY = {
    SCCRQ: [("version", "H"), ("reserved1", "H"), ("framing", "I"),
            ("bearer", "I"), ("channels", "H"), ("firmware", "H"),
            ("host", "64s"), ("vendor", "64s")],
    SCCRP: [("version", "H"), ("res", "B"), ("error", "B"),
            ("framing", "I"), ("bearer", "I"), ("channels", "H"),
            ("firmware", "H"), ("host", "64s"), ("vendor", "64s")],
    STOPCCRQ: [("reason", "B"), ("reserved1", "B"), ("reserved2", "H")],
    STOPCCRP: [("res", "B"), ("error", "B"), ("reserved1", "H")],
    ECHORQ: [("ident", "I")],
    ECHORP: [("ident", "I"), ("res", "B"), ("error", "B"),
             ("reserved1", "H")],
    OCRQ: [("own", "H"), ("serial", "H"), ("min_bps", "I"), ("max_bps", "I"),
           ("bearer", "I"), ("framing", "I"), ("window", "H"),
           ("delay", "H"), ("phone_len", "H"), ("reserved1", "H"),
           ("phone", "64s"), ("subaddr", "64s")],
    OCRP: [("own", "H"), ("peer", "H"), ("res", "B"), ("error", "B"),
           ("cause", "H"), ("speed", "I"), ("window", "H"), ("delay", "H"),
           ("channel", "I")],
    ICRQ: [("own", "H"), ("serial", "H"), ("bearer", "I"), ("channel", "I"),
           ("dialed_len", "H"), ("dialing_len", "H"), ("dialed", "64s"),
           ("dialing", "64s"), ("subaddr", "64s")],
    ICRP: [("own", "H"), ("peer", "H"), ("res", "B"), ("error", "B"),
           ("window", "H"), ("delay", "H"), ("reserved1", "H")],
    ICCN: [("peer", "H"), ("reserved1", "H"), ("speed", "I"),
           ("window", "H"), ("delay", "H"), ("framing", "I")],
    CCRQ: [("own", "H"), ("reserved1", "H")],
    CDN: [("own", "H"), ("res", "B"), ("error", "B"), ("cause", "H"),
          ("reserved1", "H"), ("stats", "128s")],
    WEN: [("peer", "H"), ("reserved1", "H"), ("crc", "I"), ("framing", "I"),
          ("hw_overruns", "I"), ("buf_overruns", "I"), ("timeouts", "I"),
          ("alignment", "I")],
    SLI: [("peer", "H"), ("reserved1", "H"), ("send_accm", "I"),
          ("recv_accm", "I")],
}
LENS = {t: 12 + struct.calcsize(">" + "".join(c for _, c in f))
        for t, f in BODY.items()}

# The fields the module decodes (the C tests' pptp_build_msg() writes the
# same ones).
DECODED = {SCCRQ: ("version",), SCCRP: ("version", "res"),
           STOPCCRP: ("res",), OCRQ: ("own",), ICRQ: ("own",),
           CCRQ: ("own",), OCRP: ("own", "peer", "res"),
           ICRP: ("own", "peer", "res"), CDN: ("own", "res"),
           ICCN: ("peer",), WEN: ("peer",), SLI: ("peer",)}


def build(t, length=None, pkt=1, magic=MAGIC, **fields):
    """Message of type @t: the header, then BODY[t] with @fields given by
    name and every other field zero.  A type outside RFC 2637 gets four
    zero bytes of body.  @length, @pkt and @magic go into the header as
    given, for hostile input; @length defaults to the real size."""
    layout = BODY.get(t, [("reserved1", "I")])
    names = [n for n, _ in layout]
    unknown = set(fields) - set(names)
    if unknown:
        raise ValueError("type %s has no field %s" % (t, ", ".join(unknown)))
    body = struct.pack(">" + "".join(c for _, c in layout),
                       *(fields.get(n, b"" if c.endswith("s") else 0)
                         for n, c in layout))
    n = 12 + len(body)
    return struct.pack(">HHIHH", n if length is None else length, pkt,
                       magic, t, 0) + body


def msg(t, own=0, peer=0, res=1, version=0x0100, length=None, pkt=1,
        magic=MAGIC):
    """Message of type @t with only the fields the module decodes set."""
    given = dict(own=own, peer=peer, res=res, version=version)
    b = build(t, length, pkt, magic,
              **{k: given[k] for k in DECODED.get(t, ())})
    if t in (SCCRQ, SCCRP):
        # A tag in the capability fields, which nothing reads.
        b = b[:20] + b"pptpraw\0" + b[28:]
    return b


def log(f, line):
    if f:
        f.write(line + "\n")
        f.flush()


class Reader:
    """Message reader over a stream socket."""

    def __init__(self, s):
        self.s = s
        self.buf = b""

    def get(self, timeout=5.0):
        end = time.time() + timeout
        while True:
            if len(self.buf) >= 12:
                n = struct.unpack(">H", self.buf[:2])[0]
                if n < 12:
                    raise ValueError("bad length %d" % n)
                if len(self.buf) >= n:
                    m, self.buf = self.buf[:n], self.buf[n:]
                    return m
            left = end - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([self.s], [], [], left)
            if not r:
                return None
            d = self.s.recv(4096)
            if not d:
                return None
            self.buf += d


def fields(m):
    t = struct.unpack(">H", m[8:10])[0]
    own = peer = None
    if t in (OCRQ, ICRQ, CCRQ, CDN):
        own = struct.unpack(">H", m[12:14])[0]
    elif t in (OCRP, ICRP):
        own, peer = struct.unpack(">HH", m[12:16])
    elif t in (ICCN, WEN, SLI):
        peer = struct.unpack(">H", m[12:14])[0]
    return t, own, peer


def send(s, data, pieces=None):
    """Send @data, optionally as separate small writes (pieces = cut list)."""
    if not pieces:
        s.sendall(data)
        return
    last = 0
    for cut in list(pieces) + [len(data)]:
        if cut <= last or cut > len(data):
            continue
        s.sendall(data[last:cut])
        last = cut
        time.sleep(0.05)


def connect(a, p, nodelay=False, src=None):
    s = socket.create_connection((a, p), timeout=5,
                                 source_address=(src, 0) if src else None)
    if nodelay:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


# How long expect() waits for an answer: a negative test that expects none
# sets it short with --wait.
EXPECT_WAIT = [5.0]


def hold(secs, pause_file=None):
    """Wait secs; with pause_file, only while that file exists, so a test
    ends the wait as soon as it has looked instead of sleeping it out."""
    end = time.time() + secs
    while not pause_file or os.path.exists(pause_file):
        left = end - time.time()
        if left <= 0:
            return
        time.sleep(min(0.05, left) if pause_file else left)


def expect(rd, want, what):
    m = rd.get(EXPECT_WAIT[0])
    if m is None:
        raise RuntimeError("%s: no %s" % (what, NAMES[want]))
    t, own, peer = fields(m)
    if t != want:
        raise RuntimeError("%s: got %s, want %s" % (what, NAMES.get(t, t),
                                                    NAMES[want]))
    return own, peer


# -------------------------------------------------------------- servers

def serve(args, handler):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((args.bind, args.port))
    ls.listen(4096)
    lf = open(args.log, "a") if args.log else None
    while True:
        c, _ = ls.accept()
        threading.Thread(target=handler, args=(args, c, lf),
                         daemon=True).start()


PAC_IDS = itertools.count()


def pac_id(args):
    return (args.own_id + next(PAC_IDS)) & 0xffff


def pac_conn(args, c, lf):
    """PAC answering whatever a PNS asks; call IDs unique across
    connections (--own-id, then on), as a real PAC's are."""
    rd = Reader(c)
    if args.pieces:
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        while True:
            m = rd.get(timeout=3600)
            if m is None:
                return
            t, cid, peer = fields(m)
            log(lf, "rx %s own=%s peer=%s" % (NAMES.get(t, t), cid, peer))
            if t == SCCRQ:
                c.sendall(msg(SCCRP, res=1))
            elif t == OCRQ:
                # Cut between the two bytes of the peer call ID (14-15)
                # and before the result code (16).
                send(c, msg(OCRP, own=pac_id(args), peer=cid, res=1),
                     [15, 16] if args.pieces else None)
            elif t == ICRQ:
                c.sendall(msg(ICRP, own=pac_id(args), peer=cid, res=1))
            elif t == ECHORQ:
                c.sendall(msg(ECHORP))
            elif t == CCRQ:
                c.sendall(msg(CDN, own=args.own_id, res=3))
            elif t == STOPCCRQ:
                c.sendall(msg(STOPCCRP, res=1))
    except (OSError, ValueError):
        pass
    finally:
        c.close()


def pns_server_conn(args, c, lf):
    """PNS that accepted a PAC's control connection."""
    rd = Reader(c)
    try:
        while True:
            m = rd.get(timeout=3600)
            if m is None:
                return
            t, cid, peer = fields(m)
            log(lf, "rx %s own=%s peer=%s" % (NAMES.get(t, t), cid, peer))
            if t == SCCRQ:
                c.sendall(msg(SCCRP, res=1))
            elif t == ICRQ:
                c.sendall(msg(ICRP, own=args.call_id, peer=cid, res=1))
            elif t == ICCN:
                c.sendall(msg(OCRQ, own=args.call_id + 1))
            elif t == OCRP and peer == args.call_id + 1:
                c.sendall(msg(OCRQ, own=args.call_id + 2))
            elif t == STOPCCRQ:
                c.sendall(msg(STOPCCRP, res=1))
    except (OSError, ValueError):
        pass
    finally:
        c.close()


# -------------------------------------------------------------- clients

def cmd_pns(args):
    s = connect(args.to, args.port, nodelay=True, src=args.src)
    rd = Reader(s)
    pieces = [5, 12] if args.pieces else None
    send(s, msg(SCCRQ), pieces)
    expect(rd, SCCRP, "pns")
    print("established", flush=True)
    if args.go:
        end = time.time() + 20
        while not os.path.exists(args.go) and time.time() < end:
            time.sleep(0.05)
    cid = args.call_id
    # The last cut splits the call-ID field (bytes 12-13): the router
    # passes the high byte and translates the low one (kunit split_field).
    send(s, msg(OCRQ, own=cid), [3, 7, 13] if args.pieces else None)
    own, peer = expect(rd, OCRP, "pns")
    print("ocrp pac_id=%d peer=%d" % (own, peer), flush=True)
    ok = peer == cid
    send(s, msg(ECHORQ), [2, 9] if args.pieces else None)
    expect(rd, ECHORP, "pns")
    hold(args.hold, args.pause_file)
    send(s, msg(CCRQ, own=cid), [6, 13] if args.pieces else None)
    expect(rd, CDN, "pns")
    send(s, msg(STOPCCRQ), [1, 11] if args.pieces else None)
    expect(rd, STOPCCRP, "pns")
    s.close()
    print("pns done ok=%d" % ok, flush=True)
    return 0 if ok else 1


def cmd_pac_client(args):
    s = connect(args.to, args.port)
    rd = Reader(s)
    s.sendall(msg(SCCRQ))
    expect(rd, SCCRP, "pac-client")
    cid = args.call_id
    s.sendall(msg(ICRQ, own=cid))
    own, peer = expect(rd, ICRP, "pac-client")
    print("icrp pns_id=%d peer=%d" % (own, peer), flush=True)
    ok = peer == cid
    s.sendall(msg(ICCN, peer=own))
    # The PNS answers ICCN with an outgoing call request of its own.
    pown, _ = expect(rd, OCRQ, "pac-client")
    s.sendall(msg(OCRP, own=cid + 1, peer=pown, res=1))
    print("ocrq pns_id=%d" % pown, flush=True)
    # And a second one: this OCRP's own call ID (bytes 12-13) leaves in
    # a segment before the result code (16) the router judges it on.
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    pown2, _ = expect(rd, OCRQ, "pac-client")
    send(s, msg(OCRP, own=cid + 2, peer=pown2, res=1), [16])
    print("ocrq2 pns_id=%d" % pown2, flush=True)
    hold(args.hold, args.pause_file)
    s.sendall(msg(STOPCCRQ))
    expect(rd, STOPCCRP, "pac-client")
    s.close()
    print("pac-client done ok=%d" % ok, flush=True)
    return 0 if ok else 1


def established(s, rd):
    s.sendall(msg(SCCRQ))
    expect(rd, SCCRP, "attack")


SCENARIOS = {}


def scenario(f):
    SCENARIOS[f.__name__[3:]] = f
    return f


@scenario
def sc_bad_magic(s, rd, a):
    established(s, rd)
    s.sendall(msg(ECHORQ, magic=0xdeadbeef))


@scenario
def sc_len0(s, rd, a):
    established(s, rd)
    s.sendall(msg(ECHORQ, length=0))


@scenario
def sc_len1(s, rd, a):
    established(s, rd)
    s.sendall(msg(ECHORQ, length=1))


@scenario
def sc_len11(s, rd, a):
    established(s, rd)
    s.sendall(msg(ECHORQ, length=11))


@scenario
def sc_len65535(s, rd, a):
    established(s, rd)
    s.sendall(msg(ECHORQ, length=65535))


@scenario
def sc_wrong_len(s, rd, a):
    """Sane but wrong length for the type: skipped, then resync."""
    established(s, rd)
    s.sendall(msg(ECHORQ, length=20) + b"\0" * 4 + msg(ECHORQ))
    expect(rd, ECHORP, "wrong_len")


@scenario
def sc_truncated(s, rd, a):
    established(s, rd)
    s.sendall(msg(OCRQ, own=0x4444)[:100])


@scenario
def sc_unknown_type(s, rd, a):
    established(s, rd)
    s.sendall(msg(16) + msg(0) + msg(ECHORQ))
    expect(rd, ECHORP, "unknown_type")


@scenario
def sc_bad_pkt_type(s, rd, a):
    established(s, rd)
    s.sendall(msg(ECHORQ, pkt=2) + msg(ECHORQ))
    expect(rd, ECHORP, "bad_pkt_type")


@scenario
def sc_version(s, rd, a):
    """A second session announcing version 2 after a stop."""
    established(s, rd)
    s.sendall(msg(OCRQ, own=0x1234))
    expect(rd, OCRP, "version")
    s.sendall(msg(STOPCCRQ))
    expect(rd, STOPCCRP, "version")
    s.sendall(msg(SCCRQ, version=0x0200))
    expect(rd, SCCRP, "version")


@scenario
def sc_dup_call(s, rd, a):
    established(s, rd)
    s.sendall(msg(OCRQ, own=0x0505))
    expect(rd, OCRP, "dup_call")
    s.sendall(msg(OCRQ, own=0x0505))
    expect(rd, OCRP, "dup_call")


@scenario
def sc_no_request(s, rd, a):
    """Replies and notifications for calls that do not exist."""
    s.sendall(msg(OCRQ, own=1))             # before SCCRQ: bad state
    expect(rd, OCRP, "no_request")          # our lax PAC answers anyway
    established(s, rd)
    s.sendall(msg(OCRP, own=9, peer=0x7777) + msg(ICCN, peer=0x7777) +
              msg(CDN, own=0x6666) + msg(SLI, peer=0x5555) +
              msg(SCCRP) + msg(ECHORQ))
    expect(rd, ECHORP, "no_request")


@scenario
def sc_flood(s, rd, a):
    established(s, rd)
    n = a.max_calls + 16
    # One request at a time: every call stays up, so the last 16 are over
    # the limit, and no segment boundary can split a call-ID field.
    for i in range(n):
        s.sendall(msg(OCRQ, own=0x100 + i))
        expect(rd, OCRP, "flood")


@scenario
def sc_ids(s, rd, a):
    """One OCRQ per --ids entry, each answered before the next; held."""
    established(s, rd)
    for cid in a.ids:
        s.sendall(msg(OCRQ, own=cid))
        expect(rd, OCRP, "ids")
    hold(a.hold, a.pause_file)


@scenario
def sc_clean(s, rd, a):
    """A well-behaved connection: session, one call, echo."""
    established(s, rd)
    s.sendall(msg(OCRQ, own=0x0808))
    expect(rd, OCRP, "clean")
    s.sendall(msg(ECHORQ))
    expect(rd, ECHORP, "clean")


@scenario
def sc_strict_state(s, rd, a):
    """State violation then valid messages (strict: the stream stalls)."""
    established(s, rd)
    s.sendall(msg(CDN, own=0x6666))
    time.sleep(0.3)
    s.sendall(msg(OCRQ, own=0x0707))
    expect(rd, OCRP, "strict_state")
    s.sendall(msg(ECHORQ))
    expect(rd, ECHORP, "strict_state")


@scenario
def sc_strict_malformed(s, rd, a):
    """Malformed (sane length) message, then a valid one."""
    established(s, rd)
    s.sendall(msg(16))
    time.sleep(0.3)
    s.sendall(msg(ECHORQ))
    expect(rd, ECHORP, "strict_malformed")


def cmd_attack(args):
    s = connect(args.to, args.port, src=args.src)
    rd = Reader(s)
    try:
        SCENARIOS[args.scenario](s, rd, args)
        time.sleep(0.2)
    except (RuntimeError, OSError, ValueError) as e:
        print("scenario %s: %s" % (args.scenario, e), file=sys.stderr)
        return 1
    finally:
        s.close()
    return 0


def cmd_many(args):
    socks = []
    fails = 0
    t0 = time.time()
    for i in range(args.count):
        try:
            s = connect(args.to, args.port)
            s.sendall(msg(SCCRQ) + msg(OCRQ, own=1 + i % 60000))
            socks.append(s)
        except OSError:
            fails += 1
    print("opened %d connections (%d failed) in %.1fs" %
          (len(socks), fails, time.time() - t0), flush=True)
    if args.ready:
        open(args.ready, "w").close()
    hold(args.hold, args.pause_file)
    for s in socks:
        s.close()
    return 0 if not fails else 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode")
    ap.add_argument("--bind", default="0.0.0.0")
    ap.add_argument("--to")
    ap.add_argument("--port", type=int, default=1723)
    ap.add_argument("--own-id", type=int, default=0x5151)
    ap.add_argument("--call-id", type=int, default=0x4242)
    ap.add_argument("--pieces", action="store_true")
    ap.add_argument("--go")
    ap.add_argument("--hold", type=float, default=2.0)
    ap.add_argument("--wait", type=float, default=EXPECT_WAIT[0])
    ap.add_argument("--log")
    ap.add_argument("--scenario")
    ap.add_argument("--max-calls", type=int, default=64)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--pause-file")
    ap.add_argument("--ready")
    ap.add_argument("--src")
    ap.add_argument("--ids", type=lambda v: [int(x, 0) for x in v.split(",")],
                    default=[])
    a = ap.parse_args()
    EXPECT_WAIT[0] = a.wait
    if a.mode == "pac":
        serve(a, pac_conn)
    elif a.mode == "pns-server":
        serve(a, pns_server_conn)
    elif a.mode == "pns":
        return cmd_pns(a)
    elif a.mode == "pac-client":
        return cmd_pac_client(a)
    elif a.mode == "attack":
        return cmd_attack(a)
    elif a.mode == "many":
        return cmd_many(a)
    ap.error("unknown mode")


if __name__ == "__main__":
    sys.exit(main() or 0)
