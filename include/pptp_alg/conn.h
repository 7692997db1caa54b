/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One PPTP control connection: the message walker of each direction
 * (stream.h), the session machine (session.h) and every decision about
 * the call IDs of an endpoint behind source NAT.  Pure: the kernel glue
 * hands in one segment at a time and carries out what it is asked
 * through struct pptp_conn_ops; KUnit and the fuzzer drive this same code
 * with their own ops.
 *
 * Translation policy: behind source NAT, a call-ID field sent by the ORIG
 * endpoint leaves translated or not at all.
 *  - A field of a call that has a translated ID carries that ID.
 *  - A field that names no call with a translated ID (a request over
 *    max_calls, a duplicate, no free ID, a refused reply) carries 0,
 *    which is never handed out as a translated ID.
 *  - Where neither can be written (a byte of the field already left in
 *    an earlier segment, a resend that differs from the first copy, the
 *    remembered rewrites full, a malformed message, a stream no longer
 *    parsed), the inside side fails closed: that segment, its resends
 *    and every later payload segment of that side are dropped.  Only
 *    that control connection is affected.
 *  - An OCRP/ICRP cut by a segment boundary after its call-ID field but
 *    before its result code gets its translated ID reserved and written
 *    while held; the judgement adopts it, gives it back for a refused
 *    call, or fails the side closed for a message it rejects.
 */
#ifndef PPTP_ALG_CONN_H
#define PPTP_ALG_CONN_H

#include <linux/types.h>
#include "session.h"
#include "stream.h"

struct pptp_conn {
	struct pptp_session sess;
	struct pptp_stream dir[2];
	u32 early_seq;		/* ORIG: the held reply's call-ID field */
	u16 early_id;		/* what it went out as (0: no ID was free) */
	u8 early;		/* early_*: reserved, not yet judged */
	u8 blocked;		/* BIT(side): that direction failed closed */
	u8 uninspected;		/* not version 1: nothing parsed any more */
	u8 reset_ahead;		/* BIT(side): a reset came ahead of data */
	u32 reset_seq[2];	/* the furthest reset_ahead of each side */
};

/* What the glue counts (the kernel maps each to a stats line). */
enum pptp_conn_event {
	PPTP_CE_SPLIT,		/* message continued in a later segment */
	PPTP_CE_RETRANSMIT,	/* segment carried bytes seen before */
	PPTP_CE_GAP,		/* segment refused: bytes before it missing */
	PPTP_CE_LOST,		/* boundaries lost: direction not parsed */
	PPTP_CE_BAD_SHORT,	/* length field below the header size */
	PPTP_CE_BAD_LEN,
	PPTP_CE_BAD_PKT_TYPE,
	PPTP_CE_BAD_MAGIC,
	PPTP_CE_BAD_TYPE,
	PPTP_CE_STRICT_DROP,	/* strict mode dropped a segment */
	PPTP_CE_REFUSED,	/* resend of a segment dropped for good */
	PPTP_CE_UNINSPECT,	/* connection no longer inspected */
	PPTP_CE_CALL_SETUP,	/* call established, its GRE expected */
	PPTP_CE_CALL_TORNDOWN,	/* established call ended */
	PPTP_CE_REWRITE,	/* call-ID field rewritten */
	PPTP_CE_REWRITE_FAILED,	/* field could not be rewritten */
	PPTP_CE_ID_ZEROED,	/* field with no translated ID sent as 0 */
	PPTP_CE_FAIL_CLOSED,	/* a direction stopped passing payload */
	PPTP_CE_BLOCKED_DROP,	/* segment of a failed-closed direction */
	PPTP_CE_NOMEM,		/* a table could not grow */
	PPTP_CE_STALE_RESEND,	/* resend of acknowledged rewrites dropped */
	PPTP_CE_MAX,
};

