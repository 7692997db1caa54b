/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Finding PPTP messages in one direction of the TCP control stream.
 * Pure: the caller hands in the segment's sequence number and a reader for
 * its payload, and gets each complete message back with the payload offset
 * of its first byte.  Shared by the kernel glue, KUnit and the fuzzer.
 *
 * Boundaries are tracked by sequence number, so any segmentation works: a
 * message split over segments is reassembled in a buffer bounded by the
 * largest legal message; bytes seen before (retransmissions) are parsed
 * again as replay so a NAT rewrite is applied identically; a segment that
 * starts beyond a gap is refused, so TCP resends the missing bytes first
 * and the parser never guesses.
 */
#ifndef PPTP_ALG_STREAM_H
#define PPTP_ALG_STREAM_H

#include <linux/types.h>
#include "msg.h"

/* Consecutive refused segments before a direction is given up. */
#define PPTP_STREAM_MAX_GAPS	32

struct pptp_stream {
	u32 next_seq;		/* first byte not yet consumed */
	u16 skip;		/* bytes of a rejected message still to skip */
	u8 synced;		/* next_seq valid */
	u8 lost;		/* message boundaries unknown: stop parsing */
	u8 gaps;		/* consecutive refused segments */
	u8 hold_len;		/* head of a message split over segments */
	u8 hold[PPTP_WIRE_MAX_MSG_LEN];
};

enum pptp_stream_event {
	PPTP_STREAM_SPLIT,	/* a message continues in a later segment */
	PPTP_STREAM_RETRANSMIT,	/* segment carries bytes seen before */
	PPTP_STREAM_GAP,	/* segment refused: bytes before it missing */
	PPTP_STREAM_LOST,	/* boundaries lost: direction no longer parsed */
	PPTP_STREAM_BAD_SHORT,	/* length field below the header size */
	PPTP_STREAM_EVENT_MAX,
};

struct pptp_stream_ops {
	/* Copy @len payload bytes from offset @off; 0 or negative error. */
	int (*read)(void *ctx, unsigned int off, u8 *buf, unsigned int len);
	/*
	 * A complete message.  @msg_off is the payload offset of its first
	 * byte, negative when it began in an earlier segment.  Return false
	 * to stop parsing this segment (the connection is no longer
	 * inspected).
	 */
	bool (*message)(void *ctx, const struct pptp_msg *m, int msg_off,
			bool replay);
	/* A malformed message (any PPTP_PARSE_BAD_* except short length). */
	void (*malformed)(void *ctx, enum pptp_parse r, bool replay);
	void (*event)(void *ctx, enum pptp_stream_event ev);
};

enum pptp_stream_verdict {
	PPTP_STREAM_PASS = 0,
	PPTP_STREAM_REFUSE,	/* drop the segment: TCP will resend */
};

void pptp_stream_init(struct pptp_stream *st);

/* Feed one segment of @len payload bytes starting at sequence @seq. */
enum pptp_stream_verdict pptp_stream_segment(struct pptp_stream *st, u32 seq,
					     unsigned int len,
					     const struct pptp_stream_ops *ops,
					     void *ctx);

#endif /* PPTP_ALG_STREAM_H */
