// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness: one whole PPTP control connection through the pure
 * stream walker (kmod/pptp_stream.c) and session machine
 * (kmod/pptp_session.c, kmod/pptp_msg.c), built unchanged against the
 * kunit/host shim.  A fake glue mimics kmod/stream.c + kmod/helper.c.
 *
 * Input: byte 0 = config, then operations until the input ends.
 *   config  bit 0      NAT on (ORIG endpoint behind SNAT)
 *           bits 1-4   max_calls - 1 (1..16)
 *           bits 5-7   wire-ID pool: 0 = 65535 IDs, k = 1 << k IDs
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
 *     7 MSGSPLIT  like MSG + cut                 well-formed, in 2 pieces
 *     8 SYNACK    -                              pptp_stream_sync() both
 *                                                sides at position 0 (no-op
 *                                                on a side already synced)
 *     9 STRICT    -                              toggle strict mode
 *     other       like NEW
 *
 * Oracles (a violation calls abort(), which libFuzzer reports):
 *  - invariants after every message and operation: ncalls <= max_calls
 *    and <= cap, call IDs unique per side, wire IDs unique, fake NAT
 *    table == wire IDs owned by live calls, hold_len <= DECIDE_LEN, skip
 *    bounded, the message's first pptp_msg_decide_len(type) bytes end
 *    inside the segment's new bytes, rewrite inside the segment,
 *    replay always false, patches only inside resent bytes;
 *  - bytes (connection A): the glue places a rewrite with
 *    pptp_stream_place_rewrite() against pptp_stream_new_off() (checked
 *    equal to the harness's own count of resent bytes), records it with
 *    pptp_stream_note_rewrite() and implements ops->patch like
 *    kmod/stream.c (but not its pptp_alg_alloc_wire() fallback of keeping
 *    a real ID that left untranslated: that would make the mirror's wire
 *    IDs differ).  A rewrite counted as done must have reached the
 *    first copy of every byte it changes (else nat_rewrite_failed would
 *    lie), and an
 *    identical resend (RESEND, OVERLAP's resent part) of bytes the stream
 *    accepted must go out exactly like their first copy, except fields
 *    rewritten more than PPTP_STREAM_REWRITES rewrites ago on that side
 *    (documented limit: those go out as sent).  This holds after the
 *    direction is lost and after UNINSPECT (pptp_stream_stop() on both
 *    sides): like kmod/helper.c, the harness keeps feeding segments.
 *    Bytes a lost direction passes beyond a gap are not stream bytes yet
 *    (next_seq does not move; the gap may later be filled with other
 *    bytes at those positions): they must go out as sent, and are not the
 *    "first copy" of anything;
 *  - a refused segment does not advance the stream;
 *  - drops: a segment the glue drops (strict mode, or a failed NAT ID
 *    allocation, like kmod/stream.c) is recorded with pptp_stream_refuse();
 *    any later segment overlapping the last dropped one is a resend of
 *    it and must be refused (REFUSE), also when the drop lay beyond a gap
 *    (strict drop of the segment that hit the gap limit);
 *  - differential: a second connection ("mirror") receives exactly the
 *    new bytes the first one accepted, one byte per segment, in the same
 *    order.  Message boundaries are tracked by sequence number, so both
 *    must produce the same sequence of session steps (actions,
 *    violations, call IDs, rewrite values and positions), the same
 *    malformed reports and the same final call table.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/types.h>

#include "pptp_alg/session.h"
#include "pptp_alg/stream.h"

#define HIST_MAX	8192
#define LOG_MAX		512
#define POOL_MAX	65535

#define FAIL(...)							\
	do {								\
		fprintf(stderr, "pptp_conn_fuzz: " __VA_ARGS__);	\
		fprintf(stderr, "\n");					\
		abort();						\
	} while (0)
#define CHECK(c, ...)	do { if (!(c)) FAIL(__VA_ARGS__); } while (0)

struct ent {
	u8 kind, side, type, actions, viol;
	u16 id0, id1, wire, rw_val;
	u32 rw_pos;
};

struct conn {
	struct pptp_session s;
	struct pptp_stream st[2];
	bool nat, uninspected, mirror, strict, drop;
	u16 max_calls;
	u32 isn[2];
	/* fake NAT table */
	u8 *pool;		/* POOL_MAX + 1 flags */
	unsigned int pool_size, pool_used, pool_next;
	/* current segment */
	int side;
	u32 seg_pos;
	unsigned int seg_len;
	bool in_gap;
	u8 seg[HIST_MAX + 512];
	struct ent log[LOG_MAX];
	unsigned int nlog;
	unsigned int rw_ok, rw_failed, end_all;
	unsigned int seen;	/* resent bytes at the start of the segment */
	unsigned int patches;
};

/* Byte oracle state of connection A (see the header comment). */
struct rw_rec {
	u32 pos;		/* stream position of the field */
	u16 old_val, new_val;
};

static u8 out1[2][HIST_MAX];	/* first copy A forwarded */
static u8 got[2][HIST_MAX];
static struct rw_rec rws[2][LOG_MAX];
static unsigned int nrw[2];
static struct { u32 pos; unsigned int len; bool valid; } dropped[2];

static void note_rewrite(struct conn *c, u32 pos, u16 old, u16 new)
{
	struct rw_rec *r;
	int s = c->side;

	if (c->mirror || nrw[s] >= LOG_MAX)
		return;
	r = &rws[s][nrw[s]++];
	r->pos = pos;
	r->old_val = old;
	r->new_val = new;
	/* No byte the rewrite changes may have gone out untranslated. */
	CHECK(pos + 1 >= HIST_MAX ||
	      ((!got[s][pos] || !((old ^ new) & 0xff00)) &&
	       (!got[s][pos + 1] || !((old ^ new) & 0x00ff))),
	      "rewrite at %u counted as done, but a changed byte went out in an earlier segment",
	      pos);
}

static void *f_alloc(size_t size)
{
	return malloc(size);
}

static void f_free(void *p)
{
	free(p);
}

static const struct pptp_calls_ops f_calls_ops = { f_alloc, f_free };

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

static bool pool_reserve(struct conn *c, u16 *out)
{
	unsigned int i;

	if (c->pool_used >= c->pool_size)
		return false;
	/* Deterministic: lowest free ID after the last one handed out. */
	for (i = 0; i < c->pool_size; i++) {
		unsigned int id = (c->pool_next + i) % c->pool_size + 1;

		if (!c->pool[id]) {
			c->pool[id] = 1;
			c->pool_used++;
			c->pool_next = id;
			*out = id;
			return true;
		}
	}
	FAIL("pool accounting");
}

/* kmod/helper.c pptp_alg_conn_end_call(): release NAT ID, then the call. */
static void end_call(struct conn *c, int idx)
{
	struct pptp_call *call;

	CHECK(idx >= 0 && idx < c->s.ncalls, "end_call index %d/%u", idx,
	      c->s.ncalls);
	call = &c->s.calls[idx];
	if (call->flags & PPTP_CALLF_WIRE_OWNED) {
		CHECK(c->pool[call->wire_id], "owned wire %u not reserved",
		      call->wire_id);
		c->pool[call->wire_id] = 0;
		c->pool_used--;
	}
	pptp_call_release(&c->s, idx);
}

static void end_all(struct conn *c)
{
	c->end_all++;
	while (c->s.ncalls)
		end_call(c, c->s.ncalls - 1);
	pptp_session_release_all(&c->s);
}

static void check_session(struct conn *c)
{
	const struct pptp_session *s = &c->s;
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
		if (a->flags & PPTP_CALLF_WIRE_OWNED) {
			CHECK(c->nat, "wire owned without NAT");
			CHECK(c->pool[a->wire_id], "owned wire not in table");
			owned++;
		}
		if (!c->nat && (a->flags & PPTP_CALLF_WIRE))
			CHECK(a->wire_id == a->id[PPTP_SIDE_ORIG],
			      "no NAT but wire %u != id %u", a->wire_id,
			      a->id[PPTP_SIDE_ORIG]);
		for (j = i + 1; j < s->ncalls; j++) {
			const struct pptp_call *b = &s->calls[j];

			if ((a->flags & b->flags & PPTP_CALLF_ID_ORIG))
				CHECK(a->id[0] != b->id[0], "dup ORIG id %u",
				      a->id[0]);
			if ((a->flags & b->flags & PPTP_CALLF_ID_REPLY))
				CHECK(a->id[1] != b->id[1], "dup REPLY id %u",
				      a->id[1]);
			if ((a->flags & b->flags & PPTP_CALLF_WIRE))
				CHECK(a->wire_id != b->wire_id, "dup wire %u",
				      a->wire_id);
		}
	}
	CHECK(owned == c->pool_used, "NAT table %u entries, %u owned",
	      c->pool_used, owned);
	for (i = 0; i < 2; i++) {
		CHECK(c->st[i].hold_len <= PPTP_WIRE_DECIDE_LEN, "hold %u",
		      c->st[i].hold_len);
		CHECK(c->st[i].skip < PPTP_WIRE_MAX_MSG_LEN, "skip %u",
		      c->st[i].skip);
		CHECK(c->st[i].gaps < PPTP_STREAM_MAX_GAPS || c->st[i].lost,
		      "gaps %u", c->st[i].gaps);
	}
}

static int f_read(void *ctx, unsigned int off, u8 *buf, unsigned int len)
{
	struct conn *c = ctx;

	CHECK(off <= c->seg_len && len <= c->seg_len - off,
	      "read [%u,+%u) beyond segment of %u", off, len, c->seg_len);
	memcpy(buf, c->seg + off, len);
	return 0;
}

/* kmod/stream.c pptp_alg_rewrite(): field at payload offset @off. */
static void f_rewrite(struct conn *c, int off, u16 old, u16 new)
{
	unsigned int from, n;
	u8 val[2];

	if (pptp_stream_rewritten(&c->st[c->side],
				  c->isn[c->side] + c->seg_pos + off, new))
		return;		/* done by f_held() */
	if (!pptp_stream_place_rewrite(off, c->seen, old, new, &from, &n)) {
		c->rw_failed++;
		return;
	}
	CHECK(from >= c->seen && from + n == (unsigned int)(off + 2),
	      "placed at %u+%u, field at %d, new from %u", from, n, off,
	      c->seen);
	pptp_put16(val, new);
	memcpy(c->seg + from, val + 2 - n, n);
	c->rw_ok++;
	pptp_stream_note_rewrite(&c->st[c->side],
				 c->isn[c->side] + c->seg_pos + off, old, new);
	note_rewrite(c, c->seg_pos + off, old, new);
}

/* kmod/stream.c pptp_alg_seg_held(). */
static void f_held(void *ctx, const u8 *head, unsigned int len, int msg_off)
{
	struct conn *c = ctx;
	struct pptp_step_in in = {
		.side = c->side, .nat = c->nat, .max_calls = c->max_calls,
		.now = 7,
	};
	struct pptp_step_out out;
	unsigned int from, n;
	struct pptp_msg m;
	int off;

	CHECK(len > PPTP_WIRE_HDR_LEN && len < PPTP_WIRE_DECIDE_LEN,
	      "held %u bytes", len);
	CHECK(msg_off + (int)len == (int)c->seg_len, "held head at %d+%u of %u",
	      msg_off, len, c->seg_len);
	if (!pptp_step_early_rewrite(&c->s, head, len, &in, &m, &out))
		return;
	off = msg_off + out.rw_off;
	CHECK(out.rw_off == PPTP_OFF_PEER_ID_REPLY && off + 2 <= (int)c->seg_len,
	      "early rewrite at %d", off);
	if (pptp_stream_place_rewrite(off, c->seen, m.peer_id, out.rw_val,
				      &from, &n))
		f_rewrite(c, off, m.peer_id, out.rw_val);
}

static bool f_message(void *ctx, const struct pptp_msg *m, int msg_off,
		      bool replay)
{
	struct conn *c = ctx;
	struct pptp_step_in in = {
		.side = c->side, .nat = c->nat, .replay = replay,
		.max_calls = c->max_calls, .now = 7,
	};
	struct pptp_step_out out;
	struct ent *e = NULL;

	CHECK(m->len == pptp_msg_type_len(m->type) && m->len,
	      "message type %u len %u", m->type, m->len);
	CHECK(!replay, "replay is always false now");
	CHECK(msg_off > -(int)PPTP_WIRE_DECIDE_LEN, "msg_off %d", msg_off);
	/* Judged on the segment's new bytes that complete its head. */
	{
		int head = msg_off + (int)pptp_msg_decide_len(m->type);

		CHECK(head <= (int)c->seg_len && head > (int)c->seen,
		      "message head [%d,%d) not ending in new bytes [%u,%u)",
		      msg_off, head, c->seen, c->seg_len);
	}

	pptp_session_step(&c->s, m, &in, &f_calls_ops, &out);
	CHECK(out.call >= -1 && out.call < (int)c->s.ncalls, "out.call %d/%u",
	      out.call, c->s.ncalls);
	if (replay)
		CHECK(!(out.actions & ~PPTP_ACT_REWRITE) && !out.violation,
		      "replay changed something: actions %#x viol %d",
		      out.actions, out.violation);
	if (out.violation)
		CHECK(out.call == -1, "violation with a call");
	if (out.violation && out.violation != PPTP_V_VERSION && c->strict)
		c->drop = true;
	if (out.actions & (PPTP_ACT_ALLOC_WIRE | PPTP_ACT_EXPECT |
			   PPTP_ACT_END_CALL | PPTP_ACT_REWRITE))
		CHECK(out.call >= 0, "action %#x without call", out.actions);
	if (!replay)
		e = log_add(c, 1);

	if (out.actions & PPTP_ACT_UNINSPECT) {
		CHECK(c->s.state == PPTP_SESS_UNINSPECTED, "uninspect state");
		c->uninspected = true;
		pptp_stream_stop(&c->st[0]);
		pptp_stream_stop(&c->st[1]);
		end_all(c);
		if (e) {
			e->type = m->type;
			e->actions = out.actions;
			e->viol = out.violation;
		}
		return false;
	}
	if (out.actions & PPTP_ACT_ALLOC_WIRE) {
		u16 wire;

		CHECK(c->nat, "ALLOC_WIRE without NAT");
		CHECK(!(out.actions & PPTP_ACT_REWRITE), "REWRITE before ALLOC");
		if (!pool_reserve(c, &wire)) {
			/* stream.c: send ID 0 instead and end the call. */
			out.actions &= ~(PPTP_ACT_ALLOC_WIRE | PPTP_ACT_EXPECT);
			out.actions |= PPTP_ACT_REWRITE | PPTP_ACT_END_CALL |
				       0x80;	/* logged: allocation failed */
			out.rw_off = m->own_off;
			out.rw_val = 0;
		} else {
			pptp_call_set_wire(&c->s, out.call, wire);
			pptp_step_rewrite(&c->s, m, &in, out.call, &out);
		}
	}
	if (out.actions & PPTP_ACT_REWRITE) {
		int off = msg_off + out.rw_off;
		u16 old = out.rw_off == m->own_off ? m->own_id : m->peer_id;

		CHECK(c->nat, "REWRITE without NAT");
		CHECK(out.rw_off == PPTP_OFF_CALL_ID ||
		      out.rw_off == PPTP_OFF_PEER_ID_REPLY,
		      "rw_off %u", out.rw_off);
		CHECK(out.rw_off + 2 <= m->len, "rewrite outside message");
		CHECK(out.rw_off == m->own_off || out.rw_off == m->peer_off,
		      "rewrite of a field that is no call ID");
		CHECK(off + 2 <= (int)c->seg_len, "rewrite beyond segment");
		f_rewrite(c, off, old, out.rw_val);
		if (e) {
			e->rw_val = out.rw_val;
			e->rw_pos = c->seg_pos + msg_off + out.rw_off;
		}
	}
	if (e && out.call >= 0) {
		const struct pptp_call *k = &c->s.calls[out.call];

		e->id0 = k->id[0];
		e->id1 = k->id[1];
		e->wire = k->wire_id;
	}
	if ((out.actions & PPTP_ACT_END_CALL) && out.call >= 0)
		end_call(c, out.call);
	if (out.actions & PPTP_ACT_END_ALL) {
		end_all(c);
		CHECK(c->s.ncalls == 0, "END_ALL left calls");
	}
	if (e) {
		e->type = m->type;
		e->actions = out.actions;
		e->viol = out.violation;
	}
	check_session(c);
	return true;
}

static void f_malformed(void *ctx, enum pptp_parse r, bool replay)
{
	struct conn *c = ctx;
	struct ent *e;

	CHECK(r > PPTP_PARSE_NEED_MORE && r < PPTP_PARSE_MAX, "parse %d", r);
	CHECK(!replay, "replay is always false now");
	if (c->strict)
		c->drop = true;
	e = log_add(c, 2);
	if (e)
		e->type = r;
}

static void f_event(void *ctx, enum pptp_stream_event ev)
{
	struct conn *c = ctx;

	CHECK(ev < PPTP_STREAM_EVENT_MAX, "event %d", ev);
	if (ev == PPTP_STREAM_GAP)
		c->in_gap = true;
	if (ev == PPTP_STREAM_LOST && !c->in_gap)
		log_add(c, 3);
	if (ev == PPTP_STREAM_BAD_SHORT)
		log_add(c, 4);
	if ((ev == PPTP_STREAM_LOST || ev == PPTP_STREAM_BAD_SHORT) &&
	    c->strict)
		c->drop = true;
}

static void f_patch(void *ctx, unsigned int off, u8 val)
{
	struct conn *c = ctx;

	CHECK(off < c->seen, "patch at %u outside the resent bytes [0,%u)",
	      off, c->seen);
	c->seg[off] = val;
	c->patches++;
}

static const struct pptp_stream_ops f_ops = {
	.read = f_read,
	.message = f_message,
	.malformed = f_malformed,
	.event = f_event,
	.patch = f_patch,
	.held = f_held,
};

static enum pptp_stream_verdict feed(struct conn *c, int side, u32 pos,
				     const u8 *b, unsigned int len)
{
	enum pptp_stream_verdict v;

	if (!len)
		return PPTP_STREAM_PASS;
	memcpy(c->seg, b, len);
	c->side = side;
	c->seg_pos = pos;
	c->seg_len = len;
	c->in_gap = false;
	c->drop = false;
	c->seen = 0;
	if (c->st[side].synced) {
		s32 d = (s32)(c->st[side].next_seq - (c->isn[side] + pos));

		if (d > 0)
			c->seen = min_t(u32, d, len);
	}
	/* kmod/stream.c computes it with pptp_stream_new_off(). */
	CHECK(pptp_stream_new_off(&c->st[side], c->isn[side] + pos, len) ==
	      c->seen, "pptp_stream_new_off %u, resent bytes %u",
	      pptp_stream_new_off(&c->st[side], c->isn[side] + pos, len),
	      c->seen);
	v = pptp_stream_segment(&c->st[side], c->isn[side] + pos, len, &f_ops,
				c);
	check_session(c);
	return v;
}

static void conn_init(struct conn *c, bool nat, u16 max_calls,
		      unsigned int pool_size, u8 *pool)
{
	memset(c, 0, sizeof(*c));
	/* Fixed, so both copies index alike and a crash replays. */
	pptp_session_init(&c->s, 0x2545f491U);
	pptp_stream_init(&c->st[0]);
	pptp_stream_init(&c->st[1]);
	c->nat = nat;
	c->max_calls = max_calls;
	c->isn[0] = 0xffffff00U;
	c->isn[1] = 0x12345678U;
	c->pool = pool;
	memset(pool, 0, POOL_MAX + 1);
	c->pool_size = pool_size;
}

static void compare(const struct conn *a, const struct conn *b)
{
	unsigned int i;

	CHECK(a->nlog == b->nlog, "differential: %u steps vs %u bytewise",
	      a->nlog, b->nlog);
	for (i = 0; i < a->nlog; i++)
		CHECK(!memcmp(&a->log[i], &b->log[i], sizeof(a->log[i])),
		      "differential: step %u differs (kind %u/%u type %u/%u actions %#x/%#x viol %u/%u rw %u@%u/%u@%u)",
		      i, a->log[i].kind, b->log[i].kind, a->log[i].type,
		      b->log[i].type, a->log[i].actions, b->log[i].actions,
		      a->log[i].viol, b->log[i].viol, a->log[i].rw_val,
		      a->log[i].rw_pos, b->log[i].rw_val, b->log[i].rw_pos);
	CHECK(a->s.state == b->s.state && a->s.ncalls == b->s.ncalls,
	      "differential: session %u/%u calls %u/%u", a->s.state,
	      b->s.state, a->s.ncalls, b->s.ncalls);
	CHECK(!a->s.ncalls || !memcmp(a->s.calls, b->s.calls,
				      a->s.ncalls * sizeof(a->s.calls[0])),
	      "differential: call tables differ");
	CHECK(a->uninspected == b->uninspected, "differential: uninspected");
}

static struct conn A, B;
static u8 poolA[POOL_MAX + 1], poolB[POOL_MAX + 1];
static u8 hist[2][HIST_MAX];
static bool frozen[2];		/* A lost this side to the gap limit */

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
	if (!A.st[side].synced)
		return 0;
	return A.st[side].next_seq - A.isn[side];
}

