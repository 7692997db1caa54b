// SPDX-License-Identifier: GPL-2.0-only
/*
 * One PPTP control connection: the walker of each direction, the session
 * machine and the call-ID translation policy behind source NAT.  Pure:
 * see include/pptp_alg/conn.h for the contract and the policy.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>

#include "pptp_alg/conn.h"

/*
 * Rewrites one direction may have waiting for their acknowledgment: a
 * few call messages per call the connection may hold, and some room for
 * the rest.
 */
#define PPTP_CONN_REWRITES_PER_CALL	4
#define PPTP_CONN_REWRITES_EXTRA	16

/* One segment on its way through the walker. */
struct pptp_conn_walk {
	struct pptp_conn *pc;
	const struct pptp_conn_seg *in;
	const struct pptp_conn_ops *ops;
	void *ctx;
	struct pptp_stream *st;
	unsigned int new_off;	/* payload bytes before it were sent before */
	bool drop;		/* drop this segment */
	bool refuse;		/* ... and its resends */
	bool strict;		/* ... because strict mode said so */
};

void pptp_conn_init(struct pptp_conn *pc, u32 seed)
{
	memset(pc, 0, sizeof(*pc));
	pptp_session_init(&pc->sess, seed);
	pptp_stream_init(&pc->dir[PPTP_SIDE_ORIG]);
	pptp_stream_init(&pc->dir[PPTP_SIDE_REPLY]);
}

void pptp_conn_sync(struct pptp_conn *pc, unsigned int side, u32 seq)
{
	pptp_stream_sync(&pc->dir[side], seq);
}

void pptp_conn_ack(struct pptp_conn *pc, unsigned int side, u32 ack)
{
	pptp_stream_ack(&pc->dir[!side], ack);
}

static void pptp_conn_count(const struct pptp_conn_walk *w,
			    enum pptp_conn_event ev)
{
	w->ops->count(w->ctx, ev);
}

/* A call-ID field the endpoint behind the NAT sends (see conn.h). */
static bool pptp_conn_outbound(const struct pptp_conn_walk *w)
{
	return w->in->nat && w->in->side == PPTP_SIDE_ORIG;
}

static void pptp_conn_strict_drop(struct pptp_conn_walk *w)
{
	w->drop = true;
	w->refuse = true;
	w->strict = true;
}

/* Stop @side's payload for good, counted once per direction. */
static void pptp_conn_block(struct pptp_conn_walk *w, unsigned int side)
{
	unsigned int bit = 1U << side;

	if (w->pc->blocked & bit)
		return;
	w->pc->blocked |= bit;
	pptp_conn_count(w, PPTP_CE_FAIL_CLOSED);
}

/* This segment, its resends and the rest of its direction. */
static void pptp_conn_fail_closed(struct pptp_conn_walk *w)
{
	w->drop = true;
	w->refuse = true;
	pptp_conn_block(w, w->in->side);
}

/*
 * Make the 16-bit field at payload offset @off (negative: it began in an
 * earlier segment) go out as @new_val instead of @old_val, and remember
 * that for resends until the receiver acknowledges it.
 */
static void pptp_conn_rewrite(struct pptp_conn_walk *w, int off, u16 old_val,
			      u16 new_val)
{
	u32 seq = w->in->seq + off;
	unsigned int from, n;
	u8 val[2];
	int err;

	/* Done while its message was held. */
	if (old_val == new_val || pptp_stream_rewritten_at(w->st, seq))
		return;
	if (!pptp_stream_place_rewrite(off, w->new_off, old_val, new_val,
				       &from, &n)) {
		/* A byte that must change already left. */
		pptp_conn_count(w, PPTP_CE_REWRITE_FAILED);
		if (pptp_conn_outbound(w))
			pptp_conn_fail_closed(w);
		return;
	}
	err = pptp_stream_note_rewrite(w->st, seq, old_val, new_val,
				       PPTP_CONN_REWRITES_PER_CALL *
				       w->in->max_calls +
				       PPTP_CONN_REWRITES_EXTRA,
				       &w->ops->mem);
	if (err == -ENOMEM)
		pptp_conn_count(w, PPTP_CE_NOMEM);
	if (err && pptp_conn_outbound(w)) {
		/*
		 * A resend of this segment could not be given the same bytes.
		 * (Towards the inside such a resend would only carry the
		 * translated ID: it is rewritten now, not remembered.)
		 */
		pptp_conn_count(w, PPTP_CE_REWRITE_FAILED);
		pptp_conn_fail_closed(w);
		return;
	}
	pptp_put16(val, new_val);
	if (n && !w->ops->write(w->ctx, from, val + 2 - n, n)) {
		/* Remembered above: the resend of this segment gets it. */
		pptp_conn_count(w, PPTP_CE_REWRITE_FAILED);
		if (pptp_conn_outbound(w))
			w->drop = true;
		return;
	}
	pptp_conn_count(w, PPTP_CE_REWRITE);
}

