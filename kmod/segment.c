// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the pure connection inspector (core/conn.c) needs from the kernel:
 * the segment's payload (read, and rewritten through the NAT helper so
 * TCP sequence adjustment stays right), translated IDs from the netns
 * table, GRE expectations and counters.  Every decision is made there.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/skbuff.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/netfilter/nf_nat_helper.h>

#include "pptp_alg.h"

/* The connection, and the segment when there is one. */
struct pptp_alg_seg {
	struct pptp_alg_net *pn;
	struct pptp_alg_conn *conn;
	struct sk_buff *skb;		/* NULL: no segment (teardown) */
	unsigned int protoff;
	unsigned int dataoff;
	enum ip_conntrack_info ctinfo;
	struct pptp_alg_after *after;	/* table work once unlocked */
	bool changed;			/* a message changed the session */
};

/* A failure reaches the counters through the core (PPTP_CE_NOMEM). */
static void *pptp_alg_calls_alloc(size_t size)
{
	return pptp_alg_fail() ? NULL : kmalloc(size, GFP_ATOMIC | __GFP_NOWARN);
}

static void pptp_alg_calls_free(void *p)
{
	kfree(p);
}

static int pptp_alg_seg_read(void *ctx, unsigned int off, u8 *buf,
			     unsigned int len)
{
	struct pptp_alg_seg *c = ctx;

	return skb_copy_bits(c->skb, c->dataoff + off, buf, len);
}

static bool pptp_alg_seg_write(void *ctx, unsigned int off, const u8 *val,
			       unsigned int len)
{
	struct pptp_alg_seg *c = ctx;

	return nf_nat_mangle_tcp_packet(c->skb, c->conn->ct, c->ctinfo,
					c->protoff, off, len,
					(const char *)val, len);
}

static int pptp_alg_seg_id_reserve(void *ctx, u16 hint, u16 *out)
{
	struct pptp_alg_seg *c = ctx;

	return pptp_alg_nat_id_reserve(c->pn, c->conn->ct, hint, out);
}

static void pptp_alg_seg_id_release(void *ctx, u16 id)
{
	struct pptp_alg_seg *c = ctx;

	pptp_alg_nat_id_release(c->pn, c->conn->ct, id);
}

static void pptp_alg_seg_expect(void *ctx, struct pptp_call *call)
{
	struct pptp_alg_seg *c = ctx;

	pptp_alg_gre_expect(c->pn, c->conn, call, c->after);
}

static void pptp_alg_seg_forget(void *ctx, struct pptp_call *call)
{
	struct pptp_alg_seg *c = ctx;

	pptp_alg_gre_forget(c->pn, c->conn, call, c->after);
}

static void pptp_alg_seg_count(void *ctx, enum pptp_conn_event ev)
{
	static const enum pptp_alg_stat map[PPTP_CE_MAX] = {
		[PPTP_CE_SPLIT] = PPTP_STAT_SPLIT_MESSAGES,
		[PPTP_CE_RETRANSMIT] = PPTP_STAT_RETRANSMITS,
		[PPTP_CE_GAP] = PPTP_STAT_GAP_DROPS,
		[PPTP_CE_LOST] = PPTP_STAT_STREAM_LOST,
		[PPTP_CE_BAD_SHORT] = PPTP_STAT_BAD_SHORT,
		[PPTP_CE_BAD_LEN] = PPTP_STAT_BAD_LENGTH,
		[PPTP_CE_BAD_PKT_TYPE] = PPTP_STAT_BAD_PKT_TYPE,
		[PPTP_CE_BAD_MAGIC] = PPTP_STAT_BAD_MAGIC,
		[PPTP_CE_BAD_TYPE] = PPTP_STAT_BAD_TYPE,
		[PPTP_CE_STRICT_DROP] = PPTP_STAT_STRICT_DROPS,
		[PPTP_CE_REFUSED] = PPTP_STAT_STRICT_DROPS,
		[PPTP_CE_UNINSPECT] = PPTP_STAT_INSPECT_DISABLED,
		[PPTP_CE_CALL_SETUP] = PPTP_STAT_CALLS_SETUP,
		[PPTP_CE_CALL_TORNDOWN] = PPTP_STAT_CALLS_TORNDOWN,
		[PPTP_CE_REWRITE] = PPTP_STAT_NAT_REWRITES,
		[PPTP_CE_REWRITE_FAILED] = PPTP_STAT_NAT_REWRITE_FAILED,
		[PPTP_CE_ID_ZEROED] = PPTP_STAT_NAT_ID_ZEROED,
		[PPTP_CE_FAIL_CLOSED] = PPTP_STAT_NAT_FAIL_CLOSED,
		[PPTP_CE_BLOCKED_DROP] = PPTP_STAT_NAT_BLOCKED_DROPS,
		[PPTP_CE_NOMEM] = PPTP_STAT_NOMEM,
		[PPTP_CE_STALE_RESEND] = PPTP_STAT_STALE_RESEND_DROPS,
	};
	struct pptp_alg_seg *c = ctx;

	if (ev >= PPTP_CE_MAX)
		return;
	pptp_alg_stat_inc(c->pn, map[ev]);
	if (ev == PPTP_CE_LOST)
		pptp_alg_log(c->pn, "control stream lost, no longer inspected\n");
	else if (ev == PPTP_CE_FAIL_CLOSED)
		pptp_alg_log(c->pn, "call ID cannot be translated: control connection blocked\n");
	else if (ev >= PPTP_CE_BAD_SHORT && ev <= PPTP_CE_BAD_TYPE)
		pptp_alg_log(c->pn, "malformed control message (%d)\n", ev);
}