static void put_msg(u8 *b, unsigned int type, u16 own, u16 peer, u8 res)
{
	unsigned int len = pptp_msg_type_len(type);

	memset(b, 0, len);
	pptp_put16(b, len);
	pptp_put16(b + 2, PPTP_WIRE_PKT_CONTROL);
	pptp_put16(b + 4, PPTP_WIRE_MAGIC >> 16);
	pptp_put16(b + 6, PPTP_WIRE_MAGIC & 0xffff);
	pptp_put16(b + 8, type);
	switch (type) {
	case PPTP_MSG_SCCRQ:
	case PPTP_MSG_SCCRP:
		/* res 0xff: announce version 2 instead of 1 */
		pptp_put16(b + 12, res == 0xff ? 0x0200 : PPTP_WIRE_VERSION);
		b[14] = res == 0xff ? 1 : res;
		break;
	case PPTP_MSG_ICCN:
	case PPTP_MSG_WEN:
	case PPTP_MSG_SLI:
		pptp_put16(b + 12, peer);
		break;
	default:
		if (len >= 16) {
			pptp_put16(b + 12, own);
			pptp_put16(b + 14, peer);
		}
		if (len >= 20)
			b[16] = res;
		if (type == PPTP_MSG_CDN)
			b[14] = res;
		if (type == PPTP_MSG_STOPCCRP)
			b[12] = res;
		break;
	}
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
			CHECK(A.st[side].lost && A.seg[i] == b[i],
			      "side %d byte %u beyond the stream end %u passed as %#x, sent %#x (lost %d)",
			      side, p, end, A.seg[i], b[i], A.st[side].lost);
			continue;
		}
		if (!got[side][p]) {
			got[side][p] = 1;
			out1[side][p] = A.seg[i];
			continue;
		}
		if (b[i] != hist[side][p])
			continue;	/* forged */
		want = out1[side][p];
		for (j = 0; j < nrw[side]; j++) {
			const struct rw_rec *r = &rws[side][j];

			if (p != r->pos && p != r->pos + 1)
				continue;
			/* Older than the ring: goes out as sent. */
			if (j + PPTP_STREAM_REWRITES < nrw[side])
				want = hist[side][p];
		}
		CHECK(A.seg[i] == want,
		      "side %d byte %u resent as %#x, first copy %#x, want %#x",
		      side, p, A.seg[i], out1[side][p], want);
	}
}

