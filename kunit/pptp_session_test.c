// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the PPTP control-connection and call state machine.
 * Messages go through the real parser so offsets are the wire ones.
 */
#include <kunit/test.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pptp_alg/session.h"
#include "pptp_build.h"

#define ORIG	PPTP_SIDE_ORIG
#define REPLY	PPTP_SIDE_REPLY
#define NF	PPTP_MSG_NO_FIELD
/* Keys the call index hash; no answer of the machine depends on it. */
#define SEED	0x2545f491U

/* Allocation hooks that count and can be told to fail. */
static unsigned int grow_calls;
static size_t grow_last_size;
static bool grow_fail;

/* Fresh (poisoned) buffer every time, so stale pointers show up. */
static void *test_alloc(size_t size)
{
	void *p;

	grow_calls++;
	grow_last_size = size;
	if (grow_fail)
		return NULL;
	p = kmalloc(size, GFP_KERNEL);
	if (p)
		memset(p, 0xa5, size);
	return p;
}

static void test_free(void *p)
{
	kfree(p);
}

static const struct pptp_mem_ops test_ops = {
	.alloc = test_alloc,
	.free = test_free,
};

static const struct pptp_mem_ops fail_ops = {
	.alloc = NULL,
	.free = test_free,
};

struct fx {
	struct pptp_session s;
	struct pptp_step_in in;
	struct pptp_step_out out;
	u16 version;		/* announced by SCCRQ/SCCRP */
	u8 buf[PPTP_WIRE_MAX_MSG_LEN];
	struct pptp_msg m;
};

static int fx_init(struct kunit *test)
{
	struct fx *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	if (!f)
		return -ENOMEM;
	pptp_session_init(&f->s, SEED);
	f->in.max_calls = 64;
	f->in.now = 1000;
	f->version = PPTP_WIRE_VERSION;
	grow_calls = 0;
	grow_fail = false;
	test->priv = f;
	return 0;
}

static void fx_exit(struct kunit *test)
{
	struct fx *f = test->priv;

	if (f)
		pptp_session_destroy(&f->s, &test_ops);
}

/* Build @type on the wire with the given fields and parse it into f->m. */
static void mk(struct kunit *test, u8 type, u16 own, u16 peer, u8 result)
{
	struct fx *f = test->priv;
	unsigned int len;

	len = pptp_build_msg(f->buf, type, f->version, own, peer, result);
	KUNIT_ASSERT_EQ(test, pptp_msg_parse(f->buf, len, &f->m, NULL),
			PPTP_PARSE_OK);
}

/* One message from @side through the machine; returns out->actions. */
static unsigned int step(struct kunit *test, u8 side, u8 type, u16 own,
			 u16 peer, u8 result)
{
	struct fx *f = test->priv;

	mk(test, type, own, peer, result);
	f->in.side = side;
	memset(&f->out, 0x5a, sizeof(f->out));
	pptp_session_step(&f->s, &f->m, &f->in, &test_ops, &f->out);
	return f->out.actions;
}

/* Macros only to report the caller's line; the checks live in functions. */
#define EXPECT_OK(test, f, acts)	expect_ok(test, f, acts, __LINE__)
#define EXPECT_RW(test, f, off, val)	expect_rw(test, f, off, val, __LINE__)

/* A clean step: no violation, exactly @acts. */
static void expect_ok(struct kunit *test, const struct fx *f,
		      unsigned int acts, int line)
{
	KUNIT_EXPECT_EQ_MSG(test, f->out.violation, PPTP_V_NONE,
			    "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, f->out.actions, acts, "line %d", line);
}

static void expect_rw(struct kunit *test, const struct fx *f,
		      unsigned int off, unsigned int val, int line)
{
	KUNIT_EXPECT_TRUE_MSG(test, f->out.actions & PPTP_ACT_REWRITE,
			      "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, f->out.rw_off, off, "line %d", line);
	KUNIT_EXPECT_EQ_MSG(test, f->out.rw_val, val, "line %d", line);
}

static void establish(struct kunit *test, u8 sccrq_side)
{
	struct fx *f = test->priv;

	step(test, sccrq_side, PPTP_MSG_SCCRQ, 0, 0, 0);
	KUNIT_ASSERT_EQ(test, f->out.violation, PPTP_V_NONE);
	step(test, !sccrq_side, PPTP_MSG_SCCRP, 0, 0, PPTP_SCCRP_OK);
	KUNIT_ASSERT_EQ(test, f->out.violation, PPTP_V_NONE);
	KUNIT_ASSERT_EQ(test, f->s.state, PPTP_SESS_ESTABLISHED);
}

/* What the glue does with ALLOC_NAT_ID: reserve, store, then rewrite. */
static void glue_alloc(struct kunit *test, u16 nat_id)
{
	struct fx *f = test->priv;
	int idx = f->out.call;

	KUNIT_ASSERT_TRUE(test, f->out.actions & PPTP_ACT_ALLOC_NAT_ID);
	KUNIT_ASSERT_GE(test, idx, 0);
	pptp_call_set_nat_id(&f->s, idx, nat_id);
	KUNIT_EXPECT_EQ(test, f->s.calls[idx].nat_id, nat_id);
	KUNIT_EXPECT_TRUE(test, f->s.calls[idx].flags & PPTP_CALLF_NAT_ID);
	KUNIT_EXPECT_TRUE(test, f->s.calls[idx].flags & PPTP_CALLF_NAT_ID_OWNED);
	pptp_step_rewrite(&f->s, &f->m, &f->in, idx, &f->out);
}

static struct pptp_call *call0(struct kunit *test)
{
	struct fx *f = test->priv;

	KUNIT_ASSERT_GE(test, f->s.ncalls, 1);
	return &f->s.calls[0];
}

/* ---- session level ---- */

static void pptp_session_test_init(struct kunit *test)
{
	struct fx *f = test->priv;

	KUNIT_EXPECT_EQ(test, f->s.state, PPTP_SESS_IDLE);
	KUNIT_EXPECT_EQ(test, f->s.ncalls, 0);
	KUNIT_EXPECT_EQ(test, f->s.cap, 0);
	KUNIT_EXPECT_NULL(test, f->s.calls);
}

static void pptp_session_test_state_names(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, pptp_sess_state_name(PPTP_SESS_IDLE), "IDLE");
	KUNIT_EXPECT_STREQ(test, pptp_sess_state_name(PPTP_SESS_REQUESTED),
			   "REQUESTED");
	KUNIT_EXPECT_STREQ(test, pptp_sess_state_name(PPTP_SESS_ESTABLISHED),
			   "ESTABLISHED");
	KUNIT_EXPECT_STREQ(test, pptp_sess_state_name(PPTP_SESS_STOPPING),
			   "STOPPING");
	KUNIT_EXPECT_STREQ(test, pptp_sess_state_name(PPTP_SESS_UNINSPECTED),
			   "UNINSPECTED");
	KUNIT_EXPECT_STREQ(test, pptp_sess_state_name(PPTP_SESS_STATE_MAX),
			   "?");
	KUNIT_EXPECT_STREQ(test, pptp_sess_state_name(255), "?");
	KUNIT_EXPECT_STREQ(test, pptp_call_state_name(0), "?");
	KUNIT_EXPECT_STREQ(test, pptp_call_state_name(PPTP_CALL_OUT_REQUESTED),
			   "OUT_REQUESTED");
	KUNIT_EXPECT_STREQ(test, pptp_call_state_name(PPTP_CALL_IN_REQUESTED),
			   "IN_REQUESTED");
	KUNIT_EXPECT_STREQ(test, pptp_call_state_name(PPTP_CALL_IN_REPLIED),
			   "IN_REPLIED");
	KUNIT_EXPECT_STREQ(test, pptp_call_state_name(PPTP_CALL_ESTABLISHED),
			   "ESTABLISHED");
	KUNIT_EXPECT_STREQ(test, pptp_call_state_name(PPTP_CALL_CLEARING),
			   "CLEARING");
	KUNIT_EXPECT_STREQ(test, pptp_call_state_name(PPTP_CALL_STATE_MAX),
			   "?");
}

static void pptp_session_test_establish(struct kunit *test)
{
	struct fx *f = test->priv;
	u8 side;

	for (side = ORIG; side <= REPLY; side++) {
		pptp_session_init(&f->s, SEED);
		step(test, side, PPTP_MSG_SCCRQ, 0, 0, 0);
		EXPECT_OK(test, f, 0);
		KUNIT_EXPECT_EQ(test, f->out.call, -1);
		KUNIT_EXPECT_EQ(test, f->s.state, PPTP_SESS_REQUESTED);
		KUNIT_EXPECT_EQ(test, f->s.sccrq_side, side);
		KUNIT_EXPECT_EQ(test, f->s.version, PPTP_WIRE_VERSION);
		step(test, !side, PPTP_MSG_SCCRP, 0, 0, PPTP_SCCRP_OK);
		EXPECT_OK(test, f, 0);
		KUNIT_EXPECT_EQ(test, f->s.state, PPTP_SESS_ESTABLISHED);
	}
}

static void pptp_session_test_sccrp_refused(struct kunit *test)
{
	struct fx *f = test->priv;

	step(test, ORIG, PPTP_MSG_SCCRQ, 0, 0, 0);
	step(test, REPLY, PPTP_MSG_SCCRP, 0, 0, 2);
	EXPECT_OK(test, f, 0);
	KUNIT_EXPECT_EQ(test, f->s.state, PPTP_SESS_IDLE);
	/* May try again, from either side. */
	step(test, REPLY, PPTP_MSG_SCCRQ, 0, 0, 0);
	EXPECT_OK(test, f, 0);
	KUNIT_EXPECT_EQ(test, f->s.sccrq_side, REPLY);
	step(test, ORIG, PPTP_MSG_SCCRP, 0, 0, PPTP_SCCRP_OK);
	EXPECT_OK(test, f, 0);
	KUNIT_EXPECT_EQ(test, f->s.state, PPTP_SESS_ESTABLISHED);
}

static void pptp_session_test_collision(struct kunit *test)
{
	struct fx *f = test->priv;

	step(test, ORIG, PPTP_MSG_SCCRQ, 0, 0, 0);
	step(test, REPLY, PPTP_MSG_SCCRQ, 0, 0, 0);
	EXPECT_OK(test, f, 0);
	KUNIT_EXPECT_EQ(test, f->s.state, PPTP_SESS_REQUESTED);
	KUNIT_EXPECT_EQ(test, f->s.sccrq_side, ORIG);
	/* A second SCCRQ from the same side is not a collision. */
	step(test, ORIG, PPTP_MSG_SCCRQ, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, f->out.violation, PPTP_V_STATE);
	step(test, REPLY, PPTP_MSG_SCCRP, 0, 0, PPTP_SCCRP_OK);
	EXPECT_OK(test, f, 0);
	KUNIT_EXPECT_EQ(test, f->s.state, PPTP_SESS_ESTABLISHED);
}

/* After UNINSPECTED nothing is parsed: no action, no violation, ever. */
static void expect_ignored(struct kunit *test)
{
	struct fx *f = test->priv;
	u8 t, side;

	for (t = 1; t <= PPTP_MSG_TYPE_MAX; t++) {
		for (side = ORIG; side <= REPLY; side++) {
			step(test, side, t, 1, 1, 1);
			EXPECT_OK(test, f, 0);
			KUNIT_EXPECT_EQ(test, f->out.call, -1);
			KUNIT_EXPECT_EQ(test, f->s.state,
					PPTP_SESS_UNINSPECTED);
		}
	}
	KUNIT_EXPECT_EQ(test, f->s.ncalls, 0);
}

static void pptp_session_test_version_sccrq(struct kunit *test)
{
	static const u16 versions[] = { 0, 0x0001, 0x0101, 0x0200, 0xffff };
	struct fx *f = test->priv;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(versions); i++) {
		pptp_session_init(&f->s, SEED);
		f->version = versions[i];
		step(test, ORIG, PPTP_MSG_SCCRQ, 0, 0, 0);
		KUNIT_EXPECT_EQ(test, f->out.violation, PPTP_V_VERSION);
		KUNIT_EXPECT_EQ(test, f->out.actions, PPTP_ACT_UNINSPECT);
		KUNIT_EXPECT_EQ(test, f->s.state, PPTP_SESS_UNINSPECTED);
		KUNIT_EXPECT_EQ(test, f->s.version, versions[i]);
		f->version = PPTP_WIRE_VERSION;
		expect_ignored(test);
	}
}

