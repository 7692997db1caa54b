// SPDX-License-Identifier: GPL-2.0-only
/*
 * One TCP segment of the control connection: hand its payload to the pure
 * stream walker (pptp_stream.c), run every message it finds through the
 * session machine (pptp_session.c) and carry out what the machine asks
 * for: translate call IDs in place, expect GRE, tear calls down.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/netfilter/nf_nat_helper.h>

#include "pptp_alg.h"

static const struct pptp_calls_ops pptp_alg_calls_ops;

struct pptp_alg_seg {
	struct pptp_alg_net *pn;
	u32 seq;			/* of the segment's first payload byte */
	unsigned int new_off;		/* payload bytes before it were resent */
	struct pptp_alg_conn *conn;
	struct sk_buff *skb;
	unsigned int protoff;
	unsigned int dataoff;
	struct nf_conn *ct;
	enum ip_conntrack_info ctinfo;
	int dir;
	bool drop;
};

static bool pptp_alg_strict(const struct pptp_alg_net *pn)
{
	return READ_ONCE(pn->tun.strict);
}

static bool pptp_alg_mangle(struct pptp_alg_seg *c, unsigned int off,
			    const u8 *val, unsigned int len)
{
	return nf_nat_mangle_tcp_packet(c->skb, c->ct, c->ctinfo, c->protoff,
					off, len, (const char *)val, len);
}

/*
 * Patch the rewrite @out of @m's field.  @early: the message is not judged
 * yet (pptp_alg_seg_held()); a failure is then left to the judgement to
 * count, once.
 */
static void pptp_alg_rewrite(struct pptp_alg_seg *c, const struct pptp_msg *m,
			     int msg_off, const struct pptp_step_out *out,
			     bool early)
{
	int off = msg_off + out->rw_off;
	u16 old = out->rw_off == m->own_off ? m->own_id : m->peer_id;
	struct pptp_stream *st = &c->conn->dir[c->dir];
	unsigned int from, n;
	u8 val[2];

	/* Done while the message was held (pptp_alg_seg_held()). */
	if (pptp_stream_rewritten(st, c->seq + off, out->rw_val))
		return;
	if (!pptp_stream_place_rewrite(off, c->new_off, old, out->rw_val,
				       &from, &n)) {
		/*
		 * A byte that must change went out before the message could
		 * be judged: patching only the rest would mix two IDs.
		 */
		if (!early)
			pptp_alg_stat_inc(c->pn, PPTP_STAT_NAT_REWRITE_FAILED);
		return;
	}
	pptp_put16(val, out->rw_val);
	if (n && !pptp_alg_mangle(c, from, val + 2 - n, n)) {
		if (!early)
			pptp_alg_stat_inc(c->pn, PPTP_STAT_NAT_REWRITE_FAILED);
		return;
	}
	pptp_alg_stat_inc(c->pn, PPTP_STAT_NAT_REWRITES);
	/* A resend of these bytes must go out the same way. */
	pptp_stream_note_rewrite(st, c->seq + off, old, out->rw_val);
}

static void pptp_alg_count_violation(struct pptp_alg_seg *c,
				     const struct pptp_msg *m,
				     enum pptp_violation v)
{
	static const enum pptp_alg_stat map[PPTP_V_MAX] = {
		[PPTP_V_STATE] = PPTP_STAT_BAD_STATE,
		[PPTP_V_UNKNOWN_CALL] = PPTP_STAT_UNKNOWN_CALL,
		[PPTP_V_CALL_STATE] = PPTP_STAT_BAD_CALL_STATE,
		[PPTP_V_DUP_CALL] = PPTP_STAT_DUP_CALL,
		[PPTP_V_CALL_LIMIT] = PPTP_STAT_CALL_LIMIT,
		[PPTP_V_NOMEM] = PPTP_STAT_NOMEM,
		[PPTP_V_VERSION] = PPTP_STAT_BAD_VERSION,
	};

	if (v <= PPTP_V_NONE || v >= PPTP_V_MAX)
		return;
	pptp_alg_stat_inc(c->pn, map[v]);
	pptp_alg_log(c->pn, "%s from %s side rejected (%d)\n",
		     pptp_msg_type_name(m->type),
		     c->dir == IP_CT_DIR_ORIGINAL ? "orig" : "reply", v);
	/* A version change is not malformed: it ends inspection instead. */
	if (v != PPTP_V_VERSION && pptp_alg_strict(c->pn))
		c->drop = true;
}

static int pptp_alg_seg_read(void *ctx, unsigned int off, u8 *buf,
			     unsigned int len)
{
	struct pptp_alg_seg *c = ctx;

	return skb_copy_bits(c->skb, c->dataoff + off, buf, len);
}

static void pptp_alg_step_in(const struct pptp_alg_seg *c,
			     struct pptp_step_in *in)
{
	in->side = c->dir == IP_CT_DIR_ORIGINAL ? PPTP_SIDE_ORIG :
						  PPTP_SIDE_REPLY;
	in->nat = c->ct->status & IPS_SRC_NAT;
	in->replay = false;
	in->max_calls = READ_ONCE(c->pn->tun.max_calls);
	in->now = pptp_alg_now();
}

