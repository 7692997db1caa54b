// SPDX-License-Identifier: GPL-2.0-only
/*
 * PPTP control-connection and call state machine (RFC 2637 section 3).
 * Decides only; everything with side effects on conntrack (expectations,
 * NAT reservations, GRE entries) is left to the glue through out->actions.
 */
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/kernel.h>

#include "pptp_alg/session.h"

static const char * const pptp_sess_names[PPTP_SESS_STATE_MAX] = {
	[PPTP_SESS_IDLE]	= "IDLE",
	[PPTP_SESS_REQUESTED]	= "REQUESTED",
	[PPTP_SESS_ESTABLISHED]	= "ESTABLISHED",
	[PPTP_SESS_STOPPING]	= "STOPPING",
	[PPTP_SESS_UNINSPECTED]	= "UNINSPECTED",
};

static const char * const pptp_call_names[PPTP_CALL_STATE_MAX] = {
	[PPTP_CALL_OUT_REQUESTED]	= "OUT_REQUESTED",
	[PPTP_CALL_IN_REQUESTED]	= "IN_REQUESTED",
	[PPTP_CALL_IN_REPLIED]		= "IN_REPLIED",
	[PPTP_CALL_ESTABLISHED]		= "ESTABLISHED",
	[PPTP_CALL_CLEARING]		= "CLEARING",
};

const char *pptp_sess_state_name(unsigned int state)
{
	if (state >= PPTP_SESS_STATE_MAX)
		return "?";
	return pptp_sess_names[state];
}

const char *pptp_call_state_name(unsigned int state)
{
	if (state == 0 || state >= PPTP_CALL_STATE_MAX)
		return "?";
	return pptp_call_names[state];
}

void pptp_session_init(struct pptp_session *s, u32 seed)
{
	memset(s, 0, sizeof(*s));
	s->state = PPTP_SESS_IDLE;
	s->seed = seed;
}

/* Index of the IDs an endpoint on @side uses for its calls. */
static enum pptp_call_key pptp_side_key(unsigned int side)
{
	return side == PPTP_SIDE_ORIG ? PPTP_KEY_ORIG : PPTP_KEY_REPLY;
}

/* Call whose endpoint on @side uses @id, or -1. */
static int pptp_find_own(const struct pptp_session *s, unsigned int side,
			 u16 id)
{
	return pptp_calls_find(s, pptp_side_key(side), id);
}

/*
 * Call named by a peer field received by the endpoint on @rcv: that
 * endpoint's ID as its peer sees it, which is nat_id for ORIG.
 */
static int pptp_find_peer(const struct pptp_session *s, unsigned int rcv,
			  u16 id)
{
	if (rcv == PPTP_SIDE_REPLY)
		return pptp_find_own(s, PPTP_SIDE_REPLY, id);
	return pptp_calls_find(s, PPTP_KEY_NAT_ID, id);
}

/* Locate the call a call message refers to, from the sender's view. */
static int pptp_find_call(const struct pptp_session *s,
			  const struct pptp_msg *m, unsigned int side)
{
	if (m->peer_off != PPTP_MSG_NO_FIELD)
		return pptp_find_peer(s, !side, m->peer_id);
	if (m->own_off != PPTP_MSG_NO_FIELD)
		return pptp_find_own(s, side, m->own_id);
	return -1;
}

bool pptp_step_rewrite(const struct pptp_session *s, const struct pptp_msg *m,
		       const struct pptp_step_in *in, int idx,
		       struct pptp_step_out *out)
{
	const struct pptp_call *c;
	const u8 need = PPTP_CALLF_NAT_ID | PPTP_CALLF_ID_ORIG;

	if (!in->nat || idx < 0 || idx >= s->ncalls)
		return false;
	c = &s->calls[idx];
	if ((c->flags & need) != need || c->nat_id == c->id[PPTP_SIDE_ORIG])
		return false;

