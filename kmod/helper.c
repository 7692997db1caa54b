// SPDX-License-Identifier: GPL-2.0-only
/*
 * The conntrack helper callbacks and the life of a control connection's
 * state.  The state is allocated on the first payload byte (the entry is
 * confirmed by then, so the core is certain to call destroy), hangs off
 * nf_conn_help::data and is freed after an RCU grace period, because
 * destroy can run on one CPU while a packet of the same connection is in
 * help() on another.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/netfilter/nf_conntrack_pptp.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/netfilter/nf_conntrack_ecache.h>

#include "pptp_alg.h"

static struct kmem_cache *pptp_alg_conn_cache __read_mostly;
static struct nf_conntrack_helper pptp_alg_helper __read_mostly;
/* What the entries point at: pptp_alg_helper or the kernel's copy of it. */
static struct nf_conntrack_helper *pptp_alg_helper_live __read_mostly;

/*
 * One class; the core counts pending expectations per class in a u8, so
 * 255 is the most a control connection can have waiting for their first
 * GRE packet.  Lifetimes come from the expect_timeout sysctl (compat.h).
 */
static const struct nf_conntrack_expect_policy pptp_alg_exp_policy = {
	.max_expected	= 255,
	.timeout	= 0,
};

/* Set before per-netns state goes away on unload; help() checks it first. */
static bool pptp_alg_unloading __read_mostly;

static bool pptp_alg_is_our_helper(const struct nf_conntrack_helper *h)
{
	return h == READ_ONCE(pptp_alg_helper_live);
}

static_assert(sizeof(struct pptp_alg_help) <=
	      sizeof_field(struct nf_conn_help, data));
static_assert(offsetof(struct pptp_alg_help, core_keymap) ==
	      offsetof(struct nf_ct_pptp_master, keymap));

static void pptp_alg_conn_release(struct pptp_alg_net *pn,
				  struct pptp_alg_conn *conn);

/*
 * The state of @ct, made now unless another CPU made it first.  @from,
 * when given, is what it starts as (a restored state, whose tables it
 * takes over); *@made says whether that happened.
 */
struct pptp_alg_conn *pptp_alg_conn_create(struct pptp_alg_net *pn,
					   struct nf_conn *ct,
					   const struct pptp_conn *from,
					   bool *made)
{
	struct pptp_alg_help *h = pptp_alg_help_area(ct);
	struct pptp_alg_conn *conn;

	*made = false;

	conn = pptp_alg_fail() ? NULL :
	       kmem_cache_zalloc(pptp_alg_conn_cache, GFP_ATOMIC);
	if (!conn) {
		pptp_alg_stat_inc(pn, PPTP_STAT_NOMEM);
		return NULL;
	}
	spin_lock_init(&conn->lock);
	conn->ct = ct;
	conn->created = pptp_alg_now();
	if (from)
		conn->pc = *from;
	else
		pptp_conn_init(&conn->pc, get_random_u32());

	spin_lock_bh(&pn->conns_lock);
	if (pn->dying || cmpxchg(&h->conn, NULL, conn)) {
		/* Lost the race to the other direction, or netns exit. */
		spin_unlock_bh(&pn->conns_lock);
		kmem_cache_free(pptp_alg_conn_cache, conn);
		return READ_ONCE(h->conn);
	}
	/*
	 * Pin the master: destroy() normally frees this state first, but
	 * ctnetlink can detach the helper without calling it, and then the
	 * entry must not be freed under our list until the netns drains it.
	 */
	nf_conntrack_get(&ct->ct_general);
	list_add_tail_rcu(&conn->node, &pn->conns);
	WRITE_ONCE(pn->nconns, pn->nconns + 1);
	/* Under the lock the drain takes after setting pn->dying. */
	pptp_alg_gc_schedule(pn);
	spin_unlock_bh(&pn->conns_lock);
	pptp_alg_stat_inc(pn, PPTP_STAT_SESSIONS_CREATED);

	/*
	 * nf_ct_delete() marks the entry dying before it calls destroy: if
	 * destroy already ran, this state would never be freed.  Take it
	 * back unless destroy got it first.
	 */
	*made = true;
	if (nf_ct_is_dying(ct) && cmpxchg(&h->conn, conn, NULL) == conn) {
		pptp_alg_conn_release(pn, conn);
		return NULL;
	}
	return conn;
}

