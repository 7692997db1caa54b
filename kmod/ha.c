// SPDX-License-Identifier: GPL-2.0-only
/*
 * A control connection's state through ctnetlink, for a backup router
 * (conntrackd) to continue its calls.
 *
 * Export: to_nlattr() writes the state blob (core/blob.c) as
 * CTA_HELP_INFO, and help() caches an IPCT_HELPER event whenever a
 * message may have changed it.
 *
 * Import: ctnetlink calls from_nlattr() when it creates an entry (before
 * the entry has its NAT, its place in the table or a reference anyone
 * could hold; if the insert fails it is freed without destroy()), and
 * when it updates one.  So from_nlattr() only checks the blob and keeps
 * it aside, marked with a cookie that it also writes into the entry's
 * helper area; a work item later finds the entry by its tuple, and if it
 * is in the table with that cookie and still has no state of its own,
 * makes its state from the blob: translated IDs reserved again and both
 * GRE expectations of every connected call.  A GRE entry another router
 * made does not stop a call: its first packet may pass through it, the
 * next ones create their own from the expectation.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_zones.h>
#include <net/netlink.h>

#include "pptp_alg.h"
#include "pptp_alg/blob.h"

/* Most states waiting for their entry in a namespace. */
#define PPTP_ALG_RESTORES_MAX	4096
/* How long a state waits for its entry to appear in the table. */
#define PPTP_ALG_RESTORE_WAIT	(2 * HZ)

/* The largest blob exported: 64 KiB of netlink attribute. */
#define PPTP_ALG_BLOB_MAX	(U16_MAX - NLA_HDRLEN)

struct pptp_alg_restore {
	struct list_head node;		/* pptp_alg_net.restores */
	struct nf_conntrack_tuple tuple; /* the entry's ORIGINAL tuple */
	struct nf_conntrack_zone zone;
	u64 cookie;			/* also in the entry's helper area */
	unsigned long since;		/* jiffies */
	struct pptp_conn pc;		/* the state, decoded */
};

int pptp_alg_to_nlattr(struct sk_buff *skb, const struct nf_conn *ct)
{
	struct pptp_alg_conn *conn = pptp_alg_conn_of(ct);
	struct pptp_alg_net *pn;
	struct nlattr *nla;
	unsigned int len;
	int err = 0;

	if (!conn)
		return 0;
	pn = pptp_alg_pernet(nf_ct_net(ct));
	spin_lock_bh(&conn->lock);
	if (conn->dead)
		goto out;
	len = pptp_blob_len(&conn->pc);
	err = -EMSGSIZE;
	if (len > PPTP_ALG_BLOB_MAX) {
		pptp_alg_stat_inc(pn, PPTP_STAT_STATE_TOO_BIG);
		goto out;
	}
	/* No room in this message (an event's is small): left out. */
	nla = nla_reserve(skb, CTA_HELP_INFO, len);
	if (!nla)
		goto out;
	pptp_blob_encode(&conn->pc, nla_data(nla), len);
	err = 0;
out:
	spin_unlock_bh(&conn->lock);
	return err;
}

static void pptp_alg_restore_free(struct pptp_alg_restore *r)
{
	pptp_conn_free(&r->pc, pptp_alg_calls_mem());
	kfree(r);
}

/*
 * Called by ctnetlink, on a new entry or with nf_conntrack_expect_lock
 * held on an existing one: no lock of ours is taken here but the list's.
 */
