/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every difference between the kernels nf_pptp_alg supports lives here.
 * Supported now: Debian 12's 6.1.  6.6 and 6.12 get their branches here.
 */
#ifndef PPTP_ALG_COMPAT_H
#define PPTP_ALG_COMPAT_H

#include <linux/version.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack_expect.h>
#include <net/netfilter/nf_conntrack_timeout.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 1, 0)
#error "nf_pptp_alg needs Linux 6.1 or newer"
#endif

/*
 * Expectation lifetime.  Debian's 6.1 keeps it as a jiffies32 stamp that
 * the conntrack GC compares (the helper policy's timeout is then added on
 * insert, so the policy carries 0 and the per-netns sysctl is set here).
 */
static inline void pptp_alg_exp_set_timeout(struct nf_conntrack_expect *exp,
					    unsigned int secs)
{
	exp->timeout = nfct_time_stamp + secs * HZ;
}

/* 6.1 still takes a sentinel-terminated table. */
static inline struct ctl_table_header *
pptp_alg_register_sysctl(struct net *net, const char *path,
			 struct ctl_table *table, size_t n)
{
	return register_net_sysctl(net, path, table);
}

#ifdef CONFIG_NF_CONNTRACK_TIMEOUT
#define PPTP_ALG_HAVE_CT_TIMEOUT 1
#else
#define PPTP_ALG_HAVE_CT_TIMEOUT 0
#endif

#endif /* PPTP_ALG_COMPAT_H */
