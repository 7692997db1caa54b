/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Additions to the kunit/host shim that the pure core needs, force-included
 * (-include) by the host KUnit build and the fuzzer so the pure sources
 * build unchanged.  Every definition is guarded: once the shim grows its
 * own, this file becomes a no-op.
 */
#ifndef PPTP_HOST_EXTRA_H
#define PPTP_HOST_EXTRA_H

#include <linux/kernel.h>

#ifndef min_t
#define min_t(type, a, b)	((type)(a) < (type)(b) ? (type)(a) : (type)(b))
#endif
#ifndef max_t
#define max_t(type, a, b)	((type)(a) > (type)(b) ? (type)(a) : (type)(b))
#endif

#endif /* PPTP_HOST_EXTRA_H */