static void pptp_session_test_version_sccrp(struct kunit *test)
{
	struct fx *f = test->priv;

	step(test, REPLY, PPTP_MSG_SCCRQ, 0, 0, 0);
	f->version = 0x0200;
	step(test, ORIG, PPTP_MSG_SCCRP, 0, 0, PPTP_SCCRP_OK);
	KUNIT_EXPECT_EQ(test, f->out.violation, PPTP_V_VERSION);
	KUNIT_EXPECT_EQ(test, f->out.actions, PPTP_ACT_UNINSPECT);
	KUNIT_EXPECT_EQ(test, f->s.state, PPTP_SESS_UNINSPECTED);
	f->version = PPTP_WIRE_VERSION;
	expect_ignored(test);
}

static void pptp_session_test_version_collision(struct kunit *test)
{
	struct fx *f = test->priv;

	step(test, ORIG, PPTP_MSG_SCCRQ, 0, 0, 0);
	f->version = 0x0200;
	step(test, REPLY, PPTP_MSG_SCCRQ, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, f->out.violation, PPTP_V_VERSION);
	KUNIT_EXPECT_EQ(test, f->out.actions, PPTP_ACT_UNINSPECT);
	KUNIT_EXPECT_EQ(test, f->s.state, PPTP_SESS_UNINSPECTED);
}

static void pptp_session_test_echo(struct kunit *test)
{
	struct fx *f = test->priv;
	u8 side, t;

	for (t = PPTP_MSG_ECHORQ; t <= PPTP_MSG_ECHORP; t++) {
		for (side = ORIG; side <= REPLY; side++) {
			pptp_session_init(&f->s, SEED);
			step(test, side, t, 0, 0, 0);
			KUNIT_EXPECT_EQ(test, f->out.violation, PPTP_V_STATE);
			step(test, ORIG, PPTP_MSG_SCCRQ, 0, 0, 0);
			step(test, side, t, 0, 0, 0);
			EXPECT_OK(test, f, 0);
			KUNIT_EXPECT_EQ(test, f->s.state, PPTP_SESS_REQUESTED);
			step(test, REPLY, PPTP_MSG_SCCRP, 0, 0, 1);
			step(test, side, t, 0, 0, 0);
			EXPECT_OK(test, f, 0);
			KUNIT_EXPECT_EQ(test, f->s.state,
					PPTP_SESS_ESTABLISHED);
			step(test, side, PPTP_MSG_STOPCCRQ, 0, 0, 0);
			step(test, side, t, 0, 0, 0);
			EXPECT_OK(test, f, 0);
			KUNIT_EXPECT_EQ(test, f->s.state, PPTP_SESS_STOPPING);
		}
	}
}

static void pptp_session_test_stop(struct kunit *test)
{
	struct fx *f = test->priv;
	u8 side;

	for (side = ORIG; side <= REPLY; side++) {
		pptp_session_init(&f->s, SEED);
		establish(test, ORIG);
		step(test, side, PPTP_MSG_STOPCCRQ, 0, 0, 0);
		EXPECT_OK(test, f, 0);
		KUNIT_EXPECT_EQ(test, f->s.state, PPTP_SESS_STOPPING);
		/* Retransmitted or crossing StopCCRQ is harmless. */
		step(test, !side, PPTP_MSG_STOPCCRQ, 0, 0, 0);
		EXPECT_OK(test, f, 0);
		step(test, !side, PPTP_MSG_STOPCCRP, 0, 0, 1);
		EXPECT_OK(test, f, 0);
		KUNIT_EXPECT_EQ(test, f->s.state, PPTP_SESS_STOPPING);
		/* A new control session on the same TCP connection. */
		step(test, REPLY, PPTP_MSG_SCCRQ, 0, 0, 0);
		EXPECT_OK(test, f, 0);
		KUNIT_EXPECT_EQ(test, f->s.state, PPTP_SESS_REQUESTED);
		KUNIT_EXPECT_EQ(test, f->s.sccrq_side, REPLY);
		step(test, ORIG, PPTP_MSG_SCCRP, 0, 0, 1);
		KUNIT_EXPECT_EQ(test, f->s.state, PPTP_SESS_ESTABLISHED);
	}

	/* StopCCRQ while still REQUESTED. */
	pptp_session_init(&f->s, SEED);
	step(test, ORIG, PPTP_MSG_SCCRQ, 0, 0, 0);
	step(test, REPLY, PPTP_MSG_STOPCCRQ, 0, 0, 0);
	EXPECT_OK(test, f, 0);
	KUNIT_EXPECT_EQ(test, f->s.state, PPTP_SESS_STOPPING);
}

static void pptp_session_test_stop_end_all(struct kunit *test)
{
	struct fx *f = test->priv;

	establish(test, ORIG);
	step(test, ORIG, PPTP_MSG_OCRQ, 100, 0, 0);
	step(test, REPLY, PPTP_MSG_OCRP, 200, 100, 1);
	step(test, REPLY, PPTP_MSG_ICRQ, 300, 0, 0);
	KUNIT_ASSERT_EQ(test, f->s.ncalls, 2);
	step(test, REPLY, PPTP_MSG_STOPCCRQ, 0, 0, 0);
	EXPECT_OK(test, f, PPTP_ACT_END_ALL);
	KUNIT_EXPECT_EQ(test, f->out.call, -1);
	KUNIT_EXPECT_EQ(test, f->s.state, PPTP_SESS_STOPPING);
	/* The machine leaves releasing to the glue. */
	KUNIT_EXPECT_EQ(test, f->s.ncalls, 2);
	pptp_session_release_all(&f->s);
	KUNIT_EXPECT_EQ(test, f->s.ncalls, 0);
	step(test, ORIG, PPTP_MSG_STOPCCRP, 0, 0, 1);
	EXPECT_OK(test, f, 0);
	/* Calls are gone with the control session. */
	step(test, ORIG, PPTP_MSG_CCRQ, 100, 0, 0);
	KUNIT_EXPECT_EQ(test, f->out.violation, PPTP_V_STATE);
}

