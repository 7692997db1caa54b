// SPDX-License-Identifier: GPL-2.0-only
/*
 * Per network namespace state: created with the namespace (or at module
 * load for existing ones) and torn down with it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "pptp_alg.h"

unsigned int pptp_alg_net_id __read_mostly;

static int __net_init pptp_alg_net_init(struct net *net)
{
	struct pptp_alg_net *pn = pptp_alg_pernet(net);
	int err;

	pn->net = net;
	spin_lock_init(&pn->conns_lock);
	INIT_LIST_HEAD(&pn->conns);
	pptp_alg_gc_init(pn);
	pptp_alg_ha_init(pn);

	err = pptp_alg_stats_init(pn);
	if (err)
		return err;
	err = pptp_alg_nat_ids_init(pn);
	if (err)
		goto err_stats;
	err = pptp_alg_budget_init(pn);
	if (err)
		goto err_ids;
	err = pptp_alg_gre_timeout_init(pn);
	if (err)
		goto err_budget;
	err = pptp_alg_sysctl_init(pn);
	if (err)
		goto err_timeout;
	err = pptp_alg_proc_init(pn);
	if (err)
		goto err_sysctl;
	return 0;

err_sysctl:
	pptp_alg_sysctl_exit(pn);
err_timeout:
	pptp_alg_gre_timeout_exit(pn);
err_budget:
	pptp_alg_budget_exit(pn);
err_ids:
	pptp_alg_nat_ids_exit(pn);
err_stats:
	pptp_alg_stats_exit(pn);
	return err;
}

static void __net_exit pptp_alg_net_exit(struct net *net)
{
	struct pptp_alg_net *pn = pptp_alg_pernet(net);

	pptp_alg_proc_exit(pn);
	pptp_alg_net_drain(pn);
	pptp_alg_gre_timeout_exit(pn);
	pptp_alg_budget_exit(pn);
	pptp_alg_nat_ids_exit(pn);
	pptp_alg_sysctl_exit(pn);
	pptp_alg_stats_exit(pn);
}

struct pernet_operations pptp_alg_net_ops = {
	.init = pptp_alg_net_init,
	.exit = pptp_alg_net_exit,
	.id = &pptp_alg_net_id,
	.size = sizeof(struct pptp_alg_net),
};
