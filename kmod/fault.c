// SPDX-License-Identifier: GPL-2.0-only
/*
 * Allocation failures on demand.  The module registers one attribute of
 * the kernel's fault-injection framework (Documentation/fault-injection/),
 * fail_pptp_alg in debugfs, and consults it before every allocation it
 * makes, or asks the conntrack core for, on the packet path.  Every such
 * allocation that fails, on purpose or not, counts once in "nomem".
 * Without CONFIG_FAULT_INJECTION nothing fails on purpose.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/slab.h>

#include "pptp_alg.h"

#ifdef CONFIG_FAULT_INJECTION

/* Off until debugfs sets a probability. */
static DECLARE_FAULT_ATTR(pptp_alg_fault);
static struct dentry *pptp_alg_fault_dir;

bool pptp_alg_fail(void)
{
	return should_fail(&pptp_alg_fault, 1);
}

void pptp_alg_fault_init(void)
{
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
	struct dentry *dir;

	dir = fault_create_debugfs_attr("fail_pptp_alg", NULL,
					&pptp_alg_fault);
	pptp_alg_fault_dir = IS_ERR(dir) ? NULL : dir;
#endif
}

void pptp_alg_fault_exit(void)
{
	debugfs_remove_recursive(pptp_alg_fault_dir);
}

#endif

void *pptp_alg_alloc(struct pptp_alg_net *pn, size_t size)
{
	void *p = pptp_alg_fail() ? NULL :
		  kmalloc(size, GFP_ATOMIC | __GFP_NOWARN);

	if (!p)
		pptp_alg_stat_inc(pn, PPTP_STAT_NOMEM);
	return p;
}