/* A new SCCRQ must not inherit calls the glue did not release. */
static void pptp_session_test_restart_end_all(struct kunit *test)
{
	struct fx *f = test->priv;

	establish(test, ORIG);
	step(test, ORIG, PPTP_MSG_OCRQ, 100, 0, 0);
	step(test, ORIG, PPTP_MSG_STOPCCRQ, 0, 0, 0);
	EXPECT_OK(test, f, PPTP_ACT_END_ALL);
	step(test, ORIG, PPTP_MSG_SCCRQ, 0, 0, 0);
	EXPECT_OK(test, f, PPTP_ACT_END_ALL);
	KUNIT_EXPECT_EQ(test, f->s.state, PPTP_SESS_REQUESTED);
}

/* ---- illegal messages, table driven ---- */

enum setup {
	SU_IDLE,
	SU_REQ,		/* SCCRQ from ORIG */
	SU_EST,		/* established, no call */
	SU_STOP,	/* StopCCRQ seen after OUT_UP */
	SU_OUT_REQ,	/* ORIG PNS: OCRQ 100 */
	SU_OUT_UP,	/* ORIG PNS: OCRQ 100, OCRP 200 connected */
	SU_IN_REQ,	/* REPLY PAC: ICRQ 700 */
	SU_IN_REP,	/* REPLY PAC: ICRQ 700, ICRP 800 */
	SU_CLEAR,	/* OUT_UP then CCRQ 100 */
};

static const char * const setup_names[] = {
	"IDLE", "REQ", "EST", "STOP", "OUT_REQ", "OUT_UP", "IN_REQ",
	"IN_REP", "CLEAR",
};

static void do_setup(struct kunit *test, enum setup su)
{
	struct fx *f = test->priv;

	pptp_session_destroy(&f->s, &test_ops);
	pptp_session_init(&f->s, SEED);
	if (su == SU_IDLE)
		return;
	step(test, ORIG, PPTP_MSG_SCCRQ, 0, 0, 0);
	if (su == SU_REQ)
		return;
	step(test, REPLY, PPTP_MSG_SCCRP, 0, 0, 1);
	switch (su) {
	case SU_OUT_REQ:
		step(test, ORIG, PPTP_MSG_OCRQ, 100, 0, 0);
		break;
	case SU_STOP:
	case SU_OUT_UP:
	case SU_CLEAR:
		step(test, ORIG, PPTP_MSG_OCRQ, 100, 0, 0);
		step(test, REPLY, PPTP_MSG_OCRP, 200, 100, 1);
		if (su == SU_CLEAR)
			step(test, ORIG, PPTP_MSG_CCRQ, 100, 0, 0);
		if (su == SU_STOP)
			step(test, REPLY, PPTP_MSG_STOPCCRQ, 0, 0, 0);
		break;
	case SU_IN_REQ:
		step(test, REPLY, PPTP_MSG_ICRQ, 700, 0, 0);
		break;
	case SU_IN_REP:
		step(test, REPLY, PPTP_MSG_ICRQ, 700, 0, 0);
		step(test, ORIG, PPTP_MSG_ICRP, 800, 700, 1);
		break;
	default:
		break;
	}
	KUNIT_ASSERT_EQ(test, f->out.violation, PPTP_V_NONE);
}

struct bad_case {
	u8 setup;
	u8 side;
	u8 type;
	u16 own;
	u16 peer;
	u8 result;
	u8 violation;
};

static const struct bad_case bad_cases[] = {
	/* Nothing but SCCRQ is legal before the control connection. */
	{ SU_IDLE, REPLY, PPTP_MSG_SCCRP, 0, 0, 1, PPTP_V_STATE },
	{ SU_IDLE, ORIG, PPTP_MSG_SCCRP, 0, 0, 1, PPTP_V_STATE },
	{ SU_IDLE, ORIG, PPTP_MSG_STOPCCRQ, 0, 0, 0, PPTP_V_STATE },
	{ SU_IDLE, REPLY, PPTP_MSG_STOPCCRP, 0, 0, 1, PPTP_V_STATE },
	{ SU_IDLE, ORIG, PPTP_MSG_ECHORQ, 0, 0, 0, PPTP_V_STATE },
	{ SU_IDLE, REPLY, PPTP_MSG_ECHORP, 0, 0, 0, PPTP_V_STATE },
	{ SU_IDLE, ORIG, PPTP_MSG_OCRQ, 1, 0, 0, PPTP_V_STATE },
	{ SU_IDLE, REPLY, PPTP_MSG_OCRP, 1, 1, 1, PPTP_V_STATE },
	{ SU_IDLE, REPLY, PPTP_MSG_ICRQ, 1, 0, 0, PPTP_V_STATE },
	{ SU_IDLE, ORIG, PPTP_MSG_ICRP, 1, 1, 1, PPTP_V_STATE },
	{ SU_IDLE, REPLY, PPTP_MSG_ICCN, 0, 1, 0, PPTP_V_STATE },
	{ SU_IDLE, ORIG, PPTP_MSG_CCRQ, 1, 0, 0, PPTP_V_STATE },
	{ SU_IDLE, REPLY, PPTP_MSG_CDN, 1, 0, 0, PPTP_V_STATE },
	{ SU_IDLE, REPLY, PPTP_MSG_WEN, 0, 1, 0, PPTP_V_STATE },
	{ SU_IDLE, ORIG, PPTP_MSG_SLI, 0, 1, 0, PPTP_V_STATE },
	/* SCCRQ sent, no reply yet. */
	{ SU_REQ, ORIG, PPTP_MSG_SCCRQ, 0, 0, 0, PPTP_V_STATE },
	{ SU_REQ, ORIG, PPTP_MSG_SCCRP, 0, 0, 1, PPTP_V_STATE },
	{ SU_REQ, REPLY, PPTP_MSG_STOPCCRP, 0, 0, 1, PPTP_V_STATE },
	{ SU_REQ, ORIG, PPTP_MSG_OCRQ, 1, 0, 0, PPTP_V_STATE },
	{ SU_REQ, REPLY, PPTP_MSG_ICRQ, 1, 0, 0, PPTP_V_STATE },
	{ SU_REQ, REPLY, PPTP_MSG_CDN, 1, 0, 0, PPTP_V_STATE },
	/* Established control connection. */
	{ SU_EST, ORIG, PPTP_MSG_SCCRQ, 0, 0, 0, PPTP_V_STATE },
	{ SU_EST, REPLY, PPTP_MSG_SCCRQ, 0, 0, 0, PPTP_V_STATE },
	{ SU_EST, REPLY, PPTP_MSG_SCCRP, 0, 0, 1, PPTP_V_STATE },
	{ SU_EST, ORIG, PPTP_MSG_STOPCCRP, 0, 0, 1, PPTP_V_STATE },
	{ SU_EST, REPLY, PPTP_MSG_OCRP, 1, 100, 1, PPTP_V_UNKNOWN_CALL },
	{ SU_EST, ORIG, PPTP_MSG_ICRP, 1, 700, 1, PPTP_V_UNKNOWN_CALL },
	{ SU_EST, REPLY, PPTP_MSG_ICCN, 0, 800, 0, PPTP_V_UNKNOWN_CALL },
	{ SU_EST, ORIG, PPTP_MSG_CCRQ, 100, 0, 0, PPTP_V_UNKNOWN_CALL },
	{ SU_EST, REPLY, PPTP_MSG_CDN, 200, 0, 0, PPTP_V_UNKNOWN_CALL },
	{ SU_EST, REPLY, PPTP_MSG_WEN, 0, 100, 0, PPTP_V_UNKNOWN_CALL },
	{ SU_EST, ORIG, PPTP_MSG_SLI, 0, 200, 0, PPTP_V_UNKNOWN_CALL },
	/* Stopping: only Stop*, Echo and a fresh SCCRQ. */
	{ SU_STOP, REPLY, PPTP_MSG_SCCRP, 0, 0, 1, PPTP_V_STATE },
	{ SU_STOP, ORIG, PPTP_MSG_OCRQ, 5, 0, 0, PPTP_V_STATE },
	{ SU_STOP, REPLY, PPTP_MSG_ICRQ, 5, 0, 0, PPTP_V_STATE },
	{ SU_STOP, ORIG, PPTP_MSG_CCRQ, 100, 0, 0, PPTP_V_STATE },
	{ SU_STOP, REPLY, PPTP_MSG_CDN, 200, 0, 0, PPTP_V_STATE },
	{ SU_STOP, ORIG, PPTP_MSG_SLI, 0, 200, 0, PPTP_V_STATE },
	/* OCRQ 100 from ORIG outstanding. */
	{ SU_OUT_REQ, ORIG, PPTP_MSG_OCRQ, 100, 0, 0, PPTP_V_DUP_CALL },
	{ SU_OUT_REQ, REPLY, PPTP_MSG_OCRP, 200, 101, 1, PPTP_V_UNKNOWN_CALL },
	{ SU_OUT_REQ, ORIG, PPTP_MSG_OCRP, 200, 100, 1, PPTP_V_UNKNOWN_CALL },
	{ SU_OUT_REQ, REPLY, PPTP_MSG_ICCN, 0, 100, 0, PPTP_V_CALL_STATE },
	{ SU_OUT_REQ, REPLY, PPTP_MSG_SLI, 0, 100, 0, PPTP_V_CALL_STATE },
	{ SU_OUT_REQ, REPLY, PPTP_MSG_CCRQ, 100, 0, 0, PPTP_V_UNKNOWN_CALL },
	{ SU_OUT_REQ, ORIG, PPTP_MSG_CDN, 100, 0, 0, PPTP_V_CALL_STATE },
	{ SU_OUT_REQ, ORIG, PPTP_MSG_ICRQ, 100, 0, 0, PPTP_V_DUP_CALL },
	/* Outgoing call 100/200 established. */
	{ SU_OUT_UP, REPLY, PPTP_MSG_OCRP, 200, 100, 1, PPTP_V_CALL_STATE },
	{ SU_OUT_UP, REPLY, PPTP_MSG_ICCN, 0, 100, 0, PPTP_V_CALL_STATE },
	{ SU_OUT_UP, ORIG, PPTP_MSG_ICRP, 1, 200, 1, PPTP_V_CALL_STATE },
	{ SU_OUT_UP, ORIG, PPTP_MSG_CDN, 100, 0, 0, PPTP_V_CALL_STATE },
	{ SU_OUT_UP, REPLY, PPTP_MSG_CCRQ, 200, 0, 0, PPTP_V_CALL_STATE },
	{ SU_OUT_UP, ORIG, PPTP_MSG_WEN, 0, 200, 0, PPTP_V_CALL_STATE },
	{ SU_OUT_UP, REPLY, PPTP_MSG_SLI, 0, 100, 0, PPTP_V_CALL_STATE },
	{ SU_OUT_UP, REPLY, PPTP_MSG_ICRQ, 200, 0, 0, PPTP_V_DUP_CALL },
	{ SU_OUT_UP, REPLY, PPTP_MSG_OCRQ, 200, 0, 0, PPTP_V_DUP_CALL },
	{ SU_OUT_UP, ORIG, PPTP_MSG_SLI, 0, 201, 0, PPTP_V_UNKNOWN_CALL },
	{ SU_OUT_UP, REPLY, PPTP_MSG_WEN, 0, 101, 0, PPTP_V_UNKNOWN_CALL },
	/* Incoming call: PAC (REPLY) sent ICRQ 700. */
	{ SU_IN_REQ, REPLY, PPTP_MSG_ICRQ, 700, 0, 0, PPTP_V_DUP_CALL },
	{ SU_IN_REQ, ORIG, PPTP_MSG_OCRP, 1, 700, 1, PPTP_V_CALL_STATE },
	{ SU_IN_REQ, REPLY, PPTP_MSG_ICRP, 1, 700, 1, PPTP_V_UNKNOWN_CALL },
	{ SU_IN_REQ, REPLY, PPTP_MSG_ICCN, 0, 800, 0, PPTP_V_UNKNOWN_CALL },
	{ SU_IN_REQ, ORIG, PPTP_MSG_CCRQ, 800, 0, 0, PPTP_V_UNKNOWN_CALL },
	{ SU_IN_REQ, ORIG, PPTP_MSG_SLI, 0, 700, 0, PPTP_V_NONE },
	/* Incoming call replied (ICRP 800 from ORIG). */
	{ SU_IN_REP, ORIG, PPTP_MSG_ICRP, 800, 700, 1, PPTP_V_CALL_STATE },
	{ SU_IN_REP, ORIG, PPTP_MSG_ICCN, 0, 700, 0, PPTP_V_CALL_STATE },
	{ SU_IN_REP, REPLY, PPTP_MSG_ICCN, 0, 801, 0, PPTP_V_UNKNOWN_CALL },
	{ SU_IN_REP, REPLY, PPTP_MSG_OCRP, 1, 800, 1, PPTP_V_CALL_STATE },
	{ SU_IN_REP, ORIG, PPTP_MSG_ICRQ, 800, 0, 0, PPTP_V_DUP_CALL },
	/* Clearing: only CDN (and WEN/SLI/Echo) may follow. */
	{ SU_CLEAR, ORIG, PPTP_MSG_CCRQ, 100, 0, 0, PPTP_V_CALL_STATE },
	{ SU_CLEAR, REPLY, PPTP_MSG_OCRP, 200, 100, 1, PPTP_V_CALL_STATE },
};

