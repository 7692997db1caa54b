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

static void pptp_stream_lose(struct pptp_stream *st,
			     const struct pptp_stream_ops *ops, void *ctx)
{
	st->lost = 1;
	st->hold_len = 0;
	ops->event(ctx, PPTP_STREAM_LOST);
}

/* Length field below the header size: counted apart as "short". */
static bool pptp_stream_len_short(const u8 *hdr, unsigned int avail)
{
	return avail >= 2 && pptp_get16(hdr) < PPTP_WIRE_HDR_LEN;
}

static void pptp_stream_bad(const u8 *buf, unsigned int avail,
			    enum pptp_parse r, bool replay,
			    const struct pptp_stream_ops *ops, void *ctx)
{
	if (r == PPTP_PARSE_BAD_LEN && pptp_stream_len_short(buf, avail))
		ops->event(ctx, PPTP_STREAM_BAD_SHORT);
	else
		ops->malformed(ctx, r, replay);
}

/*
 * Complete the held head of a split message with new bytes at @*off.
 * Returns false when parsing of the segment must stop.
 */
static bool pptp_stream_fill_hold(struct pptp_stream *st, unsigned int *off,
				  unsigned int *len,
				  const struct pptp_stream_ops *ops, void *ctx)
{
	unsigned int need, take;
	struct pptp_msg m;
	enum pptp_parse r;
	int msg_off;

	need = st->hold_len >= PPTP_WIRE_HDR_LEN ? pptp_get16(st->hold) :
						    PPTP_WIRE_HDR_LEN;
	if (need < st->hold_len || need > PPTP_WIRE_MAX_MSG_LEN) {
		pptp_stream_lose(st, ops, ctx);
		return false;
	}
	take = min_t(unsigned int, need - st->hold_len, *len);
	if (ops->read(ctx, *off, st->hold + st->hold_len, take)) {
		pptp_stream_lose(st, ops, ctx);
		return false;
	}
	msg_off = (int)*off - st->hold_len;
	st->hold_len += take;
	*off += take;
	*len -= take;

	r = pptp_msg_parse(st->hold, st->hold_len, &m, &need);
	if (r == PPTP_PARSE_NEED_MORE) {
		if (need > PPTP_WIRE_MAX_MSG_LEN || need < st->hold_len) {
			pptp_stream_lose(st, ops, ctx);
			return false;
		}
		return true;
	}
	if (r != PPTP_PARSE_OK) {
		unsigned int have = st->hold_len;

		st->hold_len = 0;
		pptp_stream_bad(st->hold, have, r, false, ops, ctx);
		if (!need) {
			pptp_stream_lose(st, ops, ctx);
			return false;
		}
		/* Sane length: step over the rest of the bad message. */
		if (need > have)
			st->skip = need - have;
		return true;
	}
	st->hold_len = 0;
	return ops->message(ctx, &m, msg_off, false);
}

/* Parse new bytes [off, off + len) of the payload. */
static void pptp_stream_parse_new(struct pptp_stream *st, unsigned int off,
				  unsigned int len,
				  const struct pptp_stream_ops *ops, void *ctx)
{
	u8 buf[PPTP_WIRE_MAX_MSG_LEN];
	unsigned int need, take;
	struct pptp_msg m;
	enum pptp_parse r;

	while (len && !st->lost) {
		if (st->skip) {
			take = min_t(unsigned int, st->skip, len);
			st->skip -= take;
			off += take;
			len -= take;
			continue;
		}

		if (st->hold_len) {
			if (!pptp_stream_fill_hold(st, &off, &len, ops, ctx))
				return;
			continue;
		}

		take = min_t(unsigned int, len, sizeof(buf));
		if (ops->read(ctx, off, buf, take)) {
			pptp_stream_lose(st, ops, ctx);
			return;
		}
		r = pptp_msg_parse(buf, take, &m, &need);
		if (r == PPTP_PARSE_NEED_MORE) {
			if (take < len || need > PPTP_WIRE_MAX_MSG_LEN) {
				pptp_stream_lose(st, ops, ctx);
				return;
			}
			/* Tail of the segment: keep it for the next one. */
			memcpy(st->hold, buf, take);
			st->hold_len = take;
			ops->event(ctx, PPTP_STREAM_SPLIT);
			return;
		}
		if (r != PPTP_PARSE_OK) {
			pptp_stream_bad(buf, take, r, false, ops, ctx);
			if (!need) {
				pptp_stream_lose(st, ops, ctx);
				return;
			}
			/* Sane length: step over the bad message. */
			take = min_t(unsigned int, need, len);
			st->skip = need - take;
			off += take;
			len -= take;
			continue;
		}
		if (!ops->message(ctx, &m, off, false))
			return;
		off += m.len;
		len -= m.len;
	}
}

/*
 * Re-parse retransmitted bytes [0, len).  Only whole messages starting at
 * the segment start are recognised: a resent segment normally starts
 * where the first copy did, at a message boundary.
 */
static void pptp_stream_parse_replay(unsigned int len,
				     const struct pptp_stream_ops *ops,
				     void *ctx)
{
	u8 buf[PPTP_WIRE_MAX_MSG_LEN];
	unsigned int off = 0, need, take;
	struct pptp_msg m;
	enum pptp_parse r;

	while (off < len) {
		take = min_t(unsigned int, len - off, sizeof(buf));
		if (ops->read(ctx, off, buf, take))
			return;
		r = pptp_msg_parse(buf, take, &m, &need);
		if (r == PPTP_PARSE_NEED_MORE)
			return;
		if (r != PPTP_PARSE_OK) {
			pptp_stream_bad(buf, take, r, true, ops, ctx);
			return;
		}
		if (!ops->message(ctx, &m, off, true))
			return;
		off += m.len;
	}
}

enum pptp_stream_verdict pptp_stream_segment(struct pptp_stream *st, u32 seq,
					     unsigned int len,
					     const struct pptp_stream_ops *ops,
					     void *ctx)
{
	unsigned int seen;
	s32 delta;

	if (!len || st->lost)
		return PPTP_STREAM_PASS;

	if (!st->synced) {
		st->next_seq = seq;
		st->synced = 1;
	}

	delta = (s32)(st->next_seq - seq);
	if (delta < 0) {
		ops->event(ctx, PPTP_STREAM_GAP);
		if (++st->gaps < PPTP_STREAM_MAX_GAPS)
			return PPTP_STREAM_REFUSE;
		pptp_stream_lose(st, ops, ctx);
		return PPTP_STREAM_PASS;
	}
	st->gaps = 0;

	seen = min_t(unsigned int, delta, len);
	if (seen) {
		ops->event(ctx, PPTP_STREAM_RETRANSMIT);
		pptp_stream_parse_replay(seen, ops, ctx);
	}
	if (len > seen) {
		/* Advance first: a callback may end inspection midway. */
		st->next_seq = seq + len;
		pptp_stream_parse_new(st, seen, len - seen, ops, ctx);
	}
	return PPTP_STREAM_PASS;
}
