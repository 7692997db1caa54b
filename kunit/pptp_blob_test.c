// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the state blob: what one router exports is what
 * another rebuilds, and a blob that is hostile, truncated or from
 * another version is refused with nothing changed.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pptp_alg/blob.h"

#define ORIG	PPTP_SIDE_ORIG
#define REPLY	PPTP_SIDE_REPLY
#define SEED	0x6b1d2e33U

static bool blob_nomem;

static void *blob_alloc(size_t size)
{
	return blob_nomem ? NULL : kmalloc(size, GFP_KERNEL);
}

static void blob_free(void *p)
{
	kfree(p);
}

static const struct pptp_mem_ops blob_mem = {
	.alloc = blob_alloc,
	.free = blob_free,
};

/* Add a call with the given IDs (0 for "not known") and flags. */
static void add_call(struct kunit *test, struct pptp_conn *pc, u8 state,
		     u8 pns, u16 id_orig, u16 id_reply, u16 nat_id, u8 flags)
{
	struct pptp_session *s = &pc->sess;
	int idx;

	KUNIT_ASSERT_EQ(test, pptp_calls_reserve(s, PPTP_CALLS_MAX, &blob_mem),
			0);
	idx = pptp_calls_add(s);
	s->calls[idx].state = state;
	s->calls[idx].pns_side = pns;
	s->calls[idx].flags = flags;
	if (id_orig)
		pptp_calls_set_key(s, idx, PPTP_KEY_ORIG, id_orig);
	if (id_reply)
		pptp_calls_set_key(s, idx, PPTP_KEY_REPLY, id_reply);
	if (nat_id)
		pptp_calls_set_key(s, idx, PPTP_KEY_NAT_ID, nat_id);
}

/* A session with three calls in different states, behind NAT. */
static void sample(struct kunit *test, struct pptp_conn *pc)
{
	pptp_conn_init(pc, SEED);
	pc->sess.state = PPTP_SESS_ESTABLISHED;
	pc->sess.sccrq_side = ORIG;
	pc->sess.version = 0x0100;
	add_call(test, pc, PPTP_CALL_ESTABLISHED, ORIG, 0x1001, 0x8001, 0x10a7,
		 PPTP_CALLF_EXPECTED | PPTP_CALLF_GRE_ORIG |
		 PPTP_CALLF_GRE_REPLY | PPTP_CALLF_NAT_ID_OWNED);
	add_call(test, pc, PPTP_CALL_OUT_REQUESTED, ORIG, 0x1002, 0, 0x1033,
		 PPTP_CALLF_NAT_ID_OWNED);
	add_call(test, pc, PPTP_CALL_ESTABLISHED, REPLY, 0x2003, 0x9003, 0x2081,
		 PPTP_CALLF_EXPECTED | PPTP_CALLF_GRE_REPLY |
		 PPTP_CALLF_CHARGED);
}

static void pptp_blob_test_roundtrip(struct kunit *test)
{
	struct pptp_conn *a, *b;
	u8 buf[64];
	int i, n;

	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	sample(test, a);
	a->blocked = 1U << REPLY;
	n = pptp_blob_encode(a, buf, sizeof(buf));
	KUNIT_ASSERT_EQ(test, n, PPTP_BLOB_HDR_LEN + 3 * PPTP_BLOB_CALL_LEN);
	KUNIT_EXPECT_EQ(test, pptp_blob_encode(a, buf, n - 1), -ENOSPC);

	pptp_conn_init(b, SEED + 1);
	KUNIT_ASSERT_EQ(test, pptp_blob_decode(b, buf, n, 64, &blob_mem),
			PPTP_BLOB_OK);
	KUNIT_EXPECT_EQ(test, b->sess.state, PPTP_SESS_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, b->sess.version, 0x0100);
	KUNIT_EXPECT_EQ(test, b->sess.ncalls, 3);
	KUNIT_EXPECT_EQ(test, b->sess.seed, SEED + 1);
	KUNIT_EXPECT_EQ(test, b->blocked, 1U << REPLY);
	KUNIT_EXPECT_EQ(test, b->uninspected, 0);
	for (i = 0; i < a->sess.ncalls; i++) {
		const struct pptp_call *x = &a->sess.calls[i], *y;
		int j = pptp_calls_find(&b->sess, PPTP_KEY_NAT_ID, x->nat_id);

		KUNIT_ASSERT_GE(test, j, 0);
		y = &b->sess.calls[j];
		KUNIT_EXPECT_EQ(test, y->id[ORIG], x->id[ORIG]);
		KUNIT_EXPECT_EQ(test, y->id[REPLY], x->id[REPLY]);
		KUNIT_EXPECT_EQ(test, y->state, x->state);
		KUNIT_EXPECT_EQ(test, y->pns_side, x->pns_side);
		/* IDs and GRE directions; the glue's own bits start clear. */
		KUNIT_EXPECT_EQ(test, y->flags, x->flags & PPTP_BLOB_CALL_FLAGS);
		if (x->flags & PPTP_CALLF_ID_REPLY)
			KUNIT_EXPECT_EQ(test, pptp_calls_find(&b->sess,
							      PPTP_KEY_REPLY,
							      x->id[REPLY]), j);
		KUNIT_EXPECT_EQ(test, pptp_calls_find(&b->sess, PPTP_KEY_ORIG,
						      x->id[ORIG]), j);
	}
	/* The encoding of the rebuilt state is the same bytes. */
	KUNIT_EXPECT_EQ(test, pptp_blob_len(b), (unsigned int)n);
	{
		u8 again[64];

		KUNIT_ASSERT_EQ(test, pptp_blob_encode(b, again, sizeof(again)),
				n);
		/* Calls may come out in another order: compare as sets. */
		KUNIT_EXPECT_EQ(test, memcmp(again, buf, PPTP_BLOB_HDR_LEN), 0);
	}
	pptp_conn_free(a, &blob_mem);
	pptp_conn_free(b, &blob_mem);
}

