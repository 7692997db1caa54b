// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the PPTP control-message parser.
 */
#include <kunit/test.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>

#include "pptp_alg/msg.h"
#include "pptp_build.h"

#define BUF_LEN		512

/* Fields 12..17 carry distinct bytes so every extraction is attributable. */
static const u8 body_pattern[6] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };

/* A valid message of @type with the pattern body; returns its length. */
static unsigned int build(u8 *b, unsigned int type)
{
	unsigned int len = pptp_msg_type_len(type);

	memset(b, 0xaa, len);
	pptp_build_hdr(b, len, PPTP_WIRE_PKT_CONTROL, PPTP_WIRE_MAGIC, type);
	memcpy(b + PPTP_WIRE_HDR_LEN, body_pattern, sizeof(body_pattern));
	return len;
}

static const unsigned int type_lens[PPTP_MSG_TYPE_MAX + 1] = {
	[PPTP_MSG_SCCRQ] = 156, [PPTP_MSG_SCCRP] = 156,
	[PPTP_MSG_STOPCCRQ] = 16, [PPTP_MSG_STOPCCRP] = 16,
	[PPTP_MSG_ECHORQ] = 16, [PPTP_MSG_ECHORP] = 20,
	[PPTP_MSG_OCRQ] = 168, [PPTP_MSG_OCRP] = 32,
	[PPTP_MSG_ICRQ] = 220, [PPTP_MSG_ICRP] = 24,
	[PPTP_MSG_ICCN] = 28, [PPTP_MSG_CCRQ] = 16,
	[PPTP_MSG_CDN] = 148, [PPTP_MSG_WEN] = 40,
	[PPTP_MSG_SLI] = 24,
};

static void pptp_msg_test_type_len(struct kunit *test)
{
	unsigned int t;

	/* RFC 2637 section 2 sizes, restated independently of wire.h. */
	for (t = 1; t <= PPTP_MSG_TYPE_MAX; t++)
		KUNIT_EXPECT_EQ_MSG(test, pptp_msg_type_len(t), type_lens[t],
				    "type %u", t);
	KUNIT_EXPECT_EQ(test, pptp_msg_type_len(0), 0);
	KUNIT_EXPECT_EQ(test, pptp_msg_type_len(16), 0);
	KUNIT_EXPECT_EQ(test, pptp_msg_type_len(0xffff), 0);
	KUNIT_EXPECT_EQ(test, pptp_msg_type_len(~0U), 0);
}

static void pptp_msg_test_type_name(struct kunit *test)
{
	static const char * const names[PPTP_MSG_TYPE_MAX + 1] = {
		NULL, "SCCRQ", "SCCRP", "StopCCRQ", "StopCCRP", "EchoRQ",
		"EchoRP", "OCRQ", "OCRP", "ICRQ", "ICRP", "ICCN", "CCRQ",
		"CDN", "WEN", "SLI",
	};
	unsigned int t;

	for (t = 1; t <= PPTP_MSG_TYPE_MAX; t++)
		KUNIT_EXPECT_STREQ(test, pptp_msg_type_name(t), names[t]);
	KUNIT_EXPECT_STREQ(test, pptp_msg_type_name(0), "?");
	KUNIT_EXPECT_STREQ(test, pptp_msg_type_name(16), "?");
	KUNIT_EXPECT_STREQ(test, pptp_msg_type_name(~0U), "?");
}

static void pptp_msg_test_exact(struct kunit *test)
{
	u8 *b = kunit_kzalloc(test, BUF_LEN, GFP_KERNEL);
	struct pptp_msg m;
	unsigned int t, len, need;

	KUNIT_ASSERT_NOT_NULL(test, b);
	for (t = 1; t <= PPTP_MSG_TYPE_MAX; t++) {
		len = build(b, t);
		need = 12345;
		KUNIT_EXPECT_EQ_MSG(test, pptp_msg_parse(b, len, &m, &need),
				    PPTP_PARSE_OK, "type %u", t);
		KUNIT_EXPECT_EQ(test, m.len, len);
		KUNIT_EXPECT_EQ(test, m.type, t);
		KUNIT_EXPECT_EQ(test, need, len);
		/* @need may be NULL. */
		KUNIT_EXPECT_EQ(test, pptp_msg_parse(b, len, &m, NULL),
				PPTP_PARSE_OK);
	}
}