int pptp_alg_from_nlattr(struct nlattr *attr, struct nf_conn *ct)
{
	struct pptp_alg_help *h = pptp_alg_help_area(ct);
	struct pptp_alg_net *pn = pptp_alg_pernet(nf_ct_net(ct));
	struct pptp_alg_restore *r;
	enum pptp_blob_err err;

	if (!attr || !h || READ_ONCE(pn->dying))
		return 0;
	/* A connection that has a state of its own keeps it. */
	if (READ_ONCE(h->conn)) {
		pptp_alg_stat_inc(pn, PPTP_STAT_STATE_IGNORED);
		return -EBUSY;
	}
	r = pptp_alg_alloc(pn, sizeof(*r));
	if (!r)
		return -ENOMEM;
	pptp_conn_init(&r->pc, get_random_u32());
	err = pptp_blob_decode(&r->pc, nla_data(attr), nla_len(attr),
			       READ_ONCE(pn->tun.max_calls),
			       pptp_alg_calls_mem());
	if (err) {
		if (err == PPTP_BLOB_NOMEM)
			pptp_alg_stat_inc(pn, PPTP_STAT_NOMEM);
		pptp_alg_stat_inc(pn, PPTP_STAT_STATE_REFUSED);
		pptp_alg_log(pn, "state from ctnetlink refused: %s\n",
			     pptp_blob_err_name(err));
		kfree(r);
		return -EINVAL;
	}
	r->tuple = ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	r->zone = *nf_ct_zone(ct);
	r->since = jiffies;

	spin_lock_bh(&pn->restores_lock);
	if (pn->nrestores >= PPTP_ALG_RESTORES_MAX || READ_ONCE(pn->dying)) {
		spin_unlock_bh(&pn->restores_lock);
		pptp_alg_stat_inc(pn, PPTP_STAT_STATE_DROPPED);
		pptp_alg_restore_free(r);
		return -ENOSPC;
	}
	r->cookie = atomic64_inc_return(&pn->restore_cookie);
	WRITE_ONCE(h->restore, r->cookie);
	list_add_tail(&r->node, &pn->restores);
	pn->nrestores++;
	mod_delayed_work(system_wq, &pn->restore_work, 0);
	spin_unlock_bh(&pn->restores_lock);
	return 0;
}

/*
 * Make @ct's state from @r, which is off the list now.  No lock held:
 * @ct is in the table, and referenced or in its own packet's path.
 */
static void pptp_alg_restore_one(struct pptp_alg_net *pn, struct nf_conn *ct,
				 struct pptp_alg_restore *r)
{
	bool nat = ct->status & IPS_SRC_NAT;
	u32 now = pptp_alg_now();
	struct pptp_alg_conn *conn;
	struct pptp_alg_after after;
	bool made;
	int i;

	pptp_alg_after_init(&after);
	conn = pptp_alg_conn_create(pn, ct, &r->pc, &made);
	if (!made) {
		/* A packet made a state first (it stands), or no memory. */
		pptp_alg_stat_inc(pn, conn ? PPTP_STAT_STATE_IGNORED :
					     PPTP_STAT_STATE_DROPPED);
		pptp_conn_free(&r->pc, pptp_alg_calls_mem());
		return;
	}
	if (!conn)
		return;
	spin_lock_bh(&conn->lock);
	for (i = conn->pc.sess.ncalls - 1; !conn->dead && i >= 0; i--) {
		struct pptp_call *call = &conn->pc.sess.calls[i];

		/*
		 * GRE is expected again, and seen again.  The blob carries
		 * no ages (the routers' clocks differ): a call starts here
		 * now, and its expectations count from then.
		 */
		call->flags &= ~(PPTP_CALLF_GRE_ORIG | PPTP_CALLF_GRE_REPLY);
		call->start = now;
		if (nat && (call->flags & PPTP_CALLF_NAT_ID)) {
			if (pptp_alg_nat_id_claim(pn, ct, call->nat_id)) {
				/* Another connection has it now. */
				pptp_alg_stat_inc(pn, PPTP_STAT_STATE_CALLS_LOST);
				pptp_alg_conn_end_call(pn, conn, i, &after);
				continue;
			}
			call->flags |= PPTP_CALLF_NAT_ID_OWNED;
		}
		if (call->state == PPTP_CALL_ESTABLISHED)
			pptp_alg_gre_expect(pn, conn, call, &after);
	}
	spin_unlock_bh(&conn->lock);
	pptp_alg_after_run(pn, ct, &after);
	pptp_alg_stat_inc(pn, PPTP_STAT_STATE_RESTORED);
}

