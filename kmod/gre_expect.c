// SPDX-License-Identifier: GPL-2.0-only
/*
 * Enhanced-GRE data of a call: one expectation, then one conntrack entry,
 * per direction.  The GRE tracker puts the receiver's call ID (the only
 * key in a PPTP GRE header) into the tuple's destination key, so each
 * direction is found by the core's hash lookup in O(1), however many calls
 * exist, and a control connection can carry any number of calls.  No
 * keymap is used.
 *
 * A call holds a reference on the entry of each direction from the
 * expectation callback on, so nothing here ever looks an entry up: a
 * lookup garbage-collects expired entries of its bucket, and the destroy()
 * of an expired control connection takes that connection's lock.  Entries
 * of ended calls are handed back on a list and deleted by whoever ended
 * the calls once it has dropped the connection's lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netfilter/nf_conntrack_proto_gre.h>
#include <linux/slab.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/netfilter/nf_conntrack_expect.h>
#include <net/netfilter/nf_conntrack_zones.h>
#include <net/netfilter/nf_nat.h>

#include "pptp_alg.h"

/*
 * A call's GRE entry of one direction; pptp_call.gre[dir] points here
 * from the expectations' creation on, so that binding the entry needs no
 * allocation.
 */
struct pptp_alg_gre {
	union {
		struct list_head node;	/* on a retired list */
		struct rcu_head rcu;	/* deletion after a grace period */
	};
	struct nf_conn *ct;		/* referenced; NULL until bound */
	unsigned long bound;		/* jiffies when ct was bound */
};

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

/* What the receiving endpoint of direction @dir really uses as its key. */
static __be16 pptp_alg_gre_bound_key(const struct pptp_call *call, int dir)
{
	return htons(dir == IP_CT_DIR_REPLY ? call->id[PPTP_SIDE_ORIG] :
					      pptp_alg_gre_key(call, dir));
}

/*
 * The new entry must never be confirmed: it would carry a binding no
 * live call owns and draw the GRE of a later call given the same key.
 * A dying entry is dropped by the core at confirm time.
 */
static void pptp_alg_gre_orphan(struct pptp_alg_net *pn, struct nf_conn *ct)
{
	set_bit(IPS_DYING_BIT, &ct->status);
	pptp_alg_stat_inc(pn, PPTP_STAT_GRE_ORPHANS);
}

/*
 * Runs for the first GRE packet of a call direction, on the new,
 * unconfirmed entry: NAT it the way the control connection is NATed,
 * bind it to its call and give it this module's idle timeout.  Once
 * both directions have their entry, both are assured.
 */
static void pptp_alg_gre_expectfn(struct nf_conn *ct,
				  struct nf_conntrack_expect *exp)
{
	struct nf_conn *master = ct->master;
	struct pptp_alg_net *pn = pptp_alg_pernet(nf_ct_net(ct));
	int dir = exp->dir, other = !dir;
	u16 key = ntohs(exp->tuple.dst.u.gre.key);
	struct pptp_alg_gre *gre;
	struct nf_conn *peer = NULL;
	struct pptp_call *call = NULL;
	struct pptp_alg_conn *conn;
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
	/*
	 * A callback that stalled past the end of its call may find a
	 * later call with the same key: it binds that call only if the
	 * entry leads where the call's own expectation would have.
	 */
	gre = call && (call->flags & PPTP_CALLF_EXPECTED) ? call->gre[dir] : NULL;
	if (!gre || gre->ct ||
	    exp->saved_proto.gre.key != pptp_alg_gre_bound_key(call, dir)) {
		spin_unlock_bh(&conn->lock);
		pptp_alg_gre_orphan(pn, ct);
		return;
	}
	nf_conntrack_get(&ct->ct_general);
	gre->ct = ct;
	gre->bound = jiffies;
	call->flags |= dir == IP_CT_DIR_ORIGINAL ? PPTP_CALLF_GRE_ORIG :
						   PPTP_CALLF_GRE_REPLY;
	peer = ((struct pptp_alg_gre *)call->gre[other])->ct;
	if (peer) {
		/* Both expectations are used up: no longer pending. */
		pptp_alg_budget_uncharge(pn, conn, call);
		nf_conntrack_get(&peer->ct_general);
	}
	spin_unlock_bh(&conn->lock);

