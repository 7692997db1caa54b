// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the per-direction message walker (core/stream.c) driven
 * together with the session machine, the way kmod/segment.c does it:
 * segmentation independence of a whole PPTP conversation, retransmission,
 * reordering, the gap limit, strict-mode refusal and malformed input.
 *
 * The test glue (struct sg) mimics the kernel glue: the stream start is
 * set with pptp_stream_sync() as the SYN-ACK does (unless a case says
 * otherwise), each segment goes to pptp_stream_segment(), every message
 * through pptp_session_step(), translated IDs come from a deterministic
 * counter and keep the real ID's high byte (as pptp_callid_pick_near()
 * prefers), the segment is patched where pptp_stream_place_rewrite() says
 * (a failure, as nat_rewrite_failed counts it, when it refuses) and every
 * rewrite is recorded with pptp_stream_note_rewrite() at the field's
 * sequence number;
 * ops->patch writes into the glue's own copy of the segment.  In strict
 * mode a malformed message, a violation or a lost stream drops the segment
 * and records it with pptp_stream_refuse().  What it forwards is kept per
 * stream position ("first copy"), which is what the receiving endpoint
 * ends up with; later copies must be byte-identical to it.
 *
 * The rule for a call-ID rewrite: a message is judged in the segment that
 * brings in its first pptp_msg_decide_len(type) bytes, and the field can
 * be patched only if every byte of it that the rewrite changes is at or
 * after that segment's first *new* byte; otherwise such a byte went out
 * untranslated and the glue counts a failure (and patches nothing).
 * Every chunking below is checked against exactly that.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pptp_alg/conn.h"
#include "pptp_build.h"

#define ORIG	PPTP_SIDE_ORIG
#define REPLY	PPTP_SIDE_REPLY

#define SG_MAX		4096	/* bytes per direction */
#define SG_LOG		128	/* log entries */
#define SG_MSGS		64	/* messages in a conversation */
/* @n-th translated ID for real ID @id: same high byte, low byte 0x80 + n. */
#define SG_NAT_ID(id, n)	((u16)(((id) & 0xff00) | ((0x80 + (n)) & 0xff)))

/* ---------------------------------------------------------- test glue */

enum sg_kind { SG_MSG = 1, SG_BAD, SG_SHORT, SG_LOST };

struct sg_ent {
	u8 kind, side, type, actions, viol, state;
	u16 id_orig, id_reply, nat_id, rw_val, rw_old;
	u32 msg_pos;		/* stream position of the message */
	u32 rw_pos;		/* stream position of the patched field */
	bool rw_ok;		/* not compared: depends on segmentation */
};

struct sg {
	struct kunit *test;
	struct pptp_conn pc;
	bool nat, strict;
	bool id_fail;		/* id_reserve() finds no free ID */
	bool write_fail;	/* write() fails (the skb cannot be changed) */
	bool far_nat_id;		/* IDs with another high byte than the hint */
	unsigned int new_off;	/* first payload byte not resent */
	u16 max_calls;
	u16 nat_id_n;
	int reserved;		/* IDs reserved and not released */
	u32 isn[2];		/* sequence number of stream position 0 */
	const u8 *src[2];
	/* current segment */
	int side;
	u32 seg_pos;
	unsigned int seg_len;
	bool in_gap;
	u8 seg[SG_MAX];
	/* what was forwarded, first copy wins */
	u8 out[2][SG_MAX];
	u8 fwd[2][SG_MAX];
	u32 hi[2];		/* one past the highest position forwarded */
	/* first new position of the segment that first forwarded a byte */
	u32 newfrom[2][SG_MAX];
	unsigned int mismatch;	/* later copies that differ from the first */
	struct sg_ent log[SG_LOG];
	unsigned int nlog, log_overflow;
	unsigned int ev[PPTP_STREAM_EVENT_MAX];
	unsigned int ce[PPTP_CE_MAX];
	unsigned int bad[PPTP_PARSE_MAX];
	unsigned int rw_ok, rw_failed, rw_oob, msgs, patches, patch_oob;
	unsigned int failed_seen;	/* rw_failed at the last judgement */
	unsigned int drops;	/* strict-mode drops */
};

static void *sg_alloc(size_t size)
{
	return kmalloc(size, GFP_KERNEL);
}

static void sg_free(void *p)
{
	kfree(p);
}

static struct sg_ent *sg_log(struct sg *g, u8 kind)
{
	struct sg_ent *e;

	if (g->nlog >= SG_LOG) {
		g->log_overflow++;
		return NULL;
	}
	e = &g->log[g->nlog++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->side = g->side;
	return e;
}

static int sg_read(void *ctx, unsigned int off, u8 *buf, unsigned int len)
{
	struct sg *g = ctx;

	if (off > g->seg_len || len > g->seg_len - off)
		return -EFAULT;
	memcpy(buf, g->seg + off, len);
	return 0;
}

/*
 * Into the glue's copy of the segment.  Bytes before new_off were sent
 * before: writing there repeats a remembered rewrite in a resend.
 */
static bool sg_write(void *ctx, unsigned int off, const u8 *val,
		     unsigned int len)
{
	struct sg *g = ctx;

	if (off > g->seg_len || len > g->seg_len - off) {
		if (off < g->new_off)
			g->patch_oob++;
		else
			g->rw_oob++;
		return false;
	}
	if (g->write_fail)
		return false;
	memcpy(g->seg + off, val, len);
	if (off < g->new_off)
		g->patches += len;
	return true;
}

/* @n-th translated ID, deterministic: the real ID's high byte is kept. */
static int sg_id_reserve(void *ctx, u16 hint, u16 *out)
{
	struct sg *g = ctx;

	if (g->id_fail)
		return -ENOSPC;
	*out = SG_NAT_ID(hint, ++g->nat_id_n);
	if (g->far_nat_id)
		*out ^= 0x4000;
	g->reserved++;
	return 0;
}

static void sg_id_release(void *ctx, u16 id)
{
	struct sg *g = ctx;

	g->reserved--;
}

static void sg_expect(void *ctx, struct pptp_call *call)
{
	call->flags |= PPTP_CALLF_EXPECTED;
}

static void sg_forget(void *ctx, struct pptp_call *call)
{
	call->flags &= ~PPTP_CALLF_EXPECTED;
}

static void sg_count(void *ctx, enum pptp_conn_event ev)
{
	static const enum pptp_parse bad[PPTP_CE_MAX] = {
		[PPTP_CE_BAD_LEN] = PPTP_PARSE_BAD_LEN,
		[PPTP_CE_BAD_PKT_TYPE] = PPTP_PARSE_BAD_PKT_TYPE,
		[PPTP_CE_BAD_MAGIC] = PPTP_PARSE_BAD_MAGIC,
		[PPTP_CE_BAD_TYPE] = PPTP_PARSE_BAD_MSG_TYPE,
	};
	struct sg *g = ctx;
	struct sg_ent *e;

	g->ce[ev]++;
	switch (ev) {
	case PPTP_CE_SPLIT:
		g->ev[PPTP_STREAM_SPLIT]++;
		break;
	case PPTP_CE_RETRANSMIT:
		g->ev[PPTP_STREAM_RETRANSMIT]++;
		break;
	case PPTP_CE_GAP:
		g->ev[PPTP_STREAM_GAP]++;
		g->in_gap = true;
		break;
	case PPTP_CE_LOST:
		g->ev[PPTP_STREAM_LOST]++;
		/* Losing the stream to the gap limit depends on arrival order. */
		if (!g->in_gap)
			sg_log(g, SG_LOST);
		break;
	case PPTP_CE_BAD_SHORT:
		g->ev[PPTP_STREAM_BAD_SHORT]++;
		sg_log(g, SG_SHORT);
		break;
	case PPTP_CE_REFUSED:
		g->ev[PPTP_STREAM_REFUSED]++;
		break;
	case PPTP_CE_BAD_LEN:
	case PPTP_CE_BAD_PKT_TYPE:
	case PPTP_CE_BAD_MAGIC:
	case PPTP_CE_BAD_TYPE:
		g->bad[bad[ev]]++;
		e = sg_log(g, SG_BAD);
		if (e)
			e->type = bad[ev];
		break;
	case PPTP_CE_STRICT_DROP:
		g->drops++;
		break;
	case PPTP_CE_REWRITE:
		g->rw_ok++;
		break;
	case PPTP_CE_REWRITE_FAILED:
		g->rw_failed++;
		break;
	default:
		break;
	}
}

static void sg_judged(void *ctx, const struct pptp_msg *m, int msg_off,
		      const struct pptp_step_out *out)
{
	struct sg *g = ctx;
	const struct pptp_session *s = &g->pc.sess;
	struct sg_ent *e = sg_log(g, SG_MSG);

	g->msgs++;
	if (e) {
		e->type = m->type;
		e->actions = out->actions;
		e->viol = out->violation;
		e->msg_pos = g->seg_pos + msg_off;
		if (out->actions & PPTP_ACT_REWRITE) {
			e->rw_val = out->rw_val;
			e->rw_old = out->rw_off == m->own_off ? m->own_id :
								m->peer_id;
			e->rw_pos = g->seg_pos + msg_off + out->rw_off;
			e->rw_ok = g->rw_failed == g->failed_seen;
		}
		if (out->call >= 0 && out->call < s->ncalls) {
			const struct pptp_call *c = &s->calls[out->call];

			e->id_orig = c->id[ORIG];
			e->id_reply = c->id[REPLY];
			e->nat_id = c->nat_id;
			e->state = c->state;
		}
	}
	g->failed_seen = g->rw_failed;
}

static const struct pptp_conn_ops sg_ops = {
	.mem = { .alloc = sg_alloc, .free = sg_free },
	.read = sg_read,
	.write = sg_write,
	.id_reserve = sg_id_reserve,
	.id_release = sg_id_release,
	.expect = sg_expect,
	.forget = sg_forget,
	.count = sg_count,
	.judged = sg_judged,
};

static struct sg *sg_new_opt(struct kunit *test, bool nat, const u8 *o,
			     const u8 *r, bool sync)
{
	struct sg *g = kunit_kzalloc(test, sizeof(*g), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, g);
	g->test = test;
	/* Any seed: it only places calls in the index. */
	pptp_conn_init(&g->pc, 0x2545f491U);
	g->nat = nat;
	g->max_calls = 64;
	/* Sequence numbers that wrap inside the conversation. */
	g->isn[ORIG] = 0xfffffc00U;
	g->isn[REPLY] = 0x7ffffff0U;
	g->src[ORIG] = o;
	g->src[REPLY] = r;
	if (sync) {
		/* What the SYN-ACK tells kmod/helper.c. */
		pptp_conn_sync(&g->pc, ORIG, g->isn[ORIG]);
		pptp_conn_sync(&g->pc, REPLY, g->isn[REPLY]);
	}
	return g;
}

static struct sg *sg_new(struct kunit *test, bool nat, const u8 *o,
			 const u8 *r)
{
	return sg_new_opt(test, nat, o, r, true);
}

/* Tear down like the connection's end; every reserved ID comes back. */
static void sg_done(struct sg *g)
{
	pptp_conn_destroy(&g->pc, &sg_ops, g);
	KUNIT_EXPECT_EQ(g->test, g->reserved, 0);
}

/* @side acknowledges the other side's stream up to position @pos. */
static void sg_ack(struct sg *g, int side, u32 pos)
{
	pptp_conn_ack(&g->pc, side, g->isn[!side] + pos);
}

/* Feed bytes [pos, pos + len) of @side's stream with the given bytes. */
static enum pptp_stream_verdict sg_feed_bytes(struct sg *g, int side,
					      u32 pos, const u8 *b,
					      unsigned int len)
{
	struct pptp_conn_seg in = {
		.side = side, .nat = g->nat, .strict = g->strict,
		.max_calls = g->max_calls, .now = 1,
		.seq = g->isn[side] + pos, .len = len,
	};
	unsigned int i;
	u32 first_new;

	memcpy(g->seg, b, len);
	g->side = side;
	g->seg_pos = pos;
	g->seg_len = len;
	g->in_gap = false;
	g->new_off = pptp_stream_new_off(&g->pc.dir[side], in.seq, len);
	if (pptp_conn_segment(&g->pc, &in, &sg_ops, g) == PPTP_CONN_DROP)
		return PPTP_STREAM_REFUSE;
	first_new = max(pos, g->hi[side]);
	for (i = 0; i < len && pos + i < SG_MAX; i++) {
		if (!g->fwd[side][pos + i]) {
			g->fwd[side][pos + i] = 1;
			g->out[side][pos + i] = g->seg[i];
			g->newfrom[side][pos + i] = first_new;
		} else if (g->out[side][pos + i] != g->seg[i]) {
			g->mismatch++;
		}
	}
	if (len && pos + len > g->hi[side])
		g->hi[side] = pos + len;
	return PPTP_STREAM_PASS;
}

static enum pptp_stream_verdict sg_feed(struct sg *g, int side, u32 pos,
					unsigned int len)
{
	return sg_feed_bytes(g, side, pos, g->src[side] + pos, len);
}

/* ------------------------------------------------------ conversation */

struct conv {
	u8 buf[2][SG_MAX];
	unsigned int len[2];
	unsigned int n;
	u8 side[SG_MSGS];
	u32 start[SG_MSGS], end[SG_MSGS];	/* in the side's stream */
	bool nat;
};

/* A message with a non-zero filler after its fields, so misparses show. */
static void put_msg(u8 *b, u8 type, u16 own, u16 peer, u8 result)
{
	unsigned int len = pptp_build_msg(b, type, PPTP_WIRE_VERSION, own,
					  peer, result);

	if (len > 20)
		memset(b + 20, 0xa5, len - 20);
}

static void conv_add(struct conv *c, int side, u8 type, u16 own, u16 peer,
		     u8 result)
{
	unsigned int at = c->len[side];

	put_msg(c->buf[side] + at, type, own, peer, result);
	c->side[c->n] = side;
	c->start[c->n] = at;
	c->len[side] += pptp_msg_type_len(type);
	c->end[c->n] = c->len[side];
	c->n++;
}

/* What the REPLY endpoint sees of ORIG call ID @id, @n-th allocation. */
static u16 conv_nat_id(const struct conv *c, unsigned int n, u16 id)
{
	return c->nat ? SG_NAT_ID(id, n) : id;
}

/*
 * ORIG is the endpoint behind SNAT.  Outgoing calls both ways, incoming
 * calls both ways, a refused call, SLI/WEN, echo, clearing, stop.
 */
static void conv_build(struct conv *c, bool nat)
{
	memset(c, 0, sizeof(*c));
	c->nat = nat;
	conv_add(c, ORIG, PPTP_MSG_SCCRQ, 0, 0, 0);
	conv_add(c, REPLY, PPTP_MSG_SCCRP, 0, 0, 1);
	conv_add(c, ORIG, PPTP_MSG_OCRQ, 0x1001, 0, 0);
	conv_add(c, ORIG, PPTP_MSG_OCRQ, 0x1002, 0, 0);
	conv_add(c, ORIG, PPTP_MSG_OCRQ, 0x1003, 0, 0);
	conv_add(c, REPLY, PPTP_MSG_OCRP, 0x2001, conv_nat_id(c, 1, 0x1001), 1);
	conv_add(c, REPLY, PPTP_MSG_OCRP, 0x2002, conv_nat_id(c, 2, 0x1002), 2);
	conv_add(c, REPLY, PPTP_MSG_OCRP, 0x2003, conv_nat_id(c, 3, 0x1003), 1);
	conv_add(c, REPLY, PPTP_MSG_ICRQ, 0x3001, 0, 0);
	conv_add(c, ORIG, PPTP_MSG_ICRP, 0x1004, 0x3001, 1);
	conv_add(c, REPLY, PPTP_MSG_ICCN, 0, conv_nat_id(c, 4, 0x1004), 0);
	conv_add(c, ORIG, PPTP_MSG_ICRQ, 0x1005, 0, 0);
	conv_add(c, REPLY, PPTP_MSG_ICRP, 0x3002, conv_nat_id(c, 5, 0x1005), 1);
	conv_add(c, ORIG, PPTP_MSG_ICCN, 0, 0x3002, 0);
	conv_add(c, ORIG, PPTP_MSG_SLI, 0, 0x2001, 0);
	conv_add(c, ORIG, PPTP_MSG_ECHORQ, 0, 0, 0);
	conv_add(c, REPLY, PPTP_MSG_WEN, 0, conv_nat_id(c, 1, 0x1001), 0);
	conv_add(c, REPLY, PPTP_MSG_ECHORP, 0, 0, 0);
	conv_add(c, REPLY, PPTP_MSG_OCRQ, 0x2004, 0, 0);
	conv_add(c, ORIG, PPTP_MSG_OCRP, 0x1006, 0x2004, 1);
	conv_add(c, ORIG, PPTP_MSG_CCRQ, 0x1001, 0, 0);
	conv_add(c, REPLY, PPTP_MSG_CDN, 0x2001, 0, 1);
	conv_add(c, REPLY, PPTP_MSG_CCRQ, 0x2004, 0, 0);
	conv_add(c, ORIG, PPTP_MSG_CDN, 0x1006, 0, 1);
	conv_add(c, ORIG, PPTP_MSG_STOPCCRQ, 0, 0, 0);
	conv_add(c, REPLY, PPTP_MSG_STOPCCRP, 0, 0, 1);
}

/* (a) Reference: one segment per message, in conversation order. */
static struct sg *run_reference(struct kunit *test, const struct conv *c)
{
	struct sg *g = sg_new(test, c->nat, c->buf[ORIG], c->buf[REPLY]);
	unsigned int i;

