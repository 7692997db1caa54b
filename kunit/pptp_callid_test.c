// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the translated call-ID allocator.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>

#include "pptp_alg/callid.h"

#define ID_SPACE	65536

/* Fake NAT table: a byte per ID, plus a scripted or seeded random source. */
struct fake {
	u8 *used;		/* ID_SPACE entries */
	u32 rng;		/* xorshift32 state */
	const u32 *script;	/* if set, random() replays these */
	unsigned int nscript;
	unsigned int nrandom;	/* random() calls */
	unsigned int nclaim;	/* claim() calls */
	unsigned int nzero;	/* claim(0) calls: must stay 0 */
	unsigned int last;	/* last ID claim() granted */
	bool track;		/* false: every claim succeeds, nothing kept */
};

static u32 fake_random(void *ctx)
{
	struct fake *f = ctx;
	u32 x;

	if (f->script) {
		x = f->script[f->nrandom % f->nscript];
	} else {
		x = f->rng;
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		f->rng = x;
	}
	f->nrandom++;
	return x;
}

static bool fake_claim(void *ctx, u16 id)
{
	struct fake *f = ctx;

	f->nclaim++;
	if (!id)
		f->nzero++;
	if (!f->track) {
		f->last = id;
		return true;
	}
	if (f->used[id])
		return false;
	f->used[id] = 1;
	f->last = id;
	return true;
}

static struct fake *fake_new(struct kunit *test, u32 seed)
{
	struct fake *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->used = kunit_kzalloc(test, ID_SPACE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, f->used);
	f->rng = seed;
	f->track = true;
	return f;
}

static void fake_src(struct pptp_callid_src *src, struct fake *f)
{
	src->random = fake_random;
	src->claim = fake_claim;
	src->ctx = f;
}

/*
 * Up to 56000 IDs (85% of the space) every pick succeeds: a miss there has
 * probability 0.855^128, about 2e-9, and the seed is fixed anyway.
 */
static void pptp_callid_test_unique(struct kunit *test)
{
	struct fake *f = fake_new(test, 0x1723);
	struct pptp_callid_src src;
	unsigned int i, n = 0;
	u16 id;

	fake_src(&src, f);
	for (i = 0; i < 56000; i++) {
		id = 0;
		KUNIT_ASSERT_EQ(test, pptp_callid_pick(&src, &id), 0);
		/* The ID returned is the one claimed for us, so it is new. */
		KUNIT_ASSERT_EQ(test, id, f->last);
		KUNIT_ASSERT_NE(test, id, 0);
	}
	for (i = 0; i < ID_SPACE; i++)
		n += f->used[i];
	KUNIT_EXPECT_EQ(test, n, 56000);
	KUNIT_EXPECT_EQ(test, f->used[0], 0);
	KUNIT_EXPECT_EQ(test, f->nzero, 0);
}

/* A full space costs at most the attempt bound, for either variant. */
static void pptp_callid_test_exhausted(struct kunit *test)
{
	struct fake *f = fake_new(test, 42);
	struct pptp_callid_src src;
	u16 id = 777;

	fake_src(&src, f);
	memset(f->used + 1, 1, ID_SPACE - 1);
	KUNIT_EXPECT_EQ(test, pptp_callid_pick(&src, &id), -ENOSPC);
	KUNIT_EXPECT_EQ(test, id, 777);
	KUNIT_EXPECT_GT(test, f->nclaim, 0);
	KUNIT_EXPECT_LE(test, f->nclaim, PPTP_CALLID_MAX_ATTEMPTS);
	KUNIT_EXPECT_LE(test, f->nrandom, PPTP_CALLID_MAX_ATTEMPTS);

	f->nclaim = 0;
	f->nrandom = 0;
	KUNIT_EXPECT_EQ(test, pptp_callid_pick_near(&src, 0x1234, &id),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, id, 777);
	KUNIT_EXPECT_LE(test, f->nclaim, PPTP_CALLID_MAX_ATTEMPTS);
	KUNIT_EXPECT_LE(test, f->nrandom, PPTP_CALLID_MAX_ATTEMPTS);
	KUNIT_EXPECT_EQ(test, f->nzero, 0);
}

/*
 * One free ID left: the search may miss it (each probe finds it with
 * probability 1/65535) but must give up within the bound, and if it
 * answers at all it answers with that ID.
 */