	pptp_alg_gre_timeout_attach(pn, ct, !!peer);
	if (peer) {
		/*
		 * Each direction is its own entry and never sees a reply, so
		 * the core would never assure either: under table pressure
		 * early drop and the GC would pick a live call's GRE first.
		 * Traffic both ways is what assures a two-way entry.  The
		 * partner may still be on its way to the table on another
		 * CPU; the bit and the promotion hold either way.
		 */
		set_bit(IPS_ASSURED_BIT, &ct->status);
		set_bit(IPS_ASSURED_BIT, &peer->status);
		pptp_alg_gre_timeout_promote(pn, peer);
		nf_ct_put(peer);
	}
}

/*
 * Fill in and insert the expectation of @call's direction @dir.  The
 * expectation table's lock is never held while the core runs an
 * expectation callback, and inserting or removing an expectation
 * deletes no conntrack entry: both are safe under conn->lock.
 */
static int pptp_alg_gre_exp_add(struct nf_conntrack_expect *exp,
				struct nf_conn *ct, const struct pptp_call *call,
				int dir, unsigned int secs)
{
	const struct nf_conntrack_tuple *m = &ct->tuplehash[dir].tuple;
	__be16 key = htons(pptp_alg_gre_key(call, dir));

	/* Any source key: only a keymap would ever fill one in. */
	nf_ct_expect_init(exp, NF_CT_EXPECT_CLASS_DEFAULT, nf_ct_l3num(ct),
			  &m->src.u3, &m->dst.u3, IPPROTO_GRE, NULL, &key);
	exp->expectfn = pptp_alg_gre_expectfn;
	exp->dir = dir;
	/* What the NATed receiver really uses (see expectfn). */
	exp->saved_proto.gre.key = pptp_alg_gre_bound_key(call, dir);
	pptp_alg_exp_set_timeout(exp, secs);
	return nf_ct_expect_related(exp, 0);
}

/*
 * Called with conn->lock held, when the call reaches ESTABLISHED.  Both
 * directions are expected, or neither: a call left with one would pass
 * GRE one way only.  Without them the call stands, without GRE; every
 * failure is counted.
 */
int pptp_alg_gre_expect(struct pptp_alg_net *pn, struct pptp_alg_conn *conn,
			struct pptp_call *call, struct pptp_alg_after *after)
{
	struct nf_conntrack_expect *exp[IP_CT_DIR_MAX] = {};
	struct pptp_alg_gre *gre[IP_CT_DIR_MAX] = {};
	struct nf_conn *ct = conn->ct;
	unsigned int secs = READ_ONCE(pn->tun.expect_timeout);
	int dir, err = 0;

	if (pptp_alg_budget_charge(pn, conn, call))
		return -EBUSY;
	for (dir = IP_CT_DIR_ORIGINAL; dir < IP_CT_DIR_MAX; dir++) {
		gre[dir] = pptp_alg_alloc(pn, sizeof(*gre[dir]));
		exp[dir] = pptp_alg_fail() ? NULL : nf_ct_expect_alloc(ct);
		if (!exp[dir]) {
			pptp_alg_stat_inc(pn, PPTP_STAT_NOMEM);
			pptp_alg_stat_inc(pn, PPTP_STAT_EXPECT_FAILED);
		}
		if (!gre[dir] || !exp[dir])
			err = -ENOMEM;
	}
	for (dir = IP_CT_DIR_ORIGINAL; !err && dir < IP_CT_DIR_MAX; dir++) {
		err = pptp_alg_gre_exp_add(exp[dir], ct, call, dir, secs);
		if (err) {
			pptp_alg_stat_inc(pn, PPTP_STAT_EXPECT_FAILED);
			/* Its first packet finds no call expecting it. */
			if (dir == IP_CT_DIR_REPLY)
				nf_ct_unexpect_related(exp[IP_CT_DIR_ORIGINAL]);
		}
	}
	for (dir = IP_CT_DIR_ORIGINAL; dir < IP_CT_DIR_MAX; dir++)
		if (exp[dir])
			nf_ct_expect_put(exp[dir]);
	if (err) {
		kfree(gre[IP_CT_DIR_ORIGINAL]);
		kfree(gre[IP_CT_DIR_REPLY]);
		pptp_alg_budget_uncharge(pn, conn, call);
		return err;
	}
	pptp_alg_stat_add(pn, PPTP_STAT_EXPECT_CREATED, IP_CT_DIR_MAX);
	pptp_call_set_expect_end(call, pptp_alg_now(), secs);
	for (dir = IP_CT_DIR_ORIGINAL; dir < IP_CT_DIR_MAX; dir++) {
		gre[dir]->ct = NULL;
		call->gre[dir] = gre[dir];
		if (after->nnew < PPTP_ALG_AFTER_NEW) {
			after->new_dir[after->nnew] = dir;
			after->new_key[after->nnew++] = pptp_alg_gre_key(call, dir);
		}
	}
	call->flags |= PPTP_CALLF_EXPECTED;
	return 0;
}

