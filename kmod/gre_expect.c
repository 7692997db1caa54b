// SPDX-License-Identifier: GPL-2.0-only
/*
 * Enhanced-GRE data of a call: one expectation, then one conntrack entry,
 * per direction.  The GRE tracker puts the receiver's call ID (the only
 * key in a PPTP GRE header) into the tuple's destination key, so each
 * direction is found by the core's hash lookup in O(1), however many calls
 * exist, and a control connection can carry any number of calls.  No
 * keymap is used.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netfilter/nf_conntrack_proto_gre.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_expect.h>
#include <net/netfilter/nf_conntrack_zones.h>
#include <net/netfilter/nf_nat.h>

#include "pptp_alg.h"

/*
 * Key GRE carries towards side @dir's peer, i.e. in packets sent by
 * side @dir: the receiving endpoint's call ID as the sender knows it.
 */
static u16 pptp_alg_gre_key(const struct pptp_call *call, int dir)
{
	return dir == IP_CT_DIR_ORIGINAL ? call->id[PPTP_SIDE_REPLY] :
					   call->nat_id;
}

static void pptp_alg_gre_tuple(struct nf_conntrack_tuple *t,
			       const struct nf_conn *master, int dir, u16 key)
{
	const struct nf_conntrack_tuple *m = &master->tuplehash[dir].tuple;

	memset(t, 0, sizeof(*t));
	t->src.l3num = m->src.l3num;
	t->src.u3 = m->src.u3;
	t->dst.u3 = m->dst.u3;
	t->dst.protonum = IPPROTO_GRE;
	t->dst.dir = IP_CT_DIR_ORIGINAL;
	t->dst.u.gre.key = htons(key);
}

/*
 * The call this GRE entry was expected for has ended meanwhile (its
 * expectation was being used while the call was torn down): the entry
 * must never be confirmed, or it would carry the ended call's NAT
 * binding and draw the GRE of a later call that gets the same
 * translated ID.  A dying entry is dropped by the core at confirm time.
 */
static void pptp_alg_gre_orphan(struct pptp_alg_net *pn, struct nf_conn *ct)
{
	set_bit(IPS_DYING_BIT, &ct->status);
	pptp_alg_stat_inc(pn, PPTP_STAT_GRE_ORPHANS);
}

/* A GRE entry that may still be on its way into the table. */
struct pptp_alg_gre_kill {
	struct rcu_head rcu;
	struct nf_conn *master;		/* referenced */
	struct nf_conntrack_tuple t;
};

static void pptp_alg_gre_kill_rcu(struct rcu_head *head)
{
	struct pptp_alg_gre_kill *k = container_of(head,
						   struct pptp_alg_gre_kill,
						   rcu);
	struct nf_conntrack_tuple_hash *h;

	h = nf_conntrack_find_get(nf_ct_net(k->master), nf_ct_zone(k->master),
				  &k->t);
	if (h) {
		struct nf_conn *gre = nf_ct_tuplehash_to_ctrack(h);

		if (gre->master == k->master && nf_ct_delete(gre, 0, 0))
			pptp_alg_stat_inc(pptp_alg_pernet(nf_ct_net(gre)),
					  PPTP_STAT_GRE_ORPHANS);
		nf_ct_put(gre);
	}
	nf_ct_put(k->master);
	kfree(k);
}

/*
 * The first packet of a direction was seen (the expectation callback
 * ran) but no entry is in the table: it may be between the callback and
 * its confirmation on another CPU.  Both happen inside one RCU read-side
 * section, so after a grace period the entry is in the table or gone.
 */
static void pptp_alg_gre_kill_later(struct pptp_alg_net *pn,
				    struct nf_conn *master,
				    const struct nf_conntrack_tuple *t)
{
	struct pptp_alg_gre_kill *k = pptp_alg_alloc(pn, sizeof(*k));

	if (!k)
		return;
	nf_conntrack_get(&master->ct_general);
	k->master = master;
	k->t = *t;
	call_rcu(&k->rcu, pptp_alg_gre_kill_rcu);
}

/*
 * Runs for the first GRE packet of a call direction, on the new,
 * unconfirmed entry: NAT it the way the control connection is NATed,
 * and give it this module's idle timeout.
 */
