// SPDX-License-Identifier: GPL-2.0-only
/*
 * Translated call IDs of NATed endpoints, unique per (public address,
 * peer address) pair.  A resizable hash table gives lock-free lookups and
 * per-bucket locking on insert, so no lock spans all control connections.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/random.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "pptp_alg.h"
#include "pptp_alg/callid.h"

struct pptp_alg_nat_id_key {
	__be32 pub;		/* address the peer sends GRE to */
	__be32 peer;		/* the peer's address */
	u16 id;
	u16 pad;		/* zero: the key is hashed as bytes */
};

struct pptp_alg_nat_id {
	struct rhash_head node;
	struct pptp_alg_nat_id_key key;
	struct rcu_head rcu;
};

static const struct rhashtable_params pptp_alg_nat_id_params = {
	.head_offset = offsetof(struct pptp_alg_nat_id, node),
	.key_offset = offsetof(struct pptp_alg_nat_id, key),
	.key_len = sizeof(struct pptp_alg_nat_id_key),
	.automatic_shrinking = true,
};

int pptp_alg_nat_ids_init(struct pptp_alg_net *pn)
{
	return rhashtable_init(&pn->nat_ids, &pptp_alg_nat_id_params);
}

static void pptp_alg_nat_id_free(void *ptr, void *arg)
{
	kfree(ptr);
}

/* Every control connection of the netns is gone when this runs. */
void pptp_alg_nat_ids_exit(struct pptp_alg_net *pn)
{
	rhashtable_free_and_destroy(&pn->nat_ids, pptp_alg_nat_id_free, NULL);
}

static void pptp_alg_nat_id_key_init(struct pptp_alg_nat_id_key *k,
				     const struct nf_conn *ct, u16 id)
{
	const struct nf_conntrack_tuple *r = &ct->tuplehash[IP_CT_DIR_REPLY].tuple;

	memset(k, 0, sizeof(*k));
	k->pub = r->dst.u3.ip;
	k->peer = r->src.u3.ip;
	k->id = id;
}

struct pptp_alg_claim_ctx {
	struct pptp_alg_net *pn;
	const struct nf_conn *ct;
	bool nomem;
};

static u32 pptp_alg_claim_random(void *ctx)
{
	return get_random_u32();
}

static bool pptp_alg_claim(void *arg, u16 id)
{
	struct pptp_alg_claim_ctx *ctx = arg;
	struct pptp_alg_nat_id_key key;
	struct pptp_alg_nat_id *w;
	int err;

	if (ctx->nomem)
		return false;
	/* Cheap test first: a taken ID costs no allocation. */
	pptp_alg_nat_id_key_init(&key, ctx->ct, id);
	if (rhashtable_lookup_fast(&ctx->pn->nat_ids, &key,
				   pptp_alg_nat_id_params))
		return false;
	w = pptp_alg_alloc(ctx->pn, sizeof(*w));
	if (!w) {
		ctx->nomem = true;
		return false;
	}
	w->key = key;
	err = rhashtable_lookup_insert_fast(&ctx->pn->nat_ids, &w->node,
					    pptp_alg_nat_id_params);
	if (err) {
		kfree(w);
		if (err != -EEXIST) {
			pptp_alg_stat_inc(ctx->pn, PPTP_STAT_NOMEM);
			ctx->nomem = true;
		}
		return false;
	}
	return true;
}

int pptp_alg_nat_id_reserve(struct pptp_alg_net *pn, struct nf_conn *ct,
			    u16 hint, u16 *out)
{
	struct pptp_alg_claim_ctx ctx = { .pn = pn, .ct = ct };
	const struct pptp_callid_src src = {
		.random = pptp_alg_claim_random,
		.claim = pptp_alg_claim,
		.ctx = &ctx,
	};
	int err = pptp_callid_pick_near(&src, hint, out);

	if (err) {
		/* An allocation failure was counted where it happened. */
		if (!ctx.nomem)
			pptp_alg_stat_inc(pn, PPTP_STAT_NAT_ID_EXHAUSTED);
		return ctx.nomem ? -ENOMEM : err;
	}
	return 0;
}

int pptp_alg_nat_id_claim(struct pptp_alg_net *pn, struct nf_conn *ct, u16 id)
{
	struct pptp_alg_claim_ctx ctx = { .pn = pn, .ct = ct };

	if (id && pptp_alg_claim(&ctx, id))
		return 0;
	return ctx.nomem ? -ENOMEM : -EEXIST;
}

void pptp_alg_nat_id_release(struct pptp_alg_net *pn, struct nf_conn *ct,
			     u16 id)
{
	struct pptp_alg_nat_id_key key;
	struct pptp_alg_nat_id *w;

	pptp_alg_nat_id_key_init(&key, ct, id);
	rcu_read_lock();
	w = rhashtable_lookup_fast(&pn->nat_ids, &key, pptp_alg_nat_id_params);
	if (w && !rhashtable_remove_fast(&pn->nat_ids, &w->node,
					 pptp_alg_nat_id_params))
		kfree_rcu(w, rcu);
	rcu_read_unlock();
}