	if (in->side == PPTP_SIDE_ORIG) {
		if (m->own_off == PPTP_MSG_NO_FIELD ||
		    m->own_id != c->id[PPTP_SIDE_ORIG])
			return false;
		out->rw_off = m->own_off;
		out->rw_val = c->nat_id;
	} else {
		/* From REPLY a peer field always names the ORIG endpoint. */
		if (m->peer_off == PPTP_MSG_NO_FIELD || m->peer_id != c->nat_id)
			return false;
		out->rw_off = m->peer_off;
		out->rw_val = c->id[PPTP_SIDE_ORIG];
	}
	out->actions |= PPTP_ACT_REWRITE;
	return true;
}

bool pptp_step_early_rewrite(const struct pptp_session *s, const u8 *head,
			     unsigned int len, const struct pptp_step_in *in,
			     struct pptp_msg *m, struct pptp_step_out *out)
{
	unsigned int type, pns, want;
	const struct pptp_call *c;
	int idx;

	if (!in->nat || in->side != PPTP_SIDE_REPLY ||
	    s->state != PPTP_SESS_ESTABLISHED ||
	    len < PPTP_OFF_PEER_ID_REPLY + 2 || len > PPTP_OFF_OCRP_RESULT)
		return false;
	type = pptp_get16(head + PPTP_WIRE_OFF_MSG_TYPE);
	if (type != PPTP_MSG_OCRP && type != PPTP_MSG_ICRP)
		return false;

	memset(m, 0, sizeof(*m));
	m->type = type;
	m->len = pptp_msg_type_len(type);
	m->own_off = PPTP_MSG_NO_FIELD;
	m->peer_off = PPTP_OFF_PEER_ID_REPLY;
	m->peer_id = pptp_get16(head + PPTP_OFF_PEER_ID_REPLY);
	idx = pptp_calls_find(s, PPTP_KEY_NAT_ID, m->peer_id);
	if (idx < 0)
		return false;
	/* Only where the judgement would find the call waiting for it. */
	c = &s->calls[idx];
	pns = type == PPTP_MSG_OCRP ? !in->side : in->side;
	want = type == PPTP_MSG_OCRP ? PPTP_CALL_OUT_REQUESTED :
				       PPTP_CALL_IN_REQUESTED;
	if (c->pns_side != pns || c->state != want)
		return false;

	out->actions = 0;
	out->violation = PPTP_V_NONE;
	out->call = idx;
	return pptp_step_rewrite(s, m, in, idx, out);
}

/*
 * Take the version an SCCRQ or SCCRP announces.  Anything but version 1 is
 * a protocol we do not know: the session enters UNINSPECTED and is left
 * alone entirely.  Returns whether inspection goes on.
 */
static bool pptp_version_known(struct pptp_session *s,
			       const struct pptp_msg *m,
			       struct pptp_step_out *out)
{
	s->version = m->version;
	if (m->version == PPTP_WIRE_VERSION)
		return true;
	s->state = PPTP_SESS_UNINSPECTED;
	out->violation = PPTP_V_VERSION;
	out->actions |= PPTP_ACT_UNINSPECT;
	if (s->ncalls)
		out->actions |= PPTP_ACT_END_ALL;
	return false;
}