static void pptp_session_test_illegal(struct kunit *test)
{
	struct fx *f = test->priv;
	struct pptp_session before;
	struct pptp_call calls[4];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad_cases); i++) {
		const struct bad_case *c = &bad_cases[i];

		do_setup(test, c->setup);
		before = f->s;
		KUNIT_ASSERT_LE(test, f->s.ncalls, ARRAY_SIZE(calls));
		if (f->s.ncalls)
			memcpy(calls, f->s.calls,
			       f->s.ncalls * sizeof(calls[0]));
		step(test, c->side, c->type, c->own, c->peer, c->result);
		KUNIT_EXPECT_EQ_MSG(test, f->out.violation, c->violation,
				    "case %u: %s %s from %s", i,
				    setup_names[c->setup],
				    pptp_msg_type_name(c->type),
				    c->side == ORIG ? "ORIG" : "REPLY");
		if (c->violation == PPTP_V_NONE)
			continue;
		KUNIT_EXPECT_EQ_MSG(test, f->out.actions, 0, "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, f->out.call, -1, "case %u", i);
		/* Illegal input changes nothing. */
		KUNIT_EXPECT_EQ_MSG(test, f->s.state, before.state,
				    "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, f->s.sccrq_side, before.sccrq_side,
				    "case %u", i);
		KUNIT_EXPECT_EQ_MSG(test, f->s.ncalls, before.ncalls,
				    "case %u", i);
		if (f->s.ncalls == before.ncalls && f->s.ncalls)
			KUNIT_EXPECT_EQ_MSG(test,
					    memcmp(calls, f->s.calls,
						   f->s.ncalls *
						   sizeof(calls[0])),
					    0, "case %u", i);
	}
}

/* ---- call flows ---- */

/* Outgoing call, PNS on ORIG, no NAT: OCRQ/OCRP/SLI/WEN/CCRQ/CDN. */
static void pptp_session_test_out_orig_pns(struct kunit *test)
{
	struct fx *f = test->priv;
	struct pptp_call *c;

	establish(test, ORIG);
	f->in.now = 4242;
	step(test, ORIG, PPTP_MSG_OCRQ, 100, 0, 0);
	EXPECT_OK(test, f, 0);
	KUNIT_EXPECT_EQ(test, f->out.call, 0);
	c = call0(test);
	KUNIT_EXPECT_EQ(test, c->state, PPTP_CALL_OUT_REQUESTED);
	KUNIT_EXPECT_EQ(test, c->pns_side, ORIG);
	KUNIT_EXPECT_EQ(test, c->id[ORIG], 100);
	KUNIT_EXPECT_EQ(test, c->nat_id, 100);
	KUNIT_EXPECT_EQ(test, c->flags, PPTP_CALLF_ID_ORIG | PPTP_CALLF_NAT_ID);
	KUNIT_EXPECT_EQ(test, c->start, 4242);

	step(test, REPLY, PPTP_MSG_OCRP, 200, 100, PPTP_OCRP_CONNECTED);
	EXPECT_OK(test, f, PPTP_ACT_EXPECT);
	KUNIT_EXPECT_EQ(test, f->out.call, 0);
	c = call0(test);
	KUNIT_EXPECT_EQ(test, c->state, PPTP_CALL_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, c->id[REPLY], 200);
	KUNIT_EXPECT_EQ(test, c->flags, PPTP_CALLF_ID_ORIG |
			PPTP_CALLF_ID_REPLY | PPTP_CALLF_NAT_ID);

	step(test, ORIG, PPTP_MSG_SLI, 0, 200, 0);
	EXPECT_OK(test, f, 0);
	KUNIT_EXPECT_EQ(test, f->out.call, 0);
	step(test, REPLY, PPTP_MSG_WEN, 0, 100, 0);
	EXPECT_OK(test, f, 0);
	KUNIT_EXPECT_EQ(test, f->out.call, 0);

	step(test, ORIG, PPTP_MSG_CCRQ, 100, 0, 0);
	EXPECT_OK(test, f, 0);
	KUNIT_EXPECT_EQ(test, call0(test)->state, PPTP_CALL_CLEARING);
	/* Still looked up while clearing. */
	step(test, REPLY, PPTP_MSG_WEN, 0, 100, 0);
	EXPECT_OK(test, f, 0);
	step(test, REPLY, PPTP_MSG_CDN, 200, 0, 1);
	EXPECT_OK(test, f, PPTP_ACT_END_CALL);
	KUNIT_EXPECT_EQ(test, f->out.call, 0);
	pptp_call_release(&f->s, f->out.call);
	KUNIT_EXPECT_EQ(test, f->s.ncalls, 0);
}

