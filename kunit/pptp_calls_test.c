// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the call table: the array and its three ID indexes must
 * answer every lookup exactly as a linear scan of the array would, through
 * growth, removal from the middle of probe clusters and release_all.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pptp_alg/session.h"

static void *ct_alloc(size_t size)
{
	void *p = kmalloc(size, GFP_KERNEL);

	/* Garbage, not zeroes: the table must initialise what it uses. */
	if (p)
		memset(p, 0x5a, size);
	return p;
}

static void ct_free(void *p)
{
	kfree(p);
}

static const struct pptp_mem_ops ct_ops = {
	.alloc = ct_alloc,
	.free = ct_free,
};

static const u8 ct_flag[PPTP_KEY_MAX] = {
	PPTP_CALLF_ID_ORIG, PPTP_CALLF_ID_REPLY, PPTP_CALLF_NAT_ID,
};

static u16 ct_key(const struct pptp_call *c, unsigned int key)
{
	return key == PPTP_KEY_NAT_ID ? c->nat_id : c->id[key];
}

/* The reference answer: first call in array order with that key. */
static int ct_linear(const struct pptp_session *s, unsigned int key, u16 id)
{
	int i;

	for (i = 0; i < s->ncalls; i++)
		if ((s->calls[i].flags & ct_flag[key]) &&
		    ct_key(&s->calls[i], key) == id)
			return i;
	return -1;
}