	for (i = 0; i < c->n; i++)
		KUNIT_ASSERT_EQ(test, sg_feed(g, c->side[i], c->start[i],
					      c->end[i] - c->start[i]),
				PPTP_STREAM_PASS);
	return g;
}

/* ------------------------------------------------------------ chunking */

static u32 prng_state;

static u32 prng(void)
{
	/* xorshift32: fixed seeds give the same chunkings everywhere. */
	prng_state ^= prng_state << 13;
	prng_state ^= prng_state >> 17;
	prng_state ^= prng_state << 5;
	return prng_state;
}

struct chunk_opts {
	unsigned int max;	/* largest chunk; 1 = byte by byte */
	unsigned int dup_pct;	/* identical retransmission of a chunk */
	/* resend from a message start or from anywhere, up to done */
	unsigned int overlap_pct;
	unsigned int reorder_pct;	/* next chunk first: must be refused */
	/* resend from a message start that also carries the next new chunk */
	unsigned int extend_pct;
};

/* Index of the message of @side that contains stream byte @pos. */
static int conv_msg_at(const struct conv *c, int side, u32 pos)
{
	unsigned int i;

	for (i = 0; i < c->n; i++)
		if (c->side[i] == side && pos >= c->start[i] && pos < c->end[i])
			return i;
	return -1;
}

/* Stream position one past the byte on which message @i is judged. */
static u32 conv_decide_end(const struct conv *c, unsigned int i)
{
	const u8 *b = c->buf[c->side[i]] + c->start[i];

	return c->start[i] +
	       pptp_msg_decide_len(pptp_get16(b + PPTP_WIRE_OFF_MSG_TYPE));
}

/*
 * Largest end of a chunk starting at @pos on @side that brings in the
 * deciding byte of no message of a later turn of that side (a turn is a
 * run of messages of one side in conversation order): the other side's
 * messages in between must reach the machine first.  An OCRP/ICRP from
 * REPLY gets none of its bytes in before that: it answers a request the
 * router must have forwarded first, and its peer field is translated as
 * soon as the field is in (held()).
 */
static u32 chunk_limit(const struct conv *c, int side, u32 pos)
{
	int i = conv_msg_at(c, side, pos);
	unsigned int j;

	if (i < 0)
		return c->len[side];
	/* Last message of the turn containing message i. */
	for (j = i; j + 1 < c->n && c->side[j + 1] == side; j++)
		;
	/* First message of the side's next turn. */
	for (j = j + 1; j < c->n; j++) {
		const u8 *b = c->buf[side] + c->start[j];
		unsigned int type = pptp_get16(b + PPTP_WIRE_OFF_MSG_TYPE);

		if (c->side[j] != side)
			continue;
		if (side == REPLY &&
		    (type == PPTP_MSG_OCRP || type == PPTP_MSG_ICRP))
			return c->start[j];
		return conv_decide_end(c, j) - 1;
	}
	return c->len[side];
}

static unsigned int chunk_len(const struct conv *c, const struct chunk_opts *o,
			      int side, u32 pos)
{
	unsigned int want = o->max > 1 ? 1 + prng() % o->max : 1;
	u32 lim = chunk_limit(c, side, pos);

	if (pos + want > lim)
		want = lim - pos;
	return want;
}

static void run_chunked(struct kunit *test, const struct conv *c,
			struct sg *g, const struct chunk_opts *o)
{
	u32 done[2] = { 0, 0 };
	unsigned int i;