/* Outgoing call, PNS on REPLY, no NAT. */
static void pptp_session_test_out_reply_pns(struct kunit *test)
{
	struct fx *f = test->priv;
	struct pptp_call *c;

	establish(test, REPLY);
	step(test, REPLY, PPTP_MSG_OCRQ, 300, 0, 0);
	EXPECT_OK(test, f, 0);
	c = call0(test);
	KUNIT_EXPECT_EQ(test, c->pns_side, REPLY);
	KUNIT_EXPECT_EQ(test, c->id[REPLY], 300);
	KUNIT_EXPECT_EQ(test, c->flags, PPTP_CALLF_ID_REPLY);

	step(test, ORIG, PPTP_MSG_OCRP, 400, 300, 1);
	EXPECT_OK(test, f, PPTP_ACT_EXPECT);
	c = call0(test);
	KUNIT_EXPECT_EQ(test, c->state, PPTP_CALL_ESTABLISHED);
	KUNIT_EXPECT_EQ(test, c->id[ORIG], 400);
	KUNIT_EXPECT_EQ(test, c->nat_id, 400);
	KUNIT_EXPECT_EQ(test, c->flags, PPTP_CALLF_ID_ORIG |
			PPTP_CALLF_ID_REPLY | PPTP_CALLF_NAT_ID);

	step(test, REPLY, PPTP_MSG_SLI, 0, 400, 0);
	EXPECT_OK(test, f, 0);
	step(test, ORIG, PPTP_MSG_WEN, 0, 300, 0);
	EXPECT_OK(test, f, 0);
	step(test, REPLY, PPTP_MSG_CCRQ, 300, 0, 0);
	EXPECT_OK(test, f, 0);
	step(test, ORIG, PPTP_MSG_CDN, 400, 0, 0);
	EXPECT_OK(test, f, PPTP_ACT_END_CALL);
	KUNIT_EXPECT_EQ(test, f->out.call, 0);
}

/* Outgoing call, PNS on ORIG behind NAT: its IDs are translated. */
static void pptp_session_test_out_orig_pns_nat(struct kunit *test)
{
	struct fx *f = test->priv;
	struct pptp_call *c;

	f->in.nat = true;
	establish(test, ORIG);
	step(test, ORIG, PPTP_MSG_OCRQ, 100, 0, 0);
	EXPECT_OK(test, f, PPTP_ACT_ALLOC_NAT_ID);
	KUNIT_EXPECT_EQ(test, f->out.call, 0);
	c = call0(test);
	KUNIT_EXPECT_FALSE(test, c->flags & PPTP_CALLF_NAT_ID);
	glue_alloc(test, 5000);
	EXPECT_RW(test, f, PPTP_OFF_CALL_ID, 5000);

	step(test, REPLY, PPTP_MSG_OCRP, 200, 5000, 1);
	EXPECT_OK(test, f, PPTP_ACT_EXPECT | PPTP_ACT_REWRITE);
	EXPECT_RW(test, f, PPTP_OFF_PEER_ID_REPLY, 100);
	KUNIT_EXPECT_EQ(test, call0(test)->state, PPTP_CALL_ESTABLISHED);

	/* The inside ID means nothing to the outside peer. */
	step(test, REPLY, PPTP_MSG_WEN, 0, 100, 0);
	KUNIT_EXPECT_EQ(test, f->out.violation, PPTP_V_UNKNOWN_CALL);

	step(test, ORIG, PPTP_MSG_SLI, 0, 200, 0);
	EXPECT_OK(test, f, 0);
	step(test, REPLY, PPTP_MSG_WEN, 0, 5000, 0);
	EXPECT_OK(test, f, PPTP_ACT_REWRITE);
	EXPECT_RW(test, f, PPTP_OFF_PEER_ID_NOTIFY, 100);
	step(test, ORIG, PPTP_MSG_CCRQ, 100, 0, 0);
	EXPECT_OK(test, f, PPTP_ACT_REWRITE);
	EXPECT_RW(test, f, PPTP_OFF_CALL_ID, 5000);
	step(test, REPLY, PPTP_MSG_CDN, 200, 0, 0);
	EXPECT_OK(test, f, PPTP_ACT_END_CALL);
}

/* Outgoing call, PAC on ORIG behind NAT. */
static void pptp_session_test_out_reply_pns_nat(struct kunit *test)
{
	struct fx *f = test->priv;

	f->in.nat = true;
	establish(test, ORIG);
	step(test, REPLY, PPTP_MSG_OCRQ, 300, 0, 0);
	EXPECT_OK(test, f, 0);
	step(test, ORIG, PPTP_MSG_OCRP, 400, 300, 1);
	EXPECT_OK(test, f, PPTP_ACT_ALLOC_NAT_ID | PPTP_ACT_EXPECT);
	glue_alloc(test, 6000);
	EXPECT_RW(test, f, PPTP_OFF_CALL_ID, 6000);
	KUNIT_EXPECT_EQ(test, call0(test)->id[ORIG], 400);

	step(test, REPLY, PPTP_MSG_SLI, 0, 6000, 0);
	EXPECT_OK(test, f, PPTP_ACT_REWRITE);
	EXPECT_RW(test, f, PPTP_OFF_PEER_ID_NOTIFY, 400);
	step(test, ORIG, PPTP_MSG_WEN, 0, 300, 0);
	EXPECT_OK(test, f, 0);
	step(test, REPLY, PPTP_MSG_CCRQ, 300, 0, 0);
	EXPECT_OK(test, f, 0);
	step(test, ORIG, PPTP_MSG_CDN, 400, 0, 0);
	EXPECT_OK(test, f, PPTP_ACT_END_CALL | PPTP_ACT_REWRITE);
	EXPECT_RW(test, f, PPTP_OFF_CALL_ID, 6000);
}

/* Incoming call, PAC on REPLY, no NAT. */
static void pptp_session_test_in_reply_pac(struct kunit *test)
{
	struct fx *f = test->priv;
	struct pptp_call *c;

	establish(test, ORIG);
	step(test, REPLY, PPTP_MSG_ICRQ, 700, 0, 0);
	EXPECT_OK(test, f, 0);
	c = call0(test);
	KUNIT_EXPECT_EQ(test, c->state, PPTP_CALL_IN_REQUESTED);
	KUNIT_EXPECT_EQ(test, c->pns_side, ORIG);
	KUNIT_EXPECT_EQ(test, c->id[REPLY], 700);
	KUNIT_EXPECT_EQ(test, c->flags, PPTP_CALLF_ID_REPLY);

	step(test, ORIG, PPTP_MSG_ICRP, 800, 700, PPTP_ICRP_CONNECT);
	EXPECT_OK(test, f, 0);
	c = call0(test);
	KUNIT_EXPECT_EQ(test, c->state, PPTP_CALL_IN_REPLIED);
	KUNIT_EXPECT_EQ(test, c->id[ORIG], 800);
	KUNIT_EXPECT_EQ(test, c->nat_id, 800);

	step(test, REPLY, PPTP_MSG_ICCN, 0, 800, 0);
	EXPECT_OK(test, f, PPTP_ACT_EXPECT);
	KUNIT_EXPECT_EQ(test, call0(test)->state, PPTP_CALL_ESTABLISHED);
	step(test, REPLY, PPTP_MSG_CDN, 700, 0, 0);
	EXPECT_OK(test, f, PPTP_ACT_END_CALL);
}

/* Incoming call, PAC on ORIG, no NAT. */
static void pptp_session_test_in_orig_pac(struct kunit *test)
{
	struct fx *f = test->priv;
	struct pptp_call *c;

	establish(test, REPLY);
	step(test, ORIG, PPTP_MSG_ICRQ, 700, 0, 0);
	EXPECT_OK(test, f, 0);
	c = call0(test);
	KUNIT_EXPECT_EQ(test, c->pns_side, REPLY);
	KUNIT_EXPECT_EQ(test, c->nat_id, 700);
	step(test, REPLY, PPTP_MSG_ICRP, 800, 700, 1);
	EXPECT_OK(test, f, 0);
	step(test, ORIG, PPTP_MSG_ICCN, 0, 800, 0);
	EXPECT_OK(test, f, PPTP_ACT_EXPECT);
	step(test, REPLY, PPTP_MSG_CCRQ, 800, 0, 0);
	EXPECT_OK(test, f, 0);
	KUNIT_EXPECT_EQ(test, call0(test)->state, PPTP_CALL_CLEARING);
	step(test, ORIG, PPTP_MSG_CDN, 700, 0, 0);
	EXPECT_OK(test, f, PPTP_ACT_END_CALL);
}

/* Incoming call, PNS on ORIG behind NAT. */
static void pptp_session_test_in_reply_pac_nat(struct kunit *test)
{
	struct fx *f = test->priv;

	f->in.nat = true;
	establish(test, ORIG);
	step(test, REPLY, PPTP_MSG_ICRQ, 700, 0, 0);
	EXPECT_OK(test, f, 0);
	step(test, ORIG, PPTP_MSG_ICRP, 800, 700, 1);
	EXPECT_OK(test, f, PPTP_ACT_ALLOC_NAT_ID);
	glue_alloc(test, 9000);
	EXPECT_RW(test, f, PPTP_OFF_CALL_ID, 9000);
	step(test, REPLY, PPTP_MSG_ICCN, 0, 9000, 0);
	EXPECT_OK(test, f, PPTP_ACT_EXPECT | PPTP_ACT_REWRITE);
	EXPECT_RW(test, f, PPTP_OFF_PEER_ID_NOTIFY, 800);
	step(test, ORIG, PPTP_MSG_CCRQ, 800, 0, 0);
	EXPECT_OK(test, f, PPTP_ACT_REWRITE);
	EXPECT_RW(test, f, PPTP_OFF_CALL_ID, 9000);
}