/*
 * Called with conn->lock held: drop the call's expectations, and move
 * its GRE entries to @after for pptp_alg_after_run() once the lock is
 * dropped.
 */
void pptp_alg_gre_forget(struct pptp_alg_net *pn, struct pptp_alg_conn *conn,
			 struct pptp_call *call, struct pptp_alg_after *after)
{
	struct nf_conn *ct = conn->ct;
	const struct nf_conntrack_zone *zone = nf_ct_zone(ct);
	struct net *net = nf_ct_net(ct);
	int dir;

	pptp_alg_budget_uncharge(pn, conn, call);
	if (!(call->flags & PPTP_CALLF_EXPECTED))
		return;

	for (dir = IP_CT_DIR_ORIGINAL; dir < IP_CT_DIR_MAX; dir++) {
		struct pptp_alg_gre *gre = call->gre[dir];
		struct nf_conntrack_expect *exp;
		struct nf_conntrack_tuple t;

		call->gre[dir] = NULL;
		if (gre->ct) {
			list_add_tail(&gre->node, &after->retired);
			continue;
		}
		kfree(gre);
		pptp_alg_gre_tuple(&t, ct, dir, pptp_alg_gre_key(call, dir));
		exp = nf_ct_expect_find_get(net, zone, &t);
		if (exp) {
			if (exp->master == ct)
				nf_ct_unexpect_related(exp);
			nf_ct_expect_put(exp);
		}
	}
	call->flags &= ~PPTP_CALLF_EXPECTED;
}

/*
 * Called by the sweep with conn->lock held.  A bound entry still out of
 * the table a second after its first packet lost a clash: another packet
 * of the same direction, on another CPU, found the expectation used up
 * and made a plain entry that got into the table first, and the core
 * dropped ours with its packet.  That direction of the call then passes
 * through the plain entry unassured, or not at all towards the inside
 * host.  The direction is expected again, and the plain entry goes once
 * the lock is dropped (@after).  *@lost takes the entry to put then.
 */
void pptp_alg_gre_repair(struct pptp_alg_net *pn, struct pptp_alg_conn *conn,
			 struct pptp_call *call, struct pptp_alg_after *after,
			 struct nf_conn **lost)
{
	unsigned int secs = READ_ONCE(pn->tun.expect_timeout);
	struct nf_conntrack_expect *exp;
	int dir;