	for (i = 0; i < c->n; i++) {
		int s = c->side[i];

		while (done[s] < c->end[i]) {
			u32 a = done[s];
			unsigned int len = chunk_len(c, o, s, a);
			unsigned int len2;

			/* Synced from the handshake: even the first one. */
			if (o->reorder_pct &&
			    prng() % 100 < o->reorder_pct &&
			    a + len < c->end[i]) {
				/* The next chunk overtakes this one. */
				len2 = chunk_len(c, o, s, a + len);
				if (a + len + len2 > c->end[i])
					len2 = c->end[i] - a - len;
				KUNIT_ASSERT_EQ(test, sg_feed(g, s, a + len, len2),
						PPTP_STREAM_REFUSE);
				KUNIT_ASSERT_EQ(test, sg_feed(g, s, a, len),
						PPTP_STREAM_PASS);
				KUNIT_ASSERT_EQ(test, sg_feed(g, s, a + len, len2),
						PPTP_STREAM_PASS);
				done[s] = a + len + len2;
				continue;
			}
			if (o->extend_pct && done[s] &&
			    prng() % 100 < o->extend_pct) {
				/* Resend + new bytes in one segment. */
				int m = conv_msg_at(c, s, a - 1);
				u32 from = c->start[m];

				if (prng() & 1)	/* or from inside it */
					from = a - 1 - prng() % (a - from);
				KUNIT_ASSERT_EQ(test, sg_feed(g, s, from,
							      a + len - from),
						PPTP_STREAM_PASS);
				done[s] = a + len;
				continue;
			}
			KUNIT_ASSERT_EQ(test, sg_feed(g, s, a, len),
					PPTP_STREAM_PASS);
			done[s] = a + len;
			if (o->dup_pct && prng() % 100 < o->dup_pct)
				KUNIT_ASSERT_EQ(test, sg_feed(g, s, a, len),
						PPTP_STREAM_PASS);
			if (o->overlap_pct && prng() % 100 < o->overlap_pct) {
				/* From the start of a message up to done. */
				int m = conv_msg_at(c, s, done[s] - 1);
				u32 from = c->start[m];

				if (m > 0 && prng() & 1) {
					int k = conv_msg_at(c, s, from ? from - 1 : 0);

					if (k >= 0)
						from = c->start[k];
				}
				/* Or from anywhere inside: no boundaries. */
				if (prng() % 3 == 0)
					from += prng() % (done[s] - from);
				KUNIT_ASSERT_EQ(test, sg_feed(g, s, from,
							      done[s] - from),
						PPTP_STREAM_PASS);
			}
		}
	}
}

/* -------------------------------------------------------- comparisons */

static void expect_same_log(struct kunit *test, const struct sg *ref,
			    const struct sg *g, const char *what)
{
	unsigned int i;

	KUNIT_ASSERT_EQ_MSG(test, g->log_overflow, 0, "%s", what);
	KUNIT_ASSERT_EQ_MSG(test, g->nlog, ref->nlog, "%s", what);
	for (i = 0; i < ref->nlog; i++) {
		const struct sg_ent *a = &ref->log[i], *b = &g->log[i];

		KUNIT_ASSERT_EQ_MSG(test, b->kind, a->kind, "%s #%u", what, i);
		KUNIT_ASSERT_EQ_MSG(test, b->side, a->side, "%s #%u", what, i);
		KUNIT_ASSERT_EQ_MSG(test, b->type, a->type, "%s #%u", what, i);
		KUNIT_ASSERT_EQ_MSG(test, b->actions, a->actions, "%s #%u",
				    what, i);
		KUNIT_ASSERT_EQ_MSG(test, b->viol, a->viol, "%s #%u", what, i);
		KUNIT_ASSERT_EQ_MSG(test, b->state, a->state, "%s #%u", what, i);
		KUNIT_ASSERT_EQ_MSG(test, b->id_orig, a->id_orig, "%s #%u",
				    what, i);
		KUNIT_ASSERT_EQ_MSG(test, b->id_reply, a->id_reply, "%s #%u",
				    what, i);
		KUNIT_ASSERT_EQ_MSG(test, b->nat_id, a->nat_id, "%s #%u", what, i);
		KUNIT_ASSERT_EQ_MSG(test, b->rw_val, a->rw_val, "%s #%u",
				    what, i);
		KUNIT_ASSERT_EQ_MSG(test, b->msg_pos, a->msg_pos, "%s #%u",
				    what, i);
		KUNIT_ASSERT_EQ_MSG(test, b->rw_pos, a->rw_pos, "%s #%u",
				    what, i);
	}
}

/*
 * Stream position of the byte on which log entry @e's rewrite was
 * decided: the message's deciding byte, except for the call-ID fields of
 * an OCRP/ICRP (the peer field from REPLY, the own field from ORIG),
 * translated as soon as the field is in, while the message is held.
 */
static u32 ent_decide_pos(const struct sg_ent *e)
{
	u32 field = e->msg_pos + (e->side == REPLY ? PPTP_OFF_PEER_ID_REPLY :
						     PPTP_OFF_CALL_ID);

	if (e->rw_pos == field &&
	    (e->type == PPTP_MSG_OCRP || e->type == PPTP_MSG_ICRP))
		return e->rw_pos + 1;
	return e->msg_pos + pptp_msg_decide_len(e->type) - 1;
}

/*
 * Does a rewrite of @old to @new at field position @pos fail when the
 * message is judged in a segment whose first new byte is at @first_new?
 * Exactly when a byte the rewrite changes lies before it: that byte had
 * gone out before the message could be judged.
 */
static bool rw_fails(u32 pos, u32 first_new, u16 old, u16 new)
{
	return (pos < first_new && (old ^ new) & 0xff00) ||
	       (pos + 1 < first_new && (old ^ new) & 0x00ff);
}

static bool rw_must_fail(const struct sg *g, const struct sg_ent *e)
{
	return rw_fails(e->rw_pos, g->newfrom[e->side][ent_decide_pos(e)],
			e->rw_old, e->rw_val);
}

/*
 * Forwarded bytes (first copies) equal the reference's, except the
 * call-ID fields whose rewrite had to fail by the rule above: those still
 * hold the sender's untranslated value, and they are exactly the failures
 * the glue counted.  Later copies equal the first (g->mismatch == 0).
 */
static bool expect_same_bytes(struct kunit *test, const struct conv *c,
			      const struct sg *ref, const struct sg *g,
			      const char *what)
{
	static u8 skip[2][SG_MAX];
	unsigned int side, p, i, must_fail = 0, wrong = 0, first = 0;
	bool ok = true;

	memset(skip, 0, sizeof(skip));
	KUNIT_EXPECT_EQ_MSG(test, g->rw_oob, 0, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, g->patch_oob, 0, "%s", what);
	ok &= !g->rw_oob && !g->patch_oob;
	for (i = 0; i < g->nlog; i++) {
		const struct sg_ent *e = &g->log[i];
		bool fail;

		if (e->kind != SG_MSG || !(e->actions & PPTP_ACT_REWRITE))
			continue;
		fail = rw_must_fail(g, e);
		must_fail += fail;
		if (e->rw_ok == fail && !wrong++)
			first = i;
		if (!fail)
			continue;
		p = e->rw_pos;
		skip[e->side][p] = 1;
		skip[e->side][p + 1] = 1;
		if (g->out[e->side][p] != c->buf[e->side][p] ||
		    g->out[e->side][p + 1] != c->buf[e->side][p + 1]) {
			ok = false;
			KUNIT_FAIL(test,
				   "%s: #%u field at %u translated though judged late",
				   what, i, p);
		}
	}
	if (wrong) {
		const struct sg_ent *e = &g->log[first];

		ok = false;
		KUNIT_FAIL(test,
			   "%s: %u bad rewrites, first #%u type %u at %u field %u: rw_ok %d, deciding segment from %u",
			   what, wrong, first, e->type, e->msg_pos, e->rw_pos,
			   e->rw_ok, g->newfrom[e->side][ent_decide_pos(e)]);
	}
	KUNIT_EXPECT_EQ_MSG(test, g->rw_failed, must_fail, "%s", what);
	KUNIT_EXPECT_EQ_MSG(test, g->mismatch, 0,
			    "%s: resent bytes differ from the first copy", what);
	ok &= g->rw_failed == must_fail && !g->mismatch;

	for (side = 0; side < 2; side++) {
		for (p = 0; p < c->len[side]; p++) {
			KUNIT_ASSERT_TRUE_MSG(test, g->fwd[side][p],
					      "%s: byte %u of side %u never forwarded",
					      what, p, side);
			if (skip[side][p])
				continue;
			KUNIT_ASSERT_EQ_MSG(test, g->out[side][p],
					    ref->out[side][p],
					    "%s: side %u byte %u", what, side, p);
		}
	}
	return ok;
}

/* ---------------------------------------------------------------- cases */

/* The reference itself does what the conversation was written for. */
static void pptp_stream_test_reference(struct kunit *test)
{
	static struct conv c;
	unsigned int nat, i, expects = 0, ends = 0, endall = 0, rw = 0;
	struct sg *g;

	for (nat = 0; nat < 2; nat++) {
		conv_build(&c, nat);
		g = run_reference(test, &c);
		expects = 0;
		ends = 0;
		endall = 0;
		rw = 0;
		for (i = 0; i < g->nlog; i++) {
			const struct sg_ent *e = &g->log[i];

			KUNIT_EXPECT_EQ(test, e->kind, SG_MSG);
			KUNIT_EXPECT_EQ_MSG(test, e->viol, PPTP_V_NONE,
					    "message #%u type %u", i, e->type);
			KUNIT_EXPECT_EQ(test, e->msg_pos, c.start[i]);
			expects += !!(e->actions & PPTP_ACT_EXPECT);
			ends += !!(e->actions & PPTP_ACT_END_CALL);
			endall += !!(e->actions & PPTP_ACT_END_ALL);
			rw += !!(e->actions & PPTP_ACT_REWRITE);
		}
		KUNIT_EXPECT_EQ(test, g->nlog, c.n);
		/* OCRP x2, ICCN x2, OCRP from ORIG. */
		KUNIT_EXPECT_EQ(test, expects, 5);
		/* refused OCRP, 2 CDN */
		KUNIT_EXPECT_EQ(test, ends, 3);
		KUNIT_EXPECT_EQ(test, endall, 1);
		KUNIT_EXPECT_EQ(test, g->pc.sess.ncalls, 0);
		KUNIT_EXPECT_EQ(test, g->pc.sess.state, PPTP_SESS_STOPPING);
		KUNIT_EXPECT_EQ(test, g->rw_failed, 0);
		KUNIT_EXPECT_EQ(test, g->rw_ok, rw);
		KUNIT_EXPECT_EQ(test, g->mismatch, 0);
		/* Nothing was resent: nothing to patch. */
		KUNIT_EXPECT_EQ(test, g->patches, 0);
		KUNIT_EXPECT_EQ(test, g->ev[PPTP_STREAM_RETRANSMIT], 0);
		KUNIT_EXPECT_EQ(test, g->ev[PPTP_STREAM_SPLIT], 0);
		if (nat) {
			KUNIT_EXPECT_EQ(test, g->nat_id_n, 6);
			/*
			 * OCRQ x3, OCRP x3, ICRP, ICCN, ICRQ, ICRP, WEN,
			 * OCRP, CCRQ, CDN.
			 */
			KUNIT_EXPECT_EQ(test, rw, 14);
			/* First OCRQ left with the translated ID. */
			KUNIT_EXPECT_EQ(test, pptp_get16(g->out[ORIG] + c.start[2] + 12),
					SG_NAT_ID(0x1001, 1));
			/* First OCRP reached ORIG with its real ID. */
			KUNIT_EXPECT_EQ(test, pptp_get16(g->out[REPLY] + c.start[5] + 14),
					0x1001);
		} else {
			KUNIT_EXPECT_EQ(test, rw, 0);
			KUNIT_EXPECT_EQ(test, memcmp(g->out[ORIG], c.buf[ORIG],
						     c.len[ORIG]), 0);
			KUNIT_EXPECT_EQ(test, memcmp(g->out[REPLY], c.buf[REPLY],
						     c.len[REPLY]), 0);
		}
		sg_done(g);
	}
}

static void check_chunked(struct kunit *test, const struct chunk_opts *o,
			  u32 seed0, unsigned int iters, const char *what)
{
	static struct conv c;
	unsigned int nat, it, failed = 0, dup = 0, gaps = 0, splits = 0;
	unsigned int patches = 0, bad_runs = 0;
	char name[64];
	struct sg *ref, *g;

	for (nat = 0; nat < 2; nat++) {
		conv_build(&c, nat);
		ref = run_reference(test, &c);
		for (it = 0; it < iters; it++) {
			prng_state = seed0 + it * 7919 + nat;
			snprintf(name, sizeof(name), "%s nat=%u iter=%u", what,
				 nat, it);
			g = sg_new(test, nat, c.buf[ORIG], c.buf[REPLY]);
			run_chunked(test, &c, g, o);
			expect_same_log(test, ref, g, name);
			if (!expect_same_bytes(test, &c, ref, g, name) &&
			    ++bad_runs >= 3)
				it = iters;	/* enough said */
			KUNIT_EXPECT_FALSE(test, g->pc.dir[ORIG].lost);
			KUNIT_EXPECT_FALSE(test, g->pc.dir[REPLY].lost);
			KUNIT_EXPECT_LE(test, g->pc.dir[ORIG].hold_len,
					PPTP_WIRE_DECIDE_LEN);
			KUNIT_EXPECT_LE(test, g->pc.dir[REPLY].hold_len,
					PPTP_WIRE_DECIDE_LEN);
			/* Resends are never parsed: no spurious reports. */
			KUNIT_EXPECT_EQ(test, g->ev[PPTP_STREAM_BAD_SHORT], 0);
			KUNIT_EXPECT_EQ(test, g->ev[PPTP_STREAM_LOST], 0);
			KUNIT_EXPECT_EQ(test, g->msgs, c.n);
			failed += g->rw_failed;
			patches += g->patches;
			dup += g->ev[PPTP_STREAM_RETRANSMIT];
			gaps += g->ev[PPTP_STREAM_GAP];
			splits += g->ev[PPTP_STREAM_SPLIT];
			if (!o->dup_pct && !o->overlap_pct && !o->extend_pct) {
				KUNIT_EXPECT_EQ(test,
						g->ev[PPTP_STREAM_RETRANSMIT], 0);
				KUNIT_EXPECT_EQ(test, g->patches, 0);
			}
			if (!nat)
				KUNIT_EXPECT_EQ(test, g->patches, 0);
			if (!o->reorder_pct)
				KUNIT_EXPECT_EQ(test, g->ev[PPTP_STREAM_GAP], 0);
			sg_done(g);
			kunit_kfree(test, g);
		}
		sg_done(ref);
		kunit_kfree(test, ref);
	}
	if (bad_runs)
		kunit_info(test, "%s: stopped after %u failing runs\n", what,
			   bad_runs);
	kunit_info(test, "%s: %u runs, %u split, %u retransmit (%u bytes patched), %u gap, %u rewrites lost to segment boundaries\n",
		   what, 2 * iters, splits, dup, patches, gaps, failed);
}

/*
 * (b) Byte by byte: every message is split.  A field decided at its own
 * last byte is still translated (its unchanged high byte went out
 * first); an own call ID followed by a result code gets its translated
 * ID reserved while the reply is held, before its low byte leaves.
 */
static void pptp_stream_test_bytewise(struct kunit *test)
{
	static const struct chunk_opts o = { .max = 1 };
	static struct conv c;
	unsigned int i, splits = 0;
	struct sg *g;

	check_chunked(test, &o, 1, 1, "bytewise");
	conv_build(&c, true);
	g = sg_new(test, true, c.buf[ORIG], c.buf[REPLY]);
	run_chunked(test, &c, g, &o);
	/*
	 * OCRQ x3, ICCN, ICRQ, WEN, CCRQ, CDN: the field ends the head;
	 * OCRP x3 and ICRP from REPLY: the peer field, translated as soon
	 * as it is in; ICRP and OCRP from ORIG: the own field, while held.
	 */
	KUNIT_EXPECT_EQ(test, g->rw_ok, 14);
	KUNIT_EXPECT_EQ(test, g->rw_failed, 0);
	KUNIT_EXPECT_EQ(test, pptp_get16(g->out[ORIG] + c.start[9] + 12),
			SG_NAT_ID(0x1004, 4));
	KUNIT_EXPECT_EQ(test, pptp_get16(g->out[ORIG] + c.start[19] + 12),
			SG_NAT_ID(0x1006, 6));
	/* Every byte but a message's last leaves a message open. */
	for (i = 0; i < c.n; i++)
		splits += c.end[i] - c.start[i] - 1;
	KUNIT_EXPECT_EQ(test, g->ev[PPTP_STREAM_SPLIT], splits);
	sg_done(g);
}

/* (c) Random chunkings, fixed seeds. */
static void pptp_stream_test_random_chunks(struct kunit *test)
{
	static const struct chunk_opts small = { .max = 16 };
	static const struct chunk_opts mid = { .max = 200 };
	static const struct chunk_opts big = { .max = 1500 };

	check_chunked(test, &small, 0x1234, 200, "chunks<=16");
	check_chunked(test, &mid, 0xbeef, 200, "chunks<=200");
	check_chunked(test, &big, 0xc0ffee, 200, "chunks<=1500");
}

/*
 * Every cut of a message in two.  The OCRQ's call ID (bytes 12-13) is
 * judged at its last byte: it is translated wherever the cut falls, also
 * between its two bytes (the first segment carries the unchanged high
 * byte, the second the new low byte).  The OCRP's peer call ID (bytes
 * 14-15) is translated as soon as it is in, before the result code (16)
 * that the message is judged on: every cut translates it too.
 */
static void pptp_stream_test_split_field(struct kunit *test)
{
	static struct conv c;
	unsigned int cut;
	struct sg *g;

	conv_build(&c, true);
	for (cut = 1; cut < 30; cut++) {
		g = sg_new(test, true, c.buf[ORIG], c.buf[REPLY]);
		sg_feed(g, ORIG, c.start[0], c.end[0]);
		sg_feed(g, REPLY, c.start[1], c.end[1] - c.start[1]);
		/* The first OCRQ (168 bytes) in two pieces cut at @cut. */
		KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, c.start[2], cut),
				PPTP_STREAM_PASS);
		if (cut < PPTP_OFF_CALL_ID + 2)
			KUNIT_EXPECT_EQ(test, g->msgs, 2);
		else
			KUNIT_EXPECT_EQ(test, g->msgs, 3);
		KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, c.start[2] + cut,
					      c.end[2] - c.start[2] - cut),
				PPTP_STREAM_PASS);
		KUNIT_EXPECT_EQ(test, g->msgs, 3);
		KUNIT_EXPECT_EQ(test, g->ev[PPTP_STREAM_SPLIT], 1);
		KUNIT_EXPECT_EQ(test, g->pc.sess.ncalls, 1);
		KUNIT_EXPECT_EQ(test, g->pc.dir[ORIG].skip, 0);
		KUNIT_EXPECT_EQ(test, g->pc.dir[ORIG].hold_len, 0);
		KUNIT_EXPECT_EQ_MSG(test, g->rw_failed, 0, "cut %u", cut);
		KUNIT_EXPECT_EQ_MSG(test, g->rw_ok, 1, "cut %u", cut);
		KUNIT_EXPECT_EQ_MSG(test, pptp_get16(g->out[ORIG] + c.start[2] + 12),
				    SG_NAT_ID(0x1001, 1), "cut %u", cut);

		/* The first OCRP (REPLY), cut the same way. */
		sg_feed(g, ORIG, c.start[3], c.end[4] - c.start[3]);
		KUNIT_ASSERT_EQ(test, sg_feed(g, REPLY, c.start[5], cut),
				PPTP_STREAM_PASS);
		KUNIT_ASSERT_EQ(test, sg_feed(g, REPLY, c.start[5] + cut,
					      c.end[5] - c.start[5] - cut),
				PPTP_STREAM_PASS);
		KUNIT_EXPECT_EQ(test, g->msgs, 6);
		KUNIT_EXPECT_EQ(test, g->pc.sess.calls[0].state,
				PPTP_CALL_ESTABLISHED);
		KUNIT_EXPECT_EQ_MSG(test, g->rw_failed, 0, "cut %u", cut);
		/* The PNS sees its own ID. */
		KUNIT_EXPECT_EQ_MSG(test, pptp_get16(g->out[REPLY] + c.start[5] + 14),
				    0x1001, "cut %u", cut);
		KUNIT_EXPECT_EQ(test, g->mismatch, 0);
		sg_done(g);
		kunit_kfree(test, g);
	}
}