static void pptp_alg_gre_expectfn(struct nf_conn *ct,
				  struct nf_conntrack_expect *exp)
{
	struct nf_conn *master = ct->master;
	struct pptp_alg_net *pn = pptp_alg_pernet(nf_ct_net(ct));
	int dir = exp->dir, other = !dir;
	u16 key = ntohs(exp->tuple.dst.u.gre.key);
	struct nf_conntrack_tuple t;
	struct nf_conntrack_tuple_hash *h;
	struct pptp_call *call = NULL;
	struct pptp_alg_conn *conn;
	bool stream = false;
	int i;

	pptp_alg_stat_inc(pn, PPTP_STAT_GRE_ENTRIES);

	if (master->status & IPS_NAT_MASK) {
		const struct nf_conntrack_tuple *o = &master->tuplehash[other].tuple;
		struct nf_nat_range2 range = {};

		/* Source: where the peer expects this side's GRE from. */
		range.flags = NF_NAT_RANGE_MAP_IPS;
		range.min_addr = o->dst.u3;
		range.max_addr = o->dst.u3;
		if (nf_nat_setup_info(ct, &range, NF_NAT_MANIP_SRC) != NF_ACCEPT)
			pptp_alg_stat_inc(pn, PPTP_STAT_NAT_SETUP_FAILED);

		/* Destination: the real endpoint and, if translated, its ID. */
		memset(&range, 0, sizeof(range));
		range.flags = NF_NAT_RANGE_MAP_IPS;
		range.min_addr = o->src.u3;
		range.max_addr = o->src.u3;
		if (exp->saved_proto.gre.key != exp->tuple.dst.u.gre.key) {
			range.flags |= NF_NAT_RANGE_PROTO_SPECIFIED;
			range.min_proto = exp->saved_proto;
			range.max_proto = exp->saved_proto;
		}
		if (nf_nat_setup_info(ct, &range, NF_NAT_MANIP_DST) != NF_ACCEPT)
			pptp_alg_stat_inc(pn, PPTP_STAT_NAT_SETUP_FAILED);
	}

	conn = pptp_alg_conn_of(master);
	if (!conn) {
		pptp_alg_gre_orphan(pn, ct);
		return;
	}

	spin_lock_bh(&conn->lock);
	/* The key names the receiving endpoint: REPLY's ID, or the nat_id. */
	i = conn->dead ? -1 :
	    pptp_calls_find(&conn->pc.sess, dir == IP_CT_DIR_ORIGINAL ?
			    PPTP_KEY_REPLY : PPTP_KEY_NAT_ID, key);
	call = i >= 0 ? &conn->pc.sess.calls[i] : NULL;
	if (!call || !(call->flags & PPTP_CALLF_EXPECTED)) {
		spin_unlock_bh(&conn->lock);
		pptp_alg_gre_orphan(pn, ct);
		return;
	}
	call->flags |= dir == IP_CT_DIR_ORIGINAL ? PPTP_CALLF_GRE_ORIG :
						   PPTP_CALLF_GRE_REPLY;
	stream = (call->flags & PPTP_CALLF_GRE_ORIG) &&
		 (call->flags & PPTP_CALLF_GRE_REPLY);
	if (stream) {
		/* Both expectations are used up: no longer pending. */
		pptp_alg_budget_uncharge(pn, conn, call);
		pptp_alg_gre_tuple(&t, master, other,
				   pptp_alg_gre_key(call, other));
		h = nf_conntrack_find_get(nf_ct_net(master), nf_ct_zone(master),
					  &t);
		if (h) {
			struct nf_conn *peer = nf_ct_tuplehash_to_ctrack(h);

			if (peer->master == master) {
				pptp_alg_gre_timeout_promote(pn, peer);
				set_bit(IPS_ASSURED_BIT, &peer->status);
			}
			nf_ct_put(peer);
		}
		/*
		 * Each direction is its own entry and never sees a reply, so
		 * the core would never assure either: under table pressure
		 * early drop and the GC would pick a live call's GRE first.
		 * Traffic both ways is what assures a two-way entry.
		 */
		set_bit(IPS_ASSURED_BIT, &ct->status);
	}
	spin_unlock_bh(&conn->lock);

	pptp_alg_gre_timeout_attach(pn, ct, stream);
}

