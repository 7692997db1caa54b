/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef PPTP_HOST_LINUX_ERRNO_H
#define PPTP_HOST_LINUX_ERRNO_H

/* glibc's <errno.h> itself includes <linux/errno.h>: use the UAPI one. */
#include_next <linux/errno.h>

#endif