/* (d) Duplicated and overlapping retransmissions change nothing. */
static void pptp_stream_test_retransmit(struct kunit *test)
{
	static const struct chunk_opts dup = { .max = 300, .dup_pct = 40 };
	static const struct chunk_opts ovl = { .max = 300, .overlap_pct = 40 };
	static const struct chunk_opts both = {
		.max = 64, .dup_pct = 30, .overlap_pct = 30,
	};
	static const struct chunk_opts tiny = {
		.max = 8, .dup_pct = 30, .overlap_pct = 30,
	};

	check_chunked(test, &dup, 0x5eed, 200, "dup");
	check_chunked(test, &ovl, 0xfeed, 200, "overlap");
	check_chunked(test, &both, 0xabcd, 200, "dup+overlap");
	check_chunked(test, &tiny, 0x7157, 200, "dup+overlap<=8");
}

/*
 * A resend that also carries new bytes (a sender coalescing its
 * retransmission with fresh data).  When the message's deciding byte
 * arrives in such a segment, only the field's *new* bytes can still be
 * changed: translating a resent byte now would make the two copies
 * differ (the receiver keeps whichever it got first).  The OCRQ's call
 * ID is judged at its own last byte, which is always new there, and its
 * high byte does not change: every cut translates it.
 */
static void pptp_stream_test_resend_with_new_bytes(struct kunit *test)
{
	static const struct chunk_opts ext = { .max = 40, .extend_pct = 40 };
	static const struct chunk_opts all = {
		.max = 24, .extend_pct = 25, .dup_pct = 20, .overlap_pct = 20,
		.reorder_pct = 10,
	};
	static struct conv c;
	unsigned int cut;
	u32 a;
	struct sg *g;

	conv_build(&c, true);
	for (cut = 1; cut < 30; cut++) {
		g = sg_new(test, true, c.buf[ORIG], c.buf[REPLY]);
		sg_feed(g, ORIG, c.start[0], c.end[0]);
		sg_feed(g, REPLY, c.start[1], c.end[1] - c.start[1]);
		a = c.start[2];
		/* First OCRQ: @cut bytes, then all of it from its start. */
		KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, a, cut),
				PPTP_STREAM_PASS);
		KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, a, c.end[2] - a),
				PPTP_STREAM_PASS);
		KUNIT_EXPECT_EQ(test, g->msgs, 3);
		KUNIT_EXPECT_EQ_MSG(test, g->mismatch, 0, "cut %u", cut);
		KUNIT_EXPECT_EQ_MSG(test, g->rw_failed, 0, "cut %u", cut);
		KUNIT_EXPECT_EQ_MSG(test, g->rw_ok, 1, "cut %u", cut);
		KUNIT_EXPECT_EQ_MSG(test, pptp_get16(g->out[ORIG] + a + 12),
				    SG_NAT_ID(0x1001, 1), "cut %u", cut);
		/* And a later resend goes out like the first copy. */
		KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, a, c.end[2] - a),
				PPTP_STREAM_PASS);
		KUNIT_EXPECT_EQ_MSG(test, g->mismatch, 0, "cut %u", cut);
		sg_done(g);
		kunit_kfree(test, g);
	}
	check_chunked(test, &ext, 0xe7e7, 200, "resend+new");
	check_chunked(test, &all, 0xa11, 200, "resend+new+dup+overlap+reorder");
}

/*
 * Resent segments get exactly what the first copy got, whatever their
 * boundaries, including messages that ended their call (refused OCRP,
 * CDN) before the resend: the rewrite is remembered, not recomputed.
 * Each message goes out in two pieces cut at @cut, then as a whole, then
 * each piece again, then a 5-byte window around the call-ID fields.
 */
static void pptp_stream_test_replay_identical(struct kunit *test)
{
	static const unsigned int cuts[] = {
		1, 8, 12, 13, 14, 15, 16, 17, 18, 30,
	};
	static struct conv c;
	unsigned int k, i, j, want_failed;
	struct sg *ref, *g;
	char name[32];

	conv_build(&c, true);
	ref = run_reference(test, &c);
	for (k = 0; k < ARRAY_SIZE(cuts); k++) {
		unsigned int cut = cuts[k];

		snprintf(name, sizeof(name), "cut %u", cut);
		g = sg_new(test, true, c.buf[ORIG], c.buf[REPLY]);
		for (i = 0; i < c.n; i++) {
			u32 a = c.start[i], e = c.end[i];
			u32 pc = min_t(u32, cut, e - a);
			int s = c.side[i];

			/* A zero-length second piece is a no-op. */
			KUNIT_ASSERT_EQ(test, sg_feed(g, s, a, pc),
					PPTP_STREAM_PASS);
			KUNIT_ASSERT_EQ(test, sg_feed(g, s, a + pc,
						      e - a - pc),
					PPTP_STREAM_PASS);
			KUNIT_ASSERT_EQ(test, sg_feed(g, s, a, e - a),
					PPTP_STREAM_PASS);
			KUNIT_ASSERT_EQ(test, sg_feed(g, s, a, pc),
					PPTP_STREAM_PASS);
			KUNIT_ASSERT_EQ(test, sg_feed(g, s, a + pc,
						      e - a - pc),
					PPTP_STREAM_PASS);
			KUNIT_ASSERT_EQ(test, sg_feed(g, s, a + 11, 5),
					PPTP_STREAM_PASS);
			KUNIT_EXPECT_EQ_MSG(test, g->mismatch, 0,
					    "%s message %u", name, i);
		}
		/* Failures: the deciding byte after the cut, a changed one before. */
		want_failed = 0;
		for (j = 0; j < ref->nlog; j++) {
			const struct sg_ent *e = &ref->log[j];
			u32 f = e->rw_pos - e->msg_pos;
			u32 d = ent_decide_pos(e) + 1 - e->msg_pos;

			if ((e->actions & PPTP_ACT_REWRITE) && cut < d &&
			    rw_fails(f, cut, e->rw_old, e->rw_val))
				want_failed++;
		}
		/*
		 * None: a field followed by an OCRP/ICRP result code is
		 * translated while its message is held.
		 */
		KUNIT_EXPECT_EQ(test, want_failed, 0);
		KUNIT_EXPECT_EQ_MSG(test, g->rw_failed, want_failed, "%s", name);
		KUNIT_EXPECT_EQ_MSG(test, g->rw_ok, 14 - want_failed, "%s", name);
		/* Resends repeat every rewrite that was made. */
		if (want_failed < 14)
			KUNIT_EXPECT_GT_MSG(test, g->patches, 0, "%s", name);
		else
			KUNIT_EXPECT_EQ_MSG(test, g->patches, 0, "%s", name);
		KUNIT_EXPECT_EQ(test, g->ev[PPTP_STREAM_BAD_SHORT], 0);
		KUNIT_EXPECT_EQ(test, g->nlog, c.n);
		expect_same_log(test, ref, g, name);
		expect_same_bytes(test, &c, ref, g, name);
		sg_done(g);
		kunit_kfree(test, g);
	}
	sg_done(ref);
}

/* (e) Reordered segments: refused first, accepted when in order. */
static void pptp_stream_test_reorder(struct kunit *test)
{
	static const struct chunk_opts ro = { .max = 120, .reorder_pct = 50 };
	static const struct chunk_opts all = {
		.max = 40, .reorder_pct = 30, .dup_pct = 20, .overlap_pct = 10,
	};

	check_chunked(test, &ro, 0x0dd, 200, "reorder");
	check_chunked(test, &all, 0x777, 200, "reorder+dup+overlap");
}

/*
 * A resent segment that starts inside a message is not parsed: it gets
 * the remembered rewrite of the call-ID field it carries, nothing else.
 */
static void pptp_stream_test_replay_mid_message(struct kunit *test)
{
	static struct conv c;
	unsigned int from;
	struct sg *g;
	u32 a;

	conv_build(&c, true);
	for (from = 1; from < 20; from++) {
		g = sg_new(test, true, c.buf[ORIG], c.buf[REPLY]);
		sg_feed(g, ORIG, c.start[0], c.end[0]);
		sg_feed(g, REPLY, c.start[1], c.end[1] - c.start[1]);
		a = c.start[2];
		KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, a, 10), PPTP_STREAM_PASS);
		KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, a + 10, 158),
				PPTP_STREAM_PASS);
		KUNIT_EXPECT_EQ(test, g->rw_ok, 1);
		KUNIT_EXPECT_EQ(test, g->mismatch, 0);
		KUNIT_EXPECT_EQ(test, g->msgs, 3);
		/* Resend from message byte @from to its end. */
		KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, a + from, 168 - from),
				PPTP_STREAM_PASS);
		KUNIT_EXPECT_EQ_MSG(test, g->mismatch, 0, "from %u", from);
		/* Both bytes of the field if carried (the low one is equal). */
		KUNIT_EXPECT_EQ_MSG(test, g->patches,
				    from <= 12 ? 2 : from == 13 ? 1 : 0,
				    "from %u", from);
		KUNIT_EXPECT_EQ(test, g->ev[PPTP_STREAM_BAD_SHORT], 0);
		KUNIT_EXPECT_EQ(test, g->nlog, 3);
		KUNIT_EXPECT_EQ(test, g->msgs, 3);
		KUNIT_EXPECT_FALSE(test, g->pc.dir[ORIG].lost);
		/* Machine and stream unaffected: the next message works. */
		KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, c.start[3],
					      c.end[3] - c.start[3]),
				PPTP_STREAM_PASS);
		KUNIT_EXPECT_EQ(test, g->pc.sess.ncalls, 2);
		KUNIT_EXPECT_EQ(test, g->rw_ok, 2);
		sg_done(g);
		kunit_kfree(test, g);
	}
}

/*
 * A forged resend (other bytes than the first copy at a rewritten field)
 * from behind the NAT cannot be given the rewrite the first copy got:
 * the direction fails closed, while the other one keeps passing.
 * Without NAT nothing is remembered and a forged resend passes as sent.
 */
static void pptp_stream_test_replay_forged(struct kunit *test)
{
	static struct conv c;
	static u8 b[PPTP_LEN_OCRQ];
	unsigned int nat;
	struct sg *g;
	u32 a;

	for (nat = 0; nat < 2; nat++) {
		conv_build(&c, nat);
		g = sg_new(test, nat, c.buf[ORIG], c.buf[REPLY]);
		sg_feed(g, ORIG, c.start[0], c.end[0]);
		sg_feed(g, REPLY, c.start[1], c.end[1] - c.start[1]);
		a = c.start[2];
		KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, a, 168),
				PPTP_STREAM_PASS);
		memcpy(b, c.buf[ORIG] + a, sizeof(b));
		pptp_put16(b + 12, 0x1101);	/* high byte forged */
		KUNIT_EXPECT_EQ(test, sg_feed_bytes(g, ORIG, a, b, sizeof(b)),
				nat ? PPTP_STREAM_REFUSE : PPTP_STREAM_PASS);
		KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_FAIL_CLOSED], nat);
		/* The next new bytes of ORIG: dropped behind the NAT. */
		KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, c.start[3],
					      c.end[3] - c.start[3]),
				nat ? PPTP_STREAM_REFUSE : PPTP_STREAM_PASS);
		KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_BLOCKED_DROP], nat);
		KUNIT_EXPECT_EQ(test, sg_feed(g, REPLY, c.start[5],
					      c.end[5] - c.start[5]),
				PPTP_STREAM_PASS);
		/* Behind the NAT the low byte was still patched. */
		KUNIT_EXPECT_EQ(test, g->patches, nat);
		sg_done(g);
	}
}

static enum pptp_stream_verdict feed_msg(struct sg *g, const struct conv *c,
					 unsigned int i)
{
	return sg_feed(g, c->side[i], c->start[i], c->end[i] - c->start[i]);
}

/* Call ID field (bytes 12-13) of message @i as it was forwarded. */
static u16 out_id(const struct sg *g, const struct conv *c, unsigned int i)
{
	return pptp_get16(g->out[c->side[i]] + c->start[i] + PPTP_OFF_CALL_ID);
}

/* Behind NAT: the session, and call 0x1001 connected by the PAC. */
static void ocrp_conv(struct conv *c)
{
	memset(c, 0, sizeof(*c));
	c->nat = true;
	conv_add(c, ORIG, PPTP_MSG_SCCRQ, 0, 0, 0);
	conv_add(c, REPLY, PPTP_MSG_SCCRP, 0, 0, 1);
	conv_add(c, ORIG, PPTP_MSG_OCRQ, 0x1001, 0, 0);
	conv_add(c, REPLY, PPTP_MSG_OCRP, 0x2001, SG_NAT_ID(0x1001, 1), 1);
}

static void ocrq_conv(struct conv *c, unsigned int n)
{
	unsigned int i;

	memset(c, 0, sizeof(*c));
	c->nat = true;
	conv_add(c, ORIG, PPTP_MSG_SCCRQ, 0, 0, 0);
	conv_add(c, REPLY, PPTP_MSG_SCCRP, 0, 0, 1);
	for (i = 0; i < n; i++)
		conv_add(c, ORIG, PPTP_MSG_OCRQ, 0x1001 + i, 0, 0);
}

/*
 * Rewrites are remembered until the receiver acknowledges them: with 12
 * in flight a resend of the first is translated exactly like the first
 * copy, once acknowledged they are forgotten, and room is made for more.
 */
