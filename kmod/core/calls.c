// SPDX-License-Identifier: GPL-2.0-only
/*
 * The calls of one control connection: an array plus three hash indexes
 * (ORIG endpoint's ID, REPLY endpoint's ID, nat_id), so that every control
 * message and every first GRE packet finds its call in O(1) expected time
 * however many calls the connection carries.  Pure: no skb or conntrack.
 *
 * One buffer holds calls[cap] followed by the three open-addressing
 * tables of 2^bits u16 slots each.  A slot holds call index + 1 (0 is
 * empty); the key is read from the call itself, so the tables are derived
 * data that can always be rebuilt from the array (and need not be carried
 * if the array is ever exported).
 */
#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/kernel.h>

#include "pptp_alg/session.h"

/* Initial call array size; most control connections carry one call. */
#define PPTP_CALLS_INIT		4

static const u8 pptp_key_flag[PPTP_KEY_MAX] = {
	[PPTP_KEY_ORIG]		= PPTP_CALLF_ID_ORIG,
	[PPTP_KEY_REPLY]	= PPTP_CALLF_ID_REPLY,
	[PPTP_KEY_NAT_ID]	= PPTP_CALLF_NAT_ID,
};

/* Table size: a power of two at least twice @cap keeps probes short. */
static unsigned int pptp_index_bits(unsigned int cap)
{
	unsigned int bits = 1;

	while ((1U << bits) < 2 * cap)
		bits++;
	return bits;
}

static u16 *pptp_index(const struct pptp_session *s, unsigned int key)
{
	u16 *base = (u16 *)(s->calls + s->cap);

	return base + (key << pptp_index_bits(s->cap));
}

static u16 pptp_key_of(const struct pptp_call *c, unsigned int key)
{
	return key == PPTP_KEY_NAT_ID ? c->nat_id : c->id[key];
}

/*
 * Home slot of @id in a table of 2^@bits slots.  Call IDs come from the
 * peers, so the hash is keyed by the session's random seed: without it a
 * peer could choose IDs sharing one home slot and make every lookup walk
 * one long cluster.  The seed goes in before two multiply-xorshift rounds,
 * so which IDs collide is not a fixed property of the IDs themselves.
 */
static unsigned int pptp_slot_of(const struct pptp_session *s, u16 id,
				 unsigned int bits)
{
	u32 x = id ^ s->seed;

	x *= 0x9e3779b1U;
	x ^= x >> 16;
	x *= 0x85ebca6bU;
	x ^= x >> 13;
	return x >> (32 - bits);
}

int pptp_calls_find(const struct pptp_session *s, enum pptp_call_key key,
		    u16 id)
{
	unsigned int bits, mask, i, n;
	const u16 *t;

	if (!s->ncalls || key >= PPTP_KEY_MAX)
		return -1;
	bits = pptp_index_bits(s->cap);
	mask = (1U << bits) - 1;
	t = pptp_index(s, key);
	for (i = pptp_slot_of(s, id, bits), n = 0; n <= mask && t[i];
	     i = (i + 1) & mask, n++) {
		const struct pptp_call *c = &s->calls[t[i] - 1];

		if ((c->flags & pptp_key_flag[key]) && pptp_key_of(c, key) == id)
			return t[i] - 1;
	}
	return -1;
}

static void pptp_index_insert(struct pptp_session *s, unsigned int key,
			      int idx)
{
	unsigned int bits = pptp_index_bits(s->cap), mask = (1U << bits) - 1;
	u16 *t = pptp_index(s, key);
	unsigned int i;

	/* The table is at least twice the array: a free slot exists. */
	i = pptp_slot_of(s, pptp_key_of(&s->calls[idx], key), bits);
	while (t[i])
		i = (i + 1) & mask;
	t[i] = idx + 1;
}

/* Slot holding call @idx in table @key, or -1. */
static int pptp_index_slot(const struct pptp_session *s, unsigned int key,
			   int idx)
{
	unsigned int bits = pptp_index_bits(s->cap), mask = (1U << bits) - 1;
	const u16 *t = pptp_index(s, key);
	unsigned int i, n;

	i = pptp_slot_of(s, pptp_key_of(&s->calls[idx], key), bits);
	for (n = 0; n <= mask && t[i]; i = (i + 1) & mask, n++)
		if (t[i] == idx + 1)
			return i;
	return -1;
}

/*
 * Linear-probing delete without tombstones: pull later members of the
 * cluster back over the hole when their home slot allows it.
 */
static void pptp_index_remove(struct pptp_session *s, unsigned int key,
			      int idx)
{
	unsigned int bits = pptp_index_bits(s->cap), mask = (1U << bits) - 1;
	u16 *t = pptp_index(s, key);
	unsigned int hole, j, home;
	int slot;

	if (!(s->calls[idx].flags & pptp_key_flag[key]))
		return;
	slot = pptp_index_slot(s, key, idx);
	if (slot < 0)
		return;
	hole = slot;
	for (j = (hole + 1) & mask; t[j]; j = (j + 1) & mask) {
		home = pptp_slot_of(s, pptp_key_of(&s->calls[t[j] - 1], key),
				    bits);
		/* Stays if its home lies cyclically in (hole, j]. */
		if (((j - home) & mask) < ((j - hole) & mask))
			continue;
		t[hole] = t[j];
		hole = j;
	}
	t[hole] = 0;
}