static void pptp_ctrl_step(struct pptp_session *s, const struct pptp_msg *m,
			   const struct pptp_step_in *in,
			   struct pptp_step_out *out)
{
	switch (m->type) {
	case PPTP_MSG_SCCRQ:
		if (s->state == PPTP_SESS_REQUESTED &&
		    in->side != s->sccrq_side) {
			/* RFC 2637 3.1.3 collision: both ends asked at once. */
			pptp_version_known(s, m, out);
			return;
		}
		if (s->state != PPTP_SESS_IDLE &&
		    s->state != PPTP_SESS_STOPPING) {
			out->violation = PPTP_V_STATE;
			return;
		}
		if (!pptp_version_known(s, m, out))
			return;
		/* Leftovers of a stopped session must not leak into the new one. */
		if (s->ncalls)
			out->actions |= PPTP_ACT_END_ALL;
		s->state = PPTP_SESS_REQUESTED;
		s->sccrq_side = in->side;
		return;
	case PPTP_MSG_SCCRP:
		if (s->state != PPTP_SESS_REQUESTED ||
		    in->side == s->sccrq_side) {
			out->violation = PPTP_V_STATE;
			return;
		}
		if (!pptp_version_known(s, m, out))
			return;
		if (m->result == PPTP_SCCRP_OK)
			s->state = PPTP_SESS_ESTABLISHED;
		else
			s->state = PPTP_SESS_IDLE;
		return;
	case PPTP_MSG_STOPCCRQ:
		if (s->state == PPTP_SESS_IDLE) {
			out->violation = PPTP_V_STATE;
			return;
		}
		s->state = PPTP_SESS_STOPPING;
		if (s->ncalls)
			out->actions |= PPTP_ACT_END_ALL;
		return;
	case PPTP_MSG_STOPCCRP:
		if (s->state != PPTP_SESS_STOPPING)
			out->violation = PPTP_V_STATE;
		return;
	case PPTP_MSG_ECHORQ:
	case PPTP_MSG_ECHORP:
		if (s->state == PPTP_SESS_IDLE)
			out->violation = PPTP_V_STATE;
		return;
	default:
		out->violation = PPTP_V_STATE;
		return;
	}
}

/* Record @side's ID of call @idx; an ORIG ID also needs a nat_id. */
static void pptp_set_id(struct pptp_session *s, int idx, unsigned int side,
			u16 id, const struct pptp_step_in *in,
			struct pptp_step_out *out)
{
	pptp_calls_set_key(s, idx, pptp_side_key(side), id);
	if (side != PPTP_SIDE_ORIG)
		return;
	if (in->nat)
		out->actions |= PPTP_ACT_ALLOC_NAT_ID;
	else
		pptp_calls_set_key(s, idx, PPTP_KEY_NAT_ID, id);
}

/* OCRQ or ICRQ: the sender announces a new call with its own ID. */
static int pptp_call_new(struct pptp_session *s, const struct pptp_msg *m,
			 const struct pptp_step_in *in,
			 const struct pptp_mem_ops *ops,
			 struct pptp_step_out *out)
{
	unsigned int side = in->side;
	struct pptp_call *c;
	int idx;

	if (s->ncalls >= in->max_calls) {
		out->violation = PPTP_V_CALL_LIMIT;
		return -1;
	}
	idx = pptp_find_own(s, side, m->own_id);
	if (idx >= 0) {
		out->violation = PPTP_V_DUP_CALL;
		return -1;
	}
	if (pptp_calls_reserve(s, in->max_calls, ops)) {
		out->violation = PPTP_V_NOMEM;
		return -1;
	}

	idx = pptp_calls_add(s);
	c = &s->calls[idx];
	if (m->type == PPTP_MSG_OCRQ) {
		c->state = PPTP_CALL_OUT_REQUESTED;
		c->pns_side = side;
	} else {
		c->state = PPTP_CALL_IN_REQUESTED;
		c->pns_side = !side;
	}
	c->start = in->now;
	pptp_set_id(s, idx, side, m->own_id, in, out);
	return idx;
}

/*
 * A reply (OCRP/ICRP) carries the sender's ID for the call; it must not
 * collide with another of the sender's live calls or lookups get ambiguous.
 */
static bool pptp_reply_id_dup(const struct pptp_session *s,
			      unsigned int side, u16 id, int idx)
{
	int other = pptp_find_own(s, side, id);

	return other >= 0 && other != idx;
}

static void pptp_call_step(struct pptp_session *s, const struct pptp_msg *m,
			   const struct pptp_step_in *in,
			   const struct pptp_mem_ops *ops,
			   struct pptp_step_out *out)
{
	unsigned int side = in->side;
	unsigned int pns, want;
	struct pptp_call *c;
	int idx;

	if (m->type == PPTP_MSG_OCRQ || m->type == PPTP_MSG_ICRQ) {
		idx = pptp_call_new(s, m, in, ops, out);
		if (idx >= 0)
			out->call = idx;
		return;
	}