static void pptp_stream_test_rewrites_until_acked(struct kunit *test)
{
	static struct conv c;
	unsigned int i, n = 12;
	struct sg *g;

	ocrq_conv(&c, n);
	g = run_reference(test, &c);
	KUNIT_EXPECT_EQ(test, g->rw_ok, n);
	KUNIT_EXPECT_EQ(test, g->pc.dir[ORIG].nrw, n);
	for (i = c.n; i-- > 2;) {
		KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, c.start[i],
					      c.end[i] - c.start[i]),
				PPTP_STREAM_PASS);
		KUNIT_EXPECT_EQ_MSG(test, g->mismatch, 0, "message %u", i);
	}
	KUNIT_EXPECT_EQ(test, pptp_get16(g->seg + 12), SG_NAT_ID(0x1001, 1));
	KUNIT_EXPECT_EQ(test, g->patches, 2 * (c.n - 2));
	/* The acknowledgment of the first half forgets exactly those. */
	sg_ack(g, REPLY, c.end[7]);
	KUNIT_EXPECT_EQ(test, g->pc.dir[ORIG].nrw, c.n - 8);
	sg_ack(g, REPLY, c.end[c.n - 1]);
	KUNIT_EXPECT_EQ(test, g->pc.dir[ORIG].nrw, 0);
	KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_FAIL_CLOSED], 0);
	sg_done(g);
}

/*
 * More unacknowledged rewrites than can be remembered (4 per call the
 * connection may hold, plus 16): from behind the NAT the segment that
 * would need one more fails the side closed rather than leave a resend
 * of it to go out untranslated.  Towards the inside it is rewritten and
 * passes, only not remembered.
 */
static void pptp_stream_test_rewrites_full(struct kunit *test)
{
	static struct conv c;
	unsigned int i, limit;
	struct sg *g;

	/* max_calls 1: 20 rewrites; the OCRQs past the first are zeroed. */
	limit = 4 * 1 + 16;
	ocrq_conv(&c, limit + 1);
	g = sg_new(test, true, c.buf[ORIG], c.buf[REPLY]);
	g->max_calls = 1;
	for (i = 0; i + 1 < c.n; i++)
		KUNIT_ASSERT_EQ(test, sg_feed(g, c.side[i], c.start[i],
					      c.end[i] - c.start[i]),
				PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, g->rw_ok, limit);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, c.start[i],
				      c.end[i] - c.start[i]),
			PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_FAIL_CLOSED], 1);
	KUNIT_EXPECT_EQ(test, g->rw_failed, 1);
	/* Its resend too, even after an acknowledgment made room. */
	sg_ack(g, REPLY, c.end[i - 1]);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, c.start[i],
				      c.end[i] - c.start[i]),
			PPTP_STREAM_REFUSE);
	sg_done(g);

	/* Towards the inside: WENs naming the call, one more than fits. */
	ocrp_conv(&c);
	for (i = 0; i < limit; i++)
		conv_add(&c, REPLY, PPTP_MSG_WEN, 0, SG_NAT_ID(0x1001, 1), 0);
	g = sg_new(test, true, c.buf[ORIG], c.buf[REPLY]);
	g->max_calls = 1;
	for (i = 0; i < c.n; i++)
		KUNIT_ASSERT_EQ(test, feed_msg(g, &c, i), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, g->pc.dir[REPLY].nrw, limit);
	KUNIT_EXPECT_EQ(test, pptp_get16(g->out[REPLY] + c.start[c.n - 1] +
					 PPTP_OFF_PEER_ID_NOTIFY), 0x1001);
	KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_FAIL_CLOSED], 0);
	sg_done(g);
}

/*
 * The most rewrites a direction can remember: 4 per call of the largest
 * max_calls (16384) plus 16 is more than the table's u16 counts hold.
 * The limit stops at their range, and every rewrite below it stays
 * remembered: the table must not wrap to empty.
 */
static void pptp_stream_test_rewrites_top(struct kunit *test)
{
	const unsigned int limit = 4 * 16384 + 16;
	const struct pptp_mem_ops mem = { .alloc = sg_alloc, .free = sg_free };
	struct pptp_stream *st;
	unsigned int i, kept = 0;

	st = kunit_kzalloc(test, sizeof(*st), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, st);
	pptp_stream_init(st);
	pptp_stream_sync(st, 1000);
	for (i = 0; i < PPTP_STREAM_REWRITES_MAX; i++)
		if (pptp_stream_note_rewrite(st, 1000 + 2 * i, 0x1000, 0x2000,
					     limit, &mem))
			break;
	KUNIT_EXPECT_EQ(test, i, PPTP_STREAM_REWRITES_MAX);
	KUNIT_EXPECT_EQ(test, st->nrw, PPTP_STREAM_REWRITES_MAX);
	KUNIT_EXPECT_EQ(test, pptp_stream_note_rewrite(st, 0, 1, 2, limit, &mem),
			-ENOSPC);
	for (i = 0; i < PPTP_STREAM_REWRITES_MAX; i += 4096)
		kept += pptp_stream_rewritten_at(st, 1000 + 2 * i);
	KUNIT_EXPECT_EQ(test, kept, DIV_ROUND_UP(PPTP_STREAM_REWRITES_MAX, 4096));
	pptp_stream_free(st, &mem);
}

/*
 * A resend that crosses the router after the receiver acknowledged it
 * (it left the sender before that acknowledgment reached it) carries
 * call-ID fields whose rewrites were forgotten with the acknowledgment.
 * From behind the NAT it is dropped, not sent with the inside host's own
 * ID; TCP has nothing to resend, the receiver has those bytes.  Towards
 * the inside it passes: the endpoint behind the NAT drops what it has.
 */
static void pptp_stream_test_stale_resend(struct kunit *test)
{
	static struct conv c;
	unsigned int last;
	struct sg *g;

	ocrq_conv(&c, 2);
	last = c.n - 1;
	g = run_reference(test, &c);
	KUNIT_EXPECT_EQ(test, g->pc.dir[ORIG].nrw, 2);
	sg_ack(g, REPLY, c.end[last]);
	KUNIT_EXPECT_EQ(test, g->pc.dir[ORIG].nrw, 0);
	/* Either OCRQ, or both in one segment. */
	KUNIT_EXPECT_EQ(test, feed_msg(g, &c, last), PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, feed_msg(g, &c, last - 1), PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, c.start[last - 1],
				      c.end[last] - c.start[last - 1]),
			PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_STALE_RESEND], 3);
	/* Nothing new is lost: what follows passes. */
	KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_FAIL_CLOSED], 0);
	/* A resend of the SCCRQ, before any rewrite, passes. */
	KUNIT_EXPECT_EQ(test, feed_msg(g, &c, 0), PPTP_STREAM_PASS);
	sg_done(g);

	/* Towards the inside: the OCRP's peer field, acknowledged. */
	ocrp_conv(&c);
	g = run_reference(test, &c);
	sg_ack(g, ORIG, c.end[3]);
	KUNIT_EXPECT_EQ(test, g->pc.dir[REPLY].nrw, 0);
	KUNIT_EXPECT_EQ(test, feed_msg(g, &c, 3), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_STALE_RESEND], 0);
	sg_done(g);
}

/*
 * With the stream start known from the handshake, a first segment that
 * overtakes the one before it is refused like any other, and the
 * connection is inspected normally once TCP has sent them in order.
 */
static void pptp_stream_test_first_segment_reordered(struct kunit *test)
{
	static struct conv c;
	struct sg *g;

	conv_build(&c, false);
	g = sg_new(test, false, c.buf[ORIG], c.buf[REPLY]);
	/* SCCRQ in two pieces; the second one arrives first. */
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 100, 56), PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, g->ev[PPTP_STREAM_GAP], 1);
	KUNIT_EXPECT_FALSE(test, g->pc.dir[ORIG].lost);
	KUNIT_EXPECT_EQ(test, g->msgs, 0);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 0, 100), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 100, 56), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, g->msgs, 1);
	KUNIT_EXPECT_EQ(test, g->pc.sess.state, PPTP_SESS_REQUESTED);
	/* Same for the reply direction's first bytes. */
	KUNIT_EXPECT_EQ(test, sg_feed(g, REPLY, 20, 136), PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, sg_feed(g, REPLY, 0, 20), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, g->pc.sess.state, PPTP_SESS_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, sg_feed(g, REPLY, 20, 136), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, c.start[2],
				      c.end[2] - c.start[2]), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, g->pc.sess.ncalls, 1);
	KUNIT_EXPECT_EQ(test, g->bad[PPTP_PARSE_BAD_LEN], 0);
	KUNIT_EXPECT_EQ(test, g->ev[PPTP_STREAM_GAP], 2);
	sg_done(g);
}

/*
 * Without the handshake (pptp_stream_sync() never called) the first data
 * seen fixes the stream origin: if the second segment overtakes the
 * first, the walker starts inside a message, reads SCCRQ filler as a
 * length (0xa5a5) and gives the direction up.  Kept to pin that the
 * fallback still works as documented.
 */
static void pptp_stream_test_first_segment_nosync(struct kunit *test)
{
	static struct conv c;
	struct sg *g;

	conv_build(&c, false);
	g = sg_new_opt(test, false, c.buf[ORIG], c.buf[REPLY], false);
	KUNIT_EXPECT_FALSE(test, g->pc.dir[ORIG].synced);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 100, 56), PPTP_STREAM_PASS);
	KUNIT_EXPECT_TRUE(test, g->pc.dir[ORIG].synced);
	KUNIT_EXPECT_EQ(test, g->bad[PPTP_PARSE_BAD_LEN], 1);
	KUNIT_EXPECT_TRUE(test, g->pc.dir[ORIG].lost);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 0, 100), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 156, 168), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, g->pc.sess.state, PPTP_SESS_IDLE);
	KUNIT_EXPECT_EQ(test, g->msgs, 0);
	/* In order, without sync, the first data is the right origin. */
	sg_done(g);
	kunit_kfree(test, g);
	g = sg_new_opt(test, false, c.buf[ORIG], c.buf[REPLY], false);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 0, 100), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 100, 56), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, g->msgs, 1);
	/* A later sync (retransmitted SYN-ACK) changes nothing. */
	pptp_stream_sync(&g->pc.dir[ORIG], g->isn[ORIG] + 5);
	KUNIT_EXPECT_EQ(test, g->pc.dir[ORIG].next_seq, g->isn[ORIG] + 156);
	sg_done(g);
}

/*
 * Once a direction is lost (here to a bad magic), its call IDs can no
 * longer be found.  Behind the NAT the ORIG side then fails closed: the
 * segment that lost it, later bytes and resends are dropped.  The REPLY
 * side is not parsed any more but keeps passing, and its remembered
 * rewrites are still repeated in resends.
 */
static void pptp_stream_test_lost_repatch(struct kunit *test)
{
	static struct conv c;
	static u8 b[16];
	struct sg *g;
	u32 a, r;

	conv_build(&c, true);
	g = sg_new(test, true, c.buf[ORIG], c.buf[REPLY]);
	sg_feed(g, ORIG, c.start[0], c.end[0]);
	sg_feed(g, REPLY, c.start[1], c.end[1] - c.start[1]);
	a = c.start[2];
	KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, a, 168), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, g->rw_ok, 1);
	/* The first OCRP answers it: its peer field is translated back. */
	r = c.start[5];
	KUNIT_ASSERT_EQ(test, sg_feed(g, REPLY, r, c.end[5] - r),
			PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, g->rw_ok, 2);
	pptp_build_hdr(b, 16, 1, 0x1a2b3c4e, PPTP_MSG_ECHORQ);
	KUNIT_EXPECT_EQ(test, sg_feed_bytes(g, REPLY, c.end[5], b, 16),
			PPTP_STREAM_PASS);
	KUNIT_EXPECT_TRUE(test, g->pc.dir[REPLY].lost);
	KUNIT_ASSERT_EQ(test, sg_feed(g, REPLY, r, c.end[5] - r),
			PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ_MSG(test, g->mismatch, 0,
			    "resend after the stream was lost left unpatched");
	KUNIT_EXPECT_EQ(test, pptp_get16(g->seg + 14), 0x1001);
	KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_FAIL_CLOSED], 0);

	KUNIT_EXPECT_EQ(test, sg_feed_bytes(g, ORIG, a + 168, b, 16),
			PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_TRUE(test, g->pc.dir[ORIG].lost);
	KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_FAIL_CLOSED], 1);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, a, 168), PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, c.start[3], 168),
			PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_BLOCKED_DROP], 2);
	sg_done(g);
}

/* ------------------------------------------------ NAT translation policy */

/*
 * Behind the NAT, a request the machine refuses leaves with the
 * translated ID of the call that owns its ID, or with 0: a request over
 * max_calls, a duplicate of a live call, a clear request naming no call.
 * Without NAT the same bytes pass as sent.
 */
static void pptp_stream_test_nat_refused(struct kunit *test)
{
	static struct conv c;
	unsigned int nat, i;
	struct sg *g;

	for (nat = 0; nat < 2; nat++) {
		memset(&c, 0, sizeof(c));
		c.nat = nat;
		conv_add(&c, ORIG, PPTP_MSG_SCCRQ, 0, 0, 0);
		conv_add(&c, REPLY, PPTP_MSG_SCCRP, 0, 0, 1);
		conv_add(&c, ORIG, PPTP_MSG_OCRQ, 0x1001, 0, 0);
		conv_add(&c, ORIG, PPTP_MSG_OCRQ, 0x1001, 0, 0); /* dup */
		conv_add(&c, ORIG, PPTP_MSG_OCRQ, 0x1002, 0, 0);
		conv_add(&c, ORIG, PPTP_MSG_OCRQ, 0x1003, 0, 0); /* limit */
		conv_add(&c, ORIG, PPTP_MSG_CCRQ, 0x7777, 0, 0); /* unknown */
		g = sg_new(test, nat, c.buf[ORIG], c.buf[REPLY]);
		g->max_calls = 2;
		for (i = 0; i < c.n; i++)
			KUNIT_ASSERT_EQ(test, feed_msg(g, &c, i),
					PPTP_STREAM_PASS);
		KUNIT_EXPECT_EQ(test, g->log[3].viol, PPTP_V_DUP_CALL);
		KUNIT_EXPECT_EQ(test, g->log[5].viol, PPTP_V_CALL_LIMIT);
		KUNIT_EXPECT_EQ(test, g->log[6].viol, PPTP_V_UNKNOWN_CALL);
		KUNIT_EXPECT_EQ(test, out_id(g, &c, 3),
				nat ? SG_NAT_ID(0x1001, 1) : 0x1001);
		KUNIT_EXPECT_EQ(test, out_id(g, &c, 5), nat ? 0 : 0x1003);
		KUNIT_EXPECT_EQ(test, out_id(g, &c, 6), nat ? 0 : 0x7777);
		KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_ID_ZEROED], nat ? 2 : 0);
		KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_FAIL_CLOSED], 0);
		KUNIT_EXPECT_EQ(test, g->pc.sess.ncalls, 2);
		sg_done(g);
	}
}