/* Give back an ID reserved for a held reply that was not adopted. */
static void pptp_conn_early_release(struct pptp_conn *pc,
				    const struct pptp_conn_ops *ops, void *ctx)
{
	if (pc->early && pc->early_id)
		ops->id_release(ctx, pc->early_id);
	pc->early = 0;
}

/*
 * An OCRP/ICRP from behind the NAT whose call-ID field is in but whose
 * result code is not: the field leaves with this segment, before the
 * message can be judged, so its translated ID is reserved now.
 */
static void pptp_conn_held_orig(struct pptp_conn_walk *w, const u8 *head,
				unsigned int len, int msg_off)
{
	struct pptp_conn *pc = w->pc;
	unsigned int type = pptp_get16(head + PPTP_WIRE_OFF_MSG_TYPE);
	u16 own, id;

	if (pc->early || pc->sess.state != PPTP_SESS_ESTABLISHED ||
	    (type != PPTP_MSG_OCRP && type != PPTP_MSG_ICRP) ||
	    len < PPTP_OFF_CALL_ID + 2)
		return;
	own = pptp_get16(head + PPTP_OFF_CALL_ID);
	if (w->ops->id_reserve(w->ctx, own, &id)) {
		id = 0;
		pptp_conn_count(w, PPTP_CE_ID_ZEROED);
	}
	pc->early = 1;
	pc->early_seq = w->in->seq + msg_off + PPTP_OFF_CALL_ID;
	pc->early_id = id;
	pptp_conn_rewrite(w, msg_off + PPTP_OFF_CALL_ID, own, id);
}

static void pptp_conn_held(void *ctx, const u8 *head, unsigned int len,
			   int msg_off)
{
	struct pptp_conn_walk *w = ctx;
	const struct pptp_conn_seg *sg = w->in;
	struct pptp_step_in in = {
		.side = sg->side, .nat = sg->nat, .max_calls = sg->max_calls,
		.now = sg->now,
	};
	struct pptp_step_out out;
	unsigned int from, n;
	struct pptp_msg m;

	if (pptp_conn_outbound(w)) {
		pptp_conn_held_orig(w, head, len, msg_off);
		return;
	}
	/* A failure here is left to the judgement to count, once. */
	if (pptp_step_early_rewrite(&w->pc->sess, head, len, &in, &m, &out) &&
	    pptp_stream_place_rewrite(msg_off + out.rw_off, w->new_off,
				      m.peer_id, out.rw_val, &from, &n))
		pptp_conn_rewrite(w, msg_off + out.rw_off, m.peer_id,
				  out.rw_val);
}

/*
 * The machine asks for a translated ID for the ORIG endpoint's new call
 * ID.  Without one the field goes out as 0 and the call ends.
 */
static void pptp_conn_alloc_nat_id(struct pptp_conn_walk *w,
				   const struct pptp_msg *m, int msg_off,
				   const struct pptp_step_in *in,
				   struct pptp_step_out *out, bool early)
{
	struct pptp_conn *pc = w->pc;
	u16 nat_id;

	if (early) {
		/* Reserved and written while the reply was held. */
		nat_id = pc->early_id;
		pc->early = 0;
	} else if (w->ops->id_reserve(w->ctx, m->own_id, &nat_id)) {
		nat_id = 0;
		pptp_conn_count(w, PPTP_CE_ID_ZEROED);
	}
	if (!nat_id) {
		pptp_conn_rewrite(w, msg_off + m->own_off, m->own_id, 0);
		out->actions &= ~(PPTP_ACT_EXPECT | PPTP_ACT_REWRITE);
		out->actions |= PPTP_ACT_END_CALL;
		return;
	}
	pptp_call_set_nat_id(&pc->sess, out->call, nat_id);
	pptp_step_rewrite(&pc->sess, m, in, out->call, out);
}

/*
 * A field from behind the NAT that the machine did not translate (its
 * message was refused, or names no call): the translated ID of the call
 * that owns it, else 0.  The real ID must not reach the peer, where it
 * may be another endpoint's translated ID and draw that endpoint's GRE.
 */