	idx = pptp_find_call(s, m, side);
	if (idx < 0) {
		out->violation = PPTP_V_UNKNOWN_CALL;
		return;
	}
	out->call = idx;
	c = &s->calls[idx];

	/* Role of the sender for this message, and the call state it needs. */
	switch (m->type) {
	case PPTP_MSG_OCRP:
		pns = !side;
		want = PPTP_CALL_OUT_REQUESTED;
		break;
	case PPTP_MSG_ICRP:
		pns = side;
		want = PPTP_CALL_IN_REQUESTED;
		break;
	case PPTP_MSG_ICCN:
		pns = !side;
		want = PPTP_CALL_IN_REPLIED;
		break;
	case PPTP_MSG_CCRQ:
	case PPTP_MSG_SLI:
		pns = side;
		want = 0;
		break;
	case PPTP_MSG_CDN:
	case PPTP_MSG_WEN:
		pns = !side;
		want = 0;
		break;
	default:
		out->violation = PPTP_V_STATE;
		return;
	}
	if (c->pns_side != pns || (want && c->state != want) ||
	    (m->type == PPTP_MSG_CCRQ && c->state == PPTP_CALL_CLEARING)) {
		out->violation = PPTP_V_CALL_STATE;
		return;
	}

	switch (m->type) {
	case PPTP_MSG_OCRP:
	case PPTP_MSG_ICRP:
		if (m->result != (m->type == PPTP_MSG_OCRP ?
				  PPTP_OCRP_CONNECTED : PPTP_ICRP_CONNECT)) {
			/* The peer refused: the ID it sent is meaningless. */
			out->actions |= PPTP_ACT_END_CALL;
			break;
		}
		if (pptp_reply_id_dup(s, side, m->own_id, idx)) {
			out->violation = PPTP_V_DUP_CALL;
			return;
		}
		pptp_set_id(s, idx, side, m->own_id, in, out);
		if (m->type == PPTP_MSG_OCRP) {
			c->state = PPTP_CALL_ESTABLISHED;
			out->actions |= PPTP_ACT_EXPECT;
		} else {
			c->state = PPTP_CALL_IN_REPLIED;
		}
		break;
	case PPTP_MSG_ICCN:
		c->state = PPTP_CALL_ESTABLISHED;
		out->actions |= PPTP_ACT_EXPECT;
		break;
	case PPTP_MSG_CCRQ:
		/*
		 * Always wait for the PAC's CDN, even for a call that never
		 * got GRE: ending it here would make that CDN unknown (and
		 * dropped in strict mode).  A CDN that never comes holds the
		 * slot until the control connection ends.
		 */
		c->state = PPTP_CALL_CLEARING;
		break;
	case PPTP_MSG_CDN:
		out->actions |= PPTP_ACT_END_CALL;
		break;
	default:
		break;
	}
}

void pptp_session_step(struct pptp_session *s, const struct pptp_msg *m,
		       const struct pptp_step_in *in,
		       const struct pptp_mem_ops *ops,
		       struct pptp_step_out *out)
{
	out->actions = 0;
	out->violation = PPTP_V_NONE;
	out->call = -1;
	out->rw_off = PPTP_MSG_NO_FIELD;
	out->rw_val = 0;

	if (s->state == PPTP_SESS_UNINSPECTED)
		return;

	if (m->type < PPTP_MSG_OCRQ) {
		pptp_ctrl_step(s, m, in, out);
		return;
	}
	if (m->type > PPTP_MSG_TYPE_MAX || s->state != PPTP_SESS_ESTABLISHED) {
		out->violation = PPTP_V_STATE;
		return;
	}

	pptp_call_step(s, m, in, ops, out);
	/* A rejected message leaves every call alone, glue included. */
	if (out->violation) {
		out->call = -1;
		return;
	}
	if (!(out->actions & PPTP_ACT_ALLOC_NAT_ID))
		pptp_step_rewrite(s, m, in, out->call, out);
}