static void pptp_alg_conn_free_rcu(struct rcu_head *head)
{
	struct pptp_alg_conn *conn = container_of(head, struct pptp_alg_conn,
						  rcu);

	pptp_alg_conn_free_tables(conn);
	kmem_cache_free(pptp_alg_conn_cache, conn);
}

/* Forget @conn: end its calls, unlink it, free it after a grace period. */
static void pptp_alg_conn_release(struct pptp_alg_net *pn,
				  struct pptp_alg_conn *conn)
{
	struct pptp_alg_after after;

	pptp_alg_after_init(&after);
	spin_lock_bh(&conn->lock);
	if (conn->dead) {
		spin_unlock_bh(&conn->lock);
		return;
	}
	pptp_alg_conn_end_all(pn, conn, &after);
	WRITE_ONCE(conn->dead, true);
	spin_unlock_bh(&conn->lock);
	pptp_alg_after_run(pn, conn->ct, &after);

	spin_lock_bh(&pn->conns_lock);
	list_del_rcu(&conn->node);
	WRITE_ONCE(pn->nconns, pn->nconns - 1);
	spin_unlock_bh(&pn->conns_lock);

	pptp_alg_stat_inc(pn, PPTP_STAT_SESSIONS_DESTROYED);
	nf_ct_put(conn->ct);
	call_rcu(&conn->rcu, pptp_alg_conn_free_rcu);
}

/*
 * A payload segment that cannot be inspected (no state could be made, or
 * the state is going): from behind source NAT its call IDs would leave
 * untranslated, so it is dropped and TCP sends it again.
 */
static unsigned int pptp_alg_uninspected(const struct nf_conn *ct,
					 unsigned int side, bool payload)
{
	return payload && side == PPTP_SIDE_ORIG && (ct->status & IPS_SRC_NAT) ?
	       NF_DROP : NF_ACCEPT;
}

/* The helper's callback for every packet of a control connection. */
static int pptp_alg_ctrl_packet(struct sk_buff *skb, unsigned int protoff,
				struct nf_conn *ct,
				enum ip_conntrack_info ctinfo)
{
	struct pptp_alg_net *pn;
	struct pptp_alg_conn *conn;
	const struct tcphdr *th;
	struct tcphdr _th;
	bool payload, closing, rst, synack, ack;
	unsigned int side, plen;
	unsigned int verdict;
	u32 seq, ack_seq;
	bool made, changed = false;
	struct pptp_alg_after after;

	if (READ_ONCE(pptp_alg_unloading))
		return NF_ACCEPT;
	pn = pptp_alg_pernet(nf_ct_net(ct));
	th = skb_header_pointer(skb, protoff, sizeof(_th), &_th);
	if (!th)
		return NF_ACCEPT;
	plen = skb->len > protoff + th->doff * 4 ?
	       skb->len - (protoff + th->doff * 4) : 0;
	payload = plen > 0;
	/* Copy what is needed later: a NAT rewrite may reallocate the head. */
	closing = th->fin || th->rst;
	rst = th->rst;
	synack = th->syn && th->ack;
	ack = th->ack;
	side = CTINFO2DIR(ctinfo) == IP_CT_DIR_ORIGINAL ? PPTP_SIDE_ORIG :
							  PPTP_SIDE_REPLY;
	seq = ntohl(th->seq);
	ack_seq = ntohl(th->ack_seq);
	/*
	 * Data on a SYN (fast open), or on the first segment of a stream
	 * conntrack picks up mid-way (its entry was deleted, flushed or
	 * expired): never inspected, since no state could be freed for an
	 * entry that does not make it into the table.  From behind source
	 * NAT it goes no further than an inspected segment without state.
	 * A picked-up entry is confirmed by a segment without payload, and
	 * its state then starts at the next payload, the session unknown.
	 */
	if (payload && (th->syn || !nf_ct_is_confirmed(ct))) {
		pptp_alg_stat_inc(pn, PPTP_STAT_UNCONFIRMED_DATA);
		return pptp_alg_uninspected(ct, side, payload);
	}
	th = NULL;