static void pptp_alg_seg_judged(void *ctx, const struct pptp_msg *m,
				int msg_off, const struct pptp_step_out *out)
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
	struct pptp_alg_seg *c = ctx;
	int dir = CTINFO2DIR(c->ctinfo);

	pptp_alg_stat_inc(c->pn, pptp_alg_msg_stat(m->type, dir));
	/* Echoes, WEN and SLI change nothing a backup router needs. */
	if (m->type != PPTP_MSG_ECHORQ && m->type != PPTP_MSG_ECHORP &&
	    m->type != PPTP_MSG_WEN && m->type != PPTP_MSG_SLI)
		c->changed = true;
	if (out->violation <= PPTP_V_NONE || out->violation >= PPTP_V_MAX)
		return;
	pptp_alg_stat_inc(c->pn, map[out->violation]);
	pptp_alg_log(c->pn, "%s from %s side rejected (%d)\n",
		     pptp_msg_type_name(m->type),
		     dir == IP_CT_DIR_ORIGINAL ? "orig" : "reply",
		     out->violation);
}

static const struct pptp_conn_ops pptp_alg_conn_ops = {
	.mem = {
		.alloc = pptp_alg_calls_alloc,
		.free = pptp_alg_calls_free,
	},
	.read = pptp_alg_seg_read,
	.write = pptp_alg_seg_write,
	.id_reserve = pptp_alg_seg_id_reserve,
	.id_release = pptp_alg_seg_id_release,
	.expect = pptp_alg_seg_expect,
	.forget = pptp_alg_seg_forget,
	.count = pptp_alg_seg_count,
	.judged = pptp_alg_seg_judged,
};

/*
 * Called with conn->lock held; returns the verdict for the segment.  The
 * table work it leaves goes to @after; *@changed is set when
 * a message may have changed what the state blob carries.
 */
unsigned int pptp_alg_segment(struct pptp_alg_net *pn,
			      struct pptp_alg_conn *conn, struct sk_buff *skb,
			      unsigned int protoff, struct nf_conn *ct,
			      enum ip_conntrack_info ctinfo,
			      struct pptp_alg_after *after, bool *changed)
{
	unsigned int verdict;
	struct pptp_alg_seg c = {
		.pn = pn, .conn = conn, .skb = skb, .protoff = protoff,
		.ctinfo = ctinfo, .after = after,
	};
	struct pptp_conn_seg in = {
		.side = CTINFO2DIR(ctinfo) == IP_CT_DIR_ORIGINAL ?
			PPTP_SIDE_ORIG : PPTP_SIDE_REPLY,
		.nat = ct->status & IPS_SRC_NAT,
		.strict = READ_ONCE(pn->tun.strict),
		.max_calls = READ_ONCE(pn->tun.max_calls),
		.now = pptp_alg_now(),
	};
	const struct tcphdr *th;
	struct tcphdr _th;

	th = skb_header_pointer(skb, protoff, sizeof(_th), &_th);
	if (!th)
		return NF_ACCEPT;
	c.dataoff = protoff + th->doff * 4;
	if (c.dataoff >= skb->len)
		return NF_ACCEPT;
	in.seq = ntohl(th->seq);
	in.len = skb->len - c.dataoff;

	verdict = pptp_conn_segment(&conn->pc, &in, &pptp_alg_conn_ops, &c) ==
		  PPTP_CONN_DROP ? NF_DROP : NF_ACCEPT;
	*changed |= c.changed;
	return verdict;
}

const struct pptp_mem_ops *pptp_alg_calls_mem(void)
{
	return &pptp_alg_conn_ops.mem;
}

/* The tables of @conn's state, after its calls have ended. */
void pptp_alg_conn_free_tables(struct pptp_alg_conn *conn)
{
	pptp_conn_free(&conn->pc, &pptp_alg_conn_ops.mem);
}

/*
 * @side closes the connection (a FIN at @seq, or a reset): NF_ACCEPT
 * with every call ended and their GRE entries on @after, or NF_DROP
 * for a FIN ahead of data not seen yet.  conn->lock held.
 */
unsigned int pptp_alg_conn_close(struct pptp_alg_net *pn,
				 struct pptp_alg_conn *conn, unsigned int side,
				 u32 seq, bool rst, struct pptp_alg_after *after)
{
	struct pptp_alg_seg c = { .pn = pn, .conn = conn, .after = after };

	return pptp_conn_close(&conn->pc, side, seq, rst, &pptp_alg_conn_ops,
			       &c) == PPTP_CONN_DROP ? NF_DROP : NF_ACCEPT;
}

/* Call @idx of @conn ends; its GRE entries go to @after.  Locked. */
void pptp_alg_conn_end_call(struct pptp_alg_net *pn, struct pptp_alg_conn *conn,
			    int idx, struct pptp_alg_after *after)
{
	struct pptp_alg_seg c = { .pn = pn, .conn = conn, .after = after };

	pptp_conn_end_call(&conn->pc, idx, &pptp_alg_conn_ops, &c);
}

/*
 * Every call of @conn ends (FIN, RST, destroy); their GRE entries go to
 * @after.  conn->lock held.
 */
void pptp_alg_conn_end_all(struct pptp_alg_net *pn, struct pptp_alg_conn *conn,
			   struct pptp_alg_after *after)
{
	struct pptp_alg_seg c = { .pn = pn, .conn = conn, .after = after };

	pptp_conn_end_all(&conn->pc, &pptp_alg_conn_ops, &c);
}