static u32 ct_rand(u32 *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

/* Every ID of the range, under every key, answers like the scan. */
static unsigned int ct_check_all(struct kunit *test,
				 const struct pptp_session *s, u16 range)
{
	unsigned int key, bad = 0;
	u32 id;

	for (key = 0; key < PPTP_KEY_MAX; key++)
		for (id = 0; id < range; id++)
			if (pptp_calls_find(s, key, id) !=
			    ct_linear(s, key, id))
				bad++;
	KUNIT_EXPECT_EQ(test, bad, 0);
	return bad;
}

/*
 * Random adds, key changes and removals with IDs from a small range, so
 * that probe clusters are long and removals hit their middles; IDs stay
 * unique per key as the state machine keeps them.
 */
static void ct_model(struct kunit *test, unsigned int max_calls, u16 range,
		     unsigned int steps, u32 seed, u32 hash_seed)
{
	struct pptp_session s;
	unsigned int step, key, grows = 0;
	u32 x = seed;
	int idx;

	pptp_session_init(&s, hash_seed);
	for (step = 0; step < steps; step++) {
		u32 r = ct_rand(&x);
		u16 id = r % range;

		key = (r >> 16) % PPTP_KEY_MAX;
		if ((r >> 24) % 3 == 0 && s.ncalls) {
			pptp_call_release(&s, (r >> 8) % s.ncalls);
		} else if ((r >> 24) % 3 == 1 && s.ncalls) {
			idx = (r >> 8) % s.ncalls;
			if (ct_linear(&s, key, id) < 0)
				pptp_calls_set_key(&s, idx, key, id);
		} else if (s.ncalls < max_calls && ct_linear(&s, key, id) < 0) {
			unsigned int cap = s.cap;
			int err = pptp_calls_reserve(&s, max_calls, &ct_ops);

			KUNIT_ASSERT_EQ(test, err, 0);
			grows += s.cap != cap;
			idx = pptp_calls_add(&s);
			KUNIT_ASSERT_GE(test, idx, 0);
			pptp_calls_set_key(&s, idx, key, id);
		}
		if (ct_check_all(test, &s, range))
			break;
	}
	KUNIT_EXPECT_GT(test, grows, 0);
	pptp_session_release_all(&s);
	KUNIT_EXPECT_EQ(test, s.ncalls, 0);
	ct_check_all(test, &s, range);
	pptp_session_destroy(&s, &ct_ops);
}

static void pptp_calls_test_model_dense(struct kunit *test)
{
	ct_model(test, 12, 24, 3000, 0x12345678, 0);
}

static void pptp_calls_test_model_wide(struct kunit *test)
{
	ct_model(test, 200, 1000, 3000, 0xcafef00d, 0x9e3779b9);
}

/*
 * Longest run of occupied slots in @key's table, wrapping around: the
 * most slots a lookup there can probe.  Reads the layout described at the
 * top of kmod/core/calls.c: calls[cap], then one table of 2^bits u16
 * slots per key, 2^bits the smallest power of two >= 2 * cap (and >= 2).
 */
static unsigned int ct_longest_run(const struct pptp_session *s,
				   unsigned int key)
{
	unsigned int bits = 1, n, i, run = 0, best = 0;
	const u16 *t;

	while ((1U << bits) < 2U * s->cap)
		bits++;
	n = 1U << bits;
	t = (const u16 *)(s->calls + s->cap) + (key << bits);
	for (i = 0; i < 2 * n; i++) {
		run = t[i & (n - 1)] ? run + 1 : 0;
		best = max(best, min(run, n));
	}
	return best;
}

/* v * 30599 * 40503 == v (mod 2^16): the old fixed hash of that ID is v. */
static u16 ct_collider(unsigned int v)
{
	return (u16)(v * 30599U);
}

#define CT_COLLIDERS	512

/*
 * A peer choosing its call IDs so that a fixed hash maps them all to the
 * same few home slots (one long cluster, so every lookup is a walk of
 * up to 512 slots) gets no such cluster from a seeded session; and the
 * index stays exact through inserts and removals whatever the seed.
 */
static void pptp_calls_test_seeded_cluster(struct kunit *test)
{
	static const u32 seeds[] = { 0xdeadbeef, 1, 0x80000000, 0xffffffff,
				     0x2545f491 };
	struct pptp_session s;
	unsigned int i, k, run;
	int idx;
	u16 id;

	for (k = 0; k < ARRAY_SIZE(seeds); k++) {
		pptp_session_init(&s, seeds[k]);
		for (i = 1; i <= CT_COLLIDERS; i++) {
			KUNIT_ASSERT_EQ(test, pptp_calls_reserve(&s,
								 CT_COLLIDERS,
								 &ct_ops), 0);
			idx = pptp_calls_add(&s);
			KUNIT_ASSERT_GE(test, idx, 0);
			pptp_calls_set_key(&s, idx, PPTP_KEY_ORIG,
					   ct_collider(i));
			pptp_calls_set_key(&s, idx, PPTP_KEY_NAT_ID,
					   ct_collider(i) ^ 0x8000);
		}
		KUNIT_ASSERT_EQ(test, s.cap, CT_COLLIDERS);
		run = ct_longest_run(&s, PPTP_KEY_ORIG);
		/* Random slots at load 1/2: about 17, rarely over 40. */
		if (!k)
			KUNIT_EXPECT_LT(test, run, 32);
		KUNIT_EXPECT_LT(test, run, 64);
		KUNIT_EXPECT_LT(test, ct_longest_run(&s, PPTP_KEY_NAT_ID), 64);

		/* Every other one ends, from the middles of the clusters. */
		for (i = 1; i <= CT_COLLIDERS; i += 2)
			pptp_call_release(&s, pptp_calls_find(&s, PPTP_KEY_ORIG,
							      ct_collider(i)));
		KUNIT_EXPECT_EQ(test, s.ncalls, CT_COLLIDERS / 2);
		for (i = 0; i <= CT_COLLIDERS + 1; i++) {
			id = ct_collider(i);
			idx = pptp_calls_find(&s, PPTP_KEY_ORIG, id);
			KUNIT_EXPECT_EQ(test, idx,
					ct_linear(&s, PPTP_KEY_ORIG, id));
			KUNIT_EXPECT_EQ(test, idx >= 0,
					i >= 1 && i <= CT_COLLIDERS && !(i & 1));
			KUNIT_EXPECT_EQ(test,
					pptp_calls_find(&s, PPTP_KEY_NAT_ID,
							id ^ 0x8000), idx);
		}
		pptp_session_destroy(&s, &ct_ops);

		/* Random adds, key changes and removals, answered exactly. */
		ct_model(test, 12, 24, 1000, 0x2468ace0 + k, seeds[k]);
		ct_model(test, 64, 300, 1000, 0x13579bdf + k, seeds[k]);
	}
}

/* Full table: every ID of each key findable, the limit refused. */
static void pptp_calls_test_full(struct kunit *test)
{
	struct pptp_session s;
	unsigned int i;
	int idx;

	pptp_session_init(&s, 0x2545f491);
	for (i = 0; i < 100; i++) {
		KUNIT_ASSERT_EQ(test, pptp_calls_reserve(&s, 100, &ct_ops), 0);
		idx = pptp_calls_add(&s);
		KUNIT_ASSERT_EQ(test, idx, i);
		/* Multiples of 256: one cluster under a weak unkeyed hash. */
		pptp_calls_set_key(&s, idx, PPTP_KEY_ORIG, i * 256);
		pptp_calls_set_key(&s, idx, PPTP_KEY_REPLY, 65535 - i);
		pptp_calls_set_key(&s, idx, PPTP_KEY_NAT_ID, i + 1);
	}
	KUNIT_EXPECT_EQ(test, s.cap, 100);
	KUNIT_EXPECT_EQ(test, pptp_calls_reserve(&s, 100, &ct_ops), -ENOMEM);
	KUNIT_EXPECT_EQ(test, pptp_calls_add(&s), -1);
	for (i = 0; i < 100; i++) {
		KUNIT_EXPECT_EQ(test, pptp_calls_find(&s, PPTP_KEY_ORIG,
						      i * 256), i);
		KUNIT_EXPECT_EQ(test, pptp_calls_find(&s, PPTP_KEY_REPLY,
						      65535 - i), i);
		KUNIT_EXPECT_EQ(test, pptp_calls_find(&s, PPTP_KEY_NAT_ID,
						      i + 1), i);
	}
	KUNIT_EXPECT_EQ(test, pptp_calls_find(&s, PPTP_KEY_NAT_ID, 0), -1);
	KUNIT_EXPECT_EQ(test, pptp_calls_find(&s, PPTP_KEY_MAX, 1), -1);

	/* Remove the first 50 by ID; the calls moved into holes keep answering. */
	for (i = 0; i < 50; i++)
		pptp_call_release(&s, pptp_calls_find(&s, PPTP_KEY_ORIG,
						      i * 256));
	KUNIT_EXPECT_EQ(test, s.ncalls, 50);
	for (i = 0; i < 100; i++) {
		idx = pptp_calls_find(&s, PPTP_KEY_ORIG, i * 256);
		if (i < 50) {
			KUNIT_EXPECT_EQ(test, idx, -1);
			continue;
		}
		KUNIT_ASSERT_GE(test, idx, 0);
		KUNIT_EXPECT_EQ(test, s.calls[idx].id[PPTP_SIDE_ORIG], i * 256);
		KUNIT_EXPECT_EQ(test, pptp_calls_find(&s, PPTP_KEY_NAT_ID, i + 1),
				idx);
	}
	pptp_session_destroy(&s, &ct_ops);
	KUNIT_EXPECT_NULL(test, s.calls);
}

/* A key not set (flag clear) is never found, even if the field matches. */
static void pptp_calls_test_unset_key(struct kunit *test)
{
	struct pptp_session s;
	int idx;

	pptp_session_init(&s, 0x2545f491);
	KUNIT_ASSERT_EQ(test, pptp_calls_reserve(&s, 4, &ct_ops), 0);
	idx = pptp_calls_add(&s);
	pptp_calls_set_key(&s, idx, PPTP_KEY_ORIG, 7);
	KUNIT_EXPECT_EQ(test, pptp_calls_find(&s, PPTP_KEY_ORIG, 7), idx);
	/* id[REPLY] and nat_id are 0 but not known. */
	KUNIT_EXPECT_EQ(test, pptp_calls_find(&s, PPTP_KEY_REPLY, 0), -1);
	KUNIT_EXPECT_EQ(test, pptp_calls_find(&s, PPTP_KEY_NAT_ID, 0), -1);
	/* Changing a key drops the old ID from the index. */
	pptp_calls_set_key(&s, idx, PPTP_KEY_ORIG, 8);
	KUNIT_EXPECT_EQ(test, pptp_calls_find(&s, PPTP_KEY_ORIG, 7), -1);
	KUNIT_EXPECT_EQ(test, pptp_calls_find(&s, PPTP_KEY_ORIG, 8), idx);
	pptp_session_destroy(&s, &ct_ops);
}

/*
 * A call is charged against the budget of calls waiting for GRE from its
 * expectations' creation until they end.  The clock starts when they are
 * created (the reply, however late), not at the request, and runs for
 * the lifetime they were given, whatever the sysctl says later.
 */
static void pptp_calls_test_expect_end(struct kunit *test)
{
	struct pptp_call c = { .start = 1000 };

	/* Requested at 1000, answered 27 s later, expectations for 20 s. */
	pptp_call_set_expect_end(&c, 1027, 20);
	KUNIT_EXPECT_FALSE(test, pptp_call_expect_over(&c, 1028));
	KUNIT_EXPECT_FALSE(test, pptp_call_expect_over(&c, 1047));
	KUNIT_EXPECT_FALSE(test, pptp_call_expect_over(&c, 1048));
	KUNIT_EXPECT_TRUE(test, pptp_call_expect_over(&c, 1049));

	/* Made for 120 s: a lower sysctl later changes nothing. */
	pptp_call_set_expect_end(&c, 1000, 120);
	KUNIT_EXPECT_FALSE(test, pptp_call_expect_over(&c, 1010));
	KUNIT_EXPECT_FALSE(test, pptp_call_expect_over(&c, 1121));
	KUNIT_EXPECT_TRUE(test, pptp_call_expect_over(&c, 1122));

	/* The caller's clock wraps. */
	c.start = 0xfffffff0;
	pptp_call_set_expect_end(&c, 0xfffffff8, 30);
	KUNIT_EXPECT_FALSE(test, pptp_call_expect_over(&c, 0x10));
	KUNIT_EXPECT_TRUE(test, pptp_call_expect_over(&c, 0x18));

	/* Beyond the field's range: charged until the call ends. */
	c.start = 5;
	pptp_call_set_expect_end(&c, 10, 5 * 24 * 3600);
	KUNIT_EXPECT_FALSE(test, pptp_call_expect_over(&c, 5 + 70000));
	KUNIT_EXPECT_FALSE(test, pptp_call_expect_over(&c, 10 + 6 * 24 * 3600));
}

static struct kunit_case pptp_calls_test_cases[] = {
	KUNIT_CASE(pptp_calls_test_model_dense),
	KUNIT_CASE(pptp_calls_test_model_wide),
	KUNIT_CASE(pptp_calls_test_seeded_cluster),
	KUNIT_CASE(pptp_calls_test_full),
	KUNIT_CASE(pptp_calls_test_unset_key),
	KUNIT_CASE(pptp_calls_test_expect_end),
	{}
};

static struct kunit_suite pptp_calls_test_suite = {
	.name = "pptp_calls",
	.test_cases = pptp_calls_test_cases,
};

kunit_test_suite(pptp_calls_test_suite);

MODULE_LICENSE("GPL");
