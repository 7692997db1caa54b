/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every difference between the kernels nf_pptp_alg supports lives here.
 * Supported: Debian 12's 6.1, Debian 13's 6.12, trixie-backports' 7.3
 * and sid's 7.2 (6.6 branches untested).  Where a stable update carries an
 * API change back, Kbuild probes the headers rather than trusting versions.
 */
#ifndef PPTP_ALG_COMPAT_H
#define PPTP_ALG_COMPAT_H

#include <linux/version.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_expect.h>
#include <net/netfilter/nf_conntrack_helper.h>
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

/* Helpers lost their port (by-port autoassignment) in 7.3. */
static inline void
pptp_alg_helper_init(struct nf_conntrack_helper *h, const char *name,
		     u16 port, const struct nf_conntrack_expect_policy *pol,
		     int (*help)(struct sk_buff *skb, unsigned int protoff,
				 struct nf_conn *ct,
				 enum ip_conntrack_info ctinfo))
{
#ifdef PPTP_ALG_HELPER_HAS_PORT
	nf_ct_helper_init(h, AF_INET, IPPROTO_TCP, name, port, port, 0, pol, 0,
			  help, NULL, THIS_MODULE);
#else
	nf_ct_helper_init(h, AF_INET, IPPROTO_TCP, name, pol, 0, help, NULL,
			  THIS_MODULE);
#endif
}

/*
 * Since 7.2 the kernel registers a copy of @tmpl, returned in @live: the
 * entries point at the copy and hold a reference on it, so it outlives
 * unregistration, and unregistration no longer detaches it from them.
 * Older kernels register @tmpl itself and detach it on unregistration.
 */
static inline int pptp_alg_helper_add(struct nf_conntrack_helper *tmpl,
				      struct nf_conntrack_helper **live)
{
#ifdef PPTP_ALG_HELPER_COPIED
	return nf_conntrack_helper_register(tmpl, live);
#else
	int err = nf_conntrack_helper_register(tmpl);

	if (!err)
		*live = tmpl;
	return err;
#endif
}

/*
 * Make @ct stop pointing at @h.  Since 7.2 an entry holds a reference on
 * the helper it points at, and this drops it.  RCU readers may still be
 * using @h.
 */
static inline void pptp_alg_helper_unset(struct nf_conn *ct,
					 struct nf_conntrack_helper *h)
{
	struct nf_conn_help *help = nfct_help(ct);

	if (!help || rcu_dereference_raw(help->helper) != h)
		return;
	RCU_INIT_POINTER(help->helper, NULL);
#ifdef PPTP_ALG_HELPER_COPIED
	if (refcount_dec_and_test(&h->ct_refcnt))
		kfree_rcu(h, rcu);
#endif
}

#ifdef PPTP_ALG_HELPER_COPIED
static inline int pptp_alg_helper_detach(struct nf_conn *ct, void *data)
{
	pptp_alg_helper_unset(ct, data);
	return 0;
}
#endif

/*
 * The copy's destroy() is this module's code: every entry still pointing
 * at it is detached before the module text goes.  Our own reference keeps
 * the copy (and so its address) alive until that walk is over.
 */
static inline void pptp_alg_helper_del(struct nf_conntrack_helper *live)
{
#ifdef PPTP_ALG_HELPER_COPIED
	refcount_inc(&live->ct_refcnt);
	nf_conntrack_helper_unregister(live);
	nf_ct_iterate_destroy(pptp_alg_helper_detach, live);
	if (refcount_dec_and_test(&live->ct_refcnt))
		kfree_rcu(live, rcu);
#else
	nf_conntrack_helper_unregister(live);
#endif
}

#ifdef CONFIG_NF_CONNTRACK_TIMEOUT
#define PPTP_ALG_HAVE_CT_TIMEOUT 1
#else
#define PPTP_ALG_HAVE_CT_TIMEOUT 0
#endif

#endif /* PPTP_ALG_COMPAT_H */
