// SPDX-License-Identifier: GPL-2.0-only
/*
 * Walk the PPTP messages of one TCP segment of the control connection.
 *
 * Message boundaries are tracked by TCP sequence number per direction, so
 * several messages in one segment are all handled and a message split over
 * segments is reassembled in a small per-direction buffer (bounded by the
 * largest legal message).  Bytes already seen (retransmissions) are parsed
 * again in replay mode: no state change, but the same NAT rewrite as the
 * first time.  A segment that starts beyond a gap is dropped, so TCP sends
 * the missing bytes first and the parser never guesses.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/netfilter/nf_nat_helper.h>

#include "pptp_alg.h"

/* Consecutive gap drops before the direction is given up as lost. */
#define PPTP_ALG_MAX_GAPS	32

static const struct pptp_calls_ops pptp_alg_calls_ops;

/* A message being handled: where its bytes are in the current skb. */
struct pptp_alg_msg_ctx {
	struct pptp_alg_net *pn;
	struct pptp_alg_conn *conn;
	struct sk_buff *skb;
	unsigned int protoff;
	struct nf_conn *ct;
	enum ip_conntrack_info ctinfo;
	int dir;
	bool replay;
	bool drop;
	/* payload offset of message byte 0; negative if it began earlier */
	int msg_off;
};

static bool pptp_alg_nat(const struct nf_conn *ct)
{
	return ct->status & IPS_SRC_NAT;
}

static void pptp_alg_rewrite(struct pptp_alg_msg_ctx *c,
			     const struct pptp_step_out *out)
{
	int off = c->msg_off + out->rw_off;
	u8 val[2];

	if (off < 0) {
		/* The field went out in an earlier segment. */
		pptp_alg_stat_inc(c->pn, PPTP_STAT_NAT_REWRITE_FAILED);
		return;
	}
	pptp_put16(val, out->rw_val);
	if (nf_nat_mangle_tcp_packet(c->skb, c->ct, c->ctinfo, c->protoff,
				     off, 2, (const char *)val, 2))
		pptp_alg_stat_inc(c->pn, PPTP_STAT_NAT_REWRITES);
	else
		pptp_alg_stat_inc(c->pn, PPTP_STAT_NAT_REWRITE_FAILED);
}

static void pptp_alg_count_violation(struct pptp_alg_msg_ctx *c,
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
	pptp_alg_log(c->pn, "pptp-alg: %s from %s side rejected (%d)\n",
		     pptp_msg_type_name(m->type),
		     c->dir == IP_CT_DIR_ORIGINAL ? "orig" : "reply", v);
}

/* One complete, well-formed message. */
static void pptp_alg_handle_msg(struct pptp_alg_msg_ctx *c,
				const struct pptp_msg *m)
{
	struct pptp_alg_conn *conn = c->conn;
	struct pptp_session *s = &conn->sess;
	struct pptp_step_in in = {
		.side = c->dir == IP_CT_DIR_ORIGINAL ? PPTP_SIDE_ORIG :
						       PPTP_SIDE_REPLY,
		.nat = pptp_alg_nat(c->ct),
		.replay = c->replay,
		.max_calls = READ_ONCE(c->pn->tun.max_calls),
		.now = pptp_alg_now(),
	};
	struct pptp_step_out out;

	if (!c->replay)
		pptp_alg_stat_inc(c->pn, pptp_alg_msg_stat(m->type, c->dir));

	pptp_session_step(s, m, &in, &pptp_alg_calls_ops, &out);
	pptp_alg_count_violation(c, m, out.violation);
	if (out.violation && READ_ONCE(c->pn->tun.strict))
		c->drop = true;

	if (out.actions & PPTP_ACT_UNINSPECT) {
		conn->uninspected = true;
		pptp_alg_stat_inc(c->pn, PPTP_STAT_INSPECT_DISABLED);
		pptp_alg_conn_end_all(c->pn, conn);
		return;
	}

	if (out.actions & PPTP_ACT_ALLOC_WIRE) {
		u16 wire;

		if (pptp_alg_nat_id_reserve(c->pn, c->ct, &wire)) {
			/* An untranslated ID could collide behind the NAT. */
			pptp_alg_conn_end_call(c->pn, conn, out.call);
			c->drop = true;
			return;
		}
		pptp_call_set_wire(s, out.call, wire);
		s->calls[out.call].flags |= PPTP_CALLF_WIRE_OWNED;
		pptp_step_rewrite(s, m, &in, out.call, &out);
	}

	if (out.actions & PPTP_ACT_REWRITE)
		pptp_alg_rewrite(c, &out);

	if (out.actions & PPTP_ACT_EXPECT && out.call >= 0) {
		pptp_alg_stat_inc(c->pn, PPTP_STAT_CALLS_SETUP);
		pptp_alg_gre_expect(c->pn, conn, &s->calls[out.call]);
	}

	if (out.actions & PPTP_ACT_END_CALL && out.call >= 0)
		pptp_alg_conn_end_call(c->pn, conn, out.call);

	if (out.actions & PPTP_ACT_END_ALL)
		pptp_alg_conn_end_all(c->pn, conn);
}