	conn = pptp_alg_conn_of(ct);
	if (!conn) {
		/*
		 * State starts at the SYN-ACK, which carries both initial
		 * sequence numbers; from then on no segment, however late or
		 * early it arrives, is mistaken for a message start.
		 */
		if ((!payload && !synack) ||
		    READ_ONCE(pn->dying))
			return NF_ACCEPT;
		pptp_alg_restore_now(pn, ct);
		conn = pptp_alg_conn_create(pn, ct, NULL, &made);
		if (!conn)
			return pptp_alg_uninspected(ct, side, payload);
	}

	pptp_alg_after_init(&after);
	spin_lock_bh(&conn->lock);
	if (conn->dead) {
		spin_unlock_bh(&conn->lock);
		return pptp_alg_uninspected(ct, side, payload);
	}
	if (synack) {
		pptp_conn_sync(&conn->pc, side, seq + 1);
		pptp_conn_sync(&conn->pc, !side, ack_seq);
	}
	/* Rewrites the other side has acknowledged need no repeating. */
	if (ack)
		pptp_conn_ack(&conn->pc, side, ack_seq);
	verdict = payload ? pptp_alg_segment(pn, conn, skb, protoff, ct,
					     ctinfo, &after, &changed) :
			    NF_ACCEPT;
	/* The control connection is closing: its calls go with it. */
	if (verdict == NF_ACCEPT && closing) {
		changed |= conn->pc.sess.ncalls > 0;
		verdict = pptp_alg_conn_close(pn, conn, side, seq + plen, rst,
					      &after);
		conn->closed = verdict == NF_ACCEPT;
	}
	spin_unlock_bh(&conn->lock);
	pptp_alg_after_run(pn, ct, &after);
	/* ctnetlink listeners (conntrackd) learn the new state blob. */
	if (changed)
		nf_conntrack_event_cache(IPCT_HELPER, ct);
	return verdict;
}

/*
 * The entry leaves the table (the core calls this from nf_ct_delete()).
 * It may outlive the module: a GRE entry held by a queued packet holds
 * it, and the core reads the helper of a GRE entry's master when that
 * entry is freed, as ctnetlink does for an entry parked on its dying
 * list.  So the entry stops pointing at this module's helper here, and
 * no entry out of the table ever does.
 */
static void pptp_alg_destroy(struct nf_conn *ct)
{
	struct pptp_alg_help *h = pptp_alg_help_area(ct);
	struct pptp_alg_conn *conn;

	if (!h)
		return;
	conn = xchg(&h->conn, NULL);
	if (conn)
		pptp_alg_conn_release(pptp_alg_pernet(nf_ct_net(ct)), conn);
	pptp_alg_helper_unset(ct, READ_ONCE(pptp_alg_helper_live));
}

/*
 * Claim @conn for a release that destroy() will not do (its helper was
 * detached, or the netns goes): false if destroy() has it.  conn->lock
 * held and conn->dead false, so the entry is still pinned: its
 * extensions are freed with it.
 */
static bool pptp_alg_conn_take(struct pptp_alg_conn *conn)
{
	struct pptp_alg_help *h = pptp_alg_help_area(conn->ct);

	return h && cmpxchg(&h->conn, conn, NULL) == conn;
}