/* A session with no calls, uninspected: both walkers are stopped. */
static void pptp_blob_test_uninspected(struct kunit *test)
{
	struct pptp_conn *a;
	u8 buf[PPTP_BLOB_HDR_LEN];

	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	pptp_conn_init(a, SEED);
	a->sess.state = PPTP_SESS_UNINSPECTED;
	a->uninspected = 1;
	a->blocked = 1U << ORIG;
	KUNIT_ASSERT_EQ(test, pptp_blob_encode(a, buf, sizeof(buf)),
			PPTP_BLOB_HDR_LEN);
	pptp_conn_init(a, SEED);
	KUNIT_ASSERT_EQ(test, pptp_blob_decode(a, buf, sizeof(buf), 1,
					       &blob_mem), PPTP_BLOB_OK);
	KUNIT_EXPECT_EQ(test, a->sess.state, PPTP_SESS_UNINSPECTED);
	KUNIT_EXPECT_TRUE(test, a->uninspected);
	KUNIT_EXPECT_TRUE(test, a->dir[ORIG].lost);
	KUNIT_EXPECT_TRUE(test, a->dir[REPLY].lost);
	KUNIT_EXPECT_EQ(test, a->blocked, 1U << ORIG);
	pptp_conn_free(a, &blob_mem);
}

/* How to spoil the sample's blob, and what the decoder must say. */
struct blob_bad {
	const char *what;
	struct {
		int off;	/* byte to set, -1 for none */
		u8 val;
	} set[2];
	int len_delta;		/* zero bytes added, or bytes cut */
	unsigned int max_calls;
	enum pptp_blob_err err;
};

#define C(n, f)		(PPTP_BLOB_HDR_LEN + (n) * PPTP_BLOB_CALL_LEN + (f))
#define NONE		{ -1, 0 }

static const struct blob_bad blob_bad[] = {
	{ "version 0", { { 0, 0 }, NONE }, 0, 64, PPTP_BLOB_BAD_VERSION },
	{ "version 2", { { 0, 2 }, NONE }, 0, 64, PPTP_BLOB_BAD_VERSION },
	{ "one byte more", { NONE, NONE }, 1, 64, PPTP_BLOB_BAD_LEN },
	{ "one byte less", { NONE, NONE }, -1, 64, PPTP_BLOB_BAD_LEN },
	{ "call count high", { { 7, 4 }, NONE }, 0, 64, PPTP_BLOB_BAD_LEN },
	{ "call count 0", { { 7, 0 }, NONE }, 0, 64, PPTP_BLOB_BAD_LEN },
	{ "session state", { { 1, PPTP_SESS_STATE_MAX }, NONE }, 0, 64,
	  PPTP_BLOB_BAD_SESSION },
	{ "calls while requested", { { 1, PPTP_SESS_REQUESTED }, NONE }, 0, 64,
	  PPTP_BLOB_BAD_SESSION },
	{ "SCCRQ side", { { 2, 2 }, NONE }, 0, 64, PPTP_BLOB_BAD_SESSION },
	{ "connection flag", { { 3, 0x08 }, NONE }, 0, 64,
	  PPTP_BLOB_BAD_SESSION },
	{ "more calls than allowed", { NONE, NONE }, 0, 2, PPTP_BLOB_TOO_MANY },
	{ "call state 0", { { C(1, 6), 0 }, NONE }, 0, 64, PPTP_BLOB_BAD_CALL },
	{ "call state high", { { C(1, 6), PPTP_CALL_STATE_MAX }, NONE }, 0, 64,
	  PPTP_BLOB_BAD_CALL },
	{ "PNS side", { { C(0, 7), 2 }, NONE }, 0, 64, PPTP_BLOB_BAD_CALL },
	{ "call flag", { { C(0, 8), PPTP_CALLF_ID_ORIG | PPTP_CALLF_CHARGED },
	  NONE }, 0, 64, PPTP_BLOB_BAD_CALL },
	{ "reserved byte", { { C(2, 9), 1 }, NONE }, 0, 64, PPTP_BLOB_BAD_CALL },
	{ "no ID of either side", { { C(1, 8), PPTP_CALLF_NAT_ID }, NONE }, 0, 64,
	  PPTP_BLOB_BAD_CALL },
	{ "GRE before connected",
	  { { C(1, 8), PPTP_CALLF_ID_ORIG | PPTP_CALLF_GRE_ORIG }, NONE }, 0, 64,
	  PPTP_BLOB_BAD_CALL },
	{ "ORIG ID twice", { { C(1, 0), 0x10 }, { C(1, 1), 0x01 } }, 0, 64,
	  PPTP_BLOB_DUP_ID },
	{ "REPLY ID twice", { { C(2, 2), 0x80 }, { C(2, 3), 0x01 } }, 0, 64,
	  PPTP_BLOB_DUP_ID },
	{ "translated ID twice", { { C(1, 4), 0x10 }, { C(1, 5), 0xa7 } }, 0, 64,
	  PPTP_BLOB_DUP_ID },
};