/* No free translated ID: the request leaves with 0 and its call ends. */
static void pptp_stream_test_nat_no_free_id(struct kunit *test)
{
	static struct conv c;
	struct sg *g;

	ocrq_conv(&c, 1);
	g = sg_new(test, true, c.buf[ORIG], c.buf[REPLY]);
	g->id_fail = true;
	KUNIT_ASSERT_EQ(test, feed_msg(g, &c, 0), PPTP_STREAM_PASS);
	KUNIT_ASSERT_EQ(test, feed_msg(g, &c, 1), PPTP_STREAM_PASS);
	KUNIT_ASSERT_EQ(test, feed_msg(g, &c, 2), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, out_id(g, &c, 2), 0);
	KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_ID_ZEROED], 1);
	KUNIT_EXPECT_EQ(test, g->pc.sess.ncalls, 0);
	sg_done(g);
}

/*
 * An OCRP from behind the NAT cut after its call-ID field, before its
 * result code: the field leaves translated whatever the result.  A
 * connected call adopts the ID reserved while the reply was held, a
 * refused one gives it back (sg_done() checks none is left), and with
 * no free ID the field leaves as 0 and the call ends.
 */
static void pptp_stream_test_nat_held_reply(struct kunit *test)
{
	static const u8 results[] = { 1, 2, 1 };
	static struct conv c;
	unsigned int cut, k;
	struct sg *g;

	for (k = 0; k < ARRAY_SIZE(results); k++) {
		for (cut = PPTP_OFF_CALL_ID + 2; cut <= PPTP_OFF_OCRP_RESULT;
		     cut++) {
			memset(&c, 0, sizeof(c));
			c.nat = true;
			conv_add(&c, ORIG, PPTP_MSG_SCCRQ, 0, 0, 0);
			conv_add(&c, REPLY, PPTP_MSG_SCCRP, 0, 0, 1);
			conv_add(&c, REPLY, PPTP_MSG_OCRQ, 0x2001, 0, 0);
			conv_add(&c, ORIG, PPTP_MSG_OCRP, 0x1001, 0x2001,
				 results[k]);
			g = sg_new(test, true, c.buf[ORIG], c.buf[REPLY]);
			g->id_fail = k == 2;
			feed_msg(g, &c, 0);
			feed_msg(g, &c, 1);
			feed_msg(g, &c, 2);
			KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, c.start[3], cut),
					PPTP_STREAM_PASS);
			KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, c.start[3] + cut,
						      c.end[3] - c.start[3] - cut),
					PPTP_STREAM_PASS);
			KUNIT_EXPECT_EQ_MSG(test, out_id(g, &c, 3),
					    k == 2 ? 0 : SG_NAT_ID(0x1001, 1),
					    "result %u cut %u", results[k], cut);
			KUNIT_EXPECT_EQ(test, g->pc.sess.ncalls, k == 0);
			if (k == 0)
				KUNIT_EXPECT_EQ(test, g->pc.sess.calls[0].nat_id,
						SG_NAT_ID(0x1001, 1));
			KUNIT_EXPECT_EQ(test, g->reserved, k == 0);
			KUNIT_EXPECT_EQ(test, g->rw_failed, 0);
			KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_FAIL_CLOSED], 0);
			sg_done(g);
			kunit_kfree(test, g);
		}
	}
}

/*
 * The receiver acknowledges the first pieces of a held reply before the
 * piece with its result code arrives: what the held head went out as is
 * still known when the reply is judged, from either side.
 */
static void pptp_stream_test_nat_held_acked(struct kunit *test)
{
	static struct conv c;
	unsigned int side;
	struct sg *g;
	u32 a;

	for (side = 0; side < 2; side++) {
		memset(&c, 0, sizeof(c));
		c.nat = true;
		conv_add(&c, ORIG, PPTP_MSG_SCCRQ, 0, 0, 0);
		conv_add(&c, REPLY, PPTP_MSG_SCCRP, 0, 0, 1);
		if (side == ORIG) {
			conv_add(&c, REPLY, PPTP_MSG_OCRQ, 0x2001, 0, 0);
			conv_add(&c, ORIG, PPTP_MSG_OCRP, 0x1001, 0x2001, 1);
		} else {
			conv_add(&c, ORIG, PPTP_MSG_OCRQ, 0x1001, 0, 0);
			conv_add(&c, REPLY, PPTP_MSG_OCRP, 0x2001,
				 SG_NAT_ID(0x1001, 1), 1);
		}
		g = sg_new(test, true, c.buf[ORIG], c.buf[REPLY]);
		feed_msg(g, &c, 0);
		feed_msg(g, &c, 1);
		feed_msg(g, &c, 2);
		a = c.start[3];
		KUNIT_ASSERT_EQ(test, sg_feed(g, side, a, 16), PPTP_STREAM_PASS);
		sg_ack(g, !side, a + 16);
		KUNIT_ASSERT_EQ(test, sg_feed(g, side, a + 16,
					      c.end[3] - a - 16),
				PPTP_STREAM_PASS);
		KUNIT_EXPECT_EQ(test, g->rw_failed, 0);
		KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_FAIL_CLOSED], 0);
		KUNIT_EXPECT_EQ(test, g->pc.sess.calls[0].state,
				PPTP_CALL_ESTABLISHED);
		if (side == ORIG)
			KUNIT_EXPECT_EQ(test, out_id(g, &c, 3),
					SG_NAT_ID(0x1001, 1));
		else
			KUNIT_EXPECT_EQ(test,
					pptp_get16(g->out[REPLY] + a + 14),
					0x1001);
		/* Judged: the acknowledged rewrite is forgotten now. */
		sg_ack(g, !side, c.end[3]);
		KUNIT_EXPECT_EQ(test, g->pc.dir[side].nrw, 0);
		sg_done(g);
	}
}

/*
 * A held reply the machine then rejects (here: no call is waiting for it)
 * had its translated ID leave with its head: the rest of it must not
 * reach the peer, so the inside side fails closed and the ID goes back.
 */
static void pptp_stream_test_nat_held_rejected(struct kunit *test)
{
	static struct conv c;
	struct sg *g;

	memset(&c, 0, sizeof(c));
	c.nat = true;
	conv_add(&c, ORIG, PPTP_MSG_SCCRQ, 0, 0, 0);
	conv_add(&c, REPLY, PPTP_MSG_SCCRP, 0, 0, 1);
	conv_add(&c, ORIG, PPTP_MSG_OCRP, 0x1001, 0x2001, 1);
	g = sg_new(test, true, c.buf[ORIG], c.buf[REPLY]);
	feed_msg(g, &c, 0);
	feed_msg(g, &c, 1);
	KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, c.start[2], 14),
			PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, out_id(g, &c, 2), SG_NAT_ID(0x1001, 1));
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, c.start[2] + 14,
				      c.end[2] - c.start[2] - 14),
			PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, g->log[2].viol, PPTP_V_UNKNOWN_CALL);
	KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_FAIL_CLOSED], 1);
	KUNIT_EXPECT_EQ(test, g->reserved, 0);
	sg_done(g);
}

/*
 * A malformed message with a sane length is stepped over; from behind
 * the NAT its bytes could still name a call to a lenient peer, with a
 * real ID, so the inside side fails closed.  Without NAT it passes.
 */
static void pptp_stream_test_nat_malformed(struct kunit *test)
{
	static struct conv c;
	unsigned int nat;
	struct sg *g;

	for (nat = 0; nat < 2; nat++) {
		memset(&c, 0, sizeof(c));
		c.nat = nat;
		conv_add(&c, ORIG, PPTP_MSG_SCCRQ, 0, 0, 0);
		conv_add(&c, REPLY, PPTP_MSG_SCCRP, 0, 0, 1);
		conv_add(&c, ORIG, PPTP_MSG_CCRQ, 0x1001, 0, 0);
		/* Message type 16: no such control message. */
		pptp_put16(c.buf[ORIG] + c.start[2] + PPTP_WIRE_OFF_MSG_TYPE,
			   16);
		g = sg_new(test, nat, c.buf[ORIG], c.buf[REPLY]);
		feed_msg(g, &c, 0);
		feed_msg(g, &c, 1);
		KUNIT_EXPECT_EQ(test, feed_msg(g, &c, 2),
				nat ? PPTP_STREAM_REFUSE : PPTP_STREAM_PASS);
		KUNIT_EXPECT_EQ(test, g->bad[PPTP_PARSE_BAD_MSG_TYPE], 1);
		KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_FAIL_CLOSED], nat);
		sg_done(g);
	}
}

/*
 * A translated ID whose changed byte already left cannot be written:
 * behind the NAT the direction fails closed instead of letting the rest
 * of a mixed or real ID out.  The REPLY side keeps passing.
 */
static void pptp_stream_test_nat_split_fails_closed(struct kunit *test)
{
	static struct conv c;
	struct sg *g;

	ocrq_conv(&c, 2);
	g = sg_new(test, true, c.buf[ORIG], c.buf[REPLY]);
	g->far_nat_id = true;
	feed_msg(g, &c, 0);
	feed_msg(g, &c, 1);
	/* The high byte of the call ID leaves in the first piece. */
	KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, c.start[2], 13),
			PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, c.start[2] + 13,
				      c.end[2] - c.start[2] - 13),
			PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, g->rw_failed, 1);
	KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_FAIL_CLOSED], 1);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, c.start[2] + 13,
				      c.end[2] - c.start[2] - 13),
			PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, feed_msg(g, &c, 3), PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_BLOCKED_DROP], 2);
	put_msg(g->seg, PPTP_MSG_ECHORQ, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, sg_feed_bytes(g, REPLY, c.end[1], g->seg, 16),
			PPTP_STREAM_PASS);
	sg_done(g);
}

/*
 * A rewrite that could not be written into the segment (the skb could
 * not be made writable) drops that segment only: the rewrite is
 * remembered, and TCP's resend gets it.
 */
static void pptp_stream_test_nat_write_fails(struct kunit *test)
{
	static struct conv c;
	struct sg *g;

	ocrq_conv(&c, 1);
	g = sg_new(test, true, c.buf[ORIG], c.buf[REPLY]);
	feed_msg(g, &c, 0);
	feed_msg(g, &c, 1);
	g->write_fail = true;
	KUNIT_EXPECT_EQ(test, feed_msg(g, &c, 2), PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, g->rw_failed, 1);
	g->write_fail = false;
	KUNIT_EXPECT_EQ(test, feed_msg(g, &c, 2), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, out_id(g, &c, 2), SG_NAT_ID(0x1001, 1));
	KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_FAIL_CLOSED], 0);
	KUNIT_EXPECT_EQ(test, g->pc.sess.ncalls, 1);
	sg_done(g);
}

/*
 * A version other than 1 ends inspection.  Behind the NAT the ORIG side
 * then stops passing payload (nothing could translate its call IDs),
 * including what follows the SCCRQ in its segment; without NAT the
 * connection passes unparsed.
 */
static void pptp_stream_test_nat_uninspected(struct kunit *test)
{
	static struct conv c;
	unsigned int nat;
	struct sg *g;

	for (nat = 0; nat < 2; nat++) {
		memset(&c, 0, sizeof(c));
		c.nat = nat;
		conv_add(&c, ORIG, PPTP_MSG_SCCRQ, 0, 0, 0);
		conv_add(&c, ORIG, PPTP_MSG_OCRQ, 0x1001, 0, 0);
		conv_add(&c, REPLY, PPTP_MSG_SCCRP, 0, 0, 1);
		conv_add(&c, ORIG, PPTP_MSG_OCRQ, 0x1002, 0, 0);
		pptp_put16(c.buf[ORIG] + PPTP_OFF_VERSION, 0x0200);
		g = sg_new(test, nat, c.buf[ORIG], c.buf[REPLY]);
		KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 0, c.end[1]),
				nat ? PPTP_STREAM_REFUSE : PPTP_STREAM_PASS);
		KUNIT_EXPECT_TRUE(test, g->pc.uninspected);
		KUNIT_EXPECT_EQ(test, feed_msg(g, &c, 2), PPTP_STREAM_PASS);
		KUNIT_EXPECT_EQ(test, feed_msg(g, &c, 3),
				nat ? PPTP_STREAM_REFUSE : PPTP_STREAM_PASS);
		KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_FAIL_CLOSED], nat);
		KUNIT_EXPECT_EQ(test, g->pc.sess.ncalls, 0);
		sg_done(g);
	}
}

/* -------------------------------------------------------- strict mode */

/*
 * Strict mode drops a segment with a malformed message and records it
 * with pptp_stream_refuse(): every resend overlapping it is refused by
 * the walker itself (its bytes were consumed, they are never parsed
 * again), so the malformed bytes never get through.
 */