	if (!(call->flags & PPTP_CALLF_EXPECTED))
		return;
	for (dir = IP_CT_DIR_ORIGINAL; dir < IP_CT_DIR_MAX; dir++) {
		struct pptp_alg_gre *gre = call->gre[dir];

		if (!gre->ct || nf_ct_is_confirmed(gre->ct) ||
		    time_before(jiffies, gre->bound + HZ) ||
		    after->nnew >= PPTP_ALG_AFTER_NEW || *lost)
			continue;
		exp = pptp_alg_fail() ? NULL : nf_ct_expect_alloc(conn->ct);
		if (!exp) {
			pptp_alg_stat_inc(pn, PPTP_STAT_NOMEM);
			continue;
		}
		if (pptp_alg_gre_exp_add(exp, conn->ct, call, dir, secs)) {
			pptp_alg_stat_inc(pn, PPTP_STAT_EXPECT_FAILED);
		} else {
			*lost = gre->ct;
			gre->ct = NULL;
			call->flags &= ~(dir == IP_CT_DIR_ORIGINAL ?
					 PPTP_CALLF_GRE_ORIG :
					 PPTP_CALLF_GRE_REPLY);
			after->new_dir[after->nnew] = dir;
			after->new_key[after->nnew++] = pptp_alg_gre_key(call, dir);
			pptp_alg_stat_inc(pn, PPTP_STAT_GRE_CLASHES);
		}
		nf_ct_expect_put(exp);
	}
}

static void pptp_alg_gre_free(struct pptp_alg_gre *gre)
{
	nf_ct_put(gre->ct);
	kfree(gre);
}

/*
 * The entry was still on its way into the table when its call ended.
 * Its callback and its confirmation happen in one RCU read-side section,
 * so now it is in the table, or it never will be.
 */
static void pptp_alg_gre_retire_rcu(struct rcu_head *head)
{
	struct pptp_alg_gre *gre = container_of(head, struct pptp_alg_gre,
						rcu);
	struct nf_conn *ct = gre->ct;

	if (nf_ct_is_confirmed(ct) && nf_ct_delete(ct, 0, 0))
		pptp_alg_stat_inc(pptp_alg_pernet(nf_ct_net(ct)),
				  PPTP_STAT_GRE_ORPHANS);
	pptp_alg_gre_free(gre);
}

/*
 * A first GRE packet that overtook the message that set its call up (the
 * peer sent them back to back, two CPUs took them in the other order)
 * made a plain entry for the call's tuple, and every later packet would
 * match it instead of the expectation: that direction would pass
 * unassured, or not at all towards the inside host, until it idled out.
 * The tuple belongs to the new call now, so such an entry goes.
 */
static void pptp_alg_gre_unshadow(struct pptp_alg_net *pn, struct nf_conn *ct,
				  int dir, u16 key)
{
	struct nf_conntrack_tuple_hash *h;
	struct nf_conntrack_tuple t;
	struct nf_conn *gre;

	pptp_alg_gre_tuple(&t, ct, dir, key);
	h = nf_conntrack_find_get(nf_ct_net(ct), nf_ct_zone(ct), &t);
	if (!h)
		return;
	gre = nf_ct_tuplehash_to_ctrack(h);
	if (gre->master != ct && nf_ct_delete(gre, 0, 0))
		pptp_alg_stat_inc(pn, PPTP_STAT_GRE_SHADOWS);
	nf_ct_put(gre);
}

static void pptp_alg_gre_retire(struct pptp_alg_net *pn,
				struct list_head *retired)
{
	struct pptp_alg_gre *gre, *next;

	list_for_each_entry_safe(gre, next, retired, node) {
		list_del(&gre->node);
		if (!nf_ct_is_confirmed(gre->ct)) {
			call_rcu(&gre->rcu, pptp_alg_gre_retire_rcu);
			continue;
		}
		if (nf_ct_delete(gre->ct, 0, 0))
			pptp_alg_stat_inc(pn, PPTP_STAT_GRE_REMOVED);
		pptp_alg_gre_free(gre);
	}
}

/*
 * The table work conn->lock's holder left (@ct's connection): delete the
 * GRE entries of ended calls, and the plain entries in the way of new
 * expectations.  No connection lock may be held here: a lookup or a
 * delete can run a destroy(), which takes one.
 */
void pptp_alg_after_run(struct pptp_alg_net *pn, struct nf_conn *ct,
			struct pptp_alg_after *after)
{
	unsigned int i;

	pptp_alg_gre_retire(pn, &after->retired);
	for (i = 0; i < after->nnew; i++)
		pptp_alg_gre_unshadow(pn, ct, after->new_dir[i],
				      after->new_key[i]);
	after->nnew = 0;
}