#define PPTP_ALG_NO_WIRE	0	/* no free ID: the caller sends 0 */

/*
 * A translated ID for the new call ID in @m's own field.  Normally a free
 * one sharing the real ID's high byte.  If a byte that ID would change has
 * already gone out (a segment boundary inside the head of an OCRP/ICRP,
 * judged on its result code), the peer got the real ID: keep it as the
 * translated one when it is free, so both ends agree on the call.
 * Returns 0 with *@wire set (PPTP_ALG_NO_WIRE when the space is full),
 * or -EEXIST when the real ID went out but is taken.
 */
static int pptp_alg_alloc_wire(struct pptp_alg_seg *c,
			       const struct pptp_msg *m, int msg_off, u16 *wire)
{
	unsigned int from, n;

	if (pptp_alg_nat_id_reserve(c->pn, c->ct, m->own_id, wire)) {
		*wire = PPTP_ALG_NO_WIRE;
		return 0;
	}
	if (pptp_stream_place_rewrite(msg_off + m->own_off, c->new_off,
				      m->own_id, *wire, &from, &n))
		return 0;
	pptp_alg_nat_id_release(c->pn, c->ct, *wire);
	if (pptp_alg_nat_id_claim(c->pn, c->ct, m->own_id))
		return -EEXIST;
	pptp_alg_stat_inc(c->pn, PPTP_STAT_NAT_ID_KEPT);
	*wire = m->own_id;
	return 0;
}

/* A message head waits for its next segment: translate what can be. */
static void pptp_alg_seg_held(void *ctx, const u8 *head, unsigned int len,
			      int msg_off)
{
	struct pptp_alg_seg *c = ctx;
	struct pptp_step_out out;
	struct pptp_step_in in;
	struct pptp_msg m;

	pptp_alg_step_in(c, &in);
	if (pptp_step_early_rewrite(&c->conn->sess, head, len, &in, &m, &out))
		pptp_alg_rewrite(c, &m, msg_off, &out, true);
}

/* One complete, well-formed message; false stops the segment's walk. */
static bool pptp_alg_seg_message(void *ctx, const struct pptp_msg *m,
				 int msg_off, bool replay)
{
	struct pptp_alg_seg *c = ctx;
	struct pptp_alg_conn *conn = c->conn;
	struct pptp_session *s = &conn->sess;
	struct pptp_step_out out;
	struct pptp_step_in in;

	pptp_alg_step_in(c, &in);
	in.replay = replay;

	if (!replay)
		pptp_alg_stat_inc(c->pn, pptp_alg_msg_stat(m->type, c->dir));

	pptp_session_step(s, m, &in, &pptp_alg_calls_ops, &out);
	pptp_alg_count_violation(c, m, out.violation);

	if (out.actions & PPTP_ACT_UNINSPECT) {
		/* Later bytes pass unparsed; resends keep their rewrites. */
		conn->uninspected = true;
		pptp_stream_stop(&conn->dir[IP_CT_DIR_ORIGINAL]);
		pptp_stream_stop(&conn->dir[IP_CT_DIR_REPLY]);
		pptp_alg_stat_inc(c->pn, PPTP_STAT_INSPECT_DISABLED);
		pptp_alg_conn_end_all(c->pn, conn);
		return false;
	}

	if (out.actions & PPTP_ACT_ALLOC_WIRE) {
		u16 wire;

		if (pptp_alg_alloc_wire(c, m, msg_off, &wire)) {
			/* The real ID left and is another endpoint's. */
			pptp_alg_stat_inc(c->pn, PPTP_STAT_NAT_REWRITE_FAILED);
			pptp_alg_conn_end_call(c->pn, conn, out.call);
			return true;
		}
		if (wire == PPTP_ALG_NO_WIRE) {
			/*
			 * No free ID: the real one could collide with another
			 * endpoint's translated ID and draw its GRE, and a drop
			 * would stall the connection on TCP resends.  Send 0,
			 * which no call uses: this call fails, nothing else.
			 */
			out.rw_off = m->own_off;
			out.rw_val = 0;
			pptp_alg_rewrite(c, m, msg_off, &out, false);
			pptp_alg_conn_end_call(c->pn, conn, out.call);
			return true;
		}
		pptp_call_set_wire(s, out.call, wire);
		pptp_step_rewrite(s, m, &in, out.call, &out);
	}

	if (out.actions & PPTP_ACT_REWRITE)
		pptp_alg_rewrite(c, m, msg_off, &out, false);

	if (out.actions & PPTP_ACT_EXPECT && out.call >= 0) {
		pptp_alg_stat_inc(c->pn, PPTP_STAT_CALLS_SETUP);
		pptp_alg_gre_expect(c->pn, conn, &s->calls[out.call]);
	}

	if (out.actions & PPTP_ACT_END_CALL && out.call >= 0)
		pptp_alg_conn_end_call(c->pn, conn, out.call);

	if (out.actions & PPTP_ACT_END_ALL)
		pptp_alg_conn_end_all(c->pn, conn);
	return true;
}