static void pptp_conn_guard(struct pptp_conn_walk *w,
			    const struct pptp_msg *m, int msg_off)
{
	const struct pptp_session *s = &w->pc->sess;
	int idx;
	u16 val = 0;

	if (pptp_stream_rewritten_at(w->st, w->in->seq + msg_off + m->own_off))
		return;
	idx = pptp_calls_find(s, PPTP_KEY_ORIG, m->own_id);
	if (idx >= 0 && (s->calls[idx].flags & PPTP_CALLF_NAT_ID))
		val = s->calls[idx].nat_id;
	if (val == m->own_id)
		return;
	if (!val)
		pptp_conn_count(w, PPTP_CE_ID_ZEROED);
	pptp_conn_rewrite(w, msg_off + m->own_off, m->own_id, val);
}

/*
 * The connection is no longer parsed.  Behind source NAT the ORIG side's
 * call IDs could then leave untranslated: its payload stops, including
 * what follows byte @end of this segment if it is the ORIG side's.
 */
static void pptp_conn_uninspect(struct pptp_conn_walk *w, int end)
{
	struct pptp_conn *pc = w->pc;

	pc->uninspected = 1;
	pptp_stream_stop(&pc->dir[PPTP_SIDE_ORIG]);
	pptp_stream_stop(&pc->dir[PPTP_SIDE_REPLY]);
	pptp_conn_count(w, PPTP_CE_UNINSPECT);
	pptp_conn_end_all(pc, w->ops, w->ctx);
	if (!w->in->nat)
		return;
	pptp_conn_block(w, PPTP_SIDE_ORIG);
	if (pptp_conn_outbound(w) && end < (int)w->in->len) {
		w->drop = true;
		w->refuse = true;
	}
}

static bool pptp_conn_message(void *ctx, const struct pptp_msg *m,
			      int msg_off)
{
	struct pptp_conn_walk *w = ctx;
	struct pptp_conn *pc = w->pc;
	struct pptp_session *s = &pc->sess;
	const struct pptp_conn_seg *sg = w->in;
	struct pptp_step_in in = {
		.side = sg->side, .nat = sg->nat, .max_calls = sg->max_calls,
		.now = sg->now,
	};
	bool early = sg->side == PPTP_SIDE_ORIG && pc->early &&
		     m->own_off == PPTP_OFF_CALL_ID &&
		     pc->early_seq == sg->seq + msg_off + PPTP_OFF_CALL_ID;
	struct pptp_step_out out;

	pptp_session_step(s, m, &in, &w->ops->mem, &out);
	/* A version change is not malformed: it ends inspection instead. */
	if (out.violation && out.violation != PPTP_V_VERSION && sg->strict)
		pptp_conn_strict_drop(w);

	if (out.actions & PPTP_ACT_UNINSPECT) {
		if (w->ops->judged)
			w->ops->judged(w->ctx, m, msg_off, &out);
		pptp_conn_uninspect(w, msg_off + m->len);
		return false;
	}

	if (out.actions & PPTP_ACT_ALLOC_NAT_ID) {
		pptp_conn_alloc_nat_id(w, m, msg_off, &in, &out, early);
	} else if (early) {
		/*
		 * Its ID left with the head.  A refused call may give it
		 * back; a message the machine rejects must not reach the
		 * peer whole, or the peer could act on an ID given back.
		 */
		if (out.violation)
			pptp_conn_fail_closed(w);
		pptp_conn_early_release(pc, w->ops, w->ctx);
	}

	if (out.actions & PPTP_ACT_REWRITE)
		pptp_conn_rewrite(w, msg_off + out.rw_off,
				  out.rw_off == m->own_off ? m->own_id :
							     m->peer_id,
				  out.rw_val);
	else if (pptp_conn_outbound(w) && m->own_off != PPTP_MSG_NO_FIELD)
		pptp_conn_guard(w, m, msg_off);

	if ((out.actions & PPTP_ACT_EXPECT) && out.call >= 0) {
		pptp_conn_count(w, PPTP_CE_CALL_SETUP);
		w->ops->expect(w->ctx, &s->calls[out.call]);
	}
	if (w->ops->judged)
		w->ops->judged(w->ctx, m, msg_off, &out);
	if ((out.actions & PPTP_ACT_END_CALL) && out.call >= 0)
		pptp_conn_end_call(pc, out.call, w->ops, w->ctx);
	if (out.actions & PPTP_ACT_END_ALL)
		pptp_conn_end_all(pc, w->ops, w->ctx);
	return true;
}

