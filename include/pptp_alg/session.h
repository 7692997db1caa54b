/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * PPTP control-connection and call state machine.  Pure: no skb or
 * conntrack types.  Directions are the two sides of the TCP control
 * connection as conntrack sees them: PPTP_SIDE_ORIG is the endpoint that
 * sent the SYN, PPTP_SIDE_REPLY the other one.  PNS/PAC roles are taken
 * per call from the messages, never from who opened TCP.
 *
 * Call IDs are per endpoint.  When the ORIG endpoint sits behind source NAT
 * its call IDs are translated: id[ORIG] is what that endpoint uses, nat_id
 * what the REPLY endpoint sees.  Without NAT nat_id == id[ORIG].
 */
#ifndef PPTP_ALG_SESSION_H
#define PPTP_ALG_SESSION_H

#include <linux/types.h>
#include "mem.h"
#include "msg.h"

#define PPTP_SIDE_ORIG		0
#define PPTP_SIDE_REPLY		1

enum pptp_sess_state {
	PPTP_SESS_IDLE = 0,	/* nothing seen yet */
	PPTP_SESS_REQUESTED,	/* SCCRQ seen */
	PPTP_SESS_ESTABLISHED,	/* SCCRP with result OK seen */
	PPTP_SESS_STOPPING,	/* StopCCRQ seen: every call ended */
	PPTP_SESS_UNINSPECTED,	/* not version 1: terminal, nothing parsed */
	PPTP_SESS_STATE_MAX,
};

enum pptp_call_state {
	PPTP_CALL_OUT_REQUESTED = 1,	/* OCRQ seen */
	PPTP_CALL_IN_REQUESTED,		/* ICRQ seen */
	PPTP_CALL_IN_REPLIED,		/* ICRP with result OK seen */
	PPTP_CALL_ESTABLISHED,		/* OCRP connected, or ICCN */
	PPTP_CALL_CLEARING,		/* CCRQ seen, waiting for CDN */
	PPTP_CALL_STATE_MAX,
};

/* struct pptp_call.flags */
#define PPTP_CALLF_ID_ORIG	0x01	/* id[ORIG] known */
#define PPTP_CALLF_ID_REPLY	0x02	/* id[REPLY] known */
#define PPTP_CALLF_NAT_ID	0x04	/* nat_id valid */
#define PPTP_CALLF_EXPECTED	0x08	/* GRE expectations created (glue) */
#define PPTP_CALLF_GRE_ORIG	0x10	/* GRE from the ORIG side seen (glue) */
#define PPTP_CALLF_GRE_REPLY	0x20	/* GRE from the REPLY side seen (glue) */
#define PPTP_CALLF_NAT_ID_OWNED	0x40	/* nat_id reserved in the NAT table */
#define PPTP_CALLF_CHARGED	0x80	/* counted as waiting for GRE (glue) */

/*
 * The protocol state is the first 16 bytes; the glue keeps two more
 * things per call here, which the core copies along with the rest and
 * never reads.
 */
struct pptp_call {
	u16 id[2];		/* call ID of each side's endpoint, as it uses it */
	u16 nat_id;		/* id[ORIG] as the REPLY endpoint sees it */
	u8 state;		/* enum pptp_call_state */
	u8 pns_side;		/* side of the PNS for this call */
	u8 flags;		/* PPTP_CALLF_* */
	u8 reserved;
	u16 expect_ttl;		/* glue: expectations end at start + this */
	u32 start;		/* caller's clock (seconds) at creation */
	void *gre[2];		/* glue: GRE entry of each direction, by dir */
};

/* Most calls one control connection can hold (index slots are u16). */
#define PPTP_CALLS_MAX		16384

/* The three IDs a call can be looked up by. */
enum pptp_call_key {
	PPTP_KEY_ORIG = 0,	/* id[PPTP_SIDE_ORIG] */
	PPTP_KEY_REPLY = 1,	/* id[PPTP_SIDE_REPLY] */
	PPTP_KEY_NAT_ID,	/* nat_id */
	PPTP_KEY_MAX,
};

struct pptp_session {
	u8 state;		/* enum pptp_sess_state */
	u8 sccrq_side;		/* side that sent the accepted SCCRQ */
	u16 version;		/* last version announced */
	u16 ncalls;		/* live entries in calls[0..ncalls) */
	u16 cap;		/* allocated entries */
	u32 seed;		/* keys the call index hash: random per session */
	struct pptp_call *calls;
};

/* Input of one step of the machine. */
struct pptp_step_in {
	u8 side;		/* side that sent the message */
	bool nat;		/* ORIG endpoint's call IDs are translated */
	u16 max_calls;		/* limit of live calls in this session */
	u32 now;		/* seconds, stored in pptp_call.start */
};