static void pptp_callid_test_one_free(struct kunit *test)
{
	static const u16 frees[] = { 1, 2, 0x1235, 32768, 65534, 65535 };
	struct pptp_callid_src src;
	unsigned int i, seed, near;
	struct fake *f;
	int err;
	u16 id;

	for (i = 0; i < ARRAY_SIZE(frees); i++) {
		for (seed = 1; seed <= 3; seed++) {
			for (near = 0; near <= 1; near++) {
				f = fake_new(test, seed * 7919);
				fake_src(&src, f);
				memset(f->used + 1, 1, ID_SPACE - 1);
				f->used[frees[i]] = 0;
				id = 0;
				err = near ?
				      pptp_callid_pick_near(&src, 0x1234, &id) :
				      pptp_callid_pick(&src, &id);
				if (err) {
					KUNIT_EXPECT_EQ(test, err, -ENOSPC);
					KUNIT_EXPECT_EQ(test, id, 0);
				} else {
					KUNIT_EXPECT_EQ(test, id, frees[i]);
				}
				KUNIT_EXPECT_LE(test, f->nclaim,
						PPTP_CALLID_MAX_ATTEMPTS);
				KUNIT_EXPECT_EQ(test, f->nzero, 0);
			}
		}
	}
}

/*
 * With half the space free every pick succeeds, for many seeds.  Filling
 * on from there, every pick stays within the bound, and the first miss
 * only comes once the space is nearly full (below 85% a miss has
 * probability under 1e-9 per pick).
 */
static void pptp_callid_test_half_free(struct kunit *test)
{
	struct pptp_callid_src src;
	unsigned int seed, i, used;
	struct fake *f;
	u32 x;
	int err;
	u16 id, hint;

	for (seed = 1; seed <= 32; seed++) {
		f = fake_new(test, seed * 0x9e3779b9U);
		fake_src(&src, f);
		/* A random half of the space taken, from its own generator. */
		x = seed * 2654435761U;
		used = 0;
		for (i = 1; i < ID_SPACE; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			f->used[i] = x & 1;
			used += x & 1;
		}
		for (i = 0; i < 500; i++) {
			hint = f->rng;
			id = 0;
			f->nclaim = 0;
			err = i & 1 ? pptp_callid_pick_near(&src, hint, &id) :
				      pptp_callid_pick(&src, &id);
			KUNIT_ASSERT_EQ(test, err, 0);
			KUNIT_ASSERT_EQ(test, id, f->last);
			KUNIT_EXPECT_NE(test, id, 0);
			if (i & 1)
				KUNIT_EXPECT_NE(test, id, hint);
			KUNIT_ASSERT_LE(test, f->nclaim,
					PPTP_CALLID_MAX_ATTEMPTS);
			used++;
		}
		do {
			f->nclaim = 0;
			err = pptp_callid_pick(&src, &id);
			KUNIT_ASSERT_LE(test, f->nclaim,
					PPTP_CALLID_MAX_ATTEMPTS);
			used += !err;
		} while (!err);
		KUNIT_EXPECT_EQ(test, err, -ENOSPC);
		KUNIT_EXPECT_GE(test, used, 65535 * 85 / 100);
		KUNIT_EXPECT_EQ(test, f->nzero, 0);
		kunit_kfree(test, f->used);
		f->used = NULL;
	}
}

/*
 * pptp_callid_pick_near() never returns its hint, not even from the
 * probes of the whole space: here every such probe draws the hint, which
 * is free, and every probe of its block draws a taken ID.
 */
static void pptp_callid_test_near_not_hint(struct kunit *test)
{
	/* 0x1233 in the block; 0x1233 % 65535 + 1 == 0x1234 outside it. */
	static const u32 script[] = { 0x1233 };
	struct fake *f = fake_new(test, 1);
	struct pptp_callid_src src;
	u16 id = 0;

	fake_src(&src, f);
	f->script = script;
	f->nscript = ARRAY_SIZE(script);
	f->used[0x1233] = 1;
	KUNIT_EXPECT_EQ(test, pptp_callid_pick_near(&src, 0x1234, &id),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, id, 0);
	KUNIT_EXPECT_EQ(test, f->used[0x1234], 0);
	KUNIT_EXPECT_LE(test, f->nrandom, PPTP_CALLID_MAX_ATTEMPTS);
}

/* Random values that reduce to the edges never yield 0. */
static void pptp_callid_test_never_zero(struct kunit *test)
{
	static const u32 edges[] = { 0, 1, 65534, 65535, 65536, 131070,
				     0xfffffffe, 0xffffffff };
	struct fake *f = fake_new(test, 1);
	struct pptp_callid_src src;
	unsigned int i;
	u16 id;

	fake_src(&src, f);
	f->track = false;
	for (i = 0; i < ARRAY_SIZE(edges); i++) {
		f->script = &edges[i];
		f->nscript = 1;
		id = 0;
		KUNIT_EXPECT_EQ(test, pptp_callid_pick(&src, &id), 0);
		KUNIT_EXPECT_NE(test, id, 0);
		KUNIT_EXPECT_EQ(test, id, edges[i] % 65535 + 1);
	}
	KUNIT_EXPECT_EQ(test, f->nzero, 0);
}