static void pptp_stream_test_strict_sticky(struct kunit *test)
{
	static u8 b[512];
	unsigned int n = 0;
	struct sg *g;

	put_msg(b, PPTP_MSG_SCCRQ, 0, 0, 0);
	n += PPTP_LEN_SCCRQ;				/* [0, 156) */
	pptp_build_hdr(b + n, 20, PPTP_WIRE_PKT_MGMT, PPTP_WIRE_MAGIC, 1);
	n += 20;					/* [156, 176) */
	put_msg(b + n, PPTP_MSG_ECHORQ, 0, 0, 0);
	n += PPTP_LEN_ECHORQ;				/* [176, 192) */
	put_msg(b + n, PPTP_MSG_ECHORQ, 0, 0, 0);
	n += PPTP_LEN_ECHORQ;				/* [192, 208) */

	g = sg_new(test, false, b, b);
	g->strict = true;
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 0, 156), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 156, 20), PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, g->drops, 1);
	KUNIT_EXPECT_EQ(test, g->bad[PPTP_PARSE_BAD_PKT_TYPE], 1);
	/* Identical, partial, covering and extending resends: refused. */
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 156, 20), PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 160, 4), PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 150, 10), PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 100, 100), PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 175, 17), PPTP_STREAM_REFUSE);
	/* Refused by the walker, not dropped again by the glue. */
	KUNIT_EXPECT_EQ(test, g->drops, 1);
	KUNIT_EXPECT_EQ(test, g->bad[PPTP_PARSE_BAD_PKT_TYPE], 1);
	KUNIT_EXPECT_EQ(test, g->msgs, 1);
	KUNIT_EXPECT_EQ(test, g->pc.dir[ORIG].next_seq, g->isn[ORIG] + 176);
	KUNIT_EXPECT_FALSE(test, g->fwd[ORIG][156]);
	KUNIT_EXPECT_FALSE(test, g->fwd[ORIG][175]);
	/* Not overlapping it: an earlier resend, the next new bytes. */
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 0, 156), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 176, 16), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, g->msgs, 2);
	/* Still refused after other traffic. */
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 156, 20), PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 192, 16), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, g->msgs, 3);
	/* The other direction is not affected. */
	KUNIT_EXPECT_EQ(test, sg_feed(g, REPLY, 0, 10), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, g->ev[PPTP_STREAM_GAP], 0);
	sg_done(g);
}

/*
 * Strict mode, two dropped segments in flight (the sender pipelined the
 * second before it learnt of the first drop): resends of the first must
 * stay refused too.
 */
static void pptp_stream_test_strict_two_drops(struct kunit *test)
{
	static u8 b[512];
	unsigned int n = 0;
	struct sg *g;

	put_msg(b, PPTP_MSG_SCCRQ, 0, 0, 0);
	n += PPTP_LEN_SCCRQ;				/* [0, 156) */
	pptp_build_hdr(b + n, 20, PPTP_WIRE_PKT_MGMT, PPTP_WIRE_MAGIC, 1);
	n += 20;					/* [156, 176) */
	pptp_build_hdr(b + n, 20, PPTP_WIRE_PKT_MGMT, PPTP_WIRE_MAGIC, 1);
	n += 20;					/* [176, 196) */

	g = sg_new(test, false, b, b);
	g->strict = true;
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 0, 156), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 156, 20), PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 176, 20), PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, g->drops, 2);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 176, 20), PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ_MSG(test, sg_feed(g, ORIG, 156, 20), PPTP_STREAM_REFUSE,
			    "resend of the first dropped segment got through");
	KUNIT_EXPECT_FALSE(test, g->fwd[ORIG][156]);
	sg_done(g);
}

/*
 * Strict mode, a segment that loses the stream (bad magic, length below
 * the header) is dropped: its resend must be refused as well, although
 * the direction is no longer parsed.
 */
static void pptp_stream_test_strict_lost(struct kunit *test)
{
	static u8 b[512];
	unsigned int i;
	struct sg *g;

	for (i = 0; i < 2; i++) {
		put_msg(b, PPTP_MSG_SCCRQ, 0, 0, 0);
		if (i == 0)
			pptp_build_hdr(b + 156, 16, 1, 0x1a2b3c4e, PPTP_MSG_ECHORQ);
		else
			pptp_build_hdr(b + 156, 4, 1, PPTP_WIRE_MAGIC,
				       PPTP_MSG_ECHORQ);
		g = sg_new(test, false, b, b);
		g->strict = true;
		KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 0, 156),
				PPTP_STREAM_PASS);
		KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 156, 16),
				PPTP_STREAM_REFUSE);
		KUNIT_EXPECT_TRUE(test, g->pc.dir[ORIG].lost);
		KUNIT_EXPECT_EQ(test, g->drops, 1);
		KUNIT_EXPECT_EQ_MSG(test, sg_feed(g, ORIG, 156, 16),
				    PPTP_STREAM_REFUSE,
				    "%s: resend of the dropped segment got through",
				    i ? "short length" : "bad magic");
		KUNIT_EXPECT_FALSE(test, g->fwd[ORIG][156]);
		sg_done(g);
		kunit_kfree(test, g);
	}
}

/*
 * Strict mode, a stream lost while a segment beyond a gap arrives (found
 * by the fuzzer): the walker gives the direction up and passes the
 * segment, and the glue drops it and records it with pptp_stream_refuse().
 * That range lies beyond next_seq (its bytes were never consumed), and
 * the lost branch of pptp_stream_segment() checked refusals only against
 * bytes below next_seq: the identical resend, while the hole was still
 * open, and again once the hole was filled, got through.  Every later
 * copy of the dropped bytes must be refused; the bytes of the hole itself
 * were never dropped and pass.  The direction is lost because the
 * receiver acknowledged the hole: its bytes went past inspection.
 */
static void pptp_stream_test_strict_gap_lost(struct kunit *test)
{
	static u8 b[512];
	unsigned int i, n = 0;
	struct sg *g;

	put_msg(b, PPTP_MSG_SCCRQ, 0, 0, 0);
	n += PPTP_LEN_SCCRQ;				/* [0, 156) */
	put_msg(b + n, PPTP_MSG_ECHORQ, 0, 0, 0);
	n += PPTP_LEN_ECHORQ;				/* [156, 172) */

	g = sg_new(test, false, b, b);
	g->strict = true;
	KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, 0, 100), PPTP_STREAM_PASS);
	for (i = 0; i < 4; i++)
		KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, 140, 32),
				PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_EQ(test, g->drops, 0);
	/* The receiver has [100, 140) without the walker: given up. */
	sg_ack(g, REPLY, 140);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 140, 32), PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_TRUE(test, g->pc.dir[ORIG].lost);
	KUNIT_EXPECT_EQ(test, g->drops, 1);
	KUNIT_EXPECT_EQ_MSG(test, sg_feed(g, ORIG, 140, 32), PPTP_STREAM_REFUSE,
			    "resend of the dropped segment got through (hole open)");
	KUNIT_EXPECT_EQ_MSG(test, sg_feed(g, ORIG, 150, 4), PPTP_STREAM_REFUSE,
			    "part of the dropped segment got through (hole open)");
	/* The hole was never dropped: it passes, and the stream follows. */
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 100, 40), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, g->pc.dir[ORIG].next_seq, g->isn[ORIG] + 140);
	KUNIT_EXPECT_EQ_MSG(test, sg_feed(g, ORIG, 140, 32), PPTP_STREAM_REFUSE,
			    "resend of the dropped segment got through (hole filled)");
	KUNIT_EXPECT_EQ_MSG(test, sg_feed(g, ORIG, 130, 20), PPTP_STREAM_REFUSE,
			    "overlapping resend got through (hole filled)");
	KUNIT_EXPECT_FALSE(test, g->fwd[ORIG][140]);
	KUNIT_EXPECT_FALSE(test, g->fwd[ORIG][171]);
	KUNIT_EXPECT_EQ(test, g->drops, 1);
	KUNIT_EXPECT_EQ(test, g->msgs, 1);	/* the SCCRQ only */
	sg_done(g);
}

/* ------------------------------------------------ gaps, bypassed bytes */

/*
 * Segments beyond a gap are refused for as long as the gap lasts: two
 * CPUs can reorder a burst of small segments so that hundreds overtake
 * the missing one, and a healthy direction must not be given up for it
 * (a fixed limit would, and pass the rest uninspected).  What
 * gives a direction up is the receiver acknowledging bytes the walker
 * never saw; one more than seen is a FIN's and does not.
 */
static void pptp_stream_test_gap_wait(struct kunit *test)
{
	static struct conv c;
	unsigned int i;
	struct sg *g;

	conv_build(&c, false);
	g = sg_new(test, false, c.buf[ORIG], c.buf[REPLY]);
	KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, 0, 100), PPTP_STREAM_PASS);
	for (i = 0; i < 500; i++)
		KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, 120 + i % 30, 6),
				PPTP_STREAM_REFUSE);
	KUNIT_EXPECT_FALSE(test, g->pc.dir[ORIG].lost);
	/* The receiver has only what passed, and a FIN: still inspected. */
	sg_ack(g, REPLY, 100);
	sg_ack(g, REPLY, 101);
	KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, 120, 36), PPTP_STREAM_REFUSE);
	KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, 100, 20), PPTP_STREAM_PASS);
	KUNIT_ASSERT_EQ(test, sg_feed(g, ORIG, 120, 36), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, g->pc.sess.state, PPTP_SESS_REQUESTED);
	KUNIT_EXPECT_EQ(test, g->ev[PPTP_STREAM_GAP], 501);
	KUNIT_EXPECT_EQ(test, g->ev[PPTP_STREAM_LOST], 0);

	/* Bytes up to 400 reached the receiver past the walker. */
	sg_ack(g, REPLY, 400);
	KUNIT_EXPECT_FALSE(test, g->pc.dir[ORIG].lost);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 400, 16), PPTP_STREAM_PASS);
	KUNIT_EXPECT_TRUE(test, g->pc.dir[ORIG].lost);
	KUNIT_EXPECT_EQ(test, g->ev[PPTP_STREAM_LOST], 1);
	/* Lost: everything passes, nothing is parsed. */
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 156, 168), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, g->msgs, 1);
	/* The other direction is independent. */
	KUNIT_EXPECT_EQ(test, sg_feed(g, REPLY, 0, 156), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, g->msgs, 2);
	KUNIT_EXPECT_EQ(test, g->pc.sess.state, PPTP_SESS_ESTABLISHED);
	sg_done(g);
}

/*
 * The PAC sends a WEN and closes; on a router with two CPUs the bare FIN
 * can be looked at before the WEN.  It must not end the call under the
 * WEN's feet: the WEN would then find no call and reach the inside host
 * with the translated ID.  A FIN ahead of unseen data is refused (TCP
 * sends it again); once the data is in, the FIN ends the calls.  A reset
 * ahead of the data passes and leaves the call, for that data and in
 * case the receiver ignores it (a forged one); the exact reset that
 * answers the receiver's challenge ACK ends the calls.
 */
static void pptp_stream_test_fin_before_data(struct kunit *test)
{
	static struct conv c;
	unsigned int last, i;
	struct sg *g;
	int rst;

	for (rst = 0; rst < 2; rst++) {
		ocrp_conv(&c);
		conv_add(&c, REPLY, PPTP_MSG_WEN, 0, SG_NAT_ID(0x1001, 1), 0);
		last = c.n - 1;
		g = sg_new(test, true, c.buf[ORIG], c.buf[REPLY]);
		for (i = 0; i < last; i++)
			KUNIT_ASSERT_EQ(test, feed_msg(g, &c, i),
					PPTP_STREAM_PASS);
		KUNIT_ASSERT_EQ(test, g->pc.sess.ncalls, 1);
		KUNIT_EXPECT_EQ(test, pptp_conn_close(&g->pc, REPLY,
						      g->isn[REPLY] + c.end[last],
						      rst, &sg_ops, g),
				rst ? PPTP_CONN_PASS : PPTP_CONN_DROP);
		KUNIT_EXPECT_EQ(test, g->pc.sess.ncalls, 1);
		KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_GAP], !rst);
		KUNIT_EXPECT_EQ(test, feed_msg(g, &c, last), PPTP_STREAM_PASS);
		KUNIT_EXPECT_EQ(test, pptp_get16(g->out[REPLY] + c.start[last] +
						 PPTP_OFF_PEER_ID_NOTIFY), 0x1001);
		KUNIT_EXPECT_EQ(test, g->pc.sess.ncalls, 1);
		KUNIT_EXPECT_EQ(test, pptp_conn_close(&g->pc, REPLY,
						      g->isn[REPLY] + c.end[last],
						      rst, &sg_ops, g),
				PPTP_CONN_PASS);
		KUNIT_EXPECT_EQ(test, g->pc.sess.ncalls, 0);
		KUNIT_EXPECT_EQ(test, g->ce[PPTP_CE_CALL_TORNDOWN], 1);
		sg_done(g);
	}
}

/*
 * The PAC resets with a WEN still on its way (it overtook the WEN on
 * another CPU, and again on the way to the inside host).  The host
 * cannot place the reset, answers with a challenge ACK, and the PAC's
 * stack answers that with a second reset at the host's receive point,
 * which is before the WEN: it must not end the call under the WEN's
 * feet, nor after it (a request in that data may have set up a call
 * whose ID the PAC holds); the entry's end does.
 */
