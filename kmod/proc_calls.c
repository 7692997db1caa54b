// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/net/nf_pptp_alg/{stats,calls,version}.  The calls table prints one
 * line per live call; roles are per call, so "pns" says which side of the
 * control connection the PNS is on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>

#include "pptp_alg.h"

/* Calls copied per hold of a connection's lock: bounds the hold time. */
#define PPTP_ALG_CALLS_CHUNK	64

struct pptp_alg_calls_iter {
	struct seq_net_private p;	/* first: seq_file_net() reads it */
	struct pptp_call calls[PPTP_ALG_CALLS_CHUNK];
};

static void pptp_alg_show_call(struct seq_file *s,
			       const struct nf_conntrack_tuple *t,
			       const struct pptp_call *call, u32 now)
{
	int pns = call->pns_side, pac = !pns;
	bool pns_known = call->flags & (pns ? PPTP_CALLF_ID_REPLY :
					      PPTP_CALLF_ID_ORIG);
	bool pac_known = call->flags & (pac ? PPTP_CALLF_ID_REPLY :
					      PPTP_CALLF_ID_ORIG);

	seq_printf(s, "ctrl=%pI4:%u->%pI4:%u pns=%s pns_id=%d pac_id=%d nat_id=%d state=%s age=%u\n",
		   &t->src.u3.ip, ntohs(t->src.u.tcp.port),
		   &t->dst.u3.ip, ntohs(t->dst.u.tcp.port),
		   pns == PPTP_SIDE_ORIG ? "orig" : "reply",
		   pns_known ? call->id[pns] : -1,
		   pac_known ? call->id[pac] : -1,
		   call->flags & PPTP_CALLF_NAT_ID ? call->nat_id : -1,
		   pptp_call_state_name(call->state), now - call->start);
}

/*
 * The walk holds no lock the packet path takes: connections are an RCU
 * list and their state is freed after a grace period, so only the read
 * side is held from ->start to ->stop, which seq_file calls around each
 * buffer it fills.
 */
static void *pptp_alg_calls_start(struct seq_file *s, loff_t *pos)
	__acquires(RCU)
{
	struct pptp_alg_net *pn = pptp_alg_pernet(seq_file_net(s));

	rcu_read_lock();
	return seq_list_start_rcu(&pn->conns, *pos);
}

static void *pptp_alg_calls_next(struct seq_file *s, void *v, loff_t *pos)
{
	struct pptp_alg_net *pn = pptp_alg_pernet(seq_file_net(s));

	return seq_list_next_rcu(v, &pn->conns, pos);
}

static void pptp_alg_calls_stop(struct seq_file *s, void *v)
	__releases(RCU)
{
	rcu_read_unlock();
}

/*
 * The calls of one control connection.  Its lock is held only to copy a
 * chunk of calls, never while formatting.  With more calls than a chunk,
 * a call set up or ended between two chunks can be missed or shown twice
 * (calls move in the array when one ends), as a connection can across
 * the buffers of the walk.
 */
static int pptp_alg_calls_show(struct seq_file *s, void *v)
{
	struct pptp_alg_conn *conn = list_entry(v, struct pptp_alg_conn, node);
	struct pptp_alg_calls_iter *it = s->private;
	struct nf_conntrack_tuple t;
	unsigned int i = 0, n, k;
	u32 now = pptp_alg_now();

	do {
		spin_lock_bh(&conn->lock);
		/* Once dead, the reference on conn->ct may be gone. */
		if (conn->dead) {
			spin_unlock_bh(&conn->lock);
			break;
		}
		t = conn->ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
		n = conn->pc.sess.ncalls > i ?
		    min_t(unsigned int, conn->pc.sess.ncalls - i,
			  PPTP_ALG_CALLS_CHUNK) : 0;
		if (n)
			memcpy(it->calls, conn->pc.sess.calls + i,
			       n * sizeof(it->calls[0]));
		spin_unlock_bh(&conn->lock);

		for (k = 0; k < n; k++)
			pptp_alg_show_call(s, &t, &it->calls[k], now);
		i += n;
	} while (n == PPTP_ALG_CALLS_CHUNK);
	return 0;
}

static const struct seq_operations pptp_alg_calls_seq_ops = {
	.start = pptp_alg_calls_start,
	.next = pptp_alg_calls_next,
	.stop = pptp_alg_calls_stop,
	.show = pptp_alg_calls_show,
};

/* The module's version (the package's), as modinfo shows it. */
static int pptp_alg_version_show(struct seq_file *s, void *v)
{
	seq_puts(s, PPTP_ALG_VERSION "\n");
	return 0;
}

int pptp_alg_proc_init(struct pptp_alg_net *pn)
{
	pn->proc_dir = proc_net_mkdir(pn->net, "nf_pptp_alg",
				      pn->net->proc_net);
	if (!pn->proc_dir)
		return -ENOMEM;
	if (!proc_create_net_single("stats", 0444, pn->proc_dir,
				    pptp_alg_stats_show, NULL) ||
	    /* Addresses and call IDs of every tunnel: not for any local user. */
	    !proc_create_net("calls", 0400, pn->proc_dir,
			     &pptp_alg_calls_seq_ops,
			     sizeof(struct pptp_alg_calls_iter)) ||
	    !proc_create_single("version", 0444, pn->proc_dir,
				pptp_alg_version_show)) {
		pptp_alg_proc_exit(pn);
		return -ENOMEM;
	}
	return 0;
}

void pptp_alg_proc_exit(struct pptp_alg_net *pn)
{
	if (!pn->proc_dir)
		return;
	remove_proc_subtree("nf_pptp_alg", pn->net->proc_net);
	pn->proc_dir = NULL;
}