static int pptp_conn_read(void *ctx, unsigned int off, u8 *buf,
			  unsigned int len)
{
	struct pptp_conn_walk *w = ctx;

	return w->ops->read(w->ctx, off, buf, len);
}

static void pptp_conn_patch(void *ctx, unsigned int off, u8 val)
{
	struct pptp_conn_walk *w = ctx;

	if (w->ops->write(w->ctx, off, &val, 1))
		return;
	pptp_conn_count(w, PPTP_CE_REWRITE_FAILED);
	/* Still remembered: a later resend gets another try. */
	if (pptp_conn_outbound(w))
		w->drop = true;
}

/*
 * Bytes of this side that no judgement covers (a malformed message, a
 * lost stream): a held reply adopts nothing, strict mode drops them, and
 * from behind the NAT they could still name a call to a lenient peer
 * with an ID nothing translated.
 */
static void pptp_conn_unjudged(struct pptp_conn_walk *w)
{
	if (w->in->side == PPTP_SIDE_ORIG)
		pptp_conn_early_release(w->pc, w->ops, w->ctx);
	if (w->in->strict)
		pptp_conn_strict_drop(w);
	if (pptp_conn_outbound(w))
		pptp_conn_fail_closed(w);
}

static void pptp_conn_malformed(void *ctx, enum pptp_parse r)
{
	static const enum pptp_conn_event map[PPTP_PARSE_MAX] = {
		[PPTP_PARSE_BAD_LEN] = PPTP_CE_BAD_LEN,
		[PPTP_PARSE_BAD_PKT_TYPE] = PPTP_CE_BAD_PKT_TYPE,
		[PPTP_PARSE_BAD_MAGIC] = PPTP_CE_BAD_MAGIC,
		[PPTP_PARSE_BAD_MSG_TYPE] = PPTP_CE_BAD_TYPE,
	};
	struct pptp_conn_walk *w = ctx;

	if (r > PPTP_PARSE_NEED_MORE && r < PPTP_PARSE_MAX)
		pptp_conn_count(w, map[r]);
	pptp_conn_unjudged(w);
}

static void pptp_conn_event(void *ctx, enum pptp_stream_event ev)
{
	struct pptp_conn_walk *w = ctx;

	switch (ev) {
	case PPTP_STREAM_SPLIT:
		pptp_conn_count(w, PPTP_CE_SPLIT);
		break;
	case PPTP_STREAM_RETRANSMIT:
		pptp_conn_count(w, PPTP_CE_RETRANSMIT);
		break;
	case PPTP_STREAM_GAP:
		pptp_conn_count(w, PPTP_CE_GAP);
		break;
	case PPTP_STREAM_REFUSED:
		pptp_conn_count(w, PPTP_CE_REFUSED);
		break;
	case PPTP_STREAM_BAD_SHORT:
		pptp_conn_count(w, PPTP_CE_BAD_SHORT);
		if (w->in->strict)
			pptp_conn_strict_drop(w);
		break;
	case PPTP_STREAM_LOST:
		pptp_conn_count(w, PPTP_CE_LOST);
		pptp_conn_unjudged(w);
		break;
	case PPTP_STREAM_RESEND_DIFFERS:
		/* A remembered rewrite cannot be repeated on other bytes. */
		if (pptp_conn_outbound(w))
			pptp_conn_fail_closed(w);
		break;
	default:
		break;
	}
}

static const struct pptp_stream_ops pptp_conn_stream_ops = {
	.read = pptp_conn_read,
	.patch = pptp_conn_patch,
	.message = pptp_conn_message,
	.malformed = pptp_conn_malformed,
	.event = pptp_conn_event,
	.held = pptp_conn_held,
};

/*
 * Does @seq come after bytes of @st the walker has not seen yet?  Bytes
 * that went past inspection will not come: no waiting for them.
 */
static bool pptp_conn_ahead(const struct pptp_stream *st, u32 seq)
{
	return st->synced && !st->lost && !st->bypassed &&
	       (s32)(seq - st->next_seq) > 0;
}

/* Is data of @side before its furthest reset still to be walked? */
static bool pptp_conn_reset_due(const struct pptp_conn *pc, unsigned int side)
{
	return (pc->reset_ahead & (1U << side)) &&
	       pptp_conn_ahead(&pc->dir[side], pc->reset_seq[side]);
}