/* Incoming call, PAC on ORIG behind NAT. */
static void pptp_session_test_in_orig_pac_nat(struct kunit *test)
{
	struct fx *f = test->priv;

	f->in.nat = true;
	establish(test, ORIG);
	step(test, ORIG, PPTP_MSG_ICRQ, 700, 0, 0);
	EXPECT_OK(test, f, PPTP_ACT_ALLOC_NAT_ID);
	glue_alloc(test, 9100);
	EXPECT_RW(test, f, PPTP_OFF_CALL_ID, 9100);
	step(test, REPLY, PPTP_MSG_ICRP, 800, 9100, 1);
	EXPECT_OK(test, f, PPTP_ACT_REWRITE);
	EXPECT_RW(test, f, PPTP_OFF_PEER_ID_REPLY, 700);
	KUNIT_EXPECT_EQ(test, call0(test)->state, PPTP_CALL_IN_REPLIED);
	step(test, ORIG, PPTP_MSG_ICCN, 0, 800, 0);
	EXPECT_OK(test, f, PPTP_ACT_EXPECT);
	step(test, ORIG, PPTP_MSG_CDN, 700, 0, 0);
	EXPECT_OK(test, f, PPTP_ACT_END_CALL | PPTP_ACT_REWRITE);
	EXPECT_RW(test, f, PPTP_OFF_CALL_ID, 9100);
}

/* NAT that happens to keep the ID: nothing to patch. */
static void pptp_session_test_nat_same_id(struct kunit *test)
{
	struct fx *f = test->priv;

	f->in.nat = true;
	establish(test, ORIG);
	step(test, ORIG, PPTP_MSG_OCRQ, 100, 0, 0);
	glue_alloc(test, 100);
	KUNIT_EXPECT_EQ(test, f->out.actions, PPTP_ACT_ALLOC_NAT_ID);
	step(test, REPLY, PPTP_MSG_OCRP, 200, 100, 1);
	EXPECT_OK(test, f, PPTP_ACT_EXPECT);
}

/* ALLOC_NAT_ID failed: the glue drops the call. */
static void pptp_session_test_alloc_fail(struct kunit *test)
{
	struct fx *f = test->priv;

	f->in.nat = true;
	establish(test, ORIG);
	step(test, ORIG, PPTP_MSG_OCRQ, 100, 0, 0);
	KUNIT_ASSERT_EQ(test, f->out.actions, PPTP_ACT_ALLOC_NAT_ID);
	pptp_call_release(&f->s, f->out.call);
	KUNIT_EXPECT_EQ(test, f->s.ncalls, 0);
	KUNIT_EXPECT_FALSE(test, pptp_step_rewrite(&f->s, &f->m, &f->in, 0,
						   &f->out));
	/* The PNS may try the same ID again. */
	step(test, ORIG, PPTP_MSG_OCRQ, 100, 0, 0);
	EXPECT_OK(test, f, PPTP_ACT_ALLOC_NAT_ID);
}

static void pptp_session_test_refused(struct kunit *test)
{
	struct fx *f = test->priv;

	/* OCRP refused, PNS behind NAT: still translated back. */
	f->in.nat = true;
	establish(test, ORIG);
	step(test, ORIG, PPTP_MSG_OCRQ, 100, 0, 0);
	glue_alloc(test, 5000);
	step(test, REPLY, PPTP_MSG_OCRP, 200, 5000, 3);
	EXPECT_OK(test, f, PPTP_ACT_END_CALL | PPTP_ACT_REWRITE);
	EXPECT_RW(test, f, PPTP_OFF_PEER_ID_REPLY, 100);
	KUNIT_EXPECT_EQ(test, f->out.call, 0);
	KUNIT_EXPECT_EQ(test, call0(test)->state, PPTP_CALL_OUT_REQUESTED);
	pptp_call_release(&f->s, 0);

	/* ICRP refused. */
	f->in.nat = false;
	step(test, REPLY, PPTP_MSG_ICRQ, 700, 0, 0);
	step(test, ORIG, PPTP_MSG_ICRP, 800, 700, 2);
	EXPECT_OK(test, f, PPTP_ACT_END_CALL);
	KUNIT_EXPECT_EQ(test, f->out.call, 0);
	KUNIT_EXPECT_EQ(test, call0(test)->state, PPTP_CALL_IN_REQUESTED);
}

/* CCRQ before the call is up: nothing to wait for, end it now. */
static void pptp_session_test_ccrq_early(struct kunit *test)
{
	struct fx *f = test->priv;

	establish(test, ORIG);
	/*
	 * A CCRQ before the PAC answered keeps the call in CLEARING: a CDN
	 * can only name it by the PAC's ID, which it never got, so it stays
	 * until the control connection ends (bounded by max_calls).
	 */
	step(test, ORIG, PPTP_MSG_OCRQ, 100, 0, 0);
	step(test, ORIG, PPTP_MSG_CCRQ, 100, 0, 0);
	EXPECT_OK(test, f, 0);
	KUNIT_EXPECT_EQ(test, f->s.calls[0].state, PPTP_CALL_CLEARING);
	step(test, REPLY, PPTP_MSG_CDN, 0, 0, 0);
	KUNIT_EXPECT_EQ(test, f->out.violation, PPTP_V_UNKNOWN_CALL);

	step(test, REPLY, PPTP_MSG_ICRQ, 700, 0, 0);
	step(test, ORIG, PPTP_MSG_ICRP, 800, 700, 1);
	step(test, ORIG, PPTP_MSG_CCRQ, 800, 0, 0);
	EXPECT_OK(test, f, 0);
	/* The CDN ends it, so strict mode never drops that CDN. */
	step(test, REPLY, PPTP_MSG_CDN, 700, 0, 0);
	EXPECT_OK(test, f, PPTP_ACT_END_CALL);
	pptp_call_release(&f->s, f->out.call);
	pptp_call_release(&f->s, 0);

	/* CDN from the PAC for an incoming call not yet answered. */
	step(test, REPLY, PPTP_MSG_ICRQ, 701, 0, 0);
	step(test, REPLY, PPTP_MSG_CDN, 701, 0, 0);
	EXPECT_OK(test, f, PPTP_ACT_END_CALL);
}

static void pptp_session_test_many_calls(struct kunit *test)
{
	struct fx *f = test->priv;
	unsigned int i;

	establish(test, ORIG);
	/* Calls in both directions and roles share the session. */
	for (i = 0; i < 20; i++) {
		step(test, ORIG, PPTP_MSG_OCRQ, 100 + i, 0, 0);
		EXPECT_OK(test, f, 0);
		step(test, REPLY, PPTP_MSG_OCRQ, 100 + i, 0, 0);
		EXPECT_OK(test, f, 0);
	}
	for (i = 0; i < 20; i++) {
		step(test, REPLY, PPTP_MSG_OCRP, 500 + i, 100 + i, 1);
		EXPECT_OK(test, f, PPTP_ACT_EXPECT);
		step(test, ORIG, PPTP_MSG_OCRP, 500 + i, 100 + i, 1);
		EXPECT_OK(test, f, PPTP_ACT_EXPECT);
	}
	KUNIT_EXPECT_EQ(test, f->s.ncalls, 40);
	/* Tear down in an order that moves entries around. */
	for (i = 0; i < 20; i++) {
		step(test, REPLY, PPTP_MSG_CDN, 500 + i, 0, 0);
		EXPECT_OK(test, f, PPTP_ACT_END_CALL);
		KUNIT_ASSERT_GE(test, f->out.call, 0);
		KUNIT_EXPECT_EQ(test, f->s.calls[f->out.call].id[ORIG],
				100 + i);
		pptp_call_release(&f->s, f->out.call);
		step(test, ORIG, PPTP_MSG_CDN, 519 - i, 0, 0);
		EXPECT_OK(test, f, PPTP_ACT_END_CALL);
		KUNIT_ASSERT_GE(test, f->out.call, 0);
		KUNIT_EXPECT_EQ(test, f->s.calls[f->out.call].id[REPLY],
				119 - i);
		pptp_call_release(&f->s, f->out.call);
	}
	KUNIT_EXPECT_EQ(test, f->s.ncalls, 0);
}

static void pptp_session_test_max_calls(struct kunit *test)
{
	struct fx *f = test->priv;
	unsigned int i;

	f->in.max_calls = 3;
	establish(test, ORIG);
	for (i = 0; i < 3; i++) {
		step(test, ORIG, PPTP_MSG_OCRQ, 10 + i, 0, 0);
		EXPECT_OK(test, f, 0);
	}
	KUNIT_EXPECT_EQ(test, f->s.cap, 3);
	step(test, ORIG, PPTP_MSG_OCRQ, 20, 0, 0);
	KUNIT_EXPECT_EQ(test, f->out.violation, PPTP_V_CALL_LIMIT);
	KUNIT_EXPECT_EQ(test, f->out.call, -1);
	step(test, REPLY, PPTP_MSG_ICRQ, 20, 0, 0);
	KUNIT_EXPECT_EQ(test, f->out.violation, PPTP_V_CALL_LIMIT);
	KUNIT_EXPECT_EQ(test, f->s.ncalls, 3);
	pptp_call_release(&f->s, 1);
	step(test, ORIG, PPTP_MSG_OCRQ, 20, 0, 0);
	EXPECT_OK(test, f, 0);
	KUNIT_EXPECT_EQ(test, f->out.call, 2);

	/* Zero allows nothing. */
	do_setup(test, SU_EST);
	f->in.max_calls = 0;
	step(test, ORIG, PPTP_MSG_OCRQ, 1, 0, 0);
	KUNIT_EXPECT_EQ(test, f->out.violation, PPTP_V_CALL_LIMIT);
}