/* Called with conn->lock held, when the call reaches ESTABLISHED. */
int pptp_alg_gre_expect(struct pptp_alg_net *pn, struct pptp_alg_conn *conn,
			struct pptp_call *call)
{
	struct nf_conn *ct = conn->ct;
	unsigned int secs = READ_ONCE(pn->tun.expect_timeout);
	int dir, err = 0;

	/* Over budget: the call stands, without GRE (counted). */
	if (pptp_alg_budget_charge(pn, conn, call))
		return -EBUSY;
	pptp_call_set_expect_end(call, pptp_alg_now(), secs);
	for (dir = IP_CT_DIR_ORIGINAL; dir < IP_CT_DIR_MAX; dir++) {
		const struct nf_conntrack_tuple *m = &ct->tuplehash[dir].tuple;
		struct nf_conntrack_expect *exp;
		__be16 key = htons(pptp_alg_gre_key(call, dir));
		int ret;

		exp = pptp_alg_fail() ? NULL : nf_ct_expect_alloc(ct);
		if (!exp) {
			pptp_alg_stat_inc(pn, PPTP_STAT_NOMEM);
			pptp_alg_stat_inc(pn, PPTP_STAT_EXPECT_FAILED);
			err = -ENOMEM;
			continue;
		}
		/* Any source key: only a keymap would ever fill one in. */
		nf_ct_expect_init(exp, NF_CT_EXPECT_CLASS_DEFAULT,
				  nf_ct_l3num(ct), &m->src.u3, &m->dst.u3,
				  IPPROTO_GRE, NULL, &key);
		exp->expectfn = pptp_alg_gre_expectfn;
		exp->dir = dir;
		/* What the NATed receiver really uses (see expectfn). */
		exp->saved_proto.gre.key = dir == IP_CT_DIR_REPLY ?
			htons(call->id[PPTP_SIDE_ORIG]) : key;
		pptp_alg_exp_set_timeout(exp, secs);

		ret = nf_ct_expect_related(exp, 0);
		if (ret) {
			pptp_alg_stat_inc(pn, PPTP_STAT_EXPECT_FAILED);
			err = ret;
		} else {
			pptp_alg_stat_inc(pn, PPTP_STAT_EXPECT_CREATED);
		}
		nf_ct_expect_put(exp);
	}
	call->flags |= PPTP_CALLF_EXPECTED;
	return err;
}

/* Called with conn->lock held: drop the call's expectations and entries. */
void pptp_alg_gre_forget(struct pptp_alg_net *pn, struct pptp_alg_conn *conn,
			 struct pptp_call *call)
{
	struct nf_conn *ct = conn->ct;
	const struct nf_conntrack_zone *zone = nf_ct_zone(ct);
	struct net *net = nf_ct_net(ct);
	int dir;

	pptp_alg_budget_uncharge(pn, conn, call);
	if (!(call->flags & PPTP_CALLF_EXPECTED))
		return;

	for (dir = IP_CT_DIR_ORIGINAL; dir < IP_CT_DIR_MAX; dir++) {
		struct nf_conntrack_tuple_hash *h;
		struct nf_conntrack_expect *exp;
		struct nf_conntrack_tuple t;

		pptp_alg_gre_tuple(&t, ct, dir, pptp_alg_gre_key(call, dir));

		exp = nf_ct_expect_find_get(net, zone, &t);
		if (exp) {
			if (exp->master == ct)
				nf_ct_unexpect_related(exp);
			nf_ct_expect_put(exp);
		}

		h = nf_conntrack_find_get(net, zone, &t);
		if (h) {
			struct nf_conn *gre = nf_ct_tuplehash_to_ctrack(h);

			if (gre->master == ct && nf_ct_delete(gre, 0, 0))
				pptp_alg_stat_inc(pn, PPTP_STAT_GRE_REMOVED);
			nf_ct_put(gre);
		} else if (call->flags & (dir == IP_CT_DIR_ORIGINAL ?
					  PPTP_CALLF_GRE_ORIG :
					  PPTP_CALLF_GRE_REPLY)) {
			pptp_alg_gre_kill_later(pn, ct, &t);
		}
	}
	call->flags &= ~PPTP_CALLF_EXPECTED;
}
