/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every difference between the kernels nf_pptp_alg supports lives here.
 * Supported: Debian 12's 6.1 and Debian 13's 6.12 (6.6 branches untested).
 */
#ifndef PPTP_ALG_COMPAT_H
#define PPTP_ALG_COMPAT_H

#include <linux/version.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack.h>
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

/*
 * 6.1 takes a sentinel-terminated table; 6.6 and later take the number of
 * entries (@n, sentinel not counted; 6.12 ignores a trailing sentinel).
 */
static inline struct ctl_table_header *
pptp_alg_register_sysctl(struct net *net, const char *path,
			 struct ctl_table *table, size_t n)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 6, 0)
	return register_net_sysctl_sz(net, path, table, n);
#else
	return register_net_sysctl(net, path, table);
#endif
}

/*
 * nf_ct_refresh() lost its (unused) skb argument in 6.14; 6.12.113 got
 * the change through the stable tree (Debian 13's 6.12 has it).
 */
static inline void pptp_alg_ct_refresh(struct nf_conn *ct, u32 extra_jiffies)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0) || \
	(LINUX_VERSION_CODE >= KERNEL_VERSION(6, 12, 113) && \
	 LINUX_VERSION_CODE < KERNEL_VERSION(6, 13, 0))
	nf_ct_refresh(ct, extra_jiffies);
#else
	nf_ct_refresh(ct, NULL, extra_jiffies);
#endif
}

#ifdef CONFIG_NF_CONNTRACK_TIMEOUT
#define PPTP_ALG_HAVE_CT_TIMEOUT 1
#else
#define PPTP_ALG_HAVE_CT_TIMEOUT 0
#endif

#endif /* PPTP_ALG_COMPAT_H */
