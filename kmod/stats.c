// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per-netns counters.  Per-CPU so the packet path never shares a cache
 * line; summed only when /proc/net/nf_pptp_alg/stats is read.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/percpu.h>
#include <linux/seq_file.h>
#include <linux/seq_file_net.h>
#include <net/netns/generic.h>

#include "pptp_alg.h"

/* Same order as enum pptp_alg_stat: both come from stats_list.h. */
static const char * const pptp_alg_stat_names[PPTP_STAT_MAX] = {
#define PPTP_ALG_STAT(id, name) name,
#include "stats_list.h"
#undef PPTP_ALG_STAT
};

int pptp_alg_stats_init(struct pptp_alg_net *pn)
{
	pn->stats = alloc_percpu(struct pptp_alg_stats);
	return pn->stats ? 0 : -ENOMEM;
}

void pptp_alg_stats_exit(struct pptp_alg_net *pn)
{
	free_percpu(pn->stats);
	pn->stats = NULL;
}

u64 pptp_alg_stat_sum(struct pptp_alg_net *pn, enum pptp_alg_stat id)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu_ptr(pn->stats, cpu)->v[id];
	return sum;
}

enum pptp_alg_stat pptp_alg_msg_stat(unsigned int type, int dir)
{
	return PPTP_STAT_MSG_SCCRQ_ORIG + (type - PPTP_MSG_SCCRQ) * 2 + !!dir;
}

int pptp_alg_stats_show(struct seq_file *s, void *v)
{
	struct pptp_alg_net *pn = pptp_alg_pernet(seq_file_single_net(s));
	struct pptp_alg_conn *conn;
	unsigned int calls = 0, conns = 0;
	int i;

	for (i = 0; i < PPTP_STAT_MAX; i++)
		seq_printf(s, "%s %llu\n", pptp_alg_stat_names[i],
			   pptp_alg_stat_sum(pn, i));

	/*
	 * Gauges: taken from the live table, not from counters, under RCU
	 * only (the state is freed after a grace period): a reader must not
	 * hold off the packet path's setup and teardown for a whole walk.
	 */
	rcu_read_lock();
	list_for_each_entry_rcu(conn, &pn->conns, node) {
		/* Dead: being unlinked, its calls already ended. */
		if (READ_ONCE(conn->dead))
			continue;
		/* A closing connection lingers in conntrack, not as a session. */
		conns += !READ_ONCE(conn->closed);
		calls += READ_ONCE(conn->pc.sess.ncalls);
	}
	rcu_read_unlock();
	seq_printf(s, "sessions_active %u\n", conns);
	seq_printf(s, "calls_active %u\n", calls);
	seq_printf(s, "calls_pending %d\n", atomic_read(&pn->pending));
	return 0;
}
