// SPDX-License-Identifier: GPL-2.0-only
/*
 * nf_pptp_alg: PPTP (RFC 2637) application-level gateway for netfilter.
 *
 * Registers one conntrack helper named "pptp-alg".  Operators assign it
 * by rule (an nft ct helper object of type "pptp-alg", or iptables' CT
 * target), whatever the TCP port of the control connection: the name is
 * all a rule looks up, so no port list is configured here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>

#include "pptp_alg.h"

static int __init pptp_alg_init(void)
{
	int err;

	err = pptp_alg_conn_cache_init();
	if (err)
		return err;
	pptp_alg_fault_init();
	err = register_pernet_subsys(&pptp_alg_net_ops);
	if (err)
		goto err_cache;

	err = pptp_alg_helper_register();
	if (err) {
		pr_err("cannot register helper (%d)%s\n", err,
		       err == -EBUSY ? ": nf_conntrack_pptp already claims the port" : "");
		goto err_pernet;
	}
	return 0;

err_pernet:
	unregister_pernet_subsys(&pptp_alg_net_ops);
err_cache:
	pptp_alg_fault_exit();
	pptp_alg_conn_cache_exit();
	return err;
}

static void __exit pptp_alg_exit(void)
{
	/* Per-netns exit deletes our entries while the helper owns them. */
	pptp_alg_helper_quiesce();
	unregister_pernet_subsys(&pptp_alg_net_ops);
	pptp_alg_helper_unregister();
	rcu_barrier();
	pptp_alg_fault_exit();
	pptp_alg_conn_cache_exit();
}

module_init(pptp_alg_init);
module_exit(pptp_alg_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("PPTP application-level gateway: control inspection, GRE expectations, call-ID NAT");
MODULE_ALIAS_NFCT_HELPER(PPTP_ALG_NAME);
MODULE_VERSION(PPTP_ALG_VERSION);