static void pptp_stream_test_reset_answer_before_data(struct kunit *test)
{
	static struct conv c;
	unsigned int last, i;
	struct sg *g;

	ocrp_conv(&c);
	conv_add(&c, REPLY, PPTP_MSG_WEN, 0, SG_NAT_ID(0x1001, 1), 0);
	last = c.n - 1;
	g = sg_new(test, true, c.buf[ORIG], c.buf[REPLY]);
	for (i = 0; i < last; i++)
		KUNIT_ASSERT_EQ(test, feed_msg(g, &c, i), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, pptp_conn_close(&g->pc, REPLY,
					      g->isn[REPLY] + c.end[last],
					      true, &sg_ops, g),
			PPTP_CONN_PASS);
	KUNIT_EXPECT_EQ(test, pptp_conn_close(&g->pc, REPLY,
					      g->isn[REPLY] + c.start[last],
					      true, &sg_ops, g),
			PPTP_CONN_PASS);
	KUNIT_EXPECT_EQ(test, g->pc.sess.ncalls, 1);
	KUNIT_EXPECT_EQ(test, feed_msg(g, &c, last), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, pptp_get16(g->out[REPLY] + c.start[last] +
					 PPTP_OFF_PEER_ID_NOTIFY), 0x1001);
	KUNIT_EXPECT_EQ(test, g->pc.sess.ncalls, 1);
	sg_done(g);
}

/* Feed @len bytes of @b as one segment, byte by byte, or in 7-byte bits. */
static struct sg *feed_mode(struct kunit *test, const u8 *b, unsigned int len,
			    unsigned int mode)
{
	struct sg *g = sg_new(test, false, b, b);
	unsigned int p, step = mode == 0 ? len : mode == 1 ? 1 : 7;

	for (p = 0; p < len; p += step)
		KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, p, min(step, len - p)),
				PPTP_STREAM_PASS);
	return g;
}

/*
 * Malformed messages whose length is sane are skipped and the walker
 * finds the next message, whatever the segmentation.
 */
static void pptp_stream_test_resync(struct kunit *test)
{
	static u8 b[1024];
	unsigned int n = 0, mode;
	struct sg *g;

	memset(b, 0x5a, sizeof(b));
	pptp_build_hdr(b + n, 156, PPTP_WIRE_PKT_MGMT, PPTP_WIRE_MAGIC, 1);
	n += 156;	/* management packet type */
	pptp_build_hdr(b + n, 20, 1, PPTP_WIRE_MAGIC, 16);
	n += 20;	/* unknown control type */
	pptp_build_hdr(b + n, 12, 1, PPTP_WIRE_MAGIC, 0);
	n += 12;	/* type 0, header only */
	pptp_build_hdr(b + n, 100, 1, PPTP_WIRE_MAGIC, PPTP_MSG_SCCRQ);
	n += 100;	/* wrong length for the type */
	pptp_build_hdr(b + n, 220, 1, PPTP_WIRE_MAGIC, PPTP_MSG_ECHORQ);
	n += 220;	/* largest sane length, wrong type size */
	put_msg(b + n, PPTP_MSG_SCCRQ, 0, 0, 0);
	n += PPTP_LEN_SCCRQ;
	put_msg(b + n, PPTP_MSG_ECHORQ, 0, 0, 0);
	n += PPTP_LEN_ECHORQ;

	for (mode = 0; mode < 3; mode++) {
		g = feed_mode(test, b, n, mode);
		KUNIT_EXPECT_EQ(test, g->bad[PPTP_PARSE_BAD_PKT_TYPE], 1);
		KUNIT_EXPECT_EQ(test, g->bad[PPTP_PARSE_BAD_MSG_TYPE], 2);
		KUNIT_EXPECT_EQ(test, g->bad[PPTP_PARSE_BAD_LEN], 2);
		KUNIT_EXPECT_EQ(test, g->msgs, 2);
		KUNIT_EXPECT_EQ(test, g->pc.sess.state, PPTP_SESS_REQUESTED);
		KUNIT_EXPECT_FALSE(test, g->pc.dir[ORIG].lost);
		KUNIT_EXPECT_EQ(test, g->pc.dir[ORIG].skip, 0);
		KUNIT_EXPECT_EQ(test, g->pc.dir[ORIG].hold_len, 0);
		sg_done(g);
		kunit_kfree(test, g);
	}
}

/* Bad magic: the length cannot be trusted, the direction is given up. */
static void pptp_stream_test_bad_magic(struct kunit *test)
{
	static u8 b[1024];
	unsigned int n = 0, mode;
	struct sg *g;

	put_msg(b, PPTP_MSG_SCCRQ, 0, 0, 0);
	n += PPTP_LEN_SCCRQ;
	pptp_build_hdr(b + n, 16, 1, 0x1a2b3c4e, PPTP_MSG_ECHORQ);
	n += 16;
	put_msg(b + n, PPTP_MSG_ECHORQ, 0, 0, 0);
	n += PPTP_LEN_ECHORQ;
	for (mode = 0; mode < 3; mode++) {
		g = feed_mode(test, b, n, mode);
		KUNIT_EXPECT_EQ(test, g->bad[PPTP_PARSE_BAD_MAGIC], 1);
		KUNIT_EXPECT_TRUE(test, g->pc.dir[ORIG].lost);
		KUNIT_EXPECT_EQ(test, g->ev[PPTP_STREAM_LOST], 1);
		KUNIT_EXPECT_EQ(test, g->msgs, 1);
		KUNIT_EXPECT_EQ(test, g->pc.dir[ORIG].hold_len, 0);
		sg_done(g);
		kunit_kfree(test, g);
	}
}

/* Length fields 0, 1, 11 (short), 221, 4096, 65535 (too long): lost. */
static void pptp_stream_test_bad_lengths(struct kunit *test)
{
	static const u16 lens[] = { 0, 1, 11, 221, 4096, 65535 };
	static u8 b[512];
	unsigned int i, mode, n;
	struct sg *g;

	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		for (mode = 0; mode < 3; mode++) {
			memset(b, 0, sizeof(b));
			pptp_build_hdr(b, lens[i], 1, PPTP_WIRE_MAGIC, PPTP_MSG_ECHORQ);
			put_msg(b + 16, PPTP_MSG_SCCRQ, 0, 0, 0);
			n = 16 + PPTP_LEN_SCCRQ;
			g = feed_mode(test, b, n, mode);
			if (lens[i] < PPTP_WIRE_HDR_LEN) {
				KUNIT_EXPECT_EQ(test,
						g->ev[PPTP_STREAM_BAD_SHORT], 1);
				KUNIT_EXPECT_EQ(test,
						g->bad[PPTP_PARSE_BAD_LEN], 0);
			} else {
				KUNIT_EXPECT_EQ(test,
						g->ev[PPTP_STREAM_BAD_SHORT], 0);
				KUNIT_EXPECT_EQ(test,
						g->bad[PPTP_PARSE_BAD_LEN], 1);
			}
			KUNIT_EXPECT_TRUE(test, g->pc.dir[ORIG].lost);
			KUNIT_EXPECT_EQ(test, g->ev[PPTP_STREAM_LOST], 1);
			KUNIT_EXPECT_EQ(test, g->msgs, 0);
			KUNIT_EXPECT_EQ(test, g->pc.dir[ORIG].hold_len, 0);
			sg_done(g);
			kunit_kfree(test, g);
		}
	}
}

/*
 * Truncated bodies.  Until its first pptp_msg_decide_len() bytes are in, a
 * message waits in the hold buffer (never more than that); from then on
 * it is judged and its body skipped.  Followed by another message, the
 * truncated one swallows that one's head, and the remainder (filler, read
 * as length 0xa5a5) loses the direction: the walker never guesses
 * boundaries.
 */
static void pptp_stream_test_truncated(struct kunit *test)
{
	static u8 b[1024];
	unsigned int mode, cut;
	struct sg *g;

	for (cut = 1; cut < PPTP_LEN_ICRQ; cut++) {
		for (mode = 0; mode < 3; mode++) {
			put_msg(b, PPTP_MSG_ICRQ, 0x42, 0, 0);
			g = feed_mode(test, b, cut, mode);
			KUNIT_EXPECT_LE(test, g->pc.dir[ORIG].hold_len,
					PPTP_WIRE_DECIDE_LEN);
			KUNIT_EXPECT_FALSE(test, g->pc.dir[ORIG].lost);
			if (cut < pptp_msg_decide_len(PPTP_MSG_ICRQ)) {
				KUNIT_EXPECT_EQ(test, g->pc.dir[ORIG].hold_len, cut);
				KUNIT_EXPECT_EQ(test, g->pc.dir[ORIG].skip, 0);
				KUNIT_EXPECT_EQ(test, g->msgs, 0);
			} else {
				KUNIT_EXPECT_EQ(test, g->pc.dir[ORIG].hold_len, 0);
				KUNIT_EXPECT_EQ(test, g->pc.dir[ORIG].skip,
						PPTP_LEN_ICRQ - cut);
				KUNIT_EXPECT_EQ(test, g->msgs, 1);
				KUNIT_EXPECT_EQ(test, g->log[0].type,
						PPTP_MSG_ICRQ);
			}
			sg_done(g);
			kunit_kfree(test, g);
		}
	}
	for (mode = 0; mode < 3; mode++) {
		put_msg(b, PPTP_MSG_OCRQ, 0x42, 0, 0);
		put_msg(b + 100, PPTP_MSG_SCCRQ, 0, 0, 0);
		g = feed_mode(test, b, 100 + PPTP_LEN_SCCRQ, mode);
		/* The OCRQ is judged on its head and swallows 68 bytes. */
		KUNIT_EXPECT_EQ(test, g->msgs, 1);
		KUNIT_EXPECT_EQ(test, g->log[0].type, PPTP_MSG_OCRQ);
		KUNIT_EXPECT_EQ(test, g->log[0].viol, PPTP_V_STATE);
		/* SCCRQ byte 68 on is 0xa5 filler: length 0xa5a5, lost. */
		KUNIT_EXPECT_TRUE(test, g->pc.dir[ORIG].lost);
		KUNIT_EXPECT_EQ(test, g->bad[PPTP_PARSE_BAD_LEN], 1);
		sg_done(g);
		kunit_kfree(test, g);
	}
}

/* Zero-length segments and segments far behind are harmless. */
static void pptp_stream_test_edges(struct kunit *test)
{
	static struct conv c;
	struct sg *g;

	conv_build(&c, false);
	g = sg_new_opt(test, false, c.buf[ORIG], c.buf[REPLY], false);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 0, 0), PPTP_STREAM_PASS);
	KUNIT_EXPECT_FALSE(test, g->pc.dir[ORIG].synced);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 0, 156), PPTP_STREAM_PASS);
	/* A segment entirely before the stream start: a resend, passed. */
	g->isn[ORIG] -= 1000;
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 0, 100), PPTP_STREAM_PASS);
	g->isn[ORIG] += 1000;
	KUNIT_EXPECT_EQ(test, g->msgs, 1);
	KUNIT_EXPECT_FALSE(test, g->pc.dir[ORIG].lost);
	KUNIT_EXPECT_EQ(test, sg_feed(g, ORIG, 156, 168), PPTP_STREAM_PASS);
	KUNIT_EXPECT_EQ(test, g->msgs, 2);
	/* Synced, nothing sent yet: a zero-length segment changes nothing. */
	KUNIT_EXPECT_EQ(test, sg_feed(g, REPLY, 5, 0), PPTP_STREAM_PASS);
	KUNIT_EXPECT_FALSE(test, g->pc.dir[REPLY].synced);
	sg_done(g);
}

static struct kunit_case pptp_stream_test_cases[] = {
	KUNIT_CASE(pptp_stream_test_reference),
	KUNIT_CASE(pptp_stream_test_bytewise),
	KUNIT_CASE(pptp_stream_test_random_chunks),
	KUNIT_CASE(pptp_stream_test_split_field),
	KUNIT_CASE(pptp_stream_test_retransmit),
	KUNIT_CASE(pptp_stream_test_replay_identical),
	KUNIT_CASE(pptp_stream_test_replay_mid_message),
	KUNIT_CASE(pptp_stream_test_replay_forged),
	KUNIT_CASE(pptp_stream_test_rewrites_until_acked),
	KUNIT_CASE(pptp_stream_test_rewrites_full),
	KUNIT_CASE(pptp_stream_test_rewrites_top),
	KUNIT_CASE(pptp_stream_test_stale_resend),
	KUNIT_CASE(pptp_stream_test_resend_with_new_bytes),
	KUNIT_CASE(pptp_stream_test_reorder),
	KUNIT_CASE(pptp_stream_test_first_segment_reordered),
	KUNIT_CASE(pptp_stream_test_first_segment_nosync),
	KUNIT_CASE(pptp_stream_test_lost_repatch),
	KUNIT_CASE(pptp_stream_test_nat_refused),
	KUNIT_CASE(pptp_stream_test_nat_no_free_id),
	KUNIT_CASE(pptp_stream_test_nat_held_reply),
	KUNIT_CASE(pptp_stream_test_nat_held_acked),
	KUNIT_CASE(pptp_stream_test_nat_held_rejected),
	KUNIT_CASE(pptp_stream_test_nat_malformed),
	KUNIT_CASE(pptp_stream_test_nat_split_fails_closed),
	KUNIT_CASE(pptp_stream_test_nat_write_fails),
	KUNIT_CASE(pptp_stream_test_nat_uninspected),
	KUNIT_CASE(pptp_stream_test_strict_sticky),
	KUNIT_CASE(pptp_stream_test_strict_two_drops),
	KUNIT_CASE(pptp_stream_test_strict_lost),
	KUNIT_CASE(pptp_stream_test_strict_gap_lost),
	KUNIT_CASE(pptp_stream_test_gap_wait),
	KUNIT_CASE(pptp_stream_test_fin_before_data),
	KUNIT_CASE(pptp_stream_test_reset_answer_before_data),
	KUNIT_CASE(pptp_stream_test_resync),
	KUNIT_CASE(pptp_stream_test_bad_magic),
	KUNIT_CASE(pptp_stream_test_bad_lengths),
	KUNIT_CASE(pptp_stream_test_truncated),
	KUNIT_CASE(pptp_stream_test_edges),
	{}
};

static struct kunit_suite pptp_stream_test_suite = {
	.name = "pptp_stream",
	.test_cases = pptp_stream_test_cases,
};

kunit_test_suite(pptp_stream_test_suite);

MODULE_LICENSE("GPL");
