// SPDX-License-Identifier: GPL-2.0-only
/*
 * Message boundaries in one direction of the PPTP control stream.  Pure:
 * see include/pptp_alg/stream.h for the contract.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>

#include "pptp_alg/stream.h"

void pptp_stream_init(struct pptp_stream *st)
{
	memset(st, 0, sizeof(*st));
}

void pptp_stream_sync(struct pptp_stream *st, u32 seq)
{
	if (st->synced)
		return;
	st->next_seq = seq;
	st->synced = 1;
}

int pptp_stream_note_rewrite(struct pptp_stream *st, u32 seq, u16 old_val,
			     u16 new_val, unsigned int limit,
			     const struct pptp_mem_ops *mem)
{
	struct pptp_stream_rewrite *rw;

	limit = min_t(unsigned int, limit, PPTP_STREAM_REWRITES_MAX);
	if (st->nrw >= limit)
		return -ENOSPC;
	if (st->nrw == st->rw_cap) {
		unsigned int cap = st->rw_cap ? 2 * st->rw_cap :
						PPTP_STREAM_REWRITES_INIT;

		cap = min_t(unsigned int, cap, limit);
		rw = mem->alloc(cap * sizeof(*rw));
		if (!rw)
			return -ENOMEM;
		if (st->nrw)
			memcpy(rw, st->rw, st->nrw * sizeof(*rw));
		mem->free(st->rw);
		st->rw = rw;
		st->rw_cap = cap;
	}
	rw = &st->rw[st->nrw++];
	rw->seq = seq;
	rw->old_val = old_val;
	rw->new_val = new_val;
	return 0;
}

void pptp_stream_free(struct pptp_stream *st, const struct pptp_mem_ops *mem)
{
	mem->free(st->rw);
	st->rw = NULL;
	st->nrw = 0;
	st->rw_cap = 0;
}

bool pptp_stream_rewritten_at(const struct pptp_stream *st, u32 seq)
{
	unsigned int i;

	for (i = 0; i < st->nrw; i++)
		if (st->rw[i].seq == seq)
			return true;
	return false;
}

void pptp_stream_ack(struct pptp_stream *st, u32 ack)
{
	/* A head not judged yet still needs to know what it went out as. */
	u32 held = st->next_seq - st->hold_len;
	unsigned int i = 0;

	/*
	 * Every byte the receiver has went past the walker first, unless
	 * it went past inspection (a segment the ruleset accepted without
	 * its conntrack entry, or another path).  One more is a FIN's.
	 */
	if (st->synced && !st->lost && (s32)(ack - st->next_seq) > 1)
		st->bypassed = 1;

	while (i < st->nrw) {
		const struct pptp_stream_rewrite *rw = &st->rw[i];
		u32 end = rw->seq + 2;

		/* Both bytes of the field are below @ack. */
		if ((s32)(ack - end) >= 0 &&
		    (!st->hold_len || (s32)(rw->seq - held) < 0)) {
			if (!st->forgot || (s32)(end - st->forgot_end) > 0)
				st->forgot_end = end;
			if (!st->forgot || (s32)(rw->seq - st->forgot_start) < 0)
				st->forgot_start = rw->seq;
			st->forgot = 1;
			st->rw[i] = st->rw[--st->nrw];
		} else {
			i++;
		}
	}
}

void pptp_stream_refuse(struct pptp_stream *st, u32 seq, unsigned int len)
{
	u32 end = seq + len;

	/* Pipelined drops: one range covering them all. */
	if (st->refusing) {
		if ((s32)(st->refuse_start - seq) < 0)
			seq = st->refuse_start;
		if ((s32)(st->refuse_end - end) > 0)
			end = st->refuse_end;
	}
	st->refuse_start = seq;
	st->refuse_end = end;
	st->refusing = 1;
}

void pptp_stream_stop(struct pptp_stream *st)
{
	st->lost = 1;
	st->hold_len = 0;
	st->skip = 0;
}

static void pptp_stream_lose(struct pptp_stream *st,
			     const struct pptp_stream_ops *ops, void *ctx)
{
	st->lost = 1;
	st->hold_len = 0;
	st->skip = 0;
	ops->event(ctx, PPTP_STREAM_LOST);
}