enum pptp_conn_verdict pptp_conn_segment(struct pptp_conn *pc,
					 const struct pptp_conn_seg *in,
					 const struct pptp_conn_ops *ops,
					 void *ctx)
{
	struct pptp_conn_walk w = {
		.pc = pc, .in = in, .ops = ops, .ctx = ctx,
		.st = &pc->dir[in->side],
	};

	if (!in->len)
		return PPTP_CONN_PASS;
	if (pc->blocked & (1U << in->side)) {
		pptp_conn_count(&w, PPTP_CE_BLOCKED_DROP);
		return PPTP_CONN_DROP;
	}
	/*
	 * From behind the NAT, a resend reaching back to a rewrite the
	 * receiver acknowledged would leave with the ID as written.
	 */
	if (pptp_conn_outbound(&w) && pptp_stream_stale(w.st, in->seq, in->len)) {
		pptp_conn_count(&w, PPTP_CE_STALE_RESEND);
		return PPTP_CONN_DROP;
	}
	w.new_off = pptp_stream_new_off(w.st, in->seq, in->len);
	if (pptp_stream_segment(w.st, in->seq, in->len, &pptp_conn_stream_ops,
				&w) == PPTP_STREAM_REFUSE)
		return PPTP_CONN_DROP;
	if (!w.drop)
		return PPTP_CONN_PASS;
	if (w.refuse)
		pptp_stream_refuse(w.st, in->seq, in->len);
	if (w.strict)
		pptp_conn_count(&w, PPTP_CE_STRICT_DROP);
	return PPTP_CONN_DROP;
}

void pptp_conn_end_call(struct pptp_conn *pc, int idx,
			const struct pptp_conn_ops *ops, void *ctx)
{
	struct pptp_call *call = &pc->sess.calls[idx];

	if (call->flags & PPTP_CALLF_EXPECTED) {
		ops->count(ctx, PPTP_CE_CALL_TORNDOWN);
		ops->forget(ctx, call);
	}
	if (call->flags & PPTP_CALLF_NAT_ID_OWNED)
		ops->id_release(ctx, call->nat_id);
	pptp_call_release(&pc->sess, idx);
}

void pptp_conn_end_all(struct pptp_conn *pc, const struct pptp_conn_ops *ops,
		       void *ctx)
{
	while (pc->sess.ncalls)
		pptp_conn_end_call(pc, pc->sess.ncalls - 1, ops, ctx);
	pptp_session_release_all(&pc->sess);
	pptp_conn_early_release(pc, ops, ctx);
}

enum pptp_conn_verdict pptp_conn_close(struct pptp_conn *pc, unsigned int side,
				       u32 seq, bool rst,
				       const struct pptp_conn_ops *ops,
				       void *ctx)
{
	if (pptp_conn_ahead(&pc->dir[side], seq)) {
		/*
		 * Nobody sends a reset again: it passes, and the calls stay
		 * for the data it overtook.  A forged one its receiver
		 * ignores (RFC 5961; conntrack keeps the entry established
		 * for it) must end nothing either.
		 */
		if (rst) {
			if (!(pc->reset_ahead & (1U << side)) ||
			    (s32)(seq - pc->reset_seq[side]) > 0)
				pc->reset_seq[side] = seq;
			pc->reset_ahead |= 1U << side;
			return PPTP_CONN_PASS;
		}
		ops->count(ctx, PPTP_CE_GAP);
		return PPTP_CONN_DROP;
	}
	/*
	 * The receiver of a real reset that overtook data cannot place it
	 * either: it sends a challenge ACK, and the sender's stack answers
	 * with a reset at the receiver's point, which may be before data
	 * still on its way here.  The calls stay for that data, and until
	 * the entry goes: a call its requests set up keeps its translated
	 * ID as long as the peer may still hold it.
	 */
	if (rst && pptp_conn_reset_due(pc, side))
		return PPTP_CONN_PASS;
	pptp_conn_end_all(pc, ops, ctx);
	return PPTP_CONN_PASS;
}

void pptp_conn_free(struct pptp_conn *pc, const struct pptp_mem_ops *mem)
{
	pptp_session_destroy(&pc->sess, mem);
	pptp_stream_free(&pc->dir[PPTP_SIDE_ORIG], mem);
	pptp_stream_free(&pc->dir[PPTP_SIDE_REPLY], mem);
}

void pptp_conn_destroy(struct pptp_conn *pc, const struct pptp_conn_ops *ops,
		       void *ctx)
{
	pptp_conn_end_all(pc, ops, ctx);
	pptp_conn_free(pc, &ops->mem);
}