/* Things the glue must do after a step (bit mask). */
#define PPTP_ACT_ALLOC_NAT_ID	0x01	/* NAT: reserve call->nat_id now */
#define PPTP_ACT_EXPECT		0x02	/* call established: expect its GRE */
#define PPTP_ACT_END_CALL	0x04	/* tear the call down, then release */
#define PPTP_ACT_END_ALL	0x08	/* tear every call down, then release */
#define PPTP_ACT_UNINSPECT	0x10	/* stop inspecting this connection */
#define PPTP_ACT_REWRITE	0x20	/* patch a call-ID field (see out) */

/* Why a message was not accepted by the machine (counters). */
enum pptp_violation {
	PPTP_V_NONE = 0,
	PPTP_V_STATE,		/* message not legal in the session state */
	PPTP_V_UNKNOWN_CALL,	/* no call matches the message's call ID */
	PPTP_V_CALL_STATE,	/* call exists but message not legal in its state */
	PPTP_V_DUP_CALL,	/* new call reuses a live call ID */
	PPTP_V_CALL_LIMIT,	/* max_calls live calls already */
	PPTP_V_NOMEM,
	PPTP_V_VERSION,		/* version other than 1 announced */
	PPTP_V_MAX,
};

struct pptp_step_out {
	unsigned int actions;	/* PPTP_ACT_* */
	enum pptp_violation violation;
	int call;		/* index in sess->calls, or -1 */
	u8 rw_off;		/* REWRITE: field offset in the message */
	u16 rw_val;		/* REWRITE: new value of that field */
};

/*
 * @seed keys the hash of the call indexes (core/calls.c); it must be
 * unpredictable to the peers (the kernel passes get_random_u32()).
 */
void pptp_session_init(struct pptp_session *s, u32 seed);

/* Free the call array; the glue has torn every call down before. */
void pptp_session_destroy(struct pptp_session *s,
			  const struct pptp_mem_ops *ops);

/*
 * Run one parsed message through the machine.  Never fails hard: illegal
 * input sets out->violation and leaves state unchanged.
 *
 * ALLOC_NAT_ID: the glue reserves an ID, stores it with
 * pptp_call_set_nat_id(), or on failure calls pptp_call_release().
 * REWRITE is only computed when no ALLOC_NAT_ID is pending; after a
 * successful allocation the glue calls pptp_step_rewrite() for it.
 * END_CALL / END_ALL: the glue removes expectations, GRE entries and the
 * nat_id reservation of the call(s), then calls pptp_call_release() or
 * pptp_session_release_all().
 */
void pptp_session_step(struct pptp_session *s, const struct pptp_msg *m,
		       const struct pptp_step_in *in,
		       const struct pptp_mem_ops *ops,
		       struct pptp_step_out *out);

/* Compute the NAT rewrite (if any) of message @m for call @idx. */
bool pptp_step_rewrite(const struct pptp_session *s, const struct pptp_msg *m,
		       const struct pptp_step_in *in, int idx,
		       struct pptp_step_out *out);

/*
 * The head of a message not judged yet, cut by a segment boundary: an
 * OCRP/ICRP from the REPLY endpoint whose peer-call-ID field (bytes
 * 14-15) is in but whose result code (byte 16) is not.  Translating that
 * field is a lookup the result cannot change, so it is computed now,
 * while the field's low byte is still in flight.  On true, @m holds the
 * field (type, peer_off, peer_id) and @out the rewrite (REWRITE action).
 */
bool pptp_step_early_rewrite(const struct pptp_session *s, const u8 *head,
			     unsigned int len, const struct pptp_step_in *in,
			     struct pptp_msg *m, struct pptp_step_out *out);

void pptp_call_set_nat_id(struct pptp_session *s, int idx, u16 nat_id);

/*
 * The glue created the call's expectations at @now for @secs: they end
 * then, whatever the call's age or the timeout sysctl becomes later.
 */
void pptp_call_set_expect_end(struct pptp_call *c, u32 now, u32 secs);

/* Have the expectations set with pptp_call_set_expect_end() ended? */
bool pptp_call_expect_over(const struct pptp_call *c, u32 now);

/* Index of the live call whose @key is @id, or -1 (O(1) expected). */
int pptp_calls_find(const struct pptp_session *s, enum pptp_call_key key,
		    u16 id);

/* Used by the state machine: set a call's ID and index it. */
void pptp_calls_set_key(struct pptp_session *s, int idx,
			enum pptp_call_key key, u16 id);
/* Room for one more call: 0, or -ENOMEM (limit or allocation). */
int pptp_calls_reserve(struct pptp_session *s, unsigned int max_calls,
		       const struct pptp_mem_ops *ops);
/* Append a zeroed call after pptp_calls_reserve(); its index. */
int pptp_calls_add(struct pptp_session *s);

/* Remove call @idx (order of the others may change). */
void pptp_call_release(struct pptp_session *s, int idx);
void pptp_session_release_all(struct pptp_session *s);

const char *pptp_sess_state_name(unsigned int state);
const char *pptp_call_state_name(unsigned int state);

#endif /* PPTP_ALG_SESSION_H */
