/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Finding PPTP messages in one direction of the TCP control stream.
 * Pure: the caller hands in the segment's sequence number and a reader for
 * its payload, and gets each message back with the payload offset of its
 * first byte.  Shared by the kernel glue, KUnit and the fuzzer.
 *
 * Boundaries are tracked by sequence number from the connection's initial
 * sequence numbers, so any segmentation works.  A message is judged once
 * its first pptp_msg_decide_len() bytes are in (held across segments if
 * need be); the rest of its body is skipped.  Bytes seen before
 * (retransmissions) are never parsed again: the call-ID rewrites made in
 * them are remembered by sequence number until the receiver acknowledges
 * them and repeated byte for byte, so a resend gets exactly what the
 * first copy got, whatever its boundaries.
 * A segment that starts beyond a gap is refused, so TCP sends the missing
 * bytes first and the parser never guesses.  However many are refused
 * meanwhile (two CPUs reorder a burst of small segments), the direction
 * is given up only when the receiver acknowledges bytes the walker never
 * saw: they went past inspection, and will not be sent again.
 */
#ifndef PPTP_ALG_STREAM_H
#define PPTP_ALG_STREAM_H

#include <linux/types.h>
#include "mem.h"
#include "msg.h"

/*
 * Rewrites remembered per direction until acknowledged, in a table that
 * starts at PPTP_STREAM_REWRITES_INIT entries and doubles up to the limit
 * its caller gives (core/conn.c: a few per call the connection may hold).
 */
#define PPTP_STREAM_REWRITES_INIT	8

struct pptp_stream_rewrite {
	u32 seq;		/* sequence number of the field's first byte */
	u16 old_val;		/* what the sender wrote */
	u16 new_val;		/* what went out instead */
};

struct pptp_stream {
	u32 next_seq;		/* first byte not yet consumed */
	u32 refuse_start;	/* strict mode: resends of [start, end) */
	u32 refuse_end;		/* stay dropped */
	u16 skip;		/* body bytes of the current message to skip */
	u8 synced;		/* next_seq valid */
	u8 lost;		/* message boundaries unknown: stop parsing */
	u8 bypassed;		/* receiver acknowledged bytes never seen */
	u8 hold_len;		/* head of the current message so far */
	u8 refusing;		/* refuse_start/refuse_end valid */
	u8 hold[PPTP_WIRE_DECIDE_LEN];
	u8 forgot;		/* forgot_start/forgot_end valid */
	u16 nrw;		/* live entries of rw[] */
	u16 rw_cap;		/* allocated entries of rw[] */
	u32 forgot_start;	/* rewrites acknowledged and forgotten */
	u32 forgot_end;		/* lie in [forgot_start, forgot_end) */
	struct pptp_stream_rewrite *rw;
};

enum pptp_stream_event {
	PPTP_STREAM_SPLIT,	/* a message continues in a later segment */
	PPTP_STREAM_RETRANSMIT,	/* segment carries bytes seen before */
	PPTP_STREAM_GAP,	/* segment refused: bytes before it missing */
	PPTP_STREAM_LOST,	/* boundaries lost: direction no longer parsed */
	PPTP_STREAM_BAD_SHORT,	/* length field below the header size */
	PPTP_STREAM_REFUSED,	/* resend of bytes strict mode dropped */
	PPTP_STREAM_RESEND_DIFFERS, /* resend changed a rewritten field */
	PPTP_STREAM_EVENT_MAX,
};

struct pptp_stream_ops {
	/* Copy @len payload bytes from offset @off; 0 or negative error. */
	int (*read)(void *ctx, unsigned int off, u8 *buf, unsigned int len);
	/*
	 * A message whose first pptp_msg_decide_len(type) bytes are in.
	 * @msg_off is the payload offset of its first byte, negative when
	 * it began in an earlier segment.  Return false to stop parsing this
	 * segment (the connection is no longer inspected).
	 */
	bool (*message)(void *ctx, const struct pptp_msg *m, int msg_off);
	/* A malformed message (any PPTP_PARSE_BAD_* except short length). */
	void (*malformed)(void *ctx, enum pptp_parse r);
	void (*event)(void *ctx, enum pptp_stream_event ev);
	/* Optional: overwrite payload byte @off of a resent segment. */
	void (*patch)(void *ctx, unsigned int off, u8 val);
	/*
	 * Optional: the segment ended inside the head of a message that is
	 * not judged yet; its first @len bytes (header valid, @len below
	 * pptp_msg_decide_len()) start at payload offset @msg_off.
	 */
	void (*held)(void *ctx, const u8 *head, unsigned int len,
		     int msg_off);
};