/* Message at the very end of an exactly sized allocation: KASAN/ASan. */
static void pptp_msg_test_no_overread(struct kunit *test)
{
	u8 tmp[BUF_LEN];
	struct pptp_msg m;
	unsigned int t, len;
	u8 *b;

	for (t = 1; t <= PPTP_MSG_TYPE_MAX; t++) {
		len = build(tmp, t);
		b = kunit_kzalloc(test, len, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, b);
		memcpy(b, tmp, len);
		KUNIT_EXPECT_EQ(test, pptp_msg_parse(b, len, &m, NULL),
				PPTP_PARSE_OK);
		kunit_kfree(test, b);
	}
}

static void pptp_msg_test_short(struct kunit *test)
{
	u8 *b = kunit_kzalloc(test, BUF_LEN, GFP_KERNEL);
	struct pptp_msg m;
	unsigned int t, len, avail, need;

	KUNIT_ASSERT_NOT_NULL(test, b);
	for (t = 1; t <= PPTP_MSG_TYPE_MAX; t++) {
		len = build(b, t);
		for (avail = 0; avail < PPTP_WIRE_HDR_LEN; avail++) {
			need = 0;
			KUNIT_EXPECT_EQ(test,
					pptp_msg_parse(b, avail, &m, &need),
					PPTP_PARSE_NEED_MORE);
			KUNIT_EXPECT_EQ(test, need, PPTP_WIRE_HDR_LEN);
		}
		for (avail = PPTP_WIRE_HDR_LEN; avail < len; avail++) {
			need = 0;
			KUNIT_EXPECT_EQ_MSG(test,
					    pptp_msg_parse(b, avail, &m, &need),
					    PPTP_PARSE_NEED_MORE,
					    "type %u avail %u", t, avail);
			KUNIT_EXPECT_EQ(test, need, len);
		}
	}
}

static void pptp_msg_test_wrong_len(struct kunit *test)
{
	u8 *b = kunit_kzalloc(test, BUF_LEN, GFP_KERNEL);
	struct pptp_msg m;
	unsigned int t, len, need;

	KUNIT_ASSERT_NOT_NULL(test, b);
	for (t = 1; t <= PPTP_MSG_TYPE_MAX; t++) {
		/* One byte too long. */
		len = build(b, t);
		pptp_put16(b, len + 1);
		need = 1;
		KUNIT_EXPECT_EQ_MSG(test, pptp_msg_parse(b, BUF_LEN, &m, &need),
				    PPTP_PARSE_BAD_LEN, "type %u", t);
		/* Above the largest message: length not trustworthy. */
		KUNIT_EXPECT_EQ(test, need,
				len + 1 > PPTP_WIRE_MAX_MSG_LEN ? 0 : len + 1);

		/* One byte too short, even with only that much available. */
		pptp_put16(b, len - 1);
		KUNIT_EXPECT_EQ(test, pptp_msg_parse(b, len - 1, &m, &need),
				PPTP_PARSE_BAD_LEN);
		KUNIT_EXPECT_EQ(test, need, len - 1);

		/* Wrong length is reported before missing bytes. */
		pptp_put16(b, len + 4 > 220 ? len - 4 : len + 4);
		KUNIT_EXPECT_EQ(test, pptp_msg_parse(b, 12, &m, &need),
				PPTP_PARSE_BAD_LEN);
	}
}

static void pptp_msg_test_insane_len(struct kunit *test)
{
	static const unsigned int lens[] = { 0, 1, 11, 221, 256, 0x8000,
					     65535 };
	u8 *b = kunit_kzalloc(test, BUF_LEN, GFP_KERNEL);
	struct pptp_msg m;
	unsigned int i, need;

	KUNIT_ASSERT_NOT_NULL(test, b);
	for (i = 0; i < ARRAY_SIZE(lens); i++) {
		build(b, PPTP_MSG_SCCRQ);
		pptp_put16(b, lens[i]);
		need = 99;
		KUNIT_EXPECT_EQ_MSG(test, pptp_msg_parse(b, BUF_LEN, &m, &need),
				    PPTP_PARSE_BAD_LEN, "len %u", lens[i]);
		KUNIT_EXPECT_EQ(test, need, 0);
		/* Even with only the header available. */
		KUNIT_EXPECT_EQ(test, pptp_msg_parse(b, 12, &m, &need),
				PPTP_PARSE_BAD_LEN);
		/* Insane length beats every later check. */
		pptp_build_hdr(b, lens[i], 2, 0xdeadbeef, 0);
		KUNIT_EXPECT_EQ(test, pptp_msg_parse(b, BUF_LEN, &m, &need),
				PPTP_PARSE_BAD_LEN);
		KUNIT_EXPECT_EQ(test, need, 0);
	}
}

