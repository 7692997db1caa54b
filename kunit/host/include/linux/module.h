/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef PPTP_HOST_LINUX_MODULE_H
#define PPTP_HOST_LINUX_MODULE_H

#include <linux/export.h>

#define MODULE_LICENSE(x)
#define MODULE_DESCRIPTION(x)
#define MODULE_AUTHOR(x)

#endif