static void pptp_blob_test_refused(struct kunit *test)
{
	struct pptp_conn *a, *b;
	u8 good[64], bad[80];
	unsigned int i, k;
	int n;

	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	sample(test, a);
	n = pptp_blob_encode(a, good, sizeof(good));
	KUNIT_ASSERT_GT(test, n, 0);
	/* The receiver holds a call of its own: it must survive a refusal. */
	pptp_conn_init(b, SEED);
	b->sess.state = PPTP_SESS_ESTABLISHED;
	add_call(test, b, PPTP_CALL_ESTABLISHED, ORIG, 0x4444, 0x5555, 0x4401,
		 0);

	for (i = 0; i < ARRAY_SIZE(blob_bad); i++) {
		const struct blob_bad *t = &blob_bad[i];
		enum pptp_blob_err err;

		memset(bad, 0, sizeof(bad));
		memcpy(bad, good, n);
		for (k = 0; k < ARRAY_SIZE(t->set); k++)
			if (t->set[k].off >= 0)
				bad[t->set[k].off] = t->set[k].val;
		err = pptp_blob_decode(b, bad, n + t->len_delta, t->max_calls,
				       &blob_mem);
		KUNIT_EXPECT_EQ_MSG(test, err, t->err, "%s: got %s", t->what,
				    pptp_blob_err_name(err));
		KUNIT_EXPECT_EQ_MSG(test, b->sess.ncalls, 1, "%s", t->what);
		KUNIT_EXPECT_EQ_MSG(test, pptp_calls_find(&b->sess,
							  PPTP_KEY_ORIG,
							  0x4444), 0,
				    "%s", t->what);
	}

	/* Every prefix, and the whole blob with no memory. */
	for (i = 0; i < (unsigned int)n; i++)
		KUNIT_EXPECT_NE_MSG(test, pptp_blob_decode(b, good, i, 64,
							   &blob_mem),
				    PPTP_BLOB_OK, "prefix of %u bytes", i);
	blob_nomem = true;
	KUNIT_EXPECT_EQ(test, pptp_blob_decode(b, good, n, 64, &blob_mem),
			PPTP_BLOB_NOMEM);
	blob_nomem = false;
	KUNIT_EXPECT_EQ(test, b->sess.ncalls, 1);
	KUNIT_EXPECT_EQ(test, pptp_blob_decode(b, good, n, 64, &blob_mem),
			PPTP_BLOB_OK);
	KUNIT_EXPECT_EQ(test, b->sess.ncalls, 3);
	pptp_conn_free(a, &blob_mem);
	pptp_conn_free(b, &blob_mem);
}

static struct kunit_case pptp_blob_test_cases[] = {
	KUNIT_CASE(pptp_blob_test_roundtrip),
	KUNIT_CASE(pptp_blob_test_uninspected),
	KUNIT_CASE(pptp_blob_test_refused),
	{}
};

static struct kunit_suite pptp_blob_test_suite = {
	.name = "pptp_blob",
	.test_cases = pptp_blob_test_cases,
};

kunit_test_suite(pptp_blob_test_suite);

MODULE_LICENSE("GPL");