static void pptp_msg_test_bad_pkt_type(struct kunit *test)
{
	static const unsigned int pkts[] = { 0, PPTP_WIRE_PKT_MGMT, 3,
					     0x100, 0xffff };
	u8 *b = kunit_kzalloc(test, BUF_LEN, GFP_KERNEL);
	struct pptp_msg m;
	unsigned int i, len, need;

	KUNIT_ASSERT_NOT_NULL(test, b);
	for (i = 0; i < ARRAY_SIZE(pkts); i++) {
		len = build(b, PPTP_MSG_OCRQ);
		pptp_put16(b + PPTP_WIRE_OFF_PKT_TYPE, pkts[i]);
		need = 0;
		KUNIT_EXPECT_EQ(test, pptp_msg_parse(b, BUF_LEN, &m, &need),
				PPTP_PARSE_BAD_PKT_TYPE);
		KUNIT_EXPECT_EQ(test, need, len);
		/* Reported before the magic and the control type. */
		pptp_build_hdr(b, len, pkts[i], 0, 0);
		KUNIT_EXPECT_EQ(test, pptp_msg_parse(b, 12, &m, &need),
				PPTP_PARSE_BAD_PKT_TYPE);
		KUNIT_EXPECT_EQ(test, need, len);
	}
}

static void pptp_msg_test_bad_magic(struct kunit *test)
{
	static const u32 magics[] = { 0, 0x1a2b3c4c, 0x4d3c2b1a, 0xffffffff,
				      0x9a2b3c4d };
	u8 *b = kunit_kzalloc(test, BUF_LEN, GFP_KERNEL);
	struct pptp_msg m;
	unsigned int i, len, need;

	KUNIT_ASSERT_NOT_NULL(test, b);
	for (i = 0; i < ARRAY_SIZE(magics); i++) {
		len = build(b, PPTP_MSG_ECHORQ);
		pptp_build_hdr(b, len, PPTP_WIRE_PKT_CONTROL, magics[i],
			       PPTP_MSG_ECHORQ);
		need = 7;
		KUNIT_EXPECT_EQ(test, pptp_msg_parse(b, BUF_LEN, &m, &need),
				PPTP_PARSE_BAD_MAGIC);
		KUNIT_EXPECT_EQ(test, need, 0);
		/* Before the control type and length match. */
		pptp_build_hdr(b, 100, PPTP_WIRE_PKT_CONTROL, magics[i], 0);
		KUNIT_EXPECT_EQ(test, pptp_msg_parse(b, 12, &m, &need),
				PPTP_PARSE_BAD_MAGIC);
	}
}

static void pptp_msg_test_bad_msg_type(struct kunit *test)
{
	static const unsigned int types[] = { 0, 16, 17, 0x100, 0x8001,
					      0xffff };
	u8 *b = kunit_kzalloc(test, BUF_LEN, GFP_KERNEL);
	struct pptp_msg m;
	unsigned int i, need;

	KUNIT_ASSERT_NOT_NULL(test, b);
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		build(b, PPTP_MSG_SLI);
		pptp_put16(b + PPTP_WIRE_OFF_MSG_TYPE, types[i]);
		need = 0;
		KUNIT_EXPECT_EQ_MSG(test, pptp_msg_parse(b, BUF_LEN, &m, &need),
				    PPTP_PARSE_BAD_MSG_TYPE, "type %u",
				    types[i]);
		KUNIT_EXPECT_EQ(test, need, PPTP_LEN_SLI);
		/* Before the length match and missing bytes. */
		pptp_put16(b, 200);
		KUNIT_EXPECT_EQ(test, pptp_msg_parse(b, 12, &m, &need),
				PPTP_PARSE_BAD_MSG_TYPE);
		KUNIT_EXPECT_EQ(test, need, 200);
	}
}