/*
 * Feed one segment to A; hand the bytes A accepted as new to the mirror B
 * one at a time, unless A's side was lost to the gap limit or already
 * lost.  Like kmod/helper.c, segments are still fed once the connection
 * is no longer inspected: resends keep their rewrites and refusals.
 */
static void segment(int side, u32 pos, const u8 *b, unsigned int len)
{
	u32 before = sent(side), after, p;
	bool was_synced = A.st[side].synced, was_lost = A.st[side].lost;
	enum pptp_stream_verdict v;
	bool drop = false;

	if (!len || len > HIST_MAX)
		return;
	v = feed(&A, side, pos, b, len);
	if (dropped[side].valid) {
		/*
		 * Any later copy of bytes of the last drop is a resend of it,
		 * even when the drop lay beyond a gap (strict drop of the
		 * segment that hit the gap limit) and the gap is filled since.
		 */
		u32 ds = dropped[side].pos, dl = dropped[side].len;

		if ((u32)(pos - ds) < dl || (u32)(ds - pos) < len)
			CHECK(v == PPTP_STREAM_REFUSE,
			      "strict: resend [%u,+%u) (resent part %u) of dropped [%u,+%u) passed",
			      pos, len, A.seen, ds, dl);
	}
	if (v == PPTP_STREAM_REFUSE)
		CHECK(sent(side) == before || !was_synced,
		      "refused segment advanced the stream %u -> %u", before,
		      sent(side));
	if (v == PPTP_STREAM_PASS && A.drop) {
		/* kmod/stream.c: strict mode drops and remembers. */
		pptp_stream_refuse(&A.st[side], A.isn[side] + pos, len);
		dropped[side].pos = pos;
		dropped[side].len = len;
		dropped[side].valid = true;
		drop = true;
	}
	if (A.st[side].lost && !was_lost && A.in_gap)
		frozen[side] = true;
	CHECK(A.st[side].synced, "segment left the stream unsynced");
	after = sent(side);
	if (!was_synced)
		before = pos;	/* A synced on this segment: pos 0 */
	/* Accepted new bytes [before, after): remember them, mirror them. */
	for (p = before; p != after && (u32)(p - before) < len; p++) {
		unsigned int k = p - pos;

		if (p < HIST_MAX)
			hist[side][p] = b[k];	/* as sent, untranslated */
		if (!frozen[side] && !was_lost)
			feed(&B, side, p, &b[k], 1);
	}
	if (v == PPTP_STREAM_PASS && !drop)
		forwarded(side, pos, b, len, after);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static u8 buf[HIST_MAX + 512];
	struct in in = { data, size };
	int cfg, op;
	unsigned int pool, i;

	if (size < 1)
		return 0;
	cfg = get(&in);
	pool = (cfg >> 5) & 7;
	pool = pool ? 1U << pool : POOL_MAX;
	conn_init(&A, cfg & 1, 1 + ((cfg >> 1) & 15), pool, poolA);
	conn_init(&B, cfg & 1, 1 + ((cfg >> 1) & 15), pool, poolB);
	B.mirror = true;
	frozen[0] = frozen[1] = false;
	memset(hist, 0, sizeof(hist));
	memset(got, 0, sizeof(got));
	memset(out1, 0, sizeof(out1));
	memset(dropped, 0, sizeof(dropped));
	nrw[0] = nrw[1] = 0;

	while ((op = get(&in)) >= 0) {
		int side = op >> 7, kind = op & 15;
		unsigned int len = 0, back, gap, cut;
		u32 at = sent(side);
		int t, o1, o2, p1, p2, r;

		switch (kind) {
		case 1:	/* RESEND */
		case 5:	/* FORGE */
			if ((t = get(&in)) < 0 || (r = get(&in)) < 0)
				break;
			back = t + 1;
			len = r + 1;
			if (!A.st[side].synced || at > HIST_MAX)
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
			if (!A.st[side].synced || at > HIST_MAX)
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
			gap = A.st[side].synced ? t + 1 : 0;
			for (i = 0; i < (unsigned int)r + 1 && in.n; i++)
				buf[i] = get(&in);
			segment(side, at + gap, buf, i);
			break;
		case 8:	/* SYNACK */
			pptp_stream_sync(&A.st[0], A.isn[0]);
			pptp_stream_sync(&A.st[1], A.isn[1]);
			pptp_stream_sync(&B.st[0], B.isn[0]);
			pptp_stream_sync(&B.st[1], B.isn[1]);
			break;
		case 9:	/* STRICT */
			A.strict = !A.strict;
			break;
		case 4:	/* FIN */
			if (!A.uninspected)
				end_all(&A);
			if (!B.uninspected)
				end_all(&B);
			check_session(&A);
			break;
		case 6:	/* MSG */
		case 7:	/* MSGSPLIT */
			if ((t = get(&in)) < 0 || (o1 = get(&in)) < 0 ||
			    (o2 = get(&in)) < 0 || (p1 = get(&in)) < 0 ||
			    (p2 = get(&in)) < 0 || (r = get(&in)) < 0)
				break;
			t = t % PPTP_MSG_TYPE_MAX + 1;
			put_msg(buf, t, o1 << 8 | o2, p1 << 8 | p2, r);
			len = pptp_msg_type_len(t);
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
	if (getenv("PPTP_FUZZ_DEBUG"))
		fprintf(stderr, "steps %u rewrites %u (failed %u) calls %u state %u end_all %u wire %u\n",
			A.nlog, A.rw_ok, A.rw_failed, A.s.ncalls, A.s.state,
			A.end_all, A.pool_used);
	pptp_session_destroy(&A.s, &f_calls_ops);
	pptp_session_destroy(&B.s, &f_calls_ops);
	return 0;
}
