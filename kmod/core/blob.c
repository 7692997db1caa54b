// SPDX-License-Identifier: GPL-2.0-only
/*
 * A control connection's state as a byte string and back.  Pure: see
 * include/pptp_alg/blob.h for the format.  The decoder trusts nothing:
 * the blob comes from another machine through netlink.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/types.h>

#include "pptp_alg/blob.h"

static const char * const pptp_blob_err_names[PPTP_BLOB_ERR_MAX] = {
	[PPTP_BLOB_OK]		= "ok",
	[PPTP_BLOB_SHORT]	= "short",
	[PPTP_BLOB_BAD_VERSION]	= "version",
	[PPTP_BLOB_BAD_LEN]	= "length",
	[PPTP_BLOB_BAD_SESSION]	= "session",
	[PPTP_BLOB_TOO_MANY]	= "too many calls",
	[PPTP_BLOB_BAD_CALL]	= "call",
	[PPTP_BLOB_DUP_ID]	= "duplicate ID",
	[PPTP_BLOB_NOMEM]	= "no memory",
};

const char *pptp_blob_err_name(enum pptp_blob_err err)
{
	return err < PPTP_BLOB_ERR_MAX ? pptp_blob_err_names[err] : "?";
}

int pptp_blob_encode(const struct pptp_conn *pc, u8 *b, unsigned int len)
{
	const struct pptp_session *s = &pc->sess;
	unsigned int need = pptp_blob_len(pc), i;
	u8 *p = b + PPTP_BLOB_HDR_LEN;

	if (len < need)
		return -ENOSPC;
	b[0] = PPTP_BLOB_VERSION;
	b[1] = s->state;
	b[2] = s->sccrq_side;
	b[3] = (pc->uninspected ? PPTP_BLOB_F_UNINSPECTED : 0) |
	       (pc->blocked & (1U << PPTP_SIDE_ORIG) ?
		PPTP_BLOB_F_BLOCKED_ORIG : 0) |
	       (pc->blocked & (1U << PPTP_SIDE_REPLY) ?
		PPTP_BLOB_F_BLOCKED_REPLY : 0);
	pptp_put16(b + 4, s->version);
	pptp_put16(b + 6, s->ncalls);
	for (i = 0; i < s->ncalls; i++, p += PPTP_BLOB_CALL_LEN) {
		const struct pptp_call *c = &s->calls[i];

		pptp_put16(p, c->id[PPTP_SIDE_ORIG]);
		pptp_put16(p + 2, c->id[PPTP_SIDE_REPLY]);
		pptp_put16(p + 4, c->nat_id);
		p[6] = c->state;
		p[7] = c->pns_side;
		p[8] = c->flags & PPTP_BLOB_CALL_FLAGS;
		p[9] = 0;
	}
	return need;
}

static bool pptp_blob_call_ok(const u8 *p)
{
	u8 state = p[6], side = p[7], flags = p[8];
	u8 gre = PPTP_CALLF_GRE_ORIG | PPTP_CALLF_GRE_REPLY;

	if (state == 0 || state >= PPTP_CALL_STATE_MAX || side > 1 || p[9] ||
	    (flags & ~PPTP_BLOB_CALL_FLAGS))
		return false;
	/* The request that made the call named its sender's own ID. */
	if (!(flags & (PPTP_CALLF_ID_ORIG | PPTP_CALLF_ID_REPLY)))
		return false;
	/* GRE is only ever set up for a connected call. */
	return !(flags & gre) || state == PPTP_CALL_ESTABLISHED ||
	       state == PPTP_CALL_CLEARING;
}

/* Index the new call's IDs, refusing one another call has already. */
static bool pptp_blob_index(struct pptp_session *s, int idx, const u8 *p)
{
	static const struct {
		enum pptp_call_key key;
		u8 flag;
		u8 off;
	} keys[] = {
		{ PPTP_KEY_ORIG, PPTP_CALLF_ID_ORIG, 0 },
		{ PPTP_KEY_REPLY, PPTP_CALLF_ID_REPLY, 2 },
		{ PPTP_KEY_NAT_ID, PPTP_CALLF_NAT_ID, 4 },
	};
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(keys); k++) {
		u16 id = pptp_get16(p + keys[k].off);

		if (!(p[8] & keys[k].flag))
			continue;
		if (pptp_calls_find(s, keys[k].key, id) >= 0)
			return false;
		pptp_calls_set_key(s, idx, keys[k].key, id);
	}
	return true;
}

enum pptp_blob_err pptp_blob_decode(struct pptp_conn *pc, const u8 *b,
				    unsigned int len, unsigned int max_calls,
				    const struct pptp_mem_ops *mem)
{
	struct pptp_session s;
	unsigned int n, i;
	const u8 *p;

	if (len < PPTP_BLOB_HDR_LEN)
		return PPTP_BLOB_SHORT;
	if (b[0] != PPTP_BLOB_VERSION)
		return PPTP_BLOB_BAD_VERSION;
	n = pptp_get16(b + 6);
	if (len != PPTP_BLOB_HDR_LEN + PPTP_BLOB_CALL_LEN * n)
		return PPTP_BLOB_BAD_LEN;
	if (b[1] >= PPTP_SESS_STATE_MAX || b[2] > 1 ||
	    (b[3] & ~PPTP_BLOB_F_ALL) ||
	    (n && b[1] != PPTP_SESS_ESTABLISHED))
		return PPTP_BLOB_BAD_SESSION;
	if (n > max_calls || n > PPTP_CALLS_MAX)
		return PPTP_BLOB_TOO_MANY;
	for (i = 0, p = b + PPTP_BLOB_HDR_LEN; i < n;
	     i++, p += PPTP_BLOB_CALL_LEN)
		if (!pptp_blob_call_ok(p))
			return PPTP_BLOB_BAD_CALL;

	/* Built aside, so that a refusal leaves @pc as it was. */
	pptp_session_init(&s, pc->sess.seed);
	for (i = 0, p = b + PPTP_BLOB_HDR_LEN; i < n;
	     i++, p += PPTP_BLOB_CALL_LEN) {
		struct pptp_call *c;
		int idx;

		if (pptp_calls_reserve(&s, n, mem)) {
			pptp_session_destroy(&s, mem);
			return PPTP_BLOB_NOMEM;
		}
		idx = pptp_calls_add(&s);
		c = &s.calls[idx];
		c->state = p[6];
		c->pns_side = p[7];
		c->flags = p[8] & (PPTP_CALLF_GRE_ORIG | PPTP_CALLF_GRE_REPLY);
		if (!pptp_blob_index(&s, idx, p)) {
			pptp_session_destroy(&s, mem);
			return PPTP_BLOB_DUP_ID;
		}
	}
	s.state = b[1];
	s.sccrq_side = b[2];
	s.version = pptp_get16(b + 4);
	pptp_session_destroy(&pc->sess, mem);
	pc->sess = s;
	pc->uninspected = !!(b[3] & PPTP_BLOB_F_UNINSPECTED);
	pc->blocked = (b[3] & PPTP_BLOB_F_BLOCKED_ORIG ?
		       1U << PPTP_SIDE_ORIG : 0) |
		      (b[3] & PPTP_BLOB_F_BLOCKED_REPLY ?
		       1U << PPTP_SIDE_REPLY : 0);
	if (pc->uninspected) {
		pptp_stream_stop(&pc->dir[PPTP_SIDE_ORIG]);
		pptp_stream_stop(&pc->dir[PPTP_SIDE_REPLY]);
	}
	return PPTP_BLOB_OK;
}