static void pptp_session_test_grow(struct kunit *test)
{
	static const u16 caps[] = { 4, 4, 4, 4, 8, 8, 8, 8, 10, 10 };
	struct fx *f = test->priv;
	unsigned int i;

	f->in.max_calls = 10;
	establish(test, ORIG);
	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		step(test, REPLY, PPTP_MSG_ICRQ, 1 + i, 0, 0);
		EXPECT_OK(test, f, 0);
		KUNIT_EXPECT_EQ(test, f->s.cap, caps[i]);
	}
	KUNIT_EXPECT_EQ(test, grow_calls, 3);
	/* 10 calls and three tables of 32 slots (at least twice the calls) */
	KUNIT_EXPECT_EQ(test, grow_last_size,
			10 * sizeof(struct pptp_call) + 3 * 32 * sizeof(u16));
	for (i = 0; i < ARRAY_SIZE(caps); i++)
		KUNIT_EXPECT_EQ(test, f->s.calls[i].id[REPLY], 1 + i);
	step(test, REPLY, PPTP_MSG_ICRQ, 99, 0, 0);
	KUNIT_EXPECT_EQ(test, f->out.violation, PPTP_V_CALL_LIMIT);
	KUNIT_EXPECT_EQ(test, grow_calls, 3);
}

static void pptp_session_test_nomem(struct kunit *test)
{
	struct fx *f = test->priv;
	unsigned int i;

	establish(test, ORIG);
	grow_fail = true;
	step(test, ORIG, PPTP_MSG_OCRQ, 1, 0, 0);
	KUNIT_EXPECT_EQ(test, f->out.violation, PPTP_V_NOMEM);
	KUNIT_EXPECT_EQ(test, f->out.actions, 0);
	KUNIT_EXPECT_EQ(test, f->s.ncalls, 0);
	KUNIT_EXPECT_NULL(test, f->s.calls);

	/* Growing later fails without losing the existing calls. */
	grow_fail = false;
	for (i = 0; i < 4; i++)
		step(test, ORIG, PPTP_MSG_OCRQ, 1 + i, 0, 0);
	grow_fail = true;
	step(test, REPLY, PPTP_MSG_ICRQ, 50, 0, 0);
	KUNIT_EXPECT_EQ(test, f->out.violation, PPTP_V_NOMEM);
	KUNIT_EXPECT_EQ(test, f->s.ncalls, 4);
	KUNIT_EXPECT_EQ(test, f->s.cap, 4);
	KUNIT_EXPECT_EQ(test, f->s.calls[3].id[ORIG], 4);

	/* No grow hook at all. */
	do_setup(test, SU_EST);
	mk(test, PPTP_MSG_OCRQ, 1, 0, 0);
	f->in.side = ORIG;
	pptp_session_step(&f->s, &f->m, &f->in, &fail_ops, &f->out);
	KUNIT_EXPECT_EQ(test, f->out.violation, PPTP_V_NOMEM);
	pptp_session_step(&f->s, &f->m, &f->in, NULL, &f->out);
	KUNIT_EXPECT_EQ(test, f->out.violation, PPTP_V_NOMEM);
}

static void pptp_session_test_dup(struct kunit *test)
{
	struct fx *f = test->priv;

	establish(test, ORIG);
	step(test, ORIG, PPTP_MSG_OCRQ, 100, 0, 0);
	step(test, ORIG, PPTP_MSG_OCRQ, 100, 0, 0);
	KUNIT_EXPECT_EQ(test, f->out.violation, PPTP_V_DUP_CALL);
	KUNIT_EXPECT_EQ(test, f->s.ncalls, 1);
	/* Call IDs are per endpoint: the other side may use 100 too. */
	step(test, REPLY, PPTP_MSG_OCRQ, 100, 0, 0);
	EXPECT_OK(test, f, 0);
	/* A PAC answering with an ID it already uses. */
	step(test, REPLY, PPTP_MSG_OCRP, 100, 100, 1);
	KUNIT_EXPECT_EQ(test, f->out.violation, PPTP_V_DUP_CALL);
	KUNIT_EXPECT_EQ(test, f->s.calls[0].state, PPTP_CALL_OUT_REQUESTED);
	step(test, REPLY, PPTP_MSG_OCRP, 101, 100, 1);
	EXPECT_OK(test, f, PPTP_ACT_EXPECT);
	/* After release the ID is free again. */
	step(test, REPLY, PPTP_MSG_CDN, 101, 0, 0);
	pptp_call_release(&f->s, f->out.call);
	step(test, ORIG, PPTP_MSG_OCRQ, 100, 0, 0);
	EXPECT_OK(test, f, 0);
}

/* pptp_step_rewrite only patches a field that names the call. */
static void pptp_session_test_rewrite_guards(struct kunit *test)
{
	struct fx *f = test->priv;

	f->in.nat = true;
	establish(test, ORIG);
	step(test, ORIG, PPTP_MSG_OCRQ, 100, 0, 0);
	glue_alloc(test, 5000);
	step(test, REPLY, PPTP_MSG_OCRP, 200, 5000, 1);

	/* Message fields that do not match call 0. */
	f->in.side = ORIG;
	mk(test, PPTP_MSG_CCRQ, 101, 0, 0);
	f->out.actions = 0;
	KUNIT_EXPECT_FALSE(test, pptp_step_rewrite(&f->s, &f->m, &f->in, 0,
						   &f->out));
	f->in.side = REPLY;
	mk(test, PPTP_MSG_WEN, 0, 5001, 0);
	KUNIT_EXPECT_FALSE(test, pptp_step_rewrite(&f->s, &f->m, &f->in, 0,
						   &f->out));
	/* REPLY's own IDs are never translated. */
	mk(test, PPTP_MSG_CDN, 200, 0, 0);
	KUNIT_EXPECT_FALSE(test, pptp_step_rewrite(&f->s, &f->m, &f->in, 0,
						   &f->out));
	/* ORIG's view of REPLY's IDs neither. */
	f->in.side = ORIG;
	mk(test, PPTP_MSG_SLI, 0, 200, 0);
	KUNIT_EXPECT_FALSE(test, pptp_step_rewrite(&f->s, &f->m, &f->in, 0,
						   &f->out));
	/* Bad index, or no NAT. */
	mk(test, PPTP_MSG_CCRQ, 100, 0, 0);
	KUNIT_EXPECT_FALSE(test, pptp_step_rewrite(&f->s, &f->m, &f->in, 1,
						   &f->out));
	KUNIT_EXPECT_FALSE(test, pptp_step_rewrite(&f->s, &f->m, &f->in, -1,
						   &f->out));
	f->in.nat = false;
	KUNIT_EXPECT_FALSE(test, pptp_step_rewrite(&f->s, &f->m, &f->in, 0,
						   &f->out));
	KUNIT_EXPECT_EQ(test, f->out.actions, 0);
	f->in.nat = true;
	KUNIT_EXPECT_TRUE(test, pptp_step_rewrite(&f->s, &f->m, &f->in, 0,
						  &f->out));
	EXPECT_RW(test, f, PPTP_OFF_CALL_ID, 5000);
}

static void pptp_session_test_release(struct kunit *test)
{
	struct fx *f = test->priv;
	unsigned int i;

	establish(test, ORIG);
	for (i = 0; i < 5; i++)
		step(test, ORIG, PPTP_MSG_OCRQ, 10 + i, 0, 0);
	pptp_call_release(&f->s, 1);
	KUNIT_EXPECT_EQ(test, f->s.ncalls, 4);
	KUNIT_EXPECT_EQ(test, f->s.calls[1].id[ORIG], 14);
	pptp_call_release(&f->s, 3);
	KUNIT_EXPECT_EQ(test, f->s.ncalls, 3);
	KUNIT_EXPECT_EQ(test, f->s.calls[2].id[ORIG], 12);
	/* Out of range is ignored. */
	pptp_call_release(&f->s, -1);
	pptp_call_release(&f->s, 3);
	pptp_call_set_nat_id(&f->s, 3, 1);
	pptp_call_set_nat_id(&f->s, -1, 1);
	KUNIT_EXPECT_EQ(test, f->s.ncalls, 3);
	pptp_session_release_all(&f->s);
	KUNIT_EXPECT_EQ(test, f->s.ncalls, 0);
	KUNIT_EXPECT_EQ(test, f->s.cap, 8);
	pptp_session_destroy(&f->s, &test_ops);
	KUNIT_EXPECT_NULL(test, f->s.calls);
	KUNIT_EXPECT_EQ(test, f->s.cap, 0);
	/* Destroying twice is harmless. */
	pptp_session_destroy(&f->s, &test_ops);
}

static u32 rnd_state;

static u32 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 17;
	rnd_state ^= rnd_state << 5;
	return rnd_state;
}

/* Field values for a message from @side about call @c, as on the wire. */
static u16 rnd_own(const struct pptp_call *c, u8 side)
{
	return c->id[side];
}

static u16 rnd_peer(const struct pptp_call *c, u8 side)
{
	return side == REPLY ? c->nat_id : c->id[REPLY];
}