enum pptp_stream_verdict {
	PPTP_STREAM_PASS = 0,
	PPTP_STREAM_REFUSE,	/* drop the segment: TCP will resend */
};

void pptp_stream_init(struct pptp_stream *st);

/* Start of the direction's byte stream (initial sequence number + 1). */
void pptp_stream_sync(struct pptp_stream *st, u32 seq);

/* Most rewrites a direction can remember (the table's counts are u16). */
#define PPTP_STREAM_REWRITES_MAX	0xffff

/*
 * Remember that the 16-bit field at @seq goes out as @new_val: 0;
 * -ENOSPC when @limit (at most PPTP_STREAM_REWRITES_MAX) rewrites are
 * already waiting for their ack; -ENOMEM when the table cannot grow.
 */
int pptp_stream_note_rewrite(struct pptp_stream *st, u32 seq, u16 old_val,
			     u16 new_val, unsigned int limit,
			     const struct pptp_mem_ops *mem);

/* Free the table of remembered rewrites. */
void pptp_stream_free(struct pptp_stream *st, const struct pptp_mem_ops *mem);

/* Was the field at @seq rewritten (while its message was held)? */
bool pptp_stream_rewritten_at(const struct pptp_stream *st, u32 seq);

/*
 * The receiver has every byte before @ack: forget rewrites below it,
 * except those inside a message head that is not judged yet.  An @ack
 * beyond the bytes seen gives the direction up at its next segment.
 */
void pptp_stream_ack(struct pptp_stream *st, u32 ack);

/*
 * Could the @len bytes at @seq hold a rewritten field that the receiver
 * has acknowledged, and that is no longer remembered?  Such a resend can
 * only be spurious (its bytes have arrived), and it would carry the field
 * as its sender wrote it.
 */
static inline bool pptp_stream_stale(const struct pptp_stream *st, u32 seq,
				     unsigned int len)
{
	return st->forgot && (s32)(st->forgot_end - seq) > 0 &&
	       (s32)(seq + len - st->forgot_start) > 0;
}

/* Strict mode dropped [@seq, @seq + @len): refuse its resends too. */
void pptp_stream_refuse(struct pptp_stream *st, u32 seq, unsigned int len);

/*
 * Stop parsing (the connection is no longer inspected); resends keep
 * their remembered rewrites and refusals.
 */
void pptp_stream_stop(struct pptp_stream *st);

/*
 * Payload offset of the first byte not seen before in a segment starting
 * at @seq with @len bytes: a field below it already left unrewritten.
 */
static inline unsigned int pptp_stream_new_off(const struct pptp_stream *st,
					       u32 seq, unsigned int len)
{
	s32 delta = (s32)(st->next_seq - seq);

	if (!st->synced || delta <= 0)
		return 0;
	return (unsigned int)delta < len ? (unsigned int)delta : len;
}

/*
 * Where to write a rewrite of the 16-bit field holding @old_val, which
 * starts at payload offset @off of the segment (negative: in an earlier
 * segment), when payload bytes before @new_off were sent before.  Bytes
 * of the field that already went out cannot change any more, so the
 * rewrite is possible only if @new_val keeps them (a translated call ID
 * normally keeps the high byte: see pptp_callid_pick_near()).  Returns
 * false if not; else the field's bytes [*@from - @off, 2) go to payload
 * offset *@from, *@n of them.
 */
bool pptp_stream_place_rewrite(int off, unsigned int new_off, u16 old_val,
			       u16 new_val, unsigned int *from,
			       unsigned int *n);

/* Feed one segment of @len payload bytes starting at sequence @seq. */
enum pptp_stream_verdict pptp_stream_segment(struct pptp_stream *st, u32 seq,
					     unsigned int len,
					     const struct pptp_stream_ops *ops,
					     void *ctx);

#endif /* PPTP_ALG_STREAM_H */
