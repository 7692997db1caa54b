/* SPDX-License-Identifier: GPL-2.0-only */
#ifndef PPTP_HOST_LINUX_EXPORT_H
#define PPTP_HOST_LINUX_EXPORT_H

#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)

#endif
