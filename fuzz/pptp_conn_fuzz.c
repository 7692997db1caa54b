// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness: one whole PPTP control connection through the
 * module's own connection inspector (kmod/core/conn.c, with the stream
 * walker, session machine and message parser under it), built unchanged
 * against the kunit/host shim.  Only the conntrack side is faked: a
 * translated-ID pool, GRE expectations as a flag, writes into a copy of
 * the segment.
 *
 * Input: byte 0 = config, then operations until the input ends.
 *   config  bit 0      NAT on (ORIG endpoint behind SNAT)
 *           bits 1-4   max_calls - 1 (1..16)
 *           bits 5-7   translated-ID pool: 0 = 65535 IDs, k = 1 << k IDs
 *   op      bit 7      side (0 ORIG, 1 REPLY)
 *           bits 0-3   kind:
 *     0 NEW       len-1 (1 byte), bytes          next bytes of the stream
 *     1 RESEND    back-1, len-1                  identical resend of history
 *     2 OVERLAP   back-1, len-1, bytes           resend of the last back
 *                                                bytes plus new ones
 *     3 FUTURE    gap-1, len-1, bytes            segment beyond a gap
 *     4 FIN       -                              FIN/RST: end all calls
 *     5 FORGE     back-1, len-1, bytes           resend with other bytes
 *     6 MSG       type, own(2), peer(2), result  a well-formed message
 *                                                (pptp_build_msg(); an
 *                                                SCCRQ/SCCRP of result
 *                                                0xff: version 2, result 1)
 *     7 MSGSPLIT  like MSG + cut                 well-formed, in 2 pieces
 *     8 SYNACK    -                              stream starts of both
 *                                                sides at position 0
 *     9 STRICT    -                              toggle strict mode
 *    10 ACK       -                              side acknowledges all the
 *                                                other side sent so far
 *    11 ACKBEYOND -                              ... and 4 bytes more, that
 *                                                went past inspection
 *     other       like NEW
 *
 * Oracles (a violation calls abort(), which libFuzzer reports):
 *  - invariants after every operation: ncalls <= max_calls and <= cap,
 *    call IDs unique per side, nat_ids unique, the ID pool == the IDs
 *    owned by live calls plus a held reply's reservation, hold_len <=
 *    DECIDE_LEN, skip bounded; a message is judged in the segment whose
 *    new bytes complete its first pptp_msg_decide_len() bytes; writes stay
 *    inside the segment, and below its first new byte only to repeat a
 *    remembered rewrite;
 *  - translation policy (NAT): a call-ID field the ORIG endpoint sends
 *    never has its first copy leave with the real, non-zero ID;
 *  - resends: an identical resend of accepted bytes goes out byte for byte
 *    like the first copy, except fields whose rewrite the other side had
 *    acknowledged before (forgotten: they go out as sent); a segment that
 *    overlaps a dropped-for-good one is dropped; a direction that failed
 *    closed passes nothing any more; a dropped segment never advances the
 *    stream;
 *  - differential: a second connection ("mirror") receives exactly the
 *    new bytes the first one accepted, cut finer (one byte per segment
 *    for a side's first 256 bytes, then 1..16, see mirror_len()), in the
 *    same order, and the same acknowledgments.  Boundaries follow sequence
 *    numbers, so both make the same judgements (actions, violations, call
 *    IDs, rewrite values and positions), malformed reports and final call
 *    table, up to the point where either fails a direction closed for a
 *    reason the other cannot see (a forged resend, a rewrite made in a
 *    byte that already left).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/types.h>

#include "pptp_alg/blob.h"
#include "pptp_alg/conn.h"
#include "pptp_build.h"

#define HIST_MAX	8192
#define LOG_MAX		512
#define POOL_MAX	65535
#define CHECKS_MAX	64

#define FAIL(...)							\
	do {								\
		fprintf(stderr, "pptp_conn_fuzz: " __VA_ARGS__);	\
		fprintf(stderr, "\n");					\
		abort();						\
	} while (0)
#define CHECK(c, ...)	do { if (!(c)) FAIL(__VA_ARGS__); } while (0)

struct ent {
	u8 kind, side, type, actions, viol;
	u16 id0, id1, nat_id, rw_val;
	u32 rw_pos;
};

struct conn {
	struct pptp_conn pc;
	bool nat, mirror, strict;
	u16 max_calls;
	u32 isn[2];
	/* fake NAT table: a count-limited pool, IDs near the hint */
	u8 *pool;		/* POOL_MAX + 1 flags */
	unsigned int pool_size, pool_used;
	/* current segment */
	int side;
	u32 seg_pos;
	unsigned int seg_len;
	bool in_gap;
	unsigned int nlog;
	unsigned int closed_at;	/* nlog when a direction first failed closed */
	bool closed;
	unsigned int ev[PPTP_CE_MAX];
	unsigned int seen;	/* resent bytes at the start of the segment */
	/* ORIG call-ID fields judged in this segment, for the policy oracle */
	struct { u32 pos; u16 real; } fields[CHECKS_MAX];
	unsigned int nfields;
	u32 writes[CHECKS_MAX];	/* fields rewritten in this segment */
	unsigned int nwrites;
	/*
	 * Not cleared between inputs (conn_init() stops here): seg is
	 * written before it is read, each log entry when it is added.
	 */
	u8 seg[HIST_MAX + 512];
	struct ent log[LOG_MAX];
};

/* Byte oracle state of connection A (see the header comment). */
struct rw_rec {
	u32 pos;		/* stream position of the field */
	u16 old_val, new_val;
	bool acked;		/* forgotten: resends go out as sent */
};

static u8 out1[2][HIST_MAX];	/* first copy A forwarded */
static u8 got[2][HIST_MAX];
static struct rw_rec rws[2][LOG_MAX];
static unsigned int nrw[2];
static struct { u32 pos; unsigned int len; bool valid; } dropped[2];

static void *f_alloc(size_t size)
{
	return malloc(size);
}

static void f_free(void *p)
{
	free(p);
}

static struct ent *log_add(struct conn *c, u8 kind)
{
	struct ent *e;

	if (c->nlog >= LOG_MAX)
		return NULL;
	e = &c->log[c->nlog++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->side = c->side;
	return e;
}

static int f_read(void *ctx, unsigned int off, u8 *buf, unsigned int len)
{
	struct conn *c = ctx;

	CHECK(off <= c->seg_len && len <= c->seg_len - off,
	      "read [%u,+%u) beyond segment of %u", off, len, c->seg_len);
	memcpy(buf, c->seg + off, len);
	return 0;
}

static bool f_write(void *ctx, unsigned int off, const u8 *val,
		    unsigned int len)
{
	struct conn *c = ctx;

	CHECK(len && len <= 2 && off <= c->seg_len && len <= c->seg_len - off,
	      "write [%u,+%u) beyond segment of %u", off, len, c->seg_len);
	/* Below the first new byte only a remembered rewrite is repeated. */
	CHECK(off >= c->seen || len == 1, "write [%u,+%u) over resent bytes",
	      off, len);
	memcpy(c->seg + off, val, len);
	/* A rewrite writes the field's last @len bytes. */
	if (off >= c->seen && c->nwrites < CHECKS_MAX)
		c->writes[c->nwrites++] = c->seg_pos + off + len - 2;
	return true;
}

/*
 * A free ID sharing @hint's high byte (the block always has room: at most
 * 16 calls live), never @hint or 0; at most pool_size at a time.
 */
static int f_id_reserve(void *ctx, u16 hint, u16 *out)
{
	struct conn *c = ctx;
	unsigned int i;

	if (c->pool_used >= c->pool_size)
		return -ENOSPC;
	for (i = 1; i < 256; i++) {
		u16 id = (hint & 0xff00) | ((hint + i) & 0xff);

		if (!id || id == hint || c->pool[id])
			continue;
		c->pool[id] = 1;
		c->pool_used++;
		*out = id;
		return 0;
	}
	FAIL("pool block of %#x full", hint);
}

static void f_id_release(void *ctx, u16 id)
{
	struct conn *c = ctx;

	CHECK(id && c->pool[id], "release of %u, not reserved", id);
	c->pool[id] = 0;
	c->pool_used--;
}

static void f_expect(void *ctx, struct pptp_call *call)
{
	call->flags |= PPTP_CALLF_EXPECTED;
}

static void f_forget(void *ctx, struct pptp_call *call)
{
	CHECK(call->flags & PPTP_CALLF_EXPECTED, "forget without expect");
	call->flags &= ~PPTP_CALLF_EXPECTED;
}

/* Judgements from here on may differ between A and the mirror. */
static void mark_closed(struct conn *c)
{
	if (c->closed)
		return;
	c->closed = true;
	c->closed_at = c->nlog;
}

static void f_count(void *ctx, enum pptp_conn_event ev)
{
	struct conn *c = ctx;

	CHECK(ev < PPTP_CE_MAX, "event %d", ev);
	c->ev[ev]++;
	switch (ev) {
	case PPTP_CE_GAP:
		c->in_gap = true;
		break;
	case PPTP_CE_LOST:
		if (!c->in_gap)
			log_add(c, 3);
		break;
	case PPTP_CE_BAD_SHORT:
		log_add(c, 4);
		break;
	case PPTP_CE_BAD_LEN:
	case PPTP_CE_BAD_PKT_TYPE:
	case PPTP_CE_BAD_MAGIC:
	case PPTP_CE_BAD_TYPE: {
		struct ent *e = log_add(c, 2);

		if (e)
			e->type = ev;
		break;
	}
	case PPTP_CE_FAIL_CLOSED:
		mark_closed(c);
		break;
	default:
		break;
	}
}

static void f_judged(void *ctx, const struct pptp_msg *m, int msg_off,
		     const struct pptp_step_out *out)
{
	struct conn *c = ctx;
	const struct pptp_session *s = &c->pc.sess;
	int head = msg_off + (int)pptp_msg_decide_len(m->type);
	struct ent *e;

	CHECK(m->len == pptp_msg_type_len(m->type) && m->len,
	      "message type %u len %u", m->type, m->len);
	CHECK(msg_off > -(int)PPTP_WIRE_DECIDE_LEN, "msg_off %d", msg_off);
	/* Judged on the segment's new bytes that complete its head. */
	CHECK(head <= (int)c->seg_len && head > (int)c->seen,
	      "message head [%d,%d) not ending in new bytes [%u,%u)",
	      msg_off, head, c->seen, c->seg_len);
	CHECK(out->call >= -1 && out->call < (int)s->ncalls, "out.call %d/%u",
	      out->call, s->ncalls);
	if (out->violation)
		CHECK(out->call == -1, "violation with a call");
	if (out->actions & (PPTP_ACT_EXPECT | PPTP_ACT_END_CALL |
			    PPTP_ACT_REWRITE))
		CHECK(out->call >= 0, "action %#x without call", out->actions);
	if (out->actions & PPTP_ACT_REWRITE) {
		CHECK(c->nat, "REWRITE without NAT");
		CHECK(out->rw_off == m->own_off || out->rw_off == m->peer_off,
		      "rewrite of a field that is no call ID");
	}
	if (c->nat && c->side == PPTP_SIDE_ORIG &&
	    m->own_off != PPTP_MSG_NO_FIELD && c->nfields < CHECKS_MAX) {
		c->fields[c->nfields].pos = c->seg_pos + msg_off + m->own_off;
		c->fields[c->nfields].real = m->own_id;
		c->nfields++;
	}
	e = log_add(c, 1);
	if (!e)
		return;
	e->type = m->type;
	e->actions = out->actions;
	e->viol = out->violation;
	if (out->actions & PPTP_ACT_REWRITE) {
		e->rw_val = out->rw_val;
		e->rw_pos = c->seg_pos + msg_off + out->rw_off;
	}
	if (out->call >= 0) {
		const struct pptp_call *k = &s->calls[out->call];

		e->id0 = k->id[0];
		e->id1 = k->id[1];
		e->nat_id = k->nat_id;
	}
}

static const struct pptp_conn_ops f_ops = {
	.mem = { .alloc = f_alloc, .free = f_free },
	.read = f_read,
	.write = f_write,
	.id_reserve = f_id_reserve,
	.id_release = f_id_release,
	.expect = f_expect,
	.forget = f_forget,
	.count = f_count,
	.judged = f_judged,
};

static void check_session(struct conn *c)
{
	const struct pptp_session *s = &c->pc.sess;
	unsigned int i, j, owned = 0;

	CHECK(s->state < PPTP_SESS_STATE_MAX, "session state %u", s->state);
	CHECK(s->ncalls <= c->max_calls, "ncalls %u > max %u", s->ncalls,
	      c->max_calls);
	CHECK(s->ncalls <= s->cap, "ncalls %u > cap %u", s->ncalls, s->cap);
	CHECK(s->cap <= c->max_calls, "cap %u > max %u", s->cap, c->max_calls);
	for (i = 0; i < s->ncalls; i++) {
		const struct pptp_call *a = &s->calls[i];

		CHECK(a->state >= PPTP_CALL_OUT_REQUESTED &&
		      a->state < PPTP_CALL_STATE_MAX, "call state %u", a->state);
		CHECK(a->pns_side <= 1, "pns_side");
		CHECK(a->flags & (PPTP_CALLF_ID_ORIG | PPTP_CALLF_ID_REPLY),
		      "call without any ID");
		if (a->flags & PPTP_CALLF_NAT_ID_OWNED) {
			CHECK(c->nat, "nat_id owned without NAT");
			CHECK(c->pool[a->nat_id], "owned nat_id not in table");
			owned++;
		}
		if (!c->nat && (a->flags & PPTP_CALLF_NAT_ID))
			CHECK(a->nat_id == a->id[PPTP_SIDE_ORIG],
			      "no NAT but nat_id %u != id %u", a->nat_id,
			      a->id[PPTP_SIDE_ORIG]);
		for (j = i + 1; j < s->ncalls; j++) {
			const struct pptp_call *b = &s->calls[j];

			if ((a->flags & b->flags & PPTP_CALLF_ID_ORIG))
				CHECK(a->id[0] != b->id[0], "dup ORIG id %u",
				      a->id[0]);
			if ((a->flags & b->flags & PPTP_CALLF_ID_REPLY))
				CHECK(a->id[1] != b->id[1], "dup REPLY id %u",
				      a->id[1]);
			if ((a->flags & b->flags & PPTP_CALLF_NAT_ID))
				CHECK(a->nat_id != b->nat_id, "dup nat_id %u",
				      a->nat_id);
		}
	}
	owned += c->pc.early && c->pc.early_id;
	CHECK(owned == c->pool_used, "NAT table %u entries, %u owned",
	      c->pool_used, owned);
	for (i = 0; i < 2; i++) {
		const struct pptp_stream *st = &c->pc.dir[i];

		CHECK(st->hold_len <= PPTP_WIRE_DECIDE_LEN, "hold %u",
		      st->hold_len);
		CHECK(st->skip < PPTP_WIRE_MAX_MSG_LEN, "skip %u", st->skip);
		CHECK(!st->bypassed || st->synced, "bypassed %u unsynced",
		      st->bypassed);
		CHECK(st->nrw <= st->rw_cap && st->nrw <= 4U * c->max_calls + 16,
		      "rewrites %u of %u", st->nrw, st->rw_cap);
	}
}

static enum pptp_conn_verdict feed(struct conn *c, int side, u32 pos,
				   const u8 *b, unsigned int len)
{
	const struct pptp_stream *st = &c->pc.dir[side];
	struct pptp_conn_seg in = {
		.side = side, .nat = c->nat, .strict = c->strict,
		.max_calls = c->max_calls, .now = 7,
		.seq = c->isn[side] + pos, .len = len,
	};
	enum pptp_conn_verdict v;

	if (!len)
		return PPTP_CONN_PASS;
	memcpy(c->seg, b, len);
	c->side = side;
	c->seg_pos = pos;
	c->seg_len = len;
	c->in_gap = false;
	c->nfields = 0;
	c->nwrites = 0;
	c->seen = 0;
	if (st->synced) {
		s32 d = (s32)(st->next_seq - in.seq);

		if (d > 0)
			c->seen = min_t(u32, d, len);
	}
	CHECK(pptp_stream_new_off(st, in.seq, len) == c->seen,
	      "pptp_stream_new_off %u, resent bytes %u",
	      pptp_stream_new_off(st, in.seq, len), c->seen);
	v = pptp_conn_segment(&c->pc, &in, &f_ops, c);
	check_session(c);
	return v;
}

static void conn_init(struct conn *c, bool nat, u16 max_calls,
		      unsigned int pool_size, u8 *pool, bool dirty)
{
	memset(c, 0, offsetof(struct conn, seg));
	/* Fixed, so both copies index alike and a crash replays. */
	pptp_conn_init(&c->pc, 0x2545f491U);
	c->nat = nat;
	c->max_calls = max_calls;
	c->isn[0] = 0xffffff00U;
	c->isn[1] = 0x12345678U;
	c->pool = pool;
	/* A clean end left every ID released (checked): the pool is empty. */
	if (dirty)
		memset(pool, 0, POOL_MAX + 1);
	c->pool_size = pool_size;
}

static void compare(const struct conn *a, const struct conn *b)
{
	unsigned int i, n = a->nlog;

	/* Judgements after a direction failed closed may differ. */
	if (a->closed || b->closed) {
		n = min_t(unsigned int, a->closed ? a->closed_at : a->nlog,
			  b->closed ? b->closed_at : b->nlog);
		CHECK(n <= a->nlog && n <= b->nlog, "closed_at");
	} else {
		CHECK(a->nlog == b->nlog,
		      "differential: %u steps vs %u bytewise", a->nlog,
		      b->nlog);
	}
	for (i = 0; i < n; i++)
		CHECK(!memcmp(&a->log[i], &b->log[i], sizeof(a->log[i])),
		      "differential: step %u differs (kind %u/%u type %u/%u actions %#x/%#x viol %u/%u rw %u@%u/%u@%u)",
		      i, a->log[i].kind, b->log[i].kind, a->log[i].type,
		      b->log[i].type, a->log[i].actions, b->log[i].actions,
		      a->log[i].viol, b->log[i].viol, a->log[i].rw_val,
		      a->log[i].rw_pos, b->log[i].rw_val, b->log[i].rw_pos);
	if (a->closed || b->closed)
		return;
	CHECK(a->pc.sess.state == b->pc.sess.state &&
	      a->pc.sess.ncalls == b->pc.sess.ncalls,
	      "differential: session %u/%u calls %u/%u", a->pc.sess.state,
	      b->pc.sess.state, a->pc.sess.ncalls, b->pc.sess.ncalls);
	CHECK(!a->pc.sess.ncalls ||
	      !memcmp(a->pc.sess.calls, b->pc.sess.calls,
		      a->pc.sess.ncalls * sizeof(a->pc.sess.calls[0])),
	      "differential: call tables differ");
	CHECK(a->pc.uninspected == b->pc.uninspected,
	      "differential: uninspected");
}

static struct conn A, B;
static u8 poolA[POOL_MAX + 1], poolB[POOL_MAX + 1];
static u8 hist[2][HIST_MAX];
static u32 hist_end[2];		/* hist[] and got[] are zero from here */
static bool frozen[2];		/* A lost this side beyond a gap */
static bool dirty = true;	/* the last input did not end cleanly */

struct in {
	const u8 *p;
	size_t n;
};

static int get(struct in *in)
{
	if (!in->n)
		return -1;
	in->n--;
	return *in->p++;
}

/* Sent bytes of @side so far, as A's stream position. */
static u32 sent(int side)
{
	if (!A.pc.dir[side].synced)
		return 0;
	return A.pc.dir[side].next_seq - A.isn[side];
}

/*
 * A forwarded @len bytes at @pos (sent as @b, now in A.seg); the stream
 * has accepted its bytes below @end (hist[] holds them as sent).  Keep
 * the first copy of each accepted byte and compare identical resends with
 * it.  Bytes at or beyond @end were passed beyond a gap by a lost
 * direction: not stream bytes yet (hist[] knows nothing of them; when the
 * gap is filled they come again as new bytes, possibly different), so
 * they are only checked to go out as sent.
 */
static void forwarded(int side, u32 pos, const u8 *b, unsigned int len,
		      u32 end)
{
	unsigned int i, j;

	for (i = 0; i < len; i++) {
		u32 p = pos + i;
		u8 want;

		if (p >= HIST_MAX)
			break;
		if (p >= end) {
			CHECK(A.pc.dir[side].lost && A.seg[i] == b[i],
			      "side %d byte %u beyond the stream end %u passed as %#x, sent %#x (lost %d)",
			      side, p, end, A.seg[i], b[i],
			      A.pc.dir[side].lost);
			continue;
		}
		if (!got[side][p]) {
			got[side][p] = 1;
			hist_end[side] = max_t(u32, hist_end[side], p + 1);
			out1[side][p] = A.seg[i];
			continue;
		}
		if (b[i] != hist[side][p])
			continue;	/* forged */
		want = out1[side][p];
		for (j = 0; j < nrw[side]; j++) {
			const struct rw_rec *r = &rws[side][j];

			/* Acknowledged before: forgotten, goes out as sent. */
			if ((p == r->pos || p == r->pos + 1) && r->acked)
				want = hist[side][p];
		}
		CHECK(A.seg[i] == want,
		      "side %d byte %u resent as %#x, first copy %#x, want %#x",
		      side, p, A.seg[i], out1[side][p], want);
	}
}

/* Fields A rewrote in this segment's new bytes, for the resend oracle. */
static void note_rewrites(int side)
{
	unsigned int i;

	for (i = 0; i < A.nwrites && nrw[side] < LOG_MAX; i++) {
		rws[side][nrw[side]].pos = A.writes[i];
		rws[side][nrw[side]].acked = false;
		nrw[side]++;
	}
}

/* The policy: no ORIG call ID leaves from behind the NAT as it was. */
static void check_fields(int side)
{
	unsigned int i;

	for (i = 0; i < A.nfields; i++) {
		u32 p = A.fields[i].pos;
		u16 v;

		if (p + 1 >= HIST_MAX || !got[side][p] || !got[side][p + 1])
			continue;
		v = out1[side][p] << 8 | out1[side][p + 1];
		CHECK(v != A.fields[i].real || !v,
		      "call ID %u at %u left untranslated from behind the NAT",
		      v, p);
	}
}

/*
 * @side acknowledges everything the other side sent so far, and @beyond
 * bytes more: bytes that reached it past the walker.
 */
static void ack(int side, u32 beyond)
{
	int o = !side;
	u32 upto = sent(o) + beyond;
	unsigned int j;

	pptp_conn_ack(&A.pc, side, A.isn[o] + upto);
	pptp_conn_ack(&B.pc, side, B.isn[o] + upto);
	/*
	 * Each gives the direction up at its own next segment, and the
	 * mirror gets none of those A refuses: compare up to here.
	 */
	if (beyond) {
		mark_closed(&A);
		mark_closed(&B);
	}
	/* Rewrites inside a head not judged yet are kept (pptp_stream_ack). */
	u32 held = upto - A.pc.dir[o].hold_len;

	for (j = 0; j < nrw[o]; j++)
		if (rws[o][j].pos + 2 <= upto &&
		    (!A.pc.dir[o].hold_len || rws[o][j].pos < held))
			rws[o][j].acked = true;
}

/*
 * Bytes per segment of the mirror at stream position @p.  A side's first
 * MIRROR_BYTEWISE bytes (the start-control message and the head of the
 * next) go one per segment, so every cut is tried there; beyond, 1..16
 * bytes from a hash of the position.  Any 17 bytes, the longest head a
 * judgement reads, are still cut at least once, at points that change
 * with the offset the fuzzer moves a message to, for a fraction of the
 * segments, and of the time, that a byte each takes.
 */
#define MIRROR_BYTEWISE	256

static u32 mirror_len(u32 p)
{
	if (p < MIRROR_BYTEWISE)
		return 1;
	return 1 + ((p * 2654435761U) >> 28);
}

/*
 * Feed one segment to A; hand the bytes A accepted as new to the mirror B
 * in segments of mirror_len() bytes, unless A's side was lost beyond a gap or
 * already lost.  Like kmod/helper.c, segments are still fed once the connection
 * is no longer inspected: resends keep their rewrites and refusals.
 */
static void segment(int side, u32 pos, const u8 *b, unsigned int len)
{
	u32 before = sent(side), after, p, n, k;
	bool was_synced = A.pc.dir[side].synced;
	bool was_lost = A.pc.dir[side].lost;
	bool was_blocked = A.pc.blocked & (1U << side);
	unsigned int strict = A.ev[PPTP_CE_STRICT_DROP];
	enum pptp_conn_verdict v;

	if (!len || len > HIST_MAX)
		return;
	v = feed(&A, side, pos, b, len);
	if (was_blocked)
		CHECK(v == PPTP_CONN_DROP && sent(side) == before,
		      "segment of a direction that failed closed passed");
	if (dropped[side].valid) {
		/*
		 * Any later copy of bytes of the last drop for good is a
		 * resend of it, even when the drop lay beyond a gap (strict
		 * drop of the segment that found its direction given up).
		 */
		u32 ds = dropped[side].pos, dl = dropped[side].len;

		if ((u32)(pos - ds) < dl || (u32)(ds - pos) < len)
			CHECK(v == PPTP_CONN_DROP,
			      "resend [%u,+%u) (resent part %u) of dropped [%u,+%u) passed",
			      pos, len, A.seen, ds, dl);
	}
	/* Dropped for good: strict mode, or the direction failed closed. */
	if (v == PPTP_CONN_DROP && !was_blocked &&
	    (A.ev[PPTP_CE_STRICT_DROP] != strict ||
	     (A.pc.blocked & (1U << side)))) {
		dropped[side].pos = pos;
		dropped[side].len = len;
		dropped[side].valid = true;
	}
	if (A.pc.dir[side].lost && !was_lost && A.in_gap)
		frozen[side] = true;
	CHECK(A.pc.dir[side].synced || was_blocked,
	      "segment left the stream unsynced");
	after = sent(side);
	if (!was_synced)
		before = pos;	/* A synced on this segment: pos 0 */
	/* Accepted new bytes [before, after): remember them, mirror them. */
	n = min_t(u32, after - before, len);
	for (p = before; p != before + n; p += k) {
		k = min_t(u32, mirror_len(p), before + n - p);
		if (p < HIST_MAX) {
			/* as sent, untranslated */
			memcpy(&hist[side][p], &b[p - pos],
			       min_t(u32, k, HIST_MAX - p));
			hist_end[side] = max_t(u32, hist_end[side],
					       min_t(u32, p + k, HIST_MAX));
		}
		if (!frozen[side] && !was_lost)
			feed(&B, side, p, &b[p - pos], k);
	}
	if (v == PPTP_CONN_PASS) {
		note_rewrites(side);
		forwarded(side, pos, b, len, after);
		check_fields(side);
	}
}

static struct pptp_conn blob_pc;
static u8 blob_buf[PPTP_BLOB_HDR_LEN + PPTP_BLOB_CALL_LEN * 64];

/* What a router exports of @c, another rebuilds call for call. */
static void blob_roundtrip(const struct conn *c)
{
	const struct pptp_session *s = &c->pc.sess;
	int n = pptp_blob_encode(&c->pc, blob_buf, sizeof(blob_buf));
	enum pptp_blob_err err;
	unsigned int i;

	CHECK(n == (int)pptp_blob_len(&c->pc), "blob length %d", n);
	pptp_conn_init(&blob_pc, 0x9e3779b9U);
	err = pptp_blob_decode(&blob_pc, blob_buf, n, c->max_calls, &f_ops.mem);
	CHECK(err == PPTP_BLOB_OK, "own blob refused: %s",
	      pptp_blob_err_name(err));
	CHECK(blob_pc.sess.state == s->state &&
	      blob_pc.sess.ncalls == s->ncalls &&
	      blob_pc.uninspected == c->pc.uninspected &&
	      blob_pc.blocked == c->pc.blocked, "blob: session differs");
	for (i = 0; i < s->ncalls; i++) {
		const struct pptp_call *x = &s->calls[i];
		const struct pptp_call *y = &blob_pc.sess.calls[i];

		CHECK(x->id[0] == y->id[0] && x->id[1] == y->id[1] &&
		      x->nat_id == y->nat_id && x->state == y->state &&
		      x->pns_side == y->pns_side &&
		      (x->flags & PPTP_BLOB_CALL_FLAGS) == y->flags,
		      "blob: call %u differs", i);
	}
	pptp_conn_free(&blob_pc, &f_ops.mem);
}

/*
 * The input itself as a blob from a hostile peer: refused with nothing
 * changed, or taken and then exported again byte for byte.
 */
static void blob_decode_input(const u8 *data, size_t size)
{
	enum pptp_blob_err err;
	int n;

	if (size > sizeof(blob_buf))
		return;
	pptp_conn_init(&blob_pc, 0x9e3779b9U);
	err = pptp_blob_decode(&blob_pc, data, size, 64, &f_ops.mem);
	CHECK(err < PPTP_BLOB_ERR_MAX, "blob error %d", err);
	if (err == PPTP_BLOB_OK) {
		n = pptp_blob_encode(&blob_pc, blob_buf, sizeof(blob_buf));
		CHECK(n == (int)size && !memcmp(blob_buf, data, size),
		      "blob taken but exported differently");
	} else {
		CHECK(!blob_pc.sess.ncalls && !blob_pc.sess.calls,
		      "refused blob changed the state");
	}
	pptp_conn_free(&blob_pc, &f_ops.mem);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 buf[HIST_MAX + 512];
	struct in in = { data, size };
	int cfg, op;
	unsigned int pool, i;

	if (size < 1)
		return 0;
	blob_decode_input(data, size);
	cfg = get(&in);
	pool = (cfg >> 5) & 7;
	pool = pool ? 1U << pool : POOL_MAX;
	conn_init(&A, cfg & 1, 1 + ((cfg >> 1) & 15), pool, poolA, dirty);
	conn_init(&B, cfg & 1, 1 + ((cfg >> 1) & 15), pool, poolB, dirty);
	dirty = true;
	B.mirror = true;
	frozen[0] = frozen[1] = false;
	/* out1[] is read only where got[] is set. */
	for (i = 0; i < 2; i++) {
		memset(hist[i], 0, hist_end[i]);
		memset(got[i], 0, hist_end[i]);
		hist_end[i] = 0;
	}
	memset(dropped, 0, sizeof(dropped));
	nrw[0] = nrw[1] = 0;

	while ((op = get(&in)) >= 0) {
		int side = op >> 7, kind = op & 15;
		unsigned int len = 0, back, gap, cut;
		u32 at = sent(side);
		int t, o1, o2, p1, p2, r;
		bool v2;

		switch (kind) {
		case 1:	/* RESEND */
		case 5:	/* FORGE */
			if ((t = get(&in)) < 0 || (r = get(&in)) < 0)
				break;
			back = t + 1;
			len = r + 1;
			if (!A.pc.dir[side].synced || at > HIST_MAX)
				break;
			if (back > at)
				back = at;
			if (len > back)
				len = back;
			if (kind == 1) {
				memcpy(buf, hist[side] + at - back, len);
			} else {
				for (i = 0; i < len && in.n; i++)
					buf[i] = get(&in);
				len = i;
			}
			segment(side, at - back, buf, len);
			break;
		case 2:	/* OVERLAP */
			if ((t = get(&in)) < 0 || (r = get(&in)) < 0)
				break;
			back = t + 1;
			if (!A.pc.dir[side].synced || at > HIST_MAX)
				back = 0;
			if (back > at)
				back = at;
			memcpy(buf, hist[side] + at - back, back);
			for (i = 0; i < (unsigned int)r + 1 && in.n; i++)
				buf[back + i] = get(&in);
			segment(side, at - back, buf, back + i);
			break;
		case 3:	/* FUTURE */
			if ((t = get(&in)) < 0 || (r = get(&in)) < 0)
				break;
			gap = A.pc.dir[side].synced ? t + 1 : 0;
			for (i = 0; i < (unsigned int)r + 1 && in.n; i++)
				buf[i] = get(&in);
			segment(side, at + gap, buf, i);
			break;
		case 8:	/* SYNACK */
			pptp_conn_sync(&A.pc, 0, A.isn[0]);
			pptp_conn_sync(&A.pc, 1, A.isn[1]);
			pptp_conn_sync(&B.pc, 0, B.isn[0]);
			pptp_conn_sync(&B.pc, 1, B.isn[1]);
			break;
		case 10:	/* ACK */
			ack(side, 0);
			break;
		case 11:	/* ACKBEYOND */
			ack(side, 4);
			break;
		case 9:	/* STRICT */
			A.strict = !A.strict;
			break;
		case 4:	/* FIN */
			/* Right after the side's last byte: it always ends. */
			CHECK(pptp_conn_close(&A.pc, side, A.isn[side] + at,
					      false, &f_ops, &A) ==
			      PPTP_CONN_PASS || !A.pc.dir[side].synced ||
			      A.pc.blocked, "FIN after the data refused");
			pptp_conn_end_all(&A.pc, &f_ops, &A);
			pptp_conn_end_all(&B.pc, &f_ops, &B);
			check_session(&A);
			check_session(&B);
			break;
		case 6:	/* MSG */
		case 7:	/* MSGSPLIT */
			if ((t = get(&in)) < 0 || (o1 = get(&in)) < 0 ||
			    (o2 = get(&in)) < 0 || (p1 = get(&in)) < 0 ||
			    (p2 = get(&in)) < 0 || (r = get(&in)) < 0)
				break;
			t = t % PPTP_MSG_TYPE_MAX + 1;
			/* result 0xff: SCCRQ/SCCRP announce version 2 */
			v2 = r == 0xff && t <= PPTP_MSG_SCCRP;
			len = pptp_build_msg(buf, t,
					     v2 ? 0x0200 : PPTP_WIRE_VERSION,
					     o1 << 8 | o2, p1 << 8 | p2,
					     v2 ? 1 : r);
			if (kind == 6) {
				segment(side, at, buf, len);
				break;
			}
			if ((int)(cut = get(&in)) < 0)
				cut = len / 2;
			cut = cut % len;
			segment(side, at, buf, cut);
			segment(side, at + cut, buf + cut, len - cut);
			break;
		default:	/* NEW */
			if ((r = get(&in)) < 0)
				break;
			for (i = 0; i < (unsigned int)r + 1 && in.n; i++)
				buf[i] = get(&in);
			segment(side, at, buf, i);
			break;
		}
		if (sent(0) > HIST_MAX - 600 || sent(1) > HIST_MAX - 600)
			break;
	}
	compare(&A, &B);
	blob_roundtrip(&A);
	if (getenv("PPTP_FUZZ_DEBUG"))
		fprintf(stderr, "steps %u rewrites %u (failed %u) zeroed %u closed %u calls %u state %u nat_ids %u\n",
			A.nlog, A.ev[PPTP_CE_REWRITE],
			A.ev[PPTP_CE_REWRITE_FAILED], A.ev[PPTP_CE_ID_ZEROED],
			A.ev[PPTP_CE_FAIL_CLOSED], A.pc.sess.ncalls,
			A.pc.sess.state, A.pool_used);
	pptp_conn_destroy(&A.pc, &f_ops, &A);
	pptp_conn_destroy(&B.pc, &f_ops, &B);
	CHECK(!A.pool_used && !B.pool_used, "IDs left reserved: %u, %u",
	      A.pool_used, B.pool_used);
	dirty = false;
	return 0;
}