static void pptp_msg_test_trailing(struct kunit *test)
{
	u8 *b = kunit_kzalloc(test, BUF_LEN, GFP_KERNEL);
	struct pptp_msg m;
	unsigned int t, len, len2, need;

	KUNIT_ASSERT_NOT_NULL(test, b);
	for (t = 1; t <= PPTP_MSG_TYPE_MAX; t++) {
		len = build(b, t);
		memset(b + len, 0xff, BUF_LEN - len);
		KUNIT_EXPECT_EQ(test, pptp_msg_parse(b, BUF_LEN, &m, &need),
				PPTP_PARSE_OK);
		KUNIT_EXPECT_EQ(test, m.len, len);
		KUNIT_EXPECT_EQ(test, need, len);

		/* Back to back: the second parses from where the first ends. */
		len2 = build(b + len, PPTP_MSG_ECHORP);
		KUNIT_ASSERT_EQ(test, pptp_msg_parse(b, len + len2, &m, NULL),
				PPTP_PARSE_OK);
		KUNIT_EXPECT_EQ(test, m.type, t);
		KUNIT_EXPECT_EQ(test, pptp_msg_parse(b + m.len, len2, &m, NULL),
				PPTP_PARSE_OK);
		KUNIT_EXPECT_EQ(test, m.type, PPTP_MSG_ECHORP);
	}
}

struct field_case {
	u8 type;
	u16 version;
	u8 result;
	u8 own_off;
	u16 own_id;
	u8 peer_off;
	u16 peer_id;
};

#define NF	PPTP_MSG_NO_FIELD

/* Expected values given body_pattern at offsets 12..17. */
static const struct field_case field_cases[] = {
	{ PPTP_MSG_SCCRQ,	0x1122, 0,	NF, 0,		NF, 0 },
	{ PPTP_MSG_SCCRP,	0x1122, 0x33,	NF, 0,		NF, 0 },
	{ PPTP_MSG_STOPCCRQ,	0,	0,	NF, 0,		NF, 0 },
	{ PPTP_MSG_STOPCCRP,	0,	0x11,	NF, 0,		NF, 0 },
	{ PPTP_MSG_ECHORQ,	0,	0,	NF, 0,		NF, 0 },
	{ PPTP_MSG_ECHORP,	0,	0,	NF, 0,		NF, 0 },
	{ PPTP_MSG_OCRQ,	0,	0,	12, 0x1122,	NF, 0 },
	{ PPTP_MSG_OCRP,	0,	0x55,	12, 0x1122,	14, 0x3344 },
	{ PPTP_MSG_ICRQ,	0,	0,	12, 0x1122,	NF, 0 },
	{ PPTP_MSG_ICRP,	0,	0x55,	12, 0x1122,	14, 0x3344 },
	{ PPTP_MSG_ICCN,	0,	0,	NF, 0,		12, 0x1122 },
	{ PPTP_MSG_CCRQ,	0,	0,	12, 0x1122,	NF, 0 },
	{ PPTP_MSG_CDN,		0,	0,	12, 0x1122,	NF, 0 },
	{ PPTP_MSG_WEN,		0,	0,	NF, 0,		12, 0x1122 },
	{ PPTP_MSG_SLI,		0,	0,	NF, 0,		12, 0x1122 },
};

static void pptp_msg_test_fields(struct kunit *test)
{
	u8 *b = kunit_kzalloc(test, BUF_LEN, GFP_KERNEL);
	struct pptp_msg m;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_EQ(test, ARRAY_SIZE(field_cases), PPTP_MSG_TYPE_MAX);
	for (i = 0; i < ARRAY_SIZE(field_cases); i++) {
		const struct field_case *fc = &field_cases[i];
		unsigned int len = build(b, fc->type);

		KUNIT_ASSERT_EQ(test, pptp_msg_parse(b, len, &m, NULL),
				PPTP_PARSE_OK);
		KUNIT_EXPECT_EQ_MSG(test, m.version, fc->version, "%s",
				    pptp_msg_type_name(fc->type));
		KUNIT_EXPECT_EQ_MSG(test, m.result, fc->result, "%s",
				    pptp_msg_type_name(fc->type));
		KUNIT_EXPECT_EQ_MSG(test, m.own_off, fc->own_off, "%s",
				    pptp_msg_type_name(fc->type));
		KUNIT_EXPECT_EQ_MSG(test, m.own_id, fc->own_id, "%s",
				    pptp_msg_type_name(fc->type));
		KUNIT_EXPECT_EQ_MSG(test, m.peer_off, fc->peer_off, "%s",
				    pptp_msg_type_name(fc->type));
		KUNIT_EXPECT_EQ_MSG(test, m.peer_id, fc->peer_id, "%s",
				    pptp_msg_type_name(fc->type));
		/* Offsets point at the bytes the IDs came from. */
		if (m.own_off != NF)
			KUNIT_EXPECT_EQ(test, pptp_get16(b + m.own_off),
					m.own_id);
		if (m.peer_off != NF)
			KUNIT_EXPECT_EQ(test, pptp_get16(b + m.peer_off),
					m.peer_id);
	}
}