static void pptp_index_rebuild(struct pptp_session *s)
{
	unsigned int key;
	int i;

	memset(pptp_index(s, 0), 0,
	       PPTP_KEY_MAX * sizeof(u16) << pptp_index_bits(s->cap));
	for (i = 0; i < s->ncalls; i++)
		for (key = 0; key < PPTP_KEY_MAX; key++)
			if (s->calls[i].flags & pptp_key_flag[key])
				pptp_index_insert(s, key, i);
}

void pptp_calls_set_key(struct pptp_session *s, int idx,
			enum pptp_call_key key, u16 id)
{
	struct pptp_call *c;

	if (idx < 0 || idx >= s->ncalls || key >= PPTP_KEY_MAX)
		return;
	c = &s->calls[idx];
	pptp_index_remove(s, key, idx);
	if (key == PPTP_KEY_NAT_ID)
		c->nat_id = id;
	else
		c->id[key] = id;
	c->flags |= pptp_key_flag[key];
	pptp_index_insert(s, key, idx);
}

static size_t pptp_calls_size(unsigned int cap)
{
	return cap * sizeof(struct pptp_call) +
	       (PPTP_KEY_MAX * sizeof(u16) << pptp_index_bits(cap));
}

int pptp_calls_reserve(struct pptp_session *s, unsigned int max_calls,
		       const struct pptp_mem_ops *ops)
{
	struct pptp_call *old = s->calls;
	unsigned int n;
	void *p;

	if (s->ncalls < s->cap)
		return 0;
	if (!ops || !ops->alloc)
		return -ENOMEM;
	n = s->cap ? 2U * s->cap : PPTP_CALLS_INIT;
	if (n > max_calls)
		n = max_calls;
	if (n > PPTP_CALLS_MAX)
		n = PPTP_CALLS_MAX;
	if (n <= s->cap)
		return -ENOMEM;
	p = ops->alloc(pptp_calls_size(n));
	if (!p)
		return -ENOMEM;
	if (s->ncalls)
		memcpy(p, old, s->ncalls * sizeof(*old));
	memset((struct pptp_call *)p + s->ncalls, 0,
	       (n - s->ncalls) * sizeof(*old));
	s->calls = p;
	s->cap = n;
	pptp_index_rebuild(s);
	if (old)
		ops->free(old);
	return 0;
}

int pptp_calls_add(struct pptp_session *s)
{
	if (s->ncalls >= s->cap)
		return -1;
	memset(&s->calls[s->ncalls], 0, sizeof(s->calls[0]));
	return s->ncalls++;
}

void pptp_session_destroy(struct pptp_session *s,
			  const struct pptp_mem_ops *ops)
{
	if (s->calls && ops && ops->free)
		ops->free(s->calls);
	s->calls = NULL;
	s->ncalls = 0;
	s->cap = 0;
}

void pptp_call_release(struct pptp_session *s, int idx)
{
	unsigned int key;
	int last, slot;

	if (idx < 0 || idx >= s->ncalls)
		return;
	for (key = 0; key < PPTP_KEY_MAX; key++)
		pptp_index_remove(s, key, idx);
	last = s->ncalls - 1;
	if (idx != last) {
		/* The last call fills the hole: repoint its slots first. */
		for (key = 0; key < PPTP_KEY_MAX; key++) {
			if (!(s->calls[last].flags & pptp_key_flag[key]))
				continue;
			slot = pptp_index_slot(s, key, last);
			if (slot >= 0)
				pptp_index(s, key)[slot] = idx + 1;
		}
		s->calls[idx] = s->calls[last];
	}
	memset(&s->calls[last], 0, sizeof(s->calls[0]));
	s->ncalls = last;
}

void pptp_session_release_all(struct pptp_session *s)
{
	if (s->calls && s->ncalls) {
		memset(s->calls, 0, s->ncalls * sizeof(s->calls[0]));
		memset(pptp_index(s, 0), 0,
		       PPTP_KEY_MAX * sizeof(u16) << pptp_index_bits(s->cap));
	}
	s->ncalls = 0;
}

void pptp_call_set_nat_id(struct pptp_session *s, int idx, u16 nat_id)
{
	if (idx < 0 || idx >= s->ncalls)
		return;
	pptp_calls_set_key(s, idx, PPTP_KEY_NAT_ID, nat_id);
	/* Only called after the glue reserved @nat_id in its NAT table. */
	s->calls[idx].flags |= PPTP_CALLF_NAT_ID_OWNED;
}

void pptp_call_set_expect_end(struct pptp_call *c, u32 now, u32 secs)
{
	/* One more second: the caller's clock has whole seconds. */
	u64 ttl = (u64)(now - c->start) + secs + 1;

	c->expect_ttl = ttl < U16_MAX ? ttl : U16_MAX;
}

/* Past the field's range (18 h) the call stays charged until it ends. */
bool pptp_call_expect_over(const struct pptp_call *c, u32 now)
{
	return c->expect_ttl != U16_MAX &&
	       (s32)(now - (c->start + c->expect_ttl)) > 0;
}