/* Has ctnetlink taken our helper away from @conn's entry? */
static bool pptp_alg_conn_detached(const struct pptp_alg_conn *conn)
{
	const struct nf_conn_help *help = nfct_help(conn->ct);
	const struct nf_conntrack_helper *helper;

	helper = help ? rcu_dereference(help->helper) : NULL;
	return !helper || !pptp_alg_is_our_helper(helper);
}

/*
 * Calls whose expectations have expired unused stop counting against the
 * budget of calls waiting for GRE: a peer that answers calls and never
 * sends GRE or clears them must not hold the budget forever.
 */
static void pptp_alg_conn_reclaim(struct pptp_alg_net *pn,
				  struct pptp_alg_conn *conn, u32 now)
{
	unsigned int i;

	for (i = 0; conn->pending && i < conn->pc.sess.ncalls; i++) {
		struct pptp_call *call = &conn->pc.sess.calls[i];

		if ((call->flags & PPTP_CALLF_CHARGED) &&
		    pptp_call_expect_over(call, now))
			pptp_alg_budget_uncharge(pn, conn, call);
	}
}

/* GRE entries that lost a clash on their way into the table. */
static struct nf_conn *pptp_alg_conn_repair(struct pptp_alg_net *pn,
					    struct pptp_alg_conn *conn,
					    struct pptp_alg_after *after)
{
	struct nf_conn *lost = NULL;
	unsigned int i;

	for (i = 0; !lost && i < conn->pc.sess.ncalls; i++)
		pptp_alg_gre_repair(pn, conn, &conn->pc.sess.calls[i], after,
				    &lost);
	return lost;
}

/*
 * A connection whose helper was detached gets no destroy() call: release
 * its state, translated IDs and GRE entries here instead of holding them
 * until the netns goes.  Runs while the netns has connections.
 */
static void pptp_alg_gc(struct work_struct *work)
{
	struct pptp_alg_net *pn = container_of(to_delayed_work(work),
					       struct pptp_alg_net, gc);
	struct pptp_alg_after after;
	struct pptp_alg_conn *conn;
	u32 now = pptp_alg_now();
	struct nf_conn *lost;
	bool take;

	rcu_read_lock();
	list_for_each_entry_rcu(conn, &pn->conns, node) {
		lost = NULL;
		pptp_alg_after_init(&after);
		spin_lock_bh(&conn->lock);
		take = !conn->dead && pptp_alg_conn_detached(conn) &&
		       pptp_alg_conn_take(conn);
		if (!conn->dead && !take) {
			pptp_alg_conn_reclaim(pn, conn, now);
			lost = pptp_alg_conn_repair(pn, conn, &after);
			/* The master outlives this pass even if @conn goes. */
			if (lost)
				nf_conntrack_get(&conn->ct->ct_general);
		}
		spin_unlock_bh(&conn->lock);
		if (lost) {
			pptp_alg_after_run(pn, conn->ct, &after);
			nf_ct_put(lost);
			nf_ct_put(conn->ct);
		}
		if (take) {
			pptp_alg_stat_inc(pn, PPTP_STAT_SESSIONS_DETACHED);
			pptp_alg_conn_release(pn, conn);
		}
	}
	rcu_read_unlock();
	pptp_alg_gc_schedule(pn);
}

void pptp_alg_gc_init(struct pptp_alg_net *pn)
{
	INIT_DELAYED_WORK(&pn->gc, pptp_alg_gc);
}

/* Called with pn->conns_lock held or from the work itself. */
void pptp_alg_gc_schedule(struct pptp_alg_net *pn)
{
	if (!READ_ONCE(pn->dying) && READ_ONCE(pn->nconns))
		queue_delayed_work(system_power_efficient_wq, &pn->gc,
				   PPTP_ALG_GC_INTERVAL);
}