/* Is sequence number @s inside [@start, @start + @len)? */
static bool pptp_seq_in(u32 s, u32 start, unsigned int len)
{
	return s - start < len;
}

/*
 * Append the next @take new bytes at *@off to the held head.  Returns
 * false when they cannot be read: the stream is lost.
 */
static bool pptp_stream_hold(struct pptp_stream *st, unsigned int *off,
			     unsigned int *len, unsigned int take,
			     const struct pptp_stream_ops *ops, void *ctx)
{
	if (take && ops->read(ctx, *off, st->hold + st->hold_len, take)) {
		pptp_stream_lose(st, ops, ctx);
		return false;
	}
	st->hold_len += take;
	*off += take;
	*len -= take;
	return true;
}

/*
 * Consume new bytes of the current message's head.  Returns false when
 * the segment's walk must stop.
 */
static bool pptp_stream_head(struct pptp_stream *st, unsigned int *off,
			     unsigned int *len,
			     const struct pptp_stream_ops *ops, void *ctx)
{
	u8 buf[PPTP_WIRE_MAX_MSG_LEN];
	unsigned int need, want, take, msg_len;
	int msg_off = (int)*off - st->hold_len;
	struct pptp_msg m;
	enum pptp_parse r;

	/* The header first: it says how long the message is. */
	if (st->hold_len < PPTP_WIRE_HDR_LEN) {
		take = min_t(unsigned int, PPTP_WIRE_HDR_LEN - st->hold_len,
			     *len);
		if (!pptp_stream_hold(st, off, len, take, ops, ctx))
			return false;
		if (st->hold_len < PPTP_WIRE_HDR_LEN)
			return true;
	}

	r = pptp_msg_parse(st->hold, st->hold_len, &m, &need);
	if (r == PPTP_PARSE_NEED_MORE && need <= PPTP_WIRE_MAX_MSG_LEN &&
	    need > st->hold_len) {
		msg_len = need;
		/* The header was valid, so the type is known and its size. */
		want = pptp_msg_decide_len(pptp_get16(st->hold +
						      PPTP_WIRE_OFF_MSG_TYPE));
		take = min_t(unsigned int, want - st->hold_len, *len);
		if (!pptp_stream_hold(st, off, len, take, ops, ctx))
			return false;
		if (st->hold_len < want)
			return true;
		/* Judge on the head; the body holds nothing we read. */
		memset(buf, 0, sizeof(buf));
		memcpy(buf, st->hold, st->hold_len);
		r = pptp_msg_parse(buf, msg_len, &m, &need);
	} else {
		msg_len = need;
	}

	if (r == PPTP_PARSE_OK) {
		st->skip = msg_len - st->hold_len;
		st->hold_len = 0;
		return ops->message(ctx, &m, msg_off);
	}

	if (r == PPTP_PARSE_NEED_MORE) {
		pptp_stream_lose(st, ops, ctx);
		return false;
	}
	if (r == PPTP_PARSE_BAD_LEN && pptp_get16(st->hold) < PPTP_WIRE_HDR_LEN)
		ops->event(ctx, PPTP_STREAM_BAD_SHORT);
	else
		ops->malformed(ctx, r);
	if (!need || need < st->hold_len || need > PPTP_WIRE_MAX_MSG_LEN) {
		pptp_stream_lose(st, ops, ctx);
		return false;
	}
	/* Sane length: step over the bad message and carry on after it. */
	st->skip = need - st->hold_len;
	st->hold_len = 0;
	return true;
}

/* Parse new bytes [off, off + len) of the payload. */
static void pptp_stream_parse_new(struct pptp_stream *st, unsigned int off,
				  unsigned int len,
				  const struct pptp_stream_ops *ops, void *ctx)
{
	unsigned int take;

	while (len && !st->lost) {
		if (st->skip) {
			take = min_t(unsigned int, st->skip, len);
			st->skip -= take;
			off += take;
			len -= take;
			continue;
		}
		if (!pptp_stream_head(st, &off, &len, ops, ctx))
			return;
	}
	if (st->lost || (!st->hold_len && !st->skip))
		return;
	ops->event(ctx, PPTP_STREAM_SPLIT);
	/* A held head has a valid header once it passed PPTP_WIRE_HDR_LEN. */
	if (ops->held && st->hold_len > PPTP_WIRE_HDR_LEN)
		ops->held(ctx, st->hold, st->hold_len, (int)off - st->hold_len);
}