/*
 * The stream walker judges a message on its first pptp_msg_decide_len()
 * bytes and zero-fills the rest: that must decode exactly like the whole
 * message, for every type, whatever the later bytes hold.  And the
 * decide length ends with the type's last call-ID field where it can.
 */
static void pptp_msg_test_decide_len(struct kunit *test)
{
	static const u8 want[PPTP_MSG_TYPE_MAX + 1] = {
		[PPTP_MSG_SCCRQ] = 14, [PPTP_MSG_SCCRP] = 15,
		[PPTP_MSG_STOPCCRQ] = 12, [PPTP_MSG_STOPCCRP] = 13,
		[PPTP_MSG_ECHORQ] = 12, [PPTP_MSG_ECHORP] = 12,
		[PPTP_MSG_OCRQ] = 14, [PPTP_MSG_OCRP] = 17,
		[PPTP_MSG_ICRQ] = 14, [PPTP_MSG_ICRP] = 17,
		[PPTP_MSG_ICCN] = 14, [PPTP_MSG_CCRQ] = 14,
		[PPTP_MSG_CDN] = 14, [PPTP_MSG_WEN] = 14, [PPTP_MSG_SLI] = 14,
	};
	u8 *b = kunit_kzalloc(test, BUF_LEN, GFP_KERNEL);
	u8 *z = kunit_kzalloc(test, BUF_LEN, GFP_KERNEL);
	struct pptp_msg mb, mz;
	unsigned int type, len, d, fill;

	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, z);
	KUNIT_EXPECT_EQ(test, pptp_msg_decide_len(0), 0);
	KUNIT_EXPECT_EQ(test, pptp_msg_decide_len(PPTP_MSG_TYPE_MAX + 1), 0);
	for (type = 1; type <= PPTP_MSG_TYPE_MAX; type++) {
		d = pptp_msg_decide_len(type);
		KUNIT_EXPECT_EQ_MSG(test, d, want[type], "%s",
				    pptp_msg_type_name(type));
		KUNIT_EXPECT_LE(test, d, PPTP_WIRE_DECIDE_LEN);
		for (fill = 0; fill < 256; fill += 0x55) {
			len = build(b, type);
			memset(b + d, fill, len - d);
			memset(z, 0, len);
			memcpy(z, b, d);
			KUNIT_ASSERT_EQ(test, pptp_msg_parse(b, len, &mb, NULL),
					PPTP_PARSE_OK);
			KUNIT_ASSERT_EQ(test, pptp_msg_parse(z, len, &mz, NULL),
					PPTP_PARSE_OK);
			KUNIT_EXPECT_EQ_MSG(test, memcmp(&mb, &mz, sizeof(mb)),
					    0, "%s fill %u",
					    pptp_msg_type_name(type), fill);
		}
	}
}

/* Realistic values, big-endian on the wire. */
static void pptp_msg_test_fields_values(struct kunit *test)
{
	u8 *b = kunit_kzalloc(test, BUF_LEN, GFP_KERNEL);
	struct pptp_msg m;
	unsigned int len;

	KUNIT_ASSERT_NOT_NULL(test, b);
	len = build(b, PPTP_MSG_SCCRP);
	pptp_put16(b + PPTP_OFF_VERSION, PPTP_WIRE_VERSION);
	b[PPTP_OFF_SCCRP_RESULT] = PPTP_SCCRP_OK;
	KUNIT_ASSERT_EQ(test, pptp_msg_parse(b, len, &m, NULL), PPTP_PARSE_OK);
	KUNIT_EXPECT_EQ(test, m.version, 0x0100);
	KUNIT_EXPECT_EQ(test, m.result, 1);

	len = build(b, PPTP_MSG_OCRP);
	pptp_put16(b + PPTP_OFF_CALL_ID, 0xfffe);
	pptp_put16(b + PPTP_OFF_PEER_ID_REPLY, 1);
	b[PPTP_OFF_OCRP_RESULT] = PPTP_OCRP_CONNECTED;
	KUNIT_ASSERT_EQ(test, pptp_msg_parse(b, len, &m, NULL), PPTP_PARSE_OK);
	KUNIT_EXPECT_EQ(test, m.own_id, 0xfffe);
	KUNIT_EXPECT_EQ(test, m.peer_id, 1);
	KUNIT_EXPECT_EQ(test, m.result, 1);
}