struct pptp_conn_ops {
	/* Memory of the call table (GFP_ATOMIC in the kernel). */
	struct pptp_mem_ops mem;
	/* Copy @len bytes of the segment's payload from offset @off. */
	int (*read)(void *ctx, unsigned int off, u8 *buf, unsigned int len);
	/* Overwrite @len payload bytes at @off; false if that failed. */
	bool (*write)(void *ctx, unsigned int off, const u8 *val,
		      unsigned int len);
	/*
	 * Reserve a translated ID for the ORIG endpoint's call ID @hint
	 * (preferably sharing its high byte, never 0): 0 or -errno.
	 */
	int (*id_reserve)(void *ctx, u16 hint, u16 *out);
	void (*id_release)(void *ctx, u16 id);
	/* The call is established: expect its GRE (sets CALLF_EXPECTED). */
	void (*expect)(void *ctx, struct pptp_call *call);
	/* The call ends: remove its expectations and GRE entries. */
	void (*forget)(void *ctx, struct pptp_call *call);
	void (*count)(void *ctx, enum pptp_conn_event ev);
	/*
	 * Optional: a message the machine judged, after its translation and
	 * before the calls it ends are released (counters, logs, tests).
	 */
	void (*judged)(void *ctx, const struct pptp_msg *m, int msg_off,
		       const struct pptp_step_out *out);
};

/* One segment's payload and what the glue knows about it. */
struct pptp_conn_seg {
	u8 side;		/* PPTP_SIDE_* of the sender */
	bool nat;		/* ORIG endpoint behind source NAT */
	bool strict;		/* drop malformed or illegal input */
	u16 max_calls;
	u32 now;		/* seconds, stored in pptp_call.start */
	u32 seq;		/* sequence number of the first payload byte */
	unsigned int len;	/* payload bytes */
};

enum pptp_conn_verdict {
	PPTP_CONN_PASS = 0,
	PPTP_CONN_DROP,
};

void pptp_conn_init(struct pptp_conn *pc, u32 seed);

/* A side's first payload byte is @seq (from the handshake). */
void pptp_conn_sync(struct pptp_conn *pc, unsigned int side, u32 seq);

/* Inspect one segment with payload; the glue drops it on DROP. */
enum pptp_conn_verdict pptp_conn_segment(struct pptp_conn *pc,
					 const struct pptp_conn_seg *in,
					 const struct pptp_conn_ops *ops,
					 void *ctx);

/* @side acknowledged every byte of the other side before @ack. */
void pptp_conn_ack(struct pptp_conn *pc, unsigned int side, u32 ack);

/* Tear call @idx down (GRE, translated ID) and forget it. */
void pptp_conn_end_call(struct pptp_conn *pc, int idx,
			const struct pptp_conn_ops *ops, void *ctx);

/* Every call, and an ID reserved for a held reply. */
void pptp_conn_end_all(struct pptp_conn *pc, const struct pptp_conn_ops *ops,
		       void *ctx);

/*
 * @side closes the connection: a FIN or a reset at sequence number @seq
 * (past its segment's payload).  Every call ends, unless it comes before
 * bytes of @side the walker has not seen (two CPUs reordered it ahead of
 * the data it follows): a FIN is then refused (DROP, counted as a gap)
 * and TCP sends it again after them; a reset passes and the calls stay
 * for that data, as they do for a second reset of @side that comes
 * before it (its stack answering the receiver's challenge ACK), until
 * the glue ends them with the connection.
 */
enum pptp_conn_verdict pptp_conn_close(struct pptp_conn *pc, unsigned int side,
				       u32 seq, bool rst,
				       const struct pptp_conn_ops *ops,
				       void *ctx);

/* Free the tables of a connection whose calls have all ended. */
void pptp_conn_free(struct pptp_conn *pc, const struct pptp_mem_ops *mem);

/* pptp_conn_end_all(), then pptp_conn_free(). */
void pptp_conn_destroy(struct pptp_conn *pc, const struct pptp_conn_ops *ops,
		       void *ctx);

#endif /* PPTP_ALG_CONN_H */
