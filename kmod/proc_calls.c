// SPDX-License-Identifier: GPL-2.0-only
/*
 * /proc/net/nf_pptp_alg/{stats,calls}.  The calls table prints one line per
 * live call; roles are per call, so "pns" says which side of the control
 * connection the PNS is on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>

#include "pptp_alg.h"

static void pptp_alg_show_call(struct seq_file *s, const struct nf_conn *ct,
			       const struct pptp_call *call, u32 now)
{
	const struct nf_conntrack_tuple *t = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
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
		   call->flags & PPTP_CALLF_WIRE ? call->wire_id : -1,
		   pptp_call_state_name(call->state), now - call->start);
}

static int pptp_alg_calls_show(struct seq_file *s, void *v)
{
	struct pptp_alg_net *pn = pptp_alg_pernet(seq_file_single_net(s));
	struct pptp_alg_conn *conn;
	u32 now = pptp_alg_now();
	int i;

	spin_lock_bh(&pn->conns_lock);
	list_for_each_entry(conn, &pn->conns, node) {
		spin_lock(&conn->lock);
		for (i = 0; !conn->dead && i < conn->sess.ncalls; i++)
			pptp_alg_show_call(s, conn->ct, &conn->sess.calls[i],
					   now);
		spin_unlock(&conn->lock);
	}
	spin_unlock_bh(&pn->conns_lock);
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
	    /* Walks every call under a lock: not for any local user. */
	    !proc_create_net_single("calls", 0400, pn->proc_dir,
				    pptp_alg_calls_show, NULL)) {
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