/* Free space: the first probe wins. */
static void pptp_callid_test_first_probe(struct kunit *test)
{
	struct fake *f = fake_new(test, 99);
	struct pptp_callid_src src;
	u16 id;

	fake_src(&src, f);
	KUNIT_EXPECT_EQ(test, pptp_callid_pick(&src, &id), 0);
	KUNIT_EXPECT_EQ(test, f->nrandom, 1);
	KUNIT_EXPECT_EQ(test, f->nclaim, 1);
}

/*
 * 16 buckets of 4096 IDs (the last one 4095) over 163840 picks: the
 * chi-square statistic with 15 degrees of freedom stays under 37.7
 * (p = 0.001) for a uniform choice.  Deterministic seed, so no flakes.
 */
static void pptp_callid_test_uniform(struct kunit *test)
{
	struct fake *f = fake_new(test, 0xc0ffee);
	struct pptp_callid_src src;
	unsigned int counts[16] = { 0 };
	unsigned int i, n = 163840;
	u64 chi_x1000 = 0;
	u16 id;

	fake_src(&src, f);
	f->track = false;
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_EQ(test, pptp_callid_pick(&src, &id), 0);
		KUNIT_ASSERT_NE(test, id, 0);
		counts[(id - 1) / 4096]++;
	}
	for (i = 0; i < 16; i++) {
		/* Expected count scaled by 4096 to stay in integers. */
		u64 exp = (u64)n * (i == 15 ? 4095 : 4096);
		s64 d = (s64)counts[i] * 65535 - (s64)exp;

		/* (o - e)^2 / e, with o and e scaled by 65535. */
		chi_x1000 += (u64)(d * d) / 65535 * 1000 / exp;
		KUNIT_EXPECT_GT(test, counts[i], 9000);
		KUNIT_EXPECT_LT(test, counts[i], 11500);
	}
	KUNIT_EXPECT_LT(test, chi_x1000, 37700);
}

/*
 * pptp_callid_pick_near() keeps the hint's high byte while that block
 * has room (so a split call-ID field can still be translated), never
 * hands out 0, and falls back to the whole space once the block is full.
 */
static void pptp_callid_test_near(struct kunit *test)
{
	struct fake *f = fake_new(test, 0xbead);
	struct pptp_callid_src src;
	unsigned int i, in_block = 0;
	u16 id;

	fake_src(&src, f);
	for (i = 0; i < 255; i++) {
		KUNIT_ASSERT_EQ(test, pptp_callid_pick_near(&src, 0x0042, &id),
				0);
		KUNIT_ASSERT_NE(test, id, 0);
		in_block += (id & 0xff00) == 0;
	}
	/* Block 0x00xx has 255 usable IDs; random probes find most. */
	KUNIT_EXPECT_GT(test, in_block, 200);
	KUNIT_EXPECT_EQ(test, f->nzero, 0);
	KUNIT_EXPECT_EQ(test, f->used[0], 0);

	/* A full block: the next ID comes from elsewhere. */
	for (i = 0x1200; i <= 0x12ff; i++)
		f->used[i] = 1;
	KUNIT_ASSERT_EQ(test, pptp_callid_pick_near(&src, 0x1234, &id), 0);
	KUNIT_EXPECT_NE(test, id & 0xff00, 0x1200);
	KUNIT_EXPECT_EQ(test, id, f->last);

	/* An empty block: the first probe lands there. */
	KUNIT_ASSERT_EQ(test, pptp_callid_pick_near(&src, 0xab00, &id), 0);
	KUNIT_EXPECT_EQ(test, id & 0xff00, 0xab00);
}

static struct kunit_case pptp_callid_test_cases[] = {
	KUNIT_CASE(pptp_callid_test_near),
	KUNIT_CASE(pptp_callid_test_unique),
	KUNIT_CASE(pptp_callid_test_exhausted),
	KUNIT_CASE(pptp_callid_test_one_free),
	KUNIT_CASE(pptp_callid_test_half_free),
	KUNIT_CASE(pptp_callid_test_near_not_hint),
	KUNIT_CASE(pptp_callid_test_never_zero),
	KUNIT_CASE(pptp_callid_test_first_probe),
	KUNIT_CASE(pptp_callid_test_uniform),
	{}
};

static struct kunit_suite pptp_callid_test_suite = {
	.name = "pptp_callid",
	.test_cases = pptp_callid_test_cases,
};

kunit_test_suite(pptp_callid_test_suite);

MODULE_LICENSE("GPL");
