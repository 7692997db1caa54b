// SPDX-License-Identifier: GPL-2.0-only
/*
 * Budget of calls waiting for their first GRE packets.  Each such call
 * holds up to two expectations in the namespace's expectation table,
 * which every helper shares and which is small on many routers.  Without
 * a budget one inside host, with a peer that answers calls and sends no
 * GRE, fills that table and other clients' calls (and FTP or SIP data)
 * get no expectation; and past the core's per-connection limit the core
 * silently evicts the oldest expectation of the same connection.
 *
 * A call is charged when its expectations are created and uncharged once
 * GRE has flowed both ways or the call ends, whichever comes first (an
 * expectation that expired unused keeps its call charged: conservative).
 * Limits: per connection (so the core never evicts), per inside host
 * (the ORIG address of the control connection) and per namespace.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/netfilter/nf_conntrack_expect.h>

#include "pptp_alg.h"

struct pptp_alg_host {
	struct rhash_head node;
	__be32 addr;
	atomic_t pending;	/* 0: being removed */
	struct rcu_head rcu;
};

static const struct rhashtable_params pptp_alg_host_params = {
	.head_offset = offsetof(struct pptp_alg_host, node),
	.key_offset = offsetof(struct pptp_alg_host, addr),
	.key_len = sizeof(__be32),
	.automatic_shrinking = true,
};

/*
 * Defaults from the expectation table's size (the core's default
 * nf_conntrack_expect_max is 4 * nf_ct_expect_hsize): at two
 * expectations a call, PPTP may take half of it, one host a quarter of
 * that.
 */
void pptp_alg_budget_defaults(struct pptp_alg_tunables *tun)
{
	int calls = nf_ct_expect_hsize;

	tun->pending_calls_max = max(calls, 16);
	tun->pending_calls_per_host = max(calls / 4, 4);
}

int pptp_alg_budget_init(struct pptp_alg_net *pn)
{
	spin_lock_init(&pn->hosts_lock);
	atomic_set(&pn->pending, 0);
	return rhashtable_init(&pn->hosts, &pptp_alg_host_params);
}

static void pptp_alg_host_free(void *ptr, void *arg)
{
	kfree(ptr);
}

/* Every control connection of the netns is gone when this runs. */
void pptp_alg_budget_exit(struct pptp_alg_net *pn)
{
	rhashtable_free_and_destroy(&pn->hosts, pptp_alg_host_free, NULL);
}

static __be32 pptp_alg_host_of(const struct nf_conn *ct)
{
	return ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.src.u3.ip;
}

/* One more on @v unless it is at @limit (or 0: an entry being removed). */
static int pptp_alg_inc_below(atomic_t *v, int limit, bool zero_dead)
{
	int n = atomic_read(v);

	do {
		if (!n && zero_dead)
			return -EAGAIN;
		if (n >= limit)
			return -EBUSY;
	} while (!atomic_try_cmpxchg(v, &n, n + 1));
	return 0;
}

static int pptp_alg_host_charge(struct pptp_alg_net *pn, __be32 addr,
				int limit)
{
	struct pptp_alg_host *h;
	int err;

	rcu_read_lock();
	h = rhashtable_lookup(&pn->hosts, &addr, pptp_alg_host_params);
	err = h ? pptp_alg_inc_below(&h->pending, limit, true) : -EAGAIN;
	rcu_read_unlock();
	if (err != -EAGAIN)
		return err;

	/* First pending call of this host: insert under the lock. */
	spin_lock_bh(&pn->hosts_lock);
	h = rhashtable_lookup_fast(&pn->hosts, &addr, pptp_alg_host_params);
	if (h) {
		/* Under the lock an entry in the table is never at 0. */
		err = pptp_alg_inc_below(&h->pending, limit, true);
		goto out;
	}
	err = -EBUSY;
	if (limit < 1)
		goto out;
	err = -ENOMEM;
	h = pptp_alg_alloc(pn, sizeof(*h));
	if (!h)
		goto out;
	h->addr = addr;
	atomic_set(&h->pending, 1);
	err = rhashtable_insert_fast(&pn->hosts, &h->node,
				     pptp_alg_host_params);
	if (err) {
		pptp_alg_stat_inc(pn, PPTP_STAT_NOMEM);
		kfree(h);
	}
out:
	spin_unlock_bh(&pn->hosts_lock);
	return err;
}

static void pptp_alg_host_uncharge(struct pptp_alg_net *pn, __be32 addr)
{
	struct pptp_alg_host *h;

	rcu_read_lock();
	h = rhashtable_lookup(&pn->hosts, &addr, pptp_alg_host_params);
	if (WARN_ON_ONCE(!h)) {
		rcu_read_unlock();
		return;
	}
	if (atomic_dec_and_lock(&h->pending, &pn->hosts_lock)) {
		rhashtable_remove_fast(&pn->hosts, &h->node,
				       pptp_alg_host_params);
		spin_unlock(&pn->hosts_lock);
		kfree_rcu(h, rcu);
	}
	rcu_read_unlock();
}

/*
 * Charge @call of @conn before its expectations are created.  0, or
 * -EBUSY when a limit is reached (counted).  conn->lock held.
 */
int pptp_alg_budget_charge(struct pptp_alg_net *pn,
			   struct pptp_alg_conn *conn, struct pptp_call *call)
{
	int err;

	if (conn->pending >= PPTP_ALG_PENDING_PER_CONN) {
		pptp_alg_stat_inc(pn, PPTP_STAT_PENDING_LIMIT_CONN);
		return -EBUSY;
	}
	if (pptp_alg_inc_below(&pn->pending,
			       READ_ONCE(pn->tun.pending_calls_max), false)) {
		pptp_alg_stat_inc(pn, PPTP_STAT_PENDING_LIMIT_NETNS);
		return -EBUSY;
	}
	/* An allocation failure there is counted there. */
	err = pptp_alg_host_charge(pn, pptp_alg_host_of(conn->ct),
				   READ_ONCE(pn->tun.pending_calls_per_host));
	if (err) {
		atomic_dec(&pn->pending);
		if (err == -EBUSY)
			pptp_alg_stat_inc(pn, PPTP_STAT_PENDING_LIMIT_HOST);
		return -EBUSY;
	}
	conn->pending++;
	call->flags |= PPTP_CALLF_CHARGED;
	return 0;
}

/* GRE flowed both ways, or the call ends.  conn->lock held. */
void pptp_alg_budget_uncharge(struct pptp_alg_net *pn,
			      struct pptp_alg_conn *conn,
			      struct pptp_call *call)
{
	if (!(call->flags & PPTP_CALLF_CHARGED))
		return;
	call->flags &= ~PPTP_CALLF_CHARGED;
	conn->pending--;
	atomic_dec(&pn->pending);
	pptp_alg_host_uncharge(pn, pptp_alg_host_of(conn->ct));
}