static void pptp_alg_bad_msg(struct pptp_alg_msg_ctx *c, enum pptp_parse r)
{
	static const enum pptp_alg_stat map[PPTP_PARSE_MAX] = {
		[PPTP_PARSE_BAD_LEN] = PPTP_STAT_BAD_LENGTH,
		[PPTP_PARSE_BAD_PKT_TYPE] = PPTP_STAT_BAD_PKT_TYPE,
		[PPTP_PARSE_BAD_MAGIC] = PPTP_STAT_BAD_MAGIC,
		[PPTP_PARSE_BAD_MSG_TYPE] = PPTP_STAT_BAD_TYPE,
	};

	pptp_alg_stat_inc(c->pn, map[r]);
	pptp_alg_log(c->pn, "pptp-alg: malformed control message (%d)\n", r);
	if (READ_ONCE(c->pn->tun.strict))
		c->drop = true;
}

/* Length field below the header size: counted apart as "short". */
static bool pptp_alg_len_short(const u8 *hdr, unsigned int avail)
{
	return avail >= 2 && pptp_get16(hdr) < PPTP_WIRE_HDR_LEN;
}

/* Parse new bytes [off, off + len) of the payload. */
static void pptp_alg_parse_new(struct pptp_alg_msg_ctx *c, unsigned int dataoff,
			       unsigned int off, unsigned int len)
{
	struct pptp_alg_dir *d = &c->conn->dir[c->dir];
	u8 buf[PPTP_WIRE_MAX_MSG_LEN];
	struct pptp_msg m;
	unsigned int need, take;
	enum pptp_parse r;

	while (len && !d->lost && !c->conn->uninspected) {
		if (d->skip) {
			take = min_t(unsigned int, d->skip, len);
			d->skip -= take;
			off += take;
			len -= take;
			continue;
		}

		if (d->hold_len) {
			/* Complete the held head of a split message. */
			need = d->hold_len >= PPTP_WIRE_HDR_LEN ?
			       pptp_get16(d->hold) : PPTP_WIRE_HDR_LEN;
			take = min_t(unsigned int, need - d->hold_len, len);
			if (skb_copy_bits(c->skb, dataoff + off,
					  d->hold + d->hold_len, take))
				goto lost;
			c->msg_off = (int)off - d->hold_len;
			d->hold_len += take;
			off += take;
			len -= take;
			r = pptp_msg_parse(d->hold, d->hold_len, &m, &need);
			if (r == PPTP_PARSE_NEED_MORE) {
				if (need > PPTP_WIRE_MAX_MSG_LEN)
					goto lost;
				continue;
			}
			d->hold_len = 0;
			if (r != PPTP_PARSE_OK) {
				pptp_alg_bad_msg(c, r);
				if (!need)
					goto lost;
				continue;
			}
			pptp_alg_handle_msg(c, &m);
			continue;
		}

		take = min_t(unsigned int, len, sizeof(buf));
		if (skb_copy_bits(c->skb, dataoff + off, buf, take))
			goto lost;
		r = pptp_msg_parse(buf, take, &m, &need);
		if (r == PPTP_PARSE_NEED_MORE) {
			if (take < len || need > PPTP_WIRE_MAX_MSG_LEN)
				goto lost;
			/* Tail of the segment: keep it for the next one. */
			memcpy(d->hold, buf, take);
			d->hold_len = take;
			pptp_alg_stat_inc(c->pn, PPTP_STAT_SPLIT_MESSAGES);
			off += take;
			len -= take;
			continue;
		}
		if (r != PPTP_PARSE_OK) {
			if (r == PPTP_PARSE_BAD_LEN && pptp_alg_len_short(buf, take))
				pptp_alg_stat_inc(c->pn, PPTP_STAT_BAD_SHORT);
			else
				pptp_alg_bad_msg(c, r);
			if (!need)
				goto lost;
			/* Sane length: step over the bad message. */
			take = min_t(unsigned int, need, len);
			d->skip = need - take;
			off += take;
			len -= take;
			continue;
		}
		c->msg_off = off;
		pptp_alg_handle_msg(c, &m);
		off += m.len;
		len -= m.len;
	}
	return;

lost:
	/* No way to find the next message boundary: stop inspecting. */
	d->lost = 1;
	d->hold_len = 0;
	pptp_alg_stat_inc(c->pn, PPTP_STAT_STREAM_LOST);
	if (READ_ONCE(c->pn->tun.strict))
		c->drop = true;
}