static void pptp_alg_seg_malformed(void *ctx, enum pptp_parse r, bool replay)
{
	static const enum pptp_alg_stat map[PPTP_PARSE_MAX] = {
		[PPTP_PARSE_BAD_LEN] = PPTP_STAT_BAD_LENGTH,
		[PPTP_PARSE_BAD_PKT_TYPE] = PPTP_STAT_BAD_PKT_TYPE,
		[PPTP_PARSE_BAD_MAGIC] = PPTP_STAT_BAD_MAGIC,
		[PPTP_PARSE_BAD_MSG_TYPE] = PPTP_STAT_BAD_TYPE,
	};
	struct pptp_alg_seg *c = ctx;

	/* A resent copy of a message counted once stays uncounted. */
	if (!replay) {
		if (r > PPTP_PARSE_NEED_MORE && r < PPTP_PARSE_MAX)
			pptp_alg_stat_inc(c->pn, map[r]);
		pptp_alg_log(c->pn, "malformed control message (%d)\n", r);
	}
	if (pptp_alg_strict(c->pn))
		c->drop = true;
}

static void pptp_alg_seg_event(void *ctx, enum pptp_stream_event ev)
{
	static const enum pptp_alg_stat map[PPTP_STREAM_EVENT_MAX] = {
		[PPTP_STREAM_SPLIT] = PPTP_STAT_SPLIT_MESSAGES,
		[PPTP_STREAM_RETRANSMIT] = PPTP_STAT_RETRANSMITS,
		[PPTP_STREAM_GAP] = PPTP_STAT_GAP_DROPS,
		[PPTP_STREAM_LOST] = PPTP_STAT_STREAM_LOST,
		[PPTP_STREAM_BAD_SHORT] = PPTP_STAT_BAD_SHORT,
		[PPTP_STREAM_REFUSED] = PPTP_STAT_STRICT_DROPS,
	};
	struct pptp_alg_seg *c = ctx;

	pptp_alg_stat_inc(c->pn, map[ev]);
	if (ev == PPTP_STREAM_BAD_SHORT && pptp_alg_strict(c->pn))
		c->drop = true;
	if (ev == PPTP_STREAM_LOST) {
		pptp_alg_log(c->pn, "control stream lost, no longer inspected\n");
		if (pptp_alg_strict(c->pn))
			c->drop = true;
	}
}

static void pptp_alg_seg_patch(void *ctx, unsigned int off, u8 val)
{
	struct pptp_alg_seg *c = ctx;

	if (!pptp_alg_mangle(c, off, &val, 1))
		pptp_alg_stat_inc(c->pn, PPTP_STAT_NAT_REWRITE_FAILED);
}

static const struct pptp_stream_ops pptp_alg_seg_ops = {
	.read = pptp_alg_seg_read,
	.patch = pptp_alg_seg_patch,
	.message = pptp_alg_seg_message,
	.malformed = pptp_alg_seg_malformed,
	.event = pptp_alg_seg_event,
	.held = pptp_alg_seg_held,
};

/* Called with conn->lock held; returns the verdict for the segment. */
unsigned int pptp_alg_segment(struct pptp_alg_net *pn,
			      struct pptp_alg_conn *conn, struct sk_buff *skb,
			      unsigned int protoff, struct nf_conn *ct,
			      enum ip_conntrack_info ctinfo)
{
	struct pptp_alg_seg c = {
		.pn = pn, .conn = conn, .skb = skb, .protoff = protoff,
		.ct = ct, .ctinfo = ctinfo, .dir = CTINFO2DIR(ctinfo),
	};
	const struct tcphdr *th;
	struct tcphdr _th;

	th = skb_header_pointer(skb, protoff, sizeof(_th), &_th);
	if (!th)
		return NF_ACCEPT;
	c.dataoff = protoff + th->doff * 4;
	if (c.dataoff >= skb->len)
		return NF_ACCEPT;

	c.seq = ntohl(th->seq);
	c.new_off = pptp_stream_new_off(&conn->dir[c.dir], c.seq,
					skb->len - c.dataoff);

	if (pptp_stream_segment(&conn->dir[c.dir], c.seq, skb->len - c.dataoff,
				&pptp_alg_seg_ops, &c) == PPTP_STREAM_REFUSE)
		return NF_DROP;
	if (c.drop) {
		/* Resends of what strict mode refused stay refused. */
		pptp_stream_refuse(&conn->dir[c.dir], c.seq,
				   skb->len - c.dataoff);
		pptp_alg_stat_inc(pn, PPTP_STAT_STRICT_DROPS);
		return NF_DROP;
	}
	return NF_ACCEPT;
}

static void *pptp_alg_calls_alloc(size_t size)
{
	return kmalloc(size, GFP_ATOMIC | __GFP_NOWARN);
}

static void pptp_alg_calls_free(void *p)
{
	kfree(p);
}

static const struct pptp_calls_ops pptp_alg_calls_ops = {
	.alloc = pptp_alg_calls_alloc,
	.free = pptp_alg_calls_free,
};