/*
 * help() of a connection that has no state yet: if a state from
 * ctnetlink waits for it, it is made now, before this packet is looked
 * at, rather than a state that knows nothing of its calls.
 */
void pptp_alg_restore_now(struct pptp_alg_net *pn, struct nf_conn *ct)
{
	struct pptp_alg_help *h = pptp_alg_help_area(ct);
	struct pptp_alg_restore *r, *found = NULL;
	u64 cookie = h ? READ_ONCE(h->restore) : 0;

	if (!cookie)
		return;
	spin_lock_bh(&pn->restores_lock);
	list_for_each_entry(r, &pn->restores, node) {
		if (r->cookie == cookie) {
			list_del(&r->node);
			pn->nrestores--;
			found = r;
			break;
		}
	}
	spin_unlock_bh(&pn->restores_lock);
	if (!found)
		return;
	pptp_alg_restore_one(pn, ct, found);
	kfree(found);
}

static void pptp_alg_restore_work(struct work_struct *work)
{
	struct pptp_alg_net *pn = container_of(to_delayed_work(work),
					       struct pptp_alg_net,
					       restore_work);
	struct pptp_alg_restore *r, *next;
	LIST_HEAD(batch);
	LIST_HEAD(later);

	spin_lock_bh(&pn->restores_lock);
	list_splice_init(&pn->restores, &batch);
	spin_unlock_bh(&pn->restores_lock);

	list_for_each_entry_safe(r, next, &batch, node) {
		struct nf_conntrack_tuple_hash *th;
		struct pptp_alg_help *h;
		struct nf_conn *ct;

		th = nf_conntrack_find_get(pn->net, &r->zone, &r->tuple);
		ct = th ? nf_ct_tuplehash_to_ctrack(th) : NULL;
		h = ct && pptp_alg_is_ours(ct) ? pptp_alg_help_area(ct) : NULL;
		if (h && READ_ONCE(h->restore) == r->cookie) {
			list_del(&r->node);
			/* As on the packet path: expectations read the helper. */
			rcu_read_lock();
			pptp_alg_restore_one(pn, ct, r);
			rcu_read_unlock();
			kfree(r);
		} else if (!ct && time_before(jiffies, r->since +
					      PPTP_ALG_RESTORE_WAIT)) {
			/* ctnetlink has not inserted it yet. */
			list_move_tail(&r->node, &later);
		} else {
			/* Never inserted, replaced, or another entry now. */
			list_del(&r->node);
			pptp_alg_stat_inc(pn, PPTP_STAT_STATE_DROPPED);
			pptp_alg_restore_free(r);
		}
		if (ct)
			nf_ct_put(ct);
		cond_resched();
	}

	spin_lock_bh(&pn->restores_lock);
	list_splice(&later, &pn->restores);
	pn->nrestores = 0;
	list_for_each_entry(r, &pn->restores, node)
		pn->nrestores++;
	if (pn->nrestores && !READ_ONCE(pn->dying))
		mod_delayed_work(system_wq, &pn->restore_work, HZ / 10);
	spin_unlock_bh(&pn->restores_lock);
}

void pptp_alg_ha_init(struct pptp_alg_net *pn)
{
	spin_lock_init(&pn->restores_lock);
	INIT_LIST_HEAD(&pn->restores);
	pn->nrestores = 0;
	atomic64_set(&pn->restore_cookie, 0);
	INIT_DELAYED_WORK(&pn->restore_work, pptp_alg_restore_work);
}

/* Netns exit or unload, pn->dying set: nothing is queued any more. */
void pptp_alg_ha_exit(struct pptp_alg_net *pn)
{
	struct pptp_alg_restore *r, *next;

	cancel_delayed_work_sync(&pn->restore_work);
	spin_lock_bh(&pn->restores_lock);
	list_for_each_entry_safe(r, next, &pn->restores, node) {
		list_del(&r->node);
		pptp_alg_restore_free(r);
	}
	pn->nrestores = 0;
	spin_unlock_bh(&pn->restores_lock);
}
