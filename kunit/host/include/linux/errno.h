/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef PPTP_HOST_LINUX_ERRNO_H
#define PPTP_HOST_LINUX_ERRNO_H

#include <errno.h>

#endif