static u32 fuzz_state;

static u32 fuzz_next(void)
{
	/* xorshift32: deterministic, good enough to shake the parser. */
	fuzz_state ^= fuzz_state << 13;
	fuzz_state ^= fuzz_state >> 17;
	fuzz_state ^= fuzz_state << 5;
	return fuzz_state;
}

/* Random headers around the valid space: only the documented outcomes. */
static void pptp_msg_test_fuzz(struct kunit *test)
{
	u8 *b = kunit_kzalloc(test, BUF_LEN, GFP_KERNEL);
	unsigned int i, j, avail, need, len;
	enum pptp_parse r;
	struct pptp_msg m;

	KUNIT_ASSERT_NOT_NULL(test, b);
	fuzz_state = 0x2637;
	for (i = 0; i < 20000; i++) {
		unsigned int t = fuzz_next() % 18;

		if (t >= 1 && t <= PPTP_MSG_TYPE_MAX)
			build(b, t);
		for (j = 0; j < 12; j++)
			if (!(fuzz_next() % 8))
				b[j] = fuzz_next();
		avail = fuzz_next() % (PPTP_WIRE_MAX_MSG_LEN + 8);
		len = pptp_get16(b);
		need = 0xdead;
		r = pptp_msg_parse(b, avail, &m, &need);
		KUNIT_ASSERT_LT(test, r, PPTP_PARSE_MAX);
		switch (r) {
		case PPTP_PARSE_OK:
			KUNIT_EXPECT_EQ(test, m.len, len);
			KUNIT_EXPECT_EQ(test, m.len, pptp_msg_type_len(m.type));
			KUNIT_EXPECT_LE(test, m.len, avail);
			KUNIT_EXPECT_EQ(test, need, len);
			break;
		case PPTP_PARSE_NEED_MORE:
			KUNIT_EXPECT_GT(test, need, avail);
			KUNIT_EXPECT_LE(test, need, PPTP_WIRE_MAX_MSG_LEN);
			break;
		case PPTP_PARSE_BAD_MAGIC:
			KUNIT_EXPECT_EQ(test, need, 0);
			break;
		default:
			KUNIT_EXPECT_TRUE(test, need == 0 || need == len);
			KUNIT_EXPECT_TRUE(test, need == 0 ||
					  (need >= 12 && need <= 220));
			break;
		}
	}
}

static struct kunit_case pptp_msg_test_cases[] = {
	KUNIT_CASE(pptp_msg_test_type_len),
	KUNIT_CASE(pptp_msg_test_type_name),
	KUNIT_CASE(pptp_msg_test_exact),
	KUNIT_CASE(pptp_msg_test_no_overread),
	KUNIT_CASE(pptp_msg_test_short),
	KUNIT_CASE(pptp_msg_test_wrong_len),
	KUNIT_CASE(pptp_msg_test_insane_len),
	KUNIT_CASE(pptp_msg_test_bad_pkt_type),
	KUNIT_CASE(pptp_msg_test_bad_magic),
	KUNIT_CASE(pptp_msg_test_bad_msg_type),
	KUNIT_CASE(pptp_msg_test_trailing),
	KUNIT_CASE(pptp_msg_test_fields),
	KUNIT_CASE(pptp_msg_test_decide_len),
	KUNIT_CASE(pptp_msg_test_fields_values),
	KUNIT_CASE(pptp_msg_test_fuzz),
	{}
};

static struct kunit_suite pptp_msg_test_suite = {
	.name = "pptp_msg",
	.test_cases = pptp_msg_test_cases,
};

kunit_test_suite(pptp_msg_test_suite);

MODULE_LICENSE("GPL");
