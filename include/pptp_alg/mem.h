/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Memory for the pure core's tables, so the kernel uses GFP_ATOMIC and
 * userspace malloc.
 */
#ifndef PPTP_ALG_MEM_H
#define PPTP_ALG_MEM_H

#include <linux/types.h>

struct pptp_mem_ops {
	void *(*alloc)(size_t size);
	void (*free)(void *p);
};

#endif /* PPTP_ALG_MEM_H */
