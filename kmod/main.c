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
#include <net/netfilter/nf_conntrack_helper.h>

#include "pptp_alg.h"

static struct nf_conntrack_helper pptp_alg_helper __read_mostly;

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
bool pptp_alg_unloading __read_mostly;

bool pptp_alg_is_our_helper(const struct nf_conntrack_helper *h)
{
	return h == &pptp_alg_helper;
}

static int __init pptp_alg_init(void)
{
	int err;

	err = pptp_alg_conn_cache_init();
	if (err)
		return err;
	err = register_pernet_subsys(&pptp_alg_net_ops);
	if (err)
		goto err_cache;

	/*
	 * The port only matters to the kernel's by-port autoassignment
	 * (off by default since 4.7) and to the clash check against
	 * mainline's helper on the same tuple.
	 */
	nf_ct_helper_init(&pptp_alg_helper, AF_INET, IPPROTO_TCP,
			  PPTP_ALG_NAME, PPTP_WIRE_PORT, PPTP_WIRE_PORT, 0,
			  &pptp_alg_exp_policy, 0, pptp_alg_help, NULL,
			  THIS_MODULE);
	pptp_alg_helper.destroy = pptp_alg_destroy;
	err = nf_conntrack_helper_register(&pptp_alg_helper);
	if (err) {
		pr_err("cannot register helper (%d)%s\n", err,
		       err == -EBUSY ? ": nf_conntrack_pptp already claims the port" : "");
		goto err_pernet;
	}
	return 0;

err_pernet:
	unregister_pernet_subsys(&pptp_alg_net_ops);
err_cache:
	pptp_alg_conn_cache_exit();
	return err;
}

static void __exit pptp_alg_exit(void)
{
	/*
	 * Per-netns exit deletes our entries while the helper still owns
	 * them, so destroy() releases their state; help() must no longer
	 * touch per-netns memory from then on.
	 */
	WRITE_ONCE(pptp_alg_unloading, true);
	synchronize_rcu();
	unregister_pernet_subsys(&pptp_alg_net_ops);
	nf_conntrack_helper_unregister(&pptp_alg_helper);
	rcu_barrier();
	pptp_alg_conn_cache_exit();
}

module_init(pptp_alg_init);
module_exit(pptp_alg_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("PPTP application-level gateway: control inspection, GRE expectations, call-ID NAT");
MODULE_ALIAS_NFCT_HELPER(PPTP_ALG_NAME);