/* Does @ct use this module's helper? */
bool pptp_alg_is_ours(const struct nf_conn *ct)
{
	const struct nf_conn_help *help = nfct_help(ct);
	struct nf_conntrack_helper *helper;
	bool ours;

	if (!help)
		return false;
	rcu_read_lock();
	helper = rcu_dereference(help->helper);
	ours = helper && pptp_alg_is_our_helper(helper);
	rcu_read_unlock();
	return ours;
}

static int pptp_alg_kill_ours(struct nf_conn *ct, void *data)
{
	return pptp_alg_is_ours(ct->master ? ct->master : ct);
}

/*
 * Netns exit or module unload: delete every control connection using this
 * helper and every GRE entry they spawned, then wait for destroy to have
 * released their state.  No new state is created once pn->dying is set.
 */
void pptp_alg_net_drain(struct pptp_alg_net *pn)
{
	struct nf_ct_iter_data iter = { .net = pn->net };
	struct pptp_alg_conn *conn;
	unsigned int waits = 0;
	bool take;

	WRITE_ONCE(pn->dying, true);
	/* No connection created from here on schedules the sweep again. */
	spin_lock_bh(&pn->conns_lock);
	spin_unlock_bh(&pn->conns_lock);
	cancel_delayed_work_sync(&pn->gc);
	pptp_alg_ha_exit(pn);
	synchronize_rcu();
	nf_ct_iterate_cleanup_net(pptp_alg_kill_ours, &iter);
	/* An expectation callback may have been running on another CPU. */
	synchronize_rcu();

	/*
	 * Left: connections whose helper ctnetlink detached (destroy never
	 * comes for them), and ones whose destroy is running right now.
	 */
	for (;;) {
		rcu_read_lock();
		spin_lock_bh(&pn->conns_lock);
		conn = list_first_entry_or_null(&pn->conns,
						struct pptp_alg_conn, node);
		spin_unlock_bh(&pn->conns_lock);
		if (!conn) {
			rcu_read_unlock();
			break;
		}
		spin_lock_bh(&conn->lock);
		take = !conn->dead && pptp_alg_conn_take(conn);
		spin_unlock_bh(&conn->lock);
		if (take) {
			pptp_alg_conn_release(pn, conn);
			rcu_read_unlock();
			continue;
		}
		rcu_read_unlock();
		/* destroy() owns it and unlinks it in a moment. */
		WARN_ON_ONCE(++waits == 10000);
		usleep_range(500, 1000);
	}
	rcu_barrier();
}

int pptp_alg_helper_register(void)
{
	/*
	 * The port only matters, where the kernel still has one, to its
	 * by-port autoassignment (off by default since 4.7).
	 */
	pptp_alg_helper_init(&pptp_alg_helper, PPTP_ALG_NAME, PPTP_WIRE_PORT,
			     &pptp_alg_exp_policy, pptp_alg_ctrl_packet);
	pptp_alg_helper.destroy = pptp_alg_destroy;
	pptp_alg_helper.to_nlattr = pptp_alg_to_nlattr;
	pptp_alg_helper.from_nlattr = pptp_alg_from_nlattr;
	return pptp_alg_helper_add(&pptp_alg_helper, &pptp_alg_helper_live);
}

/*
 * Module unload, before per-netns exit deletes our entries while the
 * helper still owns them (so destroy() releases their state): help()
 * must no longer touch per-netns memory from then on.
 */
void pptp_alg_helper_quiesce(void)
{
	WRITE_ONCE(pptp_alg_unloading, true);
	synchronize_rcu();
}

void pptp_alg_helper_unregister(void)
{
	pptp_alg_helper_del(pptp_alg_helper_live);
}

int pptp_alg_conn_cache_init(void)
{
	pptp_alg_conn_cache = KMEM_CACHE(pptp_alg_conn, 0);
	return pptp_alg_conn_cache ? 0 : -ENOMEM;
}

void pptp_alg_conn_cache_exit(void)
{
	kmem_cache_destroy(pptp_alg_conn_cache);
}