/*
 * A message that is plausible for the session: mostly the legal next
 * step of a random call, sometimes anything at all.
 */
static void rnd_msg(struct fx *f, u8 *side, u8 *type, u16 *own, u16 *peer,
		    u8 *result)
{
	static const u8 call_types[] = {
		PPTP_MSG_OCRP, PPTP_MSG_ICRP, PPTP_MSG_ICCN, PPTP_MSG_CCRQ,
		PPTP_MSG_CDN, PPTP_MSG_WEN, PPTP_MSG_SLI,
	};
	const struct pptp_call *c;
	unsigned int r = rnd() % 100;

	*side = rnd() & 1;
	*own = rnd() % 40;
	*peer = rnd() % 40;
	*result = rnd() % 5 ? 1 : 2;
	if (r < 10 || f->s.state == PPTP_SESS_UNINSPECTED) {
		*type = rnd() % PPTP_MSG_TYPE_MAX + 1;
		return;
	}
	switch (f->s.state) {
	case PPTP_SESS_IDLE:
	case PPTP_SESS_STOPPING:
		*type = PPTP_MSG_SCCRQ;
		return;
	case PPTP_SESS_REQUESTED:
		*type = PPTP_MSG_SCCRP;
		*side = !f->s.sccrq_side;
		return;
	default:
		break;
	}
	if (r < 12) {
		*type = PPTP_MSG_STOPCCRQ;
		return;
	}
	if (r < 40 || !f->s.ncalls) {
		*type = rnd() & 1 ? PPTP_MSG_OCRQ : PPTP_MSG_ICRQ;
		return;
	}
	c = &f->s.calls[rnd() % f->s.ncalls];
	*type = call_types[rnd() % ARRAY_SIZE(call_types)];
	if (r < 80) {
		/* The legal next step of that call. */
		switch (c->state) {
		case PPTP_CALL_OUT_REQUESTED:
			*type = PPTP_MSG_OCRP;
			break;
		case PPTP_CALL_IN_REQUESTED:
			*type = PPTP_MSG_ICRP;
			break;
		case PPTP_CALL_IN_REPLIED:
			*type = PPTP_MSG_ICCN;
			break;
		case PPTP_CALL_ESTABLISHED:
			*type = rnd() & 1 ? PPTP_MSG_CCRQ : PPTP_MSG_SLI;
			break;
		default:
			*type = PPTP_MSG_CDN;
			break;
		}
		switch (*type) {
		case PPTP_MSG_ICRP:
		case PPTP_MSG_CCRQ:
		case PPTP_MSG_SLI:
			*side = c->pns_side;
			break;
		default:
			*side = !c->pns_side;
			break;
		}
	}
	if (*type != PPTP_MSG_OCRP && *type != PPTP_MSG_ICRP)
		*own = rnd_own(c, *side);
	*peer = rnd_peer(c, *side);
}

/*
 * Random traffic with a glue that honours every action: invariants on
 * capacity and ID uniqueness must hold whatever the peers send.
 */
static void pptp_session_test_random(struct kunit *test)
{
	struct fx *f = test->priv;
	unsigned int i, j, k;
	unsigned int n_rw = 0, n_expect = 0, n_end = 0, n_full = 0;
	u16 next_nat_id = 1;

	rnd_state = 0x1723;
	f->in.max_calls = 12;
	for (i = 0; i < 40000; i++) {
		u16 own, peer;
		u8 t, side, result;

		f->in.nat = rnd() % 4 != 0;
		f->version = rnd() % 256 ? PPTP_WIRE_VERSION : 0x0200;
		rnd_msg(f, &side, &t, &own, &peer, &result);
		step(test, side, t, own, peer, result);
		if (f->out.actions & PPTP_ACT_ALLOC_NAT_ID) {
			KUNIT_ASSERT_GE(test, f->out.call, 0);
			if (rnd() % 8) {
				pptp_call_set_nat_id(&f->s, f->out.call,
						     next_nat_id++);
				pptp_step_rewrite(&f->s, &f->m, &f->in,
						  f->out.call, &f->out);
			} else {
				pptp_call_release(&f->s, f->out.call);
				f->out.actions &= ~(PPTP_ACT_EXPECT |
						    PPTP_ACT_END_CALL);
			}
		}
		n_expect += !!(f->out.actions & PPTP_ACT_EXPECT);
		n_end += !!(f->out.actions & PPTP_ACT_END_CALL);
		if (f->out.actions & PPTP_ACT_REWRITE) {
			n_rw++;
			KUNIT_ASSERT_NE(test, f->out.rw_off, NF);
			KUNIT_ASSERT_LE(test, f->out.rw_off + 2, f->m.len);
		}
		if (f->out.actions & PPTP_ACT_END_CALL)
			pptp_call_release(&f->s, f->out.call);
		if (f->out.actions & (PPTP_ACT_END_ALL | PPTP_ACT_UNINSPECT))
			pptp_session_release_all(&f->s);
		if (f->s.state == PPTP_SESS_UNINSPECTED || !(rnd() % 5000)) {
			pptp_session_destroy(&f->s, &test_ops);
			pptp_session_init(&f->s, SEED);
		}

		KUNIT_ASSERT_LT(test, f->s.state, PPTP_SESS_STATE_MAX);
		KUNIT_ASSERT_LE(test, f->s.ncalls, f->s.cap);
		KUNIT_ASSERT_LE(test, f->s.ncalls, f->in.max_calls);
		n_full += f->s.ncalls == f->in.max_calls;
		for (j = 0; j < f->s.ncalls; j++) {
			const struct pptp_call *a = &f->s.calls[j];

			KUNIT_ASSERT_GE(test, a->state, 1);
			KUNIT_ASSERT_LT(test, a->state, PPTP_CALL_STATE_MAX);
			KUNIT_ASSERT_LE(test, a->pns_side, 1);
			for (k = j + 1; k < f->s.ncalls; k++) {
				const struct pptp_call *b = &f->s.calls[k];
				u8 both;

				both = a->flags & b->flags;
				KUNIT_ASSERT_FALSE(test,
						   (both & PPTP_CALLF_ID_ORIG) &&
						   a->id[ORIG] == b->id[ORIG]);
				KUNIT_ASSERT_FALSE(test,
						   (both & PPTP_CALLF_ID_REPLY) &&
						   a->id[REPLY] == b->id[REPLY]);
			}
		}
	}
	/* The walk must reach the interesting parts of the machine. */
	kunit_info(test, "rewrite %u expect %u end %u full %u\n", n_rw,
		   n_expect, n_end, n_full);
	KUNIT_EXPECT_GT(test, n_rw, 100);
	KUNIT_EXPECT_GT(test, n_expect, 100);
	KUNIT_EXPECT_GT(test, n_end, 100);
	KUNIT_EXPECT_GT(test, n_full, 10);
}

static struct kunit_case pptp_session_test_cases[] = {
	KUNIT_CASE(pptp_session_test_init),
	KUNIT_CASE(pptp_session_test_state_names),
	KUNIT_CASE(pptp_session_test_establish),
	KUNIT_CASE(pptp_session_test_sccrp_refused),
	KUNIT_CASE(pptp_session_test_collision),
	KUNIT_CASE(pptp_session_test_version_sccrq),
	KUNIT_CASE(pptp_session_test_version_sccrp),
	KUNIT_CASE(pptp_session_test_version_collision),
	KUNIT_CASE(pptp_session_test_echo),
	KUNIT_CASE(pptp_session_test_stop),
	KUNIT_CASE(pptp_session_test_stop_end_all),
	KUNIT_CASE(pptp_session_test_restart_end_all),
	KUNIT_CASE(pptp_session_test_illegal),
	KUNIT_CASE(pptp_session_test_out_orig_pns),
	KUNIT_CASE(pptp_session_test_out_reply_pns),
	KUNIT_CASE(pptp_session_test_out_orig_pns_nat),
	KUNIT_CASE(pptp_session_test_out_reply_pns_nat),
	KUNIT_CASE(pptp_session_test_in_reply_pac),
	KUNIT_CASE(pptp_session_test_in_orig_pac),
	KUNIT_CASE(pptp_session_test_in_reply_pac_nat),
	KUNIT_CASE(pptp_session_test_in_orig_pac_nat),
	KUNIT_CASE(pptp_session_test_nat_same_id),
	KUNIT_CASE(pptp_session_test_alloc_fail),
	KUNIT_CASE(pptp_session_test_refused),
	KUNIT_CASE(pptp_session_test_ccrq_early),
	KUNIT_CASE(pptp_session_test_many_calls),
	KUNIT_CASE(pptp_session_test_max_calls),
	KUNIT_CASE(pptp_session_test_grow),
	KUNIT_CASE(pptp_session_test_nomem),
	KUNIT_CASE(pptp_session_test_dup),
	KUNIT_CASE(pptp_session_test_rewrite_guards),
	KUNIT_CASE(pptp_session_test_release),
	KUNIT_CASE(pptp_session_test_random),
	{}
};

static struct kunit_suite pptp_session_test_suite = {
	.name = "pptp_session",
	.init = fx_init,
	.exit = fx_exit,
	.test_cases = pptp_session_test_cases,
};

kunit_test_suite(pptp_session_test_suite);

MODULE_LICENSE("GPL");
