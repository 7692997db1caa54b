/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef PPTP_HOST_LINUX_SLAB_H
#define PPTP_HOST_LINUX_SLAB_H

#include <stdlib.h>
#include <linux/types.h>

#define GFP_KERNEL	0U
#define GFP_ATOMIC	1U

static inline void *kmalloc(size_t n, gfp_t gfp)
{
	(void)gfp;
	return malloc(n ? n : 1);
}

static inline void *kzalloc(size_t n, gfp_t gfp)
{
	(void)gfp;
	return calloc(1, n ? n : 1);
}

static inline void *kmalloc_array(size_t n, size_t size, gfp_t gfp)
{
	(void)gfp;
	return calloc(n ? n : 1, size ? size : 1);
}

static inline void *krealloc(const void *p, size_t n, gfp_t gfp)
{
	(void)gfp;
	return realloc((void *)p, n ? n : 1);
}

static inline void *krealloc_array(void *p, size_t n, size_t size, gfp_t gfp)
{
	return krealloc(p, n * size, gfp);
}

static inline void kfree(const void *p)
{
	free((void *)p);
}

#endif