/*
 * Re-parse retransmitted bytes [0, len): only whole messages starting at
 * the segment start can be recognised; anything else is left as it is.
 */
static void pptp_alg_parse_replay(struct pptp_alg_msg_ctx *c,
				  unsigned int dataoff, unsigned int len)
{
	u8 buf[PPTP_WIRE_MAX_MSG_LEN];
	unsigned int off = 0, need, take;
	struct pptp_msg m;

	c->replay = true;
	while (off < len) {
		take = min_t(unsigned int, len - off, sizeof(buf));
		enum pptp_parse r = PPTP_PARSE_NEED_MORE;

		if (!skb_copy_bits(c->skb, dataoff + off, buf, take))
			r = pptp_msg_parse(buf, take, &m, &need);
		if (r != PPTP_PARSE_OK) {
			/* A copy of what strict mode dropped stays dropped. */
			if (r != PPTP_PARSE_NEED_MORE &&
			    READ_ONCE(c->pn->tun.strict))
				c->drop = true;
			break;
		}
		c->msg_off = off;
		pptp_alg_handle_msg(c, &m);
		off += m.len;
	}
	c->replay = false;
}

/* Called with conn->lock held; returns the verdict for the segment. */
unsigned int pptp_alg_segment(struct pptp_alg_net *pn,
			      struct pptp_alg_conn *conn, struct sk_buff *skb,
			      unsigned int protoff, struct nf_conn *ct,
			      enum ip_conntrack_info ctinfo)
{
	struct pptp_alg_msg_ctx c = {
		.pn = pn, .conn = conn, .skb = skb, .protoff = protoff,
		.ct = ct, .ctinfo = ctinfo, .dir = CTINFO2DIR(ctinfo),
	};
	struct pptp_alg_dir *d = &conn->dir[c.dir];
	struct tcphdr _th;
	const struct tcphdr *th;
	unsigned int dataoff, datalen, seen;
	u32 seq;
	s32 delta;

	th = skb_header_pointer(skb, protoff, sizeof(_th), &_th);
	if (!th)
		return NF_ACCEPT;
	dataoff = protoff + th->doff * 4;
	if (dataoff >= skb->len)
		return NF_ACCEPT;
	datalen = skb->len - dataoff;
	seq = ntohl(th->seq);

	if (d->lost || conn->uninspected)
		return NF_ACCEPT;

	if (!d->synced) {
		d->next_seq = seq;
		d->synced = 1;
	}

	delta = (s32)(d->next_seq - seq);
	if (delta < 0) {
		/* Bytes before this segment were never seen here. */
		pptp_alg_stat_inc(pn, PPTP_STAT_GAP_DROPS);
		if (++d->gaps < PPTP_ALG_MAX_GAPS)
			return NF_DROP;
		d->lost = 1;
		pptp_alg_stat_inc(pn, PPTP_STAT_STREAM_LOST);
		return NF_ACCEPT;
	}
	d->gaps = 0;

	seen = min_t(unsigned int, delta, datalen);
	if (seen) {
		pptp_alg_stat_inc(pn, PPTP_STAT_RETRANSMITS);
		pptp_alg_parse_replay(&c, dataoff, seen);
	}
	if (datalen > seen) {
		pptp_alg_parse_new(&c, dataoff, seen, datalen - seen);
		d->next_seq = seq + datalen;
	}

	if (c.drop) {
		pptp_alg_stat_inc(pn, PPTP_STAT_STRICT_DROPS);
		return NF_DROP;
	}
	return NF_ACCEPT;
}

static struct pptp_call *pptp_alg_calls_grow(struct pptp_call *p,
					     unsigned int old, unsigned int n)
{
	struct pptp_call *q = kmalloc_array(n, sizeof(*q), GFP_ATOMIC);

	if (!q)
		return NULL;
	if (old)
		memcpy(q, p, old * sizeof(*q));
	kfree(p);
	return q;
}

static void pptp_alg_calls_free(struct pptp_call *p)
{
	kfree(p);
}

static const struct pptp_calls_ops pptp_alg_calls_ops = {
	.grow = pptp_alg_calls_grow,
	.free = pptp_alg_calls_free,
};