/* Do resent bytes [seq, seq + len) overlap what strict mode refused? */
static bool pptp_stream_refused(const struct pptp_stream *st, u32 seq,
				unsigned int len)
{
	return st->refusing &&
	       (pptp_seq_in(seq, st->refuse_start,
			    st->refuse_end - st->refuse_start) ||
		pptp_seq_in(st->refuse_start, seq, len));
}

/* Repeat remembered rewrites inside resent bytes [0, len), byte by byte. */
static void pptp_stream_repatch(struct pptp_stream *st, u32 seq,
				unsigned int len,
				const struct pptp_stream_ops *ops, void *ctx)
{
	unsigned int i, b;

	if (!ops->patch)
		return;
	for (i = 0; i < st->nrw; i++) {
		const struct pptp_stream_rewrite *rw = &st->rw[i];

		for (b = 0; b < 2; b++) {
			u8 old = b ? rw->old_val & 0xff : rw->old_val >> 8;
			u8 new = b ? rw->new_val & 0xff : rw->new_val >> 8;
			u32 s = rw->seq + b;
			u8 cur;

			if (!pptp_seq_in(s, seq, len) ||
			    ops->read(ctx, s - seq, &cur, 1))
				continue;
			if (cur != old) {
				/* Not what the first copy carried here. */
				ops->event(ctx, PPTP_STREAM_RESEND_DIFFERS);
				continue;
			}
			ops->patch(ctx, s - seq, new);
		}
	}
}

bool pptp_stream_place_rewrite(int off, unsigned int new_off, u16 old_val,
			       u16 new_val, unsigned int *from,
			       unsigned int *n)
{
	unsigned int b;

	for (b = 0; b < 2 && off + (int)b < (int)new_off; b++) {
		u8 shift = b ? 0 : 8;

		if (((old_val ^ new_val) >> shift) & 0xff)
			return false;
	}
	/* Both bytes gone and unchanged: nothing to write. */
	*from = b < 2 ? off + b : 0;
	*n = 2 - b;
	return true;
}

enum pptp_stream_verdict pptp_stream_segment(struct pptp_stream *st, u32 seq,
					     unsigned int len,
					     const struct pptp_stream_ops *ops,
					     void *ctx)
{
	unsigned int seen;
	s32 delta;

	if (!len)
		return PPTP_STREAM_PASS;

	/* Without the handshake, the first data seen has to do. */
	pptp_stream_sync(st, seq);
	if (st->bypassed) {
		st->bypassed = 0;
		if (!st->lost)
			pptp_stream_lose(st, ops, ctx);
	}

	delta = (s32)(st->next_seq - seq);
	if (st->lost) {
		/* Nothing is parsed any more, but resends stay as they were. */
		if (pptp_stream_refused(st, seq, len)) {
			ops->event(ctx, PPTP_STREAM_REFUSED);
			return PPTP_STREAM_REFUSE;
		}
		if (delta <= 0) {
			/* Follow contiguous data only: a gap is not jumped. */
			if (!delta)
				st->next_seq = seq + len;
			return PPTP_STREAM_PASS;
		}
		seen = min_t(unsigned int, delta, len);
		pptp_stream_repatch(st, seq, seen, ops, ctx);
		if (len > seen)
			st->next_seq = seq + len;
		return PPTP_STREAM_PASS;
	}
	if (delta < 0) {
		/* TCP sends the missing bytes again: they were not acked. */
		ops->event(ctx, PPTP_STREAM_GAP);
		return PPTP_STREAM_REFUSE;
	}

	seen = min_t(unsigned int, delta, len);
	if (seen) {
		ops->event(ctx, PPTP_STREAM_RETRANSMIT);
		if (pptp_stream_refused(st, seq, seen)) {
			ops->event(ctx, PPTP_STREAM_REFUSED);
			return PPTP_STREAM_REFUSE;
		}
		pptp_stream_repatch(st, seq, seen, ops, ctx);
	}
	if (len > seen) {
		/* Advance first: a callback may end inspection midway. */
		st->next_seq = seq + len;
		pptp_stream_parse_new(st, seen, len - seen, ops, ctx);
	}
	return PPTP_STREAM_PASS;
}
