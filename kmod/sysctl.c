// SPDX-License-Identifier: GPL-2.0-only
/*
 * net.netfilter.nf_pptp_alg.* : per-netns tunables with validated ranges.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>

#include "pptp_alg.h"

static int pptp_alg_one = 1;
static int pptp_alg_timeout_max = 5 * 24 * 3600;
static int pptp_alg_max_calls_limit = PPTP_ALG_MAX_CALLS_LIMIT;
static int pptp_alg_pending_limit = 1 << 20;
/* Beyond it the call table itself refuses calls (as NOMEM). */
static_assert(PPTP_ALG_MAX_CALLS_LIMIT <= PPTP_CALLS_MAX);

enum {
	PPTP_SYSCTL_GRE_TIMEOUT,
	PPTP_SYSCTL_GRE_STREAM_TIMEOUT,
	PPTP_SYSCTL_EXPECT_TIMEOUT,
	PPTP_SYSCTL_MAX_CALLS,
	PPTP_SYSCTL_STRICT,
	PPTP_SYSCTL_LOG_INVALID,
	PPTP_SYSCTL_PENDING_CALLS_MAX,
	PPTP_SYSCTL_PENDING_CALLS_PER_HOST,
	PPTP_SYSCTL_MAX
};

static const struct ctl_table pptp_alg_sysctl_template[PPTP_SYSCTL_MAX + 1] = {
	[PPTP_SYSCTL_GRE_TIMEOUT] = {
		.procname	= "gre_timeout",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &pptp_alg_one,
		.extra2		= &pptp_alg_timeout_max,
	},
	[PPTP_SYSCTL_GRE_STREAM_TIMEOUT] = {
		.procname	= "gre_stream_timeout",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &pptp_alg_one,
		.extra2		= &pptp_alg_timeout_max,
	},
	[PPTP_SYSCTL_EXPECT_TIMEOUT] = {
		.procname	= "expect_timeout",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &pptp_alg_one,
		.extra2		= &pptp_alg_timeout_max,
	},
	[PPTP_SYSCTL_MAX_CALLS] = {
		.procname	= "max_calls",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= &pptp_alg_one,
		.extra2		= &pptp_alg_max_calls_limit,
	},
	[PPTP_SYSCTL_STRICT] = {
		.procname	= "strict",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE,
	},
	[PPTP_SYSCTL_LOG_INVALID] = {
		.procname	= "log_invalid",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= SYSCTL_ONE,
	},
	[PPTP_SYSCTL_PENDING_CALLS_MAX] = {
		.procname	= "pending_calls_max",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= &pptp_alg_pending_limit,
	},
	[PPTP_SYSCTL_PENDING_CALLS_PER_HOST] = {
		.procname	= "pending_calls_per_host",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= &pptp_alg_pending_limit,
	},
	{ }
};

int pptp_alg_sysctl_init(struct pptp_alg_net *pn)
{
	struct pptp_alg_tunables *tun = &pn->tun;
	struct ctl_table *table;

	/* Defaults: a PPTP call idles for long stretches between LCP echoes. */
	tun->gre_timeout = 180;
	tun->gre_stream_timeout = 3600;
	tun->expect_timeout = 120;
	tun->max_calls = 64;
	tun->strict = 0;
	tun->log_invalid = 0;
	pptp_alg_budget_defaults(tun);

	table = kmemdup(pptp_alg_sysctl_template,
			sizeof(pptp_alg_sysctl_template), GFP_KERNEL);
	if (!table)
		return -ENOMEM;

	table[PPTP_SYSCTL_GRE_TIMEOUT].data = &tun->gre_timeout;
	table[PPTP_SYSCTL_GRE_STREAM_TIMEOUT].data = &tun->gre_stream_timeout;
	table[PPTP_SYSCTL_EXPECT_TIMEOUT].data = &tun->expect_timeout;
	table[PPTP_SYSCTL_MAX_CALLS].data = &tun->max_calls;
	table[PPTP_SYSCTL_STRICT].data = &tun->strict;
	table[PPTP_SYSCTL_LOG_INVALID].data = &tun->log_invalid;
	table[PPTP_SYSCTL_PENDING_CALLS_MAX].data = &tun->pending_calls_max;
	table[PPTP_SYSCTL_PENDING_CALLS_PER_HOST].data =
		&tun->pending_calls_per_host;

	pn->sysctl_hdr = pptp_alg_register_sysctl(pn->net,
						  "net/netfilter/nf_pptp_alg",
						  table, PPTP_SYSCTL_MAX);
	if (!pn->sysctl_hdr) {
		kfree(table);
		return -ENOMEM;
	}
	return 0;
}

void pptp_alg_sysctl_exit(struct pptp_alg_net *pn)
{
	const struct ctl_table *table;

	if (!pn->sysctl_hdr)
		return;
	table = pn->sysctl_hdr->ctl_table_arg;
	unregister_net_sysctl_table(pn->sysctl_hdr);
	pn->sysctl_hdr = NULL;
	kfree(table);
}
